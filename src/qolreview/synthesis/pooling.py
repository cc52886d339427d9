"""Quantitative synthesis: analyses, one effect per study, random-effects pooling, subgroups, leave-one-out.

An analysis is one comparison x domain x window x measure of the selected harmonized effects, so
within-arm pre-post effects are never pooled with between-arm effects, nor different measures or
time windows. QoL and non-QoL outcomes live in different domains (a domain flagged both ways is an
error). Within-arm effects of comparator arms are left out: they are not effects of the intervention.

Two refinements follow the Cochrane Handbook (10.5.1, 10.5.2 :cite:`deeks2023ch10`). An analysis in the
instrument's own units (MD between arms, MC within an arm) is of one instrument, subscale and scale
(``RAW_UNIT_KEY``): a standardised analysis whose effects all share one gets that twin beside or instead of it
(``synthesis.raw_units``), and effects reported only in raw units enter it. An SMD analysis whose effects mix
change and final values is split by ``outcome_basis``: their SDs measure different things, so their SMDs must not
be pooled (an MD may mix them).

Several effects of one study in one analysis must not be pooled as if independent (Cochrane Handbook 6.2
and 10.5.1: unit-of-analysis errors). ``synthesis.multiple_effects`` chooses how they enter: combined into a
composite (Borenstein et al. 2009, ch. 24, with an assumed correlation), reduced to the effect of the first
instrument in a priority list, or all kept in the correlated-and-hierarchical-effects (CHE) model with
cluster-robust (CR2) inference (Pustejovsky & Tipton 2022), which then gives every pooled, subgroup and
leave-one-out estimate.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qolreview.meta import (
    RandomEffectsResult,
    combine_dependent,
    correlated_hierarchical,
    distributions,
    leave_one_out,
    random_effects,
    subgroup_test,
)
from qolreview.provenance import merge_cells
from qolreview.records import records
from qolreview.tables import MIXED_BASES, RAW_UNIT_MEASURES, LeaveOneOut, MetaAnalyses, StudyWeights, Subgroups

log = logging.getLogger(__name__)

ANALYSIS_KEY = ["comparison", "domain", "window", "measure"]
"""What every analysis is one of; raw-unit analyses are also of one ``RAW_UNIT_KEY``, and mixed SMD analyses are
split by ``outcome_basis``."""
RAW_UNIT_KEY = ["instrument", "subscale", "scale"]
"""What a raw-unit (MD, MC) analysis is of besides ``ANALYSIS_KEY``: one instrument, subscale and scoring."""
RAW_UNITS = ("beside", "instead", "never")
"""``synthesis.raw_units``: pool an analysis of one scale in its units beside its standardised analysis, instead of
it, or never (effects reported only in raw units are pooled in them in any case)."""
RAW_MEASURE = {"between_arms": "MD", "within_arm_prepost": "MC"}
"""The raw-unit measure of a comparison: the mean difference between arms, the mean change within an arm."""
STANDARDISED_MEASURES = ("SMD", "SMCR", "SMCC")
BASIS_NOT_STATED = "basis not stated"
"""``outcome_basis`` part of the id of a split SMD analysis whose effects do not state change or final values."""
OPTIONAL_INPUTS = ("md", "md_vi", "scale", "outcome_basis")
"""Effect columns an analysis can do without (a table lacking them has no raw values and no stated basis)."""
API_FIELDS = (
    "estimate",
    "se",
    "stat",
    "pval",
    "ci_lb",
    "ci_ub",
    "pi_lb",
    "pi_ub",
    "tau2",
    "tau2_ci_lb",
    "tau2_ci_ub",
    "i2",
    "i2_ci_lb",
    "i2_ci_ub",
    "h2",
    "q",
    "q_df",
    "q_p",
)
MODEL_FIELDS = ("df", "sigma2_within")
"""Fields beyond ``API_FIELDS``: the t test's degrees of freedom and the CHE model's within-study variance."""
MULTIPLE_EFFECTS = ("composite", "priority", "che")
CHE_TEST = "cr2"
"""``test`` of an analysis pooled with the CHE model: CR2 cluster-robust t test, Satterthwaite df."""
SINGLE_STUDY_FIELDS = ("estimate", "se", "stat", "pval", "ci_lb", "ci_ub")
"""Fields reported for an analysis of one study: its own effect and (test="z") interval, as metafor does."""
LEAVE_ONE_OUT_MIN_STUDIES = 3
"""Leave-one-out is run for pooled analyses with at least this many studies."""
LOO_FIELDS = ("estimate", "se", "ci_lb", "ci_ub", "pval", "tau2", "i2", "q", "q_p")
SUBGROUP_MISSING = "not reported"
TEXT_COLUMNS = frozenset(
    {
        "analysis_id",
        "study_id",
        "label",
        "effect_ids",
        "instruments",
        "drug",
        "population",
        "design",
        "rob_overall",
        "selection",
        "source_cells",
        "subgroup_var",
        "subgroup",
        "study_ids",
        "fit",
        "omitted_study_id",
        "omitted_label",
        "composite",
        "direction_flipped",
    }
)


@dataclass(frozen=True)
class PoolingSettings:
    """Settings of the meta-analysis rule: the ``synthesis`` keys below (defaults as in the config schema)."""

    method: str = "REML"
    test: str = "knha"
    level: float = 0.95
    min_studies_to_pool: int = 2
    multiple_effects: str = "composite"
    composite_correlation: float = 0.5
    che_rho: float = 0.6
    instrument_priority: tuple[str, ...] = ()
    subgroups: tuple[str, ...] = ("drug", "population", "design")
    raw_units: str = "beside"

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> PoolingSettings:
        """Settings from ``config["synthesis"]``; missing keys keep their defaults, other keys are ignored."""
        values = {key: config[key] for key in cls.__dataclass_fields__ if key in config}
        for key in ("instrument_priority", "subgroups"):
            if key in values:
                values[key] = tuple(values[key])
        if values.get("multiple_effects", "composite") not in MULTIPLE_EFFECTS:
            raise ValueError(
                f"synthesis.multiple_effects must be one of {', '.join(MULTIPLE_EFFECTS)}, "
                f"got {values['multiple_effects']!r}"
            )
        if values.get("raw_units", "beside") not in RAW_UNITS:
            raise ValueError(f"synthesis.raw_units must be one of {', '.join(RAW_UNITS)}, got {values['raw_units']!r}")
        return cls(**values)


@dataclass(frozen=True)
class SynthesisResult:
    """The four tables of the quantitative synthesis."""

    meta_analyses: pd.DataFrame
    study_weights: pd.DataFrame
    leave_one_out: pd.DataFrame
    subgroups: pd.DataFrame


def analysis_id(comparison: str, domain: str, window: str, measure: str, *qualifiers: str) -> str:
    """Stable, readable key of an analysis, e.g. ``between_arms|overall|short|SMD``; a raw-unit analysis adds its
    instrument, subscale and scale (``between_arms|overall|short|MD|EQ-VAS|VAS|0 to 100``), a split SMD analysis its
    outcome basis (``between_arms|overall|short|SMD|change``)."""
    return "|".join((comparison, domain, window, measure, *qualifiers))


def analysable_effects(effects: pd.DataFrame, arms: pd.DataFrame, raw_units: str = "beside") -> pd.DataFrame:
    """The rows of every analysis, with ``analysis_id``: the selected effects with a finite ``yi`` and positive
    ``vi``, of intervention arms, and their raw-unit rows (:func:`raw_unit_effects`); SMD analyses mixing change
    and final values split by basis (:func:`split_by_basis`).

    Raises when a domain is flagged both as QoL and as non-QoL (they must never be pooled together).
    """
    usable = _usable(effects, arms)
    raw, replaced = raw_unit_effects(usable, raw_units)
    standardised = usable[~usable["measure"].isin(RAW_UNIT_MEASURES) & ~_keys(usable).isin(replaced)]
    out = pd.concat([split_by_basis(standardised), raw], ignore_index=True)
    out["analysis_id"] = [
        analysis_id(*key, *qualifiers)
        for key, qualifiers in zip(zip(*(out[c] for c in ANALYSIS_KEY), strict=True), out["_qualifiers"], strict=True)
    ]
    out = out.drop(columns="_qualifiers")
    return out.sort_values(["analysis_id", "study_id", "effect_id"], kind="stable").reset_index(drop=True)


def _usable(effects: pd.DataFrame, arms: pd.DataFrame) -> pd.DataFrame:
    """Selected effects with a finite ``yi`` and positive ``vi`` and a window, of intervention arms (between arms:
    any), with the ``OPTIONAL_INPUTS`` columns (empty when the table has none)."""
    flags = effects[["domain", "qol"]].dropna().drop_duplicates()
    mixed = sorted(set(flags.loc[flags.duplicated("domain", keep=False), "domain"]))
    if mixed:
        raise ValueError(f"domains flagged both QoL and non-QoL: {mixed}")
    ok = (
        effects["selected"].fillna(False).astype(bool)
        & np.isfinite(effects["yi"].astype(float))
        & (effects["vi"].astype(float) > 0)
        & effects["window"].notna()
    )
    roles = dict(zip(zip(arms["study_id"], arms["arm_id"], strict=True), arms["role"], strict=True))
    role = pd.Series(
        [roles.get((s, a)) for s, a in zip(effects["study_id"], effects["arm_id"], strict=True)], index=effects.index
    )
    ok &= (effects["comparison"] == "between_arms") | (role == "intervention")
    out = effects[ok].copy()
    for column in OPTIONAL_INPUTS:
        if column not in out:
            out[column] = np.nan
    return out


def _keys(effects: pd.DataFrame) -> pd.Series:
    """Each row's ``ANALYSIS_KEY`` as a tuple."""
    return pd.Series(list(zip(*(effects[c] for c in ANALYSIS_KEY), strict=True)), index=effects.index, dtype=object)


