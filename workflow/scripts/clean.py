"""Rule `clean` (workflow/rules/clean.smk)."""

from qolreview.clean.stage import run
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run(snakemake.input, snakemake.output, snakemake.params.settings)
