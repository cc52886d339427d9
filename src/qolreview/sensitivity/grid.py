"""The multiverse grid: the Cartesian product of the factors' values, one numbered specification per combination.

Specification ids are the positions in the product with the factors in the canonical order
(:data:`~qolreview.sensitivity.factors.FACTOR_NAMES`, restricted to the declared ones) and each factor's values in
config order, the first factor varying slowest (``itertools.product`` order). They do not depend on the data or on
which specifications a run computes, so shards of one grid can be computed apart and concatenated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from qolreview.sensitivity.config import SensitivityConfig
from qolreview.sensitivity.factors import FACTOR_NAMES, HARMONIZE_FACTORS, NUMERIC_FACTORS, Choices


def specification_grid(parsed: SensitivityConfig, primary: Choices) -> pd.DataFrame:
    """One row per specification: ``specification`` (the id) and the value of every factor (:data:`FACTOR_NAMES`;
    a factor the multiverse does not vary keeps its primary value)."""
    names = list(parsed.factors)
    sizes = [len(parsed.factors[name]) for name in names]
    n = math.prod(sizes)
    codes = np.unravel_index(np.arange(n), sizes) if names else ()
    data: dict[str, object] = {"specification": np.arange(n, dtype=np.int64)}
    for name in FACTOR_NAMES:
        dtype = float if name in NUMERIC_FACTORS else object
        if name in parsed.factors:
            levels = np.asarray(parsed.factors[name], dtype=dtype)
            data[name] = levels[codes[names.index(name)]]
        else:
            data[name] = np.full(n, primary[name], dtype=dtype)
    return pd.DataFrame(data)


def select_specifications(grid: pd.DataFrame, specifications: Sequence[int] | None) -> pd.DataFrame:
    """The rows of ``specifications`` (all when None), in id order; raise for an id outside the grid."""
    if specifications is None:
        return grid
    wanted = np.unique(np.asarray(specifications, dtype=np.int64))
    outside = wanted[(wanted < 0) | (wanted >= len(grid))]
    if outside.size:
        raise ValueError(f"specifications outside the grid of {len(grid)}: {outside[:5].tolist()}")
    return grid.iloc[wanted].reset_index(drop=True)


def harmonization_combination(grid: pd.DataFrame) -> np.ndarray:
    """Each specification's combination of the harmonization factors
    (:data:`~qolreview.sensitivity.factors.HARMONIZE_FACTORS`), numbered 0, 1, ... in sorted order of the values:
    the specifications of one combination share their harmonized effects."""
    return grid.groupby(list(HARMONIZE_FACTORS), sort=True, dropna=False).ngroup().to_numpy()


def shard(grid: pd.DataFrame, jobs: int, part: int) -> np.ndarray:
    """The specification ids of ``part`` (0-based) when ``grid`` (:func:`specification_grid`) is split into ``jobs``
    shards of near-equal size; the shards of every part cover the grid once, each in ascending id order.

    Each :func:`harmonization_combination` re-runs the harmonize stage in every shard that holds one of its
    specifications, so the specifications are ordered by combination (then by id) before the order is cut into
    contiguous pieces: a combination is split between shards only where the sizes require it.
    """
    if not 0 <= part < jobs:
        raise ValueError(f"part {part} outside 0..{jobs - 1}")
    n = len(grid)
    order = grid["specification"].to_numpy(np.int64)[np.argsort(harmonization_combination(grid), kind="stable")]
    return np.sort(order[part * n // jobs : (part + 1) * n // jobs])
