"""Quality of life over time: small multiples, one panel per domain, comparison and measure (titled
"Overall QoL: between arms, SMD"), one line per study series, x in weeks since baseline. Each study
keeps one colour, line style and marker across panels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

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


def trajectories_plot(data: pd.DataFrame, *, width: style.Width = "double") -> Captioned:
    """Small multiples of effect (or percent change) against weeks; ``ci_lb``/``ci_ub`` add error bars."""
    require_columns(data, TRAJECTORY_COLUMNS, "trajectories: table")
    data = data.dropna(subset=["timepoint_weeks", "value"])
    if data.empty:
        raise ValueError("trajectories: no values with a known timepoint")
    has_ci = {"ci_lb", "ci_ub"} <= set(data.columns)
    order = {d: i for i, d in enumerate(SHORT_DOMAIN_LABELS)}
    comparisons = {c: i for i, c in enumerate(COMPARISON_LABELS)}
    panels = sorted(
        data.groupby(["domain", "comparison", "value_kind"]).groups,
        key=lambda p: (order.get(p[0], len(order)), p[0], comparisons.get(p[1], len(comparisons)), p[1], p[2]),
    )
    studies = list(dict.fromkeys(data.sort_values("study_id")["study_id"]))
    looks = {
        s: (
            style.OKABE_ITO[i % len(style.OKABE_ITO)],
            style.LINESTYLES[i // len(style.OKABE_ITO) % 4],
            style.TRAJECTORY_MARKERS[i % len(style.TRAJECTORY_MARKERS)],
        )
        for i, s in enumerate(studies)
    }
    labels = data.drop_duplicates("study_id").set_index("study_id")["label"]
    font = style.fonts(width)
    ncols = 1 if width == "single" or len(panels) == 1 else 2
    nrows = math.ceil(len(panels) / ncols)
    fig_w = style.width_in(width)
    panel_h = fig_w / ncols * 0.62
    legend_rows = math.ceil(len(studies) / (2 if width == "single" else 3))
    legend_h = legend_rows * style.row_in(width) + 0.15
    fig_h = nrows * panel_h + legend_h + 0.3
    right = 1 - RIGHT_MARGIN_IN / fig_w
    with style.context():
        fig = style.new_figure(fig_w, fig_h)
        grid = fig.add_gridspec(
            nrows,
            ncols,
            left=0.1 if ncols == 2 else 0.16,
            right=right,
            top=1 - 0.3 / fig_h,
            bottom=(legend_h + 0.35) / fig_h,
            hspace=0.55,
            wspace=0.28,
        )
        panel_w = (right - (0.1 if ncols == 2 else 0.16)) * fig_w / ncols
        for i, (domain, comparison, kind) in enumerate(panels):
            ax = fig.add_subplot(grid[i // ncols, i % ncols])
            part = data[(data["domain"] == domain) & (data["comparison"] == comparison) & (data["value_kind"] == kind)]
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
            title = panel_title(domain, comparison, kind)
            ax.set_title(
                "\n".join(layout.wrap(title, panel_w, font.base, bold=True)),
                fontsize=font.base,
                fontweight="bold",
                loc="left",
                gid="panel-title",
            )
            ax.set_xlabel("Weeks since baseline", fontsize=font.small)
            ylabel = style.VALUE_KIND_LABELS.get(kind, kind)
            ax.set_ylabel("\n".join(layout.wrap(ylabel, 0.55 * panel_h, font.small)), fontsize=font.small)
            ax.tick_params(labelsize=font.small)
            ax.set_xlim(left=0)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
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
            ncol=2 if width == "single" else 3,
            fontsize=font.small,
            frameon=False,
            bbox_to_anchor=(0.5, 0.0),
        )
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
    return Captioned(fig, caption, alt)
