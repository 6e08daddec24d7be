"""Evaluation of multitask models against a baseline, checked against scikit-learn on random data."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

from genomenb import metrics as M


@pytest.fixture
def epochs_data():
    """Random labels and scores after 3 epochs: (y_valid, valid (3, Nv, T), y_test, test (3, Nt, T))."""
    rng = np.random.default_rng(11)
    t = 6
    y_valid = (rng.random((150, t)) < np.linspace(0.05, 0.4, t)).astype(np.uint8)
    y_test = (rng.random((300, t)) < np.linspace(0.05, 0.4, t)).astype(np.uint8)
    y_test[:, 5] = 0  # a task without test positives
    valid = rng.random((3, 150, t)) + 0.5 * y_valid * rng.random((3, 150, t))
    test = rng.random((3, 300, t)) + 0.5 * y_test * rng.random((3, 300, t))
    test[1, :, 2] = np.round(test[1, :, 2], 1)  # ties
    return y_valid, valid, y_test, test


def _sklearn_f1_at_valid_threshold(y_valid, v, y_test, s):
    """Exhaustive search of the F1-maximising validation threshold, then sklearn's test F1."""
    best, best_t = -1.0, np.inf
    for thr in np.unique(v):
        f = f1_score(y_valid, v >= thr, zero_division=0)
        if f >= best:  # ties: the highest threshold wins, as in best_f1_thresholds
            best, best_t = f, thr
    return f1_score(y_test, s >= best_t, zero_division=0)


def test_scores_by_epoch_match_sklearn(epochs_data):
    y_valid, valid, y_test, test = epochs_data
    got = M.per_task_scores_by_epoch(y_valid, valid, y_test, test)
    assert set(got) == {"f1", "auroc", "aupr"} and got["f1"].shape == (3, 6)
    for e in range(3):
        for t in range(5):
            assert got["auroc"][e, t] == pytest.approx(roc_auc_score(y_test[:, t], test[e, :, t]), abs=1e-12)
            assert got["aupr"][e, t] == pytest.approx(average_precision_score(y_test[:, t], test[e, :, t]), abs=1e-12)
            expected = _sklearn_f1_at_valid_threshold(y_valid[:, t], valid[e, :, t], y_test[:, t], test[e, :, t])
            assert got["f1"][e, t] == pytest.approx(expected, abs=1e-12)
        assert np.isnan(got["auroc"][e, 5]) and np.isnan(got["aupr"][e, 5])
    with pytest.raises(ValueError, match="E, N, T"):
        M.per_task_scores_by_epoch(y_valid, valid[:2], y_test, test)


def test_max_over_epochs_skips_nan():
    per_epoch = np.array([[0.1, np.nan, np.nan], [0.3, 0.2, np.nan], [0.2, np.nan, np.nan]])
    got = M.max_over_epochs(per_epoch)
    np.testing.assert_array_equal(got[:2], [0.3, 0.2])
    assert np.isnan(got[2])


def test_best_epoch_per_task_is_the_validation_auroc_argmax_of_labelled_rows(epochs_data):
    y_valid, valid, _, test = epochs_data
    y = y_valid.astype(np.int64)
    y[::3, 1] = -1  # unlabelled rows are ignored
    y[:, 4] = np.where(np.arange(len(y)) % 2 == 0, -1, 0)  # one class only: the fallback epoch
    got = M.best_epoch_per_task(y, valid, fallback=2)
    for t in range(4):
        m = y[:, t] >= 0
        expected = int(np.argmax([roc_auc_score(y[m, t], valid[e, m, t]) for e in range(3)]))
        assert got[t] == expected
    assert got[4] == 2 and got.dtype == np.int64
    picked = M.scores_at_epochs(test, got)
    assert picked.shape == test.shape[1:]
    for t in range(6):
        np.testing.assert_array_equal(picked[:, t], test[got[t], :, t])
    with pytest.raises(ValueError, match="fallback"):
        M.best_epoch_per_task(y, valid, fallback=3)
    with pytest.raises(ValueError, match="epoch indices"):
        M.scores_at_epochs(test, np.full(6, 3))


