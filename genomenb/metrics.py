"""Evaluation metrics.

Language models: perplexity is ``exp`` of the mean cross-entropy in nats per
base; bits per base is the same cross-entropy in base 2. A uniform guess over
A/C/G/T has perplexity 4 and 2 bits per base.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

__all__ = ["perplexity", "bits_per_base", "cross_entropy_from_probs"]


def perplexity(mean_cross_entropy_nats: float) -> float:
    """Perplexity from a mean cross-entropy in nats."""
    return float(math.exp(mean_cross_entropy_nats))


def bits_per_base(mean_cross_entropy_nats: float) -> float:
    """Mean cross-entropy converted from nats to bits."""
    return float(mean_cross_entropy_nats / math.log(2))


def cross_entropy_from_probs(probs: np.ndarray, targets: np.ndarray) -> float:
    """Mean cross-entropy (nats) of predicted distributions against integer targets.

    Parameters
    ----------
    probs : numpy.ndarray
        float, shape ``(..., C)``, rows summing to 1.
    targets : numpy.ndarray
        int, shape ``(...)``, values in ``[0, C)``.
    """
    p = np.take_along_axis(probs, targets[..., None].astype(np.int64), axis=-1)[..., 0]
    return float(-np.mean(np.log(np.clip(p, 1e-12, 1.0))))


# --------------------------------------------------------------------------- multi-task classification
# The 919 chromatin tasks are scored one column at a time, but vectorised over all
# columns: y_true and scores are (N, T) arrays, the results (T,) float64 arrays.
# A task whose test labels hold no positive (or no negative) has no ROC curve: its
# AUROC and AUPR are NaN, never a made-up 0.5, and summaries skip NaN.

__all__ += [
    "roc_auc_per_task",
    "average_precision_per_task",
    "f1_per_task",
    "f1_at_thresholds",
    "best_f1_thresholds",
    "summarize_per_task",
    "paired_win_rate",
]


def _task_arrays(y_true: np.ndarray, scores: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Labels (N, T) as bool and scores (N, T) as float64; 1-D inputs are one task."""
    y = np.asarray(y_true)
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2:
        raise ValueError(f"labels must be (N,) or (N, T), got shape {y.shape}")
    if y.size and not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0/1")
    if scores is None:
        return y.astype(bool), None
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim == 1:
        s = s[:, None]
    if s.shape != y.shape:
        raise ValueError(f"scores {s.shape} and labels {y.shape} must have the same shape")
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite")
    return y.astype(bool), s


