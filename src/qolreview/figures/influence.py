"""Influence diagnostics of a pooled analysis, drawn like metafor's ``plot(influence(fit))`` (Viechtbauer &
Cheung 2010, Res Synth Methods 1:112-125; metafor documentation, ``plot.infl.rma.uni``).

Eight small panels, one per diagnostic: the externally studentized residual, DFFITS, Cook's distance, the
covariance ratio (log scale), tau² and Cochran's Q with the study left out, the hat value and the weight.
The studies run along each x axis in the order of the table, numbered and named in a key under the panels;
points are joined by a line, and the studies metafor flags as influential are filled in red. The reference
lines are metafor's: dashed at the "no influence" value (0, 1, the full model's tau² and Q, the mean hat
value 1/k and the mean weight 100/k), dotted at the cut-offs (+/-1.96 for residuals,
+/-3 sqrt(1/(k - 1)) for DFFITS, the median of chi²(1) for Cook's distance, 3/k for hat values). Unlike
metafor, each panel's y axis also covers its reference lines, so every cut-off is in view.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from qolreview.figures import layout, style
from qolreview.figures.captions import Captioned, require_columns
from qolreview.formatting import figure_number, finite, plural
from qolreview.meta import distributions
from qolreview.tables import Influence

_INFLUENCE_COLUMNS = (
    Influence.study_id,
    Influence.label,
    Influence.rstudent,
    Influence.dffits,
    Influence.cook_d,
    Influence.cov_r,
    Influence.tau2_del,
    Influence.qe_del,
    Influence.hat,
    Influence.weight,
    Influence.influential,
)


@dataclass(frozen=True)
class _Panel:
    column: str
    title: str
    log: bool = False
    floor: float | None = None
    """A value the y axis always includes (metafor: +/-2 for residuals, 0 for hat values and weights)."""


PANELS = (
    _Panel("rstudent", "Studentized residual"),
    _Panel("dffits", "DFFITS"),
    _Panel("cook_d", "Cook's distance"),
    _Panel("cov_r", "Covariance ratio", log=True),
    _Panel("tau2_del", "\u03c4\u00b2 without the study"),
    _Panel("qe_del", "Q without the study"),
    _Panel("hat", "Hat value", floor=0.0),
    _Panel("weight", "Weight (%)", floor=0.0),
)
"""metafor's eight panels in its order: rstudent, dffits, cook.d, cov.r, tau2.del, QE.del, hat, weight."""

INFLUENTIAL_FILL: dict[str, str] = {
    "cochrane": style.ROB_PALETTES["cochrane"]["Serious"],
    "colourblind": style.OKABE_ITO[5],
}
"""Fill of an influential study's points (metafor: ``bg.infl = "red"``); vermillion when colour-blind safe."""
POINT_FILL = "#A6A6A6"
"""Fill of the other points (metafor: a mid grey)."""
_POINT_PT2 = 14.0
TICK_LENGTH_PT, TICK_PAD_PT = 2.5, 1.5
_COLUMN_GAP_IN = 0.14
ROW_GAP_IN = 0.1
TITLE_GAP_IN = 0.03
"""Clear space under a panel title, above the half of the top tick label that rises over the panel."""
PANEL_H_IN = {"single": 0.8, "double": 0.85}
Y_PAD = 0.08
"""Share of a panel's y range added above and below the data."""
LOG_TICK_GAP = 0.18
LOG_DECADE_TICKS_FROM = 0.6
"""Log axes spanning more than this many decades get ticks at 1, 2 and 5 times powers of 10 (beyond 2
decades, at the powers alone); narrower ones at round linear steps."""
"""Least distance of two tick labels on a log axis, as a share of the axis height."""
NOT_ESTIMABLE = "Not estimable"
INFLUENTIAL_LEGEND = "Influential study"
INFLUENTIAL_COLOUR_NAMES = {"cochrane": "red", "colourblind": "vermillion"}


def _for_analysis(table: pd.DataFrame, analysis: Mapping[str, object]) -> pd.DataFrame:
    """The rows of ``analysis`` (all rows when the table or the analysis has no ``analysis_id``)."""
    aid = analysis.get("analysis_id")
    if "analysis_id" in table.columns and aid is not None:
        table = table[table["analysis_id"] == aid]
    return table.reset_index(drop=True)


