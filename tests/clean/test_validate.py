"""Unit tests of the validation rules, the registry and the problem format."""

from __future__ import annotations

from pathlib import Path

import pytest

from qolreview.clean.validate import range_text, warnings
from qolreview.instruments import load_registry
from qolreview.workbook.problems import Problem, WorkbookError
from qolreview.workbook.spec import ARMS, OUTCOMES, PRISMA

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = load_registry(ROOT / "config" / "instruments.yaml")


def test_problem_format_and_order() -> None:
    late = Problem("raw/x.xlsx", "must be > 0, got -3.2", sheet="outcomes", cell="F17", column="sd")
    early = Problem("raw/x.xlsx", "must be > 0, got -1", sheet="outcomes", cell="AA3", column="sd")
    sheet = Problem("raw/x.xlsx", "required column is missing", sheet="outcomes", column="change_sd")
    first = Problem("raw/x.xlsx", "must be one of rct", sheet="studies", cell="D9", column="design")
    assert str(late) == "raw/x.xlsx › outcomes › F17 (sd): must be > 0, got -3.2"
    assert str(sheet) == "raw/x.xlsx › outcomes (change_sd): required column is missing"
    error = WorkbookError([late, early, sheet, first])
    assert error.problems == [first, sheet, early, late]
    assert str(error).splitlines()[0] == "4 problems in the extraction workbook:"


def test_range_texts() -> None:
    assert range_text(OUTCOMES.column("sd")) == "must be > 0"
    assert range_text(OUTCOMES.column("pct_with_problem")) == "must be >= 0 and <= 100"
    assert range_text(OUTCOMES.column("pre_post_r")) == "must be > -1 and < 1"
    assert range_text(ARMS.column("n_arm")) == "must be >= 1"
    assert range_text(PRISMA.column("detail")) is None


def test_registry_resolution() -> None:
    assert REGISTRY.resolve_instrument("whoqol bref") == "WHOQOL-BREF"
    assert REGISTRY.resolve_instrument("EQ-5D-3L") is None
    assert REGISTRY.resolve_subscale("EQ-5D-5L", "Health Status Index (HSI)") == "index"
    assert REGISTRY.resolve_subscale("MADRS", "response (>=50% reduction)") == "response"
    sub = REGISTRY.subscale("WHOQOL-BREF", "physical")
    assert (sub.name, sub.ranges, sub.higher_is_better, sub.domain) == (
        "physical health",
        ((4.0, 20.0), (0.0, 100.0)),
        True,
        "physical",
    )
    assert sub.in_range(18) and sub.in_range(60) and not sub.in_range(120) and sub.width == 100
    assert REGISTRY.subscale("EQ-5D-5L", "sum score").higher_is_better is False
    assert REGISTRY.subscale("MADRS", "remission").kind == "proportion"
    assert REGISTRY.instrument("HAM-D").qol is False and REGISTRY.instrument("AQoL-8D").qol is True
    assert len(REGISTRY.instrument("AQoL-8D").subscales) == 10
    with pytest.raises(KeyError, match="unknown subscale 'vitality' of WHOQOL-BREF; known: environment"):
        REGISTRY.subscale("WHOQOL-BREF", "vitality")


def test_registry_rejects_an_undeclared_domain(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "instruments:\n  X:\n    full_name: x\n    reference: r\n    qol: true\n    subscales:\n"
        "      total: {ranges: [[0, 1]], higher_is_better: true, domain: mood}\n"
    )
    with pytest.raises(ValueError, match=f"{path}: X subscale 'total': domain 'mood' is not declared"):
        load_registry(path)


def test_warnings(tmp_path: Path) -> None:
    import pandas as pd

    studies = pd.DataFrame(
        {
            "study_id": ["s1", "s2"],
            "n_total": pd.array([100, 10], dtype="Int64"),
            "source_id": ["a", "a"],
            "cell_study_id": ["studies!A2", "studies!A3"],
            "cell_n_total": ["studies!G2", "studies!G3"],
        }
    )
    arms = pd.DataFrame({"study_id": ["s1", "s1"], "n_arm": pd.array([50, 40], dtype="Int64"), "source_id": ["a", "a"]})
    outcomes = pd.DataFrame({"study_id": ["s1"], "source_id": ["a"]})
    sources = pd.DataFrame({"source_id": ["a", "b"], "cell_source_id": ["sources!A2", "sources!A3"]})
    found = warnings(
        {"studies": studies, "arms": arms, "outcomes": outcomes, "sources": sources},
        {"studies": "studies", "sources": "sources"},
        "x.xlsx",
    )
    assert [str(w) for w in found] == [
        "x.xlsx › studies › G2 (n_total): the study's n_arm sum to 90, not n_total 100",
        "x.xlsx › studies › A3 (study_id): study 's2' has no rows in outcomes or contrasts",
        "x.xlsx › sources › A3 (source_id): source 'b' is never cited",
    ]
