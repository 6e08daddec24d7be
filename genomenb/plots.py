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


# --------------------------------------------------------------------------- interpretation (saliency, barcodes)

#: Colours of the bases in sequence strips (A, C, G, T, then N).
BASE_COLORS = ("#2a9d8f", "#457b9d", "#e9c46a", "#e76f51", "#d9d9d9")

__all__ += ["BASE_COLORS", "plot_attribution_logo", "plot_pwm_logo", "plot_saliency_heatmap", "plot_position_tracks",
            "plot_temporal_scores", "plot_method_ranking", "plot_sequence_strip", "plot_prediction_difference",
            "plot_grouped_predictions"]


def _logo_frame(matrix: np.ndarray, start: int = 0):
    import pandas as pd

    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2 or m.shape[1] != 4:
        raise ValueError(f"a logo needs a (w, 4) matrix in A C G T order, got shape {m.shape}")
    return pd.DataFrame(m, columns=list("ACGT"), index=np.arange(start, start + m.shape[0]))


def _shade_sites(ax, sites, *, color: str = "#ffd166", alpha: float = 0.35, offset: float = 0.0, labels: bool = True):
    """Shade ``(start, width, label)`` spans on an axis whose x unit is one base."""
    for start, width, label in sites or ():
        ax.axvspan(start - 0.5 + offset, start + width - 0.5 + offset, color=color, alpha=alpha, lw=0)
        if labels and label:
            ax.text(start + width / 2 - 0.5 + offset, 1.0, label, transform=ax.get_xaxis_transform(), ha="center",
                    va="bottom", fontsize=7)


def plot_attribution_logo(ax, matrix: np.ndarray, *, start: int = 0, title: str = "", ylabel: str = "attribution",
                          sites=None):
    """Sequence logo of a ``(w, 4)`` attribution map or optimized input (letters sized by value, signed).

    Positive values stack above the axis, negative ones below it (logomaker
    draws negative letters flipped). ``sites`` are ``(start, width, label)``
    spans to shade (e.g. the planted motif).
    """
    import logomaker

    frame = _logo_frame(matrix, start)
    logomaker.Logo(frame, ax=ax, color_scheme="classic", flip_below=True, fade_below=0.4, shade_below=0.2)
    ax.axhline(0, color="0.4", lw=0.5)
    _shade_sites(ax, sites)
    ax.set_ylabel(ylabel)
    ax.set_xlim(start - 0.5, start + len(frame) - 0.5)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_pwm_logo(ax, pwm: np.ndarray, *, title: str = "", information: bool = True):
    """Sequence logo of a position weight matrix (probabilities, ``(w, 4)``), in bits by default."""
    import logomaker

    frame = _logo_frame(pwm)
    frame = frame.div(frame.sum(axis=1), axis=0)
    if information:
        frame = logomaker.transform_matrix(frame, from_type="probability", to_type="information")
    logomaker.Logo(frame, ax=ax, color_scheme="classic")
    ax.set_ylabel("bits" if information else "probability")
    if information:
        ax.set_ylim(0, 2)
    ax.set_xlim(-0.5, len(frame) - 0.5)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_saliency_heatmap(ax, attribution: np.ndarray, codes: np.ndarray | None = None, *, sites=None,
                          title: str = "", label: str = "gradient x input", tick_every: int = 10):
    """Heatmap of an ``(L, 4)`` attribution map: bases (rows) by positions (columns), symmetric colour scale.

    With ``codes`` the observed base of every position is outlined; ``sites``
    (``(start, width, label)``) are framed above the map.
    """
    from matplotlib.patches import Rectangle

    a = np.asarray(attribution, dtype=np.float64)
    vmax = float(np.abs(a).max()) or 1.0
    image = ax.imshow(a.T, aspect="auto", cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
    if codes is not None:
        codes = np.asarray(codes)
        for pos in np.flatnonzero(codes < 4):
            ax.add_patch(Rectangle((pos - 0.5, codes[pos] - 0.5), 1, 1, fill=False, lw=0.4, ec="0.2"))
    for start, width, name in sites or ():
        ax.add_patch(Rectangle((start - 0.5, -0.5), width, 4, fill=False, lw=1.5, ec="#2b2d42"))
        if name:
            ax.text(start + width / 2 - 0.5, -0.7, name, ha="center", va="bottom", fontsize=7)
    ax.set_yticks(range(4))
    ax.set_yticklabels(list("ACGT"))
    ax.set_xticks(np.arange(0, a.shape[0], tick_every))
    ax.set_xlabel("position in the sequence")
    if title:
        ax.set_title(title, fontsize=9, pad=16 if sites else 6)
    ax.figure.colorbar(image, ax=ax, fraction=0.025, pad=0.01, label=label)
    return ax


def plot_position_tracks(ax, tracks, *, sites=None, title: str = ""):
    """Per-position importance of several methods on one sequence, each scaled to its maximum, stacked.

    ``tracks`` maps a method name to an ``(L,)`` array; ``sites`` shade the
    planted positions.
    """
    names = list(tracks)
    for i, name in enumerate(names):
        v = np.asarray(tracks[name], dtype=np.float64)
        scaled = v / (np.abs(v).max() or 1.0)
        base = len(names) - 1 - i
        ax.fill_between(np.arange(len(v)), base, base + 0.9 * scaled, step="mid", color=f"C{i}", alpha=0.8, lw=0)
        ax.text(-1, base + 0.3, name, ha="right", va="center", fontsize=8)
    _shade_sites(ax, sites)
    ax.set_yticks([])
    ax.set_xlim(-0.5, len(np.asarray(tracks[names[0]])) - 0.5)
    ax.set_xlabel("position in the sequence")
    if title:
        ax.set_title(title, fontsize=9, pad=12 if sites else 6)
    return ax


def plot_temporal_scores(ax, curves, revealed: np.ndarray, *, sites=None, ylabel: str = "predicted probability",
                         title: str = "", direction: str = "forward"):
    """Output after each prefix (forward) or suffix (reverse) of a sequence, one line per curve.

    ``curves`` maps a label (a model, a sequence) to ``(K,)`` scores after
    ``revealed`` bases; the x axis is the last base revealed, so a jump sits
    over the base that caused it. ``sites`` shade the planted motif.
    """
    revealed = np.asarray(revealed)
    length = int(revealed.max())
    x = revealed - 0.5 if direction == "forward" else length - revealed - 0.5
    for i, (label, y) in enumerate(curves.items()):
        ax.plot(x, y, drawstyle="steps-post" if direction == "forward" else "steps-pre", color=f"C{i}", lw=1.4,
                label=label)
    _shade_sites(ax, sites)
    ax.set_xlim(-0.5, length - 0.5)
    ax.set_xlabel("bases read from the start" if direction == "forward" else "bases read from the end")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, loc="upper left")
    if title:
        ax.set_title(title, fontsize=9, pad=12 if sites else 6)
    return ax


