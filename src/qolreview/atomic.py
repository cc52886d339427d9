"""Atomic file writes with the permissions of an ordinary ``open()``, shared by every stage.

Each file is written to a temporary file in its own directory (:func:`tempfile.mkstemp`) and renamed over
the target with :func:`os.replace`, which POSIX makes atomic within a file system (rename(2)): a reader sees
the old file or the new one, never half of one. ``mkstemp`` creates its file with mode 0600; before the
rename the file gets the mode ``open()`` would have given it, ``0o666 & ~umask`` (0644 under the usual umask
022), so the results can be read by whoever the user's umask lets read them.
"""

from __future__ import annotations

import functools
import os
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path

_UMASK_LOCK = threading.Lock()


def _proc_umask() -> int | None:
    """The umask Linux reports in ``/proc/self/status`` (since Linux 4.7; proc(5)), or None where it does not."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return int(fields["Umask"], 8) if "Umask" in fields else None


@functools.cache
def _umask() -> int:
    """The process umask, read once: from ``/proc`` where possible, without changing it; else by setting a
    restrictive mask and restoring it at once under a lock (``os.umask`` is the only portable reader), so a file
    another thread creates in that instant gets too few permissions, never too many."""
    mask = _proc_umask()
    if mask is not None:
        return mask
    with _UMASK_LOCK:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def _stage(target: Path, payload: bytes) -> str:
    """Write ``payload`` to a new temporary file next to ``target`` with ordinary permissions; return its path."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(payload)
        os.chmod(tmp, 0o666 & ~_umask())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def write_bytes_atomic(files: Mapping[str | Path, bytes]) -> None:
    """Write several files so that none is replaced until all were written to temporary files.

    Each file gets mode ``0o666 & ~umask``, as ``open()`` would give it (0644 under umask 022).
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, payload in files.items():
            target = Path(path)
            staged.append((_stage(target, payload), target))
        for tmp, target in staged:
            os.replace(tmp, target)
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
