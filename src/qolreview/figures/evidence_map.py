"""Evidence map: which study reported which instrument, and in what form (an effect size could be
computed, a direction only, or a result that could not be converted). Studies in rows, instruments in
columns grouped by domain; one glyph per cell, the most informative status when a cell has several.

Column and group widths are set from the measured header text: a domain header wraps to the width of its
group, and a group is widened to its header's longest word when the figure width allows; otherwise the
instrument headers, and any domain header that still does not fit, are rotated 90 degrees."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from qolreview.figures import layout, style
from qolreview.figures.captions import Captioned, require_columns
from qolreview.formatting import plural

MAP_COLUMNS = ("study_id", "label", "instrument", "domain", "status")
MAP_LABEL_FRACTION = {"single": 0.24, "double": 0.24}
"""Share of the figure width for the study labels."""
HEADER_GAP_IN = 0.06
"""Clear space between neighbouring header texts."""
MIN_COLUMN_IN = 0.16
MAX_COLUMN_IN = 0.75
HEADER_PAD_IN = 0.05
LEGEND_GLYPH_IN = 0.14
"""Width of a legend item's glyph, including the space before its label."""
LEGEND_GAP_IN = 0.2
"""Clear space between neighbouring legend items."""


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


@dataclass(frozen=True)
class _Layout:
    """Sizes and positions in inches from the top-left corner: header bands, columns, study rows and legend."""

    font: style.Fonts
    fig_w: float
    fig_h: float
    rotated: bool
    """Whether the instrument headers are turned 90 degrees."""
    heads: dict[str, list[str]]
    """Instrument header lines by column key (``domain\\x1finstrument``)."""
    group_left: list[float]
    """Left edge of each domain group."""
    xs: dict[str, float]
    """Centre of each instrument column, by column key."""
    rule_y: float
    """The rules under the domain headers."""
    labels: list[list[str]]
    tops: np.ndarray
    """Top of each study row, then the bottom of the last."""
    row_pitch: float
    legend: list[list[tuple[float, str, str]]]
    """Legend rows of (x, status, text)."""
    legend_top: float


def evidence_map(data: pd.DataFrame, *, domain_names: Mapping[str, str], width: style.Width = "double") -> Captioned:
    """Draw the studies x instruments matrix with a glyph per status and a legend; the instrument columns are
    grouped under ``domain_names`` (the review's domains -> their short names, in display order)."""
    require_columns(data, MAP_COLUMNS, "evidence map: table")
    unknown = set(data["status"]) - set(style.EVIDENCE_STATUS_ORDER)
    if unknown:
        raise ValueError(f"evidence map: unknown statuses {sorted(unknown)}")
    best = _best_cells(data)
    groups = _column_groups(best, domain_names)
    studies = best.drop_duplicates("study_id").sort_values("label")[["study_id", "label"]]
    page = _measure(groups, studies, width)

    with style.context():
        fig, ax = style.inch_canvas(page.fig_w, page.fig_h)
        _draw_domain_headers(ax, page, groups)
        _draw_instrument_headers(ax, page)
        _draw_rows(ax, page, studies, best)
        _draw_legend(ax, page)
    return Captioned(fig, *_caption_and_alt(best, len(studies), groups))


def _best_cells(data: pd.DataFrame) -> pd.DataFrame:
    """One row per study, domain and instrument: the most informative status (``style.EVIDENCE_STATUS_ORDER``)."""
    rank = {s: i for i, s in enumerate(style.EVIDENCE_STATUS_ORDER)}
    return (
        data.assign(rank=data["status"].map(rank))
        .sort_values(["rank", "study_id"])
        .drop_duplicates(["study_id", "domain", "instrument"])
    )


