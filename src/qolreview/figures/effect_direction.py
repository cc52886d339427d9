"""Effect direction plot (Thomson & Thomas 2013 :cite:`thomson2013`; Boon & Thomson 2021 :cite:`boon2021`)
with a vote-count summary row (Cochrane Handbook 12.2.2.5 :cite:`cochrane2023`).

A row per study, a column per outcome domain. Arrows: up = positive health impact (improved), down =
negative health impact (worsened), sideways = no clear difference, mixed or conflicting findings. The arrows
follow the rule of the vote counts below them: the direction of the point estimates, with the 70% rule for a
study's several results in a domain. The confidence intervals are a separate, labelled layer: an arrow is
boxed when the CIs of at least 70% of its results exclude no effect (``ci_direction``). Arrow size encodes the
sample size (large > 300, medium 50-300, small < 50) and colour the study's overall risk of bias (black, with
its own legend entry, when not assessed). A mark after the arrow says when there was no CI or the direction
was reported in words.
"""

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
from qolreview.formatting import figure_p, figure_p_statement, finite, is_missing, plural, whole_count
from qolreview.labels import COMPARISON_LABELS
from qolreview.tables import IMPROVED, WORSENED, EffectDirection, VoteCounts

DIRECTION_COLUMNS = (
    EffectDirection.study_id,
    EffectDirection.label,
    EffectDirection.domain,
    EffectDirection.direction,
    EffectDirection.basis,
    EffectDirection.n,
    EffectDirection.rob_overall,
)
LABEL_FRACTION = {"single": 0.24, "double": 0.26}
"""Share of the figure width for the study labels."""
GAP_IN = 0.06
PAD_IN = 0.05
LEGEND_LINESPACING = 1.35
SUMMARY_LABEL = ("Improved / with direction", "% improved", "(95% CI)", "Sign test p")
"""Row labels of the vote-count summary, one per line of a summary cell."""
VOTE_COLUMNS = (
    VoteCounts.domain,
    VoteCounts.n_studies,
    VoteCounts.n_improved,
    VoteCounts.n_worsened,
    VoteCounts.n_no_clear,
    VoteCounts.proportion_improved,
    VoteCounts.ci_lb,
    VoteCounts.ci_ub,
    VoteCounts.sign_test_p,
)


def size_bin(n: object) -> str:
    """EDP sample-size bin of a study: large (> 300), medium (50-300), small (< 50) or unknown."""
    if is_missing(n):
        return "unknown"
    n = int(n)  # type: ignore[call-overload]
    return "large" if n > style.EDP_LARGE_ABOVE else "medium" if n >= style.EDP_MEDIUM_FROM else "small"


def ci_clear(entry: Mapping[str, object]) -> bool:
    """Whether an arrow is boxed: every result has a CI (``basis`` "ci") and the CI-based direction
    (``ci_direction``, when given) is the arrow's, improved or worsened, i.e. the CIs of at least 70% of the
    study's results in the domain exclude no effect."""
    ci = entry.get("ci_direction")
    return entry["basis"] == "ci" and ci in (IMPROVED, WORSENED) and ci == entry["direction"]


def _domains(directions: pd.DataFrame, votes: pd.DataFrame, domain_names: Mapping[str, str]) -> list[str]:
    """The domains present, in the order of ``domain_names``; domains it does not name last."""
    present = list(dict.fromkeys([*directions["domain"], *votes["domain"]]))
    known = [d for d in domain_names if d in present]
    return known + [d for d in present if d not in known]


@dataclass(frozen=True)
class _Columns:
    """Sizes of a width preset and the columns, in inches: study labels, N, then one column per domain."""

    font: style.Fonts
    fig_w: float
    row_h: float
    label_w: float
    dom_w: float
    x_n: float
    """Right edge of the N column, which is also the left edge of the first domain column."""
    x_dom: dict[str, float]
    """Centre of each domain column."""

    @classmethod
    def of(cls, width: style.Width, domains: list[str]) -> _Columns:
        """The label column takes ``LABEL_FRACTION`` of the width, N its widest count; domains share the rest."""
        font = style.fonts(width)
        fig_w = style.width_in(width)
        margin = style.MARGIN_IN
        label_w, n_w = LABEL_FRACTION[width] * fig_w, layout.line_width_in("0000", font.base) + GAP_IN
        dom_w = (fig_w - 2 * margin - label_w - n_w) / max(1, len(domains))
        x_n = margin + label_w + n_w
        x_dom = {d: x_n + dom_w * (i + 0.5) for i, d in enumerate(domains)}
        return cls(font, fig_w, style.row_in(width), label_w, dom_w, x_n, x_dom)


