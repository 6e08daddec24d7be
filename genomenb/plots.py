"""Plots. Every function draws into a given ``ax``, returns it, and never calls ``plt.show()``."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

__all__ = ["plot_gc_skew", "plot_kmer_spectra", "plot_rc_symmetry", "plot_device_timings"]


def plot_gc_skew(ax, positions: np.ndarray, skew: np.ndarray, cumulative: np.ndarray, *,
                 landmarks: Mapping[str, int] | None = None, annotated: Mapping[str, int] | None = None,
                 title: str = "GC skew"):
    """Windowed GC skew (bars) and cumulative skew (line, right axis) along a chromosome.

    ``landmarks`` (estimated from the skew) are drawn as dashed lines,
    ``annotated`` positions (from a GFF) as solid ones; positions in bp.
    """
    mb = positions / 1e6
    colors = np.where(skew >= 0, "#2a9d8f", "#e76f51")
    ax.bar(mb, skew, width=(mb[1] - mb[0]) if len(mb) > 1 else 0.01, color=colors, linewidth=0)
    ax.set_xlabel("position (Mb)")
    ax.set_ylabel("(G - C) / (G + C) per window")
    ax.axhline(0, color="0.4", lw=0.6)
    ax2 = ax.twinx()
    step = max(1, len(cumulative) // 5000)
    ax2.plot(np.arange(0, len(cumulative), step) / 1e6, cumulative[::step], color="#264653", lw=1.4,
             label="cumulative skew")
    ax2.set_ylabel("cumulative G - C")
    for label, pos in (landmarks or {}).items():
        ax.axvline(pos / 1e6, color="#6d597a", ls="--", lw=1.2, label=f"{label} from skew: {pos / 1e6:.3f} Mb")
    for label, pos in (annotated or {}).items():
        ax.axvline(pos / 1e6, color="black", lw=1.0, label=f"{label} annotated: {pos / 1e6:.3f} Mb")
    if landmarks or annotated:
        handles, labels = ax.get_legend_handles_labels()
        line_handles, line_labels = ax2.get_legend_handles_labels()
        ax.legend(handles + line_handles, labels + line_labels, fontsize=8, loc="lower left")
    ax.set_title(title)
    return ax


def plot_kmer_spectra(ax, spectra: Mapping[str, np.ndarray], names: Sequence[str], *, top: int | None = None):
    """k-mer frequency profiles of several genomes on one axis (k-mers in lexicographic order)."""
    x = np.arange(len(names))
    for label, freq in spectra.items():
        ax.plot(x, freq, marker="o", ms=2.5, lw=1, label=label)
    ax.axhline(1 / len(names), color="0.5", ls=":", lw=1, label="uniform")
    step = max(1, len(names) // 32)
    ax.set_xticks(x[::step])
    ax.set_xticklabels([names[i] for i in x[::step]], rotation=90, fontsize=7, family="monospace")
    ax.set_ylabel("frequency")
    ax.legend(fontsize=8)
    return ax


def plot_rc_symmetry(ax, spectrum: np.ndarray, rc_spectrum: np.ndarray, *, label: str, r: float):
    """Each k-mer's frequency against its reverse complement's (Chargaff's second parity rule)."""
    ax.scatter(spectrum, rc_spectrum, s=8, alpha=0.7)
    lim = float(max(spectrum.max(), rc_spectrum.max())) * 1.05
    ax.plot([0, lim], [0, lim], color="0.5", lw=0.8, ls="--")
    ax.set_xlim(0, lim)
    ax.set_ylim(0, lim)
    ax.set_xlabel("frequency of k-mer")
    ax.set_ylabel("frequency of its reverse complement")
    ax.set_title(f"{label}: r = {r:.4f}", fontsize=10)
    return ax


def plot_device_timings(ax, timings: Mapping[str, float], *, gflop: float | None = None):
    """Bar chart of seconds per convolution per device (annotated with GFLOP/s when ``gflop`` is given)."""
    devices = list(timings)
    secs = [timings[d] for d in devices]
    bars = ax.bar(devices, secs, color=["#457b9d" if d.startswith("cpu") else "#e63946" for d in devices])
    for bar, s in zip(bars, secs):
        text = f"{s * 1e3:.1f} ms" + (f"\n{gflop / s:.0f} GFLOP/s" if gflop else "")
        ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                    fontsize=8)
    ax.set_ylabel("seconds per convolution (best of repeats)")
    ax.set_title("Same convolution, each device")
    return ax


# --------------------------------------------------------------------------- genome language models

__all__ += ["plot_learning_curves", "plot_markov_orders", "plot_perplexity_bars", "plot_sweep"]


