"""Meta-regression (mixed-effects models) and Egger's regression test, identical to R's metafor 3.8.

:func:`meta_regression` equals ``rma(yi, vi, mods = ~ x1 + x2 + ..., method, test, level)`` and
:func:`egger_test` equals ``regtest()`` with its defaults (``model = "rma"``, ``predictor = "sei"``).
With ``X`` the model matrix (intercept first), ``p`` its columns, ``W = diag(w)`` and
``P = W - W X (X' W X)^-1 X' W`` (the residual projection of the weighted fit), metafor 3.8's
``rma.uni()`` computes (Viechtbauer 2010, J Stat Softw 36(3); Viechtbauer 2005, J Educ Behav Stat 30):

- tau² from ``yi`` centred at its unweighted mean (``ymc``), truncated at 0:
  ``HS`` ``(ymc'P ymc - k)/sum(w)``, ``DL`` ``(ymc'P ymc - (k - p))/tr(P)`` (both ``w = 1/vi``);
  ``HE`` ``(ymc'M ymc - tr(M V))/(k - p)`` with the ordinary least-squares projection
  ``M = I - X (X'X)^-1 X'``; ``SJ`` ``t0 ymc'P ymc/(k - p)`` with ``P`` at ``w = 1/(vi + t0)`` and
  ``t0 = mean(ymc^2)`` (the intercept-only starting value); ``PM`` the root of
  ``ymc'P ymc = k - p`` (``w = 1/(vi + tau2)``) found by R's ``uniroot()`` steps on
  ``[0, max(100, 10 mad(yi)^2)]``; ``ML``, ``REML`` and ``EB`` by Fisher scoring from the truncated
  ``HE`` value with the increments ``(y'PPy - sum(w))/sum(w^2)``, ``(y'PPy - tr(P))/tr(PP)`` and
  ``(y'Py k/(k - p) - k)/sum(w)``, halved while they would make tau² negative, until the change is at
  most ``threshold``; for ML and REML tau² = 0 is taken when its log-likelihood is larger by more than
  ``.Machine$double.eps^0.25`` (metafor's ``ll0check``).
- Coefficients ``b = (X'WX)^-1 X'W y``, ``w = 1/(vi + tau2)``, covariance ``(X'WX)^-1``; under
  Knapp-Hartung (Knapp & Hartung 2003) the covariance times ``s2 = sum(w (y - Xb)^2)/(k - p)`` (no
  truncation at 1; 0 when the sum is at most machine epsilon), t(k - p) tests and intervals.
- Omnibus test of the moderators (all coefficients but the intercept; the intercept alone in the
  intercept-only model): ``QM = b' Var(b)^-1 b`` against chi²(m), or ``QM/m`` against F(m, k - p) under
  Knapp-Hartung.
- Residual heterogeneity ``QE = ymc'P ymc`` with ``w = 1/vi``, chi²(k - p); the "typical" sampling
  variance ``vt = (k - p)/tr(P)`` (same ``P``) gives ``I2 = 100 tau2/(vt + tau2)`` and
  ``H2 = tau2/vt + 1``; for ``EE``, ``I2 = max(0, 100 (QE - (k - p))/QE)`` and ``H2 = QE/(k - p)``.
- Pseudo-R² (Raudenbush 2009): ``max(0, 100 (tau2_0 - tau2)/tau2_0)`` with ``tau2_0`` from the
  intercept-only model fitted with the same estimator (0 when ``tau2_0 = 0``); for ``EE`` the
  adjusted R² of the weighted least-squares fit, ``max(0, 100 (1 - (1 - R²)(k - 1)/(k - p)))``.

Matrices are never formed: everything comes from the thin QR decomposition ``sqrt(W) X = Q R`` (with
``h = rowSums(Q^2)``: ``tr(P) = sum(w (1 - h))``, ``tr(PP) = sum(w^2 (1 - 2h)) + ||Q'WQ||_F^2``,
``P y = sqrt(w) e`` with ``e = sqrt(w) y - Q Q' sqrt(w) y``), so the cost is ``O(k p^2)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import linalg

from qolreview.arrays import FloatArray
from qolreview.meta import distributions
from qolreview.meta.estimators import MAD_CONSTANT, PM_TAU2_MAX
from qolreview.meta.results import ConvergenceError
from qolreview.meta.validation import validate_effects, validate_params
from qolreview.meta.zeroin import R_UNIROOT_TOL, zeroin

#: Name of the intercept coefficient, as in metafor.
INTERCEPT = "intrcpt"
#: metafor's ``control$evtol``: the model matrix is rejected when an eigenvalue of ``X'X`` is at most this.
EVTOL = 1e-7
#: Tolerance of R's ``lm()`` QR decomposition for detecting redundant (collinear) columns.
LM_TOL = 1e-7
_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True, eq=False)
class MetaRegressionResult:
    """A fitted meta-regression (mixed-effects model), field names following metafor's ``rma.uni``.

    Per-coefficient fields are read-only float arrays in the order of ``coef_names`` (intercept first).

    Attributes
    ----------
    coef_names : tuple of str
        ``"intrcpt"``, then one name per numeric moderator and ``namelevel`` per non-reference level of
        each categorical moderator.
    beta, se, stat, pval, ci_lb, ci_ub : numpy.ndarray
        Coefficients, standard errors, z (or t under Knapp-Hartung) statistics, p-values and CIs.
    qm, qm_df, qm_p : float, tuple, float
        Omnibus test of the moderators: chi² statistic with ``qm_df = (m, None)``, or under Knapp-Hartung
        the F statistic with ``qm_df = (m, k - p)`` (metafor's ``QMdf``, ``NA`` as ``None``).
    qe, qe_df, qe_p : float, int, float
        Test of residual heterogeneity.
    tau2, i2, h2 : float
        Residual between-study variance, I² (percent) and H².
    r2 : float
        Pseudo-R² in percent (0 when negative); NaN for the intercept-only model, and when the
        intercept-only model needed for it cannot be fitted (metafor gives ``NA`` too).
    k : int
        Number of studies.
    method, test : str
        Estimator of tau² and test, as requested.
    level : float
        Confidence level.

    References
    ----------
    Viechtbauer (2010) :cite:`viechtbauer2010`
    metafor 3.8 :cite:`metafor`
    """

    coef_names: tuple[str, ...]
    beta: FloatArray
    se: FloatArray
    stat: FloatArray
    pval: FloatArray
    ci_lb: FloatArray
    ci_ub: FloatArray
    qm: float
    qm_df: tuple[int, int | None]
    qm_p: float
    qe: float
    qe_df: int
    qe_p: float
    tau2: float
    i2: float
    h2: float
    r2: float
    k: int
    method: str
    test: str
    level: float

    def coefficients(self) -> pd.DataFrame:
        """The coefficient table, as metafor prints it.

        Returns
        -------
        pandas.DataFrame
            One row per coefficient, intercept first: ``coef`` (its name), ``beta``, ``se``, ``stat``,
            ``pval``, ``ci_lb`` and ``ci_ub``.
        """
        return pd.DataFrame(
            {
                "coef": self.coef_names,
                "beta": self.beta,
                "se": self.se,
                "stat": self.stat,
                "pval": self.pval,
                "ci_lb": self.ci_lb,
                "ci_ub": self.ci_ub,
            }
        )


@dataclass(frozen=True)
class EggerTest:
    """Egger's regression test for funnel-plot asymmetry (metafor's ``regtest()``, predictor ``sei``).

    Attributes
    ----------
    stat, pval : float
        Test of the coefficient of ``sqrt(vi)``: z statistic, or t with ``df`` degrees of freedom under
        Knapp-Hartung.
    df : int or None
        ``k - 2`` under Knapp-Hartung, else None.
    limit_estimate, limit_ci_lb, limit_ci_ub : float
        The intercept, i.e. the limit estimate as the standard error goes to 0, and its CI.
    k : int
        Number of studies.
    method, test : str
        Estimator of tau² and test of the underlying meta-regression.
    level : float
        Confidence level of the limit estimate's CI.

    References
    ----------
    Egger et al. (1997) :cite:`egger1997`
    metafor 3.8 :cite:`metafor`
    """

    stat: float
    pval: float
    df: int | None
    limit_estimate: float
    limit_ci_lb: float
    limit_ci_ub: float
    k: int
    method: str
    test: str
    level: float


def design_matrix(mods: Mapping[str, ArrayLike] | pd.DataFrame | None, k: int) -> tuple[FloatArray, tuple[str, ...]]:
    """Model matrix with the intercept first, coded as R's ``model.matrix(~ x1 + x2 + ...)`` codes it.

    Numeric moderators give one column each, named as the moderator. Categorical moderators (strings,
    booleans or a pandas ``Categorical``) are treatment-coded: the first level is the reference and every
    other level ``L`` of moderator ``name`` gives a 0/1 column named ``f"{name}{L}"``, as metafor names
    them (``allocrandom``). Levels of strings are sorted with Python's ``sorted()`` (code-point order,
    R's order in the C locale; R in other locales may order mixed-case labels differently); a pandas
    ``Categorical`` keeps the order of its categories (unused ones dropped); booleans are R logicals:
    reference ``FALSE``, column ``f"{name}TRUE"``.

    Parameters
    ----------
    mods : mapping of str to array_like, pandas.DataFrame or None
        Moderator values by name, one value per study, in the order the coefficients should have.
        None or an empty mapping gives the intercept-only model.
    k : int
        Number of studies.

    Returns
    -------
    X : numpy.ndarray
        ``(k, p)`` model matrix, first column all ones.
    names : tuple of str
        Column names, ``"intrcpt"`` first.

    Raises
    ------
    ValueError
        For a moderator that is not one-dimensional of length ``k``, has missing or non-finite values,
        mixes strings and numbers, or has a single level; for duplicate coefficient names; for a
        rank-deficient model matrix (a moderator constant or a linear combination of the others) or
        one with an eigenvalue of ``X'X`` at most 1e-7 (metafor's ``evtol``: rescale the moderator).

    References
    ----------
    R ``model.matrix()`` (treatment contrasts) :cite:`rcore2022`
    metafor 3.8 :cite:`metafor`
    """
    columns: list[FloatArray] = [np.ones(k)]
    names: list[str] = [INTERCEPT]
    if mods is not None:
        if not isinstance(mods, (Mapping, pd.DataFrame)):
            raise ValueError(f"mods must be a mapping of moderator names to values, got {type(mods).__name__}.")
        for name, values in mods.items():
            if not isinstance(name, str) or not name:
                raise ValueError(f"Moderator names must be non-empty strings, got {name!r}.")
            for col_name, col in _moderator_columns(name, values, k):
                columns.append(col)
                names.append(col_name)
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ValueError(f"Duplicate coefficient name(s): {', '.join(duplicated)}; rename the moderators.")
    X = np.column_stack(columns)
    _check_full_rank(X, names)
    return X, tuple(names)


def meta_regression(
    yi: ArrayLike,
    vi: ArrayLike,
    mods: Mapping[str, ArrayLike] | pd.DataFrame | None,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    *,
    threshold: float = 1e-12,
    maxiter: int = 1000,
    stepadj: float = 1.0,
) -> MetaRegressionResult:
    """Fit a mixed-effects meta-regression, as metafor 3.8's ``rma(yi, vi, mods = ~ ..., method, test)``.

    Parameters
    ----------
    yi : array_like
        Effect sizes, one per study (finite).
    vi : array_like
        Their sampling variances (finite and > 0).
    mods : mapping of str to array_like, pandas.DataFrame or None
        Moderators by name (numeric, or categorical: strings, booleans, pandas ``Categorical``), coded
        by :func:`design_matrix`; the intercept is added first. None or empty: the intercept-only model,
        whose estimate equals that of :func:`qolreview.meta.random_effects`.
    method : {"REML", "EE", "DL", "ML", "PM", "HE", "SJ", "EB", "HS"}, default "REML"
        Estimator of the residual tau², as metafor's ``method`` (generalised to moderators as metafor
        does; see the module docstring).
    test : {"z", "knha"}, default "z"
        Normal-theory (z and chi²) tests, or Knapp-Hartung: t(k - p) and F(m, k - p) with the covariance
        scaled by ``s2`` (not truncated).
    level : float, default 0.95
        Confidence level of the coefficient CIs.
    threshold, maxiter, stepadj : float, int, float
        metafor's ``control`` settings for Fisher scoring (ML, REML, EB) and, for ``maxiter``, the PM
        ``uniroot()`` search. The default ``threshold`` is tighter than metafor's 1e-5 (as in
        :func:`qolreview.meta.random_effects`); the metafor references were made with 1e-12.

    Returns
    -------
    MetaRegressionResult
        Coefficients, tests and heterogeneity statistics.

    Raises
    ------
    ValueError
        For an invalid parameter, invalid ``yi``/``vi`` or moderators (see :func:`design_matrix`), or
        too few studies: ``k`` must exceed the number of coefficients ``p``.
    ConvergenceError
        When Fisher scoring does not converge or the PM equation has no root below the search limit.

    Notes
    -----
    Where metafor warns and carries on, this function raises instead: studies with missing values
    (metafor drops them), redundant moderators (metafor drops them) and ``k = p`` with ``EE`` (metafor
    fits it with QE = 0). metafor's ``btt`` (testing a subset of coefficients), user weights and
    fixed tau² are not offered. The ``R²`` of a non-``EE`` model refits the intercept-only model with
    the same estimator and settings, as metafor does.

    References
    ----------
    Viechtbauer (2010) :cite:`viechtbauer2010`
    Viechtbauer (2005) :cite:`viechtbauer2005`
    Knapp & Hartung (2003) :cite:`knapp2003`
    Raudenbush (2009) :cite:`raudenbush2009`
    Higgins & Thompson (2002) :cite:`higgins2002`
    metafor 3.8 :cite:`metafor`
    """
    validate_params(method=method, test=test, level=level, threshold=threshold, maxiter=maxiter, stepadj=stepadj)
    y, v = validate_effects(yi, vi)
    X, names = design_matrix(mods, y.size)
    _check_k(y.size, X.shape[1])
    return _fit(y, v, X, names, method, test, level, threshold, maxiter, stepadj)


def egger_test(
    yi: ArrayLike,
    vi: ArrayLike,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    *,
    threshold: float = 1e-12,
    maxiter: int = 1000,
    stepadj: float = 1.0,
) -> EggerTest:
    """Egger's regression test, as metafor 3.8's ``regtest()`` on ``rma(yi, vi, method, test)``.

    The meta-regression ``rma(yi, vi, mods = ~ sqrt(vi), method, test)`` is fitted (``regtest()``'s
    defaults ``model = "rma"``, ``predictor = "sei"``): the test of the slope is the test for funnel-plot
    asymmetry, and the intercept is the limit estimate as the standard error goes to 0.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and sampling variances of at least 3 studies, as for :func:`meta_regression`.
    method, test, level, threshold, maxiter, stepadj
        As for :func:`meta_regression`.

    Returns
    -------
    EggerTest
        The test of the ``sei`` coefficient and the limit estimate with its CI.

    Raises
    ------
    ValueError
        For an invalid parameter or invalid ``yi``/``vi``, fewer than 3 studies, or sampling variances
        that are all equal (the model matrix is then not of full rank).
    ConvergenceError
        As for :func:`meta_regression`.

    References
    ----------
    Egger et al. (1997) :cite:`egger1997`
    Viechtbauer (2010) :cite:`viechtbauer2010`
    metafor 3.8 :cite:`metafor`
    """
    validate_params(method=method, test=test, level=level, threshold=threshold, maxiter=maxiter, stepadj=stepadj)
    y, v = validate_effects(yi, vi)
    X = np.column_stack((np.ones(y.size), np.sqrt(v)))
    names = (INTERCEPT, "sei")
    _check_k(y.size, 2)
    if _redundant_columns(X):
        raise ValueError(
            "The sampling variances are all equal: the model matrix is not of full rank after adding sqrt(vi)."
        )
    _check_full_rank(X, names)
    fit = _fit(y, v, X, names, method, test, level, threshold, maxiter, stepadj, with_r2=False)
    return EggerTest(
        stat=float(fit.stat[1]),
        pval=float(fit.pval[1]),
        df=fit.k - 2 if test == "knha" else None,
        limit_estimate=float(fit.beta[0]),
        limit_ci_lb=float(fit.ci_lb[0]),
        limit_ci_ub=float(fit.ci_ub[0]),
        k=fit.k,
        method=method,
        test=test,
        level=level,
    )


# --- model matrix ------------------------------------------------------------------------------------


def _moderator_columns(name: str, values: Any, k: int) -> list[tuple[str, FloatArray]]:
    """The model-matrix columns of one moderator: itself if numeric, else one dummy per non-reference level."""
    if isinstance(values, pd.Series):
        values = values.array if isinstance(values.dtype, pd.CategoricalDtype) else values.to_numpy()
    if isinstance(values, pd.Categorical):
        if values.ndim != 1 or len(values) != k:
            raise ValueError(f"Moderator {name!r} must be one-dimensional with {k} values, got {len(values)}.")
        if values.isna().any():
            raise ValueError(f"Moderator {name!r} has missing values.")
        used = set(values.codes.tolist())
        levels = [cat for code, cat in enumerate(values.categories) if code in used]
        return _dummies(name, np.asarray(values, dtype=object), levels, [str(x) for x in levels])
    # Python sequences are inspected element by element: numpy would silently turn ["a", 1] into strings.
    arr = np.asarray(values, dtype=object) if isinstance(values, (list, tuple)) else np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] != k:
        raise ValueError(f"Moderator {name!r} must be one-dimensional with {k} values, got shape {arr.shape}.")
    if arr.dtype.kind == "O":
        missing = np.flatnonzero(pd.isna(arr))
        if missing.size:
            raise ValueError(f"Moderator {name!r}: value {missing[0]} is missing ({arr[missing[0]]!r}).")
        if all(isinstance(x, (bool, np.bool_)) for x in arr):
            arr = arr.astype(bool)
        elif any(isinstance(x, (bool, np.bool_)) for x in arr):
            raise ValueError(f"Moderator {name!r} mixes booleans with other values.")
    if arr.dtype.kind == "b":
        return _dummies(name, arr, [False, True], ["FALSE", "TRUE"])
    if arr.dtype.kind == "U" or (arr.dtype.kind == "O" and any(isinstance(x, str) for x in arr)):
        if not all(isinstance(x, str) for x in arr):
            bad = next(x for x in arr if not isinstance(x, str))
            raise ValueError(
                f"Moderator {name!r} mixes strings with other values ({bad!r}); the values of a categorical "
                "moderator must all be strings."
            )
        levels = sorted(set(arr.tolist()))
        return _dummies(name, arr, levels, levels)
    if arr.dtype.kind not in "iufO":
        raise ValueError(f"Moderator {name!r} must be numeric or categorical, got dtype {arr.dtype}.")
    try:
        col = arr.astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Moderator {name!r} must be numeric or categorical: {exc}.") from None
    bad = np.flatnonzero(~np.isfinite(col))
    if bad.size:
        raise ValueError(f"Moderator {name!r}: value {bad[0]} must be finite, got {arr[bad[0]]!r}.")
    return [(name, col)]


def _dummies(name: str, arr: NDArray[Any], levels: list[Any], labels: list[str]) -> list[tuple[str, FloatArray]]:
    """Treatment-coded columns: the first level is the reference."""
    present = [lev for lev in levels if np.any(arr == lev)]
    if len(present) < 2:
        raise ValueError(f"Categorical moderator {name!r} needs at least two distinct levels, got {len(present)}.")
    label = dict(zip(levels, labels, strict=True))
    return [(f"{name}{label[lev]}", (arr == lev).astype(float)) for lev in present[1:]]


def _redundant_columns(X: FloatArray) -> list[int]:
    """Columns that are (nearly) linear combinations of earlier ones, as R's ``lm()`` QR (tol 1e-7) flags."""
    redundant = []
    kept: list[int] = []
    for j in range(X.shape[1]):
        col = X[:, j]
        norm = np.linalg.norm(col)
        if kept:
            basis, _ = np.linalg.qr(X[:, kept])
            col = col - basis @ (basis.T @ col)
        if norm == 0.0 or np.linalg.norm(col) < LM_TOL * norm:
            redundant.append(j)
        else:
            kept.append(j)
    return redundant


