"""Attribution maps: how much each base of a sequence adds to a model's score.

Every function takes any genomenb model: one one-hot input ``(n, L, 4)``
``float32`` (channels ``A, C, G, T``, an ``N`` as an all-zero row; integer
codes ``(n, L)`` are one-hot encoded), or several named inputs given as a
dict, e.g. ``{"promoter": (n, L, 4), "regulators": (n, R)}``. The map
explains the input named ``sequence_input`` (default: the only input of shape
``(L, 4)``); the model's other inputs are held fixed at the given values.
``task`` indexes the last axis of the output (one per sequence, or one for
all): a feature of a multitask model, the class of a softmax classifier, 0 for
a regression model with one output.

Which score is explained
    ``output="logit"`` (the default) explains the score before a final
    sigmoid or softmax, computed by a linear-output copy of the model
    (:func:`genomenb.predict.scoring_model`, same weights); the squashing
    flattens out for confident predictions, which would shrink every gradient
    towards zero, and the logit does not saturate. A regression head is its
    own logit. ``output="probability"`` explains the squashed output.

Methods (all ``(n, L, 4)``, one value per position and base)
    * :func:`saliency` -- the first-order Taylor term: the gradient of the
      score with respect to the input times the input. For one-hot input only
      the observed base is non-zero, and its value is the linear estimate of
      how much that base adds to the score.
    * :func:`input_gradients` -- the gradient alone (what the score would do
      if a base were added). :func:`genomenb.backend.output_gradients` is the
      one backend-specific step; everything here is NumPy around it and around
      :func:`genomenb.predict.predict`, so the same maps come out under
      TensorFlow, JAX and PyTorch.
    * in-silico mutagenesis and temporal scores are forward passes
      (:mod:`genomenb.interpret.perturbation`).

One number per position
    :func:`position_importance` reduces any of these maps (and a temporal
    change) to ``(n, L)``, :func:`substitution_importance` draws an ISM map
    like a saliency map, and :func:`attribution_scores` runs every method of
    :data:`ATTRIBUTION_METHODS` at once, for grading against known sites
    (:mod:`genomenb.interpret.grading`).
"""

from __future__ import annotations

from typing import Sequence

import keras
import numpy as np

from genomenb.backend import output_gradients
from genomenb.interpret import _inputs
from genomenb.interpret.perturbation import in_silico_mutagenesis, temporal_importance, temporal_scores
from genomenb.predict import Inputs, bucket_rows, pad_rows, prepare_batch, scoring_model

__all__ = ["input_gradients", "saliency", "ATTRIBUTION_METHODS", "position_importance", "substitution_importance",
           "attribution_scores"]


def input_gradients(model: keras.Model, x: Inputs, task, *, output: str = "logit", batch_size: int = 128,
                    sequence_input: str | None = None) -> np.ndarray:
    """Gradient of each sequence's chosen score with respect to its one-hot sequence input.

    Parameters
    ----------
    model : keras.Model
    x : numpy.ndarray or mapping of str to numpy.ndarray
        ``float32`` ``(n, L, 4)`` (or codes ``(n, L)``), or input name ->
        array for a model with several inputs.
    task : int or array of int
        The output to explain (last axis of the model's output): one for all
        sequences or one per sequence.
    output : {"logit", "probability", "model"}
    batch_size : int
        Sequences per backward pass (the last batch is padded to the next
        power of two, so few shapes are compiled).
    sequence_input : str, optional
        The input to differentiate (default: the only ``(L, 4)`` input); the
        other inputs are held fixed.

    Returns
    -------
    numpy.ndarray
        ``float32`` ``(n, L, 4)``.
    """
    ex = _inputs.resolve(model, x, sequence_input)
    scorer = scoring_model(model, output)
    tasks = _inputs.task_vector(task, ex.n, _inputs.n_tasks(scorer))
    grads = np.zeros_like(ex.x)
    size = bucket_rows(max(1, ex.n), batch_size)
    for lo in range(0, ex.n, size):
        hi = min(lo + size, ex.n)
        feed = ex.feed(ex.x[lo:hi], slice(lo, hi))
        padded = {k: pad_rows(v, size) for k, v in feed.items()} if isinstance(feed, dict) else pad_rows(feed, size)
        weights = _inputs.task_weights(scorer, tasks[lo:hi], size)  # padding rows get weight 0
        g, _ = output_gradients(scorer, prepare_batch(scorer, padded), weights,
                                wrt=None if ex.single else ex.name)
        grads[lo:hi] = g[:hi - lo]
    return grads


