"""Effect direction plot (Thomson & Thomas 2013, Res Synth Methods 4:95-101; Boon & Thomson 2021,
Res Synth Methods 12:29-33) with a vote-count summary row (Cochrane Handbook 12.2.2.5).

A row per study, a column per outcome domain. Arrows: up = positive health impact (improved), down =
negative health impact (worsened), sideways = no clear difference, mixed or conflicting findings. Arrow
size encodes the sample size (large > 300, medium 50-300, small < 50) and colour the study's overall
risk of bias. A mark after the arrow gives its basis when it is not a confidence interval.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from qolreview.figures import style
from qolreview.figures.captions import Captioned, finite, fmt_n, fmt_p_eq, is_missing, plural

DIRECTION_COLUMNS = ("study_id", "label", "domain", "direction", "basis", "n", "rob_overall")
VOTE_COLUMNS = ("domain", "n_studies", "n_improved", "n_worsened", "n_no_clear", "proportion_improved",
                "ci_lb", "ci_ub", "sign_test_p")


def size_bin(n: object) -> str:
    """EDP sample-size bin of a study: large (> 300), medium (50-300), small (< 50) or unknown."""
    if is_missing(n):
        return "unknown"
    n = int(n)  # type: ignore[call-overload]
    return "large" if n > style.EDP_LARGE_ABOVE else "medium" if n >= style.EDP_MEDIUM_FROM else "small"


def _domains(directions: pd.DataFrame, votes: pd.DataFrame) -> list[str]:
    present = list(dict.fromkeys([*directions["domain"], *votes["domain"]]))
    known = [d for d in style.EDP_DOMAIN_LABELS if d in present]
    return known + [d for d in present if d not in known]


def effect_direction_plot(
    directions: pd.DataFrame,
    votes: pd.DataFrame,
    *,
    width: style.Width = "double",
    palette: style.Palette = "cochrane",
) -> Captioned:
    """Draw the effect direction plot: ``directions`` (one row per study x domain result) and ``votes``
    (one row per domain: counts, proportion improved as a fraction with its CI, sign-test p)."""
    for name, table, cols in (("directions", directions, DIRECTION_COLUMNS), ("votes", votes, VOTE_COLUMNS)):
        missing = [c for c in cols if c not in table.columns]
        if missing:
            raise ValueError(f"effect direction plot: {name} table lacks columns {missing}")
    unknown = set(directions["direction"]) - set(style.EDP_GLYPHS)
    if unknown:
        raise ValueError(f"effect direction plot: unknown directions {sorted(unknown)}")
    domains = _domains(directions, votes)
    studies = directions.drop_duplicates("study_id")[["study_id", "label", "n", "rob_overall"]]
    font = style.fonts(width)
    fig_w = style.width_in(width)
    row_h = style.row_in(width)
    label_frac, n_frac = 0.26, 0.07
    dom_frac = (1 - label_frac - n_frac - 0.02) / max(1, len(domains))
    label_chars = style.chars_fitting(label_frac * fig_w - style.MARGIN_IN, font.base)
    head_chars = style.chars_fitting(dom_frac * fig_w, font.small)

    labels = [textwrap.wrap(str(s), label_chars, break_long_words=False) or [""] for s in studies["label"]]
    heads = [textwrap.wrap(style.EDP_DOMAIN_LABELS.get(d, d), head_chars, break_long_words=False) for d in domains]
    head_units = max(len(h) for h in heads) + 0.5
    heights = [max(1.4, len(lab)) for lab in labels]
    tops = np.concatenate([[head_units], head_units + np.cumsum(heights)])
    summary_top = tops[-1] + 0.3
    legend_lines = _legend_lines(palette, directions)
    n_text_lines = sum(not line.startswith("\u25a0") for line, _ in legend_lines) + 1
    units = summary_top + 3.4 + 0.5 + n_text_lines * 0.9 + 0.5
    fig_h = units * row_h + 2 * style.MARGIN_IN

    with style.context():
        fig = style.new_figure(fig_w, fig_h)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(units, -style.MARGIN_IN / row_h)
        x_label, x_n = style.MARGIN_IN / fig_w, label_frac + n_frac - 0.01
        x_dom = {d: label_frac + n_frac + dom_frac * (i + 0.5) for i, d in enumerate(domains)}
        ax.text(x_label, head_units - 0.5, "Study", ha="left", va="center", fontsize=font.base, fontweight="bold",
                gid="header")
        ax.text(x_n, head_units - 0.5, "N", ha="right", va="center", fontsize=font.base, fontweight="bold",
                gid="header")
        for d, head in zip(domains, heads):
            ax.text(x_dom[d], head_units - 0.3, "\n".join(head), ha="center", va="bottom", fontsize=font.small,
                    fontweight="bold", gid="domain-header")
        ax.axhline(head_units, color=style.INK, linewidth=0.6)
        step = dom_frac / 4
        for i, study in enumerate(studies.itertuples(index=False)):
            y = (tops[i] + tops[i + 1]) / 2
            if i % 2:
                ax.axhspan(tops[i], tops[i + 1], color=style.SUBTLE_FILL, zorder=0, linewidth=0)
            ax.text(x_label, y, "\n".join(labels[i]), ha="left", va="center", fontsize=font.base, gid="row-label")
            ax.text(x_n, y, fmt_n(study.n), ha="right", va="center", fontsize=font.base, gid="n-text")
            rob = style.NOT_ASSESSED if is_missing(study.rob_overall) else str(study.rob_overall)
            cells = directions[directions["study_id"] == study.study_id]
            for d in domains:
                entries = cells[cells["domain"] == d]
                for j, entry in enumerate(entries.itertuples(index=False)):
                    x = x_dom[d] + (j - (len(entries) - 1) / 2) * step
                    glyph = style.EDP_GLYPHS[entry.direction] + style.EDP_BASIS_MARKS.get(str(entry.basis), "")
                    ax.text(x, y, glyph, ha="center", va="center", color=style.rob_colour(rob, palette),
                            fontsize=font.base * style.EDP_GLYPH_SCALE[size_bin(entry.n)], gid=f"edp-{entry.direction}")
        ax.axhline(tops[-1], color=style.INK, linewidth=0.6)
        y_sum = summary_top + 1.7
        ax.text(x_label, y_sum, "Vote count: improved / with direction\n(% improved, 95% CI)\nsign test",
                ha="left", va="center", fontsize=font.small, fontweight="bold", gid="summary-label")
        by_domain = votes.set_index("domain")
        denominator = _denominator(votes)
        for d in domains:
            if d not in by_domain.index:
                continue
            v = by_domain.loc[d]
            share = (f"{100 * float(v['proportion_improved']):.0f}% "
                     f"({100 * float(v['ci_lb']):.0f}-{100 * float(v['ci_ub']):.0f})"
                     if finite(v["proportion_improved"]) else "NA")
            text = f"{int(v['n_improved'])}/{int(v[denominator])}\n{share}\n{fmt_p_eq(v['sign_test_p'])}"
            ax.text(x_dom[d], y_sum, text, ha="center", va="center", fontsize=font.small, gid="summary-cell")
        y = summary_top + 3.4 + 0.5
        swatch_x = x_label
        for line, colour in legend_lines:
            if line.startswith("\u25a0"):
                ax.text(swatch_x, y, line, ha="left", va="top", fontsize=font.small, color=colour, gid="legend")
                swatch_x += style.LEGEND_SWATCH_IN / fig_w
                continue
            if swatch_x != x_label:
                swatch_x, y = x_label, y + 0.9
            ax.text(x_label, y, line, ha="left", va="top", fontsize=font.small, color=colour, gid="legend")
            y += 0.9
    return Captioned(fig, _caption(directions, votes, domains), _alt(directions, votes, domains))


def _denominator(votes: pd.DataFrame) -> str:
    """Vote counting counts improved among studies with a direction (Cochrane Handbook 12.2.2.5)."""
    return "n_with_direction" if "n_with_direction" in votes.columns else "n_studies"


def _legend_lines(palette: style.Palette, directions: pd.DataFrame) -> list[tuple[str, str]]:
    glyphs = "; ".join(f"{style.EDP_GLYPHS[k]} {style.EDP_DIRECTION_LABELS[k].lower()}"
                       for k in ("improved", "worsened", "no_clear_difference"))
    lines = [(glyphs, style.INK),
             ("Arrow size: large > 300, medium 50-300, small < 50 participants; colour: overall risk of bias.",
              style.INK)]
    robs = {style.NOT_ASSESSED if is_missing(r) else str(r) for r in directions["rob_overall"]}
    order = [*style.ROB_ORDER, *style.NOS_ORDER, *style.ROB2_ORDER]
    lines += [(f"\u25a0 {r}", style.rob_colour(r, palette)) for r in sorted(robs, key=lambda r: (
        order.index(r) if r in order else len(order), r))]
    marks = [f"{style.EDP_BASIS_MARKS[b]} {text}" for b, text in
             (("point_estimate_only", "direction from the point estimate only"),
              ("reported", "direction as reported by the authors")) if b in set(directions["basis"])]
    if marks:
        lines.append(("; ".join(marks), style.INK))
    return lines


def _caption(directions: pd.DataFrame, votes: pd.DataFrame, domains: list[str]) -> str:
    k = directions["study_id"].nunique()
    parts = []
    for v in votes.set_index("domain").reindex(domains).dropna(subset=["n_studies"]).itertuples():
        parts.append(f"{style.EDP_DOMAIN_LABELS.get(v.Index, v.Index)} {int(v.n_improved)}/"
                     f"{int(getattr(v, _denominator(votes)))} ({fmt_p_eq(v.sign_test_p)})")
    return (f"Effect direction plot of {plural(k, 'study')} across {plural(len(domains), 'domain')} "
            "(Thomson & Thomas 2013). \u25b2 improved, \u25bc worsened, \u25c4\u25ba no clear difference or "
            "mixed; arrow size shows the sample size and colour the overall risk of bias. "
            f"Studies with improvement out of those reporting, by domain (sign test): {'; '.join(parts)}.")


def _alt(directions: pd.DataFrame, votes: pd.DataFrame, domains: list[str]) -> str:
    counts = directions["direction"].value_counts()
    return (f"Table-like chart: {directions['study_id'].nunique()} studies in rows, {len(domains)} outcome "
            f"domains in columns. {int(counts.get('improved', 0))} results improved, "
            f"{int(counts.get('worsened', 0))} worsened, "
            f"{int(counts.get('no_clear_difference', 0) + counts.get('mixed', 0))} showed no clear difference or "
            "mixed findings.")
