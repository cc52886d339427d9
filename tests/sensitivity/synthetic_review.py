"""The synthetic test review (.test/extraction.xlsx, invented data) through the library: clean, risk of bias,
harmonize and the primary synthesis, built once per session; and an independent recomputation of one analysis
under given choices, for checking the sensitivity and multiverse engines."""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from qolreview.clean.normalize import load_synonyms
from qolreview.clean.stage import clean_workbook
from qolreview.harmonize.stage import Harmonized, harmonize
from qolreview.instruments import load_registry
from qolreview.meta import correlated_hierarchical, random_effects
from qolreview.sensitivity.effects import ReviewInputs
from qolreview.synthesis import pooling, risk_of_bias

ROOT = Path(__file__).resolve().parents[2]
OVERALL_13 = "between_arms|overall|medium|SMD|final"
"""The synthetic review's largest between-arm analysis (13 studies, four of them composites)."""


@dataclass(frozen=True)
class Review:
    inputs: ReviewInputs
    config: dict
    meta_analyses: pd.DataFrame


def _config() -> dict:
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    override = yaml.safe_load((ROOT / ".test" / "config.yaml").read_text(encoding="utf-8"))
    config["synthesis"].update(override["synthesis"])
    return config


@functools.cache
def _review() -> Review:
    config = _config()
    registry = load_registry(ROOT / "config" / "instruments.yaml")
    synonyms = load_synonyms([ROOT / "config" / "synonyms.yaml", ROOT / "config" / "default_review_synonyms.yaml"])
    tables = clean_workbook(ROOT / ".test" / "extraction.xlsx", registry, synonyms, config["clean"]).tables
    tidy = risk_of_bias.tidy_risk_of_bias(
        tables["risk_of_bias"], tables["studies"], config["synthesis"]["nos_thresholds"]
    )
    rob = risk_of_bias.overall_by_study(tidy)
    inputs = ReviewInputs(tables["outcomes"], tables["contrasts"], tables["arms"], tables["studies"], rob, registry)
    meta = primary_meta(inputs, config)
    return Review(inputs, config, meta)


def primary_meta(inputs: ReviewInputs, config: Mapping) -> pd.DataFrame:
    """The primary ``meta_analyses`` table of ``inputs`` under ``config``."""
    effects = harmonize(inputs.outcomes, inputs.contrasts, inputs.arms, inputs.registry, config["harmonize"])
    settings = pooling.PoolingSettings.from_config(config["synthesis"])
    return pooling.synthesize(
        effects.effect_sizes, inputs.studies, inputs.arms, inputs.rob_overall, settings
    ).meta_analyses


def review(sensitivity: Mapping | None = None, studies: pd.DataFrame | None = None) -> Review:
    """The synthetic review with a ``sensitivity`` section (and, optionally, another ``studies`` table)."""
    base = _review()
    config = copy.deepcopy(base.config)
    config["sensitivity"] = dict(sensitivity or {})
    inputs = base.inputs if studies is None else replace(base.inputs, studies=studies)
    return Review(inputs, config, base.meta_analyses if studies is None else primary_meta(inputs, config))


@functools.cache
def _harmonized(pre_post_r: float, timepoint_choice: str) -> Harmonized:
    """The synthetic review harmonized with these two values (harmonize reads neither studies nor risk of bias)."""
    base = _review()
    section = {**base.config["harmonize"], "pre_post_r": pre_post_r, "timepoint_choice": timepoint_choice}
    i = base.inputs
    return harmonize(i.outcomes, i.contrasts, i.arms, i.registry, section)


RANDOMISED = {"rct", "cluster_rct", "crossover_rct", "post_hoc_rct"}


def _left_out_studies(inputs: ReviewInputs, choices: Mapping) -> set[str]:
    studies = inputs.studies.set_index("study_id")
    out: set[str] = set()
    if choices.get("inclusion") == "confirmed_only":
        out |= set(studies.index[studies["inclusion_status"] == "provisional"])
    if choices.get("design") == "randomised_only":
        out |= set(studies.index[~studies["design"].isin(RANDOMISED)])
    if choices.get("funding") == "exclude_industry":
        out |= set(studies.index[studies["funding"].isin(["industry", "mixed"])])
    if choices.get("risk_of_bias") == "exclude_high":
        rob = inputs.rob_overall
        out |= set(rob.index[rob.isin(["High", "Serious", "Critical", "Poor"])])
    return out


def direct(review: Review, analysis_id: str, **choices: object) -> tuple[int, dict[str, float] | None]:
    """Recompute one analysis under ``choices`` (factor -> value) with the plain library calls: harmonize,
    ``analysable_effects``, the filters written out here, ``one_effect_per_study`` and ``random_effects`` (or
    ``correlated_hierarchical``). Returns k and the result (None when not poolable)."""
    config = review.config
    section = {**config["harmonize"], **{k: v for k, v in choices.items() if k in ("pre_post_r", "timepoint_choice")}}
    synthesis = {
        **config["synthesis"],
        **{k: v for k, v in choices.items() if k in pooling.PoolingSettings.__dataclass_fields__},
    }
    settings = pooling.PoolingSettings.from_config(synthesis)
    inputs = review.inputs
    h = _harmonized(float(section["pre_post_r"]), str(section["timepoint_choice"]))
    rows = pooling.analysable_effects(h.effect_sizes, inputs.arms, settings.raw_units)
    rows = rows[(rows["analysis_id"] == analysis_id) & ~rows["study_id"].isin(_left_out_studies(inputs, choices))]
    conversions = choices.get("conversions", "all")
    if conversions in ("no_approximate", "exact_only"):
        rows = rows[~rows["approximate"].fillna(False).astype(bool)]
    if conversions in ("no_assumed_r", "exact_only"):
        rows = rows[~rows["r_source"].isin(["default", "study_override"])]
    if conversions in ("no_ci_derived", "exact_only"):
        log = h.conversion_log
        rows = rows[~rows["effect_id"].isin(log.loc[log["name"].isin(["sd_from_ci", "se_from_ci"]), "effect_id"])]
    if rows.empty:
        return 0, None
    per_study = pooling.one_effect_per_study(rows, settings)
    k = len(per_study)
    if k < settings.min_studies_to_pool:
        return k, None
    if settings.multiple_effects == "che":
        fit = correlated_hierarchical(
            rows["yi"].to_numpy(float),
            rows["vi"].to_numpy(float),
            rows["study_id"],
            rows["effect_id"],
            settings.che_rho,
        )
        return k, {
            "estimate": fit.estimate,
            "se": fit.robust_se,
            "ci_lb": fit.robust_ci_lb,
            "ci_ub": fit.robust_ci_ub,
            "tau2": fit.sigma2_between,
            "pi_lb": fit.pi_lb,
            "pi_ub": fit.pi_ub,
        }
    fit = random_effects(
        per_study["yi"].to_numpy(float),
        per_study["vi"].to_numpy(float),
        method=settings.method,
        test=settings.test,
        level=settings.level,
    )
    return k, {
        name: getattr(fit, name)
        for name in ("estimate", "se", "ci_lb", "ci_ub", "tau2", "i2", "pi_lb", "pi_ub", "pval")
    }


def assert_matches(row: Mapping, expected: Mapping[str, float], rtol: float = 1e-9) -> None:
    """Every expected field equals the row's (relative tolerance; NaN equals NaN)."""
    for name, value in expected.items():
        np.testing.assert_allclose(float(row[name]), float(value), rtol=rtol, atol=1e-12, err_msg=name)
