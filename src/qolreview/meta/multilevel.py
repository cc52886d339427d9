"""Correlated-and-hierarchical-effects (CHE) working model with CR2 cluster-robust inference.

The CHE model of Pustejovsky & Tipton (2022) for several effect sizes per study, as metafor 3.8 and
clubSandwich 0.5.8 fit it::

    V   <- vcalc(vi, cluster = cluster, obs = obs, rho = rho)
    fit <- rma.mv(yi, V, random = ~ 1 | cluster / obs, method = "REML")
    rob <- robust(fit, cluster = cluster, clubSandwich = TRUE)

Model. Rows ``i``, ``j`` of the same cluster have sampling covariance ``rho sqrt(vi_i vi_j)`` (``vcalc``
with only ``obs`` given; rows of different clusters are independent). With ``1`` a vector of ones, the
marginal covariance of cluster ``c`` is ``M_c = V_c + s_b 11' + s_w I`` (``s_b`` between
clusters, ``s_w`` between effects within a cluster). The intercept ``mu`` is the GLS estimate
``1'W y / 1'W 1`` with ``W = M^{-1}``, its model-based variance ``1 / 1'W 1`` (z test, as ``rma.mv``).

REML. ``s_b, s_w >= 0`` maximise the restricted log-likelihood
``-1/2 (log|M| + log 1'W1 + r'W r)`` (``r = y - mu``) by Newton's method on the variances, with Fisher
scoring whenever the observed information is not positive definite, a step-halving line search and an
active set for the bounds (a variance with negative gradient at 0 stays at 0). With
``P = W - W11'W / 1'W1`` and ``D_b = 11'``, ``D_w = I`` (blockwise): gradient
``-1/2 tr(P D) + 1/2 y'P D P y``, expected information ``1/2 tr(P D_i P D_j)``, observed information
``y'P D_i P D_j P y - 1/2 tr(P D_i P D_j)`` (Harville 1977). metafor maximises the same function
with ``nlminb`` on log-variances, so it agrees to its stopping tolerance (within about 2e-6 relative
for interior estimates) and stops short of an exact 0 on the boundary (values such as 1e-12).

CR2 (clubSandwich's ``vcovCR.rma.mv`` with its default target: ``inverse_var = TRUE``, target
``Theta_c = M_c``). For cluster ``c`` with ``M_c = R'R`` (upper Cholesky factor), ``a_c = W_c 1`` and
``S = sum(1'W_c 1)``: ``G_c = R (I - 1 a_c'/S) M_c R' = R (M_c - 11'/S) R'``,
``A_c = R' G_c^{-1/2} R`` (symmetric power over eigenvalues > 1e-12, others set to 0),
``e_c = a_c' A_c r_c`` and ``V_CR2 = sum(e_c^2) / S^2``. Satterthwaite degrees of freedom
(``coef_test``): with ``g_c = (a_c' A_c / S) R'`` and ``h_c = a_c' A_c 1 / S^{3/2}``, the square
matrix ``Pi = diag(|g_c|^2) - h h'`` (one row per cluster) gives ``df = tr(Pi)^2 / sum(Pi^2)``
(Pustejovsky & Tipton 2018; Tipton & Pustejovsky 2015; Bell & McCaffrey 2002). The robust test and
interval use t(df).

With one effect per cluster the two variances enter only through their sum; its REML estimate is
split equally, as metafor's optimiser (started at equal values, with identical gradients) leaves it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from qolreview.arrays import FloatArray
from qolreview.meta import distributions
from qolreview.meta.results import ConvergenceError
from qolreview.meta.validation import validate_effects, validate_params

#: Relative change of the variance components at which the REML iterations stop.
REML_XTOL = 1e-11
#: Iteration limit of the REML maximisation.
REML_MAXITER = 200
#: Eigenvalues at or below this are treated as 0 in ``G_c^{-1/2}`` (clubSandwich's ``matrix_power``).
CR2_EIGEN_TOL = 1e-12
#: Halvings of a REML step before the line search gives up.
_MAX_HALVINGS = 60


@dataclass(frozen=True)
class CorrelatedHierarchicalResult:
    """CHE model fit (``rma.mv``) with CR2 cluster-robust inference (``robust(clubSandwich = TRUE)``).

    Attributes
    ----------
    estimate : float
        Pooled effect (GLS intercept).
    se, ci_lb, ci_ub, pval : float
        Model-based standard error, normal-theory confidence interval and two-sided z-test p-value.
    sigma2_between, sigma2_within : float
        REML estimates of the between-cluster and the within-cluster (between-effect) variance.
    robust_se : float
        CR2 cluster-robust standard error.
    robust_df : float
        Satterthwaite degrees of freedom of the robust t test.
    robust_ci_lb, robust_ci_ub, robust_pval : float
        Robust confidence interval and p-value from t(``robust_df``).
    pi_lb, pi_ub : float
        Prediction interval ``estimate -/+ t_crit sqrt(robust_se^2 + sigma2_between + sigma2_within)``, as
        ``predict()`` of the robust fit gives it.
    qe, qe_df, qe_p : float, int, float
        Test for residual heterogeneity (``rma.mv``'s ``QE``: ``y'(V^-1 - V^-1 1 1'V^-1 / 1'V^-1 1) y`` on
        ``k - 1`` df, ``V`` the sampling covariance).
    i2 : float
        Total I² (%) of the multilevel model: ``100 (s_b + s_w) / (s_b + s_w + (k - 1) / tr(P))`` with
        ``P = W - W 1 1'W / 1'W 1`` and ``W = V^-1`` (Nakagawa & Santos 2012; metafor's documentation,
        "I² for multilevel and multivariate models").
    weights : tuple of float
        Percent weight of each cluster (its rows' sums of the model's weight matrix ``M^-1``, as
        ``weights(fit, type = "rowsum")``, added up per cluster), clusters in order of first appearance.
    k : int
        Number of effect sizes.
    n_clusters : int
        Number of clusters.

    References
    ----------
    Pustejovsky & Tipton (2022) :cite:`pustejovsky2022`
    Pustejovsky & Tipton (2018) :cite:`pustejovsky2018`
    Nakagawa & Santos (2012) :cite:`nakagawa2012`
    metafor 3.8 :cite:`metafor`
    clubSandwich 0.5.8 :cite:`clubsandwich`
    """

    estimate: float
    se: float
    ci_lb: float
    ci_ub: float
    pval: float
    sigma2_between: float
    sigma2_within: float
    robust_se: float
    robust_df: float
    robust_ci_lb: float
    robust_ci_ub: float
    robust_pval: float
    pi_lb: float
    pi_ub: float
    qe: float
    qe_df: int
    qe_p: float
    i2: float
    weights: tuple[float, ...]
    k: int
    n_clusters: int

    def to_dict(self) -> dict[str, Any]:
        """All fields as a plain dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class _SizeGroup:
    """Clusters of one size ``n``, stacked: ``y`` is (g, n), ``v_mat`` the sampling covariances (g, n, n).

    ``clusters`` holds the g cluster codes.
    """

    y: FloatArray
    v_mat: FloatArray
    clusters: NDArray[np.intp]

    @property
    def n(self) -> int:
        return int(self.y.shape[1])


