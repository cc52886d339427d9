"""Normalise the raw cell values of one sheet into typed columns, logging every change.

Rules (each change is one cleaning-log row naming the rules applied):

``whitespace``       trim and collapse runs of whitespace; a blank text becomes empty.
``number_as_text``   a numeric cell in an id/text column becomes text (7.0 -> ``7``); text such as
                     ``007`` is kept as it is.
``boolean_as_text``  a TRUE/FALSE cell in a text column becomes ``TRUE``/``FALSE``.
``date_as_text``     a date cell in a text column becomes ISO text ``YYYY-MM-DD``.
``synonym``          a vocabulary synonym from ``config/synonyms.yaml`` (per column, case-insensitive).
``case``             the case of a controlled vocabulary value (``iv`` -> ``IV``).
``instrument_alias`` / ``subscale_alias``  a registry alias replaced by the canonical name.
``text_to_number``   a number typed as text (``12.3``); ``decimal_comma`` for ``12,3``;
                     ``percent_sign`` for ``45%`` in a pct column; ``unicode_minus`` for U+2212.
``timepoint_to_weeks``  the ``timepoint`` text parsed into ``timepoint_weeks``.
``untimed_timepoint``  a timepoint label without a time that the review declares (``harmonize.untimed_window``):
                     ``timepoint_weeks`` stays empty, no time is invented.
``formula``          not a change: the cell's value is the cached result of a formula (old value: the
                     formula), recorded because the formula is not recomputed and may be stale.

Values that cannot be read (``12.3 (4.5)``, ``1,234``, ``7.5`` in a whole-number column, an unknown
timepoint) are problems, never guesses.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import yaml

from qolreview.instruments import Registry
from qolreview.workbook.problems import MAX_LISTED, Problem, column_letter, format_number, split_address, unlisted
from qolreview.workbook.reader import RawSheet
from qolreview.workbook.spec import SHEETS_BY_NAME, Column, Sheet

_SYNONYMS_SCHEMA = Path(__file__).resolve().parents[3] / "config" / "schemas" / "synonyms.schema.yaml"

TIMEPOINT_NOT_REPORTED = "not reported"

MAX_WHOLE_NUMBER = 2**53
"""Above this a double no longer holds every whole number (IEEE 754 binary64), so a count cannot be exact."""
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_UNITS = {
    "d": "day",
    "day": "day",
    "days": "day",
    "w": "week",
    "wk": "week",
    "wks": "week",
    "week": "week",
    "weeks": "week",
    "mo": "month",
    "mos": "month",
    "mon": "month",
    "month": "month",
    "months": "month",
    "y": "year",
    "yr": "year",
    "yrs": "year",
    "year": "year",
    "years": "year",
}
_UNIT = "|".join(sorted(_UNITS, key=len, reverse=True))
_NUM = r"\d+(?:\.\d+)?"
_UNIT_FIRST = re.compile(rf"^(?P<unit>{_UNIT})\.?\s*(?P<n>{_NUM})$")
_NUMBER_FIRST = re.compile(rf"^(?P<n>{_NUM})\s*-?\s*(?P<unit>{_UNIT})\.?$")


class CellError(ValueError):
    """A cell value that cannot be normalised; the message completes ``... (column): <message>``."""


def collapse(text: str) -> str:
    """Trim and collapse whitespace."""
    return " ".join(text.split())


def as_text(value: object) -> str | None:
    """A value as it is written in the cleaning log."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def parse_number(text: str, pct: bool = False) -> tuple[float, list[str]]:
    """A number typed as text, with the rules applied; CellError when it is not exactly one number."""
    rules = []
    value = collapse(text)
    if value != text:
        rules.append("whitespace")
    if "\u2212" in value:
        value = value.replace("\u2212", "-")
        rules.append("unicode_minus")
    if pct and value.endswith("%"):
        value = value[:-1].rstrip()
        rules.append("percent_sign")
    if _PLAIN_NUMBER.match(value):
        return float(value), [*rules, "text_to_number"]
    if _DECIMAL_COMMA.match(value):
        if len(value.split(",")[1]) == 3:
            raise CellError(f"ambiguous number (decimal comma or thousands separator?), got {text!r}")
        return float(value.replace(",", ".")), [*rules, "decimal_comma"]
    raise CellError(f"must be a number, got {text!r}")


