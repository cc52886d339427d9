"""Shared fixtures: the whole pipeline run once per workbook in a temporary copy of the project.

``pipeline("default")`` runs ``snakemake`` on the embedded default workbook, ``pipeline("synthetic")`` on the
synthetic test review (``.test/config.yaml``); each runs at most once per test session and every test that
asks for it gets the same finished copy. Tests that change files make their own copy with
:func:`clone_run`, so the shared runs stay untouched; the repository's own ``results/`` is never used.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")

#: What a run needs from the project: the workflow, its config, the workbooks and the report source.
PROJECT_ITEMS = ("Snakefile", "workflow", "config", "raw", "report", ".test")
_IGNORE = shutil.ignore_patterns("__pycache__", ".snakemake", ".ipynb_checkpoints")

#: Extra ``snakemake`` arguments selecting each review.
REVIEWS: dict[str, tuple[str, ...]] = {
    "default": (),
    "synthetic": ("--configfile", ".test/config.yaml"),
}


@dataclass(frozen=True)
class PipelineRun:
    """A finished ``snakemake`` run: the project copy it ran in, the arguments and the process result."""

    project: Path
    args: tuple[str, ...]
    result: subprocess.CompletedProcess[str]

    @property
    def results(self) -> Path:
        return self.project / "results"


def copy_project(target: Path) -> Path:
    """A fresh copy of the project's inputs (no results, no snakemake state) at ``target``."""
    target.mkdir(parents=True)
    for name in PROJECT_ITEMS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=_IGNORE)
        else:
            shutil.copy2(source, target / name)
    return target


def clone_run(run: PipelineRun, target: Path) -> Path:
    """A copy of a finished run, with its results and snakemake metadata, modification times kept."""
    shutil.copytree(run.project, target, symlinks=True)
    return target


def snakemake(project: Path, *args: str, cores: int = 2, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run ``snakemake --cores N ARGS`` in ``project`` and return the finished process."""
    return subprocess.run(
        [str(SNAKEMAKE), "--cores", str(cores), *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], PipelineRun]:
    """``pipeline(review)``: the whole pipeline run once on ``review`` (a key of ``REVIEWS``), then cached."""
    runs: dict[str, PipelineRun] = {}

    def get(review: str) -> PipelineRun:
        if review not in runs:
            project = copy_project(tmp_path_factory.mktemp(f"run-{review}") / "project")
            result = snakemake(project, *REVIEWS[review])
            runs[review] = PipelineRun(project, REVIEWS[review], result)
        run = runs[review]
        if run.result.returncode != 0:
            pytest.fail(f"snakemake failed on the {review} review:\n{run.result.stderr[-4000:]}")
        return run

    return get
