"""Typed contracts of the tables the stages pass to each other under ``results/``.

Each table is a pandera ``DataFrameModel``: its columns in file order, their types, which may be empty and
the values they may take. :func:`qolreview.parquet_io.write_table` checks a table against its contract
before it writes the file, and writes the contract's types, so an empty table has the same schema as a full
one. Readers take column names from the models (``EffectSizes.yi`` is the string ``"yi"``) instead of
re-listing them. The clean tables follow the workbook contract (:mod:`qolreview.workbook.spec`).

The controlled vocabularies of the output columns are declared here, once; the stages import them. The
vocabularies of the workbook are declared by its contract.
"""

from __future__ import annotations

from typing import Literal, get_args

import pandas as pd
import pandera.pandas as pa
import pyarrow
from pandera.typing import Series

from qolreview.synthesis import DIAGNOSTIC_METHODS
from qolreview.workbook.spec import EVIDENCE_STATUS, OUTCOME_BASES

Text = Series[str]
Integer = Series[pd.Int64Dtype]
Flag = Series[pd.BooleanDtype]
Number = Series[float]

# Vocabularies --------------------------------------------------------------------------------------------

Comparison = Literal["within_arm_prepost", "between_arms"]
"""What an effect compares: one arm before and after, or two arms."""
COMPARISONS: tuple[str, ...] = get_args(Comparison)
ORIGINS = ("outcomes", "contrasts")
"""The workbook sheet an effect size was computed from."""
RSource = Literal["reported", "derived_from_sds", "study_override", "default", "not_used"]
"""Where the pre-post correlation of a change score came from."""
WEEKS_RULE, UNTIMED_RULE = "weeks", "untimed_window"
WINDOW_RULES = (WEEKS_RULE, UNTIMED_RULE)
"""How an effect was placed in its time window: by its weeks, or by its timepoint label (``harmonize.untimed_window``:
a result reported without a time, e.g. at discharge)."""
MIXED_BASES = "mixed"
"""``outcome_basis`` of an analysis (MD, MC) pooling change and final values."""
RAW_UNIT_MEASURES = ("MD", "MC")
"""Measures in the instrument's own units (mean difference between arms, mean change within an arm): an analysis
of one of them is of one instrument, subscale and scale."""
SELECTIONS = ("single", "composite", "priority", "che")
"""How a study's row in an analysis was formed (``che``: all its effects entered the CHE model)."""
SUBGROUP_FITS = ("random_effects", "che", "single_study")
IMPROVED, WORSENED, NO_CLEAR, MIXED = "improved", "worsened", "no_clear_difference", "mixed"
EFFECT_DIRECTIONS = (IMPROVED, WORSENED, NO_CLEAR, MIXED)
"""Directions of effect (SWiM; Thomson & Thomas 2013)."""
DIRECTION_BASES = ("reported", "point_estimate_only", "ci")
"""Bases of a direction, from the least to the most informative."""
CERTAINTY_LEVELS = ("Very low", "Low", "Moderate", "High")
"""GRADE certainty of evidence, lowest first."""
CERTAINTY_NOT_ASSESSED = "not assessed"
RATIO_MEASURES = ("RR", "OR", "HR")
"""Measures the harmonize stage produces as log ratios: risk ratio, odds ratio (metafor ``escalc`` "RR", "OR") and
hazard ratio (reported)."""
ADVERSE, FAVOURABLE = "adverse", "favourable"
EVENTS = (ADVERSE, FAVOURABLE)
"""The event a ratio counts: adverse (e.g. any problem; its log ratio was sign-flipped so that positive = better) or
favourable (e.g. response, remission; not flipped)."""

_ARROW_TYPES = {
    "str": pyarrow.string(),
    "string": pyarrow.string(),
    "Int64": pyarrow.int64(),
    "int64": pyarrow.int64(),
    "boolean": pyarrow.bool_(),
    "float64": pyarrow.float64(),
}


def _optional(**checks: object) -> object:
    """A column that may be empty (null) in some rows."""
    return pa.Field(nullable=True, **checks)  # type: ignore[arg-type]


