"""The bundled bacterial genomes of eight genera, and their whole-genome split.

``data/genomes/bacteria/manifest.tsv`` lists 35 complete genomes (chromosomes
and any plasmids) of *Escherichia*, *Staphylococcus*, *Helicobacter*,
*Klebsiella*, *Vibrio*, *Mycoplasma*, *Mycobacterium* and *Streptococcus*:
one row per genome with its file, genus, organism, accession, number of
records, length, GC content, ``strain_group`` and sha256. E. coli K-12 MG1655
is the ``ecoli_k12`` dataset of the registry; the other genomes are the
``bacteria`` dataset, every file checksummed.

Honest splits
    Whole genomes are the unit of splitting: a genome is a training genome or
    an unseen one, never both. Near-identical strains share a
    ``strain_group`` (MG1655 and its derivative DH1 are both ``ecoli_k12``),
    and a group is never on both sides either. :func:`split_genomes` holds out
    whole groups per genus, seeded, and keeps at least one group of every
    genus for training (a genus with a single group is training-only).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from genomenb import encode
from genomenb.data import registry
from genomenb.data.errors import DataError
from genomenb.data.fasta import FastaRecord, read_fasta
from genomenb.data.splits import GenomeSplit, split_genome

__all__ = ["MANIFEST_COLUMNS", "load_manifest", "genome_path", "load_bacterial_genome", "split_genomes",
           "split_table", "genome_codes", "genus_split", "sample_fragments"]

MANIFEST_COLUMNS = ("genome", "file", "genus", "organism", "accession", "records", "length_bp", "gc",
                    "strain_group", "sha256")
_NUMERIC = {"records": int, "length_bp": int, "gc": float}


def load_manifest() -> pd.DataFrame:
    """The manifest of the bundled bacterial genomes, checked, one row per genome (index: ``genome``).

    Raises
    ------
    DataError
        When a column is missing, a number does not parse, a genome is listed
        twice, or a listed file is not a checksummed file of the registry.
    """
    path = registry.path("bacteria", "manifest")
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        missing = set(MANIFEST_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise DataError(path, f"expected the columns {', '.join(MANIFEST_COLUMNS)}; missing {sorted(missing)}")
        rows = []
        for line, row in enumerate(reader, start=2):
            for column, kind in _NUMERIC.items():
                try:
                    row[column] = kind(row[column])
                except ValueError:
                    raise DataError(path, f"expected a number in column {column!r}, got {row[column]!r}",
                                    line=line) from None
            rows.append(row)
    table = pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS))
    duplicated = table["genome"][table["genome"].duplicated()]
    if len(duplicated):
        raise DataError(path, f"expected every genome once; listed twice: {sorted(duplicated)}")
    known = {f.relpath: f.sha256 for ds in registry.datasets() for f in ds.files}
    for row in table.itertuples():
        if known.get(row.file) != row.sha256:
            raise DataError(path, f"expected {row.file} to be a registered file with sha256 {row.sha256}",
                            record=row.genome)
    return table.set_index("genome")


def genome_path(genome: str) -> Path:
    """The verified path of one bundled genome's FASTA file (by its manifest name)."""
    manifest = load_manifest()
    if genome not in manifest.index:
        raise KeyError(f"unknown genome {genome!r}; bundled: {', '.join(manifest.index)}")
    relpath = manifest.loc[genome, "file"]
    for ds in registry.datasets():
        for f in ds.files:
            if f.relpath == relpath:
                return registry.verify(f)
    raise DataError(registry.path("bacteria", "manifest"), f"no registered file {relpath}", record=genome)


def load_bacterial_genome(genome: str) -> list[FastaRecord]:
    """Every record (chromosomes, plasmids) of one bundled genome, in file order."""
    return list(read_fasta(genome_path(genome)))


def split_genomes(manifest: pd.DataFrame | None = None, *, unseen_per_genus: int = 1, seed: int = 0) -> pd.DataFrame:
    """Hold out whole strain groups per genus: the training and unseen genomes.

    Parameters
    ----------
    manifest : pandas.DataFrame, optional
        From :func:`load_manifest` (default: the bundled one).
    unseen_per_genus : int, default 1
        Strain groups held out per genus; a genus keeps at least one group
        for training, so a genus with ``k`` groups holds out
        ``min(unseen_per_genus, k - 1)``.
    seed : int, default 0
        Which groups are held out (a seeded draw per genus, in genus order).

    Returns
    -------
    pandas.DataFrame
        The manifest with a ``split`` column, ``"train"`` or ``"unseen"``.
    """
    table = (load_manifest() if manifest is None else manifest).copy()
    if isinstance(unseen_per_genus, bool) or int(unseen_per_genus) < 0:
        raise ValueError(f"unseen_per_genus must be an int >= 0, got {unseen_per_genus!r}")
    rng = np.random.default_rng(seed)
    table["split"] = "train"
    for genus in sorted(table["genus"].unique()):
        groups = sorted(table.loc[table["genus"] == genus, "strain_group"].unique())
        take = min(int(unseen_per_genus), len(groups) - 1)
        held = set(rng.permutation(groups)[:take]) if take > 0 else set()
        table.loc[(table["genus"] == genus) & table["strain_group"].isin(held), "split"] = "unseen"
    both = set(table.loc[table.split == "train", "strain_group"]) & set(table.loc[table.split == "unseen",
                                                                                   "strain_group"])
    if both:  # cannot happen by construction; checked because a leak here would be silent
        raise RuntimeError(f"strain groups on both sides of the split: {sorted(both)}")
    return table