def influence_plot(
    influence: pd.DataFrame,
    analysis: Mapping[str, object] | pd.Series,
    *,
    width: style.Width = "double",
    palette: style.Palette = "cochrane",
) -> Captioned:
    """Draw the influence diagnostics of one pooled analysis (metafor's ``plot(influence(fit))``).

    ``influence``: the ``Influence`` table (rows of other analyses are dropped when it has ``analysis_id``),
    one row per study in the order of the x axis. ``analysis``: the ``MetaAnalyses`` row of the analysis
    (``analysis_id``; ``tau2`` and ``q`` place the dashed lines of the left-out tau² and Q panels).
    Panels in a 2 x 4 grid at double width, 4 x 2 (metafor's layout) at single width.
    """
    analysis = dict(analysis)
    table = _for_analysis(influence, analysis)
    require_columns(table, _INFLUENCE_COLUMNS, "influence: table")
    if table.empty:
        raise ValueError("influence: no studies to plot")
    flags = table["influential"].fillna(False).astype(bool).to_numpy()
    page = _Page.of(width, [_axis(p, table, analysis) for p in PANELS], table["label"].astype(str).tolist())

    with style.context():
        fig = style.new_figure(page.fig_w, page.fig_h)
        for i, (panel, axis) in enumerate(zip(PANELS, page.axes, strict=True)):
            ax = fig.add_axes(page.rect(i), gid=f"panel-{panel.column}")
            _draw_panel(ax, panel, axis, table[panel.column].astype(float).to_numpy(), flags, page, palette)
        _draw_legend(fig, page, palette)
        _draw_key(fig, page)
    caption, alt = _caption(table, flags, analysis, palette), _alt(table, flags)
    return Captioned(fig, caption, alt)


# Axes ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Axis:
    """A panel's y limits, ticks and their labels, and its reference lines ((value, line style) pairs)."""

    lo: float
    hi: float
    ticks: list[float]
    labels: list[str]
    lines: list[tuple[float, str]]


def _reference_lines(panel: _Panel, k: int, analysis: Mapping[str, object]) -> list[tuple[float, str]]:
    """metafor's reference lines of a panel (p = 1 coefficient): dashed "no influence", dotted cut-offs."""
    z = float(distributions.norm.ppf(0.975))
    lines: dict[str, list[tuple[float, str]]] = {
        "rstudent": [(0.0, "--"), (-z, ":"), (z, ":")],
        "dffits": [(0.0, "--")]
        + ([(-3 * math.sqrt(1 / (k - 1)), ":"), (3 * math.sqrt(1 / (k - 1)), ":")] if k > 1 else []),
        "cook_d": [(float(distributions.chi2.ppf(0.5, 1)), ":")],
        "cov_r": [(1.0, "--")],
        "tau2_del": [(float(analysis["tau2"]), "--")] if finite(analysis.get("tau2")) else [],
        "qe_del": [(float(analysis["q"]), "--")] if finite(analysis.get("q")) else [],
        "hat": [(1 / k, "--"), (3 / k, ":")],
        "weight": [(100 / k, "--")],
    }
    return lines[panel.column]


def _finite_values(panel: _Panel, values: np.ndarray) -> np.ndarray:
    """The values that can be drawn (finite; positive on a log axis)."""
    ok = np.isfinite(values)
    if panel.log:
        ok &= values > 0
    return values[ok]


def _axis(panel: _Panel, table: pd.DataFrame, analysis: Mapping[str, object]) -> _Axis:
    """Limits covering the data, metafor's floor values and the reference lines; ticks at round values."""
    k = len(table)
    lines = _reference_lines(panel, k, analysis)
    values = _finite_values(panel, table[panel.column].astype(float).to_numpy())
    if panel.column == "rstudent" and values.size:
        covered = [*values, -2.0, 2.0]
    else:
        covered = list(values)
    if values.size:
        covered += [v for v, _ in lines if not panel.log or v > 0]
        if panel.floor is not None:
            covered.append(panel.floor)
    if not covered:  # nothing to draw: an empty panel
        return _Axis(0.5, 2.0, [], [], []) if panel.log else _Axis(0.0, 1.0, [], [], [])
    lo, hi = min(covered), max(covered)
    if panel.log:
        llo, lhi = math.log10(lo), math.log10(hi)
        if lhi - llo < 1e-9:
            llo, lhi = llo - 0.1, lhi + 0.1
        pad = Y_PAD * (lhi - llo)
        lo, hi = 10 ** (llo - pad), 10 ** (lhi + pad)
        if lhi - llo > LOG_DECADE_TICKS_FROM:
            subs = (1.0, 2.0, 5.0) if lhi - llo <= 2 else (1.0,)
            ticks = ticker.LogLocator(base=10, subs=subs, numticks=12).tick_values(lo, hi)
        else:
            ticks = ticker.MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    else:
        if hi - lo < 1e-12 * max(1.0, abs(hi)):
            spread = abs(hi) or 1.0
            lo, hi = (lo - spread, hi + spread) if lo < 0 or panel.floor is None else (lo, hi + spread)
        pad = Y_PAD * (hi - lo)
        lo, hi = lo - pad, hi + pad
        ticks = ticker.MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    ticks = [float(t) for t in ticks if lo <= t <= hi and (not panel.log or t > 0)]
    if panel.log:  # ticks crowd on a log axis: keep them LOG_TICK_GAP apart, 1 (the reference) first
        span = math.log10(hi) - math.log10(lo)
        kept: list[float] = []
        for t in sorted(ticks, key=lambda t: (t != 1.0, t)):
            if all(abs(math.log10(t) - math.log10(u)) >= LOG_TICK_GAP * span for u in kept):
                kept.append(t)
        ticks = sorted(kept)
    per_value = panel.log and math.log10(hi) - math.log10(lo) > LOG_DECADE_TICKS_FROM
    return _Axis(lo, hi, ticks, _tick_labels(ticks, per_value), [(v, s) for v, s in lines if lo <= v <= hi])


