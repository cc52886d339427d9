"""Baujat plot of one pooled analysis (Baujat et al. 2002, Stat Med 21:2641-2652; metafor ``baujat()`` on
``rma(yi, vi, method = "EE")``).

Each study is a point: x = its contribution to Cochran's Q, ``w_i (y_i - mu)^2`` with ``w_i = 1/v_i`` and
``mu`` the equal-effects (inverse-variance) estimate, so that the x values sum to Q; y = its influence on
the pooled result, ``(mu_(-i) - mu)^2 / Var(mu_(-i))``, where ``mu_(-i)`` is the equal-effects estimate
without study i and ``Var(mu_(-i)) = 1/sum_(j != i) w_j`` (metafor's ``(delpred - pred.full)^2 / vdelpred``
for an equal-effects model with z tests). Studies in the top right contribute much heterogeneity and move
the pooled result.

The points are numbered in the order of the studies table, as metafor labels them by default
(``symbol = "ids"``); each number is placed next to its point where it overlaps no other number or
point (with a leader line when it had to move away), points that touch share one label ("2, 5"), and a
key under the plot gives each number's study. In an analysis of more than 30 studies only the 30 points farthest
right or up are numbered and keyed: numbers for every point would cover the plot, and the key would outgrow it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from qolreview.figures import layout, style
from qolreview.figures.captions import Captioned, require_columns
from qolreview.figures.funnel import (
    bottom_band_in,
    label_axes,
    left_margin_in,
    plot_frame,
    style_axes,
    tick_labels,
)
from qolreview.formatting import figure_number, plural
from qolreview.tables import StudyWeights

_STUDY_COLUMNS = (StudyWeights.label, StudyWeights.yi, StudyWeights.vi)
_AXES_H_IN = {"single": 2.4, "double": 3.1}
_DOT_PT2 = {"single": 10.0, "double": 12.0}
DOT_COLOUR = {"cochrane": style.INK, "colourblind": style.OKABE_ITO[0]}
LEADER_COLOUR = style.ZERO_LINE
KEY_COLUMNS = {"single": 1, "double": 2}
KEY_GAP_IN = 0.1
"""Space between the x axis label and the key."""
KEY_COLUMN_GAP_IN = 0.2
KEY_LINESPACING = 1.25
X_LABEL = "Contribution to overall heterogeneity"
Y_LABEL = "Influence on overall result"
LABEL_PAD_PX = 1.0
"""Clear space around a number label (figure pixels at 100 dpi)."""
MAX_NUMBERED_STUDIES = 30
"""Points numbered at most: in a larger analysis only those farthest right or up (:func:`numbered_studies`)."""
MAX_RINGS = 80
"""How many rings of positions around its point a number label may try, at most."""
RING_STEP = 0.6
"""Distance between rings, in label heights."""
DISTANCE_COST = 3.0
GROUP_LINE = 5
"""Numbers per line of the label shared by touching points."""
"""Cost of a label's distance from its point, per pixel."""


def baujat_coordinates(yi: ArrayLike, vi: ArrayLike) -> pd.DataFrame:
    """Baujat's coordinates of each study, as metafor's ``baujat()`` computes them for ``rma(method = "EE")``.

    ``x``: ``w_i (y_i - mu)^2``, the study's contribution to Cochran's Q (``w_i = 1/v_i``, ``mu`` the
    equal-effects estimate); ``y``: ``(mu_(-i) - mu)^2 / Var(mu_(-i))`` with ``mu_(-i)`` the equal-effects
    estimate without the study and ``Var(mu_(-i)) = 1/sum_(j != i) w_j``. Needs at least two studies.
    """
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    if y.shape != v.shape or y.ndim != 1 or y.size < 2:
        raise ValueError("baujat: needs yi and vi of the same length, at least two studies")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(v)) and np.all(v > 0)):
        raise ValueError("baujat: yi must be finite and vi finite and positive")
    w = 1.0 / v
    sum_w, sum_wy = math.fsum(w), math.fsum(w * y)
    mu = sum_wy / sum_w
    sum_w_del = sum_w - w
    mu_del = (sum_wy - w * y) / sum_w_del
    return pd.DataFrame({"x": w * (y - mu) ** 2, "y": (mu_del - mu) ** 2 * sum_w_del})


