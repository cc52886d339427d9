"""Helpers for synthesis: the test for subgroup differences and composites of dependent effects."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from qolreview.meta import distributions
from qolreview.meta.validation import validate_effects


@dataclass(frozen=True)
class SubgroupTest:
    """Test for subgroup differences: ``q`` on ``df`` degrees of freedom with chi² p-value.

    Attributes
    ----------
    q : float
        Q_between.
    df : int
        Number of subgroups minus 1.
    pval : float
        Upper-tail chi²(df) p-value of ``q``.

    References
    ----------
    Borenstein et al. (2009), ch. 19 :cite:`borenstein2009`
    """

    q: float
    df: int
    pval: float


@dataclass(frozen=True)
class Composite:
    """Mean of several dependent effects of one study and its variance.

    Attributes
    ----------
    estimate : float
        Mean of the effects.
    variance : float
        Its variance, allowing for the correlations between the effects.
    m : int
        Number of effects combined.

    References
    ----------
    Borenstein et al. (2009), ch. 24 :cite:`borenstein2009`
    """

    estimate: float
    variance: float
    m: int


def subgroup_test(estimates: ArrayLike, ses: ArrayLike) -> SubgroupTest:
    """Q_between from separately fitted subgroups, compared with chi²(g - 1).

    ``Q = sum(w_j (theta_j - theta_bar)^2)`` with ``w_j = 1/se_j^2`` and ``theta_bar`` the
    inverse-variance mean of the subgroup estimates (Borenstein et al. 2009, ch. 19; Cochrane Handbook
    10.11.3.1).

    Parameters
    ----------
    estimates : array_like
        Pooled estimate of each of the g subgroups (finite).
    ses : array_like
        Their standard errors (finite, nonzero).

    Returns
    -------
    SubgroupTest
        Q_between, df = g - 1 and the chi² p-value.

    Raises
    ------
    ValueError
        For fewer than two subgroups, or invalid estimates or standard errors.

    References
    ----------
    Borenstein et al. (2009), ch. 19 :cite:`borenstein2009`
    Cochrane Handbook 10.11.3.1 :cite:`cochrane2023`
    """
    theta, var = validate_effects(estimates, np.square(np.asarray(ses, dtype=float)))
    if theta.size < 2:
        raise ValueError("The test for subgroup differences needs at least two subgroups.")
    w = 1.0 / var
    pooled = np.sum(w * theta) / np.sum(w)
    q = float(np.sum(w * (theta - pooled) ** 2))
    df = theta.size - 1
    return SubgroupTest(q=q, df=df, pval=float(distributions.chi2.sf(q, df)))


def combine_dependent(yi: ArrayLike, vi: ArrayLike, r: float | ArrayLike) -> Composite:
    """Composite of ``m`` effects from the same participants (Borenstein et al. 2009, ch. 24).

    Estimate: the mean of the effects. Variance: ``(1/m)^2 (sum(vi) + sum_{i != j} r_ij sqrt(vi vj))``.

    Parameters
    ----------
    yi : array_like
        The ``m`` effect sizes (finite).
    vi : array_like
        Their sampling variances (finite and > 0).
    r : float or array_like
        One correlation for every pair, or an ``m x m`` symmetric matrix (its diagonal is ignored);
        values in [-1, 1].

    Returns
    -------
    Composite
        The mean, its variance and ``m``.

    Raises
    ------
    ValueError
        For invalid ``yi``/``vi``, an ``r`` of the wrong shape, or an ``r`` that is not finite, symmetric
        and between -1 and 1.

    References
    ----------
    Borenstein et al. (2009), ch. 24 :cite:`borenstein2009`
    """
    y, v = validate_effects(yi, vi)
    m = y.size
    corr = np.asarray(r, dtype=float)
    if corr.ndim == 0:
        corr = np.full((m, m), float(corr))
    if corr.shape != (m, m):
        raise ValueError(f"r must be a number or a {m} x {m} matrix, got shape {corr.shape}.")
    if not np.allclose(corr, corr.T) or np.any(np.abs(corr) > 1.0) or not np.all(np.isfinite(corr)):
        raise ValueError("r must be finite, symmetric and between -1 and 1.")
    sd = np.sqrt(v)
    cov = corr * np.outer(sd, sd)
    np.fill_diagonal(cov, v)
    return Composite(estimate=float(y.mean()), variance=float(cov.sum() / m**2), m=m)
