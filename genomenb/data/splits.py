"""Honest splits of the data: contiguous genome hold-outs and grouped folds.

Genome hold-outs
    :func:`split_genome` holds out the last ``heldout_fraction`` of every
    chromosome (or of the genome laid end to end), contiguous, so no held-out
    base is ever a training target and nearby (correlated) bases do not leak
    across the split. Chromosomes are kept as ``uint8`` codes
    (``A=0 C=1 G=2 T=3 N=4``).
Grouped folds
    :func:`grouped_folds` splits examples into k folds with scikit-learn's
    group splitters (``StratifiedGroupKFold`` when class labels are given,
    else ``GroupKFold``), so every group (a gene family, a sequence-identity
    cluster, a genome) is on one side only; :func:`check_disjoint_groups`
    asserts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from genomenb import encode

__all__ = ["GenomeSplit", "split_genome", "grouped_folds", "check_disjoint_groups", "merge_groups"]


@dataclass
class GenomeSplit:
    """A genome as integer codes with a contiguous hold-out at the end of every chromosome.

    Attributes
    ----------
    names : list of str
        Chromosome (record) ids.
    chromosomes : list of numpy.ndarray
        ``uint8`` codes of each whole chromosome, shape ``(length,)``.
    heldout_start : list of int
        Index of the first held-out base of each chromosome.
    """

    names: list[str]
    chromosomes: list[np.ndarray]
    heldout_start: list[int]

    @property
    def train_parts(self) -> list[np.ndarray]:
        """Views of the training part of every chromosome (no copy)."""
        return [c[:s] for c, s in zip(self.chromosomes, self.heldout_start)]

    @property
    def heldout_parts(self) -> list[np.ndarray]:
        """Views of the held-out part of every chromosome (no copy)."""
        return [c[s:] for c, s in zip(self.chromosomes, self.heldout_start)]

    @property
    def train_bases(self) -> int:
        return int(sum(self.heldout_start))

    @property
    def heldout_bases(self) -> int:
        return int(sum(len(c) - s for c, s in zip(self.chromosomes, self.heldout_start)))

    def summary(self) -> pd.DataFrame:
        """One row per chromosome: length, training bases, held-out bases and their GC."""
        rows = []
        for name, chrom, start in zip(self.names, self.chromosomes, self.heldout_start):
            rows.append({"record": name, "length_bp": len(chrom), "train_bp": start,
                         "heldout_bp": len(chrom) - start,
                         "train_gc": encode.gc_content(chrom[:start]) if start else float("nan"),
                         "heldout_gc": encode.gc_content(chrom[start:])})
        return pd.DataFrame(rows)


def split_genome(records: Sequence, heldout_fraction: float = 0.1, *,
                 how: str = "per_chromosome") -> GenomeSplit:
    """Hold out the last ``heldout_fraction`` of every chromosome (or of the whole genome).

    Parameters
    ----------
    records : sequence of FastaRecord or of (name, codes) pairs
        The chromosomes, e.g. from :func:`genomenb.data.load_genome` or
        :mod:`genomenb.data.toy_genomes`.
    heldout_fraction : float, default 0.1
        Fraction of each chromosome, taken from its end, that is held out
        (``0 < heldout_fraction < 1``).
    how : {"per_chromosome", "genome_end"}
        ``"per_chromosome"`` (default): the end of every chromosome is held
        out, so every chromosome (and each kind of chromosome end) is in both
        parts. ``"genome_end"``: the chromosomes are laid end to end in file
        order and the last ``heldout_fraction`` of that is held out (for a
        multi-chromosome genome, the end of the last chromosome(s) only).
        Both are identical for a one-chromosome genome.

    Returns
    -------
    GenomeSplit
    """
    if not 0.0 < heldout_fraction < 1.0:
        raise ValueError(f"heldout_fraction must be between 0 and 1, got {heldout_fraction}")
    if len(records) == 0:
        raise ValueError("split_genome needs at least one chromosome")
    if how not in ("per_chromosome", "genome_end"):
        raise ValueError(f"how must be 'per_chromosome' or 'genome_end', got {how!r}")
    names, chroms, starts = [], [], []
    for rec in records:
        if isinstance(rec, tuple):
            name, seq = rec
        else:
            name, seq = rec.id, rec.sequence
        codes = encode.to_codes(seq)
        if codes.ndim != 1 or len(codes) < 2:
            raise ValueError(f"chromosome {name!r} must be one sequence of at least 2 bases")
        names.append(str(name))
        chroms.append(codes)
        starts.append(len(codes) - max(1, int(round(len(codes) * heldout_fraction))))
    if how == "genome_end":
        remaining = max(1, int(round(sum(len(c) for c in chroms) * heldout_fraction)))
        starts = [len(c) for c in chroms]
        for i in range(len(chroms) - 1, -1, -1):  # take the held-out bases from the end backwards
            take = min(remaining, len(chroms[i]))
            starts[i] = len(chroms[i]) - take
            remaining -= take
            if remaining == 0:
                break
    return GenomeSplit(names, chroms, starts)


def grouped_folds(groups: Sequence, n_splits: int = 5, *, labels: np.ndarray | None = None,
                  seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """k folds of example indices in which no group is on both sides.

    Parameters
    ----------
    groups : sequence
        One group id per example (any hashable values).
    n_splits : int, default 5
    labels : numpy.ndarray, optional
        Class labels ``(N,)``: folds are then stratified (each keeps the class
        proportions as well as groups allow), with scikit-learn's
        ``StratifiedGroupKFold`` shuffled by ``seed``; without labels,
        ``GroupKFold`` (deterministic, balanced fold sizes).
    seed : int, default 0

    Returns
    -------
    list of (train_indices, test_indices)
        ``int64`` arrays; every example is in exactly one test fold.
    """
    from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

    groups = np.asarray(groups)
    n_groups = len(np.unique(groups))
    if isinstance(n_splits, bool) or int(n_splits) < 2:
        raise ValueError(f"n_splits must be an int >= 2, got {n_splits!r}")
    if n_groups < n_splits:
        raise ValueError(f"{n_groups} groups cannot fill {n_splits} folds")
    index = np.zeros(len(groups))
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (len(groups),):
            raise ValueError(f"labels must be (N,) like groups, got {labels.shape}")
        splitter = StratifiedGroupKFold(n_splits=int(n_splits), shuffle=True, random_state=seed)
        folds = splitter.split(index, labels, groups)
    else:
        folds = GroupKFold(n_splits=int(n_splits)).split(index, groups=groups)
    out = [(np.sort(tr).astype(np.int64), np.sort(te).astype(np.int64)) for tr, te in folds]
    check_disjoint_groups(groups, out)
    return out


def merge_groups(*keys: Sequence) -> np.ndarray:
    """One group per connected set of examples that share a value of any key (union of groupings).

    Two examples end up in one group when they share an identity cluster, *or*
    a family name, *or* any other key, directly or through a chain of other
    examples. Missing values (``None``, NaN, ``""``) join nothing.

    Parameters
    ----------
    *keys : sequence
        One or more groupings, each one value per example (same length).

    Returns
    -------
    numpy.ndarray
        ``int64`` ``(N,)`` group ids ``0..n_groups - 1``, numbered in order of
        first appearance.

    Examples
    --------
    >>> merge_groups([0, 0, 1, 2], ["a", None, "b", "a"]).tolist()
    [0, 0, 1, 0]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if not keys:
        raise ValueError("merge_groups needs at least one key")
    n = len(keys[0])
    rows, cols, offset = [], [], n
    for k, key in enumerate(keys):
        if len(key) != n:
            raise ValueError(f"key {k} has {len(key)} values, expected {n} (one per example)")
        values = np.array(["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in key])
        present = np.flatnonzero(values != "")
        ids, inverse = np.unique(values[present], return_inverse=True)
        rows.append(present)
        cols.append(offset + inverse)
        offset += len(ids)
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(rows), np.int8), (rows, cols)), shape=(offset, offset))
    _, labels = connected_components(graph, directed=False)
    _, first, inverse = np.unique(labels[:n], return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))  # renumber components by first appearance
    return order[inverse].astype(np.int64)


