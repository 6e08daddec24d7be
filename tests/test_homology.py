"""MMseqs2 homology baselines: identity clusters, cluster hold-outs, best hits and the nearest-neighbour label."""

import numpy as np
import pandas as pd
import pytest
from Bio.Data import CodonTable
from sklearn.metrics import roc_auc_score

from genomenb import mmseqs
from genomenb.baselines import homology as hom
from genomenb.data.splits import check_disjoint_groups, cluster_split

BASES = np.frombuffer(b"ACGT", np.uint8)


def _random(rng, n):
    return BASES[rng.integers(0, 4, n)].tobytes().decode()


def _mutate(seq, k, rng):
    """``k`` substitutions at distinct positions, each to a different base."""
    s = np.frombuffer(seq.encode(), np.uint8).copy()
    where = rng.choice(len(s), size=k, replace=False)
    s[where] = BASES[(np.searchsorted(BASES, s[where]) + rng.integers(1, 4, k)) % 4]
    return s.tobytes().decode()


def _revcomp(seq):
    return seq[::-1].translate(str.maketrans("ACGT", "TGCA"))


@pytest.fixture(scope="module")
def genes():
    rng = np.random.default_rng(7)
    return [_random(rng, int(n)) for n in rng.integers(500, 900, 12)]


def test_clusters_join_near_identical_and_separate_unrelated(genes):
    rng = np.random.default_rng(0)
    seqs = [*genes[:6], _mutate(genes[0], 1, rng), genes[1], _mutate(genes[2], 1, rng), _mutate(genes[3], 40, rng)]
    ids = [f"g{i}" for i in range(len(seqs))]
    clusters = mmseqs.cluster_sequences(seqs, ids, min_identity=0.8, coverage=0.8)
    assert list(clusters.index) == ids and clusters.name == "cluster" and clusters.dtype == np.int64
    assert clusters.iloc[:6].tolist() == [0, 1, 2, 3, 4, 5]  # numbered by first member; unrelated ones apart
    assert clusters.iloc[6:].tolist() == [0, 1, 2, 3]  # 1 SNP, an exact copy, 1 SNP, ~94% identity
    strict = mmseqs.cluster_sequences(seqs, min_identity=0.99)
    assert strict.iloc[9] != strict.iloc[3] and strict.iloc[6] == strict.iloc[0]


def test_cluster_input_is_checked(genes):
    with pytest.raises(ValueError, match="one id per sequence"):
        mmseqs.cluster_sequences(genes[:3], ["a"])
    with pytest.raises(ValueError, match="empty sequences"):
        mmseqs.cluster_sequences([genes[0], ""])
    with pytest.raises(TypeError, match="not a single sequence"):
        mmseqs.cluster_sequences(genes[0])


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_cluster_split_keeps_clusters_whole(seed):
    rng = np.random.default_rng(100 + seed)
    sizes = np.concatenate([[150, 60], rng.integers(1, 12, 300)])  # one cluster much larger than the rest
    clusters = np.repeat(np.arange(len(sizes)), sizes)
    labels = np.repeat(rng.random(len(sizes)) < 0.3, sizes)
    order = rng.permutation(len(clusters))
    clusters, labels = clusters[order], labels[order]
    train, test = cluster_split(clusters, labels, 0.2, seed=seed)
    assert train.dtype == bool and np.array_equal(train, ~test)
    assert not set(clusters[train]) & set(clusters[test])
    check_disjoint_groups(clusters, [(np.flatnonzero(train), np.flatnonzero(test))])
    assert abs(test.mean() - 0.2) < 0.03
    for label in (False, True):  # stratified: each class keeps about 20% on the test side
        assert abs(test[labels == label].mean() - 0.2) < 0.05
    again = cluster_split(clusters, labels, 0.2, seed=seed)
    assert np.array_equal(again[1], test)


def test_cluster_split_without_labels_and_bad_input():
    clusters = np.arange(100) // 2
    train, test = cluster_split(clusters, test_fraction=0.3, seed=1)
    assert test.sum() == 30 and not set(clusters[train]) & set(clusters[test])
    with pytest.raises(ValueError, match="at least 2"):
        cluster_split(np.zeros(10))
    with pytest.raises(ValueError, match="between 0 and 1"):
        cluster_split(clusters, test_fraction=1.0)


