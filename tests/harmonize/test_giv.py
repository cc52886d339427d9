"""Generic inverse variance inputs (an estimate with its SE or CI), mean changes with an SE but no n, outcome
bases and scales, against R metafor 3.8.1 (tests/data/metafor_giv_extra.json, from generate_giv_extra.R)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl.utils import get_column_letter
from test_harmonize import only, run, two_arms

from qolreview.instruments import Registry, load_registry
from qolreview.synthesis.pooling import PoolingSettings, synthesize
from qolreview.workbook.spec import CONTRASTS

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = json.loads((ROOT / "tests" / "data" / "metafor_giv_extra.json").read_text())
CI_LEVEL_CELL = f"contrasts!{get_column_letter(CONTRASTS.column_names.index('ci_level') + 1)}2"
RTOL = 1e-10
MEASURES = {"md": "MD", "ls_md": "MD", "smd": "SMD", "rr": "RR", "or": "OR", "hr": "HR"}
VAS = {"instrument": "EQ-VAS", "subscale": "VAS", "timepoint": "week 4", "timepoint_weeks": 4.0, "source_id": "s"}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(ROOT / "config" / "instruments.yaml")


def _contrast(case: dict[str, Any]) -> dict[str, Any]:
    return {
        **VAS,
        "study_id": "s",
        "arm_id": "esk",
        "comparator_arm_id": "pbo",
        **{k: case[k] for k in ("statistic", "estimate", "se", "ci_low", "ci_high", "ci_level")},
    }


@pytest.mark.parametrize("case", REFERENCE["contrasts"], ids=lambda c: c["id"])
def test_contrasts_equal_escalc_gen(registry: Registry, case: dict[str, Any]) -> None:
    result = run(registry, [], two_arms("s", 50, 50), [_contrast(case)])
    row = result.effect_sizes.iloc[0]
    assert row["yi"] == pytest.approx(case["yi"], rel=RTOL, abs=0)
    assert row["vi"] == pytest.approx(case["vi"], rel=RTOL, abs=0)
    statistic = case["statistic"]
    assert row["measure"] == MEASURES.get(statistic, statistic.removeprefix("log_").upper())
    names = set((row["conversions"] or "").replace("; ", "\n").split("\n"))
    ratio = statistic in ("rr", "or", "hr")
    assert any(n.startswith("log_ratio:") for n in names) == ratio
    assert any(n.startswith("se_from_ci:") for n in names) == (case["se"] is None and not ratio)
    assert (CI_LEVEL_CELL in row["source_cells"]) == (case["ci_level"] is not None and case["se"] is None)


def test_raw_md_is_kept_and_a_ratio_with_an_se_only_is_not_converted(registry: Registry) -> None:
    md = {**_contrast(REFERENCE["contrasts"][0]), "estimate": -4.2}
    rr = {**_contrast(REFERENCE["contrasts"][4]), "ci_low": None, "ci_high": None, "se": 0.1}
    result = run(registry, [], two_arms("s", 50, 50), [md, rr])
    row = only(result.effect_sizes, measure="MD")
    assert (row["md"], row["md_vi"]) == (row["yi"], row["vi"]) == (-4.2, 1.35**2)
    assert row["scale"] == "0 to 100" and row["outcome_basis"] is pd.NA
    reason = only(result.not_convertible, origin="contrasts")["reason"]
    assert reason == "ratio reported with an SE but no CI (scale of the SE unknown)"


def _change(arm: str, **values: Any) -> dict[str, Any]:
    return {**VAS, "study_id": "s", "arm_id": arm, **values}


def test_mean_change_with_an_se_and_no_n_is_an_mc(registry: Registry) -> None:
    data = REFERENCE["mc_se"]
    rows = [
        _change(f"a{i}", change_mean=m, change_se=se)
        for i, (m, se) in enumerate(zip(data["se"]["change"], data["se"]["se"], strict=True))
    ]
    rows += [
        _change(f"c{i}", change_mean=m, change_ci_low=lo, change_ci_high=hi)
        for i, (m, lo, hi) in enumerate(zip(*(data["ci"][k] for k in ("change", "ci_low", "ci_high")), strict=True))
    ]
    arms = [{"study_id": "s", "arm_id": r["arm_id"], "role": "intervention"} for r in rows]
    effects = run(registry, rows, arms).effect_sizes.set_index("arm_id")
    expected = {f"a{i}": (y, v) for i, (y, v) in enumerate(zip(data["se"]["yi"], data["se"]["vi"], strict=True))}
    expected |= {f"c{i}": (y, v) for i, (y, v) in enumerate(zip(data["ci"]["yi"], data["ci"]["vi"], strict=True))}
    for arm, (yi, vi) in expected.items():
        row = effects.loc[arm]
        assert (row["measure"], row["comparison"], row["outcome_basis"]) == ("MC", "within_arm_prepost", "change")
        assert row["yi"] == pytest.approx(yi, rel=RTOL) and row["vi"] == pytest.approx(vi, rel=RTOL)
        assert (row["md"], row["md_vi"]) == (row["yi"], row["vi"]) and row["n1"] is pd.NA
        assert "no standardised mean change" in row["selection_note"]
    assert "se_from_ci" in effects.loc["c0", "conversions"] and effects.loc["a0", "conversions"] is pd.NA


def test_with_the_arm_s_n_a_mean_change_with_an_se_is_standardised(registry: Registry) -> None:
    rows = [_change("a", change_mean=6.4, change_se=1.9)]
    arms = [{"study_id": "s", "arm_id": "a", "role": "intervention", "n_arm": 25}]
    row = run(registry, rows, arms).effect_sizes.iloc[0]
    assert row["measure"] == "SMCC" and row["md_vi"] == pytest.approx(1.9**2, rel=1e-12)


def test_a_stated_basis_chooses_the_sds_that_standardise_an_md(registry: Registry) -> None:
    both = {"n": 50, "mean": 60.0, "sd": 20.0, "change_mean": 10.0, "change_sd": 12.0}
    rows = [_change("esk", **both), _change("pbo", **{**both, "mean": 55.0, "change_mean": 6.0})]
    contrast = {**_contrast(REFERENCE["contrasts"][0]), "outcome_basis": "final"}
    effects = run(registry, rows, two_arms("s", 50, 50), [contrast]).effect_sizes
    row = only(effects, origin="contrasts")
    assert row["outcome_basis"] == "final" and row["basis"] == "md standardised by the final-score SDs"
    unstated = run(registry, rows, two_arms("s", 50, 50), [_contrast(REFERENCE["contrasts"][0])]).effect_sizes
    assert only(unstated, origin="contrasts")["outcome_basis"] == "change"  # both arms report a mean change
    arm_level = only(effects, origin="outcomes", comparison="between_arms")
    assert arm_level["outcome_basis"] == "change"  # both bases reported: change scores on a tie


@pytest.mark.parametrize(("mean", "scale"), [(55.0, "0 to 100"), (12.0, None)])
def test_the_scale_of_a_subscale_with_several_scorings_comes_from_its_scores(
    registry: Registry, mean: float, scale: str | None
) -> None:
    whoqol = {"instrument": "WHOQOL-BREF", "subscale": "physical health", "n": 40, "sd": 3.0}
    rows = [_change("esk", **whoqol, mean=mean), _change("pbo", **whoqol, mean=mean - 1)]
    row = run(registry, rows, two_arms("s", 40, 40)).effect_sizes.iloc[0]
    assert (None if pd.isna(row["scale"]) else row["scale"]) == scale


def _fit_matches(meta: pd.Series, fit: dict[str, Any]) -> None:
    for name in ("estimate", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "i2", "q", "q_p"):
        assert meta[name] == pytest.approx(fit[name], rel=RTOL, abs=1e-12), name


def _studies(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"study_id": ids, "label": ids, "population": "P", "design": "rct"})


@pytest.mark.parametrize("fit", [0, 1])
def test_harmonized_final_values_pool_as_md_and_smd_as_metafor(registry: Registry, fit: int) -> None:
    data = REFERENCE["two_group"]
    given = data["input"]
    rows, arms = [], []
    for i in range(len(given["m1i"])):
        study = f"t{i}"
        rows += [
            {
                **VAS,
                "study_id": study,
                "arm_id": arm,
                "n": given[f"n{g}i"][i],
                "mean": given[f"m{g}i"][i],
                "sd": given[f"sd{g}i"][i],
            }
            for g, arm in ((1, "esk"), (2, "pbo"))
        ]
        arms += two_arms(study, given["n1i"][i], given["n2i"][i])
    effects = run(registry, rows, arms).effect_sizes
    assert effects["md"].tolist() == pytest.approx(data["md"]["yi"], rel=RTOL)
    assert effects["md_vi"].tolist() == pytest.approx(data["md"]["vi"], rel=RTOL)
    assert set(effects["scale"]) == {"0 to 100"} and set(effects["outcome_basis"]) == {"final"}
    reference = data["md"]["fits"][fit]
    settings = PoolingSettings(method=reference["method"], test=reference["test"])
    meta = _pooled(effects, pd.DataFrame(arms), settings)
    _fit_matches(meta.loc["between_arms|overall|short|MD|EQ-VAS|VAS|0 to 100"], reference)
    _fit_matches(meta.loc["between_arms|overall|short|SMD"], data["smd"]["fits"][fit])


def _pooled(effects: pd.DataFrame, arms: pd.DataFrame, settings: PoolingSettings) -> pd.DataFrame:
    studies = _studies(sorted(set(effects["study_id"])))
    return synthesize(effects, studies, arms, pd.Series(dtype=object), settings).meta_analyses.set_index("analysis_id")


@pytest.mark.parametrize("fit", [0, 1])
def test_harmonized_changes_pool_as_mc_and_smcc_as_metafor(registry: Registry, fit: int) -> None:
    """Four arms report a change with its SD and n (SMCC and MC), a fifth only a change with its SE: its MC joins
    the others' in the MC analysis, which the SMCC analysis of the four (one instrument and scale) gets beside it."""
    data = REFERENCE["pre_post"]
    given = data["input"]
    rows = [
        {**VAS, "study_id": f"p{i}", "arm_id": "a", "n": n, "change_mean": m, "change_sd": sd}
        for i, (m, sd, n) in enumerate(zip(given["change"], given["sd"], given["ni"], strict=True))
    ]
    only_se = given["only_se"]
    rows.append({**VAS, "study_id": "p9", "arm_id": "a", "change_mean": only_se["change"], "change_se": only_se["se"]})
    arms = pd.DataFrame([{"study_id": r["study_id"], "arm_id": "a", "role": "intervention", "drug": "d"} for r in rows])
    effects = run(registry, rows, arms.to_dict("records")).effect_sizes
    reference = data["mc"]["fits"][fit]
    meta = _pooled(effects, arms, PoolingSettings(method=reference["method"], test=reference["test"]))
    assert sorted(meta.index) == [
        "within_arm_prepost|overall|short|MC|EQ-VAS|VAS|0 to 100",
        "within_arm_prepost|overall|short|SMCC",
    ]
    _fit_matches(meta.loc["within_arm_prepost|overall|short|MC|EQ-VAS|VAS|0 to 100"], reference)
    _fit_matches(meta.loc["within_arm_prepost|overall|short|SMCC"], data["smcc"]["fits"][fit])
    assert meta["k"].tolist() == [5, 4] and set(meta["outcome_basis"]) == {"change"}