def _has_raw_value(effects: pd.DataFrame) -> pd.Series:
    """A finite raw value (``md``) with a positive variance, on an identified ``scale``."""
    md, md_vi = effects["md"].astype(float), effects["md_vi"].astype(float)
    return np.isfinite(md) & (md_vi > 0) & effects["scale"].notna()


def _one_scale(group: pd.DataFrame) -> bool:
    """Every effect has a raw value on a known scale, and they share one instrument, subscale and scale."""
    return bool(_has_raw_value(group).all()) and len(group[RAW_UNIT_KEY].drop_duplicates()) == 1


def raw_unit_effects(usable: pd.DataFrame, raw_units: str) -> tuple[pd.DataFrame, set[tuple[object, ...]]]:
    """Rows of the raw-unit analyses (MD between arms, MC within an arm), and the keys of the standardised analyses
    they replace (``raw_units: instead``).

    A standardised analysis (SMD, SMCR, SMCC) whose effects all have a raw value (``md``, ``md_vi``) on one
    instrument, subscale and identified ``scale`` gets its raw-unit twin, unless ``raw_units`` is ``never``: the
    Cochrane Handbook (10.5.1 :cite:`deeks2023ch10`) prefers the MD when all studies use the same scale, for it
    keeps the instrument's units. Effects reported only in raw units (measure MD or MC) always enter, keyed by
    their scale; one whose scale is not identified (the subscale has several scorings and its scores do not tell
    which) cannot be pooled with any other and is left out, with a warning.
    """
    standardised = usable[usable["measure"].isin(STANDARDISED_MEASURES)]
    single = (
        set()
        if raw_units == "never"
        else {key for key, group in standardised.groupby(ANALYSIS_KEY, sort=False) if _one_scale(group)}
    )
    own = usable["measure"].isin(RAW_UNIT_MEASURES)
    unknown = own & ~_has_raw_value(usable)
    if unknown.any():
        log.warning(
            "left out of the raw-unit analyses, their scale not identified (the subscale has several scorings and "
            "their scores do not tell which): %s",
            ", ".join(usable.loc[unknown, "effect_id"].astype(str)),
        )
    rows = usable[(own & ~unknown) | _keys(usable).isin(single)].copy()
    rows["measure"] = rows["comparison"].map(RAW_MEASURE)
    rows["yi"], rows["vi"] = rows["md"].astype(float), rows["md_vi"].astype(float)
    rows["ci_lb"] = rows["ci_ub"] = np.nan
    rows["_qualifiers"] = pd.Series(
        list(zip(*(rows[c].astype(str) for c in RAW_UNIT_KEY), strict=True)), index=rows.index, dtype=object
    )
    return rows, (single if raw_units == "instead" else set())


