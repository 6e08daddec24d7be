"""DeepSEA-sim: a SIMULATED stand-in for the DeepSEA bundle, written in DeepSEA's own file format.

The real DeepSEA training data (4.4 million labelled 1000-bp sequences) could
not be obtained for this book, so by default the chromatin chapters run on
**DeepSEA-sim**. Everything about it is simulated except the DNA: it is named
``deepsea-sim`` in every file, table and figure, and nothing learnt from it
says anything about real chromatin.

What is real
    The sequences are 1000-bp windows of human chromosome X (GRCh37, the
    bundled ``human_chrx_slice``) without any ``N``, centred on 200-bp bins
    that never overlap (as in DeepSEA). Training, validation and test windows
    come from disjoint regions: the slice is cut into 50-kb blocks, whole
    blocks are dealt to the splits, and no window crosses a block edge, so no
    base is shared between splits. The label
    names, and the per-feature positive rates the simulation aims for, are
    DeepSEA's own (``test_positive_fraction`` of the feature table).

What is simulated: the label grammar
    Labels depend only on the middle ``signal_width`` bases (100, the crop
    the paper trained on), through motif sites and sequence context:

    * **Motifs.** Each TF feature uses the JASPAR matrix of its target
      (:func:`genomenb.data.motifs.target_motif`); cohesin (RAD21, SMC3) uses
      CTCF's and so on. Every cell type has two or three *lineage* motifs
      (GATA1::TAL1 and NFE2 for K562, HNF4A / FOXA2 / CEBPB for liver cells,
      SPI1 / EBF1 / IRF4 for B cells, ..., :data:`LINEAGE_MOTIFS`), and six
      *ubiquitous* promoter/insulator motifs (CTCF, SP1, NRF1, NFYA, GABPA,
      YY1) open chromatin in every cell.
    * **Sites.** Each motif is planted into a random subset of windows (at a
      rate set from the highest positive rate of the features that use it),
      as a sequence sampled from its PWM (conditioned on reaching the strong
      threshold below, best of 32 draws), on a random strand, at a random
      position inside the middle window, never overlapping another planted
      site. The real DNA also contains genuine matches; they are treated
      exactly like planted ones: after planting, every motif is scanned over
      the middle window of every sequence, and its *site strength*
      ``h`` in ``[0, 1]`` ramps linearly from the score reached by 1% of
      background windows (``h = 0``) to the score reached by 0.2% (``h = 1``).
      Both thresholds come from scanning 20,000 unplanted background windows.
    * **Context.** CpG and GC counts of the middle window (z-scored on the
      background windows).
    * **Cell state.** Accessibility of a window in a cell type
      ``A = 3 * lineage sites + 0.5 * ubiquitous sites + 0.3 * CpG + z``,
      where ``z`` is unobservable Gaussian noise shared by all features of that
      cell type. This is what makes features of one cell type correlate
      beyond what the sequence explains, as in real data.
    * **Features.** The logit of feature ``f`` (target rate ``pi_f``) is
      ``alpha_f + delta_f * h_motif + weights . (A, lineage sites, CpG, GC, z)``
      with weights set by its role (:data:`ROLE_WEIGHTS`): DNase follows
      accessibility; a sequence-specific TF follows its site (``delta_f``) and,
      weakly, accessibility; promoter-bound factors without a motif (Pol2,
      TAF1, HDACs...) follow CpG and ubiquitous sites; co-activators (p300,
      BRG1...) follow lineage sites; Polycomb (EZH2, SUZ12) follows CpG away
      from open chromatin; histone marks follow their usual context (promoter
      marks CpG, H3K4me1 lineage enhancers, H3K9me3 AT-rich DNA, gene-body
      marks weakly GC). ``delta_f`` is calibrated so that about
      ``site_fraction`` (75%) of a TF's positives carry its site and
      ``alpha_f`` so that the expected positive rate over all generated
      windows equals ``pi_f``; labels are then Bernoulli draws. So some
      positives have no detectable site and some windows with a site are
      negative, as in ChIP-seq.

The bundle folder holds ``train.mat`` (MATLAB 7.3 / HDF5), ``valid.mat`` and
``test.mat`` (MATLAB v5) exactly as DeepSEA lays them out (one-hot channels
A G C T, no reverse-complement copies), plus ``ground_truth.h5`` with every
planted and genuine site (start in the window and in the middle window,
strand, score), the site strengths, the cell noise and the calibrated
grammar, for the saliency chapter. Generation is deterministic: the same
configuration and seed give byte-identical files on the same machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from genomenb.data import registry
from genomenb.data.deepsea import SPLITS, cache_root, load_subset, write_mat5, write_mat73
from genomenb.data.errors import DataError
from genomenb.data.features import load_features
from genomenb.data.motifs import JASPAR_RELEASE, Motif, MotifScanner, find_motif, sample_instances, target_motif

__all__ = [
    "SIM_SOURCE",
    "SIM_DESCRIPTION",
    "SimConfig",
    "LINEAGE_MOTIFS",
    "UBIQUITOUS_MOTIFS",
    "ROLE_WEIGHTS",
    "Grammar",
    "build_grammar",
    "generate_bundle",
    "ensure_bundle",
    "load_sim_subset",
    "load_chromatin_data",
    "GroundTruth",
    "read_ground_truth",
]

SIM_SOURCE = "deepsea-sim"
SIM_DESCRIPTION = ("DeepSEA-sim (SIMULATED labels): real human chrX DNA (GRCh37), 919 DeepSEA feature names, "
                   "labels from planted JASPAR motifs and sequence context")
_GENOME = "human_chrx_slice"
_BIN = 200
_BLOCK = 50_000  # regions dealt to train / valid / test
_BACKGROUND_WINDOWS = 20_000
_BACKGROUND_SEED = 20150817  # fixed: thresholds are part of the grammar, not of a sample
_CANDIDATES = 32  # PWM draws per planted site (the first strong one is kept)

#: Motifs that open chromatin in every cell type (promoters, insulators).
UBIQUITOUS_MOTIFS = ("CTCF", "SP1", "NRF1", "NFYA", "GABPA", "YY1")

#: Lineage -> the motifs of its master regulators (JASPAR names).
LINEAGE_MOTIFS: dict[str, tuple[str, ...]] = {
    "erythroid": ("GATA1::TAL1", "NFE2"),
    "liver": ("HNF4A", "FOXA2", "CEBPB"),
    "b_cell": ("SPI1", "EBF1", "IRF4"),
    "myeloid": ("SPI1", "CEBPA"),
    "t_cell": ("RUNX3", "TCF7"),
    "pluripotent": ("Pou5f1::Sox2", "TEAD4"),
    "cervix": ("FOS::JUN", "TEAD4"),
    "lung": ("FOXA1", "CEBPB", "NR3C1"),
    "breast": ("FOXA1", "GATA3", "ESR1"),
    "endothelial": ("ERG", "SOX17"),
    "fibroblast": ("FOS::JUN", "TEAD1", "RUNX1"),
    "muscle": ("MEF2A", "SRF"),
    "epithelial": ("TP63", "KLF5"),
    "colon": ("CDX2", "HNF4A"),
    "neural": ("PHOX2B", "HAND2"),
    "glia": ("NFIA", "SOX9"),
    "melanocyte": ("MITF", "SOX10"),
    "pancreas": ("FOXA2", "HNF1B"),
    "prostate": ("FOXA1", "AR"),
    "bone": ("RUNX2", "FOS::JUN"),
    "kidney": ("HNF1B", "TEAD1"),
    "trophoblast": ("TFAP2C", "GATA3"),
    "other": ("FOS::JUN", "CEBPB"),
}

# cell_group -> lineage; groups not listed fall back to _LINEAGE_PREFIXES, then "other".
_CELL_LINEAGE = {
    "k562": "erythroid", "cmk": "erythroid",
    "hepg2": "liver", "hepatocytes": "liver", "huh7": "liver", "huh75": "liver",
    "cd20": "b_cell", "cll": "b_cell",
    "nb4": "myeloid", "hl60": "myeloid", "monocytescd14ro01746": "myeloid", "cd34mobilized": "myeloid",
    "jurkat": "t_cell", "th1": "t_cell", "th2": "t_cell", "adultcd4th0": "t_cell",
    "h1hesc": "pluripotent", "h7hesc": "pluripotent", "h9es": "pluripotent", "ips": "pluripotent",
    "nt2d1": "pluripotent",
    "helas3": "cervix", "a549": "lung",
    "mcf7": "breast", "t47d": "breast", "ecc1": "breast", "ishikawa": "breast",
    "huvec": "endothelial", "hpaec": "endothelial", "hbmec": "endothelial", "hrgec": "endothelial",
    "aosmc": "muscle", "hsmm": "muscle", "hsmmemb": "muscle", "hsmmtube": "muscle", "skmc": "muscle",
    "myometr": "muscle", "hcm": "muscle",
    "nhek": "epithelial", "saec": "epithelial", "hmec": "epithelial", "mcf10aersrc": "epithelial",
    "haepic": "epithelial", "hcpepic": "epithelial", "heepic": "epithelial", "hipepic": "epithelial",
    "hnpcepic": "epithelial", "phte": "epithelial", "urothelia": "epithelial", "hconf": "epithelial",
    "caco2": "colon", "hct116": "colon",
    "sknsh": "neural", "sknshra": "neural", "be2c": "neural", "sknmc": "neural", "pfsk1": "neural",
    "medullo": "neural", "werirb1": "neural",
    "nha": "glia", "hah": "glia", "hasp": "glia", "hac": "glia", "gliobla": "glia",
    "melano": "melanocyte",
    "panc1": "pancreas", "panislets": "pancreas", "panisletd": "pancreas", "hpaf": "pancreas",
    "8988t": "pancreas", "hpde6e6e7": "pancreas",
    "lncap": "prostate", "rwpe1": "prostate", "prec": "prostate",
    "osteoblasts": "bone",
    "hek293": "kidney", "hek293trex": "kidney", "rptec": "kidney", "hrcepic": "kidney", "hre": "kidney",
    "dnd41": "t_cell", "raji": "b_cell", "pbde": "erythroid", "pbdefetal": "erythroid", "u87": "glia",
    "shsy5y": "neural", "u2os": "bone", "hrpepic": "epithelial", "chorion": "trophoblast", "htr8svn": "trophoblast",
}
_LINEAGE_PREFIXES = (("gm", "b_cell"), ("hmvec", "endothelial"), ("nhdf", "fibroblast"), ("ag0", "fibroblast"),
                     ("ag1", "fibroblast"))
_FIBROBLASTS = {"nhlf", "imr90", "wi38", "bj", "hff", "hffmyc", "hcf", "hcfaa", "hpf", "hgf", "progfib",
                "fibrop", "fibrobl", "aoaf", "hvmf", "hmf", "hpdlf", "stellate"}

#: Role -> weights of (accessibility A, lineage sites, CpG z, GC z, cell noise z) in a feature's logit.
ROLE_WEIGHTS: dict[str, tuple[float, float, float, float, float]] = {
    "dnase": (1.5, 0.0, 0.0, 0.0, 0.0),
    "tf_motif": (0.6, 0.0, 0.2, 0.0, 0.0),
    "tf_promoter": (1.0, 0.0, 1.0, 0.0, 0.0),      # + 1.2 x ubiquitous sites, see _UBIQ_PROMOTER
    "tf_enhancer": (1.2, 0.6, 0.0, 0.0, 0.0),
    "tf_polycomb": (-0.5, 0.0, 1.2, 0.0, 0.6),
    "histone_promoter": (1.0, 0.0, 1.0, 0.0, 0.0),  # + ubiquitous sites
    "histone_enhancer": (1.2, 0.6, -0.2, 0.0, 0.0),
    "histone_polycomb": (-0.4, 0.0, 0.8, 0.0, 0.6),
    "histone_heterochromatin": (0.0, 0.0, 0.0, -0.8, 0.8),
    "histone_genebody": (0.4, 0.0, 0.0, 0.3, 0.3),
}
_UBIQ_PROMOTER = 1.2  # weight of ubiquitous sites for the promoter roles
_ACCESS = (3.0, 0.5, 0.3, 1.0)  # A = lineage, ubiquitous, CpG, cell noise
_ENHANCER_FACTORS = {"EP300", "SMARCA4", "SMARCB1", "SMARCC1", "SMARCC2", "BCL3", "CTBP2", "ZNF217",
                     "TBL1XR1", "PGC1A", "HDAC8"}
_POLYCOMB_FACTORS = {"EZH2", "SUZ12"}
_HISTONE_ROLES = {"H3K4me1": "histone_enhancer", "H3K27me3": "histone_polycomb", "H3K9me3": "histone_heterochromatin",
                  "H3K36me3": "histone_genebody", "H3K79me2": "histone_genebody", "H3K79me1": "histone_genebody",
                  "H4K20me1": "histone_genebody", "H3K9me1": "histone_genebody", "H3K23me2": "histone_genebody"}


@dataclass(frozen=True)
class SimConfig:
    """Everything that determines a DeepSEA-sim bundle (its cache key).

    Attributes
    ----------
    n_train, n_valid, n_test : int
        Sequences per split (book default: the paper's subset sizes).
    window : int
        Stored sequence length (DeepSEA: 1000).
    signal_width : int
        Middle bases the labels depend on (the paper's crop: 100).
    seed : int
    site_fraction : float
        Target share of a TF feature's positives that carry its motif site.
    strong_rate, weak_rate : float
        Fractions of background windows whose best match reaches ``h = 1`` and
        ``h > 0`` (set the score thresholds of every motif).
    jaspar_release : str
    """

    n_train: int = 80_000
    n_valid: int = 2_000
    n_test: int = 8_000
    window: int = 1000
    signal_width: int = 100
    seed: int = 0
    site_fraction: float = 0.75
    strong_rate: float = 0.002
    weak_rate: float = 0.01
    jaspar_release: str = JASPAR_RELEASE

    def __post_init__(self) -> None:
        for name in ("n_train", "n_valid", "n_test"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")
        if not (_BIN <= self.window and 30 <= self.signal_width <= self.window):
            raise ValueError(f"need 30 <= signal_width <= window and window >= {_BIN}")
        if not 0 < self.site_fraction < 1:
            raise ValueError("site_fraction must be in (0, 1)")
        if not 0 < self.strong_rate < self.weak_rate < 0.5:
            raise ValueError("need 0 < strong_rate < weak_rate < 0.5")

    @property
    def sizes(self) -> dict[str, int]:
        return {"train": self.n_train, "valid": self.n_valid, "test": self.n_test}

    @property
    def signal_start(self) -> int:
        """Offset of the label-determining middle window inside the stored window."""
        return (self.window - self.signal_width) // 2

    def key(self) -> str:
        """Cache key: the configuration, the generator's source code and the input data checksums."""
        parts = {"config": asdict(self), "source": _source_digest(),
                 "genome": registry.get(_GENOME).file().sha256,
                 "features": registry.get("deepsea_features").file().sha256}
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def _source_digest() -> str:
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in ("deepsea_sim.py", "motifs.py", "deepsea.py", "../encode.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()


# --------------------------------------------------------------------------- the grammar


def cell_lineage(group: str) -> str:
    """Lineage of a normalised cell type (:func:`genomenb.data.features.cell_group`)."""
    if group in _CELL_LINEAGE:
        return _CELL_LINEAGE[group]
    if group in _FIBROBLASTS:
        return "fibroblast"
    for prefix, lineage in _LINEAGE_PREFIXES:
        if group.startswith(prefix):
            return lineage
    return "other"


def _role(kind: str, target: str, symbol: str, has_motif: bool) -> str:
    if kind == "DNase":
        return "dnase"
    if kind == "Histone":
        return _HISTONE_ROLES.get(target, "histone_promoter")
    if has_motif:
        return "tf_motif"
    if symbol in _ENHANCER_FACTORS:
        return "tf_enhancer"
    if symbol in _POLYCOMB_FACTORS:
        return "tf_polycomb"
    return "tf_promoter"


@dataclass
class Grammar:
    """The label grammar: motifs, cell types, and one row of parameters per feature.

    Arrays are indexed by motif ``m`` (``M`` motifs), cell type ``c`` or
    feature ``f`` (919). ``alpha`` and ``delta`` are filled in by calibration.
    """

    motifs: list[Motif]
    plant_rate: np.ndarray        # (M,) fraction of windows a motif is planted into
    ubiquitous: np.ndarray        # indices of UBIQUITOUS_MOTIFS
    cells: list[str]              # cell groups
    cell_lineages: list[str]
    cell_motifs: list[tuple[int, ...]]
    feature_motif: np.ndarray     # (919,) motif index or -1
    feature_motif_how: list[str]
    feature_role: list[str]
    feature_cell: np.ndarray      # (919,) cell index
    weights: np.ndarray           # (919, 5) ROLE_WEIGHTS
    ubiq_weight: np.ndarray       # (919,)
    target_rate: np.ndarray       # (919,)
    alpha: np.ndarray | None = None
    delta: np.ndarray | None = None

    def table(self, features):
        """One row per feature: kind, target, role, motif, cell lineage, target rate, calibrated offsets."""
        import pandas as pd

        names = [self.motifs[m].name if m >= 0 else "" for m in self.feature_motif]
        ids = [self.motifs[m].matrix_id if m >= 0 else "" for m in self.feature_motif]
        return pd.DataFrame({
            "kind": features["kind"].to_numpy(), "cell_type": features["cell_type"].to_numpy(),
            "target": features["target"].to_numpy(), "role": self.feature_role, "motif": names,
            "matrix_id": ids, "motif_source": self.feature_motif_how,
            "lineage": [self.cell_lineages[c] for c in self.feature_cell],
            "lineage_motifs": [", ".join(self.motifs[m].name for m in self.cell_motifs[c]) for c in self.feature_cell],
            "target_rate": self.target_rate,
            "alpha": self.alpha if self.alpha is not None else np.nan,
            "delta": self.delta if self.delta is not None else np.nan,
        })


def build_grammar(features=None, release: str = JASPAR_RELEASE, site_fraction: float = 0.75) -> Grammar:
    """Assign motifs, lineages and roles to the 919 features (no randomness, no calibration yet)."""
    features = load_features() if features is None else features
    motifs: list[Motif] = []
    index: dict[str, int] = {}

    def add(motif: Motif) -> int:
        if motif.matrix_id not in index:
            index[motif.matrix_id] = len(motifs)
            motifs.append(motif)
        return index[motif.matrix_id]

    n = len(features)
    feature_motif = np.full(n, -1, dtype=np.int64)
    how = ["none"] * n
    roles = []
    symbols = []
    for f, (kind, target) in enumerate(zip(features["kind"], features["target"])):
        symbol = ""
        if kind == "TF":
            tm = target_motif(target, release)
            symbol = tm.symbol
            if tm.motif is not None:
                feature_motif[f] = add(tm.motif)
                how[f] = tm.how
        symbols.append(symbol)
        roles.append(_role(kind, target, symbol, feature_motif[f] >= 0))
    ubiquitous = np.array([add(_required(name, release)) for name in UBIQUITOUS_MOTIFS], dtype=np.int64)
    cells = sorted(set(features["cell_group"]))
    lineages = [cell_lineage(c) for c in cells]
    cell_motifs = [tuple(add(_required(name, release)) for name in LINEAGE_MOTIFS[lin]) for lin in lineages]
    cell_index = {c: i for i, c in enumerate(cells)}
    feature_cell = np.array([cell_index[c] for c in features["cell_group"]], dtype=np.int64)
    target_rate = features["test_positive_fraction"].to_numpy(dtype=np.float64).copy()
    target_rate[~np.isfinite(target_rate)] = 0.0
    # plant a motif often enough that site_fraction of its busiest feature's positives can carry it
    plant = np.zeros(len(motifs))
    for f in np.flatnonzero(feature_motif >= 0):
        m = feature_motif[f]
        plant[m] = max(plant[m], 1.3 * site_fraction * target_rate[f])
    for m in {m for ms in cell_motifs for m in ms}:
        plant[m] = max(plant[m], 0.02)
    for m in ubiquitous:
        plant[m] = max(plant[m], 0.015)
    plant = np.clip(plant, 0.004, 0.10)
    weights = np.array([ROLE_WEIGHTS[r] for r in roles], dtype=np.float64)
    ubiq_weight = np.array([_UBIQ_PROMOTER if r in ("tf_promoter", "histone_promoter") else 0.0 for r in roles])
    return Grammar(motifs, plant, ubiquitous, cells, lineages, cell_motifs, feature_motif, how, roles,
                   feature_cell, weights, ubiq_weight, target_rate)


def _required(name: str, release: str) -> Motif:
    motif, _ = find_motif(name, release, allow_dimer=False)
    if motif is None:
        raise ValueError(f"JASPAR {release} has no matrix named {name!r}")
    return motif


# --------------------------------------------------------------------------- windows


@lru_cache(maxsize=1)
def _genome_codes() -> np.ndarray:
    """The chrX slice as codes (read-only, kept for the process: several bundles reuse it)."""
    from genomenb.data.fasta import load_genome
    from genomenb.encode import to_codes

    codes = to_codes(load_genome(_GENOME)[0].sequence)
    codes.setflags(write=False)
    return codes


def _choose_windows(codes: np.ndarray, config: SimConfig) -> dict[str, np.ndarray]:
    """Start coordinates of every split's windows: N-free, disjoint regions, 200-bp bins.

    The slice is cut into 50-kb blocks and whole blocks are dealt to the
    splits (seeded, in proportion to the split sizes), so each split samples
    the whole chromosome's variety (GC-rich and AT-rich stretches) while the
    regions stay disjoint: a window must lie inside one block, so windows of
    different splits never share a base. Within its blocks a split draws
    windows centred on distinct 200-bp bins without replacement, kept in
    chromosome order (as in DeepSEA's files).
    """
    w = config.window
    centers = np.arange(w // 2, codes.size - w // 2, _BIN, dtype=np.int64)
    starts = centers - w // 2
    starts = starts[_n_free(codes, starts, w) & (starts // _BLOCK == (starts + w - 1) // _BLOCK)]
    total = sum(config.sizes.values())
    if total > starts.size // 2:
        raise ValueError(f"DeepSEA-sim can place at most {starts.size // 2} windows on the chromosome slice, "
                         f"{total} were requested")
    block = starts // _BLOCK
    blocks = np.unique(block)
    share = np.array([config.sizes[s] for s in SPLITS], dtype=np.float64) / total
    counts = np.maximum(1, np.floor(share * blocks.size).astype(np.int64))
    counts[0] = blocks.size - counts[1:].sum()
    rng = np.random.default_rng([config.seed, 1])
    owner = rng.permutation(np.repeat(np.arange(len(SPLITS)), counts))
    split_of = owner[np.searchsorted(blocks, block)]
    out = {}
    for k, split in enumerate(SPLITS):
        inside = starts[split_of == k]
        need = config.sizes[split]
        if need > inside.size:
            raise ValueError(f"not enough clean windows for {split}: {inside.size} < {need}")
        out[split] = np.sort(rng.choice(inside, size=need, replace=False))
    return out


def _background_sample(codes: np.ndarray, config: SimConfig) -> np.ndarray:
    """Middle windows of 20,000 random N-free windows anywhere on the slice (fixed seed)."""
    rng = np.random.default_rng(_BACKGROUND_SEED)
    s = config.signal_width
    cand = rng.integers(0, codes.size - s, size=3 * _BACKGROUND_WINDOWS)
    cand = cand[_n_free(codes, cand, s)][:_BACKGROUND_WINDOWS]
    return _cut(codes, cand, s)


@lru_cache(maxsize=4)
def _background_scales(signal_width: int, strong_rate: float, weak_rate: float,
                       release: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Motif score thresholds (weak, strong) and CpG/GC scale from unplanted background windows."""
    config = SimConfig(signal_width=signal_width, strong_rate=strong_rate, weak_rate=weak_rate,
                       jaspar_release=release)
    background = _background_sample(_genome_codes(), config)
    scanner = MotifScanner(build_grammar(release=release).motifs)
    best, _, _ = scanner.scan(background)
    tau_hi = np.quantile(best, 1 - strong_rate, axis=0)
    tau_lo = np.quantile(best, 1 - weak_rate, axis=0)
    tau_hi = np.maximum(tau_hi, tau_lo + 1e-3)
    ctx = _context(background)
    return tau_lo, tau_hi, ctx.mean(axis=0), ctx.std(axis=0) + 1e-6


def _n_free(codes: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
    """Which windows ``[start, start + width)`` hold no N (binary search in the N positions)."""
    n_pos = np.flatnonzero(codes == 4)
    return np.searchsorted(n_pos, starts + width) == np.searchsorted(n_pos, starts)


def _cut(codes: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
    """Rows ``codes[start:start + width]`` as one ``(n, width)`` array (no index temporaries)."""
    return np.lib.stride_tricks.sliding_window_view(codes, width)[starts]


def _context(signal: np.ndarray) -> np.ndarray:
    """CpG and GC counts of each row, ``float32`` ``(n, 2)``."""
    cpg = ((signal[:, :-1] == 1) & (signal[:, 1:] == 2)).sum(axis=1)
    gc = ((signal == 1) | (signal == 2)).sum(axis=1)
    return np.stack([cpg, gc], axis=1).astype(np.float32)


# --------------------------------------------------------------------------- planting


def _plant(signal: np.ndarray, grammar: Grammar, scanner: MotifScanner, tau_hi: np.ndarray,
           rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Plant motif sites into ``signal`` (modified in place); return the planted-site table."""
    n, s = signal.shape
    busy = np.zeros((n, s), dtype=bool)
    rows, motif_ids, starts, strands, scores = [], [], [], [], []
    for m, motif in enumerate(grammar.motifs):
        chosen = np.flatnonzero(rng.random(n) < grammar.plant_rate[m])
        if chosen.size == 0:
            continue
        w = motif.width
        # best-of-32 PWM draws, preferring the first that reaches the strong threshold
        draws = sample_instances(motif, chosen.size * _CANDIDATES, rng).reshape(chosen.size, _CANDIDATES, w)
        lo = motif.log_odds
        draw_scores = lo[np.arange(w), draws].sum(axis=2)
        strong = draw_scores >= tau_hi[m]
        pick = np.where(strong.any(axis=1), strong.argmax(axis=1), draw_scores.argmax(axis=1))
        site = draws[np.arange(chosen.size), pick]
        site_score = draw_scores[np.arange(chosen.size), pick]
        strand = np.where(rng.random(chosen.size) < 0.5, 1, -1).astype(np.int8)
        site = np.where(strand[:, None] == 1, site, 3 - site[:, ::-1])
        # a free position: eight random tries, the first whose bases are all free wins
        tries = rng.integers(0, s - w + 1, size=(chosen.size, 8))
        cum = np.concatenate([np.zeros((chosen.size, 1), np.int32), np.cumsum(busy[chosen], axis=1, dtype=np.int32)],
                             axis=1)
        taken = np.take_along_axis(cum, tries + w, axis=1) - np.take_along_axis(cum, tries, axis=1)
        ok = taken == 0
        placed = ok.any(axis=1)
        start = tries[np.arange(chosen.size), ok.argmax(axis=1)]
        chosen, site, start, strand, site_score = (a[placed] for a in (chosen, site, start, strand, site_score))
        pos = start[:, None] + np.arange(w)
        signal[chosen[:, None], pos] = site
        busy[chosen[:, None], pos] = True
        rows.append(chosen)
        motif_ids.append(np.full(chosen.size, m, dtype=np.int16))
        starts.append(start.astype(np.int16))
        strands.append(strand)
        scores.append(site_score.astype(np.float32))
    cat = lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.empty(0, dt)  # noqa: E731
    return {"row": cat(rows, np.int32), "motif": cat(motif_ids, np.int16), "start": cat(starts, np.int16),
            "strand": cat(strands, np.int8), "score": cat(scores, np.float32)}


# --------------------------------------------------------------------------- labels


def _site_strength(best: np.ndarray, tau_lo: np.ndarray, tau_hi: np.ndarray) -> np.ndarray:
    return np.clip((best - tau_lo) / (tau_hi - tau_lo), 0.0, 1.0).astype(np.float32)


def _accessibility(h: np.ndarray, ctx_z: np.ndarray, noise: np.ndarray,
                   grammar: Grammar) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(A, lineage sites, ubiquitous sites) for every window and cell type."""
    ubiq = h[:, grammar.ubiquitous].sum(axis=1)
    lineage = np.stack([h[:, list(ms)].sum(axis=1) for ms in grammar.cell_motifs], axis=1)
    a_lin, a_ubiq, a_cpg, a_noise = _ACCESS
    access = a_lin * lineage + (a_ubiq * ubiq + a_cpg * ctx_z[:, 0])[:, None] + a_noise * noise
    return access.astype(np.float32), lineage.astype(np.float32), ubiq.astype(np.float32)


def _feature_base(feats: np.ndarray, grammar: Grammar, h: np.ndarray, ctx_z: np.ndarray, noise: np.ndarray,
                  access: np.ndarray, lineage: np.ndarray, ubiq: np.ndarray) -> np.ndarray:
    """Logit of ``feats`` without alpha and the motif term, ``float32`` ``(n, len(feats))``."""
    cell = grammar.feature_cell[feats]
    w = grammar.weights[feats].astype(np.float32)
    base = w[:, 0] * access[:, cell] + w[:, 1] * lineage[:, cell] + w[:, 4] * noise[:, cell]
    base += w[:, 2] * ctx_z[:, :1] + w[:, 3] * ctx_z[:, 1:2]
    base += grammar.ubiq_weight[feats].astype(np.float32) * ubiq[:, None]
    return base


def _solve_offset(base: np.ndarray, rate: np.ndarray, mask: np.ndarray | None = None, iters: int = 40) -> np.ndarray:
    """Per column, the offset ``a`` with ``mean(sigmoid(a + base)) = rate`` over the masked rows (Newton)."""
    rate = np.clip(rate, 1e-7, 1 - 1e-7)
    count = base.shape[0] if mask is None else np.maximum(mask.sum(axis=0), 1)
    start = base.mean(axis=0) if mask is None else (base * mask).sum(axis=0) / count
    a = (np.log(rate / (1 - rate)) - start).astype(np.float64)
    p = np.empty_like(base)
    dp = np.empty_like(base)
    for _ in range(iters):
        np.add(base, a.astype(np.float32), out=p)
        np.negative(p, out=p)
        with np.errstate(over="ignore"):
            np.exp(p, out=p)
        p += 1.0
        np.reciprocal(p, out=p)  # sigmoid
        np.multiply(p, p, out=dp)
        np.subtract(p, dp, out=dp)  # p (1 - p)
        if mask is not None:
            p *= mask
            dp *= mask
        mean = p.sum(axis=0, dtype=np.float64) / count
        slope = np.maximum(dp.sum(axis=0, dtype=np.float64) / count, 1e-12)
        a -= np.clip((mean - rate) / slope, -4, 4)
        if np.all(np.abs(mean - rate) <= 1e-6 * rate):
            break
    return a


def _calibrate(grammar: Grammar, h: np.ndarray, base_fn, n: int, site_fraction: float,
               rng: np.random.Generator) -> None:
    """Fill ``grammar.alpha`` and ``grammar.delta`` so each feature hits its target rate."""
    n_feat = len(grammar.target_rate)
    alpha = np.zeros(n_feat)
    delta = np.zeros(n_feat)
    sub = np.sort(rng.choice(n, size=min(n, 30_000), replace=False))  # offsets of the two groups
    for lo in range(0, n_feat, 64):
        feats = np.arange(lo, min(lo + 64, n_feat))
        base = base_fn(feats)
        rate = grammar.target_rate[feats]
        motif = grammar.feature_motif[feats]
        has = motif >= 0
        hm = np.zeros_like(base)
        if has.any():
            hm[:, has] = h[:, motif[has]]
            hs, bs = hm[sub], base[sub]
            strong = (hs >= 1.0).astype(np.float32)
            none = (hs <= 0.0).astype(np.float32)
            share1 = np.maximum(strong.mean(axis=0), 1e-6)
            share0 = np.maximum(none.mean(axis=0), 1e-6)
            r1 = np.clip(site_fraction * rate / share1, 1e-7, 0.9)
            r0 = np.clip((1 - site_fraction) * rate / share0, 1e-7, 0.9)
            a1 = _solve_offset(bs, r1, strong)
            a0 = _solve_offset(bs, r0, none)
            enough = strong.sum(axis=0) >= 5  # too few strong windows: no reliable site effect
            d = np.where(has & enough, np.clip(a1 - a0, 0.0, 12.0), 0.0)
        else:
            d = np.zeros(len(feats))
        logit = base + (d.astype(np.float32) * hm)
        a = _solve_offset(logit, rate)
        zero = rate <= 0
        a[zero] = -np.inf
        alpha[feats] = a
        delta[feats] = d
    grammar.alpha, grammar.delta = alpha, delta


# --------------------------------------------------------------------------- generation


def _stage_seed(config: SimConfig, stage: int) -> np.random.Generator:
    return np.random.default_rng([config.seed, stage])


def generate_bundle(config: SimConfig, out_dir: str | os.PathLike, *, progress: bool = False) -> Path:
    """Generate a DeepSEA-sim bundle into ``out_dir`` (created; must not exist yet).

    Returns
    -------
    pathlib.Path
        ``out_dir`` holding ``train.mat``, ``valid.mat``, ``test.mat``,
        ``ground_truth.h5`` and ``README.txt``.
    """
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=False)

    def say(msg: str) -> None:
        if progress:
            print(f"[DeepSEA-sim {time.perf_counter() - t0:5.1f} s] {msg}", flush=True)

    features = load_features()
    grammar = build_grammar(features, config.jaspar_release, config.site_fraction)
    scanner = MotifScanner(grammar.motifs)
    genome = _genome_codes()
    say(f"grammar: {len(grammar.motifs)} motifs, {len(grammar.cells)} cell types; genome loaded")

    tau_lo, tau_hi, ctx_mean, ctx_std = _background_scales(config.signal_width, config.strong_rate,
                                                           config.weak_rate, config.jaspar_release)

    starts = _choose_windows(genome, config)
    sizes = config.sizes
    offsets = np.cumsum([0] + [sizes[s] for s in SPLITS])
    all_starts = np.concatenate([starts[s] for s in SPLITS])
    n = all_starts.size
    windows = _cut(genome, all_starts, config.window)
    del genome
    s0, sw = config.signal_start, config.signal_width
    signal = np.ascontiguousarray(windows[:, s0:s0 + sw])
    planted = _plant(signal, grammar, scanner, tau_hi, _stage_seed(config, 2))
    windows[:, s0:s0 + sw] = signal
    say(f"{n:,} windows chosen, {planted['row'].size:,} sites planted")

    best, best_start, best_strand = scanner.scan(signal)
    h = _site_strength(best, tau_lo, tau_hi)
    ctx_z = ((_context(signal) - ctx_mean) / ctx_std).astype(np.float32)
    noise = _stage_seed(config, 3).standard_normal((n, len(grammar.cells)), dtype=np.float32)
    access, lineage, ubiq = _accessibility(h, ctx_z, noise, grammar)

    def base_fn(feats):
        return _feature_base(feats, grammar, h, ctx_z, noise, access, lineage, ubiq)

    _calibrate(grammar, h, base_fn, n, config.site_fraction, _stage_seed(config, 4))
    say("grammar calibrated to the DeepSEA positive rates")

    labels = np.zeros((n, len(grammar.target_rate)), dtype=np.uint8)
    label_rng = _stage_seed(config, 5)
    for lo in range(0, labels.shape[1], 64):
        feats = np.arange(lo, min(lo + 64, labels.shape[1]))
        logit = base_fn(feats)
        motif = grammar.feature_motif[feats]
        has = motif >= 0
        if has.any():
            logit[:, has] += grammar.delta[feats][has].astype(np.float32) * h[:, motif[has]]
        with np.errstate(over="ignore"):
            p = 1.0 / (1.0 + np.exp(-(logit + grammar.alpha[feats].astype(np.float32))))
        labels[:, feats] = label_rng.random(p.shape, dtype=np.float32) < p
    say("labels drawn")

    # the three files, in DeepSEA's layout
    tr = slice(offsets[0], offsets[1])
    block = 4096
    idx = range(tr.start, tr.stop, block)
    write_mat73(out / "train.mat", "train", (windows[i:min(i + block, tr.stop)] for i in idx),
                (labels[i:min(i + block, tr.stop)] for i in idx), sizes["train"], config.window,
                header="MATLAB 7.3 MAT-file, DeepSEA-sim (SIMULATED data) written by genomenb. HDF5 schema 1.00 .")
    for k, split in ((1, "valid"), (2, "test")):
        part = slice(offsets[k], offsets[k + 1])
        write_mat5(out / f"{split}.mat", split, windows[part], labels[part],
                   header="MATLAB 5.0 MAT-file, DeepSEA-sim (SIMULATED data) written by genomenb")
    say("bundle files written")

    _write_ground_truth(out / "ground_truth.h5", config, grammar, planted, starts, offsets, h, best,
                        best_start, best_strand, tau_lo, tau_hi, ctx_z, noise, labels)
    (out / "README.txt").write_text(
        f"{SIM_DESCRIPTION}\n\nSIMULATED DATA: generated by genomenb.data.deepsea_sim with\n"
        f"{json.dumps(asdict(config), indent=2)}\n\nThese files mimic the layout of the DeepSEA training bundle "
        "(train.mat MATLAB 7.3, valid.mat and test.mat MATLAB v5, one-hot A G C T, 919 labels).\n"
        "The DNA is real (human chrX, GRCh37); the labels are not.\n", encoding="utf-8")
    say("done")
    return out


def _write_ground_truth(path: Path, config: SimConfig, grammar: Grammar, planted: Mapping[str, np.ndarray],
                        starts: Mapping[str, np.ndarray], offsets: np.ndarray, h: np.ndarray, best: np.ndarray,
                        best_start: np.ndarray, best_strand: np.ndarray, tau_lo: np.ndarray, tau_hi: np.ndarray,
                        ctx_z: np.ndarray, noise: np.ndarray, labels: np.ndarray) -> None:
    import h5py

    s0 = config.signal_start
    kw = {"track_times": False}
    ckw = {"compression": "gzip", "compression_opts": 4, "track_times": False}
    with h5py.File(path, "w", libver="earliest") as f:
        f.attrs["description"] = SIM_DESCRIPTION
        f.attrs["simulated"] = True
        f.attrs["config"] = json.dumps(asdict(config), sort_keys=True)
        f.attrs["window"] = config.window
        f.attrs["signal_start"] = s0
        f.attrs["signal_width"] = config.signal_width
        f.attrs["genome"] = f"{_GENOME} (GRCh37 chrX, first 70 Mb)"
        g = f.create_group("motifs", track_order=False)
        wmax = max(m.width for m in grammar.motifs)
        probs = np.zeros((len(grammar.motifs), wmax, 4))
        for i, m in enumerate(grammar.motifs):
            probs[i, :m.width] = m.probs
        g.create_dataset("name", data=np.array([m.name for m in grammar.motifs], dtype="S"), **kw)
        g.create_dataset("matrix_id", data=np.array([m.matrix_id for m in grammar.motifs], dtype="S"), **kw)
        g.create_dataset("width", data=np.array([m.width for m in grammar.motifs], dtype=np.int16), **kw)
        g.create_dataset("probs", data=probs, **kw)
        g.create_dataset("plant_rate", data=grammar.plant_rate, **kw)
        g.create_dataset("score_weak", data=tau_lo, **kw)
        g.create_dataset("score_strong", data=tau_hi, **kw)
        g.create_dataset("ubiquitous", data=grammar.ubiquitous, **kw)
        g = f.create_group("cells")
        g.create_dataset("name", data=np.array(grammar.cells, dtype="S"), **kw)
        g.create_dataset("lineage", data=np.array(grammar.cell_lineages, dtype="S"), **kw)
        cm = np.full((len(grammar.cells), 3), -1, dtype=np.int16)
        for i, ms in enumerate(grammar.cell_motifs):
            cm[i, :len(ms)] = ms
        g.create_dataset("motifs", data=cm, **kw)
        g = f.create_group("features")
        g.create_dataset("motif", data=grammar.feature_motif, **kw)
        g.create_dataset("motif_source", data=np.array(grammar.feature_motif_how, dtype="S"), **kw)
        g.create_dataset("role", data=np.array(grammar.feature_role, dtype="S"), **kw)
        g.create_dataset("cell", data=grammar.feature_cell, **kw)
        g.create_dataset("weights", data=grammar.weights, **kw)
        g.create_dataset("ubiquitous_weight", data=grammar.ubiq_weight, **kw)
        g.create_dataset("target_rate", data=grammar.target_rate, **kw)
        g.create_dataset("alpha", data=grammar.alpha, **kw)
        g.create_dataset("delta", data=grammar.delta, **kw)
        g.attrs["access_weights"] = np.array(_ACCESS)
        row_split = np.searchsorted(offsets, planted["row"], side="right") - 1
        for k, split in enumerate(SPLITS):
            lo, hi = offsets[k], offsets[k + 1]
            g = f.create_group(split)
            g.create_dataset("window_start", data=starts[split], **kw)  # 0-based chrX coordinate of base 0
            g.create_dataset("prevalence", data=labels[lo:hi].mean(axis=0), **kw)
            # planted sites, then genuine matches (h > 0) of motifs not planted in that window
            sel = row_split == k
            p_rows = planted["row"][sel] - lo
            p_motif = planted["motif"][sel]
            is_planted = np.zeros((hi - lo, len(grammar.motifs)), dtype=bool)
            is_planted[p_rows, p_motif] = True
            g_rows, g_motif = np.nonzero((h[lo:hi] > 0) & ~is_planted)
            order_p = np.lexsort((planted["start"][sel], p_rows))

            def both(key: str, scanned: np.ndarray, dtype) -> np.ndarray:
                return np.concatenate([planted[key][sel][order_p], scanned[lo:hi][g_rows, g_motif]]).astype(dtype)

            rows = np.concatenate([p_rows[order_p], g_rows]).astype(np.int32)
            motif = np.concatenate([p_motif[order_p], g_motif]).astype(np.int16)
            start = both("start", best_start, np.int16)
            strand = both("strand", best_strand, np.int8)
            score = both("score", best, np.float32)
            flag = np.concatenate([np.ones(order_p.size, bool), np.zeros(g_rows.size, bool)])
            order = np.lexsort((start, rows))
            sg = g.create_group("sites")
            sg.attrs["coordinates"] = ("start_in_window = start + signal_start; start is relative to the middle "
                                       "signal window; strand -1 means the reverse complement of a PWM sample")
            for name, arr in (("row", rows), ("motif", motif), ("start", start), ("strand", strand),
                              ("score", score), ("planted", flag)):
                sg.create_dataset(name, data=arr[order], **ckw) if arr.size else sg.create_dataset(name, data=arr, **kw)
            g.create_dataset("site_strength", data=h[lo:hi], **ckw)
            g.create_dataset("context_z", data=ctx_z[lo:hi], **ckw)
            g.create_dataset("cell_noise", data=noise[lo:hi].astype(np.float16), **ckw)


# --------------------------------------------------------------------------- cache and loading


def ensure_bundle(config: SimConfig | None = None, cache_dir: str | os.PathLike | None = None, *,
                  progress: bool = False) -> Path:
    """The bundle folder for ``config``, generated on first use.

    The folder is ``<cache_dir>/deepsea_sim/<key>/`` with the key of
    :meth:`SimConfig.key` (configuration, generator source, input checksums).
    Generation writes to a temporary folder renamed into place at the end, so
    an interrupted run never leaves a half-written bundle behind.
    """
    config = config or SimConfig()
    root = (Path(cache_dir).expanduser() if cache_dir else cache_root()) / "deepsea_sim"
    final = root / config.key()
    if (final / "ground_truth.h5").is_file():
        return final
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{config.key()}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    generate_bundle(config, tmp, progress=progress)
    try:
        os.replace(tmp, final)
    except OSError:  # another process finished first: keep its copy
        shutil.rmtree(tmp, ignore_errors=True)
        if not (final / "ground_truth.h5").is_file():
            raise
    return final


def load_sim_subset(config: SimConfig | None = None, crop: int | None = None, *,
                    cache_dir: str | os.PathLike | None = None, progress: bool = False):
    """DeepSEA-sim as a :class:`~genomenb.data.deepsea.DeepSeaSubset` (generated and cached on first use).

    ``crop`` defaults to the signal width, i.e. exactly the bases the labels depend on.
    """
    config = config or SimConfig()
    folder = ensure_bundle(config, cache_dir, progress=progress)
    return load_subset(folder, config.n_train, config.n_valid, config.n_test,
                       config.signal_width if crop is None else crop, config.seed, cache_dir=cache_dir,
                       source=SIM_SOURCE, description=SIM_DESCRIPTION)


def load_chromatin_data(deepsea_dir: str | os.PathLike | None = "", n_train: int = 80_000, n_valid: int = 2_000,
                        n_test: int = 8_000, crop: int | None = 100, seed: int = 0, *,
                        cache_dir: str | os.PathLike | None = "", progress: bool = False):
    """The chromatin chapters' data: the real DeepSEA bundle when a folder is given, else DeepSEA-sim.

    Parameters
    ----------
    deepsea_dir : path-like or "" / None
        Folder with DeepSEA's ``train.mat``, ``valid.mat`` and ``test.mat``.
        Empty: generate (or reuse) DeepSEA-sim of the requested sizes.
    n_train, n_valid, n_test : int
        Subset sizes (the paper: 80,000, 2,000, 8,000).
    crop : int or None
        Middle bases kept (the paper: 100; None = whole window).
    seed : int
        Seed of the subset draw (and of DeepSEA-sim).
    cache_dir : path-like, optional
        Cache folder ("" or None: :func:`genomenb.data.deepsea.cache_root`).

    Returns
    -------
    DeepSeaSubset
        ``.source`` is ``"deepsea"`` or ``"deepsea-sim"``.
    """
    cache = cache_dir or None
    if deepsea_dir:
        return load_subset(deepsea_dir, n_train, n_valid, n_test, crop, seed, cache_dir=cache, progress=progress)
    config = SimConfig(n_train=n_train, n_valid=n_valid, n_test=n_test, seed=seed)
    folder = ensure_bundle(config, cache, progress=progress)
    return load_subset(folder, n_train, n_valid, n_test, crop, seed, cache_dir=cache, source=SIM_SOURCE,
                       description=SIM_DESCRIPTION)


# --------------------------------------------------------------------------- ground truth


@dataclass
class GroundTruth:
    """What the simulation knows and a model has to discover (see ``ground_truth.h5``).

    Attributes
    ----------
    path : Path
    config : dict
        The :class:`SimConfig` the bundle was generated with.
    grammar : Grammar
        Motifs, cell types and the calibrated per-feature parameters.
    """

    path: Path
    config: dict
    grammar: Grammar

    @property
    def signal_start(self) -> int:
        return (self.config["window"] - self.config["signal_width"]) // 2

    @property
    def motif_names(self) -> list[str]:
        return [m.name for m in self.grammar.motifs]

    def sites(self, split: str, crop: int | None = None):
        """Planted and genuine sites of a split as a DataFrame.

        Columns: ``row`` (sequence in the split, = its row in the bundle
        file), ``motif`` index and ``motif_name``, ``start_in_signal``,
        ``start_in_window``, ``start_in_crop`` (relative to the middle
        ``crop`` bases, default the signal window), ``width``, ``strand``,
        ``score`` (bits) and ``planted``.
        """
        import h5py
        import pandas as pd

        with h5py.File(self.path, "r") as f:
            g = f[split]["sites"]
            data = {k: g[k][...] for k in ("row", "motif", "start", "strand", "score", "planted")}
        crop = self.config["signal_width"] if crop is None else crop
        crop_start = (self.config["window"] - crop) // 2
        widths = np.array([m.width for m in self.grammar.motifs])
        table = pd.DataFrame({"row": data["row"].astype(np.int64), "motif": data["motif"].astype(np.int64),
                              "motif_name": np.array(self.motif_names, dtype=object)[data["motif"]],
                              "start_in_signal": data["start"].astype(np.int64)})
        table["start_in_window"] = table["start_in_signal"] + self.signal_start
        table["start_in_crop"] = table["start_in_window"] - crop_start
        table["width"] = widths[data["motif"]]
        table["strand"] = data["strand"]
        table["score"] = data["score"]
        table["planted"] = data["planted"]
        return table

    def array(self, split: str, name: str) -> np.ndarray:
        """A per-window array of a split: ``site_strength``, ``context_z``, ``cell_noise``,
        ``window_start`` or ``prevalence``."""
        import h5py

        with h5py.File(self.path, "r") as f:
            return f[split][name][...]

    def logits(self, split: str, features: np.ndarray | None = None, *, cell_noise: bool = True) -> np.ndarray:
        """The simulation's logit of every window and feature, ``float32`` ``(n, F)``.

        With ``cell_noise=False`` the unobservable cell-state noise is set to
        0: what remains is the part of the logit the sequence determines. Its
        per-feature AUROC is the best any sequence-only model can reach
        (the probability of a label given the sequence increases with it).
        """
        g = self.grammar
        feats = np.arange(len(g.target_rate)) if features is None else np.asarray(features)
        h = self.array(split, "site_strength").astype(np.float32)
        ctx = self.array(split, "context_z").astype(np.float32)
        noise = self.array(split, "cell_noise").astype(np.float32)
        if not cell_noise:
            noise[:] = 0.0
        access, lineage, ubiq = _accessibility(h, ctx, noise, g)
        logit = _feature_base(feats, g, h, ctx, noise, access, lineage, ubiq)
        motif = g.feature_motif[feats]
        has = motif >= 0
        if has.any():
            logit[:, has] += g.delta[feats][has].astype(np.float32) * h[:, motif[has]]
        # a feature with no positives at all has alpha = -inf; -30 keeps the logit finite (probability ~1e-13)
        alpha = np.where(np.isfinite(g.alpha[feats]), g.alpha[feats], -30.0).astype(np.float32)
        return logit + alpha


def read_ground_truth(bundle_dir: str | os.PathLike) -> GroundTruth:
    """Open the ground truth of a DeepSEA-sim bundle."""
    import h5py

    path = Path(bundle_dir) / "ground_truth.h5"
    if not path.is_file():
        raise DataError(path, "file not found; expected the ground truth of a DeepSEA-sim bundle "
                        "(real DeepSEA bundles have none)")
    text = lambda ds: [x.decode() for x in ds[...]]  # noqa: E731
    try:
        with h5py.File(path, "r") as f:
            config = json.loads(f.attrs["config"])
            m, c, ft = f["motifs"], f["cells"], f["features"]
            motifs = [Motif(name, mid, p[:w]) for name, mid, p, w in
                      zip(text(m["name"]), text(m["matrix_id"]), m["probs"][...], m["width"][...])]
            cell_motifs = [tuple(int(i) for i in row if i >= 0) for row in c["motifs"][...]]
            grammar = Grammar(motifs, m["plant_rate"][...], m["ubiquitous"][...], text(c["name"]), text(c["lineage"]),
                              cell_motifs, ft["motif"][...], text(ft["motif_source"]), text(ft["role"]),
                              ft["cell"][...], ft["weights"][...], ft["ubiquitous_weight"][...],
                              ft["target_rate"][...], ft["alpha"][...], ft["delta"][...])
    except (OSError, KeyError) as exc:
        raise DataError(path, f"unreadable ground truth ({exc}); regenerate the bundle") from None
    return GroundTruth(path, config, grammar)
