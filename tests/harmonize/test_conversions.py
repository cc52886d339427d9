"""Data conversions: hand-checked examples, base-R reference values and round trips."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from qolreview.harmonize import conversions as cv
from qolreview.harmonize import effect_sizes as es

DATA = Path(__file__).parents[1] / "data"
R_VALUES = json.loads((DATA / "metafor_escalc_extra.json").read_text())["conversions"]
NORMAND = {c["id"]: c for c in json.loads((DATA / "metafor_visible.json").read_text())["cases"]}["normand1999_smd"]


def test_conversion_record_is_frozen():
    _, record = cv.sd_from_se(1.0, 4)
    assert record == cv.SD_FROM_SE and record.source == "Cochrane Handbook 6.5.2.2" and not record.approximate
    with pytest.raises(FrozenInstanceError):
        record.name = "other"  # type: ignore[misc]


def test_sd_from_se_hand_example():
    # By hand: SE 2.3 with 25 participants -> SD = 2.3 * 5 = 11.5 (Handbook 6.5.2.2)
    sd, _ = cv.sd_from_se([2.3, 0.5], [25, 100])
    np.testing.assert_allclose(sd, [11.5, 5.0], rtol=1e-14)


def test_sd_from_ci_uses_t_below_60_and_z_from_60():
    # Handbook 6.5.2.2: for n = 25 the 95% CI is 2 x 2.0639 = 4.128 SEs wide (t, 24 df); for large
    # samples 3.92 SEs wide.
    sd_small, record = cv.sd_from_ci(10.0, 14.128, 25)
    assert sd_small == pytest.approx(5.0, rel=1e-4)
    sd_large, _ = cv.sd_from_ci(10.0, 13.92, 100)
    assert sd_large == pytest.approx(10.0, rel=1e-4)
    assert "t(1 - alpha/2, n - 1)" in record.formula


def test_sd_from_ci_matches_r():
    ref = R_VALUES["sd_from_ci"]
    sd, _ = cv.sd_from_ci(ref["ci_low"], ref["ci_high"], ref["n"], ref["level"])
    np.testing.assert_allclose(sd, ref["sd"], rtol=1e-10)


def test_mean_sd_from_median_iqr_matches_r_and_hand_example():
    ref = R_VALUES["mean_sd_from_median_iqr"]
    (mean, sd), record = cv.mean_sd_from_median_iqr(ref["median"], ref["q1"], ref["q3"], ref["n"])
    np.testing.assert_allclose(mean, ref["mean"], rtol=1e-12)
    np.testing.assert_allclose(sd, ref["sd"], rtol=1e-10)
    assert record.approximate
    # By hand, n = 30: eta = 2 * Phi^-1(22.375 / 30.25) = 2 * Phi^-1(0.739669) = 2 * 0.642327 = 1.284653,
    # so an IQR of 44 to 61 gives sd = 17 / 1.284653 = 13.2331; mean = (44 + 52 + 61) / 3 = 52.3333.
    assert sd[0] == pytest.approx(13.2331, abs=1e-4) and mean[0] == pytest.approx(52.3333, abs=1e-4)
    # Large samples: the IQR is 1.35 SDs wide (Handbook 6.5.2.5).
    assert cv.wan_eta(10**7) == pytest.approx(1.349, abs=1e-3)


def test_change_sd_handbook_example():
    # Cochrane Handbook 5.1, 16.4.6.4: SDs 2.38 and 2.21, imputed r = 0.68, 10 participants ->
    # SE of the mean difference 0.583.
    sd, record = cv.change_sd(2.38, 2.21, 0.68)
    assert sd / np.sqrt(10) == pytest.approx(0.583, abs=5e-4)
    assert record.source == "Cochrane Handbook 6.5.2.8"


def test_correlation_from_sds_hand_example():
    # By hand: (4^2 + 3^2 - 2.5^2) / (2 * 4 * 3) = 18.75 / 24 = 0.78125
    r, _ = cv.correlation_from_sds(4.0, 3.0, 2.5)
    assert r == pytest.approx(0.78125, rel=1e-14)


def test_se_from_ci_difference_and_ratio():
    # By hand: a 95% CI 1.2 to 2.5 of a mean difference -> SE = 1.3 / 3.919928 = 0.331639
    se, _ = cv.se_from_ci(1.2, 2.5)
    assert se == pytest.approx(0.331639, abs=1e-6)
    # OR 0.75 (95% CI 0.60 to 0.94): SE of log OR = (ln 0.94 - ln 0.60) / 3.919928 = 0.448951 / 3.919928
    se_log, _ = cv.se_from_ci(0.60, 0.94, log_scale=True)
    assert se_log == pytest.approx(0.114530, abs=1e-6)
    with pytest.raises(ValueError, match="ci_high"):
        cv.se_from_ci(2.0, 1.0)


def test_se_from_p_handbook_example():
    # Cochrane Handbook 6.5.2.3 (5.1: 7.7.3.3): MD 3.8, P = 0.008, 25 + 22 participants (45 df) ->
    # t = 2.78, SE = 3.8 / 2.78 = 1.37.
    se, _ = cv.se_from_p(3.8, 0.008, df=45)
    assert se == pytest.approx(1.37, abs=5e-3)
    # z-based, ratio: OR 2 with P = 0.05 -> SE(log OR) = ln 2 / 1.959964
    se_z, _ = cv.se_from_p(2.0, 0.05, log_scale=True)
    assert se_z == pytest.approx(np.log(2) / 1.959963984540054, rel=1e-12)


def test_md_to_smd_equals_smd_from_group_data():
    i = NORMAND["input"]
    sd, record = es.pooled_sd(i["sd1i"], i["n1i"], i["sd2i"], i["n2i"]), cv.POOLED_SD
    assert record.name == "pooled_sd"
    difference = np.subtract(i["m1i"], i["m2i"])
    (g, vi), record = cv.md_to_smd(difference, None, sd, i["n1i"], i["n2i"])
    np.testing.assert_allclose(g, NORMAND["effect_sizes"]["yi"], rtol=1e-10)
    np.testing.assert_allclose(vi, NORMAND["effect_sizes"]["vi"], rtol=1e-10)
    assert record == cv.MD_TO_SMD
    se_md = sd * np.sqrt(1 / np.asarray(i["n1i"]) + 1 / np.asarray(i["n2i"]))
    (g_se, vi_se), record_se = cv.md_to_smd(difference, se_md, None, i["n1i"], i["n2i"])
    np.testing.assert_allclose(g_se, g, rtol=1e-12)
    np.testing.assert_allclose(vi_se, vi, rtol=1e-12)
    assert record_se == cv.MD_SE_TO_SMD
    with pytest.raises(ValueError):
        cv.md_to_smd(1.0, None, None, 10, 10)


def test_pct_change():
    pct, record = cv.pct_change([50.0, 80.0], [60.0, 60.0])
    np.testing.assert_allclose(pct, [20.0, -25.0], rtol=1e-14)
    assert not record.approximate


def test_proportion_to_count_rounds_half_up_and_reports_residual():
    (events, residual), record = cv.proportion_to_count([12.5, 45.0, 33.3, 0.0], [20, 10, 30, 7])
    np.testing.assert_array_equal(events, [3, 5, 10, 0])  # 2.5 -> 3, 4.5 -> 5, 9.99 -> 10
    np.testing.assert_allclose(residual, [-2.5, -5.0, 33.3 - 100 / 3, 0.0], atol=1e-12)
    assert record.approximate
    with pytest.raises(ValueError):
        cv.proportion_to_count(101.0, 10)


@settings(max_examples=80, deadline=None)
@given(sd=st.floats(1e-3, 1e4), n=st.integers(1, 10**5))
def test_sd_se_round_trip(sd, n):
    back, _ = cv.sd_from_se(sd / np.sqrt(n), n)
    assert back == pytest.approx(sd, rel=1e-12)


@settings(max_examples=80, deadline=None)
@given(sd_b=st.floats(0.1, 100), sd_f=st.floats(0.1, 100), r=st.floats(-0.99, 0.99))
def test_change_sd_correlation_round_trip(sd_b, sd_f, r):
    sd_c, _ = cv.change_sd(sd_b, sd_f, r)
    back, _ = cv.correlation_from_sds(sd_b, sd_f, sd_c)
    assert back == pytest.approx(r, abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(est=st.floats(-100, 100), se=st.floats(1e-3, 100), level=st.sampled_from([0.9, 0.95, 0.99]))
def test_se_ci_round_trip(est, se, level):
    z = es.critical_z(level)
    back, _ = cv.se_from_ci(est - z * se, est + z * se, level)
    assert back == pytest.approx(se, rel=1e-8)


@settings(max_examples=80, deadline=None)
@given(sd=st.floats(0.1, 100), n=st.integers(2, 500), mean=st.floats(-100, 100))
def test_sd_ci_round_trip(sd, n, mean):
    q = 1.959963984540054 if n >= 60 else float(stats.t.ppf(0.975, n - 1))
    half = q * sd / np.sqrt(n)
    back, _ = cv.sd_from_ci(mean - half, mean + half, n)
    assert back == pytest.approx(sd, rel=1e-8)
