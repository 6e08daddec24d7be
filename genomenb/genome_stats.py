"""Whole-genome statistics: sizes, base composition, k-mer spectra, RC symmetry, replication landmarks.

All functions work on integer codes (see :mod:`genomenb.encode`) and stream
over long chromosomes in fixed-size pieces, so a 70 Mb chromosome never needs
more than a few tens of MB of scratch memory.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from genomenb import encode, kmers
from genomenb.data.fasta import FastaRecord

__all__ = ["genome_summary", "kmer_spectrum", "reverse_complement_symmetry", "replication_landmarks"]

_PIECE = 1 << 20  # 1 Mb pieces keep k-mer scratch arrays small


def genome_summary(name: str, records: Sequence[FastaRecord]):
    """One row per record plus a genome total: length, GC fraction, N fraction.

    Returns
    -------
    pandas.DataFrame
        Columns ``genome, record, length_bp, gc, n_fraction``.
    """
    import pandas as pd

    rows = []
    tot_len = tot_gc = tot_acgt = tot_n = 0
    for rec in records:
        counts = np.bincount(encode.to_codes(rec.sequence), minlength=5)
        acgt = int(counts[:4].sum())
        gc = int(counts[1] + counts[2])
        rows.append({"genome": name, "record": rec.id, "length_bp": rec.length,
                     "gc": gc / acgt if acgt else float("nan"), "n_fraction": counts[4] / rec.length})
        tot_len += rec.length
        tot_gc += gc
        tot_acgt += acgt
        tot_n += int(counts[4])
    if len(rows) > 1:
        rows.append({"genome": name, "record": "(all)", "length_bp": tot_len,
                     "gc": tot_gc / tot_acgt if tot_acgt else float("nan"), "n_fraction": tot_n / tot_len})
    return pd.DataFrame(rows)


def kmer_spectrum(records: Sequence[FastaRecord], k: int) -> np.ndarray:
    """Relative frequency of each of the 4**k k-mers over all records (both strands not merged).

    Windows containing N are skipped. Long records are processed in 1 Mb
    pieces overlapping by ``k - 1`` bases so no k-mer is lost or double counted.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(4**k,)``, summing to 1; order as :func:`genomenb.kmers.kmer_feature_names`.
    """
    total = np.zeros(4**k, dtype=np.int64)
    for rec in records:
        codes = encode.to_codes(rec.sequence)
        for start in range(0, max(len(codes) - k + 1, 0), _PIECE):
            piece = codes[start:start + _PIECE + k - 1]
            if len(piece) >= k:
                total += kmers.kmer_counts(piece[None, :], k)[0].astype(np.int64)
    s = total.sum()
    return total / s if s else total.astype(np.float64)


def reverse_complement_symmetry(spectrum: np.ndarray) -> float:
    """Pearson correlation between each k-mer's frequency and its reverse complement's.

    Close to 1 for genomes obeying Chargaff's second parity rule (the two
    strands of a long genome have almost the same k-mer content).
    """
    n = spectrum.size
    k = int(round(np.log(n) / np.log(4)))
    idx = np.arange(n)
    digits = (idx[:, None] // 4 ** np.arange(k - 1, -1, -1)) % 4  # (4**k, k), most significant first
    rc_digits = 3 - digits[:, ::-1]
    rc_idx = (rc_digits * 4 ** np.arange(k - 1, -1, -1)).sum(axis=1)
    return float(np.corrcoef(spectrum, spectrum[rc_idx])[0, 1])


def replication_landmarks(codes: np.ndarray) -> dict[str, int]:
    """Origin and terminus estimates of a circular bacterial chromosome from the cumulative GC skew.

    The leading strand is G-rich, so the cumulative skew sum(G - C) falls to
    its minimum at the origin and climbs to its maximum at the terminus.
    """
    cum = encode.cumulative_gc_skew(codes)
    return {"origin": int(np.argmin(cum)), "terminus": int(np.argmax(cum))}