def split_by_basis(standardised: pd.DataFrame) -> pd.DataFrame:
    """The standardised rows with their id qualifiers: an SMD analysis whose effects differ in ``outcome_basis``
    (change, final, or not stated) is split into one analysis per basis. Cochrane Handbook 10.5.2
    :cite:`deeks2023ch10`: change scores and final values may be combined as an MD, not as an SMD, whose SDs then
    standardise different things."""
    out = standardised.copy()
    basis = out["outcome_basis"].astype(object).where(out["outcome_basis"].notna(), BASIS_NOT_STATED)
    smd = out["measure"] == "SMD"
    mixed = basis[smd].groupby(_keys(out)[smd]).transform("nunique") > 1
    out["_qualifiers"] = pd.Series([()] * len(out), index=out.index, dtype=object)
    split = mixed[mixed].index
    out.loc[split, "_qualifiers"] = pd.Series([(str(b),) for b in basis[split]], index=split, dtype=object)
    return out


def common_basis(bases: pd.Series) -> str | None:
    """The outcome basis of an analysis' effects: the one they state, ``mixed`` when they state change and final
    values (an MD or MC analysis), None when none states one."""
    stated = set(bases.dropna().astype(str))
    return stated.pop() if len(stated) == 1 else MIXED_BASES if stated else None


