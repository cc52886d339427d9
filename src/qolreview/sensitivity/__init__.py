"""Sensitivity and multiverse analyses: how much each conclusion depends on the choices made.

- :mod:`~qolreview.sensitivity.declared`: the declared sensitivity analyses (Cochrane Handbook 10.14; PRISMA 2020
  items 13f and 20d), each a few departures from the primary analysis, run on every pooled analysis;
- :mod:`~qolreview.sensitivity.multiverse`: every combination of the declared factors' alternatives (Steegen et
  al. 2016; Voracek, Kossmeier & Tran 2019), fitted in batches; :mod:`~qolreview.sensitivity.summary`: agreement,
  range, the factor that moves the estimate most and the robustness of each conclusion.

The config section and the factors: :mod:`qolreview.sensitivity.config`, :mod:`qolreview.sensitivity.factors`;
docs/sensitivity.md. The package exports only these, which import nothing heavy, so that the workflow can check
the config section when Snakemake reads it; the analyses are imported from their modules.
"""

from qolreview.sensitivity.config import DeclaredAnalysis, SensitivityConfig, parse_sensitivity
from qolreview.sensitivity.factors import FACTORS, SensitivityConfigError

__all__ = ["FACTORS", "DeclaredAnalysis", "SensitivityConfig", "SensitivityConfigError", "parse_sensitivity"]
