"""Validate the normalised sheets with pandera (lazily, collecting every failure) and map each failure
back to its Excel cell.

Per sheet, a pandera ``DataFrameSchema`` derived from :mod:`qolreview.workbook.spec` checks required
columns, empty required values, ranges, closed vocabularies and unique keys; cross-column and
cross-sheet rules (referential integrity, ordered confidence limits and quartiles, ``n_arm <= n_total``,
instrument score ranges from the registry) are added as named column checks, so every failure names
one cell. Suspicious but possible data become warnings instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from qolreview.instruments import Registry
from qolreview.workbook.problems import MAX_LISTED, Problem, quote_value, unlisted
from qolreview.workbook.spec import OUTCOME_VALUES, RATIO_STATISTICS, Column, Sheet

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
        if column.closed:
            allowed = list(column.vocabulary)
            rules.append(
                ColumnRule(
                    column.name,
                    f"vocabulary:{column.name}",
                    lambda s, a=allowed: s.isin(a),
                    _got(f"must be one of {vocabulary_text(column)}"),
                )
            )
    return rules


def vocabulary_text(column: Column) -> str:
    """The allowed values of a closed vocabulary, naming the declaration when the review declares it:
    ``adults, children (review.vocabularies.population)``."""
    values = ", ".join(column.vocabulary)
    return values if column.review_vocabulary is None else f"{values} (review.vocabularies.{column.review_vocabulary})"


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
    return rules + _spread_rules(frame, registry)


SPREAD_COLUMNS = {
    "sd": (1, False),
    "baseline_sd": (1, False),
    "change_sd": (2, False),
    "se": (1, True),
    "change_se": (2, True),
}
"""Outcome columns bounded by the instrument's range -> (span of the values in widths of the range: scores
span one width, changes two, from -width to +width; whether the column is an SE of the mean)."""


def max_spread(width: np.ndarray, n: np.ndarray, se: bool) -> np.ndarray:
    """The largest sample SD (or SE of the mean, ``se``) of ``n`` values lying within a range of ``width``:
    width/2 * sqrt(n/(n-1)), half the values at each end: Popoviciu's inequality (1935) bounds the population
    variance by width^2/4, and the sample variance is n/(n-1) times it. A missing n, or n < 2, counts as 2, the
    loosest bound: width/sqrt(2)."""
    n = np.where(np.isnan(n) | (n < 2), 2.0, n)
    sd = width / 2 * np.sqrt(n / (n - 1))
    return sd / np.sqrt(n) if se else sd


def _spread_rules(frame: pd.DataFrame, registry: Registry) -> list[ColumnRule]:
    """SDs and SEs no larger than values within the subscale's range allow (an SD of 1e308 is a typo)."""

    def widths(index: pd.Index) -> np.ndarray:
        pairs = zip(frame.loc[index, "instrument"], frame.loc[index, "subscale"], strict=True)
        known = registry.instruments
        return np.array(
            [known[i].subscales[s].width if i in known and s in known[i].subscales else np.nan for i, s in pairs],
            dtype=float,
        )

    def limits(index: pd.Index, column: str) -> np.ndarray:
        span, se = SPREAD_COLUMNS[column]
        n = frame.loc[index, "n"].to_numpy(dtype=float, na_value=np.nan)
        return max_spread(span * widths(index), n, se)

    def check(column: str) -> Predicate:
        return lambda values: (
            ~pd.Series(values.to_numpy(dtype=float) > limits(values.index, column), index=values.index)
        )

    def message(column: str) -> Message:
        def text(idx: object, value: object) -> str:
            limit = float(limits(pd.Index([idx]), column)[0])
            inst, sub = frame.at[idx, "instrument"], frame.at[idx, "subscale"]
            spec = registry.instruments[inst].subscales[sub]
            n = frame.at[idx, "n"]
            of_n = f"n = {quote_value(n)}" if pd.notna(n) and n >= 2 else "n = 2, the loosest bound (n unknown)"
            kind = "SE of the mean" if SPREAD_COLUMNS[column][1] else "SD"
            scale = f"the {inst} {sub} range {spec.describe_ranges()}"
            values = (
                f"changes within ±{quote_value(spec.width)} (the width of {scale})"
                if SPREAD_COLUMNS[column][0] == 2
                else f"scores within {scale}"
            )
            return f"must be <= {limit:.4g}, the largest {kind} possible for {of_n} {values}, got {quote_value(value)}"

        return text

    return [
        ColumnRule(column, f"spread:{column}", check(column), message(column))
        for column in SPREAD_COLUMNS
        if column in frame.columns and "n" in frame.columns
    ]


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
        rules += _ratio_rules(frame)
        rules += _basis_rules(frame)
    if name in ("outcomes", "contrasts"):
        rules += _registry_rules(frame, registry, scores=name == "outcomes")
    return rules


