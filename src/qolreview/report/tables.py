"""Display tables of the report: one function per table, values formatted, missing values in words."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import pandas as pd

from qolreview.formatting import MISSING, estimate_with_ci, is_missing, plural, report_number, report_p_statement
from qolreview.labels import COMPARISON_LABELS, study_labels
from qolreview.provenance import compact_cells
from qolreview.records import records
from qolreview.report.data import ReportData
from qolreview.report.wording import (
    design_label,
    domain_label,
    join_words,
    measure_short,
    measure_unit,
    source_cells_text,
    window_words,
)
from qolreview.tables import ADVERSE, FAVOURABLE, RATIO_MEASURES

ONE_STUDY = "not applicable (1 study)"
EMPTY = "(empty)"
NOT_APPLICABLE = "not applicable (not a ratio of events)"
EVENT_WORDS = {ADVERSE: "adverse event (fewer is better)", FAVOURABLE: "favourable event (more is better)"}
"""How the summary of findings names the event of a ratio (:data:`qolreview.tables.EVENTS`)."""


def study_characteristics(studies: pd.DataFrame, arms: pd.DataFrame) -> pd.DataFrame:
    """One row per study: design, population, arms, N, follow-up, funding, inclusion status."""
    parts: dict[tuple[object, object], list[str]] = defaultdict(list)
    for a in records(arms):
        bits = [str(a["label"] if isinstance(a["label"], str) else a["arm_id"])]
        details = [str(a[c]) for c in ("route", "dose") if isinstance(a[c], str) and a[c]]
        if details:
            bits.append("(" + ", ".join(details) + ")")
        bits.append(f"n = {report_number(a['n_arm'], 0)}")
        parts[(a["study_id"], a["role"])].append(" ".join(bits))
    with_arms = set(arms["study_id"])

    def arms_text(study_id: str, role: str) -> str:
        return "; ".join(parts.get((study_id, role), [])) or ("none" if study_id in with_arms else MISSING)

    labels = study_labels(studies)
    out = pd.DataFrame(
        {
            "Study": [labels[s] for s in studies["study_id"]],
            "Design": studies["design"].map(design_label),
            "Population": studies["population"].map(lambda v: MISSING if is_missing(v) else v),
            "Country": studies["country"].map(lambda v: MISSING if is_missing(v) else v),
            "N": studies["n_total"].map(lambda v: report_number(v, 0)),
            "Intervention": [arms_text(s, "intervention") for s in studies["study_id"]],
            "Comparator": [arms_text(s, "comparator") for s in studies["study_id"]],
            "Follow-up (weeks)": studies["follow_up_weeks"].map(lambda v: report_number(v, 1)),
            "Funding": studies["funding"].map(lambda v: MISSING if is_missing(v) else str(v).replace("_", " ")),
            "Inclusion": studies["inclusion_status"],
        }
    )
    return out


def single_study_results(
    weights: pd.DataFrame, meta: pd.DataFrame, labels: dict[str, str], domain_names: Mapping[str, str]
) -> pd.DataFrame:
    """Analyses with one study: the study's effect, reported without pooling."""
    single = meta[~meta["pooled"]]
    rows = weights.merge(single[["analysis_id", "comparison", "domain", "window", "measure"]], on="analysis_id")
    return pd.DataFrame(
        {
            "Study": rows["study_id"].map(lambda s: labels.get(s, s)),
            "Comparison": rows["comparison"].map(COMPARISON_LABELS),
            "Domain": rows["domain"].map(lambda d: domain_label(d, domain_names)),
            "Window": rows["window"].map(window_words),
            "Instrument(s)": rows["instruments"],
            "Measure": [measure_unit(m, i) for m, i in zip(rows["measure"], rows["instruments"], strict=True)],
            "Effect (95% CI)": [
                estimate_with_ci(y, lb, ub) for y, lb, ub in zip(rows["yi"], rows["ci_lb"], rows["ci_ub"], strict=True)
            ],
            "Source cells": rows["source_cells"].map(source_cells_text),
        }
    )


