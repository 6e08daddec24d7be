"""Tests for genomenb.encode: known examples, naive re-implementations, properties, real data."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genomenb import encode
from genomenb.encode import (
    ALPHABET,
    cumulative_gc_skew,
    decode,
    gc_content,
    gc_skew,
    one_hot,
    reverse_complement,
    reverse_complement_one_hot,
    sliding_windows,
    to_codes,
)

REPO = Path(__file__).resolve().parents[1]

dna = st.text(alphabet="ACGTN", min_size=1, max_size=60)
acgt = st.text(alphabet="ACGT", min_size=1, max_size=60)


def random_codes(rng: np.random.Generator, shape: tuple[int, ...], n_rate: float = 0.0) -> np.ndarray:
    codes = rng.integers(0, 4, shape, dtype=np.uint8)
    codes[rng.random(shape) < n_rate] = 4
    return codes


# ---------------------------------------------------------------- to_codes / decode


def test_to_codes_alphabet():
    assert ALPHABET == "ACGTN"
    codes = to_codes("ACGTN")
    assert codes.dtype == np.uint8
    assert codes.tolist() == [0, 1, 2, 3, 4]


def test_to_codes_lowercase_matches_uppercase():
    assert to_codes("acgtn").tolist() == [0, 1, 2, 3, 4]
    assert np.array_equal(to_codes("AcGgTa"), to_codes("ACGGTA"))


def test_to_codes_iupac_and_other_bytes_are_n():
    assert to_codes("RYKMSWBDHVN-.*x ").tolist() == [4] * 16
    assert to_codes("AéC\u4e2dG").tolist() == [0, 4, 1, 4, 2]  # non-ASCII -> N, one code per character


@pytest.mark.parametrize("text", [b"ACGTn", bytearray(b"ACGTn"), memoryview(b"ACGTn"),
                                  np.frombuffer(b"ACGTn", dtype=np.uint8), np.array(list("ACGTn"))])
def test_to_codes_bytes_like_and_arrays(text):
    assert to_codes(text).tolist() == [0, 1, 2, 3, 4]


def test_to_codes_list_gives_2d():
    codes = to_codes(["ACG", "tTN"])
    assert codes.shape == (2, 3) and codes.dtype == np.uint8
    assert codes.tolist() == [[0, 1, 2], [3, 3, 4]]
    assert to_codes([b"AC", b"GT"]).tolist() == [[0, 1], [2, 3]]
    assert to_codes(np.array(["ACG", "TTA"])).tolist() == [[0, 1, 2], [3, 3, 0]]
    assert to_codes(np.array([b"ACG", b"TTA"])).tolist() == [[0, 1, 2], [3, 3, 0]]


def test_to_codes_unequal_lengths_is_clear_error():
    with pytest.raises(ValueError, match="same length"):
        to_codes(["ACGT", "ACG"])
    with pytest.raises(ValueError, match="same length"):
        to_codes(np.array([b"ACGT", b"AC"]))


def test_to_codes_bad_types():
    with pytest.raises(TypeError, match="only str or only bytes"):
        to_codes(["ACGT", 5])
    with pytest.raises(TypeError):
        to_codes(12345)
    with pytest.raises(TypeError, match="dtype"):
        to_codes(np.zeros(4, dtype=np.float32))


def test_to_codes_passes_codes_through():
    codes = np.array([0, 1, 2, 3, 4], dtype=np.uint8)
    out = to_codes(codes)
    assert np.array_equal(out, codes) and out is not codes


@given(dna)
def test_decode_roundtrip(text):
    assert decode(to_codes(text)) == text
    assert decode(to_codes([text, text[::-1]])) == [text, text[::-1]]


def test_decode_rejects_bad_codes():
    with pytest.raises(ValueError, match="0..4"):
        decode(np.array([0, 5]))
    with pytest.raises(ValueError, match="1-D or 2-D"):
        decode(np.zeros((2, 2, 2), dtype=np.uint8))


# ---------------------------------------------------------------- one-hot / reverse complement


def test_one_hot_known_values():
    x = one_hot(to_codes("ACGTN"))
    assert x.shape == (5, 4) and x.dtype == np.float32
    expected = np.vstack([np.eye(4), np.zeros((1, 4))])
    assert np.array_equal(x, expected)
    assert one_hot(to_codes("N")).sum() == 0


def test_one_hot_2d_shape_and_dtype():
    rng = np.random.default_rng(0)
    codes = random_codes(rng, (7, 11), n_rate=0.2)
    x = one_hot(codes, dtype=np.uint8)
    assert x.shape == (7, 11, 4) and x.dtype == np.uint8
    assert np.array_equal(x, np.eye(5, 4, dtype=np.uint8)[codes])
    assert np.array_equal(x.sum(-1) == 0, codes == 4)


@pytest.mark.parametrize("bad", [np.array([0, 5]), np.array([-1, 0]), np.array([0, 300], dtype=np.int64)])
def test_one_hot_rejects_out_of_range(bad):
    with pytest.raises(ValueError, match="0..4"):
        one_hot(bad)


def test_one_hot_rejects_text_and_floats():
    with pytest.raises(TypeError, match="to_codes"):
        one_hot("ACGT")
    with pytest.raises(TypeError, match="integer"):
        one_hot(np.array([0.0, 1.0]))


def test_reverse_complement_known():
    assert decode(reverse_complement(to_codes("AACGTN"))) == "NACGTT"


@given(dna)
def test_double_reverse_complement_is_identity(text):
    codes = to_codes(text)
    assert np.array_equal(reverse_complement(reverse_complement(codes)), codes)


@given(st.lists(dna, min_size=1, max_size=5), st.integers(1, 30))
def test_reverse_complement_rows(texts, length):
    texts = [(t * length)[:length] for t in texts]
    codes = to_codes(texts)
    rc = reverse_complement(codes)
    for row, text in zip(rc, texts):
        expected = text[::-1].translate(str.maketrans("ACGTN", "TGCAN"))
        assert decode(row) == expected


@given(dna)
def test_reverse_complement_one_hot_matches_codes(text):
    codes = to_codes(text)
    assert np.array_equal(reverse_complement_one_hot(one_hot(codes)), one_hot(reverse_complement(codes)))


def test_reverse_complement_one_hot_batch_and_errors():
    rng = np.random.default_rng(1)
    codes = random_codes(rng, (3, 20), n_rate=0.1)
    assert np.array_equal(reverse_complement_one_hot(one_hot(codes)), one_hot(reverse_complement(codes)))
    with pytest.raises(ValueError, match=r"\(\.\.\., L, 4\)"):
        reverse_complement_one_hot(np.zeros((3, 5)))


# ---------------------------------------------------------------- sliding windows


def test_sliding_windows_shape_and_content():
    codes = np.arange(10, dtype=np.uint8)
    w = sliding_windows(codes, 4, step=3)
    assert w.shape == (3, 4)
    assert w.tolist() == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]
    assert not w.flags.writeable
    assert sliding_windows(codes, 10).shape == (1, 10)
    assert sliding_windows(np.zeros((2, 6)), 3, 2).shape == (2, 2, 3)


@pytest.mark.parametrize("width,step,match", [(11, 1, "longer"), (0, 1, "width"), (3, 0, "step"), (2.5, 1, "int")])
def test_sliding_windows_errors(width, step, match):
    with pytest.raises((ValueError, TypeError), match=match):
        sliding_windows(np.arange(10), width, step)


# ---------------------------------------------------------------- GC


@given(dna)
def test_gc_content_matches_naive(text):
    acgt = sum(text.count(b) for b in "ACGT")
    got = gc_content(to_codes(text))
    if acgt == 0:
        assert np.isnan(got)
    else:
        assert got == pytest.approx((text.count("G") + text.count("C")) / acgt)


def test_gc_content_axis():
    codes = to_codes(["GGAA", "NNNN", "GCNA"])
    got = gc_content(codes)
    assert got.shape == (3,)
    assert got[0] == 0.5 and np.isnan(got[1]) and got[2] == pytest.approx(2 / 3)
    assert gc_content(codes, axis=0).shape == (4,)
    assert gc_content(codes, axis=None) == pytest.approx(4 / 7)


def naive_gc_skew(text: str, window: int, step: int) -> tuple[list[int], list[float]]:
    starts, skews = [], []
    for s in range(0, len(text) - window + 1, step):
        w = text[s:s + window]
        g, c = w.count("G"), w.count("C")
        starts.append(s)
        skews.append((g - c) / (g + c) if g + c else float("nan"))
    return starts, skews


@settings(max_examples=100)
@given(st.text(alphabet="ACGTN", min_size=5, max_size=80), st.integers(1, 5), st.none() | st.integers(1, 7))
def test_gc_skew_matches_naive(text, window, step):
    starts, skew = gc_skew(to_codes(text), window, step)
    want_starts, want_skew = naive_gc_skew(text, window, step or window)
    assert starts.tolist() == want_starts
    np.testing.assert_allclose(skew, want_skew, equal_nan=True)


def test_gc_skew_errors():
    with pytest.raises(ValueError, match="longer"):
        gc_skew(to_codes("ACGT"), 5)
    with pytest.raises(ValueError, match="1-D"):
        gc_skew(to_codes(["ACGT", "ACGT"]), 2)


@given(dna)
def test_cumulative_gc_skew_matches_naive(text):
    running, expected = 0, []
    for b in text:
        running += {"G": 1, "C": -1}.get(b, 0)
        expected.append(running)
    got = cumulative_gc_skew(to_codes(text))
    assert got.dtype == np.int64 and got.tolist() == expected


# ---------------------------------------------------------------- real data: E. coli K-12


def _ecoli_fasta() -> Path:
    """Path of the bundled E. coli genome, verified against the registry's checksum."""
    try:
        from genomenb.data import registry

        return registry.path("ecoli_k12")
    except ImportError:
        # the data package may be mid-edit; fall back to registry.json and check the sha256 ourselves
        entry = json.loads((REPO / "data" / "registry.json").read_text())["ecoli_k12"]["files"]["fasta"]
        path = REPO / "data" / entry["path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        return path


@pytest.fixture(scope="module")
def ecoli_codes() -> np.ndarray:
    try:
        from genomenb.data.fasta import load_genome
    except ImportError:  # loader not there: read the one-record FASTA minimally
        with gzip.open(_ecoli_fasta(), "rb") as fh:
            lines = fh.read().splitlines()
        assert lines[0].startswith(b">")
        return to_codes(b"".join(line.strip() for line in lines[1:]))
    (record,) = load_genome("ecoli_k12")
    return to_codes(record.sequence)


def test_ecoli_gc_content_and_replication_origin(ecoli_codes):
    assert ecoli_codes.shape == (4_641_652,)
    assert gc_content(ecoli_codes) == pytest.approx(0.5079, abs=5e-4)
    skew = cumulative_gc_skew(ecoli_codes)
    assert 3_800_000 <= int(np.argmin(skew)) <= 4_000_000  # oriC, ~3.92 Mb
    assert 1_500_000 <= int(np.argmax(skew)) <= 1_700_000  # terminus, ~1.6 Mb
    starts, windowed = gc_skew(ecoli_codes, 100_000)
    assert len(starts) == 46
    # the leading strand is G-rich: skew is positive from the origin round to the terminus
    assert np.nanmean(windowed[(starts > 100_000) & (starts < 1_500_000)]) > 0
    assert np.nanmean(windowed[(starts > 1_700_000) & (starts < 3_800_000)]) < 0


def test_module_docstring_states_encodings():
    doc = encode.__doc__
    for fact in ("A=0", "C=1", "G=2", "T=3", "N=4", "(..., L, 4)", "(N, L, 4)", "all-zero", "float32", "3 - x"):
        assert fact in doc


def test_codes_validation_messages():
    with pytest.raises(ValueError, match="rectangular"):
        one_hot([[1, 2], [3]])
    with pytest.raises(TypeError, match="integer array"):
        one_hot(None)