def _priority_rank(instrument: str, priority: Sequence[str]) -> int:
    return priority.index(instrument) if instrument in priority else len(priority)


def one_effect_per_study(effects: pd.DataFrame, settings: PoolingSettings) -> pd.DataFrame:
    """Reduce the effects of one analysis to one row per study.

    ``composite``: the mean of a study's effects with the variance of Borenstein et al. (2009) eq. 24.6
    at correlation ``composite_correlation`` (``combine_dependent``); ``priority``: the effect of the
    instrument listed first in ``instrument_priority`` (unlisted instruments last, alphabetically), then
    the most precise (smallest ``vi``), then the first ``effect_id``; ``che``: all effects enter the model,
    and the study's row shows their composite at correlation ``che_rho`` (for the forest plot and the
    one-effect-per-study diagnostics). ``selection`` records "single", "composite", "priority" or "che";
    the CI of a composite is ``yi +/- z * sqrt(vi)`` at ``level``. ``direction_flipped`` is the flag the
    row's effects share (NA when they differ), so that ratios can be taken back to their event.
    """
    z = float(distributions.norm.ppf(0.5 + settings.level / 2))
    n_each = effects["n1"].astype(float) + effects["n2"].astype(float).fillna(0.0)
    effects = effects[[c for c in STUDY_ROW_COLUMNS if c != "_n"]].assign(_n=n_each)
    several = effects["study_id"].duplicated(keep=False)
    singles = records(effects.loc[~several, STUDY_ROW_COLUMNS])
    rows = {record["study_id"]: _single_row(record, z) for record in singles}
    for study_id, group in effects[several].groupby("study_id", sort=False):
        rows[study_id] = _study_row(study_id, group.sort_values("effect_id", kind="stable"), settings, z)
    return pd.DataFrame([rows[study_id] for study_id in sorted(rows)])


STUDY_ROW_COLUMNS = [
    "study_id",
    "effect_id",
    "instrument",
    "arm_id",
    "yi",
    "vi",
    "ci_lb",
    "ci_ub",
    "_n",
    "direction_flipped",
    "timepoint_weeks",
    "source_cells",
]
"""The columns a study's row is built from (``_n``: the participants of its effect, both arms)."""


def _single_row(effect: dict[str, object], z: float) -> dict[str, object]:
    """The row of a study with one effect (``selection`` "single"); its CI computed when not reported. A study's
    effects are taken one record at a time here: most studies have one, and grouping costs more than the row."""
    yi, vi = float(effect["yi"]), float(effect["vi"])
    arm = effect["arm_id"]
    return _row(
        effect["study_id"],
        effect_ids=str(effect["effect_id"]),
        instruments=str(effect["instrument"]),
        arm_ids=() if pd.isna(arm) else (str(arm),),
        yi=yi,
        vi=vi,
        ci=_reported_or_wald(yi, vi, effect["ci_lb"], effect["ci_ub"], z),
        n=float(effect["_n"]),
        selection="single",
        direction_flipped=bool(effect["direction_flipped"]),
        max_timepoint_weeks=effect["timepoint_weeks"],
        source_cells=merge_cells([effect["source_cells"]]),
    )


