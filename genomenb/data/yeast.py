"""Yeast stress expression, promoters, regulators, motifs and a TF -> target prior (the DeepRAGE chapter).

The bundled ``yeast`` dataset (``data/README.md``, ``data/yeast/SOURCES.md``) has six files, by role:
``bundle`` (``deeprage_gasch2555.npz``: 2,553 genes x 173 stress conditions of Gasch et al. 2000 log2
ratios, 2.91% NaN never imputed; the 1000 bp upstream of each ATG on the gene's strand; the MEDUSA
472 regulators x 173 conditions at -1 / 0 / +1), ``genes`` (the S288C R64 feature table: common <->
systematic names), ``prior`` (PANDA's motif prior, 34,128 edges from 53 TFs) and ``jaspar``, ``cisbp``,
``yeastract`` (PWMs in the RSAT/TRANSFAC ``.tf`` format, read into :class:`genomenb.data.motifs.Motif`).

:func:`load_yeast` reads the bundle (no pickle) into :class:`YeastExpression`; :func:`regulator_matrix`
gives condition x regulator features (MEDUSA discrete, or the continuous Gasch values of the 222
regulators that are expression genes; a regulator's own row stays among the targets);
:func:`expression_classes` makes down / baseline / up labels; :func:`pair_split` splits the gene x
condition cells by whole genes, whole conditions or single cells and :func:`check_pair_split` verifies it;
:func:`tf_names`, :func:`motif_prior`, :func:`prior_targets` and :func:`prior_motifs` join motifs
(by factor name) to the prior.
"""

from __future__ import annotations

import gzip
import os
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from genomenb.data import registry
from genomenb.data.errors import DataError
from genomenb.data.motifs import Motif, _probabilities
from genomenb.encode import check_codes, to_codes

__all__ = ["DATABASES", "PROMOTER_LENGTH", "PairSplit", "RegulatorFeatures", "TFName", "YeastExpression",
           "check_pair_split", "class_balance", "expression_classes", "gene_table", "in_prior", "load_yeast",
           "motif_prior", "pair_split", "prior_motifs", "prior_targets", "read_transfac", "regulator_matrix",
           "tf_names", "yeast_motifs"]

#: Length of every promoter (bases upstream of the ATG).
PROMOTER_LENGTH = 1000
#: Motif databases bundled, in the order ``"all"`` concatenates them.
DATABASES = ("jaspar", "cisbp", "yeastract")
_BUNDLE_KEYS = ("genes", "promoters", "expr", "expt_names", "reg_names", "reg_discrete")
_GENE_COLUMNS = ("systematic_name", "gene_name", "feature_type")
_SYSTEMATIC = re.compile(r"^(Y[A-P][LR]\d{3}[WC](-[A-Z])?|Q\d{4}|R\d{4}[WC]?)$")
_SPLIT_KINDS = ("genes", "conditions", "pairs")
_SIDES = ("train", "valid", "test")


# --------------------------------------------------------------------------- expression bundle


@dataclass(frozen=True)
class YeastExpression:
    """Genes x conditions expression with promoters and the MEDUSA regulator matrix (arrays are read-only).

    ``genes`` (G,) systematic names; ``gene_names`` (G,) common names from the R64 table (the systematic
    name where it has none); ``promoters`` (G, 1000) uint8 codes ``A=0 C=1 G=2 T=3 N=4``
    (:mod:`genomenb.encode`), 5' -> 3' on the gene's strand, ending right before the ATG; ``expression``
    (G, C) float32 log2(stress / reference), NaN where the source is missing; ``conditions`` (C,) names;
    ``regulator_names`` (R,) systematic names; ``regulators`` (R, C) int8 MEDUSA levels -1 / 0 / +1.
    """

    genes: np.ndarray
    gene_names: np.ndarray
    promoters: np.ndarray
    expression: np.ndarray
    conditions: np.ndarray
    regulator_names: np.ndarray
    regulators: np.ndarray

    @property
    def n_genes(self) -> int:
        return int(self.genes.shape[0])

    @property
    def n_conditions(self) -> int:
        return int(self.conditions.shape[0])


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr.setflags(write=False)
    return arr


