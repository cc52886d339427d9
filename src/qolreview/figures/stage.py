"""The figure rules, one per family: read the tables, draw every figure of the family, save each as SVG (and
300-dpi PNG when asked) in the family's folder, and write the family's captions fragment.

Every entry point takes ``(inputs, outputs, settings)``: the rule's named files and the ``figures`` section
of the configuration (``formats``, ``width``, ``palette``, ``forest_subgroup``, ``forest_max_rows``; the forest
rule also gets ``subgroup_order``, the ``synthesis.subgroups`` list). ``outputs`` name ``figures`` (the folder) and
``captions`` (the fragment).

Each entry point imports its family's drawing modules when it is called, so that a job loads only its own
family's code (about half a second less start-up per figure job).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import pandas as pd

from qolreview.figures import style
from qolreview.figures.captions import Captioned, merge_captions, write_captions
from qolreview.figures.save import save_figure
from qolreview.instruments import load_registry
from qolreview.labels import COMPARISON_LABELS, short_domain_labels, slug
from qolreview.parquet_io import read_table
from qolreview.workflow import Files, Settings

log = logging.getLogger(__name__)
Unit = TypeVar("Unit")


class _Family:
    """The figures of one family as they are drawn: each saved in the ``figures`` folder at once (so one figure
    is in memory at a time) in the formats of setting ``formats`` (SVG among them), its caption, alt text and SVG
    file kept for the ``captions`` fragment, written on leaving the ``with`` block without error."""

    def __init__(self, outputs: Files, settings: Settings) -> None:
        self.formats = tuple(settings["formats"])
        if "svg" not in self.formats:
            raise ValueError(f"figures.formats {list(self.formats)} lacks svg, the format the report embeds")
        self.folder = Path(outputs["figures"])
        self.captions_path = outputs["captions"]
        self.captions: dict[str, dict[str, str]] = {}

    def __enter__(self) -> _Family:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        if error is None:
            write_captions(self.captions, self.captions_path)

    def add(self, stem: str, result: Captioned) -> None:
        """Save ``result`` as ``<stem>.svg`` (and ``<stem>.png`` when asked); a stem drawn twice is an error."""
        if stem in self.captions:
            raise ValueError(f"figure stem {stem!r} is drawn twice")
        paths = save_figure(result.figure, self.folder / stem, self.formats)
        self.captions[stem] = {"caption": result.caption, "alt": result.alt, "file": paths["svg"].as_posix()}
        log.info("wrote %s", ", ".join(path.as_posix() for path in paths.values()))

    def add_pages(self, stem: str, pages: list[Captioned]) -> None:
        """The pages of one plot: the first as ``stem``, the next as ``<stem>-page-2``, ..."""
        for i, page in enumerate(pages, start=1):
            self.add(stem if i == 1 else f"{stem}-page-{i}", page)


def _save_all(figures: dict[str, Captioned], outputs: Files, settings: Settings) -> None:
    """Save the figures of a family drawn together (families of a few figures)."""
    with _Family(outputs, settings) as family:
        for stem, result in sorted(figures.items()):
            family.add(stem, result)


def _in_part(units: list[Unit], settings: Settings) -> list[Unit]:
    """The share of ``units`` (in their sorted order) drawn by this job: every ``parts``-th unit from index
    ``part`` (settings ``part`` and ``parts``; all of them when absent). The parts of a family run as separate
    jobs; each figure depends on its own data only, so the files do not depend on how many there are."""
    part, parts = int(settings.get("part", 0)), int(settings.get("parts", 1))
    return units[part::parts]


def _domain_names(inputs: Files) -> dict[str, str]:
    """The review's domains -> their short names, in display order, from its registry files (input
    ``instruments``: the bundled registry and the review's ``extra_instruments``)."""
    return short_domain_labels(load_registry(inputs["instruments"]))


def _comparison_label(comparison: str) -> str:
    label = COMPARISON_LABELS.get(comparison, comparison)
    return label[:1].upper() + label[1:]


def _favours(comparison: str, settings: Settings) -> tuple[str, str]:
    """The labels under the null line: better or worse than baseline, or favouring either arm (the review's
    ``comparator_label`` and ``intervention_label``)."""
    if comparison == "within_arm_prepost":
        return style.FAVOURS_WITHIN_ARM
    return f"Favours {settings['comparator_label']}", f"Favours {settings['intervention_label']}"


def subgroup_variable(subgroups: pd.DataFrame, choice: str, order: list[str]) -> str | None:
    """The subgroup variable drawn in one analysis' forest plot: ``choice``, or with ``auto`` the first
    variable of ``order`` that has subgroup results; None when there is none to draw."""
    present = set(subgroups["subgroup_var"])
    if choice == "none":
        return None
    if choice != "auto":
        return choice if choice in present else None
    return next((variable for variable in order if variable in present), None)


