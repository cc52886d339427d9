"""Rule `fig_funnel` (workflow/rules/figures.smk)."""

from qolreview.figures.stage import run_funnel
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_funnel(snakemake.input, snakemake.output, snakemake.params.settings)
