"""Snakemake adapter: render report/review.qmd to results/report/review.html."""

from qolreview.report.stage import render
from qolreview.workflow import logged

with logged(snakemake.log[0]):  # noqa: F821
    render(snakemake.input.qmd, snakemake.output.html, snakemake.input.config_used,  # noqa: F821
           snakemake.params.settings)  # noqa: F821