class Contract(pa.DataFrameModel):
    """A results table: exactly these columns, in this order, with these types."""

    class Config:
        strict = True
        ordered = True

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        """The column names in file order."""
        return tuple(cls.to_schema().columns)

    @classmethod
    def arrow_schema(cls) -> pyarrow.Schema:
        """The Parquet (Arrow) schema of the table."""
        return pyarrow.schema(
            [
                pyarrow.field(name, _ARROW_TYPES[str(column.dtype).split("[")[0]])
                for name, column in cls.to_schema().columns.items()
            ]
        )


# Stage 1: clean ------------------------------------------------------------------------------------------


class CleaningLog(Contract):
    """Every value the clean stage changed: where, from what, to what and by which rule."""

    file: Text
    sheet: Text
    cell: Text
    column: Text
    old_value: Text = _optional()
    new_value: Text = _optional()
    rule: Text


# Stage 2: harmonize --------------------------------------------------------------------------------------


class EffectSizes(Contract):
    """One signed effect size per row (positive = better quality of life), with its provenance."""

    effect_id: Text = pa.Field(unique=True)
    study_id: Text
    arm_id: Text
    comparator_arm_id: Text = _optional()
    arm_role: Text = _optional()
    comparison: Text = pa.Field(isin=COMPARISONS)
    origin: Text = pa.Field(isin=ORIGINS)
    basis: Text
    outcome_basis: Text = _optional(isin=OUTCOME_BASES)
    instrument: Text
    subscale: Text
    domain: Text
    qol: Flag
    window: Text = _optional()
    window_rule: Text = _optional(isin=WINDOW_RULES)
    timepoint: Text
    timepoint_weeks: Number = _optional()
    measure: Text
    yi: Number
    vi: Number = pa.Field(gt=0)
    ci_lb: Number
    ci_ub: Number
    n1: Integer = _optional(ge=0)
    n2: Integer = _optional(ge=0)
    r_used: Number = _optional(ge=-1, le=1)
    r_source: Text = pa.Field(isin=get_args(RSource))
    direction_flipped: Flag
    conversions: Text = _optional()
    approximate: Flag
    selected: Flag
    superseded: Flag
    selection_note: Text = _optional()
    md: Number = _optional()
    md_vi: Number = _optional()
    scale: Text = _optional()
    pct_change: Number = _optional()
    source_cells: Text
    input_rows: Text
    source_ids: Text = _optional()
    evidence_status: Text = _optional(isin=EVIDENCE_STATUS)


class NotConvertible(Contract):
    """A reported result that gave no effect size, with the reason."""

    study_id: Text
    arm_id: Text = _optional()
    comparator_arm_id: Text = _optional()
    origin: Text = pa.Field(isin=ORIGINS)
    instrument: Text
    subscale: Text
    domain: Text
    qol: Flag
    timepoint: Text = _optional()
    timepoint_weeks: Number = _optional()
    reason: Text
    direction_reported: Text = _optional()
    pct_change: Number = _optional()
    value_qualifier: Text = _optional()
    source_cells: Text = _optional()
    source_sheet: Text
    source_row: Integer
    input_rows: Text


class ConversionLog(Contract):
    """Each conversion step of each effect size: what was computed, with which formula and source."""

    effect_id: Text
    step: Integer = pa.Field(ge=1)
    name: Text
    description: Text
    formula: Text
    source: Text
    approximate: Flag


# Stage 3: synthesis --------------------------------------------------------------------------------------


class RiskOfBias(Contract):
    """Risk-of-bias judgements in tidy form: one row per study, tool and domain (``overall`` included)."""

    study_id: Text
    label: Text
    tool: Text
    domain: Text
    judgement: Text
    stars: Integer = _optional(ge=0)
    support: Text = _optional()
    source_cells: Text = _optional()


