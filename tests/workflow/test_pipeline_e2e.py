"""The whole pipeline, end to end, on the embedded default review and on the synthetic test review.

Each review is run once per session (``pipeline`` fixture in ``conftest.py``) in a temporary copy of the
project; tests that change something (a workbook cell, a report cell, the config) work on their own copy.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from compare_results import compare
from conftest import ROOT, PipelineRun, clone_run, copy_project, snakemake
from qolreview.clean.normalize import load_synonyms
from qolreview.clean.stage import clean_workbook
from qolreview.instruments import load_registry
from qolreview.parquet_io import read_table
from qolreview.report.robustness import declared_shown

REVIEWS = ("default", "synthetic")
CLEAN_TABLES = ("studies", "arms", "outcomes", "contrasts", "risk_of_bias", "prisma", "sources", "grade", "claims")
SYNTHESIS_FILES = (
    "meta_analyses.parquet",
    "study_weights.parquet",
    "leave_one_out.parquet",
    "subgroups.parquet",
    "effect_direction.parquet",
    "vote_counts.parquet",
    "risk_of_bias.parquet",
    "summary_of_findings.parquet",
    "robvis_robins_i.csv",
    "robvis_nos.csv",
    "robvis_rob2.csv",
)
FIGURE_FAMILIES = (
    "forest",
    "effect_direction",
    "risk_of_bias",
    "prisma",
    "evidence_map",
    "qol_over_time",
    "specification_curve",
)
SENSITIVITY_FILES = (
    "sensitivity_analyses.parquet",
    "multiverse.parquet",
    "multiverse_summary.parquet",
    "multiverse_factors.parquet",
)
#: The sensitivity rules and the specification curves: downstream of the clean tables and of every pooling choice.
SENSITIVITY_RULES = ("sensitivity", "multiverse_part", "multiverse", "fig_specification_curve")
#: Figure families of the diagnostics, drawn where their synthesis table has rows (enough studies).
DIAGNOSTIC_FIGURE_FAMILIES = {
    "funnel": "small_study_effects",
    "bubble": "meta_regression",
    "influence": "influence",
    "cumulative": "cumulative",
    "gosh": "gosh",
}
#: Rules downstream of the workbook: what an edited outcome cell must rerun (``all`` is the target rule).
#: The diagnostics of the pooled analyses and their figures: downstream of meta_analysis.
DIAGNOSTICS = (
    "meta_regression",
    "small_study_effects",
    "influence",
    "cumulative",
    "gosh",
    "fig_funnel",
    "fig_bubble",
    "fig_influence",
    "fig_cumulative",
    "fig_gosh",
)
WORKBOOK_DEPENDENTS = {
    "clean",
    "harmonize",
    "risk_of_bias",
    "meta_analysis",
    "narrative_synthesis",
    "summary_of_findings",
    *DIAGNOSTICS,
    "fig_forest",
    "fig_effect_direction",
    "fig_risk_of_bias",
    "fig_prisma",
    "fig_evidence_map",
    "fig_qol_over_time",
    "fig_captions",
    *SENSITIVITY_RULES,
    "provenance",
    "report",
    "all",
}
#: Rules split into several jobs: the per-analysis figure families (figures.jobs) and the multiverse shards.
SPLIT_FIGURE_RULES = ("fig_forest", "fig_funnel", "fig_influence", "fig_cumulative", "fig_specification_curve")
SYNTHETIC_BUILDER = ROOT / ".test" / "build_workbook.py"
#: The synthetic review's main analysis (at least 12 studies, every diagnostic runs on it). Its SMDs of final
#: values are split from the few change-score SMDs of the same window (Cochrane Handbook 10.5.2).
SYNTHETIC_MAIN = "between_arms|overall|medium|SMD|final"


def _builder():
    spec = importlib.util.spec_from_file_location("synthetic_build_workbook", SYNTHETIC_BUILDER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _visible_text(document: str) -> str:
    """The report's text as a reader sees it: no scripts, styles, inline SVG, tags or data URIs."""
    text = re.sub(r"<(script|style|svg)\b[\s\S]*?</\1>", " ", document)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(text))


