"""The resistance-gene loaders: a checked table, CARD, and length-matched ordinary genes without homologs."""

import gzip

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from genomenb.data import DataError
from genomenb.data import resistance as res
from genomenb.mmseqs import best_hits

HEADER = "\t".join(res.TABLE_COLUMNS)
STOPS = ("TAA", "TAG", "TGA")


def _row(rid, seq, resistant="True", length=None, gc=None):
    length = len(seq) if length is None else length
    gc = round((seq.count("G") + seq.count("C")) / max(len(seq), 1), 4) if gc is None else gc
    return "\t".join([rid, "ResFinder", "beta-lactam", "blaX", rid, "Ampicillin", "a gene", str(resistant),
                      str(length), str(gc), seq])


def _write(path, rows, header=HEADER, gz=False):
    text = "\n".join([header, *rows]) + "\n"
    if gz:
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        path.write_text(text)
    return path


GOOD = [_row("a", "ATGAAATAA"), _row("b", "ATGCCCGGGTAA", "False"), _row("c", "ATGTTTTGA", "True")]


# --------------------------------------------------------------------------- the bundled table


@pytest.fixture(scope="module")
def table():
    return res.load_resistance_table()


def test_bundled_table_has_the_documented_counts(table):
    assert len(table) == 14_197 and int(table["resistant"].sum()) == 3_132
    assert table["source"].value_counts().to_dict() == {"Kaptive": 7_756, "Kleborate": 3_309, "ResFinder": 3_132}
    assert (table["resistant"] == (table["source"] == "ResFinder")).all()
    assert table["id"].is_unique and table.attrs["renamed_ids"] == 64
    assert table.attrs["dropped"] == {"empty": 0, "non_acgt": 0}
    assert table["resistant"].dtype == bool and table["length"].dtype == np.int64
    assert table["seq"].str.fullmatch("[ACGT]+").all()
    assert (table["seq"].str.len() == table["length"]).all()
    assert table.groupby("seq")["resistant"].nunique().max() == 1  # no sequence with both labels
    assert len(res.load_resistance_table(max_length=3000)) == 12_845


def test_card_headers_are_parsed():
    card = res.load_card()
    assert len(card) == 2_693 - 11 and card.attrs["dropped"] == {"non_acgt": 11}
    assert card["resistant"].all() and card["seq"].str.fullmatch("[ACGT]+").all()
    assert set(card["db_class"]) <= set(res.CARD_CLASSES.values())
    assert card["card_class"].value_counts()["Bla"] > 1_800
    row = card[card["gene"] == "vga(E)"].iloc[0]  # the header with a stray space
    assert row["id"] == "321__VgaE_MLS__vga(E)__2220" and row["family"] == "VgaE" and row["db_class"] == "macrolide"


# --------------------------------------------------------------------------- bad records


def test_small_table_round_trips(tmp_path):
    t = res.load_resistance_table(path=_write(tmp_path / "t.tsv.gz", GOOD, gz=True))
    assert t["id"].tolist() == ["a", "b", "c"] and t["resistant"].tolist() == [True, False, True]
    assert list(t.columns) == list(res.TABLE_COLUMNS)


def test_non_acgt_sequence_is_named_or_dropped_with_a_count(tmp_path):
    path = _write(tmp_path / "t.tsv", [GOOD[0], _row("bad", "ATGNNNTAA"), GOOD[1]])
    with pytest.raises(DataError, match=r"t\.tsv, line 3, record 'bad': expected only upper-case A, C, G, T"):
        res.load_resistance_table(path=path)
    with pytest.warns(UserWarning, match="dropped 0 empty and 1 non-ACGT"):
        t = res.load_resistance_table(path=path, on_invalid="drop")
    assert t["id"].tolist() == ["a", "b"] and t.attrs["dropped"] == {"empty": 0, "non_acgt": 1}


def test_lower_case_is_not_silently_accepted(tmp_path):
    with pytest.raises(DataError, match="record 'low'"):
        res.load_resistance_table(path=_write(tmp_path / "t.tsv", [_row("low", "atgaaataa")]))


def test_empty_sequence_is_reported(tmp_path):
    with pytest.raises(DataError, match=r"line 2, record 'e': expected a sequence, found an empty one"):
        res.load_resistance_table(path=_write(tmp_path / "t.tsv", [_row("e", ""), GOOD[0]]))


def test_duplicate_ids_are_renamed_or_rejected(tmp_path):
    path = _write(tmp_path / "t.tsv", [*GOOD, _row("a", "ATGGGGTAA")])
    t = res.load_resistance_table(path=path)
    assert t["id"].tolist() == ["a", "b", "c", "a#2"] and t.attrs["renamed_ids"] == 1
    with pytest.raises(DataError, match=r"line 5, record 'a': expected unique ids; 'a' was already on line 2"):
        res.load_resistance_table(path=path, duplicate_ids="raise")


def test_one_sequence_with_both_labels_is_rejected(tmp_path):
    path = _write(tmp_path / "t.tsv", [*GOOD, _row("d", "ATGAAATAA", "False")])
    with pytest.raises(DataError, match="record 'd': expected one label per sequence.*'a'"):
        res.load_resistance_table(path=path)


@pytest.mark.parametrize("row, message", [
    (_row("r", "ATGAAATAA", "maybe"), "expected resistant to be True or False"),
    (_row("r", "ATGAAATAA", length=10), "expected length to be the sequence length 9"),
    (_row("r", "ATGAAATAA", gc=0.9), "expected gc to be the sequence's GC fraction"),
    (_row("r", "ATGAAATAA", length="nine"), "expected an integer length"),
])
def test_bad_fields_are_named(tmp_path, row, message):
    with pytest.raises(DataError, match=rf"line 3, record 'r': {message}"):
        res.load_resistance_table(path=_write(tmp_path / "t.tsv", [GOOD[0], row]))


