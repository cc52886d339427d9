"""The multiverse on the synthetic review: the grid and its ids, one cell per factor recomputed with the plain library
calls, byte-identical shards, the summary (shares, range, variance decomposition, robustness) and degenerate
factors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synthetic_review import OVERALL_13, assert_matches, direct, review

from qolreview.parquet_io import table_bytes
from qolreview.sensitivity import parse_sensitivity
from qolreview.sensitivity.choices import primary_choices
from qolreview.sensitivity.conclusions import between_share, robustness
from qolreview.sensitivity.factors import FACTOR_NAMES
from qolreview.sensitivity.grid import specification_grid
from qolreview.sensitivity.multiverse import multiverse
from qolreview.sensitivity.summary import summarise_multiverse
from qolreview.tables import Multiverse, MultiverseFactors, MultiverseSummary

FACTORS = {
    "risk_of_bias": ["all", "exclude_high"],
    "conversions": ["all", "no_approximate"],
    "pre_post_r": [0.5, 0.8],
    "multiple_effects": ["composite", "priority", "che"],
    "composite_correlation": [0.5, 0.2],
    "method": ["REML", "DL", "EE"],
    "test": ["knha", "z"],
}
TARGETS = [OVERALL_13, "within_arm_prepost|overall|medium|SMCR", "between_arms|overall|short|SMD|change"]


@pytest.fixture(scope="module")
def run() -> tuple[pd.DataFrame, object]:
    r = review({"multiverse": {"factors": FACTORS}})
    return multiverse(r.inputs, r.config, r.meta_analyses, analyses=TARGETS), r


def test_the_grid_numbers_specifications_in_product_order_with_the_primary_elsewhere() -> None:
    r = review({"multiverse": {"factors": {"method": ["DL", "REML"], "inclusion": ["all", "confirmed_only"]}}})
    grid = specification_grid(parse_sensitivity(r.config["sensitivity"]), primary_choices(r.config))
    assert list(grid.columns) == ["specification", *FACTOR_NAMES]
    # canonical factor order: inclusion before method, whatever the config's order
    assert list(zip(grid["inclusion"], grid["method"], strict=True)) == [
        ("all", "DL"),
        ("all", "REML"),
        ("confirmed_only", "DL"),
        ("confirmed_only", "REML"),
    ]
    assert (grid["pre_post_r"] == 0.5).all() and (grid["test"] == "knha").all()


def test_the_table_meets_its_contract_and_is_sorted(run) -> None:
    table, _ = run
    table_bytes(table, Multiverse)
    n = int(np.prod([len(v) for v in FACTORS.values()]))
    assert len(table) == n * len(TARGETS)
    assert table[["analysis_id", "specification"]].equals(
        table[["analysis_id", "specification"]].sort_values(["analysis_id", "specification"]).reset_index(drop=True)
    )
    assert table.groupby("analysis_id")["primary"].sum().eq(1).all()


@pytest.mark.parametrize("factor", list(FACTORS))
def test_one_cell_per_factor_equals_the_plain_calls(run, factor: str) -> None:
    table, r = run
    primary = primary_choices(r.config)
    value = next(v for v in FACTORS[factor] if v != primary[factor])
    others = [f for f in FACTORS if f != factor]
    cell = table[(table[factor] == value) & np.logical_and.reduce([table[f] == primary[f] for f in others])]
    for aid in TARGETS:
        row = cell[cell["analysis_id"] == aid]
        assert len(row) == 1
        row = row.iloc[0]
        k, expected = direct(r, aid, **{factor: value})
        assert row["k"] == k
        if expected is None:
            assert row["status"] in ("not_poolable", "no_studies")
        else:
            assert row["status"] == "pooled"
            assert_matches(row, expected, rtol=1e-8)


def test_the_primary_specification_reproduces_the_primary_analysis(run) -> None:
    table, r = run
    meta = r.meta_analyses.set_index("analysis_id")
    for _, row in table[table["primary"]].iterrows():
        ref = meta.loc[row["analysis_id"]]
        assert row["k"] == ref["k"]
        assert_matches(row, {c: ref[c] for c in ("estimate", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "i2")})


def test_a_che_specification_ignores_the_estimator_and_the_test(run) -> None:
    table, _ = run
    che = table[(table["multiple_effects"] == "che") & (table["status"] == "pooled")]
    assert (che["fit"] == "che").all()
    spread = che.groupby(["analysis_id", "risk_of_bias", "conversions", "pre_post_r"])["estimate"].nunique()
    assert spread.eq(1).all()


def test_any_split_of_the_specifications_gives_byte_identical_rows(run) -> None:
    table, r = run
    ids = table["specification"].drop_duplicates().to_numpy()
    rng = np.random.default_rng(5)
    shard = np.sort(rng.choice(ids, size=len(ids) // 3, replace=False))
    rest = np.setdiff1d(ids, shard)
    parts = [
        multiverse(r.inputs, r.config, r.meta_analyses, analyses=TARGETS, specifications=s.tolist())
        for s in (rest, shard)
    ]
    joined = pd.concat(parts).sort_values(["analysis_id", "specification"], kind="stable").reset_index(drop=True)
    assert table_bytes(joined, Multiverse) == table_bytes(table, Multiverse)


def test_the_summary_counts_shares_and_decomposes_the_variance(run) -> None:
    table, r = run
    summary, factors = summarise_multiverse(table, r.meta_analyses, r.config)
    table_bytes(summary, MultiverseSummary)
    table_bytes(factors, MultiverseFactors)
    row = summary.set_index("analysis_id").loc[OVERALL_13]
    mine = table[table["analysis_id"] == OVERALL_13]
    pooled = mine[mine["status"] == "pooled"]
    assert row["n_specifications"] == len(mine) and row["n_pooled"] == len(pooled)
    assert row["estimate_min"] == pooled["estimate"].min() and row["estimate_max"] == pooled["estimate"].max()
    assert row["estimate_median"] == pytest.approx(pooled["estimate"].median())
    assert row["share_ci_excludes_null"] == pytest.approx(((pooled["ci_lb"] > 0) | (pooled["ci_ub"] < 0)).mean())
    shares = factors[factors["analysis_id"] == OVERALL_13].set_index("factor")
    for name in FACTORS:
        means = pooled.groupby(name)["estimate"].mean()
        counts = pooled.groupby(name)["estimate"].size()
        total = ((pooled["estimate"] - pooled["estimate"].mean()) ** 2).sum()
        expected = (counts * (means - pooled["estimate"].mean()) ** 2).sum() / total
        assert shares.loc[name, "variance_share"] == pytest.approx(expected, abs=1e-9)
    assert row["top_factor"] == shares["variance_share"].idxmax()
    assert row["robustness"] in ("robust",) or row["robustness"].startswith("depends on")
    assert row["sentence"].startswith(f"{len(pooled)} of {len(mine)} specifications could be pooled")


def test_the_robustness_rule() -> None:
    levels = {"method": np.array(["REML"] * 5 + ["DL"] * 5), "test": np.array(["z", "knha"] * 5)}
    assert robustness(np.ones(10), levels) == "robust"
    assert robustness(np.array([1] * 9 + [0]), levels) == "robust"  # 90%
    assert robustness(np.array([1] * 5 + [0] * 5), levels) == "depends on method"
    assert robustness(np.zeros(10), levels) == "not reached by any specification"
    crossed = {"method": np.array(["REML", "REML", "DL", "DL"]), "test": np.array(["z", "knha", "z", "knha"])}
    assert robustness(np.array([1, 0, 0, 1]), crossed) == "depends on the combination of choices"  # interaction
    assert robustness(np.array([]), levels) == "not assessable"
    assert np.isnan(between_share([0.3, 0.3, 0.3], ["a", "b", "c"]))
    assert between_share([1.0, 1.0, 3.0, 3.0], ["a", "a", "b", "b"]) == 1.0


def test_a_factor_with_one_level_and_a_factor_leaving_one_study_give_sentences() -> None:
    r = review({"multiverse": {"factors": {"method": ["REML"], "design": ["randomised_only"]}}})
    table = multiverse(r.inputs, r.config, r.meta_analyses)
    summary, factors = summarise_multiverse(table, r.meta_analyses, r.config)
    assert len(table) == len(summary) == r.meta_analyses["pooled"].sum()
    assert factors["variance_share"].isna().all() and (factors["n_levels"] == 1).all()
    unpoolable = table[table["status"].isin(["not_poolable", "no_studies"])]
    assert len(unpoolable)
    first = summary.set_index("analysis_id").loc[unpoolable["analysis_id"].iloc[0]]
    assert first["sentence"] == (
        "None of the 1 specification leaves enough studies to pool; robustness not reached by any specification."
    )
