"""The report rules: the run's configuration as used, and the report rendered from ``report/review.qmd``.

Every entry point takes ``(inputs, outputs, settings)``: the rule's named files and its settings.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import yaml

from qolreview.report.data import write_config
from qolreview.report.markup import escape_markdown
from qolreview.report.render import render_report
from qolreview.workflow import Files, Settings

log = logging.getLogger(__name__)

RESULTS_DIR = "results"
"""The results directory, relative to the working directory of the run (the project directory)."""


def run_config_used(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Write the validated configuration of the run (``settings["config"]``) to output ``config_used``."""
    write_config(dict(settings["config"]), outputs["config_used"])


def run(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Render the report from the working directory of the run (the project directory).

    ``inputs``: qmd, config_used (and every table and figure the report reads, for the DAG). ``outputs``:
    html. ``settings``: the ``report`` section (renderer, pdf). The title comes from the configuration as plain
    text (metadata is Markdown to both renderers, so it is escaped), and the report may embed files from the
    results directory only.
    """
    qmd, config_used = inputs["qmd"], inputs["config_used"]
    project_dir = os.path.relpath(Path.cwd(), Path(qmd).resolve().parent)
    review = yaml.safe_load(Path(config_used).read_text(encoding="utf-8"))["review"]
    info = render_report(
        qmd,
        outputs["html"],
        params={"project_dir": project_dir, "results_dir": RESULTS_DIR, "config_used": str(config_used)},
        renderer=settings["renderer"],
        pdf=settings["pdf"],
        resource_dirs=[Path(RESULTS_DIR).resolve()],
        metadata={
            "title": escape_markdown(review["title"]),
            "subtitle": "Reproducible results report, generated from the extraction workbook",
        },
    )
    log.info(
        "rendered %s with the %s renderer in %.1f s",
        info.html,
        info.renderer,
        info.durations.get("total", float("nan")),
    )
