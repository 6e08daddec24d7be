"""Sequence encodings: integer codes, one-hot, reverse complement, k-mers, GC.

Every model and baseline in the book sees DNA through the encodings defined
here, so they are fixed once:

Integer codes
    ``uint8`` with ``A=0, C=1, G=2, T=3, N=4``. Lowercase letters (soft-masked
    repeats) map like uppercase; every other byte -- IUPAC ambiguity letters
    (R, Y, K, M, ...), gaps, digits, whitespace -- maps to ``4`` (N).
    :data:`ALPHABET` is ``"ACGTN"``, so ``ALPHABET[code]`` decodes a code.
One-hot
    Channels-last ``(..., L, 4)`` ``float32`` with channels in ``A, C, G, T``
    order; an ``N`` is an all-zero row (no base is preferred).
Reverse complement
    Maps a code ``x`` in ``0..3`` to ``3 - x`` (A<->T, C<->G), keeps ``N = 4``,
    and reverses the sequence (last) axis. On one-hot arrays this is a flip of
    both the length and the channel axes.
k-mer codes
    The k-mer starting at position ``i`` has code
    ``sum(codes[i + j] * 4 ** (k - 1 - j) for j in range(k))`` (base 4, first
    base most significant, so codes sort lexicographically in ``ACGT`` order);
    ``-1`` marks a window that contains an ``N``.

Everything is vectorised NumPy: lookup tables for encoding, rolling base-4
codes and one ``np.bincount`` per row chunk for k-mer counting.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "ALPHABET",
    "N_CODE",
    "to_codes",
    "decode",
    "one_hot",
    "reverse_complement",
    "reverse_complement_one_hot",
    "sliding_windows",
    "kmer_codes",
    "kmer_counts",
    "kmer_feature_names",
    "kmer_features",
    "gc_content",
    "gc_skew",
    "cumulative_gc_skew",
]

ALPHABET = "ACGTN"
N_CODE = 4

# byte -> code table; anything that is not ACGT/acgt is N.
_ENCODE = np.full(256, N_CODE, dtype=np.uint8)
for _i, _base in enumerate(b"ACGT"):
    _ENCODE[_base] = _i
    _ENCODE[_base + 32] = _i  # lowercase
_ENCODE.setflags(write=False)

_DECODE = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
_COMPLEMENT = np.array([3, 2, 1, 0, 4], dtype=np.uint8)
# +1 for G, -1 for C: the strand asymmetry that flips at origin and terminus.
_SKEW_STEP = np.array([0, -1, 1, 0, 0], dtype=np.int8)

_MAX_K_CODES = 31  # 4**31 = 2**62 still fits int64
_MAX_K_COUNTS = 12  # 4**12 = 16.7 M columns per row is already impractical
_FEATURE_CHUNK_ROWS = 256  # keeps one chunk's working arrays (~3 MiB) in cache


# --------------------------------------------------------------------------- helpers


def _check_k(k: object, upper: int | None, name: str = "k") -> int:
    """``k`` as an int in ``1..upper`` (no upper bound when None), or a clear error."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(k).__name__}")
    k = int(k)
    if upper is None and k < 1:
        raise ValueError(f"{name} must be >= 1, got {k}")
    if upper is not None and not 1 <= k <= upper:
        raise ValueError(f"{name} must be between 1 and {upper}, got {k}")
    return k


