"""Speed and peak memory of the clean stage on a large generated workbook.

The workbook has 1,000 studies x 20 outcome rows (2 arms per study, 10 rows per arm: 20,000 outcome
rows) plus arms, contrasts, risk of bias, PRISMA and sources. Reading + normalising + validating is
timed best of 3 in this process; peak memory (``ru_maxrss``) is measured in a fresh subprocess for
the clean stage and for the baseline, ``pandas.read_excel(engine="openpyxl")`` of every sheet, which
only reads the file. Target: under 5 s.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import openpyxl
import yaml

from qolreview.clean.normalize import load_synonyms
from qolreview.clean.stage import clean_workbook
from qolreview.instruments import load_registry
from qolreview.workbook.spec import SHEETS_BY_NAME

ROOT = Path(__file__).resolve().parents[1]
N_STUDIES = 1_000
ROWS_PER_ARM = 10
TARGET_SECONDS = 5.0
SEED = 20250101
SUBSCALES = ("physical health", "psychological", "social relationships", "environment")
TIMEPOINTS = ("baseline", "week 4", "week 8", "week 16", "9 months")


def _rows(rng: np.random.Generator) -> dict[str, list[dict[str, object]]]:
    studies, arms, outcomes, contrasts, rob = [], [], [], [], []
    for s in range(N_STUDIES):
        sid = f"study{s:04d}"
        studies.append(
            {
                "study_id": sid,
                "citation": f"Author {s} 2024",
                "doi": f"10.1000/{s}",
                "design": "rct",
                "country": "Australia",
                "population": "TRD",
                "n_total": 100,
                "age_mean": 45.0,
                "female_pct": 60.0,
                "follow_up_weeks": 39.0,
                "funding": "industry",
                "rob_tool": "RoB2",
                "inclusion_status": "confirmed",
                "source_id": "src1",
            }
        )
        for arm, drug in (("esk", "esketamine"), ("pbo", "placebo")):
            arms.append(
                {
                    "study_id": sid,
                    "arm_id": arm,
                    "label": drug,
                    "role": "intervention" if arm == "esk" else "comparator",
                    "drug": drug,
                    "route": "IN",
                    "dose": "56 mg",
                    "schedule": "weekly",
                    "n_arm": 50,
                    "source_id": "src1",
                }
            )
            for i in range(ROWS_PER_ARM):
                mean = float(np.round(rng.uniform(40, 70), 2))
                outcomes.append(
                    {
                        "study_id": sid,
                        "arm_id": arm,
                        "instrument": "WHOQOL-BREF",
                        "subscale": SUBSCALES[i % 4],
                        "timepoint": TIMEPOINTS[i // 2],
                        "n": 50,
                        "mean": mean,
                        "sd": float(np.round(rng.uniform(8, 20), 2)),
                        "ci_low": mean - 3,
                        "ci_high": mean + 3,
                        "source_id": "src1",
                        "evidence_status": "seen",
                    }
                )
        contrasts.append(
            {
                "study_id": sid,
                "arm_id": "esk",
                "comparator_arm_id": "pbo",
                "instrument": "WHOQOL-BREF",
                "subscale": "physical health",
                "timepoint": "week 16",
                "statistic": "md",
                "estimate": 2.0,
                "ci_low": 0.5,
                "ci_high": 3.5,
                "source_id": "src1",
            }
        )
        rob.append(
            {
                "study_id": sid,
                "tool": "RoB2",
                "domain": "overall",
                "judgement": "Low",
                "support": "-",
                "source_id": "src1",
            }
        )
    return {
        "studies": studies,
        "arms": arms,
        "outcomes": outcomes,
        "contrasts": contrasts,
        "risk_of_bias": rob,
        "prisma": [{"box": "total_studies", "n": N_STUDIES, "source_id": "src1"}],
        "sources": [
            {"source_id": "src1", "citation": "Simulated", "url": "-", "quote": "-", "accessed": dt.date(2025, 1, 1)}
        ],
    }


def write_sheets(path: Path, sheets: dict[str, list[dict[str, object]]]) -> int:
    """Write ``{sheet: rows}`` as an extraction workbook (every contract column, in order); returns the number
    of data rows."""
    book = openpyxl.Workbook(write_only=True)
    total = 0
    for sheet, rows in sheets.items():
        ws = book.create_sheet(sheet)
        header = SHEETS_BY_NAME[sheet].column_names
        ws.append(list(header))
        for row in rows:
            ws.append([row.get(c) for c in header])
        total += len(rows)
    book.save(path)
    return total


def build(path: Path) -> int:
    """Write the benchmark workbook; returns its number of data rows."""
    return write_sheets(path, _rows(np.random.default_rng(SEED)))


def _clean(path: Path) -> None:
    settings = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["clean"]
    clean_workbook(
        path,
        load_registry(ROOT / "config" / "instruments.yaml"),
        load_synonyms([ROOT / "config" / "synonyms.yaml", ROOT / "config" / "default_review_synonyms.yaml"]),
        settings,
    )


_PEAK = """
import resource, sys
from pathlib import Path
sys.path.insert(0, {root!r})
if {baseline}:
    import pandas as pd
    pd.read_excel({path!r}, sheet_name=None, engine="openpyxl")
else:
    from bench.bench_clean import _clean
    _clean(Path({path!r}))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def _peak_mb(path: Path, baseline: bool) -> float:
    code = _PEAK.format(root=str(ROOT), path=str(path), baseline=baseline)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def _best_of(repeats: int, run) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.xlsx"
        rows = build(path)
        import pandas as pd

        seconds = _best_of(3, lambda: _clean(path))
        baseline = _best_of(3, lambda: pd.read_excel(path, sheet_name=None, engine="openpyxl"))
        print(f"workbook: {rows:,} data rows, {path.stat().st_size / 1e6:.1f} MB")
        print(
            f"clean (read + normalise + validate): {seconds:.2f} s best of 3, {rows / seconds:,.0f} rows/s, "
            f"peak {_peak_mb(path, False):.0f} MB; target < {TARGET_SECONDS:g} s: "
            f"{'met' if seconds < TARGET_SECONDS else 'NOT met'}"
        )
        print(
            f"baseline pandas.read_excel(openpyxl), reading only: {baseline:.2f} s, {rows / baseline:,.0f} rows/s, "
            f"peak {_peak_mb(path, True):.0f} MB"
        )


if __name__ == "__main__":
    main()
