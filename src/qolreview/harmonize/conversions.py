"""Conversions of reported statistics into the inputs that the effect sizes need.

Each function is vectorised and returns ``(value, Conversion)``: the converted value(s) and a record
of what was done (name, formula, source, and whether the result is an approximation rather than an
exact algebraic identity), for the analysis log and the report. "Handbook" below is the Cochrane
Handbook for Systematic Reviews of Interventions, version 6.4 (2023), chapter 6.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from qolreview.arrays import FloatArray
from qolreview.harmonize import effect_sizes as es
from qolreview.meta import distributions

#: Below this group size a CI of a mean is taken to be t-based, from this size on z-based (Handbook 6.5.2.2).
T_BASED_BELOW_N = 60


@dataclass(frozen=True)
class Conversion:
    """Record of one conversion applied to reported data."""

    name: str
    formula: str
    source: str
    approximate: bool
    description: str
    """What was done, in plain words, for the report's methods."""


SD_FROM_SE = Conversion(
    "sd_from_se",
    "sd = se * sqrt(n)",
    "Cochrane Handbook 6.5.2.2",
    approximate=False,
    description="SD from a standard error",
)
SD_FROM_CI = Conversion(
    "sd_from_ci",
    "sd = sqrt(n) * (ci_high - ci_low) / (2 * q), q = t(1 - alpha/2, n - 1) if n < 60 else z(1 - alpha/2)",
    "Cochrane Handbook 6.5.2.2",
    approximate=False,
    description="SD from a 95% confidence interval of a mean",
)
MEAN_SD_FROM_MEDIAN_IQR = Conversion(
    "mean_sd_from_median_iqr",
    "mean = (q1 + median + q3) / 3; sd = (q3 - q1) / (2 * Phi^-1((0.75 n - 0.125) / (n + 0.25)))",
    "Wan et al. 2014, BMC Med Res Methodol 14:135, scenario C3 (eqs. 14 and 16); Cochrane Handbook 6.5.2.5",
    approximate=True,
    description="mean and SD from a median and interquartile range",
)
CHANGE_SD = Conversion(
    "change_sd",
    "sd_change = sqrt(sd_baseline^2 + sd_followup^2 - 2 * r * sd_baseline * sd_followup)",
    "Cochrane Handbook 6.5.2.8",
    approximate=False,
    description="SD of the change from baseline and follow-up SDs and a pre-post correlation",
)
CORRELATION_FROM_SDS = Conversion(
    "correlation_from_sds",
    "r = (sd_baseline^2 + sd_followup^2 - sd_change^2) / (2 * sd_baseline * sd_followup)",
    "Cochrane Handbook 6.5.2.8",
    approximate=False,
    description="pre-post correlation from baseline, follow-up and change SDs",
)
SE_FROM_CI = Conversion(
    "se_from_ci",
    "se = (ci_high - ci_low) / (2 * z(1 - alpha/2)), limits log-transformed for ratio measures",
    "Cochrane Handbook 6.3.1 and 6.5.2.3",
    approximate=False,
    description="standard error from a confidence interval",
)
LOG_RATIO = Conversion(
    "log_ratio",
    "yi = ln(ratio); se = (ln(ci_high) - ln(ci_low)) / (2 * z(1 - alpha/2))",
    "Cochrane Handbook 6.3.2 (ratio measures, analysed on the log scale); RevMan generic inverse variance",
    approximate=False,
    description="log ratio and its standard error from a ratio and its confidence interval",
)
SE_FROM_P = Conversion(
    "se_from_p",
    "se = |estimate| / q, q = t(1 - p/2, df) when df is given else z(1 - p/2); estimate log-transformed for ratios",
    "Cochrane Handbook 6.3 and 6.5.2.3",
    approximate=False,
    description="standard error from a p value",
)
POOLED_SD = Conversion(
    "pooled_sd",
    "sd_pooled = sqrt(((n1 - 1) sd1^2 + (n2 - 1) sd2^2) / (n1 + n2 - 2))",
    "Cochrane Handbook 6.5.1.2",
    approximate=False,
    description="pooled SD of two groups",
)
"""The record of :func:`qolreview.harmonize.effect_sizes.pooled_sd` (computed there, recorded with this)."""
MD_TO_SMD = Conversion(
    "md_to_smd",
    "g = J(n1 + n2 - 2) * md / sd_pooled; vi = 1/n1 + 1/n2 + g^2 / (2 (n1 + n2))",
    "Hedges 1981; Cochrane Handbook 6.5.1.2; metafor escalc SMD (vtype LS)",
    approximate=False,
    description="standardised mean difference from a mean difference and the pooled SD",
)
MD_SE_TO_SMD = Conversion(
    "md_se_to_smd",
    "sd_pooled = se_md / sqrt(1/n1 + 1/n2); g = J(n1 + n2 - 2) * md / sd_pooled; "
    "vi = 1/n1 + 1/n2 + g^2 / (2 (n1 + n2))",
    "Cochrane Handbook 6.5.2.3 (equal-SD assumption); Hedges 1981; metafor escalc SMD (vtype LS)",
    approximate=False,
    description="standardised mean difference from a mean difference and its standard error",
)
PCT_CHANGE = Conversion(
    "pct_change",
    "pct = 100 * (followup_mean - baseline_mean) / baseline_mean",
    "descriptive relative change of group means",
    approximate=False,
    description="percent change from baseline and follow-up means",
)
PROPORTION_TO_COUNT = Conversion(
    "proportion_to_count",
    "events = floor(pct / 100 * n + 0.5) (halves round up); residual = pct - 100 * events / n",
    "Cochrane Handbook 6.4.2 (dichotomous data from reported percentages)",
    approximate=True,
    description="event counts from reported percentages",
)


