"""Shared helpers for the scripts in ``benchmarks/``: timing, machine info, results.

Every benchmark times genomenb against the tool a reader would otherwise use,
in the same process and on the same input, and writes
``benchmarks/results/<name>.json`` so the book's tables are built from files,
never typed by hand.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def best_of(func: Callable[[], Any], repeats: int = 3, warmup: int = 0) -> tuple[float, Any]:
    """Run ``func`` several times and return the fastest wall time and its last result.

    The minimum is the least noisy estimate on a shared machine: other work
    can only make a run slower, never faster.

    Parameters
    ----------
    func : callable
        Zero-argument function to time.
    repeats : int, default 3
        Timed runs (``>= 1``).
    warmup : int, default 0
        Untimed runs first (imports, caches, allocator warm-up).

    Returns
    -------
    seconds : float
        Best wall-clock time measured with :func:`time.perf_counter`.
    result : object
        What ``func`` returned on the last timed run.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    for _ in range(warmup):
        func()
    best = math.inf
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def interleaved_best(runs: dict, repeats: int) -> tuple[dict, dict]:
    """Time every run ``repeats`` times, taking turns (an untimed run of each first), and keep each one's fastest.

    Taking turns spreads the load of a shared machine over all the tools
    instead of penalising whichever happens to run while it peaks. Returns
    the best seconds and the last result of each run, by name.
    """
    seconds, results = {}, {}
    for run in runs.values():
        best_of(run, repeats=1)  # compilation, thread pools, allocator
    for _ in range(repeats):
        for name, run in runs.items():
            s, results[name] = best_of(run, repeats=1)
            seconds[name] = min(seconds.get(name, s), s)
    return seconds, results


def machine_info() -> dict[str, Any]:
    """CPU count, platform, Python and key library versions of this run."""
    import numpy as np

    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
    }
    try:
        import sklearn

        info["scikit_learn"] = sklearn.__version__
    except ImportError:
        pass
    try:
        import genomenb

        info["genomenb"] = genomenb.__version__
    except ImportError:
        pass
    if hasattr(os, "getloadavg"):
        info["load_average_1min"] = round(os.getloadavg()[0], 2)  # busy machines time slower
    return info


def write_results(name: str, results: dict[str, Any]) -> Path:
    """Write ``results`` plus machine info and a UTC timestamp to ``results/<name>.json``.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    payload = dict(results)
    payload.setdefault("machine", machine_info())
    payload.setdefault("timestamp", _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def print_table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> None:
    """Print rows as a plain aligned text table (floats with 4 significant digits)."""

    def fmt(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    cells = [[fmt(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    line = "  ".join(str(h).ljust(w) for h, w in zip(header, widths))
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
