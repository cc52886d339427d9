"""Effect direction plot (Thomson & Thomas 2013): glyphs, sizes, colours, layout and caption."""

from __future__ import annotations

import pytest

from figures_data import DOMAIN_NAMES, assert_no_text_overlap, directions, gid_texts
from qolreview.figures import style
from qolreview.figures.effect_direction import effect_direction_plot, size_bin


def test_edp_glyph_counts_sizes_and_colours():
    table, votes = directions()
    result = effect_direction_plot(table, votes, domain_names=DOMAIN_NAMES)
    fig = result.figure
    assert len(gid_texts(fig, "edp-improved")) == 6
    assert len(gid_texts(fig, "edp-worsened")) == 1
    assert len(gid_texts(fig, "edp-no_clear_difference")) + len(gid_texts(fig, "edp-mixed")) == 2
    assert gid_texts(fig, "edp-worsened") == ["\u25bc"]
    assert gid_texts(fig, "edp-improved")[-2:] == ["\u25b2\u2020", "\u25b2\u2020"]  # study C: as reported
    assert gid_texts(fig, "row-label") == ["Study A 2024", "Study B 2023", "Study C 2022"]
    glyphs = {t.get_text(): t for t in fig.axes[0].texts if t.get_gid() == "edp-worsened"}
    assert glyphs["\u25bc"].get_color() == style.ROB_PALETTES["cochrane"]["Serious"]
    assert gid_texts(fig, "summary-cell")[0].splitlines() == ["3/3", "100%", "(44-100)", "0.250"]
    assert "Overall QoL 3/3 (p = 0.250)" in result.caption
    assert "6 results improved, 1 worsened" in result.alt


def test_arrows_follow_the_counts_rule_and_the_ci_layer_is_boxed_and_labelled():
    table, votes = directions()
    result = effect_direction_plot(table, votes, domain_names=DOMAIN_NAMES)
    fig = result.figure
    arrows = [t for t in fig.axes[0].texts if (t.get_gid() or "").startswith("edp-")]
    boxed = [t for t in arrows if t.get_bbox_patch() is not None]
    # Study A overall: improved by its point estimates, but its CIs include no effect: not boxed. Study C's
    # directions are reported in words: no CI, never boxed.
    assert len(boxed) == 4 and all(t.get_gid() in ("edp-improved", "edp-worsened") for t in boxed)
    assert arrows[0].get_bbox_patch() is None
    legend = [t for t in fig.axes[0].texts if t.get_gid() == "legend"]
    assert [t.get_text() for t in legend if t.get_bbox_patch() is not None] == ["\u25b2"]
    assert "CI layer; not used for counts" in " ".join(t.get_text() for t in legend)
    assert "Boxed arrows (4 of 9)" in result.caption and "the same rule as the vote counts" in result.caption
    assert "4 with confidence intervals excluding no effect" in result.alt
    assert_no_text_overlap(fig)


def test_arrows_of_studies_without_a_risk_of_bias_judgement_are_black_with_a_legend_entry():
    table, votes = directions()
    fig = effect_direction_plot(table, votes, domain_names=DOMAIN_NAMES).figure
    c_arrows = [t for t in fig.axes[0].texts if t.get_text().endswith("\u2020")]  # study C: not assessed
    assert c_arrows and {t.get_color() for t in c_arrows} == {style.INK}
    legend = {t.get_text(): t.get_color() for t in fig.axes[0].texts if t.get_gid() == "legend"}
    assert legend["\u25a0 Risk of bias not assessed"] == style.INK
    assert legend["\u25a0 Low"] == style.ROB_PALETTES["cochrane"]["Low"]
    no_layer = effect_direction_plot(table.drop(columns="ci_direction"), votes, domain_names=DOMAIN_NAMES)
    assert not [t for t in no_layer.figure.axes[0].texts if t.get_bbox_patch() is not None]
    assert "Boxed" not in no_layer.caption


@pytest.mark.parametrize("width", ["double", "single"])
def test_edp_layout_and_sideways_glyphs(width):
    table, votes = directions()
    fig = effect_direction_plot(table, votes, width=width, domain_names=DOMAIN_NAMES).figure
    assert_no_text_overlap(fig)
    assert gid_texts(fig, "edp-mixed") == ["\u25c1\u25b7\u2020"]  # open sideways arrows, "as reported" mark
    assert gid_texts(fig, "edp-no_clear_difference") == ["\u25c4\u25ba"]  # filled: no clear difference
    legend = " ".join(gid_texts(fig, "legend"))
    assert "\u25c4\u25ba no clear difference (no change)" in legend
    assert "\u25c1\u25b7 mixed or conflicting findings" in legend
    assert "\u25a0 Risk of bias not assessed" in legend and "\u25a0 Low" in legend and "\u25a0 Serious" in legend
    label = gid_texts(fig, "summary-label")[0].splitlines()
    assert label == ["Improved / with direction", "% improved", "(95% CI)", "Sign test p"]
    assert all(len(cell.splitlines()) == len(label) for cell in gid_texts(fig, "summary-cell"))
    sizes = {t.get_fontsize() for ax in fig.axes for t in ax.texts if t.get_gid() in ("legend", "summary-cell")}
    assert sizes == {style.fonts(width).small}


def test_edp_size_bins():
    assert [size_bin(n) for n in (301, 300, 50, 49, None)] == ["large", "medium", "medium", "small", "unknown"]


def test_edp_rejects_unknown_direction():
    table, votes = directions()
    table.loc[0, "direction"] = "better"
    with pytest.raises(ValueError, match="unknown directions"):
        effect_direction_plot(table, votes, domain_names=DOMAIN_NAMES)


def test_each_comparison_gets_its_own_caption() -> None:
    table, votes = directions()
    between = effect_direction_plot(table.assign(comparison="between_arms"), votes, domain_names=DOMAIN_NAMES)
    within = effect_direction_plot(table.assign(comparison="within_arm_prepost"), votes, domain_names=DOMAIN_NAMES)
    assert between.caption.startswith("Effect direction plot (between arms) of ")
    assert within.caption.startswith("Effect direction plot (within arm, pre-post) of ")
    assert "not with a control" in within.caption and "not with a control" not in between.caption
