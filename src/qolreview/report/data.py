"""The report's inputs: the run's configuration, its results tables, input checksums and software versions."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from qolreview.atomic import write_bytes_atomic
from qolreview.instruments import Registry, load_registry
from qolreview.labels import domain_labels
from qolreview.parquet_io import read_table
from qolreview.synthesis import DIAGNOSTIC_METHODS


@dataclass(frozen=True)
class ReportData:
    """Every table the report shows, read once."""

    config: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    project_dir: Path

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @cached_property
    def registry(self) -> Registry:
        """The review's instrument registry: the bundled one (or the configured ``instruments``) and its
        ``extra_instruments``, paths relative to ``project_dir``."""
        files = [self.config["instruments"], *self.config.get("extra_instruments", [])]
        return load_registry([self.project_dir / f for f in files])

    @property
    def domain_names(self) -> dict[str, str]:
        """The review's domains -> their names in the report, in display order (quality-of-life domains first)."""
        return domain_labels(self.registry)


TABLE_FILES = {
    "studies": "clean/studies.parquet",
    "arms": "clean/arms.parquet",
    "outcomes": "clean/outcomes.parquet",
    "contrasts": "clean/contrasts.parquet",
    "sources": "clean/sources.parquet",
    "prisma": "clean/prisma.parquet",
    "claims": "clean/claims.parquet",
    "cleaning_log": "clean/cleaning_log.parquet",
    "input_files": "clean/input_files.parquet",
    "effect_sizes": "harmonized/effect_sizes.parquet",
    "conversion_log": "harmonized/conversion_log.parquet",
    "not_convertible": "harmonized/not_convertible.parquet",
    "meta_analyses": "synthesis/meta_analyses.parquet",
    "study_weights": "synthesis/study_weights.parquet",
    "leave_one_out": "synthesis/leave_one_out.parquet",
    "subgroups": "synthesis/subgroups.parquet",
    "effect_direction": "synthesis/effect_direction.parquet",
    "vote_counts": "synthesis/vote_counts.parquet",
    "risk_of_bias": "synthesis/risk_of_bias.parquet",
    "summary_of_findings": "synthesis/summary_of_findings.parquet",
    "meta_regression": "synthesis/meta_regression.parquet",
    "small_study_effects": "synthesis/small_study_effects.parquet",
    "filled_studies": "synthesis/filled_studies.parquet",
    "influence": "synthesis/influence.parquet",
    "cumulative": "synthesis/cumulative.parquet",
    "gosh": "synthesis/gosh.parquet",
    **{f"{method}_failures": f"synthesis/{method}_failures.parquet" for method in DIAGNOSTIC_METHODS},
    "sensitivity_analyses": "sensitivity/sensitivity_analyses.parquet",
    "multiverse_summary": "sensitivity/multiverse_summary.parquet",
    "multiverse_factors": "sensitivity/multiverse_factors.parquet",
}


SOFTWARE = (
    "qolreview",
    "snakemake",
    "pandas",
    "numpy",
    "scipy",
    "pyarrow",
    "pandera",
    "matplotlib",
    "python-calamine",
    "openpyxl",
    "jupytext",
    "nbclient",
    "pypandoc-binary",
)


def load(project_dir: str | Path, results_dir: str | Path, config_used: str | Path) -> ReportData:
    """Read the run's configuration and every results table the report uses.

    ``results_dir`` and ``config_used`` are relative to ``project_dir``; so are the paths inside the
    configuration (the workbook, the instrument registry).
    """
    project = Path(project_dir)
    root = project / results_dir
    config = yaml.safe_load((project / config_used).read_text(encoding="utf-8"))
    tables = {name: read_table(root / rel) for name, rel in TABLE_FILES.items()}
    return ReportData(config=config, tables=tables, project_dir=project)


def software_versions() -> pd.DataFrame:
    rows = [("Python", platform.python_version())]
    rows += [(name, metadata.version(name)) for name in SOFTWARE]
    return pd.DataFrame(rows, columns=["Software", "Version"])


def input_checksums(data: ReportData) -> pd.DataFrame:
    """Size and SHA-256 of every input file of the run, computed by the clean stage from the bytes it parsed
    (``clean/input_files.parquet``; paths as configured, relative to the project)."""
    files = data["input_files"]
    return pd.DataFrame({"File": files["file"], "Bytes": files["bytes"], "SHA-256": files["sha256"]})


def config_text(config: dict[str, Any]) -> str:
    """The configuration as YAML, for the appendix."""
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100)


def write_config(config: dict[str, Any], path: str | Path) -> None:
    """Write the configuration the run used, as YAML (keys in the schema's order, deterministic; atomically, with
    ordinary permissions)."""
    write_bytes_atomic({path: config_text(config).encode("utf-8")})
