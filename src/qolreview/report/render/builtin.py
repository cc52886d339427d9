"""The builtin renderer: execute a .qmd with nbclient, assemble Markdown, convert it with pandoc.

Execution follows the Jupyter engine of Quarto: the cells run in one ``python3`` kernel in the
document's directory, and a cell assigning the parameter values is injected after the cell tagged
``parameters`` (papermill's convention, which Quarto uses; papermill.readthedocs.io, "Parameterize").
Numbering, captions, cross-references, callouts and the figure zoom are left to the pandoc Lua filter
``quarto_subset.lua``, table alignment to ``report_tables.lua``; this module only turns cells and their outputs into
Markdown, once, and has pandoc write each format from it: HTML, Word (docx) and Typst, compiled to PDF by
:mod:`qolreview.report.render.typst_pdf`. pandoc runs with ``--sandbox`` (it reads no file but those named on its
command line) after the filter ``resource_guard.lua``, which hands it the images it checked
(:mod:`qolreview.report.render.resources`).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pypandoc
import yaml
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from qolreview.atomic import write_bytes_atomic
from qolreview.report.markup import attribute_text
from qolreview.report.render.errors import RenderError, log_warnings
from qolreview.report.render.formats import Format
from qolreview.report.render.kernel import SETUP_SOURCE
from qolreview.report.render.qmd import INLINE_EXPRESSION, Cell, QmdDocument
from qolreview.report.render.resources import (
    GUARD_FILTER,
    STYLESHEET,
    TABLES_FILTER,
    TYPST_STYLE,
    guarded_environment,
    package_files,
    package_text,
    source_date_epoch,
)
from qolreview.report.render.typst_pdf import compile_pdf

log = logging.getLogger(__name__)

KERNEL_NAME = "qolreview-python"
#: Output MIME types in order of preference (Quarto picks the richest format the target supports).
MIME_ORDER = ("image/svg+xml", "image/png", "text/markdown", "text/html", "text/plain")
IMAGE_SUFFIX = {"image/png": ".png", "image/svg+xml": ".svg"}
#: The builtin renderer's page style, besides the shared report_style.css.
PAGE_STYLESHEET = "builtin_style.css"
#: Typst numbers figures and tables itself; quarto_subset.lua already wrote "Figure 1: " into the captions.
TYPST_NUMBERING = "#set figure(numbering: none)\n"


@dataclass(frozen=True)
class _Unit:
    """One notebook cell to run and where its result goes in the document."""

    cell: Cell | None
    """The document cell (None for the setup and injected-parameters cells)."""
    expression: str | None = None
    """For an inline expression: its Python text."""


def render_builtin(
    document: QmdDocument,
    outputs: Mapping[Format, Path],
    *,
    params: Mapping[str, object],
    python: str,
    cwd: Path,
    cell_timeout: int,
    resource_dirs: Sequence[Path],
) -> dict[str, float]:
    """Run ``document`` once and write each of ``outputs`` (format to path), embedding files from ``resource_dirs``
    (and the cells' own figures) only. Returns the durations of the steps in seconds."""
    durations: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="qolreview-render-") as tmp:
        tmpdir = Path(tmp).resolve()
        env = guarded_environment([*resource_dirs, tmpdir / "figures"])
        start = time.perf_counter()
        notebook, units = _build_notebook(document, params)
        _execute(notebook, units, python=python, cwd=cwd, timeout=cell_timeout, tmpdir=tmpdir)
        durations["execute"] = time.perf_counter() - start
        markdown = _assemble(document, notebook, units, tmpdir / "figures")
        source = tmpdir / "document.md"
        source.write_text(markdown, encoding="utf-8")
        for output_format, output in outputs.items():
            start = time.perf_counter()
            WRITERS[output_format](document, source, output, tmpdir, env)
            durations[f"pandoc_{output_format}"] = time.perf_counter() - start
    return durations


def _build_notebook(document: QmdDocument, params: Mapping[str, object]) -> tuple[nbformat.NotebookNode, list[_Unit]]:
    """The cells to execute: setup, code cells (parameters injected), one per inline expression."""
    cells = [nbformat.v4.new_code_cell(SETUP_SOURCE)]
    units = [_Unit(None)]
    for cell in document.cells:
        if cell.kind == "markdown":
            for match in INLINE_EXPRESSION.finditer(cell.source):
                cells.append(nbformat.v4.new_code_cell(f"print(str(({match.group(1)})), end='')"))
                units.append(_Unit(cell, match.group(1)))
        elif document.effective(cell, "eval"):
            cells.append(nbformat.v4.new_code_cell(cell.source))
            units.append(_Unit(cell))
            if cell.is_parameters:
                injected = "\n".join(f"{name} = {value!r}" for name, value in params.items())
                cells.append(nbformat.v4.new_code_cell(injected, metadata={"tags": ["injected-parameters"]}))
                units.append(_Unit(None))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python", "language": "python"}
    return notebook, units


