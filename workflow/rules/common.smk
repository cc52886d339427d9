# Shared set-up: validate the config against its schema (filling defaults) and list the targets.
import hashlib
import os
from pathlib import Path

import qolreview
from qolreview.review_identity import review_identity_problems
from qolreview.sensitivity import SensitivityConfigError, parse_sensitivity
from qolreview.synthesis import DIAGNOSTIC_METHODS
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

validate(config, schema="../../config/schemas/config.schema.yaml", set_default=True)

PROJECT = Path(workflow.current_basedir).parents[1]
"""This workflow's own folder: the report's sources, the bundled registries and the default review's config. A
review kept in its own folder (docs/new_review.md) runs from there and reads these through the module."""


def project_file(path):
    """A file of this workflow, as a path relative to the working directory (the review's folder)."""
    return os.path.relpath(PROJECT / path)


for key, bundled in (("instruments", "config/instruments.yaml"), ("synonyms", "config/synonyms.yaml")):
    config[key] = config[key] or project_file(bundled)
if review_problems := review_identity_problems(
    config, PROJECT / "config" / "config.yaml", Path(config["extraction"]), PROJECT
):
    raise WorkflowError("\n".join(review_problems))


def library_digest():
    """SHA-256 of the installed qolreview library's source: a rule's params, so a code change reruns it."""
    digest = hashlib.sha256()
    root = Path(qolreview.__file__).parent
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".lua", ".css")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


LIBRARY = library_digest()

# Priority of the rules with the longest jobs (forest, influence and cumulative plots, the multiverse, the declared
# sensitivity analyses, the specification curves) and of the short rules that lead to them (harmonize, risk_of_bias
# and meta_analysis, on which every analysis waits): among the jobs ready to run, Snakemake starts those of higher
# priority first, so that short jobs fill the cores at the end instead of one long job running alone (longest
# processing time first; Graham 1969, SIAM J Appl Math 17:416-429).
LONG_JOBS_FIRST = 1

SYNTHESIS_TABLES = [
    "meta_analyses",
    "study_weights",
    "leave_one_out",
    "subgroups",
    "effect_direction",
    "vote_counts",
    "risk_of_bias",
    "summary_of_findings",
    "meta_regression",
    "small_study_effects",
    "filled_studies",
    "influence",
    "cumulative",
    "gosh",
    *(f"{method}_failures" for method in DIAGNOSTIC_METHODS),
]

SENSITIVITY_TABLES = ["sensitivity_analyses", "multiverse", "multiverse_summary", "multiverse_factors"]

try:
    parse_sensitivity(config["sensitivity"])
except SensitivityConfigError as error:
    raise WorkflowError(f"config: {error}")


def untimed_timepoints():
    """The timepoint labels without a time that the review places in its untimed window (clean accepts them)."""
    window = config["harmonize"]["untimed_window"]
    return [] if window is None else list(window["timepoints"])


def window_labels():
    """Time windows -> their names in words where they differ from the window's key: the untimed window's label."""
    window = config["harmonize"]["untimed_window"]
    return {} if window is None else {window["name"]: window["label"]}


def settings(section, *keys):
    """The named keys of one config section: a rule's ``params.settings``, so that it reruns only when one of
    the settings it uses changes."""
    return {key: config[section][key] for key in keys}


CLEAN_TABLES = ["studies", "arms", "outcomes", "contrasts", "risk_of_bias", "prisma", "sources", "grade", "claims"]


def all_targets():
    return [
        *expand("results/clean/{table}.parquet", table=CLEAN_TABLES),
        "results/harmonized/effect_sizes.parquet",
        "results/figures/prisma_counts.csv",
        "results/report/review.html",
    ]


# The figure families (workflow/rules/figures.smk), one rule each.
FIGURE_FAMILIES = [
    "forest",
    "effect_direction",
    "risk_of_bias",
    "prisma",
    "evidence_map",
    "qol_over_time",
    "funnel",
    "bubble",
    "influence",
    "cumulative",
    "gosh",
    "specification_curve",
]
# The per-analysis families, each split into figures.jobs Snakemake jobs ({part}: 0, 1, ...) drawing every
# jobs-th analysis into results/figures/<family>/part-<part>/.
SPLIT_FAMILIES = ["forest", "funnel", "influence", "cumulative", "specification_curve"]
FIGURE_PARTS = range(config["figures"]["jobs"])


def figure_folder_names():
    """The folders of the run's figures under results/figures (and of their captions fragments under
    results/figures/captions): one per family, <family>/part-<part> for each part of a split family."""
    return [
        name
        for family in FIGURE_FAMILIES
        for name in ([f"{family}/part-{part}" for part in FIGURE_PARTS] if family in SPLIT_FAMILIES else [family])
    ]


def figure_part_settings(wildcards, *keys):
    """The figures settings ``keys`` of a split family's rule, with its part and the number of parts."""
    return {**settings("figures", *keys), "part": int(wildcards.part), "parts": config["figures"]["jobs"]}
