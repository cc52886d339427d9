"""The builtin renderer: execute a .qmd with nbclient, assemble Markdown, convert it with pandoc.

Execution follows the Jupyter engine of Quarto: the cells run in one ``python3`` kernel in the
document's directory, and a cell assigning the parameter values is injected after the cell tagged
``parameters`` (papermill's convention, which Quarto uses; papermill.readthedocs.io, "Parameterize").
Numbering, captions, cross-references and callouts are left to the pandoc Lua filter
``quarto_subset.lua``; this module only turns cells and their outputs into Markdown. pandoc runs with
``--sandbox`` (it reads no file but those named on its command line) after the filter ``resource_guard.lua``,
which hands it the images it checked (:mod:`qolreview.report.render.resources`).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
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
from qolreview.report.render.errors import RenderError
from qolreview.report.render.qmd import INLINE_EXPRESSION, Cell, QmdDocument
from qolreview.report.render.resources import GUARD_FILTER, guarded_environment, package_file

log = logging.getLogger(__name__)

KERNEL_NAME = "qolreview-python"
#: Runs before the document: fixed salt so that matplotlib SVG ids are reproducible
#: (matplotlib rcParams ``svg.hashsalt``; dates are fixed by SOURCE_DATE_EPOCH).
SETUP_SOURCE = 'import matplotlib as _mpl\n_mpl.rcParams["svg.hashsalt"] = "qolreview"\ndel _mpl'
#: Output MIME types in order of preference (Quarto picks the richest format the target supports).
MIME_ORDER = ("image/svg+xml", "image/png", "text/markdown", "text/html", "text/plain")
IMAGE_SUFFIX = {"image/png": ".png", "image/svg+xml": ".svg"}
PDF_ENGINES = ("typst", "xelatex", "lualatex", "pdflatex")


@dataclass(frozen=True)
class _Unit:
    """One notebook cell to run and where its result goes in the document."""

    cell: Cell | None
    """The document cell (None for the setup and injected-parameters cells)."""
    expression: str | None = None
    """For an inline expression: its Python text."""


def render_builtin(
    document: QmdDocument,
    output_html: Path,
    *,
    params: Mapping[str, object],
    python: str,
    cwd: Path,
    cell_timeout: int,
    pdf: bool,
    resource_dirs: Sequence[Path],
) -> tuple[Path | None, dict[str, float]]:
    """Render ``document`` to ``output_html`` (and a PDF next to it when asked and possible), embedding files
    from ``resource_dirs`` (and the cells' own figures) only.

    Returns the PDF path (None when skipped) and the durations of the steps in seconds.
    """
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
        start = time.perf_counter()
        _pandoc_html(document, source, output_html, tmpdir, env)
        durations["pandoc_html"] = time.perf_counter() - start
        pdf_path = None
        if pdf:
            start = time.perf_counter()
            pdf_path = _pandoc_pdf(document, source, output_html.with_suffix(".pdf"), env)
            durations["pandoc_pdf"] = time.perf_counter() - start
    return pdf_path, durations


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
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "PYTHONHASHSEED": "0"}
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
    for line in result.stderr.splitlines():
        log.warning("pandoc: %s", line)


def _pandoc_html(document: QmdDocument, source: Path, output_html: Path, tmpdir: Path, env: Mapping[str, str]) -> None:
    """Standalone, self-contained HTML5 (no network: MathML, embedded CSS and images)."""
    options = document.options
    toc = ["--toc", f"--toc-depth={int(options.get('toc-depth', 3))}"] if options.get("toc") else []
    draft, style = tmpdir / "document.html", tmpdir / "style.html"
    with package_file(GUARD_FILTER) as guard, package_file("quarto_subset.lua") as lua:
        with package_file("report_style.css") as css:
            style.write_text(f"<style>\n{css.read_text(encoding='utf-8')}</style>\n", encoding="utf-8")
        _pandoc(
            [
                str(source),
                "--from=markdown",
                "--to=html5",
                "--standalone",
                "--sandbox",
                "--embed-resources",
                "--section-divs",
                "--mathml",
                f"--lua-filter={guard}",
                f"--lua-filter={lua}",
                f"--include-in-header={style}",
                f"--output={draft}",
                *toc,
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
    write_bytes_atomic({output_html: html.encode("utf-8")})


def _pandoc_pdf(document: QmdDocument, source: Path, output_pdf: Path, env: Mapping[str, str]) -> Path | None:
    """A PDF with the first engine found on the PATH (typst, then LaTeX), written next to ``source`` and then
    atomically to ``output_pdf``; None when there is no engine."""
    engine = next((name for name in PDF_ENGINES if shutil.which(name)), None)
    if engine is None:
        log.warning("PDF skipped: no PDF engine (%s) on the PATH", ", ".join(PDF_ENGINES))
        return None
    with package_file(GUARD_FILTER) as guard, package_file("quarto_subset.lua") as lua:
        _pandoc(
            [
                str(source),
                "--from=markdown",
                "--standalone",
                f"--pdf-engine={engine}",
                f"--lua-filter={guard}",
                f"--lua-filter={lua}",
                f"--output={source.with_suffix('.pdf')}",
            ],
            cwd=document.path.parent,
            env=env,
        )
    write_bytes_atomic({output_pdf: source.with_suffix(".pdf").read_bytes()})
    return output_pdf
