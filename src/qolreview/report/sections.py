"""Markdown sections of the results that combine figures, generated sentences and tables.

Sentences are generated as plain text and become Markdown through
:func:`qolreview.report.markup.escape_markdown`; only the cross-references around them are markup.
"""

from __future__ import annotations

import pandas as pd

from qolreview.formatting import plural
from qolreview.labels import slug, study_labels
from qolreview.report.analyses import analysis_sentence, analysis_title, pooled_analyses, unpooled_reason
from qolreview.report.data import ReportData
from qolreview.report.figure_files import Figures
from qolreview.report.markup import escape_markdown, markdown_table, table_or_note
from qolreview.report.tables import leave_one_out_table, single_study_results, subgroup_table
from qolreview.report.wording import design_counts, join_words, lower_first, window_spans
from qolreview.workbook.spec import RANDOMISED_DESIGNS


def pooled_sections(data: ReportData, figs: Figures) -> str:
    """One subsection per pooled analysis: its forest plot, sentences generated from its numbers, and its
    subgroup and leave-one-out tables when the synthesis produced them."""
    meta = pooled_analyses(data["meta_analyses"])
    if meta.empty:
        return escape_markdown(f"No analysis was pooled: {unpooled_reason(data)}.") + "\n"
    labels = study_labels(data["studies"])
    designs = data["studies"].set_index("study_id")["design"]
    spans = window_spans(data.config["harmonize"]["windows"])
    arms = (data.config["review"]["intervention_label"], data.config["review"]["comparator_label"])
    subgroups, loo = data["subgroups"], data["leave_one_out"]
    parts = []
    for i, row in meta.iterrows():
        n = i + 1
        title = analysis_title(row, data.domain_names)
        stem = "forest-" + slug(row["analysis_id"])
        see = f" See @fig-forest-{n}." if figs.has(stem) else ""
        sentence = analysis_sentence(row, labels, arms, data.domain_names, spans.get(row["window"]))
        text = [
            f"### {escape_markdown(title)}\n",
            figs.markdown_pages(stem, f"fig-forest-{n}"),
            f"{escape_markdown(sentence)}{see}{escape_markdown(design_note(row['study_ids'], designs))}\n",
        ]
        groups = subgroups[subgroups["analysis_id"] == row["analysis_id"]]
        if len(groups):
            text.append(
                f"Subgroup analyses are in @tbl-subgroups-{n}; with one study per subgroup they compare "
                f"single studies rather than pooled estimates.\n"
                if (groups["k"] == 1).all()
                else f"Subgroup analyses are in @tbl-subgroups-{n}.\n"
            )
            text.append(
                markdown_table(
                    subgroup_table(groups, labels), f"Subgroups: {lower_first(title)}.", f"tbl-subgroups-{n}"
                )
            )
        left = loo[loo["analysis_id"] == row["analysis_id"]]
        if len(left):
            shown = influential_omissions(left, row)
            if len(shown) == len(left):
                text.append(f"@tbl-loo-{n} repeats the analysis leaving out each study in turn.\n")
            else:
                text.append(
                    f"@tbl-loo-{n} repeats the analysis leaving out, in turn, the {len(shown)} of the "
                    f"{len(left)} studies whose omission moves the pooled estimate most or changes whether its "
                    "confidence interval excludes no effect; the rows of every study are in "
                    "`results/synthesis/leave_one_out.parquet`.\n"
                )
            text.append(
                markdown_table(leave_one_out_table(shown), f"Leave-one-out: {lower_first(title)}.", f"tbl-loo-{n}")
            )
        parts.append("\n".join(text))
    return "\n".join(parts)


LEAVE_ONE_OUT_ROWS = 10
"""Leave-one-out rows shown per analysis in the report, besides those that change the conclusion: a large analysis
would otherwise show a row per study."""


def influential_omissions(left: pd.DataFrame, pooled: pd.Series) -> pd.DataFrame:
    """The leave-one-out rows of an analysis the report shows: all of them up to ``LEAVE_ONE_OUT_ROWS``; else those
    whose omission moves the pooled estimate most, and every one whose omission changes whether the result is
    statistically significant at the analysis' level, in order of the shift."""
    if len(left) <= LEAVE_ONE_OUT_ROWS:
        return left
    shift = (left["estimate"].astype(float) - float(pooled["estimate"])).abs()
    alpha = 1 - float(pooled["level"])
    flips = (left["pval"].astype(float) < alpha) != (float(pooled["pval"]) < alpha)
    order = shift.sort_values(ascending=False, kind="stable").index
    keep = set(order[:LEAVE_ONE_OUT_ROWS]) | set(left.index[flips.to_numpy()])
    return left.loc[[index for index in order if index in keep]]


