"""Wall time of a chapter-02 smoke sweep of 8 grid points on a local Dask cluster of 1 worker against 2 workers.

``genomenb sweep --workers N`` (:mod:`genomenb.parallel`) runs every grid point
as one task of a local :mod:`dask.distributed` cluster, one process and one
thread per worker, each point executing the notebook in its own papermill
kernel. This script times the same 8-point sweep of
``02_genome_language_models`` (smoke profile; grid ``cell`` x
``learning_rate`` x ``seq_len``) twice, with ``--workers 1`` and with
``--workers 2``, each from an empty output folder (nothing cached), the cluster
start-up included, and reports the ratio of the wall times (1 worker / 2
workers). On a two-core machine the two kernels share the cores with the
TensorFlow thread pools inside them, so the ratio measures what a second
worker buys there, not an ideal 2x. The runs alternate (``--repeats`` times
each, fastest kept); the sweeps' tables are compared too, since both must hold
the same numbers. Results go to ``benchmarks/results/sweep_workers.json``.

Run from the repository root::

    .venv/bin/python benchmarks/bench_sweep_workers.py [--repeats 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _common import machine_info, print_table, write_results  # noqa: E402

NOTEBOOK = "02_genome_language_models"
GRID = {"cell": "gru,lstm", "learning_rate": "0.002,0.004", "seq_len": "20,30"}
TIMING = ("seconds", "per_second")


def sweep(workers: int, output: Path) -> float:
    """Run the sweep from scratch with ``workers`` workers; its wall time in seconds."""
    shutil.rmtree(output, ignore_errors=True)
    cmd = [sys.executable, "-m", "genomenb.cli", "sweep", NOTEBOOK, "--profile", "smoke", "--output", str(output),
           "--workers", str(workers), "--quiet"]
    for name, values in GRID.items():
        cmd += ["--grid", f"{name}={values}"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"sweep with {workers} worker(s) failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return seconds


def same_values(a: Path, b: Path) -> bool:
    """Whether two sweep tables hold the same numbers (timing columns aside)."""
    import numpy as np
    import pandas as pd

    ta, tb = (pd.read_csv(p / "sweep.csv").set_index("point").sort_index() for p in (a, b))
    cols = [c for c in ta.columns if not c.endswith(TIMING) and pd.api.types.is_numeric_dtype(ta[c])]
    return ta.index.equals(tb.index) and bool(np.allclose(ta[cols], tb[cols], rtol=1e-6, equal_nan=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    points = 1
    for values in GRID.values():
        points *= len(values.split(","))
    work = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    best: dict[int, float] = {}
    for _ in range(args.repeats):
        for workers in (1, 2):
            seconds = sweep(workers, work / f"workers{workers}")
            best[workers] = min(best.get(workers, seconds), seconds)
            print(f"{workers} worker(s): {seconds:.1f} s", flush=True)
    agree = same_values(work / "workers1", work / "workers2")
    shutil.rmtree(work, ignore_errors=True)
    result = {
        "notebook": NOTEBOOK, "profile": "smoke", "grid": GRID, "points": points, "repeats": args.repeats,
        "one_worker_seconds": round(best[1], 2), "two_workers_seconds": round(best[2], 2),
        "ratio_one_over_two": round(best[1] / best[2], 3), "same_values": agree, "machine": machine_info(),
    }
    write_results("sweep_workers", result)
    print_table([[f"{points}-point smoke sweep of {NOTEBOOK}", f"{best[1]:.0f} s", f"{best[2]:.0f} s",
                  f"{best[1] / best[2]:.2f}x"]], ["sweep", "1 worker", "2 workers", "ratio"])
    if not agree:
        raise SystemExit("the two sweeps disagree: see their sweep.csv")


if __name__ == "__main__":
    main()
