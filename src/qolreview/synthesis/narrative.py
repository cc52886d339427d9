"""Narrative synthesis without meta-analysis (SWiM, Campbell et al. 2020, BMJ 368:l6890).

Two steps, with one rule for the direction of effect:

1. Effect direction per study, comparison and domain (effect direction plot, Thomson & Thomas 2013
   :cite:`thomson2013`, revised by Boon & Thomson 2021 :cite:`boon2021`). Each outcome (arm x instrument x
   subscale, latest timepoint) takes the direction of its point estimate, or the direction reported in words;
   a study with several outcomes in a domain takes a direction when at least 70% of its outcomes share it,
   and "mixed" otherwise. The same 70% rule over the outcomes' confidence intervals gives ``ci_direction``, a
   separate layer that neither the arrows nor the counts use.
2. Vote counting based on the direction of effect (Cochrane Handbook 12.2.2.3 :cite:`cochrane2023`; SWiM,
   Campbell et al. 2020 :cite:`campbell2020`): per comparison and domain, the studies whose direction is
   improved are counted against those worsened, with a two-sided sign test and an exact Clopper-Pearson
   interval for the proportion. Statistical significance plays no part in the count.

Directions are on the QoL-benefit scale of the harmonized effects: positive ``yi`` = better.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qolreview.meta import distributions
from qolreview.provenance import merge_cells
from qolreview.tables import (
    DIRECTION_BASES,
    IMPROVED,
    MIXED,
    NO_CLEAR,
    WORSENED,
    EffectDirection,
    VoteCounts,
)

EDP_THRESHOLD = 0.7
"""Thomson & Thomas (2013): a study-level direction needs at least 70% of its outcomes to agree."""
REPORTED_TO_DIRECTION = {"improved": IMPROVED, "worsened": WORSENED, "no_change": NO_CLEAR, "mixed": MIXED}
OUTCOME_KEY = ["study_id", "comparison", "domain", "arm_id", "comparator_arm_id", "instrument", "subscale"]
STUDY_KEY = ["study_id", "comparison", "domain"]


def direction_from_ci(ci_lb: float, ci_ub: float) -> str:
    """Improved if the CI lies above 0, worsened if it lies below 0, no clear difference otherwise (the CI layer)."""
    if ci_lb > 0:
        return IMPROVED
    if ci_ub < 0:
        return WORSENED
    return NO_CLEAR


def direction_from_sign(estimate: float) -> str:
    """Direction of a point estimate, ignoring its precision (Cochrane Handbook 12.2.2.3)."""
    if estimate > 0:
        return IMPROVED
    if estimate < 0:
        return WORSENED
    return NO_CLEAR


def edp_direction(directions: list[str] | pd.Series, threshold: float = EDP_THRESHOLD) -> str:
    """Study-level direction from its outcomes' directions (Thomson & Thomas 2013).

    The direction shared by at least ``threshold`` of the outcomes (improved, worsened or no clear
    difference); "mixed" when none reaches it. Outcomes reported only as "mixed" count towards no
    category.
    """
    values = pd.Series(list(directions), dtype=object)
    if values.empty:
        raise ValueError("no outcome directions")
    shares = values.value_counts() / len(values)
    for direction in (IMPROVED, WORSENED, NO_CLEAR):
        if shares.get(direction, 0.0) >= threshold:
            return direction
    return MIXED


def _latest(df: pd.DataFrame, key: list[str], order: list[str]) -> pd.DataFrame:
    """One row per ``key``: the latest timepoint (unknown timepoints last), ties broken by ``order``."""
    ranked = df.assign(_weeks=df["timepoint_weeks"].fillna(-np.inf))
    ranked = ranked.sort_values(
        [*key, "_weeks", *order],
        ascending=[True] * len(key) + [False] + [True] * len(order),
        kind="stable",
        na_position="last",
    )
    return ranked.drop_duplicates(key, keep="first").drop(columns="_weeks")


def _intervention_arms(arms: pd.DataFrame) -> set[tuple[str, str]]:
    mine = arms[arms["role"] == "intervention"]
    return set(zip(mine["study_id"], mine["arm_id"], strict=True))


def _keep_intervention(df: pd.DataFrame, arms: pd.DataFrame) -> pd.DataFrame:
    """Drop within-arm (pre-post) results of comparator arms: they are not effects of the intervention."""
    intervention = _intervention_arms(arms)
    is_intervention = [(s, a) in intervention for s, a in zip(df["study_id"], df["arm_id"], strict=True)]
    return df[(df["comparison"] == "between_arms") | np.asarray(is_intervention, dtype=bool)]


def outcome_directions(
    effects: pd.DataFrame, not_convertible: pd.DataFrame, arms: pd.DataFrame, level: float = 0.95
) -> pd.DataFrame:
    """Direction of every outcome of the intervention arms, one row per ``OUTCOME_KEY``.

    Numeric effects (``selected`` rows) come first: ``direction`` is the sign of ``yi``; ``ci_direction`` is
    read from the CI (``basis`` "ci"; the CI is ``yi +/- z * sqrt(vi)`` when ``ci_lb``/``ci_ub`` are missing),
    or is the sign of ``yi`` when there is no CI (``basis`` "point_estimate_only"). A direction reported in
    words (``not_convertible.direction_reported``) is used for outcomes without a numeric effect (``basis``
    "reported"; no_change -> no clear difference), in both columns.
    """
    z = float(distributions.norm.ppf(0.5 + level / 2))
    num = effects[effects["selected"].astype(bool) & effects["yi"].notna()].copy()
    num = _latest(_keep_intervention(num, arms), OUTCOME_KEY, ["measure", "effect_id"])
    half = z * np.sqrt(num["vi"].astype(float))
    lb = num["ci_lb"].astype(float).fillna(num["yi"] - half)
    ub = num["ci_ub"].astype(float).fillna(num["yi"] + half)
    has_ci = lb.notna() & ub.notna()
    num["direction"] = num["yi"].map(direction_from_sign)
    num["ci_direction"] = [
        direction_from_ci(lo, hi) if ok else direction_from_sign(y)
        for lo, hi, ok, y in zip(lb, ub, has_ci, num["yi"], strict=True)
    ]
    num["basis"] = np.where(has_ci, "ci", "point_estimate_only")
    num["n"] = num["n1"].astype(float) + num["n2"].astype(float).fillna(0.0)

    rep = not_convertible[not_convertible["direction_reported"].notna()].copy()
    rep["comparison"] = np.where(rep["comparator_arm_id"].notna(), "between_arms", "within_arm_prepost")
    rep = _latest(_keep_intervention(rep, arms), OUTCOME_KEY, ["source_cells"])
    rep["direction"] = rep["direction_reported"].map(REPORTED_TO_DIRECTION)
    if rep["direction"].isna().any():
        unknown = sorted(set(rep["direction_reported"]) - set(REPORTED_TO_DIRECTION))
        raise ValueError(f"unknown direction_reported: {unknown}")
    rep["ci_direction"] = rep["direction"]
    rep["basis"] = "reported"
    rep["n"] = np.nan
    numeric_keys = pd.MultiIndex.from_frame(num[OUTCOME_KEY].astype(object).fillna(""))
    rep_keys = pd.MultiIndex.from_frame(rep[OUTCOME_KEY].astype(object).fillna(""))
    rep = rep[~rep_keys.isin(numeric_keys)]

    columns = [*OUTCOME_KEY, "timepoint_weeks", "direction", "ci_direction", "basis", "n", "source_cells"]
    out = pd.concat([num[columns], rep[columns]], ignore_index=True)
    return out.sort_values(OUTCOME_KEY, kind="stable", na_position="first").reset_index(drop=True)


def _arm_n(arms: pd.DataFrame, outcomes: pd.DataFrame) -> pd.Series:
    """Participants of an outcome's arms from ``arms.n_arm`` (arm plus comparator arm)."""
    n_arm = arms.set_index(["study_id", "arm_id"])["n_arm"].astype(float)

    def lookup(study: str, arm: object) -> float:
        return float(n_arm.get((study, arm), np.nan)) if pd.notna(arm) else 0.0

    return pd.Series(
        [
            lookup(s, a) + lookup(s, c)
            for s, a, c in zip(outcomes["study_id"], outcomes["arm_id"], outcomes["comparator_arm_id"], strict=True)
        ],
        index=outcomes.index,
    )


