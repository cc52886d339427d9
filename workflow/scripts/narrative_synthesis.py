"""Rule `narrative_synthesis` (workflow/rules/synthesize.smk)."""

from qolreview.synthesis.stage import run_narrative_synthesis
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_narrative_synthesis(snakemake.input, snakemake.output, snakemake.params.settings)
