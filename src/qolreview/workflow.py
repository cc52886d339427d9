"""What the thin Snakemake adapter scripts in ``workflow/scripts/`` share: the rule log and the calling
convention of every stage entry point, ``run(inputs, outputs, settings)``."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol


@contextlib.contextmanager
def logged(log_path: str | Path) -> Iterator[logging.Logger]:
    """Send ``logging`` output and stderr of a rule to its ``log:`` file.

    Standard error is redirected at the file-descriptor level, so the messages of child processes (e.g.
    the Jupyter kernel that runs the report) go to the log too. An exception escaping the block is
    written to the log with its traceback and re-raised, so the rule fails (and Snakemake removes its
    outputs) while the log keeps the reason.
    """
    path = Path(log_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as stream:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        old_stderr = sys.stderr
        sys.stderr.flush()
        saved_fd = os.dup(2)
        os.dup2(stream.fileno(), 2)
        sys.stderr = stream
        try:
            yield logging.getLogger("qolreview")
        except Exception:
            logging.getLogger("qolreview").exception("rule failed")
            raise
        finally:
            stream.flush()
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            sys.stderr = old_stderr
            root.removeHandler(handler)


class Files(Protocol):
    """A rule's named files: Snakemake's ``input`` or ``output`` object, or a plain dict in tests."""

    def __getitem__(self, name: str) -> Any: ...


Settings = Mapping[str, Any]
"""A rule's ``params.settings``: the part of the configuration that the rule depends on."""
