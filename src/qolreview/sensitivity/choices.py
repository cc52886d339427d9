"""The settings of one specification: the primary analysis' value of every factor (:data:`FACTORS`), and the
``harmonize`` section and pooling settings a choice of values gives."""

from __future__ import annotations

from collections.abc import Mapping

from qolreview.sensitivity.factors import ALL, FACTORS, FILTER, HARMONIZE, HARMONIZE_FACTORS, SYNTHESIS, Choices
from qolreview.synthesis.pooling import PoolingSettings


def primary_choices(config: Mapping[str, object]) -> dict[str, object]:
    """The primary analysis' value of every factor: ``all`` for the filters, the ``harmonize`` and ``synthesis``
    config values (the pooling defaults where ``synthesis`` leaves a key out)."""
    harmonize = config.get("harmonize") or {}
    synthesis = PoolingSettings.from_config(config.get("synthesis") or {})  # type: ignore[arg-type]
    choices: dict[str, object] = {}
    for factor in FACTORS:
        if factor.kind == FILTER:
            choices[factor.name] = ALL
        elif factor.kind == HARMONIZE:
            choices[factor.name] = factor.check(harmonize[factor.name], f"harmonize.{factor.name}")  # type: ignore[index]
        else:
            choices[factor.name] = factor.check(getattr(synthesis, factor.name), f"synthesis.{factor.name}")
    return choices


def harmonize_config(config: Mapping[str, object], choices: Choices) -> dict[str, object]:
    """The ``harmonize`` section with the harmonize factors set to ``choices``."""
    return {**config["harmonize"], **{name: choices[name] for name in HARMONIZE_FACTORS}}  # type: ignore[dict-item]


def pooling_settings(config: Mapping[str, object], choices: Choices) -> PoolingSettings:
    """The pooling settings of ``config["synthesis"]`` with the synthesis factors set to ``choices``."""
    synthesis = dict(config.get("synthesis") or {})  # type: ignore[call-overload]
    synthesis.update({f.name: choices[f.name] for f in FACTORS if f.kind == SYNTHESIS})
    return PoolingSettings.from_config(synthesis)