@dataclass(frozen=True)
class _Evaluation:
    """Restricted log-likelihood (up to a constant) and, on request, its derivatives."""

    loglik: float
    grad: FloatArray | None = None
    expected: FloatArray | None = None
    observed: FloatArray | None = None


def correlated_hierarchical(
    yi: ArrayLike,
    vi: ArrayLike,
    cluster: ArrayLike,
    obs: ArrayLike,
    rho: float,
    level: float = 0.95,
) -> CorrelatedHierarchicalResult:
    """Fit the CHE working model by REML and add CR2 cluster-robust inference with Satterthwaite df.

    Equals metafor 3.8's ``rma.mv(yi, vcalc(vi, cluster, obs = obs, rho = rho), random = ~ 1 |
    cluster/obs, method = "REML")`` followed by ``robust(fit, cluster, clubSandwich = TRUE)``
    (clubSandwich 0.5.8: ``vcovCR`` type CR2 and ``coef_test``/``conf_int`` with Satterthwaite df).

    Parameters
    ----------
    yi : array_like
        Effect sizes (finite), one per row.
    vi : array_like
        Their sampling variances (finite and > 0).
    cluster : array_like
        Cluster (study) label of each row; any hashable labels, no missing values.
    obs : array_like
        Label of each effect within its cluster; the (cluster, obs) pairs must be unique (``vcalc``
        would give repeated pairs a sampling correlation of 1, a singular ``V``).
    rho : float
        Sampling correlation between different effects of one cluster, in [0, 1).
    level : float, default 0.95
        Confidence level of both intervals (strictly in (0, 1)).

    Returns
    -------
    CorrelatedHierarchicalResult
        Model-based and robust inference on the pooled effect and both variance components.

    Raises
    ------
    ValueError
        For invalid ``yi``/``vi``, labels of the wrong length or with missing values, repeated
        (cluster, obs) pairs, fewer than two clusters, ``rho`` outside [0, 1) or an invalid ``level``.
    ConvergenceError
        When the REML maximisation does not converge.

    References
    ----------
    Pustejovsky & Tipton (2022) :cite:`pustejovsky2022`
    Pustejovsky & Tipton (2018) :cite:`pustejovsky2018`
    Tipton & Pustejovsky (2015) :cite:`tipton2015`
    Bell & McCaffrey (2002) :cite:`bell2002`
    Harville (1977) :cite:`harville1977`
    Viechtbauer (2010) :cite:`viechtbauer2010`
    metafor 3.8 :cite:`metafor`
    clubSandwich 0.5.8 :cite:`clubsandwich`
    """
    validate_params(level=level)
    y, v = validate_effects(yi, vi)
    if not (
        isinstance(rho, (int, float, np.integer, np.floating))
        and not isinstance(rho, bool)
        and math.isfinite(float(rho))
        and 0.0 <= float(rho) < 1.0
    ):
        raise ValueError(f"Invalid value for parameter 'rho': {rho!r}; expected a number in [0, 1).")
    cluster_codes = _codes("cluster", cluster, y.size)
    obs_codes = _codes("obs", obs, y.size)
    n_clusters = int(cluster_codes.max()) + 1
    if n_clusters < 2:
        raise ValueError(f"At least two clusters are needed for cluster-robust inference, got {n_clusters}.")
    pairs = pd.Series(cluster_codes * (int(obs_codes.max()) + 1) + obs_codes)
    repeated = np.flatnonzero(pairs.duplicated().to_numpy())
    if repeated.size:
        raise ValueError(
            f"(cluster, obs) pairs must be unique: row {repeated[0]} repeats an earlier pair "
            "(vcalc would give the two effects a sampling correlation of 1)."
        )
    groups = _size_groups(y, v, cluster_codes, float(rho))
    identified = y.size > n_clusters
    sigma2 = _reml(groups, y, v, identified)
    return _inference(groups, sigma2, level, k=y.size, n_clusters=n_clusters)


