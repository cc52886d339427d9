"""Rule `fig_forest` (workflow/rules/figures.smk)."""

from qolreview.figures.stage import run_forest
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_forest(snakemake.input, snakemake.output, snakemake.params.settings)