def _reported_or_wald(yi: float, vi: float, lb: object, ub: object, z: float) -> tuple[object, object]:
    """A single effect's CI: the reported limits, each computed as ``yi -/+ z * sqrt(vi)`` when not reported."""
    return (lb if pd.notna(lb) else yi - z * np.sqrt(vi), ub if pd.notna(ub) else yi + z * np.sqrt(vi))


def _study_row(study_id: object, group: pd.DataFrame, settings: PoolingSettings, z: float) -> dict[str, object]:
    """The row of a study with several effects (in ``effect_id`` order): the one ``priority`` selects, or their
    composite (``composite``, ``che``)."""
    if settings.multiple_effects == "priority":
        ranks = group["instrument"].map(lambda i: _priority_rank(i, settings.instrument_priority))
        group = group.assign(_rank=ranks).sort_values(["_rank", "instrument", "vi", "effect_id"], kind="stable").head(1)
        one = group.iloc[0]
        yi, vi = float(one["yi"]), float(one["vi"])
        ci_lb, ci_ub = _reported_or_wald(yi, vi, one["ci_lb"], one["ci_ub"], z)
        selection, n = "priority", float(one["_n"])
    else:
        selection = "che" if settings.multiple_effects == "che" else "composite"
        correlation = settings.che_rho if selection == "che" else settings.composite_correlation
        composite = combine_dependent(group["yi"].to_numpy(float), group["vi"].to_numpy(float), correlation)
        yi, vi = composite.estimate, composite.variance
        ci_lb, ci_ub = yi - z * np.sqrt(vi), yi + z * np.sqrt(vi)
        n = float(group["_n"].max())
    return _row(
        study_id,
        effect_ids="; ".join(group["effect_id"].astype(str)),
        instruments="; ".join(sorted(set(group["instrument"]))),
        arm_ids=tuple(sorted(set(group["arm_id"].dropna().astype(str)))),
        yi=yi,
        vi=vi,
        ci=(ci_lb, ci_ub),
        n=n,
        selection=selection,
        direction_flipped=_shared_flag(group["direction_flipped"]),
        max_timepoint_weeks=group["timepoint_weeks"].max(),
        source_cells=merge_cells(group["source_cells"]),
    )


def _row(
    study_id: object,
    *,
    effect_ids: str,
    instruments: str,
    arm_ids: tuple[str, ...],
    yi: float,
    vi: float,
    ci: tuple[object, object],
    n: float,
    selection: str,
    direction_flipped: object,
    max_timepoint_weeks: object,
    source_cells: str,
) -> dict[str, object]:
    """One row of :func:`one_effect_per_study`, its columns in their order."""
    return {
        "study_id": study_id,
        "effect_ids": effect_ids,
        "instruments": instruments,
        "arm_ids": arm_ids,
        "yi": float(yi),
        "vi": float(vi),
        "ci_lb": float(ci[0]),
        "ci_ub": float(ci[1]),
        "n": n,
        "composite": selection in ("composite", "che"),
        "selection": selection,
        "direction_flipped": direction_flipped,
        "max_timepoint_weeks": max_timepoint_weeks,
        "source_cells": source_cells,
    }


def _shared_flag(flags: pd.Series) -> object:
    """The flag every value shares, NA when they differ."""
    values = {bool(v) for v in flags}
    return values.pop() if len(values) == 1 else pd.NA


def study_attributes(studies: pd.DataFrame, rob_overall: pd.Series) -> pd.DataFrame:
    """Per study: label, population, design and overall risk of bias (``study_id`` index)."""
    info = studies.set_index("study_id")
    label = info["label"] if "label" in info else pd.Series(pd.NA, index=info.index)
    return pd.DataFrame(
        {
            "label": label.fillna(pd.Series(info.index, index=info.index)),
            "population": info["population"].fillna(SUBGROUP_MISSING),
            "design": info["design"].fillna(SUBGROUP_MISSING),
            "rob_overall": rob_overall.reindex(info.index).fillna("Not assessed"),
        }
    )


