"""Read the extraction workbook once, safely, with python-calamine.

The file is read into memory once (its size checked first) and everything else works on those bytes, so
the SHA-256 reported is that of the bytes parsed. Before calamine is given them, the archive is checked
(:mod:`qolreview.workbook.xlsx`): its magic bytes (an OLE/CFB container is a password-protected workbook
or a legacy ``.xls``), the uncompressed size its members declare (a zip bomb is refused without inflating
anything), then every member is inflated in chunks against its declared size, no XML part may declare a
document type, and every sheet read is scanned for the extent of its cells (so that the reader never
allocates a huge dense grid), its formulas (recorded; a link to another workbook is a problem) and Excel
error values and formulas without a cached value (which calamine would read as empty). Any error of the
reader becomes a :class:`WorkbookError` naming the file and, when it has one, the sheet.

Each sheet becomes a :class:`RawSheet`: the header row (found among the first rows, so a title row
above it is allowed; vertically merged header cells are filled from their top-left cell), the values
below it as calamine returns them (``str``, ``float``, ``bool``, ``date``/``datetime``), and the Excel
row number of every kept row. Fully empty rows and unnamed empty columns are dropped.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import python_calamine

from qolreview.workbook.problems import Problem, WorkbookError, column_letter
from qolreview.workbook.xlsx import (
    MB,
    Budget,
    SheetScan,
    XlsxError,
    check_members,
    scan_sheet,
    sheet_parts,
    verify_member,
)

T = TypeVar("T")
Merge = tuple[tuple[int, int], tuple[int, int]]
"""A merged range as calamine gives it: ((first row, first column), (last row, last column)), 0-based."""
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEADER_SEARCH_ROWS = 10
MAX_CELLS = 4_000_000
"""The most grid cells (rows x columns from A1, summed over the sheets read) a workbook may span: calamine
builds each sheet's dense grid, and a cell then costs up to about 300 bytes through cleaning (its value,
its address, its problem), 1.2 GB at most. The benchmark workbook of 25,000 data rows spans 665,000 cells, a
synthetic review of 1,000 studies with 40 outcome rows each about 1,000,000; a single cell at XFD1048576 spans
17 billion."""
MAX_FORMULA_CELLS = 100_000
"""The most cells with a formula in the sheets read: each is recorded in the cleaning log."""


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
    """Address -> problem found in the sheet XML (error value, formula without cached value or linking
    another workbook)."""
    formulas: dict[str, str] = field(default_factory=dict)
    """Address -> formula text of every cell whose value came from a formula (its cached value)."""


@dataclass(frozen=True)
class Workbook:
    """What :func:`read_workbook` read: the sheets found (by contract name), the problems met while reading,
    and the size and SHA-256 of the bytes parsed."""

    sheets: dict[str, RawSheet]
    problems: list[Problem]
    size: int
    sha256: str


def _fail(label: str, message: str, sheet: str | None = None) -> WorkbookError:
    return WorkbookError([Problem(file=label, message=message, sheet=sheet, rule="file")])


def path_problem(path: str | Path) -> str | None:
    """Why ``path`` cannot name a workbook for Snakemake, which would report it confusingly: braces (read as
    a wildcard) or a symbolic link to nothing. None when neither."""
    text = str(path)
    if "{" in text or "}" in text:
        return (
            f"{text}: the workbook's path contains {{ or }}, which Snakemake reads as a wildcard; "
            "rename the file (or its folder) without braces"
        )
    dangling = _dangling(Path(text))
    return f"{text}: {dangling}" if dangling else None


def _dangling(path: Path) -> str | None:
    """The problem of a symbolic link to nothing, else None."""
    if path.is_symlink() and not path.exists():
        return f"is a symbolic link to {os.readlink(path)}, which does not exist"
    return None


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, read in blocks of 1 MB."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        for block in iter(lambda: stream.read(MB), b""):
            digest.update(block)
    return digest.hexdigest()


def load_bytes(path: Path, label: str, max_file_mb: float) -> bytes:
    """The file's bytes; refused when it is missing, not a regular file (a directory, a pipe, a device: reading
    one could block), empty or larger than ``max_file_mb``."""
    if not path.is_file():
        if not path.exists():
            raise _fail(label, _dangling(path) or "file not found")
        raise _fail(label, "is a directory, not a workbook file" if path.is_dir() else "is not a regular file")
    limit = max_file_mb * MB
    with path.open("rb") as stream:
        data = stream.read(int(limit) + 1)
    if not data:
        raise _fail(label, "file is empty (0 bytes); not a valid .xlsx file")
    if len(data) > limit:
        size = max(path.stat().st_size, len(data))
        raise _fail(label, f"file is {size / MB:.1f} MB, more than the limit of {max_file_mb:g} MB (clean.max_file_mb)")
    return data


def open_archive(data: bytes, label: str, max_uncompressed_mb: float) -> zipfile.ZipFile:
    """The zip archive in ``data``, refused when it is encrypted, not a zip, a zip bomb or not a workbook."""
    if data.startswith(CFB_MAGIC):
        raise _fail(
            label,
            "file is an OLE/CFB container, not an .xlsx: a password-protected (encrypted) workbook or a "
            "legacy .xls file; remove the password or save it as .xlsx",
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _fail(label, "not a valid .xlsx file (not a zip archive)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = check_members(archive)
    except (zipfile.BadZipFile, XlsxError, OSError, EOFError) as exc:
        raise _fail(label, f"not a valid .xlsx file ({exc})") from None
    declared = sum(m.file_size for m in members)
    if declared > max_uncompressed_mb * MB:
        raise _fail(
            label,
            f"archive declares {declared / MB:.1f} MB uncompressed, more than the limit of "
            f"{max_uncompressed_mb:g} MB (clean.max_uncompressed_mb); refused as a possible zip bomb",
        )
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise _fail(label, "not a valid .xlsx file (no xl/workbook.xml in the archive)")
    return archive


def scan_archive(data: bytes, archive: zipfile.ZipFile, label: str, sheets: dict[str, str]) -> dict[str, SheetScan]:
    """Inflate every member within its declared size, refuse a document type in any XML part, and scan the
    parts of ``sheets`` (sheet name -> part); returns the scans by sheet name."""
    by_part = {part: name for name, part in sheets.items()}
    budget = Budget(MAX_CELLS, MAX_FORMULA_CELLS)
    scans: dict[str, SheetScan] = {}
    for member in archive.infolist():
        name = by_part.get(member.filename)
        try:
            if name is None:
                verify_member(data, member)
            else:
                scans[name] = scan_sheet(data, member, budget)
        except XlsxError as exc:
            raise _fail(label, str(exc), sheet=name) from None
    missing = sorted(sheets.keys() - scans.keys())
    if missing:
        raise _fail(label, f"not a valid .xlsx file (no {sheets[missing[0]]} in the archive)", sheet=missing[0])
    return scans


def _collapse(value: object) -> str:
    return " ".join(str(value).split())


def _blank(value: object) -> bool:
    """An empty cell, or one holding only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def _header_cells(grid: list[list[object]], merges: list[Merge], row: int) -> list[str]:
    """Header texts of a 0-based row, with vertically merged cells taking their top-left value."""
    cells = ["" if _blank(v) else _collapse(v) for v in grid[row]]
    for (r1, c1), (r2, _c2) in merges:
        if r1 < row <= r2 and c1 < len(cells) and not cells[c1]:
            top = grid[r1][c1] if c1 < len(grid[r1]) else ""
            cells[c1] = "" if _blank(top) else _collapse(top)
    return cells


