"""Rule `fig_specification_curve` (workflow/rules/figures.smk)."""

from qolreview.figures.stage import run_specification_curve
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_specification_curve(snakemake.input, snakemake.output, snakemake.params.settings)
