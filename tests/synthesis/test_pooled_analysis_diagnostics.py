"""Diagnostics of the pooled analyses (qolreview.synthesis.diagnostics): which analyses they run on, the
moderators they read, and that every number is the engine's for that analysis' own data and settings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qolreview import tables
from qolreview.meta import (
    ConvergenceError,
    cumulative,
    egger_test,
    gosh,
    influence,
    meta_regression,
    trim_and_fill,
)
from qolreview.synthesis import diagnostics

K = 12
RNG = np.random.default_rng(7)
YI = RNG.normal(0.3, 0.25, K) + np.linspace(0, 0.4, K)
VI = np.linspace(0.01, 0.12, K)
STUDIES = pd.DataFrame(
    {
        "study_id": [f"s{i:02d}" for i in range(K)],
        "year": [2000 + (i * 7) % K for i in range(K)],
        "follow_up_weeks": [float(4 + i) for i in range(K)],
        "design": ["rct" if i % 3 else "nrsi" for i in range(K)],
        "cell_year": [f"studies!Q{i + 2}" for i in range(K)],
    }
)


def _analysis(aid: str, k: int, pooled: bool = True) -> tuple[dict[str, object], pd.DataFrame]:
    meta = {"analysis_id": aid, "pooled": pooled, "k": k, "method": "REML", "test": "z", "level": 0.95}
    weights = pd.DataFrame(
        {
            "analysis_id": aid,
            "study_id": STUDIES["study_id"][:k],
            "label": [f"Study {i}" for i in range(k)],
            "yi": YI[:k],
            "vi": VI[:k],
            "drug": ["a" if i % 2 else "b" for i in range(k)],
            "source_cells": [f"outcomes!F{i + 2}" for i in range(k)],
        }
    )
    return meta, weights


@pytest.fixture
def data() -> tuple[pd.DataFrame, pd.DataFrame]:
    parts = [_analysis("big", K), _analysis("small", 4), _analysis("unpooled", 5, pooled=False)]
    return pd.DataFrame([m for m, _ in parts]), pd.concat([w for _, w in parts], ignore_index=True)


def test_only_pooled_analyses_with_enough_studies(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    meta, weights = data
    assert [m["analysis_id"] for m, _ in diagnostics.pooled_studies(meta, weights, 5)] == ["big"]
    assert [m["analysis_id"] for m, _ in diagnostics.pooled_studies(meta, weights, 3)] == ["big", "small"]


def test_meta_regression_on_each_moderator(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    meta, weights = data
    table = diagnostics.meta_regression_table(meta, weights, STUDIES, ["follow_up_weeks", "design", "drug"], 10)
    assert set(table["analysis_id"]) == {"big"}
    assert table.groupby("moderator")["coefficient"].apply(list).to_dict() == {
        "design": ["intrcpt", "designrct"],
        "drug": ["intrcpt", "drugb"],
        "follow_up_weeks": ["intrcpt", "follow_up_weeks"],
    }
    fit = meta_regression(YI, VI, {"follow_up_weeks": STUDIES["follow_up_weeks"]})
    rows = table[table["moderator"] == "follow_up_weeks"]
    np.testing.assert_allclose(rows["estimate"], fit.beta, rtol=1e-12)
    assert rows["qm_p"].iloc[0] == pytest.approx(fit.qm_p, rel=1e-12)
    assert rows["source_cells"].iloc[0].startswith("outcomes!F2; outcomes!F3")
    tables.MetaRegression.validate(table.astype({"k": "Int64", "qm_df": "Int64", "qm_df2": "Int64"}))


def test_meta_regression_rejects_an_unknown_moderator(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    meta, weights = data
    with pytest.raises(ValueError, match="'dose' is not a column of the studies sheet"):
        diagnostics.meta_regression_table(meta, weights, STUDIES, ["dose"], 10)


def test_a_moderator_with_missing_values_uses_the_studies_that_have_one(
    data: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    meta, weights = data
    studies = STUDIES.assign(follow_up_weeks=[np.nan, *STUDIES["follow_up_weeks"][1:]])
    table = diagnostics.meta_regression_table(meta, weights, studies, ["follow_up_weeks"], 10)
    assert set(table["k"]) == {K - 1}
    assert diagnostics.meta_regression_table(meta, weights, studies, ["follow_up_weeks"], K).empty


def test_small_study_effects_and_filled_studies(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    meta, weights = data
    tests, filled = diagnostics.small_study_table(meta, weights, 10)
    egger, fill = egger_test(YI, VI), trim_and_fill(YI, VI)
    assert tests["analysis_id"].tolist() == ["big"]
    assert tests["egger_pval"].iloc[0] == pytest.approx(egger.pval, rel=1e-12)
    assert (tests["k0"].iloc[0], tests["side"].iloc[0]) == (fill.k0, fill.side)
    np.testing.assert_allclose(filled["yi"], fill.filled_yi)
    assert len(filled) == fill.k0


def test_influence_rows_carry_their_study_and_cells(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    meta, weights = data
    table = diagnostics.influence_table(meta, weights, 3)
    assert table.groupby("analysis_id").size().to_dict() == {"big": K, "small": 4}
    expected = influence(YI, VI)
    big = table[table["analysis_id"] == "big"]
    np.testing.assert_allclose(big["cook_d"], expected["cook_d"], rtol=1e-12)
    assert big["source_cells"].iloc[0] == "outcomes!F2"
    assert list(table.columns) == list(tables.Influence.columns())


def test_cumulative_in_order_of_year_missing_last(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    meta, weights = data
    studies = STUDIES.assign(year=[np.nan, *STUDIES["year"][1:]])
    table = diagnostics.cumulative_table(meta, weights, studies, "year", 5)
    big = table[table["analysis_id"] == "big"]
    assert big["step"].tolist() == list(range(1, K + 1))
    assert big["study_id"].iloc[-1] == "s00" and np.isnan(big["order_value"].iloc[-1])
    assert big["order_value"].iloc[:-1].is_monotonic_increasing
    key = np.where(np.isnan(studies["year"].to_numpy(float)), np.inf, studies["year"].to_numpy(float))
    np.testing.assert_allclose(big["estimate"], cumulative(YI, VI, key)["estimate"], rtol=1e-12)
    with pytest.raises(ValueError, match="not a numeric column"):
        diagnostics.cumulative_table(meta, weights, studies, "design", 5)


def test_gosh_of_every_subset_or_a_seeded_sample(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    meta, weights = data
    every = diagnostics.gosh_table(meta, weights, 3, 10_000, 1)
    assert every.groupby("analysis_id").size().to_dict() == {"big": 2**K - 1, "small": 15}
    np.testing.assert_allclose(
        every[every["analysis_id"] == "small"]["estimate"], gosh(YI[:4], VI[:4])["estimate"], rtol=1e-12
    )
    sample = diagnostics.gosh_table(meta, weights, 5, 500, 1)
    assert len(sample) == 500 and sample.equals(diagnostics.gosh_table(meta, weights, 5, 500, 1))


def test_nothing_filled_reports_the_analysis_own_fit() -> None:
    rng = np.random.default_rng(0)
    vi = rng.uniform(0.01, 0.1, 10)
    yi = rng.normal(0, np.sqrt(vi))
    meta, weights = _analysis("sym", 10)
    weights = weights.assign(yi=yi, vi=vi)
    meta |= {"estimate": 0.01, "se": 0.07, "ci_lb": -0.15, "ci_ub": 0.17, "tau2": 0.0, "test": "knha"}
    tests, filled = diagnostics.small_study_table(pd.DataFrame([meta]), weights, 10)
    assert trim_and_fill(yi, vi).k0 == 0 and filled.empty
    assert tests[["filled_estimate", "filled_se", "filled_ci_lb", "filled_ci_ub"]].iloc[0].tolist() == [
        0.01,
        0.07,
        -0.15,
        0.17,
    ]


def test_an_analysis_the_data_do_not_allow_is_recorded_and_the_others_run(
    data: tuple[pd.DataFrame, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    meta, weights = data

    def fails_on_twelve(yi: np.ndarray, vi: np.ndarray, **settings: object) -> pd.DataFrame:
        if len(yi) == K:
            raise ConvergenceError("Fisher scoring algorithm did not converge.")
        return influence(yi, vi, **settings)

    monkeypatch.setattr(diagnostics, "influence", fails_on_twelve)
    failures = diagnostics.FailureLog("influence")
    table = diagnostics.influence_table(meta, weights, 3, failures)
    assert set(table["analysis_id"]) == {"small"}
    assert failures.table().to_dict("records") == [
        {
            "analysis_id": "big",
            "method": "influence",
            "moderator": None,
            "reason": "ConvergenceError: Fisher scoring algorithm did not converge.",
        }
    ]
    tables.DiagnosticFailures.validate(failures.table())


def test_a_programming_error_is_not_taken_for_a_data_problem() -> None:
    def broken() -> None:
        raise TypeError("a bug")

    with pytest.raises(TypeError, match="a bug"):
        diagnostics.FailureLog("gosh").attempt("a1", broken)


def test_analyses_pooled_with_the_che_model_are_diagnosed_with_knapp_hartung() -> None:
    settings = diagnostics._fit_settings({"method": "REML", "test": "cr2", "level": 0.9})
    assert settings == {"method": "REML", "test": "knha", "level": 0.9}
