"""The human-readable validation report of the clean stage (``validation_report.md``)."""

from __future__ import annotations

import re
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
    lines += _formula_lines(log)
    lines += ["", f"## Cleaning log ({len(log)} rows)", ""]
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


def _code(text: str) -> str:
    """``text`` as a Markdown code span, fenced by more backticks than it contains in a row (CommonMark 6.1)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}" if longest else f"`{text}`"


def _formula_lines(log: pd.DataFrame) -> list[str]:
    """Every cell whose value is a formula's cached result (rule ``formula`` of the cleaning log)."""
    rows = log[log["rule"] == "formula"]
    lines = ["", f"## Values from formulas ({len(rows)})", ""]
    if not len(rows):
        return [*lines, "None."]
    lines.append(
        "These values are the results Excel stored when the workbook was last saved; the formulas are not "
        "recomputed, so check that they are current."
    )
    lines.append("")
    for row in rows.itertuples(index=False):
        shown = "(empty)" if pd.isna(row.new_value) else _code(str(row.new_value))
        lines.append(f"- {row.file} › {row.sheet} › {row.cell} ({row.column}): {_code(str(row.old_value))} = {shown}")
    return lines
