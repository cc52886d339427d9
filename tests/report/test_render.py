"""Tests of the report renderer (qolreview.report.render): builtin path end to end, Quarto path via a stub and, where
``quarto`` is on the PATH, for real."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pypandoc
import pytest
import yaml

from qolreview.report.render import RenderError, render_report
from qolreview.report.render.qmd import read_qmd
from qolreview.report.render.quarto import FILTERS, has_papermill
from qolreview.report.render.resources import package_file
from qolreview.report.stage import scratch_sources

FIXTURES = Path(__file__).parents[1] / "data" / "qmd"
FEATURES = FIXTURES / "features.qmd"
PARAMS = {"n_studies": 5, "label_text": "cheng"}
#: Escaped Markdown (``escape_markdown``) as the report rule passes the configured title.
TITLE = "Review\\: a title \\- with \\*stars\\*"
QUARTO = pytest.mark.skipif(
    shutil.which("quarto") is None or not has_papermill(sys.executable),
    reason="quarto is not on the PATH or papermill is not installed; the real Quarto path is not tested",
)


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
    assert info.html == out and dict(info.outputs) == {"html": out}
    assert info.durations["total"] >= info.durations["execute"] > 0
    return out, out.read_text(encoding="utf-8")


def test_parameters_are_injected_and_renderer_is_stated(rendered: tuple[Path, str]) -> None:
    _, html = rendered
    assert "Rendered by the builtin renderer from 5 studies (cheng)." in visible_text(html)
    assert "Escaped text reads the reviewers’ “judgements” (a-b: c)." in visible_text(html)
    assert '<meta name="generator" content="qolreview builtin renderer (pandoc ' in html


def test_figures_are_embedded_numbered_and_captioned(rendered: tuple[Path, str]) -> None:
    _, html = rendered
    figures = re.findall(r'<figure id="(fig-[\w-]+)">(.*?)</figure>', html, re.S)
    assert [name for name, _ in figures] == ["fig-line", "fig-svg", "fig-static", "fig-linked"]
    body = dict(figures)
    assert 'src="data:image/png;base64,' in body["fig-line"]
    assert 'src="data:image/svg+xml;base64,' in body["fig-svg"]
    assert 'src="data:image/svg+xml;base64,' in body["fig-static"]
    assert 'alt="A rising line"' in body["fig-line"]
    assert 'alt="Two boxes"' in body["fig-static"]
    assert [src for src in re.findall(r'\bsrc="([^"]*)"', html) if not src.startswith("data:image/")] == []
    assert "<figcaption>Figure 1: A line through the points</figcaption>" in html
    assert "<figcaption>Figure 2: The same line as SVG</figcaption>" in html
    assert "<figcaption>Figure 3: A static diagram</figcaption>" in html
    # A figure div holding a link (a figure past the report's budget): numbered, captioned, neither embedded
    # nor enlarged.
    assert '<a href="diagram.svg" title="Two boxes">Open the figure (SVG)</a>' in body["fig-linked"]
    assert "<img" not in body["fig-linked"] and "zoom" not in body["fig-linked"]
    assert "<figcaption>Figure 4: The same diagram, linked rather than embedded</figcaption>" in " ".join(html.split())


def test_figures_enlarge_without_a_script(rendered: tuple[Path, str]) -> None:
    """lightbox: each figure's image links to its enlarged view (#fig-x-zoom, shown by CSS :target), which links
    back to the figure."""
    _, html = rendered
    for name in ("fig-line", "fig-svg", "fig-static"):
        zoom = re.search(rf'<div id="{name}-zoom" class="figure-zoom">(.*?)</div>', html, re.S).group(1)
        assert re.search(rf'<a href="#{name}-zoom" class="zoom-open"[^>]*>\s*<img\s', zoom)
        assert f'<a href="#{name}" class="zoom-close"' in zoom
    assert ".figure-zoom:target" in html and "<script" not in html


def test_tables_keep_their_cells_and_numbered_captions(rendered: tuple[Path, str]) -> None:
    _, html = rendered
    summary = re.search(r'<table id="tbl-summary".*?</table>', html, re.S).group(0)
    assert "<caption>Table 1: Study summary</caption>" in summary
    assert re.search(r'<td class="short" style="text-align: left;">Alpha</td>\s*<td class="number"[^>]*>10<', summary)
    assert re.search(r'<td class="short"[^>]*>Beta</td>\s*<td class="number"[^>]*>20</td>', summary)
    printed = re.search(r'<table id="tbl-markdown".*?</table>', html, re.S).group(0)
    assert "<caption>Table 2: Printed as Markdown</caption>" in printed
    assert re.search(r"<td[^>]*>ketamine</td>\s*<td[^>]*>1.5</td>", printed)


def test_tables_align_numbers_right_text_left_and_scroll(rendered: tuple[Path, str]) -> None:
    """report_tables.lua: number columns right-aligned, text columns left-aligned, no fixed widths, every table in
    a div.table-scroll; number cells marked so that the stylesheet keeps them on one line."""
    _, html = rendered
    wide = re.search(r'<div class="table-scroll">\s*<table id="tbl-wide".*?</table>\s*</div>', html, re.S).group(0)
    headers = re.findall(r'<th style="text-align: (\w+);">(.*?)</th>', wide, re.S)
    assert [(align, name.split()[0]) for align, name in headers] == [
        ("left", "text"),
        ("right", "n"),
        ("left", "text"),
        ("right", "estimate"),
        ("left", "text"),
        ("right", "p"),
        ("left", "text"),
        ("right", "heterogeneity"),
    ]
    numbers = [" ".join(cell.split()) for cell in re.findall(r'<td class="number"[^>]*>(.*?)</td>', wide, re.S)]
    assert "1688" in numbers and "0.24 (95% CI -0.37 to 0.84)" in numbers and "Q = 0.43, df = 1, p = 0.511" in numbers
    assert "<colgroup>" not in html and html.count('<div class="table-scroll">') == 3
    assert ".table-scroll td.number" in html


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


def test_an_html_table_output_becomes_a_captioned_table(tmp_path: Path) -> None:
    """The builtin renderer turns a cell's ``text/html`` table (a DataFrame shown as such) into a table."""
    qmd = tmp_path / "frame.qmd"
    qmd.write_text(
        '```{python}\n#| tags: [parameters]\nrenderer = "unset"\n```\n\n```{python}\n#| label: tbl-frame\n'
        '#| tbl-cap: "A frame"\nimport pandas as pd\npd.DataFrame({"study": ["Alpha"], "n": [10]})\n```\n',
        encoding="utf-8",
    )
    html = render_report(qmd, tmp_path / "frame.html", params={}, renderer="builtin").html.read_text(encoding="utf-8")
    table = re.search(r'<table id="tbl-frame".*?</table>', html, re.S).group(0)
    assert "<caption>Table 1: A frame</caption>" in table
    assert re.search(r'<td class="number" style="text-align: right;">10</td>', table)


