"""The shared number formatting: missing values, rounding, negative zero, thousands, p values."""

import math

import numpy as np
import pandas as pd
import pytest

from qolreview.formatting import (
    figure_number,
    figure_p,
    figure_p_statement,
    finite,
    interval,
    is_missing,
    number,
    p_value,
    plural,
    whole_count,
)


@pytest.mark.parametrize("value", [None, float("nan"), np.nan, pd.NA, pd.NaT])
def test_missing_values(value):
    assert is_missing(value)
    assert not finite(value)
    assert number(value, missing="NA") == "NA"
    assert p_value(value, missing="not reported") == "not reported"


@pytest.mark.parametrize("value", [0, 0.0, -1.5, np.float64(2.0), pd.array([3], dtype="Int64")[0]])
def test_present_values(value):
    assert not is_missing(value)
    assert finite(value)


@pytest.mark.parametrize(
    ("value", "decimals", "thousands", "expected"),
    [
        (-0.001, 2, False, "0.00"),
        (-0.004999, 2, False, "0.00"),
        (-0.005001, 2, False, "-0.01"),
        (0.2356, 2, False, "0.24"),
        (1688, 0, True, "1,688"),
        (-0.4, 0, True, "0"),
        (12345.678, 1, False, "12345.7"),
    ],
)
def test_number(value, decimals, thousands, expected):
    assert number(value, decimals, missing="NA", thousands=thousands) == expected


def test_p_value_and_infinity():
    assert p_value(0.0009999, missing="") == "< 0.001"
    assert p_value(0.001, missing="") == "0.001"
    assert p_value(0.5114, missing="") == "0.511"
    assert not finite(math.inf)


def test_figure_helpers_read_na_and_nr():
    assert figure_number(None) == "NA" and figure_number(-0.001) == "0.00" and figure_number(1688, 0) == "1688"
    assert figure_p(None) == "NA" and figure_p(0.0004) == "< 0.001"
    assert figure_p_statement(0.25) == "p = 0.250" and figure_p_statement(0.0004) == "p < 0.001"
    assert figure_p_statement(None) == "p = NA"
    assert interval(-0.314, 0.5) == "-0.31 to 0.50" and interval(None, 1, decimals=1) == "NA to 1.0"
    assert whole_count(None) == "NR" and whole_count(12.0) == "12" and whole_count(None, "NA") == "NA"


def test_plural_of_figures_and_report():
    assert plural(1, "study") == "1 study" and plural(3, "study") == "3 studies"
    assert plural(2, "single-study result") == "2 single-study results" and plural(0, "domain") == "0 domains"
    assert plural(2, "day") == "2 days" and plural(2, "analysis", "analyses") == "2 analyses"
