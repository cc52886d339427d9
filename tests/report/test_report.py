"""Report library: number formatting, generated sentences and the display tables of the report."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from markdown_text import plain

from qolreview import report as R
from qolreview.formatting import estimate_with_ci, plural, report_number, report_p_statement
from qolreview.instruments import bundled_registry
from qolreview.labels import domain_labels
from qolreview.report.provenance import write_provenance
from qolreview.report.sections import influential_omissions
from qolreview.synthesis import DIAGNOSTIC_METHODS
from qolreview.synthesis.grade import RATIO_FIELDS

ROOT = Path(__file__).resolve().parents[2]
NAN = float("nan")

CONFIG = {
    "review": {
        "title": "A review",
        "authors": "Author A",
        "citation": "J Test. 2025",
        "doi": "10.1/x",
        "intervention_label": "drug X",
        "comparator_label": "placebo",
        "risk_of_bias_tools": ["RoB 2"],
        "data_source": "registry records",
    },
    "instruments": "config/instruments.yaml",
    "harmonize": {
        "pre_post_r": 0.5,
        "timepoint_choice": "latest",
        "windows": [{"name": "acute", "max_weeks": 1}, {"name": "short", "max_weeks": 6}, {"name": "long"}],
    },
    "synthesis": {
        "method": "REML",
        "test": "knha",
        "level": 0.95,
        "min_studies_to_pool": 2,
        "multiple_effects": "composite",
        "composite_correlation": 0.5,
        "instrument_priority": ["AQoL-8D"],
        "subgroups": ["drug", "design"],
        "meta_regression": {"moderators": [], "min_studies": 10},
        "small_study_effects": {"min_studies": 10},
        "influence": {"min_studies": 3},
        "cumulative": {"order_by": "year", "min_studies": 3},
        "gosh": {"min_studies": 5, "max_subsets": 100000, "seed": 1},
    },
}


# Formatting ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, NAN, pd.NA, pd.NaT, np.float64("nan")])
def test_missing_values_read_not_reported(value):
    assert R.is_missing(value)
    assert report_number(value) == "not reported"
    assert report_p_statement(value) == "p not reported"
    assert estimate_with_ci(value, 0.1, 0.2) == "not reported"


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (0.3149, 2, "0.31"),
        (-0.004, 2, "0.00"),
        (-0.0, 1, "0.0"),
        (-0.4, 0, "0"),
        (-1.26, 1, "-1.3"),
        (1688, 0, "1,688"),
        (1234567.4, 0, "1,234,567"),
        (np.int64(779), 0, "779"),
        (2.5, 3, "2.500"),
    ],
)
def test_fmt_rounds_without_negative_zero_and_separates_thousands(value, digits, text):
    assert report_number(value, digits) == text


@pytest.mark.parametrize(
    ("p", "text"), [(0.0004, "p < 0.001"), (0.001, "p = 0.001"), (0.5111, "p = 0.511"), (1.0, "p = 1.000")]
)
def test_fmt_p(p, text):
    assert report_p_statement(p) == text


def test_fmt_ci_with_and_without_limits():
    assert estimate_with_ci(0.314, 0.051, 0.577) == "0.31 (95% CI 0.05 to 0.58)"
    assert estimate_with_ci(-0.001, -0.3, 0.2, digits=1, level=0.9) == "0.0 (90% CI -0.3 to 0.2)"
    assert estimate_with_ci(0.31, NAN, 0.57) == "0.31"
    assert estimate_with_ci(0.31, None, None) == "0.31"


def test_words_and_plurals():
    assert R.join_words([]) == "none"
    assert R.join_words(["a"]) == "a"
    assert R.join_words(["a", "b"]) == "a and b"
    assert R.join_words(["a", "b", "c"]) == "a, b and c"
    assert plural(1, "study", "studies") == "1 study"
    assert plural(2.0, "study", "studies") == "2 studies"
    assert plural(1688, "participant") == "1,688 participants"
    assert plural(None, "participant") == "not reported participants"
    assert R.lower_first("Overall QoL / health status") == "overall QoL / health status"
    assert R.lower_first("QoL") == "QoL"
    assert R.lower_first("EQ-5D index") == "EQ-5D index"
    assert R.domain_label("daily_functioning", DOMAINS) == "Daily functioning"
    assert R.domain_label("sleep_quality", DOMAINS) == "sleep quality"
    assert R.measure_short("RR") == "log RR"
    assert R.measure_short("SMD") == "SMD"


def test_compact_cells_names_each_sheet_once_in_row_order():
    cells = "outcomes!Q7; outcomes!R7; contrasts!H3; outcomes!F8; outcomes!AA7; outcomes!Q7; see notes"
    assert R.source_cells_text(cells) == "outcomes!Q7,R7,AA7,F8; contrasts!H3; see notes"
    assert R.source_cells_text(None) == "not reported"
    assert R.source_cells_text("") == ""


def test_code_block_and_markdown_table():
    assert R.code_block("a: 1\n\n", "yaml") == "```yaml\na: 1\n```\n"
    table = pd.DataFrame({"A": ["x|y", None], "B": [1, "two\nlines"]})
    text = R.markdown_table(table, "Caption <b>.", "tbl-x")
    assert text.splitlines() == [
        "| A | B |",
        "|---|---|",
        "| x\\|y | 1 |",
        "| not reported | two lines |",
        "",
        ": Caption &lt;b&gt;\\. {#tbl-x}",
    ]


# Sentences -------------------------------------------------------------------------------------------------


def _analysis(**changes) -> pd.Series:
    row = {
        "analysis_id": "between_arms|overall|short|SMD",
        "comparison": "between_arms",
        "domain": "overall",
        "window": "short",
        "measure": "SMD",
        "k": 3,
        "study_ids": "a; b; c",
        "n_participants": 1200.0,
        "estimate": 0.31,
        "ci_lb": 0.05,
        "ci_ub": 0.57,
        "pval": 0.0004,
        "pi_lb": -0.2,
        "pi_ub": 0.82,
        "tau2": 0.0123,
        "i2": 41.26,
        "q": 3.4,
        "q_df": 2,
        "q_p": 0.183,
        "method": "REML",
        "test": "knha",
        "level": 0.95,
    }
    row.update(changes)
    return pd.Series(row)


LABELS = {"a": "Alpha 2020", "b": "Beta 2021", "c": "Gamma 2022"}
ARMS = ("drug X", "placebo")
DOMAINS = domain_labels(bundled_registry())


def test_analysis_sentence_favourable_interval():
    text = R.analysis_sentence(_analysis(), LABELS, ARMS, DOMAINS)
    assert text.startswith(
        "Pooling 3 studies (Alpha 2020, Beta 2021 and Gamma 2022; 1,200 participants), the REML "
        "random-effects standardised mean difference (Hedges' g) for overall QoL / health status "
        "in the short window was 0.31 (95% CI 0.05 to 0.57; p < 0.001, Knapp-Hartung adjusted "
        "test). The confidence interval lies entirely above zero, favouring drug X."
    )
    assert (
        "Heterogeneity: τ² = 0.012, I² = 41.3%, Q = 3.40 on 2 degrees of freedom (p = 0.183); the 95% "
        "prediction interval runs from -0.20 to 0.82."
    ) in text
    assert "very imprecise" not in text and "not an effect of the treatment" not in text
    spanned = R.analysis_sentence(_analysis(), LABELS, ARMS, DOMAINS, "over 1 week and up to 6 weeks")
    assert "in the short window (over 1 week and up to 6 weeks) was 0.31" in spanned


def test_analysis_sentence_unfavourable_and_unclear_intervals():
    worse = R.analysis_sentence(_analysis(estimate=-0.4, ci_lb=-0.7, ci_ub=-0.1), LABELS, ARMS, DOMAINS)
    assert "was -0.40 (95% CI -0.70 to -0.10;" in worse
    assert "lies entirely below zero, favouring placebo." in worse
    unclear = R.analysis_sentence(_analysis(estimate=0.1, ci_lb=-0.2, ci_ub=0.4, pval=0.42), LABELS, ARMS, DOMAINS)
    assert "p = 0.420" in unclear
    assert "includes zero: the data are compatible with no difference between drug X and placebo." in unclear
    within = R.analysis_sentence(_analysis(comparison="within_arm_prepost", measure="SMCR"), LABELS, ARMS, DOMAINS)
    assert (
        "lies entirely above zero: quality of life was better than at baseline. A change within one arm is "
        "not an effect of the treatment" in within
    )
    within_worse = R.analysis_sentence(
        _analysis(comparison="within_arm_prepost", ci_lb=-0.5, ci_ub=-0.1), LABELS, ARMS, DOMAINS
    )
    assert "quality of life was worse than at baseline." in within_worse


def test_a_within_arm_change_of_another_outcome_is_not_called_quality_of_life():
    within = {"comparison": "within_arm_prepost", "measure": "SMCR", "domain": "symptoms", "qol": False}
    better = R.analysis_sentence(_analysis(**within), LABELS, ARMS, DOMAINS)
    assert "lies entirely above zero: the outcome was better than at baseline." in better
    worse = R.analysis_sentence(_analysis(**within, ci_lb=-0.5, ci_ub=-0.1), LABELS, ARMS, DOMAINS)
    assert "lies entirely below zero: the outcome was worse than at baseline." in worse
    assert "quality of life" not in better + worse


def test_analysis_sentence_two_studies_unknown_n_and_one_degree_of_freedom():
    text = R.analysis_sentence(
        _analysis(k=2, study_ids="a; b", n_participants=NAN, q_df=1, pi_lb=NAN, pi_ub=NAN), LABELS, ARMS, DOMAINS
    )
    assert text.startswith("Pooling 2 studies (Alpha 2020 and Beta 2021; number of participants not reported)")
    assert "on 1 degree of freedom (p = 0.183)." in text
    assert "prediction interval" in text and "runs from" not in text
    assert text.endswith("With two studies, τ² and the prediction interval are very imprecise.")
    assert "nan" not in text.lower() and "None" not in text


# Small fixture review ----------------------------------------------------------------------------------------


def _studies() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "study_id": ["a", "b", "c"],
            "label": ["Alpha 2020", "Beta 2021", None],
            "doi": ["10.1/a", "10.1/b", None],
            "design": ["rct", "single_arm", None],
            "population": ["TRD", "MDD", None],
            "country": ["UK", None, None],
            "n_total": [100.0, 1600.0, NAN],
            "follow_up_weeks": [4.0, 16.0, NAN],
            "funding": ["industry", None, None],
            "rob_tool": ["RoB 2", "ROBINS-I", None],
            "inclusion_status": ["confirmed", "confirmed", "provisional"],
            "cell_n_total": ["studies!G2", "studies!G3", "studies!G4"],
            "cell_follow_up_weeks": ["studies!J2", "studies!J3", "studies!J4"],
            "cell_study_id": ["studies!A2", "studies!A3", "studies!A4"],
        }
    )


def _effects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "effect_id": ["e1", "e2", "e3", "e4"],
            "study_id": ["a", "b", "a", "b"],
            "comparison": ["between_arms", "between_arms", "within_arm_prepost", "between_arms"],
            "instrument": ["AQoL-8D", "EQ-5D-5L", "AQoL-8D", "WPAI"],
            "subscale": ["total", "index", "total", "total"],
            "domain": ["overall", "overall", "overall", "functioning"],
            "qol": [True, True, True, False],
            "timepoint": ["week 4", "week 16", "week 4", "week 16"],
            "measure": ["SMD", "SMD", "SMCR", "RR"],
            "yi": [0.3, 0.5, 0.8, 0.2],
            "ci_lb": [0.1, 0.2, 0.5, -0.1],
            "ci_ub": [0.5, 0.8, 1.1, 0.5],
            "selected": [True, True, True, True],
            "r_source": ["not_used", "not_used", "default", "not_used"],
            "r_used": [NAN, NAN, 0.5, NAN],
            "outcome_basis": ["final", "final", "change", None],
            "window": ["short", "medium", "short", "medium"],
            "window_rule": ["weeks"] * 4,
            "source_cells": ["outcomes!Q2; outcomes!R2", "contrasts!H2", "outcomes!Q2; outcomes!Q3", "outcomes!W5"],
        }
    )


def _meta() -> pd.DataFrame:
    pooled = _analysis(k=2, study_ids="a; b", source_cells="outcomes!Q2; outcomes!R2; contrasts!H2").to_dict()
    pooled["pooled"] = True
    single = {
        **pooled,
        "analysis_id": "between_arms|functioning|short|RR",
        "domain": "functioning",
        "measure": "RR",
        "k": 1,
        "study_ids": "b",
        "pooled": False,
        "estimate": 0.2,
        "ci_lb": -0.1,
        "ci_ub": 0.5,
        "source_cells": "outcomes!W5",
    }
    return pd.DataFrame([pooled, single])


def _data(tmp_path: Path | None = None, claims: pd.DataFrame | None = None) -> R.ReportData:
    studies = _studies()
    tables = {
        "studies": studies,
        "effect_sizes": _effects(),
        "conversion_log": pd.DataFrame(
            {
                "effect_id": ["e1", "e1", "e2"],
                "name": ["se_from_ci", "md_to_smd", "se_from_ci"],
                "description": ["SE from a CI", "SMD from an MD", "SE from a CI"],
                "source": ["Handbook 6.3.1", "Hedges 1981", "Handbook 6.3.1"],
                "approximate": [False, True, False],
            }
        ),
        "meta_analyses": _meta(),
        "subgroups": pd.DataFrame(
            {
                "analysis_id": ["between_arms|overall|short|SMD"] * 2,
                "subgroup_var": ["design"] * 2,
                "subgroup": ["rct", "single arm"],
                "k": [1, 1],
                "study_ids": ["a", "b"],
                "estimate": [0.3, 0.5],
                "ci_lb": [0.1, 0.2],
                "ci_ub": [0.5, 0.8],
                "q_between": [1.2] * 2,
                "q_between_df": [1] * 2,
                "q_between_p": [0.27] * 2,
            }
        ),
        "leave_one_out": pd.DataFrame(
            columns=[
                "analysis_id",
                "omitted_study_id",
                "omitted_label",
                "k",
                "estimate",
                "ci_lb",
                "ci_ub",
                "pval",
                "tau2",
                "i2",
            ]
        ),
        "effect_direction": pd.DataFrame(
            {
                "study_id": ["a", "b"],
                "comparison": ["between_arms"] * 2,
                "domain": ["overall"] * 2,
                "source_cells": ["outcomes!Q2", "contrasts!H2"],
            }
        ),
        "vote_counts": pd.DataFrame(
            {
                "comparison": ["between_arms"],
                "domain": ["overall"],
                "n_studies": [2],
                "n_improved": [2],
                "n_worsened": [0],
                "n_no_clear": [0],
                "proportion_improved": [1.0],
                "ci_lb": [0.158],
                "ci_ub": [1.0],
                "sign_test_p": [0.5],
            }
        ),
        "risk_of_bias": pd.DataFrame(
            {
                "study_id": ["a", "b", "c"],
                "tool": ["ROBINS-I", "none", "none"],
                "judgement": ["Low", "Not assessed", "Not assessed"],
            }
        ),
        "summary_of_findings": pd.DataFrame(
            {
                "outcome": ["overall", "functioning"],
                "measure": ["SMD", "RR"],
                "k": [2, 1],
                "n_participants": [1700.0, NAN],
                "estimate": [0.31, NAN],
                "ci_lb": [0.05, NAN],
                "ci_ub": [0.57, NAN],
                "pi_lb": [-0.2, NAN],
                "pi_ub": [0.82, NAN],
                "i2": [41.26, NAN],
                **{name: [None, None] for name in RATIO_FIELDS},
                "narrative_n_improved": [2, 1],
                "narrative_n_studies": [2, 1],
                "certainty": ["low", "not assessed"],
                "source_cells": ["outcomes!Q2; contrasts!H2", "outcomes!W5"],
            }
        ),
        "prisma": pd.DataFrame({"box": ["total_studies", "records_screened"], "n": [3.0, NAN]}),
        "not_convertible": pd.DataFrame(
            {
                "study_id": ["c", "a"],
                "instrument": ["WHOQOL-BREF", "HAM-D"],
                "subscale": ["overall", "total"],
                "domain": ["overall", "symptoms"],
                "qol": [True, False],
                "timepoint": ["9 months", "week 4"],
                "timepoint_weeks": [39.1, 4.0],
                "reason": ["direction only", "no SD and no way to derive it"],
                "direction_reported": ["improved", None],
                "value_qualifier": [None, None],
                "pct_change": [NAN, NAN],
                "source_cells": ["outcomes!Z9", "outcomes!Q8"],
            }
        ),
        "claims": claims if claims is not None else pd.DataFrame(),
        "outcomes": pd.DataFrame(),
        "sources": pd.DataFrame({"source_id": ["blog"], "citation": ["A clinic blog"]}),
        **{name: pd.DataFrame() for method in DIAGNOSTIC_METHODS for name in (method, f"{method}_failures")},
    }
    return R.ReportData(config=CONFIG, tables=tables, project_dir=tmp_path or ROOT)


def test_methods_facts_from_small_tables():
    facts = {key: plain(text) for key, text in R.methods_facts(_data()).items()}
    assert facts["measures"] == (
        "Between-arm effects: 1 effect as log risk ratio (log RR) and 2 effects as "
        "standardised mean difference (Hedges' g; SMD). Within-arm (pre-post) effects: "
        "1 effect as standardised mean change (baseline SD; SMCR)."
    )
    assert facts["conversions"] == (
        "Conversions applied (number of steps; source): SE from a CI (2; Handbook 6.3.1); "
        "SMD from an MD (1; Hedges 1981). 1 of the 3 steps is an approximation."
    )
    assert facts["correlation"] == "default (1) (default r = 0.5; values used: 0.50)."
    assert (
        "time window: acute (up to 1 week), short (over 1 week and up to 6 weeks) and long (over 6 weeks) after "
        "baseline. When a study reported several timepoints in one window, the latest timepoint was used."
    ) in facts["swim"]
    assert "at least 70% of its results to agree" in facts["swim"]
    assert "exact (Clopper-Pearson) 95% confidence interval" in facts["swim"]
    assert "This one rule gives both the arrows of the effect direction plots and the vote counts" in facts["swim"]
    assert "an arrow is boxed when the intervals" in facts["swim"]
    assert "absolute effects per 1,000 participants from the median comparator-arm risk" in facts["grade"]
    closest = R.ReportData(
        config={
            **CONFIG,
            "harmonize": {
                **CONFIG["harmonize"],
                "timepoint_choice": "closest_to_target",
                "target_weeks": {"acute": 1, "short": 4, "long": 39},
            },
        },
        tables=_data().tables,
        project_dir=ROOT,
    )
    assert (
        "the timepoint closest to the window's target (acute: 1 week, short: 4 weeks and long: 39 weeks) was used"
    ) in plain(R.methods_facts(closest)["swim"])
    assert "REML estimator of τ² and the Knapp-Hartung adjustment" in facts["model"]
    assert "assuming r = 0.5" in facts["model"]
    assert facts["model"].endswith(
        "Subgroups: design; no pooled analysis had studies in two subgroups by drug; no pooled analysis had the 3 "
        "studies leave-one-out needs."
    )
    assert facts["diagnostics"] == (
        "Not run, as the largest pooled analysis has 2 studies: the small-study tests (at least 10 studies), "
        "influence diagnostics (at least 3 studies), cumulative meta-analysis (at least 3 studies) and GOSH (at "
        "least 5 studies). No meta-regression: no moderator was named."
    )
    assert facts["risk_of_bias"].startswith(
        "The review assessed risk of bias with RoB 2. Risk-of-bias tools named per study: ROBINS-I (1) and RoB 2 "
        "(1). Judgements were entered for 1 of 3 studies;"
    )
    assert "Newcastle-Ottawa" not in facts["risk_of_bias"]  # no study used the NOS
    assert facts["grade"].startswith("GRADE certainty was derived from the reviewers' judgements for 1 of 2 outcomes;")


def test_methods_state_the_outcome_basis_and_the_untimed_window():
    assert plain(R.methods_facts(_data())["timing"]) == "Continuous effects between arms: 2 from final values."
    data = _data()
    data.tables["effect_sizes"] = _effects().assign(
        outcome_basis=["final", "change", "change", None],
        window=["short", "end_of_treatment", "short", "end_of_treatment"],
        window_rule=["weeks", "untimed_window", "weeks", "untimed_window"],
        timepoint=["week 4", "at discharge", "week 4", "post-test"],
    )
    data.tables["meta_analyses"] = _meta().assign(measure="MD", outcome_basis="mixed")
    untimed = {"name": "end_of_treatment", "label": "end of treatment", "timepoints": ["at discharge", "post-test"]}
    config = {**CONFIG, "harmonize": {**CONFIG["harmonize"], "untimed_window": untimed}}
    timing = plain(R.methods_facts(R.ReportData(config=config, tables=data.tables, project_dir=ROOT))["timing"])
    assert timing.startswith("Continuous effects between arms: 1 from changes from baseline and 1 from final values.")
    assert "not in a standardised mean difference" in timing and "(Cochrane Handbook 10.5.2)" in timing
    assert "and 2 mean-difference analyses combined both." in timing
    assert (
        "Results reported without a time in weeks (“at discharge” and “post-test”) were placed in their own window, "
        "end of treatment, by their timepoint label; no time was assumed for them"
    ) in timing
    assert timing.endswith("It holds 2 effect sizes: Beta 2021 (at discharge and post-test).")


def test_inclusion_summary_and_missing_items():
    summary = R.inclusion_summary(_studies())
    assert summary == {
        "k": 3,
        "confirmed": ["Alpha 2020", "Beta 2021"],
        "provisional": ["c"],
        "n_known": 1700,
        "k_n_known": 2,
    }
    items = R.missing_items(_data())
    assert items == [
        "sample size unknown for c",
        "risk-of-bias judgements missing for Beta 2021 and c",
        "PRISMA flow counts not reported: records identified from databases, records screened, records excluded, "
        "reports sought for retrieval, reports assessed for eligibility and reports excluded, with reasons",
        "1 result reported only in words or as a bound: c (WHOQOL-BREF)",
        "2 reported results could not become an effect size",
        "publication not identified (no DOI) for c",
        "GRADE judgements missing for 1 of 2 outcomes",
    ]
    callout = R.about_callout(_data(), "builtin")
    assert callout.startswith("::: {.callout-note}\n## What this report is\n")
    assert (
        "It covers 3 studies: 2 confirmed as included in the review (Alpha 2020 and Beta 2021) and 1 "
        "provisional (c)" in plain(callout)
    )
    assert "(1,700 participants)" in plain(callout)
    assert "- Sample size unknown for c\\.\n" in callout
    assert "\nEach result that could not become an effect size is listed with the reason in @sec-not-convertible." in (
        callout
    )
    assert callout.rstrip().endswith(":::")


def test_provenance_is_listed_or_counted_and_written_as_csv(tmp_path, monkeypatch):
    data = _data()
    table = R.provenance_table(data)
    write_provenance(table, tmp_path / "results" / "report" / "provenance.csv")
    read = R.read_provenance(tmp_path, "results")
    pd.testing.assert_frame_equal(read, table)
    listed = plain(R.provenance_section(read))
    assert listed.startswith("The same table is in [provenance.csv](<provenance.csv>), beside this report.")
    assert "{#tbl-provenance}" in listed and "Study characteristics" in listed
    monkeypatch.setattr("qolreview.report.provenance.PROVENANCE_ROWS", len(table) - 1)
    counted = plain(R.provenance_section(read))
    assert counted.startswith(f"This report shows {len(table)} numbers, too many to list here: @tbl-provenance")
    assert f"| Effect size | {len(data['effect_sizes'])} |" in counted
    assert counted.count("\n|") == 2 + table["Where"].nunique()  # header, rule, a row per place
    write_provenance(table, tmp_path / "provenance.csv")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "provenance.csv", dtype=str, keep_default_na=False), table)


def test_provenance_table_covers_every_effect_analysis_and_vote():
    data = _data()
    table = R.provenance_table(data)
    counts = table["Where"].value_counts()
    assert counts["Study characteristics"] == 2 * len(data["studies"])
    assert counts["Effect size"] == len(data["effect_sizes"])
    assert counts["Analysis"] == len(data["meta_analyses"])
    assert counts["Subgroup"] == 2 and counts["Vote count"] == 1 and counts["Summary of findings"] == 2
    assert "Claim" not in counts
    effects = table[table["Where"] == "Effect size"]
    assert list(effects["Source cells"]) == ["outcomes!Q2,R2", "contrasts!H2", "outcomes!Q2,Q3", "outcomes!W5"]
    assert effects.iloc[3]["What"] == "Beta 2021: WPAI total, week 16 (log RR, between arms)"
    analysis = table[table["Where"] == "Analysis"].iloc[0]
    assert analysis["Value"] == "0.31 (95% CI 0.05 to 0.57)"
    assert analysis["Source cells"] == "outcomes!Q2,R2; contrasts!H2"
    vote = table[table["Where"] == "Vote count"].iloc[0]
    assert (vote["Value"], vote["Source cells"]) == ("2 of 2 improved", "outcomes!Q2; contrasts!H2")
    assert table.iloc[4]["Value"] == "not reported"
    assert not table.isna().any().any()


def test_display_tables():
    data = _data()
    sof = R.summary_of_findings_table(data["summary_of_findings"], DOMAINS)
    assert list(sof.iloc[0]) == [
        "Overall QoL / health status",
        "2 (1,700)",
        "SMD: 0.31 (95% CI 0.05 to 0.57)",
        "not applicable (not a ratio of events)",
        "-0.20 to 0.82",
        "41.3%",
        "2 / 2",
        "low",
    ]
    assert list(sof.iloc[1]) == [
        "Functioning",
        "1 (not reported)",
        "not reported",
        "not reported",
        "not applicable (1 study)",
        "not applicable (1 study)",
        "1 / 1",
        "not assessed",
    ]
    votes = R.vote_count_table(data["vote_counts"], DOMAINS)
    assert list(votes.iloc[0]) == [
        "between arms",
        "Overall QoL / health status",
        "2",
        "2",
        "0",
        "0",
        "1.00 (95% CI 0.16 to 1.00)",
        "p = 0.500",
    ]
    sub = R.subgroup_table(data["subgroups"], LABELS)
    assert list(sub.iloc[1]) == [
        "design",
        "single arm",
        "1: Beta 2021",
        "0.50 (95% CI 0.20 to 0.80)",
        "Q = 1.20, df = 1, p = 0.270",
    ]
    loo = R.leave_one_out_table(
        pd.DataFrame(
            {
                "omitted_label": ["Alpha 2020"],
                "k": [2],
                "estimate": [0.4],
                "ci_lb": [0.1],
                "ci_ub": [0.7],
                "pval": [0.03],
                "tau2": [NAN],
                "i2": [0.0],
            }
        )
    )
    assert list(loo.iloc[0]) == ["Alpha 2020", "2", "0.40 (95% CI 0.10 to 0.70)", "p = 0.030", "not reported", "0.0%"]
    single = R.single_study_results(
        pd.DataFrame(
            {
                "analysis_id": ["between_arms|functioning|short|RR"],
                "study_id": ["b"],
                "instruments": ["WPAI"],
                "yi": [0.2],
                "ci_lb": [-0.1],
                "ci_ub": [0.5],
                "source_cells": ["outcomes!W5"],
            }
        ),
        data["meta_analyses"],
        LABELS,
        DOMAINS,
    )
    assert list(single.iloc[0]) == [
        "Beta 2021",
        "between arms",
        "Functioning",
        "short",
        "WPAI",
        "log RR",
        "0.20 (95% CI -0.10 to 0.50)",
        "outcomes!W5",
    ]


def test_claims_table_checks_the_claims_sheet():
    claims = pd.DataFrame(
        [
            {
                "claim_id": "c1",
                "statement": "three studies",
                "source_id": "blog",
                "study_id": None,
                "instrument": None,
                "subscale": None,
                "quantity": "n_studies",
                "claimed_value": 3.0,
                "value_qualifier": None,
                "claimed_direction": None,
                "cell_statement": "claims!B2",
            }
        ]
    )
    data = _data(claims=claims)
    table = R.claims_table(data)
    assert list(table.iloc[0]) == [
        "three studies",
        "A clinic blog",
        "the workbook lists 3 studies (2 confirmed, 1 provisional)",
        "consistent",
        "claims!B2; studies!A2,A3,A4",
    ]
    assert R.claims_summary(data) == (
        "The workbook records 1 checkable statement from the review and its "
        "summaries\\; the extracted data find 1 consistent (@tbl-claims)."
    )
    claim_rows = R.provenance_table(data).query("Where == 'Claim'")
    assert list(claim_rows["Source cells"]) == ["claims!B2; studies!A2,A3,A4"]
    assert R.claims_table(_data()).empty
    assert R.claims_summary(_data()) == "The workbook records no published statements to check."


# Figures ---------------------------------------------------------------------------------------------------


def _figures(tmp_path: Path) -> R.Figures:
    figures = tmp_path / "results" / "figures"
    (figures / "forest").mkdir(parents=True)
    (figures / "forest" / "forest-a.svg").write_text("<svg/>", encoding="utf-8")
    captions = {
        "forest-a": {
            "caption": "Forest plot.",
            "alt": 'A "forest" plot',
            "file": "results/figures/forest/forest-a.svg",
        },
        "forest-b": {"caption": "Not drawn.", "alt": "none", "file": "results/figures/forest/forest-b.svg"},
    }
    (figures / "captions.json").write_text(json.dumps(captions), encoding="utf-8")
    return R.Figures(tmp_path, "results")


def test_figures_markdown_with_and_without_the_figure(tmp_path):
    figs = _figures(tmp_path)
    assert figs.has("forest-a") and not figs.has("forest-b") and not figs.has("forest-c")
    path = (tmp_path / "results" / "figures" / "forest" / "forest-a.svg").as_posix()
    assert figs.markdown("forest-a", "fig-forest-1") == (
        f'![Forest plot\\.](<{path}>){{#fig-forest-1 fig-alt="A \\"forest\\" plot"}}\n'
    )
    assert figs.markdown("forest-b", "fig-b") == "*No figure: forest b has no data in this review.*\n"
    assert figs.stems("forest-") == ["forest-a", "forest-b"]
    votes = _data()["vote_counts"]
    text = R.effect_direction_section(figs, votes)
    assert text.endswith("@tbl-votes summarises the direction of effect of every study in every domain.\n")
    assert "@fig-effect-direction" not in text
    assert R.effect_direction_section(figs, votes.iloc[:0]) == (
        "No result has a direction of effect, so there is nothing to plot or count.\n"
    )


def test_figures_past_the_budget_are_linked_from_the_report_folder(tmp_path):
    figures = tmp_path / "results" / "figures" / "forest" / "part-1"
    figures.mkdir(parents=True)
    captions = {}
    for stem in ("forest-a", "forest-b", "forest-c"):
        (figures / f"{stem}.svg").write_text("<svg/>" + " " * 994, encoding="utf-8")  # 1,000 bytes each
        captions[stem] = {"caption": f"Plot {stem[-1]}.", "alt": f'The "{stem}" data', "file": f"{figures}/{stem}.svg"}
    (tmp_path / "results" / "figures" / "captions.json").write_text(json.dumps(captions), encoding="utf-8")
    assert R.Figures(tmp_path, "results").budget_note() == ""  # no budget: every figure is embedded
    figs = R.Figures(tmp_path, "results", budget_mb=0.002)
    assert "take 0.0 MB: the report embeds them up to 0.002 MB" in figs.budget_note()
    # In the order asked for: the first two fit in 2,000 bytes, the third is linked.
    assert figs.markdown("forest-c", "fig-c").startswith("![Plot c\\.](<")
    assert figs.markdown("forest-a", "fig-a").startswith("![Plot a\\.](<")
    assert figs.markdown("forest-b", "fig-b") == (
        "\n::: {#fig-b}\n"
        '[Open the figure (SVG, 1 kB)](<../figures/forest/part-1/forest-b.svg> "The \\"forest-b\\" data")\n\n'
        "Plot b\\.\n:::\n"
    )


def test_pooled_sections_reference_only_drawn_figures(tmp_path):
    figs = _figures(tmp_path)
    text = plain(R.pooled_sections(_data(), figs))
    assert text.startswith("### Overall QoL / health status, short window (between arms, SMD)\n")
    assert "*No figure: forest between arms overall short smd" in text
    assert "@fig-forest-1" not in text
    assert "Subgroup analyses are in @tbl-subgroups-1; with one study per subgroup" in text
    assert ": Subgroups: overall QoL / health status, short window (between arms, SMD). {#tbl-subgroups-1}" in text
    assert "@tbl-loo-1" not in text
    empty = _data()
    empty.tables["meta_analyses"] = _meta().iloc[[1]]
    assert plain(R.pooled_sections(empty, figs)) == "No analysis was pooled: every analysis has a single study.\n"
    empty.tables["meta_analyses"] = _meta().assign(k=[2, 3], pooled=False)
    config = {**CONFIG, "synthesis": {**CONFIG["synthesis"], "min_studies_to_pool": 4}}
    empty = R.ReportData(config=config, tables=empty.tables, project_dir=ROOT)
    assert plain(R.pooled_sections(empty, figs)) == (
        "No analysis was pooled: every analysis has fewer than the 4 studies needed to pool (the largest has 3).\n"
    )
    empty.tables["meta_analyses"] = _meta().iloc[:0]
    empty.tables["effect_sizes"] = _effects().iloc[:0]
    assert plain(R.pooled_sections(empty, figs)) == (
        "No analysis was pooled: no reported result could become an effect size.\n"
    )


# Appendix --------------------------------------------------------------------------------------------------


def test_checksums_versions_and_config(tmp_path):
    files = pd.DataFrame({"file": ["w.xlsx", "i.yaml"], "bytes": [3, 0], "sha256": ["ba78", "e3b0"]})
    data = R.ReportData(config={}, tables={"input_files": files}, project_dir=tmp_path)
    sums = R.input_checksums(data)  # as the clean stage computed them, not recomputed
    assert sums.values.tolist() == [["w.xlsx", 3, "ba78"], ["i.yaml", 0, "e3b0"]]
    assert list(sums.columns) == ["File", "Bytes", "SHA-256"]
    versions = R.software_versions()
    assert versions.iloc[0]["Software"] == "Python" and "pandas" in set(versions["Software"])
    assert R.config_text({"b": 1, "a": [1, 2]}) == "b: 1\na:\n- 1\n- 2\n"
    target = tmp_path / "out" / "config_used.yaml"
    R.write_config({"b": 1}, target)
    assert target.read_text(encoding="utf-8") == "b: 1\n"


def test_cleaning_log_and_not_convertible_tables():
    log = pd.DataFrame(
        {
            "file": ["raw/x.xlsx"],
            "sheet": ["outcomes"],
            "cell": ["E2"],
            "column": ["timepoint_weeks"],
            "old_value": ["week 16"],
            "new_value": ["16"],
            "rule": ["timepoint_to_weeks"],
        }
    )
    assert list(R.cleaning_log_table(log).iloc[0]) == [
        "raw/x.xlsx › outcomes!E2",
        "timepoint_weeks",
        "week 16",
        "16",
        "timepoint_to_weeks",
        "1",
    ]
    # The same change in many cells is one row, its cells in row order.
    repeated = pd.concat([log] * 3, ignore_index=True).assign(cell=["E10", "E2", "F3"])
    assert list(R.cleaning_log_table(repeated).iloc[0]) == [
        "raw/x.xlsx › outcomes!E2,F3,E10",
        "timepoint_weeks",
        "week 16",
        "16",
        "timepoint_to_weeks",
        "3",
    ]
    log = pd.DataFrame(
        {
            "file": ["f"] * 3,
            "sheet": ["s"] * 3,
            "cell": ["E5", "E19", "E37"],
            "column": ["w"] * 3,
            "old_value": ["day 25", "not reported", "9 months"],
            "new_value": ["3.571428571428571", None, "39.13392857142857"],
            "rule": ["r"] * 3,
        }
    )
    shown = R.cleaning_log_table(log)
    assert list(shown["New value"]) == ["3.5714", "(empty)", "39.1339"]
    assert list(shown["Old value"]) == ["day 25", "not reported", "9 months"]
    nc = R.not_convertible_table(_data()["not_convertible"], LABELS)
    assert list(nc.iloc[1]) == [
        "Alpha 2020",
        "HAM-D",
        "total",
        "week 4",
        "no SD and no way to derive it",
        "outcomes!Q8",
    ]
    chars = R.study_characteristics(
        _studies(),
        pd.DataFrame(
            {
                "study_id": ["a", "a"],
                "arm_id": ["x", "p"],
                "role": ["intervention", "comparator"],
                "label": ["Drug X", None],
                "route": ["IV", None],
                "dose": ["0.5 mg/kg", None],
                "n_arm": [50.0, NAN],
            }
        ),
    )
    assert list(chars.iloc[0][["Study", "N", "Intervention", "Comparator"]]) == [
        "Alpha 2020",
        "100",
        "Drug X (IV, 0.5 mg/kg) n = 50",
        "p n = not reported",
    ]
    assert chars.iloc[2]["Study"] == "c" and chars.iloc[2]["Design"] == "not reported"
    assert chars.iloc[2]["Intervention"] == "not reported"  # no arms recorded
    assert chars.iloc[1]["Intervention"] == "not reported" and chars.iloc[0]["Comparator"] != "none"
    assert not math.isnan(float(chars.iloc[1]["Follow-up (weeks)"]))


def test_about_callout_when_every_study_is_confirmed_and_no_doi_is_given():
    data = _data()
    studies = _studies().assign(inclusion_status="confirmed", n_total=[10.0, 20.0, 1.0])
    data.tables["studies"] = studies
    config = {**CONFIG, "review": {**CONFIG["review"], "doi": ""}}
    callout = plain(R.about_callout(R.ReportData(config=config, tables=data.tables, project_dir=ROOT), "quarto"))
    assert "*A review* (Author A; J Test. 2025) from registry records, transcribed" in callout
    assert (
        "It covers 3 studies: all confirmed as included in the review (Alpha 2020, Beta 2021 and c). "
        "Sample sizes are known for all of them (31 participants)." in callout
    )
    assert "provisional" not in callout and "doi" not in callout
    assert "rendered with the quarto renderer" in callout


def test_words_for_designs_windows_and_units():
    assert R.design_label("post_hoc_rct") == "post hoc analysis of RCTs"
    assert R.design_label("rct") == "RCT" and R.design_label(None) == "not reported"
    assert R.design_label("stepped_wedge") == "stepped wedge"
    designs = pd.Series(["rct", "rct", "single_arm", None, "post_hoc_rct"])
    assert R.design_counts(designs) == (
        "1 study of unreported design, 1 post hoc analysis of RCTs, 2 RCTs and 1 single-arm study"
    )
    generic = pd.Series(["cluster_rct", "cluster_rct", "nrsi", "before_after", "case_control"])
    assert R.design_counts(generic) == (
        "1 before-after study, 1 case-control study, 2 cluster RCTs and 1 non-randomised study"
    )
    assert R.weeks(1) == "1 week" and R.weeks(6.0) == "6 weeks" and R.weeks(3.5) == "3.5 weeks"
    assert R.window_spans(CONFIG["harmonize"]["windows"]) == {
        "acute": "up to 1 week",
        "short": "over 1 week and up to 6 weeks",
        "long": "over 6 weeks",
    }
    assert R.window_spans([{"name": "all"}]) == {"all": "any time"}
    assert R.measure_unit("MD", "MADRS") == "MD, MADRS points"
    assert R.measure_unit("MC", None) == "MC" and R.measure_unit("RR", "SDS") == "log RR"


def test_design_note_only_when_randomised_and_non_randomised_are_pooled():
    designs = pd.Series({"a": "rct", "b": "nrsi", "c": "post_hoc_rct"})
    assert R.design_note("a; c", designs) == ""
    assert R.design_note("b", designs) == ""
    assert R.design_note("a; b; c", designs) == (
        " The analysis pools randomised and non-randomised evidence (1 non-randomised study, 1 post hoc analysis "
        "of RCTs and 1 RCT), whose risks of bias differ; the pooled estimate should be read with that in mind."
    )


def test_limitations_from_small_tables():
    assert R.limitations(_data()) == [
        "The inclusion of 1 of the 3 studies could not be verified against the published review; results that "
        "rest on them may not be the review's.",
        "The only pooled analysis rests on two studies, so between-study variance and prediction intervals are "
        "barely estimable.",
        "1 analysis had a single study and is reported without pooling.",
        "Risk of bias was not judged for 2 of the 3 studies, whose results cannot be weighed by the credibility "
        "of their source.",
        "The certainty of the evidence (GRADE) was not assessed for 1 of the 2 outcomes.",
        "Vote counts show how many studies point in each direction, not how large or precise the effects are; a "
        "study counts once whatever its size.",
    ]


def test_vote_count_table_lists_quality_of_life_domains_first_and_md_carries_its_unit():
    votes = pd.DataFrame(
        {
            "comparison": ["between_arms"] * 3,
            "domain": ["daily_functioning", "symptoms", "overall"],
            "n_studies": [1, 2, 3],
            "n_improved": [1, 2, 3],
            "n_worsened": [0] * 3,
            "n_no_clear": [0] * 3,
            "proportion_improved": [1.0] * 3,
            "ci_lb": [0.03, 0.16, 0.29],
            "ci_ub": [1.0] * 3,
            "sign_test_p": [1.0, 0.5, 0.25],
        }
    )
    table = R.vote_count_table(votes, DOMAINS)
    assert list(table["Domain"]) == ["Overall QoL / health status", "Daily functioning", "Depressive symptoms"]
    assert list(table.index) == [0, 1, 2]
    data = _data()
    effects = _effects().assign(
        measure=["SMD", "SMD", "SMCR", "MD"], instrument=["AQoL-8D", "EQ-5D-5L", "AQoL-8D", "MADRS"]
    )
    data.tables["effect_sizes"] = effects
    secondary = R.secondary_outcomes_table(data)
    assert list(secondary.iloc[0]) == [
        "Beta 2021",
        "MADRS",
        "total",
        "week 16",
        "MD, MADRS points: 0.20 (95% CI -0.10 to 0.50)",
        "outcomes!W5",
    ]
    assert list(secondary.iloc[1][["Study", "Result"]]) == [
        "Alpha 2020",
        "not converted: no SD and no way to derive it",
    ]


def test_risk_of_bias_section_wording(tmp_path):
    figs = _figures(tmp_path)
    data = _data()
    assert R.risk_of_bias_section(data, figs).startswith(
        'Judgements were entered for 1 of 3 studies; studies without judgements are shown as "not assessed"'
    )
    data.tables["risk_of_bias"] = data["risk_of_bias"].assign(judgement="Not assessed")
    assert R.risk_of_bias_section(data, figs) == (
        'No risk-of-bias judgement was extracted: all 3 studies are shown as "not assessed", never as low risk.\n\n'
    )
    assert plain(R.methods_facts(data)["risk_of_bias"]).endswith(
        "No risk-of-bias judgement was extracted, so every study is shown as not assessed."
    )
    assert (
        "Risk of bias was judged for none of the 3 studies, so no result can be weighed by the credibility of "
        "its source."
    ) in R.limitations(data)


def test_methods_describe_the_nos_conversion_only_when_the_nos_is_used():
    data = _data()
    data.tables["risk_of_bias"] = data["risk_of_bias"].assign(tool=["NOS", "none", "none"])
    assert "Newcastle-Ottawa stars are converted to Good/Fair/Poor" in plain(R.methods_facts(data)["risk_of_bias"])
    data.tables["risk_of_bias"] = data["risk_of_bias"].assign(judgement="Not assessed")
    assert "Newcastle-Ottawa" not in plain(R.methods_facts(data)["risk_of_bias"])  # named, but no star extracted


def test_bullet_list():
    assert R.bullet_list(["first", "second"]) == "- first\n- second\n"
    assert R.bullet_list([]) == ""


# Degenerate reviews: what could not be done is said, nothing empty is shown ----------------------------------


def _weights() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "analysis_id": ["between_arms|overall|short|SMD"] * 2 + ["between_arms|functioning|short|RR"],
            "study_id": ["a", "b", "b"],
            "instruments": ["AQoL-8D", "EQ-5D-5L", "WPAI"],
            "yi": [0.3, 0.5, 0.2],
            "ci_lb": [0.1, 0.2, -0.1],
            "ci_ub": [0.5, 0.8, 0.5],
            "source_cells": ["outcomes!Q2", "contrasts!H2", "outcomes!W5"],
        }
    )


def _unpooled(min_studies: int = 4) -> R.ReportData:
    """The small review with ``min_studies_to_pool`` above every analysis' k: nothing pooled, no subgroup."""
    data = _data()
    tables = {
        **data.tables,
        "meta_analyses": _meta().assign(pooled=False, estimate=[NAN, 0.2]),
        "subgroups": data["subgroups"].iloc[:0],
        "study_weights": _weights(),
    }
    config = {**CONFIG, "synthesis": {**CONFIG["synthesis"], "min_studies_to_pool": min_studies}}
    return R.ReportData(config=config, tables=tables, project_dir=ROOT)


