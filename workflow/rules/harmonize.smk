# Stage 2, harmonize: clean results -> signed effect sizes with known variances; the rest with a reason.


# Effect sizes: each result converted (metafor's escalc definitions, documented conversions) into a signed
# effect size where a positive value means better quality of life, assigned to a time window, one source
# and one timepoint chosen per comparison and window; results that cannot be converted are listed with the
# reason.
rule harmonize:
    input:
        outcomes="results/clean/outcomes.parquet",
        contrasts="results/clean/contrasts.parquet",
        arms="results/clean/arms.parquet",
        instruments=[config["instruments"], *config["extra_instruments"]],
    output:
        effect_sizes="results/harmonized/effect_sizes.parquet",
        not_convertible="results/harmonized/not_convertible.parquet",
        conversion_log="results/harmonized/conversion_log.parquet",
    log:
        "results/logs/harmonize.log",
    priority: LONG_JOBS_FIRST
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=LIBRARY,
        settings=config["harmonize"],
    script:
        "../scripts/harmonize.py"
