"""How the whole pipeline's cost grows with the review: synthetic reviews of 10, 100 and 1,000 studies.

Each review is generated (seeded) with two arms per study, QoL outcomes on four subscales (four domains) at
four timepoints (three windows), one contrast per study, risk-of-bias judgements with three tools and PRISMA
counts, so every stage and most figures have work. It runs cold in a temporary copy of the project (2 cores, or
``--cores=N``), then once more to time the no-op rerun, beside its baseline measured first: the no-op rerun of a
one-rule workflow, which is Snakemake's own start-up. The cold run's CPU time (Snakemake and its jobs, user
plus system) is printed beside its wall time: it varies less on a busy machine. Per rule: its jobs (a split
rule has several), their summed time and largest peak memory as each job logs them
(``qolreview.workflow.usage_line``). Printed: a table per size with the work done (pooled analyses, figures),
the report's size, and time(1,000) / time(100). Sizes: ``python -m bench.bench_scale 10 100`` (default 10, 100
and 1,000).
"""

from __future__ import annotations

import datetime as dt
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from bench.bench_clean import write_sheets
from qolreview.review_identity import OWN_IDENTITY

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("Snakefile", "workflow", "config", "report")
SIZES = (10, 100, 1_000)
SEED = 20261201
SUBSCALES = ("physical health", "psychological", "social relationships", "environment")
TIMEPOINTS = ("baseline", "week 1", "week 4", "week 12", "week 26")
ROB = (("RoB2", ("Low", "Some concerns", "High")), ("ROBINS-I", ("Low", "Moderate", "Serious")))
USAGE = re.compile(r"rule finished in ([0-9.]+) s, peak memory ([0-9]+) MB")
PART = re.compile(r"-[0-9]+$")


def _study(s: int, rng: np.random.Generator) -> dict[str, list[dict[str, object]]]:
    """The rows of one synthetic two-arm study."""
    sid = f"s{s:04d}"
    design, (tool, judgements) = ("rct", ROB[0]) if s % 3 else ("nrsi", ROB[1])
    study = {
        "study_id": sid,
        "citation": f"Author {s} {2000 + s % 25}",
        "doi": f"10.1000/{s}",
        "design": design,
        "country": "Country",
        "population": ("MDD", "TRD")[s % 2],
        "n_total": 100,
        "age_mean": 45.0,
        "female_pct": 55.0,
        "follow_up_weeks": 26.0,
        "funding": ("industry", "non_industry")[s % 2],
        "rob_tool": tool,
        "inclusion_status": "confirmed",
        "notes": "-",
        "label": f"Study {s} {2000 + s % 25}",
        "year": 2000 + s % 25,
        "source_id": "src1",
    }
    arms, outcomes = [], []
    for arm, role, drug, shift in (("a", "intervention", "ketamine", 4.0), ("c", "comparator", "placebo", 0.0)):
        arms.append(
            {
                "study_id": sid,
                "arm_id": arm,
                "label": drug,
                "role": role,
                "drug": drug,
                "route": "IV",
                "dose": "-",
                "schedule": "-",
                "n_arm": 50,
                "source_id": "src1",
            }
        )
        for i, timepoint in enumerate(TIMEPOINTS):
            for subscale in SUBSCALES:
                mean = 50.0 + (shift * i / len(TIMEPOINTS) if i else 0.0) + float(rng.normal(0, 3))
                outcomes.append(
                    {
                        "study_id": sid,
                        "arm_id": arm,
                        "instrument": "WHOQOL-BREF",
                        "subscale": subscale,
                        "timepoint": timepoint,
                        "n": 50,
                        "mean": round(mean, 2),
                        "sd": round(float(rng.uniform(12, 18)), 2),
                        "source_id": "src1",
                        "evidence_status": "seen",
                    }
                )
    contrast = {
        "study_id": sid,
        "arm_id": "a",
        "comparator_arm_id": "c",
        "instrument": "WHOQOL-BREF",
        "subscale": "overall QoL item",
        "timepoint": "week 4",
        "statistic": "md",
        "estimate": round(float(rng.normal(0.3, 0.2)), 3),
        "ci_low": None,
        "ci_high": None,
        "source_id": "src1",
    }
    contrast["ci_low"] = round(contrast["estimate"] - 0.4, 3)
    contrast["ci_high"] = round(contrast["estimate"] + 0.4, 3)
    rob = {
        "study_id": sid,
        "tool": tool,
        "domain": "overall",
        "judgement": judgements[s % 3],
        "support": "-",
        "source_id": "src1",
    }
    return {"studies": [study], "arms": arms, "outcomes": outcomes, "contrasts": [contrast], "risk_of_bias": [rob]}