def _column_groups(best: pd.DataFrame, domain_names: Mapping[str, str]) -> list[_Group]:
    """The instrument columns grouped by domain, domains in the order of ``domain_names``."""
    order = {d: i for i, d in enumerate(domain_names)}
    columns = sorted(
        best[["domain", "instrument"]].drop_duplicates().itertuples(index=False),
        key=lambda c: (order.get(c.domain, len(order)), c.domain, c.instrument),
    )
    groups: list[_Group] = []
    for c in columns:
        if not groups or groups[-1].domain != c.domain:
            groups.append(_Group(c.domain, domain_names.get(c.domain, c.domain), []))
        groups[-1].instruments.append(c.instrument)
    return groups


def _measure(groups: list[_Group], studies: pd.DataFrame, width: style.Width) -> _Layout:
    """Lay out the page: column widths and headers, then the study rows and the legend below them."""
    font = style.fonts(width)
    fig_w = style.width_in(width)
    margin = style.MARGIN_IN
    label_w = MAP_LABEL_FRACTION[width] * fig_w
    x0 = margin + label_w
    col_w, rotated = _layout_columns(groups, fig_w - x0 - margin, font.small)
    heads, head_h, domain_h = _header_lines(groups, col_w, rotated, font.small)
    group_left, xs = _column_positions(groups, col_w, x0)
    row_pitch = style.row_in(width) * 1.3
    labels = [layout.wrap(str(s), label_w - HEADER_GAP_IN, font.base) for s in studies["label"]]
    heights = [max(row_pitch, layout.height_in(len(lab), font.base) + 0.04) for lab in labels]
    rule_y = margin + domain_h + HEADER_PAD_IN
    tops = np.concatenate([[rule_y + head_h + 2 * HEADER_PAD_IN], np.cumsum(heights)])
    tops[1:] += tops[0]
    legend = _legend_rows(fig_w, font.small)
    legend_top = tops[-1] + 0.12
    fig_h = legend_top + len(legend) * row_pitch + margin
    return _Layout(
        font, fig_w, fig_h, rotated, heads, group_left, xs, rule_y, labels, tops, row_pitch, legend, legend_top
    )


def _header_lines(
    groups: list[_Group], col_w: dict[str, float], rotated: bool, size: float
) -> tuple[dict[str, list[str]], float, float]:
    """The instrument header lines (wrapped to their column unless rotated) and the heights (inches) of the
    instrument and domain header bands."""
    heads = {
        key: ([key.split("\x1f")[1]] if rotated else layout.wrap(key.split("\x1f")[1], w - HEADER_GAP_IN, size))
        for key, w in col_w.items()
    }
    head_h = max(layout.text_width_in(h, size) if rotated else layout.height_in(len(h), size) for h in heads.values())
    domain_h = max(
        layout.text_width_in(list(g.lines), size, True) if g.rotated else layout.height_in(len(g.lines), size)
        for g in groups
    )
    return heads, head_h, domain_h


def _column_positions(groups: list[_Group], col_w: dict[str, float], x0: float) -> tuple[list[float], dict[str, float]]:
    """The left edge of each domain group and the centre of each instrument column, left to right from ``x0``."""
    group_left: list[float] = []
    xs: dict[str, float] = {}
    left = x0
    for g in groups:
        group_left.append(left)
        for instrument in g.instruments:
            key = f"{g.domain}\x1f{instrument}"
            xs[key] = left + col_w[key] / 2
            left += col_w[key]
    return group_left, xs


def _legend_rows(fig_w: float, size: float) -> list[list[tuple[float, str, str]]]:
    """Legend items (glyph and label) placed left to right, a new row when the next would pass the margin."""
    rows: list[list[tuple[float, str, str]]] = [[]]
    x = style.MARGIN_IN
    for status in style.EVIDENCE_STATUS_ORDER:
        text = style.EVIDENCE_GLYPHS[status]["label"]
        item_w = LEGEND_GLYPH_IN + layout.line_width_in(text, size)
        if rows[-1] and x + item_w > fig_w - style.MARGIN_IN:
            rows.append([])
            x = style.MARGIN_IN
        rows[-1].append((x, status, text))
        x += item_w + LEGEND_GAP_IN
    return rows