@dataclass(frozen=True)
class _Layout:
    """Everything placed on the page: header, study rows, vote-count summary and legend (inches from the top)."""

    cols: _Columns
    heads: list[list[str]]
    rotated: bool
    rule_y: float
    labels: list[list[str]]
    tops: np.ndarray
    summary_top: float
    summary_label: list[str]
    cells: dict[str, list[str]]
    legend: list[list[tuple[float, str, str, bool]]]
    legend_top: float
    line_in: float
    fig_h: float


def effect_direction_plot(
    directions: pd.DataFrame,
    votes: pd.DataFrame,
    *,
    domain_names: Mapping[str, str],
    width: style.Width = "double",
    palette: style.Palette = "cochrane",
) -> Captioned:
    """Draw the effect direction plot: ``directions`` (one row per study x domain result; an optional
    ``ci_direction`` column adds the CI layer) and ``votes`` (one row per domain: counts, proportion improved
    as a fraction with its CI, sign-test p). ``domain_names``: the review's domains -> their short names, in
    display order (:func:`qolreview.labels.short_domain_labels`)."""
    require_columns(directions, DIRECTION_COLUMNS, "effect direction plot: directions table")
    require_columns(votes, VOTE_COLUMNS, "effect direction plot: votes table")
    unknown = set(directions["direction"]) - set(style.EDP_GLYPHS)
    if unknown:
        raise ValueError(f"effect direction plot: unknown directions {sorted(unknown)}")
    domains = _domains(directions, votes, domain_names)
    names = [domain_names.get(d, d) for d in domains]
    studies = directions.drop_duplicates("study_id")[["study_id", "label", "n", "rob_overall"]]
    page = _measure(directions, votes, domains, names, studies, width, palette)

    with style.context():
        fig, ax = style.inch_canvas(page.cols.fig_w, page.fig_h)
        _draw_headers(ax, page, domains)
        _draw_rows(ax, page, studies, directions, domains, palette)
        _draw_summary(ax, page)
        _draw_legend(ax, page)
    return Captioned(fig, _caption(directions, votes, domains, names), _alt(directions, votes, domains))


def _measure(
    directions: pd.DataFrame,
    votes: pd.DataFrame,
    domains: list[str],
    names: list[str],
    studies: pd.DataFrame,
    width: style.Width,
    palette: style.Palette,
) -> _Layout:
    """Lay out the page top to bottom: domain headers, study rows, summary row, legend."""
    cols = _Columns.of(width, domains)
    font = cols.font
    heads, rotated, head_in = _domain_heads(names, cols)
    rule_y = style.MARGIN_IN + max(head_in, layout.height_in(1, font.base)) + PAD_IN
    labels = [layout.wrap(str(s), cols.label_w - GAP_IN, font.base) for s in studies["label"]]
    heights = [max(1.4 * cols.row_h, layout.height_in(len(lab), font.base) + 0.04) for lab in labels]
    tops = np.concatenate([[rule_y], rule_y + np.cumsum(heights)])
    summary_label, cells = _summary_cells(votes, domains, cols)
    summary_top = tops[-1] + PAD_IN
    summary_h = layout.height_in(max([len(summary_label), *map(len, cells.values())]), font.small)
    legend_top = summary_top + summary_h + 2 * PAD_IN
    legend = _legend_rows(_legend_items(palette, directions), cols.fig_w - 2 * style.MARGIN_IN, font.small)
    line_in = layout.height_in(1, font.small, LEGEND_LINESPACING)
    fig_h = legend_top + len(legend) * line_in + style.MARGIN_IN
    return _Layout(
        cols,
        heads,
        rotated,
        rule_y,
        labels,
        tops,
        summary_top,
        summary_label,
        cells,
        legend,
        legend_top,
        line_in,
        fig_h,
    )


