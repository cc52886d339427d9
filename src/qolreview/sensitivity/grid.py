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
from qolreview.sensitivity.factors import FACTOR_NAMES, NUMERIC_FACTORS, Choices


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


def shard(n_specifications: int, jobs: int, part: int) -> range:
    """The specification ids of ``part`` (0-based) when a grid of ``n_specifications`` is split into ``jobs``
    contiguous shards of near-equal size; the shards of every part, in order, cover the grid once."""
    if not 0 <= part < jobs:
        raise ValueError(f"part {part} outside 0..{jobs - 1}")
    return range(part * n_specifications // jobs, (part + 1) * n_specifications // jobs)
