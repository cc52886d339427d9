"""QoL-over-time panels and the evidence map: panels, lines, statuses and the layout of the headers."""

from __future__ import annotations

import pandas as pd
import pytest

from figures_data import assert_no_text_overlap, evidence, gid_collections
from qolreview.figures.evidence_map import evidence_map
from qolreview.figures.trajectories import trajectories_plot


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
    result = trajectories_plot(pd.DataFrame(rows))
    titles = [ax.get_title(loc="left") for ax in result.figure.axes]
    assert titles == ["Overall QoL: between arms, SMD", "Physical: between arms, SMD"]
    series = [ln for ax in result.figure.axes for ln in ax.lines if (ln.get_gid() or "").startswith("series-")]
    assert len(series) == 4 and list(series[0].get_xdata()) == [0, 4, 16]
    assert "0.0 to 16.0 weeks" in result.caption


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
        fig = trajectories_plot(pd.DataFrame(rows), width=width).figure
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
    result = evidence_map(data)
    assert sorted(gid_collections(result.figure, "status-")) == ["status-direction_only", "status-effect_size"]
    assert "effect size computed 1; direction only 1; reported, not convertible 0" in result.caption


@pytest.mark.parametrize("width", ["double", "single"])
@pytest.mark.parametrize("k", [1, 5, 50])
def test_evidence_map_texts_never_overlap(k, width):
    fig = evidence_map(evidence(k, many=False), width=width).figure
    assert_no_text_overlap(fig)
    fig = evidence_map(evidence(k, many=True), width=width).figure
    assert_no_text_overlap(fig)


@pytest.mark.parametrize("width", ["double", "single"])
def test_evidence_map_domain_headers_fit_their_group(width):
    fig = evidence_map(evidence(5, many=False), width=width).figure
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