def test_best_hits_find_mutated_copies_and_mark_no_hit(genes):
    rng = np.random.default_rng(1)
    queries = [_mutate(genes[4], len(genes[4]) // 10, rng), _random(rng, 700), _revcomp(genes[5]), genes[6][:300]]
    hits = mmseqs.best_hits(queries, genes)
    assert list(hits.columns) == list(mmseqs.HIT_COLUMNS) and hits["query"].tolist() == [0, 1, 2, 3]
    assert hits["target"].tolist() == [4, -1, 5, 6] and hits["hit"].tolist() == [True, False, True, True]
    assert 0.85 <= hits.loc[0, "identity"] <= 0.95 and hits.loc[2, "identity"] == 1.0
    assert np.isnan(hits.loc[1, ["identity", "evalue", "bits"]].astype(float)).all()
    assert hits.loc[3, "qcov"] == 1.0 and hits.loc[3, "tcov"] < 0.6
    assert hits["identity"].dtype == np.float64 and hits["target"].dtype == np.int64
    forward = mmseqs.best_hits(queries, genes, strand="forward")
    assert not forward.loc[2, "hit"]  # the reverse complement is found on the other strand only
    covered = mmseqs.best_hits(queries, genes, coverage=0.8)
    assert covered["hit"].tolist() == [True, False, True, True]  # query coverage: the fragment is fully covered


def test_translated_search_sees_through_synonymous_changes():
    table = CodonTable.unambiguous_dna_by_id[11].forward_table
    sense = sorted(table)
    synonyms = {c: [d for d in sense if table[d] == table[c] and d != c] for c in sense}
    rng = np.random.default_rng(4)
    coding = ["ATG" + "".join(rng.choice(sense, 250)) + "TAA" for _ in range(4)]
    codons = [coding[1][i:i + 3] for i in range(0, len(coding[1]), 3)]
    synonymous = "".join(rng.choice(synonyms[c]) if synonyms.get(c) else c for c in codons)
    hits = mmseqs.best_hits([synonymous], coding, translate=True)
    assert hits.loc[0, "target"] == 1 and hits.loc[0, "identity"] == 1.0
    dna = mmseqs.best_hits([synonymous], coding).loc[0]
    assert not dna["hit"] or dna["identity"] < 0.9  # the DNA differs at most third positions


def test_nearest_neighbour_recovers_labels_and_flags_no_hit(genes):
    rng = np.random.default_rng(2)
    labels = np.array([True, False] * 6)
    nn = hom.NearestNeighbourClassifier().fit(genes, labels)
    queries = [_mutate(genes[i], len(genes[i]) // 12, rng) for i in range(6)] + [_random(rng, 800)]
    table = nn.predict_table(queries)
    assert table["label"].tolist() == [*labels[:6].tolist(), False]  # no hit: majority class (tie: smallest)
    assert table["hit"].tolist() == [True] * 6 + [False] and np.isnan(table.loc[6, "identity"])
    assert np.array_equal(nn.predict(queries), table["label"].to_numpy())
    proba = nn.predict_proba(queries)
    assert proba.shape == (7, 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert np.allclose(proba[6], 0.5)
    identity = table["identity"].to_numpy()[:6]
    assert np.allclose(proba[:6, 1], np.where(labels[:6], 0.5 + identity / 2, 0.5 - identity / 2))
    assert roc_auc_score(labels[:6], proba[:6, 1]) == 1.0


def test_nearest_neighbour_multiclass_scores(genes):
    labels = np.array(["a", "b", "c", "a"] * 3)
    nn = hom.NearestNeighbourClassifier().fit(genes, labels)
    proba = nn.predict_proba([genes[2], _random(np.random.default_rng(3), 600)])
    assert np.allclose(proba.sum(axis=1), 1.0) and proba[0].argmax() == 2 and np.isclose(proba[0, 2], 1.0)
    assert np.allclose(proba[1], 1 / 3) and nn.predict([genes[1]]).tolist() == ["b"]
    with pytest.raises(RuntimeError, match="fit"):
        hom.NearestNeighbourClassifier().predict(genes[:1])


def test_identity_bins():
    bins = hom.identity_bins([np.nan, 0.0, 0.5, 0.500001, 0.8, 0.81, 1.0])
    assert list(bins.categories) == list(hom.IDENTITY_BINS) and bins.ordered
    assert list(bins) == ["no hit", "<=50%", "<=50%", "50-80%", "50-80%", ">80%", ">80%"]
    assert list(hom.identity_bins(pd.Series([0.9]))) == [">80%"]
    with pytest.raises(ValueError, match="fractions"):
        hom.identity_bins([85.0])
