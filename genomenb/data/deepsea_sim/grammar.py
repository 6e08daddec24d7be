"""DeepSEA-sim's label grammar: which motif, lineage and role each of the 919 features gets.

:func:`build_grammar` assigns every feature a JASPAR motif (TF features with
a matrix for their target), a cell type and its lineage (:func:`cell_lineage`,
:data:`LINEAGE_MOTIFS`) and a role that sets the weights of its logit
(:data:`ROLE_WEIGHTS`), and sets how often each motif is planted. The result,
a :class:`Grammar`, has no randomness; its per-feature offsets ``alpha`` and
``delta`` are filled in later by calibration (:mod:`.labels`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genomenb.data.features import load_features
from genomenb.data.motifs import JASPAR_RELEASE, Motif, find_motif, target_motif

__all__ = ["UBIQUITOUS_MOTIFS", "LINEAGE_MOTIFS", "ROLE_WEIGHTS", "Grammar", "build_grammar", "cell_lineage"]

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
_ENHANCER_FACTORS = {"EP300", "SMARCA4", "SMARCB1", "SMARCC1", "SMARCC2", "BCL3", "CTBP2", "ZNF217",
                     "TBL1XR1", "PGC1A", "HDAC8"}
_POLYCOMB_FACTORS = {"EZH2", "SUZ12"}
_HISTONE_ROLES = {"H3K4me1": "histone_enhancer", "H3K27me3": "histone_polycomb", "H3K9me3": "histone_heterochromatin",
                  "H3K36me3": "histone_genebody", "H3K79me2": "histone_genebody", "H3K79me1": "histone_genebody",
                  "H4K20me1": "histone_genebody", "H3K9me1": "histone_genebody", "H3K23me2": "histone_genebody"}


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
