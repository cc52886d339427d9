"""Synthetic inputs for the figure tests (no real study data)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def forest_studies(k: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    yi = rng.normal(0.3, 0.3, k)
    vi = rng.uniform(0.01, 0.1, k)
    se = np.sqrt(vi)
    w = 1 / vi
    return pd.DataFrame({
        "study_id": [f"s{i:03d}" for i in range(k)],
        "label": [f"Author{i} et al. {2000 + i % 25}, a long descriptive study label that must wrap" if i % 4 == 0
                  else f"Author{i} {2000 + i % 25}" for i in range(k)],
        "n": pd.array([None if i == 1 else 40 + i for i in range(k)], dtype="Int64"),
        "yi": yi, "vi": vi, "ci_lb": yi - 1.96 * se, "ci_ub": yi + 1.96 * se,
        "weight_pct": 100 * w / w.sum() if k > 1 else [np.nan],
        "rob_overall": [["Low", "Moderate", "Serious", None][i % 4] for i in range(k)],
    })


def pooled(k: int) -> dict[str, object]:
    return {"k": k, "estimate": 0.31, "ci_lb": 0.12, "ci_ub": 0.50, "pi_lb": -0.15, "pi_ub": 0.77, "tau2": 0.012,
            "i2": 34.5, "q": 6.1, "q_df": k - 1, "q_p": 0.19, "method": "REML", "test": "knha", "measure": "SMD"}


def directions() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    plan = {"overall": ["improved", "improved", "improved"], "physical": ["improved", "worsened", "mixed"],
            "psychological": ["no_clear_difference", "improved", "improved"]}
    studies = [("a", "Study A 2024", 400, "Low"), ("b", "Study B 2023", 120, "Serious"), ("c", "Study C 2022", None, None)]
    for domain, dirs in plan.items():
        for (sid, label, n, rob), direction in zip(studies, dirs):
            rows.append({"study_id": sid, "label": label, "domain": domain, "direction": direction,
                         "basis": "ci" if sid != "c" else "reported", "n": n, "rob_overall": rob})
    table = pd.DataFrame(rows)
    table["n"] = table["n"].astype("Int64")
    votes = pd.DataFrame([
        {"domain": "overall", "n_studies": 3, "n_improved": 3, "n_worsened": 0, "n_no_clear": 0,
         "proportion_improved": 1.0, "ci_lb": 0.44, "ci_ub": 1.0, "sign_test_p": 0.25},
        {"domain": "physical", "n_studies": 3, "n_improved": 1, "n_worsened": 1, "n_no_clear": 1,
         "proportion_improved": 1 / 3, "ci_lb": 0.06, "ci_ub": 0.79, "sign_test_p": 1.0},
        {"domain": "psychological", "n_studies": 3, "n_improved": 2, "n_worsened": 0, "n_no_clear": 1,
         "proportion_improved": 2 / 3, "ci_lb": 0.21, "ci_ub": 0.94, "sign_test_p": 0.5},
    ])
    return table, votes


def risk_of_bias() -> pd.DataFrame:
    rows = []
    for i, overall in enumerate(["Serious", "Moderate", "Low"]):
        for d in ["D1", "D2", "D3", "D4", "D5", "D6", "D7", "overall"]:
            if i == 2 and d == "D5":
                continue  # a missing judgement: must read "Not assessed"
            rows.append({"study_id": f"r{i}", "label": f"ROBINS study {i}", "tool": "ROBINS-I", "domain": d,
                         "judgement": overall if d == "overall" else "Low", "weight": [50.0, 30.0, 20.0][i]})
    for i, rating in enumerate(["Good", "Poor"]):
        for d, j in [("selection", "4"), ("comparability", "2"), ("outcome", "1"), ("overall", rating)]:
            rows.append({"study_id": f"n{i}", "label": f"NOS study {i}", "tool": "NOS", "domain": d, "judgement": j,
                         "weight": np.nan})
    return pd.DataFrame(rows)


def prisma(other: bool = False) -> pd.DataFrame:
    rows = [("database_results", 1200, "PubMed, 700; Scopus, 500"), ("register_results", 45, None),
            ("duplicates", 300, None), ("records_screened", 945, None), ("records_excluded", None, None),
            ("dbr_sought_reports", 40, None), ("dbr_notretrieved_reports", 0, None), ("dbr_assessed", 40, None),
            ("dbr_excluded", 35, "Wrong population, 10; No QoL outcome, 25"), ("total_studies", 5, None)]
    if other:
        rows += [("citations_results", 3, None), ("other_assessed", 3, None)]
    return pd.DataFrame({"box": [r[0] for r in rows], "n": pd.array([r[1] for r in rows], dtype="Int64"),
                         "detail": [r[2] for r in rows]})
