# Stage 5, report: the Quarto report, rendered with `quarto render` when available, else the builtin renderer.


# The configuration of the run as validated, defaults and --config overrides applied: quoted in the report.
rule config_used:
    output:
        config_used="results/report/config_used.yaml",
    log:
        "results/logs/config_used.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=LIBRARY,
        settings={"config": config},
    script:
        "../scripts/config_used.py"


# The results tables the report reads (qolreview.report.data.TABLE_FILES).
REPORT_TABLES = {
    "clean": expand("results/clean/{table}.parquet", table=CLEAN_TABLES),
    "cleaning_log": "results/clean/cleaning_log.parquet",
    "input_files": "results/clean/input_files.parquet",
    "harmonized": expand(
        "results/harmonized/{table}.parquet", table=["effect_sizes", "not_convertible", "conversion_log"]
    ),
    "synthesis": expand("results/synthesis/{table}.parquet", table=SYNTHESIS_TABLES),
    "sensitivity": expand("results/sensitivity/{table}.parquet", table=SENSITIVITY_TABLES),
}


# Every number the report shows with the workbook cells it was computed from, as a CSV file beside the report
# (the report lists them too, or counts them when there are more than it can show).
rule provenance:
    input:
        **REPORT_TABLES,
        config_used="results/report/config_used.yaml",
        instruments=[config["instruments"], *config["extra_instruments"]],
    output:
        provenance="results/report/provenance.csv",
    log:
        "results/logs/provenance.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        library=LIBRARY,
        settings={},
    script:
        "../scripts/provenance.py"


# The report: every table and figure of the run with generated methods and results text, the claims check
# and the provenance of every number, as one self-contained HTML file and, as configured, Word and PDF files
# (one output per format of report.formats, so that a format added later is made on the next run).
rule report:
    input:
        **REPORT_TABLES,
        qmd=project_file("report/review.qmd"),
        quarto_project=project_file("report/_quarto.yml"),
        config_used="results/report/config_used.yaml",
        workbook=config["extraction"],
        instruments=[config["instruments"], *config["extra_instruments"]],
        synonyms=[config["synonyms"], *config["extra_synonyms"]],
        provenance="results/report/provenance.csv",
        captions="results/figures/captions.json",
        figures=expand("results/figures/{name}", name=figure_folder_names()),
    output:
        **{
            output_format: report(
                f"results/report/review.{output_format}", caption="../report/review.rst", category="Report"
            )
            for output_format in config["report"]["formats"]
        },
    log:
        "results/logs/report.log",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        library=LIBRARY,
        settings=config["report"],
    script:
        "../scripts/report.py"
