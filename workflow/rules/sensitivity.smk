# Stage 3b, sensitivity: how much each pooled result depends on the choices made (docs/sensitivity.md).

SENSITIVITY_INPUTS = {
    "outcomes": "results/clean/outcomes.parquet",
    "contrasts": "results/clean/contrasts.parquet",
    "arms": "results/clean/arms.parquet",
    "studies": "results/clean/studies.parquet",
    "risk_of_bias": "results/synthesis/risk_of_bias.parquet",
    "meta_analyses": "results/synthesis/meta_analyses.parquet",
}
SENSITIVITY_SETTINGS = {key: config[key] for key in ("harmonize", "synthesis", "sensitivity")}
MULTIVERSE_PARTS = range(config["sensitivity"]["multiverse"]["jobs"])


# Declared sensitivity analyses (Cochrane Handbook 10.14): each set of departures on every pooled analysis, with
# its difference from the primary result and a sentence.
rule sensitivity:
    input:
        **SENSITIVITY_INPUTS,
        instruments=[config["instruments"], *config["extra_instruments"]],
    output:
        sensitivity="results/sensitivity/sensitivity_analyses.parquet",
    log:
        "results/logs/sensitivity.log",
    priority: LONG_JOBS_FIRST
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        library=LIBRARY,
        settings=SENSITIVITY_SETTINGS,
    script:
        "../scripts/sensitivity.py"


# One shard of the multiverse (Steegen et al. 2016): a near-equal share of the specification grid, whole
# harmonization choices where sizes allow, fitted in batches; sensitivity.multiverse.jobs shards run as separate
# jobs and concatenate to the same table.
rule multiverse_part:
    input:
        **SENSITIVITY_INPUTS,
        instruments=[config["instruments"], *config["extra_instruments"]],
    output:
        part=temp("results/sensitivity/multiverse/part-{part}.parquet"),
    log:
        "results/logs/multiverse_part-{part}.log",
    wildcard_constraints:
        part=r"\d+",
    priority: LONG_JOBS_FIRST
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        library=LIBRARY,
        settings=lambda wildcards: {**SENSITIVITY_SETTINGS, "part": int(wildcards.part)},
    script:
        "../scripts/multiverse_part.py"


# The whole multiverse in one table, and its summary: agreement with the primary conclusion, the range of the
# estimates and the factor that moves them most, per pooled analysis.
rule multiverse:
    input:
        parts=expand("results/sensitivity/multiverse/part-{part}.parquet", part=MULTIVERSE_PARTS),
        meta_analyses="results/synthesis/meta_analyses.parquet",
    output:
        multiverse="results/sensitivity/multiverse.parquet",
        summary="results/sensitivity/multiverse_summary.parquet",
        factors="results/sensitivity/multiverse_factors.parquet",
    log:
        "results/logs/multiverse.log",
    priority: LONG_JOBS_FIRST
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        library=LIBRARY,
        settings=SENSITIVITY_SETTINGS,
    script:
        "../scripts/multiverse.py"
