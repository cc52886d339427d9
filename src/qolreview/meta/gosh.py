"""GOSH (graphical display of study heterogeneity): the model fitted to every subset of the studies.

Equal to metafor 3.8's ``gosh()`` for an intercept-only ``rma.uni()`` fit (Olkin, Dahabreh & Trikalinos
2012, Res Synth Methods 3:214-223):

- Subsets: every non-empty subset of the ``k`` studies (metafor keeps the subsets with at least ``p = 1``
  study, so single studies are included), ``2^k - 1`` in all. A single study is reported as itself:
  estimate ``yi``, tau² = 0, I² = 0 and Q = 0.
- ``method="EE"`` and ``"DL"``: metafor's closed-form path (``.profile.rma.uni(model = 1 or 2)``):
  ``Q = sum(w (y - ybar_w)^2)`` with ``w = 1/vi``, ``I2 = max(0, 100 (Q - (k - 1))/Q)`` (for DL too, not
  ``tau2/(tau2 + s2)``, to which it is algebraically equal), DL's tau² truncated at 0 and the estimate
  refitted with ``w = 1/(vi + tau2)``.
- Other estimators: ``rma.uni()`` refitted on each subset (the estimate, tau², ``I2 = 100 tau2/(tau2 + s2)``
  and Cochran's Q of :func:`qolreview.meta.random_effects`). A subset whose estimate does not converge
  is a failed fit, all NaN (metafor's ``NA`` for a fit that stopped with an error).

The subsets are fitted by the vectorised engine: grouped by size into padded blocks
(:class:`qolreview.meta.blocks.Blocks`): about 10^5 REML and 10^6 DL fits per second on one core
(``bench/bench_gosh.py``).

Sampling rule. metafor fits all subsets when there are at most ``subsets`` of them (10^6 by default)
and otherwise draws ``subsets`` of them uniformly *with* replacement (a size with probability
``dbinom(m, k, 0.5)`` renormalised over m >= 1, then a uniform subset of that size). :func:`gosh` draws
``max_subsets`` *distinct* subsets uniformly without replacement (every subset equally likely, each at
most once) with :func:`numpy.random.default_rng` seeded by ``seed``: ``rng.choice(2^k - 1,
max_subsets, replace=False) + 1`` read as bit masks, so the same ``seed`` gives the same rows (R's random
numbers cannot be reproduced, so sampled rows differ from metafor's).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from qolreview.arrays import FloatArray
from qolreview.meta.blocks import Blocks, Panel
from qolreview.meta.estimators import weighted_fit
from qolreview.meta.inference import fit_blocks
from qolreview.meta.validation import validate_effects, validate_params

#: metafor's default number of subsets: all when there are at most this many, otherwise a sample of this size.
METAFOR_SUBSETS = 1_000_000
#: Largest k fitted exhaustively when ``max_subsets`` is None: 2^19 - 1 = 524,287 <= 10^6 < 2^20 - 1,
#: so that the default reproduces metafor's choice between all subsets and a sample.
EXHAUSTIVE_MAX_K = 19
#: Largest number of studies: the subset masks are int64 bit sets.
MAX_STUDIES = 63
#: Subsets are fitted in batches holding at most this many studies in all (before padding), which bounds
#: the memory used.
CHUNK_CELLS = 1 << 22
#: Output columns, in order.
GOSH_COLUMNS = ("mask", "k", "estimate", "tau2", "i2", "qe")


def gosh(
    yi: ArrayLike,
    vi: ArrayLike,
    method: str = "REML",
    max_subsets: int | None = None,
    seed: int = 0,
    exhaustive_max_k: int = EXHAUSTIVE_MAX_K,
    *,
    threshold: float = 1e-12,
    maxiter: int = 1000,
    stepadj: float = 1.0,
) -> pd.DataFrame:
    """Fit the model to every subset of the studies, or to a seeded sample of subsets (metafor's ``gosh()``).

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and sampling variances of 2 to :data:`MAX_STUDIES` studies, as for
        :func:`qolreview.meta.random_effects`.
    method : {"REML", "EE", "DL", "ML", "PM", "HE", "SJ", "EB", "HS"}, default "REML"
        Estimator of tau², as for :func:`qolreview.meta.random_effects`.
    max_subsets : int or None, default None
        Number of subsets at most. All ``2^k - 1`` non-empty subsets are fitted when there are at most
        ``max_subsets`` of them, otherwise ``max_subsets`` distinct subsets drawn uniformly at random.
        None: all subsets when ``k <= exhaustive_max_k``, otherwise a sample of
        :data:`METAFOR_SUBSETS` (10^6), metafor's default.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng` for the sample (unused when all subsets are fitted).
    exhaustive_max_k : int, default :data:`EXHAUSTIVE_MAX_K`
        With ``max_subsets=None``, the largest k whose subsets are all fitted (19: the largest k with
        at most 10^6 subsets, as metafor decides). Ignored when ``max_subsets`` is given.
    threshold, maxiter, stepadj : float, int, float
        Control settings of the iterative estimators, as for :func:`qolreview.meta.random_effects`
        (metafor's ``gosh()`` reuses the ``control`` of the fitted model).

    Returns
    -------
    pandas.DataFrame
        One row per subset, sorted by ``mask``: ``mask`` (int64; bit ``i - 1`` set when study ``i``,
        1-based, is in the subset), ``k`` (int64, the subset's size), ``estimate``, ``tau2``, ``i2``
        (percent) and ``qe`` (Cochran's Q). Failed fits (the estimator did not converge) have NaN in
        every column but ``mask`` and ``k``.

    Raises
    ------
    ValueError
        For fewer than 2 or more than :data:`MAX_STUDIES` studies, invalid ``yi``/``vi``, an invalid
        ``method``, ``max_subsets`` (an integer >= 1 or None), ``seed`` (an integer >= 0),
        ``exhaustive_max_k`` (an integer from 1 to :data:`MAX_STUDIES`) or control setting.

    Notes
    -----
    metafor samples with replacement when the subsets are too many; this function samples distinct
    subsets (see the module docstring), so a sample never repeats a fit.

    References
    ----------
    Olkin et al. (2012) :cite:`olkin2012`
    Viechtbauer (2010) :cite:`viechtbauer2010`
    metafor 3.8 :cite:`metafor`
    """
    validate_params(method=method, threshold=threshold, maxiter=maxiter, stepadj=stepadj)
    y, v = validate_effects(yi, vi)
    k = y.size
    if k < 2:
        raise ValueError("GOSH needs at least two studies.")
    if k > MAX_STUDIES:
        raise ValueError(f"GOSH handles at most {MAX_STUDIES} studies (int64 subset masks), got {k}.")
    if max_subsets is not None and not _is_int(max_subsets, minimum=1):
        raise ValueError(
            f"Invalid value for parameter 'max_subsets': {max_subsets!r}; expected an integer >= 1 or None."
        )
    if not _is_int(seed, minimum=0):
        raise ValueError(f"Invalid value for parameter 'seed': {seed!r}; expected an integer >= 0.")
    if not _is_int(exhaustive_max_k, minimum=1, maximum=MAX_STUDIES):
        raise ValueError(
            f"Invalid value for parameter 'exhaustive_max_k': {exhaustive_max_k!r}; "
            f"expected an integer from 1 to {MAX_STUDIES}."
        )
    masks = subset_masks(k, max_subsets, seed, exhaustive_max_k)
    members = (masks[:, None] >> np.arange(k, dtype=np.int64)) & 1 == 1
    sizes = members.sum(axis=1)
    order = np.argsort(sizes, kind="stable")  # by size, then by mask
    cols = _fit_subsets(y, v, members[order], sizes[order], method, threshold, maxiter, stepadj)
    frame = pd.DataFrame({"mask": masks, "k": sizes.astype(np.int64)})
    for name in ("estimate", "tau2", "i2", "qe"):
        values = np.empty(masks.size)
        values[order] = cols[name]
        frame[name] = values
    return frame


def subset_masks(
    k: int, max_subsets: int | None = None, seed: int = 0, exhaustive_max_k: int = EXHAUSTIVE_MAX_K
) -> NDArray[np.int64]:
    """Bit masks of the subsets :func:`gosh` fits, ascending (bit ``i - 1`` set when study ``i`` is in).

    Parameters
    ----------
    k : int
        Number of studies (2 to :data:`MAX_STUDIES`; validated by :func:`gosh`).
    max_subsets, seed, exhaustive_max_k
        As for :func:`gosh`.

    Returns
    -------
    numpy.ndarray of int64
        ``1 .. 2^k - 1`` when all subsets are fitted; otherwise ``max_subsets`` (or 10^6) distinct
        masks drawn uniformly with ``numpy.random.default_rng(seed).choice(2^k - 1, n, replace=False) + 1``.

    References
    ----------
    Olkin et al. (2012) :cite:`olkin2012`
    metafor 3.8 :cite:`metafor` (``gosh.rma``: all subsets up to 10^6 of them, otherwise a sample)
    """
    n_all = (1 << k) - 1
    if max_subsets is None:
        exhaustive = k <= exhaustive_max_k
        n_sample = METAFOR_SUBSETS
    else:
        exhaustive = n_all <= max_subsets
        n_sample = int(max_subsets)
    if exhaustive or n_sample >= n_all:
        return np.arange(1, n_all + 1, dtype=np.int64)
    drawn = np.random.default_rng(seed).choice(n_all, size=n_sample, replace=False)
    return np.sort(drawn.astype(np.int64) + 1)


def _is_int(value: object, minimum: int, maximum: int | None = None) -> bool:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        return False
    return int(value) >= minimum and (maximum is None or int(value) <= maximum)


def _fit_subsets(
    y: FloatArray,
    v: FloatArray,
    members: NDArray[np.bool_],
    sizes: NDArray[np.int64],
    method: str,
    threshold: float,
    maxiter: int,
    stepadj: float,
) -> dict[str, FloatArray]:
    """Fit the subsets given as membership rows sorted by size; columns in that order."""
    n = sizes.size
    cols = {name: np.zeros(n) for name in ("estimate", "tau2", "i2", "qe")}
    singles = int(np.searchsorted(sizes, 2))
    # A lone study: itself, tau² = 0, I² = 0, Q = 0 (metafor's gosh() on both of its paths).
    cols["estimate"][:singles] = y[np.nonzero(members[:singles])[1]]
    cells = np.concatenate(([0], np.cumsum(sizes)))
    lo = singles
    while lo < n:
        # The next batch: subsets holding at most CHUNK_CELLS studies in all (at least one subset).
        hi = max(lo + 1, int(np.searchsorted(cells, cells[lo] + CHUNK_CELLS, side="right")) - 1)
        idx = np.nonzero(members[lo:hi])[1]  # row-major: each subset's studies in input order
        blocks = Blocks.from_flat(y[idx], v[idx], sizes[lo:hi])
        if method in ("EE", "DL"):
            fitted = _closed_form(blocks, method)
        else:
            fitted = _refit(blocks, method, threshold, maxiter, stepadj)
        for name, values in fitted.items():
            cols[name][lo:hi] = values
        lo = hi
    return cols


def _closed_form(blocks: Blocks, method: str) -> dict[str, FloatArray]:
    """metafor's fast path of ``gosh()`` for EE and DL (``.profile.rma.uni`` with ``model = 1, 2``)."""

    def fit(panel: Panel) -> dict[str, FloatArray]:
        df = panel.k - 1.0
        fe = weighted_fit(panel, np.zeros(panel.k.size))
        q = fe.rss
        with np.errstate(divide="ignore", invalid="ignore"):
            i2 = np.maximum(0.0, 100.0 * (q - df) / q)
        if method == "EE":
            return {"estimate": fe.mu, "tau2": np.zeros(q.size), "i2": i2, "qe": q}
        tau2 = np.maximum(0.0, (q - df) / (fe.sum_w - (fe.w**2).sum(axis=1) / fe.sum_w))
        return {"estimate": weighted_fit(panel, tau2).mu, "tau2": tau2, "i2": i2, "qe": q}

    return blocks.rowwise(fit)


def _refit(blocks: Blocks, method: str, threshold: float, maxiter: int, stepadj: float) -> dict[str, FloatArray]:
    """``rma.uni()`` on every subset (k >= 2) by the batch engine; failed fits are NaN."""
    res = fit_blocks(blocks, method, "z", 0.95, False, threshold, maxiter, stepadj)
    failed = ~res["converged"]
    return {
        name: np.where(failed, np.nan, res[src])
        for name, src in (("estimate", "estimate"), ("tau2", "tau2"), ("i2", "i2"), ("qe", "q"))
    }


__all__ = ["EXHAUSTIVE_MAX_K", "GOSH_COLUMNS", "MAX_STUDIES", "METAFOR_SUBSETS", "gosh", "subset_masks"]
