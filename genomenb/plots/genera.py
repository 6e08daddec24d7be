"""Figures of the genus language models: Table 1 as a heatmap, accuracy by fragment length, confusions."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from genomenb.plots.style import COUNT_CMAP, HATCHES, LINESTYLES, MARKERS, SEQUENTIAL_CMAP

__all__ = ["plot_perplexity_table", "plot_accuracy_by_length", "plot_confusion", "plot_over_optimism"]


def plot_perplexity_table(ax, table: pd.DataFrame, truth: Mapping[str, str] | None = None, *,
                          cmap: str = SEQUENTIAL_CMAP):
    """Heatmap of perplexities, genomes (rows) x genus models (columns); each row's lowest value is boxed.

    ``truth`` maps a row to its true genus: the label then carries it, and a
    row whose lowest perplexity is another genus's model is marked with ``x``.
    """
    values = table.to_numpy(dtype=float)
    image = ax.imshow(values, cmap=cmap, aspect="auto")
    ax.figure.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="perplexity per base")
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns], rotation=40, ha="right")
    labels = [f"{r} ({truth[r]})" if truth else str(r) for r in table.index]
    ax.set_yticks(range(table.shape[0]), labels)
    low, high = np.nanmin(values), np.nanmax(values)
    for i, row in enumerate(values):
        j = int(np.nanargmin(row))
        wrong = truth is not None and str(table.columns[j]) != truth[table.index[i]]
        ax.add_patch(_box(i, j, "red" if wrong else "white"))
        for jj, v in enumerate(row):
            shade = (v - low) / (high - low + 1e-12)
            ax.text(jj, i, f"{v:.3f}" + (" x" if wrong and jj == j else ""), ha="center", va="center", fontsize=7,
                    color="black" if shade > 0.6 else "white")
    ax.set_xlabel("genus model")
    ax.set_ylabel("unseen genome (true genus)" if truth else "genome")
    return ax


def _box(i: int, j: int, color: str):
    from matplotlib.patches import Rectangle

    return Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=color, lw=2)


def plot_accuracy_by_length(ax, accuracy: pd.DataFrame, *, chance: float | None = None,
                            references: Mapping[str, float] | None = None):
    """Fragment-level accuracy (rows: fragment lengths in bases; columns: methods), log-scaled lengths."""
    for i, method in enumerate(accuracy.columns):
        ax.plot(accuracy.index, accuracy[method], marker=MARKERS[i % len(MARKERS)], ls=LINESTYLES[i % len(LINESTYLES)],
                label=method)
    if chance is not None:
        ax.axhline(chance, color="grey", ls=":", lw=1, label=f"largest class ({chance:.0%})")
    for label, value in (references or {}).items():
        ax.axhline(value, color="black", ls="--", lw=1, label=label)
    ax.set_xscale("log")
    ax.set_xticks(list(accuracy.index), [f"{n:,}" for n in accuracy.index])
    ax.set_xlabel("fragment length (bases)")
    ax.set_ylabel("genus calls correct (fraction)")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_confusion(ax, truth: Sequence[str], calls: Sequence[str], labels: Sequence[str], *, title: str = "",
                   what: str = "genus"):
    """Confusion matrix, rows the true ``what`` (genus, class), columns the call, as fractions of each row (counts
    written in)."""
    labels = list(labels)
    index = {g: i for i, g in enumerate(labels)}
    counts = np.zeros((len(labels), len(labels)), dtype=int)
    for t, c in zip(truth, calls):
        counts[index[t], index[c]] += 1
    rows = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, rows, out=np.zeros(counts.shape), where=rows > 0)
    ax.imshow(share, cmap=COUNT_CMAP, vmin=0, vmax=1)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if counts[i, j]:
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if share[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(labels)), labels, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel(f"called {what}")
    ax.set_ylabel(f"true {what}")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_over_optimism(ax, table: pd.DataFrame, *, xlabel: str = "model"):
    """Grouped bars: perplexity of each model (rows) on each evaluation set (columns), values written on the bars."""
    n_rows, n_cols = table.shape
    width = 0.8 / n_cols
    for j, column in enumerate(table.columns):
        xs = np.arange(n_rows) + (j - (n_cols - 1) / 2) * width
        bars = ax.bar(xs, table[column], width=width, label=column, hatch=HATCHES[j % len(HATCHES)],
                      edgecolor="white")
        ax.bar_label(bars, fmt="%.3f", fontsize=7)
    ax.set_xticks(range(n_rows), table.index)
    low = float(np.nanmin(table.to_numpy())) - 0.1
    ax.set_ylim(max(0.0, low), float(np.nanmax(table.to_numpy())) + 0.08)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("perplexity per base")
    ax.legend(fontsize=8)
    return ax
