"""Quality of life over time: small multiples, one panel per domain (and value kind), one line per study
series, x in weeks since baseline. Each study keeps one colour, line style and marker across panels."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd

from qolreview.figures import style
from qolreview.figures.captions import Captioned, plural

TRAJECTORY_COLUMNS = ("study_id", "label", "domain", "instrument", "subscale", "timepoint_weeks", "value",
                      "value_kind", "comparison")


def trajectories_plot(data: pd.DataFrame, *, width: style.Width = "double") -> Captioned:
    """Small multiples of effect (or percent change) against weeks; ``ci_lb``/``ci_ub`` add error bars."""
    missing = [c for c in TRAJECTORY_COLUMNS if c not in data.columns]
    if missing:
        raise ValueError(f"trajectories: table lacks columns {missing}")
    data = data.dropna(subset=["timepoint_weeks", "value"])
    if data.empty:
        raise ValueError("trajectories: no values with a known timepoint")
    has_ci = {"ci_lb", "ci_ub"} <= set(data.columns)
    order = {d: i for i, d in enumerate(style.DOMAIN_LABELS)}
    panels = sorted(data.groupby(["domain", "value_kind"]).groups,
                    key=lambda p: (order.get(p[0], len(order)), p[0], p[1]))
    studies = list(dict.fromkeys(data.sort_values("study_id")["study_id"]))
    looks = {s: (style.OKABE_ITO[i % len(style.OKABE_ITO)], style.LINESTYLES[i // len(style.OKABE_ITO) % 4],
                 style.TRAJECTORY_MARKERS[i % len(style.TRAJECTORY_MARKERS)]) for i, s in enumerate(studies)}
    labels = data.drop_duplicates("study_id").set_index("study_id")["label"]
    font = style.fonts(width)
    ncols = 1 if width == "single" or len(panels) == 1 else 2
    nrows = math.ceil(len(panels) / ncols)
    fig_w = style.width_in(width)
    panel_h = fig_w / ncols * 0.62
    legend_rows = math.ceil(len(studies) / (2 if width == "single" else 3))
    legend_h = legend_rows * style.row_in(width) + 0.15
    fig_h = nrows * panel_h + legend_h + 0.3
    with style.context():
        fig = style.new_figure(fig_w, fig_h)
        grid = fig.add_gridspec(nrows, ncols, left=0.1 if ncols == 2 else 0.16, right=0.98, top=1 - 0.3 / fig_h,
                                bottom=(legend_h + 0.35) / fig_h, hspace=0.55, wspace=0.28)
        for i, (domain, kind) in enumerate(panels):
            ax = fig.add_subplot(grid[i // ncols, i % ncols])
            part = data[(data["domain"] == domain) & (data["value_kind"] == kind)]
            ax.axhline(0, color=style.ZERO_LINE, linewidth=0.6, zorder=0)
            for key, series in part.groupby(["study_id", "instrument", "subscale", "comparison"], sort=True):
                series = series.sort_values("timepoint_weeks")
                colour, line, marker = looks[key[0]]
                x, y = series["timepoint_weeks"].to_numpy(float), series["value"].to_numpy(float)
                ax.plot(x, y, color=colour, linestyle=line, marker=marker, markersize=style.TRAJECTORY_MARKER_SIZE,
                        gid=f"series-{key[0]}")
                if has_ci:
                    lb, ub = series["ci_lb"].to_numpy(float), series["ci_ub"].to_numpy(float)
                    ok = np.isfinite(lb) & np.isfinite(ub)
                    ax.errorbar(x[ok], y[ok], yerr=[y[ok] - lb[ok], ub[ok] - y[ok]], fmt="none", ecolor=colour,
                                elinewidth=0.6, capsize=1.5)
            title = style.DOMAIN_LABELS.get(domain, domain)
            ax.set_title(title, fontsize=font.base, fontweight="bold", loc="left", gid="panel-title")
            ax.set_xlabel("Weeks since baseline", fontsize=font.small)
            ylabel = style.VALUE_KIND_LABELS.get(kind, kind)
            ax.set_ylabel("\n".join(textwrap.wrap(ylabel, 24)), fontsize=font.small)
            ax.tick_params(labelsize=font.small)
            ax.set_xlim(left=0)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        handles = [fig.axes[0].plot([], [], color=looks[s][0], linestyle=looks[s][1], marker=looks[s][2],
                                    markersize=style.TRAJECTORY_MARKER_SIZE)[0] for s in studies]
        fig.legend(handles, [str(labels[s]) for s in studies], loc="lower center", ncol=2 if width == "single" else 3,
                   fontsize=font.small, frameon=False, bbox_to_anchor=(0.5, 0.0))
    weeks = data["timepoint_weeks"].astype(float)
    names = ", ".join(style.DOMAIN_LABELS.get(d, d) for d, _ in panels)
    caption = (f"Quality of life over time in {plural(len(studies), 'study')}: one panel per domain ({names}), "
               f"one line per study and instrument; x axis in weeks since baseline "
               f"({weeks.min():.1f} to {weeks.max():.1f} weeks)."
               + (" Error bars: 95% confidence intervals." if has_ci else ""))
    alt = (f"{plural(len(panels), 'panel')} of line charts ({names}) showing {plural(len(studies), 'study')} "
           f"followed from {weeks.min():.1f} to {weeks.max():.1f} weeks; values range from "
           f"{data['value'].min():.2f} to {data['value'].max():.2f}.")
    return Captioned(fig, caption, alt)
