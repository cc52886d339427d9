"""Deterministic saving: the same figure always gives byte-identical SVG and PNG files."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from matplotlib.figure import Figure

from qolreview.figures import style

SVG_METADATA = {"Date": None, "Creator": None}
PNG_METADATA = {"Software": None}


def _atomic_savefig(fig: Figure, path: Path, fmt: str, metadata: dict[str, None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream, style.context():
            fig.savefig(stream, format=fmt, dpi=style.DPI, metadata=metadata)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_figure(fig: Figure, stem: str | Path) -> tuple[Path, Path]:
    """Write ``<stem>.svg`` and ``<stem>.png`` (300 dpi) without timestamps or version strings.

    The SVG hash salt and fonts come from ``style.RC``; ``Date``/``Creator`` (SVG) and ``Software``
    (PNG) metadata are dropped, so reruns are byte-identical. Each file is written atomically.
    """
    stem = Path(stem)
    svg, png = stem.with_name(stem.name + ".svg"), stem.with_name(stem.name + ".png")
    _atomic_savefig(fig, svg, "svg", SVG_METADATA)
    _atomic_savefig(fig, png, "png", PNG_METADATA)
    return svg, png
