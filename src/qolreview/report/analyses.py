"""Titles and generated sentences of the pooled analyses."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from qolreview.formatting import is_missing, plural, report_number, report_p_statement
from qolreview.labels import COMPARISON_LABELS
from qolreview.report.data import ReportData
from qolreview.report.wording import (
    BASIS_WORDS,
    MEASURE_LABELS,
    domain_label,
    join_words,
    lower_first,
    measure_short,
    window_words,
)
from qolreview.synthesis.pooling import CHE_TEST


def pooled_analyses(meta: pd.DataFrame) -> pd.DataFrame:
    return meta[meta["pooled"]].reset_index(drop=True)


def unpooled_reason(data: ReportData) -> str:
    """Why no analysis was pooled, as a plain-text clause: no effect size, or fewer studies in every analysis than
    ``synthesis.min_studies_to_pool``."""
    meta = data["meta_analyses"]
    if meta.empty:
        if data["effect_sizes"].empty:
            return "no reported result could become an effect size"
        return "no effect size entered an analysis"
    largest = int(meta["k"].max())
    if largest == 1:
        return "every analysis has a single study"
    needed = data.config["synthesis"]["min_studies_to_pool"]
    return f"every analysis has fewer than the {needed} studies needed to pool (the largest has {largest})"


def analysis_title(row: pd.Series, domain_names: Mapping[str, str]) -> str:
    """ "Domain, window (comparison, measure)" of one analysis; an SMD analysis split by outcome basis
    (:func:`qolreview.synthesis.pooling.split_by_basis`) also names its basis ("SMD, final values")."""
    qualifier = str(row["analysis_id"]).rsplit("|", 1)[-1]
    basis = f", {BASIS_WORDS[qualifier]}" if row["measure"] == "SMD" and qualifier in BASIS_WORDS else ""
    return (
        f"{domain_label(row['domain'], domain_names)}, {window_words(row['window'])} window "
        f"({COMPARISON_LABELS.get(row['comparison'], row['comparison'])}, {measure_short(row['measure'])}{basis})"
    )


def analysis_sentence(
    row: pd.Series,
    labels: dict[str, str],
    arms: tuple[str, str],
    domain_names: Mapping[str, str],
    span: str | None = None,
) -> str:
    """Sentences generated from one pooled analysis' numbers: estimate, interpretation of its interval,
    heterogeneity and prediction interval. Effects are signed so that positive means better quality of life.

    ``arms`` names the intervention and the comparator (``review.intervention_label``, ``comparator_label``);
    ``domain_names`` the review's domains (:attr:`qolreview.report.data.ReportData.domain_names`).
    ``span`` is the window's span in weeks (:func:`qolreview.report.wording.window_spans`). A within-arm
    (pre-post) change is described as a change from baseline, never as an effect of the intervention: it also
    contains regression to the mean, placebo response and natural course, which a control arm accounts for
    (Morris 2008).
    """
    intervention, comparator = arms
    studies = [labels.get(s.strip(), s.strip()) for s in str(row["study_ids"]).split(";") if s.strip()]
    who = join_words(studies) + (
        "; number of participants not reported"
        if is_missing(row["n_participants"])
        else f"; {plural(row['n_participants'], 'participant')}"
    )
    che = row["test"] == CHE_TEST
    if che:
        test = f"CR2 cluster-robust t test on {report_number(row['df'], 1)} degrees of freedom"
    else:
        test = "Knapp-Hartung adjusted test" if row["test"] == "knha" else "z test"
    between = row["comparison"] == "between_arms"
    qol = row.get("qol", True)
    outcome = "quality of life" if is_missing(qol) or qol else "the outcome"
    if row["ci_lb"] > 0:
        meaning = (
            f"The confidence interval lies entirely above zero, favouring {intervention}."
            if between
            else f"The confidence interval lies entirely above zero: {outcome} was better than at baseline."
        )
    elif row["ci_ub"] < 0:
        meaning = (
            f"The confidence interval lies entirely below zero, favouring {comparator}."
            if between
            else f"The confidence interval lies entirely below zero: {outcome} was worse than at baseline."
        )
    else:
        meaning = (
            f"The confidence interval includes zero: the data are compatible with no difference between "
            f"{intervention} and {comparator}."
            if between
            else "The confidence interval includes zero (no change from baseline)."
        )
    if not between:
        meaning += (
            " A change within one arm is not an effect of the treatment: it also contains placebo "
            "response, regression to the mean and the natural course of the condition."
        )
    level = f"{row['level']:.0%}"
    estimate = report_number(row["estimate"])
    interval = f"{level} CI {report_number(row['ci_lb'])} to {report_number(row['ci_ub'])}"
    window = f"the {window_words(row['window'])} window" + (f" ({span})" if span else "")
    within_model = (
        f" with {plural(row['k_effects'], 'effect size')} in the correlated-and-hierarchical-effects model"
        if che
        else ""
    )
    model = "pooled" if che else f"{row['method']} random-effects"
    text = (
        f"Pooling {plural(row['k'], 'study', 'studies')} ({who}){within_model}, the {model} "
        f"{MEASURE_LABELS.get(row['measure'], row['measure'])} for "
        f"{lower_first(domain_label(row['domain'], domain_names))} "
        f"in {window} was {estimate} ({interval}; {report_p_statement(row['pval'])}, {test}). {meaning}"
    )
    if not is_missing(row.get("tau2")):
        within = f", σ² within studies = {report_number(row['sigma2_within'], 3)}" if che else ""
        text += (
            f" Heterogeneity: τ² = {report_number(row['tau2'], 3)}{within}, I² = {report_number(row['i2'], 1)}%, "
            f"Q = {report_number(row['q'])} on {plural(row['q_df'], 'degree')} of freedom "
            f"({report_p_statement(row['q_p'])})"
        )
        text += (
            f"; the {level} prediction interval runs from {report_number(row['pi_lb'])} to "
            f"{report_number(row['pi_ub'])}."
            if not is_missing(row.get("pi_lb"))
            else "."
        )
        if row["k"] == 2:
            text += " With two studies, τ² and the prediction interval are very imprecise."
    return text
