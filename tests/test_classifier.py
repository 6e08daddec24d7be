"""The bidirectional-LSTM classifier: shapes, padding, configuration, training through the core loop, saving."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from genomenb.encode import pad_codes
from genomenb.models.classifier import (
    PAD_CODE,
    ClassifierConfig,
    build_bilstm_classifier,
    compile_bilstm_classifier,
)
from genomenb.predict import predict
from genomenb.training import train_supervised

TINY = {"embedding_dim": 4, "units": 6, "layers": 2, "dropout": 0.1}


def composition_data(n: int, length: int = 24, seed: int = 0):
    """GC-rich (label 1) and AT-rich (label 0) sequences of 12..length bases, pre-padded with N."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    probs = {0: [0.4, 0.1, 0.1, 0.4], 1: [0.1, 0.4, 0.4, 0.1]}
    seqs = [rng.choice(4, size=int(rng.integers(12, length + 1)), p=probs[int(y)]) for y in labels]
    return pad_codes(seqs, length), labels


# --------------------------------------------------------------------------- padding


def test_pad_codes_pre_pads_with_n_and_truncates_the_start_by_default():
    out = pad_codes([[0, 1], [0, 1, 2, 3, 0], [], [3, 2, 1]], 3)
    assert out.dtype == np.uint8 and out.shape == (4, 3)
    assert out.tolist() == [[4, 0, 1], [2, 3, 0], [4, 4, 4], [3, 2, 1]]
    assert PAD_CODE == 4  # never 0, which is A


def test_pad_codes_post_sides_text_input_and_pad_value():
    seqs = [np.array([0, 1], dtype=np.uint8), np.array([0, 1, 2, 3, 0])]
    assert pad_codes(seqs, 3, side="post").tolist() == [[0, 1, 4], [2, 3, 0]]
    assert pad_codes(seqs, 3, truncate="post").tolist() == [[4, 0, 1], [0, 1, 2]]
    assert pad_codes(seqs, 3, side="post", truncate="post").tolist() == [[0, 1, 4], [0, 1, 2]]
    assert pad_codes(["acg", b"TTTTT", "AR"], 4).tolist() == [[4, 0, 1, 2], [3, 3, 3, 3], [4, 4, 0, 4]]
    assert pad_codes([[1]], 2, pad_value=0).tolist() == [[0, 1]]
    assert pad_codes([], 5).shape == (0, 5)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"length": 0}, ValueError, "length must be >= 1"),
    ({"length": 2.0}, TypeError, "length must be an int"),
    ({"side": "left"}, ValueError, "side must be 'pre' or 'post'"),
    ({"truncate": "middle"}, ValueError, "truncate must be 'pre' or 'post'"),
    ({"pad_value": 5}, ValueError, "pad_value must be between 0 and 4"),
])
def test_pad_codes_rejects_bad_arguments(kwargs, error, match):
    args = {"seqs": [[0, 1]], "length": 3, **kwargs}
    with pytest.raises(error, match=match):
        pad_codes(args.pop("seqs"), args.pop("length"), **args)


def test_pad_codes_rejects_bad_sequences():
    with pytest.raises(ValueError, match=r"seqs\[1\] must hold codes 0..4"):
        pad_codes([[0, 1], [0, 7]], 3)
    with pytest.raises(ValueError, match=r"seqs\[0\] must be 1-D"):
        pad_codes([np.zeros((2, 2), dtype=np.uint8)], 3)
    with pytest.raises(TypeError, match="not one sequence"):
        pad_codes("ACGT", 3)


# --------------------------------------------------------------------------- configuration and shapes


