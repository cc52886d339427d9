"""Snakemake adapter of the effect direction figures (see qolreview.figures)."""

from qolreview.figures.stage import render_effect_direction
from qolreview.workflow import logged

with logged(snakemake.log[0]):  # noqa: F821
    s = snakemake.params.settings  # noqa: F821
    render_effect_direction(snakemake.input.effect_direction, snakemake.input.vote_counts,  # noqa: F821
                            snakemake.output.figures, snakemake.output.captions, s["width"], s["palette"])  # noqa: F821
