"""Snakemake adapter of the clean stage (see qolreview.clean.stage)."""

from qolreview.clean.stage import run
from qolreview.workflow import logged

with logged(snakemake.log[0]) as log:  # noqa: F821 - provided by Snakemake
    result = run(
        snakemake.input.workbook,  # noqa: F821
        snakemake.input.instruments,  # noqa: F821
        snakemake.input.synonyms,  # noqa: F821
        snakemake.params.settings,  # noqa: F821
        tables=list(snakemake.output.tables),  # noqa: F821
        cleaning_log=snakemake.output.cleaning_log,  # noqa: F821
        report=snakemake.output.report,  # noqa: F821
    )
    log.info("cleaned %s: %d changed values, %d warnings", snakemake.input.workbook,  # noqa: F821
             len(result.log), len(result.warnings))
