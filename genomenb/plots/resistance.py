"""Figures of the resistance-gene chapter: composition of the gene sets, fold curves, CV vs test, identity bins."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from genomenb.plots.style import HATCHES, LINESTYLES, MARKERS

__all__ = ["plot_composition", "plot_fold_curves", "plot_cv_vs_test", "plot_identity_bins"]


def plot_composition(axes, sets: Mapping[str, pd.DataFrame]):
    """GC content (left) and length (right) distributions of each gene set (tables with ``gc`` and ``length``)."""
    for i, (name, table) in enumerate(sets.items()):
        style = {"histtype": "step", "lw": 1.5, "density": True, "label": name, "ls": LINESTYLES[i % len(LINESTYLES)]}
        axes[0].hist(table["gc"], bins=np.linspace(0.2, 0.8, 61), **style)
        axes[1].hist(np.log10(table["length"]), bins=60, **style)
    axes[0].set_xlabel("GC content (fraction)")
    axes[1].set_xlabel("gene length (bases, log scale)")
    axes[0].set_title("GC content of each gene set", fontsize=10)
    axes[1].set_title("Length of each gene set", fontsize=10)
    ticks = [100, 300, 1000, 3000]
    axes[1].set_xticks(np.log10(ticks), [f"{t:,}" for t in ticks])
    axes[0].set_ylabel("density (per unit of GC fraction)")
    axes[1].set_ylabel("density (per log10 unit of length)")
    for ax in axes:
        ax.legend(fontsize=8)
    return axes


def plot_fold_curves(axes, cross_validation, *, columns=("val_accuracy", "val_loss")):
    """Validation accuracy and loss per epoch, one line per fold (a :class:`~genomenb.training.CrossValidation`)."""
    for ax, column in zip(axes, columns):
        for k, result in enumerate(cross_validation.results):
            history = result.history
            ax.plot(history["epoch"], history[column], marker=MARKERS[k % len(MARKERS)], label=f"fold {k + 1}")
            ax.plot(history["epoch"], history["loss"] if column == "val_loss" else np.nan * history["epoch"],
                    ls=":", color=ax.lines[-1].get_color())
        ax.set_xlabel("epoch")
        ax.set_ylabel(column.replace("val_", "validation ") + (" (dotted: training loss)" if column == "val_loss"
                                                                 else ""))
        ax.set_title(column.replace("val_", "Validation ") + " per epoch, one line per fold", fontsize=10)
        ax.legend(fontsize=8)
    return axes


def plot_cv_vs_test(ax, table: pd.DataFrame, *, metric: str = "accuracy", title: str | None = None,
                    xlabel: str = "model"):
    """Grouped bars per model: the cross-validation mean and the held-out score of ``metric``.

    ``table`` has models as rows and a two-level column index ``(set, metric)``; ``title`` defaults to
    naming the metric and the sets.
    """
    sets = list(dict.fromkeys(table.columns.get_level_values(0)))
    width = 0.8 / len(sets)
    for j, name in enumerate(sets):
        xs = np.arange(len(table)) + (j - (len(sets) - 1) / 2) * width
        bars = ax.bar(xs, table[(name, metric)], width=width, label=name, hatch=HATCHES[j % len(HATCHES)],
                      edgecolor="white")
        ax.bar_label(bars, fmt="%.3f", fontsize=7)
    ax.set_xticks(range(len(table)), table.index, rotation=15, ha="right")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title(title if title is not None else f"{metric.replace('_', ' ').capitalize()}: " + " against ".join(sets),
                 fontsize=10)
    ax.set_ylim(0.5 if table.xs(metric, axis=1, level=1).min().min() > 0.5 else 0, 1.02)
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_identity_bins(ax, bins: pd.DataFrame, *, models=("nearest_neighbour", "bilstm"),
                       xlabel: str = "identity of a test gene to its most similar training gene",
                       title: str = "Accuracy by identity to the training genes"):
    """Accuracy per identity bin (rows of ``bins``), one bar per model (a column of ``bins``), gene counts above."""
    width = 0.8 / len(models)
    for j, model in enumerate(models):
        xs = np.arange(len(bins)) + (j - (len(models) - 1) / 2) * width
        ax.bar(xs, bins[model].fillna(0), width=width, label=model.replace("_", " "), hatch=HATCHES[j % len(HATCHES)],
               edgecolor="white")
    for i, n in enumerate(bins["genes"]):
        ax.text(i, 1.03, f"n={int(n)}", ha="center", fontsize=8)
    ax.set_xticks(range(len(bins)), [str(b) for b in bins.index])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("called correctly (fraction)")
    ax.set_title(title, fontsize=10, pad=14)
    ax.set_ylim(0, 1.12)
    ax.legend(fontsize=8, loc="lower left")
    return ax
