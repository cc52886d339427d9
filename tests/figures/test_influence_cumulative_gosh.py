"""Influence, cumulative forest and GOSH plots: panels, highlighted points, rows, density shading, literal
data text, layout and determinism, from tables made by the engine on made-up effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from figures_data import assert_no_text_overlap, gid_collections, gid_texts
from qolreview.figures.cumulative import cumulative_forest_plot
from qolreview.figures.gosh import gosh_plot
from qolreview.figures.influence import PANELS, influence_plot
from qolreview.figures.save import save_figure
from qolreview.meta import cumulative, gosh, influence, random_effects

TRICKY = ("$\\foo$ study", "<b>x</b> & co")
"""Labels that mathtext or markup would mangle: they must be drawn as written."""


def effects(k: int, outlier: bool = True, seed: int = 3) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """k made-up effects (study 3 an outlier with a small variance when ``outlier``) and their labels."""
    rng = np.random.default_rng(seed)
    yi = rng.normal(0.3, 0.08, k)
    vi = rng.uniform(0.02, 0.06, k)
    if outlier:
        yi[2], vi[2] = 1.2, 0.01
    labels = [f"Author{i} {2000 + i}" for i in range(k)]
    labels[0], labels[1] = TRICKY
    return yi, vi, labels


def analysis_row(yi: np.ndarray, vi: np.ndarray, aid: str = "a1") -> dict[str, object]:
    fit = random_effects(yi, vi)
    return {
        "analysis_id": aid,
        "k": len(yi),
        "measure": "SMD",
        "method": "REML",
        "test": "z",
        "level": 0.95,
        "estimate": fit.estimate,
        "i2": fit.i2,
        "tau2": fit.tau2,
        "q": fit.q,
    }


def influence_table(yi, vi, labels, aid: str = "a1") -> pd.DataFrame:
    k = len(yi)
    ids = pd.DataFrame({"analysis_id": aid, "study_id": [f"s{i}" for i in range(k)], "label": labels})
    return pd.concat([ids, influence(yi, vi), pd.DataFrame({"source_cells": [""] * k})], axis=1)


def cumulative_table(yi, vi, labels, years, aid: str = "a1") -> pd.DataFrame:
    k = len(yi)
    steps = cumulative(yi, vi, np.where(np.isnan(years), np.inf, years))
    added = steps["added"].to_numpy(int)
    return pd.DataFrame(
        {
            "analysis_id": aid,
            "step": np.arange(1, k + 1),
            "study_id": [f"s{i}" for i in added],
            "label": [labels[i] for i in added],
            "order_value": years[added],
            "k": steps["k"],
            **{c: steps[c] for c in ("estimate", "se", "ci_lb", "ci_ub", "pval", "tau2", "i2")},
            "source_cells": "",
        }
    )


def gosh_table(yi, vi, aid: str = "a1", max_subsets: int | None = None) -> pd.DataFrame:
    return gosh(yi, vi, method="REML", max_subsets=max_subsets, seed=1).assign(analysis_id=aid)


def _same_bytes(tmp_path, make) -> None:
    for run in ("a", "b"):
        save_figure(make().figure, tmp_path / run / "figure")
    for ext in ("svg", "png"):
        assert (tmp_path / "a" / f"figure.{ext}").read_bytes() == (tmp_path / "b" / f"figure.{ext}").read_bytes()


# Influence ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", ["double", "single"])
@pytest.mark.parametrize("k", [6, 12])
def test_influence_panels_and_highlighted_studies(k, width):
    yi, vi, labels = effects(k)
    table = influence_table(yi, vi, labels)
    flagged = table["influential"].to_numpy(bool)
    assert flagged[2]  # the outlier
    result = influence_plot(table, analysis_row(yi, vi), width=width, palette="cochrane")
    fig = result.figure
    assert [ax.get_gid() for ax in fig.axes] == [f"panel-{p.column}" for p in PANELS]
    assert gid_texts(fig, "panel-title") == [p.title for p in PANELS]
    for ax in fig.axes:
        (red,) = [c for c in ax.collections if c.get_gid() == "influential-point"]
        assert red.get_offsets()[:, 0].tolist() == (np.flatnonzero(flagged) + 1).tolist()
        assert red.get_facecolor()[0][:3] == pytest.approx((0xBF / 255, 0, 0))
        grey = [c for c in ax.collections if c.get_gid() == "study-point"]
        assert sum(len(c.get_offsets()) for c in grey) == k - flagged.sum()
        assert ax.get_xlim() == (0.5, k + 0.5)
    assert fig.axes[3].get_yscale() == "log"  # covariance ratio
    rstudent_lines = sorted(ln.get_ydata()[0] for ln in fig.axes[0].lines if ln.get_gid() == "reference-line")
    assert rstudent_lines == pytest.approx([-1.959964, 0.0, 1.959964], abs=1e-6)
    (key,) = [t for t in fig.texts if t.get_gid() == "study-key"]
    text = key.get_text().replace("\n", " ")
    assert not key.get_parse_math()
    assert f"1\u00a0{TRICKY[0]}; 2\u00a0{TRICKY[1]}" in text
    assert "flagged influential" in result.caption and "Author2 2002" in result.caption
    assert "Author2 2002" in result.alt
    assert_no_text_overlap(fig)


def test_influence_without_flagged_studies_says_none_and_keeps_other_analyses_out():
    yi, vi, labels = effects(8, outlier=False, seed=4)
    table = influence_table(yi, vi, labels)
    assert not table["influential"].any()
    other = influence_table(yi[:5] + 1, vi[:5], labels[:5], aid="other")
    result = influence_plot(pd.concat([other, table]), analysis_row(yi, vi), width="double", palette="colourblind")
    fig = result.figure
    assert not gid_collections(fig, "influential-point")
    assert all(ax.get_xlim() == (0.5, 8.5) for ax in fig.axes)
    assert "No study was flagged influential" in result.caption
    assert "No study flagged influential" in result.alt
    assert_no_text_overlap(fig)


def test_influence_byte_identical_reruns(tmp_path):
    yi, vi, labels = effects(10)
    _same_bytes(tmp_path, lambda: influence_plot(influence_table(yi, vi, labels), analysis_row(yi, vi)))


# Cumulative ---------------------------------------------------------------------------------------------


def _years(k: int) -> np.ndarray:
    years = np.array([2010 + (i * 7) % 13 for i in range(k)], dtype=float)
    years[3] = np.nan  # no year: added last
    return years


@pytest.mark.parametrize("width", ["double", "single"])
@pytest.mark.parametrize("k", [6, 11])
def test_cumulative_rows_follow_the_order(k, width):
    yi, vi, labels = effects(k, outlier=False)
    labels[4] = "Author4 et al., a long descriptive study label that must wrap over lines"
    years = _years(k)
    steps = cumulative_table(yi, vi, labels, years)
    other = cumulative_table(yi[:4], vi[:4], labels[:4], years[:4], aid="other")
    result = cumulative_forest_plot(pd.concat([other, steps]), analysis_row(yi, vi), width=width, palette="cochrane")
    fig = result.figure
    rows = [t.replace("\n", " ").replace("   ", " ") for t in gid_texts(fig, "row-label")]
    assert len(rows) == k
    order = steps["label"].tolist()
    assert rows[0] == f"+ {order[0]} (2010)"
    assert rows[-1] == f"+ {labels[3]} (NA)"
    texts = [t for ax in fig.axes for t in ax.texts if t.get_gid() == "row-label"]
    assert all(not t.get_parse_math() for t in texts)
    assert rows[0] == f"+ {TRICKY[0]} (2010)" and f"+ {TRICKY[1]} (2017)" in rows
    assert gid_collections(fig, "step-square") == ["step-square"]  # one collection for the page's squares
    squares = [x for c in fig.axes[0].collections if c.get_gid() == "step-square" for x, _ in c.get_offsets()]
    assert squares == pytest.approx(steps["estimate"].tolist())
    lines = [c for c in fig.axes[0].collections if c.get_gid() == "step-ci"]
    assert len(lines) == 1 and len(lines[0].get_segments()) == k
    first, last = steps.iloc[0], steps.iloc[-1]
    effect = gid_texts(fig, "effect-text")
    assert effect[-1] == f"{last.estimate:.2f} [{last.ci_lb:.2f}, {last.ci_ub:.2f}]"
    assert "increasing order of year" in result.caption
    assert "1 study without a value of year added last" in result.caption
    assert f"First estimate ({order[0]}, 2010): {first.estimate:.2f}" in result.caption
    assert f"final estimate with all {k} studies: {last.estimate:.2f}" in result.caption
    assert [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "axis-label"] == ["Standardised mean difference"]
    assert len([ln for ln in fig.axes[0].lines if ln.get_gid() == "null-line"]) == 1
    assert_no_text_overlap(fig)


def test_cumulative_byte_identical_reruns(tmp_path):
    yi, vi, labels = effects(8)
    table = cumulative_table(yi, vi, labels, _years(8))
    _same_bytes(tmp_path, lambda: cumulative_forest_plot(table, analysis_row(yi, vi)))


# GOSH ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", ["double", "single"])
def test_gosh_points_for_few_subsets(width):
    yi, vi, _ = effects(9)
    table = gosh_table(yi, vi)
    result = gosh_plot(table, analysis_row(yi, vi), width=width, palette="cochrane")
    fig = result.figure
    main = fig.axes[0]
    (points,) = [c for c in main.collections if c.get_gid() == "gosh-points"]
    assert len(points.get_offsets()) == 2**9 - 1
    assert not gid_collections(fig, "gosh-density")
    (full,) = [c for c in main.collections if c.get_gid() == "full-model"]
    everything = table[table["mask"] == 2**9 - 1].iloc[0]
    assert full.get_offsets()[0].tolist() == pytest.approx([everything.estimate, everything.i2])
    assert {p.get_gid() for ax in fig.axes for p in ax.patches} >= {"histogram-estimate", "histogram-i2"}
    assert "all 511 subsets of the 9 studies" in result.caption
    lo, hi = table["estimate"].min(), table["estimate"].max()
    assert f"Estimates range from {lo:.2f} to {hi:.2f}" in result.caption
    assert f"I² from {table['i2'].min():.1f}% to {table['i2'].max():.1f}%" in result.caption
    assert_no_text_overlap(fig)


@pytest.mark.parametrize("width", ["double", "single"])
def test_gosh_density_for_many_subsets(width):
    yi, vi, _ = effects(12)
    table = gosh_table(yi, vi)
    result = gosh_plot(pd.concat([gosh_table(yi[:4], vi[:4], aid="other"), table]), analysis_row(yi, vi), width=width)
    fig = result.figure
    (density,) = [c for c in fig.axes[0].collections if c.get_gid() == "gosh-density"]
    assert isinstance(density, PolyCollection)
    assert density.get_array().sum() == 2**12 - 1  # every subset counted once, shaded on a log scale
    assert type(density.norm).__name__ == "LogNorm"
    assert not gid_collections(fig, "gosh-points")
    assert any(ax.get_gid() == "gosh-colourbar" for ax in fig.axes)
    assert "all 4,095 subsets of the 12 studies" in result.caption
    assert "Shading shows the number of subsets in each hexagon" in result.caption
    assert_no_text_overlap(fig)


def test_gosh_sample_of_subsets_and_determinism(tmp_path):
    yi, vi, _ = effects(13)
    table = gosh_table(yi, vi, max_subsets=3000)
    result = gosh_plot(table, analysis_row(yi, vi))
    assert "a random sample of 3,000 of the 8,191 subsets of the 13 studies" in result.caption
    assert (table["mask"] == 2**13 - 1).sum() == 0  # the full set is not in the sample: marked from the analysis
    (full,) = [c for c in result.figure.axes[0].collections if c.get_gid() == "full-model"]
    row = analysis_row(yi, vi)
    assert full.get_offsets()[0].tolist() == pytest.approx([row["estimate"], row["i2"]])
    _same_bytes(tmp_path, lambda: gosh_plot(table, analysis_row(yi, vi)))


def test_influence_panel_without_finite_values_reads_not_estimable():
    yi, vi, labels = effects(6)
    table = influence_table(yi, vi, labels)
    table["cov_r"] = np.nan
    table.loc[1, "rstudent"] = np.inf
    result = influence_plot(table, analysis_row(yi, vi), width="single")
    fig = result.figure
    assert gid_texts(fig, "not-estimable") == ["Not estimable"]
    assert not [c for c in fig.axes[3].collections]
    points = sum(len(c.get_offsets()) for c in fig.axes[0].collections)
    assert points == 5  # the infinite residual is not drawn
    assert "Not estimable: Covariance ratio." in result.caption
    assert_no_text_overlap(fig)
