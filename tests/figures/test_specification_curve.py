"""Specification curve: its order and indicator panel checked against the multiverse table, the CI band beyond
many specifications, caption and alt text, and a figure with nothing to pool."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qolreview.figures.specification_curve import MAX_LINES, curve_order, specification_curve
from qolreview.sensitivity import parse_sensitivity
from qolreview.sensitivity.choices import primary_choices
from qolreview.sensitivity.grid import specification_grid

CONFIG = {
    "harmonize": {"pre_post_r": 0.5, "timepoint_choice": "latest"},
    "synthesis": {"method": "REML", "test": "knha", "multiple_effects": "composite"},
}


def made_up_table(factors: dict, seed: int = 3, unpooled: int = 2) -> pd.DataFrame:
    """A ``Multiverse``-like table of one analysis with made-up results (the first ``unpooled`` not pooled)."""
    grid = specification_grid(parse_sensitivity({"multiverse": {"factors": factors}}), primary_choices(CONFIG))
    rng = np.random.default_rng(seed)
    est = rng.normal(0.3, 0.1, len(grid)).round(3)  # rounding makes ties, broken by specification id
    half = rng.uniform(0.05, 0.4, len(grid))
    status = np.where(np.arange(len(grid)) < unpooled, "not_poolable", "pooled")
    pooled = status == "pooled"
    primary = np.logical_and.reduce([grid[f] == v for f, v in primary_choices(CONFIG).items()])
    return grid.assign(
        analysis_id="a1",
        status=status,
        estimate=np.where(pooled, est, np.nan),
        ci_lb=np.where(pooled, est - half, np.nan),
        ci_ub=np.where(pooled, est + half, np.nan),
        primary=primary,
    )


ANALYSIS = {"analysis_id": "a1", "measure": "SMD", "estimate": 0.31}
FACTORS = {"method": ["REML", "DL", "PM"], "pre_post_r": [0.3, 0.5, 0.7], "risk_of_bias": ["all", "exclude_high"]}


def _offsets(fig, gid: str) -> np.ndarray:
    found = [c for ax in fig.axes for c in ax.collections if c.get_gid() == gid]
    assert len(found) == 1, gid
    return np.asarray(found[0].get_offsets())


def test_the_curve_is_the_pooled_estimates_sorted_and_ties_broken_by_id() -> None:
    table = made_up_table(FACTORS)
    result = specification_curve(table, ANALYSIS)
    order = curve_order(table, "a1")
    points = _offsets(result.figure, "curve-estimates")
    assert len(points) == (table["status"] == "pooled").sum() == len(order)
    np.testing.assert_array_equal(points[:, 0], order["rank"])
    np.testing.assert_array_equal(points[:, 1], order["estimate"])
    assert (np.diff(order["estimate"]) >= 0).all()
    ties = order[order["estimate"].duplicated(keep=False)]
    assert ties.groupby("estimate")["specification"].apply(lambda s: s.is_monotonic_increasing).all()


def test_the_indicator_panel_marks_each_choice_under_its_specifications() -> None:
    table = made_up_table(FACTORS)
    fig = specification_curve(table, ANALYSIS).figure
    order = curve_order(table, "a1")
    # the canonical factor order (risk_of_bias, pre_post_r, method), each factor's values in config order
    expected_rows = [("risk_of_bias", "all"), ("risk_of_bias", "exclude_high")]
    expected_rows += [("pre_post_r", v) for v in (0.3, 0.5, 0.7)] + [("method", m) for m in ("REML", "DL", "PM")]
    labels = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert labels == [f"{f}: {v:g}" if isinstance(v, float) else f"{f}: {v}" for f, v in expected_rows]
    for row, (factor, value) in enumerate(expected_rows):
        text = f"{value:g}" if isinstance(value, float) else value
        marks = _offsets(fig, f"indicator|{factor}|{text}")
        np.testing.assert_array_equal(marks[:, 0], order.loc[order[factor] == value, "rank"])
        assert (marks[:, 1] == row).all()
    primary = _offsets(fig, "curve-primary")
    assert primary[0, 0] == order.loc[order["primary"], "rank"].iloc[0]


def test_caption_and_alt_text_state_the_counts_and_range() -> None:
    table = made_up_table(FACTORS)
    result = specification_curve(table, ANALYSIS, palette="colourblind")
    order = curve_order(table, "a1")
    assert f"each of the {len(order)} specifications that could be pooled (of {len(table)})" in result.caption
    assert "The vermillion dashed line marks the primary estimate (0.31); the cross, the primary specification." in (
        result.caption
    )
    assert result.alt.startswith(f"Specification curve of {len(order)} pooled specifications (of {len(table)}): SMD")
    assert "indicator rows for risk_of_bias, pre_post_r, method" in result.alt


def test_many_specifications_draw_the_intervals_as_a_band() -> None:
    table = made_up_table(
        {
            "composite_correlation": [i / 100 for i in range(50)],
            "method": ["REML", "DL", "PM"] * 1,
            "test": ["knha", "z"],
            "design": ["all", "randomised_only"],
        }
    )
    assert (table["status"] == "pooled").sum() > MAX_LINES
    fig = specification_curve(table, ANALYSIS).figure
    kinds = {type(c).__name__ for ax in fig.axes for c in ax.collections if c.get_gid() == "curve-ci"}
    assert kinds == {"FillBetweenPolyCollection"} or kinds == {"PolyCollection"}


def test_one_factor_with_one_level_still_draws_and_nothing_pooled_raises() -> None:
    table = made_up_table({"method": ["DL"]}, unpooled=0)
    result = specification_curve(table, ANALYSIS)
    assert "each factor varied (no factor)" in result.caption
    with pytest.raises(ValueError, match="no pooled specification of a1"):
        specification_curve(made_up_table({"method": ["DL", "PM"]}, unpooled=2), ANALYSIS)
