"""Time windows and the choice of one timepoint per window.

A result's timepoint (in weeks since baseline) falls in the first window whose upper bound it does not
exceed (upper bounds inclusive); the last window has no bound. Week 0 is baseline: it belongs to no window,
because baseline values are inputs to pre-post effects, not results.
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
        dropped = rows.index.difference(kept)
        kept_label = str(rows.loc[kept[0], "timepoint"])
        note = f"not selected: window {window} has several timepoints; kept {kept_label} ({why})"
        out.loc[dropped, "selected"] = False
        out.loc[dropped, "selection_note"] = _append(out.loc[dropped, "selection_note"], note)
        out.loc[kept, "selection_note"] = _append(
            out.loc[kept, "selection_note"], f"selected: {why} among {weeks.nunique()} timepoints"
        )
        log.info(
            "timepoint choice %s: kept %s, dropped %s (%s)",
            dict(zip(keys, key, strict=True)),
            kept_label,
            ", ".join(sorted(rows.loc[dropped, "timepoint"].astype(str).unique())),
            why,
        )
    return out


def _append(notes: pd.Series, note: str) -> pd.Series:
    """Append ``note`` to each existing note ("; "-joined)."""
    return notes.map(
        lambda old: (
            note if old is None or (isinstance(old, float) and math.isnan(old)) or old == "" else f"{old}; {note}"
        )
    )
