"""Quality of life over time: small multiples, one panel per domain, comparison and measure (titled
"Overall QoL: between arms, SMD"), one line per study series, x in weeks since baseline. Each study
keeps one colour, line style and marker across panels.

Points of several series at the same time are spread sideways (dodged) so that none hides another, and each
series is labelled with its instrument in a column right of the data, joined to its last point by a thin
line. A value reported as a bound ("> 10%", ``value_qualifier``) is not an estimate: it is drawn as an open
marker at the bound with an arrow towards the side where the value lies, and no line runs through it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec

from qolreview.figures import layout, style
from qolreview.figures.captions import Captioned, require_columns
from qolreview.formatting import figure_number, is_missing, plural
from qolreview.labels import COMPARISON_LABELS

RIGHT_MARGIN_IN = 0.2
"""Room right of the panels for the last x tick label."""
HSPACE, WSPACE = 0.55, 0.28
"""Gaps between rows and columns of panels, as fractions of a default panel's axes (matplotlib's GridSpec)."""
LABEL_PAD_IN = 0.05
"""Room above and below a panel's column of labels."""
LABEL_LEADING = 1.15
"""Space a series label takes in its column, as a multiple of its lines' height (clear space between labels)."""
TRAJECTORY_COLUMNS = (
    "study_id",
    "label",
    "domain",
    "instrument",
    "subscale",
    "timepoint_weeks",
    "value",
    "value_kind",
    "comparison",
)
SERIES_KEY = ["study_id", "instrument", "subscale", "comparison"]
"""One line of a panel: a study's results on one instrument and subscale."""
BOUND_ARROWS = {">": 1, ">=": 1, "<": -1, "<=": -1}
"""Qualifiers of a bound (workbook ``value_qualifier``) and the side of the bound where the value lies; "~"
(about) is an approximate estimate, drawn as one."""
GENERIC_SUBSCALES = frozenset({"total", ""})
"""Subscales that add nothing to an instrument's name in a series label."""
DODGE_IN = 0.06
"""Sideways distance between points of different series at the same time."""
LABEL_GAP_IN = 0.1
"""Space between the last data point and the column of series labels."""
LABEL_SHARE = 0.42
"""Largest share of a panel's width given to the series labels."""
BOUND_ARROW_SHARE = 0.15
"""Length of a bound's arrow as a share of the panel's range of values."""
MAX_LABELLED_STUDIES = 30
"""The most studies whose series are drawn apart (own colour, label and legend entry); a larger review gets the
compact figure, its series as thin grey lines and the median at each timepoint, whose size does not grow with the
number of studies."""


def series_label(instrument: str, subscale: object) -> str:
    """The label of a series: the instrument, with its subscale unless that adds nothing ("QLDS",
    "EQ-5D-5L: mobility", "EQ-VAS" for subscale "VAS")."""
    sub = "" if is_missing(subscale) else str(subscale).strip()
    plain = sub.lower() in GENERIC_SUBSCALES or sub.lower() in instrument.lower()
    return instrument if plain else f"{instrument}: {sub}"


def bound_side(qualifier: object) -> int:
    """+1 when the value lies above a reported bound, -1 below it, 0 for an estimate."""
    return 0 if is_missing(qualifier) else BOUND_ARROWS.get(str(qualifier), 0)


def panel_title(domain_name: str, comparison: str, kind: str) -> str:
    """ "Domain: comparison, measure", e.g. "Overall QoL: between arms, SMD", from the domain's short name."""
    measure = "% change" if kind == "pct_change" else style.MEASURE_COLUMN_LABELS.get(kind, kind)
    return f"{domain_name}: {COMPARISON_LABELS.get(comparison, comparison.replace('_', ' '))}, {measure}"


