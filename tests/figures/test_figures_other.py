"""Effect-direction, risk-of-bias, PRISMA, QoL-over-time and evidence-map figures; captions file."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from qolreview.figures import style
from qolreview.figures.captions import write_captions
from qolreview.figures.effect_direction import effect_direction_plot, size_bin
from qolreview.figures.evidence_map import evidence_map
from qolreview.figures.prisma import parse_detail, prisma_flow, write_prisma_csv
from qolreview.figures.stage import subgroup_variable
from qolreview.figures.risk_of_bias import summary_plot, summary_proportions, traffic_light_plot
from qolreview.figures.save import save_figure
from qolreview.figures.trajectories import trajectories_plot
from figures_data import assert_no_text_overlap, assert_within, directions, evidence, prisma, risk_of_bias


def _gid_texts(fig, gid):
    return [t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == gid]


def _gid_collections(fig, prefix):
    return [c.get_gid() for ax in fig.axes for c in ax.collections if (c.get_gid() or "").startswith(prefix)]


# Effect direction plot -------------------------------------------------------------------------------

def test_edp_glyph_counts_sizes_and_colours():
    table, votes = directions()
    result = effect_direction_plot(table, votes)
    fig = result.figure
    assert len(_gid_texts(fig, "edp-improved")) == 6
    assert len(_gid_texts(fig, "edp-worsened")) == 1
    assert len(_gid_texts(fig, "edp-no_clear_difference")) + len(_gid_texts(fig, "edp-mixed")) == 2
    assert _gid_texts(fig, "edp-worsened") == ["\u25bc"]
    assert _gid_texts(fig, "edp-improved")[-2:] == ["\u25b2\u2020", "\u25b2\u2020"]  # study C: as reported
    assert _gid_texts(fig, "row-label") == ["Study A 2024", "Study B 2023", "Study C 2022"]
    glyphs = {t.get_text(): t for t in fig.axes[0].texts if t.get_gid() == "edp-worsened"}
    assert glyphs["\u25bc"].get_color() == style.ROB_PALETTES["cochrane"]["Serious"]
    assert _gid_texts(fig, "summary-cell")[0].splitlines() == ["3/3", "100%", "(44-100)", "0.250"]
    assert "Overall QoL 3/3 (p = 0.250)" in result.caption
    assert "6 results improved, 1 worsened" in result.alt


@pytest.mark.parametrize("width", ["double", "single"])
def test_edp_layout_and_sideways_glyphs(width):
    table, votes = directions()
    fig = effect_direction_plot(table, votes, width=width).figure
    assert_no_text_overlap(fig)
    assert _gid_texts(fig, "edp-mixed") == ["\u25c1\u25b7\u2020"]  # open sideways arrows, "as reported" mark
    assert _gid_texts(fig, "edp-no_clear_difference") == ["\u25c4\u25ba"]  # filled: no clear difference
    legend = " ".join(_gid_texts(fig, "legend"))
    assert "\u25c4\u25ba no clear difference (no change)" in legend
    assert "\u25c1\u25b7 mixed or conflicting findings" in legend
    assert "\u25a0 Not assessed" in legend and "\u25a0 Low" in legend and "\u25a0 Serious" in legend
    label = _gid_texts(fig, "summary-label")[0].splitlines()
    assert label == ["Improved / with direction", "% improved", "(95% CI)", "Sign test p"]
    assert all(len(cell.splitlines()) == len(label) for cell in _gid_texts(fig, "summary-cell"))
    sizes = {t.get_fontsize() for ax in fig.axes for t in ax.texts if t.get_gid() in ("legend", "summary-cell")}
    assert sizes == {style.fonts(width).small}


def test_edp_size_bins():
    assert [size_bin(n) for n in (301, 300, 50, 49, None)] == ["large", "medium", "medium", "small", "unknown"]


def test_edp_rejects_unknown_direction():
    table, votes = directions()
    table.loc[0, "direction"] = "better"
    with pytest.raises(ValueError, match="unknown directions"):
        effect_direction_plot(table, votes)


# Risk of bias ----------------------------------------------------------------------------------------

def test_traffic_light_marks_missing_judgements_not_assessed():
    rob = risk_of_bias()
    extra = pd.DataFrame({"study_id": ["x"], "label": ["Unassessed study"]})
    result = traffic_light_plot(rob, "ROBINS-I", studies=extra)
    cells = _gid_collections(result.figure, "rob-cell-")
    assert len(cells) == 4 * 8
    assert cells.count("rob-cell-Not assessed") == 8 + 1  # the unlisted study plus one missing domain
    assert _gid_texts(result.figure, "row-label") == ["ROBINS study 0", "ROBINS study 1", "ROBINS study 2",
                                                       "Unassessed study"]
    assert "Overall judgements: Low 1; Moderate 1; Serious 1; Not assessed 1." in result.caption


def test_studies_without_any_judgement_are_captioned_as_not_assessed():
    rob = pd.DataFrame({"study_id": ["a", "b"], "label": ["Study A", "Study B"], "tool": "none",
                        "domain": "overall", "judgement": "Not assessed"})
    result = traffic_light_plot(rob, "none")
    assert _gid_collections(result.figure, "rob-cell-").count("rob-cell-Not assessed") == 2
    assert result.caption == ("Risk of bias of 2 studies without risk-of-bias judgements (traffic-light plot): "
                              "all shown as not assessed, never as low risk.")


def test_nos_stars_and_rating():
    result = traffic_light_plot(risk_of_bias(), "NOS", palette="colourblind")
    cells = _gid_collections(result.figure, "rob-cell-")
    assert cells.count("rob-cell-4") == 2 and cells.count("rob-cell-Good") == 1 and cells.count("rob-cell-Poor") == 1
    assert "4\u2605" in _gid_texts(result.figure, "rob-symbol")


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


# PRISMA ----------------------------------------------------------------------------------------------

def test_prisma_counts_and_not_reported():
    result = prisma_flow(prisma())
    fig = result.figure
    text = lambda key: _gid_texts(fig, f"prisma-text-{key}")[0].replace("\n", " ")  # noqa: E731
    assert "Records excluded (n = not reported)" in text("records_excluded")
    assert "Records screened (n = 945)" in text("records_screened")
    assert "Wrong population (n = 10)" in text("dbr_excluded")
    assert "(n = not reported)" in text("removed")  # automation tools: no row in the table
    assert not _gid_texts(fig, "prisma-text-other_identified")
    assert "studies included: 5" in result.caption
    other = prisma_flow(prisma(other=True)).figure
    assert "Citation searching (n = 3)" in _gid_texts(other, "prisma-text-other_identified")[0].replace("\n", " ")


def test_prisma_csv_template_layout(tmp_path):
    path = write_prisma_csv(prisma(), tmp_path / "prisma.csv")
    table = pd.read_csv(path, keep_default_na=False, dtype=str)
    assert list(table.columns) == ["data", "node", "box", "description", "boxtext", "tooltips", "url", "n"]
    n = dict(zip(table["data"], table["n"]))
    assert n["records_screened"] == "945" and n["records_excluded"] == "NA"
    assert n["database_specific_results"] == "PubMed, 700; Scopus, 500"
    assert n["dbr_excluded"] == "Wrong population, 10; No QoL outcome, 25"
    assert table.loc[table["data"] == "records_screened", "node"].item() == "node9"


def test_parse_detail():
    assert parse_detail("Wrong design, 3; other reason") == [("Wrong design", 3), ("other reason", None)]
    assert parse_detail(None) == []


# QoL over time and evidence map ----------------------------------------------------------------------

def test_trajectories_panels_and_lines():
    rows = [{"study_id": s, "label": s.upper(), "domain": d, "instrument": "AQoL-8D", "subscale": d,
             "timepoint_weeks": w, "value": v, "ci_lb": v - 0.2, "ci_ub": v + 0.2, "value_kind": "SMD",
             "comparison": "between_arms"}
            for s in ("a", "b") for d in ("overall", "physical") for w, v in ((0, 0.0), (4, 0.3), (16, 0.5))]
    result = trajectories_plot(pd.DataFrame(rows))
    titles = [ax.get_title(loc="left") for ax in result.figure.axes]
    assert titles == ["Overall QoL: between arms, SMD", "Physical: between arms, SMD"]
    series = [ln for ax in result.figure.axes for ln in ax.lines if (ln.get_gid() or "").startswith("series-")]
    assert len(series) == 4 and list(series[0].get_xdata()) == [0, 4, 16]
    assert "0.0 to 16.0 weeks" in result.caption


def test_trajectory_panels_of_one_domain_differ_by_comparison_and_measure():
    rows = [{"study_id": "a", "label": "A", "domain": "overall", "instrument": "EQ-5D-5L", "subscale": "index",
             "timepoint_weeks": 4.0, "value": v, "value_kind": kind, "comparison": comparison}
            for comparison, kind, v in (("between_arms", "SMD", 0.3), ("within_arm_prepost", "SMCC", 1.1),
                                        ("between_arms", "RR", 0.6), ("between_arms", "RD", 0.2))]
    for width in ("double", "single"):
        fig = trajectories_plot(pd.DataFrame(rows), width=width).figure
        titles = [ax.get_title(loc="left").replace("\n", " ") for ax in fig.axes]
        assert titles == ["Overall QoL: between arms, RD", "Overall QoL: between arms, log RR",
                          "Overall QoL: between arms, SMD", "Overall QoL: within arm, pre-post, SMCC"]
        ylabels = [ax.get_ylabel().replace("\n", " ") for ax in fig.axes]
        assert ylabels[0] == "Risk difference"
        assert ylabels[1] == "Log risk ratio (positive = fewer with problems)"
        assert_no_text_overlap(fig)


def test_evidence_map_keeps_the_most_informative_status():
    data = pd.DataFrame([
        {"study_id": "a", "label": "A", "instrument": "EQ-5D-5L", "domain": "overall", "status": "not_convertible"},
        {"study_id": "a", "label": "A", "instrument": "EQ-5D-5L", "domain": "overall", "status": "effect_size"},
        {"study_id": "b", "label": "B", "instrument": "AQoL-8D", "domain": "physical", "status": "direction_only"},
    ])
    result = evidence_map(data)
    assert sorted(_gid_collections(result.figure, "status-")) == ["status-direction_only", "status-effect_size"]
    assert "effect size computed 1; direction only 1; reported, not convertible 0" in result.caption


# Determinism and captions ----------------------------------------------------------------------------

def test_byte_identical_reruns_and_captions_json(tmp_path):
    table, votes = directions()
    entries = {}
    for run in ("a", "b"):
        for stem, result in (("edp", effect_direction_plot(table, votes)), ("prisma", prisma_flow(prisma())),
                             ("rob", traffic_light_plot(risk_of_bias(), "ROBINS-I"))):
            save_figure(result.figure, tmp_path / run / stem)
            entries[stem] = result
        write_captions(entries, tmp_path / run / "captions.json")
    for name in ("edp.svg", "edp.png", "prisma.svg", "prisma.png", "rob.svg", "rob.png", "captions.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    captions = json.loads((tmp_path / "a" / "captions.json").read_text(encoding="utf-8"))
    assert sorted(captions) == ["edp", "prisma", "rob"]
    assert captions["prisma"]["caption"].startswith("PRISMA 2020 flow diagram.")


# Layout on real-sized inputs --------------------------------------------------------------------------

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
    for text, rule in zip(headers, rules):
        box = text.get_window_extent(renderer)
        x0, x1 = (ax.transData.transform((x, 0))[0] for x in rule.get_xdata())
        assert x0 - 2 <= box.x0 and box.x1 <= x1 + 2, (text.get_text(), box, x0, x1)
    instruments = [t.get_text().replace("\n", "") for t in ax.texts if t.get_gid() == "instrument-header"]
    assert instruments == ["AQoL-8D", "EQ-5D-5L", "WHOQOL-BREF", "EQ-5D-5L", "EQ-5D-5L"]


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
    for text, rect in zip(labels, phases):
        assert_within(fig, text, rect)
    assert " ".join(texts["prisma-text-dbr_excluded"].get_text().split()) == "Reports excluded (n = 35)"
    assert_no_text_overlap(fig)


def test_prisma_colon_only_before_listed_reasons():
    text = _gid_texts(prisma_flow(prisma()).figure, "prisma-text-dbr_excluded")[0]
    assert text.splitlines()[0] == "Reports excluded (n = 35):"


# Subgroup variable of a pooled forest plot -------------------------------------------------------------

@pytest.mark.parametrize(("choice", "present", "expected"), [
    ("auto", ["population", "design"], "population"),
    ("auto", ["design", "drug"], "drug"),
    ("auto", [], None),
    ("none", ["drug"], None),
    ("design", ["drug", "design"], "design"),
    ("design", ["drug"], None),
])
def test_subgroup_variable(choice, present, expected):
    subgroups = pd.DataFrame({"subgroup_var": present})
    assert subgroup_variable(subgroups, choice, ["drug", "population", "design"]) == expected
