"""Gene-likeness metrics on real E. coli genes and on hand-made or random sequences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from Bio.Seq import Seq

from genomenb import codons
from genomenb.data.fasta import load_genome
from genomenb.data.gff import read_gff3
from genomenb.generate import iid_next_probs, sample_constrained


@pytest.fixture(scope="module")
def ecoli():
    features = read_gff3("ecoli_k12_annotation", types="CDS")
    return features, codons.complete_cds(features, load_genome("ecoli_k12"))


@pytest.fixture(scope="module")
def thra(ecoli):
    _, cds = ecoli
    return cds.sequences[list(cds.features["gene"]).index("thrA")]


def _random_codon_gene(n_codons: int, seed: int) -> bytes:
    """ATG + random sense codons (uniform over the 61) + TAA."""
    rng = np.random.default_rng(seed)
    body = "".join(rng.choice(codons.SENSE_CODONS, size=n_codons))
    return ("ATG" + body + "TAA").encode()


def test_complete_cds_keeps_complete_genes_and_counts_the_rest(ecoli):
    features, cds = ecoli
    assert len(cds.sequences) == len(cds.features) > 4000
    assert sum(cds.dropped.values()) == len(features) - len(cds.sequences)
    assert cds.dropped["pseudo"] > 0
    assert all(s[:3] in (b"ATG", b"GTG", b"TTG") and len(s) % 3 == 0 for s in cds.sequences)
    assert codons.gene_constraint([b"ATG" + s[3:] for s in cds.sequences[:200]]).all()


def test_ribosomal_proteins_are_selected_by_product_not_modifying_enzymes(ecoli):
    _, cds = ecoli
    mask = codons.ribosomal_protein_mask(cds.features)
    genes = set(cds.features.loc[mask, "gene"])
    assert 45 <= mask.sum() <= 60
    assert {"rplB", "rpsA", "rplL", "rpmJ"} <= genes
    assert not {"prmA", "rimO", "rimK"} & genes  # "ribosomal protein L11 methyltransferase" etc.


def test_prodigal_calls_thra_full_length_but_not_its_shuffle(thra):
    rng = np.random.default_rng(0)
    shuffled = bytearray(thra)
    rng.shuffle(shuffled)
    calls = codons.prodigal_calls([thra, bytes(shuffled)])
    assert list(calls["length"]) == [len(thra)] * 2
    assert calls.loc[0, "full_length"] and calls.loc[0, "longest_fraction"] == 1.0
    assert not calls.loc[1, "full_length"]
    assert calls.loc[1, "longest_fraction"] < 0.5


def test_cai_of_ribosomal_genes_beats_random_codons_and_equals_biopython(ecoli):
    _, cds = ecoli
    ref = codons.highly_expressed_genes(cds)
    index = codons.cai_index(ref)
    random_genes = [_random_codon_gene(300, seed) for seed in range(5)]
    rib, rnd = codons.cai(ref, index), codons.cai(random_genes, index)
    assert rib.min() > rnd.max()
    sample = ref[:5] + random_genes[:2]
    np.testing.assert_allclose(codons.cai(sample, index), [index.calculate(s.decode()) for s in sample], rtol=1e-12)


def test_codon_usage_sums_to_one_and_counts_in_frame():
    counts = codons.codon_counts([b"ATGAAAAAATAA", b"ATGCCNGG"])
    assert counts.shape == (2, 64)
    assert counts[0, codons.CODONS.index("AAA")] == 2 and counts[0].sum() == 4
    assert counts[1].sum() == 1  # CCN skipped, GG is a partial codon
    usage = codons.codon_usage([b"ATGAAAAAATAA", b"ATGGCCTGA"])
    assert list(usage.index) == list(codons.SENSE_CODONS) and len(usage) == 61
    assert usage.sum() == pytest.approx(1.0)
    assert usage["AAA"] == pytest.approx(2 / 5) and usage["ATG"] == pytest.approx(2 / 5)


def test_gc3_and_gc_on_hand_made_examples():
    seqs = [b"ATGGCCTAA", b"ATAGCAAAGTAG", b"TAA"]
    # sense codons: ATG GCC -> third bases G C; ATA GCA AAG -> A A G; the stop is not a sense codon
    np.testing.assert_allclose(codons.gc3(seqs)[:2], [1.0, 1 / 3])
    assert np.isnan(codons.gc3(seqs)[2])
    np.testing.assert_allclose(codons.gc_content(seqs[:1]), [4 / 9])


def test_amino_acids_match_biopython_translation(thra):
    counts = codons.amino_acid_counts([thra])[0]
    protein = str(Seq(thra.decode()).translate(table=11)).rstrip("*")
    assert [protein.count(a) for a in codons.AMINO_ACIDS] == counts.tolist()
    assert codons.amino_acid_composition([thra]).sum() == pytest.approx(1.0)


def test_gene_constraint_vectorised():
    got = codons.gene_constraint([b"ATGAAATAA", b"GTGAAATAA", b"ATGTAAAAATAA", b"ATGAAAAAA", b"ATGAAATAAA",
                                  b"ATGCTAAGCTAG", b""])
    assert got.tolist() == [True, False, False, False, False, True, False]


def test_distances():
    p = np.array([0.5, 0.5, 0.0])
    assert codons.usage_distance(p, p) == 0.0
    assert codons.usage_distance(p, np.array([0.0, 0.0, 1.0])) == pytest.approx(1.0)
    rows = codons.usage_distances(np.array([[5, 5, 0], [0, 0, 0]]), p)
    assert rows[0] == pytest.approx(0.0) and np.isnan(rows[1])
    with pytest.raises(ValueError, match="same length"):
        codons.usage_distance(p, p[:2])


def test_compare_gene_sets_table(ecoli, thra):
    _, cds = ecoli
    real = [s for s in cds.sequences if 1000 <= len(s) <= 2000][:150]
    gc = float(codons.gc_content(real).mean())
    iid = sample_constrained(iid_next_probs(gc), 10, min_length=1000, max_length=2000, seed=0, progress=False)
    out = codons.compare_gene_sets({"random codons": iid}, real, codons.highly_expressed_genes(cds))
    summary = out.summary.set_index("label")
    assert list(summary.index) == ["random codons", "real genes"]
    assert summary.loc["random codons", "constraint_pct"] == 100.0
    assert summary.loc["real genes", "full_length_pct"] > 70
    assert summary.loc["random codons", "codon_distance"] > 2 * summary.loc["real genes", "codon_distance"]
    assert summary.loc["real genes", "cai_mean"] > summary.loc["random codons", "cai_mean"]
    assert summary.loc["random codons", "gc"] == pytest.approx(gc, abs=0.03)
    assert len(out.per_sequence) == 160 and set(out.per_sequence["label"]) == set(summary.index)
    assert isinstance(out.usage, pd.DataFrame) and np.allclose(out.usage.sum(), 1.0)
    with pytest.raises(ValueError, match="non-empty"):
        codons.compare_gene_sets({}, real, real)


def test_bad_inputs():
    with pytest.raises(TypeError, match="sequence of sequences"):
        codons.codon_counts(b"ATGAAATAA")
    with pytest.raises(ValueError, match="multiple of 3"):
        codons.cai_index([b"ATGAA"])
    with pytest.raises(ValueError, match="product"):
        codons.ribosomal_protein_mask(pd.DataFrame({"gene": ["x"]}))


def test_gene_figure_draws():
    import matplotlib.pyplot as plt

    from genomenb.plots.genes import plot_gene_likeness

    real = [_random_codon_gene(200, s) for s in range(6)]
    gen = {"a": [_random_codon_gene(150, s) for s in range(10, 14)], "b": real[:3]}
    out = codons.compare_gene_sets(gen, real, real)
    fig = plot_gene_likeness(out)
    assert len(fig.axes) == 2 + 5
    plt.close(fig)
