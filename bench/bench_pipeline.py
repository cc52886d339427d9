"""Whole-pipeline timings on the embedded default: cold run, no-op rerun, rerun after one cell edit.

Runs in a temporary copy of the project so the working tree's results are untouched. Reports wall
time of each run and, for the edit, which rules ran.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("Snakefile", "workflow", "config", "raw", "report")
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--cores", "2"]


def _run(workdir: Path) -> tuple[float, list[str]]:
    start = time.perf_counter()
    done = subprocess.run(SNAKEMAKE, cwd=workdir, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    rules = sorted(set(re.findall(r"^(?:local)?rule (\w+):", done.stderr + done.stdout, flags=re.MULTILINE)))
    return elapsed, [r for r in rules if r != "all"]


def _report_seconds(workdir: Path) -> str:
    """The report rule's own render time, from its log."""
    log = (workdir / "results" / "logs" / "report.log").read_text(encoding="utf-8")
    found = re.findall(r"renderer in ([0-9.]+) s", log)
    return found[-1] if found else "?"


def _edit_one_outcome_cell(workbook: Path) -> str:
    """Change the first numeric change_mean of the outcomes sheet by +0.1; returns the cell address."""
    book = openpyxl.load_workbook(workbook)
    sheet = book["outcomes"]
    header = [c.value for c in sheet[1]]
    column = header.index("change_mean") + 1
    for row in range(2, sheet.max_row + 1):
        cell = sheet.cell(row=row, column=column)
        if isinstance(cell.value, (int, float)):
            cell.value = cell.value + 0.1
            book.save(workbook)
            return f"outcomes!{cell.coordinate}"
    raise RuntimeError("no numeric change_mean cell to edit")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in COPIED:
            source = ROOT / name
            (shutil.copytree if source.is_dir() else shutil.copy2)(source, work / name)
        cold, cold_rules = _run(work)
        report = _report_seconds(work)
        noop, noop_rules = _run(work)
        cell = _edit_one_outcome_cell(work / "raw" / "extraction.xlsx")
        edited, edited_rules = _run(work)
    print("whole pipeline on the embedded default (2 cores)")
    print(f"  cold run        {cold:7.2f} s  ({len(cold_rules)} rules: {', '.join(cold_rules)})")
    print(f"  no-op rerun     {noop:7.2f} s  (rules run: {', '.join(noop_rules) or 'none'})")
    print(f"  after editing {cell}: {edited:7.2f} s  (rules run: {', '.join(edited_rules)})")
    print(f"  report rule (rendering) in the cold run: {report} s")
    print(f"  no-op / cold ratio: {noop / cold:.3f}")


if __name__ == "__main__":
    main()