def _unpooled_forest(
    key: tuple[object, object, object],
    group: pd.DataFrame,
    weights: pd.DataFrame,
    names: dict[str, str],
    settings: Settings,
) -> tuple[str, list[Captioned]]:
    """The pages of the forest plot of one comparison, window and measure gathering the analyses not pooled,
    grouped by domain in the registry's order."""
    from qolreview.figures.forest import forest_pages

    comparison, window, measure = key
    domains = group.set_index("analysis_id")["domain"]
    studies = weights[weights["analysis_id"].isin(domains.index)]
    order = {d: i for i, d in enumerate(names)}
    studies = (
        studies.assign(
            subgroup=studies["analysis_id"].map(domains).map(lambda d: names.get(d, d)),
            _order=studies["analysis_id"].map(domains).map(lambda d: order.get(d, len(order))),
        )
        .sort_values(["_order", "analysis_id", "study_id"], kind="stable")
        .drop(columns="_order")
    )
    window_name = settings["window_labels"].get(window, str(window).replace("_", " "))
    pages = forest_pages(
        studies,
        None,
        max_rows=settings["forest_max_rows"],
        title=f"{_comparison_label(str(comparison))}: analyses not pooled, {window_name} window",
        width=settings["width"],
        palette=settings["palette"],
        measure=str(measure),
        favours=_favours(str(comparison), settings),
    )
    return f"forest-single-{slug(comparison)}-{slug(window)}-{slug(measure)}", pages


def _pooled_forest(
    analysis: dict[str, object], studies: pd.DataFrame, own: pd.DataFrame, names: dict[str, str], settings: Settings
) -> tuple[str, list[Captioned]]:
    """The pages of the forest plot of one pooled analysis (``studies``: its study weights; ``own``: its
    subgroup results), split by the variable :func:`subgroup_variable` chooses."""
    from qolreview.figures.forest import forest_pages

    domain = names.get(str(analysis["domain"]), str(analysis["domain"]))
    window = settings["window_labels"].get(analysis["window"], str(analysis["window"]).replace("_", " "))
    title = f"{_comparison_label(str(analysis['comparison']))}: {domain}, {window} window"
    variable = subgroup_variable(own, settings["forest_subgroup"], list(settings["subgroup_order"]))
    results = None
    if variable is not None:
        results = own[own["subgroup_var"] == variable]
        studies = studies.assign(subgroup=studies[variable].fillna("not reported"))
        studies = studies.sort_values(["subgroup", "study_id"], kind="stable")
        analysis = {
            **analysis,
            "q_between": results["q_between"].iloc[0],
            "q_between_p": results["q_between_p"].iloc[0],
        }
        title += f", by {variable}"
    pages = forest_pages(
        studies,
        analysis,
        max_rows=settings["forest_max_rows"],
        subgroups=results,
        title=title,
        width=settings["width"],
        palette=settings["palette"],
        measure=str(analysis["measure"]),
        favours=_favours(str(analysis["comparison"]), settings),
    )
    return f"forest-{slug(analysis['analysis_id'])}", pages


