"""Keras losses with missing targets: masked binary cross-entropy, masked MSE, masked sparse categorical CE.

Every loss returns one value per example (shape ``(batch,)``), the mean over
that example's labelled entries; an example without any label contributes 0
(and no gradient). Keras then averages over the batch. The NumPy twins, used
for validation scores, live in :mod:`genomenb.training.targets`.

``masked_binary_crossentropy``
    Multitask 0/1 labels, ``-1`` = no label; sigmoid outputs.
``masked_mean_squared_error``
    Real targets, ``NaN`` = no target (an expression matrix with missing cells).
``masked_sparse_categorical_crossentropy``
    Integer class labels ``(batch, K)``, ``-1`` = no label; softmax outputs
    ``(batch, K, C)`` (one class distribution per gene-condition cell).

All three are registered with Keras (package ``genomenb``), so a compiled
model saved to a ``.keras`` file loads again once this module is imported.
Only ``keras.ops`` is used: TensorFlow, JAX and PyTorch alike.
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["PROB_EPS", "masked_binary_crossentropy", "masked_mean_squared_error",
           "masked_sparse_categorical_crossentropy"]

#: Probabilities are clipped to ``[PROB_EPS, 1 - PROB_EPS]`` before the logarithm.
PROB_EPS = 1e-7


def _masked_mean(values, mask):
    """Mean of ``values`` over the last axis where ``mask`` is 1 (0 for a row without any)."""
    return ops.sum(values * mask, axis=-1) / ops.maximum(ops.sum(mask, axis=-1), 1.0)


@keras.saving.register_keras_serializable(package="genomenb")
def masked_binary_crossentropy(y_true, y_pred):
    """Binary cross-entropy averaged over the labelled tasks of each example only.

    Labels below 0 (use -1) mark tasks an example has no label for; they
    contribute nothing to the loss or its gradient. With one label per
    example this trains each task's output only on that task's sequences.

    Returns
    -------
    tensor
        float, shape ``(batch,)``.
    """
    y_true = ops.cast(y_true, y_pred.dtype)
    mask = ops.cast(ops.greater_equal(y_true, 0.0), y_pred.dtype)
    target = ops.maximum(y_true, 0.0)
    p = ops.clip(y_pred, PROB_EPS, 1.0 - PROB_EPS)
    bce = -(target * ops.log(p) + (1.0 - target) * ops.log(1.0 - p))
    return _masked_mean(bce, mask)


@keras.saving.register_keras_serializable(package="genomenb")
def masked_mean_squared_error(y_true, y_pred):
    """Squared error averaged over the finite targets of each example; ``NaN`` marks a missing target.

    ``y_true`` is reshaped to ``y_pred``'s shape (``(batch,)`` targets of a
    ``(batch, 1)`` output). Missing targets are replaced by 0 before the
    difference is taken, so neither the loss nor its gradient sees a NaN.

    Returns
    -------
    tensor
        float, shape ``(batch,)``.
    """
    y_true = ops.reshape(ops.cast(y_true, y_pred.dtype), ops.shape(y_pred))
    finite = ops.logical_not(ops.isnan(y_true))
    mask = ops.cast(finite, y_pred.dtype)
    diff = (y_pred - ops.where(finite, y_true, ops.zeros_like(y_true))) * mask
    if len(y_pred.shape) == 1:
        return ops.square(diff)
    squared = ops.reshape(ops.square(diff), (ops.shape(diff)[0], -1))
    return _masked_mean(squared, ops.reshape(mask, (ops.shape(mask)[0], -1)))


@keras.saving.register_keras_serializable(package="genomenb")
def masked_sparse_categorical_crossentropy(y_true, y_pred):
    """Categorical cross-entropy of integer labels averaged over each example's labelled cells.

    Parameters
    ----------
    y_true : tensor
        Integer labels ``(batch, K)`` (``(batch,)`` also works), ``-1`` = no label.
    y_pred : tensor
        Probabilities ``(batch, K, C)`` (softmax over the last axis).

    Returns
    -------
    tensor
        float, shape ``(batch,)``: ``-log p(label)`` averaged over the labelled
        cells (probabilities clipped to ``[PROB_EPS, 1]``).
    """
    n_classes = y_pred.shape[-1]
    labels = ops.reshape(y_true, ops.shape(y_pred)[:-1])
    labels = ops.cast(labels, "int32")
    labelled = ops.greater_equal(labels, 0)
    mask = ops.cast(labelled, y_pred.dtype)
    picked = ops.sum(ops.one_hot(ops.where(labelled, labels, ops.zeros_like(labels)), n_classes,
                                 dtype=y_pred.dtype) * y_pred, axis=-1)
    nll = -ops.log(ops.clip(picked, PROB_EPS, 1.0))
    if len(nll.shape) == 1:
        return nll * mask
    batch = ops.shape(nll)[0]
    return _masked_mean(ops.reshape(nll, (batch, -1)), ops.reshape(mask, (batch, -1)))