def effect_direction(
    effects: pd.DataFrame,
    not_convertible: pd.DataFrame,
    arms: pd.DataFrame,
    studies: pd.DataFrame,
    rob_overall: pd.Series,
    level: float = 0.95,
) -> pd.DataFrame:
    """Effect direction per study x comparison x domain (the :class:`~qolreview.tables.EffectDirection` table).

    ``direction`` applies the 70% rule to the directions of the outcomes' point estimates (the arrows of the
    effect direction plot and the vote counts), ``ci_direction`` to their CI-based directions (a separate
    layer); ``n_outcomes_*`` count the outcomes by ``direction``; ``basis`` is the least informative basis
    among the outcomes (reported < point_estimate_only < ci); ``n`` is the largest number of participants
    among the outcomes (``arms.n_arm`` when no effect gives it).
    """
    outcomes = outcome_directions(effects, not_convertible, arms, level)
    outcomes["n"] = outcomes["n"].fillna(_arm_n(arms, outcomes))
    qol = _domain_qol(effects, not_convertible)
    labels = studies.set_index("study_id")["label"] if "label" in studies else pd.Series(dtype=object)
    rows = []
    for (study_id, comparison, domain), group in outcomes.groupby(STUDY_KEY, sort=True):
        rows.append(
            {
                "study_id": study_id,
                "label": labels.get(study_id) if pd.notna(labels.get(study_id)) else study_id,
                "comparison": comparison,
                "domain": domain,
                "qol": qol.get(domain, pd.NA),
                "direction": edp_direction(group["direction"]),
                "ci_direction": edp_direction(group["ci_direction"]),
                "basis": min(group["basis"], key=DIRECTION_BASES.index),
                "n_outcomes": len(group),
                "n_outcomes_improved": int((group["direction"] == IMPROVED).sum()),
                "n_outcomes_worsened": int((group["direction"] == WORSENED).sum()),
                "n_outcomes_no_clear": int(group["direction"].isin([NO_CLEAR, MIXED]).sum()),
                "n": group["n"].max(),
                "instruments": "; ".join(sorted(set(group["instrument"]))),
                "timepoint_weeks": group["timepoint_weeks"].max(),
                "rob_overall": rob_overall.get(study_id, "Not assessed"),
                "source_cells": merge_cells(group["source_cells"]),
            }
        )
    out = pd.DataFrame(rows, columns=list(EffectDirection.columns()))
    out["qol"] = out["qol"].astype("boolean")
    out["n"] = out["n"].astype("Int64")
    return out


