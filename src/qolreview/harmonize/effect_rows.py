"""Conversion rules: one signed effect size from one comparison of resolved inputs.

Every builder returns an :class:`Effect` signed so that a positive ``yi`` means better quality of life
for the arm in ``arm_id`` (between arms) or at follow-up (within an arm): the metafor orientation
(group 1 minus group 2, follow-up minus baseline) is kept and the sign is reversed when a higher score
is worse (``direction_flipped``). A builder that cannot convert its input returns the reason as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from qolreview.harmonize import conversions as cv
from qolreview.harmonize import effect_sizes as es
from qolreview.harmonize.arm_stats import Correlation, MeanWithSE, Quantity, Scores, input_row, value
from qolreview.harmonize.conversions import Conversion
from qolreview.provenance import cell
from qolreview.tables import Comparison
from qolreview.workbook.problems import format_number

#: Source preference when several rows give the same comparison (lower is preferred); see
#: docs/harmonize.md, "Selection".
PRIORITY = {
    ("outcomes", "SMD"): 0,
    ("contrasts", "SMD"): 1,
    ("outcomes", "RR"): 2,
    ("contrasts", "RR"): 3,
    ("contrasts", "OR"): 4,
    ("contrasts", "HR"): 5,
    ("contrasts", "RD"): 6,
    ("contrasts", "MD"): 7,
    ("outcomes", "SMCR"): 0,
    ("outcomes", "SMCC"): 0,
    ("outcomes", "MC"): 1,
}

#: Standardised measures, and the largest plausible magnitude of one: 10 SDs, more than ten times what Cohen
#: (1988, Statistical Power Analysis, ch. 2) calls a large effect (0.8). An SE typed as an SD inflates an SMD
#: by sqrt(n), which is how such values usually arise.
STANDARDISED = ("SMD", "SMCR", "SMCC")
MAX_ABS_STANDARDISED = 10.0

#: ``statistic`` of a contrast row -> its measure: ratios reported on the ratio scale (analysed as logs), ratios
#: reported on the log scale, and differences.
_RATIO = {"rr": "RR", "or": "OR", "hr": "HR"}
_LOG_RATIO = {"log_rr": "RR", "log_or": "OR", "log_hr": "HR"}
_DIFFERENCE = {"md": "MD", "ls_md": "MD", "rd": "RD", "smd": "SMD"}
DEFAULT_CI_LEVEL = 95.0
"""Confidence level (percent) of a contrast's limits when ``ci_level`` is empty."""


@dataclass(frozen=True)
class Context:
    """What a result is about: study, arms, outcome and timepoint."""

    study_id: str
    arm_id: str
    comparator_arm_id: str | None
    instrument: str
    subscale: str
    timepoint: str
    timepoint_weeks: float


@dataclass(frozen=True)
class Effect:
    """One effect size before windows, selection and identifiers are added."""

    context: Context
    comparison: Comparison
    origin: Literal["outcomes", "contrasts"]
    basis: str
    measure: str
    yi: float
    vi: float
    n1: float | None
    n2: float | None
    direction_flipped: bool
    conversions: tuple[Conversion, ...]
    source_cells: tuple[str, ...]
    input_rows: tuple[str, ...]
    r: Correlation | None = None
    md: float | None = None
    md_vi: float | None = None
    pct_change: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    outcome_basis: str | None = None
    """``change`` or ``final``: what a continuous effect compares (None when unknown or not continuous)."""

    @property
    def approximate(self) -> bool:
        return any(c.approximate for c in self.conversions)

    @property
    def priority(self) -> int:
        return PRIORITY[(self.origin, self.measure)]


def implausible(effect: Effect) -> str | None:
    """Why an effect cannot be used although it was computed: a variance that is zero (a CI whose limits
    equal the estimate, an SE of 0) or not finite, a non-finite estimate, or a standardised effect larger
    than ``MAX_ABS_STANDARDISED``; None when it is usable."""
    yi, vi = effect.yi, effect.vi
    if not (np.isfinite(yi) and np.isfinite(vi)):
        return f"{effect.measure} not finite (estimate {format_number(yi)}, variance {format_number(vi)})"
    if vi <= 0:
        return (
            f"{effect.measure} has a sampling variance of {format_number(vi)} (a CI whose limits equal the "
            "estimate, or an SE of 0), so it cannot be weighted"
        )
    if effect.measure in STANDARDISED and abs(yi) > MAX_ABS_STANDARDISED:
        return (
            f"implausible {effect.measure} of {yi:.3g} (more than {MAX_ABS_STANDARDISED:g} SDs): "
            "is an SE typed as an SD?"
        )
    return None