def test_methods_and_limitations_when_no_analysis_has_enough_studies_to_pool():
    data = _unpooled()
    facts = {key: plain(text) for key, text in R.methods_facts(data).items()}
    reason = "every analysis has fewer than the 4 studies needed to pool (the largest has 2)"
    assert facts["model"] == f"No analysis was pooled: {reason}."
    assert facts["diagnostics"] == "Not run: no analysis was pooled."
    assert R.limitations(data)[1:4] == [
        f"No analysis was pooled: {reason}; every result is reported study by study or as a vote count.",
        "1 analysis had a single study and is reported without pooling.",
        "1 analysis of several studies had fewer than the 4 needed to pool and is reported study by study.",
    ]


def test_methods_when_no_result_became_an_effect_size():
    data = _data()
    empty = {
        name: data[name].iloc[:0]
        for name in ("effect_sizes", "conversion_log", "meta_analyses", "vote_counts", "summary_of_findings")
    }
    facts = R.methods_facts(R.ReportData(config=CONFIG, tables={**data.tables, **empty}, project_dir=ROOT))
    facts = {key: plain(text) for key, text in facts.items()}
    assert facts["measures"] == "No effect size could be computed."
    assert facts["signs"] == ""
    assert facts["model"] == "No analysis was pooled: no reported result could become an effect size."
    assert facts["swim"].startswith("No result has a direction of effect")
    assert facts["grade"] == "No outcome has a result to summarise or grade."
    assert plain(R.methods_facts(data)["signs"]).startswith("Every effect is signed")
    ungraded = {**data.tables, "summary_of_findings": data["summary_of_findings"].assign(certainty="not assessed")}
    assert plain(R.methods_facts(R.ReportData(config=CONFIG, tables=ungraded, project_dir=ROOT))["grade"]).startswith(
        'No GRADE judgement was extracted, so the certainty of every outcome reads "not assessed".'
    )


