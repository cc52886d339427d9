"""CSV files the pipeline writes cannot inject formulas into a spreadsheet: text cells that start like a formula
get a leading ``'`` (OWASP, "CSV Injection"); numbers, negative ones included, stay numbers."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest
from pandera.typing import Series

from qolreview.parquet_io import formula_like, write_csv


class _Table(pa.DataFrameModel):
    label: Series[str]
    value: Series[float] = pa.Field(nullable=True)


@pytest.mark.parametrize(
    ("text", "dangerous"),
    [
        ("=1+1", True),
        ('=HYPERLINK("http://x","y")', True),
        ("+SUM(A1)", True),
        ("-2+3", True),
        ("@SUM(A1)", True),
        ("\t=1", True),
        ("\r=1", True),
        ("-", True),
        ("-0.5", False),
        ("+3", False),
        ("-1e-3", False),
        ("Smith 2020", False),
        ("", False),
        ("a=b", False),
    ],
)
def test_formula_like(text: str, dangerous: bool) -> None:
    assert formula_like(text) is dangerous


def test_write_csv_neutralises_text_cells_and_keeps_numbers(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {
            "label": ["=1+1", "@cmd", "-0.5", "Smith 2020", "\tx", 'a "quoted" =x'],
            "value": [-1.5, 2.0, -0.25, float("nan"), 0.0, 1e-9],
        }
    )
    path = tmp_path / "t.csv"
    write_csv(table, path, _Table)
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == ["label", "value"]
    assert [row[0] for row in rows[1:]] == ["'=1+1", "'@cmd", "-0.5", "Smith 2020", "'\tx", 'a "quoted" =x']
    assert [row[1] for row in rows[1:]] == ["-1.5", "2.0", "-0.25", "", "0.0", "1e-09"]
    assert table["label"].iloc[0] == "=1+1"  # the caller's table is left as it was