def roc_auc_per_task(y_true: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Area under the ROC curve of every task (column), ties counted half.

    Uses the rank-sum (Mann-Whitney) identity
    ``AUROC = (sum of positive ranks - P (P + 1) / 2) / (P N)`` with average
    ranks, which equals scikit-learn's ``roc_auc_score``.

    Parameters
    ----------
    y_true : numpy.ndarray
        0/1 labels, ``(N, T)`` (or ``(N,)`` for one task).
    scores : numpy.ndarray
        Real-valued scores of the same shape; higher means more likely positive.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(T,)``; NaN for tasks without both classes.
    """
    from scipy.stats import rankdata

    y, s = _task_arrays(y_true, scores)
    n_pos = y.sum(axis=0).astype(np.float64)
    n_neg = y.shape[0] - n_pos
    ranks = rankdata(s, axis=0)
    rank_sum = np.where(y, ranks, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    auc[(n_pos == 0) | (n_neg == 0)] = np.nan
    return auc


def _sorted_by_score(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per column, descending scores: (sorted scores, sorted labels, true positives so far, tie-group end)."""
    order = np.argsort(-s, axis=0, kind="stable")
    s_sorted = np.take_along_axis(s, order, axis=0)
    y_sorted = np.take_along_axis(y, order, axis=0)
    tp = np.cumsum(y_sorted, axis=0, dtype=np.float64)
    n = s.shape[0]
    is_end = np.ones(s.shape, dtype=bool)
    is_end[:-1] = s_sorted[:-1] != s_sorted[1:]  # last row of each group of tied scores
    end = np.where(is_end, np.arange(n)[:, None], n - 1)
    end = np.minimum.accumulate(end[::-1], axis=0)[::-1]  # index of the group end for every row
    return s_sorted, y_sorted, tp, end


def average_precision_per_task(y_true: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Average precision (area under the precision-recall curve, step-wise) of every task.

    ``AP = sum_k (R_k - R_{k-1}) P_k`` over the distinct score thresholds, as
    scikit-learn's ``average_precision_score``: tied scores enter together.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(T,)``; NaN for tasks without positives.
    """
    y, s = _task_arrays(y_true, scores)
    if y.shape[0] == 0:
        return np.full(y.shape[1], np.nan)
    _, y_sorted, tp, end = _sorted_by_score(y, s)
    precision = tp / np.arange(1, y.shape[0] + 1)[:, None]
    n_pos = y.sum(axis=0).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        ap = np.where(y_sorted, np.take_along_axis(precision, end, axis=0), 0.0).sum(axis=0) / n_pos
    ap[n_pos == 0] = np.nan
    return ap


def f1_per_task(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """F1 = 2 TP / (2 TP + FP + FN) of 0/1 predictions, per task.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(T,)``; NaN where a task has no positives and none were
        predicted (F1 is undefined, scikit-learn would warn and say 0).
    """
    y, _ = _task_arrays(y_true)
    p, _ = _task_arrays(y_pred)
    if p.shape != y.shape:
        raise ValueError(f"predictions {p.shape} and labels {y.shape} must have the same shape")
    tp = (y & p).sum(axis=0).astype(np.float64)
    denom = y.sum(axis=0) + p.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = 2 * tp / denom
    f1[denom == 0] = np.nan
    return f1


def f1_at_thresholds(y_true: np.ndarray, scores: np.ndarray, thresholds: np.ndarray | float) -> np.ndarray:
    """F1 of every task when ``score >= threshold`` is called positive (one threshold per task or one for all)."""
    y, s = _task_arrays(y_true, scores)
    t = np.broadcast_to(np.asarray(thresholds, dtype=np.float64), (y.shape[1],))
    return f1_per_task(y, s >= t[None, :])


def best_f1_thresholds(y_true: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per task, the threshold that maximises F1 on these (validation) data.

    Every distinct score is a candidate; ``score >= threshold`` is positive.
    On ties in F1 the highest threshold wins.

    Returns
    -------
    thresholds : numpy.ndarray
        ``float64`` ``(T,)``; ``+inf`` (predict nothing) for tasks without positives.
    best_f1 : numpy.ndarray
        ``float64`` ``(T,)``, the F1 reached on these data; NaN without positives.
    """
    y, s = _task_arrays(y_true, scores)
    n_tasks = y.shape[1]
    if y.shape[0] == 0:
        return np.full(n_tasks, np.inf), np.full(n_tasks, np.nan)
    s_sorted, _, tp, end = _sorted_by_score(y, s)
    n_pos = y.sum(axis=0).astype(np.float64)
    called = np.arange(1, y.shape[0] + 1, dtype=np.float64)[:, None]
    f1 = 2 * tp / (n_pos[None, :] + called)
    f1[end != np.arange(y.shape[0])[:, None]] = -1.0  # only whole tie groups are valid cut points
    best = f1.argmax(axis=0)
    cols = np.arange(n_tasks)
    thresholds = s_sorted[best, cols]
    best_f1 = f1[best, cols]
    thresholds[n_pos == 0] = np.inf
    best_f1[n_pos == 0] = np.nan
    return thresholds, best_f1


def summarize_per_task(values: np.ndarray, eligible: np.ndarray | None = None) -> dict[str, float]:
    """Count, median and mean of a per-task score over eligible tasks, skipping NaN.

    Parameters
    ----------
    values : numpy.ndarray
        ``(T,)`` per-task scores (NaN for undefined).
    eligible : numpy.ndarray of bool, optional
        Tasks to include, e.g. ``prevalence >= 0.01`` (default: all).

    Returns
    -------
    dict
        ``n`` (tasks with a finite score), ``median``, ``mean`` (NaN when ``n`` is 0).
    """
    v = np.asarray(values, dtype=np.float64)
    keep = np.isfinite(v) if eligible is None else np.isfinite(v) & np.asarray(eligible, dtype=bool)
    chosen = v[keep]
    return {"n": int(chosen.size), "median": float(np.median(chosen)) if chosen.size else float("nan"),
            "mean": float(chosen.mean()) if chosen.size else float("nan")}


def paired_win_rate(a: np.ndarray, b: np.ndarray, eligible: np.ndarray | None = None) -> dict[str, float]:
    """How often model ``a`` beats model ``b`` task by task (the paper's comparison of F1 scores).

    Returns
    -------
    dict
        ``n`` tasks compared (both finite and eligible), ``wins`` (a > b),
        ``ties``, ``win_rate`` = wins / n and ``mean_difference`` of a - b.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    keep = np.isfinite(a) & np.isfinite(b)
    if eligible is not None:
        keep &= np.asarray(eligible, dtype=bool)
    n = int(keep.sum())
    wins = int((a[keep] > b[keep]).sum())
    ties = int((a[keep] == b[keep]).sum())
    return {"n": n, "wins": wins, "ties": ties, "win_rate": wins / n if n else float("nan"),
            "mean_difference": float((a[keep] - b[keep]).mean()) if n else float("nan")}


__all__ += ["per_task_report"]


def per_task_report(y_test: np.ndarray, scores_test: np.ndarray, *, y_valid: np.ndarray | None = None,
                    scores_valid: np.ndarray | None = None, default_threshold: float = 0.0):
    """Every per-task score of a multi-task classifier, one row per task.

    Parameters
    ----------
    y_test, scores_test : numpy.ndarray
        ``(N, T)`` test labels and scores (e.g. logits).
    y_valid, scores_valid : numpy.ndarray, optional
        Validation labels and scores; when given, each task's F1 threshold is
        the one that maximises F1 on them (:func:`best_f1_thresholds`).
    default_threshold : float, default 0.0
        Threshold of ``f1_default`` (logit 0 = probability 0.5, what
        scikit-learn's ``predict`` uses).

    Returns
    -------
    pandas.DataFrame
        Columns ``test_prevalence``, ``auroc``, ``aupr``, ``f1_default`` and,
        with validation data, ``threshold`` and ``f1`` (test F1 at the
        validation threshold).
    """
    import pandas as pd

    y, s = _task_arrays(y_test, scores_test)
    table = pd.DataFrame({"test_prevalence": y.mean(axis=0), "auroc": roc_auc_per_task(y, s),
                          "aupr": average_precision_per_task(y, s),
                          "f1_default": f1_at_thresholds(y, s, default_threshold)})
    if y_valid is not None and scores_valid is not None:
        thresholds, _ = best_f1_thresholds(y_valid, scores_valid)
        table["threshold"] = thresholds
        table["f1"] = f1_at_thresholds(y, s, thresholds)
    return table


# --------------------------------------------------------------------------- comparing multitask models
# Zhang & Kamath compared their network with the k-mer baseline task by task: per-task F1 (each task's
# threshold chosen on validation data), on the tasks with >= 1% training positives, as a win rate and a
# mean F1 difference, at the best-validation epoch and (optimistically) at each task's best epoch.

__all__ += ["per_task_scores_by_epoch", "max_over_epochs", "best_epoch_per_task", "scores_at_epochs",
            "compare_to_baseline", "medians_by_kind", "masked_per_task_report"]


def per_task_scores_by_epoch(y_valid: np.ndarray, valid_scores: np.ndarray, y_test: np.ndarray,
                             test_scores: np.ndarray) -> dict[str, np.ndarray]:
    """Per-task test F1, AUROC and AUPR of a model after every epoch.

    Parameters
    ----------
    y_valid, y_test : numpy.ndarray
        0/1 labels ``(N_valid, T)`` and ``(N_test, T)``.
    valid_scores, test_scores : numpy.ndarray
        ``(E, N_valid, T)`` and ``(E, N_test, T)`` outputs after each of ``E``
        epochs (e.g. :attr:`genomenb.training.TrainResult.epoch_predictions`).

    Returns
    -------
    dict of str to numpy.ndarray
        ``f1`` (test F1 at the threshold that maximised F1 on that epoch's
        validation outputs), ``auroc`` and ``aupr``; each ``float64`` ``(E, T)``.
    """
    valid_scores = np.asarray(valid_scores)
    test_scores = np.asarray(test_scores)
    if valid_scores.ndim != 3 or test_scores.ndim != 3 or valid_scores.shape[0] != test_scores.shape[0]:
        raise ValueError(f"expected (E, N, T) scores with the same E, got {valid_scores.shape} and {test_scores.shape}")
    out = {"f1": [], "auroc": [], "aupr": []}
    for v, s in zip(valid_scores, test_scores):
        thresholds, _ = best_f1_thresholds(y_valid, v)
        out["f1"].append(f1_at_thresholds(y_test, s, thresholds))
        out["auroc"].append(roc_auc_per_task(y_test, s))
        out["aupr"].append(average_precision_per_task(y_test, s))
    return {k: np.stack(v) for k, v in out.items()}


def max_over_epochs(per_epoch: np.ndarray) -> np.ndarray:
    """Each task's best score over epochs ``(E, T) -> (T,)``, NaN where every epoch is NaN.

    Picking the epoch by its *test* score is optimistic (the test set chooses);
    the paper reported it beside the best-validation epoch, and so do we.
    """
    arr = np.asarray(per_epoch, dtype=np.float64)
    finite = np.isfinite(arr)
    best = np.where(finite, arr, -np.inf).max(axis=0)
    return np.where(finite.any(axis=0), best, np.nan)


def best_epoch_per_task(y_valid: np.ndarray, valid_scores: np.ndarray, *, fallback: int) -> np.ndarray:
    """For every task, the epoch whose outputs have the highest validation AUROC.

    Early stopping chosen per output rather than for the whole network: the
    validation set decides, so the test scores at these epochs are fair (unlike
    :func:`max_over_epochs`). Labels ``-1`` are ignored, as in
    :func:`masked_per_task_report`; ties go to the earliest epoch.

    Parameters
    ----------
    y_valid : numpy.ndarray
        ``(N, T)`` labels in {-1, 0, 1}.
    valid_scores : numpy.ndarray
        ``(E, N, T)`` validation outputs after each of ``E`` epochs.
    fallback : int
        Epoch index (0-based) for tasks whose validation rows hold one class
        only, so that no AUROC exists (e.g. the best epoch of the whole model).

    Returns
    -------
    numpy.ndarray
        ``int64`` ``(T,)`` 0-based epoch indices.
    """
    y = np.asarray(y_valid)
    v = np.asarray(valid_scores, dtype=np.float64)
    if v.ndim != 3 or v.shape[1:] != y.shape:
        raise ValueError(f"expected (E, N, T) scores for labels {y.shape}, got {v.shape}")
    if not 0 <= fallback < v.shape[0]:
        raise ValueError(f"fallback must be an epoch index in [0, {v.shape[0]}), got {fallback}")
    chosen = np.full(y.shape[1], fallback, dtype=np.int64)
    for t in range(y.shape[1]):
        m = y[:, t] >= 0
        auc = roc_auc_per_task(np.repeat(y[m, t, None], len(v), axis=1).astype(np.int64), v[:, m, t].T)
        if np.isfinite(auc).any():
            chosen[t] = int(np.nanargmax(auc))
    return chosen


def scores_at_epochs(scores: np.ndarray, epochs: np.ndarray) -> np.ndarray:
    """Pick each task's column from its own epoch: ``(E, N, T)`` and ``(T,)`` -> ``(N, T)``."""
    arr = np.asarray(scores)
    idx = np.asarray(epochs, dtype=np.int64)
    if arr.ndim != 3 or idx.shape != (arr.shape[2],):
        raise ValueError(f"expected (E, N, T) scores and (T,) epochs, got {arr.shape} and {idx.shape}")
    if idx.size and (idx.min() < 0 or idx.max() >= arr.shape[0]):
        raise ValueError(f"epoch indices must lie in [0, {arr.shape[0]})")
    return np.take_along_axis(arr, idx[None, None, :], axis=0)[0]


__all__ += ["column_medians"]


def column_medians(table, mask: np.ndarray | None = None,
                   columns: tuple[str, ...] = ("auroc", "aupr", "f1", "f1_default")) -> dict[str, float]:
    """Median of each score column of a per-task report over the chosen tasks, NaN skipped.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per task, e.g. :func:`per_task_report`.
    mask : numpy.ndarray of bool, optional
        ``(T,)`` tasks included, by position (default: all).
    columns : tuple of str
        The score columns.

    Returns
    -------
    dict
        Column -> median (NaN when no task has a score).
    """
    rows = slice(None) if mask is None else np.asarray(mask, dtype=bool)
    return {col: float(np.nanmedian(table[col].to_numpy(dtype=np.float64)[rows])) for col in columns}


def compare_to_baseline(scores: Mapping[str, np.ndarray], baseline: np.ndarray,
                        eligible: np.ndarray | None = None):
    """Win rate and mean difference of several models against one baseline, task by task.

    Parameters
    ----------
    scores : mapping of str to numpy.ndarray
        Model name -> per-task score ``(T,)`` (e.g. F1).
    baseline : numpy.ndarray
        The baseline's per-task score ``(T,)``.
    eligible : numpy.ndarray of bool, optional
        Tasks compared (e.g. >= 1% training positives); tasks where either
        score is NaN are skipped as well.

    Returns
    -------
    pandas.DataFrame
        One row per model: ``tasks`` compared, ``wins`` (model > baseline),
        ``ties``, ``win_rate`` = wins / tasks, ``mean_difference`` (model -
        baseline), ``median_model`` and ``median_baseline`` over those tasks.
    """
    import pandas as pd

    base = np.asarray(baseline, dtype=np.float64)
    rows = {}
    for name, values in scores.items():
        values = np.asarray(values, dtype=np.float64)
        if values.shape != base.shape:
            raise ValueError(f"scores of {name!r} have shape {values.shape}, the baseline's {base.shape}")
        result = paired_win_rate(values, base, eligible)
        keep = np.isfinite(values) & np.isfinite(base)
        if eligible is not None:
            keep &= np.asarray(eligible, dtype=bool)
        rows[name] = {"tasks": result["n"], "wins": result["wins"], "ties": result["ties"],
                      "win_rate": result["win_rate"], "mean_difference": result["mean_difference"],
                      "median_model": float(np.median(values[keep])) if keep.any() else float("nan"),
                      "median_baseline": float(np.median(base[keep])) if keep.any() else float("nan")}
    return pd.DataFrame.from_dict(rows, orient="index")


def medians_by_kind(scores: Mapping[str, np.ndarray], kinds: np.ndarray, eligible: np.ndarray | None = None,
                    kind_order: tuple[str, ...] = ("DNase", "TF", "Histone")):
    """Median per-task score of each model within each kind of feature, and over all.

    Parameters
    ----------
    scores : mapping of str to numpy.ndarray
        Model name -> per-task score ``(T,)``; NaN skipped.
    kinds : numpy.ndarray
        ``(T,)`` kind of each task (``DNase``, ``TF``, ``Histone``).
    eligible : numpy.ndarray of bool, optional
        Tasks included.

    Returns
    -------
    pandas.DataFrame
        Index ``kind_order`` + ``all``; one column per model, plus ``tasks``
        (eligible tasks of that kind).
    """
    import pandas as pd

    kinds = np.asarray(kinds)
    keep = np.ones(kinds.shape, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    table = {}
    for kind in (*kind_order, "all"):
        part = keep if kind == "all" else keep & (kinds == kind)
        row = {name: summarize_per_task(values, part)["median"] for name, values in scores.items()}
        row["tasks"] = int(part.sum())
        table[kind] = row
    return pd.DataFrame.from_dict(table, orient="index")


def masked_per_task_report(y_test: np.ndarray, scores_test: np.ndarray, *, y_valid: np.ndarray | None = None,
                           scores_valid: np.ndarray | None = None, default_threshold: float = 0.5):
    """:func:`per_task_report` for labels with gaps: each task is scored on its labelled rows only.

    Labels ``-1`` mean "no label" (in the TF-binding chapter every sequence
    carries the label of its own set only).

    Parameters
    ----------
    y_test, scores_test : numpy.ndarray
        ``(N, T)`` labels in {-1, 0, 1} and scores.
    y_valid, scores_valid : numpy.ndarray, optional
        Validation labels and scores; each task's F1 threshold is chosen on
        its labelled validation rows.
    default_threshold : float, default 0.5
        Threshold of ``f1_default`` (0.5 for probabilities).

    Returns
    -------
    pandas.DataFrame
        One row per task: ``n_test``, ``test_prevalence``, ``auroc``, ``aupr``,
        ``f1_default`` and, with validation data, ``threshold`` and ``f1``.
    """
    import pandas as pd

    y = np.asarray(y_test)
    s = np.asarray(scores_test, dtype=np.float64)
    if y.ndim != 2 or s.shape != y.shape:
        raise ValueError(f"labels and scores must both be (N, T), got {y.shape} and {s.shape}")
    with_valid = y_valid is not None and scores_valid is not None
    rows = []
    for t in range(y.shape[1]):
        m = y[:, t] >= 0
        yt, st = y[m, t].astype(np.int64), s[m, t]
        row = {"n_test": int(m.sum()), "test_prevalence": float(yt.mean()) if m.any() else float("nan"),
               "auroc": float(roc_auc_per_task(yt, st)[0]) if m.any() else float("nan"),
               "aupr": float(average_precision_per_task(yt, st)[0]) if m.any() else float("nan"),
               "f1_default": float(f1_at_thresholds(yt, st, default_threshold)[0]) if m.any() else float("nan")}
        if with_valid:
            yv = np.asarray(y_valid)[:, t]
            mv = yv >= 0
            threshold = best_f1_thresholds(yv[mv].astype(np.int64), np.asarray(scores_valid)[mv, t])[0][0] \
                if mv.any() else np.inf
            row["threshold"] = float(threshold)
            row["f1"] = float(f1_at_thresholds(yt, st, threshold)[0]) if m.any() else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- single-label classification

__all__ += ["binary_scores", "multiclass_scores"]


def binary_scores(y_true: np.ndarray, score: np.ndarray, *, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy, balanced accuracy, F1 and AUROC of a binary classifier (scikit-learn's definitions).

    Parameters
    ----------
    y_true : numpy.ndarray
        ``(n,)`` labels, 0/1 or bool.
    score : numpy.ndarray
        ``(n,)`` predicted probability (or any score when only AUROC matters)
        of the positive class; calls are ``score > threshold``, so a tie
        (a score of exactly 0.5, e.g. a nearest-neighbour query without any
        hit) goes to the negative class, as an argmax over two equal
        probabilities does.

    Returns
    -------
    dict
        ``accuracy``, ``balanced_accuracy``, ``f1`` (of the positive class),
        ``auroc`` (NaN when only one class is present), ``n``, ``positives``.
    """
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, roc_auc_score

    y = np.asarray(y_true).astype(int).ravel()
    s = np.asarray(score, dtype=np.float64).ravel()
    if y.shape != s.shape or y.size == 0:
        raise ValueError(f"expected one score per label, got {y.shape} labels and {s.shape} scores")
    calls = (s > threshold).astype(int)
    both = len(np.unique(y)) == 2
    return {"accuracy": float(accuracy_score(y, calls)),
            "balanced_accuracy": float(balanced_accuracy_score(y, calls)) if both else float("nan"),
            "f1": float(f1_score(y, calls, zero_division=0)),
            "auroc": float(roc_auc_score(y, s)) if both else float("nan"),
            "n": int(y.size), "positives": int(y.sum())}


def multiclass_scores(y_true: np.ndarray, y_pred: np.ndarray, labels: list | None = None) -> dict:
    """Accuracy, macro F1 and per-class recall ("per-class accuracy") of single-label predictions.

    Returns
    -------
    dict
        ``accuracy``, ``macro_f1`` (over ``labels``, default every label seen),
        ``per_class`` (label -> fraction of that class called correctly), ``n``.
    """
    from sklearn.metrics import accuracy_score, f1_score, recall_score

    y, p = np.asarray(y_true), np.asarray(y_pred)
    if y.shape != p.shape or y.size == 0:
        raise ValueError(f"expected one prediction per label, got {y.shape} and {p.shape}")
    labels = list(np.unique(y)) if labels is None else list(labels)
    recall = recall_score(y, p, labels=labels, average=None, zero_division=0)
    return {"accuracy": float(accuracy_score(y, p)),
            "macro_f1": float(f1_score(y, p, labels=labels, average="macro", zero_division=0)),
            "per_class": {lab: float(r) for lab, r in zip(labels, recall)}, "n": int(y.size)}
