"""Loading and formatting for the Quarto report (``report/review.qmd``).

The report's cells stay short: they call the functions here, which read the pipeline's tables and turn
them into sentences and display tables. Every number shown is formatted by :func:`fmt` and friends, which
never print ``nan`` or ``None``: a missing value reads "not reported".
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import platform
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from qolreview.claims import check_claims
from qolreview.formatting import is_missing, number, p_value
from qolreview.figure_inputs import evidence_map_table
from qolreview.instruments import load_registry
from qolreview.labels import slug, study_labels
from qolreview.parquet_io import read_table

MISSING = "not reported"
DOMAIN_LABELS = {
    "overall": "Overall QoL / health status",
    "physical": "Physical",
    "psychological": "Psychological",
    "social": "Social",
    "daily_functioning": "Daily functioning",
    "environment": "Environment",
    "symptoms": "Depressive symptoms",
    "functioning": "Functioning",
}
COMPARISON_LABELS = {"between_arms": "between arms", "within_arm_prepost": "within arm, pre-post"}
COMPARISON_ADJECTIVES = {"between_arms": "between-arm", "within_arm_prepost": "within-arm (pre-post)"}
MEASURE_SHORT = {"RR": "log RR", "OR": "log OR"}
"""Short measure names for tables: ratio measures are analysed and shown on the log scale."""
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
_CELL = re.compile(r"^(?P<sheet>[^!]+)!(?P<column>[A-Z]+)(?P<row>[0-9]+)$")
MEASURE_LABELS = {
    "SMD": "standardised mean difference (Hedges' g)",
    "MD": "mean difference",
    "SMCR": "standardised mean change (baseline SD)",
    "SMCC": "standardised mean change (change-score SD)",
    "MC": "mean change",
    "RR": "log risk ratio",
    "OR": "log odds ratio",
    "RD": "risk difference",
    "GEN": "reported effect",
}
SOFTWARE = ("qolreview", "snakemake", "pandas", "numpy", "scipy", "pyarrow", "pandera", "matplotlib",
            "python-calamine", "openpyxl", "jupytext", "nbclient", "pypandoc-binary")


def fmt(value: object, digits: int = 2) -> str:
    """A number with ``digits`` decimals (thousands separated when ``digits`` is 0); missing reads "not reported"."""
    return number(value, digits, missing=MISSING, thousands=digits == 0)


def fmt_p(p: object) -> str:
    """A p value as journals print it: ``p = 0.012``, ``p < 0.001``."""
    text = p_value(p, missing=MISSING)
    return f"p {text}" if is_missing(p) or text.startswith("<") else f"p = {text}"


def fmt_ci(estimate: object, lower: object, upper: object, digits: int = 2, level: float = 0.95) -> str:
    """``0.31 (95% CI 0.05 to 0.57)``."""
    if is_missing(estimate):
        return MISSING
    if is_missing(lower) or is_missing(upper):
        return fmt(estimate, digits)
    return f"{fmt(estimate, digits)} ({level:.0%} CI {fmt(lower, digits)} to {fmt(upper, digits)})"


def domain_label(domain: str) -> str:
    return DOMAIN_LABELS.get(domain, domain.replace("_", " "))


def lower_first(text: str) -> str:
    """Lower-case the first letter for use inside a sentence, unless it starts an acronym ("QoL", "EQ-5D")."""
    first_word = text.split(" ", 1)[0]
    if any(c.isupper() or c.isdigit() for c in first_word[1:]):
        return text
    return text[:1].lower() + text[1:]


def plural(count: object, singular: str, plural_form: str | None = None) -> str:
    """``1 study``, ``2 studies``; the count formatted by :func:`fmt` (missing reads "not reported")."""
    word = singular if not is_missing(count) and float(count) == 1 else (plural_form or singular + "s")  # type: ignore[arg-type]
    return f"{fmt(count, 0)} {word}"


def measure_short(measure: str) -> str:
    return MEASURE_SHORT.get(measure, measure)


def compact_cells(cells: object) -> str:
    """A source-cell list in compact form: each sheet named once, its cells in row order.

    ``"outcomes!Q7; outcomes!R7; contrasts!H3; outcomes!Q8"`` reads ``"outcomes!Q7,R7,Q8; contrasts!H3"``.
    Items that are not single cells are kept as they are.
    """
    if is_missing(cells):
        return MISSING
    by_sheet: dict[str, list[tuple[int, int, str]]] = {}
    other: list[str] = []
    for item in (part.strip() for part in str(cells).split(";")):
        match = _CELL.match(item)
        if match is None:
            if item and item not in other:
                other.append(item)
            continue
        key = (int(match["row"]), len(match["column"]), match["column"])
        sheet = by_sheet.setdefault(match["sheet"], [])
        if key not in sheet:
            sheet.append(key)
    parts = [f"{sheet}!" + ",".join(f"{col}{row}" for row, _, col in sorted(keys)) for sheet, keys in by_sheet.items()]
    return "; ".join(parts + other)


@dataclass(frozen=True)
class ReportData:
    """Every table the report shows, read once."""

    config: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    project_dir: Path

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]


TABLE_FILES = {
    "studies": "clean/studies.parquet",
    "arms": "clean/arms.parquet",
    "outcomes": "clean/outcomes.parquet",
    "contrasts": "clean/contrasts.parquet",
    "sources": "clean/sources.parquet",
    "prisma": "clean/prisma.parquet",
    "claims": "clean/claims.parquet",
    "cleaning_log": "clean/cleaning_log.parquet",
    "effect_sizes": "harmonized/effect_sizes.parquet",
    "conversion_log": "harmonized/conversion_log.parquet",
    "not_convertible": "harmonized/not_convertible.parquet",
    "meta_analyses": "synthesis/meta_analyses.parquet",
    "study_weights": "synthesis/study_weights.parquet",
    "leave_one_out": "synthesis/leave_one_out.parquet",
    "subgroups": "synthesis/subgroups.parquet",
    "effect_direction": "synthesis/effect_direction.parquet",
    "vote_counts": "synthesis/vote_counts.parquet",
    "risk_of_bias": "synthesis/risk_of_bias.parquet",
    "summary_of_findings": "synthesis/summary_of_findings.parquet",
}


def load(project_dir: str | Path, results_dir: str | Path, config_used: str | Path) -> ReportData:
    """Read the run's configuration and every results table the report uses.

    ``results_dir`` and ``config_used`` are relative to ``project_dir``; so are the paths inside the
    configuration (the workbook, the instrument registry).
    """
    project = Path(project_dir)
    root = project / results_dir
    config = yaml.safe_load((project / config_used).read_text(encoding="utf-8"))
    tables = {name: read_table(root / rel) for name, rel in TABLE_FILES.items()}
    return ReportData(config=config, tables=tables, project_dir=project)


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def software_versions() -> pd.DataFrame:
    rows = [("Python", platform.python_version())]
    rows += [(name, metadata.version(name)) for name in SOFTWARE]
    return pd.DataFrame(rows, columns=["Software", "Version"])


def input_checksums(data: ReportData) -> pd.DataFrame:
    """Size and SHA-256 of every input file of the run (paths as configured, relative to the project)."""
    paths = [data.config["extraction"], data.config["instruments"], data.config["synonyms"]]
    return pd.DataFrame(
        [(p, (data.project_dir / p).stat().st_size, file_sha256(data.project_dir / p)) for p in paths],
        columns=["File", "Bytes", "SHA-256"],
    )


def config_text(config: dict[str, Any]) -> str:
    """The configuration as YAML, for the appendix."""
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100)


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
        return "all " + plural(k, "study", "studies") if len(ids) == k and k > 1 else join_words(
            [labels.get(s, s) for s in ids])

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
        what = join_words([f"{labels.get(s, s)} ({join_words(sorted(set(g['instrument'])))})"
                           for s, g in words.groupby("study_id", sort=False)])
        items.append(f"{plural(len(words), 'result')} reported only in words or as a bound: {what}")
    unconverted = emap[emap["status"] == "not_convertible"]
    if len(unconverted):
        items.append(f"{plural(len(unconverted), 'result')} reported without the statistics needed for an "
                     f"effect size (@sec-not-convertible)")
    unidentified = studies.loc[studies["doi"].isna(), "study_id"]
    if len(unidentified):
        items.append(f"publication not identified (no DOI) for {named(unidentified)}")
    sof = data["summary_of_findings"]
    ungraded = int((sof["certainty"] == "not assessed").sum())
    if ungraded:
        items.append(f"GRADE judgements missing for " + (f"all {plural(len(sof), 'outcome')}" if ungraded == len(sof)
                     and ungraded > 1 else f"{ungraded} of {plural(len(sof), 'outcome')}"))
    return items


def about_callout(data: ReportData, renderer: str) -> str:
    """The "what this report is" box (Markdown): the review, the studies it covers and what is missing."""
    review = data.config["review"]
    inclusion = inclusion_summary(data["studies"])
    confirmed, provisional = inclusion["confirmed"], inclusion["provisional"]
    reference = "; ".join(str(review[key]).rstrip(".") if key != "doi" else f"doi {review[key]}"
                          for key in ("authors", "citation", "doi") if review.get(key))
    k = inclusion["k"]
    if not provisional:
        status = f"all confirmed as included in the review ({join_words(confirmed)})"
    elif not confirmed:
        status = (f"none confirmed as included in the review; all are provisional ({join_words(provisional)}), "
                  f"because their inclusion could not be verified")
    else:
        status = (f"{len(confirmed)} confirmed as included in the review ({join_words(confirmed)}) and "
                  f"{len(provisional)} provisional ({join_words(provisional)}), whose inclusion could not be "
                  f"verified")
    known = "all of them" if inclusion["k_n_known"] == k else f"{inclusion['k_n_known']} of them"
    lines = [
        "::: {.callout-note}", "## What this report is", "",
        f"This document re-analyses *{review['title']}*" + (f" ({reference})" if reference else "")
        + f" from {review['data_source']}, transcribed into an extraction workbook with the source of every "
        f"number. It was generated by the review pipeline and rendered with the {renderer} renderer; no number "
        f"in it was typed by hand.",
        "",
        f"It covers {plural(k, 'study', 'studies')}: {status}. "
        + (f"Sample sizes are known for {known} ({plural(inclusion['n_known'], 'participant')})."
           if inclusion["k_n_known"] else "No sample size is known."),
    ]
    missing = missing_items(data)
    if missing:
        lines += ["", "Missing from the public record:", ""] + [f"- {item[:1].upper()}{item[1:]}." for item in missing]
    lines += [":::", ""]
    return "\n".join(lines)


def join_words(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``; "none" for an empty list."""
    if not items:
        return "none"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


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
            bits.append(f"n = {fmt(a['n_arm'], 0)}")
            parts.append(" ".join(bits))
        return "; ".join(parts) or ("none" if (arms["study_id"] == study_id).any() else MISSING)

    labels = study_labels(studies)
    out = pd.DataFrame({
        "Study": [labels[s] for s in studies["study_id"]],
        "Design": studies["design"].map(lambda v: MISSING if is_missing(v) else str(v).replace("_", " ")),
        "Population": studies["population"].map(lambda v: MISSING if is_missing(v) else v),
        "Country": studies["country"].map(lambda v: MISSING if is_missing(v) else v),
        "N": studies["n_total"].map(lambda v: fmt(v, 0)),
        "Intervention": [arms_text(s, "intervention") for s in studies["study_id"]],
        "Comparator": [arms_text(s, "comparator") for s in studies["study_id"]],
        "Follow-up (weeks)": studies["follow_up_weeks"].map(lambda v: fmt(v, 1)),
        "Funding": studies["funding"].map(lambda v: MISSING if is_missing(v) else str(v).replace("_", " ")),
        "Inclusion": studies["inclusion_status"],
    })
    return out


