"""What a supervised model predicts: its loss, the NumPy twin of that loss, and validation scores.

Three kinds of target, one entry each in :data:`TARGETS`:

``"multilabel"``
    ``(N, T)`` labels 0/1, or -1 where an example has no label for a task
    (masked out of the loss and its gradient); sigmoid outputs; loss
    :func:`genomenb.models.multitask.masked_binary_crossentropy`. Validation
    columns: ``val_loss`` (mean over examples of each example's mean
    cross-entropy over its labelled tasks) and ``val_perplexity`` (its exp,
    the quantity Zhang & Kamath plotted).
``"multiclass"``
    ``(N,)`` integer class labels; softmax outputs ``(N, C)``; sparse
    categorical cross-entropy. Validation columns: ``val_loss``,
    ``val_accuracy``, ``val_balanced_accuracy``.
``"regression"``
    ``(N,)`` or ``(N, K)`` real targets; linear outputs; mean squared error.
    Validation columns: ``val_loss`` (MSE), ``val_pearson_r`` and ``val_r2``
    (over all outputs pooled).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["TARGETS", "check_targets", "loss_for", "per_example_loss", "validation_scores", "masked_bce_per_example",
           "loss_columns"]

TARGETS = ("multilabel", "multiclass", "regression")
_PROB_EPS = 1e-7  # the clipping of genomenb.models.multitask.masked_binary_crossentropy


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
        if arr.ndim != 1 or arr.dtype.kind not in "iu":
            raise ValueError(f"{name} must be (N,) integer class labels, got {arr.dtype} {arr.shape}")
        if arr.size and arr.min() < 0:
            raise ValueError(f"{name} must hold class indices >= 0")
    else:
        if arr.ndim not in (1, 2):
            raise ValueError(f"{name} must be (N,) or (N, K) regression targets, got shape {arr.shape}")
        if not np.isfinite(arr.astype(np.float64)).all():
            raise ValueError(f"{name} holds NaN or infinite targets")
    return arr


def loss_for(target: str):
    """The Keras loss of a target kind."""
    _check_kind(target)
    if target == "multilabel":
        from genomenb.models.multitask import masked_binary_crossentropy

        return masked_binary_crossentropy
    return "sparse_categorical_crossentropy" if target == "multiclass" else "mean_squared_error"


def masked_bce_per_example(y_true: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Binary cross-entropy (nats) of every example over its labelled tasks (labels -1 skipped).

    The NumPy twin of :func:`genomenb.models.multitask.masked_binary_crossentropy`
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
    mask = y >= 0
    bce = -(np.where(y > 0, np.log(p), 0.0) + np.where(y == 0, np.log1p(-p), 0.0))
    counts = mask.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, (bce * mask).sum(axis=1) / counts, np.nan)


def per_example_loss(target: str, y: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    """The training loss of every example, in NumPy (float64 ``(N,)``)."""
    _check_kind(target)
    if target == "multilabel":
        return masked_bce_per_example(y, predictions)
    p = np.asarray(predictions, dtype=np.float64)
    if target == "multiclass":
        picked = p[np.arange(len(y)), np.asarray(y, dtype=np.int64)]
        return -np.log(np.clip(picked, _PROB_EPS, 1.0))
    diff = p.reshape(len(p), -1) - np.asarray(y, dtype=np.float64).reshape(len(p), -1)
    return (diff ** 2).mean(axis=1)


def loss_columns(target: str, loss: float) -> dict[str, float]:
    """History columns derived from an epoch's mean training loss (the perplexity for multitask labels)."""
    return {"train_perplexity": float(np.exp(loss))} if target == "multilabel" else {}


def validation_scores(target: str, y: np.ndarray, predictions: np.ndarray) -> dict[str, float]:
    """The validation columns of one epoch (see the module docstring)."""
    loss = float(np.nanmean(per_example_loss(target, y, predictions)))
    out = {"val_loss": loss}
    if target == "multilabel":
        out["val_perplexity"] = float(np.exp(loss))
    elif target == "multiclass":
        y = np.asarray(y, dtype=np.int64)
        called = np.asarray(predictions).argmax(axis=1)
        out["val_accuracy"] = float((called == y).mean())
        recalls = [float((called[y == c] == c).mean()) for c in np.unique(y)]
        out["val_balanced_accuracy"] = float(np.mean(recalls))
    else:
        truth = np.asarray(y, dtype=np.float64).ravel()
        pred = np.asarray(predictions, dtype=np.float64).reshape(truth.shape)
        spread = truth.std() * pred.std()
        out["val_pearson_r"] = float(np.mean((truth - truth.mean()) * (pred - pred.mean())) / spread) if spread else 0.0
        total = ((truth - truth.mean()) ** 2).sum()
        out["val_r2"] = float(1.0 - ((truth - pred) ** 2).sum() / total) if total else 0.0
    return out
