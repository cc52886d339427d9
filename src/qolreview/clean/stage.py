"""Stage 1: read the extraction workbook once, normalise and validate it, write typed Parquet tables.

Nothing is written unless the whole workbook is valid: every problem is collected and raised together
as one :class:`~qolreview.workbook.problems.WorkbookError`, and the outputs are staged in temporary files that are
renamed into place only after all of them were written. The workbook itself is only read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from qolreview.atomic import write_bytes_atomic
from qolreview.clean.normalize import load_synonyms, normalize_sheet, synonym_files
from qolreview.clean.report import validation_report
from qolreview.clean.validate import validate_tables
from qolreview.clean.validate import warnings as find_warnings
from qolreview.instruments import Registry, load_registry, registry_files
from qolreview.parquet_io import table_bytes
from qolreview.tables import CleaningLog
from qolreview.workbook.problems import MAX_LISTED, Problem, WorkbookError, split_address
from qolreview.workbook.reader import RawSheet, file_sha256, read_workbook
from qolreview.workbook.spec import SHEETS, Sheet, Vocabularies, workbook_spec
from qolreview.workflow import Files, Settings

log = logging.getLogger(__name__)

_ARROW = {
    "id": pa.string(),
    "text": pa.string(),
    "enum": pa.string(),
    "date": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "pct": pa.float64(),
}


INPUT_FILES = pa.schema([("file", pa.string()), ("bytes", pa.int64()), ("sha256", pa.string())])
"""``input_files.parquet``: each input file of the stage, its size and the SHA-256 of the bytes parsed."""


@dataclass
class CleanResult:
    """The clean tables (by sheet name), the cleaning log, the warnings, the report text, and the size and
    SHA-256 of the workbook's bytes as parsed."""

    tables: dict[str, pd.DataFrame]
    log: pd.DataFrame
    warnings: list[Problem]
    report: str
    workbook_bytes: int
    workbook_sha256: str


def arrow_schema(sheet: Sheet) -> pa.Schema:
    """The Parquet schema of a clean table: contract columns, ``timepoint_weeks``, provenance."""
    fields = [pa.field(c.name, _ARROW[c.kind]) for c in sheet.columns]
    if "timepoint" in sheet.column_names:
        fields.append(pa.field("timepoint_weeks", pa.float64()))
    fields += [
        pa.field("source_file", pa.string()),
        pa.field("source_sheet", pa.string()),
        pa.field("source_row", pa.int64()),
    ]
    fields += [pa.field(f"cell_{c.name}", pa.string()) for c in sheet.columns]
    return pa.schema(fields)


