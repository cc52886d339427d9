"""GRADE certainty and the summary-of-findings table (qolreview.synthesis.grade)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qolreview.synthesis.grade import (
    COMPOSITE_NOTE,
    MIXED_EVENTS_NOTE,
    NO_RISK_NOTE,
    certainty,
    comparator_risks,
    primary_analyses,
    starting_certainty,
    summary_of_findings,
)
from qolreview.synthesis.pooling import PoolingSettings, synthesize
from qolreview.synthesis.ratios import corresponding_risk, event_ratio, orientation

STUDIES = pd.DataFrame({"study_id": ["r1", "r2", "n1"], "design": ["rct", "post_hoc_rct", "single_arm"]})
DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
NO_WEIGHTS = pd.DataFrame(columns=["analysis_id", "effect_ids", "selection", "direction_flipped"])
NO_RISKS = pd.DataFrame(columns=["effect_id", "comparator_risk", "cell"])
NO_VOTES = pd.DataFrame(columns=["comparison", "domain", "qol", "n_studies", "n_improved", "n_worsened", "n_no_clear"])
NO_GRADE = pd.DataFrame(columns=["outcome", "grade_domain", "downgrade", "reason"])
RATIOS = json.loads((Path(__file__).parents[1] / "data" / "metafor_ratios_extra.json").read_text(encoding="utf-8"))


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
    sof = summary_of_findings(meta, VOTES, grade, STUDIES, NO_WEIGHTS, NO_RISKS).set_index("outcome")
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
    sof = summary_of_findings(meta, VOTES, NO_GRADE, STUDIES, NO_WEIGHTS, NO_RISKS)
    assert set(sof["certainty"]) == {"not assessed"}
    assert sof["grade_domains_missing"].iloc[0] == "; ".join(DOMAINS)
    assert sof["event"].isna().all() and sof["relative_effect"].isna().all()


def test_orientation_takes_log_ratios_back_to_their_event() -> None:
    assert (orientation([True, True]), orientation([False]), orientation([True, False])) == (-1, 1, None)
    assert orientation([True, pd.NA]) is None and orientation([]) is None
    # An adverse event's flipped log RR of 0.5 [0.1, 0.9] is its own RR exp(-0.5), the limits traded.
    assert event_ratio(0.5, 0.1, 0.9, -1) == pytest.approx((math.exp(-0.5), math.exp(-0.9), math.exp(-0.1)))
    assert all(math.isnan(v) for v in event_ratio(np.nan, None, pd.NA, 1))
    assert corresponding_risk("RR", 0.5, 3.0) == 1.0  # a risk never exceeds 1
    assert corresponding_risk("OR", 0.2, 2.0) == pytest.approx(0.4 / 1.2)
    assert corresponding_risk("HR", 0.5, 2.0) == pytest.approx(0.75)  # 1 - (1 - 0.5)^2
    assert math.isnan(corresponding_risk("RR", 0.5, math.nan))
    with pytest.raises(ValueError):
        corresponding_risk("SMD", 0.5, 1.0)


def _binary_review(case: dict, **changes: object) -> tuple[pd.DataFrame, ...]:
    """Harmonized effects of a metafor reference case (flipped when the event is adverse), with the clean
    ``outcomes`` rows of the comparator arms, ``studies`` and ``arms``."""
    data, flipped = case["input"], case["event"] == "adverse"
    sign, z = (-1.0 if flipped else 1.0), 1.959963984540054
    column = "pct_with_problem" if flipped else "pct_responders"
    k = len(case["yi"])
    ids = [f"s{i}" for i in range(k)]
    effects = pd.DataFrame(
        {
            "effect_id": [f"e{i}" for i in range(k)],
            "study_id": ids,
            "arm_id": "int",
            "comparator_arm_id": "cmp",
            "comparison": "between_arms",
            "instrument": "EQ-5D-5L",
            "subscale": "mobility",
            "domain": "physical",
            "qol": True,
            "window": "short",
            "timepoint_weeks": 4.0,
            "measure": case["measure"],
            "yi": [sign * y for y in case["yi"]],
            "vi": case["vi"],
            "ci_lb": [sign * y - z * math.sqrt(v) for y, v in zip(case["yi"], case["vi"], strict=True)],
            "ci_ub": [sign * y + z * math.sqrt(v) for y, v in zip(case["yi"], case["vi"], strict=True)],
            "n1": data["n1i"],
            "n2": data["n2i"],
            "selected": True,
            "direction_flipped": flipped,
            "source_cells": [f"outcomes!W{i}" for i in range(k)],
        }
    ).assign(**changes)
    outcomes = pd.DataFrame(
        {
            "study_id": ids,
            "arm_id": "cmp",
            "instrument": "EQ-5D-5L",
            "subscale": "mobility",
            "timepoint_weeks": 4.0,
            "pct_with_problem": np.nan,
            "pct_responders": np.nan,
            "cell_pct_with_problem": None,
            "cell_pct_responders": None,
        }
    )
    outcomes[column] = [100 * c / n for c, n in zip(data["ci"], data["n2i"], strict=True)]
    outcomes[f"cell_{column}"] = [f"outcomes!W{20 + i}" for i in range(k)]
    studies = pd.DataFrame({"study_id": ids, "label": ids, "population": "TRD", "design": "rct"})
    arms = pd.DataFrame(
        {
            "study_id": ids * 2,
            "arm_id": ["int"] * k + ["cmp"] * k,
            "role": ["intervention"] * k + ["comparator"] * k,
            "drug": ["drug"] * k + ["placebo"] * k,
        }
    )
    return effects, outcomes, studies, arms


def _sof_of(effects: pd.DataFrame, outcomes: pd.DataFrame, studies: pd.DataFrame, arms: pd.DataFrame, **settings):
    result = synthesize(effects, studies, arms, pd.Series(dtype=object), PoolingSettings(**settings))
    risks = comparator_risks(effects, outcomes)
    sof = summary_of_findings(result.meta_analyses, NO_VOTES, NO_GRADE, studies, result.study_weights, risks)
    return sof.iloc[0]


@pytest.mark.parametrize("case", RATIOS["cases"], ids=lambda c: c["id"])
def test_ratio_and_absolute_effects_agree_with_metafor(case: dict) -> None:
    row = _sof_of(*_binary_review(case))
    fit, ratio = case["fit"], case["ratio"]
    sign = -1 if case["event"] == "adverse" else 1
    assert row["estimate"] == pytest.approx(sign * fit["estimate"], rel=1e-6)  # the pipeline's flipped scale
    assert row["event"] == case["event"]
    shown = ("relative_effect", "relative_ci_lb", "relative_ci_ub", "relative_pi_lb", "relative_pi_ub")
    assert row[list(shown)].tolist() == pytest.approx([ratio[k] for k in ("pred", "ci_lb", "ci_ub", "pi_lb", "pi_ub")])
    assert row["comparator_risk"] == pytest.approx(case["acr"], rel=1e-12)
    assert row["comparator_risk_k"] == len(case["yi"])
    risks = row[["intervention_risk", "intervention_risk_ci_lb", "intervention_risk_ci_ub"]].tolist()
    assert risks == pytest.approx(case["risk"], rel=1e-6)
    assert pd.isna(row["absolute_effect_note"])
    assert "outcomes!W20" in row["source_cells"]


def test_no_absolute_effect_without_a_single_event_or_a_comparator_risk() -> None:
    case = RATIOS["cases"][0]
    effects, outcomes, studies, arms = _binary_review(case)
    mixed = effects.assign(direction_flipped=[True, True, False, True, True])
    row = _sof_of(mixed, outcomes, studies, arms)
    assert (row["absolute_effect_note"], pd.isna(row["event"]), pd.isna(row["relative_effect"])) == (
        MIXED_EVENTS_NOTE,
        True,
        True,
    )
    unreported = outcomes.assign(pct_with_problem=np.nan)
    row = _sof_of(effects, unreported, studies, arms)
    assert (row["absolute_effect_note"], row["comparator_risk_k"]) == (NO_RISK_NOTE, 0)
    assert row["relative_effect"] == pytest.approx(case["ratio"]["pred"])
    second = effects.assign(effect_id=effects["effect_id"] + "b", subscale="self-care", instrument="EQ-5D-5L")
    row = _sof_of(pd.concat([effects, second], ignore_index=True), outcomes, studies, arms)
    assert row["absolute_effect_note"] == COMPOSITE_NOTE  # every study's row is a composite of two events