def load_yeast(path: str | os.PathLike | None = None) -> YeastExpression:
    """Load and check the expression bundle.

    Parameters
    ----------
    path : str or PathLike, optional
        Another ``.npz`` with the keys ``genes, promoters, expr, expt_names,
        reg_names, reg_discrete``; default: the bundled, checksummed file.

    Raises
    ------
    DataError
        Naming the file and key: a missing key, shapes that do not agree, a
        promoter that is not 1000 letters of ``A C G T N``, a duplicate gene,
        an infinite expression value or a regulator value outside -1 / 0 / +1.
    """
    file = Path(path) if path is not None else registry.path("yeast", "bundle")
    if not file.is_file():
        raise DataError(file, "file not found; expected an .npz with keys " + ", ".join(_BUNDLE_KEYS))
    try:
        with np.load(file, allow_pickle=False) as z:
            missing = [k for k in _BUNDLE_KEYS if k not in z.files]
            if missing:
                raise DataError(file, f"expected the keys {', '.join(_BUNDLE_KEYS)}; missing {missing}")
            raw = {k: z[k] for k in _BUNDLE_KEYS}
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(file, f"expected a NumPy .npz archive without pickled objects ({exc})") from None
    genes, prom, expr = raw["genes"], raw["promoters"], raw["expr"]
    conds, regn, regd = raw["expt_names"], raw["reg_names"], raw["reg_discrete"]
    for key in ("genes", "promoters", "expt_names", "reg_names"):
        if raw[key].ndim != 1 or raw[key].dtype.kind != "U":
            raise DataError(file, f"expected a 1-D string array, got {raw[key].dtype} {raw[key].shape}", record=key)
    n_genes, n_cond = genes.shape[0], conds.shape[0]
    if len(set(genes.tolist())) != n_genes:
        raise DataError(file, "expected unique gene names", record="genes")
    if prom.shape != (n_genes,):
        raise DataError(file, f"expected one promoter per gene ({n_genes}), got {prom.shape[0]}", record="promoters")
    if expr.shape != (n_genes, n_cond) or expr.dtype.kind != "f":
        raise DataError(file, f"expected a float ({n_genes}, {n_cond}) genes x conditions matrix, got "
                        f"{expr.dtype} {expr.shape}", record="expr")
    if np.isinf(expr).any():
        raise DataError(file, "expected finite log2 ratios or NaN, found an infinity", record="expr")
    if regd.shape != (regn.shape[0], n_cond):
        raise DataError(file, f"expected a ({regn.shape[0]}, {n_cond}) regulators x conditions matrix, got "
                        f"{regd.shape}", record="reg_discrete")
    if regd.dtype.kind not in "iu" or not np.isin(regd, (-1, 0, 1)).all():
        raise DataError(file, "expected integer MEDUSA values -1, 0, +1 only", record="reg_discrete")
    lengths = np.char.str_len(prom)
    if (lengths != PROMOTER_LENGTH).any():
        i = int(np.flatnonzero(lengths != PROMOTER_LENGTH)[0])
        raise DataError(file, f"expected {PROMOTER_LENGTH} bases per promoter, found {lengths[i]}",
                        record=f"promoters[{genes[i]}]")
    letters = np.frombuffer("".join(prom.tolist()).encode("latin-1", "replace"), dtype=np.uint8)
    bad = ~np.isin(letters, np.frombuffer(b"ACGTN", dtype=np.uint8))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(file, f"expected only A, C, G, T, N in promoters, found {chr(letters[i])!r}",
                        record=f"promoters[{genes[i // PROMOTER_LENGTH]}]")
    codes = check_codes(to_codes(prom), ndim=(2,), name="promoters")
    common = gene_table().set_index("systematic_name")["gene_name"].to_dict()
    names = np.array([common.get(g) or g for g in genes.tolist()])
    return YeastExpression(
        genes=_readonly(genes.astype(str)), gene_names=_readonly(names), promoters=_readonly(codes),
        expression=_readonly(expr.astype(np.float32)), conditions=_readonly(conds.astype(str)),
        regulator_names=_readonly(regn.astype(str)), regulators=_readonly(regd.astype(np.int8)))