def split_table(split: pd.DataFrame) -> pd.DataFrame:
    """Per genus: training and unseen genomes (counts and names) and the genus's GC range."""
    rows = []
    for genus, part in split.groupby("genus", sort=True):
        rows.append({"genus": genus, "genomes": len(part),
                     "train": int((part.split == "train").sum()), "unseen": int((part.split == "unseen").sum()),
                     "unseen genomes": ", ".join(part.index[part.split == "unseen"]) or "-",
                     "GC min": float(part.gc.min()), "GC max": float(part.gc.max())})
    return pd.DataFrame(rows).set_index("genus")


def genome_codes(genome: str) -> list[np.ndarray]:
    """Every record of one bundled genome as ``uint8`` codes (``A=0 C=1 G=2 T=3 N=4``)."""
    return [encode.to_codes(r.sequence) for r in load_bacterial_genome(genome)]


def genus_split(genomes: list[str], heldout_fraction: float = 0.1) -> GenomeSplit:
    """The records of several bundled genomes as one training set with a hold-out at each record's end.

    Parameters
    ----------
    genomes : list of str
        Manifest names, e.g. the training genomes of one genus.
    heldout_fraction : float, default 0.1
        The last fraction of every record (chromosome or plasmid) held out:
        the intra-genome hold-out the seed study validated on.

    Returns
    -------
    GenomeSplit
        Records named ``<genome>/<record id>``, in the order given.
    """
    if not genomes:
        raise ValueError("genus_split needs at least one genome")
    records = []
    for genome in genomes:
        records.extend((f"{genome}/{r.id}", r.sequence) for r in load_bacterial_genome(genome))
    return split_genome(records, heldout_fraction)


def sample_fragments(parts: list[np.ndarray], length: int, n: int, *, seed: int = 0) -> np.ndarray:
    """``n`` fragments of ``length`` bases without ``N``, drawn uniformly from the positions of ``parts``.

    Parameters
    ----------
    parts : list of numpy.ndarray
        ``uint8`` codes (records of a genome, or their training parts); a
        fragment never crosses from one part into the next.
    length : int
        Fragment length in bases.
    n : int
        Number of fragments (drawn without replacement of start positions;
        fragments may overlap when ``n * length`` approaches the genome size).
    seed : int, default 0

    Returns
    -------
    numpy.ndarray
        ``uint8`` of shape ``(n, length)``.

    Raises
    ------
    ValueError
        When no part is long enough, or fewer than ``n`` N-free start
        positions exist.
    """
    length, n = int(length), int(n)
    if length < 1 or n < 1:
        raise ValueError(f"length and n must be >= 1, got length={length}, n={n}")
    parts = [encode.check_codes(p, ndim=(1,), name="parts") for p in parts]
    # candidate starts: every position of every long-enough part, as (part, offset) in one flat index
    sizes = np.array([max(0, len(p) - length + 1) for p in parts], dtype=np.int64)
    if sizes.sum() == 0:
        raise ValueError(f"no part is {length} bases long (longest: {max((len(p) for p in parts), default=0)})")
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    rng = np.random.default_rng(seed)
    out = np.empty((n, length), dtype=np.uint8)
    filled, tries = 0, 0
    while filled < n:
        tries += 1
        if tries > 50:
            raise ValueError(f"could not find {n} fragments of {length} bases without N")
        picks = np.sort(rng.choice(int(sizes.sum()), size=min(int(sizes.sum()), 2 * (n - filled)), replace=False))
        part_of = np.searchsorted(bounds, picks, side="right") - 1
        for i, flat in zip(part_of, picks):
            fragment = parts[i][flat - bounds[i]: flat - bounds[i] + length]
            if (fragment == encode.N_CODE).any():
                continue
            out[filled] = fragment
            filled += 1
            if filled == n:
                break
    return out[rng.permutation(n)]
