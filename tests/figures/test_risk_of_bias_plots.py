"""Risk-of-bias figures: traffic-light plots (ROBINS-I, NOS, none) and the weighted summary plot."""

from __future__ import annotations

import pandas as pd
import pytest

from figures_data import gid_collections, gid_texts, risk_of_bias
from qolreview.figures.risk_of_bias import summary_plot, summary_proportions, traffic_light_plot


def test_traffic_light_marks_missing_judgements_not_assessed():
    rob = risk_of_bias()
    extra = pd.DataFrame({"study_id": ["x"], "label": ["Unassessed study"]})
    result = traffic_light_plot(rob, "ROBINS-I", studies=extra)
    cells = gid_collections(result.figure, "rob-cell-")
    assert len(cells) == 4 * 8
    assert cells.count("rob-cell-Not assessed") == 8 + 1  # the unlisted study plus one missing domain
    assert gid_texts(result.figure, "row-label") == [
        "ROBINS study 0",
        "ROBINS study 1",
        "ROBINS study 2",
        "Unassessed study",
    ]
    assert "Overall judgements: Low 1; Moderate 1; Serious 1; Not assessed 1." in result.caption


def test_studies_without_any_judgement_are_captioned_as_not_assessed():
    rob = pd.DataFrame(
        {
            "study_id": ["a", "b"],
            "label": ["Study A", "Study B"],
            "tool": "none",
            "domain": "overall",
            "judgement": "Not assessed",
        }
    )
    result = traffic_light_plot(rob, "none")
    assert gid_collections(result.figure, "rob-cell-").count("rob-cell-Not assessed") == 2
    assert result.caption == (
        "Risk of bias of 2 studies without risk-of-bias judgements (traffic-light plot): "
        "all shown as not assessed, never as low risk."
    )


def test_nos_stars_and_rating():
    result = traffic_light_plot(risk_of_bias(), "NOS", palette="colourblind")
    cells = gid_collections(result.figure, "rob-cell-")
    assert cells.count("rob-cell-4") == 2 and cells.count("rob-cell-Good") == 1 and cells.count("rob-cell-Poor") == 1
    assert "4\u2605" in gid_texts(result.figure, "rob-symbol")


def test_weighted_summary_proportions():
    table = summary_proportions(risk_of_bias(), "ROBINS-I")
    assert table.loc["overall", "Serious"] == pytest.approx(0.5)
    assert table.loc["overall", "Moderate"] == pytest.approx(0.3)
    assert table.loc["D5", "Not assessed"] == pytest.approx(0.2)
    assert table.sum(axis=1).to_numpy() == pytest.approx([1.0] * 8)
    result = summary_plot(risk_of_bias(), "ROBINS-I")
    assert "proportion of participants (studies weighted by sample size)" in result.caption
    assert "Overall: Low 20%; Moderate 30%; Serious 50%" in result.caption
    assert result.figure.axes[0].get_xlabel() == "Participants (%; studies weighted by sample size)"
    unweighted = summary_plot(risk_of_bias().drop(columns="weight"), "ROBINS-I")
    assert "proportion of studies with each judgement" in unweighted.caption
    assert unweighted.figure.axes[0].get_xlabel() == "Studies (%)"