def timepoint_key(text: str) -> str:
    """A timepoint text as it is matched against declared labels: whitespace collapsed, case folded."""
    return collapse(text).casefold()


def parse_timepoint(text: str, weeks_per_unit: Mapping[str, float], untimed: Collection[str] = ()) -> float | None:
    """Weeks since baseline of a timepoint text; None for ``not reported`` and for the labels in ``untimed``.

    Accepts ``baseline``, ``day 25``/``d25``, ``week 16``/``wk 4``, ``month 9``, ``9 months``/``12 mo``,
    ``4 weeks``, ``1 year`` (case-insensitive); units in weeks from ``clean.weeks_per_unit``. ``untimed``: the
    review's labels without a time (``harmonize.untimed_window.timepoints``, as :func:`timepoint_key`).
    """
    key = timepoint_key(text)
    if key == "baseline":
        return 0.0
    match = _UNIT_FIRST.match(key) or _NUMBER_FIRST.match(key)
    if match is not None:
        return float(match.group("n")) * float(weeks_per_unit[_UNITS[match.group("unit")]])
    if key == TIMEPOINT_NOT_REPORTED or key in untimed:
        return None
    declared = f", or a label of harmonize.untimed_window ({', '.join(sorted(untimed))})" if untimed else ""
    raise CellError(
        f"cannot read a timepoint from {text!r}; expected e.g. baseline, day 25, week 16, 9 months "
        f"or {TIMEPOINT_NOT_REPORTED}{declared}"
    )


def has_time(text: str) -> bool:
    """Whether a timepoint text gives a time (``baseline``, ``week 16``, ...), as :func:`parse_timepoint` reads it."""
    key = timepoint_key(text)
    return key == "baseline" or bool(_UNIT_FIRST.match(key) or _NUMBER_FIRST.match(key))


SynonymFiles = str | Path | Sequence[str | Path]
"""One synonyms file, or several merged in order (the bundled one, then a review's ``extra_synonyms``)."""


def synonym_files(files: SynonymFiles) -> list[Path]:
    """The synonyms files, in merge order."""
    return [Path(files)] if isinstance(files, (str, Path)) else [Path(f) for f in files]


def load_synonyms(files: SynonymFiles) -> dict[str, dict[str, str]]:
    """Per column, casefolded synonym -> canonical value, from the files in order (a later file's entry replaces an
    earlier one's); each schema-checked, targets checked against the contract's fixed vocabularies (a value of a
    review's own vocabulary is checked in its cell)."""
    schema = yaml.safe_load(_SYNONYMS_SCHEMA.read_text(encoding="utf-8"))
    columns = {c.name: c for sheet in SHEETS_BY_NAME.values() for c in sheet.columns if c.kind == "enum"}
    result: dict[str, dict[str, str]] = {}
    for path in synonym_files(files):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        jsonschema.validate(data, schema)
        for column, mapping in data["synonyms"].items():
            spec = columns.get(column)
            if spec is None:
                raise ValueError(f"synonyms: {path}: {column!r} is not a vocabulary column of the workbook")
            for target in mapping.values():
                if spec.closed and spec.review_vocabulary is None and target not in spec.vocabulary:
                    raise ValueError(
                        f"synonyms: {path}: {column}: {target!r} is not one of {', '.join(spec.vocabulary)}"
                    )
            result.setdefault(column, {}).update({collapse(str(k)).casefold(): v for k, v in mapping.items()})
    return result


