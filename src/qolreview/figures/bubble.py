"""Bubble plot of a meta-regression on one moderator (metafor ``regplot()``; Viechtbauer 2010, J Stat Softw
36(3); Thompson & Higgins 2002, Stat Med 21:1559-1573).

Numeric moderator: x = the moderator, y = each study's effect size, bubble area proportional to the study's
weight in the mixed-effects model, ``1/(vi + tau2)`` (metafor draws the point size proportional to the
square root of the weight, i.e. the area to the weight), the fitted line ``b0 + b1 x`` and its confidence
band ``pred +/- crit * sqrt(x' Var(b) x)``. Categorical moderator: a dot plot by level (one row per level;
the reference level first, as the model codes it) with each level's fitted value (the intercept plus the
level's coefficient) and its confidence interval.

The table ``MetaRegression`` keeps the coefficients but not their covariance, so the model is refitted
with :func:`qolreview.meta.meta_regression` on the same studies (its tau² and coefficients must match the
table) and the covariance is computed from that fit: ``(X' W X)^-1`` with ``W = diag(1/(vi + tau2))``,
times ``sum(w (y - X b)^2)/(k - p)`` under Knapp-Hartung, as metafor does. The confidence level is the one
the table's intervals were computed at.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from qolreview.figures import layout, style
from qolreview.figures.captions import Captioned, require_columns
from qolreview.figures.funnel import (
    RIGHT_IN,
    bottom_band_in,
    draw_legend,
    effect_axis_label,
    label_axes,
    left_margin_in,
    legend_columns,
    legend_height_in,
    plot_frame,
    style_axes,
    tick_labels,
)
from qolreview.formatting import figure_number, figure_p_statement, finite, interval, plural
from qolreview.meta import distributions, meta_regression
from qolreview.meta.regression import design_matrix
from qolreview.tables import MetaRegression, StudyWeights

BUBBLE_PT2 = {"single": (3.0, 110.0), "double": (4.0, 160.0)}
"""Smallest and largest bubble area (pt^2); between them the area is proportional to the weight."""
COLOURS: dict[str, dict[str, str]] = {
    "cochrane": {"bubble": "#BFBFBF", "line": style.INK, "band": "#E0E0E0", "level": style.INK},
    "colourblind": {
        "bubble": style.OKABE_ITO[4],
        "line": style.OKABE_ITO[0],
        "band": "#D6E9F5",
        "level": style.OKABE_ITO[0],
    },
}
BUBBLE_ALPHA = 0.6
_AXES_H_IN = {"single": 2.4, "double": 3.1}
ROW_IN = {"single": 0.42, "double": 0.5}
"""Height of one level's row in the categorical dot plot."""
_LABEL_FRACTION = 0.32
"""Largest share of the figure width for the level labels of the categorical dot plot."""
STUDY_ROW_OFFSET = -0.12
LEVEL_ROW_OFFSET = 0.27
"""Where the studies and the level estimate sit in a level's row (row units, down is positive)."""
JITTER = (0.0, -0.07, 0.07)
"""Vertical offsets of the studies of a level, in turn (row units): deterministic, no random jitter."""
_STUDY_COLUMNS = (StudyWeights.label, StudyWeights.yi, StudyWeights.vi)
REGRESSION_COLUMNS = (
    MetaRegression.moderator,
    MetaRegression.coefficient,
    MetaRegression.k,
    MetaRegression.estimate,
    MetaRegression.se,
    MetaRegression.pval,
    MetaRegression.ci_lb,
    MetaRegression.ci_ub,
    MetaRegression.qm,
    MetaRegression.qm_df,
    MetaRegression.qm_df2,
    MetaRegression.qm_p,
    MetaRegression.qe_df,
    MetaRegression.tau2,
    MetaRegression.i2,
    MetaRegression.r2,
    MetaRegression.method,
    MetaRegression.test,
)


