"""Quality of life over time: small multiples, one panel per domain, comparison and measure (titled
"Overall QoL: between arms, SMD"), one line per study series, x in weeks since baseline. Each study
keeps one colour, line style and marker across panels."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.gridspec import GridSpec

from qolreview.figures import layout, style
from qolreview.figures.captions import Captioned, require_columns
from qolreview.formatting import plural
from qolreview.labels import COMPARISON_LABELS, SHORT_DOMAIN_LABELS

RIGHT_MARGIN_IN = 0.2
"""Room right of the panels for the last x tick label."""
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


def panel_title(domain: str, comparison: str, kind: str) -> str:
    """ "Domain: comparison, measure", e.g. "Overall QoL: between arms, SMD"."""
    measure = "% change" if kind == "pct_change" else style.MEASURE_COLUMN_LABELS.get(kind, kind)
    return (
        f"{SHORT_DOMAIN_LABELS.get(domain, domain)}: "
        f"{COMPARISON_LABELS.get(comparison, comparison.replace('_', ' '))}, {measure}"
    )


@dataclass(frozen=True)
class _Layout:
    """The grid of panels and the legend band below it: counts, and sizes in inches or figure fractions."""

    font: style.Fonts
    ncols: int
    nrows: int
    fig_w: float
    fig_h: float
    panel_h: float
    legend_h: float
    left: float
    """Left edge of the panels, as a fraction of the figure width."""
    right: float
    """Right edge of the panels, as a fraction of the figure width."""

    @classmethod
    def of(cls, width: style.Width, n_panels: int, n_studies: int) -> _Layout:
        """One column of panels (two for several panels at double width), the legend in 2 or 3 columns."""
        ncols = 1 if width == "single" or n_panels == 1 else 2
        nrows = math.ceil(n_panels / ncols)
        fig_w = style.width_in(width)
        panel_h = fig_w / ncols * 0.62
        legend_rows = math.ceil(n_studies / _legend_columns(width))
        legend_h = legend_rows * style.row_in(width) + 0.15
        fig_h = nrows * panel_h + legend_h + 0.3
        left = 0.1 if ncols == 2 else 0.16
        right = 1 - RIGHT_MARGIN_IN / fig_w
        return cls(style.fonts(width), ncols, nrows, fig_w, fig_h, panel_h, legend_h, left, right)

    @property
    def panel_w(self) -> float:
        """Width available to a panel's title, in inches."""
        return (self.right - self.left) * self.fig_w / self.ncols


def trajectories_plot(data: pd.DataFrame, *, width: style.Width = "double") -> Captioned:
    """Small multiples of effect (or percent change) against weeks; ``ci_lb``/``ci_ub`` add error bars."""
    require_columns(data, TRAJECTORY_COLUMNS, "trajectories: table")
    data = data.dropna(subset=["timepoint_weeks", "value"])
    if data.empty:
        raise ValueError("trajectories: no values with a known timepoint")
    has_ci = {"ci_lb", "ci_ub"} <= set(data.columns)
    panels = _panels(data)
    studies = list(dict.fromkeys(data.sort_values("study_id")["study_id"]))
    looks = _looks(studies)
    labels = data.drop_duplicates("study_id").set_index("study_id")["label"]
    page = _Layout.of(width, len(panels), len(studies))
    with style.context():
        fig = style.new_figure(page.fig_w, page.fig_h)
        grid = _panel_grid(fig, page)
        for i, (domain, comparison, kind) in enumerate(panels):
            ax = fig.add_subplot(grid[i // page.ncols, i % page.ncols])
            part = data[(data["domain"] == domain) & (data["comparison"] == comparison) & (data["value_kind"] == kind)]
            _draw_series(ax, part, looks, has_ci)
            _label_panel(ax, page, panel_title(domain, comparison, kind), kind)
        _draw_legend(fig, studies, looks, labels, width, page.font)
    return Captioned(fig, *_caption_and_alt(data, panels, studies, has_ci))


def _panel_grid(fig: Figure, page: _Layout) -> GridSpec:
    """The grid of panels, leaving room for the last x tick label on the right and the legend below."""
    return fig.add_gridspec(
        page.nrows,
        page.ncols,
        left=page.left,
        right=page.right,
        top=1 - 0.3 / page.fig_h,
        bottom=(page.legend_h + 0.35) / page.fig_h,
        hspace=0.55,
        wspace=0.28,
    )


def _panels(data: pd.DataFrame) -> list[tuple[str, str, str]]:
    """The (domain, comparison, value kind) of each panel, in domain and then comparison order."""
    order = {d: i for i, d in enumerate(SHORT_DOMAIN_LABELS)}
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


def _draw_series(ax: Axes, part: pd.DataFrame, looks: dict[str, tuple[str, str, str]], has_ci: bool) -> None:
    """One panel's zero line and a line per study series (study, instrument, subscale), with CI error bars."""
    ax.axhline(0, color=style.ZERO_LINE, linewidth=0.6, zorder=0)
    for key, series in part.groupby(["study_id", "instrument", "subscale", "comparison"], sort=True):
        series = series.sort_values("timepoint_weeks")
        colour, line, marker = looks[key[0]]
        x, y = series["timepoint_weeks"].to_numpy(float), series["value"].to_numpy(float)
        ax.plot(
            x,
            y,
            color=colour,
            linestyle=line,
            marker=marker,
            markersize=style.TRAJECTORY_MARKER_SIZE,
            gid=f"series-{key[0]}",
        )
        if has_ci:
            lb, ub = series["ci_lb"].to_numpy(float), series["ci_ub"].to_numpy(float)
            ok = np.isfinite(lb) & np.isfinite(ub)
            ax.errorbar(
                x[ok],
                y[ok],
                yerr=[y[ok] - lb[ok], ub[ok] - y[ok]],
                fmt="none",
                ecolor=colour,
                elinewidth=0.6,
                capsize=1.5,
            )


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


def _caption_and_alt(
    data: pd.DataFrame, panels: list[tuple[str, str, str]], studies: list[str], has_ci: bool
) -> tuple[str, str]:
    """The caption and alternative text: the panels, the studies, the span of weeks and of the values."""
    weeks = data["timepoint_weeks"].astype(float)
    names = "; ".join(panel_title(*p) for p in panels)
    caption = (
        f"Quality of life over time in {plural(len(studies), 'study')}: one panel per domain, comparison "
        f"and measure ({names}), "
        f"one line per study and instrument; x axis in weeks since baseline "
        f"({weeks.min():.1f} to {weeks.max():.1f} weeks)."
        + (" Error bars: 95% confidence intervals." if has_ci else "")
    )
    alt = (
        f"{plural(len(panels), 'panel')} of line charts ({names}) showing {plural(len(studies), 'study')} "
        f"followed from {weeks.min():.1f} to {weeks.max():.1f} weeks; values range from "
        f"{data['value'].min():.2f} to {data['value'].max():.2f}."
    )
    return caption, alt
