"""Snakemake adapter: write the blank extraction template."""

from qolreview.workbook.writer import write_template
from qolreview.workflow import logged

with logged(snakemake.log[0]):  # noqa: F821 - injected by Snakemake
    write_template(snakemake.output[0])  # noqa: F821
