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
              metric: str | None = None) -> pd.DataFrame:
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

    Returns
    -------
    pandas.DataFrame
        The gathered table (also written to ``sweep.csv``).
    """
    from genomenb import runner

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
    for i, point in enumerate(points, 1):
        pid = point_id(point)
        if progress:
            print(f"[{i}/{len(points)}] {pid}", flush=True)
        result = runner.run_notebook(path, profile, {**(overrides or {}), **point}, output_root=out / pid,
                                     use_cache=use_cache, progress=progress, root=root)
        if progress:
            state = "cached" if result.cached else f"{result.seconds:.0f} s"
            print(f"    {state} -> {result.output_dir}", flush=True)
    table = gather_sweep(out)
    table.to_csv(out / "sweep.csv", index=False)
    plot_sweep_file(out, table, metric=metric, label_columns=list(grid))
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
