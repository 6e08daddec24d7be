"""The joint multi-task logistic regression equals per-task scikit-learn fits; integer codes fail, k-mers work."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from genomenb.baselines import kmer
from genomenb.encode import to_codes
from genomenb.kmers import kmer_features
from genomenb.metrics import roc_auc_per_task


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, size=(2500, 60), dtype=np.uint8)
    x = kmer_features(codes, k_max=3)
    xs = (x - x.mean(axis=0)) / x.std(axis=0)
    w = rng.standard_normal((x.shape[1], 4)) * 0.25
    logit = xs @ w + np.array([-2.5, -1.0, 0.0, -4.0])
    y = (rng.random(logit.shape) < 1 / (1 + np.exp(-logit))).astype(np.uint8)
    return x, xs, y


@pytest.mark.parametrize("l2", [1.0, 30.0])
def test_joint_fit_equals_sklearn_per_task(problem, l2):
    x, xs, y = problem
    model = kmer.MultiTaskLogistic(l2=l2, max_iter=300, tol=1e-12).fit(x, y)
    ours = model.decision_function(x)
    for t in range(y.shape[1]):
        # same objective: C = 1 / l2 on the standardised features, intercept not penalised
        ref = LogisticRegression(C=1 / l2, tol=1e-10, max_iter=10_000).fit(xs, y[:, t])
        np.testing.assert_allclose(ours[:, t], ref.decision_function(xs), atol=0.03, rtol=0)
        # coefficients are reported on the raw feature scale
        np.testing.assert_allclose(model.coef_[:, t] * x.std(axis=0), ref.coef_[0], atol=0.02)
    assert model.report_.iterations <= 300 and model.report_.seconds > 0


def test_constant_tasks_get_constant_predictions(problem):
    x, _, y = problem
    y = np.column_stack([y[:, 0], np.zeros(len(y)), np.ones(len(y))]).astype(np.uint8)
    model = kmer.MultiTaskLogistic(max_iter=20).fit(x, y)
    p = model.predict_proba(x)
    assert p[:, 1].max() < 1e-9 and p[:, 2].min() > 0.999
    assert not model.coef_[:, 1:].any()


def test_bad_shapes_are_rejected(problem):
    x, _, y = problem
    with pytest.raises(ValueError):
        kmer.MultiTaskLogistic().fit(x, y[:100])
    model = kmer.MultiTaskLogistic(max_iter=5).fit(x, y)
    with pytest.raises(ValueError):
        model.decision_function(x[:, :10])


def test_feature_sets():
    codes = to_codes(["ACGTAC" * 5, "TTTTTT" * 5])
    assert kmer.kmer_count_features(codes).shape == (2, 1364)
    assert kmer.integer_code_features(codes).tolist()[0][:4] == [0, 1, 2, 3]
    onehot = kmer.positional_onehot_features(codes)
    assert onehot.shape == (2, 120) and onehot.sum(axis=1).tolist() == [30, 30]


def test_integer_codes_cannot_find_a_moving_motif_but_kmers_can():
    """The paper's first encoding fails: a motif at a random position is invisible to a linear model on codes."""
    rng = np.random.default_rng(1)
    n, length = 2000, 100
    codes = rng.integers(0, 4, size=(n, length), dtype=np.uint8)
    motif = to_codes("TGACTCA")  # AP-1 site
    positive = rng.random(n) < 0.3
    for i in np.flatnonzero(positive):
        p = rng.integers(0, length - motif.size)
        codes[i, p:p + motif.size] = motif
    y = positive[:, None].astype(np.uint8)
    train, test = slice(0, 1400), slice(1400, None)
    auc = {}
    for name, featurize in kmer.FEATURE_SETS.items():
        x = featurize(codes)
        model = kmer.MultiTaskLogistic(l2=1.0, max_iter=50).fit(x[train], y[train])
        auc[name] = roc_auc_per_task(y[test], model.decision_function(x[test]))[0]
    assert auc["kmer"] > 0.95
    assert abs(auc["integer"] - 0.5) < 0.08
    assert auc["onehot_position"] < 0.7


def test_per_set_fits_use_own_rows_and_the_validation_best_l2():
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(4)
    sizes = {"train": 400, "valid": 200, "test": 200}
    features, labels, task = {}, {}, {}
    for split, n in sizes.items():
        t = np.repeat([0, 1], n // 2)
        x = rng.normal(size=(n, 12))
        y = (x[np.arange(n), t] + 0.5 * rng.normal(size=n) > 0).astype(np.float32)  # set t reads feature t
        lab = np.full((n, 2), -1.0, dtype=np.float32)
        lab[np.arange(n), t] = y
        features[split], labels[split], task[split] = x, lab, t
    grid = [1e-3, 10.0, 1e4]
    fit = kmer.fit_per_set_logistic(features, labels, task, l2_grid=grid, max_iter=200)
    assert fit.scores["test"].shape == (200, 2) and fit.l2.shape == (2,)
    for t in range(2):
        own = {s: task[s] == t for s in sizes}
        aucs = []
        for l2 in grid:
            ref = make_pipeline(StandardScaler(), LogisticRegression(C=1 / l2, max_iter=200))
            ref.fit(features["train"][own["train"]], labels["train"][own["train"], t])
            aucs.append(roc_auc_score(labels["valid"][own["valid"], t],
                                      ref.decision_function(features["valid"][own["valid"]])))
            if l2 == fit.l2[t]:
                np.testing.assert_allclose(fit.scores["test"][own["test"], t],
                                           ref.decision_function(features["test"][own["test"]]), rtol=1e-5, atol=1e-5)
        assert fit.l2[t] == grid[int(np.argmax(aucs))]
        assert (fit.scores["test"][~own["test"], t] == 0).all()
        assert roc_auc_score(labels["test"][own["test"], t], fit.scores["test"][own["test"], t]) > 0.75
    only_other = kmer.fit_per_set_logistic(features, labels, task, l2_grid=[1.0], columns=slice(2, 12))
    for t in range(2):  # without the informative columns nothing is left to learn
        own = task["test"] == t
        assert abs(roc_auc_score(labels["test"][own, t], only_other.scores["test"][own, t]) - 0.5) < 0.2
    with pytest.raises(ValueError, match="positive"):
        kmer.fit_per_set_logistic(features, labels, task, l2_grid=[0.0])
