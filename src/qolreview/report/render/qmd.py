"""Read a Quarto document (.qmd): front matter, project options, cells and their ``#|`` options.

The cell syntax (```` ```{python} ```` chunks, ``#| key: value`` option lines in YAML) and the
option names follow the Quarto reference, "Code Cells: Jupyter" (quarto.org/docs/reference/cells/
cells-jupyter.html). The chunks are split by jupytext's R Markdown reader, which needs no Quarto.
"""

from __future__ import annotations

import ast
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import jupytext
import yaml

from qolreview.report.render.errors import RenderError

#: Cell options the builtin renderer honours; any other option is an error, not a silent no-op.
CELL_OPTIONS = frozenset(
    {"label", "echo", "eval", "output", "include", "warning", "fig-cap", "fig-alt", "tbl-cap", "tags"}
)
#: Options that may also be set document-wide under ``execute:`` (Quarto "Execution Options").
EXECUTE_OPTIONS = ("echo", "eval", "output", "include", "warning")
#: Quarto's defaults for the execution options.
EXECUTE_DEFAULTS: Mapping[str, object] = {
    "echo": True,
    "eval": True,
    "output": True,
    "include": True,
    "warning": True,
}
#: Document options read from the project file and the front matter.
DOCUMENT_OPTIONS = ("title", "subtitle", "author", "date", "lang", "toc", "toc-depth", "number-sections", "lightbox")

INLINE_EXPRESSION = re.compile(r"`\{python\}[ \t]+([^`\n]+?)[ \t]*`")
_OPTION_LINE = re.compile(r"^#\|[ \t]?(.*)$")


@dataclass(frozen=True)
class Cell:
    """One block of the document: Markdown text or a Python code chunk."""

    kind: Literal["markdown", "code"]
    source: str
    options: Mapping[str, object]
    number: int = 0
    """1-based position among the code cells (0 for Markdown)."""

    @property
    def name(self) -> str:
        """How error messages refer to the cell: its label, else its number."""
        label = self.options.get("label")
        return f"cell '{label}'" if label else f"cell {self.number}"

    @property
    def is_parameters(self) -> bool:
        """True for the cell tagged ``parameters`` (the papermill convention Quarto follows)."""
        return "parameters" in (self.options.get("tags") or [])


@dataclass(frozen=True)
class QmdDocument:
    """A parsed .qmd file with its effective document and execution options."""

    path: Path
    front_matter: Mapping[str, object]
    options: Mapping[str, object]
    execute: Mapping[str, object]
    cells: tuple[Cell, ...]

    def effective(self, cell: Cell, option: str) -> object:
        """The value of an execution option for a cell: cell option, else ``execute:``, else default."""
        return cell.options.get(option, self.execute.get(option, EXECUTE_DEFAULTS[option]))


def read_qmd(path: str | Path) -> QmdDocument:
    """Parse ``path``; options come from the nearest ``_quarto.yml`` and then the front matter."""
    path = Path(path).resolve()
    notebook = jupytext.reads(path.read_text(encoding="utf-8"), fmt="Rmd")
    front_matter: dict[str, object] = {}
    cells: list[Cell] = []
    code_number = 0
    for index, nb_cell in enumerate(notebook.cells):
        if index == 0 and nb_cell.cell_type == "raw" and nb_cell.source.startswith("---"):
            body = nb_cell.source.strip().splitlines()[1:-1]
            front_matter = _yaml_mapping("\n".join(body), f"{path.name}: front matter")
        elif nb_cell.cell_type == "code":
            code_number += 1
            options, source = _split_options(nb_cell.source, f"{path.name}: code cell {code_number}")
            cells.append(Cell("code", source, options, code_number))
        else:
            cells.append(Cell("markdown", nb_cell.source, {}))
    options, execute = _document_options(_project_config(path.parent), front_matter)
    return QmdDocument(path, front_matter, options, execute, tuple(cells))


