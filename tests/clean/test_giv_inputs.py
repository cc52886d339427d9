"""The clean stage on the inputs of untimed results and generic inverse variance contrasts: declared timepoint
labels without a time, ratio statistics, log-scale statistics, ``ci_level`` and ``outcome_basis``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qolreview.clean.normalize import has_time, load_synonyms, parse_timepoint
from qolreview.clean.stage import CleanResult, clean_workbook
from qolreview.instruments import load_registry
from qolreview.workbook.problems import WorkbookError
from workbook_factory import Data, address, valid_data, write_workbook

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
UNTIMED = ["end of treatment", "at discharge"]


def _clean(tmp_path: Path, data: Data, untimed: list[str] | None = None) -> CleanResult:
    workbook = write_workbook(tmp_path / "w.xlsx", data)
    settings = {**CONFIG["clean"], "untimed_timepoints": untimed or []}
    registry = load_registry(ROOT / "config" / "instruments.yaml")
    synonyms = load_synonyms([ROOT / "config" / "synonyms.yaml", ROOT / "config" / "default_review_synonyms.yaml"])
    return clean_workbook(workbook, registry, synonyms, settings, CONFIG["review"]["vocabularies"])


def _problems(tmp_path: Path, data: Data, untimed: list[str] | None = None) -> list[str]:
    with pytest.raises(WorkbookError) as error:
        _clean(tmp_path, data, untimed)
    return [p.message for p in error.value.problems]


def test_a_declared_label_without_a_time_is_a_timepoint_with_empty_weeks(tmp_path: Path) -> None:
    data = valid_data()
    data["outcomes"][1]["timepoint"] = "At  Discharge"
    result = _clean(tmp_path, data, UNTIMED)
    outcomes = result.tables["outcomes"]
    assert outcomes.loc[1, "timepoint"] == "At Discharge" and outcomes["timepoint_weeks"].isna()[1]
    logged = result.log[(result.log["column"] == "timepoint_weeks") & (result.log["old_value"] == "At Discharge")]
    assert list(logged["rule"]) == ["untimed_timepoint"] and logged["new_value"].isna().all()
    assert list(logged["cell"]) == [address(data, "outcomes", 1, "timepoint")]


def test_an_undeclared_label_is_a_problem_naming_the_declared_ones(tmp_path: Path) -> None:
    data = valid_data()
    data["outcomes"][1]["timepoint"] = "post-test"
    assert _problems(tmp_path, data) == [
        "cannot read a timepoint from 'post-test'; expected e.g. baseline, day 25, week 16, 9 months or not reported"
    ]
    assert _problems(tmp_path, data, UNTIMED) == [
        "cannot read a timepoint from 'post-test'; expected e.g. baseline, day 25, week 16, 9 months or not "
        "reported, or a label of harmonize.untimed_window (at discharge, end of treatment)"
    ]


@pytest.mark.parametrize("statistic", ["hr", "log_or", "log_rr", "log_hr"])
def test_new_statistics_and_a_confidence_level_are_read(tmp_path: Path, statistic: str) -> None:
    data = valid_data()
    data["contrasts"][0] |= {"statistic": statistic, "estimate": 0.8, "ci_low": 0.6, "ci_high": 1.1, "ci_level": 90}
    contrasts = _clean(tmp_path, data).tables["contrasts"]
    assert (contrasts.loc[0, "statistic"], contrasts.loc[0, "ci_level"]) == (statistic, 90.0)


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        (
            {"statistic": "hr", "estimate": -0.2, "ci_low": -0.5},
            "estimate",
            "must be > 0 for a ratio (statistic hr), got -0.2",
        ),
        (
            {"statistic": "rr", "estimate": 0.8, "ci_low": 0.0},
            "ci_low",
            "must be > 0 for a ratio (statistic rr), got 0",
        ),
        (
            {"statistic": "or", "estimate": 1.2, "ci_low": 0.9, "ci_high": 1.6, "outcome_basis": "change"},
            "outcome_basis",
            "applies to md, ls_md, smd only (statistic or), got 'change'",
        ),
        ({"ci_level": 100}, "ci_level", "must be >= 50 and < 100, got 100"),
        ({"outcome_basis": "baseline"}, "outcome_basis", "must be one of change, final, got 'baseline'"),
    ],
)
def test_invalid_contrast_inputs_are_cell_addressed_problems(
    tmp_path: Path, change: dict[str, object], column: str, message: str
) -> None:
    data = valid_data()
    data["contrasts"][0] |= change
    with pytest.raises(WorkbookError) as error:
        _clean(tmp_path, data)
    located = [(p.cell, p.column, p.message) for p in error.value.problems]
    assert (address(data, "contrasts", 0, column), column, message) in located


@pytest.mark.parametrize(
    ("text", "weeks"), [("Week 4", 4.0), ("baseline", 0.0), ("at discharge", None), ("Not reported", None)]
)
def test_a_declared_label_never_hides_a_time(text: str, weeks: float | None) -> None:
    assert parse_timepoint(text, CONFIG["clean"]["weeks_per_unit"], {"week 4", "at discharge"}) == weeks
    assert has_time(text) == (weeks is not None)
