"""QoL-over-time panels and the evidence map: panels, lines, statuses and the layout of the headers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from figures_data import DOMAIN_NAMES, assert_no_text_overlap, evidence, gid_collections, gid_texts
from qolreview.figures.evidence_map import evidence_map
from qolreview.figures.save import save_figure
from qolreview.figures.trajectories import MAX_LABELLED_STUDIES, series_label, spread, trajectories_plot


def test_trajectories_panels_and_lines():
    rows = [
        {
            "study_id": s,
            "label": s.upper(),
            "domain": d,
            "instrument": "AQoL-8D",
            "subscale": d,
            "timepoint_weeks": w,
            "value": v,
            "ci_lb": v - 0.2,
            "ci_ub": v + 0.2,
            "value_kind": "SMD",
            "comparison": "between_arms",
        }
        for s in ("a", "b")
        for d in ("overall", "physical")
        for w, v in ((0, 0.0), (4, 0.3), (16, 0.5))
    ]
    result = trajectories_plot(pd.DataFrame(rows), domain_names=DOMAIN_NAMES)
    titles = [ax.get_title(loc="left") for ax in result.figure.axes]
    assert titles == ["Overall QoL: between arms, SMD", "Physical: between arms, SMD"]
    series = [ln for ax in result.figure.axes for ln in ax.lines if (ln.get_gid() or "").startswith("series-")]
    assert len(series) == 4
    # Study a and study b share every timepoint: their points are spread symmetrically around it.
    a, b = np.asarray(series[0].get_xdata()), np.asarray(series[1].get_xdata())
    assert (a + b) / 2 == pytest.approx([0, 4, 16]) and np.all(b - a > 0) and np.ptp(b - a) < 1e-9
    assert gid_texts(result.figure, "series-label") == ["AQoL-8D: overall"] * 2 + ["AQoL-8D: physical"] * 2
    assert "0.0 to 16.0 weeks" in result.caption and "spread sideways" in result.caption


def _same_time(n: int, kind: str = "SMCC") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "study_id": [f"s{i % 3}" for i in range(n)],
            "label": [f"Study {i % 3}" for i in range(n)],
            "domain": "overall",
            "instrument": [f"Instrument {i}" for i in range(n)],
            "subscale": "total",
            "timepoint_weeks": 4.0,
            "value": [1.0 + 0.01 * i for i in range(n)],
            "ci_lb": [0.8 + 0.01 * i for i in range(n)],
            "ci_ub": [1.2 + 0.01 * i for i in range(n)],
            "value_kind": kind,
            "comparison": "within_arm_prepost",
        }
    )


@pytest.mark.parametrize("width", ["double", "single"])
@pytest.mark.parametrize("n", [1, 4, 9])
def test_points_at_one_time_are_dodged_and_labelled_by_instrument(width, n):
    fig = trajectories_plot(_same_time(n), width=width, domain_names=DOMAIN_NAMES).figure
    xs = sorted(
        float(x) for ln in fig.axes[0].lines if (ln.get_gid() or "").startswith("series-") for x in ln.get_xdata()
    )
    assert len(set(np.round(xs, 9))) == n and np.mean(xs) == pytest.approx(4.0)
    assert sorted(gid_texts(fig, "series-label")) == sorted(f"Instrument {i}" for i in range(n))
    assert_no_text_overlap(fig)


def test_a_review_of_many_studies_gets_the_compact_figure_of_a_fixed_size():
    """Above MAX_LABELLED_STUDIES studies: grey lines in one collection per panel, the median in bold, no labels
    or legend; the figure does not grow with the studies."""

    def review(k: int) -> pd.DataFrame:
        rows = _same_time(3 * k).assign(
            study_id=[f"s{i // 3:03d}" for i in range(3 * k)],
            label=[f"Study {i // 3}" for i in range(3 * k)],
            instrument="EQ-5D-5L",
            timepoint_weeks=[[0.0, 4.0, 12.0][i % 3] for i in range(3 * k)],
            value=[[0.0, 1.0, 2.0][i % 3] + 0.01 * (i // 3) for i in range(3 * k)],
        )
        return rows.drop(columns=["ci_lb", "ci_ub"])

    small = trajectories_plot(review(MAX_LABELLED_STUDIES + 1), domain_names=DOMAIN_NAMES)
    large = trajectories_plot(review(300), domain_names=DOMAIN_NAMES)
    assert tuple(small.figure.get_size_inches()) == tuple(large.figure.get_size_inches())
    ax = large.figure.axes[0]
    (lines,) = [c for c in ax.collections if c.get_gid() == "series"]
    assert len(lines.get_segments()) == 300
    (median,) = [ln for ln in ax.lines if ln.get_gid() == "median"]
    assert list(median.get_xdata()) == [0.0, 4.0, 12.0]
    assert list(median.get_ydata()) == pytest.approx([1.495, 2.495, 3.495])  # 0/1/2 + the median offset 1.495
    assert gid_texts(large.figure, "series-label") == [] and not large.figure.legends
    assert large.caption.startswith("Quality of life over time in 300 studies: one panel per domain")
    assert f"With more than {MAX_LABELLED_STUDIES} studies the lines are not labelled" in large.caption
    labelled = trajectories_plot(review(MAX_LABELLED_STUDIES), domain_names=DOMAIN_NAMES).figure
    assert len(gid_texts(labelled, "series-label")) == MAX_LABELLED_STUDIES


@pytest.mark.parametrize("width", ["double", "single"])
def test_a_crowded_panel_grows_to_fit_its_labels(width):
    crowded = _same_time(24).assign(
        subscale=[f"a long subscale name number {i}" if i % 3 == 0 else "total" for i in range(24)],
        timepoint_weeks=[4.0 * (1 + i % 4) for i in range(24)],
    )
    sparse = _same_time(2).assign(domain="physical")
    fig = trajectories_plot(
        pd.concat([crowded, sparse], ignore_index=True), width=width, domain_names=DOMAIN_NAMES
    ).figure
    assert_no_text_overlap(fig)
    renderer = fig.canvas.get_renderer()
    panel = fig.axes[0].get_window_extent(renderer)
    for text in (t for t in fig.axes[0].texts if t.get_gid() == "series-label"):
        box = text.get_window_extent(renderer)
        assert panel.y0 - 0.5 <= box.y0 and box.y1 <= panel.y1 + 0.5, text.get_text()


def test_a_bound_is_drawn_as_an_open_marker_with_an_arrow_not_as_an_estimate(tmp_path):
    rows = _same_time(2, "pct_change").assign(value=[10.0, 4.0], ci_lb=np.nan, ci_ub=np.nan)
    rows["value_qualifier"] = [">", None]
    rows.loc[1, "timepoint_weeks"] = 8.0
    rows["study_id"], rows["instrument"], rows["subscale"] = "s0", "AQoL-8D", "all dimensions"  # one series
    result = trajectories_plot(rows, domain_names=DOMAIN_NAMES)
    ax = result.figure.axes[0]
    line = next(ln for ln in ax.lines if (ln.get_gid() or "").startswith("series-"))
    assert list(line.get_ydata()) == [4.0]  # the bound is not joined to the estimates
    marker = next(ln for ln in ax.lines if ln.get_gid() == "bound-marker")
    assert list(marker.get_ydata()) == [10.0] and marker.get_markerfacecolor() in ("white", "w", (1.0, 1.0, 1.0, 1.0))
    arrow = next(t for t in ax.texts if t.get_gid() == "bound-arrow")
    assert arrow.xy[1] > 10.0 and ax.get_ylim()[1] >= arrow.xy[1]  # pointing up, inside the panel
    assert "Open markers with an arrow are bounds, not estimates" in result.caption
    assert "(AQoL-8D: all dimensions > 10.00)" in result.caption
    assert "1 value reported only as a bound" in result.alt
    for run in ("a", "b"):
        save_figure(trajectories_plot(rows, domain_names=DOMAIN_NAMES).figure, tmp_path / run / "qol")
    for ext in ("svg", "png"):
        assert (tmp_path / "a" / f"qol.{ext}").read_bytes() == (tmp_path / "b" / f"qol.{ext}").read_bytes()


def test_labels_are_spread_without_overlap_inside_the_panel():
    centres = spread([0.5, 0.5, 0.52, 0.99], [0.1] * 4)
    assert all(b - a >= 0.1 - 1e-12 for a, b in zip(sorted(centres), sorted(centres)[1:], strict=False))
    assert max(centres) + 0.05 <= 1.0 + 1e-12 and min(centres) - 0.05 >= 0.0
    assert spread([0.2], [0.1]) == [0.2]
    assert series_label("QLDS", "total") == "QLDS" and series_label("EQ-VAS", "VAS") == "EQ-VAS"
    assert series_label("EQ-5D-5L", "mobility") == "EQ-5D-5L: mobility"


def test_trajectory_panels_of_one_domain_differ_by_comparison_and_measure():
    rows = [
        {
            "study_id": "a",
            "label": "A",
            "domain": "overall",
            "instrument": "EQ-5D-5L",
            "subscale": "index",
            "timepoint_weeks": 4.0,
            "value": v,
            "value_kind": kind,
            "comparison": comparison,
        }
        for comparison, kind, v in (
            ("between_arms", "SMD", 0.3),
            ("within_arm_prepost", "SMCC", 1.1),
            ("between_arms", "RR", 0.6),
            ("between_arms", "RD", 0.2),
        )
    ]
    for width in ("double", "single"):
        fig = trajectories_plot(pd.DataFrame(rows), width=width, domain_names=DOMAIN_NAMES).figure
        titles = [ax.get_title(loc="left").replace("\n", " ") for ax in fig.axes]
        assert titles == [
            "Overall QoL: between arms, RD",
            "Overall QoL: between arms, log RR",
            "Overall QoL: between arms, SMD",
            "Overall QoL: within arm, pre-post, SMCC",
        ]
        ylabels = [ax.get_ylabel().replace("\n", " ") for ax in fig.axes]
        assert ylabels[0] == "Risk difference"
        assert ylabels[1] == "Log risk ratio (positive = fewer with problems)"
        assert_no_text_overlap(fig)


def test_evidence_map_keeps_the_most_informative_status():
    data = pd.DataFrame(
        [
            {"study_id": "a", "label": "A", "instrument": "EQ-5D-5L", "domain": "overall", "status": "not_convertible"},
            {"study_id": "a", "label": "A", "instrument": "EQ-5D-5L", "domain": "overall", "status": "effect_size"},
            {"study_id": "b", "label": "B", "instrument": "AQoL-8D", "domain": "physical", "status": "direction_only"},
        ]
    )
    result = evidence_map(data, domain_names=DOMAIN_NAMES)
    assert sorted(gid_collections(result.figure, "status-")) == ["status-direction_only", "status-effect_size"]
    assert "effect size computed 1; direction only 1; reported, not convertible 0" in result.caption


@pytest.mark.parametrize("width", ["double", "single"])
@pytest.mark.parametrize("k", [1, 5, 50])
def test_evidence_map_texts_never_overlap(k, width):
    fig = evidence_map(evidence(k, many=False), width=width, domain_names=DOMAIN_NAMES).figure
    assert_no_text_overlap(fig)
    fig = evidence_map(evidence(k, many=True), width=width, domain_names=DOMAIN_NAMES).figure
    assert_no_text_overlap(fig)


@pytest.mark.parametrize("width", ["double", "single"])
def test_evidence_map_domain_headers_fit_their_group(width):
    fig = evidence_map(evidence(5, many=False), width=width, domain_names=DOMAIN_NAMES).figure
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    headers = [t for t in ax.texts if t.get_gid() == "domain-header"]
    rules = [ln for ln in ax.lines if ln.get_gid() == "domain-rule"]
    assert [t.get_text().replace("\n", " ") for t in headers] == ["Overall QoL", "Physical", "Daily functioning"]
    for text, rule in zip(headers, rules, strict=True):
        box = text.get_window_extent(renderer)
        x0, x1 = (ax.transData.transform((x, 0))[0] for x in rule.get_xdata())
        assert x0 - 2 <= box.x0 and box.x1 <= x1 + 2, (text.get_text(), box, x0, x1)
    instruments = [t.get_text().replace("\n", "") for t in ax.texts if t.get_gid() == "instrument-header"]
    assert instruments == ["AQoL-8D", "EQ-5D-5L", "WHOQOL-BREF", "EQ-5D-5L", "EQ-5D-5L"]
