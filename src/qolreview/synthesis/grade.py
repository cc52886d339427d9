"""GRADE certainty of evidence and the summary-of-findings table, one row per QoL domain.

Certainty starts High for a body of randomised evidence and Low when any study is non-randomised
(GRADE Handbook 5.1, Schünemann et al. 2013), and moves down by the reviewers' downgrades (0, -1, -2)
for risk of bias, inconsistency, indirectness, imprecision and publication bias (GRADE Handbook 5.2).
Judgements are never invented: unless all five domains were judged for an outcome, its certainty reads
"not assessed". Upgrading (large effect, dose-response, plausible confounding) is not modelled.

A ratio measure (RR, OR, HR) is shown as GRADE tables show it (Guyatt et al. 2013 :cite:`guyatt2013`): the event's
ratio, back-transformed from the log scale with the sign flip of adverse events undone
(:mod:`qolreview.synthesis.ratios`), and absolute risks per 1,000 from the assumed comparator risk, the median
comparator-arm risk of the included studies (Cochrane Handbook 14.1.5 :cite:`cochrane2023`).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from qolreview.harmonize.stage import PROPORTIONS
from qolreview.provenance import merge_cells
from qolreview.synthesis.ratios import corresponding_risk, event_of, event_ratio, orientation
from qolreview.tables import (
    ADVERSE,
    CERTAINTY_LEVELS,
    CERTAINTY_NOT_ASSESSED,
    FAVOURABLE,
    RATIO_MEASURES,
    SummaryOfFindings,
)
from qolreview.workbook.spec import GRADE_DOMAINS, RANDOMISED_DESIGNS

log = logging.getLogger(__name__)

COMPARISON_ORDER = {"between_arms": 0, "within_arm_prepost": 1}
MEASURE_ORDER = {m: i for i, m in enumerate(("SMD", "MD", "SMCR", "SMCC", "MC", "RR", "OR", "HR", "RD", "GEN"))}
EVENT_COLUMNS = {ADVERSE if bad else FAVOURABLE: column for column, bad in PROPORTIONS.items()}
"""The ``outcomes`` column holding an arm's percentage with the event: with a problem (adverse), responders."""
RATIO_NUMBERS = (
    "relative_effect",
    "relative_ci_lb",
    "relative_ci_ub",
    "relative_pi_lb",
    "relative_pi_ub",
    "comparator_risk",
    "intervention_risk",
    "intervention_risk_ci_lb",
    "intervention_risk_ci_ub",
)
RATIO_FIELDS = ("event", *RATIO_NUMBERS, "comparator_risk_k", "absolute_effect_note")
"""The summary-of-findings columns of a ratio measure's event, relative and absolute effects."""
SINGLE_EFFECT = ("single", "priority")
"""``study_weights.selection`` of a row that is one effect (a composite has no single comparator risk)."""
MIXED_EVENTS_NOTE = "adverse and favourable events are pooled together, so there is no single event"
COMPOSITE_NOTE = "each study's result combines several outcomes, so there is no single comparator risk"
NO_RISK_NOTE = "the comparator arms' percentages with the event are not reported"
"""Why a ratio analysis has no absolute effect (``absolute_effect_note``)."""


