"""The table contracts: a table that breaks its contract is never written, and empty tables keep their types."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from qolreview import tables
from qolreview.parquet_io import ContractError, read_table, write_table

CONTRACTS = [
    value
    for value in vars(tables).values()
    if isinstance(value, type)
    and issubclass(value, tables.Contract)
    and value not in (tables.Contract, tables.CsvContract)
]


def _conversion_log(**changes: object) -> pd.DataFrame:
    row = {
        "effect_id": "s1-abc",
        "step": 1,
        "name": "sd_from_se",
        "description": "SD from SE",
        "formula": "SD = SE * sqrt(n)",
        "source": "Cochrane Handbook 6.5.2.2",
        "approximate": False,
    }
    return pd.DataFrame([{**row, **changes}])


def test_every_results_table_has_a_contract() -> None:
    assert {c.__name__ for c in CONTRACTS} == {
        "CleaningLog",
        "EffectSizes",
        "NotConvertible",
        "ConversionLog",
        "RiskOfBias",
        "MetaAnalyses",
        "StudyWeights",
        "Subgroups",
        "LeaveOneOut",
        "EffectDirection",
        "VoteCounts",
        "SummaryOfFindings",
        "Robvis",
        "PrismaCounts",
        "MetaRegression",
        "SmallStudyEffects",
        "FilledStudies",
        "Influence",
        "Cumulative",
        "Gosh",
        "DiagnosticFailures",
        "SensitivityAnalyses",
        "Multiverse",
        "MultiverseSummary",
        "MultiverseFactors",
    }


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.__name__)
def test_an_empty_table_is_written_with_the_contract_types(contract: type[tables.Contract], tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    write_table(pd.DataFrame({c: pd.Series(dtype=object) for c in contract.columns()}), path, contract)
    assert pq.read_schema(path).types == contract.arrow_schema().types
    assert read_table(path).columns.tolist() == list(contract.columns())


def test_model_attributes_are_column_names() -> None:
    assert tables.EffectSizes.yi == "yi"
    assert tables.MetaAnalyses.columns()[:2] == ("analysis_id", "comparison")


def test_a_valid_table_round_trips(tmp_path: Path) -> None:
    write_table(_conversion_log(), tmp_path / "log.parquet", tables.ConversionLog)
    back = read_table(tmp_path / "log.parquet")
    assert back.to_dict("records") == _conversion_log().to_dict("records")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (_conversion_log(step=0), "step"),
        (_conversion_log(approximate=None), "approximate"),
        (_conversion_log().drop(columns="source"), "columns"),
        (_conversion_log().assign(extra=1), "columns"),
        (_conversion_log()[["step", *[c for c in tables.ConversionLog.columns() if c != "step"]]], "columns"),
    ],
)
def test_a_table_that_breaks_its_contract_is_not_written(table: pd.DataFrame, message: str, tmp_path: Path) -> None:
    with pytest.raises(ContractError, match=message):
        write_table(table, tmp_path / "log.parquet", tables.ConversionLog)
    assert not (tmp_path / "log.parquet").exists()


def test_every_failure_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(ContractError) as info:
        write_table(_conversion_log(step=0, name=None), tmp_path / "log.parquet", tables.ConversionLog)
    assert "'step'" in str(info.value) and "'name'" in str(info.value)


def test_vocabulary_checks() -> None:
    row = {
        "comparison": "between_arms",
        "domain": "overall",
        "qol": True,
        "n_studies": 1,
        "n_improved": 1,
        "n_worsened": 0,
        "n_no_clear": 0,
        "n_with_direction": 1,
        "proportion_improved": 1.0,
        "ci_lb": 0.025,
        "ci_ub": 1.0,
        "sign_test_p": 1.0,
        "study_ids": "s1",
    }
    with pytest.raises(ContractError, match="comparison"):
        write_table(pd.DataFrame([{**row, "comparison": "crossover"}]), "unused.parquet", tables.VoteCounts)


def test_csv_exports_are_checked_and_may_leave_optional_columns_out(tmp_path: Path) -> None:
    from qolreview.parquet_io import write_csv

    rob2 = pd.DataFrame([{"Study": "A 2020", **{f"D{i}": "Low" for i in range(1, 6)}, "Overall": "Low", "Weight": 10}])
    write_csv(rob2, tmp_path / "rob2.csv", tables.Robvis)
    assert (tmp_path / "rob2.csv").read_text().splitlines() == [
        "Study,D1,D2,D3,D4,D5,Overall,Weight",
        "A 2020,Low,Low,Low,Low,Low,Low,10",
    ]
    for broken, message in (
        (rob2.drop(columns="D2"), "D2"),
        (rob2.assign(Weight=-1), "Weight"),
        (rob2[["D1", "Study", *rob2.columns[2:]]], "order"),
    ):
        with pytest.raises(ContractError, match=message):
            write_csv(broken, tmp_path / "broken.csv", tables.Robvis)
    assert not (tmp_path / "broken.csv").exists()
