"""The same language model trains for one epoch under every installed Keras backend.

Each backend runs in its own subprocess (Keras picks its backend once per
process, from ``KERAS_BACKEND``). A backend whose package is not installed is
skipped with the reason; install the optional ones with
``pip install -r requirements-backends.txt``.
"""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

BACKEND_PACKAGES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}

SCRIPT = r"""
import json, sys
import keras
from genomenb import training
from genomenb.data import toy_genomes
from genomenb.data.splits import split_genome
from genomenb.models.charlm import CharLMConfig

split = split_genome([toy_genomes.simulated_random_genome(1500, seed=2)])
config = CharLMConfig(cell=sys.argv[2], num_layers=1, hidden_size=8, embedding_dim=4)
tc = training.TrainConfig(seq_len=16, batch_size=8, epochs=1, learning_rate=0.01, seed=0)
result = training.train_language_model(split, config, tc, sys.argv[1], verbose=0)
reloaded = training.train_language_model(split, config, tc, sys.argv[1], verbose=0)
print("RESULT " + json.dumps({"backend": keras.backend.backend(), "loss": result.final["loss"],
                              "heldout_perplexity": result.final["heldout_perplexity"],
                              "reloaded_epochs": reloaded.resumed_from_epoch}))
"""


@pytest.mark.parametrize("backend, cell", [("tensorflow", "gru"), ("jax", "lstm"), ("torch", "gru")])
def test_language_model_trains_one_epoch_under_backend(backend, cell, tmp_path):
    if importlib.util.find_spec(BACKEND_PACKAGES[backend]) is None:
        pytest.skip(f"Keras backend {backend!r} is not installed (pip install -r requirements-backends.txt)")
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "ckpt"), cell], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    assert result["backend"] == backend
    assert 1.0 < result["loss"] < 2.0  # nats; ln 4 = 1.386 for a random genome
    assert 3.5 < result["heldout_perplexity"] < 5.0
    assert result["reloaded_epochs"] == 1  # the .keras checkpoint reopens under the same backend
