"""GOSH plot of one pooled analysis, drawn like metafor's ``plot(gosh(fit))`` for an intercept-only model
(Olkin, Dahabreh & Trikalinos 2012, Res Synth Methods 3:214-223; metafor documentation, ``plot.gosh.rma``).

The model fitted to subsets of the studies: each subset's pooled estimate (x) against its I² (y), with the
distribution of each on the margins (histograms on top and on the right). Up to :data:`MAX_POINTS` subsets are
drawn as translucent points; more are drawn as a hexagonal-bin density (the number of subsets per hexagon,
log-shaded), which is deterministic and does not hide the shape of the cloud under overplotting. The model
with all the studies is marked with a cross and dashed lines on the margins.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from qolreview.figures import layout, style
from qolreview.figures.captions import Captioned, require_columns
from qolreview.formatting import figure_number, finite, plural, report_number
from qolreview.tables import Gosh

_GOSH_COLUMNS = (Gosh.mask, Gosh.k, Gosh.estimate, Gosh.i2)
MAX_POINTS = 2000
"""Most subsets drawn as single points; beyond, a hexagonal-bin density."""
POINT_COLOUR = style.OKABE_ITO[0]
POINT_ALPHA = 0.35
_POINT_PT2 = 5.0
HIST_FILL = "#BFBFBF"
HIST_BINS = 40
FULL_COLOUR: dict[str, str] = {
    "cochrane": style.ROB_PALETTES["cochrane"]["Serious"],
    "colourblind": style.OKABE_ITO[5],
}
"""Colour of the cross marking the model with all studies (red; vermillion when colour-blind safe)."""
FULL_COLOUR_NAMES = {"cochrane": "red", "colourblind": "vermillion"}
FULL_PT2 = 40.0
DENSITY_CMAP = LinearSegmentedColormap.from_list("gosh-density", ["#DCEAF5", POINT_COLOUR, "#002A42"])
HEX_PER_INCH = 9
"""Hexagons across one inch of the scatter panel."""
MARGINAL_IN = {"single": 0.45, "double": 0.6}
"""Height of the top histogram and width of the right histogram."""
_GAP_IN = 0.05
TICK_LENGTH_PT, TICK_PAD_PT = 2.5, 1.5


def _for_analysis(table: pd.DataFrame, analysis: Mapping[str, object]) -> pd.DataFrame:
    """The rows of ``analysis`` (all rows when the table or the analysis has no ``analysis_id``)."""
    aid = analysis.get("analysis_id")
    if "analysis_id" in table.columns and aid is not None:
        table = table[table["analysis_id"] == aid]
    return table.reset_index(drop=True)


@dataclass(frozen=True)
class _Subsets:
    """The subsets' fits and what the caption says of them."""

    estimate: np.ndarray
    i2: np.ndarray
    k: int
    """Number of studies of the analysis."""
    total: int
    """Rows of the table (fitted subsets, failed fits included)."""
    failed: int
    singles: bool
    """Whether single-study subsets (the study itself, I² = 0) are among the fits."""
    full: tuple[float, float] | None
    """(estimate, I²) of the model with all studies, when known."""

    @property
    def all_subsets(self) -> bool:
        return self.total >= 2**self.k - 1

    @property
    def density(self) -> bool:
        return self.estimate.size > MAX_POINTS


def _subsets(table: pd.DataFrame, analysis: Mapping[str, object]) -> _Subsets:
    k = int(max(int(table["k"].max()), int(analysis.get("k") or 0)))
    estimate, i2 = table["estimate"].astype(float).to_numpy(), table["i2"].astype(float).to_numpy()
    ok = np.isfinite(estimate) & np.isfinite(i2)
    full_rows = table[table["mask"].astype("int64") == (1 << k) - 1] if k < 63 else table.iloc[:0]
    full: tuple[float, float] | None = None
    if len(full_rows) and finite(full_rows["estimate"].iloc[0]) and finite(full_rows["i2"].iloc[0]):
        full = (float(full_rows["estimate"].iloc[0]), float(full_rows["i2"].iloc[0]))
    elif finite(analysis.get("estimate")) and finite(analysis.get("i2")):
        full = (float(analysis["estimate"]), float(analysis["i2"]))  # type: ignore[arg-type]
    singles = bool((table["k"].astype("int64") == 1).any())
    return _Subsets(estimate[ok], i2[ok], k, len(table), int((~ok).sum()), singles, full)