def _draw_domain_headers(ax: Axes, page: _Layout, groups: list[_Group]) -> None:
    """Each domain's bold header centred over its group, with a rule under it spanning the group."""
    for g, left in zip(groups, page.group_left, strict=True):
        ax.text(
            left + g.width / 2,
            page.rule_y - HEADER_PAD_IN,
            "\n".join(g.lines),
            ha="center",
            va="bottom",
            rotation=90 if g.rotated else 0,
            fontsize=page.font.small,
            fontweight="bold",
            gid="domain-header",
        )
        ax.plot(
            [left + HEADER_GAP_IN / 2, left + g.width - HEADER_GAP_IN / 2],
            [page.rule_y, page.rule_y],
            color=style.INK,
            linewidth=0.6,
            gid="domain-rule",
        )


def _draw_instrument_headers(ax: Axes, page: _Layout) -> None:
    """Each instrument's header centred over its column, just above the first row."""
    for key, head in page.heads.items():
        ax.text(
            page.xs[key],
            page.tops[0] - HEADER_PAD_IN,
            "\n".join(head),
            ha="center",
            va="bottom",
            rotation=90 if page.rotated else 0,
            fontsize=page.font.small,
            gid="instrument-header",
        )


def _draw_rows(ax: Axes, page: _Layout, studies: pd.DataFrame, best: pd.DataFrame) -> None:
    """One row per study on alternating shading: its label and a glyph in each cell it reported."""
    tops = page.tops
    cells_of: dict[object, list[Any]] = defaultdict(list)
    for cell in best.itertuples(index=False):  # one pass, in the table's order: a filter per row is quadratic
        cells_of[cell.study_id].append(cell)
    for i, study in enumerate(studies.itertuples(index=False)):
        y = (tops[i] + tops[i + 1]) / 2
        if i % 2:
            ax.axhspan(tops[i], tops[i + 1], color=style.SUBTLE_FILL, zorder=0, linewidth=0)
        ax.text(
            style.MARGIN_IN,
            y,
            "\n".join(page.labels[i]),
            ha="left",
            va="center",
            fontsize=page.font.base,
            gid="row-label",
        )
        for cell in cells_of[study.study_id]:
            _glyph(ax, page.xs[f"{cell.domain}\x1f{cell.instrument}"], y, cell.status, style.EVIDENCE_MARKER_PT2)


def _draw_legend(ax: Axes, page: _Layout) -> None:
    """The legend: a smaller glyph and the label of each status."""
    for r, items in enumerate(page.legend):
        y = page.legend_top + (r + 0.5) * page.row_pitch
        for x, status, text in items:
            _glyph(ax, x + LEGEND_GLYPH_IN / 3, y, status, style.EVIDENCE_MARKER_PT2 * 0.7, gid="legend-glyph")
            ax.text(x + LEGEND_GLYPH_IN, y, text, ha="left", va="center", fontsize=page.font.small, gid="legend")


def _caption_and_alt(best: pd.DataFrame, n_studies: int, groups: list[_Group]) -> tuple[str, str]:
    """The caption and alternative text: the size of the matrix and the number of cells of each status."""
    n_columns = sum(len(g.instruments) for g in groups)
    counts = best["status"].value_counts()
    summary = "; ".join(
        f"{style.EVIDENCE_GLYPHS[s]['label'].lower()} {int(counts.get(s, 0))}" for s in style.EVIDENCE_STATUS_ORDER
    )
    caption = (
        f"Evidence map of {plural(n_studies, 'study')} and {plural(n_columns, 'instrument')} grouped by "
        f"domain. Cells by the most informative form of the result: {summary}."
    )
    alt = (
        f"Matrix with {plural(n_studies, 'study')} in rows and {plural(n_columns, 'instrument column')} grouped "
        f"into {plural(best['domain'].nunique(), 'domain')}. {summary.capitalize()}."
    )
    return caption, alt
