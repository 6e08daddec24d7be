"""DeepRAGE: block-wise shapes of every join, the join layers' arithmetic, sizes, checkpoints, knockout, backends.

Promoters, regulator matrices and targets here are random (simulated), seeded.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from genomenb.interpret.motifs import first_conv_layer  # noqa: E402
from genomenb.interpret.perturbation import filter_knockout  # noqa: E402
from genomenb.models import deeprage  # noqa: E402
from genomenb.models.deeprage import DeepRageConfig, build_deeprage, join_memory, join_parameters  # noqa: E402
from genomenb.predict import predict  # noqa: E402

L, C, R = 40, 5, 7
TINY = {"seq_len": L, "filters": 6, "kernel": 5, "pool": 4, "regulator_units": 4, "rank": 3, "rnn_units": 3,
        "dense_units": (8,), "dropout": 0.1}


def _regulators(seed=0, c=C):
    return np.random.default_rng(seed).integers(-1, 2, size=(c, R)).astype(np.float32)


def _codes(n, seed=0):
    return np.random.default_rng(seed).integers(0, 4, size=(n, L)).astype(np.uint8)


def _model(join, output="regression", seed=0, **sizes):
    keras.utils.set_random_seed(seed)
    return build_deeprage(DeepRageConfig(join=join, output=output, **{**TINY, **sizes}), _regulators())


@pytest.mark.parametrize("join", deeprage.JOINS)
@pytest.mark.parametrize("output", deeprage.OUTPUTS)
def test_every_join_predicts_every_condition_block_wise(join, output):
    model = _model(join, output)
    codes = _codes(9)
    got = predict(model, {"promoter": codes}, batch_size=4)
    assert got.shape == ((9, C) if output == "regression" else (9, C, 3)) and np.isfinite(got).all()
    if output == "classes":
        np.testing.assert_allclose(got.sum(axis=-1), 1.0, rtol=1e-5)
    # a gene's prediction does not depend on the other genes of its batch
    np.testing.assert_allclose(predict(model, codes[3:4]), got[3:4], rtol=1e-5, atol=1e-6)
    layers = {layer.name for layer in model.layers}
    assert ("regulators" in layers) == (join != "promoter_only")
    assert ("promoter_conv" in layers) == (join != "regulator_only")
    spread = np.ptp(got, axis=0).max()  # how much genes differ within a condition
    if join == "regulator_only":
        assert spread < 1e-6  # no per-gene term at all (rounding of different batches only)
    else:
        assert spread > 1e-4


def test_join_layers_compute_what_the_paper_writes():
    rng = np.random.default_rng(1)
    p2, p3, g = rng.normal(size=(2, 6)), rng.normal(size=(2, 3, 6)), rng.normal(size=(4, 5))
    concat = keras.ops.convert_to_numpy(deeprage.PairConcat()([p3.astype("float32"), g.astype("float32")]))
    assert concat.shape == (2, 4, 3, 11)
    np.testing.assert_allclose(concat[1, 2, 0], np.concatenate([p3[1, 0], g[2]]), rtol=1e-6)
    pooled = deeprage.PairBilinear(7)
    got = keras.ops.convert_to_numpy(pooled([p2.astype("float32"), g.astype("float32")]))
    kernel, bias = (keras.ops.convert_to_numpy(w) for w in (pooled.kernel, pooled.bias))
    outer = np.einsum("bf,ch->bcfh", p2, g).reshape(2, 4, 30)  # the pooled tensor product, flattened
    np.testing.assert_allclose(got, outer @ kernel.reshape(30, 7) + bias, rtol=1e-4, atol=1e-5)
    u, v = rng.normal(size=(2, 3, 5)), g
    factorized = deeprage.PairBilinear(7)
    got = keras.ops.convert_to_numpy(factorized([u.astype("float32"), v.astype("float32")]))
    kernel = keras.ops.convert_to_numpy(factorized.kernel)
    flat = np.einsum("blr,cr->bclr", u, v).reshape(2, 4, 15)  # the factorized product over positions, flattened
    np.testing.assert_allclose(got, flat @ kernel.reshape(15, 7), rtol=1e-4, atol=1e-5)
    prod = keras.ops.convert_to_numpy(deeprage.PairProduct()([u.astype("float32"), v.astype("float32")]))
    np.testing.assert_allclose(prod, np.einsum("blr,cr->bclr", u, v), rtol=1e-5)
    folded = deeprage.FoldPairs()(prod)
    assert tuple(folded.shape) == (8, 3, 5)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(deeprage.UnfoldPairs(4)(folded)), prod)


def test_join_memory_is_exact_from_the_shapes_and_matches_the_built_tensors():
    config = DeepRageConfig()
    mem = join_memory(config, 32, 173)
    # defaults: L' = 1000 // 10 = 100 positions, F = 32 filters, H = 32, R = 16
    assert mem["tensor_full"] == 32 * 173 * 100 * 32 * 32 * 4
    assert mem["tensor_factorized"] == 32 * 173 * 100 * 16 * 4
    assert mem["tensor_pooled"] == 32 * 173 * 32 * 32 * 4
    assert mem["concat"] == 32 * 173 * (100 * 32 + 32) * 4
    assert mem["pair_layer"] == 32 * 173 * config.dense_units[0] * 4
    assert mem["tensor_full"] // mem["tensor_factorized"] == 32 * 32 // 16
    for join in ("concat", "tensor_pooled", "tensor_factorized", "concat_rnn", "tensor_rnn"):
        model = _model(join)
        join_out = keras.Model(model.inputs, model.get_layer("join").output)
        got = join_out.predict_on_batch(np.zeros((2, L, 4), "float32"))
        tiny = DeepRageConfig(join=join, **TINY)
        built = "pair_layer" if join in ("concat", "tensor_pooled", "tensor_factorized") else join
        shape = deeprage.join_shapes(tiny, 2, C)[built]
        assert tuple(got.shape) == shape
        assert join_memory(tiny, 2, C)[built] == 4 * int(np.prod(shape))


def test_concat_as_two_halves_equals_a_dense_layer_on_the_concatenation():
    model = _model("concat")
    x = np.random.default_rng(0).random((3, L, 4)).astype("float32")
    inner = keras.Model(model.inputs, [model.get_layer("promoter_flatten").output,
                                       model.get_layer("regulator_dropout").output, model.get_layer("join").output])
    flat, g, joined = (keras.ops.convert_to_numpy(t) for t in inner.predict_on_batch(x))
    w_p, bias = model.get_layer("dense_1_promoter").get_weights()
    (w_g,) = model.get_layer("dense_1_regulators").get_weights()
    pairs = np.concatenate([np.repeat(flat[:, None], C, axis=1), np.repeat(g[None], 3, axis=0)], axis=-1)
    expected = pairs @ np.concatenate([w_p, w_g]) + bias
    np.testing.assert_allclose(joined, expected, rtol=1e-4, atol=1e-5)


def test_join_parameters_count_built_models():
    config = DeepRageConfig(**TINY)
    counts = join_parameters(config, R, C)
    assert counts["tensor_pooled"] == _model("tensor_pooled").count_params()
    assert counts["tensor_factorized"] == _model("tensor_factorized").count_params()
    # the pooled join's first dense layer sees F * H inputs, the factorized one's L' * R
    dense_in = {"tensor_pooled": 6 * 4, "tensor_factorized": (L // 4) * 3}
    shared = counts["tensor_pooled"] - (dense_in["tensor_pooled"] + 1) * 8
    assert counts["tensor_factorized"] - (dense_in["tensor_factorized"] + 1) * 8 - (6 + 4) * 3 == shared
    assert counts["tensor_full_first_dense"] == (L // 4) * 6 * 4 * 8


def test_config_and_regulators_are_checked():
    with pytest.raises(ValueError, match="join must be one of"):
        DeepRageConfig(join="sum")
    with pytest.raises(ValueError, match="output must be one of"):
        DeepRageConfig(output="ordinal")
    with pytest.raises(ValueError, match="filters must be a positive int"):
        DeepRageConfig(filters=0)
    assert DeepRageConfig.paper().filters == 256 and DeepRageConfig.paper(pool=1).positions == 1000
    with pytest.raises(ValueError, match=r"\(conditions, regulators\) matrix"):
        build_deeprage(DeepRageConfig(**TINY), np.zeros(7))
    with pytest.raises(ValueError, match="NaN or infinite"):
        build_deeprage(DeepRageConfig(**TINY), np.full((2, 3), np.nan))


@pytest.mark.parametrize("join,output", [("tensor_rnn", "classes"), ("concat", "regression")])
def test_keras_checkpoint_round_trip_keeps_the_regulators_and_the_predictions(tmp_path, join, output):
    model = _model(join, output)
    model.compile(optimizer="adam", loss="mse")
    path = tmp_path / "deeprage.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.get_layer("regulators").get_weights()[0], _regulators())
    assert not loaded.get_layer("regulators").trainable_weights
    codes = _codes(6, seed=3)
    np.testing.assert_allclose(predict(loaded, codes), predict(model, codes), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("output", deeprage.OUTPUTS)
def test_filter_knockout_runs_on_deeprage(output):
    model = _model("tensor_factorized", output, dropout=0.0)
    assert first_conv_layer(model).name == "promoter_conv"
    codes = _codes(8, seed=4)
    change = filter_knockout(model, {"promoter": codes}, filters=[0, (1, 2, 3, 4, 5)])
    # (n, knockouts, conditions); a (B, C, 3) class output is summed over conditions by filter_knockout
    assert change.shape == ((8, 2, C) if output == "regression" else (8, 2, 3)) and np.isfinite(change).all()
    assert np.abs(change[:, 1]).max() > 0  # silencing five of six filters moves the predictions
    same = filter_knockout(model, codes, filters=[0, (1, 2, 3, 4, 5)], mode="activation")
    np.testing.assert_allclose(same, change, rtol=1e-4, atol=1e-5)


SCRIPT = r"""
import json, sys
import numpy as np
import keras
from genomenb.models.deeprage import DeepRageConfig, build_deeprage
from genomenb.predict import predict
from genomenb.training import train_supervised

