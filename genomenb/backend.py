"""The few backend-specific pieces, behind one small adapter.

genomenb's models use ``keras.layers`` and ``keras.ops`` only and run under the
TensorFlow (default), JAX and PyTorch backends. What Keras does not abstract
(listing accelerators) lives here, one branch per backend.
"""

from __future__ import annotations

import keras

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
