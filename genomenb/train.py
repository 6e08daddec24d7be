"""Train and evaluate character-level genome language models on streamed windows.

Data
    A genome is split per chromosome: the first 90% of every chromosome is the
    training part and the last 10% the held-out part (:func:`split_genome`),
    contiguous, so no held-out base is ever a training target. Everything is
    kept as ``uint8`` integer codes (``A=0 C=1 G=2 T=3 N=4``): a 23 Mb genome
    costs 23 MB, and one-hot rows exist only inside a batch.
Training
    Windows of ``seq_len + 1`` bases tile each training part from a random
    phase every epoch; their order is shuffled. A window gives ``seq_len``
    inputs and the ``seq_len`` next bases as targets, so gradients flow back
    through at most ``seq_len`` steps (truncated back-propagation through
    time) and every window starts from a zero state. Windows holding an ``N``
    are skipped. :class:`WindowBatches` builds the batches on the fly
    (a :class:`keras.utils.PyDataset`). With ``bases_per_epoch > 0`` an epoch
    is a random sample of that many bases' worth of windows instead of the
    whole training part (the book scale on a laptop CPU).
Evaluation
    :func:`evaluate_cross_entropy` scores every base of chosen blocks once.
    Each scored base is predicted from at least ``warmup`` preceding bases
    (``seq_len // 2`` by default), taken from the chromosome itself (for the
    first held-out bases, the end of the training part, which is context
    only, never a target). Windows keep the training length, so the model
    sees inputs exactly like those it was trained on. Perplexity is
    ``exp(mean cross-entropy)``; bits per base is the cross-entropy in bits.
Checkpoints
    :func:`train_language_model` saves ``last.keras`` (weights and optimizer
    state) after every epoch, then ``history.csv``, then ``state.json`` with
    the number of epochs done. Rerunning with the same settings resumes after
    the last completed epoch; the shuffling of epoch ``e`` depends only on
    ``(seed, e)``, so an interrupted and resumed run gives the numbers of an
    uninterrupted one. :class:`EpochCheckpoint` holds this logic for both
    trainers of the module.
Multitask classifiers
    :func:`train_multitask` trains the chromatin and TF-binding models of
    :mod:`genomenb.models.multitask` on integer-coded sequences ``(N, L)``
    and labels ``(N, T)`` (``-1`` = no label, masked out of the loss).
    :class:`MultitaskBatches` one-hot encodes one batch at a time. After
    every epoch the validation loss (mean masked binary cross-entropy; its
    ``exp`` is the perplexity Zhang & Kamath plotted) is computed, the model
    is checkpointed (``last.keras``, and ``best.keras`` when the validation
    loss improved) and the outputs on any tracked arrays are saved, so every
    epoch can be scored afterwards. The returned model carries the weights of
    the best validation epoch. :func:`predict_multitask` predicts in batches,
    optionally averaging both strands.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import keras
import numpy as np
import pandas as pd

from genomenb import encode, metrics
from genomenb.models.charlm import CharLMConfig, build_char_lm, compile_char_lm

__all__ = [
    "GenomeSplit",
    "split_genome",
    "TrainConfig",
    "WindowBatches",
    "evaluation_blocks",
    "evaluate_cross_entropy",
    "TrainResult",
    "train_language_model",
    "grid_search",
]

HISTORY_COLUMNS = ["epoch", "loss", "train_perplexity", "train_bits_per_base", "heldout_cross_entropy",
                   "heldout_perplexity", "heldout_bits_per_base", "seconds", "bases_per_second"]
_STATE_FILE = "state.json"
_MODEL_FILE = "last.keras"
_HISTORY_FILE = "history.csv"


# --------------------------------------------------------------------------- the split


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
        :mod:`genomenb.data.simulate`.
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


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class TrainConfig:
    """How a language model is trained and evaluated.

    Attributes
    ----------
    seq_len : int
        Window length: steps of back-propagation through time.
    batch_size : int
        Windows per Adam step.
    epochs : int
        Passes over the training part (or over ``bases_per_epoch`` sampled bases).
    learning_rate : float
        Adam step size.
    bases_per_epoch : int
        ``0``: every window of the training part each epoch; ``> 0``: a random
        sample of ``bases_per_epoch // seq_len`` windows per epoch.
    eval_bases : int
        ``0``: score every held-out base; ``> 0``: score evenly spread blocks
        totalling about this many bases (see :func:`evaluation_blocks`).
    warmup : int
        Minimum context before a scored base in evaluation; ``-1`` means
        ``seq_len // 2``.
    seed : int
        Seeds the initial weights and every epoch's window order.
    clipnorm : float
        Gradient-norm clipping for Adam (``0`` disables it).
    """

    seq_len: int = 50
    batch_size: int = 50
    epochs: int = 1
    learning_rate: float = 0.002
    bases_per_epoch: int = 0
    eval_bases: int = 0
    warmup: int = -1
    seed: int = 0
    clipnorm: float = 5.0

    def __post_init__(self) -> None:
        for name in ("seq_len", "batch_size", "epochs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if self.seq_len < 2:
            raise ValueError(f"seq_len must be >= 2, got {self.seq_len}")
        if self.bases_per_epoch < 0 or self.eval_bases < 0:
            raise ValueError("bases_per_epoch and eval_bases must be >= 0 (0 means all)")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        if self.warmup >= self.seq_len:
            raise ValueError(f"warmup ({self.warmup}) must be smaller than seq_len ({self.seq_len})")

    @property
    def eval_warmup(self) -> int:
        """The evaluation context actually used (``seq_len // 2`` unless set)."""
        return self.seq_len // 2 if self.warmup < 0 else self.warmup

    def as_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- training windows


def _concatenate(parts: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """One flat uint8 array of all parts, and the part boundaries ``(n_parts + 1,)``."""
    bounds = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in parts], out=bounds[1:])
    return np.concatenate(parts).astype(np.uint8, copy=False), bounds


