"""Rule `sensitivity` (workflow/rules/sensitivity.smk)."""

from qolreview.sensitivity.stage import run_sensitivity
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_sensitivity(snakemake.input, snakemake.output, snakemake.params.settings)
