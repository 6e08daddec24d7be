"""Per-task classification metrics agree with scikit-learn and handle tasks without positives."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

from genomenb import metrics as M


@pytest.fixture
def tasks():
    rng = np.random.default_rng(3)
    y = (rng.random((400, 9)) < np.linspace(0.02, 0.4, 9)).astype(np.uint8)
    scores = rng.random((400, 9)) + 0.8 * y * rng.random((400, 9))
    scores[:, 4] = np.round(scores[:, 4], 1)  # many ties
    scores[:, 5] = 0.5  # all tied
    y[:, 6] = 0  # no positives
    y[:, 7] = 1  # no negatives
    return y, scores


def test_auroc_and_aupr_match_sklearn(tasks):
    y, s = tasks
    auc = M.roc_auc_per_task(y, s)
    ap = M.average_precision_per_task(y, s)
    for t in range(y.shape[1]):
        if 0 < y[:, t].sum() < len(y):
            assert auc[t] == pytest.approx(roc_auc_score(y[:, t], s[:, t]), abs=1e-12)
        if y[:, t].sum() > 0:
            assert ap[t] == pytest.approx(average_precision_score(y[:, t], s[:, t]), abs=1e-12)
    assert auc[5] == pytest.approx(0.5)
    assert np.isnan(auc[6]) and np.isnan(auc[7]) and np.isnan(ap[6])
    assert ap[7] == pytest.approx(1.0)


def test_one_task_as_1d():
    y = np.array([0, 1, 1, 0, 1])
    s = np.array([0.1, 0.9, 0.4, 0.5, 0.8])
    assert M.roc_auc_per_task(y, s)[0] == pytest.approx(roc_auc_score(y, s))


def test_f1_matches_sklearn_and_is_nan_when_undefined(tasks):
    y, s = tasks
    pred = s > 0.7
    f1 = M.f1_per_task(y, pred)
    for t in range(y.shape[1]):
        if y[:, t].any() or pred[:, t].any():
            assert f1[t] == pytest.approx(f1_score(y[:, t], pred[:, t]), abs=1e-12)
    empty = M.f1_per_task(np.zeros((5, 1)), np.zeros((5, 1)))
    assert np.isnan(empty[0])


def test_best_thresholds_maximise_f1_exhaustively(tasks):
    y, s = tasks[0][:150], tasks[1][:150]  # every distinct score is tried with scikit-learn: keep it small
    thresholds, best = M.best_f1_thresholds(y, s)
    for t in range(y.shape[1]):
        if not y[:, t].any():
            assert np.isinf(thresholds[t]) and np.isnan(best[t])
            continue
        exhaustive = max(f1_score(y[:, t], s[:, t] >= u) for u in np.unique(s[:, t]))
        assert best[t] == pytest.approx(exhaustive, abs=1e-12)
    np.testing.assert_allclose(M.f1_at_thresholds(y, s, thresholds)[y.any(axis=0)], best[y.any(axis=0)])
    # a task without positives: predicting none leaves F1 undefined, predicting all gives 0
    assert np.isnan(M.f1_at_thresholds(y[:, [6]], s[:, [6]], [np.inf])[0])
    assert M.f1_at_thresholds(y[:, [6]], s[:, [6]], [-np.inf])[0] == 0.0


def test_summaries_and_win_rate():
    values = np.array([0.5, np.nan, 0.9, 0.7, 0.6])
    prevalence = np.array([0.02, 0.5, 0.001, 0.05, 0.01])
    assert M.summarize_per_task(values) == {"n": 4, "median": pytest.approx(0.65), "mean": pytest.approx(0.675)}
    restricted = M.summarize_per_task(values, prevalence >= 0.01)
    assert restricted["n"] == 3 and restricted["median"] == pytest.approx(0.6)
    assert np.isnan(M.summarize_per_task(values, np.zeros(5, bool))["median"])
    win = M.paired_win_rate([0.6, 0.2, 0.5, np.nan], [0.5, 0.3, 0.5, 0.1])
    assert win == {"n": 3, "wins": 1, "ties": 1, "win_rate": pytest.approx(1 / 3),
                   "mean_difference": pytest.approx(0.0)}


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="0/1"):
        M.roc_auc_per_task(np.array([0, 2]), np.array([0.1, 0.2]))
    with pytest.raises(ValueError, match="same shape"):
        M.roc_auc_per_task(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="finite"):
        M.average_precision_per_task(np.array([0, 1]), np.array([np.nan, 0.2]))


def test_perplexity_helpers_unchanged():
    assert M.perplexity(np.log(4)) == pytest.approx(4.0)
    assert M.bits_per_base(np.log(4)) == pytest.approx(2.0)


def test_column_medians_over_chosen_tasks():
    import pandas as pd

    report = pd.DataFrame({"auroc": [0.5, np.nan, 0.9, 0.7], "f1": [0.1, 0.2, 0.3, 0.4], "other": [9, 9, 9, 9]},
                          index=[10, 11, 12, 13])
    assert M.column_medians(report, columns=("auroc", "f1")) == {"auroc": pytest.approx(0.7),
                                                                 "f1": pytest.approx(0.25)}
    chosen = M.column_medians(report, np.array([True, True, False, True]), columns=("auroc", "f1"))
    assert chosen == {"auroc": pytest.approx(0.6), "f1": pytest.approx(0.2)}
    with pytest.warns(RuntimeWarning):
        assert np.isnan(M.column_medians(report, np.array([False, True, False, False]), ("auroc",))["auroc"])


def test_binary_scores_match_hand_counts():
    from genomenb.metrics import binary_scores

    y = np.array([1, 1, 1, 0, 0, 0, 0, 0])
    s = np.array([0.9, 0.6, 0.2, 0.1, 0.3, 0.7, 0.2, 0.1])
    out = binary_scores(y, s)
    assert out["accuracy"] == pytest.approx(6 / 8)
    assert out["balanced_accuracy"] == pytest.approx((2 / 3 + 4 / 5) / 2)
    assert out["f1"] == pytest.approx(2 * (2 / 3) * (2 / 3) / (4 / 3))
    assert out["auroc"] == pytest.approx(11.5 / 15)  # 15 pairs, one tie counted half
    assert np.isnan(binary_scores(np.ones(3), np.ones(3))["auroc"])
    assert binary_scores(np.array([0, 1]), np.array([0.5, 0.5]))["accuracy"] == 0.5  # a tie is a negative call
    with pytest.raises(ValueError, match="one score per label"):
        binary_scores(y, s[:3])


def test_multiclass_scores_per_class_recall_and_macro_f1():
    from genomenb.metrics import multiclass_scores

    out = multiclass_scores(np.array(["a", "a", "b", "c"]), np.array(["a", "b", "b", "b"]))
    assert out["accuracy"] == 0.5
    assert out["per_class"] == {"a": 0.5, "b": 1.0, "c": 0.0}
    assert out["macro_f1"] == pytest.approx((2 / 3 + 1 / 2 + 0) / 3)
