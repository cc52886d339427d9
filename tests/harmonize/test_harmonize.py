"""The harmonize stage on small clean tables built from the default review's numbers.

Expected values are computed by hand in the comments (Hedges' g with the exact J, metafor's variance
formulas), independently of the library's code.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from qolreview.harmonize.stage import harmonize
from qolreview.instruments import Registry, load_registry
from qolreview.workbook.spec import ARMS, CONTRASTS, OUTCOMES, Sheet

ROOT = Path(__file__).resolve().parents[2]
SETTINGS: dict[str, Any] = {
    "windows": [
        {"name": "acute", "max_weeks": 1},
        {"name": "short", "max_weeks": 6},
        {"name": "medium", "max_weeks": 16},
        {"name": "long"},
    ],
    "timepoint_choice": "latest",
    "target_weeks": {"acute": 1, "short": 4, "medium": 12, "long": 39},
    "pre_post_r": 0.5,
    "pre_post_r_by_study": {},
    "prepost_measure": "SMCR",
    "untimed_window": None,
}


def clean_table(sheet: Sheet, rows: Sequence[Mapping[str, Any]], first_row: int = 2) -> pd.DataFrame:
    """A clean-stage table: the sheet's columns, provenance and ``cell_X`` addresses, from sparse dicts."""
    records = []
    for offset, given in enumerate(rows):
        excel_row = first_row + offset
        record: dict[str, Any] = {name: given.get(name) for name in sheet.column_names}
        for position, name in enumerate(sheet.column_names):
            letters = string.ascii_uppercase
            column = letters[position] if position < 26 else letters[position // 26 - 1] + letters[position % 26]
            record[f"cell_{name}"] = f"{sheet.name}!{column}{excel_row}"
        record.update(source_file="extraction.xlsx", source_sheet=sheet.name, source_row=excel_row)
        if "timepoint" in sheet.column_names:
            record["timepoint_weeks"] = given.get("timepoint_weeks")
        records.append(record)
    return pd.DataFrame(records)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(ROOT / "config" / "instruments.yaml")


def two_arms(study: str, n1: int, n2: int) -> list[dict[str, Any]]:
    return [
        {"study_id": study, "arm_id": "esk", "role": "intervention", "drug": "esketamine", "n_arm": n1},
        {"study_id": study, "arm_id": "pbo", "role": "comparator", "drug": "placebo", "n_arm": n2},
    ]


def hedges(m1: float, sd1: float, n1: float, m2: float, sd2: float, n2: float) -> tuple[float, float]:
    """Hedges' g and metafor's LS variance, written out from Hedges 1981 / Borenstein 2009 eq. 4.18-4.24."""
    m = n1 + n2 - 2
    j = math.exp(math.lgamma(m / 2) - math.log(math.sqrt(m / 2)) - math.lgamma((m - 1) / 2))
    sp = math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / m)
    g = j * (m1 - m2) / sp
    return g, 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2))


