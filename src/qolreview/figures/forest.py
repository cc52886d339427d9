"""Forest plot of one pooled analysis, laid out like metafor's ``forest()`` (Viechtbauer 2010, J Stat
Softw 36(3); metafor documentation, ``forest.rma``).

One row per study: label, n, a square at the estimate whose area is proportional to the model weight,
the 95% CI as a whisker (an arrow where it runs past the axis limits), "estimate [95% CI]" and the
weight in percent. Below: the pooled diamond (centre at the estimate, ends at the CI limits), the
prediction interval as a bar (Cochrane Handbook 10.10.4.3; Riley et al. 2011, BMJ 342:d549) and the
heterogeneity statistics. A single study (k = 1) is drawn without a diamond and labelled as not pooled.

Ratio measures (RR, OR, HR) whose event is known are drawn as the event's ratio on a log axis, as metafor's
``forest(fit, atransf = exp)`` does, with the sign flip of an adverse event undone (:class:`_Scale`).

A plot longer than a number of rows continues over pages, as in Cochrane reviews (:func:`forest_pages`): each
page has the x axis, the column headers and the square sizes of the whole analysis; the pooled result is on the
last page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.transforms import Transform, TransformedPatchPath, blended_transform_factory

from qolreview.figures import layout, style
from qolreview.figures.captions import Captioned, heterogeneity_text, require_columns
from qolreview.formatting import figure_number, figure_p_statement, finite, is_missing, plural, whole_count
from qolreview.synthesis.ratios import orientation
from qolreview.tables import StudyWeights

COLUMN_GAP_IN = 0.05
"""Clear space on the left of a text column."""
TICK_GAP_IN = 0.06
"""Least clear space between two tick labels of a log ratio axis."""
STUDY_COLUMNS = (
    StudyWeights.study_id,
    StudyWeights.label,
    StudyWeights.n,
    StudyWeights.yi,
    StudyWeights.vi,
    StudyWeights.ci_lb,
    StudyWeights.ci_ub,
    StudyWeights.weight_pct,
)


@dataclass
class _Row:
    kind: str
    """heading | study | subgroup | pooled | not_pooled | pi | text"""
    label: list[str]
    data: Mapping[str, object] = field(default_factory=dict)
    top: float = 0.0

    @property
    def height(self) -> int:
        return max(1, len(self.label))

    @property
    def centre(self) -> float:
        return self.top + self.height / 2


@dataclass(frozen=True)
class _Scale:
    """How the analysis' effects are drawn and printed.

    A ratio measure whose event is known (``direction_flipped`` of every row) is back-transformed: the x axis
    stays in log units but its ticks are labelled with ratios, and the text columns print ratios
    (:mod:`qolreview.synthesis.ratios`). ``sign`` -1 takes the flipped log ratios of an adverse event back to
    the event's own, so the favours sides trade places; with adverse and favourable events in one plot
    (``mixed``) the ratios keep the harmonized orientation (above 1 = better) and the rows of adverse events,
    whose ratios are inverted, are marked. Other measures, and ratios whose flip is unknown, are drawn on the
    analysis scale.
    """

    measure: str
    ratio: bool = False
    sign: int = 1
    mixed: bool = False

    @classmethod
    def of(cls, measure: str, studies: pd.DataFrame) -> _Scale:
        """The scale of ``measure`` for the rows of ``studies``."""
        flags = studies.get(StudyWeights.direction_flipped)
        if measure not in style.RATIO_NAMES or flags is None or flags.isna().any():
            return cls(measure)
        sign = orientation(flags)
        return cls(measure, True, sign or 1, sign is None)

    def number(self, value: object) -> str:
        """A plotted value as printed: its ratio on a ratio scale."""
        return figure_number(math.exp(float(value)) if self.ratio and finite(value) else value)  # type: ignore[arg-type]

    def interval(self, lower: object, upper: object) -> str:
        """ "lower to upper", as printed."""
        return f"{self.number(lower)} to {self.number(upper)}"

    def effect_text(self, est: object, lb: object, ub: object) -> str:
        """ "estimate [lower, upper]" as printed in the estimate column."""
        return f"{self.number(est)} [{self.number(lb)}, {self.number(ub)}]"

    def frame(self, table: pd.DataFrame, names: tuple[str, str, str]) -> pd.DataFrame:
        """``table`` with its estimate and limits columns ``names`` on the plotted scale."""
        out = table.copy()
        est, lb, ub = names
        out[est] = self.sign * table[est].astype(float)
        out[lb], out[ub] = (self.sign * table[c].astype(float) for c in ((lb, ub) if self.sign > 0 else (ub, lb)))
        return out

    def mapping(self, values: Mapping[str, object] | None) -> Mapping[str, object] | None:
        """A pooled result with its estimate, CI and PI on the plotted scale."""
        if values is None or self.sign > 0:
            return values
        out = dict(values)
        out["estimate"] = -float(values["estimate"])  # type: ignore[arg-type]
        for lb, ub in (("ci_lb", "ci_ub"), ("pi_lb", "pi_ub")):
            out[lb], out[ub] = (-float(values[c]) if finite(values.get(c)) else np.nan for c in (ub, lb))  # type: ignore[arg-type]
        return out

    def favours(self, favours: tuple[str, str]) -> tuple[str, str]:
        """The (left, right) favours labels: traded when fewer events of an adverse event are better."""
        return favours if self.sign > 0 else (favours[1], favours[0])

    def inverted(self, row: Mapping[str, object]) -> bool:
        """Whether a study row's ratio is drawn inverted (an adverse event among favourable ones)."""
        return self.mixed and bool(row.get(StudyWeights.direction_flipped))

    @property
    def column(self) -> str:
        """Header of the estimate column."""
        return self.measure if self.ratio else style.MEASURE_COLUMN_LABELS.get(self.measure, self.measure)

    @property
    def words(self) -> str | None:
        """The scale in words, e.g. "risk ratio of an adverse event (fewer is better), log axis"."""
        if not self.ratio:
            return style.MEASURE_SCALES.get(self.measure)
        event = style.RATIO_EVENT_WORDS[0 if self.mixed else self.sign]
        return f"{style.RATIO_NAMES[self.measure]} {event}, log axis"

    @property
    def null_word(self) -> str:
        """The value of no effect, in words."""
        return "1" if self.ratio else "zero"

    @property
    def note(self) -> str:
        """The note under a plot with inverted ratios."""
        return (
            f"{style.INVERTED_MARK} Adverse event: the {style.RATIO_NAMES[self.measure]} is inverted (comparator "
            "over intervention) so that, as for the other rows, values above 1 are better."
        )


