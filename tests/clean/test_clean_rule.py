"""End to end: ``snakemake`` runs the clean rule on a workbook built here; two runs are byte-identical."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qolreview.parquet_io import read_table
from qolreview.review_identity import OWN_IDENTITY
from qolreview.workbook.spec import SHEETS
from workbook_factory import valid_data, write_workbook

ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
REVIEW = "review=" + repr({key: f"test {key}" for key in OWN_IDENTITY})
"""Another workbook comes with its own review description (the default review's is refused for it)."""


def _project(target: Path) -> Path:
    target.mkdir()
    shutil.copy(ROOT / "Snakefile", target / "Snakefile")
    shutil.copytree(ROOT / "workflow", target / "workflow", ignore=shutil.ignore_patterns("__pycache__", ".snakemake"))
    shutil.copytree(ROOT / "config", target / "config")
    (target / "raw").mkdir()
    data = valid_data()
    data["arms"][0]["route"] = "intranasal"
    write_workbook(target / "raw" / "test.xlsx", data)
    return target


def _clean(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SNAKEMAKE), "--cores", "1", "--config", "extraction=raw/test.xlsx", REVIEW, "--", "clean"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.e2e
def test_snakemake_clean_is_deterministic(tmp_path: Path) -> None:
    first, second = _project(tmp_path / "a"), _project(tmp_path / "b")
    # The same input bytes for both runs (openpyxl stamps the save time into the file).
    shutil.copy(first / "raw" / "test.xlsx", second / "raw" / "test.xlsx")
    for project in (first, second):
        done = _clean(project)
        assert done.returncode == 0, done.stderr[-3000:]
    outputs = sorted(p.relative_to(first) for p in (first / "results" / "clean").iterdir())
    expected = {f"{s.name}.parquet" for s in SHEETS} | {
        "cleaning_log.parquet",
        "input_files.parquet",
        "validation_report.md",
    }
    assert {p.name for p in outputs} == expected
    for rel in outputs:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel
    outcomes = read_table(first / "results" / "clean" / "outcomes.parquet")
    assert outcomes["source_file"].unique().tolist() == ["raw/test.xlsx"]
    assert outcomes["cell_sd"].tolist()[:2] == ["outcomes!H2", "outcomes!H3"]
    assert outcomes["timepoint_weeks"].round(4).tolist() == [0.0, 4.0, 4.0, 3.5714, 39.1339]
    arms = read_table(first / "results" / "clean" / "arms.parquet")
    assert arms["route"].tolist() == ["IN", "IN"] and arms["source_row"].tolist() == [2, 3]
    log = read_table(first / "results" / "clean" / "cleaning_log.parquet")
    assert ("arms", "F2", "route", "intranasal", "IN", "synonym") in set(
        log[["sheet", "cell", "column", "old_value", "new_value", "rule"]].itertuples(index=False, name=None)
    )


@pytest.mark.e2e
def test_snakemake_clean_fails_without_outputs(tmp_path: Path) -> None:
    project = _project(tmp_path / "bad")
    data = valid_data()
    data["outcomes"][1]["sd"] = -3.2
    write_workbook(project / "raw" / "test.xlsx", data)
    done = _clean(project)
    assert done.returncode != 0
    problem = "raw/test.xlsx › outcomes › H3 (sd): must be > 0, got -3.2"
    log = (project / "results" / "logs" / "clean.log").read_text()
    assert problem in log and "Traceback" not in log
    assert f"1 problem in the extraction workbook:\n{problem}\n" in done.stderr  # the list on the console
    assert "Traceback" not in done.stderr  # a user's error, not a bug
    assert not (project / "results" / "clean").exists() or not any((project / "results" / "clean").iterdir())


@pytest.mark.e2e
def test_new_content_with_an_older_mtime_reruns_clean(tmp_path: Path) -> None:
    project = _project(tmp_path / "p")
    assert _clean(project).returncode == 0
    workbook, report = project / "raw" / "test.xlsx", project / "results" / "clean" / "validation_report.md"
    before = report.read_text()
    data = valid_data()
    data["arms"][0]["route"] = "nasal"
    write_workbook(workbook, data)
    os.utime(workbook, (0, 0))  # copied in with its old modification time (cp -p, an unzipped archive)
    done = _clean(project)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "rule clean:" in done.stderr and report.read_text() != before


@pytest.mark.e2e
@pytest.mark.parametrize("case", ["braces", "dangling_symlink"])
def test_a_workbook_path_snakemake_would_misread_gets_a_plain_message(tmp_path: Path, case: str) -> None:
    project = _project(tmp_path / "p")
    if case == "braces":
        name, message = "raw/test{1}.xlsx", "the workbook's path contains { or }, which Snakemake reads as a wildcard"
        shutil.copy(project / "raw" / "test.xlsx", project / name)
    else:
        name, message = "raw/gone.xlsx", "is a symbolic link to nowhere.xlsx, which does not exist"
        (project / name).symlink_to("nowhere.xlsx")
    done = subprocess.run(
        [str(SNAKEMAKE), "--cores", "1", "-n", "--config", f"extraction={name}", REVIEW, "--", "clean"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + done.stderr  # a dry run reports on stdout
    assert done.returncode != 0 and f"{name}: {message}" in output
    assert "WildcardError" not in output and "modification time" not in output
