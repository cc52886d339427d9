"""Effect direction (Thomson & Thomas 2013) and vote counting with the sign test (qolreview.synthesis.narrative)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qolreview.synthesis.narrative import (
    direction_from_ci,
    direction_from_sign,
    edp_direction,
    effect_direction,
    outcome_directions,
    sign_test,
    vote_counts,
)

STUDIES = pd.DataFrame({"study_id": ["a", "b", "c"], "label": ["A 2020", "B 2021", None]})
ARMS = pd.DataFrame(
    {
        "study_id": ["a", "a", "b", "c"],
        "arm_id": ["esk", "pbo", "ket", "esk"],
        "role": ["intervention", "comparator", "intervention", "intervention"],
        "n_arm": [60, 55, 30, 105],
    }
)
ROB = pd.Series({"a": "Low", "b": "Serious"})


def effect(
    effect_id: str,
    study_id: str,
    arm_id: str,
    yi: float,
    ci: tuple[float, float] | None,
    *,
    comparison: str = "within_arm_prepost",
    subscale: str = "total",
    weeks: float = 4.0,
    domain: str = "overall",
    vi: float = np.nan,
) -> dict[str, object]:
    return {
        "effect_id": effect_id,
        "study_id": study_id,
        "arm_id": arm_id,
        "comparator_arm_id": "pbo" if comparison == "between_arms" else None,
        "comparison": comparison,
        "instrument": "EQ-5D-5L",
        "subscale": subscale,
        "domain": domain,
        "qol": True,
        "timepoint_weeks": weeks,
        "measure": "SMCR",
        "yi": yi,
        "vi": vi,
        "ci_lb": ci[0] if ci else np.nan,
        "ci_ub": ci[1] if ci else np.nan,
        "n1": 60,
        "n2": 55 if comparison == "between_arms" else np.nan,
        "selected": True,
        "source_cells": f"outcomes!F{effect_id[1:]}",
    }


def reported(
    study_id: str,
    arm_id: str,
    direction: str | None,
    *,
    subscale: str = "all dimensions",
    weeks: float = 16.0,
    row: int = 30,
) -> dict[str, object]:
    return {
        "study_id": study_id,
        "arm_id": arm_id,
        "comparator_arm_id": None,
        "instrument": "AQoL-8D",
        "subscale": subscale,
        "domain": "overall",
        "timepoint_weeks": weeks,
        "direction_reported": direction,
        "source_cells": f"outcomes!V{row}",
    }


NO_REPORTED = pd.DataFrame([reported("a", "esk", None)]).iloc[:0]


def test_direction_from_the_confidence_interval_and_the_sign() -> None:
    assert direction_from_ci(0.1, 0.9) == "improved"
    assert direction_from_ci(-0.9, -0.1) == "worsened"
    assert direction_from_ci(-0.1, 0.9) == "no_clear_difference"
    assert direction_from_ci(0.0, 0.9) == "no_clear_difference"
    assert [direction_from_sign(x) for x in (0.2, -0.2, 0.0)] == ["improved", "worsened", "no_clear_difference"]


def test_seventy_percent_rule() -> None:
    assert edp_direction(["improved"] * 7 + ["no_clear_difference"] * 3) == "improved"
    assert edp_direction(["improved"] * 2 + ["worsened"]) == "mixed"  # 67% < 70%
    assert edp_direction(["worsened"] * 3 + ["improved"]) == "worsened"  # 75%
    assert edp_direction(["no_clear_difference"] * 4 + ["improved"]) == "no_clear_difference"  # 80%
    assert edp_direction(["mixed"]) == "mixed"
    assert edp_direction(["improved"] * 6 + ["worsened"] * 4) == "mixed"


def test_outcome_directions_from_numbers_and_reported_words() -> None:
    effects = pd.DataFrame(
        [
            effect("e1", "a", "esk", 0.5, (0.1, 0.9), subscale="mobility"),
            effect("e2", "a", "esk", 0.3, None, subscale="pain", vi=0.01),  # CI from vi: 0.3 +/- 0.196
            effect("e3", "a", "esk", -0.1, None, subscale="self-care"),  # no CI: point estimate only
            effect("e4", "a", "pbo", 0.7, (0.3, 1.1), subscale="mobility"),  # comparator arm: left out
        ]
    )
    nc = pd.DataFrame([reported("c", "esk", "improved"), reported("b", "ket", "no_change", row=31)])
    out = outcome_directions(effects, nc, ARMS).set_index(["study_id", "subscale"])
    columns = ["direction", "ci_direction", "basis"]
    assert out.loc[("a", "mobility"), columns].tolist() == ["improved", "improved", "ci"]
    assert out.loc[("a", "pain"), columns].tolist() == ["improved", "improved", "ci"]
    assert out.loc[("a", "self-care"), columns].tolist() == ["worsened", "worsened", "point_estimate_only"]
    assert out.loc[("c", "all dimensions"), columns].tolist() == ["improved", "improved", "reported"]
    assert out.loc[("b", "all dimensions"), ["direction", "ci_direction"]].tolist() == ["no_clear_difference"] * 2
    assert len(out) == 5


def test_latest_timepoint_per_outcome_and_numbers_before_words() -> None:
    effects = pd.DataFrame(
        [effect("e1", "a", "esk", 0.5, (0.1, 0.9), weeks=1.0), effect("e2", "a", "esk", 0.1, (-0.2, 0.4), weeks=4.0)]
    )
    words = reported("a", "esk", "worsened", subscale="total")
    words["instrument"] = "EQ-5D-5L"
    out = outcome_directions(effects, pd.DataFrame([words]), ARMS)
    assert out[["timepoint_weeks", "direction", "ci_direction", "basis"]].values.tolist() == [
        [4.0, "improved", "no_clear_difference", "ci"]
    ]


def test_effect_direction_per_study_and_domain() -> None:
    effects = pd.DataFrame(
        [
            effect("e1", "a", "esk", 0.5, (0.1, 0.9), subscale="mobility"),
            effect("e2", "a", "esk", 0.4, (0.05, 0.8), subscale="pain"),
            effect("e3", "a", "esk", 0.2, (-0.1, 0.5), subscale="anxiety"),
            effect("e4", "a", "esk", 0.3, (-0.2, 0.8), comparison="between_arms"),
        ]
    )
    nc = pd.DataFrame([reported("c", "esk", "improved")])
    out = effect_direction(effects, nc, ARMS, STUDIES, ROB).set_index(["study_id", "comparison"])
    within = out.loc[("a", "within_arm_prepost")]
    # Point estimates: 3 of 3 positive -> improved (arrows and votes); CI layer: 2 of 3 (67%) -> mixed.
    assert (within["direction"], within["ci_direction"]) == ("improved", "mixed")
    assert within[["n_outcomes", "n_outcomes_improved", "n_outcomes_no_clear", "n"]].tolist() == [3, 3, 0, 60]
    assert within["source_cells"] == "outcomes!F3; outcomes!F1; outcomes!F2"
    between = out.loc[("a", "between_arms")]
    assert (between["direction"], between["ci_direction"]) == ("improved", "no_clear_difference")
    assert (between["n"], between["rob_overall"]) == (115, "Low")
    c = out.loc[("c", "within_arm_prepost")]
    assert (c["direction"], c["basis"], c["n"], c["label"], c["rob_overall"]) == (
        "improved",
        "reported",
        105,
        "c",
        "Not assessed",
    )


def test_sign_test_and_clopper_pearson_interval() -> None:
    proportion, lb, ub, p = sign_test(8, 10)
    assert proportion == 0.8
    assert p == pytest.approx(0.109375, abs=1e-12)
    assert (lb, ub) == pytest.approx((0.4439045, 0.9747893), abs=1e-6)
    assert all(np.isnan(sign_test(0, 0)))


def test_vote_counts_exclude_studies_without_a_direction_from_the_denominator() -> None:
    directions = pd.DataFrame(
        {
            "study_id": [f"s{i:02d}" for i in range(12)],
            "comparison": "within_arm_prepost",
            "domain": "overall",
            "qol": True,
            "direction": ["improved"] * 8 + ["worsened"] * 2 + ["no_clear_difference", "mixed"],
        }
    )
    row = vote_counts(directions).iloc[0]
    assert row[["n_studies", "n_improved", "n_worsened", "n_no_clear", "n_with_direction"]].tolist() == [
        12,
        8,
        2,
        2,
        10,
    ]
    assert row["proportion_improved"] == 0.8
    assert row["sign_test_p"] == pytest.approx(0.109375)
    assert row["ci_ub"] == pytest.approx(0.9747893, abs=1e-6)


def test_arrows_and_votes_follow_one_rule() -> None:
    """The effect direction plot's arrows (``direction``) and the vote counts use the same rule: the point
    estimates with the 70% rule; a study whose CIs include no effect still counts by its point estimates."""
    effects = pd.DataFrame(
        [
            effect("e1", "a", "esk", 0.5, (0.1, 0.9), subscale="mobility"),
            effect("e2", "a", "esk", 0.2, (-0.1, 0.5), subscale="pain"),
            effect("e3", "b", "ket", -0.2, (-0.6, 0.2), subscale="pain"),
        ]
    )
    directions = effect_direction(effects, NO_REPORTED, ARMS, STUDIES, ROB)
    assert directions["direction"].tolist() == ["improved", "worsened"]
    assert directions["ci_direction"].tolist() == ["mixed", "no_clear_difference"]
    votes = vote_counts(directions).iloc[0]
    assert votes[["n_improved", "n_worsened", "n_no_clear"]].tolist() == [1, 1, 0]


def test_a_study_s_basis_is_its_least_informative_outcome_basis() -> None:
    effects = pd.DataFrame(
        [
            effect("e1", "a", "esk", 0.5, (0.1, 0.9), subscale="mobility"),
            effect("e2", "a", "esk", 0.4, None, subscale="pain"),
        ]
    )
    row = effect_direction(effects, NO_REPORTED, ARMS, STUDIES, ROB).iloc[0]
    assert (row["basis"], row["direction"], row["n_outcomes"]) == ("point_estimate_only", "improved", 2)
