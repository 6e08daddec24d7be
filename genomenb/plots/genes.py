"""Figures of generated genes against real ones: codon usage, CAI / GC3 distributions, Prodigal calls.

Used by ``08_genome_dreaming`` with the tables of
:func:`genomenb.codons.compare_gene_sets`. The ``plot_*`` functions draw into
a given ``ax``, return it, and never call ``plt.show()``;
:func:`plot_gene_likeness` lays them out as one figure and returns the Figure.
Colours: the real genes are always dark grey, generated sets take the
matplotlib cycle in the order of the summary table.
"""

from __future__ import annotations

import inspect
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["REAL_COLOR", "label_colors", "plot_codon_usage_scatter", "plot_metric_distributions",
           "plot_full_length_calls", "plot_gene_likeness"]

# horizontal box plots: ``orientation`` since matplotlib 3.10, ``vert`` (deprecated there) before
_HORIZONTAL = ({"orientation": "horizontal"} if "orientation" in inspect.signature(plt.Axes.boxplot).parameters
               else {"vert": False})

#: Colour of the real genes in every figure of this module.
REAL_COLOR = "#495057"

_METRIC_LABELS = {"cai": "codon adaptation index (CAI)", "gc3": "GC at third codon positions (GC3)",
                  "gc": "GC content (fraction)", "codon_distance": "codon-usage distance to real genes (JS)",
                  "aa_distance": "amino-acid composition distance (JS)", "length": "length (bases)",
                  "longest_fraction": "fraction covered by the longest Prodigal gene",
                  "prodigal_score_per_kb": "Prodigal score per kb (full-length calls)"}


def label_colors(labels: Sequence[str], real_label: str = "real genes") -> dict[str, str]:
    """One colour per label: :data:`REAL_COLOR` for ``real_label``, ``C0, C1, ...`` for the others, in order."""
    colors, i = {}, 0
    for label in labels:
        if label == real_label:
            colors[label] = REAL_COLOR
        else:
            colors[label] = f"C{i}"
            i += 1
    return colors


def plot_codon_usage_scatter(ax, usage: pd.DataFrame, label: str, *, real_label: str = "real genes",
                             distance: float | None = None, color: str | None = None, annotate: int = 4):
    """Frequency of each sense codon in one generated set against the real genes, with the diagonal.

    ``usage`` is :attr:`genomenb.codons.GeneComparison.usage` (codons x sets).
    ``distance`` (e.g. the summary's ``codon_distance``) goes in the title;
    the ``annotate`` codons furthest from the diagonal are named.
    """
    for name in (label, real_label):
        if name not in usage.columns:
            raise ValueError(f"usage has no column {name!r}; its columns are {list(usage.columns)}")
    x, y = usage[real_label].to_numpy(), usage[label].to_numpy()
    top = float(max(x.max(), y.max())) * 1.08
    ax.plot([0, top], [0, top], color="0.6", lw=1, ls="--", zorder=0)
    ax.scatter(x, y, s=14, color=color or "C0", alpha=0.85, edgecolor="none")
    for i in np.argsort(-np.abs(y - x))[:annotate]:
        ax.annotate(usage.index[i], (x[i], y[i]), xytext=(3, 2), textcoords="offset points", fontsize=7)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_aspect("equal")
    ax.set_xlabel(f"codon frequency, {real_label}")
    ax.set_ylabel(f"codon frequency, {label}")
    ax.set_title(label if distance is None else f"{label}\nJS distance {distance:.3f}", fontsize=9)
    return ax


