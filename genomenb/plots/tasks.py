"""Plots of multitask labels and per-task scores (the 919 chromatin features, the TF-binding sets).

Label prevalence, label barcodes and correlations, per-task scores by kind
or against prevalence, multitask learning curves, per-task F1 against a
baseline and per-set scores. Features are coloured by kind with
:data:`genomenb.plots.style.KIND_COLORS`. Every function draws into a given
``ax``, returns it, and never calls ``plt.show()``.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from genomenb.plots.style import KIND_COLORS, KIND_MARKERS, MARKERS, SIGNED_CMAP, mark_kind_blocks

__all__ = ["plot_prevalence_by_feature", "plot_prevalence_comparison", "plot_label_barcode", "plot_task_scores_by_kind",
           "plot_score_vs_prevalence", "plot_label_correlation", "plot_multitask_curves", "plot_sorted_task_f1",
           "plot_task_score_scatter", "plot_set_scores"]


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
                   color=color, marker=KIND_MARKERS[kind], label=kind, linewidths=0)
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
    mark_kind_blocks(ax, kinds, color="#e63946", lw=0.8)
    ax.set_xticks([])
    ax.set_xlabel(f"feature ({labels.shape[1]} labels, grouped by kind)", labelpad=18)
    ax.set_ylabel("sequence")
    if title:
        ax.set_title(title)
    return ax


def plot_task_scores_by_kind(ax, scores: Mapping[str, np.ndarray], kinds: Sequence[str], *,
                             ylabel: str = "AUROC per task",
                             references: Mapping[str, Mapping[str, float]] | None = None,
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
    ax.set_xlabel("kind of feature")
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
        ax.scatter(prevalence[m], values[m], s=8, alpha=0.7, color=color, marker=KIND_MARKERS[kind], label=kind,
                   linewidths=0)
    ax.axvline(threshold, color="0.5", ls="--", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("fraction of positives (training set)")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    return ax


def plot_label_correlation(ax, corr: np.ndarray, groups: Sequence[str], *, title: str = "", vmax: float = 1.0,
                           group_label: str = "cell type"):
    """Correlation matrix of labels, features ordered by ``groups`` (e.g. cell type), group edges marked.

    ``vmax`` sets both ends of the colour scale (``-vmax`` to ``vmax``); correlations of rare 0/1 labels are small.
    The colour map is :data:`~genomenb.plots.style.SIGNED_CMAP` (lightness rises from -vmax to vmax).
    """
    image = ax.imshow(corr, cmap=SIGNED_CMAP, vmin=-vmax, vmax=vmax, interpolation="nearest")
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
    ax.set_xlabel(f"feature ({len(groups)}, same order as the rows)")
    ax.set_ylabel(f"feature, grouped by {group_label}")
    if title:
        ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.02, label="Pearson correlation of labels")
    return ax


def plot_multitask_curves(ax, histories: Mapping[str, "object"], *, best_epochs: Mapping[str, int] | None = None,
                          references: Mapping[str, float] | None = None):
    """Training and validation perplexity (``exp`` of the mean binary cross-entropy) per epoch.

    ``histories`` maps a model name to a history table of
    :func:`genomenb.training.train_supervised` (``epoch``, ``train_perplexity``,
    ``val_perplexity``): solid lines validation, dashed lines the running
    training loss; ``best_epochs`` marks each model's best validation epoch
    with a star; ``references`` draws labelled horizontal lines (e.g. a
    paper's plateau).
    """
    for i, (label, hist) in enumerate(histories.items()):
        color = f"C{i}"
        ax.plot(hist["epoch"], hist["val_perplexity"], color=color, marker=MARKERS[i % len(MARKERS)], ms=3,
                label=f"{label}: validation")
        ax.plot(hist["epoch"], hist["train_perplexity"], color=color, ls="--", lw=1, label=f"{label}: training loss")
        if best_epochs and label in best_epochs:
            e = int(best_epochs[label])
            ax.plot([e], [float(hist["val_perplexity"].iloc[e - 1])], marker="*", ms=13, color=color, ls="none")
    for j, (label, value) in enumerate((references or {}).items()):
        ax.axhline(value, color="0.3", ls=[":", "-.", "--"][j % 3], lw=1, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("perplexity = exp(mean binary cross-entropy)")
    ax.legend(fontsize=7)
    return ax


def plot_sorted_task_f1(ax, model_f1: np.ndarray, baseline_f1: np.ndarray, *, model_label: str = "network",
                        baseline_label: str = "k-mer logistic regression", model_max: np.ndarray | None = None,
                        max_label: str = "network, best epoch per task (optimistic)"):
    """Per-task F1 of a model and a baseline, tasks sorted by the baseline (ties by the model).

    The layout of Zhang & Kamath's Figure 3: the baseline's F1 rises along x
    as a line; the model's F1 on the same task is a dot above or below it.
    ``model_max`` (e.g. each task's best F1 over epochs) adds faint dots.
    NaN tasks are left out.
    """
    model_f1 = np.asarray(model_f1, dtype=np.float64)
    baseline_f1 = np.asarray(baseline_f1, dtype=np.float64)
    keep = np.isfinite(model_f1) & np.isfinite(baseline_f1)
    idx = np.flatnonzero(keep)
    order = idx[np.lexsort((model_f1[idx], baseline_f1[idx]))]
    x = np.arange(len(order))
    if model_max is not None:
        ax.plot(x, np.asarray(model_max, dtype=np.float64)[order], ".", color="#a8dadc", ms=3, label=max_label)
    ax.plot(x, model_f1[order], ".", color="#2a9d8f", ms=3.5, label=model_label)
    ax.plot(x, baseline_f1[order], "-", color="#1d3557", lw=1.6, label=baseline_label)
    wins = int((model_f1[order] > baseline_f1[order]).sum())
    ax.set_xlabel(f"task, sorted by the baseline's F1 ({len(order)} tasks)")
    ax.set_ylabel("test F1")
    ax.set_title(f"{model_label} higher on {wins} of {len(order)} tasks ({wins / max(len(order), 1):.1%})",
                 fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    return ax


def plot_task_score_scatter(ax, model: np.ndarray, baseline: np.ndarray, kinds: Sequence[str] | None = None, *,
                            xlabel: str = "baseline", ylabel: str = "model", metric: str = "F1"):
    """One dot per task: the baseline's score (x) against the model's (y), coloured by kind, with the diagonal."""
    model = np.asarray(model, dtype=np.float64)
    baseline = np.asarray(baseline, dtype=np.float64)
    keep = np.isfinite(model) & np.isfinite(baseline)
    if kinds is None:
        ax.scatter(baseline[keep], model[keep], s=10, alpha=0.7, color=KIND_COLORS["DNase"], linewidths=0)
    else:
        kinds = np.asarray(kinds)
        for kind, color in KIND_COLORS.items():
            m = keep & (kinds == kind)
            if m.any():
                ax.scatter(baseline[m], model[m], s=8, alpha=0.7, color=color, marker=KIND_MARKERS[kind], label=kind,
                           linewidths=0)
        ax.legend(fontsize=8, loc="upper left")
    lo = float(min(baseline[keep].min(), model[keep].min())) if keep.any() else 0.0
    hi = float(max(baseline[keep].max(), model[keep].max())) if keep.any() else 1.0
    ax.plot([lo, hi], [lo, hi], color="0.4", ls="--", lw=0.8)
    ax.set_xlabel(f"{xlabel}: {metric}")
    ax.set_ylabel(f"{ylabel}: {metric}")
    return ax


def plot_set_scores(ax, table, models: Sequence[str], *, metric: str = "auroc", marked: Sequence[bool] | None = None,
                    marked_label: str = "negatives are shuffled positives", ylabel: str = "data set"):
    """One row per data set, one marker per model: a per-set score (e.g. test AUROC) side by side.

    ``table`` is indexed by set name with columns ``<model>_<metric>``; sets
    are sorted by the first model's score. ``marked`` flags sets whose names
    are drawn in italics with a grey band (e.g. shuffled negatives).
    """
    ordered = table.sort_values(f"{models[0]}_{metric}")
    y = np.arange(len(ordered))
    for j, model in enumerate(models):
        ax.plot(ordered[f"{model}_{metric}"], y, MARKERS[j % len(MARKERS)], color=f"C{j}", ms=5, label=model,
                mfc="none" if j else f"C{j}")
    if marked is not None:
        flags = np.asarray(marked, dtype=bool)[[list(table.index).index(i) for i in ordered.index]]
        for yi in np.flatnonzero(flags):
            ax.axhspan(yi - 0.5, yi + 0.5, color="0.92", zorder=0)
        from matplotlib.patches import Patch

        handles, labels = ax.get_legend_handles_labels()
        handles.append(Patch(color="0.92", label=marked_label))
    else:
        handles, _ = ax.get_legend_handles_labels()
    # below the axes: inside, it would hide the markers of the sets at the bottom
    ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=len(handles))
    ax.set_yticks(y)
    ax.set_yticklabels(ordered.index, fontsize=7)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(f"test {metric.upper() if metric in ('auroc', 'aupr', 'f1') else metric}")
    ax.grid(axis="x", color="0.9", lw=0.6)
    return ax
