"""Sensitivity and multiverse analyses: how much each conclusion depends on the choices made.

- :func:`declared_sensitivity`: the declared sensitivity analyses (Cochrane Handbook 10.14; PRISMA 2020 items 13f
  and 20d), each a few departures from the primary analysis, run on every pooled analysis;
- :func:`multiverse`: every combination of the declared factors' alternatives (Steegen et al. 2016; Voracek,
  Kossmeier & Tran 2019), fitted in batches; :func:`summarise_multiverse`: agreement, range, the factor that moves
  the estimate most and the robustness of each conclusion.

The config section and the factors: :mod:`qolreview.sensitivity.config`, :mod:`qolreview.sensitivity.factors`;
docs/sensitivity.md.
"""

from qolreview.sensitivity.config import DeclaredAnalysis, SensitivityConfig, parse_sensitivity
from qolreview.sensitivity.declared import declared_sensitivity
from qolreview.sensitivity.effects import ReviewInputs
from qolreview.sensitivity.factors import FACTORS, SensitivityConfigError
from qolreview.sensitivity.grid import specification_grid
from qolreview.sensitivity.multiverse import multiverse
from qolreview.sensitivity.summary import summarise_multiverse

__all__ = [
    "FACTORS",
    "DeclaredAnalysis",
    "ReviewInputs",
    "SensitivityConfig",
    "SensitivityConfigError",
    "declared_sensitivity",
    "multiverse",
    "parse_sensitivity",
    "specification_grid",
    "summarise_multiverse",
]