def _sign(flip: bool) -> float:
    return -1.0 if flip else 1.0


def _scalar(pair: tuple[np.ndarray, np.ndarray]) -> tuple[float, float]:
    return float(pair[0]), float(pair[1])


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def between_arms_continuous(ctx: Context, s1: Scores, s2: Scores, flip: bool) -> Effect | str:
    """Hedges' g (``SMD``) of arm 1 vs arm 2 on the same basis, with the raw MD in ``md``/``md_vi``.

    Cochrane Handbook 6.5.1; metafor ``escalc`` SMD and MD (:mod:`qolreview.harmonize.effect_sizes`).
    """
    args = (s1.mean.value, s1.sd.value, s1.n.value, s2.mean.value, s2.sd.value, s2.n.value)
    yi, vi = _scalar(es.smd(*args))
    md, md_vi = _scalar(es.md(*args))
    if not np.isfinite(yi):
        return "SMD undefined (zero SD or too few participants)"
    sign = _sign(flip)
    correlation = s1.correlation or s2.correlation
    return Effect(
        ctx,
        "between_arms",
        "outcomes",
        s1.basis,
        "SMD",
        sign * yi,
        vi,
        s1.n.value,
        s2.n.value,
        flip,
        _unique_conv(s1.conversions + s2.conversions),
        _unique(s1.cells + s2.cells),
        _unique(s1.rows + s2.rows),
        correlation,
        sign * md,
        md_vi,
        outcome_basis=s1.basis,
    )


def _unique_conv(items: tuple[Conversion, ...]) -> tuple[Conversion, ...]:
    return tuple(dict.fromkeys(items))


def between_arms_proportion(
    ctx: Context,
    rows: tuple[Mapping[str, object], Mapping[str, object]],
    n: tuple[Quantity, Quantity],
    column: str,
    flip: bool,
) -> Effect | str:
    """Log risk ratio of arm 1 vs arm 2 from the percentage of each arm with the event.

    Percentages become counts by :func:`qolreview.harmonize.conversions.proportion_to_count` (the rounding is
    recorded); then metafor ``escalc`` RR (Cochrane Handbook 6.4.1.2). ``flip`` reverses the sign when the
    event is bad (``pct_with_problem``: fewer participants with a problem is better).
    """
    counts: list[float] = []
    conversions: list[Conversion] = []
    cells: list[str] = []
    for row, size in zip(rows, n, strict=True):
        pct = value(row, column)
        assert pct is not None
        (count, residual), conversion = cv.proportion_to_count(pct, size.value)
        counts.append(float(count))
        rounding = replace(
            conversion,
            formula=f"{conversion.formula} [{pct:g}% of {size.value:g} -> "
            f"{float(count):g} events, residual {float(residual):+.3f} points]",
        )
        conversions += [*size.conversions, rounding]
        cells += [cell(row, column), *size.cells]
    yi, vi = _scalar(es.log_rr(counts[0], n[0].value, counts[1], n[1].value))
    if not np.isfinite(yi):
        return "risk ratio undefined (no events in either arm)"
    return Effect(
        ctx,
        "between_arms",
        "outcomes",
        "proportion",
        "RR",
        _sign(flip) * yi,
        vi,
        n[0].value,
        n[1].value,
        flip,
        _unique_conv(tuple(conversions)),
        _unique(tuple(cells)),
        tuple(input_row(r) for r in rows),
    )