def _codes(name: str, labels: ArrayLike, k: int) -> NDArray[np.intp]:
    """Integer codes of ``labels`` (one-dimensional, length ``k``, no missing values)."""
    values = np.asarray(labels, dtype=object)
    if values.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional.")
    series = pd.Series(values)
    if series.size != k:
        raise ValueError(f"{name} must have one label per effect size: got {series.size} labels for {k} effects.")
    missing = np.flatnonzero(series.isna().to_numpy())
    if missing.size:
        raise ValueError(f"{name}[{missing[0]}] is missing.")
    codes, _ = pd.factorize(series)
    return codes.astype(np.intp)


def _size_groups(y: FloatArray, v: FloatArray, cluster_codes: NDArray[np.intp], rho: float) -> tuple[_SizeGroup, ...]:
    """Clusters stacked by size, with ``V`` as ``vcalc(vi, cluster, obs, rho)`` builds it."""
    sizes = np.bincount(cluster_codes)
    order = np.argsort(cluster_codes, kind="stable")
    starts = np.concatenate(([0], np.cumsum(sizes)))
    groups = []
    for n in np.unique(sizes):
        members = np.flatnonzero(sizes == n)
        rows = order[starts[members][:, None] + np.arange(n)[None, :]]
        sd = np.sqrt(v[rows])
        corr = np.full((n, n), rho)
        np.fill_diagonal(corr, 1.0)
        groups.append(_SizeGroup(y=y[rows], v_mat=sd[:, :, None] * sd[:, None, :] * corr, clusters=members))
    return tuple(groups)