def _exact_decimals(value: float) -> int:
    """The fewest decimals (at most 6) that write ``value`` exactly."""
    return next(d for d in range(7) if abs(round(value, d) - value) < 1e-9 * max(1.0, abs(value)) or d == 6)


def _tick_labels(ticks: Sequence[float], per_value: bool) -> list[str]:
    """Tick labels with the decimals the tick spacing needs, or (``per_value``: a log axis ticked at powers of
    10 and their multiples) each with the fewest decimals that write it exactly."""
    if not ticks:
        return []
    if per_value:
        return [figure_number(t, _exact_decimals(t)) for t in ticks]
    step = min((b - a for a, b in pairwise(ticks)), default=abs(ticks[0]) or 1.0)
    exponent = math.floor(math.log10(step) + 1e-9)
    decimals = max(0, -exponent, *(_exact_decimals(t) for t in ticks))
    if not decimals and step < 1:
        decimals = 1
    return [figure_number(t, decimals) for t in ticks]


# Layout -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Page:
    """Sizes in inches: the panel grid, then a legend line and the numbered study key under it."""

    font: style.Fonts
    fig_w: float
    ncols: int
    axes: list[_Axis]
    titles: list[list[str]]
    title_h: float
    gutter: float
    panel_w: float
    panel_h: float
    tick_h: float
    label_step: int
    key_lines: list[str]

    @classmethod
    def of(cls, width: style.Width, axes: list[_Axis], labels: Sequence[str]) -> _Page:
        """Four panels a row at double width, two at single width; the y tick gutter fits every label."""
        font, fig_w = style.fonts(width), style.width_in(width)
        ncols = 4 if width == "double" else 2
        tick_in = (TICK_LENGTH_PT + TICK_PAD_PT) / 72
        gutter = max(layout.text_width_in([*a.labels, "0"], font.small) for a in axes) + tick_in + 0.02
        panel_w = (fig_w - 2 * style.MARGIN_IN - ncols * gutter - (ncols - 1) * _COLUMN_GAP_IN) / ncols
        titles = [layout.wrap(p.title, panel_w + gutter, font.base, bold=True) for p in PANELS]
        key = "Studies: " + "; ".join(f"{i}\u00a0{label}" for i, label in enumerate(labels, start=1))
        return cls(
            font=font,
            fig_w=fig_w,
            ncols=ncols,
            axes=axes,
            titles=titles,
            title_h=layout.height_in(max(len(t) for t in titles), font.base)
            + layout.height_in(1, font.small) / 2
            + TITLE_GAP_IN,
            gutter=gutter,
            panel_w=panel_w,
            panel_h=PANEL_H_IN[width],
            tick_h=layout.height_in(1, font.small) + tick_in,
            label_step=_label_step(len(labels), panel_w, font.small),
            key_lines=layout.wrap(key, fig_w - 2 * style.MARGIN_IN, font.small),
        )

    @property
    def nrows(self) -> int:
        return math.ceil(len(PANELS) / self.ncols)

    @property
    def row_h(self) -> float:
        """One row of panels: title, plot and x tick labels."""
        return self.title_h + self.panel_h + self.tick_h

    @property
    def legend_top(self) -> float:
        """Top of the legend line, below the last row of panels."""
        return style.MARGIN_IN + self.nrows * self.row_h + (self.nrows - 1) * ROW_GAP_IN + ROW_GAP_IN

    @property
    def legend_h(self) -> float:
        return layout.height_in(1, self.font.small) + 0.04

    @property
    def key_top(self) -> float:
        return self.legend_top + self.legend_h

    @property
    def fig_h(self) -> float:
        return self.key_top + layout.height_in(len(self.key_lines), self.font.small) + style.MARGIN_IN

    def rect(self, i: int) -> tuple[float, float, float, float]:
        """The i-th panel's axes rectangle, in figure fractions."""
        row, col = divmod(i, self.ncols)
        left = style.MARGIN_IN + col * (self.gutter + self.panel_w + _COLUMN_GAP_IN) + self.gutter
        top = style.MARGIN_IN + row * (self.row_h + ROW_GAP_IN) + self.title_h
        fig_h = self.fig_h
        return (left / self.fig_w, 1 - (top + self.panel_h) / fig_h, self.panel_w / self.fig_w, self.panel_h / fig_h)


