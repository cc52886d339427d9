"""Limitations of the synthesis (SWiM item 9, Campbell et al. 2020), each stated from the run's own tables."""

from __future__ import annotations

from qolreview.formatting import plural
from qolreview.report.analyses import unpooled_reason
from qolreview.report.data import ReportData
from qolreview.report.overview import inclusion_summary


def limitations(data: ReportData) -> list[str]:
    """One sentence per limitation that applies to this run: unverified inclusion, small or absent pools,
    within-arm evidence, missing risk-of-bias and GRADE judgements, and what vote counting cannot show."""
    studies, meta = data["studies"], data["meta_analyses"]
    inclusion = inclusion_summary(studies)
    items = []
    if inclusion["provisional"]:
        items.append(
            f"The inclusion of {len(inclusion['provisional'])} of the "
            f"{plural(inclusion['k'], 'study', 'studies')} could not be verified against the published review; "
            "results that rest on "
            f"them may not be the review's."
        )
    pooled = meta[meta["pooled"].astype(bool)]
    if pooled.empty:
        rest = (
            "every result is reported study by study or as a vote count"
            if len(meta)
            else "the vote counts of the direction of effect are the only synthesis"
            if len(data["vote_counts"])
            else "no result could be synthesised"
        )
        items.append(f"No analysis was pooled: {unpooled_reason(data)}; {rest}.")
    else:
        small = int((pooled["k"] == 2).sum())
        if small:
            which = (
                "Both pooled analyses rest"
                if small == len(pooled) == 2
                else f"All {len(pooled)} pooled analyses rest"
                if small == len(pooled) > 2
                else "The only pooled analysis rests"
                if small == len(pooled)
                else f"{small} of the {len(pooled)} pooled analyses rest"
            )
            items.append(
                f"{which} on two studies, so between-study variance and prediction intervals are barely estimable."
            )
    unpooled = meta[~meta["pooled"].astype(bool)]
    single = int((unpooled["k"] == 1).sum())
    if single:
        items.append(
            f"{plural(single, 'analysis', 'analyses')} had a single study and "
            f"{'is' if single == 1 else 'are'} reported without pooling."
        )
    if several := len(unpooled) - single:
        items.append(
            f"{plural(several, 'analysis', 'analyses')} of several studies had fewer than the "
            f"{data.config['synthesis']['min_studies_to_pool']} needed to pool and "
            f"{'is' if several == 1 else 'are'} reported study by study."
        )
    if (meta["comparison"] != "between_arms").any():
        items.append(
            "Within-arm (pre-post) changes have no control group: they cannot separate the effect of "
            "treatment from placebo response, regression to the mean and natural course."
        )
    rob = data["risk_of_bias"]
    assessed = rob.loc[rob["judgement"] != "Not assessed", "study_id"].nunique()
    if assessed < len(studies):
        items.append(
            f"Risk of bias was judged for none of the {plural(len(studies), 'study', 'studies')}, so no "
            f"result can be weighed by the credibility of its source."
            if assessed == 0
            else f"Risk of bias was not judged for {len(studies) - assessed} of the "
            f"{plural(len(studies), 'study', 'studies')}, whose results cannot be weighed by the "
            f"credibility of their source."
        )
    sof = data["summary_of_findings"]
    ungraded = int((sof["certainty"] == "not assessed").sum())
    if ungraded:
        which = (
            f"any of the {plural(len(sof), 'outcome')}"
            if ungraded == len(sof) > 1
            else f"{ungraded} of the {plural(len(sof), 'outcome')}"
        )
        items.append(f"The certainty of the evidence (GRADE) was not assessed for {which}.")
    if len(data["vote_counts"]):
        items.append(
            "Vote counts show how many studies point in each direction, not how large or precise the "
            "effects are; a study counts once whatever its size."
        )
    return items