def plot_metric_distributions(ax, per_sequence: pd.DataFrame, metric: str, *, order: Sequence[str] | None = None,
                              real_label: str = "real genes"):
    """Box plots of a per-sequence metric (``cai``, ``gc3``, ``codon_distance``, ...) for every set.

    ``per_sequence`` is :attr:`genomenb.codons.GeneComparison.per_sequence`;
    ``order`` sets the boxes (default: order of first appearance). The real
    genes' median is repeated as a dotted line across the panel.
    """
    if metric not in per_sequence.columns:
        raise ValueError(f"per_sequence has no column {metric!r}; expected one of {list(per_sequence.columns)}")
    labels = list(order) if order is not None else list(dict.fromkeys(per_sequence["label"]))
    colors = label_colors(labels, real_label)
    data = [per_sequence.loc[per_sequence["label"] == lab, metric].dropna().to_numpy() for lab in labels]
    parts = ax.boxplot(data, **_HORIZONTAL, patch_artist=True, widths=0.6, showfliers=False)
    for box, lab in zip(parts["boxes"], labels):
        box.set_facecolor(colors[lab])
        box.set_alpha(0.7)
    for median in parts["medians"]:
        median.set_color("black")
    if real_label in labels:
        real = data[labels.index(real_label)]
        if len(real):
            ax.axvline(float(np.median(real)), color=REAL_COLOR, ls=":", lw=1)
    ax.set_yticks(np.arange(1, len(labels) + 1))
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(_METRIC_LABELS.get(metric, metric))
    ax.set_ylabel("gene set")
    return ax


def plot_full_length_calls(ax, summary: pd.DataFrame, *, real_label: str = "real genes"):
    """Bars of the share of sequences Prodigal calls as one full-length gene, per set (value on each bar)."""
    for column in ("label", "full_length_pct"):
        if column not in summary.columns:
            raise ValueError(f"summary has no column {column!r}; expected compare_gene_sets(...).summary")
    labels = list(summary["label"])
    colors = label_colors(labels, real_label)
    values = summary["full_length_pct"].to_numpy(dtype=float)
    positions = np.arange(1, len(labels) + 1)
    bars = ax.barh(positions, values, color=[colors[lab] for lab in labels], alpha=0.85)
    for bar, v in zip(bars, values):
        ax.annotate(f"{v:.0f}%", (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize=8)
    ax.set_xlim(0, 110)
    ax.set_yticks(positions)
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("full-length Prodigal gene calls (%)")
    ax.set_ylabel("gene set")
    return ax


def plot_gene_likeness(comparison, *, real_label: str = "real genes",
                       metrics: Sequence[str] = ("cai", "gc3", "codon_distance", "prodigal_score_per_kb"),
                       ) -> plt.Figure:
    """The whole comparison as one figure: codon-usage scatters, then metric distributions and gene calls.

    Parameters
    ----------
    comparison : genomenb.codons.GeneComparison
        Output of :func:`genomenb.codons.compare_gene_sets`.
    real_label : str, default "real genes"
    metrics : sequence of str
        Per-sequence columns drawn as box plots in the second row.

    Returns
    -------
    matplotlib.figure.Figure
        Top row: one codon-usage scatter per generated set; bottom row: the
        ``metrics`` distributions and the full-length call bars.
    """
    summary = comparison.summary
    generated = [lab for lab in summary["label"] if lab != real_label]
    colors = label_colors(list(summary["label"]), real_label)
    n_top, n_bottom = max(1, len(generated)), len(metrics) + 1
    fig = plt.figure(figsize=(3.2 * max(n_top, n_bottom), 6.8), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.1, 1])
    axes = np.atleast_1d(top.subplots(1, n_top))
    distances = dict(zip(summary["label"], summary["codon_distance"]))
    for ax, lab in zip(axes, generated):
        plot_codon_usage_scatter(ax, comparison.usage, lab, real_label=real_label, distance=distances[lab],
                                 color=colors[lab])
    axes_b = np.atleast_1d(bottom.subplots(1, n_bottom))
    for ax, metric in zip(axes_b, metrics):
        plot_metric_distributions(ax, comparison.per_sequence, metric, order=list(summary["label"]),
                                  real_label=real_label)
    plot_full_length_calls(axes_b[-1], summary, real_label=real_label)
    fig.suptitle("Generated genes against real genes: codon usage (top), per-gene measures and Prodigal calls "
                 "(bottom)", fontsize=11)
    return fig