def pooled_analyses(meta: pd.DataFrame) -> pd.DataFrame:
    return meta[meta["pooled"]].reset_index(drop=True)


def analysis_title(row: pd.Series) -> str:
    return (f"{domain_label(row['domain'])}, {row['window']} window "
            f"({COMPARISON_LABELS.get(row['comparison'], row['comparison'])}, {measure_short(row['measure'])})")


def analysis_sentence(row: pd.Series, labels: dict[str, str], intervention: str) -> str:
    """Sentences generated from one pooled analysis' numbers: estimate, interpretation of its interval,
    heterogeneity and prediction interval. Effects are signed so that positive means better quality of life."""
    studies = [labels.get(s.strip(), s.strip()) for s in str(row["study_ids"]).split(";") if s.strip()]
    who = join_words(studies) + ("; number of participants not reported" if is_missing(row["n_participants"])
                                 else f"; {plural(row['n_participants'], 'participant')}")
    test = "Knapp-Hartung adjusted test" if row["test"] == "knha" else "z test"
    between = row["comparison"] == "between_arms"
    if row["ci_lb"] > 0:
        meaning = (f"The confidence interval excludes no difference and favours {intervention}." if between
                   else "The confidence interval lies above zero: quality of life improved from baseline.")
    elif row["ci_ub"] < 0:
        meaning = ("The confidence interval excludes no difference and favours the comparator." if between
                   else "The confidence interval lies below zero: quality of life worsened from baseline.")
    else:
        meaning = (f"The confidence interval includes no difference between {intervention} and the comparator."
                   if between else "The confidence interval includes no change from baseline.")
    level = f"{row['level']:.0%}"
    estimate = fmt(row["estimate"])
    interval = (f"{level} CI {fmt(row['ci_lb'])} to {fmt(row['ci_ub'])}")
    text = (f"Pooling {plural(row['k'], 'study', 'studies')} ({who}), the {row['method']} random-effects "
            f"{MEASURE_LABELS.get(row['measure'], row['measure'])} for {lower_first(domain_label(row['domain']))} "
            f"in the {row['window']} window was {estimate} ({interval}; {fmt_p(row['pval'])}, {test}). {meaning}")
    if not is_missing(row.get("tau2")):
        text += (f" Heterogeneity: τ² = {fmt(row['tau2'], 3)}, I² = {fmt(row['i2'], 1)}%, "
                 f"Q = {fmt(row['q'])} on {plural(row['q_df'], 'degree')} of freedom ({fmt_p(row['q_p'])})")
        text += (f"; the {level} prediction interval runs from {fmt(row['pi_lb'])} to {fmt(row['pi_ub'])}."
                 if not is_missing(row.get("pi_lb")) else ".")
        if row["k"] == 2:
            text += " With two studies, τ² and the prediction interval are very imprecise."
    return text