rng = np.random.default_rng(0)
codes = rng.integers(0, 4, size=(48, 40)).astype(np.uint8)
regulators = rng.integers(-1, 2, size=(6, 7)).astype(np.float32)
y = rng.normal(size=(48, 6)).astype(np.float32)
y[rng.random(y.shape) < 0.1] = np.nan
labels = rng.integers(0, 3, size=(48, 6))
labels[rng.random(labels.shape) < 0.1] = -1
sizes = dict(seq_len=40, filters=4, kernel=5, pool=4, regulator_units=4, rank=3, rnn_units=3, dense_units=(6,))
out = {"backend": keras.backend.backend()}
for join, output, target, t in (("concat_rnn", "regression", "regression", y),
                                ("tensor_factorized", "classes", "multiclass", labels)):
    keras.utils.set_random_seed(0)
    model = build_deeprage(DeepRageConfig(join=join, output=output, **sizes), regulators)
    run = train_supervised(model, {"promoter": codes[:32]}, t[:32], {"promoter": codes[32:]}, t[32:], target=target,
                           epochs=1, batch_size=8, learning_rate=0.01, checkpoint_dir=f"{sys.argv[1]}/{join}",
                           seed=1, verbose=0)
    keras.utils.set_random_seed(0)
    again = train_supervised(build_deeprage(DeepRageConfig(join=join, output=output, **sizes), regulators),
                             {"promoter": codes[:32]}, t[:32], {"promoter": codes[32:]}, t[32:], target=target,
                             epochs=1, batch_size=8, learning_rate=0.01, checkpoint_dir=f"{sys.argv[1]}/{join}",
                             seed=1, verbose=0)  # a finished run reloads from its .keras checkpoint
    pred = predict(run.model, codes[32:])
    out[join] = {"shape": list(pred.shape), "finite": bool(np.isfinite(pred).all()),
                 "loss_finite": bool(np.isfinite(run.history.loss).all()),
                 "reloaded_equal": bool(np.allclose(predict(again.model, codes[32:]), pred, rtol=1e-5, atol=1e-6))}
print("RESULT " + json.dumps(out))
"""


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_deeprage_builds_fits_and_predicts_under_backend(backend, tmp_path):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed (pip install -r requirements-backends.txt)")
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parents[1]), env.get("PYTHONPATH")]))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))[len("RESULT "):])
    assert result["backend"] == backend
    assert result["concat_rnn"]["shape"] == [16, 6] and result["tensor_factorized"]["shape"] == [16, 6, 3]
    for join in ("concat_rnn", "tensor_factorized"):
        assert result[join]["finite"] and result[join]["loss_finite"] and result[join]["reloaded_equal"]
