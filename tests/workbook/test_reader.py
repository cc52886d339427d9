"""Unit tests of the workbook reader: safety checks, header detection, empty areas, XML cell scan."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from qolreview.workbook.problems import WorkbookError, column_letter, split_address
from qolreview.workbook.reader import check_file, read_workbook, scan_cells

KNOWN = {"prisma": {"box", "n", "detail", "source_id"}}


def _read(path: Path):
    return read_workbook(path, "x.xlsx", KNOWN, 50, 500)


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


def test_scan_finds_uncached_formulas_only(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "prisma"
    ws.append(["box", "n"])
    ws.append(["a", "=1+1"])
    book.save(tmp_path / "f.xlsx")
    issues = scan_cells(tmp_path / "f.xlsx", ["prisma"])
    assert list(issues["prisma"]) == ["B2"]


def test_check_file_limits(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"\0" * (2 * 1024 * 1024))
    check_file(path, "bomb.xlsx", 50, 3)
    with pytest.raises(WorkbookError, match="refused as a possible zip bomb"):
        check_file(path, "bomb.xlsx", 50, 1)
    with pytest.raises(WorkbookError, match="file not found"):
        check_file(tmp_path / "none.xlsx", "none.xlsx", 50, 500)
