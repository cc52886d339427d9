"""A corpus of malformed workbooks, generated here: each must fail with exactly the expected problems,
write no output and leave the workbook's bytes unchanged. Accepted oddities must read correctly."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import itertools
import os
import struct
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from qolreview.clean.stage import run
from qolreview.parquet_io import read_table
from qolreview.workbook.problems import WorkbookError
from qolreview.workbook.reader import path_problem
from qolreview.workbook.xlsx import MB
from workbook_factory import Data, address, set_cached_value, valid_data, write_workbook

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
SETTINGS = {**CONFIG["clean"], "vocabularies": CONFIG["review"]["vocabularies"]}
"""The clean rule's settings: the ``clean`` section and the review's vocabularies."""
DESIGNS = "rct, post_hoc_rct, nrsi, single_arm, cohort (review.vocabularies.design)"
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
        "input_files": str(clean / "input_files.parquet"),
        "report": str(clean / "validation_report.md"),
    }


def _run(base: Path, settings: dict | None = None):
    inputs = {
        "workbook": WB,
        "instruments": str(ROOT / "config" / "instruments.yaml"),
        "synonyms": [str(ROOT / "config" / f) for f in ("synonyms.yaml", "default_review_synonyms.yaml")],
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
        [f"{_loc('studies', 0, 'design')}: must be one of {DESIGNS}, got 'RCTx'"],
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


EQ5D_INDEX = "the EQ-5D-5L index range [-0.865, 1]"
CASES += [
    (
        "n_too_large",
        _set("outcomes", 0, "n", 1e20),
        [f"{_loc('outcomes', 0, 'n')}: must be a whole number of at most 2^53 = 9007199254740992, got 1e+20"],
    ),
    (
        "mean_1e308",
        _set("outcomes", 0, "mean", 1e308),
        [f"{_loc('outcomes', 0, 'mean')}: must lie within {EQ5D_INDEX}, got 1e+308"],
    ),
    (
        "sd_1e308",
        _set("outcomes", 0, "sd", 1e308),
        [
            f"{_loc('outcomes', 0, 'sd')}: must be <= 0.942, the largest SD possible for n = 50 scores within "
            f"{EQ5D_INDEX}, got 1e+308"
        ],
    ),
    (
        "se_beyond_range",
        _set("outcomes", 0, "se", 0.5),
        [
            f"{_loc('outcomes', 0, 'se')}: must be <= 0.1332, the largest SE of the mean possible for n = 50 "
            f"scores within {EQ5D_INDEX}, got 0.5"
        ],
    ),
    (
        "change_sd_beyond_range",
        _set("outcomes", 1, "change_sd", 2.0),
        [
            f"{_loc('outcomes', 1, 'change_sd')}: must be <= 1.884, the largest SD possible for n = 50 changes "
            f"within ±1.865 (the width of {EQ5D_INDEX}), got 2"
        ],
    ),
    (
        "huge_number_in_date_column",
        _set("sources", 0, "accessed", 1e300),
        [
            f"{_loc('sources', 0, 'accessed')}: must be a date (format the cell as a date or type YYYY-MM-DD), "
            "got 1e+300"
        ],
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
    f"{_loc('studies', 0, 'design')}: must be one of {DESIGNS}, got 'RCTx'",
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
    assert changed[("outcomes", "G3", "mean")] == ("=0.5+0.2", "0.7", "formula")
    assert "arms | synonym | 2" in result.report
    inputs = read_table(clean / "input_files.parquet")
    assert inputs.iloc[0].tolist() == [WB, path.stat().st_size, before]  # the bytes parsed, hashed once
    assert f"(SHA-256 `{before}`)" in result.report
    assert inputs["file"].tolist()[1:] == [
        str(ROOT / "config" / f) for f in ("instruments.yaml", "synonyms.yaml", "default_review_synonyms.yaml")
    ]
    assert "## Values from formulas (1)" in result.report
    assert f"- {WB} › outcomes › G3 (mean): `=0.5+0.2` = `0.7`" in result.report


def test_formula_linking_another_workbook(base: Path) -> None:
    data = valid_data()
    data["outcomes"][1]["mean"] = "=[1]Sheet1!$A$1"
    path = write_workbook(base / WB, data)
    set_cached_value(path, 2, address(data, "outcomes", 1, "mean"), "0.7")
    _expect_failure(
        base,
        [
            f"{_loc('outcomes', 1, 'mean')}: formula =[1]Sheet1!$A$1 refers to another workbook (an external link), "
            "so its value may be stale; type the value instead"
        ],
    )


def test_warnings_for_identical_limits_and_duplicate_studies(base: Path) -> None:
    data = valid_data()
    data["contrasts"][0].update(ci_low=0.1, ci_high=0.1)  # "95% CI 0.1 to 0.1"
    data["studies"].append(dict(data["studies"][0], study_id="s2"))
    data["arms"] += [dict(arm, study_id="s2") for arm in data["arms"]]
    data["outcomes"] += [dict(row, study_id="s2") for row in data["outcomes"]]
    write_workbook(base / WB, data)
    result = _run(base)
    same = "the same study entered twice?"
    expected = [
        f"{WB} › outcomes › A7 (study_id): arm 'esk' of study 's2' reports the same numbers as arm 'esk' of study "
        f"'s1' (from row 2): {same}",
        f"{WB} › outcomes › A9 (study_id): arm 'pbo' of study 's2' reports the same numbers as arm 'pbo' of study "
        f"'s1' (from row 4): {same}",
        f"{_loc('contrasts', 0, 'ci_low')}: the confidence limits are identical (0.1 to 0.1, ci_high in "
        f"{address(data, 'contrasts', 0, 'ci_high')}): the interval has no width, so no SE can be derived from it",
    ]
    assert [str(w) for w in result.warnings if "study_id" in str(w) or "identical" in str(w)] == expected
    assert all(f"- {line}" in result.report for line in expected)


# Hostile files: each is refused with a file-, sheet- or cell-addressed message, nothing is written and the
# workbook's bytes are unchanged. The resource cases run the rule as Snakemake does (``logged`` around ``run``)
# in a subprocess whose time and peak memory are bounded: the problem list on stderr, no traceback, exit 1.

PRISMA_PART = "xl/worksheets/sheet6.xml"
"""The ``prisma`` sheet's part: the sixth sheet that ``write_workbook(valid_data())`` writes."""
MAX_SECONDS, MAX_PEAK_MB = 60, 600
FAR_CELL = (
    f"{WB} › studies: a cell at XFD1048576 makes the sheet a grid of 17,179,869,184 cells from A1, more than the "
    "4,000,000 this reader accepts in all sheets; delete whatever is in or near XFD1048576 (in Excel, Ctrl+End "
    "goes to the last used cell)"
)


