"""Degenerate reviews, end to end: the pipeline finishes and the report says plainly what could not be done.

Each case is a small review derived from the synthetic test review (``.test/build_workbook.py``) with one thing
taken away: no result that can become an effect size, no analysis with enough studies to pool, a single study,
and (in one run, each touching its own section) no contrasts, no risk-of-bias judgements and no PRISMA counts.
Each runs once, in its own copy of the project, under its own review title (a workbook other than the default
review's must not keep its identity). Every report is checked for tables with a header and no rows, and for
methods described that the run did not apply.
"""

from __future__ import annotations

import html
import importlib.util
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, PipelineRun, copy_project, snakemake
from qolreview.parquet_io import read_table
from qolreview.workbook.writer import write_workbook

Rows = dict[str, list[dict[str, object]]]

#: Statistics that make an outcome or contrast row convertible; without them a result stays "not convertible".
DISPERSION = (
    "sd",
    "se",
    "ci_low",
    "ci_high",
    "q1",
    "q3",
    "change_sd",
    "change_se",
    "change_ci_low",
    "change_ci_high",
    "baseline_sd",
    "pct_with_problem",
)
#: The studies of the review without effect sizes: two RCTs, a non-randomised study and a single-arm study.
SMALL_REVIEW = ("syn_rct_iv1", "syn_rct_iv2", "syn_nrsi_iv", "syn_single_in")
ONE_STUDY = "syn_rct_iv1"


def _synthetic_rows() -> Rows:
    """The rows of every sheet of the synthetic workbook, from its generator."""
    path = ROOT / ".test" / "build_workbook.py"
    spec = importlib.util.spec_from_file_location("synthetic_build_workbook", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module.build()


def _only_studies(rows: Rows, study_ids: tuple[str, ...]) -> Rows:
    """``rows`` restricted to ``study_ids``: their rows of every per-study sheet, the sources they cite, and the
    claims about the review or about them."""
    per_study = ("studies", "arms", "outcomes", "contrasts", "risk_of_bias")
    kept = {sheet: [r for r in rows[sheet] if r["study_id"] in study_ids] for sheet in per_study}
    kept["grade"], kept["prisma"] = rows["grade"], rows["prisma"]
    kept["claims"] = [c for c in rows["claims"] if c["study_id"] is None or c["study_id"] in study_ids]
    cited = {r["source_id"] for sheet in kept.values() for r in sheet if r.get("source_id")}
    kept["sources"] = [s for s in rows["sources"] if s["source_id"] in cited]
    return kept


def _no_effect_sizes(rows: Rows) -> Rows:
    """The small review with every measure of spread removed: means, medians and changes without an SD, SE, CI
    or IQR, and a contrast without its SE. Nothing can become an effect size, and no result has a direction (the
    results reported only in words and the percentages are left out)."""
    small = _only_studies(rows, SMALL_REVIEW)
    strip = {*DISPERSION, "p_value"}
    small["outcomes"] = [
        {k: v for k, v in r.items() if k not in strip}
        for r in small["outcomes"]
        if r.get("pct_with_problem") is None and r.get("direction_reported") is None
    ]
    small["contrasts"] = [{k: v for k, v in r.items() if k not in strip} for r in small["contrasts"]]
    return small


@dataclass(frozen=True)
class Case:
    """A degenerate review: its workbook's rows and the config overrides of the synthetic review it needs."""

    title: str
    rows: Callable[[Rows], Rows]
    synthesis: dict[str, object] = field(default_factory=dict)


CASES = {
    "no_effect_sizes": Case("no result can become an effect size", _no_effect_sizes),
    "nothing_pooled": Case("no analysis has enough studies to pool", lambda rows: rows, {"min_studies_to_pool": 50}),
    "one_study": Case("a single study", lambda rows: _only_studies(rows, (ONE_STUDY,))),
    "no_contrasts_rob_prisma": Case(
        "no contrasts, risk-of-bias judgements or PRISMA counts",
        lambda rows: {**rows, "contrasts": [], "risk_of_bias": [], "prisma": []},
    ),
}


def _configure(project: Path, name: str, case: Case) -> tuple[str, ...]:
    """Write the case's workbook and config file into ``project``; the snakemake arguments that select them."""
    write_workbook(project / "raw" / f"{name}.xlsx", case.rows(_synthetic_rows()))
    config = yaml.safe_load((project / ".test" / "config.yaml").read_text(encoding="utf-8"))
    config["review"]["title"] = f"SYNTHETIC degenerate review: {case.title} (invented data)"
    config["extraction"] = f"raw/{name}.xlsx"
    config["synthesis"] = {**config["synthesis"], **case.synthesis}
    path = project / "config" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return ("--configfile", str(path.relative_to(project)))


@pytest.fixture(scope="module")
def degenerate(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], PipelineRun]:
    """``degenerate(case)``: the whole pipeline run once on the case's review, then cached."""
    runs: dict[str, PipelineRun] = {}

    def get(name: str) -> PipelineRun:
        if name not in runs:
            project = copy_project(tmp_path_factory.mktemp(f"degenerate-{name}") / "project")
            args = _configure(project, name, CASES[name])
            runs[name] = PipelineRun(project, args, snakemake(project, *args))
        run = runs[name]
        if run.result.returncode != 0:
            pytest.fail(f"snakemake failed on the {name} review:\n{run.result.stderr[-4000:]}")
        return run

    return get


