"""How gene-like is a set of sequences: gene calls, codon usage, CAI, GC3 and amino-acid composition.

Every metric is measured with a maintained library or on plain codon counts,
for generated sequences and for real genes alike:

Gene calling (pyrodigal)
    :func:`prodigal_calls` runs Prodigal (``pyrodigal.GeneFinder(meta=True,
    closed=True)``: the pre-trained metagenomic models, which need no
    training genome and work on a single 1-2 kb sequence; ``closed`` so a
    gene cannot run off an edge and must have a real start codon). A
    sequence gets a *full-length* call when Prodigal predicts a gene on the
    ``+`` strand from base 1 to the last base.
Codon usage (NumPy)
    :func:`codon_counts` counts the 64 codons of each sequence in frame 0 with
    one ``np.bincount`` over all sequences (codon index ``16 a + 4 b + c``
    with ``A=0 C=1 G=2 T=3``, so :data:`CODONS` is in alphabetical order; a
    codon with an ``N`` is skipped). :func:`codon_usage` pools them into the
    frequencies of the 61 sense codons of table 11 (stop codons excluded: a
    gene has exactly one). Distances between usage or composition vectors
    are **Jensen-Shannon distances** (:func:`usage_distance`: the square root
    of the Jensen-Shannon divergence, base 2, via
    :func:`scipy.spatial.distance.jensenshannon`): symmetric, finite when a
    codon is missing on one side, 0 for identical and 1 for disjoint usage.
Codon adaptation index (Biopython)
    :func:`cai_index` builds :class:`Bio.SeqUtils.CodonAdaptationIndex`
    (Sharp and Li 1987) from reference genes (by default the ribosomal
    proteins, :func:`highly_expressed_genes`) with genetic code 11;
    :func:`cai` evaluates it on many sequences at once and equals
    ``index.calculate(seq)`` (ATG and TGG skipped, the stop codon scored, as
    Biopython does).
Amino acids (Biopython's table 11)
    :func:`amino_acid_counts` translates codon indices with the forward
    table of ``Bio.Data.CodonTable`` 11: the same as ``Seq.translate(table=11)``
    without the stop.

Real genes come from :func:`complete_cds`: the annotated CDS cut from the
genome, keeping the complete ones (start ATG/GTG/TTG, length a multiple of 3,
a final stop and no internal one) and counting why the others were dropped.
:func:`compare_gene_sets` puts everything into one table per set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyrodigal
from Bio.Data import CodonTable
from Bio.SeqUtils import CodonAdaptationIndex
from scipy.spatial.distance import jensenshannon

from genomenb import encode
from genomenb.data.fasta import FastaRecord
from genomenb.data.gff import feature_sequences

__all__ = ["AMINO_ACIDS", "CODONS", "SENSE_CODONS", "STOP_CODONS", "CodingSequences", "GeneComparison",
           "amino_acid_composition", "amino_acid_counts", "cai", "cai_index", "codon_counts", "codon_usage",
           "compare_gene_sets", "complete_cds", "gc3", "gc_content", "gene_constraint", "highly_expressed_genes",
           "prodigal_calls", "ribosomal_protein_mask", "usage_distance", "usage_distances"]

_TABLE = CodonTable.unambiguous_dna_by_id[11]
#: The 64 codons, index ``16 a + 4 b + c`` (A=0 C=1 G=2 T=3): AAA, AAC, ..., TTT.
CODONS: tuple[str, ...] = tuple(a + b + c for a in "ACGT" for b in "ACGT" for c in "ACGT")
#: Stop codons of translation table 11.
STOP_CODONS: tuple[str, ...] = tuple(sorted(_TABLE.stop_codons))
#: The 61 sense codons, in :data:`CODONS` order.
SENSE_CODONS: tuple[str, ...] = tuple(c for c in CODONS if c not in STOP_CODONS)
#: The 20 amino acids, one-letter codes in alphabetical order.
AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
START_CODONS = ("ATG", "GTG", "TTG")

_SENSE = np.array([c not in STOP_CODONS for c in CODONS])
_STOP_INDEX = np.array([CODONS.index(c) for c in STOP_CODONS])
_ATG = CODONS.index("ATG")
_GC3 = np.array([c[2] in "GC" for c in CODONS])
_AA_OF_CODON = np.array([AMINO_ACIDS.index(_TABLE.forward_table[c]) if c in _TABLE.forward_table else -1
                         for c in CODONS])
_RIBOSOMAL = re.compile(r"^(?:30S|50S)\s+ribosomal\s+(?:subunit\s+)?protein\s+[LS]\d+[A-Z]?(?:/[LS]\d+)?$")


# --------------------------------------------------------------------------- codon indices


def _as_bytes(seqs: Sequence[bytes | str]) -> list[bytes]:
    if isinstance(seqs, (bytes, str)):
        raise TypeError("seqs must be a sequence of sequences (a list of bytes or str), not a single sequence")
    return [s.encode("ascii", errors="replace") if isinstance(s, str) else bytes(s) for s in seqs]


def _codon_table(seqs: Sequence[bytes | str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codon index of every in-frame codon (``-1`` with an N), its sequence index, codons per sequence."""
    seqs = _as_bytes(seqs)
    n_codons = np.array([len(s) // 3 for s in seqs], dtype=np.int64)
    joined = b"".join(s[:3 * k] for s, k in zip(seqs, n_codons.tolist()))
    codes = encode.to_codes(joined).astype(np.int64).reshape(-1, 3) if joined else np.zeros((0, 3), np.int64)
    index = 16 * codes[:, 0] + 4 * codes[:, 1] + codes[:, 2]
    index[(codes == encode.N_CODE).any(axis=1)] = -1
    owner = np.repeat(np.arange(len(seqs), dtype=np.int64), n_codons)
    return index, owner, n_codons


def codon_counts(seqs: Sequence[bytes | str]) -> np.ndarray:
    """Counts of the 64 codons of each sequence, in frame 0.

    Parameters
    ----------
    seqs : sequence of bytes or str
        DNA sequences; a trailing partial codon and codons with an ``N`` are ignored.

    Returns
    -------
    numpy.ndarray
        ``int64`` ``(n, 64)``, columns in :data:`CODONS` order.
    """
    seqs = _as_bytes(seqs)
    index, owner, _ = _codon_table(seqs)
    ok = index >= 0
    n = len(seqs)
    return np.bincount(owner[ok] * 64 + index[ok], minlength=n * 64).reshape(n, 64)


def _as_counts(seqs: Sequence[bytes | str] | np.ndarray) -> np.ndarray:
    """Codon counts ``(n, 64)``: given as they are, or counted from sequences."""
    counts = np.asarray(seqs) if isinstance(seqs, np.ndarray) else codon_counts(seqs)
    if counts.ndim != 2 or counts.shape[1] != 64:
        raise ValueError(f"codon counts must have shape (n, 64), got {counts.shape}")
    return counts


def codon_usage(seqs: Sequence[bytes | str] | np.ndarray) -> pd.Series:
    """Pooled frequencies of the 61 sense codons (table 11) over a set of sequences.

    Parameters
    ----------
    seqs : sequence of bytes or str, or numpy.ndarray
        Sequences, or their :func:`codon_counts` ``(n, 64)``.

    Returns
    -------
    pandas.Series
        Indexed by :data:`SENSE_CODONS`, summing to 1 (stop codons excluded).
    """
    counts = _as_counts(seqs)
    pooled = counts[:, _SENSE].sum(axis=0).astype(np.float64)
    if pooled.sum() == 0:
        raise ValueError("no complete sense codon in the sequences; expected coding sequences")
    return pd.Series(pooled / pooled.sum(), index=list(SENSE_CODONS), name="frequency")


def usage_distance(p: np.ndarray | pd.Series, q: np.ndarray | pd.Series) -> float:
    """Jensen-Shannon distance (base 2, in ``[0, 1]``) between two frequency or count vectors.

    Parameters
    ----------
    p, q : numpy.ndarray or pandas.Series
        Non-negative vectors of the same length (normalised here).

    Returns
    -------
    float
        ``sqrt(JSD(p, q))``: 0 for identical, 1 for disjoint distributions.
    """
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if p.shape != q.shape or p.ndim != 1:
        raise ValueError(f"p and q must be 1-D vectors of the same length, got {p.shape} and {q.shape}")
    if p.sum() <= 0 or q.sum() <= 0 or (p < 0).any() or (q < 0).any():
        raise ValueError("p and q must be non-negative with a positive sum")
    return float(jensenshannon(p, q, base=2))


def usage_distances(counts: np.ndarray, reference: np.ndarray | pd.Series) -> np.ndarray:
    """Jensen-Shannon distance of each row of ``counts`` to ``reference`` (``nan`` for an empty row).

    Parameters
    ----------
    counts : numpy.ndarray
        ``(n, K)`` counts, e.g. sense-codon counts or :func:`amino_acid_counts`.
    reference : numpy.ndarray or pandas.Series
        ``K`` frequencies (e.g. :func:`codon_usage` of the real genes).

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(n,)``. Short sequences have larger distances from
        sampling alone: compare sets of similar lengths.
    """
    counts = np.asarray(counts, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    if counts.ndim != 2 or ref.shape != (counts.shape[1],):
        raise ValueError(f"counts must be (n, K) and reference (K,), got {counts.shape} and {ref.shape}")
    out = np.full(len(counts), np.nan)
    ok = counts.sum(axis=1) > 0
    if ok.any():
        out[ok] = jensenshannon(counts[ok], np.broadcast_to(ref, counts[ok].shape), axis=1, base=2)
    return out


# --------------------------------------------------------------------------- per-sequence statistics


def gene_constraint(seqs: Sequence[bytes | str]) -> np.ndarray:
    """Whether each sequence starts with ATG, has a length multiple of 3 and one in-frame stop, at its end.

    Returns
    -------
    numpy.ndarray
        ``bool`` ``(n,)``; the vectorised form of
        :func:`genomenb.generate.check_gene_constraint`.
    """
    seqs = _as_bytes(seqs)
    index, owner, n_codons = _codon_table(seqs)
    n = len(seqs)
    stops = np.bincount(owner[np.isin(index, _STOP_INDEX)], minlength=n)
    first = np.cumsum(n_codons) - n_codons
    last = first + n_codons - 1
    has = n_codons >= 2
    safe_first, safe_last = np.where(has, first, 0), np.where(has, last, 0)
    lengths = np.array([len(s) for s in seqs])
    if len(index) == 0:
        return np.zeros(n, dtype=bool)
    return (has & (lengths % 3 == 0) & (index[safe_first] == _ATG) & np.isin(index[safe_last], _STOP_INDEX)
            & (stops == 1))


def gc_content(seqs: Sequence[bytes | str]) -> np.ndarray:
    """GC fraction of each whole sequence (N ignored), ``float64`` ``(n,)``."""
    return np.array([encode.gc_content(encode.to_codes(s)) if len(s) else np.nan for s in _as_bytes(seqs)])


def gc3(seqs: Sequence[bytes | str] | np.ndarray) -> np.ndarray:
    """GC fraction at the third position of the sense codons (frame 0) of each sequence.

    Parameters
    ----------
    seqs : sequence of bytes or str, or numpy.ndarray
        Sequences, or their :func:`codon_counts` ``(n, 64)``.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(n,)``, ``nan`` without a sense codon. Stop codons are
        excluded; start, Met and Trp codons count.
    """
    counts = _as_counts(seqs)
    sense = counts[:, _SENSE].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return counts[:, _SENSE & _GC3].sum(axis=1) / np.where(sense > 0, sense, np.nan)


def amino_acid_counts(seqs: Sequence[bytes | str] | np.ndarray) -> np.ndarray:
    """Counts of the 20 amino acids of each translated sequence (table 11, frame 0, stops dropped).

    Parameters
    ----------
    seqs : sequence of bytes or str, or numpy.ndarray
        Sequences, or their :func:`codon_counts` ``(n, 64)``.

    Returns
    -------
    numpy.ndarray
        ``int64`` ``(n, 20)``, columns in :data:`AMINO_ACIDS` order; the same
        letters as ``Bio.Seq.Seq(seq).translate(table=11)`` (a GTG or TTG start
        reads as V or L, as there).
    """
    counts = _as_counts(seqs)
    out = np.zeros((len(counts), len(AMINO_ACIDS)), dtype=np.int64)
    for codon in np.flatnonzero(_AA_OF_CODON >= 0):
        out[:, _AA_OF_CODON[codon]] += counts[:, codon]
    return out


def amino_acid_composition(seqs: Sequence[bytes | str] | np.ndarray) -> pd.Series:
    """Pooled amino-acid frequencies of the translated sequences, indexed by :data:`AMINO_ACIDS`, summing to 1."""
    pooled = amino_acid_counts(seqs).sum(axis=0).astype(np.float64)
    if pooled.sum() == 0:
        raise ValueError("no sense codon to translate in the sequences")
    return pd.Series(pooled / pooled.sum(), index=list(AMINO_ACIDS), name="frequency")


def cai_index(reference: Sequence[bytes | str]) -> CodonAdaptationIndex:
    """Biopython's codon adaptation index built from reference (highly expressed) genes, genetic code 11.

    Parameters
    ----------
    reference : sequence of bytes or str
        Complete coding sequences (length a multiple of 3, ACGT only), e.g.
        :func:`highly_expressed_genes`.

    Returns
    -------
    Bio.SeqUtils.CodonAdaptationIndex
        A dict codon -> relative adaptiveness ``w`` (a codon never seen gets
        0.5 counts, as in Sharp and Li).
    """
    reference = [s.decode("ascii") for s in _as_bytes(reference)]
    if not reference:
        raise ValueError("reference is empty; expected highly expressed coding sequences")
    bad = [i for i, s in enumerate(reference) if len(s) % 3 or set(s.upper()) - set("ACGT")]
    if bad:
        raise ValueError(f"reference sequence {bad[0]} has a length that is not a multiple of 3 or a base "
                         "other than A/C/G/T; expected complete coding sequences")
    return CodonAdaptationIndex(reference, table=_TABLE)


def cai(seqs: Sequence[bytes | str] | np.ndarray, index: CodonAdaptationIndex) -> np.ndarray:
    """Codon adaptation index of each sequence: ``index.calculate(seq)``, vectorised.

    Parameters
    ----------
    seqs : sequence of bytes or str, or numpy.ndarray
        Sequences, or their :func:`codon_counts` ``(n, 64)``.
    index : Bio.SeqUtils.CodonAdaptationIndex
        From :func:`cai_index`.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(n,)``: the geometric mean of ``w`` over the codons other
        than ATG and TGG (``nan`` for a sequence without one).
    """
    counts = _as_counts(seqs)
    log_w = np.log(np.array([index[c] for c in CODONS], dtype=np.float64))
    scored = np.ones(64, dtype=bool)
    scored[[_ATG, CODONS.index("TGG")]] = False
    used = counts[:, scored].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.exp(counts[:, scored] @ log_w[scored] / np.where(used > 0, used, np.nan))


# --------------------------------------------------------------------------- gene calling


def prodigal_calls(seqs: Sequence[bytes | str], *, finder: pyrodigal.GeneFinder | None = None) -> pd.DataFrame:
    """Prodigal's gene calls on each sequence alone.

    Parameters
    ----------
    seqs : sequence of bytes or str
        DNA sequences (each is searched on both strands).
    finder : pyrodigal.GeneFinder, optional
        Defaults to ``GeneFinder(meta=True, closed=True)``; a finder trained
        on a genome (``GeneFinder(closed=True)`` then ``.train(genome)``) asks
        whether that genome's model calls the gene.

    Returns
    -------
    pandas.DataFrame
        One row per sequence: ``length``, ``n_genes`` (both strands),
        ``full_length`` (a ``+`` strand gene from base 1 to the last base),
        ``full_length_score`` (its Prodigal score, ``nan`` otherwise),
        ``longest_fraction`` (bases of the longest called gene over the
        sequence length; 0 without a call) and ``longest_strand`` (+1, -1 or 0).
    """
    seqs = _as_bytes(seqs)
    finder = finder if finder is not None else pyrodigal.GeneFinder(meta=True, closed=True)
    rows = []
    for s in seqs:
        genes = finder.find_genes(s) if len(s) else []
        full = [g for g in genes if g.strand == 1 and g.begin == 1 and g.end == len(s)]
        longest = max(genes, key=lambda g: g.end - g.begin, default=None)
        rows.append({"length": len(s), "n_genes": len(genes), "full_length": bool(full),
                     "full_length_score": float(full[0].score) if full else np.nan,
                     "longest_fraction": (longest.end - longest.begin + 1) / len(s) if longest else 0.0,
                     "longest_strand": int(longest.strand) if longest else 0})
    return pd.DataFrame(rows, columns=["length", "n_genes", "full_length", "full_length_score",
                                       "longest_fraction", "longest_strand"])


# --------------------------------------------------------------------------- real genes


@dataclass
class CodingSequences:
    """Complete annotated coding sequences of a genome.

    Attributes
    ----------
    features : pandas.DataFrame
        The kept CDS rows of the annotation (index reset), in file order.
    sequences : list[bytes]
        One sequence per row, 5' to 3' on the gene's strand, stop included.
    dropped : dict[str, int]
        Why the other CDS were dropped (``pseudo``, ``multi_part``,
        ``ambiguous_base``, ``length``, ``start``, ``final_stop``,
        ``internal_stop``), each CDS counted once, for its first failure.
    """

    features: pd.DataFrame
    sequences: list[bytes]
    dropped: dict[str, int] = field(default_factory=dict)


def complete_cds(features: pd.DataFrame, records: Sequence[FastaRecord] | Mapping[str, bytes], *,
                 starts: Sequence[str] = START_CODONS) -> CodingSequences:
    """Cut the CDS of an annotation out of its genome and keep the complete ones.

    Parameters
    ----------
    features : pandas.DataFrame
        CDS rows as :func:`genomenb.data.gff.read_gff3` returns them
        (``types="CDS"``).
    records : sequence of FastaRecord or mapping of str to bytes
        The genome (e.g. :func:`genomenb.data.fasta.load_genome`).
    starts : sequence of str, default ("ATG", "GTG", "TTG")
        Accepted start codons.

    Returns
    -------
    CodingSequences
        A CDS is kept when it is not a pseudogene (``pseudo=true``), is
        annotated in one piece (its ID on one row), has only A/C/G/T, a length
        that is a multiple of 3, an accepted start, a final stop codon and no
        internal one (table 11).
    """
    if "type" in features.columns and not (features["type"] == "CDS").all():
        raise ValueError("features must hold CDS rows only; read them with read_gff3(..., types='CDS')")
    seqs = feature_sequences(records, features)
    attrs = features["attributes"].fillna("") if "attributes" in features.columns else pd.Series("", features.index)
    pseudo = attrs.str.contains(r"(?:^|;)pseudo=true", regex=True).to_numpy()
    ids = features["id"] if "id" in features.columns else pd.Series(np.arange(len(features)), index=features.index)
    multi = (ids.notna() & ids.duplicated(keep=False)).to_numpy()
    index, owner, n_codons = _codon_table(seqs)
    internal = np.bincount(owner[np.isin(index, _STOP_INDEX)], minlength=len(seqs))
    start_idx = [CODONS.index(c) for c in starts]
    reasons = []
    first = 0
    for i, s in enumerate(seqs):
        k = int(n_codons[i])
        codons = index[first:first + k]
        first += k
        if pseudo[i]:
            reasons.append("pseudo")
        elif multi[i]:
            reasons.append("multi_part")
        elif s.translate(None, b"ACGT"):
            reasons.append("ambiguous_base")
        elif len(s) % 3 or k < 2:
            reasons.append("length")
        elif codons[0] not in start_idx:
            reasons.append("start")
        elif codons[-1] not in _STOP_INDEX:
            reasons.append("final_stop")
        elif internal[i] > 1:
            reasons.append("internal_stop")
        else:
            reasons.append("")
    keep = np.array([r == "" for r in reasons], dtype=bool)
    dropped = {r: reasons.count(r) for r in ("pseudo", "multi_part", "ambiguous_base", "length", "start",
                                             "final_stop", "internal_stop")}
    kept = features.loc[keep].reset_index(drop=True)
    return CodingSequences(kept, [s for s, k in zip(seqs, keep) if k], dropped)


def ribosomal_protein_mask(features: pd.DataFrame) -> np.ndarray:
    """Which rows are ribosomal proteins: product ``30S/50S ribosomal (subunit) protein S<n>/L<n>``.

    A bare "contains 'ribosomal protein'" rule is wrong on the RefSeq E. coli
    annotation: its ribosomal proteins read "50S ribosomal subunit protein L2"
    and the products containing "ribosomal protein" are enzymes that modify
    them (e.g. "ribosomal protein L11 methyltransferase").

    Returns
    -------
    numpy.ndarray
        ``bool`` ``(len(features),)``.
    """
    if "product" not in features.columns:
        raise ValueError("features has no 'product' column; expected a frame from read_gff3")
    return np.array([bool(_RIBOSOMAL.match(p)) if isinstance(p, str) else False for p in features["product"]])


def highly_expressed_genes(cds: CodingSequences) -> list[bytes]:
    """The ribosomal-protein genes among complete CDS: the usual CAI reference set."""
    mask = ribosomal_protein_mask(cds.features)
    if not mask.any():
        raise ValueError("no ribosomal protein among the CDS; expected products like "
                         "'50S ribosomal subunit protein L2'")
    return [s for s, m in zip(cds.sequences, mask) if m]


# --------------------------------------------------------------------------- comparison


@dataclass
class GeneComparison:
    """Output of :func:`compare_gene_sets`.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per set (generated sets, then the real genes).
    per_sequence : pandas.DataFrame
        One row per sequence with a ``label`` column (for distributions).
    usage : pandas.DataFrame
        Pooled sense-codon frequencies, one column per set, indexed by codon.
    """

    summary: pd.DataFrame
    per_sequence: pd.DataFrame
    usage: pd.DataFrame


def _per_sequence(label: str, seqs: list[bytes], real_usage: pd.Series, real_aa: pd.Series,
                  index: CodonAdaptationIndex, finder: pyrodigal.GeneFinder | None) -> pd.DataFrame:
    counts = codon_counts(seqs)
    calls = prodigal_calls(seqs, finder=finder)
    table = pd.DataFrame({"label": label, "length": calls["length"], "constraint": gene_constraint(seqs),
                          "full_length": calls["full_length"], "longest_fraction": calls["longest_fraction"],
                          "prodigal_score_per_kb": 1000 * calls["full_length_score"] / calls["length"],
                          "cai": cai(counts, index), "gc": gc_content(seqs), "gc3": gc3(counts),
                          "codon_distance": usage_distances(counts[:, _SENSE], real_usage),
                          "aa_distance": usage_distances(amino_acid_counts(counts), real_aa)})
    return table


def compare_gene_sets(sets: Mapping[str, Sequence[bytes | str]], real: Sequence[bytes | str],
                      reference: Sequence[bytes | str], *, real_label: str = "real genes",
                      finder: pyrodigal.GeneFinder | None = None, seed: int = 0) -> GeneComparison:
    """Gene-likeness of generated sets next to real genes, every number measured.

    Parameters
    ----------
    sets : mapping of str to sequence of bytes
        Label -> generated sequences (e.g. ``{"LSTM T=1": ..., "Markov k=5": ...}``).
    real : sequence of bytes
        Real coding sequences (e.g. ``complete_cds(...).sequences``, best
        restricted to the generated length range); their pooled codon usage
        and amino-acid composition are the targets of the distances.
    reference : sequence of bytes
        Highly expressed genes for the CAI (:func:`highly_expressed_genes`).
    real_label : str, default "real genes"
    finder : pyrodigal.GeneFinder, optional
        See :func:`prodigal_calls`.
    seed : int, default 0
        Draws the real-gene subset of the sampling floor (below).

    Returns
    -------
    GeneComparison
        ``summary`` columns: ``label``, ``n``, ``constraint_pct`` (ATG start,
        one final stop), ``full_length_pct`` (Prodigal), ``median_prodigal_score_per_kb``
        (Prodigal's score of the full-length calls per 1,000 bases: any long
        ORF without stops tends to get a full-length call, the score says how
        coding-like it is), ``median_length``,
        ``codon_distance`` (Jensen-Shannon distance of the set's pooled
        sense-codon usage to the real genes'), ``median_codon_distance`` (of
        single sequences), ``cai_mean``, ``gc``, ``gc3`` (means over
        sequences), ``aa_distance`` (pooled amino-acid composition) and
        ``median_aa_distance``. The real row's pooled distances are a
        sampling floor: ``n`` real genes drawn at random (``n`` of the largest
        set) against the other real genes.
    """
    if not isinstance(sets, Mapping) or not sets:
        raise ValueError("sets must be a non-empty mapping of label -> sequences")
    if real_label in sets:
        raise ValueError(f"real_label {real_label!r} is also a generated set's label")
    real = _as_bytes(real)
    real_counts = codon_counts(real)
    real_usage, real_aa = codon_usage(real_counts), amino_acid_composition(real_counts)
    index = cai_index(reference)
    finder = finder if finder is not None else pyrodigal.GeneFinder(meta=True, closed=True)
    rows, tables, usage = [], [], {}
    all_sets = {**{k: _as_bytes(v) for k, v in sets.items()}, real_label: real}
    n_floor = min(max(len(v) for v in sets.values()), len(real) // 2)
    for label, seqs in all_sets.items():
        if not seqs:
            raise ValueError(f"set {label!r} is empty")
        table = _per_sequence(label, seqs, real_usage, real_aa, index, finder)
        counts = codon_counts(seqs)
        usage[label] = codon_usage(counts)
        if label == real_label:
            pick = np.zeros(len(real), dtype=bool)
            pick[np.random.default_rng(seed).choice(len(real), size=n_floor, replace=False)] = True
            codon_d = usage_distance(codon_usage(real_counts[pick]), codon_usage(real_counts[~pick]))
            aa_d = usage_distance(amino_acid_composition(real_counts[pick]), amino_acid_composition(real_counts[~pick]))
        else:
            codon_d = usage_distance(usage[label], real_usage)
            aa_d = usage_distance(amino_acid_composition(counts), real_aa)
        rows.append({"label": label, "n": len(seqs), "constraint_pct": 100 * table["constraint"].mean(),
                     "full_length_pct": 100 * table["full_length"].mean(),
                     "median_prodigal_score_per_kb": float(table["prodigal_score_per_kb"].median()),
                     "median_length": float(table["length"].median()), "codon_distance": codon_d,
                     "median_codon_distance": float(table["codon_distance"].median()),
                     "cai_mean": float(table["cai"].mean()), "gc": float(table["gc"].mean()),
                     "gc3": float(table["gc3"].mean()), "aa_distance": aa_d,
                     "median_aa_distance": float(table["aa_distance"].median())})
        tables.append(table)
    return GeneComparison(pd.DataFrame(rows), pd.concat(tables, ignore_index=True), pd.DataFrame(usage))
