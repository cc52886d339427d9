"""Word and PDF output of the report renderer, under both renderers: structure read back with python-docx and
poppler (``pdftotext``, ``pdftoppm``; skipped without them), byte-identical re-rendering, and the report rule
making each configured format."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pandas as pd
import pytest
import yaml

from conftest import copy_project, snakemake
from qolreview.formatting import report_number
from qolreview.report.render import render_report
from qolreview.report.render.quarto import has_papermill
from qolreview.report.render.typst_pdf import main as typst_main

FIXTURES = Path(__file__).parents[1] / "data" / "qmd"
FEATURES = FIXTURES / "features.qmd"
PARAMS = {"n_studies": 5, "label_text": "cheng"}
POPPLER = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="pdftotext and pdftoppm are not on the PATH (install Debian's poppler-utils)",
)
QUARTO = pytest.mark.skipif(
    shutil.which("quarto") is None or not has_papermill(sys.executable),
    reason="quarto is not on the PATH or papermill is not installed; the real Quarto path is not tested",
)


def _render(tmp_path: Path, renderer: str) -> dict[str, Path]:
    """features.qmd rendered to Word and PDF in ``tmp_path`` (a copy, so that Quarto writes nothing beside the
    fixture)."""
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy(FEATURES, source / "features.qmd")
    shutil.copy(FIXTURES / "diagram.svg", source / "diagram.svg")
    outputs = {"docx": tmp_path / "out" / "features.docx", "pdf": tmp_path / "out" / "features.pdf"}
    info = render_report(source / "features.qmd", outputs, params=PARAMS, renderer=renderer, python=sys.executable)
    assert info.renderer == renderer and dict(info.outputs) == outputs and info.html is None
    return outputs


@pytest.fixture(scope="module", params=["builtin", pytest.param("quarto", marks=QUARTO)])
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Path]]:
    return request.param, _render(tmp_path_factory.mktemp(request.param), request.param)


def pdf_text(path: Path) -> str:
    """The text of a PDF on one line, with Typst's minus signs as hyphen-minus."""
    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(result.stdout.replace("\N{MINUS SIGN}", "-").split())


def assert_every_page_renders(path: Path, tmp_path: Path) -> int:
    """Each page of the PDF rasterised by pdftoppm to a PNG holding more than a blank page; the page count."""
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages >= 1
    assert all(image.stat().st_size > 1000 for image in images)
    return pages


def _rows(tables: list) -> list[list[str]]:
    """The rows of these Word tables and of the tables nested in their cells (Quarto lays out floats in tables)."""
    rows = []
    for table in tables:
        for row in table.rows:
            rows.append([cell.text for cell in row.cells])
            rows.extend(nested for cell in row.cells for nested in _rows(cell.tables))
    return rows


def test_word_file_has_headings_tables_figures_and_captions(rendered: tuple[str, dict[str, Path]]) -> None:
    renderer, outputs = rendered
    document = docx.Document(str(outputs["docx"]))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert any("Introduction" in heading for heading in headings)
    assert any("Other cell options" in heading for heading in headings)
    rows = _rows(document.tables)
    assert ["Alpha", "10"] in rows and ["ketamine", "1.5"] in rows
    assert len(document.inline_shapes) >= 3
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(map(" ".join, rows))
    for caption in ("A line through the points", "The same line as SVG", "A static diagram", "Study summary"):
        assert caption in text
    assert f"Rendered by the {renderer} renderer from 5 studies (cheng)." in text
    assert "the reviewers’ “judgements” (a-b: c)" in text
    assert document.core_properties.created.year == 1970