def test_compare_to_baseline_counts_wins_on_eligible_tasks():
    rng = np.random.default_rng(2)
    base = rng.random(50)
    model = base + rng.normal(0, 0.1, 50)
    model[3] = base[3]  # a tie
    model[7] = np.nan  # not scored
    eligible = np.ones(50, dtype=bool)
    eligible[40:] = False
    table = M.compare_to_baseline({"rnn": model, "same": base}, base, eligible)
    keep = eligible & np.isfinite(model)
    row = table.loc["rnn"]
    assert row.tasks == keep.sum() == 39
    assert row.wins == (model[keep] > base[keep]).sum() and row.ties == 1
    assert row.win_rate == pytest.approx(row.wins / 39)
    assert row.mean_difference == pytest.approx((model[keep] - base[keep]).mean())
    assert row.median_model == pytest.approx(np.median(model[keep]))
    assert table.loc["same"].win_rate == 0 and table.loc["same"].ties == 40
    with pytest.raises(ValueError, match="shape"):
        M.compare_to_baseline({"bad": model[:10]}, base)


def test_medians_by_kind():
    kinds = np.array(["DNase"] * 3 + ["TF"] * 4 + ["Histone"] * 2)
    values = np.array([0.1, 0.2, 0.3, 0.5, np.nan, 0.7, 0.9, 0.4, 0.6])
    eligible = np.array([1, 1, 1, 1, 1, 1, 0, 1, 1], dtype=bool)
    table = M.medians_by_kind({"m": values}, kinds, eligible)
    assert list(table.index) == ["DNase", "TF", "Histone", "all"]
    assert table.loc["DNase", "m"] == pytest.approx(0.2)
    assert table.loc["TF", "m"] == pytest.approx(0.6)  # 0.5 and 0.7: NaN skipped, 0.9 not eligible
    assert table.loc["Histone", "m"] == pytest.approx(0.5)
    assert table.loc["all", "m"] == pytest.approx(np.median([0.1, 0.2, 0.3, 0.5, 0.7, 0.4, 0.6]))
    assert table.loc["TF", "tasks"] == 3 and table.loc["all", "tasks"] == 8


def test_masked_report_scores_each_task_on_its_own_rows():
    rng = np.random.default_rng(5)
    n, t = 600, 4
    owner = rng.integers(0, t, n)  # each sequence belongs to one set
    label = (rng.random(n) < 0.4).astype(np.int8)
    y = np.full((n, t), -1, dtype=np.int8)
    y[np.arange(n), owner] = label
    scores = rng.random((n, t)) + 0.6 * (y == 1)
    valid_owner = rng.integers(0, t, 300)
    valid_label = (rng.random(300) < 0.4).astype(np.int8)
    yv = np.full((300, t), -1, dtype=np.int8)
    yv[np.arange(300), valid_owner] = valid_label
    sv = rng.random((300, t)) + 0.6 * (yv == 1)
    table = M.masked_per_task_report(y, scores, y_valid=yv, scores_valid=sv)
    for k in range(t):
        rows, vrows = owner == k, valid_owner == k
        assert table.n_test[k] == rows.sum()
        assert table.auroc[k] == pytest.approx(roc_auc_score(label[rows], scores[rows, k]))
        assert table.aupr[k] == pytest.approx(average_precision_score(label[rows], scores[rows, k]))
        assert table.f1_default[k] == pytest.approx(f1_score(label[rows], scores[rows, k] >= 0.5))
        expected = _sklearn_f1_at_valid_threshold(valid_label[vrows], sv[vrows, k], label[rows], scores[rows, k])
        assert table.f1[k] == pytest.approx(expected)