def _execute(
    notebook: nbformat.NotebookNode, units: list[_Unit], *, python: str, cwd: Path, timeout: int, tmpdir: Path
) -> None:
    """Run all cells in a fresh kernel of ``python``; a failure names the cell and shows its traceback."""
    spec_dir = tmpdir / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    argv = [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec_dir / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python", "language": "python"}), encoding="utf-8"
    )
    manager = AsyncKernelManager(
        kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(tmpdir / "kernels")])
    )
    current = {"index": 0}

    def track(cell: nbformat.NotebookNode, cell_index: int) -> None:
        current["index"] = cell_index

    client = NotebookClient(
        notebook,
        km=manager,
        timeout=timeout,
        allow_errors=False,
        record_timing=False,
        on_cell_execute=track,
        resources={"metadata": {"path": str(cwd)}},
    )
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(source_date_epoch()), "PYTHONHASHSEED": "0"}
    try:
        client.execute(env=env)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        unit = units[current["index"]]
        raise RenderError(f"{_describe(unit)} failed:\n{error}") from error


def _describe(unit: _Unit) -> str:
    if unit.cell is None:
        return "the setup or injected-parameters cell"
    if unit.expression is not None:
        return f"inline expression `{{python}} {unit.expression}`"
    return f"{unit.cell.name} (code cell {unit.cell.number})"


def _assemble(document: QmdDocument, notebook: nbformat.NotebookNode, units: list[_Unit], figure_dir: Path) -> str:
    """The Markdown document: metadata block, Markdown text with inline values, cells with outputs."""
    figure_dir.mkdir()
    outputs = {id(unit): nb_cell.outputs for unit, nb_cell in zip(units, notebook.cells, strict=True)}
    inline_values: dict[int, list[str]] = {}
    for unit in units:
        if unit.expression is not None:
            text = "".join(o.get("text", "") for o in outputs[id(unit)] if o.output_type == "stream")
            inline_values.setdefault(id(unit.cell), []).append(text)
    by_cell = {id(unit.cell): unit for unit in units if unit.cell is not None and unit.expression is None}
    parts = [_metadata_block(document)]
    for cell in document.cells:
        if cell.kind == "markdown":
            values = iter(inline_values.get(id(cell), []))
            parts.append(INLINE_EXPRESSION.sub(lambda _match, values=values: next(values), cell.source))
        else:
            unit = by_cell.get(id(cell))
            cell_outputs = outputs[id(unit)] if unit is not None else []
            parts.append(_cell_markdown(document, cell, cell_outputs, figure_dir))
    return "\n\n".join(part for part in parts if part) + "\n"


def _metadata_block(document: QmdDocument) -> str:
    """A YAML block with the document options pandoc and the Lua filter read."""
    meta = {key: value for key, value in document.options.items() if key not in ("toc", "toc-depth")}
    meta["pagetitle"] = str(document.options.get("title") or document.path.stem)
    meta.setdefault("lang", "en")
    return "---\n" + yaml.safe_dump(meta, sort_keys=True, allow_unicode=True) + "---"


def _cell_markdown(document: QmdDocument, cell: Cell, outputs: list, figure_dir: Path) -> str:
    """A code cell as a fenced div: echoed source, then its outputs (in a float div when labelled)."""
    if not document.effective(cell, "include"):
        return ""
    label = str(cell.options.get("label") or "")
    blocks: list[str] = []
    if document.effective(cell, "echo"):
        blocks.append(_code_block(cell.source, "{.python .cell-code}"))
    shown: list[str] = []
    output_option = document.effective(cell, "output")
    if output_option:
        for index, output in enumerate(outputs):
            if output.output_type == "stream":
                if output.name == "stderr" and not document.effective(cell, "warning"):
                    continue
                if output_option == "asis" and output.name == "stdout":
                    shown.append(output.text)
                else:
                    shown.append(_code_block(output.text.rstrip("\n"), f"{{.cell-output .cell-output-{output.name}}}"))
            elif output.output_type in ("display_data", "execute_result"):
                stem = figure_dir / f"cell-{cell.number}-{index}"
                shown.append(_rich_output(output.data, output_option == "asis", stem))
    float_kind = label.split("-", 1)[0] if label.startswith(("fig-", "tbl-")) else ""
    if float_kind:
        attributes = [f"#{label}"] + [
            f'{key}="{attribute_text(cell.options[key])}"'
            for key in (f"{float_kind}-cap", "fig-alt")
            if key in cell.options
        ]
        blocks.append("::: {" + " ".join(attributes) + "}\n\n" + "\n\n".join(shown) + "\n\n:::")
    else:
        blocks.extend(shown)
    if not blocks:
        return ""
    identifier = f" #{label}" if label and not float_kind else ""
    return ":::: {.cell" + identifier + "}\n\n" + "\n\n".join(blocks) + "\n\n::::"


