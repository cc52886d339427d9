"""The extraction workbook contract: sheets, columns, types and controlled vocabularies.

This module is the single source of truth for the workbook format. The reader, the validator, the
blank-template writer and the documentation (``raw/README.md``) are all derived from it, so a change
here changes all of them together.

Column kinds:

``id``       text key; kept as text even when it looks like a number (``007``).
``text``     free text.
``enum``     one value of a controlled vocabulary (after synonym normalisation).
``int``      whole number.
``float``    real number.
``pct``      percentage on the 0-100 scale; ``45%`` is read as 45.
``date``     calendar date, stored as ISO text ``YYYY-MM-DD``.

The ``clean`` stage writes one Parquet table per sheet with the sheet's columns (typed), plus the
provenance columns ``source_file``, ``source_sheet``, ``source_row`` (1-based Excel row) and, for every
sheet column ``X``, ``cell_X`` holding the cell address as ``sheet!A1`` (e.g. ``outcomes!F17``). Sheets
with a ``timepoint`` column gain ``timepoint_weeks``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from qolreview.workflow import InputError

Kind = Literal["id", "text", "enum", "int", "float", "pct", "date"]


@dataclass(frozen=True)
class Column:
    """One column of a sheet."""

    name: str
    kind: Kind
    description: str
    required: bool = False
    """The column must be present in the sheet."""
    not_null: bool = False
    """Every row must have a value."""
    vocabulary: tuple[str, ...] = ()
    """Allowed values for ``enum`` columns."""
    open_vocabulary: bool = False
    """``enum`` whose listed values, if any, are suggestions: other values are accepted."""
    review_vocabulary: str | None = None
    """Key of ``review.vocabularies`` (one of :data:`REVIEW_VOCABULARIES`) declaring ``vocabulary`` for a review
    (:func:`workbook_spec`); the contract's own list is the default."""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False

    @property
    def closed(self) -> bool:
        """Whether only the listed values are accepted: an ``enum`` with a vocabulary that is not open."""
        return bool(self.vocabulary) and not self.open_vocabulary