def clean_workbook(
    workbook: str | Path,
    registry: Registry,
    synonyms: Mapping[str, Mapping[str, str]],
    settings: Mapping[str, object],
    vocabularies: Vocabularies | None = None,
) -> CleanResult:
    """Read, normalise and validate ``workbook``; raise WorkbookError listing every problem (up to
    ``MAX_LISTED``, then how many more each sheet has).

    ``workbook`` is named in problems and provenance exactly as given (a path relative to the project).
    ``settings`` is the ``clean`` section of the config, with ``untimed_timepoints`` (the labels of
    ``harmonize.untimed_window``, accepted as timepoints without a time; none when absent); ``vocabularies`` the
    review's declaration (``review.vocabularies``, :func:`~qolreview.workbook.spec.workbook_spec`; none: every one
    open but ``design``).
    """
    label = str(workbook)
    contract = workbook_spec(vocabularies)
    wanted = {s.name: {c.name.casefold() for c in s.columns} for s in contract}
    book = read_workbook(
        workbook, label, wanted, float(settings["max_file_mb"]), float(settings["max_uncompressed_mb"])
    )
    raw, problems = book.sheets, list(book.problems)
    tables: dict[str, pd.DataFrame] = {}
    present: dict[str, tuple[str, ...]] = {}
    extra: dict[str, list[str]] = {}
    sheet_names: dict[str, str] = {}
    log_rows: list[tuple] = []
    weeks = settings["weeks_per_unit"]
    untimed = settings.get("untimed_timepoints", ())
    for spec in contract:
        sheet = raw.get(spec.name)
        if sheet is None:
            if spec.required:
                problems.append(Problem(label, "required sheet is missing", sheet=spec.name, rule="missing_sheet"))
            empty = RawSheet(name=spec.name, header_row=1, headers={}, rows=[], values={})
            tables[spec.name] = normalize_sheet(empty, spec, label, registry, synonyms, weeks).frame
            continue
        left = max(MAX_LISTED - len(problems), 0)
        result = normalize_sheet(sheet, spec, label, registry, synonyms, weeks, left, untimed)
        tables[spec.name], present[spec.name] = result.frame, result.present
        sheet_names[spec.name] = sheet.name
        extra[spec.name] = [h for h in sheet.headers if h.casefold() not in wanted[spec.name]]
        problems += result.problems
        log_rows += result.log
    located = {(p.sheet, p.cell) for p in problems if p.cell is not None}
    left = max(MAX_LISTED - len(problems), 0)
    found = validate_tables({k: tables[k] for k in present}, present, sheet_names, label, registry, contract, left)
    for problem in found:
        if problem.cell is None or (problem.sheet, problem.cell) not in located:
            problems.append(problem)
    if problems:
        raise WorkbookError(problems)
    warns = sorted(find_warnings({k: tables[k] for k in present}, sheet_names, label), key=lambda p: p.sort_key)
    log = _log_frame(log_rows, sheet_names)
    report = validation_report(label, book.sha256, tables, present, extra, warns, log)
    return CleanResult(tables, log, warns, report, book.size, book.sha256)


def _log_frame(rows: Sequence[tuple], sheet_names: Mapping[str, str]) -> pd.DataFrame:
    """The cleaning log in sheet order, then row, then column."""
    order = {actual: i for i, actual in enumerate(sheet_names[s.name] for s in SHEETS if s.name in sheet_names)}
    ordered = sorted(rows, key=lambda r: (order.get(r[1], len(order)), *split_address(r[2]), r[3]))
    return pd.DataFrame(ordered, columns=list(CleaningLog.columns()), dtype="string")


def input_files(inputs: Files, result: CleanResult) -> pd.DataFrame:
    """The ``input_files`` table: the workbook as parsed, then the instrument registry's files and the synonyms."""
    rows = [(str(inputs["workbook"]), result.workbook_bytes, result.workbook_sha256)]
    for path in [*registry_files(inputs["instruments"]), *synonym_files(inputs["synonyms"])]:
        rows.append((str(path), path.stat().st_size, file_sha256(path)))
    return pd.DataFrame(rows, columns=INPUT_FILES.names)


def run(inputs: Files, outputs: Files, settings: Settings) -> CleanResult:
    """The clean rule: clean the workbook and write every output, or raise and write nothing.

    ``inputs``: workbook, instruments (the registry's files), synonyms. ``outputs``: tables (the Parquet paths, one
    per sheet, each named ``<sheet>.parquet``), cleaning_log, input_files, report. ``settings``: the ``clean``
    section, ``untimed_timepoints`` (the labels of ``harmonize.untimed_window``), and ``vocabularies``: the review's
    (``review.vocabularies``).
    """
    workbook = inputs["workbook"]
    registry, synonyms = load_registry(inputs["instruments"]), load_synonyms(inputs["synonyms"])
    result = clean_workbook(workbook, registry, synonyms, settings, settings.get("vocabularies"))
    by_sheet = {s.name: s for s in SHEETS}
    files: dict[str, bytes] = {}
    for path in outputs["tables"]:
        name = Path(path).stem
        files[path] = table_bytes(result.tables[name], arrow_schema(by_sheet[name]))
    files[outputs["cleaning_log"]] = table_bytes(result.log, CleaningLog)
    files[outputs["input_files"]] = table_bytes(input_files(inputs, result), INPUT_FILES)
    files[outputs["report"]] = result.report.encode("utf-8")
    write_bytes_atomic(files)
    log.info("cleaned %s: %d cleaning-log rows, %d warnings", workbook, len(result.log), len(result.warnings))
    return result
