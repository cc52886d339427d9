"""Diagnostics of the pooled analyses: meta-regression, small-study effects, influence, cumulative
meta-analysis and GOSH, each run on the one-effect-per-study data of every pooled analysis with enough
studies (``study_weights``), with the analysis' own estimator, test and level.

The thresholds are settings: meta-regression and small-study tests need at least 10 studies by default
(Cochrane Handbook 10.11.5.1 and 13.3.5.4); an analysis with fewer is skipped, and the report says why.

A diagnostic that cannot be computed for one analysis (an estimator that does not converge, a degenerate
design) does not stop the others: it is logged and recorded in a :class:`FailureLog`, whose table
(``DiagnosticFailures``) each rule writes beside its results and the report quotes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

import numpy as np
import pandas as pd

from qolreview.meta import (
    ConvergenceError,
    EggerTest,
    RankCorrelationTest,
    TrimAndFill,
    cumulative,
    egger_test,
    gosh,
    influence,
    meta_regression,
    rank_correlation_test,
    trim_and_fill,
)
from qolreview.provenance import merge_cells
from qolreview.synthesis.pooling import CHE_TEST
from qolreview.tables import (
    Cumulative,
    DiagnosticFailures,
    FilledStudies,
    Gosh,
    Influence,
    MetaRegression,
    SmallStudyEffects,
)

log = logging.getLogger(__name__)

ARM_MODERATORS = ("drug",)
"""Moderators taken from the study's effect rather than the ``studies`` sheet."""
DATA_ERRORS = (ConvergenceError, ValueError, ArithmeticError, np.linalg.LinAlgError)
"""What the engine raises when the data of one analysis do not allow a fit (never a programming error)."""

_Result = TypeVar("_Result")


@dataclass
class FailureLog:
    """The diagnostics of one rule that could not be computed, one row per analysis (and moderator)."""

    method: str
    records: list[dict[str, object]] = field(default_factory=list)

    def attempt(
        self,
        analysis_id: str,
        compute: Callable[..., _Result],
        *args: object,
        moderator: str | None = None,
        **kwargs: object,
    ) -> _Result | None:
        """``compute(*args, **kwargs)``, or None after logging and recording why the data did not allow it."""
        try:
            return compute(*args, **kwargs)
        except DATA_ERRORS as error:
            reason = f"{type(error).__name__}: {error}"
            what = f"{analysis_id} on {moderator}" if moderator else analysis_id
            log.warning("%s could not be computed for %s: %s", self.method, what, reason)
            self.records.append(
                {"analysis_id": analysis_id, "method": self.method, "moderator": moderator, "reason": reason}
            )
            return None

    def table(self) -> pd.DataFrame:
        return _frame(self.records, DiagnosticFailures.columns())


def pooled_studies(
    meta: pd.DataFrame, weights: pd.DataFrame, min_studies: int
) -> Iterator[tuple[Mapping[str, object], pd.DataFrame]]:
    """Each pooled analysis with at least ``min_studies`` studies, with its studies' rows of ``weights``."""
    by_analysis = {aid: rows for aid, rows in weights.groupby("analysis_id", sort=True)}
    for analysis in meta[meta["pooled"].astype(bool)].sort_values("analysis_id").to_dict("records"):
        rows = by_analysis.get(analysis["analysis_id"])
        if rows is not None and len(rows) >= min_studies:
            yield analysis, rows.reset_index(drop=True)


