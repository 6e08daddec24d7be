"""The few backend-specific pieces, behind one small adapter.

genomenb's models use ``keras.layers`` and ``keras.ops`` only and run under the
TensorFlow (default), JAX and PyTorch backends. What Keras does not abstract
lives here, one branch per backend: listing accelerators, the gradient of
a model's output with respect to one of its inputs (:func:`output_gradients`,
the one backend-specific step of :mod:`genomenb.interpret`), and data-parallel
training over several local devices under JAX (:func:`training_devices`,
:func:`data_parallel_distribution`, :func:`lay_out`; used by the epoch loop).
"""

from __future__ import annotations

import weakref
from typing import Mapping

import keras
import numpy as np

__all__ = ["backend_name", "accelerators", "keras_devices"]


def backend_name() -> str:
    """The active Keras backend: ``tensorflow``, ``jax`` or ``torch``."""
    return keras.backend.backend()


def accelerators() -> list[str]:
    """Human-readable names of the GPUs the active backend can use (empty on CPU-only machines)."""
    name = backend_name()
    if name == "tensorflow":
        import tensorflow as tf

        return [d.name for d in tf.config.list_physical_devices("GPU")]
    if name == "jax":
        import jax

        return [str(d) for d in jax.devices() if d.platform != "cpu"]
    if name == "torch":
        import torch

        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return []


def keras_devices() -> list[str]:
    """Device strings usable with ``keras.device(...)``: ``cpu:0`` plus one per GPU."""
    return ["cpu:0"] + [f"gpu:{i}" for i in range(len(accelerators()))]


# --------------------------------------------------------------------------- gradients for attribution

__all__ += ["output_gradients"]

# Compiled gradient functions, per model and differentiated input (weakly keyed: they go when the model goes).
_GRADIENT_FUNCTIONS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _input_names(model: keras.Model) -> list[str]:
    inputs = getattr(model, "inputs", None) or []
    return [t.name for t in inputs]


