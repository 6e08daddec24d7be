"""The machine a notebook ran on, and the seed's CPU-versus-GPU timing check."""

from __future__ import annotations

import os
import platform
import time
from importlib import metadata

import numpy as np

__all__ = ["environment_report", "time_convolution", "device_timings"]

_REPORTED = ("genomenb", "numpy", "pandas", "keras", "tensorflow", "tensorflow-cpu", "jax", "torch",
             "scikit-learn", "h5py", "matplotlib", "papermill", "jupyter-book")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return float("nan")


def environment_report() -> dict[str, str]:
    """Versions, CPU, memory, Keras backend and accelerators, as a flat dict of strings."""
    from genomenb import backend

    report = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_cores": str(os.cpu_count()),
        "memory_gib": f"{_memory_gib():.1f}",
        "keras_backend": backend.backend_name(),
        "accelerators": ", ".join(backend.accelerators()) or "none",
    }
    for dist in _REPORTED:
        try:
            report[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return report


def time_convolution(device: str, *, batch: int = 100, size: int = 100, channels: int = 3,
                     filters: int = 32, kernel: int = 7, repeats: int = 3, seed: int = 0) -> float:
    """Best-of-``repeats`` seconds for one 2-D convolution on ``device``.

    The seed study's check: ``filters`` filters of ``kernel x kernel x channels``
    over a random ``(batch, size, size, channels)`` tensor. One untimed warm-up
    call absorbs compilation and transfers; the result is reduced to a scalar
    and copied to the host so asynchronous devices are really finished.
    """
    import keras

    rng = np.random.default_rng(seed)
    x_host = rng.standard_normal((batch, size, size, channels), dtype=np.float32)
    w_host = rng.standard_normal((kernel, kernel, channels, filters), dtype=np.float32)
    with keras.device(device):
        x = keras.ops.convert_to_tensor(x_host)
        w = keras.ops.convert_to_tensor(w_host)

        def once() -> float:
            return float(keras.ops.convert_to_numpy(keras.ops.sum(keras.ops.conv(x, w, padding="same"))))

        once()
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            once()
            best = min(best, time.perf_counter() - t0)
    return best


def device_timings(**conv_kwargs) -> dict[str, float]:
    """:func:`time_convolution` on every device the active backend can use."""
    from genomenb import backend

    return {dev: time_convolution(dev, **conv_kwargs) for dev in backend.keras_devices()}