@dataclass(frozen=True)
class _Key:
    """The key under the plot: per entry its study's number, column, top (inches from the key's top) and wrapped
    label."""

    columns: int
    column_w: float
    number_w: float
    entries: list[tuple[int, int, float, list[str]]]
    height: float
    line_in: float


def baujat_plot(
    studies: pd.DataFrame,
    analysis: Mapping[str, object] | pd.Series,
    *,
    width: style.Width = "double",
    palette: style.Palette = "cochrane",
) -> Captioned:
    """Draw a Baujat plot of one analysis.

    ``studies``: the analysis' rows of ``StudyWeights`` (``label``, ``yi``, ``vi``), numbered in this order.
    ``analysis``: its ``MetaAnalyses`` row (``measure`` names the effect in the caption).
    """
    require_columns(studies, _STUDY_COLUMNS, "baujat: studies table")
    if len(studies) < 2:
        raise ValueError("baujat: needs at least two studies")
    info = dict(analysis)
    measure = str(info.get("measure") or "Effect")
    coords = baujat_coordinates(studies[StudyWeights.yi], studies[StudyWeights.vi])
    labels = [str(label) for label in studies[StudyWeights.label]]
    font = style.fonts(width)
    fig_w = style.width_in(width)
    xlim, ylim = _limits(coords["x"].to_numpy()), _limits(coords["y"].to_numpy())
    x_ticks, y_ticks = _ticks(xlim), _ticks(ylim)
    left = left_margin_in(tick_labels(y_ticks), font)
    below = bottom_band_in(font)
    numbered = numbered_studies(coords)
    key = _key(labels, numbered, width, fig_w - 2 * style.MARGIN_IN, font.small)
    axes_h = _AXES_H_IN[width]

    with style.context():
        fig, ax = plot_frame(fig_w, left, axes_h, below + KEY_GAP_IN + key.height)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_xticks(x_ticks, tick_labels(x_ticks))
        ax.set_yticks(y_ticks, tick_labels(y_ticks))
        ax.grid(True, color="#D9D9D9", linewidth=0.4, zorder=0)
        ax.set_axisbelow(True)
        ax.scatter(
            coords["x"],
            coords["y"],
            s=_DOT_PT2[width],
            color=DOT_COLOUR[palette],
            linewidths=0,
            zorder=3,
            clip_on=False,
            gid="study-dot",
        )
        _draw_numbers(fig, ax, coords, numbered, width)
        style_axes(ax, font)
        label_axes(ax, X_LABEL, Y_LABEL, font)
        _draw_key(fig, key, font.small)
    return Captioned(fig, _caption(coords, labels, numbered, measure), _alt(coords, labels, measure))


def _limits(values: np.ndarray) -> tuple[float, float]:
    """From just below 0 to a little above the largest value (room for the numbers beside the points)."""
    top = float(values.max())
    top = top if top > 0 else 1.0
    return -0.04 * top, 1.1 * top


def _ticks(limits: tuple[float, float]) -> np.ndarray:
    ticks = ticker.MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(0.0, limits[1])
    return ticks[(ticks >= 0) & (ticks <= limits[1])]


# Number labels --------------------------------------------------------------------------------------------


Box = tuple[float, float, float, float]
"""A box in display pixels: (x0, y0, x1, y1)."""


@dataclass(frozen=True)
class _Placed:
    """A number label: its box and centre (display pixels) and the leader line's end (None: no leader)."""

    box: Box
    centre: tuple[float, float]
    leader_end: tuple[float, float] | None


def _overlaps(box: Box, boxes: np.ndarray) -> np.ndarray:
    """Overlap area of ``box`` with each of ``boxes`` (an array of rows x0, y0, x1, y1)."""
    dx = np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0])
    dy = np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1])
    return np.where((dx > 0) & (dy > 0), dx * dy, 0.0)


