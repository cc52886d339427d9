"""Read the extraction workbook once, safely, with python-calamine.

Before parsing, the file is checked cheaply: its size, its magic bytes (an OLE/CFB container is a
password-protected workbook or a legacy ``.xls``), and the uncompressed sizes its zip members declare
(a zip bomb is refused without inflating anything). The sheet XML is scanned for formulas without a
cached value and for Excel error cells, which calamine would silently read as empty.

Each sheet becomes a :class:`RawSheet`: the header row (found among the first rows, so a title row
above it is allowed; vertically merged header cells are filled from their top-left cell), the values
below it as calamine returns them (``str``, ``float``, ``bool``, ``date``/``datetime``), and the Excel
row number of every kept row. Fully empty rows and unnamed empty columns are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import python_calamine

from qolreview.workbook.problems import Problem, WorkbookError, column_letter

MB = 1024 * 1024
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEADER_SEARCH_ROWS = 10

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_ERROR_TYPE = re.compile(rb'\bt="e"')
_CACHED = re.compile(rb"<(?:\w+:)?v>[^<]+</(?:\w+:)?v>")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


@dataclass
class RawSheet:
    """The cells of one sheet under its header row, as read."""

    name: str
    header_row: int
    """1-based Excel row of the header."""
    headers: dict[str, int]
    """Header text (whitespace collapsed) -> 0-based column index."""
    rows: list[int]
    """1-based Excel row of every kept data row."""
    values: dict[str, list[object]]
    """Header text -> the column's values, one per kept row (``None`` for an empty cell)."""
    cell_issues: dict[str, str] = field(default_factory=dict)
    """Address -> problem found in the sheet XML (formula without cached value, error cell)."""


