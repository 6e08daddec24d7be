"""What every explanation starts from: the sequence input to explain, the inputs held fixed, the task.

Private helpers of :mod:`genomenb.interpret`. A model may have one input
(the one-hot sequence) or several named inputs, e.g. a promoter sequence
``(L, 4)`` and a regulator-expression vector ``(R,)``. :func:`resolve` picks
the sequence input to explain (``sequence_input``, by default the only input
of shape ``(L, 4)``), one-hot encodes it when given as integer codes, and
keeps every other input as it is; :meth:`Explained.feed` rebuilds what the
model is fed when the sequence is replaced by variants, repeating the other
inputs' rows alongside. Tasks index the last axis of the model's output;
an output without a task axis ``(n,)`` is task 0, and an output with more
axes ``(n, ..., T)`` is scored by its sum over the middle axes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import keras
import numpy as np

from genomenb import encode
from genomenb.predict import Inputs, input_specs, n_rows, named_inputs, predict


@dataclass
class Explained:
    """The sequence input being explained and the other inputs, held fixed."""

    name: str
    x: np.ndarray  # float32 (n, L, 4)
    others: dict[str, np.ndarray] = field(default_factory=dict)
    single: bool = True  # the model has no other input

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    def feed(self, sequences: np.ndarray, rows=None) -> Inputs:
        """What the model is fed: ``sequences`` for the explained input, the other inputs' ``rows`` beside them.

        ``rows`` indexes the other inputs (one entry per row of
        ``sequences``); ``None`` takes them as they are.
        """
        if self.single:
            return sequences
        others = {k: (v if rows is None else v[rows]) for k, v in self.others.items()}
        return {**others, self.name: sequences}


def one_hot_input(x: np.ndarray) -> np.ndarray:
    """``float32`` ``(n, L, 4)``: one-hot input as it is, or integer codes ``(n, L)`` one-hot encoded."""
    x = np.asarray(x)
    if x.ndim == 2 and x.dtype.kind in "iu":
        return encode.one_hot(encode.check_codes(x, ndim=(2,), name="the sequence input"))
    if x.ndim != 3 or x.shape[-1] != 4:
        raise ValueError(f"expected one-hot input of shape (n, L, 4) or integer codes (n, L), got {x.dtype} "
                         f"{x.shape}; encode other arrays with genomenb.encode.one_hot first")
    return x.astype(np.float32, copy=False)


def sequence_input_name(model: keras.Model, sequence_input: str | None = None) -> str:
    """The name of the model input to explain: ``sequence_input``, else the only input of shape ``(L, 4)``."""
    specs = input_specs(model)
    if sequence_input is not None:
        if sequence_input not in specs:
            raise ValueError(f"sequence_input {sequence_input!r} is not one of the model's inputs {sorted(specs)}")
        return sequence_input
    if len(specs) == 1:
        return next(iter(specs))
    candidates = [name for name, shape in specs.items() if len(shape) == 2 and shape[-1] == 4]
    if len(candidates) != 1:
        raise ValueError(f"the model's inputs {specs} hold {len(candidates)} one-hot sequence inputs (L, 4): "
                         "name the one to explain with sequence_input")
    return candidates[0]


def resolve(model: keras.Model, x: Inputs, sequence_input: str | None = None) -> Explained:
    """Split ``x`` (one array, or input name -> array) into the sequence to explain and the fixed rest."""
    specs = input_specs(model)
    name = sequence_input_name(model, sequence_input)
    arrays = named_inputs(model, x)
    n_rows(arrays)  # the inputs must agree in their number of rows
    sequences = one_hot_input(arrays.pop(name))
    return Explained(name, sequences, arrays, single=len(specs) == 1)


# --------------------------------------------------------------------------- tasks


def n_tasks(model: keras.Model) -> int:
    """Size of the last axis of the model's output (1 for an output without a task axis)."""
    shape = tuple(model.output_shape[1:])
    return 1 if not shape else int(shape[-1])


def task_vector(task, n: int, n_out: int) -> np.ndarray:
    """One task index per row, ``int64`` ``(n,)``."""
    tasks = np.broadcast_to(np.asarray(task, dtype=np.int64), (n,)).copy()
    if tasks.size and (tasks.min() < 0 or tasks.max() >= n_out):
        raise ValueError(f"task indices must be in 0..{n_out - 1} (the last axis of the model's output)")
    return tasks


def task_matrix(y: np.ndarray) -> np.ndarray:
    """Outputs as ``(n, T)``: a task-less ``(n,)`` output is one column, middle axes are summed."""
    y = np.asarray(y, dtype=np.float32)
    if y.ndim == 1:
        return y[:, None]
    if y.ndim > 2:
        return y.sum(axis=tuple(range(1, y.ndim - 1)))
    return y


def pick(y: np.ndarray, tasks: np.ndarray) -> np.ndarray:
    """Each row's chosen task of outputs ``y``, ``float32`` ``(n,)``."""
    m = task_matrix(y)
    return m[np.arange(m.shape[0]), tasks]


def task_weights(model: keras.Model, tasks: np.ndarray, rows: int) -> np.ndarray:
    """Objective weights for :func:`genomenb.backend.output_gradients`: row ``i`` selects ``tasks[i]``.

    Shaped to broadcast against the model's output; rows past ``len(tasks)``
    (padding) get weight 0.
    """
    out_ndim = len(model.output_shape) - 1
    w = np.zeros((rows, n_tasks(model)), dtype=np.float32)
    w[np.arange(len(tasks)), tasks] = 1.0
    if out_ndim == 0:
        return w[:, 0]
    return w.reshape((rows,) + (1,) * (out_ndim - 1) + (w.shape[1],))


def scores(scorer: keras.Model, inputs: Inputs, tasks: np.ndarray, batch_size: int) -> np.ndarray:
    """The chosen task of every row, by :func:`genomenb.predict.predict` on an already chosen scoring model."""
    return pick(predict(scorer, inputs, batch_size=batch_size, output="model"), tasks)
