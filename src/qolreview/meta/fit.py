"""Random-effects fits identical to R's metafor 3.8 ``rma.uni()`` (intercept-only models): one
analysis, many analyses at once (vectorised across analyses) and leave-one-out."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from qolreview.meta.blocks import Blocks, Panel
from qolreview.meta.inference import RESULT_FIELDS, fit_blocks, percent_weights
from qolreview.meta.results import ConvergenceError, RandomEffectsResult
from qolreview.meta.validation import validate_effects, validate_params

_INT_FIELDS = ("k", "q_df", "iterations")
_BOOL_FIELDS = ("pooled", "converged")


def random_effects(
    yi: ArrayLike,
    vi: ArrayLike,
    method: str = "REML",
    test: str = "z",
    level: float = 0.95,
    *,
    tau2_ci: bool = True,
    threshold: float = 1e-12,
    maxiter: int = 1000,
    stepadj: float = 1.0,
) -> RandomEffectsResult:
    """Fit one random-effects model (``method="EE"``: equal/common-effect model, tau² = 0).

    Results equal those of metafor 3.8's ``rma.uni()``, ``predict()``, ``confint()`` and ``weights()``
    for an intercept-only model.

    Parameters
    ----------
    yi : array_like
        Effect sizes, one per study (finite).
    vi : array_like
        Their sampling variances (finite and > 0).
    method : {"REML", "EE", "DL", "ML", "PM", "HE", "SJ", "EB", "HS"}, default "REML"
        Estimator of tau², named as metafor's ``rma.uni(method=)`` (:data:`METHODS`).
    test : {"z", "knha"}, default "z"
        Normal-theory inference or the Knapp-Hartung adjustment with t(k - 1) quantiles.
    level : float, default 0.95
        Confidence level of the CI, the prediction interval and the Q-profile interval (strictly in (0, 1)).
    tau2_ci : bool, default True
        Compute the Q-profile CI of tau² and the I² and H² bounds derived from it (never for ``EE``).
    threshold, maxiter, stepadj : float, int, float
        metafor's ``control`` settings for the iterative estimators (``maxiter`` also bounds the
        ``uniroot()`` searches; ``stepadj < 1`` damps Fisher scoring, metafor's remedy when it oscillates).

    Returns
    -------
    RandomEffectsResult
        Every result field, with ``weights`` as percentages summing to 100. With a single study the
        result has ``pooled = False``, tau² = 0 and NaN heterogeneity fields.

    Raises
    ------
    ValueError
        For an invalid parameter or invalid ``yi``/``vi`` (see :func:`qolreview.meta.validation.validate_effects`).
    ConvergenceError
        When an estimate cannot be obtained.

    References
    ----------
    Viechtbauer (2010) :cite:`viechtbauer2010`
    metafor 3.8 :cite:`metafor`
    """
    validate_params(
        method=method, test=test, level=level, tau2_ci=tau2_ci, threshold=threshold, maxiter=maxiter, stepadj=stepadj
    )
    y, v = validate_effects(yi, vi)
    panel = Panel.from_padded(y[None, :], v[None, :], np.ones((1, y.size), dtype=bool))
    cols = fit_blocks(Blocks((panel,)), method, test, level, tau2_ci, threshold, maxiter, stepadj)
    _raise_unconverged(cols, method, threshold, labels=None)
    fields = {name: _scalar(name, cols[name][0]) for name in RESULT_FIELDS}
    weights = percent_weights(panel, cols["tau2"])[0]
    return RandomEffectsResult(
        method=method, test=test, level=level, weights=tuple(float(x) for x in weights), **fields
    )


def leave_one_out(
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
    """Refit the model once without each study (metafor's ``leave1out()``), vectorised.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and sampling variances of at least two studies, as for :func:`random_effects`.
    method, test, level, threshold, maxiter, stepadj
        As for :func:`random_effects`. No tau² CI is computed.

    Returns
    -------
    pandas.DataFrame
        One row per omitted study: ``omitted`` (its 0-based position), then the result fields of
        :class:`RandomEffectsResult` for the other studies, without ``method``, ``test``, ``level``,
        ``weights`` and the tau², I² and H² CI columns.

    Raises
    ------
    ValueError
        For fewer than two studies, an invalid parameter or invalid ``yi``/``vi``.
    ConvergenceError
        When the estimate of any subset cannot be obtained.

    References
    ----------
    Viechtbauer (2010) :cite:`viechtbauer2010`
    metafor 3.8 :cite:`metafor`
    """
    validate_params(method=method, test=test, level=level, threshold=threshold, maxiter=maxiter, stepadj=stepadj)
    y, v = validate_effects(yi, vi)
    if y.size < 2:
        raise ValueError("Leave-one-out needs at least two studies.")
    keep = ~np.eye(y.size, dtype=bool)
    panel = Panel.from_padded(
        y[None, :].repeat(y.size, 0)[keep].reshape(y.size, -1),
        v[None, :].repeat(y.size, 0)[keep].reshape(y.size, -1),
        np.ones((y.size, y.size - 1), dtype=bool),
    )
    cols = fit_blocks(Blocks((panel,)), method, test, level, False, threshold, maxiter, stepadj)
    _raise_unconverged(cols, method, threshold, labels=[f"without study {i}" for i in range(y.size)])
    frame = _frame(cols)
    frame = frame.drop(columns=[c for c in frame.columns if "_ci_" in c])
    frame.insert(0, "omitted", np.arange(y.size))
    return frame


def random_effects_batch(
    df: pd.DataFrame,
    group_col: str,
    yi_col: str = "yi",
    vi_col: str = "vi",
    method: str = "REML",
    test: str = "knha",
    level: float = 0.95,
    tau2_ci: bool = True,
    *,
    threshold: float = 1e-12,
    maxiter: int = 1000,
    stepadj: float = 1.0,
    nonconverged: str = "raise",
) -> pd.DataFrame:
    """Fit one model per value of ``group_col``, all at once (padded arrays, shared iterations).

    Results equal those of :func:`random_effects` on each group. The groups are sorted by size and
    stored as a few padded blocks (:mod:`qolreview.meta.blocks`).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per effect size.
    group_col : str
        Column naming the analysis of each row (no missing labels).
    yi_col, vi_col : str, default "yi", "vi"
        Columns of the effect sizes and their sampling variances.
    method, level, tau2_ci, threshold, maxiter, stepadj
        As for :func:`random_effects`.
    test : {"knha", "z"}, default "knha"
        As for :func:`random_effects` (note the different default).
    nonconverged : {"raise", "flag"}, default "raise"
        ``"raise"`` raises :class:`ConvergenceError` naming the groups whose estimate does not
        converge; ``"flag"`` keeps their rows with ``converged = False`` and every statistic NaN.

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by group: ``group_col``, ``method``, ``test``, ``level`` and the
        fields of :class:`RandomEffectsResult` except ``weights``.

    Raises
    ------
    ValueError
        For missing columns, no rows, missing group labels, invalid ``yi``/``vi`` or an invalid parameter.
    ConvergenceError
        With ``nonconverged="raise"``, when an estimate cannot be obtained.

    References
    ----------
    Viechtbauer (2010) :cite:`viechtbauer2010`
    metafor 3.8 :cite:`metafor`
    """
    validate_params(
        method=method,
        test=test,
        level=level,
        tau2_ci=tau2_ci,
        threshold=threshold,
        maxiter=maxiter,
        stepadj=stepadj,
        nonconverged=nonconverged,
    )
    missing = [c for c in (group_col, yi_col, vi_col) if c not in df.columns]
    if missing:
        raise ValueError(f"Missing column(s): {', '.join(missing)}.")
    if df.empty:
        raise ValueError("No rows to analyse.")
    if df[group_col].isna().any():
        raise ValueError(f"Column {group_col!r} has missing group labels.")
    y_all, v_all = validate_effects(df[yi_col].to_numpy(dtype=float), df[vi_col].to_numpy(dtype=float))
    codes, labels = pd.factorize(df[group_col], sort=True)
    sizes = np.bincount(codes, minlength=len(labels))
    # Analyses ordered by size (then label) so that similar widths share a padded block.
    by_size = np.argsort(sizes, kind="stable")
    rank = np.empty_like(by_size)
    rank[by_size] = np.arange(by_size.size)
    order = np.argsort(rank[codes], kind="stable")
    blocks = Blocks.from_flat(y_all[order], v_all[order], sizes[by_size])
    sorted_cols = fit_blocks(blocks, method, test, level, tau2_ci, threshold, maxiter, stepadj)
    cols = {name: values[rank] for name, values in sorted_cols.items()}
    if nonconverged == "raise":
        _raise_unconverged(cols, method, threshold, labels=[str(x) for x in labels])
    frame = _frame(cols)
    stats_cols = [c for c in RESULT_FIELDS if c not in _INT_FIELDS + _BOOL_FIELDS]
    frame.loc[~frame["converged"], stats_cols] = np.nan
    frame.insert(0, group_col, np.asarray(labels))
    frame.insert(1, "method", method)
    frame.insert(2, "test", test)
    frame.insert(3, "level", level)
    return frame


def _frame(cols: dict[str, NDArray]) -> pd.DataFrame:
    frame = pd.DataFrame({name: cols[name] for name in RESULT_FIELDS})
    return frame.astype({**{c: "int64" for c in _INT_FIELDS}, **{c: "bool" for c in _BOOL_FIELDS}})


def _scalar(name: str, value: object) -> float | int | bool:
    if name in _INT_FIELDS:
        return int(value)  # type: ignore[call-overload]
    if name in _BOOL_FIELDS:
        return bool(value)
    return float(value)  # type: ignore[arg-type]


def _raise_unconverged(cols: dict[str, NDArray], method: str, threshold: float, labels: list[str] | None) -> None:
    """Raise :class:`ConvergenceError` naming the estimator, iterations and failing analyses."""
    failed = np.flatnonzero(~cols["converged"])
    if failed.size == 0:
        return
    first = failed[0]
    where = "" if labels is None else " for " + ", ".join(labels[i] for i in failed[:5])
    if failed.size > 5:
        where += f" and {failed.size - 5} more"
    hint = (
        f"the change in tau² (last value {cols['tau2'][first]:.6g}) stayed above threshold={threshold:g}; "
        "a large tau² may need a larger threshold, an oscillating one stepadj=0.5"
        if method in ("ML", "REML", "EB")
        else "the root of the Q equation was not found in the search interval"
    )
    raise ConvergenceError(
        f"{method} estimation did not converge after {int(cols['iterations'][first])} iterations{where}: {hint}."
    )