class _Tables(HTMLParser):
    """The number of body rows of every ``<table>`` of an HTML document, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.body_rows: list[int] = []
        self._open: list[int] = []
        self._in_body = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._open.append(len(self.body_rows))
            self.body_rows.append(0)
        elif tag == "tbody":
            self._in_body += 1
        elif tag == "tr" and self._open and self._in_body:
            self.body_rows[self._open[-1]] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._open:
            self._open.pop()
        elif tag == "tbody":
            self._in_body -= 1


def _body_rows(document: str) -> list[int]:
    parser = _Tables()
    parser.feed(document)
    return parser.body_rows


def _visible_text(document: str) -> str:
    """The report's text as a reader sees it: no scripts, styles, inline SVG or tags; quotes made straight."""
    text = re.sub(r"<(script|style|svg)\b[\s\S]*?</\1>", " ", document)
    text = re.sub(r"<[^>]+>", " ", text)
    text = html.unescape(text).translate(str.maketrans("“”’", '""\''))
    return re.sub(r"\s+", " ", text)


@dataclass(frozen=True)
class Report:
    """A finished degenerate run: its results folder, the report's HTML and its visible text."""

    results: Path
    document: str
    text: str

    def read(self, table: str) -> pd.DataFrame:
        """A results table, by its path under ``results/``."""
        return read_table(self.results / table)


def _report(run: PipelineRun) -> Report:
    document = (run.results / "report" / "review.html").read_text(encoding="utf-8")
    return Report(run.results, document, _visible_text(document))


# ---------------------------------------------------------------------------------------------------------
# Every case: the run finishes, no table is empty, no method is described that did not run
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("name", CASES)
def test_report_has_no_empty_table_and_no_unrun_method(degenerate: Callable[[str], PipelineRun], name: str) -> None:
    report = _report(degenerate(name))
    rows = _body_rows(report.document)
    assert rows and all(rows), f"tables with a header and no rows: {[i + 1 for i, n in enumerate(rows) if not n]}"
    for word in ("None", "nan", "NaN"):
        assert not re.search(rf"\b{word}\b", report.text), word
    for marker in ("{python}", "@fig-", "@tbl-", "@sec-"):
        assert marker not in report.text, marker
    ids = set(re.findall(r'\bid="([^"]+)"', report.document))
    assert {t for t in re.findall(r'\bhref="#([^"]*)"', report.document) if html.unescape(t) not in ids} == set()
    ran = {method: len(report.read(f"synthesis/{method}.parquet")) > 0 for method in ("leave_one_out", "subgroups")}
    assert ("leave-one-out for pooled analyses" in report.text) == ran["leave_one_out"]
    assert ("Subgroups:" in report.text) == ran["subgroups"]
    if report.read("synthesis/small_study_effects.parquet").empty:
        assert "Egger" not in report.text and "trim-and-fill" not in report.text.lower()
    if report.read("synthesis/meta_regression.parquet").empty:
        assert "meta-regression on" not in report.text
    if report.read("harmonized/effect_sizes.parquet").empty:
        assert "Every effect is signed" not in report.text