def _is_pooled(pooled: Mapping[str, object] | None) -> bool:
    """True when there is a pooled estimate to draw: k >= 2, not flagged unpooled, finite estimate."""
    return (
        pooled is not None
        and pooled.get("pooled", True) is not False
        and int(pooled.get("k", 0) or 0) >= 2
        and finite(pooled.get("estimate"))
    )


def bracketed_estimate(est: object, lb: object, ub: object) -> str:
    """ "estimate [lower, upper]" as printed in the estimate column of a plot on the analysis scale."""
    return f"{figure_number(est)} [{figure_number(lb)}, {figure_number(ub)}]"


def round_xlim(values: Sequence[float], null_value: float) -> tuple[float, float]:
    """Limits at round tick values covering every estimate, CI and the no-effect line."""
    arr = np.asarray([v for v in values if np.isfinite(v)] + [null_value], dtype=float)
    lo, hi = float(arr.min()), float(arr.max())
    if hi - lo < 1e-9:
        lo, hi = lo - 1.0, hi + 1.0
    ticks = ticker.MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    return float(ticks[0]), float(ticks[-1])


def _ratio_ticks(family: tuple[tuple[float, ...], int]) -> list[float]:
    """The tick ratios of a family of ``style.RATIO_TICK_FAMILIES``, 1e-9 to 1e9."""
    mantissas, step = family
    return sorted(m * 10.0**d for d in range(-9, 10) if d % step == 0 for m in mantissas)


def _ratio_axis(
    values: Sequence[float], xlim: tuple[float, float] | None, plot_in: float, font_pt: float
) -> tuple[float, float, list[float]]:
    """Limits (log units) and tick ratios of a log ratio axis: the densest family of ``style.RATIO_TICK_FAMILIES``
    whose tick labels keep ``TICK_GAP_IN`` apart; without ``xlim``, the limits are the family's ticks around
    every value and no effect."""
    logs = [v for v in values if np.isfinite(v)] + [0.0]
    for family in style.RATIO_TICK_FAMILIES:
        candidates = _ratio_ticks(family)
        if xlim is None:
            below = max((c for c in candidates if math.log(c) <= min(logs) + 1e-12), default=candidates[0])
            above = min((c for c in candidates if math.log(c) >= max(logs) - 1e-12), default=candidates[-1])
            if below == above:
                below, above = candidates[candidates.index(below) - 1], candidates[candidates.index(above) + 1]
            lo, hi = math.log(below), math.log(above)
        else:
            lo, hi = xlim
        ticks = [c for c in candidates if lo - 1e-12 <= math.log(c) <= hi + 1e-12]
        x = [(math.log(t) - lo) / (hi - lo) * plot_in for t in ticks]
        widths = [layout.line_width_in(f"{t:g}", font_pt) for t in ticks]
        gaps = [b - a - (wa + wb) / 2 for a, b, wa, wb in zip(x, x[1:], widths, widths[1:], strict=False)]
        if min(gaps, default=TICK_GAP_IN) >= TICK_GAP_IN:
            break
    return lo, hi, ticks


