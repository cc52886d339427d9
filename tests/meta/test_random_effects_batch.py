"""random_effects_batch: one vectorised fit per group, equal to the scalar path."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from qolreview.meta import METHODS, ConvergenceError, random_effects, random_effects_batch
from qolreview.meta.blocks import Blocks, block_ends

COMPARED = (
    "k", "pooled", "estimate", "se", "stat", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2",
    "tau2_se", "tau2_ci_lb", "tau2_ci_ub", "i2", "i2_ci_lb", "i2_ci_ub", "h2", "h2_ci_lb",
    "h2_ci_ub", "q", "q_df", "q_p", "converged",
)  # fmt: skip


def random_analyses(seed: int, groups: int = 40) -> pd.DataFrame:
    """Groups of 1..25 studies with heterogeneity ranging from none to large."""
    rng = np.random.default_rng(seed)
    frames = []
    for g in range(groups):
        k = int(rng.integers(1, 26))
        tau = float(rng.choice([0.0, 0.05, 0.3, 1.0]))
        vi = rng.uniform(0.005, 0.3, size=k)
        yi = rng.normal(0.3, np.sqrt(vi + tau**2))
        frames.append(pd.DataFrame({"analysis": f"g{g:02d}", "yi": yi, "vi": vi}))
    return pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=seed)


@pytest.mark.parametrize("test", ["z", "knha"])
@pytest.mark.parametrize("method", METHODS)
def test_batch_equals_scalar(method: str, test: str) -> None:
    data = random_analyses(seed=len(method) * 7 + len(test))
    batch = random_effects_batch(data, "analysis", method=method, test=test)
    assert batch["analysis"].tolist() == sorted(data["analysis"].unique())
    for _, row in batch.iterrows():
        group = data[data["analysis"] == row["analysis"]]
        single = random_effects(group["yi"], group["vi"], method=method, test=test).to_dict()
        for field in COMPARED:
            expected = single[field]
            if isinstance(expected, float) and math.isnan(expected):
                assert math.isnan(row[field]), field
            else:
                # abs: where Fisher scoring creeps onto tau2 = 0, both paths stop near 1e-12.
                assert row[field] == pytest.approx(expected, rel=1e-10, abs=1e-10), field


def test_batch_columns_and_metadata() -> None:
    data = random_analyses(seed=3, groups=5)
    batch = random_effects_batch(data, "analysis", tau2_ci=False)
    assert list(batch.columns[:4]) == ["analysis", "method", "test", "level"]
    assert (batch["method"] == "REML").all() and (batch["test"] == "knha").all()
    assert batch["tau2_ci_lb"].isna().all()
    assert batch["k"].dtype == np.int64 and batch["converged"].dtype == bool
    assert batch["k"].sum() == len(data)


def test_batch_custom_columns_and_numeric_groups() -> None:
    data = pd.DataFrame({"g": [2, 2, 1, 1, 1], "d": [0.1, 0.5, 0.2, 0.3, 0.9], "v": [0.1, 0.2, 0.1, 0.1, 0.2]})
    batch = random_effects_batch(data, "g", yi_col="d", vi_col="v", method="DL", test="z")
    assert batch["g"].tolist() == [1, 2]
    assert batch["k"].tolist() == [3, 2]
    assert batch.loc[1, "estimate"] == pytest.approx(random_effects([0.1, 0.5], [0.1, 0.2], "DL").estimate)


def test_batch_errors() -> None:
    data = pd.DataFrame({"g": ["a", "a", "b"], "yi": [0.1, 0.2, 0.3], "vi": [0.1, -0.1, 0.1]})
    with pytest.raises(ValueError, match=r"vi\[1\] must be positive"):
        random_effects_batch(data, "g")
    with pytest.raises(ValueError, match="Missing column"):
        random_effects_batch(data, "group")
    with pytest.raises(ValueError, match="parameter 'test'"):
        random_effects_batch(data.assign(vi=0.1), "g", test="t")


def test_batch_names_the_unconverged_group() -> None:
    data = pd.DataFrame(
        {
            "g": ["ok"] * 3 + ["wide"] * 6,
            "yi": [0.1, 0.3, 0.2, -300.0, 250.0, 10.0, 800.0, -650.0, 90.0],
            "vi": [0.1, 0.1, 0.2, 4.0, 9.0, 1.0, 16.0, 2.0, 5.0],
        }
    )
    with pytest.raises(ConvergenceError, match=r"REML.* for wide"):
        random_effects_batch(data, "g")


def test_block_ends_minimise_padded_cells_plus_block_cost() -> None:
    sizes = np.array([2, 2, 3, 3, 3, 40, 40])
    # One block: 7 * 40 cells; split after the 3s: 5 * 3 + 2 * 40 = 95 cells plus one more block.
    assert block_ends(sizes, cost=100).tolist() == [5, 7]
    assert block_ends(sizes, cost=1000).tolist() == [7]
    assert block_ends(sizes, cost=0).tolist() == [2, 5, 7]


def test_blocks_take_repacks_rows_across_blocks() -> None:
    sizes = np.array([1, 2, 2, 5])
    y = np.arange(10, dtype=float)
    blocks = Blocks.from_flat(y, y + 1.0, sizes)
    assert len(blocks.panels) == 1
    packed = Blocks.from_flat(y, y + 1.0, sizes).take(np.array([1, 1, 3]))
    assert packed.k.tolist() == [2.0, 2.0, 5.0]
    rows = [p.y[i][p.mask[i]].tolist() for p in packed.panels for i in range(p.y.shape[0])]
    assert rows == [[1.0, 2.0], [1.0, 2.0], [5.0, 6.0, 7.0, 8.0, 9.0]]
    assert all(np.isinf(p.v[~p.mask]).all() for p in packed.panels)


@pytest.mark.parametrize("method", ["REML", "PM", "DL"])
def test_batch_with_many_blocks_equals_scalar(method: str) -> None:
    """Enough analyses of very different sizes to be split into several padded blocks."""
    rng = np.random.default_rng(11)
    sizes = np.concatenate(([1, 1], rng.integers(2, 120, size=150)))
    frames = []
    for g, k in enumerate(sizes):
        vi = rng.uniform(0.005, 0.3, size=k)
        yi = rng.normal(0.3, np.sqrt(vi + rng.choice([0.0, 0.1, 0.5])))
        frames.append(pd.DataFrame({"analysis": g, "yi": yi, "vi": vi}))
    data = pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=2)
    assert len(block_ends(np.sort(sizes))) >= 2
    batch = random_effects_batch(data, "analysis", method=method, test="knha", nonconverged="flag")
    assert batch["k"].tolist() == sizes.tolist()
    for g, row in batch.iterrows():
        group = data[data["analysis"] == g]
        try:
            single = random_effects(group["yi"], group["vi"], method=method, test="knha").to_dict()
        except ConvergenceError:
            assert not row["converged"]
            continue
        for field in COMPARED:
            expected = single[field]
            if isinstance(expected, float) and math.isnan(expected):
                assert math.isnan(row[field]), field
            else:
                assert row[field] == pytest.approx(expected, rel=1e-10, abs=1e-10), field