def _domain_heads(names: list[str], cols: _Columns) -> tuple[list[list[str]], bool, float]:
    """The domain headers wrapped to their column, or all turned 90 degrees when one does not fit; returns
    the header lines, whether they are rotated and the height they need (inches)."""
    font = cols.font
    heads = [layout.wrap(name, cols.dom_w - GAP_IN, font.small, bold=True) for name in names]
    rotated = not all(layout.fits(h, cols.dom_w - GAP_IN, font.small, bold=True) for h in heads)
    if rotated:
        heads = [[name] for name in names]
    head_in = max(
        layout.text_width_in(h, font.small, True) if rotated else layout.height_in(len(h), font.small) for h in heads
    )
    return heads, rotated, head_in


def _summary_cells(votes: pd.DataFrame, domains: list[str], cols: _Columns) -> tuple[list[str], dict[str, list[str]]]:
    """The wrapped row label of the vote-count summary (kept clear of the first cell) and each domain's cell."""
    font = cols.font
    by_domain = votes.set_index("domain")
    denominator = _denominator(votes)
    cells = {d: _summary_lines(by_domain.loc[d], denominator) for d in domains if d in by_domain.index}
    cells = {
        d: [w for line in lines for w in layout.wrap(line, cols.dom_w - GAP_IN, font.small)]
        for d, lines in cells.items()
    }
    cell_w = max((layout.text_width_in(lines, font.small) for lines in cells.values()), default=0.0)
    label_room = cols.x_n + (cols.dom_w - cell_w) / 2 - style.MARGIN_IN - GAP_IN  # up to the first summary cell
    summary_label = [w for line in SUMMARY_LABEL for w in layout.wrap(line, label_room, font.small, True)]
    return summary_label, cells


def _draw_headers(ax: Axes, page: _Layout, domains: list[str]) -> None:
    """The bold Study, N and domain headers above the rule."""
    cols, y = page.cols, page.rule_y - PAD_IN
    for x, text, ha in ((style.MARGIN_IN, "Study", "left"), (cols.x_n - GAP_IN / 2, "N", "right")):
        ax.text(x, y, text, ha=ha, va="bottom", fontsize=cols.font.base, fontweight="bold", gid="header")
    for d, head in zip(domains, page.heads, strict=True):
        ax.text(
            cols.x_dom[d],
            y,
            "\n".join(head),
            ha="center",
            va="bottom",
            fontsize=cols.font.small,
            fontweight="bold",
            rotation=90 if page.rotated else 0,
            gid="domain-header",
        )
    ax.axhline(page.rule_y, color=style.INK, linewidth=0.6)


def _draw_rows(
    ax: Axes,
    page: _Layout,
    studies: pd.DataFrame,
    directions: pd.DataFrame,
    domains: list[str],
    palette: style.Palette,
) -> None:
    """One row per study on alternating shading: label, N and an arrow per result in each domain column."""
    cols, tops, font = page.cols, page.tops, page.cols.font
    step = cols.dom_w / 4
    results: dict[tuple[object, object], list[dict[str, Any]]] = defaultdict(list)
    for result in directions.to_dict("records"):  # one pass, in the table's order: a filter per row is quadratic
        results[result["study_id"], result["domain"]].append(result)
    for i, study in enumerate(studies.itertuples(index=False)):
        y = (tops[i] + tops[i + 1]) / 2
        if i % 2:
            ax.axhspan(tops[i], tops[i + 1], color=style.SUBTLE_FILL, zorder=0, linewidth=0)
        ax.text(
            style.MARGIN_IN, y, "\n".join(page.labels[i]), ha="left", va="center", fontsize=font.base, gid="row-label"
        )
        ax.text(
            cols.x_n - GAP_IN / 2, y, whole_count(study.n), ha="right", va="center", fontsize=font.base, gid="n-text"
        )
        rob = style.NOT_ASSESSED if is_missing(study.rob_overall) else str(study.rob_overall)
        colour = style.edp_colour(rob, palette)
        for d in domains:
            entries = results.get((study.study_id, d), [])
            for j, entry in enumerate(entries):
                ax.text(
                    cols.x_dom[d] + (j - (len(entries) - 1) / 2) * step,
                    y,
                    style.EDP_GLYPHS[entry["direction"]] + style.EDP_BASIS_MARKS.get(str(entry["basis"]), ""),
                    ha="center",
                    va="center",
                    color=colour,
                    fontsize=font.base * style.EDP_GLYPH_SCALE[size_bin(entry["n"])],
                    bbox=style.EDP_CI_BOX if ci_clear(entry) else None,
                    gid=f"edp-{entry['direction']}",
                )