def _ratio_rules(frame: pd.DataFrame) -> list[ColumnRule]:
    """A ratio (statistic rr, or, hr) and its confidence limits must be > 0: a ratio's log is analysed."""
    if "statistic" not in frame.columns:
        return []

    def positive(values: pd.Series) -> pd.Series:
        ratio = frame.loc[values.index, "statistic"].isin(RATIO_STATISTICS)
        return (~(ratio & (values <= 0))).fillna(True).astype(bool)

    def message(idx: object, value: object) -> str:
        return f"must be > 0 for a ratio (statistic {frame.at[idx, 'statistic']}), got {quote_value(value)}"

    return [
        ColumnRule(column, f"ratio:{column}", positive, message)
        for column in ("estimate", "ci_low", "ci_high")
        if column in frame.columns
    ]


CONTINUOUS_STATISTICS = ("md", "ls_md", "smd")
"""Contrast statistics of continuous outcomes: the only ones with an ``outcome_basis``."""


def _basis_rules(frame: pd.DataFrame) -> list[ColumnRule]:
    """``outcome_basis`` (change or final values) is stated only for a continuous contrast (md, ls_md, smd)."""
    if not {"statistic", "outcome_basis"} <= set(frame.columns):
        return []

    def continuous(values: pd.Series) -> pd.Series:
        return frame.loc[values.index, "statistic"].isin(CONTINUOUS_STATISTICS).fillna(True).astype(bool)

    def message(idx: object, value: object) -> str:
        return (
            f"applies to {', '.join(CONTINUOUS_STATISTICS)} only (statistic {frame.at[idx, 'statistic']}), "
            f"got {quote_value(value)}"
        )

    return [ColumnRule("outcome_basis", "basis:outcome_basis", continuous, message)]


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
    limit: int = MAX_LISTED,
) -> list[Problem]:
    """Run the sheet's pandera schema lazily and turn every failure case into a located problem; repeated
    keys are found separately, in linear time. At most ``limit`` problems are listed, then one counting the
    others."""
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
    keyed = set(spec.key) <= set(present)
    repeated = frame.duplicated(list(spec.key), keep="first").to_numpy() if keyed else np.zeros(len(frame), bool)
    try:
        pa.DataFrameSchema(columns, strict=False).validate(frame[list(present)], lazy=True)
        cases = pd.DataFrame(columns=["check", "column", "failure_case", "index"])
    except SchemaErrors as exc:
        cases = exc.failure_cases
    found = itertools.chain(
        _duplicate_keys(spec, frame, repeated, label, sheet_name), _problems(frame, cases, by_name, label, sheet_name)
    )
    problems = list(itertools.islice(found, limit))
    more = int(repeated.sum()) + len(cases) - len(problems)
    return [*problems, unlisted(label, sheet_name, more)] if more else problems


