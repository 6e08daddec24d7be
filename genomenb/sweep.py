"""Parameter sweeps: one executed notebook per grid point, gathered into one table.

``genomenb sweep NOTEBOOK --profile P --grid NAME=v1,v2 --grid NAME2=...``
runs the notebook once for every combination of the grid values (through
:func:`genomenb.runner.run_notebook`, so names and types are checked against
the notebook's parameters cell before anything runs) into::

    results/<notebook>/<profile>/sweep/<point id>/<notebook>/<profile>/

then reads every point's ``metrics.json`` into
``results/<notebook>/<profile>/sweep/sweep.csv`` (one row per point: the grid
values and every metric) and draws ``sweep.png``. Points run with the
runner's cache, so rerunning an interrupted sweep skips the points already
done. :func:`gather_sweep` reads a sweep folder back from a notebook.

The points run one after another in this process, or at once on Dask
(``--workers N``: a local cluster; ``--scheduler ADDRESS``: a running one;
see :mod:`genomenb.parallel`). Either way a failing point is reported with its
cell and error after the others finished, and the table holds every point that
did finish.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

__all__ = ["parse_grid", "grid_points", "point_id", "sweep_dir", "run_sweep", "gather_sweep", "plot_sweep_file"]

MANIFEST = "sweep.json"


def parse_grid(specs: Sequence[str]) -> dict[str, list[str]]:
    """Parse ``NAME=v1,v2`` strings into an ordered ``{name: [values]}`` (values stay strings).

    Raises
    ------
    ValueError
        For a spec without ``=``, an empty name or value list, or a name given twice.
    """
    grid: dict[str, list[str]] = {}
    for spec in specs:
        name, sep, values = spec.partition("=")
        name = name.strip()
        items = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not name or not items:
            raise ValueError(f"grid entry {spec!r} must look like NAME=value1,value2")
        if name in grid:
            raise ValueError(f"grid name {name!r} is given twice")
        grid[name] = items
    if not grid:
        raise ValueError("the grid is empty; give at least one NAME=v1,v2")
    return grid


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid values, the last name varying fastest.

    Examples
    --------
    >>> grid_points({"cell": ["gru", "lstm"], "seq_len": [50, 100]})[1]
    {'cell': 'gru', 'seq_len': 100}
    """
    names = list(grid)
    return [dict(zip(names, combo)) for combo in itertools.product(*(list(grid[n]) for n in names))]


def point_id(point: Mapping[str, Any]) -> str:
    """A readable, file-system-safe folder name for a grid point, e.g. ``cell-gru_seq_len-50``."""
    parts = [f"{name}-{value}" for name, value in point.items()]
    return re.sub(r"[^A-Za-z0-9._=-]+", "_", "_".join(parts)) or "default"


def sweep_dir(notebook: str, profile: str, root: Path | None = None) -> Path:
    """``<project>/results/<notebook>/<profile>/sweep``."""
    from genomenb import runner

    root = root or runner.project_root()
    stem = runner.notebook_path(notebook, root).stem
    return root / "results" / stem / profile / "sweep"


