"""The report's robustness section: declared sensitivity analyses, the multiverse of each pooled analysis with its
specification curve and verdict, and the GOSH plots (docs/sensitivity.md)."""

from __future__ import annotations

import pandas as pd

from qolreview.formatting import MISSING, estimate_with_ci, is_missing, report_number
from qolreview.labels import slug
from qolreview.report.analyses import analysis_title
from qolreview.report.data import ReportData
from qolreview.report.diagnostics import gosh_section
from qolreview.report.figure_files import Figures
from qolreview.report.markup import escape_markdown, table_or_note
from qolreview.report.wording import measure_short

DETAILED_ANALYSES = 10
"""Pooled analyses up to which the report gives every declared sensitivity result in words and in its table; with
more, only the results that change a conclusion (all are in ``results/sensitivity/sensitivity_analyses.parquet``)."""


def _detailed(declared: pd.DataFrame) -> bool:
    """True when the report gives every declared sensitivity result (up to ``DETAILED_ANALYSES`` pooled analyses)."""
    return declared["analysis_id"].nunique() <= DETAILED_ANALYSES


def declared_shown(declared: pd.DataFrame) -> pd.DataFrame:
    """The declared sensitivity results the report describes: all of them for up to ``DETAILED_ANALYSES`` pooled
    analyses, else those that change the primary analysis' conclusion."""
    if _detailed(declared):
        return declared
    return declared[declared["same_conclusion"].eq(False).fillna(False).astype(bool)]


def _declared_text(declared: pd.DataFrame, titles: dict[str, str]) -> str:
    """The declared sensitivity analyses in words: every result of each pooled analysis, or, beyond
    ``DETAILED_ANALYSES`` analyses, a count and the results that change a conclusion."""
    n_analyses = declared["analysis_id"].nunique()
    told = declared_shown(declared)
    sentences = [
        f"{titles.get(aid, aid)}: " + " ".join(group["sentence"])
        for aid, group in told.groupby("analysis_id", sort=True)
    ]
    lead = escape_markdown(
        "Declared sensitivity analyses (Cochrane Handbook 10.14) repeat each pooled analysis with one set of "
        "departures from the primary choices."
    )
    if not _detailed(declared):
        lead += (
            escape_markdown(
                f" Of their {len(declared):,} results on the {n_analyses} pooled analyses, "
                + (
                    f"{len(told):,} {'changes' if len(told) == 1 else 'change'} a conclusion, and only these are "
                    "described here and in the table"
                    if len(told)
                    else "none changes a conclusion"
                )
            )
            + "; every result is in `results/sensitivity/sensitivity_analyses.parquet`."
        )
    return lead + escape_markdown("".join(f" {sentence}" for sentence in sentences)) + "\n"


def sensitivity_table(data: ReportData, rows: pd.DataFrame) -> pd.DataFrame:
    """One row per declared sensitivity analysis and pooled analysis of ``rows`` (of ``sensitivity_analyses``):
    what was done, the studies left, the result and its difference from the primary estimate (Cochrane Handbook
    10.14)."""
    titles = {row["analysis_id"]: analysis_title(row, data.domain_names) for _, row in data["meta_analyses"].iterrows()}
    return pd.DataFrame(
        {
            "Sensitivity analysis": rows["description"],
            "Analysis": rows["analysis_id"].map(lambda a: titles.get(a, a)),
            "Studies": rows["k"].map(lambda k: report_number(k, 0)),
            "Estimate (95% CI)": [
                estimate_with_ci(y, lb, ub) if status in ("pooled", "unchanged") else status.replace("_", " ")
                for y, lb, ub, status in zip(
                    rows["estimate"], rows["ci_lb"], rows["ci_ub"], rows["status"], strict=True
                )
            ],
            "95% PI": [
                MISSING if is_missing(lb) else f"{report_number(lb)} to {report_number(ub)}"
                for lb, ub in zip(rows["pi_lb"], rows["pi_ub"], strict=True)
            ],
            "τ²": rows["tau2"].map(lambda v: report_number(v, 3)),
            "I² (%)": rows["i2"].map(lambda v: report_number(v, 1)),
            "Difference": rows["difference"].map(report_number),
            "Measure": rows["measure"].map(measure_short),
        }
    )


def robustness_section(data: ReportData, figs: Figures) -> str:
    """Declared sensitivity analyses (a sentence each, and the table), then per pooled analysis its multiverse
    summary, specification curve and verdict, then the GOSH plots."""
    declared, summary = data["sensitivity_analyses"], data["multiverse_summary"]
    titles = {row["analysis_id"]: analysis_title(row, data.domain_names) for _, row in data["meta_analyses"].iterrows()}
    parts = []
    if declared.empty:
        parts.append(
            escape_markdown(
                "No declared sensitivity analysis was run: none is declared (sensitivity.analyses in the "
                "configuration), or no analysis was pooled."
            )
            + "\n"
        )
    else:
        parts.append(_declared_text(declared, titles))
        shown = declared_shown(declared)
        caption = "Declared sensitivity analyses" + ("" if _detailed(declared) else " that change a conclusion")
        parts.append(
            table_or_note(sensitivity_table(data, shown), f"{caption}, against the primary result.", "tbl-sensitivity")
        )
    varied = summary[summary["n_specifications"] > 1]
    if varied.empty:
        parts.append(
            escape_markdown(
                "No multiverse was run: no factor with alternatives is declared (sensitivity.multiverse.factors), "
                "or no analysis was pooled."
            )
            + "\n"
        )
    else:
        parts.append(
            escape_markdown(
                "The multiverse (Steegen et al. 2016; Voracek, Kossmeier & Tran 2019) repeats each pooled analysis "
                "with every combination of the declared alternatives; the specification curve (Simonsohn, Simmons & "
                "Nelson 2020) sorts their estimates, with the choices each made below. A conclusion is robust when at "
                "least 90% of the specifications keep the primary result's direction and whether its confidence "
                "interval excludes no effect."
            )
            + "\n"
        )
        for i, row in enumerate(varied.sort_values("analysis_id").to_dict("records")):
            title = titles.get(row["analysis_id"], row["analysis_id"])
            stem = f"specification-curve-{slug(row['analysis_id'])}"
            figure = figs.markdown(stem, f"fig-specification-curve-{i + 1}") if figs.has(stem) else ""
            parts.append(escape_markdown(f"{title}: {row['robustness']}. {row['sentence']}") + "\n" + figure)
    parts.append(gosh_section(data, figs))
    return "\n".join(part for part in parts if part)
