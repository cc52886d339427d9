"""Long forest and cumulative forest plots continue over pages: rows in order and never split, one x axis and
one set of headers, the pooled result on the last page, bounded page heights, captions, stems and determinism."""

from __future__ import annotations

import json
from itertools import chain, pairwise

import numpy as np
import pandas as pd
import pytest

from figures_data import assert_no_text_overlap, forest_studies, gid_mark_count, gid_mark_sizes, gid_texts, pooled
from qolreview.figures import style
from qolreview.figures.cumulative import cumulative_forest_pages, cumulative_forest_plot
from qolreview.figures.forest import forest_pages, forest_plot
from qolreview.figures.save import save_figure
from qolreview.figures.stage import run_cumulative, run_forest
from qolreview.instruments import BUNDLED_REGISTRY
from qolreview.parquet_io import write_table

FAVOURS = ("Favours control", "Favours ketamine/esketamine")
TITLE = "Between arms: Physical, short window"


def _short_labels(studies: pd.DataFrame) -> pd.DataFrame:
    """The studies with one-line labels, so that one study is one row."""
    return studies.assign(label=[f"Author{i} {2000 + i % 25}" for i in range(len(studies))])


def _body_rows(fig, width: style.Width) -> float:
    """Height of a page's rows, in rows (lines of text)."""
    ax = fig.axes[0]
    return ax.get_position().height * fig.get_size_inches()[1] / style.row_in(width)


def _axis(fig) -> tuple[object, ...]:
    """The x axis of a page: limits, ticks, tick labels, scale and favours labels."""
    ax = fig.axes[0]
    texts = tuple(t.get_text() for t in ax.texts if t.get_gid() in ("axis-label", "favours-label"))
    return ax.get_xlim(), tuple(ax.get_xticks()), tuple(t.get_text() for t in ax.get_xticklabels()), texts


def _assert_pages_share_the_frame(pages, width: style.Width, max_rows: int) -> None:
    """Every page: the same axis, headers and margins, rows within ``max_rows``, no text overlapping."""
    first = pages[0].figure
    headers = gid_texts(first, "header")
    margin = first.get_size_inches()[1] - _body_rows(first, width) * style.row_in(width)
    for page in pages:
        fig = page.figure
        assert _axis(fig) == _axis(first)
        assert gid_texts(fig, "header") == headers
        assert _body_rows(fig, width) <= max_rows + 1e-9
        assert fig.get_size_inches()[1] - _body_rows(fig, width) * style.row_in(width) == pytest.approx(margin)
        assert_no_text_overlap(fig)


def test_two_hundred_studies_continue_over_pages():
    studies = _short_labels(forest_studies(200))
    pages = forest_pages(studies, pooled(200), max_rows=50, title=TITLE, favours=FAVOURS)
    # Four pages of 50 rows hold the studies; the summary (pooled result, prediction interval, heterogeneity)
    # needs a fifth, which takes the last study with it.
    assert len(pages) == 5
    per_page = [gid_texts(page.figure, "row-label") for page in pages]
    assert [len(labels) for labels in per_page] == [50, 50, 50, 49, 1]
    assert [label for labels in per_page for label in labels] == studies["label"].tolist()
    assert [gid_mark_count(page.figure, "study-square") for page in pages] == [50, 50, 50, 49, 1]
    one = forest_plot(studies, pooled(200), title=TITLE, favours=FAVOURS)
    whole = one.figure  # square sizes: the weights of the whole analysis
    sizes = gid_mark_sizes(whole, "study-square")
    paged = [size for page in pages for size in gid_mark_sizes(page.figure, "study-square")]
    assert paged == sizes
    for i, page in enumerate(pages, start=1):
        last = i == len(pages)
        patches = [p.get_gid() for p in page.figure.axes[0].patches]
        assert patches == (["pooled-diamond"] if last else [])
        assert bool([ln for ln in page.figure.axes[0].lines if ln.get_gid() == "prediction-interval"]) == last
        notes = " ".join(gid_texts(page.figure, "note-text"))
        assert ("Heterogeneity" in notes) == last
        title = [t.get_text() for t in page.figure.texts if t.get_gid() == "title"]
        assert title == [f"{TITLE}\nPage 1 of 5" if i == 1 else f"{TITLE}\nContinued: page {i} of 5"]
    _assert_pages_share_the_frame(pages, "double", 50)
    assert whole.get_size_inches()[1] > 3 * pages[0].figure.get_size_inches()[1]
    assert pages[0].caption == f"{one.caption} Continued over 5 pages; page 1 shows studies 1 to 50."
    assert pages[1].caption == f"Forest plot of 200 studies: {TITLE}, continued (page 2 of 5): studies 51 to 100."
    assert pages[4].caption.endswith("(page 5 of 5): study 200, then the pooled result and heterogeneity.")
    assert pages[4].alt.endswith("Pooled SMD 0.31 (95% CI 0.12 to 0.50); I² 34.5%.")
    assert len({page.alt for page in pages}) == 5


