"""Contour-enhanced funnel plot of one pooled analysis (Peters et al. 2008, J Clin Epidemiol 61:991-996;
metafor ``funnel(res, level = c(90, 95, 99), shade = c("white", "gray55", "gray75"), refline = 0)``).

x: each study's effect size (``yi``; for ratio measures the log ratio), y: its standard error ``sqrt(vi)``
with 0 at the top. The shaded regions are the significance contours of a two-sided test against no
effect (0 on the analysis scale) at p = 0.10, 0.05 and 0.01: a study inside the white region has
p > 0.10, inside the darkest grey 0.05 < p <= 0.10, the lighter grey 0.01 < p <= 0.05 and the background
p <= 0.01. The pooled estimate is a vertical line with its pseudo 95% confidence limits
(``estimate +/- 1.96 SE``, metafor's triangle without ``addtau2``). Studies are filled dots; the studies
imputed by trim-and-fill (Duval & Tweedie 2000) are open dots, and the adjusted estimate a dotted line.

The helpers (:func:`effect_axis_label`, :func:`tick_labels`, :func:`legend_columns`,
:func:`legend_height_in`, :func:`draw_legend`, :func:`left_margin_in`, :func:`bottom_band_in`,
:func:`style_axes`, :func:`label_axes`) are shared with the bubble and Baujat plots.
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
from matplotlib.patches import Patch, Polygon

from qolreview.figures import layout, style
from qolreview.figures.captions import Captioned, require_columns
from qolreview.formatting import figure_number, figure_p_statement, finite, interval, plural
from qolreview.meta import distributions
from qolreview.tables import FilledStudies, StudyWeights

LEVELS = (0.90, 0.95, 0.99)
"""Confidence levels of the significance contours: p = 0.10, 0.05 and 0.01 (Peters et al. 2008)."""
SHADES = ("#FFFFFF", "#8C8C8C", "#BFBFBF")
"""Fill inside each contour, innermost first (metafor's ``shade = c("white", "gray55", "gray75")``)."""
OUTSIDE_SHADE = "#E5E5E5"
"""Fill beyond the outermost contour, p <= 0.01 (metafor's ``back = "gray90"``)."""
SHADE_LABELS = ("p > 0.10", "0.05 < p \u2264 0.10", "0.01 < p \u2264 0.05", "p \u2264 0.01")
PSEUDO_CI_Z = float(distributions.norm.isf(0.025))
"""Half width of the pseudo 95% confidence limits, in standard errors."""
MARKS: dict[str, dict[str, str]] = {
    "cochrane": {"study": style.INK, "imputed": style.INK, "pooled": style.INK, "adjusted": style.INK},
    "colourblind": {
        "study": style.OKABE_ITO[0],
        "imputed": style.OKABE_ITO[5],
        "pooled": style.INK,
        "adjusted": style.OKABE_ITO[5],
    },
}
"""Colours of the study dots, imputed dots, pooled line and adjusted line (Okabe-Ito in "colourblind")."""
_DOT_PT2 = {"single": 12.0, "double": 16.0}
"""Area of a study dot (pt^2)."""
_AXES_H_IN = {"single": 2.5, "double": 3.3}
"""Height of the plotting area, in inches."""
RIGHT_IN = 0.16
"""Room right of the plotting area for the last x tick label."""
TOP_IN = 0.12
"""Room above the plotting area for the top y tick label."""
TICK_IN = 0.09
"""Tick length plus the pad between tick and label, in inches."""
_GAP_IN = 0.06
_STUDY_COLUMNS = (StudyWeights.yi, StudyWeights.vi)


# Shared helpers -------------------------------------------------------------------------------------------


def effect_axis_label(measure: str) -> str:
    """The effect axis' name, as the forest plot writes it: the scale of the measure (ratios are logs,
    ``style.MEASURE_SCALES``), capitalised; the measure code itself when it has no named scale."""
    scale = style.MEASURE_SCALES.get(measure)
    return scale[0].upper() + scale[1:] if scale else measure


def legend_columns(labels: Sequence[str], size: float, width_in: float) -> int:
    """How many columns of legend entries fit in ``width_in`` (matplotlib's default handle, pad and spacing)."""
    entry = max(layout.line_width_in(text, size) for text in labels) + (2.0 + 0.8) * size / 72.0
    spacing = 2.0 * size / 72.0
    return max(1, min(len(labels), int((width_in + spacing) // (entry + spacing))))


def legend_height_in(n_entries: int, ncol: int, size: float) -> float:
    """Height of a frameless legend of ``n_entries`` in ``ncol`` columns (one text line per entry), in inches."""
    rows = math.ceil(n_entries / ncol)
    return (rows * 1.25 + (rows - 1) * 0.5 + 2 * 0.4) * size / 72.0


def draw_legend(
    fig: Figure, handles: Sequence[Artist], labels: Sequence[str], top_in: float, size: float, ncol: int
) -> None:
    """A frameless legend centred under the plot, its top ``top_in`` inches from the figure's bottom edge."""
    legend = fig.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, top_in / fig.get_figheight()),
        ncol=ncol,
        fontsize=size,
        frameon=False,
        borderaxespad=0.0,
    )
    legend.set_gid("legend")


def left_margin_in(labels: Sequence[str], font: style.Fonts, label_lines: int = 1) -> float:
    """Room left of a plotting area: margin, the y axis label (``label_lines`` lines), tick labels and ticks."""
    return (
        style.MARGIN_IN
        + layout.height_in(label_lines, font.small)
        + _GAP_IN
        + layout.text_width_in([line for text in labels for line in text.split("\n")], font.small)
        + TICK_IN
    )


def bottom_band_in(font: style.Fonts, label_lines: int = 1) -> float:
    """Room under a plotting area for the x tick labels and the x axis label (``label_lines`` lines)."""
    return TICK_IN + layout.height_in(1, font.small) + _GAP_IN + layout.height_in(label_lines, font.small) + _GAP_IN


def tick_labels(ticks: np.ndarray) -> list[str]:
    """Tick labels with the fewest decimals (at most 4) that write every tick exactly."""
    decimals = next((d for d in range(5) if np.allclose(ticks * 10**d, np.round(ticks * 10**d))), 4)
    return [figure_number(t, decimals) for t in ticks]


def plot_frame(fig_w: float, left: float, axes_h: float, under: float) -> tuple[Figure, Axes]:
    """A figure with one plotting area ``axes_h`` high: ``left`` in from the left edge, ``RIGHT_IN`` from the
    right, ``TOP_IN`` from the top, with ``under`` (tick labels, axis label, legend or key) below it.
    Call it inside ``style.context()``."""
    fig_h = TOP_IN + axes_h + under + style.MARGIN_IN
    fig = style.new_figure(fig_w, fig_h)
    ax = fig.add_axes(
        (left / fig_w, (style.MARGIN_IN + under) / fig_h, (fig_w - left - RIGHT_IN) / fig_w, axes_h / fig_h)
    )
    return fig, ax


def style_axes(ax: Axes, font: style.Fonts, box: bool = False) -> None:
    """Tick label size; no top or right spine unless ``box``."""
    ax.tick_params(labelsize=font.small)
    for side in ("top", "right"):
        ax.spines[side].set_visible(box)


def label_axes(ax: Axes, xlabel: str, ylabel: str, font: style.Fonts) -> None:
    """Axis labels (they may contain data, e.g. a moderator's name: drawn literally, ``style.RC``)."""
    ax.set_xlabel(xlabel, fontsize=font.small)
    ax.set_ylabel(ylabel, fontsize=font.small)


# The funnel plot ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Funnel:
    """The data drawn: the studies, the imputed studies and the analysis' results."""

    yi: np.ndarray
    sei: np.ndarray
    filled_yi: np.ndarray
    filled_sei: np.ndarray
    info: Mapping[str, object]
    measure: str

    @property
    def estimate(self) -> float | None:
        value = self.info.get("estimate")
        return float(value) if finite(value) else None  # type: ignore[arg-type]

    @property
    def adjusted(self) -> float | None:
        """The trim-and-fill estimate, when studies were imputed."""
        value = self.info.get("filled_estimate")
        return float(value) if self.filled_yi.size and finite(value) else None  # type: ignore[arg-type]


def funnel_plot(
    studies: pd.DataFrame,
    analysis: Mapping[str, object] | pd.Series,
    filled: pd.DataFrame | None = None,
    *,
    width: style.Width = "double",
    palette: style.Palette = "cochrane",
) -> Captioned:
    """Draw a contour-enhanced funnel plot of one analysis.

    ``studies``: the analysis' rows of ``StudyWeights`` (``yi``, ``vi``). ``analysis``: its ``MetaAnalyses``
    row (``measure``, ``estimate``, ``se``, ``ci_lb``, ``ci_ub``, ``k``), optionally merged with its
    ``SmallStudyEffects`` row (``egger_pval``, ``rank_pval``, ``k0``, ``side``, ``filled_estimate``,
    ``filled_ci_lb``, ``filled_ci_ub``) for the caption. ``filled``: ``FilledStudies`` rows (``yi``, ``vi``),
    drawn as open dots; rows of other analyses are ignored when both tables name the analysis.
    """
    require_columns(studies, _STUDY_COLUMNS, "funnel: studies table")
    if studies.empty:
        raise ValueError("funnel: no studies to plot")
    info = dict(analysis)
    data = _funnel_data(studies, info, filled)
    font = style.fonts(width)
    colours = MARKS[palette]
    handles, labels = _legend_entries(data, colours, width)
    fig_w = style.width_in(width)
    ncol = legend_columns(labels, font.small, fig_w - 2 * style.MARGIN_IN)
    legend_h = legend_height_in(len(labels), ncol, font.small)
    se_ticks = _se_ticks(np.concatenate([data.sei, data.filled_sei]))
    left = left_margin_in(tick_labels(se_ticks), font)
    below = bottom_band_in(font)
    axes_h = _AXES_H_IN[width]

    with style.context():
        fig, ax = plot_frame(fig_w, left, axes_h, below + legend_h)
        se_max = float(se_ticks[-1])
        ax.set_ylim(se_max, 0.0)
        ax.set_yticks(se_ticks, tick_labels(se_ticks))
        ax.set_xlim(*_x_limits(data, se_max))
        _draw_contours(ax, se_max)
        _draw_lines(ax, data, se_max, colours)
        _draw_studies(ax, data, colours, width)
        style_axes(ax, font, box=True)
        label_axes(ax, effect_axis_label(data.measure), "Standard error", font)
        draw_legend(fig, handles, labels, style.MARGIN_IN + legend_h, font.small, ncol)
    return Captioned(fig, _caption(data), _alt(data))


def _funnel_data(studies: pd.DataFrame, info: Mapping[str, object], filled: pd.DataFrame | None) -> _Funnel:
    """The arrays drawn; ``filled`` restricted to the analysis when both tables name it."""
    if filled is not None:
        require_columns(filled, (FilledStudies.yi, FilledStudies.vi), "funnel: filled studies table")
        if FilledStudies.analysis_id in filled.columns and "analysis_id" in info:
            filled = filled[filled[FilledStudies.analysis_id] == info["analysis_id"]]
    f_yi = np.empty(0) if filled is None else filled[FilledStudies.yi].to_numpy(float)
    f_vi = np.empty(0) if filled is None else filled[FilledStudies.vi].to_numpy(float)
    return _Funnel(
        yi=studies[StudyWeights.yi].to_numpy(float),
        sei=np.sqrt(studies[StudyWeights.vi].to_numpy(float)),
        filled_yi=f_yi,
        filled_sei=np.sqrt(f_vi),
        info=info,
        measure=str(info.get("measure") or "Effect"),
    )


def _se_ticks(sei: np.ndarray) -> np.ndarray:
    """Round standard-error ticks from 0 to at least the largest standard error."""
    top = float(np.max(sei)) if sei.size else 1.0
    ticks = ticker.MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(0.0, top if top > 0 else 1.0)
    return ticks[ticks >= 0]


def _x_limits(data: _Funnel, se_max: float) -> tuple[float, float]:
    """Limits covering the outermost contour at the bottom, every study and the pseudo confidence limits."""
    reach = float(distributions.norm.isf((1 - max(LEVELS)) / 2)) * se_max
    values = [-reach, reach, *data.yi, *data.filled_yi]
    for centre in (data.estimate, data.adjusted):
        if centre is not None:
            values += [centre - PSEUDO_CI_Z * se_max, centre + PSEUDO_CI_Z * se_max]
    lo, hi = min(values), max(values)
    pad = 0.04 * (hi - lo)
    return lo - pad, hi + pad


def _draw_contours(ax: Axes, se_max: float) -> None:
    """The significance regions around 0: widest first, so each narrower one is drawn over it."""
    ax.set_facecolor(OUTSIDE_SHADE)
    for level, shade in sorted(zip(LEVELS, SHADES, strict=True), reverse=True):
        half = float(distributions.norm.isf((1 - level) / 2)) * se_max
        ax.add_patch(
            Polygon(
                [(0.0, 0.0), (-half, se_max), (half, se_max)],
                closed=True,
                facecolor=shade,
                edgecolor="none",
                zorder=0,
                gid=f"contour-{round(100 * level)}",
            )
        )


def _draw_lines(ax: Axes, data: _Funnel, se_max: float, colours: Mapping[str, str]) -> None:
    """The pooled estimate, its pseudo 95% confidence limits and the trim-and-fill estimate."""
    est = data.estimate
    if est is not None:
        ax.plot([est, est], [0.0, se_max], color=colours["pooled"], linewidth=0.8, zorder=2, gid="pooled-line")
        for sign in (-1.0, 1.0):
            ax.plot(
                [est, est + sign * PSEUDO_CI_Z * se_max],
                [0.0, se_max],
                color=colours["pooled"],
                linewidth=0.6,
                linestyle="--",
                zorder=2,
                gid="pseudo-ci",
            )
    if data.adjusted is not None:
        ax.plot(
            [data.adjusted, data.adjusted],
            [0.0, se_max],
            color=colours["adjusted"],
            linewidth=0.8,
            linestyle=":",
            zorder=2,
            gid="adjusted-line",
        )


def _draw_studies(ax: Axes, data: _Funnel, colours: Mapping[str, str], width: style.Width) -> None:
    """Studies as filled dots, imputed studies as open dots on top."""
    size = _DOT_PT2[width]
    ax.scatter(
        data.yi, data.sei, s=size, color=colours["study"], linewidths=0, zorder=3, clip_on=False, gid="study-dot"
    )
    if data.filled_yi.size:
        ax.scatter(
            data.filled_yi,
            data.filled_sei,
            s=size,
            facecolors="#FFFFFF",
            edgecolors=colours["imputed"],
            linewidths=0.8,
            zorder=4,
            clip_on=False,
            gid="imputed-dot",
        )


def _legend_entries(data: _Funnel, colours: Mapping[str, str], width: style.Width) -> tuple[list[Artist], list[str]]:
    """Handles and labels: the four significance regions, then the marks drawn."""
    marker = math.sqrt(_DOT_PT2[width])
    handles: list[Artist] = [
        Patch(facecolor=shade, edgecolor=style.ZERO_LINE, linewidth=0.4) for shade in (*SHADES, OUTSIDE_SHADE)
    ]
    labels = list(SHADE_LABELS)
    handles.append(Line2D([], [], linestyle="none", marker="o", markersize=marker, color=colours["study"]))
    labels.append("Studies")
    if data.filled_yi.size:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=marker,
                markerfacecolor="#FFFFFF",
                markeredgecolor=colours["imputed"],
                markeredgewidth=0.8,
            )
        )
        labels.append("Imputed studies (trim-and-fill)")
    if data.estimate is not None:
        handles.append(Line2D([], [], color=colours["pooled"], linewidth=0.8))
        labels.append("Pooled estimate")
        handles.append(Line2D([], [], color=colours["pooled"], linewidth=0.6, linestyle="--"))
        labels.append("Pseudo 95% confidence limits")
    if data.adjusted is not None:
        handles.append(Line2D([], [], color=colours["adjusted"], linewidth=0.8, linestyle=":"))
        labels.append("Trim-and-fill estimate")
    return handles, labels