def primary_analyses(meta: pd.DataFrame) -> pd.DataFrame:
    """The primary analysis of each QoL domain.

    Ranked by: between-arm before within-arm pre-post comparisons; pooled before unpooled; more studies;
    more participants; longer follow-up (``max_timepoint_weeks``); measure (SMD, MD, SMCR, SMCC, MC,
    RR, OR, HR, RD, GEN); then ``analysis_id``. The first analysis of each domain is primary.
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


def comparator_risks(effects: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """The comparator arm's risk of the event of each between-arm ratio effect: ``effect_id``,
    ``comparator_risk`` (a proportion; NaN when the comparator arm's ``outcomes`` row at the effect's timepoint
    does not report it) and ``cell``, its workbook cell.

    The event is the effect's: ``pct_with_problem`` for an adverse one (``direction_flipped``),
    ``pct_responders`` for a favourable one (:data:`EVENT_COLUMNS`).
    """
    key = ["study_id", "arm_id", "instrument", "subscale", "_weeks"]
    arms = outcomes.assign(_weeks=outcomes["timepoint_weeks"].astype(float).round(6)).drop_duplicates(key)
    arms = arms.set_index(key)
    ratios = effects[(effects["comparison"] == "between_arms") & effects["measure"].isin(RATIO_MEASURES)]
    rows = []
    for e in ratios.itertuples(index=False):
        column = EVENT_COLUMNS[ADVERSE if e.direction_flipped else FAVOURABLE]
        where = (e.study_id, e.comparator_arm_id, e.instrument, e.subscale, round(float(e.timepoint_weeks), 6))
        arm = arms.loc[where] if where in arms.index else None
        known = arm is not None and pd.notna(arm[column])
        rows.append(
            {
                "effect_id": e.effect_id,
                "comparator_risk": float(arm[column]) / 100 if known else np.nan,  # type: ignore[index]
                "cell": arm[f"cell_{column}"] if known else None,  # type: ignore[index]
            }
        )
    return pd.DataFrame(rows, columns=["effect_id", "comparator_risk", "cell"])


def ratio_fields(analysis: pd.Series, rows: pd.DataFrame, risks: pd.DataFrame) -> tuple[dict[str, object], list[str]]:
    """The :data:`RATIO_FIELDS` of a ratio analysis and the cells of the comparator risks used.

    ``rows``: the analysis' ``study_weights`` rows; ``risks``: :func:`comparator_risks`. The ratio, its CI and
    PI are the event's (:func:`~qolreview.synthesis.ratios.event_ratio`); an analysis whose rows mix adverse
    and favourable events has none. The assumed comparator risk is the median over the studies whose row is
    one effect with a known comparator risk; the intervention risk and its CI apply the ratio and its CI to it
    (:func:`~qolreview.synthesis.ratios.corresponding_risk`). Without one, ``absolute_effect_note`` says why.
    """
    sign = orientation(rows["direction_flipped"])
    fields: dict[str, object] = dict.fromkeys(RATIO_NUMBERS, np.nan) | {"event": None, "absolute_effect_note": None}
    if sign is None:
        return fields | {"absolute_effect_note": MIXED_EVENTS_NOTE}, []
    ratio = event_ratio(analysis["estimate"], analysis["ci_lb"], analysis["ci_ub"], sign)
    pi = event_ratio(analysis["estimate"], analysis["pi_lb"], analysis["pi_ub"], sign)
    single = rows[rows["selection"].isin(SINGLE_EFFECT)]
    known = risks[risks["effect_id"].isin(single["effect_ids"])].dropna(subset=["comparator_risk"])
    fields |= {
        "event": event_of(sign),
        **dict(zip(("relative_effect", "relative_ci_lb", "relative_ci_ub"), ratio, strict=True)),
        **dict(zip(("relative_pi_lb", "relative_pi_ub"), pi[1:], strict=True)),
        "comparator_risk_k": len(known),
    }
    if known.empty:
        return fields | {"absolute_effect_note": NO_RISK_NOTE if len(single) else COMPOSITE_NOTE}, []
    acr = float(known["comparator_risk"].median())
    measure = str(analysis["measure"])
    risk = [corresponding_risk(measure, acr, r) for r in ratio]
    names = ("intervention_risk", "intervention_risk_ci_lb", "intervention_risk_ci_ub")
    return fields | {"comparator_risk": acr, **dict(zip(names, risk, strict=True))}, list(known["cell"])


def summary_of_findings(
    meta: pd.DataFrame,
    vote_counts: pd.DataFrame,
    grade: pd.DataFrame,
    studies: pd.DataFrame,
    weights: pd.DataFrame,
    risks: pd.DataFrame,
) -> pd.DataFrame:
    """One row per QoL domain (the :class:`~qolreview.tables.SummaryOfFindings` table): the primary analysis,
    the vote count of the same comparison, and the GRADE certainty from the ``grade`` table (matched on the
    domain name or the analysis id, case-insensitively).

    A domain with only narrative evidence (no numeric analysis) takes the vote count of its between-arm
    comparison when there is one, else its within-arm one. A primary analysis of a ratio measure gets its
    :data:`RATIO_FIELDS` (:func:`ratio_fields`) from its ``weights`` (``study_weights``) rows and the
    comparator ``risks`` (:func:`comparator_risks`).
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
        ratio, risk_cells = (
            ratio_fields(analysis, weights[weights["analysis_id"] == aid], risks)
            if analysis is not None and analysis["measure"] in RATIO_MEASURES
            else ({}, [])
        )
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
                **ratio,
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
                        *risk_cells,
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
        "comparator_risk_k",
        *(f"downgrade_{d}" for d in GRADE_DOMAINS),
    ):
        out[name] = pd.array(out[name], dtype="Int64")
    for name in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "i2", *RATIO_NUMBERS):
        out[name] = out[name].astype(float)
    return out
