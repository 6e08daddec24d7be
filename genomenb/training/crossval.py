"""Grouped k-fold cross-validation and model selection, through the one training loop.

:func:`cross_validate` trains one fresh model per fold with
:func:`genomenb.training.supervised.train_supervised`, the held-out fold
serving as that fold's validation set, each fold checkpointing into its own
folder (``fold0``, ``fold1``, ...), so an interrupted cross-validation resumes
fold by fold. Folds come from :func:`genomenb.data.splits.grouped_folds`: no
group (gene family, identity cluster, genome) is ever on both sides.
:func:`select_models` cross-validates several candidate models on the same
folds and ranks them: the model-selection table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import keras
import numpy as np
import pandas as pd

from genomenb.data.splits import grouped_folds
from genomenb.predict import Inputs, n_rows, take_rows
from genomenb.training.loop import TrainResult
from genomenb.training.supervised import train_supervised

__all__ = ["CrossValidation", "cross_validate", "select_models"]


@dataclass
class CrossValidation:
    """The result of :func:`cross_validate`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per fold: ``fold``, ``n_train``, ``n_valid``, ``n_groups_valid``,
        ``best_epoch``, ``epochs_run`` and every history column at the best epoch.
    folds : list of (numpy.ndarray, numpy.ndarray)
        Training and validation indices of every fold.
    results : list of TrainResult
        The trained fold models (best-epoch weights).
    monitor : str
    """

    table: pd.DataFrame
    folds: list[tuple[np.ndarray, np.ndarray]]
    results: list[TrainResult] = field(repr=False)
    monitor: str = "val_loss"

    def summary(self) -> dict[str, float]:
        """Mean and standard deviation over folds of every validation column."""
        out = {}
        for column in self.table.columns:
            if column.startswith("val_"):
                out[f"{column}_mean"] = float(self.table[column].mean())
                out[f"{column}_sd"] = float(self.table[column].std(ddof=1)) if len(self.table) > 1 else 0.0
        return out


def cross_validate(build_model: Callable[[], keras.Model], x: Inputs, y: np.ndarray, groups: Sequence, *,
                   target: str, checkpoint_dir: str | Path, n_splits: int = 5, stratify: bool | None = None,
                   seed: int = 0, monitor: str = "val_loss", mode: str = "min", verbose: int = 2,
                   **train_options: Any) -> CrossValidation:
    """Grouped k-fold cross-validation of the model ``build_model`` makes.

    Parameters
    ----------
    build_model : callable
        Returns a new, untrained model; called once per fold right after
        ``keras.utils.set_random_seed(seed + fold)``.
    x, y
        All examples available for cross-validation (never the test set).
    groups : sequence
        One group id per example; a group never straddles a fold.
    target : {"multilabel", "multiclass", "regression"}
    checkpoint_dir : str or Path
        Fold ``k`` trains in ``<checkpoint_dir>/fold<k>``.
    n_splits : int, default 5
    stratify : bool, optional
        Keep class proportions per fold (default: for ``"multiclass"`` with
        ``(N,)`` labels; ``(N, K)`` labels cannot be stratified).
    seed : int
        Fixes the folds and every fold's initial weights and batch order.
    monitor, mode
        The column choosing each fold's best epoch (and reported in ``table``).
    **train_options
        ``epochs``, ``batch_size``, ``learning_rate``, ``patience``,
        ``class_weight``, ``trim_padding``... for :func:`train_supervised`.

    Returns
    -------
    CrossValidation
    """
    groups = np.asarray(groups)
    n = n_rows(x)
    if len(groups) != n:
        raise ValueError(f"groups must have one entry per example ({n}), got {len(groups)}")
    y_rows = np.asarray(y)
    stratify = target == "multiclass" and y_rows.ndim == 1 if stratify is None else stratify
    if stratify and y_rows.ndim != 1:
        raise ValueError(f"stratify needs (N,) class labels; got labels of shape {y_rows.shape} "
                         "(pass stratify=False)")
    folds = grouped_folds(groups, n_splits, labels=y_rows if stratify else None, seed=seed)
    rows, results = [], []
    for k, (train, valid) in enumerate(folds):
        keras.utils.set_random_seed(seed + k)
        model = build_model()
        if verbose:
            print(f"fold {k + 1}/{len(folds)}: {len(train):,} training and {len(valid):,} validation examples")
        result = train_supervised(model, take_rows(x, train), np.asarray(y)[train], take_rows(x, valid),
                                  np.asarray(y)[valid], target=target, checkpoint_dir=Path(checkpoint_dir) / f"fold{k}",
                                  seed=seed + k, monitor=monitor, mode=mode, verbose=verbose, **train_options)
        results.append(result)
        rows.append({"fold": k, "n_train": len(train), "n_valid": len(valid),
                     "n_groups_valid": int(len(np.unique(groups[valid]))), "best_epoch": result.best_epoch,
                     "epochs_run": len(result.history), **result.best})
    table = pd.DataFrame(rows).drop(columns=["epoch"])
    return CrossValidation(table, folds, results, monitor)


def select_models(candidates: Mapping[str, Callable[[], keras.Model]], x: Inputs, y: np.ndarray, groups: Sequence,
                  *, target: str, checkpoint_dir: str | Path, monitor: str = "val_loss", mode: str = "min",
                  **cv_options: Any) -> tuple[pd.DataFrame, dict[str, CrossValidation]]:
    """Cross-validate several candidate models on the same grouped folds and rank them.

    Parameters
    ----------
    candidates : mapping of str to callable
        Candidate name -> model builder (names must be identifiers: they name folders).
    x, y, groups, target
        As for :func:`cross_validate`.
    checkpoint_dir : str or Path
        Candidate ``c`` cross-validates in ``<checkpoint_dir>/<c>``.
    monitor, mode
        The column that ranks candidates (mean over folds).
    **cv_options
        Passed to :func:`cross_validate` (``n_splits``, ``seed``, ``epochs``...).

    Returns
    -------
    (pandas.DataFrame, dict)
        The selection table, one row per candidate, best first: ``candidate``,
        ``rank``, mean and standard deviation of every validation column; and
        each candidate's :class:`CrossValidation`.
    """
    runs, rows = {}, []
    for name, build in candidates.items():
        if not str(name).isidentifier():
            raise ValueError(f"candidate names must be identifiers (they name folders), got {name!r}")
        runs[name] = cross_validate(build, x, y, groups, target=target, checkpoint_dir=Path(checkpoint_dir) / name,
                                    monitor=monitor, mode=mode, **cv_options)
        rows.append({"candidate": name, **runs[name].summary()})
    table = pd.DataFrame(rows)
    table = table.sort_values(f"{monitor}_mean", ascending=(mode == "min"), kind="stable").reset_index(drop=True)
    table.insert(1, "rank", np.arange(1, len(table) + 1))
    return table, runs
