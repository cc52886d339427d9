"""The clean stage validates the vocabulary columns against the review's declaration (``review.vocabularies``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qolreview.clean.normalize import load_synonyms
from qolreview.clean.stage import CleanResult, clean_workbook
from qolreview.instruments import load_registry
from qolreview.workbook.problems import WorkbookError
from qolreview.workbook.spec import DESIGNS, Vocabularies
from workbook_factory import Data, address, valid_data, write_workbook

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))["clean"]
REGISTRY = load_registry(ROOT / "config" / "instruments.yaml")
SYNONYMS = load_synonyms([ROOT / "config" / "synonyms.yaml", ROOT / "config" / "default_review_synonyms.yaml"])


def _clean(tmp_path: Path, data: Data, vocabularies: Vocabularies | None) -> CleanResult:
    return clean_workbook(write_workbook(tmp_path / "w.xlsx", data), REGISTRY, SYNONYMS, SETTINGS, vocabularies)


def _problems(tmp_path: Path, data: Data, vocabularies: Vocabularies | None) -> list[str]:
    with pytest.raises(WorkbookError) as error:
        _clean(tmp_path, data, vocabularies)
    return [str(problem) for problem in error.value.problems]


def _at(tmp_path: Path, data: Data, sheet: str, index: int, column: str) -> str:
    return f"{tmp_path / 'w.xlsx'} › {sheet} › {address(data, sheet, index, column)} ({column})"


def test_a_value_outside_the_declaration_is_a_problem_at_its_cell(tmp_path: Path) -> None:
    data = valid_data()
    declared = {"population": ["adults", "children"], "intervention": ["drug A", "placebo"]}
    assert _problems(tmp_path, data, declared) == [
        f"{_at(tmp_path, data, 'studies', 0, 'population')}: must be one of adults, children "
        "(review.vocabularies.population), got 'TRD'",
        f"{_at(tmp_path, data, 'arms', 0, 'drug')}: must be one of drug A, placebo "
        "(review.vocabularies.intervention), got 'esketamine'",
    ]


def test_a_declared_value_is_written_in_the_declarations_case(tmp_path: Path) -> None:
    data = valid_data()
    data["studies"][0]["population"] = "Adults"
    result = _clean(tmp_path, data, {"population": ["adults"]})
    assert result.tables["studies"]["population"].tolist() == ["adults"]
    logged = result.log[result.log["column"] == "population"]
    assert logged[["old_value", "new_value", "rule"]].values.tolist() == [["Adults", "adults", "case"]]


def test_an_open_vocabulary_accepts_any_value(tmp_path: Path) -> None:
    data = valid_data()
    data["studies"][0]["population"] = "people admitted to hospital"
    data["arms"][0]["route"] = "online"
    result = _clean(tmp_path, data, {"population": [], "route": ["oral"], "open": ["route"]})
    assert result.tables["studies"]["population"].tolist() == ["people admitted to hospital"]
    assert result.tables["arms"]["route"].tolist() == ["online", "IN"]


def test_without_a_declaration_only_the_generic_designs_are_checked(tmp_path: Path) -> None:
    data = valid_data()
    data["studies"][0]["population"] = "anyone"
    data["studies"][0]["design"] = "cluster_rct"
    assert _clean(tmp_path, data, None).tables["studies"]["design"].tolist() == ["cluster_rct"]
    data["studies"][0]["design"] = "quasi_experiment"
    assert _problems(tmp_path, data, None) == [
        f"{_at(tmp_path, data, 'studies', 0, 'design')}: must be one of {', '.join(DESIGNS)} "
        "(review.vocabularies.design), got 'quasi_experiment'"
    ]
