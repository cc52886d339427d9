"""Tests of the report renderer (qolreview.report.render): builtin path end to end, Quarto path via a stub."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pypandoc
import pytest

from qolreview.report.render import RenderError, render_report
from qolreview.report.render.qmd import read_qmd
from qolreview.report.render.quarto import has_papermill
from qolreview.report.render.resources import GUARD_FILTER, package_file

FIXTURES = Path(__file__).parents[1] / "data" / "qmd"
FEATURES = FIXTURES / "features.qmd"
PARAMS = {"n_studies": 5, "label_text": "cheng"}


class _Text(HTMLParser):
    """Visible text of an HTML document (no tags, no attribute values, no style)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("render") / "features.html"
    info = render_report(FEATURES, out, params=PARAMS, renderer="builtin")
    assert info.renderer == "builtin"
    assert info.html == out and info.pdf is None
    assert info.durations["total"] >= info.durations["execute"] > 0
    return out, out.read_text(encoding="utf-8")


def test_parameters_are_injected_and_renderer_is_stated(rendered: tuple[Path, str]) -> None:
    _, html = rendered
    assert "Rendered by the builtin renderer from 5 studies (cheng)." in visible_text(html)
    assert '<meta name="generator" content="qolreview builtin renderer (pandoc ' in html


def test_figures_are_embedded_numbered_and_captioned(rendered: tuple[Path, str]) -> None:
    _, html = rendered
    figures = re.findall(r'<figure id="(fig-[\w-]+)">(.*?)</figure>', html, re.S)
    assert [name for name, _ in figures] == ["fig-line", "fig-svg", "fig-static"]
    body = dict(figures)
    assert 'src="data:image/png;base64,' in body["fig-line"]
    assert 'src="data:image/svg+xml;base64,' in body["fig-svg"]
    assert 'src="data:image/svg+xml;base64,' in body["fig-static"]
    assert 'alt="A rising line"' in body["fig-line"]
    assert 'alt="Two boxes"' in body["fig-static"]
    assert "<figcaption>Figure 1: A line through the points</figcaption>" in html
    assert "<figcaption>Figure 2: The same line as SVG</figcaption>" in html
    assert "<figcaption>Figure 3: A static diagram</figcaption>" in html


def test_tables_keep_their_cells_and_numbered_captions(rendered: tuple[Path, str]) -> None:
    _, html = rendered
    summary = re.search(r'<table id="tbl-summary".*?</table>', html, re.S).group(0)
    assert "<caption>Table 1: Study summary</caption>" in summary
    assert re.search(r"<td>Alpha</td>\s*<td>10</td>", summary)
    assert re.search(r"<td>Beta</td>\s*<td>20</td>", summary)
    printed = re.search(r'<table id="tbl-markdown".*?</table>', html, re.S).group(0)
    assert "<caption>Table 2: Printed as Markdown</caption>" in printed
    assert re.search(r"<td>ketamine</td>\s*<td>1.5</td>", printed)


def test_cross_references_resolve_to_links(rendered: tuple[Path, str]) -> None:
    _, html = rendered
    links = re.findall(r'<a href="#([\w-]+)" class="quarto-xref">(.*?)</a>', html, re.S)
    assert [(target, " ".join(text.split())) for target, text in links] == [
        ("fig-line", "Figure 1"),
        ("fig-svg", "Figure 2"),
        ("fig-static", "Figure 3"),
        ("tbl-summary", "Table 1"),
        ("tbl-markdown", "Table 2"),
        ("sec-methods", "Section 2"),
        ("tbl-summary", "1"),
    ]
    for target, _ in links:
        assert f'id="{target}"' in html


def test_callouts_are_titled_boxes(rendered: tuple[Path, str]) -> None:
    _, html = rendered
    callouts = re.findall(
        r'<div class="callout callout-(\w+)" role="note">\s*<div class="callout-title">\s*(.*?)\s*</div>', html, re.S
    )
    assert callouts == [("note", "About this fixture"), ("warning", "Heads up"), ("tip", "Tip")]
    assert ".callout-note" in html  # the embedded stylesheet


