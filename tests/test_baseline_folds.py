"""Baselines scored on given folds and on a held-out set, like the neural models."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from genomenb.baselines import folds as F
from genomenb.data.splits import grouped_folds


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(120, 3))
    y = (x[:, 0] + 0.3 * rng.normal(size=120) > 0).astype(int)
    return x, y, np.repeat(np.arange(40), 3)


def test_fold_scores_train_on_each_fold_and_score_its_held_out_part():
    x, y, groups = _data()
    folds = grouped_folds(groups, 4, labels=y, seed=0)
    table = F.fold_scores(lambda: LogisticRegression(), x, y, folds)
    assert list(table.fold) == [0, 1, 2, 3]
    assert table.n.sum() == len(y)  # every example scored once, in its own fold
    assert (table.auroc > 0.9).all()
    shuffled = F.fold_scores(lambda: LogisticRegression(), x, np.random.default_rng(1).permutation(y), folds)
    assert shuffled.auroc.mean() < 0.75


def test_holdout_and_multiclass_and_list_inputs():
    x, y, _ = _data(2)
    model, scores = F.holdout_scores(lambda: LogisticRegression(), x[:80], y[:80], x[80:], y[80:])
    assert scores["n"] == 40 and scores["accuracy"] > 0.8
    np.testing.assert_allclose(F.positive_score(model, x[:5]), model.predict_proba(x[:5])[:, 1])
    assert F.take([10, 11, 12], np.array([2, 0])) == [12, 10]
    y3 = np.digitize(x[:, 0], [-0.5, 0.5])
    multi = F.fold_scores(lambda: LogisticRegression(), x, y3, grouped_folds(np.arange(120), 3, seed=0),
                          multiclass=True)
    assert {"accuracy", "macro_f1"} <= set(multi.columns) and (multi.accuracy > 0.6).all()
    with pytest.raises(ValueError, match="positive class"):
        F.positive_score(LogisticRegression().fit(x[:10], np.full(10, 2) + (x[:10, 0] > 0)), x[:3])
