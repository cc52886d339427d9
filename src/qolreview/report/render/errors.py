"""The exception raised when a report cannot be rendered, and the check of the messages of pandoc and Quarto."""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_WARNING = re.compile(r"^\s*(\[WARNING\]|WARNING\b|WARN\b)")
UNFETCHABLE = "Could not fetch resource"
"""pandoc's warning for a file or URL it could not embed (pandoc manual, ``--embed-resources``)."""


class RenderError(RuntimeError):
    """A render failed: bad input, a failing cell or expression, or a failing external tool."""


def log_warnings(tool: str, messages: str) -> list[str]:
    """Log the warnings in a tool's standard error (pandoc's ``[WARNING]`` lines, Quarto's ``WARNING`` and ``WARN``
    lines; colour codes removed) and return its lines."""
    lines = [_ANSI.sub("", line).strip() for line in messages.splitlines()]
    for line in lines:
        if _WARNING.match(line):
            log.warning("%s: %s", tool, line)
    return lines


def check_messages(tool: str, messages: str) -> None:
    """:func:`log_warnings`, and fail on a resource that could not be fetched: the output would not be
    self-contained."""
    unfetchable = [line for line in log_warnings(tool, messages) if UNFETCHABLE in line]
    if unfetchable:
        raise RenderError(
            f"{tool} could not embed every resource, so the report would not be self-contained:\n"
            + "\n".join(unfetchable)
        )
