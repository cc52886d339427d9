"""Forest plot: rows, diamond, clipping arrows, text, layout at k = 1..200, determinism."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Polygon

from figures_data import assert_no_text_overlap, forest_studies, gid_mark_count, gid_mark_sizes, pooled
from qolreview.figures.forest import forest_plot
from qolreview.figures.save import save_figure

FAVOURS = ("Favours control", "Favours ketamine/esketamine")


def _texts(fig, gid):
    return [t for ax in fig.axes for t in ax.texts if t.get_gid() == gid]


def _no_overlap(fig, gid):
    renderer = fig.canvas.get_renderer()
    boxes = sorted((t.get_window_extent(renderer) for t in _texts(fig, gid)), key=lambda b: -b.y1)
    for upper, lower in pairwise(boxes):
        assert lower.y1 <= upper.y0 + 0.5, f"overlapping row labels: {upper} / {lower}"
    return len(boxes)


@pytest.mark.parametrize("k", [1, 5, 50, 200])
def test_layout_rows_do_not_overlap(k):
    result = forest_plot(forest_studies(k), pooled(k) if k > 1 else None)
    assert _no_overlap(result.figure, "row-label") == k
    assert _no_overlap(result.figure, "effect-text") == k


def test_diamond_centre_and_ends_are_the_pooled_estimate_and_ci():
    result = forest_plot(forest_studies(5), pooled(5))
    diamonds = [p for p in result.figure.axes[0].patches if isinstance(p, Polygon) and p.get_gid() == "pooled-diamond"]
    assert len(diamonds) == 1
    xy = diamonds[0].get_xy()
    xs = sorted(set(np.round(xy[:, 0], 12)))
    assert xs == pytest.approx([0.12, 0.31, 0.50])
    tips = xy[np.argsort(xy[:, 1])][[0, -1], 0]  # top and bottom vertices sit at the estimate
    assert tips == pytest.approx([0.31, 0.31])


def test_text_columns_and_heterogeneity():
    studies = forest_studies(5)
    result = forest_plot(studies, pooled(5), favours=FAVOURS)
    fig = result.figure
    assert [t.get_text() for t in _texts(fig, "n-text")][:2] == ["40", "NR"]
    first = studies.iloc[0]
    assert _texts(fig, "effect-text")[0].get_text() == f"{first.yi:.2f} [{first.ci_lb:.2f}, {first.ci_ub:.2f}]"
    assert _texts(fig, "weight-text")[0].get_text() == f"{first.weight_pct:.1f}%"
    notes = " ".join(t.get_text() for t in _texts(fig, "note-text")).replace("\n", " ")
    assert "τ² = 0.012, I² = 34.5%, Q = 6.10 (df = 4), p = 0.190" in notes
    assert gid_mark_count(fig, "study-square") == 5
    (lines,) = [c for c in fig.axes[0].collections if c.get_gid() == "study-ci"]  # the page's CI lines, together
    lo, hi = fig.axes[0].get_xlim()
    drawn = np.array([segment[:, 0] for segment in lines.get_segments()])
    assert drawn == pytest.approx(np.column_stack([studies["ci_lb"].clip(lo, hi), studies["ci_ub"].clip(lo, hi)]))
    favours = [t.get_text().replace("\n", " ") for t in fig.axes[0].texts if t.get_gid() == "favours-label"]
    assert favours == ["Favours control", "Favours ketamine/esketamine"]
    assert "pooled SMD 0.31 (95% CI 0.12 to 0.50)" in result.caption
    assert "Pooled SMD 0.31" in result.alt


def test_square_area_is_proportional_to_weight():
    studies = forest_studies(5)
    fig = forest_plot(studies, pooled(5)).figure
    sizes = gid_mark_sizes(fig, "study-square")
    w = studies["weight_pct"].to_numpy()
    expected = np.maximum(6.0, 64.0 * w / w.max())
    assert sizes == pytest.approx(expected)


def test_single_study_is_not_pooled():
    result = forest_plot(forest_studies(1), None)
    fig = result.figure
    assert not [p for p in fig.axes[0].patches if isinstance(p, Polygon)]
    assert [t.get_text() for t in _texts(fig, "not_pooled-label")] == ["Not pooled (too few studies)"]
    assert "no pooled estimate" in result.caption


def test_clipped_whiskers_end_in_arrows_at_the_limits():
    studies = forest_studies(5)
    studies.loc[0, ["yi", "ci_lb", "ci_ub"]] = [0.2, -3.0, 0.5]
    studies.loc[1, ["yi", "ci_lb", "ci_ub"]] = [0.4, 0.1, 4.0]
    fig = forest_plot(studies, pooled(5), xlim=(-1.0, 1.5)).figure
    arrows = [ln for ln in fig.axes[0].lines if ln.get_gid() == "clip-arrow"]
    assert sorted((ln.get_marker(), float(ln.get_xdata()[0])) for ln in arrows) == [("<", -1.0), (">", 1.5)]


def test_subgroup_diamonds_and_rob_dots():
    studies = forest_studies(6)
    studies["subgroup"] = ["ketamine"] * 3 + ["esketamine"] * 3
    subgroups = (
        studies.groupby("subgroup", sort=False)
        .agg(k=("yi", "size"), estimate=("yi", "mean"), ci_lb=("ci_lb", "mean"), ci_ub=("ci_ub", "mean"))
        .reset_index()
    )
    fig = forest_plot(studies, {**pooled(6), "q_between": 1.2, "q_between_p": 0.27}, subgroups=subgroups).figure
    diamonds = [p for p in fig.axes[0].patches if p.get_gid() == "subgroup-diamond"]
    assert len(diamonds) == 2
    assert sorted(t.get_text() for t in _texts(fig, "heading-label")) == ["esketamine", "ketamine"]
    assert gid_mark_count(fig, "rob-dot") == 6


def test_axis_covers_wide_subtotal_diamonds():
    studies = forest_studies(4)
    studies["subgroup"] = ["a", "a", "b", "b"]
    subgroups = studies.groupby("subgroup").agg(k=("yi", "size"), estimate=("yi", "mean")).reset_index()
    subgroups["ci_lb"], subgroups["ci_ub"] = [-3.0, 0.0], [4.5, 0.5]
    fig = forest_plot(studies, pooled(4), subgroups=subgroups).figure
    lo, hi = fig.axes[0].get_xlim()
    assert lo <= -3.0 and hi >= 4.5
    wide = next(p for p in fig.axes[0].patches if p.get_gid() == "subgroup-diamond" and p.get_xy()[:, 0].min() < -2)
    assert wide.get_xy()[:, 0].min() == pytest.approx(-3.0) and wide.get_xy()[:, 0].max() == pytest.approx(4.5)


def test_byte_identical_reruns(tmp_path):
    for run in ("a", "b"):
        save_figure(forest_plot(forest_studies(5), pooled(5)).figure, tmp_path / run / "forest")
    for ext in ("svg", "png"):
        assert (tmp_path / "a" / f"forest.{ext}").read_bytes() == (tmp_path / "b" / f"forest.{ext}").read_bytes()
    svg = (tmp_path / "a" / "forest.svg").read_text()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg


@pytest.mark.parametrize("width", ["double", "single"])
@pytest.mark.parametrize("k", [1, 5])
def test_ratio_forest_names_the_log_scale_and_keeps_favours_sides(width, k):
    studies = forest_studies(k)
    studies.loc[0, ["yi", "ci_lb", "ci_ub"]] = [-0.63, -1.04, -0.22]  # widest effect text
    result = forest_plot(
        studies,
        {**pooled(k), "measure": "RR"} if k > 1 else None,
        measure="RR",
        width=width,
        title="Between arms: Physical, short window",
        favours=FAVOURS,
    )
    fig = result.figure
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts if t.get_gid() == "axis-label"] == ["Log risk ratio"]
    headers = [t.get_text().replace("\n", " ") for t in ax.texts if t.get_gid() == "header"]
    assert "log RR [95% CI]" in headers
    renderer = fig.canvas.get_renderer()
    null_x = ax.transData.transform((0.0, 0))[0]
    left, right = (t for t in ax.texts if t.get_gid() == "favours-label")
    assert left.get_text().replace("\n", " ") == "Favours control"
    assert left.get_window_extent(renderer).x1 <= null_x <= right.get_window_extent(renderer).x0
    assert right.get_text().replace("\n", " ") == "Favours ketamine/esketamine"
    assert "Scale: log risk ratio." in result.caption
    assert_no_text_overlap(fig)


def test_within_arm_favours_labels():
    result = forest_plot(forest_studies(5), pooled(5), favours=("Worse than baseline", "Better than baseline"))
    favours = [t.get_text().replace("\n", " ") for t in result.figure.axes[0].texts if t.get_gid() == "favours-label"]
    assert favours == ["Worse than baseline", "Better than baseline"]
    assert "right of the line of no effect are better than baseline." in result.caption


def _ratio_studies(k: int, flipped: list[bool]) -> pd.DataFrame:
    studies = forest_studies(k)
    studies.loc[0, ["yi", "ci_lb", "ci_ub"]] = [0.63, 0.22, 1.04]  # flipped log RR of a problem: RR 0.53
    return studies.assign(direction_flipped=pd.array(flipped, dtype="boolean"))


@pytest.mark.parametrize("width", ["double", "single"])
def test_adverse_event_ratios_are_back_transformed_on_a_log_axis(width):
    studies = _ratio_studies(5, [True] * 5)
    pooled_rr = {**pooled(5), "measure": "RR"}
    result = forest_plot(studies, pooled_rr, width=width, favours=FAVOURS)
    fig, ax = result.figure, result.figure.axes[0]
    assert _texts(fig, "effect-text")[0].get_text() == "0.53 [0.35, 0.80]"  # exp(-0.63) [exp(-1.04), exp(-0.22)]
    headers = [t.get_text().replace("\n", " ") for t in ax.texts if t.get_gid() == "header"]
    assert "RR [95% CI]" in headers
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "1" in labels and all(float(v) > 0 for v in labels)
    assert np.exp(ax.get_xticks()) == pytest.approx([float(v) for v in labels])
    square = next(c for c in ax.collections if c.get_gid() == "study-square").get_offsets()[0][0]
    assert square == pytest.approx(-0.63)  # plotted in log units of the event's own ratio
    diamond = next(p for p in ax.patches if p.get_gid() == "pooled-diamond").get_xy()[:, 0]
    assert sorted(set(np.round(diamond, 12))) == pytest.approx([-0.50, -0.31, -0.12])
    left, right = (t.get_text().replace("\n", " ") for t in ax.texts if t.get_gid() == "favours-label")
    assert (left, right) == ("Favours ketamine/esketamine", "Favours control")  # fewer events is better
    assert [t.get_text() for t in ax.texts if t.get_gid() == "axis-label"] == [
        "Risk ratio of an adverse event (fewer is better), log axis"
    ]
    assert "pooled RR 0.73 (95% CI 0.61 to 0.89)" in result.caption
    assert "95% prediction interval 0.46 to 1.16" in result.caption
    assert "favour control." in result.caption and "τ² on the log scale" in result.caption
    assert "Pooled RR 0.73" in result.alt and "above 1" in result.alt
    assert_no_text_overlap(fig)


def test_adverse_and_favourable_events_together_are_oriented_and_marked():
    studies = _ratio_studies(3, [True, False, False])
    result = forest_plot(studies, None, measure="OR", favours=FAVOURS)
    fig = result.figure
    texts = [t.get_text() for t in _texts(fig, "effect-text")]
    assert texts[0] == "1.88 [1.25, 2.83]\u2020" and not texts[1].endswith("\u2020")
    notes = " ".join(t.get_text() for t in _texts(fig, "note-text")).replace("\n", " ")
    assert "\u2020 Adverse event: the odds ratio is inverted (comparator over intervention)" in notes
    favours = [t.get_text().replace("\n", " ") for t in fig.axes[0].texts if t.get_gid() == "favours-label"]
    assert favours == list(FAVOURS)
    assert "Scale: odds ratio oriented so that values above 1 are better, log axis." in result.caption
    assert_no_text_overlap(fig)


def test_ratios_of_unknown_orientation_stay_on_the_log_scale():
    studies = _ratio_studies(3, [True, True, True])
    studies.loc[1, "direction_flipped"] = pd.NA  # a composite of adverse and favourable events
    result = forest_plot(studies, None, measure="RR", favours=FAVOURS)
    assert _texts(result.figure, "effect-text")[0].get_text() == "0.63 [0.22, 1.04]"
    assert "Scale: log risk ratio." in result.caption


@pytest.mark.parametrize("spread", [0.05, 1.0, 4.0, 9.0])
def test_log_ratio_tick_labels_never_overlap(spread):
    studies = _ratio_studies(4, [False] * 4)
    studies["ci_lb"], studies["ci_ub"] = studies["yi"] - spread, studies["yi"] + spread
    for width in ("single", "double"):
        fig = forest_plot(studies, None, measure="RR", width=width).figure
        assert len(fig.axes[0].get_xticks()) >= 2
        assert_no_text_overlap(fig)
