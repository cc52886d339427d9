"""The instrument registry: outcome domains, and instruments with their canonical names, aliases and score ranges.

The registry bundled with the pipeline (``config/instruments.yaml``) comes first; a review's own files (config
``extra_instruments``) are merged after it and declare new domains and instruments under the same schema
(``config/schemas/instruments.schema.yaml``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from qolreview.workflow import InputError

_CONFIG = Path(__file__).resolve().parents[2] / "config"
_SCHEMA = _CONFIG / "schemas" / "instruments.schema.yaml"
BUNDLED_REGISTRY = _CONFIG / "instruments.yaml"
"""The registry bundled with the pipeline."""

RegistryFiles = str | Path | Sequence[str | Path]
"""One registry file, or several merged in order (a rule's ``instruments`` input)."""


class RegistryError(InputError, ValueError):
    """A registry file that cannot be used: the run stops with this message, without a traceback."""


def _key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


@dataclass(frozen=True)
class Domain:
    """An outcome domain: its names in the report and in the figures, and whether it is a quality-of-life domain."""

    name: str
    label: str
    short_label: str
    qol: bool


@dataclass(frozen=True)
class Subscale:
    """One scored subscale (domain, dimension or total) of an instrument."""

    instrument: str
    name: str
    aliases: tuple[str, ...]
    ranges: tuple[tuple[float, float], ...]
    higher_is_better: bool
    domain: str
    kind: str = "continuous"
    note: str | None = None

    @property
    def width(self) -> float:
        """Largest ``max - min`` over the accepted ranges: the bound on the size of a change."""
        return max(hi - lo for lo, hi in self.ranges)

    def in_range(self, value: float) -> bool:
        """Whether ``value`` lies in at least one accepted range."""
        return any(lo <= value <= hi for lo, hi in self.ranges)

    def describe_ranges(self) -> str:
        """The accepted ranges as text, e.g. ``[4, 20] or [0, 100]``."""
        return " or ".join(f"[{_num(lo)}, {_num(hi)}]" for lo, hi in self.ranges)


@dataclass(frozen=True)
class Instrument:
    """One instrument with its subscales."""

    name: str
    full_name: str
    reference: str
    qol: bool
    aliases: tuple[str, ...]
    subscales: Mapping[str, Subscale]


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class Registry:
    """Instruments by canonical name, with case-insensitive alias resolution, and the domains of their subscales
    in display order."""

    def __init__(self, instruments: Mapping[str, Instrument], domains: Mapping[str, Domain]) -> None:
        self.instruments = dict(instruments)
        self.domains = dict(domains)
        self._names: dict[str, str] = {}
        self._subscale_names: dict[str, dict[str, str]] = {}
        for name, inst in self.instruments.items():
            for alias in (name, *inst.aliases):
                self._names[_key(alias)] = name
            table: dict[str, str] = {}
            for sub_name, sub in inst.subscales.items():
                for alias in (sub_name, *sub.aliases):
                    table[_key(alias)] = sub_name
            self._subscale_names[name] = table

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical instrument names, sorted."""
        return tuple(sorted(self.instruments, key=str.casefold))

    def resolve_instrument(self, name: str) -> str | None:
        """Canonical name of an instrument name or alias, or None when unknown."""
        return self._names.get(_key(name))

    def resolve_subscale(self, instrument: str, subscale: str) -> str | None:
        """Canonical subscale name of a subscale name or alias, or None when unknown."""
        canonical = self.resolve_instrument(instrument)
        if canonical is None:
            return None
        return self._subscale_names[canonical].get(_key(subscale))

    def instrument(self, name: str) -> Instrument:
        """The instrument named ``name`` (canonical or alias); KeyError when unknown."""
        canonical = self.resolve_instrument(name)
        if canonical is None:
            raise KeyError(f"unknown instrument {name!r}; known: {', '.join(self.names)}")
        return self.instruments[canonical]

    def subscale(self, instrument: str, subscale: str) -> Subscale:
        """The subscale (canonical or alias) of an instrument; KeyError when unknown."""
        inst = self.instrument(instrument)
        canonical = self.resolve_subscale(inst.name, subscale)
        if canonical is None:
            raise KeyError(
                f"unknown subscale {subscale!r} of {inst.name}; known: {', '.join(self.subscale_names(inst.name))}"
            )
        return inst.subscales[canonical]

    def subscale_names(self, instrument: str) -> tuple[str, ...]:
        """Canonical subscale names of an instrument, sorted."""
        return tuple(sorted(self.instrument(instrument).subscales, key=str.casefold))


def registry_files(files: RegistryFiles) -> list[Path]:
    """The registry's files, in merge order."""
    return [Path(files)] if isinstance(files, (str, Path)) else [Path(f) for f in files]


def load_registry(files: RegistryFiles) -> Registry:
    """Load the registry from its files in order (the bundled one, then a review's own), each checked against the
    schema.

    A domain or an instrument declared in two files, a subscale in a domain no file declares and an alias naming
    two instruments are errors naming the files. Domains are in display order: quality-of-life domains first, each
    group in the order declared.
    """
    schema = yaml.safe_load(_SCHEMA.read_text(encoding="utf-8"))
    domains: dict[str, Domain] = {}
    instruments: dict[str, Instrument] = {}
    origin: dict[str, Path] = {}
    for path in registry_files(files):
        data = _read(path, schema)
        for name, spec in data.get("domains", {}).items():
            _claim(origin, "domain", name, path)
            domains[name] = Domain(name, spec["label"], spec.get("short_label", spec["label"]), spec["qol"])
        for name, spec in data.get("instruments", {}).items():
            _claim(origin, "instrument", name, path)
            instruments[name] = _instrument(name, spec)
    files_of = {name: origin[f"instrument {_key(name)}"] for name in instruments}
    _check_domains(instruments, domains, files_of)
    _check_unique_aliases(instruments, files_of)
    return Registry(instruments, dict(sorted(domains.items(), key=lambda item: not item[1].qol)))


@cache
def bundled_registry() -> Registry:
    """The registry bundled with the pipeline (:data:`BUNDLED_REGISTRY`), loaded once."""
    return load_registry(BUNDLED_REGISTRY)


def _read(path: Path, schema: Mapping[str, Any]) -> dict[str, Any]:
    """One registry file, schema-checked; RegistryError naming the file and the place of the first failure."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        jsonschema.validate(data, schema)
    except jsonschema.ValidationError as error:
        where = " > ".join(str(part) for part in error.absolute_path) or "top level"
        raise RegistryError(f"{path}: {where}: {error.message}") from None
    return data


def _claim(origin: dict[str, Path], kind: str, name: str, path: Path) -> None:
    """Record that ``path`` declares the domain or instrument ``name``; RegistryError when another file did (another
    ``Path`` object: the same file listed twice is declaring everything twice)."""
    other = origin.setdefault(f"{kind} {_key(name)}", path)
    if other is not path:
        raise RegistryError(f"{kind} {name!r} is declared in both {other} and {path}")


def _instrument(name: str, spec: Mapping[str, Any]) -> Instrument:
    """An instrument from its entry in a registry file."""
    subscales = {
        sub_name: Subscale(
            instrument=name,
            name=sub_name,
            aliases=tuple(sub.get("aliases", ())),
            ranges=tuple((float(lo), float(hi)) for lo, hi in sub["ranges"]),
            higher_is_better=sub["higher_is_better"],
            domain=sub["domain"],
            kind=sub.get("kind", "continuous"),
            note=sub.get("note"),
        )
        for sub_name, sub in spec["subscales"].items()
    }
    return Instrument(
        name=name,
        full_name=spec["full_name"],
        reference=spec["reference"],
        qol=spec["qol"],
        aliases=tuple(spec.get("aliases", ())),
        subscales=subscales,
    )


def _check_domains(
    instruments: Mapping[str, Instrument], domains: Mapping[str, Domain], files: Mapping[str, Path]
) -> None:
    """Every subscale's domain must be declared by one of the registry's files."""
    for name, inst in instruments.items():
        for sub in inst.subscales.values():
            if sub.domain not in domains:
                raise RegistryError(
                    f"{files[name]}: {name} subscale {sub.name!r}: domain {sub.domain!r} is not declared in the "
                    f"registry's domains; declared: {', '.join(domains)}"
                )


def _check_unique_aliases(instruments: Mapping[str, Instrument], files: Mapping[str, Path]) -> None:
    """An alias must not name two instruments, or two subscales of one instrument."""
    seen: dict[str, str] = {}
    for name, inst in instruments.items():
        for alias in (name, *inst.aliases):
            other = seen.setdefault(_key(alias), name)
            if other != name:
                raise RegistryError(
                    f"instrument alias {alias!r} names both {other} ({files[other]}) and {name} ({files[name]})"
                )
        subs: dict[str, str] = {}
        for sub_name, sub in inst.subscales.items():
            for alias in (sub_name, *sub.aliases):
                other = subs.setdefault(_key(alias), sub_name)
                if other != sub_name:
                    raise RegistryError(
                        f"{files[name]}: {name} subscale alias {alias!r} names both {other} and {sub_name}"
                    )
            for lo, hi in sub.ranges:
                if lo >= hi:
                    raise RegistryError(f"{files[name]}: {name} {sub_name}: range [{lo}, {hi}] is empty")
