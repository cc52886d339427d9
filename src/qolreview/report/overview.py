"""The "what this report is" box: the review, the studies it covers and what the public record leaves missing."""

from __future__ import annotations

from typing import Any

import pandas as pd

from qolreview.figures.data import evidence_map_table
from qolreview.formatting import plural
from qolreview.labels import study_labels
from qolreview.report.data import ReportData
from qolreview.report.markup import bullet_list
from qolreview.report.wording import join_words

CORE_PRISMA_BOXES = {
    "database_results": "records identified from databases",
    "records_screened": "records screened",
    "records_excluded": "records excluded",
    "dbr_sought_reports": "reports sought for retrieval",
    "dbr_assessed": "reports assessed for eligibility",
    "dbr_excluded": "reports excluded, with reasons",
    "total_studies": "studies included",
}
"""PRISMA 2020 boxes every review reports (Page et al. 2021, item 16a), keyed as in the workbook."""


def inclusion_summary(studies: pd.DataFrame) -> dict[str, Any]:
    """Counts and labels of confirmed and provisional studies, for the "what this report is" box."""
    labels = study_labels(studies)
    status = studies.set_index("study_id")["inclusion_status"]
    confirmed = [labels[s] for s in status.index if status[s] == "confirmed"]
    provisional = [labels[s] for s in status.index if status[s] != "confirmed"]
    known_n = studies["n_total"].dropna()
    return {
        "k": len(studies),
        "confirmed": confirmed,
        "provisional": provisional,
        "n_known": int(known_n.sum()),
        "k_n_known": len(known_n),
    }


def missing_items(data: ReportData) -> list[str]:
    """What the public record leaves missing, one phrase per kind, each naming the studies or boxes concerned."""
    studies = data["studies"]
    labels = study_labels(studies)
    k = len(studies)

    def named(ids: pd.Series | list[str]) -> str:
        ids = list(ids)
        return (
            "all " + plural(k, "study", "studies")
            if len(ids) == k and k > 1
            else join_words([labels.get(s, s) for s in ids])
        )

    items = []
    unknown_n = studies.loc[studies["n_total"].isna(), "study_id"]
    if len(unknown_n):
        items.append(f"sample size unknown for {named(unknown_n)}")
    rob = data["risk_of_bias"]
    assessed = set(rob.loc[rob["judgement"] != "Not assessed", "study_id"])
    unassessed = [s for s in studies["study_id"] if s not in assessed]
    if unassessed:
        items.append(f"risk-of-bias judgements missing for {named(unassessed)}")
    reported = set(data["prisma"].dropna(subset=["n"])["box"])
    boxes = [text for box, text in CORE_PRISMA_BOXES.items() if box not in reported]
    if boxes:
        items.append(f"PRISMA flow counts not reported: {join_words(boxes)}")
    emap = evidence_map_table(data["effect_sizes"], data["not_convertible"], studies)
    words = emap[emap["status"] == "direction_only"]
    if len(words):
        what = join_words(
            [
                f"{labels.get(s, s)} ({join_words(sorted(set(g['instrument'])))})"
                for s, g in words.groupby("study_id", sort=False)
            ]
        )
        items.append(f"{plural(len(words), 'result')} reported only in words or as a bound: {what}")
    unconverted = data["not_convertible"]
    if len(unconverted):
        items.append(
            f"{plural(len(unconverted), 'reported result')} could not become an effect size; each is "
            f"listed with the reason in @sec-not-convertible"
        )
    unidentified = studies.loc[studies["doi"].isna(), "study_id"]
    if len(unidentified):
        items.append(f"publication not identified (no DOI) for {named(unidentified)}")
    sof = data["summary_of_findings"]
    ungraded = int((sof["certainty"] == "not assessed").sum())
    if ungraded:
        items.append(
            "GRADE judgements missing for "
            + (
                f"all {plural(len(sof), 'outcome')}"
                if ungraded == len(sof) and ungraded > 1
                else f"{ungraded} of {plural(len(sof), 'outcome')}"
            )
        )
    return items


def about_callout(data: ReportData, renderer: str) -> str:
    """The "what this report is" box (Markdown): the review, the studies it covers and what is missing."""
    review = data.config["review"]
    inclusion = inclusion_summary(data["studies"])
    confirmed, provisional = inclusion["confirmed"], inclusion["provisional"]
    reference = "; ".join(
        str(review[key]).rstrip(".") if key != "doi" else f"doi {review[key]}"
        for key in ("authors", "citation", "doi")
        if review.get(key)
    )
    k = inclusion["k"]
    if not provisional:
        status = f"all confirmed as included in the review ({join_words(confirmed)})"
    elif not confirmed:
        status = (
            f"none confirmed as included in the review; all are provisional ({join_words(provisional)}), "
            f"because their inclusion could not be verified"
        )
    else:
        status = (
            f"{len(confirmed)} confirmed as included in the review ({join_words(confirmed)}) and "
            f"{len(provisional)} provisional ({join_words(provisional)}), whose inclusion could not be "
            f"verified"
        )
    known = "all of them" if inclusion["k_n_known"] == k else f"{inclusion['k_n_known']} of them"
    lines = [
        "::: {.callout-note}",
        "## What this report is",
        "",
        f"This document re-analyses *{review['title']}*"
        + (f" ({reference})" if reference else "")
        + f" from {review['data_source']}, transcribed into an extraction workbook with the source of every "
        f"number. It was generated by the review pipeline and rendered with the {renderer} renderer; no number "
        f"in it was typed by hand.",
        "",
        f"It covers {plural(k, 'study', 'studies')}: {status}. "
        + (
            f"Sample sizes are known for {known} ({plural(inclusion['n_known'], 'participant')})."
            if inclusion["k_n_known"]
            else "No sample size is known."
        ),
    ]
    missing = missing_items(data)
    if missing:
        lines += [
            "",
            "Missing from the public record:",
            "",
            bullet_list([f"{item[:1].upper()}{item[1:]}." for item in missing]).rstrip("\n"),
        ]
    lines += [":::", ""]
    return "\n".join(lines)
