# Stage 5: the Quarto report, rendered with `quarto render` when available, else the builtin renderer.


rule config_used:
    output:
        "results/report/config_used.yaml",
    params:
        config=config,
    log:
        "results/logs/config_used.log",
    script:
        "../scripts/config_used.py"


rule report:
    input:
        qmd="report/review.qmd",
        quarto_project="report/_quarto.yml",
        config_used="results/report/config_used.yaml",
        workbook=config["extraction"],
        instruments=config["instruments"],
        synonyms=config["synonyms"],
        clean=expand("results/clean/{table}.parquet", table=CLEAN_TABLES),
        cleaning_log="results/clean/cleaning_log.parquet",
        harmonized=expand(
            "results/harmonized/{table}.parquet", table=["effect_sizes", "not_convertible", "conversion_log"]
        ),
        synthesis=expand("results/synthesis/{table}.parquet", table=SYNTHESIS_TABLES),
        captions="results/figures/captions.json",
        figures=expand("results/figures/{family}", family=FIGURE_FAMILIES),
    output:
        html=report("results/report/review.html", caption="../report/review.rst", category="Report"),
    params:
        library=LIBRARY,
        settings=config["report"],
    log:
        "results/logs/report.log",
    script:
        "../scripts/report.py"