def _build_rows(
    studies: pd.DataFrame,
    pooled: Mapping[str, object] | None,
    subgroups: pd.DataFrame | None,
    notes: Sequence[str],
    label_in: float,
    text_in: float,
    font: style.Fonts,
) -> list[_Row]:
    """The rows top to bottom (subgroup headings, studies, subtotals, pooled, PI, notes), each with its top."""

    def wrap(text: object, bold: bool = False) -> list[str]:
        return layout.wrap(str(text), label_in, font.base, bold)

    rows: list[_Row] = []
    grouped = "subgroup" in studies.columns and studies["subgroup"].notna().any()
    if grouped:
        names = list(dict.fromkeys(studies["subgroup"].fillna("Other")))
        results = {} if subgroups is None else {r["subgroup"]: r for r in subgroups.to_dict("records")}
        for name in names:
            rows.append(_Row("heading", wrap(name, bold=True), {"subgroup": name}))
            part = studies[studies["subgroup"].fillna("Other") == name]
            rows += [_Row("study", wrap(r["label"]), r) for r in part.to_dict("records")]
            res = results.get(name)
            if res is not None and int(res.get("k", 0) or 0) >= 2 and finite(res.get("estimate")):
                rows.append(_Row("subgroup", wrap(f"Subtotal (k = {int(res['k'])})", bold=True), res))
    else:
        rows += [_Row("study", wrap(r["label"]), r) for r in studies.to_dict("records")]
    rows.append(_Row("text", [""]))
    if _is_pooled(pooled):
        assert pooled is not None
        method = str(pooled.get("method", ""))
        test = style.TEST_LABELS.get(str(pooled.get("test", "")), str(pooled.get("test", "")))
        detail = ", ".join(p for p in (method, test) if p)
        label = style.MODEL_LABELS.get(str(pooled.get("test", "")), style.POOLED_LABEL)
        rows.append(_Row("pooled", wrap(f"{label} ({detail}; k = {int(pooled['k'])})", bold=True), pooled))
        if finite(pooled.get("pi_lb")) and finite(pooled.get("pi_ub")):
            rows.append(_Row("pi", wrap(style.PI_LABEL), pooled))
        rows.append(_Row("text", layout.wrap("Heterogeneity: " + heterogeneity_text(pooled), text_in, font.small)))
        if finite(pooled.get("q_between")):
            rows.append(
                _Row(
                    "text",
                    layout.wrap(
                        f"Test for subgroup differences: Q = {figure_number(pooled['q_between'])}, "
                        f"{figure_p_statement(pooled.get('q_between_p'))}",
                        text_in,
                        font.small,
                    ),
                )
            )
    else:
        rows.append(_Row("not_pooled", wrap(style.NOT_POOLED_LABEL)))
    return _stacked(rows + _note_rows(notes, text_in, font))


def _note_rows(notes: Sequence[str], text_in: float, font: style.Fonts) -> list[_Row]:
    """The notes under the plot, each wrapped to the width of the label, n and plot columns."""
    return [_Row("text", layout.wrap(note, text_in, font.small)) for note in notes]


def _stacked(rows: Sequence[_Row]) -> list[_Row]:
    """Copies of ``rows``, each with its top in row units counted from the first."""
    out, top = [], 0.0
    for row in rows:
        out.append(replace(row, top=top))
        top += row.height
    return out


@dataclass(frozen=True)
class _Grid:
    """Sizes of a width preset: fonts, figure width and row height (inches) and column widths (figure fractions)."""

    font: style.Fonts
    fig_w: float
    row_h: float
    cols: Mapping[str, float]

    @classmethod
    def of(cls, width: style.Width) -> _Grid:
        """The grid of a width preset (``style.FOREST_COLUMNS``)."""
        return cls(style.fonts(width), style.width_in(width), style.row_in(width), style.FOREST_COLUMNS[width])

    @property
    def label_in(self) -> float:
        """Width available to the wrapped row labels, in inches."""
        return self.cols["label"] * self.fig_w - style.MARGIN_IN - COLUMN_GAP_IN

    @property
    def text_in(self) -> float:
        """Width available to the notes under the plot (label, n and plot columns), in inches."""
        return (self.cols["label"] + self.cols["n"] + self.cols["plot"]) * self.fig_w - style.MARGIN_IN


def text_clip(ax: Axes) -> TransformedPatchPath:
    """The clip path to give every text of a plot's columns, shared by all of them.

    The texts are drawn unclipped (``clip_on=False``), so the path clips nothing and the output is unchanged; but
    without one ``Axes.text`` builds its own copy of the axes' clip path for each text, about a tenth of the time a
    forest plot of many studies takes to draw.
    """
    return TransformedPatchPath(ax.patch)


@dataclass(frozen=True)
class _Cells:
    """Where the text columns are drawn: x positions (figure fraction) in the figure-x / data-y transform."""

    ax: Axes
    transform: Transform
    font: style.Fonts
    scale: _Scale
    x_label: float
    x_n: float
    x_effect: float
    x_weight: float
    x_rob: float
    clip: TransformedPatchPath

    @classmethod
    def of(cls, fig: Figure, ax: Axes, grid: _Grid, scale: _Scale) -> _Cells:
        """Right-aligned columns end one margin before their right edge; RoB is centred in the last margin."""
        cols, fig_w = grid.cols, grid.fig_w
        edges = np.cumsum([0.0, cols["label"], cols["n"], cols["plot"], cols["effect"], cols["weight"]])
        pad = style.MARGIN_IN / fig_w
        x_rob = 1 - (style.MARGIN_IN + layout.line_width_in("RoB", grid.font.base, True) / 2) / fig_w
        return cls(
            ax,
            blended_transform_factory(fig.transFigure, ax.transData),
            grid.font,
            scale,
            pad,
            edges[2] - pad,
            edges[4] - pad,
            edges[5] - pad,
            x_rob,
            text_clip(ax),
        )

    def put(
        self, x: float, y: float, text: str, ha: str, gid: str, bold: bool = False, size: float | None = None
    ) -> None:
        """One line (or block) of text centred on row position ``y``."""
        self.ax.text(
            x,
            y,
            text,
            transform=self.transform,
            ha=ha,
            va="center",
            fontsize=size or self.font.base,
            fontweight="bold" if bold else "normal",
            clip_on=False,
            clip_path=self.clip,
            gid=gid,
        )


