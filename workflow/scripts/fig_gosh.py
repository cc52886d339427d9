"""Rule `fig_gosh` (workflow/rules/figures.smk)."""

from qolreview.figures.stage import run_gosh
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_gosh(snakemake.input, snakemake.output, snakemake.params.settings)
