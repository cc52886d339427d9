"""What a rendered report may embed: files under its resource directories only, checked by the pandoc Lua
filter ``resource_guard.lua`` under both renderers (the filter's header documents the rules).

Both renderers pass the directories to the filter in the environment of pandoc (or of ``quarto``, which
passes its environment on to pandoc), one absolute path per line.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

from qolreview.report.render.errors import RenderError

GUARD_FILTER = "resource_guard.lua"
TABLES_FILTER = "report_tables.lua"
STYLESHEET = "report_style.css"
TYPST_STYLE = "report_style.typ"
RESOURCE_DIRS_VARIABLE = "QOLREVIEW_RESOURCE_DIRS"


@contextlib.contextmanager
def package_file(name: str) -> Iterator[Path]:
    """A data file shipped in this package (a Lua filter, the stylesheet), as a filesystem path."""
    with resources.as_file(resources.files(__package__) / name) as path:
        yield path


@contextlib.contextmanager
def package_files(names: Iterable[str]) -> Iterator[list[Path]]:
    """Several data files shipped in this package, as filesystem paths."""
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(package_file(name)) for name in names]


def package_text(name: str) -> str:
    """The text of a data file shipped in this package."""
    return (resources.files(__package__) / name).read_text(encoding="utf-8")


def source_date_epoch() -> int:
    """The creation time written into every output, in seconds since 1970: ``SOURCE_DATE_EPOCH`` when set, else 0
    (reproducible-builds.org/specs/source-date-epoch; pandoc manual, "Reproducible builds")."""
    return int(os.environ.get("SOURCE_DATE_EPOCH", "0"))


def guarded_environment(resource_dirs: Iterable[Path]) -> dict[str, str]:
    """The current environment with the resource directories (absolute, symbolic links resolved) for the
    guard filter, and a fixed ``SOURCE_DATE_EPOCH`` (pandoc's timestamps in Word files)."""
    dirs = [str(Path(d).resolve()) for d in resource_dirs]
    if any("\n" in d for d in dirs):
        raise RenderError(f"a resource directory name holds a line break: {dirs!r}")
    return {**os.environ, RESOURCE_DIRS_VARIABLE: "\n".join(dirs), "SOURCE_DATE_EPOCH": str(source_date_epoch())}
