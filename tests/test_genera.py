"""Genus language models: fragment scoring from a fragment's own bases, calls, Table 1, a reader's FASTA."""

import gzip

import numpy as np
import pandas as pd
import pytest

from genomenb import genera
from genomenb.data import DataError, bacteria
from genomenb.models.charlm import CharLMConfig, build_char_lm
from genomenb.predict import predict


@pytest.mark.parametrize("length", [21, 22, 50, 251, 1000])
@pytest.mark.parametrize("warmup", [0, 5, 19])
def test_fragment_windows_score_every_base_but_the_first_once(length, warmup):
    starts, first, stop = genera.fragment_windows(length, 20, warmup)
    cover = np.zeros(length, dtype=int)
    for s, a, b in zip(starts, first, stop):
        assert 0 <= s and s + 20 < length  # a window reads 21 bases, all inside the fragment
        cover[s + np.arange(a, b) + 1] += 1
        if s > 0:
            assert a >= warmup  # later windows keep at least `warmup` bases of context
    assert cover[0] == 0 and (cover[1:] == 1).all()


def test_fragment_windows_reject_short_fragments_and_bad_warmup():
    with pytest.raises(ValueError, match="shorter than one window"):
        genera.fragment_windows(20, 20, 5)
    with pytest.raises(ValueError, match="warmup"):
        genera.fragment_windows(100, 20, 20)


@pytest.fixture(scope="module")
def tiny_model():
    import keras

    keras.utils.set_random_seed(0)
    return build_char_lm(CharLMConfig(cell="lstm", num_layers=1, hidden_size=8), seq_len=20)


def test_fragment_cross_entropy_matches_a_direct_computation(tiny_model):
    rng = np.random.default_rng(0)
    frags = rng.integers(0, 4, size=(3, 57)).astype(np.uint8)
    got = genera.fragment_cross_entropy(tiny_model, frags, 20, warmup=5)
    starts, first, stop = genera.fragment_windows(57, 20, 5)
    for row, value in zip(frags, got):
        nats = []
        for s, a, b in zip(starts, first, stop):
            window = row[s:s + 21].astype(np.int32)[None]
            probs = predict(tiny_model, window[:, :-1])[0]
            nats += [-np.log(probs[t, window[0, t + 1]]) for t in range(a, b)]
        assert len(nats) == 56
        assert value == pytest.approx(np.mean(nats), rel=1e-5)


def test_calls_take_the_lowest_cross_entropy_and_table1_pools_by_genome():
    ce = pd.DataFrame({"A": [1.0, 1.4, 1.3], "B": [1.2, 1.1, 1.35]})
    assert list(genera.genus_calls(ce)) == ["A", "B", "A"]
    table = genera.perplexity_table(ce, ["g1", "g1", "g2"], [10, 30, 5])
    assert table.loc["g1", "A"] == pytest.approx(np.exp((10 * 1.0 + 30 * 1.4) / 40))
    assert table.loc["g2", "B"] == pytest.approx(np.exp(1.35))
    assert genera.call_accuracy(["A", "B"], ["A", "A"]) == 0.5
    with pytest.raises(ValueError):
        genera.call_accuracy(["A"], ["A", "B"])


def test_fragments_are_n_free_seeded_and_never_cross_parts():
    parts = [np.zeros(300, np.uint8), np.full(300, 3, np.uint8)]
    parts[0][150] = 4  # an N
    frags = bacteria.sample_fragments(parts, 100, 40, seed=1)
    assert frags.shape == (40, 100) and frags.dtype == np.uint8
    assert not (frags == 4).any()
    assert all(len(set(f)) == 1 for f in frags)  # all-A or all-T: never a mix of the two parts
    np.testing.assert_array_equal(frags, bacteria.sample_fragments(parts, 100, 40, seed=1))
    with pytest.raises(ValueError, match="no part"):
        bacteria.sample_fragments(parts, 400, 1)


def test_score_fasta_calls_the_genus_whose_model_fits_and_rejects_bad_files(tmp_path, tiny_model):
    import keras

    at_rich = build_char_lm(CharLMConfig(cell="lstm", num_layers=1, hidden_size=8), seq_len=20)
    at_rich.set_weights(tiny_model.get_weights())
    w = at_rich.get_layer("next_base").get_weights()
    w[1][:] = [3.0, -3.0, -3.0, 3.0]  # strongly prefers A and T
    at_rich.get_layer("next_base").set_weights(w)
    gc_rich = keras.models.clone_model(at_rich)
    gc_rich.set_weights(at_rich.get_weights())
    w[1][:] = [-3.0, 3.0, 3.0, -3.0]
    gc_rich.get_layer("next_base").set_weights(w)
    rng = np.random.default_rng(0)
    seq = "".join(rng.choice(list("AATTAATTCG"), size=5000))
    path = tmp_path / "mine.fa.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(">contig1\n" + seq + "\n")
    out = genera.score_fasta(path, {"AT": at_rich, "GC": gc_rich}, 20, fragment_length=1000, max_fragments=3)
    assert out["call"] == "AT" and out["fragments"] == 3
    assert out["perplexity"]["AT"] < out["perplexity"]["GC"]
    (tmp_path / "empty.fa").write_text("")
    (tmp_path / "protein.fa").write_text(">p\nMKVLEEF\n")
    (tmp_path / "short.fa").write_text(">s\n" + "ACGT" * 10 + "\n")
    (tmp_path / "ns.fa").write_text(">n\n" + "N" * 3000 + "ACGT" * 10 + "\n")
    for name, message in (("empty.fa", None), ("protein.fa", None), ("short.fa", "at least one fragment"),
                          ("ns.fa", "expected DNA")):
        with pytest.raises(DataError, match=message):
            genera.score_fasta(tmp_path / name, {"AT": at_rich}, 20, fragment_length=1000)