def test_missing_column_is_named(tmp_path):
    header = HEADER.replace("\tresistant", "")
    rows = ["\t".join(f for i, f in enumerate(r.split("\t")) if i != 7) for r in GOOD]
    with pytest.raises(DataError, match=r"line 1: expected the columns .* missing \['resistant'\]"):
        res.load_resistance_table(path=_write(tmp_path / "t.tsv", rows, header=header))


# --------------------------------------------------------------------------- ordinary genes


def test_match_lengths_reproduces_the_reference_distribution():
    rng = np.random.default_rng(1)
    lengths = rng.integers(100, 3000, size=5_000)
    reference = rng.normal(900, 200, size=400).astype(int)
    picked = res.match_lengths(lengths, reference, seed=3)
    assert len(set(picked.tolist())) == len(picked) == 400
    assert np.array_equal(picked, res.match_lengths(lengths, reference, seed=3))
    assert ks_2samp(lengths[picked], reference).statistic < 0.05
    assert np.abs(np.sort(lengths[picked]) - np.sort(reference)).max() <= 5
    with pytest.raises(ValueError, match="cannot draw"):
        res.match_lengths(lengths[:10], reference)


def test_default_genomes_one_per_genus_without_alternative_codes():
    genomes = res.default_genomes(seed=0)
    manifest = res._manifest()
    genera = manifest.loc[genomes, "genus"]
    assert genera.is_unique and "Mycoplasma" not in set(genera) and len(genomes) == 7
    assert "mycobacterium_leprae_TN" not in genomes
    assert res.default_genomes(seed=0) == genomes


GENOME = "helicobacter_pylori_G27"  # 1.65 Mb: Prodigal takes about a second


def _mutate(seq, fraction, rng):
    s = np.frombuffer(seq.encode(), dtype=np.uint8).copy()
    where = rng.choice(np.arange(3, len(s) - 3), size=int(fraction * len(s)), replace=False)
    s[where] = np.frombuffer(b"ACGT", np.uint8)[(np.searchsorted(np.frombuffer(b"ACGT", np.uint8), s[where]) + 1) % 4]
    return s.tobytes().decode()


@pytest.fixture(scope="module")
def ordinary(table, tmp_path_factory):
    """Ordinary genes of one genome, with three of its genes planted (5% mutated) among the positives."""
    cache = tmp_path_factory.mktemp("prodigal")
    calls = res.call_genes(GENOME, cache_dir=cache)
    rng = np.random.default_rng(0)
    planted = calls[(calls["length"] > 600) & (calls["length"] < 1200)].sample(3, random_state=0)
    extra = planted.assign(seq=[_mutate(s, 0.05, rng) for s in planted["seq"]], resistant=True)
    positives = pd.concat([table[table["resistant"]], extra], ignore_index=True)
    genes = res.ordinary_genes(300, positives=positives, genomes=[GENOME], seed=0, cache_dir=cache)
    return calls, planted, positives, genes, cache


def test_calls_are_cached_and_read_back(ordinary):
    calls, _, _, _, cache = ordinary
    files = list(cache.iterdir())
    assert len(files) == 1 and files[0].name.startswith(f"prodigal_{GENOME}_single_") and not any(
        f.suffix == ".tmp" for f in files)
    again = res.call_genes(GENOME, cache_dir=cache)
    pd.testing.assert_frame_equal(again, calls)


def test_ordinary_genes_are_complete_cds(ordinary):
    genes = ordinary[3]
    assert list(genes.columns) == list(res.TABLE_COLUMNS) and len(genes) == 300
    assert not genes["resistant"].any() and (genes["source"] == f"prodigal:{GENOME}").all()
    assert genes["id"].is_unique and genes["seq"].is_unique
    seqs = genes["seq"]
    assert seqs.str.fullmatch("[ACGT]+").all() and (seqs.str.len() % 3 == 0).all()
    assert seqs.str[:3].isin(["ATG", "GTG", "TTG"]).all() and seqs.str[-3:].isin(STOPS).all()
    for s in seqs:
        assert not any(s[i:i + 3] in STOPS for i in range(0, len(s) - 3, 3)), "internal stop codon"
    gc = seqs.map(lambda s: (s.count("G") + s.count("C")) / len(s))
    assert np.allclose(gc, genes["gc"], atol=1e-4) and (seqs.str.len() == genes["length"]).all()


def test_ordinary_genes_match_the_positives_lengths(ordinary):
    positives, genes = ordinary[2], ordinary[3]
    assert abs(genes["length"].median() / positives["length"].median() - 1) < 0.10
    assert ks_2samp(genes["length"], positives["length"]).statistic < 0.15
    for q in (0.1, 0.9):
        assert abs(genes["length"].quantile(q) / positives["length"].quantile(q) - 1) < 0.10


def test_ordinary_genes_have_no_homolog_among_the_positives(ordinary):
    calls, planted, positives, genes, _ = ordinary
    summary = genes.attrs["summary"]
    assert summary["called"] == len(calls) == summary["duplicates"] + summary["homologs"] + summary["candidates"]
    assert summary["homologs"] >= 3 and summary["genomes"] == [GENOME]
    assert not set(planted["id"]) & set(genes["id"])  # the planted homologs were excluded
    hits = best_hits(genes["seq"].tolist(), positives["seq"].tolist(), evalue=1e-3)
    assert not hits["hit"].any()
