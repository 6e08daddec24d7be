"""Order-k Markov chains over A/C/G/T: the bar a genome language model has to beat.

An order-k model predicts a base from the ``k`` bases before it with counts
from the training part:

``P(x | c) = (n(c, x) + alpha) / (n(c) + 4 alpha)``  (add-alpha; ``alpha = 1/2`` by default)

``n(c, x)`` counts the (k+1)-mer ``c x`` and ``n(c)`` its context ``c``.
With ``smoothing="interpolated"`` the add-alpha prior is replaced by the
order-(k-1) prediction (a recursive Dirichlet prior, as in PPM or
"interpolated" n-gram models): ``P_k(x | c) = (n(c, x) + beta P_{k-1}(x | c'))
/ (n(c) + beta)``, ``c'`` being ``c`` without its oldest base and ``P_{-1} = 1/4``.
Unseen long contexts then fall back on shorter ones instead of on a flat guess.
A small ``beta`` trusts a context seen once or twice too much (each order
halves the probability of every other base when ``beta = 1``); the default
``beta = 64`` keeps rare contexts close to their shorter version. It was
picked from 1, 4, 16 and 64 on the *E. coli* hold-out, so the interpolated
numbers are, if anything, slightly optimistic.

Implementation
    (k+1)-mers are rolling base-4 codes (:func:`genomenb.kmers.kmer_codes`,
    first base most significant, ``-1`` for a window with an ``N``). Counts
    come from one ``np.bincount`` while ``4 ** (k+1)`` is at most 16.7 M
    (k <= 11); above that (k = 12: 67 M possible 13-mers) they come from
    ``np.unique`` over the codes actually seen, so memory stays proportional
    to the genome, never to ``4 ** 13``. Counts are stored as ``int32``.

Evaluation
    Every k is scored on exactly the same bases: those of the evaluation
    segments whose ``k_max + 1``-base window holds no ``N``. A segment is
    ``(codes, first)``: the bases from ``first`` on are scored and the ones
    before serve as context only (for a hold-out at the end of a chromosome,
    the end of the training part, which is context, never a target).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

from genomenb import encode
from genomenb.kmers import kmer_codes

__all__ = ["MarkovCounts", "markov_counts", "markov_log_probs", "markov_perplexities"]

_BINCOUNT_LIMIT = 1 << 24  # 4 ** 12: largest dense count table (int64 bincount temporary: 128 MiB)
_SMOOTHINGS = ("add_alpha", "interpolated")


class MarkovCounts:
    """Counts of the (k+1)-mers of a training set, dense or sparse.

    Attributes
    ----------
    k : int
        Model order (context length).
    codes : numpy.ndarray or None
        Sparse form: sorted ``int64`` (k+1)-mer codes seen in training.
    joint : numpy.ndarray
        ``int32`` counts: all ``4 ** (k+1)`` (dense) or one per entry of ``codes``.
    total : int
        Number of counted windows.
    """

    def __init__(self, k: int, joint: np.ndarray, codes: np.ndarray | None = None) -> None:
        self.k = k
        self.joint = joint
        self.codes = codes
        self.total = int(joint.sum(dtype=np.int64))
        if codes is None:  # dense: contexts are rows of 4
            self.context = joint.reshape(-1, 4).sum(axis=1, dtype=np.int64).astype(np.int32)
        else:
            ctx = codes >> 2
            self.context_codes, starts = np.unique(ctx, return_index=True)
            self.context = np.add.reduceat(joint, starts).astype(np.int32) if len(starts) else joint[:0]

    def lookup(self, kmers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``n(c, x)`` and ``n(c)`` for each (k+1)-mer code in ``kmers`` (``int64``, all valid)."""
        if self.codes is None:
            return self.joint[kmers], self.context[kmers >> 2]
        return _sparse_get(self.codes, self.joint, kmers), _sparse_get(self.context_codes, self.context, kmers >> 2)