def forest_pages(
    studies: pd.DataFrame,
    pooled: Mapping[str, object] | pd.Series | None,
    *,
    max_rows: int | None,
    subgroups: pd.DataFrame | None = None,
    title: str | None = None,
    width: style.Width = "double",
    palette: style.Palette = "cochrane",
    favours: tuple[str, str] = style.FAVOURS,
    xlim: tuple[float, float] | None = None,
    null_value: float = 0.0,
    show_rob: bool = True,
    measure: str | None = None,
) -> list[Captioned]:
    """Draw a forest plot of one analysis, continued over pages when it is long.

    ``studies``: study_id, label, n, yi, vi, ci_lb, ci_ub, weight_pct (NaN when not pooled), optional
    subgroup and rob_overall. ``pooled``: k, estimate, ci_lb, ci_ub, pi_lb, pi_ub, tau2, i2, q, q_df,
    q_p, method, test, measure, optional q_between/q_between_p; ``None`` or k = 1 means not pooled.
    ``subgroups``: subgroup, k, estimate, ci_lb, ci_ub. ``favours``: (left, right) labels under the axis.
    ``xlim``: axis limits; whiskers beyond them end in arrows. ``measure`` (default: ``pooled["measure"]``)
    names the x-axis scale (``style.MEASURE_SCALES``) and the estimate column. With an optional
    ``direction_flipped`` column (``study_weights``), a ratio measure is drawn as the event's ratio on a log
    axis (:class:`_Scale`); ``xlim`` and ``null_value`` are then in log units.

    ``max_rows``: the most rows (lines of text) a page holds; ``None``: one page however long. A longer plot
    continues over pages (:func:`_paginate`) that share the x axis, column headers and square sizes; the
    pooled result comes on the last page. One figure per page, in order.
    """
    require_columns(studies, STUDY_COLUMNS, "forest: studies table")
    if studies.empty:
        raise ValueError("forest: no studies to plot")
    measure = str(measure or (dict(pooled) if pooled is not None else {}).get("measure", "") or "Effect")
    scale = _Scale.of(measure, studies)
    studies = scale.frame(studies, ("yi", "ci_lb", "ci_ub"))
    pooled_map = scale.mapping(None if pooled is None else dict(pooled))
    subgroups = None if subgroups is None else scale.frame(subgroups, ("estimate", "ci_lb", "ci_ub"))
    grid = _Grid.of(width)
    notes = [scale.note] if any(scale.inverted(r) for r in studies.to_dict("records")) else []
    rows = _build_rows(studies, pooled_map, subgroups, notes, grid.label_in, grid.text_in, grid.font)
    values = _axis_values(studies, pooled_map, subgroups)
    if scale.ratio:
        lo, hi, ticks = _ratio_axis(values, xlim, grid.cols["plot"] * grid.fig_w, grid.font.small)
    else:
        (lo, hi), ticks = xlim if xlim is not None else round_xlim(values, null_value), []
    frame = _Frame(
        grid,
        scale,
        _column_heads(scale.column, grid),
        lo,
        hi,
        ticks,
        null_value,
        scale.favours(favours),
        studies["weight_pct"].astype(float).max(),
        show_rob and "rob_overall" in studies.columns,
        palette,
    )
    footer = [_Row("text", [""]), *_note_rows(notes, grid.text_in, grid.font)] if notes else []
    pages = [rows] if max_rows is None else _paginate(rows, max_rows, grid, footer)
    caption = _caption(studies, pooled_map, scale, title, frame.favours)
    alt = _alt(studies, pooled_map, scale)
    if len(pages) == 1:
        return [Captioned(frame.draw(rows, title), caption, alt)]
    nouns, pages_n = _row_nouns(studies, pooled_map), len(pages)
    summary = "the pooled result and heterogeneity" if _is_pooled(pooled_map) else ""
    out, first = [], 1
    for i, page in enumerate(pages, start=1):
        shown = [row.data for row in page if row.kind == "study"]
        span = _span(nouns, first, len(shown))
        if i == 1:
            text = f"{caption} Continued over {pages_n} pages; page 1 shows {span}."
            alt_text = f"{alt} Page 1 of {pages_n}: {span}."
        else:
            parts = ", then ".join(p for p in (span, summary if i == pages_n else "") if p) or "no pooled estimate"
            text = f"{_caption_head(studies, pooled_map, title)}, continued (page {i} of {pages_n}): {parts}."
            alt_text = f"Forest plot ({measure}), page {i} of {pages_n}: {span or parts}{_range_text(shown, scale)}."
            if i == pages_n:
                alt_text += _pooled_alt(pooled_map, scale)
        out.append(Captioned(frame.draw(page, page_title(title, i, pages_n)), text, alt_text))
        first += len(shown)
    return out


def forest_plot(studies: pd.DataFrame, pooled: Mapping[str, object] | pd.Series | None, **options: Any) -> Captioned:
    """The whole analysis in one figure, however many studies: :func:`forest_pages` without a row limit, with
    the same ``options``."""
    return forest_pages(studies, pooled, max_rows=None, **options)[0]


@dataclass(frozen=True)
class _Frame:
    """What every page of one forest plot shares: sizes, scale, column headers, the x axis (limits and, on a
    ratio scale, tick ratios), favours labels and the largest weight, which sets the square sizes."""

    grid: _Grid
    scale: _Scale
    heads: Mapping[str, list[str]]
    lo: float
    hi: float
    ticks: Sequence[float]
    null_value: float
    favours: tuple[str, str]
    max_w: float
    show_rob: bool
    palette: style.Palette

    def draw(self, rows: list[_Row], title: str | None) -> Figure:
        """One figure of ``rows`` (tops counted from its first row) under ``title``."""
        grid = self.grid
        fig_h = _figure_height(rows, self.heads, title, grid)
        with style.context():
            fig = style.new_figure(grid.fig_w, fig_h)
            ax = _plot_axes(fig, grid, fig_h, _height(rows), self.lo, self.hi)
            if self.ticks:
                ax.set_xticks([math.log(t) for t in self.ticks], [f"{t:g}" for t in self.ticks])
            _draw_null_line(ax, rows, self.null_value)
            cells = _Cells.of(fig, ax, grid, self.scale)
            _draw_headers(cells, self.heads, self.show_rob)
            _draw_rows(cells, rows, self.max_w, self.lo, self.hi, self.show_rob, self.palette)
            _draw_axis_labels(ax, grid, self.scale, self.favours, self.null_value)
            if title:
                draw_title(fig, grid.font, title)
        return fig