class MetaAnalyses(Contract):
    """One row per analysis (comparison x domain x window x measure; raw-unit measures also x instrument x subscale x
    scale; an SMD mixing change and final values split by basis): pooled or not, with every statistic."""

    analysis_id: Text = pa.Field(unique=True)
    comparison: Text = pa.Field(isin=COMPARISONS)
    domain: Text
    window: Text
    measure: Text
    outcome_basis: Text = _optional(isin=(*OUTCOME_BASES, MIXED_BASES))
    instrument: Text = _optional()
    subscale: Text = _optional()
    scale: Text = _optional()
    qol: Flag
    k: Integer = pa.Field(ge=1)
    k_effects: Integer = pa.Field(ge=1)
    study_ids: Text
    n_participants: Integer = _optional(ge=0)
    max_timepoint_weeks: Number = _optional()
    pooled: Flag
    estimate: Number = _optional()
    se: Number = _optional()
    stat: Number = _optional()
    pval: Number = _optional(ge=0, le=1)
    ci_lb: Number = _optional()
    ci_ub: Number = _optional()
    pi_lb: Number = _optional()
    pi_ub: Number = _optional()
    tau2: Number = _optional(ge=0)
    tau2_ci_lb: Number = _optional()
    tau2_ci_ub: Number = _optional()
    i2: Number = _optional(ge=0, le=100)
    i2_ci_lb: Number = _optional()
    i2_ci_ub: Number = _optional()
    h2: Number = _optional()
    q: Number = _optional(ge=0)
    q_df: Integer = _optional(ge=0)
    q_p: Number = _optional(ge=0, le=1)
    df: Number = _optional(gt=0)
    sigma2_within: Number = _optional(ge=0)
    method: Text
    test: Text
    level: Number = pa.Field(gt=0, lt=1)
    multiple_effects: Text
    source_cells: Text


class StudyWeights(Contract):
    """The one effect of each study in each analysis, with its weight in the pooled estimate."""

    analysis_id: Text
    study_id: Text
    label: Text
    effect_ids: Text
    instruments: Text
    yi: Number
    vi: Number = pa.Field(gt=0)
    ci_lb: Number
    ci_ub: Number
    weight_pct: Number = _optional(ge=0, le=100)
    n: Integer = _optional(ge=0)
    drug: Text
    population: Text
    design: Text
    rob_overall: Text
    composite: Flag
    selection: Text = pa.Field(isin=SELECTIONS)
    direction_flipped: Flag = _optional()
    source_cells: Text


class Subgroups(Contract):
    """Subgroup estimates of each pooled analysis and the test for subgroup differences."""

    analysis_id: Text
    subgroup_var: Text
    subgroup: Text
    k: Integer = pa.Field(ge=1)
    study_ids: Text
    fit: Text = pa.Field(isin=SUBGROUP_FITS)
    estimate: Number
    se: Number
    ci_lb: Number
    ci_ub: Number
    tau2: Number = _optional(ge=0)
    se_z: Number
    q_between: Number = pa.Field(ge=0)
    q_between_df: Integer = pa.Field(ge=1)
    q_between_p: Number = pa.Field(ge=0, le=1)


class LeaveOneOut(Contract):
    """The pooled estimate with each study left out in turn."""

    analysis_id: Text
    omitted_study_id: Text
    omitted_label: Text
    k: Integer = pa.Field(ge=1)
    estimate: Number
    se: Number
    ci_lb: Number
    ci_ub: Number
    pval: Number = pa.Field(ge=0, le=1)
    tau2: Number = _optional(ge=0)
    i2: Number = _optional(ge=0, le=100)
    q: Number = _optional(ge=0)
    q_p: Number = _optional(ge=0, le=1)


class EffectDirection(Contract):
    """The direction of effect of each study in each domain (effect direction plot, SWiM)."""

    study_id: Text
    label: Text
    comparison: Text = pa.Field(isin=COMPARISONS)
    domain: Text
    qol: Flag
    direction: Text = pa.Field(isin=EFFECT_DIRECTIONS)
    ci_direction: Text = pa.Field(isin=EFFECT_DIRECTIONS)
    basis: Text = pa.Field(isin=DIRECTION_BASES)
    n_outcomes: Integer = pa.Field(ge=1)
    n_outcomes_improved: Integer = pa.Field(ge=0)
    n_outcomes_worsened: Integer = pa.Field(ge=0)
    n_outcomes_no_clear: Integer = pa.Field(ge=0)
    n: Integer = _optional(ge=0)
    instruments: Text
    timepoint_weeks: Number = _optional()
    rob_overall: Text
    source_cells: Text = _optional()


