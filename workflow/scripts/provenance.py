"""Rule `provenance` (workflow/rules/report.smk)."""

from qolreview.report.stage import run_provenance
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_provenance(snakemake.input, snakemake.output, snakemake.params.settings)
