"""Ratio measures on their natural scale: the event's risk, odds or hazard ratio, and absolute risks.

The harmonized log ratios are signed so that positive = better quality of life: the log ratio of an adverse event
(e.g. reporting a problem) was sign-flipped (``direction_flipped``), that of a favourable event (response) was
not. Back-transformation undoes the flip, so that the ratio shown is the event's own, intervention against
comparator, as a study reports it (Cochrane Handbook 6.4.1 :cite:`cochrane2023`). Absolute effects
apply that ratio to an assumed comparator risk (Cochrane Handbook 14.1.5 :cite:`cochrane2023`; Guyatt et al.
2013 :cite:`guyatt2013`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from qolreview.formatting import is_missing
from qolreview.tables import ADVERSE, FAVOURABLE


def orientation(flags: Iterable[object]) -> int | None:
    """The sign that takes harmonized log ratios back to their event: -1 when every effect was flipped (an
    adverse event), +1 when none was (a favourable event); None when they differ, one is unknown or there is
    none (then no single event is described)."""
    values = list(flags)
    if not values or any(is_missing(v) for v in values):
        return None
    kinds = {bool(v) for v in values}
    return None if len(kinds) > 1 else (-1 if kinds == {True} else 1)


def event_of(sign: int | None) -> str | None:
    """The event a sign describes: adverse (-1), favourable (+1) or none (None)."""
    return None if sign is None else ADVERSE if sign < 0 else FAVOURABLE


def event_ratio(estimate: object, lower: object, upper: object, sign: int) -> tuple[float, float, float]:
    """The ratio and its limits, exp(``sign`` x log ratio); with ``sign`` -1 the limits trade places.

    metafor's ``predict(fit, transf = exp)`` :cite:`metafor` of the event's own (unflipped) log ratios.
    """
    values = [math.nan if is_missing(v) else math.exp(sign * float(v)) for v in (estimate, lower, upper)]  # type: ignore[arg-type]
    ratio, lb, ub = values
    return (ratio, lb, ub) if sign > 0 else (ratio, ub, lb)


def corresponding_risk(measure: str, comparator_risk: float, ratio: float) -> float:
    """The intervention group's risk for a comparator risk (ACR) and a ratio (NaN without a ratio).

    RR: ACR x RR, at most 1; OR: ACR x OR / (1 - ACR + ACR x OR); HR: 1 - (1 - ACR)^HR, the risk of the event by
    the comparator risk's time under proportional hazards (Cochrane Handbook 14.1.5 :cite:`cochrane2023`).
    """
    if math.isnan(ratio):
        return math.nan
    if measure == "RR":
        return min(1.0, comparator_risk * ratio)
    if measure == "OR":
        return comparator_risk * ratio / (1 - comparator_risk + comparator_risk * ratio)
    if measure == "HR":
        return 1 - (1 - comparator_risk) ** ratio
    raise ValueError(f"no absolute risk for measure {measure!r}")
