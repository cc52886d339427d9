"""Analyses, one effect per study, pooling, subgroups and leave-one-out (qolreview.synthesis.pooling)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from qolreview.meta import correlated_hierarchical, random_effects
from qolreview.synthesis.pooling import (
    PoolingSettings,
    analysable_effects,
    arm_drugs,
    one_effect_per_study,
    pooled_fields,
    synthesize,
)

STUDIES = pd.DataFrame(
    {
        "study_id": ["s1", "s2", "s3", "s4"],
        "label": ["Alpha 2020", "Beta 2021", "Gamma 2022", None],
        "population": ["TRD", "TRD", "MDD", "MDD"],
        "design": ["rct", "rct", "nrsi", "single_arm"],
        "n_total": [100, 80, 60, 40],
        "rob_tool": ["RoB2", "RoB2", "ROBINS-I", "NOS"],
    }
)
ARMS = pd.DataFrame(
    {
        "study_id": ["s1", "s1", "s2", "s2", "s3", "s4"],
        "arm_id": ["ket", "pbo", "esk", "pbo", "ket", "esk"],
        "role": ["intervention", "comparator", "intervention", "comparator", "intervention", "intervention"],
        "drug": ["ketamine", "placebo", "esketamine", "placebo", "ketamine", "esketamine"],
        "n_arm": [50, 50, 40, 40, 60, 40],
    }
)
NOS_THRESHOLDS = {
    "good": {"selection": 3, "comparability": 1, "outcome": 2},
    "fair": {"selection": 2, "comparability": 1, "outcome": 2},
}
ROB = pd.Series({"s1": "Low", "s2": "Some concerns", "s3": "Serious"}, name="rob_overall")


def effect(
    effect_id: str,
    study_id: str,
    arm_id: str,
    yi: float,
    vi: float,
    *,
    comparison: str = "between_arms",
    comparator: str | None = "pbo",
    domain: str = "overall",
    window: str = "short",
    measure: str = "SMD",
    instrument: str = "WHOQOL-BREF",
    qol: bool = True,
    n1: int = 50,
    n2: float = 50,
    md: float | None = None,
    md_vi: float | None = None,
    scale: str | None = None,
    outcome_basis: str | None = None,
) -> dict[str, object]:
    return {
        "effect_id": effect_id,
        "study_id": study_id,
        "arm_id": arm_id,
        "comparator_arm_id": comparator if comparison == "between_arms" else None,
        "comparison": comparison,
        "instrument": instrument,
        "subscale": "total",
        "domain": domain,
        "qol": qol,
        "window": window,
        "timepoint_weeks": 4.0,
        "measure": measure,
        "yi": yi,
        "vi": vi,
        "ci_lb": yi - 1.959963984540054 * math.sqrt(vi),
        "ci_ub": yi + 1.959963984540054 * math.sqrt(vi),
        "n1": n1,
        "n2": n2 if comparison == "between_arms" else np.nan,
        "selected": True,
        "direction_flipped": False,
        "source_cells": f"outcomes!F{effect_id[1:]}",
        "md": md,
        "md_vi": md_vi,
        "scale": scale,
        "outcome_basis": outcome_basis,
    }


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def test_grouping_never_mixes_comparison_types() -> None:
    effects = frame(
        effect("e1", "s1", "ket", 0.4, 0.04),
        effect("e2", "s2", "esk", 0.3, 0.05),
        effect("e3", "s1", "ket", 0.9, 0.02, comparison="within_arm_prepost"),
        effect("e4", "s3", "ket", 0.8, 0.03, comparison="within_arm_prepost"),
    )
    result = synthesize(effects, STUDIES, ARMS, ROB, PoolingSettings())
    meta = result.meta_analyses.set_index("analysis_id")
    assert list(meta.index) == ["between_arms|overall|short|SMD", "within_arm_prepost|overall|short|SMD"]
    assert meta.loc["between_arms|overall|short|SMD", "study_ids"] == "s1; s2"
    assert meta.loc["within_arm_prepost|overall|short|SMD", "study_ids"] == "s1; s3"
    weights = result.study_weights
    assert weights.groupby("analysis_id")["effect_ids"].apply(list).to_dict() == {
        "between_arms|overall|short|SMD": ["e1", "e2"],
        "within_arm_prepost|overall|short|SMD": ["e3", "e4"],
    }


def test_measures_windows_and_qol_flags_define_separate_analyses() -> None:
    effects = frame(
        effect("e1", "s1", "ket", 0.4, 0.04),
        effect("e2", "s1", "ket", 2.0, 1.0, measure="MD", md=2.0, md_vi=1.0, scale="0 to 100"),
        effect("e3", "s1", "ket", 0.2, 0.04, window="long"),
        effect("e4", "s1", "ket", 0.5, 0.04, domain="symptoms", qol=False, instrument="MADRS"),
    )
    ids = sorted(set(analysable_effects(effects, ARMS)["analysis_id"]))
    assert ids == [
        "between_arms|overall|long|SMD",
        "between_arms|overall|short|MD|WHOQOL-BREF|total|0 to 100",
        "between_arms|overall|short|SMD",
        "between_arms|symptoms|short|SMD",
    ]
    mixed = frame(effect("e1", "s1", "ket", 0.4, 0.04), effect("e2", "s2", "esk", 0.3, 0.05, qol=False))
    with pytest.raises(ValueError, match="both QoL and non-QoL"):
        analysable_effects(mixed, ARMS)


def test_comparator_arm_prepost_effects_and_unselected_rows_are_left_out() -> None:
    effects = frame(
        effect("e1", "s1", "ket", 0.9, 0.02, comparison="within_arm_prepost"),
        effect("e2", "s1", "pbo", 0.5, 0.02, comparison="within_arm_prepost"),
        {**effect("e3", "s3", "ket", 0.8, 0.03, comparison="within_arm_prepost"), "selected": False},
    )
    assert list(analysable_effects(effects, ARMS)["effect_id"]) == ["e1"]


def test_composite_mode_combines_a_study_s_effects() -> None:
    effects = frame(effect("e1", "s1", "ket", 0.2, 0.04), effect("e2", "s1", "ket", 0.6, 0.09, instrument="EQ-5D-5L"))
    settings = PoolingSettings(multiple_effects="composite", composite_correlation=0.5)
    row = one_effect_per_study(effects, settings).iloc[0]
    # Borenstein 2009 eq. 24.6: var = (1/m)^2 (v1 + v2 + 2 r sqrt(v1 v2))
    assert row["yi"] == pytest.approx(0.4)
    assert row["vi"] == pytest.approx(0.25 * (0.04 + 0.09 + 2 * 0.5 * 0.2 * 0.3))
    assert row["ci_lb"] == pytest.approx(0.4 - stats.norm.ppf(0.975) * math.sqrt(row["vi"]))
    assert (row["selection"], row["composite"], row["effect_ids"]) == ("composite", True, "e1; e2")
    assert row["instruments"] == "EQ-5D-5L; WHOQOL-BREF"
    assert row["source_cells"] == "outcomes!F1; outcomes!F2"
    assert bool(row["direction_flipped"]) is False


def test_studies_of_one_effect_and_of_several_come_out_in_study_order() -> None:
    """Single-effect studies take a quicker path than studies with several effects: their rows are the same."""
    effects = frame(
        effect("e5", "s3", "ket", 0.7, 0.05),
        effect("e1", "s2", "ket", 0.2, 0.04),
        effect("e2", "s2", "ket", 0.6, 0.09, instrument="EQ-5D-5L"),
        effect("e3", "s1", "esk", 0.3, 0.05),
    )
    settings = PoolingSettings(multiple_effects="composite")
    table = one_effect_per_study(effects, settings)
    assert table["study_id"].tolist() == ["s1", "s2", "s3"]
    assert table["selection"].tolist() == ["single", "composite", "single"]
    alone = one_effect_per_study(effects[effects["study_id"] == "s3"], settings)
    pd.testing.assert_frame_equal(table.iloc[[2]].reset_index(drop=True), alone)
    z = stats.norm.ppf(0.975)
    assert table.iloc[0][["yi", "vi", "ci_lb", "n"]].tolist() == pytest.approx(
        [0.3, 0.05, 0.3 - z * math.sqrt(0.05), float(effects.iloc[3]["n1"] + effects.iloc[3]["n2"])]
    )
    assert (table.iloc[0]["effect_ids"], table.iloc[0]["arm_ids"]) == ("e3", ("esk",))
    priority = one_effect_per_study(effects, PoolingSettings(multiple_effects="priority"))
    assert priority["selection"].tolist() == ["single", "priority", "single"]


def test_a_study_s_row_carries_the_sign_flip_its_effects_share() -> None:
    flipped = effect("e1", "s1", "ket", 0.2, 0.04) | {"direction_flipped": True}
    plain = effect("e2", "s1", "ket", 0.6, 0.09, instrument="EQ-5D-5L")
    settings = PoolingSettings()
    assert one_effect_per_study(frame(flipped), settings)["direction_flipped"].tolist() == [True]
    assert one_effect_per_study(frame(flipped, plain), settings).iloc[0]["direction_flipped"] is pd.NA
    weights = synthesize(
        frame(flipped, effect("e3", "s2", "esk", 0.3, 0.05)), STUDIES, ARMS, ROB, settings
    ).study_weights
    assert weights["direction_flipped"].dtype == "boolean"
    assert weights["direction_flipped"].tolist() == [True, False]


def test_priority_mode_keeps_the_first_listed_instrument() -> None:
    effects = frame(
        effect("e1", "s1", "ket", 0.2, 0.04, instrument="EQ-5D-5L"),
        effect("e2", "s1", "ket", 0.6, 0.09, instrument="AQoL-8D"),
        effect("e3", "s1", "ket", 0.9, 0.01, instrument="Unlisted"),
    )
    settings = PoolingSettings(multiple_effects="priority", instrument_priority=("WHOQOL-BREF", "AQoL-8D", "EQ-5D-5L"))
    row = one_effect_per_study(effects, settings).iloc[0]
    assert (row["effect_ids"], row["yi"], row["vi"], row["selection"], row["composite"]) == (
        "e2",
        0.6,
        0.09,
        "priority",
        False,
    )
    assert one_effect_per_study(effects.iloc[[0]], settings).iloc[0]["selection"] == "single"


def test_pooled_result_equals_the_engine_on_the_same_inputs() -> None:
    effects = frame(
        effect("e1", "s1", "ket", 0.40, 0.040),
        effect("e2", "s2", "esk", 0.10, 0.050),
        effect("e3", "s3", "ket", 0.75, 0.030, n2=np.nan),
    )
    result = synthesize(effects, STUDIES, ARMS, ROB, PoolingSettings())
    row = result.meta_analyses.iloc[0]
    fit = random_effects([0.40, 0.10, 0.75], [0.040, 0.050, 0.030], method="REML", test="knha", level=0.95)
    for name in ("estimate", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "i2", "q", "q_p", "pval"):
        assert row[name] == pytest.approx(getattr(fit, name), rel=1e-12, abs=1e-15), name
    assert (row["k"], row["pooled"], row["n_participants"], row["method"], row["test"]) == (
        3,
        True,
        100 + 100 + 50,
        "REML",
        "knha",
    )
    assert list(result.study_weights["weight_pct"]) == pytest.approx(list(fit.weights))
    assert list(result.study_weights["label"]) == ["Alpha 2020", "Beta 2021", "Gamma 2022"]
    assert list(result.study_weights["rob_overall"]) == ["Low", "Some concerns", "Serious"]
    assert row["source_cells"] == "outcomes!F1; outcomes!F2; outcomes!F3"


def test_below_the_threshold_the_analysis_is_not_pooled() -> None:
    effects = frame(
        effect("e1", "s1", "ket", 0.4, 0.04),
        effect("e2", "s2", "esk", 0.1, 0.05),
        effect("e3", "s4", "esk", 0.3, 0.05, comparison="within_arm_prepost"),
    )
    result = synthesize(effects, STUDIES, ARMS, ROB, PoolingSettings(min_studies_to_pool=3))
    meta = result.meta_analyses.set_index("analysis_id")
    assert not meta["pooled"].any()
    assert meta["k"].tolist() == [2, 1]
    assert meta.iloc[0][["estimate", "ci_lb", "tau2"]].isna().all()
    single = meta.iloc[1]  # one study: its own effect and interval, no heterogeneity
    assert single[["estimate", "se", "ci_lb"]].tolist() == pytest.approx(
        [0.3, math.sqrt(0.05), 0.3 - stats.norm.ppf(0.975) * math.sqrt(0.05)]
    )
    assert single[["tau2", "i2", "q", "pi_lb"]].isna().all()
    assert result.study_weights["weight_pct"].isna().all()
    assert result.study_weights.set_index("study_id").at["s4", "rob_overall"] == "Not assessed"
    assert result.subgroups.empty and result.leave_one_out.empty


def test_subgroup_difference_matches_a_hand_computation() -> None:
    # Common-effect fits so the subgroup estimates are closed-form: ketamine 0.6 (se sqrt(1/50)),
    # esketamine 0.1 (one study, se sqrt(0.05)); Q_between = w1 w2 / (w1 + w2) * 0.5^2 = 25/7.
    effects = frame(
        effect("e1", "s1", "ket", 0.5, 0.04),
        effect("e2", "s3", "ket", 0.7, 0.04, n2=np.nan),
        effect("e3", "s2", "esk", 0.1, 0.05),
    )
    result = synthesize(
        effects, STUDIES, ARMS, ROB, PoolingSettings(method="EE", test="z", subgroups=("drug", "design"))
    )
    drug = result.subgroups[result.subgroups["subgroup_var"] == "drug"].set_index("subgroup")
    assert drug.loc["ketamine", ["k", "estimate", "se"]].tolist() == pytest.approx([2, 0.6, math.sqrt(0.02)])
    assert drug.loc["esketamine", ["k", "estimate", "se"]].tolist() == pytest.approx([1, 0.1, math.sqrt(0.05)])
    assert drug.loc["esketamine", "fit"] == "single_study"
    assert drug["q_between"].iloc[0] == pytest.approx(25 / 7)
    assert drug["q_between_df"].iloc[0] == 1
    assert drug["q_between_p"].iloc[0] == pytest.approx(stats.chi2.sf(25 / 7, 1))
    design = result.subgroups[result.subgroups["subgroup_var"] == "design"]
    assert sorted(design["subgroup"]) == ["nrsi", "rct"]


def test_subgroup_difference_uses_normal_theory_standard_errors_under_knapp_hartung() -> None:
    # Two ketamine studies that agree almost exactly: the Knapp-Hartung SE of their subgroup shrinks
    # towards 0 (sum of squared residuals ~ 0), the z SE stays sqrt(1/50); Q_between must use the latter.
    effects = frame(
        effect("e1", "s1", "ket", 0.6, 0.04),
        effect("e2", "s3", "ket", 0.6 + 1e-6, 0.04, n2=np.nan),
        effect("e3", "s2", "esk", 0.1, 0.05),
    )
    result = synthesize(effects, STUDIES, ARMS, ROB, PoolingSettings(method="EE", test="knha", subgroups=("drug",)))
    drug = result.subgroups.set_index("subgroup")
    assert drug.loc["ketamine", "se"] < 1e-5
    assert drug.loc["ketamine", "se_z"] == pytest.approx(math.sqrt(0.02))
    assert drug["q_between"].iloc[0] == pytest.approx(25 / 7, rel=1e-5)


def test_a_subgroup_reports_the_values_of_the_engine_s_full_fit() -> None:
    """Subgroups are pooled without the Q-profile CI of tau², which they do not report; what they report equals
    the engine's fit with it (and ``se_z`` the normal-theory fit's standard error)."""
    effects = frame(
        effect("e1", "s1", "ket", 0.2, 0.04),
        effect("e2", "s3", "ket", 0.9, 0.03, n2=np.nan),
        effect("e3", "s2", "esk", 0.1, 0.05),
    )
    result = synthesize(effects, STUDIES, ARMS, ROB, PoolingSettings(subgroups=("drug",)))
    ketamine = result.subgroups.set_index("subgroup").loc["ketamine"]
    fit = random_effects([0.2, 0.9], [0.04, 0.03], method="REML", test="knha")
    assert fit.tau2 > 0 and ketamine["fit"] == "random_effects"
    for name in ("estimate", "se", "ci_lb", "ci_ub", "tau2"):
        assert ketamine[name] == pytest.approx(getattr(fit, name), rel=1e-12), name
    assert ketamine["se_z"] == pytest.approx(random_effects([0.2, 0.9], [0.04, 0.03], test="z").se, rel=1e-12)


def test_pooled_fields_leave_out_only_the_tau2_ci_on_request() -> None:
    per_study = pd.DataFrame({"yi": [0.2, 0.9, 0.5], "vi": [0.04, 0.03, 0.05]})
    full = pooled_fields(per_study, per_study, PoolingSettings())
    short = pooled_fields(per_study, per_study, PoolingSettings(), tau2_ci=False)
    bounds = ("tau2_ci_lb", "tau2_ci_ub", "i2_ci_lb", "i2_ci_ub")
    assert all(np.isfinite(full[name]) for name in bounds)
    assert all(np.isnan(short[name]) for name in bounds)
    for name in ("estimate", "se", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "i2", "q", "df", "se_z"):
        assert short[name] == full[name], name
    assert list(short["weights"]) == list(full["weights"])


def test_no_subgroup_test_with_a_single_subgroup() -> None:
    effects = frame(effect("e1", "s1", "ket", 0.5, 0.04), effect("e2", "s3", "ket", 0.7, 0.04))
    result = synthesize(effects, STUDIES, ARMS, ROB, PoolingSettings(subgroups=("drug",)))
    assert result.subgroups.empty


def test_leave_one_out_only_from_three_studies_and_equals_refits() -> None:
    two = frame(effect("e1", "s1", "ket", 0.4, 0.04), effect("e2", "s2", "esk", 0.1, 0.05))
    assert synthesize(two, STUDIES, ARMS, ROB, PoolingSettings()).leave_one_out.empty
    three = frame(
        effect("e1", "s1", "ket", 0.4, 0.04),
        effect("e2", "s2", "esk", 0.1, 0.05),
        effect("e3", "s3", "ket", 0.75, 0.03),
    )
    loo = synthesize(three, STUDIES, ARMS, ROB, PoolingSettings()).leave_one_out.set_index("omitted_study_id")
    refit = random_effects([0.4, 0.75], [0.04, 0.03], method="REML", test="knha")
    assert loo.loc["s2", ["estimate", "ci_lb", "ci_ub", "tau2"]].tolist() == pytest.approx(
        [refit.estimate, refit.ci_lb, refit.ci_ub, refit.tau2]
    )
    assert loo["k"].tolist() == [2, 2, 2]
    assert loo.loc["s3", "omitted_label"] == "Gamma 2022"


CHE_EFFECTS = (
    effect("e1", "s1", "ket", 0.40, 0.040),
    effect("e2", "s1", "ket", 0.55, 0.050, instrument="EQ-5D-5L"),
    effect("e3", "s2", "esk", 0.10, 0.050),
    effect("e4", "s3", "ket", 0.75, 0.030, n2=np.nan),
    effect("e5", "s3", "ket", 0.60, 0.035, instrument="EQ-5D-5L", n2=np.nan),
    effect("e6", "s3", "ket", 0.90, 0.045, instrument="SF-36", n2=np.nan),
)


def test_che_pools_every_effect_with_robust_inference() -> None:
    settings = PoolingSettings(multiple_effects="che", che_rho=0.6, subgroups=("drug",))
    result = synthesize(frame(*CHE_EFFECTS), STUDIES, ARMS, ROB, settings)
    row = result.meta_analyses.iloc[0]
    yi = [0.40, 0.55, 0.10, 0.75, 0.60, 0.90]
    vi = [0.040, 0.050, 0.050, 0.030, 0.035, 0.045]
    cluster = ["s1", "s1", "s2", "s3", "s3", "s3"]
    che = correlated_hierarchical(yi, vi, cluster, [f"e{i}" for i in range(1, 7)], 0.6)
    expected = {
        "estimate": che.estimate, "se": che.robust_se, "pval": che.robust_pval, "ci_lb": che.robust_ci_lb,
        "ci_ub": che.robust_ci_ub, "pi_lb": che.pi_lb, "pi_ub": che.pi_ub, "tau2": che.sigma2_between,
        "sigma2_within": che.sigma2_within, "df": che.robust_df, "i2": che.i2, "q": che.qe, "q_p": che.qe_p,
    }  # fmt: skip
    for name, value in expected.items():
        assert row[name] == pytest.approx(value, rel=1e-12, abs=1e-15), name
    assert (row["k"], row["k_effects"], row["method"], row["test"], row["multiple_effects"]) == (
        3, 6, "REML", "cr2", "che",
    )  # fmt: skip
    assert row[["tau2_ci_lb", "i2_ci_lb", "h2"]].isna().all()
    weights = result.study_weights.set_index("study_id")
    assert weights["weight_pct"].tolist() == pytest.approx(list(che.weights))
    assert weights["selection"].to_dict() == {"s1": "che", "s2": "single", "s3": "che"}
    assert weights.loc["s3", "effect_ids"] == "e4; e5; e6"
    # leave-one-out refits the CHE model without each study's effects
    loo = result.leave_one_out.set_index("omitted_study_id")
    rest = correlated_hierarchical(yi[:3], vi[:3], cluster[:3], ["e1", "e2", "e3"], 0.6)
    assert loo.loc["s3", ["estimate", "se", "ci_lb", "tau2"]].tolist() == pytest.approx(
        [rest.estimate, rest.robust_se, rest.robust_ci_lb, rest.sigma2_between]
    )
    # a subgroup of two or more studies is a CHE fit of its effects
    drug = result.subgroups.set_index("subgroup")
    ketamine = correlated_hierarchical(yi[:2] + yi[3:], vi[:2] + vi[3:], ["s1"] * 2 + ["s3"] * 3, list("abcde"), 0.6)
    assert drug.loc["ketamine", ["estimate", "se", "se_z"]].tolist() == pytest.approx(
        [ketamine.estimate, ketamine.robust_se, ketamine.se]
    )
    assert drug["fit"].to_dict() == {"esketamine": "single_study", "ketamine": "che"}


def test_random_effects_rows_carry_their_degrees_of_freedom() -> None:
    effects = frame(*CHE_EFFECTS)
    knha = synthesize(effects, STUDIES, ARMS, ROB, PoolingSettings()).meta_analyses.iloc[0]
    z = synthesize(effects, STUDIES, ARMS, ROB, PoolingSettings(test="z")).meta_analyses.iloc[0]
    assert (knha["df"], knha["k"], knha["k_effects"]) == (2.0, 3, 6)
    assert math.isnan(z["df"]) and math.isnan(knha["sigma2_within"])


def test_settings_from_config() -> None:
    settings = PoolingSettings.from_config({"method": "DL", "subgroups": ["drug"], "multiple_effects": "priority"})
    assert (settings.method, settings.subgroups, settings.multiple_effects) == ("DL", ("drug",), "priority")
    assert PoolingSettings.from_config({"multiple_effects": "che", "che_rho": 0.8}).che_rho == 0.8
    with pytest.raises(ValueError, match="multiple_effects"):
        PoolingSettings.from_config({"multiple_effects": "average"})


def test_synthesis_rules_write_every_output_deterministically(tmp_path) -> None:
    from qolreview.parquet_io import read_table, write_table
    from qolreview.synthesis import stage

    effects = frame(effect("e1", "s1", "ket", 0.4, 0.04), effect("e2", "s2", "esk", 0.1, 0.05))
    not_convertible = pd.DataFrame(
        {
            "study_id": ["s4"],
            "arm_id": ["esk"],
            "comparator_arm_id": [None],
            "instrument": ["AQoL-8D"],
            "subscale": ["all"],
            "domain": ["overall"],
            "timepoint_weeks": [16.0],
            "direction_reported": ["improved"],
            "source_cells": ["outcomes!V9"],
        }
    )
    rob = pd.DataFrame(
        {
            "study_id": ["s1"],
            "tool": ["RoB2"],
            "domain": ["overall"],
            "judgement": ["Low"],
            "support": [None],
            "cell_judgement": ["risk_of_bias!D2"],
        }
    )
    grade_table = pd.DataFrame({c: pd.Series(dtype=object) for c in ("outcome", "grade_domain", "downgrade", "reason")})
    outcomes = pd.DataFrame(
        {c: pd.Series(dtype=object) for c in ("study_id", "arm_id", "instrument", "subscale", "timepoint_weeks")}
    )
    inputs = {}
    for name, table in (
        ("effect_sizes", effects),
        ("not_convertible", not_convertible),
        ("studies", STUDIES),
        ("arms", ARMS),
        ("clean_risk_of_bias", rob),
        ("grade", grade_table),
        ("outcomes", outcomes),
    ):
        inputs[name] = tmp_path / "in" / f"{name}.parquet"
        write_table(table, inputs[name])
    names = (
        "meta_analyses",
        "study_weights",
        "leave_one_out",
        "subgroups",
        "effect_direction",
        "vote_counts",
        "risk_of_bias",
        "summary_of_findings",
    )
    digests = []
    for run_dir in ("a", "b"):
        outputs = {n: tmp_path / run_dir / f"{n}.parquet" for n in names}
        outputs |= {f"robvis_{t}": tmp_path / run_dir / f"robvis_{t}.csv" for t in ("robins_i", "nos", "rob2")}
        stage.run_risk_of_bias(
            {"risk_of_bias": inputs["clean_risk_of_bias"], "studies": inputs["studies"]},
            outputs,
            {"nos_thresholds": NOS_THRESHOLDS},
        )
        synthesis_inputs = {**inputs, "risk_of_bias": outputs["risk_of_bias"]}
        stage.run_meta_analysis(synthesis_inputs, outputs, {"subgroups": ["design"]})
        stage.run_narrative_synthesis(synthesis_inputs, outputs, {"level": 0.95})
        stage.run_summary_of_findings({**synthesis_inputs, **outputs}, outputs, {})
        digests.append({n: p.read_bytes() for n, p in outputs.items()})
    assert digests[0] == digests[1]
    rob_out = read_table(tmp_path / "a" / "risk_of_bias.parquet")
    assert rob_out.set_index("study_id")["judgement"].to_dict() == {
        "s1": "Low",
        "s2": "Not assessed",
        "s3": "Not assessed",
        "s4": "Not assessed",
    }
    sof = read_table(tmp_path / "a" / "summary_of_findings.parquet")
    assert sof[["outcome", "k", "certainty"]].values.tolist() == [["overall", 2, "not assessed"]]
    assert read_table(tmp_path / "a" / "leave_one_out.parquet").empty
    assert (tmp_path / "a" / "robvis_rob2.csv").read_text().splitlines()[1] == (
        "Alpha 2020,No information,No information,No information,No information,No information,Low,100"
    )


# Raw units (MD, MC) and outcome bases ---------------------------------------------------------------------

GIV = json.loads((Path(__file__).parents[1] / "data" / "metafor_giv_extra.json").read_text())
TWO_GROUP = GIV["two_group"]
MD_ID = "between_arms|overall|short|MD|EQ-VAS|total|0 to 100"
SMD_ID = "between_arms|overall|short|SMD"


def _vas_studies(**changes: object) -> pd.DataFrame:
    """The four studies of metafor_giv_extra.json's two_group data: Hedges' g with the raw MD of each."""
    smd, md = TWO_GROUP["smd"], TWO_GROUP["md"]
    rows = [
        effect(
            f"e{i}",
            study,
            arm,
            smd["yi"][i],
            smd["vi"][i],
            instrument="EQ-VAS",
            md=md["yi"][i],
            md_vi=md["vi"][i],
            scale="0 to 100",
            outcome_basis="final",
        )
        | changes
        for i, (study, arm) in enumerate((("s1", "ket"), ("s2", "esk"), ("s3", "ket"), ("s4", "esk")))
    ]
    return frame(*rows)


@pytest.mark.parametrize(("raw_units", "ids"), [("beside", [MD_ID, SMD_ID]), ("instead", [MD_ID]), ("never", [SMD_ID])])
def test_one_scale_analyses_pool_the_md_as_metafor(raw_units: str, ids: list[str]) -> None:
    fit = TWO_GROUP["md"]["fits"][0]
    meta = synthesize(_vas_studies(), STUDIES, ARMS, ROB, PoolingSettings(raw_units=raw_units)).meta_analyses
    meta = meta.set_index("analysis_id")
    assert list(meta.index) == ids
    if MD_ID in ids:
        md = meta.loc[MD_ID]
        for name in ("estimate", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "i2", "q", "q_p"):
            assert md[name] == pytest.approx(fit[name], rel=1e-10, abs=1e-12), name
        assert (md["measure"], md["instrument"], md["subscale"], md["scale"]) == ("MD", "EQ-VAS", "total", "0 to 100")
        assert md["outcome_basis"] == "final"
    if SMD_ID in ids:
        assert meta.loc[SMD_ID, ["instrument", "subscale", "scale"]].isna().all()


def test_an_analysis_of_several_instruments_has_no_md() -> None:
    effects = _vas_studies()
    effects.loc[0, "instrument"] = "WHOQOL-BREF"
    ids = list(
        synthesize(effects, STUDIES, ARMS, ROB, PoolingSettings(raw_units="instead")).meta_analyses["analysis_id"]
    )
    assert ids == [SMD_ID]


def test_effects_reported_only_in_raw_units_are_pooled_by_scale() -> None:
    md_only = effect("e9", "s4", "esk", 3.0, 4.0, measure="MD", instrument="EQ-VAS", md=3.0, md_vi=4.0)
    other = md_only | {"effect_id": "e8", "instrument": "QLDS", "scale": "0 to 34"}
    unknown = md_only | {"effect_id": "e7", "scale": None, "study_id": "s1", "arm_id": "ket"}
    effects = pd.concat([_vas_studies().iloc[:3], frame(md_only | {"scale": "0 to 100"}, other, unknown)])
    data = analysable_effects(effects, ARMS, "never")
    studies = data.groupby("analysis_id")["study_id"].apply(list).to_dict()
    assert studies == {
        "between_arms|overall|short|MD|EQ-VAS|total|0 to 100": ["s4"],
        "between_arms|overall|short|MD|QLDS|total|0 to 34": ["s4"],
        SMD_ID: ["s1", "s2", "s3"],
    }
    beside = analysable_effects(effects, ARMS, "beside").groupby("analysis_id")["effect_id"].apply(list).to_dict()
    assert beside["between_arms|overall|short|MD|EQ-VAS|total|0 to 100"] == ["e0", "e1", "e2", "e9"]


def test_an_effect_of_unknown_scale_is_left_out_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    unknown = effect("e9", "s4", "esk", 3.0, 4.0, measure="MD", instrument="EQ-5D-5L", md=3.0, md_vi=4.0)
    assert analysable_effects(frame(unknown), ARMS).empty
    assert "scale not identified" in caplog.text and "e9" in caplog.text


def test_an_smd_mixing_change_and_final_values_is_split_and_its_md_is_not() -> None:
    effects = _vas_studies()
    effects.loc[[0, 1], "outcome_basis"] = "change"
    meta = synthesize(effects, STUDIES, ARMS, ROB, PoolingSettings()).meta_analyses.set_index("analysis_id")
    assert list(meta.index) == [MD_ID, f"{SMD_ID}|change", f"{SMD_ID}|final"]
    assert meta["k"].tolist() == [4, 2, 2]
    assert meta["outcome_basis"].tolist() == ["mixed", "change", "final"]
    assert meta.loc[f"{SMD_ID}|change", "study_ids"] == "s1; s2"
    effects.loc[0, "outcome_basis"] = None
    ids = sorted(set(analysable_effects(effects, ARMS, "never")["analysis_id"]))
    assert ids == [f"{SMD_ID}|basis not stated", f"{SMD_ID}|change", f"{SMD_ID}|final"]


def test_raw_units_must_be_known() -> None:
    assert PoolingSettings.from_config({"raw_units": "instead"}).raw_units == "instead"
    with pytest.raises(ValueError, match="raw_units must be one of beside, instead, never"):
        PoolingSettings.from_config({"raw_units": "always"})


def test_arm_drugs_names_each_arms_drugs_by_study_and_arm():
    arms = pd.DataFrame(
        {
            "study_id": ["s1", "s1", "s2", "s2", "s2"],
            "arm_id": ["a", "b", "a", "b", "b"],
            "drug": ["drug X", None, "drug Y", "drug Z", "drug Y"],
        }
    )
    assert arm_drugs(arms) == {
        ("s1", "a"): {"drug X"},
        ("s1", "b"): set(),
        ("s2", "a"): {"drug Y"},
        ("s2", "b"): {"drug Z", "drug Y"},
    }
