"""The one batched forward pass of the package: every prediction goes through :func:`predict`.

Training (validation scores, tracked predictions, language-model evaluation),
evaluation and interpretation (in-silico mutagenesis, prefix scores, filter
activations) all call :func:`predict`, so batching, padding, encoding and
strand averaging are written once.

Inputs
    ``x`` is one array or a mapping of input name -> array (a model with
    several inputs, e.g. a promoter sequence and a regulator-expression
    vector). Every array is fed batch by batch; a ``uint8`` / integer array of
    codes ``(N, L)`` (``A=0 C=1 G=2 T=3 N=4``, :mod:`genomenb.encode`) is
    one-hot encoded per batch when the model's input expects ``(L, 4)``, and
    fed as it is when the model expects integer tokens (a language model, an
    embedding layer). Only the current batch is ever one-hot encoded, so
    memory is bounded by the batch.
Batches
    A shorter last batch is padded (codes with ``N``, anything else with
    zeros) up to the next power of two, at most ``batch_size``: a model is
    compiled for a handful of shapes instead of one per call. Padding rows
    are dropped from the result.
Outputs
    ``output="model"`` returns what the model returns. ``"logit"`` returns
    the score before a final sigmoid or softmax (:func:`scoring_model`:
    a copy of the model with a linear last activation and the same weights);
    the logit does not saturate, which is what attribution methods need.
    ``"probability"`` is the model's own output (an error if the last
    activation is not a sigmoid or softmax).
Strands
    ``reverse_complement_average=True`` averages each row's output over the
    sequence and its reverse complement (every one-hot sequence input is
    reverse-complemented; other inputs are unchanged).
"""

from __future__ import annotations

import weakref
from typing import Mapping, Union

import keras
import numpy as np

from genomenb import encode

__all__ = ["Inputs", "OUTPUTS", "predict", "scoring_model", "input_specs", "named_inputs", "prepare_batch", "n_rows",
           "take_rows", "pad_rows", "bucket_rows", "layer_outputs"]

#: One array, or a mapping of model input name -> array (all with the same number of rows).
Inputs = Union[np.ndarray, Mapping[str, np.ndarray]]
OUTPUTS = ("model", "logit", "probability")
_SQUASHING = ("sigmoid", "softmax")

# Linear-output copies of models, kept while the model lives (weights re-synced on every use).
_LOGIT_COPIES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
# Sub-models model.inputs -> one inner layer's output (they share the model's layers, hence its weights).
_LAYER_MODELS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


# --------------------------------------------------------------------------- checks and input plumbing


def input_specs(model: keras.Model) -> dict[str, tuple]:
    """Input name -> expected shape (without the batch axis), in the model's input order."""
    inputs = getattr(model, "inputs", None) or []
    if not inputs:
        shape = tuple(model.input_shape[1:])
        return {"input": shape}
    return {t.name: tuple(t.shape[1:]) for t in inputs}


def named_inputs(model: keras.Model, x: Inputs) -> dict[str, np.ndarray]:
    """``x`` as input name -> array, in the model's input order.

    One array is accepted for a single-input model; a mapping must name
    exactly the model's inputs (a one-entry mapping for a single-input model
    may use any name).
    """
    specs = input_specs(model)
    if isinstance(x, Mapping):
        if len(specs) == 1 and len(x) == 1:
            return {next(iter(specs)): np.asarray(next(iter(x.values())))}
        if set(x) != set(specs):
            raise ValueError(f"the model's inputs are {sorted(specs)}; got {sorted(x)}")
        return {name: np.asarray(x[name]) for name in specs}
    if len(specs) != 1:
        raise ValueError(f"the model has {len(specs)} inputs {sorted(specs)}: pass a dict of arrays")
    return {next(iter(specs)): np.asarray(x)}


def n_rows(x: Inputs) -> int:
    """Number of rows (examples) of one array or of a mapping of arrays (which must agree)."""
    if isinstance(x, Mapping):
        sizes = {name: len(a) for name, a in x.items()}
        if len(set(sizes.values())) > 1:
            raise ValueError(f"inputs disagree in their number of rows: {sizes}")
        return next(iter(sizes.values())) if sizes else 0
    return len(x)


def take_rows(x: Inputs, rows) -> Inputs:
    """The given rows (an index array or slice) of one array or of every array of a mapping."""
    if isinstance(x, Mapping):
        return {name: a[rows] for name, a in x.items()}
    return x[rows]


def _needs_one_hot(array: np.ndarray, shape: tuple) -> bool:
    return array.ndim == 2 and array.dtype.kind in "iu" and len(shape) == 2 and shape[-1] == 4


