"""Study-level effect sizes and their sampling variances, as computed by metafor's ``escalc``.

Every function takes array-likes (broadcast against each other) and returns ``(yi, vi)`` as float64
arrays, with the definitions and default variance estimators of ``metafor::escalc`` 3.8
(Viechtbauer 2010, J Stat Softw 36(3); https://wviechtb.github.io/metafor/reference/escalc.html).
Orientation follows metafor: group 1 minus group 2, follow-up minus baseline. As in ``escalc``, a
result that is infinite or undefined (for example a zero SD, or too few participants for the bias
correction) is returned as NaN in both ``yi`` and ``vi``, and a negative variance as NaN.

Invalid inputs (negative counts, SDs or sample sizes, more events than participants, a correlation
outside [-1, 1]) raise ``ValueError``, as ``escalc`` stops on them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from qolreview.arrays import FloatArray
from qolreview.meta import distributions

EffectSize = tuple[FloatArray, FloatArray]

#: Constant added to every cell of a 2x2 table that has a zero cell (``escalc`` ``add = 1/2``,
#: ``to = "only0"``; Cochrane Handbook 10.4.4.1).
ZERO_CELL_ADD = 0.5


def _floats(*values: ArrayLike) -> list[FloatArray]:
    """The values as float64 arrays of their common shape (the harmonize stage calls these functions once per
    row, so the scalar case skips the broadcast)."""
    arrays = [np.asarray(v, dtype=np.float64) for v in values]
    if all(a.shape == arrays[0].shape for a in arrays):
        return arrays
    return [np.asarray(a) for a in np.broadcast_arrays(*arrays)]


def _require(condition: NDArray[np.bool_], message: str) -> None:
    if condition.any():
        raise ValueError(message)


def _check_nonnegative(message: str, *values: FloatArray) -> None:
    for value in values:
        _require(value < 0, message)


def _finish(yi: FloatArray, vi: FloatArray) -> EffectSize:
    """Recode as ``escalc`` does: +-Inf or NaN in yi or vi -> NaN in both; negative vi -> NaN."""
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(yi) | ~np.isfinite(vi)
        yi = np.where(bad, np.nan, yi)
        vi = np.where(bad | (vi < 0), np.nan, vi)
    return yi.astype(np.float64), vi.astype(np.float64)


def hedges_correction(df: ArrayLike) -> FloatArray:
    """Exact small-sample bias correction J(m) = Γ(m/2) / (√(m/2) Γ((m-1)/2)) (NaN for m <= 1).

    Hedges 1981 (J Educ Stat 6:107-128), eq. 6b; metafor's ``.cmicalc``.

    Parameters
    ----------
    df : array_like
        m = n1 + n2 - 2 for two groups, m = n - 1 for a single group measured twice.

    Returns
    -------
    numpy.ndarray
        J(m), NaN where m <= 1.

    References
    ----------
    Hedges (1981), eq. 6b :cite:`hedges1981`
    metafor 3.8 :cite:`metafor`
    """
    m = np.asarray(df, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        j = np.exp(special.gammaln(m / 2) - np.log(np.sqrt(m / 2)) - special.gammaln((m - 1) / 2))
    return np.where(m > 1, j, np.nan)


def pooled_sd(sd1: ArrayLike, n1: ArrayLike, sd2: ArrayLike, n2: ArrayLike) -> FloatArray:
    """Pooled within-group SD √(((n1-1)sd1² + (n2-1)sd2²)/(n1+n2-2)) (Cochrane Handbook 6.5.1.2).

    Parameters
    ----------
    sd1, n1, sd2, n2 : array_like
        SD and size of each group (broadcast against each other).

    Returns
    -------
    numpy.ndarray
        The pooled SD (inputs are not checked; NaN or inf where undefined).

    References
    ----------
    Cochrane Handbook 6.5.1.2 :cite:`cochrane2023`
    """
    s1, k1, s2, k2 = _floats(sd1, n1, sd2, n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(((k1 - 1) * s1**2 + (k2 - 1) * s2**2) / (k1 + k2 - 2))


def smd_variance(g: ArrayLike, n1: ArrayLike, n2: ArrayLike) -> FloatArray:
    """Large-sample variance of Hedges' g: 1/n1 + 1/n2 + g²/(2(n1+n2)).

    Hedges 1981 eq. 8 with g plugged in; ``escalc`` SMD ``vtype = "LS"`` (its default); Borenstein
    et al. 2009, Introduction to Meta-Analysis, eq. 4.20 uses n1+n2 in the last denominator too.

    Parameters
    ----------
    g : array_like
        Hedges' g.
    n1, n2 : array_like
        Group sizes.

    Returns
    -------
    numpy.ndarray
        The variance (inputs are not checked).

    References
    ----------
    Hedges (1981), eq. 8 :cite:`hedges1981`
    Borenstein et al. (2009), eq. 4.20 :cite:`borenstein2009`
    metafor 3.8 ``escalc`` :cite:`metafor`
    """
    y, k1, k2 = _floats(g, n1, n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1 / k1 + 1 / k2 + y**2 / (2 * (k1 + k2))


def md(m1: ArrayLike, sd1: ArrayLike, n1: ArrayLike, m2: ArrayLike, sd2: ArrayLike, n2: ArrayLike) -> EffectSize:
    """Raw mean difference m1 - m2 with variance sd1²/n1 + sd2²/n2.

    ``escalc`` MD with its default ``vtype = "LS"`` (no homoscedasticity assumed); Cochrane Handbook
    6.5.1.1; Borenstein et al. 2009, eq. 4.5.

    Parameters
    ----------
    m1, sd1, n1 : array_like
        Mean, SD and size of group 1.
    m2, sd2, n2 : array_like
        Mean, SD and size of group 2.

    Returns
    -------
    yi, vi : numpy.ndarray
        Effect sizes and sampling variances (float64, broadcast shape); NaN in both where undefined,
        NaN ``vi`` where negative.

    Raises
    ------
    ValueError
        If an SD or a sample size is negative.

    References
    ----------
    metafor 3.8 ``escalc`` :cite:`metafor`
    Cochrane Handbook 6.5.1.1 :cite:`cochrane2023`
    Borenstein et al. (2009), eq. 4.5 :cite:`borenstein2009`
    """
    a1, s1, k1, a2, s2, k2 = _floats(m1, sd1, n1, m2, sd2, n2)
    _check_nonnegative("standard deviations and sample sizes must be >= 0", s1, s2, k1, k2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _finish(a1 - a2, s1**2 / k1 + s2**2 / k2)


def smd(m1: ArrayLike, sd1: ArrayLike, n1: ArrayLike, m2: ArrayLike, sd2: ArrayLike, n2: ArrayLike) -> EffectSize:
    """Hedges' g: J(n1+n2-2)·(m1 - m2)/sd_pooled, variance by :func:`smd_variance`.

    ``escalc`` SMD (exact bias correction, ``vtype = "LS"``); Hedges 1981; Cochrane Handbook 6.5.1.2.
    NaN when n1 + n2 <= 3 (J undefined) or the pooled SD is 0.

    Parameters
    ----------
    m1, sd1, n1 : array_like
        Mean, SD and size of group 1.
    m2, sd2, n2 : array_like
        Mean, SD and size of group 2.

    Returns
    -------
    yi, vi : numpy.ndarray
        Effect sizes and sampling variances (float64, broadcast shape); NaN in both where undefined,
        NaN ``vi`` where negative.

    Raises
    ------
    ValueError
        If an SD or a sample size is negative.

    References
    ----------
    Hedges (1981) :cite:`hedges1981`
    metafor 3.8 ``escalc`` :cite:`metafor`
    Cochrane Handbook 6.5.1.2 :cite:`cochrane2023`
    """
    a1, s1, k1, a2, s2, k2 = _floats(m1, sd1, n1, m2, sd2, n2)
    _check_nonnegative("standard deviations and sample sizes must be >= 0", s1, s2, k1, k2)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = hedges_correction(k1 + k2 - 2) * (a1 - a2) / pooled_sd(s1, k1, s2, k2)
    return _finish(g, smd_variance(g, k1, k2))


def _pre_post(n: ArrayLike, r: ArrayLike, *values: ArrayLike) -> list[FloatArray]:
    arrays = _floats(n, r, *values)
    _check_nonnegative("sample sizes must be >= 0", arrays[0])
    _require(np.abs(arrays[1]) > 1, "correlations must lie in [-1, 1]")
    return arrays


def change_sd_from_r(sd_post: ArrayLike, sd_pre: ArrayLike, r: ArrayLike) -> FloatArray:
    """SD of the change score √(sd_post² + sd_pre² - 2·r·sd_post·sd_pre) (Cochrane Handbook 6.5.2.8).

    Parameters
    ----------
    sd_post, sd_pre : array_like
        SDs at follow-up and at baseline.
    r : array_like
        Correlation between baseline and follow-up.

    Returns
    -------
    numpy.ndarray
        The SD of change (inputs are not checked; NaN where the radicand is negative).

    References
    ----------
    Cochrane Handbook 6.5.2.8 :cite:`cochrane2023`
    """
    s1, s2, rho = _floats(sd_post, sd_pre, r)
    with np.errstate(invalid="ignore"):
        return np.sqrt(s1**2 + s2**2 - 2 * rho * s1 * s2)


def mc(
    m_post: ArrayLike, m_pre: ArrayLike, sd_post: ArrayLike, sd_pre: ArrayLike, n: ArrayLike, r: ArrayLike
) -> EffectSize:
    """Raw mean change m_post - m_pre with variance sd_change²/n.

    ``escalc`` MC (m1i = follow-up, m2i = baseline); Morris & DeShon 2002 (Psychol Methods 7:105-125);
    change SD by :func:`change_sd_from_r` (Cochrane Handbook 6.5.2.8).

    Parameters
    ----------
    m_post, m_pre : array_like
        Means at follow-up and at baseline.
    sd_post, sd_pre : array_like
        SDs at follow-up and at baseline.
    n : array_like
        Number of participants.
    r : array_like
        Correlation between baseline and follow-up, in [-1, 1].

    Returns
    -------
    yi, vi : numpy.ndarray
        Effect sizes and sampling variances (float64, broadcast shape); NaN in both where undefined,
        NaN ``vi`` where negative.

    Raises
    ------
    ValueError
        If a sample size or an SD is negative, or a correlation lies outside [-1, 1].

    References
    ----------
    metafor 3.8 ``escalc`` :cite:`metafor`
    Morris & DeShon (2002) :cite:`morris2002`
    Cochrane Handbook 6.5.2.8 :cite:`cochrane2023`
    """
    k, rho, a1, a2, s1, s2 = _pre_post(n, r, m_post, m_pre, sd_post, sd_pre)
    _check_nonnegative("standard deviations must be >= 0", s1, s2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _finish(a1 - a2, change_sd_from_r(s1, s2, rho) ** 2 / k)


def smcc(
    m_post: ArrayLike, m_pre: ArrayLike, sd_post: ArrayLike, sd_pre: ArrayLike, n: ArrayLike, r: ArrayLike
) -> EffectSize:
    """Standardised mean change by the change-score SD, J(n-1)·(m_post - m_pre)/sd_change.

    Variance 1/n + yi²/(2n) (``escalc`` SMCC; Gibbons et al. 1993, Morris & DeShon 2002 eq. 13 in
    its large-sample form). NaN when n <= 2 or the change SD is 0.

    Parameters
    ----------
    m_post, m_pre : array_like
        Means at follow-up and at baseline.
    sd_post, sd_pre : array_like
        SDs at follow-up and at baseline.
    n : array_like
        Number of participants.
    r : array_like
        Correlation between baseline and follow-up, in [-1, 1].

    Returns
    -------
    yi, vi : numpy.ndarray
        Effect sizes and sampling variances (float64, broadcast shape); NaN in both where undefined,
        NaN ``vi`` where negative.

    Raises
    ------
    ValueError
        If a sample size or an SD is negative, or a correlation lies outside [-1, 1].

    References
    ----------
    metafor 3.8 ``escalc`` :cite:`metafor`
    Gibbons et al. (1993) :cite:`gibbons1993`
    Morris & DeShon (2002), eq. 13 :cite:`morris2002`
    Hedges (1981) :cite:`hedges1981`
    """
    k, rho, a1, a2, s1, s2 = _pre_post(n, r, m_post, m_pre, sd_post, sd_pre)
    _check_nonnegative("standard deviations must be >= 0", s1, s2)
    with np.errstate(invalid="ignore", divide="ignore"):
        yi = hedges_correction(k - 1) * (a1 - a2) / change_sd_from_r(s1, s2, rho)
        return _finish(yi, 1 / k + yi**2 / (2 * k))


def smcr(m_post: ArrayLike, m_pre: ArrayLike, sd_pre: ArrayLike, n: ArrayLike, r: ArrayLike) -> EffectSize:
    """Standardised mean change by the baseline SD (raw-score standardisation), J(n-1)·(m_post - m_pre)/sd_pre.

    Variance 2(1-r)/n + yi²/(2n): Becker 1988 (Br J Math Stat Psychol 41:257-278) as used by Morris
    2008 (Organ Res Methods 11:364-386) and ``escalc`` SMCR. NaN when n <= 2 or sd_pre is 0.

    Parameters
    ----------
    m_post, m_pre : array_like
        Means at follow-up and at baseline.
    sd_pre : array_like
        SD at baseline.
    n : array_like
        Number of participants.
    r : array_like
        Correlation between baseline and follow-up, in [-1, 1].

    Returns
    -------
    yi, vi : numpy.ndarray
        Effect sizes and sampling variances (float64, broadcast shape); NaN in both where undefined,
        NaN ``vi`` where negative.

    Raises
    ------
    ValueError
        If a sample size or the SD is negative, or a correlation lies outside [-1, 1].

    References
    ----------
    Becker (1988) :cite:`becker1988`
    Morris (2008) :cite:`morris2008`
    metafor 3.8 ``escalc`` :cite:`metafor`
    Hedges (1981) :cite:`hedges1981`
    """
    k, rho, a1, a2, s_pre = _pre_post(n, r, m_post, m_pre, sd_pre)
    _check_nonnegative("standard deviations must be >= 0", s_pre)
    with np.errstate(invalid="ignore", divide="ignore"):
        yi = hedges_correction(k - 1) * (a1 - a2) / s_pre
        return _finish(yi, 2 * (1 - rho) / k + yi**2 / (2 * k))


def _two_by_two(
    ai: ArrayLike, n1: ArrayLike, ci: ArrayLike, n2: ArrayLike, add: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Cells a, b, c, d with ``add`` added to all four cells of tables that have a zero cell.

    ``escalc`` defaults ``add = 1/2``, ``to = "only0"``, ``drop00 = FALSE``: tables with no zero cell
    are left alone, and double-zero tables are kept (and corrected). Cochrane Handbook 10.4.4.1.
    """
    a, k1, c, k2 = _floats(ai, n1, ci, n2)
    b, d = k1 - a, k2 - c
    _check_nonnegative("counts and group sizes must be >= 0", a, c, k1, k2)
    _require((b < 0) | (d < 0), "event counts must not exceed group sizes")
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    shift = np.where(zero, add, 0.0)
    return a + shift, b + shift, c + shift, d + shift