TRANSFORM2 = [
    # ClinicalTrials.gov NCT02418585 posted results: change from baseline to day 28, mean (SD).
    {
        "study_id": "transform2",
        "arm_id": "esk",
        "instrument": "EQ-5D-5L",
        "subscale": "index",
        "timepoint": "day 28",
        "timepoint_weeks": 4.0,
        "n": 111,
        "change_mean": 0.288,
        "change_sd": 0.2317,
        "source_id": "ctgov",
        "evidence_status": "seen",
    },
    {
        "study_id": "transform2",
        "arm_id": "pbo",
        "instrument": "EQ-5D-5L",
        "subscale": "index",
        "timepoint": "day 28",
        "timepoint_weeks": 4.0,
        "n": 105,
        "change_mean": 0.231,
        "change_sd": 0.2506,
        "source_id": "ctgov",
        "evidence_status": "seen",
    },
    {
        "study_id": "transform2",
        "arm_id": "esk",
        "instrument": "EQ-VAS",
        "subscale": "VAS",
        "timepoint": "day 28",
        "timepoint_weeks": 4.0,
        "n": 111,
        "change_mean": 29.1,
        "change_sd": 26.32,
        "source_id": "ctgov",
        "evidence_status": "seen",
    },
    {
        "study_id": "transform2",
        "arm_id": "pbo",
        "instrument": "EQ-VAS",
        "subscale": "VAS",
        "timepoint": "day 28",
        "timepoint_weeks": 4.0,
        "n": 105,
        "change_mean": 20.9,
        "change_sd": 26.6,
        "source_id": "ctgov",
        "evidence_status": "seen",
    },
]
ASPIRE = [
    # Jamieson 2023 (pooled ASPIRE I/II): QLDS change to day 25, mean +- SD; lower QLDS is better.
    {
        "study_id": "aspire",
        "arm_id": "esk",
        "instrument": "QLDS",
        "subscale": "total",
        "timepoint": "day 25",
        "timepoint_weeks": 25 / 7,
        "n": 226,
        "change_mean": -14.4,
        "change_sd": 11.5,
        "source_id": "jam",
        "evidence_status": "seen",
    },
    {
        "study_id": "aspire",
        "arm_id": "pbo",
        "instrument": "QLDS",
        "subscale": "total",
        "timepoint": "day 25",
        "timepoint_weeks": 25 / 7,
        "n": 225,
        "change_mean": -12.2,
        "change_sd": 10.8,
        "source_id": "jam",
        "evidence_status": "seen",
    },
]
ASPIRE_CONTRAST = {
    "study_id": "aspire",
    "arm_id": "esk",
    "comparator_arm_id": "pbo",
    "instrument": "QLDS",
    "subscale": "total",
    "timepoint": "day 25",
    "timepoint_weeks": 25 / 7,
    "statistic": "ls_md",
    "estimate": -3.1,
    "ci_low": -5.21,
    "ci_high": -1.02,
    "source_id": "jam",
    "n": 451,
    "evidence_status": "seen",
}


def run(
    registry: Registry,
    outcomes: Sequence[Mapping[str, Any]],
    arms: Sequence[Mapping[str, Any]],
    contrasts: Sequence[Mapping[str, Any]] = (),
    **settings: Any,
):
    return harmonize(
        clean_table(OUTCOMES, outcomes),
        clean_table(CONTRASTS, contrasts),
        clean_table(ARMS, arms),
        registry,
        {**SETTINGS, **settings},
    )


def only(df: pd.DataFrame, **where: Any) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for column, wanted in where.items():
        mask &= df[column] == wanted
    assert mask.sum() == 1, df.loc[mask]
    return df[mask].iloc[0]


def test_transform2_eq5d_index_and_vas_between_arms(registry: Registry) -> None:
    result = run(registry, TRANSFORM2, two_arms("transform2", 114, 109))
    index = only(result.effect_sizes, instrument="EQ-5D-5L", comparison="between_arms")
    # sp = sqrt((110*0.2317^2 + 104*0.2506^2)/214) = 0.241070; d = 0.057/0.241070 = 0.236446;
    # J(214) = 0.996491 -> g = 0.235616
    assert index["yi"] == pytest.approx(0.235616, abs=1e-6)
    assert (index["yi"], index["vi"]) == pytest.approx(hedges(0.288, 0.2317, 111, 0.231, 0.2506, 105), rel=1e-12)
    assert index["measure"] == "SMD" and index["basis"] == "change" and not index["direction_flipped"]
    assert index["md"] == pytest.approx(0.057) and index["md_vi"] == pytest.approx(0.2317**2 / 111 + 0.2506**2 / 105)
    assert (index["n1"], index["n2"]) == (111, 105)
    assert index["window"] == "short" and index["selected"] and index["domain"] == "overall" and index["qol"]
    # change_mean is column Q, change_sd R, n F of the outcomes sheet
    assert index["source_cells"] == "outcomes!Q2; outcomes!R2; outcomes!F2; outcomes!Q3; outcomes!R3; outcomes!F3"
    assert index["input_rows"] == "outcomes:2; outcomes:3"
    assert index["ci_lb"] == pytest.approx(index["yi"] - 1.959964 * math.sqrt(index["vi"]), abs=1e-6)
    vas = only(result.effect_sizes, instrument="EQ-VAS", comparison="between_arms")
    # sp = sqrt((110*26.32^2 + 104*26.6^2)/214) = 26.456445; d = 8.2/26.456445 = 0.309943; g = 0.308856
    assert vas["yi"] == pytest.approx(0.308856, abs=1e-6)
    assert vas["yi"] == pytest.approx(hedges(29.1, 26.32, 111, 20.9, 26.6, 105)[0], rel=1e-12)


