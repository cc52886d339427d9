"""The choices a sensitivity analysis departs from, and the alternatives a multiverse factor lists.

Every choice is a *factor* with a value in the primary analysis and alternatives. A factor belongs to one of
three kinds, which says where its value acts:

- ``filter``: which studies or effects enter (the primary value ``all`` keeps every one). Study filters read the
  clean ``studies`` table and the overall risk of bias; effect filters read the harmonized ``effect_sizes`` and
  the ``conversion_log``;
- ``harmonize``: a key of the ``harmonize`` config section (the effects are computed again);
- ``synthesis``: a key of the ``synthesis`` config section (the same effects, pooled another way).

Declared sensitivity analyses (Cochrane Handbook 10.14 :cite:`deeks2023ch10`; PRISMA 2020 item 13f) and the
multiverse (Steegen et al. 2016; Voracek, Kossmeier & Tran 2019; Simonsohn, Simmons & Nelson 2020) use this one
vocabulary: a sensitivity analysis sets a few factors away from their primary values, a multiverse crosses lists
of values of several factors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

FILTER, HARMONIZE, SYNTHESIS = "filter", "harmonize", "synthesis"
ALL = "all"
"""Primary value of every filter factor: no study or effect left out."""


class SensitivityConfigError(ValueError):
    """The ``sensitivity`` config section is invalid; the message names the offending key."""


@dataclass(frozen=True)
class Factor:
    """One choice of the analysis.

    ``levels``: the allowed values of a factor with named values, with the phrase each gives in a sentence ("" for
    the primary ``all`` of a filter); ``bounds``: (low, high, low included, high included) of a numeric factor,
    whose phrase is ``template`` with the value.
    """

    name: str
    kind: str
    description: str
    levels: Mapping[str, str] | None = None
    bounds: tuple[float, float, bool, bool] | None = None
    template: str = ""

    @property
    def numeric(self) -> bool:
        return self.bounds is not None

    def check(self, value: object, where: str) -> object:
        """``value`` as the factor's type (a float, or a level name); raise naming ``where`` when not allowed."""
        if self.bounds is not None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SensitivityConfigError(f"{where}: {self.name} takes a number, got {value!r}")
            low, high, low_in, high_in = self.bounds
            if not ((low <= value if low_in else low < value) and (value <= high if high_in else value < high)):
                interval = f"{'[' if low_in else '('}{low:g}, {high:g}{']' if high_in else ')'}"
                raise SensitivityConfigError(f"{where}: {self.name} must be in {interval}, got {value!r}")
            return float(value)
        assert self.levels is not None
        if value not in self.levels:
            raise SensitivityConfigError(f"{where}: {self.name} must be one of {', '.join(self.levels)}, got {value!r}")
        return str(value)

    def phrase(self, value: object, primary: object) -> str:
        """What setting the factor to ``value`` does, for a sentence ("" when ``value`` is the primary value)."""
        if value == primary:
            return ""
        if self.bounds is not None:
            return self.template.format(value=value, primary=primary)
        assert self.levels is not None
        return self.levels[str(value)].format(primary=primary)


HIGH_RISK = frozenset({"High", "Serious", "Critical", "Poor"})
"""Overall risk-of-bias judgements left out by ``risk_of_bias: exclude_high``: High (RoB 2), Serious or Critical
(ROBINS-I), Poor (Newcastle-Ottawa, AHRQ standards)."""
INDUSTRY_FUNDING = frozenset({"industry", "mixed"})
"""``studies.funding`` values left out by ``funding: exclude_industry``: wholly or partly industry funded."""
CI_DERIVED = frozenset({"sd_from_ci", "se_from_ci"})
"""Conversions (``conversion_log.name``) that derive a spread from a confidence interval."""
ASSUMED_R = frozenset({"default", "study_override"})
"""``effect_sizes.r_source`` values of a pre-post correlation that was assumed, not reported or derived."""

_METHOD_NAMES = {
    "EE": "the equal-effects model",
    "DL": "the DerSimonian-Laird estimator",
    "REML": "the REML estimator",
    "ML": "the maximum-likelihood estimator",
    "PM": "the Paule-Mandel estimator",
    "HE": "the Hedges estimator",
    "SJ": "the Sidik-Jonkman estimator",
    "EB": "the empirical Bayes estimator",
    "HS": "the Hunter-Schmidt estimator",
}

