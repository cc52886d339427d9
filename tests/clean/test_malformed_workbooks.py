"""A corpus of malformed workbooks, generated here: each must fail with exactly the expected problems,
write no output and leave the workbook's bytes unchanged. Accepted oddities must read correctly."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from qolreview.clean.stage import run
from qolreview.parquet_io import read_table
from qolreview.workbook.problems import WorkbookError
from workbook_factory import Data, address, set_cached_value, valid_data, write_workbook

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["clean"]
WB = "raw/extraction.xlsx"
KNOWN_INSTRUMENTS = (
    "AQoL-8D, BHS, EQ-5D-5L, EQ-VAS, HAM-D, MADRS, PHQ-9, Q-LES-Q-SF, QLDS, SDS, SF-12, SF-36, WHOQOL-BREF, WPAI"
)


def _outputs(base: Path) -> dict[str, object]:
    clean = base / "results" / "clean"
    tables = [
        str(clean / f"{t}.parquet")
        for t in ("studies", "arms", "outcomes", "contrasts", "risk_of_bias", "prisma", "sources", "grade", "claims")
    ]
    return {
        "tables": tables,
        "cleaning_log": str(clean / "cleaning_log.parquet"),
        "report": str(clean / "validation_report.md"),
    }


def _run(base: Path, settings: dict | None = None):
    inputs = {
        "workbook": WB,
        "instruments": str(ROOT / "config" / "instruments.yaml"),
        "synonyms": str(ROOT / "config" / "synonyms.yaml"),
    }
    return run(inputs, _outputs(base), settings or SETTINGS)


def _set(sheet: str, index: int, column: str, value: object) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        data[sheet][index][column] = value

    return mutate


def _loc(sheet: str, index: int, column: str) -> str:
    return f"{WB} › {sheet} › {address(valid_data(), sheet, index, column)} ({column})"


# (case id, change to the valid data, expected problems, exactly and in order)
CASES: list[tuple[str, Callable[[Data], None], list[str]]] = [
    ("missing_sheet", lambda d: d.pop("sources"), [f"{WB} › sources: required sheet is missing"]),
    ("sd_not_positive", _set("outcomes", 1, "sd", -3.2), [f"{WB} › outcomes › H3 (sd): must be > 0, got -3.2"]),
    (
        "number_with_sd",
        _set("outcomes", 1, "sd", "12.3 (4.5)"),
        [f"{_loc('outcomes', 1, 'sd')}: must be a number, got '12.3 (4.5)'"],
    ),
    (
        "ambiguous_thousands",
        _set("outcomes", 3, "mean", "1,234"),
        [f"{_loc('outcomes', 3, 'mean')}: ambiguous number (decimal comma or thousands separator?), got '1,234'"],
    ),
    (
        "bad_vocabulary",
        _set("studies", 0, "design", "RCTx"),
        [f"{_loc('studies', 0, 'design')}: must be one of rct, post_hoc_rct, nrsi, single_arm, cohort, got 'RCTx'"],
    ),
    (
        "duplicate_key",
        lambda d: d["arms"].append(dict(d["arms"][0], n_arm=1)),
        [f"{WB} › arms › A4 (study_id): duplicate key (study_id, arm_id) = ('s1', 'esk'); first in row 2"],
    ),
    (
        "unknown_study",
        _set("outcomes", 2, "study_id", "s9"),
        [
            f"{_loc('outcomes', 2, 'study_id')}: study 's9' is not in studies",
            f"{_loc('outcomes', 2, 'arm_id')}: arm 'pbo' is not in arms of study 's9'",
        ],
    ),
    (
        "unknown_arm",
        _set("outcomes", 2, "arm_id", "xyz"),
        [f"{_loc('outcomes', 2, 'arm_id')}: arm 'xyz' is not in arms of study 's1'"],
    ),
    (
        "unknown_comparator_arm",
        _set("contrasts", 0, "comparator_arm_id", "ctl"),
        [f"{_loc('contrasts', 0, 'comparator_arm_id')}: arm 'ctl' is not in arms of study 's1'"],
    ),
    (
        "pct_over_100",
        _set("outcomes", 4, "pct_with_problem", 120),
        [f"{_loc('outcomes', 4, 'pct_with_problem')}: must be >= 0 and <= 100, got 120"],
    ),
    (
        "r_equals_1",
        _set("outcomes", 3, "pre_post_r", 1),
        [f"{_loc('outcomes', 3, 'pre_post_r')}: must be > -1 and < 1, got 1"],
    ),
    (
        "p_over_1",
        _set("contrasts", 0, "p_value", 1.5),
        [f"{_loc('contrasts', 0, 'p_value')}: must be >= 0 and <= 1, got 1.5"],
    ),
    (
        "ci_low_above_estimate",
        _set("contrasts", 0, "ci_low", 0.3),
        [f"{_loc('contrasts', 0, 'ci_low')}: must be <= estimate (0.1), got 0.3"],
    ),
    (
        "ci_high_below_mean",
        _set("outcomes", 1, "ci_high", 0.66),
        [f"{_loc('outcomes', 1, 'ci_high')}: must be >= mean (0.7), got 0.66"],
    ),
    (
        "q1_above_median",
        _set("outcomes", 3, "q1", 15.0),
        [f"{_loc('outcomes', 3, 'q1')}: must be <= median (14), got 15"],
    ),
    (
        "n_arm_above_n_total",
        _set("arms", 0, "n_arm", 150),
        [f"{_loc('arms', 0, 'n_arm')}: must be <= n_total of study 's1' (100), got 150"],
    ),
    (
        "score_out_of_range",
        _set("outcomes", 3, "mean", 140),
        [
            f"{_loc('outcomes', 3, 'mean')}: must lie within the WHOQOL-BREF physical health range [4, 20] or "
            f"[0, 100], got 140"
        ],
    ),
    (
        "change_beyond_width",
        _set("outcomes", 2, "change_mean", 2.5),
        [
            f"{_loc('outcomes', 2, 'change_mean')}: must lie within ±1.865 (width of the EQ-5D-5L index range "
            f"[-0.865, 1]), got 2.5"
        ],
    ),
    (
        "unknown_instrument",
        _set("outcomes", 4, "instrument", "EQ-5D-3L"),
        [f"{_loc('outcomes', 4, 'instrument')}: unknown instrument 'EQ-5D-3L'; known: {KNOWN_INSTRUMENTS}"],
    ),
    (
        "unknown_subscale",
        _set("outcomes", 3, "subscale", "vitality"),
        [
            f"{_loc('outcomes', 3, 'subscale')}: unknown subscale 'vitality' of WHOQOL-BREF; known: environment, "
            f"general health item, overall QoL item, physical health, psychological, social relationships"
        ],
    ),
    (
        "bad_timepoint",
        _set("outcomes", 3, "timepoint", "soon"),
        [
            f"{_loc('outcomes', 3, 'timepoint')}: cannot read a timepoint from 'soon'; expected e.g. baseline, "
            f"day 25, week 16, 9 months or not reported"
        ],
    ),
    (
        "empty_required_value",
        _set("risk_of_bias", 0, "domain", "   "),
        [f"{_loc('risk_of_bias', 0, 'domain')}: must not be empty"],
    ),
    ("fractional_n", _set("outcomes", 0, "n", 50.5), [f"{_loc('outcomes', 0, 'n')}: must be a whole number, got 50.5"]),
    (
        "bad_date",
        _set("sources", 0, "accessed", "last May"),
        [f"{_loc('sources', 0, 'accessed')}: must be a date (YYYY-MM-DD), got 'last May'"],
    ),
    (
        "unknown_source",
        _set("outcomes", 0, "source_id", "src9"),
        [f"{_loc('outcomes', 0, 'source_id')}: source 'src9' is not in sources"],
    ),
    (
        "boolean_number",
        _set("studies", 0, "age_mean", True),
        [f"{_loc('studies', 0, 'age_mean')}: must be a number, got TRUE"],
    ),
]


def _multi(data: Data) -> None:
    data["studies"][0]["design"] = "RCTx"
    data["arms"][0]["n_arm"] = 0
    data["outcomes"][1]["sd"] = -3.2
    data["outcomes"][1]["timepoint"] = "later"
    data["outcomes"][3]["mean"] = "12.3 (4.5)"
    data["contrasts"][0]["p_value"] = 2


MULTI = [
    f"{_loc('studies', 0, 'design')}: must be one of rct, post_hoc_rct, nrsi, single_arm, cohort, got 'RCTx'",
    f"{_loc('arms', 0, 'n_arm')}: must be >= 1, got 0",
    f"{_loc('outcomes', 1, 'timepoint')}: cannot read a timepoint from 'later'; expected e.g. baseline, day 25, "
    f"week 16, 9 months or not reported",
    f"{_loc('outcomes', 1, 'sd')}: must be > 0, got -3.2",
    f"{_loc('outcomes', 3, 'mean')}: must be a number, got '12.3 (4.5)'",
    f"{_loc('contrasts', 0, 'p_value')}: must be >= 0 and <= 1, got 2",
]
CASES.append(("many_problems", _multi, MULTI))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _expect_failure(base: Path, expected: list[str], settings: dict | None = None) -> None:
    workbook = base / WB
    before = _digest(workbook)
    with pytest.raises(WorkbookError) as info:
        _run(base, settings)
    assert [str(p) for p in info.value.problems] == expected
    assert str(info.value).splitlines()[1:] == expected
    assert not (base / "results").exists()
    assert _digest(workbook) == before


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "raw").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("case", "mutate", "expected"), CASES, ids=[c[0] for c in CASES])
def test_malformed_workbook(base: Path, case: str, mutate: Callable[[Data], None], expected: list[str]) -> None:
    data = copy.deepcopy(valid_data())
    mutate(data)
    write_workbook(base / WB, data)
    _expect_failure(base, expected)


def test_missing_column(base: Path) -> None:
    data = valid_data()
    columns = [c for c in openpyxl_columns("outcomes") if c != "change_sd"]
    write_workbook(base / WB, data, columns={"outcomes": columns})
    _expect_failure(base, [f"{WB} › outcomes (change_sd): required column is missing"])


def openpyxl_columns(sheet: str) -> list[str]:
    from qolreview.workbook.spec import SHEETS_BY_NAME

    return list(SHEETS_BY_NAME[sheet].column_names)


def test_formula_without_cached_value(base: Path) -> None:
    data = valid_data()
    data["outcomes"][1]["mean"] = "=0.5+0.2"
    write_workbook(base / WB, data)
    _expect_failure(
        base,
        [
            f"{_loc('outcomes', 1, 'mean')}: formula without a cached value (open and save the "
            f"workbook in Excel, or type the value)"
        ],
    )


def test_excel_error_value(base: Path) -> None:
    data = valid_data()
    data["outcomes"][1]["mean"] = "=1/0"
    write_workbook(base / WB, data)
    _inject(base / WB, address(data, "outcomes", 1, "mean"), b' t="e"', b"#DIV/0!")
    _expect_failure(base, [f"{_loc('outcomes', 1, 'mean')}: cell holds an Excel error value"])


def _inject(path: Path, cell: str, attrs: bytes, cached: bytes) -> None:
    sheet_part = "xl/worksheets/sheet3.xml"  # outcomes is the third sheet
    with zipfile.ZipFile(path) as archive:
        members = [(i, archive.read(i.filename)) for i in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, payload in members:
            if info.filename == sheet_part:
                tag = f'<c r="{cell}"'.encode()
                payload = payload.replace(tag, tag + attrs).replace(b"<v />", b"<v>" + cached + b"</v>")
            archive.writestr(info, payload)


def test_value_without_header(base: Path) -> None:
    data = valid_data()
    path = write_workbook(base / WB, data)
    book = openpyxl.load_workbook(path)
    book["prisma"]["G2"] = 5
    book.save(path)
    _expect_failure(base, [f"{WB} › prisma › G2: value in a column without a header"])


@pytest.mark.parametrize(
    ("case", "payload", "message"),
    [
        ("empty_file", b"", "file is empty (0 bytes); not a valid .xlsx file"),
        ("not_xlsx", b"study_id,n\ns1,10\n", "not a valid .xlsx file (not a zip archive)"),
        (
            "password_protected",
            bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504,
            "file is an OLE/CFB container, not an .xlsx: a password-protected (encrypted) workbook or a legacy .xls "
            "file; remove the password or save it as .xlsx",
        ),
    ],
)
def test_unreadable_file(base: Path, case: str, payload: bytes, message: str) -> None:
    (base / WB).write_bytes(payload)
    _expect_failure(base, [f"{WB}: {message}"])


def test_zip_without_workbook(base: Path) -> None:
    with zipfile.ZipFile(base / WB, "w") as archive:
        archive.writestr("hello.txt", "hi")
    _expect_failure(base, [f"{WB}: not a valid .xlsx file (no xl/workbook.xml in the archive)"])


def test_zip_bomb(base: Path) -> None:
    with zipfile.ZipFile(base / WB, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"\0" * (3 * 1024 * 1024))
    assert (base / WB).stat().st_size < 20_000
    settings = dict(SETTINGS, max_uncompressed_mb=2)
    _expect_failure(
        base,
        [
            f"{WB}: archive declares 3.0 MB uncompressed, more than the limit of 2 MB "
            f"(clean.max_uncompressed_mb); refused as a possible zip bomb"
        ],
        settings,
    )


def test_file_too_large(base: Path) -> None:
    write_workbook(base / WB, valid_data())
    settings = dict(SETTINGS, max_file_mb=0.001)
    size = (base / WB).stat().st_size / 1024 / 1024
    _expect_failure(
        base, [f"{WB}: file is {size:.1f} MB, more than the limit of 0.001 MB (clean.max_file_mb)"], settings
    )


def test_accepted_oddities(base: Path) -> None:
    """Dates, booleans, ``007`` ids, text numbers, percent signs, synonyms, aliases and cached formulas."""
    data = valid_data()
    for row in data["arms"] + data["outcomes"] + data["contrasts"]:
        for key in ("arm_id", "comparator_arm_id"):
            if row.get(key) == "esk":
                row[key] = "007"
    data["arms"][1]["arm_id"] = 8.0
    for row in data["outcomes"] + data["contrasts"]:
        if row.get("arm_id") == "pbo":
            row["arm_id"] = "8"
        if row.get("comparator_arm_id") == "pbo":
            row["comparator_arm_id"] = "8"
    data["arms"][0]["drug"] = "Esketamine nasal spray"
    data["arms"][0]["route"] = "intranasal"
    data["arms"][1]["route"] = "in"
    data["arms"][1]["notes"] = True
    data["studies"][0]["female_pct"] = "45%"
    data["studies"][0]["notes"] = dt.date(2024, 2, 3)
    data["outcomes"][3]["mean"] = "12,3"
    data["outcomes"][3]["sd"] = " 3.5 "
    data["outcomes"][3]["timepoint"] = "Day  25"
    data["outcomes"][0]["instrument"] = "eq5d"
    data["outcomes"][0]["subscale"] = "HSI"
    data["outcomes"][1]["mean"] = "=0.5+0.2"
    path = write_workbook(base / WB, data)
    set_cached_value(path, 2, address(data, "outcomes", 1, "mean"), "0.7")
    before = _digest(path)
    result = _run(base)
    assert _digest(path) == before
    clean = base / "results" / "clean"
    arms, studies = read_table(clean / "arms.parquet"), read_table(clean / "studies.parquet")
    outcomes = read_table(clean / "outcomes.parquet")
    assert arms["arm_id"].tolist() == ["007", "8"]
    assert arms[["drug", "route"]].values.tolist() == [["esketamine", "IN"], ["placebo", "IN"]]
    assert pd.isna(arms.at[0, "notes"]) and arms.at[1, "notes"] == "TRUE"
    assert studies.at[0, "female_pct"] == 45.0 and studies.at[0, "notes"] == "2024-02-03"
    assert outcomes.at[3, "mean"] == 12.3 and outcomes.at[3, "sd"] == 3.5
    assert outcomes.at[3, "timepoint"] == "Day 25" and outcomes.at[3, "timepoint_weeks"] == pytest.approx(25 / 7)
    assert outcomes.at[1, "mean"] == 0.7
    assert outcomes.loc[0, ["instrument", "subscale"]].tolist() == ["EQ-5D-5L", "index"]
    assert read_table(clean / "sources.parquet").at[0, "accessed"] == "2024-05-01"
    log = read_table(clean / "cleaning_log.parquet")
    changed = {(r.sheet, r.cell, r.column): (r.old_value, r.new_value, r.rule) for r in log.itertuples()}
    assert changed[("arms", "B3", "arm_id")] == ("8", "8", "number_as_text")
    assert changed[("arms", "E2", "drug")] == ("Esketamine nasal spray", "esketamine", "synonym")
    assert changed[("arms", "F2", "route")] == ("intranasal", "IN", "synonym")
    assert changed[("arms", "F3", "route")] == ("in", "IN", "case")
    assert changed[("arms", "K3", "notes")] == ("TRUE", "TRUE", "boolean_as_text")
    assert changed[("studies", "I2", "female_pct")] == ("45%", "45", "percent_sign, text_to_number")
    assert changed[("studies", "N2", "notes")] == ("2024-02-03", "2024-02-03", "date_as_text")
    assert changed[("outcomes", "G5", "mean")] == ("12,3", "12.3", "decimal_comma")
    assert changed[("outcomes", "H5", "sd")] == (" 3.5 ", "3.5", "whitespace, text_to_number")
    assert changed[("outcomes", "E5", "timepoint")] == ("Day  25", "Day 25", "whitespace")
    assert changed[("outcomes", "C2", "instrument")] == ("eq5d", "EQ-5D-5L", "instrument_alias")
    assert changed[("outcomes", "D2", "subscale")] == ("HSI", "index", "subscale_alias")
    assert "arms | synonym | 2" in result.report
