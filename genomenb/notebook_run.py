"""What a notebook writes: its parameters, figures and a flat ``metrics.json``.

A notebook calls :func:`start_run` right after its parameters cell::

    run = start_run(globals())      # snapshot parameters, create output_dir, seed RNGs
    ...
    run.save_figure(fig, "gc_skew")
    run.write_metrics({"ecoli_gc": 0.5079})

``metrics.json`` is flat: every value is a finite number, a bool or a short
string, plus one ``parameters`` entry holding the run's parameters. The book's
tables are built from these files, never typed by hand. Tables a notebook
exports as Excel workbooks are written by :mod:`genomenb.tables`.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

__all__ = ["Run", "start_run", "write_metrics", "read_metrics", "validate_metrics"]

_SCALARS = (bool, int, float, str)
# Names IPython puts into a notebook's namespace; they are not parameters.
_IPYTHON_NAMES = {"In", "Out", "exit", "quit", "get_ipython"}


def _plain(value: Any) -> Any:
    """NumPy scalars to Python scalars (json cannot serialise np.float32)."""
    return value.item() if isinstance(value, np.generic) else value


def validate_metrics(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``metrics`` as plain Python scalars, or raise ValueError naming the bad key."""
    out: dict[str, Any] = {}
    for key, value in metrics.items():
        value = _plain(value)
        if not isinstance(key, str) or not key:
            raise ValueError(f"metric names must be non-empty strings, got {key!r}")
        if key == "parameters":
            raise ValueError("'parameters' is reserved for the run's parameters")
        if not isinstance(value, _SCALARS):
            raise ValueError(f"metric {key!r} must be a number, bool or string (flat), got {type(value).__name__}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"metric {key!r} is not finite ({value}); report a measured number or leave it out")
        out[key] = value
    return out


def write_metrics(output_dir: str | Path, metrics: Mapping[str, Any],
                  parameters: Mapping[str, Any] | None = None) -> Path:
    """Write ``<output_dir>/metrics.json`` (merged with an existing file's metrics)."""
    path = Path(output_dir) / "metrics.json"
    previous = read_metrics(path) if path.is_file() else {}
    params = dict(parameters if parameters is not None else previous.get("parameters", {}))
    merged = {k: v for k, v in previous.items() if k != "parameters"}
    merged.update(validate_metrics(metrics))
    merged["parameters"] = {k: _plain(v) for k, v in params.items()}
    path.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def read_metrics(path: str | Path) -> dict[str, Any]:
    """Read a ``metrics.json`` file (or the one inside a results folder)."""
    p = Path(path)
    if p.is_dir():
        p = p / "metrics.json"
    return json.loads(p.read_text(encoding="utf-8"))


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and (if imported) Keras so reruns give the same numbers."""
    random.seed(seed)
    np.random.seed(seed)
    import sys

    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(seed)


@dataclass
class Run:
    """One notebook run: its parameters and where its outputs go."""

    parameters: dict[str, Any]
    output_dir: Path

    def path(self, name: str) -> Path:
        """A file path inside the run's output folder."""
        return self.output_dir / name

    def save_figure(self, fig, name: str, *, dpi: int = 120) -> Path:
        """Save ``fig`` as ``<output_dir>/<name>.png`` and return the path."""
        p = self.output_dir / f"{name}.png"
        fig.savefig(p, dpi=dpi, bbox_inches="tight")
        return p

    def write_metrics(self, metrics: Mapping[str, Any]) -> Path:
        """Add ``metrics`` to ``metrics.json`` together with this run's parameters."""
        return write_metrics(self.output_dir, metrics, self.parameters)


def start_run(namespace: Mapping[str, Any]) -> Run:
    """Snapshot a notebook's parameters from its namespace and prepare its output folder.

    Call it right after the parameters cell: at that point the scalar globals
    are exactly the parameters. Requires ``output_dir``; seeds every RNG when
    a ``seed`` parameter exists; removes a ``metrics.json`` left by an earlier
    run in the same folder.
    """
    params = {k: _plain(v) for k, v in namespace.items()
              if not k.startswith("_") and k not in _IPYTHON_NAMES and isinstance(_plain(v), _SCALARS)}
    if "output_dir" not in params:
        raise ValueError("the notebook's parameters must include output_dir")
    out = Path(params["output_dir"]).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    if "seed" in params:
        seed_everything(int(params["seed"]))
    # A new run starts a new metrics.json: no key of an earlier run (other data, other sizes) may survive.
    (out / "metrics.json").unlink(missing_ok=True)
    (out / "parameters.json").write_text(json.dumps(params, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return Run(params, out)
