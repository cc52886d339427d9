"""The human-readable validation report of the clean stage (``validation_report.md``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import pandas as pd

from qolreview.workbook.problems import Problem
from qolreview.workbook.spec import SHEETS


def validation_report(
    label: str,
    sha256: str,
    tables: Mapping[str, pd.DataFrame],
    present: Mapping[str, Sequence[str]],
    extra: Mapping[str, Sequence[str]],
    warnings: Sequence[Problem],
    log: pd.DataFrame,
) -> str:
    """Markdown: per-sheet counts, warnings, and a summary of the cleaning log (no timestamps)."""
    lines = [
        "# Validation report",
        "",
        f"Workbook: `{label}` (SHA-256 `{sha256}`). Validation passed: no errors.",
        "",
        "## Sheets",
        "",
        "| sheet | rows | contract columns present | contract columns absent | other columns (ignored) |",
        "|---|---:|---:|---|---|",
    ]
    for spec in SHEETS:
        if spec.name not in present:
            lines.append(f"| {spec.name} | 0 | 0 | optional sheet absent | |")
            continue
        absent = [c for c in spec.column_names if c not in present[spec.name]]
        lines.append(
            f"| {spec.name} | {len(tables[spec.name])} | {len(present[spec.name])} | "
            f"{', '.join(absent) or '-'} | {', '.join(extra.get(spec.name, ())) or '-'} |"
        )
    lines += ["", f"## Warnings ({len(warnings)})", ""]
    lines += [f"- {w}" for w in warnings] or ["None."]
    lines += ["", f"## Cleaning log ({len(log)} changed values)", ""]
    if len(log):
        counts: Counter[tuple[str, str]] = Counter()
        for sheet, rules in zip(log["sheet"], log["rule"], strict=True):
            for rule in str(rules).split(", "):
                counts[(sheet, rule)] += 1
        lines += ["| sheet | rule | values |", "|---|---|---:|"]
        lines += [f"| {sheet} | {rule} | {n} |" for (sheet, rule), n in sorted(counts.items())]
        lines += ["", "Every change is listed with its cell in `cleaning_log.parquet`."]
    else:
        lines.append("No value was changed.")
    return "\n".join(lines) + "\n"