def _position_cost(
    anchor: tuple[float, float],
    centre: tuple[float, float],
    box: Box,
    end: tuple[float, float] | None,
    obstacles: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    bound: float,
) -> float:
    """The cost of a label at ``centre`` (its ``box``, its leader ending at ``end``) for the anchor at ``anchor``
    (:func:`place_labels`), given the ``obstacles``: the placed labels' boxes, their leaders' starts and ends, and
    the other points' boxes. Its terms are added cheapest first, and the sum is returned as soon as it reaches
    ``bound`` (the cheapest position so far), since no term is negative."""
    labels, leader_starts, leader_ends, dots = obstacles
    terms = [
        lambda: DISTANCE_COST * math.hypot(centre[0] - anchor[0], centre[1] - anchor[1]),
        lambda: _area_cost(_overlaps(box, labels), 1e7, 1e3),
        lambda: 1e5 * _crossings(leader_starts, leader_ends, box),
        lambda: _area_cost(_overlaps(box, dots), 1e4, 10),
    ]
    if end is not None:
        terms += [lambda: 1e5 * _crossings(anchor, end, labels), lambda: 200 * _crossings(anchor, end, dots)]
    cost = 0.0
    for term in terms:
        cost += term()
        if cost >= bound:
            break
    return cost


def _area_cost(areas: np.ndarray, each: float, per_pixel: float) -> float:
    """The cost of overlapping boxes of ``areas`` (0: no overlap): ``each`` per overlap plus ``per_pixel`` of area."""
    return float(np.sum(np.where(areas > 0, each + per_pixel * areas, 0.0)))


def _crossings(starts: ArrayLike, ends: ArrayLike, boxes: ArrayLike) -> int:
    """How many of the segments from ``starts`` to ``ends`` pass through their ``boxes`` (Liang-Barsky clipping;
    points ``(..., 2)`` and boxes ``(..., 4)`` broadcast against each other)."""
    s, e, b = (np.asarray(a, dtype=float) for a in (starts, ends, boxes))
    d = e - s
    p = np.stack([-d[..., 0], d[..., 0], -d[..., 1], d[..., 1]], axis=-1)
    q = np.stack([s[..., 0] - b[..., 0], b[..., 2] - s[..., 0], s[..., 1] - b[..., 1], b[..., 3] - s[..., 1]], axis=-1)
    p, q = np.broadcast_arrays(p, q)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = q / p
    t0 = np.max(np.where(p < 0, r, 0.0), axis=-1)
    t1 = np.min(np.where(p > 0, r, 1.0), axis=-1)
    outside = np.any((p == 0) & (q < 0), axis=-1)
    return int(np.count_nonzero((t0 < t1) & ~outside))


