"""Write extraction workbooks (.xlsx) that follow the workbook contract in :mod:`qolreview.workbook.spec`.

The same writer produces the blank template (``make template``), the embedded default workbook (the
default review's transcription script in ``raw/transcription/``) and valid workbooks for tests. Output is
byte-for-byte deterministic: the document properties and every zip member carry a fixed timestamp.

The column reference shown in the workbook's ``instructions`` sheet and in ``raw/README.md`` is generated
here from the contract, so the documentation cannot drift from it.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook as WorkbookType
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from qolreview.atomic import write_bytes_atomic
from qolreview.parquet_io import formula_like
from qolreview.workbook.spec import SHEETS, SHEETS_BY_NAME, Column, Sheet

FIXED_TIMESTAMP = datetime(1980, 1, 1, 0, 0, 0)
"""Timestamp written into the document properties and zip members (the earliest date a zip can hold)."""

INSTRUCTIONS_SHEET = "instructions"
LISTS_SHEET = "lists"
"""Hidden sheet holding the drop-down lists, one column per controlled vocabulary."""

REFERENCE_BEGIN = "<!-- BEGIN GENERATED: workbook reference (python -m qolreview.workbook.writer raw/README.md) -->"
REFERENCE_END = "<!-- END GENERATED: workbook reference -->"

_MIN_WIDTH, _MAX_WIDTH = 8, 60
_LAST_ROW = 1_048_576  # last row of an Excel worksheet; drop-downs cover the whole column
_BOLD = Font(bold=True)


def kind_text(col: Column) -> str:
    """Type of a column as shown to workbook users."""
    if col.kind == "enum" and col.open_vocabulary:
        return "enum (open)"
    return col.kind


def required_text(col: Column) -> str:
    """``required, never empty``, ``required`` (column must exist, cells may be empty) or ``optional``."""
    if col.required and col.not_null:
        return "required, never empty"
    return "required" if col.required else "optional"


def _bound(value: float) -> str:
    return f"{value:g}"


def allowed_text(col: Column) -> str:
    """Allowed values of a column: its vocabulary, or its numeric range."""
    if col.kind == "enum":
        return _vocabulary_text(col)
    if col.kind == "date":
        return "YYYY-MM-DD"
    low, high = col.minimum, col.maximum
    if low is not None and high is not None:
        left = ">" if col.exclusive_minimum else ">="
        right = "<" if col.exclusive_maximum else "<="
        return f"{left} {_bound(low)} and {right} {_bound(high)}"
    if low is not None:
        return f"{'>' if col.exclusive_minimum else '>='} {_bound(low)}"
    if high is not None:
        return f"{'<' if col.exclusive_maximum else '<='} {_bound(high)}"
    return ""


def _vocabulary_text(col: Column) -> str:
    """The values of an enum column; for a vocabulary the review declares, where it is declared."""
    values = ", ".join(col.vocabulary)
    if col.review_vocabulary is None:
        return values or "a name from the instrument registry (`instruments` and `extra_instruments`)"
    where = f"`review.vocabularies.{col.review_vocabulary}`"
    if not values:
        return f"any value (no list declared in {where})"
    return f"suggested: {values}; other values accepted ({where})" if col.open_vocabulary else f"{values} ({where})"


def _sheet_intro(sheet: Sheet) -> str:
    presence = "Required sheet." if sheet.required else "Optional sheet."
    key = f" Unique key: {', '.join(f'`{k}`' for k in sheet.key)}." if sheet.key else ""
    return f"{sheet.description} {presence}{key}"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def format_reference_markdown() -> str:
    """Markdown reference of every sheet and column of the contract (the generated part of ``raw/README.md``),
    with the vocabularies of a review that declares none."""
    parts: list[str] = []
    for sheet in SHEETS:
        parts.append(f"### `{sheet.name}`\n\n{_sheet_intro(sheet)}\n")
        lines = ["| column | type | required | allowed values | description |", "|---|---|---|---|---|"]
        for col in sheet.columns:
            cells = (f"`{col.name}`", kind_text(col), required_text(col), allowed_text(col), col.description)
            lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def replace_reference_section(text: str) -> str:
    """Replace the text between :data:`REFERENCE_BEGIN` and :data:`REFERENCE_END` with the current reference."""
    start, end = text.find(REFERENCE_BEGIN), text.find(REFERENCE_END)
    if start < 0 or end < start:
        raise ValueError("reference markers not found")
    head = text[: start + len(REFERENCE_BEGIN)]
    return f"{head}\n\n{format_reference_markdown()}\n{text[end:]}"


def _is_blank(value: object) -> bool:
    if isinstance(value, str):
        return value == ""
    return value is None or bool(pd.isna(value))


def _cell_value(value: object) -> object:
    if _is_blank(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar -> Python scalar
        return value.item()  # type: ignore[attr-defined]
    return value


def _headers(sheet: Sheet, rows: Sequence[Mapping[str, object]]) -> list[str]:
    """The contract's columns in order, then any extra columns of ``rows`` in first-seen order."""
    headers = list(sheet.column_names)
    for row in rows:
        headers.extend(k for k in row if k not in headers)
    extra = headers[len(sheet.column_names) :]
    if extra and not sheet.extra_columns_allowed:
        raise ValueError(f"sheet {sheet.name!r} does not allow extra columns: {extra}")
    return headers


