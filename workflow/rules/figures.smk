# Stage 4, figures: one rule per figure family. Each writes SVG and 300-dpi PNG files in its folder and a
# captions fragment; fig_captions merges them into results/figures/captions.json ({stem: {caption, alt, file}}).


# Forest plots (metafor's forest() layout): one per pooled analysis, with subgroup subtotals and the test for
# subgroup differences, and one per comparison, window and measure gathering the analyses not pooled. A plot
# longer than figures.forest_max_rows rows continues over pages <stem>-page-2, <stem>-page-3, ...
rule fig_forest:
    input:
        meta_analyses="results/synthesis/meta_analyses.parquet",
        study_weights="results/synthesis/study_weights.parquet",
        subgroups="results/synthesis/subgroups.parquet",
        instruments=[config["instruments"], *config["extra_instruments"]],
    output:
        figures=report(
            directory("results/figures/forest/part-{part}"),
            patterns=["{name}.svg"],
            caption="../report/forest.rst",
            category="Figures",
        ),
        captions="results/figures/captions/forest/part-{part}.json",
    log:
        "results/logs/fig_forest-{part}.log",
    wildcard_constraints:
        part=r"\d+",
    priority: LONG_JOBS_FIRST
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        library=LIBRARY,
        settings=lambda wildcards: {
            **figure_part_settings(wildcards, "formats", "width", "palette", "forest_subgroup", "forest_max_rows"),
            "subgroup_order": config["synthesis"]["subgroups"],
            "window_labels": window_labels(),
            "intervention_label": config["review"]["intervention_label"],
            "comparator_label": config["review"]["comparator_label"],
        },
    script:
        "../scripts/fig_forest.py"


# Effect direction plots (Thomson & Thomas 2013): the direction of every study in every domain, with the
# vote counts, one plot per comparison.
rule fig_effect_direction:
    input:
        effect_direction="results/synthesis/effect_direction.parquet",
        vote_counts="results/synthesis/vote_counts.parquet",
        instruments=[config["instruments"], *config["extra_instruments"]],
    output:
        figures=report(
            directory("results/figures/effect_direction"),
            patterns=["{name}.svg"],
            caption="../report/effect_direction.rst",
            category="Figures",
        ),
        captions="results/figures/captions/effect_direction.json",
    log:
        "results/logs/fig_effect_direction.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        library=LIBRARY,
        settings=settings("figures", "formats", "width", "palette"),
    script:
        "../scripts/fig_effect_direction.py"


# Risk-of-bias figures in the robvis style: a traffic-light plot and a weighted summary per tool.
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
    log:
        "results/logs/fig_risk_of_bias.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        library=LIBRARY,
        settings=settings("figures", "formats", "width", "palette"),
    script:
        "../scripts/fig_risk_of_bias.py"


# PRISMA 2020 flow diagram, and its counts in the CSV template of the PRISMA2020 R package.
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
        csv=report(
            "results/figures/prisma_counts.csv",
            caption="../report/prisma_counts.rst",
            category="Tables",
        ),
        captions="results/figures/captions/prisma.json",
    log:
        "results/logs/fig_prisma.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        library=LIBRARY,
        settings=settings("figures", "formats", "width"),
    script:
        "../scripts/fig_prisma.py"


# Evidence map: which study reported which instrument, and whether it became an effect size.
rule fig_evidence_map:
    input:
        effect_sizes="results/harmonized/effect_sizes.parquet",
        not_convertible="results/harmonized/not_convertible.parquet",
        studies="results/clean/studies.parquet",
        instruments=[config["instruments"], *config["extra_instruments"]],
    output:
        figures=report(
            directory("results/figures/evidence_map"),
            patterns=["{name}.svg"],
            caption="../report/evidence_map.rst",
            category="Figures",
        ),
        captions="results/figures/captions/evidence_map.json",
    log:
        "results/logs/fig_evidence_map.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        library=LIBRARY,
        settings=settings("figures", "formats", "width"),
    script:
        "../scripts/fig_evidence_map.py"


# Quality of life over time: every study's effects by week, in small multiples by domain and comparison.
rule fig_qol_over_time:
    input:
        effect_sizes="results/harmonized/effect_sizes.parquet",
        not_convertible="results/harmonized/not_convertible.parquet",
        studies="results/clean/studies.parquet",
        instruments=[config["instruments"], *config["extra_instruments"]],
    output:
        figures=report(
            directory("results/figures/qol_over_time"),
            patterns=["{name}.svg"],
            caption="../report/qol_over_time.rst",
            category="Figures",
        ),
        captions="results/figures/captions/qol_over_time.json",
    log:
        "results/logs/fig_qol_over_time.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        library=LIBRARY,
        settings=settings("figures", "formats", "width"),
    script:
        "../scripts/fig_qol_over_time.py"


