"""The effects of the analyses under one set of harmonize choices, flagged for every filter factor.

The harmonize stage is run with the chosen ``harmonize`` values, its effects assigned to analyses exactly as the
synthesis does (:func:`qolreview.synthesis.pooling.analysable_effects`), and each row flagged with what the filter
factors leave out. Filters act on these rows, after the analyses were formed, so that leaving studies out never
renames an analysis (an SMD analysis split by outcome basis stays split).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qolreview.harmonize.stage import harmonize
from qolreview.instruments import Registry
from qolreview.sensitivity.factors import (
    ALL,
    ASSUMED_R,
    CI_DERIVED,
    FILTER_FACTORS,
    HIGH_RISK,
    INDUSTRY_FUNDING,
    Choices,
)
from qolreview.synthesis.pooling import analysable_effects
from qolreview.workbook.spec import RANDOMISED_DESIGNS

FLAGS = ("provisional", "high_risk", "non_randomised", "industry", "approximate", "assumed_r", "ci_derived")
"""Boolean columns added to each effect row: what would leave it out."""
LEFT_OUT: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("inclusion", "confirmed_only"): ("provisional",),
    ("risk_of_bias", "exclude_high"): ("high_risk",),
    ("design", "randomised_only"): ("non_randomised",),
    ("funding", "exclude_industry"): ("industry",),
    ("conversions", "no_approximate"): ("approximate",),
    ("conversions", "no_assumed_r"): ("assumed_r",),
    ("conversions", "no_ci_derived"): ("ci_derived",),
    ("conversions", "exact_only"): ("approximate", "assumed_r", "ci_derived"),
}
"""The flags each filter value leaves out (``all`` leaves out none)."""


@dataclass(frozen=True)
class ReviewInputs:
    """What the sensitivity and multiverse analyses start from: the clean ``outcomes``, ``contrasts``, ``arms`` and
    ``studies`` tables, the overall risk of bias per study (``study_id`` index, as
    :func:`qolreview.synthesis.risk_of_bias.overall_by_study` gives it) and the instrument registry."""

    outcomes: pd.DataFrame
    contrasts: pd.DataFrame
    arms: pd.DataFrame
    studies: pd.DataFrame
    rob_overall: pd.Series
    registry: Registry


def _high_risk(judgement: object) -> bool:
    """A study's overall judgement is high risk; with several tools ("RoB2: Low; ROBINS-I: Serious"), any is."""
    if not isinstance(judgement, str):
        return False
    return any(part.rsplit(": ", 1)[-1].strip() in HIGH_RISK for part in judgement.split("; "))


def study_flags(studies: pd.DataFrame, rob_overall: pd.Series) -> pd.DataFrame:
    """Per study (``study_id`` index): ``provisional``, ``high_risk``, ``non_randomised`` and ``industry``."""
    info = studies.set_index("study_id")
    return pd.DataFrame(
        {
            "provisional": info["inclusion_status"].astype(object).eq("provisional"),
            "high_risk": [_high_risk(rob_overall.get(s)) for s in info.index],
            "non_randomised": ~info["design"].astype(object).isin(RANDOMISED_DESIGNS),
            "industry": info["funding"].astype(object).isin(INDUSTRY_FUNDING),
        },
        index=info.index,
    ).astype(bool)


def analysis_rows(
    inputs: ReviewInputs, harmonize_section: Mapping[str, object], raw_units: str, analyses: Iterable[str]
) -> pd.DataFrame:
    """The effect rows of ``analyses`` under ``harmonize_section``, with the :data:`FLAGS` columns.

    Rows as :func:`~qolreview.synthesis.pooling.analysable_effects` gives them (``analysis_id``, ``study_id``,
    ``effect_id``, ``instrument``, ``yi``, ``vi``, ...), sorted by analysis, study and effect.
    """
    result = harmonize(inputs.outcomes, inputs.contrasts, inputs.arms, inputs.registry, harmonize_section)
    effects = result.effect_sizes
    log = result.conversion_log
    ci_derived = set(log.loc[log["name"].astype(object).isin(CI_DERIVED), "effect_id"].astype(str))
    rows = analysable_effects(effects, inputs.arms, raw_units)
    rows = rows[rows["analysis_id"].isin(set(analyses))].reset_index(drop=True)
    flags = study_flags(inputs.studies, inputs.rob_overall).reindex(rows["study_id"])
    for column in ("provisional", "high_risk", "non_randomised", "industry"):
        rows[column] = flags[column].fillna(False).to_numpy(bool)
    rows["approximate"] = rows["approximate"].fillna(False).to_numpy(bool)
    rows["assumed_r"] = rows["r_source"].astype(object).isin(ASSUMED_R).to_numpy(bool)
    rows["ci_derived"] = rows["effect_id"].astype(str).isin(ci_derived).to_numpy(bool)
    return rows


def by_analysis(rows: pd.DataFrame, analyses: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The rows of each of ``analyses`` (empty when it has none), as the contiguous slices of ``rows`` sorted by
    analysis that :func:`analysis_rows` gives: a slice costs far less than selecting every column by a mask."""
    positions = rows.groupby("analysis_id", sort=False).indices
    out = {}
    for aid in analyses:
        found = positions.get(aid)
        if found is None:
            out[aid] = rows.iloc[0:0]
            continue
        start, stop = int(found[0]), int(found[-1]) + 1
        if stop - start != len(found):
            raise ValueError(f"the rows of analysis {aid} are not together: sort the rows by analysis first")
        out[aid] = rows.iloc[start:stop]
    return out


def kept(rows: pd.DataFrame, choices: Choices) -> np.ndarray:
    """Boolean mask of the rows the filter factors of ``choices`` keep."""
    out = np.ones(len(rows), dtype=bool)
    for name in FILTER_FACTORS:
        value = str(choices[name])
        if value != ALL:
            for flag in LEFT_OUT[(name, value)]:
                out &= ~rows[flag].to_numpy(bool)
    return out
