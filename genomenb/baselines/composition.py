"""Compositional classifiers of DNA fragments: the baselines a genus language model must beat.

Three classical ways to say which genus a fragment comes from, all scored on
exactly the fragments the language models see:

GC content alone
    One number per fragment; a Gaussian class-conditional model per class
    (scikit-learn's :class:`~sklearn.naive_bayes.GaussianNB`). Genera differ
    strongly in GC, so this is the bar that shows how much of a genus call is
    "just GC".
(1..5)-gram frequencies with a linear SVM
    The seed study's n-gram baseline: the frequencies of all 1- to 5-mers
    (4 + 16 + 64 + 256 + 1024 = 1364 features, from :mod:`genomenb.kmers`,
    each k block normalised to sum to 1), standardised, and a linear
    support-vector machine (scikit-learn's :class:`~sklearn.svm.LinearSVC`,
    one-vs-rest).
Order-k Markov chains, one per class
    Counts of (k+1)-mers of each class's training sequences
    (:mod:`genomenb.baselines.markov`); a fragment goes to the class under
    whose chain it has the lowest perplexity, the same rule as the language
    models. This is the classical compositional classifier of metagenomics.

Whole genes of different lengths (chapter 09) are described the same way by
:func:`gene_features` (GC and length, or (1..k)-mer frequencies, counted on
each gene's own bases) and classified by :class:`CompositionLogistic`, a
standardised, class-balanced logistic regression (scikit-learn).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from genomenb import encode
from genomenb.baselines.markov import MarkovCounts, markov_counts, markov_log_probs
from genomenb.kmers import kmer_features

__all__ = ["gc_fractions", "kmer_frequencies", "GCClassifier", "KmerSVM", "MarkovClassifier", "gene_features",
           "CompositionLogistic"]
_GENE_CHUNK = 512  # genes padded and counted at a time (bounded memory)


def gc_fractions(fragments: np.ndarray) -> np.ndarray:
    """GC fraction of every fragment (of its A/C/G/T bases), shape ``(n,)``."""
    rows = encode.check_codes(fragments, ndim=(2,), name="fragments")
    return np.asarray(encode.gc_content(rows, axis=1), dtype=np.float64)


def kmer_frequencies(fragments: np.ndarray, k_max: int = 5) -> np.ndarray:
    """(1..k_max)-mer frequencies of every fragment, each k block summing to 1: ``(n, 4 + ... + 4**k_max)``."""
    rows = encode.check_codes(fragments, ndim=(2,), name="fragments")
    return kmer_features(rows, k_max=k_max, k_min=1, normalize=True)


def _check_labels(fragments: np.ndarray, labels: Sequence) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != len(fragments):
        raise ValueError(f"expected one label per fragment: {len(fragments)} fragments, labels of shape "
                         f"{labels.shape}")
    if len(np.unique(labels)) < 2:
        raise ValueError("expected at least two classes among the labels")
    return labels


class GCClassifier:
    """Genus from GC content alone: one Gaussian of GC per class (``GaussianNB``)."""

    def __init__(self) -> None:
        self.model = GaussianNB()

    def fit(self, fragments: np.ndarray, labels: Sequence) -> "GCClassifier":
        labels = _check_labels(fragments, labels)
        self.model.fit(gc_fractions(fragments)[:, None], labels)
        return self

    @property
    def classes_(self) -> np.ndarray:
        return self.model.classes_

    def predict(self, fragments: np.ndarray) -> np.ndarray:
        return self.model.predict(gc_fractions(fragments)[:, None])


class KmerSVM:
    """The seed study's baseline: standardised (1..k_max)-gram frequencies and a linear SVM.

    Parameters
    ----------
    k_max : int, default 5
    C : float, default 0.1
        Inverse regularisation strength of :class:`~sklearn.svm.LinearSVC`.
    seed : int, default 0
    """

    def __init__(self, k_max: int = 5, C: float = 0.1, seed: int = 0) -> None:
        self.k_max = int(k_max)
        self.model = make_pipeline(StandardScaler(), LinearSVC(C=C, random_state=seed, max_iter=5000))

    def fit(self, fragments: np.ndarray, labels: Sequence) -> "KmerSVM":
        labels = _check_labels(fragments, labels)
        self.model.fit(kmer_frequencies(fragments, self.k_max), labels)
        return self

    @property
    def classes_(self) -> np.ndarray:
        return self.model.classes_

    def predict(self, fragments: np.ndarray) -> np.ndarray:
        return self.model.predict(kmer_frequencies(fragments, self.k_max))


class MarkovClassifier:
    """One order-k Markov chain per class; a fragment goes to the chain with the lowest perplexity.

    Parameters
    ----------
    k : int
        Order (context length) of every chain.
    alpha : float, default 0.5
        Add-alpha pseudo-count.
    """

    def __init__(self, k: int, alpha: float = 0.5) -> None:
        self.k = int(k)
        self.alpha = float(alpha)
        self.counts: dict[str, MarkovCounts] = {}

    def fit(self, parts_by_class: Mapping[str, Sequence[np.ndarray]]) -> "MarkovClassifier":
        """Count each class's training sequences (``{class: [codes, ...]}``, e.g. training parts)."""
        if len(parts_by_class) < 2:
            raise ValueError("expected training sequences of at least two classes")
        self.counts = {str(c): markov_counts(parts, self.k) for c, parts in parts_by_class.items()}
        return self

    @property
    def classes_(self) -> np.ndarray:
        return np.array(list(self.counts))

    def cross_entropy(self, fragments: np.ndarray) -> np.ndarray:
        """Mean negative log-likelihood (nats per base) of every fragment under every chain: ``(n, classes)``.

        Bases from position ``k`` on are scored (the first ``k`` are context);
        a window holding an ``N`` is skipped.
        """
        if not self.counts:
            raise RuntimeError("call fit() first")
        rows = encode.check_codes(fragments, ndim=(2,), name="fragments")
        n, length = rows.shape
        if length <= self.k:
            raise ValueError(f"fragments of {length} bases are too short for an order-{self.k} chain")
        positions = np.arange(self.k, length, dtype=np.int64)
        flat = rows.reshape(-1)
        flat_positions = (np.arange(n, dtype=np.int64)[:, None] * length + positions).reshape(-1)
        clean = np.ones((n, len(positions)), dtype=bool)
        if (rows == encode.N_CODE).any():
            has_n = np.zeros((n, len(positions)), dtype=bool)
            for j in range(self.k + 1):
                has_n |= rows[:, positions - j] == encode.N_CODE
            clean = ~has_n
        safe = np.where(clean.reshape(-1), flat_positions, flat_positions[0])
        out = np.empty((n, len(self.counts)), dtype=np.float64)
        codes = np.where(flat == encode.N_CODE, 0, flat).astype(np.uint8)
        for j, counts in enumerate(self.counts.values()):
            logp = markov_log_probs(counts, codes, safe, alpha=self.alpha).reshape(n, -1)
            out[:, j] = -(logp * clean).sum(axis=1) / np.maximum(clean.sum(axis=1), 1)
        return out

    def predict(self, fragments: np.ndarray) -> np.ndarray:
        return self.classes_[np.argmin(self.cross_entropy(fragments), axis=1)]


