"""Genus language models: one generative model per genus, and genus calls by lowest perplexity.

The seed study (Genome Dreaming) trains one character-level LSTM per genus and
shows that a genome it has never seen is predicted best by the model of its
own genus. This module holds that workflow on the package's core:

Training
    :func:`train_genus_models` trains one language model per genus on the
    training genomes of :func:`genomenb.data.bacteria.split_genomes` (whole
    genomes, strain groups never on both sides), each through
    :func:`genomenb.training.language_model.train_language_model` (the one
    epoch loop: checkpoint and resume with identical numbers). The last 10%
    of every training record is the intra-genome hold-out.
Scoring fragments
    :func:`fragment_cross_entropy` scores fixed-length fragments with their
    own bases only: each fragment is read in windows of the training length,
    the first window predicting its bases 2..``seq_len + 1`` from a zero state
    (the training regime), later windows overlapping the previous one by
    ``warmup`` bases of context. Every base but the first is scored once,
    through the package's one forward pass (:func:`genomenb.predict.predict`).
Calls
    :func:`genus_calls` takes the model with the lowest perplexity;
    :func:`perplexity_table` is the seed study's Table 1 (genomes x models).
    :func:`score_fasta` does it all for a reader's own FASTA file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

import keras
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from genomenb import encode, metrics
from genomenb.data import bacteria
from genomenb.data.errors import DataError
from genomenb.data.fasta import read_fasta
from genomenb.models.charlm import CharLMConfig
from genomenb.predict import predict
from genomenb.training.language_model import TrainConfig, train_language_model
from genomenb.training.loop import TrainResult

__all__ = ["train_genus_models", "fragment_windows", "fragment_cross_entropy", "score_fragments", "genus_calls",
           "perplexity_table", "call_accuracy", "score_fasta"]

_WINDOWS_PER_CALL = 16384  # scoring windows built and predicted at a time (bounded memory)


def train_genus_models(split: pd.DataFrame, genera: Sequence[str], model_config: CharLMConfig,
                       train_config: TrainConfig, checkpoint_root: str | Path, *, heldout_fraction: float = 0.1,
                       verbose: int = 2) -> dict[str, TrainResult]:
    """Train one language model per genus on that genus's training genomes.

    Parameters
    ----------
    split : pandas.DataFrame
        From :func:`genomenb.data.bacteria.split_genomes` (``genus`` and
        ``split`` columns, one row per genome).
    genera : sequence of str
        Genera to model; each needs at least one training genome.
    model_config, train_config
        The same settings for every genus.
    checkpoint_root : str or Path
        Each genus checkpoints into ``<checkpoint_root>/<genus>``; a finished
        run with the same settings, data and code is loaded, not retrained.
    heldout_fraction : float, default 0.1
        The intra-genome hold-out at the end of every training record.

    Returns
    -------
    dict
        Genus -> :class:`~genomenb.training.loop.TrainResult`; its ``config``
        also holds ``genomes`` (the training genomes) and ``split`` (the
        :class:`~genomenb.data.splits.GenomeSplit`).
    """
    results = {}
    for genus in genera:
        genomes = list(split.index[(split.genus == genus) & (split.split == "train")])
        if not genomes:
            raise ValueError(f"genus {genus!r} has no training genome in the split")
        data = bacteria.genus_split(genomes, heldout_fraction)
        if verbose:
            print(f"{genus}: {len(genomes)} training genomes, {data.train_bases:,} training bases")
        result = train_language_model(data, model_config, train_config, Path(checkpoint_root) / genus,
                                      verbose=verbose)
        result.config.update(genomes=genomes, split=data)
        results[genus] = result
    return results


def fragment_windows(length: int, seq_len: int, warmup: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How a fragment of ``length`` bases is tiled by scoring windows of ``seq_len + 1`` bases.

    Returns
    -------
    starts, first, stop : numpy.ndarray
        Window ``w`` reads bases ``starts[w] .. starts[w] + seq_len``; its
        targets (bases ``starts[w] + 1 ..``) with indices ``first[w] <= t <
        stop[w]`` are scored. Every base from position 1 on is scored once;
        after the first window, each scored base has at least ``warmup``
        bases of context inside the fragment.
    """
    length, seq_len, warmup = int(length), int(seq_len), int(warmup)
    if not 0 <= warmup < seq_len:
        raise ValueError(f"warmup must be between 0 and seq_len - 1, got {warmup}")
    if length < seq_len + 1:
        raise ValueError(f"fragments of {length} bases are shorter than one window of {seq_len + 1} bases")
    starts, first, stop = [0], [0], [seq_len]
    scored_to = seq_len  # bases 1..seq_len scored so far (target t of window s is base s + t + 1)
    while scored_to < length - 1:
        start = min(scored_to - warmup, length - seq_len - 1)
        starts.append(start)
        first.append(scored_to - start)  # next unscored base is scored_to + 1 = start + t + 1
        stop.append(seq_len)
        scored_to = start + seq_len
    return np.array(starts), np.array(first), np.array(stop)


