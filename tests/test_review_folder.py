"""A review in its own folder (qolreview.review_folder): its files, and the check that a run describes its review."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import yaml

from conftest import ROOT
from qolreview.review_folder import command_line, create_review_folder
from qolreview.review_identity import OWN_IDENTITY, review_identity_problems

DEFAULT_CONFIG = ROOT / "config" / "config.yaml"


def _config(**review: object) -> dict[str, object]:
    default = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    return {**default, "review": {**default["review"], **review}}


def test_the_default_review_on_its_own_workbook_passes() -> None:
    config = _config()
    assert review_identity_problems(config, DEFAULT_CONFIG, ROOT / config["extraction"], ROOT) == []


def test_another_workbook_with_the_default_review_description_is_refused(tmp_path: Path) -> None:
    problems = review_identity_problems(_config(), DEFAULT_CONFIG, tmp_path / "other.xlsx", ROOT)
    assert len(problems) == 1
    assert "is not the default review's workbook, but review.title, review.authors, " in problems[0]
    # a new title alone is not enough: the authors, search, labels ... would still be the default review's
    partly = review_identity_problems(_config(title="Another review"), DEFAULT_CONFIG, tmp_path / "o.xlsx", ROOT)
    assert "review.title" not in partly[0] and "review.authors" in partly[0]
    own = {key: f"another {key}" for key in OWN_IDENTITY}
    assert review_identity_problems(_config(**own), DEFAULT_CONFIG, tmp_path / "o.xlsx", ROOT) == []


def test_every_empty_identity_field_is_named() -> None:
    config = _config(title=" ", intervention_label="", comparator_label=None)
    problems = review_identity_problems(config, DEFAULT_CONFIG, ROOT / config["extraction"], ROOT)
    assert [p.split(" ")[0] for p in problems] == [
        "review.title",
        "review.intervention_label",
        "review.comparator_label",
    ]


def test_a_review_folder_holds_only_the_review_s_files(tmp_path: Path) -> None:
    folder = tmp_path / "reviews" / "my-review"
    created = create_review_folder(folder, ROOT)
    assert sorted(p.relative_to(folder).as_posix() for p in created) == [
        ".gitignore",
        "README.md",
        "config/config.yaml",
        "raw/extraction.xlsx",
        "workflow/Snakefile",
    ]
    config = yaml.safe_load((folder / "config" / "config.yaml").read_text(encoding="utf-8"))
    assert config["extraction"] == "raw/extraction.xlsx"
    assert config["review"]["title"] == "" and config["review"]["risk_of_bias_tools"] == []
    snakefile = (folder / "workflow" / "Snakefile").read_text(encoding="utf-8")
    target = snakefile.split("snakefile:")[1].split('"')[1]
    assert not Path(target).is_absolute()
    assert (folder / "workflow" / target).resolve() == (ROOT / "Snakefile").resolve()
    assert "use rule * from review_pipeline" in snakefile
    workbook = openpyxl.load_workbook(folder / "raw" / "extraction.xlsx")
    assert "studies" in workbook.sheetnames


def test_an_existing_review_is_never_overwritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError, match="exists and is not empty"):
        create_review_folder(tmp_path, ROOT)
    assert command_line([str(tmp_path)]) == 1
    assert "exists and is not empty" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert command_line([]) == 2
