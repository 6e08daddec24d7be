"""Order-k Markov baselines: exact counts, smoothing, scoring rules, and the reference numbers."""

import math
from collections import Counter

import numpy as np
import pytest

from genomenb import encode
from genomenb.baselines import markov


def _brute_force_perplexity(train_parts, segments, k, k_max, alpha=0.5):
    """Dictionary counting, one position at a time: the definition, slowly."""
    joint, context = Counter(), Counter()
    for part in train_parts:
        s = encode.decode(part)
        for t in range(k, len(s)):
            window = s[t - k:t + 1]
            if "N" not in window:
                joint[window] += 1
                context[window[:-1]] += 1
    nats, n = 0.0, 0
    for codes, first in segments:
        s = encode.decode(codes)
        for t in range(max(first, k_max), len(s)):
            if "N" in s[t - k_max:t + 1]:
                continue
            window = s[t - k:t + 1]
            nats -= math.log((joint[window] + alpha) / (context[window[:-1]] + 4 * alpha))
            n += 1
    return math.exp(nats / n)


@pytest.fixture
def small_genome():
    rng = np.random.default_rng(0)
    # a biased chain with some memory, and a few Ns
    train = [rng.choice(4, size=3000, p=[0.4, 0.1, 0.2, 0.3]).astype(np.uint8),
             rng.choice(4, size=500, p=[0.25] * 4).astype(np.uint8)]
    train[0][100:103] = encode.N_CODE
    held = rng.choice(4, size=800, p=[0.4, 0.1, 0.2, 0.3]).astype(np.uint8)
    held[50] = encode.N_CODE
    return train, [(held, 3)]


def test_matches_brute_force_counting(small_genome):
    train, segments = small_genome
    table = markov.markov_perplexities(train, segments, k_values=range(4))
    for k in range(4):
        expected = _brute_force_perplexity(train, segments, k, k_max=3)
        assert table.perplexity[k] == pytest.approx(expected, rel=1e-10)
    assert table.scored_bases.nunique() == 1  # every order scores the same bases


def test_sparse_counts_equal_dense_counts(small_genome, monkeypatch):
    train, segments = small_genome
    dense = markov.markov_perplexities(train, segments, k_values=range(5))
    monkeypatch.setattr(markov, "_BINCOUNT_LIMIT", 4)  # force the np.unique path for k >= 1
    sparse = markov.markov_perplexities(train, segments, k_values=range(5))
    np.testing.assert_allclose(sparse.perplexity, dense.perplexity, rtol=1e-12)
    np.testing.assert_array_equal(sparse.contexts_seen, dense.contexts_seen)


def test_counts_skip_windows_with_n_and_never_cross_parts():
    parts = [encode.to_codes("ACGTNACG"), encode.to_codes("TTT")]
    counts = markov.markov_counts(parts, 1)
    # 2-mers: AC CG GT (not TN, NA) AC CG | TT TT  (no G|T across the parts)
    assert counts.total == 7
    assert counts.joint[0 * 4 + 1] == 2  # AC
    assert counts.joint[2 * 4 + 3] == 1  # GT
    assert counts.joint[3 * 4 + 3] == 2  # TT


def test_first_scored_position_is_respected():
    codes = encode.to_codes("ACGT" * 50)
    table = markov.markov_perplexities([codes], [(codes, 120)], k_values=[0, 1, 2])
    assert table.scored_bases[0] == 200 - 120


def test_repeat_is_predictable_and_random_is_not():
    repeat = encode.to_codes("AGCTTGAGGC" * 1000)
    table = markov.markov_perplexities([repeat[:9000]], [(repeat, 9000)], k_values=range(5))
    assert table.perplexity[0] > 3.5
    assert table.perplexity[3] < 1.005  # three bases fix the phase of AGCTTGAGGC (add-1/2 keeps a little doubt)
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 4, size=20000).astype(np.uint8)
    table = markov.markov_perplexities([noise[:18000]], [(noise, 18000)], k_values=range(6))
    assert abs(table.perplexity[0] - 4.0) < 0.03
    assert table.perplexity[5] > table.perplexity[0]  # long contexts only add noise


def test_interpolated_smoothing_backs_off_to_shorter_contexts():
    rng = np.random.default_rng(2)
    seq = rng.choice(4, size=5000, p=[0.7, 0.1, 0.1, 0.1]).astype(np.uint8)
    add_half = markov.markov_perplexities([seq[:4000]], [(seq, 4000)], k_values=range(9))
    interpolated = markov.markov_perplexities([seq[:4000]], [(seq, 4000)], k_values=range(9), smoothing="interpolated")
    assert interpolated.perplexity[0] == pytest.approx(add_half.perplexity[0], rel=1e-3)
    # with 4**8 contexts and 4000 bases, add-1/2 falls back to uniform; interpolation keeps the composition
    assert interpolated.perplexity[8] < add_half.perplexity[8] - 0.3


@pytest.mark.parametrize("kwargs", [{"smoothing": "kneser"}, {"k_values": []}, {"alpha": 0.0},
                                    {"smoothing": "interpolated", "k_values": [0, 2]}])
def test_bad_arguments(kwargs):
    codes = encode.to_codes("ACGT" * 10)
    with pytest.raises(ValueError):
        markov.markov_perplexities([codes], [(codes, 20)], **kwargs)


def test_k_out_of_range():
    with pytest.raises(ValueError, match="k must be"):
        markov.markov_counts([encode.to_codes("ACGT")], 16)


def test_reproduces_the_reference_ecoli_number():
    """The issue's reference: add-1/2 on the last 10% of E. coli, best k = 6, perplexity 3.821."""
    from genomenb.data import load_genome
    from genomenb.data.splits import split_genome

    split = split_genome(load_genome("ecoli_k12"))
    table = markov.markov_perplexities(split.train_parts, list(zip(split.chromosomes, split.heldout_start)),
                                       k_values=range(5, 8))
    best = table.loc[table.perplexity.idxmin()]
    assert int(best.k) == 6
    assert best.perplexity == pytest.approx(3.821, abs=0.001)