def fragment_cross_entropy(model: keras.Model, fragments: np.ndarray, seq_len: int, *, warmup: int | None = None,
                           batch_size: int = 512) -> np.ndarray:
    """Mean next-base cross-entropy (nats) of every fragment under a language model, from its own bases only.

    Parameters
    ----------
    model : keras.Model
        A language model from :func:`genomenb.models.charlm.build_char_lm`.
    fragments : numpy.ndarray
        ``uint8`` codes ``(n, length)``; targets that are ``N`` are not scored.
    seq_len : int
        The model's window length.
    warmup : int, optional
        Context before the scored bases of every window after the first
        (default ``seq_len // 2``, as in held-out scoring).
    batch_size : int, default 512
        Windows per forward pass.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(n,)``: mean nats per scored base of each fragment.
    """
    rows = encode.check_codes(fragments, ndim=(2,), name="fragments")
    warmup = seq_len // 2 if warmup is None else int(warmup)
    starts, first, stop = fragment_windows(rows.shape[1], seq_len, warmup)
    target = np.arange(seq_len)
    mask = (target >= first[:, None]) & (target < stop[:, None])  # (windows per fragment, seq_len)
    offsets = starts[:, None] + np.arange(seq_len + 1)
    per_call = max(1, _WINDOWS_PER_CALL // len(starts))
    nats = np.zeros(len(rows))
    counted = np.zeros(len(rows))
    for i in range(0, len(rows), per_call):
        windows = rows[i:i + per_call][:, offsets].reshape(-1, seq_len + 1).astype(np.int32)
        x, y = windows[:, :-1], windows[:, 1:]
        # whole batches only: one input shape per model, so a compiled (XLA) forward pass is compiled once
        padded = np.zeros((-(-len(x) // batch_size) * batch_size, seq_len), dtype=np.int32)
        padded[:len(x)] = x
        probs = predict(model, padded, batch_size=batch_size)[:len(x)]
        p = np.take_along_axis(probs, np.minimum(y, 3)[..., None], axis=-1)[..., 0].astype(np.float64)
        scored = np.tile(mask, (len(windows) // len(starts), 1)) & (y < encode.N_CODE)
        logp = np.where(scored, np.log(np.clip(p, 1e-12, 1.0)), 0.0).reshape(-1, len(starts) * seq_len)
        nats[i:i + per_call] = -logp.sum(axis=1)
        counted[i:i + per_call] = scored.reshape(-1, len(starts) * seq_len).sum(axis=1)
    if (counted == 0).any():
        raise ValueError("a fragment has no A/C/G/T base to score")
    return nats / counted


def score_fragments(models: Mapping[str, keras.Model], fragments: np.ndarray, seq_len: int, *,
                    warmup: int | None = None, batch_size: int = 512, progress: bool = True) -> pd.DataFrame:
    """Cross-entropy (nats per base) of every fragment under every genus model: one column per genus."""
    columns = {}
    for genus, model in tqdm(list(models.items()), desc="genus models", disable=not progress, leave=False):
        columns[genus] = fragment_cross_entropy(model, fragments, seq_len, warmup=warmup, batch_size=batch_size)
    return pd.DataFrame(columns)


def genus_calls(cross_entropy: pd.DataFrame) -> pd.Series:
    """The genus whose model gives each row (fragment or genome) the lowest cross-entropy."""
    if cross_entropy.empty:
        raise ValueError("no scores to call from")
    return cross_entropy.idxmin(axis=1).rename("call")


def perplexity_table(cross_entropy: pd.DataFrame, genomes: Sequence[str], bases: Sequence[int]) -> pd.DataFrame:
    """The seed study's Table 1: perplexity of every genome (rows) under every genus model (columns).

    Fragment scores are pooled per genome weighted by their scored bases, so
    a genome's perplexity is that of all its scored bases together.

    Parameters
    ----------
    cross_entropy : pandas.DataFrame
        One row per fragment, one column per genus model (nats per base).
    genomes : sequence of str
        The genome each fragment comes from.
    bases : sequence of int
        Scored bases of each fragment.
    """
    weights = np.asarray(bases, dtype=np.float64)
    if len(weights) != len(cross_entropy) or len(genomes) != len(cross_entropy):
        raise ValueError("expected one genome name and one base count per fragment")
    nats = cross_entropy.mul(weights, axis=0)
    pooled = nats.groupby(np.asarray(genomes)).sum().div(pd.Series(weights).groupby(np.asarray(genomes)).sum().values,
                                                         axis=0)
    return np.exp(pooled)


def call_accuracy(truth: Sequence[str], calls: Sequence[str]) -> float:
    """Fraction of calls equal to the true genus."""
    truth, calls = np.asarray(truth), np.asarray(calls)
    if truth.shape != calls.shape or truth.size == 0:
        raise ValueError("expected as many calls as true labels, at least one")
    return float((truth == calls).mean())


def score_fasta(path: str | os.PathLike, models: Mapping[str, keras.Model], seq_len: int, *,
                fragment_length: int = 10_000, max_fragments: int = 50, warmup: int | None = None,
                batch_size: int = 512, seed: int = 0) -> dict:
    """Score a reader's own genome (FASTA, plain or gzip) under every genus model, and call its genus.

    The genome is cut into fragments of ``fragment_length`` bases without N
    (at most ``max_fragments``, drawn at seeded random positions); each is
    scored under every model with :func:`fragment_cross_entropy`.

    Returns
    -------
    dict
        ``perplexity`` (genus -> pooled perplexity), ``call`` (the genus of
        lowest perplexity), ``fragment_votes`` (genus -> fragments called
        for it), ``fragments`` and ``bases`` (how much was scored).

    Raises
    ------
    DataError
        When the file is missing, empty, not DNA, mostly N, or shorter than
        one fragment.
    """
    records = list(read_fasta(path))  # DataError on a missing/empty file or non-DNA text
    parts = [encode.to_codes(r.sequence) for r in records]
    total = sum(len(p) for p in parts)
    acgt = sum(int((p < encode.N_CODE).sum()) for p in parts)
    if acgt < 0.5 * total:
        raise DataError(path, f"expected DNA; only {acgt:,} of {total:,} bases are A/C/G/T")
    longest = max(len(p) for p in parts)
    if longest < fragment_length:
        raise DataError(path, f"expected a record of at least one fragment ({fragment_length:,} bases); the "
                              f"longest has {longest:,}")
    room = sum(max(0, len(p) - fragment_length + 1) for p in parts)
    n = int(min(max_fragments, max(1, room // fragment_length)))
    try:
        fragments = bacteria.sample_fragments(parts, fragment_length, n, seed=seed)
    except ValueError as exc:
        raise DataError(path, f"expected {n} stretches of {fragment_length:,} bases without N ({exc})") from None
    ce = score_fragments(models, fragments, seq_len, warmup=warmup, batch_size=batch_size)
    calls = genus_calls(ce)
    pooled = ce.mean(axis=0)  # equal-length fragments: the pooled mean is the plain mean
    return {"perplexity": {g: metrics.perplexity(float(v)) for g, v in pooled.items()},
            "call": str(pooled.idxmin()), "fragment_votes": calls.value_counts().to_dict(),
            "fragments": n, "bases": n * fragment_length}