def parameter_names(document: QmdDocument) -> tuple[str, ...]:
    """Names assigned at top level in the cell tagged ``parameters`` (empty if there is none)."""
    tagged = [cell for cell in document.cells if cell.is_parameters]
    if len(tagged) > 1:
        raise RenderError(f"{document.path.name}: more than one cell is tagged 'parameters'")
    if not tagged:
        return ()
    names: list[str] = []
    for node in ast.parse(tagged[0].source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names.extend(target.id for target in targets if isinstance(target, ast.Name))
    return tuple(names)


def check_params(document: QmdDocument, params: Mapping[str, object]) -> dict[str, object]:
    """Validate ``params`` against the parameters cell and return them as plain literal values.

    Every declared parameter must be given and every given parameter must be declared, so that a
    typo or a forgotten value fails the render instead of silently using a default.
    """
    declared = parameter_names(document)
    missing = [name for name in declared if name not in params]
    unknown = [name for name in params if name not in declared]
    if missing or unknown:
        raise RenderError(
            f"{document.path.name}: parameters do not match the cell tagged 'parameters' "
            f"(declared: {', '.join(declared) or 'none'}; missing: {', '.join(missing) or 'none'}; "
            f"not declared: {', '.join(unknown) or 'none'})"
        )
    return {name: _literal(value, name) for name, value in params.items()}


def _literal(value: object, name: str) -> object:
    """``value`` as a JSON-compatible literal (paths become strings); anything else is an error."""
    if isinstance(value, os.PathLike):
        return Path(value).as_posix()
    if isinstance(value, float) and not math.isfinite(value):
        raise RenderError(f"parameter {name!r}: non-finite number {value!r}")
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list | tuple):
        return [_literal(item, name) for item in value]
    if isinstance(value, Mapping) and all(isinstance(key, str) for key in value):
        return {key: _literal(item, name) for key, item in value.items()}
    raise RenderError(f"parameter {name!r}: unsupported type {type(value).__name__}")


def _split_options(source: str, where: str) -> tuple[dict[str, object], str]:
    """Separate the leading ``#|`` option lines (YAML) from the code of a cell."""
    lines = source.splitlines()
    option_lines: list[str] = []
    while lines and (match := _OPTION_LINE.match(lines[0])):
        option_lines.append(match.group(1))
        lines.pop(0)
    options = _yaml_mapping("\n".join(option_lines), where)
    unsupported = sorted(set(options) - CELL_OPTIONS)
    if unsupported:
        raise RenderError(
            f"{where}: unsupported cell option(s) {', '.join(unsupported)} "
            f"(supported: {', '.join(sorted(CELL_OPTIONS))})"
        )
    return options, "\n".join(lines).strip("\n")


def _yaml_mapping(text: str, where: str) -> dict[str, object]:
    try:
        value = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as error:
        raise RenderError(f"{where}: invalid YAML: {error}") from error
    if not isinstance(value, dict):
        raise RenderError(f"{where}: expected a YAML mapping, got {type(value).__name__}")
    return value


def _project_config(directory: Path) -> dict[str, object]:
    """The nearest ``_quarto.yml`` in ``directory`` or its parents, as Quarto looks it up."""
    for candidate in (directory, *directory.parents):
        config = candidate / "_quarto.yml"
        if config.is_file():
            return _yaml_mapping(config.read_text(encoding="utf-8"), str(config.name))
    return {}


def _document_options(
    project: Mapping[str, object], front_matter: Mapping[str, object]
) -> tuple[dict[str, object], dict[str, object]]:
    """Merge project and front-matter options; later layers (front matter, ``format: html``) win."""
    options: dict[str, object] = {}
    execute: dict[str, object] = {}
    for layer in (project, front_matter):
        html = (layer.get("format") or {}).get("html") if isinstance(layer.get("format"), dict) else None
        for source in (layer, html if isinstance(html, dict) else {}):
            options.update({key: source[key] for key in DOCUMENT_OPTIONS if key in source})
            defaults = source.get("execute") or {}
            execute.update({key: value for key, value in defaults.items() if key in EXECUTE_OPTIONS})
    return options, execute
