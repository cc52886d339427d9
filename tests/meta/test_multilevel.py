"""The CHE working model with CR2 robust inference against R metafor 3.8-1 / clubSandwich 0.5.8.

References (R 4.2.2, 15 significant digits; ``vcalc`` + ``rma.mv(random = ~ 1 | cluster/obs, method =
"REML")`` + ``robust(fit, cluster, clubSandwich = TRUE)``):

- ``tests/data/metafor_extended.json`` (``generate_extended.R``): the ``che_rve`` case ``assink2016_che``;
- ``tests/data/metafor_multilevel_extra.json`` (``generate_multilevel_extra.R``): other data sets, rho = 0,
  0.6 and 0.8, level 0.90, one effect per cluster, mixed cluster sizes and both variance components on
  the boundary.

metafor maximises the restricted likelihood with ``nlminb`` and stops at its tolerance (its variance
components are up to about 2e-6 from the exact maximum, which this implementation reaches), hence
RTOL = 1e-5. On the boundary, nlminb stops at a tiny positive value (1e-12 to 3e-11) where the exact
estimate is 0: a reference below 1e-6 times the total variance must be exactly 0 here.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from pathlib import Path

import numpy as np
import pytest

from qolreview.meta import random_effects
from qolreview.meta.multilevel import CorrelatedHierarchicalResult, correlated_hierarchical

DATA = Path(__file__).parents[1] / "data"
EXTENDED = json.loads((DATA / "metafor_extended.json").read_text())
EXTRA = json.loads((DATA / "metafor_multilevel_extra.json").read_text())
CASES = {c["id"]: c for c in EXTENDED["cases"] + EXTRA["cases"] if c["kind"] == "che_rve"}
#: Agreement with metafor/clubSandwich, relative (metafor's optimiser tolerance).
RTOL = 1e-5
#: A reference variance component below this fraction of the total is metafor's approximation of 0.
BOUNDARY = 1e-6

MODEL_FIELDS = ("estimate", "se", "ci_lb", "ci_ub", "pval", "sigma2_between", "sigma2_within")
ROBUST_FIELDS = ("se", "df", "ci_lb", "ci_ub", "pval")
GRID = [
    pytest.param(case_id, field, id=f"{case_id}-{field}")
    for case_id in CASES
    for field in (*MODEL_FIELDS, *(f"robust_{f}" for f in ROBUST_FIELDS), "k", "n_clusters")
]
#: Heterogeneity, prediction interval and cluster weights: in the extra cases only.
HETEROGENEITY_FIELDS = ("qe", "qe_df", "qe_p", "i2", "pi_lb", "pi_ub", "weights")
HETEROGENEITY_GRID = [
    pytest.param(case["id"], field, id=f"{case['id']}-{field}")
    for case in EXTRA["cases"]
    for field in HETEROGENEITY_FIELDS
]


def _input(case_id: str) -> dict:
    return CASES[case_id]["input"]


@functools.cache
def fitted(case_id: str) -> CorrelatedHierarchicalResult:
    i = _input(case_id)
    return correlated_hierarchical(i["yi"], i["vi"], i["cluster"], i["obs"], i["rho"], level=i.get("level", 0.95))


def expected(case_id: str, field: str) -> float:
    case = CASES[case_id]
    if field == "k":
        return case.get("k", len(case["input"]["yi"]))
    if field == "n_clusters":
        return case.get("n_clusters", len(set(case["input"]["cluster"])))
    if field.startswith("robust_"):
        return case["robust"][field.removeprefix("robust_")]
    return case["model"][field]


def test_reference_files() -> None:
    assert EXTRA["generator"].startswith("R 4.2.2, metafor 3.8.1, clubSandwich ")
    assert len(CASES) == 11
    assert "assink2016_che" in CASES
    assert all("warnings" not in c for c in CASES.values())


@pytest.mark.parametrize(("case_id", "field"), GRID)
def test_matches_metafor_clubsandwich(case_id: str, field: str) -> None:
    want = expected(case_id, field)
    got = getattr(fitted(case_id), field)
    if field in ("k", "n_clusters"):
        assert got == want and isinstance(got, int)
        return
    model = CASES[case_id]["model"]
    total = model["sigma2_between"] + model["sigma2_within"]
    if field.startswith("sigma2") and want < BOUNDARY * total:
        assert got == 0.0
        return
    assert got == pytest.approx(want, rel=RTOL, abs=0.0)


@pytest.mark.parametrize(("case_id", "field"), HETEROGENEITY_GRID)
def test_heterogeneity_matches_metafor(case_id: str, field: str) -> None:
    """QE does not depend on the variance components (1e-10); the others do (metafor's tolerance).

    A p-value in R's subnormal range (below 1e-300) is 0 in SciPy.
    """
    case = CASES[case_id]
    want = case["robust"][field] if field.startswith("pi_") else case["model"][field]
    got = getattr(fitted(case_id), field)
    if field == "qe_df":
        assert got == want and isinstance(got, int)
    elif field == "weights":
        assert isinstance(got, tuple)
        np.testing.assert_allclose(got, np.atleast_1d(want), rtol=RTOL, atol=0.0)
        assert sum(got) == pytest.approx(100.0, rel=1e-12)
    else:
        tiny = 1e-300 if field == "qe_p" else 0.0
        assert got == pytest.approx(want, rel=1e-10 if field in ("qe", "qe_p") else RTOL, abs=tiny)


def test_boundary_cases_are_on_the_boundary() -> None:
    assert fitted("kalaian1996_between0").sigma2_between == 0.0
    assert fitted("berkey1998_between0").sigma2_between == 0.0
    assert fitted("constructed_within0").sigma2_within == 0.0
    assert fitted("constructed_within0").sigma2_between > 0.0


def test_one_effect_per_cluster_is_the_random_effects_model() -> None:
    """With one effect per cluster the model is rma.uni's REML model with tau² = sum of the components."""
    i = _input("bcg_single_obs")
    che = fitted("bcg_single_obs")
    re = random_effects(i["yi"], i["vi"], method="REML")
    assert che.sigma2_between == che.sigma2_within
    assert che.sigma2_between + che.sigma2_within == pytest.approx(re.tau2, rel=1e-9)
    for field in ("estimate", "se", "ci_lb", "ci_ub", "pval"):
        assert getattr(che, field) == pytest.approx(getattr(re, field), rel=1e-9)


def test_level_changes_only_the_intervals() -> None:
    a, b = fitted("konstantopoulos2011_rho06"), fitted("konstantopoulos2011_rho06_l90")
    for field in ("estimate", "se", "pval", "sigma2_between", "sigma2_within", "robust_se", "robust_df"):
        assert getattr(a, field) == getattr(b, field)
    assert a.ci_lb < b.ci_lb < b.ci_ub < a.ci_ub
    assert a.robust_ci_lb < b.robust_ci_lb < b.robust_ci_ub < a.robust_ci_ub


def test_invariant_to_row_order_and_label_type() -> None:
    i = _input("assink2016_che")
    ref = fitted("assink2016_che")
    perm = np.random.default_rng(1).permutation(len(i["yi"]))
    clusters = [int(c) for c in i["cluster"]]
    obs = [int(o) + 100 for o in i["obs"]]
    res = correlated_hierarchical(
        np.array(i["yi"])[perm], np.array(i["vi"])[perm], np.array(clusters)[perm], np.array(obs)[perm], i["rho"]
    )
    for field in dataclasses.fields(CorrelatedHierarchicalResult):
        if field.name != "weights":
            assert getattr(res, field.name) == pytest.approx(getattr(ref, field.name), rel=1e-9)
    # weights follow the clusters' order of first appearance
    ref_weights = dict(zip(dict.fromkeys(clusters), ref.weights, strict=True))
    res_weights = dict(zip(dict.fromkeys(np.array(clusters)[perm].tolist()), res.weights, strict=True))
    assert res_weights == pytest.approx(ref_weights, rel=1e-9)


def test_result_is_frozen_and_converts_to_dict() -> None:
    res = fitted("assink2016_che")
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.estimate = 0.0  # type: ignore[misc]
    d = res.to_dict()
    assert list(d) == [
        "estimate", "se", "ci_lb", "ci_ub", "pval", "sigma2_between", "sigma2_within", "robust_se", "robust_df",
        "robust_ci_lb", "robust_ci_ub", "robust_pval", "pi_lb", "pi_ub", "qe", "qe_df", "qe_p", "i2", "weights", "k",
        "n_clusters",
    ]  # fmt: skip
    assert all(math.isfinite(v) for v in d.values() if not isinstance(v, tuple))
    assert len(d["weights"]) == d["n_clusters"]


# Input validation --------------------------------------------------------------------------------------

YI = [0.1, 0.3, 0.2, 0.5, 0.4]
VI = [0.02, 0.03, 0.025, 0.04, 0.05]
CLUSTER = ["a", "a", "b", "b", "c"]
OBS = [1, 2, 1, 2, 1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"yi": YI[:4]}, "yi and vi must have the same length"),
        ({"cluster": CLUSTER[:4]}, "cluster must have one label per effect size"),
        ({"obs": [*OBS, 3]}, "obs must have one label per effect size"),
        ({"cluster": [CLUSTER]}, "cluster must be one-dimensional"),
        ({"cluster": ["a", None, "b", "b", "c"]}, r"cluster\[1\] is missing"),
        ({"obs": [1, 2, float("nan"), 2, 1]}, r"obs\[2\] is missing"),
        ({"rho": -0.1}, "'rho'"),
        ({"rho": 1.0}, "'rho'"),
        ({"rho": 1.5}, "'rho'"),
        ({"rho": float("nan")}, "'rho'"),
        ({"rho": True}, "'rho'"),
        ({"rho": "0.5"}, "'rho'"),
        ({"cluster": ["a"] * 5}, "At least two clusters"),
        ({"obs": [1, 1, 1, 2, 1]}, "pairs must be unique: row 1"),
        ({"level": 1.0}, "'level'"),
        ({"vi": [0.02, 0.0, 0.025, 0.04, 0.05]}, r"vi\[1\] must be positive"),
        ({"yi": [0.1, math.inf, 0.2, 0.5, 0.4]}, r"yi\[1\] must be finite"),
    ],
)
def test_invalid_input(kwargs: dict, message: str) -> None:
    args = {"yi": YI, "vi": VI, "cluster": CLUSTER, "obs": OBS, "rho": 0.6, **kwargs}
    with pytest.raises(ValueError, match=message):
        correlated_hierarchical(**args)


def test_two_clusters_and_rho_zero_are_accepted() -> None:
    res = correlated_hierarchical(YI[:4], VI[:4], CLUSTER[:4], OBS[:4], 0.0)
    assert res.k == 4 and res.n_clusters == 2
    assert res.sigma2_between >= 0.0 and res.sigma2_within >= 0.0
    assert math.isfinite(res.robust_df) and res.robust_df > 0.0