def test_aspire_qlds_lower_is_better_gives_a_positive_smd(registry: Registry) -> None:
    result = run(registry, ASPIRE, two_arms("aspire", 226, 225), [ASPIRE_CONTRAST])
    effects = result.effect_sizes
    arm_level = only(effects, origin="outcomes", comparison="between_arms")
    g, v = hedges(-14.4, 11.5, 226, -12.2, 10.8, 225)
    # sp = sqrt((225*11.5^2 + 224*10.8^2)/449) = 11.156271, J(449) = 0.998329: raw g = -0.196869
    # (esketamine decreased QLDS more); flipped because lower QLDS is better.
    assert g == pytest.approx(-0.196869, abs=1e-6)
    assert arm_level["yi"] == pytest.approx(-g, rel=1e-12) and arm_level["vi"] == pytest.approx(v, rel=1e-12)
    assert arm_level["direction_flipped"] and arm_level["md"] == pytest.approx(2.2)
    contrast = only(effects, origin="contrasts")
    # MD = 3.1 after the flip; SE = (5.21 - 1.02)/(2*1.959964) = 1.068897; standardised by the pooled
    # change SD 11.156271 and J(449) = 0.998329: g = 0.277406
    assert contrast["measure"] == "SMD" and contrast["md"] == pytest.approx(3.1)
    assert contrast["md_vi"] == pytest.approx(((5.21 - 1.02) / (2 * 1.959963984540054)) ** 2)
    assert contrast["yi"] == pytest.approx(0.277406, abs=1e-6)
    assert contrast["vi"] == pytest.approx(1 / 226 + 1 / 225 + contrast["yi"] ** 2 / (2 * 451))
    # one selected row per comparison: the arm-level SMD; the contrast stays with a note
    assert arm_level["selected"] and not contrast["selected"]
    assert arm_level["effect_id"] in contrast["selection_note"]
    assert "md_to_smd" in contrast["conversions"] and "pooled_sd" in contrast["conversions"]
    assert result.not_convertible.empty


def test_contrast_alone_is_selected_as_md_without_sds(registry: Registry) -> None:
    result = run(registry, [], two_arms("aspire", 226, 225), [ASPIRE_CONTRAST])
    row = only(result.effect_sizes, origin="contrasts")
    assert row["measure"] == "MD" and row["yi"] == pytest.approx(3.1) and row["selected"]
    assert (row["n1"], row["n2"]) == (226, 225)
    assert "n_from_arm" in row["conversions"]


def test_eq5d_any_problem_proportions_give_a_flipped_log_rr(registry: Registry) -> None:
    rows = [
        {
            "study_id": "t2",
            "arm_id": "esk",
            "instrument": "EQ-5D-5L",
            "subscale": "mobility",
            "timepoint": "day 28",
            "timepoint_weeks": 4.0,
            "n": 114,
            "pct_with_problem": 10.6,
            "source_id": "s",
        },
        {
            "study_id": "t2",
            "arm_id": "pbo",
            "instrument": "EQ-5D-5L",
            "subscale": "mobility",
            "timepoint": "day 28",
            "timepoint_weeks": 4.0,
            "n": 109,
            "pct_with_problem": 25.0,
            "source_id": "s",
        },
    ]
    result = run(registry, rows, two_arms("t2", 114, 109))
    rr = only(result.effect_sizes, measure="RR")
    # 10.6% of 114 = 12.08 -> 12 events; 25% of 109 = 27.25 -> 27 events.
    # log RR = log((12/114)/(27/109)) = -0.855781; flipped (fewer problems is better) -> +0.855781
    # vi = 1/12 - 1/114 + 1/27 - 1/109 = 0.102424
    assert rr["yi"] == pytest.approx(0.855781, abs=1e-6)
    assert rr["vi"] == pytest.approx(1 / 12 - 1 / 114 + 1 / 27 - 1 / 109, rel=1e-12)
    assert rr["direction_flipped"] and rr["approximate"]
    assert "12 events" in rr["conversions"] and "27 events" in rr["conversions"]


