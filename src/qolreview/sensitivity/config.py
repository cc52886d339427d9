"""The ``sensitivity`` config section: declared sensitivity analyses and the multiverse factors, validated.

Shape (docs/sensitivity.md)::

    sensitivity:
      analyses:                       # declared sensitivity analyses (Cochrane Handbook 10.14)
        - name: confirmed_only        # unique, lower case, digits and underscores
          description: "..."          # optional; generated from the departures when absent
          departures: {inclusion: confirmed_only}
        - name: equal_effects
          departures: {method: EE}
      multiverse:
        factors:                      # each a list of alternatives (the primary value need not be listed)
          pre_post_r: [0.3, 0.5, 0.7]
          method: [REML, DL, PM]
        max_specifications: 100000    # optional guard against an accidental explosion of the grid
        jobs: 4                       # optional: Snakemake jobs the grid is split into (results identical)

Factors and their values: :data:`qolreview.sensitivity.factors.FACTORS`. Every error names the offending key.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qolreview.sensitivity.factors import BY_NAME, FACTOR_NAMES, SensitivityConfigError

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_SPECIFICATIONS = 100_000
"""Default bound of the number of multiverse specifications (``multiverse.max_specifications``)."""
_SECTION_KEYS = ("analyses", "multiverse")
_ANALYSIS_KEYS = ("name", "description", "departures")
_MULTIVERSE_KEYS = ("factors", "max_specifications", "jobs")


@dataclass(frozen=True)
class DeclaredAnalysis:
    """One declared sensitivity analysis: its name, optional description and departures (factor -> value)."""

    name: str
    description: str | None
    departures: Mapping[str, object]


@dataclass(frozen=True)
class SensitivityConfig:
    """The validated section: the declared analyses in config order, the multiverse factors in the canonical
    factor order (each with its values in config order), the bound on the number of specifications and the number
    of jobs the grid is split into."""

    analyses: tuple[DeclaredAnalysis, ...]
    factors: Mapping[str, tuple[object, ...]]
    max_specifications: int = MAX_SPECIFICATIONS
    jobs: int = 1

    @property
    def n_specifications(self) -> int:
        """Size of the grid (1 without factors: the primary analysis alone)."""
        return math.prod(len(levels) for levels in self.factors.values())


def _mapping(value: object, where: str, keys: Sequence[str]) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise SensitivityConfigError(f"{where} must be a mapping, got {type(value).__name__}")
    unknown = [str(k) for k in value if k not in keys]
    if unknown:
        raise SensitivityConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(keys)}")
    return value


def _departures(value: object, where: str) -> dict[str, object]:
    if not isinstance(value, Mapping) or not value:
        raise SensitivityConfigError(f"{where} must be a non-empty mapping of factor to value")
    out = {}
    for name, level in value.items():
        if name not in BY_NAME:
            raise SensitivityConfigError(f"{where}: unknown factor {name!r}; factors: {', '.join(FACTOR_NAMES)}")
        out[str(name)] = BY_NAME[str(name)].check(level, f"{where}.{name}")
    return out


def _analyses(value: object) -> tuple[DeclaredAnalysis, ...]:
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise SensitivityConfigError("sensitivity.analyses must be a list")
    out, seen = [], set()
    for i, item in enumerate(value):
        where = f"sensitivity.analyses[{i}]"
        entry = _mapping(item, where, _ANALYSIS_KEYS)
        name = entry.get("name")
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise SensitivityConfigError(f"{where}.name must match {NAME_PATTERN.pattern}, got {name!r}")
        if name in seen:
            raise SensitivityConfigError(f"{where}.name: {name!r} is declared twice")
        seen.add(name)
        description = entry.get("description")
        if description is not None and (not isinstance(description, str) or not description.strip()):
            raise SensitivityConfigError(f"{where}.description must be a non-empty text")
        out.append(DeclaredAnalysis(name, description, _departures(entry.get("departures"), f"{where}.departures")))
    return tuple(out)


def _factors(value: object) -> dict[str, tuple[object, ...]]:
    where = "sensitivity.multiverse.factors"
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SensitivityConfigError(f"{where} must be a mapping of factor to a list of values")
    unknown = [str(k) for k in value if k not in BY_NAME]
    if unknown:
        raise SensitivityConfigError(
            f"{where}: unknown factor(s) {', '.join(unknown)}; factors: {', '.join(FACTOR_NAMES)}"
        )
    out = {}
    for name in FACTOR_NAMES:  # canonical order
        if name not in value:
            continue
        levels = value[name]
        if not isinstance(levels, Sequence) or isinstance(levels, str) or not levels:
            raise SensitivityConfigError(f"{where}.{name} must be a non-empty list of values")
        checked = tuple(BY_NAME[name].check(level, f"{where}.{name}[{i}]") for i, level in enumerate(levels))
        if len(set(checked)) != len(checked):
            raise SensitivityConfigError(f"{where}.{name} lists a value twice: {list(levels)}")
        out[name] = checked
    return out


def parse_sensitivity(section: Mapping[str, object] | None) -> SensitivityConfig:
    """Validate the ``sensitivity`` section (None or absent keys: no declared analysis, no multiverse factor).

    Raises
    ------
    SensitivityConfigError
        Naming the offending key: an unknown key or factor, a value outside a factor's levels or bounds, a
        duplicate analysis name or value, or a grid larger than ``max_specifications``.
    """
    section = _mapping(section or {}, "sensitivity", _SECTION_KEYS)
    multiverse = _mapping(section.get("multiverse") or {}, "sensitivity.multiverse", _MULTIVERSE_KEYS)
    bound = multiverse.get("max_specifications", MAX_SPECIFICATIONS)
    if isinstance(bound, bool) or not isinstance(bound, int) or bound < 1:
        raise SensitivityConfigError(
            f"sensitivity.multiverse.max_specifications must be a positive integer, got {bound!r}"
        )
    jobs = multiverse.get("jobs", 1)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise SensitivityConfigError(f"sensitivity.multiverse.jobs must be a positive integer, got {jobs!r}")
    parsed = SensitivityConfig(_analyses(section.get("analyses")), _factors(multiverse.get("factors")), bound, jobs)
    if parsed.n_specifications > bound:
        raise SensitivityConfigError(
            f"sensitivity.multiverse.factors: {parsed.n_specifications} specifications exceed "
            f"sensitivity.multiverse.max_specifications = {bound}"
        )
    return parsed
