"""The report rules: the run's configuration as used, the provenance of every number, and the report rendered from
``report/review.qmd``.

Every entry point takes ``(inputs, outputs, settings)``: the rule's named files and its settings.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import yaml

from qolreview.report.data import load, write_config
from qolreview.report.markup import escape_markdown
from qolreview.report.provenance import provenance_table, write_provenance
from qolreview.report.render import render_report
from qolreview.workflow import Files, Settings

log = logging.getLogger(__name__)

RESULTS_DIR = "results"
"""The results directory, relative to the working directory of the run (the project directory)."""
QUARTO_PROJECT = "_quarto.yml"


def run_config_used(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Write the validated configuration of the run (``settings["config"]``) to output ``config_used``."""
    write_config(dict(settings["config"]), outputs["config_used"])


def run_provenance(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Every number the report shows with the workbook cells it was computed from
    (:func:`~qolreview.report.provenance.provenance_table`), as CSV (output ``provenance``), from the results tables
    and the configuration as used (input ``config_used``)."""
    table = provenance_table(load(".", RESULTS_DIR, inputs["config_used"]))
    write_provenance(table, outputs["provenance"])
    log.info("%d numbers and their source cells", len(table))


def run(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Render the report from the working directory of the run (the project directory).

    ``inputs``: qmd, config_used (and every table and figure the report reads, for the DAG). ``outputs``: one file
    per format of ``settings["formats"]`` (html, docx, pdf), named by format. ``settings``: the ``report`` section
    (renderer, formats). The title comes from the configuration as plain text (metadata is Markdown to both
    renderers, so it is escaped), and the report may embed files from the results directory only. The sources are
    rendered from a scratch copy (:func:`scratch_sources`), so nothing is written beside them.
    """
    config_used = inputs["config_used"]
    review = yaml.safe_load(Path(config_used).read_text(encoding="utf-8"))["review"]
    targets = {output_format: outputs[output_format] for output_format in settings["formats"]}
    with scratch_sources(Path(inputs["qmd"]), Path(RESULTS_DIR) / "report") as qmd:
        info = render_report(
            qmd,
            targets,
            params={
                "project_dir": os.path.relpath(Path.cwd(), qmd.parent),
                "results_dir": RESULTS_DIR,
                "config_used": str(config_used),
            },
            renderer=settings["renderer"],
            resource_dirs=[Path(RESULTS_DIR).resolve()],
            metadata={
                "title": escape_markdown(review["title"]),
                "subtitle": "Reproducible results report, generated from the extraction workbook",
            },
        )
    log.info(
        "rendered %s with the %s renderer in %.1f s",
        ", ".join(str(path) for path in info.outputs.values()),
        info.renderer,
        info.durations.get("total", float("nan")),
    )


@contextlib.contextmanager
def scratch_sources(qmd: Path, parent: Path) -> Iterator[Path]:
    """A copy of ``qmd`` and the Quarto project file beside it (``_quarto.yml``) in a new folder
    ``parent/.render-<random>``, removed afterwards even on failure.

    Quarto writes beside its input (``.quarto/``, ``_output/``, ``.gitignore``, the cells' figures), so rendering
    the copy leaves the sources untouched, and runs that share them (several review folders) cannot collide.
    """
    parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".render-", dir=parent))
    try:
        for source in (qmd, qmd.parent / QUARTO_PROJECT):
            if source.is_file():
                shutil.copyfile(source, scratch / source.name)
        yield scratch / qmd.name
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
