"""The instrument registry: domains declared in it, and a review's own files merged after the bundled one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from qolreview.instruments import BUNDLED_REGISTRY, RegistryError, bundled_registry, load_registry, registry_files
from qolreview.workflow import InputError

EXAMPLE = """\
domains:
  hospital_stay: {label: Length of hospital stay, short_label: Hospital stay, qol: false}
  wellbeing: {label: Wellbeing, qol: true}
instruments:
  LOS:
    full_name: Length of hospital stay (days)
    reference: "Not a scale: days from admission to discharge, as each study reports them."
    qol: false
    aliases: [length of stay]
    subscales:
      days: {ranges: [[0, 365]], higher_is_better: false, domain: hospital_stay}
"""
"""A review's own registry file: a new non-QoL domain with an instrument in it, and a new QoL domain."""


def _file(tmp_path: Path, text: str, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_bundled_registry_declares_every_domain_it_uses() -> None:
    registry = bundled_registry()
    used = {sub.domain for inst in registry.instruments.values() for sub in inst.subscales.values()}
    assert used == set(registry.domains)
    qol = [d.qol for d in registry.domains.values()]
    assert qol == sorted(qol, reverse=True)  # QoL domains first
    overall = registry.domains["overall"]
    assert (overall.label, overall.short_label, overall.qol) == ("Overall QoL / health status", "Overall QoL", True)
    assert registry.domains["physical"].short_label == "Physical"  # short label defaults to the label


def test_a_reviews_file_adds_instruments_and_domains(tmp_path: Path) -> None:
    registry = load_registry([BUNDLED_REGISTRY, _file(tmp_path, EXAMPLE)])
    assert set(registry.instruments) == set(bundled_registry().instruments) | {"LOS"}
    days = registry.subscale("length of stay", "days")
    assert (days.instrument, days.domain, days.higher_is_better) == ("LOS", "hospital_stay", False)
    order = list(registry.domains)
    assert order.index("wellbeing") < order.index("symptoms")  # a new QoL domain goes with the QoL domains
    assert order[-1] == "hospital_stay"
    assert registry.domains["hospital_stay"].label == "Length of hospital stay"


def test_a_name_declared_twice_names_both_files(tmp_path: Path) -> None:
    mine = _file(tmp_path, EXAMPLE)
    twice = _file(tmp_path, EXAMPLE.split("instruments:")[0], "again.yaml")
    message = f"domain 'hospital_stay' is declared in both {mine} and {twice}"
    with pytest.raises(RegistryError, match=re.escape(message)):
        load_registry([BUNDLED_REGISTRY, mine, twice])
    bundled = yaml.safe_load(BUNDLED_REGISTRY.read_text(encoding="utf-8"))
    copy = _file(tmp_path, yaml.safe_dump({"instruments": {"eq-5d-5l": bundled["instruments"]["EQ-5D-5L"]}}))
    message = f"instrument 'eq-5d-5l' is declared in both {BUNDLED_REGISTRY} and {copy}"
    with pytest.raises(RegistryError, match=re.escape(message)):
        load_registry([BUNDLED_REGISTRY, copy])
    with pytest.raises(RegistryError, match="domain 'overall' is declared in both"):
        load_registry([BUNDLED_REGISTRY, BUNDLED_REGISTRY])


def test_an_alias_of_another_files_instrument_names_both_files(tmp_path: Path) -> None:
    mine = _file(tmp_path, EXAMPLE.replace("[length of stay]", "[EQ5D]"))
    message = f"instrument alias 'EQ5D' names both EQ-5D-5L ({BUNDLED_REGISTRY}) and LOS ({mine})"
    with pytest.raises(RegistryError, match=re.escape(message)):
        load_registry([BUNDLED_REGISTRY, mine])


def test_a_subscale_needs_a_declared_domain(tmp_path: Path) -> None:
    mine = _file(tmp_path, EXAMPLE.replace("domain: hospital_stay", "domain: stay"))
    with pytest.raises(RegistryError, match=re.escape(f"{mine}: LOS subscale 'days': domain 'stay' is not declared")):
        load_registry([BUNDLED_REGISTRY, mine])


def test_schema_problems_name_the_file_and_the_place(tmp_path: Path) -> None:
    mine = _file(tmp_path, EXAMPLE.replace("higher_is_better: false", "higher_is_better: lower"))
    where = f"{mine}: instruments > LOS > subscales > days > higher_is_better: 'lower' is not of type 'boolean'"
    with pytest.raises(RegistryError, match=re.escape(where)):
        load_registry([BUNDLED_REGISTRY, mine])
    bad_name = _file(tmp_path, EXAMPLE.replace("hospital_stay:", "Hospital stay:"), "bad.yaml")
    with pytest.raises(RegistryError, match=re.escape(f"{bad_name}: domains: 'Hospital stay' does not match")):
        load_registry([BUNDLED_REGISTRY, bad_name])


def test_registry_files_are_one_path_or_several() -> None:
    assert registry_files("config/instruments.yaml") == [Path("config/instruments.yaml")]
    assert registry_files(["a.yaml", Path("b.yaml")]) == [Path("a.yaml"), Path("b.yaml")]


def test_a_registry_error_stops_the_run_without_a_traceback() -> None:
    assert issubclass(RegistryError, InputError)  # reported by its message alone (qolreview.workflow.logged)
