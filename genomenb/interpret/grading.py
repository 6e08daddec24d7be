"""Grading attributions against known sites: does a method point at the bases that matter?

On DeepSEA-sim the planted motif sites are known, so an attribution map can
be scored like a classifier of positions.

* :func:`sites_in_arrays` re-indexes the ground-truth sites to the arrays a
  notebook works on, :func:`best_task_per_motif` picks the outputs worth
  explaining (the best-predicted task of each motif).
* :func:`planted_site_mask` marks the positions covered by sites;
  :func:`rank_planted_positions` scores how well each method's per-position
  importance (:func:`genomenb.interpret.attribution.attribution_scores`)
  ranks those positions above the others (AUROC and average precision per
  sequence) and :func:`summarize_ranking` averages over sequences.
* :func:`aligned_site_attributions` averages a map over the sites of one
  motif, aligned on the motif's strand, so it can be read (and compared,
  :func:`genomenb.interpret.motifs.match_motifs`) like a motif.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from genomenb import metrics
from genomenb.interpret.motifs import reverse_complement_matrix

__all__ = ["sites_in_arrays", "best_task_per_motif", "planted_site_mask", "rank_planted_positions",
           "summarize_ranking", "aligned_site_attributions"]


# --------------------------------------------------------------------------- choosing sites and tasks


def sites_in_arrays(sites: pd.DataFrame, rows: np.ndarray, length: int, *, planted_only: bool = True) -> pd.DataFrame:
    """Ground-truth sites re-indexed to the arrays a notebook works on.

    Parameters
    ----------
    sites : pandas.DataFrame
        :meth:`genomenb.data.deepsea_sim.GroundTruth.sites` of one split,
        asked for with ``crop`` equal to the cropped length (columns ``row``,
        ``motif``, ``start_in_crop``, ``width``, ``strand``, ``planted``...).
    rows : numpy.ndarray
        Sorted bundle rows of the sequences in the arrays (``Split.rows``).
    length : int
        Cropped sequence length; sites not wholly inside are dropped.
    planted_only : bool
        Keep planted sites only (genuine matches of the DNA are dropped).

    Returns
    -------
    pandas.DataFrame
        The input columns plus ``seq`` (index into the arrays) and ``start``
        (``start_in_crop``).
    """
    rows = np.asarray(rows)
    keep = np.isin(sites["row"].to_numpy(), rows)
    keep &= (sites["start_in_crop"] >= 0).to_numpy() & (sites["start_in_crop"] + sites["width"] <= length).to_numpy()
    if planted_only:
        keep &= sites["planted"].to_numpy(dtype=bool)
    out = sites.loc[keep].copy()
    out["seq"] = np.searchsorted(rows, out["row"].to_numpy())
    out["start"] = out["start_in_crop"]
    return out.reset_index(drop=True)


def best_task_per_motif(task_auroc: np.ndarray, task_motif: Sequence[str], *, eligible: np.ndarray | None = None,
                        n_tasks: int = 10) -> pd.DataFrame:
    """The best-predicted task of each motif, best first: which outputs are worth explaining.

    Several features share a motif (CTCF in many cell types, cohesin on CTCF
    sites); keeping the best one per motif makes the explained tasks cover
    different motifs.

    Parameters
    ----------
    task_auroc : numpy.ndarray
        ``(T,)`` test AUROC of each task (NaN skipped).
    task_motif : sequence of str
        Motif (e.g. JASPAR matrix id) of each task, ``""`` for none.
    eligible : numpy.ndarray of bool, optional
        Tasks allowed (e.g. enough training positives).
    n_tasks : int

    Returns
    -------
    pandas.DataFrame
        Columns ``task``, ``motif``, ``auroc``; at most ``n_tasks`` rows.
    """
    auroc = np.asarray(task_auroc, dtype=np.float64)
    motifs = np.asarray(task_motif, dtype=object)
    keep = np.isfinite(auroc) & (motifs != "")
    if eligible is not None:
        keep &= np.asarray(eligible, dtype=bool)
    table = pd.DataFrame({"task": np.flatnonzero(keep), "motif": motifs[keep], "auroc": auroc[keep]})
    table = table.sort_values(["auroc", "task"], ascending=[False, True]).drop_duplicates("motif")
    return table.head(n_tasks).reset_index(drop=True)


# --------------------------------------------------------------------------- ranking planted positions


def planted_site_mask(sites: pd.DataFrame, length: int) -> np.ndarray:
    """Positions covered by sites, per sequence.

    Parameters
    ----------
    sites : pandas.DataFrame
        Columns ``seq`` (0-based index of the sequence in the batch, ``0..n-1``),
        ``start`` (first base in the sequence) and ``width``; ``n`` is taken
        as ``seq.max() + 1`` unless a ``n`` attribute is set in
        ``sites.attrs``.
    length : int
        Sequence length ``L``; site parts outside ``0..L-1`` are dropped.

    Returns
    -------
    numpy.ndarray
        ``bool`` ``(n, L)``.
    """
    n = int(sites.attrs.get("n", (sites["seq"].max() + 1) if len(sites) else 0))
    mask = np.zeros((n, length), dtype=bool)
    for seq, start, width in zip(sites["seq"].to_numpy(), sites["start"].to_numpy(), sites["width"].to_numpy()):
        lo, hi = max(int(start), 0), min(int(start) + int(width), length)
        if hi > lo:
            mask[int(seq), lo:hi] = True
    return mask


def rank_planted_positions(scores: Mapping[str, np.ndarray], mask: np.ndarray) -> pd.DataFrame:
    """How well each method ranks planted positions above the rest, sequence by sequence.

    Parameters
    ----------
    scores : mapping
        method -> ``(n, L)`` per-position importance.
    mask : numpy.ndarray
        ``bool`` ``(n, L)``: planted positions.

    Returns
    -------
    pandas.DataFrame
        One row per sequence: ``<method>_auroc`` and ``<method>_aupr`` for
        every method, ``planted_fraction`` (the AUPR of a random ranking in
        expectation). Sequences without planted (or without other) positions
        get NaN.
    """
    mask = np.asarray(mask, dtype=bool)
    table = pd.DataFrame({"planted_fraction": mask.mean(axis=1)})
    for method, s in scores.items():
        s = np.asarray(s, dtype=np.float64)
        if s.shape != mask.shape:
            raise ValueError(f"{method}: scores {s.shape} and mask {mask.shape} differ")
        # the per-task metrics score columns: one sequence per column
        table[f"{method}_auroc"] = metrics.roc_auc_per_task(mask.T.astype(np.uint8), s.T)
        table[f"{method}_aupr"] = metrics.average_precision_per_task(mask.T.astype(np.uint8), s.T)
    return table


def summarize_ranking(per_sequence: pd.DataFrame) -> pd.DataFrame:
    """Mean, median and spread of the per-sequence AUROC and AUPR of each method, best first.

    Returns
    -------
    pandas.DataFrame
        Index: method; columns ``mean_auroc``, ``median_auroc``,
        ``sem_auroc`` (standard error), ``mean_aupr``,
        ``fraction_auroc_above_chance`` (share of sequences with AUROC > 0.5),
        ``sequences``.
    """
    methods = [c[:-len("_auroc")] for c in per_sequence.columns if c.endswith("_auroc")]
    rows = {}
    for m in methods:
        auc = per_sequence[f"{m}_auroc"].dropna()
        ap = per_sequence[f"{m}_aupr"].dropna()
        rows[m] = {"mean_auroc": auc.mean(), "median_auroc": auc.median(),
                   "sem_auroc": auc.std(ddof=1) / np.sqrt(len(auc)) if len(auc) > 1 else np.nan,
                   "mean_aupr": ap.mean(), "fraction_auroc_above_chance": (auc > 0.5).mean(),
                   "sequences": int(len(auc))}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "method"
    return table.sort_values("mean_auroc", ascending=False)


# --------------------------------------------------------------------------- sites as a motif


def aligned_site_attributions(attribution: np.ndarray, sites: pd.DataFrame, *, normalise: bool = True) -> np.ndarray:
    """Average attribution over sites of one motif, aligned on the motif's own strand.

    Each site's ``(width, 4)`` slice of its sequence's map is taken (reverse
    complemented for sites on strand ``-1``), optionally divided by the
    largest absolute value of that sequence's map (so every sequence counts
    alike), and averaged. What a model attributes to the bases of a motif
    then reads like the motif itself.

    Parameters
    ----------
    attribution : numpy.ndarray
        ``(n, L, 4)``.
    sites : pandas.DataFrame
        Columns ``seq``, ``start``, ``width`` (all equal), ``strand``.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(width, 4)``; all zeros if no site lies wholly inside.
    """
    a = np.asarray(attribution, dtype=np.float64)
    widths = sites["width"].unique()
    if len(widths) != 1:
        raise ValueError("aligned_site_attributions needs sites of one motif (one width)")
    width = int(widths[0])
    total = np.zeros((width, 4))
    used = 0
    for seq, start, strand in zip(sites["seq"], sites["start"], sites["strand"]):
        if start < 0 or start + width > a.shape[1]:
            continue
        window = a[int(seq), int(start):int(start) + width]
        if int(strand) < 0:
            window = reverse_complement_matrix(window)
        if normalise:
            scale = np.abs(a[int(seq)]).max()
            if scale <= 0:
                continue
            window = window / scale
        total += window
        used += 1
    return total / max(used, 1)
