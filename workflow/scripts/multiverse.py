"""Rule `multiverse` (workflow/rules/sensitivity.smk)."""

from qolreview.sensitivity.stage import run_multiverse
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_multiverse(snakemake.input, snakemake.output, snakemake.params.settings)
