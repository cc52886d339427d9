"""Bounded, streaming reading of an .xlsx container, before python-calamine is given it.

An .xlsx file is a zip archive of XML parts (ECMA-376 Part 2, Open Packaging Conventions; the sheets are
SpreadsheetML, Part 1 §18.3). Nothing here trusts what the archive declares:

- every member is inflated in chunks and refused as soon as it inflates beyond its declared size (a member
  that lies about its size), and its CRC-32 is checked (APPNOTE.TXT 4.4.7);
- XML is parsed with expat, one chunk at a time, and a document type declaration is refused (no .xlsx part
  has one; it is how entity-expansion attacks such as "billion laughs" are delivered);
- a worksheet is scanned for the extent of its cells (a single cell at ``XFD1048576`` makes the reader
  allocate a dense grid of 17 billion cells), its formulas (with their text) and its Excel error values.

Memory is bounded by one chunk of each member plus what is collected per sheet.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from xml.parsers.expat import ExpatError, ParserCreate, XMLParserType

from qolreview.workbook.problems import MAX_LISTED, column_letter, split_address

MB = 1024 * 1024
CHUNK = MB
"""Bytes inflated (and parsed) at a time."""
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384
"""Excel's grid (Excel specifications and limits)."""
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_ADDRESS = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_EXTERNAL = re.compile(r"\[\d+\][^\[\]]*!")
"""A reference to another workbook in a stored formula: ``[1]Sheet1!$A$1``, ``'[2]My sheet'!B2``, ``[1]!name``
(ECMA-376 Part 1 §18.17.2.3; a structured reference such as ``Table1[[#This Row],[2019]]`` has no ``!``)."""
_STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')


class XlsxError(ValueError):
    """The archive or one of its parts cannot be read safely; the message says why."""


def check_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The members, refused when two share a name (readers may pick different ones), one is encrypted or
    uses a compression other than stored or deflated (the only ones Excel writes)."""
    members = archive.infolist()
    names: set[str] = set()
    for member in members:
        if member.filename in names:
            raise XlsxError(f"archive holds two members named {member.filename}")
        names.add(member.filename)
        if member.flag_bits & 0x1:
            raise XlsxError(f"member {member.filename} is encrypted")
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise XlsxError(f"member {member.filename} uses compression method {member.compress_type}")
    return members


def inflate(data: bytes, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes, ``CHUNK`` at a time; XlsxError as soon as it inflates beyond its declared size,
    and at the end when its size or CRC-32 differs from the archive's directory."""
    view = memoryview(data)
    header = bytes(view[member.header_offset : member.header_offset + _LOCAL_HEADER.size])
    if len(header) < _LOCAL_HEADER.size or header[:4] != _LOCAL_SIGNATURE:
        raise XlsxError(f"member {member.filename} has no local header")
    _sig, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    start = member.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    payload = view[start : start + member.compress_size]
    size, crc = 0, 0
    for chunk in _chunks(payload, member.compress_type == zipfile.ZIP_DEFLATED):
        size += len(chunk)
        if size > member.file_size:
            raise XlsxError(f"member {member.filename} inflates beyond its declared {member.file_size:,} bytes")
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if size != member.file_size or crc != member.CRC:
        raise XlsxError(f"member {member.filename} is corrupt (its size or CRC-32 differs from the directory)")


def _chunks(payload: memoryview, deflated: bool) -> Iterator[bytes]:
    if not deflated:
        for offset in range(0, len(payload), CHUNK):
            yield bytes(payload[offset : offset + CHUNK])
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for offset in range(0, len(payload), CHUNK):
            pending = bytes(payload[offset : offset + CHUNK])
            while pending:
                out = inflater.decompress(pending, CHUNK)
                pending = inflater.unconsumed_tail
                if out:
                    yield out
        rest = inflater.flush()  # output held back by the chunk limit when the input ran out (< 1 match)
        if rest:
            yield rest
    except zlib.error as exc:
        raise XlsxError(f"a member's compressed data is corrupt ({exc})") from None


def xml_parser(part: str, start: Callable[[str, dict[str, str]], None] | None) -> XMLParserType:
    """An expat parser that refuses a document type declaration and calls ``start`` for every element."""
    parser = ParserCreate()
    parser.StartDoctypeDeclHandler = lambda *_: _refuse_dtd(part)
    if start is not None:
        parser.StartElementHandler = start
    return parser


def _refuse_dtd(part: str) -> None:
    raise XlsxError(
        f"{part} declares a document type (<!DOCTYPE>), which no .xlsx part has; refused as a possible "
        "entity-expansion attack"
    )