def _check_full_rank(X: FloatArray, names: tuple[str, ...] | list[str]) -> None:
    redundant = _redundant_columns(X)
    if redundant:
        listed = ", ".join(names[j] for j in redundant)
        raise ValueError(
            f"The model matrix is not of full rank: {listed} is constant or a linear combination of the other "
            "columns (metafor would drop it as redundant); remove it."
        )
    if np.linalg.eigvalsh(X.T @ X).min() <= EVTOL:
        raise ValueError(
            "The model matrix is not of full rank: an eigenvalue of X'X is at most 1e-7 (metafor's evtol); "
            "rescale the moderators with very small values."
        )


def _check_k(k: int, p: int) -> None:
    if k <= p:
        raise ValueError(f"A model with {p} coefficient(s) needs more than {p} studies (k > p); got k = {k}.")


# --- weighted least squares via the thin QR of sqrt(W) X --------------------------------------------------


class _Projection:
    """Weighted least-squares quantities for weights ``w`` from the thin QR of ``sqrt(w) X``."""

    def __init__(self, X: FloatArray, w: FloatArray) -> None:
        self.w = w
        self.sw = np.sqrt(w)
        self.q, self.r = np.linalg.qr(self.sw[:, None] * X)

    def scaled_resid(self, y: FloatArray) -> FloatArray:
        """``e = sqrt(W) (y - X b)``, so that ``y'Py = e'e`` and ``Py = sqrt(w) e``."""
        z = self.sw * y
        return z - self.q @ (self.q.T @ z)

    def rss(self, y: FloatArray) -> float:
        """``y'Py`` (the generalised Q statistic when ``w = 1/(vi + tau2)``)."""
        e = self.scaled_resid(y)
        return float(e @ e)

    def coef(self, y: FloatArray) -> FloatArray:
        return linalg.solve_triangular(self.r, self.q.T @ (self.sw * y))

    def inverse(self) -> FloatArray:
        """``(X'WX)^-1``."""
        r_inv = linalg.solve_triangular(self.r, np.eye(self.r.shape[0]))
        return r_inv @ r_inv.T

    @cached_property
    def leverage(self) -> FloatArray:
        return np.einsum("ij,ij->i", self.q, self.q)

    @cached_property
    def trace_p(self) -> float:
        return float(np.sum(self.w * (1.0 - self.leverage)))

    @cached_property
    def trace_pp(self) -> float:
        qwq = self.q.T @ (self.w[:, None] * self.q)
        return float(np.sum(self.w**2 * (1.0 - 2.0 * self.leverage)) + np.sum(qwq * qwq))

    @cached_property
    def log_det(self) -> float:
        """``log det(X'WX)``."""
        return float(2.0 * np.sum(np.log(np.abs(np.diag(self.r)))))