def log_rr(ai: ArrayLike, n1: ArrayLike, ci: ArrayLike, n2: ArrayLike, add: float = ZERO_CELL_ADD) -> EffectSize:
    """Log risk ratio log(a/n1) - log(c/n2), variance 1/a - 1/n1 + 1/c - 1/n2.

    ``escalc`` RR; Cochrane Handbook 6.4.1.2 and Box 6.4.a; Borenstein et al. 2009, eq. 5.3. n1 and n2 are
    recomputed from the corrected cells.

    Parameters
    ----------
    ai, n1 : array_like
        Events and participants in group 1.
    ci, n2 : array_like
        Events and participants in group 2.
    add : float, default :data:`ZERO_CELL_ADD`
        Added to all four cells of a table that has a zero cell (0 disables the correction).

    Returns
    -------
    yi, vi : numpy.ndarray
        Effect sizes and sampling variances (float64, broadcast shape); NaN in both where undefined,
        NaN ``vi`` where negative.

    Raises
    ------
    ValueError
        If a count or a group size is negative, or events exceed the group size.

    References
    ----------
    metafor 3.8 ``escalc`` :cite:`metafor`
    Cochrane Handbook 6.4.1.2, Box 6.4.a, 10.4.4.1 :cite:`cochrane2023`
    Borenstein et al. (2009), eq. 5.3 :cite:`borenstein2009`
    """
    a, b, c, d = _two_by_two(ai, n1, ci, n2, add)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _finish(np.log(a / (a + b)) - np.log(c / (c + d)), 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))


