"""The clockwork RNN (genomenb.models.recurrent) against the paper's update, and the word language models.

A NumPy reference of Koutník et al. (2014) is written here, from the paper:
module ``i`` (period ``T_i``, fastest first) is updated at step ``t`` (from 0)
when ``t mod T_i == 0`` as ``tanh(W_I,i x_t + sum_{j >= i} U_ij h_j(t-1) + b_i)``
and otherwise keeps its state, so a module reads itself and the slower modules,
never a faster one. The layer's weights map onto it as ``U_ij =
recurrent_kernel_i[(j - i) m:(j - i + 1) m]``. The backend test at the end
trains a clockwork language model and a bidirectional clockwork multitask
model under TensorFlow, JAX and PyTorch, each in its own subprocess.
"""

import importlib.util
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from genomenb import training
from genomenb.data import toy_genomes
from genomenb.data.splits import split_genome
from genomenb.models.charlm import CharLMConfig, build_char_lm, word_size_of, word_tokens
from genomenb.models.multitask import build_bigru_multitask
from genomenb.models.recurrent import ClockworkRNN, clockwork_parameters, matched_units, recurrent_layer

PERIODS = (1, 2, 4, 8)


# --------------------------------------------------------------------------- helpers


def _layer(units=8, periods=PERIODS, *, d=3, seed=0, **kwargs) -> ClockworkRNN:
    """A built clockwork layer with random weights everywhere (bias included)."""
    layer = ClockworkRNN(units, periods, **kwargs)
    layer(np.zeros((1, 3, d), dtype="float32"))
    rng = np.random.default_rng(seed)
    cell = layer.cell
    cell.input_kernel.assign(rng.normal(0, 0.6, cell.input_kernel.shape).astype("float32"))
    cell.bias.assign(rng.normal(0, 0.3, cell.bias.shape).astype("float32"))
    for kernel in cell.recurrent_kernels:
        kernel.assign(rng.normal(0, 0.5, kernel.shape).astype("float32"))
    return layer


def _run(layer, x) -> np.ndarray:
    return keras.ops.convert_to_numpy(layer(keras.ops.convert_to_tensor(x.astype("float32"))))


def _inputs(batch=3, steps=21, d=3, seed=1) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(batch, steps, d)).astype("float32")


def reference(layer: ClockworkRNN, x: np.ndarray) -> np.ndarray:
    """Hidden states after every step, ``(batch, steps, units)``, by the paper's update (float64)."""
    cell = layer.cell
    w = keras.ops.convert_to_numpy(cell.input_kernel).astype(np.float64)
    b = keras.ops.convert_to_numpy(cell.bias).astype(np.float64)
    kernels = [keras.ops.convert_to_numpy(k).astype(np.float64) for k in cell.recurrent_kernels]
    periods, n = layer.periods, layer.units
    g = len(periods)
    m = n // g
    h = np.zeros((x.shape[0], n))
    states = []
    for t in range(x.shape[1]):
        new = h.copy()
        for i, period in enumerate(periods):
            if t % period:
                continue  # an inactive module keeps its state
            pre = x[:, t] @ w[:, i * m:(i + 1) * m] + b[i * m:(i + 1) * m]
            for j in range(i, g):  # itself and every slower module
                pre += h[:, j * m:(j + 1) * m] @ kernels[i][(j - i) * m:(j - i + 1) * m]
            new[:, i * m:(i + 1) * m] = np.tanh(pre)
        h = new
        states.append(h)
    return np.stack(states, axis=1)


def _module(states: np.ndarray, i: int, m: int) -> np.ndarray:
    return states[..., i * m:(i + 1) * m]


# --------------------------------------------------------------------------- (a) the clock


