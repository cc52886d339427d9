"""Problems found in an extraction workbook: one message per cell, in a fixed format and order.

A problem reads ``raw/extraction.xlsx › outcomes › F17 (sd): must be > 0, got -3.2``; a sheet-level
problem leaves out what it cannot name (``raw/x.xlsx › outcomes (change_sd): required column is
missing``, ``raw/x.xlsx: not a valid .xlsx file``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qolreview.workbook.spec import SHEETS
from qolreview.workflow import InputError

MAX_LISTED = 10_000
"""The most problems listed: more are counted (one problem says how many), so that the memory a workbook
full of errors takes stays bounded; nobody reads a longer list."""
LOCATION_SEPARATOR = " › "
"""Between the file, sheet and cell of a problem's location."""
_SHEET_ORDER = {sheet.name: i for i, sheet in enumerate(SHEETS)}


@dataclass(frozen=True)
class Problem:
    """One problem (or warning) located as precisely as it can be."""

    file: str
    message: str
    sheet: str | None = None
    cell: str | None = None
    """Excel address without the sheet, e.g. ``F17``."""
    column: str | None = None
    rule: str = ""
    count: int = 1
    """How many problems this one stands for: more than 1 for the one counting those not listed."""

    def __str__(self) -> str:
        text = self.file
        if self.sheet is not None:
            text += LOCATION_SEPARATOR + self.sheet
        if self.cell is not None:
            text += LOCATION_SEPARATOR + self.cell
        if self.column is not None:
            text += f" ({self.column})"
        return f"{text}: {self.message}"

    @property
    def sort_key(self) -> tuple[int, int, int, str]:
        """Sheet order of the contract, then row, then column (sheet-level problems first)."""
        sheet = -1 if self.sheet is None else _SHEET_ORDER.get(self.sheet, len(_SHEET_ORDER))
        row, col = (0, 0) if self.cell is None else split_address(self.cell)
        return sheet, row, col, str(self)


class WorkbookError(InputError, ValueError):
    """The workbook cannot be used; lists every problem found (a user's error: no traceback in a rule)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sort_problems(problems)
        count = sum(p.count for p in self.problems)
        shown = sum(1 for p in self.problems if p.count == 1)
        listed = f" ({shown:,} listed)" if count > len(self.problems) else ""
        head = f"{count:,} problem{'s' if count != 1 else ''} in the extraction workbook{listed}:"
        super().__init__("\n".join([head, *(str(p) for p in self.problems)]))


def unlisted(label: str, sheet: str, count: int) -> Problem:
    """The problem standing for ``count`` more of ``sheet`` that were found but not listed."""
    return Problem(
        label,
        f"{count:,} more problems in this sheet are not listed (at most {MAX_LISTED:,} are); correct the ones "
        "listed and run again",
        sheet=sheet,
        rule="unlisted",
        count=count,
    )


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in sheet order, then row, then column; duplicates removed."""
    return sorted(set(problems), key=lambda p: p.sort_key)


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_ADDRESS = re.compile(r"^([A-Z]+)([0-9]+)$")


def split_address(cell: str) -> tuple[int, int]:
    """(row, 0-based column) of an address such as ``F17``."""
    match = _ADDRESS.match(cell)
    if match is None:
        raise ValueError(f"not a cell address: {cell!r}")
    col = 0
    for char in match.group(1):
        col = col * 26 + ord(char) - 64
    return int(match.group(2)), col - 1


def format_number(value: float) -> str:
    """A number as written in messages and the cleaning log: whole numbers below 1e16 without a decimal
    point (7, -3), others in Python's shortest round-trip form (-3.2, 0.1, 1e+20, 1e+308)."""
    number = float(value)
    if math.isfinite(number) and number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    return repr(number)


def quote_value(value: object) -> str:
    """A value as quoted in a message: numbers plainly (7, -3.2, 1e+308), text in quotes."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, (int, float)):
        return format_number(value)
    return repr(str(value))
