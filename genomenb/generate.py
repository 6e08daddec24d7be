"""Gene-like sequences sampled from genome language models under codon constraints.

Every generator is a *next-base distribution*: a callable
``next_probs(prefix)`` that takes the sequences generated so far as ``uint8``
codes ``(n, t)`` (``A=0 C=1 G=2 T=3``, :mod:`genomenb.encode`; never ``N``)
and returns ``(n, 4)`` probabilities of the next base. One sampler,
:func:`sample_constrained`, turns any of them into gene-like sequences, so the
language model, the Markov chain and the random-codon baseline are compared
under exactly the same constraints:

Constraints (bacterial genetic code, NCBI table 11)
    Each sequence has a length drawn uniformly among the multiples of 3 in
    ``[min_length, max_length]``, starts with ``ATG`` and ends with one stop
    codon (``TAA``, ``TAG``, ``TGA``), with no stop codon in frame before it.
    Decoding is constrained, not filtered: at the third base of every in-frame
    codon the bases that would complete a stop get probability 0; in the last
    codon the first base must be ``T``, the second ``A`` or ``G`` and the third
    one that completes ``TAA``/``TAG``/``TGA``. Among the allowed bases the
    choice is proportional to the generator's probabilities (renormalised), so
    every sequence satisfies :func:`check_gene_constraint` by construction.
Temperature
    Probabilities are raised to ``1 / T`` and renormalised (computed on
    log-probabilities, so a small ``T`` never underflows): ``T = 1`` samples in
    proportion to the model, as the seed paper does; ``T -> 0`` approaches
    greedy decoding; ``T > 1`` flattens. ``temperature`` may be one value per
    row, so several temperatures are sampled in one batched pass.
Generators
    :func:`lm_next_probs` (a character-level language model of
    :mod:`genomenb.models.charlm`, reading the last ``context`` bases through
    :func:`genomenb.predict.predict`, one call per step for all rows),
    :func:`markov_next_probs` (an order-k Markov chain counted by
    :func:`genomenb.baselines.markov.markov_counts` and scored by
    :func:`~genomenb.baselines.markov.markov_log_probs`) and
    :func:`iid_next_probs` (i.i.d. bases of a given GC content: under the
    constraints, a random-codon model without stops).

Randomness comes from one :class:`numpy.random.Generator` seeded by ``seed``:
the same seed, generator and arguments give the same sequences.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import keras
import numpy as np

from genomenb import encode
from genomenb.baselines.markov import MarkovCounts, markov_counts, markov_log_probs
from genomenb.predict import predict

__all__ = ["NextProbs", "STOP_CODONS", "START_CODON", "apply_temperature", "check_gene_constraint",
           "iid_next_probs", "lm_next_probs", "markov_next_probs", "sample_constrained", "sample_lengths"]

#: A next-base distribution: ``uint8`` codes ``(n, t)`` -> ``(n, 4)`` probabilities of A, C, G, T.
NextProbs = Callable[[np.ndarray], np.ndarray]

#: Stop codons of the bacterial, archaeal and plant plastid code (NCBI translation table 11).
STOP_CODONS: tuple[bytes, ...] = (b"TAA", b"TAG", b"TGA")
START_CODON = b"ATG"

_A, _C, _G, _T = 0, 1, 2, 3
_START = np.array([_A, _T, _G], dtype=np.uint8)


# --------------------------------------------------------------------------- checks


def check_gene_constraint(seq: bytes | str) -> bool:
    """Whether ``seq`` is a gene-like open reading frame.

    Parameters
    ----------
    seq : bytes or str
        DNA, 5' to 3' (case-insensitive).

    Returns
    -------
    bool
        True when the sequence starts with ``ATG``, its length is a multiple of
        3 (at least two codons), and its only in-frame stop codon (table 11:
        ``TAA``, ``TAG``, ``TGA``) is the last codon.
    """
    if isinstance(seq, str):
        seq = seq.encode("ascii", errors="replace")
    seq = bytes(seq).upper()
    if len(seq) < 6 or len(seq) % 3 or not seq.startswith(START_CODON):
        return False
    stops = [i for i in range(0, len(seq), 3) if seq[i:i + 3] in STOP_CODONS]
    return stops == [len(seq) - 3]


def _check_temperature(temperature: float | Sequence[float] | np.ndarray, n: int) -> np.ndarray:
    """``temperature`` as ``float64`` ``(n,)``, every value finite and > 0."""
    t = np.asarray(temperature, dtype=np.float64)
    if t.ndim == 0:
        t = np.full(n, float(t))
    if t.shape != (n,):
        raise ValueError(f"temperature must be one number or one per sequence (shape ({n},)), got shape {t.shape}")
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise ValueError("temperature must be finite and > 0 (use a small value such as 0.05 for near-greedy "
                         f"decoding), got {t[~(np.isfinite(t) & (t > 0))][:3].tolist()}")
    return t


def _check_int(value: object, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return int(value)


def apply_temperature(probs: np.ndarray, temperature: float | np.ndarray, *,
                      allowed: np.ndarray | None = None) -> np.ndarray:
    """Probabilities raised to ``1 / temperature`` and renormalised, restricted to ``allowed`` bases.

    Parameters
    ----------
    probs : numpy.ndarray
        ``(n, 4)`` non-negative probabilities (rows need not sum to 1).
    temperature : float or numpy.ndarray
        One value or one per row, each > 0.
    allowed : numpy.ndarray, optional
        ``(n, 4)`` bool: bases that may be chosen (every row needs one); all by default.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(n, 4)``, rows summing to 1, 0 outside ``allowed``. A row
        whose allowed bases all have probability 0 becomes uniform over them.
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 4:
        raise ValueError(f"probs must have shape (n, 4), got {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError("probs must be finite and non-negative")
    t = _check_temperature(temperature, len(p))
    allowed = np.ones(p.shape, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool)
    if allowed.shape != p.shape or not allowed.any(axis=1).all():
        raise ValueError("allowed must be an (n, 4) bool array with at least one allowed base per row")
    with np.errstate(divide="ignore"):
        logits = np.log(p) / t[:, None]
    logits = np.where(allowed, logits, -np.inf)
    top = logits.max(axis=1, keepdims=True)
    dead = ~np.isfinite(top[:, 0])  # every allowed base has probability 0: uniform over the allowed ones
    logits[dead] = np.where(allowed[dead], 0.0, -np.inf)
    top[dead] = 0.0
    w = np.exp(logits - top)
    return w / w.sum(axis=1, keepdims=True)


# --------------------------------------------------------------------------- the sampler


def sample_lengths(n: int, min_length: int, max_length: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` lengths drawn uniformly among the multiples of 3 in ``[min_length, max_length]`` (``int64``)."""
    lo, hi = 3 * math.ceil(min_length / 3), 3 * (max_length // 3)
    if lo < 6 or hi < lo:
        raise ValueError(f"need a multiple of 3 of at least 6 (start + stop codon) in [min_length, max_length] = "
                         f"[{min_length}, {max_length}]")
    return 3 * rng.integers(lo // 3, hi // 3 + 1, size=n)


def _allowed_bases(seqs: np.ndarray, t: int, final: np.ndarray) -> np.ndarray:
    """``(m, 4)`` bases allowed at position ``t`` of rows ``seqs`` (``final``: the row is in its stop codon)."""
    m = len(seqs)
    allowed = np.ones((m, 4), dtype=bool)
    phase = t % 3
    if phase == 2:
        ta = (seqs[:, t - 2] == _T) & (seqs[:, t - 1] == _A)
        tg = (seqs[:, t - 2] == _T) & (seqs[:, t - 1] == _G)
        # inside the gene: never complete TAA / TAG / TGA
        allowed[ta & ~final, _A] = False
        allowed[ta & ~final, _G] = False
        allowed[tg & ~final, _A] = False
        # last codon: complete one of them (the first two bases were forced to T, then A or G)
        allowed[final] = False
        allowed[final & ta, _A] = True
        allowed[final & ta, _G] = True
        allowed[final & tg, _A] = True
    elif phase == 0:
        allowed[final] = [False, False, False, True]
    else:
        allowed[final] = [True, False, True, False]
    return allowed


def sample_constrained(next_probs: NextProbs, n: int, *, min_length: int = 1000, max_length: int = 2000,
                       temperature: float | Sequence[float] | np.ndarray = 1.0, seed: int = 0,
                       progress: bool = True) -> list[bytes]:
    """Sample ``n`` gene-like sequences from a next-base distribution under the codon constraints.

    Parameters
    ----------
    next_probs : callable
        ``uint8`` codes ``(m, t)`` -> ``(m, 4)`` probabilities (:data:`NextProbs`),
        e.g. from :func:`lm_next_probs`, :func:`markov_next_probs` or
        :func:`iid_next_probs`. It is called once per position with every
        sequence still growing (``t >= 3``: the ``ATG`` is given).
    n : int
        Number of sequences.
    min_length, max_length : int, default 1000, 2000
        Length range in bases, stop codon included; each length is drawn
        uniformly among the multiples of 3 in the range.
    temperature : float or array of float, default 1.0
        One value, or one per sequence (shape ``(n,)``), each > 0; see the
        module docstring.
    seed : int, default 0
        Seeds the lengths and every draw.
    progress : bool, default True
        Show a tqdm progress bar over positions.

    Returns
    -------
    list[bytes]
        ``n`` upper-case ``ACGT`` sequences, in row order (row ``i`` used
        ``temperature[i]``), each satisfying :func:`check_gene_constraint`.
    """
    from tqdm.auto import tqdm

    if not callable(next_probs):
        raise TypeError(f"next_probs must be a callable (codes (n, t) -> probabilities (n, 4)), "
                        f"got {type(next_probs).__name__}")
    n = _check_int(n, "n", 1)
    min_length, max_length = _check_int(min_length, "min_length", 1), _check_int(max_length, "max_length", 1)
    temps = _check_temperature(temperature, n)
    rng = np.random.default_rng(seed)
    lengths = sample_lengths(n, min_length, max_length, rng)
    order = np.argsort(-lengths, kind="stable")  # longest first: the rows still growing are always seqs[:m]
    lengths_sorted, temps_sorted = lengths[order], temps[order]
    seqs = np.zeros((n, int(lengths.max())), dtype=np.uint8)
    seqs[:, :3] = _START
    for t in tqdm(range(3, seqs.shape[1]), desc="sampling", unit="base", disable=not progress, leave=False):
        m = int(np.count_nonzero(lengths_sorted > t))
        prefix = seqs[:m, :t]
        probs = np.asarray(next_probs(prefix))
        if probs.shape != (m, 4):
            raise ValueError(f"next_probs returned shape {probs.shape} for {m} prefixes; expected ({m}, 4)")
        final = t >= lengths_sorted[:m] - 3
        p = apply_temperature(probs, temps_sorted[:m], allowed=_allowed_bases(prefix, t, final))
        cum = np.cumsum(p, axis=1)
        u = rng.random(m) * cum[:, -1]
        seqs[:m, t] = np.argmax(cum > u[:, None], axis=1)  # first base whose cumulative weight passes u
    out: list[bytes] = [b""] * n
    for row, i in enumerate(order):
        out[i] = encode.decode(seqs[row, :lengths_sorted[row]]).encode("ascii")
    return out


# --------------------------------------------------------------------------- generators


def lm_next_probs(model: keras.Model, *, context: int = 50, batch_size: int = 256,
                  check_causal: bool = True) -> NextProbs:
    """Next-base distribution of a character-level language model reading the last ``context`` bases.

    Parameters
    ----------
    model : keras.Model
        A causal language model (:func:`genomenb.models.charlm.build_char_lm`):
        codes ``(batch, L)`` -> ``(batch, L, 4)`` next-base probabilities, with
        ``L`` fixed or free.
    context : int, default 50
        Bases the model reads (the training window of chapter 02). Shorter
        prefixes are read whole.
    batch_size : int, default 256
        Rows per forward pass of :func:`genomenb.predict.predict`.
    check_causal : bool, default True
        Verify once, on random codes, that the output at a position does not
        depend on later bases (a bidirectional model would fail).

    Returns
    -------
    callable
        :data:`NextProbs`: one :func:`~genomenb.predict.predict` call per step.

    Notes
    -----
    Every call feeds one ``(m, width)`` array (``width`` = the model's fixed
    length, else ``context``): the last ``min(t, context)`` bases, left-aligned
    and followed by ``N``, and the prediction is read after the last real
    base. The model is causal, so what follows cannot change that prediction,
    and the model sees one input shape only (no recompilation per step). Left
    padding would change the recurrent state and is never used.
    """
    context = _check_int(context, "context", 1)
    shape = model.input_shape
    if not (isinstance(shape, tuple) and len(shape) == 2 and (shape[1] is None or isinstance(shape[1], int))):
        raise ValueError(f"model must have one input of codes (batch, length); its input shape is {shape}")
    fixed = shape[1]
    if fixed is not None and context > fixed:
        raise ValueError(f"context {context} is longer than the model's fixed input length {fixed}")
    width = context if fixed is None else int(fixed)
    if check_causal:
        _check_causal(model, width, batch_size)

    def next_probs(prefix: np.ndarray) -> np.ndarray:
        m, t = prefix.shape
        seen = min(t, context)
        window = np.full((m, width), encode.N_CODE, dtype=np.int32)
        window[:, :seen] = prefix[:, t - seen:]
        return predict(model, window, batch_size=batch_size)[:, seen - 1, :]

    return next_probs


def _check_causal(model: keras.Model, width: int, batch_size: int) -> None:
    """Raise when the model's output at a position changes with a later base."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, size=(2, width)).astype(np.int32)
    cut = max(1, width // 2)
    x[1, :cut] = x[0, :cut]
    x[1, cut:] = (x[0, cut:] + 1) % 4
    y = predict(model, x, batch_size=batch_size)
    if not np.allclose(y[0, :cut], y[1, :cut], atol=1e-5):
        raise ValueError("the model is not causal: its output at a position depends on later bases "
                         "(a bidirectional or attention model without a causal mask cannot be sampled this way)")


def markov_next_probs(train_parts: Sequence[np.ndarray] | np.ndarray | Sequence[bytes], k: int, *,
                      alpha: float = 0.5) -> NextProbs:
    """Next-base distribution of an order-``k`` Markov chain counted on ``train_parts``.

    Parameters
    ----------
    train_parts : sequence of numpy.ndarray or bytes
        Training sequences: ``uint8`` codes (e.g. ``GenomeSplit.train_parts``)
        or DNA text; k-mers never cross parts.
    k : int
        Order (bases of context), 0..11.
    alpha : float, default 0.5
        Add-alpha pseudo-count, as in :func:`genomenb.baselines.markov.markov_log_probs`.

    Returns
    -------
    callable
        :data:`NextProbs`. A prefix shorter than ``k`` bases uses the order
        equal to its length (lower orders are counted on first use).
    """
    k = _check_int(k, "k", 0)
    if k > 11:
        raise ValueError(f"k must be at most 11 for sampling, got {k}")
    if not alpha > 0:
        raise ValueError(f"alpha must be > 0, got {alpha}")
    if isinstance(train_parts, (bytes, str, np.ndarray)):
        train_parts = [train_parts]
    parts = [p if isinstance(p, np.ndarray) else encode.to_codes(p) for p in train_parts]
    if not parts or sum(len(p) for p in parts) == 0:
        raise ValueError("train_parts is empty; expected at least one training sequence")
    cache: dict[int, MarkovCounts] = {k: markov_counts(parts, k)}

    def next_probs(prefix: np.ndarray) -> np.ndarray:
        m, t = prefix.shape
        order = min(k, t)
        if order not in cache:
            cache[order] = markov_counts(parts, order)
        # one (order + 1)-base segment per row and candidate base, scored at its last position
        segs = np.empty((m, 4, order + 1), dtype=np.uint8)
        segs[:, :, :order] = prefix[:, None, t - order:]
        segs[:, :, order] = np.arange(4, dtype=np.uint8)
        positions = np.arange(order, segs.size, order + 1, dtype=np.int64)
        logp = markov_log_probs(cache[order], segs.reshape(-1), positions, alpha=alpha)
        return np.exp(logp).reshape(m, 4)

    return next_probs


def iid_next_probs(gc: float) -> NextProbs:
    """Independent bases with GC content ``gc``: ``P(G) = P(C) = gc / 2``, ``P(A) = P(T) = (1 - gc) / 2``.

    Parameters
    ----------
    gc : float
        GC fraction in ``(0, 1)``, e.g. that of the real genes.

    Returns
    -------
    callable
        :data:`NextProbs`; under :func:`sample_constrained` a random-codon
        model without internal stops.
    """
    gc = float(gc)
    if not 0.0 < gc < 1.0:
        raise ValueError(f"gc must be a fraction strictly between 0 and 1, got {gc}")
    row = np.array([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2])

    def next_probs(prefix: np.ndarray) -> np.ndarray:
        return np.broadcast_to(row, (len(prefix), 4))

    return next_probs
