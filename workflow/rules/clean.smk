# Stage 1: read the extraction workbook once, normalise and validate it, write typed Parquet tables.


rule clean:
    input:
        workbook=config["extraction"],
        instruments=config["instruments"],
        synonyms=config["synonyms"],
    output:
        tables=expand("results/clean/{table}.parquet", table=CLEAN_TABLES),
        cleaning_log="results/clean/cleaning_log.parquet",
        report=report("results/clean/validation_report.md", caption="../report/validation_report.rst", category="Clean"),
    params:
        library=LIBRARY,
        settings=config["clean"],
    log:
        "results/logs/clean.log",
    script:
        "../scripts/clean.py"
