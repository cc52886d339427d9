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
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from qolreview.claims import check_claims
from qolreview.labels import slug, study_labels
from qolreview.instruments import load_registry
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


def is_missing(value: object) -> bool:
    """True for None, NaN, NaT and pandas' NA."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def fmt(value: object, digits: int = 2) -> str:
    """A number with ``digits`` decimals (thousands separated when ``digits`` is 0); missing reads "not reported"."""
    if is_missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    text = f"{number:,.0f}" if digits == 0 else f"{number:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text


def fmt_p(p: object) -> str:
    """A p value as journals print it: ``p = 0.012``, ``p < 0.001``."""
    if is_missing(p):
        return f"p {MISSING}"
    value = float(p)  # type: ignore[arg-type]
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def fmt_ci(estimate: object, lower: object, upper: object, digits: int = 2, level: float = 0.95) -> str:
    """``0.31 (95% CI 0.05 to 0.57)``."""
    if is_missing(estimate):
        return MISSING
    if is_missing(lower) or is_missing(upper):
        return fmt(estimate, digits)
    return f"{fmt(estimate, digits)} ({level:.0%} CI {fmt(lower, digits)} to {fmt(upper, digits)})"


def domain_label(domain: str) -> str:
    return DOMAIN_LABELS.get(domain, domain.replace("_", " "))


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
        return "; ".join(parts) or "none"

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
            f"({COMPARISON_LABELS.get(row['comparison'], row['comparison'])}, {row['measure']})")


def analysis_sentence(row: pd.Series, labels: dict[str, str], intervention: str) -> str:
    """A sentence generated from one analysis' numbers."""
    studies = [labels.get(s.strip(), s.strip()) for s in str(row["study_ids"]).split(";") if s.strip()]
    measure = MEASURE_LABELS.get(row["measure"], row["measure"])
    test = "Knapp-Hartung" if row["test"] == "knha" else "z"
    direction = "favoured" if row["ci_lb"] > 0 else ("disfavoured" if row["ci_ub"] < 0 else "did not clearly change")
    verb = (f"{direction} {intervention}" if direction != "did not clearly change"
            else f"showed no clear difference for {intervention}")
    text = (f"Pooling {row['k']} studies ({join_words(studies)}; {fmt(row['n_participants'], 0)} participants), "
            f"the {measure} for {domain_label(row['domain']).lower()} in the {row['window']} window was "
            f"{fmt_ci(row['estimate'], row['ci_lb'], row['ci_ub'], level=row['level'])} "
            f"({row['method']}, {test} test, {fmt_p(row['pval'])}), which {verb}.")
    if not is_missing(row.get("pi_lb")):
        text += (f" The {row['level']:.0%} prediction interval ran from {fmt(row['pi_lb'])} to {fmt(row['pi_ub'])}; "
                 f"τ² = {fmt(row['tau2'], 3)}, I² = {fmt(row['i2'], 1)}%"
                 f" (Q = {fmt(row['q'])}, df = {fmt(row['q_df'], 0)}, {fmt_p(row['q_p'])}).")
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
        "Measure": rows["measure"],
        "Effect (95% CI)": [fmt_ci(y, lb, ub) for y, lb, ub in zip(rows["yi"], rows["ci_lb"], rows["ci_ub"])],
        "Source cells": rows["source_cells"],
    })


def vote_count_table(votes: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Domain": votes["domain"].map(domain_label),
        "Studies": votes["n_studies"].map(lambda v: fmt(v, 0)),
        "Improved": votes["n_improved"].map(lambda v: fmt(v, 0)),
        "Worsened": votes["n_worsened"].map(lambda v: fmt(v, 0)),
        "No clear difference": votes["n_no_clear"].map(lambda v: fmt(v, 0)),
        "Proportion improved (95% CI)": [
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
        "Source cells": nc["source_cells"],
    })