def test_a_module_changes_only_at_its_ticks():
    layer = ClockworkRNN(8, PERIODS, return_sequences=True)  # Keras' own initial weights
    x = _inputs(steps=21)  # 21 steps: not whole cycles of 8, the padding path runs
    h = _run(layer, x)
    assert h.shape == (3, 21, 8)
    assert np.abs(h[:, 0]).min() > 0  # every module fires at t = 0
    for i, period in enumerate(PERIODS):
        hi = _module(h, i, 2)
        for t in range(1, 21):
            step = np.abs(hi[:, t] - hi[:, t - 1]).max()
            if t % period:
                assert step == 0.0, f"module {i} (period {period}) changed at step {t}"
            else:
                assert step > 1e-4, f"module {i} (period {period}) did not update at step {t}"


# --------------------------------------------------------------------------- (b) parameters


@pytest.mark.parametrize("d, units, periods", [(3, 8, PERIODS), (16, 64, PERIODS), (5, 12, (1, 3, 6)), (4, 6, (2,))])
def test_parameter_count_is_block_triangular(d, units, periods):
    layer = ClockworkRNN(units, periods)
    layer(np.zeros((1, 5, d), dtype="float32"))
    g = len(periods)
    m = units // g
    formula = d * units + units + m * m * g * (g + 1) // 2
    assert layer.count_params() == clockwork_parameters(d, units, g) == formula
    full = keras.layers.SimpleRNN(units)
    full(np.zeros((1, 5, d), dtype="float32"))
    assert full.count_params() == d * units + units * units + units
    if g > 1:
        assert layer.count_params() < full.count_params()
    shapes = [tuple(k.shape) for k in layer.cell.recurrent_kernels]
    assert shapes == [((g - i) * m, m) for i in range(g)]


# --------------------------------------------------------------------------- (c) who reads whom