@pytest.mark.parametrize("width", ["double", "single"])
def test_subgroups_continue_with_their_heading_and_end_with_their_subtotal(width):
    studies = forest_studies(130)  # every fourth label wraps over lines
    studies["subgroup"] = ["ketamine"] * 70 + ["esketamine"] * 60
    subgroups = (
        studies.groupby("subgroup", sort=False)
        .agg(k=("yi", "size"), estimate=("yi", "mean"), ci_lb=("ci_lb", "mean"), ci_ub=("ci_ub", "mean"))
        .reset_index()
    )
    analysis = {**pooled(130), "q_between": 1.2, "q_between_p": 0.27}
    pages = forest_pages(studies, analysis, max_rows=50, subgroups=subgroups, width=width, title=TITLE)
    assert len(pages) > 2
    labelled = ("heading-label", "row-label", "subgroup-label", "pooled-label", "pi-label")

    def sequence(fig) -> list[tuple[str, str]]:
        texts = (t for ax in fig.axes for t in ax.texts if t.get_gid() in labelled)
        return [(t.get_gid(), t.get_text().replace("\n", " ")) for t in texts]

    paged = [sequence(page.figure) for page in pages]
    for before, page in pairwise(paged):
        gid, text = page[0]
        assert gid == "heading-label"  # a page never opens with a study outside its subgroup's heading
        if text.endswith("(continued)"):
            current = next(t for g, t in reversed(before) if g == "heading-label").removesuffix(" (continued)")
            assert text == f"{current} (continued)" and before[-1][0] == "row-label"
    rows = list(chain.from_iterable(paged))
    assert [row for row in rows if not row[1].endswith("(continued)")] == sequence(
        forest_plot(studies, analysis, subgroups=subgroups, width=width).figure
    )
    assert any(gid == "heading-label" and text.endswith("(continued)") for gid, text in rows)
    diamonds = [p.get_gid() for page in pages for p in page.figure.axes[0].patches]
    assert diamonds.count("subgroup-diamond") == 2 and diamonds[-1] == "pooled-diamond"
    assert "pooled-diamond" in [p.get_gid() for p in pages[-1].figure.axes[0].patches]
    assert "Test for subgroup differences" in " ".join(gid_texts(pages[-1].figure, "note-text"))
    _assert_pages_share_the_frame(pages, width, 50)


def test_adverse_event_note_is_under_every_page():
    studies = _short_labels(forest_studies(60)).assign(
        direction_flipped=pd.array([i % 2 == 0 for i in range(60)], dtype="boolean")
    )
    pages = forest_pages(studies, None, max_rows=20, measure="OR", favours=FAVOURS)
    assert len(pages) == 4
    for page in pages:
        assert "Adverse event" in " ".join(gid_texts(page.figure, "note-text"))
    assert gid_texts(pages[-1].figure, "not_pooled-label") == ["Not pooled (too few studies)"]
    assert all(not gid_texts(page.figure, "not_pooled-label") for page in pages[:-1])
    _assert_pages_share_the_frame(pages, "double", 20)


@pytest.mark.parametrize("k", [5, 25])  # 25 studies: 44 rows with the wrapped labels and the summary
def test_a_plot_that_fits_is_one_page_as_before(tmp_path, k):
    pages = forest_pages(forest_studies(k), pooled(k), max_rows=50, title=TITLE)
    one = forest_plot(forest_studies(k), pooled(k), title=TITLE)
    assert len(pages) == 1
    assert (pages[0].caption, pages[0].alt) == (one.caption, one.alt)
    save_figure(pages[0].figure, tmp_path / "page")
    save_figure(one.figure, tmp_path / "one")
    assert (tmp_path / "page.svg").read_bytes() == (tmp_path / "one.svg").read_bytes()


