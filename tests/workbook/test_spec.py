"""The review's vocabularies in the workbook contract (:func:`qolreview.workbook.spec.workbook_spec`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import jsonschema
import pytest
import yaml

from qolreview.workbook.spec import (
    DESIGNS,
    REVIEW_VOCABULARIES,
    SHEETS,
    Column,
    Sheet,
    VocabularyError,
    workbook_spec,
)
from qolreview.workflow import InputError

ROOT = Path(__file__).resolve().parents[2]
CONFIG_SCHEMA = yaml.safe_load((ROOT / "config" / "schemas" / "config.schema.yaml").read_text(encoding="utf-8"))
VOCABULARIES_SCHEMA = CONFIG_SCHEMA["properties"]["review"]["properties"]["vocabularies"]


def _columns(sheets: Sequence[Sheet]) -> dict[tuple[str, str], Column]:
    return {(sheet.name, column.name): column for sheet in sheets for column in sheet.columns}


def test_without_a_declaration_only_design_has_a_list() -> None:
    assert workbook_spec(None) == workbook_spec({}) == SHEETS
    columns = _columns(SHEETS)
    design = columns["studies", "design"]
    assert design.vocabulary == DESIGNS and design.closed
    for key in (("studies", "population"), ("arms", "drug"), ("arms", "route")):
        assert columns[key].vocabulary == () and not columns[key].closed, key


def test_each_review_vocabulary_fills_one_column() -> None:
    declared = {c.review_vocabulary: key for key, c in _columns(SHEETS).items() if c.review_vocabulary}
    assert declared == {
        "population": ("studies", "population"),
        "intervention": ("arms", "drug"),
        "route": ("arms", "route"),
        "design": ("studies", "design"),
    }
    assert set(declared) == set(REVIEW_VOCABULARIES)


def test_declared_lists_replace_the_contracts_and_are_closed() -> None:
    declared = {
        "population": ["adults", "children"],
        "intervention": ["drug A", "usual care"],
        "route": ["oral"],
        "design": ["rct", "cohort"],
        "open": ["route"],
    }
    columns, generic = _columns(workbook_spec(declared)), _columns(SHEETS)
    assert columns["studies", "population"].vocabulary == ("adults", "children")
    assert columns["arms", "drug"].vocabulary == ("drug A", "usual care")
    assert columns["studies", "design"].vocabulary == ("rct", "cohort")
    assert all(columns[k].closed for k in (("studies", "population"), ("arms", "drug"), ("studies", "design")))
    route = columns["arms", "route"]
    assert route.vocabulary == ("oral",) and route.open_vocabulary and not route.closed
    unchanged = [k for k, c in generic.items() if c.review_vocabulary is None]
    assert all(columns[k] == generic[k] for k in unchanged)


def test_an_empty_list_opens_a_vocabulary() -> None:
    design = _columns(workbook_spec({"design": []}))["studies", "design"]
    assert design.vocabulary == () and design.open_vocabulary and not design.closed


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ({"drug": ["a"]}, "review.vocabularies: unknown key drug; known: population, intervention, route, design"),
        ({"open": ["funding"]}, "review.vocabularies.open: funding is not a declared vocabulary"),
        ({"route": ["IV", "iv"]}, "review.vocabularies.route: 'iv' repeats 'IV' (ignoring case)"),
        ({"population": [" "]}, "review.vocabularies.population: ' ' is not a non-empty text"),
    ],
)
def test_unusable_declarations_are_refused(declared: dict[str, list[str]], message: str) -> None:
    with pytest.raises(VocabularyError, match=re.escape(message)):
        workbook_spec(declared)
    assert issubclass(VocabularyError, InputError)  # the run stops with the message alone


def test_the_config_schema_declares_the_same_vocabularies() -> None:
    properties = VOCABULARIES_SCHEMA["properties"]
    assert list(properties) == [*REVIEW_VOCABULARIES, "open"]
    assert properties["open"]["items"]["enum"] == list(REVIEW_VOCABULARIES)
    assert tuple(properties["design"]["default"]) == DESIGNS
    assert all(properties[key]["default"] == [] for key in ("population", "intervention", "route", "open"))


def test_the_default_review_declares_its_vocabularies() -> None:
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(config, CONFIG_SCHEMA)
    vocabularies = config["review"]["vocabularies"]
    assert set(vocabularies) == {*REVIEW_VOCABULARIES, "open"}
    columns = _columns(workbook_spec(vocabularies))
    assert columns["studies", "population"].closed and columns["studies", "design"].closed
    assert not columns["arms", "drug"].closed and columns["arms", "drug"].vocabulary
