"""The summary-of-findings display table: ratios back-transformed, absolute effects per 1,000, GRADE's layout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from qolreview.instruments import bundled_registry
from qolreview.labels import domain_labels
from qolreview.report.tables import summary_of_findings_table
from qolreview.synthesis.grade import COMPOSITE_NOTE

CASE = json.loads((Path(__file__).parents[1] / "data" / "metafor_ratios_extra.json").read_text(encoding="utf-8"))[
    "cases"
][0]
NAN = np.nan


def _row(**values: object) -> dict[str, object]:
    blank: dict[str, object] = {
        "outcome": "physical",
        "measure": "RR",
        "k": 5,
        "n_participants": 620,
        "estimate": NAN,
        "ci_lb": NAN,
        "ci_ub": NAN,
        "pi_lb": NAN,
        "pi_ub": NAN,
        "i2": 0.0,
        "event": None,
        "relative_effect": NAN,
        "relative_ci_lb": NAN,
        "relative_ci_ub": NAN,
        "relative_pi_lb": NAN,
        "relative_pi_ub": NAN,
        "comparator_risk": NAN,
        "comparator_risk_k": pd.NA,
        "intervention_risk": NAN,
        "intervention_risk_ci_lb": NAN,
        "intervention_risk_ci_ub": NAN,
        "absolute_effect_note": None,
        "narrative_n_improved": 4,
        "narrative_n_studies": 5,
        "certainty": "not assessed",
    }
    return blank | values


def test_ratio_rows_show_the_event_s_ratio_and_absolute_effects_per_1000() -> None:
    ratio, fit = CASE["ratio"], CASE["fit"]
    adverse = _row(
        estimate=-fit["estimate"],
        ci_lb=-fit["ci_ub"],
        ci_ub=-fit["ci_lb"],
        pi_lb=-fit["pi_ub"],
        pi_ub=-fit["pi_lb"],
        event="adverse",
        relative_effect=ratio["pred"],
        relative_ci_lb=ratio["ci_lb"],
        relative_ci_ub=ratio["ci_ub"],
        relative_pi_lb=ratio["pi_lb"],
        relative_pi_ub=ratio["pi_ub"],
        comparator_risk=CASE["acr"],
        comparator_risk_k=5,
        intervention_risk=CASE["risk"][0],
        intervention_risk_ci_lb=CASE["risk"][1],
        intervention_risk_ci_ub=CASE["risk"][2],
    )
    composite = _row(
        outcome="daily_functioning",
        k=1,
        estimate=0.61,
        ci_lb=0.27,
        ci_ub=0.95,
        event="adverse",
        relative_effect=0.54,
        relative_ci_lb=0.39,
        relative_ci_ub=0.76,
        comparator_risk_k=0,
        absolute_effect_note=COMPOSITE_NOTE,
    )
    smd = _row(outcome="overall", measure="SMD", k=2, estimate=0.24, ci_lb=-0.37, ci_ub=0.84, pi_lb=-0.5, pi_ub=1.0)
    narrative = _row(outcome="social", measure=None, k=pd.NA, n_participants=pd.NA, i2=NAN)
    mixed = _row(outcome="psychological", measure="HR", k=1, estimate=0.25, ci_lb=0.05, ci_ub=0.45)
    table = summary_of_findings_table(
        pd.DataFrame([adverse, composite, smd, narrative, mixed]), domain_labels(bundled_registry())
    )
    assert list(table.columns) == [
        "Outcome",
        "Studies (participants)",
        "Effect (95% CI)",
        "Absolute effect per 1,000 (95% CI)",
        "Prediction interval",
        "I²",
        "Direction (improved / studies)",
        "Certainty",
    ]
    first = table.iloc[0]
    assert first["Effect (95% CI)"] == "RR 0.64 (95% CI 0.56 to 0.74), adverse event (fewer is better)"
    assert first["Absolute effect per 1,000 (95% CI)"] == (
        "379 with the comparator (median of 5 studies), 244 (212 to 281) with the intervention: "
        "135 fewer (from 167 fewer to 98 fewer)"
    )
    assert first["Prediction interval"] == "0.56 to 0.74"  # tau² = 0: the PI is the CI, as ratios
    assert table.iloc[1]["Effect (95% CI)"].startswith("RR 0.54 (95% CI 0.39 to 0.76)")
    assert table.iloc[1]["Absolute effect per 1,000 (95% CI)"] == f"not computed: {COMPOSITE_NOTE}"
    assert table.iloc[1]["Prediction interval"] == "not applicable (1 study)"
    assert list(table.iloc[2][["Effect (95% CI)", "Absolute effect per 1,000 (95% CI)", "Prediction interval"]]) == [
        "SMD: 0.24 (95% CI -0.37 to 0.84)",
        "not applicable (not a ratio of events)",
        "-0.50 to 1.00",
    ]
    assert table.iloc[4]["Effect (95% CI)"] == "log HR (positive = better): 0.25 (95% CI 0.05 to 0.45)"
    assert list(table.iloc[3][["Studies (participants)", "Effect (95% CI)", "Prediction interval", "I²"]]) == [
        "none with an effect size",
        "no effect size (direction only)",
        "not applicable (no effect size)",
        "not applicable (no effect size)",
    ]


def test_an_analysis_of_too_few_studies_to_pool_says_so() -> None:
    """With ``min_studies_to_pool`` above k, an analysis of several studies has no estimate: the table says it was
    not pooled, rather than "not reported"."""
    table = summary_of_findings_table(
        pd.DataFrame([_row(measure="SMD", k=3, i2=NAN)]), domain_labels(bundled_registry())
    )
    assert list(table.iloc[0][["Studies (participants)", "Effect (95% CI)", "Prediction interval", "I²"]]) == [
        "3 (620)",
        "not pooled (too few studies)",
        "not applicable (not pooled)",
        "not applicable (not pooled)",
    ]
