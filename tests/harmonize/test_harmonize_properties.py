"""Properties of the harmonize stage: sign convention, scale invariance, positive variances, and that
every input row ends up in an effect size or in the not-convertible table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from test_harmonize import ROOT, run, two_arms

from qolreview.instruments import Registry, load_registry

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Means and SDs whose SMDs stay below harmonize's plausibility limit of 10 (|24 / 2.5| < 10).
means = hs.floats(-12, 12, allow_nan=False)
sds = hs.floats(2.5, 30, allow_nan=False)
sizes = hs.integers(5, 300)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(ROOT / "config" / "instruments.yaml")


def final_rows(
    instrument: str, subscale: str, m1: float, sd1: float, n1: int, m2: float, sd2: float, n2: int
) -> list[dict[str, Any]]:
    common = {
        "study_id": "s",
        "instrument": instrument,
        "subscale": subscale,
        "timepoint": "week 4",
        "timepoint_weeks": 4.0,
        "source_id": "src",
    }
    return [
        {**common, "arm_id": "esk", "n": n1, "mean": m1, "sd": sd1},
        {**common, "arm_id": "pbo", "n": n2, "mean": m2, "sd": sd2},
    ]


@FAST
@given(base=means, delta=hs.floats(0.01, 20), sd1=sds, sd2=sds, n1=sizes, n2=sizes)
def test_an_improvement_is_positive_whichever_the_direction_of_the_scale(
    registry: Registry, base: float, delta: float, sd1: float, sd2: float, n1: int, n2: int
) -> None:
    # EQ-VAS: higher is better, so the intervention arm is better when its mean is higher;
    # QLDS: lower is better, so it is better when its mean is lower.
    for instrument, subscale, better in (("EQ-VAS", "VAS", base + delta), ("QLDS", "total", base - delta)):
        effects = run(
            registry, final_rows(instrument, subscale, better, sd1, n1, base, sd2, n2), two_arms("s", n1, n2)
        ).effect_sizes
        row = effects[effects["comparison"] == "between_arms"].iloc[0]
        assert row["yi"] > 0 and row["md"] > 0
        assert row["direction_flipped"] == (instrument == "QLDS")
        assert row["vi"] > 0 and row["md_vi"] > 0


@FAST
@given(m1=means, m2=means, sd1=sds, sd2=sds, n1=sizes, n2=sizes, shift=hs.floats(-100, 100), scale=hs.floats(0.01, 100))
def test_smd_is_invariant_to_a_linear_rescaling_of_the_instrument(
    registry: Registry, m1: float, m2: float, sd1: float, sd2: float, n1: int, n2: int, shift: float, scale: float
) -> None:
    original = run(registry, final_rows("EQ-VAS", "VAS", m1, sd1, n1, m2, sd2, n2), two_arms("s", n1, n2))
    rescaled = run(
        registry,
        final_rows("EQ-VAS", "VAS", shift + scale * m1, scale * sd1, n1, shift + scale * m2, scale * sd2, n2),
        two_arms("s", n1, n2),
    )
    a, b = (r.effect_sizes.query("comparison == 'between_arms'").iloc[0] for r in (original, rescaled))
    assert b["yi"] == pytest.approx(a["yi"], rel=1e-9, abs=1e-12)
    assert b["vi"] == pytest.approx(a["vi"], rel=1e-9)
    assert b["md"] == pytest.approx(scale * a["md"], rel=1e-9, abs=1e-9)


FIELDS = (
    "mean",
    "sd",
    "se",
    "baseline_mean",
    "baseline_sd",
    "change_mean",
    "change_sd",
    "change_se",
    "pct_change",
    "pct_with_problem",
)
row_strategy = hs.fixed_dictionaries(
    {
        "arm_id": hs.sampled_from(["esk", "pbo"]),
        "outcome": hs.sampled_from([("EQ-VAS", "VAS"), ("QLDS", "total")]),
        "weeks": hs.sampled_from([0.0, 1.0, 4.0, 6.0, 20.0, None]),
        "n": hs.one_of(hs.none(), sizes),
        "values": hs.dictionaries(hs.sampled_from(FIELDS), hs.floats(1, 90), max_size=5),
        "direction": hs.sampled_from([None, "improved", "worsened"]),
    }
)


@FAST
@given(rows=hs.lists(row_strategy, max_size=12), r=hs.floats(-0.9, 0.9))
def test_nothing_is_lost(registry: Registry, rows: list[dict[str, Any]], r: float) -> None:
    outcomes, keys = [], set()
    for row in rows:
        timepoint = "not reported" if row["weeks"] is None else f"week {row['weeks']:g}"
        key = (row["arm_id"], row["outcome"], timepoint)
        if key in keys:
            continue
        keys.add(key)
        instrument, subscale = row["outcome"]
        outcomes.append(
            {
                "study_id": "s",
                "arm_id": row["arm_id"],
                "instrument": instrument,
                "subscale": subscale,
                "timepoint": timepoint,
                "timepoint_weeks": row["weeks"],
                "n": row["n"],
                "direction_reported": row["direction"],
                "source_id": "src",
                **row["values"],
            }
        )
    result = run(registry, outcomes, two_arms("s", 40, 40), pre_post_r=r)
    used = {k for keys_ in result.effect_sizes["input_rows"] for k in keys_.split("; ")}
    unused = set(result.not_convertible["input_rows"])
    assert used | unused == {f"outcomes:{i}" for i in range(2, 2 + len(outcomes))}
    assert not used & unused
    effects = result.effect_sizes
    assert bool((effects["vi"] > 0).all()) and bool(np.isfinite(effects["yi"]).all())
    assert bool((effects["ci_lb"] < effects["yi"]).all()) and bool((effects["yi"] < effects["ci_ub"]).all())
    assert effects["effect_id"].is_unique
