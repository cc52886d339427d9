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

    Attributes
    ----------
    method, test : str
        Estimator of tau² and test, as requested.
    level : float
        Confidence level.
    k : int
        Number of studies.
    pooled : bool
        False when ``k == 1``.
    estimate, se, stat, pval, ci_lb, ci_ub : float
        Pooled estimate, its standard error, test statistic (z or t), p-value and confidence interval.
    pi_lb, pi_ub : float
        Prediction interval (NaN for ``EE``).
    tau2, tau2_se, tau2_ci_lb, tau2_ci_ub : float
        Between-study variance, its standard error and Q-profile CI.
    i2, i2_ci_lb, i2_ci_ub, h2, h2_ci_lb, h2_ci_ub : float
        I² (percent) and H² with the bounds mapped from the tau² CI.
    q, q_df, q_p : float, int, float
        Cochran's Q, its degrees of freedom (k - 1) and chi² p-value.
    converged : bool
        Whether every iterative estimate and root search converged.
    iterations : int
        Iterations of the tau² estimator (0 for the closed-form estimators).
    weights : tuple of float
        Percentage weight of each study.

    References
    ----------
    Viechtbauer (2010) :cite:`viechtbauer2010`
    metafor 3.8 :cite:`metafor`
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