def _set_widths(ws: Worksheet, table: list[list[object]]) -> None:
    for j, column in enumerate(zip(*table, strict=True), start=1):
        longest = max(len(str(v)) for v in column if v is not None)
        ws.column_dimensions[get_column_letter(j)].width = min(max(longest + 2, _MIN_WIDTH), _MAX_WIDTH)


def _write_table(ws: Worksheet, table: list[list[object]]) -> None:
    for values in table:
        ws.append(values)
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and formula_like(cell.value):
                _as_text(cell)
    for cell in ws[1]:
        cell.font = _BOLD
    ws.freeze_panes = "A2"
    _set_widths(ws, table)


def _as_text(cell: Cell) -> None:
    """Keep a text cell that a spreadsheet would run as a formula (:func:`qolreview.parquet_io.formula_like`)
    as text: openpyxl stores a string starting with ``=`` as a formula unless its data type is ``s``, and the
    ``quotePrefix`` style (ECMA-376 Part 1, 18.8.45 ``xf``) is Excel's leading apostrophe, which keeps it text
    when the cell is edited. The value itself is unchanged, so the workbook reads back as written."""
    cell.data_type = "s"
    cell.quotePrefix = True


def _write_lists(lists: Worksheet, sheets: Sequence[Sheet]) -> dict[tuple[str, str], str]:
    """Write every enum vocabulary into its own column of ``lists``; return each one's cell range."""
    ranges: dict[tuple[str, str], str] = {}
    enums = [(s, c) for s in sheets for c in s.columns if c.kind == "enum" and c.vocabulary]
    for j, (sheet, col) in enumerate(enums, start=1):
        lists.cell(row=1, column=j, value=f"{sheet.name}.{col.name}").font = _BOLD
        for i, value in enumerate(col.vocabulary, start=2):
            lists.cell(row=i, column=j, value=value)
        letter = get_column_letter(j)
        ranges[sheet.name, col.name] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(col.vocabulary) + 1}"
    return ranges


def _add_dropdowns(ws: Worksheet, sheet: Sheet, ranges: Mapping[tuple[str, str], str]) -> None:
    """Drop-down lists for enum columns; closed vocabularies reject other values, open ones only suggest."""
    for j, col in enumerate(sheet.columns, start=1):
        if (sheet.name, col.name) not in ranges:
            continue
        validation = DataValidation(
            type="list",
            formula1=ranges[sheet.name, col.name],
            allow_blank=True,
            showErrorMessage=not col.open_vocabulary,
            errorTitle=f"{sheet.name}.{col.name}",
            error=f"Allowed values: {', '.join(col.vocabulary)}.",
        )
        target = get_column_letter(j)
        validation.add(f"{target}2:{target}{_LAST_ROW}")
        ws.add_data_validation(validation)


