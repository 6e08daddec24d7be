"""In-silico mutagenesis, temporal scores and filter knockout: every number is a direct forward difference."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from interpret_models import planted_sequences, scanner_model, small_cnn, two_input_data, two_input_model  # noqa: E402

from genomenb.encode import one_hot  # noqa: E402
from genomenb.interpret import perturbation  # noqa: E402
from genomenb.models.multitask import build_bigru_multitask  # noqa: E402
from genomenb.predict import predict  # noqa: E402


def picked(model, x, task, output="logit"):
    """The chosen task of every row (one task or one per row), by one forward pass."""
    y = predict(model, x, output=output)
    return y[np.arange(len(y)), np.broadcast_to(task, len(y))]


def test_mutagenesis_is_the_exact_effect_of_each_substitution():
    model = small_cnn()
    codes = np.random.default_rng(4).integers(0, 4, size=(2, 20)).astype(np.uint8)
    codes[1, 5] = 4  # an N: all four bases are substitutions
    x = one_hot(codes)
    effects = perturbation.in_silico_mutagenesis(model, x, [2, 0], batch_size=64)
    assert effects.shape == x.shape
    assert (effects[x == 1] == 0).all()
    base = picked(model, x, [2, 0])
    for i, task in ((0, 2), (1, 0)):
        for pos, b in ((3, 1), (5, 2), (19, 0)):
            mutant = codes[i].copy()
            mutant[pos] = b
            direct = picked(model, one_hot(mutant[None]), task)[0] - base[i]
            assert effects[i, pos, b] == pytest.approx(direct, abs=1e-5)


def test_temporal_scores_run_from_empty_to_full_sequence():
    model = build_bigru_multitask(16, 2, units=3, n_layers=1)
    x = one_hot(np.random.default_rng(5).integers(0, 4, size=(3, 16)).astype(np.uint8))
    full = picked(model, x, 1, output="probability")
    empty = picked(model, np.zeros_like(x), 1, output="probability")
    for direction in ("forward", "reverse"):
        curve, revealed = perturbation.temporal_scores(model, x, 1, direction=direction)
        assert revealed.tolist() == list(range(17))
        np.testing.assert_allclose(curve[:, -1], full, atol=1e-6)
        np.testing.assert_allclose(curve[:, 0], empty, atol=1e-6)
        change = perturbation.temporal_importance(curve, direction)
        assert change.shape == (3, 16)
        np.testing.assert_allclose(change.sum(axis=1), full - empty, atol=1e-5)
    coarse, revealed = perturbation.temporal_scores(model, x, 1, step=5)
    assert revealed.tolist() == [0, 5, 10, 15, 16] and coarse.shape == (3, 5)
    # a prefix of 5 bases: the model sees bases 0-4 and N after them
    prefix = x.copy()
    prefix[:, 5:] = 0
    np.testing.assert_allclose(coarse[:, 1], picked(model, prefix, 1, output="probability"), atol=1e-6)


# --------------------------------------------------------------------------- two inputs


def test_two_input_mutagenesis_mutates_the_sequence_and_holds_the_regulators():
    model = two_input_model()
    codes, levels = two_input_data(n=3)
    codes[2, 7] = 4
    inputs = {"promoter": codes, "regulators": levels}
    effects = perturbation.in_silico_mutagenesis(model, inputs, 0, batch_size=48)
    assert effects.shape == codes.shape + (4,)
    assert (effects[one_hot(codes) == 1] == 0).all()
    base = predict(model, inputs)[:, 0]
    for i in range(3):
        for pos, b in ((0, 1), (7, 3), (19, 2)):
            mutant = codes[i].copy()
            mutant[pos] = b
            direct = predict(model, {"promoter": mutant[None], "regulators": levels[i:i + 1]})[0, 0] - base[i]
            assert effects[i, pos, b] == pytest.approx(direct, abs=1e-5)
    curve, revealed = perturbation.temporal_scores(model, inputs, 0, step=10)
    np.testing.assert_allclose(curve[:, -1], base, atol=1e-5)
    empty = predict(model, {"promoter": np.full_like(codes, 4), "regulators": levels})[:, 0]
    np.testing.assert_allclose(curve[:, 0], empty, atol=1e-5)


@pytest.mark.parametrize("mode", ["weights", "activation"])
def test_filter_knockout_of_a_two_input_model_is_a_forward_difference(mode):
    model = two_input_model()
    codes, levels = two_input_data(n=5)
    inputs = {"promoter": codes, "regulators": levels}
    before = [w.copy() for w in model.get_weights()]
    base = predict(model, inputs)
    change = perturbation.filter_knockout(model, inputs, "conv", [1, (0, 3)], task=0, mode=mode)
    assert change.shape == (5, 2)
    # the same knockouts by hand: zero the filters' kernel and bias in a copy (ReLU: the same as mode="activation")
    for k, group in enumerate([[1], [0, 3]]):
        copy = keras.models.clone_model(model)
        copy.set_weights(model.get_weights())
        kernel, bias = copy.get_layer("conv").get_weights()
        kernel[..., group] = 0.0
        bias[group] = 0.0
        copy.get_layer("conv").set_weights([kernel, bias])
        np.testing.assert_allclose(change[:, k], (predict(copy, inputs) - base)[:, 0], atol=1e-5)
    assert np.abs(change).max() > 1e-3
    for w, b in zip(model.get_weights(), before):  # the model itself is untouched
        np.testing.assert_array_equal(w, b)
    every = perturbation.filter_knockout(model, inputs, mode=mode)
    assert every.shape == (5, 4, 1)
    np.testing.assert_allclose(every[:, 1, 0], change[:, 0], atol=1e-6)


def test_knocking_out_a_strand_filter_silences_its_sites_only():
    model = scanner_model()
    codes, _ = planted_sequences()
    change = perturbation.filter_knockout(model, codes, filters=[0, 1], task=0)
    forward, reverse = np.arange(0, 12, 2), np.arange(1, 12, 2)
    # filter 0 reads the forward-strand sites, filter 1 the reverse-strand ones: the max-pooling keeps the other
    assert (change[forward, 0] < -1.0).all() and np.allclose(change[reverse, 0], 0.0, atol=1e-5)
    assert (change[reverse, 1] < -1.0).all() and np.allclose(change[forward, 1], 0.0, atol=1e-5)
    # task 1 is pushed down by the motif: silencing it raises task 1
    assert (perturbation.filter_knockout(model, codes, filters=0, task=1)[forward, 0] > 1.0).all()
    with pytest.raises(ValueError, match="filters"):
        perturbation.filter_knockout(model, codes, filters=[2])
    with pytest.raises(ValueError, match="mode"):
        perturbation.filter_knockout(model, codes, mode="dropout")
    with pytest.raises(ValueError, match="Conv1D"):
        perturbation.filter_knockout(build_bigru_multitask(40, 2, units=3, n_layers=1), codes)
