"""What a pooled result concludes, whether another result concludes the same, and the robustness rule.

The conclusion of a pooled result is its direction (the sign of the estimate; positive = better quality of life,
the harmonized sign convention) and whether its confidence interval excludes no effect (0 on every scale the
synthesis pools: SMD, MD, log ratios). Two results reach the same conclusion when both agree (Cochrane Handbook
10.14 :cite:`deeks2023ch10`: a sensitivity analysis asks whether the conclusion changes, not whether the number
does).

Robustness rule of a multiverse (:data:`ROBUST_SHARE`): the primary conclusion is *robust* when at least 90% of
all specifications reach it (a specification that cannot be pooled, or whose model does not converge, does not
reach it); otherwise it *depends on* the factor whose choice best explains which specifications reach it: the
factor with the largest share of the variance of the 0/1 agreement explained by its main effect (between-level
variance over total variance; ties broken in the canonical factor order). When no factor explains any of it (only
combinations of choices matter) it *depends on the combination of choices*. When no specification reaches it, it
is *not reached by any specification*.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

ROBUST_SHARE = 0.9
"""Share of specifications that must reach the primary conclusion for it to be called robust."""
ROBUST = "robust"
NOT_ASSESSABLE = "not assessable"
COMBINATION = "the combination of choices"
NOT_REACHED = "not reached by any specification"
SAME_VALUE = 1e-10
"""Values whose range is below this (relative to their size, at least 1) do not vary: rounding alone separates
them, and no factor explains their variance."""


def excludes_null(ci_lb: ArrayLike, ci_ub: ArrayLike) -> NDArray[np.bool_]:
    """The confidence interval lies wholly above or below 0 (False when a limit is missing)."""
    lb, ub = np.asarray(ci_lb, dtype=float), np.asarray(ci_ub, dtype=float)
    return (lb > 0) | (ub < 0)


def same_conclusion(
    estimate: ArrayLike, ci_lb: ArrayLike, ci_ub: ArrayLike, primary: tuple[float, float, float]
) -> NDArray[np.bool_]:
    """Each result has the primary result's direction and the same CI-excludes-0 status (False when missing)."""
    est = np.asarray(estimate, dtype=float)
    p_est, p_lb, p_ub = primary
    same = (np.sign(est) == np.sign(p_est)) & (excludes_null(ci_lb, ci_ub) == bool(excludes_null(p_lb, p_ub)))
    return same & np.isfinite(est)


def change_phrase(estimate: float, ci_lb: float, ci_ub: float, primary: tuple[float, float, float]) -> str:
    """How the conclusion of a result differs from the primary one, or "the conclusion holds"."""
    if bool(same_conclusion(estimate, ci_lb, ci_ub, primary)):
        return "the conclusion holds"
    p_est, p_lb, p_ub = primary
    if np.sign(estimate) != np.sign(p_est):
        return "the conclusion changes: the direction of the effect reverses"
    if bool(excludes_null(p_lb, p_ub)):
        return "the conclusion changes: the confidence interval now includes no effect"
    return "the conclusion changes: the confidence interval now excludes no effect"


def between_share(values: ArrayLike, levels: ArrayLike) -> float:
    """Share of the variance of ``values`` explained by the main effect of ``levels``: the between-level sum of
    squares over the total sum of squares (eta squared; NaN when the values do not vary, :data:`SAME_VALUE`, or one
    level is present)."""
    x = np.asarray(values, dtype=float)
    codes = np.unique(np.asarray(levels), return_inverse=True)[1].ravel()
    if x.size < 2 or codes.max(initial=0) == 0:
        return float("nan")
    if np.ptp(x) <= SAME_VALUE * max(1.0, float(np.abs(x).max())):
        return float("nan")
    total = float(np.sum((x - x.mean()) ** 2))
    counts = np.bincount(codes)
    means = np.bincount(codes, weights=x) / counts
    share = float(np.clip(np.sum(counts * (means - x.mean()) ** 2) / total, 0.0, 1.0))
    return 0.0 if share < SAME_VALUE else share


def robustness(agree: ArrayLike, factor_levels: dict[str, ArrayLike]) -> str:
    """The robustness of the primary conclusion by the module's rule: "robust", "depends on <factor>", "depends on
    the combination of choices" or "not reached by any specification", from the 0/1 agreement of every
    specification and each factor's value per specification (canonical order); "not assessable" without any."""
    a = np.asarray(agree, dtype=float)
    if a.size == 0:
        return NOT_ASSESSABLE
    if a.mean() >= ROBUST_SHARE:
        return ROBUST
    if not a.any():
        return NOT_REACHED
    shares = {name: between_share(a, levels) for name, levels in factor_levels.items()}
    best = max(shares, key=lambda n: -1.0 if np.isnan(shares[n]) else shares[n], default=None)
    if best is None or np.isnan(shares[best]) or shares[best] <= 0:
        return f"depends on {COMBINATION}"
    return f"depends on {best}"
