"""Source-cell lists: the provenance every results row carries back to the workbook.

A cell is named ``sheet!A1`` (the clean tables keep it in ``cell_<column>``); a list of cells is one text,
``"outcomes!F17; outcomes!G17"``, in first-seen order without repeats. This module makes, merges and
compacts those lists; every stage uses it, so a list reads the same in every table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from qolreview.formatting import is_missing

SEPARATOR = "; "
_CELL = re.compile(r"^(?P<sheet>[^!]+)!(?P<column>[A-Z]+)(?P<row>[0-9]+)$")


def _present(value: object) -> bool:
    return not is_missing(value) and str(value).strip() != ""


def cell(row: Mapping[str, object], column: str) -> str:
    """The workbook address of a clean row's cell in ``column`` (``outcomes!F17``)."""
    return str(row[f"cell_{column}"])


def row_cells(row: Mapping[str, object], columns: Iterable[str]) -> str:
    """The cell list of the ``columns`` of a clean row that hold a value (``row[column]`` is not empty)."""
    return join_cells(cell(row, c) for c in columns if c in row and row.get(c) is not None)


def join_cells(cells: Iterable[object]) -> str:
    """One cell list from cell addresses, in order, without repeats; empty entries are skipped."""
    return SEPARATOR.join(dict.fromkeys(str(c).strip() for c in cells if _present(c)))


def merge_cells(lists: Iterable[object]) -> str:
    """One cell list from several cell lists (``"a!A1; a!B1"``), first-seen order, without repeats."""
    return join_cells(part for text in lists if _present(text) for part in str(text).split(";"))


def compact_cells(cells: str) -> str:
    """A cell list in compact form: each sheet named once, its cells in row order.

    ``"outcomes!Q7; outcomes!R7; contrasts!H3; outcomes!Q8"`` reads ``"outcomes!Q7,R7,Q8; contrasts!H3"``.
    Items that are not single cells are kept as they are.
    """
    by_sheet: dict[str, dict[tuple[int, int, str], None]] = {}  # dicts as ordered sets: linear in the cells
    other: dict[str, None] = {}
    for item in (part.strip() for part in cells.split(";")):
        match = _CELL.match(item)
        if match is None:
            if item:
                other[item] = None
            continue
        by_sheet.setdefault(match["sheet"], {})[(int(match["row"]), len(match["column"]), match["column"])] = None
    parts = [f"{sheet}!" + ",".join(f"{col}{row}" for row, _, col in sorted(keys)) for sheet, keys in by_sheet.items()]
    return SEPARATOR.join([*parts, *other])