def test_metadata_overrides_the_front_matter_title(tmp_path: Path) -> None:
    qmd = tmp_path / "doc.qmd"
    qmd.write_text(
        '---\ntitle: "Front matter title"\n---\n\n```{python}\n#| tags: [parameters]\n'
        'renderer = "unset"\n```\n\nBody text.\n',
        encoding="utf-8",
    )
    out = tmp_path / "doc.html"
    render_report(qmd, out, params={}, renderer="builtin", metadata={"title": TITLE})
    html = out.read_text(encoding="utf-8")
    assert "<title>Review: a title - with *stars*</title>" in html
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


def _quarto_stub(tmp_path: Path, messages: str) -> Path:
    """A stub ``quarto`` that records its working directory, environment and arguments (``call.txt``) and its
    metadata file (``metadata.yml``), writes ``<html>quarto</html>`` to ``_out/<output>`` and prints ``messages``
    to standard error."""
    stub = tmp_path / "bin" / "quarto"
    script = (
        f'printf "%s\\n" "$PWD" "$QUARTO_PYTHON" "$IPYTHONDIR" "$QUARTO_TYPST" "$QOLREVIEW_RESOURCE_DIRS" "$@" '
        f'> "{tmp_path / "call.txt"}"\n'
        "while [ $# -gt 0 ]; do\n"
        '  case "$1" in --output) out="$2";; --metadata-file) cp "$2" "' + str(tmp_path / "metadata.yml") + '";; esac\n'
        "  shift\n"
        "done\n"
        'echo "<html>quarto</html>" > "_out/$out"\n'
        f"printf '%s\\n' {shlex.quote(messages)} >&2\n"
        'echo "Output created: _out/$out" >&2\n'
    )
    return _stub(stub, script)


