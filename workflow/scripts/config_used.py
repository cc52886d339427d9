"""Rule `config_used` (workflow/rules/report.smk)."""

from qolreview.report.stage import run_config_used
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_config_used(snakemake.input, snakemake.output, snakemake.params.settings)
