"""What the thin Snakemake adapter scripts in ``workflow/scripts/`` share: the rule log and the calling
convention of every stage entry point, ``run(inputs, outputs, settings)``."""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import sys
import time
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
    A rule that succeeds ends its log with its duration and peak memory (:func:`usage_line`).
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
        start = time.perf_counter()
        try:
            yield logging.getLogger("qolreview")
            logging.getLogger("qolreview").info("%s", usage_line(time.perf_counter() - start))
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


def usage_line(seconds: float) -> str:
    """``rule finished in S s, peak memory M MB``: the larger peak resident set of this process and of its
    waited-for children (``getrusage``; Linux reports kilobytes)."""
    peak_kb = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return f"rule finished in {seconds:.2f} s, peak memory {peak_kb / 1024:.0f} MB"


class Files(Protocol):
    """A rule's named files: Snakemake's ``input`` or ``output`` object, or a plain dict in tests."""

    def __getitem__(self, name: str) -> Any: ...


Settings = Mapping[str, Any]
"""A rule's ``params.settings``: the part of the configuration that the rule depends on."""
