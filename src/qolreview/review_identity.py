"""The check that a run describes the review it runs on: its identity filled in, and none of the default review's
own values kept for another workbook. Imported when Snakemake reads the workflow, so it needs nothing but YAML."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

REQUIRED_IDENTITY = ("title", "intervention_label", "comparator_label")
"""Fields of ``review`` without which the report and the figures cannot name the review and its arms."""
OWN_IDENTITY = ("title", "authors", "citation", "doi", "search", "eligibility", "intervention_label")
"""Fields of ``review`` that belong to one review alone (generic ones such as ``comparator_label: control`` may
be shared)."""


def review_identity_problems(
    config: Mapping[str, object], default_config: Path, workbook: Path, project: Path
) -> list[str]:
    """Why ``config`` cannot describe the review of ``workbook`` (empty when it can).

    The required identity fields must be filled, and with a workbook other than the default review's none of
    ``OWN_IDENTITY`` may keep the default review's value: its title, authors or labels are never shown for
    another review.
    """
    review = config["review"]
    assert isinstance(review, Mapping)
    problems = [
        f"review.{key} is empty: describe the review in its config file (docs/new_review.md)"
        for key in REQUIRED_IDENTITY
        if not str(review.get(key) or "").strip()
    ]
    default = yaml.safe_load(default_config.read_text(encoding="utf-8"))
    if workbook.resolve() == (project / default["extraction"]).resolve():
        return problems
    kept = [key for key in OWN_IDENTITY if default["review"].get(key) and review.get(key) == default["review"][key]]
    if kept:
        problems.append(
            f"extraction = {workbook} is not the default review's workbook, but review.{', review.'.join(kept)} "
            "still describe the default review: give this review's own values in its config file "
            "(--configfile), or start a review folder with `make review DIR=...` (docs/new_review.md)"
        )
    return problems
