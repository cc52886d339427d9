"""Small-study effects: the rank correlation test and trim-and-fill, identical to R's metafor 3.8.

- :func:`rank_correlation_test` is metafor's ``ranktest()`` (Begg & Mazumdar 1994): Kendall's tau-b
  between the standardised deviates ``(yi - theta) / sqrt(vi - 1/sum(wi))`` (``theta`` the
  equal-effects mean, ``wi = 1/vi``) and ``vi``, with the p-value of R's
  ``cor.test(method = "kendall", exact = TRUE)``: the exact permutation distribution of Kendall's
  statistic when there are no ties, the normal approximation with the tie-corrected variance otherwise.
- :func:`trim_and_fill` is metafor's ``trimfill()`` (Duval & Tweedie 2000): the side to trim is
  chosen from the sign of the slope of ``rma.uni(yi, vi, mods = sqrt(vi), method)`` (a negative slope
  means the missing studies are on the right), the trimmed data are refitted until the estimated number
  of missing studies ``k0`` (``L0`` by default, rounded) no longer changes, and the reflected studies are
  added to the data for the final fit.

metafor's ``trimfill()`` passes no ``control`` to the models it fits, so those use ``rma.uni()``'s
defaults (Fisher scoring threshold 1e-5, at most 100 iterations; :data:`RMA_DEFAULT_THRESHOLD`,
:data:`RMA_DEFAULT_MAXITER`); they are reproduced here so that the results agree with metafor.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from qolreview.arrays import FloatArray
from qolreview.meta import distributions
from qolreview.meta.fit import random_effects
from qolreview.meta.regression import design_matrix, meta_regression
from qolreview.meta.results import ConvergenceError, RandomEffectsResult
from qolreview.meta.validation import validate_effects, validate_params

#: ``rma.uni()``'s default ``control$threshold``, used by the fits inside metafor's ``trimfill()``.
RMA_DEFAULT_THRESHOLD = 1e-5
#: ``rma.uni()``'s default ``control$maxiter`` (Fisher scoring and ``uniroot()``).
RMA_DEFAULT_MAXITER = 100
#: Iteration limit of the trim-and-fill algorithm (metafor's ``trimfill(maxiter = 100)``).
TRIMFILL_MAXITER = 100
#: Estimators of the number of missing studies (metafor's ``trimfill(estimator =)``).
K0_ESTIMATORS = ("L0", "R0", "Q0")
#: Largest k with an exact p-value: beyond it R's ``gamma(k + 1)`` overflows and ``cor.test`` returns NaN.
EXACT_KENDALL_MAX_K = 170


@dataclass(frozen=True)
class RankCorrelationTest:
    """Begg and Mazumdar's rank correlation test for funnel plot asymmetry.

    Attributes
    ----------
    tau : float
        Kendall's tau-b between the standardised deviates and the sampling variances (NaN when either
        is constant, e.g. all ``vi`` equal; metafor then reports ``NA``).
    pval : float
        Two-sided p-value (NaN when ``tau`` is).
    k : int
        Number of studies.

    References
    ----------
    Begg & Mazumdar (1994) :cite:`begg1994`
    metafor 3.8 :cite:`metafor`
    """

    tau: float
    pval: float
    k: int


@dataclass(frozen=True)
class TrimAndFill:
    """Result of the trim-and-fill method, field names as in metafor's ``trimfill()`` object.

    Attributes
    ----------
    k0 : int
        Estimated number of missing studies.
    side : {"left", "right"}
        Side of the funnel plot on which studies were estimated to be missing.
    se_k0 : float
        Standard error of the (unrounded) ``k0`` estimate of the last iteration.
    estimate, se, ci_lb, ci_ub : float
        Pooled estimate of the observed and filled studies, its standard error and 95% CI (normal
        theory, ``test="z"``); with ``k0 == 0`` those of the model fitted to the observed studies.
    tau2 : float
        tau² of that model.
    k : int
        Number of studies after filling (observed plus ``k0``).
    filled_yi, filled_vi : numpy.ndarray
        Effect sizes and sampling variances of the ``k0`` filled studies, in metafor's order.

    References
    ----------
    Duval & Tweedie (2000) :cite:`duval2000`
    Duval & Tweedie (2000) :cite:`duval2000jasa`
    metafor 3.8 :cite:`metafor`
    """

    k0: int
    side: str
    se_k0: float
    estimate: float
    se: float
    ci_lb: float
    ci_ub: float
    tau2: float
    k: int
    filled_yi: FloatArray = field(repr=False)
    filled_vi: FloatArray = field(repr=False)


def rank_correlation_test(
    yi: ArrayLike, vi: ArrayLike, method: str = "REML", *, exact: bool = True
) -> RankCorrelationTest:
    """Rank correlation test for funnel plot asymmetry (metafor's ``ranktest()``).

    Kendall's tau-b between ``(yi - theta) / sqrt(vi - 1/sum(wi))`` and ``vi``, with ``wi = 1/vi`` and
    ``theta`` the equal-effects (inverse-variance) mean. Without ties and with ``k <= 170`` the two-sided
    p-value is exact, from the permutation distribution of Kendall's statistic, computed as R's
    ``cor.test(method = "kendall", exact = TRUE)`` does (``2 min(P(T <= q), P(T >= q))``, at most 1).
    With ties, or with ``exact=False``, it is the normal approximation with the tie-corrected variance of
    Kendall's S and no continuity correction.

    Parameters
    ----------
    yi : array_like
        Effect sizes, one per study (finite).
    vi : array_like
        Their sampling variances (finite and > 0).
    method : {"REML", "EE", "DL", "ML", "PM", "HE", "SJ", "EB", "HS"}, default "REML"
        Estimator of tau² of the model the test is applied to (validated only): metafor's ``ranktest()``
        uses the equal-effects mean whatever the model, so the result does not depend on it.
    exact : bool, default True
        metafor's ``ranktest(exact=)``: use the exact p-value when there are no ties. For ``k > 170``
        R's exact computation overflows (metafor returns NaN); the normal approximation is used instead.

    Returns
    -------
    RankCorrelationTest
        Kendall's tau, the p-value and k. Both are NaN when tau is undefined (all ``vi`` equal, or all
        standardised deviates equal), as metafor reports ``NA``.

    Raises
    ------
    ValueError
        For fewer than two studies, invalid ``yi``/``vi`` or an invalid ``method``.

    References
    ----------
    Begg & Mazumdar (1994) :cite:`begg1994`
    Kendall (1970) :cite:`kendall1970`
    metafor 3.8 :cite:`metafor`
    R ``cor.test()`` :cite:`rcore2022`
    """
    validate_params(method=method)
    if not isinstance(exact, (bool, np.bool_)):
        raise ValueError(f"Invalid value for parameter 'exact': {exact!r}; expected True or False.")
    y, v = validate_effects(yi, vi)
    k = y.size
    if k < 2:
        raise ValueError("The rank correlation test needs at least two studies.")
    w = 1.0 / v
    sum_w = math.fsum(w)
    theta = math.fsum(y * w) / sum_w
    y_star = (y - theta) / np.sqrt(v - 1.0 / sum_w)
    tau, pval = _kendall_test(y_star, v, exact=bool(exact))
    return RankCorrelationTest(tau=tau, pval=pval, k=k)


def trim_and_fill(
    yi: ArrayLike,
    vi: ArrayLike,
    method: str = "REML",
    *,
    side: str | None = None,
    estimator: str = "L0",
    threshold: float = 1e-12,
    maxiter: int = 1000,
) -> TrimAndFill:
    """Trim-and-fill method (metafor's ``trimfill()`` on ``rma.uni(yi, vi, method=method)``).

    1. Side: unless given, ``"right"`` when the slope of the meta-regression of ``yi`` on ``sqrt(vi)``
       (fitted with ``method``) is negative, else ``"left"``.
    2. On the side's scale (``yi`` negated for ``"right"``) the studies are sorted by ``yi`` (ties keep
       their order). Starting from ``k0 = 0``, the ``k - k0`` smallest are fitted with ``method``, the
       signed ranks of ``|yi - estimate|`` over all ``k`` studies (ties ranked in order) give the new
       ``k0``: ``L0 = (4 Sr - k (k + 1)) / (2k - 1)`` with ``Sr`` the sum of the positive ranks,
       ``R0 = k - (largest rank of a negative deviation) - 1`` or
       ``Q0 = k - 1/2 - sqrt(2 k^2 - 4 Sr + 1/4)``, rounded (half to even) and truncated at 0; repeated
       until ``k0`` does not change (at most 100 iterations).
    3. The ``k0`` most extreme studies are reflected about the last estimate and added to the data,
       which are fitted with ``method`` (``test="z"``, 95% CI). With ``k0 = 0`` the model fitted to the
       observed studies is reported.

    ``se_k0`` is ``4 sqrt(var(Sr)) / (2k - 1)`` for ``L0``, ``sqrt(2 max(0, k0) + 2)`` for ``R0`` and
    ``2 sqrt(var(Sr)) / sqrt((k - 1/2)^2 - k0 (2k - k0 - 1))`` for ``Q0``, with ``var(Sr)`` at the unrounded
    ``k0`` of the last iteration (Duval & Tweedie 2000, JASA). As in metafor, the models fitted inside the
    algorithm (the side regression, the trimmed fits and the fit to the filled data) use ``rma.uni()``'s
    default control (threshold 1e-5, 100 iterations); ``threshold`` and ``maxiter`` apply to the fit of the
    observed studies, i.e. the result equals metafor's
    ``trimfill(rma(yi, vi, method = method, control = list(threshold = threshold, maxiter = maxiter)))``.

    Parameters
    ----------
    yi : array_like
        Effect sizes, one per study (finite).
    vi : array_like
        Their sampling variances (finite and > 0).
    method : {"REML", "EE", "DL", "ML", "PM", "HE", "SJ", "EB", "HS"}, default "REML"
        Estimator of tau², named as metafor's ``rma.uni(method=)``.
    side : {None, "left", "right"}, default None
        Side on which studies are missing; None lets metafor's rule choose.
    estimator : {"L0", "R0", "Q0"}, default "L0"
        Estimator of the number of missing studies.
    threshold, maxiter : float, int
        Control of the Fisher scoring of the model fitted to the observed studies, as for
        :func:`qolreview.meta.random_effects`.

    Returns
    -------
    TrimAndFill
        ``k0``, ``side``, ``se_k0``, the pooled estimate after filling with its standard error, CI and
        tau², ``k`` after filling and the filled studies.

    Raises
    ------
    ValueError
        For invalid ``yi``/``vi`` or parameters; for a single study; for two studies when the side is
        chosen by the regression with an estimator of tau² (it needs three, as metafor does); when all
        ``vi`` are (nearly) equal and the side is to be chosen (the regression on ``sqrt(vi)`` cannot be
        fitted; metafor stops); when ``R0`` or ``Q0`` is undefined (metafor stops).
    ConvergenceError
        When a fit does not converge, or ``k0`` still changes after 100 iterations.

    References
    ----------
    Duval & Tweedie (2000) :cite:`duval2000`
    Duval & Tweedie (2000) :cite:`duval2000jasa`
    metafor 3.8 :cite:`metafor`
    """
    validate_params(method=method, threshold=threshold, maxiter=maxiter)
    if side not in (None, "left", "right"):
        raise ValueError(f"Invalid value for parameter 'side': {side!r}; expected None, left or right.")
    if estimator not in K0_ESTIMATORS:
        raise ValueError(
            f"Invalid value for parameter 'estimator': {estimator!r}; expected one of {', '.join(K0_ESTIMATORS)}."
        )
    y, v = validate_effects(yi, vi)
    k = y.size
    if k < 2:
        raise ValueError("Trim and fill needs at least two studies (metafor stops when k = 1).")
    observed = random_effects(y, v, method, threshold=threshold, maxiter=maxiter, tau2_ci=False)
    if side is None:
        if method != "EE" and k < 3:
            raise ValueError(
                f"Trim and fill with method={method!r} needs at least three studies to choose the side "
                "(a regression on sqrt(vi) with tau² estimated); give side= explicitly."
            )
        side = "right" if _sqrt_vi_slope(y, v, method) < 0.0 else "left"

    sign = -1.0 if side == "right" else 1.0
    order = np.argsort(sign * y, kind="stable")
    ys = (sign * y)[order]
    vs = v[order]
    k0, k0_prev, iteration = 0, -1, 0
    se_k0 = math.nan
    beta = math.nan
    while k0 != k0_prev:
        k0_prev = k0
        iteration += 1
        if iteration > TRIMFILL_MAXITER:
            raise ConvergenceError(f"Trim and fill did not converge in {TRIMFILL_MAXITER} iterations.")
        beta = _inner_fit(ys[: k - k0], vs[: k - k0], method).estimate
        k0, se_k0 = _estimate_k0(ys - beta, estimator)

    if k0 == 0:
        final = observed
        filled_yi = np.empty(0)
        filled_vi = np.empty(0)
    else:
        # metafor: yi.c <- yi - beta, then -(yi.c - beta) for the right side; the filled yi are -yi.c.
        deviation = (ys[k - k0 :] - beta) - beta
        filled_yi = -deviation if side == "left" else deviation
        filled_vi = vs[k - k0 :].copy()
        final = _inner_fit(np.concatenate((y, filled_yi)), np.concatenate((v, filled_vi)), method)
    return TrimAndFill(
        k0=k0,
        side=side,
        se_k0=se_k0,
        estimate=final.estimate,
        se=final.se,
        ci_lb=final.ci_lb,
        ci_ub=final.ci_ub,
        tau2=final.tau2,
        k=k + k0,
        filled_yi=filled_yi,
        filled_vi=filled_vi,
    )


# --- Kendall's tau and R's cor.test ----------------------------------------------------------------


def _kendall_test(x: FloatArray, y: FloatArray, *, exact: bool) -> tuple[float, float]:
    """Kendall's tau-b and the two-sided p-value of R's ``cor.test(x, y, method = "kendall")``."""
    n = x.size
    s = nx = ny = 0
    for i in range(n - 1):  # one row of pairs at a time: memory O(n)
        sx = np.sign(x[i + 1 :] - x[i])
        sy = np.sign(y[i + 1 :] - y[i])
        s += int(np.dot(sx, sy))
        nx += int(np.count_nonzero(sx))
        ny += int(np.count_nonzero(sy))
    if nx == 0 or ny == 0:
        return math.nan, math.nan
    tau = s / (math.sqrt(nx) * math.sqrt(ny))
    ties = min(np.unique(x).size, np.unique(y).size) < n
    if exact and not ties and n <= EXACT_KENDALL_MAX_K:
        return tau, _kendall_exact_pvalue(tau, n)
    return tau, _kendall_normal_pvalue(tau, x, y)


def _kendall_exact_pvalue(tau: float, n: int) -> float:
    """R's ``cor.test`` exact two-sided p-value from tau (no ties), with R's arithmetic.

    For an extreme tau, R's upper tail ``1 - P(T <= q - 1)`` can round below 0 (about -4e-14 at n = 100); that
    is reported as 0, a p-value's lower bound (a documented divergence: metafor passes R's negative value on).
    """
    q = round((tau + 1.0) * n * (n - 1) / 4.0)
    if q > n * (n - 1) / 4.0:
        p = 1.0 - _pkendall(q - 1, n)
    else:
        p = _pkendall(q, n)
    return min(max(2.0 * p, 0.0), 1.0)


def _pkendall(q: int, n: int) -> float:
    """``P(T <= q)``, T the number of concordant pairs of a random permutation of n: R's ``pkendall``.

    The counts of permutations are summed in double precision in R's order (``ckendall`` in
    ``src/library/stats/src/kendall.c``) and divided by R's ``gamma(n + 1)``, so that ``1 - P``, which R
    takes for the upper tail, carries the same rounding as in R.
    """
    if q < 0:
        return 0.0
    if q > n * (n - 1) // 2:
        return 1.0
    counts = _kendall_counts(n)
    return float(np.cumsum(counts[: q + 1])[-1]) / _r_factorial(n)


@functools.lru_cache(maxsize=16)
def _kendall_counts(n: int) -> FloatArray:
    """Numbers of permutations of n with j inversions, j = 0..n(n-1)/2, as R's ``ckendall`` sums them."""
    counts = np.ones(1)
    for m in range(2, n + 1):
        width = m * (m - 1) // 2 + 1
        prev = np.zeros(width)
        prev[: counts.size] = counts
        new = np.zeros(width)
        for i in range(m):  # R: s += ckendall(k - i, m - 1) for i = 0..m-1
            new[i:] += prev[: width - i]
        counts = new
    counts.flags.writeable = False
    return counts


