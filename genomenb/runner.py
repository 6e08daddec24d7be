"""Run the book's notebooks with papermill, cache their results, and build the HTML book.

Three ideas hold this module together:

* **Parameters are declared once**, in each notebook's first code cell (tagged
  ``parameters``) as ``name: type = literal  # meaning`` lines. The runner reads
  that cell with :mod:`ast`, so it knows every valid name, its type and its
  default. A *profile* (``notebooks/profiles/<profile>.yaml``) overrides some
  of them for a given notebook; ``book`` is the defaults themselves. Unknown
  names and values of the wrong type are rejected before anything runs
  (papermill itself only warns).
* **Every run writes into** ``results/<notebook>/<profile>/``: the executed
  notebook, its ``metrics.json`` and figures, and a ``run.json`` with the
  cache key.
* **The cache key** covers the notebook file, the resolved parameters, the
  package source, the data checksums and the installed package versions, so
  :func:`build_book` re-executes exactly the notebooks whose inputs changed
  (Jupyter Book's own cache looks at notebook code only).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from genomenb.data import registry

__all__ = [
    "PROFILES",
    "Parameter",
    "NotebookError",
    "ParameterError",
    "project_root",
    "notebook_path",
    "toc_notebooks",
    "read_parameters",
    "resolve_parameters",
    "cache_key",
    "run_notebook",
    "run_task",
    "build_book",
    "keep_report",
]

PROFILES = ("smoke", "book", "paper")
PARAMETER_TYPES = {"int": int, "float": float, "str": str, "bool": bool}
RUN_RECORD = "run.json"


class NotebookError(RuntimeError):
    """A notebook failed to execute; the message names the notebook and the cell."""


class ParameterError(ValueError):
    """A notebook parameter is unknown, badly declared or of the wrong type."""


@dataclass(frozen=True)
class Parameter:
    """One declared notebook parameter (from the ``parameters`` cell)."""

    name: str
    type: str
    default: Any
    help: str = ""


# --------------------------------------------------------------------------- paths


def project_root(start: Path | None = None) -> Path:
    """The folder holding ``_toc.yml``: searched upwards from ``start`` (default: cwd),
    falling back to the checkout the package was imported from."""
    candidates = []
    here = (start or Path.cwd()).resolve()
    candidates.extend([here, *here.parents])
    candidates.append(Path(__file__).resolve().parents[1])
    for c in candidates:
        if (c / "_toc.yml").is_file() and (c / "notebooks").is_dir():
            return c
    raise FileNotFoundError("cannot find the genomenb project root (a folder with _toc.yml and notebooks/); "
                            "run from inside the checkout")


def notebook_path(name: str | Path, root: Path | None = None) -> Path:
    """Resolve ``00_data_tour``, ``00_data_tour.ipynb`` or a path to an existing notebook."""
    root = root or project_root()
    p = Path(name)
    for cand in (p, root / p, root / "notebooks" / p, root / "notebooks" / p.with_suffix(".ipynb")):
        if cand.suffix == ".ipynb" and cand.is_file():
            return cand.resolve()
    known = ", ".join(n.stem for n in sorted((root / "notebooks").glob("*.ipynb")))
    raise FileNotFoundError(f"no notebook {str(name)!r}; the notebooks are: {known}")


def toc_notebooks(root: Path | None = None) -> list[Path]:
    """Notebooks listed in ``_toc.yml``, in reading order."""
    root = root or project_root()
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            f = node.get("file")
            if isinstance(f, str) and f.startswith("notebooks/"):
                found.append(f)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(toc)
    return [notebook_path(Path(f).with_suffix(".ipynb"), root) for f in found]


# --------------------------------------------------------------------------- parameters


def _parameters_cell(nb: Mapping[str, Any], where: Path) -> tuple[int, str]:
    code_cells = [(i, c) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]
    if not code_cells:
        raise ParameterError(f"{where.name}: has no code cells")
    index, cell = code_cells[0]
    if "parameters" not in cell.get("metadata", {}).get("tags", []):
        raise ParameterError(f"{where.name}: the first code cell must be tagged 'parameters'")
    src = cell["source"]
    return index, "".join(src) if isinstance(src, list) else src


def read_parameters(notebook: str | Path) -> dict[str, Parameter]:
    """Parse the ``parameters`` cell of a notebook.

    Every statement must be ``name: type = literal`` with ``type`` one of
    int, float, str, bool; a trailing ``# comment`` becomes the help text.

    Returns
    -------
    dict of str to Parameter, in declaration order.
    """
    path = notebook_path(notebook) if not Path(notebook).is_file() else Path(notebook)
    nb = json.loads(path.read_text(encoding="utf-8"))
    _, source = _parameters_cell(nb, path)
    lines = source.splitlines()
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"{path.name}: parameters cell does not parse ({exc.msg}, line {exc.lineno})") from None
    params: dict[str, Parameter] = {}
    for stmt in tree.body:
        bad = f"{path.name}: parameters cell line {stmt.lineno}: expected `name: type = literal`"
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
                and isinstance(stmt.annotation, ast.Name) and stmt.value is not None):
            raise ParameterError(bad)
        type_name = stmt.annotation.id
        if type_name not in PARAMETER_TYPES:
            raise ParameterError(f"{bad}; type must be one of {', '.join(PARAMETER_TYPES)}")
        try:
            default = ast.literal_eval(stmt.value)
        except ValueError:
            raise ParameterError(f"{bad} (the value is not a literal)") from None
        default = _coerce(stmt.target.id, type_name, default, where=path.name)
        tail = lines[stmt.end_lineno - 1][stmt.end_col_offset:]
        help_text = tail.split("#", 1)[1].strip() if "#" in tail else ""
        params[stmt.target.id] = Parameter(stmt.target.id, type_name, default, help_text)
    if "output_dir" not in params:
        raise ParameterError(f"{path.name}: the parameters cell must declare `output_dir: str`")
    return params


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _coerce(name: str, type_name: str, value: Any, *, where: str = "") -> Any:
    """Convert ``value`` (a literal or a command-line string) to the declared type."""
    if type_name not in PARAMETER_TYPES:
        raise ParameterError(f"parameter {name!r} has unsupported type {type_name!r}")
    prefix = f"{where}: " if where else ""
    err = ParameterError(f"{prefix}parameter {name!r} expects {type_name}, got {value!r}")
    if type_name == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise err
    if type_name == "str":
        if isinstance(value, str):
            return value
        raise err
    if isinstance(value, bool):
        raise err
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            raise err from None
    if type_name == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if type_name == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    if type_name == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise err


def load_profile(profile: str, notebook: str, root: Path | None = None) -> dict[str, Any]:
    """Overrides that ``profile`` gives ``notebook`` (the ``book`` profile gives none)."""
    if profile not in PROFILES:
        raise ParameterError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if profile == "book":
        return {}
    root = root or project_root()
    f = root / "notebooks" / "profiles" / f"{profile}.yaml"
    data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
    entry = data.get(notebook) or {}
    if not isinstance(entry, dict):
        raise ParameterError(f"{f}: entry {notebook!r} must be a mapping of parameter names to values")
    return dict(entry)


def resolve_parameters(
    notebook: str | Path,
    profile: str = "book",
    overrides: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    *,
    root: Path | None = None,
) -> dict[str, Any]:
    """Defaults, then the profile's overrides, then the caller's, all type-checked.

    Raises
    ------
    ParameterError
        For a name the notebook does not declare (the message lists the valid
        names) or a value that does not convert to the declared type.
    """
    root = root or project_root()
    path = notebook_path(notebook, root)
    declared = read_parameters(path)
    values = {p.name: p.default for p in declared.values()}
    given = dict(overrides.items() if isinstance(overrides, Mapping) else (overrides or []))
    for source, changes in ((f"profile {profile!r}", load_profile(profile, path.stem, root)), ("overrides", given)):
        for name, value in changes.items():
            if name not in declared:
                valid = ", ".join(f"{p.name} ({p.type})" for p in declared.values())
                raise ParameterError(f"{path.stem}: unknown parameter {name!r} in {source}; "
                                     f"valid parameters: {valid}")
            values[name] = _coerce(name, declared[name].type, value, where=path.stem)
    return values


# --------------------------------------------------------------------------- cache


def _package_digest() -> str:
    """Content and modification time of every package source file.

    The modification time is included on purpose: ``touch genomenb/x.py`` is the
    conventional way to ask for a rebuild, and it must re-execute the book.
    """
    h = hashlib.sha256()
    pkg = Path(__file__).resolve().parent
    for f in sorted(pkg.rglob("*.py")):
        h.update(f"{f.relative_to(pkg)}\0{f.stat().st_mtime_ns}\0".encode() + f.read_bytes())
    return h.hexdigest()


def _installed_versions() -> list[str]:
    seen = {f"{d.metadata['Name'].lower()}=={d.version}" for d in metadata.distributions() if d.metadata["Name"]}
    return sorted(seen)


def cache_key(notebook: Path, parameters: Mapping[str, Any]) -> str:
    """Hash of everything a notebook's results depend on."""
    parts = {
        "notebook": hashlib.sha256(notebook.read_bytes()).hexdigest(),
        "parameters": {k: v for k, v in sorted(parameters.items()) if k != "output_dir"},
        "package": _package_digest(),
        "data": registry.registry_digest(),
        "versions": _installed_versions(),
        "python": platform.python_version(),
        "keras_backend": os.environ.get("KERAS_BACKEND", "tensorflow"),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


# --------------------------------------------------------------------------- running


@dataclass
class RunResult:
    """What one notebook run produced."""

    notebook: str
    profile: str
    output_dir: Path
    executed: Path
    parameters: dict[str, Any]
    cached: bool
    seconds: float
    metrics: dict[str, Any] = field(default_factory=dict)


def _kernel_environment() -> None:
    # Quiet TensorFlow's C++ start-up chatter so executed notebooks stay readable.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")


def run_notebook(
    notebook: str | Path,
    profile: str = "book",
    overrides: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    *,
    output_root: str | Path | None = None,
    use_cache: bool = False,
    progress: bool = True,
    root: Path | None = None,
) -> RunResult:
    """Execute one notebook with papermill into ``<output_root>/<notebook>/<profile>/``.

    Parameters
    ----------
    notebook : str or Path
        Notebook name (``00_data_tour``) or path.
    profile : {"smoke", "book", "paper"}
        Which parameter profile to start from.
    overrides : mapping, optional
        Parameter overrides (strings are converted to the declared type).
    output_root : path, optional
        Defaults to ``<project>/results``.
    use_cache : bool
        Skip execution when a previous run with the same cache key succeeded.
    progress : bool
        Show papermill's per-cell progress bar.

    Raises
    ------
    ParameterError, NotebookError, genomenb.data.DataError
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    root = root or project_root()
    path = notebook_path(notebook, root)
    registry.verify_all()  # a corrupted bundled file is named before any work starts
    params = resolve_parameters(path, profile, overrides, root=root)
    out_dir = (Path(output_root) if output_root else root / "results") / path.stem / profile
    params["output_dir"] = str(out_dir.resolve())
    key = cache_key(path, params)
    record_file = out_dir / RUN_RECORD
    executed = out_dir / path.name
    if use_cache and record_file.is_file() and executed.is_file():
        record = json.loads(record_file.read_text())
        if record.get("cache_key") == key:
            return RunResult(path.stem, profile, out_dir, executed, params, True, 0.0, _read_metrics(out_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    record_file.unlink(missing_ok=True)
    _kernel_environment()
    start = time.perf_counter()
    try:
        pm.execute_notebook(str(path), str(executed), parameters=params, kernel_name="python3",
                            progress_bar=progress, cwd=str(path.parent))
    except PapermillExecutionError as exc:
        raise NotebookError(f"notebook {path.stem} ({profile}) failed in cell {exc.cell_index} "
                            f"(execution count {exc.exec_count}): {exc.ename}: {exc.evalue}\n"
                            f"executed copy with the traceback: {executed}") from None
    seconds = time.perf_counter() - start
    record_file.write_text(json.dumps({
        "notebook": path.stem, "profile": profile, "cache_key": key, "seconds": round(seconds, 2),
        "parameters": params, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count()},
    }, indent=2))
    return RunResult(path.stem, profile, out_dir, executed, params, False, seconds, _read_metrics(out_dir))


def run_task(notebook: str, profile: str, overrides: Mapping[str, Any] | None, output_root: str | None,
             use_cache: bool, root: str) -> RunResult:
    """:func:`run_notebook` as one task of :func:`genomenb.parallel.run_tasks` (no progress bar, plain arguments)."""
    return run_notebook(notebook, profile, overrides, output_root=output_root, use_cache=use_cache, progress=False,
                        root=Path(root))


def _read_metrics(out_dir: Path) -> dict[str, Any]:
    f = out_dir / "metrics.json"
    return json.loads(f.read_text()) if f.is_file() else {}


# --------------------------------------------------------------------------- the book


def _stage_book(root: Path, runs: list[RunResult], stage: Path, profile: str = "book") -> None:
    """Copy the book's sources into ``stage``, swapping notebooks for their executed copies.

    A prose number glued from a key the run did not write fails the book and paper builds
    (:class:`NotebookError` naming every one); the smoke build, whose small profile skips some
    measurements by design, prints "n/a" for them and says which.
    """
    from genomenb import prose

    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(root / name, stage / name)
    shutil.copytree(root / "book", stage / "book")
    (stage / "notebooks").mkdir()
    glued = {}
    for r in runs:
        text = publishable(r.executed.read_text(encoding="utf-8"), root)
        (stage / "notebooks" / r.executed.name).write_text(text, encoding="utf-8")
        glued[r.executed.stem] = prose.glued_keys(json.loads(text))
    missing = {}
    for md in sorted((stage / "book").glob("*.md")):
        text, missing[md.name] = prose.fill_missing(md.read_text(encoding="utf-8"), glued)
        md.write_text(text, encoding="utf-8")
    lines = [f"  book/{name}: {', '.join(dict.fromkeys(keys))}" for name, keys in missing.items() if keys]
    if lines and profile != "smoke":
        raise NotebookError(f"the {profile} runs did not write numbers the prose quotes:\n" + "\n".join(lines))
    if lines:
        print("numbers the smoke profile does not measure, shown as n/a:\n" + "\n".join(lines))


def publishable(notebook_text: str, root: Path) -> str:
    """An executed notebook's JSON with the build machine's project folder cut out of every path, alt texts in place.

    Papermill injects the absolute ``output_dir`` (``/home/<user>/.../results/04_multitask_919/book``) and
    training logs name checkpoint folders; the published page shows them relative to the project
    (``results/04_multitask_919/book``), as a reader's own run would write them. The alt texts that
    ``Run.save_figure`` put in its image outputs' metadata move to the cells' metadata, where MyST-NB
    reads them (:func:`genomenb.figures.alt_to_cell_metadata`).
    """
    from genomenb.figures import alt_to_cell_metadata

    for prefix in {str(root), str(root.resolve())}:
        notebook_text = notebook_text.replace(prefix.rstrip("/") + "/", "")
    if '"alt"' in notebook_text:
        notebook = json.loads(notebook_text)
        if alt_to_cell_metadata(notebook):
            notebook_text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
    return notebook_text


def build_book(
    profile: str = "book",
    *,
    force: bool = False,
    build_html: bool = True,
    progress: bool = True,
    root: Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> list[RunResult]:
    """Execute every notebook of ``_toc.yml`` (cached) and build the HTML book.

    The HTML lands in ``<project>/_build/html``. Sphinx warnings are errors.
    With ``workers`` (a local Dask cluster) or ``scheduler`` (a running one)
    the notebooks run at once, as independent tasks
    (:mod:`genomenb.parallel`); the caches they share are written atomically
    under a lock (:mod:`genomenb.data.cache`). A failing notebook is reported
    after the others finished, and the HTML is not built.
    """
    from genomenb import parallel

    root = root or project_root()
    registry.verify_all()
    notebooks = toc_notebooks(root)
    tasks = {nb.stem: {"notebook": str(nb), "profile": profile, "overrides": None, "output_root": None,
                       "use_cache": not force, "root": str(root)} for nb in notebooks}
    with parallel.dask_client(workers, scheduler) as client:
        outcomes = parallel.run_tasks(run_task, tasks, client=client, progress=progress,
                                      desc=f"notebooks ({profile})")
    if progress:
        for o in outcomes:
            state = ("cached" if o.result.cached else f"ran in {o.result.seconds:.0f} s") if o.ok else "FAILED"
            print(f"  {o.name}: {state}" + (f" (retried {o.retried}x after its worker died)" if o.retried else ""))
    report = parallel.failure_report(outcomes, "notebooks")
    if report:
        raise NotebookError(report)
    runs = [o.result for o in outcomes]
    if build_html:
        stage = root / "_build" / "source"
        _stage_book(root, runs, stage, profile)
        cmd = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()",
               "build", str(stage), "--path-output", str(root), "-W", "-n", "--keep-going"]
        proc = subprocess.run(cmd, cwd=root, text=True, capture_output=True)
        if proc.returncode != 0:
            raise RuntimeError(f"jupyter-book build failed (exit {proc.returncode}):\n"
                               f"{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}")
        if progress:
            print(f"book built: {root / '_build' / 'html' / 'index.html'}")
    return runs


# --------------------------------------------------------------------------- evidence


def keep_report(notebook: str | Path, profile: str = "paper", *, output_root: str | Path | None = None,
                root: Path | None = None) -> Path:
    """Copy a finished run into ``reports/<notebook>/<profile>/`` so it can be committed as evidence.

    Keeps the executed notebook, ``metrics.json``, ``run.json`` (parameters,
    run time, machine) and the figures; checkpoints and other bulky files stay
    in ``results/``.
    """
    root = root or project_root()
    path = notebook_path(notebook, root)
    src = (Path(output_root) if output_root else root / "results") / path.stem / profile
    if not (src / RUN_RECORD).is_file() or not (src / path.name).is_file():
        raise FileNotFoundError(f"no finished {profile!r} run of {path.stem} in {src}; "
                                f"run `genomenb run {path.stem} --profile {profile}` first")
    dst = root / "reports" / path.stem / profile
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    for f in sorted(src.iterdir()):
        if f.is_file() and f.suffix in {".ipynb", ".json", ".png", ".csv"}:
            shutil.copy2(f, dst / f.name)
    return dst
