"""Sentences of the methods section, derived from the configuration and the tables of the run."""

from __future__ import annotations

import pandas as pd

from qolreview.formatting import plural, report_number
from qolreview.labels import study_labels
from qolreview.report.analyses import unpooled_reason
from qolreview.report.data import ReportData
from qolreview.report.markup import escape_markdown
from qolreview.report.wording import (
    BASIS_WORDS,
    COMPARISON_ADJECTIVES,
    MEASURE_LABELS,
    join_words,
    measure_short,
    weeks,
    window_spans,
)
from qolreview.sensitivity import parse_sensitivity
from qolreview.sensitivity.choices import primary_choices
from qolreview.sensitivity.factors import describe
from qolreview.synthesis.narrative import EDP_THRESHOLD
from qolreview.synthesis.pooling import LEAVE_ONE_OUT_MIN_STUDIES
from qolreview.tables import MIXED_BASES, RATIO_MEASURES, UNTIMED_RULE


def _counts_text(values: pd.Series) -> str:
    counts = values.value_counts().sort_index()
    return join_words([f"{name} ({n})" for name, n in counts.items()])


def _outcome_basis(selected: pd.DataFrame, meta: pd.DataFrame) -> str:
    """Whether the continuous effects rest on changes from baseline or on final values, and how the two were
    combined: together in a mean difference, never in a standardised one (Cochrane Handbook 10.5.2)."""
    based = selected[selected["outcome_basis"].notna() & (selected["comparison"] == "between_arms")]
    if based.empty:
        return ""
    counts = based["outcome_basis"].value_counts().sort_index()
    text = "Continuous effects between arms: " + join_words(
        [f"{n} from {BASIS_WORDS.get(basis, basis)}" for basis, n in counts.items()]
    )
    if len(counts) == 1:
        return text + "."
    mixed = int((meta["outcome_basis"] == MIXED_BASES).sum())
    return (
        f"{text}. Change and final values may be combined in a mean difference, which is in the instrument's units "
        f"either way, but not in a standardised mean difference, whose SDs differ between the two (Cochrane Handbook "
        f"10.5.2): standardised analyses were formed separately for change and for final values"
        + (
            f", and {plural(mixed, 'mean-difference analysis', 'mean-difference analyses')} combined both."
            if mixed
            else "."
        )
    )


def _untimed_window(cfg: dict, selected: pd.DataFrame, labels: dict[str, str]) -> str:
    """The window the review declared for results reported without a time, and which results it holds."""
    window = cfg["harmonize"].get("untimed_window")
    if not window:
        return ""
    placed = selected[selected["window_rule"] == UNTIMED_RULE]
    declared = (
        f"Results reported without a time in weeks ({join_words([f'“{t}”' for t in window['timepoints']])}) were "
        f"placed in their own window, {window['label']}, by their timepoint label; no time was assumed for them, and "
        f"the window was never pooled with a timed one."
    )
    if placed.empty:
        return declared + " No selected result was placed there."
    who = join_words(
        [
            f"{labels.get(sid, sid)} ({join_words(sorted(set(rows['timepoint'])))})"
            for sid, rows in placed.groupby("study_id", sort=True)
        ]
    )
    return f"{declared} It holds {plural(len(placed), 'effect size')}: {who}."


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
    if data["meta_analyses"]["pooled"].astype(bool).any():
        model += _subgroups_and_leave_one_out(data)
    else:
        model = f"No analysis was pooled: {unpooled_reason(data)}."
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
    if data["vote_counts"].empty:
        swim = (
            "No result has a direction of effect (an effect size, or a direction reported in words), so nothing was "
            "synthesised without meta-analysis."
        )
    tools = data["studies"]["rob_tool"].dropna()
    rob = data["risk_of_bias"]
    judged = rob[rob["judgement"] != "Not assessed"]
    assessed = judged["study_id"].nunique()
    declared = list(data.config["review"]["risk_of_bias_tools"])
    risk = (
        (f"The review assessed risk of bias with {join_words(declared)}. " if declared else "")
        + f"Risk-of-bias tools named per study: {_counts_text(tools) if len(tools) else 'none recorded'}. "
        + (
            f"Judgements were entered for {assessed} of {plural(len(data['studies']), 'study', 'studies')}; "
            f"studies without judgements are shown as not assessed."
            if assessed
            else "No risk-of-bias judgement was extracted, so every study is shown as not assessed."
        )
        + (
            " Newcastle-Ottawa stars are converted to Good/Fair/Poor with the AHRQ standards (thresholds in the "
            "configuration)."
            if "NOS" in set(judged["tool"])
            else ""
        )
    )
    sof = data["summary_of_findings"]
    graded = int((sof["certainty"] != "not assessed").sum())
    grade = (
        f"GRADE certainty was derived from the reviewers' judgements for {graded} of "
        f"{plural(len(sof), 'outcome')}; "
        f'without judgements the certainty reads "not assessed".'
        if graded
        else 'No GRADE judgement was extracted, so the certainty of every outcome reads "not assessed".'
        if len(sof)
        else "No outcome has a result to summarise or grade."
    ) + (
        " In the summary of findings, a risk, odds or hazard ratio is shown as the ratio of its event "
        "(back-transformed from the log scale, with the sign reversal of adverse events undone), with absolute "
        "effects per 1,000 participants from the median comparator-arm risk of the included studies (Cochrane "
        "Handbook 14.1.5; Guyatt et al. 2013)."
        if sof["measure"].isin(RATIO_MEASURES).any()
        else ""
    )
    labels = study_labels(data["studies"])
    facts = {
        "measures": " ".join(measures) or "No effect size could be computed.",
        "signs": "Every effect is signed so that a positive value means a better outcome: results on instruments "
        "where higher scores are worse were multiplied by −1."
        if len(effects)
        else "",
        "timing": " ".join(
            t for t in (_outcome_basis(selected, data["meta_analyses"]), _untimed_window(cfg, selected, labels)) if t
        ),
        "conversions": conversions,
        "correlation": correlation,
        "model": model,
        "swim": swim,
        "risk_of_bias": risk,
        "grade": grade,
        "diagnostics": _diagnostics_methods(data),
        "sensitivity": _sensitivity_methods(cfg),
    }
    return {key: escape_markdown(text) for key, text in facts.items()}