# --- tau² estimators -----------------------------------------------------------------------------------


def _estimate_tau2(
    X: FloatArray, y: FloatArray, v: FloatArray, method: str, threshold: float, maxiter: int, stepadj: float
) -> float:
    """tau² of the model with matrix ``X`` (metafor ``rma.uni``), truncated at 0."""
    k, p = X.shape
    yc = y - y.mean()
    if method == "EE":
        return 0.0
    if method in ("HS", "DL"):
        fe = _Projection(X, 1.0 / v)
        rss = fe.rss(yc)
        raw = (rss - k) / float(np.sum(fe.w)) if method == "HS" else (rss - (k - p)) / fe.trace_p
        return max(0.0, raw)
    if method == "SJ":
        t0 = float(yc @ yc) / k
        return max(0.0, t0 * _Projection(X, 1.0 / (v + t0)).rss(yc) / (k - p))
    if method == "PM":
        return _paule_mandel(X, y, yc, v, maxiter)
    he = _hedges(X, yc, v)
    if method == "HE":
        return max(0.0, he)
    return _fisher_scoring(X, yc, v, method, max(0.0, he), threshold, maxiter, stepadj)


def _hedges(X: FloatArray, yc: FloatArray, v: FloatArray) -> float:
    """Hedges' moment estimator with moderators (untruncated): OLS residual projection ``M``."""
    k, p = X.shape
    ols = _Projection(X, np.ones(k))
    tr_mv = float(np.sum(v * (1.0 - ols.leverage)))
    return (ols.rss(yc) - tr_mv) / (k - p)


