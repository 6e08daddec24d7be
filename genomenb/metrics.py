"""Evaluation metrics.

Language models: perplexity is ``exp`` of the mean cross-entropy in nats per
base; bits per base is the same cross-entropy in base 2. A uniform guess over
A/C/G/T has perplexity 4 and 2 bits per base.
"""

from __future__ import annotations

import math

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
