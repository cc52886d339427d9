"""Render with the Quarto CLI (``quarto render``), the preferred renderer when it is installed.

Command-line usage follows the Quarto reference for ``quarto render``: ``--to``, ``--output`` (a
file name only; it is written next to the input, or in the project's ``output-dir``), ``-P key:value``
execution parameters (values are read as YAML, so JSON literals pass through unchanged),
``--execute-dir`` and ``-M key:value`` metadata. ``QUARTO_PYTHON`` selects the Python interpreter
of the Jupyter engine (quarto.org/docs/projects/virtual-environments.html). Arguments Quarto does not know,
such as ``--lua-filter``, are passed on to pandoc, and so is the environment: that is how the filter
``resource_guard.lua`` and its resource directories reach pandoc (:mod:`qolreview.report.render.resources`).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from qolreview.atomic import write_bytes_atomic
from qolreview.report.render.errors import RenderError
from qolreview.report.render.resources import GUARD_FILTER, guarded_environment, package_file

log = logging.getLogger(__name__)

LATEX_ENGINES = ("xelatex", "lualatex", "pdflatex")
_OUTPUT_CREATED = re.compile(r"^Output created: (.+?)\s*$", re.MULTILINE)


def quarto_executable() -> str | None:
    """Path of ``quarto`` on the PATH, or None."""
    return shutil.which("quarto")


def has_papermill(python: str) -> bool:
    """Whether ``python`` can import papermill, which Quarto's Jupyter engine needs for ``-P``.

    Quarto injects parameters with papermill's translators and fails without it
    (quarto-cli, src/resources/jupyter/notebook.py, ``nb_parameterize``).
    """
    try:
        result = subprocess.run([python, "-c", "import papermill"], capture_output=True, check=False, timeout=60)
    except OSError:
        return False
    return result.returncode == 0


def render_quarto(
    qmd: Path,
    output_html: Path,
    *,
    params: Mapping[str, object],
    python: str,
    workdir: Path | None,
    pdf: bool,
    resource_dirs: Sequence[Path],
    metadata: Mapping[str, str] | None = None,
) -> tuple[Path | None, dict[str, float]]:
    """Render ``qmd`` with Quarto to a self-contained ``output_html`` (and a PDF when possible), embedding files
    from ``resource_dirs`` and the cells' figures (``<name>_files`` next to ``qmd``) only.

    Returns the PDF path (None when skipped) and the durations of the steps in seconds.
    """
    quarto = quarto_executable()
    if quarto is None:
        raise RenderError("renderer='quarto' was requested but 'quarto' is not on the PATH")
    if params and not has_papermill(python):
        raise RenderError(f"Quarto needs the papermill package in {python} to pass parameters; install it there")
    durations: dict[str, float] = {}
    meta = [arg for key, value in (metadata or {}).items() for arg in ("-M", f"{key}:{json.dumps(value)}")]
    env = {**guarded_environment([*resource_dirs, qmd.parent / f"{qmd.stem}_files"]), "QUARTO_PYTHON": python}
    start = time.perf_counter()
    _run(
        quarto,
        qmd,
        "html",
        output_html,
        params=params,
        env=env,
        workdir=workdir,
        extra=["-M", "embed-resources:true", *meta],
    )
    durations["quarto_html"] = time.perf_counter() - start
    pdf_path = None
    if pdf:
        target = _pdf_format()
        if target is None:
            log.warning("PDF skipped: neither typst nor a LaTeX engine (%s) is on the PATH", ", ".join(LATEX_ENGINES))
        else:
            start = time.perf_counter()
            pdf_path = output_html.with_suffix(".pdf")
            _run(quarto, qmd, target, pdf_path, params=params, env=env, workdir=workdir, extra=meta)
            durations["quarto_pdf"] = time.perf_counter() - start
    return pdf_path, durations


def _pdf_format() -> str | None:
    """Quarto's PDF route for the toolchain found: ``typst`` first, else ``pdf`` (LaTeX)."""
    if shutil.which("typst"):
        return "typst"
    if any(shutil.which(engine) for engine in LATEX_ENGINES):
        return "pdf"
    return None


def _run(
    quarto: str,
    qmd: Path,
    target: str,
    output: Path,
    *,
    params: Mapping[str, object],
    env: Mapping[str, str],
    workdir: Path | None,
    extra: list[str],
) -> None:
    """One ``quarto render`` call, with the guard filter; its output file is moved to ``output`` (atomically,
    with ordinary permissions)."""
    with package_file(GUARD_FILTER) as guard:
        command = [quarto, "render", qmd.name, "--to", target, "--output", output.name, "--lua-filter", str(guard)]
        command += extra
        for name, value in params.items():
            command += ["-P", f"{name}:{json.dumps(value)}"]
        if workdir is not None:
            command += ["--execute-dir", str(Path(workdir).resolve())]
        log.info("running %s", " ".join(command))
        result = subprocess.run(command, cwd=qmd.parent, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RenderError(f"quarto render failed (exit {result.returncode}):\n{result.stderr.strip()}")
    produced = _produced_file(qmd, output.name, result.stdout + result.stderr)
    if produced.resolve() != output.resolve():
        write_bytes_atomic({output: produced.read_bytes()})
        produced.unlink()


def _produced_file(qmd: Path, name: str, messages: str) -> Path:
    """Where Quarto wrote the output: its "Output created:" line, else next to the input."""
    reported = _OUTPUT_CREATED.findall(messages)
    candidates = [qmd.parent / path for path in reported] + [qmd.parent / name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise RenderError(f"quarto render reported success but {name} was not found (looked in: {candidates})")
