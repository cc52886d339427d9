"""Evidence map: which study reported which instrument, and in what form (an effect size could be
computed, a direction only, or a result that could not be converted). Studies in rows, instruments in
columns grouped by domain; one glyph per cell, the most informative status when a cell has several.

Column and group widths are set from the measured header text: a domain header wraps to the width of its
group, and a group is widened to its header's longest word when the figure width allows; otherwise the
instrument headers, and any domain header that still does not fit, are rotated 90 degrees."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from qolreview.figures import layout, style
from qolreview.figures.captions import Captioned, require_columns
from qolreview.formatting import plural
from qolreview.labels import SHORT_DOMAIN_LABELS

MAP_COLUMNS = ("study_id", "label", "instrument", "domain", "status")
MAP_LABEL_FRACTION = {"single": 0.24, "double": 0.24}
"""Share of the figure width for the study labels."""
HEADER_GAP_IN = 0.06
"""Clear space between neighbouring header texts."""
MIN_COLUMN_IN = 0.16
MAX_COLUMN_IN = 0.75
HEADER_PAD_IN = 0.05


@dataclass
class _Group:
    domain: str
    title: str
    instruments: list[str]
    width: float = 0.0
    lines: tuple[str, ...] = ()
    rotated: bool = False


def _glyph(ax, x: float, y: float, status: str, size: float, gid: str | None = None) -> None:
    """One status glyph: filled, open or a cross, as defined in ``style.EVIDENCE_GLYPHS``."""
    glyph = style.EVIDENCE_GLYPHS[status]
    colours = (
        {"color": glyph["colour"]}
        if glyph["filled"] or glyph["marker"] == "x"
        else {"facecolors": "none", "edgecolors": glyph["colour"]}
    )
    ax.scatter([x], [y], s=size, marker=glyph["marker"], linewidths=0.9, gid=gid or f"status-{status}", **colours)


def _widest_word(text: str, size: float, bold: bool) -> float:
    return max(layout.line_width_in(w, size, bold) for w in text.split())


def _layout_columns(groups: list[_Group], available: float, size: float) -> tuple[dict[str, float], bool]:
    """Set each group's width and header lines; returns column widths by instrument key and whether the
    instrument headers are rotated."""
    natural = {
        g.domain: [max(MIN_COLUMN_IN, _widest_word(i, size, False) + HEADER_GAP_IN) for i in g.instruments]
        for g in groups
    }
    need = [max(sum(natural[g.domain]), _widest_word(g.title, size, True) + HEADER_GAP_IN) for g in groups]
    rotated = sum(need) > available
    if rotated:
        n_cols = sum(len(g.instruments) for g in groups)
        col = min(MAX_COLUMN_IN, available / n_cols)
        cols = {g.domain: [col] * len(g.instruments) for g in groups}
    else:
        scale = min(available / sum(need), MAX_COLUMN_IN / max(max(v) for v in natural.values()))
        cols = {}
        for g, total in zip(groups, need, strict=True):
            share = np.asarray(natural[g.domain]) / sum(natural[g.domain])
            cols[g.domain] = list(share * total * max(1.0, scale))
    widths = {}
    for g in groups:
        g.width = sum(cols[g.domain])
        g.lines = tuple(layout.wrap(g.title, g.width - HEADER_GAP_IN, size, bold=True))
        g.rotated = not layout.fits(list(g.lines), g.width - HEADER_GAP_IN, size, bold=True)
        if g.rotated:
            g.lines = (g.title,)
        widths.update({f"{g.domain}\x1f{i}": w for i, w in zip(g.instruments, cols[g.domain], strict=True)})
    return widths, rotated


def evidence_map(data: pd.DataFrame, *, width: style.Width = "double") -> Captioned:
    """Draw the studies x instruments matrix with a glyph per status and a legend."""
    require_columns(data, MAP_COLUMNS, "evidence map: table")
    unknown = set(data["status"]) - set(style.EVIDENCE_STATUS_ORDER)
    if unknown:
        raise ValueError(f"evidence map: unknown statuses {sorted(unknown)}")
    rank = {s: i for i, s in enumerate(style.EVIDENCE_STATUS_ORDER)}
    best = (
        data.assign(rank=data["status"].map(rank))
        .sort_values(["rank", "study_id"])
        .drop_duplicates(["study_id", "domain", "instrument"])
    )
    order = {d: i for i, d in enumerate(SHORT_DOMAIN_LABELS)}
    columns = sorted(
        best[["domain", "instrument"]].drop_duplicates().itertuples(index=False),
        key=lambda c: (order.get(c.domain, len(order)), c.domain, c.instrument),
    )
    groups: list[_Group] = []
    for c in columns:
        if not groups or groups[-1].domain != c.domain:
            groups.append(_Group(c.domain, SHORT_DOMAIN_LABELS.get(c.domain, c.domain), []))
        groups[-1].instruments.append(c.instrument)
    studies = best.drop_duplicates("study_id").sort_values("label")[["study_id", "label"]]

    font = style.fonts(width)
    fig_w = style.width_in(width)
    margin = style.MARGIN_IN
    label_w = MAP_LABEL_FRACTION[width] * fig_w
    x0 = margin + label_w
    col_w, rotated = _layout_columns(groups, fig_w - x0 - margin, font.small)
    heads = {
        key: ([key.split("\x1f")[1]] if rotated else layout.wrap(key.split("\x1f")[1], w - HEADER_GAP_IN, font.small))
        for key, w in col_w.items()
    }
    head_h = max(
        layout.text_width_in(h, font.small) if rotated else layout.height_in(len(h), font.small) for h in heads.values()
    )
    domain_h = max(
        layout.text_width_in(list(g.lines), font.small, True)
        if g.rotated
        else layout.height_in(len(g.lines), font.small)
        for g in groups
    )
    row_pitch = style.row_in(width) * 1.3
    labels = [layout.wrap(str(s), label_w - HEADER_GAP_IN, font.base) for s in studies["label"]]
    heights = [max(row_pitch, layout.height_in(len(lab), font.base) + 0.04) for lab in labels]
    rule_y = margin + domain_h + HEADER_PAD_IN
    tops = np.concatenate([[rule_y + head_h + 2 * HEADER_PAD_IN], np.cumsum(heights)])
    tops[1:] += tops[0]
    legend_items = [(s, style.EVIDENCE_GLYPHS[s]["label"]) for s in style.EVIDENCE_STATUS_ORDER]
    glyph_w, item_gap = 0.14, 0.2
    legend_rows: list[list[tuple[float, str, str]]] = [[]]
    x = margin
    for status, text in legend_items:
        item_w = glyph_w + layout.line_width_in(text, font.small)
        if legend_rows[-1] and x + item_w > fig_w - margin:
            legend_rows.append([])
            x = margin
        legend_rows[-1].append((x, status, text))
        x += item_w + item_gap
    legend_top = tops[-1] + 0.12
    fig_h = legend_top + len(legend_rows) * row_pitch + margin

    with style.context():
        fig, ax = style.inch_canvas(fig_w, fig_h)
        xs: dict[str, float] = {}
        left = x0
        for g in groups:
            ax.text(
                left + g.width / 2,
                rule_y - HEADER_PAD_IN,
                "\n".join(g.lines),
                ha="center",
                va="bottom",
                rotation=90 if g.rotated else 0,
                fontsize=font.small,
                fontweight="bold",
                gid="domain-header",
            )
            ax.plot(
                [left + HEADER_GAP_IN / 2, left + g.width - HEADER_GAP_IN / 2],
                [rule_y, rule_y],
                color=style.INK,
                linewidth=0.6,
                gid="domain-rule",
            )
            for instrument in g.instruments:
                key = f"{g.domain}\x1f{instrument}"
                xs[key] = left + col_w[key] / 2
                left += col_w[key]
        for key, head in heads.items():
            ax.text(
                xs[key],
                tops[0] - HEADER_PAD_IN,
                "\n".join(head),
                ha="center",
                va="bottom",
                rotation=90 if rotated else 0,
                fontsize=font.small,
                gid="instrument-header",
            )
        for i, study in enumerate(studies.itertuples(index=False)):
            y = (tops[i] + tops[i + 1]) / 2
            if i % 2:
                ax.axhspan(tops[i], tops[i + 1], color=style.SUBTLE_FILL, zorder=0, linewidth=0)
            ax.text(margin, y, "\n".join(labels[i]), ha="left", va="center", fontsize=font.base, gid="row-label")
            for cell in best[best["study_id"] == study.study_id].itertuples(index=False):
                _glyph(ax, xs[f"{cell.domain}\x1f{cell.instrument}"], y, cell.status, style.EVIDENCE_MARKER_PT2)
        for r, items in enumerate(legend_rows):
            y = legend_top + (r + 0.5) * row_pitch
            for x, status, text in items:
                _glyph(ax, x + glyph_w / 3, y, status, style.EVIDENCE_MARKER_PT2 * 0.7, gid="legend-glyph")
                ax.text(x + glyph_w, y, text, ha="left", va="center", fontsize=font.small, gid="legend")
    counts = best["status"].value_counts()
    summary = "; ".join(
        f"{style.EVIDENCE_GLYPHS[s]['label'].lower()} {int(counts.get(s, 0))}" for s in style.EVIDENCE_STATUS_ORDER
    )
    caption = (
        f"Evidence map of {plural(len(studies), 'study')} and {plural(len(columns), 'instrument')} grouped by "
        f"domain. Cells by the most informative form of the result: {summary}."
    )
    alt = (
        f"Matrix with {len(studies)} studies in rows and {len(columns)} instrument columns grouped into "
        f"{best['domain'].nunique()} domains. {summary.capitalize()}."
    )
    return Captioned(fig, caption, alt)
