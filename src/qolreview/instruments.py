"""The instrument registry (``config/instruments.yaml``): canonical names, aliases and score ranges."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import yaml

_SCHEMA = Path(__file__).resolve().parents[2] / "config" / "schemas" / "instruments.schema.yaml"


def _key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


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
    """Instruments by canonical name, with case-insensitive alias resolution."""

    def __init__(self, instruments: Mapping[str, Instrument]) -> None:
        self.instruments = dict(instruments)
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


def load_registry(path: str | Path) -> Registry:
    """Load and schema-validate the registry at ``path``."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    schema = yaml.safe_load(_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    instruments: dict[str, Instrument] = {}
    for name, spec in data["instruments"].items():
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
        instruments[name] = Instrument(
            name=name,
            full_name=spec["full_name"],
            reference=spec["reference"],
            qol=spec["qol"],
            aliases=tuple(spec.get("aliases", ())),
            subscales=subscales,
        )
    _check_unique_aliases(instruments)
    return Registry(instruments)


def _check_unique_aliases(instruments: Mapping[str, Instrument]) -> None:
    """An alias must not name two instruments, or two subscales of one instrument."""
    seen: dict[str, str] = {}
    for name, inst in instruments.items():
        for alias in (name, *inst.aliases):
            other = seen.setdefault(_key(alias), name)
            if other != name:
                raise ValueError(f"instrument alias {alias!r} names both {other} and {name}")
        subs: dict[str, str] = {}
        for sub_name, sub in inst.subscales.items():
            for alias in (sub_name, *sub.aliases):
                other = subs.setdefault(_key(alias), sub_name)
                if other != sub_name:
                    raise ValueError(f"{name} subscale alias {alias!r} names both {other} and {sub_name}")
            for lo, hi in sub.ranges:
                if lo >= hi:
                    raise ValueError(f"{name} {sub_name}: range [{lo}, {hi}] is empty")
