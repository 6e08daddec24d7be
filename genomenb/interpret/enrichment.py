"""Statistics of the in-silico knockout test: are a filter's most affected genes the targets of its TF?

DeepRAGE (section 5.2) zeroes a first-layer CNN filter that matches a known
motif (filter 164 ~ Mig1p), predicts again, and asks whether the genes whose
prediction moves most are the annotated targets of that TF (YEASTRACT).
The knockout itself (a filter's weights set to zero, the change in predicted
expression averaged over conditions) is computed elsewhere
(:mod:`genomenb.interpret.perturbation`); this module only tests a given
change per gene.

:func:`knockout_test`
    For one filter: ``delta`` ``(G,)`` and the boolean ``targets`` ``(G,)``.

    * Wilcoxon rank-sum (Mann-Whitney U) test of ``|delta|``, targets against
      all other genes, one-sided by default (targets move more). The effect
      size is the AUC ``U / (n_targets * n_others)``, the probability that a
      random target moves more than a random other gene (0.5: no effect; ties
      count one half), and the ratio of the two medians of ``|delta|``.
    * Fisher's exact test on the ``top`` genes with the largest ``|delta|``:
      the 2 x 2 table (top or not) x (target or not), one-sided by default,
      with the sample odds ratio. Ties at the cut are broken by gene order
      (a stable sort), so the top set always has exactly ``top`` genes.

    Genes whose ``delta`` is NaN are left out of both tests.

:func:`knockout_table`
    One row per filter, with Benjamini-Hochberg q-values across the filters
    for both tests (:func:`scipy.stats.false_discovery_control`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["knockout_test", "knockout_table", "bh_qvalues"]

_ALTERNATIVES = ("greater", "two-sided", "less")


def _vectors(delta: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d = np.asarray(delta, dtype=np.float64)
    t = np.asarray(targets)
    if d.ndim != 1:
        raise ValueError(f"delta must be 1-D (one change per gene), got shape {d.shape}")
    if t.dtype != bool:
        raise ValueError(f"targets must be a boolean mask (one entry per gene), got dtype {t.dtype}")
    if t.shape != d.shape:
        raise ValueError(f"targets has shape {t.shape}, expected {d.shape} (the shape of delta)")
    keep = ~np.isnan(d)
    return np.abs(d[keep]), t[keep]


def knockout_test(delta: np.ndarray, targets: np.ndarray, top: int = 100, *,
                  alternative: str = "greater") -> dict:
    """Rank-sum and top-``top`` Fisher tests of ``|delta|`` for the targets of one TF.

    Parameters
    ----------
    delta : numpy.ndarray
        ``(G,)`` change in predicted expression per gene after the knockout
        (sign ignored; NaN genes are dropped).
    targets : numpy.ndarray
        ``(G,)`` bool: annotated targets of the TF whose motif the filter matches.
    top : int
        Size of the top set for Fisher's test.
    alternative : {"greater", "two-sided", "less"}
        ``"greater"``: targets move more than other genes (the paper's claim).

    Returns
    -------
    dict
        ``n_genes``, ``n_targets``; rank-sum: ``u_statistic`` (U of the
        targets), ``p_ranksum``, ``auc``, ``median_abs_targets``,
        ``median_abs_others``, ``median_ratio`` (targets / others; inf when
        the others' median is 0); Fisher: ``top``, ``top_targets``,
        ``expected_top_targets``, ``odds_ratio``, ``p_fisher``.
    """
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be one of {_ALTERNATIVES}, got {alternative!r}")
    a, t = _vectors(delta, targets)
    n, n_t = a.size, int(t.sum())
    if n_t == 0 or n_t == n:
        raise ValueError(f"need targets and non-targets among the {n} genes with a delta, got {n_t} targets")
    if not 0 < top < n:
        raise ValueError(f"top must be in 1..{n - 1} (genes with a delta), got {top}")
    on, off = a[t], a[~t]
    mw = stats.mannwhitneyu(on, off, alternative=alternative, method="asymptotic")
    med_on, med_off = float(np.median(on)), float(np.median(off))
    ratio = med_on / med_off if med_off > 0 else (float("inf") if med_on > 0 else float("nan"))

    chosen = np.zeros(n, dtype=bool)
    chosen[np.argsort(-a, kind="stable")[:top]] = True
    k = int((chosen & t).sum())
    table = np.array([[k, top - k], [n_t - k, n - top - (n_t - k)]])
    fisher = stats.fisher_exact(table, alternative=alternative)
    return {"n_genes": int(n), "n_targets": n_t,
            "u_statistic": float(mw.statistic), "p_ranksum": float(mw.pvalue),
            "auc": float(mw.statistic) / (n_t * (n - n_t)),
            "median_abs_targets": med_on, "median_abs_others": med_off, "median_ratio": ratio,
            "top": int(top), "top_targets": k, "expected_top_targets": top * n_t / n,
            "odds_ratio": float(fisher.statistic), "p_fisher": float(fisher.pvalue)}


def bh_qvalues(pvalues: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values (NaN p-values stay NaN and do not count as tests)."""
    p = np.asarray(pvalues, dtype=np.float64)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        q[ok] = stats.false_discovery_control(p[ok], method="bh")
    return q


def knockout_table(deltas: Mapping[str, np.ndarray], targets: Mapping[str, np.ndarray], top: int = 100, *,
                   alternative: str = "greater", labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """:func:`knockout_test` for every filter, with BH q-values across filters.

    Parameters
    ----------
    deltas : mapping
        Filter name -> ``(G,)`` delta.
    targets : mapping
        Filter name -> ``(G,)`` bool target mask (of the TF the filter matches);
        every filter of ``deltas`` needs one.
    top, alternative
        As in :func:`knockout_test`.
    labels : mapping, optional
        Filter name -> a label (e.g. the matched TF), written to column ``tf``.

    Returns
    -------
    pandas.DataFrame
        One row per filter (in ``deltas`` order): ``filter``, [``tf``], the
        fields of :func:`knockout_test`, ``q_ranksum`` and ``q_fisher``.
    """
    missing = [f for f in deltas if f not in targets]
    if missing:
        raise ValueError(f"no target mask for filters {missing[:5]}" + (" ..." if len(missing) > 5 else ""))
    if not deltas:
        raise ValueError("deltas is empty: need at least one filter")
    rows = []
    for name, delta in deltas.items():
        row = {"filter": name}
        if labels is not None:
            row["tf"] = labels.get(name, "")
        row.update(knockout_test(delta, targets[name], top, alternative=alternative))
        rows.append(row)
    table = pd.DataFrame(rows)
    table["q_ranksum"] = bh_qvalues(table["p_ranksum"].to_numpy())
    table["q_fisher"] = bh_qvalues(table["p_fisher"].to_numpy())
    return table
