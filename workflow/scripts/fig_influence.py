"""Rule `fig_influence` (workflow/rules/figures.smk)."""

from qolreview.figures.stage import run_influence
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_influence(snakemake.input, snakemake.output, snakemake.params.settings)
