"""Snakemake adapter of the captions figures (see qolreview.figures)."""

from qolreview.figures.captions import merge_captions
from qolreview.workflow import logged

with logged(snakemake.log[0]):  # noqa: F821
    merge_captions(list(snakemake.input), snakemake.output[0])  # noqa: F821
