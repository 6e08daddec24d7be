"""Plots of the yeast expression chapter (DeepRAGE): confusion matrices, scores per model and split kind,
predicted against measured expression, join memory, filter logos with their matched factor, knockout changes.

Every function draws into a given matplotlib ``ax`` (or a row of axes), returns it, and never calls
``plt.show()``.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from genomenb.plots.attribution import plot_pwm_logo
from genomenb.plots.style import COUNT_CMAP, HATCHES, SEQUENTIAL_CMAP

__all__ = ["CLASS_LABELS", "plot_class_confusion", "plot_scores_by_split", "plot_predicted_vs_measured",
           "plot_join_memory", "plot_filter_logos", "plot_knockout_changes"]

#: Expression classes in code order (0 down, 1 baseline, 2 up).
CLASS_LABELS = ("down", "baseline", "up")


def plot_class_confusion(ax, confusion: np.ndarray, *, labels: Sequence[str] = CLASS_LABELS, title: str = ""):
    """A confusion matrix of counts (rows true, columns predicted), written as % of all cells.

    The paper's Table 2 gives percentages of all cells; the colour is the share of each true row, so a
    class the model never calls shows as a pale column.
    """
    counts = np.asarray(confusion, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] != len(labels):
        raise ValueError(f"confusion must be a square matrix with {len(labels)} rows, got shape {counts.shape}")
    total = counts.sum()
    if total <= 0:
        raise ValueError("confusion holds no cell")
    rows = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    ax.imshow(share, cmap=COUNT_CMAP, vmin=0, vmax=1)
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            ax.text(j, i, f"{100 * counts[i, j] / total:.1f}%", ha="center", va="center", fontsize=8,
                    color="white" if share[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(labels)), labels, fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("measured")
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_scores_by_split(ax, table: pd.DataFrame, *, ylabel: str = "test accuracy", reference: Mapping | None = None,
                         reference_label: str = "majority class", title: str = "", xlabel: str = "model"):
    """Grouped bars: one group per model (rows of ``table``), one bar per split kind (columns).

    ``reference`` maps a split kind to a level (e.g. the majority class), drawn as a short line over
    that split's bars.
    """
    if table.empty:
        raise ValueError("table is empty: need models (rows) x split kinds (columns)")
    n_rows, n_cols = table.shape
    width = 0.8 / n_cols
    x = np.arange(n_rows)
    for j, column in enumerate(table.columns):
        ax.bar(x + (j - (n_cols - 1) / 2) * width, table[column].to_numpy(dtype=float), width, label=str(column),
               hatch=HATCHES[j % len(HATCHES)], edgecolor="white")
        if reference is not None and column in reference:
            offset = (j - (n_cols - 1) / 2) * width
            ax.hlines(float(reference[column]), x[0] + offset - width / 2, x[-1] + offset + width / 2,
                      colors="0.2", linestyles=":", lw=1)
    if reference is not None:
        ax.plot([], [], color="0.2", ls=":", lw=1, label=reference_label)
    ax.set_xticks(x, [str(i) for i in table.index], rotation=30, ha="right", fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7, title="unseen", title_fontsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_predicted_vs_measured(ax, measured: np.ndarray, predicted: np.ndarray, *, title: str = "",
                               gridsize: int = 60):
    """Hexbin density of predicted against measured log2 ratios (cells where both are finite), with Pearson r.

    The colour of a hexagon is its number of cells (log scale, :data:`~genomenb.plots.style.SEQUENTIAL_CMAP`),
    explained by a colour bar.
    """
    t = np.asarray(measured, dtype=np.float64).ravel()
    p = np.asarray(predicted, dtype=np.float64).ravel()
    if t.shape != p.shape:
        raise ValueError(f"measured {t.shape} and predicted {p.shape} differ in size")
    keep = np.isfinite(t) & np.isfinite(p)
    if keep.sum() < 2:
        raise ValueError("need at least two cells where measured and predicted are finite")
    t, p = t[keep], p[keep]
    cells = ax.hexbin(t, p, gridsize=gridsize, bins="log", cmap=SEQUENTIAL_CMAP, mincnt=1)
    ax.figure.colorbar(cells, ax=ax, fraction=0.046, pad=0.02, label="cells per hexagon (log scale)")
    if ax.figure.get_layout_engine() is None:  # the colour bar's label would run into a panel on its right
        ax.figure.set_layout_engine("tight")
    lo, hi = np.percentile(np.concatenate([t, p]), [0.5, 99.5])
    ax.plot([lo, hi], [lo, hi], color="0.5", lw=0.8, ls="--")
    r = float(np.corrcoef(t, p)[0, 1]) if t.std() > 0 and p.std() > 0 else float("nan")
    ax.set_xlabel("measured log2 ratio")
    ax.set_ylabel("predicted log2 ratio")
    ax.set_title(f"{title}  r = {r:.3f}, n = {t.size:,}" if title else f"r = {r:.3f}, n = {t.size:,}", fontsize=9)
    return ax


def plot_join_memory(ax, memory: Mapping[str, Mapping[str, float]], *, title: str = "", xlabel: str = "join"):
    """Bars (log scale) of the join tensor's bytes per batch: ``{size label: {join: bytes}}``."""
    frame = pd.DataFrame(memory).astype(float)
    if frame.empty:
        raise ValueError("memory is empty")
    n_rows, n_cols = frame.shape
    width = 0.8 / n_cols
    x = np.arange(n_rows)
    for j, column in enumerate(frame.columns):
        ax.bar(x + (j - (n_cols - 1) / 2) * width, frame[column].to_numpy() / 2**20, width, label=str(column),
               hatch=HATCHES[j % len(HATCHES)], edgecolor="white")
    ax.set_yscale("log")
    ax.set_xticks(x, list(frame.index), rotation=30, ha="right", fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("join tensor per batch (MiB, float32)")
    ax.legend(fontsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_filter_logos(axes, pwms: Sequence[np.ndarray], titles: Sequence[str]):
    """One logo (bits) per filter PWM, ``titles`` naming the filter and its best match."""
    axes = list(np.ravel(axes))
    if len(pwms) != len(titles):
        raise ValueError(f"{len(pwms)} PWMs for {len(titles)} titles")
    if len(pwms) > len(axes):
        raise ValueError(f"{len(pwms)} PWMs for {len(axes)} axes")
    for ax, pwm, title in zip(axes, pwms, titles):
        plot_pwm_logo(ax, pwm, title=title)
    for ax in axes[len(pwms):]:
        ax.axis("off")
    return axes


def plot_knockout_changes(ax, delta: np.ndarray, targets: np.ndarray, *, title: str = "", top: int | None = None):
    """Genes sorted by the change of their prediction after a knockout, the factor's targets marked.

    ``delta`` ``(G,)`` change per gene, ``targets`` ``(G,)`` bool; ``top`` shades the top genes of the
    Fisher test.
    """
    d = np.asarray(delta, dtype=np.float64)
    t = np.asarray(targets, dtype=bool)
    if d.ndim != 1 or t.shape != d.shape:
        raise ValueError(f"delta and targets must be 1-D of one length, got {d.shape} and {t.shape}")
    order = np.argsort(-np.abs(d), kind="stable")
    rank = np.arange(1, d.size + 1)
    ax.plot(rank, d[order], color="0.6", lw=0.8, label="all genes")
    hit = t[order]
    ax.scatter(rank[hit], d[order][hit], s=6, color="#e76f51", label="prior targets", zorder=3)
    if top:
        ax.axvspan(0.5, top + 0.5, color="#ffd166", alpha=0.3, lw=0, label=f"top {top}")
    ax.axhline(0, color="0.4", lw=0.5)
    ax.set_xscale("log")
    ax.set_xlabel("gene rank by |change| (1 = largest)")
    ax.set_ylabel("change in predicted log2 ratio")
    ax.legend(fontsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return ax
