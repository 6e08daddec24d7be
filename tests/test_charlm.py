"""The character-level language model: shapes, cells, validation and a .keras round trip."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from genomenb.models.charlm import CELLS, CharLMConfig, build_char_lm, compile_char_lm  # noqa: E402


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_every_cell_predicts_a_distribution_per_position(cell):
    model = build_char_lm(CharLMConfig(cell=cell, num_layers=2, hidden_size=8, embedding_dim=4))
    codes = np.random.default_rng(0).integers(0, 5, size=(3, 17)).astype("int32")  # N (4) is a valid input
    probs = keras.ops.convert_to_numpy(model(codes))
    assert probs.shape == (3, 17, 4)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-5)
    assert [layer.name for layer in model.layers if cell in layer.name] == [f"{cell}_1", f"{cell}_2"]


def test_model_is_causal():
    # the prediction at position t must not depend on bases after t
    model = build_char_lm(CharLMConfig(cell="gru", num_layers=1, hidden_size=8))
    rng = np.random.default_rng(1)
    a = rng.integers(0, 4, size=(1, 20)).astype("int32")
    b = a.copy()
    b[0, 10:] = (b[0, 10:] + 1) % 4
    pa = keras.ops.convert_to_numpy(model(a))
    pb = keras.ops.convert_to_numpy(model(b))
    np.testing.assert_allclose(pa[0, :10], pb[0, :10], rtol=1e-6)
    assert not np.allclose(pa[0, 10:], pb[0, 10:])


def test_gated_cells_have_more_parameters():
    sizes = {cell: build_char_lm(CharLMConfig(cell=cell, num_layers=1, hidden_size=16)).count_params()
             for cell in CELLS}
    assert sizes["lstm"] > sizes["gru"] > sizes["rnn"]


@pytest.mark.parametrize("kwargs, error", [
    ({"cell": "transformer"}, ValueError),
    ({"num_layers": 0}, ValueError),
    ({"num_layers": 4}, ValueError),
    ({"hidden_size": 0}, ValueError),
    ({"hidden_size": 8.5}, TypeError),
    ({"dropout": 1.0}, ValueError),
    ({"dropout": -0.1}, ValueError),
])
def test_bad_configs_are_rejected(kwargs, error):
    with pytest.raises(error):
        CharLMConfig(**kwargs)


def test_cell_name_is_case_insensitive():
    assert CharLMConfig(cell="LSTM").cell == "lstm"


def test_dropout_layers_only_when_asked():
    with_dropout = build_char_lm(CharLMConfig(num_layers=2, hidden_size=4, dropout=0.2))
    without = build_char_lm(CharLMConfig(num_layers=2, hidden_size=4, dropout=0.0))
    assert sum("dropout" in layer.name for layer in with_dropout.layers) == 2
    assert not any("dropout" in layer.name for layer in without.layers)


def test_keras_file_round_trip_without_custom_objects(tmp_path):
    model = compile_char_lm(build_char_lm(CharLMConfig(cell="lstm", num_layers=1, hidden_size=8)), 0.01)
    codes = np.random.default_rng(2).integers(0, 4, size=(4, 12)).astype("int32")
    model.train_on_batch(codes[:, :-1], codes[:, 1:])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(codes)), keras.ops.convert_to_numpy(model(codes)),
                               rtol=1e-6)


def test_learning_rate_must_be_positive():
    with pytest.raises(ValueError, match="learning_rate"):
        compile_char_lm(build_char_lm(CharLMConfig(hidden_size=4)), 0.0)
