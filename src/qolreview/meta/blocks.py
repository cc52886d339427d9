"""Analyses of different sizes stored as a few padded panels of similar width.

Padding every analysis to the largest ``k`` wastes work on cells of weight 0; one panel per distinct
``k`` wastes the fixed cost of each array operation. :class:`Blocks` keeps the analyses sorted by
``k`` and cuts them into contiguous runs chosen to minimise ``padded cells + BLOCK_COST_CELLS per
block`` (exact dynamic programming over the distinct sizes). Row-wise computations run panel by panel
(:meth:`Blocks.rowwise`); iterative searches share one loop over all blocks and drop finished rows
with :class:`ActiveRows`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qolreview.arrays import FloatArray

#: Fixed cost of one more block, in padded cells (measured: one vectorised step over a block costs
#: about as much as this many cells of arithmetic).
BLOCK_COST_CELLS = 4096
#: Iterative loops re-pack their rows when fewer than this fraction of them are still active.
REPACK_FRACTION = 0.8


@dataclass(frozen=True)
class Panel:
    """Padded effect sizes of many analyses: ``y``, ``v`` and ``mask`` are (analyses, width).

    Padding cells have ``y = 0`` and ``v = inf``, hence weight exactly 0 in every weighted sum.
    """

    y: FloatArray
    v: FloatArray
    mask: NDArray[np.bool_]

    @classmethod
    def from_padded(cls, y: FloatArray, v: FloatArray, mask: NDArray[np.bool_]) -> Panel:
        """Panel from arrays whose cells outside ``mask`` are ignored."""
        return cls(np.where(mask, y, 0.0), np.where(mask, v, np.inf), mask)

    @cached_property
    def k(self) -> FloatArray:
        """Number of studies in each analysis."""
        return self.mask.sum(axis=1).astype(float)

    def centred(self) -> Panel:
        """The same panel with ``y`` centred at each row's unweighted mean (metafor's ``ymci``)."""
        mean = self.y.sum(axis=1) / self.k
        return Panel(np.where(self.mask, self.y - mean[:, None], 0.0), self.v, self.mask)

    def take(self, rows: NDArray) -> Panel:
        """The analyses selected by a boolean mask or an index array."""
        return Panel(self.y[rows], self.v[rows], self.mask[rows])


def block_ends(sizes: NDArray[np.int64], cost: int = BLOCK_COST_CELLS) -> NDArray[np.intp]:
    """End positions of the optimal runs of ascending ``sizes`` (cells of the padded runs + ``cost`` each).

    Exact dynamic programming over the distinct sizes: a run is padded to its largest size, and the
    partition minimises the padded cells plus ``cost`` per run.

    Parameters
    ----------
    sizes : numpy.ndarray of int
        Number of studies of each analysis, non-decreasing.
    cost : int, default :data:`BLOCK_COST_CELLS`
        Fixed cost of one more block, in padded cells.

    Returns
    -------
    numpy.ndarray of intp
        Exclusive end position of each run, ascending; the last equals ``len(sizes)``.

    References
    ----------
    None: an implementation device of this project (see ``docs/meta_analysis.md``); no published source.
    """
    values, counts = np.unique(sizes, return_counts=True)
    cum = np.concatenate(([0], np.cumsum(counts)))
    best = np.zeros(values.size + 1)
    start = np.zeros(values.size, dtype=np.intp)
    for j, width in enumerate(values):
        candidates = best[: j + 1] + (cum[j + 1] - cum[: j + 1]) * float(width)
        start[j] = int(np.argmin(candidates))
        best[j + 1] = candidates[start[j]] + cost
    ends = []
    j = values.size
    while j > 0:
        ends.append(cum[j])
        j = start[j - 1]
    return np.asarray(ends[::-1], dtype=np.intp)


@dataclass(frozen=True)
class Blocks:
    """Analyses sorted by ``k`` (non-decreasing), as consecutive padded :class:`Panel` blocks."""

    panels: tuple[Panel, ...]

    @classmethod
    def from_flat(cls, y: FloatArray, v: FloatArray, sizes: NDArray[np.int64]) -> Blocks:
        """Blocks from effect sizes grouped by analysis (``sizes`` non-decreasing, one per analysis)."""
        starts = np.concatenate(([0], np.cumsum(sizes)))
        panels = []
        lo = 0
        for hi in block_ends(sizes):
            width = int(sizes[hi - 1])
            rows = np.repeat(np.arange(hi - lo), sizes[lo:hi])
            cols = np.arange(starts[lo], starts[hi]) - np.repeat(starts[lo:hi], sizes[lo:hi])
            panels.append(_padded(hi - lo, width, rows, cols, y[starts[lo] : starts[hi]], v[starts[lo] : starts[hi]]))
            lo = hi
        return cls(tuple(panels))

    @cached_property
    def offsets(self) -> NDArray[np.intp]:
        """First row of each block, then the number of rows."""
        return np.concatenate(([0], np.cumsum([p.y.shape[0] for p in self.panels]))).astype(np.intp)

    @property
    def n(self) -> int:
        """Number of analyses."""
        return int(self.offsets[-1])

    @cached_property
    def k(self) -> FloatArray:
        """Number of studies in each analysis."""
        return np.concatenate([p.k for p in self.panels])

    def map(self, fn: Callable[[Panel], Panel]) -> Blocks:
        """Apply a panel-to-panel transformation to every block."""
        return Blocks(tuple(fn(p) for p in self.panels))

    def rowwise(self, fn: Callable[..., Any], *arrays: NDArray) -> Any:
        """``fn(panel, *row_slices)`` on every block, outputs concatenated in row order.

        ``fn`` returns an array, a tuple of arrays, a dict of arrays or a dataclass of arrays.
        """
        if len(self.panels) == 1:
            return fn(self.panels[0], *arrays)
        bounds = self.offsets
        parts = [
            fn(p, *(a[lo:hi] for a in arrays)) for p, lo, hi in zip(self.panels, bounds[:-1], bounds[1:], strict=True)
        ]
        first = parts[0]
        if isinstance(first, tuple):
            return tuple(np.concatenate(x) for x in zip(*parts, strict=True))
        if isinstance(first, dict):
            return {key: np.concatenate([p[key] for p in parts]) for key in first}
        if is_dataclass(first):
            return type(first)(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(first)})
        return np.concatenate(parts)

    def take(self, rows: NDArray[np.intp]) -> Blocks:
        """The analyses at positions ``rows`` (non-decreasing; repeats allowed), re-blocked."""
        block = np.searchsorted(self.offsets, rows, side="right") - 1
        local = rows - self.offsets[block]
        sizes = self.k[rows].astype(np.int64)
        panels = []
        lo = 0
        for hi in block_ends(sizes):
            width = int(sizes[hi - 1])
            y = np.zeros((hi - lo, width))
            v = np.full((hi - lo, width), np.inf)
            mask = np.zeros((hi - lo, width), dtype=bool)
            cuts = lo + np.flatnonzero(np.diff(block[lo:hi])) + 1
            for a, b in zip(np.concatenate(([lo], cuts)), np.concatenate((cuts, [hi])), strict=True):
                src = self.panels[block[a]]
                cols = min(width, src.y.shape[1])
                sel = local[a:b]
                y[a - lo : b - lo, :cols] = src.y[sel, :cols]
                v[a - lo : b - lo, :cols] = src.v[sel, :cols]
                mask[a - lo : b - lo, :cols] = src.mask[sel, :cols]
            panels.append(Panel(y, v, mask))
            lo = hi
        return Blocks(tuple(panels))


def _padded(n: int, width: int, rows: NDArray, cols: NDArray, y: FloatArray, v: FloatArray) -> Panel:
    out_y = np.zeros((n, width))
    out_v = np.full((n, width), np.inf)
    mask = np.zeros((n, width), dtype=bool)
    out_y[rows, cols] = y
    out_v[rows, cols] = v
    mask[rows, cols] = True
    return Panel(out_y, out_v, mask)


class ActiveRows:
    """The rows of :class:`Blocks` still needed by an iterative search, re-packed lazily.

    A shrinking set of row indices is evaluated on the current packing (extra rows are computed and
    discarded) until fewer than :data:`REPACK_FRACTION` of its rows are needed; then only those are kept.
    """

    def __init__(self, blocks: Blocks) -> None:
        self.blocks = blocks
        self.rows = np.arange(blocks.n)

    def evaluate(
        self, fn: Callable[[Panel, FloatArray], FloatArray], rows: NDArray[np.intp], x: FloatArray
    ) -> FloatArray:
        """``fn(panel, x)`` for the original rows ``rows`` (ascending) at their values ``x``."""
        if rows.size < REPACK_FRACTION * self.rows.size:
            self.blocks = self.blocks.take(np.searchsorted(self.rows, rows))
            self.rows = rows
        if rows.size == self.rows.size:
            return self.blocks.rowwise(fn, x)
        pos = np.searchsorted(self.rows, rows)
        full = np.zeros(self.rows.size)
        full[pos] = x
        return self.blocks.rowwise(fn, full)[pos]
