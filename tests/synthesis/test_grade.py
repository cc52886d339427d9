"""GRADE certainty and the summary-of-findings table (qolreview.synthesis.grade)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qolreview.synthesis.grade import certainty, primary_analyses, starting_certainty, summary_of_findings

STUDIES = pd.DataFrame({"study_id": ["r1", "r2", "n1"], "design": ["rct", "post_hoc_rct", "single_arm"]})
DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")


def analysis(
    aid: str, *, k: int, pooled: bool, study_ids: str, n: int = 100, qol: bool = True, estimate: float = 0.3
) -> dict[str, object]:
    comparison, domain, window, measure = aid.split("|")
    return {
        "analysis_id": aid,
        "comparison": comparison,
        "domain": domain,
        "window": window,
        "measure": measure,
        "qol": qol,
        "k": k,
        "study_ids": study_ids,
        "n_participants": n,
        "max_timepoint_weeks": 4.0,
        "pooled": pooled,
        "estimate": estimate if pooled else np.nan,
        "ci_lb": 0.1 if pooled else np.nan,
        "ci_ub": 0.5 if pooled else np.nan,
        "pi_lb": np.nan,
        "pi_ub": np.nan,
        "i2": 10.0 if pooled else np.nan,
        "source_cells": f"outcomes!F{k}",
    }


def grade_rows(outcome: str, downgrades: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "outcome": outcome,
            "grade_domain": list(downgrades),
            "downgrade": list(downgrades.values()),
            "reason": [f"{d} reason" for d in downgrades],
            "cell_downgrade": [f"grade!C{i}" for i in range(2, 2 + len(downgrades))],
        }
    )


VOTES = pd.DataFrame(
    {
        "comparison": ["between_arms", "within_arm_prepost", "within_arm_prepost"],
        "domain": ["overall", "overall", "physical"],
        "qol": [True, True, True],
        "n_studies": [2, 3, 1],
        "n_improved": [1, 3, 1],
        "n_worsened": [0, 0, 0],
        "n_no_clear": [1, 0, 0],
        "study_ids": ["r1; r2", "r1; r2; n1", "n1"],
    }
)


def test_starting_certainty_and_downgrades() -> None:
    assert starting_certainty(["rct", "post_hoc_rct"]) == "High"
    assert starting_certainty(["rct", "nrsi"]) == "Low"
    assert starting_certainty([]) == "Low"
    assert certainty("High", [0, -1, 0, 0, 0]) == "Moderate"
    assert certainty("High", [-1, -1, 0, -1, 0]) == "Very low"
    assert certainty("Low", [-2, -1, 0, 0, 0]) == "Very low"  # floor
    assert certainty("Low", [0] * 5) == "Low"
    with pytest.raises(ValueError):
        certainty("High", [1, 0, 0, 0, 0])


def test_primary_analysis_prefers_between_arm_pooled_and_larger() -> None:
    meta = pd.DataFrame(
        [
            analysis("within_arm_prepost|overall|short|SMCR", k=3, pooled=True, study_ids="r1; r2; n1"),
            analysis("between_arms|overall|short|SMD", k=2, pooled=True, study_ids="r1; r2"),
            analysis("between_arms|overall|short|MD", k=2, pooled=True, study_ids="r1; r2"),
            analysis("between_arms|overall|long|SMD", k=1, pooled=False, study_ids="r1"),
            analysis("within_arm_prepost|symptoms|short|SMCR", k=3, pooled=True, study_ids="r1; r2; n1", qol=False),
        ]
    )
    primary = primary_analyses(meta)
    assert primary["analysis_id"].tolist() == ["between_arms|overall|short|SMD"]


def test_summary_of_findings_with_and_without_judgements() -> None:
    meta = pd.DataFrame(
        [
            analysis("between_arms|overall|short|SMD", k=2, pooled=True, study_ids="r1; r2"),
            analysis("within_arm_prepost|mental|long|SMCR", k=2, pooled=True, study_ids="r1; n1"),
        ]
    )
    grade = pd.concat(
        [
            grade_rows(
                "Overall",
                {"risk_of_bias": 0, "inconsistency": 0, "indirectness": 0, "imprecision": -1, "publication_bias": 0},
            ),
            grade_rows("mental", {"risk_of_bias": -1, "imprecision": -1}),  # incomplete
        ],
        ignore_index=True,
    )
    sof = summary_of_findings(meta, VOTES, grade, STUDIES).set_index("outcome")
    overall = sof.loc["overall"]
    assert (overall["starting_certainty"], overall["certainty"]) == ("High", "Moderate")
    assert overall[["k", "n_participants", "estimate", "narrative_n_studies", "narrative_n_improved"]].tolist() == [
        2,
        100,
        0.3,
        2,
        1,
    ]
    assert overall["downgrade_imprecision"] == -1
    assert overall["grade_reasons"].startswith("risk_of_bias: risk_of_bias reason")
    assert overall["source_cells"] == "outcomes!F2; grade!C2; grade!C3; grade!C4; grade!C5; grade!C6"
    mental = sof.loc["mental"]
    assert (mental["starting_certainty"], mental["certainty"]) == ("Low", "not assessed")
    assert mental["grade_domains_missing"] == "inconsistency; indirectness; publication_bias"
    assert pd.isna(mental["downgrade_inconsistency"])
    physical = sof.loc["physical"]  # narrative evidence only, no judgement
    assert (physical["certainty"], physical["pooled"], physical["narrative_n_improved"]) == ("not assessed", False, 1)
    assert pd.isna(physical["k"]) and pd.isna(physical["estimate"])


def test_no_grade_table_means_not_assessed_everywhere() -> None:
    meta = pd.DataFrame([analysis("between_arms|overall|short|SMD", k=2, pooled=True, study_ids="r1; r2")])
    empty = pd.DataFrame(columns=["outcome", "grade_domain", "downgrade", "reason"])
    sof = summary_of_findings(meta, VOTES, empty, STUDIES)
    assert set(sof["certainty"]) == {"not assessed"}
    assert sof["grade_domains_missing"].iloc[0] == "; ".join(DOMAINS)