def check_file(path: Path, label: str, max_file_mb: float, max_uncompressed_mb: float) -> None:
    """Refuse a file that is missing, empty, too large, encrypted, not a zip, or a zip bomb."""

    def fail(message: str) -> WorkbookError:
        return WorkbookError([Problem(file=label, message=message, rule="file")])

    if not path.is_file():
        raise fail("file not found")
    size = path.stat().st_size
    if size == 0:
        raise fail("file is empty (0 bytes); not a valid .xlsx file")
    if size > max_file_mb * MB:
        raise fail(f"file is {size / MB:.1f} MB, more than the limit of {max_file_mb:g} MB (clean.max_file_mb)")
    with path.open("rb") as stream:
        magic = stream.read(len(CFB_MAGIC))
    if magic == CFB_MAGIC:
        raise fail(
            "file is an OLE/CFB container, not an .xlsx: a password-protected (encrypted) workbook or a "
            "legacy .xls file; remove the password or save it as .xlsx"
        )
    if not zipfile.is_zipfile(path):
        raise fail("not a valid .xlsx file (not a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise fail(f"not a valid .xlsx file ({exc})") from None
    declared = sum(m.file_size for m in members)
    if declared > max_uncompressed_mb * MB:
        raise fail(
            f"archive declares {declared / MB:.1f} MB uncompressed, more than the limit of "
            f"{max_uncompressed_mb:g} MB (clean.max_uncompressed_mb); refused as a possible zip bomb"
        )
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise fail("not a valid .xlsx file (no xl/workbook.xml in the archive)")


def _sheet_xml_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> path of its XML part in the archive."""
    workbook = ET.fromstring(archive.read("xl/workbook.xml"))
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.findall("rel:Relationship", _NS)}
    paths: dict[str, str] = {}
    for sheet in workbook.findall("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        paths[sheet.get("name", "")] = part
    return paths


def scan_cells(path: Path, sheets: list[str]) -> dict[str, dict[str, str]]:
    """Per sheet, the cells holding a formula without a cached value, or an Excel error value."""
    issues: dict[str, dict[str, str]] = {}
    with zipfile.ZipFile(path) as archive:
        parts = _sheet_xml_paths(archive)
        for name in sheets:
            data = archive.read(parts[name])
            found: dict[str, str] = {}
            if b"<f" in data or b't="e"' in data:
                for match in _CELL.finditer(data):
                    attrs, body = match.group(1), match.group(2) or b""
                    ref = _REF.search(attrs)
                    if ref is None:
                        continue
                    address = ref.group(1).decode()
                    if _ERROR_TYPE.search(attrs):
                        found[address] = "cell holds an Excel error value"
                    elif _FORMULA.search(body) and not _CACHED.search(body):
                        found[address] = (
                            "formula without a cached value (open and save the workbook in Excel, or type the value)"
                        )
            issues[name] = found
    return issues


def _collapse(value: object) -> str:
    return " ".join(str(value).split())


def _blank(value: object) -> bool:
    """An empty cell, or one holding only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def _header_cells(
    grid: list[list[object]], merges: list[tuple[tuple[int, int], tuple[int, int]]], row: int
) -> list[str]:
    """Header texts of a 0-based row, with vertically merged cells taking their top-left value."""
    cells = ["" if _blank(v) else _collapse(v) for v in grid[row]]
    for (r1, c1), (r2, _c2) in merges:
        if r1 < row <= r2 and c1 < len(cells) and not cells[c1]:
            top = grid[r1][c1] if c1 < len(grid[r1]) else ""
            cells[c1] = "" if _blank(top) else _collapse(top)
    return cells


def _find_header(grid: list[list[object]], merges: list, known: set[str]) -> int:
    """0-based header row: among the first rows, the one naming most known columns (else the first non-empty)."""
    best, best_hits = -1, 0
    for row in range(min(HEADER_SEARCH_ROWS, len(grid))):
        hits = sum(1 for text in _header_cells(grid, merges, row) if text.casefold() in known)
        if hits > best_hits:
            best, best_hits = row, hits
    if best >= 0:
        return best
    for row, values in enumerate(grid):
        if any(not _blank(v) for v in values):
            return row
    return 0


def read_sheet(
    book: python_calamine.CalamineWorkbook, name: str, known: set[str]
) -> tuple[RawSheet, list[Problem], str]:
    """Read one sheet; problems are reported with ``label`` filled in by the caller."""
    sheet = book.get_sheet_by_name(name)
    grid = sheet.to_python(skip_empty_area=False)
    merges = list(sheet.merged_cell_ranges or [])
    problems: list[tuple[str | None, str | None, str]] = []
    if not grid:
        return RawSheet(name, 1, {}, [], {}), [], "sheet is empty"
    header = _find_header(grid, merges, known)
    texts = _header_cells(grid, merges, header)
    body = grid[header + 1 :]
    headers: dict[str, int] = {}
    unnamed: list[int] = []
    for col, text in enumerate(texts):
        if not text:
            unnamed.append(col)
        elif text in headers:
            problems.append((f"{column_letter(col)}{header + 1}", text, "duplicate column header"))
        else:
            headers[text] = col
    for col in unnamed:
        for offset, values in enumerate(body):
            if col < len(values) and not _blank(values[col]):
                problems.append(
                    (f"{column_letter(col)}{header + 2 + offset}", None, "value in a column without a header")
                )
                break
    named = list(headers.values())
    kept = [i for i, values in enumerate(body) if any(c < len(values) and not _blank(values[c]) for c in named)]
    width = max(len(values) for values in grid)
    transposed = list(zip(*(body[i] + [""] * (width - len(body[i])) for i in kept), strict=True)) if kept else []
    columns = {
        text: [None if v == "" or (v.__class__ is str and v.isspace()) else v for v in transposed[col]]
        if transposed
        else []
        for text, col in headers.items()
    }
    rows = [header + 2 + i for i in kept]
    raw = RawSheet(name=name, header_row=header + 1, headers=headers, rows=rows, values=columns)
    return raw, problems, ""


def read_workbook(
    path: str | Path,
    label: str,
    wanted: dict[str, set[str]],
    max_file_mb: float,
    max_uncompressed_mb: float,
) -> tuple[dict[str, RawSheet], list[Problem]]:
    """Read the sheets named in ``wanted`` (sheet name -> known column names, lower case).

    Sheet names match case-insensitively. Returns the sheets found (by contract name) and the problems
    met while reading; raises :class:`WorkbookError` for a file that cannot be read at all.
    """
    path = Path(path)
    check_file(path, label, max_file_mb, max_uncompressed_mb)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several error types for a corrupt archive
        raise WorkbookError([Problem(file=label, message=f"not a valid .xlsx file ({exc})", rule="file")]) from None
    by_key = {" ".join(n.split()).casefold(): n for n in book.sheet_names}
    found = {contract: by_key[contract.casefold()] for contract in wanted if contract.casefold() in by_key}
    try:
        issues = scan_cells(path, list(found.values()))
    except (KeyError, ET.ParseError, zipfile.BadZipFile) as exc:
        raise WorkbookError([Problem(file=label, message=f"not a valid .xlsx file ({exc})", rule="file")]) from None
    sheets: dict[str, RawSheet] = {}
    problems: list[Problem] = []
    for contract, actual in found.items():
        raw, sheet_problems, empty = read_sheet(book, actual, wanted[contract])
        raw.cell_issues = issues[actual]
        for cell, column, message in sheet_problems:
            problems.append(Problem(label, message, sheet=actual, cell=cell, column=column, rule="header"))
        if empty:
            problems.append(Problem(label, empty, sheet=actual, rule="header"))
        sheets[contract] = raw
    return sheets, problems
