"""Constrained sampling: every generator yields ATG ... stop ORFs, deterministically, with working temperature."""

from __future__ import annotations

import numpy as np
import pytest

from genomenb import codons, encode
from genomenb.generate import (
    STOP_CODONS,
    apply_temperature,
    check_gene_constraint,
    iid_next_probs,
    lm_next_probs,
    markov_next_probs,
    sample_constrained,
)
from genomenb.models.charlm import CharLMConfig, build_char_lm

TEMPERATURES = np.array([0.3, 1.0, 2.0])


@pytest.fixture(scope="module")
def tiny_lm():
    import keras

    keras.utils.set_random_seed(0)
    return build_char_lm(CharLMConfig(cell="lstm", num_layers=1, hidden_size=8), seq_len=None)


@pytest.fixture(scope="module")
def training_codes():
    rng = np.random.default_rng(3)
    return [rng.integers(0, 4, size=5000).astype(np.uint8), encode.to_codes(b"ATGAAACGCATTAGC" * 200)]


def _stop_heavy(prefix: np.ndarray) -> np.ndarray:
    """A distribution that would write TAA/TAG/TGA everywhere if it were not constrained."""
    return np.tile([0.45, 0.0, 0.1, 0.45], (len(prefix), 1))


@pytest.mark.parametrize("generator", ["lm", "markov", "iid", "stop_heavy"])
def test_every_sequence_satisfies_the_constraint_at_every_temperature(generator, tiny_lm, training_codes):
    next_probs = {"lm": lambda: lm_next_probs(tiny_lm, context=12), "markov": lambda: markov_next_probs(
        training_codes, 5), "iid": lambda: iid_next_probs(0.5), "stop_heavy": lambda: _stop_heavy}[generator]()
    temps = np.repeat(TEMPERATURES, 4)
    seqs = sample_constrained(next_probs, len(temps), min_length=30, max_length=150, temperature=temps, seed=1,
                              progress=False)
    assert len(seqs) == len(temps)
    assert all(check_gene_constraint(s) for s in seqs)
    assert codons.gene_constraint(seqs).all()
    lengths = np.array([len(s) for s in seqs])
    assert (lengths % 3 == 0).all() and lengths.min() >= 30 and lengths.max() <= 150
    assert len(set(lengths)) > 3  # lengths are drawn, not fixed
    assert all(set(s) <= set(b"ACGT") for s in seqs)


def test_stop_codon_lists_agree_with_biopython_table_11():
    assert sorted(s.decode() for s in STOP_CODONS) == sorted(codons.STOP_CODONS)


def test_same_seed_same_sequences_other_seed_differs(tiny_lm):
    nb = lm_next_probs(tiny_lm, context=10)
    kw = dict(min_length=30, max_length=60, temperature=1.0, progress=False)
    a = sample_constrained(nb, 5, seed=7, **kw)
    assert a == sample_constrained(nb, 5, seed=7, **kw)
    assert a != sample_constrained(nb, 5, seed=8, **kw)


def test_lm_generator_matches_a_direct_forward_pass(tiny_lm):
    from genomenb.predict import predict

    prefix = np.random.default_rng(0).integers(0, 4, size=(3, 20)).astype(np.uint8)
    got = lm_next_probs(tiny_lm, context=8)(prefix)
    want = predict(tiny_lm, prefix[:, -8:].astype(np.int32))[:, -1]
    np.testing.assert_allclose(got, want, atol=1e-5)
    short = lm_next_probs(tiny_lm, context=50)(prefix)  # shorter than the context: the whole prefix
    np.testing.assert_allclose(short, predict(tiny_lm, prefix.astype(np.int32))[:, -1], atol=1e-5)


def test_low_temperature_concentrates_and_high_flattens():
    p = np.array([[0.6, 0.2, 0.15, 0.05]])
    cold, warm, hot = (apply_temperature(p, t)[0] for t in (0.05, 1.0, 5.0))
    np.testing.assert_allclose(warm, p[0])
    assert cold[0] > 0.999
    assert hot.max() - hot.min() < warm.max() - warm.min()
    tiny = apply_temperature(np.array([[1e-30, 1e-31, 0.0, 0.0]]), 0.01)[0]  # no underflow to 0/0
    assert np.isfinite(tiny).all() and tiny[0] == pytest.approx(1.0)


