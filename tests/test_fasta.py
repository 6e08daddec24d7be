"""Tests of the streaming FASTA reader (genomenb.data.fasta)."""

from __future__ import annotations

import dataclasses
import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genomenb.data import fasta
from genomenb.data.errors import DataError
from genomenb.data.fasta import FastaRecord, load_genome, parse_fasta, read_fasta

FIXTURES = Path(__file__).parent / "fixtures" / "fasta"
THREE = FIXTURES / "three_records.fa"
EXPECTED_THREE = [
    FastaRecord("seq1", "first test record", b"ACGTACGTACGTACGT"),
    FastaRecord("seq2", "", b"ACGTNNNNAC"),
    FastaRecord("seq3", "mixed: IUPAC and RNA", b"NNNNNNNNNNNACGTT"),
]


def write(tmp_path: Path, content: bytes, name: str = "x.fa") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def error_of(tmp_path: Path, content: bytes, name: str = "bad.fa") -> DataError:
    """Read ``content`` from a file and return the DataError it must raise."""
    path = write(tmp_path, content, name)
    with pytest.raises(DataError) as info:
        list(read_fasta(path))
    assert name in str(info.value)  # every message names the file
    return info.value


# --------------------------------------------------------------------------- happy paths


def test_multi_record_fixture():
    assert list(read_fasta(THREE)) == EXPECTED_THREE


def test_record_basics():
    record = EXPECTED_THREE[0]
    assert record.length == 16
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.id = "other"  # type: ignore[misc]
    long = FastaRecord("chr", "", b"A" * 1000)
    assert len(repr(long)) < 120 and "length=1000" in repr(long)


def test_read_fasta_is_lazy_generator():
    records = read_fasta(THREE)
    assert next(records).id == "seq1"
    assert next(records).id == "seq2"


def test_gzip_and_plain_identical_and_detected_by_magic(tmp_path):
    raw = THREE.read_bytes()
    gz_named_fa = write(tmp_path, gzip.compress(raw), "compressed_but_named.fa")
    plain_named_gz = write(tmp_path, raw, "plain_but_named.fa.gz")
    assert list(read_fasta(gz_named_fa)) == EXPECTED_THREE
    assert list(read_fasta(plain_named_gz)) == EXPECTED_THREE
    assert parse_fasta(gzip.compress(raw)) == EXPECTED_THREE


def test_crlf_cr_blank_lines_and_trailing_whitespace():
    lf = b">a desc\nACGT\nTTGG\n>b\nCC\n"
    crlf = b">a desc  \r\n\r\nACGT \t\r\nTTGG\r\n\r\n>b\r\nCC\r\n\r\n"
    cr = b">a desc\rACGT\r\rTTGG\r>b\rCC"
    expected = [FastaRecord("a", "desc", b"ACGTTTGG"), FastaRecord("b", "", b"CC")]
    assert parse_fasta(lf) == parse_fasta(crlf) == parse_fasta(cr) == expected


def test_lowercase_iupac_and_u():
    (record,) = parse_fasta(">r\nacgtn\nRYKMSWBDHVN\nrykmswbdhvn\nUu\n")
    assert record.sequence == b"ACGTN" + b"N" * 22 + b"TT"


def test_header_id_and_description_split():
    (record,) = parse_fasta(">chr1\t  some  description \nA\n")
    assert (record.id, record.description) == ("chr1", "some  description")
    # whitespace before the id is tolerated: the id is the first word
    (record,) = parse_fasta(">  chr2 text\nA\n")
    assert (record.id, record.description) == ("chr2", "text")


def test_str_and_bytes_agree():
    text = THREE.read_text()
    assert parse_fasta(text) == parse_fasta(text.encode()) == EXPECTED_THREE


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 7, 64])
def test_chunk_boundaries_do_not_change_records(tmp_path, monkeypatch, chunk_size):
    # CRLF split across two chunks must still be a single line end.
    content = b">a x\r\nAC\r\nGT\r\n\r\n>b\rAA\rC\n>c\nG"
    path = write(tmp_path, content)
    monkeypatch.setattr(fasta, "_CHUNK_SIZE", chunk_size)
    assert list(read_fasta(path)) == parse_fasta(content)
    # line numbers must also survive chunking: '-' sits on line 4 (CRLF counted once).
    bad = write(tmp_path, b">a\r\nAC\r\nGT\r\nA-A\r\n", "bad.fa")
    with pytest.raises(DataError, match="line 4"):
        list(read_fasta(bad))


