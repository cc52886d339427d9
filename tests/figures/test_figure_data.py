"""Tables behind the evidence map and the QoL-over-time figure."""

from __future__ import annotations

import pandas as pd

from qolreview.figures.data import evidence_map_table, trajectory_table

NAN = float("nan")
STUDIES = pd.DataFrame({"study_id": ["a", "b"], "label": ["Alpha 2020", None]})


def _effects() -> pd.DataFrame:
    rows = [
        # effect, study, role, comparison, instrument, domain, qol, weeks, measure, yi, superseded
        ("e1", "a", "intervention", "between_arms", "EQ-5D-5L", "overall", True, 4.0, "SMD", 0.3, False),
        ("e2", "a", "intervention", "between_arms", "EQ-5D-5L", "overall", True, 12.0, "SMD", 0.4, False),
        ("e3", "a", "intervention", "between_arms", "EQ-5D-5L", "overall", True, 12.0, "SMD", 0.5, True),
        ("e4", "a", "comparator", "within_arm_prepost", "EQ-5D-5L", "overall", True, 4.0, "SMCR", 0.2, False),
        ("e5", "a", "intervention", "within_arm_prepost", "EQ-5D-5L", "overall", True, 4.0, "SMCR", 0.9, False),
        ("e6", "b", "intervention", "between_arms", "MADRS", "symptoms", False, 4.0, "MD", 4.0, False),
    ]
    df = pd.DataFrame(
        rows,
        columns=[
            "effect_id",
            "study_id",
            "arm_role",
            "comparison",
            "instrument",
            "domain",
            "qol",
            "timepoint_weeks",
            "measure",
            "yi",
            "superseded",
        ],
    )
    df["subscale"] = "index"
    df["ci_lb"] = df["yi"] - 0.2
    df["ci_ub"] = df["yi"] + 0.2
    df["source_cells"] = [f"outcomes!Q{i}" for i in range(2, 8)]
    return df


def _not_convertible() -> pd.DataFrame:
    rows = [
        # study, instrument, domain, qol, weeks, reason, direction, qualifier, pct
        (
            "a",
            "AQoL-8D",
            "overall",
            True,
            16.0,
            "value is a bound (qualifier >), not an estimate",
            "improved",
            ">",
            10.0,
        ),
        ("b", "WHOQOL-BREF", "overall", True, 39.1, "direction only", "improved", None, NAN),
        ("b", "WPAI", "functioning", False, 16.0, "percent change only (no SD)", None, None, -20.4),
        ("b", "SF-36", "physical", True, 24.0, "percent change only (no SD)", None, None, 7.5),
        ("a", "EQ-5D-5L", "overall", True, 0.0, "baseline row: no follow-up to pair with", None, None, NAN),
        ("a", "HAM-D", "symptoms", False, 16.0, "no SD and no way to derive it", None, None, NAN),
    ]
    df = pd.DataFrame(
        rows,
        columns=[
            "study_id",
            "instrument",
            "domain",
            "qol",
            "timepoint_weeks",
            "reason",
            "direction_reported",
            "value_qualifier",
            "pct_change",
        ],
    )
    df["subscale"] = "total"
    df["source_cells"] = [f"outcomes!V{i}" for i in range(10, 16)]
    return df


def test_evidence_map_statuses_and_baseline_rows_left_out():
    table = evidence_map_table(_effects(), _not_convertible(), STUDIES)
    assert len(table) == len(_effects()) + 5
    status = table.groupby("instrument")["status"].agg(lambda s: sorted(set(s)))
    assert status["AQoL-8D"] == ["direction_only"]  # a bound counts as words only
    assert status["WHOQOL-BREF"] == ["direction_only"]
    assert status["WPAI"] == ["not_convertible"] and status["HAM-D"] == ["not_convertible"]
    assert status["EQ-5D-5L"] == ["effect_size"]  # the baseline row is an input, not a result
    assert (table["status"] == "effect_size").sum() == 6
    assert list(table["label"].unique()) == ["Alpha 2020", "b"]
    assert table.loc[table["instrument"] == "AQoL-8D", "source_cells"].item() == "outcomes!V10"
    assert list(table.columns) == ["study_id", "label", "instrument", "domain", "status", "source_cells"]


def test_trajectory_keeps_timepoints_and_drops_superseded_and_comparator_rows():
    table = trajectory_table(_effects(), _not_convertible(), STUDIES)
    measured = table[table["value_kind"] != "pct_change"]
    # e1, e2 (two timepoints) and e5 stay; e3 is superseded, e4 is a comparator arm, e6 is not QoL.
    assert sorted(measured["source_cells"]) == ["outcomes!Q2", "outcomes!Q3", "outcomes!Q6"]
    smd = measured[measured["value_kind"] == "SMD"]
    assert list(smd["timepoint_weeks"]) == [4.0, 12.0]
    assert list(smd["value"]) == [0.3, 0.4]
    assert list(smd["ci_lb"].round(2)) == [0.1, 0.2]


def test_trajectory_adds_percent_changes_of_qol_results_only():
    table = trajectory_table(_effects(), _not_convertible(), STUDIES)
    pct = table[table["value_kind"] == "pct_change"]
    # AQoL-8D "> 10%" keeps its qualifier (a bound); SF-36 7.5%; WPAI is not QoL; WHOQOL-BREF has no number.
    bounds = pct["value_qualifier"].fillna("")
    assert sorted(zip(pct["instrument"], pct["value"], bounds, strict=True)) == [
        ("AQoL-8D", 10.0, ">"),
        ("SF-36", 7.5, ""),
    ]
    assert table.loc[table["value_kind"] != "pct_change", "value_qualifier"].isna().all()
    assert set(pct["comparison"]) == {"within_arm_prepost"}
    assert pct["ci_lb"].isna().all()
    assert list(pct["label"]) == ["Alpha 2020", "b"]
    assert list(table["study_id"]) == sorted(table["study_id"])
