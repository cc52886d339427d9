"""Rule `meta_regression` (workflow/rules/synthesize.smk)."""

from qolreview.synthesis.stage import run_meta_regression
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_meta_regression(snakemake.input, snakemake.output, snakemake.params.settings)