def _image_alts(document: str) -> list[str]:
    """Alt texts of the images embedded as ``data:`` URIs."""
    alts = []
    for tag in re.findall(r"<img\b[^>]*>", document):
        if re.search(r'\bsrc="data:', tag):
            match = re.search(r'\balt="([^"]*)"', tag)
            alts.append(html.unescape(match.group(1)) if match else "")
    return alts


def _linked_figures(document: str) -> dict[str, str]:
    """The figures past the report's budget: the alt text (the link's title) -> the linked file, relative to the
    report."""
    return {
        html.unescape(title): html.unescape(href)
        for href, title in re.findall(r'<a href="(\.\./figures/[^"]+\.svg)" title="([^"]*)"', document)
    }


def _dry_run_jobs(output: str) -> dict[str, int]:
    """``rule: count`` from the job-stats table of a ``snakemake -n`` run."""
    block = re.search(r"Job stats:\n.*?\n-+\s+-+\n(.*?)\ntotal\s+\d+", output, re.S)
    if block is None:
        return {}
    return {name: int(count) for name, count in re.findall(r"^(\w+)\s+(\d+)$", block.group(1), re.M)}


# ---------------------------------------------------------------------------------------------------------
# The synthetic workbook (fast)
# ---------------------------------------------------------------------------------------------------------


def test_synthetic_workbook_regenerates_identical_bytes(tmp_path: Path) -> None:
    builder = _builder()
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    builder.main(first)
    builder.main(second)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() == (ROOT / ".test" / "extraction.xlsx").read_bytes(), (
        "the committed .test/extraction.xlsx is stale: run .venv/bin/python .test/build_workbook.py"
    )


def test_synthetic_workbook_passes_the_clean_stage() -> None:
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    result = clean_workbook(
        ROOT / ".test" / "extraction.xlsx",
        load_registry(ROOT / "config" / "instruments.yaml"),
        load_synonyms([ROOT / "config" / "synonyms.yaml", ROOT / "config" / "default_review_synonyms.yaml"]),
        config["clean"],
    )
    studies, outcomes = result.tables["studies"], result.tables["outcomes"]
    assert studies["design"].value_counts().to_dict() == {"rct": 11, "nrsi": 4, "cohort": 1, "single_arm": 1}
    assert studies["notes"].str.startswith("SYNTHETIC").all()
    assert set(outcomes["timepoint"]) == {"baseline", "week 1", "day 28", "week 12", "6 months"}
    assert {"WHOQOL-BREF", "EQ-5D-5L", "EQ-VAS", "SF-36", "QLDS", "AQoL-8D", "HAM-D", "MADRS", "SDS"} == set(
        outcomes["instrument"]
    )
    assert set(result.tables["contrasts"]["statistic"]) == {"ls_md", "rr"}
    assert set(result.tables["risk_of_bias"]["tool"]) == {"RoB2", "ROBINS-I", "NOS"}
    prisma = result.tables["prisma"].set_index("box")["n"]
    assert prisma["records_screened"] == prisma["database_results"] + prisma["register_results"] - prisma["duplicates"]
    assert prisma["dbr_assessed"] - prisma["dbr_excluded"] == prisma["total_studies"] == len(studies)


# ---------------------------------------------------------------------------------------------------------
# Full runs, one per review
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("review", REVIEWS)
def test_every_target_exists(pipeline: Callable[[str], PipelineRun], review: str) -> None:
    results = pipeline(review).results
    expected = [
        *(f"clean/{t}.parquet" for t in CLEAN_TABLES),
        "clean/cleaning_log.parquet",
        "clean/validation_report.md",
        *(f"harmonized/{t}.parquet" for t in ("effect_sizes", "not_convertible", "conversion_log")),
        *(f"synthesis/{f}" for f in SYNTHESIS_FILES),
        *(f"sensitivity/{f}" for f in SENSITIVITY_FILES),
        "figures/captions.json",
        "figures/prisma_counts.csv",
        "report/review.html",
        "report/config_used.yaml",
        "report/provenance.csv",
    ]
    missing = [p for p in expected if not (results / p).is_file() or (results / p).stat().st_size == 0]
    assert missing == []
    captions = json.loads((results / "figures" / "captions.json").read_text(encoding="utf-8"))
    svgs = {p.stem for p in (results / "figures").rglob("*.svg")}
    assert set(captions) == svgs
    assert not list((results / "figures").rglob("*.png")), "figures.formats is [svg] by default"
    files = [Path(entry["file"]) for entry in captions.values()]
    assert all((results.parent / file).is_file() for file in files)
    diagnostics = {
        family
        for family, table in DIAGNOSTIC_FIGURE_FAMILIES.items()
        if len(read_table(results / "synthesis" / f"{table}.parquet"))
    }
    assert {file.relative_to("results/figures").parts[0] for file in files} == set(FIGURE_FAMILIES) | diagnostics
    assert all(entry["caption"] and entry["alt"] for entry in captions.values())


