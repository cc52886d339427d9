"""Words and numbers for the report: number formats, plurals, lists, labels and compact cell lists.

Every number shown goes through :func:`fmt` and friends (built on :mod:`qolreview.formatting`, shared with
the figures), which never print ``nan`` or ``None``: a missing value reads "not reported".
"""

from __future__ import annotations

import re

from qolreview.formatting import is_missing, number, p_value


MISSING = "not reported"


DOMAIN_LABELS = {
    "overall": "Overall QoL / health status",
    "physical": "Physical",
    "psychological": "Psychological",
    "social": "Social",
    "daily_functioning": "Daily functioning",
    "environment": "Environment",
    "symptoms": "Depressive symptoms",
    "functioning": "Functioning",
}


COMPARISON_LABELS = {"between_arms": "between arms", "within_arm_prepost": "within arm, pre-post"}


COMPARISON_ADJECTIVES = {"between_arms": "between-arm", "within_arm_prepost": "within-arm (pre-post)"}


MEASURE_SHORT = {"RR": "log RR", "OR": "log OR"}
"""Short measure names for tables: ratio measures are analysed and shown on the log scale."""


MEASURE_LABELS = {
    "SMD": "standardised mean difference (Hedges' g)",
    "MD": "mean difference",
    "SMCR": "standardised mean change (baseline SD)",
    "SMCC": "standardised mean change (change-score SD)",
    "MC": "mean change",
    "RR": "log risk ratio",
    "OR": "log odds ratio",
    "RD": "risk difference",
    "GEN": "reported effect",
}


_CELL = re.compile(r"^(?P<sheet>[^!]+)!(?P<column>[A-Z]+)(?P<row>[0-9]+)$")


def fmt(value: object, digits: int = 2) -> str:
    """A number with ``digits`` decimals (thousands separated when ``digits`` is 0); missing reads "not reported"."""
    return number(value, digits, missing=MISSING, thousands=digits == 0)


def fmt_p(p: object) -> str:
    """A p value as journals print it: ``p = 0.012``, ``p < 0.001``."""
    text = p_value(p, missing=MISSING)
    return f"p {text}" if is_missing(p) or text.startswith("<") else f"p = {text}"


def fmt_ci(estimate: object, lower: object, upper: object, digits: int = 2, level: float = 0.95) -> str:
    """``0.31 (95% CI 0.05 to 0.57)``."""
    if is_missing(estimate):
        return MISSING
    if is_missing(lower) or is_missing(upper):
        return fmt(estimate, digits)
    return f"{fmt(estimate, digits)} ({level:.0%} CI {fmt(lower, digits)} to {fmt(upper, digits)})"


def plural(count: object, singular: str, plural_form: str | None = None) -> str:
    """``1 study``, ``2 studies``; the count formatted by :func:`fmt` (missing reads "not reported")."""
    word = singular if not is_missing(count) and float(count) == 1 else (plural_form or singular + "s")  # type: ignore[arg-type]
    return f"{fmt(count, 0)} {word}"


def join_words(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``; "none" for an empty list."""
    if not items:
        return "none"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def lower_first(text: str) -> str:
    """Lower-case the first letter for use inside a sentence, unless it starts an acronym ("QoL", "EQ-5D")."""
    first_word = text.split(" ", 1)[0]
    if any(c.isupper() or c.isdigit() for c in first_word[1:]):
        return text
    return text[:1].lower() + text[1:]


def domain_label(domain: str) -> str:
    return DOMAIN_LABELS.get(domain, domain.replace("_", " "))


def measure_short(measure: str) -> str:
    return MEASURE_SHORT.get(measure, measure)


def compact_cells(cells: object) -> str:
    """A source-cell list in compact form: each sheet named once, its cells in row order.

    ``"outcomes!Q7; outcomes!R7; contrasts!H3; outcomes!Q8"`` reads ``"outcomes!Q7,R7,Q8; contrasts!H3"``.
    Items that are not single cells are kept as they are.
    """
    if is_missing(cells):
        return MISSING
    by_sheet: dict[str, list[tuple[int, int, str]]] = {}
    other: list[str] = []
    for item in (part.strip() for part in str(cells).split(";")):
        match = _CELL.match(item)
        if match is None:
            if item and item not in other:
                other.append(item)
            continue
        key = (int(match["row"]), len(match["column"]), match["column"])
        sheet = by_sheet.setdefault(match["sheet"], [])
        if key not in sheet:
            sheet.append(key)
    parts = [f"{sheet}!" + ",".join(f"{col}{row}" for row, _, col in sorted(keys)) for sheet, keys in by_sheet.items()]
    return "; ".join(parts + other)