def _subgroups_and_leave_one_out(data: ReportData) -> str:
    """The subgroup variables that split a pooled analysis into two subgroups or more, those that split none, and
    whether leave-one-out ran."""
    configured = list(data.config["synthesis"]["subgroups"])
    formed = set(data["subgroups"]["subgroup_var"])
    parts = []
    if by := [v for v in configured if v in formed]:
        parts.append(f"Subgroups: {join_words(by)}")
    if not_by := [v for v in configured if v not in formed]:
        parts.append(f"no pooled analysis had studies in two subgroups by {join_words(not_by)}")
    parts.append(
        f"leave-one-out for pooled analyses with k ≥ {LEAVE_ONE_OUT_MIN_STUDIES}"
        if len(data["leave_one_out"])
        else f"no pooled analysis had the {LEAVE_ONE_OUT_MIN_STUDIES} studies leave-one-out needs"
    )
    text = "; ".join(parts)
    return f"{text[:1].upper()}{text[1:]}."


def _diagnostics_methods(data: ReportData) -> str:
    """The diagnostics of the pooled analyses that ran, each with the minimum number of studies it needs, and those
    that ran on no analysis for want of studies: no method is described that the run did not apply."""
    syn = data.config["synthesis"]
    meta = data["meta_analyses"]
    pooled = meta[meta["pooled"].astype(bool)]
    if pooled.empty:
        return "Not run: no analysis was pooled."
    moderators = list(syn["meta_regression"]["moderators"])
    gosh = syn["gosh"]
    methods = {
        "meta_regression": (f"meta-regression on {join_words(moderators)}, one moderator at a time", "meta-regression"),
        "small_study_effects": (
            "Egger's regression test, the rank correlation test and trim-and-fill for small-study effects",
            "the small-study tests",
        ),
        "influence": ("influence diagnostics", "influence diagnostics"),
        "cumulative": (
            f"cumulative meta-analysis in order of {syn['cumulative']['order_by']}",
            "cumulative meta-analysis",
        ),
        "gosh": (
            f"GOSH over every subset of studies, or a sample of {gosh['max_subsets']:,} subsets drawn with seed "
            f"{gosh['seed']}",
            "GOSH",
        ),
    }
    if not moderators:
        del methods["meta_regression"]
    ran = [m for m in methods if len(data[m]) or len(data[f"{m}_failures"])]
    parts = []
    if ran:
        described = [f"{methods[m][0]} (at least {syn[m]['min_studies']} studies)" for m in ran]
        listed = described[0] if len(ran) == 1 else "; ".join(described[:-1]) + f"; and {described[-1]}"
        parts.append(f"Pooled analyses were followed by {listed}. Each used the analysis' own estimator and test.")
    if skipped := [m for m in methods if m not in ran]:
        largest = plural(int(pooled["k"].max()), "study", "studies")
        needs = join_words([f"{methods[m][1]} (at least {syn[m]['min_studies']} studies)" for m in skipped])
        parts.append(f"Not run, as the largest pooled analysis has {largest}: {needs}.")
    if not moderators:
        parts.append("No meta-regression: no moderator was named.")
    return " ".join(parts)


def _sensitivity_methods(cfg: dict) -> str:
    """The declared sensitivity analyses and the multiverse factors of the configuration (docs/sensitivity.md)."""
    parsed = parse_sensitivity(cfg.get("sensitivity"))
    primary = primary_choices(cfg)
    declared = [a.description or describe({**primary, **a.departures}, primary) for a in parsed.analyses]
    text = (
        "Declared sensitivity analyses (Cochrane Handbook 10.14), each on every pooled analysis: "
        f"{'; '.join(declared)}."
        if declared
        else "No sensitivity analysis was declared."
    )
    if parsed.n_specifications > 1:
        factors = join_words([f"{name} ({', '.join(map(str, levels))})" for name, levels in parsed.factors.items()])
        text += (
            f" Multiverse (Steegen et al. 2016): every combination of {factors}, "
            f"{report_number(parsed.n_specifications, 0)} specifications per pooled analysis, summarised by the "
            f"share reaching the primary conclusion and the factor that moves the estimate most."
        )
    return text