@dataclass(frozen=True)
class _Layout:
    """The grid of panels and the legend band below it: counts, and sizes in inches or figure fractions. A row
    of panels is taller than ``panel_h`` when its series labels need it."""

    font: style.Fonts
    ncols: int
    fig_w: float
    fig_h: float
    panel_h: float
    heights: tuple[float, ...]
    """Height of the axes of each row of panels, in inches."""
    legend_h: float
    left: float
    """Left edge of the panels, as a fraction of the figure width."""
    right: float
    """Right edge of the panels, as a fraction of the figure width."""

    @staticmethod
    def columns(width: style.Width, n_panels: int) -> int:
        """One column of panels, two for several panels at double width."""
        return 1 if width == "single" or n_panels == 1 else 2

    @staticmethod
    def axes_width_in(width: style.Width, n_panels: int) -> float:
        """Width of a panel's axes, in inches (matplotlib's GridSpec: the width less the gaps, shared)."""
        ncols, fig_w = _Layout.columns(width, n_panels), style.width_in(width)
        left, right = (0.1 if ncols == 2 else 0.16), 1 - RIGHT_MARGIN_IN / fig_w
        return (right - left) * fig_w / (ncols + WSPACE * (ncols - 1))

    @classmethod
    def of(cls, width: style.Width, label_heights: list[float], n_studies: int) -> _Layout:
        """Panels in rows, each as tall as the default or its tallest column of labels; the legend in 2 or 3
        columns. ``label_heights``: the height of each panel's series labels, in inches."""
        ncols, fig_w = cls.columns(width, len(label_heights)), style.width_in(width)
        panel_h = fig_w / ncols * 0.62
        base = panel_h / (1 + HSPACE)
        heights = tuple(
            max(base, max(label_heights[r : r + ncols]) + 2 * LABEL_PAD_IN) for r in range(0, len(label_heights), ncols)
        )
        legend_h = math.ceil(n_studies / _legend_columns(width)) * style.row_in(width) + 0.15
        fig_h = sum(heights) + (len(heights) - 1) * HSPACE * base + legend_h + 0.65
        left, right = (0.1 if ncols == 2 else 0.16), 1 - RIGHT_MARGIN_IN / fig_w
        return cls(style.fonts(width), ncols, fig_w, fig_h, panel_h, heights, legend_h, left, right)

    @property
    def panel_w(self) -> float:
        """Width available to a panel's title, in inches."""
        return (self.right - self.left) * self.fig_w / self.ncols


def trajectories_plot(
    data: pd.DataFrame, *, domain_names: Mapping[str, str], width: style.Width = "double"
) -> Captioned:
    """Small multiples of effect (or percent change) against weeks; ``ci_lb``/``ci_ub`` add error bars and an
    optional ``value_qualifier`` marks bounds (:data:`BOUND_ARROWS`). ``domain_names``: the review's domains ->
    their short names, in display order (:func:`qolreview.labels.short_domain_labels`)."""
    require_columns(data, TRAJECTORY_COLUMNS, "trajectories: table")
    data = data.dropna(subset=["timepoint_weeks", "value"])
    if data.empty:
        raise ValueError("trajectories: no values with a known timepoint")
    qualifiers = data["value_qualifier"] if "value_qualifier" in data.columns else pd.Series(None, index=data.index)
    data = data.assign(_bound=[bound_side(q) for q in qualifiers])
    has_ci = {"ci_lb", "ci_ub"} <= set(data.columns)
    panels = _panels(data, domain_names)
    parts = [data[(data["domain"] == d) & (data["comparison"] == c) & (data["value_kind"] == k)] for d, c, k in panels]
    studies = list(dict.fromkeys(data.sort_values("study_id")["study_id"]))
    titles = [_title(p, domain_names) for p in panels]
    if len(studies) > MAX_LABELLED_STUDIES:
        return _compact_plot(data, panels, parts, titles, len(studies), width)
    small = style.fonts(width).small
    wrap_in = LABEL_SHARE * _Layout.axes_width_in(width, len(panels))
    texts = [_series_texts(part, wrap_in, small) for part in parts]
    looks = _looks(studies)
    labels = data.drop_duplicates("study_id").set_index("study_id")["label"]
    heights = [sum(_label_height(t, small) for t in panel) for panel in texts]
    page = _Layout.of(width, heights, len(studies))
    with style.context():
        fig, axes = _panel_axes(page, panels, titles)
        for i, (ax, part) in enumerate(zip(axes, parts, strict=True)):
            _draw_panel(ax, part, texts[i], looks, has_ci, page)
        _draw_legend(fig, studies, looks, labels, width, page.font)
    return Captioned(fig, *_caption_and_alt(data, titles, studies, has_ci))


