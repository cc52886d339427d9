"""Time windows and the choice of one timepoint per window.

A result's timepoint (in weeks since baseline) falls in the first window whose upper bound it does not
exceed (upper bounds inclusive); the last window has no bound. Week 0 is baseline: it belongs to no window,
because baseline values are inputs to pre-post effects, not results.

A result without a time in weeks ("at discharge", "post-test") belongs to no window, unless the review declares
a window for such results (``harmonize.untimed_window``, :class:`UntimedWindow`) and lists its timepoint there:
it is then placed in that window by its label, and keeps an empty time (no weeks are invented).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

import numpy as np
import pandas as pd

from qolreview.clean.normalize import has_time, timepoint_key

log = logging.getLogger(__name__)

TimepointChoice = Literal["latest", "closest_to_target"]


@dataclass(frozen=True)
class Window:
    """A named time window ``(previous bound, max_weeks]``; ``max_weeks`` is ``inf`` for the last."""

    name: str
    max_weeks: float


def parse_windows(spec: Sequence[Mapping[str, object]]) -> tuple[Window, ...]:
    """Windows from config ``harmonize.windows`` (``[{name, max_weeks}, ..., {name}]``).

    Bounds must increase and only the last window may be unbounded.
    """
    windows = tuple(Window(str(w["name"]), float(w.get("max_weeks", math.inf))) for w in spec)  # type: ignore[arg-type]
    if not windows:
        raise ValueError("harmonize.windows is empty")
    bounds = [w.max_weeks for w in windows]
    if any(b <= 0 for b in bounds) or any(a >= b for a, b in pairwise(bounds)):
        raise ValueError(f"harmonize.windows: upper bounds must be positive and increasing, got {bounds}")
    if len({w.name for w in windows}) != len(windows):
        raise ValueError("harmonize.windows: window names must be unique")
    return windows


@dataclass(frozen=True)
class UntimedWindow:
    """The review's window for results reported without a time in weeks (config ``harmonize.untimed_window``).

    ``timepoints`` are the labels placed in it (as :func:`~qolreview.clean.normalize.timepoint_key`: case and
    spacing ignored), in order of preference: when a study reports several, the first listed is kept.
    """

    name: str
    label: str
    timepoints: tuple[str, ...]

    def rank(self, timepoint: str) -> int | None:
        """Position of a timepoint label in ``timepoints``; None when it is not listed."""
        key = timepoint_key(timepoint)
        return self.timepoints.index(key) if key in self.timepoints else None


def parse_untimed_window(spec: Mapping[str, object] | None, windows: Sequence[Window]) -> UntimedWindow | None:
    """The untimed window of config ``harmonize.untimed_window`` (``{name, label, timepoints}``), or None.

    Its name must differ from the timed windows' names, and no label may give a time (``baseline``,
    ``week 16``): a result with a time is placed by its weeks.
    """
    if spec is None:
        return None
    name = str(spec["name"])
    if name in {w.name for w in windows}:
        raise ValueError(f"harmonize.untimed_window: the name {name!r} is already a window of harmonize.windows")
    labels = [str(t) for t in spec["timepoints"]]  # type: ignore[attr-defined]
    timed = [t for t in labels if has_time(t)]
    if timed:
        raise ValueError(
            f"harmonize.untimed_window.timepoints: {', '.join(timed)} give(s) a time; list only labels without one"
        )
    keys = tuple(dict.fromkeys(timepoint_key(t) for t in labels))
    if len(keys) != len(labels):
        raise ValueError("harmonize.untimed_window.timepoints: labels must differ (ignoring case and spacing)")
    return UntimedWindow(name, str(spec["label"]), keys)


def assign_windows(weeks: pd.Series, windows: Sequence[Window]) -> pd.Series:
    """Window name of each timepoint; null for baseline (week 0), unknown timepoints, and weeks beyond the
    last bound when the last window is bounded."""
    edges = [0.0, *(w.max_weeks for w in windows)]
    binned = pd.cut(pd.to_numeric(weeks, errors="coerce"), bins=edges, labels=[w.name for w in windows], right=True)
    return pd.Series(binned.astype(object).where(binned.notna(), None), index=weeks.index, dtype=object)


def choose_timepoints(
    effects: pd.DataFrame,
    group: Sequence[str],
    choice: TimepointChoice,
    target_weeks: Mapping[str, float],
) -> pd.DataFrame:
    """Keep one timepoint per ``group`` x window among rows still ``selected``.

    ``latest`` keeps the latest timepoint; ``closest_to_target`` the one closest to the window's target
    (``harmonize.target_weeks``; ties go to the later timepoint). The other rows get ``selected = False``
    and a ``selection_note`` naming the timepoint kept; every choice is logged. Returns a copy.
    """
    out = effects.copy()
    keys = [*group, "window"]
    candidates = out[out["selected"] & out["window"].notna()]
    candidates = candidates[candidates.duplicated(keys, keep=False)]  # a single row per window needs no choice
    for key, rows in candidates.groupby(keys, sort=True, dropna=False):
        weeks = rows["timepoint_weeks"].astype(float)
        if weeks.nunique() < 2:
            continue
        window = str(rows["window"].iloc[0])
        if choice == "latest":
            keep_weeks = float(weeks.max())
            why = "latest timepoint in the window"
        else:
            if window not in target_weeks:
                raise ValueError(f"harmonize.target_weeks has no target for window {window!r}")
            target = float(target_weeks[window])
            distance = (weeks - target).abs()
            keep_weeks = float(weeks[np.isclose(distance, distance.min())].max())
            why = f"closest to the target of {target:g} weeks"
        kept = rows.index[np.isclose(weeks, keep_weeks)]
        _record_choice(out, rows, kept, window, why, weeks.nunique(), dict(zip(keys, key, strict=True)))
    return out


def _record_choice(
    out: pd.DataFrame,
    rows: pd.DataFrame,
    kept: pd.Index,
    window: str,
    why: str,
    n_timepoints: int,
    key: Mapping[str, object],
) -> None:
    """Deselect the ``rows`` not ``kept`` in ``out``, note why on every row, and log the choice."""
    dropped = rows.index.difference(kept)
    kept_label = str(rows.loc[kept[0], "timepoint"])
    note = f"not selected: window {window} has several timepoints; kept {kept_label} ({why})"
    out.loc[dropped, "selected"] = False
    out.loc[dropped, "selection_note"] = _append(out.loc[dropped, "selection_note"], note)
    out.loc[kept, "selection_note"] = _append(
        out.loc[kept, "selection_note"], f"selected: {why} among {n_timepoints} timepoints"
    )
    log.info(
        "timepoint choice %s: kept %s, dropped %s (%s)",
        key,
        kept_label,
        ", ".join(sorted(rows.loc[dropped, "timepoint"].astype(str).unique())),
        why,
    )


def _append(notes: pd.Series, note: str) -> pd.Series:
    """Append ``note`` to each existing note ("; "-joined)."""
    return notes.map(
        lambda old: (
            note if old is None or (isinstance(old, float) and math.isnan(old)) or old == "" else f"{old}; {note}"
        )
    )


def choose_untimed(effects: pd.DataFrame, group: Sequence[str], window: UntimedWindow) -> pd.DataFrame:
    """Keep one timepoint per ``group`` in the untimed window among rows still ``selected``: the label listed
    first in ``window.timepoints``. The other rows get ``selected = False`` and a ``selection_note``; every
    choice is logged. Returns a copy."""
    out = effects.copy()
    candidates = out[out["selected"] & (out["window"] == window.name)]
    for key, rows in candidates.groupby(list(group), sort=True, dropna=False):
        ranks = rows["timepoint"].map(lambda t: window.rank(str(t)))
        if ranks.nunique() < 2:
            continue
        kept = rows.index[ranks == ranks.min()]
        why = "listed first in harmonize.untimed_window.timepoints"
        _record_choice(out, rows, kept, window.name, why, ranks.nunique(), dict(zip(group, key, strict=True)))
    return out