# ---------------------------------------------------------------------------------------------------------
# One case each
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_no_effect_sizes(degenerate: Callable[[str], PipelineRun]) -> None:
    report = _report(degenerate("no_effect_sizes"))
    assert report.read("harmonized/effect_sizes.parquet").empty
    assert report.read("synthesis/meta_analyses.parquet").empty
    not_convertible = report.read("harmonized/not_convertible.parquet")
    assert len(not_convertible) > 0
    for sentence in (
        "Effect measures. No effect size could be computed.",
        "Model. No analysis was pooled: no reported result could become an effect size.",
        "Reporting bias and sensitivity. Not run: no analysis was pooled.",
        "No result has a direction of effect, so there is nothing to plot or count.",
        "No result is reported without pooling: no reported result could become an effect size.",
        "No outcome has an effect size or a direction of effect, so there is no summary of findings.",
        "Reported results that could not become effect sizes, and why.",
    ):
        assert sentence in report.text, sentence
    assert "Vote counting based on the direction of effect" not in report.text


@pytest.mark.e2e
def test_nothing_pooled(degenerate: Callable[[str], PipelineRun]) -> None:
    report = _report(degenerate("nothing_pooled"))
    meta = report.read("synthesis/meta_analyses.parquet")
    assert len(meta) > 0 and not meta["pooled"].any() and int(meta["k"].max()) > 1
    reason = f"every analysis has fewer than the 50 studies needed to pool (the largest has {int(meta['k'].max())})"
    for sentence in (
        f"Model. No analysis was pooled: {reason}.",
        "Reporting bias and sensitivity. Not run: no analysis was pooled.",
        f"2.5 Pooled analyses No analysis was pooled: {reason}.",
        "Effects from analyses not pooled: a single study, or fewer than the 50 studies needed to pool.",
        "not pooled (too few studies)",
        "had fewer than the 50 needed to pool and are reported study by study.",
    ):
        assert sentence in report.text, sentence
    assert "Effects from analyses with a single study" not in report.text
    assert "Pooling " not in report.text and "Heterogeneity:" not in report.text


@pytest.mark.e2e
def test_one_study(degenerate: Callable[[str], PipelineRun]) -> None:
    report = _report(degenerate("one_study"))
    meta = report.read("synthesis/meta_analyses.parquet")
    assert set(meta["study_ids"]) == {ONE_STUDY} and not meta["pooled"].any()
    assert report.read("harmonized/not_convertible.parquet").empty
    for sentence in (
        "It covers 1 study",
        "Model. No analysis was pooled: every analysis has a single study.",
        "Reporting bias and sensitivity. Not run: no analysis was pooled.",
        "Effects from analyses with a single study (not pooled).",
        "Every reported result became an effect size.",
        "the workbook lists 1 study (1 confirmed, 0 provisional)",
    ):
        assert sentence in report.text, sentence
    assert "Judgements were entered for 1 of 1 study;" in report.text


@pytest.mark.e2e
def test_no_contrasts_risk_of_bias_or_prisma_counts(degenerate: Callable[[str], PipelineRun]) -> None:
    report = _report(degenerate("no_contrasts_rob_prisma"))
    assert report.read("clean/contrasts.parquet").empty
    effects = report.read("harmonized/effect_sizes.parquet")
    assert not effects["source_cells"].str.contains("contrasts!").any()
    assert "log ratio and its standard error from a ratio" not in report.text  # the only ratio came from a contrast
    meta = report.read("synthesis/meta_analyses.parquet")
    assert meta["pooled"].any()  # the rest of the review pools as before
    # No risk-of-bias judgement and no PRISMA count: said in the methods, the results and the limitations.
    for sentence in (
        "No risk-of-bias judgement was extracted, so every study is shown as not assessed.",
        'No risk-of-bias judgement was extracted: all 17 studies are shown as "not assessed", never as low risk.',
        "Risk of bias was judged for none of the 17 studies",
        "Risk-of-bias judgements missing for all 17 studies.",
        'No PRISMA flow count was extracted: every box of the flow diagram reads "n = not reported".',
        "PRISMA flow counts not reported: records identified from databases,",
    ):
        assert sentence in report.text, sentence
    assert "Newcastle-Ottawa stars are converted" not in report.text
    assert "The PRISMA 2020 flow diagram shows" not in report.text