@pytest.mark.e2e
@pytest.mark.parametrize("review", REVIEWS)
def test_report_html_is_complete(pipeline: Callable[[str], PipelineRun], review: str) -> None:
    results = pipeline(review).results
    document = (results / "report" / "review.html").read_text(encoding="utf-8")
    text = _visible_text(document)
    captions = json.loads((results / "figures" / "captions.json").read_text(encoding="utf-8"))
    meta = read_table(results / "synthesis" / "meta_analyses.parquet")
    alts = _image_alts(document)
    assert len(alts) == document.count('src="data:image/')
    # Every figure of a pooled analysis and every non-forest figure is embedded once, or linked once the report's
    # figure budget is spent (to its file, beside the report).
    linked = _linked_figures(document)
    assert all((results / "report" / href).is_file() for href in linked.values())
    alts += list(linked)
    pooled = {
        "forest-" + re.sub(r"[^a-z0-9]+", "-", a.lower()).strip("-")
        for a in meta.loc[meta["pooled"].fillna(False).astype(bool), "analysis_id"]
    }
    wanted = {stem for stem in captions if not stem.startswith("forest-") or stem in pooled}
    assert pooled <= set(captions)
    missing = sorted(stem for stem in wanted if captions[stem]["alt"] not in alts)
    assert missing == []
    assert len(alts) >= len(wanted)
    # Tables, numbered.
    assert document.count("<table") >= 5
    assert re.search(r"Table 1:", text) and re.search(r"Figure 1:", text)
    # Nothing left unrendered or printed from a missing value.
    for word in ("None", "nan", "NaN"):
        assert not re.search(rf"\b{word}\b", text), f"{word!r} in the report: {_context(text, word)}"
    for marker in ("{python}", "@fig-", "@tbl-", "@sec-"):
        assert marker not in text, f"{marker!r} in the report: {_context(text, marker)}"
    # Every internal link points at an element of the document.
    ids = set(re.findall(r'\bid="([^"]+)"', document))
    targets = [html.unescape(t) for t in re.findall(r'\bhref="#([^"]*)"', document)]
    assert targets and sorted({t for t in targets if t not in ids}) == []


@pytest.mark.e2e
def test_report_embeds_or_links_every_figure_of_captions(pipeline: Callable[[str], PipelineRun]) -> None:
    results = pipeline("synthetic").results
    captions = json.loads((results / "figures" / "captions.json").read_text(encoding="utf-8"))
    document = (results / "report" / "review.html").read_text(encoding="utf-8")
    alts, linked = _image_alts(document), _linked_figures(document)
    assert sorted(stem for stem, entry in captions.items() if entry["alt"] not in [*alts, *linked]) == []
    # Embedded first, up to the budget of figure files (report.figure_budget_mb, default 2 MB), then linked.
    embedded = [stem for stem, entry in captions.items() if entry["alt"] in alts]
    assert sum((results.parent / captions[stem]["file"]).stat().st_size for stem in embedded) <= 2e6
    if linked:
        assert "the report embeds them up to 2 MB" in " ".join(document.split())


