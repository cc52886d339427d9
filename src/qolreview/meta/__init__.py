"""Meta-analysis engine, numerically identical to R's metafor 3.8.

The public interface:

- random-effects models (``rma.uni()``): one analysis (:func:`random_effects`), many analyses at once
  (:func:`random_effects_batch`), leave-one-out (:func:`leave_one_out`), the test for subgroup differences
  (:func:`subgroup_test`) and composites of dependent effects (:func:`combine_dependent`);
- meta-regression (:func:`meta_regression`, ``rma(mods=)``) and Egger's test (:func:`egger_test`,
  ``regtest()``);
- small-study effects: the rank correlation test (:func:`rank_correlation_test`, ``ranktest()``) and
  trim-and-fill (:func:`trim_and_fill`, ``trimfill()``);
- influence diagnostics (:func:`influence`), cumulative meta-analysis (:func:`cumulative`) and GOSH
  (:func:`gosh`);
- dependent effects: the correlated-and-hierarchical-effects model with cluster-robust (CR2) inference
  (:func:`correlated_hierarchical`, ``rma.mv()`` with ``robust(clubSandwich = TRUE)``).

Formulas and sources: ``docs/meta_analysis.md``; the docstrings cite BibTeX keys of ``docs/references.bib``.
"""

from qolreview.meta.combine import Composite, SubgroupTest, combine_dependent, subgroup_test
from qolreview.meta.diagnostics import cumulative, influence
from qolreview.meta.fit import leave_one_out, random_effects, random_effects_batch
from qolreview.meta.gosh import gosh
from qolreview.meta.multilevel import CorrelatedHierarchicalResult, correlated_hierarchical
from qolreview.meta.regression import EggerTest, MetaRegressionResult, egger_test, meta_regression
from qolreview.meta.results import ConvergenceError, RandomEffectsResult
from qolreview.meta.small_study import RankCorrelationTest, TrimAndFill, rank_correlation_test, trim_and_fill
from qolreview.meta.validation import METHODS, TESTS

__all__ = [
    "METHODS",
    "TESTS",
    "Composite",
    "ConvergenceError",
    "CorrelatedHierarchicalResult",
    "EggerTest",
    "MetaRegressionResult",
    "RandomEffectsResult",
    "RankCorrelationTest",
    "SubgroupTest",
    "TrimAndFill",
    "combine_dependent",
    "correlated_hierarchical",
    "cumulative",
    "egger_test",
    "gosh",
    "influence",
    "leave_one_out",
    "meta_regression",
    "random_effects",
    "random_effects_batch",
    "rank_correlation_test",
    "subgroup_test",
    "trim_and_fill",
]
