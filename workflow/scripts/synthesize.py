"""Snakemake adapter of the synthesize rule (library: qolreview.synthesis.stage)."""

from qolreview.synthesis.stage import run
from qolreview.workflow import logged

with logged(snakemake.log[0]):  # noqa: F821 - injected by Snakemake
    run(dict(snakemake.input.items()), dict(snakemake.output.items()), snakemake.params.settings)  # noqa: F821
