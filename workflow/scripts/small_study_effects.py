"""Rule `small_study_effects` (workflow/rules/synthesize.smk)."""

from qolreview.synthesis.stage import run_small_study_effects
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run_small_study_effects(snakemake.input, snakemake.output, snakemake.params.settings)
