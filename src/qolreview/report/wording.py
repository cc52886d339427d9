"""Words for the report: lists, labels, designs, time windows and compact cell lists.

Every number shown goes through :func:`qolreview.formatting.report_number` and friends (shared with the
figures), which never print ``nan`` or ``None``: a missing value reads "not reported".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from qolreview.formatting import MISSING, is_missing, plural
from qolreview.provenance import compact_cells
from qolreview.synthesis.pooling import BASIS_NOT_STATED

COMPARISON_ADJECTIVES = {"between_arms": "between-arm", "within_arm_prepost": "within-arm (pre-post)"}


MEASURE_SHORT = {"RR": "log RR", "OR": "log OR", "HR": "log HR"}
"""Short measure names for tables: ratio measures are analysed and shown on the log scale."""


MEASURE_LABELS = {
    "SMD": "standardised mean difference (Hedges' g)",
    "MD": "mean difference",
    "SMCR": "standardised mean change (baseline SD)",
    "SMCC": "standardised mean change (change-score SD)",
    "MC": "mean change",
    "RR": "log risk ratio",
    "OR": "log odds ratio",
    "HR": "log hazard ratio",
    "RD": "risk difference",
    "GEN": "reported effect",
}


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


def domain_label(domain: str, names: Mapping[str, str]) -> str:
    """The domain's name in ``names`` (:attr:`qolreview.report.data.ReportData.domain_names`), else its key in
    words."""
    return names.get(domain, domain.replace("_", " "))


BASIS_WORDS = {"change": "changes from baseline", "final": "final values", BASIS_NOT_STATED: "basis not stated"}
"""What a continuous effect compares (``outcome_basis``), in words."""


def window_words(window: str) -> str:
    """A time window's name in words: its key with underscores as spaces ("end_of_treatment" -> "end of
    treatment")."""
    return str(window).replace("_", " ")


def measure_short(measure: str) -> str:
    return MEASURE_SHORT.get(measure, measure)


def measure_unit(measure: str, instrument: object) -> str:
    """The short measure name with its unit: a mean difference or mean change is in the instrument's points
    ("MD, MADRS points"); other measures are unitless (:func:`measure_short`)."""
    if measure in ("MD", "MC") and not is_missing(instrument) and str(instrument):
        return f"{measure}, {instrument} points"
    return measure_short(measure)


def source_cells_text(cells: object) -> str:
    """A source-cell list as the report shows it: compacted (:func:`qolreview.provenance.compact_cells`), or
    "not reported" when there is none."""
    return MISSING if is_missing(cells) else compact_cells(str(cells))


DESIGN_LABELS = {
    "rct": ("RCT", "RCTs"),
    "cluster_rct": ("cluster RCT", "cluster RCTs"),
    "crossover_rct": ("crossover RCT", "crossover RCTs"),
    "post_hoc_rct": ("post hoc analysis of RCTs", "post hoc analyses of RCTs"),
    "nrsi": ("non-randomised study", "non-randomised studies"),
    "cohort": ("cohort study", "cohort studies"),
    "case_control": ("case-control study", "case-control studies"),
    "cross_sectional": ("cross-sectional study", "cross-sectional studies"),
    "before_after": ("before-after study", "before-after studies"),
    "single_arm": ("single-arm study", "single-arm studies"),
    "case_series": ("case series", "case series"),
}
"""Readable names (singular, plural) of the workbook's design vocabulary (:data:`qolreview.workbook.spec.DESIGNS`)."""


def design_label(design: object) -> str:
    """A study design in words ("RCT", "single-arm study"); missing reads "not reported"."""
    if is_missing(design):
        return MISSING
    return DESIGN_LABELS.get(str(design), (str(design).replace("_", " "),))[0]


def design_counts(designs: pd.Series) -> str:
    """Designs counted in words: "3 RCTs, 1 single-arm study and 1 study of unreported design"."""
    counts = designs.fillna("").value_counts().sort_index()
    parts = []
    for design, n in counts.items():
        if not design:
            parts.append(plural(n, "study", "studies") + " of unreported design")
            continue
        singular, *many = DESIGN_LABELS.get(str(design), (str(design).replace("_", " "),))
        parts.append(plural(n, singular, many[0] if many else None))
    return join_words(parts)


def weeks(value: object) -> str:
    """A number of weeks without needless decimals: ``1 week``, ``6 weeks``, ``3.5 weeks``."""
    if is_missing(value):
        return MISSING
    return f"{float(value):g} week" + ("" if float(value) == 1 else "s")  # type: ignore[arg-type]


def window_spans(windows: list[dict[str, Any]]) -> dict[str, str]:
    """Each time window's span, from config ``harmonize.windows`` (intervals ``(previous, max_weeks]``).

    ``[{name: acute, max_weeks: 1}, {name: short, max_weeks: 6}, {name: long}]`` reads
    ``{"acute": "up to 1 week", "short": "over 1 week and up to 6 weeks", "long": "over 6 weeks"}``.
    """
    spans: dict[str, str] = {}
    previous = None
    for window in windows:
        upper = window.get("max_weeks")
        if upper is None:
            spans[window["name"]] = "any time" if previous is None else f"over {weeks(previous)}"
        else:
            spans[window["name"]] = (
                f"up to {weeks(upper)}" if previous is None else f"over {weeks(previous)} and up to {weeks(upper)}"
            )
        previous = upper
    return spans
