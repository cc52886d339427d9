"""The random-effects engine against R metafor 3.8.1 and on edge cases.

Reference: tests/data/metafor_visible.json, a copy of the project's metafor ground truth written by
R 4.2.2 / metafor 3.8.1 (``generate.R``: ``rma(yi, vi, method, test, control=list(maxiter=1000,
threshold=1e-12))``, ``predict()``, ``confint()``, ``leave1out()``), 15 significant digits.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from qolreview.meta import (
    ConvergenceError,
    RandomEffectsResult,
    combine_dependent,
    leave_one_out,
    random_effects,
    subgroup_test,
)

REFERENCE = json.loads((Path(__file__).parents[1] / "data" / "metafor_visible.json").read_text())
CASES = {case["id"]: case for case in REFERENCE["cases"]}
#: Every field agrees with metafor to this relative tolerance (the reference has 15 digits).
RTOL = 1e-10
FIELDS = (
    "k", "estimate", "se", "stat", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "i2", "h2",
    "q", "q_df", "q_p", "tau2_ci_lb", "tau2_ci_ub", "i2_ci_lb", "i2_ci_ub",
)  # fmt: skip
LOO_FIELDS = ("estimate", "se", "tau2", "i2")

FIT_GRID = [
    pytest.param(case_id, fit["method"], fit["test"], field, id=f"{case_id}-{fit['method']}-{fit['test']}-{field}")
    for case_id, case in CASES.items()
    for fit in case["fits"]
    for field in FIELDS
]
LOO_GRID = [
    pytest.param(case_id, fit["method"], fit["test"], field, id=f"{case_id}-{fit['method']}-{fit['test']}-{field}")
    for case_id, case in CASES.items()
    for fit in case["fits"]
    if "leave1out" in fit
    for field in LOO_FIELDS
]


def reference_fit(case_id: str, method: str, test: str) -> dict:
    return next(f for f in CASES[case_id]["fits"] if f["method"] == method and f["test"] == test)


@functools.cache
def fitted(case_id: str, method: str, test: str) -> RandomEffectsResult:
    es = CASES[case_id]["effect_sizes"]
    return random_effects(es["yi"], es["vi"], method=method, test=test)


@functools.cache
def loo(case_id: str, method: str, test: str):
    es = CASES[case_id]["effect_sizes"]
    return leave_one_out(es["yi"], es["vi"], method=method, test=test)


def test_reference_grid_is_complete() -> None:
    assert len(CASES) == 6
    assert all(len(case["fits"]) == 18 for case in CASES.values())
    assert len(LOO_GRID) == 6 * 4 * len(LOO_FIELDS)


@pytest.mark.parametrize(("case_id", "method", "test", "field"), FIT_GRID)
def test_matches_metafor(case_id: str, method: str, test: str, field: str) -> None:
    expected = reference_fit(case_id, method, test).get(field)
    actual = getattr(fitted(case_id, method, test), field)
    if expected is None:
        # null in the reference: metafor gives no prediction interval for EE and no tau2 CI for EE.
        assert method == "EE"
        assert math.isnan(actual)
    else:
        assert actual == pytest.approx(expected, rel=RTOL, abs=0.0)


@pytest.mark.parametrize(("case_id", "method", "test", "field"), LOO_GRID)
def test_leave_one_out_matches_metafor(case_id: str, method: str, test: str, field: str) -> None:
    expected = reference_fit(case_id, method, test)["leave1out"][field]
    frame = loo(case_id, method, test)
    assert frame["omitted"].tolist() == list(range(len(expected)))
    np.testing.assert_allclose(frame[field].to_numpy(), expected, rtol=RTOL, atol=0.0)


def test_leave_one_out_rows_are_refits() -> None:
    es = CASES["bcg_logrr"]["effect_sizes"]
    frame = leave_one_out(es["yi"], es["vi"], method="PM", test="knha")
    refit = random_effects(es["yi"][1:], es["vi"][1:], method="PM", test="knha", tau2_ci=False)
    row = frame.iloc[0]
    for field in ("estimate", "se", "pval", "ci_lb", "pi_ub", "tau2", "i2", "h2", "q", "q_p"):
        assert row[field] == refit.to_dict()[field]


def test_weights_are_percentages_of_inverse_variance() -> None:
    es = CASES["bcg_logrr"]["effect_sizes"]
    res = fitted("bcg_logrr", "REML", "z")
    w = 1.0 / (np.asarray(es["vi"]) + res.tau2)
    np.testing.assert_allclose(res.weights, 100.0 * w / w.sum(), rtol=1e-14)
    assert sum(res.weights) == pytest.approx(100.0, abs=1e-12)


def test_knapp_hartung_scales_variance_without_truncation() -> None:
    # Homogeneous data: the scale factor is below 1 and is not truncated (metafor's test="knha").
    yi = [0.10, 0.12, 0.11, 0.09]
    vi = [0.04, 0.05, 0.03, 0.06]
    z = random_effects(yi, vi, method="DL", test="z")
    kh = random_effects(yi, vi, method="DL", test="knha")
    w = 1.0 / np.asarray(vi)
    factor = np.sum(w * (np.asarray(yi) - z.estimate) ** 2) / 3
    assert factor < 1.0
    assert kh.se**2 == pytest.approx(z.se**2 * factor, rel=1e-13)


def test_pm_and_eb_solve_the_same_equation() -> None:
    es = CASES["normand1999_smd"]["effect_sizes"]
    pm = random_effects(es["yi"], es["vi"], method="PM")
    eb = random_effects(es["yi"], es["vi"], method="EB")
    w = 1.0 / (np.asarray(es["vi"]) + eb.tau2)
    mu = np.sum(w * es["yi"]) / w.sum()
    assert np.sum(w * (np.asarray(es["yi"]) - mu) ** 2) == pytest.approx(len(w) - 1, rel=1e-10)
    assert pm.tau2 == pytest.approx(eb.tau2, rel=1e-3)  # PM stops at uniroot's tolerance (1.2e-4)


def test_single_study_is_not_pooled() -> None:
    res = random_effects([0.5], [0.04], method="REML", test="knha")
    assert not res.pooled
    assert (res.k, res.estimate, res.se, res.tau2) == (1, 0.5, 0.2, 0.0)
    assert res.ci_lb == pytest.approx(0.5 - 1.959963984540054 * 0.2, rel=1e-14)
    assert res.weights == (100.0,)
    for field in ("q", "q_p", "i2", "h2", "pi_lb", "tau2_ci_lb", "i2_ci_ub"):
        assert math.isnan(getattr(res, field))


def test_two_studies() -> None:
    res = random_effects([0.2, 0.8], [0.01, 0.02], method="DL", test="knha")
    q = (0.2 - 0.4) ** 2 / 0.01 + (0.8 - 0.4) ** 2 / 0.02  # FE mean is 0.4
    c = 150.0 - (100.0**2 + 50.0**2) / 150.0
    assert res.q == pytest.approx(q, rel=1e-13)
    assert res.tau2 == pytest.approx((q - 1) / c, rel=1e-13)
    assert (res.q_df, res.pooled) == (1, True)
    assert res.tau2_ci_lb <= res.tau2 <= res.tau2_ci_ub


@pytest.mark.parametrize("method", ["DL", "REML", "ML", "PM", "HE", "EB", "HS"])
def test_tau2_on_the_zero_boundary(method: str) -> None:
    yi = [0.30, 0.31, 0.29, 0.30, 0.32]
    vi = [0.05, 0.04, 0.06, 0.05, 0.03]
    res = random_effects(yi, vi, method=method)
    assert res.tau2 == 0.0
    assert res.i2 == 0.0 and res.h2 == 1.0
    # Q(0) is below the lower chi2 quantile: the Q-profile interval collapses to {0}.
    assert (res.tau2_ci_lb, res.tau2_ci_ub) == (0.0, 0.0)
    assert res.pi_lb == pytest.approx(res.ci_lb, rel=1e-14)


def test_huge_heterogeneity() -> None:
    yi = [-300.0, 250.0, 10.0, 800.0, -650.0, 90.0]
    vi = [4.0, 9.0, 1.0, 16.0, 2.0, 5.0]
    pm = random_effects(yi, vi, method="PM")  # needs the search interval widened to 10 * mad(yi)^2
    assert pm.tau2 > 1e5 and pm.i2 > 99.99
    assert pm.tau2_ci_lb < pm.tau2 < pm.tau2_ci_ub
    # At tau2 ~ 2e5 the floating-point spacing exceeds 1e-12: the absolute stopping rule of Fisher
    # scoring cannot be met (as in metafor), which is reported rather than returned.
    with pytest.raises(ConvergenceError, match=r"REML estimation did not converge after 1001 iterations.*threshold"):
        random_effects(yi, vi, method="REML")
    reml = random_effects(yi, vi, method="REML", threshold=1e-8)
    assert reml.converged and reml.tau2 == pytest.approx(pm.tau2, rel=1e-3)


def test_tiny_variance_study() -> None:
    yi = [0.1, 0.5, 0.3, 0.9]
    vi = [1e-10, 0.05, 0.02, 0.1]
    res = random_effects(yi, vi, method="REML", test="knha")
    assert res.converged and math.isfinite(res.se)
    assert 0.0 < res.tau2 < 1.0
    fe = random_effects(yi, vi, method="EE")
    assert fe.estimate == pytest.approx(0.1, abs=1e-8)


@pytest.mark.parametrize(
    ("yi", "vi", "message"),
    [
        ([0.1, 0.2, 0.3], [0.1, 0.0, 0.1], r"vi\[1\] must be positive and finite"),
        ([0.1, 0.2, 0.3], [0.1, 0.1, -0.2], r"vi\[2\] must be positive and finite"),
        ([0.1, 0.2, 0.3], [0.1, np.inf, 0.1], r"vi\[1\]"),
        ([0.1, np.nan, 0.3], [0.1, 0.1, 0.1], r"yi\[1\] must be finite"),
        ([0.1, 0.2], [0.1], "same length"),
        ([], [], "At least one study"),
    ],
)
def test_invalid_input_names_the_index(yi, vi, message) -> None:
    with pytest.raises(ValueError, match=message):
        random_effects(yi, vi)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "FOO"}, "parameter 'method': 'FOO'; expected one of EE, DL"),
        ({"test": "t"}, "parameter 'test': 't'; expected one of z, knha"),
        ({"level": 95}, "parameter 'level': 95; expected a number strictly between 0 and 1"),
        ({"threshold": 0.0}, "parameter 'threshold'"),
        ({"maxiter": 0}, "parameter 'maxiter': 0; expected an integer >= 1"),
    ],
)
def test_invalid_parameters(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        random_effects([0.1, 0.2, 0.4], [0.1, 0.1, 0.1], **kwargs)


def test_non_convergence_raises() -> None:
    es = CASES["bcg_logrr"]["effect_sizes"]
    with pytest.raises(ConvergenceError, match=r"REML estimation did not converge after 3 iterations"):
        random_effects(es["yi"], es["vi"], method="REML", maxiter=2)
    ok = random_effects(es["yi"], es["vi"], method="REML", threshold=1e-5)
    assert ok.converged and ok.iterations < fitted("bcg_logrr", "REML", "z").iterations


def test_equal_effects_i2_from_q() -> None:
    res = fitted("bcg_logrr", "EE", "z")
    assert res.tau2 == 0.0
    assert res.i2 == pytest.approx(100.0 * (res.q - 12) / res.q, rel=1e-14)
    assert math.isnan(res.tau2_ci_lb) and math.isnan(res.tau2_se)


def test_subgroup_test() -> None:
    res = subgroup_test([0.2, 0.5, 0.9], [0.1, 0.2, 0.1])
    w = np.array([100.0, 25.0, 100.0])
    mean = (w * [0.2, 0.5, 0.9]).sum() / w.sum()
    q = float((w * (np.array([0.2, 0.5, 0.9]) - mean) ** 2).sum())
    assert res.q == pytest.approx(q, rel=1e-14)
    assert res.df == 2
    assert res.pval == pytest.approx(math.exp(-q / 2), rel=1e-12)  # chi2(2) survival
    with pytest.raises(ValueError, match="at least two subgroups"):
        subgroup_test([0.1], [0.1])


def test_combine_dependent() -> None:
    yi, vi = [0.4, 0.6], [0.04, 0.09]
    independent = combine_dependent(yi, vi, 0.0)
    assert independent.estimate == pytest.approx(0.5)
    assert independent.variance == pytest.approx((0.04 + 0.09) / 4, rel=1e-14)
    perfect = combine_dependent(yi, vi, 1.0)
    assert perfect.variance == pytest.approx(((0.2 + 0.3) / 2) ** 2, rel=1e-14)
    three = combine_dependent([0.1, 0.2, 0.3], [0.01, 0.04, 0.09], 0.5)
    cross = 0.5 * 2 * (0.1 * 0.2 + 0.1 * 0.3 + 0.2 * 0.3)
    assert three.variance == pytest.approx((0.14 + cross) / 9, rel=1e-14)
    with pytest.raises(ValueError, match="between -1 and 1"):
        combine_dependent(yi, vi, 1.5)