def test_pages_are_byte_identical_on_reruns(tmp_path):
    for run in ("a", "b"):
        pages = forest_pages(forest_studies(40), pooled(40), max_rows=20, title=TITLE)
        for i, page in enumerate(pages, start=1):
            save_figure(page.figure, tmp_path / run / f"page-{i}")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert len(names) == 2 * len(pages) > 2
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


# Cumulative forest plot ---------------------------------------------------------------------------------


def _steps(k: int) -> tuple[pd.DataFrame, dict[str, object]]:
    """A made-up cumulative table of k steps of analysis "a1" and its analysis row."""
    rng = np.random.default_rng(5)
    estimate = 0.3 + np.cumsum(rng.normal(0, 0.2, k)) / np.arange(1, k + 1)
    half = 1.2 / np.sqrt(np.arange(1, k + 1))
    steps = pd.DataFrame(
        {
            "analysis_id": "a1",
            "step": np.arange(1, k + 1),
            "study_id": [f"s{i}" for i in range(k)],
            "label": [f"Author{i} {2000 + i % 25}" for i in range(k)],
            "order_value": [float(2000 + i % 25) for i in range(k)],
            "k": np.arange(1, k + 1),
            "estimate": estimate,
            "ci_lb": estimate - half,
            "ci_ub": estimate + half,
        }
    )
    analysis = {"analysis_id": "a1", "pooled": True, "measure": "SMD", "method": "REML", "test": "z", "level": 0.95}
    return steps, analysis


@pytest.mark.parametrize("width", ["double", "single"])
def test_cumulative_steps_continue_over_pages(width):
    steps, analysis = _steps(120)
    pages = cumulative_forest_pages(steps, analysis, max_rows=50, width=width)
    rows = [t.replace("\n", " ").replace("   ", " ") for p in pages for t in gid_texts(p.figure, "row-label")]
    assert rows == [f"+ {label} ({year:.0f})" for label, year in zip(steps["label"], steps["order_value"], strict=True)]
    n = len(pages)
    assert n >= 3
    for i, page in enumerate(pages, start=1):
        assert [t.get_text() for t in page.figure.texts] == [
            f"Page 1 of {n}" if i == 1 else f"Continued: page {i} of {n}"
        ]
    assert pages[-1].caption.startswith(f"Cumulative meta-analysis of 120 studies, continued (page {n} of {n}): steps")
    assert pages[0].caption.startswith(cumulative_forest_plot(steps, analysis, width=width).caption)
    _assert_pages_share_the_frame(pages, width, 50)


def test_short_cumulative_plot_is_one_page_as_before(tmp_path):
    steps, analysis = _steps(12)
    pages = cumulative_forest_pages(steps, analysis, max_rows=50)
    one = cumulative_forest_plot(steps, analysis)
    assert len(pages) == 1 and (pages[0].caption, pages[0].alt) == (one.caption, one.alt)
    save_figure(pages[0].figure, tmp_path / "page")
    save_figure(one.figure, tmp_path / "one")
    assert (tmp_path / "page.svg").read_bytes() == (tmp_path / "one.svg").read_bytes()


# Pipeline stems -----------------------------------------------------------------------------------------


def _stage_inputs(tmp_path):
    """The synthesis tables of a pooled analysis (a1) and an analysis not pooled (b1) of 30 studies, and the
    settings of the forest and cumulative rules."""
    pooled_studies = _short_labels(forest_studies(30)).assign(analysis_id="a1")
    single = _short_labels(forest_studies(30, seed=2)).assign(analysis_id="b1", weight_pct=np.nan)
    meta = pd.DataFrame(
        [
            {**pooled(30), "analysis_id": "a1", "pooled": True, "domain": "overall", "comparison": "between_arm"},
            {"analysis_id": "b1", "pooled": False, "domain": "physical", "comparison": "between_arm", "k": 30},
        ]
    ).assign(window="short", measure="SMD", level=0.95)
    steps, _ = _steps(30)
    paths = {
        name: tmp_path / f"{name}.parquet" for name in ("meta_analyses", "study_weights", "subgroups", "cumulative")
    }
    write_table(meta, paths["meta_analyses"])
    write_table(pd.concat([pooled_studies, single], ignore_index=True), paths["study_weights"])
    write_table(
        pd.DataFrame({"analysis_id": pd.Series(dtype=str), "subgroup_var": pd.Series(dtype=str)}), paths["subgroups"]
    )
    write_table(steps, paths["cumulative"])
    settings = {
        "formats": ["svg", "png"],
        "width": "double",
        "palette": "cochrane",
        "forest_subgroup": "auto",
        "forest_max_rows": 20,
        "subgroup_order": [],
        "intervention_label": "drug X",
        "comparator_label": "control",
        "order_by": "year",
        "window_labels": {"short": "end of treatment"},
    }
    return {**{k: str(v) for k, v in paths.items()}, "instruments": [str(BUNDLED_REGISTRY)]}, settings


