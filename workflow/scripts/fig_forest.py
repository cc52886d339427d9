"""Snakemake adapter of the forest figures (see qolreview.figures)."""

from qolreview.figures.stage import render_forests
from qolreview.workflow import logged

with logged(snakemake.log[0]):  # noqa: F821
    s = snakemake.params.settings  # noqa: F821
    render_forests(snakemake.input.meta_analyses, snakemake.input.study_weights,  # noqa: F821
                   snakemake.input.subgroups, snakemake.output.figures, snakemake.output.captions,  # noqa: F821
                   s["width"], s["palette"], subgroup=s["forest_subgroup"],
                   subgroup_order=snakemake.params.subgroup_order)  # noqa: F821