def log_or(ai: ArrayLike, n1: ArrayLike, ci: ArrayLike, n2: ArrayLike, add: float = ZERO_CELL_ADD) -> EffectSize:
    """Log odds ratio log(ad/bc), Woolf variance 1/a + 1/b + 1/c + 1/d.

    ``escalc`` OR; Cochrane Handbook 6.4.1.2 and Box 6.4.a; Borenstein et al. 2009, eq. 5.9.

    Parameters
    ----------
    ai, n1 : array_like
        Events and participants in group 1.
    ci, n2 : array_like
        Events and participants in group 2.
    add : float, default :data:`ZERO_CELL_ADD`
        Added to all four cells of a table that has a zero cell (0 disables the correction).

    Returns
    -------
    yi, vi : numpy.ndarray
        Effect sizes and sampling variances (float64, broadcast shape); NaN in both where undefined,
        NaN ``vi`` where negative.

    Raises
    ------
    ValueError
        If a count or a group size is negative, or events exceed the group size.

    References
    ----------
    metafor 3.8 ``escalc`` :cite:`metafor`
    Cochrane Handbook 6.4.1.2, Box 6.4.a, 10.4.4.1 :cite:`cochrane2023`
    Borenstein et al. (2009), eq. 5.9 :cite:`borenstein2009`
    """
    a, b, c, d = _two_by_two(ai, n1, ci, n2, add)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _finish(np.log(a / b) - np.log(c / d), 1 / a + 1 / b + 1 / c + 1 / d)


