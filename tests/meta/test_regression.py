"""Meta-regression and Egger's test against R metafor 3.8-1, and their input validation.

References (R 4.2.2, metafor 3.8-1, 15 significant digits, ``control = list(maxiter = 1000, threshold = 1e-12)``):

- ``tests/data/metafor_extended.json`` (``generate_extended.R``): the ``meta_regression`` cases and the
  ``egger`` part of the ``small_study_effects`` case;
- ``tests/data/metafor_regression_extra.json`` (``generate_regression_extra.R``): every estimator x test,
  categorical moderators, many moderators, tau² at 0, intercept-only models, level 0.90, and Egger tests.

Models with the moderator ``year`` (values near 1970 next to the intercept) are ill-conditioned: there
metafor, which forms the projection matrix ``P`` explicitly, is accurate to about 1e-10 only, while this
implementation (thin QR) agrees with exact rational arithmetic to about 1e-14
(:func:`test_ill_conditioned_model_matches_exact_arithmetic`). The tolerance below covers both.
"""

from __future__ import annotations

import functools
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qolreview.meta import ConvergenceError, random_effects
from qolreview.meta.regression import (
    EggerTest,
    MetaRegressionResult,
    design_matrix,
    egger_test,
    meta_regression,
)
from qolreview.meta.validation import METHODS

DATA = Path(__file__).parents[1] / "data"
EXTENDED = json.loads((DATA / "metafor_extended.json").read_text())
EXTRA = json.loads((DATA / "metafor_regression_extra.json").read_text())
ALL_CASES = EXTENDED["cases"] + EXTRA["cases"]
REGRESSION_CASES = {c["id"]: c for c in ALL_CASES if c["kind"] == "meta_regression"}
EGGER_CASES = {c["id"]: c for c in ALL_CASES if c["kind"] in ("egger", "small_study_effects")}
#: Agreement with metafor: |ours - metafor| <= max(ATOL, RTOL |metafor|) (absolute near zero).
RTOL = 1e-8
ATOL = 1e-10

REGRESSION_FIELDS = (
    "beta", "se", "stat", "pval", "ci_lb", "ci_ub", "qm", "qm_p", "qe", "qe_df", "qe_p", "tau2", "i2", "h2", "r2", "k",
)  # fmt: skip
EGGER_FIELDS = ("stat", "pval", "limit_estimate", "limit_ci_lb", "limit_ci_ub")

BCG = REGRESSION_CASES["bcg_ablat"]["input"]
BCG_YI = np.array(BCG["yi"])
BCG_VI = np.array(BCG["vi"])
BCG_ABLAT = np.array(BCG["mods"]["ablat"], dtype=float)


def _as_list(value: object) -> list:
    """jsonlite writes length-1 vectors as scalars."""
    return value if isinstance(value, list) else [value]


def _assert_close(got: object, expected: object, label: str) -> None:
    exp = np.array([math.nan if x is None else x for x in _as_list(expected)], dtype=float)
    act = np.atleast_1d(np.asarray(got, dtype=float))
    assert act.shape == exp.shape, f"{label}: shape {act.shape} != {exp.shape}"
    tolerance = np.maximum(ATOL, RTOL * np.abs(exp))
    ok = np.where(np.isnan(exp), np.isnan(act), np.abs(act - exp) <= tolerance)
    assert ok.all(), f"{label}: got {act}, metafor {exp}"


@functools.cache
def _regression(case_id: str) -> MetaRegressionResult:
    case = REGRESSION_CASES[case_id]
    inp = case["input"]
    return meta_regression(
        inp["yi"],
        inp["vi"],
        inp["mods"] or None,
        method=case["method"],
        test=case["test"],
        level=case.get("level", 0.95),
    )


@pytest.mark.parametrize(
    ("case_id", "field"),
    [pytest.param(cid, f, id=f"{cid}-{f}") for cid in REGRESSION_CASES for f in REGRESSION_FIELDS],
)
def test_meta_regression_matches_metafor(case_id: str, field: str) -> None:
    _assert_close(
        getattr(_regression(case_id), field), REGRESSION_CASES[case_id]["result"][field], f"{case_id}.{field}"
    )


@pytest.mark.parametrize("case_id", list(REGRESSION_CASES))
def test_meta_regression_names_and_df_match_metafor(case_id: str) -> None:
    fit = _regression(case_id)
    ref = REGRESSION_CASES[case_id]["result"]
    assert list(fit.coef_names) == _as_list(ref["coef_names"])
    assert list(fit.qm_df) == ref["qm_df"]
    assert fit.method == REGRESSION_CASES[case_id]["method"]
    assert fit.test == REGRESSION_CASES[case_id]["test"]


