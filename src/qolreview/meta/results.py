"""Result container and error type of the random-effects engine."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


class ConvergenceError(RuntimeError):
    """An iterative estimator or root search did not converge; no estimate is returned."""


@dataclass(frozen=True)
class RandomEffectsResult:
    """One fitted random-effects (or equal-effects) model, field names as in the project's tables.

    ``weights`` are percentages summing to 100 (metafor's ``weights()``). Heterogeneity fields are NaN
    when ``k == 1`` (``pooled`` is then False: the single study is reported as is). The tau² CI fields
    are NaN for ``EE`` and when the Q-profile interval was not requested.
    """

    method: str
    test: str
    level: float
    k: int
    pooled: bool
    estimate: float
    se: float
    stat: float
    pval: float
    ci_lb: float
    ci_ub: float
    pi_lb: float
    pi_ub: float
    tau2: float
    tau2_se: float
    tau2_ci_lb: float
    tau2_ci_ub: float
    i2: float
    i2_ci_lb: float
    i2_ci_ub: float
    h2: float
    h2_ci_lb: float
    h2_ci_ub: float
    q: float
    q_df: int
    q_p: float
    converged: bool
    iterations: int
    weights: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """All fields as a plain dictionary (``weights`` as a tuple)."""
        return asdict(self)
