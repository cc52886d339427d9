"""Evidence map: which study reported which instrument, and in what form (an effect size could be
computed, a direction only, or a result that could not be converted). Studies in rows, instruments in
columns grouped by domain; one glyph per cell, the most informative status when a cell has several."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from qolreview.figures import style
from qolreview.figures.captions import Captioned, plural

MAP_COLUMNS = ("study_id", "label", "instrument", "domain", "status")


def _glyph(ax, x: float, y: float, status: str, size: float, gid: str | None = None) -> None:
    """One status glyph: filled, open or a cross, as defined in ``style.EVIDENCE_GLYPHS``."""
    glyph = style.EVIDENCE_GLYPHS[status]
    colours = ({"color": glyph["colour"]} if glyph["filled"] or glyph["marker"] == "x"
               else {"facecolors": "none", "edgecolors": glyph["colour"]})
    ax.scatter([x], [y], s=size, marker=glyph["marker"], linewidths=0.9, gid=gid or f"status-{status}", **colours)


def evidence_map(data: pd.DataFrame, *, width: style.Width = "double") -> Captioned:
    """Draw the studies x instruments matrix with a glyph per status and a legend."""
    missing = [c for c in MAP_COLUMNS if c not in data.columns]
    if missing:
        raise ValueError(f"evidence map: table lacks columns {missing}")
    unknown = set(data["status"]) - set(style.EVIDENCE_STATUS_ORDER)
    if unknown:
        raise ValueError(f"evidence map: unknown statuses {sorted(unknown)}")
    rank = {s: i for i, s in enumerate(style.EVIDENCE_STATUS_ORDER)}
    best = (data.assign(rank=data["status"].map(rank)).sort_values(["rank", "study_id"])
            .drop_duplicates(["study_id", "domain", "instrument"]))
    order = {d: i for i, d in enumerate(style.DOMAIN_LABELS)}
    columns = sorted(best[["domain", "instrument"]].drop_duplicates().itertuples(index=False),
                     key=lambda c: (order.get(c.domain, len(order)), c.domain, c.instrument))
    studies = best.drop_duplicates("study_id").sort_values("label")[["study_id", "label"]]
    font = style.fonts(width)
    fig_w = style.width_in(width)
    row_h = style.row_in(width) * 1.3
    label_frac = 0.28
    col_frac = min(0.1, (1 - label_frac - 0.02) / len(columns))
    label_chars = style.chars_fitting(label_frac * fig_w - style.MARGIN_IN, font.base)
    head_chars = style.chars_fitting(col_frac * fig_w, font.small)
    labels = [textwrap.wrap(str(s), label_chars, break_long_words=False) or [""] for s in studies["label"]]
    heads = [textwrap.wrap(c.instrument, head_chars, break_long_words=False) for c in columns]
    head_units = 1.2 + 0.8 * max(len(h) for h in heads)
    tops = np.concatenate([[head_units], head_units + np.cumsum([max(1.0, 0.75 * len(x)) for x in labels])])
    units = tops[-1] + 2.2
    fig_h = units * row_h + 2 * style.MARGIN_IN
    with style.context():
        fig = style.new_figure(fig_w, fig_h)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(units, -style.MARGIN_IN / row_h)
        xs = {(c.domain, c.instrument): label_frac + col_frac * (i + 0.5) for i, c in enumerate(columns)}
        for domain in dict.fromkeys(c.domain for c in columns):
            members = [x for (d, _), x in xs.items() if d == domain]
            ax.text(np.mean(members), 0.4, style.DOMAIN_LABELS.get(domain, domain), ha="center", va="center",
                    fontsize=font.small, fontweight="bold", gid="domain-header")
            ax.plot([min(members) - col_frac * 0.45, max(members) + col_frac * 0.45], [0.9, 0.9],
                    color=style.INK, linewidth=0.6)
        for c, head in zip(columns, heads):
            ax.text(xs[(c.domain, c.instrument)], head_units - 0.2, "\n".join(head), ha="center", va="bottom",
                    fontsize=font.small, gid="instrument-header")
        x_label = style.MARGIN_IN / fig_w
        for i, study in enumerate(studies.itertuples(index=False)):
            y = (tops[i] + tops[i + 1]) / 2
            if i % 2:
                ax.axhspan(tops[i], tops[i + 1], color=style.SUBTLE_FILL, zorder=0, linewidth=0)
            ax.text(x_label, y, "\n".join(labels[i]), ha="left", va="center", fontsize=font.base, gid="row-label")
            for cell in best[best["study_id"] == study.study_id].itertuples(index=False):
                _glyph(ax, xs[(cell.domain, cell.instrument)], y, cell.status, style.EVIDENCE_MARKER_PT2)
        y = tops[-1] + 1.1
        x = x_label
        for status in style.EVIDENCE_STATUS_ORDER:
            _glyph(ax, x + 0.01, y, status, style.EVIDENCE_MARKER_PT2 * 0.7, gid="legend-glyph")
            ax.text(x + 0.03, y, style.EVIDENCE_GLYPHS[status]["label"], ha="left", va="center", fontsize=font.small, gid="legend")
            x += 1.6 / fig_w
    counts = best["status"].value_counts()
    summary = "; ".join(f"{style.EVIDENCE_GLYPHS[s]['label'].lower()} {int(counts.get(s, 0))}"
                        for s in style.EVIDENCE_STATUS_ORDER)
    caption = (f"Evidence map of {plural(len(studies), 'study')} and {plural(len(columns), 'instrument')} grouped by "
               f"domain. Cells by the most informative form of the result: {summary}.")
    alt = (f"Matrix with {len(studies)} studies in rows and {len(columns)} instrument columns grouped into "
           f"{best['domain'].nunique()} domains. {summary.capitalize()}.")
    return Captioned(fig, caption, alt)
