"""Influence diagnostics and cumulative meta-analysis against R metafor 3.8.1, and their input checks.

References (R 4.2.2 / metafor 3.8.1, 15 significant digits):

- tests/data/metafor_extended.json, case ``bcg_influence`` (``generate_extended.R``): ``influence()`` and
  ``cumul(fit, order = year)`` on the REML/z fit of the BCG trials.
- tests/data/metafor_diagnostics_extra.json (``generate_diagnostics_extra.R``): every tau² estimator × test
  on dat.normand1999, DL/EE/ML/knha fits of other data sets, flagged studies, k = 2, a zero Knapp-Hartung
  factor, ties and decreasing orders, level 0.90. Non-finite values are the strings "Inf", "-Inf", "NaN".
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qolreview.meta import ConvergenceError, leave_one_out, random_effects
from qolreview.meta.diagnostics import CUMULATIVE_COLUMNS, INFLUENCE_COLUMNS, cumulative, influence

DATA = Path(__file__).parents[1] / "data"
EXTENDED = json.loads((DATA / "metafor_extended.json").read_text())
EXTRA = json.loads((DATA / "metafor_diagnostics_extra.json").read_text())
CASES = {case["id"]: case for case in EXTENDED["cases"] + EXTRA["cases"] if case["kind"] == "influence_cumulative"}
#: Agreement with metafor: relative 1e-8, absolute 1e-10 for values near zero.
RTOL = 1e-8
ATOL = 1e-10
_NON_FINITE = {"Inf": np.inf, "-Inf": -np.inf, "NaN": np.nan, "NA": np.nan}

INFLUENCE_GRID = [
    pytest.param(case_id, field, id=f"{case_id}-{field}")
    for case_id, case in CASES.items()
    for field in case["influence"]
]
CUMULATIVE_GRID = [
    pytest.param(case_id, field, id=f"{case_id}-{field}")
    for case_id, case in CASES.items()
    if "cumulative" in case
    for field in case["cumulative"]
    if field != "order"
]


def as_float(values: list) -> np.ndarray:
    return np.array([_NON_FINITE[x] if isinstance(x, str) else x for x in values], dtype=float)


def assert_matches(got: np.ndarray, expected: np.ndarray) -> None:
    """Equal non-finite values, finite ones within RTOL (ATOL near zero)."""
    got = np.asarray(got, dtype=float)
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(np.isfinite(got), finite)
    np.testing.assert_array_equal(got[~finite], expected[~finite])
    np.testing.assert_allclose(got[finite], expected[finite], rtol=RTOL, atol=ATOL)


def run_args(case_id: str) -> tuple[dict, str, str, float]:
    case = CASES[case_id]
    return case["input"], case["method"], case["test"], case.get("level", 0.95)


@functools.cache
def influence_of(case_id: str) -> pd.DataFrame:
    inp, method, test, level = run_args(case_id)
    return influence(inp["yi"], inp["vi"], method=method, test=test, level=level)


@functools.cache
def cumulative_of(case_id: str) -> pd.DataFrame:
    inp, method, test, level = run_args(case_id)
    decreasing = inp.get("decreasing", False)
    return cumulative(inp["yi"], inp["vi"], inp["order"], method=method, test=test, level=level, decreasing=decreasing)


@pytest.mark.parametrize(("case_id", "field"), INFLUENCE_GRID)
def test_influence_matches_metafor(case_id: str, field: str) -> None:
    expected = CASES[case_id]["influence"][field]
    got = influence_of(case_id)[field].to_numpy()
    if field == "influential":
        assert got.tolist() == expected
    else:
        assert_matches(got, as_float(expected))


@pytest.mark.parametrize(("case_id", "field"), CUMULATIVE_GRID)
def test_cumulative_matches_metafor(case_id: str, field: str) -> None:
    frame = cumulative_of(case_id)
    expected = CASES[case_id]["cumulative"][field]
    if field in ("added", "k"):
        assert frame[field].tolist() == expected
    elif expected is None:  # metafor drops tau² for EE models
        assert CASES[case_id]["method"] == "EE"
        assert (frame[field] == 0.0).all()
    else:
        assert_matches(frame[field].to_numpy(), as_float(expected))


def test_reference_cases_cover_the_brief() -> None:
    cases = CASES.values()
    assert {c["method"] for c in cases} >= {"EE", "DL", "REML", "ML", "PM", "HE", "SJ", "EB", "HS"}
    assert {c["test"] for c in cases} == {"z", "knha"}
    assert any(any(c["influence"]["influential"]) for c in cases)
    assert any(c["input"].get("decreasing") for c in cases)
    assert EXTRA["generator"] == "R 4.2.2, metafor 3.8.1"


# ---- structure and consistency -----------------------------------------------------------------------------

BCG = CASES["bcg_influence"]["input"]


def test_influence_columns_and_types() -> None:
    frame = influence(BCG["yi"], BCG["vi"])
    assert tuple(frame.columns) == INFLUENCE_COLUMNS
    assert len(frame) == len(BCG["yi"])
    assert frame["influential"].dtype == bool
    assert frame["weight"].sum() == pytest.approx(100.0)


def test_influence_rows_follow_the_input_order() -> None:
    perm = np.random.default_rng(1).permutation(len(BCG["yi"]))
    frame = influence(BCG["yi"], BCG["vi"])
    permuted = influence(np.asarray(BCG["yi"])[perm], np.asarray(BCG["vi"])[perm])
    pd.testing.assert_frame_equal(permuted, frame.iloc[perm].reset_index(drop=True), rtol=1e-9)


@pytest.mark.parametrize("method", ["REML", "DL", "PM"])
def test_influence_refits_equal_leave_one_out(method: str) -> None:
    frame = influence(BCG["yi"], BCG["vi"], method=method)
    loo = leave_one_out(BCG["yi"], BCG["vi"], method=method)
    np.testing.assert_allclose(frame["tau2_del"], loo["tau2"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(frame["qe_del"], loo["q"], rtol=1e-12)
    full = random_effects(BCG["yi"], BCG["vi"], method=method, tau2_ci=False)
    np.testing.assert_allclose(frame["weight"], full.weights, rtol=1e-12)
    np.testing.assert_allclose(frame["cook_d"], (full.estimate - loo["estimate"]) ** 2 / full.se**2, rtol=1e-10)
    np.testing.assert_allclose(frame["cov_r"], loo["se"] ** 2 / full.se**2, rtol=1e-10)


def test_cumulative_columns_and_last_step_equal_the_full_fit() -> None:
    frame = cumulative(BCG["yi"], BCG["vi"], BCG["order"])
    assert tuple(frame.columns) == CUMULATIVE_COLUMNS
    assert frame["k"].tolist() == list(range(1, 14))
    assert sorted(frame["added"]) == list(range(13))
    assert frame["order"].tolist() == sorted(BCG["order"])
    full = random_effects(BCG["yi"], BCG["vi"], tau2_ci=False)
    last = frame.iloc[-1]
    for name in ("estimate", "se", "stat", "pval", "ci_lb", "ci_ub", "q", "q_p", "tau2", "i2", "h2"):
        assert last[name] == pytest.approx(getattr(full, name), rel=1e-12), name


def test_cumulative_order_semantics() -> None:
    y, v = [0.1, 0.4, 0.2, 0.3], [0.01, 0.02, 0.03, 0.04]
    assert cumulative(y, v)["added"].tolist() == [0, 1, 2, 3]
    assert cumulative(y, v)["order"].tolist() == [0, 1, 2, 3]
    # A sort key, not indices; ties keep the input order in both directions (as R's order()).
    assert cumulative(y, v, [2020, 2018, 2020, 2019])["added"].tolist() == [1, 3, 0, 2]
    assert cumulative(y, v, [2020, 2018, 2020, 2019], decreasing=True)["added"].tolist() == [0, 2, 3, 1]
    assert cumulative(y, v, ["b", "a", "b", "c"])["added"].tolist() == [1, 0, 2, 3]
    dates = pd.to_datetime(["2001-05-01", "1999-01-01", "2003-02-02", "2000-07-07"])
    assert cumulative(y, v, dates)["added"].tolist() == [1, 3, 0, 2]
    first = cumulative(y, v, [3, 0, 2, 1]).iloc[0]
    assert (first["estimate"], first["se"]) == (0.4, np.sqrt(0.02))


def test_cumulative_single_study_and_knha_first_step() -> None:
    one = cumulative([0.3], [0.04], method="DL", test="knha")
    assert one[["k", "estimate", "q", "q_p", "tau2", "i2", "h2"]].iloc[0].tolist() == [1, 0.3, 0.0, 1.0, 0.0, 0.0, 1.0]
    assert one["ci_lb"].iloc[0] == pytest.approx(0.3 - 1.959963984540054 * 0.2, rel=1e-14)


def test_influence_two_studies() -> None:
    frame = influence([0.2, 0.5], [0.01, 0.03])
    assert frame["tau2_del"].tolist() == [0.0, 0.0]
    assert frame["qe_del"].tolist() == [0.0, 0.0]


# ---- input validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [influence, cumulative])
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "XX"}, "parameter 'method'"),
        ({"test": "t"}, "parameter 'test'"),
        ({"level": 95}, "parameter 'level'"),
        ({"level": 0.0}, "parameter 'level'"),
        ({"threshold": -1.0}, "parameter 'threshold'"),
        ({"maxiter": 0}, "parameter 'maxiter'"),
        ({"stepadj": 0.0}, "parameter 'stepadj'"),
    ],
)
def test_invalid_parameters(fn, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fn([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], **kwargs)


@pytest.mark.parametrize("fn", [influence, cumulative])
@pytest.mark.parametrize(
    ("yi", "vi", "message"),
    [
        ([0.1, np.nan, 0.3], [0.01, 0.02, 0.03], r"yi\[1\] must be finite"),
        ([0.1, 0.2, 0.3], [0.01, 0.0, 0.03], r"vi\[1\] must be positive"),
        ([0.1, 0.2, 0.3], [0.01, -0.02, 0.03], r"vi\[1\] must be positive"),
        ([0.1, 0.2, 0.3], [0.01, np.inf, 0.03], r"vi\[1\] must be positive"),
        ([0.1, 0.2], [0.01, 0.02, 0.03], "same length"),
        ([[0.1, 0.2]], [[0.01, 0.02]], "one-dimensional"),
        ([], [], "At least one study"),
    ],
)
def test_invalid_effects(fn, yi: list, vi: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fn(yi, vi)


def test_influence_needs_two_studies() -> None:
    with pytest.raises(ValueError, match="at least two studies"):
        influence([0.1], [0.01])


def test_influence_undefined_without_knha_variance() -> None:
    # metafor stops here too (chol() of a zero variance).
    with pytest.raises(ValueError, match="Knapp-Hartung variance"):
        influence([1.0, 1.0, 1.0], [0.1, 0.2, 0.3], test="knha")


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ([1, 2, 3], "one value per study"),
        ([[1, 2, 3, 4]], "one-dimensional"),
        ([2001, None, 2003, 2004], r"order\[1\] is missing"),
        ([2001.0, 2002.0, np.nan, 2004.0], r"order\[2\] is missing"),
        (np.array([1, "a", 2.5, 3], dtype=object), "cannot be sorted"),
    ],
)
def test_invalid_order(order, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cumulative([0.1, 0.2, 0.3, 0.4], [0.01, 0.02, 0.03, 0.04], order)


def test_invalid_decreasing() -> None:
    with pytest.raises(ValueError, match="parameter 'decreasing'"):
        cumulative([0.1, 0.2], [0.01, 0.02], decreasing="yes")


@pytest.mark.parametrize("fn", [influence, cumulative])
def test_non_convergence_raises(fn) -> None:
    with pytest.raises(ConvergenceError, match="REML estimation did not converge"):
        fn(BCG["yi"], BCG["vi"], method="REML", maxiter=1)
