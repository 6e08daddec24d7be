"""The bundled bacterial genomes: a checked manifest and a whole-genome split that never leaks a strain."""

import pandas as pd
import pytest

from genomenb.data import DataError, bacteria, registry


def test_manifest_lists_every_genome_with_verified_files():
    m = bacteria.load_manifest()
    assert len(m) == 35 and m.index.is_unique
    assert set(m.genus) == {"Escherichia", "Staphylococcus", "Helicobacter", "Klebsiella", "Vibrio", "Mycoplasma",
                            "Mycobacterium", "Streptococcus"}
    assert m.loc["ecoli_k12_mg1655", "file"] == registry.get("ecoli_k12").file("fasta").relpath
    assert m.loc["ecoli_k12_mg1655", "strain_group"] == m.loc["escherichia_coli_DH1", "strain_group"]
    assert m.gc.between(0.3, 0.7).all() and (m.length_bp > 500_000).all()


def test_a_genome_loads_with_the_manifest_length_and_gc():
    from genomenb.encode import gc_content, to_codes

    records = bacteria.load_bacterial_genome("mycoplasma_genitalium_G37")
    m = bacteria.load_manifest().loc["mycoplasma_genitalium_G37"]
    assert len(records) == m.records and sum(len(r.sequence) for r in records) == m.length_bp
    assert gc_content(to_codes(records[0].sequence)) == pytest.approx(m.gc, abs=1e-4)
    with pytest.raises(KeyError, match="unknown genome"):
        bacteria.genome_path("no_such_bacterium")


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_split_holds_out_whole_strain_groups_and_keeps_every_genus_in_training(seed):
    split = bacteria.split_genomes(seed=seed)
    train = set(split.loc[split.split == "train", "strain_group"])
    unseen = set(split.loc[split.split == "unseen", "strain_group"])
    assert not train & unseen  # no strain group on both sides
    assert len(set(split.loc[["ecoli_k12_mg1655", "escherichia_coli_DH1"], "split"])) == 1
    table = bacteria.split_table(split)
    assert (table.train >= 1).all()
    assert table.loc["Streptococcus", "unseen"] == 0  # one genome: training only
    assert len(unseen) == 7  # one strain group per genus (its genomes, e.g. MG1655 + DH1, go together)
    again = bacteria.split_genomes(seed=seed)
    pd.testing.assert_frame_equal(split, again)


def test_split_rejects_bad_counts_and_holds_out_more_when_asked():
    with pytest.raises(ValueError, match="unseen_per_genus"):
        bacteria.split_genomes(unseen_per_genus=-1)
    wide = bacteria.split_table(bacteria.split_genomes(unseen_per_genus=2))
    assert wide.loc["Staphylococcus", "unseen"] == 2 and wide.loc["Mycobacterium", "unseen"] == 1


def test_a_manifest_row_pointing_at_an_unregistered_file_is_a_data_error(tmp_path, monkeypatch):
    manifest = registry.path("bacteria", "manifest").read_text(encoding="utf-8")
    bad = tmp_path / "manifest.tsv"
    bad.write_text(manifest.replace("genomes/bacteria/vibrio_cholerae_H1.fa.gz", "genomes/bacteria/elsewhere.fa.gz"),
                   encoding="utf-8")
    monkeypatch.setattr(registry, "path", lambda name, role=None: bad)
    with pytest.raises(DataError, match="registered file"):
        bacteria.load_manifest()


def test_genus_split_lays_genomes_side_by_side_with_a_holdout_per_record():
    split = bacteria.genus_split(["mycoplasma_genitalium_G37", "mycoplasma_genitalium_M2288"], 0.1)
    m = bacteria.load_manifest()
    assert [n.split("/")[0] for n in split.names] == ["mycoplasma_genitalium_G37", "mycoplasma_genitalium_M2288"]
    assert [len(c) for c in split.chromosomes] == list(m.loc[["mycoplasma_genitalium_G37",
                                                               "mycoplasma_genitalium_M2288"], "length_bp"])
    for chrom, start in zip(split.chromosomes, split.heldout_start):
        assert len(chrom) - start == round(0.1 * len(chrom))
    codes = bacteria.genome_codes("mycoplasma_genitalium_G37")
    assert len(codes) == 1 and (codes[0] == split.chromosomes[0]).all()
    with pytest.raises(ValueError, match="at least one genome"):
        bacteria.genus_split([])
