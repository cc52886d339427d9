# Stage 2: clean results -> signed effect sizes with known variances; the rest with a reason.


rule harmonize:
    input:
        outcomes="results/clean/outcomes.parquet",
        contrasts="results/clean/contrasts.parquet",
        arms="results/clean/arms.parquet",
        instruments=config["instruments"],
    output:
        effect_sizes="results/harmonized/effect_sizes.parquet",
        not_convertible="results/harmonized/not_convertible.parquet",
        conversion_log="results/harmonized/conversion_log.parquet",
    params:
        library=LIBRARY,
        settings=config["harmonize"],
    log:
        "results/logs/harmonize.log",
    script:
        "../scripts/harmonize.py"
