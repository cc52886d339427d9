"""Synthetic inputs for the figure tests (no real study data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.text import Text

from qolreview.instruments import bundled_registry
from qolreview.labels import short_domain_labels

DOMAIN_NAMES = short_domain_labels(bundled_registry())
"""The bundled registry's domains and their short names, as the figure rules pass them."""


def forest_studies(k: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    yi = rng.normal(0.3, 0.3, k)
    vi = rng.uniform(0.01, 0.1, k)
    se = np.sqrt(vi)
    w = 1 / vi
    return pd.DataFrame(
        {
            "study_id": [f"s{i:03d}" for i in range(k)],
            "label": [
                f"Author{i} et al. {2000 + i % 25}, a long descriptive study label that must wrap"
                if i % 4 == 0
                else f"Author{i} {2000 + i % 25}"
                for i in range(k)
            ],
            "n": pd.array([None if i == 1 else 40 + i for i in range(k)], dtype="Int64"),
            "yi": yi,
            "vi": vi,
            "ci_lb": yi - 1.96 * se,
            "ci_ub": yi + 1.96 * se,
            "weight_pct": 100 * w / w.sum() if k > 1 else [np.nan],
            "rob_overall": [["Low", "Moderate", "Serious", None][i % 4] for i in range(k)],
        }
    )


def pooled(k: int) -> dict[str, object]:
    return {
        "k": k,
        "estimate": 0.31,
        "ci_lb": 0.12,
        "ci_ub": 0.50,
        "pi_lb": -0.15,
        "pi_ub": 0.77,
        "tau2": 0.012,
        "i2": 34.5,
        "q": 6.1,
        "q_df": k - 1,
        "q_p": 0.19,
        "method": "REML",
        "test": "knha",
        "measure": "SMD",
    }


def directions() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    plan = {
        "overall": ["improved", "improved", "improved"],
        "physical": ["improved", "worsened", "mixed"],
        "psychological": ["no_clear_difference", "improved", "improved"],
    }
    studies = [
        ("a", "Study A 2024", 400, "Low"),
        ("b", "Study B 2023", 120, "Serious"),
        ("c", "Study C 2022", None, None),
    ]
    for domain, dirs in plan.items():
        for (sid, label, n, rob), direction in zip(studies, dirs, strict=True):
            rows.append(
                {
                    "study_id": sid,
                    "label": label,
                    "domain": domain,
                    "direction": direction,
                    "ci_direction": direction if (sid, domain) != ("a", "overall") else "no_clear_difference",
                    "basis": "ci" if sid != "c" else "reported",
                    "n": n,
                    "rob_overall": rob,
                }
            )
    table = pd.DataFrame(rows)
    table["n"] = table["n"].astype("Int64")
    votes = pd.DataFrame(
        [
            {
                "domain": "overall",
                "n_studies": 3,
                "n_improved": 3,
                "n_worsened": 0,
                "n_no_clear": 0,
                "proportion_improved": 1.0,
                "ci_lb": 0.44,
                "ci_ub": 1.0,
                "sign_test_p": 0.25,
            },
            {
                "domain": "physical",
                "n_studies": 3,
                "n_improved": 1,
                "n_worsened": 1,
                "n_no_clear": 1,
                "proportion_improved": 1 / 3,
                "ci_lb": 0.06,
                "ci_ub": 0.79,
                "sign_test_p": 1.0,
            },
            {
                "domain": "psychological",
                "n_studies": 3,
                "n_improved": 2,
                "n_worsened": 0,
                "n_no_clear": 1,
                "proportion_improved": 2 / 3,
                "ci_lb": 0.21,
                "ci_ub": 0.94,
                "sign_test_p": 0.5,
            },
        ]
    )
    return table, votes


def risk_of_bias() -> pd.DataFrame:
    rows = []
    for i, overall in enumerate(["Serious", "Moderate", "Low"]):
        for d in ["D1", "D2", "D3", "D4", "D5", "D6", "D7", "overall"]:
            if i == 2 and d == "D5":
                continue  # a missing judgement: must read "Not assessed"
            rows.append(
                {
                    "study_id": f"r{i}",
                    "label": f"ROBINS study {i}",
                    "tool": "ROBINS-I",
                    "domain": d,
                    "judgement": overall if d == "overall" else "Low",
                    "weight": [50.0, 30.0, 20.0][i],
                }
            )
    for i, rating in enumerate(["Good", "Poor"]):
        for d, j in [("selection", "4"), ("comparability", "2"), ("outcome", "1"), ("overall", rating)]:
            rows.append(
                {
                    "study_id": f"n{i}",
                    "label": f"NOS study {i}",
                    "tool": "NOS",
                    "domain": d,
                    "judgement": j,
                    "weight": np.nan,
                }
            )
    return pd.DataFrame(rows)


def prisma(other: bool = False) -> pd.DataFrame:
    rows = [
        ("database_results", 1200, "PubMed, 700; Scopus, 500"),
        ("register_results", 45, None),
        ("duplicates", 300, None),
        ("records_screened", 945, None),
        ("records_excluded", None, None),
        ("dbr_sought_reports", 40, None),
        ("dbr_notretrieved_reports", 0, None),
        ("dbr_assessed", 40, None),
        ("dbr_excluded", 35, "Wrong population, 10; No QoL outcome, 25"),
        ("total_studies", 5, None),
    ]
    if other:
        rows += [("citations_results", 3, None), ("other_assessed", 3, None)]
    return pd.DataFrame(
        {
            "box": [r[0] for r in rows],
            "n": pd.array([r[1] for r in rows], dtype="Int64"),
            "detail": [r[2] for r in rows],
        }
    )


def evidence(k: int, many: bool) -> pd.DataFrame:
    """k studies; ``many``: 24 instruments over all eight domains, else the shape of the embedded review
    (one domain with three instruments beside two single-instrument domains)."""
    if many:
        domains = [
            "overall",
            "physical",
            "psychological",
            "social",
            "daily_functioning",
            "environment",
            "symptoms",
            "functioning",
        ]
        columns = [(d, f"{name}-{d[:4]}") for d in domains for name in ("EQ-5D-5L", "WHOQOL-BREF", "SF-36")]
    else:
        columns = [
            ("overall", "AQoL-8D"),
            ("overall", "EQ-5D-5L"),
            ("overall", "WHOQOL-BREF"),
            ("physical", "EQ-5D-5L"),
            ("daily_functioning", "EQ-5D-5L"),
        ]
    statuses = ["effect_size", "direction_only", "not_convertible"]
    rows = [
        {
            "study_id": f"s{i:03d}",
            "label": f"Author{i} {2000 + i % 25} (TRIAL-{i})",
            "domain": d,
            "instrument": inst,
            "status": statuses[(i + j) % 3],
        }
        for i in range(k)
        for j, (d, inst) in enumerate(columns)
        if (i + j) % 2 == 0 or k == 1
    ]
    return pd.DataFrame(rows)


def text_boxes(fig) -> list[tuple[str, object]]:
    """(text, window extent) of every visible, non-empty text of a figure, after a draw."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    undrawn = set()  # labels of ticks outside the view limits exist but are not drawn
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                if not lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                    undrawn.update({id(tick.label1), id(tick.label2)})
    texts = [t for t in fig.findobj(Text) if t.get_visible() and str(t.get_text()).strip() and id(t) not in undrawn]
    return [(t.get_text(), t.get_window_extent(renderer)) for t in texts]


def assert_no_text_overlap(fig, tolerance_px: float = 0.5) -> None:
    """No two texts of the figure overlap, and every text lies inside the figure."""
    boxes = text_boxes(fig)
    width, height = fig.canvas.get_width_height()
    for text, box in boxes:
        assert box.x0 >= -tolerance_px and box.x1 <= width + tolerance_px, f"{text!r} leaves the figure: {box}"
        assert box.y0 >= -tolerance_px and box.y1 <= height + tolerance_px, f"{text!r} leaves the figure: {box}"
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            overlap_x = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            overlap_y = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            assert overlap_x <= tolerance_px or overlap_y <= tolerance_px, f"{a!r} overlaps {b!r}"


def assert_within(fig, text, patch, tolerance_px: float = 0.5) -> None:
    """A text's extent lies inside a patch's extent."""
    renderer = fig.canvas.get_renderer()
    box, outer = text.get_window_extent(renderer), patch.get_window_extent(renderer)
    assert (
        box.x0 >= outer.x0 - tolerance_px
        and box.x1 <= outer.x1 + tolerance_px
        and box.y0 >= outer.y0 - tolerance_px
        and box.y1 <= outer.y1 + tolerance_px
    ), (text.get_text(), box, outer)


def gid_texts(fig, gid) -> list[str]:
    """The texts of every axes of a figure whose gid is ``gid``, in drawing order."""
    return [t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == gid]


def gid_mark_sizes(fig, gid) -> list[float]:
    """The size (pt²) of every mark of the scatter collections whose gid is ``gid``, in drawing order."""
    return [float(size) for ax in fig.axes for c in ax.collections if c.get_gid() == gid for size in c.get_sizes()]


def gid_mark_count(fig, gid) -> int:
    """How many marks the scatter collections whose gid is ``gid`` hold."""
    return sum(len(c.get_offsets()) for ax in fig.axes for c in ax.collections if c.get_gid() == gid)


def gid_collections(fig, prefix) -> list[str]:
    """The gids of every collection (scatter marks) of a figure whose gid starts with ``prefix``."""
    return [c.get_gid() for ax in fig.axes for c in ax.collections if (c.get_gid() or "").startswith(prefix)]