def prepare_batch(model: keras.Model, x: Inputs, *, reverse_complement: bool = False):
    """What ``model`` is fed for a batch of ``x``: one-hot where it expects ``(L, 4)`` and gets codes.

    Returns one array for a single-input model, else a dict keyed by input name.
    With ``reverse_complement`` every one-hot sequence input is given as its
    reverse complement.
    """
    specs = input_specs(model)
    arrays = named_inputs(model, x)
    fed = {}
    for name, array in arrays.items():
        shape = specs[name]
        if _needs_one_hot(array, shape):
            codes = encode.check_codes(array, ndim=(2,), name=f"input {name!r}")
            fed[name] = encode.one_hot(encode.reverse_complement(codes) if reverse_complement else codes)
        elif array.ndim == 3 and array.shape[-1] == 4 and array.dtype.kind == "f":
            fed[name] = (encode.reverse_complement_one_hot(array) if reverse_complement
                         else array).astype(np.float32, copy=False)
        else:
            fed[name] = array
        got = fed[name].shape[1:]
        if len(got) != len(shape) or any(e is not None and e != g for e, g in zip(shape, got)):
            raise ValueError(f"input {name!r} expects rows of shape {shape}"
                             f"{' (one-hot, or give integer codes (N, L))' if shape[-1:] == (4,) else ''}; "
                             f"got {array.dtype} {array.shape}")
    return next(iter(fed.values())) if len(fed) == 1 else fed


def pad_rows(array: np.ndarray, rows: int) -> np.ndarray:
    """``array`` with rows appended up to ``rows``: ``N`` for ``uint8`` codes ``(n, L)``, else zeros."""
    if array.shape[0] == rows:
        return array
    fill = encode.N_CODE if array.dtype == np.uint8 and array.ndim == 2 else 0
    pad = np.full((rows - array.shape[0],) + array.shape[1:], fill, dtype=array.dtype)
    return np.concatenate([array, pad])


def bucket_rows(n: int, batch_size: int) -> int:
    """Rows of a batch holding ``n`` rows: ``batch_size``, or the next power of two below it."""
    return batch_size if n >= batch_size else min(batch_size, 1 << max(0, int(n - 1).bit_length()))


# --------------------------------------------------------------------------- which output


def _activation_name(layer) -> str:
    act = getattr(layer, "activation", None)
    return "linear" if act is None else getattr(act, "__name__", str(act))


def _output_layer(model: keras.Model):
    """The layer producing the model's output (the last layer of a functional/sequential model)."""
    return model.layers[-1]


def scoring_model(model: keras.Model, output: str = "logit") -> keras.Model:
    """The model whose outputs are the requested scores.

    Parameters
    ----------
    model : keras.Model
        A functional or sequential model (any genomenb model).
    output : {"model", "logit", "probability"}
        ``"model"``: ``model`` itself. ``"probability"``: ``model`` itself,
        which must end in a sigmoid or softmax. ``"logit"``: when the last
        layer squashes with a sigmoid or softmax, a copy of the model with
        that activation made linear and the same weights (re-copied on every
        call, so a model trained further is followed); a model with a linear
        (regression) head is its own logit.

    Returns
    -------
    keras.Model
    """
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
    last = _output_layer(model)
    squashed = _activation_name(last) in _SQUASHING
    if output == "model":
        return model
    if output == "probability":
        if not squashed:
            raise ValueError(f"the model's last layer {last.name!r} has activation {_activation_name(last)!r}, "
                             "not a sigmoid or softmax: its outputs are no probabilities (use output='model')")
        return model
    if not squashed:
        return model
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


# --------------------------------------------------------------------------- the forward pass