def _draw_summary(ax: Axes, page: _Layout) -> None:
    """The rule under the last study, then the vote-count summary: its bold row label and a cell per domain."""
    font, top = page.cols.font, page.summary_top
    ax.axhline(page.tops[-1], color=style.INK, linewidth=0.6)
    ax.text(
        style.MARGIN_IN,
        top,
        "\n".join(page.summary_label),
        ha="left",
        va="top",
        fontsize=font.small,
        fontweight="bold",
        gid="summary-label",
    )
    for d, lines in page.cells.items():
        ax.text(
            page.cols.x_dom[d], top, "\n".join(lines), ha="center", va="top", fontsize=font.small, gid="summary-cell"
        )


def _draw_legend(ax: Axes, page: _Layout) -> None:
    """The legend lines, each item in its own colour (the CI layer's sample arrow boxed)."""
    for r, items in enumerate(page.legend):
        y = page.legend_top + r * page.line_in
        for x, text, colour, boxed in items:
            ax.text(
                style.MARGIN_IN + x,
                y,
                text,
                ha="left",
                va="top",
                fontsize=page.cols.font.small,
                color=colour,
                bbox=style.EDP_CI_BOX if boxed else None,
                gid="legend",
            )


def _denominator(votes: pd.DataFrame) -> str:
    """Vote counting counts improved among studies with a direction (Cochrane Handbook 12.2.2.5)."""
    return "n_with_direction" if "n_with_direction" in votes.columns else "n_studies"


def _summary_lines(v: pd.Series, denominator: str) -> list[str]:
    """Lines of one vote-count cell: improved / with a direction, % improved, its 95% CI, sign-test p."""
    if not finite(v["proportion_improved"]):
        return [f"{int(v['n_improved'])}/{int(v[denominator])}", "NA", "", figure_p(v["sign_test_p"])]
    return [
        f"{int(v['n_improved'])}/{int(v[denominator])}",
        f"{100 * float(v['proportion_improved']):.0f}%",
        f"({100 * float(v['ci_lb']):.0f}-{100 * float(v['ci_ub']):.0f})",
        figure_p(v["sign_test_p"]),
    ]


def _legend_items(palette: style.Palette, directions: pd.DataFrame) -> list[list[tuple[str, str, bool]]]:
    """Legend paragraphs, each a list of (text, colour, boxed) items that flow on one line when they fit."""
    present = set(directions["direction"])
    arrows = [
        (f"{style.EDP_GLYPHS[k]} {style.EDP_DIRECTION_LABELS[k].lower()}", style.INK, False)
        for k in ("improved", "worsened", "no_clear_difference", "mixed")
        if k in ("improved", "worsened", "no_clear_difference") or k in present
    ]
    paragraphs = [
        arrows,
        [
            (
                "Direction of the point estimates, 70% rule (as the counts below). Arrow size: large > 300, "
                "medium 50-300, small < 50 participants; colour: overall risk of bias.",
                style.INK,
                False,
            )
        ],
    ]
    robs = {style.NOT_ASSESSED if is_missing(r) else str(r) for r in directions["rob_overall"]}
    order = [*style.ROB_ORDER, *style.NOS_ORDER, *style.ROB2_ORDER]
    paragraphs.append(
        [
            (
                f"\u25a0 {style.EDP_NOT_ASSESSED_LABEL if r == style.NOT_ASSESSED else r}",
                style.edp_colour(r, palette),
                False,
            )
            for r in sorted(robs, key=lambda r: (order.index(r) if r in order else len(order), r))
        ]
    )
    if any(ci_clear(entry) for entry in directions.to_dict("records")):
        paragraphs.append([(style.EDP_GLYPHS["improved"], style.INK, True), (style.EDP_CI_LABEL, style.INK, False)])
    marks = [
        (f"{style.EDP_BASIS_MARKS[b]} {style.EDP_BASIS_LABELS[b]}", style.INK, False)
        for b in ("point_estimate_only", "reported")
        if b in set(directions["basis"])
    ]
    if marks:
        paragraphs.append(marks)
    return paragraphs


