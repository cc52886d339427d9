# Stage 4: figures from the synthesis tables; each family writes SVG + 300-dpi PNG files and a captions
# fragment, merged into results/figures/captions.json ({figure_file_stem: {caption, alt}}).

FIGURE_FAMILIES = ["forest", "effect_direction", "risk_of_bias", "prisma", "evidence_map", "qol_over_time"]


rule fig_forest:
    input:
        meta_analyses="results/synthesis/meta_analyses.parquet",
        study_weights="results/synthesis/study_weights.parquet",
        subgroups="results/synthesis/subgroups.parquet",
    output:
        figures=report(
            directory("results/figures/forest"),
            patterns=["{name}.svg"],
            caption="../report/forest.rst",
            category="Figures",
        ),
        captions="results/figures/captions/forest.json",
    params:
        library=LIBRARY,
        settings=config["figures"],
        subgroup_order=config["synthesis"]["subgroups"],
    log:
        "results/logs/fig_forest.log",
    script:
        "../scripts/fig_forest.py"


rule fig_effect_direction:
    input:
        effect_direction="results/synthesis/effect_direction.parquet",
        vote_counts="results/synthesis/vote_counts.parquet",
    output:
        figures=report(
            directory("results/figures/effect_direction"),
            patterns=["{name}.svg"],
            caption="../report/effect_direction.rst",
            category="Figures",
        ),
        captions="results/figures/captions/effect_direction.json",
    params:
        library=LIBRARY,
        settings=config["figures"],
    log:
        "results/logs/fig_effect_direction.log",
    script:
        "../scripts/fig_effect_direction.py"


rule fig_risk_of_bias:
    input:
        risk_of_bias="results/synthesis/risk_of_bias.parquet",
        studies="results/clean/studies.parquet",
    output:
        figures=report(
            directory("results/figures/risk_of_bias"),
            patterns=["{name}.svg"],
            caption="../report/risk_of_bias.rst",
            category="Figures",
        ),
        captions="results/figures/captions/risk_of_bias.json",
    params:
        library=LIBRARY,
        settings=config["figures"],
    log:
        "results/logs/fig_risk_of_bias.log",
    script:
        "../scripts/fig_risk_of_bias.py"


rule fig_prisma:
    input:
        prisma="results/clean/prisma.parquet",
    output:
        figures=report(
            directory("results/figures/prisma"),
            patterns=["{name}.svg"],
            caption="../report/prisma.rst",
            category="Figures",
        ),
        csv=report("results/figures/prisma_counts.csv", caption="../report/prisma_counts.rst", category="Tables"),
        captions="results/figures/captions/prisma.json",
    params:
        library=LIBRARY,
        settings=config["figures"],
    log:
        "results/logs/fig_prisma.log",
    script:
        "../scripts/fig_prisma.py"


rule fig_evidence_map:
    input:
        effect_sizes="results/harmonized/effect_sizes.parquet",
        not_convertible="results/harmonized/not_convertible.parquet",
        studies="results/clean/studies.parquet",
    output:
        figures=report(
            directory("results/figures/evidence_map"),
            patterns=["{name}.svg"],
            caption="../report/evidence_map.rst",
            category="Figures",
        ),
        captions="results/figures/captions/evidence_map.json",
    params:
        library=LIBRARY,
        settings=config["figures"],
    log:
        "results/logs/fig_evidence_map.log",
    script:
        "../scripts/fig_evidence_map.py"


rule fig_qol_over_time:
    input:
        effect_sizes="results/harmonized/effect_sizes.parquet",
        not_convertible="results/harmonized/not_convertible.parquet",
        studies="results/clean/studies.parquet",
    output:
        figures=report(
            directory("results/figures/qol_over_time"),
            patterns=["{name}.svg"],
            caption="../report/qol_over_time.rst",
            category="Figures",
        ),
        captions="results/figures/captions/qol_over_time.json",
    params:
        library=LIBRARY,
        settings=config["figures"],
    log:
        "results/logs/fig_qol_over_time.log",
    script:
        "../scripts/fig_qol_over_time.py"


rule fig_captions:
    input:
        expand("results/figures/captions/{family}.json", family=FIGURE_FAMILIES),
    output:
        "results/figures/captions.json",
    log:
        "results/logs/fig_captions.log",
    script:
        "../scripts/fig_captions.py"