# Contour-enhanced funnel plots (Peters et al. 2008) of the analyses tested for small-study effects, with the
# studies imputed by trim-and-fill drawn open.
rule fig_funnel:
    input:
        meta_analyses="results/synthesis/meta_analyses.parquet",
        study_weights="results/synthesis/study_weights.parquet",
        small_study_effects="results/synthesis/small_study_effects.parquet",
        filled_studies="results/synthesis/filled_studies.parquet",
    output:
        figures=report(
            directory("results/figures/funnel/part-{part}"),
            patterns=["{name}.svg"],
            caption="../report/funnel.rst",
            category="Figures",
        ),
        captions="results/figures/captions/funnel/part-{part}.json",
    log:
        "results/logs/fig_funnel-{part}.log",
    wildcard_constraints:
        part=r"\d+",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        library=LIBRARY,
        settings=lambda wildcards: figure_part_settings(wildcards, "formats", "width", "palette"),
    script:
        "../scripts/fig_funnel.py"


# Bubble plots of the meta-regressions (metafor's regplot()): effect against moderator, bubbles sized by weight.
rule fig_bubble:
    input:
        meta_analyses="results/synthesis/meta_analyses.parquet",
        study_weights="results/synthesis/study_weights.parquet",
        meta_regression="results/synthesis/meta_regression.parquet",
        studies="results/clean/studies.parquet",
    output:
        figures=report(
            directory("results/figures/bubble"),
            patterns=["{name}.svg"],
            caption="../report/bubble.rst",
            category="Figures",
        ),
        captions="results/figures/captions/bubble.json",
    log:
        "results/logs/fig_bubble.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        library=LIBRARY,
        settings=settings("figures", "formats", "width", "palette"),
    script:
        "../scripts/fig_bubble.py"


# Influence panels (metafor's plot(influence())) and Baujat plots of the analyses with influence diagnostics.
rule fig_influence:
    input:
        meta_analyses="results/synthesis/meta_analyses.parquet",
        study_weights="results/synthesis/study_weights.parquet",
        influence="results/synthesis/influence.parquet",
    output:
        figures=report(
            directory("results/figures/influence/part-{part}"),
            patterns=["{name}.svg"],
            caption="../report/influence.rst",
            category="Figures",
        ),
        captions="results/figures/captions/influence/part-{part}.json",
    log:
        "results/logs/fig_influence-{part}.log",
    wildcard_constraints:
        part=r"\d+",
    priority: LONG_JOBS_FIRST
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        library=LIBRARY,
        settings=lambda wildcards: figure_part_settings(wildcards, "formats", "width", "palette"),
    script:
        "../scripts/fig_influence.py"


# Cumulative forest plots: the pooled estimate after each added study, over pages as the forest plots.
rule fig_cumulative:
    input:
        meta_analyses="results/synthesis/meta_analyses.parquet",
        cumulative="results/synthesis/cumulative.parquet",
    output:
        figures=report(
            directory("results/figures/cumulative/part-{part}"),
            patterns=["{name}.svg"],
            caption="../report/cumulative.rst",
            category="Figures",
        ),
        captions="results/figures/captions/cumulative/part-{part}.json",
    log:
        "results/logs/fig_cumulative-{part}.log",
    wildcard_constraints:
        part=r"\d+",
    priority: LONG_JOBS_FIRST
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        library=LIBRARY,
        settings=lambda wildcards: {
            **figure_part_settings(wildcards, "formats", "width", "palette", "forest_max_rows"),
            "order_by": config["synthesis"]["cumulative"]["order_by"],
        },
    script:
        "../scripts/fig_cumulative.py"


# GOSH plots: estimate against I² over subsets of studies, shaded by density when there are many.
rule fig_gosh:
    input:
        meta_analyses="results/synthesis/meta_analyses.parquet",
        gosh="results/synthesis/gosh.parquet",
    output:
        figures=report(
            directory("results/figures/gosh"),
            patterns=["{name}.svg"],
            caption="../report/gosh.rst",
            category="Figures",
        ),
        captions="results/figures/captions/gosh.json",
    log:
        "results/logs/fig_gosh.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        library=LIBRARY,
        settings=settings("figures", "formats", "width", "palette"),
    script:
        "../scripts/fig_gosh.py"


# The captions and alt texts of every figure in one file, read by the report.
rule fig_captions:
    input:
        fragments=expand("results/figures/captions/{name}.json", name=figure_folder_names()),
    output:
        captions="results/figures/captions.json",
    log:
        "results/logs/fig_captions.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        library=LIBRARY,
        settings={},
    script:
        "../scripts/fig_captions.py"


# Specification curves (Simonsohn, Simmons & Nelson 2020): every multiverse specification's estimate and CI,
# sorted, above the panel of the choices each made; one per pooled analysis, drawn in figures.jobs parts.
rule fig_specification_curve:
    input:
        meta_analyses="results/synthesis/meta_analyses.parquet",
        multiverse="results/sensitivity/multiverse.parquet",
    output:
        figures=report(
            directory("results/figures/specification_curve/part-{part}"),
            patterns=["{name}.svg"],
            caption="../report/specification_curve.rst",
            category="Figures",
        ),
        captions="results/figures/captions/specification_curve/part-{part}.json",
    log:
        "results/logs/fig_specification_curve-{part}.log",
    wildcard_constraints:
        part=r"\d+",
    priority: LONG_JOBS_FIRST
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        library=LIBRARY,
        settings=lambda wildcards: figure_part_settings(wildcards, "formats", "width", "palette"),
    script:
        "../scripts/fig_specification_curve.py"
