"""Unit tests of the workbook reader: safety checks, header detection, empty areas, XML cell scan."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from qolreview.workbook.problems import WorkbookError, column_letter, split_address
from qolreview.workbook.reader import load_bytes, open_archive, read_workbook
from qolreview.workbook.xlsx import Budget, scan_sheet

KNOWN = {"prisma": {"box", "n", "detail", "source_id"}}


def _read(path: Path):
    book = read_workbook(path, "x.xlsx", KNOWN, 50, 100)
    return book.sheets, book.problems


def test_column_letters_round_trip() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert split_address("AB17") == (17, 27)


def test_merged_header_and_title_row(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "PRISMA"
    ws["A1"], ws["B1"] = "box", "PRISMA flow counts"
    ws.merge_cells("A1:A2")  # header cell merged vertically with the title row
    ws.merge_cells("B1:D1")  # title across columns
    ws.append([None, None, None, None])
    for name, col in (("n", "B2"), ("detail", "C2"), ("source_id", "D2")):
        ws[col] = name
    ws.append(["records_screened", 120, None, "src1"])
    book.save(tmp_path / "m.xlsx")
    sheets, problems = _read(tmp_path / "m.xlsx")
    raw = sheets["prisma"]
    assert problems == [] and raw.name == "PRISMA" and raw.header_row == 2
    assert raw.headers == {"box": 0, "n": 1, "detail": 2, "source_id": 3}
    assert raw.rows == [3] and raw.values["box"] == ["records_screened"] and raw.values["n"] == [120.0]


def test_trailing_empty_rows_and_columns(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "prisma"
    ws.append(["box", "n", "detail", "source_id"])
    ws.append(["records_screened", 120, " ", "src1"])
    ws.append([None, None, None, None])
    ws.append(["total_studies", 5, None, "src1"])
    ws["H40"] = "   "
    ws["A60"].number_format = "0.00"
    book.save(tmp_path / "t.xlsx")
    sheets, problems = _read(tmp_path / "t.xlsx")
    raw = sheets["prisma"]
    assert problems == []
    assert raw.rows == [2, 4] and raw.values["detail"] == [None, None] and raw.values["n"] == [120.0, 5.0]


def test_duplicate_header(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "prisma"
    ws.append(["box", "n", "n"])
    ws.append(["a", 1, 2])
    book.save(tmp_path / "d.xlsx")
    _, problems = _read(tmp_path / "d.xlsx")
    assert [str(p) for p in problems] == ["x.xlsx › prisma › C1 (n): duplicate column header"]


def _sheet_xml(path: Path, cells: str) -> Path:
    """A one-sheet archive whose sheet data is ``cells`` (XML of rows and cells)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<sheetData>{cells}</sheetData></worksheet>",
        )
    return path


def _scan(path: Path, budget: Budget | None = None):
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        return scan_sheet(data, archive.getinfo("xl/worksheets/sheet1.xml"), budget or Budget(1000, 10))


def test_scan_records_formulas_and_finds_uncached_ones(tmp_path: Path) -> None:
    cells = (
        '<row r="2"><c r="A2"><f>1+1</f><v>2</v></c><c r="B2"><f>1+1</f><v /></c>'
        '<c r="C2"><f t="shared" ref="C2:C3" si="0">A2*2</f><v>4</v></c><c r="D2" t="e"><v>#DIV/0!</v></c></row>'
        '<row r="3"><c r="C3"><f t="shared" si="0"/><v>4</v></c><c r="E3"><f>[1]Sheet1!$A$1</f><v>7</v></c>'
        '<c r="F3"><f>"[1]x!"&amp;A1</f><v>t</v></c><c><v>5</v></c></row>'
    )
    scan = _scan(_sheet_xml(tmp_path / "f.xlsx", cells))
    assert scan.formulas == {
        "A2": "=1+1",
        "B2": "=1+1",
        "C2": "=A2*2",
        "C3": "=A2*2 (shared from C2)",
        "E3": "=[1]Sheet1!$A$1",
        "F3": '="[1]x!"&A1',
    }
    assert set(scan.issues) == {"B2", "D2", "E3"}
    assert "refers to another workbook" in scan.issues["E3"]
    assert (scan.max_row, scan.max_column) == (3, 7)  # the cell without a reference follows F3


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ('<row r="1"><c r="A1"><v>1</v></c><c r="AB1000"><v>1</v></c></row>', "a cell at AB1000 makes the sheet"),
        ('<row r="1"><c r="XFE1"><v>1</v></c></row>', "outside Excel's grid"),
        ('<row r="1"><c r="a1"><v>1</v></c></row>', "not an Excel address"),
        ('<row r="1"><c r="A1"><v>&lol;</v></c></row>', "not well-formed XML (undefined entity"),
    ],
)
def test_scan_refuses(tmp_path: Path, cells: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _scan(_sheet_xml(tmp_path / "r.xlsx", cells))


def test_scan_budget_covers_all_sheets(tmp_path: Path) -> None:
    path = _sheet_xml(tmp_path / "b.xlsx", '<row r="10"><c r="J10"><f>1</f><v>1</v></c></row>')
    budget = Budget(250, 2)
    assert _scan(path, budget).formulas == {"J10": "=1"} and (budget.cells_used, budget.formulas_used) == (100, 1)
    _scan(path, budget)
    with pytest.raises(ValueError, match="which with the 200 cells of the sheets before it is more than the 250 "):
        _scan(path, budget)
    with pytest.raises(ValueError, match="more than 2 cells hold formulas"):
        _scan(path, Budget(1000, 2, formulas_used=2))


def test_scan_ignores_empty_far_cells(tmp_path: Path) -> None:
    scan = _scan(_sheet_xml(tmp_path / "e.xlsx", '<row r="1048576"><c r="XFD1048576" s="1"/></row>'))
    assert (scan.max_row, scan.max_column) == (0, 0)


def test_archive_limits(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"\0" * (2 * 1024 * 1024))
    data = load_bytes(path, "bomb.xlsx", 50)
    open_archive(data, "bomb.xlsx", 3)
    with pytest.raises(WorkbookError, match="refused as a possible zip bomb"):
        open_archive(data, "bomb.xlsx", 1)
    with pytest.raises(WorkbookError, match="file not found"):
        load_bytes(tmp_path / "none.xlsx", "none.xlsx", 50)