def plot_method_ranking(ax, summary, *, chance: float = 0.5, value: str = "mean_auroc", error: str = "sem_auroc",
                        target: float | None = None):
    """Horizontal bars of a score per attribution method (best on top), with error bars and the chance line.

    ``summary`` is a table indexed by method (:func:`genomenb.interpret.summarize_ranking`).
    """
    table = summary.sort_values(value)
    colors = ["#adb5bd" if m == "random" else "#2a9d8f" for m in table.index]
    err = table[error].fillna(0.0) if error in table else None
    ax.barh(table.index, table[value], xerr=err, color=colors, capsize=3)
    ends = table[value] + (err if err is not None else 0.0)
    for y, (v, end) in enumerate(zip(table[value], ends)):
        ax.annotate(f"{v:.3f}", (end, y), xytext=(5, 0), textcoords="offset points", va="center", fontsize=8)
    ax.axvline(chance, color="0.3", ls=":", lw=1, label=f"chance ({chance:g})")
    if target is not None:
        ax.axvline(target, color="#e63946", ls="--", lw=1, label=f"target ({target:g})")
    ax.set_xlim(min(0.4, float(table[value].min()) - 0.05), 1.0)
    ax.set_xlabel(value.replace("_", " "))
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_sequence_strip(ax, codes: np.ndarray, *, title: str = "", legend: bool = True):
    """Integer-coded sequences (rows) as a colour strip, one colour per base (N grey)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    codes = np.atleast_2d(np.asarray(codes))
    ax.imshow(codes, aspect="auto", cmap=ListedColormap(BASE_COLORS), vmin=-0.5, vmax=4.5, interpolation="nearest")
    ax.set_xlabel("position")
    ax.set_ylabel("sequence")
    if legend:
        ax.legend(handles=[Patch(color=c, label=b) for b, c in zip("ACGTN", BASE_COLORS)], fontsize=7, ncol=5,
                  loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, handlelength=1)
    if title:
        ax.set_title(title, fontsize=9, pad=18 if legend else 6)
    return ax


#: Colours of the four outcomes in a difference barcode.
_OUTCOME_COLORS = ("#ffffff", "#1d3557", "#e63946", "#8ecae6")  # true negative, true positive, false positive, missed


def plot_prediction_difference(ax, truth: np.ndarray, predicted: np.ndarray, kinds=None, *, title: str = "",
                               legend: bool = True):
    """Truth against 0/1 predictions as a four-colour barcode (sequences x features).

    White: correctly absent; dark blue: correctly present; red: predicted but
    absent (false positive); light blue: present but missed (false negative).
    ``kinds`` marks the DNase / TF / Histone blocks as in :func:`plot_label_barcode`.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    y = np.asarray(truth) > 0
    p = np.asarray(predicted) > 0
    outcome = np.where(y & p, 1, np.where(~y & p, 2, np.where(y & ~p, 3, 0)))
    ax.imshow(outcome, aspect="auto", cmap=ListedColormap(_OUTCOME_COLORS), vmin=-0.5, vmax=3.5,
              interpolation="nearest")
    if kinds is not None:
        kinds = np.asarray(kinds)
        edges = [i for i in range(1, len(kinds)) if kinds[i] != kinds[i - 1]]
        for e in edges:
            ax.axvline(e - 0.5, color="0.5", lw=0.6)
        for s, e in zip([0, *edges], [*edges, len(kinds)]):
            ax.text((s + e) / 2, -0.02, kinds[s], transform=ax.get_xaxis_transform(), ha="center", va="top",
                    fontsize=8, color=KIND_COLORS.get(kinds[s], "black"))
    ax.set_xticks([])
    ax.set_ylabel("sequence")
    if legend:
        names = ("absent, not predicted", "present, predicted", "predicted, absent", "present, missed")
        ax.legend(handles=[Patch(facecolor=c, edgecolor="0.6", label=n) for c, n in zip(_OUTCOME_COLORS, names)],
                  fontsize=7, ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, handlelength=1)
    if title:
        ax.set_title(title, fontsize=9, pad=18 if legend else 6)
    return ax


