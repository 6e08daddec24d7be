"""DeepRAGE: a gene's expression in every condition from its promoter and the conditions' regulator levels.

The yeast data are a matrix, genes x conditions, with one promoter per gene
and one regulator vector per condition, so the model works block-wise: it
takes a batch of B promoters (one-hot ``(B, L, 4)``, input ``"promoter"``)
and returns a prediction for every one of the C conditions, ``(B, C)``
log2 ratios (``output="regression"``) or ``(B, C, 3)`` probabilities of
down / baseline / up (``output="classes"``). The regulator matrix ``(C, R)``
(conditions x regulators, e.g. 472 values -1/0/+1) is fixed data, stored in
the model as a non-trainable weight of :class:`RegulatorTable`, so a
``.keras`` checkpoint carries it.

Per batch the promoter network runs once per promoter and the regulator
network once per condition; only the join and the layers after it see all
B x C pairs:

promoter network
    ``Conv1D`` (layer ``"promoter_conv"``, ReLU, ``"same"`` padding; the first
    convolution, read by :mod:`genomenb.interpret`), max-pooling by ``pool``,
    dropout: ``(B, L', F)`` with ``L' = L // pool``.
regulator network
    :class:`RegulatorTable`, dense ReLU layer of ``regulator_units`` (H), dropout: ``(C, H)``.
joins (:data:`JOINS`)
    ``"concat"``: the flattened promoter features ``(B, L' F)`` next to the
    regulator features (the paper's concatenation), ``(B, C, L' F + H)``.
    ``"tensor_pooled"``: max over all positions (the paper's 1000:1 pooling),
    then the outer product ``(B, C, F H)``.
    ``"tensor_factorized"``: a rank-R bilinear product that keeps positions,
    ``z[b, c, l, r] = (U p[b, l])_r (V g[c])_r``, flattened over positions,
    ``(B, C, L' R)``.
    These three are linear in each side, so the first dense layer after them
    is computed without building the join tensor: as the sum of its two
    halves ``W_p p + W_g g + b`` (:class:`PairSum`) for the concatenation, as
    two contractions (:class:`PairBilinear`) for the tensor products. The
    results are exactly those of the dense layer on the join tensor, but the
    promoter side runs once per promoter instead of once per pair (about 170
    times less work on the yeast matrix).
    ``"concat_rnn"``: promoter features at every position next to the
    regulator features, ``(B, C, L', F + H)``, a GRU over the positions of
    each of the B C pairs, ``(B, C, units)``.
    ``"tensor_rnn"``: the factorized product at every position, ``(B, C, L', R)``, then the GRU.
    ``"promoter_only"``: no regulators; the flattened promoter features
    through the dense layers and a per-condition head (C outputs).
    ``"regulator_only"``: no promoter; the regulator features through the
    dense layers: the same prediction for every gene of a condition (the
    promoter input only sets the batch size; there is no per-gene bias).
head
    Dense ReLU layers (``dense_units``) with dropout over the last axis, then
    one output per pair (layer ``"output"``).

:func:`join_shapes` / :func:`join_memory` give the join tensor of every
variant (and of the full-resolution tensor product the paper could not fit)
exactly from the shapes; :func:`join_parameters` builds models and counts.
Only ``keras.layers`` and ``keras.ops``: TensorFlow, JAX and PyTorch alike.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import keras
import numpy as np
from keras import layers, ops

__all__ = ["DeepRageConfig", "JOINS", "OUTPUTS", "PAPER_SIZES", "RegulatorTable", "PairConcat", "PairSum",
           "PairBilinear", "PairProduct", "BroadcastToBatch", "FoldPairs", "UnfoldPairs", "build_deeprage",
           "join_shapes", "join_memory", "join_parameters"]

JOINS = ("concat", "tensor_pooled", "tensor_factorized", "concat_rnn", "tensor_rnn", "promoter_only",
         "regulator_only")
OUTPUTS = ("regression", "classes")
#: The sizes the paper states: 256 first-layer filters, a 512-unit regulator network, 512-unit dense layers.
PAPER_SIZES = {"filters": 256, "regulator_units": 512, "dense_units": (512, 512)}
_FLOAT32 = 4  # bytes


@dataclass(frozen=True)
class DeepRageConfig:
    """Sizes of a DeepRAGE model; the defaults are small enough for a 2-core CPU.

    Attributes
    ----------
    join : str
        One of :data:`JOINS`.
    output : {"regression", "classes"}
        ``(B, C)`` linear outputs, or ``(B, C, n_classes)`` softmax.
    n_classes : int
        Classes of ``output="classes"`` (3: down, baseline, up).
    seq_len : int
        Promoter length L (1000 bp upstream).
    filters, kernel : int
        First-layer convolution: F filters of width ``kernel`` (paper: 256 filters).
    pool : int
        Max-pooling of the convolution output: L' = L // pool positions
        (1 keeps every position, as the paper's concatenation does).
    regulator_units : int
        H, the regulator network's dense layer (paper: 512).
    rank : int
        R of the factorized tensor product.
    rnn_units : int
        GRU units of the RNN joins.
    dense_units : tuple of int
        Dense ReLU layers after the join.
    dropout : float
        Rate after the pooled convolution, the regulator layer and every dense layer.
    """

    join: str = "concat"
    output: str = "regression"
    n_classes: int = 3
    seq_len: int = 1000
    filters: int = 32
    kernel: int = 12
    pool: int = 10
    regulator_units: int = 32
    rank: int = 16
    rnn_units: int = 16
    dense_units: tuple[int, ...] = (64, 64)
    dropout: float = 0.2

    def __post_init__(self) -> None:
        if self.join not in JOINS:
            raise ValueError(f"join must be one of {JOINS}, got {self.join!r}")
        if self.output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {self.output!r}")
        object.__setattr__(self, "dense_units", tuple(int(u) for u in self.dense_units))
        for name in ("n_classes", "seq_len", "filters", "kernel", "pool", "regulator_units", "rank", "rnn_units"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if self.n_classes < 2:
            raise ValueError(f"n_classes must be >= 2, got {self.n_classes}")
        if any(u < 1 for u in self.dense_units):
            raise ValueError(f"dense_units must be positive, got {self.dense_units}")
        if self.pool > self.seq_len:
            raise ValueError(f"pool {self.pool} is longer than the promoter ({self.seq_len})")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")

    @property
    def positions(self) -> int:
        """L', the promoter positions after pooling."""
        return self.seq_len // self.pool

    def replace(self, **changes) -> "DeepRageConfig":
        """A copy with some fields changed (checked again)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def paper(cls, **changes) -> "DeepRageConfig":
        """The paper's sizes (:data:`PAPER_SIZES`) with ``changes`` on top."""
        return cls(**{**PAPER_SIZES, **changes})


# --------------------------------------------------------------------------- layers


@keras.saving.register_keras_serializable(package="genomenb")
class RegulatorTable(layers.Layer):
    """The ``(C, R)`` regulator matrix of the conditions, a non-trainable weight; its output ignores the input.

    Called on the promoter input only to be part of the model's graph. The
    values travel in the weights of a ``.keras`` file, not in the config.
    """

    def __init__(self, n_conditions: int, n_regulators: int, values=None, **kwargs):
        super().__init__(**kwargs)
        self.n_conditions, self.n_regulators = int(n_conditions), int(n_regulators)
        self._values = None if values is None else np.asarray(values, dtype=np.float32)
        if self._values is not None and self._values.shape != (self.n_conditions, self.n_regulators):
            raise ValueError(f"values have shape {self._values.shape}, expected "
                             f"({self.n_conditions}, {self.n_regulators})")

    def build(self, input_shape=None):
        self.table = self.add_weight(shape=(self.n_conditions, self.n_regulators), initializer="zeros",
                                     trainable=False, name="table")
        if self._values is not None:
            self.table.assign(self._values)
        self.built = True

    def call(self, inputs):
        return ops.convert_to_tensor(self.table)

    def compute_output_shape(self, input_shape):
        return (self.n_conditions, self.n_regulators)

    def get_config(self):
        return {**super().get_config(), "n_conditions": self.n_conditions, "n_regulators": self.n_regulators}


def _pair_shape(b, c, middle, last):
    return (b, c) + tuple(middle) + (last,)


@keras.saving.register_keras_serializable(package="genomenb")
class PairConcat(layers.Layer):
    """Promoter features ``(B, ..., P)`` next to condition features ``(C, H)``: ``(B, C, ..., P + H)``.

    The condition features are repeated over the promoter's middle axes
    (positions), the promoter features over the conditions.
    """

    def call(self, inputs):
        p, g = inputs
        b, c = ops.shape(p)[0], g.shape[0]
        middle = tuple(p.shape[1:-1])
        p = ops.broadcast_to(ops.expand_dims(p, 1), _pair_shape(b, c, middle, p.shape[-1]))
        g = ops.reshape(g, (1, c) + (1,) * len(middle) + (g.shape[-1],))
        g = ops.broadcast_to(g, _pair_shape(b, c, middle, g.shape[-1]))
        return ops.concatenate([p, g], axis=-1)

    def compute_output_shape(self, input_shape):
        p, g = input_shape
        return _pair_shape(p[0], g[0], p[1:-1], p[-1] + g[-1])


@keras.saving.register_keras_serializable(package="genomenb")
class PairSum(layers.Layer):
    """Promoter ``(B, D)`` plus condition ``(C, D)`` terms for every pair: ``(B, C, D)``.

    With the two halves of a dense layer as inputs this is that layer applied
    to the concatenation ``[p; g]`` of every pair.
    """

    def call(self, inputs):
        a, b = inputs
        return ops.expand_dims(a, 1) + ops.expand_dims(b, 0)

    def compute_output_shape(self, input_shape):
        a, b = input_shape
        return (a[0], b[0], a[-1])


@keras.saving.register_keras_serializable(package="genomenb")
class PairBilinear(layers.Layer):
    """A dense layer on the flattened tensor product of every pair, without building the product.

    Inputs ``u`` ``(B, K, R)`` (or ``(B, K)``, the same for every ``r``) and
    ``v`` ``(C, R)``; the product of a pair is ``z[b, c, k, r] = u[b, k, r] v[c, r]``
    and the layer returns ``sum_{k, r} W[k, r, d] z[b, c, k, r] + bias[d]``,
    ``(B, C, units)``, computed as two contractions,
    ``a[b, r, d] = sum_k W[k, r, d] u[b, k, r]`` then ``sum_r a[b, r, d] v[c, r]``.

    ``u = p`` (pooled promoter features ``(B, F)``) and ``v = g`` gives the
    dense layer after the pooled outer product ``(B, C, F H)``; ``u = U p``
    ``(B, L', R)`` and ``v = V g`` the one after the flattened factorized
    product ``(B, C, L' R)``. Either way the work per batch is ``B K R D + B C R D``
    multiply-adds instead of ``B C K R D``.
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)

    def build(self, input_shape):
        u, v = input_shape
        self.kernel = self.add_weight(shape=(u[1], v[-1], self.units), initializer="glorot_uniform", name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs):
        u, v = inputs
        if len(u.shape) == 2:
            a = ops.einsum("bk,krd->brd", u, self.kernel)
        else:
            a = ops.einsum("bkr,krd->brd", u, self.kernel)
        return ops.einsum("brd,cr->bcd", a, v) + self.bias

    def compute_output_shape(self, input_shape):
        u, v = input_shape
        return (u[0], v[0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="genomenb")
class PairProduct(layers.Layer):
    """Elementwise product of promoter ``(B, ..., R)`` and condition ``(C, R)`` factors: ``(B, C, ..., R)``.

    With ``U p`` and ``V g`` as inputs this is the rank-R factorized tensor product.
    """

    def call(self, inputs):
        u, v = inputs
        middle = len(u.shape) - 2
        v = ops.reshape(v, (1, v.shape[0]) + (1,) * middle + (v.shape[-1],))
        return ops.expand_dims(u, 1) * v

    def compute_output_shape(self, input_shape):
        u, v = input_shape
        return _pair_shape(u[0], v[0], u[1:-1], u[-1])


@keras.saving.register_keras_serializable(package="genomenb")
class BroadcastToBatch(layers.Layer):
    """Condition features ``(C, D)`` repeated for every row of a batch ``(B, ...)``: ``(B, C, D)``."""

    def call(self, inputs):
        batch, g = inputs
        return ops.broadcast_to(ops.expand_dims(g, 0), (ops.shape(batch)[0],) + tuple(g.shape))

    def compute_output_shape(self, input_shape):
        batch, g = input_shape
        return (batch[0],) + tuple(g)


@keras.saving.register_keras_serializable(package="genomenb")
class FoldPairs(layers.Layer):
    """``(B, C, ...)`` -> ``(B C, ...)``: every gene-condition pair becomes one sequence of a batch."""

    def call(self, inputs):
        return ops.reshape(inputs, (-1,) + tuple(inputs.shape[2:]))

    def compute_output_shape(self, input_shape):
        b, c = input_shape[0], input_shape[1]
        return (None if b is None else b * c,) + tuple(input_shape[2:])


@keras.saving.register_keras_serializable(package="genomenb")
class UnfoldPairs(layers.Layer):
    """``(B C, ...)`` -> ``(B, C, ...)``, the inverse of :class:`FoldPairs` for ``n_conditions`` = C."""

    def __init__(self, n_conditions: int, **kwargs):
        super().__init__(**kwargs)
        self.n_conditions = int(n_conditions)

    def call(self, inputs):
        return ops.reshape(inputs, (-1, self.n_conditions) + tuple(inputs.shape[1:]))

    def compute_output_shape(self, input_shape):
        n = input_shape[0]
        return (None if n is None else n // self.n_conditions, self.n_conditions) + tuple(input_shape[1:])

    def get_config(self):
        return {**super().get_config(), "n_conditions": self.n_conditions}


# --------------------------------------------------------------------------- the model


def _check_regulators(regulators) -> np.ndarray:
    reg = np.asarray(regulators)
    if reg.ndim != 2 or reg.shape[0] < 1 or reg.shape[1] < 1:
        raise ValueError(f"regulators must be a (conditions, regulators) matrix, got shape {reg.shape}")
    if reg.dtype.kind not in "iufb":
        raise ValueError(f"regulators must be numeric, got dtype {reg.dtype}")
    reg = reg.astype(np.float32)
    if not np.isfinite(reg).all():
        raise ValueError("regulators hold NaN or infinite values (fill missing regulator levels first)")
    return reg


def _dense_stack(x, config: DeepRageConfig, start: int = 0):
    for i, units in enumerate(config.dense_units[start:], start=start):
        x = layers.Dense(units, activation="relu", name=f"dense_{i + 1}")(x)
        x = layers.Dropout(config.dropout, name=f"dense_dropout_{i + 1}")(x)
    return x


def _pair_dense(p, g, config: DeepRageConfig):
    """The first dense layer after the join, for every pair, without building the join tensor.

    ``"concat"``: two halves of the layer (:class:`PairSum`); ``"tensor_pooled"``
    and ``"tensor_factorized"``: :class:`PairBilinear`.
    """
    units = config.dense_units[0] if config.dense_units else config.regulator_units
    if config.join == "concat":
        a = layers.Dense(units, name="dense_1_promoter")(layers.Flatten(name="promoter_flatten")(p))  # (B, D)
        b = layers.Dense(units, use_bias=False, name="dense_1_regulators")(g)  # (C, D)
        x = PairSum(name="join")([a, b])
    elif config.join == "tensor_pooled":
        x = PairBilinear(units, name="join")([layers.GlobalMaxPooling1D(name="promoter_max")(p), g])
    else:  # tensor_factorized
        u = layers.Dense(config.rank, use_bias=False, name="promoter_factor")(p)  # (B, L', R)
        v = layers.Dense(config.rank, use_bias=False, name="regulator_factor")(g)  # (C, R)
        x = PairBilinear(units, name="join")([u, v])
    if not config.dense_units:
        return x
    x = layers.Activation("relu", name="dense_1")(x)
    x = layers.Dropout(config.dropout, name="dense_dropout_1")(x)
    return _dense_stack(x, config, start=1)


def _pair_head(x, config: DeepRageConfig, n_conditions: int):
    """``(B, C, D)`` -> ``(B, C)`` or ``(B, C, n_classes)``."""
    if config.output == "classes":
        return layers.Dense(config.n_classes, activation="softmax", name="output")(x)
    x = layers.Dense(1, name="output_dense")(x)
    return layers.Reshape((n_conditions,), name="output")(x)


def _rnn(z, config: DeepRageConfig, n_conditions: int):
    """A GRU over the positions of every pair: ``(B, C, L', K)`` -> ``(B, C, units)``."""
    seqs = FoldPairs(name="fold_pairs")(z)
    h = layers.GRU(config.rnn_units, name="pair_gru")(seqs)
    return UnfoldPairs(n_conditions, name="unfold_pairs")(h)


def build_deeprage(config: DeepRageConfig, regulators, *, name: str | None = None) -> keras.Model:
    """A DeepRAGE model for the conditions whose regulator levels are ``regulators``.

    Parameters
    ----------
    config : DeepRageConfig
        Join, output and sizes.
    regulators : array-like
        ``(C, R)`` float matrix, conditions x regulators (e.g. 173 x 472
        values -1/0/+1); stored in the model as a non-trainable constant.
        ``"promoter_only"`` uses only its number of rows.
    name : str, optional
        Model name (default ``"deeprage_<join>"``).

    Returns
    -------
    keras.Model
        Input ``"promoter"`` ``(seq_len, 4)``; output ``(B, C)`` or ``(B, C, n_classes)``.
    """
    if not isinstance(config, DeepRageConfig):
        raise TypeError(f"config must be a DeepRageConfig, got {type(config).__name__}")
    reg = _check_regulators(regulators)
    n_conditions, n_regulators = reg.shape
    join = config.join
    promoter = keras.Input((config.seq_len, 4), name="promoter")
    if join != "regulator_only":
        p = layers.Conv1D(config.filters, config.kernel, padding="same", activation="relu",
                          name="promoter_conv")(promoter)
        if config.pool > 1:
            p = layers.MaxPooling1D(config.pool, name="promoter_pool")(p)
        p = layers.Dropout(config.dropout, name="promoter_dropout")(p)  # (B, L', F)
    if join != "promoter_only":
        g = RegulatorTable(n_conditions, n_regulators, values=reg, name="regulators")(promoter)
        g = layers.Dense(config.regulator_units, activation="relu", name="regulator_dense")(g)
        g = layers.Dropout(config.dropout, name="regulator_dropout")(g)  # (C, H)
    if join == "tensor_rnn":
        u = layers.Dense(config.rank, use_bias=False, name="promoter_factor")(p)  # (B, L', R)
        v = layers.Dense(config.rank, use_bias=False, name="regulator_factor")(g)  # (C, R)
        z = PairProduct(name="join")([u, v])  # (B, C, L', R)

    if join == "promoter_only":
        x = _dense_stack(layers.Flatten(name="promoter_flatten")(p), config)
        if config.output == "classes":
            x = layers.Dense(n_conditions * config.n_classes, name="output_dense")(x)
            x = layers.Reshape((n_conditions, config.n_classes), name="output_reshape")(x)
            out = layers.Activation("softmax", name="output")(x)
        else:
            out = layers.Dense(n_conditions, name="output")(x)
        return keras.Model(promoter, out, name=name or f"deeprage_{join}")
    if join == "regulator_only":
        x = BroadcastToBatch(name="join")([promoter, _dense_stack(g, config)])
        return keras.Model(promoter, _pair_head(x, config, n_conditions), name=name or f"deeprage_{join}")
    if join in ("concat", "tensor_pooled", "tensor_factorized"):
        out = _pair_head(_pair_dense(p, g, config), config, n_conditions)
        return keras.Model(promoter, out, name=name or f"deeprage_{join}")
    if join == "concat_rnn":
        x = _rnn(PairConcat(name="join")([p, g]), config, n_conditions)
    else:  # tensor_rnn
        x = _rnn(z, config, n_conditions)
    out = _pair_head(_dense_stack(x, config), config, n_conditions)
    return keras.Model(promoter, out, name=name or f"deeprage_{join}")


# --------------------------------------------------------------------------- sizes


def join_shapes(config: DeepRageConfig, batch_size: int, n_conditions: int) -> dict[str, tuple[int, ...]]:
    """Shape of the join tensor of every variant for a batch of ``batch_size`` promoters and C conditions.

    Keys: the joins of :data:`JOINS` that have one, as the paper writes them
    (``"concat"``, ``"tensor_pooled"``, ``"tensor_factorized"``, ``"concat_rnn"``,
    ``"tensor_rnn"``) and ``"tensor_full"``, the unfactorized tensor product
    at every promoter position, ``(B, C, L', F, H)``, the one the paper could
    not fit. Sizes ``F``, ``H``, ``R`` and ``L' = seq_len // pool`` come from ``config``.
    ``"pair_layer"`` is what this module actually builds for the concatenation
    and both non-recurrent tensor products: the first dense layer's output for
    every pair, ``(B, C, dense_units[0])`` (see :class:`PairSum` and
    :class:`PairBilinear`); the RNN joins build their tensors as written.
    """
    for label, value in (("batch_size", batch_size), ("n_conditions", n_conditions)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{label} must be a positive int, got {value!r}")
    b, c = int(batch_size), int(n_conditions)
    length, f, h, r = config.positions, config.filters, config.regulator_units, config.rank
    first = config.dense_units[0] if config.dense_units else h
    return {"pair_layer": (b, c, first), "concat": (b, c, length * f + h), "tensor_pooled": (b, c, f * h),
            "tensor_factorized": (b, c, length, r), "concat_rnn": (b, c, length, f + h),
            "tensor_rnn": (b, c, length, r), "tensor_full": (b, c, length, f, h)}


def join_memory(config: DeepRageConfig, batch_size: int, n_conditions: int) -> dict[str, int]:
    """Bytes (float32) of the join tensor of every variant; see :func:`join_shapes` for the keys.

    ``"tensor_full"`` is the full-resolution tensor product, ``"tensor_factorized"``
    its rank-R factorization, ``"tensor_pooled"`` the paper's pooled one. These
    are the forward activations of one batch; training keeps them (and their
    gradients) alive through the backward pass.
    """
    return {key: int(np.prod(shape, dtype=np.int64)) * _FLOAT32
            for key, shape in join_shapes(config, batch_size, n_conditions).items()}


def join_parameters(config: DeepRageConfig, n_regulators: int, n_conditions: int,
                    joins=("tensor_pooled", "tensor_factorized")) -> dict[str, int]:
    """``model.count_params()`` of DeepRAGE models that differ only in their join.

    Each model is built (regulators all zero; the regulator table's C x R
    constant is counted, as ``count_params`` counts every weight) and
    released. ``"tensor_full_first_dense"`` is added: the weights of the first
    dense layer after a flattened full-resolution tensor product,
    ``L' F H x dense_units[0]`` (too large to build).
    """
    table = np.zeros((int(n_conditions), int(n_regulators)), dtype=np.float32)
    counts = {}
    for join in joins:
        model = build_deeprage(config.replace(join=join), table)
        counts[join] = int(model.count_params())
        del model
    first = config.dense_units[0] if config.dense_units else 1
    counts["tensor_full_first_dense"] = config.positions * config.filters * config.regulator_units * first
    return counts
