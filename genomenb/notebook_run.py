"""What a notebook writes: its parameters, figures and a flat ``metrics.json``.

A notebook calls :func:`start_run` right after its parameters cell::

    run = start_run(globals())      # snapshot parameters, create output_dir, seed RNGs
    ...
    run.save_figure(fig, "gc_skew")
    run.write_metrics({"ecoli_gc": 0.5079})

and keeps its cells short with the helpers below: :func:`banner` (which data a
run uses, said loudly), :func:`show_table` (a table with its number formats),
:func:`flat_metrics` (per-model or per-genome numbers as flat keys) and
:func:`finite` (leave out what could not be measured).

``metrics.json`` is flat: every value is a finite number, a bool or a short
string, plus one ``parameters`` entry holding the run's parameters. The book's
tables are built from these files, never typed by hand. Tables a notebook
exports as Excel workbooks are written by :mod:`genomenb.tables`.
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

__all__ = ["Run", "start_run", "write_metrics", "read_metrics", "validate_metrics", "finite", "flat_metrics",
           "banner", "table_formats", "show_table", "glue_values"]

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


def glue_values(values: Mapping[str, Any]) -> int:
    """Glue each value under its key (MyST-NB) when running in a Jupyter kernel; returns how many were glued.

    Outside a kernel (a plain Python process, the tests) nothing happens and 0 is returned.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with every notebook environment
        return 0
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return 0
    from myst_nb import glue

    for key, value in values.items():
        glue(key, _plain(value), display=False)
    return len(values)


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
    """One notebook run: its parameters, where its outputs go, and when it started."""

    parameters: dict[str, Any]
    output_dir: Path
    started: float = field(default_factory=time.perf_counter)

    def seconds(self) -> float:
        """Wall-clock seconds since :func:`start_run` (a notebook's own run time, for ``metrics.json``)."""
        return time.perf_counter() - self.started

    def path(self, name: str) -> Path:
        """A file path inside the run's output folder."""
        return self.output_dir / name

    def save_figure(self, fig, name: str, *, alt: str | None = None, dpi: int = 120) -> Path:
        """Check ``fig``, save it as ``<output_dir>/<name>.png``, show it with its alt text, and return the path.

        The figure must have a title (a suptitle, or one on every axes that
        holds data) and x and y labels on every data axes
        (:func:`genomenb.figures.check_figure` raises ``ValueError`` naming
        what is missing). ``alt`` defaults to a text derived from the titles
        and labels (:func:`genomenb.figures.figure_alt`). Inside a Jupyter
        kernel the saved PNG is displayed with the alt text in its output
        metadata (the book's staging step hands it to MyST-NB) and the figure
        is closed, so the inline backend does not show it a second time.
        """
        from genomenb import figures

        figures.check_figure(fig, name)
        alt = figures.figure_alt(fig) if alt is None else alt
        p = self.output_dir / f"{name}.png"
        fig.savefig(p, dpi=dpi, bbox_inches="tight")
        if figures.display_png(p.read_bytes(), alt):
            import matplotlib.pyplot as plt

            plt.close(fig)
        return p

    def write_metrics(self, metrics: Mapping[str, Any]) -> Path:
        """Add ``metrics`` to ``metrics.json`` together with this run's parameters, and glue them for the book.

        Inside a Jupyter kernel every metric is also glued (MyST-NB's
        :func:`myst_nb.glue`, no visible output) under its own key, and every
        parameter under ``param.<name>``, so a prose chapter quotes this run's
        numbers with ``{glue:text}`../notebooks/<notebook>.ipynb::<key>:.3f```
        and a rebuilt book follows the run (another seed, profile or backend).
        """
        path = write_metrics(self.output_dir, metrics, self.parameters)
        glue_values({**validate_metrics(metrics), **{f"param.{k}": v for k, v in self.parameters.items()}})
        return path