def _context(text: str, needle: str, width: int = 80) -> str:
    at = text.find(needle)
    return text[max(0, at - width) : at + width] if at >= 0 else ""


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def _window_bounds(window: str) -> tuple[float, float]:
    """Lower (exclusive) and upper (inclusive) bound in weeks of a time window of the default config."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    low = 0.0
    for entry in config["harmonize"]["windows"]:
        high = float(entry.get("max_weeks", float("inf")))
        if entry["name"] == window:
            return low, high
        low = high
    raise KeyError(window)


def _studies_comparing_arms(results: Path, domain: str, window: str) -> set[str]:
    """Studies with a number for an intervention arm and a comparator arm on a subscale of ``domain`` at a
    visit in ``window``, or a between-arm contrast there: the studies its between-arm analysis can pool."""
    registry = load_registry(ROOT / "config" / "instruments.yaml")
    low, high = _window_bounds(window)

    def in_scope(rows):
        domains = [registry.subscale(i, s).domain for i, s in zip(rows["instrument"], rows["subscale"], strict=True)]
        weeks = rows["timepoint_weeks"]
        return rows[(pd.Series(domains, index=rows.index) == domain) & (weeks > low) & (weeks <= high)]

    outcomes = in_scope(read_table(results / "clean" / "outcomes.parquet"))
    outcomes = outcomes[outcomes[["mean", "median", "change_mean"]].notna().any(axis=1)]
    roles = read_table(results / "clean" / "arms.parquet").set_index(["study_id", "arm_id"])["role"]
    arm_roles: dict[str, set[str]] = {}
    for study_id, arm_id in zip(outcomes["study_id"], outcomes["arm_id"], strict=True):
        arm_roles.setdefault(study_id, set()).add(roles[study_id, arm_id])
    contrasts = in_scope(read_table(results / "clean" / "contrasts.parquet"))
    return {s for s, found in arm_roles.items() if found == {"intervention", "comparator"}} | set(contrasts["study_id"])


def _smd_studies_by_basis(results: Path, domain: str, window: str) -> dict[str, set[str]]:
    """Studies with a selected between-arm SMD on ``domain`` in ``window``, by the effect's ``outcome_basis``
    (change or final values): the studies of each SMD analysis the change/final rule splits off."""
    effects = read_table(results / "harmonized" / "effect_sizes.parquet")
    effects = effects[
        effects["selected"].astype(bool)
        & (effects["comparison"] == "between_arms")
        & (effects["measure"] == "SMD")
        & (effects["domain"] == domain)
        & (effects["window"] == window)
    ]
    return {str(basis): set(rows["study_id"]) for basis, rows in effects.groupby("outcome_basis")}


@pytest.mark.e2e
def test_synthetic_report_quotes_the_pooled_estimates(pipeline: Callable[[str], PipelineRun]) -> None:
    results = pipeline("synthetic").results
    text = _visible_text((results / "report" / "review.html").read_text(encoding="utf-8"))
    meta = read_table(results / "synthesis" / "meta_analyses.parquet").set_index("analysis_id")
    pooled = meta[meta["pooled"].fillna(False).astype(bool)]
    assert len(pooled) >= 10 and (pooled["k"] >= 3).sum() >= 6
    for analysis_id, row in pooled.iterrows():
        quoted = f"{_fmt(row['estimate'])} (95% CI {_fmt(row['ci_lb'])} to {_fmt(row['ci_ub'])}"
        assert quoted in text, f"{analysis_id}: {quoted!r} not in the report"
    # Change-score and final-value SMDs are never pooled together: the overall QoL analysis of the medium window
    # is split by basis. Every study comparing the arms there reports final values (the main analysis); a few
    # report change scores on another instrument too (a small change-score analysis).
    by_basis = _smd_studies_by_basis(results, "overall", "medium")
    assert set(by_basis) == {"change", "final"}
    assert "between_arms|overall|medium|SMD" not in meta.index
    for basis, studies in by_basis.items():
        split = meta.loc[f"between_arms|overall|medium|SMD|{basis}"]
        assert split["outcome_basis"] == basis
        assert set(split["study_ids"].split("; ")) == studies and int(split["k"]) == len(studies)
    assert 2 <= len(by_basis["change"]) < len(by_basis["final"])
    assert "between_arms|overall|medium|SMD|change" in pooled.index
    main = pooled.loc[SYNTHETIC_MAIN]
    assert by_basis["final"] == _studies_comparing_arms(results, "overall", "medium")
    assert int(main["k"]) == len(by_basis["final"]) >= 12
    assert (
        f"Pooling {int(main['k'])} studies" in text
        and f"Q = {main['q']:.2f} on {int(main['q_df'])} degrees of freedom" in text
    )
    # The analyses the synthetic review is built to exercise.
    leave_one_out = read_table(results / "synthesis" / "leave_one_out.parquet")
    subgroups = read_table(results / "synthesis" / "subgroups.parquet")
    assert SYNTHETIC_MAIN in set(leave_one_out["analysis_id"])
    assert {"drug", "population", "design"} <= set(subgroups["subgroup_var"])
    weights = read_table(results / "synthesis" / "study_weights.parquet")
    main_weights = weights[weights["analysis_id"] == SYNTHETIC_MAIN]
    assert main_weights["composite"].astype(bool).sum() >= 3  # several studies pool dependent effects
    # The diagnostics (at least 10 studies for meta-regression and the small-study tests), on the main analysis.
    diagnostics = {
        name: read_table(results / "synthesis" / f"{name}.parquet")
        for name in ("meta_regression", "small_study_effects", "filled_studies", "influence", "cumulative", "gosh")
    }
    main_rows = {name: table[table["analysis_id"] == main.name] for name, table in diagnostics.items()}
    assert all(len(rows) > 0 for rows in main_rows.values()), {n: len(r) for n, r in main_rows.items()}
    assert set(main_rows["meta_regression"]["moderator"]) == {"year", "design"}
    assert (main_rows["meta_regression"]["k"] == main["k"]).all()
    small_study = main_rows["small_study_effects"].iloc[0]
    assert int(small_study["k0"]) == len(main_rows["filled_studies"]) > 0  # smaller studies, larger effects
    assert int(small_study["filled_k"]) == int(main["k"]) + int(small_study["k0"])
    assert len(main_rows["influence"]) == len(main_rows["cumulative"]) == int(main["k"])
    assert len(main_rows["gosh"]) == 2 ** int(main["k"]) - 1  # every non-empty subset of the studies
    conversions = set(read_table(results / "harmonized" / "conversion_log.parquet")["name"])
    assert {
        "sd_from_se",
        "sd_from_ci",
        "mean_sd_from_median_iqr",
        "change_from_means",
        "change_sd",
        "se_from_ci",
        "md_to_smd",
        "pooled_sd",
        "proportion_to_count",
    } <= conversions
    effects = read_table(results / "harmonized" / "effect_sizes.parquet")
    assert {"SMD", "RR", "SMCR", "SMCC"} <= set(effects["measure"])
    assert {"reported", "default"} <= set(effects["r_source"].dropna())
    not_convertible = read_table(results / "harmonized" / "not_convertible.parquet")
    assert (not_convertible["reason"] == "direction only").sum() == 3


@pytest.mark.e2e
def test_default_report_key_facts(pipeline: Callable[[str], PipelineRun]) -> None:
    results = pipeline("default").results
    text = _visible_text((results / "report" / "review.html").read_text(encoding="utf-8"))
    assert re.search(r"\b5 studies: 1 confirmed\b", text)
    meta = read_table(results / "synthesis" / "meta_analyses.parquet").set_index("analysis_id")
    overall = meta.loc["between_arms|overall|short|SMD"]
    assert bool(overall["pooled"]) and int(overall["k"]) == 2
    assert overall["study_ids"] == "jamieson2023_aspire; jamieson2023_transform2"
    assert "Pooling 2 studies (Jamieson 2023 (ASPIRE I/II) and Jamieson 2023 (TRANSFORM-2)" in text
    quoted = f"{_fmt(overall['estimate'])} (95% CI {_fmt(overall['ci_lb'])} to {_fmt(overall['ci_ub'])}"
    assert quoted in text


# ---------------------------------------------------------------------------------------------------------
# Determinism, incremental reruns, failures
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("review", REVIEWS)
def test_second_run_is_byte_identical(pipeline: Callable[[str], PipelineRun], review: str, tmp_path: Path) -> None:
    """A second run, on one core, writes the same bytes. Where the SLURM test must run (``QOLREVIEW_REQUIRE_SLURM``,
    as in CI), it repeats the synthetic review's run through the cluster and compares it byte for byte, so this test
    then checks the default review only (the synthetic run costs about 3.5 minutes)."""
    if review == "synthetic" and os.environ.get("QOLREVIEW_REQUIRE_SLURM"):
        pytest.skip("tests/workflow/test_slurm.py repeats the synthetic run through SLURM and compares it")
    first = pipeline(review)
    project = copy_project(tmp_path / "again")
    done = snakemake(project, *first.args, cores=1)
    assert done.returncode == 0, done.stderr[-4000:]
    result = compare(first.results, project / "results")
    assert (result.different, result.only_left, result.only_right) == ([], [], [])
    assert result.identical


@pytest.mark.e2e
@pytest.mark.parametrize("review", REVIEWS)
def test_rerun_does_nothing(pipeline: Callable[[str], PipelineRun], review: str) -> None:
    run = pipeline(review)
    done = snakemake(run.project, *run.args, "-n", cores=1)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Nothing to be done" in done.stdout + done.stderr


@pytest.mark.e2e
def test_edited_outcome_cell_reruns_only_dependent_rules(
    pipeline: Callable[[str], PipelineRun], tmp_path: Path
) -> None:
    run = pipeline("synthetic")
    project = clone_run(run, tmp_path / "edited")
    workbook_path = project / ".test" / "extraction.xlsx"
    workbook = openpyxl.load_workbook(workbook_path)
    sheet = workbook["outcomes"]
    column = [c.value for c in sheet[1]].index("mean") + 1
    cell = next(
        sheet.cell(row, column)
        for row in range(2, sheet.max_row + 1)
        if isinstance(sheet.cell(row, column).value, float)
    )
    cell.value = round(cell.value + 1.0, 3)
    workbook.save(workbook_path)
    done = snakemake(project, *run.args, "-n", cores=1)
    assert done.returncode == 0, done.stderr[-3000:]
    jobs = _dry_run_jobs(done.stdout + done.stderr)
    assert set(jobs) == WORKBOOK_DEPENDENTS
    shards = yaml.safe_load((ROOT / ".test" / "config.yaml").read_text(encoding="utf-8"))["sensitivity"]["multiverse"]
    assert jobs.pop("multiverse_part") == shards["jobs"]
    parts = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))["figures"]["jobs"]
    assert [jobs.pop(rule) for rule in SPLIT_FIGURE_RULES] == [parts] * len(SPLIT_FIGURE_RULES)
    assert all(count == 1 for count in jobs.values())


@pytest.mark.e2e
def test_changed_pooling_method_reruns_only_what_depends_on_it(
    pipeline: Callable[[str], PipelineRun], tmp_path: Path
) -> None:
    run = pipeline("synthetic")
    project = clone_run(run, tmp_path / "method")
    done = snakemake(project, *run.args, "--config", "synthesis={'method': 'DL'}", "-n", cores=1)
    assert done.returncode == 0, done.stderr[-3000:]
    jobs = _dry_run_jobs(done.stdout + done.stderr)
    assert set(jobs) == {
        "meta_analysis",
        "summary_of_findings",
        *DIAGNOSTICS,
        "fig_forest",
        "fig_captions",
        *SENSITIVITY_RULES,
        "config_used",
        "provenance",
        "report",
        "all",
    }
    assert not {"risk_of_bias", "narrative_synthesis", "fig_effect_direction"} & set(jobs)


@pytest.mark.e2e
def test_che_model_runs_end_to_end(pipeline: Callable[[str], PipelineRun], tmp_path: Path) -> None:
    """``multiple_effects: che`` pools every effect size: the synthetic review's studies with several effects
    per analysis enter the CHE model, and the report and forest captions say so."""
    run = pipeline("synthetic")
    project = clone_run(run, tmp_path / "che")
    done = snakemake(project, *run.args, "--config", "synthesis={'multiple_effects': 'che'}")
    assert done.returncode == 0, done.stderr[-3000:]
    meta = read_table(project / "results/synthesis/meta_analyses.parquet")
    pooled = meta[meta["pooled"]]
    assert set(pooled["test"]) == {"cr2"} and set(pooled["method"]) == {"REML"}
    assert (pooled["df"] > 0).all() and pooled["sigma2_within"].notna().all()
    several = pooled[pooled["k_effects"] > pooled["k"]]
    assert len(several) >= 1
    weights = read_table(project / "results/synthesis/study_weights.parquet")
    assert "che" in set(weights["selection"])
    assert weights[weights["analysis_id"].isin(pooled["analysis_id"])].groupby("analysis_id")[
        "weight_pct"
    ].sum().to_numpy() == pytest.approx(100.0)
    text = _visible_text((project / "results/report/review.html").read_text(encoding="utf-8"))
    assert "correlated-and-hierarchical-effects model" in text
    assert "CR2 cluster-robust t test" in text
    captions = json.loads((project / "results/figures/captions.json").read_text(encoding="utf-8"))
    assert any("CHE model" in entry["caption"] for entry in captions.values())


FAILING_CELL = """