FACTORS: tuple[Factor, ...] = (
    Factor(
        "inclusion",
        FILTER,
        "studies whose inclusion is provisional (studies.inclusion_status)",
        {ALL: "", "confirmed_only": "excluding provisionally included studies"},
    ),
    Factor(
        "risk_of_bias",
        FILTER,
        "studies at high overall risk of bias (RoB 2 High, ROBINS-I Serious or Critical, NOS Poor)",
        {ALL: "", "exclude_high": "excluding studies at high risk of bias"},
    ),
    Factor(
        "design",
        FILTER,
        "non-randomised studies (studies.design)",
        {ALL: "", "randomised_only": "excluding non-randomised studies"},
    ),
    Factor(
        "funding",
        FILTER,
        "studies wholly or partly funded by industry (studies.funding industry or mixed)",
        {ALL: "", "exclude_industry": "excluding industry-funded studies"},
    ),
    Factor(
        "conversions",
        FILTER,
        "effects resting on an approximate conversion, an assumed pre-post correlation or an SD derived from a CI",
        {
            ALL: "",
            "no_approximate": "excluding effects from approximate conversions (e.g. median and IQR)",
            "no_assumed_r": "excluding effects resting on an assumed pre-post correlation",
            "no_ci_derived": "excluding effects whose SD or SE was derived from a confidence interval",
            "exact_only": "excluding effects from approximate conversions, assumed correlations or CI-derived SDs",
        },
    ),
    Factor(
        "timepoint_choice",
        HARMONIZE,
        "harmonize.timepoint_choice: the timepoint kept when a study reports several in one window",
        {
            "latest": "keeping the latest timepoint in each window (primary: {primary})",
            "closest_to_target": "keeping the timepoint closest to the window's target (primary: {primary})",
        },
    ),
    Factor(
        "pre_post_r",
        HARMONIZE,
        "harmonize.pre_post_r: the pre-post correlation assumed when a study reports none",
        bounds=(-1.0, 1.0, False, False),
        template="with an assumed pre-post correlation of {value:g} (primary {primary:g})",
    ),
    Factor(
        "multiple_effects",
        SYNTHESIS,
        "synthesis.multiple_effects: how several effects of one study enter an analysis",
        {
            "composite": "with a composite of each study's effects (primary: {primary})",
            "priority": "with one effect per study by instrument priority (primary: {primary})",
            "che": "with all effects in the CHE model (primary: {primary})",
        },
    ),
    Factor(
        "composite_correlation",
        SYNTHESIS,
        "synthesis.composite_correlation: the correlation assumed between effects combined into a composite",
        bounds=(0.0, 1.0, True, True),
        template="with a composite correlation of {value:g} (primary {primary:g})",
    ),
    Factor(
        "che_rho",
        SYNTHESIS,
        "synthesis.che_rho: the sampling correlation of the CHE model",
        bounds=(0.0, 1.0, True, False),
        template="with a CHE sampling correlation of {value:g} (primary {primary:g})",
    ),
    Factor(
        "method",
        SYNTHESIS,
        "synthesis.method: the estimator of tau² (EE: the equal-effects model, tau² = 0)",
        {m: f"with {name} (primary: {{primary}})" for m, name in _METHOD_NAMES.items()},
    ),
    Factor(
        "test",
        SYNTHESIS,
        "synthesis.test: Knapp-Hartung (knha) or normal-theory (z) inference",
        {
            "z": "with normal-theory (z) inference (primary: {primary})",
            "knha": "with the Knapp-Hartung adjustment (primary: {primary})",
        },
    ),
)
"""Every factor, in the canonical order: the order of the multiverse table's columns and of specification ids."""

FACTOR_NAMES: tuple[str, ...] = tuple(f.name for f in FACTORS)
BY_NAME: Mapping[str, Factor] = {f.name: f for f in FACTORS}
HARMONIZE_FACTORS: tuple[str, ...] = tuple(f.name for f in FACTORS if f.kind == HARMONIZE)
FILTER_FACTORS: tuple[str, ...] = tuple(f.name for f in FACTORS if f.kind == FILTER)
NUMERIC_FACTORS: tuple[str, ...] = tuple(f.name for f in FACTORS if f.numeric)

Choices = Mapping[str, object]
"""A value for every factor (:data:`FACTOR_NAMES`)."""


def describe(choices: Choices, primary: Choices) -> str:
    """A sentence fragment naming every departure of ``choices`` from ``primary``, capitalised ("Excluding
    provisionally included studies, with the DerSimonian-Laird estimator (primary: REML)"); "The primary
    analysis" when there is none."""
    phrases = [p for f in FACTORS if (p := f.phrase(choices[f.name], primary[f.name]))]
    if not phrases:
        return "The primary analysis"
    text = ", ".join(phrases)
    return text[0].upper() + text[1:]


def departures_text(choices: Choices, primary: Choices) -> str:
    """The departures as ``factor=value`` joined by "; " in the canonical order ("" for none)."""
    return "; ".join(
        f"{f.name}={choices[f.name]:g}" if f.numeric else f"{f.name}={choices[f.name]}"
        for f in FACTORS
        if choices[f.name] != primary[f.name]
    )
