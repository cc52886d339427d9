# Stage 1, clean: read the extraction workbook once, normalise and validate it, write typed Parquet tables.
from snakemake.exceptions import WorkflowError

from qolreview.workbook.reader import file_sha256, path_problem

# A workbook path Snakemake would misreport (braces read as a wildcard, a symbolic link to nothing).
if workbook_path_problem := path_problem(config["extraction"]):
    raise WorkflowError(workbook_path_problem)
# Computed here, not in a params function: Snakemake compares only parameters it can see when it builds the
# DAG. A missing workbook has none (Snakemake reports it missing).
WORKBOOK_SHA256 = file_sha256(config["extraction"]) if Path(config["extraction"]).is_file() else ""


# Cleaning and validation: every value normalised (synonyms, units, timepoints) with each change logged, the
# workbook contract checked cell by cell; every problem is reported at once and nothing is written unless
# the whole workbook is valid. The workbook's SHA-256 is a parameter, so new content reruns the rule even
# when the file's modification time is older than the outputs. Vocabularies are the review's declaration; the
# instrument registry is the bundled (or named) one with the review's own files after it. Timepoint labels without
# a time are accepted when the review lists them (harmonize.untimed_window).
rule clean:
    input:
        workbook=config["extraction"],
        instruments=[config["instruments"], *config["extra_instruments"]],
        synonyms=[config["synonyms"], *config["extra_synonyms"]],
    output:
        tables=expand("results/clean/{table}.parquet", table=CLEAN_TABLES),
        cleaning_log="results/clean/cleaning_log.parquet",
        input_files="results/clean/input_files.parquet",
        report=report(
            "results/clean/validation_report.md",
            caption="../report/validation_report.rst",
            category="Clean",
        ),
    log:
        "results/logs/clean.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=LIBRARY,
        settings={
            **config["clean"],
            "vocabularies": config["review"]["vocabularies"],
            "untimed_timepoints": untimed_timepoints(),
        },
        workbook_sha256=WORKBOOK_SHA256,
    script:
        "../scripts/clean.py"
