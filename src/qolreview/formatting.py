"""Number formatting shared by the figures' captions and the report: one rule for missing values, rounding,
negative zero, p values, intervals and plurals.

The report writes a missing value as "not reported" (:data:`MISSING`) and separates thousands in counts
(:func:`report_number`, :func:`report_p_statement`, :func:`estimate_with_ci`); the figures write "NA"
(:data:`NA`) in captions and "NR" (:data:`NR_LABEL`) in narrow cells (:func:`figure_number`, :func:`figure_p`,
:func:`figure_p_statement`, :func:`interval`, :func:`whole_count`). :func:`plural` serves both.
"""

from __future__ import annotations

import math

MISSING = "not reported"
"""A missing value in the report."""
NA = "NA"
"""A missing value in the figures' captions and cells."""
NR_LABEL = "NR"
"""A count that was not reported, in the figures' narrow cells."""


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


# The report ------------------------------------------------------------------------------------------


def report_number(value: object, digits: int = 2) -> str:
    """A number with ``digits`` decimals (thousands separated when ``digits`` is 0); missing reads "not reported"."""
    return number(value, digits, missing=MISSING, thousands=digits == 0)


def report_p_statement(p: object) -> str:
    """A p value as journals print it: ``p = 0.012``, ``p < 0.001``; missing reads ``p not reported``."""
    text = p_value(p, missing=MISSING)
    return f"p {text}" if is_missing(p) or text.startswith("<") else f"p = {text}"


def estimate_with_ci(estimate: object, lower: object, upper: object, digits: int = 2, level: float = 0.95) -> str:
    """``0.31 (95% CI 0.05 to 0.57)``; the estimate alone when a limit is missing, "not reported" without one."""
    if is_missing(estimate):
        return MISSING
    if is_missing(lower) or is_missing(upper):
        return report_number(estimate, digits)
    return (
        f"{report_number(estimate, digits)} ({level:.0%} CI {report_number(lower, digits)} to "
        f"{report_number(upper, digits)})"
    )


def plural(count: object, singular: str, plural_form: str | None = None) -> str:
    """``1 study``, ``2 studies``, ``1,688 participants``: the count formatted by :func:`report_number` (missing
    reads "not reported"), then the word; the plural is ``plural_form`` when given, else ``singular`` with
    a consonant's "y" turned into "ies" or an "s" appended."""
    if not is_missing(count) and float(count) == 1:  # type: ignore[arg-type]
        word = singular
    elif plural_form is not None:
        word = plural_form
    elif singular.endswith("y") and singular[-2:-1] not in tuple("aeiou"):
        word = singular[:-1] + "ies"
    else:
        word = singular + "s"
    return f"{report_number(count, 0)} {word}"


# The figures -----------------------------------------------------------------------------------------


def figure_number(value: object, decimals: int = 2) -> str:
    """A number with fixed decimals, or "NA" when missing."""
    return number(value, decimals, missing=NA)


def figure_p(p: object) -> str:
    """A p value without a label: "< 0.001" below one in a thousand, else three decimals; "NA" when missing."""
    return p_value(p, missing=NA)


def figure_p_statement(p: object) -> str:
    """``p = 0.123`` or ``p < 0.001``; ``p = NA`` when missing."""
    text = figure_p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def interval(lower: object, upper: object, decimals: int = 2) -> str:
    """A confidence or prediction interval as "lower to upper" ("NA" for a missing limit)."""
    return f"{figure_number(lower, decimals)} to {figure_number(upper, decimals)}"


def whole_count(n: object, missing: str = NR_LABEL) -> str:
    """A count as a whole number, or ``missing`` ("NR" unless given) when not reported."""
    return missing if is_missing(n) else str(int(n))  # type: ignore[call-overload]