def test_input_at_a_step_never_reaches_modules_that_are_not_ticking():
    layer = _layer(8, return_sequences=True)
    x = _inputs(steps=21)
    base = _run(layer, x)
    for s in range(21):
        bumped = x.copy()
        bumped[:, s] += 1.5
        diff = np.abs(_run(layer, bumped) - base)
        assert diff[:, :s].max(initial=0.0) == 0.0  # causal
        for i, period in enumerate(PERIODS):
            di = _module(diff, i, 2)
            if s % period:
                # modules i.. only ever read inputs at multiples of T_i: module i is untouched, now and later
                assert di.max() == 0.0, f"input at step {s} reached module {i} (period {period})"
            else:
                assert di[:, s].max() > 1e-4, f"input at step {s} missed module {i} (period {period}) at its tick"
            next_tick = -(-s // period) * period
            assert di[:, s:next_tick].max(initial=0.0) == 0.0  # never before the module's next tick


def test_fast_modules_read_slow_ones_and_not_the_reverse():
    layer = _layer(8, return_sequences=True, seed=3)
    kernel = keras.ops.convert_to_numpy(layer.cell.input_kernel).copy()
    kernel[:, :6] = 0.0  # only the slowest module (units 6, 7) sees the input
    layer.cell.input_kernel.assign(kernel)
    x = _inputs(steps=21)
    base = _run(layer, x)
    bumped = x.copy()
    bumped[:, 8] += 1.5  # a tick of every module; only the slowest reads it
    diff = np.abs(_run(layer, bumped) - base)
    assert diff[:, :8].max() == 0.0
    assert _module(diff, 3, 2)[:, 8].max() > 1e-4
    assert diff[:, 8, :6].max() == 0.0
    # the slowest module's new state reaches the faster ones at their next ticks (module i reads j >= i)
    assert _module(diff, 0, 2)[:, 9].max() > 1e-4
    assert _module(diff, 1, 2)[:, 9].max() == 0.0 and _module(diff, 1, 2)[:, 10].max() > 1e-4
    assert _module(diff, 2, 2)[:, 11].max() == 0.0 and _module(diff, 2, 2)[:, 12].max() > 1e-4
    # and a fast module's state never reaches a slower one: perturb the fastest module's input alone
    kernel = keras.ops.convert_to_numpy(layer.cell.input_kernel).copy()
    kernel[:, 2:] = 0.0
    kernel[:, :2] = 1.0
    layer.cell.input_kernel.assign(kernel)
    base = _run(layer, x)
    diff = np.abs(_run(layer, bumped) - base)
    assert _module(diff, 0, 2)[:, 8].max() > 1e-4
    assert diff[..., 2:].max() == 0.0


# --------------------------------------------------------------------------- (d) (e) the paper's update


@pytest.mark.parametrize("units, periods, steps", [(8, PERIODS, 29), (12, (1, 3, 6), 17), (6, (1, 2, 4), 5)])
def test_matches_numpy_reference(units, periods, steps):
    layer = _layer(units, periods, d=3, seed=5, return_sequences=True)
    x = _inputs(batch=4, steps=steps, seed=6)
    np.testing.assert_allclose(_run(layer, x), reference(layer, x), atol=2e-5, rtol=1e-5)


def test_last_output_is_the_last_real_step():
    seq = _layer(8, seed=7, return_sequences=True)
    last = ClockworkRNN(8, PERIODS)
    last(np.zeros((1, 3, 3), dtype="float32"))
    last.set_weights(seq.get_weights())
    x = _inputs(steps=21, seed=8)
    out = _run(last, x)
    assert out.shape == (3, 8)
    expected = reference(seq, x)[:, -1]
    np.testing.assert_allclose(out, expected, atol=2e-5)
    np.testing.assert_allclose(out, _run(seq, x)[:, -1], atol=1e-6)
    padded = reference(seq, np.concatenate([x, np.zeros((3, 3, 3), dtype="float32")], axis=1))[:, -1]
    assert np.abs(out - padded).max() > 1e-3  # step 23 of the zero padding is a different state


# --------------------------------------------------------------------------- (f) backwards


@pytest.mark.parametrize("return_sequences", [True, False])
def test_bidirectional_backward_half_is_the_forward_layer_on_the_reversed_sequence(return_sequences):
    bi = keras.layers.Bidirectional(ClockworkRNN(8, PERIODS, return_sequences=return_sequences), merge_mode=None)
    x = _inputs(steps=21, seed=9)
    fw, bw = (keras.ops.convert_to_numpy(y) for y in bi(x))
    assert bi.backward_layer.go_backwards and not bi.forward_layer.go_backwards
    forward = ClockworkRNN(8, PERIODS, return_sequences=True)
    forward(np.zeros((1, 3, 3), dtype="float32"))
    forward.set_weights(bi.backward_layer.get_weights())
    rev = _run(forward, x[:, ::-1].copy())  # its clock starts at the sequence's last step
    np.testing.assert_allclose(bw, rev[:, ::-1] if return_sequences else rev[:, -1], atol=1e-6)
    forward.set_weights(bi.forward_layer.get_weights())
    same = _run(forward, x)
    np.testing.assert_allclose(fw, same if return_sequences else same[:, -1], atol=1e-6)
    assert np.abs(bi.backward_layer.get_weights()[0] - bi.forward_layer.get_weights()[0]).max() > 0


# --------------------------------------------------------------------------- (g) saving


def test_keras_file_round_trip(tmp_path):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, 5))
    h = ClockworkRNN(8, (1, 3), return_sequences=True, name="cw")(inputs)
    outputs = keras.layers.Dense(2)(ClockworkRNN(4, PERIODS)(h))
    model = keras.Model(inputs, outputs)
    x = _inputs(batch=2, steps=13, d=5, seed=10)
    model.save(tmp_path / "cw.keras")
    reloaded = keras.models.load_model(tmp_path / "cw.keras")
    assert reloaded.get_layer("cw").periods == (1, 3)
    np.testing.assert_array_equal(reloaded.predict(x, verbose=0), model.predict(x, verbose=0))

    lm = build_char_lm(CharLMConfig(cell="cwrnn", num_layers=2, hidden_size=12, embedding_dim=4,
                                    clock_periods=(1, 2, 4)))
    lm.save(tmp_path / "lm.keras")
    lm2 = keras.models.load_model(tmp_path / "lm.keras")
    codes = np.random.default_rng(0).integers(0, 5, size=(3, 19)).astype("int32")
    np.testing.assert_array_equal(lm2.predict(codes, verbose=0), lm.predict(codes, verbose=0))

    multi = build_bigru_multitask(seq_len=20, n_tasks=3, units=8, n_layers=2, cell="cwrnn")
    multi.save(tmp_path / "multi.keras")
    multi2 = keras.models.load_model(tmp_path / "multi.keras")
    onehot = np.eye(4, dtype="float32")[np.random.default_rng(1).integers(0, 4, size=(3, 20))]
    np.testing.assert_array_equal(multi2.predict(onehot, verbose=0), multi.predict(onehot, verbose=0))


