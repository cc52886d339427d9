"""Rule `fig_captions` (workflow/rules/figures.smk)."""

from qolreview.figures.stage import run_captions
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_captions(snakemake.input, snakemake.output, snakemake.params.settings)
