"""Throughput of the multiverse (``qolreview.sensitivity.multiverse``): 10,000 specifications x 20 analyses.

The synthetic test review (``.test/extraction.xlsx``, invented data) is cleaned and synthesised once (not timed);
its 20 pooled analyses with the most studies are the targets. The grid crosses 5 pre-post correlations x 2
timepoint rules (10 harmonize variants, each harmonized inside the timed call) with 25 composite correlations x 5
conversion filters x 2 risk-of-bias filters x 2 design filters x 2 funding filters: 10,000 specifications, all
REML + Knapp-Hartung with the prediction interval, so 200,000 specification x analysis results. The multiverse is
timed once, end to end (harmonisation, filters, reductions, batch fits, the table). A second grid replaces the
filters by 1,000 composite correlations, so that all 200,000 problems are fitted. Baselines in the same run, on
a seeded sample of :data:`N_LOOP` of the fitted problems and extrapolated to all of them:

- ``random_effects`` looped over the problems' per-study rows (the fits alone);
- the per-problem path a loop would take: ``one_effect_per_study`` on the filtered effects, then
  ``random_effects``.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from qolreview.clean.normalize import load_synonyms
from qolreview.clean.stage import clean_workbook
from qolreview.harmonize.stage import harmonize
from qolreview.instruments import load_registry
from qolreview.meta import random_effects
from qolreview.sensitivity.choices import harmonize_config, pooling_settings
from qolreview.sensitivity.effects import ReviewInputs, analysis_rows, kept
from qolreview.sensitivity.multiverse import multiverse
from qolreview.synthesis import pooling, risk_of_bias

ROOT = Path(__file__).resolve().parents[1]
N_ANALYSES = 20
N_LOOP = 500
SEED = 20250417 % 2**32
GRIDS = {
    "filters": {
        "pre_post_r": [0.3, 0.4, 0.5, 0.6, 0.7],
        "timepoint_choice": ["latest", "closest_to_target"],
        "composite_correlation": [round(0.04 * i, 2) for i in range(25)],
        "conversions": ["all", "no_approximate", "no_assumed_r", "no_ci_derived", "exact_only"],
        "risk_of_bias": ["all", "exclude_high"],
        "design": ["all", "randomised_only"],
        "funding": ["all", "exclude_industry"],
    },
    "no filters": {
        "pre_post_r": [0.3, 0.4, 0.5, 0.6, 0.7],
        "timepoint_choice": ["latest", "closest_to_target"],
        "composite_correlation": [i / 1000 for i in range(1000)],
    },
}
"""Two grids of 10,000 specifications: with filters (some leave fewer than 2 studies: no fit), and without (every
specification x analysis is fitted)."""


def synthetic_review() -> tuple[ReviewInputs, dict, pd.DataFrame]:
    """The synthetic review's inputs, config and primary ``meta_analyses``."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    registry = load_registry(ROOT / "config" / "instruments.yaml")
    synonyms = load_synonyms([ROOT / "config" / "synonyms.yaml", ROOT / "config" / "default_review_synonyms.yaml"])
    tables = clean_workbook(ROOT / ".test" / "extraction.xlsx", registry, synonyms, config["clean"]).tables
    tidy = risk_of_bias.tidy_risk_of_bias(
        tables["risk_of_bias"], tables["studies"], config["synthesis"]["nos_thresholds"]
    )
    rob = risk_of_bias.overall_by_study(tidy)
    inputs = ReviewInputs(tables["outcomes"], tables["contrasts"], tables["arms"], tables["studies"], rob, registry)
    effects = harmonize(inputs.outcomes, inputs.contrasts, inputs.arms, registry, config["harmonize"]).effect_sizes
    settings = pooling.PoolingSettings.from_config(config["synthesis"])
    meta = pooling.synthesize(effects, inputs.studies, inputs.arms, rob, settings).meta_analyses
    return inputs, config, meta


