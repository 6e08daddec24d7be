"""Real human TF-binding sequence sets (ENCODE ChIP-seq peaks vs background), bundled as one HDF5 file.

The file ``data/tfbs/tfbs_fastsk.h5`` holds 25 binary sets gathered from a
public benchmark repository (FastSK / GaKCo / DeepBind / ENCODE 1 kb). Each
HDF5 group is one set with:

``seq``     (N, Lmax) uint8 codes (A=0 C=1 G=2 T=3 N=4), right-padded with 255
``length``  (N,) int16 true lengths
``label``   (N,) uint8, 1 = bound (peak), 0 = background
``split``   (N,) bytes, ``train`` or ``test`` (the original authors' split)

and the attribute ``negatives_composition_matched_fraction``: 1.0 means the
negatives share the positives' base composition (DeepBind's dinucleotide
shuffles; in the two ENCODE 1 kb sets most negatives are exact copies of
positives, which makes those two sets unlearnable — see the chapter).

Nine DeepBind sets ship only a test split (500 sequences). For those,
:func:`split_indices` draws a seeded, label-stratified train/validation/test
split from the rows available; the returned :class:`TFBSSet` says so in
``split_origin``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from genomenb.data import registry
from genomenb.data.errors import DataError
from genomenb.encode import check_codes

__all__ = ["TFBSSet", "list_sets", "load_tfbs", "crop_center", "split_indices", "MaskedTasks", "stack_masked_tasks",
           "copied_negatives_fraction", "describe_set"]

PAD = 255
_FIELDS = {"seq": 2, "length": 1, "label": 1, "split": 1}


@dataclass(frozen=True)
class TFBSSet:
    """One binary TF-binding set.

    Attributes
    ----------
    name : str
    codes : numpy.ndarray
        uint8 (N, Lmax), padding = 255.
    lengths : numpy.ndarray
        int64 (N,).
    labels : numpy.ndarray
        uint8 (N,), 1 = bound.
    original_split : numpy.ndarray
        str (N,), ``"train"`` or ``"test"`` as published.
    negatives_shuffled_fraction : float
        Fraction of negatives whose base composition equals some positive's.
    source : dict
        Provenance of the original files.
    """

    name: str
    codes: np.ndarray
    lengths: np.ndarray
    labels: np.ndarray
    original_split: np.ndarray
    negatives_shuffled_fraction: float
    source: dict

    @property
    def has_train_split(self) -> bool:
        return bool((self.original_split == "train").any())

    @property
    def family(self) -> str:
        """Collection the set comes from: ``deepbind``, ``encode1kb`` or ``gakco``."""
        return self.name.split("_", 1)[0]

    @property
    def target(self) -> str:
        """The factor (or, for three GaKCo sets, the cell line) the set is about."""
        parts = self.name.split("_")
        if self.family == "encode1kb":
            return parts[1].replace("SydhGm12878", "").upper()
        return parts[1]


def copied_negatives_fraction(ds: TFBSSet) -> float:
    """Fraction of a set's negatives that are byte-for-byte copies of one of its positives.

    Whole sequences are compared, before any cropping. A set where most
    negatives copy a positive carries both labels on the same sequence and
    cannot be learnt (the two ENCODE 1 kb sets).

    Returns
    -------
    float
        Copied negatives / negatives (NaN for a set without negatives).
    """
    whole = [ds.codes[i, :n].tobytes() for i, n in enumerate(ds.lengths)]
    positives = {seq for seq, y in zip(whole, ds.labels) if y == 1}
    return float(np.mean([seq in positives for seq, y in zip(whole, ds.labels) if y == 0]))


def describe_set(ds: TFBSSet) -> dict:
    """One row of the TF-binding chapter's overview table: provenance, sizes and what the negatives are.

    Returns
    -------
    dict
        ``collection``, ``factor or cell``, ``sequences``, ``median length``,
        ``published split``, ``negatives matching a positive's composition``,
        ``negatives identical to a positive`` (:func:`copied_negatives_fraction`)
        and ``negatives``: ``"copies of positives"`` when more than half are
        copies, else ``"shuffled"`` when more than half match a positive's
        composition, else ``"genomic"``.
    """
    copied = copied_negatives_fraction(ds)
    return {"collection": ds.family, "factor or cell": ds.target, "sequences": len(ds.labels),
            "median length": int(np.median(ds.lengths)), "published split": ds.has_train_split,
            "negatives matching a positive's composition": ds.negatives_shuffled_fraction,
            "negatives identical to a positive": copied,
            "negatives": ("copies of positives" if copied > 0.5 else
                          "shuffled" if ds.negatives_shuffled_fraction > 0.5 else "genomic")}


def _default_path() -> Path:
    return registry.path("tfbs_chipseq")


def list_sets(path: str | Path | None = None) -> list[str]:
    """Names of the sets in the file, in file order."""
    import h5py

    p = Path(path) if path else _default_path()
    try:
        with h5py.File(p, "r") as fh:
            return list(fh.keys())
    except OSError as exc:
        raise DataError(p, f"expected an HDF5 file of TF-binding sets ({exc})") from None


def _read_group(p: Path, fh, name: str) -> TFBSSet:
    if name not in fh:
        raise DataError(p, f"no set named {name!r}; the file has: {', '.join(fh.keys())}", record=name)
    g = fh[name]
    for key, ndim in _FIELDS.items():
        if key not in g or g[key].ndim != ndim:
            raise DataError(p, f"expected dataset {key!r} with {ndim} dimension(s)", record=name)
    codes = g["seq"][()]
    n = codes.shape[0]
    arrays = {k: g[k][()] for k in ("length", "label", "split")}
    for key, arr in arrays.items():
        if arr.shape[0] != n:
            raise DataError(p, f"expected {key!r} to have {n} rows like 'seq', found {arr.shape[0]}", record=name)
    lengths = arrays["length"].astype(np.int64)
    if codes.dtype != np.uint8 or lengths.min(initial=1) < 1 or lengths.max(initial=0) > codes.shape[1]:
        raise DataError(p, "expected uint8 codes and lengths between 1 and the padded width", record=name)
    split = np.char.decode(arrays["split"].astype("S"), "ascii")
    if not np.isin(split, ["train", "test"]).all():
        raise DataError(p, "expected split values 'train' or 'test'", record=name)
    return TFBSSet(
        name=name, codes=codes, lengths=lengths, labels=arrays["label"].astype(np.uint8),
        original_split=split,
        negatives_shuffled_fraction=float(g.attrs.get("negatives_composition_matched_fraction", np.nan)),
        source=json.loads(g.attrs.get("source", "{}")),
    )


def load_tfbs(names: list[str] | None = None, path: str | Path | None = None) -> dict[str, TFBSSet]:
    """Load some or all sets (checksum-verified when reading the bundled file).

    Parameters
    ----------
    names : list of str, optional
        Sets to load; all when omitted.
    path : path, optional
        Another file in the same layout.
    """
    import h5py

    p = Path(path) if path else _default_path()
    try:
        with h5py.File(p, "r") as fh:
            wanted = names if names is not None else list(fh.keys())
            return {name: _read_group(p, fh, name) for name in wanted}
    except OSError as exc:
        raise DataError(p, f"expected a readable HDF5 file ({exc})") from None


def crop_center(codes: np.ndarray, lengths: np.ndarray, width: int) -> np.ndarray:
    """Fixed-width windows centred on each sequence's middle.

    Longer sequences are cut symmetrically; shorter ones are padded with N
    (code 4) on both sides, so a model never sees the padding value 255.

    Returns
    -------
    numpy.ndarray
        uint8 (N, width).
    """
    if width < 1:
        raise ValueError(f"width must be >= 1, got {width}")
    n = codes.shape[0]
    out = np.full((n, width), 4, dtype=np.uint8)
    starts = (lengths - width) // 2  # may be negative: the sequence is shorter than the window
    src = starts[:, None] + np.arange(width)[None, :]
    inside = (src >= 0) & (src < lengths[:, None])
    rows = np.broadcast_to(np.arange(n)[:, None], src.shape)
    out[inside] = codes[rows[inside], src[inside]]
    return out


def split_indices(ds: TFBSSet, *, valid_fraction: float = 0.1, test_fraction: float = 0.3,
                  seed: int = 0) -> dict[str, np.ndarray]:
    """Train / validation / test row indices, stratified by label and fixed by ``seed``.

    The published test split is kept as the test set whenever the set has a
    training split; validation rows are then drawn from the published
    training rows. Sets published with a test split only are split here
    (``test_fraction`` of the rows for testing).
    """
    rng = np.random.default_rng(seed)

    def stratified(idx: np.ndarray, fraction: float) -> tuple[np.ndarray, np.ndarray]:
        taken = []
        for label in (0, 1):
            rows = idx[ds.labels[idx] == label]
            rows = rows[rng.permutation(len(rows))]
            taken.append(rows[: int(round(fraction * len(rows)))])
        chosen = np.sort(np.concatenate(taken))
        return np.setdiff1d(idx, chosen), chosen

    all_rows = np.arange(len(ds.labels))
    if ds.has_train_split:
        train = all_rows[ds.original_split == "train"]
        test = all_rows[ds.original_split == "test"]
    else:
        train, test = stratified(all_rows, test_fraction)
    train, valid = stratified(train, valid_fraction)
    return {"train": train, "valid": valid, "test": test}


# --------------------------------------------------------------------------- single-label sets as one masked problem


@dataclass
class MaskedTasks:
    """Several binary data sets stacked into one multitask problem with one label per sequence.

    Attributes
    ----------
    names : list of str
        Task (set) names; task ``t`` is output ``t`` of the model.
    codes : dict of str to numpy.ndarray
        Split -> ``uint8`` ``(N, L)`` sequences of all sets, set after set.
    labels : dict of str to numpy.ndarray
        Split -> ``float32`` ``(N, T)``: a sequence's own set holds its 0/1
        label, every other column is ``-1`` (no label, masked out of the loss).
    task : dict of str to numpy.ndarray
        Split -> ``int64`` ``(N,)`` the set each sequence comes from.
    """

    names: list[str]
    codes: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]
    task: dict[str, np.ndarray]

    def sizes(self) -> pd.DataFrame:
        """Sequences and positives per set and split."""
        rows = {}
        for t, name in enumerate(self.names):
            row = {}
            for split in self.codes:
                own = self.task[split] == t
                row[f"{split}_sequences"] = int(own.sum())
                row[f"{split}_positives"] = int((self.labels[split][own, t] == 1).sum())
            rows[name] = row
        return pd.DataFrame.from_dict(rows, orient="index")


def stack_masked_tasks(parts: Mapping[str, Mapping[str, tuple[np.ndarray, np.ndarray]]], *,
                       max_per_task: Mapping[str, int] | None = None, seed: int = 0) -> MaskedTasks:
    """Stack single-label sets into one masked multitask problem (one output per set).

    Parameters
    ----------
    parts : mapping
        ``parts[set_name][split] = (codes, labels)``: ``uint8`` ``(n, L)``
        sequences (one ``L`` for all) and 0/1 labels ``(n,)``. Every set must
        have the same splits.
    max_per_task : mapping of str to int, optional
        Split -> the most sequences kept per set (0 or absent = all); the
        rows kept are a seeded random sample, label proportions preserved
        (stratified). Use it for the training and validation splits only,
        so every set keeps its whole test split.
    seed : int

    Returns
    -------
    MaskedTasks
    """
    names = list(parts)
    if not names:
        raise ValueError("no sets to stack")
    splits = list(parts[names[0]])
    caps = dict(max_per_task or {})
    rng = np.random.default_rng(seed)
    codes: dict[str, list] = {s: [] for s in splits}
    labels: dict[str, list] = {s: [] for s in splits}
    task: dict[str, list] = {s: [] for s in splits}
    length = None
    for t, name in enumerate(names):
        if list(parts[name]) != splits:
            raise ValueError(f"set {name!r} has splits {list(parts[name])}, expected {splits}")
        for split in splits:
            x, y = parts[name][split]
            x = check_codes(x, ndim=(2,), name=f"codes of {name}/{split}")
            y = np.asarray(y)
            if y.shape != (x.shape[0],) or (y.size and not np.isin(y, (0, 1)).all()):
                raise ValueError(f"labels of {name}/{split} must be 0/1 with one per sequence")
            if length is None:
                length = x.shape[1]
            elif x.shape[1] != length:
                raise ValueError(f"{name}/{split} has sequences of {x.shape[1]} bases, others {length}; "
                                 "crop them to one length first")
            cap = int(caps.get(split, 0) or 0)
            if 0 < cap < len(y):
                keep = []
                for value in (0, 1):  # stratified: each class keeps its share of the cap
                    rows = np.flatnonzero(y == value)
                    keep.append(rng.permutation(rows)[: int(round(cap * len(rows) / len(y)))])
                rows = np.sort(np.concatenate(keep))
                x, y = x[rows], y[rows]
            block = np.full((len(y), len(names)), -1.0, dtype=np.float32)
            block[:, t] = y
            codes[split].append(x)
            labels[split].append(block)
            task[split].append(np.full(len(y), t, dtype=np.int64))
    return MaskedTasks(names, {s: np.concatenate(codes[s]) for s in splits},
                       {s: np.concatenate(labels[s]) for s in splits}, {s: np.concatenate(task[s]) for s in splits})
