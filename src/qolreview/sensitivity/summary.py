"""Summary of a multiverse per analysis: agreement with the primary result, range of the estimates, which factor
moves them most (a main-effects variance decomposition) and the robustness of the primary conclusion.

Share of the variance explained by a factor: the between-level sum of squares of the pooled estimates over their
total sum of squares (eta squared of the factor's main effect; Voracek, Kossmeier & Tran 2019 summarise a
multiverse by how each factor shifts the estimates). Interactions are not attributed to any factor, so the shares
need not sum to 1. The robustness rule: :mod:`qolreview.sensitivity.conclusions`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from qolreview.formatting import estimate_with_ci, plural, report_number
from qolreview.sensitivity.conclusions import (
    NOT_ASSESSABLE,
    between_share,
    excludes_null,
    robustness,
    same_conclusion,
)
from qolreview.sensitivity.config import parse_sensitivity
from qolreview.tables import SENSITIVITY_STATUSES, MultiverseFactors, MultiverseSummary

POOLED = SENSITIVITY_STATUSES[0]


def _factor_rows(
    aid: str, sub: pd.DataFrame, agree: np.ndarray, factors: Mapping[str, tuple[object, ...]]
) -> list[dict]:
    pooled = sub["status"].eq(POOLED).to_numpy()
    estimates = sub["estimate"].to_numpy(float)[pooled]
    rows = []
    for name, levels in factors.items():
        values = sub[name].to_numpy()
        means = pd.Series(estimates).groupby(values[pooled], sort=False).mean()
        means = means.reindex([lv for lv in levels if lv in means.index])
        rows.append(
            {
                "analysis_id": aid,
                "factor": name,
                "n_levels": len(levels),
                "variance_share": between_share(estimates, values[pooled]) if estimates.size else np.nan,
                "conclusion_share": between_share(agree, values),
                "lowest_level": str(means.idxmin()) if len(means) else None,
                "lowest_mean": float(means.min()) if len(means) else np.nan,
                "highest_level": str(means.idxmax()) if len(means) else None,
                "highest_mean": float(means.max()) if len(means) else np.nan,
            }
        )
    return rows


def _sentence(summary: Mapping[str, object], top: Mapping[str, object] | None, level: float) -> str:
    n, n_pooled = int(summary["n_specifications"]), int(summary["n_pooled"])  # type: ignore[call-overload]
    verdict = str(summary["robustness"])
    primary = estimate_with_ci(
        summary["primary_estimate"], summary["primary_ci_lb"], summary["primary_ci_ub"], 2, level
    )
    if n_pooled == 0:
        return f"None of the {plural(n, 'specification')} leaves enough studies to pool; robustness {verdict}."
    text = (
        f"{n_pooled} of {plural(n, 'specification')} could be pooled; "
        f"{summary['share_same_direction']:.0%} of them point in the primary analysis' direction and "
        f"{summary['share_ci_excludes_null']:.0%} have a {level:.0%} CI excluding no effect; estimates range from "
        f"{report_number(summary['estimate_min'])} to {report_number(summary['estimate_max'])} "
        f"(median {report_number(summary['estimate_median'])}; primary {primary})."
    )
    if top is not None:
        text += (
            f" The choice of {top['factor']} moves the estimate most ({top['variance_share']:.0%} of the variance of "
            f"the estimates; mean {report_number(top['lowest_mean'])} with {top['lowest_level']}, "
            f"{report_number(top['highest_mean'])} with {top['highest_level']})."
        )
    share = f"{summary['share_same_conclusion']:.0%} of the specifications reach it"
    return text + f" The primary conclusion {'' if verdict.startswith('depends') else 'is '}{verdict} ({share})."


def summarise_multiverse(
    table: pd.DataFrame, meta_analyses: pd.DataFrame, config: Mapping[str, object]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Summarise a ``Multiverse`` table (the whole grid: concatenate the shards of a split run first).

    Returns
    -------
    tuple of pandas.DataFrame
        ``MultiverseSummary`` (one row per analysis: numbers of specifications and of pooled ones, the primary
        result, the shares with the primary direction and with a CI excluding 0 among the pooled specifications,
        the share reaching the primary conclusion among all, the range and median of the estimates, the factor
        explaining most of their variance, the robustness and a sentence) and ``MultiverseFactors`` (one row per
        analysis x multiverse factor: variance shares and the levels of lowest and highest mean estimate).
    """
    factors = parse_sensitivity(config.get("sensitivity")).factors  # type: ignore[arg-type]
    level = float((config.get("synthesis") or {}).get("level", 0.95))  # type: ignore[union-attr]
    meta = meta_analyses.set_index("analysis_id")
    summary_rows, factor_rows = [], []
    for aid, sub in table.groupby("analysis_id", sort=True):
        sub = sub.sort_values("specification", kind="stable")
        primary = meta.loc[aid]
        reference = (float(primary["estimate"]), float(primary["ci_lb"]), float(primary["ci_ub"]))
        pooled = sub["status"].eq(POOLED).to_numpy()
        est = sub["estimate"].to_numpy(float)
        agree = same_conclusion(est, sub["ci_lb"], sub["ci_ub"], reference) & pooled
        rows = _factor_rows(str(aid), sub, agree.astype(float), factors)
        factor_rows += rows
        ranked = [r for r in rows if np.isfinite(r["variance_share"])]
        top = max(ranked, key=lambda r: r["variance_share"]) if ranked else None
        varied = {name: sub[name].to_numpy() for name, levels in factors.items() if len(levels) > 1}
        row = {
            "analysis_id": aid,
            "measure": primary["measure"],
            "n_specifications": len(sub),
            "n_pooled": int(pooled.sum()),
            "primary_estimate": reference[0],
            "primary_ci_lb": reference[1],
            "primary_ci_ub": reference[2],
            "share_same_direction": float(np.mean(np.sign(est[pooled]) == np.sign(reference[0])))
            if pooled.any()
            else np.nan,
            "share_ci_excludes_null": float(np.mean(excludes_null(sub["ci_lb"], sub["ci_ub"])[pooled]))
            if pooled.any()
            else np.nan,
            "share_same_conclusion": float(agree.mean()) if len(sub) else np.nan,
            "estimate_min": float(est[pooled].min()) if pooled.any() else np.nan,
            "estimate_median": float(np.median(est[pooled])) if pooled.any() else np.nan,
            "estimate_max": float(est[pooled].max()) if pooled.any() else np.nan,
            "top_factor": top["factor"] if top else None,
            "top_factor_share": top["variance_share"] if top else np.nan,
            "robustness": robustness(agree, varied) if len(sub) else NOT_ASSESSABLE,
        }
        row["sentence"] = _sentence(row, top, level)
        summary_rows.append(row)
    summary = pd.DataFrame(summary_rows, columns=list(MultiverseSummary.columns()))
    for column in ("n_specifications", "n_pooled"):
        summary[column] = summary[column].astype("Int64")
    factor_table = pd.DataFrame(factor_rows, columns=list(MultiverseFactors.columns()))
    factor_table["n_levels"] = factor_table["n_levels"].astype("Int64")
    return summary, factor_table