# --------------------------------------------------------------------------- regulator features


@dataclass(frozen=True)
class RegulatorFeatures:
    """Condition x regulator features: ``values`` (C, R') float32, ``names`` (R',) systematic names in
    column order, ``kind`` and ``n_filled`` (missing values set to 0; always 0 for ``"discrete"``)."""

    values: np.ndarray
    names: np.ndarray
    kind: str
    n_filled: int

    @property
    def summary(self) -> str:
        c, r = self.values.shape
        share = self.n_filled / max(self.values.size, 1)
        return f"{self.kind}: {c} conditions x {r} regulators, {self.n_filled} missing values set to 0 ({share:.2%})"


def regulator_matrix(data: YeastExpression, kind: str = "discrete") -> RegulatorFeatures:
    """The regulator levels in every condition, as model features.

    Parameters
    ----------
    data : YeastExpression
    kind : {"discrete", "continuous"}
        ``"discrete"``: the MEDUSA -1 / 0 / +1 values of all regulators
        (``(C, 472)``). ``"continuous"``: the Gasch log2 ratios of those
        regulators that are also expression genes (``(C, 222)`` here), in
        MEDUSA order; a missing ratio becomes 0 (no change), counted in
        ``n_filled``. Either way the regulators' own rows stay in
        ``data.expression`` as targets.
    """
    if kind == "discrete":
        return RegulatorFeatures(data.regulators.T.astype(np.float32), data.regulator_names.copy(), kind, 0)
    if kind != "continuous":
        raise ValueError(f"kind must be 'discrete' or 'continuous', got {kind!r}")
    row = {g: i for i, g in enumerate(data.genes.tolist())}
    used = [r for r in data.regulator_names.tolist() if r in row]
    values = data.expression[[row[r] for r in used]].T.astype(np.float32)
    missing = np.isnan(values)
    values[missing] = 0.0
    return RegulatorFeatures(values, np.array(used), kind, int(missing.sum()))


# --------------------------------------------------------------------------- classes


def expression_classes(expression: np.ndarray, threshold: float = 0.5, *, inclusive: bool = True) -> np.ndarray:
    """Three classes per cell: 0 down, 1 baseline, 2 up; -1 where the value is NaN.

    Parameters
    ----------
    expression : array-like
        log2 ratios, any shape.
    threshold : float, default 0.5
        DeepRegret's threshold.
    inclusive : bool, default True
        True: down ``<= -threshold``, up ``>= threshold``, as DeepRegret's
        ``discretize`` does (the data have two decimals, so 0.38% of cells sit
        exactly at ±0.5). False: strict ``<`` / ``>``, a value at
        ``±threshold`` is baseline. DeepRegret also turned NaN into 0
        (baseline); here NaN is class -1, never imputed.

    Returns
    -------
    numpy.ndarray
        ``int8`` of the input's shape.
    """
    if not np.isfinite(threshold) or threshold <= 0:
        raise ValueError(f"threshold must be a positive number, got {threshold!r}")
    x = np.asarray(expression, dtype=np.float64)
    t = np.float64(np.float32(threshold)) if np.asarray(expression).dtype == np.float32 else threshold
    out = np.ones(x.shape, dtype=np.int8)
    out[(x <= -t) if inclusive else (x < -t)] = 0
    out[(x >= t) if inclusive else (x > t)] = 2
    out[np.isnan(x)] = -1
    return out


