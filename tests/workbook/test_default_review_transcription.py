"""The embedded default workbook (raw/extraction.xlsx) against its transcription script and evidence records."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import openpyxl
import pandas as pd
import pytest

from qolreview.workbook.spec import EVIDENCE_STATUS, SHEETS_BY_NAME

ROOT = Path(__file__).resolve().parents[2]
WORKBOOK = ROOT / "raw" / "extraction.xlsx"
TRANSCRIPTION = ROOT / "raw" / "transcription"
INSTRUMENTS = {"WHOQOL-BREF", "EQ-5D-5L", "EQ-VAS", "AQoL-8D", "QLDS", "SDS", "WPAI", "HAM-D", "MADRS", "BHS"}
OUTCOME_NUMBERS = (
    "mean",
    "sd",
    "se",
    "ci_low",
    "ci_high",
    "median",
    "q1",
    "q3",
    "baseline_mean",
    "baseline_sd",
    "change_mean",
    "change_sd",
    "change_se",
    "change_ci_low",
    "change_ci_high",
    "pct_change",
    "pct_with_problem",
    "pre_post_r",
    "pct_responders",
)
CONTRAST_NUMBERS = ("estimate", "se", "ci_low", "ci_high", "p_value")


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cheng2025", TRANSCRIPTION / "cheng2025.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def book() -> dict[str, list[dict[str, object]]]:
    wb = openpyxl.load_workbook(WORKBOOK, read_only=True)
    sheets = {}
    for name in SHEETS_BY_NAME:
        rows = list(wb[name].iter_rows(values_only=True))
        sheets[name] = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    return sheets


@pytest.fixture(scope="module")
def seen() -> pd.DataFrame:
    return pd.read_csv(TRANSCRIPTION / "outcomes_seen.csv", dtype=str, keep_default_na=False)


def _key(row: dict[str, object], *cols: str) -> tuple[object, ...]:
    return tuple(row[c] for c in cols)


def test_regenerated_workbook_is_byte_identical(script: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "extraction.xlsx"
    script.main(out)
    assert out.read_bytes() == WORKBOOK.read_bytes(), "run .venv/bin/python raw/transcription/cheng2025.py"


def test_workbook_rows_equal_the_script_data(script: ModuleType, book: dict) -> None:
    for name, rows in script.WORKBOOK.items():
        assert len(book[name]) == len(rows), name
        for expected, got in zip(rows, book[name], strict=True):
            for column, value in expected.items():
                assert got[column] == value, (name, column, expected)


def test_every_tabulated_number_was_seen(book: dict, seen: pd.DataFrame) -> None:
    """No number in outcomes or contrasts that the evidence records do not hold for the same study."""
    values = seen.groupby("study_id")["value"].agg(lambda v: {float(x) for x in v})
    sizes = seen.groupby("study_id")["n"].agg(lambda v: {int(x) for x in v if x})
    for sheet, columns in (("outcomes", OUTCOME_NUMBERS), ("contrasts", CONTRAST_NUMBERS)):
        for row in book[sheet]:
            for column in columns:
                if row[column] is not None:
                    assert float(row[column]) in values[row["study_id"]], (sheet, column, row)
            if row["n"] is not None:
                assert row["n"] in sizes[row["study_id"]], (sheet, row)


def test_every_seen_number_is_transcribed(book: dict, seen: pd.DataFrame) -> None:
    """Each number of the evidence records is in a cell of its study, or quoted in the notes of its study."""
    for record in seen.itertuples():
        cells, notes = set(), []
        for sheet, columns in (("outcomes", OUTCOME_NUMBERS), ("contrasts", CONTRAST_NUMBERS)):
            for row in book[sheet]:
                if row["study_id"] == record.study_id:
                    cells |= {float(row[c]) for c in columns if row[c] is not None}
                    notes.append(row["notes"] or "")
        in_notes = any(record.value in text for text in notes)
        assert float(record.value) in cells or in_notes, record


def test_key_numbers(book: dict) -> None:
    out = {_key(r, "study_id", "arm_id", "instrument", "subscale", "timepoint"): r for r in book["outcomes"]}
    aqol = out["hopwood2024", "esketamine", "AQoL-8D", "all dimensions", "week 16"]
    assert (aqol["pct_change"], aqol["value_qualifier"], aqol["direction_reported"]) == (10, ">", "improved")
    assert out["hopwood2024", "esketamine", "HAM-D", "total", "week 16"]["change_mean"] == -8.0
    assert out["hopwood2024", "esketamine", "WPAI", "activity impairment", "week 16"]["pct_change"] == -20.4
    qlds = out["jamieson2023_aspire", "esk_soc", "QLDS", "total", "day 25"]
    assert (qlds["n"], qlds["change_mean"], qlds["change_sd"]) == (226, -14.4, 11.5)
    t2 = "jamieson2023_transform2"
    assert out[t2, "ad_pbo", "EQ-5D-5L", "usual activities", "day 28"]["pct_with_problem"] == 72.0
    assert out[t2, "esk_ad", "EQ-5D-5L", "pain/discomfort", "baseline"]["pct_with_problem"] == 68.5
    middle = out[t2, "ad_pbo", "EQ-5D-5L", "pain/discomfort", "not reported"]
    assert (middle["pct_with_problem"], middle["evidence_status"]) == (59.6, "seen_inferred")
    index = out[t2, "esk_ad", "EQ-5D-5L", "index", "day 28"]
    assert (index["n"], index["change_mean"], index["change_sd"]) == (111, 0.288, 0.2317)
    assert out[t2, "esk_ad", "MADRS", "remission", "day 28"]["pct_responders"] == 52.5
    assert out[t2, "ad_pbo", "SDS", "response", "day 28"]["pct_responders"] == 39.5
    liang = out["liang2024", "ketamine_iv", "WHOQOL-BREF", "overall QoL item", "9 months"]
    assert (liang["direction_reported"], liang["evidence_status"]) == ("improved", "reported_in_summary")
    assert not any(r["study_id"] == "study5_unidentified" for r in book["outcomes"] + book["arms"])

    con = {_key(r, "study_id", "instrument", "subscale", "statistic"): r for r in book["contrasts"]}
    expected = {
        ("jamieson2023_aspire", "QLDS", "total", "ls_md"): (-3.1, None, -5.21, -1.02, "day 25"),
        ("jamieson2023_aspire", "BHS", "total", "ls_md"): (-1.0, None, -2.23, 0.21, "day 25"),
        (t2, "MADRS", "total", "ls_md"): (-4.0, 1.69, -7.31, -0.64, "day 28"),
        (t2, "MADRS", "response", "rd"): (17.3, None, 4.01, 30.6, "day 28"),
        (t2, "MADRS", "remission", "rd"): (21.5, None, 8.17, 34.78, "day 28"),
        (t2, "EQ-5D-5L", "pain/discomfort", "rd"): (-18.4, None, -31.8, -5.0, "day 28"),
    }
    assert {k: _key(con[k], "estimate", "se", "ci_low", "ci_high", "timepoint") for k in con} == expected
    assert con[t2, "MADRS", "total", "ls_md"]["evidence_status"] == "seen_inferred"


def test_studies_and_arms(book: dict) -> None:
    studies = {r["study_id"]: r for r in book["studies"]}
    assert {
        k: (r["inclusion_status"], r["n_total"], r["design"], r["population"], r["funding"]) for k, r in studies.items()
    } == {
        "hopwood2024": ("confirmed", 105, "single_arm", "TRD", "not_reported"),
        "liang2024": ("provisional", None, None, None, "not_reported"),
        "jamieson2023_transform2": ("provisional", 223, "post_hoc_rct", "TRD", "industry"),
        "jamieson2023_aspire": ("provisional", 451, "post_hoc_rct", "MDSI", "industry"),
        "study5_unidentified": ("provisional", None, None, None, "not_reported"),
    }
    assert all(r["rob_tool"] is None for r in book["studies"])  # which tool per study is not known
    arms = {_key(r, "study_id", "arm_id"): (r["role"], r["drug"], r["route"], r["n_arm"]) for r in book["arms"]}
    assert arms == {
        ("hopwood2024", "esketamine"): ("intervention", "esketamine", "IN", 105),
        ("jamieson2023_transform2", "esk_ad"): ("intervention", "esketamine", "IN", 114),
        ("jamieson2023_transform2", "ad_pbo"): ("comparator", "placebo", "IN", 109),
        ("jamieson2023_aspire", "esk_soc"): ("intervention", "esketamine", "IN", 226),
        ("jamieson2023_aspire", "pbo_soc"): ("comparator", "placebo", "IN", 225),
        ("liang2024", "ketamine_iv"): ("intervention", "ketamine", "IV", None),
    }


def test_nothing_invented_where_nothing_is_known(book: dict) -> None:
    assert book["risk_of_bias"] == []
    assert [(r["box"], r["n"]) for r in book["prisma"]] == [("total_studies", 5)]


def test_references_and_vocabularies(book: dict, seen: pd.DataFrame) -> None:
    sources = {r["source_id"]: r for r in book["sources"]}
    assert len(sources) == len(book["sources"])
    arms = {_key(r, "study_id", "arm_id") for r in book["arms"]}
    for sheet in ("studies", "arms", "outcomes", "contrasts", "prisma", "claims"):
        for row in book[sheet]:
            assert row["source_id"] in sources, (sheet, row)
    for row in book["outcomes"] + book["contrasts"]:
        assert _key(row, "study_id", "arm_id") in arms
        assert row["instrument"] in INSTRUMENTS
        assert row["evidence_status"] in EVIDENCE_STATUS
    for row in book["contrasts"]:
        assert (row["study_id"], row["comparator_arm_id"]) in arms
    quotes = seen.groupby("source_url")["quote"].agg(set)
    for source in book["sources"]:
        if source["url"] in quotes.index:  # sources of numbers quote the evidence records verbatim
            assert source["quote"] in quotes[source["url"]], source["source_id"]
    assert {s["url"] for s in book["sources"]} >= set(quotes.index)
