"""The DeepSEA training bundle: the split reader, the paper's subset, and a compact cache.

The bundle (``deepsea_train_bundle.v0.9``) holds three MATLAB files:

=========== ================================ ================================== ==============
file        format                           sequences (as NumPy/h5py see them)  labels
=========== ================================ ================================== ==============
train.mat   MATLAB 7.3 = HDF5                ``trainxdata`` (1000, 4, 4400000)  ``traindata`` (919, 4400000)
valid.mat   MATLAB v5                        ``validxdata`` (8000, 4, 1000)     ``validdata`` (8000, 919)
test.mat    MATLAB v5                        ``testxdata`` (455024, 4, 1000)    ``testdata`` (455024, 919)
=========== ================================ ================================== ==============

In MATLAB's own terms every sequence array is ``N x 4 x W`` and every label
array ``N x 919``; an HDF5 reader sees the dimensions reversed. Sequences are
one-hot with channels in **A, G, C, T** order (DeepSEA's, not the book's);
an all-zero column is an unknown base. Each file holds every 200-bp bin twice,
once per strand: row ``i`` of the second half is the reverse complement of row
``i`` of the first half.

Memory is bounded whatever the file size: HDF5 datasets are read in blocks of
consecutive sequences, and v5 variables are streamed slab by slab through the
reader of :mod:`genomenb.data.matlab` (plain or zlib-compressed), keeping only
the requested rows and the requested middle bases. Nothing is ever unpickled.
The writers of DeepSEA-format files (:func:`~genomenb.data.matlab.write_mat73`,
:func:`~genomenb.data.matlab.write_mat5`) live there too.

:func:`load_subset` draws the Zhang & Kamath subset (80,000 training, 2,000
validation and 8,000 test sequences, seeded, sorted), crops the middle ``L``
bases (the paper used 100), converts them to the book's integer codes
(A=0 C=1 G=2 T=3 N=4, see :mod:`genomenb.encode`) and caches the result in
one compact HDF5 file, so the multi-gigabyte bundle is read once.

Every problem with a file -- missing, not a MATLAB file, a wrong or missing
key, a wrong shape, values that are not 0/1, a truncated or corrupted file --
raises :class:`~genomenb.data.errors.DataError` naming the file, the key and
what was expected.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from genomenb.data.cache import build_lock, cache_root
from genomenb.data.errors import DataError
from genomenb.data.matlab import _is_hdf5, _mat5_directory, _Truncated

__all__ = [
    "SPLITS",
    "FILE_NAMES",
    "SPLIT_KEYS",
    "N_LABELS",
    "DEEPSEA_CHANNELS",
    "PAPER_SUBSET",
    "Split",
    "DeepSeaSubset",
    "SplitReader",
    "bundle_files",
    "open_split",
    "draw_rows",
    "crop_bounds",
    "load_subset",
    "read_subset_cache",
    "codes_to_deepsea_onehot",
]

SPLITS = ("train", "valid", "test")
FILE_NAMES = {"train": "train.mat", "valid": "valid.mat", "test": "test.mat"}
#: (sequence key, label key) of each split.
SPLIT_KEYS = {"train": ("trainxdata", "traindata"), "valid": ("validxdata", "validdata"),
              "test": ("testxdata", "testdata")}
N_LABELS = 919
#: One-hot channel order of the DeepSEA files.
DEEPSEA_CHANNELS = "AGCT"
#: Subset sizes of Zhang & Kamath (section 4.1).
PAPER_SUBSET = {"train": 80_000, "valid": 2_000, "test": 8_000}

# DeepSEA channel (A G C T) -> book code (A=0 C=1 G=2 T=3); the permutation is its own inverse.
_CHANNEL_TO_CODE = np.array([0, 2, 1, 3], dtype=np.uint8)
_CODE_TO_CHANNEL = _CHANNEL_TO_CODE
_SPLIT_IDS = {"train": 0, "valid": 1, "test": 2}
_BLOCK_BYTES = 32 << 20  # working buffer per read, whatever the file size
_CACHE_FORMAT = 1


# --------------------------------------------------------------------------- split readers


def crop_bounds(window: int, crop: int | None) -> tuple[int, int]:
    """Start and end of the middle ``crop`` bases of a ``window``-long sequence (all if None/0)."""
    if crop is None or crop == 0 or crop >= window:
        return 0, window
    if crop < 0:
        raise ValueError(f"crop must be >= 0, got {crop}")
    start = (window - crop) // 2
    return start, start + crop


def _onehot_to_codes(block: np.ndarray, channel_axis: int, path: Path, key: str) -> np.ndarray:
    """DeepSEA one-hot (any numeric dtype) -> codes, checking it really is one-hot."""
    bad = _not_zero_one(block)
    if bad.any():
        value = block[bad].ravel()[0]
        raise DataError(path, f"value {value} in {key!r}; expected a 0/1 one-hot encoding", record=key)
    present = block.astype(np.uint8, copy=False)
    total = present.sum(axis=channel_axis, dtype=np.uint8)
    if (total > 1).any():
        raise DataError(path, f"a position of {key!r} has more than one base set; expected one-hot columns "
                        "(A, G, C, T) with at most one 1", record=key)
    codes = _CHANNEL_TO_CODE[present.argmax(axis=channel_axis)]
    codes[total == 0] = 4
    return codes


def _not_zero_one(block: np.ndarray) -> np.ndarray:
    """Boolean mask of the entries of a numeric array that are neither 0 nor 1."""
    if block.dtype.kind == "f":
        return ~np.isin(block, (0.0, 1.0))
    bad = block > 1
    if block.dtype.kind == "i":
        bad |= block < 0
    return bad


def _check_labels(block: np.ndarray, path: Path, key: str) -> np.ndarray:
    bad = _not_zero_one(block)
    if bad.any():
        raise DataError(path, f"label value {block[bad].ravel()[0]} in {key!r}; expected 0/1 labels", record=key)
    return block.astype(np.uint8, copy=False)


class SplitReader:
    """Reads chosen rows of one bundle file, cropped, with bounded memory.

    Open with :func:`open_split`; use as a context manager.

    Attributes
    ----------
    path : Path
    split : str
        ``train``, ``valid`` or ``test``.
    format : str
        ``"hdf5"`` (MATLAB 7.3) or ``"mat5"``.
    n : int
        Number of sequences.
    window : int
        Bases per sequence.
    n_labels : int
        Labels per sequence (919).
    """

    def __init__(self, path: Path, split: str) -> None:
        self.path, self.split = path, split
        self.x_key, self.y_key = SPLIT_KEYS[split]
        self._h5 = None
        self._fh = None
        if _is_hdf5(path):
            self.format = "hdf5"
            self._open_hdf5()
        else:
            self.format = "mat5"
            self._open_mat5()

    # -- opening and validating

    def _shape_error(self, key: str, found, expected: str) -> DataError:
        return DataError(self.path, f"{key!r} has shape {tuple(found)}; expected {expected}", record=key)

    def _open_hdf5(self) -> None:
        import h5py

        try:
            self._h5 = h5py.File(self.path, "r")
        except OSError as exc:
            raise DataError(self.path, f"cannot open as HDF5 / MATLAB 7.3 ({exc}); the file is truncated or "
                            "corrupted") from None
        keys = sorted(self._h5.keys())
        for key in (self.x_key, self.y_key):
            if key not in self._h5 or not isinstance(self._h5[key], h5py.Dataset):
                self.close()
                raise DataError(self.path, f"no dataset {key!r} (found {keys}); expected {self.x_key!r} and "
                                f"{self.y_key!r} as in DeepSEA's {FILE_NAMES[self.split]}", record=key)
        x, y = self._h5[self.x_key], self._h5[self.y_key]
        for key, ds in ((self.x_key, x), (self.y_key, y)):
            if ds.dtype.kind not in "uifb":
                self.close()
                raise DataError(self.path, f"{key!r} has dtype {ds.dtype}; expected numeric 0/1 data", record=key)
        if x.ndim != 3 or x.shape[1] != 4:
            self.close()
            raise self._shape_error(self.x_key, x.shape, "(W, 4, N) as HDF5 stores MATLAB's N x 4 x W, "
                                    "e.g. (1000, 4, 4400000)")
        if y.ndim != 2 or y.shape[0] != N_LABELS:
            self.close()
            raise self._shape_error(self.y_key, y.shape, f"({N_LABELS}, N)")
        if y.shape[1] != x.shape[2] and x.shape[0] == y.shape[1]:
            self.close()
            raise self._shape_error(self.x_key, x.shape, "(W, 4, N) as HDF5 stores MATLAB's N x 4 x W; this "
                                    "looks like (N, 4, W), written without MATLAB's transposition")
        if y.shape[1] != x.shape[2]:
            self.close()
            raise DataError(self.path, f"{self.x_key!r} holds {x.shape[2]} sequences but {self.y_key!r} "
                            f"{y.shape[1]} label vectors; expected the same N", record=self.y_key)
        self.window, self.n, self.n_labels = int(x.shape[0]), int(x.shape[2]), int(y.shape[0])

    def _open_mat5(self) -> None:
        self._endian, variables = _mat5_directory(self.path)
        names = sorted(variables)
        for key in (self.x_key, self.y_key):
            var = variables.get(key)
            if var is None:
                raise DataError(self.path, f"no variable {key!r} (found {names}); expected {self.x_key!r} and "
                                f"{self.y_key!r} as in DeepSEA's {FILE_NAMES[self.split]}", record=key)
            if isinstance(var, str):
                raise DataError(self.path, f"{key!r} is {var}; expected a numeric 0/1 array", record=key)
        self._x, self._y = variables[self.x_key], variables[self.y_key]
        if len(self._x.dims) != 3 or self._x.dims[1] != 4:
            raise self._shape_error(self.x_key, self._x.dims, "(N, 4, W), e.g. (8000, 4, 1000)")
        if len(self._y.dims) != 2 or self._y.dims[1] != N_LABELS:
            raise self._shape_error(self.y_key, self._y.dims, f"(N, {N_LABELS})")
        if self._y.dims[0] != self._x.dims[0]:
            raise DataError(self.path, f"{self.x_key!r} holds {self._x.dims[0]} sequences but {self.y_key!r} "
                            f"{self._y.dims[0]} label vectors; expected the same N", record=self.y_key)
        self.n, self.window, self.n_labels = int(self._x.dims[0]), int(self._x.dims[2]), N_LABELS
        self._fh = open(self.path, "rb")

    def close(self) -> None:
        """Release the file."""
        if self._h5 is not None:
            self._h5.close()
            self._h5 = None
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> SplitReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"SplitReader({self.split}: {self.path.name}, {self.format}, {self.n:,} sequences x "
                f"{self.window} bp, {self.n_labels} labels)")

    # -- reading

    def read(self, rows: np.ndarray | None = None, crop: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Sequences and labels of ``rows``, cropped to the middle ``crop`` bases.

        Parameters
        ----------
        rows : numpy.ndarray, optional
            Strictly increasing row indices (default: all rows).
        crop : int, optional
            Keep the middle ``crop`` bases (``None`` or 0: the whole window).

        Returns
        -------
        codes : numpy.ndarray
            ``uint8`` ``(n, crop)`` codes A=0 C=1 G=2 T=3 N=4.
        labels : numpy.ndarray
            ``uint8`` ``(n, 919)`` 0/1 labels.
        """
        rows = np.arange(self.n, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
        if rows.ndim != 1 or (rows.size and (rows[0] < 0 or rows[-1] >= self.n or np.any(np.diff(rows) <= 0))):
            raise ValueError(f"rows must be strictly increasing indices in [0, {self.n})")
        lo, hi = crop_bounds(self.window, crop)
        try:
            if self.format == "hdf5":
                return self._read_hdf5(rows, lo, hi)
            return self._read_mat5(rows, lo, hi)
        except OSError as exc:
            raise DataError(self.path, f"read failed ({exc}); the file is truncated or corrupted") from None
        except _Truncated as exc:
            raise DataError(self.path, f"truncated or corrupted data ({exc}); expected a complete file") from None

    def _read_hdf5(self, rows: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._h5[self.x_key], self._h5[self.y_key]
        length = hi - lo
        codes = np.empty((rows.size, length), dtype=np.uint8)
        labels = np.empty((rows.size, self.n_labels), dtype=np.uint8)
        per_row = max(length * 4 * x.dtype.itemsize, self.n_labels * y.dtype.itemsize)
        block = max(1, _BLOCK_BYTES // per_row)
        i = 0
        while i < rows.size:
            first = rows[i]
            j = int(np.searchsorted(rows, first + block, side="left"))
            last = rows[j - 1]
            want = rows[i:j] - first
            xb = x[lo:hi, :, first:last + 1]  # (L, 4, span)
            codes[i:j] = _onehot_to_codes(xb[:, :, want], 1, self.path, self.x_key).T
            yb = y[:, first:last + 1]
            labels[i:j] = _check_labels(yb[:, want], self.path, self.y_key).T
            del xb, yb
            i = j
        return codes, labels

    def _read_mat5(self, rows: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        n = self.n
        # x: column-major N x 4 x W -> a stream of slabs of N values, slab s = channel + 4 * position
        onehot = np.empty((rows.size, 4, hi - lo), dtype=np.uint8)
        x_dtype = self._x.dtype
        src = self._x.source(self._fh)
        src.skip(4 * lo * n * x_dtype.itemsize)
        for s0, slabs in self._slab_groups(4 * (hi - lo), n, x_dtype.itemsize):
            buf = np.empty(slabs * n, dtype=x_dtype)
            src.readinto(memoryview(buf).cast("B"))
            picked = _check_labels(buf.reshape(slabs, n)[:, rows], self.path, self.x_key)  # (slabs, n_rows)
            s = np.arange(s0, s0 + slabs)
            onehot[:, s % 4, s // 4] = picked.T
        codes = _onehot_to_codes(onehot, 1, self.path, self.x_key)
        labels = np.empty((rows.size, self.n_labels), dtype=np.uint8)
        y_dtype = self._y.dtype
        src = self._y.source(self._fh)
        for s0, slabs in self._slab_groups(self.n_labels, n, y_dtype.itemsize):
            buf = np.empty(slabs * n, dtype=y_dtype)
            src.readinto(memoryview(buf).cast("B"))
            labels[:, s0:s0 + slabs] = _check_labels(buf.reshape(slabs, n)[:, rows], self.path, self.y_key).T
        return codes, labels

    @staticmethod
    def _slab_groups(total: int, n: int, itemsize: int) -> Iterator[tuple[int, int]]:
        per = max(1, _BLOCK_BYTES // max(1, n * itemsize))
        for s0 in range(0, total, per):
            yield s0, min(per, total - s0)


def open_split(path: str | os.PathLike, split: str) -> SplitReader:
    """Open one bundle file for reading (format detected from its content).

    Parameters
    ----------
    path : path-like
        ``train.mat``, ``valid.mat`` or ``test.mat`` (either MATLAB format).
    split : {"train", "valid", "test"}
        Which keys to expect (``<split>xdata`` and ``<split>data``).

    Raises
    ------
    DataError
        Missing file, not a MATLAB file, missing keys or wrong shapes.
    """
    if split not in SPLIT_KEYS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    path = Path(path)
    if not path.is_file():
        raise DataError(path, f"file not found; expected DeepSEA's {FILE_NAMES[split]}")
    if not _is_hdf5(path):
        with open(path, "rb") as fh:
            head = fh.read(128)
        if not head.startswith(b"MATLAB"):
            raise DataError(path, "not a MATLAB file (neither HDF5/v7.3 nor a v5 header); expected DeepSEA's "
                            f"{FILE_NAMES[split]}")
    return SplitReader(path, split)


def bundle_files(bundle_dir: str | os.PathLike) -> dict[str, Path]:
    """The three files of a bundle folder, checked to exist."""
    folder = Path(bundle_dir).expanduser()
    if not folder.is_dir():
        raise DataError(folder, "not a folder; expected the DeepSEA bundle folder holding train.mat, valid.mat "
                        "and test.mat")
    files = {split: folder / name for split, name in FILE_NAMES.items()}
    missing = [p.name for p in files.values() if not p.is_file()]
    if missing:
        raise DataError(folder, f"missing {', '.join(missing)}; expected train.mat, valid.mat and test.mat "
                        "(from deepsea_train_bundle.v0.9.tar.gz)")
    return files


def draw_rows(n_total: int, n_take: int, seed: int, split: str) -> np.ndarray:
    """Seeded, sorted sample of ``n_take`` distinct rows out of ``n_total`` (all rows if equal)."""
    if n_take > n_total:
        raise ValueError(f"cannot draw {n_take} rows from {n_total}")
    if n_take == n_total:
        return np.arange(n_total, dtype=np.int64)
    rng = np.random.default_rng([seed, _SPLIT_IDS[split]])
    return np.sort(rng.choice(n_total, size=n_take, replace=False)).astype(np.int64)


# --------------------------------------------------------------------------- the subset


@dataclass(frozen=True)
class Split:
    """One split of a subset: integer-coded sequences, labels, and where they came from.

    Attributes
    ----------
    name : str
    codes : numpy.ndarray
        ``uint8`` ``(n, L)``, A=0 C=1 G=2 T=3 N=4.
    labels : numpy.ndarray
        ``uint8`` ``(n, 919)``.
    rows : numpy.ndarray
        ``int64`` ``(n,)`` row of each sequence in the bundle file.
    """

    name: str
    codes: np.ndarray
    labels: np.ndarray
    rows: np.ndarray

    def __len__(self) -> int:
        return int(self.codes.shape[0])

    @property
    def prevalence(self) -> np.ndarray:
        """Fraction of positives per label, ``float64`` ``(919,)``."""
        return self.labels.mean(axis=0, dtype=np.float64)


@dataclass(frozen=True)
class DeepSeaSubset:
    """The three splits the chromatin chapters train and evaluate on.

    Attributes
    ----------
    train, valid, test : Split
    source : str
        ``"deepsea"`` (the real bundle) or ``"deepsea-sim"`` (simulated).
    description : str
        Human-readable provenance, naming simulated data as such.
    window : int
        Bases per sequence in the bundle (1000 for DeepSEA).
    crop_start : int
        Offset of the kept bases within the window.
    path : Path
        The cache file.
    """

    train: Split
    valid: Split
    test: Split
    source: str
    description: str
    window: int
    crop_start: int
    path: Path
    attrs: dict = field(default_factory=dict)

    @property
    def length(self) -> int:
        """Bases per cropped sequence ``L``."""
        return int(self.train.codes.shape[1])

    @property
    def splits(self) -> dict[str, Split]:
        return {"train": self.train, "valid": self.valid, "test": self.test}

    @property
    def bundle_dir(self) -> Path:
        """The bundle folder the subset was drawn from."""
        return Path(self.attrs["bundle"])

    def summary(self):
        """One row per split: sequences, length, mean prevalence, labels with >= 1% positives."""
        import pandas as pd

        return pd.DataFrame({name: {"sequences": len(s), "length_bp": s.codes.shape[1],
                                    "mean_prevalence": float(s.prevalence.mean()),
                                    "labels_with_at_least_1pct": int((s.prevalence >= 0.01).sum())}
                             for name, s in self.splits.items()}).T


def _file_identity(path: Path) -> dict:
    st = path.stat()
    return {"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _subset_key(files: dict[str, Path], sizes: dict[str, int], crop: int | None, seed: int) -> str:
    parts = {"files": {s: _file_identity(p) for s, p in files.items()}, "sizes": sizes, "crop": crop,
             "seed": seed, "format": _CACHE_FORMAT}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:20]


def load_subset(
    bundle_dir: str | os.PathLike,
    n_train: int = PAPER_SUBSET["train"],
    n_valid: int = PAPER_SUBSET["valid"],
    n_test: int = PAPER_SUBSET["test"],
    crop: int | None = 100,
    seed: int = 0,
    *,
    cache_dir: str | os.PathLike | None = None,
    source: str = "deepsea",
    description: str = "DeepSEA training bundle (real data)",
    progress: bool = False,
) -> DeepSeaSubset:
    """Draw (or reload) a seeded subset of a DeepSEA-format bundle, cropped and cached.

    Parameters
    ----------
    bundle_dir : path-like
        Folder with ``train.mat``, ``valid.mat``, ``test.mat``.
    n_train, n_valid, n_test : int
        Sequences drawn from each file (the paper: 80,000, 2,000, 8,000).
    crop : int or None, default 100
        Keep the middle ``crop`` bases (``None`` or 0: the full window).
    seed : int
        Seed of the draw; each split uses its own stream.
    cache_dir : path-like, optional
        Where the subset file goes (default :func:`genomenb.data.cache.cache_root`); the file is
        reused while the bundle files (size, mtime) and arguments are unchanged,
        and built once when several processes ask for it at the same time.
    source, description : str
        Recorded in the cache file and the returned object.
    progress : bool
        Print a line per split while reading.

    Returns
    -------
    DeepSeaSubset

    Raises
    ------
    DataError
        Any problem with the bundle files (named), or a subset larger than a file.
    """
    files = bundle_files(bundle_dir)
    sizes = {"train": int(n_train), "valid": int(n_valid), "test": int(n_test)}
    crop = None if not crop else int(crop)
    key = _subset_key(files, sizes, crop, seed)
    folder = Path(cache_dir).expanduser() if cache_dir else cache_root()
    target = folder / "deepsea_subsets" / f"{source}_{key}.h5"
    cached = _reuse_subset(target)
    if cached is not None:
        return cached
    with build_lock(target):  # concurrent runs (a parallel book build) read the bundle once
        cached = _reuse_subset(target)
        if cached is not None:
            return cached
        return _draw_subset(bundle_dir, files, sizes, crop, seed, target, source, description, key, progress)


def _reuse_subset(target: Path) -> DeepSeaSubset | None:
    if target.is_file():
        try:
            return read_subset_cache(target)
        except DataError:
            target.unlink(missing_ok=True)  # a damaged cache is rebuilt, not trusted
    return None


def _draw_subset(bundle_dir, files, sizes, crop, seed, target, source, description, key, progress) -> DeepSeaSubset:
    readers = {}
    try:
        for split, path in files.items():
            readers[split] = open_split(path, split)
        windows = {r.window for r in readers.values()}
        if len(windows) != 1:
            raise DataError(Path(bundle_dir), f"sequence lengths differ between files ({sorted(windows)}); "
                            "expected one window length")
        window = windows.pop()
        parts = {}
        for split, reader in readers.items():
            if sizes[split] > reader.n:
                raise DataError(reader.path, f"holds {reader.n} sequences; cannot draw {sizes[split]}",
                                record=reader.x_key)
            rows = draw_rows(reader.n, sizes[split], seed, split)
            if progress:
                print(f"reading {sizes[split]:,} of {reader.n:,} sequences from {reader.path.name} ...", flush=True)
            codes, labels = reader.read(rows, crop)
            parts[split] = Split(split, codes, labels, rows)
    finally:
        for r in readers.values():
            r.close()
    crop_start = crop_bounds(window, crop)[0]
    attrs = {"source": source, "description": description, "window": window, "crop_start": crop_start,
             "seed": seed, "key": key, "bundle": str(Path(bundle_dir).expanduser().resolve())}
    _write_subset_cache(target, parts, attrs)
    return DeepSeaSubset(parts["train"], parts["valid"], parts["test"], source, description, window, crop_start,
                         target, attrs)


def _write_subset_cache(path: Path, parts: dict[str, Split], attrs: dict) -> None:
    import h5py

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    with h5py.File(tmp, "w", track_order=True) as f:
        for k, v in attrs.items():
            f.attrs[k] = v
        f.attrs["cache_format"] = _CACHE_FORMAT
        for name, split in parts.items():
            g = f.create_group(name)
            for key, arr in (("codes", split.codes), ("labels", split.labels), ("rows", split.rows)):
                g.create_dataset(key, data=arr, compression="gzip", compression_opts=1, shuffle=arr.ndim > 1,
                                 track_times=False, chunks=True if arr.size else None)
    os.replace(tmp, path)


def read_subset_cache(path: str | os.PathLike) -> DeepSeaSubset:
    """Reload a subset written by :func:`load_subset`."""
    import h5py

    path = Path(path)
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("cache_format") != _CACHE_FORMAT:
                raise DataError(path, "written by another version; expected a current subset cache")
            attrs = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in f.attrs.items()}
            parts = {}
            for name in SPLITS:
                g = f[name]
                parts[name] = Split(name, g["codes"][...], g["labels"][...], g["rows"][...])
    except (OSError, KeyError) as exc:
        raise DataError(path, f"unreadable subset cache ({exc})") from None
    return DeepSeaSubset(parts["train"], parts["valid"], parts["test"], str(attrs["source"]),
                         str(attrs["description"]), int(attrs["window"]), int(attrs["crop_start"]), path, attrs)


# --------------------------------------------------------------------------- DeepSEA one-hot


def codes_to_deepsea_onehot(codes: np.ndarray) -> np.ndarray:
    """Book codes ``(n, W)`` -> DeepSEA one-hot ``(n, 4, W)`` uint8 (channels A G C T; N all zero)."""
    codes = np.asarray(codes, dtype=np.uint8)
    out = np.zeros((codes.shape[0], 4, codes.shape[1]), dtype=np.uint8)
    n_idx, pos = np.nonzero(codes < 4)
    out[n_idx, _CODE_TO_CHANNEL[codes[n_idx, pos]], pos] = 1
    return out
