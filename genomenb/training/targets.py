"""What a supervised model predicts: its loss, the NumPy twin of that loss, and validation scores.

Three kinds of target, one entry each in :data:`TARGETS`:

``"multilabel"``
    ``(N, T)`` labels 0/1, or -1 where an example has no label for a task
    (masked out of the loss and its gradient); sigmoid outputs; loss
    :func:`genomenb.models.losses.masked_binary_crossentropy`. Validation
    columns: ``val_loss`` (mean over examples of each example's mean
    cross-entropy over its labelled tasks) and ``val_perplexity`` (its exp,
    the quantity Zhang & Kamath plotted).
``"multiclass"``
    ``(N,)`` integer class labels; softmax outputs ``(N, C)``; sparse
    categorical cross-entropy. Or ``(N, K)`` integer labels, ``-1`` = no
    label (e.g. one gene's down/baseline/up call in each of K conditions);
    softmax outputs ``(N, K, C)``; loss
    :func:`genomenb.models.losses.masked_sparse_categorical_crossentropy`
    (each example's mean over its labelled cells). Validation columns:
    ``val_loss``, ``val_accuracy``, ``val_balanced_accuracy`` (over the
    labelled cells).
``"regression"``
    ``(N,)`` or ``(N, K)`` real targets, ``NaN`` = no target (a missing cell
    of an expression matrix; infinities are rejected); linear outputs; mean
    squared error, :func:`genomenb.models.losses.masked_mean_squared_error`
    when the training targets hold a NaN (each example's mean over its
    finite targets). Validation columns: ``val_loss`` (MSE), ``val_pearson_r``
    and ``val_r2`` (over all finite targets pooled).

An example without any label or finite target contributes 0 to a training
batch's loss and is skipped (NaN, then ``nanmean``) by the validation loss.
Finite regression targets and ``(N,)`` class labels give exactly the numbers
of the plain Keras losses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from genomenb.models import losses

__all__ = ["TARGETS", "check_targets", "has_labels", "loss_for", "per_example_loss", "validation_scores",
           "masked_bce_per_example", "masked_mse_per_example", "masked_sparse_ce_per_example", "loss_columns"]

TARGETS = ("multilabel", "multiclass", "regression")
_PROB_EPS = losses.PROB_EPS  # the clipping of the Keras losses


def _check_kind(target: str) -> None:
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, got {target!r}")


def check_targets(y: Any, n: int, target: str, name: str) -> np.ndarray:
    """``y`` checked against the target kind and the number of examples ``n``."""
    _check_kind(target)
    arr = np.asarray(y)
    if arr.shape[:1] != (n,):
        raise ValueError(f"{name} must have one row per example ({n}), got shape {arr.shape}")
    if arr.dtype.kind not in "iufb":
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype}")
    if target == "multilabel":
        if arr.ndim != 2:
            raise ValueError(f"{name} must be (N, T) multitask labels, got shape {arr.shape}")
        if arr.size and not np.isin(arr, (-1, 0, 1)).all():
            raise ValueError(f"{name} must hold 0/1 labels, or -1 for 'no label'")
    elif target == "multiclass":
        if arr.ndim not in (1, 2) or arr.dtype.kind not in "iu":
            raise ValueError(f"{name} must be (N,) integer class labels or (N, K) integer labels with -1 for "
                             f"'no label', got {arr.dtype} {arr.shape}")
        if arr.ndim == 1 and arr.size and arr.min() < 0:
            raise ValueError(f"{name} must hold class indices >= 0")
        if arr.ndim == 2 and arr.size and arr.min() < -1:
            raise ValueError(f"{name} must hold class indices >= 0, or -1 for 'no label'")
    else:
        if arr.ndim not in (1, 2):
            raise ValueError(f"{name} must be (N,) or (N, K) regression targets, got shape {arr.shape}")
        if np.isinf(arr.astype(np.float64)).any():
            raise ValueError(f"{name} holds infinite targets (use NaN for a missing target)")
    return arr


def has_labels(target: str, y: np.ndarray) -> np.ndarray:
    """Which entries of ``y`` are labels (bool, ``y``'s shape): not -1 (multilabel, ``(N, K)`` classes), not NaN."""
    _check_kind(target)
    y = np.asarray(y)
    if target == "regression":
        return ~np.isnan(y.astype(np.float64))
    if target == "multiclass" and y.ndim == 1:
        return np.ones(y.shape, dtype=bool)
    return y >= 0


def loss_for(target: str, y: np.ndarray | None = None):
    """The Keras loss of a target kind, for training targets ``y``.

    ``"multilabel"``: :func:`~genomenb.models.losses.masked_binary_crossentropy`.
    ``"multiclass"``: ``"sparse_categorical_crossentropy"`` for ``(N,)``
    labels (or ``y`` not given), the masked one for ``(N, K)`` labels.
    ``"regression"``: ``"mean_squared_error"``, or the masked one when ``y``
    holds a NaN.
    """
    _check_kind(target)
    if target == "multilabel":
        return losses.masked_binary_crossentropy
    if target == "multiclass":
        if y is not None and np.ndim(y) == 2:
            return losses.masked_sparse_categorical_crossentropy
        return "sparse_categorical_crossentropy"
    if y is not None and np.isnan(np.asarray(y, dtype=np.float64)).any():
        return losses.masked_mean_squared_error
    return "mean_squared_error"


def _row_means(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over each row's masked-in entries; NaN for a row without any."""
    values = values.reshape(len(values), -1)
    mask = mask.reshape(len(mask), -1)
    counts = mask.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, np.where(mask, values, 0.0).sum(axis=1) / counts, np.nan)


def masked_bce_per_example(y_true: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Binary cross-entropy (nats) of every example over its labelled tasks (labels -1 skipped).

    The NumPy twin of :func:`genomenb.models.losses.masked_binary_crossentropy`
    (same clipping), in float64.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(N,)``; NaN for an example without any label.
    """
    y = np.asarray(y_true, dtype=np.float64)
    p = np.clip(np.asarray(probs, dtype=np.float64), _PROB_EPS, 1.0 - _PROB_EPS)
    if y.shape != p.shape:
        raise ValueError(f"labels {y.shape} and predictions {p.shape} must have the same shape")
    bce = -(np.where(y > 0, np.log(p), 0.0) + np.where(y == 0, np.log1p(-p), 0.0))
    return _row_means(bce, y >= 0)


def masked_mse_per_example(y_true: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """Squared error of every example averaged over its finite targets (NaN targets skipped).

    The NumPy twin of :func:`genomenb.models.losses.masked_mean_squared_error`,
    in float64. ``(N,)`` targets of ``(N, 1)`` predictions are matched row by row.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(N,)``; NaN for an example without a finite target.
    """
    p = np.asarray(predictions, dtype=np.float64)
    y = np.asarray(y_true, dtype=np.float64)
    if y.size != p.size or len(y) != len(p):
        raise ValueError(f"targets {y.shape} and predictions {p.shape} must have the same shape")
    y, p = y.reshape(len(p), -1), p.reshape(len(p), -1)
    finite = ~np.isnan(y)
    return _row_means((p - np.where(finite, y, 0.0)) ** 2, finite)


def masked_sparse_ce_per_example(y_true: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Cross-entropy (nats) of integer labels ``(N, K)`` under probabilities ``(N, K, C)``, over labelled cells.

    The NumPy twin of
    :func:`genomenb.models.losses.masked_sparse_categorical_crossentropy`
    (probabilities clipped to ``[1e-7, 1]``), in float64; label -1 = no label.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(N,)``; NaN for an example without any label.
    """
    y = np.asarray(y_true, dtype=np.int64)
    p = np.asarray(probs, dtype=np.float64)
    if p.shape[:-1] != y.shape:
        raise ValueError(f"labels {y.shape} and probabilities {p.shape} must agree (probabilities: labels + classes)")
    if y.size and y.max() >= p.shape[-1]:
        raise ValueError(f"labels go up to {int(y.max())}, but the model has {p.shape[-1]} classes")
    labelled = y >= 0
    picked = np.take_along_axis(p, np.where(labelled, y, 0)[..., None], axis=-1)[..., 0]
    return _row_means(-np.log(np.clip(picked, _PROB_EPS, 1.0)), labelled)


def per_example_loss(target: str, y: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """The training loss of every example, in NumPy (float64 ``(N,)``; NaN for an example without labels)."""
    _check_kind(target)
    if target == "multilabel":
        return masked_bce_per_example(y, predictions)
    if target == "multiclass":
        if np.ndim(y) == 2:
            return masked_sparse_ce_per_example(y, predictions)
        p = np.asarray(predictions, dtype=np.float64)
        picked = p[np.arange(len(y)), np.asarray(y, dtype=np.int64)]
        return -np.log(np.clip(picked, _PROB_EPS, 1.0))
    return masked_mse_per_example(y, predictions)


def loss_columns(target: str, loss: float) -> dict[str, float]:
    """History columns derived from an epoch's mean training loss (the perplexity for multitask labels)."""
    return {"train_perplexity": float(np.exp(loss))} if target == "multilabel" else {}


def validation_scores(target: str, y: np.ndarray, predictions: np.ndarray) -> dict[str, float]:
    """The validation columns of one epoch (see the module docstring); unlabelled entries are left out."""
    loss = float(np.nanmean(per_example_loss(target, y, predictions)))
    out = {"val_loss": loss}
    if target == "multilabel":
        out["val_perplexity"] = float(np.exp(loss))
    elif target == "multiclass":
        y = np.asarray(y, dtype=np.int64)
        labelled = has_labels(target, y)
        called = np.asarray(predictions).argmax(axis=-1)[labelled]
        y = y[labelled]
        out["val_accuracy"] = float((called == y).mean())
        recalls = [float((called[y == c] == c).mean()) for c in np.unique(y)]
        out["val_balanced_accuracy"] = float(np.mean(recalls))
    else:
        truth = np.asarray(y, dtype=np.float64).ravel()
        pred = np.asarray(predictions, dtype=np.float64).reshape(truth.shape)
        finite = ~np.isnan(truth)
        truth, pred = truth[finite], pred[finite]
        spread = truth.std() * pred.std()
        out["val_pearson_r"] = float(np.mean((truth - truth.mean()) * (pred - pred.mean())) / spread) if spread else 0.0
        total = ((truth - truth.mean()) ** 2).sum()
        out["val_r2"] = float(1.0 - ((truth - pred) ** 2).sum() / total) if total else 0.0
    return out