def test_rd_contrast_in_percentage_points_is_divided_by_100(registry: Registry) -> None:
    contrast = {
        "study_id": "t2",
        "arm_id": "esk",
        "comparator_arm_id": "pbo",
        "instrument": "EQ-5D-5L",
        "subscale": "pain/discomfort",
        "timepoint": "day 28",
        "timepoint_weeks": 4.0,
        "statistic": "rd",
        "estimate": -18.4,
        "ci_low": -31.8,
        "ci_high": -5.0,
        "source_id": "s",
    }
    row = only(run(registry, [], two_arms("t2", 114, 109), [contrast]).effect_sizes, measure="RD")
    assert row["yi"] == pytest.approx(0.184) and row["direction_flipped"]
    assert row["vi"] == pytest.approx(((0.318 - 0.05) / (2 * 1.959963984540054)) ** 2)
    assert "rd_percentage_points" in row["conversions"]


def test_within_arm_smcr_with_baseline_row_and_default_r(registry: Registry) -> None:
    rows = [
        {
            "study_id": "liang",
            "arm_id": "ket",
            "instrument": "WHOQOL-BREF",
            "subscale": "physical health",
            "timepoint": "baseline",
            "timepoint_weeks": 0.0,
            "n": 40,
            "mean": 10.0,
            "sd": 2.0,
            "source_id": "s",
        },
        {
            "study_id": "liang",
            "arm_id": "ket",
            "instrument": "WHOQOL-BREF",
            "subscale": "physical health",
            "timepoint": "9 months",
            "timepoint_weeks": 39.13,
            "n": 40,
            "mean": 12.0,
            "sd": 2.5,
            "source_id": "s",
        },
    ]
    arms = [{"study_id": "liang", "arm_id": "ket", "role": "intervention", "drug": "ketamine", "n_arm": 40}]
    result = run(registry, rows, arms)
    row = only(result.effect_sizes, comparison="within_arm_prepost")
    # J(39) = 0.980624; SMCR = 0.980624 * (12 - 10)/2 = 0.980624; vi = 2(1-0.5)/40 + g^2/80
    assert row["measure"] == "SMCR" and row["yi"] == pytest.approx(0.980624, abs=1e-6)
    assert row["vi"] == pytest.approx(2 * 0.5 / 40 + row["yi"] ** 2 / 80, rel=1e-12)
    assert (row["r_used"], row["r_source"]) == (0.5, "default")
    # MC = 2, change SD = sqrt(4 + 6.25 - 2*0.5*2*2.5) = 2.291288: md_vi = 5.25/40
    assert row["md"] == pytest.approx(2.0) and row["md_vi"] == pytest.approx(5.25 / 40)
    assert row["pct_change"] == pytest.approx(20.0)
    assert row["input_rows"] == "outcomes:3; outcomes:2" and row["window"] == "long"
    assert row["n2"] is pd.NA and row["comparator_arm_id"] is pd.NA
    assert result.not_convertible.empty
    override = run(registry, rows, arms, pre_post_r_by_study={"liang": 0.7}).effect_sizes.iloc[0]
    assert (override["r_used"], override["r_source"]) == (0.7, "study_override")
    assert override["vi"] == pytest.approx(2 * 0.3 / 40 + override["yi"] ** 2 / 80, rel=1e-12)


def test_within_arm_smcc_when_only_change_is_reported(registry: Registry) -> None:
    rows = [
        {
            "study_id": "s",
            "arm_id": "ket",
            "instrument": "AQoL-8D",
            "subscale": "utility",
            "timepoint": "week 16",
            "timepoint_weeks": 16.0,
            "n": 30,
            "change_mean": 0.1,
            "change_se": 0.02,
            "source_id": "s",
        }
    ]
    arms = [{"study_id": "s", "arm_id": "ket", "role": "intervention", "n_arm": 30}]
    row = run(registry, rows, arms).effect_sizes.iloc[0]
    # sd = 0.02 * sqrt(30) = 0.109545; J(29) = 0.973875; SMCC = 0.973875 * 0.1/0.109545 = 0.889022
    assert row["measure"] == "SMCC" and row["yi"] == pytest.approx(0.889022, abs=1e-6)
    assert row["vi"] == pytest.approx(1 / 30 + row["yi"] ** 2 / 60, rel=1e-12)
    assert row["r_source"] == "not_used" and "SMCC used" in row["selection_note"]
    assert "sd_from_se" in row["conversions"]


