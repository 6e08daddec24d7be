"""Recurrent layers by name, and the clockwork RNN cell.

Every model of the book that takes a ``cell=`` argument builds its recurrent
layers through :func:`recurrent_layer`, so a new cell is added once, here:

``gru``, ``lstm``, ``rnn``
    Keras' own :class:`~keras.layers.GRU`, :class:`~keras.layers.LSTM` and
    :class:`~keras.layers.SimpleRNN` (the seed study's "RNN").
``cwrnn``
    The clockwork RNN of Koutník, Greff, Gomez and Schmidhuber (2014):
    :class:`ClockworkRNN`, which runs :class:`ClockworkRNNCell` one clock cycle at a time.

The clockwork RNN
-----------------
The hidden units are split into ``g`` equal modules with clock periods
``T_1 < T_2 < ... < T_g`` (by default 1, 2, 4, 8). At step ``t`` (counted
from 0 at the start of a sequence) module ``i`` is *active* when
``t mod T_i == 0``; an active module computes a plain tanh update, an
inactive one keeps its state unchanged. A module reads the input and the
states of its own and all slower modules, never of faster ones, so the
recurrent weight matrix is block upper-triangular (modules ordered from fast
to slow) and only those blocks are weights: a layer of ``n`` units in ``g``
modules of ``m = n / g`` has ``d n + n + m^2 g (g + 1) / 2`` parameters for
``d`` input features, against ``3 (d n + n^2 + 2 n)`` for a GRU.

Each period must divide the next one, so the schedule repeats every
``P = T_g`` steps (one *clock cycle*) and, at every step, the active modules
are the fastest few. :class:`ClockworkRNNCell` therefore advances a whole
cycle per call: the input projection of its ``P`` steps is one matrix
product, and each step is written out with the modules it updates known in
advance, so a step computes exactly the active rows of the block-triangular
product and nothing for the other modules (no masking, no branching, and a
``P`` times shorter loop than a per-step cell). With the default periods a
step costs on average under half of a full recurrent product.
:class:`ClockworkRNN` runs the cell over a sequence of any length (the end
is padded to whole cycles and the padding's outputs dropped; the clock starts
at 0 on the first step), honours ``go_backwards`` (for
:class:`keras.layers.Bidirectional`: the backward direction starts its own
clock at its first step), runs under TensorFlow, JAX and PyTorch, and saves
to a ``.keras`` file (registered under the package name ``genomenb``).
"""

from __future__ import annotations

from typing import Callable, Sequence

import keras
from keras import ops

__all__ = ["CELLS", "DEFAULT_CLOCK_PERIODS", "ClockworkRNNCell", "ClockworkRNN", "check_clock_periods",
           "recurrent_layer", "clockwork_parameters", "matched_units"]

#: Cell names accepted wherever a model takes ``cell=``.
CELLS = ("gru", "lstm", "rnn", "cwrnn")
_KERAS_LAYERS = {"gru": keras.layers.GRU, "lstm": keras.layers.LSTM, "rnn": keras.layers.SimpleRNN}
DEFAULT_CLOCK_PERIODS = (1, 2, 4, 8)


def check_clock_periods(periods: Sequence[int], units: int | None = None) -> tuple[int, ...]:
    """Validate clock periods (and, given ``units``, that they split the units evenly).

    Returns
    -------
    tuple of int
        The periods as a tuple: positive, strictly increasing, each dividing the next.
    """
    try:
        periods = tuple(int(p) for p in periods)
    except (TypeError, ValueError):
        raise TypeError(f"clock periods must be a sequence of ints, got {periods!r}") from None
    if not periods:
        raise ValueError("clock periods must hold at least one period")
    if periods[0] < 1:
        raise ValueError(f"clock periods must be >= 1, got {periods}")
    for fast, slow in zip(periods[:-1], periods[1:]):
        if slow <= fast or slow % fast:
            raise ValueError(f"each clock period must be a multiple of the one before and larger, got {periods}")
    if units is not None and units % len(periods):
        raise ValueError(f"{units} units do not split into {len(periods)} equal clock modules; "
                         f"use a multiple of {len(periods)}")
    return periods


def clockwork_parameters(input_dim: int, units: int, n_modules: int) -> int:
    """Weights of one clockwork layer: input kernel, bias and the block-triangular recurrent blocks."""
    m = units // n_modules
    return input_dim * units + units + m * m * n_modules * (n_modules + 1) // 2