def _components(n: int, identified: bool) -> tuple[FloatArray, ...]:
    """Derivatives ``dM_c/ds`` of one cluster of size ``n``: the all-ones block and the identity."""
    ones = np.ones((n, n))
    return (ones, np.eye(n)) if identified else (ones,)


def _evaluate(groups: tuple[_SizeGroup, ...], s: FloatArray, identified: bool, derivatives: bool) -> _Evaluation:
    """Restricted log-likelihood at variance components ``s`` (``-inf`` when ``M`` is not positive definite)."""
    parts = []
    logdet = 0.0
    s_total = 0.0
    a_y = 0.0
    for group in groups:
        comps = _components(group.n, identified)
        m = group.v_mat + sum(si * d for si, d in zip(s, comps, strict=True))
        try:
            chol = np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            return _Evaluation(loglik=-math.inf)
        inv_chol = np.linalg.inv(chol)
        w = np.swapaxes(inv_chol, 1, 2) @ inv_chol
        a = w.sum(axis=2)
        logdet += 2.0 * float(np.log(np.diagonal(chol, axis1=1, axis2=2)).sum())
        s_total += float(a.sum())
        a_y += float(np.einsum("ga,ga->", a, group.y))
        parts.append((group, comps, w, a))
    mu = a_y / s_total
    rwr = 0.0
    qs = []
    for group, _, w, _ in parts:
        q = np.einsum("gab,gb->ga", w, group.y - mu)
        rwr += float(np.einsum("ga,ga->", group.y - mu, q))
        qs.append(q)
    loglik = -0.5 * (logdet + math.log(s_total) + rwr)
    if not derivatives:
        return _Evaluation(loglik=loglik)
    nc = len(s)
    tr_wd = np.zeros(nc)
    a_d_a = np.zeros(nc)
    q_d_q = np.zeros(nc)
    a_d_q = np.zeros(nc)
    tr_wdwd = np.zeros((nc, nc))
    da_w_da = np.zeros((nc, nc))
    dq_w_dq = np.zeros((nc, nc))
    for (_, comps, w, a), q in zip(parts, qs, strict=True):
        wd = [w @ d for d in comps]
        da = [a @ d for d in comps]
        dq = [q @ d for d in comps]
        for i in range(nc):
            tr_wd[i] += float(np.einsum("gaa->", wd[i]))
            a_d_a[i] += float(np.einsum("ga,ga->", a, da[i]))
            q_d_q[i] += float(np.einsum("ga,ga->", q, dq[i]))
            a_d_q[i] += float(np.einsum("ga,ga->", a, dq[i]))
            for j in range(i, nc):
                tr_wdwd[i, j] += float(np.einsum("gab,gba->", wd[i], wd[j]))
                da_w_da[i, j] += float(np.einsum("ga,gab,gb->", da[i], w, da[j]))
                dq_w_dq[i, j] += float(np.einsum("ga,gab,gb->", dq[i], w, dq[j]))
    tr_wdwd = np.triu(tr_wdwd) + np.triu(tr_wdwd, 1).T
    da_w_da = np.triu(da_w_da) + np.triu(da_w_da, 1).T
    dq_w_dq = np.triu(dq_w_dq) + np.triu(dq_w_dq, 1).T
    grad = -0.5 * (tr_wd - a_d_a / s_total) + 0.5 * q_d_q
    expected = 0.5 * (tr_wdwd - 2.0 * da_w_da / s_total + np.outer(a_d_a, a_d_a) / s_total**2)
    observed = (dq_w_dq - np.outer(a_d_q, a_d_q) / s_total) - expected
    return _Evaluation(loglik=loglik, grad=grad, expected=expected, observed=observed)


