"""Antimicrobial-resistance genes, their negatives and CARD: checked loaders for chapter 09.

The bundled ``resistance`` dataset (see ``data/README.md``) has two files:

``table``: ``resistance/resistance_genes_all.tsv.gz``
    14,197 deduplicated full-length genes on their coding strand: 3,132
    ResFinder acquired resistance genes (``resistant=True``) and 11,065
    negatives from Kaptive capsule/LPS loci and Kleborate virulence loci.
    :func:`load_resistance_table` reads it with the standard :mod:`csv`
    module (never unpickling anything) and checks every row.
``card``: ``resistance/raw/kleborate_CARD_v3.1.13.fasta.gz``
    CARD v3.1.13 as bundled in Kleborate, headers
    ``clusterid__gene_class__allele__seqid``; :func:`load_card` parses them
    (FASTA via :func:`genomenb.data.fasta.read_fasta`).

Ordinary genes (honest negatives)
    Capsule and virulence genes differ from resistance genes in GC, length
    and gene families, which a model can exploit. :func:`ordinary_genes`
    builds a second negative set: coding sequences called by Prodigal
    (``pyrodigal``; single-genome mode trained on each genome, ``closed`` so
    no gene runs off a contig end) on one seeded genome per genus of the
    bundled bacteria, keeping complete ACGT genes (start ATG/GTG/TTG, final
    stop, no internal stop), **removing every gene with an MMseqs2 hit to a
    resistance gene** (:func:`genomenb.mmseqs.best_hits`, e-value
    1e-3 by default, both strands) and then drawing genes whose lengths
    match the positives' (:func:`match_lengths`).
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from genomenb.data import registry
from genomenb.data.errors import DataError
from genomenb.data.fasta import read_fasta
from genomenb.mmseqs import best_hits

__all__ = ["CARD_CLASSES", "TABLE_COLUMNS", "call_genes", "default_genomes", "load_card", "load_resistance_table",
           "match_lengths", "ordinary_genes"]

#: Columns of the table, in order (also those of :func:`ordinary_genes` and the first ones of :func:`load_card`).
TABLE_COLUMNS = ("id", "source", "db_class", "family", "gene", "phenotype", "description", "resistant", "length",
                 "gc", "seq")
#: CARD (Kleborate) class codes and the ResFinder drug class each corresponds to.
CARD_CLASSES = {"AGly": "aminoglycoside", "Bla": "beta-lactam", "Col": "colistin", "Fcyn": "fosfomycin",
                "Flq": "quinolone", "Gly": "glycopeptide", "MLS": "macrolide", "Phe": "phenicol",
                "Rif": "rifampicin", "Sul": "sulphonamide", "Tet": "tetracycline", "Tgc": "tetracycline",
                "Tmt": "trimethoprim"}
_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
_NOT_ACGT = str.maketrans("", "", "ACGT")
_STARTS = ("ATG", "GTG", "TTG")
_STOPS = {11: ("TAA", "TAG", "TGA"), 4: ("TAA", "TAG")}
_TRANSLATION_TABLE = {"Mycoplasma": 4}  # TGA is tryptophan in Mycoplasma


def _open_text(path: Path) -> io.TextIOBase:
    with open(path, "rb") as fh:
        magic = fh.read(2)
    raw = gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8", newline="")


def _gc(seq: str) -> float:
    return (seq.count("G") + seq.count("C")) / len(seq) if seq else 0.0


def load_resistance_table(max_length: int | None = None, *, path: str | os.PathLike | None = None,
                          on_invalid: str = "raise", duplicate_ids: str = "rename") -> pd.DataFrame:
    """The resistance-gene table, checked, one row per gene.

    Parameters
    ----------
    max_length : int, optional
        Keep genes of at most this many bases (3000 gives the 12,845 genes
        of the paper-like length range).
    path : str or PathLike, optional
        Another TSV (plain or gzip) with the same columns; default: the
        bundled, checksummed file.
    on_invalid : {"raise", "drop"}
        What to do with a record whose sequence is empty or holds anything
        but upper-case ``A C G T``: raise :class:`DataError`, or drop it
        (counted in ``attrs["dropped"]`` and announced with a warning).
    duplicate_ids : {"rename", "raise"}
        An id already used by an earlier record: ``"rename"`` appends
        ``#2``, ``#3``... (counted in ``attrs["renamed_ids"]``); the bundled
        table has 64 such Kaptive records, unnamed ORFs of one locus that
        share the id ``<database>|<locus>|<gene>`` but differ in sequence.
        ``"raise"``: a :class:`DataError`.

    Returns
    -------
    pandas.DataFrame
        :data:`TABLE_COLUMNS`; ``resistant`` is bool, ``length`` int64,
        ``gc`` float64. ``attrs["dropped"]`` maps ``"empty"`` and
        ``"non_acgt"`` to the number of dropped records,
        ``attrs["renamed_ids"]`` counts renamed duplicate ids.

    Raises
    ------
    DataError
        Naming the file, line and record: a missing column, a ``resistant``
        value other than true/false/1/0/yes/no, a ``length`` that is not
        the sequence's length, a ``gc`` that is not a fraction matching the
        sequence, a duplicate id (with ``duplicate_ids="raise"``), one sequence listed with both labels, or
        (with ``on_invalid="raise"``) an empty or non-ACGT sequence.
    """
    if on_invalid not in ("raise", "drop"):
        raise ValueError(f"on_invalid must be 'raise' or 'drop', got {on_invalid!r}")
    if duplicate_ids not in ("raise", "rename"):
        raise ValueError(f"duplicate_ids must be 'rename' or 'raise', got {duplicate_ids!r}")
    file = Path(path) if path is not None else registry.path("resistance", "table")
    if not file.is_file():
        raise DataError(file, "file not found; expected a TSV with columns " + ", ".join(TABLE_COLUMNS))
    rows: list[list] = []
    dropped = {"empty": 0, "non_acgt": 0}
    first_line: dict[str, int] = {}
    renamed = 0
    label_of_seq: dict[str, tuple[bool, str]] = {}
    with _open_text(file) as fh:
        reader = csv.reader(fh, delimiter="\t")
        header = next(reader, None)
        missing = [c for c in TABLE_COLUMNS if c not in (header or [])]
        if missing:
            raise DataError(file, f"expected the columns {', '.join(TABLE_COLUMNS)}; missing {missing}", line=1)
        col = {c: header.index(c) for c in TABLE_COLUMNS}
        for fields in reader:
            line = reader.line_num
            if not fields:
                continue
            if len(fields) != len(header):
                raise DataError(file, f"expected {len(header)} tab-separated fields, found {len(fields)}", line=line)
            row = {c: fields[i] for c, i in col.items()}
            rid, seq = row["id"], row["seq"]
            if not rid:
                raise DataError(file, "expected a non-empty id", line=line)
            if rid in first_line:
                if duplicate_ids == "raise":
                    raise DataError(file, f"expected unique ids; {rid!r} was already on line {first_line[rid]}",
                                    line=line, record=rid)
                k = 2
                while f"{rid}#{k}" in first_line:
                    k += 1
                rid, renamed = f"{rid}#{k}", renamed + 1
            first_line[rid] = line
            bad = seq.translate(_NOT_ACGT)
            if not seq or bad:
                problem = ("expected a sequence, found an empty one" if not seq else
                           f"expected only upper-case A, C, G, T in the sequence; found {sorted(set(bad))[:5]}")
                if on_invalid == "raise":
                    raise DataError(file, problem, line=line, record=rid)
                dropped["empty" if not seq else "non_acgt"] += 1
                continue
            flag = row["resistant"].strip().lower()
            if flag not in _TRUE | _FALSE:
                raise DataError(file, f"expected resistant to be True or False, got {row['resistant']!r}",
                                line=line, record=rid)
            resistant = flag in _TRUE
            try:
                length, gc = int(row["length"]), float(row["gc"])
            except ValueError:
                raise DataError(file, f"expected an integer length and a numeric gc, got {row['length']!r} and "
                                f"{row['gc']!r}", line=line, record=rid) from None
            if length != len(seq):
                raise DataError(file, f"expected length to be the sequence length {len(seq)}, got {length}",
                                line=line, record=rid)
            if not abs(gc - _gc(seq)) <= 1e-3:
                raise DataError(file, f"expected gc to be the sequence's GC fraction {_gc(seq):.4f}, got {gc}",
                                line=line, record=rid)
            other = label_of_seq.setdefault(seq, (resistant, rid))
            if other[0] != resistant:
                raise DataError(file, f"expected one label per sequence; the same sequence is {other[1]!r} with "
                                f"resistant={other[0]}", line=line, record=rid)
            rows.append([rid, row["source"], row["db_class"], row["family"], row["gene"], row["phenotype"],
                         row["description"], resistant, length, gc, seq])
    if sum(dropped.values()):
        warnings.warn(f"{file}: dropped {dropped['empty']} empty and {dropped['non_acgt']} non-ACGT sequences",
                      stacklevel=2)
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    table = table.astype({"resistant": bool, "length": np.int64, "gc": np.float64})
    if max_length is not None:
        table = table[table["length"] <= int(max_length)].reset_index(drop=True)
    table.attrs["dropped"] = dropped
    table.attrs["renamed_ids"] = renamed
    return table


def load_card(*, path: str | os.PathLike | None = None, max_length: int | None = None) -> pd.DataFrame:
    """The CARD v3.1.13 genes bundled in Kleborate, as resistance genes with their class parsed from headers.

    Parameters
    ----------
    path : str or PathLike, optional
        Another FASTA with ``clusterid__gene_class__allele__seqid`` headers
        (default: the bundled, checksummed file).
    max_length : int, optional
        Keep genes of at most this many bases.

    Returns
    -------
    pandas.DataFrame
        :data:`TABLE_COLUMNS` (``source="CARD"``, ``db_class`` the ResFinder
        class name of :data:`CARD_CLASSES`, ``family`` the CARD gene,
        ``gene`` the allele, ``resistant=True``) plus ``card_class`` (the
        code, e.g. ``Bla``) and ``cluster`` (Kleborate's cluster id). Records
        with an ambiguous base (``N``) are dropped; ``attrs["dropped"]``
        gives their number (11 in the bundled file).

    Raises
    ------
    DataError
        When a header does not have four ``__``-separated fields with a
        known class code.
    """
    file = Path(path) if path is not None else registry.path("resistance", "card")
    rows, dropped = [], 0
    for rec in read_fasta(file):
        header = "".join(f"{rec.id} {rec.description}".split())  # one header has a stray space: "vga(E) __2220"
        parts = header.split("__")
        gene_class = parts[1].rsplit("_", 1) if len(parts) == 4 else []
        if len(gene_class) != 2 or gene_class[1] not in CARD_CLASSES or not parts[0].isdigit():
            raise DataError(file, "expected a header clusterid__gene_class__allele__seqid with a class code in "
                            f"{sorted(CARD_CLASSES)}", record=header)
        seq = rec.sequence.decode("ascii")
        if seq.translate(_NOT_ACGT):
            dropped += 1
            continue
        gene, code = gene_class
        rows.append([header, "CARD", CARD_CLASSES[code], gene, parts[2], "", "CARD v3.1.13 (Kleborate)", True,
                     len(seq), round(_gc(seq), 4), seq, code, int(parts[0])])
    table = pd.DataFrame(rows, columns=[*TABLE_COLUMNS, "card_class", "cluster"])
    if max_length is not None:
        table = table[table["length"] <= int(max_length)].reset_index(drop=True)
    table.attrs["dropped"] = {"non_acgt": dropped}
    return table


# --------------------------------------------------------------------------- ordinary genes


def default_genomes(*, per_genus: int = 1, seed: int = 0,
                    exclude: Sequence[str] = ("Mycoplasma", "mycobacterium_leprae_TN")) -> list[str]:
    """A seeded choice of ``per_genus`` bundled genomes per genus, genera in alphabetical order.

    Parameters
    ----------
    per_genus : int, default 1
    seed : int, default 0
    exclude : sequence of str
        Genera or genome names never chosen. By default Mycoplasma, which
        reads TGA as tryptophan (its genes would carry a standard-code stop
        codon inside, a shortcut no positive shares), and *M. leprae*, a
        decaying genome whose many pseudogenes Prodigal calls as fragments.
    """
    manifest = _manifest()
    keep = ~manifest["genus"].isin(exclude) & ~manifest.index.isin(exclude)
    manifest = manifest[keep]
    rng = np.random.default_rng(seed)
    chosen = []
    for genus in sorted(set(manifest["genus"])):
        names = sorted(manifest.index[manifest["genus"] == genus])
        chosen.extend(sorted(rng.choice(names, size=min(per_genus, len(names)), replace=False).tolist()))
    return chosen


def _manifest() -> pd.DataFrame:
    from genomenb.data import bacteria

    return bacteria.load_manifest()


def _cache_file(cache_dir: str | os.PathLike, genome: str, meta: bool, sha: str) -> Path:
    import pyrodigal

    mode = "meta" if meta else "single"
    return Path(cache_dir) / f"prodigal_{genome}_{mode}_{sha[:12]}_pyrodigal{pyrodigal.__version__}.tsv.gz"


def call_genes(genome: str, *, meta: bool = False, cache_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Prodigal's complete, ACGT-only coding sequences of one bundled genome.

    Parameters
    ----------
    genome : str
        A manifest name, e.g. ``"klebsiella_pneumoniae_HS11286"``.
    meta : bool, default False
        False: Prodigal's single-genome mode, trained on all records of the
        genome. True: the pre-trained metagenomic models.
    cache_dir : str or PathLike, optional
        When given, the calls are stored there as TSV (written atomically,
        keyed on the genome's sha256, the mode and the pyrodigal version) and
        read back next time. Nothing is cached otherwise.

    Returns
    -------
    pandas.DataFrame
        :data:`TABLE_COLUMNS` with ``source="prodigal:<genome>"``,
        ``db_class="ordinary"``, ``family`` = ``id`` =
        ``<genome>:<record>:<begin>-<end><strand>`` (1-based, inclusive),
        ``resistant=False``. Only genes on A/C/G/T alone, with a start
        ATG/GTG/TTG, a final stop, no internal stop and a length that is a
        multiple of 3 are kept (``attrs["dropped"]`` counts the others;
        empty when the calls come from the cache).
    """
    import pyrodigal

    from genomenb.data import bacteria

    manifest = _manifest()
    if genome not in manifest.index:
        raise KeyError(f"unknown genome {genome!r}; bundled: {', '.join(manifest.index)}")
    sha, genus = manifest.loc[genome, "sha256"], manifest.loc[genome, "genus"]
    cached = _cache_file(cache_dir, genome, meta, sha) if cache_dir is not None else None
    if cached is not None and cached.is_file():
        table = load_resistance_table(path=cached)
        table.attrs["dropped"] = {}
        return table
    table_id = _TRANSLATION_TABLE.get(genus, 11)
    records = bacteria.load_bacterial_genome(genome)
    finder = pyrodigal.GeneFinder(meta=meta, closed=True)
    if not meta:
        finder.train(*[r.sequence for r in records], translation_table=table_id)
    stops = _STOPS[table_id]
    rows, dropped = [], {"non_acgt": 0, "not_complete": 0}
    for rec in records:
        for g in finder.find_genes(rec.sequence):
            seq = g.sequence()
            codons = [seq[i:i + 3] for i in range(0, len(seq) - len(seq) % 3, 3)]
            if seq.translate(_NOT_ACGT):
                dropped["non_acgt"] += 1
            elif (len(seq) % 3 or g.partial_begin or g.partial_end or codons[0] not in _STARTS
                  or codons[-1] not in stops or any(c in stops for c in codons[1:-1])):
                dropped["not_complete"] += 1
            else:
                gid = f"{genome}:{rec.id}:{g.begin}-{g.end}{'+' if g.strand == 1 else '-'}"
                rows.append([gid, f"prodigal:{genome}", "ordinary", gid, "", "",
                             f"Prodigal CDS ({'meta' if meta else 'single'} mode), {genus}", False, len(seq),
                             round(_gc(seq), 4), seq])
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(cached.name + f".{os.getpid()}.tmp")
        table.to_csv(tmp, sep="\t", index=False, compression="gzip")
        os.replace(tmp, cached)
    table.attrs["dropped"] = dropped
    return table


def match_lengths(lengths: Sequence[int] | np.ndarray, reference: Sequence[int] | np.ndarray, n: int | None = None,
                  *, seed: int = 0) -> np.ndarray:
    """Indices of ``n`` candidates whose lengths match ``n`` lengths drawn from ``reference``.

    Each drawn reference length takes the unused candidate closest in
    length (ties broken at random), reference lengths being served in a
    seeded random order: the matched set has (nearly) the reference's length
    distribution, not only the same median.

    Parameters
    ----------
    lengths : array-like of int
        Candidate lengths.
    reference : array-like of int
        The lengths to match (e.g. the positives').
    n : int, optional
        How many to draw (default ``len(reference)``); reference lengths are
        drawn without replacement when ``n <= len(reference)``, else with.
    seed : int, default 0

    Returns
    -------
    numpy.ndarray
        ``int64`` candidate indices, in the order drawn.
    """
    lengths, reference = np.asarray(lengths, np.int64), np.asarray(reference, np.int64)
    n = len(reference) if n is None else int(n)
    if n > len(lengths):
        raise ValueError(f"cannot draw {n} genes from {len(lengths)} candidates")
    rng = np.random.default_rng(seed)
    targets = rng.choice(reference, size=n, replace=n > len(reference))
    order = rng.permutation(len(lengths))
    order = order[np.argsort(lengths[order], kind="stable")]  # sorted by length, ties in random order
    available = lengths[order]
    picked = np.empty(n, np.int64)
    for k, t in enumerate(targets):
        i = int(np.searchsorted(available, t))
        if i == len(available) or (i > 0 and t - available[i - 1] <= available[i] - t):
            i -= 1
        picked[k] = order[i]
        order, available = np.delete(order, i), np.delete(available, i)
    return picked


def ordinary_genes(n: int | None = None, *, positives: pd.DataFrame | None = None,
                   genomes: Sequence[str] | None = None, evalue: float = 1e-3, translate: bool = False,
                   meta: bool = False, seed: int = 0, threads: int = 2, cache_dir: str | os.PathLike | None = None,
                   tmp_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Length-matched ordinary bacterial genes without detectable similarity to any resistance gene.

    Parameters
    ----------
    n : int, optional
        How many genes (default: as many as there are positives).
    positives : pandas.DataFrame, optional
        The resistance genes (``seq`` and ``length`` columns) to exclude
        homologs of and to match in length; default: the ``resistant`` rows
        of :func:`load_resistance_table`. Concatenate :func:`load_card` to
        exclude CARD homologs too.
    genomes : sequence of str, optional
        Bundled genomes to call genes on (default: :func:`default_genomes`
        with ``seed``, one per genus, Mycoplasma excluded).
    evalue : float, default 1e-3
        A gene with any MMseqs2 alignment to a positive at this e-value or
        better (any identity, any coverage) is excluded.
    translate : bool, default False
        Search translated genes (amino acids) instead of DNA: stricter,
        since protein similarity stays detectable longer.
    meta : bool, default False
        Prodigal's metagenomic mode instead of per-genome training.
    seed : int, default 0
        Genome choice, tie-breaking and length matching.
    threads : int, default 2
        MMseqs2 threads.
    cache_dir : str or PathLike, optional
        Where to keep Prodigal's calls between runs (see :func:`call_genes`).
    tmp_dir : str or PathLike, optional
        Parent of MMseqs2's temporary folder.

    Returns
    -------
    pandas.DataFrame
        :data:`TABLE_COLUMNS`, ``resistant=False``, in the order drawn.
        ``attrs["summary"]`` holds the counts of the pipeline: ``genomes``,
        ``called`` (complete ACGT genes), ``duplicates`` (sequences seen
        before, or already in the positives), ``homologs`` (excluded for a
        hit), ``candidates``, ``drawn``, ``median_length`` and
        ``median_length_positives``.
    """
    if positives is None:
        table = load_resistance_table()
        positives = table[table["resistant"]]
    genomes = list(default_genomes(seed=seed) if genomes is None else genomes)
    calls = pd.concat([call_genes(g, meta=meta, cache_dir=cache_dir) for g in genomes], ignore_index=True)
    known = set(positives["seq"])
    unique = calls[~calls["seq"].duplicated() & ~calls["seq"].isin(known)].reset_index(drop=True)
    hits = best_hits(unique["seq"].tolist(), positives["seq"].tolist(), evalue=evalue, translate=translate,
                     strand="both", threads=threads, tmp_dir=tmp_dir)
    candidates = unique[~hits["hit"].to_numpy()].reset_index(drop=True)
    picked = match_lengths(candidates["length"].to_numpy(), positives["length"].to_numpy(), n, seed=seed)
    out = candidates.iloc[picked].reset_index(drop=True)
    out.attrs["summary"] = {"genomes": genomes, "called": len(calls), "duplicates": len(calls) - len(unique),
                            "homologs": int(hits["hit"].sum()), "candidates": len(candidates), "drawn": len(out),
                            "median_length": float(out["length"].median()),
                            "median_length_positives": float(positives["length"].median())}
    return out
