"""Between-study variance (tau²) estimators, vectorised over many meta-analyses.

Each analysis is a row of a padded 2-D array (``Panel``; padding cells have an infinite variance,
hence weight exactly 0), and analyses of similar size share a block (``Blocks``, both in
:mod:`qolreview.meta.blocks`). The definitions follow metafor 3.8's ``rma.uni()`` for an
intercept-only model (Viechtbauer 2010, J Stat Softw 36(3); Viechtbauer 2005, J Educ Behav Stat
30:261-293), with ``yi`` centred at its unweighted mean as metafor does before estimating tau²:

- ``HS`` Hunter & Schmidt (2004): ``(Q - k) / sum(w)`` with ``w = 1/vi``.
- ``HE`` Hedges (1983): ``(sum((y - ybar)^2) - (1 - 1/k) sum(vi)) / (k - 1)``.
- ``DL`` DerSimonian & Laird (1986): ``(Q - (k - 1)) / (sum(w) - sum(w^2)/sum(w))``.
- ``SJ`` Sidik & Jonkman (2005): ``t0 * Q(t0) / (k - 1)`` with the starting value
  ``t0 = sum((y - ybar)^2) / k`` and ``Q(t)`` the generalised Q statistic at ``t``.
- ``PM`` Paule & Mandel (1982): root of ``Q(t) = k - 1``, found by R's ``uniroot()`` on
  ``[0, max(100, 10 mad(yi)^2)]`` at metafor's tolerance (see :mod:`qolreview.meta.zeroin`).
- ``ML``, ``REML`` (Viechtbauer 2005) and ``EB`` (Morris 1983) by Fisher scoring from the truncated
  ``HE`` value, each step multiplied by ``stepadj`` (metafor's ``control$stepadj``, default 1) and
  halved while it would go below 0, stopped when the change is at most ``threshold``. ``EB``
  solves ``Q(t) * k / (k - 1) = k``, i.e. the same equation as ``PM`` (Viechtbauer et al. 2015,
  Psychol Methods 20:360-374; cited by metafor for the EB/PM identity), but iterated to the threshold.

Negative values are truncated at 0. Standard errors of tau² follow the same source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qolreview.arrays import FloatArray
from qolreview.meta.blocks import ActiveRows, Blocks, Panel
from qolreview.meta.zeroin import R_UNIROOT_TOL, zeroin

#: metafor's default upper end of the PM search interval (``control$tau2.max``), raised to
#: ``10 * mad(yi)^2`` when that is larger.
PM_TAU2_MAX = 100.0
#: Consistency constant of R's ``mad()`` (normal scale).
MAD_CONSTANT = 1.4826


@dataclass(frozen=True)
class WeightedFit:
    """Inverse-variance fit at a given tau² (rows are analyses)."""

    w: FloatArray
    sum_w: FloatArray
    mu: FloatArray
    rss: FloatArray
    resid: FloatArray


@dataclass(frozen=True)
class Tau2Estimate:
    """tau² of every analysis with its standard error and iteration diagnostics."""

    tau2: FloatArray
    se: FloatArray
    iterations: NDArray[np.int64]
    converged: NDArray[np.bool_]


def weighted_fit(panel: Panel, tau2: FloatArray) -> WeightedFit:
    """Weighted mean with ``w = 1/(vi + tau2)`` and the generalised Q, ``sum(w (y - mu)^2)``.

    Parameters
    ----------
    panel : Panel
        Effect sizes of several analyses (rows).
    tau2 : numpy.ndarray
        tau² of each analysis.

    Returns
    -------
    WeightedFit
        Weights, their row sums, the weighted means, the generalised Q (``rss``) and the residuals.
        Residuals of padding cells are not zero but carry weight 0.

    References
    ----------
    Viechtbauer (2010) :cite:`viechtbauer2010`
    """
    w = 1.0 / (panel.v + tau2[:, None])
    sum_w = w.sum(axis=1)
    mu = np.einsum("ij,ij->i", w, panel.y) / sum_w
    resid = panel.y - mu[:, None]
    rss = np.einsum("ij,ij,ij->i", w, resid, resid)
    return WeightedFit(w=w, sum_w=sum_w, mu=mu, rss=rss, resid=resid)


def q_statistic(panel: Panel, tau2: FloatArray) -> FloatArray:
    """Generalised Q statistic of every analysis of ``panel`` at its ``tau2``.

    Parameters
    ----------
    panel : Panel
        Effect sizes of several analyses (rows).
    tau2 : numpy.ndarray
        tau² of each analysis (0 gives Cochran's Q).

    Returns
    -------
    numpy.ndarray
        ``sum(w (y - mu)^2)`` with ``w = 1/(vi + tau2)``, one value per analysis.

    References
    ----------
    Viechtbauer (2007) :cite:`viechtbauer2007`
    """
    return weighted_fit(panel, tau2).rss


def q_equation(blocks: Blocks, target: FloatArray) -> Callable[[FloatArray, NDArray[np.intp]], FloatArray]:
    """``Q(t) - target`` for the root searches: ``f(t, rows)`` evaluates only analyses ``rows``.

    Parameters
    ----------
    blocks : Blocks
        The analyses searched.
    target : numpy.ndarray
        Value of Q to solve for, one per analysis.

    Returns
    -------
    callable
        ``f(t, rows)`` with ``rows`` ascending indices into ``blocks`` and ``t`` their abscissae, as
        :func:`qolreview.meta.zeroin.zeroin` expects; finished rows are dropped lazily (:class:`ActiveRows`).

    References
    ----------
    Paule & Mandel (1982) :cite:`paule1982`
    Viechtbauer (2007) :cite:`viechtbauer2007`
    """
    active = ActiveRows(blocks)

    def equation(t: FloatArray, rows: NDArray[np.intp]) -> FloatArray:
        return active.evaluate(q_statistic, rows, t) - target[rows]

    return equation


def _trace_p(w: FloatArray, sum_w: FloatArray) -> FloatArray:
    """``tr(P)`` for ``P = W - w w'/sum(w)``."""
    return sum_w - (w**2).sum(axis=1) / sum_w


def _sum_p_squared(w: FloatArray, sum_w: FloatArray) -> FloatArray:
    """``tr(P P) = sum(P * P)`` for ``P = W - w w'/sum(w)``."""
    sw2 = (w**2).sum(axis=1)
    return sw2 - 2.0 * (w**3).sum(axis=1) / sum_w + sw2**2 / sum_w**2


def estimate_tau2(blocks: Blocks, method: str, threshold: float, maxiter: int, stepadj: float = 1.0) -> Tau2Estimate:
    """Estimate tau² for every analysis (all with k >= 2) with the named estimator.

    ``yi`` is centred at its unweighted mean first, as metafor does; negative values are truncated at 0.

    Parameters
    ----------
    blocks : Blocks
        The analyses, each with k >= 2.
    method : str
        One of :data:`qolreview.meta.validation.METHODS` (validated by the caller). ``EE`` gives tau² = 0.
    threshold : float
        Convergence threshold of Fisher scoring (ML, REML, EB): stop when the change is at most this.
    maxiter : int
        Iteration limit of Fisher scoring and of the PM ``uniroot()`` search.
    stepadj : float, default 1.0
        Factor applied to each Fisher scoring step (metafor's ``control$stepadj``).

    Returns
    -------
    Tau2Estimate
        tau², its standard error (NaN for ``EE``), iterations and convergence of each analysis.
        Non-convergence is reported in ``converged``, not raised.

    References
    ----------
    Viechtbauer (2005) :cite:`viechtbauer2005`
    Viechtbauer (2010) :cite:`viechtbauer2010`
    DerSimonian & Laird (1986) :cite:`dersimonian1986`
    Hedges (1983) :cite:`hedges1983`
    Hunter & Schmidt (2004) :cite:`hunter2004`
    Sidik & Jonkman (2005) :cite:`sidik2005`
    Paule & Mandel (1982) :cite:`paule1982`
    Morris (1983) :cite:`morris1983`
    Viechtbauer et al. (2015) :cite:`viechtbauer2015`
    metafor 3.8 :cite:`metafor`
    """
    pc = blocks.map(Panel.centred)
    n = pc.n
    iterations = np.zeros(n, dtype=np.int64)
    converged = np.ones(n, dtype=bool)
    if method == "EE":
        return Tau2Estimate(np.zeros(n), np.full(n, np.nan), iterations, converged)
    if method in ("HS", "DL"):
        tau2, se = pc.rowwise(lambda p: _moment(p, method))
        return Tau2Estimate(tau2, se, iterations, converged)
    if method == "SJ":
        tau2, se = pc.rowwise(_sidik_jonkman)
        return Tau2Estimate(tau2, se, iterations, converged)
    if method == "PM":
        return _paule_mandel(pc, blocks.rowwise(_pm_upper), maxiter)
    he_tau2, he_se = pc.rowwise(_hedges)
    if method == "HE":
        return Tau2Estimate(np.maximum(he_tau2, 0.0), he_se, iterations, converged)
    return _fisher_scoring(pc, method, np.maximum(he_tau2, 0.0), threshold, maxiter, stepadj)


def _moment(pc: Panel, method: str) -> tuple[FloatArray, FloatArray]:
    """Hunter-Schmidt or DerSimonian-Laird estimate and standard error."""
    k = pc.k
    fe = weighted_fit(pc, np.zeros(k.size))
    tr_p = _trace_p(fe.w, fe.sum_w)
    raw = (fe.rss - k) / fe.sum_w if method == "HS" else (fe.rss - (k - 1.0)) / tr_p
    tau2 = np.maximum(raw, 0.0)
    scale = fe.sum_w if method == "HS" else tr_p
    se = np.sqrt((2.0 * (k - 1.0) + 4.0 * tau2 * tr_p + 2.0 * tau2**2 * _sum_p_squared(fe.w, fe.sum_w)) / scale**2)
    return tau2, se


def _hedges(pc: Panel) -> tuple[FloatArray, FloatArray]:
    """Hedges (1983) moment estimator (untruncated) and its standard error."""
    k = pc.k
    v = np.where(pc.mask, pc.v, 0.0)
    rss = (pc.y**2).sum(axis=1)
    sum_v = v.sum(axis=1)
    tr_pv = (1.0 - 1.0 / k) * sum_v
    tr_pvpv = (1.0 - 2.0 / k) * (v**2).sum(axis=1) + sum_v**2 / k**2
    raw = (rss - tr_pv) / (k - 1.0)
    t = np.maximum(raw, 0.0)
    se = np.sqrt((2.0 * tr_pvpv + 4.0 * t * tr_pv + 2.0 * t**2 * (k - 1.0)) / (k - 1.0) ** 2)
    return raw, se


def _sidik_jonkman(pc: Panel) -> tuple[FloatArray, FloatArray]:
    """Sidik & Jonkman (2005) estimator with metafor's default starting value."""
    k = pc.k
    t0 = (pc.y**2).sum(axis=1) / k
    fit = weighted_fit(pc, t0)
    tau2 = np.maximum(t0 * fit.rss / (k - 1.0), 0.0)
    w, sw, v = fit.w, fit.sum_w, np.where(pc.mask, pc.v, 0.0)
    tr_pvpv = (w**2 * v**2).sum(axis=1) - 2.0 * (w**3 * v**2).sum(axis=1) / sw + ((w**2 * v).sum(axis=1) / sw) ** 2
    sum_pvp = (
        (w**2 * v).sum(axis=1) - 2.0 * (w**3 * v).sum(axis=1) / sw + (w**2).sum(axis=1) * (w**2 * v).sum(axis=1) / sw**2
    )
    se = np.sqrt(
        t0**2 / (k - 1.0) ** 2 * (2.0 * tr_pvpv + 4.0 * tau2 * sum_pvp + 2.0 * tau2**2 * _sum_p_squared(w, sw))
    )
    return tau2, se


def _pm_upper(panel: Panel) -> FloatArray:
    """Upper end of the PM search: ``max(100, 10 * mad(yi)^2)`` as in metafor's ``rma.uni``."""
    y = np.where(panel.mask, panel.y, np.nan)
    centre = np.nanmedian(y, axis=1)
    mad = MAD_CONSTANT * np.nanmedian(np.abs(y - centre[:, None]), axis=1)
    return np.maximum(PM_TAU2_MAX, 10.0 * mad**2)


def _paule_mandel(pc: Blocks, upper: FloatArray, maxiter: int) -> Tau2Estimate:
    """Paule & Mandel (1982): ``Q(tau2) = k - 1`` solved as metafor does with ``uniroot()``."""
    k = pc.k
    target = k - 1.0
    n = k.size
    q_lower = pc.rowwise(q_statistic, np.zeros(n)) - target
    q_upper = pc.rowwise(q_statistic, upper) - target
    tau2 = np.zeros(n)
    iterations = np.zeros(n, dtype=np.int64)
    converged = q_upper <= 0.0
    search = (q_lower >= 0.0) & converged
    if search.any():
        rows = np.flatnonzero(search)
        res = zeroin(
            q_equation(pc.take(rows), target[rows]),
            np.zeros(rows.size),
            upper[rows],
            q_lower[rows],
            q_upper[rows],
            tol=R_UNIROOT_TOL,
            maxiter=maxiter,
        )
        tau2[rows] = res.root
        iterations[rows] = res.iterations
        converged[rows] = res.converged
    tau2 = np.maximum(tau2, 0.0)
    sum_w = pc.rowwise(lambda p, t: weighted_fit(p, t).sum_w, tau2)
    se = np.sqrt(2.0 * k**2 / (k - 1.0) / sum_w**2)
    return Tau2Estimate(tau2, se, iterations, converged)


def _fisher_step(pc: Panel, method: str, tau2: FloatArray) -> FloatArray:
    """One Fisher scoring increment for ML, REML or EB (Viechtbauer 2005; metafor ``rma.uni``).

    With ``P = W - w w'/sum(w)``: ``P y = w (y - mu)``, ``tr(P) = sum(w) - sum(w^2)/sum(w)`` and
    ``tr(P P) = sum(w^2) - 2 sum(w^3)/sum(w) + sum(w^2)^2/sum(w)^2``.
    """
    k = pc.k
    w = 1.0 / (pc.v + tau2[:, None])
    sum_w = w.sum(axis=1)
    mu = np.einsum("ij,ij->i", w, pc.y) / sum_w
    py = w * (pc.y - mu[:, None])
    if method == "EB":
        rss = np.einsum("ij,ij->i", py, pc.y - mu[:, None])
        return (rss * k / (k - 1.0) - k) / sum_w
    py_sq = np.einsum("ij,ij->i", py, py)
    w2 = w * w
    sum_w2 = w2.sum(axis=1)
    if method == "ML":
        return (py_sq - sum_w) / sum_w2
    sum_w3 = np.einsum("ij,ij->i", w2, w)
    tr_p = sum_w - sum_w2 / sum_w
    tr_pp = sum_w2 - 2.0 * sum_w3 / sum_w + sum_w2**2 / sum_w**2
    return (py_sq - tr_p) / tr_pp


def _fisher_scoring(
    pc: Blocks, method: str, start: FloatArray, threshold: float, maxiter: int, stepadj: float
) -> Tau2Estimate:
    """Iterate Fisher scoring for all analyses at once; each stops at its own convergence.

    Only the analyses still iterating are computed, so a few slow ones cost little.
    """
    n = start.size
    tau2 = start.copy()
    iterations = np.zeros(n, dtype=np.int64)
    converged = np.ones(n, dtype=bool)
    idx = np.arange(n)
    active = ActiveRows(pc)

    def step(panel: Panel, t: FloatArray) -> FloatArray:
        return _fisher_step(panel, method, t)

    count = 0
    while idx.size:
        count += 1
        t = tau2[idx]
        adj = active.evaluate(step, idx, t) * stepadj
        below = np.flatnonzero(t + adj < 0.0)
        while below.size:
            adj[below] /= 2.0
            below = below[t[below] + adj[below] < 0.0]
        new = t + adj
        tau2[idx] = new
        failed = ~np.isfinite(new) if count <= maxiter else np.ones(idx.size, dtype=bool)
        going = (np.abs(t - new) > threshold) & ~failed
        if not going.all():
            stopped = idx[~going]
            iterations[stopped] = count
            converged[idx[failed]] = False
            idx = idx[going]
    if method in ("ML", "REML"):
        tau2 = _boundary_check(pc, method, tau2, threshold, converged)
    tau2 = np.maximum(tau2, 0.0)
    se = pc.rowwise(lambda p, t: _scoring_se(p, method, t), tau2)
    return Tau2Estimate(tau2, se, iterations, converged)


def _scoring_se(pc: Panel, method: str, tau2: FloatArray) -> FloatArray:
    """Standard error of the ML, REML or EB estimate from the inverse Fisher information."""
    fit = weighted_fit(pc, tau2)
    if method == "ML":
        return np.sqrt(2.0 / (fit.w**2).sum(axis=1))
    if method == "REML":
        return np.sqrt(2.0 / _sum_p_squared(fit.w, fit.sum_w))
    k = pc.k
    return np.sqrt(2.0 * k**2 / (k - 1.0) / fit.sum_w**2)


def _log_likelihood(pc: Panel, method: str, tau2: FloatArray) -> FloatArray:
    """ML or REML log-likelihood of the intercept-only random-effects model (Viechtbauer 2005)."""
    fit = weighted_fit(pc, tau2)
    k = pc.k
    log_v = np.log(np.where(pc.mask, pc.v + tau2[:, None], 1.0)).sum(axis=1)
    if method == "ML":
        return -0.5 * k * np.log(2.0 * np.pi) - 0.5 * log_v - 0.5 * fit.rss
    return -0.5 * (k - 1.0) * np.log(2.0 * np.pi) - 0.5 * log_v - 0.5 * np.log(fit.sum_w) - 0.5 * fit.rss


def _boundary_check(
    pc: Blocks, method: str, tau2: FloatArray, threshold: float, converged: NDArray[np.bool_]
) -> FloatArray:
    """metafor's ``ll0check``: use tau² = 0 when it has the larger likelihood than the scoring result."""

    def log_lik(panel: Panel, t: FloatArray) -> FloatArray:
        return _log_likelihood(panel, method, t)

    ll0 = pc.rowwise(log_lik, np.zeros_like(tau2))
    ll = pc.rowwise(log_lik, np.maximum(tau2, 0.0))
    stuck = converged & (ll0 - ll > R_UNIROOT_TOL) & (tau2 > threshold)
    return np.where(stuck, 0.0, tau2)
