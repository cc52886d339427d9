"""Validate the normalised sheets with pandera (lazily, collecting every failure) and map each failure
back to its Excel cell.

Per sheet, a pandera ``DataFrameSchema`` derived from :mod:`qolreview.workbook.spec` checks required
columns, empty required values, ranges, closed vocabularies and unique keys; cross-column and
cross-sheet rules (referential integrity, ordered confidence limits and quartiles, ``n_arm <= n_total``,
instrument score ranges from the registry) are added as named column checks, so every failure names
one cell. Suspicious but possible data become warnings instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from qolreview.instruments import Registry
from qolreview.workbook.problems import Problem, quote_value
from qolreview.workbook.spec import SHEETS, Column, Sheet

Predicate = Callable[[pd.Series], pd.Series]
Message = Callable[[object, object], str]
"""(row index, failing value) -> message."""


@dataclass(frozen=True)
class ColumnRule:
    """A named check on one column, with the message of a failure."""

    column: str
    name: str
    predicate: Predicate
    message: Message


def _got(text: str) -> Message:
    return lambda _idx, value: f"{text}, got {quote_value(value)}"


def range_text(column: Column) -> str | None:
    """``must be > 0``, ``must be >= 0 and <= 100``... for a column with bounds, else None."""
    parts = []
    if column.minimum is not None:
        parts.append(f"{'>' if column.exclusive_minimum else '>='} {quote_value(float(column.minimum))}")
    if column.maximum is not None:
        parts.append(f"{'<' if column.exclusive_maximum else '<='} {quote_value(float(column.maximum))}")
    return f"must be {' and '.join(parts)}" if parts else None


def _range_predicate(column: Column) -> Predicate:
    def check(values: pd.Series) -> pd.Series:
        ok = pd.Series(True, index=values.index)
        if column.minimum is not None:
            ok &= values > column.minimum if column.exclusive_minimum else values >= column.minimum
        if column.maximum is not None:
            ok &= values < column.maximum if column.exclusive_maximum else values <= column.maximum
        return ok

    return check


def contract_rules(sheet: Sheet) -> list[ColumnRule]:
    """Range and closed-vocabulary rules of the contract."""
    rules = []
    for column in sheet.columns:
        text = range_text(column)
        if text is not None:
            rules.append(ColumnRule(column.name, f"range:{column.name}", _range_predicate(column), _got(text)))
        if column.vocabulary and not column.open_vocabulary:
            allowed = list(column.vocabulary)
            rules.append(
                ColumnRule(
                    column.name,
                    f"vocabulary:{column.name}",
                    lambda s, a=allowed: s.isin(a),
                    _got(f"must be one of {', '.join(allowed)}"),
                )
            )
    return rules


def _ordered(frame: pd.DataFrame, low: str, mid: str, high: str) -> list[ColumnRule]:
    """``low <= mid <= high`` where reported; ``low <= high`` when ``mid`` is missing."""
    if not {low, mid, high} <= set(frame.columns):
        return []

    def le(a: str, b: str, only_if_missing: str | None = None) -> Predicate:
        def check(values: pd.Series) -> pd.Series:
            rows = frame.loc[values.index]
            ok = ~(rows[a] > rows[b]).fillna(False)
            if only_if_missing is not None:
                ok |= rows[only_if_missing].notna()
            return ok.astype(bool)

        return check

    def ge(a: str, b: str) -> Predicate:
        return lambda values: ~(frame.loc[values.index, a] < frame.loc[values.index, b]).fillna(False).astype(bool)

    return [
        ColumnRule(
            low,
            f"order:{low}<={mid}",
            le(low, mid),
            lambda idx, value: f"must be <= {mid} ({quote_value(frame.at[idx, mid])}), got {quote_value(value)}",
        ),
        ColumnRule(
            high,
            f"order:{high}>={mid}",
            ge(high, mid),
            lambda idx, value: f"must be >= {mid} ({quote_value(frame.at[idx, mid])}), got {quote_value(value)}",
        ),
        ColumnRule(
            low,
            f"order:{low}<={high}",
            le(low, high, only_if_missing=mid),
            lambda idx, value: f"must be <= {high} ({quote_value(frame.at[idx, high])}), got {quote_value(value)}",
        ),
    ]


def _in_keys(frame: pd.DataFrame, column: str, keys: set[object], what: str) -> ColumnRule:
    return ColumnRule(
        column,
        f"reference:{column}",
        lambda s: s.isin(list(keys)),
        lambda _idx, value: f"{what} {quote_value(value)} is not in {_sheet_of(what)}",
    )


def _sheet_of(what: str) -> str:
    return {"study": "studies", "source": "sources"}[what]


def _arm_rule(frame: pd.DataFrame, column: str, arms: pd.DataFrame) -> ColumnRule:
    pairs = set(zip(arms["study_id"], arms["arm_id"], strict=True))

    def check(values: pd.Series) -> pd.Series:
        studies = frame.loc[values.index, "study_id"]
        return pd.Series(
            [(s, a) in pairs for s, a in zip(studies, values, strict=True)], index=values.index, dtype=bool
        )

    return ColumnRule(
        column,
        f"reference:{column}",
        check,
        lambda idx, value: f"arm {quote_value(value)} is not in arms of study {quote_value(frame.at[idx, 'study_id'])}",
    )


def _registry_rules(frame: pd.DataFrame, registry: Registry, scores: bool) -> list[ColumnRule]:
    """Known instrument and subscale; with ``scores`` (outcomes), scores within the subscale's range and
    mean changes within its width."""
    known = list(registry.names)
    rules = [
        ColumnRule(
            "instrument",
            "registry:instrument",
            lambda s: s.isin(known),
            lambda _i, v: f"unknown instrument {quote_value(v)}; known: {', '.join(known)}",
        )
    ]

    def subscale_known(values: pd.Series) -> pd.Series:
        inst = frame.loc[values.index, "instrument"]
        return pd.Series(
            [
                i not in registry.instruments or s in registry.instruments[i].subscales
                for i, s in zip(inst, values, strict=True)
            ],
            index=values.index,
            dtype=bool,
        )

    def subscale_message(idx: object, value: object) -> str:
        inst = frame.at[idx, "instrument"]
        return f"unknown subscale {quote_value(value)} of {inst}; known: {', '.join(registry.subscale_names(inst))}"

    rules.append(ColumnRule("subscale", "registry:subscale", subscale_known, subscale_message))

    def subscale_at(idx: object):
        inst, sub = frame.at[idx, "instrument"], frame.at[idx, "subscale"]
        if inst in registry.instruments and sub in registry.instruments[inst].subscales:
            return registry.instruments[inst].subscales[sub]
        return None

    def within(change: bool) -> Predicate:
        def check(values: pd.Series) -> pd.Series:
            ok = pd.Series(True, index=values.index)
            rows = frame.loc[values.index, ["instrument", "subscale"]]
            for (inst, sub), idx in rows.groupby(["instrument", "subscale"], dropna=True).groups.items():
                if inst not in registry.instruments or sub not in registry.instruments[inst].subscales:
                    continue
                spec = registry.instruments[inst].subscales[sub]
                v = values.loc[idx]
                if change:
                    ok.loc[idx] = v.abs() <= spec.width
                else:
                    ok.loc[idx] = np.logical_or.reduce([(v >= lo) & (v <= hi) for lo, hi in spec.ranges])
            return ok

        return check

    def range_message(change: bool) -> Message:
        def message(idx: object, value: object) -> str:
            spec = subscale_at(idx)
            if change:
                return (
                    f"must lie within ±{quote_value(spec.width)} (width of the {spec.instrument} {spec.name} range "
                    f"{spec.describe_ranges()}), got {quote_value(value)}"
                )
            return (
                f"must lie within the {spec.instrument} {spec.name} range {spec.describe_ranges()}, "
                f"got {quote_value(value)}"
            )

        return message

    if not scores:
        return rules
    for column in ("mean", "median", "q1", "q3", "baseline_mean", "ci_low", "ci_high"):
        if column in frame.columns:
            rules.append(ColumnRule(column, f"score_range:{column}", within(False), range_message(False)))
    if "change_mean" in frame.columns:
        rules.append(ColumnRule("change_mean", "score_range:change_mean", within(True), range_message(True)))
    return rules


def cross_rules(
    name: str, frame: pd.DataFrame, tables: Mapping[str, pd.DataFrame], registry: Registry
) -> list[ColumnRule]:
    """Rules of one sheet that involve other columns or other sheets."""
    rules: list[ColumnRule] = []
    studies, arms, sources = tables.get("studies"), tables.get("arms"), tables.get("sources")
    if name != "studies" and "study_id" in frame.columns and studies is not None:
        rules.append(_in_keys(frame, "study_id", set(studies["study_id"].dropna()), "study"))
    if name != "sources" and "source_id" in frame.columns and sources is not None:
        rules.append(_in_keys(frame, "source_id", set(sources["source_id"].dropna()), "source"))
    if name in ("outcomes", "contrasts") and arms is not None:
        rules.append(_arm_rule(frame, "arm_id", arms))
        if name == "contrasts":
            rules.append(_arm_rule(frame, "comparator_arm_id", arms))
    if name == "arms" and studies is not None:
        totals = dict(zip(studies["study_id"], studies["n_total"], strict=True))

        def n_ok(values: pd.Series) -> pd.Series:
            total = frame.loc[values.index, "study_id"].map(totals).astype("Float64")
            return (~(values > total)).fillna(True).astype(bool)

        rules.append(
            ColumnRule(
                "n_arm",
                "n_arm<=n_total",
                n_ok,
                lambda idx, value: (
                    f"must be <= n_total of study {quote_value(frame.at[idx, 'study_id'])} "
                    f"({quote_value(totals.get(frame.at[idx, 'study_id']))}), got {quote_value(value)}"
                ),
            )
        )
    if name == "outcomes":
        rules += _ordered(frame, "ci_low", "mean", "ci_high")
        rules += _ordered(frame, "change_ci_low", "change_mean", "change_ci_high")
        rules += _ordered(frame, "q1", "median", "q3")
    if name == "contrasts":
        rules += _ordered(frame, "ci_low", "estimate", "ci_high")
    if name in ("outcomes", "contrasts"):
        rules += _registry_rules(frame, registry, scores=name == "outcomes")
    return rules


def _as_value(value: object) -> object:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


def validate_sheet(
    spec: Sheet,
    frame: pd.DataFrame,
    present: Sequence[str],
    rules: Sequence[ColumnRule],
    label: str,
    sheet_name: str,
) -> list[Problem]:
    """Run the sheet's pandera schema lazily and turn every failure case into a located problem."""
    by_name = {rule.name: rule for rule in rules}
    columns = {}
    for column in spec.columns:
        checks = [pa.Check(rule.predicate, name=rule.name) for rule in rules if rule.column == column.name]
        columns[column.name] = pa.Column(
            frame[column.name].dtype,
            checks=checks,
            nullable=not column.not_null,
            required=column.required,
            coerce=False,
        )
    unique = list(spec.key) if set(spec.key) <= set(present) else None
    schema = pa.DataFrameSchema(columns, unique=unique, report_duplicates="exclude_first", strict=False)
    try:
        schema.validate(frame[list(present)], lazy=True)
    except SchemaErrors as exc:
        return _problems(spec, frame, exc.failure_cases, by_name, label, sheet_name)
    return []


