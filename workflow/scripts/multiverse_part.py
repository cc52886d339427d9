"""Rule `multiverse_part` (workflow/rules/sensitivity.smk)."""

from qolreview.sensitivity.stage import run_multiverse_part
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_multiverse_part(snakemake.input, snakemake.output, snakemake.params.settings)
