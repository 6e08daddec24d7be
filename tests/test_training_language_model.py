"""Training windows, the hold-out, evaluation, determinism and resuming after an interruption."""

import json
import math

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from tiny_models import Interrupt  # noqa: E402

from genomenb import encode  # noqa: E402
from genomenb.data import toy_genomes  # noqa: E402
from genomenb.data.splits import split_genome  # noqa: E402
from genomenb.models.charlm import CharLMConfig  # noqa: E402
from genomenb.training import language_model as lm  # noqa: E402

TINY = CharLMConfig(cell="gru", num_layers=1, hidden_size=8, embedding_dim=4)
TINY_DROPOUT = CharLMConfig(cell="gru", num_layers=1, hidden_size=8, embedding_dim=4, dropout=0.2)


def _records(*lengths, seed=0):
    rng = np.random.default_rng(seed)
    return [(f"chr{i}", rng.integers(0, 4, size=n).astype(np.uint8)) for i, n in enumerate(lengths)]


# --------------------------------------------------------------------------- the split


def test_split_holds_out_the_end_of_every_chromosome():
    split = split_genome(_records(1000, 300))
    assert split.heldout_start == [900, 270]
    assert [len(p) for p in split.heldout_parts] == [100, 30]
    for chrom, tr, ho in zip(split.chromosomes, split.train_parts, split.heldout_parts):
        np.testing.assert_array_equal(np.concatenate([tr, ho]), chrom)
    assert split.train_bases == 1170 and split.heldout_bases == 130


def test_genome_end_split_takes_the_last_chromosomes():
    split = split_genome(_records(1000, 50), 0.1, how="genome_end")
    assert split.heldout_start == [945, 0]  # 105 bases: all 50 of chr1 and 55 of chr0
    assert split.heldout_bases == 105


def test_split_accepts_fasta_records_and_rejects_bad_fractions():
    split = split_genome([toy_genomes.simulated_repeat_genome(100)])
    assert split.names == ["simulated_repeat"] and split.chromosomes[0].dtype == np.uint8
    for bad in (0.0, 1.0, -0.5):
        with pytest.raises(ValueError, match="heldout_fraction"):
            split_genome(_records(100), bad)
    with pytest.raises(ValueError, match="how"):
        split_genome(_records(100), how="random")


# --------------------------------------------------------------------------- training windows


def test_windows_are_shifted_pairs_inside_one_part_and_free_of_n():
    parts = [np.full(200, 0, np.uint8), np.full(150, 3, np.uint8)]
    parts[0][:] = np.arange(200) % 4
    parts[1][60] = encode.N_CODE
    batches = lm.WindowBatches(parts, seq_len=10, batch_size=4, epoch=0, seed=0)
    xs, ys = zip(*(batches[i] for i in range(len(batches))))
    x, y = np.concatenate(xs), np.concatenate(ys)
    assert x.shape[1] == 10 and x.dtype == np.int32
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])
    assert (x < 4).all() and (y < 4).all()  # no window holds the N
    # a window is either the counting pattern of part 0 or all-T of part 1: never a mixture
    from_part0 = (x[:, 1:] - x[:, :-1]) % 4 == 1
    assert (from_part0.all(axis=1) | (x == 3).all(axis=1)).all()
    assert len(batches) == len(batches.starts) // 4


def test_prebuilt_stream_gives_the_same_windows_as_the_parts():
    parts = [np.arange(300, dtype=np.uint8) % 4, np.full(200, 2, np.uint8)]
    stream, bounds = lm._concatenate(parts)
    a = lm.WindowBatches(parts, 10, 4, epoch=1, seed=2)
    b = lm.WindowBatches.from_stream(stream, bounds, 10, 4, epoch=1, seed=2)
    assert len(b.stream) == 500
    np.testing.assert_array_equal(a.starts, b.starts)
    # no window straddles the boundary at 300
    assert not ((b.starts < 300) & (b.starts + 11 > 300)).any()