def _cell(frame: pd.DataFrame, idx: object, column: str) -> str:
    return str(frame.at[idx, f"cell_{column}"]).split("!", 1)[1]


def _problems(
    spec: Sheet,
    frame: pd.DataFrame,
    cases: pd.DataFrame,
    rules: Mapping[str, ColumnRule],
    label: str,
    sheet_name: str,
) -> list[Problem]:
    problems: list[Problem] = []
    duplicates: set[object] = set()
    for case in cases.itertuples(index=False):
        check, column, value, idx = str(case.check), case.column, _as_value(case.failure_case), case.index
        if check == "column_in_dataframe":
            problems.append(
                Problem(label, "required column is missing", sheet=sheet_name, column=str(value), rule="missing_column")
            )
        elif check == "multiple_fields_uniqueness" or check.startswith("field_uniqueness"):
            duplicates.add(idx)
        elif check == "not_nullable":
            problems.append(
                Problem(
                    label,
                    "must not be empty",
                    sheet=sheet_name,
                    cell=_cell(frame, idx, column),
                    column=column,
                    rule="not_null",
                )
            )
        elif check in rules:
            rule = rules[check]
            problems.append(
                Problem(
                    label,
                    rule.message(idx, value),
                    sheet=sheet_name,
                    cell=_cell(frame, idx, rule.column),
                    column=rule.column,
                    rule=check.split(":")[0],
                )
            )
        else:
            problems.append(
                Problem(
                    label,
                    f"failed check {check}, got {quote_value(value)}",
                    sheet=sheet_name,
                    cell=_cell(frame, idx, column) if column and idx is not None else None,
                    column=column,
                    rule="check",
                )
            )
    key = list(spec.key)
    for idx in sorted(duplicates, key=lambda i: int(frame.at[i, "source_row"])):
        values = tuple(frame.at[idx, k] for k in key)
        first = frame[(frame[key] == pd.Series(values, index=key)).all(axis=1)].index[0]
        problems.append(
            Problem(
                label,
                f"duplicate key ({', '.join(key)}) = ({', '.join(quote_value(_as_value(v)) for v in values)}); "
                f"first in row {int(frame.at[first, 'source_row'])}",
                sheet=sheet_name,
                cell=_cell(frame, idx, key[0]),
                column=key[0],
                rule="unique",
            )
        )
    return problems


