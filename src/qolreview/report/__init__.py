"""Loading and formatting for the Quarto report (``report/review.qmd``).

The report's cells stay short: they call the functions re-exported here, which read the pipeline's tables
and turn them into sentences and display tables. Modules, one job each:

- :mod:`~qolreview.report.wording`: lists, labels, designs, time windows, compact cell lists (numbers and plurals
  are formatted by :mod:`qolreview.formatting`);
- :mod:`~qolreview.report.data`: the run's configuration and tables, checksums, software versions;
- :mod:`~qolreview.report.overview`: the "what this report is" box and what the record leaves missing;
- :mod:`~qolreview.report.methods`: sentences of the methods section;
- :mod:`~qolreview.report.analyses`: titles and sentences of the pooled analyses;
- :mod:`~qolreview.report.tables`: display tables;
- :mod:`~qolreview.report.limitations`: limitations of the synthesis (SWiM item 9);
- :mod:`~qolreview.report.claims_check`: published statements checked against the data;
- :mod:`~qolreview.report.provenance`: every number shown and its source cells;
- :mod:`~qolreview.report.markup`: pipe tables, bullet lists, code blocks, HTML tables;
- :mod:`~qolreview.report.figure_files` and :mod:`~qolreview.report.sections`: figures and Markdown sections;
- :mod:`~qolreview.report.stage`: the report rule's entry point (imported by the rule, not here).
"""

from qolreview.formatting import MISSING, is_missing
from qolreview.labels import study_labels
from qolreview.report.analyses import analysis_sentence, analysis_title, pooled_analyses
from qolreview.report.claims_check import checked_claims, claims_summary, claims_table
from qolreview.report.data import (
    ReportData,
    config_text,
    input_checksums,
    load,
    software_versions,
    write_config,
)
from qolreview.report.diagnostics import influence_section, meta_regression_section, small_study_section
from qolreview.report.figure_files import Figures
from qolreview.report.limitations import limitations
from qolreview.report.markup import bullet_list, code_block, escape_markdown, markdown_table, show, table_or_note
from qolreview.report.methods import methods_facts
from qolreview.report.overview import about_callout, inclusion_summary, missing_items
from qolreview.report.provenance import provenance_section, provenance_table, read_provenance
from qolreview.report.robustness import robustness_section, sensitivity_table
from qolreview.report.sections import (
    design_note,
    effect_direction_section,
    pooled_sections,
    risk_of_bias_section,
    study_selection_section,
    unpooled_section,
)
from qolreview.report.tables import (
    cleaning_log_table,
    leave_one_out_table,
    not_convertible_table,
    secondary_outcomes_table,
    single_study_results,
    study_characteristics,
    subgroup_table,
    summary_of_findings_table,
    vote_count_table,
)
from qolreview.report.wording import (
    design_counts,
    design_label,
    domain_label,
    join_words,
    lower_first,
    measure_short,
    measure_unit,
    source_cells_text,
    weeks,
    window_spans,
)

__all__ = [
    "MISSING",
    "Figures",
    "ReportData",
    "about_callout",
    "analysis_sentence",
    "analysis_title",
    "bullet_list",
    "checked_claims",
    "claims_summary",
    "claims_table",
    "cleaning_log_table",
    "code_block",
    "config_text",
    "design_counts",
    "design_label",
    "design_note",
    "domain_label",
    "effect_direction_section",
    "escape_markdown",
    "inclusion_summary",
    "influence_section",
    "input_checksums",
    "is_missing",
    "join_words",
    "leave_one_out_table",
    "limitations",
    "load",
    "lower_first",
    "markdown_table",
    "measure_short",
    "measure_unit",
    "meta_regression_section",
    "methods_facts",
    "missing_items",
    "not_convertible_table",
    "pooled_analyses",
    "pooled_sections",
    "provenance_section",
    "provenance_table",
    "read_provenance",
    "risk_of_bias_section",
    "robustness_section",
    "secondary_outcomes_table",
    "sensitivity_table",
    "show",
    "single_study_results",
    "small_study_section",
    "software_versions",
    "source_cells_text",
    "study_characteristics",
    "study_labels",
    "study_selection_section",
    "subgroup_table",
    "summary_of_findings_table",
    "table_or_note",
    "unpooled_section",
    "vote_count_table",
    "weeks",
    "window_spans",
    "write_config",
]
