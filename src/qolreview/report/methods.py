"""Sentences of the methods section, derived from the configuration and the tables of the run."""

from __future__ import annotations

import pandas as pd

from qolreview.report.data import ReportData
from qolreview.report.wording import COMPARISON_ADJECTIVES, MEASURE_LABELS, fmt, join_words, plural


def _counts_text(values: pd.Series) -> str:
    counts = values.value_counts().sort_index()
    return join_words([f"{name} ({n})" for name, n in counts.items()])


def methods_facts(data: ReportData) -> dict[str, str]:
    """Sentences for the methods section, derived from the configuration and the tables of the run."""
    cfg = data.config
    effects = data["effect_sizes"]
    selected = effects[effects["selected"]]
    measures = []
    for comparison, group in selected.groupby("comparison", sort=True):
        names = join_words([f"{MEASURE_LABELS.get(m, m)} ({n})" for m, n in group["measure"].value_counts()
                            .sort_index().items()])
        adjective = COMPARISON_ADJECTIVES.get(comparison, comparison)
        measures.append(f"{adjective[:1].upper()}{adjective[1:]} effects: {names}.")
    log = data.tables.get("conversion_log", pd.DataFrame(columns=["name", "approximate"]))
    sources = log.groupby("name", sort=True)["source"].first() if len(log) else pd.Series(dtype=str)
    conversions = ("Conversions applied (number of steps; source): " + "; ".join(
        f"{name} ({n}; {sources[name]})" for name, n in log["name"].value_counts().sort_index().items())
        + f". {int(log['approximate'].sum())} of the {len(log)} steps "
        + ("is an approximation." if int(log["approximate"].sum()) == 1 else "are approximations.") if len(log)
        else "No statistic needed converting.")
    r_rows = selected[selected["r_source"].notna() & (selected["r_source"] != "not_used")]
    correlation = (f"{_counts_text(r_rows['r_source'])} (default r = {cfg['harmonize']['pre_post_r']}; "
                   f"values used: {join_words(sorted({fmt(v) for v in r_rows['r_used'].dropna()}))})."
                   if len(r_rows) else f"not needed by any effect (default r = {cfg['harmonize']['pre_post_r']}).")
    syn = cfg["synthesis"]
    test = ("the Knapp-Hartung adjustment (t distribution with k − 1 degrees of freedom)" if syn["test"] == "knha"
            else "a normal (z) test")
    model = (f"Random-effects meta-analysis with the {syn['method']} estimator of τ² and {test}, at the "
             f"{syn['level']:.0%} level, whenever at least {syn['min_studies_to_pool']} studies contributed to an "
             f"analysis; prediction intervals from √(τ² + SE²) and Q-profile confidence intervals for τ² and I². "
             f"Several effects of one study in one analysis were combined by "
             f"{'a composite (Borenstein et al. 2009, ch. 24) assuming r = ' + str(syn['composite_correlation']) if syn['multiple_effects'] == 'composite' else 'instrument priority (' + ', '.join(syn['instrument_priority']) + ')'}. "
             f"Subgroups: {join_words(list(syn['subgroups']))}; leave-one-out for pooled analyses with k ≥ 3.")
    windows = join_words([f"{w['name']} (up to {plural(w['max_weeks'], 'week')})" if "max_weeks" in w else
                          f"{w['name']} (longer)" for w in cfg["harmonize"]["windows"]])
    tools = data["studies"]["rob_tool"].dropna()
    rob = data["risk_of_bias"]
    assessed = rob[rob["judgement"] != "Not assessed"]["study_id"].nunique()
    risk = (f"Risk-of-bias tools named per study: {_counts_text(tools) if len(tools) else 'none recorded'}. "
            f"Judgements were entered for {assessed} of {plural(len(data['studies']), 'study', 'studies')}; "
            f"studies without judgements are shown as not assessed. Newcastle-Ottawa stars are converted to "
            f"Good/Fair/Poor with the AHRQ standards (thresholds in the configuration).")
    sof = data["summary_of_findings"]
    graded = int((sof["certainty"] != "not assessed").sum())
    grade = (f"GRADE certainty was derived from the reviewers' judgements for {graded} of "
             f"{plural(len(sof), 'outcome')}; "
             f"without judgements the certainty reads \"not assessed\".")
    return {"measures": " ".join(measures) or "No effect size could be computed.", "conversions": conversions,
            "correlation": correlation, "model": model, "windows": windows, "risk_of_bias": risk, "grade": grade}