def test_window_order_depends_on_seed_and_epoch_only():
    parts = [np.random.default_rng(0).integers(0, 4, 5000).astype(np.uint8)]
    a = lm.WindowBatches(parts, 20, 8, epoch=1, seed=3)
    b = lm.WindowBatches(parts, 20, 8, epoch=1, seed=3)
    c = lm.WindowBatches(parts, 20, 8, epoch=2, seed=3)
    np.testing.assert_array_equal(a.starts, b.starts)
    assert not np.array_equal(a.starts, c.starts)


def test_bases_per_epoch_samples_a_subset_and_too_few_windows_fail():
    parts = [np.zeros(10000, np.uint8)]
    full = lm.WindowBatches(parts, 10, 5)
    sample = lm.WindowBatches(parts, 10, 5, bases_per_epoch=1000)
    assert len(full.starts) >= 995 and len(sample.starts) == 100 and sample.bases == 1000
    with pytest.raises(ValueError, match="windows"):
        lm.WindowBatches([np.zeros(30, np.uint8)], 10, 5)


# --------------------------------------------------------------------------- evaluation


def _fixed_model(seq_len):
    """A Keras model predicting A with probability 0.7 and each other base with 0.1, whatever it reads."""
    logits = np.log(np.array([[0.7, 0.1, 0.1, 0.1]] * 5, dtype=np.float32))
    inputs = keras.Input((seq_len,), dtype="int32")
    hidden = keras.layers.Embedding(5, 4, embeddings_initializer=keras.initializers.Constant(logits))(inputs)
    return keras.Model(inputs, keras.layers.Activation("softmax")(hidden))


@pytest.mark.parametrize("seq_len, warmup", [(10, 5), (20, 1), (7, 6)])
def test_every_heldout_base_is_scored_exactly_once(seq_len, warmup):
    split = split_genome(_records(997, 411, seed=4))
    heldout = np.concatenate(split.heldout_parts)
    n_a = int((heldout == 0).sum())
    expected = (n_a * -math.log(0.7) + (len(heldout) - n_a) * -math.log(0.1)) / len(heldout)
    blocks = lm.evaluation_blocks(split)
    got = lm.evaluate_cross_entropy(_fixed_model(seq_len), split, blocks, seq_len, warmup=warmup, batch_size=16)
    assert got == pytest.approx(expected, rel=1e-6)  # float32 probabilities


def test_evaluation_blocks_sample_evenly_inside_the_part():
    split = split_genome(_records(50_000, 20_000))
    blocks = lm.evaluation_blocks(split, 3000, block_len=500)
    assert len(blocks) == 6 and ((blocks[:, 2] - blocks[:, 1]) == 500).all()
    for chrom, a, b in blocks:
        assert split.heldout_start[chrom] <= a < b <= len(split.chromosomes[chrom])
    assert set(blocks[:, 0]) == {0, 1}
    train_blocks = lm.evaluation_blocks(split, 3000, part="train", block_len=500, min_context=25)
    for chrom, a, b in train_blocks:
        assert 25 <= a < b <= split.heldout_start[chrom]
    whole = lm.evaluation_blocks(split)
    assert whole.tolist() == [[0, 45000, 50000], [1, 18000, 20000]]


# --------------------------------------------------------------------------- training and resuming


def _split():
    return split_genome([toy_genomes.simulated_random_genome(4000, seed=1)])


def _config(epochs=3):
    return lm.TrainConfig(seq_len=16, batch_size=8, epochs=epochs, learning_rate=0.01, seed=7)


