"""The declared sensitivity analyses in the report: every result for a few pooled analyses, only the results that
change a conclusion for many."""

from __future__ import annotations

import pandas as pd

from qolreview.report.robustness import DETAILED_ANALYSES, _declared_text, declared_shown


def _declared(n_analyses: int, changed: set[tuple[int, str]]) -> pd.DataFrame:
    rows = [
        {
            "analysis_id": f"a{i:02d}",
            "sensitivity": name,
            "same_conclusion": (i, name) not in changed,
            "sentence": f"{name} on a{i:02d}: {'changed' if (i, name) in changed else 'held'}.",
        }
        for i in range(n_analyses)
        for name in ("first", "second")
    ]
    return pd.DataFrame(rows).astype({"same_conclusion": "boolean"})


def _plain(markdown: str) -> str:
    """The text of escaped Markdown."""
    return markdown.replace("\\", "")


def test_a_few_pooled_analyses_show_every_result():
    declared = _declared(DETAILED_ANALYSES, {(3, "second")})
    assert declared_shown(declared) is declared
    text = _plain(_declared_text(declared, {}))
    assert text.count("held") == 2 * DETAILED_ANALYSES - 1 and "Of their" not in text


def test_many_pooled_analyses_show_the_results_that_change_a_conclusion():
    declared = _declared(DETAILED_ANALYSES + 2, {(3, "second"), (7, "first")})
    declared.loc[0, "same_conclusion"] = pd.NA  # no conclusion to compare: not a change
    assert declared_shown(declared)["sentence"].tolist() == ["second on a03: changed.", "first on a07: changed."]
    text = _plain(_declared_text(declared, {"a03": "Title three"}))
    assert "Of their 24 results on the 12 pooled analyses, 2 change a conclusion" in text
    assert "`results/sensitivity/sensitivity_analyses.parquet`" in text
    assert "Title three: second on a03: changed." in text and "held" not in text


def test_many_pooled_analyses_without_a_change_say_so():
    text = _plain(_declared_text(_declared(DETAILED_ANALYSES + 1, set()), {}))
    assert "none changes a conclusion" in text and "held" not in text