def class_balance(classes: np.ndarray) -> dict[str, float]:
    """Fractions of ``down``, ``baseline``, ``up`` among labelled cells, and ``missing`` among all cells."""
    c = np.asarray(classes)
    bad = ~np.isin(c, (-1, 0, 1, 2))
    if bad.any():
        raise ValueError(f"classes must hold -1, 0, 1, 2 only, found {c[bad].flat[0]!r}")
    labelled = int((c >= 0).sum())
    if labelled == 0:
        raise ValueError("no labelled cells: every class is -1 (missing)")
    out = {name: float((c == k).sum()) / labelled for k, name in enumerate(("down", "baseline", "up"))}
    out["missing"] = float((c < 0).sum()) / c.size
    return out


# --------------------------------------------------------------------------- splits


@dataclass(frozen=True)
class PairSplit:
    """A partition of the ``(G, C)`` gene x condition cells into train / valid / test.

    ``rows`` (kind ``"genes"``) and ``columns`` (kind ``"conditions"``) map each
    side to the sorted gene or condition indices it holds; otherwise None.
    """

    kind: str
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    rows: dict[str, np.ndarray] | None = None
    columns: dict[str, np.ndarray] | None = None

    @property
    def fractions(self) -> dict[str, float]:
        """Share of all cells on each side."""
        return {s: float(getattr(self, s).mean()) for s in _SIDES}


def _counts(n: int, fractions: tuple[float, float, float]) -> list[int]:
    n_train, n_valid = int(round(fractions[0] * n)), int(round(fractions[1] * n))
    counts = [n_train, n_valid, n - n_train - n_valid]
    for side, k, f in zip(_SIDES, counts, fractions, strict=True):
        if k < 0 or (f > 0 and k == 0):
            raise ValueError(f"{n} items are too few for the fractions {fractions} (the {side} side gets {k})")
    return counts


def pair_split(kind: str, n_genes: int, n_conditions: int, fractions: tuple[float, float, float] = (0.6, 0.1, 0.3),
               seed: int = 0) -> PairSplit:
    """Split the gene x condition matrix three ways, at random (seeded).

    Parameters
    ----------
    kind : {"genes", "conditions", "pairs"}
        ``"genes"``: whole genes (rows) on one side (unseen promoters);
        ``"conditions"``: whole conditions (columns) on one side (unseen
        regulator states); ``"pairs"``: single cells at random (the easiest:
        every gene and condition is seen in training).
    n_genes, n_conditions : int
    fractions : (train, valid, test)
        Non-negative, summing to 1; counts are rounded for train and valid,
        test takes the rest.
    seed : int

    Returns
    -------
    PairSplit
        Boolean ``(G, C)`` masks that partition the matrix. Missing
        expression cells are in the masks too; drop them with the class -1.
    """
    if kind not in _SPLIT_KINDS:
        raise ValueError(f"kind must be one of {_SPLIT_KINDS}, got {kind!r}")
    if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1.0) > 1e-6:
        raise ValueError(f"fractions must be three non-negative numbers summing to 1, got {fractions}")
    if n_genes < 1 or n_conditions < 1:
        raise ValueError(f"need at least one gene and one condition, got {n_genes} x {n_conditions}")
    rng = np.random.default_rng(seed)
    shape = (n_genes, n_conditions)
    n = {"genes": n_genes, "conditions": n_conditions, "pairs": n_genes * n_conditions}[kind]
    order = rng.permutation(n)
    bounds = np.cumsum([0] + _counts(n, tuple(fractions)))
    parts = {s: np.sort(order[bounds[i]:bounds[i + 1]]) for i, s in enumerate(_SIDES)}
    masks = {}
    for side, idx in parts.items():
        m = np.zeros(shape, dtype=bool)
        if kind == "genes":
            m[idx, :] = True
        elif kind == "conditions":
            m[:, idx] = True
        else:
            m.flat[idx] = True
        masks[side] = m
    return PairSplit(kind, masks["train"], masks["valid"], masks["test"],
                     rows=parts if kind == "genes" else None, columns=parts if kind == "conditions" else None)


