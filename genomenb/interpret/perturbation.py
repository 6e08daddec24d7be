"""Perturbations scored by forward passes: mutate a base, hide a part of the sequence, silence a filter.

Nothing here needs a gradient: every score is an exact forward pass through
:func:`genomenb.predict.predict` (batched), so the effects are exact, not
linear estimates. Inputs follow :mod:`genomenb.interpret.attribution`: one
one-hot array ``(n, L, 4)`` (or codes ``(n, L)``) or a dict of named inputs;
only the input named ``sequence_input`` (default: the only ``(L, 4)``
input) is mutated, the other inputs are repeated unchanged beside every
variant. ``task`` indexes the last axis of the output; ``output`` picks the
score (``"logit"``, ``"probability"`` or the model's own ``"model"``, see
:func:`genomenb.predict.scoring_model`).

* :func:`in_silico_mutagenesis` -- every single-base substitution:
  score(mutant) - score(sequence).
* :func:`temporal_scores` -- the score after each prefix (or suffix) of the
  sequence, the rest set to ``N``: where along the sequence the decision is
  made (for a recurrent model, its output after reading ``t`` bases);
  :func:`temporal_importance` turns the curve into a change per base.
* :func:`filter_knockout` -- in-silico knockout of convolution filters (as in
  DeepRAGE): the change of the output when one filter (or a group) is
  silenced, by zeroing its kernel and bias in a copy of the model, or by
  zeroing its activation.
"""

from __future__ import annotations

import keras
import numpy as np

from genomenb.interpret import _inputs
from genomenb.interpret.motifs import first_conv_layer
from genomenb.predict import Inputs, n_rows, predict, scoring_model

__all__ = ["in_silico_mutagenesis", "temporal_scores", "temporal_importance", "KNOCKOUT_MODES", "filter_knockout"]


