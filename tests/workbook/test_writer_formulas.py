"""The workbook writer stores text that starts like a formula as text, never as a live formula: data type ``s``
and Excel's quote prefix; the value reads back unchanged and numbers stay numbers."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl

from qolreview.workbook.writer import write_workbook

ROWS = {
    "studies": [
        {
            "study_id": "s1",
            "citation": '=HYPERLINK("http://example.org","click")',
            "design": "rct",
            "country": "@SUM(A1)",
            "population": "-0.5",
            "n_total": -40,
            "age_mean": -1.5,
            "label": "+cmd|' /C calc'!A0",
            "notes": "plain text",
            "inclusion_status": "confirmed",
        }
    ]
}


def test_formula_like_text_is_written_as_text(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    write_workbook(path, ROWS)
    with zipfile.ZipFile(path) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(name) for name in sheets)  # no formula anywhere
    ws = openpyxl.load_workbook(path)["studies"]
    cells = {header.value: cell for header, cell in zip(ws[1], ws[2], strict=True)}
    for column in ("citation", "country", "label"):
        assert cells[column].value == ROWS["studies"][0][column]
        assert cells[column].data_type == "s" and cells[column].quotePrefix
    assert cells["population"].value == "-0.5" and cells["population"].data_type == "s"
    assert cells["n_total"].value == -40 and cells["age_mean"].value == -1.5
    assert cells["n_total"].data_type == "n" and not cells["n_total"].quotePrefix
    assert not cells["notes"].quotePrefix
