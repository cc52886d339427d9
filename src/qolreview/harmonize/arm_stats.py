"""Mean, SD and n of one arm's scores, resolved from an ``outcomes`` row with every conversion recorded.

An ``outcomes`` row may report final (follow-up) values, change from baseline, or both, each with an SD,
an SE, a 95% CI or a median and IQR. The functions here turn what is reported into :class:`Scores` (mean,
SD, n on one basis) and keep, for an auditor, the cells read and the conversions applied.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

import pandas as pd

from qolreview.harmonize import conversions as cv
from qolreview.harmonize.conversions import Conversion
from qolreview.provenance import cell
from qolreview.tables import RSource

_T = TypeVar("_T")
Basis = Literal["change", "final"]

#: Ranks of the ways an SD is obtained, best first (used to choose between change and final values).
SD_FROM_REPORT = 0
"""The SD is reported or follows exactly from a reported SE or CI."""
SD_APPROXIMATE = 1
"""The SD (and mean) are estimated from a median and IQR (Wan et al. 2014)."""
SD_ASSUMED_R = 2
"""The change SD is computed from baseline and follow-up SDs with an assumed correlation."""


def value(row: Mapping[str, object], column: str) -> float | None:
    """A numeric cell as float, or None when empty or absent."""
    raw = row.get(column)
    if raw is None or raw is pd.NA:
        return None
    number = float(raw)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def input_row(row: Mapping[str, object]) -> str:
    """``sheet:row`` key of a clean row (``outcomes:12``), used to account for every input row."""
    return f"{row['source_sheet']}:{int(row['source_row'])}"  # type: ignore[call-overload]


@dataclass(frozen=True)
class Quantity:
    """A number with the cells it was read from and the conversions that produced it."""

    value: float
    cells: tuple[str, ...]
    conversions: tuple[Conversion, ...] = ()


@dataclass(frozen=True)
class Correlation:
    """The pre-post correlation used for a row, and where it came from."""

    r: float
    source: RSource
    cells: tuple[str, ...] = ()
    conversions: tuple[Conversion, ...] = ()


@dataclass(frozen=True)
class Scores:
    """Mean, SD and n of one arm on one basis (change from baseline or final values)."""

    basis: Basis
    mean: Quantity
    sd: Quantity
    n: Quantity
    sd_rank: int
    rows: tuple[str, ...]
    correlation: Correlation | None = None

    @property
    def cells(self) -> tuple[str, ...]:
        return _unique(
            self.mean.cells + self.sd.cells + self.n.cells + (self.correlation.cells if self.correlation else ())
        )

    @property
    def conversions(self) -> tuple[Conversion, ...]:
        return _unique(
            self.mean.conversions
            + self.sd.conversions
            + self.n.conversions
            + (self.correlation.conversions if self.correlation else ())
        )

    @property
    def approximate(self) -> bool:
        return any(c.approximate for c in self.conversions)


@dataclass(frozen=True)
class MeanWithSE:
    """A mean change with its standard error, for a result whose number of participants is unknown: enough for
    the raw mean change (variance SE²) but not for a standardised one."""

    mean: Quantity
    se: Quantity
    rows: tuple[str, ...]

    @property
    def cells(self) -> tuple[str, ...]:
        return _unique(self.mean.cells + self.se.cells)


def _unique(items: tuple[_T, ...]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys(items))


def sample_size(row: Mapping[str, object], arm: Mapping[str, object] | None) -> Quantity | None:
    """The row's ``n``; otherwise the arm's ``n_arm`` from the ``arms`` sheet (recorded as a conversion)."""
    n = value(row, "n")
    if n is not None:
        return Quantity(n, (cell(row, "n"),))
    n_arm = value(arm, "n_arm") if arm is not None else None
    if n_arm is None:
        return None
    taken = Conversion(
        "n_from_arm",
        "n = n_arm (participants in the arm; the result's own n is not reported)",
        "arms sheet",
        False,
        "number of participants taken from the arm",
    )
    return Quantity(n_arm, (cell(arm, "n_arm"),), (taken,))  # type: ignore[arg-type]


def _sd(row: Mapping[str, object], sd_col: str, se_col: str, lo_col: str, hi_col: str, n: Quantity) -> Quantity | None:
    """An SD reported directly, or from an SE (Cochrane Handbook 6.5.2.2), or from a 95% CI (6.5.2.2)."""
    sd = value(row, sd_col)
    if sd is not None:
        return Quantity(sd, (cell(row, sd_col),))
    se = value(row, se_col)
    if se is not None:
        sd_value, conversion = cv.sd_from_se(se, n.value)
        return Quantity(float(sd_value), (cell(row, se_col), *n.cells), (conversion,))
    lo, hi = value(row, lo_col), value(row, hi_col)
    if lo is not None and hi is not None:
        sd_value, conversion = cv.sd_from_ci(lo, hi, n.value)
        return Quantity(float(sd_value), (cell(row, lo_col), cell(row, hi_col), *n.cells), (conversion,))
    return None


def final_scores(row: Mapping[str, object], n: Quantity) -> Scores | None:
    """Follow-up mean and SD: reported mean with its SD/SE/CI, else Wan et al. (2014) from median and IQR."""
    mean = value(row, "mean")
    if mean is not None:
        sd = _sd(row, "sd", "se", "ci_low", "ci_high", n)
        if sd is not None:
            return Scores("final", Quantity(mean, (cell(row, "mean"),)), sd, n, SD_FROM_REPORT, (input_row(row),))
    median, q1, q3 = value(row, "median"), value(row, "q1"), value(row, "q3")
    if median is None or q1 is None or q3 is None:
        return None
    (est_mean, est_sd), conversion = cv.mean_sd_from_median_iqr(median, q1, q3, n.value)
    cells = (cell(row, "median"), cell(row, "q1"), cell(row, "q3"), *n.cells)
    return Scores(
        "final",
        Quantity(float(est_mean), cells, (conversion,)),
        Quantity(float(est_sd), cells, (conversion,)),
        n,
        SD_APPROXIMATE,
        (input_row(row),),
    )


def baseline_scores(row: Mapping[str, object], baseline_row: Mapping[str, object] | None, n: Quantity) -> Scores | None:
    """Baseline mean and SD: the row's own ``baseline_mean``/``baseline_sd``, else the arm's baseline row."""
    mean, sd = value(row, "baseline_mean"), value(row, "baseline_sd")
    if mean is not None and sd is not None:
        return Scores(
            "final",
            Quantity(mean, (cell(row, "baseline_mean"),)),
            Quantity(sd, (cell(row, "baseline_sd"),)),
            n,
            SD_FROM_REPORT,
            (input_row(row),),
        )
    if baseline_row is None:
        return None
    base_n = sample_size(baseline_row, None) or n
    return final_scores(baseline_row, base_n)


def correlation(
    row: Mapping[str, object],
    baseline: Scores | None,
    final: Scores | None,
    study_r: Mapping[str, float],
    default_r: float,
) -> Correlation:
    """The pre-post correlation for a row, by priority.

    1. ``pre_post_r`` reported for the outcome;
    2. derived from the baseline, follow-up and change SDs when all three are reported
       (Cochrane Handbook 6.5.2.8);
    3. ``harmonize.pre_post_r_by_study`` for the study;
    4. ``harmonize.pre_post_r`` (default 0.5).
    """
    reported = value(row, "pre_post_r")
    if reported is not None:
        return Correlation(reported, "reported", (cell(row, "pre_post_r"),))
    change_sd = value(row, "change_sd")
    if (
        change_sd is not None
        and baseline is not None
        and final is not None
        and not baseline.sd.conversions
        and not final.sd.conversions
    ):
        r, conversion = cv.correlation_from_sds(baseline.sd.value, final.sd.value, change_sd)
        if -1 < float(r) < 1:
            return Correlation(
                float(r),
                "derived_from_sds",
                _unique(baseline.sd.cells + final.sd.cells + (cell(row, "change_sd"),)),
                (conversion,),
            )
    study = str(row["study_id"])
    if study in study_r:
        return Correlation(float(study_r[study]), "study_override")
    return Correlation(float(default_r), "default")


def change_scores(
    row: Mapping[str, object], n: Quantity, baseline: Scores | None, final: Scores | None, r: Correlation
) -> Scores | None:
    """Mean change from baseline and its SD.

    The mean is ``change_mean``, else follow-up minus baseline mean. The SD is ``change_sd``, or from
    ``change_se``/the change CI (Cochrane Handbook 6.5.2.2), else from the baseline and follow-up SDs
    and the correlation r: √(sd_b² + sd_f² − 2·r·sd_b·sd_f) (Handbook 6.5.2.8).
    """
    reported_mean = value(row, "change_mean")
    rows = (input_row(row),)
    if reported_mean is not None:
        mean = Quantity(reported_mean, (cell(row, "change_mean"),))
    elif baseline is not None and final is not None:
        difference = Conversion(
            "change_from_means",
            "change = follow-up mean - baseline mean",
            "Cochrane Handbook 6.5.2.8",
            False,
            "mean change from baseline and follow-up means",
        )
        mean = Quantity(
            final.mean.value - baseline.mean.value,
            _unique(final.mean.cells + baseline.mean.cells),
            _unique(final.mean.conversions + baseline.mean.conversions + (difference,)),
        )
        rows = _unique(final.rows + baseline.rows)
    else:
        return None
    sd = _sd(row, "change_sd", "change_se", "change_ci_low", "change_ci_high", n)
    if sd is not None:
        return Scores("change", mean, sd, n, SD_FROM_REPORT, rows)
    if baseline is None or final is None:
        return None
    sd_value, conversion = cv.change_sd(baseline.sd.value, final.sd.value, r.r)
    sd = Quantity(
        float(sd_value),
        _unique(baseline.sd.cells + final.sd.cells),
        _unique(baseline.sd.conversions + final.sd.conversions + (conversion,)),
    )
    rank = SD_FROM_REPORT if r.source in ("reported", "derived_from_sds") else SD_ASSUMED_R
    rank = max(rank, baseline.sd_rank, final.sd_rank)
    return Scores("change", mean, sd, n, rank, _unique(rows + final.rows + baseline.rows), r)


def change_with_se(row: Mapping[str, object]) -> MeanWithSE | None:
    """``change_mean`` with ``change_se``, or with the SE from the change's 95% CI, (hi − lo)/(2·z) (Cochrane
    Handbook 6.5.2.2 :cite:`higgins2023ch6`, with the normal quantile: without n no t quantile can be chosen, and
    a t-based interval then gives a larger SE, never a smaller one). None without a mean change or its SE."""
    mean = value(row, "change_mean")
    if mean is None:
        return None
    mean_quantity = Quantity(mean, (cell(row, "change_mean"),))
    se = value(row, "change_se")
    if se is not None:
        return MeanWithSE(mean_quantity, Quantity(se, (cell(row, "change_se"),)), (input_row(row),))
    lo, hi = value(row, "change_ci_low"), value(row, "change_ci_high")
    if lo is None or hi is None:
        return None
    se_value, conversion = cv.se_from_ci(lo, hi)
    cells = (cell(row, "change_ci_low"), cell(row, "change_ci_high"))
    return MeanWithSE(mean_quantity, Quantity(float(se_value), cells, (conversion,)), (input_row(row),))