@dataclass(frozen=True)
class Sheet:
    """One sheet of the workbook."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    """Columns whose combination must be unique."""
    required: bool = True
    """The sheet must be present (optional sheets may be absent)."""
    extra_columns_allowed: bool = True

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"sheet {self.name!r} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


REVIEW_VOCABULARIES = ("population", "intervention", "route", "design")
"""The vocabularies a review declares in its config (``review.vocabularies``, :func:`workbook_spec`): of
``studies.population``, ``arms.drug`` (the arm's intervention), ``arms.route`` and ``studies.design``."""
DESIGNS = (
    "rct",
    "cluster_rct",
    "crossover_rct",
    "post_hoc_rct",
    "nrsi",
    "cohort",
    "case_control",
    "cross_sectional",
    "before_after",
    "single_arm",
    "case_series",
)
"""Generic study designs: the default of ``review.vocabularies.design``."""
RANDOMISED_DESIGNS = frozenset({"rct", "cluster_rct", "crossover_rct", "post_hoc_rct"})
"""Designs whose evidence starts at high certainty (GRADE) and counts as randomised in the report, whatever the
review's design vocabulary: a review's randomised designs take these names."""
FUNDING = ("industry", "non_industry", "mixed", "not_reported")
ROB_TOOLS = ("ROBINS-I", "NOS", "RoB2")
INCLUSION_STATUS = ("confirmed", "provisional")
ROLES = ("intervention", "comparator")
DIRECTIONS = ("improved", "worsened", "no_change", "mixed")
QUALIFIERS = (">", ">=", "<", "<=", "~")
STATISTICS = ("md", "ls_md", "smd", "rd", "rr", "or", "hr", "log_rr", "log_or", "log_hr")
RATIO_STATISTICS = ("rr", "or", "hr")
"""Contrast statistics reported on the ratio scale: estimate and confidence limits must be > 0."""
OUTCOME_BASES = ("change", "final")
"""What a continuous result compares: changes from baseline or final (follow-up) values."""
EVIDENCE_STATUS = ("seen", "seen_inferred", "reported_in_summary", "not_seen")
GRADE_DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")


def _c(name: str, kind: Kind, description: str, **kw: object) -> Column:
    return Column(name=name, kind=kind, description=description, **kw)  # type: ignore[arg-type]


_SOURCE = _c("source_id", "id", "Key of the row in `sources` that this value was taken from.")
_NOTES = _c("notes", "text", "Free-text remarks.")

STUDIES = Sheet(
    name="studies",
    description="One row per included (or provisionally included) study.",
    key=("study_id",),
    columns=(
        _c("study_id", "id", "Unique study key, e.g. `hopwood2024`.", required=True, not_null=True),
        _c("citation", "text", "Short citation (authors, year, journal).", required=True),
        _c("doi", "text", "DOI without the `https://doi.org/` prefix.", required=True),
        _c(
            "design",
            "enum",
            "Study design. Randomised, starting at high certainty in GRADE: "
            f"{', '.join(d for d in DESIGNS if d in RANDOMISED_DESIGNS)}.",
            required=True,
            vocabulary=DESIGNS,
            review_vocabulary="design",
        ),
        _c("country", "text", "Country or countries.", required=True),
        _c(
            "population",
            "enum",
            "Population (or subgroup) the study enrolled.",
            required=True,
            open_vocabulary=True,
            review_vocabulary="population",
        ),
        _c("n_total", "int", "Participants analysed in the study.", required=True, minimum=1),
        _c("age_mean", "float", "Mean age in years.", required=True, minimum=0, maximum=120),
        _c("female_pct", "pct", "Percentage of female participants.", required=True, minimum=0, maximum=100),
        _c("follow_up_weeks", "float", "Longest follow-up in weeks.", required=True, minimum=0),
        _c("funding", "enum", "Source of funding.", required=True, vocabulary=FUNDING),
        _c("rob_tool", "enum", "Risk-of-bias tool applied to the study.", required=True, vocabulary=ROB_TOOLS),
        _c(
            "inclusion_status",
            "enum",
            "`confirmed`, or `provisional` when the study's inclusion in the review could not be verified.",
            required=True,
            not_null=True,
            vocabulary=INCLUSION_STATUS,
        ),
        _c("notes", "text", "Free-text remarks.", required=True),
        _c("label", "text", "Display label for figures, e.g. `Hopwood 2024`."),
        _c("trial", "text", "Trial name or registration, e.g. `TRANSFORM-2 (NCT02418585)`."),
        _c("year", "int", "Publication year.", minimum=1900, maximum=2100),
        _SOURCE,
    ),
)

ARMS = Sheet(
    name="arms",
    description="One row per study arm.",
    key=("study_id", "arm_id"),
    columns=(
        _c("study_id", "id", "Study key (must exist in `studies`).", required=True, not_null=True),
        _c("arm_id", "id", "Arm key, unique within the study.", required=True, not_null=True),
        _c("label", "text", "Arm label as reported.", required=True),
        _c("role", "enum", "`intervention` or `comparator`.", required=True, not_null=True, vocabulary=ROLES),
        _c(
            "drug",
            "enum",
            "Intervention given in the arm (the active intervention, or the comparator such as placebo or usual "
            "care). The header stays `drug`, as in earlier workbooks.",
            required=True,
            open_vocabulary=True,
            review_vocabulary="intervention",
        ),
        _c(
            "route",
            "enum",
            "Route or mode of delivery of the intervention.",
            required=True,
            open_vocabulary=True,
            review_vocabulary="route",
        ),
        _c("dose", "text", "Dose (or intensity) as reported.", required=True),
        _c("schedule", "text", "Schedule (frequency, duration) as reported.", required=True),
        _c("n_arm", "int", "Participants in the arm.", required=True, minimum=1),
        _SOURCE,
        _NOTES,
    ),
)

_STAT_COLUMNS: tuple[Column, ...] = (
    _c("n", "int", "Participants contributing to this result.", required=True, minimum=1),
    _c("mean", "float", "Mean at the timepoint.", required=True),
    _c("sd", "float", "Standard deviation at the timepoint.", required=True, minimum=0, exclusive_minimum=True),
    _c("se", "float", "Standard error of the mean.", required=True, minimum=0, exclusive_minimum=True),
    _c("ci_low", "float", "Lower 95% confidence limit of the mean.", required=True),
    _c("ci_high", "float", "Upper 95% confidence limit of the mean.", required=True),
    _c("median", "float", "Median.", required=True),
    _c("q1", "float", "First quartile.", required=True),
    _c("q3", "float", "Third quartile.", required=True),
    _c("baseline_mean", "float", "Mean at baseline.", required=True),
    _c("baseline_sd", "float", "SD at baseline.", required=True, minimum=0, exclusive_minimum=True),
    _c("change_mean", "float", "Mean change from baseline (follow-up minus baseline).", required=True),
    _c("change_sd", "float", "SD of the change from baseline.", required=True, minimum=0, exclusive_minimum=True),
    _c("change_se", "float", "SE of the mean change.", required=True, minimum=0, exclusive_minimum=True),
    _c("change_ci_low", "float", "Lower 95% confidence limit of the mean change.", required=True),
    _c("change_ci_high", "float", "Upper 95% confidence limit of the mean change.", required=True),
    _c("pct_change", "float", "Percent change from baseline (negative for a decrease).", required=True),
    _c(
        "pct_with_problem",
        "pct",
        "EQ-5D: percentage reporting any problem (level 2-5).",
        required=True,
        minimum=0,
        maximum=100,
    ),
    _c(
        "pre_post_r",
        "float",
        "Pre-post correlation, when reported.",
        required=True,
        minimum=-1,
        maximum=1,
        exclusive_minimum=True,
        exclusive_maximum=True,
    ),
)

OUTCOMES = Sheet(
    name="outcomes",
    description="One row per reported result for one arm at one timepoint.",
    key=("study_id", "arm_id", "instrument", "subscale", "timepoint"),
    columns=(
        _c("study_id", "id", "Study key.", required=True, not_null=True),
        _c("arm_id", "id", "Arm key (must exist in `arms` for the study).", required=True, not_null=True),
        _c(
            "instrument",
            "enum",
            "Instrument, as named in the instrument registry (`config/instruments.yaml`).",
            required=True,
            not_null=True,
        ),
        _c(
            "subscale",
            "text",
            "Domain/dimension as reported, e.g. `physical health`, `index`, `VAS`.",
            required=True,
            not_null=True,
        ),
        _c(
            "timepoint",
            "text",
            "Timepoint as reported: `baseline`, `day 25`, `week 16`, `9 months`, a label without a time that the "
            "review declares (`harmonize.untimed_window`, e.g. `end of treatment`), or `not reported` when the "
            "visit's time is unknown.",
            required=True,
            not_null=True,
        ),
        *_STAT_COLUMNS,
        _c(
            "pct_responders",
            "pct",
            "Percentage meeting a responder or remission definition (named in `subscale`, e.g. `response`).",
            minimum=0,
            maximum=100,
        ),
        _c(
            "direction_reported",
            "enum",
            "Direction when the result is reported only in words.",
            required=True,
            vocabulary=DIRECTIONS,
        ),
        _c(
            "value_qualifier",
            "enum",
            'Qualifier of a bound, e.g. `>` for "greater than 10%".',
            required=True,
            vocabulary=QUALIFIERS,
        ),
        _c("source_id", "id", "Key of the row in `sources`.", required=True, not_null=True),
        _c("evidence_status", "enum", "How the number was seen.", required=True, vocabulary=EVIDENCE_STATUS),
        _c("notes", "text", "Free-text remarks.", required=True),
    ),
)

CONTRASTS = Sheet(
    name="contrasts",
    description="Between-arm results reported directly (e.g. an LS mean difference with its CI).",
    key=("study_id", "arm_id", "comparator_arm_id", "instrument", "subscale", "timepoint", "statistic"),
    columns=(
        _c("study_id", "id", "Study key.", required=True, not_null=True),
        _c("arm_id", "id", "Intervention arm.", required=True, not_null=True),
        _c("comparator_arm_id", "id", "Comparator arm.", required=True, not_null=True),
        _c("instrument", "enum", "Instrument (registry name).", required=True, not_null=True),
        _c("subscale", "text", "Domain/dimension as reported.", required=True, not_null=True),
        _c("timepoint", "text", "Timepoint as reported (as in `outcomes`).", required=True, not_null=True),
        _c(
            "statistic",
            "enum",
            "Reported statistic: md, ls_md (adjusted MD), smd, rd, rr, or, hr (hazard ratio); log_rr, log_or, "
            "log_hr when the estimate and its SE or CI are on the log scale.",
            required=True,
            not_null=True,
            vocabulary=STATISTICS,
        ),
        _c(
            "estimate",
            "float",
            "Point estimate (RR/OR/HR on the ratio scale, log_* on the log scale; RD as a proportion or %).",
            required=True,
            not_null=True,
        ),
        _c(
            "se",
            "float",
            "Standard error (of the log ratio for log_*).",
            required=True,
            minimum=0,
            exclusive_minimum=True,
        ),
        _c("ci_low", "float", "Lower confidence limit (95% unless `ci_level` says otherwise).", required=True),
        _c("ci_high", "float", "Upper confidence limit (95% unless `ci_level` says otherwise).", required=True),
        _c("p_value", "float", "Reported p value.", required=True, minimum=0, maximum=1),
        _c("source_id", "id", "Key of the row in `sources`.", required=True, not_null=True),
        _c("n", "int", "Participants in the comparison.", minimum=1),
        _c("evidence_status", "enum", "How the number was seen.", vocabulary=EVIDENCE_STATUS),
        _NOTES,
        _c(
            "ci_level",
            "pct",
            "Confidence level of `ci_low`/`ci_high` in percent; empty means 95.",
            minimum=50,
            maximum=100,
            exclusive_maximum=True,
        ),
        _c(
            "outcome_basis",
            "enum",
            "What an md, ls_md or smd compares: `change` from baseline or `final` values; empty when not stated.",
            vocabulary=OUTCOME_BASES,
        ),
    ),
)

RISK_OF_BIAS = Sheet(
    name="risk_of_bias",
    description="One row per study x tool x domain judgement. NOS domains hold stars in `judgement`.",
    key=("study_id", "tool", "domain"),
    columns=(
        _c("study_id", "id", "Study key.", required=True, not_null=True),
        _c("tool", "enum", "ROBINS-I, NOS or RoB2.", required=True, not_null=True, vocabulary=ROB_TOOLS),
        _c(
            "domain",
            "text",
            "ROBINS-I `D1`-`D7`, `overall`; NOS `selection`, `comparability`, `outcome`.",
            required=True,
            not_null=True,
        ),
        _c("judgement", "text", "ROBINS-I/RoB 2 judgement, or the number of NOS stars.", required=True, not_null=True),
        _c("support", "text", "Support for the judgement (quote or reasoning).", required=True),
        _SOURCE,
    ),
)

PRISMA_BOXES = (
    "previous_studies",
    "previous_reports",
    "database_results",
    "register_results",
    "website_results",
    "organisation_results",
    "citations_results",
    "duplicates",
    "excluded_automatic",
    "excluded_other",
    "records_screened",
    "records_excluded",
    "dbr_sought_reports",
    "dbr_notretrieved_reports",
    "other_sought_reports",
    "other_notretrieved_reports",
    "dbr_assessed",
    "dbr_excluded",
    "other_assessed",
    "other_excluded",
    "new_studies",
    "new_reports",
    "total_studies",
    "total_reports",
)
"""Box keys of the PRISMA2020 R package's data template (Haddaway et al. 2022)."""

PRISMA = Sheet(
    name="prisma",
    description="PRISMA 2020 flow counts, one row per box (keys of the PRISMA2020 R package template).",
    key=("box",),
    columns=(
        _c(
            "box",
            "enum",
            "Box key of the PRISMA2020 R package's template (the drop-down lists them; docs/new_review.md says "
            "what each counts), e.g. `database_results`, `records_screened`, `total_studies`.",
            required=True,
            not_null=True,
            vocabulary=PRISMA_BOXES,
        ),
        _c("n", "int", "Count; empty when not reported.", required=True, minimum=0),
        _c("detail", "text", "Breakdown, e.g. exclusion reasons as `reason, n; reason, n`.", required=True),
        _SOURCE,
    ),
)

SOURCES = Sheet(
    name="sources",
    description="Where every number came from.",
    key=("source_id",),
    columns=(
        _c("source_id", "id", "Source key.", required=True, not_null=True),
        _c("citation", "text", "What the source is.", required=True, not_null=True),
        _c("url", "text", "Where it can be read.", required=True),
        _c("quote", "text", "Verbatim quote supporting the numbers.", required=True),
        _c("accessed", "date", "Date the source was read.", required=True),
    ),
)

GRADE = Sheet(
    name="grade",
    description="Optional: reviewers' GRADE judgements per outcome/domain and GRADE domain.",
    key=("outcome", "grade_domain"),
    required=False,
    columns=(
        _c("outcome", "text", "Outcome or QoL domain the judgement applies to.", required=True, not_null=True),
        _c("grade_domain", "enum", "GRADE domain.", required=True, not_null=True, vocabulary=GRADE_DOMAINS),
        _c("downgrade", "int", "0, -1 or -2.", required=True, not_null=True, minimum=-2, maximum=0),
        _c("reason", "text", "Reason for the judgement.", required=True),
    ),
)

CLAIM_QUANTITIES = ("pct_change", "change_mean", "n_total", "n_studies", "direction")

CLAIMS = Sheet(
    name="claims",
    description="Optional: statements of the published review or its summaries, checked against the data "
    "in the report's claims check.",
    key=("claim_id",),
    required=False,
    columns=(
        _c("claim_id", "id", "Claim key.", required=True, not_null=True),
        _c("statement", "text", "The statement, verbatim.", required=True, not_null=True),
        _c("source_id", "id", "Where the statement was made (key in `sources`).", required=True, not_null=True),
        _c("study_id", "id", "Study the claim is about; empty for a claim about the whole review.", required=True),
        _c("instrument", "text", "Instrument the claim is about, if any.", required=True),
        _c("subscale", "text", "Subscale the claim is about, if any.", required=True),
        _c("quantity", "enum", "What the claim quantifies.", required=True, not_null=True, vocabulary=CLAIM_QUANTITIES),
        _c("claimed_value", "float", "The number claimed (for `direction`: empty).", required=True),
        _c(
            "value_qualifier",
            "enum",
            'Qualifier of the claimed number, e.g. `<=` for "up to".',
            required=True,
            vocabulary=QUALIFIERS,
        ),
        _c(
            "claimed_direction",
            "enum",
            "The direction claimed, for `direction` claims.",
            required=True,
            vocabulary=DIRECTIONS,
        ),
        _NOTES,
    ),
)

SHEETS: tuple[Sheet, ...] = (
    STUDIES,
    ARMS,
    OUTCOMES,
    CONTRASTS,
    RISK_OF_BIAS,
    PRISMA,
    SOURCES,
    GRADE,
    CLAIMS,
)
SHEETS_BY_NAME: dict[str, Sheet] = {s.name: s for s in SHEETS}

OUTCOME_VALUES = (
    "mean",
    "sd",
    "se",
    "ci_low",
    "ci_high",
    "median",
    "q1",
    "q3",
    "baseline_mean",
    "baseline_sd",
    "change_mean",
    "change_sd",
    "change_se",
    "change_ci_low",
    "change_ci_high",
    "pct_change",
    "pct_with_problem",
    "pct_responders",
)
"""The ``outcomes`` columns that hold a reported result (beyond n, the correlation and notes)."""


class VocabularyError(InputError, ValueError):
    """A review's vocabulary declaration that cannot be used: the run stops with this message, without a traceback."""


Vocabularies = Mapping[str, Sequence[str]]
"""A review's declaration (``review.vocabularies``): a list of values per key of :data:`REVIEW_VOCABULARIES`, and
``open``, the keys whose values are suggestions only."""


def workbook_spec(vocabularies: Vocabularies | None = None) -> tuple[Sheet, ...]:
    """The contract of one review: :data:`SHEETS` with the vocabularies the review declares.

    A declared list replaces the column's own (none, or :data:`DESIGNS` for ``design``) and is closed: a value
    outside it is a problem. An empty list, or a key named in ``open``, accepts any value; listed values are then
    suggestions. VocabularyError for an unusable declaration (an unknown key, values differing only in case).
    """
    declared = dict(vocabularies or {})
    _check_vocabularies(declared)
    opened = set(declared.get("open", ()))
    return tuple(
        replace(sheet, columns=tuple(_declared(column, declared, opened) for column in sheet.columns))
        for sheet in SHEETS
    )


def _declared(column: Column, declared: Vocabularies, opened: set[str]) -> Column:
    key = column.review_vocabulary
    if key is None:
        return column
    values = tuple(declared.get(key, column.vocabulary))
    return replace(column, vocabulary=values, open_vocabulary=not values or key in opened)


def _check_vocabularies(declared: Vocabularies) -> None:
    unknown = sorted(set(declared) - {*REVIEW_VOCABULARIES, "open"})
    if unknown:
        raise VocabularyError(
            f"review.vocabularies: unknown key {', '.join(unknown)}; known: {', '.join(REVIEW_VOCABULARIES)}, open"
        )
    not_vocabularies = sorted(set(declared.get("open", ())) - set(REVIEW_VOCABULARIES))
    if not_vocabularies:
        raise VocabularyError(f"review.vocabularies.open: {', '.join(not_vocabularies)} is not a declared vocabulary")
    for key in REVIEW_VOCABULARIES:
        _check_values(key, declared.get(key, ()))


def _check_values(key: str, values: Sequence[str]) -> None:
    """Values must be non-empty text, distinct ignoring case (the clean stage corrects the case of a value)."""
    seen: dict[str, str] = {}
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise VocabularyError(f"review.vocabularies.{key}: {value!r} is not a non-empty text")
        if value.casefold() in seen:
            first = seen[value.casefold()]
            raise VocabularyError(f"review.vocabularies.{key}: {value!r} repeats {first!r} (ignoring case)")
        seen[value.casefold()] = value
