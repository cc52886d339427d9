"""Case diagnostics and cumulative meta-analysis, identical to R's metafor 3.8 for intercept-only models.

Influence diagnostics (metafor's ``influence.rma.uni()``; Viechtbauer & Cheung 2010). With the full fit
``mu``, ``vb = s2w / sum(w)`` (``s2w = 1`` for ``test="z"``, the Knapp-Hartung factor otherwise),
``w = 1/(vi + tau2)``, and for each study ``i`` the refit without it (same estimator, test and settings:
``mu_(-i)``, ``vb_(-i)``, ``s2w_(-i)``, ``tau2_(-i)``, Cochran's ``QE_(-i)``):

- ``hat_i = w_i / sum(w)`` (set to 1 above ``1 - 10 eps``) and ``weight_i = 100 hat_i``;
- externally standardised residual ``rstudent_i = (y_i - mu_(-i)) / sqrt(s2w_(-i) (v_i + tau2_(-i)) + vb_(-i))``
  (residuals below ``100 eps`` in absolute value set to 0);
- ``dffits_i = (mu - mu_(-i)) / sqrt(s2w_(-i) hat_i (tau2_(-i) + v_i))``;
- Cook's distance ``cook_d_i = (mu - mu_(-i))^2 / vb``; covariance ratio ``cov_r_i = vb_(-i) / vb``;
- ``dfbetas_i = (mu - mu_(-i)) / sqrt(s2w_(-i) / sum_j 1/(v_j + tau2_(-i)))`` (all k studies; used for
  the flag only);
- ``influential`` (metafor's ``*``): ``|dffits| > 3 sqrt(p/(k - p))``, or ``pchisq(cook_d, 1) > 0.5``, or
  ``hat > 3 p/k``, or ``|dfbetas| > 1``, with ``p = 1``. The covariance ratio does not enter the flag.

A refit of a single study (k = 2) has tau² = 0, ``QE = 0`` and test ``z`` (``s2w = 1``), as in metafor.

Cumulative meta-analysis (metafor's ``cumul.rma.uni()``; Lau et al. 1992): the studies are sorted by the
``order`` key (R's ``order()``: stable, so ties keep the input order) and the model is refitted to the
first 1, 2, ..., k of them. The one-study step reports the study's own effect with a normal-theory
interval, tau² = 0, ``Q = 0``, ``Q_p = 1``, ``I2 = 0`` and ``H2 = 1`` (metafor's ``rma.uni()`` with k = 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from qolreview.arrays import FloatArray
from qolreview.meta import distributions
from qolreview.meta.blocks import Blocks, Panel
from qolreview.meta.estimators import weighted_fit
from qolreview.meta.fit import _raise_unconverged
from qolreview.meta.inference import fit_blocks
from qolreview.meta.validation import validate_effects, validate_params

_EPS = float(np.finfo(np.float64).eps)

#: Columns of :func:`influence`, in order.
INFLUENCE_COLUMNS = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "qe_del", "hat", "weight", "influential")
#: Columns of :func:`cumulative`, in order.
CUMULATIVE_COLUMNS = (
    "k", "added", "order", "estimate", "se", "stat", "pval", "ci_lb", "ci_ub", "q", "q_p", "tau2", "i2", "h2",
)  # fmt: skip


def influence(
    yi: ArrayLike,
    vi: ArrayLike,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    *,
    threshold: float = 1e-12,
    maxiter: int = 1000,
    stepadj: float = 1.0,
) -> pd.DataFrame:
    """Influence diagnostics of every study (metafor's ``influence()`` on an intercept-only ``rma.uni`` fit).

    The k leave-one-out refits run as one vectorised batch. Formulas: see the module docstring.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and sampling variances of at least two studies, as for
        :func:`qolreview.meta.random_effects`.
    method, test, level, threshold, maxiter, stepadj
        As for :func:`qolreview.meta.random_effects`; the refits without each study use the same values.
        ``level`` does not change any diagnostic (kept for a uniform signature).

    Returns
    -------
    pandas.DataFrame
        One row per study, in input order, with the columns of :data:`INFLUENCE_COLUMNS`: ``rstudent``
        (externally standardised residual), ``dffits``, ``cook_d`` (Cook's distance), ``cov_r``
        (covariance ratio), ``tau2_del`` and ``qe_del`` (tau² and Cochran's Q without the study), ``hat``,
        ``weight`` (percent) and ``influential`` (bool, metafor's ``*``). With ``test="knha"``, a refit
        whose Knapp-Hartung factor is 0 (the other effects equal) gives infinite ``rstudent`` and
        ``dffits`` (NaN when the residual is 0 too) and ``cov_r = 0``, as in metafor.

    Raises
    ------
    ValueError
        For fewer than two studies, an invalid parameter or invalid ``yi``/``vi``, or, with
        ``test="knha"``, when the full model's Knapp-Hartung variance is 0 (metafor stops there too).
    ConvergenceError
        When the estimate of the full model or of a refit cannot be obtained.

    References
    ----------
    Viechtbauer & Cheung (2010) :cite:`viechtbauer2010outlier`
    Viechtbauer (2010) :cite:`viechtbauer2010`
    metafor 3.8 :cite:`metafor`
    """
    validate_params(method=method, test=test, level=level, threshold=threshold, maxiter=maxiter, stepadj=stepadj)
    y, v = validate_effects(yi, vi)
    k = y.size
    if k < 2:
        raise ValueError("Influence diagnostics need at least two studies (metafor stops when k = 1).")

    full_panel = Panel.from_padded(y[None, :], v[None, :], np.ones((1, k), dtype=bool))
    full = fit_blocks(Blocks((full_panel,)), method, test, level, False, threshold, maxiter, stepadj)
    _raise_unconverged(full, method, threshold, labels=None)
    mu, vb, _, w = _moments(full_panel, full["tau2"], test)
    if not vb[0] > 0.0:
        raise ValueError(
            "The Knapp-Hartung variance of the pooled estimate is 0 (no residual heterogeneity): "
            "Cook's distance and the covariance ratio are undefined."
        )
    hat = w[0] / w[0].sum()
    hat[hat > 1.0 - 10.0 * _EPS] = 1.0

    keep = ~np.eye(k, dtype=bool)
    loo_panel = Panel.from_padded(
        np.broadcast_to(y, (k, k))[keep].reshape(k, k - 1),
        np.broadcast_to(v, (k, k))[keep].reshape(k, k - 1),
        np.ones((k, k - 1), dtype=bool),
    )
    loo = fit_blocks(Blocks((loo_panel,)), method, test, level, False, threshold, maxiter, stepadj)
    _raise_unconverged(loo, method, threshold, labels=[f"without study {i}" for i in range(k)])
    tau2_del = loo["tau2"]
    # A single remaining study: test z (s2w = 1) and QE = 0 (metafor's rma.uni with k = 1).
    loo_test = test if k > 2 else "z"
    qe_del = loo["q"] if k > 2 else np.zeros(k)
    mu_del, vb_del, s2w_del, _ = _moments(loo_panel, tau2_del, loo_test)

    diff = mu[0] - mu_del
    resid = y - mu_del
    resid[np.abs(resid) < 100.0 * _EPS] = 0.0
    vb_all_del = 1.0 / (1.0 / (v[None, :] + tau2_del[:, None])).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rstudent = resid / np.sqrt(v * s2w_del + vb_del + tau2_del * s2w_del)
        dffits = diff / np.sqrt(s2w_del * hat * (tau2_del + v))
        dfbetas = diff / np.sqrt(s2w_del * vb_all_del)
    cook_d = diff**2 / vb[0]
    cov_r = vb_del / vb[0]
    # NaN comparisons are False: the same as metafor's `is.infl & !is.na(is.infl)` for R's NA logic.
    influential = (
        (np.abs(dffits) > 3.0 * np.sqrt(1.0 / (k - 1.0)))
        | (distributions.chi2.cdf(cook_d, 1) > 0.5)
        | (hat > 3.0 / k)
        | (np.abs(dfbetas) > 1.0)
    )
    return pd.DataFrame(
        {
            "rstudent": rstudent,
            "dffits": dffits,
            "cook_d": cook_d,
            "cov_r": cov_r,
            "tau2_del": tau2_del,
            "qe_del": qe_del,
            "hat": hat,
            "weight": 100.0 * hat,
            "influential": influential,
        },
        columns=list(INFLUENCE_COLUMNS),
    )


def cumulative(
    yi: ArrayLike,
    vi: ArrayLike,
    order: ArrayLike | None = None,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    *,
    decreasing: bool = False,
    threshold: float = 1e-12,
    maxiter: int = 1000,
    stepadj: float = 1.0,
) -> pd.DataFrame:
    """Cumulative meta-analysis: the fit after each added study (metafor 3.8's ``cumul(fit, order=)``).

    The k fits run as one vectorised batch.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and sampling variances, as for :func:`qolreview.meta.random_effects`.
    order : array_like, optional
        Sort key, one value per study (e.g. the publication year), as metafor 3.8's ``order`` argument:
        studies are added in ascending order of the key (descending with ``decreasing=True``); ties
        keep the input order. Not a vector of study indices (metafor before 3.0 took indices). Numbers,
        booleans, dates or strings without missing values; strings sort by code point (R by the
        locale's collation). ``None`` adds the studies in input order.
    method, test, level, threshold, maxiter, stepadj
        As for :func:`qolreview.meta.random_effects`. The one-study step always uses ``test="z"``.
    decreasing : bool, default False
        Add the studies in descending order of ``order`` (metafor's ``decreasing`` argument).

    Returns
    -------
    pandas.DataFrame
        One row per step, with the columns of :data:`CUMULATIVE_COLUMNS`: ``k`` (studies included),
        ``added`` (0-based input position of the study added at that step), ``order`` (its sort key, or
        ``added`` when ``order`` is None), then ``estimate``, ``se``, ``stat`` (z or t), ``pval``,
        ``ci_lb``, ``ci_ub``, ``q``, ``q_p`` (Cochran's Q and its p-value), ``tau2``, ``i2`` (percent)
        and ``h2`` of the fit to the first ``k`` studies. The first step reports the study's own effect
        with tau² = 0, Q = 0, ``q_p = 1``, I² = 0 and H² = 1, as metafor does.

    Raises
    ------
    ValueError
        For an invalid parameter, invalid ``yi``/``vi``, or an ``order`` that is not one-dimensional,
        not of the same length as ``yi``, has missing values or cannot be sorted.
    ConvergenceError
        When the estimate of any step cannot be obtained.

    References
    ----------
    Lau et al. (1992) :cite:`lau1992`
    Viechtbauer (2010) :cite:`viechtbauer2010`
    metafor 3.8 :cite:`metafor`
    """
    validate_params(method=method, test=test, level=level, threshold=threshold, maxiter=maxiter, stepadj=stepadj)
    if not isinstance(decreasing, (bool, np.bool_)):
        raise ValueError(f"Invalid value for parameter 'decreasing': {decreasing!r}; expected True or False.")
    y, v = validate_effects(yi, vi)
    k = y.size
    key = np.arange(k) if order is None else _validate_order(order, k)
    perm = _stable_order(key, bool(decreasing))

    sizes = np.arange(1, k + 1)
    take = np.concatenate([perm[:n] for n in sizes])
    blocks = Blocks.from_flat(y[take], v[take], sizes)
    cols = fit_blocks(blocks, method, test, level, False, threshold, maxiter, stepadj)
    _raise_unconverged(cols, method, threshold, labels=[f"step {n} (k = {n})" for n in sizes])
    # The one-study fit: metafor's rma.uni() reports QE = 0, QEp = 1, I2 = 0 and H2 = 1.
    cols["q"][0], cols["q_p"][0], cols["i2"][0], cols["h2"][0] = 0.0, 1.0, 0.0, 1.0
    frame = pd.DataFrame({name: cols[name] for name in CUMULATIVE_COLUMNS if name in cols})
    frame.insert(1, "added", perm)
    frame.insert(2, "order", key[perm])
    return frame[list(CUMULATIVE_COLUMNS)]


def _moments(panel: Panel, tau2: FloatArray, test: str) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Pooled estimate, its variance ``vb``, the Knapp-Hartung factor ``s2w`` and the weights of each row.

    As metafor's ``rma.uni()``: ``vb = s2w / sum(w)``; ``s2w = 1`` for ``test="z"``, otherwise the
    generalised Q at tau² over ``k - 1``, or 0 when that Q is at most machine epsilon.
    """
    fit = weighted_fit(panel, tau2)
    if test == "knha":
        s2w = np.where(fit.rss <= _EPS, 0.0, fit.rss / (panel.k - 1.0))
    else:
        s2w = np.ones_like(fit.mu)
    return fit.mu, s2w / fit.sum_w, s2w, fit.w


def _validate_order(order: ArrayLike, k: int) -> NDArray:
    """The sort key as a 1-D array of length ``k`` without missing values."""
    key = np.asarray(order)
    if key.ndim != 1:
        raise ValueError("order must be one-dimensional.")
    if key.size != k:
        raise ValueError(f"order must have one value per study ({k}), got {key.size}.")
    missing = np.flatnonzero(pd.isna(key))
    if missing.size:
        raise ValueError(f"order[{missing[0]}] is missing; every study needs a sort key.")
    return key


def _stable_order(key: NDArray, decreasing: bool) -> NDArray[np.intp]:
    """Positions that sort ``key`` with ties in input order (R's ``order()``), ascending or descending."""
    try:
        codes = np.unique(key, return_inverse=True)[1].reshape(-1)
    except TypeError as err:
        raise ValueError(f"order values cannot be sorted: {err}") from None
    return np.argsort(-codes if decreasing else codes, kind="stable")
