"""Baselines scored exactly like the neural models: the same grouped folds, the same held-out set.

Any classifier with scikit-learn's ``fit(x, y)`` / ``predict_proba(x)`` (the
composition models of :mod:`genomenb.baselines.composition`, the homology
classifier of :mod:`genomenb.baselines.homology`, a scikit-learn pipeline) is
trained once per fold of :func:`genomenb.data.splits.grouped_folds` and
scored on that fold with :func:`genomenb.metrics.binary_scores` (or
:func:`genomenb.metrics.multiclass_scores`), so its cross-validation row is
comparable with :func:`genomenb.training.cross_validate`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from genomenb.metrics import binary_scores, multiclass_scores

__all__ = ["take", "positive_score", "fold_scores", "holdout_scores"]


def take(x: Any, index: np.ndarray) -> Any:
    """Rows ``index`` of an array, or items of a list of sequences."""
    if isinstance(x, np.ndarray):
        return x[index]
    return [x[i] for i in index]


def positive_score(model: Any, x: Any) -> np.ndarray:
    """Probability of the positive class (label ``1`` / ``True``) from ``model.predict_proba``."""
    proba = np.asarray(model.predict_proba(x))
    classes = [int(c) for c in model.classes_]
    if 1 not in classes:
        raise ValueError(f"the model never saw the positive class; its classes are {classes}")
    return proba[:, classes.index(1)]


def _scores(model: Any, x: Any, y: np.ndarray, multiclass: bool) -> dict:
    if multiclass:
        out = multiclass_scores(y, np.asarray(model.predict(x)))
        return {k: v for k, v in out.items() if k != "per_class"}
    return binary_scores(y, positive_score(model, x))


def fold_scores(make_model: Callable[[], Any], x: Any, y: Sequence, folds: Sequence[tuple[np.ndarray, np.ndarray]],
                *, multiclass: bool = False) -> pd.DataFrame:
    """Train a fresh model on each fold's training part and score it on the fold: one row per fold.

    Parameters
    ----------
    make_model : callable
        Returns a new, unfitted classifier.
    x : numpy.ndarray or list
        All cross-validation examples (never the test set).
    y : sequence
        Labels (0/1 for binary).
    folds : sequence of (train_index, valid_index)
        From :func:`genomenb.data.splits.grouped_folds` (or
        ``CrossValidation.folds``), so every model sees the same folds.
    multiclass : bool, default False
        Score with :func:`~genomenb.metrics.multiclass_scores` instead.
    """
    y = np.asarray(y)
    rows = []
    for k, (train, valid) in enumerate(folds):
        model = make_model().fit(take(x, train), y[train])
        rows.append({"fold": k, **_scores(model, take(x, valid), y[valid], multiclass)})
    return pd.DataFrame(rows)


def holdout_scores(make_model: Callable[[], Any], x_train: Any, y_train: Sequence, x_test: Any, y_test: Sequence,
                   *, multiclass: bool = False) -> tuple[Any, dict]:
    """Fit on the training set, score once on the held-out set: ``(fitted model, scores)``."""
    model = make_model().fit(x_train, np.asarray(y_train))
    return model, _scores(model, x_test, np.asarray(y_test), multiclass)
