"""Build extraction workbooks for tests: a valid minimal workbook from dicts, one thing changed at a time.

``valid_data()`` returns the rows of every sheet; tests change a value, drop a column or a sheet, then
``write_workbook`` saves it with openpyxl (header in row 1, contract columns in contract order, so
``address(data, sheet, i, column)`` gives the cell of row ``i``).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from qolreview.workbook.spec import SHEETS_BY_NAME

Data = dict[str, list[dict[str, object]]]

_OUTCOME = {"source_id": "src1", "evidence_status": "seen"}


def valid_data() -> Data:
    """A small, valid workbook: one study with two arms, five outcomes, one contrast."""
    return {
        "studies": [
            {
                "study_id": "s1",
                "citation": "Doe J et al. 2024",
                "doi": "10.1000/xyz",
                "design": "rct",
                "country": "Australia",
                "population": "TRD",
                "n_total": 100,
                "age_mean": 45.5,
                "female_pct": 60,
                "follow_up_weeks": 16,
                "funding": "industry",
                "rob_tool": "RoB2",
                "inclusion_status": "confirmed",
                "notes": None,
                "label": "Doe 2024",
                "trial": "T-1",
                "year": 2024,
                "source_id": "src1",
            }
        ],
        "arms": [
            {
                "study_id": "s1",
                "arm_id": "esk",
                "label": "Esketamine 56 mg",
                "role": "intervention",
                "drug": "esketamine",
                "route": "IN",
                "dose": "56 mg",
                "schedule": "twice weekly",
                "n_arm": 50,
                "source_id": "src1",
            },
            {
                "study_id": "s1",
                "arm_id": "pbo",
                "label": "Placebo",
                "role": "comparator",
                "drug": "placebo",
                "route": "IN",
                "dose": "-",
                "schedule": "twice weekly",
                "n_arm": 50,
                "source_id": "src1",
            },
        ],
        "outcomes": [
            {
                "study_id": "s1",
                "arm_id": "esk",
                "instrument": "EQ-5D-5L",
                "subscale": "index",
                "timepoint": "baseline",
                "n": 50,
                "mean": 0.5,
                "sd": 0.2,
                **_OUTCOME,
            },
            {
                "study_id": "s1",
                "arm_id": "esk",
                "instrument": "EQ-5D-5L",
                "subscale": "index",
                "timepoint": "week 4",
                "n": 50,
                "mean": 0.7,
                "sd": 0.2,
                "ci_low": 0.64,
                "ci_high": 0.76,
                "change_mean": 0.2,
                "change_sd": 0.25,
                **_OUTCOME,
            },
            {
                "study_id": "s1",
                "arm_id": "pbo",
                "instrument": "EQ-5D-5L",
                "subscale": "index",
                "timepoint": "week 4",
                "n": 48,
                "mean": 0.6,
                "sd": 0.22,
                "change_mean": 0.1,
                "change_sd": 0.24,
                **_OUTCOME,
            },
            {
                "study_id": "s1",
                "arm_id": "esk",
                "instrument": "WHOQOL-BREF",
                "subscale": "physical health",
                "timepoint": "day 25",
                "n": 50,
                "mean": 14.0,
                "sd": 3.0,
                "median": 14.0,
                "q1": 12.0,
                "q3": 16.0,
                "pre_post_r": 0.5,
                **_OUTCOME,
            },
            {
                "study_id": "s1",
                "arm_id": "esk",
                "instrument": "EQ-5D-5L",
                "subscale": "mobility",
                "timepoint": "9 months",
                "n": 50,
                "pct_with_problem": 30.0,
                **_OUTCOME,
            },
        ],
        "contrasts": [
            {
                "study_id": "s1",
                "arm_id": "esk",
                "comparator_arm_id": "pbo",
                "instrument": "EQ-5D-5L",
                "subscale": "index",
                "timepoint": "week 4",
                "statistic": "ls_md",
                "estimate": 0.1,
                "se": 0.05,
                "ci_low": 0.0,
                "ci_high": 0.2,
                "p_value": 0.04,
                "source_id": "src1",
                "n": 98,
            }
        ],
        "risk_of_bias": [
            {
                "study_id": "s1",
                "tool": "RoB2",
                "domain": "overall",
                "judgement": "Low",
                "support": "Randomised, blinded.",
                "source_id": "src1",
            }
        ],
        "prisma": [{"box": "records_screened", "n": 120, "detail": None, "source_id": "src1"}],
        "sources": [
            {
                "source_id": "src1",
                "citation": "Trial report",
                "url": "https://example.org/t1",
                "quote": "Quoted text.",
                "accessed": dt.date(2024, 5, 1),
            }
        ],
        "grade": [
            {"outcome": "EQ-5D-5L index", "grade_domain": "imprecision", "downgrade": -1, "reason": "One small study."}
        ],
    }


def columns_of(data: Data, sheet: str, columns: dict[str, list[str]] | None = None) -> list[str]:
    """The header of ``sheet``: the contract columns unless ``columns`` overrides it."""
    if columns and sheet in columns:
        return columns[sheet]
    return list(SHEETS_BY_NAME[sheet].column_names) if sheet in SHEETS_BY_NAME else sorted(data[sheet][0])


def address(
    data: Data, sheet: str, index: int, column: str, columns: dict[str, list[str]] | None = None, header_row: int = 1
) -> str:
    """Excel address of row ``index`` (0-based data row) of ``column``."""
    col = columns_of(data, sheet, columns).index(column) + 1
    return f"{get_column_letter(col)}{header_row + 1 + index}"


def write_workbook(path: Path, data: Data, columns: dict[str, list[str]] | None = None) -> Path:
    """Save ``data`` as an .xlsx at ``path`` (header in row 1); returns ``path``."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet, rows in data.items():
        ws = book.create_sheet(sheet)
        header = columns_of(data, sheet, columns)
        ws.append(header)
        for row in rows:
            ws.append([row.get(name) for name in header])
    book.save(path)
    return path


def set_cached_value(path: Path, sheet_index: int, cell: str, value: str) -> None:
    """Give the formula in ``cell`` a cached value, as Excel does on save (openpyxl writes none)."""
    part = f"xl/worksheets/sheet{sheet_index + 1}.xml"
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, payload in members:
            if info.filename == part:
                start = payload.index(f'<c r="{cell}"'.encode())
                end = payload.index(b"</c>", start)
                cell_xml = payload[start:end].replace(b"<v />", b"").replace(b"<v/>", b"").replace(b"<v></v>", b"")
                payload = payload[:start] + cell_xml + f"<v>{value}</v>".encode() + payload[end:]
            archive.writestr(info, payload)
