"""Rule `meta_analysis` (workflow/rules/synthesize.smk)."""

from qolreview.synthesis.stage import run_meta_analysis
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_meta_analysis(snakemake.input, snakemake.output, snakemake.params.settings)