def build_review(path: Path, n_studies: int) -> None:
    """Write the synthetic review's workbook of ``n_studies`` studies."""
    rng = np.random.default_rng(SEED)
    sheets: dict[str, list[dict[str, object]]] = {"studies": [], "arms": [], "outcomes": [], "contrasts": []}
    sheets["risk_of_bias"] = []
    for s in range(n_studies):
        for name, rows in _study(s, rng).items():
            sheets[name] += rows
    sheets["prisma"] = [
        {"box": "database_results", "n": 20 * n_studies, "source_id": "src1"},
        {"box": "records_screened", "n": 15 * n_studies, "source_id": "src1"},
        {"box": "total_studies", "n": n_studies, "source_id": "src1"},
    ]
    sheets["sources"] = [
        {"source_id": "src1", "citation": "Simulated", "url": "-", "quote": "-", "accessed": dt.date(2026, 1, 1)}
    ]
    write_sheets(path, sheets)


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children: Snakemake and every job it ran."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(project: Path, cores: int, *options: str) -> tuple[float, float]:
    """Wall and CPU seconds of one ``snakemake`` run (the CPU time is steadier on a busy machine)."""
    start, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", str(cores), *options],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"snakemake failed in {project}:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start, _children_cpu() - cpu


def _rule_usage(project: Path) -> dict[str, tuple[int, float, int]]:
    """Each rule's jobs (the parts of a split rule, ``<rule>-<part>.log``), their summed logged time and their
    largest peak memory."""
    usage: dict[str, tuple[int, float, int]] = {}
    for log in sorted((project / "results" / "logs").glob("*.log")):
        found = USAGE.findall(log.read_text(encoding="utf-8"))
        if found:
            rule = PART.sub("", log.stem)
            jobs, seconds, peak = usage.get(rule, (0, 0.0, 0))
            usage[rule] = (jobs + 1, seconds + float(found[-1][0]), max(peak, int(found[-1][1])))
    return usage


def measure(n_studies: int, workdir: Path, cores: int = 2) -> dict[str, object]:
    """Cold run on ``cores`` cores, per-rule usage, the work (pooled analyses, figure files), report size and no-op
    rerun of a review of ``n_studies`` studies."""
    project = workdir / f"scale-{n_studies}"
    project.mkdir()
    for name in COPIED:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, project / name)
    build_review(project / "scale.xlsx", n_studies)
    review = {key: f"synthetic {key}" for key in OWN_IDENTITY} | {"title": f"Synthetic review of {n_studies} studies"}
    config = {"review": review, "extraction": "scale.xlsx"}
    (project / "scale.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    cold, cold_cpu = _run(project, cores, "--configfile", "scale.yaml")
    results = project / "results"
    meta = pd.read_parquet(results / "synthesis" / "meta_analyses.parquet", columns=["pooled"])
    svgs = list((results / "figures").rglob("*.svg"))
    return {
        "studies": n_studies,
        "cores": cores,
        "cold": cold,
        "cold_cpu": cold_cpu,
        "rules": _rule_usage(project),
        "pooled": int(meta["pooled"].sum()),
        "figures": len(svgs),
        "figures_mb": sum(svg.stat().st_size for svg in svgs) / 1e6,
        "report_mb": (results / "report" / "review.html").stat().st_size / 1e6,
        "noop": _run(project, cores, "--configfile", "scale.yaml")[0],
    }


def snakemake_noop(workdir: Path) -> float:
    """The baseline of a no-op rerun: Snakemake's own start-up, the no-op rerun of a one-rule workflow."""
    project = workdir / "one-rule"
    project.mkdir()
    rule = 'rule done:\n    output: "done"\n    shell: "touch {output}"\n'
    (project / "Snakefile").write_text(rule, encoding="utf-8")
    _run(project, 1)
    return _run(project, 1)[0]


def _print(result: dict[str, object]) -> None:
    print(
        f"{result['studies']:,} studies ({result['pooled']} pooled analyses, {result['figures']} figures, "
        f"{result['figures_mb']:.1f} MB of SVG), {result['cores']} cores: cold {result['cold']:.1f} s "
        f"({result['cold_cpu']:.1f} s of CPU), "
        f"no-op rerun {result['noop']:.1f} s, report {result['report_mb']:.1f} MB"
    )
    rules = result["rules"]
    assert isinstance(rules, dict)
    print(f"  {'rule':<24} {'jobs':>4} {'time (s, summed)':>17} {'peak (MB)':>10}")
    for rule, (jobs, seconds, peak) in sorted(rules.items(), key=lambda item: -item[1][1]):
        print(f"  {rule:<24} {jobs:4d} {seconds:17.2f} {peak:10d}")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    cores = next((int(a.split("=", 1)[1]) for a in args if a.startswith("--cores=")), 2)
    sizes = [int(a) for a in args if not a.startswith("--")] or list(SIZES)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        print(f"Snakemake's own start-up (no-op rerun of a one-rule workflow): {snakemake_noop(Path(tmp)):.1f} s")
        for n in sizes:
            results[n] = measure(n, Path(tmp), cores)
            _print(results[n])
    if 100 in results and 1_000 in results:
        ratio = results[1_000]["cold"] / results[100]["cold"]
        print(f"time(1,000) / time(100) = {ratio:.1f} (target at most 12)")


if __name__ == "__main__":
    main()