def test_table_of_contents_and_section_numbers(rendered: tuple[Path, str]) -> None:
    _, html = rendered
    toc = re.search(r'<nav id="TOC" role="doc-toc">(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r'href="#([\w-]+)"', toc) == ["sec-intro", "sec-methods", "plots", "tables", "other-cell-options"]
    assert '<span class="header-section-number">2.3</span> Other cell options' in toc
    assert "About this fixture" not in toc and "level-3" not in toc
    assert "<title>Feature fixture</title>" in html
    assert '<p class="subtitle">Every construct the builtin renderer supports</p>' in html


def test_cell_options_and_no_leftovers(rendered: tuple[Path, str]) -> None:
    _, html = rendered
    text = visible_text(html)
    assert html.count('class="sourceCode python cell-code"') == 1  # only the echo: true cell
    assert '<div id="shown-code" class="cell">' in html
    assert "total = 5" in text and "The total is 5;" in text
    for absent in ("HIDDEN-OUTPUT", "SUPPRESSED-OUTPUT", "SUPPRESSED-WARNING", "{python}", "@fig-", "@tbl-", "@sec-"):
        assert absent not in html
    assert not re.search(r"\b(None|nan|NaN)\b", text)
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html and "<link" not in html


def test_metadata_overrides_the_front_matter_title(tmp_path: Path) -> None:
    qmd = tmp_path / "doc.qmd"
    qmd.write_text(
        '---\ntitle: "Front matter title"\n---\n\n```{python}\n#| tags: [parameters]\n'
        'renderer = "unset"\n```\n\nBody text.\n',
        encoding="utf-8",
    )
    out = tmp_path / "doc.html"
    render_report(qmd, out, params={}, renderer="builtin", metadata={"title": "Review: a title"})
    html = out.read_text(encoding="utf-8")
    assert "<title>Review: a title</title>" in html
    assert "Front matter title" not in html


def test_builtin_output_is_deterministic(rendered: tuple[Path, str], tmp_path: Path) -> None:
    out, _ = rendered
    again = render_report(FEATURES, tmp_path / "again.html", params=PARAMS, renderer="builtin")
    assert again.html.read_bytes() == out.read_bytes()


def test_failing_cell_names_the_cell_and_shows_the_traceback(tmp_path: Path) -> None:
    qmd = tmp_path / "broken.qmd"
    qmd.write_text(
        textwrap.dedent(
            """\
            ---
            title: Broken
            ---

            ```{python}
            #| tags: [parameters]
            renderer = None
            ```

            ```{python}
            #| label: bad-cell
            ratio = 1 / 0
            ```
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(RenderError) as caught:
        render_report(qmd, tmp_path / "broken.html", params={}, renderer="builtin")
    message = str(caught.value)
    assert "cell 'bad-cell' (code cell 2) failed" in message
    assert "ratio = 1 / 0" in message
    assert "ZeroDivisionError" in message
    assert not (tmp_path / "broken.html").exists()


def test_inline_expression_runs_in_workdir_and_errors_name_it(tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    (workdir / "input.txt").write_text("from workdir", encoding="utf-8")
    qmd = tmp_path / "inline.qmd"
    qmd.write_text(
        textwrap.dedent(
            """\
            ```{python}
            #| tags: [parameters]
            renderer = None
            ```

            ```{python}
            content = open("input.txt").read()
            ```

            Read `{python} content`, then `{python} undefined_name + 1`.
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(RenderError) as caught:
        render_report(qmd, tmp_path / "inline.html", params={}, renderer="builtin", workdir=workdir)
    message = str(caught.value)
    assert "inline expression `{python} undefined_name + 1` failed" in message
    assert "NameError" in message


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"n_studies": 5}, "missing: label_text"),
        ({**PARAMS, "n_studys": 4}, "not declared: n_studys"),
        ({**PARAMS, "renderer": "x"}, "'renderer' is set by render_report"),
        ({"n_studies": float("nan"), "label_text": "x"}, "non-finite number"),
    ],
)
def test_parameter_mismatch_is_an_error(params: dict, expected: str, tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=re.escape(expected)):
        render_report(FEATURES, tmp_path / "x.html", params=params, renderer="builtin")


def test_unsupported_cell_option_is_an_error(tmp_path: Path) -> None:
    qmd = tmp_path / "option.qmd"
    qmd.write_text("```{python}\n#| fig-width: 4\n1\n```\n", encoding="utf-8")
    with pytest.raises(RenderError, match=r"unsupported cell option.*fig-width"):
        read_qmd(qmd)


def test_project_file_and_front_matter_options_merge(tmp_path: Path) -> None:
    (tmp_path / "_quarto.yml").write_text(
        "project:\n  type: default\nformat:\n  html:\n    toc: true\n    number-sections: true\n"
        "execute:\n  echo: false\n",
        encoding="utf-8",
    )
    qmd = tmp_path / "doc.qmd"
    qmd.write_text(
        "---\ntitle: T\nnumber-sections: false\n---\n\n```{python}\n#| echo: true\n1\n```\n", encoding="utf-8"
    )
    document = read_qmd(qmd)
    assert document.options == {"toc": True, "number-sections": False, "title": "T"}
    assert document.execute == {"echo": False}
    assert document.effective(document.cells[0], "echo") is True
    assert document.effective(document.cells[0], "warning") is True


def _lua_filter(markdown: str) -> subprocess.CompletedProcess[str]:
    lua = Path(__file__).parents[2] / "src" / "qolreview" / "report" / "render" / "quarto_subset.lua"
    return subprocess.run(
        [pypandoc.get_pandoc_path(), "--from=markdown", "--to=html5", f"--lua-filter={lua}"],
        input=markdown,
        capture_output=True,
        text=True,
        check=False,
    )


