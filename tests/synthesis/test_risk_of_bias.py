"""Risk-of-bias tables, Newcastle-Ottawa conversion and robvis output (qolreview.synthesis.risk_of_bias)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qolreview.parquet_io import write_csv
from qolreview.synthesis.risk_of_bias import (
    nos_rating,
    overall_by_study,
    robvis_table,
    tidy_risk_of_bias,
)
from qolreview.tables import Robvis

AHRQ = {
    "good": {"selection": 3, "comparability": 1, "outcome": 2},
    "fair": {"selection": 2, "comparability": 1, "outcome": 2},
}

STUDIES = pd.DataFrame(
    {
        "study_id": ["hop", "jam", "lia", "x5"],
        "label": ["Hopwood 2024", "Jamieson 2023", "Liang 2024", None],
        "rob_tool": ["ROBINS-I", "RoB2", "NOS", "ROBINS-I"],
        "n_total": [105, 223, None, 50],
        "cell_rob_tool": ["studies!L2", "studies!L3", "studies!L4", "studies!L5"],
    }
)


def rob_rows() -> pd.DataFrame:
    rows = [
        ("hop", "ROBINS-I", f"D{i}", j)
        for i, j in enumerate(["Serious", "Moderate", "Low", "Low", "Moderate", "Serious", "low"], start=1)
    ]
    rows += [("hop", "ROBINS-I", "Overall", "Serious"), ("jam", "RoB2", "overall", "Some concerns")]
    rows += [("lia", "NOS", "selection", "3"), ("lia", "NOS", "comparability", "1"), ("lia", "NOS", "outcome", "2")]
    df = pd.DataFrame(rows, columns=["study_id", "tool", "domain", "judgement"])
    df["support"] = "quote"
    df["cell_judgement"] = [f"risk_of_bias!D{i}" for i in range(2, 2 + len(df))]
    df["cell_support"] = [f"risk_of_bias!E{i}" for i in range(2, 2 + len(df))]
    return df


@pytest.mark.parametrize(
    ("stars", "expected"),
    [
        ((4, 2, 3), "Good"),
        ((3, 1, 2), "Good"),  # lowest Good
        ((2, 2, 3), "Fair"),
        ((2, 1, 2), "Fair"),  # selection 2 -> Fair
        ((1, 2, 3), "Poor"),  # selection 0-1
        ((4, 0, 3), "Poor"),  # comparability 0
        ((4, 2, 1), "Poor"),  # outcome 0-1
        ((3, 1, 1), "Poor"),
        ((2, 0, 2), "Poor"),
        ((0, 0, 0), "Poor"),
    ],
)
def test_nos_conversion_at_each_boundary(stars: tuple[int, int, int], expected: str) -> None:
    assert nos_rating(*stars, AHRQ) == expected


def test_nos_stars_out_of_range_are_rejected() -> None:
    with pytest.raises(ValueError, match="outside 0-2"):
        nos_rating(3, 3, 2, AHRQ)


def test_tidy_table_marks_studies_without_judgements_as_not_assessed() -> None:
    tidy = tidy_risk_of_bias(rob_rows(), STUDIES, AHRQ)
    assert sorted(set(tidy["study_id"])) == ["hop", "jam", "lia", "x5"]
    x5 = tidy[tidy["study_id"] == "x5"]
    assert x5[["tool", "domain", "judgement", "label", "source_cells"]].values.tolist() == [
        ["ROBINS-I", "overall", "Not assessed", "x5", "studies!L5"]
    ]
    hop = tidy[tidy["study_id"] == "hop"]
    assert hop["domain"].tolist() == ["D1", "D2", "D3", "D4", "D5", "D6", "D7", "overall"]
    assert hop["judgement"].tolist()[-2:] == ["Low", "Serious"]
    assert hop["source_cells"].iloc[0] == "risk_of_bias!D2; risk_of_bias!E2"
    nos = tidy[tidy["study_id"] == "lia"].set_index("domain")
    assert nos.loc["overall", ["judgement", "stars"]].tolist() == ["Good", 6]
    assert nos.loc["selection", ["judgement", "stars"]].tolist() == ["3 stars", 3]
    overall = overall_by_study(tidy)
    assert overall.to_dict() == {"hop": "Serious", "jam": "Some concerns", "lia": "Good", "x5": "Not assessed"}


def test_incomplete_nos_is_not_rated_and_unknown_values_fail() -> None:
    rows = rob_rows()
    tidy = tidy_risk_of_bias(rows[rows["domain"] != "outcome"], STUDIES, AHRQ)
    assert tidy.query("study_id == 'lia' and domain == 'overall'")["judgement"].item() == "Not assessed"
    bad = rob_rows()
    bad.loc[0, "judgement"] = "Probably fine"
    with pytest.raises(ValueError, match="unknown judgement"):
        tidy_risk_of_bias(bad, STUDIES, AHRQ)


def test_robvis_tables_and_deterministic_csv(tmp_path: Path) -> None:
    tidy = tidy_risk_of_bias(rob_rows(), STUDIES, AHRQ)
    robins = robvis_table(tidy, "ROBINS-I", STUDIES)
    assert robins.columns.tolist() == ["Study", *(f"D{i}" for i in range(1, 8)), "Overall", "Weight"]
    assert robins.values.tolist() == [
        ["Hopwood 2024", "Serious", "Moderate", "Low", "Low", "Moderate", "Serious", "Low", "Serious", 105],
        ["x5", *["No information"] * 8, 50],
    ]
    nos = robvis_table(tidy, "NOS", STUDIES)
    assert nos.values.tolist() == [["Liang 2024", "3", "1", "2", "Good", 1]]
    rob2 = robvis_table(tidy, "RoB2", STUDIES)
    assert rob2.values.tolist() == [["Jamieson 2023", *["No information"] * 5, "Some concerns", 223]]
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    write_csv(robins, first, Robvis)
    write_csv(robvis_table(tidy_risk_of_bias(rob_rows(), STUDIES, AHRQ), "ROBINS-I", STUDIES), second, Robvis)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_text().splitlines()[0] == "Study,D1,D2,D3,D4,D5,D6,D7,Overall,Weight"
