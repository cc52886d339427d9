"""A review's own instrument in a new domain, from the workbook through clean and harmonize (docs/new_review.md)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

from qolreview.clean.normalize import load_synonyms
from qolreview.clean.stage import clean_workbook
from qolreview.harmonize.stage import harmonize
from qolreview.instruments import BUNDLED_REGISTRY, load_registry
from test_instruments import EXAMPLE
from workbook_factory import valid_data, write_workbook

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
validate(CONFIG, str(ROOT / "config" / "schemas" / "config.schema.yaml"), set_default=True)  # as the workflow does


def _stay(arm: str, n: int, mean: float, sd: float) -> dict[str, object]:
    return {
        "study_id": "s1",
        "arm_id": arm,
        "instrument": "length of stay",
        "subscale": "days",
        "timepoint": "week 4",
        "n": n,
        "mean": mean,
        "sd": sd,
        "source_id": "src1",
        "evidence_status": "seen",
    }


def test_a_new_instrument_in_a_new_domain_becomes_an_effect_size(tmp_path: Path) -> None:
    mine = tmp_path / "my_instruments.yaml"
    mine.write_text(EXAMPLE, encoding="utf-8")
    registry = load_registry([BUNDLED_REGISTRY, mine])
    data = valid_data()
    data["outcomes"] += [_stay("esk", 50, 6.0, 2.0), _stay("pbo", 48, 8.0, 2.5)]
    workbook = write_workbook(tmp_path / "w.xlsx", data)
    synonyms = load_synonyms([ROOT / "config" / "synonyms.yaml", ROOT / "config" / "default_review_synonyms.yaml"])
    clean = clean_workbook(workbook, registry, synonyms, CONFIG["clean"], CONFIG["review"]["vocabularies"])
    outcomes = clean.tables["outcomes"]
    assert outcomes.loc[outcomes["subscale"] == "days", "instrument"].tolist() == ["LOS", "LOS"]  # alias resolved
    result = harmonize(outcomes, clean.tables["contrasts"], clean.tables["arms"], registry, CONFIG["harmonize"])
    stay = result.effect_sizes[result.effect_sizes["instrument"] == "LOS"]
    assert stay[["comparison", "measure", "domain", "qol"]].values.tolist() == [
        ["between_arms", "SMD", "hospital_stay", False]
    ]
    # Two days shorter on the intervention arm: lower is better, so the effect is positive (better).
    pooled_sd = math.sqrt((49 * 2.0**2 + 47 * 2.5**2) / 96)
    hedges = math.exp(math.lgamma(48) - 0.5 * math.log(48) - math.lgamma(47.5))  # exact correction, m = 96
    assert stay["yi"].iloc[0] == pytest.approx((8.0 - 6.0) / pooled_sd * hedges)
