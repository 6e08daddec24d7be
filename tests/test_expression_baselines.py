"""Non-neural baselines of the yeast expression chapter, on the real Gasch (2000) / MEDUSA bundle.

The splits (60 / 10 / 30 train / valid / test) are made here with fixed
seeds: unseen genes hold out whole rows, unseen conditions whole columns,
unseen pairs random cells (:func:`genomenb.data.yeast.pair_split`). Motifs are
the JASPAR 2024 fungi matrices of the project's yeast bundle.
"""

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import balanced_accuracy_score, confusion_matrix, f1_score

from genomenb.baselines.expression import (
    AdditiveModel,
    BoostedTreeBaseline,
    LowRankModel,
    expression_scores,
    majority_class,
    motif_hits,
)
from genomenb.data import yeast


def make_split(kind, shape, seed=0):
    """(train, valid, test) boolean masks, 60 / 10 / 30 (the project's pair_split)."""
    split = yeast.pair_split(kind, *shape, seed=seed)
    return split.train, split.valid, split.test


@pytest.fixture(scope="module")
def data():
    d = yeast.load_yeast()
    expr = d.expression.astype(np.float64)
    return {"expr": expr, "classes": yeast.expression_classes(d.expression, 0.5), "regulators": d.regulators,
            "promoters": d.promoters, "genes": d.genes}


@pytest.fixture(scope="module")
def motifs():
    return yeast.yeast_motifs("jaspar")


@pytest.fixture(scope="module")
def motif_features(data, motifs):
    return motif_hits(data["promoters"], motifs, kind="relative")


# --------------------------------------------------------------------------- classes and chance


def test_classes_and_majority_match_the_documented_balance(data):
    y = data["classes"]
    assert y.dtype == np.int8 and ((y == -1) == np.isnan(data["expr"])).all()
    frac = np.bincount(y[y >= 0], minlength=3) / (y >= 0).sum()
    np.testing.assert_allclose(frac, [0.1881, 0.6265, 0.1854], atol=1e-4)  # |value| >= 0.5, as DeepRegret
    ok = np.isfinite(data["expr"])
    v = data["expr"][ok]
    np.testing.assert_allclose([(v <= -0.5).mean(), (v >= 0.5).mean()], [0.188, 0.185], atol=1e-3)
    train, _, _ = make_split("pairs", y.shape)
    assert majority_class(y, train) == 1
    assert majority_class(np.array([[0, 2, 2, -1]], dtype=np.int8), np.ones((1, 4), bool)) == 2
    with pytest.raises(ValueError, match="no cell"):
        majority_class(y, np.zeros(y.shape, bool))


# --------------------------------------------------------------------------- scores


