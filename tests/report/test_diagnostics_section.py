"""The report's section on small-study effects, meta-regression, influence, cumulative meta-analysis and GOSH."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from markdown_text import plain

from qolreview import report as R
from qolreview.instruments import BUNDLED_REGISTRY
from qolreview.meta import cumulative, egger_test, gosh, influence, rank_correlation_test, trim_and_fill
from qolreview.report.diagnostics import gosh_section, not_run_reason
from qolreview.synthesis import DIAGNOSTIC_METHODS
from qolreview.tables import (
    Cumulative,
    DiagnosticFailures,
    FilledStudies,
    Gosh,
    Influence,
    MetaRegression,
    SmallStudyEffects,
)

SYNTHESIS = {
    "meta_regression": {"moderators": ["year"], "min_studies": 10},
    "small_study_effects": {"min_studies": 10},
    "influence": {"min_studies": 3},
    "cumulative": {"order_by": "year", "min_studies": 3},
    "gosh": {"min_studies": 5, "max_subsets": 100, "seed": 1},
}
AID = "between_arms|overall|short|SMD"
K = 10
YI = np.linspace(-0.1, 0.8, K) ** 2
VI = np.linspace(0.02, 0.2, K)


def _meta(k: int, pooled: bool = True) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "analysis_id": AID,
                "comparison": "between_arms",
                "domain": "overall",
                "window": "short",
                "measure": "SMD",
                "pooled": pooled,
                "test": "z",
                "k": k,
            }
        ]
    )


def _empty(contract: type) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in contract.columns()})


def _data(tmp_path: Path, meta: pd.DataFrame, **tables: pd.DataFrame) -> R.ReportData:
    contracts = {
        "meta_regression": MetaRegression,
        "small_study_effects": SmallStudyEffects,
        "filled_studies": FilledStudies,
        "influence": Influence,
        "cumulative": Cumulative,
        "gosh": Gosh,
        **{f"{method}_failures": DiagnosticFailures for method in DIAGNOSTIC_METHODS},
    }
    full = {name: tables.get(name, _empty(contract)) for name, contract in contracts.items()}
    studies = pd.DataFrame({"study_id": [f"s{i}" for i in range(K)], "label": [f"Study {i}" for i in range(K)]})
    config = {"synthesis": copy.deepcopy(SYNTHESIS), "instruments": str(BUNDLED_REGISTRY)}
    return R.ReportData(config=config, tables={"meta_analyses": meta, "studies": studies, **full}, project_dir=tmp_path)


def _figs(tmp_path: Path) -> R.Figures:
    (tmp_path / "results" / "figures").mkdir(parents=True)
    (tmp_path / "results" / "figures" / "captions.json").write_text(json.dumps({}), encoding="utf-8")
    return R.Figures(tmp_path, "results")


def test_not_run_reasons_name_the_numbers() -> None:
    assert not_run_reason(_meta(2), 10, "Meta-regression was not run", "Cochrane Handbook 10.11.5.1") == (
        "Meta-regression was not run: the largest pooled analysis has 2 studies, fewer than the 10 required "
        "(Cochrane Handbook 10.11.5.1).\n"
    )
    assert not_run_reason(_meta(1, pooled=False), 3, "GOSH analysis was not run") == (
        "GOSH analysis was not run: no analysis was pooled.\n"
    )


def test_every_method_says_why_it_did_not_run(tmp_path: Path) -> None:
    data, figs = _data(tmp_path, _meta(2)), _figs(tmp_path)
    assert R.small_study_section(data, figs).startswith(
        "Small-study effects were not assessed: the largest pooled analysis has 2 studies, fewer than the 10 required"
    )
    assert R.meta_regression_section(data, figs).startswith("Meta-regression was not run: the largest")
    text = R.influence_section(data, figs) + gosh_section(data, figs)
    for what in (
        "Influence diagnostics were not run",
        "Cumulative meta-analysis was not run",
        "GOSH analysis was not run",
    ):
        assert what in text
    data.config["synthesis"]["meta_regression"]["moderators"] = []
    assert "no moderator was named" in R.meta_regression_section(data, figs)


def test_a_failed_diagnostic_is_reported_with_its_reason(tmp_path: Path) -> None:
    failure = pd.DataFrame(
        [{"analysis_id": AID, "method": "gosh", "moderator": None, "reason": "ConvergenceError: no convergence"}]
    )
    regression = failure.assign(method="meta_regression", moderator="year")
    data, figs = _data(tmp_path, _meta(12), gosh_failures=failure, meta_regression_failures=regression), _figs(tmp_path)
    text = plain(R.influence_section(data, figs) + gosh_section(data, figs))
    assert "The GOSH analysis could not be computed for Overall" in text
    assert "(ConvergenceError: no convergence)" in text
    assert "GOSH analysis was not run" not in text  # the failure, not a missing threshold, is the reason
    assert "Influence diagnostics were not run" in text
    regression_text = plain(R.meta_regression_section(data, figs))
    assert regression_text.startswith("Meta-regression could not be computed for Overall")
    assert " on year (ConvergenceError" in regression_text


def test_sections_report_what_ran(tmp_path: Path) -> None:
    egger, rank, fill = egger_test(YI, VI), rank_correlation_test(YI, VI), trim_and_fill(YI, VI)
    tests = pd.DataFrame(
        [
            {
                "analysis_id": AID,
                "k": K,
                "egger_stat": egger.stat,
                "egger_pval": egger.pval,
                "rank_tau": rank.tau,
                "rank_pval": rank.pval,
                "k0": fill.k0,
                "side": fill.side,
                "filled_estimate": fill.estimate,
                "filled_ci_lb": fill.ci_lb,
                "filled_ci_ub": fill.ci_ub,
            }
        ]
    )
    infl = influence(YI, VI).assign(analysis_id=AID, study_id=[f"s{i}" for i in range(K)])
    infl["influential"] = [i == 3 for i in range(K)]
    cumul = cumulative(YI, VI).assign(analysis_id=AID)
    subsets = gosh(YI[:6], VI[:6]).assign(analysis_id=AID)
    data = _data(tmp_path, _meta(K), small_study_effects=tests, influence=infl, cumulative=cumul, gosh=subsets)
    figs = _figs(tmp_path)
    small = plain(R.small_study_section(data, figs))
    assert f"z = {egger.stat:.2f}" in small and "@tbl-small-study" in small
    assert f"{fill.k0} stud" in small and f"filled on the {fill.side}" in small
    text = plain(R.influence_section(data, figs))
    assert "Study 3 was flagged as influential" in text and "in order of year" in text
    assert "(every subset)" in plain(gosh_section(data, figs))


@pytest.mark.parametrize("moderators", [["year"], ["year", "design"]])
def test_meta_regression_table_lists_every_coefficient(tmp_path: Path, moderators: list[str]) -> None:
    rows = [
        {
            "analysis_id": AID,
            "moderator": m,
            "coefficient": c,
            "estimate": 0.1,
            "ci_lb": 0.0,
            "ci_ub": 0.2,
            "pval": 0.04,
            "k": K,
            "r2": 12.5,
        }
        for m in moderators
        for c in ("intrcpt", m)
    ]
    data = _data(tmp_path, _meta(K), meta_regression=pd.DataFrame(rows))
    data.config["synthesis"]["meta_regression"]["moderators"] = moderators
    text = plain(R.meta_regression_section(data, _figs(tmp_path)))
    assert text.count("| intrcpt |") == len(moderators)
    assert "12.5" in text and "one moderator at a time" in text