def _check_codes(codes: object, *, ndim: tuple[int, ...] | None = None, name: str = "codes") -> np.ndarray:
    """Return ``codes`` as a uint8 array of values 0..4, or raise a clear error."""
    if isinstance(codes, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"{name} must be an integer array of codes; encode text first with to_codes()")
    try:
        arr = np.asarray(codes)
    except ValueError:  # ragged nested lists
        raise ValueError(f"{name} must be a rectangular array of codes; rows have different lengths") from None
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind in "SU":
            raise TypeError(f"{name} must be integer codes, got text of dtype {arr.dtype}; "
                            "encode it first with to_codes()")
        raise TypeError(f"{name} must be an integer array of codes 0..4, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim not in ndim:
        want = " or ".join(f"{d}-D" for d in ndim)
        raise ValueError(f"{name} must be {want}, got a {arr.ndim}-D array of shape {arr.shape}")
    if arr.size:
        lo, hi = arr.min(), arr.max()
        if lo < 0 or hi > N_CODE:
            bad = lo if lo < 0 else hi
            raise ValueError(f"{name} must hold codes 0..4 (A, C, G, T, N), found {int(bad)}")
    return arr.astype(np.uint8, copy=False)


def _as_rows(codes: object, name: str = "codes") -> np.ndarray:
    """Codes as a 2-D (N, L) uint8 array; a 1-D sequence becomes one row."""
    arr = _check_codes(codes, ndim=(1, 2), name=name)
    return arr[None, :] if arr.ndim == 1 else arr


# --------------------------------------------------------------------------- encode / decode


def _text_array_to_bytes(arr: np.ndarray) -> np.ndarray:
    """A 'S' or 'U' array of equal-length strings -> uint8 (..., L) bytes."""
    if arr.dtype.kind == "S":
        width = arr.dtype.itemsize
        raw = np.ascontiguousarray(arr).view(np.uint8).reshape(arr.shape + (width,))
    else:  # 'U' stores UCS-4; code points past one byte are not ACGT, so clip them to N
        width = arr.dtype.itemsize // 4
        wide = np.ascontiguousarray(arr).view(np.uint32).reshape(arr.shape + (width,))
        raw = np.minimum(wide, 255).astype(np.uint8)
    if width == 1 and arr.ndim >= 1:
        return raw[..., 0]  # an array of single characters: one position per element
    # NumPy pads shorter strings with NUL bytes; those are unequal lengths, not Ns.
    if arr.size and (raw[..., -1] == 0).any():
        raise ValueError("all sequences must have the same length to form a 2-D array "
                         "(found NUL padding in a fixed-width string array)")
    return raw


def to_codes(seq: str | bytes | bytearray | memoryview | np.ndarray | Sequence[str | bytes]) -> np.ndarray:
    """Encode DNA text as integer codes ``A=0 C=1 G=2 T=3 N=4``.

    Parameters
    ----------
    seq : str, bytes, bytearray, memoryview, numpy.ndarray or list of str/bytes
        One sequence (text or a bytes-like object), or a list/tuple of
        equal-length sequences. An ``ndarray`` may hold ASCII bytes
        (``uint8``), single characters or fixed-width strings (``S``/``U``
        dtype); a ``uint8`` array whose values are all ``<= 4`` is taken to be
        codes already and is returned unchanged (as a copy), so encoding twice
        is harmless. Lowercase is accepted; any byte other than ``ACGTacgt``
        becomes ``N``.

    Returns
    -------
    numpy.ndarray
        ``uint8`` codes: shape ``(L,)`` for one sequence, ``(N, L)`` for a
        list of ``N`` sequences of length ``L``.

    Raises
    ------
    ValueError
        If the sequences of a list have different lengths.
    TypeError
        For inputs that are not text, bytes or arrays of them.

    Examples
    --------
    >>> to_codes("ACGTn").tolist()
    [0, 1, 2, 3, 4]
    >>> to_codes(["AC", "GT"]).shape
    (2, 2)
    """
    if isinstance(seq, str):
        # latin-1 keeps one byte per character; 'replace' turns wider characters into '?' (-> N)
        return _ENCODE[np.frombuffer(seq.encode("latin-1", "replace"), dtype=np.uint8)]
    if isinstance(seq, (bytes, bytearray)):
        return _ENCODE[np.frombuffer(seq, dtype=np.uint8)]
    if isinstance(seq, memoryview):
        try:
            raw = np.frombuffer(seq.cast("B") if seq.c_contiguous else seq.tobytes(), dtype=np.uint8)
        except TypeError as exc:
            raise TypeError(f"to_codes could not read the memoryview as bytes ({exc})") from None
        return _ENCODE[raw]
    if isinstance(seq, np.ndarray):
        if seq.dtype.kind in "SU":
            return _ENCODE[_text_array_to_bytes(seq)]
        if seq.dtype == np.uint8:
            if seq.size and seq.max() <= N_CODE:
                return seq.copy()  # already codes
            return _ENCODE[seq]
        if seq.dtype == np.int8:
            return _ENCODE[seq.view(np.uint8)]
        raise TypeError(f"to_codes expects text, bytes, or a uint8/'S'/'U' array, got an array of dtype {seq.dtype}")
    if isinstance(seq, (list, tuple)):
        return _list_to_codes(seq)
    raise TypeError(f"to_codes expects str, bytes, a NumPy array or a list of sequences, got {type(seq).__name__}")


def _list_to_codes(seqs: Sequence[str | bytes]) -> np.ndarray:
    n = len(seqs)
    if n == 0:
        return np.empty((0, 0), dtype=np.uint8)
    first = seqs[0]
    if isinstance(first, str):
        if not all(isinstance(s, str) for s in seqs):
            raise TypeError("to_codes: a list of sequences must hold only str or only bytes")
        joined = "".join(seqs).encode("latin-1", "replace")
    elif isinstance(first, (bytes, bytearray)):
        if not all(isinstance(s, (bytes, bytearray)) for s in seqs):
            raise TypeError("to_codes: a list of sequences must hold only str or only bytes")
        joined = b"".join(seqs)
    else:
        raise TypeError(f"to_codes: list items must be str or bytes, got {type(first).__name__}")
    length = len(first)
    if len(joined) != n * length or any(len(s) != length for s in seqs):
        lengths = sorted(set(map(len, seqs)))
        shown = ", ".join(map(str, lengths[:5])) + (", ..." if len(lengths) > 5 else "")
        raise ValueError(f"all sequences must have the same length to form a 2-D array; "
                         f"found lengths {shown} (pad or crop them first)")
    return _ENCODE[np.frombuffer(joined, dtype=np.uint8)].reshape(n, length)


def decode(codes: np.ndarray) -> str | list[str]:
    """Turn integer codes back into text (``N`` for code 4).

    Parameters
    ----------
    codes : numpy.ndarray
        Integer codes 0..4, shape ``(L,)`` or ``(N, L)``.

    Returns
    -------
    str or list of str
        One string for 1-D input, a list of ``N`` strings for 2-D input.
    """
    arr = _check_codes(codes, ndim=(1, 2))
    text = _DECODE[arr].tobytes().decode("ascii")
    if arr.ndim == 1:
        return text
    length = arr.shape[1]
    return [text[i * length:(i + 1) * length] for i in range(arr.shape[0])]


# --------------------------------------------------------------------------- one-hot / reverse complement


def one_hot(codes: np.ndarray, dtype: np.dtype | type = np.float32) -> np.ndarray:
    """One-hot encode codes, channels last; ``N`` becomes an all-zero row.

    Parameters
    ----------
    codes : numpy.ndarray
        Integer codes 0..4 of any shape ``S`` (typically ``(L,)`` or ``(N, L)``).
    dtype : numpy dtype, default ``float32``
        Output dtype (``uint8`` or ``bool`` save memory for storage).

    Returns
    -------
    numpy.ndarray
        Shape ``S + (4,)``, channels ``A, C, G, T``.

    Raises
    ------
    ValueError
        If a code is outside 0..4.
    TypeError
        If ``codes`` is not an integer array.
    """
    arr = _check_codes(codes)
    table = np.eye(5, 4, dtype=dtype)  # row 4 (N) is all zeros
    # np.take along axis 0 copies whole 4-channel rows; ~4x faster than table[arr]
    return np.take(table, arr, axis=0)


def reverse_complement(codes: np.ndarray) -> np.ndarray:
    """Reverse complement of integer codes along the last axis.

    Parameters
    ----------
    codes : numpy.ndarray
        Integer codes 0..4, shape ``(..., L)``.

    Returns
    -------
    numpy.ndarray
        ``uint8`` array of the same shape: ``3 - x`` for ``x`` in 0..3,
        ``N`` stays 4, sequence order reversed.
    """
    arr = _check_codes(codes)
    if arr.ndim == 0:
        raise ValueError("reverse_complement needs at least a 1-D array of codes")
    return _COMPLEMENT[arr[..., ::-1]]


def reverse_complement_one_hot(x: np.ndarray) -> np.ndarray:
    """Reverse complement of a one-hot array ``(..., L, 4)``.

    Channels are ordered ``A, C, G, T``, so complementing is reversing the
    channel axis; all-zero ``N`` rows stay all zero.

    Parameters
    ----------
    x : numpy.ndarray
        Shape ``(..., L, 4)``, any dtype (model inputs or saliency maps).

    Returns
    -------
    numpy.ndarray
        A new array (a copy, not a view) of the same shape and dtype.
    """
    arr = np.asarray(x)
    if arr.ndim < 2 or arr.shape[-1] != 4:
        raise ValueError(f"expected a one-hot array of shape (..., L, 4), got shape {arr.shape}")
    return arr[..., ::-1, ::-1].copy()


# --------------------------------------------------------------------------- windows and k-mers


def sliding_windows(codes: np.ndarray, width: int, step: int = 1) -> np.ndarray:
    """Windows of ``width`` positions every ``step`` positions, as a read-only view.

    Parameters
    ----------
    codes : numpy.ndarray
        Array of shape ``(..., L)`` (codes or anything else; no copy is made).
    width : int
        Window width, ``1 <= width <= L``.
    step : int, default 1
        Distance between window starts, ``>= 1``.

    Returns
    -------
    numpy.ndarray
        Read-only view of shape ``(..., n, width)`` with
        ``n = (L - width) // step + 1``; window ``j`` starts at ``j * step``.
        Copy it before writing to it.
    """
    arr = np.asarray(codes)
    width = _check_k(width, None, "width")
    step = _check_k(step, None, "step")
    if arr.ndim == 0:
        raise ValueError("sliding_windows needs at least a 1-D array")
    length = arr.shape[-1]
    if width > length:
        raise ValueError(f"window width {width} is longer than the sequence (length {length})")
    return sliding_window_view(arr, width, axis=-1)[..., ::step, :]


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
    arr = _check_codes(codes)
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


# --------------------------------------------------------------------------- GC


def gc_content(codes: np.ndarray, axis: int | None = -1) -> float | np.ndarray:
    """GC fraction ``(G + C) / (A + C + G + T)``, ignoring N.

    Parameters
    ----------
    codes : numpy.ndarray
        Integer codes 0..4 of any shape.
    axis : int or None, default -1
        Axis to reduce; ``None`` reduces everything.

    Returns
    -------
    float or numpy.ndarray
        A Python float for 1-D input (or ``axis=None``), else a ``float64``
        array with ``axis`` removed. ``nan`` where there is no A/C/G/T.
    """
    arr = _check_codes(codes)
    if arr.ndim == 0:
        raise ValueError("gc_content needs at least a 1-D array of codes")
    if axis is not None and not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"axis {axis} is out of range for a {arr.ndim}-D array")
    gc = np.count_nonzero((arr == 1) | (arr == 2), axis=axis)
    acgt = np.count_nonzero(arr < N_CODE, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.true_divide(gc, acgt)
    if np.ndim(frac) == 0:
        return float(frac)
    return np.asarray(frac, dtype=np.float64)


def gc_skew(codes: np.ndarray, window: int, step: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """GC skew ``(G - C) / (G + C)`` in windows along one sequence.

    Parameters
    ----------
    codes : numpy.ndarray
        Integer codes 0..4, shape ``(L,)``.
    window : int
        Window width in bases, ``1 <= window <= L``.
    step : int, optional
        Distance between window starts; defaults to ``window``
        (non-overlapping windows). Only full windows are reported.

    Returns
    -------
    starts : numpy.ndarray
        ``int64`` window start positions, shape ``(n,)``.
    skew : numpy.ndarray
        ``float64`` skew per window, shape ``(n,)``; ``nan`` for windows
        without G or C.

    Notes
    -----
    Uses running G and C counts, so the cost is O(L) whatever the window.
    """
    arr = _check_codes(codes, ndim=(1,))
    window = _check_k(window, None, "window")
    step = window if step is None else _check_k(step, None, "step")
    length = arr.shape[0]
    if window > length:
        raise ValueError(f"window {window} is longer than the sequence (length {length})")
    starts = np.arange(0, length - window + 1, step, dtype=np.int64)
    cum_g = np.zeros(length + 1, dtype=np.int64)
    cum_c = np.zeros(length + 1, dtype=np.int64)
    np.cumsum(arr == 2, out=cum_g[1:])
    np.cumsum(arr == 1, out=cum_c[1:])
    g = cum_g[starts + window] - cum_g[starts]
    c = cum_c[starts + window] - cum_c[starts]
    with np.errstate(invalid="ignore", divide="ignore"):
        skew = (g - c) / (g + c)
    return starts, skew


def cumulative_gc_skew(codes: np.ndarray) -> np.ndarray:
    """Running sum of +1 per G and -1 per C along the last axis.

    On a bacterial chromosome the minimum of this curve marks the origin of
    replication and the maximum the terminus (for E. coli K-12 about 3.92 Mb
    and 1.6 Mb), because the leading strand is G-rich.

    Parameters
    ----------
    codes : numpy.ndarray
        Integer codes 0..4, shape ``(..., L)``.

    Returns
    -------
    numpy.ndarray
        ``int64`` of the same shape; entry ``i`` covers ``codes[..., :i + 1]``.
    """
    arr = _check_codes(codes)
    if arr.ndim == 0:
        raise ValueError("cumulative_gc_skew needs at least a 1-D array of codes")
    return np.cumsum(_SKEW_STEP[arr], axis=-1, dtype=np.int64)