def _significant(data: _Funnel, level: float = 0.95) -> int:
    """How many studies lie outside the ``level`` contour (two-sided p below 1 - level against 0)."""
    return int(np.sum(np.abs(data.yi) > distributions.norm.isf((1 - level) / 2) * data.sei))


def _small_study_text(data: _Funnel) -> str:
    """Egger's test, the rank correlation test and trim-and-fill, as far as ``analysis`` reports them."""
    info, measure = data.info, data.measure
    parts = []
    if finite(info.get("egger_pval")):
        parts.append(f" Egger's regression test for funnel plot asymmetry: {figure_p_statement(info['egger_pval'])}.")
    if finite(info.get("rank_pval")):
        parts.append(f" Rank correlation test: {figure_p_statement(info['rank_pval'])}.")
    if finite(info.get("k0")):
        k0 = int(info["k0"])  # type: ignore[call-overload]
        if k0 == 0:
            parts.append(" Trim-and-fill imputed no studies.")
        else:
            side = f" on the {info['side']}" if info.get("side") in ("left", "right") else ""
            adjusted = ""
            if finite(info.get("filled_estimate")):
                adjusted = f"; adjusted {measure} {figure_number(info['filled_estimate'])}"
                if finite(info.get("filled_ci_lb")) and finite(info.get("filled_ci_ub")):
                    adjusted += f" (95% CI {interval(info['filled_ci_lb'], info['filled_ci_ub'])})"
            drawn = " (open dots)" if data.filled_yi.size else ""
            parts.append(f" Trim-and-fill imputed {plural(k0, 'study')}{side}{drawn}{adjusted}.")
    return "".join(parts)


