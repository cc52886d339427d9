"""Hostile text in the workbook reaches the report inert: rendered with the builtin renderer and opened in
headless Chromium, no script runs, no dialog opens, no unsafe link exists and no file outside the results
tree is embedded; the CSV files neutralise formulas and every file under results/ respects the umask."""

from __future__ import annotations

import base64
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from test_render_browser import _browser, browser_check
from test_report import _data

from conftest import SNAKEMAKE, copy_project
from qolreview import report as R
from qolreview.report.render import render_report
from qolreview.report.render.quarto import has_papermill

SECRET = "TOPSECRET-4711"


def hostile_texts(secret: Path) -> list[str]:
    """Texts that run a script, open a dialog, link to JavaScript, embed ``secret``, break the render
    (an unresolved cross-reference, mathtext) or garble the page (code, a div), and a spreadsheet formula."""
    return [
        '<script>window.__pwned="script"; alert(1)</script>',
        '<img src=x onerror=window.__pwned="img">',
        "[x](javascript:window.__pwned='link')",
        f'<img src="{secret}">',
        f"![x]({secret})",
        "@fig-x and [@sec-nowhere]",
        "$\\foo$ 2020",
        "`code` ::: {.callout-note}",
        '=HYPERLINK("http://example.org","y")',
    ]


RENDERER_RESOURCES = (
    '<script src="data:application/javascript',
    '<link href="data:text/css',
    '<link rel="stylesheet" href="data:text/css',
)
"""Quarto's own page scripts and styles, embedded as data URIs (never from the document's text)."""


def _assert_inert(html: str, tmp_path: Path) -> None:
    """No trace of the secret, and in Chromium no script but the checker's and the renderer's own (Quarto's
    page scripts; the builtin renderer has none), no dialog and no unsafe link."""
    assert SECRET not in html
    assert base64.b64encode(SECRET.encode()).decode()[:16] not in html
    assert "data:text/plain" not in html
    assert "&lt;script&gt;" in html and "<script>window.__pwned" not in html
    if _browser() is None:
        pytest.skip("no headless Chromium on the PATH (install the 'chromium' package)")
    report = browser_check(html, tmp_path)
    assert report["pwned"] is None and report["dialogs"] == []
    unsafe = [item for item in report["unsafe"] if not item.startswith(RENDERER_RESOURCES)]
    assert report["scripts"] == 1 + html.count("<script") and report["embedded"] == 0 and unsafe == []
    assert report["errors"] == []
    assert all(image["complete"] and image["width"] > 0 for image in report["images"]), report["images"]


def _hostile_figures(results: Path, texts: list[str]) -> R.Figures:
    figures = results / "figures"
    (figures / "forest").mkdir(parents=True)
    (figures / "forest" / "forest-a.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>',
        encoding="utf-8",
    )
    captions = {
        "forest-a": {
            "caption": " ".join(texts),
            "alt": " ".join(texts) + '" onload="alert(4)',
            "file": f"{results.name}/figures/forest/forest-a.svg",
        }
    }
    (figures / "captions.json").write_text(json.dumps(captions), encoding="utf-8")
    return R.Figures(results.parent, results.name)


def test_library_markdown_with_hostile_text_is_inert(tmp_path: Path) -> None:
    """Every Markdown entry point of the report library, fed hostile text, rendered by the builtin renderer."""
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    texts = hostile_texts(tmp_path / "secret.txt")
    base = _data()
    base.tables["studies"]["label"] = texts[: len(base["studies"])]
    review = {**base.config["review"], "title": texts[0], "data_source": texts[3]}
    data = R.ReportData(config={**base.config, "review": review}, tables=base.tables, project_dir=base.project_dir)
    figs = _hostile_figures(tmp_path / "results", texts)
    markdown = "\n\n".join(
        [
            R.about_callout(data, "builtin"),
            R.pooled_sections(data, figs),
            figs.markdown("forest-a", "fig-hostile"),
            R.bullet_list(texts),
            R.markdown_table(pd.DataFrame({"Study": texts, "x": range(len(texts))}), texts[5], "tbl-hostile"),
            *R.methods_facts(data).values(),
            "# Not convertible {#sec-not-convertible}",
        ]
    )
    frame = repr(pd.DataFrame({"Study": texts}).to_dict("list"))
    qmd = tmp_path / "report" / "hostile.qmd"
    qmd.parent.mkdir()
    qmd.write_text(
        '---\ntitle: "Hostile"\n---\n\n```{python}\n#| tags: [parameters]\nrenderer = "unset"\n```\n\n'
        f"{markdown}\n\n```{{python}}\n#| label: tbl-show\nfrom qolreview import report as R\nimport pandas as pd\n"
        f"R.show(pd.DataFrame({frame}))\n```\n",
        encoding="utf-8",
    )
    info = render_report(
        qmd, tmp_path / "results" / "hostile.html", params={}, renderer="builtin", resource_dirs=[tmp_path / "results"]
    )
    _assert_inert(info.html.read_text(encoding="utf-8"), tmp_path)


def _hostile_project(root: Path) -> Path:
    """A copy of the project whose synthetic workbook gives the first studies hostile labels."""
    project = copy_project(root / "project")
    (root / "secret.txt").write_text(SECRET, encoding="utf-8")
    texts = hostile_texts(root / "secret.txt")
    workbook = project / ".test" / "extraction.xlsx"
    wb = openpyxl.load_workbook(workbook)
    studies = wb["studies"]
    header = [cell.value for cell in studies[1]]
    tools = [row[header.index("rob_tool")] for row in studies.iter_rows(min_row=2, values_only=True)]
    # the formula goes to a study with a risk-of-bias tool, so that it reaches a robvis CSV file
    rows = [i for i, tool in enumerate(tools, start=2) if tool][: len(texts)]
    for row, text in zip(rows, texts, strict=True):
        studies.cell(row=row, column=header.index("label") + 1, value=text).data_type = "s"
    wb.save(workbook)
    return project


REAL_QUARTO = pytest.mark.skipif(
    shutil.which("quarto") is None or not has_papermill(sys.executable),
    reason="quarto is not on the PATH or papermill is not installed",
)


@pytest.mark.e2e
@pytest.mark.parametrize("renderer", ["builtin", pytest.param("quarto", marks=REAL_QUARTO)])
def test_hostile_workbook_through_the_pipeline(tmp_path: Path, renderer: str) -> None:
    """The synthetic review with hostile study labels, run end to end under umask 022 with each renderer."""
    project = _hostile_project(tmp_path)
    run = subprocess.run(
        [
            str(SNAKEMAKE),
            "--cores",
            "2",
            "--configfile",
            ".test/config.yaml",
            "--config",
            f"report={{'renderer': '{renderer}'}}",
        ],
        cwd=project,
        preexec_fn=lambda: os.umask(0o022),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    results = project / "results"
    modes = {str(p.relative_to(results)): stat.S_IMODE(p.stat().st_mode) for p in results.rglob("*") if p.is_file()}
    assert {name: mode for name, mode in modes.items() if mode != 0o644} == {}
    robvis = "".join(p.read_text(encoding="utf-8") for p in (results / "synthesis").glob("robvis_*.csv"))
    assert "\"'=HYPERLINK(" in robvis and "\n=" not in robvis and '\n"=' not in robvis
    _assert_inert((results / "report" / "review.html").read_text(encoding="utf-8"), tmp_path)