def _legend_rows(
    paragraphs: list[list[tuple[str, str, bool]]], max_in: float, size: float
) -> list[list[tuple[float, str, str, bool]]]:
    """Place legend items left to right, starting a new line when the next item would not fit; an item
    wider than the line is wrapped, to the rest of the line when at least half of it is left. Returns rows of
    (x offset in inches, text, colour, boxed)."""
    gap = layout.line_width_in("   ", size)
    rows: list[list[tuple[float, str, str, bool]]] = []
    for items in paragraphs:
        rows.append([])
        x = 0.0
        for text, colour, boxed in items:
            room = max_in - x if x and max_in - x >= max_in / 2 else max_in
            for piece in layout.wrap(text, room, size, indent="  "):
                w = layout.line_width_in(piece, size)
                if rows[-1] and x + w > max_in:
                    rows.append([])
                    x = 0.0
                rows[-1].append((x, piece, colour, boxed))
                x += w + gap
    return rows


def _caption(directions: pd.DataFrame, votes: pd.DataFrame, domains: list[str], names: list[str]) -> str:
    """The caption: the rule behind the arrows and the counts, the CI layer, the encodings and the counts."""
    k = directions["study_id"].nunique()
    parts = []
    named = dict(zip(domains, names, strict=True))
    for v in votes.set_index("domain").reindex(domains).dropna(subset=["n_studies"]).itertuples():
        parts.append(
            f"{named[v.Index]} {int(v.n_improved)}/"
            f"{int(getattr(v, _denominator(votes)))} ({figure_p_statement(v.sign_test_p)})"
        )
    records = directions.to_dict("records")
    boxed = sum(ci_clear(entry) for entry in records)
    layer = (
        f" Boxed arrows ({boxed} of {len(records)}): the 95% confidence intervals of at least 70% of the results "
        "exclude no effect; this CI-based layer plays no part in the arrows or the counts."
        if "ci_direction" in directions.columns
        else ""
    )
    unassessed = (
        " Black: risk of bias not assessed."
        if (directions["rob_overall"].map(lambda r: is_missing(r) or r == style.NOT_ASSESSED)).any()
        else ""
    )
    comparisons = sorted(set(directions["comparison"])) if "comparison" in directions.columns else []
    which = f" ({', '.join(COMPARISON_LABELS.get(c, c) for c in comparisons)})" if comparisons else ""
    baseline = (
        " Within an arm, a direction compares the arm with its own baseline, not with a control."
        if "within_arm_prepost" in comparisons
        else ""
    )
    return (
        f"Effect direction plot{which} of {plural(k, 'study')} across {plural(len(domains), 'domain')} "
        "(Thomson & Thomas 2013; Boon & Thomson 2021). \u25b2 improved, \u25bc worsened, \u25c4\u25ba no clear "
        "difference, \u25c1\u25b7 mixed or conflicting findings: the direction of the point estimates, with the "
        "70% rule for a study's several results in a domain, the same rule as the vote counts."
        f"{layer}{baseline} Arrow size shows the sample size and colour the overall risk of bias.{unassessed} "
        f"Studies with improvement out of those with a direction, by domain (sign test): {'; '.join(parts)}."
    )


def _alt(directions: pd.DataFrame, votes: pd.DataFrame, domains: list[str]) -> str:
    """The alternative text: the table's shape and its arrows by direction (and how many are boxed)."""
    counts = directions["direction"].value_counts()
    boxed = sum(ci_clear(entry) for entry in directions.to_dict("records"))
    return (
        f"Table-like chart: {plural(directions['study_id'].nunique(), 'study')} in rows, "
        f"{plural(len(domains), 'outcome domain')} in columns. "
        f"{plural(int(counts.get('improved', 0)), 'result')} improved, "
        f"{int(counts.get('worsened', 0))} worsened, "
        f"{int(counts.get('no_clear_difference', 0) + counts.get('mixed', 0))} showed no clear difference or "
        "mixed findings (direction of the point estimates)"
        + (f"; {boxed} with confidence intervals excluding no effect." if "ci_direction" in directions else ".")
    )
