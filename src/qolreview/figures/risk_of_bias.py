"""Risk-of-bias figures in the robvis style (McGuinness & Higgins 2021, Res Synth Methods 12:55-61):
a traffic-light plot (studies x domains) and a weighted summary bar chart, one pair per tool.

ROBINS-I judgements (Sterne et al. 2016, BMJ 355:i4919) and RoB 2 judgements (Sterne et al. 2019, BMJ
366:l4898) are coloured on the Cochrane scale; Newcastle-Ottawa section stars (Wells et al.) in greys,
with the overall Good/Fair/Poor rating on the Cochrane scale. A study or domain without a judgement is
"Not assessed" (grey, no symbol), never low risk.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from qolreview.figures import style
from qolreview.figures.captions import Captioned, require_columns
from qolreview.formatting import plural
from qolreview.tables import RiskOfBias

ROB_COLUMNS = (RiskOfBias.study_id, RiskOfBias.label, RiskOfBias.tool, RiskOfBias.domain, RiskOfBias.judgement)
TRAFFIC_LABEL_FRACTION = 0.30
"""Share of the traffic-light plot's width for the study labels."""


def _domain_key(domain: str) -> tuple[int, int, str]:
    """Order: D1, D2, ... (numerically), other domains as given, "overall" last."""
    if domain.lower() == "overall":
        return (2, 0, domain)
    match = re.fullmatch(r"[Dd](\d+)", domain)
    return (0, int(match.group(1)), domain) if match else (1, 0, domain)


def _grid(rob: pd.DataFrame, tool: str, studies: pd.DataFrame | None) -> pd.DataFrame:
    """Studies x domains table of judgements for one tool; missing cells read "Not assessed"."""
    require_columns(rob, ROB_COLUMNS, "risk of bias: table")
    part = rob[rob["tool"] == tool]
    listed = part[["study_id", "label"]]
    if studies is not None:
        listed = pd.concat([listed, studies[["study_id", "label"]]])
    listed = listed.drop_duplicates("study_id")
    if listed.empty:
        raise ValueError(f"risk of bias: no studies for tool {tool!r}")
    domains = sorted(part["domain"].dropna().unique(), key=_domain_key) or ["overall"]
    grid = part.pivot_table(index="study_id", columns="domain", values="judgement", aggfunc="first").reindex(
        index=listed["study_id"], columns=domains
    )
    grid = grid.astype(object).where(grid.notna(), style.NOT_ASSESSED)
    grid.index = pd.Index(listed["label"].astype(str), name="label")
    return grid


def star_count(judgement: str) -> int | None:
    """Stars of a Newcastle-Ottawa section judgement written "3" or "3 stars", else None."""
    match = re.fullmatch(r"\s*(\d+)(\s*stars?)?\s*", judgement)
    return int(match.group(1)) if match else None


def _cell_style(judgement: str, tool: str, palette: style.Palette) -> tuple[str, str, str]:
    """(fill colour, symbol, symbol colour) of a traffic-light cell."""
    stars = star_count(judgement) if tool == "NOS" else None
    if stars is not None:
        fill = style.STAR_PALETTE[min(stars, len(style.STAR_PALETTE) - 1)]
        return fill, f"{stars}\u2605", style.INK
    return style.rob_colour(judgement, palette), style.rob_symbol(judgement), style.rob_text_colour(judgement, palette)


def _order(tool: str) -> tuple[str, ...]:
    return {"NOS": style.NOS_ORDER, "RoB2": style.ROB2_ORDER}.get(tool, style.ROB_ORDER)