def _domain_qol(effects: pd.DataFrame, not_convertible: pd.DataFrame) -> dict[str, bool]:
    """QoL flag per domain, from the harmonized effects (and ``not_convertible.qol`` when present)."""
    frames = [effects[["domain", "qol"]]]
    if "qol" in not_convertible.columns:
        frames.append(not_convertible[["domain", "qol"]])
    pairs = pd.concat(frames).dropna().drop_duplicates()
    mixed = pairs[pairs.duplicated("domain", keep=False)]
    if not mixed.empty:
        raise ValueError(f"domains flagged both QoL and non-QoL: {sorted(set(mixed['domain']))}")
    return {d: bool(q) for d, q in zip(pairs["domain"], pairs["qol"], strict=True)}


def sign_test(n_improved: int, n_with_direction: int, level: float = 0.95) -> tuple[float, float, float, float]:
    """Proportion improved, its exact (Clopper-Pearson) CI and the two-sided sign test p (H0: p = 0.5).

    ``scipy.stats.binomtest``; studies without a direction are excluded from the denominator, as in
    the sign test (Cochrane Handbook 12.2.2.3; Bushman & Wang 2009).
    """
    # imported here: scipy.stats takes about a second to import, and only the narrative synthesis job needs it
    from scipy.stats import binomtest

    if n_with_direction == 0:
        return (np.nan, np.nan, np.nan, np.nan)
    result = binomtest(n_improved, n_with_direction, p=0.5, alternative="two-sided")
    ci = result.proportion_ci(confidence_level=level, method="exact")
    return (n_improved / n_with_direction, float(ci.low), float(ci.high), float(result.pvalue))


def vote_counts(directions: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Vote count per comparison x domain from ``effect_direction`` (``direction``, as the plot's arrows).

    ``n_no_clear`` counts studies with no clear direction or mixed outcomes; they are left out of
    ``n_with_direction``, the denominator of ``proportion_improved`` and of the sign test.
    """
    rows = []
    for (comparison, domain), group in directions.groupby(["comparison", "domain"], sort=True):
        votes = group["direction"]
        n_improved = int((votes == IMPROVED).sum())
        n_worsened = int((votes == WORSENED).sum())
        proportion, lb, ub, p = sign_test(n_improved, n_improved + n_worsened, level)
        rows.append(
            {
                "comparison": comparison,
                "domain": domain,
                "qol": group["qol"].iloc[0],
                "n_studies": len(group),
                "n_improved": n_improved,
                "n_worsened": n_worsened,
                "n_no_clear": int(votes.isin([NO_CLEAR, MIXED]).sum()),
                "n_with_direction": n_improved + n_worsened,
                "proportion_improved": proportion,
                "ci_lb": lb,
                "ci_ub": ub,
                "sign_test_p": p,
                "study_ids": "; ".join(sorted(group["study_id"])),
            }
        )
    out = pd.DataFrame(rows, columns=list(VoteCounts.columns()))
    out["qol"] = out["qol"].astype("boolean")
    return out
