"""The auditors' table: every number the report shows, with the workbook cells it was computed from; in the report
(in full, or counted when long) and as ``provenance.csv`` beside it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qolreview.atomic import write_bytes_atomic
from qolreview.formatting import estimate_with_ci, report_number
from qolreview.labels import COMPARISON_LABELS, study_labels
from qolreview.report.analyses import analysis_title
from qolreview.report.claims_check import checked_claims
from qolreview.report.data import ReportData
from qolreview.report.markup import markdown_table
from qolreview.report.wording import domain_label, measure_short, source_cells_text


def provenance_table(data: ReportData) -> pd.DataFrame:
    """Every number shown in the report's text and tables, with the workbook cells it was computed from.

    Rows: study characteristics (N, follow-up), effect sizes, analyses, subgroups, vote counts (the cells of
    the directions counted), summary-of-findings rows and checked claims. Cell lists are in compact form
    (:func:`source_cells_text`).
    """
    labels = study_labels(data["studies"])
    rows: list[tuple[str, str, str, str]] = []
    for _, s in data["studies"].iterrows():
        study = labels[s["study_id"]]
        rows.append(("Study characteristics", f"{study}: N", report_number(s["n_total"], 0), str(s["cell_n_total"])))
        rows.append(
            (
                "Study characteristics",
                f"{study}: follow-up (weeks)",
                report_number(s["follow_up_weeks"], 1),
                str(s["cell_follow_up_weeks"]),
            )
        )
    for _, e in data["effect_sizes"].iterrows():
        what = f"{labels.get(e['study_id'], e['study_id'])}: {e['instrument']} {e['subscale']}, {e['timepoint']}"
        rows.append(
            (
                "Effect size",
                f"{what} ({measure_short(e['measure'])}, {COMPARISON_LABELS.get(e['comparison'], e['comparison'])})",
                estimate_with_ci(e["yi"], e["ci_lb"], e["ci_ub"]),
                str(e["source_cells"]),
            )
        )
    meta = data["meta_analyses"].set_index("analysis_id", drop=False)
    for _, m in meta.iterrows():
        rows.append(
            (
                "Analysis",
                analysis_title(m, data.domain_names),
                estimate_with_ci(m["estimate"], m["ci_lb"], m["ci_ub"]),
                str(m["source_cells"]),
            )
        )
    for _, g in data["subgroups"].iterrows():
        rows.append(
            (
                "Subgroup",
                f"{analysis_title(meta.loc[g['analysis_id']], data.domain_names)}: "
                f"{g['subgroup_var']} = {g['subgroup']}",
                estimate_with_ci(g["estimate"], g["ci_lb"], g["ci_ub"]),
                str(meta.loc[g["analysis_id"], "source_cells"]),
            )
        )
    direction = data["effect_direction"]
    for _, v in data["vote_counts"].iterrows():
        counted = direction[(direction["comparison"] == v["comparison"]) & (direction["domain"] == v["domain"])]
        rows.append(
            (
                "Vote count",
                f"{domain_label(v['domain'], data.domain_names)} ({COMPARISON_LABELS.get(v['comparison'])})",
                f"{report_number(v['n_improved'], 0)} of {report_number(v['n_studies'], 0)} improved",
                "; ".join(str(c) for c in counted["source_cells"]),
            )
        )
    for _, f in data["summary_of_findings"].iterrows():
        rows.append(
            (
                "Summary of findings",
                domain_label(f["outcome"], data.domain_names),
                f"{report_number(f['k'], 0)} ({report_number(f['n_participants'], 0)}); {f['certainty']}",
                str(f["source_cells"]),
            )
        )
    for _, c in checked_claims(data).iterrows():
        rows.append(("Claim", str(c["statement"]), str(c["verdict"]), f"{c['cell_statement']}; {c['cells']}"))
    table = pd.DataFrame(rows, columns=["Where", "What", "Value", "Source cells"])
    table["Source cells"] = table["Source cells"].map(source_cells_text)
    return table


PROVENANCE_FILE = "provenance.csv"
"""The provenance table as CSV, written beside the report by the ``provenance`` rule."""
PROVENANCE_ROWS = 500
"""Rows of the provenance table the report shows in full; a longer table is counted by where its numbers appear,
and read in ``provenance.csv``."""


def write_provenance(table: pd.DataFrame, path: str | Path) -> None:
    """The provenance table as UTF-8 CSV with a header (atomically, with ordinary permissions)."""
    write_bytes_atomic({Path(path): table.to_csv(index=False, lineterminator="\n").encode("utf-8")})


def read_provenance(project_dir: str | Path, results_dir: str | Path) -> pd.DataFrame:
    """The table the ``provenance`` rule wrote beside the report, every cell as text (as written)."""
    path = Path(project_dir) / results_dir / "report" / PROVENANCE_FILE
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def provenance_section(table: pd.DataFrame) -> str:
    """The provenance table (``tbl-provenance``, from :func:`read_provenance`) and where its CSV file is; above
    ``PROVENANCE_ROWS`` rows, the number of values per place in the report instead, so that a large review's report
    stays small."""
    where = f"[{PROVENANCE_FILE}](<{PROVENANCE_FILE}>), beside this report"
    if len(table) <= PROVENANCE_ROWS:
        caption = "Numbers shown in this report and the workbook cells they were computed from."
        return f"The same table is in {where}.\n\n" + markdown_table(table, caption, "tbl-provenance")
    counts = table.groupby("Where", sort=False).size()
    summary = pd.DataFrame({"Where": counts.index, "Numbers": [report_number(n, 0) for n in counts]})
    return (
        f"This report shows {report_number(len(table), 0)} numbers, too many to list here: @tbl-provenance counts "
        f"them by where they appear, and {where}, gives each with the workbook cells it was computed from.\n\n"
        + markdown_table(summary, "Numbers shown in this report, by where they appear.", "tbl-provenance")
    )