class WindowBatches(keras.utils.PyDataset):
    """Batches of training windows streamed from integer codes.

    Parameters
    ----------
    parts : sequence of numpy.ndarray
        ``uint8`` codes of each training part (windows never cross parts).
    seq_len, batch_size : int
        Window length and windows per batch.
    epoch : int
        Which epoch's window order to produce (0-based).
    seed : int
        With ``epoch``, fixes the tiling phase and the order.
    bases_per_epoch : int, default 0
        ``0`` uses every window; otherwise about ``bases_per_epoch // seq_len``
        windows, drawn without replacement.

    Notes
    -----
    ``self[i]`` is ``(x, y)``: ``int32`` arrays of shape ``(batch_size,
    seq_len)``, ``y`` being ``x`` shifted by one base. The last incomplete
    batch is dropped so every step has the same shape (no recompilation).
    """

    def __init__(self, parts: Sequence[np.ndarray], seq_len: int, batch_size: int, *, epoch: int = 0,
                 seed: int = 0, bases_per_epoch: int = 0, _concatenated: tuple | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seq_len = int(seq_len)
        self.batch_size = int(batch_size)
        self.stream, bounds = _concatenated if _concatenated is not None else _concatenate(list(parts))
        rng = np.random.default_rng([int(seed), int(epoch)])
        phase = int(rng.integers(self.seq_len))
        span = self.seq_len + 1
        starts = []
        for a, b in zip(bounds[:-1], bounds[1:]):
            if b - a - phase >= span:
                starts.append(np.arange(a + phase, b - span + 1, self.seq_len, dtype=np.int64))
        starts = np.concatenate(starts) if starts else np.empty(0, dtype=np.int64)
        n_pos = np.flatnonzero(self.stream == encode.N_CODE)
        if n_pos.size:  # drop windows holding an N: count Ns inside [s, s + span)
            inside = np.searchsorted(n_pos, starts + span) - np.searchsorted(n_pos, starts)
            starts = starts[inside == 0]
        rng.shuffle(starts)
        if bases_per_epoch > 0:
            starts = starts[: max(self.batch_size, bases_per_epoch // self.seq_len)]
        if len(starts) < self.batch_size:
            raise ValueError(f"the training part holds only {len(starts)} windows of {span} bases without N; "
                             f"need at least one batch of {self.batch_size} (use a smaller seq_len or batch_size)")
        self.starts = starts[: len(starts) // self.batch_size * self.batch_size]
        self._offsets = np.arange(span, dtype=np.int64)

    @classmethod
    def from_stream(cls, stream: np.ndarray, bounds: np.ndarray, *args: Any, **kwargs: Any) -> "WindowBatches":
        """Like the constructor, for parts already concatenated by :func:`_concatenate`."""
        return cls((), *args, _concatenated=(stream, bounds), **kwargs)

    def __len__(self) -> int:
        return len(self.starts) // self.batch_size

    @property
    def bases(self) -> int:
        """Target bases per epoch."""
        return len(self.starts) * self.seq_len

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if not 0 <= index < len(self):
            raise IndexError(index)
        block = self.starts[index * self.batch_size:(index + 1) * self.batch_size]
        windows = self.stream[block[:, None] + self._offsets].astype(np.int32)
        return windows[:, :-1], windows[:, 1:]


# --------------------------------------------------------------------------- evaluation


def evaluation_blocks(split: GenomeSplit, max_bases: int = 0, *, part: str = "heldout",
                      block_len: int = 5000, min_context: int = 0) -> np.ndarray:
    """Blocks of bases to score: whole parts, or evenly spread blocks of ``block_len``.

    Parameters
    ----------
    split : GenomeSplit
    max_bases : int, default 0
        ``0``: one block per chromosome covering its whole ``part``;
        otherwise ``ceil(max_bases / block_len)`` blocks spread evenly over
        all chromosomes (deterministic: no randomness involved).
    part : {"heldout", "train"}
        Which part to take blocks from.
    block_len : int, default 5000
        Length of each block when sampling.
    min_context : int, default 0
        Blocks of the training part start at least this far into a
        chromosome, so every scored base has this much context before it.

    Returns
    -------
    numpy.ndarray
        ``int64`` of shape ``(n_blocks, 3)``: ``(chromosome, start, stop)``
        in chromosome coordinates.
    """
    if part not in ("heldout", "train"):
        raise ValueError(f"part must be 'heldout' or 'train', got {part!r}")
    ranges = []
    for i, (chrom, hs) in enumerate(zip(split.chromosomes, split.heldout_start)):
        a, b = (hs, len(chrom)) if part == "heldout" else (min(min_context, hs), hs)
        if b > a:
            ranges.append((i, a, b))
    if not ranges:
        raise ValueError(f"the {part} part is empty")
    total = sum(b - a for _, a, b in ranges)
    if max_bases <= 0 or max_bases >= total:
        return np.array(ranges, dtype=np.int64)
    n_blocks = max(1, math.ceil(max_bases / block_len))
    # positions of the block starts on the concatenated part, evenly spaced
    lengths = np.array([b - a for _, a, b in ranges])
    cum = np.concatenate([[0], np.cumsum(lengths)])
    centers = (np.arange(n_blocks) + 0.5) * total / n_blocks
    out = []
    for c in centers:
        r = int(np.searchsorted(cum, c, side="right") - 1)
        chrom, a, b = ranges[r]
        length = min(block_len, b - a)
        start = int(np.clip(a + (c - cum[r]) - length / 2, a, b - length))
        out.append((chrom, start, start + length))
    return np.array(out, dtype=np.int64)


def _scoring_windows(split: GenomeSplit, blocks: np.ndarray, seq_len: int, warmup: int):
    """Window starts (in a concatenated genome) and the range of targets each one scores.

    Window ``w`` reads ``seq_len + 1`` bases from ``starts[w]``; its targets
    ``warmup - 1 .. warmup - 2 + n_scored[w]`` are scored, so each block base
    is scored once, with at least ``warmup`` bases of context.
    """
    stride = seq_len - warmup + 1
    offsets = np.zeros(len(split.chromosomes), dtype=np.int64)
    np.cumsum([len(c) for c in split.chromosomes[:-1]], out=offsets[1:])
    starts, n_scored = [], []
    for chrom, a, b in blocks:
        if a < warmup:
            raise ValueError(f"block starts at {a}, before {warmup} bases of context are available")
        first = np.arange(a, b, stride, dtype=np.int64)  # first scored position of each window
        starts.append(offsets[chrom] + first - warmup)
        n_scored.append(np.minimum(stride, b - first))
    return np.concatenate(starts), np.concatenate(n_scored)


def evaluate_cross_entropy(model: keras.Model, split: GenomeSplit, blocks: np.ndarray, seq_len: int, *,
                           warmup: int | None = None, batch_size: int = 256,
                           genome: np.ndarray | None = None) -> float:
    """Mean next-base cross-entropy (nats) of ``model`` over every A/C/G/T base of ``blocks``.

    Parameters
    ----------
    model : keras.Model
        A language model from :func:`genomenb.models.charlm.build_char_lm`.
    split : GenomeSplit
    blocks : numpy.ndarray
        ``(n, 3)`` ``(chromosome, start, stop)`` from :func:`evaluation_blocks`.
    seq_len : int
        Window length (the training length).
    warmup : int, optional
        Bases of context before each scored base; default ``seq_len // 2``.
    batch_size : int, default 256
        Windows per forward pass (the last batch is padded, keeping shapes fixed).
    genome : numpy.ndarray, optional
        The chromosomes already concatenated (saves a copy when called often).

    Returns
    -------
    float
        Mean cross-entropy in nats; targets that are ``N`` are not scored.
    """
    warmup = seq_len // 2 if warmup is None else int(warmup)
    if not 1 <= warmup < seq_len:
        raise ValueError(f"warmup must be between 1 and seq_len - 1, got {warmup}")
    flat = genome if genome is not None else np.concatenate(split.chromosomes)
    starts, n_scored = _scoring_windows(split, blocks, seq_len, warmup)
    offsets = np.arange(seq_len + 1, dtype=np.int64)
    target_index = np.arange(seq_len)
    total_nats = 0.0
    total_bases = 0
    for i in range(0, len(starts), batch_size):
        s = starts[i:i + batch_size]
        k = n_scored[i:i + batch_size]
        pad = batch_size - len(s)
        if pad:
            s = np.concatenate([s, np.zeros(pad, dtype=np.int64)])
            k = np.concatenate([k, np.zeros(pad, dtype=np.int64)])
        # a window may run past its block (even past the genome's end): those targets are not
        # scored, and the model is causal, so what it reads there cannot change a scored prediction
        windows = flat[np.minimum(s[:, None] + offsets, len(flat) - 1)].astype(np.int32)
        x, y = windows[:, :-1], windows[:, 1:]
        probs = np.asarray(keras.ops.convert_to_numpy(model.predict_on_batch(x)), dtype=np.float64)
        scored = (target_index >= warmup - 1) & (target_index < warmup - 1 + k[:, None]) & (y < encode.N_CODE)
        p = np.take_along_axis(probs, np.minimum(y, 3)[..., None], axis=-1)[..., 0]
        total_nats -= float(np.log(np.clip(p[scored], 1e-12, 1.0)).sum())
        total_bases += int(scored.sum())
    if total_bases == 0:
        raise ValueError("no A/C/G/T base to score in the given blocks")
    return total_nats / total_bases


# --------------------------------------------------------------------------- training


@dataclass
class TrainResult:
    """A trained language model and its record.

    Attributes
    ----------
    model : keras.Model
    history : pandas.DataFrame
        One row per epoch, columns :data:`HISTORY_COLUMNS`.
    resumed_from_epoch : int
        Epochs found completed in the checkpoint folder (0 for a fresh run).
    checkpoint_dir : Path
    """

    model: keras.Model
    history: pd.DataFrame
    resumed_from_epoch: int
    checkpoint_dir: Path
    model_config: CharLMConfig
    train_config: TrainConfig
    extra: dict = field(default_factory=dict)

    @property
    def final(self) -> dict[str, float]:
        """The last epoch's row as a dict."""
        return {k: float(v) for k, v in self.history.iloc[-1].items()}


def _fingerprint(model_config: CharLMConfig, train_config: TrainConfig, split: GenomeSplit) -> str:
    """Identifies a training run: settings, data and the training code itself."""
    h = hashlib.sha256()
    h.update(json.dumps({"model": model_config.as_dict(), "train": train_config.as_dict(),
                         "backend": keras.backend.backend()}, sort_keys=True).encode())
    for name, chrom, start in zip(split.names, split.chromosomes, split.heldout_start):
        h.update(f"{name}:{len(chrom)}:{start}:".encode())
        h.update(hashlib.sha256(chrom.tobytes()).digest())
    here = Path(__file__).resolve()
    for src in (here, here.parent / "models" / "charlm.py"):
        h.update(src.read_bytes())
    return h.hexdigest()


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- epoch checkpoints (shared)


class EpochCheckpoint:
    """The files of a run trained one epoch at a time, written so that a rerun resumes it.

    Both trainers of this module use it. After every epoch :meth:`save` writes,
    in this order, any extra models (e.g. ``best.keras``) and arrays (``.npy``),
    then ``last.keras`` (weights and optimizer state), then ``history.csv``,
    then ``state.json`` with the number of epochs done and the run's
    fingerprint. ``state.json`` is written last and points at what was written
    before it, so an interruption at any moment leaves either the previous
    epoch's complete state or the new one. Every file is replaced atomically.

    Parameters
    ----------
    folder : str or Path
        Created if missing.
    fingerprint : str
        Identifies the run (settings, data, code); a folder holding another
        fingerprint is ignored and overwritten.
    columns : sequence of str
        Columns of the history table.
    """

    STATE_FILE = _STATE_FILE
    MODEL_FILE = _MODEL_FILE
    HISTORY_FILE = _HISTORY_FILE

    def __init__(self, folder: str | Path, fingerprint: str, columns: Sequence[str]) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.fingerprint = fingerprint
        self.columns = list(columns)

    def empty_history(self) -> pd.DataFrame:
        return pd.DataFrame(columns=self.columns)

    def state(self) -> dict | None:
        """The saved ``state.json`` when it belongs to this run, else None."""
        state_file = self.folder / self.STATE_FILE
        if not state_file.is_file():
            return None
        state = json.loads(state_file.read_text(encoding="utf-8"))
        return state if state.get("fingerprint") == self.fingerprint else None

    def load(self, verbose: int = 0) -> tuple[keras.Model | None, int, pd.DataFrame]:
        """The checkpointed model, its completed epochs and history, when they belong to this run.

        Returns ``(None, 0, empty history)`` for a fresh or foreign folder.
        """
        state = self.state()
        if state is None:
            if verbose and (self.folder / self.STATE_FILE).is_file():
                print(f"checkpoint in {self.folder} is from other settings, data or code: starting afresh")
            return None, 0, self.empty_history()
        done = int(state["epochs_done"])
        model = keras.models.load_model(self.folder / self.MODEL_FILE)
        path = self.folder / self.HISTORY_FILE
        history = pd.read_csv(path) if path.is_file() else self.empty_history()
        history = history[history["epoch"] <= done].reset_index(drop=True)
        return model, done, history

    def _save_model(self, model: keras.Model, name: str) -> None:
        tmp = self.folder / ("tmp_" + name)
        model.save(tmp)
        os.replace(tmp, self.folder / name)

    def save_array(self, name: str, array: np.ndarray) -> Path:
        """Write ``<name>.npy`` atomically (plain array, never pickled)."""
        path = self.folder / f"{name}.npy"
        tmp = self.folder / f"tmp_{name}.npy"
        np.save(tmp, np.ascontiguousarray(array), allow_pickle=False)
        os.replace(tmp, path)
        return path

    def load_array(self, name: str) -> np.ndarray:
        return np.load(self.folder / f"{name}.npy", allow_pickle=False)

    def save(self, model: keras.Model, history: pd.DataFrame, epochs_done: int, state: Mapping[str, Any], *,
             models: Mapping[str, keras.Model] | None = None,
             arrays: Mapping[str, np.ndarray] | None = None) -> None:
        """Record a completed epoch (see the class docstring for the order of the writes)."""
        for name, array in (arrays or {}).items():
            self.save_array(name, array)
        for name, extra in (models or {}).items():
            self._save_model(extra, name)
        self._save_model(model, self.MODEL_FILE)
        _atomic_write_text(self.folder / self.HISTORY_FILE, history.to_csv(index=False))
        _atomic_write_text(self.folder / self.STATE_FILE, json.dumps(
            {"epochs_done": int(epochs_done), "fingerprint": self.fingerprint, **state}, indent=2))


def _fit_one_epoch(model: keras.Model, batches: keras.utils.PyDataset, epoch: int, seed: int, *,
                   callbacks: Iterable[keras.callbacks.Callback] = (), verbose: int = 1) -> tuple[float, float]:
    """Train ``model`` for epoch ``epoch`` (0-based) on ``batches``; returns (mean loss, seconds).

    The random state (dropout masks included) is set from ``(seed, epoch)``
    alone, so an epoch run after resuming draws what it would have drawn in an
    uninterrupted run.
    """
    keras.utils.set_random_seed(int(seed) * 100_003 + int(epoch))
    _reseed_dropout(model, seed, epoch)
    t0 = time.perf_counter()
    fit = model.fit(batches, epochs=epoch + 1, initial_epoch=epoch, shuffle=False, callbacks=list(callbacks),
                    verbose=1 if verbose == 1 else 0)
    return float(fit.history["loss"][-1]), time.perf_counter() - t0


def _epoch_line(row: Mapping[str, float], epochs: int) -> str:
    """One line summarising an epoch's history row."""
    return (f"epoch {int(row['epoch'])}/{epochs}: train loss {row['loss']:.4f} (perplexity "
            f"{row['train_perplexity']:.3f}), held-out perplexity {row['heldout_perplexity']:.4f}, "
            f"{row['bases_per_second']:,.0f} bases/s")


def _reseed_dropout(model: keras.Model, seed: int, epoch: int) -> None:
    """Set every random layer's seed-generator state from ``(seed, epoch, layer)``.

    The state is not restored from a ``.keras`` checkpoint, so without this a
    resumed run would draw other dropout masks than an uninterrupted one.
    """
    for i, layer in enumerate(model.layers):
        generator = getattr(layer, "seed_generator", None)
        if generator is None:
            continue
        value = (int(seed) * 1_000_003 + int(epoch) * 7_919 + i) % (2**31 - 1)
        dtype = keras.backend.standardize_dtype(generator.state.dtype)
        generator.state.assign(np.array([value, 0], dtype=dtype))


def train_language_model(
    split: GenomeSplit,
    model_config: CharLMConfig,
    train_config: TrainConfig,
    checkpoint_dir: str | Path,
    *,
    callbacks: Iterable[keras.callbacks.Callback] = (),
    verbose: int = 1,
    jit_compile: bool | str = "auto",
) -> TrainResult:
    """Train a language model on ``split``'s training part, checkpointing every epoch.

    Parameters
    ----------
    split : GenomeSplit
    model_config : CharLMConfig
    train_config : TrainConfig
    checkpoint_dir : str or Path
        Holds ``last.keras``, ``history.csv`` and ``state.json``. A folder
        from an interrupted run with the same settings, data and code is
        resumed after its last completed epoch; a finished run is loaded
        without training; anything else is started afresh.
    callbacks : iterable of keras.callbacks.Callback
        Extra callbacks passed to every epoch's :meth:`keras.Model.fit`.
    verbose : int, default 1
        0 silent, 1 Keras progress bar and one line per epoch, 2 one line per epoch.
    jit_compile : bool or "auto"
        Passed to :func:`genomenb.models.charlm.compile_char_lm`.

    Returns
    -------
    TrainResult
    """
    tc = train_config
    ckpt = EpochCheckpoint(checkpoint_dir, _fingerprint(model_config, tc, split), HISTORY_COLUMNS)
    model, done, history = ckpt.load(verbose)
    if model is None:
        keras.utils.set_random_seed(tc.seed)
        model = compile_char_lm(build_char_lm(model_config), tc.learning_rate,
                                clipnorm=tc.clipnorm or None, jit_compile=jit_compile)
    elif verbose:
        state = "finished run" if done >= tc.epochs else "interrupted run, resuming"
        print(f"checkpoint {ckpt.folder / ckpt.MODEL_FILE} ({state}): {done} of {tc.epochs} epochs done")
        for row in history.to_dict("records"):
            print("  " + _epoch_line(row, tc.epochs))
    stream, bounds = _concatenate(split.train_parts)
    genome = np.concatenate(split.chromosomes)
    warmup = tc.eval_warmup
    heldout_blocks = evaluation_blocks(split, tc.eval_bases)
    rows = history.to_dict("records")
    for epoch in range(done, tc.epochs):
        batches = WindowBatches.from_stream(stream, bounds, tc.seq_len, tc.batch_size, epoch=epoch,
                                            seed=tc.seed, bases_per_epoch=tc.bases_per_epoch)
        loss, seconds = _fit_one_epoch(model, batches, epoch, tc.seed, callbacks=callbacks, verbose=verbose)
        heldout_ce = evaluate_cross_entropy(model, split, heldout_blocks, tc.seq_len, warmup=warmup,
                                            genome=genome)
        rows.append({"epoch": epoch + 1, "loss": loss, "train_perplexity": metrics.perplexity(loss),
                     "train_bits_per_base": metrics.bits_per_base(loss), "heldout_cross_entropy": heldout_ce,
                     "heldout_perplexity": metrics.perplexity(heldout_ce),
                     "heldout_bits_per_base": metrics.bits_per_base(heldout_ce), "seconds": seconds,
                     "bases_per_second": batches.bases / seconds})
        history = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
        ckpt.save(model, history, epoch + 1, {"model_config": model_config.as_dict(), "train_config": tc.as_dict(),
                                              "keras_backend": keras.backend.backend()})
        if verbose:
            print(_epoch_line(rows[-1], tc.epochs))
    return TrainResult(model, pd.DataFrame(rows, columns=HISTORY_COLUMNS), done, ckpt.folder, model_config, tc)


def final_perplexities(result: TrainResult, split: GenomeSplit, *, eval_bases: int | None = None) -> dict[str, float]:
    """Training and held-out perplexity and bits per base of a trained model, scored the same way.

    The training-part figure is computed like the held-out one (same
    context rule, same number of bases, evenly spread blocks), so the two
    are comparable; it differs from the epoch's running training loss,
    which averages over all window positions while the weights change.

    Returns
    -------
    dict
        ``train_perplexity``, ``train_bits_per_base``, ``heldout_perplexity``,
        ``heldout_bits_per_base``, ``train_scored_bases``, ``heldout_scored_bases``.
    """
    tc = result.train_config
    n = tc.eval_bases if eval_bases is None else eval_bases
    warmup = tc.eval_warmup
    genome = np.concatenate(split.chromosomes)
    heldout = evaluation_blocks(split, n)
    heldout_n = int((heldout[:, 2] - heldout[:, 1]).sum())
    train = evaluation_blocks(split, heldout_n, part="train", min_context=warmup)
    out = {}
    for name, blocks in (("train", train), ("heldout", heldout)):
        ce = evaluate_cross_entropy(result.model, split, blocks, tc.seq_len, warmup=warmup, genome=genome)
        out[f"{name}_perplexity"] = metrics.perplexity(ce)
        out[f"{name}_bits_per_base"] = metrics.bits_per_base(ce)
        out[f"{name}_scored_bases"] = int((blocks[:, 2] - blocks[:, 1]).sum())
    return out


def grid_search(split: GenomeSplit, points: Sequence[Mapping[str, Any]], model_config: CharLMConfig,
                train_config: TrainConfig, checkpoint_root: str | Path, *, verbose: int = 2) -> pd.DataFrame:
    """Train one model per grid point, in this process, and tabulate the results.

    Parameters
    ----------
    split : GenomeSplit
    points : sequence of mapping
        Each maps field names of :class:`CharLMConfig` or :class:`TrainConfig`
        (``cell``, ``num_layers``, ``learning_rate``, ``seq_len``...) to values;
        e.g. from :func:`genomenb.sweep.grid_points`.
    model_config, train_config
        The settings every point starts from.
    checkpoint_root : str or Path
        Each point checkpoints into ``<checkpoint_root>/<point id>``.

    Returns
    -------
    pandas.DataFrame
        One row per point: the point's values, ``heldout_perplexity``,
        ``heldout_bits_per_base``, ``final_train_loss_perplexity``, ``seconds``.
    """
    from genomenb.sweep import point_id

    model_fields = set(CharLMConfig.__dataclass_fields__)
    train_fields = set(TrainConfig.__dataclass_fields__)
    rows = []
    for point in points:
        unknown = set(point) - model_fields - train_fields
        if unknown:
            raise ValueError(f"unknown grid names {sorted(unknown)}; use fields of CharLMConfig or TrainConfig")
        mc = replace(model_config, **{k: v for k, v in point.items() if k in model_fields})
        tc = replace(train_config, **{k: v for k, v in point.items() if k in train_fields})
        result = train_language_model(split, mc, tc, Path(checkpoint_root) / point_id(point), verbose=verbose)
        last = result.final
        rows.append({**point, "heldout_perplexity": last["heldout_perplexity"],
                     "heldout_bits_per_base": last["heldout_bits_per_base"],
                     "train_loss_perplexity": last["train_perplexity"],
                     "seconds": float(result.history["seconds"].sum()),
                     "bases_per_second": last["bases_per_second"]})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- multitask classifiers
# The 919-task chromatin models and the masked TF-binding models: sequences as uint8 codes (N, L),
# labels (N, T) in {0, 1} or -1 for "no label", one-hot built batch by batch.

__all__ += ["EpochCheckpoint", "MultitaskBatches", "MultitaskResult", "MULTITASK_HISTORY_COLUMNS",
            "train_multitask", "predict_multitask", "masked_bce_per_example"]

MULTITASK_HISTORY_COLUMNS = ["epoch", "loss", "train_perplexity", "val_loss", "val_perplexity", "seconds",
                             "sequences_per_second"]
_BEST_FILE = "best.keras"
_PROB_EPS = 1e-7  # the clipping of genomenb.models.multitask.masked_binary_crossentropy


def _check_codes_2d(x: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 2 or arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must be integer codes of shape (N, L), got {arr.dtype} {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() > encode.N_CODE):
        raise ValueError(f"{name} must hold codes 0..4 (A, C, G, T, N), found values "
                         f"{int(arr.min())}..{int(arr.max())}")
    return arr.astype(np.uint8, copy=False)


def _check_labels_2d(y: np.ndarray, n: int, name: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 2 or arr.shape[0] != n:
        raise ValueError(f"{name} must be (N, T) with N = {n} like its sequences, got shape {arr.shape}")
    if arr.dtype.kind not in "iufb":
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    if arr.size and not np.isin(arr, (-1, 0, 1)).all():
        raise ValueError(f"{name} must hold 0/1 labels, or -1 for 'no label'")
    return arr


class MultitaskBatches(keras.utils.PyDataset):
    """Batches of one-hot sequences (and labels) built on the fly from integer codes.

    Parameters
    ----------
    codes : numpy.ndarray
        ``uint8`` ``(N, L)`` codes; only the current batch is ever one-hot encoded.
    labels : numpy.ndarray, optional
        ``(N, T)`` labels (0/1, -1 = no label), given back as ``float32``.
        Without labels a batch is the one-hot array alone (for prediction).
    batch_size : int
    shuffle : bool, default False
        Visit the rows in an order fixed by ``(seed, epoch)``.
    seed, epoch : int
    reverse_complement : bool, default False
        Give the reverse complement of every sequence instead.
    fill_last_batch : bool, default False
        Complete a short last batch with rows from the start of the order.

    Notes
    -----
    Every row is used once per epoch. Without ``fill_last_batch`` the last
    batch may be smaller; with it, the last batch is completed with the
    first rows of the same order, so every batch has the same shape (one
    compiled training step instead of two).
    """

    def __init__(self, codes: np.ndarray, labels: np.ndarray | None = None, *, batch_size: int = 256,
                 shuffle: bool = False, seed: int = 0, epoch: int = 0, reverse_complement: bool = False,
                 fill_last_batch: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(batch_size, bool) or int(batch_size) < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        self.codes = codes
        self.labels = labels
        self.batch_size = int(batch_size)
        self.reverse_complement = reverse_complement
        n = codes.shape[0]
        self.order = (np.random.default_rng([int(seed), int(epoch)]).permutation(n) if shuffle
                      else np.arange(n))
        if fill_last_batch and n:
            self.order = np.resize(self.order, -(-n // self.batch_size) * self.batch_size)

    def __len__(self) -> int:
        return -(-len(self.order) // self.batch_size)

    def __getitem__(self, index: int):
        if not 0 <= index < len(self):
            raise IndexError(index)
        rows = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        block = self.codes[rows]
        if self.reverse_complement:
            block = encode.reverse_complement(block)
        x = encode.one_hot(block)
        if self.labels is None:
            return (x,)
        return x, np.asarray(self.labels[rows], dtype=np.float32)


def predict_multitask(model: keras.Model, x_codes: np.ndarray, *, batch_size: int = 256,
                      reverse_complement_average: bool = False) -> np.ndarray:
    """Sigmoid outputs of a multitask model for integer-coded sequences.

    Parameters
    ----------
    model : keras.Model
        Takes one-hot ``(batch, L, 4)``, returns ``(batch, T)`` probabilities.
    x_codes : numpy.ndarray
        ``uint8`` ``(N, L)`` codes.
    batch_size : int, default 256
        Sequences per forward pass. A shorter last batch is padded with N up
        to the next power of two (at most ``batch_size``), which bounds the
        number of distinct shapes the model is compiled for.
    reverse_complement_average : bool, default False
        Average each sequence's output with its reverse complement's (the two
        strands of a double helix carry the same site).

    Returns
    -------
    numpy.ndarray
        ``float32`` ``(N, T)``.
    """
    codes = _check_codes_2d(x_codes, "x_codes")
    if isinstance(batch_size, bool) or int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    batch_size = int(batch_size)
    n = codes.shape[0]
    strands = [False, True] if reverse_complement_average else [False]
    out = None
    for rc in strands:
        for start in range(0, n, batch_size):
            block = codes[start:start + batch_size]
            m = block.shape[0]
            # pad a short batch to the next power of two (or batch_size): few distinct shapes, few recompilations
            padded = min(batch_size, 1 << (m - 1).bit_length())
            if m < padded:
                block = np.concatenate([block, np.full((padded - m, codes.shape[1]), encode.N_CODE, dtype=np.uint8)])
            if rc:
                block = encode.reverse_complement(block)
            probs = np.asarray(keras.ops.convert_to_numpy(model.predict_on_batch(encode.one_hot(block))),
                               dtype=np.float32)[:m]
            if out is None:
                out = np.zeros((n, probs.shape[1]), dtype=np.float32)
            out[start:start + m] += probs
    if out is None:  # no sequence at all
        return np.zeros((0, int(model.output_shape[-1])), dtype=np.float32)
    if reverse_complement_average:
        out *= 0.5
    return out


def masked_bce_per_example(y_true: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Binary cross-entropy (nats) of every example over its labelled tasks (labels -1 skipped).

    The NumPy twin of :func:`genomenb.models.multitask.masked_binary_crossentropy`
    (same clipping), in float64. Its mean over examples is the ``val_loss``
    of :func:`train_multitask`; ``exp`` of it is the paper's perplexity.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(N,)``; NaN for an example without any label.
    """
    y = np.asarray(y_true, dtype=np.float64)
    p = np.clip(np.asarray(probs, dtype=np.float64), _PROB_EPS, 1.0 - _PROB_EPS)
    if y.shape != p.shape:
        raise ValueError(f"labels {y.shape} and predictions {p.shape} must have the same shape")
    mask = y >= 0
    bce = -(np.where(y > 0, np.log(p), 0.0) + np.where(y == 0, np.log1p(-p), 0.0))
    counts = mask.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, (bce * mask).sum(axis=1) / counts, np.nan)


@dataclass
class MultitaskResult:
    """A trained multitask model and its record.

    Attributes
    ----------
    model : keras.Model
        The model passed to :func:`train_multitask`, with the weights of the
        best-validation epoch loaded.
    history : pandas.DataFrame
        One row per epoch, columns :data:`MULTITASK_HISTORY_COLUMNS`: ``epoch``
        (1-based), ``loss`` (mean training loss over the epoch, with dropout),
        ``train_perplexity`` (its exp), ``val_loss`` (mean masked binary
        cross-entropy on the validation set after the epoch), ``val_perplexity``
        (``exp(val_loss)``), ``seconds`` and ``sequences_per_second`` of training.
    best_epoch : int
        1-based epoch with the lowest ``val_loss`` (the first on ties).
    checkpoint_dir : Path
    epoch_predictions : dict of str to numpy.ndarray
        For every array given in ``track``: ``float32`` ``(epochs, N, T)``
        sigmoid outputs after each epoch.
    resumed_from_epoch : int
        Epochs found completed in the checkpoint folder (0 for a fresh run).
    """

    model: keras.Model
    history: pd.DataFrame
    best_epoch: int
    checkpoint_dir: Path
    epoch_predictions: dict[str, np.ndarray]
    resumed_from_epoch: int = 0

    @property
    def best(self) -> dict[str, float]:
        """The best epoch's history row as a dict."""
        return {k: float(v) for k, v in self.history.iloc[self.best_epoch - 1].items()}


def _array_digest(h, arr: np.ndarray) -> None:
    arr = np.ascontiguousarray(arr)
    h.update(f"{arr.dtype.str}:{arr.shape}:".encode())
    h.update(hashlib.sha256(arr.data).digest() if arr.size else b"")


def _without_names(config: Any) -> Any:
    """A layer config with every ``name`` entry removed (Keras numbers unnamed layers per session)."""
    if isinstance(config, dict):
        return {k: _without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, (list, tuple)):
        return [_without_names(v) for v in config]
    return config


def _architecture(model: keras.Model) -> list:
    """Layer classes and configurations in order, free of session-dependent names."""
    return [[type(layer).__name__, _without_names(layer.get_config())] for layer in model.layers]


def _multitask_fingerprint(model: keras.Model, arrays: Sequence[np.ndarray], track: Mapping[str, np.ndarray],
                           settings: Mapping[str, Any]) -> str:
    """Identifies a multitask run: architecture, initial weights, data, settings, backend and this code."""
    h = hashlib.sha256()
    h.update(json.dumps({"settings": dict(settings), "backend": keras.backend.backend(),
                         "model": _architecture(model)}, sort_keys=True, default=str).encode())
    for w in model.get_weights():
        _array_digest(h, np.asarray(w))
    for arr in arrays:
        _array_digest(h, arr)
    for name in sorted(track):
        h.update(name.encode())
        _array_digest(h, track[name])
    h.update(Path(__file__).resolve().read_bytes())
    return h.hexdigest()


def _multitask_epoch_line(row: Mapping[str, float], epochs: int, best: bool) -> str:
    return (f"epoch {int(row['epoch'])}/{epochs}: train loss {row['loss']:.4f} (perplexity "
            f"{row['train_perplexity']:.4f}), validation perplexity {row['val_perplexity']:.4f}"
            f"{' (best so far)' if best else ''}, {row['sequences_per_second']:,.0f} sequences/s")


def train_multitask(model: keras.Model, x_train: np.ndarray, y_train: np.ndarray, x_valid: np.ndarray,
                    y_valid: np.ndarray, *, epochs: int, batch_size: int, learning_rate: float = 1e-3,
                    checkpoint_dir: str | Path, seed: int = 0, track: Mapping[str, np.ndarray] | None = None,
                    verbose: int = 1, predict_batch_size: int = 256, reverse_complement_average: bool = False,
                    callbacks: Iterable[keras.callbacks.Callback] = ()) -> MultitaskResult:
    """Train a multitask sigmoid classifier with Adam and the masked binary cross-entropy, epoch by epoch.

    Parameters
    ----------
    model : keras.Model
        Built (e.g. :func:`genomenb.models.multitask.build_multitask_model`
        right after ``keras.utils.set_random_seed(seed)``); one-hot input
        ``(batch, L, 4)``, ``(batch, T)`` sigmoid outputs. It is compiled
        here (Adam, :func:`~genomenb.models.multitask.masked_binary_crossentropy`).
        Its weights at call time are part of the run's fingerprint.
    x_train, x_valid : numpy.ndarray
        ``uint8`` ``(N, L)`` integer codes (A=0 C=1 G=2 T=3 N=4).
    y_train, y_valid : numpy.ndarray
        ``(N, T)`` labels 0/1, or -1 where an example has no label for a task
        (that entry adds nothing to the loss or its gradient).
    epochs : int
        Epochs to have completed on return.
    batch_size : int
        Sequences per Adam step (the paper: 20).
    learning_rate : float, default 1e-3
    checkpoint_dir : str or Path
        After every epoch: ``last.keras`` (weights + optimizer state),
        ``best.keras`` (the best validation epoch so far), one
        ``predictions_<name>_epoch<e>.npy`` per tracked array, ``history.csv``
        and ``state.json``. A rerun with the same model, data and settings
        resumes after the last completed epoch (or, with more ``epochs``,
        continues a finished run); anything else starts afresh.
    seed : int, default 0
        Fixes every epoch's sequence order and dropout masks.
    track : mapping of str to numpy.ndarray, optional
        Integer-coded arrays (e.g. ``{"valid": x_valid, "test": x_test}``)
        whose sigmoid outputs are recorded after every epoch, to score every
        epoch afterwards (the paper's "max over epochs").
    verbose : int, default 1
        0 silent, 1 Keras progress bar and one line per epoch, 2 one line per epoch.
    predict_batch_size : int, default 256
        Batch size of the validation and tracking predictions.
    reverse_complement_average : bool, default False
        Score the validation set (its loss, hence the best epoch) and every
        tracked array with each output averaged over the sequence and its
        reverse complement, as :func:`predict_multitask` does with the same
        option; the models are trained on the forward strand either way.
    callbacks : iterable of keras.callbacks.Callback
        Extra callbacks for every epoch's :meth:`keras.Model.fit`.

    Returns
    -------
    MultitaskResult

    Notes
    -----
    Every training sequence is visited once per epoch in an order fixed by
    ``(seed, epoch)``; when ``batch_size`` does not divide the training set,
    the last batch is completed with the epoch's first sequences, so all
    steps have one shape. Resuming gives the numbers of an uninterrupted
    run: the order of epoch ``e`` and its dropout masks depend only on
    ``(seed, e)``, and the optimizer state is restored from ``last.keras``. ``val_loss`` is the mean over
    validation examples of each example's mean cross-entropy over its labelled
    tasks, the quantity the training loss averages over a batch.
    """
    from genomenb.models.multitask import masked_binary_crossentropy

    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate}")
    x_train = _check_codes_2d(x_train, "x_train")
    x_valid = _check_codes_2d(x_valid, "x_valid")
    y_train = _check_labels_2d(y_train, len(x_train), "y_train")
    y_valid = _check_labels_2d(y_valid, len(x_valid), "y_valid")
    if y_train.shape[1] != y_valid.shape[1] or x_train.shape[1] != x_valid.shape[1]:
        raise ValueError("training and validation data must have the same sequence length and number of tasks")
    if len(x_train) == 0 or len(x_valid) == 0:
        raise ValueError("training and validation sets must not be empty")
    if tuple(model.output_shape[1:]) != (y_train.shape[1],):
        raise ValueError(f"the model has outputs {model.output_shape[1:]}, the labels {y_train.shape[1]} tasks")
    if not (y_valid >= 0).any():
        raise ValueError("y_valid holds no label at all")
    track = {str(k): _check_codes_2d(v, f"track[{k!r}]") for k, v in (track or {}).items()}
    for name in track:
        if not name.isidentifier():
            raise ValueError(f"track names must be identifiers (they name files), got {name!r}")
    epochs, batch_size = int(epochs), int(batch_size)

    settings = {"batch_size": batch_size, "learning_rate": float(learning_rate), "seed": int(seed),
                "optimizer": "adam", "loss": "masked_binary_crossentropy"}
    if reverse_complement_average:  # only then, so checkpoints written without the option still resume
        settings["reverse_complement_average"] = True

    def predict(codes: np.ndarray) -> np.ndarray:
        return predict_multitask(trained, codes, batch_size=predict_batch_size,
                                 reverse_complement_average=reverse_complement_average)

    ckpt = EpochCheckpoint(checkpoint_dir, _multitask_fingerprint(
        model, (x_train, y_train, x_valid, y_valid), track, settings), MULTITASK_HISTORY_COLUMNS)
    trained, done, history = ckpt.load(verbose)
    if trained is not None and done > epochs:
        if verbose:
            print(f"checkpoint in {ckpt.folder} has {done} epochs, more than the {epochs} asked for: starting afresh")
        trained, done, history = None, 0, ckpt.empty_history()
    if trained is None:
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss=masked_binary_crossentropy)
        trained = model
    elif verbose:
        state = "finished run" if done >= epochs else "resuming"
        print(f"checkpoint {ckpt.folder / ckpt.MODEL_FILE} ({state}): {done} of {epochs} epochs done")
    rows = history.to_dict("records")
    best_epoch = int(ckpt.state()["best_epoch"]) if done else 0
    if verbose and done:
        for row in rows:
            print("  " + _multitask_epoch_line(row, epochs, int(row["epoch"]) == best_epoch))

    for epoch in range(done, epochs):
        batches = MultitaskBatches(x_train, y_train, batch_size=batch_size, shuffle=True, seed=seed, epoch=epoch,
                                   fill_last_batch=True)
        loss, seconds = _fit_one_epoch(trained, batches, epoch, seed, callbacks=callbacks, verbose=verbose)
        valid_probs = predict(x_valid)
        val_loss = float(np.nanmean(masked_bce_per_example(y_valid, valid_probs)))
        rows.append({"epoch": epoch + 1, "loss": loss, "train_perplexity": metrics.perplexity(loss),
                     "val_loss": val_loss, "val_perplexity": metrics.perplexity(val_loss), "seconds": seconds,
                     "sequences_per_second": len(x_train) / seconds})
        improved = best_epoch == 0 or val_loss < rows[best_epoch - 1]["val_loss"]
        if improved:
            best_epoch = epoch + 1
        arrays = {f"predictions_{name}_epoch{epoch + 1}": valid_probs if codes is x_valid else predict(codes)
                  for name, codes in track.items()}
        ckpt.save(trained, pd.DataFrame(rows, columns=MULTITASK_HISTORY_COLUMNS), epoch + 1,
                  {"best_epoch": best_epoch, "settings": settings, "keras_backend": keras.backend.backend(),
                   "tracked": sorted(track)},
                  models={_BEST_FILE: trained} if improved else None, arrays=arrays)
        if verbose:
            print(_multitask_epoch_line(rows[-1], epochs, improved))

    model.load_weights(ckpt.folder / _BEST_FILE)
    epoch_predictions = {name: np.stack([ckpt.load_array(f"predictions_{name}_epoch{e}")
                                         for e in range(1, epochs + 1)]).astype(np.float32, copy=False)
                         for name in track}
    return MultitaskResult(model, pd.DataFrame(rows, columns=MULTITASK_HISTORY_COLUMNS), best_epoch, ckpt.folder,
                           epoch_predictions, resumed_from_epoch=done)


# --------------------------------------------------------------------------- single-label sets as one masked problem

__all__ += ["MaskedTasks", "stack_masked_tasks"]


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
            x = _check_codes_2d(x, f"codes of {name}/{split}")
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
