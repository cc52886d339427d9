"""The rank correlation test and trim-and-fill against R metafor 3.8.1, and their input checks.

References (R 4.2.2, metafor 3.8.1, 15 significant digits):
- tests/data/metafor_extended.json, case ``bcg_small_study`` (``generate_extended.R``: ``ranktest(fit)``,
  ``trimfill(fit)`` on ``rma(yi, vi, method = "REML", control = list(maxiter = 1000, threshold = 1e-12))``);
- tests/data/metafor_small_study_extra.json (``generate_small_study_extra.R``): every tau² estimator,
  filled side left and right, k0 = 0, the R0/Q0 estimators, a given side, ties, k = 2 and 3, equal
  variances, tiny exact p-values, k = 60, 170 and 171, ``ranktest(exact = FALSE)`` and the cases where
  ``trimfill()`` stops.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from qolreview.meta import ConvergenceError
from qolreview.meta.small_study import (
    EXACT_KENDALL_MAX_K,
    RankCorrelationTest,
    TrimAndFill,
    rank_correlation_test,
    trim_and_fill,
)

DATA = Path(__file__).parents[1] / "data"
EXTENDED = json.loads((DATA / "metafor_extended.json").read_text())
EXTRA = json.loads((DATA / "metafor_small_study_extra.json").read_text())

#: Agreement with metafor: relative 1e-8, absolute 1e-10 near zero (the reference has 15 digits).
RTOL = 1e-8
ATOL = 1e-10
RANK_FIELDS = ("tau", "pval")
TRIMFILL_FIELDS = ("k0", "side", "se_k0", "estimate", "se", "ci_lb", "ci_ub", "tau2", "k", "filled_yi", "filled_vi")


def _extended_case() -> dict:
    case = next(c for c in EXTENDED["cases"] if c["id"] == "bcg_small_study")
    return {**case, "side": None, "estimator": "L0", "rank_approx": None}


CASES = {"extended_bcg_small_study": _extended_case()} | {c["id"]: c for c in EXTRA["cases"]}
RANK_GRID = [
    pytest.param(case_id, part, name, id=f"{case_id}-{part}-{name}")
    for case_id, case in CASES.items()
    for part in ("rank", "rank_approx")
    if case.get(part) is not None
    for name in RANK_FIELDS
]
TRIMFILL_GRID = [
    pytest.param(case_id, name, id=f"{case_id}-{name}")
    for case_id, case in CASES.items()
    if "trimfill" in case
    for name in TRIMFILL_FIELDS
]
ERROR_CASES = [case_id for case_id, case in CASES.items() if "trimfill_error" in case]


def _options(case: dict) -> dict:
    return {"side": case["side"], "estimator": case["estimator"]}


@functools.cache
def _rank(case_id: str, exact: bool) -> RankCorrelationTest:
    case = CASES[case_id]
    return rank_correlation_test(case["input"]["yi"], case["input"]["vi"], case["method"], exact=exact)


@functools.cache
def _trimfill(case_id: str) -> TrimAndFill:
    case = CASES[case_id]
    return trim_and_fill(case["input"]["yi"], case["input"]["vi"], case["method"], **_options(case))


def _assert_close(got: object, ref: object) -> None:
    got_arr = np.atleast_1d(np.asarray(got, dtype=float))
    ref_arr = np.atleast_1d(np.asarray(np.nan if ref is None else ref, dtype=float))
    assert got_arr.shape == ref_arr.shape
    np.testing.assert_allclose(got_arr, ref_arr, rtol=RTOL, atol=ATOL, equal_nan=True)


def test_reference_files_come_from_metafor_3_8() -> None:
    assert EXTRA["generator"] == "R 4.2.2, metafor 3.8.1"
    assert EXTENDED["generator"] == "R 4.2.2, metafor 3.8.1"


@pytest.mark.parametrize(("case_id", "part", "name"), RANK_GRID)
def test_rank_correlation_matches_metafor(case_id: str, part: str, name: str) -> None:
    case = CASES[case_id]
    result = _rank(case_id, part == "rank")
    ref = case[part][name]
    if part == "rank" and name == "pval" and ref is None and result.k > EXACT_KENDALL_MAX_K:
        # R's exact p-value overflows to NaN for k > 170: the normal approximation is used instead.
        ref = case["rank_approx"]["pval"]
    _assert_close(getattr(result, name), ref)
    assert result.k == len(case["input"]["yi"])


@pytest.mark.parametrize(("case_id", "name"), TRIMFILL_GRID)
def test_trim_and_fill_matches_metafor(case_id: str, name: str) -> None:
    ref = CASES[case_id]["trimfill"][name]
    got = getattr(_trimfill(case_id), name)
    if name in ("k0", "k", "side"):
        assert got == ref
        assert type(got) is type(ref)
    else:
        _assert_close(got, ref)


@pytest.mark.parametrize("case_id", ERROR_CASES)
def test_trim_and_fill_stops_where_metafor_stops(case_id: str) -> None:
    case = CASES[case_id]
    with pytest.raises(ValueError):
        trim_and_fill(case["input"]["yi"], case["input"]["vi"], case["method"], **_options(case))


def test_reference_grid_covers_the_brief() -> None:
    fills = [c["trimfill"] for c in CASES.values() if "trimfill" in c]
    assert {f["side"] for f in fills if f["k0"] > 0} == {"left", "right"}
    assert any(f["k0"] == 0 for f in fills)
    assert {c["method"] for c in CASES.values()} >= {"EE", "DL", "REML", "ML", "PM", "HE", "SJ", "EB", "HS"}
    assert any("rank_warnings" in c for c in CASES.values())  # ties: normal approximation


def test_filled_studies_are_float_arrays_and_empty_without_filling() -> None:
    filled = _trimfill("bcg_negated_reml")
    assert isinstance(filled.filled_yi, np.ndarray) and filled.filled_yi.dtype == np.float64
    assert filled.filled_yi.shape == filled.filled_vi.shape == (filled.k0,)
    none = _trimfill("symmetric_reml")
    assert none.k0 == 0 and none.k == 7
    assert none.filled_yi.shape == none.filled_vi.shape == (0,)


def test_results_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        _trimfill("bcg_reml").k0 = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        _rank("bcg_reml", True).tau = 0.0  # type: ignore[misc]


def test_mirrored_data_give_the_mirrored_fill() -> None:
    case = CASES["bcg_reml"]
    y, v = np.asarray(case["input"]["yi"]), np.asarray(case["input"]["vi"])
    right = trim_and_fill(y, v, "DL")
    left = trim_and_fill(-y, v, "DL")
    assert (right.side, left.side) == ("right", "left")
    assert right.k0 == left.k0
    np.testing.assert_allclose(left.estimate, -right.estimate, rtol=1e-12)
    np.testing.assert_allclose(left.filled_yi, -right.filled_yi, rtol=1e-12)


def test_rank_test_does_not_depend_on_the_tau2_estimator() -> None:
    case = CASES["bcg_reml"]
    results = {rank_correlation_test(case["input"]["yi"], case["input"]["vi"], m) for m in ("EE", "DL", "REML")}
    assert len(results) == 1


def test_rank_test_of_two_studies_and_equal_variances() -> None:
    two = rank_correlation_test([0.1, 0.5], [0.01, 0.04])
    assert (two.tau, two.pval, two.k) == (1.0, 1.0, 2)
    equal = rank_correlation_test([0.1, 0.4, 0.25], [0.04, 0.04, 0.04])
    assert math.isnan(equal.tau) and math.isnan(equal.pval)


def test_given_side_works_where_metafor_cannot_choose_it() -> None:
    result = trim_and_fill([0.1, 0.5], [0.01, 0.04], "REML", side="left")
    assert result.side == "left" and result.k == 2 + result.k0


def test_observed_fit_control_is_passed_on() -> None:
    case = CASES["symmetric_reml"]
    loose = trim_and_fill(case["input"]["yi"], case["input"]["vi"], "REML", threshold=1e-4, maxiter=1000)
    assert loose.k0 == 0
    with pytest.raises(ConvergenceError):
        trim_and_fill(CASES["bcg_reml"]["input"]["yi"], CASES["bcg_reml"]["input"]["vi"], "REML", maxiter=1)


# --- input validation -----------------------------------------------------------------------------

GOOD_Y = [0.1, 0.4, 0.25, 0.9]
GOOD_V = [0.01, 0.04, 0.02, 0.1]


@pytest.mark.parametrize("func", [rank_correlation_test, trim_and_fill])
@pytest.mark.parametrize(
    ("yi", "vi", "message"),
    [
        ([0.1, np.nan, 0.3], [0.01, 0.02, 0.03], r"yi\[1\] must be finite"),
        ([0.1, np.inf, 0.3], [0.01, 0.02, 0.03], r"yi\[1\] must be finite"),
        ([0.1, 0.2, 0.3], [0.01, 0.0, 0.03], r"vi\[1\] must be positive"),
        ([0.1, 0.2, 0.3], [0.01, -0.02, 0.03], r"vi\[1\] must be positive"),
        ([0.1, 0.2, 0.3], [0.01, 0.02, np.nan], r"vi\[2\] must be positive"),
        ([0.1, 0.2, 0.3], [0.01, 0.02], "same length"),
        ([[0.1, 0.2]], [[0.01, 0.02]], "one-dimensional"),
        ([], [], "At least one study"),
        ([0.1], [0.01], "at least two studies"),
    ],
)
def test_invalid_effects_are_rejected(func, yi, vi, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        func(yi, vi)


@pytest.mark.parametrize("func", [rank_correlation_test, trim_and_fill])
def test_invalid_method_is_rejected(func) -> None:
    with pytest.raises(ValueError, match="parameter 'method'"):
        func(GOOD_Y, GOOD_V, method="GENQ")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"side": "up"}, "parameter 'side'"),
        ({"estimator": "L1"}, "parameter 'estimator'"),
        ({"threshold": 0.0}, "parameter 'threshold'"),
        ({"maxiter": 0}, "parameter 'maxiter'"),
    ],
)
def test_invalid_trim_and_fill_options_are_rejected(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        trim_and_fill(GOOD_Y, GOOD_V, **kwargs)


def test_invalid_exact_is_rejected() -> None:
    with pytest.raises(ValueError, match="parameter 'exact'"):
        rank_correlation_test(GOOD_Y, GOOD_V, exact="yes")  # type: ignore[arg-type]


def test_side_needs_three_studies_or_unequal_variances() -> None:
    with pytest.raises(ValueError, match="at least three studies"):
        trim_and_fill([0.1, 0.5], [0.01, 0.04], "REML")
    with pytest.raises(ValueError, match="sampling variances are \\(nearly\\) all equal"):
        trim_and_fill(GOOD_Y, [0.04] * 4, "DL")


def test_an_exact_p_value_below_zero_in_r_is_reported_as_zero() -> None:
    """With 100 nearly concordant pairs R's ``1 - P(T <= q - 1)`` rounds to about -4e-14 (``cor.test`` returns
    -4.085621e-14 for this tau); a p-value is never negative."""
    from qolreview.meta.small_study import _kendall_exact_pvalue

    assert _kendall_exact_pvalue(0.9999, 100) == 0.0
    assert 0.0 < _kendall_exact_pvalue(0.5, 60) < 1e-6