class VoteCounts(Contract):
    """Vote counts of the studies' directions per domain, with the sign test."""

    comparison: Text = pa.Field(isin=COMPARISONS)
    domain: Text
    qol: Flag
    n_studies: Integer = pa.Field(ge=0)
    n_improved: Integer = pa.Field(ge=0)
    n_worsened: Integer = pa.Field(ge=0)
    n_no_clear: Integer = pa.Field(ge=0)
    n_with_direction: Integer = pa.Field(ge=0)
    proportion_improved: Number = _optional(ge=0, le=1)
    ci_lb: Number = _optional(ge=0, le=1)
    ci_ub: Number = _optional(ge=0, le=1)
    sign_test_p: Number = _optional(ge=0, le=1)
    study_ids: Text


class SummaryOfFindings(Contract):
    """One row per quality-of-life domain: its primary result and the GRADE certainty of the evidence."""

    outcome: Text
    analysis_id: Text = _optional()
    comparison: Text = _optional(isin=COMPARISONS)
    window: Text = _optional()
    measure: Text = _optional()
    k: Integer = _optional(ge=0)
    n_participants: Integer = _optional(ge=0)
    study_ids: Text = _optional()
    designs: Text = _optional()
    pooled: Flag = _optional()
    estimate: Number = _optional()
    ci_lb: Number = _optional()
    ci_ub: Number = _optional()
    pi_lb: Number = _optional()
    pi_ub: Number = _optional()
    i2: Number = _optional(ge=0, le=100)
    event: Text = _optional(isin=EVENTS)
    relative_effect: Number = _optional(gt=0)
    relative_ci_lb: Number = _optional(gt=0)
    relative_ci_ub: Number = _optional(gt=0)
    relative_pi_lb: Number = _optional(gt=0)
    relative_pi_ub: Number = _optional(gt=0)
    comparator_risk: Number = _optional(ge=0, le=1)
    comparator_risk_k: Integer = _optional(ge=0)
    intervention_risk: Number = _optional(ge=0, le=1)
    intervention_risk_ci_lb: Number = _optional(ge=0, le=1)
    intervention_risk_ci_ub: Number = _optional(ge=0, le=1)
    absolute_effect_note: Text = _optional()
    narrative_n_studies: Integer = _optional(ge=0)
    narrative_n_improved: Integer = _optional(ge=0)
    narrative_n_worsened: Integer = _optional(ge=0)
    narrative_n_no_clear: Integer = _optional(ge=0)
    starting_certainty: Text = _optional(isin=CERTAINTY_LEVELS)
    downgrade_risk_of_bias: Integer = _optional(ge=-2, le=0)
    downgrade_inconsistency: Integer = _optional(ge=-2, le=0)
    downgrade_indirectness: Integer = _optional(ge=-2, le=0)
    downgrade_imprecision: Integer = _optional(ge=-2, le=0)
    downgrade_publication_bias: Integer = _optional(ge=-2, le=0)
    grade_domains_missing: Text = _optional()
    grade_reasons: Text = _optional()
    certainty: Text = pa.Field(isin=(*CERTAINTY_LEVELS, CERTAINTY_NOT_ASSESSED))
    source_cells: Text = _optional()


# Exports for R packages (CSV) -----------------------------------------------------------------------------


class CsvContract(Contract):
    """A CSV export: checked after converting each column to its type (CSV has no types of its own)."""

    class Config:
        coerce = True


class Robvis(CsvContract):
    """One tool's judgements in the layout of the robvis R package (McGuinness & Higgins 2021): a row per
    study, a column per domain (D1-D7 for ROBINS-I, D1-D5 for RoB 2, D1-D3 for the Newcastle-Ottawa stars),
    the overall judgement and the study's weight."""

    Study: Text
    D1: Text
    D2: Text
    D3: Text
    D4: Text = pa.Field(required=False)
    D5: Text = pa.Field(required=False)
    D6: Text = pa.Field(required=False)
    D7: Text = pa.Field(required=False)
    Overall: Text
    Weight: Series[int] = pa.Field(ge=0)


class PrismaCounts(CsvContract):
    """The PRISMA 2020 counts in the CSV template of the PRISMA2020 R package (Haddaway et al. 2022)."""

    data: Text
    node: Text
    box: Text
    description: Text
    boxtext: Text
    tooltips: Text
    url: Text
    n: Text


# Stage 3: meta-analysis diagnostics ----------------------------------------------------------------------


