"""The multiverse: every pooled primary analysis under every specification of the grid, in a few batch fits.

A multiverse analysis (Steegen et al. 2016, Perspect Psychol Sci 11:702; for meta-analysis Voracek, Kossmeier &
Tran 2019, Z Psychol 227:64) runs the analysis under every combination of defensible choices; the specification
curve (Simonsohn, Simmons & Nelson 2020, Nat Hum Behav 4:1208) shows the results sorted. The work is shared:

1. each distinct set of harmonize values is harmonized once and its effects assigned to the analyses
   (:func:`~qolreview.sensitivity.effects.analysis_rows`);
2. each distinct filter combination is a mask over those rows; the rows of every mask are reduced to one row per
   study for every dependent-effects choice at once, vectorised (the composite of Borenstein et al. 2009 eq. 24.6
   at each listed correlation, or the first effect in the instrument-priority order, as
   :func:`~qolreview.synthesis.pooling.one_effect_per_study` does). A *cell* is one harmonize x filter x
   dependent-effects variant; specifications differing only in a factor that does not act (the composite
   correlation under ``priority``) share their cell;
3. the random-effects problems (cell x analysis, with at least ``min_studies_to_pool`` studies) are fitted with
   :func:`~qolreview.meta.random_effects_batch`, one call per estimator x test x number of studies: every batch has
   one width, so a problem's result does not depend on which other problems share its batch, and any split of the
   specifications gives byte-identical rows;
4. ``che`` cells are fitted one by one with :func:`~qolreview.meta.correlated_hierarchical` (REML, CR2 robust
   inference; estimator and test do not act), each distinct problem once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from qolreview.meta import ConvergenceError, correlated_hierarchical, random_effects_batch
from qolreview.sensitivity.choices import harmonize_config, pooling_settings, primary_choices
from qolreview.sensitivity.config import parse_sensitivity
from qolreview.sensitivity.effects import ReviewInputs, analysis_rows, kept
from qolreview.sensitivity.factors import FACTOR_NAMES, FILTER_FACTORS
from qolreview.sensitivity.grid import harmonization_combination, select_specifications, specification_grid
from qolreview.tables import SENSITIVITY_RESULT_FIELDS, SENSITIVITY_STATUSES, Multiverse

POOLED, _UNCHANGED, NOT_POOLABLE, NO_STUDIES, NOT_CONVERGED = SENSITIVITY_STATUSES
_CHE_FIELDS = {
    "estimate": "estimate",
    "se": "robust_se",
    "ci_lb": "robust_ci_lb",
    "ci_ub": "robust_ci_ub",
    "pval": "robust_pval",
    "pi_lb": "pi_lb",
    "pi_ub": "pi_ub",
    "tau2": "sigma2_between",
    "i2": "i2",
}


@dataclass(frozen=True)
class _Rows:
    """The effect rows of one harmonize variant, sorted by analysis, study and priority, with group codes."""

    y: np.ndarray
    v: np.ndarray
    analysis: np.ndarray
    """Position of each row's analysis among the targets."""
    starts: np.ndarray
    """First row of each (analysis, study) group."""
    group_analysis: np.ndarray
    study: np.ndarray
    effect_id: np.ndarray
    frame: pd.DataFrame

    @classmethod
    def of(cls, rows: pd.DataFrame, targets: Sequence[str], priority: Sequence[str]) -> _Rows:
        position = {aid: i for i, aid in enumerate(targets)}
        rank = [priority.index(i) if i in priority else len(priority) for i in rows["instrument"]]
        frame = (
            rows.assign(_a=rows["analysis_id"].map(position).astype(np.int64), _rank=rank)
            .sort_values(["_a", "study_id", "_rank", "instrument", "vi", "effect_id"], kind="stable")
            .reset_index(drop=True)
        )
        a = frame["_a"].to_numpy(np.int64)
        study = frame["study_id"].astype(str).to_numpy()
        new = np.ones(len(frame), dtype=bool)
        new[1:] = (a[1:] != a[:-1]) | (study[1:] != study[:-1])
        starts = np.flatnonzero(new)
        return cls(
            frame["yi"].to_numpy(float),
            frame["vi"].to_numpy(float),
            a,
            starts,
            a[starts],
            study,
            frame["effect_id"].astype(str).to_numpy(),
            frame,
        )