@pytest.mark.parametrize(
    ("case_id", "field"),
    [pytest.param(cid, f, id=f"{cid}-{f}") for cid in EGGER_CASES for f in EGGER_FIELDS],
)
def test_egger_matches_metafor(case_id: str, field: str) -> None:
    case = EGGER_CASES[case_id]
    ref = case.get("egger") or case["result"]
    res = egger_test(
        case["input"]["yi"],
        case["input"]["vi"],
        method=case["method"],
        test=case.get("test", "z"),
        level=case.get("level", 0.95),
    )
    _assert_close(getattr(res, field), ref[field], f"{case_id}.{field}")
    assert res.df == ref["df"]
    assert res.k == len(case["input"]["yi"])


def test_reference_files_record_the_generator() -> None:
    for doc in (EXTENDED, EXTRA):
        assert doc["generator"].startswith("R 4.2.2, metafor 3.8")


# --- agreement with the intercept-only engine -----------------------------------------------------------


@pytest.mark.parametrize("test", ["z", "knha"])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("mods", [None, {}], ids=["None", "empty"])
def test_intercept_only_equals_random_effects(method: str, test: str, mods: dict | None) -> None:
    fit = meta_regression(BCG_YI, BCG_VI, mods, method=method, test=test)
    ref = random_effects(BCG_YI, BCG_VI, method=method, test=test, tau2_ci=False)
    assert fit.coef_names == ("intrcpt",)
    pairs = {
        "beta": "estimate", "se": "se", "stat": "stat", "pval": "pval", "ci_lb": "ci_lb", "ci_ub": "ci_ub",
        "tau2": "tau2", "i2": "i2", "h2": "h2", "qe": "q", "qe_p": "q_p",
    }  # fmt: skip
    for ours, theirs in pairs.items():
        np.testing.assert_allclose(np.atleast_1d(getattr(fit, ours))[0], getattr(ref, theirs), rtol=1e-12, atol=1e-14)
    assert fit.qe_df == ref.q_df == fit.k - 1
    np.testing.assert_allclose(fit.qm, ref.stat**2, rtol=1e-12)
    np.testing.assert_allclose(fit.qm_p, ref.pval, rtol=1e-10)
    assert fit.qm_df == ((1, fit.k - 1) if test == "knha" else (1, None))
    assert math.isnan(fit.r2)


# --- numerical accuracy ---------------------------------------------------------------------------------


def _exact_wls(X: list[list[Fraction]], y: list[Fraction], w: list[Fraction]) -> tuple[Fraction, list[list[Fraction]]]:
    """Weighted residual sum of squares and (X'WX)^-1 in exact rational arithmetic."""
    p, k = len(X[0]), len(y)
    a = [[sum(w[i] * X[i][r] * X[i][c] for i in range(k)) for c in range(p)] for r in range(p)]
    rhs = [sum(w[i] * X[i][r] * y[i] for i in range(k)) for r in range(p)]
    aug = [a[r] + [rhs[r]] + [Fraction(int(r == c)) for c in range(p)] for r in range(p)]
    for i in range(p):
        aug[i] = [x / aug[i][i] for x in aug[i]]
        for r in range(p):
            if r != i:
                aug[r] = [x - aug[r][i] * z for x, z in zip(aug[r], aug[i], strict=True)]
    beta = [aug[r][p] for r in range(p)]
    inv = [aug[r][p + 1 :] for r in range(p)]
    rss = sum(w[i] * (y[i] - sum(X[i][c] * beta[c] for c in range(p))) ** 2 for i in range(k))
    return rss, inv