def _caption(data: _Funnel) -> str:
    """What the axes, regions and lines show, then the small-study tests."""
    measure, k = data.measure, data.yi.size
    text = (
        f"Contour-enhanced funnel plot of {plural(k, 'study')}: each study's {measure} against its standard error "
        "(0 at the top). Shaded regions give the two-sided p value of a study's test against no effect (0): "
        "white p > 0.10, dark grey 0.05 < p \u2264 0.10, mid grey 0.01 < p \u2264 0.05, light grey p \u2264 0.01."
    )
    if data.estimate is not None:
        text += (
            f" Solid line: pooled {measure} {figure_number(data.estimate)}; dashed lines: pseudo 95% confidence "
            f"limits (estimate \u00b1 1.96 standard errors)."
        )
    if data.adjusted is not None:
        text += f" Dotted line: trim-and-fill estimate {figure_number(data.adjusted)}."
    if data.measure in style.MEASURE_SCALES:
        text += f" Scale: {style.MEASURE_SCALES[data.measure]}."
    return text + _small_study_text(data)


def _alt(data: _Funnel) -> str:
    """The spread of estimates and standard errors, how many reach p < 0.05, the pooled and adjusted results."""
    k = data.yi.size
    text = (
        f"Funnel plot of {plural(k, 'study')} ({data.measure}): estimates from {figure_number(data.yi.min())} to "
        f"{figure_number(data.yi.max())}, standard errors from {figure_number(data.sei.min())} to "
        f"{figure_number(data.sei.max())}; {_significant(data)} of {k} lie outside the p = 0.05 contour."
    )
    if data.estimate is not None:
        text += f" Pooled {data.measure} {figure_number(data.estimate)}."
    if data.filled_yi.size:
        text += f" {plural(data.filled_yi.size, 'imputed study', 'imputed studies')} drawn as open dots."
    return text + _small_study_text(data)