@dataclass
class _Cells:
    """Every cell's studies and effects per analysis, and the flat random-effects problems of all cells."""

    n_analyses: int
    k: list[np.ndarray] = field(default_factory=list)
    k_effects: list[np.ndarray] = field(default_factory=list)
    problems: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    """(problem label = cell x n_analyses + analysis, yi, vi) of the random-effects cells, in label order."""
    che: dict[int, dict[str, float]] = field(default_factory=dict)
    """CHE results by problem label (``converged`` 0 or 1 among them)."""

    def add(self, k: np.ndarray, k_effects: np.ndarray) -> np.ndarray:
        """Register cells (rows of ``k``: studies per analysis); returns their ids."""
        first = len(self.k)
        self.k.extend(k)
        self.k_effects.extend(k_effects)
        return np.arange(first, first + len(k))


def _group_sums(mask: np.ndarray, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(np.where(mask, values, 0.0), starts, axis=1)


def _per_analysis(values: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    """Sum of ``values`` (..., items) by analysis code -> (..., n)."""
    onehot = np.zeros((codes.size, n))
    onehot[np.arange(codes.size), codes] = 1.0
    return np.rint(values.astype(float) @ onehot).astype(np.int64)


def _flat_problems(
    cells: np.ndarray, valid: np.ndarray, y: np.ndarray, v: np.ndarray, group_analysis: np.ndarray, n_a: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (label, yi, vi) rows of the valid groups: ``cells``, ``valid``, ``y`` and ``v`` share a shape (..., G)."""
    index = np.nonzero(valid)
    labels = np.broadcast_to(cells, valid.shape)[index] * n_a + group_analysis[index[-1]]
    return labels, y[index], v[index]


def _reduce(rows: _Rows, masks: np.ndarray, dependent: list[tuple[str, float]], out: _Cells, min_k: int) -> np.ndarray:
    """Register one cell per (dependent choice, filter mask); returns their ids as (len(dependent), len(masks))."""
    n_a = out.n_analyses
    m = _group_sums(masks, np.ones_like(rows.y), rows.starts)
    present = m > 0
    k = _per_analysis(present, rows.group_analysis, n_a)
    k_effects = _per_analysis(masks, rows.analysis, n_a)
    s1 = _group_sums(masks, rows.y, rows.starts)
    sv = _group_sums(masks, rows.v, rows.starts)
    ss = _group_sums(masks, np.sqrt(rows.v), rows.starts)
    position = np.where(masks, np.arange(rows.y.size), rows.y.size)
    first = np.minimum.reduceat(position, rows.starts, axis=1)
    first = np.minimum(first, rows.y.size - 1)
    enough = present & (k[:, rows.group_analysis] >= min_k)
    ids = np.empty((len(dependent), len(masks)), dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        y_composite = s1 / m
        for d, (kind, rho) in enumerate(dependent):
            ids[d] = out.add(k, k_effects)
            if kind == "composite":
                v = np.where(m == 1, sv, (sv + rho * (ss * ss - sv)) / (m * m))
                out.problems.append(_flat_problems(ids[d][:, None], enough, y_composite, v, rows.group_analysis, n_a))
            elif kind == "priority":
                y, v = rows.y[first], rows.v[first]
                out.problems.append(_flat_problems(ids[d][:, None], enough, y, v, rows.group_analysis, n_a))
    return ids


def _fit_che(
    rows: _Rows, masks: np.ndarray, ids: np.ndarray, rho: float, level: float, min_k: int, out: _Cells
) -> None:
    """Fit the CHE model of every analysis with enough studies in every cell of ``ids`` (one per mask)."""
    cache: dict[bytes, dict[str, float]] = {}
    for f, cell in enumerate(ids):
        for a in np.flatnonzero(out.k[cell] >= min_k):
            take = masks[f] & (rows.analysis == a)
            y, v, study, effect = rows.y[take], rows.v[take], rows.study[take], rows.effect_id[take]
            key = (
                np.concatenate([y, v]).tobytes() + "\x1f".join(study).encode() + b"\x1e" + "\x1f".join(effect).encode()
            )
            if key not in cache:
                try:
                    fit = correlated_hierarchical(y, v, study, effect, rho, level=level)
                    cache[key] = {name: float(getattr(fit, attr)) for name, attr in _CHE_FIELDS.items()}
                    cache[key]["converged"] = 1.0
                except ConvergenceError:
                    cache[key] = {name: np.nan for name in SENSITIVITY_RESULT_FIELDS} | {"converged": 0.0}
            out.che[int(cell) * out.n_analyses + int(a)] = cache[key]


def _dependent_key(spec: Mapping[str, object]) -> tuple[str, float]:
    """The dependent-effects variant of a specification: only the correlation that acts is kept."""
    kind = str(spec["multiple_effects"])
    if kind == "composite":
        return kind, float(spec["composite_correlation"])  # type: ignore[arg-type]
    if kind == "che":
        return kind, float(spec["che_rho"])  # type: ignore[arg-type]
    return kind, 0.0


def _build_cells(
    inputs: ReviewInputs, config: Mapping[str, object], grid: pd.DataFrame, targets: list[str]
) -> tuple[_Cells, np.ndarray]:
    """All cells of the grid's specifications, and each specification's cell."""
    settings = pooling_settings(config, primary_choices(config))
    out = _Cells(len(targets))
    spec_cell = np.empty(len(grid), dtype=np.int64)
    for _, sub in grid.groupby(harmonization_combination(grid), sort=True):
        first = sub.iloc[0].to_dict()
        frame = analysis_rows(inputs, harmonize_config(config, first), settings.raw_units, targets)
        rows = _Rows.of(frame, targets, settings.instrument_priority)
        filters = list(zip(*(sub[name] for name in FILTER_FACTORS), strict=True))
        filter_keys = sorted(set(filters))
        masks = np.array([kept(rows.frame, dict(zip(FILTER_FACTORS, key, strict=True))) for key in filter_keys])
        masks = masks.reshape(len(filter_keys), len(rows.y))
        filter_index = np.array([filter_keys.index(key) for key in filters])
        dependent = [
            _dependent_key(spec)
            for spec in sub[["multiple_effects", "composite_correlation", "che_rho"]].to_dict("records")
        ]
        keys = sorted(set(dependent))
        if rows.y.size == 0:  # no effect of any target analysis under these choices
            ids = np.stack(
                [
                    out.add(
                        np.zeros((len(filter_keys), len(targets)), np.int64),
                        np.zeros((len(filter_keys), len(targets)), np.int64),
                    )
                    for _ in keys
                ]
            )
        else:
            ids = _reduce(rows, masks, keys, out, settings.min_studies_to_pool)
            for d, (kind, rho) in enumerate(keys):
                if kind == "che":
                    _fit_che(rows, masks, ids[d], rho, settings.level, settings.min_studies_to_pool, out)
        dependent_index = np.array([keys.index(key) for key in dependent])
        spec_cell[sub.index.to_numpy()] = ids[dependent_index, filter_index]
    return out, spec_cell


def _fit_random_effects(
    cells: _Cells, labels_needed: np.ndarray, method: str, test: str, level: float
) -> dict[str, np.ndarray]:
    """Fit every needed random-effects problem with ``method`` and ``test``; results by problem label (dense)."""
    n_labels = len(cells.k) * cells.n_analyses
    result = {name: np.full(n_labels, np.nan) for name in SENSITIVITY_RESULT_FIELDS}
    result["converged"] = np.zeros(n_labels)
    if not cells.problems:
        return result
    labels = np.concatenate([p[0] for p in cells.problems])
    y = np.concatenate([p[1] for p in cells.problems])
    v = np.concatenate([p[2] for p in cells.problems])
    keep = np.isin(labels, labels_needed)
    labels, y, v = labels[keep], y[keep], v[keep]
    if labels.size == 0:
        return result
    k_all = np.concatenate(cells.k)
    width = k_all[labels]
    for k in np.unique(width):
        take = width == k
        fits = random_effects_batch(
            pd.DataFrame({"problem": labels[take], "yi": y[take], "vi": v[take]}),
            "problem",
            method=method,
            test=test,
            level=level,
            tau2_ci=False,
            nonconverged="flag",
        )
        at = fits["problem"].to_numpy(np.int64)
        for name in SENSITIVITY_RESULT_FIELDS:
            result[name][at] = fits[name].to_numpy(float)
        result["converged"][at] = fits["converged"].to_numpy(float)
    return result


def multiverse(
    inputs: ReviewInputs,
    config: Mapping[str, object],
    meta_analyses: pd.DataFrame,
    *,
    analyses: Sequence[str] | None = None,
    specifications: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Run the multiverse of ``config["sensitivity"]["multiverse"]["factors"]`` on the pooled primary analyses.

    Parameters
    ----------
    inputs : ReviewInputs
        The clean tables, the overall risk of bias per study and the instrument registry.
    config : mapping
        The whole config (``harmonize`` complete, ``synthesis``, ``sensitivity``).
    meta_analyses : pandas.DataFrame
        The primary ``MetaAnalyses`` table: its pooled analyses are the targets.
    analyses : sequence of str, optional
        A subset of the pooled analyses (default: all of them).
    specifications : sequence of int, optional
        A subset of the specification ids (default: the whole grid), e.g. one shard of a split run; the rows of
        any split concatenate (sorted by ``analysis_id``, ``specification``) to the rows of the whole run.

    Returns
    -------
    pandas.DataFrame
        The ``Multiverse`` table: one row per analysis x specification, sorted by ``analysis_id`` and
        ``specification``, with every factor's value, whether it is the primary specification, the status, the
        model, k, the number of effects and the result (estimate, SE, CI, p, PI, tau², I²). CHE cells report the
        CR2 robust SE, CI and p, and the between-study variance as tau².

    Raises
    ------
    SensitivityConfigError
        For an invalid ``sensitivity`` section.
    ValueError
        For an analysis that is not a pooled primary analysis, or a specification id outside the grid.
    """
    parsed = parse_sensitivity(config.get("sensitivity"))  # type: ignore[arg-type]
    primary = primary_choices(config)
    grid = select_specifications(specification_grid(parsed, primary), specifications)
    pooled = meta_analyses[meta_analyses["pooled"].astype(bool)]
    targets = sorted(pooled["analysis_id"]) if analyses is None else sorted(set(analyses))
    unknown = sorted(set(targets) - set(pooled["analysis_id"]))
    if unknown:
        raise ValueError(f"not pooled primary analyses: {unknown}")
    settings = pooling_settings(config, primary)
    cells, spec_cell = _build_cells(inputs, config, grid, targets)
    n_s, n_a = len(grid), len(targets)
    labels = (spec_cell[None, :] * n_a + np.arange(n_a)[:, None]).ravel()  # analysis-major: row = a * n_s + s
    stats = {name: np.full(labels.size, np.nan) for name in SENSITIVITY_RESULT_FIELDS}
    converged = np.zeros(labels.size, dtype=bool)
    che = np.tile(grid["multiple_effects"].to_numpy() == "che", n_a)
    for (method, test), sub in grid[~grid["multiple_effects"].eq("che")].groupby(["method", "test"], sort=True):
        rows = np.flatnonzero(~che & np.tile(grid.index.isin(sub.index), n_a))
        fitted = _fit_random_effects(cells, np.unique(labels[rows]), str(method), str(test), settings.level)
        for name in SENSITIVITY_RESULT_FIELDS:
            stats[name][rows] = fitted[name][labels[rows]]
        converged[rows] = fitted["converged"][labels[rows]] > 0
    for row in np.flatnonzero(che):
        found = cells.che.get(int(labels[row]))
        if found is not None:
            for name in SENSITIVITY_RESULT_FIELDS:
                stats[name][row] = found[name]
            converged[row] = found["converged"] > 0
    k = np.concatenate(cells.k)[labels] if cells.k else np.zeros(labels.size, np.int64)
    k_effects = np.concatenate(cells.k_effects)[labels] if cells.k else np.zeros(labels.size, np.int64)
    status = np.where(
        k == 0,
        NO_STUDIES,
        np.where(k < settings.min_studies_to_pool, NOT_POOLABLE, np.where(converged, POOLED, NOT_CONVERGED)),
    )
    is_primary = np.logical_and.reduce([grid[name].to_numpy() == primary[name] for name in FACTOR_NAMES])
    table = pd.DataFrame(
        {
            "analysis_id": np.repeat(np.asarray(targets, dtype=object), n_s),
            "specification": np.tile(grid["specification"].to_numpy(), n_a),
            **{name: np.tile(grid[name].to_numpy(), n_a) for name in FACTOR_NAMES},
            "primary": np.tile(is_primary, n_a),
            "status": status.astype(object),
            "fit": np.where(k >= settings.min_studies_to_pool, np.where(che, "che", "random_effects"), None),
            "k": k,
            "k_effects": k_effects,
            **stats,
        }
    )
    table = table[list(Multiverse.columns())]
    for column in ("specification", "k", "k_effects"):
        table[column] = table[column].astype("Int64")
    table["primary"] = table["primary"].astype("boolean")
    return table
