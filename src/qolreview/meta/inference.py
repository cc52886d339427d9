"""Pooled estimate, tests, intervals and heterogeneity statistics for many analyses at once.

Formulas (metafor 3.8 ``rma.uni()``, ``predict.rma()``, ``confint.rma.uni()``; Viechtbauer 2010):

- Pooled estimate ``mu = sum(w y)/sum(w)``, ``w = 1/(vi + tau2)``, ``var(mu) = 1/sum(w)``
  (Borenstein et al. 2009, ch. 12; Cochrane Handbook 10.10.4).
- ``test="knha"`` (Knapp & Hartung 2003; Hartung & Knapp 2001; Sidik & Jonkman 2002): ``var(mu)`` times
  ``s2w = sum(w (y - mu)^2)/(k - 1)``, not truncated at 1 (0 when the sum is at most machine epsilon),
  with t(k - 1) quantiles and p-values.
- Prediction interval ``mu +/- crit * sqrt(tau2 + se^2)``, ``crit`` the normal quantile for ``z``
  and the t(k - 1) quantile for ``knha`` (metafor's ``predict.rma``; not given for ``EE``).
- Cochran's Q with ``w = 1/vi``, df ``k - 1``, chi² p-value (Cochrane Handbook 10.10.2).
- Typical within-study variance ``s2 = (k - 1)/(sum(w) - sum(w^2)/sum(w))``; for estimated tau²,
  ``I2 = 100 tau2/(tau2 + s2)`` and ``H2 = (tau2 + s2)/s2`` (Higgins & Thompson 2002, via metafor);
  for ``EE``, ``I2 = max(0, 100 (Q - (k - 1))/Q)`` and ``H2 = Q/(k - 1)``.
- Q-profile interval for tau² (Viechtbauer 2007, Stat Med 26:37-52): the values where the generalised
  Q statistic equals the chi²(k - 1) quantiles, searched in ``[0, max(100, 10 tau2)]`` by ``uniroot()``
  steps, bounds at 0 (or both 0) when ``Q(0)`` is below the quantile; mapped to I² and H² with ``s2``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from qolreview.arrays import FloatArray
from qolreview.meta import distributions
from qolreview.meta.blocks import Blocks, Panel
from qolreview.meta.estimators import Tau2Estimate, estimate_tau2, q_equation, q_statistic, weighted_fit
from qolreview.meta.zeroin import R_UNIROOT_TOL, zeroin

_EPS = float(np.finfo(np.float64).eps)

#: Columns produced by :func:`fit_blocks`, in output order.
RESULT_FIELDS = (
    "k", "pooled", "estimate", "se", "stat", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub",
    "tau2", "tau2_se", "tau2_ci_lb", "tau2_ci_ub", "i2", "i2_ci_lb", "i2_ci_ub",
    "h2", "h2_ci_lb", "h2_ci_ub", "q", "q_df", "q_p", "converged", "iterations",
)  # fmt: skip


def fit_blocks(
    blocks: Blocks,
    method: str,
    test: str,
    level: float,
    tau2_ci: bool,
    threshold: float,
    maxiter: int,
    stepadj: float = 1.0,
) -> dict[str, NDArray]:
    """Fit every analysis of ``blocks`` (sorted by k); return the result columns in the same order.

    Analyses with a single study are not pooled: their own effect and normal-theory interval are
    reported with tau² = 0 and NaN heterogeneity fields (metafor also forces ``test="z"`` then).

    Parameters
    ----------
    blocks : Blocks
        The analyses, sorted by k (those with k = 1 first).
    method, test, level, tau2_ci, threshold, maxiter, stepadj
        As for :func:`qolreview.meta.random_effects` (validated by the caller).

    Returns
    -------
    dict of str to numpy.ndarray
        One array per name in :data:`RESULT_FIELDS`, one value per analysis. Non-convergence is
        reported in ``converged``, not raised.

    References
    ----------
    Viechtbauer (2010) :cite:`viechtbauer2010`
    Borenstein et al. (2009), ch. 12 :cite:`borenstein2009`
    Cochrane Handbook 10.10.2, 10.10.4 :cite:`cochrane2023`
    Knapp & Hartung (2003) :cite:`knapp2003`
    Hartung & Knapp (2001) :cite:`hartung2001`
    Sidik & Jonkman (2002) :cite:`sidik2002`
    Higgins & Thompson (2002) :cite:`higgins2002`
    Viechtbauer (2007) :cite:`viechtbauer2007`
    metafor 3.8 :cite:`metafor`
    """
    k = blocks.k
    n = k.size
    out: dict[str, NDArray] = {name: np.full(n, np.nan) for name in RESULT_FIELDS}
    out["k"] = k.astype(np.int64)
    out["q_df"] = (k - 1).astype(np.int64)
    out["pooled"] = k >= 2
    out["converged"] = np.ones(n, dtype=bool)
    out["iterations"] = np.zeros(n, dtype=np.int64)
    n_single = int(np.count_nonzero(k == 1))
    if n_single:
        _fill_single(out, blocks.take(np.arange(n_single)).panels[0], n_single, level)
    if n_single < n:
        multi = blocks if n_single == 0 else blocks.take(np.arange(n_single, n))
        est = estimate_tau2(multi, method, threshold, maxiter, stepadj)
        cols = multi.rowwise(
            lambda p, *e: _pooled(p, Tau2Estimate(*e), method, test, level),
            est.tau2,
            est.se,
            est.iterations,
            est.converged,
        )
        s2 = cols.pop("s2")
        if tau2_ci and method != "EE":
            lb, ub, conv = q_profile_ci(multi, est.tau2, level, maxiter)
            cols["tau2_ci_lb"], cols["tau2_ci_ub"] = lb, ub
            cols["i2_ci_lb"], cols["i2_ci_ub"] = 100.0 * lb / (s2 + lb), 100.0 * ub / (s2 + ub)
            cols["h2_ci_lb"], cols["h2_ci_ub"] = lb / s2 + 1.0, ub / s2 + 1.0
            cols["converged"] = cols["converged"] & conv
        for name, values in cols.items():
            out[name][n_single:] = values
    return out


def percent_weights(panel: Panel, tau2: FloatArray) -> FloatArray:
    """Weights ``w_i = 1/(v_i + tau2)`` as percentages of their row sum (metafor's ``weights()``).

    Parameters
    ----------
    panel : Panel
        Effect sizes of several analyses (rows).
    tau2 : numpy.ndarray
        tau² of each analysis.

    Returns
    -------
    numpy.ndarray
        Same shape as ``panel.v``; each row sums to 100 and padding cells are 0.

    References
    ----------
    metafor 3.8 :cite:`metafor`
    """
    fit = weighted_fit(panel, tau2)
    return 100.0 * fit.w / fit.sum_w[:, None]


def _fill_single(out: dict[str, NDArray], panel: Panel, n_single: int, level: float) -> None:
    """Report lone studies (the first ``n_single`` rows) with their normal-theory CI."""
    y = panel.y[:, 0]
    se = np.sqrt(panel.v[:, 0])
    crit = distributions.norm.isf((1.0 - level) / 2.0)
    stat = y / se
    rows = slice(0, n_single)
    out["estimate"][rows] = y
    out["se"][rows] = se
    out["stat"][rows] = stat
    out["pval"][rows] = 2.0 * distributions.norm.sf(np.abs(stat))
    out["ci_lb"][rows] = y - crit * se
    out["ci_ub"][rows] = y + crit * se
    out["tau2"][rows] = 0.0


def _pooled(panel: Panel, est: Tau2Estimate, method: str, test: str, level: float) -> dict[str, NDArray]:
    """Inference for analyses with k >= 2 given their tau² estimates (``s2`` for the CI mapping)."""
    k = panel.k
    df = k - 1.0
    tau2 = est.tau2
    fit = weighted_fit(panel, tau2)
    var_mu = 1.0 / fit.sum_w
    alpha = 1.0 - level
    if test == "knha":
        s2w = np.where(fit.rss <= _EPS, 0.0, fit.rss / df)
        var_mu = var_mu * s2w
        crit = distributions.t.isf(alpha / 2.0, df)
    else:
        crit = np.full(k.size, distributions.norm.isf(alpha / 2.0))
    se = np.sqrt(var_mu)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = fit.mu / se
    pval = 2.0 * (distributions.t.sf(np.abs(stat), df) if test == "knha" else distributions.norm.sf(np.abs(stat)))

    fe = weighted_fit(panel, np.zeros_like(tau2))
    q = np.maximum(fe.rss, 0.0)
    s2 = df / (fe.sum_w - (fe.w**2).sum(axis=1) / fe.sum_w)
    cols: dict[str, NDArray] = {
        "estimate": fit.mu,
        "se": se,
        "stat": stat,
        "pval": pval,
        "ci_lb": fit.mu - crit * se,
        "ci_ub": fit.mu + crit * se,
        "tau2": tau2,
        "tau2_se": est.se,
        "q": q,
        "q_p": distributions.chi2.sf(q, df),
        "converged": est.converged,
        "iterations": est.iterations,
        "s2": s2,
    }
    if method == "EE":
        with np.errstate(divide="ignore", invalid="ignore"):
            cols["i2"] = np.maximum(0.0, 100.0 * (q - df) / q)
        cols["h2"] = q / df
    else:
        half_width = crit * np.sqrt(tau2 + se**2)
        cols["pi_lb"] = fit.mu - half_width
        cols["pi_ub"] = fit.mu + half_width
        cols["i2"] = 100.0 * tau2 / (s2 + tau2)
        cols["h2"] = tau2 / s2 + 1.0
    return cols


def q_profile_ci(
    blocks: Blocks, tau2: FloatArray, level: float, maxiter: int
) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """Q-profile confidence bounds for tau² (Viechtbauer 2007; metafor ``confint.rma.uni``).

    The bounds solve ``Q(t)`` = the chi²(k - 1) quantiles, searched in ``[0, max(100, 10 tau2)]`` with the
    steps of R's ``uniroot()``; a bound is 0 or the upper end of that interval when ``Q`` stays on one side.

    Parameters
    ----------
    blocks : Blocks
        The analyses, each with k >= 2.
    tau2 : numpy.ndarray
        Estimated tau² of each analysis (sets the search interval).
    level : float
        Confidence level.
    maxiter : int
        Iteration limit of each root search.

    Returns
    -------
    lb, ub : numpy.ndarray
        Lower and upper bounds for tau².
    converged : numpy.ndarray of bool
        Whether every needed root search converged.

    References
    ----------
    Viechtbauer (2007) :cite:`viechtbauer2007`
    metafor 3.8 :cite:`metafor`
    R ``uniroot()`` :cite:`rcore2022`
    """
    k = blocks.k
    df = k - 1.0
    alpha = 1.0 - level
    crit_u = distributions.chi2.isf(alpha / 2.0, df)
    crit_l = distributions.chi2.ppf(alpha / 2.0, df)
    n = k.size
    t_min = np.zeros(n)
    t_max = np.maximum(100.0, 10.0 * tau2)
    q_min = blocks.rowwise(q_statistic, t_min)
    q_max = blocks.rowwise(q_statistic, t_max)
    converged = np.ones(n, dtype=bool)

    ub = np.where(q_max > crit_l, t_max, np.nan)
    find_ub = (q_min >= crit_l) & (q_max <= crit_l)
    lb = np.where(q_min < crit_u, t_min, np.nan)
    find_lb = (q_max <= crit_u) & (q_min >= crit_u)
    # Both searches run as one batch of problems, ordered by analysis (hence by k) so that an
    # analysis needing both bounds appears twice in a row.
    rows = np.concatenate((np.flatnonzero(find_ub), np.flatnonzero(find_lb)))
    if rows.size:
        target = np.concatenate((crit_l[find_ub], crit_u[find_lb]))
        is_ub = np.arange(rows.size) < int(find_ub.sum())
        order = np.argsort(rows, kind="stable")
        rows, target, is_ub = rows[order], target[order], is_ub[order]
        res = zeroin(
            q_equation(blocks.take(rows), target),
            t_min[rows],
            t_max[rows],
            q_min[rows] - target,
            q_max[rows] - target,
            tol=R_UNIROOT_TOL,
            maxiter=maxiter,
        )
        ub[rows[is_ub]] = res.root[is_ub]
        lb[rows[~is_ub]] = res.root[~is_ub]
        np.logical_and.at(converged, rows, res.converged)
    both_low = q_min < crit_l
    lb = np.where(both_low, t_min, lb)
    ub = np.where(both_low, t_min, ub)
    both_high = q_max > crit_u
    lb = np.where(both_high, t_max, lb)
    ub = np.where(both_high, t_max, ub)
    return lb, ub, converged
