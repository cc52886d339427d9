# Shared set-up: validate the config against its schema (filling defaults) and list the targets.
from snakemake.utils import validate

validate(config, schema="../../config/schemas/config.schema.yaml", set_default=True)

SYNTHESIS_TABLES = [
    "meta_analyses", "study_weights", "leave_one_out", "subgroups", "effect_direction", "vote_counts",
    "risk_of_bias", "summary_of_findings",
]
CLEAN_TABLES = ["studies", "arms", "outcomes", "contrasts", "risk_of_bias", "prisma", "sources", "grade", "claims"]


def all_targets():
    return [
        *expand("results/clean/{table}.parquet", table=CLEAN_TABLES),
        "results/harmonized/effect_sizes.parquet",
        "results/figures/prisma_counts.csv",
        "results/report/review.html",
    ]