def _paule_mandel(X: FloatArray, y: FloatArray, yc: FloatArray, v: FloatArray, maxiter: int) -> float:
    """Root of ``Q(tau2) = k - p`` by the steps of R's ``uniroot()`` on ``[0, max(100, 10 mad(yi)^2)]``."""
    k, p = X.shape
    target = float(k - p)
    upper = max(PM_TAU2_MAX, 10.0 * (MAD_CONSTANT * float(np.median(np.abs(y - np.median(y))))) ** 2)

    def excess(t: float) -> float:
        return _Projection(X, 1.0 / (v + t)).rss(yc) - target

    f_lower = excess(0.0)
    if f_lower < 0.0:
        return 0.0
    f_upper = excess(upper)
    if f_upper > 0.0:
        raise ConvergenceError(
            f"PM estimation failed: the Q equation has no root below tau2 = {upper:g} (metafor's tau2.max)."
        )

    def equation(t: FloatArray, rows: NDArray[np.intp]) -> FloatArray:
        return np.array([excess(float(x)) for x in t])

    res = zeroin(
        equation, np.zeros(1), np.array([upper]), np.array([f_lower]), np.array([f_upper]), R_UNIROOT_TOL, maxiter
    )
    if not res.converged[0]:
        raise ConvergenceError(f"PM estimation did not converge after {int(res.iterations[0])} uniroot() iterations.")
    return max(0.0, float(res.root[0]))


