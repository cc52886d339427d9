"""Check published statements (the workbook's ``claims`` sheet) against the extracted data.

Each claim names what it quantifies (a percent change, a mean change, a sample size, the number of
studies, or a direction) and, optionally, the study, instrument and subscale it is about. The check
looks the quantity up in the clean tables and returns a verdict with the evidence and its cells:

``consistent``       the data show the claimed value (at the claim's precision) or direction;
``not supported``    the data for the claimed instrument do not show the value, or show only a weaker
                     bound (e.g. "> 10%" against "up to 20%");
``contradicted``     the data exclude the claimed value or direction;
``not verifiable``   the data needed are missing (e.g. unknown sample sizes).

When a numeric claim is not supported, the study's other results are searched for the claimed number,
so that a figure quoted for the wrong instrument (e.g. a productivity score quoted as quality of life)
is pointed out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from qolreview.formatting import plural

OUTCOME_QUANTITIES = ("pct_change", "change_mean")
_DIRECTION_WORDS = {"improved": "improved", "worsened": "worsened", "no_change": "no change", "mixed": "mixed"}
_EVIDENCE_WORDS = {
    "seen": "seen in the source",
    "seen_inferred": "inferred from the source",
    "reported_in_summary": "reported only in a summary",
    "not_seen": "not seen",
}


@dataclass(frozen=True)
class ClaimCheck:
    """The verdict on one claim, with the evidence that supports it."""

    claim_id: str
    verdict: str
    evidence: str
    cells: str


def _decimals(value: float) -> int:
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def _format(value: float) -> str:
    return f"{value:g}"


def _qualified(value: float, qualifier: object) -> str:
    return f"{qualifier} {_format(value)}" if isinstance(qualifier, str) and qualifier else _format(value)


def _compare_value(claimed: float, claim_qualifier: object, reported: float, reported_qualifier: object) -> str:
    """Verdict of a claimed magnitude against a reported one; magnitudes are compared as absolute values."""
    claimed, reported = abs(claimed), abs(reported)
    if isinstance(reported_qualifier, str) and reported_qualifier in (">", ">=", "<", "<="):
        lower = reported_qualifier in (">", ">=")
        claim_lower = claim_qualifier in (">", ">=")
        claim_upper = claim_qualifier in ("<", "<=")
        if (lower and claim_lower and claimed <= reported) or (not lower and claim_upper and claimed >= reported):
            return "consistent"  # the claim follows from the reported bound
        if (lower and claimed < reported and not claim_lower) or (not lower and claimed > reported and not claim_upper):
            return "contradicted"
        return "not supported"
    if isinstance(claim_qualifier, str) and claim_qualifier in ("<", "<=", "~"):
        return "consistent" if reported <= claimed or claim_qualifier == "~" else "contradicted"
    if isinstance(claim_qualifier, str) and claim_qualifier in (">", ">="):
        return "consistent" if reported >= claimed else "contradicted"
    return "consistent" if round(reported, _decimals(claimed)) == claimed else "contradicted"


def _outcome_label(row: pd.Series) -> str:
    return f"{row['instrument']} {row['subscale']} ({row['timepoint']})"


def _check_outcome_value(claim: pd.Series, outcomes: pd.DataFrame, qol_instruments: set[str]) -> ClaimCheck:
    column = claim["quantity"]
    rows = outcomes[(outcomes["study_id"] == claim["study_id"]) & outcomes[column].notna()]
    targeted = rows
    if isinstance(claim["instrument"], str) and claim["instrument"]:
        targeted = targeted[targeted["instrument"] == claim["instrument"]]
    if isinstance(claim["subscale"], str) and claim["subscale"]:
        targeted = targeted[targeted["subscale"] == claim["subscale"]]
    claimed = float(claim["claimed_value"])
    if targeted.empty:
        return ClaimCheck(claim["claim_id"], "not verifiable", f"no {column} reported for the claim's target", "")
    verdicts = [
        _compare_value(claimed, claim["value_qualifier"], float(r[column]), r["value_qualifier"])
        for _, r in targeted.iterrows()
    ]
    verdict = (
        "consistent"
        if "consistent" in verdicts
        else ("not supported" if "not supported" in verdicts else "contradicted")
    )
    shown = "; ".join(
        f"{_outcome_label(r)}: {_qualified(float(r[column]), r['value_qualifier'])}" for _, r in targeted.iterrows()
    )
    evidence = f"data report {shown}"
    cells = [str(c) for c in targeted[f"cell_{column}"]]
    if verdict != "consistent":
        others = rows.drop(targeted.index)
        close = others[(others[column].abs() - abs(claimed)).abs() <= 1.0]
        for _, r in close.iterrows():
            kind = "a quality-of-life" if r["instrument"] in qol_instruments else "not a quality-of-life"
            evidence += (
                f"; the claimed figure matches {_outcome_label(r)}: "
                f"{_qualified(float(r[column]), r['value_qualifier'])} ({kind} instrument)"
            )
            cells.append(str(r[f"cell_{column}"]))
    return ClaimCheck(claim["claim_id"], verdict, evidence, "; ".join(cells))


def _check_direction(claim: pd.Series, outcomes: pd.DataFrame) -> ClaimCheck:
    rows = outcomes[outcomes["study_id"] == claim["study_id"]]
    if isinstance(claim["instrument"], str) and claim["instrument"]:
        rows = rows[rows["instrument"] == claim["instrument"]]
    rows = rows[rows["direction_reported"].notna()]
    if rows.empty:
        return ClaimCheck(claim["claim_id"], "not verifiable", "no direction recorded for the claim's target", "")
    reported = set(rows["direction_reported"])
    verdict = "consistent" if claim["claimed_direction"] in reported else "contradicted"
    evidence = "data record " + "; ".join(
        f"{_outcome_label(r)}: {_DIRECTION_WORDS[r['direction_reported']]} "
        f"({_EVIDENCE_WORDS.get(r['evidence_status'], r['evidence_status'])})"
        for _, r in rows.iterrows()
    )
    return ClaimCheck(claim["claim_id"], verdict, evidence, "; ".join(str(c) for c in rows["cell_direction_reported"]))


def _check_sample_size(claim: pd.Series, studies: pd.DataFrame) -> ClaimCheck:
    scope = studies
    if isinstance(claim["study_id"], str) and claim["study_id"]:
        scope = studies[studies["study_id"] == claim["study_id"]]
    known = scope[scope["n_total"].notna()]
    total = int(known["n_total"].sum())
    cells = "; ".join(str(c) for c in known["cell_n_total"])
    claimed = float(claim["claimed_value"])
    missing = len(scope) - len(known)
    if missing:
        return ClaimCheck(
            claim["claim_id"],
            "not verifiable",
            f"n known for {len(known)} of {len(scope)} studies (sum {total}); "
            f"{claimed - total:g} participants unaccounted for",
            cells,
        )
    verdict = "consistent" if total == claimed else "contradicted"
    return ClaimCheck(claim["claim_id"], verdict, f"data give n = {total}", cells)


def _check_study_count(claim: pd.Series, studies: pd.DataFrame) -> ClaimCheck:
    confirmed = int((studies["inclusion_status"] == "confirmed").sum())
    verdict = "consistent" if len(studies) == float(claim["claimed_value"]) else "contradicted"
    return ClaimCheck(
        claim["claim_id"],
        verdict,
        f"the workbook lists {plural(len(studies), 'study', 'studies')} ({confirmed} confirmed, "
        f"{len(studies) - confirmed} provisional)",
        "; ".join(str(c) for c in studies["cell_study_id"]),
    )


def check_claims(
    claims: pd.DataFrame, studies: pd.DataFrame, outcomes: pd.DataFrame, qol_instruments: set[str]
) -> pd.DataFrame:
    """Check every claim; one row per claim with ``verdict``, ``evidence`` and the data's ``cells``."""
    checks: list[ClaimCheck] = []
    for _, claim in claims.iterrows():
        quantity = claim["quantity"]
        if quantity in OUTCOME_QUANTITIES:
            checks.append(_check_outcome_value(claim, outcomes, qol_instruments))
        elif quantity == "direction":
            checks.append(_check_direction(claim, outcomes))
        elif quantity == "n_total":
            checks.append(_check_sample_size(claim, studies))
        elif quantity == "n_studies":
            checks.append(_check_study_count(claim, studies))
        else:
            raise ValueError(f"claim {claim['claim_id']}: unknown quantity {quantity!r}")
    result = pd.DataFrame([c.__dict__ for c in checks], columns=["claim_id", "verdict", "evidence", "cells"])
    keep = ["claim_id", "statement", "source_id", "study_id", "cell_statement"]
    return claims[keep].merge(result, on="claim_id", how="left", validate="one_to_one")