def _frame(records: Sequence[Mapping[str, object]], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(list(records), columns=list(columns))


def _fit_settings(analysis: Mapping[str, object]) -> dict[str, object]:
    """Estimator, test and level of the analysis; an analysis pooled with the CHE model (test ``cr2``) is
    diagnosed on its one-row-per-study data with the random-effects model and Knapp-Hartung's t test, the
    small-sample counterpart of its robust t test (the diagnostics are defined for one effect per study)."""
    test = str(analysis["test"])
    return {
        "method": str(analysis["method"]),
        "test": "knha" if test == CHE_TEST else test,
        "level": float(analysis["level"]),
    }


def moderator_values(rows: pd.DataFrame, studies: pd.DataFrame, moderator: str) -> pd.Series:
    """The moderator's value for each study of ``rows`` (study-level column of ``studies``, or ``drug``)."""
    if moderator in ARM_MODERATORS:
        return rows[moderator].reset_index(drop=True)
    if moderator not in studies.columns or moderator.startswith(("cell_", "source_")):
        usable = sorted(c for c in studies.columns if not c.startswith(("cell_", "source_")))
        raise ValueError(
            f"synthesis.meta_regression.moderators: {moderator!r} is not a column of the studies sheet "
            f"(or one of {', '.join(ARM_MODERATORS)}); the studies sheet has {', '.join(usable)}"
        )
    return rows["study_id"].map(studies.set_index("study_id")[moderator]).reset_index(drop=True)


def meta_regression_table(
    meta: pd.DataFrame,
    weights: pd.DataFrame,
    studies: pd.DataFrame,
    moderators: Sequence[str],
    min_studies: int,
    failures: FailureLog | None = None,
) -> pd.DataFrame:
    """One meta-regression per pooled analysis and moderator (each moderator alone); studies without a value
    of the moderator are left out of that model, which runs when ``min_studies`` studies remain. Models the
    data do not allow are recorded in ``failures``."""
    failures = failures or FailureLog("meta_regression")
    records = []
    for analysis, rows in pooled_studies(meta, weights, min_studies):
        for moderator in moderators:
            values = moderator_values(rows, studies, moderator)
            known = values.notna().to_numpy()
            if known.sum() < min_studies or values[known].nunique() < 2:
                log.info(
                    "meta-regression %s on %s: not run (%d studies with a value, %d distinct)",
                    analysis["analysis_id"],
                    moderator,
                    known.sum(),
                    values[known].nunique(),
                )
                continue
            used = rows[known]
            column = values[known].reset_index(drop=True)
            mods = {moderator: column.astype(float) if pd.api.types.is_numeric_dtype(column) else column.astype(str)}
            fit = failures.attempt(
                analysis["analysis_id"],
                meta_regression,
                used["yi"].to_numpy(float),
                used["vi"].to_numpy(float),
                mods,
                moderator=moderator,
                **_fit_settings(analysis),
            )
            if fit is None:
                continue
            shared = {
                "analysis_id": analysis["analysis_id"],
                "moderator": moderator,
                "k": fit.k,
                "qm": fit.qm,
                "qm_df": fit.qm_df[0],
                "qm_df2": fit.qm_df[1],
                "qm_p": fit.qm_p,
                "qe": fit.qe,
                "qe_df": fit.qe_df,
                "qe_p": fit.qe_p,
                "tau2": fit.tau2,
                "i2": fit.i2,
                "r2": fit.r2,
                "method": fit.method,
                "test": fit.test,
                "source_cells": merge_cells(used["source_cells"]),
            }
            for i, name in enumerate(fit.coef_names):
                records.append(
                    {
                        **shared,
                        "coefficient": name,
                        "estimate": fit.beta[i],
                        "se": fit.se[i],
                        "stat": fit.stat[i],
                        "pval": fit.pval[i],
                        "ci_lb": fit.ci_lb[i],
                        "ci_ub": fit.ci_ub[i],
                    }
                )
    return _frame(records, MetaRegression.columns())


def small_study_table(
    meta: pd.DataFrame, weights: pd.DataFrame, min_studies: int, failures: FailureLog | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Egger's regression test, the rank correlation test and trim-and-fill of each pooled analysis with at
    least ``min_studies`` studies, and the studies trim-and-fill imputed; analyses the data do not allow are
    recorded in ``failures``."""
    failures = failures or FailureLog("small_study_effects")
    records, filled = [], []
    for analysis, rows in pooled_studies(meta, weights, min_studies):
        yi, vi = rows["yi"].to_numpy(float), rows["vi"].to_numpy(float)
        settings = _fit_settings(analysis)
        tests = failures.attempt(analysis["analysis_id"], _small_study_tests, yi, vi, settings)
        if tests is None:
            continue
        egger, rank, fill = tests
        if fill.k0 == 0:  # nothing filled: metafor's trimfill() returns the analysis' own fit (its test, level)
            fill = replace(
                fill,
                estimate=analysis["estimate"],
                se=analysis["se"],
                ci_lb=analysis["ci_lb"],
                ci_ub=analysis["ci_ub"],
                tau2=analysis["tau2"],
            )
        records.append(
            {
                "analysis_id": analysis["analysis_id"],
                "k": len(rows),
                "egger_stat": egger.stat,
                "egger_pval": egger.pval,
                "limit_estimate": egger.limit_estimate,
                "limit_ci_lb": egger.limit_ci_lb,
                "limit_ci_ub": egger.limit_ci_ub,
                "rank_tau": rank.tau,
                "rank_pval": rank.pval,
                "k0": fill.k0,
                "side": fill.side,
                "se_k0": fill.se_k0,
                "filled_estimate": fill.estimate,
                "filled_se": fill.se,
                "filled_ci_lb": fill.ci_lb,
                "filled_ci_ub": fill.ci_ub,
                "filled_tau2": fill.tau2,
                "filled_k": fill.k,
                "method": settings["method"],
                "source_cells": merge_cells(rows["source_cells"]),
            }
        )
        filled += [
            {"analysis_id": analysis["analysis_id"], "yi": y, "vi": v}
            for y, v in zip(fill.filled_yi, fill.filled_vi, strict=True)
        ]
    return _frame(records, SmallStudyEffects.columns()), _frame(filled, FilledStudies.columns())


def _small_study_tests(
    yi: np.ndarray, vi: np.ndarray, settings: Mapping[str, object]
) -> tuple[EggerTest, RankCorrelationTest, TrimAndFill]:
    """Egger's test, the rank correlation test and trim-and-fill of one analysis."""
    method = str(settings["method"])
    egger = egger_test(yi, vi, **settings)
    return egger, rank_correlation_test(yi, vi, method=method), trim_and_fill(yi, vi, method=method)


def influence_table(
    meta: pd.DataFrame, weights: pd.DataFrame, min_studies: int, failures: FailureLog | None = None
) -> pd.DataFrame:
    """Influence diagnostics of every study of each pooled analysis with at least ``min_studies`` studies;
    analyses the data do not allow are recorded in ``failures``."""
    failures = failures or FailureLog("influence")
    frames = []
    for analysis, rows in pooled_studies(meta, weights, min_studies):
        diagnostics = failures.attempt(
            analysis["analysis_id"],
            influence,
            rows["yi"].to_numpy(float),
            rows["vi"].to_numpy(float),
            **_fit_settings(analysis),
        )
        if diagnostics is None:
            continue
        frames.append(
            pd.concat([rows[["analysis_id", "study_id", "label"]], diagnostics, rows[["source_cells"]]], axis=1)[
                list(Influence.columns())
            ]
        )
    return pd.concat(frames, ignore_index=True) if frames else _frame([], Influence.columns())


def cumulative_table(
    meta: pd.DataFrame,
    weights: pd.DataFrame,
    studies: pd.DataFrame,
    order_by: str,
    min_studies: int,
    failures: FailureLog | None = None,
) -> pd.DataFrame:
    """Cumulative meta-analysis of each pooled analysis with at least ``min_studies`` studies, studies added in
    increasing order of the ``studies`` column ``order_by`` (missing values last, ties in study order);
    analyses the data do not allow are recorded in ``failures``."""
    failures = failures or FailureLog("cumulative")
    if order_by not in studies.columns or not pd.api.types.is_numeric_dtype(studies[order_by]):
        raise ValueError(f"synthesis.cumulative.order_by: {order_by!r} is not a numeric column of the studies sheet")
    order_values = studies.set_index("study_id")[order_by]
    frames = []
    for analysis, rows in pooled_studies(meta, weights, min_studies):
        values = rows["study_id"].map(order_values).astype(float).to_numpy()
        key = np.where(np.isnan(values), np.inf, values)
        steps = failures.attempt(
            analysis["analysis_id"],
            cumulative,
            rows["yi"].to_numpy(float),
            rows["vi"].to_numpy(float),
            key,
            **_fit_settings(analysis),
        )
        if steps is None:
            continue
        added = rows.iloc[steps["added"].to_numpy(int)].reset_index(drop=True)
        frames.append(
            pd.DataFrame(
                {
                    "analysis_id": analysis["analysis_id"],
                    "step": np.arange(1, len(rows) + 1),
                    "study_id": added["study_id"],
                    "label": added["label"],
                    "order_value": values[steps["added"].to_numpy(int)],
                    "k": steps["k"],
                    **{c: steps[c] for c in ("estimate", "se", "ci_lb", "ci_ub", "pval", "tau2", "i2")},
                    "source_cells": added["source_cells"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else _frame([], Cumulative.columns())


def gosh_table(
    meta: pd.DataFrame,
    weights: pd.DataFrame,
    min_studies: int,
    max_subsets: int,
    seed: int,
    failures: FailureLog | None = None,
) -> pd.DataFrame:
    """GOSH of each pooled analysis with at least ``min_studies`` studies: every subset of studies, or a
    seeded sample of ``max_subsets`` of them (bit i-1 of ``mask``: the i-th study in ``study_weights`` order);
    analyses the data do not allow are recorded in ``failures``."""
    failures = failures or FailureLog("gosh")
    frames = []
    for analysis, rows in pooled_studies(meta, weights, min_studies):
        subsets = failures.attempt(
            analysis["analysis_id"],
            gosh,
            rows["yi"].to_numpy(float),
            rows["vi"].to_numpy(float),
            method=str(analysis["method"]),
            max_subsets=max_subsets,
            seed=seed,
        )
        if subsets is None:
            continue
        frames.append(subsets.assign(analysis_id=analysis["analysis_id"])[list(Gosh.columns())])
    return pd.concat(frames, ignore_index=True) if frames else _frame([], Gosh.columns())