# --------------------------------------------------------------------------- (h) bad arguments


@pytest.mark.parametrize("units, periods", [(10, PERIODS), (8, (1, 3, 4, 8)), (8, (1, 4, 2, 8)), (8, (2, 2)),
                                            (8, ()), (8, (0, 2)), (0, PERIODS)])
def test_bad_arguments_are_rejected(units, periods):
    with pytest.raises(ValueError):
        ClockworkRNN(units, periods)


def test_unsupported_options_are_rejected():
    with pytest.raises(ValueError, match="return_state"):
        ClockworkRNN(8, PERIODS, return_state=True)
    with pytest.raises(ValueError, match="stateful"):
        ClockworkRNN(8, PERIODS, stateful=True)
    with pytest.raises(ValueError):
        recurrent_layer("cwrnn", 10, return_sequences=True)
    with pytest.raises(ValueError):
        CharLMConfig(cell="cwrnn", hidden_size=10)
    with pytest.raises(ValueError):
        build_bigru_multitask(seq_len=20, n_tasks=3, units=10, cell="cwrnn")


# --------------------------------------------------------------------------- (i) matched widths


def test_matched_units_is_the_closest_parameter_count():
    def build(units):
        inputs = keras.Input((None, 5))
        return keras.Model(inputs, keras.layers.Dense(4)(ClockworkRNN(units, PERIODS, return_sequences=True)(inputs)))

    counts = {u: build(u).count_params() for u in range(4, 65, 4)}
    for target in (1, 90, counts[20], counts[20] + 1, (counts[28] + counts[32]) // 2, 2500, counts[64] + 10 ** 6):
        got = matched_units(build, target, multiple=4, high=64)
        best = min(counts, key=lambda u: (abs(counts[u] - target), u))
        assert got == best, (target, got, best)
    with pytest.raises(ValueError):
        matched_units(build, 0, multiple=4)


# --------------------------------------------------------------------------- (j) word models


def test_word_tokens_round_trip():
    seq = np.array([0, 1, 2, 3, 3, 3, 4, 0, 1, 2, 2, 2, 0, 0, 0], dtype=np.uint8)  # ACG TTT NAC GGG AAA
    tokens = word_tokens(seq, 3)
    assert tokens.dtype == np.int32
    assert tokens.tolist() == [6, 63, 64, 42, 0]
    digits = np.stack([tokens // 16, tokens // 4 % 4, tokens % 4], axis=-1).reshape(-1)
    words = seq.reshape(-1, 3)
    has_n = (words == 4).any(axis=1)
    np.testing.assert_array_equal(digits.reshape(-1, 3)[~has_n], words[~has_n])
    assert (tokens[has_n] == 64).all()
    np.testing.assert_array_equal(word_tokens(np.stack([seq, seq]), 3), np.stack([tokens, tokens]))
    np.testing.assert_array_equal(word_tokens(seq, 1), seq)
    with pytest.raises(ValueError):
        word_tokens(seq[:14], 3)
    assert word_size_of(build_char_lm(CharLMConfig(cell="cwrnn", hidden_size=8, num_layers=1, word_size=3))) == 3


def test_word_language_model_reports_per_base_perplexity(tmp_path):
    split = split_genome([toy_genomes.simulated_random_genome(24_000, seed=4)])
    config = CharLMConfig(cell="cwrnn", num_layers=1, hidden_size=8, embedding_dim=4, word_size=3)
    tc = training.TrainConfig(seq_len=16, batch_size=16, epochs=1, learning_rate=0.005, seed=0)
    # jit_compile=False: this checks the per-base figures; XLA under TensorFlow is the backend test's business
    result = training.train_language_model(split, config, tc, tmp_path / "word", verbose=0, jit_compile=False)
    final = result.final
    assert 3.9 < final["loss"] < 4.6  # nats per word: ln 64 = 4.16
    assert 3.6 < final["train_perplexity"] < 4.6  # per base: a per-word figure would be near 64
    assert 3.6 < final["heldout_perplexity"] < 4.6
    assert abs(final["heldout_bits_per_base"] - 2.0) < 0.2


# --------------------------------------------------------------------------- (k) every backend

SCRIPT = r"""
import json, sys, tempfile
import numpy as np
import keras
from genomenb import training
from genomenb.data import toy_genomes
from genomenb.data.splits import split_genome
from genomenb.models.charlm import CharLMConfig
from genomenb.models.multitask import build_bigru_multitask

out = {"backend": keras.backend.backend()}
split = split_genome([toy_genomes.simulated_random_genome(3000, seed=2)])
config = CharLMConfig(cell="cwrnn", num_layers=1, hidden_size=8, embedding_dim=4)
tc = training.TrainConfig(seq_len=21, batch_size=8, epochs=1, learning_rate=0.01, seed=0)
result = training.train_language_model(split, config, tc, sys.argv[1], verbose=0)
reloaded = training.train_language_model(split, config, tc, sys.argv[1], verbose=0)
codes = np.random.default_rng(0).integers(0, 4, size=(4, 21)).astype("int32")
out.update(lm_loss=result.final["loss"], lm_heldout_perplexity=result.final["heldout_perplexity"],
           lm_reloaded_epochs=reloaded.resumed_from_epoch,
           lm_same=bool(np.allclose(reloaded.model.predict(codes, verbose=0), result.model.predict(codes, verbose=0),
                                    atol=1e-6)))

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = np.eye(4, dtype="float32")[rng.integers(0, 4, size=(16, 19))]
y = (rng.random((16, 3)) < 0.3).astype("float32")
model = build_bigru_multitask(seq_len=19, n_tasks=3, units=8, n_layers=2, cell="cwrnn")
model.compile(keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
losses = model.fit(x, y, batch_size=8, epochs=1, verbose=0).history["loss"]
path = tempfile.mkdtemp() + "/multi.keras"
model.save(path)
again = keras.models.load_model(path)
out.update(multi_losses=[float(v) for v in losses],
           multi_same=bool(np.allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)))
print("RESULT " + json.dumps(out))
"""


BACKENDS = ("tensorflow", "jax", "torch")


@pytest.fixture(scope="module")
def backend_runs(tmp_path_factory):
    """Start one subprocess per installed backend at once (they share the machine's cores), then collect them."""
    procs = {}
    for backend in BACKENDS:
        if importlib.util.find_spec(backend) is None:
            continue
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
        ckpt = tmp_path_factory.mktemp(f"cw_{backend}") / "ckpt"
        procs[backend] = subprocess.Popen([sys.executable, "-c", SCRIPT, str(ckpt)], env=env, text=True,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    runs = {}
    for backend, proc in procs.items():
        try:
            stdout, stderr = proc.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        runs[backend] = (proc.returncode, stdout, stderr)
    return runs


@pytest.mark.parametrize("backend", BACKENDS)
def test_clockwork_models_train_under_backend(backend, backend_runs):
    if backend not in backend_runs:
        pytest.skip(f"Keras backend {backend!r} is not installed (pip install -r requirements-backends.txt)")
    returncode, stdout, stderr = backend_runs[backend]
    assert returncode == 0, stderr[-3000:]
    line = next(x for x in stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT "):])
    assert result["backend"] == backend
    assert 1.0 < result["lm_loss"] < 2.0  # nats per base; ln 4 = 1.386 for a random genome
    assert 3.5 < result["lm_heldout_perplexity"] < 5.0
    assert result["lm_reloaded_epochs"] == 1 and result["lm_same"]
    assert all(np.isfinite(result["multi_losses"])) and result["multi_same"]