def output_gradients(model: keras.Model, x, weights: np.ndarray, *,
                     wrt: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of a weighted sum of a model's outputs with respect to one of its inputs.

    The objective is ``sum weights * model(x)`` (elementwise over the output,
    dropout off: ``training=False``); with one-hot rows in ``weights`` it is
    "one chosen output per sequence", and because rows do not interact in the
    forward pass, row ``i`` of the result is the gradient of row ``i``'s
    chosen output. Only the input named ``wrt`` is differentiated; the model's
    other inputs are fed as constants. This is the only backend-specific step
    of :mod:`genomenb.interpret`: TensorFlow records a ``tf.GradientTape``,
    JAX differentiates a stateless call with ``jax.grad`` (the other inputs
    held as constants), PyTorch runs ``torch.autograd.grad`` on an input that
    requires gradients.

    Parameters
    ----------
    model : keras.Model
        Any model with one output array (one input, or several named inputs).
    x : numpy.ndarray or mapping of str to numpy.ndarray
        What the model is fed: one array for a single-input model, or input
        name -> array, all with ``n`` rows. The differentiated input is cast
        to ``float32`` (one-hot or any real-valued input).
    weights : numpy.ndarray
        ``float32`` of the model's output shape, ``(n, T)`` or ``(n, ..., T)``.
    wrt : str, optional
        Name of the input to differentiate; required when ``x`` is a mapping
        of several inputs (a single input needs no name).

    Returns
    -------
    gradients : numpy.ndarray
        ``float32``, the shape of the differentiated input.
    outputs : numpy.ndarray
        ``float32``, the model's outputs at ``x``.
    """
    weights = np.ascontiguousarray(weights, dtype=np.float32)
    if isinstance(x, Mapping):
        if len(x) == 1 and wrt is None:
            wrt = next(iter(x))
        if wrt not in x:
            raise ValueError(f"wrt must name one of the inputs {sorted(x)}, got {wrt!r}")
        names = _input_names(model)
        if len(names) == 1 and len(x) == 1:
            wrt = names[0]  # a single input may be keyed by any name
            x = {wrt: next(iter(x.values()))}
        elif set(names) and set(names) != set(x):
            raise ValueError(f"the model's inputs are {sorted(names)}; got {sorted(x)}")
        inputs = {name: _as_fed(a, float32=name == wrt) for name, a in x.items()}
        rows = inputs[wrt].shape[0]
    else:
        if wrt is not None and len(_input_names(model)) > 1:
            raise ValueError("a model with several inputs needs x as a mapping of input name -> array")
        inputs = np.ascontiguousarray(x, dtype=np.float32)
        rows = inputs.shape[0]
    if weights.shape[0] != rows:
        raise ValueError(f"weights need one row per input row: {weights.shape[0]} vs {rows}")
    name = backend_name()
    if name == "tensorflow":
        return _tf_gradients(model, inputs, weights, wrt)
    if name == "jax":
        return _jax_gradients(model, inputs, weights, wrt)
    if name == "torch":
        return _torch_gradients(model, inputs, weights, wrt)
    raise NotImplementedError(f"no gradient adapter for the Keras backend {name!r}")


def _as_fed(array, *, float32: bool) -> np.ndarray:
    """A contiguous array: ``float32`` when differentiated or floating, integer codes kept as they are."""
    array = np.asarray(array)
    if float32 or array.dtype.kind == "f":
        return np.ascontiguousarray(array, dtype=np.float32)
    return np.ascontiguousarray(array)


def _split(inputs, wrt):
    """The differentiated array and the constant rest (``None`` for a single-input array)."""
    if isinstance(inputs, Mapping):
        return inputs[wrt], {k: v for k, v in inputs.items() if k != wrt}
    return inputs, None


def _join(target, others, wrt):
    return target if others is None else {**others, wrt: target}


def _cached(model, key, build):
    per_model = _GRADIENT_FUNCTIONS.setdefault(model, {})
    if key not in per_model:
        per_model[key] = build()
    return per_model[key]


def _tf_gradients(model, inputs, weights, wrt):
    import tensorflow as tf

    def build():
        @tf.function(reduce_retracing=True)
        def fn(target, others, w):
            with tf.GradientTape() as tape:
                tape.watch(target)
                y = model(_join(target, others, wrt), training=False)
                objective = tf.reduce_sum(y * w)
            return tape.gradient(objective, target), y

        return fn

    fn = _cached(model, wrt, build)
    target, others = _split(inputs, wrt)
    others = None if others is None else {k: tf.constant(v) for k, v in others.items()}
    grads, outputs = fn(tf.constant(target), others, tf.constant(weights))
    return grads.numpy().astype(np.float32, copy=False), outputs.numpy().astype(np.float32, copy=False)


def _jax_gradients(model, inputs, weights, wrt):
    import jax
    import jax.numpy as jnp

    def build():
        def objective(target, others, w, trainable, non_trainable):
            y, _ = model.stateless_call(trainable, non_trainable, _join(target, others, wrt), training=False)
            return jnp.sum(y * w), y

        return jax.jit(jax.grad(objective, has_aux=True))  # argument 0 only: the other inputs are constants

    fn = _cached(model, wrt, build)
    target, others = _split(inputs, wrt)
    others = None if others is None else {k: jnp.asarray(v) for k, v in others.items()}
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    grads, outputs = fn(jnp.asarray(target), others, jnp.asarray(weights), trainable, non_trainable)
    return np.asarray(grads, dtype=np.float32), np.asarray(outputs, dtype=np.float32)


def _torch_gradients(model, inputs, weights, wrt):
    import torch

    target, others = _split(inputs, wrt)
    with torch.enable_grad():
        xt = keras.ops.convert_to_tensor(target).detach().clone().requires_grad_(True)
        rest = None if others is None else {k: keras.ops.convert_to_tensor(v) for k, v in others.items()}
        wt = keras.ops.convert_to_tensor(weights)
        y = model(_join(xt, rest, wrt), training=False)
        (grads,) = torch.autograd.grad((y * wt).sum(), xt)
    return grads.detach().cpu().numpy().astype(np.float32), y.detach().cpu().numpy().astype(np.float32)


# --------------------------------------------------------------------------- data-parallel training

__all__ += ["training_devices", "data_parallel_distribution", "lay_out"]


def training_devices(devices: int | None, batch_size: int) -> int:
    """How many local devices a training step is split over.

    Parameters
    ----------
    devices : int or None
        ``None``: every device the JAX backend sees (the largest count that
        divides ``batch_size``); 1 under TensorFlow and PyTorch. An int asks
        for exactly that many (more than 1 needs JAX).
    batch_size : int
        Examples per step; every device gets ``batch_size / devices`` of them.
    """
    if devices is not None and (isinstance(devices, bool) or not isinstance(devices, (int, np.integer))
                                or devices < 1):
        raise ValueError(f"devices must be a positive int or None (all devices), got {devices!r}")
    if backend_name() != "jax":
        if devices is not None and devices > 1:
            raise ValueError(f"training on {devices} devices uses Keras' distribution API, which genomenb runs under "
                             f"the JAX backend (KERAS_BACKEND=jax); this is {backend_name()}")
        return 1
    import jax

    available = len(jax.devices())
    if devices is None:
        n = available
        while batch_size % n:
            n -= 1
        return n
    if devices > available:
        raise ValueError(f"{devices} devices asked for, JAX sees {available}: {jax.devices()}")
    if batch_size % devices:
        raise ValueError(f"batch_size {batch_size} does not split evenly over {devices} devices")
    return int(devices)


def data_parallel_distribution(devices: int):
    """``keras.distribution.DataParallel`` over the first ``devices`` JAX devices (``None`` for one device).

    Inside ``distribution.scope()``, :meth:`keras.Model.fit` splits every
    batch across the devices and averages the gradients: the same step as on
    one device, up to the order of floating-point sums.
    """
    if devices <= 1:
        return None
    import jax

    return keras.distribution.DataParallel(devices=jax.devices()[:devices])


def lay_out(model: keras.Model, distribution) -> None:
    """Replicate a model's existing variables (weights, optimizer, metrics) as ``distribution`` lays them out.

    Variables created inside ``distribution.scope()`` get their layout at
    creation; a model built (or loaded from a checkpoint) before training
    started needs its variables placed again. Keras has no public call for
    this, so it is done here, the one backend-specific module: each JAX
    variable gets the distribution's layout and its value is re-assigned
    (which distributes it).
    """
    optimizer = getattr(model, "optimizer", None)
    variables = [*model.variables, *(optimizer.variables if optimizer is not None else []),
                 *getattr(model, "metrics_variables", [])]
    seen = set()
    for v in variables:
        if id(v) in seen:
            continue
        seen.add(id(v))
        v._layout = distribution.get_variable_layout(v)
        v._direct_assign(v.value)
