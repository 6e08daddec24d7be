"""Tests for genomenb.kmers: naive re-implementations, scikit-learn's CountVectorizer, chunking, layouts."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genomenb import kmers
from genomenb.encode import decode, to_codes
from genomenb.kmers import kmer_codes, kmer_counts, kmer_feature_names, kmer_features

dna = st.text(alphabet="ACGTN", min_size=1, max_size=60)


def random_codes(rng: np.random.Generator, shape: tuple[int, ...], n_rate: float = 0.0) -> np.ndarray:
    codes = rng.integers(0, 4, shape, dtype=np.uint8)
    codes[rng.random(shape) < n_rate] = 4
    return codes


# ---------------------------------------------------------------- k-mers


def naive_kmer_codes(text: str, k: int) -> list[int]:
    out = []
    for i in range(len(text) - k + 1):
        window = text[i:i + k]
        if "N" in window:
            out.append(-1)
        else:
            out.append(sum("ACGT".index(b) * 4 ** (k - 1 - j) for j, b in enumerate(window)))
    return out


@settings(max_examples=200)
@given(dna, st.integers(1, 8))
def test_kmer_codes_matches_naive(text, k):
    got = kmer_codes(to_codes(text), k)
    assert got.dtype == np.int64
    assert got.tolist() == naive_kmer_codes(text, k)


def test_kmer_codes_2d_and_errors():
    texts = ["ACGTNACGTA", "TTTTTTTTTT"]
    got = kmer_codes(to_codes(texts), 3)
    assert got.shape == (2, 8)
    assert got.tolist() == [naive_kmer_codes(t, 3) for t in texts]
    for bad_k in (0, -2):
        with pytest.raises(ValueError, match="k must be"):
            kmer_codes(to_codes("ACGT"), bad_k)
    with pytest.raises(TypeError, match="k must be an int"):
        kmer_codes(to_codes("ACGT"), 2.0)


def naive_counts(texts: list[str], k: int) -> np.ndarray:
    index = {"".join(p): i for i, p in enumerate(product("ACGT", repeat=k))}
    out = np.zeros((len(texts), 4 ** k), dtype=np.int64)
    for r, text in enumerate(texts):
        for i in range(len(text) - k + 1):
            if text[i:i + k] in index:
                out[r, index[text[i:i + k]]] += 1
    return out


@settings(max_examples=60)
@given(st.lists(dna, min_size=1, max_size=6), st.integers(1, 40), st.integers(1, 4))
def test_kmer_counts_matches_naive(texts, length, k):
    texts = [(t * length)[:length] for t in texts]
    got = kmer_counts(to_codes(texts), k)
    assert got.dtype == np.int32 and got.shape == (len(texts), 4 ** k)
    assert np.array_equal(got, naive_counts(texts, k))


def test_kmer_counts_1d_is_one_row_and_rejects_3d():
    assert kmer_counts(to_codes("AAAC"), 2).shape == (1, 16)
    assert kmer_counts(to_codes("AAAC"), 2)[0, :2].tolist() == [2, 1]
    with pytest.raises(ValueError, match="1-D or 2-D"):
        kmer_counts(np.zeros((2, 3, 4), dtype=np.uint8), 2)


def test_kmer_feature_names():
    names = kmer_feature_names()
    assert len(names) == 1364 == len(set(names))
    assert names[:5] == ["A", "C", "G", "T", "AA"]
    assert names[-1] == "TTTTT"
    assert kmer_feature_names(3, 2) == ["".join(p) for k in (2, 3) for p in product("ACGT", repeat=k)]
    with pytest.raises(ValueError, match="k_min"):
        kmer_feature_names(2, 3)


def test_kmer_features_match_sklearn_countvectorizer():
    from sklearn.feature_extraction.text import CountVectorizer

    rng = np.random.default_rng(7)
    codes = random_codes(rng, (300, 50))
    texts = decode(codes)
    vectorizer = CountVectorizer(analyzer="char", ngram_range=(1, 5), lowercase=False)
    reference = vectorizer.fit_transform(texts).toarray()
    vocab = vectorizer.vocabulary_
    names = kmer_feature_names(5)
    ours = kmer_features(codes, 5)
    assert ours.shape == (300, 1364) and ours.dtype == np.float32
    # every k-mer sklearn saw is one of our columns; the ones it never saw must be zero for us
    assert set(vocab) <= set(names)
    seen = [j for j, name in enumerate(names) if name in vocab]
    unseen = [j for j, name in enumerate(names) if name not in vocab]
    assert np.array_equal(ours[:, seen], reference[:, [vocab[names[j]] for j in seen]])
    assert not ours[:, unseen].any()


@settings(max_examples=60)
@given(st.lists(dna, min_size=1, max_size=8), st.integers(1, 30), st.integers(1, 4), st.integers(0, 3))
def test_kmer_features_match_naive_counts_with_n(texts, length, k_max, k_drop):
    texts = [(t * length)[:length] for t in texts]
    k_min = max(1, k_max - k_drop)
    got = kmer_features(to_codes(texts), k_max, k_min)
    expected = np.hstack([naive_counts(texts, k) for k in range(k_min, k_max + 1)])
    assert np.array_equal(got, expected)


@pytest.mark.parametrize("n_rate", [0.0, 0.01, 0.3])
def test_kmer_features_chunking_is_invisible(n_rate):
    rng = np.random.default_rng(3)
    codes = random_codes(rng, (1000, 64), n_rate=n_rate)
    whole = kmer_features(codes, 5, chunk_rows=10_000)
    for chunk in (1, 7, 256):
        assert np.array_equal(kmer_features(codes, 5, chunk_rows=chunk), whole)
    assert np.array_equal(whole[:, :4], kmer_counts(codes, 1))
    assert np.array_equal(whole[:, 340:], kmer_counts(codes, 5))


def test_kmer_features_normalize_and_1d():
    codes = to_codes("ACGTNACG")
    raw = kmer_features(codes, 2)
    assert raw.shape == (1, 20)
    assert raw[0, :4].sum() == 7 and raw[0, 4:].sum() == 5  # windows with N dropped
    norm = kmer_features(codes, 2, normalize=True)
    assert np.allclose(norm[0, :4].sum(), 1) and np.allclose(norm[0, 4:].sum(), 1)
    assert np.allclose(norm[0, :4], raw[0, :4] / 7)
    assert not kmer_features(to_codes("NNNN"), 2, normalize=True).any()


def test_kmer_features_short_rows_and_errors():
    assert not kmer_features(to_codes(["AC", "GT"]), 5)[:, 20:].any()  # no 3..5-mers in 2 bp
    assert kmer_features(to_codes(["AC", "GT"]), 5)[:, :4].tolist() == [[1, 1, 0, 0], [0, 0, 1, 1]]
    with pytest.raises(ValueError, match="1-D or 2-D"):
        kmer_features(np.zeros((2, 2, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match="k_max"):
        kmer_features(to_codes("ACGT"), 0)
    with pytest.raises(TypeError, match="to_codes"):
        kmer_features(["ACGT"])


def test_kmer_validation_messages():
    with pytest.raises(ValueError, match="at least a 1-D"):
        kmer_codes(np.array(3), 2)
    with pytest.raises(ValueError, match="chunk_rows must be >= 1"):
        kmer_features(to_codes("ACGT"), chunk_rows=0)


def test_kmer_features_any_layout_and_integer_dtype():
    rng = np.random.default_rng(11)
    codes = random_codes(rng, (300, 40), n_rate=0.05)
    expected = kmer_features(codes, 5)
    assert np.array_equal(kmer_features(np.asfortranarray(codes), 5), expected)
    assert np.array_equal(kmer_features(codes.astype(np.int64), 5), expected)
    strided = codes[:, ::2]
    assert np.array_equal(kmer_features(strided, 3), kmer_features(np.ascontiguousarray(strided), 3))


def test_module_docstring_states_encodings():
    doc = kmers.__doc__
    for fact in ("A=0", "C=1", "G=2", "T=3", "N=4", "(N, L, 4)", "all-zero", "float32", "3 - x"):
        assert fact in doc
