"""Text measurement for layout: widths and heights of text in inches, and word wrapping to a measured
width, so headers, labels and boxes are sized from the real font metrics (DejaVu Sans) instead of a
character-count estimate. Metrics come from matplotlib's Agg renderer at 72 dpi (1 pixel = 1 point)."""

from __future__ import annotations

from functools import lru_cache

from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.font_manager import FontProperties

from qolreview.figures import style

_POINTS_PER_INCH = 72.0
SLACK = 1.04
"""Safety factor on measured widths: hinting at 300 dpi can make text slightly wider than at 72 dpi."""


@lru_cache(maxsize=1)
def _renderer() -> RendererAgg:
    return RendererAgg(1, 1, _POINTS_PER_INCH)


@lru_cache(maxsize=4096)
def line_width_in(text: str, size: float, bold: bool = False) -> float:
    """Width of one line of text in inches."""
    if not text:
        return 0.0
    prop = FontProperties(family=style.FONT, size=size, weight="bold" if bold else "normal")
    width, _, _ = _renderer().get_text_width_height_descent(text, prop, ismath=False)
    return width * SLACK / _POINTS_PER_INCH


def text_width_in(lines: list[str] | str, size: float, bold: bool = False) -> float:
    """Width of the widest line, in inches."""
    lines = lines.split("\n") if isinstance(lines, str) else lines
    return max((line_width_in(line, size, bold) for line in lines), default=0.0)


def height_in(n_lines: int, size: float, linespacing: float = 1.2) -> float:
    """Height of ``n_lines`` lines of text (matplotlib's line spacing), in inches."""
    return max(1, n_lines) * size * linespacing / _POINTS_PER_INCH


def wrap(text: str, max_in: float, size: float, bold: bool = False, indent: str = "") -> list[str]:
    """Greedy word wrap to ``max_in`` inches; a single word wider than that keeps its own line
    (use ``fits`` to detect it). Continuation lines start with ``indent``. Words are split at ordinary
    spaces only, so a no-break space (U+00A0) keeps its neighbours on one line."""
    lines: list[str] = []
    for word in (w for w in text.split(" ") if w):
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and line_width_in(candidate, size, bold) <= max_in:
            lines[-1] = candidate
        else:
            lines.append(indent + word if lines else word)
    return lines or [""]


def fits(lines: list[str], max_in: float, size: float, bold: bool = False) -> bool:
    """True when every line is at most ``max_in`` inches wide."""
    return text_width_in(lines, size, bold) <= max_in
