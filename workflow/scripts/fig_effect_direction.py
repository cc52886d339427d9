"""Rule `fig_effect_direction` (workflow/rules/figures.smk)."""

from qolreview.figures.stage import run_effect_direction
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_effect_direction(snakemake.input, snakemake.output, snakemake.params.settings)