def test_reasons_for_rows_that_cannot_be_converted(registry: Registry) -> None:
    rows = [
        {
            "study_id": "hop",
            "arm_id": "esk",
            "instrument": "AQoL-8D",
            "subscale": "all dimensions",
            "timepoint": "week 16",
            "timepoint_weeks": 16.0,
            "n": 105,
            "pct_change": 10.0,
            "value_qualifier": ">",
            "direction_reported": "improved",
            "source_id": "s",
        },
        {
            "study_id": "hop",
            "arm_id": "esk",
            "instrument": "AQoL-8D",
            "subscale": "utility",
            "timepoint": "week 16",
            "timepoint_weeks": 16.0,
            "n": 105,
            "direction_reported": "improved",
            "source_id": "s",
        },
        {
            "study_id": "hop",
            "arm_id": "esk",
            "instrument": "AQoL-8D",
            "subscale": "happiness",
            "timepoint": "week 16",
            "timepoint_weeks": 16.0,
            "n": 105,
            "pct_change": 12.0,
            "source_id": "s",
        },
        {
            "study_id": "hop",
            "arm_id": "esk",
            "instrument": "AQoL-8D",
            "subscale": "coping",
            "timepoint": "not reported",
            "timepoint_weeks": None,
            "n": 105,
            "mean": 3.0,
            "sd": 1.0,
            "source_id": "s",
        },
        {
            "study_id": "hop",
            "arm_id": "esk",
            "instrument": "AQoL-8D",
            "subscale": "senses",
            "timepoint": "week 16",
            "timepoint_weeks": 16.0,
            "n": 105,
            "mean": 3.0,
            "source_id": "s",
        },
        {
            "study_id": "hop",
            "arm_id": "esk",
            "instrument": "AQoL-8D",
            "subscale": "pain",
            "timepoint": "week 16",
            "timepoint_weeks": 16.0,
            "n": 105,
            "mean": 3.0,
            "sd": 1.0,
            "source_id": "s",
        },
        {
            "study_id": "hop",
            "arm_id": "esk",
            "instrument": "AQoL-8D",
            "subscale": "relationships",
            "timepoint": "baseline",
            "timepoint_weeks": 0.0,
            "n": 105,
            "mean": 3.0,
            "sd": 1.0,
            "source_id": "s",
        },
    ]
    arms = [{"study_id": "hop", "arm_id": "esk", "role": "intervention", "n_arm": 105}]
    result = run(registry, rows, arms)
    assert result.effect_sizes.empty
    reasons = dict(zip(result.not_convertible["subscale"], result.not_convertible["reason"], strict=True))
    assert reasons == {
        "all dimensions": "value is a bound (qualifier >), not an estimate",
        "utility": "direction only",
        "happiness": "percent change only (no SD)",
        "coping": "timepoint not reported",
        "senses": "no SD and no way to derive it",
        "pain": "single arm: no comparator, and no baseline for a pre-post effect",
        "relationships": "baseline row: no follow-up result of this arm to pair with",
    }
    bound = only(result.not_convertible, subscale="all dimensions")
    assert bound["direction_reported"] == "improved" and bound["pct_change"] == 10.0
    # pct_change V, n F, direction_reported Z, value_qualifier AA
    assert bound["source_cells"] == "outcomes!V2; outcomes!F2; outcomes!Z2; outcomes!AA2"


def test_timepoint_choice_within_a_window(registry: Registry) -> None:
    base = {"study_id": "s", "instrument": "EQ-VAS", "subscale": "VAS", "source_id": "s", "change_sd": 20.0}
    rows = []
    for arm, n, means in (("esk", 50, (10.0, 12.0, 15.0)), ("pbo", 50, (5.0, 6.0, 7.0))):
        for weeks, mean in zip((2.0, 4.0, 6.0), means, strict=True):
            rows.append(
                {
                    **base,
                    "arm_id": arm,
                    "n": n,
                    "timepoint": f"week {weeks:g}",
                    "timepoint_weeks": weeks,
                    "change_mean": mean,
                }
            )
    between = "comparison == 'between_arms'"
    latest = run(registry, rows, two_arms("s", 50, 50)).effect_sizes.query(between)
    assert list(latest.loc[latest["selected"], "timepoint"]) == ["week 6"]
    assert latest["selection_note"].str.contains("kept week 6").sum() == 2
    closest = run(registry, rows, two_arms("s", 50, 50), timepoint_choice="closest_to_target").effect_sizes
    kept = closest.query(between).loc[lambda d: d["selected"], "timepoint"]
    assert list(kept) == ["week 4"]


