"""File-level entry points used by the Snakemake rules: read the synthesis tables, draw every figure of
one family, save each as SVG and 300-dpi PNG, and write the family's captions fragment."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from qolreview.figures.data import evidence_map_table, trajectory_table
from qolreview.figures import style
from qolreview.figures.captions import Captioned, write_captions
from qolreview.figures.effect_direction import effect_direction_plot
from qolreview.figures.evidence_map import evidence_map
from qolreview.figures.forest import forest_plot
from qolreview.figures.prisma import prisma_flow, write_prisma_csv
from qolreview.figures.risk_of_bias import summary_plot, traffic_light_plot
from qolreview.figures.save import save_figure
from qolreview.figures.trajectories import trajectories_plot
from qolreview.labels import slug
from qolreview.parquet_io import read_table

log = logging.getLogger(__name__)


def _save_all(figures: dict[str, Captioned], out_dir: str | Path, captions: str | Path) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stem, result in sorted(figures.items()):
        save_figure(result.figure, out / stem)
        log.info("wrote %s.svg and %s.png", out / stem, out / stem)
    write_captions(figures, captions)


def _comparison_label(comparison: str) -> str:
    label = style.COMPARISON_LABELS.get(comparison, comparison)
    return label[:1].upper() + label[1:]


def _favours(comparison: str) -> tuple[str, str]:
    return style.FAVOURS_WITHIN_ARM if comparison == "within_arm_prepost" else style.FAVOURS


def subgroup_variable(subgroups: pd.DataFrame, choice: str, order: list[str]) -> str | None:
    """The subgroup variable drawn in one analysis' forest plot: ``choice``, or with ``auto`` the first
    variable of ``order`` that has subgroup results; None when there is none to draw."""
    present = set(subgroups["subgroup_var"])
    if choice == "none":
        return None
    if choice != "auto":
        return choice if choice in present else None
    return next((variable for variable in order if variable in present), None)


def render_forests(meta_analyses: str | Path, study_weights: str | Path, subgroups: str | Path,
                   out_dir: str | Path, captions: str | Path, width: style.Width, palette: style.Palette,
                   *, subgroup: str = "auto", subgroup_order: list[str] | None = None) -> None:
    """Forest plots: one per pooled analysis (stem ``forest-<analysis>``), with subgroup headings, subtotal
    diamonds and the test for subgroup differences for the variable chosen by :func:`subgroup_variable`;
    and one per comparison, window and measure gathering the analyses that were not pooled, grouped by
    domain (stem ``forest-single-<comparison>-<window>-<measure>``)."""
    meta, weights, groups = read_table(meta_analyses), read_table(study_weights), read_table(subgroups)
    figures = {}
    unpooled = meta[~meta["pooled"].astype(bool)]
    for (comparison, window, measure), group in unpooled.groupby(["comparison", "window", "measure"], sort=True):
        domains = group.set_index("analysis_id")["domain"]
        studies = weights[weights["analysis_id"].isin(domains.index)]
        if studies.empty:
            continue
        order = {d: i for i, d in enumerate(style.DOMAIN_LABELS)}
        studies = studies.assign(
            subgroup=studies["analysis_id"].map(domains).map(lambda d: style.DOMAIN_LABELS.get(d, d)),
            _order=studies["analysis_id"].map(domains).map(lambda d: order.get(d, len(order))),
        ).sort_values(["_order", "analysis_id", "study_id"], kind="stable").drop(columns="_order")
        title = f"{_comparison_label(str(comparison))}: analyses not pooled, {window} window"
        figures[f"forest-single-{slug(comparison)}-{slug(window)}-{slug(measure)}"] = forest_plot(
            studies, None, title=title, width=width, palette=palette, measure=str(measure),
            favours=_favours(str(comparison)))
    for analysis in meta[meta["pooled"].astype(bool)].sort_values("analysis_id").to_dict("records"):
        studies = weights[weights["analysis_id"] == analysis["analysis_id"]]
        if studies.empty:
            continue
        domain = style.DOMAIN_LABELS.get(analysis["domain"], analysis["domain"])
        title = f"{_comparison_label(str(analysis['comparison']))}: {domain}, {analysis['window']} window"
        own = groups[groups["analysis_id"] == analysis["analysis_id"]]
        variable = subgroup_variable(own, subgroup, list(subgroup_order or []))
        results = None
        if variable is not None:
            results = own[own["subgroup_var"] == variable]
            studies = studies.assign(subgroup=studies[variable].fillna("not reported"))
            studies = studies.sort_values(["subgroup", "study_id"], kind="stable")
            analysis = {**analysis, "q_between": results["q_between"].iloc[0],
                        "q_between_p": results["q_between_p"].iloc[0]}
            title += f", by {variable}"
        figures[f"forest-{slug(analysis['analysis_id'])}"] = forest_plot(
            studies, analysis, subgroups=results, title=title, width=width, palette=palette,
            measure=str(analysis["measure"]),
            favours=_favours(str(analysis["comparison"])))
    _save_all(figures, out_dir, captions)


def render_effect_direction(effect_direction: str | Path, vote_counts: str | Path, out_dir: str | Path,
                            captions: str | Path, width: style.Width, palette: style.Palette) -> None:
    """One effect direction plot per comparison (stem ``effect-direction-<comparison>``)."""
    directions, votes = read_table(effect_direction), read_table(vote_counts)
    figures = {}
    for comparison in sorted(directions["comparison"].unique()):
        figures[f"effect-direction-{slug(comparison)}"] = effect_direction_plot(
            directions[directions["comparison"] == comparison], votes[votes["comparison"] == comparison],
            width=width, palette=palette)
    _save_all(figures, out_dir, captions)


def render_risk_of_bias(risk_of_bias: str | Path, studies: str | Path, out_dir: str | Path,
                        captions: str | Path, width: style.Width, palette: style.Palette) -> None:
    """Traffic-light and summary plots for each tool in use, weighted by ``studies.n_total`` when known."""
    rob = read_table(risk_of_bias)
    sizes = read_table(studies).set_index("study_id")["n_total"]
    rob = rob.assign(weight=rob["study_id"].map(sizes).astype("Float64"))
    figures = {}
    for tool in sorted(rob["tool"].unique()):
        figures[f"rob-traffic-light-{slug(tool)}"] = traffic_light_plot(rob, tool, width=width, palette=palette)
        if tool != "none":  # "none": studies not assessed with any tool; nothing to summarise
            figures[f"rob-summary-{slug(tool)}"] = summary_plot(rob, tool, width=width, palette=palette)
    _save_all(figures, out_dir, captions)


def render_prisma(prisma: str | Path, out_dir: str | Path, csv: str | Path, captions: str | Path,
                  width: style.Width) -> None:
    """The PRISMA 2020 flow diagram (stem ``prisma``) and its PRISMA2020-package CSV."""
    table = read_table(prisma)
    write_prisma_csv(table, csv)
    _save_all({"prisma": prisma_flow(table, width=width)}, out_dir, captions)


def render_evidence_map(effect_sizes: str | Path, not_convertible: str | Path, studies: str | Path,
                        out_dir: str | Path, captions: str | Path, width: style.Width) -> None:
    """The evidence map (stem ``evidence-map``) of every reported result."""
    table = evidence_map_table(read_table(effect_sizes), read_table(not_convertible), read_table(studies))
    _save_all({"evidence-map": evidence_map(table, width=width)}, out_dir, captions)


def render_trajectories(effect_sizes: str | Path, not_convertible: str | Path, studies: str | Path,
                        out_dir: str | Path, captions: str | Path, width: style.Width) -> None:
    """QoL over time (stem ``qol-over-time``); no figure when no QoL value has a known timepoint."""
    table = trajectory_table(read_table(effect_sizes), read_table(not_convertible), read_table(studies))
    _save_all({"qol-over-time": trajectories_plot(table, width=width)} if len(table) else {}, out_dir, captions)