def _blocks(rows: list[_Row]) -> list[list[_Row]]:
    """``rows`` in the pieces a page break never splits: a subgroup heading with the study under it, a study
    with the subtotal under it, and last the summary (the blank line after the last study and every row
    after it)."""
    end = next(i for i, row in enumerate(rows) if row.kind not in ("heading", "study", "subgroup"))
    blocks: list[list[_Row]] = []
    for row in rows[:end]:
        if blocks and (blocks[-1][-1].kind == "heading" or row.kind == "subgroup"):
            blocks[-1].append(row)
        else:
            blocks.append([row])
    return [*blocks, rows[end:]]


def _paginate(rows: list[_Row], max_rows: int, grid: _Grid, footer: list[_Row]) -> list[list[_Row]]:
    """The rows of each page, filled in order up to ``max_rows`` row units (one piece of :func:`_blocks` taller
    than that gets a page of its own). A page that starts inside a subgroup repeats its heading with
    "(continued)"; the last study comes with the summary when both fit on one page; every page before the last
    ends with ``footer`` (the notes, which the summary holds)."""
    if _height(rows) <= max_rows:
        return [rows]
    *body, summary = _blocks(rows)
    if body and _height(body[-1] + summary) <= max_rows:
        summary = body.pop() + summary
    room = max_rows - _height(footer)
    pages: list[list[_Row]] = [[]]
    heading: _Row | None = None
    for block in [*body, summary]:
        used = _height(pages[-1])
        if used and used + _height(block) > (max_rows if block is summary else room):
            pages[-1] += footer
            pages.append([])
            if heading is not None and block[0].kind == "study":
                name = f"{heading.data['subgroup']} (continued)"
                pages[-1].append(_Row("heading", layout.wrap(name, grid.label_in, grid.font.base, True), heading.data))
        pages[-1] += block
        heading = next((row for row in reversed(block) if row.kind == "heading"), heading)
    return [_stacked(page) for page in pages]


def page_title(title: str | None, page: int, pages: int) -> str | None:
    """The title of page ``page`` of ``pages``: ``title`` over "Page 1 of n" or "Continued: page i of n"; on a
    single page ``title`` alone."""
    if pages == 1:
        return title
    mark = f"Page 1 of {pages}" if page == 1 else f"Continued: page {page} of {pages}"
    return f"{title}\n{mark}" if title else mark


def _height(rows: Sequence[_Row]) -> int:
    """Height of ``rows`` stacked, in row units."""
    return sum(row.height for row in rows)


def _column_heads(column: str, grid: _Grid) -> dict[str, list[str]]:
    """The wrapped bold headers of the estimate and weight columns."""
    font, fig_w, cols, gap = grid.font, grid.fig_w, grid.cols, COLUMN_GAP_IN
    return {
        "effect": layout.wrap(f"{column} [95% CI]", cols["effect"] * fig_w - gap, font.base, bold=True),
        "weight": layout.wrap("Weight", cols["weight"] * fig_w - gap, font.base, bold=True),
    }


def _figure_height(rows: list[_Row], heads: Mapping[str, list[str]], title: str | None, grid: _Grid) -> float:
    """Figure height in inches: margin, title, column headers, the rows and the axis band."""
    font, row_h = grid.font, grid.row_h
    head_lines = max(len(h) for h in heads.values())
    title_in = title_height_in(title, font, row_h)
    header_in = style.MARGIN_IN + title_in + layout.height_in(head_lines, font.base) + 0.4 * row_h
    return header_in + _height(rows) * row_h + style.AXIS_BAND_IN


def title_height_in(title: str | None, font: style.Fonts, row_h: float) -> float:
    """Height of the title's lines and the space under them, in inches; none without a title."""
    return layout.height_in(title.count("\n") + 1, font.title) + 0.4 * row_h if title else 0.0


def _axis_values(
    studies: pd.DataFrame, pooled: Mapping[str, object] | None, subgroups: pd.DataFrame | None
) -> list[float]:
    """Every value the default axis limits must cover: study estimates and CIs, pooled CI and PI, subtotal CIs."""
    values = [*studies["ci_lb"].astype(float), *studies["ci_ub"].astype(float), *studies["yi"].astype(float)]
    if _is_pooled(pooled):
        assert pooled is not None
        values += [float(pooled[k]) for k in ("ci_lb", "ci_ub", "pi_lb", "pi_ub") if finite(pooled.get(k))]
    if subgroups is not None:  # subtotal diamonds are drawn whole, as metafor does
        values += [float(v) for k in ("ci_lb", "ci_ub") for v in subgroups[k] if finite(v)]
    return values


def _plot_axes(fig: Figure, grid: _Grid, fig_h: float, units: float, lo: float, hi: float) -> Axes:
    """The plot column: x axis only, rows counted downwards from the top."""
    cols = grid.cols
    left = cols["label"] + cols["n"]
    ax = fig.add_axes((left, style.AXIS_BAND_IN / fig_h, cols["plot"], units * grid.row_h / fig_h))
    ax.set_xlim(lo, hi)
    ax.set_ylim(units, 0)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.yaxis.set_visible(False)
    ax.tick_params(axis="x", labelsize=grid.font.small)
    return ax


