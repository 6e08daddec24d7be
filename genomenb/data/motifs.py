"""Transcription-factor motifs from JASPAR: name look-up, PWM sampling and scanning.

The chromatin chapters need position weight matrices (PWMs) for the factors
profiled in the 919 DeepSEA features. ``pyjaspar`` ships the JASPAR
databases as SQLite files, so everything here works offline. The release is
pinned (:data:`JASPAR_RELEASE`) so the simulated data do not change when a
newer ``pyjaspar`` adds a newer release; only the CORE vertebrate collection
is used.

Conventions
-----------
* A PWM is a ``(w, 4)`` ``float64`` array of base probabilities in ``A C G T``
  order (the book's channel order, see :mod:`genomenb.encode`); rows sum to 1.
  JASPAR counts are turned into probabilities with a 2% uniform mixture, so no
  base has probability 0 and log-odds stay finite.
* Scores are log-odds in bits against a uniform background:
  ``sum_j log2(p[j, base_j] / 0.25)``.
* A site's ``start`` is the 0-based index of its leftmost base in the scanned
  sequence, whichever strand it is on; on strand ``-`` the sequence read there
  is the reverse complement of a PWM sample.

Target names
------------
DeepSEA names factors the way the ENCODE antibodies were named (``c-Myc``,
``GATA-1``, ``NRSF``, ``eGFP-JunD``, ``Pol2(phosphoS2)``, ``PAX5-C20``).
:func:`normalize_target` maps them to HGNC gene symbols, which is how JASPAR
names its matrices: tag prefixes (``eGFP-``, ``HA-``) and antibody suffixes
are removed, hyphens between a name and its number are dropped, and
:data:`TARGET_ALIASES` renames the rest (``NRSF`` is ``REST``, ``PU.1`` is
``SPI1``, ``ERalpha`` is ``ESR1``...). :func:`target_motif` then looks the
symbol up: an exact JASPAR name first, then a heterodimer that contains it
(``TAL1::TCF3``), then a documented partner factor for proteins that do not
bind DNA themselves but sit on their partner's sites (:data:`PARTNER_MOTIFS`,
e.g. the cohesin subunits RAD21 and SMC3 on CTCF sites). Everything else
(RNA polymerase, chromatin modifiers, co-activators) has no motif.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from genomenb.encode import one_hot

__all__ = [
    "JASPAR_RELEASE",
    "TARGET_ALIASES",
    "PARTNER_MOTIFS",
    "Motif",
    "TargetMotif",
    "jaspar_motifs",
    "find_motif",
    "normalize_target",
    "target_motif",
    "sample_instances",
    "MotifScanner",
]

#: JASPAR release used everywhere (pinned: shipped by every supported pyjaspar).
JASPAR_RELEASE = "JASPAR2024"
#: Longest matrix accepted, so several sites fit in a 100-bp window.
MAX_MOTIF_WIDTH = 20
_UNIFORM_MIX = 0.02
_HUMAN = "9606"

#: Normalised DeepSEA target -> gene symbol, where the two differ.
TARGET_ALIASES: dict[str, str] = {
    "NRSF": "REST", "PU.1": "SPI1", "AP2ALPHA": "TFAP2A", "AP2GAMMA": "TFAP2C",
    "ERALPHA": "ESR1", "ERRA": "ESRRA", "GR": "NR3C1", "GRP20": "NR3C1", "GABP": "GABPA",
    "NF-E2": "NFE2", "NF-YA": "NFYA", "NF-YB": "NFYB", "NFKB": "RELA", "TR4": "NR2C2",
    "SREBP1": "SREBF1", "COREST": "RCOR1", "KAP1": "TRIM28", "BRG1": "SMARCA4",
    "INI1": "SMARCB1", "BAF155": "SMARCC1", "BAF170": "SMARCC2", "PLU1": "KDM5B",
    "JARID1A": "KDM5A", "P300": "EP300", "TBLR1": "TBL1XR1", "UBF": "UBTF", "WHIP": "WRNIP1",
    "POL2": "POLR2A", "POL3": "POLR3A", "RPC155": "POLR3A", "TFIIIC110": "GTF3C2",
}

#: Factors without a DNA-binding domain of their own -> the factor whose sites they occupy.
PARTNER_MOTIFS: dict[str, str] = {
    "RAD21": "CTCF",    # cohesin is loaded onto CTCF sites
    "SMC3": "CTCF",
    "RCOR1": "REST",    # CoREST is the REST co-repressor
    "TRIM28": "ZNF274",  # KAP1 and SETDB1 are recruited by ZNF274 (3' ends of ZNF genes)
    "SETDB1": "ZNF274",
}


@dataclass(frozen=True, repr=False)
class Motif:
    """One JASPAR matrix.

    Attributes
    ----------
    name : str
        JASPAR factor name, e.g. ``"CTCF"`` or ``"GATA1::TAL1"``.
    matrix_id : str
        JASPAR id with version, e.g. ``"MA0139.2"``.
    probs : numpy.ndarray
        ``float64`` ``(w, 4)`` base probabilities, ``A C G T``, rows sum to 1.
    """

    name: str
    matrix_id: str
    probs: np.ndarray

    @property
    def width(self) -> int:
        """Number of positions ``w``."""
        return int(self.probs.shape[0])

    @property
    def log_odds(self) -> np.ndarray:
        """``(w, 4)`` log2-odds against a uniform background."""
        return np.log2(self.probs / 0.25)

    @property
    def information_content(self) -> float:
        """Total information content in bits (sum over positions)."""
        return float((self.probs * self.log_odds).sum())

    @property
    def consensus(self) -> str:
        """Most probable base at each position."""
        return "".join("ACGT"[i] for i in self.probs.argmax(axis=1))

    def __repr__(self) -> str:
        return f"Motif({self.name!r}, {self.matrix_id}, width={self.width}, consensus={self.consensus})"


@dataclass(frozen=True)
class TargetMotif:
    """The motif assigned to one DeepSEA target name, and how it was found."""

    target: str
    symbol: str
    motif: Motif | None
    how: str  # "name", "dimer", "partner <SYMBOL>" or "none"


# --------------------------------------------------------------------------- JASPAR


def _probabilities(counts: np.ndarray) -> np.ndarray:
    totals = counts.sum(axis=1, keepdims=True)
    probs = counts / np.where(totals > 0, totals, 1.0)
    return (1.0 - _UNIFORM_MIX) * probs + _UNIFORM_MIX * 0.25


@lru_cache(maxsize=2)
def _jaspar_records(release: str) -> tuple[tuple[Motif, str], ...]:
    """Every CORE vertebrate matrix of ``release`` (latest versions) with its species id."""
    import pyjaspar
    from pyjaspar import jaspardb

    available = list(getattr(pyjaspar, "jaspar_releases", {}))
    if release not in available:  # jaspardb() itself only prints on a bad release
        raise ValueError(f"JASPAR release {release!r} is not shipped by the installed pyjaspar; "
                         f"available: {', '.join(available)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        db = jaspardb(release=release)
        found = db.fetch_motifs(collection="CORE", tax_group="vertebrates")
    out = []
    for m in found:
        counts = np.array([m.counts[b] for b in "ACGT"], dtype=np.float64).T
        species = ",".join(str(s) for s in (m.species or []))
        out.append((Motif(str(m.name), str(m.matrix_id), _probabilities(counts)), species))
    out.sort(key=lambda rec: rec[0].matrix_id)
    return tuple(out)


def jaspar_motifs(release: str = JASPAR_RELEASE) -> list[Motif]:
    """All CORE vertebrate motifs of a JASPAR release (latest version of each matrix).

    Parameters
    ----------
    release : str, default :data:`JASPAR_RELEASE`
        A release shipped by ``pyjaspar`` (e.g. ``"JASPAR2024"``).

    Returns
    -------
    list of Motif
        Sorted by matrix id.
    """
    return [m for m, _ in _jaspar_records(release)]


def _rank(record: tuple[Motif, str]) -> tuple:
    """Sort key for several matrices of one factor: human, fits 100 bp, most informative."""
    motif, species = record
    return (_HUMAN not in species.split(","), motif.width > MAX_MOTIF_WIDTH,
            -round(motif.information_content, 6), motif.matrix_id)


def find_motif(symbol: str, release: str = JASPAR_RELEASE, *, allow_dimer: bool = True) -> tuple[Motif | None, str]:
    """The preferred JASPAR matrix for a gene symbol.

    Among several matrices of the same factor the order of preference is:
    a human matrix, one at most :data:`MAX_MOTIF_WIDTH` wide, the highest
    information content, then the lowest matrix id (so the choice is
    deterministic).

    Returns
    -------
    (Motif or None, str)
        The matrix and ``"name"`` (exact name match), ``"dimer"`` (a
        heterodimer ``A::B`` containing the symbol) or ``"none"``.
    """
    key = symbol.upper()
    records = _jaspar_records(release)
    exact = [r for r in records if r[0].name.upper() == key]
    if exact:
        return min(exact, key=_rank)[0], "name"
    if allow_dimer:
        dimers = [r for r in records if key in r[0].name.upper().split("::")]
        if dimers:
            return min(dimers, key=_rank)[0], "dimer"
    return None, "none"


# --------------------------------------------------------------------------- target names


def normalize_target(target: str) -> str:
    """DeepSEA target name -> gene symbol (upper case).

    Examples
    --------
    >>> [normalize_target(t) for t in ["c-Myc", "GATA-1", "NRSF", "eGFP-JunD", "Pol2(phosphoS2)", "PAX5-C20"]]
    ['MYC', 'GATA1', 'REST', 'JUND', 'POLR2A', 'PAX5']
    """
    name = target.strip()
    name = re.sub(r"^(eGFP|HA)-", "", name, flags=re.IGNORECASE)  # epitope tags
    name = re.sub(r"^c-", "", name)                                # c-Myc, c-Fos, c-Jun
    name = re.sub(r"\(.*\)$", "", name)                             # Pol2(b), Pol2(phosphoS2)
    name = re.sub(r"-(C20|N19|4H8)$", "", name)                     # antibody clones
    name = re.sub(r"k-20$", "", name)                               # Sin3Ak-20
    name = name.upper()
    name = re.sub(r"(?<=[A-Z])-(?=\d)", "", name)                   # GATA-1, USF-1, Egr-1
    return TARGET_ALIASES.get(name, name)


def target_motif(target: str, release: str = JASPAR_RELEASE) -> TargetMotif:
    """The motif a DeepSEA target binds (directly or through a partner), if any."""
    symbol = normalize_target(target)
    motif, how = find_motif(symbol, release)
    if motif is None and symbol in PARTNER_MOTIFS:
        motif, _ = find_motif(PARTNER_MOTIFS[symbol], release)
        how = f"partner {PARTNER_MOTIFS[symbol]}" if motif is not None else "none"
    return TargetMotif(target, symbol, motif, how)


# --------------------------------------------------------------------------- sampling


def sample_instances(motif: Motif, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` sequences from a PWM, every position independently.

    Returns
    -------
    numpy.ndarray
        ``uint8`` codes ``(n, w)`` (A=0 C=1 G=2 T=3), on the motif's own strand.
    """
    cumulative = np.cumsum(motif.probs, axis=1)[:, :3]
    u = rng.random((n, motif.width))
    return (u[:, :, None] >= cumulative[None, :, :]).sum(axis=2).astype(np.uint8)