def rd(ai: ArrayLike, n1: ArrayLike, ci: ArrayLike, n2: ArrayLike, add: float = ZERO_CELL_ADD) -> EffectSize:
    """Risk difference p1 - p2, variance p1(1-p1)/n1 + p2(1-p2)/n2.

    ``escalc`` RD with ``vtype = "LS"``; as in ``escalc`` 3.8 the zero-cell correction is applied
    here too. Cochrane Handbook 6.4.1.4 and Box 6.4.a.

    Parameters
    ----------
    ai, n1 : array_like
        Events and participants in group 1.
    ci, n2 : array_like
        Events and participants in group 2.
    add : float, default :data:`ZERO_CELL_ADD`
        Added to all four cells of a table that has a zero cell (0 disables the correction).

    Returns
    -------
    yi, vi : numpy.ndarray
        Effect sizes and sampling variances (float64, broadcast shape); NaN in both where undefined,
        NaN ``vi`` where negative.

    Raises
    ------
    ValueError
        If a count or a group size is negative, or events exceed the group size.

    References
    ----------
    metafor 3.8 ``escalc`` :cite:`metafor`
    Cochrane Handbook 6.4.1.4, Box 6.4.a :cite:`cochrane2023`
    """
    a, b, c, d = _two_by_two(ai, n1, ci, n2, add)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = a / (a + b), c / (c + d)
        return _finish(p1 - p2, p1 * (1 - p1) / (a + b) + p2 * (1 - p2) / (c + d))


