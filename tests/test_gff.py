"""Tests of the GFF3 reader and feature cutter (genomenb.data.gff)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genomenb.data.errors import DataError
from genomenb.data.fasta import FastaRecord, load_genome, read_fasta
from genomenb.data.gff import (
    GFF3_COLUMNS,
    SEQID_ALIASES,
    canonical_seqid,
    feature_sequences,
    parse_attributes,
    read_gff3,
)

FIXTURES = Path(__file__).parent / "fixtures" / "gff"
SMALL = FIXTURES / "small.gff3"
SMALL_FA = FIXTURES / "small.fa"
STOPS = (b"TAA", b"TAG", b"TGA")
GOOD_LINE = "chr1\tsrc\tgene\t10\t20\t.\t+\t.\tID=g1"


def gff_error(tmp_path: Path, body: str, name: str = "bad.gff3") -> DataError:
    """Write a GFF3 with ``body`` after a version line (line 1) and return its DataError."""
    path = tmp_path / name
    path.write_text("##gff-version 3\n" + body)
    with pytest.raises(DataError) as info:
        read_gff3(path, types=None)
    assert name in str(info.value)
    return info.value


# --------------------------------------------------------------------------- small fixture


def test_small_fixture_default_types():
    frame = read_gff3(SMALL)
    assert list(frame.columns) == list(GFF3_COLUMNS)
    assert frame["type"].tolist() == ["gene", "CDS", "gene", "CDS"]
    assert frame["start"].tolist() == [1, 1, 23, 23]
    assert frame["end"].tolist() == [18, 18, 34, 34]
    assert frame["strand"].tolist() == ["+", "+", "-", "-"]
    assert frame["start"].dtype == np.int64 and frame["end"].dtype == np.int64
    assert str(frame["phase"].dtype) == "Int64"
    assert frame["phase"].isna().tolist() == [True, False, True, False]
    assert frame["phase"].iloc[1] == 0
    assert frame["id"].tolist() == ["gene-x", "cds-1", "gene-y", "cds-2"]
    assert frame["name"].tolist() == ["abcX", "P1", "abcY", None]
    assert frame["locus_tag"].tolist() == ["b9001", "b9001", "b9002", "b9002"]
    assert frame["parent"].tolist() == [None, "gene-x", None, "gene-y"]
    assert np.isnan(frame["score"].iloc[0]) and frame["score"].iloc[3] == 12.5
    assert frame.attrs["path"] == str(SMALL)


def test_all_types_comments_and_fasta_section():
    frame = read_gff3(SMALL, types=None)
    # 6 features; the comment, blank line and the ##FASTA section are not rows
    assert frame["type"].tolist() == ["gene", "CDS", "tRNA", "gene", "CDS", "region"]
    assert frame["strand"].iloc[2] == "."
    assert read_gff3(SMALL, types=["tRNA"])["id"].tolist() == ["rna-1"]


def test_percent_decoding():
    frame = read_gff3(SMALL, types=None)
    assert frame["product"].iloc[1] == "alpha, beta; gamma=1 & co"
    # the raw column keeps the encoding
    assert "alpha%2C beta%3B gamma%3D1 %26 co" in frame["attributes"].iloc[1]
    assert parse_attributes("ID=a%3Bb;Note=x%3Dy%2Cz;Dbxref=A:1,B:2;") == {
        "ID": "a;b", "Note": "x=y,z", "Dbxref": "A:1,B:2"}
    assert parse_attributes(".") == {}


def test_seqid_aliases():
    frame = read_gff3(SMALL, types=None)
    assert frame["seqid"].tolist() == ["U00096.3"] * 5 + ["plasmid1"]
    raw = read_gff3(SMALL, seqid_aliases={})
    assert set(raw["seqid"]) == {"NC_000913.3"}
    custom = read_gff3(SMALL, seqid_aliases={"NC_000913.3": "chr"})
    assert set(custom["seqid"]) == {"chr"}
    assert SEQID_ALIASES["NC_000913.3"] == "U00096.3"
    assert canonical_seqid("NC_000913.3") == "U00096.3"
    assert canonical_seqid("other") == "other"
    assert canonical_seqid("NC_000913.3", {}) == "NC_000913.3"


def test_gzip_detected_by_magic(tmp_path):
    path = tmp_path / "annotation.txt"  # no .gz suffix on purpose
    path.write_bytes(gzip.compress(SMALL.read_bytes()))
    pd.testing.assert_frame_equal(read_gff3(path), read_gff3(SMALL))


def test_crlf_lines(tmp_path):
    path = tmp_path / "crlf.gff3"
    path.write_bytes(SMALL.read_bytes().replace(b"\n", b"\r\n"))
    pd.testing.assert_frame_equal(read_gff3(path, types=None), read_gff3(SMALL, types=None))


def test_empty_selection_has_columns():
    frame = read_gff3(SMALL, types=["no_such_type"])
    assert frame.empty and list(frame.columns) == list(GFF3_COLUMNS)


def test_single_type_string_is_one_type():
    assert read_gff3(SMALL, types="CDS")["id"].tolist() == ["cds-1", "cds-2"]


def test_feature_sequences_strands_and_aliases():
    frame = read_gff3(SMALL)
    genome = list(read_fasta(SMALL_FA))
    seqs = feature_sequences(genome, frame)
    assert seqs[0] == seqs[1] == b"ATGAAACCCGGGTTTTAG"
    # '-' strand: CTACCCAAACAT reverse-complemented
    assert seqs[3] == b"ATGTTTGGGTAG"
    # a mapping keyed by the RefSeq name works too (both sides are canonicalised)
    assert feature_sequences({"NC_000913.3": genome[0].sequence}, frame) == seqs


def test_feature_sequences_reverse_complement_with_n():
    genome = {"c": b"AACGTNGG"}
    features = pd.DataFrame({"seqid": ["c", "c"], "start": [2, 1], "end": [6, 8], "strand": ["-", "."]})
    assert feature_sequences(genome, features) == [b"NACGT", b"AACGTNGG"]


def test_feature_sequences_errors():
    frame = read_gff3(SMALL, types=None)  # includes plasmid1, absent from the FASTA
    genome = list(read_fasta(SMALL_FA))
    with pytest.raises(DataError, match="plasmid1") as info:
        feature_sequences(genome, frame)
    assert "small.gff3" in str(info.value) and info.value.record == "plasmid1:1..100"
    too_long = frame.iloc[:2].copy()
    too_long.loc[1, "end"] = 35
    with pytest.raises(DataError, match="does not fit") as info:
        feature_sequences(genome, too_long)
    assert info.value.record == "cds-1" and "34 bp" in str(info.value)
    with pytest.raises(DataError, match="lacks column"):
        feature_sequences(genome, frame.drop(columns="strand"))


# --------------------------------------------------------------------------- errors


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_gff3(tmp_path / "missing.gff3")


def test_wrong_column_count(tmp_path):
    err = gff_error(tmp_path, GOOD_LINE + "\n# note\nchr1 src gene 1 5 . + . ID=x\n")
    assert err.line == 4 and "expected 9" in str(err) and "line 4" in str(err)


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [("ten", "20", "not an integer"), ("1.5", "20", "not an integer"), ("0", "20", "not positive"),
     ("-3", "20", "not positive"), ("10", "", "not an integer"), ("30", "20", "start 30 > end 20")],
)
def test_bad_coordinates(tmp_path, start, end, words):
    err = gff_error(tmp_path, f"{GOOD_LINE}\nchr1\tsrc\tgene\t{start}\t{end}\t.\t+\t.\tID=g2\n")
    assert err.line == 3 and words in str(err)


@pytest.mark.parametrize(
    ("index", "value", "words"),
    [(5, "high", "score 'high'"), (6, "plus", "strand 'plus'"), (6, "", "strand ''"),
     (7, "*", "phase '*'"), (7, "3", "phase '3'"), (0, "", "empty seqid")],
)
def test_bad_score_strand_phase_seqid(tmp_path, index, value, words):
    fields = GOOD_LINE.split("\t")
    fields[index] = value
    err = gff_error(tmp_path, "\n" + "\t".join(fields) + "\n")  # blank line 2, feature on line 3
    assert err.line == 3 and words in str(err) and "expected" in str(err)


def test_gtf_attributes_rejected_with_line(tmp_path):
    err = gff_error(tmp_path, GOOD_LINE.replace("ID=g1", 'gene_id "g1"; transcript_id "t1";') + "\n")
    assert err.line == 2 and "GTF" in str(err)


def test_binary_content(tmp_path):
    path = tmp_path / "bin.gff3"
    path.write_bytes(b"##gff-version 3\n\xff\xfe\x00\x01\n")
    with pytest.raises(DataError, match="line 2"):
        read_gff3(path)


def test_truncated_gzip(tmp_path):
    packed = gzip.compress((GOOD_LINE + "\n").encode() * 5000)
    path = tmp_path / "cut.gff3.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(DataError, match="truncated"):
        read_gff3(path)


def test_question_mark_strand_is_unstranded(tmp_path):
    path = tmp_path / "q.gff3"
    path.write_text(GOOD_LINE.replace("\t+\t", "\t?\t") + "\n")
    assert read_gff3(path)["strand"].tolist() == ["."]


GFFISH = st.text(st.sampled_from(list("\t\n\r#>.+-?;=%,0123456789abcCDS \u00e9") + ["\x00"]), max_size=300)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=300), GFFISH.map(str.encode)))
def test_fuzz_frame_or_data_error(tmp_path, data):
    path = tmp_path / "fuzz.gff3"
    path.write_bytes(data)
    try:
        frame = read_gff3(path, types=None)
    except DataError:
        return
    assert list(frame.columns) == list(GFF3_COLUMNS)
    assert (frame["start"] >= 1).all() and (frame["start"] <= frame["end"]).all()
    assert set(frame["strand"]) <= {"+", "-", "."}


# --------------------------------------------------------------------------- real bundled data


@pytest.fixture(scope="module")
def ecoli_features() -> pd.DataFrame:
    return read_gff3("ecoli_k12_annotation")


@pytest.fixture(scope="module")
def ecoli_genome() -> list[FastaRecord]:
    return load_genome("ecoli_k12")


def test_real_ecoli_annotation(ecoli_features):
    counts = ecoli_features["type"].value_counts()
    assert counts["gene"] == 4494 and counts["CDS"] == 4337 and len(counts) == 2
    assert set(ecoli_features["seqid"]) == {"U00096.3"}
    first_cds = ecoli_features[ecoli_features["type"] == "CDS"].iloc[0]
    assert (first_cds["gene"], first_cds["start"], first_cds["end"], first_cds["strand"]) == (
        "thrL", 190, 255, "+")
    assert first_cds["locus_tag"] == "b0001" and first_cds["product"] == "thr operon leader peptide"


def test_real_ecoli_cds_sequences(ecoli_features, ecoli_genome):
    cds = ecoli_features[ecoli_features["type"] == "CDS"]
    seqs = feature_sequences(ecoli_genome, cds)
    assert len(seqs) == 4337
    assert [len(s) for s in seqs] == (cds["end"] - cds["start"] + 1).tolist()
    whole_codons = np.array([len(s) % 3 == 0 for s in seqs])
    ends_in_stop = np.array([s[-3:] in STOPS for s in seqs])
    # the data documentation reports 4,317 and 4,316 (the rest are frameshifted/pseudo CDS)
    assert whole_codons.sum() == 4317
    assert ends_in_stop.sum() == 4316
    assert (whole_codons & ends_in_stop).sum() >= 4300
    assert seqs[0].startswith(b"ATG") and seqs[0][-3:] in STOPS  # thrL, 190..255 '+'
    minus = np.flatnonzero((cds["strand"] == "-").to_numpy())
    assert minus.size > 1000
    # most '-' strand CDS start with a start codon only after reverse complementing
    assert np.mean([seqs[i][:3] in (b"ATG", b"GTG", b"TTG") for i in minus]) > 0.95
