"""Tests of the workbook writer, the blank template and the generated format reference in raw/README.md."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from qolreview.workbook.spec import DESIGNS, SHEETS, SHEETS_BY_NAME
from qolreview.workbook.stage import run as template_rule
from qolreview.workbook.writer import (
    FIXED_TIMESTAMP,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    REFERENCE_BEGIN,
    REFERENCE_END,
    allowed_text,
    format_reference_markdown,
    replace_reference_section,
    write_template,
    write_workbook,
)

ROOT = Path(__file__).resolve().parents[2]

ROWS = {
    "studies": [
        {
            "study_id": "007",
            "citation": "Doe 2020",
            "design": "rct",
            "n_total": 40,
            "age_mean": 41.5,
            "female_pct": float("nan"),
            "inclusion_status": "confirmed",
        }
    ],
    "outcomes": [
        {
            "study_id": "007",
            "arm_id": "a",
            "instrument": "EQ-VAS",
            "subscale": "VAS",
            "timepoint": "week 4",
            "n": 20,
            "change_mean": -1.25,
            "notes": None,
            "reviewer": "AB",
        }
    ],
}


def _values(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[list[object]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _dropdowns(wb: openpyxl.Workbook, sheet: str) -> dict[str, tuple[list[object], bool]]:
    """Header of each column with a drop-down -> (its listed values, whether other values are refused)."""
    ws, lists = wb[sheet], wb[LISTS_SHEET]
    headers = {cell.column_letter: cell.value for cell in ws[1]}
    found = {}
    for dv in ws.data_validations.dataValidation:
        letter = str(dv.sqref).split(":")[0].rstrip("0123456789")
        ref = dv.formula1.split("!")[1].replace("$", "")
        found[headers[letter]] = ([c.value for row in lists[ref] for c in row], bool(dv.showErrorMessage))
    return found


def _instructions(wb: openpyxl.Workbook) -> dict[tuple[object, object], list[object]]:
    """(sheet, column) -> its row of the instructions sheet."""
    return {(r[0], r[1]): r for r in _values(wb[INSTRUCTIONS_SHEET])[1:] if r[1]}


def test_sheets_headers_and_values(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    write_workbook(path, ROWS)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [INSTRUCTIONS_SHEET, *(s.name for s in SHEETS), LISTS_SHEET]
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    for sheet in SHEETS:
        header = [c.value for c in wb[sheet.name][1]]
        assert header[: len(sheet.columns)] == list(sheet.column_names)
        assert wb[sheet.name].freeze_panes == "A2"
        assert wb[sheet.name]["A1"].font.b
    studies = _values(wb["studies"])
    assert len(studies) == 2
    row = dict(zip(studies[0], studies[1], strict=True))
    assert row["study_id"] == "007"  # ids stay text
    assert row["n_total"] == 40 and row["age_mean"] == 41.5
    assert row["female_pct"] is None and row["doi"] is None  # NaN and missing keys -> empty cells
    outcomes = _values(wb["outcomes"])
    assert outcomes[0][-1] == "reviewer"  # extra column after the contract's columns
    out = dict(zip(outcomes[0], outcomes[1], strict=True))
    assert out["change_mean"] == -1.25 and out["reviewer"] == "AB" and out["notes"] is None
    assert _values(wb["risk_of_bias"]) == [list(SHEETS_BY_NAME["risk_of_bias"].column_names)]


def test_dropdowns_cover_closed_vocabularies(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    write_workbook(path, {})
    wb = openpyxl.load_workbook(path)
    lists = wb[LISTS_SHEET]
    for sheet in SHEETS:
        ws = wb[sheet.name]
        by_column = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in ws.data_validations.dataValidation}
        for j, col in enumerate(sheet.columns, start=1):
            letter = openpyxl.utils.get_column_letter(j)
            if col.kind != "enum" or not col.vocabulary:
                assert letter not in by_column, (sheet.name, col.name)
                continue
            dv = by_column[letter]
            assert dv.type == "list" and str(dv.sqref) == f"{letter}2:{letter}1048576"
            assert bool(dv.showErrorMessage) is not col.open_vocabulary
            ref = dv.formula1.split("!")[1].replace("$", "")
            listed = [c.value for row in lists[ref] for c in row]
            assert listed == list(col.vocabulary), (sheet.name, col.name)


def test_instructions_describe_every_column(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    write_workbook(path, {})
    rows = _values(openpyxl.load_workbook(path)[INSTRUCTIONS_SHEET])
    assert rows[0] == ["sheet", "column", "type", "required", "allowed values", "description"]
    described = {(r[0], r[1]): r for r in rows[1:] if r[1]}
    for sheet in SHEETS:
        for col in sheet.columns:
            entry = described[sheet.name, col.name]
            assert entry[5] == col.description
            assert (entry[4] or "") == allowed_text(col)
    assert described["outcomes", "evidence_status"][4] == "seen, seen_inferred, reported_in_summary, not_seen"
    assert described["studies", "study_id"][3] == "required, never empty"
    assert described["arms", "drug"][2] == "enum (open)"
    assert described["studies", "population"][4] == "any value (no list declared in `review.vocabularies.population`)"


DECLARED = {"population": ["adults", "children"], "intervention": ["drug A", "usual care"], "route": ["oral", "IV"]}


def test_template_dropdowns_follow_the_declaration(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    template_rule({}, {"template": path}, {"vocabularies": {**DECLARED, "open": ["route"]}})
    wb = openpyxl.load_workbook(path)
    studies, arms = _dropdowns(wb, "studies"), _dropdowns(wb, "arms")
    assert studies["population"] == (["adults", "children"], True)
    assert studies["design"] == (list(DESIGNS), True)  # not declared: the generic designs
    assert arms["drug"] == (["drug A", "usual care"], True)
    assert arms["route"] == (["oral", "IV"], False)  # open: suggestions only
    described = _instructions(wb)
    assert described["studies", "population"][2:5] == [
        "enum",
        "required",
        "adults, children (`review.vocabularies.population`)",
    ]
    assert described["arms", "route"][2:5] == [
        "enum (open)",
        "required",
        "suggested: oral, IV; other values accepted (`review.vocabularies.route`)",
    ]
    assert "intervention" in described["arms", "drug"][5].lower()


def test_an_empty_declaration_has_no_dropdown(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    template_rule({}, {"template": path}, {"vocabularies": {"population": [], "design": []}})
    wb = openpyxl.load_workbook(path)
    assert not {"population", "design"} & set(_dropdowns(wb, "studies"))
    assert _dropdowns(wb, "studies")["funding"][1] is True  # the contract's own vocabularies stay
    assert _instructions(wb)["studies", "design"][2] == "enum (open)"


def test_without_instructions(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    write_workbook(path, {}, include_instructions=False)
    assert openpyxl.load_workbook(path).sheetnames[0] == "studies"


def test_unknown_sheet_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown sheets"):
        write_workbook(tmp_path / "w.xlsx", {"studys": []})
    assert not list(tmp_path.iterdir())


def test_output_is_byte_identical_across_runs(tmp_path: Path) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_workbook(first, ROWS)
    time.sleep(1.1)  # zip timestamps have 2-second resolution; make sure the clock moved on
    write_workbook(second, ROWS)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {FIXED_TIMESTAMP.timetuple()[:6]}
    props = openpyxl.load_workbook(first).properties
    assert props.created == FIXED_TIMESTAMP and props.modified == FIXED_TIMESTAMP


def test_atomic_overwrite_leaves_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "t.xlsx"
    write_template(path)
    write_template(path)
    assert [p.name for p in path.parent.iterdir()] == ["t.xlsx"]
    assert openpyxl.load_workbook(path)["studies"].max_row == 1


def test_allowed_text_ranges() -> None:
    outcomes = SHEETS_BY_NAME["outcomes"]
    assert allowed_text(outcomes.column("sd")) == "> 0"
    assert allowed_text(outcomes.column("pre_post_r")) == "> -1 and < 1"
    assert allowed_text(outcomes.column("pct_with_problem")) == ">= 0 and <= 100"
    assert allowed_text(outcomes.column("mean")) == ""
    assert allowed_text(SHEETS_BY_NAME["sources"].column("accessed")) == "YYYY-MM-DD"


def test_reference_markdown_table() -> None:
    text = format_reference_markdown()
    for sheet in SHEETS:
        assert f"### `{sheet.name}`" in text
    designs = ", ".join(DESIGNS)
    assert f"| `design` | enum | required | {designs} (`review.vocabularies.design`) | Study design." in text
    assert text.count("\n| `") == sum(len(s.columns) for s in SHEETS)


def test_replace_reference_section() -> None:
    text = f"intro\n{REFERENCE_BEGIN}\nstale\n{REFERENCE_END}\noutro\n"
    new = replace_reference_section(text)
    assert "stale" not in new and format_reference_markdown() in new
    assert new.startswith("intro\n") and new.endswith(f"{REFERENCE_END}\noutro\n")
    assert replace_reference_section(new) == new
    with pytest.raises(ValueError):
        replace_reference_section("no markers")


def test_readme_reference_is_current() -> None:
    readme = (ROOT / "raw" / "README.md").read_text(encoding="utf-8")
    assert replace_reference_section(readme) == readme, (
        "raw/README.md is out of date: run `.venv/bin/python -m qolreview.workbook.writer raw/README.md`"
    )
