import numpy as np
import pytest

keras = pytest.importorskip("keras")

from genomenb.encode import one_hot  # noqa: E402
from genomenb.models.losses import masked_binary_crossentropy  # noqa: E402
from genomenb.models.multitask import (  # noqa: E402
    build_bigru_multitask,
    build_danq,
    build_deepsea_cnn,
    build_multitask_model,
)


def test_published_sizes():
    gru = build_bigru_multitask(100, 919)
    # embedding 4x2, two BiGRU(128) layers, dense 256 -> 919
    assert gru.get_layer("base_embedding").kernel.shape == (4, 2)
    assert gru.output_shape == (None, 919)
    assert gru.get_layer("tasks").kernel.shape == (256, 919)
    cnn = build_deepsea_cnn(1000, 919)
    assert [cnn.get_layer(f"conv_{i}").filters for i in (1, 2, 3)] == [320, 480, 960]
    assert cnn.get_layer("flatten").output.shape[-1] == 53 * 960  # DeepSEA's 53 x 960 feature map
    danq = build_danq(1000, 919)
    assert danq.get_layer("bilstm").output.shape[1:] == (75, 640)


def test_short_inputs_need_same_padding():
    with pytest.raises(ValueError, match="padding='same'"):
        build_deepsea_cnn(100, 10)
    assert build_deepsea_cnn(100, 10, padding="same").output_shape == (None, 10)
    with pytest.raises(ValueError, match="unknown model family"):
        build_multitask_model("transformer", 100, 3)


def test_embedding_maps_n_to_zero_and_is_a_lookup():
    model = build_bigru_multitask(6, 3, units=4)
    emb = keras.Model(model.input, model.get_layer("base_embedding").output)
    x = one_hot(np.array([[0, 1, 2, 3, 4, 0]], dtype=np.uint8))
    out = np.asarray(emb(x))
    w = np.asarray(model.get_layer("base_embedding").kernel)
    np.testing.assert_allclose(out[0, :4], w, rtol=1e-6)
    np.testing.assert_allclose(out[0, 4], 0.0)


def test_masked_loss_ignores_unlabelled_tasks():
    y_pred = np.array([[0.9, 0.2, 0.6], [0.3, 0.8, 0.5]], dtype=np.float32)
    y_true = np.array([[1, -1, -1], [-1, 0, 1]], dtype=np.float32)
    got = np.asarray(masked_binary_crossentropy(y_true, y_pred))
    expected = [-np.log(0.9), (-np.log(0.2) - np.log(0.5)) / 2]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    # changing predictions of masked tasks does not change the loss
    y_pred2 = y_pred.copy()
    y_pred2[0, 1:] = 0.01
    np.testing.assert_allclose(np.asarray(masked_binary_crossentropy(y_true, y_pred2))[0], got[0], rtol=1e-6)


@pytest.mark.parametrize("family,sizes", [
    ("bigru", {"units": 8}),
    ("deepsea", {"filters": (8, 8, 8), "dense_units": 16, "padding": "same"}),
    ("danq", {"filters": 8, "kernel": 9, "pool": 4, "lstm_units": 8, "dense_units": 16}),
])
def test_one_training_step_reduces_loss_on_a_fixed_batch(family, sizes):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = one_hot(rng.integers(0, 4, size=(32, 40)).astype(np.uint8))
    y = (rng.random((32, 5)) < 0.3).astype(np.float32)
    model = build_multitask_model(family, 40, 5, **sizes)
    model.compile(keras.optimizers.Adam(1e-2), loss=masked_binary_crossentropy)
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=32, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before


def test_scaled_sizes_shrink_every_width_and_choose_padding():
    from genomenb.models.multitask import scaled_sizes

    assert scaled_sizes("bigru", 100) == {"units": 128}
    assert scaled_sizes("deepsea", 1000) == {"filters": (320, 480, 960), "dense_units": 925, "padding": "valid"}
    assert scaled_sizes("deepsea", 100, 0.25) == {"filters": (80, 120, 240), "dense_units": 231, "padding": "same"}
    assert scaled_sizes("danq", 100, 0.1) == {"filters": 32, "lstm_units": 32, "dense_units": 92}
    assert build_multitask_model("deepsea", 100, 5, **scaled_sizes("deepsea", 100, 0.05)).output_shape == (None, 5)
    with pytest.raises(ValueError, match="width"):
        scaled_sizes("danq", 100, 0.0)
    with pytest.raises(ValueError, match="unknown model family"):
        scaled_sizes("lstm", 100)