def _start(y: FloatArray, v: FloatArray, groups: tuple[_SizeGroup, ...]) -> float:
    """metafor's starting value of the total variance: residual variance around the fixed-effect fit minus
    a typical sampling variance, at least 0.002 (``rma.mv``'s ``total``)."""
    num = 0.0
    den = 0.0
    for group in groups:
        w = np.linalg.inv(group.v_mat)
        num += float(np.einsum("gab,gb->", w, group.y))
        den += float(w.sum())
    resid = y - num / den
    return max(0.002, float(np.var(resid, ddof=1)) - 1.0 / float(np.mean(1.0 / v)))


def _reml(groups: tuple[_SizeGroup, ...], y: FloatArray, v: FloatArray, identified: bool) -> tuple[float, float]:
    """REML estimates ``(sigma2_between, sigma2_within)`` by bounded Newton / Fisher scoring."""
    nc = 2 if identified else 1
    s = np.full(nc, _start(y, v, groups) / nc)
    current = _evaluate(groups, s, identified, derivatives=True)
    for _ in range(REML_MAXITER):
        assert current.grad is not None and current.observed is not None and current.expected is not None
        grad = current.grad
        free = (s > 0.0) | (grad > 0.0)
        if not free.any():
            return _split(s, identified)
        info = current.observed[np.ix_(free, free)]
        if np.any(np.linalg.eigvalsh(info) <= 0.0):
            info = current.expected[np.ix_(free, free)]
        step = np.zeros(nc)
        step[free] = np.linalg.solve(info, grad[free])
        for _ in range(_MAX_HALVINGS):
            candidate = np.maximum(s + step, 0.0)
            trial = _evaluate(groups, candidate, identified, derivatives=False)
            if trial.loglik >= current.loglik - 1e-12 * abs(current.loglik):
                break
            step /= 2.0
        else:
            raise ConvergenceError(
                "REML estimation of the CHE model failed: no step along the Newton/Fisher scoring direction "
                f"increases the restricted likelihood (variance components {s.tolist()})."
            )
        change = float(np.max(np.abs(candidate - s)))
        s = candidate
        current = _evaluate(groups, s, identified, derivatives=True)
        if change <= REML_XTOL * max(float(s.sum()), np.finfo(float).tiny):
            return _split(s, identified)
    raise ConvergenceError(
        f"REML estimation of the CHE model did not converge after {REML_MAXITER} iterations "
        f"(last variance components {s.tolist()})."
    )


def _split(s: FloatArray, identified: bool) -> tuple[float, float]:
    if identified:
        return float(s[0]), float(s[1])
    return float(s[0]) / 2.0, float(s[0]) / 2.0


