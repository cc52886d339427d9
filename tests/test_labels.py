"""Domain labels come from the instrument registry."""

from __future__ import annotations

from pathlib import Path

from qolreview.instruments import BUNDLED_REGISTRY, bundled_registry, load_registry
from qolreview.labels import domain_labels, short_domain_labels
from test_instruments import EXAMPLE


def test_the_labels_are_the_bundled_registrys() -> None:
    registry = bundled_registry()
    names, short = domain_labels(registry), short_domain_labels(registry)
    assert names == {n: d.label for n, d in registry.domains.items()}
    assert short == {n: d.short_label for n, d in registry.domains.items()}
    assert list(names) == list(short) == list(registry.domains)
    assert (names["symptoms"], short["symptoms"]) == ("Depressive symptoms", "Symptoms")


def test_a_reviews_domains_get_their_labels(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text(EXAMPLE, encoding="utf-8")
    registry = load_registry([BUNDLED_REGISTRY, mine])
    assert domain_labels(registry)["hospital_stay"] == "Length of hospital stay"
    assert short_domain_labels(registry)["hospital_stay"] == "Hospital stay"
    assert list(short_domain_labels(registry))[-1] == "hospital_stay"
