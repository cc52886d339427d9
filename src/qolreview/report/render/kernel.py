"""Set-up of the Jupyter kernel that runs a report's cells, the same under both renderers.

* A ``str`` result is Markdown: IPython's display formatter gives strings a ``text/markdown`` representation
  (IPython, "Rich Output": ``DisplayFormatter.formatters[mime].for_type``), which Quarto inserts as Markdown for
  an inline expression or a cell result (quarto-cli, ``src/core/jupyter/jupyter-inline.ts``), as the builtin
  renderer does. Without it Quarto shows the ``repr`` of a string, escaped again, so the report library's
  Markdown escapes (``reviewers\\'``) would show as backslashes.
* matplotlib's SVG ids use a fixed salt, so figures are reproducible (rcParams ``svg.hashsalt``).

The builtin renderer runs :data:`SETUP_SOURCE` as its first cell; under Quarto the kernel runs it as an IPython
startup file from a temporary ``IPYTHONDIR`` (IPython, "Startup files"), since Quarto starts the kernel itself.
"""

from __future__ import annotations

from pathlib import Path

SETUP_SOURCE = (
    'get_ipython().display_formatter.formatters["text/markdown"].for_type(str, lambda text: text)\n'
    "import matplotlib as _mpl\n"
    '_mpl.rcParams["svg.hashsalt"] = "qolreview"\n'
    "del _mpl\n"
)


def ipython_dir(directory: Path) -> Path:
    """An ``IPYTHONDIR`` in ``directory`` whose default profile runs :data:`SETUP_SOURCE` at kernel start."""
    startup = directory / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-qolreview.py").write_text(SETUP_SOURCE, encoding="utf-8")
    return directory