@dataclass(frozen=True)
class _Model:
    """The refitted meta-regression and the data it was fitted to."""

    moderator: str
    measure: str
    studies: pd.DataFrame
    """The studies with a value of the moderator (index reset)."""
    values: pd.Series
    numeric: bool
    left_out: int
    rows: pd.DataFrame
    """The table's rows of the model, intercept first."""
    names: tuple[str, ...]
    beta: np.ndarray
    vb: np.ndarray
    crit: float
    level: float
    tau2: float

    @property
    def weights(self) -> np.ndarray:
        return 1.0 / (self.studies[StudyWeights.vi].to_numpy(float) + self.tau2)

    @property
    def levels(self) -> list[str]:
        """The levels of a categorical moderator, reference first (the model's coding)."""
        return sorted(self.values.unique())

    def fitted(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fitted values and their standard errors at the rows of the model matrix ``x``."""
        return x @ self.beta, np.sqrt(np.einsum("ij,jk,ik->i", x, self.vb, x))

    @property
    def shared(self) -> Mapping[str, object]:
        """The model-level statistics (the same in every row)."""
        return self.rows.iloc[0].to_dict()


def bubble_plot(
    studies: pd.DataFrame,
    moderator_values: pd.Series | Sequence[object],
    regression: pd.DataFrame,
    *,
    moderator: str,
    width: style.Width = "double",
    palette: style.Palette = "cochrane",
    measure: str | None = None,
) -> Captioned:
    """Draw a meta-regression of one analysis on ``moderator``.

    ``studies``: the analysis' rows of ``StudyWeights`` (``label``, ``yi``, ``vi``). ``moderator_values``:
    the moderator's value of each study, in the order of ``studies`` (as
    :func:`qolreview.synthesis.diagnostics.moderator_values` returns them); studies without a value are
    left out, as the model left them out. ``regression``: ``MetaRegression`` rows; those of ``moderator``
    (and of the studies' analysis, when both name it) are used. ``measure``: the effect measure naming
    the effect axis (default: the studies' ``measure`` column, else "Effect").
    """
    require_columns(studies, _STUDY_COLUMNS, "bubble: studies table")
    require_columns(regression, REGRESSION_COLUMNS, "bubble: meta-regression table")
    model = _refit(studies, moderator_values, regression, moderator, measure)
    if model.numeric:
        fig = _draw_numeric(model, width, palette)
        caption, alt = _caption_numeric(model), _alt_numeric(model)
    else:
        fig = _draw_categorical(model, width, palette)
        caption, alt = _caption_categorical(model), _alt_categorical(model)
    return Captioned(fig, caption, alt)


# The model ------------------------------------------------------------------------------------------------


def _model_rows(studies: pd.DataFrame, regression: pd.DataFrame, moderator: str) -> pd.DataFrame:
    rows = regression[regression[MetaRegression.moderator] == moderator]
    if MetaRegression.analysis_id in rows.columns and StudyWeights.analysis_id in studies.columns:
        analyses = studies[StudyWeights.analysis_id].unique()
        if len(analyses) == 1:
            rows = rows[rows[MetaRegression.analysis_id] == analyses[0]]
    if rows.empty:
        raise ValueError(f"bubble: no meta-regression rows for moderator {moderator!r}")
    return rows.reset_index(drop=True)


def _table_level(rows: pd.DataFrame) -> float:
    """The confidence level of the table's intervals, from the intercept's interval and standard error."""
    first = rows.iloc[0]
    se = float(first[MetaRegression.se])
    if not (math.isfinite(se) and se > 0):
        return 0.95
    crit = (float(first[MetaRegression.ci_ub]) - float(first[MetaRegression.estimate])) / se
    if str(first[MetaRegression.test]) == "knha":
        tail = float(distributions.t.sf(crit, int(first[MetaRegression.qe_df])))
    else:
        tail = float(distributions.norm.sf(crit))
    return round(1.0 - 2.0 * tail, 6)


def _refit(
    studies: pd.DataFrame,
    moderator_values: pd.Series | Sequence[object],
    regression: pd.DataFrame,
    moderator: str,
    measure: str | None,
) -> _Model:
    """Refit the table's model on the studies with a value of the moderator, and its covariance matrix."""
    rows = _model_rows(studies, regression, moderator)
    values = pd.Series(moderator_values).reset_index(drop=True)
    if len(values) != len(studies):
        raise ValueError(f"bubble: {len(values)} moderator values for {len(studies)} studies")
    known = values.notna().to_numpy()
    used = studies.reset_index(drop=True)[known].reset_index(drop=True)
    column = values[known].reset_index(drop=True)
    numeric = pd.api.types.is_numeric_dtype(column)
    column = column.astype(float) if numeric else column.astype(str)
    shared = rows.iloc[0]
    method, test = str(shared[MetaRegression.method]), str(shared[MetaRegression.test])
    level = _table_level(rows)
    yi, vi = used[StudyWeights.yi].to_numpy(float), used[StudyWeights.vi].to_numpy(float)
    fit = meta_regression(yi, vi, {moderator: column}, method=method, test=test, level=level)
    table_names = tuple(str(n) for n in rows[MetaRegression.coefficient])
    if fit.coef_names != table_names or not np.allclose(
        fit.beta, rows[MetaRegression.estimate].to_numpy(float), rtol=1e-6, atol=1e-9
    ):
        raise ValueError(
            f"bubble: the meta-regression table ({', '.join(table_names)}) does not match the model refitted to "
            f"the studies ({', '.join(fit.coef_names)}): pass the same studies and moderator values"
        )
    X, _ = design_matrix({moderator: column}, len(used))
    vb = _covariance(X, yi, vi, fit.tau2, np.asarray(fit.beta), test)
    df = len(used) - X.shape[1]
    alpha = 1.0 - level
    crit = float(distributions.t.isf(alpha / 2, df)) if test == "knha" else float(distributions.norm.isf(alpha / 2))
    name = measure or (str(studies["measure"].iloc[0]) if "measure" in studies.columns else "Effect")
    return _Model(
        moderator=moderator,
        measure=name,
        studies=used,
        values=column,
        numeric=numeric,
        left_out=int((~known).sum()),
        rows=rows,
        names=fit.coef_names,
        beta=np.asarray(fit.beta, dtype=float),
        vb=vb,
        crit=crit,
        level=level,
        tau2=float(fit.tau2),
    )


def _covariance(X: np.ndarray, y: np.ndarray, v: np.ndarray, tau2: float, beta: np.ndarray, test: str) -> np.ndarray:
    """``Var(b) = (X' W X)^-1``, ``W = diag(1/(vi + tau2))``; under Knapp-Hartung times
    ``s2 = sum(w (y - X b)^2)/(k - p)`` (0 when the sum is at most machine epsilon), as metafor 3.8."""
    w = 1.0 / (v + tau2)
    vb = np.linalg.inv(X.T @ (w[:, None] * X))
    if test == "knha":
        rss = float(np.sum(w * (y - X @ beta) ** 2))
        vb = vb * (0.0 if rss <= np.finfo(float).eps else rss / (X.shape[0] - X.shape[1]))
    return vb


# Drawing --------------------------------------------------------------------------------------------------


def _areas(weights: np.ndarray, width: style.Width) -> np.ndarray:
    """Bubble areas proportional to the weights (largest = the preset's maximum), never below its minimum."""
    smallest, largest = BUBBLE_PT2[width]
    return np.maximum(smallest, largest * weights / weights.max())


def _nice_ticks(lo: float, hi: float, nbins: int = 6) -> np.ndarray:
    if hi - lo < 1e-12:
        lo, hi = lo - 1.0, hi + 1.0
    return ticker.MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)


def _set_ticks(ax: Axes, axis: str, ticks: np.ndarray, lo: float, hi: float) -> None:
    inside = ticks[(ticks >= lo - 1e-12) & (ticks <= hi + 1e-12)]
    setter = ax.set_xticks if axis == "x" else ax.set_yticks
    setter(inside, tick_labels(inside))


def _bubble_handle(colours: Mapping[str, str], width: style.Width) -> Line2D:
    return Line2D(
        [],
        [],
        linestyle="none",
        marker="o",
        markersize=math.sqrt(BUBBLE_PT2[width][1] / 2),
        markerfacecolor=colours["bubble"],
        markeredgecolor=style.INK,
        markeredgewidth=0.5,
        alpha=BUBBLE_ALPHA,
    )


def _scatter(ax: Axes, x: np.ndarray, y: np.ndarray, areas: np.ndarray, colours: Mapping[str, str]) -> None:
    """Bubbles, largest first so that smaller ones stay visible on top."""
    order = np.argsort(-areas, kind="stable")
    ax.scatter(
        x[order],
        y[order],
        s=areas[order],
        facecolors=colours["bubble"],
        edgecolors=style.INK,
        linewidths=0.5,
        alpha=BUBBLE_ALPHA,
        zorder=3,
        gid="study-bubble",
    )


def _draw_numeric(model: _Model, width: style.Width, palette: style.Palette) -> Figure:
    """Bubbles over the fitted line and its confidence band."""
    font, colours = style.fonts(width), COLOURS[palette]
    x = model.values.to_numpy(float)
    y = model.studies[StudyWeights.yi].to_numpy(float)
    grid = np.linspace(x.min(), x.max(), 201)
    fit, se = model.fitted(np.column_stack([np.ones_like(grid), grid]))
    lower, upper = fit - model.crit * se, fit + model.crit * se
    x_lo, x_hi = x.min(), x.max()
    x_pad = 0.06 * (x_hi - x_lo) if x_hi > x_lo else 1.0
    y_lo, y_hi = min(y.min(), lower.min(), 0.0), max(y.max(), upper.max(), 0.0)
    y_pad = 0.08 * (y_hi - y_lo) if y_hi > y_lo else 1.0
    xlim, ylim = (x_lo - x_pad, x_hi + x_pad), (y_lo - y_pad, y_hi + y_pad)
    y_ticks = _nice_ticks(*ylim)
    x_ticks = _nice_ticks(*xlim)
    handles: list[Artist] = [
        _bubble_handle(colours, width),
        Line2D([], [], color=colours["line"], linewidth=1.0),
        Patch(facecolor=colours["band"], edgecolor="none"),
    ]
    labels = ["Studies (area proportional to weight)", "Fitted values", f"{_percent(model.level)} confidence band"]
    fig_w = style.width_in(width)
    ncol = legend_columns(labels, font.small, fig_w - 2 * style.MARGIN_IN)
    legend_h = legend_height_in(len(labels), ncol, font.small)
    left = left_margin_in(tick_labels(y_ticks), font)
    xlabel_lines = layout.wrap(model.moderator, fig_w - left - RIGHT_IN, font.small)
    below = bottom_band_in(font, len(xlabel_lines))
    axes_h = _AXES_H_IN[width]
    with style.context():
        fig, ax = plot_frame(fig_w, left, axes_h, below + legend_h)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        _set_ticks(ax, "x", x_ticks, *xlim)
        _set_ticks(ax, "y", y_ticks, *ylim)
        ax.axhline(0.0, color=style.ZERO_LINE, linewidth=0.6, linestyle=":", zorder=0, gid="null-line")
        ax.fill_between(grid, lower, upper, color=colours["band"], linewidth=0, zorder=1, gid="confidence-band")
        for bound in (lower, upper):
            ax.plot(grid, bound, color=colours["line"], linewidth=0.5, linestyle="--", zorder=2, gid="band-edge")
        ax.plot(grid, fit, color=colours["line"], linewidth=1.0, zorder=2, gid="fitted-line")
        _scatter(ax, x, y, _areas(model.weights, width), colours)
        style_axes(ax, font)
        label_axes(ax, "\n".join(xlabel_lines), effect_axis_label(model.measure), font)
        draw_legend(fig, handles, labels, style.MARGIN_IN + legend_h, font.small, ncol)
    return fig


def _level_labels(model: _Model, max_in: float, size: float) -> list[str]:
    """Each level's wrapped name and its number of studies."""
    counts = model.values.value_counts()
    return [
        "\n".join(layout.wrap(f"{level} (k\u00a0=\u00a0{int(counts[level])})", max_in, size)) for level in model.levels
    ]


def _level_estimates(model: _Model) -> pd.DataFrame:
    """Each level's fitted value (intercept + its coefficient) and confidence interval."""
    levels = model.levels
    x = np.zeros((len(levels), len(model.beta)))
    x[:, 0] = 1.0
    for i in range(1, len(levels)):
        x[i, i] = 1.0
    est, se = model.fitted(x)
    return pd.DataFrame(
        {"level": levels, "estimate": est, "ci_lb": est - model.crit * se, "ci_ub": est + model.crit * se}
    )


def _draw_categorical(model: _Model, width: style.Width, palette: style.Palette) -> Figure:
    """One row per level: the studies as bubbles, the level's estimate as a square with its CI."""
    font, colours = style.fonts(width), COLOURS[palette]
    fig_w = style.width_in(width)
    levels = model.levels
    estimates = _level_estimates(model)
    y = model.studies[StudyWeights.yi].to_numpy(float)
    x_lo = min(y.min(), estimates["ci_lb"].min(), 0.0)
    x_hi = max(y.max(), estimates["ci_ub"].max(), 0.0)
    pad = 0.06 * (x_hi - x_lo) if x_hi > x_lo else 1.0
    xlim = (x_lo - pad, x_hi + pad)
    ticks = _nice_ticks(*xlim)
    labels_text = _level_labels(model, _LABEL_FRACTION * fig_w, font.small)
    lines = max(len(t.split("\n")) for t in labels_text)
    row_in = max(ROW_IN[width], layout.height_in(lines, font.small) + 0.08)
    legend_labels = ["Studies (area proportional to weight)", f"Level estimate with {_percent(model.level)} CI"]
    handles: list[Artist] = [
        _bubble_handle(colours, width),
        Line2D([], [], color=colours["level"], marker="s", markersize=4.0, linewidth=0.8),
    ]
    ncol = legend_columns(legend_labels, font.small, fig_w - 2 * style.MARGIN_IN)
    legend_h = legend_height_in(len(legend_labels), ncol, font.small)
    ylabel_lines = layout.wrap(model.moderator, len(levels) * row_in, font.small)
    left = left_margin_in(labels_text, font, len(ylabel_lines))
    below = bottom_band_in(font)
    axes_h = len(levels) * row_in
    with style.context():
        fig, ax = plot_frame(fig_w, left, axes_h, below + legend_h)
        ax.set_xlim(*xlim)
        ax.set_ylim(len(levels) - 0.5, -0.5)
        _set_ticks(ax, "x", ticks, *xlim)
        ax.set_yticks(range(len(levels)), labels_text)
        ax.tick_params(axis="y", length=0)
        ax.axvline(0.0, color=style.ZERO_LINE, linewidth=0.6, linestyle=":", zorder=0, gid="null-line")
        row = model.values.map({level: i for i, level in enumerate(levels)}).to_numpy(int)
        offsets = np.zeros(len(row))
        for i in range(len(levels)):
            members = np.flatnonzero(row == i)
            for j, m in enumerate(members[np.argsort(y[members], kind="stable")]):
                offsets[m] = JITTER[j % len(JITTER)]
        _scatter(ax, y, row + STUDY_ROW_OFFSET + offsets, _areas(model.weights, width), colours)
        for i, est in enumerate(estimates.itertuples()):
            ax.plot(
                [est.ci_lb, est.ci_ub],
                [i + LEVEL_ROW_OFFSET] * 2,
                color=colours["level"],
                linewidth=0.8,
                zorder=4,
                gid="level-ci",
            )
            ax.plot(
                [est.estimate],
                [i + LEVEL_ROW_OFFSET],
                marker="s",
                markersize=4.0,
                color=colours["level"],
                linestyle="none",
                zorder=5,
                gid="level-estimate",
            )
        style_axes(ax, font)
        label_axes(ax, effect_axis_label(model.measure), "\n".join(ylabel_lines), font)
        draw_legend(fig, handles, legend_labels, style.MARGIN_IN + legend_h, font.small, ncol)
    return fig


# Captions -------------------------------------------------------------------------------------------------


def _percent(level: float) -> str:
    return f"{100 * level:g}%"


def _value(v: float) -> str:
    """A moderator value as entered: up to six significant digits, no trailing zeros."""
    return f"{float(v):.6g}"


def coefficient_decimals(se: object) -> int:
    """Decimals of a coefficient: two, or as many as its standard error needs to show its first
    significant digit (a slope per year or per unit of age is often below 0.01)."""
    if not finite(se) or float(se) <= 0:  # type: ignore[arg-type]
        return 2
    return int(min(6, max(2, -math.floor(math.log10(float(se))))))  # type: ignore[arg-type]


def _fit_text(model: _Model) -> str:
    """Estimator and test of the model."""
    shared = model.shared
    test = style.TEST_LABELS.get(str(shared["test"]), str(shared["test"]))
    return f"{shared['method']}, {test}"


def _omnibus_text(model: _Model) -> str:
    """The test of the moderators, residual heterogeneity and R²."""
    s = model.shared
    if str(s["test"]) == "knha" and finite(s.get("qm_df2")):
        qm = f"F({int(s['qm_df'])}, {int(s['qm_df2'])}) = {figure_number(s['qm'])}"
    else:
        qm = f"QM = {figure_number(s['qm'])} (df = {int(s['qm_df'])})"
    return (
        f"Test of moderators: {qm}, {figure_p_statement(s['qm_p'])}; residual heterogeneity "
        f"\u03c4\u00b2 = {figure_number(s.get('tau2'), 3)}, I\u00b2 = {figure_number(s.get('i2'), 1)}%; "
        f"R\u00b2 = {figure_number(s.get('r2'), 1)}%."
    )


def _studies_text(model: _Model) -> str:
    text = plural(len(model.studies), "study")
    if model.left_out:
        text += f"; {plural(model.left_out, 'study')} without a value of {model.moderator} left out"
    return text


def _scale_text(model: _Model) -> str:
    return f" Scale: {style.MEASURE_SCALES[model.measure]}." if model.measure in style.MEASURE_SCALES else ""


def _coefficient_text(row: Mapping[str, object], level: float) -> str:
    d = coefficient_decimals(row["se"])
    return (
        f"{figure_number(row['estimate'], d)} ({_percent(level)} CI {interval(row['ci_lb'], row['ci_ub'], d)}), "
        f"{figure_p_statement(row['pval'])}"
    )


def _caption_numeric(model: _Model) -> str:
    slope = model.rows.iloc[1].to_dict()
    return (
        f"Bubble plot of the meta-regression of {model.measure} on {model.moderator} ({_studies_text(model)}). "
        f"Each bubble is a study; its area is proportional to its weight in the mixed-effects model, "
        f"1/(vi + \u03c4\u00b2). Line: fitted {model.measure} with its {_percent(model.level)} confidence band "
        f"({_fit_text(model)}). Slope per unit of {model.moderator}: {_coefficient_text(slope, model.level)}. "
        + _omnibus_text(model)
        + _scale_text(model)
    )


def _alt_numeric(model: _Model) -> str:
    x = model.values.to_numpy(float)
    ends = np.array([x.min(), x.max()])
    fit, _ = model.fitted(np.column_stack([np.ones(2), ends]))
    slope = model.rows.iloc[1]
    return (
        f"Scatter plot of {plural(len(model.studies), 'study')}: {model.measure} against {model.moderator} "
        f"({_value(ends[0])} to {_value(ends[1])}), bubble size by weight. The fitted line goes from "
        f"{figure_number(fit[0])} at {_value(ends[0])} to {figure_number(fit[1])} at {_value(ends[1])} "
        f"(slope {figure_number(slope['estimate'], coefficient_decimals(slope['se']))}, "
        f"{figure_p_statement(slope['pval'])})."
    )


def _caption_categorical(model: _Model) -> str:
    levels = model.levels
    reference = levels[0]
    differences = "; ".join(
        f"{level} {_coefficient_text(model.rows.iloc[i].to_dict(), model.level)}"
        for i, level in enumerate(levels[1:], start=1)
    )
    return (
        f"Dot plot of the meta-regression of {model.measure} on {model.moderator} ({_studies_text(model)} in "
        f"{len(levels)} levels). Dots are studies, their area proportional to their weight in the mixed-effects "
        f"model, 1/(vi + \u03c4\u00b2); squares and bars are each level's fitted {model.measure} with its "
        f"{_percent(model.level)} confidence interval ({_fit_text(model)}). Difference from {reference} "
        f"(reference level): {differences}. " + _omnibus_text(model) + _scale_text(model)
    )


def _alt_categorical(model: _Model) -> str:
    counts = model.values.value_counts()
    parts = "; ".join(
        f"{r.level} (k = {int(counts[r.level])}) {figure_number(r.estimate)} ({interval(r.ci_lb, r.ci_ub)})"
        for r in _level_estimates(model).itertuples()
    )
    return (
        f"Dot plot of {plural(len(model.studies), 'study')} ({model.measure}) by {model.moderator}, "
        f"bubble size by weight, with each level's estimate: {parts}. "
        f"Test of moderators {figure_p_statement(model.shared['qm_p'])}."
    )