@POPPLER
def test_pdf_holds_the_text_and_every_page_renders(rendered: tuple[str, dict[str, Path]], tmp_path: Path) -> None:
    renderer, outputs = rendered
    text = pdf_text(outputs["pdf"])
    assert f"Rendered by the {renderer} renderer from 5 studies (cheng)." in text
    assert "the reviewers’ “judgements” (a-b: c)" in text
    for number in ("0.24 (95% CI -0.37 to 0.84)", "Q = 0.43, df = 1, p = 0.511", "1688"):
        assert number in text
    assert assert_every_page_renders(outputs["pdf"], tmp_path) >= 2
    info = subprocess.run(["pdfinfo", str(outputs["pdf"])], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^CreationDate:\s+Thu Jan\s+1 00:00:00 1970", info, re.M)


def test_word_and_pdf_are_byte_identical_when_rendered_again(
    rendered: tuple[str, dict[str, Path]], tmp_path: Path
) -> None:
    renderer, outputs = rendered
    again = _render(tmp_path, renderer)
    assert again["docx"].read_bytes() == outputs["docx"].read_bytes()
    assert again["pdf"].read_bytes() == outputs["pdf"].read_bytes()


def test_typst_command_line_as_quarto_calls_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The Typst command line that Quarto runs (QUARTO_TYPST): version, fonts and a reproducible compile."""
    assert typst_main(["--version"]) == 0
    assert re.fullmatch(r"typst \d+\.\d+\.\d+\n", capsys.readouterr().out)
    assert typst_main(["fonts", "--font-path", str(tmp_path)]) == 0
    assert "Libertinus Serif" in capsys.readouterr().out.splitlines()
    source = tmp_path / "doc.typ"
    source.write_text("= A heading\n\nSome text.\n", encoding="utf-8")
    for name in ("a.pdf", "b.pdf"):
        output = str(tmp_path / name)
        assert typst_main(["compile", "--root", str(tmp_path), str(source), "--font-path", str(tmp_path), output]) == 0
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    (tmp_path / "bad.typ").write_text("#unknown-function()\n", encoding="utf-8")
    assert typst_main(["compile", str(tmp_path / "bad.typ"), str(tmp_path / "bad.pdf")]) == 1
    assert "unknown variable: unknown-function" in capsys.readouterr().err


def _pooled_estimates(results: Path) -> list[str]:
    """The pooled estimates with their confidence intervals as the report prints them (two decimals)."""
    analyses = pd.read_parquet(results / "synthesis" / "meta_analyses.parquet")
    pooled = analyses[analyses["pooled"].astype(bool)]
    return [
        f"{report_number(row.estimate, 2)} (95% CI {report_number(row.ci_lb, 2)} to {report_number(row.ci_ub, 2)})"
        for row in pooled.itertuples()
    ]


@pytest.mark.e2e
@POPPLER
def test_report_rule_makes_each_configured_format(tmp_path: Path) -> None:
    """The synthetic review with report.formats [html, docx, pdf]: every file is made, a format added to the
    configuration later is made by the next run, the pooled estimates are in the Word and PDF files, and nothing is
    left beside the report's sources or in results/report/."""
    project = copy_project(tmp_path / "project")
    config = project / ".test" / "config.yaml"
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    settings["report"] = {"renderer": "builtin", "formats": ["html", "docx"]}
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    first = snakemake(project, "--configfile", ".test/config.yaml")
    assert first.returncode == 0, first.stderr[-4000:]
    report = project / "results" / "report"
    assert sorted(path.name for path in report.iterdir()) == [
        "config_used.yaml",
        "provenance.csv",
        "review.docx",
        "review.html",
    ]
    settings["report"]["formats"] = ["html", "docx", "pdf"]
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    second = snakemake(project, "--configfile", ".test/config.yaml")
    assert second.returncode == 0, second.stderr[-4000:]
    assert sorted(path.name for path in report.iterdir()) == [
        "config_used.yaml",
        "provenance.csv",
        "review.docx",
        "review.html",
        "review.pdf",
    ]
    assert sorted(path.name for path in (project / "report").iterdir()) == ["_quarto.yml", "review.qmd"]
    estimates = _pooled_estimates(project / "results")
    assert estimates
    text = pdf_text(report / "review.pdf")
    words = " ".join(" ".join(p.text for p in docx.Document(str(report / "review.docx")).paragraphs).split())
    assert [estimate for estimate in estimates if estimate not in text or estimate not in words] == []
    assert_every_page_renders(report / "review.pdf", tmp_path)
