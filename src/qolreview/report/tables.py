"""Display tables of the report: one function per table, values formatted, missing values in words."""

from __future__ import annotations

import pandas as pd

from qolreview.formatting import MISSING, estimate_with_ci, is_missing, report_number, report_p_statement
from qolreview.labels import COMPARISON_LABELS, DOMAIN_LABELS, study_labels
from qolreview.report.data import ReportData
from qolreview.report.wording import (
    design_label,
    domain_label,
    join_words,
    measure_short,
    measure_unit,
    source_cells_text,
)

ONE_STUDY = "not applicable (1 study)"
EMPTY = "(empty)"


def study_characteristics(studies: pd.DataFrame, arms: pd.DataFrame) -> pd.DataFrame:
    """One row per study: design, population, arms, N, follow-up, funding, inclusion status."""

    def arms_text(study_id: str, role: str) -> str:
        rows = arms[(arms["study_id"] == study_id) & (arms["role"] == role)]
        parts = []
        for _, a in rows.iterrows():
            bits = [str(a["label"] if isinstance(a["label"], str) else a["arm_id"])]
            details = [str(a[c]) for c in ("route", "dose") if isinstance(a[c], str) and a[c]]
            if details:
                bits.append("(" + ", ".join(details) + ")")
            bits.append(f"n = {report_number(a['n_arm'], 0)}")
            parts.append(" ".join(bits))
        return "; ".join(parts) or ("none" if (arms["study_id"] == study_id).any() else MISSING)

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


def single_study_results(weights: pd.DataFrame, meta: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Analyses with one study: the study's effect, reported without pooling."""
    single = meta[~meta["pooled"]]
    rows = weights.merge(single[["analysis_id", "comparison", "domain", "window", "measure"]], on="analysis_id")
    return pd.DataFrame(
        {
            "Study": rows["study_id"].map(lambda s: labels.get(s, s)),
            "Comparison": rows["comparison"].map(COMPARISON_LABELS),
            "Domain": rows["domain"].map(domain_label),
            "Window": rows["window"],
            "Instrument(s)": rows["instruments"],
            "Measure": [measure_unit(m, i) for m, i in zip(rows["measure"], rows["instruments"], strict=True)],
            "Effect (95% CI)": [
                estimate_with_ci(y, lb, ub) for y, lb, ub in zip(rows["yi"], rows["ci_lb"], rows["ci_ub"], strict=True)
            ],
            "Source cells": rows["source_cells"].map(source_cells_text),
        }
    )


def vote_count_table(votes: pd.DataFrame) -> pd.DataFrame:
    """Vote counts per comparison and domain (SWiM item 4: vote counting based on the direction of effect),
    quality-of-life domains first, in the order of :data:`~qolreview.labels.DOMAIN_LABELS`."""
    order = {domain: i for i, domain in enumerate(DOMAIN_LABELS)}
    votes = votes.assign(_order=votes["domain"].map(order).fillna(len(order))).sort_values(
        ["comparison", "_order", "domain"], kind="stable"
    )
    return pd.DataFrame(
        {
            "Comparison": votes["comparison"].map(lambda c: COMPARISON_LABELS.get(c, c)),
            "Domain": votes["domain"].map(domain_label),
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


def summary_of_findings_table(sof: pd.DataFrame) -> pd.DataFrame:
    """The summary-of-findings table (Cochrane Handbook 14.1): one row per outcome. Heterogeneity and the
    prediction interval do not exist for a single study, which the table says rather than "not reported"."""
    return pd.DataFrame(
        {
            "Outcome": sof["outcome"].map(domain_label),
            "Studies (participants)": [
                f"{report_number(k, 0)} ({report_number(n, 0)})"
                for k, n in zip(sof["k"], sof["n_participants"], strict=True)
            ],
            "Effect (95% CI)": [
                f"{measure_short(m)}: {estimate_with_ci(e, lb, ub)}" if not is_missing(e) else MISSING
                for m, e, lb, ub in zip(sof["measure"], sof["estimate"], sof["ci_lb"], sof["ci_ub"], strict=True)
            ],
            "Prediction interval": [
                ONE_STUDY if k == 1 else MISSING if is_missing(lb) else f"{report_number(lb)} to {report_number(ub)}"
                for k, lb, ub in zip(sof["k"], sof["pi_lb"], sof["pi_ub"], strict=True)
            ],
            "I²": [
                ONE_STUDY if k == 1 else MISSING if is_missing(v) else f"{report_number(v, 1)}%"
                for k, v in zip(sof["k"], sof["i2"], strict=True)
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
    """Every value the clean stage changed. Numbers are shown with up to 4 decimals ("3.5714" for 25 days
    in weeks); a value the rule cleared reads "(empty)", not "not reported"."""

    def shown(value: object) -> str:
        if is_missing(value) or value == "":
            return EMPTY
        number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
        return str(value) if is_missing(number) or "." not in str(value) else f"{number:.4f}".rstrip("0").rstrip(".")

    return pd.DataFrame(
        {
            "Cell": log["file"] + " › " + log["sheet"] + " › " + log["cell"],
            "Column": log["column"],
            "Old value": log["old_value"].map(shown),
            "New value": log["new_value"].map(shown),
            "Rule": log["rule"],
        }
    ).reset_index(drop=True)