def _rewrite(path: Path, part: str, edit: Callable[[bytes], Iterable[bytes]]) -> None:
    """Replace member ``part`` of the archive by the chunks ``edit(its bytes)`` yields, written as a stream."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, payload in members:
            if info.filename != part:
                archive.writestr(info, payload)
                continue
            with archive.open(part, "w") as stream:
                for chunk in edit(payload):
                    stream.write(chunk)


def _in_sheet_data(xml: bytes = b"", padding_mb: int = 0, text_mb: int = 0) -> Callable[[bytes], Iterator[bytes]]:
    """An edit adding ``xml`` to the sheet data, then ``padding_mb`` of spaces between rows, then a cell C3
    holding a text of ``text_mb`` (both streamed)."""

    def edit(payload: bytes) -> Iterator[bytes]:
        head, tail = payload.split(b"</sheetData>")
        yield head + xml
        yield from itertools.repeat(b" " * MB, padding_mb)
        if text_mb:
            yield b'<row r="3"><c r="C3" t="inlineStr"><is><t>'
            yield from itertools.repeat(b"A" * MB, text_mb)
            yield b"</t></is></c></row>"
        yield b"</sheetData>" + tail

    return edit


def _declare_size(path: Path, part: str, size: int) -> None:
    """Make the archive's local and central headers declare ``size`` uncompressed bytes for ``part`` (a lie)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(part).header_offset
    struct.pack_into("<I", data, local + 22, size)
    central = struct.unpack_from("<I", data, data.rfind(b"PK\x05\x06") + 16)[0]
    while data[central : central + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, central + 28)
        if data[central + 46 : central + 46 + name_length] == part.encode():
            struct.pack_into("<I", data, central + 24, size)
        central += 46 + name_length + extra_length + comment_length
    path.write_bytes(bytes(data))