def gosh_plot(
    gosh: pd.DataFrame,
    analysis: Mapping[str, object] | pd.Series,
    *,
    width: style.Width = "double",
    palette: style.Palette = "cochrane",
) -> Captioned:
    """Draw the GOSH plot of one pooled analysis (metafor's ``plot(gosh(fit))``).

    ``gosh``: the ``Gosh`` table (rows of other analyses are dropped when it has ``analysis_id``), one row
    per fitted subset. ``analysis``: the ``MetaAnalyses`` row (``analysis_id``, ``k``, ``measure``,
    ``method``; ``estimate`` and ``i2`` mark the full model when the table lacks the all-studies subset).
    """
    analysis = dict(analysis)
    table = _for_analysis(gosh, analysis)
    require_columns(table, _GOSH_COLUMNS, "gosh: table")
    subsets = _subsets(table, analysis)
    if not subsets.estimate.size:
        raise ValueError("gosh: no fitted subsets to plot")
    measure = str(analysis.get("measure") or "Effect")
    page = _Page.of(width, subsets.density)
    xlim = _limits([*subsets.estimate, *([subsets.full[0]] if subsets.full else [])], None, None)
    ylim = _limits([*subsets.i2, *([subsets.full[1]] if subsets.full else [])], 0.0, 100.0)

    with style.context():
        fig = style.new_figure(page.fig_w, page.fig_h)
        main, top, right = _axes(fig, page, xlim, ylim)
        if subsets.density:
            _draw_density(main, subsets, page, xlim, ylim)
        else:
            main.scatter(
                subsets.estimate,
                subsets.i2,
                s=_POINT_PT2,
                color=POINT_COLOUR,
                alpha=POINT_ALPHA,
                linewidths=0,
                gid="gosh-points",
            )
        _draw_marginals(top, right, subsets, xlim, ylim)
        scale = style.MEASURE_SCALES.get(measure, measure)
        main.set_xlabel(f"Pooled estimate ({scale})", fontsize=page.font.small, labelpad=2.0)
        main.set_ylabel("I\u00b2 (%)", fontsize=page.font.small, labelpad=2.0)
        if subsets.full is not None:
            _draw_full(main, top, right, subsets.full, palette)
        _draw_legend(fig, page, subsets, measure, palette)
    return Captioned(fig, _caption(subsets, analysis, measure, palette), _alt(subsets, measure))


# Layout -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Page:
    """Sizes in inches: the scatter panel with its marginal histograms, and the legend band below."""

    font: style.Fonts
    fig_w: float
    left: float
    """Room left of the scatter panel: y label and tick labels."""
    main_w: float
    main_h: float
    marginal: float
    bottom: float
    """Room under the scatter panel: x tick labels and x label."""
    legend_h: float

    @classmethod
    def of(cls, width: style.Width, density: bool) -> _Page:
        font, fig_w = style.fonts(width), style.width_in(width)
        tick_in = (TICK_LENGTH_PT + TICK_PAD_PT) / 72
        left = layout.height_in(1, font.small) + 2.0 / 72 + layout.line_width_in("100", font.small) + tick_in + 0.02
        marginal = MARGINAL_IN[width]
        main_w = fig_w - 2 * style.MARGIN_IN - left - _GAP_IN - marginal
        main_h = main_w * (0.62 if width == "double" else 0.8)
        bottom = tick_in + 2 * layout.height_in(1, font.small) + 2.0 / 72 + 0.04
        legend_h = layout.height_in(1, font.small) + 0.06
        if density:  # the colour bar and its label
            legend_h += 0.08 + layout.height_in(1, font.small) + tick_in + 0.04
        return cls(font, fig_w, left, main_w, main_h, marginal, bottom, legend_h)

    @property
    def fig_h(self) -> float:
        return style.MARGIN_IN + self.marginal + _GAP_IN + self.main_h + self.bottom + self.legend_h + style.MARGIN_IN

    def frac(self, left: float, top: float, width: float, height: float) -> tuple[float, float, float, float]:
        """An axes rectangle given in inches from the top-left corner, in figure fractions."""
        fig_h = self.fig_h
        return (left / self.fig_w, 1 - (top + height) / fig_h, width / self.fig_w, height / fig_h)

    @property
    def main_left(self) -> float:
        return style.MARGIN_IN + self.left

    @property
    def main_top(self) -> float:
        return style.MARGIN_IN + self.marginal + _GAP_IN

    @property
    def legend_top(self) -> float:
        return self.main_top + self.main_h + self.bottom