def arm_drugs(arms: pd.DataFrame) -> dict[tuple[str, str], set[str]]:
    """The drug(s) of each arm (``arms.drug``; none when missing), by study and arm id: one pass over the arms
    table, so that naming the drugs of every study of every analysis costs a lookup each."""
    drugs: dict[tuple[str, str], set[str]] = {}
    for study, arm, drug in zip(arms["study_id"], arms["arm_id"].astype(str), arms["drug"], strict=True):
        named = drugs.setdefault((study, arm), set())
        if not pd.isna(drug):
            named.add(str(drug))
    return drugs


def _drugs(study_id: str, arm_ids: tuple[str, ...], drugs_of: Mapping[tuple[str, str], set[str]]) -> str:
    """Drug(s) of the intervention arm(s) behind a study's effect (:func:`arm_drugs`)."""
    drugs = sorted(set().union(*(drugs_of.get((study_id, arm), set()) for arm in arm_ids)))
    return "; ".join(drugs) if drugs else SUBGROUP_MISSING


def _fit(
    yi: pd.Series, vi: pd.Series, settings: PoolingSettings, *, test: str | None = None, tau2_ci: bool
) -> RandomEffectsResult:
    return random_effects(
        yi.to_numpy(float),
        vi.to_numpy(float),
        method=settings.method,
        test=test or settings.test,
        level=settings.level,
        tau2_ci=tau2_ci,
    )


def pooled_fields(
    per_study: pd.DataFrame, effects: pd.DataFrame, settings: PoolingSettings, *, tau2_ci: bool = True
) -> dict[str, object]:
    """``API_FIELDS``, ``MODEL_FIELDS``, ``method``, ``test``, the studies' percent ``weights`` and ``se_z``
    (the normal-theory standard error) of the model that pools ``per_study``.

    Under ``che`` with two or more studies: the CHE model of all their ``effects`` (clusters = studies,
    sampling correlation ``che_rho``; ``correlated_hierarchical``) with its CR2 robust inference (``se``,
    ``stat``, ``pval``, CI and PI from t(``df``)); ``tau2`` is the between-study variance, ``sigma2_within``
    the variance between effects of a study, ``i2`` and ``q`` the multilevel I² and QE. Otherwise the
    random-effects model of the one-effect-per-study rows (``df`` = k - 1 under Knapp-Hartung).

    ``tau2_ci``: compute the Q-profile CI of tau² and the I² and H² bounds derived from it (NaN without it, as
    under CHE). Callers that report none of them (subgroups, leave-one-out, sensitivity analyses) leave it out:
    it is most of a fit's time, and, as in metafor, where ``rma()`` does not compute it and ``confint()`` does,
    a CI search that fails then does not withhold the estimate. ``se_z`` is refitted without it.
    """
    if settings.multiple_effects == "che" and len(per_study) >= 2:
        che = correlated_hierarchical(
            effects["yi"].to_numpy(float),
            effects["vi"].to_numpy(float),
            effects["study_id"].to_numpy(),
            effects["effect_id"].to_numpy(),
            settings.che_rho,
            level=settings.level,
        )
        nan = float("nan")
        return {
            "estimate": che.estimate,
            "se": che.robust_se,
            "stat": che.estimate / che.robust_se,
            "pval": che.robust_pval,
            "ci_lb": che.robust_ci_lb,
            "ci_ub": che.robust_ci_ub,
            "pi_lb": che.pi_lb,
            "pi_ub": che.pi_ub,
            "tau2": che.sigma2_between,
            "tau2_ci_lb": nan,
            "tau2_ci_ub": nan,
            "i2": che.i2,
            "i2_ci_lb": nan,
            "i2_ci_ub": nan,
            "h2": nan,
            "q": che.qe,
            "q_df": che.qe_df,
            "q_p": che.qe_p,
            "df": che.robust_df,
            "sigma2_within": che.sigma2_within,
            "method": "REML",
            "test": CHE_TEST,
            "weights": np.asarray(che.weights, dtype=float),
            "se_z": che.se,
        }
    fit = _fit(per_study["yi"], per_study["vi"], settings, tau2_ci=tau2_ci)
    normal_theory = fit.k < 2 or settings.test == "z"
    se_z = fit.se if normal_theory else _fit(per_study["yi"], per_study["vi"], settings, test="z", tau2_ci=False).se
    return {
        **{f: getattr(fit, f) for f in API_FIELDS},
        "df": float(fit.k - 1) if settings.test == "knha" and fit.pooled else float("nan"),
        "sigma2_within": float("nan"),
        "method": settings.method,
        "test": settings.test,
        "weights": np.asarray(fit.weights, dtype=float),
        "se_z": se_z,
    }