# --------------------------------------------------------------------------- scanning


class MotifScanner:
    """Best match of every motif, on both strands, in every row of a code matrix.

    Motifs are grouped by width (up to 12 bases, longer); each group is
    zero-padded to its widest member and stacked, with the reverse
    complements, into one log-odds matrix, so scanning a chunk of rows is one
    matrix product over one-hot sliding windows. A fifth "outside" channel
    marks the padding after the sequence end with a large penalty, so a motif
    never scores a site that runs off the end.

    Parameters
    ----------
    motifs : sequence of Motif
        The ``M`` motifs to scan for.
    """

    _OUTSIDE = -1.0e4
    _SPLIT_WIDTH = 12

    def __init__(self, motifs) -> None:
        self.motifs = list(motifs)
        if not self.motifs:
            raise ValueError("MotifScanner needs at least one motif")
        self.widths = np.array([m.width for m in self.motifs], dtype=np.int64)
        self.max_width = int(self.widths.max())
        self._groups = []
        for members in (np.flatnonzero(self.widths <= self._SPLIT_WIDTH),
                        np.flatnonzero(self.widths > self._SPLIT_WIDTH)):
            if members.size == 0:
                continue
            width = int(self.widths[members].max())
            kernel = np.zeros((width, 5, 2, members.size), dtype=np.float32)
            for j, i in enumerate(members):
                m = self.motifs[i]
                lo = m.log_odds
                kernel[:m.width, :4, 0, j] = lo
                kernel[:m.width, :4, 1, j] = lo[::-1, ::-1]  # reverse complement: flip positions and ACGT
                kernel[:m.width, 4, :, j] = self._OUTSIDE
            self._groups.append((members, width, np.ascontiguousarray(kernel.reshape(width * 5, -1).T)))
        lo_all = [m.log_odds for m in self.motifs]
        self.max_scores = np.array([x.max(axis=1).sum() for x in lo_all])
        self.min_scores = np.array([x.min(axis=1).sum() for x in lo_all])

    def relative(self, scores: np.ndarray) -> np.ndarray:
        """Scores rescaled to ``[0, 1]`` between each motif's worst and best possible score."""
        return (scores - self.min_scores) / (self.max_scores - self.min_scores)

    def scan(self, codes: np.ndarray, chunk_rows: int = 1024) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Best score, start and strand of every motif in every row.

        Parameters
        ----------
        codes : numpy.ndarray
            ``uint8`` codes ``(N, L)``; N bases (4) score 0 at every motif position.
        chunk_rows : int
            Rows per matrix product (memory ~ ``chunk_rows * L * 2M * 4`` bytes).

        Returns
        -------
        best : numpy.ndarray
            ``float32`` ``(N, M)`` best log-odds score (bits); hugely negative
            where the motif is wider than the row.
        start : numpy.ndarray
            ``int16`` ``(N, M)`` leftmost position of the best site (the
            first one on ties, ``+`` strand first).
        strand : numpy.ndarray
            ``int8`` ``(N, M)``: ``+1`` or ``-1``.
        """
        codes = np.asarray(codes)
        if codes.ndim != 2:
            raise ValueError(f"codes must be 2-D (N, L), got shape {codes.shape}")
        n_rows, length = codes.shape
        n_motifs = len(self.motifs)
        best = np.empty((n_rows, n_motifs), dtype=np.float32)
        start = np.empty((n_rows, n_motifs), dtype=np.int16)
        strand = np.empty((n_rows, n_motifs), dtype=np.int8)
        for lo in range(0, n_rows, chunk_rows):
            part = codes[lo:lo + chunk_rows]
            m = part.shape[0]
            for members, width, kernel_t in self._groups:
                x = np.zeros((m, length + width - 1, 5), dtype=np.float32)
                x[:, :length, :4] = one_hot(part)
                x[:, length:, 4] = 1.0
                windows = sliding_window_view(x, (width, 5), axis=(1, 2))[:, :, 0].reshape(m * length, width * 5)
                # (2 strands * motifs, rows, positions): the position axis is contiguous, so argmax is cheap
                scores = (kernel_t @ windows.T).reshape(2, members.size, m, length)
                where = scores.argmax(axis=3)
                top = np.take_along_axis(scores, where[..., None], axis=3)[..., 0]
                plus = top[0] >= top[1]
                best[lo:lo + m, members] = np.where(plus, top[0], top[1]).T
                start[lo:lo + m, members] = np.where(plus, where[0], where[1]).T
                strand[lo:lo + m, members] = np.where(plus, 1, -1).T
        return best, start, strand