def _draw_null_line(ax: Axes, rows: list[_Row], null_value: float) -> None:
    """The line of no effect, down to the last drawn row (the notes rows stay clear of it)."""
    drawn = max(r.top + r.height for r in rows if r.kind != "text")
    ax.plot([null_value, null_value], [0, drawn], color=style.ZERO_LINE, linewidth=0.6, zorder=0, gid="null-line")


def _draw_headers(cells: _Cells, heads: Mapping[str, list[str]], show_rob: bool) -> None:
    """The bold column headers just above the first row."""
    header_y = -0.4
    for x, text, ha in (
        (cells.x_label, "Study", "left"),
        (cells.x_n, "N", "right"),
        (cells.x_effect, "\n".join(heads["effect"]), "right"),
        (cells.x_weight, "\n".join(heads["weight"]), "right"),
        *([(cells.x_rob, "RoB", "center")] if show_rob else []),
    ):
        cells.ax.text(
            x,
            header_y,
            text,
            transform=cells.transform,
            ha=ha,
            va="bottom",
            fontsize=cells.font.base,
            fontweight="bold",
            clip_on=False,
            clip_path=cells.clip,
            gid="header",
        )


def _draw_rows(
    cells: _Cells, rows: list[_Row], max_w: float, lo: float, hi: float, show_rob: bool, palette: style.Palette
) -> None:
    """Every row in order: its label, then the study, diamond or prediction-interval marks and text; the study
    squares and risk-of-bias dots of the page are drawn together at the end."""
    marks = _Marks(palette)
    for row in rows:
        y = row.centre
        if row.kind == "text":
            if row.label != [""]:
                cells.put(cells.x_label, y, "\n".join(row.label), "left", "note-text", size=cells.font.small)
            continue
        bold = row.kind in ("heading", "pooled", "subgroup")
        cells.put(
            cells.x_label,
            y,
            "\n".join(row.label),
            "left",
            "row-label" if row.kind == "study" else f"{row.kind}-label",
            bold=bold,
        )
        if row.kind == "study":
            _draw_study(cells, marks, row.data, y, max_w, lo, hi, show_rob, palette)
        elif row.kind in ("pooled", "subgroup"):
            _draw_diamond(cells, row.kind, row.data, y)
        elif row.kind == "pi":
            _draw_prediction_interval(cells, row.data, y, lo, hi)
    marks.draw(cells.ax, cells.transform)


Segments = list[tuple[tuple[float, float], tuple[float, float]]]
"""Horizontal lines of a page, drawn together as one collection (:func:`draw_segments`)."""


@dataclass
class _Marks:
    """The study squares (x, y, area in pt²), CI lines and risk-of-bias dots (x, y, judgement) of a page, drawn as one
    collection each: one matplotlib collection per study makes drawing and saving grow with its overhead."""

    palette: style.Palette
    squares: list[tuple[float, float, float]] = field(default_factory=list)
    rob: list[tuple[float, float, str]] = field(default_factory=list)
    whiskers: Segments = field(default_factory=list)

    def draw(self, ax: Axes, transform: Transform) -> None:
        draw_segments(ax, self.whiskers, "study-ci")
        if self.squares:
            x, y, area = zip(*self.squares, strict=True)
            ax.scatter(x, y, s=area, marker="s", color=style.INK, zorder=3, linewidths=0, gid="study-square")
        if self.rob:
            x, y, labels = zip(*self.rob, strict=True)
            ax.scatter(
                x,
                y,
                s=style.ROB_DOT_PT2,
                color=[style.rob_colour(label, self.palette) for label in labels],
                edgecolors=style.INK,
                linewidths=0.4,
                transform=transform,
                clip_on=False,
                zorder=3,
                gid="rob-dot",
            )


def _square_area(weight: object, max_w: float) -> float:
    """Study square area (pt^2) proportional to the weight, at least the smallest size; fixed when unweighted."""
    if not (finite(weight) and max_w > 0):
        return style.UNWEIGHTED_SQUARE_PT2
    return max(style.SQUARE_AREA_PT2[0], style.SQUARE_AREA_PT2[1] * float(weight) / max_w)


def _draw_study(
    cells: _Cells,
    marks: _Marks,
    d: Mapping[str, object],
    y: float,
    max_w: float,
    lo: float,
    hi: float,
    show_rob: bool,
    palette: style.Palette,
) -> None:
    """One study: n, estimate [CI] and weight text (marked when its ratio is inverted), CI whisker, weighted
    square and RoB dot."""
    cells.put(cells.x_n, y, whole_count(d.get("n")), "right", "n-text")
    mark = style.INVERTED_MARK if cells.scale.inverted(d) else ""
    cells.put(
        cells.x_effect, y, cells.scale.effect_text(d["yi"], d["ci_lb"], d["ci_ub"]) + mark, "right", "effect-text"
    )
    w = d.get("weight_pct")
    cells.put(cells.x_weight, y, f"{float(w):.1f}%" if finite(w) else "\u2013", "right", "weight-text")
    area = _square_area(w, max_w)
    draw_whisker(cells.ax, float(d["ci_lb"]), float(d["ci_ub"]), y, lo, hi, "study-ci", segments=marks.whiskers)
    if lo <= float(d["yi"]) <= hi:
        marks.squares.append((float(d["yi"]), y, area))
    if show_rob:
        label = style.NOT_ASSESSED if is_missing(d.get("rob_overall")) else str(d.get("rob_overall"))
        marks.rob.append((cells.x_rob, y, label))
        _rob_symbol(cells, y, label, palette)