@keras.saving.register_keras_serializable(package="genomenb")
class ClockworkRNNCell(keras.layers.Layer):
    """A clockwork RNN cell (Koutník et al. 2014) that advances one clock cycle per call.

    Parameters
    ----------
    units : int
        Hidden units, a multiple of ``len(periods)``.
    periods : sequence of int, default (1, 2, 4, 8)
        Clock period of each module, fastest first; each divides the next.
        One call covers ``periods[-1]`` steps.
    activation : str, default "tanh"
        Activation of an updated module.

    Notes
    -----
    Input per call: the ``P`` steps of one cycle side by side, ``(batch, P * d)``;
    output: the hidden vector after every step, ``(batch, P * units)``; state:
    the hidden vector ``(batch, units)``. Use it through :class:`ClockworkRNN`,
    which cuts a sequence into cycles.
    """

    def __init__(self, units: int, periods: Sequence[int] = DEFAULT_CLOCK_PERIODS, activation: str = "tanh",
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise ValueError(f"units must be a positive int, got {units!r}")
        self.units = units
        self.periods = check_clock_periods(periods, units)
        self.cycle = self.periods[-1]
        self.module_size = units // len(self.periods)
        self.activation = keras.activations.get(activation)
        self.state_size = units
        self.output_size = units * self.cycle
        # modules updated at each step of a cycle: always the fastest few
        self.active = [sum(step % p == 0 for p in self.periods) for step in range(self.cycle)]

    def build(self, input_shape) -> None:
        width = int(input_shape[-1])
        if width % self.cycle:
            raise ValueError(f"a cycle input of width {width} does not hold {self.cycle} steps")
        self.input_dim = width // self.cycle
        m, g = self.module_size, len(self.periods)
        self.input_kernel = self.add_weight(shape=(self.input_dim, self.units), initializer="glorot_uniform",
                                            name="input_kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
        # module i reads modules i..g-1 (itself and every slower one): the block-triangular recurrent weights
        self.recurrent_kernels = [self.add_weight(shape=((g - i) * m, m), initializer="orthogonal",
                                                  name=f"recurrent_kernel_{i}") for i in range(g)]
        self.built = True

    def call(self, inputs, states, training=None):
        h = states[0] if isinstance(states, (list, tuple)) else states
        m, g = self.module_size, len(self.periods)
        # every step of the cycle in one 2-D product (a 3-D one becomes a tensordot with run-time shapes,
        # which XLA rejects inside the gradient of the loop)
        x = ops.reshape(inputs, (-1, self.input_dim))
        projected = ops.reshape(ops.matmul(x, self.input_kernel) + self.bias, (-1, self.cycle, self.units))
        outputs = []
        for step, active in enumerate(self.active):
            if active:
                width = active * m
                recurrent = [ops.matmul(h[:, i * m:], self.recurrent_kernels[i]) for i in range(active)]
                recurrent = recurrent[0] if active == 1 else ops.concatenate(recurrent, axis=-1)
                new = self.activation(projected[:, step, :width] + recurrent)
                h = new if active == g else ops.concatenate([new, h[:, width:]], axis=-1)
            outputs.append(h)
        return ops.concatenate(outputs, axis=-1), [h]

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, "periods": list(self.periods),
                "activation": keras.activations.serialize(self.activation)}


@keras.saving.register_keras_serializable(package="genomenb")
class ClockworkRNN(keras.layers.Layer):
    """A clockwork RNN layer over sequences ``(batch, steps, features)`` of any length.

    Parameters
    ----------
    units : int
        Hidden units, a multiple of ``len(periods)``.
    periods : sequence of int, default (1, 2, 4, 8)
        Module clock periods, fastest first; each divides the next.
    return_sequences : bool, default False
        Return the hidden vector after every step ``(batch, steps, units)``,
        else after the last one ``(batch, units)``.
    go_backwards : bool, default False
        Read the sequence from its end (the outputs then come in reading
        order, as :class:`keras.layers.Bidirectional` expects).
    activation : str, default "tanh"
    """

    def __init__(self, units: int, periods: Sequence[int] = DEFAULT_CLOCK_PERIODS, *, return_sequences: bool = False,
                 go_backwards: bool = False, activation: str = "tanh", **kwargs) -> None:
        for unsupported in ("return_state", "stateful"):
            if kwargs.pop(unsupported, False):
                raise ValueError(f"ClockworkRNN does not support {unsupported}=True")
        super().__init__(**kwargs)
        self.cell = ClockworkRNNCell(units, periods, activation)
        self.units, self.periods = units, self.cell.periods
        self.return_sequences, self.go_backwards = bool(return_sequences), bool(go_backwards)
        self.return_state = self.stateful = False  # attributes keras.layers.Bidirectional reads
        self.cycles = keras.layers.RNN(self.cell, return_sequences=True, name="cycles")

    def build(self, input_shape) -> None:
        self.cycles.build((input_shape[0], None, int(input_shape[-1]) * self.cell.cycle))
        # a model built for one length keeps it static, even when fit() hands batches of unknown shape
        # (XLA cannot pad by an amount computed at run time)
        self._built_steps = input_shape[1]
        self.built = True

    def call(self, sequences, initial_state=None, mask=None, training=None):
        if initial_state is not None or mask is not None:
            raise ValueError("ClockworkRNN takes neither an initial state nor a mask")
        cycle = self.cell.cycle
        x = ops.flip(sequences, axis=1) if self.go_backwards else sequences
        steps = sequences.shape[1] or getattr(self, "_built_steps", None) or ops.shape(sequences)[1]
        x = ops.pad(x, [[0, 0], [0, (-steps) % cycle], [0, 0]])  # whole cycles; the padding comes last
        batch = ops.shape(x)[0]
        y = self.cycles(ops.reshape(x, (batch, -1, cycle * int(sequences.shape[-1]))), training=training)
        y = ops.reshape(y, (batch, -1, self.units))[:, :steps]
        return y if self.return_sequences else y[:, -1]

    def compute_output_shape(self, input_shape):
        if self.return_sequences:
            return (input_shape[0], input_shape[1], self.units)
        return (input_shape[0], self.units)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, "periods": list(self.periods),
                "return_sequences": self.return_sequences, "go_backwards": self.go_backwards,
                "activation": keras.activations.serialize(self.cell.activation)}