def _sample_inputs(
    inputs: ReviewInputs, config: dict, table: pd.DataFrame, sample: pd.DataFrame
) -> list[tuple[pd.DataFrame, pooling.PoolingSettings]]:
    """The filtered effects and pooling settings of each sampled (specification, analysis) problem."""
    settings = pooling_settings(config, sample.iloc[0].to_dict())
    targets = sorted(set(table["analysis_id"]))
    cache: dict[tuple[float, str], pd.DataFrame] = {}
    out = []
    for spec in sample.to_dict("records"):
        key = (spec["pre_post_r"], spec["timepoint_choice"])
        if key not in cache:
            cache[key] = analysis_rows(inputs, harmonize_config(config, spec), settings.raw_units, targets)
        rows = cache[key]
        rows = rows[kept(rows, spec) & (rows["analysis_id"] == spec["analysis_id"])]
        out.append((rows, pooling_settings(config, spec)))
    return out


def _run(inputs: ReviewInputs, config: dict, meta: pd.DataFrame, targets: list[str], grid: str) -> None:
    config = {**config, "sensitivity": {"multiverse": {"factors": GRIDS[grid]}}}
    start = time.perf_counter()
    table = multiverse(inputs, config, meta, analyses=targets)
    seconds = time.perf_counter() - start
    fitted = table[table["status"].isin(["pooled", "not_converged"])]
    sample = fitted.sample(N_LOOP, random_state=np.random.RandomState(SEED))
    problems = _sample_inputs(inputs, config, table, sample)
    per_study = [pooling.one_effect_per_study(rows, settings) for rows, settings in problems]
    start = time.perf_counter()
    for rows in per_study:
        random_effects(rows["yi"].to_numpy(float), rows["vi"].to_numpy(float), "REML", "knha", tau2_ci=False)
    loop_s = time.perf_counter() - start
    start = time.perf_counter()
    for rows, settings in problems:
        one = pooling.one_effect_per_study(rows, settings)
        random_effects(one["yi"].to_numpy(float), one["vi"].to_numpy(float), "REML", "knha", tau2_ci=False)
    naive_s = time.perf_counter() - start
    print(
        f"grid {grid!r}: {table['specification'].nunique():,} specifications x {len(targets)} analyses = "
        f"{len(table):,} results, {len(fitted):,} fitted, {int((table['status'] == 'not_converged').sum())} not "
        "converged"
    )
    rate = len(fitted) / seconds
    print(
        f"{'multiverse (harmonize + filters + batch fits + table)':<58} {len(fitted):>8,} {seconds:>9.2f} "
        f"{seconds:>10.2f} {rate:>10,.0f} {1.0:>7.1f}"
    )
    for label, spent in (
        ("random_effects loop (fits only)", loop_s),
        ("one_effect_per_study + random_effects loop", naive_s),
    ):
        loop_rate = N_LOOP / spent
        print(
            f"{label:<58} {N_LOOP:>8,} {spent:>9.2f} {len(fitted) / loop_rate:>10.1f} {loop_rate:>10,.0f} "
            f"{rate / loop_rate:>7.1f}"
        )


def main() -> None:
    """Time the multiverse of each grid against the looped baselines; print fits per second and the ratios."""
    logging.disable(logging.INFO)
    inputs, config, meta = synthetic_review()
    pooled = meta[meta["pooled"]].sort_values(["k", "analysis_id"], ascending=[False, True])
    targets = list(pooled["analysis_id"].head(N_ANALYSES))
    print(
        f"multiverse of the synthetic review, {N_ANALYSES} analyses; REML + Knapp-Hartung with PI; 10 harmonize "
        f"variants harmonized inside the timing (one run); loops timed once on {N_LOOP} sampled fitted problems and "
        f"extrapolated; {os.cpu_count()} CPUs"
    )
    print(f"{'approach':<58} {'fits':>8} {'seconds':>9} {'est. all s':>10} {'fits/s':>10} {'ratio':>7}")
    for grid in GRIDS:
        _run(inputs, config, meta, targets, grid)


if __name__ == "__main__":
    main()
