"""Deterministic saving: the same figure always gives byte-identical SVG and PNG files."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from qolreview.atomic import write_bytes_atomic
from qolreview.figures import style

FIGURE_FORMATS = ("svg", "png")
"""The file formats a figure can be saved in (setting ``figures.formats``): SVG, always written (the report embeds
it), and 300-dpi PNG on request, which takes about as long again to write."""
METADATA: dict[str, dict[str, None]] = {"svg": {"Date": None, "Creator": None}, "png": {"Software": None}}
PNG_COMPRESSION = 3  # zlib level: 1% larger files than Pillow's default 6 and a third faster to write


def _encoded(fig: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    options = {"pil_kwargs": {"compress_level": PNG_COMPRESSION}} if fmt == "png" else {}
    with style.context():
        fig.savefig(buffer, format=fmt, dpi=style.DPI, metadata=METADATA[fmt], **options)
    return buffer.getvalue()


def save_figure(fig: Figure, stem: str | Path, formats: Sequence[str] = FIGURE_FORMATS) -> dict[str, Path]:
    """Write ``<stem>.<format>`` for each of ``formats`` (of :data:`FIGURE_FORMATS`; PNG at 300 dpi) without
    timestamps or version strings, and return the paths by format.

    The SVG hash salt and fonts come from ``style.RC``; ``Date``/``Creator`` (SVG) and ``Software``
    (PNG) metadata are dropped, so reruns are byte-identical. The files are written atomically, with
    ordinary permissions (:func:`qolreview.atomic.write_bytes_atomic`).
    """
    unknown = sorted(set(formats) - set(FIGURE_FORMATS))
    if unknown:
        raise ValueError(f"unknown figure format(s) {unknown}: expected some of {list(FIGURE_FORMATS)}")
    stem = Path(stem)
    paths = {fmt: stem.with_name(f"{stem.name}.{fmt}") for fmt in FIGURE_FORMATS if fmt in formats}
    write_bytes_atomic({path: _encoded(fig, fmt) for fmt, path in paths.items()})
    return paths
