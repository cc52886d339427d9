"""Rule `fig_cumulative` (workflow/rules/figures.smk)."""

from qolreview.figures.stage import run_cumulative
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_cumulative(snakemake.input, snakemake.output, snakemake.params.settings)
