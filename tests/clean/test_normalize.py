"""Unit tests of the normalisation rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from qolreview.clean.normalize import CellError, load_synonyms, parse_number, parse_timepoint, value_normalizer
from qolreview.workbook.spec import ARMS, OUTCOMES, SOURCES, STUDIES, workbook_spec

ROOT = Path(__file__).resolve().parents[2]
WEEKS = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["clean"]["weeks_per_unit"]
SYNONYMS = load_synonyms([ROOT / "config" / "synonyms.yaml", ROOT / "config" / "default_review_synonyms.yaml"])


@pytest.mark.parametrize(
    ("text", "pct", "value", "rules"),
    [
        ("12.3", False, 12.3, ["text_to_number"]),
        ("12,3", False, 12.3, ["decimal_comma"]),
        ("-0.5", False, -0.5, ["text_to_number"]),
        ("\u22120.5", False, -0.5, ["unicode_minus", "text_to_number"]),
        ("1e-3", False, 0.001, ["text_to_number"]),
        ("45%", True, 45.0, ["percent_sign", "text_to_number"]),
        (" 7 ", False, 7.0, ["whitespace", "text_to_number"]),
    ],
)
def test_parse_number(text: str, pct: bool, value: float, rules: list[str]) -> None:
    assert parse_number(text, pct) == (value, rules)


@pytest.mark.parametrize(
    ("text", "pct", "message"),
    [
        ("12.3 (4.5)", False, "must be a number, got '12.3 (4.5)'"),
        ("1,234", False, "ambiguous number (decimal comma or thousands separator?), got '1,234'"),
        ("1,234.5", False, "must be a number, got '1,234.5'"),
        ("45%", False, "must be a number, got '45%'"),
        ("n/a", False, "must be a number, got 'n/a'"),
    ],
)
def test_parse_number_errors(text: str, pct: bool, message: str) -> None:
    with pytest.raises(CellError) as info:
        parse_number(text, pct)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("text", "weeks"),
    [
        ("baseline", 0.0),
        ("Baseline", 0.0),
        ("day 25", 25 / 7),
        ("d25", 25 / 7),
        ("week 16", 16.0),
        ("wk 4", 4.0),
        ("4 weeks", 4.0),
        ("9 months", 9 * 30.4375 / 7),
        ("month 9", 9 * 30.4375 / 7),
        ("12 mo", 12 * 30.4375 / 7),
        ("1 year", 365.25 / 7),
        ("Not Reported", None),
    ],
)
def test_parse_timepoint(text: str, weeks: float | None) -> None:
    result = parse_timepoint(text, WEEKS)
    assert result == (None if weeks is None else pytest.approx(weeks, rel=1e-12))


@pytest.mark.parametrize("text", ["soon", "week", "day -3", "4 fortnights", "end of treatment"])
def test_parse_timepoint_errors(text: str) -> None:
    with pytest.raises(CellError, match="cannot read a timepoint from"):
        parse_timepoint(text, WEEKS)


def test_id_columns_stay_text() -> None:
    norm = value_normalizer(ARMS.column("arm_id"), SYNONYMS)
    assert norm("007") == ("007", [])
    assert norm(7.0) == ("7", ["number_as_text"])
    assert norm("  a1  ") == ("a1", ["whitespace"])
    with pytest.raises(CellError, match="must be an identifier, got TRUE"):
        norm(True)


def test_vocabularies() -> None:
    declared = {"route": ["IV", "IN", "oral"], "intervention": ["ketamine", "esketamine"], "open": ["intervention"]}
    arms = {sheet.name: sheet for sheet in workbook_spec(declared)}["arms"]
    route, drug = value_normalizer(arms.column("route"), SYNONYMS), value_normalizer(arms.column("drug"), SYNONYMS)
    assert route("iv") == ("IV", ["case"])
    assert route("Intravenous") == ("IV", ["synonym"])
    assert route("intranasal") == ("IN", ["synonym"])
    assert drug("Esketamine") == ("esketamine", ["case"])
    assert drug("Esketamine  nasal spray") == ("esketamine", ["whitespace", "synonym"])
    assert drug("arketamine") == ("arketamine", [])


def test_an_undeclared_vocabulary_keeps_values_as_written() -> None:
    route = value_normalizer(ARMS.column("route"), SYNONYMS)
    assert route("iv") == ("iv", [])
    assert route("intravenous") == ("IV", ["synonym"])


def test_numbers_and_dates() -> None:
    n = value_normalizer(OUTCOMES.column("n"), SYNONYMS)
    assert n(50.0) == (50, [])
    with pytest.raises(CellError, match=r"must be a whole number, got 50\.5"):
        n(50.5)
    pct = value_normalizer(STUDIES.column("female_pct"), SYNONYMS)
    assert pct("45 %") == (45.0, ["percent_sign", "text_to_number"])
    accessed = value_normalizer(SOURCES.column("accessed"), SYNONYMS)
    assert accessed(dt.datetime(2024, 5, 1, 0, 0)) == ("2024-05-01", [])
    assert accessed("2024-05-01") == ("2024-05-01", [])
    with pytest.raises(CellError, match="must be a date"):
        accessed(45413.0)
    notes = value_normalizer(STUDIES.column("notes"), SYNONYMS)
    assert notes(False) == ("FALSE", ["boolean_as_text"])
    assert notes(dt.date(2024, 2, 3)) == ("2024-02-03", ["date_as_text"])


def test_synonym_targets_must_be_in_vocabulary(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.yaml"
    path.write_text("synonyms:\n  funding:\n    pharma: Industry\n")
    with pytest.raises(ValueError, match="funding: 'Industry' is not one of industry, non_industry"):
        load_synonyms(path)


def test_synonym_targets_of_a_review_vocabulary_are_checked_in_the_cells(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.yaml"
    path.write_text("synonyms:\n  design:\n    randomised: RCT\n  population:\n    grown-ups: adults\n")
    assert load_synonyms(path) == {"design": {"randomised": "RCT"}, "population": {"grown-ups": "adults"}}