class _Cells:
    """The address (``F17``) of a clean table's cell by row index and column, from its ``cell_<column>``
    values (``outcomes!F17``) read once per column: no pandas lookup per cell."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        self._columns: dict[str, np.ndarray] = {}

    def __call__(self, idx: object, column: str) -> str:
        values = self._columns.get(column)
        if values is None:
            values = self._columns[column] = self._frame[f"cell_{column}"].to_numpy(dtype=object)
        return str(values[self._frame.index.get_loc(idx)]).split("!", 1)[1]


def _problems(
    frame: pd.DataFrame,
    cases: pd.DataFrame,
    rules: Mapping[str, ColumnRule],
    label: str,
    sheet_name: str,
) -> Iterator[Problem]:
    """One located problem per pandera failure case, lazily."""
    cell = _Cells(frame)
    for case in cases.itertuples(index=False):
        check, column, value, idx = str(case.check), case.column, _as_value(case.failure_case), case.index
        if check == "column_in_dataframe":
            yield Problem(
                label, "required column is missing", sheet=sheet_name, column=str(value), rule="missing_column"
            )
        elif check == "not_nullable":
            yield Problem(
                label, "must not be empty", sheet=sheet_name, cell=cell(idx, column), column=column, rule="not_null"
            )
        elif check in rules:
            rule = rules[check]
            yield Problem(
                label,
                rule.message(idx, value),
                sheet=sheet_name,
                cell=cell(idx, rule.column),
                column=rule.column,
                rule=check.split(":")[0],
            )
        else:
            yield Problem(
                label,
                f"failed check {check}, got {quote_value(value)}",
                sheet=sheet_name,
                cell=cell(idx, column) if column and idx is not None else None,
                column=column,
                rule="check",
            )


def _duplicate_keys(
    spec: Sheet, frame: pd.DataFrame, repeated: np.ndarray, label: str, sheet_name: str
) -> Iterator[Problem]:
    """A problem at every ``repeated`` key (all but the first occurrence), naming the key's first row, lazily:
    linear in the rows (one ``groupby``), where asking pandas for the first row of each repeat was quadratic."""
    if not repeated.any():
        return
    key = list(spec.key)
    first_row = frame.groupby(key, dropna=False, sort=False)["source_row"].transform("first").to_numpy()[repeated]
    cell = _Cells(frame)
    names = ", ".join(key)
    rows = zip(
        frame.index[repeated], frame.loc[repeated, key].itertuples(index=False, name=None), first_row, strict=True
    )
    for idx, values, first in rows:
        shown = ", ".join(quote_value(_as_value(v)) for v in values)
        yield Problem(
            label,
            f"duplicate key ({names}) = ({shown}); first in row {int(first)}",
            sheet=sheet_name,
            cell=cell(idx, key[0]),
            column=key[0],
            rule="unique",
        )


def validate_tables(
    tables: Mapping[str, pd.DataFrame],
    present: Mapping[str, Sequence[str]],
    sheet_names: Mapping[str, str],
    label: str,
    registry: Registry,
    sheets: Sequence[Sheet],
    limit: int = MAX_LISTED,
) -> list[Problem]:
    """Problems of every sheet read against the contract ``sheets`` (a review's: its declared vocabularies; missing
    sheets are reported by the caller), at most ``limit`` listed."""
    problems: list[Problem] = []
    for spec in sheets:
        if spec.name not in tables:
            continue
        frame = tables[spec.name]
        rules = contract_rules(spec) + cross_rules(spec.name, frame, tables, registry)
        usable = [r for r in rules if r.column in present[spec.name]]
        left = max(limit - len(problems), 0)
        problems += validate_sheet(spec, frame, present[spec.name], usable, label, sheet_names[spec.name], left)
    return problems


def warnings(tables: Mapping[str, pd.DataFrame], sheet_names: Mapping[str, str], label: str) -> list[Problem]:
    """Plausible but suspicious data: arm sizes not adding up, studies without results, uncited sources,
    confidence intervals with identical limits, arms of two studies reporting the same numbers."""
    found = _identical_limits(tables, sheet_names, label) + _duplicate_studies(tables, sheet_names, label)
    cell = {name: _Cells(frame) for name, frame in tables.items()}
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
                        cell=cell["studies"](idx, "n_total"),
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
                        cell=cell["studies"](idx, "study_id"),
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
                        cell=cell["sources"](idx, "source_id"),
                        column="source_id",
                        rule="warning",
                    )
                )
    return found


CONFIDENCE_LIMITS = {
    "outcomes": (("ci_low", "ci_high"), ("change_ci_low", "change_ci_high")),
    "contrasts": (("ci_low", "ci_high"),),
}
"""Sheet -> its pairs of confidence limits."""


def _identical_limits(tables: Mapping[str, pd.DataFrame], sheet_names: Mapping[str, str], label: str) -> list[Problem]:
    """A confidence interval whose limits are equal ("95% CI 0.66 to 0.66"): a width of zero, so an SE
    derived from it is zero; usually a transcription slip."""
    found = []
    for name, pairs in CONFIDENCE_LIMITS.items():
        frame = tables.get(name)
        if frame is None:
            continue
        cell = _Cells(frame)
        for low, high in (pair for pair in pairs if set(pair) <= set(frame.columns)):
            for idx in frame.index[(frame[low] == frame[high]).fillna(False).astype(bool)]:
                value = quote_value(_as_value(frame.at[idx, low]))
                found.append(
                    Problem(
                        label,
                        f"the confidence limits are identical ({value} to {value}, {high} in "
                        f"{cell(idx, high)}): the interval has no width, so no SE can be derived from it",
                        sheet=sheet_names[name],
                        cell=cell(idx, low),
                        column=low,
                        rule="warning",
                    )
                )
    return found


ARM_NUMBERS = ("instrument", "subscale", "timepoint", "n", *OUTCOME_VALUES)
"""The columns of ``outcomes`` whose values, over all of an arm's rows, identify what the arm reports (the
first four say what and when, the others the results)."""


def _duplicate_studies(tables: Mapping[str, pd.DataFrame], sheet_names: Mapping[str, str], label: str) -> list[Problem]:
    """An arm reporting exactly the numbers of an arm of another study: the same study entered twice under
    two ids? Arms whose rows give nothing beyond n are not compared."""
    outcomes = tables.get("outcomes")
    if outcomes is None or not {"study_id", "arm_id", *ARM_NUMBERS} <= set(outcomes.columns):
        return []
    values = outcomes[list(ARM_NUMBERS)].astype(object).where(outcomes[list(ARM_NUMBERS)].notna(), None)
    arms: dict[tuple[object, object], list[tuple[object, ...]]] = {}
    first: dict[tuple[object, object], tuple[object, int]] = {}
    keys = zip(outcomes["study_id"], outcomes["arm_id"], outcomes.index, outcomes["source_row"], strict=True)
    for (study, arm, idx, row), numbers in zip(keys, values.itertuples(index=False, name=None), strict=True):
        arms.setdefault((study, arm), []).append(numbers)
        first.setdefault((study, arm), (idx, int(row)))
    seen: dict[tuple[tuple[object, ...], ...], tuple[object, object]] = {}
    cell = _Cells(outcomes)
    found = []
    for (study, arm), rows in arms.items():
        if all(v is None for numbers in rows for v in numbers[4:]):  # nothing beyond outcome, timepoint and n
            continue
        other = seen.setdefault(tuple(sorted(rows, key=repr)), (study, arm))
        if other[0] != study:
            found.append(
                Problem(
                    label,
                    f"arm {quote_value(arm)} of study {quote_value(study)} reports the same numbers as arm "
                    f"{quote_value(other[1])} of study {quote_value(other[0])} (from row {first[other][1]}): "
                    "the same study entered twice?",
                    sheet=sheet_names["outcomes"],
                    cell=cell(first[(study, arm)][0], "study_id"),
                    column="study_id",
                    rule="warning",
                )
            )
    return found
