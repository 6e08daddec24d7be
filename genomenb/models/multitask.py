"""Multitask sequence classifiers: one sigmoid output per chromatin feature (or TF set).

Their loss, :func:`genomenb.models.losses.masked_binary_crossentropy`, lives with the other masked losses.

Three families, all taking one-hot input ``(batch, L, 4)`` float32 (N = all-zero
row, see :mod:`genomenb.encode`) and returning ``(batch, n_tasks)``
probabilities, so training, evaluation and saliency code treat them alike:

``bigru``
    The character-level multitask network of the genome-RNN study: a learned
    embedding of each base (a bias-free dense map of the one-hot vector, which
    is exactly an embedding lookup, with N mapped to the zero vector), stacked
    bidirectional GRUs, the last state of both directions concatenated,
    dropout, and a dense sigmoid layer (one weight vector per task). With
    ``cell="cwrnn"`` (or ``"lstm"``, ``"rnn"``) the same network is built
    around another recurrent cell (:mod:`genomenb.models.recurrent`), e.g. the
    bidirectional clockwork RNN.
``deepsea``
    The DeepSEA convolutional network: three convolutions (320/480/960
    filters, width 8) with max-pooling 4 and dropout 0.2/0.2/0.5, a dense layer
    of 925 units and the sigmoid output.
``danq``
    DanQ: one convolution (320 x 26), max-pooling 13, dropout 0.2, a
    bidirectional LSTM (320 units per direction), dropout 0.5, dense 925, sigmoid.

Sizes are arguments so the book profile can shrink them; the defaults are the
published sizes. Only ``keras.layers`` and ``keras.ops`` are used, so the same
models run under the TensorFlow, JAX and PyTorch backends.
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers

from genomenb.models.recurrent import DEFAULT_CLOCK_PERIODS, recurrent_layer

__all__ = ["build_bigru_multitask", "build_deepsea_cnn", "build_danq", "build_multitask_model", "MODEL_FAMILIES",
           "scaled_sizes", "init_output_bias"]


def build_bigru_multitask(seq_len: int = 100, n_tasks: int = 919, *, embed_dim: int = 2, units: int = 128,
                          n_layers: int = 2, dropout: float = 0.05, cell: str = "gru",
                          clock_periods: Sequence[int] = DEFAULT_CLOCK_PERIODS, name: str | None = None) -> keras.Model:
    """Bidirectional-GRU multitask model (embedding 2, 2 x BiGRU 128, dropout keep 0.95).

    Parameters
    ----------
    seq_len : int
        Input length L.
    n_tasks : int
        Number of sigmoid outputs.
    embed_dim : int
        Size of the learned base embedding.
    units : int
        GRU units per direction.
    n_layers : int
        Number of stacked bidirectional GRU layers (>= 1).
    dropout : float
        Dropout rate before the output layer (the paper's keep probability 0.95 = rate 0.05).
    cell : {"gru", "lstm", "rnn", "cwrnn"}
        Recurrent cell of both directions (:func:`genomenb.models.recurrent.recurrent_layer`).
    clock_periods : sequence of int
        Module periods when ``cell="cwrnn"``.
    name : str, optional
        Model name; default ``"bi" + cell``.
    """
    if n_layers < 1:
        raise ValueError(f"n_layers must be >= 1, got {n_layers}")
    inputs = keras.Input((seq_len, 4), name="one_hot")
    x = layers.Dense(embed_dim, use_bias=False, name="base_embedding")(inputs)
    for i in range(n_layers):
        last = i == n_layers - 1
        rnn = recurrent_layer(cell, units, return_sequences=not last, clock_periods=clock_periods)
        x = layers.Bidirectional(rnn, merge_mode="concat", name=f"bi{cell}_{i + 1}")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(n_tasks, activation="sigmoid", name="tasks")(x)
    return keras.Model(inputs, outputs, name=name or f"bi{cell}")


def _conv_out_len(length: int, kernel: int, padding: str) -> int:
    return length if padding == "same" else length - kernel + 1


def build_deepsea_cnn(seq_len: int = 1000, n_tasks: int = 919, *, filters: tuple[int, int, int] = (320, 480, 960),
                      kernel: int = 8, pool: int = 4, dropout: tuple[float, float, float] = (0.2, 0.2, 0.5),
                      dense_units: int = 925, padding: str = "valid", name: str = "deepsea") -> keras.Model:
    """DeepSEA CNN. Use ``padding="same"`` for short inputs (L = 100 is too short for "valid")."""
    length = seq_len
    for i in range(3):
        length = _conv_out_len(length, kernel, padding)
        if i < 2:
            length //= pool
        if length < 1:
            raise ValueError(f"input length {seq_len} is too short for three 'valid' convolutions of width "
                             f"{kernel} with pooling {pool}; use padding='same'")
    inputs = keras.Input((seq_len, 4), name="one_hot")
    x = inputs
    for i, (f, rate) in enumerate(zip(filters, dropout)):
        x = layers.Conv1D(f, kernel, padding=padding, activation="relu", name=f"conv_{i + 1}")(x)
        if i < 2:
            x = layers.MaxPooling1D(pool, name=f"pool_{i + 1}")(x)
        x = layers.Dropout(rate, name=f"dropout_{i + 1}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    outputs = layers.Dense(n_tasks, activation="sigmoid", name="tasks")(x)
    return keras.Model(inputs, outputs, name=name)


def build_danq(seq_len: int = 1000, n_tasks: int = 919, *, filters: int = 320, kernel: int = 26, pool: int = 13,
               lstm_units: int = 320, dense_units: int = 925, dropout: tuple[float, float] = (0.2, 0.5),
               name: str = "danq") -> keras.Model:
    """DanQ: convolution, max-pooling, bidirectional LSTM over the pooled positions, dense, sigmoid."""
    steps = (seq_len - kernel + 1) // pool
    if steps < 1:
        raise ValueError(f"input length {seq_len} is too short for a width-{kernel} convolution and pooling {pool}")
    inputs = keras.Input((seq_len, 4), name="one_hot")
    x = layers.Conv1D(filters, kernel, activation="relu", name="conv")(inputs)
    x = layers.MaxPooling1D(pool, name="pool")(x)
    x = layers.Dropout(dropout[0], name="dropout_1")(x)
    x = layers.Bidirectional(layers.LSTM(lstm_units, return_sequences=True), name="bilstm")(x)
    x = layers.Dropout(dropout[1], name="dropout_2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    outputs = layers.Dense(n_tasks, activation="sigmoid", name="tasks")(x)
    return keras.Model(inputs, outputs, name=name)


MODEL_FAMILIES = {"bigru": build_bigru_multitask, "deepsea": build_deepsea_cnn, "danq": build_danq}


def build_multitask_model(family: str, seq_len: int, n_tasks: int, **sizes) -> keras.Model:
    """Build a model by family name (``bigru``, ``deepsea`` or ``danq``) with size overrides."""
    if family not in MODEL_FAMILIES:
        raise ValueError(f"unknown model family {family!r}; choose one of {', '.join(MODEL_FAMILIES)}")
    return MODEL_FAMILIES[family](seq_len, n_tasks, **sizes)


def _deepsea_valid_fits(seq_len: int, kernel: int = 8, pool: int = 4) -> bool:
    length = seq_len
    for i in range(3):
        length = length - kernel + 1
        if i < 2:
            length //= pool
    return length >= 1


def scaled_sizes(family: str, seq_len: int, width: float = 1.0) -> dict:
    """Size arguments of a family's builder: the published layer widths times ``width``.

    ``width = 1`` gives the published sizes (BiGRU 128 units; DeepSEA
    320/480/960 filters and 925 dense units; DanQ 320 filters, 320 LSTM units
    and 925 dense units); the book profile shrinks them all by one factor.
    Widths are rounded and kept >= 1. DeepSEA gets ``padding="same"`` when
    ``seq_len`` is too short for its three "valid" convolutions (e.g. 100).

    Returns
    -------
    dict
        Keyword arguments for :func:`build_multitask_model`.
    """
    if not width > 0:
        raise ValueError(f"width must be > 0, got {width}")

    def w(n: int) -> int:
        return max(1, int(round(n * width)))

    if family == "bigru":
        return {"units": w(128)}
    if family == "deepsea":
        return {"filters": (w(320), w(480), w(960)), "dense_units": w(925),
                "padding": "valid" if _deepsea_valid_fits(seq_len) else "same"}
    if family == "danq":
        return {"filters": w(320), "lstm_units": w(320), "dense_units": w(925)}
    raise ValueError(f"unknown model family {family!r}; choose one of {', '.join(MODEL_FAMILIES)}")


def init_output_bias(model: keras.Model, prevalence, *, layer: str = "tasks", floor: float = 1e-4) -> keras.Model:
    """Start every sigmoid output at its task's base rate: bias = logit(prevalence).

    With rare labels (1% positives is typical) a zero bias starts every
    output at probability 0.5, and Adam, moving each weight by about the
    learning rate per step, needs thousands of steps just to reach the base
    rates; meanwhile the hidden units are pushed into saturation to act as a
    constant. Starting from the base rates lets training spend its steps on
    the sequence. Rates are clipped to ``[floor, 1 - floor]``.

    Parameters
    ----------
    model : keras.Model
        A model whose output layer ``layer`` is a dense layer with a bias.
    prevalence : array-like
        ``(T,)`` fraction of positives per task (training set).

    Returns
    -------
    keras.Model
        The same model, modified in place.
    """
    import numpy as np

    dense = model.get_layer(layer)
    p = np.clip(np.asarray(prevalence, dtype=np.float64), floor, 1.0 - floor)
    if p.shape != tuple(dense.bias.shape):
        raise ValueError(f"prevalence has shape {p.shape}, the output bias {tuple(dense.bias.shape)}")
    dense.bias.assign(np.log(p / (1.0 - p)).astype("float32"))
    return model

