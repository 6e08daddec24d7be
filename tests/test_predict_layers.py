"""predict.layer_outputs: an inner layer's output through the one forward pass, for genes of any length."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from genomenb.models.charlm import CharLMConfig, build_char_lm  # noqa: E402
from genomenb.predict import layer_outputs  # noqa: E402

LENGTHS = (5, 17, 33, 64, 3, 40)


def _tiny_lm(seq_len=None, seed=0):
    keras.utils.set_random_seed(seed)
    return build_char_lm(CharLMConfig(cell="lstm", num_layers=1, hidden_size=8, embedding_dim=4), seq_len=seq_len)


def _genes(lengths=LENGTHS, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 5, n).astype(np.uint8) for n in lengths]


def test_padded_batches_give_each_genes_own_states():
    model = _tiny_lm()
    genes = _genes()
    batched = layer_outputs(model, genes, "lstm_1", batch_size=4, length_step=16)
    assert len(batched) == len(genes)
    for gene, states in zip(genes, batched):
        assert states.shape == (len(gene), 8) and states.dtype == np.float32
        alone = layer_outputs(model, [gene], "lstm_1", batch_size=1, length_step=1)[0]
        np.testing.assert_allclose(states, alone, rtol=1e-5, atol=1e-6)
        direct = keras.ops.convert_to_numpy(keras.Model(model.inputs[0], model.get_layer("lstm_1").output)(
            gene[None].astype("int32")))[0]
        np.testing.assert_allclose(states, direct, rtol=1e-5, atol=1e-6)


def test_rows_of_one_length_and_the_sub_model_follows_the_weights():
    model = _tiny_lm()
    rows = np.stack(_genes((12, 12, 12)))
    as_array = layer_outputs(model, rows, "lstm_1")
    assert as_array.shape == (3, 12, 8) and as_array.dtype == np.float32
    np.testing.assert_allclose(as_array, np.stack(layer_outputs(model, list(rows), "lstm_1")), atol=1e-6)
    embedding = layer_outputs(model, rows, "embedding")
    assert embedding.shape == (3, 12, 4)
    model.set_weights([w * 0.5 for w in model.get_weights()])  # a model trained further is followed
    assert not np.allclose(layer_outputs(model, rows, "lstm_1"), as_array)


def test_bad_inputs_say_what_was_expected():
    model = _tiny_lm()
    with pytest.raises(ValueError, match="no layer 'gru_1'.*lstm_1"):
        layer_outputs(model, _genes(), "gru_1")
    with pytest.raises(ValueError, match="fixed length 20"):
        layer_outputs(_tiny_lm(seq_len=20), _genes(), "lstm_1")
    with pytest.raises(ValueError, match="sequence 1 is empty"):
        layer_outputs(model, [np.zeros(3, np.uint8), np.zeros(0, np.uint8)], "lstm_1")
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        layer_outputs(model, _genes(), "lstm_1", batch_size=0)
    with pytest.raises(ValueError, match="codes 0..4"):
        layer_outputs(model, [np.full(4, 7, np.uint8)], "lstm_1")
    with pytest.raises(TypeError, match="list of 1-D code arrays"):
        layer_outputs(model, "ACGT", "lstm_1")
    codes = keras.Input((None,), dtype="int32")
    pooled = keras.layers.LSTM(3, name="last_state")(keras.layers.Embedding(5, 2)(codes))
    summary = keras.Model(codes, keras.layers.Dense(1)(pooled))
    with pytest.raises(ValueError, match="no sequence axis"):
        layer_outputs(summary, _genes(), "last_state")