class MetaRegression(Contract):
    """Meta-regression of a pooled analysis on one moderator: one row per coefficient (intercept first)."""

    analysis_id: Text
    moderator: Text
    coefficient: Text
    k: Integer = pa.Field(ge=3)
    estimate: Number
    se: Number = pa.Field(ge=0)
    stat: Number
    pval: Number = pa.Field(ge=0, le=1)
    ci_lb: Number
    ci_ub: Number
    qm: Number = pa.Field(ge=0)
    qm_df: Integer = pa.Field(ge=1)
    qm_df2: Integer = _optional(ge=1)
    qm_p: Number = pa.Field(ge=0, le=1)
    qe: Number = pa.Field(ge=0)
    qe_df: Integer = pa.Field(ge=1)
    qe_p: Number = pa.Field(ge=0, le=1)
    tau2: Number = _optional(ge=0)
    i2: Number = _optional(ge=0, le=100)
    r2: Number = _optional(ge=0, le=100)
    method: Text
    test: Text
    source_cells: Text


class SmallStudyEffects(Contract):
    """Small-study effects of a pooled analysis: Egger's test, the rank correlation test and trim-and-fill."""

    analysis_id: Text = pa.Field(unique=True)
    k: Integer = pa.Field(ge=3)
    egger_stat: Number
    egger_pval: Number = pa.Field(ge=0, le=1)
    limit_estimate: Number
    limit_ci_lb: Number
    limit_ci_ub: Number
    rank_tau: Number = pa.Field(ge=-1, le=1)
    rank_pval: Number = pa.Field(ge=0, le=1)
    k0: Integer = pa.Field(ge=0)
    side: Text = pa.Field(isin=("left", "right"))
    se_k0: Number = _optional(ge=0)
    filled_estimate: Number
    filled_se: Number = pa.Field(ge=0)
    filled_ci_lb: Number
    filled_ci_ub: Number
    filled_tau2: Number = _optional(ge=0)
    filled_k: Integer = pa.Field(ge=3)
    method: Text
    source_cells: Text


class FilledStudies(Contract):
    """The studies imputed by trim-and-fill (drawn open in the funnel plot)."""

    analysis_id: Text
    yi: Number
    vi: Number = pa.Field(gt=0)


class Influence(Contract):
    """Influence diagnostics of each study in a pooled analysis (Viechtbauer & Cheung 2010)."""

    analysis_id: Text
    study_id: Text
    label: Text
    rstudent: Number = _optional()
    dffits: Number = _optional()
    cook_d: Number = _optional(ge=0)
    cov_r: Number = _optional(ge=0)
    tau2_del: Number = _optional(ge=0)
    qe_del: Number = _optional(ge=0)
    hat: Number = pa.Field(ge=0, le=1)
    weight: Number = pa.Field(ge=0, le=100)
    influential: Flag
    source_cells: Text


class Cumulative(Contract):
    """The pooled estimate after each added study, in the order of a studies column."""

    analysis_id: Text
    step: Integer = pa.Field(ge=1)
    study_id: Text
    label: Text
    order_value: Number = _optional()
    k: Integer = pa.Field(ge=1)
    estimate: Number
    se: Number = pa.Field(ge=0)
    ci_lb: Number
    ci_ub: Number
    pval: Number = pa.Field(ge=0, le=1)
    tau2: Number = _optional(ge=0)
    i2: Number = _optional(ge=0, le=100)
    source_cells: Text


class Gosh(Contract):
    """The model fitted to subsets of the studies of a pooled analysis (GOSH; Olkin et al. 2012)."""

    analysis_id: Text
    mask: Integer = pa.Field(ge=1)
    k: Integer = pa.Field(ge=1)
    estimate: Number = _optional()
    tau2: Number = _optional(ge=0)
    i2: Number = _optional(ge=0, le=100)
    qe: Number = _optional(ge=0)


class DiagnosticFailures(Contract):
    """A diagnostic that could not be computed for one pooled analysis (and moderator), and why."""

    analysis_id: Text
    method: Text = pa.Field(isin=DIAGNOSTIC_METHODS)
    moderator: Text = _optional()
    reason: Text


# Sensitivity and multiverse analyses ------------------------------------------------------------------------