def test_ill_conditioned_model_matches_exact_arithmetic() -> None:
    """BCG on latitude and year (DL): QE, tau² and the covariance equal exact rational values to 1e-12."""
    case = REGRESSION_CASES["bcg_ablat_year_DL_z"]
    inp = case["input"]
    y = [Fraction(x) for x in inp["yi"]]
    v = [Fraction(x) for x in inp["vi"]]
    X = [
        [Fraction(1), Fraction(a), Fraction(b)] for a, b in zip(inp["mods"]["ablat"], inp["mods"]["year"], strict=True)
    ]
    k, p = len(y), 3
    w = [1 / x for x in v]
    qe, inv = _exact_wls(X, y, w)
    w2 = [[sum(w[i] ** 2 * X[i][r] * X[i][c] for i in range(k)) for c in range(p)] for r in range(p)]
    tr_p = sum(w) - sum(inv[r][c] * w2[c][r] for r in range(p) for c in range(p))
    tau2 = (qe - (k - p)) / tr_p
    _, vb = _exact_wls(X, y, [1 / (x + tau2) for x in v])
    fit = _regression("bcg_ablat_year_DL_z")
    np.testing.assert_allclose(fit.qe, float(qe), rtol=1e-12)
    np.testing.assert_allclose(fit.tau2, float(tau2), rtol=1e-12)
    np.testing.assert_allclose(fit.se**2, [float(vb[i][i]) for i in range(p)], rtol=1e-12)


# --- moderators -----------------------------------------------------------------------------------------


def test_categorical_moderator_equals_its_dummies() -> None:
    alloc = REGRESSION_CASES["bcg_alloc_factor"]["input"]["mods"]["alloc"]
    by_label = meta_regression(BCG_YI, BCG_VI, {"alloc": alloc})
    dummies = {f"alloc{lev}": [float(a == lev) for a in alloc] for lev in ("random", "systematic")}
    by_dummies = meta_regression(BCG_YI, BCG_VI, dummies)
    assert by_label.coef_names == by_dummies.coef_names == ("intrcpt", "allocrandom", "allocsystematic")
    np.testing.assert_allclose(by_label.beta, by_dummies.beta, rtol=1e-14)
    assert by_label.r2 == by_dummies.r2


def test_level_order_of_categoricals() -> None:
    labels = ["b", "a", "C", "b", "a", "C"]
    _, names = design_matrix({"g": labels}, 6)
    assert names == ("intrcpt", "ga", "gb")  # reference "C": code-point order, as R in the C locale
    cat = pd.Categorical(labels, categories=["b", "a", "C", "unused"])
    X, names = design_matrix({"g": cat}, 6)
    assert names == ("intrcpt", "ga", "gC")
    np.testing.assert_array_equal(X[:, 1], [0, 1, 0, 0, 1, 0])
    flags = [True, False, True, True, False, False]
    X, names = design_matrix(pd.DataFrame({"g": pd.Series(cat), "flag": flags}), 6)
    assert names == ("intrcpt", "ga", "gC", "flagTRUE")  # R's name for a logical moderator
    np.testing.assert_array_equal(X[:, 3], flags)
    X_obj, names_obj = design_matrix({"flag": np.array(flags, dtype=object)}, 6)
    assert names_obj == ("intrcpt", "flagTRUE")
    np.testing.assert_array_equal(X_obj[:, 1], flags)


def test_dataframe_mods_and_numeric_object_columns() -> None:
    frame = pd.DataFrame({"ablat": BCG_ABLAT})
    a = meta_regression(BCG_YI, BCG_VI, frame)
    b = meta_regression(BCG_YI, BCG_VI, {"ablat": BCG_ABLAT.astype(object)})
    np.testing.assert_allclose(a.beta, _regression("bcg_ablat").beta, rtol=1e-14)
    np.testing.assert_allclose(b.beta, a.beta, rtol=1e-14)


def test_result_is_immutable_and_tabulates() -> None:
    fit = _regression("bcg_ablat")
    with pytest.raises(AttributeError):
        fit.tau2 = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        fit.beta[0] = 0.0
    table = fit.coefficients()
    assert list(table["coef"]) == ["intrcpt", "ablat"]
    np.testing.assert_array_equal(table["beta"], fit.beta)


def test_egger_is_the_sei_meta_regression() -> None:
    eg = egger_test(BCG_YI, BCG_VI)
    fit = meta_regression(BCG_YI, BCG_VI, {"sei": np.sqrt(BCG_VI)})
    assert isinstance(eg, EggerTest)
    assert eg.stat == fit.stat[1] and eg.pval == fit.pval[1]
    assert (eg.limit_estimate, eg.limit_ci_lb, eg.limit_ci_ub) == (fit.beta[0], fit.ci_lb[0], fit.ci_ub[0])
    assert eg.df is None and egger_test(BCG_YI, BCG_VI, test="knha").df == BCG_YI.size - 2


