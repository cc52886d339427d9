"""The report embeds files from its resource directories only and links to no unsafe URL scheme
(``resource_guard.lua``, and pandoc's ``--sandbox`` in the builtin renderer)."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pypandoc
import pytest

from qolreview.report.render import render_report
from qolreview.report.render.resources import GUARD_FILTER, guarded_environment, package_file

SECRET = "TOPSECRET-5150"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """``results/figures/ok.svg`` (embeddable) beside ``secret.txt`` (outside the resource directory)."""
    (tmp_path / "results" / "figures").mkdir(parents=True)
    (tmp_path / "results" / "figures" / "ok.svg").write_text(SVG, encoding="utf-8")
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    (tmp_path / "report").mkdir()
    return tmp_path


def _guarded(markdown: str, tree: Path) -> subprocess.CompletedProcess[str]:
    """pandoc with the guard filter, run from ``report/`` with ``results/`` as the only resource directory."""
    with package_file(GUARD_FILTER) as guard:
        return subprocess.run(
            [
                pypandoc.get_pandoc_path(),
                "--from=markdown",
                "--to=html5",
                "--sandbox",
                "--embed-resources",
                "--standalone",
                "--metadata=pagetitle:t",
                f"--lua-filter={guard}",
            ],
            input=markdown,
            cwd=tree / "report",
            env=guarded_environment([tree / "results"]),
            capture_output=True,
            text=True,
            check=False,
        )


def test_an_image_in_the_resource_directory_is_embedded(tree: Path) -> None:
    result = _guarded("![ok](../results/figures/ok.svg) ![again](../results/./figures/../figures/ok.svg)\n", tree)
    assert result.returncode == 0, result.stderr
    encoded = base64.b64encode(SVG.encode()).decode()
    assert result.stdout.count(f"data:image/svg+xml;base64,{encoded}") == 2


@pytest.mark.parametrize(
    "source",
    [
        "../secret.txt",
        "{tree}/secret.txt",
        "../results/../secret.txt",
        "../results/figures/../../secret.txt",
        "file://{tree}/secret.txt",
        "data:text/plain,x",
        "http://example.org/x.svg",
        "..%2Fsecret.txt",
        "../results/figures/ok.svg?x=1",
        "../resultsX/ok.svg",
    ],
)
def test_any_other_image_stops_the_render(tree: Path, source: str) -> None:
    result = _guarded(f"![x]({source.format(tree=tree)})\n", tree)
    assert result.returncode != 0
    assert "image outside the report's resource directories" in result.stderr
    assert SECRET not in result.stdout


@pytest.mark.parametrize(
    "target",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "vbscript:x",
        "data:text/html,x",
        "file:///x",
    ],
)
def test_unsafe_links_stop_the_render(tree: Path, target: str) -> None:
    result = _guarded(f"[x]({target})\n", tree)
    assert result.returncode != 0 and "disallowed URL scheme" in result.stderr


def test_safe_links_pass(tree: Path) -> None:
    result = _guarded(
        "[a](#sec) [b](https://doi.org/10.1/x) [c](http://x.org) [d](mailto:a@b.org) [e](other.html)\n", tree
    )
    assert result.returncode == 0, result.stderr


def test_raw_html_cannot_fetch_a_file_in_the_builtin_renderer(tree: Path) -> None:
    """Raw HTML the guard does not read: pandoc's sandbox leaves its file unread and the report renders."""
    qmd = tree / "report" / "doc.qmd"
    qmd.write_text(
        f'---\ntitle: t\n---\n\n```{{python}}\n#| tags: [parameters]\nrenderer = "unset"\n```\n\n'
        f'<img src="{tree}/secret.txt">\n\n<img src="../secret.txt">\n\n![ok](../results/figures/ok.svg)\n',
        encoding="utf-8",
    )
    info = render_report(qmd, tree / "doc.html", params={}, renderer="builtin", resource_dirs=[tree / "results"])
    html = info.html.read_text(encoding="utf-8")
    assert SECRET not in html and base64.b64encode(SECRET.encode()).decode() not in html
    assert "data:image/svg+xml;base64," in html
