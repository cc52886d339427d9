"""The subgroup variable drawn in a pooled analysis' forest plot (``figures.stage.subgroup_variable``)."""

from __future__ import annotations

import pandas as pd
import pytest

from qolreview.figures.stage import subgroup_variable


@pytest.mark.parametrize(
    ("choice", "present", "expected"),
    [
        ("auto", ["population", "design"], "population"),
        ("auto", ["design", "drug"], "drug"),
        ("auto", [], None),
        ("none", ["drug"], None),
        ("design", ["drug", "design"], "design"),
        ("design", ["drug"], None),
    ],
)
def test_subgroup_variable(choice, present, expected):
    subgroups = pd.DataFrame({"subgroup_var": present})
    assert subgroup_variable(subgroups, choice, ["drug", "population", "design"]) == expected