def check_pair_split(split: PairSplit) -> None:
    """Raise ``ValueError`` unless the masks partition the matrix and no whole unit is on two sides.

    Checks: three boolean masks of one 2-D shape, no cell on two sides, every
    cell on one side; for ``"genes"`` no gene, for ``"conditions"`` no
    condition, with cells on two sides, and the index arrays agree with the masks.
    """
    masks = [np.asarray(getattr(split, s)) for s in _SIDES]
    if any(m.dtype != bool or m.ndim != 2 or m.shape != masks[0].shape for m in masks):
        raise ValueError("train, valid and test must be boolean masks of one (genes, conditions) shape")
    count = sum(m.astype(np.int8) for m in masks)
    if (count > 1).any():
        g, c = np.argwhere(count > 1)[0]
        raise ValueError(f"masks overlap: cell (gene {g}, condition {c}) is on two sides")
    if (count == 0).any():
        g, c = np.argwhere(count == 0)[0]
        raise ValueError(f"masks do not cover the matrix: cell (gene {g}, condition {c}) is on no side")
    axis = {"genes": 1, "conditions": 0}.get(split.kind)
    if axis is None:
        return
    unit = "gene" if axis == 1 else "condition"
    sides = sum(m.any(axis=axis).astype(np.int8) for m in masks)
    if (sides > 1).any():
        raise ValueError(f"{unit} {int(np.flatnonzero(sides > 1)[0])} has cells on two sides of a {split.kind} split")
    index = split.rows if axis == 1 else split.columns
    if index is not None:
        for side, m in zip(_SIDES, masks, strict=True):
            if not np.array_equal(np.flatnonzero(m.any(axis=axis)), np.sort(index[side])):
                raise ValueError(f"the {side} {unit} indices do not match the {side} mask")


# --------------------------------------------------------------------------- genes table and TF names


