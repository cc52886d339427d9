"""Snakemake adapter of the prisma figures (see qolreview.figures)."""

from qolreview.figures.stage import render_prisma
from qolreview.workflow import logged

with logged(snakemake.log[0]):  # noqa: F821
    render_prisma(snakemake.input.prisma, snakemake.output.figures, snakemake.output.csv,  # noqa: F821
                  snakemake.output.captions, snakemake.params.settings["width"])  # noqa: F821