@dataclass(frozen=True)
class _TrafficLayout:
    """Sizes of a traffic-light plot: the figure in inches; down the page, axis units of one row height
    from the top; across it, fractions of the figure width."""

    font: style.Fonts
    fig_w: float
    fig_h: float
    row_h: float
    """Height of one axis unit, in inches."""
    units: float
    """Height of the plot in axis units, without the margins."""
    dom_frac: float
    """Width of a domain column, as a fraction of the figure width."""
    xs: list[float]
    """Centre of each domain column."""
    labels: list[list[str]]
    tops: np.ndarray
    """Top of each study row, then the bottom of the last."""
    legend: list[str]
    """The domain names, "D1: ...", listed under the grid."""
    used: list[str]
    """The judgements in the grid, in the tool's order, listed after the domains with their colours."""

    @classmethod
    def of(cls, grid: pd.DataFrame, tool: str, width: style.Width) -> _TrafficLayout:
        """Study labels wrapped to their share of the width, one row per study, the legend below."""
        font = style.fonts(width)
        fig_w = style.width_in(width)
        row_h = style.row_in(width) * 1.5
        dom_frac = min(0.08, (1 - TRAFFIC_LABEL_FRACTION - 0.02) / grid.shape[1])
        xs = [TRAFFIC_LABEL_FRACTION + dom_frac * (i + 0.5) for i in range(grid.shape[1])]
        label_chars = style.chars_fitting(TRAFFIC_LABEL_FRACTION * fig_w - style.MARGIN_IN, font.base)
        labels = [textwrap.wrap(s, label_chars, break_long_words=False) or [""] for s in grid.index]
        heights = [max(1.0, 0.7 * len(lab)) for lab in labels]
        tops = np.concatenate([[1.5], 1.5 + np.cumsum(heights)])
        order = _order(tool)
        used = sorted(
            {str(v) for v in grid.to_numpy().ravel()}, key=lambda j: (order.index(j) if j in order else -1, j)
        )
        names = style.ROB_DOMAIN_NAMES.get(tool, {})
        legend = [f"{c}: {names.get(c, c)}" for c in grid.columns if c.lower() != "overall"]
        legend_units = 1.0 + 0.7 * (len(legend) + len(used)) + 0.5
        units = tops[-1] + legend_units
        fig_h = units * row_h + 2 * style.MARGIN_IN
        return cls(font, fig_w, fig_h, row_h, units, dom_frac, xs, labels, tops, legend, used)

    @property
    def x_label(self) -> float:
        """Left edge of the study labels and the legend."""
        return style.MARGIN_IN / self.fig_w

    @property
    def dot(self) -> float:
        """Area of a judgement dot in pt^2: 80% of the smaller of the column width and the row height."""
        return (min(self.dom_frac * self.fig_w, self.row_h) * 72 * 0.8) ** 2


def traffic_light_plot(
    rob: pd.DataFrame,
    tool: str,
    *,
    studies: pd.DataFrame | None = None,
    width: style.Width = "double",
    palette: style.Palette = "cochrane",
) -> Captioned:
    """Traffic-light plot for one tool. ``studies`` (study_id, label) adds studies assessed with this
    tool that have no judgement rows; they are drawn as "Not assessed"."""
    grid = _grid(rob, tool, studies)
    page = _TrafficLayout.of(grid, tool, width)

    with style.context():
        fig = style.new_figure(page.fig_w, page.fig_h)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(page.units, -style.MARGIN_IN / page.row_h)
        _draw_traffic_headers(ax, page, grid, tool)
        _draw_traffic_cells(ax, page, grid, tool, palette)
        _draw_traffic_legend(ax, page, tool, palette)
    return Captioned(fig, *_traffic_caption_and_alt(grid, tool, page.used))


def _draw_traffic_headers(ax: Axes, page: _TrafficLayout, grid: pd.DataFrame, tool: str) -> None:
    """The bold study header (naming the tool) and a header per domain column."""
    ax.text(
        page.x_label,
        0.9,
        "Study" if tool == "none" else f"{tool}: study",
        ha="left",
        va="center",
        fontsize=page.font.base,
        fontweight="bold",
        gid="header",
    )
    for x, dom in zip(page.xs, grid.columns, strict=True):
        ax.text(
            x,
            0.9,
            "Overall" if dom.lower() == "overall" else dom,
            ha="center",
            va="center",
            fontsize=page.font.small,
            fontweight="bold",
            gid="domain-header",
        )