def vote_count_table(votes: pd.DataFrame, domain_names: Mapping[str, str]) -> pd.DataFrame:
    """Vote counts per comparison and domain (SWiM item 4: vote counting based on the direction of effect),
    domains in the order of ``domain_names`` (:attr:`~qolreview.report.data.ReportData.domain_names`: quality-of-life
    domains first)."""
    order = {domain: i for i, domain in enumerate(domain_names)}
    votes = votes.assign(_order=votes["domain"].map(order).fillna(len(order))).sort_values(
        ["comparison", "_order", "domain"], kind="stable"
    )
    return pd.DataFrame(
        {
            "Comparison": votes["comparison"].map(lambda c: COMPARISON_LABELS.get(c, c)),
            "Domain": votes["domain"].map(lambda d: domain_label(d, domain_names)),
            "Studies": votes["n_studies"].map(lambda v: report_number(v, 0)),
            "Improved": votes["n_improved"].map(lambda v: report_number(v, 0)),
            "Worsened": votes["n_worsened"].map(lambda v: report_number(v, 0)),
            "No clear difference": votes["n_no_clear"].map(lambda v: report_number(v, 0)),
            "Proportion improved among studies with a clear direction (95% CI)": [
                estimate_with_ci(p, lb, ub)
                for p, lb, ub in zip(votes["proportion_improved"], votes["ci_lb"], votes["ci_ub"], strict=True)
            ],
            "Sign test": votes["sign_test_p"].map(report_p_statement),
        }
    ).reset_index(drop=True)


