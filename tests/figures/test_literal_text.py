"""Text from the workbook is drawn literally in every figure: a label ``$\\foo$`` is no mathtext (which would fail
to draw: ``\\foo`` is no TeX symbol) and ``<b>`` no markup (``style.RC``: ``text.parse_math`` and ``text.usetex``
off). The funnel, bubble, Baujat, influence, cumulative and GOSH plots are checked in their own test files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.text import Text

from figures_data import DOMAIN_NAMES, directions, evidence, forest_studies, pooled, prisma, risk_of_bias
from qolreview.figures.effect_direction import effect_direction_plot
from qolreview.figures.evidence_map import evidence_map
from qolreview.figures.forest import forest_plot
from qolreview.figures.prisma import prisma_flow
from qolreview.figures.risk_of_bias import summary_plot, traffic_light_plot
from qolreview.figures.save import save_figure
from qolreview.figures.trajectories import trajectories_plot

LABEL = "$\\foo$ <b>x</b> 2020"


def _assert_literal(fig: Figure, tmp_path: Path, expected: str = LABEL) -> None:
    """``fig`` saves and draws, and every text holding ``expected`` is drawn as written, not parsed as math."""
    save_figure(fig, tmp_path / "figure")
    fig.canvas.draw()
    texts = [t for t in fig.findobj(Text) if expected in t.get_text().replace("\n", " ")]
    assert texts, f"{expected!r} is not drawn"
    for text in texts:
        assert text.get_parse_math() is False and not text.get_usetex()
        assert text._preprocess_math(text.get_text()) == (text.get_text(), False)


def test_forest_plot(tmp_path: Path) -> None:
    studies = forest_studies(3).assign(label=[LABEL, "b", "c"])
    _assert_literal(forest_plot(studies, pooled(3), title=LABEL).figure, tmp_path)


def test_effect_direction_plot(tmp_path: Path) -> None:
    table, votes = directions()
    table["label"] = table["label"].replace("Study A 2024", LABEL)
    _assert_literal(effect_direction_plot(table, votes, domain_names=DOMAIN_NAMES).figure, tmp_path)


def test_risk_of_bias_plots(tmp_path: Path) -> None:
    rob = risk_of_bias()
    rob["label"] = rob["label"].replace("ROBINS study 0", LABEL)
    _assert_literal(traffic_light_plot(rob, "ROBINS-I").figure, tmp_path)
    rob["domain"] = rob["domain"].replace("D1", LABEL)
    _assert_literal(summary_plot(rob, "ROBINS-I").figure, tmp_path)


def test_evidence_map(tmp_path: Path) -> None:
    table = evidence(3, many=False)
    table["label"] = table["label"].replace("Author0 2000 (TRIAL-0)", LABEL)
    table["instrument"] = table["instrument"].replace("AQoL-8D", "$x^2$")
    result = evidence_map(table, domain_names=DOMAIN_NAMES)
    _assert_literal(result.figure, tmp_path)
    _assert_literal(result.figure, tmp_path, "$x^2$")


def test_trajectories_plot(tmp_path: Path) -> None:
    rows = [
        {
            "study_id": "a",
            "label": LABEL,
            "domain": "overall",
            "instrument": "$x$",
            "subscale": "total",
            "timepoint_weeks": w,
            "value": v,
            "ci_lb": v - 0.2,
            "ci_ub": v + 0.2,
            "value_kind": "SMD",
            "comparison": "between_arms",
        }
        for w, v in ((0, 0.0), (4, 0.3))
    ]
    _assert_literal(trajectories_plot(pd.DataFrame(rows), domain_names=DOMAIN_NAMES).figure, tmp_path)


def test_prisma_flow(tmp_path: Path) -> None:
    table = prisma()
    table.loc[table["box"] == "dbr_excluded", "detail"] = f"{LABEL}, 10; No QoL outcome, 25"
    _assert_literal(prisma_flow(table).figure, tmp_path, "$\\foo$")