def test_temperature_changes_sampled_diversity():
    peaked = lambda prefix: np.tile([0.7, 0.1, 0.1, 0.1], (len(prefix), 1))  # noqa: E731
    temps = np.repeat([0.1, 1.0], 10)
    seqs = sample_constrained(peaked, 20, min_length=300, max_length=300, temperature=temps, seed=0, progress=False)
    a_share = [s[3:-3].count(b"A") / (len(s) - 6) for s in seqs]
    assert min(a_share[:10]) > 0.97  # near greedy
    assert 0.6 < np.mean(a_share[10:]) < 0.8  # proportional sampling


def test_iid_generator_matches_the_requested_gc():
    for gc in (0.3, 0.65):
        seqs = sample_constrained(iid_next_probs(gc), 20, min_length=1500, max_length=2000, seed=2, progress=False)
        inner = b"".join(s[3:-3] for s in seqs)
        assert encode.gc_content(encode.to_codes(inner)) == pytest.approx(gc, abs=0.02)


def test_markov_generator_learns_a_deterministic_chain():
    train = [encode.to_codes(b"ACGGT" * 400)]  # after 2 bases the next one is determined
    nb = markov_next_probs(train, 2)
    probs = nb(encode.to_codes([b"ATGAC"]))
    assert probs.shape == (1, 4) and probs[0, 2] > 0.99  # AC -> G
    np.testing.assert_allclose(nb(encode.to_codes([b"ATG"])).sum(axis=1), 1.0)


def test_check_gene_constraint_cases():
    assert check_gene_constraint(b"ATGAAATAA")
    assert check_gene_constraint("atgaaatga")
    assert not check_gene_constraint(b"GTGAAATAA")  # no ATG
    assert not check_gene_constraint(b"ATGTAAAAATAA")  # internal stop
    assert not check_gene_constraint(b"ATGAAAAAA")  # no final stop
    assert not check_gene_constraint(b"ATGATAAT")  # length not a multiple of 3
    assert check_gene_constraint(b"ATGCTAAGCTAG")  # TAA out of frame


def test_bad_inputs_raise_clear_errors(tiny_lm):
    iid = iid_next_probs(0.5)
    with pytest.raises(ValueError, match="temperature"):
        sample_constrained(iid, 2, min_length=30, max_length=60, temperature=0.0, progress=False)
    with pytest.raises(ValueError, match="temperature"):
        sample_constrained(iid, 2, min_length=30, max_length=60, temperature=[1.0, -1.0], progress=False)
    with pytest.raises(ValueError, match="one per sequence"):
        sample_constrained(iid, 2, min_length=30, max_length=60, temperature=[1.0, 1.0, 1.0], progress=False)
    with pytest.raises(ValueError, match="multiple of 3"):
        sample_constrained(iid, 2, min_length=61, max_length=62, progress=False)
    with pytest.raises(ValueError, match=r"expected \(2, 4\)"):
        sample_constrained(lambda p: np.ones((len(p), 3)), 2, min_length=30, max_length=30, progress=False)
    with pytest.raises(TypeError, match="callable"):
        sample_constrained("ACGT", 2, progress=False)
    with pytest.raises(ValueError, match="gc"):
        iid_next_probs(1.0)
    with pytest.raises(ValueError, match="context"):
        lm_next_probs(build_char_lm(CharLMConfig(cell="gru", num_layers=1, hidden_size=4), seq_len=10), context=20)
    with pytest.raises(ValueError, match="k must be"):
        markov_next_probs([np.zeros(10, dtype=np.uint8)], 12)


def test_a_non_causal_model_is_refused():
    import keras

    codes = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Embedding(5, 4)(codes)
    x = keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True))(x)
    model = keras.Model(codes, keras.layers.Dense(4, activation="softmax")(x))
    with pytest.raises(ValueError, match="not causal"):
        lm_next_probs(model, context=10)
