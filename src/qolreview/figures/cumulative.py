"""Cumulative forest plot of one pooled analysis, laid out like metafor's ``forest(cumul(fit))`` (Lau et al.
1992, N Engl J Med 327:248-254; metafor documentation, ``forest.cumul.rma``).

One row per step, top to bottom in the order the studies were added: the label "+ <study> (<order value>)",
a square at the pooled estimate of the studies added so far with its confidence interval as a whisker (an
arrow where it runs past the axis), and "estimate [CI]" on the right. The x axis, its scale label and the
line of no effect are those of the forest plot (:mod:`qolreview.figures.forest`); like it, a long plot continues
over pages with the same x axis and headers (:func:`cumulative_forest_pages`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import Transform, TransformedPatchPath, blended_transform_factory

from qolreview.figures import layout, style
from qolreview.figures.captions import Captioned, require_columns
from qolreview.figures.forest import (
    Segments,
    bracketed_estimate,
    draw_segments,
    draw_title,
    draw_whisker,
    page_title,
    round_xlim,
    text_clip,
    title_height_in,
)
from qolreview.formatting import NA, figure_number, finite, interval, plural
from qolreview.tables import Cumulative

_CUMULATIVE_COLUMNS = (
    Cumulative.step,
    Cumulative.study_id,
    Cumulative.label,
    Cumulative.order_value,
    Cumulative.k,
    Cumulative.estimate,
    Cumulative.ci_lb,
    Cumulative.ci_ub,
)
_COLUMN_GAP_IN = 0.05
"""Clear space on the left of a text column."""
HEADER_GAP = 0.4
"""Space between the column headers and the first row, in row units."""


def _for_analysis(table: pd.DataFrame, analysis: Mapping[str, object]) -> pd.DataFrame:
    """The rows of ``analysis`` (all rows when the table or the analysis has no ``analysis_id``), by step."""
    aid = analysis.get("analysis_id")
    if "analysis_id" in table.columns and aid is not None:
        table = table[table["analysis_id"] == aid]
    return table.sort_values("step", kind="stable").reset_index(drop=True)


def _order_text(value: object) -> str:
    """An order value as printed: a whole number without decimals (a year), else two decimals; "NA"."""
    if not finite(value):
        return NA
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else figure_number(number)


def step_label(label: object, order_value: object) -> str:
    """ "+ <study label> (<order value>)", the row label of a step."""
    return f"+ {label} ({_order_text(order_value)})"


@dataclass(frozen=True)
class _Grid:
    """Fonts, figure width and row height (inches), and column widths (figure fractions): label, plot, estimate.

    The columns are the forest plot's (``style.FOREST_COLUMNS``): the n column joins the labels, and the
    weight and risk-of-bias columns join the plot."""

    font: style.Fonts
    fig_w: float
    row_h: float
    cols: Mapping[str, float]

    @classmethod
    def of(cls, width: style.Width) -> _Grid:
        forest = style.FOREST_COLUMNS[width]
        cols = {
            "label": forest["label"] + forest["n"],
            "plot": forest["plot"] + forest["weight"] + forest["rob"],
            "effect": forest["effect"],
        }
        return cls(style.fonts(width), style.width_in(width), style.row_in(width), cols)

    @property
    def label_in(self) -> float:
        return self.cols["label"] * self.fig_w - style.MARGIN_IN - _COLUMN_GAP_IN

    @property
    def axis_band_in(self) -> float:
        """Under the plot: ticks, tick labels, the scale label and the margin."""
        small = self.font.small
        return (3.5 + 3.5 + 1.3 * small + 2.0 + 1.3 * small + 2.0) / 72 + style.MARGIN_IN


@dataclass
class _Row:
    lines: list[str]
    data: Mapping[str, object]
    top: float = 0.0

    @property
    def centre(self) -> float:
        return self.top + len(self.lines) / 2


def cumulative_forest_pages(
    cumulative: pd.DataFrame,
    analysis: Mapping[str, object] | pd.Series,
    *,
    max_rows: int | None,
    width: style.Width = "double",
    palette: style.Palette = "cochrane",
    order_by: str = "year",
    null_value: float = 0.0,
) -> list[Captioned]:
    """Draw the cumulative meta-analysis of one pooled analysis (metafor's ``forest(cumul(fit))``), continued
    over pages when it is long.

    ``cumulative``: the ``Cumulative`` table (rows of other analyses are dropped when it has ``analysis_id``),
    one row per step. ``analysis``: the ``MetaAnalyses`` row (``analysis_id``, ``measure``, ``method``,
    ``test``, ``level``). ``order_by`` names the studies column the order values come from (the caption's
    "in order of year"). ``palette`` is accepted for a uniform signature; the plot is black and white.
    ``max_rows``: the most rows (lines of text) a page holds, steps never split; ``None``: one page however
    long. The pages share the x axis and column headers and are titled "Page 1 of n", "Continued: page 2 of n", ...
    """
    analysis = dict(analysis)
    steps = _for_analysis(cumulative, analysis)
    require_columns(steps, _CUMULATIVE_COLUMNS, "cumulative: table")
    if steps.empty:
        raise ValueError("cumulative: no steps to plot")
    measure = str(analysis.get("measure") or "Effect")
    grid = _Grid.of(width)
    level = float(analysis.get("level") or 0.95)
    heads = _heads(measure, level, order_by, grid)
    values = [*steps["ci_lb"].astype(float), *steps["ci_ub"].astype(float), *steps["estimate"].astype(float)]
    lo, hi = round_xlim(values, null_value)
    pages = _paginate(_rows(steps, grid), max_rows)
    caption, alt = _caption(steps, analysis, measure, order_by, level), _alt(steps, measure, order_by, level)
    if len(pages) == 1:
        return [Captioned(_draw(pages[0], None, grid, heads, measure, lo, hi, null_value), caption, alt)]
    out, first, n = [], 1, len(pages)
    for i, page in enumerate(pages, start=1):
        span = f"step {first}" if len(page) == 1 else f"steps {first} to {first + len(page) - 1}"
        if i == 1:
            text = f"{caption} Continued over {n} pages; page 1 shows {span}."
            alt_text = f"{alt} Page 1 of {n}: {span}."
        else:
            text = f"Cumulative meta-analysis of {plural(len(steps), 'study')}, continued (page {i} of {n}): {span}."
            estimates = [float(row.data["estimate"]) for row in page]  # type: ignore[arg-type]
            alt_text = (
                f"Cumulative forest plot ({measure}), page {i} of {n}: {span}, {page[0].data['label']} to "
                f"{page[-1].data['label']}; pooled estimate from {figure_number(min(estimates))} to "
                f"{figure_number(max(estimates))}."
            )
        figure = _draw(page, page_title(None, i, n), grid, heads, measure, lo, hi, null_value)
        out.append(Captioned(figure, text, alt_text))
        first += len(page)
    return out


def cumulative_forest_plot(
    cumulative: pd.DataFrame, analysis: Mapping[str, object] | pd.Series, **options: Any
) -> Captioned:
    """The whole cumulative meta-analysis in one figure: :func:`cumulative_forest_pages` without a row limit,
    with the same ``options``."""
    return cumulative_forest_pages(cumulative, analysis, max_rows=None, **options)[0]


def _paginate(rows: list[_Row], max_rows: int | None) -> list[list[_Row]]:
    """The rows of each page, in order, up to ``max_rows`` row units a page (a taller row gets a page of its
    own), each page's tops counted from its first row; one page without ``max_rows``."""
    pages: list[list[_Row]] = [[]]
    used = 0
    for row in rows:
        if max_rows is not None and used and used + len(row.lines) > max_rows:
            pages.append([])
            used = 0
        pages[-1].append(replace(row, top=used))
        used += len(row.lines)
    return pages


def _draw(
    rows: list[_Row],
    title: str | None,
    grid: _Grid,
    heads: Mapping[str, list[str]],
    measure: str,
    lo: float,
    hi: float,
    null_value: float,
) -> Figure:
    """One figure of ``rows`` under ``title``: column headers, the rows, the x axis and its scale."""
    units = rows[-1].top + len(rows[-1].lines)
    head_lines = max(len(h) for h in heads.values())
    header_in = (
        style.MARGIN_IN
        + title_height_in(title, grid.font, grid.row_h)
        + layout.height_in(head_lines, grid.font.base)
        + HEADER_GAP * grid.row_h
    )
    fig_h = header_in + units * grid.row_h + grid.axis_band_in
    with style.context():
        fig = style.new_figure(grid.fig_w, fig_h)
        ax = _plot_axes(fig, grid, fig_h, units, lo, hi)
        ax.plot([null_value, null_value], [0, units], color=style.ZERO_LINE, linewidth=0.6, zorder=0, gid="null-line")
        transform = blended_transform_factory(fig.transFigure, ax.transData)
        clip = text_clip(ax)
        _draw_headers(ax, transform, clip, grid, heads)
        segments: Segments = []
        squares = [_draw_row(ax, transform, clip, grid, row, lo, hi, segments) for row in rows]
        draw_segments(ax, segments, "step-ci")
        shown = [square for square in squares if square is not None]
        if shown:
            ax.scatter(
                *zip(*shown, strict=True),
                s=style.UNWEIGHTED_SQUARE_PT2,
                marker="s",
                color=style.INK,
                zorder=3,
                linewidths=0,
                gid="step-square",
            )
        _draw_axis_label(ax, grid, measure)
        if title:
            draw_title(fig, grid.font, title)
    return fig


def _rows(steps: pd.DataFrame, grid: _Grid) -> list[_Row]:
    """One row per step, its label wrapped to the label column (tops are set by :func:`_paginate`)."""
    return [
        _Row(layout.wrap(step_label(r["label"], r["order_value"]), grid.label_in, grid.font.base, indent="  "), r)
        for r in steps.to_dict("records")
    ]


def _heads(measure: str, level: float, order_by: str, grid: _Grid) -> dict[str, list[str]]:
    """The wrapped bold headers of the label and estimate columns."""
    font, gap = grid.font, _COLUMN_GAP_IN
    column = style.MEASURE_COLUMN_LABELS.get(measure, measure)
    return {
        "label": layout.wrap(f"Study added ({order_by.replace('_', ' ')})", grid.label_in, font.base, bold=True),
        "effect": layout.wrap(
            f"Cumulative {column} [{level:.0%} CI]", grid.cols["effect"] * grid.fig_w - gap, font.base, bold=True
        ),
    }


def _plot_axes(fig: Figure, grid: _Grid, fig_h: float, units: float, lo: float, hi: float) -> Axes:
    """The plot column: x axis only, rows counted downwards from the top."""
    ax = fig.add_axes(
        (grid.cols["label"], grid.axis_band_in / fig_h, grid.cols["plot"], units * grid.row_h / fig_h),
        gid="cumulative-plot",
    )
    ax.set_xlim(lo, hi)
    ax.set_ylim(units, 0)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.yaxis.set_visible(False)
    ax.tick_params(axis="x", labelsize=grid.font.small)
    return ax


def _x_label(grid: _Grid) -> float:
    return style.MARGIN_IN / grid.fig_w


def _x_effect(grid: _Grid) -> float:
    return grid.cols["label"] + grid.cols["plot"] + grid.cols["effect"] - style.MARGIN_IN / grid.fig_w


def _draw_headers(
    ax: Axes, transform: Transform, clip: TransformedPatchPath, grid: _Grid, heads: Mapping[str, list[str]]
) -> None:
    """The bold column headers just above the first row."""
    for x, lines, ha in ((_x_label(grid), heads["label"], "left"), (_x_effect(grid), heads["effect"], "right")):
        ax.text(
            x,
            -HEADER_GAP,
            "\n".join(lines),
            transform=transform,
            ha=ha,
            va="bottom",
            fontsize=grid.font.base,
            fontweight="bold",
            clip_on=False,
            clip_path=clip,
            gid="header",
        )


def _draw_row(
    ax: Axes,
    transform: Transform,
    clip: TransformedPatchPath,
    grid: _Grid,
    row: _Row,
    lo: float,
    hi: float,
    segments: Segments,
) -> tuple[float, float] | None:
    """One step: its label (data text, drawn literally), "estimate [CI]" and its CI line (added to ``segments``).
    Returns where its square goes, None when the estimate is off the axis (the page draws all squares at once)."""
    d, y = row.data, row.centre
    for x, text, ha, gid in (
        (_x_label(grid), "\n".join(row.lines), "left", "row-label"),
        (_x_effect(grid), bracketed_estimate(d["estimate"], d["ci_lb"], d["ci_ub"]), "right", "effect-text"),
    ):
        ax.text(
            x,
            y,
            text,
            transform=transform,
            ha=ha,
            va="center",
            fontsize=grid.font.base,
            clip_on=False,
            clip_path=clip,
            gid=gid,
        )
    draw_whisker(ax, float(d["ci_lb"]), float(d["ci_ub"]), y, lo, hi, "step-ci", segments=segments)
    estimate = float(d["estimate"])
    return (estimate, y) if lo <= estimate <= hi else None


def _draw_axis_label(ax: Axes, grid: _Grid, measure: str) -> None:
    """The scale of the x axis under its tick labels."""
    scale = style.MEASURE_SCALES.get(measure, measure)
    ax.annotate(
        scale[0].upper() + scale[1:],
        xy=(0.5, 0),
        xycoords="axes fraction",
        xytext=(0, -(3.5 + 3.5 + 1.3 * grid.font.small + 2.0)),
        textcoords="offset points",
        ha="center",
        va="top",
        fontsize=grid.font.small,
        gid="axis-label",
    )


# Caption ------------------------------------------------------------------------------------------------


def _step_text(step: Mapping[str, object], level: float) -> str:
    return f"{figure_number(step['estimate'])} ({level:.0%} CI {interval(step['ci_lb'], step['ci_ub'])})"


def _caption(steps: pd.DataFrame, analysis: Mapping[str, object], measure: str, order_by: str, level: float) -> str:
    """The order of the studies, what a row shows, and the first and final estimates."""
    k = len(steps)
    order = order_by.replace("_", " ")
    missing = int((~np.isfinite(steps["order_value"].astype(float))).sum())
    first, last = steps.iloc[0], steps.iloc[-1]
    test = style.TEST_LABELS.get(str(analysis.get("test", "")), str(analysis.get("test", "")))
    model = ", ".join(p for p in (str(analysis.get("method") or ""), test) if p)
    text = (
        f"Cumulative meta-analysis of {plural(k, 'study')}, added one at a time in increasing order of {order}"
        + (f" ({plural(missing, 'study')} without a value of {order} added last)" if missing else "")
        + f". Each row shows the pooled {measure} and its {level:.0%} confidence interval of the studies up to "
        f"and including the one named in that row"
        + (f" (random-effects model, {model})" if model else "")
        + "; the first row is the first study alone."
    )
    if measure in style.MEASURE_SCALES:
        text += f" Scale: {style.MEASURE_SCALES[measure]}."
    text += (
        f" First estimate ({first['label']}"
        + (f", {_order_text(first['order_value'])}" if finite(first["order_value"]) else f", no {order}")
        + f"): {_step_text(first, level)}; "
        f"final estimate with all {k} studies: {_step_text(last, level)}."
    )
    return text


def _alt(steps: pd.DataFrame, measure: str, order_by: str, level: float) -> str:
    """Alternative text: how the estimate moved from the first to the last step, and its range."""
    k = len(steps)
    estimates = steps["estimate"].astype(float)
    first, last = steps.iloc[0], steps.iloc[-1]
    return (
        f"Cumulative forest plot of {plural(k, 'step')} ({measure}), studies added in order of "
        f"{order_by.replace('_', ' ')} from {first['label']} to {last['label']}. The pooled estimate moves from "
        f"{figure_number(first['estimate'])} to {figure_number(last['estimate'])} (range "
        f"{figure_number(estimates.min())} to {figure_number(estimates.max())}); the final {level:.0%} confidence "
        f"interval "
        f"is {interval(last['ci_lb'], last['ci_ub'])}."
    )