def subgroup_analysis(
    aid: str, per_study: pd.DataFrame, effects: pd.DataFrame, variable: str, settings: PoolingSettings
) -> pd.DataFrame:
    """Subgroup estimates and the test for subgroup differences for one analysis and one variable.

    Returns no rows unless at least two subgroups have a study each. A subgroup of two or more studies is
    pooled with the analysis' model (``pooled_fields``: random effects, or CHE over the subgroup's
    ``effects``); a subgroup of one study enters with that study's effect and within-study standard error
    (``fit`` "single_study", ``tau2`` NaN). Q_between compares
    the subgroup estimates (``subgroup_test``: Borenstein et al. 2009 ch. 19, separate tau-squared per
    subgroup; Cochrane Handbook 10.11.3.1). The test uses each subgroup's normal-theory standard error
    (``se_z``), as RevMan does: a Knapp-Hartung standard error of a two-study subgroup can be arbitrarily
    small when the two effects agree, which would make any difference between subgroups "significant".
    """
    groups = list(per_study.groupby(variable, sort=True))
    if len(groups) < 2:
        return pd.DataFrame(columns=list(Subgroups.columns()))
    z = float(distributions.norm.ppf(0.5 + settings.level / 2))
    rows = []
    for level_name, group in groups:
        if len(group) >= 2:
            own = effects[effects["study_id"].isin(group["study_id"])]
            fit = pooled_fields(group, own, settings, tau2_ci=False)
            est, se, lb, ub, tau2 = (fit[f] for f in ("estimate", "se", "ci_lb", "ci_ub", "tau2"))
            how, se_z = ("che" if fit["test"] == CHE_TEST else "random_effects"), fit["se_z"]
        else:
            est, se = float(group["yi"].iloc[0]), float(np.sqrt(group["vi"].iloc[0]))
            lb, ub, tau2, how, se_z = est - z * se, est + z * se, np.nan, "single_study", se
        rows.append(
            {
                "analysis_id": aid,
                "subgroup_var": variable,
                "subgroup": level_name,
                "k": len(group),
                "study_ids": "; ".join(group["study_id"]),
                "fit": how,
                "estimate": est,
                "se": se,
                "ci_lb": lb,
                "ci_ub": ub,
                "tau2": tau2,
                "se_z": se_z,
            }
        )
    out = pd.DataFrame(rows)
    test = subgroup_test(out["estimate"].to_numpy(float), out["se_z"].to_numpy(float))
    return out.assign(q_between=test.q, q_between_df=test.df, q_between_p=test.pval)[list(Subgroups.columns())]


def leave_one_out_analysis(
    aid: str, per_study: pd.DataFrame, effects: pd.DataFrame, settings: PoolingSettings
) -> pd.DataFrame:
    """The pooled estimate with each study left out in turn (metafor ``leave1out``; under ``che`` the CHE
    model refitted without each study's effects)."""
    if settings.multiple_effects == "che":
        rows = []
        for omitted in per_study["study_id"]:
            rest = per_study[per_study["study_id"] != omitted]
            fit = pooled_fields(rest, effects[effects["study_id"] != omitted], settings, tau2_ci=False)
            rows.append({name: fit[name] for name in LOO_FIELDS})
        loo = pd.DataFrame(rows, columns=list(LOO_FIELDS))
    else:
        loo = leave_one_out(
            per_study["yi"].to_numpy(float),
            per_study["vi"].to_numpy(float),
            method=settings.method,
            test=settings.test,
            level=settings.level,
        )
    out = pd.DataFrame(
        {
            "analysis_id": aid,
            "omitted_study_id": per_study["study_id"].to_numpy(),
            "omitted_label": per_study["label"].to_numpy(),
            "k": len(per_study) - 1,
        }
    )
    for name in LOO_FIELDS:
        out[name] = loo[name].to_numpy(float)
    return out[list(LeaveOneOut.columns())]


