"""The homology baseline: the label of the most similar training gene, and identity bins.

:class:`NearestNeighbourClassifier` is how ResFinder-like tools annotate a
gene: the label of the most similar reference gene, found with MMseqs2
(:func:`genomenb.mmseqs.best_hits`, which says which options are used). A
query without any hit (e-value above the threshold) gets the majority
training class and is flagged; its score is uninformative (``1/K`` per
class). :func:`identity_bins` groups queries by their identity to the
nearest training gene, the axis along which homology and learned models are
compared. :func:`genomenb.data.splits.cluster_split` turns MMseqs2 identity
clusters (:func:`genomenb.mmseqs.cluster_sequences`) into a held-out set of
whole clusters.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from genomenb.mmseqs import best_hits, sequence_strings

__all__ = ["IDENTITY_BINS", "NearestNeighbourClassifier", "identity_bins"]

#: The categories of :func:`identity_bins`, in order.
IDENTITY_BINS = ("no hit", "<=50%", "50-80%", ">80%")


def identity_bins(identity: Sequence[float] | np.ndarray | pd.Series) -> pd.Categorical:
    """Bin identities to the nearest training gene: ``no hit``, ``<=50%``, ``50-80%``, ``>80%``.

    NaN is ``no hit``; ``50-80%`` is over 0.5 up to 0.8 inclusive; ``>80%`` is over 0.8.

    Parameters
    ----------
    identity : array-like of float
        Fractions in [0, 1]; NaN means no hit.

    Returns
    -------
    pandas.Categorical
        Ordered, with the categories of :data:`IDENTITY_BINS`.
    """
    x = np.asarray(identity, dtype=np.float64)
    if np.any((x < 0) | (x > 1)):
        raise ValueError("identities must be fractions in [0, 1] (NaN for no hit)")
    codes = np.where(np.isnan(x), 0, np.where(x <= 0.5, 1, np.where(x <= 0.8, 2, 3)))
    return pd.Categorical.from_codes(codes, categories=list(IDENTITY_BINS), ordered=True)


class NearestNeighbourClassifier:
    """The label of the most similar training gene (best MMseqs2 hit), as ResFinder-like annotation does.

    Parameters
    ----------
    evalue : float, default 1e-3
        A training gene counts as similar when its best alignment has at most this e-value.
    min_identity : float, default 0.0
        ... and at least this identity.
    translate : bool, default False
        Compare translated genes instead of DNA (see :func:`best_hits`).
    threads : int, default 2
    tmp_dir : str or PathLike, optional

    Notes
    -----
    A query without a hit is given the majority training class (ties: the
    smallest label) and flagged ``hit=False``. :meth:`predict_proba` gives
    the nearest gene's class ``(1 + (K - 1) * identity) / K`` and every
    other class ``(1 - identity) / K`` (``K`` classes), so a no-hit query
    scores ``1/K`` everywhere; for two classes the positive-class score is
    ``0.5 +/- identity / 2``, usable for AUROC. The last search is
    remembered, so ``predict`` after ``predict_table`` on the same queries
    does not search again.
    """

    def __init__(self, *, evalue: float = 1e-3, min_identity: float = 0.0, translate: bool = False,
                 threads: int = 2, tmp_dir: str | os.PathLike | None = None) -> None:
        self.evalue, self.min_identity, self.translate = evalue, min_identity, translate
        self.threads, self.tmp_dir = threads, tmp_dir
        self._last: tuple[str, pd.DataFrame] | None = None

    def fit(self, seqs: Sequence[str | bytes], labels: Sequence | np.ndarray) -> NearestNeighbourClassifier:
        """Remember the training genes and their labels."""
        self.train_seqs_ = sequence_strings(seqs)
        self.labels_ = np.asarray(labels)
        if self.labels_.shape != (len(self.train_seqs_),):
            raise ValueError(f"labels must have shape ({len(self.train_seqs_)},), got {self.labels_.shape}")
        self.classes_, counts = np.unique(self.labels_, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        self._last = None
        return self

    def _hits(self, seqs: Sequence[str | bytes]) -> pd.DataFrame:
        if not hasattr(self, "labels_"):
            raise RuntimeError("call fit(seqs, labels) before predicting")
        queries = sequence_strings(seqs)
        key = hashlib.sha256("\n".join(queries).encode()).hexdigest()
        if self._last is None or self._last[0] != key:
            hits = best_hits(queries, self.train_seqs_, evalue=self.evalue, min_identity=self.min_identity,
                             translate=self.translate, threads=self.threads, tmp_dir=self.tmp_dir)
            self._last = (key, hits)
        return self._last[1]

    def predict_table(self, seqs: Sequence[str | bytes]) -> pd.DataFrame:
        """Per query: ``label``, ``hit`` (False: the fallback label), ``identity`` (NaN without a hit), ``target``,
        ``evalue`` and ``bits`` of the nearest training gene."""
        hits = self._hits(seqs)
        label = np.where(hits["hit"].to_numpy(), self.labels_[np.maximum(hits["target"].to_numpy(), 0)],
                         self.majority_)
        return pd.DataFrame({"label": label, "hit": hits["hit"].to_numpy(), "identity": hits["identity"].to_numpy(),
                             "target": hits["target"].to_numpy(), "evalue": hits["evalue"].to_numpy(),
                             "bits": hits["bits"].to_numpy()})

    def predict(self, seqs: Sequence[str | bytes]) -> np.ndarray:
        """The label of each query's most similar training gene (the majority class without a hit)."""
        return self.predict_table(seqs)["label"].to_numpy()

    def predict_proba(self, seqs: Sequence[str | bytes]) -> np.ndarray:
        """Identity-weighted class scores ``(n, K)``, columns in ``classes_`` order (see the class notes)."""
        table = self.predict_table(seqs)
        k = len(self.classes_)
        identity = np.nan_to_num(table["identity"].to_numpy(np.float64), nan=0.0)
        proba = np.repeat(((1.0 - identity) / k)[:, None], k, axis=1)
        nearest = np.searchsorted(self.classes_, table["label"].to_numpy())
        hit = table["hit"].to_numpy()
        proba[np.flatnonzero(hit), nearest[hit]] = (1.0 + (k - 1) * identity[hit]) / k
        return proba
