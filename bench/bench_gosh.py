"""Throughput of GOSH (``qolreview.meta.gosh``): the model fitted to all 65,535 subsets of 16 studies.

16 simulated studies (seeded) are analysed with REML and with DL (metafor's closed-form path), each
timed as the median of several runs. Baselines measured in the same run:

- the same subsets fitted one by one with this package's scalar ``random_effects`` (no tau² CI, as
  GOSH computes none), timed on 500 subsets drawn at random and extrapolated to all 65,535;
- when ``Rscript`` and metafor are installed, metafor's ``gosh()`` (REML, all 4,095 subsets of the first
  12 of the studies, ``control = list(threshold = 1e-12, maxiter = 1000)`` as here), timed inside R
  (``proc.time()`` around the ``gosh()`` call, one run), compared in fits per second with
  ``gosh`` on the same 12 studies.

REML Fisher scoring (in metafor and here alike) oscillates without converging for some subsets at
threshold = 1e-12: ``gosh`` reports them as failed fits (NaN) after ``maxiter`` iterations, the scalar
loop catches the error; their count is printed.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from qolreview.meta import ConvergenceError, random_effects
from qolreview.meta.gosh import gosh

K = 16
K_R = 12
N_LOOP = 500
SEED = 20250102
REPEATS = {"REML": 5, "DL": 9}
R_TIMEOUT_S = 900

R_SCRIPT = r"""
suppressPackageStartupMessages(library(metafor))
a <- commandArgs(trailingOnly = TRUE)
yi <- as.numeric(strsplit(a[1], ",")[[1]]); vi <- as.numeric(strsplit(a[2], ",")[[1]])
fit <- rma(yi, vi, method = "REML", control = list(threshold = 1e-12, maxiter = 1000))
start <- proc.time()[["elapsed"]]
g <- gosh(fit, subsets = 2^length(yi), progbar = FALSE)
elapsed <- proc.time()[["elapsed"]] - start
cat(sprintf("%.6f %d %d %s\n", elapsed, nrow(g$res), sum(!g$fit), as.character(packageVersion("metafor"))))
"""


def simulate(k: int = K, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """k studies with vi ~ U(0.01, 0.3) and yi ~ N(0.2, vi + 0.1)."""
    rng = np.random.default_rng(seed)
    vi = rng.uniform(0.01, 0.3, size=k)
    yi = rng.normal(0.2, np.sqrt(vi + 0.1))
    return yi, vi


def _median_time(repeats: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _scalar_loop(yi: np.ndarray, vi: np.ndarray, subsets: list[np.ndarray], method: str) -> int:
    """Fit each subset with random_effects; returns the number of failed fits."""
    failed = 0
    for sel in subsets:
        if sel.size == 1:
            continue  # gosh reports a lone study as itself; random_effects would too
        try:
            random_effects(yi[sel], vi[sel], method=method, tau2_ci=False)
        except ConvergenceError:
            failed += 1
    return failed


def _metafor_gosh(yi: np.ndarray, vi: np.ndarray) -> tuple[float, int, int, str] | str:
    """(seconds, subsets, failed fits, metafor version) of metafor's gosh(), or why it was skipped."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return "Rscript not found"
    args = [",".join(f"{x:.17g}" for x in values) for values in (yi, vi)]
    try:
        done = subprocess.run(
            [rscript, "-e", R_SCRIPT, *args], capture_output=True, text=True, timeout=R_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        return f"metafor's gosh() took more than {R_TIMEOUT_S} s"
    if done.returncode != 0:
        return "R or metafor failed: " + (done.stderr.strip().splitlines() or ["(no message)"])[-1]
    seconds, n, failed, version = done.stdout.split()
    return float(seconds), int(n), int(failed), version


def main() -> None:
    """Time gosh (REML, DL) against the scalar loop and metafor; print fits per second and ratios."""
    yi, vi = simulate()
    n_all = 2**K - 1
    rng = np.random.default_rng(SEED)
    masks = rng.choice(n_all, size=N_LOOP, replace=False) + 1
    subsets = [np.flatnonzero((int(m) >> np.arange(K)) & 1) for m in masks]
    print(
        f"GOSH of {K} simulated studies ({n_all} subsets); median of {REPEATS['REML']} (REML) / {REPEATS['DL']} (DL) "
        f"runs; scalar loop timed once on {N_LOOP} random subsets and extrapolated; OPENBLAS_CORETYPE="
        f"{os.environ.get('OPENBLAS_CORETYPE', '(not set)')}, {os.cpu_count()} CPUs"
    )
    print(f"{'approach':<52} {'fits':>6} {'seconds':>9} {'est. all s':>10} {'fits/s':>10} {'gosh x':>7}")
    rates: dict[str, float] = {}
    for method in ("REML", "DL"):
        result: pd.DataFrame = gosh(yi, vi, method=method)  # warm-up
        gosh_s = _median_time(REPEATS[method], lambda m=method: gosh(yi, vi, method=m))
        start = time.perf_counter()
        loop_failed = _scalar_loop(yi, vi, subsets, method)
        loop_s = time.perf_counter() - start
        rate = n_all / gosh_s
        rates[method] = rate
        loop_rate = N_LOOP / loop_s
        print(f"{'gosh ' + method:<52} {n_all:>6} {gosh_s:>9.3f} {gosh_s:>10.2f} {rate:>10.0f} {1.0:>7.1f}")
        print(
            f"{'random_effects scalar loop ' + method:<52} {N_LOOP:>6} {loop_s:>9.3f} "
            f"{n_all / loop_rate:>10.2f} {loop_rate:>10.0f} {rate / loop_rate:>7.1f}"
        )
        failed = int(result["tau2"].isna().sum())
        if failed or loop_failed:
            print(
                f"  {method}: {failed} of {n_all} subsets failed to converge in gosh; "
                f"{loop_failed} of {N_LOOP} in the scalar loop"
            )

    y12, v12 = yi[:K_R], vi[:K_R]
    n_r = 2**K_R - 1
    gosh12_s = _median_time(REPEATS["REML"], lambda: gosh(y12, v12, method="REML"))
    ours12 = n_r / gosh12_s
    print(f"{f'gosh REML, {K_R} studies':<52} {n_r:>6} {gosh12_s:>9.3f} {gosh12_s:>10.2f} {ours12:>10.0f} {1.0:>7.1f}")
    metafor = _metafor_gosh(y12, v12)
    if isinstance(metafor, str):
        print(f"metafor gosh() skipped: {metafor}")
        return
    r_s, r_n, r_failed, version = metafor
    r_rate = r_n / r_s
    print(
        f"{f'metafor {version} gosh() REML, {K_R} studies (1 run)':<52} {r_n:>6} {r_s:>9.3f} {r_s:>10.2f} "
        f"{r_rate:>10.0f} {ours12 / r_rate:>7.1f}"
    )
    print(
        f"  metafor: {r_failed} of {r_n} fits failed; gosh REML on {K} studies runs at "
        f"{rates['REML'] / r_rate:.0f}x metafor's fits/s on {K_R} studies"
    )


if __name__ == "__main__":
    main()