def synthesize(
    effects: pd.DataFrame, studies: pd.DataFrame, arms: pd.DataFrame, rob_overall: pd.Series, settings: PoolingSettings
) -> SynthesisResult:
    """Run every analysis: pooled when k >= ``min_studies_to_pool``, otherwise reported unpooled.

    An unpooled analysis of one study carries that study's estimate, standard error, test and
    confidence interval (the engine's k = 1 result); heterogeneity and prediction fields stay empty, as do
    all estimate fields of an unpooled analysis of several studies, and ``weight_pct``.

    Subgroup analyses (``settings.subgroups``) for every pooled analysis; leave-one-out for every pooled
    analysis with k >= 3.
    """
    data = analysable_effects(effects, arms, settings.raw_units)
    attributes = study_attributes(studies, rob_overall)
    unknown = sorted(set(data["study_id"]) - set(attributes.index))
    if unknown:
        raise ValueError(f"effects of studies not in `studies`: {unknown}")
    drugs_of = arm_drugs(arms)
    meta_rows, weight_frames, loo_frames, subgroup_frames = [], [], [], []
    for aid, group in data.groupby("analysis_id", sort=True):
        per_study = one_effect_per_study(group, settings)
        per_study = per_study.join(attributes, on="study_id")
        per_study["drug"] = [
            _drugs(s, a, drugs_of) for s, a in zip(per_study["study_id"], per_study["arm_ids"], strict=True)
        ]
        k = len(per_study)
        pooled = k >= settings.min_studies_to_pool
        fit = pooled_fields(per_study, group, settings) if pooled or k == 1 else {}
        reported = (*API_FIELDS, *MODEL_FIELDS) if pooled else SINGLE_STUDY_FIELDS if k == 1 else ()
        first = group.iloc[0]
        meta_rows.append(
            {
                "analysis_id": aid,
                **{c: first[c] for c in ANALYSIS_KEY},
                "outcome_basis": common_basis(group["outcome_basis"]),
                **{c: (first[c] if first["measure"] in RAW_UNIT_MEASURES else None) for c in RAW_UNIT_KEY},
                "qol": bool(first["qol"]),
                "k": k,
                "k_effects": len(group),
                "study_ids": "; ".join(per_study["study_id"]),
                "n_participants": per_study["n"].sum(min_count=1),
                "max_timepoint_weeks": per_study["max_timepoint_weeks"].max(),
                "pooled": pooled,
                **{f: (fit[f] if f in reported else np.nan) for f in (*API_FIELDS, *MODEL_FIELDS)},
                "method": fit.get("method", settings.method),
                "test": fit.get("test", settings.test),
                "level": settings.level,
                "multiple_effects": settings.multiple_effects,
                "source_cells": merge_cells(per_study["source_cells"]),
            }
        )
        per_study["weight_pct"] = fit["weights"] if pooled else np.nan
        weight_frames.append(per_study.assign(analysis_id=aid)[list(StudyWeights.columns())])
        if pooled:
            for variable in settings.subgroups:
                subgroup_frames.append(subgroup_analysis(aid, per_study, group, variable, settings))
            if k >= LEAVE_ONE_OUT_MIN_STUDIES:
                loo_frames.append(leave_one_out_analysis(aid, per_study, group, settings))
    meta = pd.DataFrame(meta_rows, columns=list(MetaAnalyses.columns()))
    meta["q_df"] = meta["q_df"].astype("Int64")
    meta["k_effects"] = meta["k_effects"].astype("Int64")
    meta["n_participants"] = meta["n_participants"].round().astype("Int64")
    weights = _concat(weight_frames, StudyWeights.columns())
    weights["n"] = weights["n"].round().astype("Int64")
    weights["direction_flipped"] = weights["direction_flipped"].astype("boolean")
    subgroups = _concat(subgroup_frames, Subgroups.columns())
    subgroups["k"] = subgroups["k"].astype("Int64")
    subgroups["q_between_df"] = subgroups["q_between_df"].astype("Int64")
    loo = _concat(loo_frames, LeaveOneOut.columns())
    loo["k"] = loo["k"].astype("Int64")
    return SynthesisResult(meta, weights, loo, subgroups)


def _concat(frames: list[pd.DataFrame], columns: Sequence[str]) -> pd.DataFrame:
    """Concatenate result frames; without any, an empty table whose text and numeric columns are typed."""
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object if c in TEXT_COLUMNS else float) for c in columns})
    return pd.concat(frames, ignore_index=True)[list(columns)]
