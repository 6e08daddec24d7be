"""k-mers: rolling base-4 codes, per-row counts and the k-mer feature table of the baselines.

The k-mer baseline (:mod:`genomenb.baselines.kmer`), the Markov models
(:mod:`genomenb.baselines.markov`) and the genome statistics
(:mod:`genomenb.genome_stats`) count k-mers here. Inputs are the integer codes
of :mod:`genomenb.encode`, whose conventions are:

Integer codes
    ``uint8`` with ``A=0, C=1, G=2, T=3, N=4`` (:func:`genomenb.encode.to_codes`).
One-hot
    Channels-last ``(..., L, 4)`` (``(N, L, 4)`` for a batch) ``float32`` with
    channels in ``A, C, G, T`` order; an ``N`` is an all-zero row.
Reverse complement
    Maps a code ``x`` in ``0..3`` to ``3 - x`` (A<->T, C<->G), keeps ``N = 4``,
    and reverses the sequence axis.
k-mer codes
    The k-mer starting at position ``i`` has code
    ``sum(codes[i + j] * 4 ** (k - 1 - j) for j in range(k))`` (base 4, first
    base most significant, so codes sort lexicographically in ``ACGT`` order);
    ``-1`` marks a window that contains an ``N``. Windows containing an ``N``
    are never counted.

Everything is vectorised NumPy: rolling base-4 codes and one ``np.bincount``
per row chunk.
"""

from __future__ import annotations

from itertools import product

import numpy as np

from genomenb.encode import N_CODE, _check_k, check_codes

__all__ = ["kmer_codes", "kmer_counts", "kmer_feature_names", "kmer_features"]

_MAX_K_CODES = 31  # 4**31 = 2**62 still fits int64
_MAX_K_COUNTS = 12  # 4**12 = 16.7 M columns per row is already impractical
_FEATURE_CHUNK_ROWS = 256  # keeps one chunk's working arrays (~3 MiB) in cache


def _as_rows(codes: object, name: str = "codes") -> np.ndarray:
    """Codes as a 2-D (N, L) uint8 array; a 1-D sequence becomes one row."""
    arr = check_codes(codes, ndim=(1, 2), name=name)
    return arr[None, :] if arr.ndim == 1 else arr


def _rolling_codes(codes: np.ndarray, k: int, dtype: type) -> tuple[np.ndarray, np.ndarray | None]:
    """Base-4 codes of every k-window (ignoring N) and a mask of windows holding an N.

    ``codes`` is uint8 (..., L) with L >= k; returns (..., L-k+1) arrays. The
    mask is None when there is no N at all, which skips all masking work.
    """
    n_win = codes.shape[-1] - k + 1
    # Horner's rule, one shifted slice per base: k vectorised passes, no window copies.
    out = (codes[..., :n_win] & 3).astype(dtype)
    for j in range(1, k):
        out <<= 2
        out |= codes[..., j:j + n_win] & 3
    is_n = codes == N_CODE
    if not is_n.any():
        return out, None
    # windows containing an N: difference of a running N count
    csum = np.zeros(codes.shape[:-1] + (codes.shape[-1] + 1,), dtype=np.int32)
    np.cumsum(is_n, axis=-1, out=csum[..., 1:])
    return out, (csum[..., k:] - csum[..., :n_win]) > 0


def kmer_codes(codes: np.ndarray, k: int) -> np.ndarray:
    """Base-4 code of the k-mer starting at every position (-1 if it holds an N).

    Parameters
    ----------
    codes : numpy.ndarray
        Integer codes 0..4, shape ``(..., L)``.
    k : int
        k-mer length, 1..31.

    Returns
    -------
    numpy.ndarray
        ``int64``, shape ``(..., max(L - k + 1, 0))``; entry ``i`` is
        ``sum(codes[i + j] * 4 ** (k - 1 - j))`` or ``-1`` when
        ``codes[i:i + k]`` contains an ``N``.
    """
    k = _check_k(k, _MAX_K_CODES)
    arr = check_codes(codes)
    if arr.ndim == 0:
        raise ValueError("kmer_codes needs at least a 1-D array of codes")
    if arr.shape[-1] < k:
        return np.empty(arr.shape[:-1] + (0,), dtype=np.int64)
    out, has_n = _rolling_codes(arr, k, np.int64)
    if has_n is not None:
        out[has_n] = -1
    return out