def _fisher_scoring(
    X: FloatArray,
    yc: FloatArray,
    v: FloatArray,
    method: str,
    start: float,
    threshold: float,
    maxiter: int,
    stepadj: float,
) -> float:
    """Fisher scoring for ML, REML or EB exactly as metafor iterates it, then metafor's ``ll0check``."""
    k, p = X.shape
    step = _SCORING_STEPS[method]
    tau2 = start
    change = threshold + 1.0
    iterations = 0
    while change > threshold:
        iterations += 1
        old = tau2
        adj = step(_Projection(X, 1.0 / (v + tau2)), yc, k, p) * stepadj
        if math.isnan(adj):
            adj = 0.0
        while tau2 + adj < 0.0:
            adj /= 2.0
        tau2 = tau2 + adj
        change = abs(old - tau2)
        if iterations > maxiter or not math.isfinite(tau2):
            hint = "a large tau² may need a larger threshold, an oscillating one stepadj=0.5"
            raise ConvergenceError(
                f"{method} estimation did not converge after {iterations} iterations: the change in tau² "
                f"(last value {tau2:.6g}) stayed above threshold={threshold:g}; {hint}."
            )
    if method in ("ML", "REML"):
        ll0 = _log_likelihood(X, yc, v, method, 0.0)
        ll = _log_likelihood(X, yc, v, method, tau2)
        if ll0 - ll > R_UNIROOT_TOL and tau2 > threshold:
            tau2 = 0.0
    return max(0.0, tau2)


