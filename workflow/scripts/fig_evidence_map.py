"""Rule `fig_evidence_map` (workflow/rules/figures.smk)."""

from qolreview.figures.stage import run_evidence_map
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_evidence_map(snakemake.input, snakemake.output, snakemake.params.settings)