def _floats(*values: ArrayLike) -> list[FloatArray]:
    return [np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(*values)]


def sd_from_se(se: ArrayLike, n: ArrayLike) -> tuple[FloatArray, Conversion]:
    """SD of a group mean from its standard error: se·√n (Handbook 6.5.2.2)."""
    s, k = _floats(se, n)
    return s * np.sqrt(k), SD_FROM_SE


def sd_from_ci(
    ci_low: ArrayLike, ci_high: ArrayLike, n: ArrayLike, level: ArrayLike = 0.95
) -> tuple[FloatArray, Conversion]:
    """SD of a group mean from its confidence interval (Handbook 6.5.2.2).

    The interval width is 2·q standard errors, with q the t quantile on n - 1 degrees of freedom for
    n < 60 and the normal quantile otherwise (3.92 = 2 × 1.96 for a 95% interval).
    """
    lo, hi, k, lv = _floats(ci_low, ci_high, n, level)
    upper = 1 - (1 - lv) / 2
    with np.errstate(invalid="ignore"):
        q = np.where(k < T_BASED_BELOW_N, distributions.t.ppf(upper, k - 1), distributions.norm.ppf(upper))
    return np.sqrt(k) * (hi - lo) / (2 * q), SD_FROM_CI


def wan_eta(n: ArrayLike) -> FloatArray:
    """Expected IQR of n standard-normal draws, η(n) = 2·Φ⁻¹((0.75n - 0.125)/(n + 0.25)) (Wan et al. 2014, eq. 16)."""
    k = np.asarray(n, dtype=np.float64)
    return np.asarray(2 * distributions.norm.ppf((0.75 * k - 0.125) / (k + 0.25)), dtype=np.float64)


def mean_sd_from_median_iqr(
    median: ArrayLike, q1: ArrayLike, q3: ArrayLike, n: ArrayLike
) -> tuple[tuple[FloatArray, FloatArray], Conversion]:
    """Mean and SD from median and quartiles, Wan et al. 2014 scenario C3 (assumes normality).

    mean ≈ (q1 + median + q3)/3 (eq. 14), sd ≈ (q3 - q1)/η(n) (eq. 16, :func:`wan_eta`); η(n) tends
    to the 1.35 of Handbook 6.5.2.5 as n grows.
    """
    m, a, b, k = _floats(median, q1, q3, n)
    return ((a + m + b) / 3, (b - a) / wan_eta(k)), MEAN_SD_FROM_MEDIAN_IQR


def change_sd(sd_baseline: ArrayLike, sd_followup: ArrayLike, r: ArrayLike) -> tuple[FloatArray, Conversion]:
    """SD of change from baseline given the baseline-follow-up correlation r (Handbook 6.5.2.8)."""
    return es.change_sd_from_r(sd_followup, sd_baseline, r), CHANGE_SD