def _step_ml(fit: _Projection, yc: FloatArray, k: int, p: int) -> float:
    e = fit.scaled_resid(yc)
    return (float(np.sum(fit.w * e * e)) - float(np.sum(fit.w))) / float(np.sum(fit.w**2))


def _step_reml(fit: _Projection, yc: FloatArray, k: int, p: int) -> float:
    e = fit.scaled_resid(yc)
    return (float(np.sum(fit.w * e * e)) - fit.trace_p) / fit.trace_pp


def _step_eb(fit: _Projection, yc: FloatArray, k: int, p: int) -> float:
    return (fit.rss(yc) * k / (k - p) - k) / float(np.sum(fit.w))


_SCORING_STEPS: dict[str, Callable[[_Projection, FloatArray, int, int], float]] = {
    "ML": _step_ml,
    "REML": _step_reml,
    "EB": _step_eb,
}


def _log_likelihood(X: FloatArray, yc: FloatArray, v: FloatArray, method: str, tau2: float) -> float:
    """ML or REML log-likelihood as metafor's ``ll0check`` computes it (without the ``REMLf`` term)."""
    k, p = X.shape
    fit = _Projection(X, 1.0 / (v + tau2))
    rss = fit.rss(yc)
    log_v = float(np.sum(np.log(v + tau2)))
    if method == "ML":
        return -0.5 * k * math.log(2.0 * math.pi) - 0.5 * log_v - 0.5 * rss
    return -0.5 * (k - p) * math.log(2.0 * math.pi) - 0.5 * log_v - 0.5 * fit.log_det - 0.5 * rss