def test_default_config_is_the_seed_architecture():
    config = ClassifierConfig()
    assert (config.embedding_dim, config.units, config.layers, config.dropout, config.n_classes) == (50, 62, 2, 0.18, 1)
    assert config.target == "multilabel" and ClassifierConfig(n_classes=4).target == "multiclass"
    model = build_bilstm_classifier(config, seq_len=900)
    assert model.input_shape == (None, 900) and model.output_shape == (None, 1)
    # embedding 5 x 50; BiLSTM 2 x 4 x 62 x (50 + 62 + 1); BiLSTM 2 x 4 x 62 x (124 + 62 + 1); dense 124 + 1
    assert model.count_params() == 250 + 56_048 + 92_752 + 125
    assert [layer.name for layer in model.layers][1:] == ["embedding", "bilstm_1", "dropout_1", "bilstm_2",
                                                          "dropout_2", "probabilities"]
    assert config.as_dict()["units"] == 62


@pytest.mark.parametrize("kwargs, error, match", [
    ({"layers": 0}, ValueError, "layers must be between 1 and 4"),
    ({"layers": 5}, ValueError, "layers must be between 1 and 4"),
    ({"units": 0}, ValueError, "units must be >= 1"),
    ({"units": 2.5}, TypeError, "units must be an int"),
    ({"embedding_dim": True}, TypeError, "embedding_dim must be an int"),
    ({"n_classes": 0}, ValueError, "n_classes must be >= 1"),
    ({"dropout": 1.0}, ValueError, r"dropout must be in \[0, 1\)"),
    ({"dropout": -0.1}, ValueError, r"dropout must be in \[0, 1\)"),
    ({"dropout": "0.2"}, TypeError, "dropout must be a float"),
    ({"seq_len": 0}, ValueError, "seq_len must be >= 1"),
    ({"seq_len": 20, "input_len": 10}, ValueError, "needs a seq_len of at most input_len"),
    ({"input_len": 10}, ValueError, "needs a seq_len of at most input_len"),
])
def test_config_validation(kwargs, error, match):
    with pytest.raises(error, match=match):
        ClassifierConfig(**kwargs)


def test_build_rejects_a_bad_config_and_length():
    with pytest.raises(TypeError, match="config must be a ClassifierConfig"):
        build_bilstm_classifier({"units": 4})
    with pytest.raises(ValueError, match="seq_len must be >= 1"):
        build_bilstm_classifier(ClassifierConfig(**TINY), seq_len=0)


def test_binary_and_multiclass_shapes_and_dtypes():
    x, _ = composition_data(10, length=16)
    binary = build_bilstm_classifier(ClassifierConfig(**TINY, seq_len=16))
    assert binary.input.name == "codes" and binary.input.dtype == "int32"
    p = predict(binary, x, batch_size=8)
    assert p.dtype == np.float32 and p.shape == (10, 1) and ((p > 0) & (p < 1)).all()
    multi = build_bilstm_classifier(ClassifierConfig(**{**TINY, "layers": 1}, n_classes=3))  # any length
    assert multi.input_shape == (None, None) and multi.output_shape == (None, 3)
    for length in (7, 16):
        q = predict(multi, x[:, -length:], batch_size=8)
        assert q.dtype == np.float32 and q.shape == (10, 3)
        np.testing.assert_allclose(q.sum(axis=1), 1.0, rtol=1e-5)


def test_input_len_reads_the_last_seq_len_codes_like_pad_codes():
    """A model cropping a wide array gives what the same weights give on the array padded to seq_len."""
    from genomenb.encode import pad_codes

    rng = np.random.default_rng(3)
    seqs = ["".join(rng.choice(list("ACGT"), n)) for n in (5, 12, 30)]
    keras.utils.set_random_seed(0)
    wide = build_bilstm_classifier(ClassifierConfig(**TINY, seq_len=12, input_len=30))
    narrow = build_bilstm_classifier(ClassifierConfig(**TINY, seq_len=12))
    assert wide.input_shape == (None, 30) and narrow.input_shape == (None, 12)
    narrow.set_weights(wide.get_weights())
    np.testing.assert_allclose(predict(wide, pad_codes(seqs, 30)), predict(narrow, pad_codes(seqs, 12)), rtol=1e-5)
    assert not np.allclose(predict(wide, pad_codes(seqs, 30)), predict(narrow, pad_codes(seqs, 12)[:, ::-1]))


