"""Sentences of the methods section, derived from the configuration and the tables of the run."""

from __future__ import annotations

import pandas as pd

from qolreview.formatting import plural, report_number
from qolreview.report.data import ReportData
from qolreview.report.markup import escape_markdown
from qolreview.report.wording import (
    COMPARISON_ADJECTIVES,
    MEASURE_LABELS,
    join_words,
    measure_short,
    weeks,
    window_spans,
)
from qolreview.synthesis.narrative import EDP_THRESHOLD
from qolreview.synthesis.pooling import LEAVE_ONE_OUT_MIN_STUDIES
from qolreview.tables import RATIO_MEASURES


def _counts_text(values: pd.Series) -> str:
    counts = values.value_counts().sort_index()
    return join_words([f"{name} ({n})" for name, n in counts.items()])


def _with_abbreviation(measure: str) -> str:
    """ "standardised mean difference (Hedges' g; SMD)", "log risk ratio (log RR)"."""
    label, short = MEASURE_LABELS.get(measure, measure), measure_short(measure)
    if label == short:
        return label
    return f"{label[:-1]}; {short})" if label.endswith(")") else f"{label} ({short})"


def methods_facts(data: ReportData) -> dict[str, str]:
    """Sentences for the methods section (Markdown, for inline expressions: plain text escaped with
    :func:`qolreview.report.markup.escape_markdown`), derived from the configuration and the tables of the run."""
    cfg = data.config
    effects = data["effect_sizes"]
    selected = effects[effects["selected"]]
    measures = []
    for comparison, group in selected.groupby("comparison", sort=True):
        names = join_words(
            [
                f"{plural(n, 'effect')} as {_with_abbreviation(m)}"
                for m, n in group["measure"].value_counts().sort_index().items()
            ]
        )
        adjective = COMPARISON_ADJECTIVES.get(comparison, comparison)
        measures.append(f"{adjective[:1].upper()}{adjective[1:]} effects: {names}.")
    log = data.tables.get("conversion_log", pd.DataFrame(columns=["description", "source", "approximate"]))
    sources = log.groupby("description", sort=True)["source"].first() if len(log) else pd.Series(dtype=str)
    conversions = (
        "Conversions applied (number of steps; source): "
        + "; ".join(
            f"{what} ({n}; {sources[what]})" for what, n in log["description"].value_counts().sort_index().items()
        )
        + f". {int(log['approximate'].sum())} of the {len(log)} steps "
        + ("is an approximation." if int(log["approximate"].sum()) == 1 else "are approximations.")
        if len(log)
        else "No statistic needed converting."
    )
    r_rows = selected[selected["r_source"].notna() & (selected["r_source"] != "not_used")]
    correlation = (
        f"{_counts_text(r_rows['r_source'])} (default r = {cfg['harmonize']['pre_post_r']}; "
        f"values used: {join_words(sorted({report_number(v) for v in r_rows['r_used'].dropna()}))})."
        if len(r_rows)
        else f"not needed by any effect (default r = {cfg['harmonize']['pre_post_r']})."
    )
    syn = cfg["synthesis"]
    test = (
        "the Knapp-Hartung adjustment (t distribution with k − 1 degrees of freedom)"
        if syn["test"] == "knha"
        else "a normal (z) test"
    )
    combined = {
        "composite": f"combined into a composite (Borenstein et al. 2009, ch. 24) assuming r = "
        f"{syn['composite_correlation']}",
        "priority": f"reduced to one by instrument priority ({', '.join(syn['instrument_priority'])})",
    }
    if syn["multiple_effects"] == "che":
        model = (
            f"Meta-analysis with the correlated-and-hierarchical-effects model (Pustejovsky & Tipton 2022), "
            f"whenever at least {syn['min_studies_to_pool']} studies contributed to an analysis: every effect "
            f"size of every study entered, with a sampling correlation of {syn['che_rho']} between the effects "
            f"of one study and REML estimates of the variance between studies and between effects within a "
            f"study; inference used the CR2 cluster-robust standard error with Satterthwaite degrees of freedom "
            f"(Pustejovsky & Tipton 2018), at the {syn['level']:.0%} level, and prediction intervals from both "
            f"variances. The diagnostics used one composite effect per study (r = {syn['che_rho']}). "
        )
    else:
        model = (
            f"Random-effects meta-analysis with the {syn['method']} estimator of τ² and {test}, at the "
            f"{syn['level']:.0%} level, whenever at least {syn['min_studies_to_pool']} studies contributed to "
            f"an analysis; prediction intervals from √(τ² + SE²) and Q-profile confidence intervals for τ² and "
            f"I². Several effects of one study in one analysis were {combined[syn['multiple_effects']]}. "
        )
    model += (
        f"Subgroups: {join_words(list(syn['subgroups']))}; leave-one-out for pooled analyses with "
        f"k ≥ {LEAVE_ONE_OUT_MIN_STUDIES}."
    )
    spans = window_spans(cfg["harmonize"]["windows"])
    choice = (
        "the latest timepoint"
        if cfg["harmonize"]["timepoint_choice"] == "latest"
        else "the timepoint closest to the window's target ("
        + join_words([f"{name}: {weeks(w)}" for name, w in cfg["harmonize"]["target_weeks"].items()])
        + ")"
    )
    level = f"{syn['level']:.0%}"
    swim = (
        f"Following the SWiM reporting guideline (Campbell et al. 2020), results were grouped by comparison "
        f"(between arms; within arm, change from baseline), domain and time window: "
        f"{join_words([f'{name} ({span})' for name, span in spans.items()])} after baseline. When a study "
        f"reported several timepoints in one window, {choice} was used. The direction of each result was that "
        f"of its point estimate, or the direction reported in words; a study's direction in a domain needed at "
        f"least {EDP_THRESHOLD:.0%} of its results to agree, otherwise it is shown as mixed (Thomson & Thomas "
        f"2013; Boon & Thomson 2021). This one rule gives both the arrows of the effect direction plots and the "
        f"vote counts: directions were summarised by vote counting based on the direction of effect, with a "
        f"two-sided sign test and an exact (Clopper-Pearson) {level} confidence interval for the proportion of "
        f"studies that improved; votes were never based on p values, and vote counts ignore the size and "
        f"precision of effects. The {level} confidence intervals are shown as a separate layer: an arrow is boxed "
        f"when the intervals of at least {EDP_THRESHOLD:.0%} of the study's results in the domain exclude no "
        f"effect; this layer enters neither the arrows nor the counts."
    )
    tools = data["studies"]["rob_tool"].dropna()
    rob = data["risk_of_bias"]
    assessed = rob[rob["judgement"] != "Not assessed"]["study_id"].nunique()
    declared = list(data.config["review"]["risk_of_bias_tools"])
    risk = (
        (f"The review assessed risk of bias with {join_words(declared)}. " if declared else "")
        + f"Risk-of-bias tools named per study: {_counts_text(tools) if len(tools) else 'none recorded'}. "
        f"Judgements were entered for {assessed} of {plural(len(data['studies']), 'study', 'studies')}; "
        f"studies without judgements are shown as not assessed."
        + (
            " Newcastle-Ottawa stars are converted to Good/Fair/Poor with the AHRQ standards (thresholds in the "
            "configuration)."
            if "NOS" in set(tools) | set(rob["tool"])
            else ""
        )
    )
    sof = data["summary_of_findings"]
    graded = int((sof["certainty"] != "not assessed").sum())
    grade = (
        f"GRADE certainty was derived from the reviewers' judgements for {graded} of "
        f"{plural(len(sof), 'outcome')}; "
        f'without judgements the certainty reads "not assessed".'
        + (
            " In the summary of findings, a risk, odds or hazard ratio is shown as the ratio of its event "
            "(back-transformed from the log scale, with the sign reversal of adverse events undone), with absolute "
            "effects per 1,000 participants from the median comparator-arm risk of the included studies (Cochrane "
            "Handbook 14.1.5; Guyatt et al. 2013)."
            if sof["measure"].isin(RATIO_MEASURES).any()
            else ""
        )
    )
    facts = {
        "measures": " ".join(measures) or "No effect size could be computed.",
        "conversions": conversions,
        "correlation": correlation,
        "model": model,
        "swim": swim,
        "risk_of_bias": risk,
        "grade": grade,
        "diagnostics": _diagnostics_methods(cfg["synthesis"]),
    }
    return {key: escape_markdown(text) for key, text in facts.items()}


def _diagnostics_methods(syn: dict) -> str:
    """What the run was set to do beyond pooling, with the minimum number of studies for each method."""
    regression = (
        f"meta-regression on {join_words(list(syn['meta_regression']['moderators']))}, one moderator at a time "
        f"(at least {syn['meta_regression']['min_studies']} studies)"
        if syn["meta_regression"]["moderators"]
        else "no meta-regression (no moderator named)"
    )
    gosh = syn["gosh"]
    return (
        f"Pooled analyses were followed by {regression}; small-study effects (Egger's regression test, the rank "
        f"correlation test and trim-and-fill, at least {syn['small_study_effects']['min_studies']} studies); "
        f"influence diagnostics (at least {syn['influence']['min_studies']} studies); cumulative meta-analysis "
        f"in order of {syn['cumulative']['order_by']} (at least {syn['cumulative']['min_studies']} studies); and "
        f"GOSH over every subset of studies, or a seeded sample of {gosh['max_subsets']:,} (seed {gosh['seed']}), "
        f"at least {gosh['min_studies']} studies. Each used the analysis' own estimator and test."
    )