# --- validation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yi", "vi", "mods", "kwargs", "message"),
    [
        ([0.1, np.nan, 0.3, 0.4], [0.1] * 4, {"x": [1, 2, 3, 4]}, {}, r"yi\[1\] must be finite"),
        ([0.1, 0.2, 0.3, 0.4], [0.1, 0.0, 0.1, 0.1], {"x": [1, 2, 3, 4]}, {}, r"vi\[1\] must be positive"),
        ([0.1, 0.2, 0.3], [0.1, 0.2], None, {}, "same length"),
        ([0.1, 0.2, 0.3, 0.4], [0.1] * 4, {"x": [1, 2, 3]}, {}, "'x' must be one-dimensional with 4 values"),
        ([0.1, 0.2, 0.3, 0.4], [0.1] * 4, {"x": [1, 2, np.inf, 4]}, {}, "'x': value 2 must be finite"),
        ([0.1, 0.2, 0.3, 0.4], [0.1] * 4, {"x": ["a", "b", None, "a"]}, {}, "value 2 is missing"),
        ([0.1, 0.2, 0.3, 0.4], [0.1] * 4, {"x": ["a", "b", 3, "a"]}, {}, "mixes strings"),
        ([0.1, 0.2, 0.3, 0.4], [0.1] * 4, {"x": [True, 2.0, 3.0, 1.0]}, {}, "mixes booleans"),
        ([0.1, 0.2, 0.3, 0.4], [0.1] * 4, {"x": np.array([b"a", b"b", b"a", b"b"])}, {}, "numeric or categorical"),
        ([0.1, 0.2, 0.3, 0.4], [0.1] * 4, {"x": ["a", "a", "a", "a"]}, {}, "at least two distinct levels"),
        ([0.1, 0.2, 0.3, 0.4], [0.1] * 4, {"x": [2, 2, 2, 2]}, {}, "x is constant or a linear combination"),
        ([0.1, 0.2, 0.3, 0.4, 0.5], [0.1] * 5, {"x": [1, 2, 3, 5, 4], "z": [2, 4, 6, 10, 8]}, {}, "z is constant"),
        ([0.1, 0.2, 0.3, 0.4], [0.1] * 4, {"x": [1e-5, 2e-5, 3e-5, 5e-5]}, {}, "eigenvalue of X'X"),
        ([0.1, 0.2, 0.3, 0.4], [0.1] * 4, {"intrcpt": [1, 2, 3, 5]}, {}, "Duplicate coefficient name"),
        ([0.1, 0.2, 0.3, 0.4], [0.1] * 4, {"g": ["a", "b", "a", "b"], "gb": [1, 2, 3, 5]}, {}, "Duplicate"),
        ([0.1, 0.2, 0.3], [0.1] * 3, {"x": [1, 2, 3], "z": [1, 4, 2]}, {}, r"needs more than 3 studies \(k > p\)"),
        ([0.1], [0.1], None, {}, "more than 1 studies"),
        ([0.1, 0.2, 0.3, 0.4], [0.1] * 4, [[1, 2, 3, 4]], {}, "mods must be a mapping"),
        ([0.1, 0.2, 0.3, 0.4], [0.1] * 4, {"": [1, 2, 3, 5]}, {}, "non-empty strings"),
        ([0.1, 0.2, 0.3, 0.4], [0.1] * 4, {"x": [1, 2, 3, 5]}, {"method": "FE"}, "parameter 'method'"),
        ([0.1, 0.2, 0.3, 0.4], [0.1] * 4, {"x": [1, 2, 3, 5]}, {"test": "t"}, "parameter 'test'"),
        ([0.1, 0.2, 0.3, 0.4], [0.1] * 4, {"x": [1, 2, 3, 5]}, {"level": 95}, "parameter 'level'"),
    ],
)
def test_meta_regression_rejects_invalid_input(yi, vi, mods, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        meta_regression(yi, vi, mods, **kwargs)


def test_egger_rejects_invalid_input() -> None:
    with pytest.raises(ValueError, match="more than 2 studies"):
        egger_test([0.1, 0.2], [0.1, 0.2])
    with pytest.raises(ValueError, match="sampling variances are all equal"):
        egger_test([0.1, 0.2, 0.3, 0.5], [0.1] * 4)
    with pytest.raises(ValueError, match=r"vi\[0\] must be positive"):
        egger_test([0.1, 0.2, 0.3], [-0.1, 0.2, 0.3])


def test_non_convergence_raises() -> None:
    with pytest.raises(ConvergenceError, match="REML estimation did not converge after 2 iterations"):
        meta_regression(BCG_YI, BCG_VI, {"ablat": BCG_ABLAT}, maxiter=1)