def _draw_diamond(cells: _Cells, kind: str, d: Mapping[str, object], y: float) -> None:
    """A pooled or subtotal diamond (centre at the estimate, ends at the CI limits) with its text."""
    cells.put(
        cells.x_effect,
        y,
        cells.scale.effect_text(d["estimate"], d["ci_lb"], d["ci_ub"]),
        "right",
        f"{kind}-effect-text",
        bold=True,
    )
    cells.put(cells.x_weight, y, "100.0%" if kind == "pooled" else "", "right", "weight-text", bold=True)
    est, lb, ub = float(d["estimate"]), float(d["ci_lb"]), float(d["ci_ub"])
    h = style.DIAMOND_HALF_HEIGHT
    fill = style.POOLED_FILL if kind == "pooled" else style.SUBGROUP_FILL
    cells.ax.add_patch(
        Polygon(
            [(lb, y), (est, y - h), (ub, y), (est, y + h)],
            closed=True,
            facecolor=fill,
            edgecolor=fill,
            linewidth=0.6,
            zorder=3,
            gid=f"{kind}-diamond",
        )
    )


def _draw_prediction_interval(cells: _Cells, d: Mapping[str, object], y: float, lo: float, hi: float) -> None:
    """The prediction interval: its limits as text and a capped bar."""
    cells.put(
        cells.x_effect, y, f"[{cells.scale.number(d['pi_lb'])}, {cells.scale.number(d['pi_ub'])}]", "right", "pi-text"
    )
    draw_whisker(cells.ax, float(d["pi_lb"]), float(d["pi_ub"]), y, lo, hi, "prediction-interval", caps=True)


def _draw_axis_labels(ax: Axes, grid: _Grid, scale: _Scale, favours: tuple[str, str], null_value: float) -> None:
    """Under the tick labels: the scale name (ratio measures) and the favours labels either side of no effect."""
    font = grid.font
    left_fav, right_fav = favours
    fav_in = grid.cols["plot"] * grid.fig_w / 2
    below = blended_transform_factory(ax.transData, ax.transAxes)
    offset = -(3.5 + 3.5 + 1.3 * font.small + 2.0)
    words = scale.words
    if words:
        ax.annotate(
            words[0].upper() + words[1:],
            xy=(0.5, 0),
            xycoords="axes fraction",
            xytext=(0, offset),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=font.small,
            gid="axis-label",
        )
        offset -= 1.3 * font.small + 2.0
    for text, ha, dx in ((left_fav, "right", -3.0), (right_fav, "left", 3.0)):
        ax.annotate(
            "\n".join(layout.wrap(text, fav_in, font.small)),
            xy=(null_value, 0),
            xycoords=below,
            xytext=(dx, offset),
            textcoords="offset points",
            ha=ha,
            va="top",
            fontsize=font.small,
            gid="favours-label",
        )


def draw_title(fig: Figure, font: style.Fonts, title: str) -> None:
    """The bold title (one line or more) in the top-left corner."""
    fig_w, fig_h = fig.get_size_inches()
    fig.text(
        style.MARGIN_IN / fig_w,
        1 - style.MARGIN_IN / fig_h,
        title,
        ha="left",
        va="top",
        fontsize=font.title,
        fontweight="bold",
        gid="title",
    )


def draw_whisker(
    ax,
    lb: float,
    ub: float,
    y: float,
    lo: float,
    hi: float,
    gid: str,
    caps: bool = False,
    segments: Segments | None = None,
) -> None:
    """A horizontal interval clipped to [lo, hi], with an arrowhead on each clipped side. Its line is drawn, or
    added to ``segments`` when given (one line object per study makes drawing and saving grow with its
    overhead)."""
    a, b = max(lb, lo), min(ub, hi)
    if a < b and segments is not None:
        segments.append(((a, y), (b, y)))
    elif a < b:
        ax.plot([a, b], [y, y], color=style.INK, linewidth=0.8, zorder=2, gid=gid, solid_capstyle="butt")
    for clipped, edge, end, marker in ((lb < lo, lo, lb, "<"), (ub > hi, hi, ub, ">")):
        if clipped:
            ax.plot(
                [edge],
                [y],
                marker=marker,
                markersize=style.CLIP_ARROW_SIZE,
                color=style.INK,
                zorder=3,
                clip_on=False,
                gid="clip-arrow",
            )
        elif caps:
            ax.plot(
                [end], [y], marker="|", markersize=style.CLIP_ARROW_SIZE, color=style.INK, zorder=3, gid=f"{gid}-cap"
            )


def draw_segments(ax: Axes, segments: Segments, gid: str) -> None:
    """The interval lines of a page (:func:`draw_whisker`) as one collection, drawn as its lines would be."""
    if segments:
        ax.add_collection(
            LineCollection(segments, colors=style.INK, linewidths=0.8, zorder=2, capstyle="butt", gid=gid),
            autolim=False,
        )


def _rob_symbol(cells: _Cells, y: float, label: str, palette: style.Palette) -> None:
    """The symbol of an overall risk-of-bias judgement, on its dot (drawn by :class:`_Marks`)."""
    cells.ax.text(
        cells.x_rob,
        y,
        style.rob_symbol(label),
        transform=cells.transform,
        ha="center",
        va="center",
        fontsize=style.FONTS["single"].small,
        color=style.rob_text_colour(label, palette),
        clip_on=False,
        clip_path=cells.clip,
        gid="rob-symbol",
    )