def subgroup_table(subgroups: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Subgroup estimates of one analysis with the test for subgroup differences (Cochrane Handbook 10.11.3)."""
    return pd.DataFrame(
        {
            "Variable": subgroups["subgroup_var"],
            "Subgroup": subgroups["subgroup"],
            "Studies": [
                f"{k}: {join_words([labels.get(s.strip(), s.strip()) for s in str(ids).split(';')])}"
                for k, ids in zip(subgroups["k"], subgroups["study_ids"], strict=True)
            ],
            "Estimate (95% CI)": [
                estimate_with_ci(e, lb, ub)
                for e, lb, ub in zip(subgroups["estimate"], subgroups["ci_lb"], subgroups["ci_ub"], strict=True)
            ],
            "Test for subgroup differences": [
                f"Q = {report_number(q)}, df = {report_number(df, 0)}, {report_p_statement(p)}"
                for q, df, p in zip(
                    subgroups["q_between"], subgroups["q_between_df"], subgroups["q_between_p"], strict=True
                )
            ],
        }
    )


def leave_one_out_table(loo: pd.DataFrame) -> pd.DataFrame:
    """The pooled estimate with each study left out in turn (sensitivity analysis, Cochrane Handbook 10.14)."""
    return pd.DataFrame(
        {
            "Study left out": loo["omitted_label"],
            "Studies": loo["k"].map(lambda v: report_number(v, 0)),
            "Estimate (95% CI)": [
                estimate_with_ci(e, lb, ub)
                for e, lb, ub in zip(loo["estimate"], loo["ci_lb"], loo["ci_ub"], strict=True)
            ],
            "p": loo["pval"].map(report_p_statement),
            "τ²": loo["tau2"].map(lambda v: report_number(v, 3)),
            "I²": loo["i2"].map(lambda v: f"{report_number(v, 1)}%" if not is_missing(v) else MISSING),
        }
    )


def _per_1000(risk: object) -> str:
    """A risk as a whole number per 1,000."""
    return report_number(round(1000 * float(risk)), 0)  # type: ignore[arg-type]


def _difference(change: float) -> str:
    """A difference per 1,000 in words: "135 fewer", "12 more"."""
    count = round(1000 * change)
    return f"{report_number(abs(count), 0)} {'fewer' if count < 0 else 'more'}"


def _relative_effect(row: pd.Series) -> str:
    """The effect column: the event's RR, OR or HR back-transformed, else the analysis' estimate on its own scale
    (a log ratio of mixed events signed so that positive = better)."""
    if not is_missing(row["event"]):
        text = estimate_with_ci(row["relative_effect"], row["relative_ci_lb"], row["relative_ci_ub"])
        return f"{row['measure']} {text}, {EVENT_WORDS[row['event']]}"
    if is_missing(row["estimate"]):
        if is_missing(row["k"]):
            return "no effect size (direction only)"
        return "not pooled (too few studies)" if int(row["k"]) > 1 else MISSING
    measure = row["measure"]
    label = f"log {measure} (positive = better)" if measure in RATIO_MEASURES else measure_short(measure)
    return f"{label}: {estimate_with_ci(row['estimate'], row['ci_lb'], row['ci_ub'])}"


def _absolute_effect(row: pd.Series) -> str:
    """The anticipated absolute effect per 1,000 (GRADE; Cochrane Handbook 14.1.5): the assumed comparator risk,
    the intervention risk with its CI and their difference, or why there is none."""
    if row["measure"] not in RATIO_MEASURES:
        return NOT_APPLICABLE
    if not is_missing(row["absolute_effect_note"]):
        return f"not computed: {row['absolute_effect_note']}"
    if is_missing(row["intervention_risk"]):
        return MISSING
    acr = float(row["comparator_risk"])
    lb, ub = (float(row[c]) - acr for c in ("intervention_risk_ci_lb", "intervention_risk_ci_ub"))
    return (
        f"{_per_1000(acr)} with the comparator (median of {plural(row['comparator_risk_k'], 'study', 'studies')}), "
        f"{_per_1000(row['intervention_risk'])} ({_per_1000(row['intervention_risk_ci_lb'])} to "
        f"{_per_1000(row['intervention_risk_ci_ub'])}) with the intervention: "
        f"{_difference(float(row['intervention_risk']) - acr)} (from {_difference(lb)} to {_difference(ub)})"
    )


def _unpooled(row: pd.Series) -> str | None:
    """Why a summary-of-findings row has no pooled result (a single study, too few studies to pool, or no effect size:
    an outcome with directions only, which has no k); None when it was pooled."""
    if is_missing(row["k"]):
        return "not applicable (no effect size)"
    if int(row["k"]) == 1:
        return ONE_STUDY
    return "not applicable (not pooled)" if is_missing(row["estimate"]) else None


def _prediction_interval(row: pd.Series) -> str:
    """The prediction interval on the scale of the effect column; an analysis not pooled has none."""
    if reason := _unpooled(row):
        return reason
    lb, ub = ("relative_pi_lb", "relative_pi_ub") if not is_missing(row["event"]) else ("pi_lb", "pi_ub")
    return MISSING if is_missing(row[lb]) else f"{report_number(row[lb])} to {report_number(row[ub])}"


def summary_of_findings_table(sof: pd.DataFrame, domain_names: Mapping[str, str]) -> pd.DataFrame:
    """The summary-of-findings table (Cochrane Handbook 14.1; Guyatt et al. 2013): one row per outcome. A ratio
    measure shows the event's risk, odds or hazard ratio (not its logarithm) and the absolute effect per 1,000 from the
    assumed comparator risk; an estimate, heterogeneity and the prediction interval do not exist for an analysis not
    pooled (a single study, too few studies) or an outcome without effect sizes, which the table says rather than
    "not reported"."""
    rows = [row for _, row in sof.iterrows()]
    return pd.DataFrame(
        {
            "Outcome": sof["outcome"].map(lambda d: domain_label(d, domain_names)),
            "Studies (participants)": [
                "none with an effect size" if is_missing(k) else f"{report_number(k, 0)} ({report_number(n, 0)})"
                for k, n in zip(sof["k"], sof["n_participants"], strict=True)
            ],
            "Effect (95% CI)": [_relative_effect(row) for row in rows],
            "Absolute effect per 1,000 (95% CI)": [_absolute_effect(row) for row in rows],
            "Prediction interval": [_prediction_interval(row) for row in rows],
            "I²": [
                _unpooled(row) or (MISSING if is_missing(row["i2"]) else f"{report_number(row['i2'], 1)}%")
                for row in rows
            ],
            "Direction (improved / studies)": [
                f"{report_number(i, 0)} / {report_number(n, 0)}"
                for i, n in zip(sof["narrative_n_improved"], sof["narrative_n_studies"], strict=True)
            ],
            "Certainty": sof["certainty"],
        }
    )


def secondary_outcomes_table(data: ReportData) -> pd.DataFrame:
    """Selected effects on non-QoL outcomes (symptoms, functioning), and those only described."""
    labels = study_labels(data["studies"])
    es = data["effect_sizes"]
    es = es[es["selected"] & ~es["qol"].astype(bool) & (es["comparison"] == "between_arms")]
    nc = data["not_convertible"]
    nc = nc[nc["qol"].fillna(True).eq(False)]
    rows = [
        (
            labels.get(r["study_id"], r["study_id"]),
            r["instrument"],
            r["subscale"],
            r["timepoint"],
            f"{measure_unit(r['measure'], r['instrument'])}: {estimate_with_ci(r['yi'], r['ci_lb'], r['ci_ub'])}",
            source_cells_text(r["source_cells"]),
        )
        for _, r in es.iterrows()
    ]
    rows += [
        (
            labels.get(r["study_id"], r["study_id"]),
            r["instrument"],
            r["subscale"],
            r["timepoint"],
            f"not converted: {r['reason']}",
            source_cells_text(r["source_cells"]),
        )
        for _, r in nc.iterrows()
    ]
    return pd.DataFrame(rows, columns=["Study", "Instrument", "Subscale", "Timepoint", "Result", "Source cells"])


def not_convertible_table(nc: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Study": nc["study_id"].map(lambda s: labels.get(s, s)),
            "Instrument": nc["instrument"],
            "Subscale": nc["subscale"],
            "Timepoint": nc["timepoint"],
            "Reason": nc["reason"],
            "Source cells": nc["source_cells"].map(source_cells_text),
        }
    )


def cleaning_log_table(log: pd.DataFrame) -> pd.DataFrame:
    """Every value the clean stage changed, one row per change (column, old value, new value, rule) with the cells
    it was made in (``file › sheet!E2,E3``, in row order): the same conversion of many cells ("week 4" to 4 in every
    row) is one row, so the table grows with the kinds of change rather than with the workbook. Numbers are shown
    with up to 4 decimals ("3.5714" for 25 days in weeks); a value the rule cleared reads "(empty)", not "not
    reported"."""

    def shown(values: pd.Series) -> list[str]:
        numbers = pd.to_numeric(values.astype(object), errors="coerce")
        return [
            EMPTY
            if is_missing(value) or value == ""
            else str(value)
            if is_missing(number) or "." not in str(value)
            else f"{number:.4f}".rstrip("0").rstrip(".")
            for value, number in zip(values, numbers, strict=True)
        ]

    keys = ["file", "sheet", "column", "old_value", "new_value", "rule"]
    changes = log.assign(old_value=shown(log["old_value"]), new_value=shown(log["new_value"]))
    grouped = changes.groupby(keys, sort=False, dropna=False)["cell"]
    rows = [
        {
            "Cells": f"{file} › {compact_cells('; '.join(f'{sheet}!{cell}' for cell in cells))}",
            "Column": column,
            "Old value": old,
            "New value": new,
            "Rule": rule,
            "Changes": report_number(len(cells), 0),
        }
        for (file, sheet, column, old, new, rule), cells in grouped
    ]
    columns = ["Cells", "Column", "Old value", "New value", "Rule", "Changes"]
    return pd.DataFrame(rows, columns=columns)
