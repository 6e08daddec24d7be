"""The three multitask model families train one step, and `train_supervised` runs and reloads, under every backend."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

SCRIPT = r"""
import json
import numpy as np
import keras
from genomenb.encode import one_hot
from genomenb.models.losses import masked_binary_crossentropy
from genomenb.models.multitask import build_multitask_model

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = one_hot(rng.integers(0, 5, size=(16, 40)).astype(np.uint8))
y = np.where(rng.random((16, 3)) < 0.3, 1.0, 0.0).astype(np.float32)
y[::2, 1] = -1  # some unlabelled tasks
sizes = {
    "bigru": {"units": 4},
    "deepsea": {"filters": (4, 4, 4), "dense_units": 8, "padding": "same"},
    "danq": {"filters": 4, "kernel": 9, "pool": 4, "lstm_units": 4, "dense_units": 8},
}
losses = {}
for family, kw in sizes.items():
    model = build_multitask_model(family, 40, 3, **kw)
    model.compile(keras.optimizers.Adam(1e-3), loss=masked_binary_crossentropy)
    hist = model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    losses[family] = float(hist.history["loss"][0])

# the training loop of the chapters: one epoch, a tracked array, then a reload from the .keras checkpoint
import tempfile
from genomenb.predict import predict
from genomenb.training import train_supervised
codes = rng.integers(0, 5, size=(16, 40)).astype(np.uint8)
ckpt = tempfile.mkdtemp()
runs = []
for _ in range(2):
    keras.utils.set_random_seed(0)
    model = build_multitask_model("bigru", 40, 3, units=4)
    runs.append(train_supervised(model, codes, y, codes[:8], y[:8], target="multilabel", epochs=1, batch_size=8,
                                 checkpoint_dir=ckpt, track={"valid": codes[:8]}, verbose=0))
probs = predict(runs[1].model, codes[:8], reverse_complement_average=True)
print(json.dumps({"backend": keras.backend.backend(), "losses": losses,
                  "val_loss": float(runs[0].history.val_loss[0]), "reloaded_epochs": runs[1].resumed_from_epoch,
                  "tracked_shape": list(runs[0].epoch_predictions["valid"].shape),
                  "same_after_reload": bool(np.allclose(probs, predict(runs[0].model, codes[:8],
                                                        reverse_complement_average=True), atol=1e-6))}))
"""

BACKENDS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_model_families_train_one_step(backend):
    if importlib.util.find_spec(BACKENDS[backend]) is None:
        pytest.skip(f"{backend} is not installed (pip install -r requirements-backends.txt)")
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["backend"] == backend
    for family, loss in result["losses"].items():
        assert 0.0 < loss < 5.0, (family, loss)
    assert 0.0 < result["val_loss"] < 5.0
    assert result["reloaded_epochs"] == 1 and result["tracked_shape"] == [1, 8, 3]
    assert result["same_after_reload"]