def _build(base: Path, edit: Callable[[bytes], Iterable[bytes]] | None = None, part: str = PRISMA_PART) -> Path:
    path = write_workbook(base / WB, valid_data())
    if edit is not None:
        _rewrite(path, part, edit)
    return path


def _far_cell(base: Path) -> None:
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    _build(base, _in_sheet_data(far), part="xl/worksheets/sheet1.xml")  # studies


def _lying_member(base: Path) -> None:
    _build(base, _in_sheet_data(padding_mb=64))
    _declare_size(base / WB, PRISMA_PART, 2_000)


def _xml_490_mb(base: Path) -> None:
    _build(base, _in_sheet_data(padding_mb=490))


def _text_95_mb(base: Path) -> None:
    _build(base, _in_sheet_data(text_mb=95))


def _repeated_keys(base: Path) -> None:
    data = valid_data()
    data["arms"] += [dict(data["arms"][0])] * 6_560
    write_workbook(base / WB, data)


LYING = f"{WB} › prisma: member {PRISMA_PART} inflates beyond its declared 2,000 bytes"
ZIP_BOMB = (
    f"{WB}: archive declares 490.0 MB uncompressed, more than the limit of 100 MB (clean.max_uncompressed_mb); "
    "refused as a possible zip bomb"
)
DUPLICATE_KEYS = [
    f"{WB} › arms › A{row} (study_id): duplicate key (study_id, arm_id) = ('s1', 'esk'); first in row 2"
    for row in range(4, 4 + 6_560)
]
RESOURCE_CASES = [
    ("cell_at_XFD1048576", _far_cell, [FAR_CELL]),
    ("member_lying_about_its_size", _lying_member, [LYING]),
    ("xml_of_490_mb", _xml_490_mb, [ZIP_BOMB]),
    ("text_of_95_mb", _text_95_mb, [f"{WB} › prisma › A3 (box): must not be empty"]),
    ("6560_repeated_keys", _repeated_keys, DUPLICATE_KEYS),
]

_CHILD = """
import sys
from qolreview.clean.stage import run
from qolreview.workflow import logged

with logged(sys.argv[1]):
    run({inputs!r}, {outputs!r}, {settings!r})
"""


def _run_child(base: Path) -> tuple[int, str, float, float]:
    """Run the clean rule's script body in a fresh interpreter: exit status, stderr, seconds, peak MB."""
    inputs = {
        "workbook": WB,
        "instruments": str(ROOT / "config" / "instruments.yaml"),
        "synonyms": [str(ROOT / "config" / f) for f in ("synonyms.yaml", "default_review_synonyms.yaml")],
    }
    code = _CHILD.format(inputs=inputs, outputs=_outputs(base), settings=SETTINGS)
    start = time.perf_counter()
    with (base / "stderr.txt").open("w") as stderr:
        child = subprocess.Popen([sys.executable, "-c", code, str(base / "clean.log")], cwd=base, stderr=stderr)
        _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    return child.returncode, (base / "stderr.txt").read_text(), seconds, usage.ru_maxrss / 1024


@pytest.mark.parametrize(("case", "build", "expected"), RESOURCE_CASES, ids=[c[0] for c in RESOURCE_CASES])
def test_hostile_file_resources(base: Path, case: str, build: Callable[[Path], None], expected: list[str]) -> None:
    build(base)
    before = _digest(base / WB)
    status, stderr, seconds, peak_mb = _run_child(base)
    print(f"{case}: {seconds:.1f} s, peak {peak_mb:.0f} MB")
    head = f"{len(expected):,} problem{'s' if len(expected) != 1 else ''} in the extraction workbook:"
    assert status == 1
    assert stderr.splitlines() == [head, *expected]  # the problem list, no traceback
    assert seconds < MAX_SECONDS and peak_mb < MAX_PEAK_MB
    assert not (base / "results").exists()
    assert _digest(base / WB) == before


def _doctype(payload: bytes) -> Iterator[bytes]:
    """The "billion laughs" entity expansion, used in a cell."""
    names = ["lol", *(f"lol{i}" for i in range(1, 10))]
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY {name} "{f"&{previous};" * 10}">' for previous, name in itertools.pairwise(names)
    )
    head, tail = payload.split(b"</sheetData>")
    yield f"<!DOCTYPE lolz [{entities}]>".encode() + head
    yield b'<row r="3"><c r="C3" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>' + tail


