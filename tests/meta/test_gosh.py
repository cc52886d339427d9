"""gosh(): the model fitted to every subset of the studies, equal to R metafor 3.8.1's ``gosh()``.

References: the ``gosh`` case of tests/data/metafor_extended.json (Normand 1999, k = 9, REML; written by
tests/data/generate_extended.R) and tests/data/metafor_gosh_extra.json (written by
tests/data/generate_gosh_extra.R: dat.bcg studies 1-8 with all nine estimators, including the EE and DL
closed-form path of gosh(), studies 4-13 (k = 10) with DL and REML, negative effects, nearly homogeneous
effects with tau² = 0 in half the subsets and huge heterogeneity; 15 significant digits). Every subset
is compared, every field at 1e-8 relative, or 1e-10 absolute where metafor's value is near zero.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qolreview.meta import random_effects
from qolreview.meta.gosh import EXHAUSTIVE_MAX_K, GOSH_COLUMNS, MAX_STUDIES, METAFOR_SUBSETS, gosh, subset_masks

DATA = Path(__file__).parents[1] / "data"
CASES = {
    case["id"]: case
    for case in json.loads((DATA / "metafor_extended.json").read_text())["cases"]
    + json.loads((DATA / "metafor_gosh_extra.json").read_text())["cases"]
    if case["kind"] == "gosh"
}
FIELDS = ("estimate", "tau2", "i2", "qe")
#: Relative tolerance of every field; absolute tolerance where metafor's value is at most ATOL in size
#: (where Fisher scoring creeps onto tau² = 0 both implementations stop at some tau² below 1e-12).
RTOL = 1e-8
ATOL = 1e-10


def _reference(case: dict, field: str) -> np.ndarray:
    return np.array([np.nan if x is None else x for x in case["result"][field]], dtype=float)


def _fit(case_id: str, **kwargs: object) -> pd.DataFrame:
    case = CASES[case_id]
    return gosh(
        case["input"]["yi"],
        case["input"]["vi"],
        method=case["method"],
        threshold=case.get("threshold", 1e-12),
        **kwargs,  # type: ignore[arg-type]
    )


def _members(mask: int, k: int) -> list[int]:
    return [i for i in range(k) if mask >> i & 1]


def test_reference_cases_present() -> None:
    assert "normand1999_gosh" in CASES
    assert {case["method"] for case in CASES.values()} == {"EE", "DL", "REML", "ML", "PM", "HE", "SJ", "EB", "HS"}


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_every_subset_equals_metafor(case_id: str) -> None:
    case = CASES[case_id]
    result = _fit(case_id)
    k = len(case["input"]["yi"])
    assert len(result) == 2**k - 1
    np.testing.assert_array_equal(result["mask"].to_numpy(), np.array(case["result"]["mask"], dtype=np.int64))
    np.testing.assert_array_equal(result["k"].to_numpy(), np.array(case["result"]["k"], dtype=np.int64))
    for field in FIELDS:
        expected = _reference(case, field)
        got = result[field].to_numpy()
        np.testing.assert_array_equal(np.isnan(got), np.isnan(expected), err_msg=field)
        ok = ~np.isnan(expected)
        bound = np.maximum(RTOL * np.abs(expected[ok]), ATOL)
        worst = int(np.argmax(np.abs(got[ok] - expected[ok]) - bound))
        assert np.all(np.abs(got[ok] - expected[ok]) <= bound), (
            f"{field}: mask {result['mask'].to_numpy()[ok][worst]} got {got[ok][worst]!r}, "
            f"metafor {expected[ok][worst]!r}"
        )


def test_columns_dtypes_and_mask_k_consistency() -> None:
    result = _fit("bcg10_reml")
    assert tuple(result.columns) == GOSH_COLUMNS
    assert result["mask"].dtype == np.int64 and result["k"].dtype == np.int64
    assert all(result[c].dtype == np.float64 for c in FIELDS)
    masks = result["mask"].to_numpy()
    np.testing.assert_array_equal(masks, np.arange(1, 2**10, dtype=np.int64))
    popcount = np.array([bin(int(m)).count("1") for m in masks])
    np.testing.assert_array_equal(result["k"].to_numpy(), popcount)
    assert result["k"].value_counts().sort_index().tolist() == [1, 10, 45, 120, 210, 252, 210, 120, 45, 10, 1][1:]


def test_single_studies_are_reported_as_themselves() -> None:
    case = CASES["bcg8_reml"]
    result = _fit("bcg8_reml")
    singles = result[result["k"] == 1]
    assert singles["mask"].tolist() == [1 << i for i in range(8)]
    np.testing.assert_array_equal(singles["estimate"].to_numpy(), np.array(case["input"]["yi"]))
    assert (singles[["tau2", "i2", "qe"]] == 0.0).all().all()


@pytest.mark.parametrize("method", ["REML", "DL", "PM"])
def test_rows_equal_single_fits(method: str) -> None:
    """Each row equals random_effects() on that subset (the batch engine matches the scalar path)."""
    case = CASES["negative_effects_reml"]
    y, v = np.array(case["input"]["yi"]), np.array(case["input"]["vi"])
    result = gosh(y, v, method=method).set_index("mask")
    for mask in (3, 7, 85, 170, 254, 255):
        sel = _members(mask, y.size)
        single = random_effects(y[sel], v[sel], method=method, tau2_ci=False)
        row = result.loc[mask]
        assert row["k"] == len(sel)
        assert row["estimate"] == pytest.approx(single.estimate, rel=1e-10, abs=1e-12)
        assert row["tau2"] == pytest.approx(single.tau2, rel=1e-10, abs=1e-12)
        assert row["qe"] == pytest.approx(single.q, rel=1e-10, abs=1e-12)
        if method == "DL":  # metafor's closed-form path: I² from Q, algebraically equal to the tau² form
            assert row["i2"] == pytest.approx(max(0.0, 100.0 * (single.q - (len(sel) - 1)) / single.q), rel=1e-12)
        assert row["i2"] == pytest.approx(single.i2, rel=1e-8, abs=1e-9)


def test_sample_is_deterministic_distinct_and_equals_the_exhaustive_rows() -> None:
    full = _fit("bcg10_reml").set_index("mask")
    first = _fit("bcg10_reml", max_subsets=300, seed=7)
    again = _fit("bcg10_reml", max_subsets=300, seed=7)
    other = _fit("bcg10_reml", max_subsets=300, seed=8)
    pd.testing.assert_frame_equal(first, again)
    assert len(first) == 300
    masks = first["mask"].to_numpy()
    assert np.all(np.diff(masks) > 0)  # sorted and distinct
    assert masks.min() >= 1 and masks.max() <= 2**10 - 1
    assert not np.array_equal(masks, other["mask"].to_numpy())
    # The same fits, up to rounding (the padded blocks differ, hence the order of some sums).
    pd.testing.assert_frame_equal(first.set_index("mask"), full.loc[masks], rtol=1e-12, atol=1e-14)


def test_sample_of_many_studies() -> None:
    rng = np.random.default_rng(11)
    vi = rng.uniform(0.01, 0.3, size=40)
    yi = rng.normal(0.2, np.sqrt(vi + 0.05))
    result = gosh(yi, vi, method="DL", max_subsets=2_000, seed=3)
    assert len(result) == 2_000 and result["mask"].is_unique and result["mask"].is_monotonic_increasing
    popcount = np.array([bin(int(m)).count("1") for m in result["mask"]])
    np.testing.assert_array_equal(result["k"].to_numpy(), popcount)
    # Uniform over subsets: the sizes concentrate around k/2.
    assert abs(result["k"].mean() - 20.0) < 0.5
    row = result.iloc[123]
    sel = _members(int(row["mask"]), 40)
    assert row["estimate"] == pytest.approx(random_effects(yi[sel], vi[sel], method="DL").estimate, rel=1e-12)
    pd.testing.assert_frame_equal(result, gosh(yi, vi, method="DL", max_subsets=2_000, seed=3))


def test_subset_selection_rule() -> None:
    # max_subsets given: all subsets when there are at most that many, otherwise a sample of that size.
    np.testing.assert_array_equal(subset_masks(5, max_subsets=31), np.arange(1, 32))
    assert subset_masks(5, max_subsets=30).size == 30
    assert subset_masks(30, max_subsets=10).size == 10
    # None: exhaustive up to exhaustive_max_k (default 19: metafor's 10^6 limit), else 10^6 sampled.
    assert EXHAUSTIVE_MAX_K == 19 and 2**19 - 1 <= METAFOR_SUBSETS < 2**20 - 1
    assert subset_masks(19).size == 2**19 - 1
    assert subset_masks(3, exhaustive_max_k=2).size == 7  # a sample of 10^6 of 7 subsets is all of them
    sampled = subset_masks(MAX_STUDIES, max_subsets=50, seed=1)
    assert sampled.dtype == np.int64 and sampled.size == 50 and np.all(sampled > 0)
    np.testing.assert_array_equal(sampled, subset_masks(MAX_STUDIES, max_subsets=50, seed=1))


def test_failed_fits_are_nan() -> None:
    """A subset whose estimator does not converge is NaN in every field (metafor's NA), k kept."""
    case = CASES["bcg8_reml"]
    result = gosh(case["input"]["yi"], case["input"]["vi"], method="REML", maxiter=1)
    failed = result["tau2"].isna()
    assert failed.any() and not failed.all()
    assert result.loc[failed, list(FIELDS)].isna().all().all()
    assert (result.loc[failed, "k"] >= 2).all()
    assert not result.loc[result["k"] == 1, list(FIELDS)].isna().any().any()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"yi": [0.1], "vi": [0.1]}, "at least two studies"),
        ({"yi": np.zeros(64), "vi": np.ones(64)}, "at most 63 studies"),
        ({"vi": [0.1, 0.0, 0.2]}, r"vi\[1\] must be positive"),
        ({"yi": [0.1, 0.2]}, "same length"),
        ({"method": "FE"}, "parameter 'method'"),
        ({"max_subsets": 0}, "parameter 'max_subsets'"),
        ({"max_subsets": 10.0}, "parameter 'max_subsets'"),
        ({"max_subsets": True}, "parameter 'max_subsets'"),
        ({"seed": -1}, "parameter 'seed'"),
        ({"seed": None}, "parameter 'seed'"),
        ({"exhaustive_max_k": 0}, "parameter 'exhaustive_max_k'"),
        ({"exhaustive_max_k": 64}, "parameter 'exhaustive_max_k'"),
        ({"exhaustive_max_k": "10"}, "parameter 'exhaustive_max_k'"),
        ({"threshold": 0.0}, "parameter 'threshold'"),
        ({"maxiter": 0}, "parameter 'maxiter'"),
    ],
)
def test_invalid_input(kwargs: dict, message: str) -> None:
    args = {"yi": [0.1, 0.3, 0.2], "vi": [0.1, 0.1, 0.2]} | kwargs
    with pytest.raises(ValueError, match=message):
        gosh(**args)
