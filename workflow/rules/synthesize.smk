# Stage 3: meta-analyses where the data allow, narrative synthesis (SWiM), risk of bias and GRADE.


rule synthesize:
    input:
        effect_sizes="results/harmonized/effect_sizes.parquet",
        not_convertible="results/harmonized/not_convertible.parquet",
        studies="results/clean/studies.parquet",
        arms="results/clean/arms.parquet",
        risk_of_bias="results/clean/risk_of_bias.parquet",
        grade="results/clean/grade.parquet",
    output:
        meta_analyses="results/synthesis/meta_analyses.parquet",
        study_weights="results/synthesis/study_weights.parquet",
        leave_one_out="results/synthesis/leave_one_out.parquet",
        subgroups="results/synthesis/subgroups.parquet",
        effect_direction="results/synthesis/effect_direction.parquet",
        vote_counts="results/synthesis/vote_counts.parquet",
        risk_of_bias="results/synthesis/risk_of_bias.parquet",
        robvis_robins_i="results/synthesis/robvis_robins_i.csv",
        robvis_nos="results/synthesis/robvis_nos.csv",
        robvis_rob2="results/synthesis/robvis_rob2.csv",
        summary_of_findings="results/synthesis/summary_of_findings.parquet",
    params:
        library=LIBRARY,
        settings=config["synthesis"],
    log:
        "results/logs/synthesize.log",
    script:
        "../scripts/synthesize.py"
