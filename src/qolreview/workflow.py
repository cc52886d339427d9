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


class InputError(Exception):
    """An error in the user's input (e.g. an invalid workbook), not a bug: reported by its message alone."""


@contextlib.contextmanager
def logged(log_path: str | Path) -> Iterator[logging.Logger]:
    """Send ``logging`` output and stderr of a rule to its ``log:`` file.

    Standard error is redirected at the file-descriptor level, so the messages of child processes (e.g.
    the Jupyter kernel that runs the report) go to the log too. An :class:`InputError` escaping the block
    is written to the log and to the console's stderr as its message, without a traceback, and the
    process exits with status 1. Any other exception is written to the log with its traceback and
    re-raised. Either way the rule fails (and Snakemake removes its outputs) while the log keeps the reason.
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
        failure: InputError | None = None
        try:
            yield logging.getLogger("qolreview")
        except InputError as error:
            logging.getLogger("qolreview").error("%s", error)
            failure = error
        except Exception:
            logging.getLogger("qolreview").exception("rule failed")
            raise
        finally:
            stream.flush()
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            sys.stderr = old_stderr
            root.removeHandler(handler)
    if failure is not None:
        print(failure, file=sys.stderr)
        raise SystemExit(1)


class Files(Protocol):
    """A rule's named files: Snakemake's ``input`` or ``output`` object, or a plain dict in tests."""

    def __getitem__(self, name: str) -> Any: ...


Settings = Mapping[str, Any]
"""A rule's ``params.settings``: the part of the configuration that the rule depends on."""
