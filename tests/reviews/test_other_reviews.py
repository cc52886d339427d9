"""Three reviews from other fields, each run end to end from its own review folder and checked against metafor.

Each folder here holds one review's own files: ``config.yaml``, its registry file ``instruments.yaml`` and its
workbook as one CSV per sheet (``workbook/<sheet>.csv``). The test makes a review folder
(:func:`qolreview.review_folder.create_review_folder`), puts these files in it, runs the project's ``snakemake``
there once per review, and compares the pooled analyses with ``reference.json`` (``generate_reference.R``). No
report may mention the embedded default review, in its text or in its embedded figures.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, snakemake
from qolreview.parquet_io import read_table
from qolreview.review_folder import create_review_folder
from qolreview.workbook.spec import SHEETS_BY_NAME
from qolreview.workbook.writer import write_workbook

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
REFERENCE = json.loads((HERE / "reference.json").read_text(encoding="utf-8"))["reviews"]
DEFAULT_REVIEW = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))["review"]
#: Words of the embedded default review that no other review's report may contain (case-insensitive).
FOREIGN = re.compile(r"ketamine|depression|\bTRD\b|\bMDD\b|Cheng|" + re.escape(DEFAULT_REVIEW["title"]), re.IGNORECASE)
#: Statistics of a pooled analysis compared with metafor: ``meta_analyses`` columns, named as in the reference.
POOLED = ("estimate", "se", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "i2", "q", "q_p")
RTOL = 1e-6
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,([A-Za-z0-9+/=]+)")


def _cell(kind: str, text: str) -> object:
    """A CSV field as the workbook holds it: empty as blank, numbers and dates typed by the column's kind."""
    if text == "":
        return None
    if kind == "int":
        return int(text)
    if kind in ("float", "pct"):
        return float(text)
    if kind == "date":
        return dt.date.fromisoformat(text)
    return text


def workbook_rows(review: Path) -> dict[str, list[dict[str, object]]]:
    """The rows of each sheet in a review's ``workbook/<sheet>.csv`` files, typed by the workbook contract."""
    sheets: dict[str, list[dict[str, object]]] = {}
    for path in sorted((review / "workbook").glob("*.csv")):
        kinds = {column.name: column.kind for column in SHEETS_BY_NAME[path.stem].columns}
        with path.open(encoding="utf-8", newline="") as handle:
            sheets[path.stem] = [{k: _cell(kinds[k], v) for k, v in row.items()} for row in csv.DictReader(handle)]
    return sheets


@dataclass(frozen=True)
class ReviewRun:
    """A review folder after ``snakemake`` ran in it."""

    folder: Path
    result: subprocess.CompletedProcess[str]

    def table(self, name: str) -> pd.DataFrame:
        """A table of ``results/synthesis/``."""
        return read_table(self.folder / "results" / "synthesis" / f"{name}.parquet")


def run_review(name: str, folder: Path) -> ReviewRun:
    """Make a review folder for ``name`` with its own config, registry and workbook, and run the pipeline in it."""
    create_review_folder(folder, ROOT)
    review = HERE / name
    shutil.copyfile(review / "config.yaml", folder / "config" / "config.yaml")
    shutil.copyfile(review / "instruments.yaml", folder / "config" / "instruments.yaml")
    write_workbook(folder / "raw" / "extraction.xlsx", workbook_rows(review))
    return ReviewRun(folder, snakemake(folder))


@pytest.fixture(scope="module")
def review_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], ReviewRun]:
    """``review_run(name)``: the pipeline run once on review ``name`` in its own folder, then cached."""
    runs: dict[str, ReviewRun] = {}

    def get(name: str) -> ReviewRun:
        if name not in runs:
            runs[name] = run_review(name, tmp_path_factory.mktemp(name) / "review")
        run = runs[name]
        if run.result.returncode != 0:
            pytest.fail(f"snakemake failed on the {name} review:\n{run.result.stderr[-4000:]}")
        return run

    return get


@dataclass(frozen=True)
class Report:
    """A rendered HTML report: its markup without embedded files, its visible text, and the embedded files."""

    markup: str
    text: str
    embedded: list[str]


def read_report(run: ReviewRun) -> Report:
    """``results/report/review.html`` of a run, with its embedded figures (base64 data URIs) decoded."""
    page = (run.folder / "results" / "report" / "review.html").read_text(encoding="utf-8")
    embedded = [base64.b64decode(data).decode("utf-8", "replace") for data in _DATA_URI.findall(page)]
    markup = _DATA_URI.sub("", page)
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>|<[^>]+>", " ", markup)
    return Report(markup, re.sub(r"\s+", " ", html.unescape(text)), embedded)


def _effects(yi: Iterable[float], vi: Iterable[float]) -> list[float]:
    """The studies' (yi, vi) pairs in order of yi, flattened: the same list whatever the studies' order."""
    return [value for pair in sorted(zip(yi, vi, strict=True)) for value in pair]


@pytest.mark.parametrize(("name", "measure"), [(name, measure) for name in REFERENCE for measure in REFERENCE[name]])
def test_pooled_analyses_match_metafor(review_run: Callable[[str], ReviewRun], name: str, measure: str) -> None:
    run = review_run(name)
    expected = REFERENCE[name][measure]
    meta = run.table("meta_analyses")
    rows = meta[(meta["measure"] == measure) & meta["pooled"]]
    assert len(rows) == 1, f"pooled {measure} analyses: {rows['analysis_id'].tolist()}"
    row = rows.iloc[0]
    assert row["k"] == expected["k"]
    assert {c: float(row[c]) for c in POOLED} == pytest.approx({c: expected[c] for c in POOLED}, rel=RTOL)
    weights = run.table("study_weights")
    studies = weights[weights["analysis_id"] == row["analysis_id"]]
    assert _effects(studies["yi"].astype(float), studies["vi"].astype(float)) == pytest.approx(
        _effects(expected["yi"], expected["vi"]), rel=RTOL
    )


@pytest.mark.parametrize("name", REFERENCE)
def test_the_report_never_mentions_the_default_review(review_run: Callable[[str], ReviewRun], name: str) -> None:
    report = read_report(review_run(name))
    config = yaml.safe_load((HERE / name / "config.yaml").read_text(encoding="utf-8"))
    assert config["review"]["title"] in report.text
    for where, content in [("text", report.text), ("markup", report.markup)] + [
        (f"embedded file {i}", file) for i, file in enumerate(report.embedded)
    ]:
        assert not FOREIGN.findall(content), f"{name} report, {where}: {sorted(set(FOREIGN.findall(content)))}"


def test_a_review_s_own_domain_and_arms_label_the_report(review_run: Callable[[str], ReviewRun]) -> None:
    report = read_report(review_run("normand1999"))
    registry = yaml.safe_load((HERE / "normand1999" / "instruments.yaml").read_text(encoding="utf-8"))
    domain = registry["domains"]["hospital_stay"]
    assert domain["label"] in report.text
    figures = "\n".join(report.embedded)
    assert domain["short_label"] in figures
    review = yaml.safe_load((HERE / "normand1999" / "config.yaml").read_text(encoding="utf-8"))["review"]
    for arm in (review["intervention_label"], review["comparator_label"]):
        assert f"Favours {arm}" in figures  # the forest plots' labels, kept as text in each SVG
    assert f"favour {review['intervention_label']}" in report.text  # the forest plots' captions
