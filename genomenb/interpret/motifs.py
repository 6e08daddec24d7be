"""Motifs: what convolution filters have learned, and which known motif a pattern resembles.

Filter motifs
    :func:`filter_pwms` builds a position weight matrix for every filter of a
    ``Conv1D`` layer that reads the one-hot sequence, from the windows of a
    set of sequences that activate the filter most (the recipe of DeepBind
    and Basset). The activations come from one forward pass,
    :func:`genomenb.predict.predict` on ``keras.Model(input, conv.output)``.

Motif comparison: Tomtom
    :func:`match_motifs` compares patterns (filter PWMs, optimized inputs,
    attributions averaged over sites) with a motif collection such as JASPAR
    (:func:`genomenb.data.motifs.jaspar_motifs`) by Tomtom (Gupta et al.
    2007), as implemented by ``memelite`` (``memelite.tomtom``, a
    numba re-implementation of the MEME suite's tool): the Euclidean
    similarity of aligned columns, over every offset and both strands, with
    a p-value from the distribution of scores of the query's columns against
    all target columns. The p-value accounts for the widths and information
    content of both matrices, which a plain correlation does not. Tomtom
    reports per pair the p-value, offset, overlap and strand; the E-value
    (p-value x number of targets) and a q-value (Benjamini-Hochberg over
    the query's p-values against all targets) are computed here, as MEME's
    Tomtom does. The p-values use the target columns as background: compare
    against a full collection (MEME advises at least 50 targets; ``memelite``
    warns below 25).

    Tomtom compares probability matrices. A pattern that is not one is made
    one by :func:`to_pwm` first: non-negative matrices (counts) are
    normalised per position, signed ones (attributions, optimized inputs)
    go through a softmax over the bases with the matrix's standard deviation
    as temperature (:func:`softmax_pwm`).

    ``memelite`` compiles its kernels with numba on first use (about a
    minute, once per environment; the compiled code is cached).

Matrices are ``(w, 4)`` in ``A C G T`` order; offsets are the position in
the pattern of the motif's first column (negative when the motif starts
before the pattern), on the strand reported (``+1``; ``-1`` for the motif's
reverse complement).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import keras
import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from genomenb.interpret import _inputs
from genomenb.predict import Inputs, input_specs, predict

__all__ = ["FilterPWMs", "first_conv_layer", "filter_pwms", "reverse_complement_matrix", "softmax_pwm", "to_pwm",
           "match_motifs", "motif_alignment", "motif_window"]


# --------------------------------------------------------------------------- filter PWMs


@dataclass
class FilterPWMs:
    """Position weight matrices of convolution filters (:func:`filter_pwms`).

    Attributes
    ----------
    layer : str
        Name of the convolution layer.
    pwms : numpy.ndarray
        ``float64`` ``(F, k, 4)``, rows sum to 1 (a pseudo-count keeps them
        finite; a filter that never fires is uniform).
    counts : numpy.ndarray
        ``float64`` ``(F, k, 4)`` base counts over the top-activating windows.
    n_sites : numpy.ndarray
        ``int64`` ``(F,)`` windows that passed the threshold.
    max_activation : numpy.ndarray
        ``float32`` ``(F,)`` the largest activation of each filter.
    """

    layer: str
    pwms: np.ndarray
    counts: np.ndarray
    n_sites: np.ndarray
    max_activation: np.ndarray

    @property
    def information_content(self) -> np.ndarray:
        """Total information content (bits) of each filter's PWM, ``(F,)``."""
        p = self.pwms
        return (p * np.log2(p / 0.25)).sum(axis=(1, 2))


