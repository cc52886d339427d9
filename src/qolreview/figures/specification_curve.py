"""Specification curve of one pooled analysis (Simonsohn, Simmons & Nelson 2020, Nat Hum Behav 4:1208; for
meta-analysis Voracek, Kossmeier & Tran 2019, Z Psychol 227:64).

Top panel: the pooled estimate of every specification that could be pooled, sorted from lowest to highest (ties by
specification id), with its confidence interval (a vertical line; a shaded band beyond :data:`MAX_LINES`
specifications); filled in the accent colour when the CI excludes 0. A line marks 0 and a dashed line the primary
estimate; the primary specification, when in the grid, is a cross. Bottom panel: the indicator panel, one row per
value of every factor the multiverse varies, with a mark under each specification that made that choice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes

from qolreview.figures import layout, style
from qolreview.figures.captions import Captioned, require_columns
from qolreview.formatting import figure_number, plural
from qolreview.sensitivity.factors import FACTOR_NAMES, NUMERIC_FACTORS

MAX_LINES = 400
"""Most specifications whose CIs are drawn as single lines; more are drawn as a shaded band."""
RASTER_ABOVE = 100
"""Above this many specifications the dense marks (intervals, estimates, indicators) are drawn as an embedded image in
the SVG file, which keeps it small; axes, labels and text stay vector."""
EXCLUDES_COLOUR = style.OKABE_ITO[0]
INCLUDES_COLOUR = "#A6A6A6"
PRIMARY_COLOUR = {"cochrane": style.ROB_PALETTES["cochrane"]["Serious"], "colourblind": style.OKABE_ITO[5]}
PRIMARY_COLOUR_NAMES = {"cochrane": "red", "colourblind": "vermillion"}
CURVE_IN = {"single": 1.6, "double": 2.1}
"""Height of the curve panel."""
_GAP_IN = 0.12
_COLUMNS = ("analysis_id", "specification", "status", "estimate", "ci_lb", "ci_ub", "primary")


def curve_order(table: pd.DataFrame, analysis_id: str) -> pd.DataFrame:
    """The pooled specifications of ``analysis_id`` in curve order: by estimate, then specification id; the
    position (from 1) in ``rank``."""
    rows = table[(table["analysis_id"] == analysis_id) & (table["status"] == "pooled")]
    rows = rows.sort_values(["estimate", "specification"], kind="stable").reset_index(drop=True)
    return rows.assign(rank=np.arange(1, len(rows) + 1))


def varied_factors(table: pd.DataFrame) -> list[str]:
    """The factors (canonical order) that take more than one value in ``table``."""
    return [name for name in FACTOR_NAMES if table[name].nunique() > 1]


def _level_text(factor: str, value: object) -> str:
    return f"{value:g}" if factor in NUMERIC_FACTORS else str(value)


def _levels(table: pd.DataFrame, factor: str) -> list[object]:
    """A factor's values in order of first appearance by specification id (the config order)."""
    return list(table.sort_values("specification", kind="stable")[factor].drop_duplicates())


@dataclass(frozen=True)
class _Page:
    font: style.Fonts
    fig_w: float
    left: float
    plot_w: float
    curve_h: float
    indicator_h: float
    bottom: float

    @classmethod
    def of(cls, width: style.Width, labels: list[str]) -> _Page:
        font, fig_w = style.fonts(width), style.width_in(width)
        left = max([layout.line_width_in(t, font.small) for t in labels] + [0.5]) + 0.12
        plot_w = fig_w - 2 * style.MARGIN_IN - left
        indicator_h = max(1, len(labels)) * style.row_in(width)
        bottom = 2 * layout.height_in(1, font.small) + 0.1
        return cls(font, fig_w, left, plot_w, CURVE_IN[width], indicator_h, bottom)

    @property
    def fig_h(self) -> float:
        return 2 * style.MARGIN_IN + self.curve_h + _GAP_IN + self.indicator_h + self.bottom

    def frac(self, top: float, height: float) -> tuple[float, float, float, float]:
        left = style.MARGIN_IN + self.left
        return (left / self.fig_w, 1 - (top + height) / self.fig_h, self.plot_w / self.fig_w, height / self.fig_h)


def _draw_curve(ax: Axes, rows: pd.DataFrame, primary: Mapping[str, object], palette: style.Palette) -> None:
    x = rows["rank"].to_numpy(float)
    est, lb, ub = (rows[c].to_numpy(float) for c in ("estimate", "ci_lb", "ci_ub"))
    excludes = (lb > 0) | (ub < 0)
    colours = np.where(excludes, EXCLUDES_COLOUR, INCLUDES_COLOUR)
    dense = len(rows) > RASTER_ABOVE
    if len(rows) > MAX_LINES:
        ax.fill_between(x, lb, ub, color=INCLUDES_COLOUR, alpha=0.45, linewidth=0, gid="curve-ci", rasterized=dense)
    else:
        ax.vlines(x, lb, ub, colors=colours, linewidth=0.6, gid="curve-ci", rasterized=dense)
    size = 9.0 if len(rows) <= 100 else 3.0
    ax.scatter(x, est, s=size, c=colours, linewidths=0, zorder=3, gid="curve-estimates", rasterized=dense)
    ax.axhline(0.0, color=style.ZERO_LINE, linewidth=0.6, gid="curve-zero")
    colour = PRIMARY_COLOUR[palette]
    if primary.get("estimate") is not None and math.isfinite(float(primary["estimate"])):  # type: ignore[arg-type]
        ax.axhline(float(primary["estimate"]), color=colour, linewidth=0.7, linestyle="--", gid="curve-primary-line")  # type: ignore[arg-type]
    mine = rows[rows["primary"].fillna(False).astype(bool)]
    if len(mine):
        ax.scatter(
            mine["rank"],
            mine["estimate"],
            s=36,
            marker="X",
            color=colour,
            edgecolors="#FFFFFF",
            linewidths=0.5,
            zorder=4,
            gid="curve-primary",
        )