def critical_z(level: ArrayLike) -> FloatArray:
    """Two-sided normal quantile z_{1-α/2} for a confidence level 1 - α (1.959964 for 0.95).

    Parameters
    ----------
    level : array_like
        Confidence level 1 - α, in (0, 1).

    Returns
    -------
    numpy.ndarray
        z_{1-α/2}.

    Raises
    ------
    ValueError
        If a level is not strictly between 0 and 1.

    References
    ----------
    Cochrane Handbook 6.5.2.3 :cite:`cochrane2023`
    """
    lv = np.asarray(level, dtype=np.float64)
    _require((lv <= 0) | (lv >= 1), "confidence level must lie in (0, 1)")
    return np.asarray(distributions.norm.ppf(1 - (1 - lv) / 2), dtype=np.float64)


def ci_to_se(ci_low: ArrayLike, ci_high: ArrayLike, level: ArrayLike = 0.95, log_scale: bool = False) -> FloatArray:
    """SE of a contrast from its normal-theory CI: (hi - lo)/(2·z_{1-α/2}), on the log scale for ratios.

    Cochrane Handbook 6.3.1 (ratio measures: logs of the limits) and 6.5.2.3 (large samples).

    Parameters
    ----------
    ci_low, ci_high : array_like
        Confidence limits.
    level : array_like, default 0.95
        Confidence level of the interval.
    log_scale : bool, default False
        The limits are of a ratio: the SE is that of its logarithm.

    Returns
    -------
    numpy.ndarray
        The standard error.

    Raises
    ------
    ValueError
        If ``ci_high`` is below ``ci_low``, a ratio limit is <= 0 (with ``log_scale``), or a level is not
        strictly between 0 and 1.

    References
    ----------
    Cochrane Handbook 6.3.1, 6.5.2.3 :cite:`cochrane2023`
    """
    lo, hi, lv = _floats(ci_low, ci_high, level)
    if log_scale:
        _require((lo <= 0) | (hi <= 0), "ratio confidence limits must be > 0")
        lo, hi = np.log(lo), np.log(hi)
    _require(hi < lo, "ci_high must not be below ci_low")
    return (hi - lo) / (2 * critical_z(lv))


