"""Rule `fig_qol_over_time` (workflow/rules/figures.smk)."""

from qolreview.figures.stage import run_qol_over_time
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_qol_over_time(snakemake.input, snakemake.output, snakemake.params.settings)