def test_stage_writes_every_page_under_its_stem(tmp_path):
    inputs, settings = _stage_inputs(tmp_path)
    for run, family in ((run_forest, "forest"), (run_cumulative, "cumulative")):
        outputs = {"figures": str(tmp_path / family), "captions": str(tmp_path / f"{family}.json")}
        run(inputs, outputs, settings)
    forest = json.loads((tmp_path / "forest.json").read_text(encoding="utf-8"))
    assert sorted(forest) == [
        "forest-a1",
        "forest-a1-page-2",
        "forest-single-between-arm-short-smd",
        "forest-single-between-arm-short-smd-page-2",
    ]
    assert "end of treatment window" in forest["forest-a1"]["caption"]
    cumulative = json.loads((tmp_path / "cumulative.json").read_text(encoding="utf-8"))
    assert sorted(cumulative) == ["cumulative-a1", "cumulative-a1-page-2"]
    for family, stems in (("forest", forest), ("cumulative", cumulative)):
        for stem in stems:
            assert (tmp_path / family / f"{stem}.svg").is_file() and (tmp_path / family / f"{stem}.png").is_file()
    assert "continued (page 2 of 2)" in forest["forest-a1-page-2"]["caption"]
    assert forest["forest-a1"]["file"] == (tmp_path / "forest" / "forest-a1.svg").as_posix()


def test_parts_of_a_family_draw_the_same_files_between_them(tmp_path):
    """Each part draws every parts-th plot (here the plot not pooled, then the pooled one); together the parts hold
    the files and captions of one job, byte for byte."""
    inputs, settings = _stage_inputs(tmp_path)
    run_forest(inputs, {"figures": str(tmp_path / "whole"), "captions": str(tmp_path / "whole.json")}, settings)
    captions = {}
    for part in (0, 1):
        outputs = {"figures": str(tmp_path / f"part-{part}"), "captions": str(tmp_path / f"part-{part}.json")}
        run_forest(inputs, outputs, {**settings, "part": part, "parts": 2})
        captions[part] = json.loads((tmp_path / f"part-{part}.json").read_text(encoding="utf-8"))
    assert sorted(captions[0]) == ["forest-single-between-arm-short-smd", "forest-single-between-arm-short-smd-page-2"]
    assert sorted(captions[1]) == ["forest-a1", "forest-a1-page-2"]
    whole = json.loads((tmp_path / "whole.json").read_text(encoding="utf-8"))
    for part, entries in captions.items():
        for stem, entry in entries.items():
            assert {**entry, "file": ""} == {**whole[stem], "file": ""}
            for suffix in (".svg", ".png"):
                drawn = (tmp_path / f"part-{part}" / stem).with_suffix(suffix).read_bytes()
                assert drawn == (tmp_path / "whole" / stem).with_suffix(suffix).read_bytes()
    assert sorted(whole) == sorted([*captions[0], *captions[1]])


def test_a_family_writes_the_formats_asked_for_and_always_svg(tmp_path):
    inputs, settings = _stage_inputs(tmp_path)
    outputs = {"figures": str(tmp_path / "svg-only"), "captions": str(tmp_path / "svg-only.json")}
    run_forest(inputs, outputs, {**settings, "formats": ["svg"]})
    assert sorted(p.suffix for p in (tmp_path / "svg-only").iterdir()) == [".svg"] * 4
    with pytest.raises(ValueError, match="lacks svg"):
        run_forest(inputs, {**outputs, "figures": str(tmp_path / "png-only")}, {**settings, "formats": ["png"]})
    with pytest.raises(ValueError, match="unknown figure format"):
        save_figure(style.new_figure(1.0, 1.0), tmp_path / "figure", ["svg", "pdf"])