@lru_cache(maxsize=4)
def _read_gene_table(file: str) -> pd.DataFrame:
    try:
        df = pd.read_csv(file, sep="\t", dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(file, f"expected a tab-separated genes table ({exc})") from None
    missing = [c for c in _GENE_COLUMNS if c not in df.columns]
    if missing:
        raise DataError(file, f"expected the columns {', '.join(_GENE_COLUMNS)}; missing {missing}", line=1)
    if not df["systematic_name"].is_unique or (df["systematic_name"] == "").any():
        raise DataError(file, "expected one row per non-empty systematic name", record="systematic_name")
    named = df.loc[df["gene_name"] != "", "gene_name"].str.upper()
    if not named.is_unique:
        raise DataError(file, f"expected unique gene names, {named[named.duplicated()].iloc[0]!r} repeats",
                        record="gene_name")
    return df


def gene_table(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The R64 genes table (all columns as str; ``gene_name`` is ``""`` where there is no common name)."""
    file = Path(path) if path is not None else registry.path("yeast", "genes")
    return _read_gene_table(str(file)).copy()


class TFName(NamedTuple):
    """A factor's systematic name (None when unknown) and common name (None when it has none)."""

    systematic: str | None
    common: str | None


@lru_cache(maxsize=1)
def _name_maps() -> tuple[dict[str, str], dict[str, str]]:
    df = gene_table()
    named = df[df["gene_name"] != ""]
    to_sys = dict(zip(named["gene_name"].str.upper(), named["systematic_name"], strict=True))
    to_common = dict(zip(df["systematic_name"], df["gene_name"], strict=True))
    return to_sys, to_common


def tf_names(name: str) -> TFName:
    """Systematic and common name of a factor named any usual way.

    Accepts a common name in any case (``"MIG1"``, ``"mig1"``), the Yeastract
    protein form (``"Mig1p"``) or a systematic name (``"YGL035C"``, also
    ``"Ygl035cp"``). Dimers (``"MBP1::SWI6"``), other fungi's factors and
    unnamed matrices give ``TFName(None, None)``.

    Examples
    --------
    >>> tf_names("Mig1p")
    TFName(systematic='YGL035C', common='MIG1')
    """
    to_sys, to_common = _name_maps()
    key = str(name).strip().upper()
    for k in (key, key[:-1] if key.endswith("P") else None):
        if not k:
            continue
        if k in to_common:
            return TFName(k, to_common[k] or None)
        if k in to_sys:
            return TFName(to_sys[k], to_common[to_sys[k]])
    if _SYSTEMATIC.match(key):
        return TFName(key, None)
    return TFName(None, None)


# --------------------------------------------------------------------------- motif prior


@lru_cache(maxsize=4)
def _read_prior(file: str) -> pd.DataFrame:
    try:
        df = pd.read_csv(file, sep="\t", dtype={"tf": str, "target": str})
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(file, f"expected a tab-separated table tf, target, weight ({exc})") from None
    if not {"tf", "target"} <= set(df.columns):
        raise DataError(file, f"expected the columns tf, target; found {list(df.columns)}", line=1)
    for col in ("tf", "target"):
        bad = ~df[col].astype(str).str.match(_SYSTEMATIC)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(file, f"expected systematic names in {col}, found {df[col].iloc[i]!r}", line=i + 2)
    if "weight" in df.columns and not (df["weight"] == 1).all():
        raise DataError(file, "expected every edge to have weight 1 (a binary prior)", record="weight")
    return df[["tf", "target"]].drop_duplicates().reset_index(drop=True)


def motif_prior(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """PANDA's motif prior: one row per edge, columns ``tf`` and ``target`` (systematic names)."""
    file = Path(path) if path is not None else registry.path("yeast", "prior")
    return _read_prior(str(file)).copy()


@lru_cache(maxsize=1)
def _prior_sets() -> dict[str, frozenset[str]]:
    df = motif_prior()
    return {tf: frozenset(t) for tf, t in df.groupby("tf")["target"]}


def in_prior(tf: str) -> bool:
    """Whether the factor (any name :func:`tf_names` accepts) is one of the prior's 53 TFs."""
    return tf_names(tf).systematic in _prior_sets()


def prior_targets(tf: str, genes) -> np.ndarray:
    """Boolean ``(G,)``: which of ``genes`` (systematic names) the prior lists as targets of ``tf``.

    All False for a factor that is not in the prior (see :func:`in_prior`).
    """
    targets = _prior_sets().get(tf_names(tf).systematic, frozenset())
    return np.array([g in targets for g in np.asarray(genes).tolist()], dtype=bool)


# --------------------------------------------------------------------------- motifs


def read_transfac(path: str | os.PathLike) -> list[Motif]:
    """Read a TRANSFAC / RSAT ``.tf`` file (plain or gzip) into motifs.

    Records end with ``//``; ``AC`` is the accession (``matrix_id``), ``ID``
    the name (``DE`` when there is no ``ID``); a ``P0`` or ``PO`` header names
    the base columns, then rows ``position A C G T`` of counts or
    frequencies. Rows become probabilities with the same 2% uniform mixture
    as :mod:`genomenb.data.motifs`, so log-odds stay finite.

    Raises
    ------
    DataError
        Naming file, line and record: a header without A, C, G, T, a row that
        is not a position and four non-negative numbers, positions out of
        order, an all-zero row, or a record without name or matrix.
    """
    file = Path(path)
    if not file.is_file():
        raise DataError(file, "file not found; expected a TRANSFAC .tf motif file")
    with open(file, "rb") as fh:
        opener = gzip.open if fh.read(2) == b"\x1f\x8b" else open
    out: list[Motif] = []
    rec: dict = {}
    cols: list[int] | None = None
    with opener(file, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            parts = line.split()
            tag = parts[0] if parts else ""
            if tag == "//":
                if rec:
                    out.append(_finish(file, n, rec))
                rec, cols = {}, None
            elif tag in ("AC", "ID", "DE") and len(parts) > 1:
                rec.setdefault(tag, " ".join(parts[1:]))
                rec.setdefault("line", n)
                cols = None
            elif tag in ("P0", "PO"):
                bases = [b.upper() for b in parts[1:]]
                if sorted(bases) != list("ACGT"):
                    raise DataError(file, f"expected a header with the columns A C G T, got {parts[1:]}", line=n,
                                    record=rec.get("AC"))
                cols = [bases.index(b) for b in "ACGT"]
                rec["rows"] = []
                rec.setdefault("line", n)
            elif cols is not None and tag and tag[0].isdigit():
                try:
                    pos, vals = int(tag), [float(v) for v in parts[1:]]
                except ValueError:
                    raise DataError(file, f"expected a position and four numbers, got {line.strip()!r}", line=n,
                                    record=rec.get("AC")) from None
                if len(vals) != 4 or not all(np.isfinite(v) and v >= 0 for v in vals) or sum(vals) == 0:
                    raise DataError(file, f"expected four non-negative numbers (not all 0), got {parts[1:]}",
                                    line=n, record=rec.get("AC"))
                if pos != len(rec["rows"]) + 1 and pos != len(rec["rows"]):
                    raise DataError(file, f"expected positions in order, got {pos} after {len(rec['rows'])} rows",
                                    line=n, record=rec.get("AC"))
                rec["rows"].append([vals[c] for c in cols])
            else:
                cols = None
    if rec:
        out.append(_finish(file, n, rec))
    return out


def _finish(file: Path, line: int, rec: dict) -> Motif:
    name = rec.get("ID") or rec.get("DE")
    if not name or not rec.get("rows"):
        raise DataError(file, "expected a record with an ID (or DE) and a P0 matrix before //", line=line,
                        record=rec.get("AC"))
    counts = np.asarray(rec["rows"], dtype=np.float64)
    return Motif(name, rec.get("AC") or name, _probabilities(counts))


@lru_cache(maxsize=4)
def _database(database: str) -> tuple[Motif, ...]:
    out, seen = [], {}
    for m in read_transfac(registry.path("yeast", database)):
        resolved = tf_names(m.name)
        name = resolved.common.upper() if resolved.common else (resolved.systematic or m.name)
        key = f"{database}:{m.matrix_id}"
        seen[key] = seen.get(key, 0) + 1
        out.append(Motif(name, key if seen[key] == 1 else f"{key}#{seen[key]}", m.probs))
    return tuple(out)


def yeast_motifs(database: str = "all") -> list[Motif]:
    """The bundled motifs of one database, or of all three (JASPAR, cisBP, Yeastract, in that order).

    A motif's ``name`` is the factor's upper-case common name when the genes
    table knows it (Yeastract's ``Mig1p`` becomes ``MIG1``, cisBP's
    ``YNR063W`` stays systematic when it has no common name); dimers,
    other fungi's factors and cisBP's 611 matrices without a factor keep the
    file's name. ``matrix_id`` is ``"<database>:<AC>"`` (``#2``, ``#3``...
    for Yeastract's repeated accessions). Counts: JASPAR 178, cisBP 1,288,
    Yeastract 732.
    """
    if database == "all":
        return [m for db in DATABASES for m in _database(db)]
    if database not in DATABASES:
        raise ValueError(f"database must be one of {DATABASES + ('all',)}, got {database!r}")
    return list(_database(database))


def prior_motifs(database: str = "all") -> dict[str, list[Motif]]:
    """The motifs of each prior TF (systematic name -> motifs matched by name); TFs without one are left out."""
    tfs = _prior_sets()
    out: dict[str, list[Motif]] = {}
    for m in yeast_motifs(database):
        sys_name = tf_names(m.name).systematic
        if sys_name in tfs:
            out.setdefault(sys_name, []).append(m)
    return out
