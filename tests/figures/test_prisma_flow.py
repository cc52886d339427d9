"""PRISMA 2020 flow diagram: counts, the PRISMA2020 CSV template, reasons and the layout of the boxes."""

from __future__ import annotations

import pandas as pd
import pytest

from figures_data import assert_no_text_overlap, assert_within, gid_texts, prisma
from qolreview.figures.prisma import parse_detail, prisma_flow, write_prisma_csv


def test_prisma_counts_and_not_reported():
    result = prisma_flow(prisma())
    fig = result.figure
    text = lambda key: gid_texts(fig, f"prisma-text-{key}")[0].replace("\n", " ")  # noqa: E731
    assert "Records excluded (n = not reported)" in text("records_excluded")
    assert "Records screened (n = 945)" in text("records_screened")
    assert "Wrong population (n = 10)" in text("dbr_excluded")
    assert "(n = not reported)" in text("removed")  # automation tools: no row in the table
    assert not gid_texts(fig, "prisma-text-other_identified")
    assert "studies included: 5" in result.caption
    other = prisma_flow(prisma(other=True)).figure
    assert "Citation searching (n = 3)" in gid_texts(other, "prisma-text-other_identified")[0].replace("\n", " ")


def test_prisma_csv_template_layout(tmp_path):
    path = write_prisma_csv(prisma(), tmp_path / "prisma.csv")
    table = pd.read_csv(path, keep_default_na=False, dtype=str)
    assert list(table.columns) == ["data", "node", "box", "description", "boxtext", "tooltips", "url", "n"]
    n = dict(zip(table["data"], table["n"], strict=True))
    assert n["records_screened"] == "945" and n["records_excluded"] == "NA"
    assert n["database_specific_results"] == "PubMed, 700; Scopus, 500"
    assert n["dbr_excluded"] == "Wrong population, 10; No QoL outcome, 25"
    assert table.loc[table["data"] == "records_screened", "node"].item() == "node9"


def test_parse_detail():
    assert parse_detail("Wrong design, 3; other reason") == [("Wrong design", 3), ("other reason", None)]
    assert parse_detail(None) == []


@pytest.mark.parametrize("width", ["double", "single"])
@pytest.mark.parametrize("other", [False, True])
def test_prisma_labels_lie_within_their_boxes(width, other):
    table = prisma(other=other)
    table.loc[table["box"] == "dbr_excluded", "detail"] = None
    fig = prisma_flow(table, width=width).figure
    ax = fig.axes[0]
    rects = {p.get_gid(): p for p in ax.patches}
    texts = {t.get_gid(): t for t in ax.texts if (t.get_gid() or "").startswith("prisma-text-")}
    assert texts
    for gid, text in texts.items():
        assert_within(fig, text, rects[gid.replace("prisma-text-", "prisma-box-")])
    phases = [p for p in ax.patches if p.get_gid() == "prisma-phase"]
    labels = [t for t in ax.texts if t.get_gid() == "prisma-title" and t.get_rotation() == 90]
    assert [t.get_text() for t in labels] == ["Identification", "Screening", "Included"]
    for text, rect in zip(labels, phases, strict=True):
        assert_within(fig, text, rect)
    assert " ".join(texts["prisma-text-dbr_excluded"].get_text().split()) == "Reports excluded (n = 35)"
    assert_no_text_overlap(fig)


def test_prisma_colon_only_before_listed_reasons():
    text = gid_texts(prisma_flow(prisma()).figure, "prisma-text-dbr_excluded")[0]
    assert text.splitlines()[0] == "Reports excluded (n = 35):"