def test_methods_describe_the_diagnostics_that_ran_and_why_the_others_did_not():
    data = _data()
    config = {
        **CONFIG,
        "synthesis": {**CONFIG["synthesis"], "meta_regression": {"moderators": ["year"], "min_studies": 10}},
    }
    tables = {
        **data.tables,
        "meta_analyses": _meta().assign(k=[4, 1]),
        "influence": pd.DataFrame({"analysis_id": ["between_arms|overall|short|SMD"]}),
        "cumulative_failures": pd.DataFrame({"analysis_id": ["between_arms|overall|short|SMD"]}),
    }
    facts = R.methods_facts(R.ReportData(config=config, tables=tables, project_dir=ROOT))
    assert plain(facts["diagnostics"]) == (
        "Pooled analyses were followed by influence diagnostics (at least 3 studies); and cumulative meta-analysis "
        "in order of year (at least 3 studies). Each used the analysis' own estimator and test. Not run, as the "
        "largest pooled analysis has 4 studies: meta-regression (at least 10 studies), the small-study tests (at "
        "least 10 studies) and GOSH (at least 5 studies)."
    )
    assert "Egger" not in facts["diagnostics"] and "funnel" not in facts["diagnostics"]


def test_sections_without_rows_say_so_instead_of_showing_an_empty_table(tmp_path):
    figs = _figures(tmp_path)
    assert R.table_or_note(pd.DataFrame(columns=["A"]), "Cap.", "tbl-x", "Nothing to show.") == "Nothing to show\\.\n"
    assert R.table_or_note(pd.DataFrame({"A": [1]}), "Cap.", "tbl-x", "Nothing.").startswith("| A |\n|---|\n| 1 |")
    data = _unpooled()
    text = plain(R.unpooled_section(data, figs))
    assert text.count("\n| ") == 3  # the header and one row per study
    assert (
        ": Effects from analyses not pooled: a single study, or fewer than the 4 studies needed to pool. {#tbl-single}"
    ) in text
    pooled = R.ReportData(config=CONFIG, tables={**_data().tables, "study_weights": _weights()}, project_dir=ROOT)
    assert ": Effects from analyses with a single study (not pooled). {#tbl-single}" in plain(
        R.unpooled_section(pooled, figs)
    )
    every = {**pooled.tables, "meta_analyses": _meta().iloc[[0]]}
    assert plain(R.unpooled_section(R.ReportData(config=CONFIG, tables=every, project_dir=ROOT), figs)).startswith(
        "Every analysis pooled at least 2 studies.\n"
    )
    none = {**every, "meta_analyses": _meta().iloc[:0], "effect_sizes": _effects().iloc[:0]}
    assert plain(R.unpooled_section(R.ReportData(config=CONFIG, tables=none, project_dir=ROOT), figs)).startswith(
        "No result is reported without pooling: no reported result could become an effect size.\n"
    )
    data = _data()
    assert R.study_selection_section(data, figs).endswith(
        'a box whose count was not reported reads "n = not reported".\n'
    )
    data.tables["prisma"] = data["prisma"].assign(n=NAN)
    assert R.study_selection_section(data, figs).endswith(
        'No PRISMA flow count was extracted: every box of the flow diagram reads "n = not reported".\n'
    )


