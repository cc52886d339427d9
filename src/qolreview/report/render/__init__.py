"""Render the Quarto report to self-contained HTML, Word and PDF: ``quarto render`` when available, else builtin.

See docs/rendering.md for the renderers, the formats, the supported Quarto subset and the parameters contract.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from qolreview.report.render.builtin import render_builtin
from qolreview.report.render.errors import RenderError
from qolreview.report.render.formats import FORMATS, Format
from qolreview.report.render.qmd import check_params, read_qmd
from qolreview.report.render.quarto import has_papermill, quarto_executable, render_quarto

__all__ = ["FORMATS", "Format", "RenderError", "RenderInfo", "render_report"]

log = logging.getLogger(__name__)

Renderer = Literal["auto", "quarto", "builtin"]
Outputs = str | Path | Mapping[str, str | Path]


@dataclass(frozen=True)
class RenderInfo:
    """What a render produced: the renderer used, the file of each format and step durations (seconds)."""

    renderer: Literal["quarto", "builtin"]
    outputs: Mapping[Format, Path]
    durations: Mapping[str, float] = field(default_factory=dict)

    @property
    def html(self) -> Path | None:
        """The HTML file, or None when HTML was not asked for."""
        return self.outputs.get("html")


def render_report(
    qmd: str | Path,
    outputs: Outputs,
    *,
    params: Mapping[str, object],
    renderer: Renderer = "auto",
    python: str = sys.executable,
    workdir: str | Path | None = None,
    cell_timeout: int = 600,
    metadata: Mapping[str, str] | None = None,
    resource_dirs: Sequence[str | Path] | None = None,
) -> RenderInfo:
    """Render ``qmd`` with parameters ``params`` to ``outputs``: one path, whose suffix (``.html``, ``.docx``,
    ``.pdf``) names the format, or a mapping of formats (:data:`FORMATS`) to paths.

    ``renderer="auto"`` uses Quarto when ``quarto`` is on the PATH and ``python`` can import
    papermill (which Quarto needs for parameters), and the builtin renderer otherwise. The
    parameter ``renderer`` ("quarto" or "builtin") is added to ``params``, so the document must
    declare it in its cell tagged ``parameters``. Code runs with ``python`` in
    ``workdir`` (default: the directory of ``qmd``); ``cell_timeout`` bounds each builtin cell.
    ``metadata`` overrides document metadata such as ``title``; its values are Markdown, as in the front matter.
    The report embeds images from ``resource_dirs`` (default: the directory of ``qmd``) and the cells' own
    figures only, and renders no link with an unsafe URL scheme (``resource_guard.lua``).
    Raises :class:`RenderError` on any failure.
    """
    qmd = Path(qmd).resolve()
    targets = _targets(outputs)
    used = _choose(renderer, python)
    if "renderer" in params:
        raise RenderError("'renderer' is set by render_report; do not pass it in params")
    document = read_qmd(qmd)
    metadata = dict(metadata or {})
    if metadata:
        document = replace(document, options={**document.options, **metadata})
    values = check_params(document, {**params, "renderer": used})
    cwd = Path(workdir).resolve() if workdir is not None else qmd.parent
    resources = [Path(d).resolve() for d in resource_dirs] if resource_dirs is not None else [qmd.parent]
    log.info("rendering %s to %s with the %s renderer", qmd.name, ", ".join(targets), used)
    start = time.perf_counter()
    if used == "quarto":
        durations = render_quarto(
            qmd,
            targets,
            params=values,
            python=python,
            workdir=cwd if workdir is not None else None,
            resource_dirs=resources,
            metadata=metadata,
        )
    else:
        durations = render_builtin(
            document, targets, params=values, python=python, cwd=cwd, cell_timeout=cell_timeout, resource_dirs=resources
        )
    steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in durations.items())
    durations["total"] = time.perf_counter() - start
    log.info("wrote %s in %.1f s (%s)", ", ".join(str(path) for path in targets.values()), durations["total"], steps)
    return RenderInfo(used, targets, durations)


def _targets(outputs: Outputs) -> dict[Format, Path]:
    """The output file of each format, absolute; a single path's format is its suffix."""
    if isinstance(outputs, str | Path):
        outputs = {Path(outputs).suffix.lstrip("."): outputs}
    unknown = sorted(set(outputs) - set(FORMATS))
    if unknown or not outputs:
        raise RenderError(f"unknown or no output format {unknown} (formats: {', '.join(FORMATS)})")
    return {output_format: Path(path).resolve() for output_format, path in outputs.items()}


def _choose(renderer: Renderer, python: str) -> Literal["quarto", "builtin"]:
    if renderer == "auto":
        if quarto_executable() is None:
            return "builtin"
        if not has_papermill(python):
            log.warning("quarto found but papermill is not importable by %s; using the builtin renderer", python)
            return "builtin"
        return "quarto"
    if renderer == "quarto":
        if quarto_executable() is None:
            raise RenderError("renderer='quarto' was requested but 'quarto' is not on the PATH")
        return "quarto"
    if renderer == "builtin":
        return "builtin"
    raise RenderError(f"unknown renderer {renderer!r} (use 'auto', 'quarto' or 'builtin')")