def first_conv_layer(model: keras.Model):
    """The first ``Conv1D`` layer of a model (raises ``ValueError`` if there is none)."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv1D):
            return layer
    raise ValueError(f"model {model.name!r} has no Conv1D layer (a recurrent model has no filters to read)")


def _read_input(model: keras.Model, conv) -> str:
    """Name of the model input the convolution reads directly (``ValueError`` if none or not one-hot)."""
    source = conv.input
    names = [t.name for t in (getattr(model, "inputs", None) or []) if t is source]
    if source.shape[-1] != 4 or (getattr(model, "inputs", None) and not names):
        raise ValueError(f"layer {conv.name!r} does not read the one-hot input directly")
    return names[0] if names else next(iter(input_specs(model)))


def filter_pwms(model: keras.Model, x: Inputs, *, layer: str | None = None, threshold: float = 0.5,
                top: int | None = None, pseudocount: float = 0.5, batch_size: int = 256) -> FilterPWMs:
    """PWMs of convolution filters from the subsequences that activate them most.

    For each filter, every window of the input where its activation exceeds
    ``threshold`` times its largest activation over ``x`` is counted (or,
    with ``top``, its ``top`` most activating windows over ``x``), and the
    base counts per position give the PWM. Windows are aligned to the
    layer's padding (``"same"`` convolutions centre the window; bases outside
    the sequence count as nothing).

    Parameters
    ----------
    model : keras.Model
    x : numpy.ndarray or mapping of str to numpy.ndarray
        One-hot sequences ``(n, L, 4)`` (or codes), e.g. the test set; or
        input name -> array for a model with several inputs (the sequence
        input the layer reads is used).
    layer : str, optional
        Name of a ``Conv1D`` layer whose input is a one-hot sequence input
        of the model (default: the first one).
    threshold : float
        Fraction of the maximum activation a window must exceed.
    top : int, optional
        Count the ``top`` windows with the largest activation of each filter
        instead (the DeepRAGE paper's top 100); only positive activations
        count, and windows tied with the last one are all counted.
    pseudocount : float
        Added to every count before normalising.

    Returns
    -------
    FilterPWMs
    """
    conv = model.get_layer(layer) if layer else first_conv_layer(model)
    if not isinstance(conv, keras.layers.Conv1D):
        raise ValueError(f"layer {conv.name!r} is not a Conv1D layer")
    name = _read_input(model, conv)
    seqs = _inputs.resolve(model, x, name).x
    k = int(conv.kernel_size[0])
    activations = keras.Model(conv.input, conv.output)
    acts = predict(activations, seqs, batch_size=batch_size)  # (n, P, F)
    max_act = acts.max(axis=(0, 1))
    cut = threshold * np.maximum(max_act, 0.0)
    if top is not None:
        if isinstance(top, bool) or int(top) < 1 or int(top) > acts.shape[0] * acts.shape[1]:
            raise ValueError(f"top must be between 1 and the number of windows, got {top!r}")
        kth = np.asarray([np.partition(acts[..., f].ravel(), -int(top))[-int(top)] for f in range(acts.shape[-1])])
        cut = np.where(kth > 0, np.nextafter(kth, -np.inf), 0.0)  # fired: >= the top-th value, and > 0
    left, right = ((k - 1) // 2, k // 2) if conv.padding == "same" else (0, 0)
    n_filters = acts.shape[-1]
    counts = np.zeros((n_filters, k, 4), dtype=np.float64)
    n_sites = np.zeros(n_filters, dtype=np.int64)
    for lo in range(0, seqs.shape[0], batch_size):
        chunk = np.pad(seqs[lo:lo + batch_size], ((0, 0), (left, right), (0, 0)))
        windows = sliding_window_view(chunk, k, axis=1)  # (c, P, 4, k)
        fired = (acts[lo:lo + batch_size] > cut[None, None, :]) & (max_act > 0)[None, None, :]
        n_sites += fired.sum(axis=(0, 1))
        counts += np.einsum("cpf,cpbk->fkb", fired.astype(np.float32), windows, optimize=True)
    pwms = (counts + pseudocount) / (counts + pseudocount).sum(axis=2, keepdims=True)
    return FilterPWMs(conv.name, pwms, counts, n_sites, max_act.astype(np.float32))


# --------------------------------------------------------------------------- matrices


def reverse_complement_matrix(m: np.ndarray) -> np.ndarray:
    """Reverse complement of a ``(w, 4)`` matrix in ``A C G T`` order (flip rows and columns)."""
    return np.asarray(m)[::-1, ::-1].copy()


def softmax_pwm(matrix: np.ndarray, temperature: float | None = None) -> np.ndarray:
    """A probability matrix ``(w, 4)``: softmax over bases of ``matrix / temperature``.

    ``temperature`` defaults to the standard deviation of the matrix, so the
    result does not depend on its overall scale (a flat matrix gives 0.25
    everywhere).
    """
    x = np.asarray(matrix, dtype=np.float64)
    t = float(x.std()) if temperature is None else float(temperature)
    z = x / max(t, 1e-12)
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


def to_pwm(matrix: np.ndarray) -> np.ndarray:
    """Any ``(w, 4)`` pattern as a probability matrix, for Tomtom.

    Non-negative matrices with a positive total at every position
    (probabilities, counts) are normalised per position; anything else
    (attributions, optimized inputs) goes through :func:`softmax_pwm`.
    """
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2 or m.shape[1] != 4 or m.shape[0] == 0:
        raise ValueError(f"a pattern must be a (w, 4) matrix, got {m.shape}")
    totals = m.sum(axis=1, keepdims=True)
    if (m >= 0).all() and (totals > 0).all():
        return m / totals
    return softmax_pwm(m)


# --------------------------------------------------------------------------- Tomtom


COLUMNS = ["pattern", "rank", "motif", "matrix_id", "p_value", "e_value", "q_value", "offset", "overlap", "strand"]


def _benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """q-values of each row of p-values (Benjamini-Hochberg step-up, monotone)."""
    p = np.asarray(p, dtype=np.float64)
    m = p.shape[1]
    order = np.argsort(p, axis=1, kind="stable")
    ranked = np.take_along_axis(p, order, axis=1) * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[:, ::-1], axis=1)[:, ::-1]
    q = np.empty_like(ranked)
    np.put_along_axis(q, order, np.minimum(ranked, 1.0), axis=1)
    return q


def _tomtom(patterns: Sequence[np.ndarray], targets: Sequence[np.ndarray], n_jobs: int):
    """memelite's Tomtom on ``(w, 4)`` probability matrices; arrays ``(n_patterns, n_targets)``."""
    from memelite import tomtom

    # (4, w) float64 C-ordered: always the same layout, so numba compiles (and caches) one version
    qs = [np.ascontiguousarray(to_pwm(p).T) for p in patterns]
    ts = [np.ascontiguousarray(np.asarray(t, dtype=np.float64).T) for t in targets]
    p_values, _, offsets, overlaps, strands = tomtom(qs, ts, n_jobs=n_jobs)
    return p_values, offsets, overlaps, strands


def match_motifs(patterns: Sequence[np.ndarray] | np.ndarray, motifs: Sequence, *, names: Sequence[str] | None = None,
                 top: int | None = 3, n_jobs: int = -1) -> pd.DataFrame:
    """The most similar motifs of a collection for each pattern, by Tomtom.

    Parameters
    ----------
    patterns : sequence of ``(w, 4)`` arrays
        Probability matrices, counts or signed patterns (see :func:`to_pwm`).
    motifs : sequence of :class:`genomenb.data.motifs.Motif`
        The targets (``.name``, ``.matrix_id``, ``.probs``), e.g. all of JASPAR.
    names : sequence of str, optional
        Labels of the patterns (default ``0, 1, ...``).
    top : int or None, default 3
        Matches kept per pattern (``None``: every motif).
    n_jobs : int, default -1
        Threads for ``memelite`` (``-1``: all).

    Returns
    -------
    pandas.DataFrame
        One row per pattern and rank: ``pattern``, ``rank`` (1 = smallest
        p-value), ``motif``, ``matrix_id``, ``p_value``, ``e_value``
        (p-value x number of motifs), ``q_value`` (Benjamini-Hochberg over
        the pattern's p-values against all motifs), ``offset`` (position in
        the pattern of the motif's first column), ``overlap`` (aligned
        columns), ``strand`` (``+1``, or ``-1`` for the motif's reverse
        complement).
    """
    patterns = list(patterns)
    motifs = list(motifs)
    names = list(names) if names is not None else [str(i) for i in range(len(patterns))]
    if len(names) != len(patterns):
        raise ValueError(f"{len(names)} names for {len(patterns)} patterns")
    if not patterns or not motifs:
        return pd.DataFrame(columns=COLUMNS)
    p_values, offsets, overlaps, strands = _tomtom(patterns, [m.probs for m in motifs], n_jobs)
    q_values = _benjamini_hochberg(p_values)
    keep = len(motifs) if top is None else min(int(top), len(motifs))
    ids = np.array([m.matrix_id for m in motifs])
    rows = []
    for i, name in enumerate(names):
        order = np.lexsort((ids, p_values[i]))[:keep]  # ties broken by matrix id
        for rank, j in enumerate(order, start=1):
            rows.append({"pattern": name, "rank": rank, "motif": motifs[j].name, "matrix_id": motifs[j].matrix_id,
                         "p_value": float(p_values[i, j]), "e_value": float(p_values[i, j] * len(motifs)),
                         "q_value": float(q_values[i, j]), "offset": -int(offsets[i, j]),
                         "overlap": int(overlaps[i, j]), "strand": -1 if strands[i, j] else 1})
    return pd.DataFrame(rows, columns=COLUMNS)


def motif_alignment(pattern: np.ndarray, motif, motifs: Sequence) -> tuple[float, int, int]:
    """Tomtom's best alignment of one given motif with a pattern: ``(p_value, offset, strand)``.

    The p-value's background is the collection ``motifs`` (``motif`` is added
    to it when absent), as in :func:`match_motifs`; ``offset`` is the
    position in ``pattern`` of the motif's first column on ``strand``, so
    ``pattern[offset:offset + motif.width]`` (reverse complemented for
    strand ``-1``) is the part that lines up with the motif.
    """
    targets = list(motifs)
    if not any(m.matrix_id == motif.matrix_id for m in targets):
        targets.append(motif)
    table = match_motifs([pattern], targets, top=None)
    row = table[table["matrix_id"] == motif.matrix_id].iloc[0]
    return float(row["p_value"]), int(row["offset"]), int(row["strand"])


def motif_window(pattern: np.ndarray, motif, motifs: Sequence) -> tuple[np.ndarray, float]:
    """The part of a long pattern that lines up with ``motif``, turned to the motif's strand.

    A class-optimized input or an averaged map is longer than the motif; this
    cuts out the columns of Tomtom's best alignment (:func:`motif_alignment`)
    so the two can be drawn side by side.

    Parameters
    ----------
    pattern : numpy.ndarray
        ``(L, 4)`` matrix.
    motif : Motif
        The motif to align (``matrix_id``, ``width``).
    motifs : sequence of Motif
        The collection the p-value is computed against.

    Returns
    -------
    tuple of (numpy.ndarray, float)
        The aligned window (at most ``motif.width`` rows; reverse complemented
        for an alignment on strand ``-1``) and the alignment's p-value.
    """
    p_value, offset, strand = motif_alignment(pattern, motif, motifs)
    lo = max(offset, 0)
    window = pattern[lo:lo + motif.width]
    return (window if strand == 1 else reverse_complement_matrix(window)), p_value
