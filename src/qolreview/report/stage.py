"""The report rule's entry point: render ``report/review.qmd`` from the run's project directory."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import yaml

from qolreview.report.render import render_report


def render(qmd: str | Path, html: str | Path, config_used: str | Path, settings: dict[str, Any]) -> None:
    """Render the report from the working directory of the run (the project directory)."""
    project_dir = os.path.relpath(Path.cwd(), Path(qmd).resolve().parent)
    review = yaml.safe_load(Path(config_used).read_text(encoding="utf-8"))["review"]
    info = render_report(
        qmd, html,
        params={"project_dir": project_dir, "results_dir": "results", "config_used": str(config_used)},
        renderer=settings["renderer"], pdf=settings["pdf"],
        metadata={"title": review["title"],
                  "subtitle": "Reproducible results report, generated from the extraction workbook"},
    )
    logging.getLogger(__name__).info("rendered %s with the %s renderer in %.1f s", info.html, info.renderer,
                                     info.durations.get("total", float("nan")))
