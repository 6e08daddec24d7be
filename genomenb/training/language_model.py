"""Genome language models: streamed training windows, held-out scoring, training.

Data
    A genome is split per chromosome (:func:`genomenb.data.splits.split_genome`):
    the first 90% of every chromosome is the training part and the last 10%
    the held-out part, contiguous, so no held-out base is ever a training
    target. Everything is kept as ``uint8`` integer codes
    (``A=0 C=1 G=2 T=3 N=4``): a 23 Mb genome costs 23 MB.
Training
    Windows of ``seq_len + 1`` bases tile each training part from a random
    phase every epoch; their order is shuffled. A window gives ``seq_len``
    inputs and the ``seq_len`` next bases as targets (truncated
    back-propagation through time; every window starts from a zero state).
    Windows holding an ``N`` are skipped. A word model (``word_size = k``)
    reads windows of ``(seq_len + 1) k`` bases as ``seq_len + 1`` words, so
    ``seq_len`` always counts steps. :class:`WindowBatches` builds the
    batches on the fly. With ``bases_per_epoch > 0`` an epoch is a random
    sample of that many bases' worth of windows (the book scale on a laptop
    CPU). The epochs themselves run in the package's one loop
    (:func:`genomenb.training.loop.run_epochs`): checkpoint every epoch,
    resume with identical numbers, the last epoch's model returned.
Evaluation
    :func:`evaluate_cross_entropy` scores every base of chosen blocks once,
    through the one batched forward pass (:func:`genomenb.predict.predict`).
    Each scored base is predicted from at least ``warmup`` preceding bases
    (``seq_len // 2`` by default), taken from the chromosome itself (for the
    first held-out bases, the end of the training part, which is context
    only, never a target). Windows keep the training length. Perplexity is
    ``exp(mean cross-entropy)``; bits per base is the cross-entropy in bits.
    A word model is scored in whole words (context and stride counted in
    words, a block's last incomplete word left out) and its cross-entropy
    per word is divided by ``k``: every figure is per base.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import keras
import numpy as np
import pandas as pd

from genomenb import encode, metrics
from genomenb.data.splits import GenomeSplit
from genomenb.models import charlm, recurrent
from genomenb.models.charlm import CharLMConfig, build_char_lm, compile_char_lm, word_size_of, word_tokens
from genomenb.predict import predict
from genomenb.training.checkpoint import EpochCheckpoint, fingerprint
from genomenb.training.loop import TrainResult, run_epochs

__all__ = ["TrainConfig", "WindowBatches", "evaluation_blocks", "evaluate_cross_entropy", "train_language_model",
           "final_perplexities", "steady_seconds", "perplexity_within", "compare_models", "grid_search",
           "HISTORY_COLUMNS"]

HISTORY_COLUMNS = ["epoch", "loss", "train_perplexity", "train_bits_per_base", "heldout_cross_entropy",
                   "heldout_perplexity", "heldout_bits_per_base", "seconds", "bases_per_second"]
_SOURCES = (Path(__file__).resolve(), Path(charlm.__file__).resolve(), Path(recurrent.__file__).resolve())
_EVAL_CHUNK = 64  # batches of scoring windows built and predicted at a time (bounded memory)
_EVAL_FLOATS = 2 ** 25  # at most this many predicted probabilities held at once (128 MB)


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class TrainConfig:
    """How a language model is trained and evaluated.

    Attributes
    ----------
    seq_len : int
        Window length: steps of back-propagation through time (words of a word model).
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
        Window length (in steps) and windows per batch.
    epoch : int
        Which epoch's window order to produce (0-based).
    seed : int
        With ``epoch``, fixes the tiling phase and the order.
    bases_per_epoch : int, default 0
        ``0`` uses every window; otherwise windows covering about
        ``bases_per_epoch`` target bases, drawn without replacement.
    word_size : int, default 1
        Bases per token: windows of ``(seq_len + 1) * word_size`` bases read
        as non-overlapping words (:func:`genomenb.models.charlm.word_tokens`).

    Notes
    -----
    ``self[i]`` is ``(x, y)``: ``int32`` arrays of shape ``(batch_size,
    seq_len)``, ``y`` being ``x`` shifted by one token. The last incomplete
    batch is dropped so every step has the same shape (no recompilation).
    """

    def __init__(self, parts: Sequence[np.ndarray], seq_len: int, batch_size: int, *, epoch: int = 0,
                 seed: int = 0, bases_per_epoch: int = 0, word_size: int = 1,
                 _concatenated: tuple | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seq_len = int(seq_len)
        self.batch_size = int(batch_size)
        self.word_size = int(word_size)
        self.stream, bounds = _concatenated if _concatenated is not None else _concatenate(list(parts))
        rng = np.random.default_rng([int(seed), int(epoch)])
        stride = self.seq_len * self.word_size  # target bases per window
        phase = int(rng.integers(stride))
        span = stride + self.word_size
        starts = []
        for a, b in zip(bounds[:-1], bounds[1:]):
            if b - a - phase >= span:
                starts.append(np.arange(a + phase, b - span + 1, stride, dtype=np.int64))
        starts = np.concatenate(starts) if starts else np.empty(0, dtype=np.int64)
        n_pos = np.flatnonzero(self.stream == encode.N_CODE)
        if n_pos.size:  # drop windows holding an N: count Ns inside [s, s + span)
            inside = np.searchsorted(n_pos, starts + span) - np.searchsorted(n_pos, starts)
            starts = starts[inside == 0]
        rng.shuffle(starts)
        if bases_per_epoch > 0:
            starts = starts[: max(self.batch_size, bases_per_epoch // stride)]
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
        return len(self.starts) * self.seq_len * self.word_size

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if not 0 <= index < len(self):
            raise IndexError(index)
        block = self.starts[index * self.batch_size:(index + 1) * self.batch_size]
        windows = word_tokens(self.stream[block[:, None] + self._offsets], self.word_size)
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


def _scoring_windows(split: GenomeSplit, blocks: np.ndarray, seq_len: int, warmup: int, word_size: int = 1):
    """Window starts (in a concatenated genome) and the range of targets each one scores.

    Window ``w`` reads ``seq_len + 1`` tokens (of ``word_size`` bases) from
    ``starts[w]``; its targets ``warmup - 1 .. warmup - 2 + n_scored[w]`` are
    scored, so each whole word of a block is scored once, with at least
    ``warmup`` words of context.
    """
    stride = seq_len - warmup + 1
    offsets = np.zeros(len(split.chromosomes), dtype=np.int64)
    np.cumsum([len(c) for c in split.chromosomes[:-1]], out=offsets[1:])
    starts, n_scored = [], []
    for chrom, a, b in blocks:
        if a < warmup * word_size:
            raise ValueError(f"block starts at {a}, before {warmup * word_size} bases of context are available")
        words = (b - a) // word_size
        first = np.arange(0, words, stride, dtype=np.int64)  # first scored word of each window
        starts.append(offsets[chrom] + a + (first - warmup) * word_size)
        n_scored.append(np.minimum(stride, words - first))
    return np.concatenate(starts), np.concatenate(n_scored)


def evaluate_cross_entropy(model: keras.Model, split: GenomeSplit, blocks: np.ndarray, seq_len: int, *,
                           warmup: int | None = None, batch_size: int = 256,
                           genome: np.ndarray | None = None) -> float:
    """Mean next-base cross-entropy (nats) of ``model`` over every A/C/G/T base of ``blocks``.

    Parameters
    ----------
    model : keras.Model
        A language model from :func:`genomenb.models.charlm.build_char_lm`; a
        word model is scored per word and the result divided by its word size.
    split : GenomeSplit
    blocks : numpy.ndarray
        ``(n, 3)`` ``(chromosome, start, stop)`` from :func:`evaluation_blocks`.
    seq_len : int
        Window length (the training length, in steps).
    warmup : int, optional
        Steps of context before each scored base (or word); default ``seq_len // 2``.
    batch_size : int, default 256
        Windows per forward pass.
    genome : numpy.ndarray, optional
        The chromosomes already concatenated (saves a copy when called often).

    Returns
    -------
    float
        Mean cross-entropy in nats per base; targets that are ``N`` (words
        holding an ``N``) are not scored.
    """
    warmup = seq_len // 2 if warmup is None else int(warmup)
    if not 1 <= warmup < seq_len:
        raise ValueError(f"warmup must be between 1 and seq_len - 1, got {warmup}")
    k = word_size_of(model)
    n_token = 4 ** k  # the token of an N (of a word holding one)
    flat = genome if genome is not None else np.concatenate(split.chromosomes)
    starts, n_scored = _scoring_windows(split, blocks, seq_len, warmup, k)
    offsets = np.arange((seq_len + 1) * k, dtype=np.int64)
    target_index = np.arange(seq_len)
    total_nats = 0.0
    total_bases = 0
    # windows predicted at a time: _EVAL_CHUNK batches, fewer when the output is wide (bounded memory)
    chunk = max(batch_size, min(batch_size * _EVAL_CHUNK, _EVAL_FLOATS // (seq_len * n_token)))
    for i in range(0, len(starts), chunk):
        s, n = starts[i:i + chunk], n_scored[i:i + chunk]
        # a window may run past its block (even past the genome's end): those targets are not
        # scored, and the model is causal, so what it reads there cannot change a scored prediction
        windows = word_tokens(flat[np.minimum(s[:, None] + offsets, len(flat) - 1)], k)
        x, y = windows[:, :-1], windows[:, 1:]
        probs = predict(model, x, batch_size=batch_size)
        scored = (target_index >= warmup - 1) & (target_index < warmup - 1 + n[:, None]) & (y < n_token)
        p = np.take_along_axis(probs, np.minimum(y, n_token - 1)[..., None], axis=-1)[..., 0].astype(np.float64)
        total_nats -= float(np.log(np.clip(p[scored], 1e-12, 1.0)).sum())
        total_bases += int(scored.sum()) * k
    if total_bases == 0:
        raise ValueError("no A/C/G/T base to score in the given blocks")
    return total_nats / total_bases


# --------------------------------------------------------------------------- training


def train_language_model(split: GenomeSplit, model_config: CharLMConfig, train_config: TrainConfig,
                         checkpoint_dir: str | Path, *, callbacks: Iterable[keras.callbacks.Callback] = (),
                         verbose: int = 1, jit_compile: bool | str = "auto", devices: int | None = None) -> TrainResult:
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
    devices : int, optional
        Local devices each step is split over (JAX; default all, see
        :func:`genomenb.training.loop.run_epochs`).

    Returns
    -------
    TrainResult
        The model after the last epoch; ``history`` has :data:`HISTORY_COLUMNS`;
        ``config`` holds ``model_config`` and ``train_config``.
    """
    tc = train_config
    parts = []
    for name, chrom, start in zip(split.names, split.chromosomes, split.heldout_start):
        parts.append({f"{name}:{len(chrom)}:{start}": chrom})
    settings = {"model": model_config.as_dict(), "train": tc.as_dict()}
    ckpt = EpochCheckpoint(checkpoint_dir, fingerprint(settings=settings, arrays=parts, sources=_SOURCES),
                           HISTORY_COLUMNS)
    keras.utils.set_random_seed(tc.seed)
    model = build_char_lm(model_config, seq_len=tc.seq_len)
    stream, bounds = _concatenate(split.train_parts)
    genome = np.concatenate(split.chromosomes)
    heldout_blocks = evaluation_blocks(split, tc.eval_bases)

    def batches(epoch: int) -> WindowBatches:
        return WindowBatches.from_stream(stream, bounds, tc.seq_len, tc.batch_size, epoch=epoch, seed=tc.seed,
                                         bases_per_epoch=tc.bases_per_epoch, word_size=model_config.word_size)

    def evaluate(m: keras.Model):
        ce = evaluate_cross_entropy(m, split, heldout_blocks, tc.seq_len, warmup=tc.eval_warmup, genome=genome)
        return {"heldout_cross_entropy": ce, "heldout_perplexity": metrics.perplexity(ce),
                "heldout_bits_per_base": metrics.bits_per_base(ce)}, {}

    def loss_columns(loss: float) -> dict[str, float]:  # the loss is per token: per base for a word model
        per_base = loss / model_config.word_size
        return {"train_perplexity": metrics.perplexity(per_base),
                "train_bits_per_base": metrics.bits_per_base(per_base)}

    def compile_model(m: keras.Model) -> None:
        compile_char_lm(m, learning_rate=tc.learning_rate, clipnorm=tc.clipnorm or None, jit_compile=jit_compile)

    result = run_epochs(model, epochs=tc.epochs, seed=tc.seed, checkpoint=ckpt, batches=batches,
                        compile=compile_model, evaluate=evaluate, loss_columns=loss_columns,
                        throughput=("bases_per_second", lambda b: b.bases), restore="last",
                        state={"model_config": model_config.as_dict(), "train_config": tc.as_dict()},
                        callbacks=callbacks, devices=devices, verbose=verbose)
    result.config = {"model_config": model_config, "train_config": tc}
    return result


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
    tc = result.config["train_config"]
    n = tc.eval_bases if eval_bases is None else eval_bases
    warmup = tc.eval_warmup
    genome = np.concatenate(split.chromosomes)
    heldout = evaluation_blocks(split, n)
    heldout_n = int((heldout[:, 2] - heldout[:, 1]).sum())
    min_context = warmup * result.config["model_config"].word_size
    train = evaluation_blocks(split, heldout_n, part="train", min_context=min_context)
    out = {}
    for name, blocks in (("train", train), ("heldout", heldout)):
        ce = evaluate_cross_entropy(result.model, split, blocks, tc.seq_len, warmup=warmup, genome=genome)
        out[f"{name}_perplexity"] = metrics.perplexity(ce)
        out[f"{name}_bits_per_base"] = metrics.bits_per_base(ce)
        out[f"{name}_scored_bases"] = int((blocks[:, 2] - blocks[:, 1]).sum())
    return out