def saliency(model: keras.Model, x: Inputs, task, *, output: str = "logit", batch_size: int = 128,
             sequence_input: str | None = None) -> np.ndarray:
    """Saliency map: the first-order Taylor term, gradient x input, per position and base.

    Around a sequence ``x0`` the score is approximately
    ``S(x) ~ S(x0) + w . (x - x0)`` with ``w = dS/dx`` at ``x0``; ``w * x0`` is
    each observed base's share of that linear term (zero for the three
    bases not present). Arguments as for :func:`input_gradients`.

    Returns
    -------
    numpy.ndarray
        ``float32`` ``(n, L, 4)``.
    """
    ex = _inputs.resolve(model, x, sequence_input)
    grads = input_gradients(model, x, task, output=output, batch_size=batch_size, sequence_input=ex.name)
    return grads * ex.x


#: Attribution methods scored against planted sites, and how each becomes one number per position.
ATTRIBUTION_METHODS = {
    "saliency": "|gradient x input| at the observed base (first-order Taylor term)",
    "gradient": "largest |gradient| over the four bases",
    "ism": "|mean change of the score over the three substitutions|",
    "temporal": "|change of the score when the base is revealed| (forward prefixes)",
    "random": "uniform random numbers (the chance baseline)",
}


def _unknown(method: str) -> ValueError:
    return ValueError(f"unknown attribution method {method!r}; choose from {', '.join(ATTRIBUTION_METHODS)}")


def position_importance(attribution: np.ndarray, method: str, x: np.ndarray | None = None) -> np.ndarray:
    """One importance per position from a ``(n, L, 4)`` map (or ``(n, L)`` temporal change).

    ``saliency``: ``|sum over bases|`` of gradient x input; ``gradient``:
    ``max |g|`` over bases; ``ism``: ``|mean change over the substitutions|``
    (needs the one-hot sequences ``x`` to know the observed base);
    ``temporal``: ``|change|``.

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
        substitutions = 1.0 - _inputs.one_hot_input(x)  # 3 per position (4 at an N)
        mean_change = (a * substitutions).sum(axis=-1) / np.maximum(substitutions.sum(axis=-1), 1.0)
        return np.abs(mean_change)
    if method == "temporal":
        return np.abs(a)
    raise _unknown(method)


def substitution_importance(effects: np.ndarray, x: np.ndarray) -> np.ndarray:
    """An ISM map drawn like a saliency map: at each observed base, the mean loss on replacing it.

    Parameters
    ----------
    effects : numpy.ndarray
        ``(n, L, 4)`` from :func:`genomenb.interpret.perturbation.in_silico_mutagenesis`.
    x : numpy.ndarray
        ``(n, L, 4)`` the one-hot sequences (or their codes ``(n, L)``).

    Returns
    -------
    numpy.ndarray
        ``float32`` ``(n, L, 4)``: ``-mean(change over the substitutions)`` at
        the observed base, 0 elsewhere (and at ``N`` positions).
    """
    x = _inputs.one_hot_input(x)
    substitutions = 1.0 - x
    mean_change = (np.asarray(effects, dtype=np.float32) * substitutions).sum(axis=-1) / \
        np.maximum(substitutions.sum(axis=-1), 1.0)
    return (-mean_change[..., None] * x).astype(np.float32)


def attribution_scores(model: keras.Model, x: Inputs, task, *, methods: Sequence[str] = tuple(ATTRIBUTION_METHODS),
                       output: str = "logit", seed: int = 0, batch_size: int = 128,
                       sequence_input: str | None = None) -> dict[str, np.ndarray]:
    """Per-position importance of every requested method for the chosen task of each sequence.

    Arguments as for :func:`input_gradients`; ``methods`` are keys of
    :data:`ATTRIBUTION_METHODS`, ``seed`` seeds the random baseline.

    Returns
    -------
    dict
        method name -> ``float32`` ``(n, L)``.
    """
    ex = _inputs.resolve(model, x, sequence_input)
    unknown = [m for m in methods if m not in ATTRIBUTION_METHODS]
    if unknown:
        raise _unknown(unknown[0])
    common = dict(output=output, sequence_input=ex.name)
    out: dict[str, np.ndarray] = {}
    grads = None
    for method in methods:
        if method in ("saliency", "gradient"):
            if grads is None:
                grads = input_gradients(model, x, task, batch_size=batch_size, **common)
            out[method] = position_importance(grads * ex.x if method == "saliency" else grads, method)
        elif method == "ism":
            out[method] = position_importance(in_silico_mutagenesis(model, x, task, **common), "ism", ex.x)
        elif method == "temporal":
            curve, _ = temporal_scores(model, x, task, **common)
            out[method] = position_importance(temporal_importance(curve), "temporal")
        else:  # random
            out[method] = np.random.default_rng(seed).random(ex.x.shape[:2]).astype(np.float32)
    return out