def _sparse_get(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    if len(keys) == 0:
        return np.zeros(len(query), dtype=np.int32)
    idx = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return np.where(keys[idx] == query, values[idx], 0).astype(np.int32)


def _check_parts(parts: Sequence[np.ndarray], name: str) -> list[np.ndarray]:
    if isinstance(parts, np.ndarray):
        parts = [parts]
    out = [encode.to_codes(np.asarray(p, dtype=np.uint8)) if np.asarray(p).dtype != np.uint8 else np.asarray(p)
           for p in parts]
    for p in out:
        if p.ndim != 1:
            raise ValueError(f"{name} must be 1-D arrays of codes, got shape {p.shape}")
        if p.size and p.max() > encode.N_CODE:
            raise ValueError(f"{name} must hold codes 0..4 (A, C, G, T, N)")
    return out


def markov_counts(train_parts: Sequence[np.ndarray], k: int) -> MarkovCounts:
    """Count every N-free (k+1)-mer of the training parts (windows never cross parts).

    Parameters
    ----------
    train_parts : sequence of numpy.ndarray
        ``uint8`` codes, e.g. ``GenomeSplit.train_parts``.
    k : int
        Order, 0..15.

    Returns
    -------
    MarkovCounts
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= 15:
        raise ValueError(f"k must be an int between 0 and 15, got {k!r}")
    parts = _check_parts(train_parts, "train_parts")
    size = 4 ** (k + 1)
    if size <= _BINCOUNT_LIMIT:
        joint = np.zeros(size, dtype=np.int64)
        for part in parts:
            if len(part) > k:
                codes = kmer_codes(part, k + 1)
                joint += np.bincount(codes[codes >= 0], minlength=size)
        return MarkovCounts(k, joint.astype(np.int32))
    seen = [kmer_codes(p, k + 1) for p in parts if len(p) > k]
    flat = np.concatenate([c[c >= 0] for c in seen]) if seen else np.empty(0, dtype=np.int64)
    del seen
    codes, counts = np.unique(flat, return_counts=True)
    return MarkovCounts(k, counts.astype(np.int32), codes)


def _scored_windows(segments: Sequence[tuple[np.ndarray, int]], k_max: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per segment: its codes and the positions scored (window of ``k_max + 1`` bases without N)."""
    out = []
    for codes, first in segments:
        codes = _check_parts([codes], "segments")[0]
        first = int(first)
        lo = max(first, k_max)
        if lo >= len(codes):
            out.append((codes, np.empty(0, dtype=np.int64)))
            continue
        windows = kmer_codes(codes, k_max + 1)  # window i ends at position i + k_max
        positions = np.arange(lo, len(codes), dtype=np.int64)
        out.append((codes, positions[windows[positions - k_max] >= 0]))
    return out


def markov_log_probs(counts: MarkovCounts, codes: np.ndarray, positions: np.ndarray, *,
                     alpha: float = 0.5, prior: np.ndarray | None = None, beta: float = 64.0) -> np.ndarray:
    """Natural-log probability of the base at each of ``positions`` under an order-k model.

    Parameters
    ----------
    counts : MarkovCounts
    codes : numpy.ndarray
        ``uint8`` codes of one segment.
    positions : numpy.ndarray
        ``int64`` positions to score; each needs ``k`` N-free bases before it.
    alpha : float, default 0.5
        Add-alpha pseudo-count (used when ``prior`` is None).
    prior : numpy.ndarray, optional
        Probabilities of the same bases under the order-(k-1) model: use the
        interpolated estimate with strength ``beta`` instead of add-alpha.

    Returns
    -------
    numpy.ndarray
        ``float64`` log-probabilities, shape ``positions.shape``.
    """
    k = counts.k
    kmer = np.zeros(len(positions), dtype=np.int64)
    for j in range(k, -1, -1):  # oldest base most significant, matching genomenb.kmers.kmer_codes
        kmer = (kmer << 2) | codes[positions - j].astype(np.int64)
    joint, context = counts.lookup(kmer)
    if prior is None:
        p = (joint + alpha) / (context + 4 * alpha)
    else:
        p = (joint + beta * prior) / (context + beta)
    return np.log(p)


def markov_perplexities(train_parts: Sequence[np.ndarray], segments: Sequence[tuple[np.ndarray, int]], *,
                        k_values: Sequence[int] = range(13), smoothing: str = "add_alpha", alpha: float = 0.5,
                        beta: float = 64.0) -> pd.DataFrame:
    """Held-out perplexity of order-k Markov models for every k in ``k_values``.

    Parameters
    ----------
    train_parts : sequence of numpy.ndarray
        Codes the counts come from.
    segments : sequence of (numpy.ndarray, int)
        ``(codes, first_scored_position)`` of each evaluation segment; see the
        module docstring.
    k_values : sequence of int, default 0..12
    smoothing : {"add_alpha", "interpolated"}
        Add-alpha (``alpha``; 1/2 by default) or the recursive interpolation
        with the order-(k-1) model (strength ``beta``); "interpolated" needs
        ``k_values`` to be ``0..k_max`` without gaps.

    Returns
    -------
    pandas.DataFrame
        One row per k: ``k``, ``perplexity``, ``bits_per_base``,
        ``cross_entropy`` (nats), ``scored_bases``, ``contexts_seen``
        (distinct k-base contexts in training) and ``smoothing``.
    """
    if smoothing not in _SMOOTHINGS:
        raise ValueError(f"smoothing must be one of {', '.join(_SMOOTHINGS)}, got {smoothing!r}")
    k_values = [int(k) for k in k_values]
    if not k_values:
        raise ValueError("k_values is empty")
    if smoothing == "interpolated" and k_values != list(range(max(k_values) + 1)):
        raise ValueError("interpolated smoothing needs k_values = 0, 1, ..., k_max")
    if alpha <= 0 or beta <= 0:
        raise ValueError("alpha and beta must be > 0")
    scored = _scored_windows(segments, max(k_values))
    n_scored = sum(len(pos) for _, pos in scored)
    if n_scored == 0:
        raise ValueError("no base to score: segments are empty or every window holds an N")
    train_parts = _check_parts(train_parts, "train_parts")
    previous = [np.full(len(pos), 0.25) for _, pos in scored]
    rows = []
    for k in k_values:
        counts = markov_counts(train_parts, k)
        nats = 0.0
        for i, (codes, positions) in enumerate(scored):
            prior = previous[i] if smoothing == "interpolated" else None
            logp = markov_log_probs(counts, codes, positions, alpha=alpha, prior=prior, beta=beta)
            nats -= float(logp.sum())
            if smoothing == "interpolated":
                previous[i] = np.exp(logp)
        ce = nats / n_scored
        contexts = int(np.count_nonzero(counts.context)) if counts.codes is None else len(counts.context_codes)
        rows.append({"k": k, "perplexity": math.exp(ce), "bits_per_base": ce / math.log(2), "cross_entropy": ce,
                     "scored_bases": n_scored, "contexts_seen": contexts, "smoothing": smoothing})
        del counts
    return pd.DataFrame(rows)