def _limits(values: Sequence[float], floor: float | None, ceiling: float | None) -> tuple[float, float]:
    """The data range with 4% padding, kept within [floor, ceiling] widened by the padding."""
    lo, hi = float(np.min(values)), float(np.max(values))
    if hi - lo < 1e-9:
        spread = 1.0 if floor is None else 5.0
        lo, hi = lo - spread, hi + spread
    pad = 0.04 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    if floor is not None:
        lo = max(lo, floor - pad)
    if ceiling is not None:
        hi = min(hi, ceiling + pad)
    return lo, hi


def _axes(fig: Figure, page: _Page, xlim: tuple[float, float], ylim: tuple[float, float]) -> tuple[Axes, Axes, Axes]:
    """The scatter panel, the histogram of the estimates above it and the histogram of I² on its right."""
    main = fig.add_axes(page.frac(page.main_left, page.main_top, page.main_w, page.main_h), gid="gosh-scatter")
    top = fig.add_axes(page.frac(page.main_left, style.MARGIN_IN, page.main_w, page.marginal), gid="gosh-top")
    right = fig.add_axes(
        page.frac(page.main_left + page.main_w + _GAP_IN, page.main_top, page.marginal, page.main_h), gid="gosh-right"
    )
    main.set_xlim(*xlim)
    main.set_ylim(*ylim)
    top.set_xlim(*xlim)
    right.set_ylim(*ylim)
    for ax in (main, top, right):
        ax.tick_params(labelsize=page.font.small, length=TICK_LENGTH_PT, pad=TICK_PAD_PT)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    main.xaxis.set_major_locator(ticker.MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    main.yaxis.set_major_locator(ticker.MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    top.xaxis.set_major_locator(main.xaxis.get_major_locator())
    right.yaxis.set_major_locator(main.yaxis.get_major_locator())
    for ax in (top, right):  # the histograms show shape only: no count axes, no repeated tick labels
        ax.tick_params(labelbottom=False, labelleft=False, left=False, bottom=False)
        ax.spines["left" if ax is top else "bottom"].set_visible(False)
    top.tick_params(bottom=True)
    right.tick_params(left=True)
    return main, top, right


# Drawing ------------------------------------------------------------------------------------------------


def _draw_density(
    ax: Axes, subsets: _Subsets, page: _Page, xlim: tuple[float, float], ylim: tuple[float, float]
) -> None:
    """Hexagonal bins over the scatter panel, shaded by the log number of subsets in each."""
    nx = max(10, round(page.main_w * HEX_PER_INCH))
    ny = max(5, round(nx * page.main_h / page.main_w / math.sqrt(3)))
    ax.hexbin(
        subsets.estimate,
        subsets.i2,
        gridsize=(nx, ny),
        extent=(*xlim, *ylim),
        bins="log",
        mincnt=1,
        cmap=DENSITY_CMAP,
        linewidths=0.0,
        edgecolors="face",
        gid="gosh-density",
    )


def _draw_marginals(
    top: Axes, right: Axes, subsets: _Subsets, xlim: tuple[float, float], ylim: tuple[float, float]
) -> None:
    """Histograms of the estimates (top) and of I² (right) with fixed bins over the axis ranges."""
    top.hist(
        subsets.estimate,
        bins=np.linspace(*xlim, HIST_BINS + 1),
        color=HIST_FILL,
        edgecolor=style.INK,
        linewidth=0.4,
        histtype="stepfilled",
        gid="histogram-estimate",
    )
    right.hist(
        subsets.i2,
        bins=np.linspace(*ylim, HIST_BINS + 1),
        orientation="horizontal",
        color=HIST_FILL,
        edgecolor=style.INK,
        linewidth=0.4,
        histtype="stepfilled",
        gid="histogram-i2",
    )
    top.set_ylim(bottom=0)
    right.set_xlim(left=0)


def _draw_full(main: Axes, top: Axes, right: Axes, full: tuple[float, float], palette: style.Palette) -> None:
    """The model with all studies: a cross in the scatter panel and dashed lines through the histograms."""
    estimate, i2 = full
    colour = FULL_COLOUR[palette]
    main.scatter(
        [estimate],
        [i2],
        s=FULL_PT2,
        marker="X",
        facecolors=colour,
        edgecolors="#FFFFFF",
        linewidths=0.6,
        zorder=4,
        gid="full-model",
    )
    top.axvline(estimate, color=colour, linewidth=0.8, linestyle="--", gid="full-model-line")
    right.axhline(i2, color=colour, linewidth=0.8, linestyle="--", gid="full-model-line")


def _draw_legend(fig: Figure, page: _Page, subsets: _Subsets, measure: str, palette: style.Palette) -> None:
    """Under the panel: the cross of the full model, and the colour bar of the density when drawn."""
    font = page.font
    y_in = page.legend_top + layout.height_in(1, font.small) / 2 + 0.03
    y = 1 - y_in / page.fig_h
    x = page.main_left
    if subsets.full is not None:
        fig.add_artist(
            Line2D(
                [(x + 0.04) / page.fig_w],
                [y],
                marker="X",
                markersize=math.sqrt(FULL_PT2),
                markerfacecolor=FULL_COLOUR[palette],
                markeredgecolor="#FFFFFF",
                markeredgewidth=0.6,
                linestyle="none",
                transform=fig.transFigure,
                gid="legend-full-model",
            )
        )
        estimate, i2 = subsets.full
        text = f"All {subsets.k} studies: {measure} {figure_number(estimate)}, I\u00b2 {figure_number(i2, 1)}%"
        fig.text(
            (x + 0.12) / page.fig_w,
            y,
            text,
            ha="left",
            va="center",
            fontsize=font.small,
            gid="legend-text",
        )
    if subsets.density:
        mappable = next(c for c in fig.axes[0].collections if c.get_gid() == "gosh-density")
        bar_top = y_in + layout.height_in(1, font.small) / 2 + 0.08
        cax = fig.add_axes(page.frac(x, bar_top, min(1.6, page.main_w / 2), 0.06), gid="gosh-colourbar")
        bar = fig.colorbar(mappable, cax=cax, orientation="horizontal")
        bar.outline.set_linewidth(0.4)
        bar.ax.tick_params(labelsize=font.small, length=TICK_LENGTH_PT, pad=TICK_PAD_PT)
        bar.ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: report_number(v, 0)))
        bar.ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        fig.text(
            (x + min(1.6, page.main_w / 2) + 0.08) / page.fig_w,
            1 - (bar_top + 0.03) / page.fig_h,
            "Subsets per hexagon (log scale)",
            ha="left",
            va="center",
            fontsize=font.small,
            gid="legend-text",
        )