def kmer_counts(codes2d: np.ndarray, k: int) -> np.ndarray:
    """Count every k-mer in each row.

    Windows containing an ``N`` are not counted.

    Parameters
    ----------
    codes2d : numpy.ndarray
        Integer codes 0..4, shape ``(N, L)``; a 1-D sequence counts as one row.
    k : int
        k-mer length, 1..12.

    Returns
    -------
    numpy.ndarray
        ``int32`` counts of shape ``(N, 4 ** k)``; column ``c`` is the k-mer
        with base-4 code ``c`` (see :func:`kmer_feature_names`).
    """
    k = _check_k(k, _MAX_K_COUNTS)
    rows = _as_rows(codes2d, "codes2d")
    n_rows, length = rows.shape
    n_cols = 4 ** k
    out = np.zeros((n_rows, n_cols), dtype=np.int32)
    if length < k:
        return out
    # bound the int64 bincount temporary to ~32 MiB whatever N and k are
    chunk = max(1, (1 << 22) // max(n_cols, length))
    for start in range(0, n_rows, chunk):
        part = rows[start:start + chunk]
        kmers, has_n = _rolling_codes(part, k, np.int64)
        kmers += (np.arange(part.shape[0], dtype=np.int64) * n_cols)[:, None]
        flat = kmers.ravel() if has_n is None else kmers[~has_n]
        out[start:start + chunk] = np.bincount(flat, minlength=part.shape[0] * n_cols).reshape(-1, n_cols)
    return out


def kmer_feature_names(k_max: int = 5, k_min: int = 1) -> list[str]:
    """Column names of :func:`kmer_features`: every k-mer, k = k_min..k_max, in ACGT order.

    Examples
    --------
    >>> kmer_feature_names(2)[:6]
    ['A', 'C', 'G', 'T', 'AA', 'AC']
    >>> len(kmer_feature_names(5))
    1364
    """
    k_min, k_max = _check_k_range(k_min, k_max)
    return ["".join(p) for k in range(k_min, k_max + 1) for p in product("ACGT", repeat=k)]


def _check_k_range(k_min: int, k_max: int) -> tuple[int, int]:
    k_max = _check_k(k_max, _MAX_K_COUNTS - 4, "k_max")  # sum of 4**k blocks must stay practical
    k_min = _check_k(k_min, k_max, "k_min")
    return k_min, k_max


def kmer_features(
    codes2d: np.ndarray,
    k_max: int = 5,
    k_min: int = 1,
    normalize: bool = False,
    chunk_rows: int = _FEATURE_CHUNK_ROWS,
) -> np.ndarray:
    """Concatenated k-mer count vectors for k = k_min..k_max (the k-mer baseline's input).

    For ``k_min=1, k_max=5`` this gives 4 + 16 + 64 + 256 + 1024 = 1364
    columns, the feature set of the seed paper's logistic-regression baseline.
    Windows containing an ``N`` are not counted.

    Parameters
    ----------
    codes2d : numpy.ndarray
        Integer codes 0..4, shape ``(N, L)``; a 1-D sequence counts as one row.
    k_max : int, default 5
        Largest k, ``1..8``.
    k_min : int, default 1
        Smallest k, ``1..k_max``.
    normalize : bool, default False
        Divide each k block by its number of valid (N-free) windows, so each
        block of a row sums to 1 (all 0 when the row has no valid window).
    chunk_rows : int, default 256
        Rows processed per step. Working memory beyond the output is about
        ``chunk_rows * (sum_k 4**k + 5 L) * 8`` bytes; a few hundred rows keep
        it inside the CPU cache, which is what makes this fast.

    Returns
    -------
    numpy.ndarray
        ``float32`` of shape ``(N, sum(4**k for k in range(k_min, k_max + 1)))``,
        columns named by :func:`kmer_feature_names`. Counts are exact
        (float32 holds integers up to 2**24).

    Notes
    -----
    Rows without ``N`` take a fast path: only the ``k_max``-mers are counted
    (one bincount), and each shorter block is obtained from the next longer one
    by summing over the first base (every k-mer but the row's first one is the
    suffix of exactly one (k+1)-mer) and adding that first k-mer. Rows with an
    ``N`` count every k directly.
    """
    k_min, k_max = _check_k_range(k_min, k_max)
    chunk_rows = _check_k(chunk_rows, None, "chunk_rows")
    rows = _as_rows(codes2d, "codes2d")
    n_rows, length = rows.shape
    block_sizes = [4 ** k for k in range(k_min, k_max + 1)]
    out = np.empty((n_rows, sum(block_sizes)), dtype=np.float32)
    for start in range(0, n_rows, chunk_rows):
        chunk = rows[start:start + chunk_rows]
        target = out[start:start + chunk_rows]
        has_n = (chunk == N_CODE).any(axis=1) if length >= k_max else np.ones(len(chunk), dtype=bool)
        if not has_n.any():
            _count_clean_rows(chunk, k_min, k_max, target)
        elif has_n.all():
            _count_rows_with_n(chunk, k_min, k_max, target)
        else:
            clean = ~has_n
            target[clean] = _count_clean_rows(chunk[clean], k_min, k_max)
            target[has_n] = _count_rows_with_n(chunk[has_n], k_min, k_max)
    if normalize:
        col = 0
        for size in block_sizes:
            block = out[:, col:col + size]
            totals = block.sum(axis=1, keepdims=True)
            np.divide(block, totals, out=block, where=totals > 0)
            col += size
    return out


def _count_clean_rows(rows: np.ndarray, k_min: int, k_max: int, out: np.ndarray | None = None) -> np.ndarray:
    """k-mer counts for rows of codes 0..3 only, with ``L >= k_max``; fills ``out`` (n, F) float32."""
    n_rows, length = rows.shape
    n_windows = length - k_max + 1
    top = 4 ** k_max
    if out is None:
        out = np.empty((n_rows, sum(4 ** k for k in range(k_min, k_max + 1))), dtype=np.float32)
    # Rolling codes over the flattened chunk: contiguous 1-D passes are much faster
    # than row-wise 2-D slices; windows that straddle two rows are simply never read.
    flat = rows.reshape(-1)
    rolled = flat.astype(np.uint16 if k_max <= 8 else np.uint32)
    m = flat.size
    for j in range(1, k_max):
        m -= 1
        head = rolled[:m]
        head <<= 2
        head |= flat[j:j + m]
    kmers = rolled.reshape(n_rows, length)
    index = np.add(kmers[:, :n_windows], (np.arange(n_rows, dtype=np.intp) * top)[:, None], dtype=np.intp)
    offset = out.shape[1] - top
    out[:, offset:] = np.bincount(index.ravel(), minlength=n_rows * top).reshape(n_rows, top)
    first = kmers[:, 0].astype(np.intp)  # code of each row's first k_max-mer
    row_ids = np.arange(n_rows)
    for k in range(k_max - 1, k_min - 1, -1):
        size = 4 ** k
        longer = out[:, offset:offset + 4 * size]
        offset -= size
        block = out[:, offset:offset + size]
        # summing the four first-base slices counts every k-mer that is a (k+1)-mer suffix ...
        np.add(longer[:, :size], longer[:, size:2 * size], out=block)
        block += longer[:, 2 * size:3 * size]
        block += longer[:, 3 * size:]
        # ... which misses only the row's first k-mer
        first >>= 2
        block[row_ids, first] += 1
    return out


def _count_rows_with_n(rows: np.ndarray, k_min: int, k_max: int, out: np.ndarray | None = None) -> np.ndarray:
    """k-mer counts for any rows (Ns allowed, any length) with one bincount over all k blocks.

    Every window becomes ``row * (F + 1) + block_offset_k + code``; windows with
    an N go to a spare column F that is dropped afterwards, which is cheaper
    than compacting the index array with a boolean mask.
    """
    n_rows, length = rows.shape
    n_features = sum(4 ** k for k in range(k_min, k_max + 1))
    if out is None:
        out = np.empty((n_rows, n_features), dtype=np.float32)
    stride = n_features + 1
    flat = rows.reshape(-1)
    is_n = flat == N_CODE
    rolled = (flat & 3).astype(np.intp)
    in_n = is_n.copy()  # does the window starting here contain an N
    row_base = (np.arange(n_rows, dtype=np.intp) * stride)[:, None]
    spill = row_base + n_features
    n_index = sum(max(length - k + 1, 0) for k in range(k_min, k_max + 1))
    index = np.empty((n_rows, n_index), dtype=np.intp)
    col = 0
    offset = 0
    m = flat.size
    for k in range(1, k_max + 1):
        n_windows = length - k + 1
        if n_windows <= 0:
            break
        if k > 1:
            m -= 1
            head = rolled[:m]
            head <<= 2
            head |= flat[k - 1:k - 1 + m] & 3
            in_n[:m] |= is_n[k - 1:k - 1 + m]
        if k >= k_min:
            view = index[:, col:col + n_windows]
            np.add(rolled.reshape(n_rows, length)[:, :n_windows], row_base + offset, out=view)
            np.copyto(view, spill, where=in_n.reshape(n_rows, length)[:, :n_windows])
            col += n_windows
            offset += 4 ** k
    counts = np.bincount(index.ravel(), minlength=n_rows * stride)
    out[...] = counts.reshape(n_rows, stride)[:, :n_features]
    return out
