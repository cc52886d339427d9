"""Rule `harmonize` (workflow/rules/harmonize.smk)."""

from qolreview.harmonize.stage import run
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run(snakemake.input, snakemake.output, snakemake.params.settings)
