"""Registry of the datasets bundled in the project's ``data/`` folder.

``data/registry.json`` is the single source of truth: it maps a dataset name to
its files (paths relative to the data folder) and their sha256 checksums.
Every accessor verifies the checksum of a file before handing out its path, so
a corrupted or truncated bundled file is reported by name before any work
starts. Verification results are memoised per process, keyed on the file's
size and modification time, so repeated look-ups cost nothing.

The data folder is ``$GENOMENB_DATA_DIR`` when set, otherwise the ``data/``
folder beside the package (the layout of a source checkout).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from genomenb.data.errors import DataError

__all__ = [
    "DataFile",
    "Dataset",
    "data_dir",
    "datasets",
    "get",
    "path",
    "sha256_file",
    "verify",
    "verify_all",
    "registry_table",
    "registry_digest",
]

_CHUNK = 1 << 20


def data_dir() -> Path:
    """Return the folder holding the bundled data and ``registry.json``."""
    env = os.environ.get("GENOMENB_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parents[2] / "data"


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset: a role (``fasta``, ``gff3``...), a path and its checksum."""

    role: str
    relpath: str
    sha256: str

    @property
    def path(self) -> Path:
        return data_dir() / self.relpath


@dataclass(frozen=True)
class Dataset:
    """A named dataset of the registry."""

    name: str
    title: str
    description: str
    kind: str
    files: tuple[DataFile, ...]

    def file(self, role: str | None = None) -> DataFile:
        """Return the file with ``role`` (the only file when ``role`` is None)."""
        if role is None:
            if len(self.files) != 1:
                roles = ", ".join(f.role for f in self.files)
                raise KeyError(f"dataset {self.name!r} has several files ({roles}); name a role")
            return self.files[0]
        for f in self.files:
            if f.role == role:
                return f
        roles = ", ".join(f.role for f in self.files)
        raise KeyError(f"dataset {self.name!r} has no file {role!r}; it has: {roles}")


def _registry_file() -> Path:
    return data_dir() / "registry.json"


@lru_cache(maxsize=4)
def _load(registry_path: str) -> dict[str, Dataset]:
    p = Path(registry_path)
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(p, "the data registry is missing; expected registry.json in the data folder "
                        "(set GENOMENB_DATA_DIR to point at it)") from None
    except json.JSONDecodeError as exc:
        raise DataError(p, f"expected valid JSON ({exc.msg})", line=exc.lineno) from None
    out: dict[str, Dataset] = {}
    for name, entry in raw.items():
        try:
            files = tuple(
                DataFile(role, spec["path"], spec["sha256"].lower())
                for role, spec in entry["files"].items()
            )
            out[name] = Dataset(name, entry["title"], entry["description"], entry["kind"], files)
        except (KeyError, TypeError, AttributeError) as exc:
            raise DataError(p, f"expected title, description, kind and files with path and sha256 ({exc})",
                            record=name) from None
    return out


def datasets() -> list[Dataset]:
    """All registered datasets, in registry order."""
    return list(_load(str(_registry_file())).values())


def get(name: str) -> Dataset:
    """Return the dataset called ``name``; unknown names list the known ones."""
    reg = _load(str(_registry_file()))
    if name not in reg:
        raise KeyError(f"unknown dataset {name!r}; known datasets: {', '.join(reg)}")
    return reg[name]


def sha256_file(file: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(file, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


_verified: dict[tuple[str, int, int], str] = {}


def _checked_sha256(p: Path) -> str:
    st = p.stat()
    key = (str(p), st.st_size, st.st_mtime_ns)
    if key not in _verified:
        _verified[key] = sha256_file(p)
    return _verified[key]


def verify(df: DataFile) -> Path:
    """Check one file's checksum and return its path, or raise :class:`DataError`."""
    p = df.path
    if not p.is_file():
        raise DataError(p, f"bundled file is missing (expected sha256 {df.sha256})")
    got = _checked_sha256(p)
    if got != df.sha256:
        raise DataError(p, f"checksum mismatch: expected sha256 {df.sha256}, found {got}; "
                        "the file is corrupted or was changed (restore it with `git checkout -- data/`)")
    return p


def path(name: str, role: str | None = None) -> Path:
    """Verified path of a dataset's file.

    Parameters
    ----------
    name : str
        Dataset name, e.g. ``"ecoli_k12"``.
    role : str, optional
        File role within the dataset (``"fasta"``, ``"gff3"``...); may be
        omitted for single-file datasets.
    """
    return verify(get(name).file(role))


def verify_all() -> list[Path]:
    """Verify every registered file; raise on the first bad one (named in the error)."""
    return [verify(f) for ds in datasets() for f in ds.files]


def registry_digest() -> str:
    """sha256 over the registry's names and checksums (a cache-key ingredient)."""
    h = hashlib.sha256()
    for ds in datasets():
        for f in ds.files:
            h.update(f"{ds.name}\0{f.role}\0{f.relpath}\0{f.sha256}\n".encode())
    return h.hexdigest()


def registry_table():
    """The registry as a :class:`pandas.DataFrame` (one row per file)."""
    import pandas as pd

    rows = []
    for ds in datasets():
        for f in ds.files:
            size = f.path.stat().st_size if f.path.is_file() else float("nan")
            rows.append({
                "dataset": ds.name, "kind": ds.kind, "file": f.relpath, "role": f.role,
                "size_mb": round(size / 1e6, 2), "sha256": f.sha256[:12] + "…", "title": ds.title,
            })
    return pd.DataFrame(rows)
