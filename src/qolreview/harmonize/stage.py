"""The harmonize stage: clean results -> signed effect sizes with known variances, and the rest with a reason.

Reads the clean ``outcomes``, ``contrasts`` and ``arms`` tables and the instrument registry, and writes

- ``effect_sizes``: one row per convertible result (positive ``yi`` = better quality of life),
- ``not_convertible``: every input row that fed no effect size, with the reason,
- ``conversion_log``: every conversion applied to every effect size, with its formula and source.

Conversion rules are in :mod:`qolreview.harmonize.effect_rows`, resolution of one arm's scores in
:mod:`qolreview.harmonize.arm_stats`, time windows in :mod:`qolreview.harmonize.windows`. docs/harmonize.md
describes the choices.

A result's time is its weeks; a result without weeks whose timepoint label the review lists in
``harmonize.untimed_window`` is placed in that window by its label (``window_rule``), and paired, compared and
chosen by that label.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from qolreview.clean.normalize import timepoint_key
from qolreview.harmonize import arm_stats as st
from qolreview.harmonize import conversions as cv
from qolreview.harmonize.effect_rows import (
    Context,
    Effect,
    between_arms_continuous,
    between_arms_proportion,
    from_contrast,
    implausible,
    mean_change,
    within_arm,
)
from qolreview.harmonize.windows import (
    UntimedWindow,
    assign_windows,
    choose_timepoints,
    choose_untimed,
    parse_untimed_window,
    parse_windows,
)
from qolreview.instruments import Registry, Subscale, load_registry
from qolreview.meta import distributions
from qolreview.parquet_io import read_table, write_table
from qolreview.provenance import cell, join_cells, row_cells
from qolreview.records import records
from qolreview.tables import UNTIMED_RULE, WEEKS_RULE, ConversionLog, EffectSizes, NotConvertible
from qolreview.workbook.problems import format_number
from qolreview.workbook.spec import EVIDENCE_STATUS, OUTCOME_VALUES
from qolreview.workflow import Files, Settings

log = logging.getLogger(__name__)

Row = Mapping[str, Any]

#: Proportion columns of ``outcomes`` and whether their event is bad (sign reversed: fewer is better).
PROPORTIONS = {"pct_with_problem": True, "pct_responders": False}

#: Columns whose value makes an ``outcomes`` row a numeric result (beyond n and notes).
_NUMERIC = (*OUTCOME_VALUES, "pre_post_r")

#: Columns of an ``outcomes`` row that hold scores (not spreads or changes): they show which scoring was used.
_SCORES = ("mean", "ci_low", "ci_high", "median", "q1", "q3", "baseline_mean")


@dataclass(frozen=True)
class HarmonizeSettings:
    """Config ``harmonize`` (all keys required; the workflow fills the schema's defaults)."""

    windows: tuple[Any, ...]
    timepoint_choice: str
    target_weeks: Mapping[str, float]
    pre_post_r: float
    pre_post_r_by_study: Mapping[str, float]
    prepost_measure: str
    untimed_window: UntimedWindow | None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> HarmonizeSettings:
        windows = parse_windows(config["windows"])
        return cls(
            windows,
            str(config["timepoint_choice"]),
            dict(config["target_weeks"]),
            float(config["pre_post_r"]),
            dict(config["pre_post_r_by_study"]),
            str(config["prepost_measure"]),
            parse_untimed_window(config["untimed_window"], windows),
        )


@dataclass(frozen=True)
class Harmonized:
    """The three output tables."""

    effect_sizes: pd.DataFrame
    not_convertible: pd.DataFrame
    conversion_log: pd.DataFrame


@dataclass
class _Resolved:
    """What one follow-up ``outcomes`` row offers."""

    row: Row
    n: st.Quantity | None
    final: st.Scores | None
    baseline: st.Scores | None
    change: st.Scores | None
    r: st.Correlation
    mean_change: st.MeanWithSE | None = None
    """The mean change with its SE, when the number of participants is unknown."""


def _key(row: Row) -> tuple[str, str, str, str]:
    return str(row["study_id"]), str(row["arm_id"]), str(row["instrument"]), str(row["subscale"])


def _weeks(row: Row) -> float | None:
    return st.value(row, "timepoint_weeks")


def _time_key(weeks: float | None, timepoint: str) -> str:
    """What makes two results of one outcome simultaneous: the same weeks (to 6 decimals) or, without weeks, the
    same timepoint label (case and spacing ignored)."""
    return f"weeks {round(weeks, 6)!r}" if weeks is not None else f"label {timepoint_key(timepoint)}"


def _row_time(row: Row) -> str:
    return _time_key(_weeks(row), str(row["timepoint"]))


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with missing values as None, in source-row order."""
    ordered = df.sort_values(["source_row"], kind="stable") if len(df) else df
    return records(ordered, none_for_missing=True)


def _flip(registry: Registry, instrument: str, subscale: str) -> bool:
    return not registry.subscale(instrument, subscale).higher_is_better


def _pct_change(row: Row, resolved: _Resolved) -> st.Quantity | None:
    """Reported percent change, else 100·(follow-up − baseline)/baseline from the means (descriptive)."""
    reported = st.value(row, "pct_change")
    if reported is not None:
        return st.Quantity(reported, (cell(row, "pct_change"),))
    if resolved.final is None or resolved.baseline is None or resolved.baseline.mean.value == 0:
        return None
    pct, conversion = cv.pct_change(resolved.baseline.mean.value, resolved.final.mean.value)
    return st.Quantity(float(pct), resolved.final.mean.cells + resolved.baseline.mean.cells, (conversion,))


def _context(row: Row, comparator: str | None) -> Context:
    return Context(
        str(row["study_id"]),
        str(row["arm_id"]),
        comparator,
        str(row["instrument"]),
        str(row["subscale"]),
        str(row["timepoint"]),
        _weeks(row),
    )


def _best_pair(a: _Resolved, b: _Resolved) -> tuple[st.Scores, st.Scores] | None:
    """Both arms on one basis: the basis with the better SD rank (the worse arm counts); change scores
    on a tie (Cochrane Handbook 10.5.2: change and final values are both valid; change scores remove
    between-person baseline variation)."""
    options = [
        (max(s1.sd_rank, s2.sd_rank), order, s1, s2)
        for order, (s1, s2) in enumerate(((a.change, b.change), (a.final, b.final)))
        if s1 is not None and s2 is not None
    ]
    if not options:
        return None
    _, _, s1, s2 = min(options, key=lambda o: (o[0], o[1]))
    return s1, s2


class _Builder:
    """Collects effects and the reasons why rows fed none."""

    def __init__(
        self,
        outcomes: pd.DataFrame,
        contrasts: pd.DataFrame,
        arms: pd.DataFrame,
        registry: Registry,
        settings: HarmonizeSettings,
    ) -> None:
        self.registry = registry
        self.settings = settings
        self.outcomes = _records(outcomes)
        self.contrasts = _records(contrasts)
        self.arms = {(str(a["study_id"]), str(a["arm_id"])): a for a in _records(arms)}
        self.effects: list[Effect] = []
        self.reasons: dict[str, list[str]] = defaultdict(list)

    def run(self) -> dict[str, _Resolved]:
        """Build every effect; returns the resolved follow-up rows (keyed by input row)."""
        resolved = self._resolve(self._baselines())
        self._within_arm(resolved)
        self._between_arms(resolved)
        self._contrasts(resolved)
        return resolved

    def _baselines(self) -> dict[tuple[str, str, str, str], Row]:
        found: dict[tuple[str, str, str, str], Row] = {}
        for row in self.outcomes:
            if _weeks(row) == 0:
                key = _key(row)
                if key in found:
                    self.reasons[st.input_row(row)].append(
                        f"baseline row: a second baseline for this arm; {st.input_row(found[key])} is used"
                    )
                    continue
                found[key] = row
        return found

    def _timed(self, row: Row) -> bool:
        """Whether a result has a time: weeks, or a label of the review's untimed window."""
        window = self.settings.untimed_window
        return _weeks(row) is not None or (window is not None and window.rank(str(row["timepoint"])) is not None)

    def _resolve(self, baselines: Mapping[tuple[str, str, str, str], Row]) -> dict[str, _Resolved]:
        resolved: dict[str, _Resolved] = {}
        for row in self.outcomes:
            weeks, where = _weeks(row), st.input_row(row)
            if weeks == 0:
                continue
            if not self._timed(row):
                self.reasons[where].append("timepoint not reported")
                continue
            if row.get("value_qualifier") is not None:
                self.reasons[where].append(f"value is a bound (qualifier {row['value_qualifier']}), not an estimate")
                continue
            n = st.sample_size(row, self.arms.get((str(row["study_id"]), str(row["arm_id"]))))
            final = st.final_scores(row, n) if n is not None else None
            baseline = st.baseline_scores(row, baselines.get(_key(row)), n) if n is not None else None
            r = st.correlation(row, baseline, final, self.settings.pre_post_r_by_study, self.settings.pre_post_r)
            change = st.change_scores(row, n, baseline, final, r) if n is not None else None
            unsized = st.change_with_se(row) if n is None else None
            resolved[where] = _Resolved(row, n, final, baseline, change, r, unsized)
        return resolved

    def _add(self, result: Effect | str, rows: Iterable[Row]) -> None:
        """Keep a usable effect; otherwise give its rows the reason (they then appear in ``not_convertible``)."""
        if isinstance(result, Effect):
            reason = implausible(result)
            if reason is None:
                self.effects.append(result)
                return
            result = reason
        for row in rows:
            self.reasons[st.input_row(row)].append(result)

    def _within_arm(self, resolved: Mapping[str, _Resolved]) -> None:
        for item in resolved.values():
            row = item.row
            flip = _flip(self.registry, str(row["instrument"]), str(row["subscale"]))
            if item.change is None and item.mean_change is not None:
                self._add(mean_change(_context(row, None), item.mean_change, flip), [row])
            if item.change is None:
                continue
            self._add(
                within_arm(
                    _context(row, None),
                    item.change,
                    item.baseline,
                    item.r,
                    self.settings.prepost_measure,
                    flip,
                    _pct_change(row, item),
                ),
                [row],
            )

    def _pairs(self, resolved: Mapping[str, _Resolved]) -> Iterable[tuple[_Resolved, _Resolved]]:
        """Intervention x comparator arms of a study with the same instrument, subscale and timepoint."""
        index: dict[tuple[str, str, str, str], list[_Resolved]] = defaultdict(list)
        for item in resolved.values():
            row = item.row
            index[(str(row["study_id"]), str(row["instrument"]), str(row["subscale"]), _row_time(row))].append(item)
        for items in index.values():
            for a in items:
                for b in items:
                    if self._role(a.row) == "intervention" and self._role(b.row) == "comparator":
                        yield a, b

    def _role(self, row: Row) -> str | None:
        arm = self.arms.get((str(row["study_id"]), str(row["arm_id"])))
        return None if arm is None else str(arm["role"])

    def _between_arms(self, resolved: Mapping[str, _Resolved]) -> None:
        for a, b in self._pairs(resolved):
            ctx = _context(a.row, str(b.row["arm_id"]))
            pair = _best_pair(a, b)
            if pair is not None:
                flip = _flip(self.registry, ctx.instrument, ctx.subscale)
                self._add(between_arms_continuous(ctx, *pair, flip), [a.row, b.row])
            for column, bad_event in PROPORTIONS.items():
                if st.value(a.row, column) is None or st.value(b.row, column) is None:
                    continue
                if a.n is None or b.n is None:
                    self._add("no sample size for the percentage", [a.row, b.row])
                    continue
                self._add(between_arms_proportion(ctx, (a.row, b.row), (a.n, b.n), column, bad_event), [a.row, b.row])

    def _contrasts(self, resolved: Mapping[str, _Resolved]) -> None:
        by_arm = {(*_key(item.row), _row_time(item.row)): item for item in resolved.values()}
        for row in self.contrasts:
            where = st.input_row(row)
            if not self._timed(row):
                self.reasons[where].append("timepoint not reported")
                continue
            study, instrument, subscale = str(row["study_id"]), str(row["instrument"]), str(row["subscale"])
            arms = (str(row["arm_id"]), str(row["comparator_arm_id"]))
            items = [by_arm.get((study, arm, instrument, subscale, _row_time(row))) for arm in arms]
            sizes = tuple(
                item.n if item is not None else st.sample_size({}, self.arms.get((study, arm)))
                for item, arm in zip(items, arms, strict=True)
            )
            stated = row.get("outcome_basis")
            sds = _contrast_sds(items[0], items[1], stated) if str(row["statistic"]) in ("md", "ls_md") else None
            ctx = _context(row, arms[1])
            self._add(
                from_contrast(ctx, row, sds, sizes, _flip(self.registry, instrument, subscale)),  # type: ignore[arg-type]
                [row],
            )


def _contrast_sds(a: _Resolved | None, b: _Resolved | None, stated: object) -> tuple[st.Scores, st.Scores] | None:
    """The arms' SDs to standardise a reported MD, on the contrast's ``outcome_basis`` when the row states it;
    otherwise change-score SDs when both arms report a mean change (the contrast is then taken to be of change
    scores), else final-value SDs."""
    if a is None or b is None:
        return None
    if stated is None:
        change_reported = st.value(a.row, "change_mean") is not None and st.value(b.row, "change_mean") is not None
        stated = "change" if change_reported else "final"
    s1, s2 = (a.change, b.change) if stated == "change" else (a.final, b.final)
    return None if s1 is None or s2 is None else (s1, s2)


def _effect_id(effect: Effect) -> str:
    """Stable identifier: the study key and a hash of what the effect is about and which rows it used."""
    c = effect.context
    text = "|".join(
        [
            c.study_id,
            effect.comparison,
            effect.origin,
            c.arm_id,
            c.comparator_arm_id or "",
            c.instrument,
            c.subscale,
            c.timepoint,
            effect.measure,
            *effect.input_rows,
        ]
    )
    return f"{c.study_id}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:10]}"


def _weakest(statuses: Iterable[object]) -> str | None:
    """The weakest evidence status of an effect's input rows (``EVIDENCE_STATUS`` runs strongest first)."""
    known = [str(s) for s in statuses if s is not None]
    return max(known, key=EVIDENCE_STATUS.index) if known else None


def _scale(subscale: Subscale, inputs: Sequence[Row]) -> str | None:
    """The scoring of an effect's raw values, one of the registry's ``ranges`` ("0 to 100"): the subscale's only
    range, else the only one holding every score of the effect's ``outcomes`` rows (means, CI limits, medians,
    quartiles, baseline means); None when that does not tell (no scores, or scores that fit several ranges)."""
    scores = [v for row in inputs if "statistic" not in row for c in _SCORES if (v := st.value(row, c)) is not None]
    fitting = [(lo, hi) for lo, hi in subscale.ranges if all(lo <= v <= hi for v in scores)]
    if len(fitting) != 1:
        return None
    lo, hi = fitting[0]
    return f"{format_number(lo)} to {format_number(hi)}"


def _effect_record(
    effect: Effect, registry: Registry, rows: Mapping[str, Row], roles: Mapping[tuple[str, str], str]
) -> dict[str, Any]:
    c = effect.context
    subscale = registry.subscale(c.instrument, c.subscale)
    inputs = [rows[key] for key in effect.input_rows]
    return {
        "effect_id": _effect_id(effect),
        "study_id": c.study_id,
        "arm_id": c.arm_id,
        "comparator_arm_id": c.comparator_arm_id,
        "arm_role": roles.get((c.study_id, c.arm_id)),
        "comparison": effect.comparison,
        "origin": effect.origin,
        "basis": effect.basis,
        "outcome_basis": effect.outcome_basis,
        "instrument": c.instrument,
        "subscale": c.subscale,
        "domain": subscale.domain,
        "qol": registry.instrument(c.instrument).qol,
        "timepoint": c.timepoint,
        "timepoint_weeks": c.timepoint_weeks,
        "measure": effect.measure,
        "yi": effect.yi,
        "vi": effect.vi,
        "n1": effect.n1,
        "n2": effect.n2,
        "r_used": effect.r.r if effect.r is not None else None,
        "r_source": effect.r.source if effect.r is not None else "not_used",
        "direction_flipped": effect.direction_flipped,
        "conversions": "; ".join(f"{x.name}: {x.formula}" for x in effect.conversions) or None,
        "approximate": effect.approximate,
        "selected": True,
        "selection_note": "; ".join(effect.notes) or None,
        "md": effect.md,
        "md_vi": effect.md_vi,
        "scale": _scale(subscale, inputs) if effect.md is not None else None,
        "pct_change": effect.pct_change,
        "source_cells": join_cells(effect.source_cells),
        "input_rows": "; ".join(effect.input_rows),
        "source_ids": "; ".join(dict.fromkeys(str(r["source_id"]) for r in inputs if r.get("source_id"))) or None,
        "evidence_status": _weakest(r.get("evidence_status") for r in inputs),
        "_priority": effect.priority,
    }


def _select_sources(df: pd.DataFrame) -> pd.DataFrame:
    """One selected row per comparison (study, arms, outcome, timepoint): the lowest ``PRIORITY``
    (arm-level SMD first), adjusted (``ls_md``) before unadjusted contrasts on a tie."""
    out = df.copy()
    out["superseded"] = False
    out["_adjusted"] = ~out["basis"].str.startswith("ls_md")
    out["_time"] = [
        _time_key(None if pd.isna(w) else float(w), str(t))
        for w, t in zip(out["timepoint_weeks"], out["timepoint"], strict=True)
    ]
    keys = ["study_id", "arm_id", "comparator_arm_id", "comparison", "instrument", "subscale", "_time"]
    shared = out[out.duplicated(keys, keep=False)]  # only comparisons given more than once need a choice
    for _, rows in shared.groupby(keys, sort=True, dropna=False):
        ordered = rows.sort_values(["_priority", "_adjusted", "effect_id"], kind="stable")
        kept = ordered.iloc[0]
        for index in ordered.index[1:]:
            out.loc[index, "selected"] = False
            note = (
                f"not selected: the same comparison is given by {kept['effect_id']} "
                f"({kept['origin']}, {kept['measure']}), which is preferred"
            )
            out.loc[index, "superseded"] = True
            old = out.loc[index, "selection_note"]
            out.loc[index, "selection_note"] = note if pd.isna(old) else f"{old}; {note}"
        log.info(
            "source choice %s %s/%s %s %s at %s: kept %s (%s %s) over %d other(s)",
            kept["study_id"],
            kept["arm_id"],
            kept["comparator_arm_id"],
            kept["instrument"],
            kept["subscale"],
            kept["timepoint"],
            kept["effect_id"],
            kept["origin"],
            kept["measure"],
            len(rows) - 1,
        )
    return out.drop(columns=["_adjusted", "_time"])


def _effects_table(
    effects: Sequence[Effect],
    registry: Registry,
    rows: Mapping[str, Row],
    roles: Mapping[tuple[str, str], str],
    settings: HarmonizeSettings,
) -> pd.DataFrame:
    records = [_effect_record(e, registry, rows, roles) for e in effects]
    df = pd.DataFrame(records, columns=[*EffectSizes.columns(), "_priority"])
    duplicated = df["effect_id"][df["effect_id"].duplicated()]
    if len(duplicated):
        raise ValueError(f"duplicate effect ids: {sorted(set(duplicated))}")
    z = float(distributions.norm.ppf(0.975))
    se = np.sqrt(df["vi"].astype(float))
    df["ci_lb"], df["ci_ub"] = df["yi"] - z * se, df["yi"] + z * se
    df = _place_in_windows(df, settings)
    outside = df["window"].isna()
    df.loc[outside, "selected"] = False
    df.loc[outside, "selection_note"] = "not selected: timepoint beyond the last window"
    df = _select_sources(df)
    outcome = ["study_id", "arm_id", "comparator_arm_id", "comparison", "instrument", "subscale"]
    df = choose_timepoints(df, outcome, settings.timepoint_choice, settings.target_weeks)  # type: ignore[arg-type]
    if settings.untimed_window is not None:
        df = choose_untimed(df, outcome, settings.untimed_window)
    df = df.drop(columns=["_priority"])
    df = df.sort_values(
        [
            "study_id",
            "comparison",
            "instrument",
            "subscale",
            "timepoint_weeks",
            "arm_id",
            "comparator_arm_id",
            "origin",
            "measure",
            "effect_id",
        ],
        kind="stable",
        na_position="first",
    )
    return _typed(
        df[list(EffectSizes.columns())],
        {
            "n1": "Int64",
            "n2": "Int64",
            "qol": "boolean",
            "direction_flipped": "boolean",
            "approximate": "boolean",
            "selected": "boolean",
            "superseded": "boolean",
            "timepoint_weeks": "float64",
            "yi": "float64",
            "vi": "float64",
            "ci_lb": "float64",
            "ci_ub": "float64",
            "r_used": "float64",
            "md": "float64",
            "md_vi": "float64",
            "pct_change": "float64",
        },
    )


def _place_in_windows(df: pd.DataFrame, settings: HarmonizeSettings) -> pd.DataFrame:
    """``window`` by the weeks (``window_rule`` "weeks"), and, for results without weeks whose label the review
    lists, its untimed window (``window_rule`` "untimed_window"; each placement logged). Returns a copy."""
    out = df.copy()
    out["window"] = assign_windows(out["timepoint_weeks"], settings.windows)
    out["window_rule"] = out["window"].map(lambda w: None if w is None else WEEKS_RULE)
    untimed = settings.untimed_window
    if untimed is None:
        return out
    placed = out["timepoint_weeks"].isna() & out["timepoint"].map(lambda t: untimed.rank(str(t)) is not None)
    out.loc[placed, "window"] = untimed.name
    out.loc[placed, "window_rule"] = UNTIMED_RULE
    for row in out[placed].itertuples():
        log.info(
            "untimed window %s (%s): %s %s %s %s at %r placed by its label (harmonize.untimed_window)",
            untimed.name,
            untimed.label,
            row.effect_id,
            row.study_id,
            row.instrument,
            row.subscale,
            row.timepoint,
        )
    return out


def _typed(df: pd.DataFrame, types: Mapping[str, str]) -> pd.DataFrame:
    """Fixed dtypes (text columns as ``str`` with nulls), so that empty and full tables share a schema."""
    out = df.reset_index(drop=True).copy()
    for column in out.columns:
        if column in types:
            values = out[column]
            if types[column] == "Int64":
                values = pd.to_numeric(values).round()
            out[column] = values.astype(types[column])
        else:
            out[column] = out[column].astype(object).where(out[column].notna(), None).astype("string")
    return out


def _outcome_reason(row: Row, item: _Resolved | None, has_comparator: bool, has_follow_up: bool) -> str:
    """Why an ``outcomes`` row fed no effect size, when no conversion rule said so."""
    if _weeks(row) == 0:
        if has_follow_up:
            return (
                "baseline row: not paired with the arm's follow-up results "
                "(a pre-post effect needs a mean and SD at both times)"
            )
        return "baseline row: no follow-up result of this arm to pair with"
    present = {c for c in _NUMERIC if st.value(row, c) is not None}
    if not present:
        return "direction only" if row.get("direction_reported") is not None else "no result reported"
    if present <= {"pct_change"}:
        return "percent change only (no SD)"
    if item is None or item.n is None:
        return "no sample size (n) for the result or the arm"
    continuous = bool(present & {"mean", "change_mean", "median"})
    if continuous and item.final is None and item.change is None:
        return "no SD and no way to derive it"
    if not has_comparator:
        return "single arm: no comparator" + (
            "" if item.change is not None else ", and no baseline for a pre-post effect"
        )
    return "no matching comparator result at this timepoint" + (
        "" if item.change is not None or not continuous else ", and no baseline for a pre-post effect"
    )


def _not_convertible(
    builder: _Builder, used: set[str], resolved: Mapping[str, _Resolved], registry: Registry
) -> pd.DataFrame:
    comparators = {(str(a["study_id"]), str(a["role"])) for a in builder.arms.values()}
    follow_ups = {_key(r) for r in builder.outcomes if _weeks(r) != 0}
    records = []
    for origin, rows in (("outcomes", builder.outcomes), ("contrasts", builder.contrasts)):
        for row in rows:
            where = st.input_row(row)
            if where in used:
                continue
            study = str(row["study_id"])
            if builder.reasons.get(where):
                reason = "; ".join(dict.fromkeys(builder.reasons[where]))
            else:
                reason = _outcome_reason(
                    row,
                    resolved.get(where),
                    (study, "comparator") in comparators and (study, "intervention") in comparators,
                    _key(row) in follow_ups,
                )
            subscale = registry.subscale(str(row["instrument"]), str(row["subscale"]))
            cells = (
                (*_NUMERIC, "n", "direction_reported", "value_qualifier")
                if origin == "outcomes"
                else ("estimate", "se", "ci_low", "ci_high", "p_value", "n")
            )
            records.append(
                {
                    "study_id": study,
                    "arm_id": row["arm_id"],
                    "comparator_arm_id": row.get("comparator_arm_id"),
                    "origin": origin,
                    "instrument": row["instrument"],
                    "subscale": row["subscale"],
                    "domain": subscale.domain,
                    "qol": registry.instrument(str(row["instrument"])).qol,
                    "timepoint": row["timepoint"],
                    "timepoint_weeks": _weeks(row),
                    "reason": reason,
                    "direction_reported": row.get("direction_reported"),
                    "pct_change": st.value(row, "pct_change"),
                    "value_qualifier": row.get("value_qualifier"),
                    "source_cells": row_cells(row, cells),
                    "source_sheet": row["source_sheet"],
                    "source_row": row["source_row"],
                    "input_rows": where,
                }
            )
            log.info(
                "not convertible %s (%s %s %s %s): %s",
                where,
                study,
                row["arm_id"],
                row["instrument"],
                row["subscale"],
                reason,
            )
    df = pd.DataFrame(records, columns=list(NotConvertible.columns()))
    return _typed(df, {"timepoint_weeks": "float64", "pct_change": "float64", "source_row": "Int64", "qol": "boolean"})


def _conversion_log(effects: Sequence[Effect]) -> pd.DataFrame:
    records = [
        {
            "effect_id": _effect_id(e),
            "step": step,
            "name": c.name,
            "description": c.description,
            "formula": c.formula,
            "source": c.source,
            "approximate": c.approximate,
        }
        for e in effects
        for step, c in enumerate(e.conversions, start=1)
    ]
    df = pd.DataFrame(records, columns=list(ConversionLog.columns())).sort_values(["effect_id", "step"])
    return _typed(df, {"step": "Int64", "approximate": "boolean"})


def harmonize(
    outcomes: pd.DataFrame, contrasts: pd.DataFrame, arms: pd.DataFrame, registry: Registry, config: Mapping[str, Any]
) -> Harmonized:
    """Convert the clean results into signed effect sizes (see the module docstring)."""
    settings = HarmonizeSettings.from_config(config)
    unknown = set(settings.pre_post_r_by_study) - set(arms["study_id"].astype(str))
    if unknown:
        log.warning("harmonize.pre_post_r_by_study names studies without arms: %s", ", ".join(sorted(unknown)))
    builder = _Builder(outcomes, contrasts, arms, registry, settings)
    resolved = builder.run()
    rows = {st.input_row(r): r for r in (*builder.outcomes, *builder.contrasts)}
    roles = {key: str(a["role"]) for key, a in builder.arms.items()}
    effects = _effects_table(builder.effects, registry, rows, roles, settings)
    used = {key for e in builder.effects for key in e.input_rows}
    not_convertible = _not_convertible(builder, used, resolved, registry)
    log.info(
        "%d effect sizes (%d selected) from %d outcome and %d contrast rows; %d rows not convertible",
        len(effects),
        int(effects["selected"].sum()),
        len(builder.outcomes),
        len(builder.contrasts),
        len(not_convertible),
    )
    return Harmonized(effects, not_convertible, _conversion_log(builder.effects))


def run(inputs: Files, outputs: Files, settings: Settings) -> Harmonized:
    """The harmonize rule: read the clean tables and the registry, write the three tables.

    ``inputs``: outcomes, contrasts, arms (clean), instruments. ``outputs``: effect_sizes,
    not_convertible, conversion_log. ``settings``: the ``harmonize`` section.
    """
    result = harmonize(
        read_table(inputs["outcomes"]),
        read_table(inputs["contrasts"]),
        read_table(inputs["arms"]),
        load_registry(inputs["instruments"]),
        settings,
    )
    write_table(result.effect_sizes, outputs["effect_sizes"], EffectSizes)
    write_table(result.not_convertible, outputs["not_convertible"], NotConvertible)
    write_table(result.conversion_log, outputs["conversion_log"], ConversionLog)
    return result