@dataclass
class Normalized:
    """One sheet after normalisation."""

    frame: pd.DataFrame
    log: list[tuple[str, str, str, str, str | None, str | None, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    present: tuple[str, ...] = ()
    """Contract columns present in the sheet."""
    limit: int = MAX_LISTED
    """The most problems kept; the others are counted in ``unlisted``."""
    unlisted: int = 0

    def problem(self, problem: Problem) -> None:
        """Keep ``problem``, or count it once ``limit`` problems are kept."""
        if len(self.problems) < self.limit:
            self.problems.append(problem)
        else:
            self.unlisted += 1


def _text_value(column: Column, value: object) -> tuple[object, list[str]]:
    if isinstance(value, str):
        text = collapse(value)
        rules = ["whitespace"] if text != value else []
        return (text or None), rules
    if isinstance(value, bool):
        if column.kind == "id":
            raise CellError(f"must be an identifier, got {as_text(value)}")
        return as_text(value), ["boolean_as_text"]
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        if column.kind == "id":
            raise CellError(f"must be an identifier, got {as_text(value)}")
        return as_text(value), ["date_as_text"]
    if isinstance(value, (int, float)):
        return as_text(float(value)), ["number_as_text"]
    raise CellError(f"cannot read value {value!r}")


def _vocabulary_value(column: Column, synonyms: Mapping[str, str], value: object) -> tuple[object, list[str]]:
    text, rules = _text_value(column, value)
    if text is None:
        return None, rules
    key = str(text).casefold()
    if key in synonyms:
        return synonyms[key], [*rules, "synonym"]
    for word in column.vocabulary:
        if word.casefold() == key and word != text:
            return word, [*rules, "case"]
    return text, rules


def _number_value(column: Column, value: object) -> tuple[object, list[str]]:
    if isinstance(value, bool):
        raise CellError(f"must be a number, got {as_text(value)}")
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        raise CellError(f"must be a number, got the date/time {as_text(value)}")
    rules: list[str] = []
    if isinstance(value, str):
        if not collapse(value):
            return None, ["whitespace"]
        number, rules = parse_number(value, pct=column.kind == "pct")
    else:
        number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise CellError(f"must be a finite number, got {as_text(value)}")
    if column.kind == "int":
        if not number.is_integer():
            raise CellError(f"must be a whole number, got {as_text(number)}")
        if abs(number) > MAX_WHOLE_NUMBER:
            raise CellError(f"must be a whole number of at most 2^53 = {MAX_WHOLE_NUMBER}, got {as_text(number)}")
        return int(number), rules
    return number, rules


def _date_value(column: Column, value: object) -> tuple[object, list[str]]:
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), []
    if isinstance(value, dt.date):
        return value.isoformat(), []
    if isinstance(value, str):
        text = collapse(value)
        rules = ["whitespace"] if text != value else []
        if not text:
            return None, rules
        try:
            return dt.date.fromisoformat(text).isoformat(), rules
        except ValueError:
            raise CellError(f"must be a date (YYYY-MM-DD), got {value!r}") from None
    raise CellError(f"must be a date (format the cell as a date or type YYYY-MM-DD), got {as_text(value)}")


def value_normalizer(
    column: Column, synonyms: Mapping[str, Mapping[str, str]]
) -> Callable[[object], tuple[object, list[str]]]:
    """The function normalising one raw value of ``column``: returns (value, rules) or raises CellError."""
    if column.kind == "enum":
        table = synonyms.get(column.name, {})
        return lambda v: _vocabulary_value(column, table, v)
    if column.kind in ("id", "text"):
        return lambda v: _text_value(column, v)
    if column.kind in ("int", "float", "pct"):
        return lambda v: _number_value(column, v)
    return lambda v: _date_value(column, v)


_DTYPES = {
    "id": "string",
    "text": "string",
    "enum": "string",
    "date": "string",
    "int": "Int64",
    "float": "float64",
    "pct": "float64",
}


def column_dtype(column: Column) -> str:
    """The pandas dtype of a contract column in the clean tables."""
    return _DTYPES[column.kind]


def normalize_sheet(
    raw: RawSheet,
    spec: Sheet,
    label: str,
    registry: Registry,
    synonyms: Mapping[str, Mapping[str, str]],
    weeks_per_unit: Mapping[str, float],
    limit: int = MAX_LISTED,
    untimed_timepoints: Collection[str] = (),
) -> Normalized:
    """Typed, normalised columns of one sheet plus provenance, with its cleaning log and problems (at most
    ``limit`` listed, then one problem counting the others). ``untimed_timepoints``: the review's timepoint labels
    without a time (``harmonize.untimed_window.timepoints``)."""
    out = Normalized(frame=pd.DataFrame(), limit=limit)
    contract = {c.name.casefold(): c for c in spec.columns}
    found: dict[str, tuple[str, int]] = {}
    for header, col in raw.headers.items():
        column = contract.get(header.casefold())
        if column is None:
            continue
        found[column.name] = (header, col)
        if header != column.name:
            out.log.append(
                (
                    label,
                    raw.name,
                    f"{column_letter(col)}{raw.header_row}",
                    column.name,
                    header,
                    column.name,
                    "header_case",
                )
            )
    out.present = tuple(c.name for c in spec.columns if c.name in found)
    rows = np.asarray(raw.rows, dtype=np.int64)
    row_text = rows.astype(str)
    data: dict[str, object] = {}
    cells: dict[str, object] = {}
    for column in spec.columns:
        if column.name not in found:
            data[column.name] = pd.Series([None] * len(rows), dtype=column_dtype(column))
            cells[f"cell_{column.name}"] = pd.Series([None] * len(rows), dtype="string")
            continue
        header, col = found[column.name]
        letter = column_letter(col)
        addresses = np.char.add(letter, row_text) if len(rows) else np.array([], dtype=str)
        cells[f"cell_{column.name}"] = pd.Series(
            np.char.add(f"{raw.name}!", addresses) if len(rows) else [], dtype="string"
        )
        values = _normalize_column(out, raw, column, raw.values[header], addresses, label, synonyms)
        data[column.name] = pd.Series(values, dtype=column_dtype(column))
    frame = pd.DataFrame(data)
    if "timepoint" in found:
        untimed = frozenset(timepoint_key(t) for t in untimed_timepoints)
        frame["timepoint_weeks"] = _timepoints(
            out, raw, frame["timepoint"], cells["cell_timepoint"], label, weeks_per_unit, untimed
        )
    if "instrument" in found and "subscale" in found:
        _resolve_names(out, raw, frame, cells, label, registry)
    frame["source_file"] = pd.Series([label] * len(rows), dtype="string")
    frame["source_sheet"] = pd.Series([raw.name] * len(rows), dtype="string")
    frame["source_row"] = pd.Series(rows, dtype="Int64")
    out.frame = pd.concat([frame, pd.DataFrame(cells)], axis=1)
    by_letter = {column_letter(col): name for name, (_header, col) in found.items()}
    for address, message in sorted(raw.cell_issues.items()):
        column_name = by_letter.get(address.rstrip("0123456789"))
        if column_name is not None:
            out.problem(Problem(label, message, sheet=raw.name, cell=address, column=column_name, rule="cell"))
    out.log += _formula_log(raw, found, by_letter, label)
    if out.unlisted:
        out.problems.append(unlisted(label, raw.name, out.unlisted))
    return out


def _formula_log(
    raw: RawSheet, found: Mapping[str, tuple[str, int]], by_letter: Mapping[str, str], label: str
) -> list[tuple[str, str, str, str, str | None, str | None, str]]:
    """Rule ``formula``: one log row per cell of a contract column whose value is a formula's cached result,
    with the formula as old value and the value read as new value (empty for a row that was not kept)."""
    position = {row: i for i, row in enumerate(raw.rows)}
    rows = []
    for address, formula in raw.formulas.items():
        column = by_letter.get(address.rstrip("0123456789"))
        if column is None:
            continue
        header = found[column][0]
        row = split_address(address)[0]
        value = header if row == raw.header_row else raw.values[header][position[row]] if row in position else None
        rows.append((label, raw.name, address, column, formula, as_text(value), "formula"))
    return rows


def _normalize_column(
    out: Normalized,
    raw: RawSheet,
    column: Column,
    values: list[object],
    addresses: np.ndarray,
    label: str,
    synonyms: Mapping[str, Mapping[str, str]],
) -> list[object]:
    """Normalise a column value by value, computing each distinct raw value only once."""
    normalize = value_normalizer(column, synonyms)
    cache: dict[tuple[type, object], tuple[object, list[str], str | None]] = {}
    result: list[object] = []
    for i, value in enumerate(values):
        if value is None:
            result.append(None)
            continue
        key = (type(value), value)
        hit = cache.get(key)
        if hit is None:
            try:
                new, rules = normalize(value)
                hit = (new, rules, None)
            except CellError as exc:
                hit = (None, [], str(exc))
            cache[key] = hit
        new, rules, error = hit
        if error is not None:
            out.problem(Problem(label, error, sheet=raw.name, cell=str(addresses[i]), column=column.name, rule="type"))
        elif rules:
            out.log.append(
                (label, raw.name, str(addresses[i]), column.name, as_text(value), as_text(new), ", ".join(rules))
            )
        result.append(new)
    return result


def _timepoints(
    out: Normalized,
    raw: RawSheet,
    texts: pd.Series,
    cells: pd.Series,
    label: str,
    weeks_per_unit: Mapping[str, float],
    untimed: frozenset[str],
) -> pd.Series:
    """Weeks of each timepoint text, each logged (``untimed_timepoint`` for a declared label without a time)."""
    weeks: list[float] = []
    cache: dict[str, float | CellError | None] = {}
    for text, cell in zip(texts.tolist(), cells.tolist(), strict=True):
        if text is None or text is pd.NA:
            weeks.append(math.nan)
            continue
        if text not in cache:
            try:
                cache[text] = parse_timepoint(text, weeks_per_unit, untimed)
            except CellError as exc:
                cache[text] = exc
        parsed = cache[text]
        address = cell.split("!", 1)[1]
        if isinstance(parsed, CellError):
            out.problem(Problem(label, str(parsed), sheet=raw.name, cell=address, column="timepoint", rule="timepoint"))
            weeks.append(math.nan)
        else:
            weeks.append(math.nan if parsed is None else parsed)
            rule = "untimed_timepoint" if timepoint_key(text) in untimed else "timepoint_to_weeks"
            out.log.append((label, raw.name, address, "timepoint_weeks", text, as_text(parsed), rule))
    return pd.Series(weeks, dtype="float64")


def _resolve_names(
    out: Normalized,
    raw: RawSheet,
    frame: pd.DataFrame,
    cells: Mapping[str, pd.Series],
    label: str,
    registry: Registry,
) -> None:
    """Replace instrument and subscale aliases by the registry's canonical names (unknown names stay)."""
    instruments = frame["instrument"].tolist()
    subscales = frame["subscale"].tolist()
    resolved_inst: list[object] = []
    resolved_sub: list[object] = []
    for i, (inst, sub) in enumerate(zip(instruments, subscales, strict=True)):
        canonical = registry.resolve_instrument(inst) if isinstance(inst, str) else None
        if canonical is not None and canonical != inst:
            out.log.append(
                (
                    label,
                    raw.name,
                    cells["cell_instrument"].iat[i].split("!", 1)[1],
                    "instrument",
                    inst,
                    canonical,
                    "instrument_alias",
                )
            )
        resolved_inst.append(canonical if canonical is not None else inst)
        sub_canonical = registry.resolve_subscale(canonical, sub) if canonical and isinstance(sub, str) else None
        if sub_canonical is not None and sub_canonical != sub:
            out.log.append(
                (
                    label,
                    raw.name,
                    cells["cell_subscale"].iat[i].split("!", 1)[1],
                    "subscale",
                    sub,
                    sub_canonical,
                    "subscale_alias",
                )
            )
        resolved_sub.append(sub_canonical if sub_canonical is not None else sub)
    frame["instrument"] = pd.Series(resolved_inst, dtype="string")
    frame["subscale"] = pd.Series(resolved_sub, dtype="string")
