"""The ``sensitivity`` config section: accepted shapes, errors naming the offending key, generated descriptions."""

from __future__ import annotations

import pytest

from qolreview.meta import METHODS, TESTS
from qolreview.sensitivity import SensitivityConfigError, parse_sensitivity
from qolreview.sensitivity.choices import primary_choices
from qolreview.sensitivity.factors import BY_NAME, departures_text, describe
from qolreview.synthesis.pooling import MULTIPLE_EFFECTS

CONFIG = {
    "harmonize": {"pre_post_r": 0.5, "timepoint_choice": "latest"},
    "synthesis": {"method": "REML", "test": "knha", "multiple_effects": "composite"},
}


def test_a_full_section_is_parsed_in_canonical_factor_order() -> None:
    parsed = parse_sensitivity(
        {
            "analyses": [
                {"name": "ee", "departures": {"method": "EE"}},
                {"name": "r7", "departures": {"pre_post_r": 0.7}},
            ],
            "multiverse": {
                "factors": {"method": ["REML", "DL"], "inclusion": ["all", "confirmed_only"], "pre_post_r": [0, 1 / 2]}
            },
        }
    )
    assert [a.name for a in parsed.analyses] == ["ee", "r7"]
    assert list(parsed.factors) == ["inclusion", "pre_post_r", "method"]
    assert parsed.factors["pre_post_r"] == (0.0, 0.5) and parsed.n_specifications == 8
    assert parse_sensitivity(None).n_specifications == 1 and parse_sensitivity(None).analyses == ()


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"analysis": []}, "sensitivity: unknown key(s) analysis"),
        (
            {"analyses": [{"name": "Bad name", "departures": {"method": "DL"}}]},
            "sensitivity.analyses[0].name must match",
        ),
        ({"analyses": [{"name": "a", "departures": {}}]}, "sensitivity.analyses[0].departures must be a non-empty"),
        ({"analyses": [{"name": "a", "departures": {"estimator": "DL"}}]}, "unknown factor 'estimator'"),
        (
            {"analyses": [{"name": "a", "departures": {"method": "XX"}}]},
            "sensitivity.analyses[0].departures.method: method must be one of EE",
        ),
        (
            {"analyses": [{"name": "a", "departures": {"method": "DL"}}, {"name": "a", "departures": {"test": "z"}}]},
            "sensitivity.analyses[1].name: 'a' is declared twice",
        ),
        (
            {"multiverse": {"factors": {"pre_post_r": [0.5, 1.0]}}},
            "sensitivity.multiverse.factors.pre_post_r[1]: pre_post_r must be in (-1, 1)",
        ),
        ({"multiverse": {"factors": {"che_rho": [True]}}}, "che_rho takes a number, got True"),
        ({"multiverse": {"factors": {"method": []}}}, "sensitivity.multiverse.factors.method must be a non-empty list"),
        ({"multiverse": {"factors": {"method": ["DL", "DL"]}}}, "lists a value twice"),
        ({"multiverse": {"factors": {"window_rule": ["latest"]}}}, "unknown factor(s) window_rule"),
        (
            {"multiverse": {"factors": {"method": ["DL", "REML"], "test": ["z", "knha"]}, "max_specifications": 3}},
            "4 specifications exceed sensitivity.multiverse.max_specifications = 3",
        ),
    ],
)
def test_errors_name_the_offending_key(section: dict, message: str) -> None:
    with pytest.raises(SensitivityConfigError) as error:
        parse_sensitivity(section)
    assert message in str(error.value)


def test_descriptions_name_each_departure_against_the_primary_value() -> None:
    primary = primary_choices(CONFIG)
    choices = {**primary, "design": "randomised_only", "method": "DL", "pre_post_r": 0.7}
    assert describe(choices, primary) == (
        "Excluding non-randomised studies, with an assumed pre-post correlation of 0.7 (primary 0.5), "
        "with the DerSimonian-Laird estimator (primary: REML)"
    )
    assert departures_text(choices, primary) == "design=randomised_only; pre_post_r=0.7; method=DL"
    assert describe(primary, primary) == "The primary analysis"


def test_factor_levels_are_the_pooling_vocabularies():
    """The factors name their levels without importing the pooling code; these must stay its vocabularies."""
    assert set(BY_NAME["multiple_effects"].levels or ()) == set(MULTIPLE_EFFECTS)
    assert set(BY_NAME["test"].levels or ()) == set(TESTS)
    assert tuple(BY_NAME["method"].levels or {}) == METHODS
