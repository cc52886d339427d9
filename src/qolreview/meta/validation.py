"""Declarative validation of the meta-analysis parameters and inputs.

One table lists the allowed values of every parameter; every check raises ``ValueError`` with the
same message shape (in the style of scikit-learn's parameter constraints).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Estimators of the between-study variance, as named by metafor's ``rma.uni(method=)``.
METHODS = ("EE", "DL", "REML", "ML", "PM", "HE", "SJ", "EB", "HS")
#: Tests of the pooled effect: normal (``z``) or Knapp-Hartung (``knha``).
TESTS = ("z", "knha")


@dataclass(frozen=True)
class Rule:
    """An allowed-value rule: a predicate and the words that describe it in error messages."""

    check: Callable[[Any], bool]
    expected: str


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)


PARAMETER_RULES: Mapping[str, Rule] = {
    "method": Rule(lambda v: v in METHODS, "one of " + ", ".join(METHODS)),
    "test": Rule(lambda v: v in TESTS, "one of " + ", ".join(TESTS)),
    "level": Rule(lambda v: _is_real(v) and 0.0 < float(v) < 1.0, "a number strictly between 0 and 1"),
    "threshold": Rule(lambda v: _is_real(v) and math.isfinite(float(v)) and float(v) > 0.0, "a positive finite number"),
    "maxiter": Rule(
        lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1,
        "an integer >= 1",
    ),
    "stepadj": Rule(lambda v: _is_real(v) and math.isfinite(float(v)) and float(v) > 0.0, "a positive finite number"),
    "nonconverged": Rule(lambda v: v in ("raise", "flag"), "one of raise, flag"),
    "tau2_ci": Rule(lambda v: isinstance(v, (bool, np.bool_)), "True or False"),
}


def validate_params(**params: Any) -> None:
    """Raise ``ValueError`` for the first parameter whose value its rule does not allow.

    Parameters
    ----------
    **params
        Parameter values by name; every name must be a key of :data:`PARAMETER_RULES`.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        Naming the parameter, its value and the values allowed.
    KeyError
        For a name without a rule.

    References
    ----------
    metafor 3.8 :cite:`metafor` (names and allowed values of ``method`` and ``test``)
    """
    for name, value in params.items():
        rule = PARAMETER_RULES[name]
        if not rule.check(value):
            raise ValueError(f"Invalid value for parameter {name!r}: {value!r}; expected {rule.expected}.")


def validate_effects(yi: ArrayLike, vi: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return ``yi`` and ``vi`` as float vectors after checking shape, finiteness and ``vi > 0``.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and sampling variances, one-dimensional and of equal, nonzero length.

    Returns
    -------
    yi, vi : numpy.ndarray
        float64 copies (or views) of the inputs.

    Raises
    ------
    ValueError
        For a wrong shape, no studies, a non-finite ``yi``, or a ``vi`` that is not finite and positive;
        the error names the index of the first offending study.

    References
    ----------
    None: input checks of this project.
    """
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    if y.ndim != 1 or v.ndim != 1:
        raise ValueError("yi and vi must be one-dimensional.")
    if y.shape != v.shape:
        raise ValueError(f"yi and vi must have the same length, got {y.size} and {v.size}.")
    if y.size == 0:
        raise ValueError("At least one study is needed.")
    bad_y = np.flatnonzero(~np.isfinite(y))
    if bad_y.size:
        raise ValueError(f"yi[{bad_y[0]}] must be finite, got {y[bad_y[0]]!r}.")
    bad_v = np.flatnonzero(~(np.isfinite(v) & (v > 0.0)))
    if bad_v.size:
        raise ValueError(f"vi[{bad_v[0]}] must be positive and finite, got {v[bad_v[0]]!r}.")
    return y, v