def _ring(px: float, py: float, ring: int, r0: float, w: float, h: float) -> list[tuple[float, float]]:
    """Centres of the positions of ring ``ring`` for a label of size w x h around a point: right, left,
    above, below and the diagonals first; from the third ring on, 24 directions."""
    r = r0 + ring * RING_STEP * h
    n = 8 if ring < 2 else 24
    order = [0, n // 2, n // 4, 3 * n // 4, *[i for i in range(n) if i % (n // 4)]]
    return [
        (px + math.cos(2 * math.pi * i / n) * (r + w / 2), py + math.sin(2 * math.pi * i / n) * (r + h / 2))
        for i in order
    ]


def place_labels(
    points: np.ndarray,
    sizes: list[tuple[float, float]],
    radii: list[float],
    dots: np.ndarray,
    own: list[list[int]],
    inner: Box,
) -> list[_Placed]:
    """Greedy placement of one label per anchor point (display pixels); ``radii``: how far from each anchor
    its own marks reach; ``dots``: the boxes of every point drawn, ``own[i]`` the rows of anchor i's points.
    Positions on rings of growing radius around the anchor (:func:`_ring`) inside ``inner`` are scored and the
    cheapest is taken: overlapping a placed label costs most, then a leader line through a placed label or a
    label across a placed leader, then covering another point, then a leader through another point, then the
    distance from the anchor (3 per pixel). The search stops when no further ring can be cheaper, or after
    ``MAX_RINGS``. Crowded anchors are placed first; ties keep the anchors' order."""
    reach = 4 * max(h for _, h in sizes)
    crowd = [int(np.sum(np.hypot(*(points - p).T) < reach)) for p in points]
    placed: dict[int, _Placed] = {}
    for i in sorted(range(len(points)), key=lambda i: (-crowd[i], i)):
        w, h = sizes[i]
        r0 = radii[i] + 0.5
        px, py = (float(v) for v in points[i])
        others = np.delete(dots, own[i], axis=0)
        boxes = np.array([label.box for label in placed.values()]).reshape(-1, 4)
        led = [(points[j], label.leader_end) for j, label in placed.items() if label.leader_end is not None]
        leader_starts, leader_ends = (np.array([pair[k] for pair in led]).reshape(-1, 2) for k in (0, 1))
        best: _Placed | None = None
        best_cost = math.inf
        for ring in range(MAX_RINGS):
            if DISTANCE_COST * (r0 + ring * RING_STEP * h) >= best_cost:
                break
            for cx, cy in _ring(px, py, ring, r0, w, h):
                box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                if box[0] < inner[0] or box[1] < inner[1] or box[2] > inner[2] or box[3] > inner[3]:
                    continue
                end = (min(max(px, box[0]), box[2]), min(max(py, box[1]), box[3])) if ring > 0 else None
                cost = _position_cost(
                    (px, py), (cx, cy), box, end, (boxes, leader_starts, leader_ends, others), best_cost
                )
                if cost < best_cost:
                    best, best_cost = _Placed(box, (cx, cy), end), cost
        if best is None:  # no position inside the axes: right of the anchor
            best = _Placed((px + r0, py - h / 2, px + r0 + w, py + h / 2), (px + r0 + w / 2, py), None)
        placed[i] = best
    return [placed[i] for i in range(len(points))]


def group_points(points: np.ndarray, distance: float) -> list[list[int]]:
    """Points closer than ``distance`` to another of the group (single linkage), each group in point order,
    groups in the order of their first point."""
    parent = list(range(len(points)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(points)):
        for j in range(i):
            if math.hypot(*(points[i] - points[j])) < distance:
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(points)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def _group_text(members: list[int]) -> str:
    """The numbers of a group's studies, at most ``GROUP_LINE`` to a line."""
    numbers = [str(i + 1) for i in members]
    return "\n".join(", ".join(numbers[i : i + GROUP_LINE]) for i in range(0, len(numbers), GROUP_LINE))


def numbered_studies(coords: pd.DataFrame) -> list[int]:
    """Positions of the studies whose points are numbered: all of them up to ``MAX_NUMBERED_STUDIES``; in a larger
    analysis the ``MAX_NUMBERED_STUDIES`` farthest right or up (the largest of x / max x and y / max y, ties in
    study order), where a Baujat plot's questions lie. In study order."""
    if len(coords) <= MAX_NUMBERED_STUDIES:
        return list(range(len(coords)))
    scaled = [
        values / top if (top := values.max()) > 0 else np.zeros_like(values)
        for values in (coords["x"].to_numpy(float), coords["y"].to_numpy(float))
    ]
    farthest = np.argsort(-np.maximum(*scaled), kind="stable")[:MAX_NUMBERED_STUDIES]
    return sorted(int(i) for i in farthest)


def _draw_numbers(fig: Figure, ax: Axes, coords: pd.DataFrame, numbered: list[int], width: style.Width) -> None:
    """The number of each of the ``numbered`` points beside it (:func:`place_labels`), with a leader line when it
    had to move away; numbered points that touch share one label listing their numbers."""
    size = style.fonts(width).small
    dpi = fig.dpi
    points = ax.transData.transform(coords[["x", "y"]].to_numpy(float))
    frame = ax.bbox
    inner = (frame.x0 + 1, frame.y0 + 1, frame.x1 - 1, frame.y1 - 1)
    dot_r = math.sqrt(_DOT_PT2[width]) / 2 * dpi / 72
    dots = np.column_stack([points - dot_r, points + dot_r])
    groups = [[numbered[j] for j in group] for group in group_points(points[numbered], 2 * dot_r)]
    texts = [_group_text(g) for g in groups]
    anchors = np.array([points[g].mean(axis=0) for g in groups])
    radii = [float(np.max(np.hypot(*(points[g] - a).T))) + dot_r for g, a in zip(groups, anchors, strict=True)]
    line_h = 1.25 * size / 72 * dpi
    sizes = [
        (
            max(layout.line_width_in(line, size) for line in text.split("\n")) * dpi + 2 * LABEL_PAD_PX,
            line_h * len(text.split("\n")) + 2 * LABEL_PAD_PX,
        )
        for text in texts
    ]
    to_data = ax.transData.inverted()
    labels = place_labels(anchors, sizes, radii, dots, groups, inner)
    for anchor, text, label in zip(anchors, texts, labels, strict=True):
        x, y = to_data.transform(label.centre)
        ax.text(
            x,
            y,
            text,
            ha="center",
            va="center",
            multialignment="left",
            fontsize=size,
            linespacing=1.1,
            zorder=4,
            gid="study-number",
        )
        if label.leader_end is not None:
            (x0, y0), (x1, y1) = to_data.transform([tuple(anchor), label.leader_end])
            ax.plot([x0, x1], [y0, y1], color=LEADER_COLOUR, linewidth=0.4, zorder=2, gid="label-leader")


# The key --------------------------------------------------------------------------------------------------


def _key(labels: list[str], numbered: list[int], width: style.Width, total_in: float, size: float) -> _Key:
    """Number and wrapped label of every numbered study, in columns filled top to bottom."""
    columns = min(KEY_COLUMNS[width], len(numbered))
    column_w = (total_in - (columns - 1) * KEY_COLUMN_GAP_IN) / columns
    number_w = layout.line_width_in(f"{numbered[-1] + 1}.", size) + 0.06
    line_in = size * KEY_LINESPACING / 72
    per_column = math.ceil(len(numbered) / columns)
    entries, height = [], 0.0
    for c in range(columns):
        top = 0.0
        for i in numbered[c * per_column : (c + 1) * per_column]:
            lines = layout.wrap(labels[i], column_w - number_w, size)
            entries.append((i + 1, c, top, lines))
            top += len(lines) * line_in
        height = max(height, top)
    return _Key(columns, column_w, number_w, entries, height, line_in)


def _draw_key(fig: Figure, key: _Key, size: float) -> None:
    """The key in figure inches (from the bottom-left corner), its top just under the x axis label."""
    top = style.MARGIN_IN + key.height
    for n, column, offset, lines in key.entries:
        x = style.MARGIN_IN + column * (key.column_w + KEY_COLUMN_GAP_IN)
        y = top - offset
        common = {"transform": fig.dpi_scale_trans, "va": "top", "fontsize": size}
        fig.text(x + key.number_w - 0.06, y, f"{n}.", ha="right", gid="key-number", **common)
        for j, line in enumerate(lines):
            fig.text(x + key.number_w, y - j * key.line_in, line, ha="left", gid="key-label", **common)


# Captions -------------------------------------------------------------------------------------------------


def _caption(coords: pd.DataFrame, labels: list[str], numbered: list[int], measure: str) -> str:
    k = len(labels)
    which = (
        "Points are numbered as in the key"
        if len(numbered) == k
        else f"The {len(numbered)} points farthest right or up are numbered as in the key, the other "
        f"{k - len(numbered):,} are unnumbered"
    )
    q = math.fsum(coords["x"])
    most_x, most_y = int(coords["x"].idxmax()), int(coords["y"].idxmax())
    return (
        f"Baujat plot of {plural(k, 'study')} ({measure}), equal-effects model. Horizontal axis: each study's "
        f"contribution to the overall heterogeneity, its weighted squared deviation from the pooled estimate "
        f"(the contributions sum to Cochran's Q = {figure_number(q)}). Vertical axis: its influence on the "
        f"overall result, the squared change in the pooled estimate when the study is left out divided by the "
        f"variance of that estimate. {which}. Largest contribution to heterogeneity: "
        f"{most_x + 1}. {labels[most_x]} ({figure_number(coords['x'].iloc[most_x])}); largest influence: "
        f"{most_y + 1}. {labels[most_y]} ({figure_number(coords['y'].iloc[most_y])})."
    )


def _alt(coords: pd.DataFrame, labels: list[str], measure: str) -> str:
    k = len(labels)
    q = math.fsum(coords["x"])
    top = coords["x"].sort_values(ascending=False, kind="stable").index[: min(3, k)]
    parts = "; ".join(
        f"{labels[i]} (contribution {figure_number(coords['x'].iloc[i])}, influence "
        f"{figure_number(coords['y'].iloc[i])})"
        for i in top
    )
    return (
        f"Scatter plot of {plural(k, 'study')} ({measure}): contribution to heterogeneity (total Q = "
        f"{figure_number(q)}) against influence on the pooled estimate. Largest contributions: {parts}."
    )