def test_every_input_row_is_accounted_for(registry: Registry) -> None:
    outcomes = [
        *TRANSFORM2,
        *ASPIRE,
        {
            "study_id": "aspire",
            "arm_id": "esk",
            "instrument": "QLDS",
            "subscale": "total",
            "timepoint": "not reported",
            "n": 226,
            "mean": 10.0,
            "sd": 5.0,
            "source_id": "jam",
        },
    ]
    contrasts = [ASPIRE_CONTRAST, {**ASPIRE_CONTRAST, "statistic": "md", "ci_low": None, "ci_high": None}]
    arms = [*two_arms("transform2", 114, 109), *two_arms("aspire", 226, 225)]
    result = run(registry, outcomes, arms, contrasts)
    used = {key for keys in result.effect_sizes["input_rows"] for key in keys.split("; ")}
    unused = set(result.not_convertible["input_rows"])
    assert used | unused == {f"outcomes:{i}" for i in range(2, 9)} | {"contrasts:2", "contrasts:3"}
    assert only(result.not_convertible, origin="contrasts")["reason"] == "no SE or CI"
    assert result.effect_sizes["effect_id"].is_unique
    assert set(result.conversion_log["effect_id"]) <= set(result.effect_sizes["effect_id"])


def test_within_arm_timepoint_choice_keeps_one_row_per_window(registry: Registry) -> None:
    base = {
        "study_id": "s",
        "arm_id": "ket",
        "instrument": "EQ-VAS",
        "subscale": "VAS",
        "source_id": "s",
        "n": 20,
        "change_sd": 10.0,
    }
    rows = [
        {**base, "timepoint": "week 2", "timepoint_weeks": 2.0, "change_mean": 5.0},
        {**base, "timepoint": "week 5", "timepoint_weeks": 5.0, "change_mean": 8.0},
        {**base, "timepoint": "week 12", "timepoint_weeks": 12.0, "change_mean": 9.0},
    ]
    arms = [{"study_id": "s", "arm_id": "ket", "role": "intervention", "n_arm": 20}]
    effects = run(registry, rows, arms).effect_sizes
    assert dict(zip(effects["timepoint"], effects["selected"], strict=True)) == {
        "week 2": False,
        "week 5": True,
        "week 12": True,
    }
    assert list(effects["window"]) == ["short", "short", "medium"]


def test_unusable_effects_are_not_convertible_with_their_reason(registry: Registry) -> None:
    common = {"study_id": "s", "instrument": "EQ-VAS", "subscale": "VAS", "timepoint": "week 4", "timepoint_weeks": 4.0}
    outcomes = [  # SDs of 0.5 on a 0-100 scale (SEs typed as SDs?): g = 10/0.5 * J = 19.85
        {**common, "arm_id": "esk", "n": 50, "mean": 70.0, "sd": 0.5, "source_id": "src"},
        {**common, "arm_id": "pbo", "n": 50, "mean": 60.0, "sd": 0.5, "source_id": "src"},
    ]
    contrast = {  # "95% CI 1.5 to 1.5": a variance of 0
        **common,
        "instrument": "QLDS",
        "subscale": "total",
        "arm_id": "esk",
        "comparator_arm_id": "pbo",
        "statistic": "or",
        "estimate": 1.5,
        "ci_low": 1.5,
        "ci_high": 1.5,
        "source_id": "src",
    }
    result = run(registry, outcomes, two_arms("s", 50, 50), [contrast])
    assert result.effect_sizes.empty
    reasons = dict(zip(result.not_convertible["input_rows"], result.not_convertible["reason"], strict=True))
    smd = "implausible SMD of 19.8 (more than 10 SDs): is an SE typed as an SD?"
    assert reasons == {
        "outcomes:2": smd,
        "outcomes:3": smd,
        "contrasts:2": "OR has a sampling variance of 0 (a CI whose limits equal the estimate, or an SE of 0), "
        "so it cannot be weighted",
    }
