"""Declared sensitivity analyses (Cochrane Handbook 10.14 :cite:`deeks2023ch10`; PRISMA 2020 items 13f and 20d).

Each declared analysis sets a few factors (:mod:`qolreview.sensitivity.factors`) away from the primary analysis
and is run on every pooled primary analysis, through the same code as the primary synthesis: the effects are
harmonized again when a harmonize factor departs, assigned to the primary analyses, filtered, reduced to one row per
study (:func:`~qolreview.synthesis.pooling.one_effect_per_study`) and pooled
(:func:`~qolreview.synthesis.pooling.pooled_fields`: random effects, or the CHE model).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qolreview.formatting import estimate_with_ci, plural, report_number
from qolreview.meta import ConvergenceError
from qolreview.sensitivity.choices import harmonize_config, pooling_settings, primary_choices
from qolreview.sensitivity.conclusions import change_phrase, same_conclusion
from qolreview.sensitivity.config import DeclaredAnalysis, parse_sensitivity
from qolreview.sensitivity.effects import ReviewInputs, analysis_rows, by_analysis, kept
from qolreview.sensitivity.factors import HARMONIZE_FACTORS, Choices, departures_text, describe
from qolreview.synthesis.pooling import CHE_TEST, PoolingSettings, one_effect_per_study, pooled_fields
from qolreview.tables import SENSITIVITY_RESULT_FIELDS, SENSITIVITY_STATUSES, SensitivityAnalyses

POOLED, UNCHANGED, NOT_POOLABLE, NO_STUDIES, NOT_CONVERGED = SENSITIVITY_STATUSES


@dataclass(frozen=True)
class _Pooled:
    """One analysis under one set of choices: its per-study rows, effects, settings and pooled fields."""

    per_study: pd.DataFrame
    effects: pd.DataFrame
    settings: PoolingSettings
    fields: Mapping[str, object] | None
    """None when fewer studies than ``min_studies_to_pool`` are left, or the model did not converge."""
    converged: bool = True

    @property
    def model(self) -> tuple[object, ...]:
        """What the model depends on besides the per-study rows (used to tell an unchanged analysis)."""
        s = self.settings
        if s.multiple_effects == "che" and len(self.per_study) >= 2:
            return ("che", s.che_rho, s.level)
        composite = bool(self.per_study["selection"].eq("composite").any()) if len(self.per_study) else False
        return ("re", s.method, s.test, s.level, s.composite_correlation if composite else None)

    def same_as(self, other: _Pooled) -> bool:
        columns = ["study_id", "effect_ids", "yi", "vi"]
        same = self.model == other.model and self.per_study[columns].equals(other.per_study[columns])
        if same and self.model[0] == "che":  # the model sees every effect, not only the per-study composites
            effects = ["effect_id", "yi", "vi"]
            return self.effects[effects].reset_index(drop=True).equals(other.effects[effects].reset_index(drop=True))
        return same


def _same_effects(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    columns = ["effect_id", "yi", "vi"]
    return a[columns].reset_index(drop=True).equals(b[columns].reset_index(drop=True))


def _pool(effects: pd.DataFrame, settings: PoolingSettings) -> _Pooled:
    if effects.empty:
        return _Pooled(
            pd.DataFrame(columns=["study_id", "effect_ids", "yi", "vi", "selection"]), effects, settings, None
        )
    per_study = one_effect_per_study(effects, settings)
    if len(per_study) < settings.min_studies_to_pool:
        return _Pooled(per_study, effects, settings, None)
    try:
        return _Pooled(per_study, effects, settings, pooled_fields(per_study, effects, settings, tau2_ci=False))
    except ConvergenceError:
        return _Pooled(per_study, effects, settings, None, converged=False)


class _Rows:
    """The analysis rows of each distinct set of harmonize choices, harmonized once."""

    def __init__(self, inputs: ReviewInputs, config: Mapping[str, object], analyses: list[str], raw_units: str):
        self.inputs, self.config, self.analyses, self.raw_units = inputs, config, analyses, raw_units
        self._cache: dict[tuple[object, ...], pd.DataFrame] = {}

    def __call__(self, choices: Choices) -> pd.DataFrame:
        key = tuple(choices[name] for name in HARMONIZE_FACTORS)
        if key not in self._cache:
            section = harmonize_config(self.config, choices)
            self._cache[key] = analysis_rows(self.inputs, section, self.raw_units, self.analyses)
        return self._cache[key]


def _sentence(description: str, status: str, run: _Pooled, primary: _Pooled, row: Mapping[str, object]) -> str:
    k, k0 = len(run.per_study), len(primary.per_study)
    left_out = len(set(primary.per_study["study_id"]) - set(run.per_study["study_id"]))
    if status == UNCHANGED:
        return f"{description}: unchanged (the same {plural(k0, 'study')}, effects and model)."
    if status == NO_STUDIES:
        return f"{description}: no study left, not poolable."
    lost = f" ({left_out} of the {plural(k0, 'study')} left out)" if left_out else ""
    if status == NOT_POOLABLE:
        return f"{description}: {plural(k, 'study')} left{lost}, not poolable."
    if status == NOT_CONVERGED:
        return f"{description}: {plural(k, 'study')} left{lost}, whose model does not converge: no estimate."
    level = float(run.settings.level)
    primary_fit = (row["primary_estimate"], row["primary_ci_lb"], row["primary_ci_ub"])
    return (
        f"{description}: {row['measure']} {estimate_with_ci(row['estimate'], row['ci_lb'], row['ci_ub'], 2, level)} "
        f"from {plural(k, 'study')}{lost}, against "
        f"{estimate_with_ci(*primary_fit, 2, level)} in the primary analysis "
        f"(difference {report_number(row['difference'])}); "
        f"{change_phrase(float(row['estimate']), float(row['ci_lb']), float(row['ci_ub']), primary_fit)}."  # type: ignore[arg-type]
    )


def _row(
    analysis: DeclaredAnalysis, description: str, departures: str, meta: pd.Series, run: _Pooled, primary: _Pooled
) -> dict[str, object]:
    k = len(run.per_study)
    if run.fields is not None:
        status = UNCHANGED if run.same_as(primary) else POOLED
    elif not run.converged:
        status = NOT_CONVERGED
    else:
        status = NO_STUDIES if k == 0 else NOT_POOLABLE
    fields = run.fields or {}
    che = fields.get("test") == CHE_TEST
    row: dict[str, object] = {
        "sensitivity": analysis.name,
        "description": description,
        "departures": departures,
        "analysis_id": meta["analysis_id"],
        "measure": meta["measure"],
        "status": status,
        "k": k,
        "k_effects": len(run.effects),
        "study_ids": "; ".join(run.per_study["study_id"]) or None,
        "left_out_study_ids": "; ".join(sorted(set(primary.per_study["study_id"]) - set(run.per_study["study_id"])))
        or None,
        **{name: float(fields[name]) if name in fields else np.nan for name in SENSITIVITY_RESULT_FIELDS},  # type: ignore[arg-type]
        "method": "REML" if che else run.settings.method,
        "test": CHE_TEST if che else run.settings.test,
        "primary_k": int(meta["k"]),
        "primary_estimate": float(meta["estimate"]),
        "primary_ci_lb": float(meta["ci_lb"]),
        "primary_ci_ub": float(meta["ci_ub"]),
    }
    row["difference"] = row["estimate"] - row["primary_estimate"]  # type: ignore[operator]
    primary_fit = (row["primary_estimate"], row["primary_ci_lb"], row["primary_ci_ub"])
    row["same_conclusion"] = (
        bool(same_conclusion(row["estimate"], row["ci_lb"], row["ci_ub"], primary_fit)) if run.fields else pd.NA  # type: ignore[arg-type]
    )
    row["sentence"] = _sentence(description, status, run, primary, row)
    return row


def declared_sensitivity(
    inputs: ReviewInputs, config: Mapping[str, object], meta_analyses: pd.DataFrame
) -> pd.DataFrame:
    """Run every declared sensitivity analysis on every pooled primary analysis.

    Parameters
    ----------
    inputs : ReviewInputs
        The clean tables, the overall risk of bias per study and the instrument registry.
    config : mapping
        The whole config: ``harmonize`` (complete, as the workflow fills it), ``synthesis`` and ``sensitivity``
        (:func:`~qolreview.sensitivity.config.parse_sensitivity`).
    meta_analyses : pandas.DataFrame
        The primary ``MetaAnalyses`` table; its pooled analyses are those re-run, and its estimates the reference.

    Returns
    -------
    pandas.DataFrame
        The ``SensitivityAnalyses`` table: one row per declared analysis x pooled primary analysis (declared order,
        then analysis id), with the status, the result, the primary result, the difference and one sentence.

    References
    ----------
    Cochrane Handbook 10.14 :cite:`deeks2023ch10`; PRISMA 2020 items 13f and 20d (Page et al. 2021, BMJ 372:n71)
    """
    parsed = parse_sensitivity(config.get("sensitivity"))  # type: ignore[arg-type]
    primary_values = primary_choices(config)
    pooled = meta_analyses[meta_analyses["pooled"].astype(bool)].sort_values("analysis_id", kind="stable")
    analyses = list(pooled["analysis_id"])
    primary_settings = pooling_settings(config, primary_values)
    rows_of = _Rows(inputs, config, analyses, primary_settings.raw_units)
    primary_rows = rows_of(primary_values)
    primary_runs = {aid: _pool(rows, primary_settings) for aid, rows in by_analysis(primary_rows, analyses).items()}
    out = []
    for analysis in parsed.analyses:
        choices = {**primary_values, **analysis.departures}
        description = analysis.description or describe(choices, primary_values)
        departures = departures_text(choices, primary_values)
        settings = pooling_settings(config, choices)
        rows = rows_of(choices)
        groups = by_analysis(rows[kept(rows, choices)], analyses)
        for _, meta in pooled.iterrows():
            aid = meta["analysis_id"]
            group, base = groups[aid], primary_runs[aid]
            same = settings == primary_settings and _same_effects(group, base.effects)
            run = base if same else _pool(group, settings)
            out.append(_row(analysis, description, departures, meta, run, primary_runs[aid]))
    table = pd.DataFrame(out, columns=list(SensitivityAnalyses.columns()))
    for column in ("k", "k_effects", "primary_k"):
        table[column] = table[column].astype("Int64")
    table["same_conclusion"] = table["same_conclusion"].astype("boolean")
    return table