#: ``log(sqrt(2 pi))`` as R's ``M_LN_SQRT_2PI``.
_M_LN_SQRT_2PI = 0.918938533204672741780329736406
#: Largest argument of R's ``gammafn`` before it returns Inf.
_GAMMA_XMAX = 171.61447887182298


def _r_factorial(n: int) -> float:
    """``n!`` computed as R's ``gammafn(n + 1)`` (``src/nmath/gamma.c``) for an integer argument."""
    y = n + 1
    if y <= 50:
        value = 1.0
        for i in range(2, y):
            value *= i
        return value
    if y > _GAMMA_XMAX:
        return math.inf
    return math.exp((y - 0.5) * math.log(y) - y + _M_LN_SQRT_2PI + _stirlerr(float(y)))


def _stirlerr(n: float) -> float:
    """R's ``stirlerr(n)`` for n > 15 (``src/nmath/stirlerr.c``)."""
    s0, s1, s2, s3, s4 = 1.0 / 12.0, 1.0 / 360.0, 1.0 / 1260.0, 1.0 / 1680.0, 1.0 / 1188.0
    nn = n * n
    if n > 500:
        return (s0 - s1 / nn) / n
    if n > 80:
        return (s0 - (s1 - s2 / nn) / nn) / n
    if n > 35:
        return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n
    return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n