def validate_tables(
    tables: Mapping[str, pd.DataFrame],
    present: Mapping[str, Sequence[str]],
    sheet_names: Mapping[str, str],
    label: str,
    registry: Registry,
) -> list[Problem]:
    """Problems of every sheet read (missing sheets are reported by the caller)."""
    problems: list[Problem] = []
    for spec in SHEETS:
        if spec.name not in tables:
            continue
        frame = tables[spec.name]
        rules = contract_rules(spec) + cross_rules(spec.name, frame, tables, registry)
        usable = [r for r in rules if r.column in present[spec.name]]
        problems += validate_sheet(spec, frame, present[spec.name], usable, label, sheet_names[spec.name])
    return problems


def warnings(tables: Mapping[str, pd.DataFrame], sheet_names: Mapping[str, str], label: str) -> list[Problem]:
    """Plausible but suspicious data: arm sizes not adding up, studies without results, uncited sources."""
    found: list[Problem] = []
    studies, arms = tables.get("studies"), tables.get("arms")
    if studies is not None and arms is not None:
        sums = arms.groupby("study_id")["n_arm"].agg(lambda s: s.sum() if s.notna().all() else pd.NA)
        for idx, row in studies.iterrows():
            total, arm_sum = row["n_total"], sums.get(row["study_id"], pd.NA)
            if pd.notna(total) and pd.notna(arm_sum) and int(arm_sum) != int(total):
                found.append(
                    Problem(
                        label,
                        f"the study's n_arm sum to {int(arm_sum)}, not n_total {int(total)}",
                        sheet=sheet_names["studies"],
                        cell=_cell(studies, idx, "n_total"),
                        column="n_total",
                        rule="warning",
                    )
                )
    if studies is not None:
        with_results: set[object] = set()
        for name in ("outcomes", "contrasts"):
            if name in tables:
                with_results |= set(tables[name]["study_id"].dropna())
        for idx, study in studies["study_id"].items():
            if pd.notna(study) and study not in with_results:
                found.append(
                    Problem(
                        label,
                        f"study {quote_value(study)} has no rows in outcomes or contrasts",
                        sheet=sheet_names["studies"],
                        cell=_cell(studies, idx, "study_id"),
                        column="study_id",
                        rule="warning",
                    )
                )
    sources = tables.get("sources")
    if sources is not None:
        cited: set[object] = set()
        for name, frame in tables.items():
            if name != "sources" and "source_id" in frame.columns:
                cited |= set(frame["source_id"].dropna())
        for idx, source in sources["source_id"].items():
            if pd.notna(source) and source not in cited:
                found.append(
                    Problem(
                        label,
                        f"source {quote_value(source)} is never cited",
                        sheet=sheet_names["sources"],
                        cell=_cell(sources, idx, "source_id"),
                        column="source_id",
                        rule="warning",
                    )
                )
    return found