def _duplicate_member(base: Path) -> None:
    path = _build(base)
    with zipfile.ZipFile(path, "a") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        archive.writestr(PRISMA_PART, b"<worksheet/>")


UNDEFINED_ENTITY_ROW = b'<row r="3"><c r="C3" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
# (case id, how the file is built, expected problems)
HOSTILE_CASES: list[tuple[str, Callable[[Path], object], list[str]]] = [
    (
        "entity_expansion",
        lambda b: _build(b, _doctype),
        [
            f"{WB} › prisma: {PRISMA_PART} declares a document type (<!DOCTYPE>), which no .xlsx part has; refused "
            "as a possible entity-expansion attack"
        ],
    ),
    (
        "undefined_entity",
        lambda b: _build(b, _in_sheet_data(UNDEFINED_ENTITY_ROW)),
        [f"{WB} › prisma: {PRISMA_PART} is not well-formed XML (undefined entity: line 1, column {{column}})"],
    ),
    (
        "doctype_in_workbook_part",
        lambda b: _build(b, lambda p: [b"<!DOCTYPE x>" + p], part="xl/workbook.xml"),
        [
            f"{WB}: not a valid .xlsx file (xl/workbook.xml declares a document type (<!DOCTYPE>), which no .xlsx "
            "part has; refused as a possible entity-expansion attack)"
        ],
    ),
    (
        "reader_error_in_a_cell",
        lambda b: _build(b, lambda p: [p.replace(b"<v>120</v>", b"<v>12x0</v>")]),
        [f"{WB} › prisma: cannot be read (CalamineError: Parse float error: invalid float literal)"],
    ),
    (
        "two_members_with_one_name",
        _duplicate_member,
        [f"{WB}: not a valid .xlsx file (archive holds two members named {PRISMA_PART})"],
    ),
]


@pytest.mark.parametrize(("case", "build", "expected"), HOSTILE_CASES, ids=[c[0] for c in HOSTILE_CASES])
def test_hostile_file(base: Path, case: str, build: Callable[[Path], object], expected: list[str]) -> None:
    build(base)
    with zipfile.ZipFile(base / WB) as archive:
        part = archive.read(PRISMA_PART)
    # expat's column (0-based) of the undefined entity, wherever the writer's XML puts the row
    column = part.find(b"&lol9;") if UNDEFINED_ENTITY_ROW in part else -1
    _expect_failure(base, [e.replace("{column}", str(column)) for e in expected])


def test_symbolic_link_to_nothing(base: Path) -> None:
    (base / WB).symlink_to(base / "raw" / "gone.xlsx")
    with pytest.raises(WorkbookError) as info:
        _run(base)
    assert str(info.value).splitlines()[1:] == [
        f"{WB}: is a symbolic link to {base}/raw/gone.xlsx, which does not exist"
    ]
    assert path_problem(WB) == f"{WB}: is a symbolic link to {base}/raw/gone.xlsx, which does not exist"
    assert not (base / "results").exists()


def test_braces_in_the_workbook_path() -> None:
    assert path_problem("raw/review{1}.xlsx") == (
        "raw/review{1}.xlsx: the workbook's path contains { or }, which Snakemake reads as a wildcard; rename the "
        "file (or its folder) without braces"
    )
    assert path_problem(WB) is None


def test_problems_beyond_the_listed_limit_are_counted(base: Path) -> None:
    data = valid_data()
    data["arms"] += [dict(data["arms"][0])] * 10_500
    write_workbook(base / WB, data)
    with pytest.raises(WorkbookError) as info:
        _run(base)
    lines = str(info.value).splitlines()
    assert lines[:3] == [
        "10,500 problems in the extraction workbook (10,000 listed):",
        f"{WB} › arms: 500 more problems in this sheet are not listed (at most 10,000 are); correct the ones listed "
        "and run again",
        f"{WB} › arms › A4 (study_id): duplicate key (study_id, arm_id) = ('s1', 'esk'); first in row 2",
    ]
    assert len(lines) == 10_002 and not (base / "results").exists()