def _draw_traffic_cells(ax: Axes, page: _TrafficLayout, grid: pd.DataFrame, tool: str, palette: style.Palette) -> None:
    """One row per study: its label, then a coloured dot with the judgement's symbol in each domain column."""
    font, tops = page.font, page.tops
    for i, judgements in enumerate(grid.itertuples(index=False)):
        y = (tops[i] + tops[i + 1]) / 2
        ax.text(page.x_label, y, "\n".join(page.labels[i]), ha="left", va="center", fontsize=font.base, gid="row-label")
        for x, judgement in zip(page.xs, judgements, strict=True):
            fill, symbol, ink = _cell_style(str(judgement), tool, palette)
            ax.scatter(
                [x],
                [y],
                s=page.dot,
                color=fill,
                edgecolors=style.MUTED,
                linewidths=0.4,
                zorder=2,
                gid=f"rob-cell-{judgement}",
            )
            ax.text(x, y, symbol, ha="center", va="center", fontsize=font.small, color=ink, zorder=3, gid="rob-symbol")


def _draw_traffic_legend(ax: Axes, page: _TrafficLayout, tool: str, palette: style.Palette) -> None:
    """Under the grid: the domain names, then each judgement used with its dot and symbol."""
    font, x = page.font, page.x_label
    y = page.tops[-1] + 1.0
    for line in page.legend:
        ax.text(x, y, line, ha="left", va="center", fontsize=font.small, gid="legend")
        y += 0.7
    for judgement in page.used:
        fill, symbol, ink = _cell_style(judgement, tool, palette)
        ax.scatter([x + 0.01], [y], s=page.dot / 2, color=fill, edgecolors=style.MUTED, linewidths=0.4)
        ax.text(x + 0.01, y, symbol, ha="center", va="center", fontsize=font.small * 0.8, color=ink)
        ax.text(
            x + 0.03,
            y,
            judgement if star_count(judgement) is None else f"{star_count(judgement)} stars",
            ha="left",
            va="center",
            fontsize=font.small,
            gid="legend",
        )
        y += 0.7


def _traffic_caption_and_alt(grid: pd.DataFrame, tool: str, used: list[str]) -> tuple[str, str]:
    """The caption and alternative text: the studies and domains, and the count of each overall judgement."""
    counts = grid.iloc[:, -1].value_counts()
    overall = "; ".join(f"{j} {int(counts[j])}" for j in used if j in counts.index)
    name = "no tool" if tool == "none" else tool
    caption = (
        f"Risk of bias of {plural(len(grid), 'study')} without risk-of-bias judgements (traffic-light plot): "
        f"all shown as not assessed, never as low risk."
        if tool == "none"
        else f"Risk of bias ({name}) of {plural(len(grid), 'study')} by domain (traffic-light plot). "
        f"{grid.columns[-1].capitalize()} judgements: {overall}."
    )
    alt = (
        f"Grid of coloured circles: {plural(len(grid), 'study')} in rows and "
        f"{plural(grid.shape[1], 'domain')} ({name}) in columns. "
        f"{grid.columns[-1].capitalize()}: {overall}."
    )
    return caption, alt


def _study_weights(rob: pd.DataFrame, tool: str, grid: pd.DataFrame) -> pd.Series | None:
    """Each study's weight (e.g. its sample size) when every study of the tool has a positive one, else None."""
    part = rob[rob["tool"] == tool]
    if "weight" not in part.columns:
        return None
    by_study = part.groupby("label")["weight"].first().reindex(grid.index)
    return by_study.astype(float) if by_study.notna().all() and (by_study > 0).all() else None


