"""Supervised training through the one loop: batches, masked loss, best epoch, tracked predictions, resuming.

Multitask labels (the chromatin models), then a two-input regression model and a 3-class model.
"""

import json
import math

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from tiny_models import Interrupt, three_class_cnn, three_class_data, two_input_data, two_input_regressor  # noqa: E402

from genomenb import encode  # noqa: E402
from genomenb.models.multitask import build_bigru_multitask, build_deepsea_cnn  # noqa: E402
from genomenb.predict import predict  # noqa: E402
from genomenb.training import train_supervised  # noqa: E402
from genomenb.training.batches import ArrayBatches  # noqa: E402
from genomenb.training.targets import masked_bce_per_example  # noqa: E402

L, T = 24, 3


def _data(n, seed=0, masked=False):
    """Random sequences; task 0 is 'holds GATA', task 1 'GC-rich', task 2 random (nothing to learn)."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n, L)).astype(np.uint8)
    plant = rng.random(n) < 0.4
    pos = rng.integers(0, L - 4, size=n)
    for i in np.flatnonzero(plant):
        codes[i, pos[i]:pos[i] + 4] = encode.to_codes("GATA")
    y = np.zeros((n, T), dtype=np.float32)
    y[:, 0] = plant
    y[:, 1] = encode.gc_content(codes) > 0.5
    y[:, 2] = rng.random(n) < 0.3
    if masked:  # one label per sequence, as in the TF-binding chapter
        keep = rng.integers(0, T, size=n)
        y = np.where(np.arange(T)[None, :] == keep[:, None], y, -1.0).astype(np.float32)
    return codes, y


def _model(seed=0):
    """A tiny DeepSEA-style CNN with dropout (compiles much faster than a GRU)."""
    keras.utils.set_random_seed(seed)
    return build_deepsea_cnn(L, T, filters=(8, 8, 8), kernel=4, pool=2, dense_units=8, padding="same")


def _gru(seed=0):
    keras.utils.set_random_seed(seed)
    return build_bigru_multitask(L, T, units=6, n_layers=1, dropout=0.0)


def _fit(tmp, *, epochs=3, seed=1, callbacks=(), model=None, **kw):
    x, y = _data(120)
    xv, yv = _data(40, seed=5)
    xt, _ = _data(30, seed=9)
    return train_supervised(model or _model(), x, y, xv, yv, target="multilabel", epochs=epochs, batch_size=16,
                            learning_rate=0.01, checkpoint_dir=tmp, seed=seed, track={"valid": xv, "test": xt},
                            verbose=0, callbacks=callbacks, **kw)


# --------------------------------------------------------------------------- batches and prediction


def test_batches_one_hot_every_row_once_in_a_seeded_order():
    x, y = _data(50)
    batches = ArrayBatches(x, y, feed=encode.one_hot, batch_size=16, shuffle=True, seed=3, epoch=2)
    assert len(batches) == 4
    xs, ys = zip(*(batches[i] for i in range(len(batches))))
    assert xs[0].shape == (16, L, 4) and xs[0].dtype == np.float32 and xs[-1].shape == (2, L, 4)
    assert ys[0].dtype == np.float32
    np.testing.assert_array_equal(np.concatenate(xs), encode.one_hot(x[batches.order]))
    assert sorted(batches.order) == list(range(50))
    filled = ArrayBatches(x, y, feed=encode.one_hot, batch_size=16, shuffle=True, seed=3, epoch=2, fill_last_batch=True)
    assert len(filled) == 4 and filled[3][0].shape == (16, L, 4)
    np.testing.assert_array_equal(filled.order[:50], batches.order)
    np.testing.assert_array_equal(filled.order[50:], batches.order[:14])
    again = ArrayBatches(x, y, feed=encode.one_hot, batch_size=16, shuffle=True, seed=3, epoch=2)
    other = ArrayBatches(x, y, feed=encode.one_hot, batch_size=16, shuffle=True, seed=3, epoch=3)
    np.testing.assert_array_equal(batches.order, again.order)
    assert not np.array_equal(batches.order, other.order)
    with pytest.raises(IndexError):
        batches[4]


def test_predict_pads_the_last_batch_and_averages_strands():
    model = _gru()
    x, _ = _data(37)
    whole = np.asarray(model.predict_on_batch(encode.one_hot(x)))
    got = predict(model, x, batch_size=16)
    assert got.shape == (37, T) and got.dtype == np.float32
    np.testing.assert_allclose(got, whole, rtol=1e-5, atol=1e-6)
    rc = np.asarray(model.predict_on_batch(encode.one_hot(encode.reverse_complement(x))))
    both = predict(model, x, batch_size=16, reverse_complement_average=True)
    np.testing.assert_allclose(both, (whole + rc) / 2, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="codes"):
        predict(model, x.astype(np.float32))


def test_masked_bce_matches_the_keras_loss_and_skips_missing_labels():
    from genomenb.models.losses import masked_binary_crossentropy

    rng = np.random.default_rng(0)
    y = np.where(rng.random((20, 5)) < 0.3, 1.0, 0.0).astype(np.float32)
    y[rng.random((20, 5)) < 0.4] = -1
    y[0] = -1  # an example without labels
    p = rng.random((20, 5)).astype(np.float32)
    ours = masked_bce_per_example(y, p)
    assert np.isnan(ours[0])
    theirs = np.asarray(keras.ops.convert_to_numpy(masked_binary_crossentropy(y, p)))
    np.testing.assert_allclose(ours[1:], theirs[1:], rtol=1e-5)
    one = np.flatnonzero(y[1] >= 0)
    expected = -np.mean([math.log(p[1, t]) if y[1, t] == 1 else math.log(1 - p[1, t]) for t in one])
    assert ours[1] == pytest.approx(expected, rel=1e-6)


# --------------------------------------------------------------------------- training


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """One uninterrupted 3-epoch run, shared by the tests below."""
    return _fit(tmp_path_factory.mktemp("reference"))


def test_training_records_history_best_epoch_and_tracked_predictions(reference):
    result = reference
    tmp_path = result.checkpoint_dir
    h = result.history
    assert list(h.columns) == ["epoch", "loss", "train_perplexity", "val_loss", "val_perplexity", "seconds",
                               "sequences_per_second"] and list(h.epoch) == [1, 2, 3]
    np.testing.assert_allclose(h.val_perplexity, np.exp(h.val_loss))
    assert result.best_epoch == int(h.val_loss.idxmin()) + 1
    assert h.val_loss.iloc[-1] < math.log(2)  # learnt something (a coin flip per task is log 2)
    assert set(result.epoch_predictions) == {"valid", "test"}
    test_preds = result.epoch_predictions["test"]
    assert test_preds.shape == (3, 30, T) and test_preds.dtype == np.float32
    # the returned model is the best epoch's, and its validation loss is the one recorded
    xv, yv = _data(40, seed=5)
    best_probs = predict(result.model, xv)
    np.testing.assert_allclose(best_probs, result.epoch_predictions["valid"][result.best_epoch - 1], atol=1e-6)
    assert np.nanmean(masked_bce_per_example(yv, best_probs)) == pytest.approx(
        h.val_loss[result.best_epoch - 1], rel=1e-6)
    for name in ("last.keras", "best.keras", "history.csv", "state.json", "predictions_test_epoch3.npy"):
        assert (tmp_path / name).is_file(), name
    assert json.loads((tmp_path / "state.json").read_text())["best_epoch"] == result.best_epoch


def test_reverse_complement_average_scores_validation_and_tracked_arrays_on_both_strands(tmp_path, reference):
    result = _fit(tmp_path, epochs=2, reverse_complement_average=True)
    xv, yv = _data(40, seed=5)
    xt, _ = _data(30, seed=9)
    # same seed, same training: the averaged outputs are those of the forward model averaged with its strand twin
    for e in range(2):
        fwd = reference.epoch_predictions["valid"][e]
        assert not np.allclose(result.epoch_predictions["valid"][e], fwd, atol=1e-4)
    both = predict(result.model, xt, reverse_complement_average=True)
    np.testing.assert_allclose(both, result.epoch_predictions["test"][result.best_epoch - 1], atol=1e-6)
    best = predict(result.model, xv, reverse_complement_average=True)
    assert np.nanmean(masked_bce_per_example(yv, best)) == pytest.approx(
        result.history.val_loss[result.best_epoch - 1], rel=1e-6)
    np.testing.assert_allclose(result.history.loss, reference.history.loss[:2], rtol=1e-5)  # training unchanged
    assert json.loads((tmp_path / "state.json").read_text())["settings"]["reverse_complement_average"] is True


def test_masked_labels_train_each_head_on_its_own_sequences(tmp_path):
    x, y = _data(200, masked=True)
    assert ((y >= 0).sum(axis=1) == 1).all()
    xv, yv = _data(60, seed=5, masked=True)
    result = train_supervised(_gru(), x, y, xv, yv, target="multilabel", epochs=2, batch_size=20, learning_rate=0.01,
                              checkpoint_dir=tmp_path, verbose=0)
    assert np.isfinite(result.history.val_loss).all() and result.history.val_loss.iloc[-1] < math.log(2) + 0.05


def test_interrupted_run_resumes_with_the_numbers_of_an_uninterrupted_one(tmp_path, reference):
    with pytest.raises(KeyboardInterrupt):
        _fit(tmp_path / "run", callbacks=[Interrupt(stop_epoch=1, stop_batch=2)])  # the middle of epoch 2
    assert json.loads((tmp_path / "run" / "state.json").read_text())["epochs_done"] == 1
    resumed = _fit(tmp_path / "run")
    assert resumed.resumed_from_epoch == 1
    cols = ["loss", "val_loss", "val_perplexity"]
    np.testing.assert_allclose(resumed.history[cols].to_numpy(), reference.history[cols].to_numpy(), rtol=1e-6)
    assert resumed.best_epoch == reference.best_epoch
    for name in ("valid", "test"):
        np.testing.assert_allclose(resumed.epoch_predictions[name], reference.epoch_predictions[name], atol=1e-6)
    for a, b in zip(resumed.model.get_weights(), reference.model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    # a finished run is loaded, not retrained; asking for more epochs continues it
    again = _fit(tmp_path / "run")
    assert again.resumed_from_epoch == 3
    np.testing.assert_array_equal(again.history[cols].to_numpy(), resumed.history[cols].to_numpy())
    longer = _fit(tmp_path / "run", epochs=4)
    assert longer.resumed_from_epoch == 3 and list(longer.history.epoch) == [1, 2, 3, 4]
    assert longer.epoch_predictions["test"].shape[0] == 4


def test_same_seed_same_numbers_other_seed_or_model_starts_afresh(tmp_path, reference):
    a = _fit(tmp_path / "a", epochs=1)
    np.testing.assert_array_equal(a.history[["loss", "val_loss"]].to_numpy(),
                                  reference.history[["loss", "val_loss"]].to_numpy()[:1])
    c = _fit(tmp_path / "a", epochs=1, seed=2)  # another shuffling seed: not the same run
    assert c.resumed_from_epoch == 0 and c.history.loss[0] != a.history.loss[0]
    d = _fit(tmp_path / "a", epochs=1, seed=2, model=_model(seed=4))  # other initial weights
    assert d.resumed_from_epoch == 0


@pytest.mark.parametrize("bad, match", [
    ({"epochs": 0}, "epochs"), ({"batch_size": 0}, "batch_size"), ({"learning_rate": 0.0}, "learning_rate"),
    ({"y_train": np.full((120, T), 2.0, np.float32)}, "0/1"), ({"x_train": np.full((120, L), 7, np.uint8)}, "codes"),
    ({"y_train": np.zeros((120, T + 1), np.float32)}, "tasks"), ({"track": {"bad name": np.zeros((2, L), np.uint8)}},
                                                                "identifiers"),
])
def test_bad_arguments_are_clear_errors(tmp_path, bad, match):
    x, y = _data(120)
    xv, yv = _data(40, seed=5)
    kwargs = dict(x_train=x, y_train=y, x_valid=xv, y_valid=yv, epochs=1, batch_size=16, checkpoint_dir=tmp_path,
                  verbose=0)
    kwargs.update(bad)
    with pytest.raises(ValueError, match=match):
        train_supervised(_model(), target="multilabel", **kwargs)


# --------------------------------------------------------------------------- two inputs, regression; three classes



def _resumes_identically(tmp_path, fit, columns):
    reference = fit(tmp_path / "reference")
    with pytest.raises(KeyboardInterrupt):
        fit(tmp_path / "run", callbacks=[Interrupt(stop_epoch=1, stop_batch=1)])
    resumed = fit(tmp_path / "run")
    assert resumed.resumed_from_epoch == 1
    np.testing.assert_allclose(resumed.history[columns].to_numpy(), reference.history[columns].to_numpy(), rtol=1e-6)
    assert resumed.best_epoch == reference.best_epoch
    for a, b in zip(resumed.model.get_weights(), reference.model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    return reference


def test_two_input_regression_trains_resumes_and_tracks(tmp_path):
    x, y = two_input_data(160)
    xv, yv = two_input_data(60, seed=1)

    def fit(folder, callbacks=()):
        return train_supervised(two_input_regressor(), x, y, xv, yv, target="regression", epochs=3, batch_size=16,
                                learning_rate=0.02, checkpoint_dir=folder, seed=3, track={"valid": xv},
                                monitor="val_pearson_r", mode="max", callbacks=callbacks, verbose=0)

    result = _resumes_identically(tmp_path, fit, ["loss", "val_loss", "val_pearson_r", "val_r2"])
    h = result.history
    assert list(h.columns) == ["epoch", "loss", "val_loss", "val_pearson_r", "val_r2", "seconds",
                               "sequences_per_second"]
    assert result.best_epoch == int(h.val_pearson_r.idxmax()) + 1
    assert h.val_pearson_r.max() > 0.5  # the regulator term alone is learnable
    best = predict(result.model, xv)
    assert best.shape == (60, 1)
    np.testing.assert_allclose(best, result.epoch_predictions["valid"][result.best_epoch - 1], atol=1e-5)
    assert np.mean((best[:, 0] - yv) ** 2) == pytest.approx(h.val_loss[result.best_epoch - 1], rel=1e-5)
    with pytest.raises(ValueError, match="inputs"):
        predict(result.model, xv["promoter"])


def test_three_class_model_with_class_weights_resumes_identically(tmp_path):
    x, y = three_class_data(180)
    xv, yv = three_class_data(60, seed=1)

    def fit(folder, callbacks=()):
        return train_supervised(three_class_cnn(), x, y, xv, yv, target="multiclass", epochs=3, batch_size=16,
                                learning_rate=0.02, checkpoint_dir=folder, seed=2, class_weight=True,
                                monitor="val_balanced_accuracy", mode="max", callbacks=callbacks, verbose=0)

    result = _resumes_identically(tmp_path, fit, ["loss", "val_loss", "val_accuracy", "val_balanced_accuracy"])
    assert result.best_epoch == int(result.history.val_balanced_accuracy.idxmax()) + 1
    assert result.history.val_balanced_accuracy.max() > 0.5  # chance is 1/3
    probs = predict(result.model, xv)
    assert probs.shape == (60, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    logits = predict(result.model, xv, output="logit")
    np.testing.assert_allclose(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True), probs, atol=1e-5)
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    assert len(state["settings"]["class_weight"]) == 3


def test_early_stopping_stops_after_patience_and_a_rerun_stops_there_too(tmp_path):
    x, y = three_class_data(120)
    xv, yv = three_class_data(40, seed=1)

    def fit():  # an absurd learning rate: validation loss gets worse quickly
        return train_supervised(three_class_cnn(), x, y, xv, yv, target="multiclass", epochs=8, batch_size=16,
                                learning_rate=3.0, checkpoint_dir=tmp_path, seed=0, patience=1, verbose=0)

    first = fit()
    assert first.stopped_early and len(first.history) < 8
    assert len(first.history) == first.best_epoch + 1
    again = fit()
    assert again.stopped_early and len(again.history) == len(first.history)


def test_bad_targets_are_clear_errors(tmp_path):
    x, y = three_class_data(40)
    with pytest.raises(ValueError, match="integer class labels"):
        train_supervised(three_class_cnn(), x, y.astype(np.float32), x, y, target="multiclass", epochs=1,
                         batch_size=8, checkpoint_dir=tmp_path, verbose=0)
    with pytest.raises(ValueError, match="target must be"):
        train_supervised(three_class_cnn(), x, y, x, y, target="ordinal", epochs=1, batch_size=8,
                         checkpoint_dir=tmp_path, verbose=0)
    with pytest.raises(ValueError, match="class_weight"):
        train_supervised(three_class_cnn(), x, y, x, y, target="multiclass", epochs=1, batch_size=8,
                         checkpoint_dir=tmp_path, class_weight=np.ones(2), verbose=0)