def correlation_from_sds(
    sd_baseline: ArrayLike, sd_followup: ArrayLike, sd_change: ArrayLike
) -> tuple[FloatArray, Conversion]:
    """Baseline-follow-up correlation implied by the three SDs of one study (Handbook 6.5.2.8)."""
    sb, sf, sc = _floats(sd_baseline, sd_followup, sd_change)
    return (sb**2 + sf**2 - sc**2) / (2 * sb * sf), CORRELATION_FROM_SDS


def se_from_ci(
    ci_low: ArrayLike, ci_high: ArrayLike, level: ArrayLike = 0.95, log_scale: bool = False
) -> tuple[FloatArray, Conversion]:
    """SE of a reported contrast from its CI (Handbook 6.3.1; 6.5.2.3); ratios on the log scale."""
    return es.ci_to_se(ci_low, ci_high, level, log_scale), SE_FROM_CI


def se_from_p(
    estimate: ArrayLike, p: ArrayLike, df: ArrayLike | None = None, log_scale: bool = False
) -> tuple[FloatArray, Conversion]:
    """SE of a contrast from its two-sided P value: |estimate|/q (Handbook 6.3, 6.5.2.3).

    q is the t quantile on ``df`` degrees of freedom when ``df`` is given (t test of a mean
    difference, df = n1 + n2 - 2), else the normal quantile. Ratios: give the ratio and
    ``log_scale=True``; the SE is that of its logarithm.
    """
    est, prob = _floats(estimate, p)
    if np.any((prob <= 0) | (prob >= 1)):
        raise ValueError("P values must lie in (0, 1)")
    if log_scale:
        est = np.log(est)
    q = (
        distributions.norm.isf(prob / 2)
        if df is None
        else distributions.t.isf(prob / 2, np.asarray(df, dtype=np.float64))
    )
    return np.abs(est) / q, SE_FROM_P


def md_to_smd(
    md: ArrayLike,
    se_md: ArrayLike | None,
    pooled_sd: ArrayLike | None,
    n1: ArrayLike,
    n2: ArrayLike,
) -> tuple[tuple[FloatArray, FloatArray], Conversion]:
    """Hedges' g and its variance from a mean difference and the pooled SD.

    When ``pooled_sd`` is None it is recovered from the SE of the mean difference,
    sd_pooled = se_md/√(1/n1 + 1/n2) (Handbook 6.5.2.3; assumes equal SDs and an SE computed with
    the pooled SD). g = J(n1+n2-2)·md/sd_pooled and vi = 1/n1 + 1/n2 + g²/(2(n1+n2)): the same
    estimator and variance as :func:`qolreview.harmonize.effect_sizes.smd` (metafor's default), so that a
    study entering through this route gets the same (yi, vi) as one reporting group means and SDs.
    """
    if pooled_sd is None:
        if se_md is None:
            raise ValueError("give pooled_sd, or se_md to recover it")
        d, s, k1, k2 = _floats(md, se_md, n1, n2)
        sd, record = s / np.sqrt(1 / k1 + 1 / k2), MD_SE_TO_SMD
    else:
        d, sd, k1, k2 = _floats(md, pooled_sd, n1, n2)
        record = MD_TO_SMD
    with np.errstate(invalid="ignore", divide="ignore"):
        g = es.hedges_correction(k1 + k2 - 2) * d / sd
    return (g, es.smd_variance(g, k1, k2)), record


def pct_change(baseline_mean: ArrayLike, followup_mean: ArrayLike) -> tuple[FloatArray, Conversion]:
    """Relative change of a mean in percent, 100·(follow-up - baseline)/baseline (descriptive only)."""
    b, f = _floats(baseline_mean, followup_mean)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 100 * (f - b) / b, PCT_CHANGE


def proportion_to_count(pct: ArrayLike, n: ArrayLike) -> tuple[tuple[FloatArray, FloatArray], Conversion]:
    """Event count from a reported percentage, rounded to the nearest integer, halves up.

    Returns (events, residual) with residual = pct - 100·events/n in percentage points: a residual
    larger than the rounding of the reported percentage flags a percentage of a different
    denominator. Halves round up (not to even) because counts are non-negative and a reported
    x.5 event count has no preferred parity.
    """
    p, k = _floats(pct, n)
    if np.any((p < 0) | (p > 100)):
        raise ValueError("percentages must lie in [0, 100]")
    # Round the product to 9 decimals first so that binary noise cannot move an exact half.
    events = np.floor(np.round(p * k / 100, 9) + 0.5)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (events, p - 100 * events / k), PROPORTION_TO_COUNT