@given(st.binary(max_size=300).map(lambda b: b.replace(b"\0", b"")), st.integers(1, 40))
def test_line_splitting_matches_bytes_splitlines(data, chunk_size):
    chunks = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)]
    counter = [0]
    lines = [line for batch in fasta._line_batches(chunks, counter) for line in batch]
    assert lines == data.splitlines()
    assert counter[0] == len(lines)


def test_load_genome_by_path(tmp_path):
    path = write(tmp_path, gzip.compress(THREE.read_bytes()), "g.fa.gz")
    assert load_genome(path) == EXPECTED_THREE
    assert load_genome(str(path)) == EXPECTED_THREE


# --------------------------------------------------------------------------- errors


def test_missing_file_raises_at_call(tmp_path):
    with pytest.raises(DataError, match="not found") as info:
        read_fasta(tmp_path / "nope.fa")
    assert "nope.fa" in str(info.value)
    with pytest.raises(DataError, match="not found"):
        load_genome(tmp_path / "nope.fa")


def test_directory_is_an_error(tmp_path):
    with pytest.raises(DataError, match="directory"):
        read_fasta(tmp_path)


def test_empty_file(tmp_path):
    assert "empty" in str(error_of(tmp_path, b""))


def test_only_blank_lines(tmp_path):
    assert "no FASTA records" in str(error_of(tmp_path, b"\n  \r\n\n"))


def test_fastq_is_not_fasta(tmp_path):
    err = error_of(tmp_path, b"@read1\nACGT\n+\nIIII\n", "reads.fq")
    assert err.line == 1 and "FASTQ" in str(err) and "'>'" in str(err)


def test_csv_is_not_fasta(tmp_path):
    err = error_of(tmp_path, b"\nid,sequence\nr1,ACGT\n", "table.csv")
    assert err.line == 2 and "line 2" in str(err) and "CSV" in str(err)


@pytest.mark.parametrize("header", [b">", b">   ", b">\t \t"])
def test_header_without_id(tmp_path, header):
    err = error_of(tmp_path, b">ok\nAC\n" + header + b"\nACGT\n")
    assert err.line == 3 and "no id" in str(err)


def test_empty_record_in_middle_and_at_end(tmp_path):
    err = error_of(tmp_path, b">a\nAC\n>empty\n\n>c\nGG\n")
    assert (err.line, err.record) == (3, "empty") and "no sequence" in str(err)
    err = error_of(tmp_path, b">a\nAC\n>last\n")
    assert (err.line, err.record) == (3, "last") and "record 'last'" in str(err)


@pytest.mark.parametrize(
    ("line", "column", "words"),
    [
        (b"ACG-T", 4, "gap"),
        (b"ACGT*", 5, "stop"),
        (b"10 ACGT", 1, "digit"),
        (b"ACXGT", 3, "protein"),
        (b"AC>GT", 3, "header must start"),
        (b"AC\xc3\xa9GT", 3, "non-ASCII"),
        (b"AC\x00GT", 3, "control byte"),
    ],
)
def test_invalid_sequence_bytes(tmp_path, line, column, words):
    err = error_of(tmp_path, b">first\nACGT\n>second\nAAAA\n\n" + line + b"\n")
    message = str(err)
    assert (err.line, err.record) == (6, "second")
    assert f"column {column}" in message and words in message and "line 6" in message
    assert "not accepted" in message  # says what is expected


def test_binary_header_is_rejected(tmp_path):
    err = error_of(tmp_path, b">id\x01\x02\nACGT\n")
    assert err.line == 1 and "binary" in str(err)
    err = error_of(tmp_path, b">id \xff\xfe\nACGT\n")
    assert err.line == 1 and "UTF-8" in str(err)


def test_utf8_description_is_accepted():
    (record,) = parse_fasta(">g 5\u2032 UTR \u00e9\nACGT\n")
    assert record.description == "5\u2032 UTR \u00e9"


def test_duplicate_ids(tmp_path):
    err = error_of(tmp_path, b">a\nAC\n>b\nGG\n>a other\nTT\n")
    assert (err.line, err.record) == (5, "a") and "duplicate" in str(err) and "line 1" in str(err)


def _big_fasta(n_lines: int = 4000) -> bytes:
    body = b"\n".join(b"ACGTTGCA" * 10 for _ in range(n_lines))
    return b">big\n" + body + b"\n"


