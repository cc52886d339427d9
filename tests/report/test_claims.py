"""Claims check: verdicts for the kinds of statements a review summary makes."""

import pandas as pd
import pytest

from qolreview.report.claims import check_claims

QOL = {"AQoL-8D", "WHOQOL-BREF"}


def _outcomes() -> pd.DataFrame:
    rows = [
        # study, instrument, subscale, timepoint, pct_change, qualifier, change_mean, direction, status, row
        ("s1", "AQoL-8D", "all dimensions", "week 16", 10.0, ">", None, "improved", "seen", 2),
        ("s1", "WPAI", "activity impairment", "week 16", -20.4, None, None, None, "seen", 3),
        ("s1", "HAM-D", "total", "week 16", None, None, -8.0, None, "seen", 4),
        ("s2", "WHOQOL-BREF", "overall QoL item", "9 months", None, None, None, "improved", "reported_in_summary", 5),
    ]
    df = pd.DataFrame(
        rows,
        columns=[
            "study_id",
            "instrument",
            "subscale",
            "timepoint",
            "pct_change",
            "value_qualifier",
            "change_mean",
            "direction_reported",
            "evidence_status",
            "source_row",
        ],
    )
    for col in ("pct_change", "change_mean", "direction_reported"):
        df[f"cell_{col}"] = [f"outcomes!{col[:1].upper()}{r}" for r in df["source_row"]]
    return df


def _studies() -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "study_id": ["s1", "s2", "s3"],
            "n_total": [105, None, 223],
            "inclusion_status": ["confirmed", "provisional", "provisional"],
        }
    )
    df["cell_n_total"] = ["studies!H2", "studies!H3", "studies!H4"]
    df["cell_study_id"] = ["studies!A2", "studies!A3", "studies!A4"]
    return df


def _claim(
    claim_id: str,
    quantity: str,
    value: float | None = None,
    qualifier: str | None = None,
    study: str | None = "s1",
    instrument: str | None = None,
    subscale: str | None = None,
    direction: str | None = None,
) -> dict:
    return {
        "claim_id": claim_id,
        "statement": f"statement {claim_id}",
        "source_id": "src",
        "study_id": study,
        "instrument": instrument,
        "subscale": subscale,
        "quantity": quantity,
        "claimed_value": value,
        "value_qualifier": qualifier,
        "claimed_direction": direction,
        "cell_statement": f"claims!B{claim_id}",
    }


def _check(*claims: dict) -> pd.DataFrame:
    return check_claims(pd.DataFrame(list(claims)), _studies(), _outcomes(), QOL).set_index("claim_id")


def test_up_to_twenty_percent_against_a_lower_bound_points_to_the_non_qol_figure():
    out = _check(_claim("c1", "pct_change", 20, "<=", instrument="AQoL-8D", subscale="all dimensions"))
    row = out.loc["c1"]
    assert row["verdict"] == "not supported"
    assert "AQoL-8D all dimensions (week 16): > 10" in row["evidence"]
    assert "WPAI activity impairment (week 16): -20.4 (not a quality-of-life instrument)" in row["evidence"]
    assert row["cells"] == "outcomes!P2; outcomes!P3"


def test_claim_matching_the_bound_is_consistent_and_a_smaller_value_is_contradicted():
    out = _check(
        _claim("ok", "pct_change", 10, ">", instrument="AQoL-8D"),
        _claim("low", "pct_change", 5, None, instrument="AQoL-8D"),
    )
    assert out.loc["low", "verdict"] == "contradicted"
    assert out.loc["ok", "verdict"] == "consistent"


@pytest.mark.parametrize(("claimed", "verdict"), [(8, "consistent"), (8.0, "consistent"), (7, "contradicted")])
def test_exact_value_compared_at_the_claims_precision(claimed, verdict):
    out = _check(_claim("c", "change_mean", claimed, None, instrument="HAM-D"))
    assert out.loc["c", "verdict"] == verdict


def test_direction_claim_uses_words_only_results():
    out = _check(
        _claim("d", "direction", study="s2", instrument="WHOQOL-BREF", direction="improved"),
        _claim("w", "direction", study="s2", instrument="WHOQOL-BREF", direction="worsened"),
        _claim("none", "direction", study="s3", direction="improved"),
    )
    assert out.loc["d", "verdict"] == "consistent"
    assert "(reported only in a summary)" in out.loc["d", "evidence"]
    assert out.loc["w", "verdict"] == "contradicted"
    assert out.loc["none", "verdict"] == "not verifiable"


def test_total_sample_size_with_unknown_studies_is_not_verifiable():
    out = _check(
        _claim("n", "n_total", 1688, study=None),
        _claim("n1", "n_total", 105, study="s1"),
        _claim("k", "n_studies", 3, study=None),
        _claim("k5", "n_studies", 5, study=None),
    )
    assert out.loc["n", "verdict"] == "not verifiable"
    assert out.loc["n", "evidence"] == "n known for 2 of 3 studies (sum 328); 1360 participants unaccounted for"
    assert out.loc["n1", "verdict"] == "consistent"
    assert out.loc["k", "verdict"] == "consistent"
    assert out.loc["k5", "verdict"] == "contradicted"
    assert "1 confirmed, 2 provisional" in out.loc["k", "evidence"]
