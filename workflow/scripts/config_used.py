"""Snakemake adapter: write the run's validated configuration (defaults and --config overrides applied)."""

from qolreview.report.data import write_config
from qolreview.workflow import logged

with logged(snakemake.log[0]):  # noqa: F821
    write_config(dict(snakemake.params.config), snakemake.output[0])  # noqa: F821
