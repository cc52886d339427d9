"""The harmonize stage on the embedded default workbook (raw/extraction.xlsx), after the clean stage."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_harmonize import hedges

from qolreview.clean.stage import run as clean
from qolreview.harmonize.stage import run as harmonize
from qolreview.parquet_io import read_table

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("studies", "arms", "outcomes", "contrasts", "risk_of_bias", "prisma", "sources", "grade")
OUTPUTS = ("effect_sizes", "not_convertible", "conversion_log")


def _harmonize(clean_dir: Path, out: Path, config: dict) -> None:
    inputs = {name: clean_dir / f"{name}.parquet" for name in ("outcomes", "contrasts", "arms")}
    inputs["instruments"] = ROOT / "config" / "instruments.yaml"
    harmonize(inputs, {name: out / f"{name}.parquet" for name in OUTPUTS}, config["harmonize"])


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    root = tmp_path_factory.mktemp("harmonize")
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    clean(
        {
            "workbook": str(ROOT / "raw" / "extraction.xlsx"),
            "instruments": str(ROOT / "config" / "instruments.yaml"),
            "synonyms": str(ROOT / "config" / "synonyms.yaml"),
        },
        {
            "tables": [str(root / "clean" / f"{t}.parquet") for t in TABLES],
            "cleaning_log": str(root / "clean" / "log.parquet"),
            "input_files": str(root / "clean" / "input_files.parquet"),
            "report": str(root / "clean" / "report.md"),
        },
        config["clean"],
    )
    _harmonize(root / "clean", root / "out", config)
    return root / "clean", root / "out", config


def _between(effects: pd.DataFrame, instrument: str, subscale: str) -> pd.Series:
    rows = effects[
        (effects["comparison"] == "between_arms")
        & (effects["origin"] == "outcomes")
        & (effects["instrument"] == instrument)
        & (effects["subscale"] == subscale)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


def test_default_review_effects_have_the_right_sign(stage: tuple[Path, Path, dict]) -> None:
    effects = read_table(stage[1] / "effect_sizes.parquet")
    index = _between(effects, "EQ-5D-5L", "index")
    assert index["yi"] == pytest.approx(hedges(0.288, 0.2317, 111, 0.231, 0.2506, 105)[0], rel=1e-12)
    vas = _between(effects, "EQ-VAS", "VAS")
    assert vas["yi"] == pytest.approx(hedges(29.1, 26.32, 111, 20.9, 26.6, 105)[0], rel=1e-12)
    qlds = _between(effects, "QLDS", "total")
    assert qlds["yi"] == pytest.approx(-hedges(-14.4, 11.5, 226, -12.2, 10.8, 225)[0], rel=1e-12)
    assert qlds["yi"] > 0 and qlds["direction_flipped"] and qlds["selected"]
    assert all(r["measure"] == "SMD" and r["window"] == "short" for r in (index, vas, qlds))


def test_every_clean_row_is_accounted_for(stage: tuple[Path, Path, dict]) -> None:
    clean_dir, out, _ = stage
    expected = {
        f"{sheet}:{row}"
        for sheet in ("outcomes", "contrasts")
        for row in read_table(clean_dir / f"{sheet}.parquet")["source_row"]
    }
    effects, rest = (read_table(out / f"{name}.parquet") for name in OUTPUTS[:2])
    used = {key for keys in effects["input_rows"] for key in keys.split("; ")}
    assert used | set(rest["input_rows"]) == expected
    assert not used & set(rest["input_rows"])


def test_outputs_are_byte_identical_on_a_rerun(stage: tuple[Path, Path, dict], tmp_path: Path) -> None:
    clean_dir, out, config = stage
    _harmonize(clean_dir, tmp_path, config)
    for name in OUTPUTS:
        assert (tmp_path / f"{name}.parquet").read_bytes() == (out / f"{name}.parquet").read_bytes()
