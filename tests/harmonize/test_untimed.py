"""Results without a time in weeks placed in the review's untimed window (harmonize.untimed_window)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_harmonize import only, run, two_arms

from qolreview.harmonize.windows import UntimedWindow, parse_untimed_window, parse_windows
from qolreview.instruments import Registry, load_registry

ROOT = Path(__file__).resolve().parents[2]
WINDOW = {"name": "end_of_treatment", "label": "end of treatment", "timepoints": ["End of treatment", "at  discharge"]}
WINDOWS = parse_windows([{"name": "short", "max_weeks": 6}, {"name": "long"}])


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(ROOT / "config" / "instruments.yaml")


def _row(arm: str, timepoint: str, mean: float, weeks: float | None = None) -> dict[str, Any]:
    return {
        "study_id": "s",
        "arm_id": arm,
        "instrument": "EQ-VAS",
        "subscale": "VAS",
        "timepoint": timepoint,
        "timepoint_weeks": weeks,
        "n": 40,
        "mean": mean,
        "sd": 20.0,
        "source_id": "src",
    }


def test_the_window_is_read_from_the_config() -> None:
    window = parse_untimed_window(WINDOW, WINDOWS)
    assert window == UntimedWindow("end_of_treatment", "end of treatment", ("end of treatment", "at discharge"))
    assert window.rank("AT DISCHARGE") == 1 and window.rank("post-test") is None
    assert parse_untimed_window(None, WINDOWS) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "short"}, "already a window"),
        ({"timepoints": ["end of treatment", "week 12"]}, "week 12 give"),
        ({"timepoints": ["baseline"]}, "baseline give"),
        ({"timepoints": ["post-test", "Post-test"]}, "must differ"),
    ],
)
def test_an_unusable_window_is_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_untimed_window({**WINDOW, **change}, WINDOWS)


def test_untimed_results_are_placed_by_their_label_without_invented_weeks(registry: Registry) -> None:
    rows = [_row("esk", "at discharge", 70.0), _row("pbo", "at discharge", 60.0)]
    contrast = {
        **{k: rows[0][k] for k in ("study_id", "instrument", "subscale", "source_id")},
        "arm_id": "esk",
        "comparator_arm_id": "pbo",
        "timepoint": "At discharge",
        "statistic": "md",
        "estimate": 10.0,
        "se": 4.0,
    }
    result = run(registry, rows, two_arms("s", 40, 40), [contrast], untimed_window=WINDOW)
    arm_level = only(result.effect_sizes, origin="outcomes")
    assert (arm_level["window"], arm_level["window_rule"]) == ("end_of_treatment", "untimed_window")
    assert math.isnan(arm_level["timepoint_weeks"]) and arm_level["selected"]
    from_contrast = only(result.effect_sizes, origin="contrasts")  # paired with the arms by its label
    assert from_contrast["measure"] == "SMD" and not from_contrast["selected"] and from_contrast["superseded"]
    assert result.not_convertible.empty
    without = run(registry, rows, two_arms("s", 40, 40), [contrast])
    assert without.effect_sizes.empty
    assert set(without.not_convertible["reason"]) == {"timepoint not reported"}


def test_timed_results_keep_the_weeks_rule_and_results_of_different_labels_are_not_paired(registry: Registry) -> None:
    rows = [
        _row("esk", "week 4", 70.0, 4.0),
        _row("pbo", "week 4", 60.0, 4.0),
        _row("esk", "end of treatment", 72.0),
        _row("pbo", "at discharge", 61.0),
    ]
    result = run(registry, rows, two_arms("s", 40, 40), untimed_window=WINDOW)
    assert list(result.effect_sizes["window_rule"]) == ["weeks"]
    reasons = set(result.not_convertible["reason"])
    assert reasons == {"no matching comparator result at this timepoint, and no baseline for a pre-post effect"}


def test_of_several_untimed_timepoints_the_first_listed_is_kept(registry: Registry) -> None:
    rows = [
        _row("esk", "at discharge", 70.0),
        _row("pbo", "at discharge", 60.0),
        _row("esk", "end of treatment", 75.0),
        _row("pbo", "end of treatment", 61.0),
    ]
    effects = run(registry, rows, two_arms("s", 40, 40), untimed_window=WINDOW).effect_sizes
    kept = effects[effects["selected"].astype(bool)]
    assert list(kept["timepoint"]) == ["end of treatment"]
    dropped = only(effects, timepoint="at discharge")
    assert "kept end of treatment (listed first in harmonize.untimed_window.timepoints)" in dropped["selection_note"]
    assert pd.isna(effects["timepoint_weeks"]).all()
