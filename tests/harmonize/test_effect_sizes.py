"""Effect sizes against R metafor 3.8.1 ``escalc`` (reference files in tests/data, see README there)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qolreview.harmonize import effect_sizes as es

DATA = Path(__file__).parents[1] / "data"
VISIBLE = {c["id"]: c for c in json.loads((DATA / "metafor_visible.json").read_text())["cases"]}
EXTRA = {c["id"]: c for c in json.loads((DATA / "metafor_escalc_extra.json").read_text())["cases"]}
RTOL = 1e-10


def _ref(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def assert_matches(result: tuple[np.ndarray, np.ndarray], yi: list, vi: list) -> None:
    np.testing.assert_allclose(result[0], _ref(yi), rtol=RTOL, atol=0)
    np.testing.assert_allclose(result[1], _ref(vi), rtol=RTOL, atol=0)


def _two_group(fn, i):
    return fn(i["m1i"], i["sd1i"], i["n1i"], i["m2i"], i["sd2i"], i["n2i"])


def _pre_post(measure, i):
    if measure == "SMCR":
        return es.smcr(i["m_post"], i["m_pre"], i["sd_pre"], i["ni"], i["ri"])
    fn = es.mc if measure == "MC" else es.smcc
    return fn(i["m_post"], i["m_pre"], i["sd_post"], i["sd_pre"], i["ni"], i["ri"])


@pytest.mark.parametrize(("case", "fn"), [("normand1999_md", es.md), ("normand1999_smd", es.smd)])
def test_two_group_visible(case, fn):
    ref = VISIBLE[case]
    assert_matches(_two_group(fn, ref["input"]), **ref["effect_sizes"])


@pytest.mark.parametrize("case", ["morris2008_t_mc", "morris2008_t_smcc", "morris2008_t_smcr"])
def test_pre_post_visible(case):
    ref = VISIBLE[case]
    assert_matches(_pre_post(ref["input"]["measure"], ref["input"]), **ref["effect_sizes"])


def test_log_rr_on_bcg_counts_reproduces_visible_bcg_logrr():
    counts = EXTRA["bcg_rr"]["input"]  # dat.bcg: ai = tpos, n1i = tpos + tneg, ci = cpos, n2i = cpos + cneg
    assert counts["ai"][:3] == [4, 6, 3] and counts["n1i"][:3] == [123, 306, 231]
    assert_matches(
        es.log_rr(counts["ai"], counts["n1i"], counts["ci"], counts["n2i"]), **VISIBLE["bcg_logrr"]["effect_sizes"]
    )


BINARY = {"RR": es.log_rr, "OR": es.log_or, "RD": es.rd}


@pytest.mark.parametrize("case", [c for c in EXTRA if c.startswith(("bcg_", "zero_cells_"))])
def test_binary_extra(case):
    ref = EXTRA[case]
    i = ref["input"]
    assert_matches(BINARY[ref["measure"]](i["ai"], i["n1i"], i["ci"], i["n2i"]), ref["yi"], ref["vi"])


@pytest.mark.parametrize(("case", "fn"), [("two_group_edge_md", es.md), ("two_group_edge_smd", es.smd)])
def test_two_group_edge_cases(case, fn):
    ref = EXTRA[case]
    assert_matches(_two_group(fn, ref["input"]), ref["yi"], ref["vi"])


def test_smd_undefined_for_tiny_groups():
    yi, vi = _two_group(es.smd, EXTRA["two_group_edge_smd"]["input"])
    assert np.isnan(yi[[1, 7]]).all() and np.isnan(vi[[1, 7]]).all()  # n1 + n2 = 3: J undefined
    assert np.isfinite(yi[[0, 2, 3, 4, 5, 6]]).all()


@pytest.mark.parametrize("case", ["pre_post_edge_mc", "pre_post_edge_smcc", "pre_post_edge_smcr"])
def test_pre_post_edge_cases(case):
    ref = EXTRA[case]
    assert_matches(_pre_post(ref["measure"], ref["input"]), ref["yi"], ref["vi"])


def test_gen_with_se():
    ref = EXTRA["gen_se"]
    assert_matches(es.gen(ref["input"]["estimate"], se=ref["input"]["se"]), ref["yi"], ref["vi"])


@pytest.mark.parametrize(("case", "log_scale"), [("gen_ci", False), ("gen_ratio_ci", True)])
def test_gen_with_ci(case, log_scale):
    ref = EXTRA[case]
    i = ref["input"]
    result = es.gen(i["estimate"], ci_low=i["ci_low"], ci_high=i["ci_high"], level=i["level"], log_scale=log_scale)
    assert_matches(result, ref["yi"], ref["vi"])


def test_gen_prefers_se_and_fills_missing_se_from_ci():
    yi, vi = es.gen([1.0, 2.0], se=[0.5, np.nan], ci_low=[0.0, 1.0], ci_high=[2.0, 3.0])
    np.testing.assert_allclose(yi, [1.0, 2.0])
    # second row: 95% CI of width 2 -> se = 2 / (2 * 1.959964) = 0.510219
    np.testing.assert_allclose(vi, [0.25, (1 / 1.959963984540054) ** 2], rtol=1e-12)
    with pytest.raises(ValueError, match="give se"):
        es.gen([1.0])


def test_zero_cell_correction_only_for_tables_with_a_zero():
    yi, vi = es.log_or([0, 5], [10, 10], [3, 4], [10, 10])
    # table 1 has a zero: cells (0.5, 10.5, 3.5, 7.5); table 2 is left alone: (5, 5, 4, 6)
    np.testing.assert_allclose(yi, [np.log(0.5 * 7.5 / (10.5 * 3.5)), np.log(5 * 6 / (5 * 4))], rtol=1e-14)
    np.testing.assert_allclose(vi, [1 / 0.5 + 1 / 10.5 + 1 / 3.5 + 1 / 7.5, 1 / 5 + 1 / 5 + 1 / 4 + 1 / 6], rtol=1e-14)
    yi0, vi0 = es.log_or([0, 5], [10, 10], [3, 4], [10, 10], add=0)
    assert np.isnan(yi0[0]) and np.isnan(vi0[0]) and yi0[1] == pytest.approx(yi[1])


def test_hedges_correction():
    # Hedges 1981 approximation J(m) ~ 1 - 3/(4m - 1); exact J(2) = Gamma(1)/(1 * Gamma(1/2)) = 1/sqrt(pi)
    assert es.hedges_correction(2) == pytest.approx(1 / np.sqrt(np.pi), rel=1e-14)
    np.testing.assert_allclose(es.hedges_correction([20, 100]), [1 - 3 / 79, 1 - 3 / 399], rtol=2e-4)
    assert np.isnan(es.hedges_correction([1, 0])).all()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: es.log_rr([-1], [10], [2], [10]), "counts"),
        (lambda: es.rd([11], [10], [2], [10]), "exceed"),
        (lambda: es.smd([1], [-1], [10], [0], [1], [10]), "standard deviations"),
        (lambda: es.smcr([1], [0], [1], [10], [1.2]), "correlations"),
        (lambda: es.gen([-1.0], se=[0.1], log_scale=True), "ratio"),
    ],
)
def test_invalid_inputs_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()


means = st.floats(-1e3, 1e3)
sds = st.floats(0.01, 1e3)
sizes = st.integers(2, 5000)


@settings(max_examples=60, deadline=None)
@given(m1=means, m2=means, s1=sds, s2=sds, n1=sizes, n2=sizes, a=st.floats(-1e3, 1e3), b=st.floats(0.01, 100))
def test_smd_invariant_to_linear_rescaling(m1, m2, s1, s2, n1, n2, a, b):
    original = es.smd(m1, s1, n1, m2, s2, n2)
    rescaled = es.smd(a + b * m1, b * s1, n1, a + b * m2, b * s2, n2)
    np.testing.assert_allclose(rescaled[0], original[0], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(rescaled[1], original[1], rtol=1e-7)


@settings(max_examples=60, deadline=None)
@given(m1=means, m2=means, s1=sds, s2=sds, n1=sizes, n2=sizes)
def test_swapping_groups_negates_md_and_smd(m1, m2, s1, s2, n1, n2):
    for fn in (es.md, es.smd):
        y12, v12 = fn(m1, s1, n1, m2, s2, n2)
        y21, v21 = fn(m2, s2, n2, m1, s1, n1)
        assert y21 == pytest.approx(-y12, rel=1e-12, abs=1e-12)
        assert v21 == pytest.approx(v12, rel=1e-12)
        assert v12 > 0


@settings(max_examples=60, deadline=None)
@given(n1=st.integers(1, 500), n2=st.integers(1, 500), data=st.data())
def test_binary_variances_positive_and_swap_negates(n1, n2, data):
    a = data.draw(st.integers(0, n1))
    c = data.draw(st.integers(0, n2))
    for fn in (es.log_rr, es.log_or, es.rd):
        y12, v12 = fn(a, n1, c, n2)
        y21, _ = fn(c, n2, a, n1)
        assert y21 == pytest.approx(-y12, abs=1e-12)
        assert v12 > 0  # a zero cell triggers the 1/2 correction, so no proportion is 0 or 1


@settings(max_examples=60, deadline=None)
@given(mpre=means, mpost=means, spre=sds, spost=sds, n=st.integers(3, 5000), r=st.floats(-0.99, 0.99))
def test_pre_post_variances_positive(mpre, mpost, spre, spost, n, r):
    for _, vi in (
        es.mc(mpost, mpre, spost, spre, n, r),
        es.smcc(mpost, mpre, spost, spre, n, r),
        es.smcr(mpost, mpre, spre, n, r),
    ):
        assert vi > 0
