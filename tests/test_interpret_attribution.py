"""Input gradients and saliency maps, checked against finite differences; one-input and two-input models."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from interpret_models import (  # noqa: E402
    CONSENSUS,
    finite_difference,
    planted_sequences,
    scanner_model,
    small_cnn,
    two_input_data,
    two_input_model,
)

from genomenb.encode import one_hot  # noqa: E402
from genomenb.interpret import attribution, grading  # noqa: E402
from genomenb.models.multitask import build_bigru_multitask  # noqa: E402
from genomenb.predict import predict, scoring_model  # noqa: E402


@pytest.mark.parametrize("family", ["cnn", "bigru"])
def test_gradients_agree_with_finite_differences(family):
    model = small_cnn() if family == "cnn" else build_bigru_multitask(20, 3, units=4, n_layers=1)
    rng = np.random.default_rng(0)
    x = one_hot(rng.integers(0, 4, size=(3, 20)).astype(np.uint8))
    grads = attribution.input_gradients(model, x, 1)
    numeric = finite_difference(model, x, 1)
    scale = np.abs(numeric).max()
    assert scale > 1e-3
    np.testing.assert_allclose(grads, numeric, atol=2e-3 * scale)
    np.testing.assert_allclose(attribution.saliency(model, x, 1), grads * x, rtol=1e-6)


def test_logit_copy_matches_the_model_and_leaves_it_unchanged():
    model = small_cnn()
    x = one_hot(np.random.default_rng(2).integers(0, 5, size=(4, 20)).astype(np.uint8))
    probs = predict(model, x, output="probability")
    logits = predict(model, x, output="logit")
    np.testing.assert_allclose(1 / (1 + np.exp(-logits)), probs, atol=1e-6)
    assert model.layers[-1].activation.__name__ == "sigmoid"
    # the chain rule links the two gradients: d logit = d p / (p (1 - p))
    g_logit = attribution.input_gradients(model, x, 2)
    g_prob = attribution.input_gradients(model, x, 2, output="probability")
    p = probs[:, 2][:, None, None]
    np.testing.assert_allclose(g_prob, g_logit * p * (1 - p), atol=1e-6)


def test_codes_are_one_hot_encoded_for_the_gradient():
    model = small_cnn()
    codes = np.random.default_rng(2).integers(0, 5, size=(3, 20)).astype(np.uint8)
    np.testing.assert_allclose(attribution.saliency(model, codes, 1), attribution.saliency(model, one_hot(codes), 1))


def test_per_sequence_tasks_give_each_sequence_its_own_gradient():
    model = small_cnn()
    x = one_hot(np.random.default_rng(3).integers(0, 4, size=(5, 20)).astype(np.uint8))
    mixed = attribution.input_gradients(model, x, [0, 1, 2, 1, 0], batch_size=2)
    for i, t in enumerate([0, 1, 2, 1, 0]):
        np.testing.assert_allclose(mixed[i], attribution.input_gradients(model, x[i:i + 1], t)[0], atol=1e-6)


def test_bad_inputs_are_refused():
    model = small_cnn()
    with pytest.raises(ValueError, match=r"\(n, L, 4\)"):
        attribution.saliency(model, np.zeros((2, 20)), 0)
    with pytest.raises(ValueError, match="task"):
        attribution.saliency(model, np.zeros((2, 20, 4)), 3)
    with pytest.raises(ValueError, match="output"):
        scoring_model(model, "softmax")
    with pytest.raises(ValueError, match="unknown attribution method"):
        attribution.attribution_scores(model, np.zeros((2, 20, 4)), 0, methods=["deeplift"])


def test_softmax_classes_are_explained_on_the_logit():
    keras.utils.set_random_seed(4)
    inputs = keras.Input((12, 4))
    hidden = keras.layers.Flatten()(keras.layers.Conv1D(3, 4, activation="relu")(inputs))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax", name="classes")(hidden))
    x = one_hot(np.random.default_rng(1).integers(0, 4, size=(3, 12)).astype(np.uint8))
    grads = attribution.input_gradients(model, x, [0, 2, 1])
    for i, cls in enumerate([0, 2, 1]):
        numeric = finite_difference(model, x[i:i + 1], cls)[0]
        np.testing.assert_allclose(grads[i], numeric, atol=2e-3 * max(np.abs(numeric).max(), 1e-3))


# --------------------------------------------------------------------------- two inputs, one regression output


def test_two_input_saliency_differentiates_the_sequence_only():
    model = two_input_model()
    codes, levels = two_input_data()
    x = one_hot(codes)
    inputs = {"promoter": x, "regulators": levels}
    grads = attribution.input_gradients(model, inputs, 0)
    assert grads.shape == x.shape
    numeric = finite_difference(model, x, 0, sequence_input="promoter", others={"regulators": levels})
    scale = np.abs(numeric).max()
    assert scale > 1e-3
    np.testing.assert_allclose(grads, numeric, atol=2e-3 * scale)
    saliency = attribution.saliency(model, {"promoter": codes, "regulators": levels}, 0)
    np.testing.assert_allclose(saliency, grads * x, rtol=1e-6)
    # the regulators are held at their given values, not ignored: other values, other gradients
    moved = attribution.input_gradients(model, {"promoter": x, "regulators": levels + 3.0}, 0)
    assert np.abs(moved - grads).max() > 1e-3 * scale
    # naming the sequence input is the same as letting it be found
    np.testing.assert_allclose(attribution.input_gradients(model, inputs, 0, sequence_input="promoter"), grads)
    # a regression head is its own logit; it has no probability
    np.testing.assert_allclose(attribution.input_gradients(model, inputs, 0, output="model"), grads)
    with pytest.raises(ValueError, match="probabilities"):
        attribution.saliency(model, inputs, 0, output="probability")
    with pytest.raises(ValueError, match=r"\(n, L, 4\)"):
        attribution.saliency(model, inputs, 0, sequence_input="regulators")
    with pytest.raises(ValueError, match="dict"):
        attribution.saliency(model, x, 0)
    with pytest.raises(ValueError, match="task"):
        attribution.saliency(model, inputs, 1)


def test_two_input_attribution_scores_run_every_method():
    model = two_input_model()
    codes, levels = two_input_data()
    scores = attribution.attribution_scores(model, {"promoter": codes, "regulators": levels}, 0)
    assert set(scores) == set(attribution.ATTRIBUTION_METHODS)
    assert all(s.shape == codes.shape for s in scores.values())


# --------------------------------------------------------------------------- known motif: every method finds it


def test_attributions_rank_a_planted_motif_above_the_rest():
    model = scanner_model()
    codes, sites = planted_sequences()
    scores = attribution.attribution_scores(model, one_hot(codes), 0)
    assert set(scores) == set(attribution.ATTRIBUTION_METHODS)
    mask = grading.planted_site_mask(sites, codes.shape[1])
    assert mask.sum() == 8 * len(codes)
    per_sequence = grading.rank_planted_positions(scores, mask)
    summary = grading.summarize_ranking(per_sequence)
    assert summary.loc["saliency", "mean_auroc"] == 1.0  # only the best window passes the max-pooling
    assert summary.loc["ism", "mean_auroc"] > 0.95
    assert abs(summary.loc["random", "mean_auroc"] - 0.5) < 0.15
    assert summary.index[0] in ("saliency", "ism", "gradient", "temporal")
    # the saliency at the sites, aligned on the motif's strand, reads like the motif
    pattern = grading.aligned_site_attributions(attribution.saliency(model, one_hot(codes), 0), sites)
    assert (pattern.argmax(axis=1) == CONSENSUS).all()


def test_substitution_importance_is_the_mean_loss_at_the_observed_base():
    x = one_hot(np.array([[0, 4]], dtype=np.uint8))
    effects = np.zeros((1, 2, 4), dtype=np.float32)
    effects[0, 0, 1:] = [-1.0, -2.0, -3.0]
    effects[0, 1] = [1.0, 1.0, 1.0, 1.0]
    out = attribution.substitution_importance(effects, x)
    np.testing.assert_allclose(out[0, 0], [2.0, 0, 0, 0])
    np.testing.assert_allclose(out[0, 1], 0.0)  # an N has no observed base
    np.testing.assert_allclose(attribution.position_importance(effects, "ism", x)[0], [2.0, 1.0])
