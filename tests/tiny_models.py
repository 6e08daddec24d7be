"""Small models and data for the training tests: a two-input regressor, a 3-class CNN, a padded BiLSTM.

Imported by the tests directly and by the backend subprocess scripts (with
this folder on ``sys.path``), so every backend trains the very same models.
"""

import keras
import numpy as np

L = 20  # sequence length of the fixed-length models


def two_input_data(n, seed=0):
    """Promoter codes ``(n, L)`` and regulator levels ``(n, 3)``; the target depends on both.

    target = 1.5 * [promoter holds TATA] * regulator_0 - regulator_1 + noise
    """
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n, L)).astype(np.uint8)
    has = rng.random(n) < 0.5
    pos = rng.integers(0, L - 4, size=n)
    for i in np.flatnonzero(has):
        codes[i, pos[i]:pos[i] + 4] = [3, 0, 3, 0]
    regulators = rng.normal(size=(n, 3)).astype(np.float32)
    y = (1.5 * has * regulators[:, 0] - regulators[:, 1] + 0.1 * rng.normal(size=n)).astype(np.float32)
    return {"promoter": codes, "regulators": regulators}, y


def two_input_regressor(seed=0):
    """Conv1D + max-pool over the one-hot promoter, concatenated with the regulator vector, one linear output."""
    keras.utils.set_random_seed(seed)
    promoter = keras.Input((L, 4), name="promoter")
    regulators = keras.Input((3,), name="regulators")
    h = keras.layers.Conv1D(6, 4, activation="relu")(promoter)
    h = keras.layers.GlobalMaxPooling1D()(h)
    h = keras.layers.Dropout(0.1)(h)
    joined = keras.layers.Concatenate()([h, regulators])
    hidden = keras.layers.Dense(8, activation="relu")(joined)
    return keras.Model([promoter, regulators], keras.layers.Dense(1, name="expression")(hidden))


def three_class_data(n, seed=0):
    """Class 0: random; class 1: holds GGGG; class 2: holds TTTT (unbalanced 3:2:1)."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n, L)).astype(np.uint8)
    y = rng.choice(3, size=n, p=[0.5, 1 / 3, 1 / 6]).astype(np.int64)
    pos = rng.integers(0, L - 4, size=n)
    for i in range(n):
        if y[i]:
            codes[i, pos[i]:pos[i] + 4] = 2 if y[i] == 1 else 3
    return codes, y


def three_class_cnn(seed=0):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((L, 4), name="one_hot")
    h = keras.layers.Conv1D(8, 4, activation="relu")(inputs)
    h = keras.layers.GlobalMaxPooling1D()(h)
    h = keras.layers.Dropout(0.1)(h)
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax", name="classes")(h))


def variable_length_genes(n_families=12, per_family=4, seed=0):
    """Padded tokens ``(n, 60)`` (0 = padding, bases 1..4), labels and family groups.

    Each family is one random ancestor of 20-60 bases; members are mutated
    copies (so a family split across folds would leak). Resistant families
    (label 1) carry the word ACGTAC somewhere.
    """
    rng = np.random.default_rng(seed)
    rows, labels, groups = [], [], []
    for family in range(n_families):
        length = int(rng.integers(20, 61))
        ancestor = rng.integers(0, 4, size=length)
        label = family % 2
        if label:
            start = int(rng.integers(0, length - 6))
            ancestor[start:start + 6] = [0, 1, 2, 3, 0, 1]
        for _ in range(per_family):
            member = ancestor.copy()
            flip = rng.random(length) < 0.05
            member[flip] = rng.integers(0, 4, size=int(flip.sum()))
            rows.append(member + 1)
            labels.append(label)
            groups.append(f"family{family}")
    tokens = np.zeros((len(rows), 60), dtype=np.int32)
    for i, r in enumerate(rows):
        tokens[i, :len(r)] = r
    return tokens, np.array(labels, dtype=np.int64), np.array(groups)


def padded_bilstm(seed=0):
    """Embedding with mask_zero (padding ignored) -> BiLSTM -> dropout -> softmax over 2 classes."""
    keras.utils.set_random_seed(seed)
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    h = keras.layers.Embedding(5, 4, mask_zero=True)(tokens)
    h = keras.layers.Bidirectional(keras.layers.LSTM(6))(h)
    h = keras.layers.Dropout(0.1)(h)
    return keras.Model(tokens, keras.layers.Dense(2, activation="softmax")(h))


class Interrupt(keras.callbacks.Callback):
    """Records the weights after each epoch and raises in the middle of epoch ``stop_epoch``."""

    def __init__(self, stop_epoch=None, stop_batch=3):
        super().__init__()
        self.stop_epoch, self.stop_batch = stop_epoch, stop_batch
        self.epoch = None
        self.weights_at_begin = None
        self.weights_after = {}

    def on_train_begin(self, logs=None):
        if self.weights_at_begin is None:
            self.weights_at_begin = [np.array(w) for w in self.model.get_weights()]

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self.weights_after[epoch] = [np.array(w) for w in self.model.get_weights()]

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == self.stop_epoch and batch == self.stop_batch:
            raise KeyboardInterrupt("simulated interruption")
