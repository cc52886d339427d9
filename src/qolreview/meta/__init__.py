"""Random-effects meta-analysis engine, numerically identical to R's metafor 3.8 ``rma.uni()``.

The public interface: one analysis (:func:`random_effects`), leave-one-out sensitivity
(:func:`leave_one_out`), many analyses at once (:func:`random_effects_batch`), the test for subgroup
differences (:func:`subgroup_test`) and composites of dependent effects (:func:`combine_dependent`).
Formulas and sources: ``docs/meta_analysis.md``; the docstrings cite BibTeX keys of ``docs/references.bib``.
"""

from qolreview.meta.combine import Composite, SubgroupTest, combine_dependent, subgroup_test
from qolreview.meta.fit import leave_one_out, random_effects, random_effects_batch
from qolreview.meta.results import ConvergenceError, RandomEffectsResult
from qolreview.meta.validation import METHODS, TESTS

__all__ = [
    "METHODS",
    "TESTS",
    "Composite",
    "ConvergenceError",
    "RandomEffectsResult",
    "SubgroupTest",
    "combine_dependent",
    "leave_one_out",
    "random_effects",
    "random_effects_batch",
    "subgroup_test",
]