def steady_seconds(history: pd.DataFrame) -> np.ndarray:
    """Cumulative training seconds after each epoch, the one-off compilation left out.

    The first epoch's measured time includes tracing and (under XLA)
    compiling the training step, which at book scale can take as long as the
    epoch itself. With two or more epochs, the first epoch is charged at the
    median speed (bases per second) of the later ones instead; with one epoch
    the measured time is kept.
    """
    seconds = history["seconds"].to_numpy(dtype=float).copy()
    rate = history["bases_per_second"].to_numpy(dtype=float)
    if len(seconds) > 1:
        seconds[0] = seconds[0] * rate[0] / np.median(rate[1:])
    return np.cumsum(seconds)


def perplexity_within(history: pd.DataFrame, seconds: float) -> float:
    """The best held-out perplexity a run had reached within ``seconds`` of steady training (NaN if none).

    Epochs count with their cumulative training time from :func:`steady_seconds`
    (evaluation and compilation excluded); an epoch that ends after ``seconds``
    does not count.
    """
    within = steady_seconds(history) <= seconds * (1 + 1e-9)
    return float(history.loc[within, "heldout_perplexity"].min()) if within.any() else float("nan")


def compare_models(split: GenomeSplit, models: Mapping[str, tuple[CharLMConfig, TrainConfig]],
                   checkpoint_root: str | Path, *, verbose: int = 2) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Train several language models on the same split and tabulate them side by side.

    Parameters
    ----------
    split : GenomeSplit
    models : mapping of str to (CharLMConfig, TrainConfig)
        One entry per model; the name labels its row and its checkpoint folder
        ``<checkpoint_root>/<name>`` (finished runs are reloaded, see
        :func:`train_language_model`).
    checkpoint_root : str or Path
    verbose : int, default 2

    Returns
    -------
    table : pandas.DataFrame
        Indexed by name: ``cell``, ``word_size``, ``layers``, ``hidden_size``,
        ``parameters``, ``heldout_perplexity`` and ``heldout_bits_per_base``
        (last epoch), ``best_heldout_perplexity``, ``train_loss_perplexity``,
        ``trained_bases``, ``seconds`` (training time, all epochs),
        ``steady_seconds`` (the same without the one-off compilation, see
        :func:`steady_seconds`) and ``bases_per_second`` (last epoch).
    histories : dict of str to pandas.DataFrame
        Every model's per-epoch history (:data:`HISTORY_COLUMNS`).
    """
    rows, histories = {}, {}
    for name, (mc, tc) in models.items():
        result = train_language_model(split, mc, tc, Path(checkpoint_root) / str(name), verbose=verbose)
        history, last = result.history, result.final
        histories[name] = history
        rows[name] = {"cell": mc.cell, "word_size": mc.word_size, "layers": mc.num_layers,
                      "hidden_size": mc.hidden_size, "parameters": int(result.model.count_params()),
                      "heldout_perplexity": last["heldout_perplexity"],
                      "heldout_bits_per_base": last["heldout_bits_per_base"],
                      "best_heldout_perplexity": float(history["heldout_perplexity"].min()),
                      "train_loss_perplexity": last["train_perplexity"],
                      "trained_bases": float((history["seconds"] * history["bases_per_second"]).sum()),
                      "seconds": float(history["seconds"].sum()),
                      "steady_seconds": float(steady_seconds(history)[-1]),
                      "bases_per_second": last["bases_per_second"]}
    return pd.DataFrame.from_dict(rows, orient="index"), histories


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
        ``heldout_bits_per_base``, ``train_loss_perplexity``, ``seconds``, ``bases_per_second``.
    """
    from genomenb.sweep import point_id

    model_fields = set(CharLMConfig.__dataclass_fields__)
    train_fields = set(TrainConfig.__dataclass_fields__)
    models = {}
    for point in points:
        unknown = set(point) - model_fields - train_fields
        if unknown:
            raise ValueError(f"unknown grid names {sorted(unknown)}; use fields of CharLMConfig or TrainConfig")
        models[point_id(point)] = (replace(model_config, **{k: v for k, v in point.items() if k in model_fields}),
                                   replace(train_config, **{k: v for k, v in point.items() if k in train_fields}))
    table, _ = compare_models(split, models, checkpoint_root, verbose=verbose)
    columns = ["heldout_perplexity", "heldout_bits_per_base", "train_loss_perplexity", "seconds", "bases_per_second"]
    return pd.DataFrame([{**point, **table.loc[point_id(point), columns].to_dict()} for point in points])