def _find_header(grid: list[list[object]], merges: list[Merge], known: set[str]) -> int:
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
    grid: list[list[object]], merges: list[Merge], name: str, known: set[str]
) -> tuple[RawSheet, list[Problem], str]:
    """One sheet from its calamine grid; problems are reported with ``label`` filled in by the caller."""
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


def _reader_error(exc: BaseException) -> bool:
    """An error the reader raised for a bad file: any ``Exception``, or a panic of its Rust code (pyo3's
    ``PanicException`` derives from ``BaseException``)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _grid(book: python_calamine.CalamineWorkbook, name: str) -> tuple[list[list[object]], list[Merge]]:
    """A sheet's dense grid from A1 and its merged ranges, as calamine reads them."""
    sheet = book.get_sheet_by_name(name)
    return sheet.to_python(skip_empty_area=False), list(sheet.merged_cell_ranges or [])


def _calamine(label: str, sheet: str | None, call: Callable[[], T]) -> T:
    """``call()``, an error of the reader becoming a :class:`WorkbookError` naming the file and the sheet."""
    try:
        return call()
    except BaseException as exc:
        if not _reader_error(exc):
            raise
        message = f"cannot be read ({type(exc).__name__}: {exc})" if sheet else f"not a valid .xlsx file ({exc})"
        raise _fail(label, message, sheet=sheet) from None


def _read_sheets(
    data: bytes, label: str, found: dict[str, str], wanted: dict[str, set[str]], scans: dict[str, SheetScan]
) -> tuple[dict[str, RawSheet], list[Problem]]:
    """Read the ``found`` sheets (contract name -> sheet name), with the formulas and issues of their scans."""
    book = _calamine(label, None, lambda: python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)))
    sheets: dict[str, RawSheet] = {}
    problems: list[Problem] = []
    for contract, actual in found.items():
        grid, merges = _calamine(label, actual, lambda name=actual: _grid(book, name))
        raw, sheet_problems, empty = read_sheet(grid, merges, actual, wanted[contract])
        del grid, merges  # before the next sheet's grid is built
        raw.cell_issues, raw.formulas = scans[actual].issues, scans[actual].formulas
        for cell, column, message in sheet_problems:
            problems.append(Problem(label, message, sheet=actual, cell=cell, column=column, rule="header"))
        if empty:
            problems.append(Problem(label, empty, sheet=actual, rule="header"))
        sheets[contract] = raw
    return sheets, problems


def read_workbook(
    path: str | Path,
    label: str,
    wanted: dict[str, set[str]],
    max_file_mb: float,
    max_uncompressed_mb: float,
) -> Workbook:
    """Read the sheets named in ``wanted`` (sheet name -> known column names, lower case).

    Sheet names match case-insensitively. Raises :class:`WorkbookError` for a file that cannot be read at
    all or safely.
    """
    data = load_bytes(Path(path), label, max_file_mb)
    archive = open_archive(data, label, max_uncompressed_mb)
    try:
        parts = sheet_parts(data, archive)
    except XlsxError as exc:
        raise _fail(label, f"not a valid .xlsx file ({exc})") from None
    by_key = {" ".join(n.split()).casefold(): n for n in parts}
    found = {contract: by_key[contract.casefold()] for contract in wanted if contract.casefold() in by_key}
    scans = scan_archive(data, archive, label, {actual: parts[actual] for actual in found.values()})
    sheets, problems = _read_sheets(data, label, found, wanted, scans)
    return Workbook(sheets, problems, len(data), hashlib.sha256(data).hexdigest())
