"""Declared sensitivity analyses on the synthetic review: each equals the plain library calls on the subset or
settings it describes; degenerate analyses give sentences; the table meets its contract."""

from __future__ import annotations

import pandas as pd
import pytest
from synthetic_review import OVERALL_13, assert_matches, direct, review

from qolreview.parquet_io import table_bytes
from qolreview.sensitivity.declared import declared_sensitivity
from qolreview.tables import SensitivityAnalyses

DECLARED = {
    "high_rob": {"risk_of_bias": "exclude_high"},
    "rct_only": {"design": "randomised_only"},
    "no_industry": {"funding": "exclude_industry"},
    "exact": {"conversions": "exact_only"},
    "equal_effects": {"method": "EE"},
    "z_test": {"test": "z"},
    "dl": {"method": "DL"},
    "priority": {"multiple_effects": "priority"},
    "che": {"multiple_effects": "che"},
    "r_high": {"pre_post_r": 0.8},
    "closest": {"timepoint_choice": "closest_to_target"},
    "composite_r": {"composite_correlation": 0.9},
}
CHECKED = (OVERALL_13, "within_arm_prepost|overall|medium|SMCR", "between_arms|overall|short|SMD|change")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    section = {"analyses": [{"name": n, "departures": d} for n, d in DECLARED.items()]}
    r = review(section)
    return declared_sensitivity(r.inputs, r.config, r.meta_analyses)


def test_the_table_meets_its_contract_and_covers_every_pooled_analysis(table: pd.DataFrame) -> None:
    table_bytes(table, SensitivityAnalyses)
    pooled = review().meta_analyses.query("pooled")["analysis_id"]
    assert len(table) == len(DECLARED) * len(pooled)
    assert list(table["sensitivity"].drop_duplicates()) == list(DECLARED)
    assert table["sentence"].str.len().gt(20).all()


@pytest.mark.parametrize("name", list(DECLARED))
def test_each_declared_analysis_equals_the_plain_calls_on_its_subset(table: pd.DataFrame, name: str) -> None:
    r = review()
    for aid in CHECKED:
        row = table[(table["sensitivity"] == name) & (table["analysis_id"] == aid)].iloc[0]
        k, expected = direct(r, aid, **DECLARED[name])
        assert row["k"] == k, (name, aid)
        if expected is None:
            assert row["status"] in ("not_poolable", "no_studies")
        else:
            assert row["status"] in ("pooled", "unchanged")
            assert_matches(row, expected)
            primary = r.meta_analyses.set_index("analysis_id").loc[aid]
            assert row["difference"] == pytest.approx(expected["estimate"] - primary["estimate"], rel=1e-9, abs=1e-12)


def test_a_departure_that_touches_nothing_reads_unchanged(table: pd.DataFrame) -> None:
    rows = table[(table["sensitivity"] == "r_high") & (table["analysis_id"] == OVERALL_13)]
    assert list(rows["status"]) == ["unchanged"]  # final values between arms use no pre-post correlation
    assert ": unchanged (the same 13 studies" in rows["sentence"].iloc[0]
    within = table[(table["sensitivity"] == "r_high") & table["analysis_id"].str.startswith("within_arm")]
    assert within["status"].eq("pooled").any()


def test_the_sentence_states_the_result_the_primary_result_and_the_conclusion(table: pd.DataFrame) -> None:
    row = table[(table["sensitivity"] == "high_rob") & (table["analysis_id"] == OVERALL_13)].iloc[0]
    assert row["sentence"].startswith("Excluding studies at high risk of bias: SMD 0.27 (95% CI 0.12 to 0.42)")
    assert "(3 of the 13 studies left out)" in row["sentence"]
    assert row["sentence"].endswith("the conclusion holds.") and bool(row["same_conclusion"])


def test_excluding_provisional_studies_that_leave_one_study_gives_a_sentence() -> None:
    r = review()
    aid = "between_arms|overall|long|SMD|final"  # two studies
    studies = r.meta_analyses.set_index("analysis_id").loc["between_arms|overall|short|SMD|final", "study_ids"]
    provisional = studies.split("; ")[1:]  # all but one of the five
    marked = r.inputs.studies.assign(
        inclusion_status=r.inputs.studies["inclusion_status"].mask(
            r.inputs.studies["study_id"].isin(provisional), "provisional"
        )
    )
    section = {"analyses": [{"name": "confirmed", "departures": {"inclusion": "confirmed_only"}}]}
    marked_review = review(section, studies=marked)
    table = declared_sensitivity(marked_review.inputs, marked_review.config, marked_review.meta_analyses)
    row = table[table["analysis_id"] == "between_arms|overall|short|SMD|final"].iloc[0]
    assert row["status"] == "not_poolable" and row["k"] == 1
    assert row["sentence"] == (
        "Excluding provisionally included studies: 1 study left (4 of the 5 studies left out), not poolable."
    )
    assert pd.isna(row["estimate"]) and pd.isna(row["same_conclusion"])
    assert (
        table.loc[table["analysis_id"] == aid, "status"]
        .isin(["unchanged", "pooled", "not_poolable", "no_studies"])
        .all()
    )
    table_bytes(table, SensitivityAnalyses)


def test_a_filter_that_leaves_no_study_reads_no_studies(table: pd.DataFrame) -> None:
    empty = table[table["status"] == "no_studies"]
    assert len(empty) and empty["sentence"].str.endswith(": no study left, not poolable.").all()
    assert (empty["k"] == 0).all()
