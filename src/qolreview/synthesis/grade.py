"""GRADE certainty of evidence and the summary-of-findings table, one row per QoL domain.

Certainty starts High for a body of randomised evidence and Low when any study is non-randomised
(GRADE Handbook 5.1, Schünemann et al. 2013), and moves down by the reviewers' downgrades (0, -1, -2)
for risk of bias, inconsistency, indirectness, imprecision and publication bias (GRADE Handbook 5.2).
Judgements are never invented: unless all five domains were judged for an outcome, its certainty reads
"not assessed". Upgrading (large effect, dose-response, plausible confounding) is not modelled.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from qolreview.provenance import merge_cells
from qolreview.tables import CERTAINTY_LEVELS, CERTAINTY_NOT_ASSESSED, SummaryOfFindings
from qolreview.workbook.spec import GRADE_DOMAINS, RANDOMISED_DESIGNS

log = logging.getLogger(__name__)

COMPARISON_ORDER = {"between_arms": 0, "within_arm_prepost": 1}
MEASURE_ORDER = {m: i for i, m in enumerate(("SMD", "MD", "SMCR", "SMCC", "MC", "RR", "OR", "RD", "GEN"))}


def primary_analyses(meta: pd.DataFrame) -> pd.DataFrame:
    """The primary analysis of each QoL domain.

    Ranked by: between-arm before within-arm pre-post comparisons; pooled before unpooled; more studies;
    more participants; longer follow-up (``max_timepoint_weeks``); measure (SMD, MD, SMCR, SMCC, MC,
    RR, OR, RD, GEN); then ``analysis_id``. The first analysis of each domain is primary.
    """
    qol = meta[meta["qol"].fillna(False).astype(bool)].copy()
    qol["_c"] = qol["comparison"].map(COMPARISON_ORDER).fillna(len(COMPARISON_ORDER))
    qol["_m"] = qol["measure"].map(MEASURE_ORDER).fillna(len(MEASURE_ORDER))
    qol = qol.sort_values(
        ["domain", "_c", "pooled", "k", "n_participants", "max_timepoint_weeks", "_m", "analysis_id"],
        ascending=[True, True, False, False, False, False, True, True],
        kind="stable",
        na_position="last",
    )
    return qol.drop_duplicates("domain", keep="first").drop(columns=["_c", "_m"]).reset_index(drop=True)


def starting_certainty(designs: list[str] | pd.Series) -> str:
    """High when every study is randomised (``rct``, ``post_hoc_rct``), Low otherwise (Handbook 5.1)."""
    values = set(designs)
    return "High" if values and values <= RANDOMISED_DESIGNS else "Low"


def certainty(start: str, downgrades: list[int] | pd.Series) -> str:
    """Certainty after summing the downgrades (each 0, -1 or -2), never below Very low."""
    steps = [int(d) for d in downgrades]
    if any(d not in (0, -1, -2) for d in steps):
        raise ValueError(f"GRADE downgrades must be 0, -1 or -2, got {steps}")
    return CERTAINTY_LEVELS[max(0, CERTAINTY_LEVELS.index(start) + sum(steps))]


def _get(analysis: pd.Series | None, name: str, default: object = np.nan) -> object:
    return default if analysis is None else analysis[name]


def _judgements_for(grade: pd.DataFrame, outcome: str, analysis: str | None) -> pd.DataFrame:
    keys = {outcome.strip().lower()} | ({analysis.strip().lower()} if analysis else set())
    return grade[grade["outcome"].astype(str).str.strip().str.lower().isin(keys)]


def summary_of_findings(
    meta: pd.DataFrame, vote_counts: pd.DataFrame, grade: pd.DataFrame, studies: pd.DataFrame
) -> pd.DataFrame:
    """One row per QoL domain (the :class:`~qolreview.tables.SummaryOfFindings` table): the primary analysis,
    the vote count of the same comparison, and the GRADE certainty from the ``grade`` table (matched on the
    domain name or the analysis id, case-insensitively).

    A domain with only narrative evidence (no numeric analysis) takes the vote count of its between-arm
    comparison when there is one, else its within-arm one.
    """
    primary = primary_analyses(meta).set_index("domain")
    votes = vote_counts[vote_counts["qol"].fillna(False).astype(bool)].copy()
    votes["_c"] = votes["comparison"].map(COMPARISON_ORDER).fillna(len(COMPARISON_ORDER))
    designs = studies.set_index("study_id")["design"]
    if grade.duplicated(["outcome", "grade_domain"]).any():
        raise ValueError("the grade table has several judgements for one outcome and GRADE domain")
    used: set[int] = set()
    rows = []
    for domain in sorted(set(primary.index) | set(votes["domain"])):
        analysis = primary.loc[domain] if domain in primary.index else None
        mine = votes[votes["domain"] == domain]
        if analysis is not None:
            mine = mine[mine["comparison"] == analysis["comparison"]]
        vote = mine.sort_values("_c", kind="stable").iloc[0] if not mine.empty else None
        ids_text = analysis["study_ids"] if analysis is not None else vote["study_ids"]  # type: ignore[index]
        ids = [s for s in str(ids_text).split("; ") if s]
        study_designs = [str(designs.get(s, "not reported")) for s in ids]
        aid = None if analysis is None else str(analysis["analysis_id"])
        judged = _judgements_for(grade, domain, aid)
        used.update(judged.index)
        by_domain = judged.set_index("grade_domain")
        missing = [d for d in GRADE_DOMAINS if d not in by_domain.index]
        start = starting_certainty(study_designs)
        level = (
            CERTAINTY_NOT_ASSESSED
            if missing
            else certainty(start, [by_domain.at[d, "downgrade"] for d in GRADE_DOMAINS])
        )
        rows.append(
            {
                "outcome": domain,
                "analysis_id": aid,
                "comparison": analysis["comparison"] if analysis is not None else vote["comparison"],  # type: ignore[index]
                "window": _get(analysis, "window", None),
                "measure": _get(analysis, "measure", None),
                "k": _get(analysis, "k"),
                "n_participants": _get(analysis, "n_participants"),
                "study_ids": "; ".join(ids),
                "designs": "; ".join(sorted(set(study_designs))),
                "pooled": bool(analysis["pooled"]) if analysis is not None else False,
                **{name: _get(analysis, name) for name in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "i2")},
                "narrative_n_studies": vote["n_studies"] if vote is not None else pd.NA,
                "narrative_n_improved": vote["n_improved"] if vote is not None else pd.NA,
                "narrative_n_worsened": vote["n_worsened"] if vote is not None else pd.NA,
                "narrative_n_no_clear": vote["n_no_clear"] if vote is not None else pd.NA,
                "starting_certainty": start,
                **{
                    f"downgrade_{d}": by_domain.at[d, "downgrade"] if d in by_domain.index else pd.NA
                    for d in GRADE_DOMAINS
                },
                "grade_domains_missing": "; ".join(missing),
                "grade_reasons": "; ".join(
                    f"{d}: {by_domain.at[d, 'reason']}"
                    for d in GRADE_DOMAINS
                    if d in by_domain.index and pd.notna(by_domain.at[d, "reason"])
                ),
                "certainty": level,
                "source_cells": merge_cells(
                    [
                        analysis["source_cells"] if analysis is not None else None,
                        *(v for c in ("cell_downgrade", "cell_reason") if c in judged.columns for v in judged[c]),
                    ]
                ),
            }
        )
    unmatched = sorted(set(grade.loc[~grade.index.isin(used), "outcome"]))
    if unmatched:
        log.warning("GRADE judgements for outcomes without evidence (ignored): %s", ", ".join(unmatched))
    out = pd.DataFrame(rows, columns=list(SummaryOfFindings.columns()))
    for name in (
        "k",
        "n_participants",
        "narrative_n_studies",
        "narrative_n_improved",
        "narrative_n_worsened",
        "narrative_n_no_clear",
        *(f"downgrade_{d}" for d in GRADE_DOMAINS),
    ):
        out[name] = pd.array(out[name], dtype="Int64")
    for name in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "i2"):
        out[name] = out[name].astype(float)
    return out
