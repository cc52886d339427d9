"""Number formatting shared by the figures' captions and the report: one rule for missing values, rounding,
negative zero and p values."""

from __future__ import annotations

import math


def is_missing(value: object) -> bool:
    """True for None, NaN, NaT and pandas' NA."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT and pd.NA are not equal to themselves
    except TypeError:  # pd.NA raises in a boolean context
        return True


def finite(value: object) -> bool:
    """True for a finite number."""
    return not is_missing(value) and math.isfinite(float(value))  # type: ignore[arg-type]


def number(value: object, decimals: int = 2, *, missing: str, thousands: bool = False) -> str:
    """``value`` with fixed decimals (never ``-0.00``); ``missing`` when there is no value."""
    if is_missing(value):
        return missing
    text = f"{float(value):{',' if thousands else ''}.{decimals}f}"  # type: ignore[arg-type]
    return text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text


def p_value(p: object, *, missing: str) -> str:
    """A p value as journals print it: ``< 0.001`` below one in a thousand, else three decimals."""
    if is_missing(p):
        return missing
    return "< 0.001" if float(p) < 0.001 else f"{float(p):.3f}"  # type: ignore[arg-type]