def _label_step(k: int, panel_w: float, size: float) -> int:
    """Label every study number on the x axis, or every 2nd, 5th, 10th ... so that the numbers stay apart."""
    spacing = panel_w / max(k, 1)
    need = layout.line_width_in(str(k), size) + 0.02
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500):
        if spacing * (step - 1 if step >= 5 else step) >= need:
            return step
    return 1000


def _x_labels(k: int, step: int) -> list[str]:
    """The study numbers shown under the ticks: all, or multiples of ``step`` (and 1 from a step of 5)."""
    return [str(i) if step == 1 or i % step == 0 or (i == 1 and step >= 5) else "" for i in range(1, k + 1)]


# Drawing ------------------------------------------------------------------------------------------------


def _draw_panel(
    ax: Axes,
    panel: _Panel,
    axis: _Axis,
    values: np.ndarray,
    flags: np.ndarray,
    page: _Page,
    palette: style.Palette,
) -> None:
    """One diagnostic: reference lines, the joining line, grey points and red influential points."""
    font, k = page.font, len(values)
    x = np.arange(1, k + 1, dtype=float)
    title = page.titles[PANELS.index(panel)]
    ax.text(
        -page.gutter / page.panel_w,
        1 + page.title_h / page.panel_h,
        "\n".join(title),
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=font.base,
        fontweight="bold",
        gid="panel-title",
    )
    if panel.log:
        ax.set_yscale("log")
    ax.set_xlim(0.5, k + 0.5)
    ax.set_ylim(axis.lo, axis.hi)
    labels = _x_labels(k, page.label_step)
    shown = [i for i, label in enumerate(labels) if label]  # a tick per labelled study: ticks cost time per tick
    ax.set_xticks(x[shown], [labels[i] for i in shown])
    ax.yaxis.set_major_locator(ticker.FixedLocator(axis.ticks))
    ax.yaxis.set_major_formatter(ticker.FixedFormatter(axis.labels))
    ax.yaxis.set_minor_locator(ticker.NullLocator())
    ax.tick_params(labelsize=font.small, length=TICK_LENGTH_PT, pad=TICK_PAD_PT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    drawable = np.isfinite(values) & ((values > 0) if panel.log else True)
    if not drawable.any():
        ax.set_yticks([])
        ax.text(
            0.5,
            0.5,
            NOT_ESTIMABLE,
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=font.small,
            color=style.MUTED,
            gid="not-estimable",
        )
        return
    for value, linestyle in axis.lines:
        ax.axhline(value, color=style.ZERO_LINE, linewidth=0.6, linestyle=linestyle, zorder=1, gid="reference-line")
    y = np.where(drawable, values, np.nan)
    ax.plot(x, y, color=style.INK, linewidth=0.6, zorder=2, gid="diagnostic-line")
    spacing_pt = page.panel_w / max(k, 1) * 72
    size = min(_POINT_PT2, (0.85 * spacing_pt) ** 2)  # points of neighbouring studies stay apart
    plain = drawable & ~flags
    for mask, fill, gid in (
        (plain, POINT_FILL, "study-point"),
        (drawable & flags, INFLUENTIAL_FILL[palette], "influential-point"),
    ):
        if mask.any():
            ax.scatter(
                x[mask],
                values[mask],
                s=size,
                facecolors=fill,
                edgecolors=style.INK,
                linewidths=0.5,
                zorder=3,
                clip_on=False,
                gid=gid,
            )


def _draw_legend(fig: Figure, page: _Page, palette: style.Palette) -> None:
    """One line under the panels: the grey point of a study and the red point of an influential one."""
    font = page.font
    y = 1 - (page.legend_top + page.legend_h / 2) / page.fig_h
    x = style.MARGIN_IN
    size = math.sqrt(_POINT_PT2)
    for fill, text, gid in (
        (POINT_FILL, "Study", "legend-study"),
        (INFLUENTIAL_FILL[palette], INFLUENTIAL_LEGEND, "legend-influential"),
    ):
        fig.add_artist(
            Line2D(
                [(x + 0.04) / page.fig_w],
                [y],
                marker="o",
                markersize=size,
                markerfacecolor=fill,
                markeredgecolor=style.INK,
                markeredgewidth=0.5,
                linestyle="none",
                transform=fig.transFigure,
                gid=gid,
            )
        )
        fig.text((x + 0.1) / page.fig_w, y, text, ha="left", va="center", fontsize=font.small, gid="legend-text")
        x += 0.1 + layout.line_width_in(text, font.small) + 0.2


def _draw_key(fig: Figure, page: _Page) -> None:
    """The study numbers of the x axes with the study labels (data text: drawn literally)."""
    fig.text(
        style.MARGIN_IN / page.fig_w,
        1 - page.key_top / page.fig_h,
        "\n".join(page.key_lines),
        ha="left",
        va="top",
        fontsize=page.font.small,
        gid="study-key",
    )


# Caption ------------------------------------------------------------------------------------------------


def _names(labels: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    labels = list(labels)
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _caption(table: pd.DataFrame, flags: np.ndarray, analysis: Mapping[str, object], palette: style.Palette) -> str:
    """What each panel shows with its reference lines, and which studies were flagged influential."""
    k = len(table)
    dffits_cut = f"\u00b1{figure_number(3 * math.sqrt(1 / (k - 1)))}; " if k > 1 else ""
    full = (
        f"\u03c4\u00b2 = {figure_number(analysis['tau2'], 3)} and Q = {figure_number(analysis['q'])} with all studies"
        if finite(analysis.get("tau2")) and finite(analysis.get("q"))
        else "\u03c4\u00b2 and Q with all studies"
    )
    text = (
        f"Influence diagnostics of {plural(k, 'study')} (Viechtbauer & Cheung 2010), one panel per statistic, "
        f"studies numbered as in the key: externally studentized residuals, DFFITS, Cook's distances, covariance "
        f"ratios (log scale), \u03c4\u00b2 and Cochran's Q with the study left out, hat values and weights (%). "
        f"Dashed lines mark no influence (0; a covariance ratio of 1; {full}; the mean hat value 1/k and the mean "
        f"weight 100/k = {figure_number(100 / k, 1)}%). Dotted lines mark metafor's cut-offs (residuals "
        f"\u00b11.96; DFFITS {dffits_cut}Cook's distance {figure_number(distributions.chi2.ppf(0.5, 1))}, the median "
        f"of \u03c7\u00b2 with 1 df; hat value 3/k = {figure_number(3 / k)})."
    )
    flagged = table.loc[flags, "label"].astype(str).tolist()
    criteria = "DFFITS, Cook's distance, hat value or DFBETAS beyond metafor's cut-offs"
    if flagged:
        text += (
            f" Filled {INFLUENTIAL_COLOUR_NAMES[palette]} points mark the "
            f"{'study' if len(flagged) == 1 else f'{len(flagged)} studies'} flagged influential ({criteria}): "
            f"{_names(flagged)}."
        )
    else:
        text += f" No study was flagged influential ({criteria})."
    missing = [p.title for p in PANELS if not _finite_values(p, table[p.column].astype(float).to_numpy()).size]
    if missing:
        text += f" Not estimable: {_names(missing)}."
    return text


def _range(table: pd.DataFrame, column: str, decimals: int = 2) -> str:
    values = table[column].astype(float)
    values = values[np.isfinite(values)]
    if values.empty:
        return "not estimable"
    return f"from {figure_number(values.min(), decimals)} to {figure_number(values.max(), decimals)}"


def _alt(table: pd.DataFrame, flags: np.ndarray) -> str:
    """Alternative text: the panels, the flagged studies and the ranges of the main statistics."""
    k = len(table)
    flagged = table.loc[flags, "label"].astype(str).tolist()
    text = f"Eight index plots of influence diagnostics for {plural(k, 'study')}. "
    text += (
        f"{plural(len(flagged), 'study')} flagged influential: {_names(flagged)}."
        if flagged
        else "No study flagged influential."
    )
    return (
        text + f" Studentized residuals range {_range(table, 'rstudent')}; Cook's distances {_range(table, 'cook_d')}; "
        f"weights {_range(table, 'weight', 1)}%."
    )
