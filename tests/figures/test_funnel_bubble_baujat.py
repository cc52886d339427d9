"""Funnel, bubble and Baujat plots: the marks drawn, their coordinates against independent references,
text from the data rendered literally, no overlapping text, deterministic files."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.text import Text
from scipy import stats

from figures_data import assert_no_text_overlap, gid_texts
from qolreview.figures.baujat import MAX_NUMBERED_STUDIES, baujat_coordinates, baujat_plot
from qolreview.figures.bubble import bubble_plot
from qolreview.figures.funnel import funnel_plot
from qolreview.figures.save import save_figure
from qolreview.figures.style import new_figure
from qolreview.meta import meta_regression, random_effects
from qolreview.synthesis.diagnostics import meta_regression_table, moderator_values, small_study_table

K = 12
TRICKY = ("$\\foo$ et al. 2020", "<b>Bold</b> 2019", "A study with a very long descriptive label, " * 3 + "2018")
"""Labels that must come out literally: mathtext, markup and a label that must wrap."""
LEVELS = ("$\\alpha$ level", "<b>B</b>", "A long level name that has to wrap onto more than one line")


def _weights(k: int = K, seed: int = 3) -> pd.DataFrame:
    """Study weights of one analysis with small-study effects: the less precise, the larger the effect."""
    rng = np.random.default_rng(seed)
    vi = rng.uniform(0.01, 0.12, k)
    yi = 0.15 + 2.2 * (np.sqrt(vi) - 0.1) + rng.normal(0, 0.05, k)
    labels = [f"Author{i} {2000 + i}" for i in range(k)]
    labels[:3] = TRICKY
    return pd.DataFrame(
        {
            "analysis_id": "a1",
            "study_id": [f"s{i:02d}" for i in range(k)],
            "label": labels,
            "yi": yi,
            "vi": vi,
            "weight_pct": 100 * (1 / vi) / np.sum(1 / vi),
            "source_cells": "sheet!A1",
        }
    )


def _meta(weights: pd.DataFrame, measure: str = "SMD") -> dict[str, object]:
    fit = random_effects(weights["yi"], weights["vi"], method="REML", test="knha")
    return {
        "analysis_id": "a1",
        "pooled": True,
        "measure": measure,
        "k": len(weights),
        "estimate": fit.estimate,
        "se": fit.se,
        "ci_lb": fit.ci_lb,
        "ci_ub": fit.ci_ub,
        "method": "REML",
        "test": "knha",
        "level": 0.95,
    }


def _funnel_inputs(measure: str = "SMD") -> tuple[pd.DataFrame, dict[str, object], pd.DataFrame]:
    weights = _weights()
    meta = _meta(weights, measure)
    small, filled = small_study_table(pd.DataFrame([meta]), weights, 10)
    return weights, {**meta, **small.iloc[0].to_dict()}, filled


def _sheet(weights: pd.DataFrame) -> pd.DataFrame:
    """A studies sheet with a numeric moderator (one study without a value) and a categorical one."""
    rng = np.random.default_rng(11)
    age = rng.uniform(25, 65, len(weights)).round(1)
    age[4] = np.nan
    return pd.DataFrame(
        {"study_id": weights["study_id"], "mean_age": age, "$group$": [LEVELS[i % 3] for i in range(len(weights))]}
    )


def _bubble_inputs(moderator: str) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    weights = _weights()
    sheet = _sheet(weights)
    meta = pd.DataFrame([_meta(weights)])
    table = meta_regression_table(meta, weights, sheet, [moderator], 10)
    return weights, moderator_values(weights, sheet, moderator), table


def _by_gid(fig: Figure, gid: str) -> list:
    return [a for ax in fig.axes for a in (*ax.collections, *ax.lines, *ax.patches) if a.get_gid() == gid]


def _offsets(fig: Figure, gid: str) -> np.ndarray:
    (collection,) = _by_gid(fig, gid)
    return np.asarray(collection.get_offsets(), dtype=float)


def _data_texts(fig: Figure) -> list[Text]:
    fig.canvas.draw()  # mathtext errors (\foo is no TeX symbol) would surface here
    return [t for t in fig.findobj(Text) if t.get_text()]


def _assert_literal(fig: Figure, expected: list[str]) -> None:
    """Every expected string is drawn literally (one text or a wrapped text), and no text with a "$" is
    parsed as mathtext."""
    texts = _data_texts(fig)
    joined = [re.sub(r"[ \n]+", " ", t.get_text()) for t in texts]
    for text in expected:
        assert any(text in j for j in joined), f"{text!r} is not drawn"
    for t in texts:
        if "$" in t.get_text():
            assert t.get_parse_math() is False, t.get_text()


def _assert_deterministic(fig: Figure, tmp_path, stem: str) -> None:
    for run in ("a", "b"):
        save_figure(fig, tmp_path / run / stem)
    for ext in ("svg", "png"):
        assert (tmp_path / "a" / f"{stem}.{ext}").read_bytes() == (tmp_path / "b" / f"{stem}.{ext}").read_bytes()


def test_mathtext_would_fail_unless_rendered_literally():
    """The control for the literal-text checks: a "$\\foo$" text parsed as mathtext cannot be drawn."""
    fig = new_figure(2.0, 1.0)
    fig.text(0.1, 0.1, TRICKY[0])
    with pytest.raises(ValueError):
        fig.canvas.draw()


# Funnel plot ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", ["single", "double"])
def test_funnel_with_filled_studies(width, tmp_path):
    weights, analysis, filled = _funnel_inputs()
    k0 = int(analysis["k0"])
    assert k0 > 0 and len(filled) == k0
    result = funnel_plot(weights, analysis, filled, width=width)
    fig = result.figure
    assert _offsets(fig, "study-dot") == pytest.approx(np.column_stack([weights["yi"], np.sqrt(weights["vi"])]))
    assert _offsets(fig, "imputed-dot") == pytest.approx(np.column_stack([filled["yi"], np.sqrt(filled["vi"])]))
    (imputed,) = _by_gid(fig, "imputed-dot")
    assert imputed.get_facecolors()[0][:3] == pytest.approx([1.0, 1.0, 1.0])  # open dots
    for level in (90, 95, 99):
        assert len(_by_gid(fig, f"contour-{level}")) == 1
    assert len(_by_gid(fig, "pooled-line")) == 1 and len(_by_gid(fig, "pseudo-ci")) == 2
    assert _by_gid(fig, "adjusted-line")[0].get_xdata()[0] == pytest.approx(analysis["filled_estimate"])
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Imputed studies (trim-and-fill)" in legend and "p \u2264 0.01" in legend
    p = analysis["egger_pval"]
    assert (f"p = {p:.3f}" if p >= 0.001 else "p < 0.001") in result.caption
    assert f"Trim-and-fill imputed {k0} studies on the {analysis['side']} (open dots)" in result.caption
    assert f"adjusted SMD {analysis['filled_estimate']:.2f}" in result.caption
    assert "open dots" in result.alt
    assert_no_text_overlap(fig)
    _assert_deterministic(fig, tmp_path, "funnel")


def test_funnel_without_filled_studies():
    weights, analysis, _ = _funnel_inputs()
    result = funnel_plot(weights, analysis, None)
    fig = result.figure
    assert not _by_gid(fig, "imputed-dot") and not _by_gid(fig, "adjusted-line")
    assert len(_offsets(fig, "study-dot")) == K
    assert "Imputed studies (trim-and-fill)" not in [t.get_text() for t in fig.legends[0].get_texts()]
    assert_no_text_overlap(fig)


def test_funnel_contours_are_centred_on_no_effect_with_the_standard_error_inverted():
    weights, analysis, filled = _funnel_inputs()
    fig = funnel_plot(weights, analysis, filled).figure
    ax = fig.axes[0]
    bottom, top = ax.get_ylim()
    assert top == 0.0 and bottom >= np.sqrt(max(weights["vi"].max(), filled["vi"].max()))
    for level in (90, 95, 99):
        (patch,) = _by_gid(fig, f"contour-{level}")
        assert isinstance(patch, Polygon)
        half = stats.norm.isf((1 - level / 100) / 2) * bottom
        corners = patch.get_xy()[:3]
        assert corners[np.lexsort(corners.T[::-1])] == pytest.approx(
            np.array([(-half, bottom), (0.0, 0.0), (half, bottom)])
        )
    est = analysis["estimate"]
    ends = sorted(line.get_xdata()[1] for line in _by_gid(fig, "pseudo-ci"))
    assert ends == pytest.approx([est - 1.959964 * bottom, est + 1.959964 * bottom], rel=1e-6)


def test_funnel_of_a_ratio_measure_names_the_log_scale():
    weights, analysis, filled = _funnel_inputs("RR")
    result = funnel_plot(weights, analysis, filled, width="single", palette="colourblind")
    assert result.figure.axes[0].get_xlabel() == "Log risk ratio"
    assert "Scale: log risk ratio." in result.caption and "adjusted RR" in result.caption
    assert_no_text_overlap(result.figure)


# Bubble plot ----------------------------------------------------------------------------------------------


def _ci_at(weights: pd.DataFrame, values: pd.Series, x0: float) -> tuple[float, float, float]:
    """The fitted value and its CI at x0, from the model refitted with the moderator centred at x0
    (the intercept of that model)."""
    known = values.notna().to_numpy()
    fit = meta_regression(
        weights["yi"][known], weights["vi"][known], {"m": values[known].astype(float) - x0}, "REML", "knha"
    )
    return fit.beta[0], fit.ci_lb[0], fit.ci_ub[0]


@pytest.mark.parametrize("width", ["single", "double"])
def test_bubble_plot_of_a_numeric_moderator(width, tmp_path):
    weights, values, table = _bubble_inputs("mean_age")
    result = bubble_plot(weights, values, table, moderator="mean_age", width=width, measure="SMD")
    fig = result.figure
    known = values.notna().to_numpy()
    bubbles = _offsets(fig, "study-bubble")
    assert len(bubbles) == known.sum() == K - 1
    # area proportional to the mixed-effects weight 1/(vi + tau2), drawn largest first
    (collection,) = _by_gid(fig, "study-bubble")
    tau2 = table["tau2"].iloc[0]
    w = 1 / (weights["vi"][known].to_numpy() + tau2)
    order = np.argsort(-w, kind="stable")
    sizes = collection.get_sizes()
    assert sizes / sizes.max() == pytest.approx(w[order] / w.max())
    assert bubbles == pytest.approx(np.column_stack([values[known], weights["yi"][known]])[order])
    # the fitted line from the table's coefficients, the band from the refitted model
    b0, b1 = table["estimate"]
    (line,) = _by_gid(fig, "fitted-line")
    x, y = line.get_xdata(), line.get_ydata()
    assert y == pytest.approx(b0 + b1 * x)
    lower, upper = (edge.get_ydata() for edge in _by_gid(fig, "band-edge"))
    for i in (0, 100, 200):
        fit, lb, ub = _ci_at(weights, values, x[i])
        assert (y[i], lower[i], upper[i]) == pytest.approx((fit, lb, ub), rel=1e-7, abs=1e-9)
    assert len(_by_gid(fig, "confidence-band")) == 1
    slope = table.iloc[1]
    decimals = max(2, -int(np.floor(np.log10(slope["se"]))))
    assert decimals > 2  # a slope per year of age needs more than two decimals
    assert f"Slope per unit of mean_age: {slope['estimate']:.{decimals}f} (95% CI " in result.caption
    assert f"F(1, {K - 3}) = {slope['qm']:.2f}" in result.caption and "R\u00b2 = " in result.caption
    assert "1 study without a value of mean_age left out" in result.caption
    assert fig.axes[0].get_xlabel() == "mean_age"
    assert_no_text_overlap(fig)
    _assert_deterministic(fig, tmp_path, "bubble")


@pytest.mark.parametrize("width", ["single", "double"])
def test_bubble_plot_of_a_categorical_moderator(width, tmp_path):
    moderator = "$group$"
    weights, values, table = _bubble_inputs(moderator)
    result = bubble_plot(weights, values, table, moderator=moderator, width=width, measure="SMD")
    fig = result.figure
    assert len(_offsets(fig, "study-bubble")) == K
    levels = sorted(LEVELS)
    squares = [line for line in _by_gid(fig, "level-estimate")]
    cis = _by_gid(fig, "level-ci")
    assert len(squares) == len(cis) == 3
    for level, square, ci in zip(levels, squares, cis, strict=True):
        # the level's estimate and CI: the intercept of the model with this level as the reference
        others = [lv for lv in levels if lv != level]
        fit = meta_regression(
            weights["yi"],
            weights["vi"],
            {"m": pd.Categorical(values, categories=[level, *others])},
            "REML",
            "knha",
        )
        assert square.get_xdata()[0] == pytest.approx(fit.beta[0], rel=1e-7)
        assert sorted(ci.get_xdata()) == pytest.approx([fit.ci_lb[0], fit.ci_ub[0]], rel=1e-7)
    b0 = table["estimate"].iloc[0]
    assert squares[0].get_xdata()[0] == pytest.approx(b0)
    assert squares[1].get_xdata()[0] == pytest.approx(b0 + table["estimate"].iloc[1])
    _assert_literal(fig, [*(f"{lv} (k\u00a0=\u00a04)" for lv in LEVELS[:2]), moderator])
    ticks = " ".join(t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels())
    assert LEVELS[2] in ticks
    assert f"Difference from {levels[0]} (reference level)" in result.caption
    for level in levels[1:]:
        assert f"{level} " in result.caption
    assert "Test of moderators: F(2, 9) = " in result.caption
    assert_no_text_overlap(fig)
    _assert_deterministic(fig, tmp_path, "bubble-categorical")


def test_bubble_plot_rejects_a_table_of_other_studies():
    weights, values, table = _bubble_inputs("mean_age")
    with pytest.raises(ValueError, match="does not match"):
        bubble_plot(weights.assign(yi=weights["yi"] + 1.0), values, table, moderator="mean_age")


# Baujat plot ----------------------------------------------------------------------------------------------


def _baujat_reference(yi: np.ndarray, vi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """metafor's baujat.rma for rma(yi, vi, method = "EE"): x = 1/(tau2 + vi) * resid^2 with tau2 = 0,
    y = (delpred - pred.full)^2 / vdelpred from the model refitted without each study."""
    full = random_effects(yi, vi, method="EE", tau2_ci=False)
    x = (yi - full.estimate) ** 2 / vi
    y = np.empty(len(yi))
    for i in range(len(yi)):
        keep = np.arange(len(yi)) != i
        fit = random_effects(yi[keep], vi[keep], method="EE", tau2_ci=False)
        y[i] = (fit.estimate - full.estimate) ** 2 / fit.se**2
    return x, y


def test_baujat_coordinates_equal_metafor_formula():
    weights = _weights()
    yi, vi = weights["yi"].to_numpy(), weights["vi"].to_numpy()
    coords = baujat_coordinates(yi, vi)
    x, y = _baujat_reference(yi, vi)
    assert coords["x"].to_numpy() == pytest.approx(x, rel=1e-10)
    assert coords["y"].to_numpy() == pytest.approx(y, rel=1e-9)
    q = random_effects(yi, vi, method="EE", tau2_ci=False).q
    assert coords["x"].sum() == pytest.approx(q, rel=1e-10)  # the contributions sum to Cochran's Q


@pytest.mark.parametrize("width", ["single", "double"])
@pytest.mark.parametrize("clustered", [False, True])
def test_baujat_plot(width, clustered, tmp_path):
    weights = _weights()
    if clustered:  # one outlier squeezes the others into a corner: touching points share a label
        weights.loc[5, "yi"] = 2.5
    result = baujat_plot(weights, {"measure": "SMD"}, width=width)
    fig = result.figure
    x, y = _baujat_reference(weights["yi"].to_numpy(), weights["vi"].to_numpy())
    assert _offsets(fig, "study-dot") == pytest.approx(np.column_stack([x, y]), rel=1e-9)
    numbers = [n for text in gid_texts(fig, "study-number") for n in re.split(r"[,\s]+", text) if n]
    assert sorted(map(int, numbers)) == list(range(1, K + 1))  # every study numbered exactly once
    assert [t.get_text() for t in fig.texts if t.get_gid() == "key-number"] == [f"{n}." for n in range(1, K + 1)]
    key = " ".join(t.get_text() for t in fig.texts if t.get_gid() == "key-label")
    _assert_literal(fig, list(TRICKY[:2]))
    assert TRICKY[2] in key
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Contribution to overall heterogeneity"
    assert ax.get_ylabel() == "Influence on overall result"
    top = int(np.argmax(y))
    assert f"largest influence: {top + 1}. {weights['label'][top]}" in result.caption
    assert f"Cochran's Q = {x.sum():.2f}" in result.caption
    assert_no_text_overlap(fig)
    # each number label sits clear of every point other than its own group's
    renderer = fig.canvas.get_renderer()
    points = ax.transData.transform(np.column_stack([x, y]))
    radius = np.sqrt(_by_gid(fig, "study-dot")[0].get_sizes()[0]) / 2 * fig.dpi / 72
    for text in (t for t in ax.texts if t.get_gid() == "study-number"):
        box = text.get_window_extent(renderer)
        own = {int(n) - 1 for n in re.split(r"[,\s]+", text.get_text()) if n}
        for j, (px, py) in enumerate(points):
            if j not in own:
                assert not (
                    box.x0 < px + radius and px - radius < box.x1 and box.y0 < py + radius and py - radius < box.y1
                )
    _assert_deterministic(fig, tmp_path, "baujat")


def test_baujat_plot_of_many_studies_numbers_those_farthest_right_or_up():
    weights = _weights(k=400, seed=5)
    result = baujat_plot(weights, {"measure": "SMD"})
    fig = result.figure
    x, y = _baujat_reference(weights["yi"].to_numpy(), weights["vi"].to_numpy())
    assert len(_offsets(fig, "study-dot")) == 400
    numbers = sorted(int(n) for text in gid_texts(fig, "study-number") for n in re.split(r"[,\s]+", text) if n)
    farthest = np.argsort(-np.maximum(x / x.max(), y / y.max()), kind="stable")[:MAX_NUMBERED_STUDIES]
    assert numbers == sorted(int(i) + 1 for i in farthest)
    assert [t.get_text() for t in fig.texts if t.get_gid() == "key-number"] == [f"{n}." for n in numbers]
    assert f"The {MAX_NUMBERED_STUDIES} points farthest right or up are numbered" in result.caption
    assert "the other 370 are unnumbered" in result.caption
    assert_no_text_overlap(fig)


def test_baujat_plot_needs_two_studies():
    with pytest.raises(ValueError, match="at least two"):
        baujat_plot(_weights().iloc[:1], {"measure": "SMD"})
