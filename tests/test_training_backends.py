"""The two-input regression model trains, checkpoints and resumes with identical numbers under every backend."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = r"""
import json, sys
import numpy as np
import keras
sys.path.insert(0, sys.argv[2])
from tiny_models import two_input_data, two_input_regressor
from genomenb.predict import predict
from genomenb.training import train_supervised

x, y = two_input_data(96)
xv, yv = two_input_data(32, seed=1)
def fit(folder, epochs):
    return train_supervised(two_input_regressor(), x, y, xv, yv, target="regression", epochs=epochs, batch_size=16,
                            learning_rate=0.02, checkpoint_dir=folder, seed=3, track={"valid": xv}, verbose=0)
reference = fit(sys.argv[1] + "/reference", 3)
fit(sys.argv[1] + "/run", 1)           # one epoch, then the process "stops"
resumed = fit(sys.argv[1] + "/run", 3)  # and a rerun continues after it
cols = ["loss", "val_loss", "val_pearson_r"]
weights_equal = all(np.allclose(a, b, rtol=1e-5, atol=1e-6)
                    for a, b in zip(resumed.model.get_weights(), reference.model.get_weights()))
print("RESULT " + json.dumps({
    "backend": keras.backend.backend(), "resumed_from": resumed.resumed_from_epoch,
    "history_equal": bool(np.allclose(resumed.history[cols].to_numpy(), reference.history[cols].to_numpy(),
                                      rtol=1e-5)),
    "weights_equal": bool(weights_equal), "best_pearson": float(reference.history.val_pearson_r.max()),
    "prediction_shape": list(predict(reference.model, xv).shape)}))
"""

BACKENDS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_two_input_model_trains_and_resumes_identically_under_backend(backend, tmp_path):
    if importlib.util.find_spec(BACKENDS[backend]) is None:
        pytest.skip(f"{backend} is not installed (pip install -r requirements-backends.txt)")
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), str(Path(__file__).parent)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    assert result["backend"] == backend
    assert result["resumed_from"] == 1
    assert result["history_equal"] and result["weights_equal"]
    assert result["best_pearson"] > 0.5
    assert result["prediction_shape"] == [32, 1]