def unpooled_section(data: ReportData, figs: Figures) -> str:
    """The effects of the analyses not pooled, study by study (``tbl-single``), with their forest plots; or why
    there are none."""
    meta = data["meta_analyses"]
    unpooled = meta[~meta["pooled"].astype(bool)]
    needed = data.config["synthesis"]["min_studies_to_pool"]
    table = single_study_results(data["study_weights"], meta, study_labels(data["studies"]), data.domain_names)
    caption = (
        "Effects from analyses with a single study (not pooled)."
        if (unpooled["k"] == 1).all()
        else f"Effects from analyses not pooled: a single study, or fewer than the {needed} studies needed to pool."
    )
    note = (
        f"No result is reported without pooling: {unpooled_reason(data)}."
        if meta.empty
        else f"Every analysis pooled at least {needed} studies."
    )
    return table_or_note(table, caption, "tbl-single", note) + "\n" + figs.all_markdown("forest-single-", "fig-single")


def design_note(study_ids: str, designs: pd.Series) -> str:
    """A warning sentence (plain text) when an analysis pools randomised with non-randomised studies, whose biases
    differ (Cochrane Handbook, chapter 24); empty otherwise. ``designs`` maps study ids to workbook design codes."""
    ids = [s.strip() for s in str(study_ids).split(";") if s.strip()]
    kinds = designs.reindex(ids)
    randomised = kinds.isin(RANDOMISED_DESIGNS)
    if randomised.all() or not randomised.any():
        return ""
    return (
        f" The analysis pools randomised and non-randomised evidence ({design_counts(kinds)}), whose risks "
        f"of bias differ; the pooled estimate should be read with that in mind."
    )


def study_selection_section(data: ReportData, figs: Figures) -> str:
    """The PRISMA 2020 flow diagram and how to read it; when no count was extracted, the statement that none was."""
    how = (
        'No PRISMA flow count was extracted: every box of the flow diagram reads "n = not reported".'
        if data["prisma"]["n"].isna().all()
        else 'The PRISMA 2020 flow diagram shows the flow of records; a box whose count was not reported reads "n = '
        'not reported".'
    )
    return f"{figs.markdown('prisma', 'fig-prisma')}\n{how}\n"


def effect_direction_section(figs: Figures, votes: pd.DataFrame) -> str:
    """The effect-direction plots (between arms, within arm) and the sentence that refers to them and to the vote
    counts (``tbl-votes``, shown when ``votes`` has rows), or one sentence when no result has a direction."""
    plots = {
        "between-arms": ("fig-effect-direction", "between arms"),
        "within-arm-prepost": ("fig-effect-direction-prepost", "within arm, change from baseline"),
    }
    text, refs = "", []
    for comparison, (label, what) in plots.items():
        stem = f"effect-direction-{comparison}"
        text += figs.markdown(stem, label) + "\n"
        if figs.has(stem):
            refs.append(f"@{label} ({what})")
    if len(votes):
        refs.append("@tbl-votes")
    if not refs:
        return "No result has a direction of effect, so there is nothing to plot or count.\n"
    verb = "summarises" if len(refs) == 1 else "summarise"
    return text + f"{join_words(refs)} {verb} the direction of effect of every study in every domain.\n"


def risk_of_bias_section(data: ReportData, figs: Figures) -> str:
    """Risk-of-bias figures per tool, with how many studies were assessed, or the statement that none was."""
    rob = data["risk_of_bias"]
    assessed = rob[rob["judgement"] != "Not assessed"]
    k = len(data["studies"])
    assessed_k = assessed["study_id"].nunique()
    if assessed_k == 0:
        shown = "No risk-of-bias judgement was extracted: " + ("the study is" if k == 1 else f"all {k} studies are")
    else:
        shown = (
            f"Judgements were entered for {assessed_k} of {plural(k, 'study', 'studies')}; studies without judgements "
            "are"
        )
    return f'{shown} shown as "not assessed", never as low risk.\n\n' + figs.all_markdown("rob-", "fig-rob")