def provenance_table(data: ReportData) -> pd.DataFrame:
    """Every number shown in the report's text and tables, with the cells it was computed from."""
    labels = study_labels(data["studies"])
    rows: list[tuple[str, str, str, str]] = []
    for _, s in data["studies"].iterrows():
        rows.append(("Study characteristics", f"{labels[s['study_id']]}: N", fmt(s["n_total"], 0),
                     str(s["cell_n_total"])))
    for _, e in data["effect_sizes"].iterrows():
        what = f"{labels.get(e['study_id'], e['study_id'])}: {e['instrument']} {e['subscale']}, {e['timepoint']}"
        rows.append(("Effect size", f"{what} ({e['measure']})", fmt_ci(e["yi"], e["ci_lb"], e["ci_ub"]),
                     str(e["source_cells"])))
    for _, m in data["meta_analyses"].iterrows():
        rows.append(("Analysis", analysis_title(m), fmt_ci(m["estimate"], m["ci_lb"], m["ci_ub"]),
                     str(m["source_cells"])))
    for _, v in data["vote_counts"].iterrows():
        rows.append(("Vote count", domain_label(v["domain"]), f"{fmt(v['n_improved'], 0)} of {fmt(v['n_studies'], 0)}",
                     "see effect-direction table"))
    return pd.DataFrame(rows, columns=["Where", "What", "Value", "Source cells"])


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
        measures.append(f"{COMPARISON_LABELS.get(comparison, comparison).capitalize()} effects: {names}.")
    log = data.tables.get("conversion_log", pd.DataFrame(columns=["name", "approximate"]))
    conversions = (f"Conversions applied: {_counts_text(log['name'])}; "
                   f"{int(log['approximate'].sum())} of them approximations." if len(log)
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
    windows = join_words([f"{w['name']} (≤ {fmt(w['max_weeks'], 0)} weeks)" if "max_weeks" in w else
                          f"{w['name']} (longer)" for w in cfg["harmonize"]["windows"]])
    tools = data["studies"]["rob_tool"].dropna()
    rob = data["risk_of_bias"]
    assessed = rob[rob["judgement"] != "Not assessed"]["study_id"].nunique()
    risk = (f"Risk-of-bias tools named per study: {_counts_text(tools) if len(tools) else 'none recorded'}. "
            f"Judgements were entered for {assessed} of {len(data['studies'])} studies; the others are shown as "
            f"not assessed. Newcastle-Ottawa stars are converted to Good/Fair/Poor with the AHRQ thresholds.")
    sof = data["summary_of_findings"]
    graded = int((sof["certainty"] != "not assessed").sum())
    grade = (f"GRADE certainty was derived from the reviewers' judgements for {graded} of {len(sof)} outcomes; "
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

    def markdown(self, stem: str, label: str) -> str:
        """A cross-referenceable Markdown figure; an explicit note when the figure does not exist."""
        matches = sorted(self.root.glob(f"*/{stem}.svg")) + sorted(self.root.glob(f"{stem}.svg"))
        if stem not in self.captions or not matches:
            return f"*No figure: {stem.replace('-', ' ')} has no data in this review.*\n"
        entry = self.captions[stem]
        path = self.project_dir / matches[0].relative_to(self.project_dir)
        alt = entry["alt"].replace('"', "'")
        return f"![{entry['caption']}]({path.as_posix()}){{#{label} fig-alt=\"{alt}\"}}\n"


def pooled_sections(data: ReportData, figs: Figures) -> str:
    """One subsection per pooled analysis: its forest plot and a sentence generated from its numbers."""
    meta = pooled_analyses(data["meta_analyses"])
    if meta.empty:
        return "No analysis had enough studies to pool.\n"
    labels = study_labels(data["studies"])
    intervention = data.config["review"]["intervention_label"]
    parts = []
    for i, row in meta.iterrows():
        label = f"fig-forest-{i + 1}"
        parts.append(f"### {analysis_title(row)}\n\n{figs.markdown('forest-' + slug(row['analysis_id']), label)}\n"
                     f"{analysis_sentence(row, labels, intervention)} See @{label}.\n")
    return "\n".join(parts)


def risk_of_bias_section(data: ReportData, figs: Figures) -> str:
    """Risk-of-bias figures per tool, or the statement that no study was assessed."""
    rob = data["risk_of_bias"]
    assessed = rob[rob["judgement"] != "Not assessed"]
    k = len(data["studies"])
    text = (f"Judgements were entered for {assessed['study_id'].nunique()} of {k} studies; studies without "
            f"judgements are shown as \"not assessed\", never as low risk.\n\n")
    for i, stem in enumerate(figs.stems("rob-")):
        text += figs.markdown(stem, f"fig-rob-{i + 1}") + "\n"
    return text


def summary_of_findings_table(sof: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Outcome": sof["outcome"].map(domain_label),
        "Studies (participants)": [f"{fmt(k, 0)} ({fmt(n, 0)})" for k, n in zip(sof["k"], sof["n_participants"])],
        "Effect (95% CI)": [f"{m}: {fmt_ci(e, lb, ub)}" if not is_missing(e) else MISSING
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
             f"{r['measure']} {fmt_ci(r['yi'], r['ci_lb'], r['ci_ub'])}", r["source_cells"])
            for _, r in es.iterrows()]
    rows += [(labels.get(r["study_id"], r["study_id"]), r["instrument"], r["subscale"], r["timepoint"],
              f"not converted: {r['reason']}", r["source_cells"]) for _, r in nc.iterrows()]
    return pd.DataFrame(rows, columns=["Study", "Instrument", "Subscale", "Timepoint", "Result", "Source cells"])


def claims_table(data: ReportData) -> pd.DataFrame:
    """The claims check: each published statement, what the data show, and the verdict."""
    claims = data["claims"]
    if claims.empty:
        return pd.DataFrame(columns=["Statement", "Source", "Data", "Verdict", "Cells"])
    registry = load_registry(data.project_dir / data.config["instruments"])
    qol = {name for name in registry.names if registry.instrument(name).qol}
    checked = check_claims(claims, data["studies"], data["outcomes"], qol)
    sources = data["sources"].set_index("source_id")["citation"]
    return pd.DataFrame({
        "Statement": checked["statement"],
        "Source": checked["source_id"].map(lambda s: sources.get(s, s)),
        "Data": checked["evidence"],
        "Verdict": checked["verdict"],
        "Cells": checked["cell_statement"] + "; " + checked["cells"],
    })


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
    info = render_report(
        qmd, html,
        params={"project_dir": project_dir, "results_dir": "results", "config_used": str(config_used)},
        renderer=settings["renderer"], pdf=settings["pdf"],
    )
    logging.getLogger(__name__).info("rendered %s with the %s renderer in %.1f s", info.html, info.renderer,
                                     info.durations.get("total", float("nan")))
