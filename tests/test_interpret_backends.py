"""The JAX and PyTorch gradient adapters give the same attribution maps as TensorFlow on the same weights.

Keras picks its backend once per process, so every backend runs in its own
subprocess with ``KERAS_BACKEND`` set. The TensorFlow run builds three small
models (a DeepSEA-style CNN, a bidirectional GRU, and a two-input model: a
one-hot promoter through Conv1D beside a regulator vector, one regression
output), saves their weights to ``.weights.h5`` files, and every backend
(TensorFlow included) loads those weights into the same architectures and
writes its maps to an ``.npz`` file. The two-input maps differentiate the
promoter only, the regulators held fixed (a dict input to
:func:`genomenb.backend.output_gradients` with ``wrt``). A backend whose
package is not installed is skipped with the reason.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = r"""
import json, sys
import numpy as np
import keras
from genomenb.interpret import attribution, motifs, optimization, perturbation
from genomenb.encode import one_hot
from genomenb.models.multitask import build_bigru_multitask, build_deepsea_cnn
from genomenb.predict import predict

folder, create = sys.argv[1], sys.argv[2] == "create"
sys.path.insert(0, sys.argv[3])  # the tests folder: the shared two-input model
from interpret_models import two_input_data, two_input_model

models = {
    "cnn": build_deepsea_cnn(24, 3, filters=(6, 5, 4), kernel=5, pool=2, dense_units=8, padding="same"),
    "bigru": build_bigru_multitask(24, 3, units=5, n_layers=1),
    "two_input": two_input_model(20, 3),
}
for name, model in models.items():
    path = f"{folder}/{name}.weights.h5"
    if create:
        keras.utils.set_random_seed(7)
        # scale up the random weights so the maps are far from zero everywhere
        model.set_weights([w * 2.0 for w in model.get_weights()])
        model.save_weights(path)
    model.load_weights(path)  # every backend, TensorFlow too, computes from the saved file
rng = np.random.default_rng(3)
codes = rng.integers(0, 4, size=(5, 24)).astype(np.uint8)
codes[0, 3] = 4  # an N
x = one_hot(codes)
tasks = np.array([0, 1, 2, 0, 1])
maps = {}
for name in ("cnn", "bigru"):
    model = models[name]
    maps[f"{name}_probability"] = predict(model, x, output="probability")
    maps[f"{name}_saliency"] = attribution.saliency(model, x, tasks)
    maps[f"{name}_gradient_probability"] = attribution.input_gradients(model, x, tasks, output="probability")
    maps[f"{name}_ism"] = perturbation.in_silico_mutagenesis(model, x, tasks)
    maps[f"{name}_temporal"] = perturbation.temporal_scores(model, x, tasks, step=4)[0]
    maps[f"{name}_optimized"] = optimization.class_optimization(model, 1, steps=5, n_starts=2).input
maps["cnn_filters"] = motifs.filter_pwms(models["cnn"], x).counts
maps["cnn_knockout"] = perturbation.filter_knockout(models["cnn"], x, filters=[0, (1, 2)], task=tasks)
two_codes, levels = two_input_data(n=5, length=20, regulators=3, seed=4)
inputs = {"promoter": one_hot(two_codes), "regulators": levels}
two = models["two_input"]
maps["two_input_output"] = predict(two, inputs)
maps["two_input_saliency"] = attribution.saliency(two, inputs, 0)
maps["two_input_gradient"] = attribution.input_gradients(two, inputs, 0, sequence_input="promoter")
maps["two_input_ism"] = perturbation.in_silico_mutagenesis(two, inputs, 0)
maps["two_input_knockout"] = perturbation.filter_knockout(two, inputs, "conv", mode="activation", task=0)
maps["two_input_optimized"] = optimization.class_optimization(two, 0, steps=5, n_starts=2,
                                                              context={"regulators": levels[0]}).input
np.savez(f"{folder}/{keras.backend.backend()}.npz", **maps)
print("RESULT " + json.dumps({"backend": keras.backend.backend()}))
"""

BACKENDS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
TESTS = Path(__file__).resolve().parent


def _run(backend: str, folder, create: bool) -> dict:
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(folder), "create" if create else "load", str(TESTS)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    assert json.loads(line[len("RESULT "):])["backend"] == backend
    return dict(np.load(folder / f"{backend}.npz"))


@pytest.fixture(scope="module")
def tensorflow_maps(tmp_path_factory):
    if importlib.util.find_spec("tensorflow") is None:
        pytest.skip("TensorFlow is not installed; it writes the reference weights")
    folder = tmp_path_factory.mktemp("interpret_backends")
    return folder, _run("tensorflow", folder, create=True)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_backend_maps_match_tensorflow(backend, tensorflow_maps):
    if importlib.util.find_spec(BACKENDS[backend]) is None:
        pytest.skip(f"Keras backend {backend!r} is not installed (pip install -r requirements-backends.txt)")
    folder, reference = tensorflow_maps
    maps = _run(backend, folder, create=False)
    assert set(maps) == set(reference)
    for key, ref in reference.items():
        got = maps[key]
        assert got.shape == ref.shape, key
        scale = max(float(np.abs(ref).max()), 1e-6)
        # float32 arithmetic in a different order: measured ~1e-6 of the map's scale
        np.testing.assert_allclose(got, ref, rtol=0, atol=2e-5 * scale, err_msg=key)
        print(f"{backend} {key}: max |difference| / max |TensorFlow| = {np.abs(got - ref).max() / scale:.1e}")
        assert np.abs(ref).max() > 0, f"{key} is all zero: the comparison would be empty"

