"""Snakemake adapter of the risk of bias figures (see qolreview.figures)."""

from qolreview.figures.stage import render_risk_of_bias
from qolreview.workflow import logged

with logged(snakemake.log[0]):  # noqa: F821
    s = snakemake.params.settings  # noqa: F821
    render_risk_of_bias(snakemake.input.risk_of_bias, snakemake.input.studies,  # noqa: F821
                        snakemake.output.figures, snakemake.output.captions, s["width"], s["palette"])  # noqa: F821