def check_disjoint_groups(groups: Sequence, folds: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
    """Raise ``ValueError`` if any group has examples on both sides of a fold."""
    groups = np.asarray(groups)
    for k, (train, test) in enumerate(folds):
        shared = np.intersect1d(groups[train], groups[test])
        if shared.size:
            raise ValueError(f"fold {k}: {shared.size} groups on both sides, e.g. {shared[:3].tolist()}")


def cluster_split(clusters: Sequence, labels: Sequence | np.ndarray | None = None, test_fraction: float = 0.2, *,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Hold out whole clusters (e.g. sequence-identity clusters) as a test set of about ``test_fraction``.

    Parameters
    ----------
    clusters : sequence
        One cluster (group) id per example.
    labels : array-like, optional
        Class labels ``(N,)``: the split is then stratified. Each cluster
        belongs to the stratum of its most common label (ties: the smallest),
        and every stratum sends about ``test_fraction`` of its examples to
        the test side.
    test_fraction : float, default 0.2
        Target fraction of examples (per stratum) on the test side, ``0 < f < 1``.
    seed : int, default 0
        Order in which clusters are considered (a seeded shuffle per stratum).

    Returns
    -------
    (train_mask, test_mask) : tuple of numpy.ndarray
        Boolean masks ``(N,)``, complementary; no cluster is on both sides
        (checked with :func:`check_disjoint_groups`).

    Notes
    -----
    Greedy: the shuffled clusters of a stratum are taken one by one, and a
    cluster joins the test side when that brings the test count closer to
    the target. A cluster larger than the target may therefore be held out
    or not depending on the seed, and the realised fraction differs from the
    target by at most about half the size of a cluster.
    """
    clusters = np.asarray(clusters)
    n = len(clusters)
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    ids, inverse = np.unique(clusters, return_inverse=True)
    if len(ids) < 2:
        raise ValueError(f"{len(ids)} clusters cannot be split; expected at least 2")
    sizes = np.bincount(inverse, minlength=len(ids))
    if labels is None:
        stratum = np.zeros(len(ids), np.int64)
    else:
        labels = np.asarray(labels)
        if labels.shape != (n,):
            raise ValueError(f"labels must be (N,) like clusters, got {labels.shape}")
        classes, label_codes = np.unique(labels, return_inverse=True)
        counts = np.zeros((len(ids), len(classes)), np.int64)
        np.add.at(counts, (inverse, label_codes), 1)
        stratum = counts.argmax(axis=1)
    rng = np.random.default_rng(seed)
    held = np.zeros(len(ids), bool)
    for s in np.unique(stratum):
        members = rng.permutation(np.flatnonzero(stratum == s))
        target, taken = float(test_fraction) * sizes[members].sum(), 0
        for c in members:
            if abs(taken + sizes[c] - target) < abs(taken - target):
                held[c] = True
                taken += int(sizes[c])
    test = held[inverse]
    if test.all() or not test.any():
        raise ValueError("the split left one side empty; use more clusters or another test_fraction")
    check_disjoint_groups(clusters, [(np.flatnonzero(~test), np.flatnonzero(test))])
    return ~test, test


__all__ += ["cluster_split"]
