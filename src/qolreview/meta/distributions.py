"""The normal, t, chi-squared and F distribution functions the library uses, as ``scipy.stats`` computes them.

``scipy.stats.norm.ppf`` and its siblings are thin wrappers over the ``scipy.special`` functions called here
(scipy 1.17, ``scipy/stats/_continuous_distns.py``: ``norm_gen``, ``t_gen``, ``chi2_gen``, ``f_gen``), so the
values are the same to the bit (tested on a grid and at the edges of each support). Importing ``scipy.stats``
takes about a second and every pipeline job would pay it; ``scipy.special`` takes a third of that.

Each distribution is a namespace of its functions, called as ``norm.isf(q)`` or ``t.sf(x, df)``. Arguments
are scalars or arrays; the result is a NumPy float (a 0-d result is a ``numpy.float64``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

Special = Callable[[np.ndarray], Any]
"""A ``scipy.special`` function of the argument (the parameters bound)."""


def _result(values: ArrayLike) -> Any:
    """A NumPy array, or a ``numpy.float64`` for a scalar result, with -0.0 read as 0.0 (as ``scipy.stats``
    returns them: it adds the location 0 to every quantile)."""
    out = np.asarray(values, dtype=np.float64) + 0.0
    return out[()] if out.ndim == 0 else out


def _valid(params: tuple[ArrayLike, ...]) -> Any:
    """Where every shape parameter (degrees of freedom) is positive: ``scipy.stats``'s ``_argcheck``."""
    valid: Any = np.True_
    for param in params:
        valid = valid & (np.asarray(param, dtype=np.float64) > 0)
    return valid


def _probability(value: Special, x: ArrayLike, params: tuple[ArrayLike, ...], lower: float, at_lower: float) -> Any:
    """``rv_continuous.cdf`` / ``sf``: ``value(x)`` inside the support, ``at_lower`` at or below its lower end
    ``lower`` and ``1 - at_lower`` at +inf; NaN where ``x`` is NaN or a parameter is not positive."""
    x = np.asarray(x, dtype=np.float64)
    inside = np.where(x <= lower, at_lower, np.where(x == np.inf, 1.0 - at_lower, value(x)))
    return _result(np.where(_valid(params) & ~np.isnan(x), inside, np.nan))


def _quantile(value: Special, q: ArrayLike, params: tuple[ArrayLike, ...], at_zero: float, at_one: float) -> Any:
    """``rv_continuous.ppf`` / ``isf``: ``value(q)`` for 0 < q < 1, the support's ends at 0 and 1; NaN outside
    [0, 1] or where a parameter is not positive."""
    q = np.asarray(q, dtype=np.float64)
    inside = np.where(q == 0, at_zero, np.where(q == 1, at_one, value(q)))
    return _result(np.where(_valid(params) & (q >= 0) & (q <= 1), inside, np.nan))


class _Normal:
    """The standard normal distribution."""

    @staticmethod
    def cdf(x: ArrayLike) -> Any:
        return _probability(special.ndtr, x, (), -np.inf, 0.0)

    @staticmethod
    def sf(x: ArrayLike) -> Any:
        return _probability(lambda v: special.ndtr(-v), x, (), -np.inf, 1.0)

    @staticmethod
    def ppf(q: ArrayLike) -> Any:
        return _quantile(special.ndtri, q, (), -np.inf, np.inf)

    @staticmethod
    def isf(q: ArrayLike) -> Any:
        return _quantile(lambda p: -special.ndtri(p), q, (), np.inf, -np.inf)


class _StudentT:
    """Student's t distribution with ``df`` degrees of freedom."""

    @staticmethod
    def sf(x: ArrayLike, df: ArrayLike) -> Any:
        return _probability(lambda v: special.stdtr(df, -v), x, (df,), -np.inf, 1.0)

    @staticmethod
    def ppf(q: ArrayLike, df: ArrayLike) -> Any:
        return _quantile(lambda p: special.stdtrit(df, p), q, (df,), -np.inf, np.inf)

    @staticmethod
    def isf(q: ArrayLike, df: ArrayLike) -> Any:
        return _quantile(lambda p: -special.stdtrit(df, p), q, (df,), np.inf, -np.inf)


class _ChiSquared:
    """The chi-squared distribution with ``df`` degrees of freedom (support [0, inf))."""

    @staticmethod
    def cdf(x: ArrayLike, df: ArrayLike) -> Any:
        return _probability(lambda v: special.chdtr(df, v), x, (df,), 0.0, 0.0)

    @staticmethod
    def sf(x: ArrayLike, df: ArrayLike) -> Any:
        return _probability(lambda v: special.chdtrc(df, v), x, (df,), 0.0, 1.0)

    @staticmethod
    def ppf(q: ArrayLike, df: ArrayLike) -> Any:
        return _quantile(lambda p: 2 * special.gammaincinv(np.asarray(df) / 2, p), q, (df,), 0.0, np.inf)

    @staticmethod
    def isf(q: ArrayLike, df: ArrayLike) -> Any:
        return _quantile(lambda p: special.chdtri(df, p), q, (df,), np.inf, 0.0)


class _FisherF:
    """The F distribution with ``dfn`` and ``dfd`` degrees of freedom (support [0, inf))."""

    @staticmethod
    def sf(x: ArrayLike, dfn: ArrayLike, dfd: ArrayLike) -> Any:
        return _probability(lambda v: special.fdtrc(dfn, dfd, v), x, (dfn, dfd), 0.0, 1.0)


norm = _Normal()
t = _StudentT()
chi2 = _ChiSquared()
f = _FisherF()
