"""Rule `fig_prisma` (workflow/rules/figures.smk)."""

from qolreview.figures.stage import run_prisma
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_prisma(snakemake.input, snakemake.output, snakemake.params.settings)