def within_arm(
    ctx: Context,
    change: Scores,
    baseline: Scores | None,
    r: Correlation,
    preferred: str,
    flip: bool,
    pct_change: Quantity | None,
) -> Effect | str:
    """Pre-post effect of one arm: the standardised mean change (``SMCR`` or ``SMCC``) with the raw mean
    change (``MC``) in ``md``/``md_vi``.

    The change is expressed as (follow-up = change mean, baseline = 0): with the change SD as the
    follow-up SD, a zero baseline SD and r = 0, metafor's change SD √(sd₁² + sd₂² − 2r·sd₁·sd₂) equals
    the change SD already resolved (Cochrane Handbook 6.5.2.8), so MC and SMCC are exactly ``escalc``'s.
    SMCR (Becker 1988; Morris 2008) standardises by the baseline SD and needs r for its variance;
    SMCC (Gibbons et al. 1993) by the change SD. ``preferred`` (config ``harmonize.prepost_measure``)
    is used when its inputs exist, else the other one; both missing -> not convertible.
    """
    m, sd_change, n = change.mean.value, change.sd.value, change.n.value
    mc_yi, mc_vi = _scalar(es.mc(m, 0.0, sd_change, 0.0, n, 0.0))
    measure = preferred if preferred == "SMCC" or baseline is not None else "SMCC"
    notes: tuple[str, ...] = ()
    if measure != preferred:
        notes = (f"{measure} used: {preferred} needs the baseline SD, which is not reported",)
    cells, conversions, rows = change.cells, change.conversions, change.rows
    used: Correlation | None = change.correlation
    if measure == "SMCR":
        assert baseline is not None
        yi, vi = _scalar(es.smcr(m, 0.0, baseline.sd.value, n, r.r))
        cells = cells + baseline.sd.cells + r.cells
        conversions = conversions + baseline.sd.conversions + r.conversions
        rows, used = rows + baseline.rows, r
    else:
        yi, vi = _scalar(es.smcc(m, 0.0, sd_change, 0.0, n, 0.0))
    if not np.isfinite(yi):
        return f"{measure} undefined (zero SD or fewer than 3 participants)"
    sign = _sign(flip)
    if pct_change is not None:
        cells = cells + pct_change.cells
        conversions = conversions + pct_change.conversions
    return Effect(
        ctx,
        "within_arm_prepost",
        "outcomes",
        change.basis,
        measure,
        sign * yi,
        vi,
        n,
        None,
        flip,
        _unique_conv(conversions),
        _unique(cells),
        _unique(rows),
        used,
        sign * mc_yi,
        mc_vi,
        pct_change.value if pct_change is not None else None,
        notes,
        "change",
    )


def mean_change(ctx: Context, change: MeanWithSE, flip: bool) -> Effect:
    """The raw mean change (``MC``) of one arm from its mean and SE, when the number of participants is unknown:
    yi = mean change, vi = SE².

    metafor ``escalc`` MC :cite:`metafor` has vi = sd_change²/n, which is SE² (Morris & DeShon 2002
    :cite:`morris2002`); no standardised mean change can be computed without n (its bias correction and variance
    need it). ``md``/``md_vi`` repeat ``yi``/``vi``.
    """
    sign = _sign(flip)
    yi, vi = sign * change.mean.value, change.se.value**2
    return Effect(
        ctx,
        "within_arm_prepost",
        "outcomes",
        "change",
        "MC",
        yi,
        vi,
        None,
        None,
        flip,
        _unique_conv(change.mean.conversions + change.se.conversions),
        change.cells,
        change.rows,
        None,
        yi,
        vi,
        notes=("MC used: the number of participants is not reported, so no standardised mean change",),
        outcome_basis="change",
    )


RD_PERCENTAGE_POINTS = Conversion(
    "rd_percentage_points",
    "RD = reported RD / 100",
    "estimate or a CI limit exceeds 1: reported in percentage points",
    False,
    "risk difference from percentage points to a proportion",
)

Reported = tuple[float, float, list[str], list[Conversion]]
"""A contrast on the analysis scale: yi, vi, the cells read and the conversions applied."""