def _stub_project(tmp_path: Path) -> Path:
    project = tmp_path / "report"
    (project / "_out").mkdir(parents=True)
    shutil.copy(FEATURES, project / "features.qmd")
    return project


def test_quarto_command_line_through_a_stub(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The Quarto path with a stub ``quarto``: the command line, the environment (resource directories of the guard
    filter, the kernel's IPYTHONDIR, the Typst compiler), the metadata file (the title as Markdown, the stylesheet)
    and Quarto's warnings in the log."""
    python = _stub(tmp_path / "py" / "python", "exit 0\n")  # "import papermill" succeeds
    stub = _quarto_stub(tmp_path, "WARNING (stub): a warning for the log")
    project = _stub_project(tmp_path)
    monkeypatch.setenv("PATH", f"{stub.parent}:/usr/bin:/bin")
    with caplog.at_level("WARNING"):
        info = render_report(
            project / "features.qmd",
            tmp_path / "final" / "report.html",
            params={"n_studies": 5, "label_text": "a: b"},
            python=str(python),
            metadata={"title": TITLE},
        )
    assert info.renderer == "quarto"
    assert (tmp_path / "final" / "report.html").read_text(encoding="utf-8") == "<html>quarto</html>\n"
    assert "quarto: WARNING (stub): a warning for the log" in caplog.text
    lines = (tmp_path / "call.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0] == str(project) and lines[1] == str(python)
    assert lines[2].endswith("/ipython") and lines[3].endswith("/typst")
    assert lines[4:6] == [str(project.resolve()), str((project / "features_files").resolve())]
    with package_file(FILTERS[0]) as guard, package_file(FILTERS[1]) as override, package_file(FILTERS[2]) as tables:
        filters = [str(guard), str(override), str(tables)]
    metadata_index = lines.index("--metadata-file")
    assert lines[6:metadata_index] == [
        "render",
        "features.qmd",
        "--to",
        "html",
        "--output",
        "report.html",
        *(argument for path in filters for argument in ("--lua-filter", path)),
    ]
    assert lines[metadata_index + 2 :] == [
        "-M",
        "embed-resources:true",
        "-P",
        "n_studies:5",
        "-P",
        'label_text:"a: b"',
        "-P",
        'renderer:"quarto"',
    ]
    metadata = yaml.safe_load((tmp_path / "metadata.yml").read_text(encoding="utf-8"))
    assert metadata["qolreview-metadata"] == {"title": TITLE}
    assert ".table-scroll" in metadata["include-in-header"][0]["text"]


def test_an_unfetchable_resource_fails_the_quarto_render(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pandoc's warning that it could not embed a file or URL (here as Quarto prints it) is an error, and nothing is
    written: the report would not be self-contained."""
    python = _stub(tmp_path / "py" / "python", "exit 0\n")
    stub = _quarto_stub(tmp_path, "[WARNING] Could not fetch resource https://cdn.example.org/widget.js")
    project = _stub_project(tmp_path)
    monkeypatch.setenv("PATH", f"{stub.parent}:/usr/bin:/bin")
    with pytest.raises(RenderError, match=r"not be self-contained:\n.*Could not fetch resource https://cdn"):
        render_report(project / "features.qmd", tmp_path / "report.html", params=PARAMS, python=str(python))
    assert not (tmp_path / "report.html").exists()
    assert list((project / "_out").iterdir()) == []


def test_scratch_sources_copy_the_quarto_sources_and_are_removed_even_on_failure(tmp_path: Path) -> None:
    sources = tmp_path / "report"
    sources.mkdir()
    (sources / "review.qmd").write_text("text\n", encoding="utf-8")
    (sources / "_quarto.yml").write_text("project: {type: default}\n", encoding="utf-8")
    results = tmp_path / "results" / "report"
    with pytest.raises(RuntimeError, match="boom"), scratch_sources(sources / "review.qmd", results) as copy:
        assert copy.parent.parent == results and copy.parent.name.startswith(".render-")
        assert sorted(path.name for path in copy.parent.iterdir()) == ["_quarto.yml", "review.qmd"]
        raise RuntimeError("boom")
    assert list(results.iterdir()) == []
    assert sorted(path.name for path in sources.iterdir()) == ["_quarto.yml", "review.qmd"]


def _no_line_break_in_number_cells(html: str) -> None:
    cells = re.findall(r"<td[^>]*\bclass=\"[^\"]*\bnumber\b[^>]*>(.*?)</td>", html, re.S)
    assert cells and all("<br" not in cell for cell in cells), cells
    assert re.search(r"\.table-scroll td\.number, \.table-scroll td\.short \{ white-space: nowrap; \}", html)


@QUARTO
def test_real_quarto_render(tmp_path: Path) -> None:
    """Quarto from a scratch copy of the sources: a self-contained page (no external src or href), the title from
    the metadata without literal quotes or backslashes, inline Markdown without stray backslashes, the report's
    table layout and figure zoom (Quarto's lightbox), and nothing written beside the sources."""
    sources = tmp_path / "sources"
    sources.mkdir()
    shutil.copy(FEATURES, sources / "features.qmd")
    (sources / "_quarto.yml").write_text("project:\n  type: default\n  output-dir: _output\n", encoding="utf-8")
    shutil.copy(FIXTURES / "diagram.svg", tmp_path / "diagram.svg")
    with scratch_sources(sources / "features.qmd", tmp_path / "results") as qmd:
        (qmd.parent / "diagram.svg").symlink_to(tmp_path / "diagram.svg")
        info = render_report(
            qmd,
            tmp_path / "out.html",
            params=PARAMS,
            renderer="quarto",
            python=sys.executable,
            metadata={"title": TITLE},
            resource_dirs=[tmp_path],
        )
    html = info.html.read_text(encoding="utf-8")
    text = visible_text(html)
    assert "Rendered by the quarto renderer from 5 studies (cheng)." in text
    assert "Escaped text reads the reviewers’ “judgements” (a-b: c)." in text
    assert re.search(r'<meta name="generator" content="quarto-[\d.]+', html)
    assert 'src="data:image/png;base64,' in html
    assert not re.findall(r'(?:src|href)="(?:https?:)?//[^"]*"', html)
    assert re.search(r'<h1 class="title">Review: a title - with \*stars\*</h1>', html)
    assert "&quot;" not in re.search(r"<title>(.*?)</title>", html).group(1)
    assert "\\" not in text
    _no_line_break_in_number_cells(html)
    assert 'class="lightbox"' in html
    linked = re.search(r'<div id="fig-linked" class="quarto-float.*?</figure>', html, re.S).group(0)
    assert '<a href="diagram.svg" title="Two boxes">Open the figure (SVG)</a>' in linked
    assert "Figure 4: The same diagram, linked rather than embedded" in " ".join(linked.split())
    assert sorted(path.name for path in sources.iterdir()) == ["_quarto.yml", "features.qmd"]
    assert list((tmp_path / "results").iterdir()) == []


def test_quarto_without_papermill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Quarto cannot pass parameters without papermill: an error when asked for, builtin under auto."""
    _stub(tmp_path / "bin" / "quarto", "exit 1\n")
    python = _stub(tmp_path / "py" / "python", "exit 1\n")  # "import papermill" fails
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    with pytest.raises(RenderError, match="needs the papermill package"):
        render_report(FEATURES, tmp_path / "x.html", params=PARAMS, renderer="quarto", python=str(python))
    monkeypatch.setattr("qolreview.report.render.render_builtin", lambda *args, **kwargs: {})
    with caplog.at_level("WARNING"):
        info = render_report(FEATURES, tmp_path / "x.html", params=PARAMS, python=str(python))
    assert info.renderer == "builtin"
    assert "papermill is not importable" in caplog.text


def test_quarto_output_line_after_a_coloured_warning_is_found(tmp_path: Path) -> None:
    """Quarto leaves a colour code at the start of the line after a warning: the output is still found."""
    from qolreview.report.render.quarto import _produced_file

    (tmp_path / "_output").mkdir()
    (tmp_path / "_output" / "review.html").write_text("<html></html>", encoding="utf-8")
    messages = (
        "\x1b[33mWARNING (astpipeline.lua:340)\nThe following string was found\n"
        "\x1b[39mOutput created: _output/review.html\n"
    )
    assert _produced_file(tmp_path / "review.qmd", "review.html", messages) == tmp_path / "_output" / "review.html"
