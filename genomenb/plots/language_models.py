"""Plots of genome language models: learning curves, Markov orders, perplexity bars, sweeps.

Used by ``01_sanity_genomes`` and ``02_genome_language_models`` and by
:func:`genomenb.sweep.plot_sweep_file`. Every function draws into a given
``ax``, returns it, and never calls ``plt.show()``.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from genomenb.plots.style import LINESTYLES, MARKERS

__all__ = ["plot_learning_curves", "plot_markov_orders", "plot_perplexity_bars", "plot_sweep",
           "plot_perplexity_vs_seconds"]


def plot_learning_curves(ax, histories: Mapping[str, "object"], *, references: Mapping[str, float] | None = None,
                         log_excess: bool = False):
    """Training-loss and held-out perplexity per epoch for one or more runs.

    ``histories`` maps a label to a history table (``epoch``,
    ``train_perplexity``, ``heldout_perplexity`` columns, as written by
    :func:`genomenb.training.train_language_model`): solid lines are held-out,
    dashed lines the running training loss. ``references`` draws labelled
    horizontal lines (e.g. a theoretical value or a paper's number). With
    ``log_excess`` the y axis shows ``perplexity - 1`` on a log scale, which
    makes a curve approaching 1 readable.
    """
    for i, (label, hist) in enumerate(histories.items()):
        color = f"C{i}"
        shift = 1.0 if log_excess else 0.0
        ax.plot(hist["epoch"], hist["heldout_perplexity"] - shift, color=color, marker=MARKERS[i % len(MARKERS)], ms=3,
                label=f"{label}: held-out")
        ax.plot(hist["epoch"], hist["train_perplexity"] - shift, color=color, ls="--", lw=1,
                label=f"{label}: training loss")
    for j, (label, value) in enumerate((references or {}).items()):
        ax.axhline(value - (1.0 if log_excess else 0.0), color="0.3", ls=[":", "-.", "--"][j % 3], lw=1, label=label)
    if log_excess:
        ax.set_yscale("log")
        ax.set_ylabel("perplexity - 1 (log scale)")
    else:
        ax.set_ylabel("perplexity")
    ax.set_xlabel("epoch")
    ax.legend(fontsize=7)
    return ax


def plot_markov_orders(ax, tables: Mapping[str, "object"], *, references: Mapping[str, float] | None = None):
    """Held-out perplexity of order-k Markov models against k, one line per genome or setting.

    ``tables`` maps a label to a table with ``k`` and ``perplexity`` columns
    (:func:`genomenb.baselines.markov.markov_perplexities`); the best k of
    each is marked. ``references`` adds labelled horizontal lines.
    """
    for i, (label, table) in enumerate(tables.items()):
        best = table.loc[table["perplexity"].idxmin()]
        ax.plot(table["k"], table["perplexity"], marker=MARKERS[i % len(MARKERS)], ms=3, color=f"C{i}",
                ls=LINESTYLES[i % len(LINESTYLES)],
                label=f"{label} (best k={int(best['k'])}: {best['perplexity']:.3f})")
        ax.plot([best["k"]], [best["perplexity"]], marker="*", ms=12, color=f"C{i}")
    for j, (label, value) in enumerate((references or {}).items()):
        ax.axhline(value, color=f"C{j + len(tables)}", ls=":", lw=1.2, label=label)
    ax.set_xlabel("Markov order k (bases of context)")
    ax.set_ylabel("held-out perplexity per base")
    ax.legend(fontsize=7)
    return ax


def plot_perplexity_bars(ax, values: Mapping[str, float], *, title: str = "", floor: float | None = None,
                         ylabel: str = "model or baseline"):
    """Horizontal bars of labelled perplexities (ours, baselines, the paper's), values written on the bars.

    Labels containing "paper" are hatched so a published number is never
    mistaken for a measured one; ``floor`` draws a dotted line (e.g. the
    theoretical best).
    """
    labels = list(values)
    vals = [values[k] for k in labels]
    colors = ["#adb5bd" if "paper" in k.lower() else ("#e9c46a" if "markov" in k.lower() else "#2a9d8f")
              for k in labels]
    bars = ax.barh(labels, vals, color=colors)
    for bar, label in zip(bars, labels):
        if "paper" in label.lower():
            bar.set_hatch("//")
    lo = min(vals) - 0.15 * (max(vals) - min(vals) + 0.05)
    ax.set_xlim(max(0.0, lo), max(vals) + 0.2 * (max(vals) - min(vals) + 0.05))
    for bar, v in zip(bars, vals):
        ax.annotate(f"{v:.3f}", (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize=8)
    if floor is not None:
        ax.axvline(floor, color="0.3", ls=":", lw=1)
    ax.invert_yaxis()
    ax.set_xlabel("perplexity per base (lower is better)")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


def plot_sweep(ax, table, metric: str, *, label_columns: Sequence[str] | None = None,
               references: Mapping[str, float] | None = None, ylabel: str = "grid point"):
    """One bar per grid point of a sweep table, sorted by ``metric``.

    ``label_columns`` (default: every column before the metrics that is not
    ``point``) make each bar's label; ``references`` add labelled vertical lines.
    """
    if label_columns is None:
        label_columns = [c for c in table.columns if c not in ("point", metric)
                         and not str(c).endswith(("perplexity", "bits_per_base", "seconds", "second"))
                         and table[c].nunique() > 1][:5]
    ordered = table.sort_values(metric)
    labels = [", ".join(f"{c}={row[c]}" for c in label_columns) or str(row.get("point", i))
              for i, (_, row) in enumerate(ordered.iterrows())]
    y = np.arange(len(ordered))
    ax.barh(y, ordered[metric], color="#457b9d")
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    lo, hi = float(ordered[metric].min()), float(ordered[metric].max())
    for j, (label, value) in enumerate((references or {}).items()):
        ax.axvline(value, color=f"C{j + 1}", ls="--", lw=1.2, label=label)
        lo, hi = min(lo, value), max(hi, value)
    pad = 0.1 * (hi - lo + 0.02)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_xlabel(metric.replace("_", " ") + (" per base" if metric.endswith("perplexity") else ""))
    ax.set_ylabel(ylabel)
    if references:
        ax.legend(fontsize=7, loc="lower right")
    return ax


def plot_perplexity_vs_seconds(ax, histories: Mapping[str, "object"], *,
                               references: Mapping[str, float] | None = None, budget: float | None = None):
    """Held-out perplexity after each epoch against cumulative training seconds, one line per model.

    Who learns fastest per CPU second: a line further left reaches a given
    perplexity sooner. ``histories`` maps a label to a history table
    (``seconds``, ``bases_per_second`` and ``heldout_perplexity`` per epoch, see
    :func:`genomenb.training.compare_models`), timed by
    :func:`genomenb.training.steady_seconds`; ``references`` draws labelled
    horizontal lines (e.g. the best Markov chain); ``budget`` a vertical line
    at the equal-time budget.
    """
    from genomenb.training.language_model import steady_seconds  # here: importing training loads Keras

    for i, (label, hist) in enumerate(histories.items()):
        seconds = steady_seconds(hist)
        values = np.asarray(hist["heldout_perplexity"], dtype=float)
        ax.plot(seconds, values, marker=MARKERS[i % len(MARKERS)], ms=3, color=f"C{i}",
                ls=LINESTYLES[i % len(LINESTYLES)], label=f"{label} ({values[-1]:.3f})")
    for j, (label, value) in enumerate((references or {}).items()):
        ax.axhline(value, color="0.3", ls=[":", "-.", "--"][j % 3], lw=1, label=label)
    if budget is not None:
        ax.axvline(budget, color="0.5", lw=0.8, ls="--", label=f"equal-time budget ({budget:.0f} s)")
    ax.set_xlabel("training time (s, cumulative; evaluation and one-off compilation excluded)")
    ax.set_ylabel("held-out perplexity per base")
    ax.legend(fontsize=7)
    return ax
