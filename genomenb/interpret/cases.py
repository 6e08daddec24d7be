"""Cases to explain on DeepSEA-sim: which sequence, which output, which sites should light up.

Tied to the simulator (:mod:`genomenb.data.deepsea_sim`): a *case* is a
(sequence, task) pair, and its sites are the planted sites an explanation
of that task should point at.

* :func:`simulated_task_motifs` -- the motifs a simulated feature's logit
  depends on (its own and its cell type's lineage motifs).
* :func:`planted_cases` -- sequences carrying a task's own motif, with every
  relevant planted site in them (the layout of
  :func:`genomenb.interpret.grading.planted_site_mask`).
* :func:`top_predicted_cases` -- without ground truth (real data): the
  sequences each task scores highest.
* :func:`case_site_spans` -- one case's sites as ``(start, width, name)``
  spans for the plots.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["simulated_task_motifs", "planted_cases", "top_predicted_cases", "case_site_spans", "cases_of_task"]


def simulated_task_motifs(grammar, task: int) -> tuple[int, tuple[int, ...]]:
    """The motifs a DeepSEA-sim feature's simulated logit depends on.

    Returns the feature's own motif (``-1`` if none) and the lineage motifs of
    its cell type when the feature follows accessibility (their sites open the
    chromatin; see :mod:`genomenb.data.deepsea_sim`). The ubiquitous motifs
    move a transcription-factor feature's logit by a fraction of a unit and
    are not counted.

    Parameters
    ----------
    grammar : genomenb.data.deepsea_sim.Grammar
    task : int
    """
    own = int(grammar.feature_motif[task])
    access_weight, lineage_weight = grammar.weights[task][:2]
    lineage = grammar.cell_motifs[grammar.feature_cell[task]] if (access_weight > 0 or lineage_weight > 0) else ()
    return own, tuple(int(m) for m in lineage if int(m) != own)


def planted_cases(sites: pd.DataFrame, tasks: Mapping[int, tuple[int, Sequence[int]]], *, per_task: int,
                  seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sequences to explain, and the sites an explanation of each should point at.

    For every task, up to ``per_task`` sequences (a seeded sample) that carry
    a planted site of the task's own motif; each becomes a *case* (sequence,
    task). Its sites are every planted site, in that sequence, of the task's
    own motif and of its other relevant motifs.

    Parameters
    ----------
    sites : pandas.DataFrame
        Planted sites with columns ``seq`` (index of the sequence in the
        arrays being explained), ``motif`` (index), ``start`` (in those
        arrays' coordinates), ``width``, ``strand``.
    tasks : mapping
        task -> (own motif, other relevant motifs), e.g. from
        :func:`simulated_task_motifs`.
    per_task : int
    seed : int

    Returns
    -------
    cases : pandas.DataFrame
        One row per case: ``case``, ``seq``, ``task``, ``motif`` (own).
    case_sites : pandas.DataFrame
        ``seq`` (the case index, as
        :func:`genomenb.interpret.grading.planted_site_mask` expects),
        ``start``, ``width``, ``strand``, ``motif``, ``own`` (bool);
        ``attrs["n"]`` is the number of cases.
    """
    rng = np.random.default_rng(seed)
    by_seq = {seq: group for seq, group in sites.groupby("seq")}
    case_rows, site_rows = [], []
    for task, (own, others) in tasks.items():
        carriers = np.unique(sites.loc[sites["motif"] == own, "seq"].to_numpy())
        if carriers.size > per_task:
            carriers = np.sort(rng.choice(carriers, size=per_task, replace=False))
        relevant = {int(own), *(int(m) for m in others)}
        for seq in carriers:
            case = len(case_rows)
            case_rows.append({"case": case, "seq": int(seq), "task": int(task), "motif": int(own)})
            here = by_seq[seq]
            for row in here[here["motif"].isin(relevant)].itertuples(index=False):
                site_rows.append({"seq": case, "start": int(row.start), "width": int(row.width),
                                  "strand": int(row.strand), "motif": int(row.motif), "own": int(row.motif) == own})
    cases = pd.DataFrame(case_rows, columns=["case", "seq", "task", "motif"])
    case_sites = pd.DataFrame(site_rows, columns=["seq", "start", "width", "strand", "motif", "own"])
    case_sites.attrs["n"] = len(cases)
    return cases, case_sites


def top_predicted_cases(probabilities: np.ndarray, tasks: Sequence[int], *, per_task: int) -> pd.DataFrame:
    """Cases without ground truth: the ``per_task`` sequences each task scores highest.

    Returns
    -------
    pandas.DataFrame
        ``case``, ``seq``, ``task`` (the layout of :func:`planted_cases`).
    """
    rows = []
    for task in tasks:
        order = np.argsort(-np.asarray(probabilities)[:, task], kind="stable")[:per_task]
        for seq in order:
            rows.append({"case": len(rows), "seq": int(seq), "task": int(task)})
    return pd.DataFrame(rows, columns=["case", "seq", "task"])


def case_site_spans(case_sites: pd.DataFrame | None, case: int,
                    motif_names: Sequence[str]) -> list[tuple[int, int, str]]:
    """The ``(start, width, motif name)`` spans of one case's sites, for the plots' ``sites`` argument.

    ``case_sites`` is the table of :func:`planted_cases` (``None`` gives no spans).
    """
    if case_sites is None:
        return []
    here = case_sites[case_sites["seq"] == case]
    return [(int(r.start), int(r.width), str(motif_names[int(r.motif)])) for r in here.itertuples(index=False)]


def cases_of_task(task_of_case: np.ndarray, case_sites: pd.DataFrame, task: int, *,
                  own_only: bool = True) -> tuple[np.ndarray, pd.DataFrame]:
    """The cases that explain one task, and their sites renumbered to those cases.

    Parameters
    ----------
    task_of_case : numpy.ndarray
        ``(n_cases,)`` task each case explains (``cases["task"]``).
    case_sites : pandas.DataFrame
        The sites table of :func:`planted_cases` (``seq`` is the case index).
    task : int
    own_only : bool, default True
        Keep only the sites of the task's own motif (column ``own``).

    Returns
    -------
    tuple of (numpy.ndarray, pandas.DataFrame)
        The case indices of ``task`` (ascending), and a copy of their sites
        whose ``seq`` is the position within those cases, so it indexes
        ``x_cases[cases]`` directly.
    """
    on_task = np.flatnonzero(np.asarray(task_of_case) == task)
    keep = case_sites["seq"].isin(on_task)
    if own_only:
        keep &= case_sites["own"]
    sites = case_sites[keep].copy()
    sites["seq"] = np.searchsorted(on_task, sites["seq"])
    return on_task, sites
