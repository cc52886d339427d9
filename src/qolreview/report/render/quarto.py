"""Render with the Quarto CLI (``quarto render``), the preferred renderer when it is installed.

Command-line usage follows the Quarto reference for ``quarto render``: ``--to``, ``--output`` (a file name only; it
is written next to the input, or in the project's ``output-dir``), ``-P key:value`` execution parameters (values are
read as YAML, so JSON literals pass through unchanged), ``--execute-dir``, ``-M key:value`` and ``--metadata-file``.
``QUARTO_PYTHON`` selects the Python interpreter of the Jupyter engine (quarto.org/docs/projects/
virtual-environments.html). Arguments Quarto does not know, such as ``--lua-filter``, are passed on to pandoc, and
so is the environment: that is how the filter ``resource_guard.lua`` and its resource directories reach pandoc
(:mod:`qolreview.report.render.resources`).

Each format is one ``quarto render`` (Quarto runs the cells once per format): ``html`` (self-contained), ``docx``,
and ``typst``, whose Typst source Quarto compiles to PDF with the compiler of
:mod:`qolreview.report.render.typst_pdf`.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from qolreview.atomic import write_bytes_atomic
from qolreview.report.render.errors import RenderError, check_messages
from qolreview.report.render.formats import Format
from qolreview.report.render.kernel import ipython_dir
from qolreview.report.render.resources import (
    GUARD_FILTER,
    STYLESHEET,
    TABLES_FILTER,
    TYPST_STYLE,
    guarded_environment,
    package_files,
    package_text,
)
from qolreview.report.render.typst_pdf import quarto_typst

log = logging.getLogger(__name__)

#: Quarto's output format for each report format (quarto.org/docs/output-formats/all-formats.html).
QUARTO_FORMATS: Mapping[Format, str] = {"html": "html", "docx": "docx", "pdf": "typst"}
#: Lua filters run by Quarto before its own (quarto.org/docs/extensions/lua.html, "Filter order").
FILTERS = (GUARD_FILTER, "metadata_override.lua", TABLES_FILTER)
METADATA_KEY = "qolreview-metadata"
_OUTPUT_CREATED = re.compile(r"^Output created: (.+?)\s*$", re.MULTILINE)
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
"""Terminal colour codes: Quarto leaves one at the start of the line after a warning."""


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
    outputs: Mapping[Format, Path],
    *,
    params: Mapping[str, object],
    python: str,
    workdir: Path | None,
    resource_dirs: Sequence[Path],
    metadata: Mapping[str, str] | None = None,
) -> dict[str, float]:
    """Render ``qmd`` with Quarto to each of ``outputs`` (format to path), embedding files from ``resource_dirs`` and
    the cells' figures (``<name>_files`` next to ``qmd``) only. Returns the durations of the renders in seconds."""
    quarto = quarto_executable()
    if quarto is None:
        raise RenderError("renderer='quarto' was requested but 'quarto' is not on the PATH")
    if params and not has_papermill(python):
        raise RenderError(f"Quarto needs the papermill package in {python} to pass parameters; install it there")
    durations: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="qolreview-quarto-") as tmp:
        tmpdir = Path(tmp)
        env = _environment(tmpdir, [*resource_dirs, qmd.parent / f"{qmd.stem}_files"], python)
        for output_format, output in outputs.items():
            metadata_file = tmpdir / f"{output_format}.yml"
            metadata_file.write_text(_metadata_yaml(output_format, metadata or {}), encoding="utf-8")
            extra = ["--metadata-file", str(metadata_file)]
            if output_format == "html":
                extra += ["-M", "embed-resources:true"]
            start = time.perf_counter()
            _run(
                quarto, qmd, QUARTO_FORMATS[output_format], output, params=params, env=env, workdir=workdir, extra=extra
            )
            durations[f"quarto_{output_format}"] = time.perf_counter() - start
    return durations


def _environment(tmpdir: Path, resource_dirs: Sequence[Path], python: str) -> dict[str, str]:
    """Quarto's environment: the guard's resource directories, ``SOURCE_DATE_EPOCH``, the kernel's Python and set-up
    (``IPYTHONDIR``) and the Typst compiler (``QUARTO_TYPST``), the last two in ``tmpdir``."""
    return {
        **guarded_environment(resource_dirs),
        **quarto_typst(tmpdir),
        "QUARTO_PYTHON": python,
        "IPYTHONDIR": str(ipython_dir(tmpdir / "ipython")),
    }


def _metadata_yaml(output_format: Format, metadata: Mapping[str, str]) -> str:
    """The metadata file of one render: the given metadata (Markdown; ``metadata_override.lua`` puts it over the
    front matter) and the report's style, the stylesheet for HTML and the Typst rules for the PDF
    (``include-in-header``; quarto.org/docs/reference/formats/html.html and .../typst.html). Word callouts go
    without Quarto's icons (``callout-icon``), which are images from Quarto's installation, outside the resource
    directories."""
    values: dict[str, object] = {METADATA_KEY: dict(metadata)} if metadata else {}
    if output_format == "html":
        values["include-in-header"] = [{"text": f"<style>\n{package_text(STYLESHEET)}</style>\n"}]
    elif output_format == "docx":
        values["callout-icon"] = False
    elif output_format == "pdf":
        values["include-in-header"] = [{"text": package_text(TYPST_STYLE)}]
    return yaml.safe_dump(values, sort_keys=True, allow_unicode=True)


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
    """One ``quarto render`` call, with the Lua filters; its warnings are logged (an unfetchable resource is an
    error) and its output file is moved to ``output`` (atomically, with ordinary permissions)."""
    with package_files(FILTERS) as filters:
        command = [quarto, "render", qmd.name, "--to", target, "--output", output.name]
        command += [argument for path in filters for argument in ("--lua-filter", str(path))]
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
    try:
        check_messages("quarto", result.stderr)
    except RenderError:
        produced.unlink()
        raise
    if produced.resolve() != output.resolve():
        write_bytes_atomic({output: produced.read_bytes()})
        produced.unlink()


def _produced_file(qmd: Path, name: str, messages: str) -> Path:
    """Where Quarto wrote the output: its "Output created:" line, else next to the input."""
    reported = _OUTPUT_CREATED.findall(_ANSI_ESCAPE.sub("", messages))
    candidates = [qmd.parent / path for path in reported] + [qmd.parent / name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise RenderError(f"quarto render reported success but {name} was not found (looked in: {candidates})")