def _kendall_normal_pvalue(tau: float, x: FloatArray, y: FloatArray) -> float:
    """Normal approximation of R's ``cor.test`` for Kendall's tau, with the tie-corrected variance of S.

    As in R, the variance is NaN for n = 2 (a 0/0 term), and so is the p-value.
    """
    n = np.float64(x.size)
    tx = _tie_sizes(x)
    ty = _tie_sizes(y)
    t0 = n * (n - 1.0) / 2.0
    t1 = np.sum(tx * (tx - 1.0)) / 2.0
    t2 = np.sum(ty * (ty - 1.0)) / 2.0
    s = tau * np.sqrt((t0 - t1) * (t0 - t2))
    v0 = n * (n - 1.0) * (2.0 * n + 5.0)
    vt = np.sum(tx * (tx - 1.0) * (2.0 * tx + 5.0))
    vu = np.sum(ty * (ty - 1.0) * (2.0 * ty + 5.0))
    v1 = np.sum(tx * (tx - 1.0)) * np.sum(ty * (ty - 1.0))
    v2 = np.sum(tx * (tx - 1.0) * (tx - 2.0)) * np.sum(ty * (ty - 1.0) * (ty - 2.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        var_s = (v0 - vt - vu) / 18.0 + v1 / (2.0 * n * (n - 1.0)) + v2 / (9.0 * n * (n - 1.0) * (n - 2.0))
        z = s / np.sqrt(var_s)
    return float(2.0 * min(distributions.norm.cdf(z), distributions.norm.sf(z)))


def _tie_sizes(x: FloatArray) -> FloatArray:
    """Sizes of the groups of equal values that have more than one member."""
    counts = np.unique(x, return_counts=True)[1]
    return counts[counts > 1].astype(float)


# --- trim-and-fill helpers -------------------------------------------------------------------------


def _inner_fit(y: FloatArray, v: FloatArray, method: str) -> RandomEffectsResult:
    """``rma.uni(yi, vi, method)`` at its default control, as called inside metafor's ``trimfill()``."""
    return random_effects(y, v, method, threshold=RMA_DEFAULT_THRESHOLD, maxiter=RMA_DEFAULT_MAXITER, tau2_ci=False)


def _estimate_k0(deviation: FloatArray, estimator: str) -> tuple[int, float]:
    """Rounded k0 and its standard error from the deviations of all k studies (metafor's formulas)."""
    k = float(deviation.size)
    ranks = np.empty(deviation.size)
    ranks[np.argsort(np.abs(deviation), kind="stable")] = np.arange(1.0, k + 1.0)  # ties.method = "first"
    signed = np.sign(deviation) * ranks
    if estimator == "R0":
        negative = signed[signed < 0.0]
        if negative.size == 0:
            raise ValueError("The R0 estimator is undefined: no study lies below the estimate (metafor stops).")
        k0 = (k - float(np.max(-negative))) - 1.0
        se_k0 = math.sqrt(2.0 * max(0.0, k0) + 2.0)
    else:
        sr = float(np.sum(signed[signed > 0.0]))
        if estimator == "L0":
            k0 = (4.0 * sr - k * (k + 1.0)) / (2.0 * k - 1.0)
        else:
            disc = 2.0 * k**2 - 4.0 * sr + 0.25
            if disc < 0.0:
                raise ValueError("The Q0 estimator is undefined: 2k^2 - 4 Sr + 1/4 < 0 (metafor stops).")
            k0 = k - 0.5 - math.sqrt(disc)
        var_sr = (
            k * (k + 1.0) * (2.0 * k + 1.0)
            + 10.0 * k0**3
            + 27.0 * k0**2
            + 17.0 * k0
            - 18.0 * k * k0**2
            - 18.0 * k * k0
            + 6.0 * k**2 * k0
        ) / 24.0
        root = math.sqrt(var_sr) if var_sr >= 0.0 else math.nan
        if estimator == "L0":
            se_k0 = 4.0 * root / (2.0 * k - 1.0)
        else:
            denom = (k - 0.5) ** 2 - k0 * (2.0 * k - k0 - 1.0)
            se_k0 = 2.0 * root / math.sqrt(denom) if denom >= 0.0 else math.nan
    # R: k0 <- max(0, round(k0)) (half to even, as Python's round); max(0, NaN) stays NaN.
    se_k0 = se_k0 if math.isnan(se_k0) else max(0.0, se_k0)
    return max(0, round(k0)), se_k0


# --- the regression on sqrt(vi) that chooses the side ----------------------------------------------


def _sqrt_vi_slope(y: FloatArray, v: FloatArray, method: str) -> float:
    """Slope of ``rma.uni(yi, vi, mods = sqrt(vi), method)`` at ``rma.uni()``'s default control.

    Fitted by :func:`qolreview.meta.regression.meta_regression`. With two studies (``EE`` only: the
    caller requires three otherwise) metafor fits the saturated model, which ``meta_regression`` refuses
    (``k = p``); its slope is that of the line through the two points, whatever the weights.
    """
    sei = np.sqrt(v)
    try:
        design_matrix({"sei": sei}, y.size)
    except ValueError as exc:
        raise ValueError(
            "Cannot choose the side: the sampling variances are (nearly) all equal, so the regression on "
            "sqrt(vi) cannot be fitted (metafor stops); give side= explicitly."
        ) from exc
    if y.size == 2:
        return float((y[1] - y[0]) / (sei[1] - sei[0]))
    try:
        fit = meta_regression(
            y, v, {"sei": sei}, method=method, threshold=RMA_DEFAULT_THRESHOLD, maxiter=RMA_DEFAULT_MAXITER
        )
    except ConvergenceError as exc:
        raise ConvergenceError(f"The regression on sqrt(vi) choosing the side: {exc} Give side= explicitly.") from exc
    return float(fit.beta[1])


__all__ = [
    "K0_ESTIMATORS",
    "RankCorrelationTest",
    "TrimAndFill",
    "rank_correlation_test",
    "trim_and_fill",
]