def plot_learning_curves(ax, histories: Mapping[str, "object"], *, references: Mapping[str, float] | None = None,
                         log_excess: bool = False):
    """Training-loss and held-out perplexity per epoch for one or more runs.

    ``histories`` maps a label to a history table (``epoch``,
    ``train_perplexity``, ``heldout_perplexity`` columns, as written by
    :func:`genomenb.train.train_language_model`): solid lines are held-out,
    dashed lines the running training loss. ``references`` draws labelled
    horizontal lines (e.g. a theoretical value or a paper's number). With
    ``log_excess`` the y axis shows ``perplexity - 1`` on a log scale, which
    makes a curve approaching 1 readable.
    """
    for i, (label, hist) in enumerate(histories.items()):
        color = f"C{i}"
        shift = 1.0 if log_excess else 0.0
        ax.plot(hist["epoch"], hist["heldout_perplexity"] - shift, color=color, marker="o", ms=3,
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
        ax.plot(table["k"], table["perplexity"], marker="o", ms=3, color=f"C{i}",
                label=f"{label} (best k={int(best['k'])}: {best['perplexity']:.3f})")
        ax.plot([best["k"]], [best["perplexity"]], marker="*", ms=12, color=f"C{i}")
    for j, (label, value) in enumerate((references or {}).items()):
        ax.axhline(value, color=f"C{j + len(tables)}", ls=":", lw=1.2, label=label)
    ax.set_xlabel("Markov order k (bases of context)")
    ax.set_ylabel("held-out perplexity")
    ax.legend(fontsize=7)
    return ax


def plot_perplexity_bars(ax, values: Mapping[str, float], *, title: str = "", floor: float | None = None):
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
    ax.set_xlabel("perplexity (lower is better)")
    if title:
        ax.set_title(title)
    return ax


def plot_sweep(ax, table, metric: str, *, label_columns: Sequence[str] | None = None,
               references: Mapping[str, float] | None = None):
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
    ax.set_xlabel(metric)
    if references:
        ax.legend(fontsize=7, loc="lower right")
    return ax


# --------------------------------------------------------------------------- chromatin features (919 tasks)

#: One colour per DeepSEA feature kind.
KIND_COLORS = {"DNase": "#457b9d", "TF": "#e76f51", "Histone": "#2a9d8f"}

__all__ += ["KIND_COLORS", "plot_prevalence_by_feature", "plot_prevalence_comparison", "plot_label_barcode",
            "plot_task_scores_by_kind", "plot_score_vs_prevalence", "plot_label_correlation"]


def plot_prevalence_by_feature(ax, prevalence: np.ndarray, kinds: Sequence[str], *,
                               reference: np.ndarray | None = None, label: str = "simulated",
                               reference_label: str = "DeepSEA test set (published)", threshold: float = 0.01):
    """Positive fraction of every feature in output order (log scale), coloured by kind.

    ``reference`` (e.g. the real DeepSEA rates) is drawn as small black dots on top.
    """
    kinds = np.asarray(kinds)
    x = np.arange(len(prevalence))
    floor = 1e-5  # zero rates sit on the floor of the log axis
    for kind, color in KIND_COLORS.items():
        m = kinds == kind
        ax.bar(x[m], np.maximum(prevalence[m], floor), width=1.0, color=color, linewidth=0,
               label=f"{kind} ({label})")
    if reference is not None:
        ax.plot(x, np.maximum(reference, floor), ".", color="black", ms=1.5, label=reference_label)
    ax.axhline(threshold, color="0.3", ls="--", lw=0.8)
    ax.text(len(prevalence) - 1, threshold * 1.1, f"{threshold:.0%}", ha="right", va="bottom", fontsize=8)
    ax.set_yscale("log")
    ax.set_xlim(-1, len(prevalence))
    ax.set_xlabel("feature (DeepSEA output order)")
    ax.set_ylabel("fraction of sequences labelled 1")
    ax.legend(fontsize=8, loc="lower left", ncol=2)
    return ax


def plot_prevalence_comparison(ax, reference: np.ndarray, simulated: np.ndarray, kinds: Sequence[str], *,
                               xlabel: str = "DeepSEA test set (published)", ylabel: str = "DeepSEA-sim (simulated)",
                               threshold: float = 0.01):
    """Per-feature positive rate of two datasets against each other (log-log), with the 1% lines."""
    kinds = np.asarray(kinds)
    floor = 1e-5
    for kind, color in KIND_COLORS.items():
        m = kinds == kind
        ax.scatter(np.maximum(reference[m], floor), np.maximum(simulated[m], floor), s=8, alpha=0.7,
                   color=color, label=kind, linewidths=0)
    lo, hi = floor, 0.5
    ax.plot([lo, hi], [lo, hi], color="0.4", lw=0.8)
    ax.axvline(threshold, color="0.5", ls="--", lw=0.8)
    ax.axhline(threshold, color="0.5", ls="--", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_label_barcode(ax, labels: np.ndarray, kinds: Sequence[str], *, title: str = ""):
    """Label matrix of some sequences (rows) by the 919 features (columns) as a black-and-white barcode."""
    kinds = np.asarray(kinds)
    ax.imshow(labels, aspect="auto", cmap="binary", interpolation="nearest", vmin=0, vmax=1)
    edges = [i for i in range(1, len(kinds)) if kinds[i] != kinds[i - 1]]
    for e in edges:
        ax.axvline(e - 0.5, color="#e63946", lw=0.8)
    starts = [0, *edges]
    ends = [*edges, len(kinds)]
    for s, e in zip(starts, ends):
        ax.text((s + e) / 2, -0.02, kinds[s], transform=ax.get_xaxis_transform(), ha="center", va="top",
                fontsize=8, color=KIND_COLORS.get(kinds[s], "black"))
    ax.set_xticks([])
    ax.set_ylabel("sequence")
    if title:
        ax.set_title(title)
    return ax


def plot_task_scores_by_kind(ax, scores: Mapping[str, np.ndarray], kinds: Sequence[str], *,
                             ylabel: str = "AUROC per task", references: Mapping[str, Mapping[str, float]] | None = None,
                             chance: float | None = 0.5):
    """Box plots of a per-task score for each model and kind; ``references`` are medians drawn as markers.

    Parameters
    ----------
    scores : mapping of model name -> (T,) per-task values (NaN skipped).
        Models are drawn side by side within each kind, lighter to darker.
    references : mapping of label -> {kind: median}, e.g. published medians on the real data.
    """
    from matplotlib.patches import Patch

    kinds = np.asarray(kinds)
    kind_names = [k for k in KIND_COLORS if (kinds == k).any()]
    n_models = len(scores)
    width = 0.8 / max(n_models, 1)
    handles = []
    for j, (model, values) in enumerate(scores.items()):
        values = np.asarray(values, dtype=np.float64)
        data = [values[(kinds == k) & np.isfinite(values)] for k in kind_names]
        pos = np.arange(len(kind_names)) + (j - (n_models - 1) / 2) * width
        box = ax.boxplot(data, positions=pos, widths=width * 0.9, patch_artist=True, showfliers=False)
        shade = 0.35 + 0.65 * (j + 1) / n_models
        for patch, k in zip(box["boxes"], kind_names):
            patch.set_facecolor(KIND_COLORS[k])
            patch.set_alpha(shade)
        for med in box["medians"]:
            med.set_color("black")
        handles.append(Patch(facecolor="0.35", alpha=shade, label=model))
    markers = iter("D^vs*")
    for label, medians in (references or {}).items():
        xs = [i for i, k in enumerate(kind_names) if k in medians]
        (line,) = ax.plot(xs, [medians[kind_names[i]] for i in xs], next(markers), color="black", ms=6, mfc="white",
                          ls="none", label=label)
        handles.append(line)
    if chance is not None:
        ax.axhline(chance, color="0.5", ls=":", lw=0.8)
    ax.set_xticks(range(len(kind_names)))
    ax.set_xticklabels(kind_names)
    ax.set_ylabel(ylabel)
    if n_models > 1 or references:
        ax.legend(handles=handles, fontsize=8, loc="lower right")
    return ax


def plot_score_vs_prevalence(ax, prevalence: np.ndarray, values: np.ndarray, kinds: Sequence[str], *,
                             ylabel: str = "AUROC", threshold: float = 0.01):
    """A per-task score against the task's positive rate (log x), coloured by kind."""
    kinds = np.asarray(kinds)
    for kind, color in KIND_COLORS.items():
        m = (kinds == kind) & np.isfinite(values) & (prevalence > 0)
        ax.scatter(prevalence[m], values[m], s=8, alpha=0.7, color=color, label=kind, linewidths=0)
    ax.axvline(threshold, color="0.5", ls="--", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("fraction of positives (training set)")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    return ax


def plot_label_correlation(ax, corr: np.ndarray, groups: Sequence[str], *, title: str = "", vmax: float = 1.0):
    """Correlation matrix of labels, features ordered by ``groups`` (e.g. cell type), group edges marked.

    ``vmax`` sets both ends of the colour scale (``-vmax`` to ``vmax``); correlations of rare 0/1 labels are small.
    """
    image = ax.imshow(corr, cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
    groups = list(groups)
    edges = [i for i in range(1, len(groups)) if groups[i] != groups[i - 1]]
    for e in edges:
        ax.axhline(e - 0.5, color="black", lw=0.5)
        ax.axvline(e - 0.5, color="black", lw=0.5)
    starts = [0, *edges]
    ends = [*edges, len(groups)]
    ax.set_yticks([(s + e - 1) / 2 for s, e in zip(starts, ends)])
    ax.set_yticklabels([groups[s] for s in starts], fontsize=7)
    ax.set_xticks([])
    if title:
        ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.02, label="Pearson correlation of labels")
    return ax
