# Shared set-up: validate the config against its schema (filling defaults) and list the targets.
from snakemake.utils import validate

validate(config, schema="../../config/schemas/config.schema.yaml", set_default=True)

CLEAN_TABLES = ["studies", "arms", "outcomes", "contrasts", "risk_of_bias", "prisma", "sources", "grade", "claims"]


def all_targets():
    return [
        *expand("results/clean/{table}.parquet", table=CLEAN_TABLES),
        "results/harmonized/effect_sizes.parquet",
        "results/synthesis/meta_analyses.parquet",
    ]
