"""``records`` gives what ``DataFrame.to_dict("records")`` gives, for every column type the stages pass."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from qolreview.records import records


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": pd.Series(["a", None, "c"], dtype="str"),
            "count": pd.Series([1, None, 3], dtype="Int64"),
            "number": [0.5, np.nan, -0.0],
            "flag": pd.Series([True, None, False], dtype="boolean"),
            "plain_int": [1, 2, 3],
            "when": pd.to_datetime(["2026-01-01", None, "2026-03-01"]),
            "kind": pd.Categorical(["x", "y", None]),
            "anything": [("a",), None, {"k": 1}],
        }
    )


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and (a is b or a == b)


def test_records_equal_to_dict_records(frame: pd.DataFrame) -> None:
    expected = frame.to_dict("records")
    got = records(frame)
    assert [list(row) for row in got] == [list(row) for row in expected]
    for row, want in zip(got, expected, strict=True):
        for key in want:
            assert _same(row[key], want[key]), (key, row[key], want[key])


def test_none_for_missing(frame: pd.DataFrame) -> None:
    got = records(frame, none_for_missing=True)
    for key in ("text", "count", "number", "flag", "when", "anything"):
        assert got[1][key] is None, key
    assert got[2]["kind"] is None
    assert got[1]["plain_int"] == 2 and got[1]["kind"] == "y"
    assert got[0]["text"] == "a" and got[2]["number"] == 0.0 and math.copysign(1, got[2]["number"]) == -1


def test_row_order_and_index_ignored() -> None:
    frame = pd.DataFrame({"a": [3, 1, 2]}, index=[10, 5, 7]).sort_values("a")
    assert records(frame) == [{"a": 1}, {"a": 2}, {"a": 3}]


def test_empty_and_columnless_frames() -> None:
    assert records(pd.DataFrame({"a": pd.Series([], dtype="str")})) == []
    assert records(pd.DataFrame(index=range(2))) == [{}, {}]


def test_na_of_any_column_is_none() -> None:
    frame = pd.DataFrame({"o": pd.Series([pd.NA, 1], dtype=object), "f": pd.Series([pd.NA, 1.5], dtype="Float64")})
    assert records(frame) == frame.to_dict("records") == [{"o": None, "f": None}, {"o": 1, "f": 1.5}]