def single_study_results(weights: pd.DataFrame, meta: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Analyses with one study: the study's effect, reported without pooling."""
    single = meta[~meta["pooled"]]
    rows = weights.merge(single[["analysis_id", "comparison", "domain", "window", "measure"]], on="analysis_id")
    return pd.DataFrame({
        "Study": rows["study_id"].map(lambda s: labels.get(s, s)),
        "Comparison": rows["comparison"].map(COMPARISON_LABELS),
        "Domain": rows["domain"].map(domain_label),
        "Window": rows["window"],
        "Instrument(s)": rows["instruments"],
        "Measure": rows["measure"].map(measure_short),
        "Effect (95% CI)": [fmt_ci(y, lb, ub) for y, lb, ub in zip(rows["yi"], rows["ci_lb"], rows["ci_ub"])],
        "Source cells": rows["source_cells"].map(compact_cells),
    })


def vote_count_table(votes: pd.DataFrame) -> pd.DataFrame:
    """Vote counts per comparison and domain (SWiM item 4: vote counting based on the direction of effect)."""
    return pd.DataFrame({
        "Comparison": votes["comparison"].map(lambda c: COMPARISON_LABELS.get(c, c)),
        "Domain": votes["domain"].map(domain_label),
        "Studies": votes["n_studies"].map(lambda v: fmt(v, 0)),
        "Improved": votes["n_improved"].map(lambda v: fmt(v, 0)),
        "Worsened": votes["n_worsened"].map(lambda v: fmt(v, 0)),
        "No clear difference": votes["n_no_clear"].map(lambda v: fmt(v, 0)),
        "Proportion improved among studies with a clear direction (95% CI)": [
            fmt_ci(p, lb, ub) for p, lb, ub in zip(votes["proportion_improved"], votes["ci_lb"], votes["ci_ub"])
        ],
        "Sign test": votes["sign_test_p"].map(fmt_p),
    })


def not_convertible_table(nc: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({
        "Study": nc["study_id"].map(lambda s: labels.get(s, s)),
        "Instrument": nc["instrument"],
        "Subscale": nc["subscale"],
        "Timepoint": nc["timepoint"],
        "Reason": nc["reason"],
        "Source cells": nc["source_cells"].map(compact_cells),
    })


def provenance_table(data: ReportData) -> pd.DataFrame:
    """Every number shown in the report's text and tables, with the workbook cells it was computed from.

    Rows: study characteristics (N, follow-up), effect sizes, analyses, subgroups, vote counts (the cells of
    the directions counted), summary-of-findings rows and checked claims. Cell lists are in compact form
    (:func:`compact_cells`).
    """
    labels = study_labels(data["studies"])
    rows: list[tuple[str, str, str, str]] = []
    for _, s in data["studies"].iterrows():
        study = labels[s["study_id"]]
        rows.append(("Study characteristics", f"{study}: N", fmt(s["n_total"], 0), str(s["cell_n_total"])))
        rows.append(("Study characteristics", f"{study}: follow-up (weeks)", fmt(s["follow_up_weeks"], 1),
                     str(s["cell_follow_up_weeks"])))
    for _, e in data["effect_sizes"].iterrows():
        what = f"{labels.get(e['study_id'], e['study_id'])}: {e['instrument']} {e['subscale']}, {e['timepoint']}"
        rows.append(("Effect size", f"{what} ({measure_short(e['measure'])}, "
                     f"{COMPARISON_LABELS.get(e['comparison'], e['comparison'])})",
                     fmt_ci(e["yi"], e["ci_lb"], e["ci_ub"]), str(e["source_cells"])))
    meta = data["meta_analyses"].set_index("analysis_id", drop=False)
    for _, m in meta.iterrows():
        rows.append(("Analysis", analysis_title(m), fmt_ci(m["estimate"], m["ci_lb"], m["ci_ub"]),
                     str(m["source_cells"])))
    for _, g in data["subgroups"].iterrows():
        rows.append(("Subgroup", f"{analysis_title(meta.loc[g['analysis_id']])}: {g['subgroup_var']} = "
                     f"{g['subgroup']}", fmt_ci(g["estimate"], g["ci_lb"], g["ci_ub"]),
                     str(meta.loc[g["analysis_id"], "source_cells"])))
    direction = data["effect_direction"]
    for _, v in data["vote_counts"].iterrows():
        counted = direction[(direction["comparison"] == v["comparison"]) & (direction["domain"] == v["domain"])]
        rows.append(("Vote count", f"{domain_label(v['domain'])} ({COMPARISON_LABELS.get(v['comparison'])})",
                     f"{fmt(v['n_improved'], 0)} of {fmt(v['n_studies'], 0)} improved",
                     "; ".join(str(c) for c in counted["source_cells"])))
    for _, f in data["summary_of_findings"].iterrows():
        rows.append(("Summary of findings", domain_label(f["outcome"]),
                     f"{fmt(f['k'], 0)} ({fmt(f['n_participants'], 0)}); {f['certainty']}", str(f["source_cells"])))
    for _, c in checked_claims(data).iterrows():
        rows.append(("Claim", str(c["statement"]), str(c["verdict"]), f"{c['cell_statement']}; {c['cells']}"))
    table = pd.DataFrame(rows, columns=["Where", "What", "Value", "Source cells"])
    table["Source cells"] = table["Source cells"].map(compact_cells)
    return table


def captions(figures_dir: str | Path) -> dict[str, dict[str, str]]:
    """Figure captions and alt texts written by the figures stage."""
    return json.loads((Path(figures_dir) / "captions.json").read_text(encoding="utf-8"))


def show(table: pd.DataFrame) -> Any:
    """Display a table without its index; missing values read "not reported"."""
    from IPython.display import HTML

    return HTML(table.to_html(index=False, border=0, na_rep=MISSING, escape=True))


def code_block(text: str, language: str) -> str:
    """A fenced Markdown code block (for ``output: asis`` cells)."""
    return f"```{language}\n{text.rstrip()}\n```\n"


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


class Figures:
    """Figures written by the figures stage, found by file stem, with their captions and alt texts."""

    def __init__(self, project_dir: str | Path, results_dir: str | Path) -> None:
        self.root = Path(project_dir) / results_dir / "figures"
        self.relative_root = Path(results_dir) / "figures"
        self.project_dir = Path(project_dir)
        self.captions = json.loads((self.root / "captions.json").read_text(encoding="utf-8"))

    def stems(self, prefix: str) -> list[str]:
        return sorted(stem for stem in self.captions if stem.startswith(prefix))

    def all_markdown(self, prefix: str, label: str) -> str:
        """Every figure whose stem starts with ``prefix``, labelled ``{label}-1``, ``{label}-2``, ..."""
        return "\n".join(self.markdown(stem, f"{label}-{i + 1}") for i, stem in enumerate(self.stems(prefix)))

    def _files(self, stem: str) -> list[Path]:
        return sorted(self.root.glob(f"*/{stem}.svg")) + sorted(self.root.glob(f"{stem}.svg"))

    def has(self, stem: str) -> bool:
        """True when the figures stage drew this figure (a caption and an SVG file)."""
        return stem in self.captions and bool(self._files(stem))

    def markdown(self, stem: str, label: str) -> str:
        """A cross-referenceable Markdown figure; an explicit note when the figure does not exist."""
        matches = self._files(stem)
        if stem not in self.captions or not matches:
            return f"*No figure: {stem.replace('-', ' ')} has no data in this review.*\n"
        entry = self.captions[stem]
        path = self.project_dir / matches[0].relative_to(self.project_dir)
        alt = entry["alt"].replace('"', "'")
        return f"![{entry['caption']}]({path.as_posix()}){{#{label} fig-alt=\"{alt}\"}}\n"


def markdown_table(table: pd.DataFrame, caption: str, label: str) -> str:
    """A pipe table with a numbered, cross-referenceable caption (for ``output: asis`` cells)."""
    def cell(value: object) -> str:
        return (MISSING if is_missing(value) else str(value)).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(c) for c in table.columns) + " |",
             "|" + "|".join("---" for _ in table.columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines) + f"\n\n: {caption} {{#{label}}}\n"


def subgroup_table(subgroups: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Subgroup estimates of one analysis with the test for subgroup differences (Cochrane Handbook 10.11.3)."""
    return pd.DataFrame({
        "Variable": subgroups["subgroup_var"],
        "Subgroup": subgroups["subgroup"],
        "Studies": [f"{k}: {join_words([labels.get(s.strip(), s.strip()) for s in str(ids).split(';')])}"
                    for k, ids in zip(subgroups["k"], subgroups["study_ids"])],
        "Estimate (95% CI)": [fmt_ci(e, lb, ub) for e, lb, ub in
                              zip(subgroups["estimate"], subgroups["ci_lb"], subgroups["ci_ub"])],
        "Test for subgroup differences": [f"Q = {fmt(q)}, df = {fmt(df, 0)}, {fmt_p(p)}" for q, df, p in
                                          zip(subgroups["q_between"], subgroups["q_between_df"],
                                              subgroups["q_between_p"])],
    })


def leave_one_out_table(loo: pd.DataFrame) -> pd.DataFrame:
    """The pooled estimate with each study left out in turn (sensitivity analysis, Cochrane Handbook 10.14)."""
    return pd.DataFrame({
        "Study left out": loo["omitted_label"],
        "Studies": loo["k"].map(lambda v: fmt(v, 0)),
        "Estimate (95% CI)": [fmt_ci(e, lb, ub) for e, lb, ub in zip(loo["estimate"], loo["ci_lb"], loo["ci_ub"])],
        "p": loo["pval"].map(fmt_p),
        "τ²": loo["tau2"].map(lambda v: fmt(v, 3)),
        "I²": loo["i2"].map(lambda v: f"{fmt(v, 1)}%" if not is_missing(v) else MISSING),
    })


def pooled_sections(data: ReportData, figs: Figures) -> str:
    """One subsection per pooled analysis: its forest plot, sentences generated from its numbers, and its
    subgroup and leave-one-out tables when the synthesis produced them."""
    meta = pooled_analyses(data["meta_analyses"])
    if meta.empty:
        return "No analysis had enough studies to pool.\n"
    labels = study_labels(data["studies"])
    intervention = data.config["review"]["intervention_label"]
    subgroups, loo = data["subgroups"], data["leave_one_out"]
    parts = []
    for i, row in meta.iterrows():
        n = i + 1
        title = analysis_title(row)
        stem = "forest-" + slug(row["analysis_id"])
        see = f" See @fig-forest-{n}." if figs.has(stem) else ""
        text = [f"### {title}\n", figs.markdown(stem, f"fig-forest-{n}"),
                f"{analysis_sentence(row, labels, intervention)}{see}\n"]
        groups = subgroups[subgroups["analysis_id"] == row["analysis_id"]]
        if len(groups):
            text.append(f"Subgroup analyses are in @tbl-subgroups-{n}; with one study per subgroup they compare "
                        f"single studies rather than pooled estimates.\n" if (groups["k"] == 1).all() else
                        f"Subgroup analyses are in @tbl-subgroups-{n}.\n")
            text.append(markdown_table(subgroup_table(groups, labels), f"Subgroups: {lower_first(title)}.",
                                       f"tbl-subgroups-{n}"))
        left = loo[loo["analysis_id"] == row["analysis_id"]]
        if len(left):
            text.append(f"@tbl-loo-{n} repeats the analysis leaving out each study in turn.\n")
            text.append(markdown_table(leave_one_out_table(left), f"Leave-one-out: {lower_first(title)}.",
                                       f"tbl-loo-{n}"))
        parts.append("\n".join(text))
    return "\n".join(parts)


def effect_direction_section(figs: Figures) -> str:
    """The effect-direction plots (between arms, within arm) and the sentence that refers to them."""
    plots = {"between-arms": ("fig-effect-direction", "between arms"),
             "within-arm-prepost": ("fig-effect-direction-prepost", "within arm, change from baseline")}
    text, refs = "", []
    for comparison, (label, what) in plots.items():
        stem = f"effect-direction-{comparison}"
        text += figs.markdown(stem, label) + "\n"
        if figs.has(stem):
            refs.append(f"@{label} ({what})")
    shown = join_words(refs + ["@tbl-votes"])
    return text + f"{shown} summarise the direction of effect of every study in every domain.\n"


def risk_of_bias_section(data: ReportData, figs: Figures) -> str:
    """Risk-of-bias figures per tool, or the statement that no study was assessed."""
    rob = data["risk_of_bias"]
    assessed = rob[rob["judgement"] != "Not assessed"]
    k = len(data["studies"])
    text = (f"Judgements were entered for {assessed['study_id'].nunique()} of {k} studies; studies without "
            f"judgements are shown as \"not assessed\", never as low risk.\n\n")
    return text + figs.all_markdown("rob-", "fig-rob")


def summary_of_findings_table(sof: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Outcome": sof["outcome"].map(domain_label),
        "Studies (participants)": [f"{fmt(k, 0)} ({fmt(n, 0)})" for k, n in zip(sof["k"], sof["n_participants"])],
        "Effect (95% CI)": [f"{measure_short(m)}: {fmt_ci(e, lb, ub)}" if not is_missing(e) else MISSING
                            for m, e, lb, ub in zip(sof["measure"], sof["estimate"], sof["ci_lb"], sof["ci_ub"])],
        "Prediction interval": [MISSING if is_missing(lb) else f"{fmt(lb)} to {fmt(ub)}"
                                for lb, ub in zip(sof["pi_lb"], sof["pi_ub"])],
        "I²": sof["i2"].map(lambda v: MISSING if is_missing(v) else f"{fmt(v, 1)}%"),
        "Direction (improved / studies)": [f"{fmt(i, 0)} / {fmt(n, 0)}" for i, n in
                                           zip(sof["narrative_n_improved"], sof["narrative_n_studies"])],
        "Certainty": sof["certainty"],
    })


def secondary_outcomes_table(data: ReportData) -> pd.DataFrame:
    """Selected effects on non-QoL outcomes (symptoms, functioning), and those only described."""
    labels = study_labels(data["studies"])
    es = data["effect_sizes"]
    es = es[es["selected"] & ~es["qol"].astype(bool) & (es["comparison"] == "between_arms")]
    nc = data["not_convertible"]
    nc = nc[nc["qol"].fillna(True).eq(False)]
    rows = [(labels.get(r["study_id"], r["study_id"]), r["instrument"], r["subscale"], r["timepoint"],
             f"{measure_short(r['measure'])} {fmt_ci(r['yi'], r['ci_lb'], r['ci_ub'])}",
             compact_cells(r["source_cells"])) for _, r in es.iterrows()]
    rows += [(labels.get(r["study_id"], r["study_id"]), r["instrument"], r["subscale"], r["timepoint"],
              f"not converted: {r['reason']}", compact_cells(r["source_cells"])) for _, r in nc.iterrows()]
    return pd.DataFrame(rows, columns=["Study", "Instrument", "Subscale", "Timepoint", "Result", "Source cells"])


def checked_claims(data: ReportData) -> pd.DataFrame:
    """The workbook's claims checked against the clean tables (:func:`qolreview.claims.check_claims`)."""
    claims = data["claims"]
    if claims.empty:
        return pd.DataFrame(columns=["claim_id", "statement", "source_id", "study_id", "cell_statement",
                                     "verdict", "evidence", "cells"])
    registry = load_registry(data.project_dir / data.config["instruments"])
    qol = {name for name in registry.names if registry.instrument(name).qol}
    return check_claims(claims, data["studies"], data["outcomes"], qol)


def claims_table(data: ReportData) -> pd.DataFrame:
    """The claims check: each published statement, what the data show, and the verdict."""
    checked = checked_claims(data)
    sources = data["sources"].set_index("source_id")["citation"]
    return pd.DataFrame({
        "Statement": checked["statement"],
        "Source": checked["source_id"].map(lambda s: sources.get(s, s)),
        "Data": checked["evidence"],
        "Verdict": checked["verdict"],
        "Cells": (checked["cell_statement"] + "; " + checked["cells"]).map(compact_cells),
    })


def claims_summary(data: ReportData) -> str:
    """One sentence counting the claims by verdict."""
    checked = checked_claims(data)
    if checked.empty:
        return "The workbook records no published statements to check."
    counts = checked["verdict"].value_counts()
    verdicts = join_words([f"{n} {verdict}" for verdict, n in counts.items()])
    return (f"The workbook records {plural(len(checked), 'checkable statement')} from the review and its "
            f"summaries; the extracted data find {verdicts} (@tbl-claims).")


def cleaning_log_table(log: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Cell": log["file"] + " › " + log["sheet"] + " › " + log["cell"],
        "Column": log["column"],
        "Old value": log["old_value"],
        "New value": log["new_value"],
        "Rule": log["rule"],
    })


def write_config(config: dict[str, Any], path: str | Path) -> None:
    """Write the configuration the run used, as YAML (keys in the schema's order, deterministic)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(config_text(config), encoding="utf-8")


def render(qmd: str | Path, html: str | Path, config_used: str | Path, settings: dict[str, Any]) -> None:
    """Render the report from the working directory of the run (the project directory)."""
    from qolreview.render import render_report

    project_dir = os.path.relpath(Path.cwd(), Path(qmd).resolve().parent)
    review = yaml.safe_load(Path(config_used).read_text(encoding="utf-8"))["review"]
    info = render_report(
        qmd, html,
        params={"project_dir": project_dir, "results_dir": "results", "config_used": str(config_used)},
        renderer=settings["renderer"], pdf=settings["pdf"],
        metadata={"title": review["title"],
                  "subtitle": "Reproducible results report, generated from the extraction workbook"},
    )
    logging.getLogger(__name__).info("rendered %s with the %s renderer in %.1f s", info.html, info.renderer,
                                     info.durations.get("total", float("nan")))
