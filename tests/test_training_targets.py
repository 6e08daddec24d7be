"""Targets with missing cells: masked Keras losses equal their NumPy twins; checks, scores, training and folds.

Regression targets ``(N, K)`` may hold NaN, class labels ``(N, K)`` may hold -1;
finite regression targets and ``(N,)`` class labels keep the plain Keras losses.
All data here are random (simulated), seeded.
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from genomenb.models import losses  # noqa: E402
from genomenb.models.deeprage import DeepRageConfig, build_deeprage  # noqa: E402
from genomenb.training import cross_validate, train_supervised  # noqa: E402
from genomenb.training import targets as kinds  # noqa: E402


def _np(t):
    return np.asarray(keras.ops.convert_to_numpy(t), dtype=np.float64)


def _regression(n=20, k=6, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=(n, k)).astype(np.float32)
    y[rng.random((n, k)) < 0.3] = np.nan
    y[0] = np.nan  # a gene without any measured condition
    return y, rng.normal(size=(n, k)).astype(np.float32)


def _classes(n=20, k=6, c=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, size=(n, k))
    y[rng.random((n, k)) < 0.3] = -1
    y[0] = -1
    p = rng.random((n, k, c)).astype(np.float32)
    return y, p / p.sum(axis=-1, keepdims=True)


# --------------------------------------------------------------------------- losses and their twins


def test_masked_mse_equals_its_numpy_twin_and_skips_missing_targets():
    y, p = _regression()
    ours = kinds.masked_mse_per_example(y, p)
    assert np.isnan(ours[0]) and np.isfinite(ours[1:]).all()
    theirs = _np(losses.masked_mean_squared_error(y, p))
    assert theirs[0] == 0.0  # no target: no loss, and no NaN
    np.testing.assert_allclose(ours[1:], theirs[1:], rtol=1e-5)
    row = np.flatnonzero(~np.isnan(y[1]))
    assert ours[1] == pytest.approx(np.mean((p[1, row] - y[1, row]) ** 2), rel=1e-6)
    assert kinds.per_example_loss("regression", y, p)[1] == ours[1]


def test_masked_sparse_categorical_crossentropy_equals_its_numpy_twin():
    y, p = _classes()
    ours = kinds.masked_sparse_ce_per_example(y, p)
    assert np.isnan(ours[0])
    theirs = _np(losses.masked_sparse_categorical_crossentropy(y, p))
    assert theirs[0] == 0.0
    np.testing.assert_allclose(ours[1:], theirs[1:], rtol=1e-5)
    row = np.flatnonzero(y[1] >= 0)
    assert ours[1] == pytest.approx(-np.mean(np.log(p[1, row, y[1, row]])), rel=1e-6)
    with pytest.raises(ValueError, match="classes"):
        kinds.masked_sparse_ce_per_example(np.full((2, 6), 3), p[:2])


def test_finite_targets_keep_the_plain_keras_losses():
    rng = np.random.default_rng(1)
    y, p = rng.normal(size=(10, 4)).astype(np.float32), rng.normal(size=(10, 4)).astype(np.float32)
    assert kinds.loss_for("regression", y) == "mean_squared_error"
    assert kinds.loss_for("regression", np.where(y > 1, np.nan, y)) is losses.masked_mean_squared_error
    np.testing.assert_allclose(_np(losses.masked_mean_squared_error(y, p)),
                               _np(keras.losses.mean_squared_error(y, p)), rtol=1e-6)
    old = ((p.astype(np.float64) - y.astype(np.float64)) ** 2).mean(axis=1)  # the loss before missing cells
    np.testing.assert_array_equal(kinds.per_example_loss("regression", y, p), old)
    labels = rng.integers(0, 3, size=10)
    assert kinds.loss_for("multiclass", labels) == "sparse_categorical_crossentropy"
    assert kinds.loss_for("multiclass", labels[:, None]) is losses.masked_sparse_categorical_crossentropy
    probs = rng.random((10, 3)).astype(np.float32)
    probs /= probs.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(_np(losses.masked_sparse_categorical_crossentropy(labels, probs)),
                               _np(keras.losses.sparse_categorical_crossentropy(labels, probs)), rtol=1e-5)


# --------------------------------------------------------------------------- checks and validation scores


def test_checks_accept_missing_cells_and_reject_infinities():
    y, _ = _regression()
    assert kinds.check_targets(y, 20, "regression", "y") is not None
    with pytest.raises(ValueError, match="infinite"):
        kinds.check_targets(np.where(np.isnan(y), np.inf, y), 20, "regression", "y")
    labels, _ = _classes()
    kinds.check_targets(labels, 20, "multiclass", "y")
    with pytest.raises(ValueError, match=">= 0, or -1"):
        kinds.check_targets(labels - 1, 20, "multiclass", "y")
    with pytest.raises(ValueError, match=">= 0"):
        kinds.check_targets(np.array([0, -1, 2]), 3, "multiclass", "y")  # (N,) labels have no 'no label'
    with pytest.raises(ValueError, match="integer class labels"):
        kinds.check_targets(labels.astype(np.float32), 20, "multiclass", "y")


def test_validation_scores_use_only_labelled_cells():
    y, p = _regression()
    scores = kinds.validation_scores("regression", y, p)
    finite = ~np.isnan(y)
    assert scores["val_loss"] == pytest.approx(np.nanmean(kinds.masked_mse_per_example(y, p)))
    assert scores["val_pearson_r"] == pytest.approx(np.corrcoef(y[finite], p[finite])[0, 1], rel=1e-6)
    assert np.isfinite(scores["val_r2"])
    labels, probs = _classes()
    scores = kinds.validation_scores("multiclass", labels, probs)
    keep = labels >= 0
    called = probs.argmax(-1)[keep]
    assert scores["val_accuracy"] == pytest.approx(np.mean(called == labels[keep]))
    recalls = [np.mean(called[labels[keep] == c] == c) for c in range(3)]
    assert scores["val_balanced_accuracy"] == pytest.approx(np.mean(recalls))


# --------------------------------------------------------------------------- training with masked targets


def _block_data(n, k, seed, *, classes=False):
    """Simulated promoter codes and a (n, k) target matrix with missing cells that depends on GC and a regulator."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n, 40)).astype(np.uint8)
    gc = np.isin(codes, (1, 2)).mean(axis=1)
    effect = np.linspace(-1, 1, k)
    y = (10 * (gc[:, None] - 0.5) * effect[None, :]).astype(np.float32)
    if classes:
        y = np.digitize(y, (-0.3, 0.3)).astype(np.int64)
        y[rng.random(y.shape) < 0.1] = -1
    else:
        y[rng.random(y.shape) < 0.1] = np.nan
    return {"promoter": codes}, y, effect[:, None].astype(np.float32)


