"""Tables behind the evidence map and the QoL-over-time figure, derived from the harmonized tables.

Both keep the ``source_cells`` of every value so a reader can check each glyph and point.
"""

from __future__ import annotations

import pandas as pd

from qolreview.labels import study_labels


def evidence_map_table(effects: pd.DataFrame, not_convertible: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """One row per reported result: study, instrument, domain and what could be done with it.

    ``status`` is ``effect_size`` for results that became effect sizes, ``direction_only`` for results
    reported only as a direction or a bound, and ``not_convertible`` for the rest. Baseline rows are
    inputs of other results, not results, and are left out.
    """
    labels = study_labels(studies)
    converted = effects.assign(status="effect_size")
    described = not_convertible[~not_convertible["reason"].str.startswith("baseline row")]
    words_only = described["direction_reported"].notna() | described["value_qualifier"].notna()
    described = described.assign(status=words_only.map({True: "direction_only", False: "not_convertible"}))
    columns = ["study_id", "instrument", "domain", "status", "source_cells"]
    table = pd.concat([converted[columns], described[columns]], ignore_index=True)
    table.insert(1, "label", table["study_id"].map(labels))
    return table.sort_values(["study_id", "domain", "instrument", "status"], kind="stable").reset_index(drop=True)


def trajectory_table(effects: pd.DataFrame, not_convertible: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """QoL effects (and reported percent changes) of each study against weeks since baseline.

    Every timepoint is kept, not only the one selected per time window; an effect superseded by a preferred
    source of the same comparison (e.g. a contrast beside arm-level data) is not. Within-arm effects of comparator
    arms are left out (their change is not an effect of the intervention). Percent changes reported
    without an effect size are added as ``value_kind`` ``pct_change``; a bound ("> 10%") keeps its
    ``value_qualifier`` (empty for estimates), so that the figure draws it as a bound.
    """
    labels = study_labels(studies)
    qol = effects[effects["qol"].astype(bool) & (effects["arm_role"] != "comparator") & ~effects["superseded"]]
    measured = pd.DataFrame(
        {
            "study_id": qol["study_id"],
            "domain": qol["domain"],
            "instrument": qol["instrument"],
            "subscale": qol["subscale"],
            "timepoint_weeks": qol["timepoint_weeks"],
            "value": qol["yi"],
            "ci_lb": qol["ci_lb"],
            "ci_ub": qol["ci_ub"],
            "value_kind": qol["measure"],
            "comparison": qol["comparison"],
            "value_qualifier": None,
            "source_cells": qol["source_cells"],
        }
    )
    pct = not_convertible[not_convertible["qol"].fillna(False).astype(bool) & not_convertible["pct_change"].notna()]
    described = pd.DataFrame(
        {
            "study_id": pct["study_id"],
            "domain": pct["domain"],
            "instrument": pct["instrument"],
            "subscale": pct["subscale"],
            "timepoint_weeks": pct["timepoint_weeks"],
            "value": pct["pct_change"],
            "ci_lb": float("nan"),
            "ci_ub": float("nan"),
            "value_kind": "pct_change",
            "comparison": "within_arm_prepost",
            "value_qualifier": pct["value_qualifier"],
            "source_cells": pct["source_cells"],
        }
    )
    table = pd.concat([measured, described], ignore_index=True).dropna(subset=["timepoint_weeks", "value"])
    table.insert(1, "label", table["study_id"].map(labels))
    order = ["study_id", "domain", "value_kind", "instrument", "subscale", "timepoint_weeks"]
    return table.sort_values(order, kind="stable").reset_index(drop=True)
