"""Rule `fig_bubble` (workflow/rules/figures.smk)."""

from qolreview.figures.stage import run_bubble
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_bubble(snakemake.input, snakemake.output, snakemake.params.settings)