def parse_xml(parser: XMLParserType, chunks: Iterator[bytes], part: str) -> None:
    """Feed ``chunks`` of ``part`` to ``parser``; XlsxError naming the part when it is not well-formed."""
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except ExpatError as exc:
        raise XlsxError(f"{part} is not well-formed XML ({exc})") from None


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def sheet_parts(data: bytes, archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> path of its XML part, from ``xl/workbook.xml`` and its relationships."""
    sheets: list[tuple[str, str]] = []
    targets: dict[str, str] = {}

    def on_sheet(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "sheet":
            rel = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            sheets.append((attrs.get("name", ""), rel))

    def on_relationship(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship":
            targets[attrs.get("Id", "")] = attrs.get("Target", "")

    for part, handler in (("xl/workbook.xml", on_sheet), ("xl/_rels/workbook.xml.rels", on_relationship)):
        try:
            member = archive.getinfo(part)
        except KeyError:
            raise XlsxError(f"no {part} in the archive") from None
        parse_xml(xml_parser(part, handler), inflate(data, member), part)
    return {name: _part_path(targets.get(rel, "")) for name, rel in sheets}


def _part_path(target: str) -> str:
    """A relationship target of the workbook part as a path in the archive (targets are relative to xl/)."""
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = ["xl"]
    for piece in target.split("/"):
        if piece == "..":
            parts = parts[:-1]
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


@dataclass
class Budget:
    """What the sheets read may hold in all: grid cells (rows x columns from A1, summed over the sheets) and
    cells with a formula; and how much the sheets scanned so far used."""

    cells: int
    formulas: int
    cells_used: int = 0
    formulas_used: int = 0


@dataclass(slots=True)
class _Formula:
    """The ``<f>`` element of the cell being read, and the text of its ``<v>`` (the cached value)."""

    shape: str | None
    index: str | None
    text: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)


class SheetScan:
    """What one worksheet's XML holds, collected while expat parses it, one start tag at a time.

    A cell is closed when the next cell or row starts (or at the end), so no end-tag handler is needed;
    character data is only collected inside the ``<f>`` and ``<v>`` of a formula cell.
    """

    def __init__(self, part: str, budget: Budget) -> None:
        self.part, self.budget = part, budget
        self.max_row = self.max_column = 0
        self.formulas: dict[str, str] = {}
        """Address -> formula text (``=A1+B1``) of every cell whose value came from a formula."""
        self.issues: dict[str, str] = {}
        """Address -> problem: an Excel error value, a formula without a cached value or linking another file."""
        self._parser = xml_parser(part, self._start)
        self._handlers: dict[str, Callable[[dict[str, str]], None]] = {}
        self._row = self._column = 0
        self._cell: tuple[int, int, str | None] | None = None
        self._counted = False
        self._formula: _Formula | None = None
        self._shared: dict[str, tuple[str, str]] = {}

    def feed(self, chunks: Iterator[bytes]) -> SheetScan:
        """Parse the whole part, then charge its cells and formulas to the budget."""
        parse_xml(self._parser, chunks, self.part)
        self._close_cell()
        self.budget.cells_used += self.max_row * self.max_column
        self.budget.formulas_used += len(self.formulas)
        return self

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        handler = self._handlers.get(name)
        if handler is None:
            handler = self._handlers[name] = {
                "row": self._on_row,
                "c": self._on_cell,
                "v": self._on_value,
                "is": self._on_content,
                "f": self._on_formula,
            }.get(_local(name), self._on_other)
        handler(attrs)

    def _collect(self, sink: list[str] | None) -> None:
        self._parser.CharacterDataHandler = None if sink is None else sink.append

    def _on_other(self, _attrs: dict[str, str]) -> None:
        if self._formula is not None:
            self._collect(None)

    def _on_row(self, attrs: dict[str, str]) -> None:
        self._close_cell()
        given = attrs.get("r")
        if given is not None and not (given.isdigit() and len(given) <= 7):
            raise XlsxError(f"row number {given!r} is not a row of Excel's grid")
        self._row = int(given) if given else self._row + 1
        self._column = 0
        if self._row > MAX_ROWS:
            raise XlsxError(f"row {self._row} is outside Excel's grid (A1:XFD1048576)")

    def _on_cell(self, attrs: dict[str, str]) -> None:
        self._close_cell()
        ref = attrs.get("r")
        if ref is None:
            self._column += 1
        else:
            if _ADDRESS.fullmatch(ref) is None:
                raise XlsxError(f"cell reference {ref!r} is not an Excel address")
            self._row, self._column = split_address(ref)
            self._column += 1
        if not (1 <= self._row <= MAX_ROWS and self._column <= MAX_COLUMNS):
            raise XlsxError(f"cell {_letters(self._column)}{self._row} is outside Excel's grid (A1:XFD1048576)")
        self._cell = (self._row, self._column, attrs.get("t"))

    def _on_content(self, _attrs: dict[str, str]) -> None:
        """A value, inline string or formula: the cell counts in the extent of the sheet."""
        if self._formula is not None:
            self._collect(None)
        if self._cell is None or self._counted:
            return
        self._counted = True
        row, column, _kind = self._cell
        if row > self.max_row or column > self.max_column:
            self.max_row, self.max_column = max(row, self.max_row), max(column, self.max_column)
            if self.budget.cells_used + self.max_row * self.max_column > self.budget.cells:
                raise XlsxError(_too_large(row, column, self.max_row * self.max_column, self.budget))

    def _on_value(self, attrs: dict[str, str]) -> None:
        self._on_content(attrs)
        if self._formula is not None:
            self._collect(self._formula.cached)

    def _on_formula(self, attrs: dict[str, str]) -> None:
        self._on_content(attrs)
        self._formula = _Formula(attrs.get("t"), attrs.get("si"))
        self._collect(self._formula.text)

    def _close_cell(self) -> None:
        cell, formula = self._cell, self._formula
        self._cell, self._counted, self._formula = None, False, None
        if cell is None:
            return
        row, column, kind = cell
        if kind == "e":
            self.issues[f"{_letters(column)}{row}"] = "cell holds an Excel error value"
        if formula is not None:
            self._collect(None)
            self._record(f"{_letters(column)}{row}", formula, kind == "e")
        if len(self.issues) > MAX_LISTED:
            raise XlsxError(
                f"more than {MAX_LISTED:,} cells hold Excel error values or formulas without a usable cached value; "
                "correct the formulas (or paste them as values) and run again"
            )

    def _record(self, address: str, formula: _Formula, error: bool) -> None:
        text = self._formula_text(address, formula)
        self.formulas[address] = text
        if self.budget.formulas_used + len(self.formulas) > self.budget.formulas:
            raise XlsxError(
                f"more than {self.budget.formulas:,} cells hold formulas (in all sheets together); the clean stage "
                "records each one, so paste them as values (Paste Special › Values) and keep the formulas in a copy"
            )
        if _EXTERNAL.search(_STRING_LITERAL.sub('""', text)):
            self.issues[address] = (
                f"formula {text} refers to another workbook (an external link), so its value may be stale; "
                "type the value instead"
            )
        elif not error and not "".join(formula.cached).strip():
            self.issues[address] = (
                "formula without a cached value (open and save the workbook in Excel, or type the value)"
            )

    def _formula_text(self, address: str, formula: _Formula) -> str:
        """``=text``; a cell sharing another cell's formula (no text of its own) names that cell
        (ECMA-376 Part 1 §18.3.1.40: the first cell of a shared formula holds its text)."""
        text = "".join(formula.text).strip()
        if formula.shape != "shared" or formula.index is None:
            return f"={text}"
        if text:
            self._shared[formula.index] = (address, text)
            return f"={text}"
        first = self._shared.get(formula.index)
        return f"={first[1]} (shared from {first[0]})" if first else "=(shared formula)"


def _letters(column: int) -> str:
    """Letters of a 1-based column."""
    return column_letter(column - 1)


def _too_large(row: int, column: int, cells: int, budget: Budget) -> str:
    far = f"{_letters(column)}{row}"
    before = f", which with the {budget.cells_used:,} cells of the sheets before it is" if budget.cells_used else ","
    return (
        f"a cell at {far} makes the sheet a grid of {cells:,} cells from A1{before} more than the {budget.cells:,} "
        f"this reader accepts in all sheets; delete whatever is in or near {far} (in Excel, Ctrl+End goes to "
        "the last used cell)"
    )


def verify_member(data: bytes, member: zipfile.ZipInfo) -> None:
    """Inflate a member within its declared size; an XML part (``.xml``, ``.rels``) is parsed too, so that a
    document type or malformed XML is refused here rather than met by the reader."""
    chunks = inflate(data, member)
    if member.filename.endswith((".xml", ".rels")):
        parse_xml(xml_parser(member.filename, None), chunks, member.filename)
    else:
        for _chunk in chunks:
            pass


def scan_sheet(data: bytes, member: zipfile.ZipInfo, budget: Budget) -> SheetScan:
    """Scan a worksheet part for its formulas and issues; XlsxError when it takes more than is left of the
    budget."""
    return SheetScan(member.filename, budget).feed(inflate(data, member))