def _row_nouns(studies: pd.DataFrame, pooled: Mapping[str, object] | None) -> tuple[str, str]:
    """What a row of the plot is, singular and plural: a single-study result in a plot of domains not pooled,
    else a study."""
    grouped = "subgroup" in studies.columns and studies["subgroup"].notna().any()
    if grouped and not _is_pooled(pooled):
        return "single-study result", "single-study results"
    return "study", "studies"


def _caption_head(studies: pd.DataFrame, pooled: Mapping[str, object] | None, title: str | None) -> str:
    """ "Forest plot of k studies: <title>", the opening of every page's caption."""
    return f"Forest plot of {plural(len(studies), *_row_nouns(studies, pooled))}" + (f": {title}" if title else "")


def _span(nouns: tuple[str, str], first: int, count: int) -> str:
    """ "studies 49 to 96" (numbered from 1 in plot order), "study 49", or nothing when ``count`` is 0."""
    if count == 0:
        return ""
    return f"{nouns[0]} {first}" if count == 1 else f"{nouns[1]} {first} to {first + count - 1}"


def _range_text(shown: Sequence[Mapping[str, object]], scale: _Scale) -> str:
    """ " (<first label> to <last label>; estimates from a to b)" for the study rows of a page, else nothing."""
    if not shown:
        return ""
    yi = [float(d["yi"]) for d in shown]  # type: ignore[arg-type]
    return (
        f" ({shown[0]['label']} to {shown[-1]['label']}; estimates from {scale.number(min(yi))} "
        f"to {scale.number(max(yi))})"
    )


def _caption(
    studies: pd.DataFrame,
    pooled: Mapping[str, object] | None,
    scale: _Scale,
    title: str | None,
    favours: tuple[str, str],
) -> str:
    """The figure caption: what the marks show, the scale, the pooled result and heterogeneity."""
    measure = scale.measure
    grouped = "subgroup" in studies.columns and studies["subgroup"].notna().any()
    head = _caption_head(studies, pooled, title) + "."
    body = (
        f" Squares show each study's {measure} with its 95% confidence interval; square area is proportional "
        f"to the study's weight. Values to the right of the line of no effect "
        + (
            f"favour {favours[1].removeprefix('Favours ')}."
            if favours[1].startswith("Favours ")
            else f"are {favours[1][0].lower() + favours[1][1:]}."
        )
    )
    if scale.words:
        body += f" Scale: {scale.words}."
    if any(scale.inverted(r) for r in studies.to_dict("records")):
        body += " " + scale.note
    if not _is_pooled(pooled):
        if grouped:
            return head + body + " Grouped by domain; each domain has too few studies to pool: no pooled estimate."
        return head + body + " A single study: no pooled estimate."
    assert pooled is not None
    test = style.TEST_LABELS.get(str(pooled.get("test")), str(pooled.get("test")))
    ci = scale.interval(pooled["ci_lb"], pooled["ci_ub"])
    text = (
        f" Diamond: pooled {measure} {scale.number(pooled['estimate'])} (95% CI {ci}), "
        f"{style.MODEL_LABELS.get(str(pooled.get('test')), 'random-effects model')} "
        f"({pooled.get('method', '')}{', ' + test if pooled.get('test') else ''})."
    )
    if finite(pooled.get("pi_lb")):
        text += f" 95% prediction interval {scale.interval(pooled['pi_lb'], pooled['pi_ub'])}."
    text += f" Heterogeneity: {heterogeneity_text(pooled)}" + (" (τ² on the log scale)." if scale.ratio else ".")
    if studies["n"].isna().any():
        text += f" {style.NR_LABEL}, not reported."
    return head + body + text


def _alt(studies: pd.DataFrame, pooled: Mapping[str, object] | None, scale: _Scale) -> str:
    """Alternative text: the study estimates (or their range), CI directions and the pooled result."""
    k, measure = len(studies), scale.measure
    yi = studies["yi"].astype(float)
    lb, ub = studies["ci_lb"].astype(float), studies["ci_ub"].astype(float)
    above = int(((lb > 0) & (yi > 0)).sum())
    below = int(((ub < 0) & (yi < 0)).sum())
    if k <= 6:
        parts = "; ".join(
            f"{r.label} {scale.number(r.yi)} ({scale.interval(r.ci_lb, r.ci_ub)})" for r in studies.itertuples()
        )
        text = f"Forest plot of {plural(k, 'study')} ({measure}): {parts}."
    else:
        text = (
            f"Forest plot of {plural(k, 'study')} ({measure}); study estimates range from {scale.number(yi.min())} "
            f"to {scale.number(yi.max())}."
        )
    text += f" {above} of {k} confidence intervals lie entirely above {scale.null_word} and {below} entirely below."
    return text + _pooled_alt(pooled, scale)


def _pooled_alt(pooled: Mapping[str, object] | None, scale: _Scale) -> str:
    """ " Pooled <measure> estimate (95% CI ...); I² ...%." or " Not pooled.", the end of an alternative text."""
    if not _is_pooled(pooled):
        return " Not pooled."
    assert pooled is not None
    return (
        f" Pooled {scale.measure} {scale.number(pooled['estimate'])} "
        f"(95% CI {scale.interval(pooled['ci_lb'], pooled['ci_ub'])}); "
        f"I\u00b2 {figure_number(pooled.get('i2'), 1)}%."
    )