def gen(
    estimate: ArrayLike,
    se: ArrayLike | None = None,
    ci_low: ArrayLike | None = None,
    ci_high: ArrayLike | None = None,
    level: ArrayLike = 0.95,
    log_scale: bool = False,
) -> EffectSize:
    """An effect reported directly (``escalc`` GEN): yi = estimate, vi = se².

    With ``log_scale`` (ratios such as RR, OR, HR) yi = log(estimate), and ``se`` must already be the
    SE of the log ratio. Where ``se`` is missing (None or NaN), it is derived from the confidence
    interval by :func:`ci_to_se` (Cochrane Handbook 6.3.1, 6.5.2.3).

    Parameters
    ----------
    estimate : array_like
        The reported effect (a ratio itself, not its log, with ``log_scale``).
    se : array_like, optional
        Its standard error (of the log ratio with ``log_scale``); None or NaN where not reported.
    ci_low, ci_high : array_like, optional
        Confidence limits, used where ``se`` is missing.
    level : array_like, default 0.95
        Confidence level of the limits.
    log_scale : bool, default False
        The effect is a ratio, analysed on the log scale.

    Returns
    -------
    yi, vi : numpy.ndarray
        Effect sizes and sampling variances (float64, broadcast shape); NaN in both where undefined,
        NaN ``vi`` where negative.

    Raises
    ------
    ValueError
        If neither ``se`` nor both limits are given, an SE is negative, a ratio estimate is <= 0, or the
        limits are invalid (see :func:`ci_to_se`).

    References
    ----------
    metafor 3.8 ``escalc`` :cite:`metafor`
    Cochrane Handbook 6.3.1, 6.5.2.3 :cite:`cochrane2023`
    """
    est = np.asarray(estimate, dtype=np.float64)
    if log_scale:
        _require(est <= 0, "ratio estimates must be > 0")
        est = np.log(est)
    if se is None and (ci_low is None or ci_high is None):
        raise ValueError("give se, or both ci_low and ci_high")
    given = np.full(est.shape, np.nan) if se is None else np.asarray(se, dtype=np.float64)
    _check_nonnegative("standard errors must be >= 0", given)
    if ci_low is not None and ci_high is not None:
        from_ci = ci_to_se(ci_low, ci_high, level, log_scale)
        given = np.where(np.isnan(given), from_ci, given)
    est, given = _floats(est, given)
    return _finish(est, given**2)
