"""The ``synthesize`` stage: read the harmonized and clean tables, write every synthesis table."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from qolreview.synthesis import grade, narrative, risk_of_bias
from qolreview.synthesis import pooling as synthesis
from qolreview.parquet_io import read_table, write_table

log = logging.getLogger(__name__)

GRADE_COLUMNS = ("outcome", "grade_domain", "downgrade", "reason")


def _grade_table(path: str | Path | None) -> pd.DataFrame:
    """The optional ``grade`` sheet; an absent or empty sheet gives an empty table with its columns."""
    table = read_table(path) if path is not None and Path(path).exists() else pd.DataFrame()
    for column in GRADE_COLUMNS:
        if column not in table.columns:
            table[column] = pd.Series(dtype=object)
    return table


def run(inputs: Mapping[str, str | Path], outputs: Mapping[str, str | Path], config: Mapping[str, object]) -> None:
    """Run the stage.

    ``inputs``: effect_sizes, not_convertible, studies, arms, risk_of_bias and (optional) grade.
    ``outputs``: meta_analyses, study_weights, leave_one_out, subgroups, effect_direction, vote_counts,
    risk_of_bias, robvis_robins_i, robvis_nos, robvis_rob2, summary_of_findings.
    ``config``: the ``synthesis`` section of the configuration.
    """
    settings = synthesis.SynthesisSettings.from_config(config)
    effects = read_table(inputs["effect_sizes"])
    not_convertible = read_table(inputs["not_convertible"])
    studies = read_table(inputs["studies"])
    arms = read_table(inputs["arms"])
    rob = read_table(inputs["risk_of_bias"])
    grade_table = _grade_table(inputs.get("grade"))

    rob_tidy = risk_of_bias.tidy_risk_of_bias(rob, studies, settings.nos_thresholds)
    rob_overall = risk_of_bias.overall_by_study(rob_tidy)
    log.info("risk of bias: %d judgements, %d studies not assessed", len(rob_tidy),
             int((rob_tidy["judgement"] == risk_of_bias.NOT_ASSESSED).sum()))

    result = synthesis.synthesize(effects, studies, arms, rob_overall, settings)
    log.info("%d analyses (%d pooled), %d subgroup rows, %d leave-one-out rows", len(result.meta_analyses),
             int(result.meta_analyses["pooled"].sum()), len(result.subgroups), len(result.leave_one_out))

    directions = narrative.effect_direction(effects, not_convertible, arms, studies, rob_overall, settings.level)
    votes = narrative.vote_counts(directions, settings.level)
    log.info("effect direction: %d study x domain rows; vote counts: %d domains", len(directions), len(votes))

    sof = grade.summary_of_findings(result.meta_analyses, votes, grade_table, studies)
    log.info("summary of findings: %d QoL domains, %d with a GRADE certainty", len(sof),
             int((sof["certainty"] != grade.NOT_ASSESSED).sum()))

    write_table(result.meta_analyses, outputs["meta_analyses"])
    write_table(result.study_weights, outputs["study_weights"])
    write_table(result.leave_one_out, outputs["leave_one_out"])
    write_table(result.subgroups, outputs["subgroups"])
    write_table(directions, outputs["effect_direction"])
    write_table(votes, outputs["vote_counts"])
    write_table(rob_tidy, outputs["risk_of_bias"])
    write_table(sof, outputs["summary_of_findings"])
    for tool in risk_of_bias.TOOL_DOMAINS:
        key = f"robvis_{risk_of_bias.robvis_file_stem(tool)}"
        risk_of_bias.write_csv(risk_of_bias.robvis_table(rob_tidy, tool, studies), outputs[key])
