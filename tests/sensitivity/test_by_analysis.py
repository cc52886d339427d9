"""``by_analysis`` slices the rows of each analysis as a boolean selection would select them."""

from __future__ import annotations

import pandas as pd
import pytest

from qolreview.sensitivity.effects import by_analysis


def _rows() -> pd.DataFrame:
    rows = pd.DataFrame(
        {
            "analysis_id": ["a", "a", "b", "c", "c", "c"],
            "study_id": ["s1", "s2", "s1", "s1", "s2", "s3"],
            "yi": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    return rows.astype({"analysis_id": "str", "study_id": "str"})


def test_each_analysis_equals_its_boolean_selection() -> None:
    rows = _rows()
    groups = by_analysis(rows, ["c", "a", "b"])
    assert list(groups) == ["c", "a", "b"]
    assert [len(group) for group in groups.values()] == [3, 2, 1]
    for aid, group in groups.items():
        pd.testing.assert_frame_equal(group, rows[rows["analysis_id"] == aid])


def test_an_analysis_without_rows_is_empty_with_the_columns() -> None:
    rows = _rows()
    group = by_analysis(rows[rows["analysis_id"] != "b"], ["b"])["b"]
    assert group.empty and list(group.columns) == list(rows.columns)


def test_rows_not_sorted_by_analysis_are_refused() -> None:
    rows = _rows().iloc[[0, 2, 1, 3, 4, 5]]
    with pytest.raises(ValueError, match="analysis a are not together"):
        by_analysis(rows, ["a"])
