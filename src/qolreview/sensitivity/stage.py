"""The sensitivity rules: the declared sensitivity analyses, one shard of the multiverse, and the whole multiverse
with its summary (docs/sensitivity.md)."""

from __future__ import annotations

import logging

import pandas as pd

from qolreview.instruments import load_registry
from qolreview.parquet_io import read_table, write_table
from qolreview.sensitivity.choices import primary_choices
from qolreview.sensitivity.config import parse_sensitivity
from qolreview.sensitivity.declared import declared_sensitivity
from qolreview.sensitivity.effects import ReviewInputs
from qolreview.sensitivity.grid import shard, specification_grid
from qolreview.sensitivity.multiverse import multiverse
from qolreview.sensitivity.summary import summarise_multiverse
from qolreview.synthesis.risk_of_bias import overall_by_study
from qolreview.tables import Multiverse, MultiverseFactors, MultiverseSummary, SensitivityAnalyses
from qolreview.workflow import Files, Settings

log = logging.getLogger(__name__)


def review_inputs(inputs: Files) -> ReviewInputs:
    """The clean tables (inputs ``outcomes``, ``contrasts``, ``arms``, ``studies``), the overall risk of bias per
    study (input ``risk_of_bias``, the synthesis table) and the registry (input ``instruments``)."""
    return ReviewInputs(
        outcomes=read_table(inputs["outcomes"]),
        contrasts=read_table(inputs["contrasts"]),
        arms=read_table(inputs["arms"]),
        studies=read_table(inputs["studies"]),
        rob_overall=overall_by_study(read_table(inputs["risk_of_bias"])),
        registry=load_registry(inputs["instruments"]),
    )


def run_sensitivity(inputs: Files, outputs: Files, settings: Settings) -> None:
    """The declared sensitivity analyses on every pooled analysis (output ``sensitivity``). ``settings``: the
    ``harmonize``, ``synthesis`` and ``sensitivity`` sections."""
    table = declared_sensitivity(review_inputs(inputs), settings, read_table(inputs["meta_analyses"]))
    log.info("%d declared sensitivity results", len(table))
    write_table(table, outputs["sensitivity"], SensitivityAnalyses)


def run_multiverse_part(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Shard ``settings["part"]`` of the multiverse grid (:func:`~qolreview.sensitivity.grid.shard`, split into
    ``sensitivity.multiverse.jobs`` shards), written to output ``part``."""
    parsed = parse_sensitivity(settings["sensitivity"])
    grid = specification_grid(parsed, primary_choices(settings))
    ids = shard(grid, parsed.jobs, int(settings["part"]))
    meta = read_table(inputs["meta_analyses"])
    table = multiverse(review_inputs(inputs), settings, meta, specifications=ids.tolist()) if len(ids) else None
    if table is None:
        table = pd.DataFrame({column: pd.Series(dtype=object) for column in Multiverse.columns()})
    log.info("%d of the %d specifications: %d rows", len(ids), len(grid), len(table))
    write_table(table, outputs["part"], Multiverse)


def run_multiverse(inputs: Files, outputs: Files, settings: Settings) -> None:
    """The shards (input ``parts``) in one table sorted by analysis and specification (output ``multiverse``), and
    its summaries (outputs ``summary``, ``factors``)."""
    parts = [read_table(path) for path in inputs["parts"]]
    table = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    table = table.sort_values(["analysis_id", "specification"], kind="stable").reset_index(drop=True)
    summary, factors = summarise_multiverse(table, read_table(inputs["meta_analyses"]), settings)
    write_table(table, outputs["multiverse"], Multiverse)
    write_table(summary, outputs["summary"], MultiverseSummary)
    write_table(factors, outputs["factors"], MultiverseFactors)
