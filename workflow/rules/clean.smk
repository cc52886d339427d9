# Stage 1, clean: read the extraction workbook once, normalise and validate it, write typed Parquet tables.


# Cleaning and validation: every value normalised (synonyms, units, timepoints) with each change logged, the
# workbook contract checked cell by cell; every problem is reported at once and nothing is written unless
# the whole workbook is valid.
rule clean:
    input:
        workbook=config["extraction"],
        instruments=config["instruments"],
        synonyms=config["synonyms"],
    output:
        tables=expand("results/clean/{table}.parquet", table=CLEAN_TABLES),
        cleaning_log="results/clean/cleaning_log.parquet",
        report=report(
            "results/clean/validation_report.md",
            caption="../report/validation_report.rst",
            category="Clean",
        ),
    log:
        "results/logs/clean.log",
    params:
        library=LIBRARY,
        settings=config["clean"],
    script:
        "../scripts/clean.py"