def start_run(namespace: Mapping[str, Any]) -> Run:
    """Snapshot a notebook's parameters from its namespace and prepare its output folder.

    Call it right after the parameters cell: at that point the scalar globals
    are exactly the parameters. Requires ``output_dir``; seeds every RNG when
    a ``seed`` parameter exists; removes a ``metrics.json`` left by an earlier
    run in the same folder. A relative ``output_dir`` (the notebooks' literal
    defaults, ``results/<notebook>/book``) is taken from the project root, not
    from the working directory, so a notebook run interactively in JupyterLab
    (whose working directory is ``notebooks/``) writes to, and resumes from, the
    same folder as ``genomenb run``.
    """
    params = {k: _plain(v) for k, v in namespace.items()
              if not k.startswith("_") and k not in _IPYTHON_NAMES and isinstance(_plain(v), _SCALARS)}
    if "output_dir" not in params:
        raise ValueError("the notebook's parameters must include output_dir")
    out = Path(params["output_dir"]).expanduser()
    if not out.is_absolute():  # JupyterLab runs a notebook from notebooks/: share the book run's results folder
        from genomenb.runner import project_root

        out = project_root() / out
        params["output_dir"] = str(out)
    out.mkdir(parents=True, exist_ok=True)
    if "seed" in params:
        seed_everything(int(params["seed"]))
    # A new run starts a new metrics.json: no key of an earlier run (other data, other sizes) may survive.
    (out / "metrics.json").unlink(missing_ok=True)
    (out / "parameters.json").write_text(json.dumps(params, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return Run(params, out)


# --------------------------------------------------------------------------- helpers that keep cells thin


def finite(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``metrics`` whose value is not a NaN or infinite float.

    A median over no tasks, or a correlation of a constant, is NaN; such a
    number was not measured and is left out of ``metrics.json`` (which
    rejects it, see :func:`validate_metrics`) instead of being written.

    Parameters
    ----------
    metrics : mapping of str to value
        Metric name -> value; NumPy scalars are recognised too.

    Returns
    -------
    dict
        The same items, in the same order, without the non-finite floats.

    Examples
    --------
    >>> finite({"auroc": 0.8, "ceiling": float("nan"), "source": "deepsea-sim"})
    {'auroc': 0.8, 'source': 'deepsea-sim'}
    """
    out = {}
    for key, value in metrics.items():
        plain = _plain(value)
        if isinstance(plain, float) and not math.isfinite(plain):
            continue
        out[key] = value
    return out


def flat_metrics(nested: Mapping[str, Any], *, sep: str = "_") -> dict[str, Any]:
    """Flatten nested metric tables into ``metrics.json``'s flat keys.

    ``{"bigru": {"auroc_median": 0.8}, "n_sets": 25}`` becomes
    ``{"bigru_auroc_median": 0.8, "n_sets": 25}``: every level's key is
    joined to the next with ``sep``. Anything with ``.items()`` is a level
    (dicts, pandas Series); NumPy scalars become Python scalars.

    Parameters
    ----------
    nested : mapping
        Name -> value or name -> mapping (to any depth).
    sep : str, default "_"
        Joins the keys of successive levels.

    Returns
    -------
    dict
        Flat name -> value, in the order of ``nested``.

    Raises
    ------
    ValueError
        When two paths flatten to the same key.

    Examples
    --------
    >>> flat_metrics({"ecoli": {"gc": 0.51, "length_bp": 4641652}, "n_genomes": 1})
    {'ecoli_gc': 0.51, 'ecoli_length_bp': 4641652, 'n_genomes': 1}
    """
    out: dict[str, Any] = {}
    for key, value in nested.items():
        if hasattr(value, "items") and not isinstance(value, (str, bytes)):
            items = {f"{key}{sep}{sub}": v for sub, v in flat_metrics(value, sep=sep).items()}
        else:
            items = {str(key): _plain(value)}
        for name, v in items.items():
            if name in out:
                raise ValueError(f"two metrics flatten to the same key {name!r}")
            out[name] = v
    return out


def banner(source: str, description: str = "", *, simulated: bool = False, label: str | None = None,
           simulated_label: str = "DeepSEA-sim, simulated",
           warning: str = "SIMULATED labels, not real chromatin data") -> str:
    """Print which data a run uses, loudly, and return the short label its figures and tables carry.

    Every chapter that may run on simulated data says so at the top of its
    output and in every figure title; this prints the first and returns the
    second.

    Parameters
    ----------
    source : str
        The data's source tag (e.g. ``"deepsea"`` or ``"deepsea-sim"``).
    description : str, optional
        A line of provenance printed under the banner.
    simulated : bool, default False
        Whether the data are simulated: the banner then carries ``warning``.
    label : str, optional
        Label of real data (default: ``source``).
    simulated_label : str, default "DeepSEA-sim, simulated"
        Label of simulated data.
    warning : str
        What the banner adds, in parentheses, for simulated data.

    Returns
    -------
    str
        ``simulated_label`` or ``label``, for figure titles and table captions.

    Examples
    --------
    >>> banner("deepsea-sim", simulated=True)
    DATA SOURCE: deepsea-sim  (SIMULATED labels, not real chromatin data)
    'DeepSEA-sim, simulated'
    """
    print(f"DATA SOURCE: {source}" + (f"  ({warning})" if simulated else ""))
    if description:
        print(description)
    return simulated_label if simulated else (label or source)


def table_formats(table, digits: int = 3, *, percent: Iterable[Any] | Mapping[Any, int] = (),
                  signed: Iterable[Any] = (), thousands: Iterable[Any] = (), general: Iterable[Any] = (),
                  scientific: Iterable[Any] = ()) -> dict[Any, str]:
    """The format string of every column of ``table`` that :func:`show_table` formats.

    Parameters
    ----------
    table : pandas.DataFrame
    digits : int, default 3
        Decimals of every float column not named in another argument, and of
        the ``signed`` columns.
    percent : iterable of column names, or mapping of column name to decimals
        Columns shown as percentages; a plain list shows one decimal.
    signed : iterable of column names
        Differences, shown with their sign (``+0.016``).
    thousands : iterable of column names
        Counts, shown with thousands separators (``4,641,652``).
    general : iterable of column names
        Numbers spanning orders of magnitude, shown in ``{:g}`` form (``1e-06``).
    scientific : iterable of column names
        Small numbers such as p-values, shown with one decimal and an exponent (``3.2e-05``).

    Returns
    -------
    dict
        Column -> format string; integer and text columns not named are absent
        (shown as they are).
    """
    from pandas.api.types import is_float_dtype

    percent = dict(percent) if isinstance(percent, Mapping) else dict.fromkeys(percent, 1)
    signed, thousands, general, scientific = set(signed), set(thousands), set(general), set(scientific)
    formats = {}
    for column in table.columns:
        if column in percent:
            formats[column] = f"{{:.{percent[column]}%}}"
        elif column in signed:
            formats[column] = f"{{:+.{digits}f}}"
        elif column in thousands:
            formats[column] = "{:,}"
        elif column in general:
            formats[column] = "{:g}"
        elif column in scientific:
            formats[column] = "{:.1e}"
        elif is_float_dtype(table[column]):
            formats[column] = f"{{:.{digits}f}}"
    return formats


def show_table(table, digits: int = 3, *, percent: Iterable[Any] | Mapping[Any, int] = (),
               signed: Iterable[Any] = (), thousands: Iterable[Any] = (), general: Iterable[Any] = (),
               scientific: Iterable[Any] = (), na_rep: str = "") -> None:
    """Display ``table`` in a notebook with the number formats of :func:`table_formats`.

    Floats get ``digits`` decimals unless a column is named as a percentage,
    a signed difference, a count, a ``{:g}`` or a scientific number; missing values show as
    ``na_rep``. Works anywhere in a cell (it calls IPython's ``display``).

    Examples
    --------
    >>> show_table(win_table, percent=["win_rate"], signed=["mean_difference"])  # doctest: +SKIP
    """
    from IPython.display import display

    formats = table_formats(table, digits, percent=percent, signed=signed, thousands=thousands, general=general,
                            scientific=scientific)
    display(table.style.format(formats, na_rep=na_rep))
