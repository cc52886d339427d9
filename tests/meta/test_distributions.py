"""The distribution functions of ``qolreview.meta.distributions`` equal ``scipy.stats``'s to the bit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from qolreview.meta import distributions

X = np.array([-np.inf, -40.0, -8.5, -1.96, -0.3, -0.0, 0.0, 1e-12, 0.4549, 1.0, 3.84, 12.7, 60.0, np.inf, np.nan])
Q = np.array([0.0, 1e-300, 1e-12, 0.001, 0.025, 0.05, 0.25, 0.5, 0.75, 0.975, 0.999, 1 - 1e-12, 1.0, np.nan])
DF = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 7.5, 30.0, 1e6, np.inf, np.nan])


def _same(ours: object, theirs: object) -> None:
    ours_array, theirs_array = np.asarray(ours), np.asarray(theirs)
    assert ours_array.shape == theirs_array.shape
    assert type(ours) is type(theirs)
    # bit for bit, NaN where scipy gives NaN (``array_equal`` with equal_nan compares values, so -0.0 == 0.0)
    np.testing.assert_array_equal(ours_array, theirs_array, strict=True)
    assert (np.signbit(ours_array) == np.signbit(theirs_array))[~np.isnan(theirs_array)].all()


@pytest.mark.parametrize("name", ["cdf", "sf"])
def test_normal_probabilities(name: str) -> None:
    _same(getattr(distributions.norm, name)(X), getattr(stats.norm, name)(X))
    _same(getattr(distributions.norm, name)(1.3), getattr(stats.norm, name)(1.3))


@pytest.mark.parametrize("name", ["ppf", "isf"])
def test_normal_quantiles(name: str) -> None:
    _same(getattr(distributions.norm, name)(Q), getattr(stats.norm, name)(Q))
    _same(getattr(distributions.norm, name)(0.975), getattr(stats.norm, name)(0.975))


@pytest.mark.parametrize(
    ("dist", "name", "grid"),
    [
        ("t", "sf", X),
        ("t", "ppf", Q),
        ("t", "isf", Q),
        ("chi2", "cdf", X),
        ("chi2", "sf", X),
        ("chi2", "ppf", Q),
        ("chi2", "isf", Q),
    ],
)
def test_one_parameter_distributions(dist: str, name: str, grid: np.ndarray) -> None:
    ours, theirs = getattr(getattr(distributions, dist), name), getattr(getattr(stats, dist), name)
    values, df = np.meshgrid(grid, DF)
    _same(ours(values, df), theirs(values, df))
    _same(ours(grid[3], 4), theirs(grid[3], 4))


def test_f_survival() -> None:
    values, dfn, dfd = np.meshgrid(X, DF, DF)
    _same(distributions.f.sf(values, dfn, dfd), stats.f.sf(values, dfn, dfd))
    _same(distributions.f.sf(2.5, 2, 17), stats.f.sf(2.5, 2, 17))
