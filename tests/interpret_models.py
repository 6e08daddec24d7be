"""Small models and sequences with known answers, shared by the tests of :mod:`genomenb.interpret`."""

import keras
import numpy as np
import pandas as pd

from genomenb.models.multitask import build_deepsea_cnn
from genomenb.predict import predict

# A made-up 8-bp motif: 85% on the consensus base TGACTCAG, 5% on each other base.
CONSENSUS = np.array([3, 2, 0, 1, 3, 1, 0, 2])
MOTIF = np.full((8, 4), 0.05)
MOTIF[np.arange(8), CONSENSUS] = 0.85


def scanner_model(length: int = 40, padding: str = "valid", kernel_pad: int = 0, bias: float = -4.0) -> keras.Model:
    """Scores the best match of MOTIF on either strand; task 0 goes up and task 1 down with it.

    Filter 0 holds MOTIF's log-odds, filter 1 its reverse complement's; the
    best window over positions and both filters is kept. ``kernel_pad`` zero
    columns are added after the motif in each filter, so "same" padding with
    an even kernel can be checked. A negative ``bias`` silences weak matches.
    """
    w = MOTIF.shape[0] + kernel_pad
    inputs = keras.Input((length, 4))
    scan = keras.layers.Conv1D(2, w, padding=padding, activation="relu", name="scan")(inputs)
    flat = keras.layers.Reshape((-1, 1))(scan)
    best = keras.layers.GlobalMaxPooling1D()(flat)
    outputs = keras.layers.Dense(2, activation="sigmoid", name="tasks")(best)
    model = keras.Model(inputs, outputs)
    kernel = np.zeros((w, 4, 2), dtype=np.float32)
    log_odds = np.log2(MOTIF / 0.25)
    kernel[:MOTIF.shape[0], :, 0] = log_odds
    kernel[:MOTIF.shape[0], :, 1] = log_odds[::-1, ::-1]
    model.get_layer("scan").set_weights([kernel, np.array([bias, bias], dtype=np.float32)])
    model.get_layer("tasks").set_weights([np.array([[1.0, -1.0]], dtype=np.float32),
                                          np.array([-6.0, 6.0], dtype=np.float32)])
    return model


def planted_sequences(n: int = 12, length: int = 40, seed: int = 0):
    """Random sequences with one consensus site each, half on the reverse strand; and the sites table."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n, length)).astype(np.uint8)
    rows = []
    for i in range(n):
        start = int(rng.integers(0, length - 8))
        strand = 1 if i % 2 == 0 else -1
        site = CONSENSUS if strand == 1 else (3 - CONSENSUS)[::-1]
        codes[i, start:start + 8] = site
        rows.append((i, start, 8, strand))
    sites = pd.DataFrame(rows, columns=["seq", "start", "width", "strand"])
    sites.attrs["n"] = n
    return codes, sites


def small_cnn(length=20, tasks=3):
    keras.utils.set_random_seed(1)
    return build_deepsea_cnn(length, tasks, filters=(6, 5, 4), kernel=5, pool=2, dense_units=8, padding="same")


def two_input_model(length: int = 20, regulators: int = 3, seed: int = 5) -> keras.Model:
    """A promoter sequence through Conv1D and a regulator vector through Dense, concatenated; one regression output.

    The hidden ReLU layer mixes both inputs, so the sequence's gradient
    depends on the regulator values held fixed.
    """
    keras.utils.set_random_seed(seed)
    promoter = keras.Input((length, 4), name="promoter")
    levels = keras.Input((regulators,), name="regulators")
    conv = keras.layers.Conv1D(4, 5, activation="relu", name="conv")(promoter)
    seq_features = keras.layers.Flatten()(conv)
    reg_features = keras.layers.Dense(4, activation="tanh", name="regulator_dense")(levels)
    hidden = keras.layers.Dense(8, activation="relu", name="hidden")(
        keras.layers.Concatenate()([seq_features, reg_features]))
    output = keras.layers.Dense(1, name="expression")(hidden)
    model = keras.Model([promoter, levels], output, name="two_input")
    # larger random weights: the maps are far from zero and the ReLUs switch within the test data
    model.set_weights([w * 2.0 for w in model.get_weights()])
    return model


def two_input_data(n: int = 4, length: int = 20, regulators: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n, length)).astype(np.uint8)
    levels = rng.standard_normal((n, regulators)).astype(np.float32)
    return codes, levels


def finite_difference(model, x, task, eps=1e-3, *, sequence_input=None, others=None):
    """Central differences of the logit of ``task`` for every entry of the one-hot sequence input, in one batch.

    ``others`` (input name -> array, one row per sequence) are held fixed
    beside the sequence named ``sequence_input``.
    """
    n, length, _ = x.shape
    plus = np.repeat(x[:, None], length * 4, axis=1).astype(np.float64)
    minus = plus.copy()
    idx = np.arange(length * 4)
    plus[:, idx, idx // 4, idx % 4] += eps
    minus[:, idx, idx // 4, idx % 4] -= eps
    both = np.concatenate([plus, minus], axis=1).reshape(-1, length, 4).astype(np.float32)
    fed = both if others is None else \
        {**{k: np.repeat(v, 2 * length * 4, axis=0) for k, v in others.items()}, sequence_input: both}
    out = predict(model, fed, output="logit", batch_size=len(both)).astype(np.float64)
    out = out.reshape(len(both), -1)[:, task].reshape(n, 2, length * 4)
    return ((out[:, 0] - out[:, 1]) / (2 * eps)).reshape(n, length, 4)
