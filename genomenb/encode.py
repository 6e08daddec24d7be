"""Sequence encodings: integer codes, one-hot, reverse complement, sliding windows, GC.

Every model and baseline in the book sees DNA through the encodings defined
here, so they are fixed once:

Integer codes
    ``uint8`` with ``A=0, C=1, G=2, T=3, N=4``. Lowercase letters (soft-masked
    repeats) map like uppercase; every other byte -- IUPAC ambiguity letters
    (R, Y, K, M, ...), gaps, digits, whitespace -- maps to ``4`` (N).
    :data:`ALPHABET` is ``"ACGTN"``, so ``ALPHABET[code]`` decodes a code.
One-hot
    Channels-last ``(..., L, 4)`` (``(N, L, 4)`` for a batch) ``float32`` with
    channels in ``A, C, G, T`` order; an ``N`` is an all-zero row (no base is
    preferred).
Reverse complement
    Maps a code ``x`` in ``0..3`` to ``3 - x`` (A<->T, C<->G), keeps ``N = 4``,
    and reverses the sequence (last) axis. On one-hot arrays this is a flip of
    both the length and the channel axes.

k-mer codes and counts, built on these integer codes, live in
:mod:`genomenb.kmers`.

Everything is vectorised NumPy: lookup tables for encoding and decoding,
running counts for GC skew.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "ALPHABET",
    "N_CODE",
    "check_codes",
    "to_codes",
    "pad_codes",
    "decode",
    "one_hot",
    "reverse_complement",
    "reverse_complement_one_hot",
    "sliding_windows",
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
_SIDES = ("pre", "post")


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


def check_codes(codes: object, *, ndim: tuple[int, ...] | None = None, name: str = "codes") -> np.ndarray:
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


def pad_codes(seqs: Iterable[np.ndarray | str | bytes], length: int, *, side: str = "pre", truncate: str = "pre",
              pad_value: int = N_CODE) -> np.ndarray:
    """Pad or truncate sequences of codes to one length: a ``(N, length)`` ``uint8`` array.

    Parameters
    ----------
    seqs : iterable of array-like, str or bytes
        One sequence per row: integer codes ``0..4`` (arrays or lists), or
        DNA text (``str`` / ``bytes``, encoded with :func:`genomenb.encode.to_codes`).
    length : int
        Columns of the result (>= 1).
    side : {"pre", "post"}, default "pre"
        Where a shorter sequence is padded: before it (the seed's and Keras'
        ``pad_sequences`` default; the forward LSTM then ends on real bases) or after it.
    truncate : {"pre", "post"}, default "pre"
        Which end of a longer sequence is cut: "pre" drops its first bases and
        keeps the last ``length`` (Keras' default, the seed's), "post" keeps the first ``length``.
    pad_value : int, default 4 (N)
        The padding code, 0..4; the default keeps padding apart from A (0).

    Returns
    -------
    numpy.ndarray
        ``uint8`` ``(N, length)``.

    Examples
    --------
    >>> pad_codes([[0, 1], [0, 1, 2, 3]], 3).tolist()
    [[4, 0, 1], [1, 2, 3]]
    """
    length = _check_k(length, None, "length")
    if isinstance(pad_value, bool) or not isinstance(pad_value, (int, np.integer)) or not 0 <= pad_value <= N_CODE:
        raise ValueError(f"pad_value must be between 0 and {N_CODE}, got {pad_value!r}")
    for name, value in (("side", side), ("truncate", truncate)):
        if value not in _SIDES:
            raise ValueError(f"{name} must be 'pre' or 'post', got {value!r}")
    if isinstance(seqs, (str, bytes, bytearray)):
        raise TypeError("seqs must be a list of sequences, not one sequence; wrap it in a list")
    rows = list(seqs)
    out = np.full((len(rows), length), pad_value, dtype=np.uint8)
    for i, seq in enumerate(rows):
        if isinstance(seq, (str, bytes, bytearray)):
            codes = to_codes(seq)
        elif np.size(seq) == 0:
            continue  # an empty sequence: a row of padding
        else:
            codes = check_codes(seq, ndim=(1,), name=f"seqs[{i}]")
        if len(codes) > length:
            codes = codes[-length:] if truncate == "pre" else codes[:length]
        if len(codes):
            if side == "pre":
                out[i, length - len(codes):] = codes
            else:
                out[i, :len(codes)] = codes
    return out


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
    arr = check_codes(codes, ndim=(1, 2))
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
    arr = check_codes(codes)
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
    arr = check_codes(codes)
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


# --------------------------------------------------------------------------- windows


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
    arr = check_codes(codes)
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
    arr = check_codes(codes, ndim=(1,))
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
    arr = check_codes(codes)
    if arr.ndim == 0:
        raise ValueError("cumulative_gc_skew needs at least a 1-D array of codes")
    return np.cumsum(_SKEW_STEP[arr], axis=-1, dtype=np.int64)