def _inference(
    groups: tuple[_SizeGroup, ...], sigma2: tuple[float, float], level: float, *, k: int, n_clusters: int
) -> CorrelatedHierarchicalResult:
    """Model-based z inference, CR2 / Satterthwaite robust inference and heterogeneity at the REML estimates."""
    fitted = []
    s_total = 0.0
    a_y = 0.0
    cluster_weight = np.zeros(n_clusters)
    for group in groups:
        n = group.n
        m = group.v_mat + sigma2[0] * np.ones((n, n)) + sigma2[1] * np.eye(n)
        chol = np.linalg.cholesky(m)
        inv_chol = np.linalg.inv(chol)
        w = np.swapaxes(inv_chol, 1, 2) @ inv_chol
        a = w.sum(axis=2)
        s_total += float(a.sum())
        a_y += float(np.einsum("ga,ga->", a, group.y))
        cluster_weight[group.clusters] = a.sum(axis=1)
        fitted.append((group, m, chol, a))
    estimate = a_y / s_total
    se = math.sqrt(1.0 / s_total)
    z_crit = float(distributions.norm.ppf(0.5 + level / 2.0))
    pval = float(2.0 * distributions.norm.sf(abs(estimate / se)))

    sum_e2 = 0.0
    gg_parts = []
    h_parts = []
    for group, m, chol, a in fitted:
        upper = np.swapaxes(chol, 1, 2)  # R with M = R'R
        r1 = upper.sum(axis=2)  # R 1
        g_mat = upper @ m @ chol - r1[:, :, None] * r1[:, None, :] / s_total
        evals, evecs = np.linalg.eigh(g_mat)
        keep = evals > CR2_EIGEN_TOL
        power = np.zeros_like(evals)
        power[keep] = evals[keep] ** -0.5
        g_inv_half = (evecs * power[:, None, :]) @ np.swapaxes(evecs, 1, 2)
        adjust = chol @ g_inv_half @ upper  # A_c = R' G^{-1/2} R
        est_row = np.einsum("ga,gab->gb", a, adjust)  # a_c' A_c
        sum_e2 += float(np.sum(np.einsum("gb,gb->g", est_row, group.y - estimate) ** 2))
        g_vec = np.einsum("gb,gcb->gc", est_row / s_total, upper)  # (a_c' A_c / S) R'
        gg_parts.append(np.einsum("gc,gc->g", g_vec, g_vec))
        h_parts.append(est_row.sum(axis=1) / s_total**1.5)
    gg = np.concatenate(gg_parts)
    h2 = np.concatenate(h_parts) ** 2
    robust_se = math.sqrt(sum_e2) / s_total
    robust_df = float((gg.sum() - h2.sum()) ** 2 / (np.sum(gg**2) - 2.0 * np.sum(gg * h2) + h2.sum() ** 2))
    t_crit = float(distributions.t.ppf(0.5 + level / 2.0, robust_df))
    robust_pval = float(2.0 * distributions.t.sf(abs(estimate / robust_se), robust_df))
    pi_half = t_crit * math.sqrt(robust_se**2 + sigma2[0] + sigma2[1])
    qe, trace_p = _heterogeneity(groups)
    typical_v = (k - 1) / trace_p
    return CorrelatedHierarchicalResult(
        estimate=estimate,
        se=se,
        ci_lb=estimate - z_crit * se,
        ci_ub=estimate + z_crit * se,
        pval=pval,
        sigma2_between=sigma2[0],
        sigma2_within=sigma2[1],
        robust_se=robust_se,
        robust_df=robust_df,
        robust_ci_lb=estimate - t_crit * robust_se,
        robust_ci_ub=estimate + t_crit * robust_se,
        robust_pval=robust_pval,
        pi_lb=estimate - pi_half,
        pi_ub=estimate + pi_half,
        qe=qe,
        qe_df=k - 1,
        qe_p=float(distributions.chi2.sf(qe, k - 1)),
        i2=100.0 * (sigma2[0] + sigma2[1]) / (sigma2[0] + sigma2[1] + typical_v),
        weights=tuple(float(w) for w in 100.0 * cluster_weight / s_total),
        k=k,
        n_clusters=n_clusters,
    )


def _heterogeneity(groups: tuple[_SizeGroup, ...]) -> tuple[float, float]:
    """``QE`` and ``tr(P)`` of the intercept-only model under the sampling covariance ``V`` alone.

    With ``W = V^-1`` (blockwise), ``a = W 1`` and ``S = 1'W 1``: ``QE = y'W y - (a'y)^2 / S`` and
    ``tr(P) = tr(W) - a'a / S``.
    """
    ywy = trace_w = s_v = a_y = a_a = 0.0
    for group in groups:
        w = np.linalg.inv(group.v_mat)
        a = w.sum(axis=2)
        ywy += float(np.einsum("ga,gab,gb->", group.y, w, group.y))
        trace_w += float(np.einsum("gaa->", w))
        s_v += float(a.sum())
        a_y += float(np.einsum("ga,ga->", a, group.y))
        a_a += float(np.einsum("ga,ga->", a, a))
    return ywy - a_y**2 / s_v, trace_w - a_a / s_v