def _panel_axes(page: _Layout, panels: list[tuple[str, str, str]], titles: list[str]) -> tuple[Figure, list[Axes]]:
    """The figure and one titled, labelled axes per panel, in rows of ``page.ncols`` (inside ``style.context()``)."""
    fig = style.new_figure(page.fig_w, page.fig_h)
    grid = _panel_grid(fig, page)
    axes = []
    for i, (panel, title) in enumerate(zip(panels, titles, strict=True)):
        ax = fig.add_subplot(grid[i // page.ncols, i % page.ncols])
        _label_panel(ax, page, title, panel[2])
        axes.append(ax)
    return fig, axes


def _compact_plot(
    data: pd.DataFrame,
    panels: list[tuple[str, str, str]],
    parts: list[pd.DataFrame],
    titles: list[str],
    n_studies: int,
    width: style.Width,
) -> Captioned:
    """The figure of a review of more than ``MAX_LABELLED_STUDIES`` studies: the same panels, each series a thin
    grey line through its estimates (grey dots; no label, legend, error bar or bound) and the median of the estimates
    at each timepoint in bold."""
    page = _Layout.of(width, [0.0] * len(panels), 0)
    with style.context():
        fig, axes = _panel_axes(page, panels, titles)
        for ax, part in zip(axes, parts, strict=True):
            _draw_compact_panel(ax, part[part["_bound"] == 0])
    weeks = data["timepoint_weeks"].astype(float)
    estimates = data[data["_bound"] == 0]
    caption = (
        f"Quality of life over time in {plural(n_studies, 'study')}: one panel per domain, comparison and measure "
        f"({'; '.join(titles)}). Each thin grey line is one study's estimates on one instrument; the bold line joins "
        f"the median of the estimates at each timepoint. With more than {MAX_LABELLED_STUDIES} studies the lines "
        f"are not labelled one by one; the harmonized effect sizes hold every value. X axis in weeks since baseline "
        f"({weeks.min():.1f} to {weeks.max():.1f} weeks)."
        + (
            f" {plural(len(data) - len(estimates), 'value')} reported only as a bound are not drawn."
            if len(estimates) < len(data)
            else ""
        )
    )
    alt = (
        f"{plural(len(titles), 'panel')} of line charts ({'; '.join(titles)}) showing {plural(n_studies, 'study')} "
        f"followed from {weeks.min():.1f} to {weeks.max():.1f} weeks as grey lines with their median in bold; "
        f"estimates range from {estimates['value'].min():.2f} to {estimates['value'].max():.2f}."
    )
    return Captioned(fig, caption, alt)


def _draw_compact_panel(ax: Axes, estimates: pd.DataFrame) -> None:
    """Every series of a panel as one collection of thin grey lines (and its estimates as grey dots, so that a series
    of one timepoint shows), and the median at each timepoint in bold."""
    estimates = estimates.sort_values([*SERIES_KEY, "timepoint_weeks"], kind="stable")
    ax.axhline(0, color=style.ZERO_LINE, linewidth=0.6, zorder=0)
    if estimates.empty:  # the panel's values are all bounds
        return
    points = estimates[["timepoint_weeks", "value"]].to_numpy(float)
    starts = np.flatnonzero(~estimates.duplicated(SERIES_KEY).to_numpy())
    series = [line for line in np.split(points, starts[1:]) if len(line)]
    ax.add_collection(LineCollection(series, colors=style.MUTED, linewidths=0.4, alpha=0.5, zorder=1, gid="series"))
    ax.scatter(points[:, 0], points[:, 1], s=2, color=style.MUTED, alpha=0.5, linewidths=0, zorder=1, gid="estimates")
    median = estimates.groupby("timepoint_weeks")["value"].median()
    ax.plot(
        median.index.to_numpy(float),
        median.to_numpy(float),
        color=style.INK,
        linewidth=1.2,
        marker="o",
        markersize=2.5,
        zorder=2,
        gid="median",
    )
    ax.update_datalim(points)
    left, last = min(0.0, float(points[:, 0].min())), float(points[:, 0].max())
    ax.set_xlim(left, last + 0.03 * ((last - left) or 1.0))  # the last points clear of the frame
    ax.autoscale_view(scalex=False)


def _label_height(lines: list[str], size: float) -> float:
    """Height a series label takes in the label column, in inches: its lines and ``LABEL_LEADING`` spacing."""
    return layout.height_in(len(lines), size) * LABEL_LEADING


def _series_texts(part: pd.DataFrame, wrap_in: float, size: float) -> list[list[str]]:
    """The wrapped label of each series of a panel, in series order."""
    keys = [key for key, _ in part.groupby(SERIES_KEY, sort=True)]
    return [layout.wrap(series_label(str(key[1]), key[2]), wrap_in, size) for key in keys]


def _panel_grid(fig: Figure, page: _Layout) -> GridSpec:
    """The grid of panels, leaving room for the last x tick label on the right and the legend below; the gap
    between rows stays that of rows of the default height."""
    gap = HSPACE * page.panel_h / (1 + HSPACE)
    return fig.add_gridspec(
        len(page.heights),
        page.ncols,
        left=page.left,
        right=page.right,
        top=1 - 0.3 / page.fig_h,
        bottom=(page.legend_h + 0.35) / page.fig_h,
        hspace=gap / float(np.mean(page.heights)),
        wspace=WSPACE,
        height_ratios=page.heights,
    )


def _title(panel: tuple[str, str, str], domain_names: Mapping[str, str]) -> str:
    domain, comparison, kind = panel
    return panel_title(domain_names.get(domain, domain), comparison, kind)


def _panels(data: pd.DataFrame, domain_names: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """The (domain, comparison, value kind) of each panel, in the order of ``domain_names`` and then of the
    comparisons."""
    order = {d: i for i, d in enumerate(domain_names)}
    comparisons = {c: i for i, c in enumerate(COMPARISON_LABELS)}
    return sorted(
        data.groupby(["domain", "comparison", "value_kind"]).groups,
        key=lambda p: (order.get(p[0], len(order)), p[0], comparisons.get(p[1], len(comparisons)), p[1], p[2]),
    )


def _looks(studies: list[str]) -> dict[str, tuple[str, str, str]]:
    """Each study's (colour, line style, marker), the same in every panel."""
    return {
        s: (
            style.OKABE_ITO[i % len(style.OKABE_ITO)],
            style.LINESTYLES[i // len(style.OKABE_ITO) % 4],
            style.TRAJECTORY_MARKERS[i % len(style.TRAJECTORY_MARKERS)],
        )
        for i, s in enumerate(studies)
    }


def _legend_columns(width: style.Width) -> int:
    """Columns of the study legend."""
    return 2 if width == "single" else 3


@dataclass(frozen=True)
class _Panel:
    """A panel's geometry in inches and data units: where the data end, the label column and the dodge step."""

    height_in: float
    label_in: float
    x_end: float
    """The latest timepoint of the panel, in weeks."""
    units_per_in: float
    """Weeks per inch of the panel's data area."""

    @classmethod
    def of(cls, ax: Axes, page: _Layout, labels: list[list[str]], x_max: float) -> _Panel:
        """The label column is as wide as the widest label, at most ``LABEL_SHARE`` of the panel."""
        box = ax.get_position()
        width_in, height_in = box.width * page.fig_w, box.height * page.fig_h
        label_in = max(layout.text_width_in(lines, page.font.small) for lines in labels)
        data_in = width_in - label_in - LABEL_GAP_IN - DODGE_IN
        return cls(height_in, label_in, x_max, (x_max if x_max > 0 else 1.0) / data_in)


def _dodged(part: pd.DataFrame, step: float) -> pd.Series:
    """Each point's x: its timepoint, moved sideways by ``step`` per series when several share it."""
    keys = part[SERIES_KEY].astype(str).agg("|".join, axis=1)
    weeks = part["timepoint_weeks"].astype(float).round(6)
    x = part["timepoint_weeks"].astype(float).copy()
    for _, at in keys.groupby(weeks, sort=True):
        rank = {key: i for i, key in enumerate(sorted(set(at)))}
        for index, key in at.items():
            x[index] += (rank[key] - (len(rank) - 1) / 2) * step
    return x


def _draw_panel(
    ax: Axes,
    part: pd.DataFrame,
    texts: list[list[str]],
    looks: dict[str, tuple[str, str, str]],
    has_ci: bool,
    page: _Layout,
) -> None:
    """One panel: the zero line, each series (dodged, bounds apart) and the column of labels ``texts``."""
    part = part.sort_values([*SERIES_KEY, "timepoint_weeks"], kind="stable")
    panel = _Panel.of(ax, page, texts, float(part["timepoint_weeks"].max()))
    part = part.assign(_x=_dodged(part, DODGE_IN * panel.units_per_in))
    values = [0.0, *part["value"].astype(float)]
    arrow = BOUND_ARROW_SHARE * ((max(values) - min(values)) or 1.0)
    ax.axhline(0, color=style.ZERO_LINE, linewidth=0.6, zorder=0)
    for key, rows in part.groupby(SERIES_KEY, sort=True):
        _draw_series(ax, rows, looks[str(key[0])], has_ci, arrow)
    x_end = float(part["_x"].max())
    left = min(0.0, float(part["_x"].min()))
    ax.set_xlim(left, x_end + (LABEL_GAP_IN + panel.label_in) * panel.units_per_in)
    ticks = ticker.MaxNLocator(nbins=5, steps=[1, 2, 4, 5, 10]).tick_values(0, panel.x_end)
    ax.set_xticks([t for t in ticks if left <= t <= x_end + 1e-9])
    ax.spines["bottom"].set_bounds(left, x_end)
    ax.autoscale_view(scalex=False)
    ax.set_ylim(*ax.get_ylim())
    _draw_labels(ax, part, texts, panel, x_end + LABEL_GAP_IN * panel.units_per_in, page.font.small, looks)


def _draw_series(ax: Axes, rows: pd.DataFrame, look: tuple[str, str, str], has_ci: bool, arrow: float) -> None:
    """A series' estimates as a line with markers and CI error bars, and its bounds as open markers with an arrow
    of length ``arrow`` (data units) towards the values the bound allows."""
    colour, line, marker = look
    estimates, bounds = rows[rows["_bound"] == 0], rows[rows["_bound"] != 0]
    x, y = estimates["_x"].to_numpy(float), estimates["value"].to_numpy(float)
    if len(estimates):
        ax.plot(
            x,
            y,
            color=colour,
            linestyle=line,
            marker=marker,
            markersize=style.TRAJECTORY_MARKER_SIZE,
            gid=f"series-{rows['study_id'].iloc[0]}",
        )
    if has_ci:
        lb, ub = estimates["ci_lb"].to_numpy(float), estimates["ci_ub"].to_numpy(float)
        ok = np.isfinite(lb) & np.isfinite(ub)
        ax.errorbar(
            x[ok], y[ok], yerr=[y[ok] - lb[ok], ub[ok] - y[ok]], fmt="none", ecolor=colour, elinewidth=0.6, capsize=1.5
        )
    for x_bound, value, side in zip(bounds["_x"], bounds["value"].astype(float), bounds["_bound"], strict=True):
        tip = value + side * arrow
        ax.annotate(
            "",
            xy=(x_bound, tip),
            xytext=(x_bound, value),
            arrowprops={"arrowstyle": "-|>", "color": colour, "linewidth": 0.8, "mutation_scale": 7, "shrinkA": 2.5},
            gid="bound-arrow",
        )
        ax.plot(
            [x_bound],
            [value],
            linestyle="none",
            marker=marker,
            markersize=style.TRAJECTORY_MARKER_SIZE,
            markerfacecolor="white",
            markeredgecolor=colour,
            gid="bound-marker",
        )
        ax.update_datalim([(x_bound, tip)])


def spread(wanted: list[float], heights: list[float]) -> list[float]:
    """Label centres (axes fractions) as near ``wanted`` as neighbours of ``heights`` allow without overlap,
    moved down together when the top one would leave the panel (and up when the bottom one then would)."""
    order = sorted(range(len(wanted)), key=lambda i: (wanted[i], i))
    placed = list(wanted)
    for below, above in pairwise(order):
        placed[above] = max(wanted[above], placed[below] + (heights[below] + heights[above]) / 2)
    shift = max(0.0, max(p + h / 2 for p, h in zip(placed, heights, strict=True)) - 1.0)
    shift += min(0.0, min(p - h / 2 for p, h in zip(placed, heights, strict=True)) - shift)
    return [p - shift for p in placed]


def _draw_labels(
    ax: Axes,
    part: pd.DataFrame,
    texts: list[list[str]],
    panel: _Panel,
    x_text: float,
    size: float,
    looks: dict[str, tuple[str, str, str]],
) -> None:
    """Each series' label in the column right of the data, at the height of its last point, spread apart from
    its neighbours (:func:`spread`) and joined to that point by a thin line in the study's colour."""
    lo, hi = ax.get_ylim()
    ends = [rows.iloc[-1] for _, rows in part.groupby(SERIES_KEY, sort=True)]
    heights = [_label_height(t, size) / panel.height_in for t in texts]
    centres = spread([(float(end["value"]) - lo) / (hi - lo) for end in ends], heights)
    for end, lines, centre in zip(ends, texts, centres, strict=True):
        y = lo + centre * (hi - lo)
        ax.plot(
            [float(end["_x"]), x_text],
            [float(end["value"]), y],
            color=looks[str(end["study_id"])][0],
            linewidth=0.4,
            clip_on=False,
            gid="label-leader",
        )
        ax.text(x_text, y, "\n".join(lines), ha="left", va="center", fontsize=size, gid="series-label")


def _label_panel(ax: Axes, page: _Layout, title: str, kind: str) -> None:
    """A panel's wrapped bold title, axis labels and ticks; the x axis starts at baseline, no top or right spine."""
    font = page.font
    ax.set_title(
        "\n".join(layout.wrap(title, page.panel_w, font.base, bold=True)),
        fontsize=font.base,
        fontweight="bold",
        loc="left",
        gid="panel-title",
    )
    ax.set_xlabel("Weeks since baseline", fontsize=font.small)
    ylabel = style.VALUE_KIND_LABELS.get(kind, kind)
    ax.set_ylabel("\n".join(layout.wrap(ylabel, 0.55 * page.panel_h, font.small)), fontsize=font.small)
    ax.tick_params(labelsize=font.small)
    ax.set_xlim(left=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _draw_legend(
    fig: Figure,
    studies: list[str],
    looks: dict[str, tuple[str, str, str]],
    labels: pd.Series,
    width: style.Width,
    font: style.Fonts,
) -> None:
    """The study legend centred under the panels: each study's line style, marker and label."""
    handles = [
        fig.axes[0].plot(
            [],
            [],
            color=looks[s][0],
            linestyle=looks[s][1],
            marker=looks[s][2],
            markersize=style.TRAJECTORY_MARKER_SIZE,
        )[0]
        for s in studies
    ]
    fig.legend(
        handles,
        [str(labels[s]) for s in studies],
        loc="lower center",
        ncol=_legend_columns(width),
        fontsize=font.small,
        frameon=False,
        bbox_to_anchor=(0.5, 0.0),
    )


def _caption_and_alt(data: pd.DataFrame, titles: list[str], studies: list[str], has_ci: bool) -> tuple[str, str]:
    """The caption and alternative text: the panels, the studies, the span of weeks and of the values, the
    dodging and labels, and the bounds."""
    weeks = data["timepoint_weeks"].astype(float)
    names = "; ".join(titles)
    bounds = data[data["_bound"] != 0]
    listed = "; ".join(
        f"{series_label(str(b.instrument), b.subscale)} {b.value_qualifier} {figure_number(b.value)}"
        for b in bounds.itertuples(index=False)
    )
    caption = (
        f"Quality of life over time in {plural(len(studies), 'study')}: one panel per domain, comparison "
        f"and measure ({names}), "
        f"one line per study and instrument, labelled with its instrument at its last point; points at the same "
        f"time are spread sideways. X axis in weeks since baseline ({weeks.min():.1f} to {weeks.max():.1f} weeks)."
        + (" Error bars: 95% confidence intervals." if has_ci else "")
        + (
            f" Open markers with an arrow are bounds, not estimates: the value lies beyond the marker, in the "
            f"arrow's direction ({listed})."
            if len(bounds)
            else ""
        )
    )
    alt = (
        f"{plural(len(titles), 'panel')} of line charts ({names}) showing {plural(len(studies), 'study')} "
        f"followed from {weeks.min():.1f} to {weeks.max():.1f} weeks; values range from "
        f"{data['value'].min():.2f} to {data['value'].max():.2f}"
        + (f"; {plural(len(bounds), 'value')} reported only as a bound ({listed})." if len(bounds) else ".")
    )
    return caption, alt