def in_silico_mutagenesis(model: keras.Model, x: Inputs, task, *, output: str = "logit", batch_size: int = 1024,
                          sequence_input: str | None = None) -> np.ndarray:
    """Effect of every single-base substitution, by forward passes.

    For each sequence, all ``4 L`` variants with one position set to one base
    are scored in batches. Entry ``[i, p, b]`` is
    ``score(x_i with base b at p) - score(x_i)`` for the chosen task; the
    observed base gives exactly 0. At an ``N`` position all four bases are
    substitutions.

    Parameters
    ----------
    model : keras.Model
    x : numpy.ndarray or mapping of str to numpy.ndarray
        One-hot ``(n, L, 4)`` (or codes), or input name -> array.
    task : int or array of int
    output : {"logit", "probability", "model"}
    batch_size : int
        Variants per forward pass; sequences are processed
        ``max(1, batch_size // (4 L))`` at a time.
    sequence_input : str, optional
        The input to mutate (default: the only ``(L, 4)`` input).

    Returns
    -------
    numpy.ndarray
        ``float32`` ``(n, L, 4)``.
    """
    ex = _inputs.resolve(model, x, sequence_input)
    n, length, _ = ex.x.shape
    scorer = scoring_model(model, output)
    tasks = _inputs.task_vector(task, n, _inputs.n_tasks(scorer))
    reference = _inputs.scores(scorer, ex.feed(ex.x), tasks, batch_size)
    per_chunk = max(1, batch_size // (4 * length))
    eye = np.eye(4, dtype=np.float32)
    out = np.zeros_like(ex.x)
    for lo in range(0, n, per_chunk):
        chunk = ex.x[lo:lo + per_chunk]
        c = chunk.shape[0]
        variants = np.repeat(chunk[:, None, None], length * 4, axis=1).reshape(c, length, 4, length, 4)
        for p in range(length):
            variants[:, p, :, p, :] = eye
        rows = np.repeat(np.arange(lo, lo + c), length * 4)
        scored = _inputs.scores(scorer, ex.feed(variants.reshape(c * length * 4, length, 4), rows),
                                np.repeat(tasks[lo:lo + c], length * 4), batch_size)
        out[lo:lo + c] = scored.reshape(c, length, 4) - reference[lo:lo + c, None, None]
    # the observed base is the sequence itself: make its zero exact (no float noise)
    out[ex.x == 1.0] = 0.0
    return out


def temporal_scores(model: keras.Model, x: Inputs, task, *, output: str = "model", direction: str = "forward",
                    step: int = 1, batch_size: int = 512,
                    sequence_input: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The score after reading each prefix (or suffix) of the sequence.

    The model sees the first ``t`` bases and ``N`` (all-zero rows) after them,
    for ``t = 0, step, 2 step, ..., L``. For a recurrent model this is its
    output after ``t`` steps; for any model it shows where along the sequence
    the score rises, i.e. where the decision is made. ``direction="reverse"``
    reveals the sequence from its end instead. Other inputs are held fixed.

    Parameters
    ----------
    output : {"model", "logit", "probability"}, default "model"
        ``"model"`` is the model's own output (the probability of a sigmoid
        model, the value of a regression model).

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
    ex = _inputs.resolve(model, x, sequence_input)
    n, length, _ = ex.x.shape
    revealed = np.arange(0, length + 1, step, dtype=np.int64)
    if revealed[-1] != length:
        revealed = np.append(revealed, length)
    scorer = scoring_model(model, output)
    tasks = _inputs.task_vector(task, n, _inputs.n_tasks(scorer))
    k = revealed.size
    positions = np.arange(length)
    keep = positions[None, :] < revealed[:, None] if direction == "forward" else \
        positions[None, :] >= (length - revealed)[:, None]  # (K, L)
    per_chunk = max(1, batch_size // k)
    out = np.zeros((n, k), dtype=np.float32)
    for lo in range(0, n, per_chunk):
        chunk = ex.x[lo:lo + per_chunk]
        c = chunk.shape[0]
        variants = chunk[:, None] * keep[None, :, :, None].astype(np.float32)  # (c, K, L, 4)
        rows = np.repeat(np.arange(lo, lo + c), k)
        scored = _inputs.scores(scorer, ex.feed(variants.reshape(c * k, length, 4), rows),
                                np.repeat(tasks[lo:lo + c], k), batch_size)
        out[lo:lo + c] = scored.reshape(c, k)
    return out, revealed


def temporal_importance(scores: np.ndarray, direction: str = "forward") -> np.ndarray:
    """Per-position change of a step-1 temporal score curve, ``(n, L+1) -> (n, L)``.

    Entry ``p`` is how much the score moved when base ``p`` was revealed.
    """
    scores = np.asarray(scores, dtype=np.float32)
    change = np.diff(scores, axis=1)
    return change if direction == "forward" else change[:, ::-1]


# --------------------------------------------------------------------------- filter knockout

#: How a filter is silenced.
KNOCKOUT_MODES = {
    "weights": "its kernel and bias set to 0 in a copy of the model (the layer's activation of 0 remains)",
    "activation": "its output (after the layer's activation) multiplied by 0 (functional models)",
}


class _FilterMask(keras.layers.Layer):
    """Multiplies the channels of its input by a non-trainable 0/1 mask (set with ``mask.assign``)."""

    def __init__(self, channels: int, **kwargs):
        super().__init__(**kwargs)
        self.channels = int(channels)

    def build(self, input_shape):
        self.mask = self.add_weight(shape=(self.channels,), initializer="ones", trainable=False, name="mask")

    def call(self, inputs):
        return inputs * keras.ops.cast(self.mask, inputs.dtype)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels}


def _knockout_groups(filters, n_filters: int) -> list[tuple[int, ...]]:
    """Filters as knockout groups: ``None`` -> each filter alone, an int -> one, items may be groups."""
    if filters is None:
        groups = [(f,) for f in range(n_filters)]
    elif isinstance(filters, (int, np.integer)):
        groups = [(int(filters),)]
    else:
        groups = [tuple(int(f) for f in np.atleast_1d(item)) for item in filters]
    for group in groups:
        if not group or min(group) < 0 or max(group) >= n_filters:
            raise ValueError(f"filters must be in 0..{n_filters - 1}, got {group}")
    return groups


def _knockout_copy(scorer: keras.Model, conv_name: str, mode: str, n_filters: int):
    """A copy of ``scorer`` with its own weights; in activation mode with a mask after the convolution."""
    mask = None
    if mode == "activation":
        mask = _FilterMask(n_filters, name=f"{conv_name}_knockout")

        def call_function(layer, *args, **kwargs):
            out = layer(*args, **kwargs)
            return mask(out) if layer.name == conv_name else out

        try:
            copy = keras.models.clone_model(scorer, call_function=call_function)
        except ValueError as err:
            raise ValueError(f"mode='activation' needs a functional model ({err}); use mode='weights'") from err
    else:
        copy = keras.models.clone_model(scorer)
    for layer in scorer.layers:
        if layer.weights:
            copy.get_layer(layer.name).set_weights(layer.get_weights())
    return copy, mask


def filter_knockout(model: keras.Model, x: Inputs, layer: str | None = None, filters=None, *, task=None,
                    output: str = "logit", mode: str = "weights", batch_size: int = 256) -> np.ndarray:
    """Change of the output when convolution filters are silenced: in-silico knockout, one group at a time.

    For each knockout, a copy of the model with the filter(s) silenced scores
    every row of ``x`` (:func:`genomenb.predict.predict`), and the result is
    ``score(knocked out) - score(model)``: negative where the filter supports
    the output, positive where it holds it down. The model itself is never
    changed.

    Parameters
    ----------
    model : keras.Model
    x : numpy.ndarray or mapping of str to numpy.ndarray
        Anything :func:`genomenb.predict.predict` takes (one-hot or codes,
        or a dict of named inputs).
    layer : str, optional
        Name of a ``Conv1D`` layer (default: the first one).
    filters : int, sequence, or None
        ``None``: every filter of the layer, one at a time. An int: that
        filter. A sequence whose items are filter indices or groups of
        indices (a tuple/list): each item is one knockout, a group silenced
        together.
    task : int or array of int, optional
        The output to report (last axis of the output); ``None`` keeps every task.
    output : {"logit", "probability", "model"}
    mode : {"weights", "activation"}
        See :data:`KNOCKOUT_MODES`. With a ReLU layer both give the same
        result; they differ when the activation of 0 is not 0 or when a
        normalisation follows the convolution.

    Returns
    -------
    numpy.ndarray
        ``float32`` ``(n, K)`` with a task, else ``(n, K, T)``: ``K`` knockouts
        in the order of ``filters``.
    """
    if mode not in KNOCKOUT_MODES:
        raise ValueError(f"mode must be one of {tuple(KNOCKOUT_MODES)}, got {mode!r}")
    conv = model.get_layer(layer) if layer else first_conv_layer(model)
    if not isinstance(conv, keras.layers.Conv1D):
        raise ValueError(f"layer {conv.name!r} is not a Conv1D layer")
    n_filters = int(conv.filters)
    groups = _knockout_groups(filters, n_filters)
    scorer = scoring_model(model, output)
    copy, mask = _knockout_copy(scorer, conv.name, mode, n_filters)
    n = n_rows(x)
    baseline = _inputs.task_matrix(predict(copy, x, batch_size=batch_size))
    tasks = None if task is None else _inputs.task_vector(task, n, baseline.shape[1])
    out = np.zeros((n, len(groups)) if tasks is not None else (n, len(groups), baseline.shape[1]), dtype=np.float32)
    target = copy.get_layer(conv.name)
    weights = target.get_weights()  # kernel (k, c, F) and, with use_bias, bias (F,)
    for k, group in enumerate(groups):
        silenced = list(group)
        if mode == "weights":
            zeroed = [w.copy() for w in weights]
            for w in zeroed:
                w[..., silenced] = 0.0
            target.set_weights(zeroed)
        else:
            keep = np.ones(n_filters, dtype=np.float32)
            keep[silenced] = 0.0
            mask.mask.assign(keep)
        change = _inputs.task_matrix(predict(copy, x, batch_size=batch_size)) - baseline
        out[:, k] = change if tasks is None else change[np.arange(n), tasks]
    return out
