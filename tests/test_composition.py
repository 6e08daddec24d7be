"""Compositional fragment classifiers: GC only, the (1..5)-gram SVM, one Markov chain per class."""

import numpy as np
import pytest

from genomenb.baselines import composition


def _fragments(gc, n, length, seed):
    rng = np.random.default_rng(seed)
    p = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
    return rng.choice(4, size=(n, length), p=p).astype(np.uint8)


def _dinucleotide_fragments(n, length, seed):
    """Same GC (50%) as i.i.d. bases, but CG never follows: only a context-aware classifier tells them apart."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, length), dtype=np.uint8)
    out[:, 0] = rng.integers(0, 4, n)
    for t in range(1, length):
        nxt = rng.integers(0, 4, n)
        redo = (out[:, t - 1] == 1) & (nxt == 2)
        nxt[redo] = 1  # a G after a C becomes a C: the GC content stays 50%
        out[:, t] = nxt
    return out


def test_gc_and_kmer_features():
    frags = np.array([[0, 1, 2, 3], [1, 1, 2, 2]], dtype=np.uint8)
    np.testing.assert_allclose(composition.gc_fractions(frags), [0.5, 1.0])
    freqs = composition.kmer_frequencies(frags, k_max=2)
    assert freqs.shape == (2, 20)
    np.testing.assert_allclose(freqs[:, :4].sum(axis=1), 1.0)
    np.testing.assert_allclose(freqs[:, 4:].sum(axis=1), 1.0)


def test_gc_classifier_separates_gc_but_not_context():
    low, high = _fragments(0.3, 60, 200, 0), _fragments(0.6, 60, 200, 1)
    x = np.concatenate([low, high])
    y = np.repeat(["low", "high"], 60)
    clf = composition.GCClassifier().fit(x[::2], y[::2])
    assert (clf.predict(x[1::2]) == y[1::2]).mean() > 0.95


def test_markov_and_svm_use_context_that_gc_cannot_see():
    plain, no_cg = _fragments(0.5, 200, 400, 2), _dinucleotide_fragments(200, 400, 3)
    x = np.concatenate([plain, no_cg])
    y = np.repeat(["plain", "no_cg"], 200)
    train, test = np.arange(0, 400, 2), np.arange(1, 400, 2)
    markov = composition.MarkovClassifier(1).fit({"plain": list(plain[::2]), "no_cg": list(no_cg[::2])})
    assert (markov.predict(x[test]) == y[test]).mean() > 0.95
    svm = composition.KmerSVM(k_max=2).fit(x[train], y[train])
    assert (svm.predict(x[test]) == y[test]).mean() > 0.9
    gc = composition.GCClassifier().fit(x[train], y[train])
    assert (gc.predict(x[test]) == y[test]).mean() < 0.8


def test_markov_cross_entropy_skips_windows_with_n_and_checks_inputs():
    rng = np.random.default_rng(4)
    parts = {"a": [rng.integers(0, 4, 2000).astype(np.uint8)], "b": [rng.integers(0, 2, 2000).astype(np.uint8)]}
    clf = composition.MarkovClassifier(2).fit(parts)
    frags = rng.integers(0, 4, size=(2, 50)).astype(np.uint8)
    clean = clf.cross_entropy(frags)
    with_n = frags.copy()
    with_n[0, 10] = 4
    ce = clf.cross_entropy(with_n)
    assert np.isfinite(ce).all()
    np.testing.assert_allclose(ce[1], clean[1])
    assert not np.allclose(ce[0], clean[0])
    with pytest.raises(ValueError, match="too short"):
        clf.cross_entropy(frags[:, :2])
    with pytest.raises(ValueError, match="two classes"):
        composition.MarkovClassifier(2).fit({"a": parts["a"]})
    with pytest.raises(ValueError, match="one label per fragment"):
        composition.GCClassifier().fit(frags, ["a"])


def test_gene_features_count_each_gene_on_its_own_bases():
    genes = ["ACGT" * 10, "GGGCCC", "AT" * 200]
    gl = composition.gene_features(genes, "gc_length")
    np.testing.assert_allclose(gl[:, 0], [0.5, 1.0, 0.0])
    np.testing.assert_allclose(gl[:, 1], np.log10([40, 6, 400]))
    km = composition.gene_features(genes, "kmer", k_max=2)
    np.testing.assert_allclose(km[1, :4], [0, 0.5, 0.5, 0])  # the N padding is never counted
    np.testing.assert_allclose(km[:, 4:].sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="kind"):
        composition.gene_features(genes, "codons")
    with pytest.raises(ValueError, match="none of them empty"):
        composition.gene_features(["ACG", ""])


def test_composition_logistic_separates_gc_rich_from_at_rich_genes():
    rng = np.random.default_rng(5)
    rich = ["".join(rng.choice(list("GGCCAT"), size=rng.integers(300, 900))) for _ in range(40)]
    poor = ["".join(rng.choice(list("AATTGC"), size=rng.integers(300, 900))) for _ in range(40)]
    y = np.array([1] * 40 + [0] * 40)
    clf = composition.CompositionLogistic("gc_length").fit(rich[::2] + poor[::2], np.r_[y[:40:2], y[40::2]])
    proba = clf.predict_proba(rich[1::2] + poor[1::2])[:, list(clf.classes_).index(1)]
    assert (proba[:20] > 0.5).all() and (proba[20:] < 0.5).all()
    with pytest.raises(ValueError, match="one label per gene"):
        composition.CompositionLogistic().fit(rich, y)
