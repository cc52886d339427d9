# Stage 3, synthesis: one rule per method. Each rule's params carry only the settings its method uses, so
# changing one setting reruns only the methods (and the figures and report) that depend on it.


# Risk of bias: the reviewers' judgements per study, tool (RoB 2, ROBINS-I, Newcastle-Ottawa) and domain in
# tidy form, Newcastle-Ottawa stars rated Good/Fair/Poor to AHRQ standards, and robvis tables for R.
rule risk_of_bias:
    input:
        risk_of_bias="results/clean/risk_of_bias.parquet",
        studies="results/clean/studies.parquet",
    output:
        risk_of_bias="results/synthesis/risk_of_bias.parquet",
        robvis_robins_i="results/synthesis/robvis_robins_i.csv",
        robvis_nos="results/synthesis/robvis_nos.csv",
        robvis_rob2="results/synthesis/robvis_rob2.csv",
    log:
        "results/logs/risk_of_bias.log",
    priority: LONG_JOBS_FIRST
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=LIBRARY,
        settings=settings("synthesis", "nos_thresholds"),
    script:
        "../scripts/risk_of_bias.py"


# Meta-analysis: one analysis per comparison x domain x window x measure (an MD or MC is of one instrument and
# scale, beside or instead of its SMD; an SMD mixing change and final values is split by basis); a study's several
# effects become a composite or its priority instrument's effect, pooled as in metafor's rma(), or all enter the
# CHE model with CR2 robust inference (rma.mv + clubSandwich); subgroup analyses with the test for subgroup
# differences, and leave-one-out sensitivity analyses.
rule meta_analysis:
    input:
        effect_sizes="results/harmonized/effect_sizes.parquet",
        studies="results/clean/studies.parquet",
        arms="results/clean/arms.parquet",
        risk_of_bias="results/synthesis/risk_of_bias.parquet",
    output:
        meta_analyses="results/synthesis/meta_analyses.parquet",
        study_weights="results/synthesis/study_weights.parquet",
        leave_one_out="results/synthesis/leave_one_out.parquet",
        subgroups="results/synthesis/subgroups.parquet",
    log:
        "results/logs/meta_analysis.log",
    priority: LONG_JOBS_FIRST
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=LIBRARY,
        settings=settings(
            "synthesis",
            "method",
            "test",
            "level",
            "min_studies_to_pool",
            "multiple_effects",
            "composite_correlation",
            "che_rho",
            "instrument_priority",
            "subgroups",
            "raw_units",
        ),
    script:
        "../scripts/meta_analysis.py"


# Narrative synthesis without meta-analysis (SWiM): the direction of effect of every study in every domain
# (effect direction plot, 70% rule) and vote counts of the studies with a sign test.
rule narrative_synthesis:
    input:
        effect_sizes="results/harmonized/effect_sizes.parquet",
        not_convertible="results/harmonized/not_convertible.parquet",
        studies="results/clean/studies.parquet",
        arms="results/clean/arms.parquet",
        risk_of_bias="results/synthesis/risk_of_bias.parquet",
    output:
        effect_direction="results/synthesis/effect_direction.parquet",
        vote_counts="results/synthesis/vote_counts.parquet",
    log:
        "results/logs/narrative_synthesis.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=LIBRARY,
        settings=settings("synthesis", "level"),
    script:
        "../scripts/narrative_synthesis.py"


# Summary of findings: one row per quality-of-life domain with its primary analysis or vote count, and the
# GRADE certainty of evidence from the reviewers' judgements (none entered: "not assessed"); ratio measures as
# the event's RR, OR or HR with absolute risks per 1,000 from the comparator arms' risks.
rule summary_of_findings:
    input:
        meta_analyses="results/synthesis/meta_analyses.parquet",
        study_weights="results/synthesis/study_weights.parquet",
        vote_counts="results/synthesis/vote_counts.parquet",
        effect_sizes="results/harmonized/effect_sizes.parquet",
        grade="results/clean/grade.parquet",
        studies="results/clean/studies.parquet",
        outcomes="results/clean/outcomes.parquet",
    output:
        summary_of_findings="results/synthesis/summary_of_findings.parquet",
    log:
        "results/logs/summary_of_findings.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=LIBRARY,
        settings={},
    script:
        "../scripts/summary_of_findings.py"


# Meta-regression: each pooled analysis with enough studies regressed on each configured moderator alone
# (study-level columns of the workbook), as metafor's rma(mods=), with R² of the explained heterogeneity.
rule meta_regression:
    input:
        meta_analyses="results/synthesis/meta_analyses.parquet",
        study_weights="results/synthesis/study_weights.parquet",
        studies="results/clean/studies.parquet",
    output:
        meta_regression="results/synthesis/meta_regression.parquet",
        failures="results/synthesis/meta_regression_failures.parquet",
    log:
        "results/logs/meta_regression.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=LIBRARY,
        settings=config["synthesis"]["meta_regression"],
    script:
        "../scripts/meta_regression.py"


# Small-study effects (reporting bias, PRISMA items 14 and 21): Egger's regression test, Begg's rank
# correlation test and Duval and Tweedie's trim-and-fill, for pooled analyses with enough studies.
rule small_study_effects:
    input:
        meta_analyses="results/synthesis/meta_analyses.parquet",
        study_weights="results/synthesis/study_weights.parquet",
    output:
        small_study_effects="results/synthesis/small_study_effects.parquet",
        filled_studies="results/synthesis/filled_studies.parquet",
        failures="results/synthesis/small_study_effects_failures.parquet",
    log:
        "results/logs/small_study_effects.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=LIBRARY,
        settings=config["synthesis"]["small_study_effects"],
    script:
        "../scripts/small_study_effects.py"


# Influence diagnostics (Viechtbauer & Cheung 2010): studentised residuals, DFFITS, Cook's distance,
# covariance ratio, tau² and Q without each study, hat values and metafor's influential flag.
rule influence:
    input:
        meta_analyses="results/synthesis/meta_analyses.parquet",
        study_weights="results/synthesis/study_weights.parquet",
    output:
        influence="results/synthesis/influence.parquet",
        failures="results/synthesis/influence_failures.parquet",
    log:
        "results/logs/influence.log",
    priority: LONG_JOBS_FIRST
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=LIBRARY,
        settings=config["synthesis"]["influence"],
    script:
        "../scripts/influence.py"


# Cumulative meta-analysis: the pooled estimate after each study is added, in the order of a studies column
# (publication year by default).
rule cumulative:
    input:
        meta_analyses="results/synthesis/meta_analyses.parquet",
        study_weights="results/synthesis/study_weights.parquet",
        studies="results/clean/studies.parquet",
    output:
        cumulative="results/synthesis/cumulative.parquet",
        failures="results/synthesis/cumulative_failures.parquet",
    log:
        "results/logs/cumulative.log",
    priority: LONG_JOBS_FIRST
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=LIBRARY,
        settings=config["synthesis"]["cumulative"],
    script:
        "../scripts/cumulative.py"


# GOSH (Olkin, Dahabreh & Trikalinos 2012): the model fitted to every subset of the studies, or a seeded
# sample of subsets, to show whether a few studies drive the estimate or the heterogeneity.
rule gosh:
    input:
        meta_analyses="results/synthesis/meta_analyses.parquet",
        study_weights="results/synthesis/study_weights.parquet",
    output:
        gosh="results/synthesis/gosh.parquet",
        failures="results/synthesis/gosh_failures.parquet",
    log:
        "results/logs/gosh.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        library=LIBRARY,
        settings=config["synthesis"]["gosh"],
    script:
        "../scripts/gosh.py"