def _instructions_table(sheets: Sequence[Sheet]) -> list[list[object]]:
    table: list[list[object]] = [
        ["sheet", "column", "type", "required", "allowed values", "description"],
        ["", "", "", "", "", "Extraction workbook; the format is documented in raw/README.md."],
        [
            "",
            "",
            "",
            "",
            "",
            "outcomes: one row per arm x instrument x subscale x timepoint. Enter statistics "
            "only as reported; leave a cell empty when a value is not reported; never compute or invent one.",
        ],
        ["", "", "", "", "", "Drop-down lists offer the allowed values; 'enum (open)' columns accept others."],
        [
            "",
            "",
            "",
            "",
            "",
            "The lists of studies.population, studies.design, arms.drug (the arm's intervention) and arms.route "
            "are the review's own: review.vocabularies in its config file.",
        ],
    ]
    for sheet in sheets:
        table.append([sheet.name, "", "", "", "", _sheet_intro(sheet)])
        for col in sheet.columns:
            table.append([sheet.name, col.name, kind_text(col), required_text(col), allowed_text(col), col.description])
    return table


def _write_instructions(ws: Worksheet, sheets: Sequence[Sheet]) -> None:
    table = _instructions_table(sheets)
    _write_table(ws, table)
    for row in ws.iter_rows(min_row=2):
        if row[0].value and not row[1].value:  # sheet heading rows
            for cell in row:
                cell.font = _BOLD
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")


def build_workbook(
    rows_by_sheet: Mapping[str, Sequence[Mapping[str, object]]],
    *,
    include_instructions: bool = True,
    sheets: Sequence[Sheet] = SHEETS,
) -> WorkbookType:
    """An openpyxl workbook with one sheet per contract sheet (in contract order) holding ``rows_by_sheet``;
    ``sheets`` is the contract (a review's: :func:`qolreview.workbook.spec.workbook_spec`)."""
    unknown = sorted(set(rows_by_sheet) - set(SHEETS_BY_NAME))
    if unknown:
        raise ValueError(f"unknown sheets: {unknown}")
    wb = Workbook()
    wb.remove(wb.active)
    if include_instructions:
        _write_instructions(wb.create_sheet(INSTRUCTIONS_SHEET), sheets)
    data_sheets = [(sheet, wb.create_sheet(sheet.name)) for sheet in sheets]
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    ranges = _write_lists(lists, sheets)
    for sheet, ws in data_sheets:
        rows = rows_by_sheet.get(sheet.name, ())
        headers = _headers(sheet, rows)
        table: list[list[object]] = [list(headers)]
        table.extend([_cell_value(row.get(h)) for h in headers] for row in rows)
        _write_table(ws, table)
        _add_dropdowns(ws, sheet, ranges)
    wb.properties.creator = "qolreview"
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    return wb


def workbook_bytes(wb: WorkbookType) -> bytes:
    """Serialise ``wb`` with fixed document and zip-member timestamps.

    ``openpyxl.Workbook.save`` stamps the current time into ``docProps/core.xml`` and every zip member, so
    the workbook is written with openpyxl's ``ExcelWriter`` and the archive repacked with fixed dates.
    """
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


def write_workbook(
    path: str | Path,
    rows_by_sheet: Mapping[str, Sequence[Mapping[str, object]]],
    *,
    include_instructions: bool = True,
    sheets: Sequence[Sheet] = SHEETS,
) -> None:
    """Write an extraction workbook following the contract ``sheets`` to ``path`` (atomically, deterministically).

    Every contract sheet is written, in contract order, with all its columns (extra keys of the rows
    become extra columns after them); sheets absent from ``rows_by_sheet`` get headers only. The header
    row is bold and frozen, enum columns get drop-down lists (from a hidden ``lists`` sheet), and an
    ``instructions`` sheet describing every column comes first unless ``include_instructions`` is false.
    Blank values (``None``, NaN, ``""``) leave the cell empty.
    """
    data = workbook_bytes(build_workbook(rows_by_sheet, include_instructions=include_instructions, sheets=sheets))
    write_bytes_atomic({path: data})


def write_template(path: str | Path, sheets: Sequence[Sheet] = SHEETS) -> None:
    """Write the blank extraction template of the contract ``sheets``: headers, drop-down lists and instructions,
    no data."""
    write_workbook(path, {}, sheets=sheets)


def _update_readme(readme: Path) -> None:
    readme.write_text(replace_reference_section(readme.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    _update_readme(Path(sys.argv[1]))