def recurrent_layer(cell: str, units: int, *, return_sequences: bool, name: str | None = None,
                    clock_periods: Sequence[int] = DEFAULT_CLOCK_PERIODS) -> keras.layers.Layer:
    """A recurrent layer of the named cell (one of :data:`CELLS`).

    Parameters
    ----------
    cell : {"gru", "lstm", "rnn", "cwrnn"}
    units : int
        Hidden units (for ``cwrnn`` a multiple of ``len(clock_periods)``).
    return_sequences : bool
        Output every step ``(batch, steps, units)`` or the last one ``(batch, units)``.
    name : str, optional
    clock_periods : sequence of int
        Module periods of the clockwork cell; ignored by the other cells.
    """
    cell = str(cell).lower()
    if cell == "cwrnn":
        return ClockworkRNN(units, clock_periods, return_sequences=return_sequences, name=name)
    if cell not in _KERAS_LAYERS:
        raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}")
    return _KERAS_LAYERS[cell](units, return_sequences=return_sequences, name=name)


def matched_units(build: Callable[[int], keras.Model], target: int, *, multiple: int = 1, high: int = 4096) -> int:
    """The width (a multiple of ``multiple``) whose model has the parameter count closest to ``target``.

    Parameters
    ----------
    build : callable
        ``build(units) -> keras.Model``; its parameter count must grow with ``units``.
    target : int
        Parameters to match (e.g. ``reference_model.count_params()``).
    multiple : int, default 1
        Widths tried are multiples of this (a clockwork layer's module count).
    high : int, default 4096
        Largest width tried.

    Returns
    -------
    int
        The matched width; ties go to the smaller one.
    """
    if target < 1:
        raise ValueError(f"target must be a positive parameter count, got {target}")
    lo, hi = 1, max(1, high // multiple)  # in units of `multiple`
    count = {}

    def params(j: int) -> int:
        if j not in count:
            count[j] = build(j * multiple).count_params()
        return count[j]

    while lo < hi:  # smallest j with params(j) >= target
        mid = (lo + hi) // 2
        lo, hi = (mid + 1, hi) if params(mid) < target else (lo, mid)
    best = min({max(1, lo - 1), lo}, key=lambda j: (abs(params(j) - target), j))
    return best * multiple