def test_interrupted_training_resumes_from_the_last_checkpoint(tmp_path):
    # with dropout, so the random masks must also come out the same after resuming
    split = _split()
    reference = lm.train_language_model(split, TINY_DROPOUT, _config(), tmp_path / "uninterrupted", verbose=0)
    assert reference.resumed_from_epoch == 0 and list(reference.history.epoch) == [1, 2, 3]

    first = Interrupt(stop_epoch=1)  # Keras epochs are 0-based: this is the middle of epoch 2
    with pytest.raises(KeyboardInterrupt):
        lm.train_language_model(split, TINY_DROPOUT, _config(), tmp_path / "run", callbacks=[first], verbose=0)
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    assert state["epochs_done"] == 1

    second = Interrupt()
    resumed = lm.train_language_model(split, TINY_DROPOUT, _config(), tmp_path / "run", callbacks=[second],
                                         verbose=0)
    assert resumed.resumed_from_epoch == 1
    for at_resume, after_epoch_1 in zip(second.weights_at_begin, first.weights_after[0]):
        np.testing.assert_array_equal(at_resume, after_epoch_1)
    assert list(resumed.history.epoch) == [1, 2, 3]
    cols = ["loss", "heldout_perplexity", "heldout_bits_per_base"]
    np.testing.assert_allclose(resumed.history[cols].to_numpy(), reference.history[cols].to_numpy(), rtol=1e-6)
    for a, b in zip(resumed.model.get_weights(), reference.model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)

    # a finished run is loaded, not retrained
    again = lm.train_language_model(split, TINY_DROPOUT, _config(), tmp_path / "run", verbose=0)
    assert again.resumed_from_epoch == 3
    np.testing.assert_array_equal(again.history[cols].to_numpy(), resumed.history[cols].to_numpy())


def test_same_seed_same_numbers_and_changed_settings_start_afresh(tmp_path):
    split = _split()
    a = lm.train_language_model(split, TINY, _config(1), tmp_path / "a", verbose=0)
    b = lm.train_language_model(split, TINY, _config(1), tmp_path / "b", verbose=0)
    np.testing.assert_array_equal(a.history[["loss", "heldout_perplexity"]].to_numpy(),
                                  b.history[["loss", "heldout_perplexity"]].to_numpy())
    other = lm.TrainConfig(seq_len=16, batch_size=8, epochs=1, learning_rate=0.02, seed=7)
    c = lm.train_language_model(split, TINY, other, tmp_path / "a", verbose=0)
    assert c.resumed_from_epoch == 0
    assert c.history.loss[0] != a.history.loss[0]


def test_history_csv_and_final_perplexities(tmp_path):
    split = _split()
    result = lm.train_language_model(split, TINY, _config(1), tmp_path, verbose=0)
    history = (tmp_path / "history.csv").read_text().splitlines()
    assert history[0].split(",") == lm.HISTORY_COLUMNS and len(history) == 2
    row = result.final
    assert row["train_perplexity"] == pytest.approx(math.exp(row["loss"]))
    assert row["heldout_bits_per_base"] == pytest.approx(math.log2(row["heldout_perplexity"]))
    final = lm.final_perplexities(result, split)
    assert final["heldout_scored_bases"] == split.heldout_bases
    assert final["train_scored_bases"] >= split.heldout_bases
    # a simulated random genome: nothing to learn, so close to 4 on unseen bases
    assert 3.8 < final["heldout_perplexity"] < 4.3


@pytest.mark.parametrize("kwargs", [{"seq_len": 1}, {"batch_size": 0}, {"epochs": 0}, {"learning_rate": 0.0},
                                    {"bases_per_epoch": -1}, {"seq_len": 10, "warmup": 10}])
def test_bad_train_configs(kwargs):
    with pytest.raises(ValueError):
        lm.TrainConfig(**kwargs)


def test_grid_search_tabulates_each_point(tmp_path):
    split = _split()
    points = [{"cell": "gru", "learning_rate": 0.01}, {"cell": "rnn", "learning_rate": 0.01}]
    table = lm.grid_search(split, points, TINY, _config(1), tmp_path, verbose=0)
    assert list(table.cell) == ["gru", "rnn"]
    assert table.heldout_perplexity.between(3.5, 4.5).all()
    assert (tmp_path / "cell-gru_learning_rate-0.01" / "state.json").is_file()
    with pytest.raises(ValueError, match="unknown grid names"):
        lm.grid_search(split, [{"colour": "red"}], TINY, _config(1), tmp_path, verbose=0)


