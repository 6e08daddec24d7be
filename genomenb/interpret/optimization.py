"""Class optimization: the input a model finds most typical of one output.

:func:`class_optimization` runs gradient ascent on a free, real-valued
sequence input ``(L, 4)`` to maximise one output (a feature's logit, a
class, a regression value) with an L2 penalty that keeps the input bounded,
so the bases that matter stand out against the ones that do not
(Simonyan et al.'s class model visualisation, applied to DNA). The gradient
comes from :func:`genomenb.backend.output_gradients`, the package's one
backend-specific step, so the result is the same under TensorFlow, JAX and
PyTorch. For a model with several inputs only the sequence input
(``sequence_input``, default the only ``(L, 4)`` input) is optimized; the
other inputs are held at the values given in ``context``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import keras
import numpy as np

from genomenb.backend import output_gradients
from genomenb.interpret import _inputs
from genomenb.interpret.motifs import softmax_pwm
from genomenb.predict import input_specs, prepare_batch, scoring_model

__all__ = ["ClassOptimization", "class_optimization"]


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
        the result does not depend on the input's overall scale
        (:func:`genomenb.interpret.motifs.softmax_pwm`).
        """
        return softmax_pwm(self.input, temperature)


def _context(model: keras.Model, name: str, context: Mapping[str, np.ndarray] | None, rows: int) -> dict:
    """The other inputs, one row broadcast to ``rows`` (or already ``rows`` rows)."""
    specs = input_specs(model)
    others = {k: shape for k, shape in specs.items() if k != name}
    given = dict(context or {})
    if set(given) != set(others):
        raise ValueError(f"context must give the other inputs {sorted(others)} (held fixed), got {sorted(given)}")
    out = {}
    for k, shape in others.items():
        a = np.asarray(given[k])
        if a.ndim == len(shape):
            a = a[None]
        if a.shape[0] not in (1, rows):
            raise ValueError(f"context {k!r} needs 1 or {rows} rows, got {a.shape[0]}")
        out[k] = np.ascontiguousarray(np.broadcast_to(a, (rows,) + a.shape[1:]))
    return out


def class_optimization(model: keras.Model, task: int, seq_len: int | None = None, *, steps: int = 200,
                       learning_rate: float = 0.1, l2: float = 0.05, n_starts: int = 4, start: str = "random",
                       init_scale: float = 0.01, seed: int = 0, output: str = "logit",
                       context: Mapping[str, np.ndarray] | None = None,
                       sequence_input: str | None = None) -> ClassOptimization:
    """Find the input that maximises one output: gradient ascent with an L2 penalty.

    Maximises ``S_task(X) - l2 * ||X||^2`` over a real-valued ``(L, 4)``
    input ``X`` by plain gradient ascent,
    ``X <- X + learning_rate * (dS/dX - 2 l2 X)``, from ``n_starts`` small
    random starts (batched in one pass); the start with the highest final
    objective is returned.

    Parameters
    ----------
    task : int
        The output (last axis of the model's output: feature, class) to maximise.
    seq_len : int, optional
        Input length (default: the length of the model's sequence input).
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
    output : {"logit", "probability", "model"}
    context : mapping of str to numpy.ndarray, optional
        For a model with several inputs: the values of the other inputs
        (one row, or one per start), held fixed.
    sequence_input : str, optional
        The input to optimize (default: the only ``(L, 4)`` input).

    Returns
    -------
    ClassOptimization
    """
    if steps < 1 or n_starts < 1:
        raise ValueError("steps and n_starts must be >= 1")
    scorer = scoring_model(model, output)
    n_out = _inputs.n_tasks(scorer)
    if not 0 <= int(task) < n_out:
        raise ValueError(f"task must be in 0..{n_out - 1}, got {task}")
    name = _inputs.sequence_input_name(model, sequence_input)
    others = _context(model, name, context, n_starts)
    length = int(seq_len or input_specs(model)[name][0])
    rng = np.random.default_rng(seed)
    if start == "random":
        x = np.eye(4, dtype=np.float32)[rng.integers(0, 4, size=(n_starts, length))]
    elif start in ("uniform", "zero"):
        x = np.full((n_starts, length, 4), 0.25 if start == "uniform" else 0.0, dtype=np.float32)
    else:
        raise ValueError(f"start must be 'random', 'uniform' or 'zero', got {start!r}")
    x = (x + init_scale * rng.standard_normal(x.shape)).astype(np.float32)
    weights = _inputs.task_weights(scorer, np.full(n_starts, int(task)), n_starts)
    history = np.zeros((steps + 1, n_starts), dtype=np.float32)
    wrt = name if others else None
    for s in range(steps + 1):
        feed = prepare_batch(scorer, {**others, name: x} if others else x)
        grads, outputs = output_gradients(scorer, feed, weights, wrt=wrt)
        achieved = _inputs.pick(outputs, np.full(n_starts, int(task)))
        history[s] = achieved - l2 * (x.astype(np.float64) ** 2).sum(axis=(1, 2))
        if s == steps:
            break
        x = x + learning_rate * (grads - 2.0 * l2 * x)
    best = int(history[-1].argmax())
    return ClassOptimization(int(task), x[best].copy(), float(achieved[best]), history[:, best].copy(), float(l2), x)
