"""The synthesis rules, one per method: each reads its input tables, runs the method and writes its tables.

Every entry point takes ``(inputs, outputs, settings)``: the rule's named input and output files and the
settings that rule depends on (so that changing one setting reruns only the methods that use it).
"""

from __future__ import annotations

import logging

from qolreview.parquet_io import read_table, write_csv, write_table
from qolreview.synthesis import diagnostics, grade, narrative, pooling, risk_of_bias
from qolreview.tables import (
    CERTAINTY_NOT_ASSESSED,
    Cumulative,
    DiagnosticFailures,
    EffectDirection,
    FilledStudies,
    Gosh,
    Influence,
    LeaveOneOut,
    MetaAnalyses,
    MetaRegression,
    RiskOfBias,
    Robvis,
    SmallStudyEffects,
    StudyWeights,
    Subgroups,
    SummaryOfFindings,
    VoteCounts,
)
from qolreview.workflow import Files, Settings

log = logging.getLogger(__name__)


def run_risk_of_bias(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Tidy risk-of-bias judgements and the robvis tables.

    ``inputs``: risk_of_bias, studies (clean). ``outputs``: risk_of_bias, robvis_robins_i, robvis_nos,
    robvis_rob2. ``settings``: nos_thresholds.
    """
    studies = read_table(inputs["studies"])
    tidy = risk_of_bias.tidy_risk_of_bias(read_table(inputs["risk_of_bias"]), studies, settings["nos_thresholds"])
    log.info(
        "risk of bias: %d judgements, %d studies not assessed",
        len(tidy),
        int((tidy["judgement"] == risk_of_bias.NOT_ASSESSED).sum()),
    )
    write_table(tidy, outputs["risk_of_bias"], RiskOfBias)
    for tool in risk_of_bias.TOOL_DOMAINS:
        path = outputs[f"robvis_{risk_of_bias.robvis_file_stem(tool)}"]
        write_csv(risk_of_bias.robvis_table(tidy, tool, studies), path, Robvis)


def run_meta_analysis(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Random-effects meta-analyses with subgroup and leave-one-out analyses.

    ``inputs``: effect_sizes (harmonized), studies, arms (clean), risk_of_bias (synthesis). ``outputs``:
    meta_analyses, study_weights, leave_one_out, subgroups. ``settings``: see
    :class:`~qolreview.synthesis.pooling.PoolingSettings`.
    """
    rob_overall = risk_of_bias.overall_by_study(read_table(inputs["risk_of_bias"]))
    result = pooling.synthesize(
        read_table(inputs["effect_sizes"]),
        read_table(inputs["studies"]),
        read_table(inputs["arms"]),
        rob_overall,
        pooling.PoolingSettings.from_config(settings),
    )
    log.info(
        "%d analyses (%d pooled), %d subgroup rows, %d leave-one-out rows",
        len(result.meta_analyses),
        int(result.meta_analyses["pooled"].sum()),
        len(result.subgroups),
        len(result.leave_one_out),
    )
    write_table(result.meta_analyses, outputs["meta_analyses"], MetaAnalyses)
    write_table(result.study_weights, outputs["study_weights"], StudyWeights)
    write_table(result.leave_one_out, outputs["leave_one_out"], LeaveOneOut)
    write_table(result.subgroups, outputs["subgroups"], Subgroups)


def run_narrative_synthesis(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Effect direction per study and domain, and vote counts (SWiM).

    ``inputs``: effect_sizes, not_convertible (harmonized), studies, arms (clean), risk_of_bias (synthesis).
    ``outputs``: effect_direction, vote_counts. ``settings``: level.
    """
    rob_overall = risk_of_bias.overall_by_study(read_table(inputs["risk_of_bias"]))
    directions = narrative.effect_direction(
        read_table(inputs["effect_sizes"]),
        read_table(inputs["not_convertible"]),
        read_table(inputs["arms"]),
        read_table(inputs["studies"]),
        rob_overall,
        settings["level"],
    )
    votes = narrative.vote_counts(directions, settings["level"])
    log.info("effect direction: %d study x domain rows; vote counts: %d domains", len(directions), len(votes))
    write_table(directions, outputs["effect_direction"], EffectDirection)
    write_table(votes, outputs["vote_counts"], VoteCounts)


def run_summary_of_findings(inputs: Files, outputs: Files, settings: Settings) -> None:
    """GRADE certainty and the summary-of-findings table.

    ``inputs``: meta_analyses, study_weights, vote_counts (synthesis), effect_sizes (harmonized), grade, studies,
    outcomes (clean; the comparator arms' risks for absolute effects). ``outputs``: summary_of_findings.
    ``settings``: none.
    """
    sof = grade.summary_of_findings(
        read_table(inputs["meta_analyses"]),
        read_table(inputs["vote_counts"]),
        read_table(inputs["grade"]),
        read_table(inputs["studies"]),
        read_table(inputs["study_weights"]),
        grade.comparator_risks(read_table(inputs["effect_sizes"]), read_table(inputs["outcomes"])),
    )
    log.info(
        "summary of findings: %d QoL domains, %d with a GRADE certainty",
        len(sof),
        int((sof["certainty"] != CERTAINTY_NOT_ASSESSED).sum()),
    )
    write_table(sof, outputs["summary_of_findings"], SummaryOfFindings)


def run_meta_regression(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Meta-regression of each pooled analysis on each moderator.

    ``inputs``: meta_analyses, study_weights (synthesis), studies (clean). ``outputs``: meta_regression, failures.
    ``settings``: ``synthesis.meta_regression`` (moderators, min_studies).
    """
    failures = diagnostics.FailureLog("meta_regression")
    table = diagnostics.meta_regression_table(
        read_table(inputs["meta_analyses"]),
        read_table(inputs["study_weights"]),
        read_table(inputs["studies"]),
        list(settings["moderators"]),
        int(settings["min_studies"]),
        failures,
    )
    log.info("meta-regression: %d models", table[["analysis_id", "moderator"]].drop_duplicates().shape[0])
    write_table(table, outputs["meta_regression"], MetaRegression)
    write_table(failures.table(), outputs["failures"], DiagnosticFailures)


def run_small_study_effects(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Egger's test, the rank correlation test and trim-and-fill of each pooled analysis.

    ``inputs``: meta_analyses, study_weights. ``outputs``: small_study_effects, filled_studies, failures. ``settings``:
    ``synthesis.small_study_effects`` (min_studies).
    """
    failures = diagnostics.FailureLog("small_study_effects")
    tests, filled = diagnostics.small_study_table(
        read_table(inputs["meta_analyses"]), read_table(inputs["study_weights"]), int(settings["min_studies"]), failures
    )
    log.info("small-study effects: %d analyses, %d studies filled", len(tests), len(filled))
    write_table(tests, outputs["small_study_effects"], SmallStudyEffects)
    write_table(filled, outputs["filled_studies"], FilledStudies)
    write_table(failures.table(), outputs["failures"], DiagnosticFailures)


def run_influence(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Influence diagnostics of every study of each pooled analysis.

    ``inputs``: meta_analyses, study_weights. ``outputs``: influence, failures. ``settings``: ``synthesis.influence``.
    """
    failures = diagnostics.FailureLog("influence")
    table = diagnostics.influence_table(
        read_table(inputs["meta_analyses"]), read_table(inputs["study_weights"]), int(settings["min_studies"]), failures
    )
    log.info("influence: %d study rows, %d influential", len(table), int(table["influential"].sum()))
    write_table(table, outputs["influence"], Influence)
    write_table(failures.table(), outputs["failures"], DiagnosticFailures)


def run_cumulative(inputs: Files, outputs: Files, settings: Settings) -> None:
    """Cumulative meta-analysis of each pooled analysis.

    ``inputs``: meta_analyses, study_weights (synthesis), studies (clean). ``outputs``: cumulative, failures.
    ``settings``: ``synthesis.cumulative`` (order_by, min_studies).
    """
    failures = diagnostics.FailureLog("cumulative")
    table = diagnostics.cumulative_table(
        read_table(inputs["meta_analyses"]),
        read_table(inputs["study_weights"]),
        read_table(inputs["studies"]),
        str(settings["order_by"]),
        int(settings["min_studies"]),
        failures,
    )
    log.info("cumulative meta-analysis: %d steps", len(table))
    write_table(table, outputs["cumulative"], Cumulative)
    write_table(failures.table(), outputs["failures"], DiagnosticFailures)


def run_gosh(inputs: Files, outputs: Files, settings: Settings) -> None:
    """GOSH of each pooled analysis.

    ``inputs``: meta_analyses, study_weights. ``outputs``: gosh, failures. ``settings``: ``synthesis.gosh``
    (min_studies, max_subsets, seed).
    """
    failures = diagnostics.FailureLog("gosh")
    table = diagnostics.gosh_table(
        read_table(inputs["meta_analyses"]),
        read_table(inputs["study_weights"]),
        int(settings["min_studies"]),
        int(settings["max_subsets"]),
        int(settings["seed"]),
        failures,
    )
    log.info("GOSH: %d subset fits", len(table))
    write_table(table, outputs["gosh"], Gosh)
    write_table(failures.table(), outputs["failures"], DiagnosticFailures)