def predict(model: keras.Model, x: Inputs, *, batch_size: int = 256, output: str = "model",
            reverse_complement_average: bool = False) -> np.ndarray:
    """Outputs of ``model`` for every row of ``x``, in batches.

    Parameters
    ----------
    model : keras.Model
        Any genomenb model (one input, or several named inputs).
    x : numpy.ndarray or mapping of str to numpy.ndarray
        One array, or input name -> array. Integer codes ``(N, L)`` are one-hot
        encoded per batch where the model expects ``(L, 4)``; other arrays are
        fed as they are.
    batch_size : int, default 256
        Rows per forward pass (the last batch is padded to the next power of two).
    output : {"model", "logit", "probability"}, default "model"
        See :func:`scoring_model`.
    reverse_complement_average : bool, default False
        Average each row's output with that of its reverse complement.

    Returns
    -------
    numpy.ndarray
        ``float32`` ``(N, ...)``: the model's output shape per row.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    scorer = scoring_model(model, output)
    arrays = named_inputs(scorer, x)
    n = n_rows(arrays)
    out_shape = tuple(int(d) for d in scorer.output_shape[1:] if d is not None)
    if n == 0:
        return np.zeros((0,) + out_shape, dtype=np.float32)
    size = int(batch_size)
    out = None
    strands = (False, True) if reverse_complement_average else (False,)
    for rc in strands:
        for lo in range(0, n, size):
            hi = min(lo + size, n)
            batch = {name: pad_rows(a[lo:hi], bucket_rows(hi - lo, size)) for name, a in arrays.items()}
            y = scorer.predict_on_batch(prepare_batch(scorer, batch, reverse_complement=rc))
            y = np.asarray(keras.ops.convert_to_numpy(y), dtype=np.float32)[:hi - lo]
            if out is None:
                out = np.zeros((n,) + y.shape[1:], dtype=np.float32)
            out[lo:hi] += y
    if reverse_complement_average:
        out *= 0.5
    return out


# --------------------------------------------------------------------------- inner layers


def _layer_model(model: keras.Model, layer: str) -> keras.Model:
    """``keras.Model(model.inputs, model.get_layer(layer).output)``, built once per model and layer."""
    cached = _LAYER_MODELS.setdefault(model, {})
    if layer not in cached:
        try:
            target = model.get_layer(layer)
        except ValueError:
            names = [lay.name for lay in model.layers]
            raise ValueError(f"the model has no layer {layer!r}; its layers are {names}") from None
        inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs  # one array in, one tensor expected
        cached[layer] = keras.Model(inputs, target.output, name=f"{model.name}_to_{layer}")
    return cached[layer]


def layer_outputs(model: keras.Model, x, layer: str, *, batch_size: int = 32,
                  length_step: int = 64) -> np.ndarray | list[np.ndarray]:
    """Outputs of the inner layer ``layer`` of ``model`` (e.g. a language model's hidden states).

    The forward pass is :func:`predict` on the sub-model
    ``keras.Model(model.inputs, model.get_layer(layer).output)``, which shares
    the model's weights.

    Parameters
    ----------
    model : keras.Model
        A single-input model. For sequences of different lengths its input
        must accept any length (``(None,)`` codes, e.g.
        ``build_char_lm(config, seq_len=None)`` with the trained weights copied
        in; :func:`genomenb.embed.variable_length_model` does that).
    x : numpy.ndarray or sequence of numpy.ndarray
        Either one array of rows of equal length (e.g. codes ``(N, L)``), fed
        as :func:`predict` feeds it; or a list/tuple of 1-D ``uint8`` code
        arrays ``(L_i,)`` of any lengths (whole genes).
    layer : str
        Name of the layer whose output is returned (e.g. ``"lstm_2"``).
    batch_size : int, default 32
        Rows per forward pass.
    length_step : int, default 64
        For sequences of different lengths: they are sorted by length, taken
        ``batch_size`` at a time, and each batch is right-padded with ``N`` up
        to its longest sequence rounded up to a multiple of ``length_step``
        (few distinct shapes, so few compilations).

    Returns
    -------
    numpy.ndarray or list of numpy.ndarray
        ``float32``. For one array: ``(N, ...)``, the layer's output per row.
        For a list: one ``(L_i, ...)`` array per sequence, in input order,
        the layer's output at the sequence's own positions.

    Notes
    -----
    Right-padding leaves the outputs at the real positions unchanged only for
    layers that are causal along the sequence (forward recurrent layers,
    causal convolutions, and position-wise layers after them); a
    bidirectional or non-causal layer would see the padding.

    Memory is the whole result: ``sum(L_i) * units * 4`` bytes (400 genes of
    1 kb with 128 units: 200 MB). For thousands of genes, call this on chunks
    of the list and reduce each chunk (mean state, sampled positions) before
    the next.

    Raises
    ------
    ValueError
        For an unknown layer, an empty sequence, a model whose fixed input
        length does not match, or a layer without a sequence axis.
    """
    for name, value in (("batch_size", batch_size), ("length_step", length_step)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    sub = _layer_model(model, layer)
    if isinstance(x, np.ndarray):
        return predict(sub, x, batch_size=batch_size)
    if not isinstance(x, (list, tuple)):
        raise TypeError(f"x must be an array of equal-length rows or a list of 1-D code arrays, "
                        f"got {type(x).__name__}")
    specs = input_specs(sub)
    if len(specs) != 1:
        raise ValueError(f"sequences of different lengths need a single-input model; this one has {sorted(specs)}")
    seqs = [encode.check_codes(s, ndim=(1,), name=f"sequence {i}") for i, s in enumerate(x)]
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    if (lengths == 0).any():
        raise ValueError(f"sequence {int(np.argmin(lengths))} is empty; every sequence needs at least one base")
    fixed = next(iter(specs.values()))[0]
    if fixed is not None and (lengths != fixed).any():
        raise ValueError(f"the model's input has a fixed length {fixed}, but the sequences have lengths "
                         f"{lengths.min()}..{lengths.max()}: rebuild it with a variable length "
                         "(genomenb.embed.variable_length_model)")
    if len(sub.output_shape) < 3 or (fixed is None and sub.output_shape[1] is not None):
        raise ValueError(f"layer {layer!r} has output shape {sub.output_shape}: no sequence axis to slice back")
    out: list[np.ndarray | None] = [None] * len(seqs)
    order = np.argsort(lengths, kind="stable")
    step = int(length_step)
    for lo in range(0, len(order), int(batch_size)):
        rows = order[lo:lo + int(batch_size)]
        width = int(lengths[rows].max()) if fixed is not None else -(-int(lengths[rows].max()) // step) * step
        block = encode.pad_codes([seqs[r] for r in rows], width, side="post")
        states = predict(sub, block, batch_size=batch_size)
        for j, r in enumerate(rows):
            out[r] = states[j, :lengths[r]].copy()
    return out
