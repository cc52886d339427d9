"""Time windows (upper bounds inclusive) and the choice of one timepoint per window."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from qolreview.harmonize.windows import Window, assign_windows, choose_timepoints, parse_windows

DEFAULT = [
    {"name": "acute", "max_weeks": 1},
    {"name": "short", "max_weeks": 6},
    {"name": "medium", "max_weeks": 16},
    {"name": "long"},
]


def test_parse_windows_and_validation() -> None:
    windows = parse_windows(DEFAULT)
    assert windows[0] == Window("acute", 1.0) and windows[-1] == Window("long", math.inf)
    with pytest.raises(ValueError, match="increasing"):
        parse_windows([{"name": "a", "max_weeks": 6}, {"name": "b", "max_weeks": 2}])
    with pytest.raises(ValueError, match="unique"):
        parse_windows([{"name": "a", "max_weeks": 1}, {"name": "a"}])


def test_upper_bounds_are_inclusive_and_baseline_has_no_window() -> None:
    weeks = pd.Series([0.0, 0.5, 1.0, 1.0001, 25 / 7, 6.0, 16.0, 16.5, 39.13, None])
    assert list(assign_windows(weeks, parse_windows(DEFAULT))) == [
        None,
        "acute",
        "acute",
        "short",
        "short",
        "short",
        "medium",
        "long",
        "long",
        None,
    ]


def test_bounded_last_window_leaves_later_timepoints_outside() -> None:
    windows = parse_windows([{"name": "early", "max_weeks": 4}, {"name": "late", "max_weeks": 12}])
    assert list(assign_windows(pd.Series([4.0, 12.0, 13.0]), windows)) == ["early", "late", None]


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "study_id": ["s"] * 4,
            "instrument": ["X"] * 4,
            "timepoint": ["week 8", "week 10", "week 16", "week 2"],
            "timepoint_weeks": [8.0, 10.0, 16.0, 2.0],
            "window": ["medium", "medium", "medium", "short"],
            "selected": [True, True, True, True],
            "selection_note": [None, None, None, None],
        }
    )


def test_latest_keeps_the_last_timepoint_of_each_window() -> None:
    out = choose_timepoints(frame(), ["study_id", "instrument"], "latest", {})
    assert list(out["selected"]) == [False, False, True, True]
    assert out.loc[0, "selection_note"].startswith("not selected: window medium has several timepoints; kept week 16")
    assert out.loc[3, "selection_note"] is None


def test_closest_to_target_with_ties_going_to_the_later_timepoint() -> None:
    out = choose_timepoints(frame(), ["study_id", "instrument"], "closest_to_target", {"medium": 12, "short": 4})
    assert list(out["selected"]) == [False, True, False, True]
    tie = choose_timepoints(frame(), ["study_id", "instrument"], "closest_to_target", {"medium": 9, "short": 4})
    assert list(tie["selected"]) == [False, True, False, True]
    with pytest.raises(ValueError, match="no target"):
        choose_timepoints(frame(), ["study_id", "instrument"], "closest_to_target", {"short": 4})
