"""Snakemake adapter of the qol over time figure (see qolreview.figures)."""

from qolreview.figures.stage import render_trajectories
from qolreview.workflow import logged

with logged(snakemake.log[0]):  # noqa: F821
    render_trajectories(snakemake.input.effect_sizes, snakemake.input.not_convertible, snakemake.input.studies,  # noqa: F821
         snakemake.output.figures, snakemake.output.captions, snakemake.params.settings["width"])  # noqa: F821