# --- the fit -------------------------------------------------------------------------------------------


def _fit(
    y: FloatArray,
    v: FloatArray,
    X: FloatArray,
    names: tuple[str, ...],
    method: str,
    test: str,
    level: float,
    threshold: float,
    maxiter: int,
    stepadj: float,
    *,
    with_r2: bool = True,
) -> MetaRegressionResult:
    """Estimate tau², then the coefficients, tests and heterogeneity statistics (metafor ``rma.uni``)."""
    k, p = X.shape
    tau2 = _estimate_tau2(X, y, v, method, threshold, maxiter, stepadj)
    fit = _Projection(X, 1.0 / (v + tau2))
    beta = fit.coef(y)
    vb = fit.inverse()
    df = k - p
    alpha = 1.0 - level
    if test == "knha":
        rss = float(np.sum(fit.w * (y - X @ beta) ** 2))
        vb = vb * (0.0 if rss <= _EPS else rss / df)
    se = np.sqrt(np.diag(vb))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = beta / se
    btt = np.arange(1, p) if p > 1 else np.arange(1)
    m = btt.size
    qm = _wald(beta[btt], vb[np.ix_(btt, btt)])
    qm_df: tuple[int, int | None]
    if test == "knha":
        qm = qm / m
        qm_df = (m, df)
        qm_p = float(distributions.f.sf(qm, m, df))
        pval = 2.0 * distributions.t.sf(np.abs(stat), df)
        crit = float(distributions.t.isf(alpha / 2.0, df))
    else:
        qm_df = (m, None)
        qm_p = float(distributions.chi2.sf(qm, m))
        pval = 2.0 * distributions.norm.sf(np.abs(stat))
        crit = float(distributions.norm.isf(alpha / 2.0))

    yc = y - y.mean()
    fe = _Projection(X, 1.0 / v)
    qe = max(0.0, fe.rss(yc))
    if method == "EE":
        with np.errstate(divide="ignore", invalid="ignore"):
            i2 = float(np.maximum(0.0, 100.0 * (qe - df) / np.float64(qe)))
        h2 = qe / df
    else:
        vt = df / fe.trace_p
        i2 = 100.0 * tau2 / (vt + tau2)
        h2 = tau2 / vt + 1.0
    r2 = _pseudo_r2(X, y, v, method, tau2, fe, threshold, maxiter, stepadj) if with_r2 and p > 1 else math.nan

    def frozen(a: FloatArray) -> FloatArray:
        out = np.array(a, dtype=float)
        out.flags.writeable = False
        return out

    return MetaRegressionResult(
        coef_names=names,
        beta=frozen(beta),
        se=frozen(se),
        stat=frozen(stat),
        pval=frozen(pval),
        ci_lb=frozen(beta - crit * se),
        ci_ub=frozen(beta + crit * se),
        qm=float(qm),
        qm_df=qm_df,
        qm_p=qm_p,
        qe=float(qe),
        qe_df=df,
        qe_p=float(distributions.chi2.sf(qe, df)),
        tau2=float(tau2),
        i2=float(i2),
        h2=float(h2),
        r2=float(r2),
        k=k,
        method=method,
        test=test,
        level=level,
    )