def summary_proportions(rob: pd.DataFrame, tool: str, studies: pd.DataFrame | None = None) -> pd.DataFrame:
    """Proportion of each judgement per domain (domains x judgements), weighted by ``weight`` when the
    column is present and complete for the tool's studies, else one study one vote (robvis ``rob_summary``)."""
    grid = _grid(rob, tool, studies)
    weights = _study_weights(rob, tool, grid)
    if weights is None:
        weights = pd.Series(1.0, index=grid.index)
    long = grid.stack().rename("judgement").reset_index()
    long["w"] = long["label"].map(weights)
    table = long.pivot_table(index="domain", columns="judgement", values="w", aggfunc="sum", fill_value=0.0)
    table = table.div(table.sum(axis=1), axis=0).reindex(grid.columns)
    order = [j for j in _order(tool) if j in table.columns]
    stars = sorted((j for j in table.columns if star_count(j) is not None), key=star_count, reverse=True)
    return table[[*stars, *order, *sorted(set(table.columns) - set(order) - set(stars))]]


def summary_plot(
    rob: pd.DataFrame,
    tool: str,
    *,
    studies: pd.DataFrame | None = None,
    width: style.Width = "double",
    palette: style.Palette = "cochrane",
) -> Captioned:
    """Stacked horizontal bars: the (weighted) proportion of each judgement in each domain."""
    table = summary_proportions(rob, tool, studies)
    weighted = _study_weights(rob, tool, _grid(rob, tool, studies)) is not None
    font = style.fonts(width)
    fig_w = style.width_in(width)
    bar_h = style.row_in(width) * 1.6
    fig_h = bar_h * len(table) + 1.1
    with style.context():
        fig = style.new_figure(fig_w, fig_h)
        ax = fig.add_axes((0.22, 0.75 / fig_h, 0.74, bar_h * len(table) / fig_h))
        _draw_bars(ax, table, tool, palette)
        _draw_summary_axes(ax, table, tool, weighted, font, fig_w)
        fig.legend(
            loc="lower center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=min(6, len(table.columns)),
            fontsize=font.small,
            frameon=False,
        )
    return Captioned(fig, *_summary_caption_and_alt(table, tool, weighted))


def _draw_bars(ax: Axes, table: pd.DataFrame, tool: str, palette: style.Palette) -> None:
    """One stacked bar per domain (top to bottom), a segment per judgement labelled for the legend."""
    ys = np.arange(len(table))
    left = np.zeros(len(table))
    for judgement in table.columns:
        share = table[judgement].to_numpy()
        fill, _, _ = _cell_style(str(judgement), tool, palette)
        stars = star_count(str(judgement))
        label = str(judgement) if stars is None else f"{stars} stars"
        ax.barh(
            ys,
            share * 100,
            left=left * 100,
            height=0.7,
            color=fill,
            edgecolor=style.MUTED,
            linewidth=0.4,
            label=label,
            gid=f"bar-{judgement}",
        )
        left += share


def _draw_summary_axes(
    ax: Axes, table: pd.DataFrame, tool: str, weighted: bool, font: style.Fonts, fig_w: float
) -> None:
    """The wrapped domain names as y tick labels, the 0-100% x axis and its label, no top or right spine."""
    ys = np.arange(len(table))
    tick_chars = style.chars_fitting(0.2 * fig_w, font.small)
    names = [style.ROB_DOMAIN_NAMES.get(tool, {}).get(d, d) for d in table.index]
    ax.set_yticks(
        ys, ["\n".join(textwrap.wrap(n, tick_chars, break_long_words=False)) for n in names], fontsize=font.small
    )
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.set_xlabel(
        "Participants (%; studies weighted by sample size)" if weighted else "Studies (%)", fontsize=font.small
    )
    ax.tick_params(axis="x", labelsize=font.small)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _summary_caption_and_alt(table: pd.DataFrame, tool: str, weighted: bool) -> tuple[str, str]:
    """The caption and alternative text: what the bars show and the shares of the last (overall) domain."""
    overall = table.iloc[-1]
    text = "; ".join(f"{j} {100 * p:.0f}%" for j, p in overall.items() if p > 0)
    share = "proportion of participants (studies weighted by sample size)" if weighted else "proportion of studies"
    caption = f"Risk of bias ({tool}): {share} with each judgement per domain. {table.index[-1].capitalize()}: {text}."
    alt = f"Stacked bar chart of {len(table)} {tool} domains. {table.index[-1].capitalize()}: {text}."
    return caption, alt
