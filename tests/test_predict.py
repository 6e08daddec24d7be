"""The one batched forward pass: inputs as arrays or dicts, padding, strands, logits."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from tiny_models import three_class_cnn, two_input_data, two_input_regressor  # noqa: E402

from genomenb import encode  # noqa: E402
from genomenb.predict import input_specs, predict, prepare_batch, scoring_model  # noqa: E402


def test_batches_and_padding_do_not_change_the_outputs():
    model = two_input_regressor()
    x, _ = two_input_data(37)
    fed = prepare_batch(model, x)
    assert fed["promoter"].shape == (37, 20, 4) and fed["regulators"].shape == (37, 3)
    whole = np.asarray(model.predict_on_batch(fed))
    for batch_size in (1, 8, 16, 64):
        np.testing.assert_allclose(predict(model, x, batch_size=batch_size), whole, rtol=1e-5, atol=1e-6)
    assert predict(model, {k: v[:0] for k, v in x.items()}).shape == (0, 1)


def test_reverse_complement_averaging_flips_only_the_sequence_input():
    model = two_input_regressor()
    x, _ = two_input_data(9)
    flipped = {"promoter": encode.reverse_complement(x["promoter"]), "regulators": x["regulators"]}
    expected = (predict(model, x) + predict(model, flipped)) / 2
    np.testing.assert_allclose(predict(model, x, reverse_complement_average=True), expected, rtol=1e-5, atol=1e-6)
    one_hot = {"promoter": encode.one_hot(x["promoter"]), "regulators": x["regulators"]}
    np.testing.assert_allclose(predict(model, one_hot, reverse_complement_average=True), expected, atol=1e-6)


def test_outputs_logit_and_probability():
    model = three_class_cnn()
    x = np.random.default_rng(0).integers(0, 4, (6, 20)).astype(np.uint8)
    probs = predict(model, x, output="probability")
    logits = predict(model, x, output="logit")
    np.testing.assert_allclose(np.exp(logits) / np.exp(logits).sum(1, keepdims=True), probs, atol=1e-6)
    regressor = two_input_regressor()
    assert scoring_model(regressor, "logit") is regressor  # a linear head is its own score
    with pytest.raises(ValueError, match="no probabilities"):
        predict(regressor, two_input_data(3)[0], output="probability")
    with pytest.raises(ValueError, match="output must be"):
        predict(model, x, output="softmax")


def test_inputs_are_checked_by_name_and_shape():
    model = two_input_regressor()
    assert list(input_specs(model)) == ["promoter", "regulators"]
    x, _ = two_input_data(4)
    with pytest.raises(ValueError, match="pass a dict"):
        predict(model, x["promoter"])
    with pytest.raises(ValueError, match="model's inputs"):
        predict(model, {"promoter": x["promoter"]})
    with pytest.raises(ValueError, match="expects rows of shape"):
        predict(model, {"promoter": x["promoter"][:, :10], "regulators": x["regulators"]})
    with pytest.raises(ValueError, match="codes 0..4"):
        predict(model, {"promoter": x["promoter"] + 5, "regulators": x["regulators"]})
    with pytest.raises(ValueError, match="disagree"):
        predict(model, {"promoter": x["promoter"], "regulators": x["regulators"][:2]})
    with pytest.raises(ValueError, match="batch_size"):
        predict(model, x, batch_size=0)
