"""A review in its own folder.

A review folder holds only that review's files: ``config/config.yaml`` (its identity, vocabularies and any
analysis choice that departs from the defaults), ``raw/extraction.xlsx`` (the blank template, to fill) and
``workflow/Snakefile``, which uses this workflow as a Snakemake module (Snakemake manual, "Modules": ``module``
with ``config: config`` and ``use rule * from``), so ``snakemake`` run in the folder writes ``results/`` there.

Command line (``make review DIR=...``)::

    python -m qolreview.review_folder DIR
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from qolreview.workbook.writer import write_template

CONFIG_TEMPLATE = """\
# This review's configuration. Every key left out takes the review pipeline's default (its
# config/schemas/config.schema.yaml); the pipeline's own config/config.yaml shows every key in use.

# The review, as the report's title block, methods and figures name it. Fill in before the first run:
# title, intervention_label and comparator_label are required.
review:
  title: ""
  authors: ""
  citation: ""
  doi: ""
  search: "not reported"
  eligibility: "not reported"
  # "Favours <intervention_label>" / "Favours <comparator_label>" under forest plots, and in sentences.
  intervention_label: ""
  comparator_label: ""
  # Risk-of-bias tools the review used, named in the methods even when no judgement was extracted.
  risk_of_bias_tools: []
  data_source: "the data in the extraction workbook"
  # The review's vocabularies: the values accepted in studies.population, arms.drug (the arm's intervention),
  # arms.route and studies.design, and the drop-down lists of the template (snakemake template). A list is
  # closed (another value stops the run, at its cell) unless named in `open` (its values only suggestions); an
  # empty list accepts any value. design defaults to generic designs (rct, cluster_rct, ..., single_arm).
  vocabularies:
    population: []          # e.g. [adults, children]
    intervention: []        # e.g. [drug A, placebo, usual care]
    route: []               # e.g. [oral, IV]
    open: []                # e.g. [route]

# The extraction workbook (the blank template with its instructions sheet, to fill).
extraction: raw/extraction.xlsx

# Instruments and outcome domains beyond the pipeline's registry: this review's own registry files, merged after
# it (docs/new_review.md), e.g. [config/instruments.yaml].
extra_instruments: []

# This review's own synonyms files (same format as the pipeline's config/synonyms.yaml), merged after the
# pipeline's generic ones: e.g. brand names of its interventions mapped to the names of its vocabulary.
extra_synonyms: []

# Robustness (the pipeline's docs/sensitivity.md): declared sensitivity analyses and a multiverse, e.g.
# sensitivity:
#   analyses:
#     - name: low_risk_of_bias
#       departures: {risk_of_bias: exclude_high}
#   multiverse:
#     factors:
#       method: [REML, DL, PM]
#       pre_post_r: [0.3, 0.5, 0.7]
"""

SNAKEFILE_TEMPLATE = """\
# This review's workflow: the review pipeline, used as a Snakemake module on this folder's config and workbook.
# Run from this folder: <pipeline>/.venv/bin/snakemake --cores 2
configfile: "config/config.yaml"


module review_pipeline:
    snakefile:
        "{snakefile}"
    config:
        config


use rule * from review_pipeline
"""

README_TEMPLATE = """\
# {name}

A systematic review run with the review pipeline.

1. Describe the review in `config/config.yaml` (title, intervention and comparator labels, ...).
2. Fill `raw/extraction.xlsx` (its `instructions` sheet describes every sheet and column).
3. Run from this folder: `{snakemake} --cores 2`. The report is `results/report/review.html`; a rerun
   recomputes only what changed.
"""

GITIGNORE = "results/\n.snakemake/\n"


def create_review_folder(folder: Path, project: Path) -> list[Path]:
    """Create ``folder`` with a new review's own files (see the module docstring) and return them.

    Refuses a folder that exists and is not empty, so nothing of an existing review is overwritten.
    """
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} exists and is not empty: choose a new folder for the review")
    workflow = folder / "workflow"
    snakemake = Path(os.path.relpath(project / ".venv" / "bin" / "snakemake", folder))
    files = {
        folder / "config" / "config.yaml": CONFIG_TEMPLATE,
        workflow / "Snakefile": SNAKEFILE_TEMPLATE.format(
            snakefile=Path(os.path.relpath(project / "Snakefile", workflow)).as_posix()
        ),
        folder / "README.md": README_TEMPLATE.format(name=folder.resolve().name, snakemake=snakemake.as_posix()),
        folder / ".gitignore": GITIGNORE,
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    workbook = folder / "raw" / "extraction.xlsx"
    workbook.parent.mkdir(parents=True, exist_ok=True)
    write_template(workbook)
    return [*files, workbook]


def command_line(argv: Sequence[str] | None = None) -> int:
    """``python -m qolreview.review_folder DIR``: create the review folder DIR next to nothing else."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m qolreview.review_folder DIR", file=sys.stderr)
        return 2
    project = Path(__file__).resolve().parents[2]
    try:
        created = create_review_folder(Path(args[0]), project)
    except FileExistsError as error:
        print(error, file=sys.stderr)
        return 1
    for path in created:
        print(f"created {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(command_line())
