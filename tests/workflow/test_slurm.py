"""The pipeline on a SLURM cluster through ``profiles/slurm`` (docs/cluster.md): every rule job an sbatch job.

Needs a cluster that answers ``sinfo`` on this machine and shares its file system with the compute nodes; CI
starts a one-node cluster with ``.ci/slurm/start``. Elsewhere the test skips, unless
``QOLREVIEW_REQUIRE_SLURM`` is set (``.ci/run`` sets it once the cluster is up): then a missing or silent
cluster fails it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from compare_results import compare
from conftest import ROOT, SNAKEMAKE, PipelineRun, copy_project

#: Node states in which a node takes jobs (``sinfo --format=%T``; a trailing ``*`` means not responding).
USABLE_STATES = re.compile(r"^(idle|mixed|allocated|completing)$")
#: The plugin checks job states 40 s after a submission by default (20 s in the profile); the test's jobs take
#: seconds, so it checks sooner.
STATUS_CHECK_SECONDS = "3"


def _cluster_problem() -> str | None:
    """Why no SLURM job can run here, or None when the cluster answers and has a node taking jobs."""
    if shutil.which("sinfo") is None:
        return "no SLURM here: sinfo is not on the PATH (.ci/slurm/start starts a one-node cluster)"
    try:
        done = subprocess.run(
            ["sinfo", "--noheader", "--format=%T"], capture_output=True, text=True, timeout=30, check=False
        )
    except subprocess.TimeoutExpired:
        return "the SLURM cluster does not answer: sinfo timed out"
    if done.returncode != 0:
        return f"the SLURM cluster does not answer: sinfo exited {done.returncode}: {done.stderr.strip()}"
    states = done.stdout.split()
    if not any(USABLE_STATES.match(state) for state in states):
        return f"no SLURM node takes jobs (node states: {', '.join(states) or 'none'})"
    return None


def test_every_rule_declares_threads_memory_and_runtime() -> None:
    """What sbatch is asked for (docs/cluster.md): every rule's threads, mem_mb and runtime (minutes)."""
    for rules in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        text = rules.read_text(encoding="utf-8")
        for name, body in re.findall(r"^rule (\w+):\n((?:(?:    .*)?\n)*)", text, re.M):
            threads = re.search(r"^    threads: (\d+)$", body, re.M)
            resources = re.search(r"^    resources:\n((?:        .*\n)+)", body, re.M)
            assert threads and int(threads.group(1)) >= 1, f"{rules.name}: rule {name} declares no threads"
            assert resources, f"{rules.name}: rule {name} declares no resources"
            declared = dict(re.findall(r"^        (\w+)=(\d+),$", resources.group(1), re.M))
            assert {"mem_mb", "runtime"} <= set(declared), f"{rules.name}: rule {name} resources: {declared}"
            assert 500 <= int(declared["mem_mb"]) <= 16000 and 1 <= int(declared["runtime"]) <= 240, (rules.name, name)


def _slurm_logs(project: Path) -> str:
    """The end of each SLURM job log kept (the plugin keeps those of failed jobs)."""
    logs = sorted((project / ".snakemake" / "slurm_logs").rglob("*.log"))
    return "\n".join(f"--- {log.relative_to(project)}\n{log.read_text(errors='replace')[-1500:]}" for log in logs)


@pytest.mark.e2e
def test_slurm_profile_gives_the_local_results(pipeline: Callable[[str], PipelineRun], tmp_path: Path) -> None:
    problem = _cluster_problem()
    if problem is not None:
        if os.environ.get("QOLREVIEW_REQUIRE_SLURM"):
            pytest.fail(f"QOLREVIEW_REQUIRE_SLURM is set but {problem}")
        pytest.skip(problem)
    local = pipeline("synthetic")
    project = copy_project(tmp_path / "slurm")
    shutil.copytree(ROOT / "profiles", project / "profiles")
    done = subprocess.run(
        [
            str(SNAKEMAKE),
            "--profile",
            "profiles/slurm",
            *local.args,
            "--slurm-init-seconds-before-status-checks",
            STATUS_CHECK_SECONDS,
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-5000:] + "\n" + _slurm_logs(project)
    # Every rule job went through sbatch (only the target rule `all` runs here), and squeue answered.
    rule_jobs = re.findall(r"^rule (\w+):", output, re.M)
    submitted = re.findall(r"has been submitted with SLURM jobid \d+", output)
    assert len(rule_jobs) >= 20 and len(submitted) == len(rule_jobs), output[-3000:]
    assert "Falling back to 'sacct'" not in output
    result = compare(local.results, project / "results")
    assert (result.different, result.only_left, result.only_right) == ([], [], [])
    assert result.identical
