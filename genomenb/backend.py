"""The few backend-specific pieces, behind one small adapter.

genomenb's models use ``keras.layers`` and ``keras.ops`` only and run under the
TensorFlow (default), JAX and PyTorch backends. What Keras does not abstract
lives here, one branch per backend: listing accelerators, and the gradient of
a model's output with respect to its input (:func:`output_gradients`, the
one backend-specific step of :mod:`genomenb.interpret`).
"""

from __future__ import annotations

import weakref

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

# Compiled gradient functions, one per model (weakly keyed: they go when the model goes).
_GRADIENT_FUNCTIONS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def output_gradients(model: keras.Model, x: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of a weighted sum of a model's outputs with respect to its input.

    The objective is ``sum_{i,t} weights[i, t] * model(x)[i, t]`` with dropout
    off (``training=False``); with one-hot rows in ``weights`` it is "one
    chosen output per sequence", and because sequences do not interact in the
    forward pass, row ``i`` of the result is the gradient of sequence ``i``'s
    chosen output. This is the only backend-specific step of
    :mod:`genomenb.interpret`: TensorFlow records a ``tf.GradientTape``, JAX
    differentiates a stateless call with ``jax.grad``, PyTorch runs
    ``torch.autograd.grad`` on an input that requires gradients.

    Parameters
    ----------
    model : keras.Model
        Any model with one input and one ``(batch, T)`` output.
    x : numpy.ndarray
        ``float32`` ``(n, L, 4)`` (one-hot or any real-valued input).
    weights : numpy.ndarray
        ``float32`` ``(n, T)``.

    Returns
    -------
    gradients : numpy.ndarray
        ``float32`` ``(n, L, 4)``.
    outputs : numpy.ndarray
        ``float32`` ``(n, T)``, the model's outputs at ``x``.
    """
    x = np.ascontiguousarray(x, dtype=np.float32)
    weights = np.ascontiguousarray(weights, dtype=np.float32)
    if weights.shape[0] != x.shape[0]:
        raise ValueError(f"weights need one row per input: {weights.shape} vs {x.shape}")
    name = backend_name()
    if name == "tensorflow":
        return _tf_gradients(model, x, weights)
    if name == "jax":
        return _jax_gradients(model, x, weights)
    if name == "torch":
        return _torch_gradients(model, x, weights)
    raise NotImplementedError(f"no gradient adapter for the Keras backend {name!r}")


def _tf_gradients(model, x, weights):
    import tensorflow as tf

    fn = _GRADIENT_FUNCTIONS.get(model)
    if fn is None:
        @tf.function(reduce_retracing=True)
        def fn(x, w):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = model(x, training=False)
                objective = tf.reduce_sum(y * w)
            return tape.gradient(objective, x), y

        _GRADIENT_FUNCTIONS[model] = fn
    grads, outputs = fn(tf.constant(x), tf.constant(weights))
    return grads.numpy(), outputs.numpy()


def _jax_gradients(model, x, weights):
    import jax
    import jax.numpy as jnp

    fn = _GRADIENT_FUNCTIONS.get(model)
    if fn is None:
        def objective(x, w, trainable, non_trainable):
            y, _ = model.stateless_call(trainable, non_trainable, x, training=False)
            return jnp.sum(y * w), y

        fn = jax.jit(jax.grad(objective, has_aux=True))
        _GRADIENT_FUNCTIONS[model] = fn
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    grads, outputs = fn(jnp.asarray(x), jnp.asarray(weights), trainable, non_trainable)
    return np.asarray(grads, dtype=np.float32), np.asarray(outputs, dtype=np.float32)


def _torch_gradients(model, x, weights):
    import torch

    with torch.enable_grad():
        xt = keras.ops.convert_to_tensor(x).detach().clone().requires_grad_(True)
        wt = keras.ops.convert_to_tensor(weights)
        y = model(xt, training=False)
        (grads,) = torch.autograd.grad((y * wt).sum(), xt)
    return grads.detach().cpu().numpy().astype(np.float32), y.detach().cpu().numpy().astype(np.float32)