def gene_features(seqs: Sequence[str | bytes], kind: str = "gc_length", *, k_max: int = 5) -> np.ndarray:
    """Composition features of whole genes of any length.

    Parameters
    ----------
    seqs : sequence of str or bytes
        Gene sequences (A/C/G/T/N).
    kind : {"gc_length", "kmer"}
        ``"gc_length"``: GC fraction and log10 length, ``(n, 2)``;
        ``"kmer"``: (1..k_max)-mer frequencies, each k block summing to 1.

    Returns
    -------
    numpy.ndarray
        ``float64`` / ``float32`` features, one row per gene.
    """
    if kind not in ("gc_length", "kmer"):
        raise ValueError(f"kind must be 'gc_length' or 'kmer', got {kind!r}")
    seqs = [s.encode() if isinstance(s, str) else bytes(s) for s in seqs]
    if not seqs or min(map(len, seqs)) == 0:
        raise ValueError("expected at least one gene, none of them empty")
    blocks = []
    for i in range(0, len(seqs), _GENE_CHUNK):  # pad with N (never counted) to the chunk's longest gene
        chunk = seqs[i:i + _GENE_CHUNK]
        codes = encode.pad_codes(chunk, max(map(len, chunk)), side="post")
        if kind == "gc_length":
            lengths = np.array([len(s) for s in chunk], dtype=np.float64)
            blocks.append(np.column_stack([gc_fractions(codes), np.log10(lengths)]))
        else:
            blocks.append(kmer_frequencies(codes, k_max))
    return np.concatenate(blocks)


class CompositionLogistic:
    """A gene classifier from composition alone: standardised features, class-balanced logistic regression.

    Parameters
    ----------
    kind : {"gc_length", "kmer"}
        Features of :func:`gene_features`.
    k_max : int, default 5
    C : float, default 1.0
        Inverse L2 strength of :class:`~sklearn.linear_model.LogisticRegression`.
    """

    def __init__(self, kind: str = "gc_length", *, k_max: int = 5, C: float = 1.0) -> None:
        self.kind, self.k_max = kind, int(k_max)
        self.model = make_pipeline(StandardScaler(), LogisticRegression(C=C, class_weight="balanced", max_iter=2000))

    def fit(self, seqs: Sequence[str | bytes], labels: Sequence) -> "CompositionLogistic":
        labels = np.asarray(labels)
        if len(labels) != len(seqs):
            raise ValueError(f"expected one label per gene: {len(seqs)} genes, {len(labels)} labels")
        self.model.fit(gene_features(seqs, self.kind, k_max=self.k_max), labels)
        return self

    @property
    def classes_(self) -> np.ndarray:
        return self.model.classes_

    def predict_proba(self, seqs: Sequence[str | bytes]) -> np.ndarray:
        """Class probabilities ``(n, classes)`` in the order of :attr:`classes_`."""
        return self.model.predict_proba(gene_features(seqs, self.kind, k_max=self.k_max))

    def predict(self, seqs: Sequence[str | bytes]) -> np.ndarray:
        return self.model.predict(gene_features(seqs, self.kind, k_max=self.k_max))