def test_unresolved_cross_reference_is_an_error() -> None:
    result = _lua_filter("# Results {#sec-results}\n\nSee @sec-results and @fig-missing.\n")
    assert result.returncode != 0
    assert "unresolved cross-reference @fig-missing" in result.stderr


def test_duplicate_labels_and_empty_figures_are_errors() -> None:
    duplicate = _lua_filter("![a](x.png){#fig-a}\n\n![b](y.png){#fig-a}\n")
    assert duplicate.returncode != 0 and "duplicate label fig-a" in duplicate.stderr
    empty = _lua_filter('::: {#fig-empty fig-cap="Nothing"}\ntext\n:::\n')
    assert empty.returncode != 0 and "figure fig-empty has no image" in empty.stderr


def test_quarto_requested_without_quarto_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RenderError, match="'quarto' is not on the PATH"):
        render_report(FEATURES, tmp_path / "x.html", params=PARAMS, renderer="quarto")


def _stub(path: Path, script: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(0o755)
    return path


def test_quarto_command_line_through_a_stub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Quarto path with a stub ``quarto`` that records its arguments and environment (the guard filter's
    resource directories: the document's own and its cells' figures)."""
    record = tmp_path / "call.txt"
    python = _stub(tmp_path / "py" / "python", "exit 0\n")  # "import papermill" succeeds
    stub = tmp_path / "bin" / "quarto"
    stub.parent.mkdir()
    stub.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$PWD" "$QUARTO_PYTHON" "$QOLREVIEW_RESOURCE_DIRS" "$@" > "{record}"\n'
        'while [ "$1" != "--output" ]; do shift; done\n'
        'echo "<html>quarto</html>" > "_out/$2"\n'
        'echo "Output created: _out/$2" >&2\n',
        encoding="utf-8",
    )
    stub.chmod(0o755)
    project = tmp_path / "report"
    project.mkdir()
    (project / "_out").mkdir()
    shutil.copy(FEATURES, project / "features.qmd")
    monkeypatch.setenv("PATH", f"{stub.parent}:/usr/bin:/bin")
    info = render_report(
        project / "features.qmd",
        tmp_path / "final" / "report.html",
        params={"n_studies": 5, "label_text": "a: b"},
        python=str(python),
        metadata={"title": "Review: a title"},
    )
    assert info.renderer == "quarto"
    assert (tmp_path / "final" / "report.html").read_text(encoding="utf-8") == "<html>quarto</html>\n"
    lines = record.read_text(encoding="utf-8").splitlines()
    assert lines[0] == str(project) and lines[1] == str(python)
    assert lines[2:4] == [str(project.resolve()), str((project / "features_files").resolve())]
    with package_file(GUARD_FILTER) as guard:
        guard_path = str(guard)
    assert lines[4:] == [
        "render",
        "features.qmd",
        "--to",
        "html",
        "--output",
        "report.html",
        "--lua-filter",
        guard_path,
        "-M",
        "embed-resources:true",
        "-M",
        'title:"Review: a title"',
        "-P",
        "n_studies:5",
        "-P",
        'label_text:"a: b"',
        "-P",
        'renderer:"quarto"',
    ]


@pytest.mark.skipif(
    shutil.which("quarto") is None or not has_papermill(sys.executable),
    reason="quarto is not on the PATH or papermill is not installed; the real Quarto path is not tested",
)
def test_real_quarto_render(tmp_path: Path) -> None:
    shutil.copy(FEATURES, tmp_path / "features.qmd")
    shutil.copy(FIXTURES / "diagram.svg", tmp_path / "diagram.svg")
    info = render_report(
        tmp_path / "features.qmd", tmp_path / "out.html", params=PARAMS, renderer="quarto", python=sys.executable
    )
    html = info.html.read_text(encoding="utf-8")
    assert "Rendered by the quarto renderer from 5 studies (cheng)." in visible_text(html)
    assert re.search(r'<meta name="generator" content="quarto-[\d.]+', html)
    assert 'src="data:image/png;base64,' in html


def test_quarto_without_papermill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Quarto cannot pass parameters without papermill: an error when asked for, builtin under auto."""
    _stub(tmp_path / "bin" / "quarto", "exit 1\n")
    python = _stub(tmp_path / "py" / "python", "exit 1\n")  # "import papermill" fails
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    with pytest.raises(RenderError, match="needs the papermill package"):
        render_report(FEATURES, tmp_path / "x.html", params=PARAMS, renderer="quarto", python=str(python))
    monkeypatch.setattr("qolreview.report.render.render_builtin", lambda *args, **kwargs: (None, {}))
    with caplog.at_level("WARNING"):
        info = render_report(FEATURES, tmp_path / "x.html", params=PARAMS, python=str(python))
    assert info.renderer == "builtin"
    assert "papermill is not importable" in caplog.text