def _draw_indicators(ax: Axes, rows: pd.DataFrame, table: pd.DataFrame, factors: list[str], n: int) -> list[str]:
    labels = []
    y = 0
    for factor in factors:
        for value in _levels(table, factor):
            chosen = rows["rank"].to_numpy(float)[(rows[factor] == value).to_numpy()]
            ax.scatter(
                chosen,
                np.full(chosen.size, y),
                s=6.0 if n <= 100 else 1.5,
                marker="s",
                color=style.INK,
                linewidths=0,
                gid=f"indicator|{factor}|{_level_text(factor, value)}",
                rasterized=n > RASTER_ABOVE,
            )
            labels.append(f"{factor}: {_level_text(factor, value)}")
            y += 1
        ax.axhline(y - 0.5, color=style.SUBTLE_FILL, linewidth=0.5)
    return labels


def specification_curve(
    table: pd.DataFrame,
    analysis: Mapping[str, object] | pd.Series,
    *,
    width: style.Width = "double",
    palette: style.Palette = "cochrane",
) -> Captioned:
    """Draw the specification curve of one analysis from the ``Multiverse`` table.

    ``table``: the ``Multiverse`` table (rows of other analyses are dropped). ``analysis``: the ``MetaAnalyses`` row
    of the primary analysis (``analysis_id``, ``measure``, ``estimate``). Raises ValueError when no specification
    of the analysis could be pooled.
    """
    analysis = dict(analysis)
    require_columns(table, (*_COLUMNS, *FACTOR_NAMES), "specification curve: table")
    aid = str(analysis["analysis_id"])
    mine = table[table["analysis_id"] == aid]
    rows = curve_order(table, aid)
    if rows.empty:
        raise ValueError(f"specification curve: no pooled specification of {aid}")
    factors = varied_factors(mine)
    labels = [f"{f}: {_level_text(f, v)}" for f in factors for v in _levels(mine, f)]
    page = _Page.of(width, labels)
    measure = str(analysis.get("measure") or "Effect")
    n = len(rows)
    with style.context():
        fig = style.new_figure(page.fig_w, page.fig_h)
        curve = fig.add_axes(page.frac(style.MARGIN_IN, page.curve_h), gid="curve-panel")
        panel = fig.add_axes(
            page.frac(style.MARGIN_IN + page.curve_h + _GAP_IN, page.indicator_h), gid="indicator-panel"
        )
        for ax in (curve, panel):
            ax.set_xlim(0.5, n + 0.5)
            ax.tick_params(labelsize=page.font.small, length=2.5, pad=1.5)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        _draw_curve(curve, rows, analysis, palette)
        curve.set_ylabel(style.MEASURE_SCALES.get(measure, measure), fontsize=page.font.small)
        curve.tick_params(labelbottom=False)
        curve.yaxis.set_major_locator(ticker.MaxNLocator(nbins=5))
        drawn = _draw_indicators(panel, rows, mine, factors, n)
        panel.set_ylim(len(drawn) - 0.5 if drawn else 0.5, -0.5)
        panel.set_yticks(range(len(drawn)), drawn, fontsize=page.font.small)
        panel.xaxis.set_major_locator(ticker.MaxNLocator(nbins=8, integer=True))
        panel.set_xlabel("Specification (sorted by estimate)", fontsize=page.font.small)
    return Captioned(fig, _caption(rows, mine, analysis, factors, measure, palette), _alt(rows, mine, factors, measure))


def _caption(
    rows: pd.DataFrame,
    mine: pd.DataFrame,
    analysis: Mapping[str, object],
    factors: list[str],
    measure: str,
    palette: style.Palette,
) -> str:
    n, total = len(rows), mine["specification"].nunique()
    excludes = int(((rows["ci_lb"] > 0) | (rows["ci_ub"] < 0)).sum())
    varied = ", ".join(factors) if factors else "no factor"
    text = (
        f"Specification curve (Simonsohn et al. 2020): the pooled {measure} of each of the {plural(n, 'specification')}"
        f" that could be pooled (of {total}), sorted by estimate, with its confidence interval; blue when the interval "
        f"excludes 0 ({excludes} of {n}), grey otherwise. Estimates range from {figure_number(rows['estimate'].min())}"
        f" to {figure_number(rows['estimate'].max())}. The panel below marks the choice each specification made for "
        f"each factor varied ({varied})."
    )
    if analysis.get("estimate") is not None and math.isfinite(float(analysis["estimate"])):  # type: ignore[arg-type]
        text += (
            f" The {PRIMARY_COLOUR_NAMES[palette]} dashed line marks the primary estimate "
            f"({figure_number(analysis['estimate'])})"
            + ("; the cross, the primary specification." if rows["primary"].fillna(False).any() else ".")
        )
    return text


def _alt(rows: pd.DataFrame, mine: pd.DataFrame, factors: list[str], measure: str) -> str:
    n = len(rows)
    excludes = int(((rows["ci_lb"] > 0) | (rows["ci_ub"] < 0)).sum())
    return (
        f"Specification curve of {plural(n, 'pooled specification')} (of {mine['specification'].nunique()}): {measure} "
        f"from {figure_number(rows['estimate'].min())} to {figure_number(rows['estimate'].max())}, {excludes} with a "
        f"confidence interval excluding 0; indicator rows for {', '.join(factors) if factors else 'no factor'}."
    )