def test_truncated_gzip(tmp_path):
    packed = gzip.compress(_big_fasta())
    err = error_of(tmp_path, packed[: len(packed) // 2], "cut.fa.gz")
    assert "truncated" in str(err) and err.line is not None and err.line > 1


def test_corrupted_gzip(tmp_path):
    packed = bytearray(gzip.compress(_big_fasta()))
    middle = len(packed) // 2
    packed[middle:middle + 16] = bytes(16)
    err = error_of(tmp_path, bytes(packed), "damaged.fa.gz")
    assert "gzip" in str(err)


def test_gzip_with_bad_crc(tmp_path):
    packed = bytearray(gzip.compress(b">a\nACGT\n"))
    packed[-8] ^= 0xFF  # CRC32 of the member
    assert "corrupted" in str(error_of(tmp_path, bytes(packed), "crc.fa.gz"))


def test_truncated_gzip_in_memory():
    packed = gzip.compress(_big_fasta())
    with pytest.raises(DataError, match="truncated") as info:
        parse_fasta(packed[:-20], name="memory.fa.gz")
    assert "memory.fa.gz" in str(info.value)


def test_read_fasta_name_labels_errors(tmp_path):
    path = write(tmp_path, b"nonsense\n")
    with pytest.raises(DataError, match="my-genome"):
        list(read_fasta(path, name="my-genome"))


def test_load_genome_dataset_without_fasta():
    with pytest.raises(DataError, match="fasta"):
        load_genome("ecoli_k12_annotation")


# --------------------------------------------------------------------------- property-based

FASTAISH = st.text(
    alphabet=st.sampled_from(list(">\n\r \tACGTNacgtnRYUuxX-*09,@é\u2603") + ["\x00", "\udc80"]),
    max_size=200,
)


def _only_records_or_data_error(data: bytes | str) -> None:
    try:
        records = parse_fasta(data)
    except DataError:
        return
    assert records and all(isinstance(r, FastaRecord) for r in records)
    for record in records:
        assert record.sequence and not record.sequence.strip(b"ACGTN")
        assert not record.sequence.translate(None, b"ACGTN")
        assert record.id and not any(c.isspace() for c in record.id)
    assert len({r.id for r in records}) == len(records)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_fuzz_any_bytes(data):
    _only_records_or_data_error(data)
    _only_records_or_data_error(b">x\n" + data)


@settings(max_examples=400)
@given(FASTAISH)
def test_fuzz_fasta_like_text(text):
    _only_records_or_data_error(text)
    _only_records_or_data_error(">h\n" + text)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=300), st.floats(0.0, 1.0))
def test_fuzz_truncated_gzip_in_memory(data, fraction):
    packed = gzip.compress(b">x\n" + data)
    _only_records_or_data_error(packed[: int(len(packed) * fraction)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(FASTAISH)
def test_file_and_memory_parsers_agree(tmp_path, text):
    data = text.encode("utf-8", "surrogatepass")
    path = write(tmp_path, data, "fuzz.fa")
    try:
        expected = parse_fasta(data, name=str(path))
    except DataError as err:
        with pytest.raises(DataError) as info:
            list(read_fasta(path))
        assert str(info.value) == str(err)
    else:
        assert list(read_fasta(path)) == expected


RECORDS = st.lists(
    st.tuples(
        st.text(st.sampled_from("abcXYZ019._|-"), min_size=1, max_size=12),
        st.text(st.sampled_from("abc XYZ()=,;"), max_size=20),
        st.binary(min_size=1, max_size=300).map(lambda b: bytes(b"ACGTN"[x % 5] for x in b)),
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda r: r[0],
)


@settings(max_examples=150, deadline=None)
@given(RECORDS, st.integers(1, 100), st.sampled_from([b"\n", b"\r\n", b"\r"]), st.booleans(), st.booleans())
def test_round_trip(records, width, newline, lowercase, gzipped):
    out = []
    for rec_id, description, sequence in records:
        out.append(b">" + f"{rec_id} {description}".rstrip().encode())
        body = sequence.lower() if lowercase else sequence
        out.extend(body[i:i + width] for i in range(0, len(body), width))
    data = newline.join(out) + newline
    parsed = parse_fasta(gzip.compress(data) if gzipped else data)
    assert [(r.id, r.description, r.sequence) for r in parsed] == [
        (rec_id, description.strip(), sequence) for rec_id, description, sequence in records
    ]


# --------------------------------------------------------------------------- real bundled data


def test_real_ecoli_genome():
    (record,) = load_genome("ecoli_k12")
    assert record.id == "U00096.3"
    assert record.length == 4_641_652
    assert record.sequence.startswith(b"AGCTTTTCATTCTGACTGCAACGGGCAATATGTC")
    assert not record.sequence.translate(None, b"ACGT")  # no ambiguous bases in this assembly


def test_real_pfalciparum_genome():
    records = load_genome("pfalciparum_3d7")
    assert [r.id for r in records] == [f"MAL{i}" for i in range(1, 15)]
    assert sum(r.length for r in records) == 23_264_425
    assert records[0].length == 643_380
    assert sum(r.sequence.count(b"N") for r in records) == 947