```{python}
#| label: deliberately-broken
raise RuntimeError("broken on purpose")
```
"""


@pytest.mark.e2e
def test_failing_report_cell_fails_the_report_rule(pipeline: Callable[[str], PipelineRun], tmp_path: Path) -> None:
    run = pipeline("default")
    project = clone_run(run, tmp_path / "broken")
    qmd = project / "report" / "review.qmd"
    qmd.write_text(qmd.read_text(encoding="utf-8") + FAILING_CELL, encoding="utf-8")
    done = snakemake(project, *run.args, cores=1)
    assert done.returncode != 0
    log = (project / "results" / "logs" / "report.log").read_text(encoding="utf-8")
    assert "cell 'deliberately-broken'" in log and "broken on purpose" in log
    assert "Error in rule report" in done.stdout + done.stderr
    assert not (project / "results" / "report" / "review.html").exists()


@pytest.mark.e2e
def test_unknown_config_key_stops_before_any_rule(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "config-error")
    done = snakemake(project, "--config", "bogus_key=1", cores=1)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "'bogus_key' was unexpected" in output
    assert not (project / "results").exists()
    assert not re.search(r"^rule \w+:", output, re.M)


def test_dry_run_parser() -> None:
    output = "Job stats:\njob      count\n-------  -------\nclean          1\nall            1\ntotal          2\n"
    assert _dry_run_jobs(output) == {"clean": 1, "all": 1}
    assert _dry_run_jobs("Nothing to be done.") == {}


@pytest.mark.e2e
def test_synthetic_report_shows_the_robustness_of_each_pooled_result(pipeline: Callable[[str], PipelineRun]) -> None:
    """The declared sensitivity analyses, the multiverse of every pooled analysis with its specification curve and
    verdict, and the multiverse shards concatenated to the grid of the configuration."""
    results = pipeline("synthetic").results
    text = _visible_text((results / "report" / "review.html").read_text(encoding="utf-8"))
    declared = read_table(results / "sensitivity" / "sensitivity_analyses.parquet")
    summary = read_table(results / "sensitivity" / "multiverse_summary.parquet")
    table = read_table(results / "sensitivity" / "multiverse.parquet")
    meta = read_table(results / "synthesis" / "meta_analyses.parquet")
    pooled = set(meta.loc[meta["pooled"].astype(bool), "analysis_id"])
    # the run's sensitivity section: the synthetic review's factors merged into the default's (--configfile)
    config = yaml.safe_load((results / "report" / "config_used.yaml").read_text(encoding="utf-8"))["sensitivity"]
    grid = 1
    for levels in config["multiverse"]["factors"].values():
        grid *= len(levels)
    assert set(declared["analysis_id"]) == set(summary["analysis_id"]) == pooled
    assert len(declared) == len(config["analyses"]) * len(pooled)
    assert len(table) == grid * len(pooled) and (summary["n_specifications"] == grid).all()
    assert table.groupby("analysis_id")["specification"].apply(list).map(lambda ids: ids == list(range(grid))).all()
    assert "Robustness" in text and "Declared sensitivity analyses (Cochrane Handbook 10.14)" in text
    shown = declared_shown(declared)  # every result, or with many analyses those that change a conclusion
    for sentence in shown["sentence"]:
        assert html.unescape(sentence) in text
    if len(shown) < len(declared):
        assert f"Of their {len(declared):,} results on the {len(pooled)} pooled analyses" in text
    for verdict in summary["robustness"]:
        assert verdict in text
    assert summary.set_index("analysis_id").loc[SYNTHETIC_MAIN, "n_pooled"] > 1