def run_sweep(notebook: str, profile: str, grid: Mapping[str, Sequence[Any]], *,
              overrides: Mapping[str, Any] | None = None, output: str | Path | None = None,
              use_cache: bool = True, progress: bool = True, root: Path | None = None,
              metric: str | None = None, workers: int | None = None, scheduler: str | None = None) -> pd.DataFrame:
    """Execute ``notebook`` once per grid point and gather the results.

    Parameters
    ----------
    notebook : str
        Notebook name, e.g. ``02_genome_language_models``.
    profile : {"smoke", "book", "paper"}
        Profile every point starts from.
    grid : mapping of str to sequence
        Parameter name to the values to try (strings are converted to the
        declared type).
    overrides : mapping, optional
        Fixed overrides applied to every point (before the point's values).
    output : path, optional
        Sweep folder; default :func:`sweep_dir`.
    use_cache : bool, default True
        Skip points whose inputs have not changed since they last ran.
    metric : str, optional
        Metric drawn in ``sweep.png`` (default: the first ``*perplexity`` metric).
    workers : int, optional
        Run the points on a local Dask cluster of this many worker processes
        (:func:`genomenb.parallel.dask_client`); default: one after another here.
    scheduler : str, optional
        Run the points on the Dask cluster of this scheduler address instead.

    Returns
    -------
    pandas.DataFrame
        The gathered table (also written to ``sweep.csv``).

    Raises
    ------
    genomenb.runner.NotebookError
        After every other point finished and the table was written, when a
        point failed: the message names each failed point, its cell and error.
    genomenb.parallel.EngineError
        The cluster could not be started or reached.
    """
    from genomenb import parallel, runner

    root = root or runner.project_root()
    path = runner.notebook_path(notebook, root)
    out = Path(output) if output else sweep_dir(path.stem, profile, root)
    points = grid_points(grid)
    # check every point's names and types before running the first one
    for point in points:
        runner.resolve_parameters(path, profile, {**(overrides or {}), **point}, root=root)
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"notebook": path.stem, "profile": profile, "grid": {k: list(map(str, v)) for k, v in grid.items()},
                "overrides": {k: str(v) for k, v in (overrides or {}).items()},
                "points": [{"id": point_id(p), "values": {k: str(v) for k, v in p.items()}} for p in points]}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    tasks = {point_id(p): {"notebook": str(path), "profile": profile, "overrides": {**(overrides or {}), **p},
                           "output_root": str(out / point_id(p)), "use_cache": use_cache, "root": str(root)}
             for p in points}
    with parallel.dask_client(workers, scheduler) as client:
        outcomes = parallel.run_tasks(runner.run_task, tasks, client=client, progress=progress, desc="grid points")
    if progress:
        for o in outcomes:
            if o.ok:
                state = "cached" if o.result.cached else f"{o.result.seconds:.0f} s"
                retried = f", retried {o.retried}x after its worker died" if o.retried else ""
                print(f"  {o.name}: {state}{retried} -> {o.result.output_dir}", flush=True)
    retried = [o.name for o in outcomes if o.retried]
    if retried:
        print(f"{len(retried)} grid point(s) retried on another worker after a worker died: {', '.join(retried)}",
              flush=True)
    table = gather_sweep(out)
    table.to_csv(out / "sweep.csv", index=False)
    plot_sweep_file(out, table, metric=metric, label_columns=list(grid))
    report = parallel.failure_report(outcomes, "grid points")
    if report:
        raise runner.NotebookError(f"{report}\nthe other points are gathered in {out / 'sweep.csv'}; "
                                   "rerunning the sweep reruns only the failed points")
    return table


def gather_sweep(folder: str | Path) -> pd.DataFrame:
    """Read every point of a sweep folder into one table.

    Parameters
    ----------
    folder : str or Path
        A folder written by :func:`run_sweep` (with ``sweep.json``).

    Returns
    -------
    pandas.DataFrame
        One row per point that has a ``metrics.json``: ``point`` (its id), the
        grid values (typed as the notebook ran them), then every metric.
        Points that have not run (yet) are left out.
    """
    folder = Path(folder)
    manifest_file = folder / MANIFEST
    if not manifest_file.is_file():
        raise FileNotFoundError(f"{folder} is not a sweep folder (no {MANIFEST})")
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    names = list(manifest["grid"])
    rows = []
    for point in manifest["points"]:
        found = sorted((folder / point["id"]).glob("*/*/metrics.json"))
        if not found:
            continue
        data = json.loads(found[0].read_text(encoding="utf-8"))
        params = data.pop("parameters", {})
        row = {"point": point["id"]}
        row.update({name: params.get(name, point["values"][name]) for name in names})
        row.update(data)
        rows.append(row)
    return pd.DataFrame(rows)


def plot_sweep_file(folder: str | Path, table: pd.DataFrame, *, metric: str | None = None,
                    label_columns: Sequence[str] | None = None) -> Path | None:
    """Draw ``sweep.png`` for a gathered table (nothing when it has no numeric metric).

    Bars are labelled by ``label_columns`` (the grid names), or by the
    manifest's grid when the folder has one.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from genomenb.plots.language_models import plot_sweep

    if table.empty:
        return None
    if metric is None:
        candidates = [c for c in table.columns if c.endswith("perplexity") and pd.api.types.is_numeric_dtype(table[c])]
        if not candidates:
            return None
        metric = candidates[0]
    if label_columns is None and (Path(folder) / MANIFEST).is_file():
        label_columns = list(json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))["grid"])
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(table) + 1.5))
    plot_sweep(ax, table, metric, label_columns=label_columns)
    path = Path(folder) / "sweep.png"
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path