def plot_grouped_predictions(ax, table, *, title: str = "", label: str = "mean predicted probability",
                             fmt: str = "{:.2f}", cmap: str = "viridis"):
    """Heatmap of a small table (e.g. cell types x kinds), every cell annotated; NaN cells left blank."""
    values = table.to_numpy(dtype=np.float64)
    image = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap=cmap, interpolation="nearest")
    finite = values[np.isfinite(values)]
    middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7,
                    color="white" if v < middle else "black")
    ax.set_xticks(range(values.shape[1]))
    ax.set_xticklabels([str(c) for c in table.columns], fontsize=8)
    ax.set_yticks(range(values.shape[0]))
    ax.set_yticklabels([str(r) for r in table.index], fontsize=8)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.02, label=label)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


# --------------------------------------------------------------------------- multitask models vs the k-mer baseline

__all__ += ["plot_multitask_curves", "plot_sorted_task_f1", "plot_task_score_scatter", "plot_set_scores"]


def plot_multitask_curves(ax, histories: Mapping[str, "object"], *, best_epochs: Mapping[str, int] | None = None,
                          references: Mapping[str, float] | None = None):
    """Training and validation perplexity (``exp`` of the mean binary cross-entropy) per epoch.

    ``histories`` maps a model name to a history table of
    :func:`genomenb.train.train_multitask` (``epoch``, ``train_perplexity``,
    ``val_perplexity``): solid lines validation, dashed lines the running
    training loss; ``best_epochs`` marks each model's best validation epoch
    with a star; ``references`` draws labelled horizontal lines (e.g. a
    paper's plateau).
    """
    for i, (label, hist) in enumerate(histories.items()):
        color = f"C{i}"
        ax.plot(hist["epoch"], hist["val_perplexity"], color=color, marker="o", ms=3, label=f"{label}: validation")
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
        ax.scatter(baseline[keep], model[keep], s=10, alpha=0.7, color="#457b9d", linewidths=0)
    else:
        kinds = np.asarray(kinds)
        for kind, color in KIND_COLORS.items():
            m = keep & (kinds == kind)
            if m.any():
                ax.scatter(baseline[m], model[m], s=8, alpha=0.7, color=color, label=kind, linewidths=0)
        ax.legend(fontsize=8, loc="upper left")
    lo = float(min(baseline[keep].min(), model[keep].min())) if keep.any() else 0.0
    hi = float(max(baseline[keep].max(), model[keep].max())) if keep.any() else 1.0
    ax.plot([lo, hi], [lo, hi], color="0.4", ls="--", lw=0.8)
    ax.set_xlabel(f"{xlabel}: {metric}")
    ax.set_ylabel(f"{ylabel}: {metric}")
    return ax


def plot_set_scores(ax, table, models: Sequence[str], *, metric: str = "auroc", marked: Sequence[bool] | None = None,
                    marked_label: str = "negatives are shuffled positives"):
    """One row per data set, one marker per model: a per-set score (e.g. test AUROC) side by side.

    ``table`` is indexed by set name with columns ``<model>_<metric>``; sets
    are sorted by the first model's score. ``marked`` flags sets whose names
    are drawn in italics with a grey band (e.g. shuffled negatives).
    """
    ordered = table.sort_values(f"{models[0]}_{metric}")
    y = np.arange(len(ordered))
    markers = "os^Dv"
    for j, model in enumerate(models):
        ax.plot(ordered[f"{model}_{metric}"], y, markers[j % len(markers)], color=f"C{j}", ms=5, label=model,
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
    ax.set_xlabel(f"test {metric.upper() if metric in ('auroc', 'aupr', 'f1') else metric}")
    ax.grid(axis="x", color="0.9", lw=0.6)
    return ax
