"""Rule `summary_of_findings` (workflow/rules/synthesize.smk)."""

from qolreview.synthesis.stage import run_summary_of_findings
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_summary_of_findings(snakemake.input, snakemake.output, snakemake.params.settings)
