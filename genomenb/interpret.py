"""What a sequence model looks at: attribution maps, optimized inputs and filter motifs.

Every function works with any genomenb sequence model (:mod:`genomenb.models`):
one-hot input ``(batch, L, 4)`` ``float32`` with channels ``A, C, G, T`` and an
``N`` as an all-zero row (:mod:`genomenb.encode`), and ``(batch, T)`` sigmoid
outputs. Only :func:`genomenb.backend.output_gradients` depends on the Keras
backend (TensorFlow, JAX or PyTorch); everything here is NumPy around it and
around forward passes, so the same maps come out under every backend.

Which score is explained
    ``output="logit"`` (the default for attributions) explains the score
    before the final sigmoid, computed by a copy of the model whose last
    activation is linear (:func:`scoring_model`, same weights). The sigmoid
    flattens out for confident predictions, which would shrink every gradient
    of a probability towards zero; the logit does not saturate.
    ``output="probability"`` explains the sigmoid output itself.

Attribution methods (all ``(n, L, 4)``, one value per position and base)
    * :func:`saliency` -- the first-order Taylor term: the gradient of the
      score with respect to the input times the input. For one-hot input only
      the observed base is non-zero, and its value is the linear estimate of
      how much that base adds to the score.
    * :func:`input_gradients` -- the gradient alone (what the score would do
      if a base were added).
    * :func:`in_silico_mutagenesis` -- every single-base substitution, scored
      exactly by a forward pass (batched): score(mutant) - score(sequence).
    * :func:`temporal_scores` -- the score after each prefix of the sequence
      (the rest set to ``N``): where along the sequence the decision is made.
      For a recurrent model this is its output after reading ``t`` bases.

Patterns
    * :func:`class_optimization` -- gradient ascent on a free input for one
      output with an L2 penalty: the input the model finds most typical of
      the class.
    * :func:`filter_pwms` -- position weight matrices of first-layer
      convolution filters, from the subsequences that activate each filter
      most.
    * :func:`pwm_similarity` and :func:`match_motifs` compare any such
      pattern with JASPAR matrices.

Scoring against ground truth
    On DeepSEA-sim the planted motif sites are known.
    :func:`planted_site_mask` marks them, :func:`position_importance` turns an
    attribution map into one importance per position, and
    :func:`rank_planted_positions` scores how well each method ranks planted
    positions above the others (AUROC and average precision per sequence).
    :func:`best_task_per_motif`, :func:`planted_cases` and
    :func:`sites_in_arrays` choose what to explain and which sites an
    explanation should find.

Feature barcodes and annotation tables
    :func:`binarize`, :func:`barcode_agreement` and
    :func:`grouped_feature_means` turn 919 outputs into barcodes and
    summaries; :func:`ranked_features` and :func:`export_ranked_features_xlsx`
    rank one sequence's features with their cell type, target and treatment.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import keras
import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from genomenb import metrics
from genomenb.backend import output_gradients

__all__ = [
    "OUTPUTS",
    "scoring_model",
    "predict_scores",
    "input_gradients",
    "saliency",
    "in_silico_mutagenesis",
    "temporal_scores",
    "temporal_importance",
    "ClassOptimization",
    "class_optimization",
    "FilterPWMs",
    "filter_pwms",
    "first_conv_layer",
    "reverse_complement_matrix",
    "pwm_similarity",
    "match_motifs",
    "ATTRIBUTION_METHODS",
    "position_importance",
    "substitution_importance",
    "attribution_scores",
    "planted_site_mask",
    "rank_planted_positions",
    "summarize_ranking",
    "aligned_site_attributions",
]

OUTPUTS = ("logit", "probability")

# Linear-output copies of models, kept while the model lives (weights re-synced on every use).
_LOGIT_COPIES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


# --------------------------------------------------------------------------- outputs and forward passes


def _activation_name(layer) -> str:
    act = getattr(layer, "activation", None)
    if act is None:
        return "linear"
    return getattr(act, "__name__", str(act))


def scoring_model(model: keras.Model, output: str = "logit") -> keras.Model:
    """The model whose outputs are the requested scores.

    Parameters
    ----------
    model : keras.Model
        A functional or sequential model ending in a layer with a sigmoid
        activation (all genomenb multitask models do).
    output : {"logit", "probability"}
        ``"probability"`` returns ``model`` itself; ``"logit"`` a copy whose
        last activation is linear, sharing no variables but holding the same
        weights (re-copied on every call, so a model trained further is
        followed).

    Returns
    -------
    keras.Model
    """
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
    if output == "probability":
        return model
    last = model.layers[-1]
    if _activation_name(last) != "sigmoid":
        return model  # already a linear (or other) score: nothing to undo
    copy = _LOGIT_COPIES.get(model)
    if copy is None:
        config = model.get_config()
        for layer_config in config["layers"]:
            if layer_config.get("config", {}).get("name") == last.name:
                layer_config["config"]["activation"] = "linear"
                break
        else:
            raise ValueError(f"cannot find the output layer {last.name!r} in the model's configuration")
        copy = model.__class__.from_config(config)
        _LOGIT_COPIES[model] = copy
    copy.set_weights(model.get_weights())
    return copy


def _as_input(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3 or x.shape[-1] != 4:
        raise ValueError(f"expected one-hot input of shape (n, L, 4), got {x.shape}; encode codes with "
                         "genomenb.encode.one_hot first")
    return x


def _bucket(n: int, batch_size: int) -> int:
    """Batch shape for ``n`` rows: ``batch_size``, or the next power of two below it.

    Padding every batch to one of a few shapes keeps compiled forward and
    backward functions from being retraced for every new size.
    """
    if n >= batch_size:
        return batch_size
    return min(batch_size, 1 << max(0, int(n - 1).bit_length()))


def _padded_batches(n: int, batch_size: int):
    """(start, stop) of consecutive batches; the caller pads the last one to ``batch_size``."""
    for lo in range(0, n, batch_size):
        yield lo, min(lo + batch_size, n)


def _pad_rows(a: np.ndarray, rows: int) -> np.ndarray:
    if a.shape[0] == rows:
        return a
    pad = np.zeros((rows - a.shape[0],) + a.shape[1:], dtype=a.dtype)
    return np.concatenate([a, pad])


def _forward(model: keras.Model, x: np.ndarray, batch_size: int) -> np.ndarray:
    """All outputs ``(n, T)`` float32; every batch has the same shape (no recompilation)."""
    n = x.shape[0]
    if n == 0:
        return np.zeros((0, model.output_shape[-1]), dtype=np.float32)
    size = _bucket(n, batch_size)
    out = []
    for lo, hi in _padded_batches(n, size):
        y = model.predict_on_batch(_pad_rows(x[lo:hi], size))
        out.append(np.asarray(keras.ops.convert_to_numpy(y), dtype=np.float32)[:hi - lo])
    return np.concatenate(out)


def _task_vector(task, n: int, n_tasks: int) -> np.ndarray:
    """One task index per sequence, ``int64`` ``(n,)``."""
    tasks = np.broadcast_to(np.asarray(task, dtype=np.int64), (n,)).copy()
    if tasks.size and (tasks.min() < 0 or tasks.max() >= n_tasks):
        raise ValueError(f"task indices must be in 0..{n_tasks - 1}")
    return tasks


def predict_scores(model: keras.Model, x: np.ndarray, task=None, *, output: str = "logit",
                   batch_size: int = 256) -> np.ndarray:
    """Scores of one-hot sequences.

    Parameters
    ----------
    x : numpy.ndarray
        ``float32`` ``(n, L, 4)``.
    task : int or array of int, optional
        One task for all sequences or one per sequence; ``None`` returns all tasks.
    output : {"logit", "probability"}

    Returns
    -------
    numpy.ndarray
        ``float32`` ``(n,)`` with a task, else ``(n, T)``.
    """
    x = _as_input(x)
    scorer = scoring_model(model, output)
    y = _forward(scorer, x, batch_size)
    if task is None:
        return y
    tasks = _task_vector(task, x.shape[0], y.shape[1])
    return y[np.arange(x.shape[0]), tasks]


# --------------------------------------------------------------------------- gradients


def input_gradients(model: keras.Model, x: np.ndarray, task, *, output: str = "logit",
                    batch_size: int = 128) -> np.ndarray:
    """Gradient of each sequence's chosen score with respect to its one-hot input.

    Parameters
    ----------
    model : keras.Model
    x : numpy.ndarray
        ``float32`` ``(n, L, 4)``.
    task : int or array of int
        The output to explain: one for all sequences or one per sequence.
    output : {"logit", "probability"}
    batch_size : int
        Sequences per backward pass (the last batch is padded, so every pass
        has the same shape).

    Returns
    -------
    numpy.ndarray
        ``float32`` ``(n, L, 4)``.
    """
    x = _as_input(x)
    scorer = scoring_model(model, output)
    n_tasks = int(scorer.output_shape[-1])
    tasks = _task_vector(task, x.shape[0], n_tasks)
    grads = np.zeros_like(x)
    size = _bucket(max(1, x.shape[0]), batch_size)
    for lo, hi in _padded_batches(x.shape[0], size):
        weights = np.zeros((size, n_tasks), dtype=np.float32)
        weights[np.arange(hi - lo), tasks[lo:hi]] = 1.0  # padding rows get weight 0
        g, _ = output_gradients(scorer, _pad_rows(x[lo:hi], size), weights)
        grads[lo:hi] = g[:hi - lo]
    return grads


def saliency(model: keras.Model, x: np.ndarray, task, *, output: str = "logit", batch_size: int = 128) -> np.ndarray:
    """Saliency map: the first-order Taylor term, gradient x input, per position and base.

    Around a sequence ``x0`` the score is approximately
    ``S(x) ~ S(x0) + w . (x - x0)`` with ``w = dS/dx`` at ``x0``; ``w * x0`` is
    each observed base's share of that linear term (zero for the three
    bases not present).

    Returns
    -------
    numpy.ndarray
        ``float32`` ``(n, L, 4)``.
    """
    x = _as_input(x)
    return input_gradients(model, x, task, output=output, batch_size=batch_size) * x


def in_silico_mutagenesis(model: keras.Model, x: np.ndarray, task, *, output: str = "logit",
                          batch_size: int = 1024) -> np.ndarray:
    """Effect of every single-base substitution, by forward passes.

    For each sequence, all ``4 L`` variants with one position set to one base
    are scored in batches. Entry ``[i, p, b]`` is
    ``score(x_i with base b at p) - score(x_i)`` for the chosen task; the
    observed base gives exactly 0. At an ``N`` position all four bases are
    substitutions.

    Parameters
    ----------
    batch_size : int
        Variants per forward pass; sequences are processed
        ``max(1, batch_size // (4 L))`` at a time.

    Returns
    -------
    numpy.ndarray
        ``float32`` ``(n, L, 4)``.
    """
    x = _as_input(x)
    n, length, _ = x.shape
    scorer = scoring_model(model, output)
    n_tasks = int(scorer.output_shape[-1])
    tasks = _task_vector(task, n, n_tasks)
    reference = _forward(scorer, x, batch_size)[np.arange(n), tasks]
    per_chunk = max(1, batch_size // (4 * length))
    eye = np.eye(4, dtype=np.float32)
    out = np.zeros_like(x)
    for lo in range(0, n, per_chunk):
        chunk = x[lo:lo + per_chunk]
        c = chunk.shape[0]
        variants = np.repeat(chunk[:, None, None], length * 4, axis=1).reshape(c, length, 4, length, 4)
        for p in range(length):
            variants[:, p, :, p, :] = eye
        scores = _forward(scorer, variants.reshape(c * length * 4, length, 4), batch_size)
        scores = scores.reshape(c, length, 4, n_tasks)[np.arange(c), :, :, tasks[lo:lo + c]]
        out[lo:lo + c] = scores - reference[lo:lo + c, None, None]
    # the observed base is the sequence itself: make its zero exact (no float noise)
    out[x == 1.0] = 0.0
    return out


def temporal_scores(model: keras.Model, x: np.ndarray, task, *, output: str = "probability",
                    direction: str = "forward", step: int = 1, batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """The score after reading each prefix (or suffix) of the sequence.

    The model sees the first ``t`` bases and ``N`` (all-zero rows) after them,
    for ``t = 0, step, 2 step, ..., L``. For a recurrent model this is its
    output after ``t`` steps; for any model it shows where along the sequence
    the score rises, i.e. where the decision is made. ``direction="reverse"``
    reveals the sequence from its end instead.

    Returns
    -------
    scores : numpy.ndarray
        ``float32`` ``(n, K)``: the score with ``revealed[k]`` bases revealed.
    revealed : numpy.ndarray
        ``int64`` ``(K,)``, from 0 to ``L``.
    """
    if direction not in ("forward", "reverse"):
        raise ValueError(f"direction must be 'forward' or 'reverse', got {direction!r}")
    if step < 1:
        raise ValueError(f"step must be >= 1, got {step}")
    x = _as_input(x)
    n, length, _ = x.shape
    revealed = np.arange(0, length + 1, step, dtype=np.int64)
    if revealed[-1] != length:
        revealed = np.append(revealed, length)
    scorer = scoring_model(model, output)
    n_tasks = int(scorer.output_shape[-1])
    tasks = _task_vector(task, n, n_tasks)
    k = revealed.size
    positions = np.arange(length)
    keep = positions[None, :] < revealed[:, None] if direction == "forward" else \
        positions[None, :] >= (length - revealed)[:, None]  # (K, L)
    per_chunk = max(1, batch_size // k)
    out = np.zeros((n, k), dtype=np.float32)
    for lo in range(0, n, per_chunk):
        chunk = x[lo:lo + per_chunk]
        c = chunk.shape[0]
        variants = chunk[:, None] * keep[None, :, :, None].astype(np.float32)  # (c, K, L, 4)
        scores = _forward(scorer, variants.reshape(c * k, length, 4), batch_size).reshape(c, k, n_tasks)
        out[lo:lo + c] = scores[np.arange(c), :, tasks[lo:lo + c]]
    return out, revealed


def temporal_importance(scores: np.ndarray, direction: str = "forward") -> np.ndarray:
    """Per-position change of a step-1 temporal score curve, ``(n, L+1) -> (n, L)``.

    Entry ``p`` is how much the score moved when base ``p`` was revealed.
    """
    scores = np.asarray(scores, dtype=np.float32)
    change = np.diff(scores, axis=1)
    return change if direction == "forward" else change[:, ::-1]


# --------------------------------------------------------------------------- class optimization


@dataclass
class ClassOptimization:
    """Result of :func:`class_optimization`.

    Attributes
    ----------
    task : int
    input : numpy.ndarray
        ``float32`` ``(L, 4)``: the optimized input of the best start.
    score : float
        The model's score (logit) at ``input``.
    objective : numpy.ndarray
        ``float32`` ``(steps + 1,)``: score - l2 * ||X||^2 of the best start, per step.
    l2 : float
    starts : numpy.ndarray
        ``float32`` ``(n_starts, L, 4)``: every start's final input.
    """

    task: int
    input: np.ndarray
    score: float
    objective: np.ndarray
    l2: float
    starts: np.ndarray = field(repr=False)

    def centred(self) -> np.ndarray:
        """The input minus its per-position mean over the four bases (what a logo shows)."""
        return self.input - self.input.mean(axis=1, keepdims=True)

    def pwm(self, temperature: float | None = None) -> np.ndarray:
        """A probability matrix ``(L, 4)``: softmax over bases of ``input / temperature``.

        ``temperature`` defaults to the standard deviation of the input, so
        the result does not depend on the input's overall scale.
        """
        x = self.input.astype(np.float64)
        t = float(x.std()) if temperature is None else float(temperature)
        z = x / max(t, 1e-12)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)


def class_optimization(model: keras.Model, task: int, seq_len: int | None = None, *, steps: int = 200,
                       learning_rate: float = 0.1, l2: float = 0.05, n_starts: int = 4, start: str = "random",
                       init_scale: float = 0.01, seed: int = 0, output: str = "logit") -> ClassOptimization:
    """Find the input that maximises one output: gradient ascent with an L2 penalty.

    Maximises ``S_task(X) - l2 * ||X||^2`` over a real-valued ``(L, 4)``
    input ``X`` by plain gradient ascent,
    ``X <- X + learning_rate * (dS/dX - 2 l2 X)``, from ``n_starts`` small
    random starts (batched in one pass); the start with the highest final
    objective is returned. The penalty keeps ``X`` bounded, so the bases
    that matter stand out against the ones that do not.

    Parameters
    ----------
    task : int
        The output (class) to maximise.
    seq_len : int, optional
        Input length (default: the model's input length).
    steps, learning_rate, l2, n_starts, seed
        Optimizer settings.
    start : {"random", "uniform", "zero"}
        Where each start begins: a random one-hot sequence (default), 0.25
        in every entry (the average input) or 0. A ReLU network can have no
        active unit, hence no gradient, at the flat inputs; a random
        sequence activates some filters, and the penalty then shrinks
        whatever of it the class does not need.
    init_scale : float
        Standard deviation of Gaussian noise added to every entry of a start.

    Returns
    -------
    ClassOptimization
    """
    if steps < 1 or n_starts < 1:
        raise ValueError("steps and n_starts must be >= 1")
    scorer = scoring_model(model, output)
    n_tasks = int(scorer.output_shape[-1])
    if not 0 <= int(task) < n_tasks:
        raise ValueError(f"task must be in 0..{n_tasks - 1}, got {task}")
    length = int(seq_len or model.input_shape[1])
    rng = np.random.default_rng(seed)
    if start == "random":
        x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, size=(n_starts, length))]
    elif start in ("uniform", "zero"):
        x = np.full((n_starts, length, 4), 0.25 if start == "uniform" else 0.0, dtype=np.float32)
    else:
        raise ValueError(f"start must be 'random', 'uniform' or 'zero', got {start!r}")
    x = (x + init_scale * rng.standard_normal(x.shape)).astype(np.float32)
    weights = np.zeros((n_starts, n_tasks), dtype=np.float32)
    weights[:, int(task)] = 1.0
    history = np.zeros((steps + 1, n_starts), dtype=np.float32)
    for s in range(steps + 1):
        grads, outputs = output_gradients(scorer, x, weights)
        history[s] = outputs[:, int(task)] - l2 * (x.astype(np.float64) ** 2).sum(axis=(1, 2))
        if s == steps:
            break
        x = x + learning_rate * (grads - 2.0 * l2 * x)
    best = int(history[-1].argmax())
    score = float(outputs[best, int(task)])
    return ClassOptimization(int(task), x[best].copy(), score, history[:, best].copy(), float(l2), x)


# --------------------------------------------------------------------------- first-layer filters


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


def filter_pwms(model: keras.Model, x: np.ndarray, *, layer: str | None = None, threshold: float = 0.5,
                pseudocount: float = 0.5, batch_size: int = 256) -> FilterPWMs:
    """PWMs of convolution filters from the subsequences that activate them most.

    For each filter, every window of the input where its activation exceeds
    ``threshold`` times its largest activation over ``x`` is counted, and the
    base counts per position give the PWM (the recipe of DeepBind and
    Basset). Windows are aligned to the layer's padding (``"same"``
    convolutions centre the window; bases outside the sequence count as
    nothing).

    Parameters
    ----------
    model : keras.Model
    x : numpy.ndarray
        ``float32`` ``(n, L, 4)`` one-hot sequences (e.g. the test set).
    layer : str, optional
        Name of a ``Conv1D`` layer whose input is the one-hot sequence
        (default: the first one).
    threshold : float
        Fraction of the maximum activation a window must exceed.
    pseudocount : float
        Added to every count before normalising.

    Returns
    -------
    FilterPWMs
    """
    x = _as_input(x)
    conv = model.get_layer(layer) if layer else first_conv_layer(model)
    if not isinstance(conv, keras.layers.Conv1D):
        raise ValueError(f"layer {conv.name!r} is not a Conv1D layer")
    k = int(conv.kernel_size[0])
    if conv.input.shape[-1] != 4:
        raise ValueError(f"layer {conv.name!r} does not read the one-hot input directly")
    activations = keras.Model(model.inputs, conv.output)
    acts = _forward(activations, x, batch_size)  # (n, P, F)
    max_act = acts.max(axis=(0, 1))
    cut = threshold * np.maximum(max_act, 0.0)
    if conv.padding == "same":
        left, right = (k - 1) // 2, k // 2
    else:
        left, right = 0, 0
    n_filters = acts.shape[-1]
    counts = np.zeros((n_filters, k, 4), dtype=np.float64)
    n_sites = np.zeros(n_filters, dtype=np.int64)
    for lo in range(0, x.shape[0], batch_size):
        chunk = np.pad(x[lo:lo + batch_size], ((0, 0), (left, right), (0, 0)))
        windows = sliding_window_view(chunk, k, axis=1)  # (c, P, 4, k)
        fired = (acts[lo:lo + batch_size] > cut[None, None, :]) & (max_act > 0)[None, None, :]
        n_sites += fired.sum(axis=(0, 1))
        counts += np.einsum("cpf,cpbk->fkb", fired.astype(np.float32), windows, optimize=True)
    pwms = (counts + pseudocount) / (counts + pseudocount).sum(axis=2, keepdims=True)
    return FilterPWMs(conv.name, pwms, counts, n_sites, max_act.astype(np.float32))


# --------------------------------------------------------------------------- comparing patterns with motifs


def reverse_complement_matrix(m: np.ndarray) -> np.ndarray:
    """Reverse complement of a ``(w, 4)`` matrix in ``A C G T`` order (flip rows and columns)."""
    return np.asarray(m)[::-1, ::-1].copy()


def _column_correlations(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of every column of ``a`` with every column of ``b``, ``(wa, wb)``; 0 if flat."""
    def standardise(m):
        m = np.asarray(m, dtype=np.float64)
        c = m - m.mean(axis=1, keepdims=True)
        norm = np.linalg.norm(c, axis=1, keepdims=True)
        return np.divide(c, norm, out=np.zeros_like(c), where=norm > 1e-12)

    return standardise(a) @ standardise(b).T


def pwm_similarity(query: np.ndarray, motif: np.ndarray, *, min_overlap: int = 5) -> tuple[float, int, int]:
    """Best alignment of two position matrices, on both strands.

    The score of an alignment is the sum of the Pearson correlations of the
    aligned columns (4 bases each) divided by the width of the shorter
    matrix, so unaligned columns of the shorter one count as 0 and a full
    match scores 1. Columns may be probabilities, counts, attributions or
    optimized inputs: the correlation ignores each column's offset and scale.

    Parameters
    ----------
    query, motif : numpy.ndarray
        ``(wq, 4)`` and ``(wm, 4)``, ``A C G T``.
    min_overlap : int
        Fewest aligned columns considered (capped at the shorter width).

    Returns
    -------
    (score, offset, strand)
        ``offset`` is the position in ``query`` of the motif's first column
        (may be negative), ``strand`` is ``+1``, or ``-1`` for the motif's
        reverse complement.
    """
    query = np.asarray(query, dtype=np.float64)
    motif = np.asarray(motif, dtype=np.float64)
    wq, wm = query.shape[0], motif.shape[0]
    shorter = min(wq, wm)
    overlap_min = min(min_overlap, shorter)
    best = (-np.inf, 0, 1)
    for strand, m in ((1, motif), (-1, reverse_complement_matrix(motif))):
        corr = _column_correlations(query, m)  # (wq, wm)
        # offset o: motif column j sits on query column j + o
        for o in range(-(wm - overlap_min), wq - overlap_min + 1):
            total = np.trace(corr, offset=-o)  # sum of corr[j + o, j]
            score = total / shorter
            if score > best[0]:
                best = (float(score), int(o), strand)
    return best


def match_motifs(patterns: Sequence[np.ndarray] | np.ndarray, motifs: Sequence, *, names: Sequence[str] | None = None,
                 min_overlap: int = 5, top: int = 3) -> pd.DataFrame:
    """The most similar motifs of a collection for each pattern.

    Parameters
    ----------
    patterns : sequence of ``(w, 4)`` arrays
    motifs : sequence of :class:`genomenb.data.motifs.Motif`
    names : sequence of str, optional
        Labels of the patterns (default ``0, 1, ...``).
    top : int
        Matches kept per pattern.

    Returns
    -------
    pandas.DataFrame
        One row per pattern and rank: ``pattern``, ``rank`` (1 = best),
        ``motif``, ``matrix_id``, ``similarity``, ``offset``, ``strand``.
    """
    rows = []
    names = list(names) if names is not None else [str(i) for i in range(len(patterns))]
    for name, pattern in zip(names, patterns):
        scored = []
        for m in motifs:
            s, o, strand = pwm_similarity(pattern, m.probs, min_overlap=min_overlap)
            scored.append((s, o, strand, m))
        scored.sort(key=lambda r: (-r[0], r[3].matrix_id))
        for rank, (s, o, strand, m) in enumerate(scored[:top], start=1):
            rows.append({"pattern": name, "rank": rank, "motif": m.name, "matrix_id": m.matrix_id,
                         "similarity": s, "offset": o, "strand": strand})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- scoring attributions


#: Attribution methods scored against planted sites, and how each becomes one number per position.
ATTRIBUTION_METHODS = {
    "saliency": "|gradient x input| at the observed base (first-order Taylor term)",
    "gradient": "largest |gradient| over the four bases",
    "ism": "|mean change of the score over the three substitutions|",
    "temporal": "|change of the score when the base is revealed| (forward prefixes)",
    "random": "uniform random numbers (the chance baseline)",
}


def position_importance(attribution: np.ndarray, method: str, x: np.ndarray | None = None) -> np.ndarray:
    """One importance per position from a ``(n, L, 4)`` map (or ``(n, L)`` temporal change).

    ``saliency``: ``|sum over bases|`` of gradient x input; ``gradient``:
    ``max |g|`` over bases; ``ism``: ``|mean change over the substitutions|``
    (needs ``x`` to know the observed base); ``temporal``: ``|change|``.

    Returns
    -------
    numpy.ndarray
        ``float32`` ``(n, L)``, larger = more important.
    """
    a = np.asarray(attribution, dtype=np.float32)
    if method == "saliency":
        return np.abs(a.sum(axis=-1))
    if method == "gradient":
        return np.abs(a).max(axis=-1)
    if method == "ism":
        if x is None:
            raise ValueError("position_importance('ism') needs the one-hot input x")
        substitutions = (1.0 - np.asarray(x, dtype=np.float32))  # 3 per position (4 at an N)
        mean_change = (a * substitutions).sum(axis=-1) / np.maximum(substitutions.sum(axis=-1), 1.0)
        return np.abs(mean_change)
    if method == "temporal":
        return np.abs(a)
    raise ValueError(f"unknown attribution method {method!r}; choose from {', '.join(ATTRIBUTION_METHODS)}")


def substitution_importance(effects: np.ndarray, x: np.ndarray) -> np.ndarray:
    """An ISM map drawn like a saliency map: at each observed base, the mean loss on replacing it.

    Parameters
    ----------
    effects : numpy.ndarray
        ``(n, L, 4)`` from :func:`in_silico_mutagenesis`.
    x : numpy.ndarray
        ``(n, L, 4)`` the one-hot sequences.

    Returns
    -------
    numpy.ndarray
        ``float32`` ``(n, L, 4)``: ``-mean(change over the substitutions)`` at
        the observed base, 0 elsewhere (and at ``N`` positions).
    """
    x = _as_input(x)
    substitutions = 1.0 - x
    mean_change = (np.asarray(effects, dtype=np.float32) * substitutions).sum(axis=-1) / \
        np.maximum(substitutions.sum(axis=-1), 1.0)
    return (-mean_change[..., None] * x).astype(np.float32)


def attribution_scores(model: keras.Model, x: np.ndarray, task, *, methods: Sequence[str] = tuple(ATTRIBUTION_METHODS),
                       output: str = "logit", seed: int = 0, batch_size: int = 128) -> dict[str, np.ndarray]:
    """Per-position importance of every requested method for the chosen task of each sequence.

    Returns
    -------
    dict
        method name -> ``float32`` ``(n, L)``.
    """
    x = _as_input(x)
    out: dict[str, np.ndarray] = {}
    grads = None
    for method in methods:
        if method in ("saliency", "gradient"):
            if grads is None:
                grads = input_gradients(model, x, task, output=output, batch_size=batch_size)
            out[method] = position_importance(grads * x if method == "saliency" else grads, method)
        elif method == "ism":
            out[method] = position_importance(in_silico_mutagenesis(model, x, task, output=output), "ism", x)
        elif method == "temporal":
            curve, _ = temporal_scores(model, x, task, output=output)
            out[method] = position_importance(temporal_importance(curve), "temporal")
        elif method == "random":
            out[method] = np.random.default_rng(seed).random(x.shape[:2]).astype(np.float32)
        else:
            raise ValueError(f"unknown attribution method {method!r}; choose from {', '.join(ATTRIBUTION_METHODS)}")
    return out


def planted_site_mask(sites: pd.DataFrame, length: int) -> np.ndarray:
    """Positions covered by sites, per sequence.

    Parameters
    ----------
    sites : pandas.DataFrame
        Columns ``seq`` (0-based index of the sequence in the batch, ``0..n-1``),
        ``start`` (first base in the sequence) and ``width``; ``n`` is taken
        as ``seq.max() + 1`` unless a ``n`` attribute is set in
        ``sites.attrs``.
    length : int
        Sequence length ``L``; site parts outside ``0..L-1`` are dropped.

    Returns
    -------
    numpy.ndarray
        ``bool`` ``(n, L)``.
    """
    n = int(sites.attrs.get("n", (sites["seq"].max() + 1) if len(sites) else 0))
    mask = np.zeros((n, length), dtype=bool)
    for seq, start, width in zip(sites["seq"].to_numpy(), sites["start"].to_numpy(), sites["width"].to_numpy()):
        lo, hi = max(int(start), 0), min(int(start) + int(width), length)
        if hi > lo:
            mask[int(seq), lo:hi] = True
    return mask


def rank_planted_positions(scores: Mapping[str, np.ndarray], mask: np.ndarray) -> pd.DataFrame:
    """How well each method ranks planted positions above the rest, sequence by sequence.

    Parameters
    ----------
    scores : mapping
        method -> ``(n, L)`` per-position importance.
    mask : numpy.ndarray
        ``bool`` ``(n, L)``: planted positions.

    Returns
    -------
    pandas.DataFrame
        One row per sequence: ``<method>_auroc`` and ``<method>_aupr`` for
        every method, ``planted_fraction`` (the AUPR of a random ranking in
        expectation). Sequences without planted (or without other) positions
        get NaN.
    """
    mask = np.asarray(mask, dtype=bool)
    table = pd.DataFrame({"planted_fraction": mask.mean(axis=1)})
    for method, s in scores.items():
        s = np.asarray(s, dtype=np.float64)
        if s.shape != mask.shape:
            raise ValueError(f"{method}: scores {s.shape} and mask {mask.shape} differ")
        # the per-task metrics score columns: one sequence per column
        table[f"{method}_auroc"] = metrics.roc_auc_per_task(mask.T.astype(np.uint8), s.T)
        table[f"{method}_aupr"] = metrics.average_precision_per_task(mask.T.astype(np.uint8), s.T)
    return table


def summarize_ranking(per_sequence: pd.DataFrame) -> pd.DataFrame:
    """Mean, median and spread of the per-sequence AUROC and AUPR of each method, best first.

    Returns
    -------
    pandas.DataFrame
        Index: method; columns ``mean_auroc``, ``median_auroc``,
        ``sem_auroc`` (standard error), ``mean_aupr``,
        ``fraction_auroc_above_chance`` (share of sequences with AUROC > 0.5),
        ``sequences``.
    """
    methods = [c[:-len("_auroc")] for c in per_sequence.columns if c.endswith("_auroc")]
    rows = {}
    for m in methods:
        auc = per_sequence[f"{m}_auroc"].dropna()
        ap = per_sequence[f"{m}_aupr"].dropna()
        rows[m] = {"mean_auroc": auc.mean(), "median_auroc": auc.median(),
                   "sem_auroc": auc.std(ddof=1) / np.sqrt(len(auc)) if len(auc) > 1 else np.nan,
                   "mean_aupr": ap.mean(), "fraction_auroc_above_chance": (auc > 0.5).mean(),
                   "sequences": int(len(auc))}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "method"
    return table.sort_values("mean_auroc", ascending=False)


def aligned_site_attributions(attribution: np.ndarray, sites: pd.DataFrame, *, normalise: bool = True) -> np.ndarray:
    """Average attribution over sites of one motif, aligned on the motif's own strand.

    Each site's ``(width, 4)`` slice of its sequence's map is taken (reverse
    complemented for sites on strand ``-1``), optionally divided by the
    largest absolute value of that sequence's map (so every sequence counts
    alike), and averaged. What a model attributes to the bases of a motif
    then reads like the motif itself.

    Parameters
    ----------
    attribution : numpy.ndarray
        ``(n, L, 4)``.
    sites : pandas.DataFrame
        Columns ``seq``, ``start``, ``width`` (all equal), ``strand``.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(width, 4)``; all zeros if no site lies wholly inside.
    """
    a = np.asarray(attribution, dtype=np.float64)
    widths = sites["width"].unique()
    if len(widths) != 1:
        raise ValueError("aligned_site_attributions needs sites of one motif (one width)")
    width = int(widths[0])
    total = np.zeros((width, 4))
    used = 0
    for seq, start, strand in zip(sites["seq"], sites["start"], sites["strand"]):
        if start < 0 or start + width > a.shape[1]:
            continue
        window = a[int(seq), int(start):int(start) + width]
        if int(strand) < 0:
            window = reverse_complement_matrix(window)
        if normalise:
            scale = np.abs(a[int(seq)]).max()
            if scale <= 0:
                continue
            window = window / scale
        total += window
        used += 1
    return total / max(used, 1)


# --------------------------------------------------------------------------- choosing what to explain

__all__ += ["sites_in_arrays", "best_task_per_motif", "simulated_task_motifs", "planted_cases",
            "top_predicted_cases", "case_site_spans"]


def sites_in_arrays(sites: pd.DataFrame, rows: np.ndarray, length: int, *, planted_only: bool = True) -> pd.DataFrame:
    """Ground-truth sites re-indexed to the arrays a notebook works on.

    Parameters
    ----------
    sites : pandas.DataFrame
        :meth:`genomenb.data.deepsea_sim.GroundTruth.sites` of one split,
        asked for with ``crop`` equal to the cropped length (columns ``row``,
        ``motif``, ``start_in_crop``, ``width``, ``strand``, ``planted``...).
    rows : numpy.ndarray
        Sorted bundle rows of the sequences in the arrays (``Split.rows``).
    length : int
        Cropped sequence length; sites not wholly inside are dropped.
    planted_only : bool
        Keep planted sites only (genuine matches of the DNA are dropped).

    Returns
    -------
    pandas.DataFrame
        The input columns plus ``seq`` (index into the arrays) and ``start``
        (``start_in_crop``).
    """
    rows = np.asarray(rows)
    keep = np.isin(sites["row"].to_numpy(), rows)
    keep &= (sites["start_in_crop"] >= 0).to_numpy() & (sites["start_in_crop"] + sites["width"] <= length).to_numpy()
    if planted_only:
        keep &= sites["planted"].to_numpy(dtype=bool)
    out = sites.loc[keep].copy()
    out["seq"] = np.searchsorted(rows, out["row"].to_numpy())
    out["start"] = out["start_in_crop"]
    return out.reset_index(drop=True)


def best_task_per_motif(task_auroc: np.ndarray, task_motif: Sequence[str], *, eligible: np.ndarray | None = None,
                        n_tasks: int = 10) -> pd.DataFrame:
    """The best-predicted task of each motif, best first: which outputs are worth explaining.

    Several features share a motif (CTCF in many cell types, cohesin on CTCF
    sites); keeping the best one per motif makes the explained tasks cover
    different motifs.

    Parameters
    ----------
    task_auroc : numpy.ndarray
        ``(T,)`` test AUROC of each task (NaN skipped).
    task_motif : sequence of str
        Motif (e.g. JASPAR matrix id) of each task, ``""`` for none.
    eligible : numpy.ndarray of bool, optional
        Tasks allowed (e.g. enough training positives).
    n_tasks : int

    Returns
    -------
    pandas.DataFrame
        Columns ``task``, ``motif``, ``auroc``; at most ``n_tasks`` rows.
    """
    auroc = np.asarray(task_auroc, dtype=np.float64)
    motifs = np.asarray(task_motif, dtype=object)
    keep = np.isfinite(auroc) & (motifs != "")
    if eligible is not None:
        keep &= np.asarray(eligible, dtype=bool)
    table = pd.DataFrame({"task": np.flatnonzero(keep), "motif": motifs[keep], "auroc": auroc[keep]})
    table = table.sort_values(["auroc", "task"], ascending=[False, True]).drop_duplicates("motif")
    return table.head(n_tasks).reset_index(drop=True)


def simulated_task_motifs(grammar, task: int) -> tuple[int, tuple[int, ...]]:
    """The motifs a DeepSEA-sim feature's simulated logit depends on.

    Returns the feature's own motif (``-1`` if none) and the lineage motifs of
    its cell type when the feature follows accessibility (their sites open the
    chromatin; see :mod:`genomenb.data.deepsea_sim`). The ubiquitous motifs
    move a transcription-factor feature's logit by a fraction of a unit and
    are not counted.

    Parameters
    ----------
    grammar : genomenb.data.deepsea_sim.Grammar
    task : int
    """
    own = int(grammar.feature_motif[task])
    access_weight, lineage_weight = grammar.weights[task][:2]
    lineage = grammar.cell_motifs[grammar.feature_cell[task]] if (access_weight > 0 or lineage_weight > 0) else ()
    return own, tuple(int(m) for m in lineage if int(m) != own)


def planted_cases(sites: pd.DataFrame, tasks: Mapping[int, tuple[int, Sequence[int]]], *, per_task: int,
                  seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sequences to explain, and the sites an explanation of each should point at.

    For every task, up to ``per_task`` sequences (a seeded sample) that carry
    a planted site of the task's own motif; each becomes a *case* (sequence,
    task). Its sites are every planted site, in that sequence, of the task's
    own motif and of its other relevant motifs.

    Parameters
    ----------
    sites : pandas.DataFrame
        Planted sites with columns ``seq`` (index of the sequence in the
        arrays being explained), ``motif`` (index), ``start`` (in those
        arrays' coordinates), ``width``, ``strand``.
    tasks : mapping
        task -> (own motif, other relevant motifs), e.g. from
        :func:`simulated_task_motifs`.
    per_task : int
    seed : int

    Returns
    -------
    cases : pandas.DataFrame
        One row per case: ``case``, ``seq``, ``task``, ``motif`` (own).
    case_sites : pandas.DataFrame
        ``seq`` (the case index, as :func:`planted_site_mask` expects),
        ``start``, ``width``, ``strand``, ``motif``, ``own`` (bool);
        ``attrs["n"]`` is the number of cases.
    """
    rng = np.random.default_rng(seed)
    by_seq = {seq: group for seq, group in sites.groupby("seq")}
    case_rows, site_rows = [], []
    for task, (own, others) in tasks.items():
        carriers = np.unique(sites.loc[sites["motif"] == own, "seq"].to_numpy())
        if carriers.size > per_task:
            carriers = np.sort(rng.choice(carriers, size=per_task, replace=False))
        relevant = {int(own), *(int(m) for m in others)}
        for seq in carriers:
            case = len(case_rows)
            case_rows.append({"case": case, "seq": int(seq), "task": int(task), "motif": int(own)})
            here = by_seq[seq]
            for row in here[here["motif"].isin(relevant)].itertuples(index=False):
                site_rows.append({"seq": case, "start": int(row.start), "width": int(row.width),
                                  "strand": int(row.strand), "motif": int(row.motif), "own": int(row.motif) == own})
    cases = pd.DataFrame(case_rows, columns=["case", "seq", "task", "motif"])
    case_sites = pd.DataFrame(site_rows, columns=["seq", "start", "width", "strand", "motif", "own"])
    case_sites.attrs["n"] = len(cases)
    return cases, case_sites


def top_predicted_cases(probabilities: np.ndarray, tasks: Sequence[int], *, per_task: int) -> pd.DataFrame:
    """Cases without ground truth: the ``per_task`` sequences each task scores highest.

    Returns
    -------
    pandas.DataFrame
        ``case``, ``seq``, ``task`` (the layout of :func:`planted_cases`).
    """
    rows = []
    for task in tasks:
        order = np.argsort(-np.asarray(probabilities)[:, task], kind="stable")[:per_task]
        for seq in order:
            rows.append({"case": len(rows), "seq": int(seq), "task": int(task)})
    return pd.DataFrame(rows, columns=["case", "seq", "task"])


# --------------------------------------------------------------------------- one sequence's predicted features

__all__ += ["ranked_features", "export_ranked_features_xlsx"]


def ranked_features(probabilities: np.ndarray, features: pd.DataFrame, *, labels: np.ndarray | None = None,
                    thresholds: np.ndarray | None = None) -> pd.DataFrame:
    """All features of one sequence ranked by predicted probability, with their annotations.

    Parameters
    ----------
    probabilities : numpy.ndarray
        ``(T,)`` the model's outputs for the sequence.
    features : pandas.DataFrame
        The feature table (:func:`genomenb.data.features.load_features`), in output order.
    labels : numpy.ndarray, optional
        ``(T,)`` 0/1 truth, added as ``label``.
    thresholds : numpy.ndarray, optional
        ``(T,)`` per-feature decision thresholds; adds ``threshold`` and
        ``predicted_present`` (probability >= threshold).

    Returns
    -------
    pandas.DataFrame
        ``rank`` (1 = most probable), ``index`` (the output), ``cell_type``,
        ``target``, ``treatment``, ``kind``, ``probability`` and the optional
        columns; one row per feature.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.shape != (len(features),):
        raise ValueError(f"need one probability per feature ({len(features)}), got shape {p.shape}")
    table = features[["index", "cell_type", "target", "treatment", "kind"]].copy()
    table["probability"] = p
    if labels is not None:
        table["label"] = np.asarray(labels).astype(np.int64)
    if thresholds is not None:
        t = np.asarray(thresholds, dtype=np.float64)
        table["threshold"] = t
        table["predicted_present"] = p >= t
    table = table.sort_values(["probability", "index"], ascending=[False, True], kind="stable")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table.reset_index(drop=True)


def export_ranked_features_xlsx(table: pd.DataFrame, path, *, about: Mapping[str, object] | None = None):
    """Write a ranked feature table to an Excel workbook (``openpyxl``).

    Sheet ``ranked_features`` holds the table (header frozen, filters on);
    sheet ``about`` lists ``about`` as key-value rows (data source, model,
    sequence), so the file says where its numbers came from.

    Returns
    -------
    pathlib.Path
    """
    from genomenb.outputs import write_table_xlsx

    return write_table_xlsx(path, table, sheet="ranked_features", notes_sheet="about",
                            notes_header=("key", "value"), notes=about or {}, notes_width=90)


# --------------------------------------------------------------------------- barcodes

__all__ += ["binarize", "barcode_agreement", "grouped_feature_means"]


def binarize(probabilities: np.ndarray, thresholds: np.ndarray | float) -> np.ndarray:
    """0/1 barcode of predictions: ``probability >= threshold`` (one threshold per feature or one for all).

    Returns
    -------
    numpy.ndarray
        ``uint8`` of the input's shape.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    t = np.broadcast_to(np.asarray(thresholds, dtype=np.float64), p.shape[-1:])
    return (p >= t).astype(np.uint8)


def barcode_agreement(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Counts of the four outcomes of a 0/1 barcode against the truth, and their micro-averaged F1.

    Returns
    -------
    dict
        ``true_positives``, ``false_positives``, ``false_negatives``,
        ``true_negatives`` (ints), ``f1`` = 2 TP / (2 TP + FP + FN) (NaN when
        nothing is present or predicted) and ``error_rate`` (the fraction of
        cells that disagree).
    """
    y = np.asarray(truth) > 0
    p = np.asarray(predicted) > 0
    if y.shape != p.shape:
        raise ValueError(f"truth {y.shape} and predictions {p.shape} differ in shape")
    tp, fp, fn = int((y & p).sum()), int((~y & p).sum()), int((y & ~p).sum())
    tn = int(y.size - tp - fp - fn)
    denominator = 2 * tp + fp + fn
    return {"true_positives": tp, "false_positives": fp, "false_negatives": fn, "true_negatives": tn,
            "f1": 2 * tp / denominator if denominator else float("nan"),
            "error_rate": (fp + fn) / y.size if y.size else float("nan")}


def grouped_feature_means(values: np.ndarray, features: pd.DataFrame, *, rows: str = "cell_type",
                          columns: str = "kind", keep_rows: Sequence[str] | None = None) -> pd.DataFrame:
    """Mean of ``(N, T)`` values (predictions or labels) over sequences and over the features of each group.

    Parameters
    ----------
    values : numpy.ndarray
        ``(N, T)``, one column per feature in output order.
    features : pandas.DataFrame
        The feature table (columns ``rows`` and ``columns``).
    keep_rows : sequence of str, optional
        Row groups to keep, in this order (default: all, sorted).

    Returns
    -------
    pandas.DataFrame
        ``rows`` x ``columns``; NaN where a group has no feature.
    """
    per_feature = np.asarray(values, dtype=np.float64).mean(axis=0)
    frame = pd.DataFrame({"row": features[rows].to_numpy(), "column": features[columns].to_numpy(),
                          "value": per_feature})
    table = frame.pivot_table(index="row", columns="column", values="value", aggfunc="mean")
    if keep_rows is not None:
        table = table.reindex(list(keep_rows))
    if columns == "kind":
        table = table.reindex(columns=[k for k in ("DNase", "TF", "Histone") if k in table.columns])
    table.index.name, table.columns.name = rows, columns
    return table


def case_site_spans(case_sites: pd.DataFrame | None, case: int,
                    motif_names: Sequence[str]) -> list[tuple[int, int, str]]:
    """The ``(start, width, motif name)`` spans of one case's sites, for the plots' ``sites`` argument.

    ``case_sites`` is the table of :func:`planted_cases` (``None`` gives no spans).
    """
    if case_sites is None:
        return []
    here = case_sites[case_sites["seq"] == case]
    return [(int(r.start), int(r.width), str(motif_names[int(r.motif)])) for r in here.itertuples(index=False)]