SENSITIVITY_STATUSES = ("pooled", "unchanged", "not_poolable", "no_studies", "not_converged")
"""What became of a pooled primary analysis under a sensitivity analysis or a multiverse specification: pooled,
unchanged (same studies, effects and model: declared analyses only), too few studies left, none left, or a model
that did not converge."""
SENSITIVITY_RESULT_FIELDS = ("estimate", "se", "ci_lb", "ci_ub", "pval", "pi_lb", "pi_ub", "tau2", "i2")
"""The result columns of a sensitivity analysis and of a multiverse row."""
MULTIVERSE_FITS = ("random_effects", "che")
"""The model of a multiverse cell: random effects of one row per study, or the CHE model of all effects."""


class SensitivityAnalyses(Contract):
    """Each declared sensitivity analysis on each pooled primary analysis, against the primary result."""

    sensitivity: Text
    description: Text
    departures: Text
    analysis_id: Text
    measure: Text
    status: Text = pa.Field(isin=SENSITIVITY_STATUSES)
    k: Integer = pa.Field(ge=0)
    k_effects: Integer = pa.Field(ge=0)
    study_ids: Text = _optional()
    left_out_study_ids: Text = _optional()
    estimate: Number = _optional()
    se: Number = _optional(ge=0)
    ci_lb: Number = _optional()
    ci_ub: Number = _optional()
    pval: Number = _optional(ge=0, le=1)
    pi_lb: Number = _optional()
    pi_ub: Number = _optional()
    tau2: Number = _optional(ge=0)
    i2: Number = _optional(ge=0, le=100)
    method: Text
    test: Text
    primary_k: Integer = pa.Field(ge=1)
    primary_estimate: Number = _optional()
    primary_ci_lb: Number = _optional()
    primary_ci_ub: Number = _optional()
    difference: Number = _optional()
    same_conclusion: Flag = _optional()
    sentence: Text


class Multiverse(Contract):
    """One row per multiverse specification x pooled primary analysis: every choice made, and the result."""

    analysis_id: Text
    specification: Integer = pa.Field(ge=0)
    inclusion: Text
    risk_of_bias: Text
    design: Text
    funding: Text
    conversions: Text
    timepoint_choice: Text
    pre_post_r: Number
    multiple_effects: Text
    composite_correlation: Number
    che_rho: Number
    method: Text
    test: Text
    primary: Flag
    status: Text = pa.Field(isin=SENSITIVITY_STATUSES)
    fit: Text = _optional(isin=MULTIVERSE_FITS)
    k: Integer = pa.Field(ge=0)
    k_effects: Integer = pa.Field(ge=0)
    estimate: Number = _optional()
    se: Number = _optional(ge=0)
    ci_lb: Number = _optional()
    ci_ub: Number = _optional()
    pval: Number = _optional(ge=0, le=1)
    pi_lb: Number = _optional()
    pi_ub: Number = _optional()
    tau2: Number = _optional(ge=0)
    i2: Number = _optional(ge=0, le=100)


class MultiverseSummary(Contract):
    """Per pooled primary analysis: how its multiverse's specifications agree with the primary result."""

    analysis_id: Text
    measure: Text
    n_specifications: Integer = pa.Field(ge=0)
    n_pooled: Integer = pa.Field(ge=0)
    primary_estimate: Number = _optional()
    primary_ci_lb: Number = _optional()
    primary_ci_ub: Number = _optional()
    share_same_direction: Number = _optional(ge=0, le=1)
    share_ci_excludes_null: Number = _optional(ge=0, le=1)
    share_same_conclusion: Number = _optional(ge=0, le=1)
    estimate_min: Number = _optional()
    estimate_median: Number = _optional()
    estimate_max: Number = _optional()
    top_factor: Text = _optional()
    top_factor_share: Number = _optional(ge=0, le=1)
    robustness: Text
    sentence: Text


class MultiverseFactors(Contract):
    """Per pooled primary analysis and multiverse factor: the share of the estimates' variance its main effect
    explains, the same for the agreement with the primary conclusion, and its levels of lowest and highest mean."""

    analysis_id: Text
    factor: Text
    n_levels: Integer = pa.Field(ge=1)
    variance_share: Number = _optional(ge=0, le=1)
    conclusion_share: Number = _optional(ge=0, le=1)
    lowest_level: Text = _optional()
    lowest_mean: Number = _optional()
    highest_level: Text = _optional()
    highest_mean: Number = _optional()
