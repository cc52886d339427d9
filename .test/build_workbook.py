"""Build the SYNTHETIC test review workbook ``.test/extraction.xlsx``.

Run from the project root: ``.venv/bin/python .test/build_workbook.py [output.xlsx]``.

Every study, number, judgement and source below is invented. The review exists only to exercise the whole
pipeline on enough studies to pool: seventeen studies (eleven RCTs, four non-randomised studies, one
cohort, one single-arm study) of intravenous ketamine and intranasal esketamine in MDD, TRD and MDSI, with
the QoL instruments WHOQOL-BREF, EQ-5D-5L (index and "any problem" percentages), EQ-VAS, SF-36, QLDS and
AQoL-8D, and HAM-D, MADRS and SDS as secondary outcomes. Eight of the studies (``DIAGNOSTIC_STUDIES``) were
added so that one analysis (between arms, overall QoL, week 12, SMD of final values) has thirteen studies:
enough for meta-regression, the small-study tests, trim-and-fill and GOSH. Change-score and final-value SMDs
are never pooled together (Cochrane Handbook 10.5.2), so every one of the thirteen reports final values at
week 12 (a few report change scores on a second instrument too: a small change-score analysis beside it).

The numbers come from a simple model, drawn with a fixed seed: each arm starts from an instrument's
typical baseline and moves towards it by a drug-specific improvement that grows over time; in the added
studies the improvement is larger the smaller the study (a small-study pattern). Each result is
then written in one of the ways papers report it (final mean with SD, SE or 95% CI; median and IQR;
baseline and follow-up with or without the pre-post correlation; change with SD, SE or CI; adjusted
contrasts; a risk ratio; a direction in words), so that every conversion of the harmonize stage runs. The
output is byte-for-byte deterministic.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qolreview.workbook.writer import write_workbook

OUTPUT = Path(__file__).resolve().parent / "extraction.xlsx"
SEED = 20250417
SYNTHETIC = "SYNTHETIC test data: invented for pipeline tests, not a real study."
Z95 = 1.959964

# ---------------------------------------------------------------------------------------------------------
# The model: instrument scales, drug effects, time course
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """An instrument subscale: typical baseline mean and SD, score range, direction, rounding."""

    baseline: float
    sd: float
    low: float
    high: float
    gain: float
    """Change from baseline at full effect for an active drug, in the direction of better."""
    higher_is_better: bool
    decimals: int


SCALES: dict[tuple[str, str], Scale] = {
    ("WHOQOL-BREF", "physical health"): Scale(45, 16, 0, 100, 11, True, 1),
    ("WHOQOL-BREF", "psychological"): Scale(32, 15, 0, 100, 15, True, 1),
    ("WHOQOL-BREF", "social relationships"): Scale(41, 18, 0, 100, 7, True, 1),
    ("WHOQOL-BREF", "environment"): Scale(52, 15, 0, 100, 5, True, 1),
    ("WHOQOL-BREF", "overall QoL item"): Scale(2.4, 0.9, 1, 5, 0.6, True, 2),
    ("WHOQOL-BREF", "general health item"): Scale(2.6, 1.0, 1, 5, 0.5, True, 2),
    ("EQ-5D-5L", "index"): Scale(0.55, 0.21, -0.865, 1, 0.14, True, 3),
    ("EQ-VAS", "VAS"): Scale(44, 19, 0, 100, 17, True, 1),
    ("SF-36", "PCS"): Scale(46, 10, 0, 100, 3, True, 1),
    ("SF-36", "MCS"): Scale(24, 10, 0, 100, 11, True, 1),
    ("QLDS", "total"): Scale(24, 6, 0, 34, 8, False, 1),
    ("AQoL-8D", "utility"): Scale(0.41, 0.15, 0.09, 1, 0.12, True, 3),
    ("HAM-D", "total"): Scale(23, 5, 0, 52, 11, False, 1),
    ("MADRS", "total"): Scale(34, 6, 0, 60, 17, False, 1),
    ("SDS", "total"): Scale(23, 5, 0, 30, 8, False, 1),
}

#: Share of the full effect reached at each timepoint.
TIME_COURSE = {"week 1": 0.6, "day 28": 0.85, "week 12": 1.0, "6 months": 0.8}
#: Share of the active-drug effect seen with each comparator (placebo response, active control).
DRUG_EFFECT = {"ketamine": 1.0, "esketamine": 0.9, "placebo": 0.4, "midazolam": 0.5, "usual care": 0.45}


@dataclass(frozen=True)
class Arm:
    study_id: str
    arm_id: str
    label: str
    role: str
    drug: str
    route: str
    dose: str
    schedule: str
    n: int


class Model:
    """Draws arm-level results from the model with one random generator, in call order. ``boost`` scales the
    drug effect of some studies (the small-study pattern); the draws are the same with or without it."""

    def __init__(self, seed: int, boost: dict[str, float] | None = None) -> None:
        self.rng = np.random.default_rng(seed)
        self.boost = boost or {}
        self.study_effect: dict[str, float] = {}

    def _effect(self, study_id: str) -> float:
        if study_id not in self.study_effect:
            self.study_effect[study_id] = float(self.rng.normal(1.0, 0.25)) * self.boost.get(study_id, 1.0)
        return self.study_effect[study_id]

    def arm_result(self, arm: Arm, scale: Scale, timepoint: str, r: float = 0.55) -> dict[str, float]:
        """Baseline and follow-up mean and SD, change mean and SD (with correlation ``r``), n."""
        sign = 1.0 if scale.higher_is_better else -1.0
        base = scale.baseline + float(self.rng.normal(0, 0.08)) * scale.sd
        sd_b = scale.sd * float(self.rng.uniform(0.9, 1.1))
        sd_f = scale.sd * float(self.rng.uniform(1.0, 1.2))
        if timepoint == "baseline":
            return {"n": arm.n, "base": base, "sd_b": sd_b}
        effect = self._effect(arm.study_id) if arm.role == "intervention" else 1.0
        change = sign * scale.gain * TIME_COURSE[timepoint] * DRUG_EFFECT[arm.drug] * effect
        change += float(self.rng.normal(0, 0.05)) * scale.sd
        sd_c = float(np.sqrt(sd_b**2 + sd_f**2 - 2 * r * sd_b * sd_f))
        followup = min(
            max(base + change, scale.low + 0.05 * (scale.high - scale.low)),
            scale.high - 0.05 * (scale.high - scale.low),
        )
        n = max(round(arm.n * (1 - 0.04 * list(TIME_COURSE).index(timepoint))), 8)
        return {
            "n": n,
            "base": base,
            "sd_b": sd_b,
            "mean": followup,
            "sd_f": sd_f,
            "change": followup - base,
            "sd_c": sd_c,
            "r": r,
        }


def _round(value: float, decimals: int) -> float:
    return round(float(value), decimals)


def report(res: dict[str, float], scale: Scale, fmt: str) -> dict[str, object]:
    """The statistics of one result as a paper reporting it in format ``fmt`` would give them."""
    d = scale.decimals
    n = int(res["n"])
    if "mean" not in res:  # a baseline visit
        if fmt == "median_iqr":
            return {
                "n": n,
                "median": _round(res["base"], d),
                "q1": _round(res["base"] - 0.6745 * res["sd_b"], d),
                "q3": _round(res["base"] + 0.6745 * res["sd_b"], d),
            }
        return {"n": n, "mean": _round(res["base"], d), "sd": _round(res["sd_b"], d + 1)}
    mean, sd = res["mean"], res["sd_f"]
    se, change_se = sd / np.sqrt(n), res["sd_c"] / np.sqrt(n)
    if fmt == "final_sd":
        return {"n": n, "mean": _round(mean, d), "sd": _round(sd, d + 1)}
    if fmt == "final_se":
        return {"n": n, "mean": _round(mean, d), "se": _round(se, d + 1)}
    if fmt == "final_ci":
        return {
            "n": n,
            "mean": _round(mean, d),
            "ci_low": _round(mean - Z95 * se, d + 1),
            "ci_high": _round(mean + Z95 * se, d + 1),
        }
    if fmt == "median_iqr":
        median = mean - 0.1 * sd
        return {
            "n": n,
            "median": _round(median, d),
            "q1": _round(median - 0.6745 * sd, d),
            "q3": _round(median + 0.6745 * sd, d),
        }
    if fmt in ("baseline_final", "baseline_final_r"):
        stats = {
            "n": n,
            "mean": _round(mean, d),
            "sd": _round(sd, d + 1),
            "baseline_mean": _round(res["base"], d),
            "baseline_sd": _round(res["sd_b"], d + 1),
        }
        return {**stats, "pre_post_r": res["r"]} if fmt == "baseline_final_r" else stats
    if fmt == "change_sd":
        return {"n": n, "change_mean": _round(res["change"], d), "change_sd": _round(res["sd_c"], d + 1)}
    if fmt == "change_se":
        return {"n": n, "change_mean": _round(res["change"], d), "change_se": _round(change_se, d + 1)}
    if fmt == "change_ci":
        return {
            "n": n,
            "change_mean": _round(res["change"], d),
            "change_ci_low": _round(res["change"] - Z95 * change_se, d + 1),
            "change_ci_high": _round(res["change"] + Z95 * change_se, d + 1),
        }
    raise ValueError(f"unknown format {fmt!r}")


# ---------------------------------------------------------------------------------------------------------
# Studies and arms
# ---------------------------------------------------------------------------------------------------------

_STUDY_DEFAULTS = {"funding": "non_industry", "inclusion_status": "confirmed"}

STUDIES: list[dict[str, object]] = [
    {
        "study_id": "syn_rct_iv1",
        "label": "Synthetic RCT IV-1",
        "design": "rct",
        "population": "TRD",
        "country": "Syntheland",
        "age_mean": 44.2,
        "female_pct": 58.0,
        "follow_up_weeks": 12,
        "rob_tool": "RoB2",
        "trial": "SYN-K1 (synthetic)",
        "year": 2019,
    },
    {
        "study_id": "syn_rct_iv2",
        "label": "Synthetic RCT IV-2",
        "design": "rct",
        "population": "TRD",
        "country": "Syntheland",
        "age_mean": 47.9,
        "female_pct": 52.5,
        "follow_up_weeks": 12,
        "rob_tool": "RoB2",
        "trial": "SYN-K2 (synthetic)",
        "year": 2020,
    },
    {
        "study_id": "syn_rct_in1",
        "label": "Synthetic RCT IN-1",
        "design": "rct",
        "population": "MDD",
        "country": "Fictonia",
        "age_mean": 41.3,
        "female_pct": 63.1,
        "follow_up_weeks": 12,
        "rob_tool": "RoB2",
        "trial": "SYN-E1 (synthetic)",
        "year": 2021,
        "funding": "industry",
    },
    {
        "study_id": "syn_rct_in2",
        "label": "Synthetic RCT IN-2",
        "design": "rct",
        "population": "TRD",
        "country": "Fictonia",
        "age_mean": 45.0,
        "female_pct": 60.4,
        "follow_up_weeks": 12,
        "rob_tool": "RoB2",
        "trial": "SYN-E2 (synthetic)",
        "year": 2022,
        "funding": "industry",
    },
    {
        "study_id": "syn_rct_iv3",
        "label": "Synthetic RCT IV-3",
        "design": "rct",
        "population": "MDD",
        "country": "Syntheland",
        "age_mean": 39.8,
        "female_pct": 55.0,
        "follow_up_weeks": 4,
        "rob_tool": "RoB2",
        "trial": "SYN-K3 (synthetic)",
        "year": 2023,
    },
    {
        "study_id": "syn_nrsi_in",
        "label": "Synthetic NRSI IN",
        "design": "nrsi",
        "population": "TRD",
        "country": "Imaginaria",
        "age_mean": 49.6,
        "female_pct": 57.3,
        "follow_up_weeks": 26.09,
        "rob_tool": "ROBINS-I",
        "year": 2023,
        "funding": "mixed",
    },
    {
        "study_id": "syn_nrsi_iv",
        "label": "Synthetic NRSI IV",
        "design": "nrsi",
        "population": "TRD",
        "country": "Imaginaria",
        "age_mean": 46.1,
        "female_pct": 49.0,
        "follow_up_weeks": 26.09,
        "rob_tool": "ROBINS-I",
        "year": 2024,
    },
    {
        "study_id": "syn_cohort_iv",
        "label": "Synthetic cohort IV",
        "design": "cohort",
        "population": "TRD",
        "country": "Syntheland",
        "age_mean": 43.5,
        "female_pct": 61.2,
        "follow_up_weeks": 26.09,
        "rob_tool": "NOS",
        "year": 2024,
    },
    {
        "study_id": "syn_single_in",
        "label": "Synthetic single-arm IN",
        "design": "single_arm",
        "population": "TRD",
        "country": "Fictonia",
        "age_mean": 42.8,
        "female_pct": 66.7,
        "follow_up_weeks": 26.09,
        "rob_tool": None,
        "year": 2024,
        "funding": "not_reported",
    },
    # Added for the diagnostics of the pooled analyses (DIAGNOSTIC_STUDIES): two-arm studies reporting an
    # overall QoL measure at week 12, smaller and earlier ones first.
    {
        "study_id": "syn_rct_iv4",
        "label": "Synthetic RCT IV-4",
        "design": "rct",
        "population": "MDD",
        "country": "Inventia",
        "age_mean": 38.7,
        "female_pct": 55.6,
        "follow_up_weeks": 12,
        "rob_tool": "RoB2",
        "trial": "SYN-K4 (synthetic)",
        "year": 2015,
    },
    {
        "study_id": "syn_rct_iv5",
        "label": "Synthetic RCT IV-5",
        "design": "rct",
        "population": "TRD",
        "country": "Syntheland",
        "age_mean": 46.3,
        "female_pct": 48.6,
        "follow_up_weeks": 12,
        "rob_tool": "RoB2",
        "trial": "SYN-K5 (synthetic)",
        "year": 2016,
    },
    {
        "study_id": "syn_nrsi_iv2",
        "label": "Synthetic NRSI IV-2",
        "design": "nrsi",
        "population": "MDSI",
        "country": "Imaginaria",
        "age_mean": 40.2,
        "female_pct": 62.0,
        "follow_up_weeks": 26.09,
        "rob_tool": "ROBINS-I",
        "year": 2017,
        "funding": "not_reported",
    },
    {
        "study_id": "syn_rct_in3",
        "label": "Synthetic RCT IN-3",
        "design": "rct",
        "population": "TRD",
        "country": "Fictonia",
        "age_mean": 47.1,
        "female_pct": 59.4,
        "follow_up_weeks": 16,
        "rob_tool": "RoB2",
        "trial": "SYN-E3 (synthetic)",
        "year": 2018,
        "funding": "industry",
    },
    {
        "study_id": "syn_rct_iv6",
        "label": "Synthetic RCT IV-6",
        "design": "rct",
        "population": "MDSI",
        "country": "Inventia",
        "age_mean": 36.9,
        "female_pct": 64.0,
        "follow_up_weeks": 12,
        "rob_tool": "RoB2",
        "trial": "SYN-K6 (synthetic)",
        "year": 2019,
    },
    {
        "study_id": "syn_nrsi_in2",
        "label": "Synthetic NRSI IN-2",
        "design": "nrsi",
        "population": "TRD",
        "country": "Imaginaria",
        "age_mean": 51.3,
        "female_pct": 56.9,
        "follow_up_weeks": 52.18,
        "rob_tool": "ROBINS-I",
        "year": 2021,
        "funding": "mixed",
    },
    {
        "study_id": "syn_rct_in4",
        "label": "Synthetic RCT IN-4",
        "design": "rct",
        "population": "MDD",
        "country": "Fictonia",
        "age_mean": 43.8,
        "female_pct": 61.8,
        "follow_up_weeks": 12,
        "rob_tool": "RoB2",
        "trial": "SYN-E4 (synthetic)",
        "year": 2022,
        "funding": "industry",
    },
    {
        "study_id": "syn_rct_in5",
        "label": "Synthetic RCT IN-5",
        "design": "rct",
        "population": "TRD",
        "country": "Syntheland",
        "age_mean": 45.6,
        "female_pct": 60.9,
        "follow_up_weeks": 26.09,
        "rob_tool": "RoB2",
        "trial": "SYN-E5 (synthetic)",
        "year": 2024,
        "funding": "industry",
    },
]

_KET = ("ketamine", "IV", "0.5 mg/kg over 40 min")
_ESK = ("esketamine", "IN", "56 or 84 mg")

ARMS: list[Arm] = [
    Arm("syn_rct_iv1", "ket", "IV ketamine", "intervention", *_KET, "twice weekly for 4 weeks", 62),
    Arm(
        "syn_rct_iv1",
        "pbo",
        "Saline placebo",
        "comparator",
        "placebo",
        "IV",
        "0.9% saline",
        "twice weekly for 4 weeks",
        60,
    ),
    Arm("syn_rct_iv2", "ket", "IV ketamine", "intervention", *_KET, "six infusions over 3 weeks", 41),
    Arm(
        "syn_rct_iv2",
        "mid",
        "IV midazolam",
        "comparator",
        "midazolam",
        "IV",
        "0.045 mg/kg",
        "six infusions over 3 weeks",
        40,
    ),
    Arm("syn_rct_in1", "esk", "Esketamine nasal spray + AD", "intervention", *_ESK, "twice weekly for 4 weeks", 112),
    Arm(
        "syn_rct_in1",
        "pbo",
        "Placebo nasal spray + AD",
        "comparator",
        "placebo",
        "IN",
        "-",
        "twice weekly for 4 weeks",
        108,
    ),
    Arm("syn_rct_in2", "esk", "Esketamine nasal spray", "intervention", *_ESK, "twice weekly for 4 weeks", 91),
    Arm(
        "syn_rct_in2", "pbo", "Placebo nasal spray", "comparator", "placebo", "IN", "-", "twice weekly for 4 weeks", 89
    ),
    Arm("syn_rct_iv3", "ket", "IV ketamine", "intervention", *_KET, "single infusion", 32),
    Arm("syn_rct_iv3", "mid", "IV midazolam", "comparator", "midazolam", "IV", "0.045 mg/kg", "single infusion", 31),
    Arm("syn_nrsi_in", "esk", "Esketamine nasal spray", "intervention", *_ESK, "as per label", 78),
    Arm("syn_nrsi_in", "tau", "Usual care", "comparator", "usual care", "oral", "-", "usual care", 81),
    Arm("syn_nrsi_iv", "ket", "IV ketamine", "intervention", *_KET, "six infusions, then maintenance", 52),
    Arm("syn_nrsi_iv", "tau", "Usual care", "comparator", "usual care", "oral", "-", "usual care", 55),
    Arm("syn_cohort_iv", "ket", "IV ketamine clinic cohort", "intervention", *_KET, "six infusions", 96),
    Arm("syn_single_in", "esk", "Open-label esketamine", "intervention", *_ESK, "twice weekly, then weekly", 47),
    Arm("syn_rct_iv4", "ket", "IV ketamine", "intervention", *_KET, "single infusion", 14),
    Arm("syn_rct_iv4", "pbo", "Saline placebo", "comparator", "placebo", "IV", "0.9% saline", "single infusion", 13),
    Arm("syn_rct_iv5", "ket", "IV ketamine", "intervention", *_KET, "three infusions over 1 week", 18),
    Arm(
        "syn_rct_iv5",
        "mid",
        "IV midazolam",
        "comparator",
        "midazolam",
        "IV",
        "0.045 mg/kg",
        "three infusions over 1 week",
        17,
    ),
    Arm("syn_nrsi_iv2", "ket", "IV ketamine", "intervention", *_KET, "two infusions, then as needed", 24),
    Arm("syn_nrsi_iv2", "tau", "Usual care", "comparator", "usual care", "oral", "-", "usual care", 26),
    Arm("syn_rct_in3", "esk", "Esketamine nasal spray", "intervention", *_ESK, "twice weekly for 4 weeks", 33),
    Arm(
        "syn_rct_in3", "pbo", "Placebo nasal spray", "comparator", "placebo", "IN", "-", "twice weekly for 4 weeks", 32
    ),
    Arm("syn_rct_iv6", "ket", "IV ketamine", "intervention", *_KET, "two infusions over 1 week", 45),
    Arm(
        "syn_rct_iv6",
        "pbo",
        "Saline placebo",
        "comparator",
        "placebo",
        "IV",
        "0.9% saline",
        "two infusions over 1 week",
        44,
    ),
    Arm("syn_nrsi_in2", "esk", "Esketamine nasal spray", "intervention", *_ESK, "as per label", 70),
    Arm("syn_nrsi_in2", "tau", "Usual care", "comparator", "usual care", "oral", "-", "usual care", 74),
    Arm("syn_rct_in4", "esk", "Esketamine nasal spray + AD", "intervention", *_ESK, "twice weekly for 4 weeks", 118),
    Arm(
        "syn_rct_in4",
        "pbo",
        "Placebo nasal spray + AD",
        "comparator",
        "placebo",
        "IN",
        "-",
        "twice weekly for 4 weeks",
        115,
    ),
    Arm("syn_rct_in5", "esk", "Esketamine nasal spray", "intervention", *_ESK, "twice weekly, then weekly", 162),
    Arm(
        "syn_rct_in5",
        "pbo",
        "Placebo nasal spray",
        "comparator",
        "placebo",
        "IN",
        "-",
        "twice weekly, then weekly",
        160,
    ),
]

#: The studies added for the diagnostics of the pooled analyses. Their drug effect is scaled by
#: (SMALL_STUDY_N / n_total) ** SMALL_STUDY_EXPONENT, so that the smaller studies report larger effects: a
#: small-study pattern, and some heterogeneity, for Egger's test and trim-and-fill to find.
DIAGNOSTIC_STUDIES = (
    "syn_rct_iv4",
    "syn_rct_iv5",
    "syn_nrsi_iv2",
    "syn_rct_in3",
    "syn_rct_iv6",
    "syn_nrsi_in2",
    "syn_rct_in4",
    "syn_rct_in5",
)
SMALL_STUDY_N = 150
SMALL_STUDY_EXPONENT = 0.4


def small_study_boost() -> dict[str, float]:
    """The factor on the drug effect of each added study: above 1 for studies smaller than SMALL_STUDY_N."""
    return {
        study_id: (SMALL_STUDY_N / sum(a.n for a in ARMS if a.study_id == study_id)) ** SMALL_STUDY_EXPONENT
        for study_id in DIAGNOSTIC_STUDIES
    }


# ---------------------------------------------------------------------------------------------------------
# What each study reports: (study, instrument, subscales, timepoints, format per timepoint, r)
# ---------------------------------------------------------------------------------------------------------

_WHOQOL = ("physical health", "psychological", "social relationships", "environment")

#: study, instrument, subscales, {timepoint: format}, reported pre-post r (or None).
PLAN: list[tuple[str, str, tuple[str, ...], dict[str, str], float | None]] = [
    (
        "syn_rct_iv1",
        "WHOQOL-BREF",
        _WHOQOL,
        {"baseline": "final_sd", "week 1": "final_sd", "day 28": "baseline_final_r", "week 12": "baseline_final_r"},
        0.6,
    ),
    ("syn_rct_iv1", "HAM-D", ("total",), {"baseline": "final_sd", "day 28": "change_sd"}, None),
    (
        "syn_rct_iv2",
        "EQ-5D-5L",
        ("index",),
        {"baseline": "final_sd", "day 28": "final_se", "week 12": "final_se"},
        None,
    ),
    ("syn_rct_iv2", "EQ-VAS", ("VAS",), {"baseline": "final_sd", "day 28": "final_ci", "week 12": "final_ci"}, None),
    ("syn_rct_iv2", "MADRS", ("total",), {"baseline": "final_sd", "week 1": "final_sd", "day 28": "final_sd"}, None),
    ("syn_rct_in1", "SF-36", ("PCS", "MCS"), {"day 28": "change_sd", "week 12": "change_sd"}, None),
    ("syn_rct_in1", "EQ-5D-5L", ("index",), {"day 28": "change_se", "week 12": "baseline_final"}, None),
    ("syn_rct_in1", "SDS", ("total",), {"day 28": "change_sd"}, None),
    ("syn_rct_in2", "QLDS", ("total",), {"day 28": "change_ci", "week 12": "change_ci"}, None),
    (
        "syn_rct_in2",
        "AQoL-8D",
        ("utility",),
        {"baseline": "median_iqr", "day 28": "median_iqr", "week 12": "median_iqr"},
        None,
    ),
    ("syn_rct_in2", "MADRS", ("total",), {"baseline": "final_sd", "day 28": "change_sd"}, None),
    (
        "syn_rct_iv3",
        "WHOQOL-BREF",
        ("physical health", "psychological"),
        {"baseline": "median_iqr", "week 1": "median_iqr", "day 28": "median_iqr"},
        None,
    ),
    ("syn_rct_iv3", "EQ-5D-5L", ("index",), {"baseline": "final_sd", "day 28": "final_sd"}, None),
    ("syn_rct_iv3", "HAM-D", ("total",), {"baseline": "final_sd", "week 1": "change_sd", "day 28": "change_sd"}, None),
    (
        "syn_nrsi_in",
        "EQ-5D-5L",
        ("index",),
        {"baseline": "final_sd", "week 12": "baseline_final_r", "6 months": "baseline_final_r"},
        0.5,
    ),
    ("syn_nrsi_in", "EQ-VAS", ("VAS",), {"baseline": "final_sd", "week 12": "final_sd", "6 months": "final_sd"}, None),
    (
        "syn_nrsi_iv",
        "SF-36",
        ("PCS", "MCS"),
        {"baseline": "final_sd", "week 12": "final_ci", "6 months": "final_ci"},
        None,
    ),
    ("syn_nrsi_iv", "EQ-5D-5L", ("index",), {"baseline": "final_sd", "week 12": "final_sd"}, None),
    (
        "syn_cohort_iv",
        "WHOQOL-BREF",
        _WHOQOL,
        {"baseline": "final_sd", "week 12": "baseline_final_r", "6 months": "baseline_final_r"},
        0.45,
    ),
    ("syn_cohort_iv", "HAM-D", ("total",), {"baseline": "final_sd", "week 12": "change_sd"}, None),
    (
        "syn_single_in",
        "EQ-5D-5L",
        ("index",),
        {"baseline": "final_sd", "week 12": "final_sd", "6 months": "final_sd"},
        None,
    ),
    ("syn_single_in", "AQoL-8D", ("utility",), {"baseline": "final_sd", "week 12": "change_sd"}, None),
    # The added studies (DIAGNOSTIC_STUDIES): one or two overall QoL measures each, always at week 12. Every
    # two-arm study with an overall measure at week 12 reports it as final values there (baseline and follow-up
    # without a correlation also give a final-value SMD), so that the SMD analysis of final values has all
    # thirteen of them; IN-2 and IN-4 (QLDS change) and NRSI IN (EQ-5D-5L with a reported correlation) add
    # change-score SMDs, a separate analysis. At day 28 and 6 months change scores and final values stay
    # mixed, so those windows have SMD analyses split by basis too.
    (
        "syn_rct_iv4",
        "EQ-5D-5L",
        ("index",),
        {"baseline": "final_sd", "day 28": "final_sd", "week 12": "final_sd"},
        None,
    ),
    ("syn_rct_iv4", "EQ-VAS", ("VAS",), {"baseline": "final_sd", "day 28": "final_sd", "week 12": "final_sd"}, None),
    ("syn_rct_iv5", "QLDS", ("total",), {"baseline": "final_sd", "day 28": "change_sd", "week 12": "final_sd"}, None),
    (
        "syn_nrsi_iv2",
        "WHOQOL-BREF",
        ("overall QoL item", "general health item"),
        {"baseline": "final_sd", "week 12": "final_se", "6 months": "baseline_final_r"},
        0.4,
    ),
    ("syn_rct_in3", "AQoL-8D", ("utility",), {"baseline": "final_sd", "week 12": "final_ci"}, None),
    ("syn_rct_iv6", "EQ-5D-5L", ("index",), {"day 28": "change_se", "week 12": "baseline_final"}, None),
    ("syn_rct_iv6", "EQ-VAS", ("VAS",), {"day 28": "change_ci", "week 12": "final_ci"}, None),
    (
        "syn_nrsi_in2",
        "EQ-5D-5L",
        ("index",),
        {"baseline": "final_sd", "week 12": "final_se", "6 months": "final_se"},
        None,
    ),
    (
        "syn_rct_in4",
        "AQoL-8D",
        ("utility",),
        {"baseline": "median_iqr", "day 28": "median_iqr", "week 12": "median_iqr"},
        None,
    ),
    ("syn_rct_in4", "QLDS", ("total",), {"baseline": "final_sd", "day 28": "change_sd", "week 12": "change_sd"}, None),
    (
        "syn_rct_in5",
        "EQ-5D-5L",
        ("index",),
        {"baseline": "final_sd", "week 12": "baseline_final", "6 months": "baseline_final_r"},
        0.55,
    ),
]

#: "Any problem" percentages of the EQ-5D-5L dimensions at day 28: (esketamine, placebo).
ANY_PROBLEM = {
    "mobility": (14.3, 24.1),
    "self-care": (9.8, 19.4),
    "usual activities": (47.3, 66.7),
    "pain/discomfort": (38.4, 52.8),
    "anxiety/depression": (61.6, 83.3),
}

SOURCE_OF = {s["study_id"]: f"{s['study_id']}_report" for s in STUDIES}


def _outcome(
    arm: Arm, instrument: str, subscale: str, timepoint: str, stats: dict[str, object], notes: str | None = None
) -> dict[str, object]:
    return {
        "study_id": arm.study_id,
        "arm_id": arm.arm_id,
        "instrument": instrument,
        "subscale": subscale,
        "timepoint": timepoint,
        **stats,
        "source_id": SOURCE_OF[arm.study_id],
        "evidence_status": "seen",
        "notes": f"{SYNTHETIC}{' ' + notes if notes else ''}",
    }


def build_outcomes(model: Model) -> list[dict[str, object]]:
    """Every planned result of every arm, then the percentages and the results reported only in words."""
    rows: list[dict[str, object]] = []
    for study_id, instrument, subscales, formats, r in PLAN:
        for arm in (a for a in ARMS if a.study_id == study_id):
            for subscale in subscales:
                scale = SCALES[instrument, subscale]
                for timepoint, fmt in formats.items():
                    res = model.arm_result(arm, scale, timepoint, r=r if r is not None else 0.55)
                    rows.append(
                        _outcome(
                            arm,
                            instrument,
                            subscale,
                            timepoint,
                            report(res, scale, fmt),
                            f"Reported as {fmt.replace('_', ' ')}.",
                        )
                    )
    in1 = {a.arm_id: a for a in ARMS if a.study_id == "syn_rct_in1"}
    for dimension, (esk, pbo) in ANY_PROBLEM.items():
        for arm, pct in ((in1["esk"], esk), (in1["pbo"], pbo)):
            rows.append(
                _outcome(
                    arm,
                    "EQ-5D-5L",
                    dimension,
                    "day 28",
                    {"n": arm.n, "pct_with_problem": pct},
                    "Percentage reporting any problem (level 2-5).",
                )
            )
    nrsi_iv, single = ARMS[12], ARMS[15]
    rows.append(
        _outcome(
            nrsi_iv,
            "AQoL-8D",
            "utility",
            "6 months",
            {"direction_reported": "improved"},
            "Reported only as 'utility improved'; no numbers.",
        )
    )
    rows.append(
        _outcome(
            single,
            "SF-36",
            "MCS",
            "week 12",
            {"direction_reported": "improved"},
            "Reported only as 'mental component improved'; no numbers.",
        )
    )
    rows.append(
        _outcome(
            single,
            "SF-36",
            "PCS",
            "week 12",
            {"direction_reported": "no_change"},
            "Reported only as 'no change in the physical component'; no numbers.",
        )
    )
    return rows


def _contrast(
    study_id: str,
    arm_id: str,
    comparator: str,
    instrument: str,
    subscale: str,
    timepoint: str,
    statistic: str,
    estimate: float,
    n: int,
    notes: str,
    **stats: float,
) -> dict[str, object]:
    return {
        "study_id": study_id,
        "arm_id": arm_id,
        "comparator_arm_id": comparator,
        "instrument": instrument,
        "subscale": subscale,
        "timepoint": timepoint,
        "statistic": statistic,
        "estimate": estimate,
        **stats,
        "source_id": SOURCE_OF[study_id],
        "n": n,
        "evidence_status": "seen",
        "notes": f"{SYNTHETIC} {notes}",
    }


CONTRASTS: list[dict[str, object]] = [
    _contrast(
        "syn_rct_in1",
        "esk",
        "pbo",
        "SF-36",
        "MCS",
        "day 28",
        "ls_md",
        4.1,
        220,
        "Least-squares mean difference (MMRM) in change from baseline.",
        ci_low=1.6,
        ci_high=6.6,
        p_value=0.001,
    ),
    _contrast(
        "syn_rct_in2",
        "esk",
        "pbo",
        "QLDS",
        "total",
        "day 28",
        "ls_md",
        -3.4,
        180,
        "Least-squares mean difference (ANCOVA) in change from baseline; lower QLDS = better QoL.",
        ci_low=-5.3,
        ci_high=-1.5,
        p_value=0.0005,
    ),
    _contrast(
        "syn_rct_iv2",
        "ket",
        "mid",
        "MADRS",
        "total",
        "day 28",
        "ls_md",
        -5.2,
        81,
        "Least-squares mean difference (MMRM); SE only.",
        se=1.9,
    ),
    _contrast(
        "syn_rct_in1",
        "esk",
        "pbo",
        "MADRS",
        "response",
        "day 28",
        "rr",
        1.42,
        220,
        "Risk ratio of MADRS response (>= 50% reduction).",
        ci_low=1.12,
        ci_high=1.80,
        p_value=0.004,
    ),
]

# ---------------------------------------------------------------------------------------------------------
# Risk of bias, GRADE, PRISMA, sources, claims
# ---------------------------------------------------------------------------------------------------------

ROB2 = {
    "syn_rct_iv1": ("Low", "Low", "Some concerns", "Low", "Low", "Some concerns"),
    "syn_rct_iv2": ("Low", "Some concerns", "Low", "Low", "Some concerns", "Some concerns"),
    "syn_rct_in1": ("Low", "Low", "Low", "Low", "Low", "Low"),
    "syn_rct_in2": ("Low", "Low", "Low", "Some concerns", "Low", "Some concerns"),
    "syn_rct_iv3": ("Some concerns", "High", "Low", "Some concerns", "Low", "High"),
    "syn_rct_iv4": ("Some concerns", "Some concerns", "Low", "Some concerns", "High", "High"),
    "syn_rct_iv5": ("Low", "Some concerns", "Some concerns", "Low", "Some concerns", "Some concerns"),
    "syn_rct_in3": ("Low", "Low", "Some concerns", "Low", "Low", "Some concerns"),
    "syn_rct_iv6": ("Some concerns", "Low", "Low", "Some concerns", "Low", "Some concerns"),
    "syn_rct_in4": ("Low", "Low", "Low", "Low", "Low", "Low"),
    "syn_rct_in5": ("Low", "Low", "Low", "Low", "Some concerns", "Some concerns"),
}
ROBINS_I = {
    "syn_nrsi_in": ("Moderate", "Low", "Low", "Moderate", "Low", "Moderate", "Low", "Moderate"),
    "syn_nrsi_iv": ("Serious", "Moderate", "Low", "Moderate", "Moderate", "Serious", "Low", "Serious"),
    "syn_nrsi_iv2": ("Serious", "Moderate", "Moderate", "Low", "Moderate", "Moderate", "Low", "Serious"),
    "syn_nrsi_in2": ("Moderate", "Low", "Low", "Low", "Moderate", "Low", "Low", "Moderate"),
}
NOS = {"syn_cohort_iv": {"selection": 3, "comparability": 1, "outcome": 2}}


def build_risk_of_bias() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for tool, table, domains in (
        ("RoB2", ROB2, ("D1", "D2", "D3", "D4", "D5", "overall")),
        ("ROBINS-I", ROBINS_I, ("D1", "D2", "D3", "D4", "D5", "D6", "D7", "overall")),
    ):
        for study_id, judgements in table.items():
            rows.extend(
                {
                    "study_id": study_id,
                    "tool": tool,
                    "domain": domain,
                    "judgement": judgement,
                    "support": f"{SYNTHETIC} Invented judgement.",
                    "source_id": SOURCE_OF[study_id],
                }
                for domain, judgement in zip(domains, judgements, strict=True)
            )
    for study_id, stars in NOS.items():
        rows.extend(
            {
                "study_id": study_id,
                "tool": "NOS",
                "domain": section,
                "judgement": str(n),
                "support": f"{SYNTHETIC} Invented star rating.",
                "source_id": SOURCE_OF[study_id],
            }
            for section, n in stars.items()
        )
    return rows


GRADE: list[dict[str, object]] = [
    *(
        {"outcome": "overall", "grade_domain": d, "downgrade": v, "reason": f"{SYNTHETIC} {why}"}
        for d, v, why in (
            ("risk_of_bias", -1, "Some concerns in most trials."),
            ("inconsistency", 0, "Consistent direction."),
            ("indirectness", 0, "Direct."),
            ("imprecision", 0, "Thirteen studies at week 12; the interval excludes no effect."),
            ("publication_bias", -1, "Funnel asymmetry: the smaller studies report larger effects."),
        )
    ),
    *(
        {"outcome": "psychological", "grade_domain": d, "downgrade": v, "reason": f"{SYNTHETIC} {why}"}
        for d, v, why in (
            ("risk_of_bias", -1, "One trial at high risk."),
            ("inconsistency", -1, "Heterogeneous estimates."),
            ("indirectness", 0, "Direct."),
            ("imprecision", -1, "Few participants."),
            ("publication_bias", 0, "Not suspected."),
        )
    ),
]

PRISMA: list[dict[str, object]] = [
    {"box": "database_results", "n": 1412, "detail": "MEDLINE, 602; Embase, 511; PsycINFO, 299"},
    {"box": "register_results", "n": 64, "detail": "ClinicalTrials.gov, 64"},
    {"box": "duplicates", "n": 388, "detail": None},
    {"box": "records_screened", "n": 1088, "detail": None},
    {"box": "records_excluded", "n": 1023, "detail": None},
    {"box": "dbr_sought_reports", "n": 65, "detail": None},
    {"box": "dbr_notretrieved_reports", "n": 4, "detail": None},
    {"box": "dbr_assessed", "n": 61, "detail": None},
    {
        "box": "dbr_excluded",
        "n": 44,
        "detail": "no QoL outcome, 21; wrong population, 9; wrong design, 8; conference abstract only, 6",
    },
    {"box": "total_studies", "n": 17, "detail": None},
    {"box": "total_reports", "n": 17, "detail": None},
]

_ACCESSED = "2025-01-15"


def build_sources() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = [
        {
            "source_id": "synthetic_review",
            "citation": "SYNTHETIC test review (invented; not a publication)",
            "url": None,
            "quote": None,
            "accessed": _ACCESSED,
        }
    ]
    rows.extend(
        {
            "source_id": SOURCE_OF[s["study_id"]],
            "citation": f"SYNTHETIC report of {s['label']} (invented; not a publication)",
            "url": None,
            "quote": None,
            "accessed": _ACCESSED,
        }
        for s in STUDIES
    )
    return rows


CLAIMS: list[dict[str, object]] = [
    {
        "claim_id": "syn_n_studies",
        "statement": "seventeen studies were included",
        "source_id": "synthetic_review",
        "study_id": None,
        "instrument": None,
        "subscale": None,
        "quantity": "n_studies",
        "claimed_value": 17,
        "value_qualifier": None,
        "claimed_direction": None,
        "notes": SYNTHETIC,
    },
    {
        "claim_id": "syn_single_mcs",
        "statement": "the mental component improved with open-label esketamine",
        "source_id": "synthetic_review",
        "study_id": "syn_single_in",
        "instrument": "SF-36",
        "subscale": "MCS",
        "quantity": "direction",
        "claimed_value": None,
        "value_qualifier": None,
        "claimed_direction": "improved",
        "notes": SYNTHETIC,
    },
    {
        "claim_id": "syn_n_total",
        "statement": "more than 1,000 participants",
        "source_id": "synthetic_review",
        "study_id": None,
        "instrument": None,
        "subscale": None,
        "quantity": "n_total",
        "claimed_value": 1000,
        "value_qualifier": ">",
        "claimed_direction": None,
        "notes": SYNTHETIC,
    },
]


def build_studies() -> list[dict[str, object]]:
    rows = []
    for s in STUDIES:
        arms = [a for a in ARMS if a.study_id == s["study_id"]]
        rows.append(
            {
                **_STUDY_DEFAULTS,
                **s,
                "citation": f"SYNTHETIC: {s['label']} (invented)",
                "doi": None,
                "n_total": sum(a.n for a in arms),
                "source_id": SOURCE_OF[str(s["study_id"])],
                "notes": SYNTHETIC,
            }
        )
    return rows


def build() -> dict[str, list[dict[str, object]]]:
    """Rows of every sheet of the synthetic workbook."""
    model = Model(SEED, small_study_boost())
    return {
        "studies": build_studies(),
        "arms": [
            {
                "study_id": a.study_id,
                "arm_id": a.arm_id,
                "label": a.label,
                "role": a.role,
                "drug": a.drug,
                "route": a.route,
                "dose": a.dose,
                "schedule": a.schedule,
                "n_arm": a.n,
                "source_id": SOURCE_OF[a.study_id],
                "notes": SYNTHETIC,
            }
            for a in ARMS
        ],
        "outcomes": build_outcomes(model),
        "contrasts": CONTRASTS,
        "risk_of_bias": build_risk_of_bias(),
        "prisma": [{**p, "source_id": "synthetic_review"} for p in PRISMA],
        "sources": build_sources(),
        "grade": GRADE,
        "claims": CLAIMS,
    }


def main(path: Path = OUTPUT) -> None:
    """Write the synthetic workbook to ``path``."""
    write_workbook(path, build())


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT)
