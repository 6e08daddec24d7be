"""The joint multi-task logistic regression equals per-task scikit-learn fits; integer codes fail, k-mers work."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from genomenb.baselines import kmer
from genomenb.encode import kmer_features, to_codes
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