def test_compile_helper_uses_the_loss_of_the_output():
    binary = compile_bilstm_classifier(build_bilstm_classifier(ClassifierConfig(**TINY, seq_len=8)), jit_compile=False)
    assert binary.loss.__name__ == "masked_binary_crossentropy"
    multi = compile_bilstm_classifier(build_bilstm_classifier(ClassifierConfig(**TINY, n_classes=3, seq_len=8)),
                                      jit_compile=False)
    assert multi.loss == "sparse_categorical_crossentropy"
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        compile_bilstm_classifier(multi, 0.0)


# --------------------------------------------------------------------------- training through the core loop


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A small binary classifier trained by train_supervised on GC-rich vs AT-rich sequences."""
    x, y = composition_data(320, seed=0)
    xv, yv = composition_data(128, seed=1)
    keras.utils.set_random_seed(0)
    model = build_bilstm_classifier(ClassifierConfig(**TINY, seq_len=x.shape[1]))
    folder = tmp_path_factory.mktemp("bilstm")
    result = train_supervised(model, x, y[:, None], xv, yv[:, None], target="multilabel", epochs=2, batch_size=32,
                              learning_rate=0.01, checkpoint_dir=folder / "run", seed=0, verbose=0)
    return result, xv, yv, folder


def test_learns_gc_rich_from_at_rich_through_train_supervised(trained):
    result, xv, yv, _ = trained
    assert list(result.history.epoch) == [1, 2]
    assert result.history.val_loss.iloc[-1] < np.log(2)
    accuracy = float(((predict(result.model, xv)[:, 0] > 0.5) == yv).mean())
    assert accuracy > 0.9, accuracy


def test_saved_model_gives_identical_predictions(trained):
    result, xv, _, folder = trained
    path = folder / "classifier.keras"
    result.model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(predict(loaded, xv), predict(result.model, xv))


# --------------------------------------------------------------------------- other backends

SCRIPT = r"""
import json, sys
import numpy as np
import keras
sys.path.insert(0, sys.argv[2])
from test_classifier import TINY, composition_data
from genomenb.models.classifier import ClassifierConfig, build_bilstm_classifier
from genomenb.predict import predict
from genomenb.training import train_supervised

x, _ = composition_data(32, length=12)
xv, _ = composition_data(16, length=12, seed=1)
y, yv = (x == 0).sum(axis=1) % 3, (xv == 0).sum(axis=1) % 3  # three classes
keras.utils.set_random_seed(0)
model = build_bilstm_classifier(ClassifierConfig(**{**TINY, "layers": 1}, n_classes=3, seq_len=12))
result = train_supervised(model, x, y, xv, yv, target="multiclass", epochs=1, batch_size=16, class_weight=True,
                          checkpoint_dir=sys.argv[1] + "/run", seed=0, predict_batch_size=16, verbose=0)
result.model.save(sys.argv[1] + "/multi.keras")
loaded = keras.models.load_model(sys.argv[1] + "/multi.keras")
probs = predict(result.model, xv, batch_size=16)
print("RESULT " + json.dumps({
    "backend": keras.backend.backend(), "shape": list(probs.shape), "val_loss": float(result.history.val_loss.iloc[-1]),
    "reloaded_equal": bool(np.allclose(predict(loaded, xv, batch_size=16), probs, rtol=1e-6, atol=1e-7))}))
"""


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_trains_and_reloads_under_backend(backend, tmp_path):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed (pip install -r requirements-backends.txt)")
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), os.path.dirname(__file__)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    assert result["backend"] == backend
    assert result["shape"] == [16, 3]
    assert np.isfinite(result["val_loss"]) and result["reloaded_equal"]
