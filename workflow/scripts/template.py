"""Rule `template` (workflow/rules/template.smk)."""

from qolreview.workbook.stage import run
from qolreview.workflow import logged

with logged(snakemake.log[0]):
    run(snakemake.input, snakemake.output, snakemake.params.settings)