def _reported(row: Mapping[str, object], statistic: str) -> Reported | str:
    """A contrast's estimate on the analysis scale and its variance: metafor ``escalc`` GEN :cite:`metafor`, the
    generic inverse variance method (Cochrane Handbook 10.3 :cite:`deeks2023ch10`; RevMan :cite:`revman2020`),
    vi = SE².

    - ratios (``rr``, ``or``, ``hr``): yi = ln(estimate) and SE = (ln hi − ln lo)/(2·z) from the CI (Handbook
      6.3.2 :cite:`higgins2023ch6`: ratios are analysed on the log scale); an SE on the ratio scale is not used,
      being no SE of the log;
    - log ratios (``log_rr``, ``log_or``, ``log_hr``) and differences: the SE as reported, else
      (hi − lo)/(2·z) from the CI (Handbook 6.3.1, 6.5.2.3 :cite:`higgins2023ch6`);
    - z is the normal quantile of the CI's level (``ci_level``, 95% when empty);
    - ``rd`` in percentage points (the estimate or a limit beyond 1 in absolute value) is divided by 100.

    The reason as text when there is no usable SE or CI.
    """
    estimate = value(row, "estimate")
    se, lo, hi = value(row, "se"), value(row, "ci_low"), value(row, "ci_high")
    assert estimate is not None
    has_ci = lo is not None and hi is not None
    ratio = statistic in _RATIO
    if ratio and not has_ci:
        return "ratio reported with an SE but no CI (scale of the SE unknown)" if se is not None else "no SE or CI"
    if se is None and not has_ci:
        return "no SE or CI"
    cells, conversions = [cell(row, "estimate")], []
    if statistic == "rd" and max(abs(x) for x in (estimate, lo, hi) if x is not None) > 1:
        estimate, se = estimate / 100, se / 100 if se is not None else None
        lo, hi = (lo / 100, hi / 100) if has_ci else (lo, hi)
        conversions.append(RD_PERCENTAGE_POINTS)
    if se is not None and not ratio:
        yi, vi = _scalar(es.gen(estimate, se=se))
        return yi, vi, [*cells, cell(row, "se")], conversions
    level = value(row, "ci_level")
    yi, vi = _scalar(es.gen(estimate, ci_low=lo, ci_high=hi, level=(level or DEFAULT_CI_LEVEL) / 100, log_scale=ratio))
    cells += [cell(row, "ci_low"), cell(row, "ci_high"), *([cell(row, "ci_level")] if level is not None else [])]
    return yi, vi, cells, [*conversions, cv.LOG_RATIO if ratio else cv.SE_FROM_CI]


def from_contrast(
    ctx: Context,
    row: Mapping[str, object],
    sds: tuple[Scores, Scores] | None,
    n: tuple[Quantity | None, Quantity | None],
    flip: bool,
) -> Effect | str:
    """An effect reported directly in the ``contrasts`` sheet (:func:`_reported`, metafor ``escalc`` GEN).

    ``md``/``ls_md`` become an SMD with the pooled SD of both arms' ``sds`` when given (``md_to_smd``; the SDs'
    basis is then the effect's ``outcome_basis``), else stay an MD; ``md``/``md_vi`` hold the raw MD either
    way. ``smd``, ``rd`` and the ratios are taken as they are. ``outcome_basis`` is the row's own when stated.
    """
    statistic = str(row["statistic"])
    reported = _reported(row, statistic)
    if isinstance(reported, str):
        return reported
    yi, vi, cells, conversions = reported
    measure = _RATIO.get(statistic) or _LOG_RATIO.get(statistic) or _DIFFERENCE[statistic]
    stated = row.get("outcome_basis")
    outcome_basis = None if stated is None else str(stated)
    n1, n2 = n
    sign = _sign(flip)
    rows: tuple[str, ...] = (input_row(row),)
    md = md_vi = None
    basis = statistic
    if measure == "MD":
        md, md_vi = sign * yi, vi
    if measure == "MD" and sds is not None:
        s1, s2 = sds
        sd_pooled, pooled = es.pooled_sd(s1.sd.value, s1.n.value, s2.sd.value, s2.n.value), cv.POOLED_SD
        (g, g_vi), to_smd = cv.md_to_smd(yi, float(np.sqrt(vi)), float(sd_pooled), s1.n.value, s2.n.value)
        yi, vi, measure = float(g), float(g_vi), "SMD"
        conversions += [*s1.conversions, *s2.conversions, pooled, to_smd]
        cells += [*s1.cells, *s2.cells]
        rows += s1.rows + s2.rows
        n1, n2 = s1.n, s2.n
        basis, outcome_basis = f"{statistic} standardised by the {s1.basis}-score SDs", s1.basis
    if not np.isfinite(yi):
        return f"{measure} undefined"
    for size in (n1, n2):
        if size is not None:
            conversions += size.conversions
            cells += size.cells
    return Effect(
        ctx,
        "between_arms",
        "contrasts",
        basis,
        measure,
        sign * yi,
        vi,
        n1.value if n1 is not None else None,
        n2.value if n2 is not None else None,
        flip,
        _unique_conv(tuple(conversions)),
        _unique(tuple(cells)),
        _unique(rows),
        None,
        md,
        md_vi,
        outcome_basis=outcome_basis,
    )