def _rich_output(data: Mapping[str, object], asis: bool, stem: Path) -> str:
    """The preferred representation of a display output as Markdown."""
    mime = next((mime for mime in MIME_ORDER if mime in data), None)
    if mime is None:
        return ""
    value = data[mime]
    if mime in IMAGE_SUFFIX:
        path = stem.with_suffix(IMAGE_SUFFIX[mime])
        if mime == "image/png":
            path.write_bytes(base64.b64decode(str(value)))
        else:
            path.write_text(str(value), encoding="utf-8")
        return f"![]({path.as_posix()})"
    if mime == "text/markdown" or asis:
        return str(value)
    if mime == "text/html":
        return _code_block(str(value), "{=html}")
    return _code_block(str(value), "{.cell-output .cell-output-display}")


def _code_block(text: str, attributes: str) -> str:
    """A fenced block whose fence is longer than any backtick run in ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{attributes}\n{text}\n{fence}"


def _pandoc(arguments: list[str], cwd: Path, env: Mapping[str, str]) -> None:
    command = [pypandoc.get_pandoc_path(), *arguments]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RenderError(f"pandoc failed (exit {result.returncode}):\n{result.stderr.strip()}")
    log_warnings("pandoc", result.stderr)


@contextlib.contextmanager
def _common_arguments(document: QmdDocument, source: Path, output_format: str) -> Iterator[list[str]]:
    """pandoc's input, format, sandbox, table of contents and Lua filters (guard first) for every output."""
    options = document.options
    toc = ["--toc", f"--toc-depth={int(options.get('toc-depth', 3))}"] if options.get("toc") else []
    with package_files((GUARD_FILTER, "quarto_subset.lua", TABLES_FILTER)) as filters:
        yield [
            str(source),
            "--from=markdown",
            f"--to={output_format}",
            "--standalone",
            "--sandbox",
            *(f"--lua-filter={path}" for path in filters),
            *toc,
        ]


def _pandoc_html(document: QmdDocument, source: Path, output: Path, tmpdir: Path, env: Mapping[str, str]) -> None:
    """Standalone, self-contained HTML5 (no network: MathML, embedded CSS, and images embedded as data URIs by
    ``quarto_subset.lua``)."""
    draft, style = tmpdir / "document.html", tmpdir / "style.html"
    css = "".join(package_text(name) for name in (PAGE_STYLESHEET, STYLESHEET))
    style.write_text(f"<style>\n{css}</style>\n", encoding="utf-8")
    with _common_arguments(document, source, "html5") as arguments:
        _pandoc(
            [
                *arguments,
                "--wrap=none",
                "--section-divs",
                "--mathml",
                f"--include-in-header={style}",
                f"--output={draft}",
            ],
            cwd=document.path.parent,
            env=env,
        )
    html = draft.read_text(encoding="utf-8")
    generator = '<meta name="generator" content="pandoc" />'
    if html.count(generator) != 1:
        raise RenderError("pandoc output lacks its generator meta tag")
    version = pypandoc.get_pandoc_version()
    html = html.replace(generator, f'<meta name="generator" content="qolreview builtin renderer (pandoc {version})" />')
    write_bytes_atomic({output: html.encode("utf-8")})


def _pandoc_docx(document: QmdDocument, source: Path, output: Path, tmpdir: Path, env: Mapping[str, str]) -> None:
    """A Word file; its dates are ``SOURCE_DATE_EPOCH`` (pandoc manual, "Reproducible builds")."""
    draft = tmpdir / "document.docx"
    with _common_arguments(document, source, "docx") as arguments:
        _pandoc([*arguments, f"--output={draft}"], cwd=document.path.parent, env=env)
    write_bytes_atomic({output: draft.read_bytes()})


def _pandoc_pdf(document: QmdDocument, source: Path, output: Path, tmpdir: Path, env: Mapping[str, str]) -> None:
    """A PDF through pandoc's Typst writer and the ``typst`` package, with the images that the guard checked copied
    to ``tmpdir/media`` (pandoc's ``--extract-media``), where the Typst source names them by absolute path."""
    draft, header = tmpdir / "document.typ", tmpdir / "header.typ"
    header.write_text(package_text(TYPST_STYLE) + TYPST_NUMBERING, encoding="utf-8")
    with _common_arguments(document, source, "typst") as arguments:
        _pandoc(
            [*arguments, f"--include-in-header={header}", f"--extract-media={tmpdir / 'media'}", f"--output={draft}"],
            cwd=document.path.parent,
            env=env,
        )
    compile_pdf(draft, draft.with_suffix(".pdf"))
    write_bytes_atomic({output: draft.with_suffix(".pdf").read_bytes()})


Writer = Callable[[QmdDocument, Path, Path, Path, Mapping[str, str]], None]
WRITERS: Mapping[Format, Writer] = {"html": _pandoc_html, "docx": _pandoc_docx, "pdf": _pandoc_pdf}