def _wald(b: FloatArray, vb: FloatArray) -> float:
    """``b' vb^-1 b`` through the Cholesky factor of ``vb`` (NaN when it is not positive definite, as metafor)."""
    try:
        chol = np.linalg.cholesky(vb)
    except np.linalg.LinAlgError:
        return math.nan
    z = linalg.solve_triangular(chol, b, lower=True)
    return float(z @ z)


def _pseudo_r2(
    X: FloatArray,
    y: FloatArray,
    v: FloatArray,
    method: str,
    tau2: float,
    fe: _Projection,
    threshold: float,
    maxiter: int,
    stepadj: float,
) -> float:
    """metafor's default R² (``r2def = "1"``), in percent and truncated at 0."""
    k, p = X.shape
    if method == "EE":
        if np.var(y) == 0.0:
            return 0.0
        w = fe.w
        fitted = X @ fe.coef(y)
        centre = float(np.sum(w * fitted) / np.sum(w))
        mss = float(np.sum(w * (fitted - centre) ** 2))
        rss = float(np.sum(w * (y - fitted) ** 2))
        adj = 1.0 - (1.0 - mss / (mss + rss)) * (k - 1) / (k - p)
        return max(0.0, 100.0 * adj)
    try:
        tau2_0 = _estimate_tau2(np.ones((k, 1)), y, v, method, threshold, maxiter, stepadj)
    except ConvergenceError:
        return math.nan
    if tau2_0 == 0.0:
        return 0.0
    return max(0.0, 100.0 * (tau2_0 - tau2) / tau2_0)