# Caption ------------------------------------------------------------------------------------------------


def _caption(subsets: _Subsets, analysis: Mapping[str, object], measure: str, palette: style.Palette) -> str:
    """How many subsets were fitted (all or a sample), the ranges of the estimates and I², the full model."""
    k, n = subsets.k, subsets.total
    method = str(analysis.get("method") or "")
    which = (
        f"all {report_number(n, 0)} subsets of the {k} studies"
        if subsets.all_subsets
        else f"a random sample of {report_number(n, 0)} of the {report_number(2**k - 1, 0)} subsets of the {k} studies"
    )
    text = (
        f"GOSH plot (Olkin et al. 2012): the random-effects model{f' ({method})' if method else ''} fitted to "
        f"{which}{', single studies included' if subsets.singles else ''}. "
        + (
            "Shading shows the number of subsets in each hexagon (log scale) of pooled "
            f"{measure} (x) against I\u00b2 (y)"
            if subsets.density
            else f"Each point is one subset: its pooled {measure} (x) against its I\u00b2 (y)"
        )
        + "; histograms on the margins show the distribution of each. "
        f"Estimates range from {figure_number(subsets.estimate.min())} to {figure_number(subsets.estimate.max())} "
        f"and I\u00b2 from {figure_number(subsets.i2.min(), 1)}% to {figure_number(subsets.i2.max(), 1)}%."
    )
    if subsets.full is not None:
        text += (
            f" The {FULL_COLOUR_NAMES[palette]} cross and dashed lines mark the model with all {k} studies "
            f"({measure} {figure_number(subsets.full[0])}, I\u00b2 {figure_number(subsets.full[1], 1)}%)."
        )
    if subsets.failed:
        text += (
            f" {plural(subsets.failed, 'fit')} that did not converge {'is' if subsets.failed == 1 else 'are'} left out."
        )
    return text


def _alt(subsets: _Subsets, measure: str) -> str:
    """Alternative text: the kind of plot, the number of subsets and the ranges."""
    n = subsets.estimate.size
    text = (
        f"GOSH {'density' if subsets.density else 'scatter'} plot of {plural(n, 'subset')} of {subsets.k} studies: "
        f"pooled {measure} from {figure_number(subsets.estimate.min())} to {figure_number(subsets.estimate.max())}, "
        f"I\u00b2 from {figure_number(subsets.i2.min(), 1)}% to {figure_number(subsets.i2.max(), 1)}%."
    )
    if subsets.full is not None:
        text += (
            f" All studies: {measure} {figure_number(subsets.full[0])}, I\u00b2 {figure_number(subsets.full[1], 1)}%."
        )
    return text
