"""Snakemake adapter of the harmonize stage (see qolreview.harmonize.stage)."""

from qolreview.harmonize.stage import run
from qolreview.workflow import logged

with logged(snakemake.log[0]):  # noqa: F821 - provided by Snakemake
    run(
        snakemake.input.outcomes,  # noqa: F821
        snakemake.input.contrasts,  # noqa: F821
        snakemake.input.arms,  # noqa: F821
        snakemake.input.instruments,  # noqa: F821
        snakemake.params.settings,  # noqa: F821
        effect_sizes=snakemake.output.effect_sizes,  # noqa: F821
        not_convertible=snakemake.output.not_convertible,  # noqa: F821
        conversion_log=snakemake.output.conversion_log,  # noqa: F821
    )