# --------------------------------------------------------------------------- word models and comparisons


def _fixed_word_model(seq_len, probs):
    """A word model (16 words of 2 bases) predicting ``probs`` whatever it reads."""
    logits = np.log(np.tile(np.asarray(probs, dtype=np.float32), (17, 1)))
    inputs = keras.Input((seq_len,), dtype="int32")
    hidden = keras.layers.Embedding(17, 16, embeddings_initializer=keras.initializers.Constant(logits))(inputs)
    return keras.Model(inputs, keras.layers.Activation("softmax")(hidden))


@pytest.mark.parametrize("seq_len, warmup", [(6, 3), (9, 1)])
def test_a_word_model_scores_every_whole_word_once_per_base(seq_len, warmup):
    split = split_genome(_records(1001, 413, seed=5))  # odd held-out lengths: the last base of a block is dropped
    probs = np.full(16, 0.05)
    probs[0] = 0.25  # the word AA
    expected_nats, expected_bases = 0.0, 0
    for part in split.heldout_parts:
        words = part[: len(part) // 2 * 2].reshape(-1, 2) @ np.array([4, 1])
        expected_nats -= float(np.log(probs[words]).sum())
        expected_bases += 2 * len(words)
    got = lm.evaluate_cross_entropy(_fixed_word_model(seq_len, probs), split, lm.evaluation_blocks(split), seq_len,
                                    warmup=warmup, batch_size=8)
    assert got == pytest.approx(expected_nats / expected_bases, rel=1e-6)


def test_steady_seconds_charges_the_first_epoch_at_the_later_speed():
    import pandas as pd

    history = pd.DataFrame({"seconds": [30.0, 10.0, 10.0], "bases_per_second": [1000.0, 3000.0, 3000.0],
                            "heldout_perplexity": [3.9, 3.8, 3.7]})
    np.testing.assert_allclose(lm.steady_seconds(history), [10.0, 20.0, 30.0])
    assert lm.perplexity_within(history, 20.0) == 3.8
    assert lm.perplexity_within(history, 100.0) == 3.7
    assert math.isnan(lm.perplexity_within(history, 5.0))
    np.testing.assert_allclose(lm.steady_seconds(history.iloc[:1]), [30.0])  # one epoch: measured time kept


def test_compare_models_trains_each_model_on_the_same_bases(tmp_path):
    from genomenb.models.charlm import matched_config

    split = _split()
    cw = matched_config(TINY, cell="cwrnn", clock_periods=(1, 2))
    words = CharLMConfig(cell="gru", num_layers=1, hidden_size=8, embedding_dim=4, word_size=2)
    models = {"gru": (TINY, _config(2)), "clockwork": (cw, _config(2)),
              "words": (words, lm.TrainConfig(seq_len=8, batch_size=8, epochs=2, learning_rate=0.01, seed=7))}
    table, histories = lm.compare_models(split, models, tmp_path, verbose=0)
    assert list(table.index) == ["gru", "clockwork", "words"] and set(histories) == set(models)
    gru_parameters = table.loc["gru", "parameters"]
    assert abs(table.loc["clockwork", "parameters"] - gru_parameters) <= 0.2 * gru_parameters
    assert table.loc["clockwork", "cell"] == "cwrnn" and table.loc["words", "word_size"] == 2
    assert table.heldout_perplexity.between(3.5, 4.6).all()  # per base on a random genome, not per word (~16)
    # the same windows of 16 bases: 8 steps of 2-base words
    np.testing.assert_allclose(table.trained_bases, table.loc["gru", "trained_bases"], rtol=0.15)
    assert (table.steady_seconds <= table.seconds + 1e-9).all()