def run_forest(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Forest plots: one per comparison, window and measure gathering the analyses that were not pooled,
    grouped by domain (stem ``forest-single-<comparison>-<window>-<measure>``); and one per pooled analysis
    (stem ``forest-<analysis>``), with subgroup headings, subtotal diamonds and the test for subgroup
    differences. A plot longer than ``forest_max_rows`` rows continues over pages ``<stem>-page-2``, ...
    This job draws its part of the plots (:func:`_in_part`)."""
    meta, weights = read_table(inputs["meta_analyses"]), read_table(inputs["study_weights"])
    subgroups = read_table(inputs["subgroups"])
    groups, none = dict(tuple(subgroups.groupby("analysis_id", sort=False))), subgroups.iloc[0:0]
    names = _domain_names(inputs)
    by_analysis = dict(tuple(weights.groupby("analysis_id", sort=False)))
    plots: list[Callable[[], tuple[str, list[Captioned]]]] = []
    unpooled = meta[~meta["pooled"].astype(bool)]
    for key, group in unpooled.groupby(["comparison", "window", "measure"], sort=True):
        if group["analysis_id"].isin(by_analysis).any():
            plots.append(partial(_unpooled_forest, key, group, weights, names, settings))
    for analysis in meta[meta["pooled"].astype(bool)].sort_values("analysis_id").to_dict("records"):
        aid = analysis["analysis_id"]
        if aid in by_analysis:
            plots.append(partial(_pooled_forest, analysis, by_analysis[aid], groups.get(aid, none), names, settings))
    with _Family(outputs, settings) as family:
        for draw in _in_part(plots, settings):
            family.add_pages(*draw())


def run_effect_direction(inputs: Files, outputs: Files, settings: Settings) -> None:
    """One effect direction plot per comparison (stem ``effect-direction-<comparison>``)."""
    from qolreview.figures.effect_direction import effect_direction_plot

    directions, votes = read_table(inputs["effect_direction"]), read_table(inputs["vote_counts"])
    names = _domain_names(inputs)
    figures = {}
    for comparison in sorted(directions["comparison"].unique()):
        figures[f"effect-direction-{slug(comparison)}"] = effect_direction_plot(
            directions[directions["comparison"] == comparison],
            votes[votes["comparison"] == comparison],
            domain_names=names,
            width=settings["width"],
            palette=settings["palette"],
        )
    _save_all(figures, outputs, settings)


def run_risk_of_bias(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Traffic-light and summary plots for each tool in use, weighted by ``studies.n_total`` when known."""
    from qolreview.figures.risk_of_bias import summary_plot, traffic_light_plot

    width, palette = settings["width"], settings["palette"]
    rob = read_table(inputs["risk_of_bias"])
    sizes = read_table(inputs["studies"]).set_index("study_id")["n_total"]
    rob = rob.assign(weight=rob["study_id"].map(sizes).astype("Float64"))
    figures = {}
    for tool in sorted(rob["tool"].unique()):
        figures[f"rob-traffic-light-{slug(tool)}"] = traffic_light_plot(rob, tool, width=width, palette=palette)
        if tool != "none":  # "none": studies not assessed with any tool; nothing to summarise
            figures[f"rob-summary-{slug(tool)}"] = summary_plot(rob, tool, width=width, palette=palette)
    _save_all(figures, outputs, settings)


def run_prisma(inputs: Files, outputs: Files, settings: Settings) -> None:
    """The PRISMA 2020 flow diagram (stem ``prisma``) and its PRISMA2020-package CSV (output ``csv``)."""
    from qolreview.figures.prisma import prisma_flow, write_prisma_csv

    table = read_table(inputs["prisma"])
    write_prisma_csv(table, outputs["csv"])
    _save_all({"prisma": prisma_flow(table, width=settings["width"])}, outputs, settings)


def _harmonized_tables(inputs: Files) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return read_table(inputs["effect_sizes"]), read_table(inputs["not_convertible"]), read_table(inputs["studies"])


def run_evidence_map(inputs: Files, outputs: Files, settings: Settings) -> None:
    """The evidence map (stem ``evidence-map``) of every reported result."""
    from qolreview.figures.data import evidence_map_table
    from qolreview.figures.evidence_map import evidence_map

    table = evidence_map_table(*_harmonized_tables(inputs))
    figure = evidence_map(table, domain_names=_domain_names(inputs), width=settings["width"])
    _save_all({"evidence-map": figure}, outputs, settings)


def run_qol_over_time(inputs: Files, outputs: Files, settings: Settings) -> None:
    """QoL over time (stem ``qol-over-time``); no figure when no QoL value has a known timepoint."""
    from qolreview.figures.data import trajectory_table
    from qolreview.figures.trajectories import trajectories_plot

    table = trajectory_table(*_harmonized_tables(inputs))
    if table.empty:
        _save_all({}, outputs, settings)
        return
    figure = trajectories_plot(table, domain_names=_domain_names(inputs), width=settings["width"])
    _save_all({"qol-over-time": figure}, outputs, settings)


def run_captions(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Merge the families' caption fragments (input ``fragments``) into ``captions.json`` (output ``captions``)."""
    merge_captions(list(inputs["fragments"]), outputs["captions"])


def _pooled_rows(meta: pd.DataFrame, table: pd.DataFrame) -> list[tuple[dict[str, object], pd.DataFrame]]:
    """Each pooled analysis that has rows in ``table``, with those rows."""
    pooled = meta[meta["pooled"].astype(bool)].set_index("analysis_id", drop=False)
    return [
        (pooled.loc[aid].to_dict(), rows)
        for aid, rows in table.groupby("analysis_id", sort=True)
        if aid in pooled.index
    ]


def run_funnel(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Contour-enhanced funnel plots (stem ``funnel-<analysis>``) of the analyses tested for small-study
    effects, trim-and-fill's imputed studies drawn open."""
    from qolreview.figures.funnel import funnel_plot

    meta, weights = read_table(inputs["meta_analyses"]), read_table(inputs["study_weights"])
    tests, filled = read_table(inputs["small_study_effects"]), read_table(inputs["filled_studies"])
    with _Family(outputs, settings) as family:
        for analysis, rows in _in_part(_pooled_rows(meta, tests), settings):
            aid = analysis["analysis_id"]
            family.add(
                f"funnel-{slug(aid)}",
                funnel_plot(
                    weights[weights["analysis_id"] == aid],
                    {**analysis, **rows.iloc[0].to_dict()},
                    filled[filled["analysis_id"] == aid],
                    width=settings["width"],
                    palette=settings["palette"],
                ),
            )


def run_bubble(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Bubble plots (stem ``bubble-<analysis>-<moderator>``) of every meta-regression."""
    from qolreview.figures.bubble import bubble_plot
    from qolreview.synthesis.diagnostics import moderator_values

    weights, regression = read_table(inputs["study_weights"]), read_table(inputs["meta_regression"])
    studies = read_table(inputs["studies"])
    measures = read_table(inputs["meta_analyses"]).set_index("analysis_id")["measure"]
    with _Family(outputs, settings) as family:
        for (aid, moderator), rows in regression.groupby(["analysis_id", "moderator"], sort=True):
            own = weights[weights["analysis_id"] == aid].reset_index(drop=True)
            values = moderator_values(own, studies, str(moderator))
            known = values.notna().to_numpy()
            plot = bubble_plot(
                own[known].reset_index(drop=True),
                values[known].reset_index(drop=True),
                rows,
                moderator=str(moderator),
                width=settings["width"],
                palette=settings["palette"],
                measure=str(measures[aid]),
            )
            family.add(f"bubble-{slug(aid)}-{slug(moderator)}", plot)


def run_influence(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Influence panels (stem ``influence-<analysis>``) and Baujat plots (``baujat-<analysis>``)."""
    from qolreview.figures.baujat import baujat_plot
    from qolreview.figures.influence import influence_plot

    meta, weights, influence = (read_table(inputs[name]) for name in ("meta_analyses", "study_weights", "influence"))
    width, palette = settings["width"], settings["palette"]
    with _Family(outputs, settings) as family:
        for analysis, rows in _in_part(_pooled_rows(meta, influence), settings):
            aid = analysis["analysis_id"]
            family.add(f"influence-{slug(aid)}", influence_plot(rows, analysis, width=width, palette=palette))
            own = weights[weights["analysis_id"] == aid]
            family.add(f"baujat-{slug(aid)}", baujat_plot(own, analysis, width=width, palette=palette))


def run_cumulative(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Cumulative forest plots (stem ``cumulative-<analysis>``); one longer than ``forest_max_rows`` rows
    continues over pages ``cumulative-<analysis>-page-2``, ..."""
    from qolreview.figures.cumulative import cumulative_forest_pages

    meta, cumulative = read_table(inputs["meta_analyses"]), read_table(inputs["cumulative"])
    with _Family(outputs, settings) as family:
        for analysis, rows in _in_part(_pooled_rows(meta, cumulative), settings):
            pages = cumulative_forest_pages(
                rows,
                analysis,
                max_rows=settings["forest_max_rows"],
                width=settings["width"],
                palette=settings["palette"],
                order_by=settings["order_by"],
            )
            family.add_pages(f"cumulative-{slug(analysis['analysis_id'])}", pages)


def run_gosh(inputs: Files, outputs: Files, settings: Settings) -> None:
    """GOSH plots (stem ``gosh-<analysis>``)."""
    from qolreview.figures.gosh import gosh_plot

    meta, subsets = read_table(inputs["meta_analyses"]), read_table(inputs["gosh"])
    with _Family(outputs, settings) as family:
        for analysis, rows in _pooled_rows(meta, subsets):
            plot = gosh_plot(rows, analysis, width=settings["width"], palette=settings["palette"])
            family.add(f"gosh-{slug(analysis['analysis_id'])}", plot)


def run_specification_curve(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Specification curves (stem ``specification-curve-<analysis>``) of the pooled analyses whose multiverse has
    at least two pooled specifications. This job draws its part of the curves (:func:`_in_part`)."""
    from qolreview.figures.specification_curve import specification_curve

    meta, table = read_table(inputs["meta_analyses"]), read_table(inputs["multiverse"])
    counts = table.loc[table["status"] == "pooled", "analysis_id"].value_counts()
    curves = [(a, rows) for a, rows in _pooled_rows(meta, table) if counts.get(a["analysis_id"], 0) >= 2]
    with _Family(outputs, settings) as family:
        for analysis, rows in _in_part(curves, settings):
            plot = specification_curve(rows, analysis, width=settings["width"], palette=settings["palette"])
            family.add(f"specification-curve-{slug(analysis['analysis_id'])}", plot)
