"""Rule `fig_risk_of_bias` (workflow/rules/figures.smk)."""

from qolreview.figures.stage import run_risk_of_bias
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_risk_of_bias(snakemake.input, snakemake.output, snakemake.params.settings)