def test_analysis_titles_name_the_basis_of_a_split_smd_and_the_window_in_words():
    assert R.analysis_title(_analysis(), DOMAINS) == "Overall QoL / health status, short window (between arms, SMD)"
    final = _analysis(analysis_id="between_arms|overall|short|SMD|final")
    change = _analysis(analysis_id="between_arms|overall|short|SMD|change", window="end_of_treatment")
    assert R.analysis_title(final, DOMAINS).endswith("short window (between arms, SMD, final values)")
    assert R.analysis_title(change, DOMAINS) == (
        "Overall QoL / health status, end of treatment window (between arms, SMD, changes from baseline)"
    )


def test_leave_one_out_of_a_large_analysis_shows_the_omissions_that_matter():
    pooled = pd.Series({"estimate": 0.30, "pval": 0.01, "level": 0.95})
    shifts = [0.001 * i for i in range(30)]  # study i moves the estimate by 0.001 i
    left = pd.DataFrame(
        {
            "omitted_label": [f"Study {i}" for i in range(30)],
            "estimate": [0.30 + (s if i % 2 else -s) for i, s in enumerate(shifts)],
            "pval": [0.2 if i == 3 else 0.01 for i in range(30)],  # leaving out study 3 loses significance
        }
    )
    shown = influential_omissions(left, pooled)
    assert shown["omitted_label"].tolist() == [f"Study {i}" for i in range(29, 19, -1)] + ["Study 3"]
    assert influential_omissions(left.iloc[:10], pooled).equals(left.iloc[:10])