def test_scores_match_scikit_learn_and_skip_missing_cells(data):
    y = data["classes"]
    rng = np.random.default_rng(0)
    pred = rng.integers(0, 3, y.shape).astype(np.int8)
    pred[y == 1] = 1  # a better than random prediction
    _, _, test = make_split("pairs", y.shape)
    s = expression_scores(y, pred, test, "classes")
    keep = test & (y >= 0)
    t, p = y[keep], pred[keep]
    assert s["n"] == keep.sum() < test.sum()  # NaN cells are skipped
    np.testing.assert_array_equal(s["confusion"], confusion_matrix(t, p, labels=[0, 1, 2]))
    assert s["accuracy"] == pytest.approx((t == p).mean())
    assert s["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(t, p))
    assert s["macro_f1"] == pytest.approx(f1_score(t, p, average="macro"))
    assert s["per_class_recall"]["baseline"] == 1.0

    values = data["expr"]
    noisy = np.where(np.isnan(values), 0.0, values) + rng.normal(0, 1, values.shape)
    r = expression_scores(values, noisy, test, "regression")
    ok = test & np.isfinite(values)
    assert r["n"] == ok.sum()
    assert r["pearson_r"] == pytest.approx(stats.pearsonr(values[ok], noisy[ok])[0])
    assert r["mse"] == pytest.approx(np.mean((values[ok] - noisy[ok]) ** 2))

    bad = pred.copy()
    bad[keep.nonzero()[0][0], keep.nonzero()[1][0]] = -1
    with pytest.raises(ValueError, match="-1"):
        expression_scores(y, bad, test, "classes")
    with pytest.raises(ValueError, match="kind"):
        expression_scores(y, pred, test, "ranking")


# --------------------------------------------------------------------------- additive model


def test_additive_effects_are_training_means(data):
    values = data["expr"]
    train, _, test = make_split("genes", values.shape)
    model = AdditiveModel().fit(values, train)
    cells = train & np.isfinite(values)
    grand = values[cells].mean()
    assert model.grand_mean_ == pytest.approx(grand)
    g = np.flatnonzero(train.any(axis=1))[0]
    assert model.gene_effect_[g] == pytest.approx(values[g][cells[g]].mean() - grand)
    c = 17
    assert model.condition_effect_[c] == pytest.approx(values[:, c][cells[:, c]].mean() - grand)
    unseen = np.flatnonzero(~train.any(axis=1))
    assert unseen.size > 900
    assert (model.gene_effect_[unseen] == 0).all() and (model.gene_log_odds_[unseen] == 0).all()
    # an unseen gene is predicted from its condition alone
    np.testing.assert_allclose(model.predict()[unseen[0]], grand + model.condition_effect_)
    proba = model.predict_proba()
    np.testing.assert_allclose(proba.sum(axis=2), 1.0)
    np.testing.assert_array_equal(proba.argmax(axis=2), model.predict_classes("log_odds"))
    with pytest.raises(ValueError, match="not fitted"):
        AdditiveModel().predict()


def test_additive_model_on_each_split_kind(data):
    """Both class variants beat chance (the majority class) on unseen pairs; log-odds is the better one."""
    values, y = data["expr"], data["classes"]
    acc = {}
    for kind in ("pairs", "genes", "conditions"):
        train, _, test = make_split(kind, values.shape)
        model = AdditiveModel(threshold=0.5).fit(values, train)
        chance = expression_scores(y, np.full_like(y, majority_class(y, train)), test, "classes")
        thr = expression_scores(y, model.predict_classes("threshold"), test, "classes")
        lo = expression_scores(y, model.predict_classes("log_odds"), test, "classes")
        reg = expression_scores(values, model.predict(), test, "regression")
        acc[kind] = (chance["accuracy"], thr["accuracy"], lo["accuracy"], reg["pearson_r"])
        assert lo["accuracy"] >= chance["accuracy"] and lo["balanced_accuracy"] > 0.34
    chance, thr, lo, r_pairs = acc["pairs"]
    assert thr > chance + 0.01 and lo > chance + 0.05 and lo > thr
    assert r_pairs > 0.3
    assert acc["genes"][3] < r_pairs  # a held-out gene has no gene effect: little left to predict


def test_low_rank_completion_is_the_free_reference_on_pairs(data):
    """Co-expression alone (rank 10, no sequence, no regulators) predicts held-out pairs well."""
    values, y = data["expr"], data["classes"]
    train, _, test = make_split("pairs", values.shape)
    model = LowRankModel(rank=10, n_iter=20).fit(values, train)
    ok = train & np.isfinite(values)
    assert np.abs(model.predict()[ok] - values[ok]).mean() < 0.3  # fits the training cells
    low = expression_scores(y, model.predict_classes(), test, "classes")
    additive = expression_scores(y, AdditiveModel().fit(values, train).predict_classes(), test, "classes")
    assert low["accuracy"] > additive["accuracy"] + 0.04 and low["accuracy"] > 0.74
    assert expression_scores(values, model.predict(), test, "regression")["pearson_r"] > 0.75
    with pytest.raises(ValueError, match="rank"):
        LowRankModel(rank=500).fit(values, train)


# --------------------------------------------------------------------------- motif features


def test_motif_hits_match_a_direct_scan(data, motifs, motif_features):
    promoters = data["promoters"][:3]
    picked = [0, 40, len(motifs) - 1]
    for i in picked:
        lo = motifs[i].log_odds
        rc = lo[::-1, ::-1]
        w = motifs[i].width
        for g in range(3):
            onehot = np.eye(4)[promoters[g]]
            windows = np.lib.stride_tricks.sliding_window_view(onehot, (w, 4))[:, 0]
            best = max((windows * lo).sum(axis=(1, 2)).max(), (windows * rc).sum(axis=(1, 2)).max())
            score = motif_hits(promoters[g:g + 1], [motifs[i]], kind="score")[0, 0]
            assert score == pytest.approx(best, abs=1e-3)
            rel = (best - lo.min(axis=1).sum()) / (lo.max(axis=1).sum() - lo.min(axis=1).sum())
            assert motif_features[g, i] == pytest.approx(rel, abs=1e-4)
    assert motif_features.shape == (len(data["genes"]), len(motifs)) and motif_features.dtype == np.float32
    assert 0.0 <= motif_features.min() and motif_features.max() <= 1.0
    presence = motif_hits(data["promoters"][:50], motifs[:20], kind="presence", threshold=0.8)
    np.testing.assert_array_equal(presence, (motif_features[:50, :20] >= 0.8).astype(np.float32))
    last = motif_hits(data["promoters"][:20], motifs[:10], kind="score", last=600)
    np.testing.assert_allclose(last, motif_hits(data["promoters"][:20, 400:], motifs[:10], kind="score"))
    with pytest.raises(ValueError, match="kind"):
        motif_hits(promoters, motifs[:2], kind="count")


def test_stre_motif_marks_heat_induced_genes(data, motifs):
    """Msn2's STRE (CCCCT) is commoner near the genes induced by heat shock than near the repressed ones."""
    msn2 = [m for m in motifs if m.name.upper() == "MSN2"]
    assert msn2, "JASPAR fungi has an MSN2 matrix"
    present = motif_hits(data["promoters"], msn2, kind="presence", threshold=0.9, last=600)[:, 0]
    hs = data["expr"][:, :8]  # the eight 'hs-1' heat-shock columns
    seen = np.isfinite(hs).sum(axis=1)
    heat = np.where(seen > 0, np.nansum(hs, axis=1) / np.maximum(seen, 1), 0.0)
    induced, repressed = present[heat > 1].mean(), present[heat < -1].mean()
    assert induced > 1.5 * repressed


# --------------------------------------------------------------------------- boosted trees


@pytest.fixture(scope="module")
def pairs_trees(data, motif_features):
    y = data["classes"]
    train, _, test = make_split("pairs", y.shape)
    model = BoostedTreeBaseline("classes", max_cells=4000, seed=0, max_iter=25, max_bins=32,
                                early_stopping=False, n_threads=1)
    model.fit(motif_features, data["regulators"].T, y, train)
    return model, train, test


def test_boosted_trees_learn_from_motifs_and_regulators(data, pairs_trees):
    y = data["classes"]
    model, train, test = pairs_trees
    assert model.n_train_cells_ == 4000
    pred = model.predict(cells=test)
    assert ((pred >= 0) == test).all()
    s = expression_scores(y, pred, test, "classes")
    chance = expression_scores(y, np.full_like(y, majority_class(y, train)), test, "classes")
    assert s["balanced_accuracy"] > chance["balanced_accuracy"] + 0.03
    assert s["accuracy"] > chance["accuracy"] - 0.02  # small quick setting: near chance in accuracy


def test_boosted_tree_blocks_do_not_change_predictions(data, motif_features, pairs_trees):
    model, _, test = pairs_trees
    some = np.zeros_like(test)
    some[:300] = test[:300]
    big = model.predict(cells=some)
    model.block_bytes = 4 * 1000 * (motif_features.shape[1] + data["regulators"].shape[0])  # 1,000 cells a block
    try:
        small = model.predict(cells=some)
        proba = model.predict_proba(cells=some)
    finally:
        model.block_bytes = 64 * 2**20
    np.testing.assert_array_equal(big, small)
    np.testing.assert_array_equal(proba[some].argmax(axis=1), big[some])
    assert np.isnan(proba[~some]).all()
    # the same seed draws the same cells and grows the same trees
    again = BoostedTreeBaseline("classes", max_cells=4000, seed=0, max_iter=25, max_bins=32,
                                early_stopping=False, n_threads=1)
    again.fit(motif_features, data["regulators"].T, data["classes"], pairs_trees[1])
    np.testing.assert_array_equal(again.predict(cells=some), big)


def test_boosted_tree_regression_and_bad_inputs(data, motif_features):
    values = data["expr"]
    train, _, test = make_split("pairs", values.shape, seed=1)
    model = BoostedTreeBaseline("regression", max_cells=3000, seed=0, max_iter=20, max_bins=32,
                                early_stopping=False, n_threads=1)
    model.fit(motif_features, data["regulators"].T, values, train)
    some = test & (np.arange(values.shape[0]) < 600)[:, None]
    pred = model.predict(cells=some)
    assert np.isnan(pred[~some]).all()
    assert expression_scores(values, pred, some, "regression")["pearson_r"] > 0.1
    with pytest.raises(ValueError, match="integer classes"):
        BoostedTreeBaseline("classes").fit(motif_features, data["regulators"].T, values, train)
    with pytest.raises(ValueError, match="shape"):
        BoostedTreeBaseline("regression").fit(motif_features[:10], data["regulators"].T, values, train)
    with pytest.raises(ValueError, match="kind"):
        BoostedTreeBaseline("ordinal")