def _tiny(join, output, regulators):
    keras.utils.set_random_seed(0)
    return build_deeprage(DeepRageConfig(join=join, output=output, seq_len=40, filters=6, kernel=5, pool=4,
                                         regulator_units=4, rank=3, dense_units=(8,), dropout=0.0), regulators)


@pytest.mark.parametrize("output", ["regression", "classes"])
def test_train_supervised_learns_from_a_matrix_with_missing_cells(tmp_path, output):
    x, y, reg = _block_data(64, 10, 0, classes=output == "classes")
    xv, yv, _ = _block_data(32, 10, 1, classes=output == "classes")
    target = "multiclass" if output == "classes" else "regression"
    result = train_supervised(_tiny("concat", output, reg), x, y, xv, yv, target=target, epochs=2, batch_size=16,
                              learning_rate=0.01, checkpoint_dir=tmp_path, seed=1, verbose=0)
    h = result.history
    assert np.isfinite(h.loss).all() and h.loss.iloc[1] < h.loss.iloc[0]
    assert all(np.isfinite(w).all() for w in result.model.get_weights())
    assert result.model.loss.__name__ == ("masked_mean_squared_error" if output == "regression"
                                          else "masked_sparse_categorical_crossentropy")
    if output == "classes":
        assert 0.0 <= h.val_balanced_accuracy.iloc[-1] <= 1.0
        with pytest.raises(ValueError, match=r"\(N,\) class labels only"):
            train_supervised(_tiny("concat", output, reg), x, y, xv, yv, target=target, epochs=1, batch_size=16,
                             checkpoint_dir=tmp_path / "cw", class_weight=True, verbose=0)
    with pytest.raises(ValueError, match="need 10 outputs"):
        train_supervised(_tiny("concat", output, reg[:5]), x, y, xv, yv, target=target, epochs=1, batch_size=16,
                         checkpoint_dir=tmp_path / "shape", verbose=0)
    empty = np.full_like(yv, -1) if output == "classes" else np.full_like(yv, np.nan)
    with pytest.raises(ValueError, match="y_valid holds no label"):
        train_supervised(_tiny("concat", output, reg), x, y, xv, empty, target=target, epochs=1, batch_size=16,
                         checkpoint_dir=tmp_path / "empty", verbose=0)


def test_cross_validation_takes_matrix_targets(tmp_path):
    x, y, reg = _block_data(48, 10, 2)
    cv = cross_validate(lambda: _tiny("tensor_pooled", "regression", reg), x, y, np.arange(48) // 4,
                        target="regression", checkpoint_dir=tmp_path, n_splits=2, epochs=1, batch_size=16, verbose=0)
    assert len(cv.table) == 2 and np.isfinite(cv.table.val_loss).all()
    labels = np.where(np.isnan(y), -1, (y > 0).astype(np.int64))
    with pytest.raises(ValueError, match=r"stratify needs \(N,\) class labels"):
        cross_validate(lambda: _tiny("concat", "classes", reg), x, labels, np.arange(48) // 4, target="multiclass",
                       checkpoint_dir=tmp_path / "s", n_splits=2, stratify=True, epochs=1, batch_size=16, verbose=0)
