"""Plots of attributions: sequence logos, saliency heatmaps, position tracks, temporal scores.

Also the ranking of attribution methods and integer-coded sequences as a
colour strip (bases coloured by :data:`genomenb.plots.style.BASE_COLORS`).
Every function draws into a given ``ax``, returns it, and never calls
``plt.show()``.
"""

from __future__ import annotations

import numpy as np

from genomenb.plots.style import BASE_COLORS, LINESTYLES, SIGNED_CMAP

__all__ = ["plot_attribution_logo", "plot_pwm_logo", "plot_saliency_heatmap", "plot_position_tracks",
           "plot_temporal_scores", "plot_method_ranking", "plot_sequence_strip"]


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
    ax.set_xlabel("position (bases)")
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
    ax.set_xlabel("position (bases)")
    ax.set_ylabel("information (bits)" if information else "probability")
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
    (``(start, width, label)``) are framed above the map. The colour map is
    :data:`~genomenb.plots.style.SIGNED_CMAP` (lightness rises from the most
    negative to the most positive value, zero in the middle).
    """
    from matplotlib.patches import Rectangle

    a = np.asarray(attribution, dtype=np.float64)
    vmax = float(np.abs(a).max()) or 1.0
    image = ax.imshow(a.T, aspect="auto", cmap=SIGNED_CMAP, vmin=-vmax, vmax=vmax, interpolation="nearest")
    if codes is not None:
        codes = np.asarray(codes)
        for pos in np.flatnonzero(codes < 4):
            ax.add_patch(Rectangle((pos - 0.5, codes[pos] - 0.5), 1, 1, fill=False, lw=0.5, ec="black"))
    for start, width, name in sites or ():
        ax.add_patch(Rectangle((start - 0.5, -0.5), width, 4, fill=False, lw=1.5, ec="#2b2d42"))
        if name:
            ax.text(start + width / 2 - 0.5, -0.7, name, ha="center", va="bottom", fontsize=7)
    ax.set_yticks(range(4))
    ax.set_yticklabels(list("ACGT"))
    ax.set_xticks(np.arange(0, a.shape[0], tick_every))
    ax.set_xlabel("position in the sequence (bases)")
    ax.set_ylabel("base")
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
    _shade_sites(ax, sites)
    ax.set_yticks([len(names) - 1 - i + 0.3 for i in range(len(names))], names, fontsize=8)
    ax.set_xlim(-0.5, len(np.asarray(tracks[names[0]])) - 0.5)
    ax.set_xlabel("position in the sequence (bases)")
    ax.set_ylabel("importance per method\n(scaled to its maximum)")
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
                ls=LINESTYLES[i % len(LINESTYLES)], label=label)
    _shade_sites(ax, sites)
    ax.set_xlim(-0.5, length - 0.5)
    ax.set_xlabel("bases read from the start" if direction == "forward" else "bases read from the end (bases)")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, loc="upper left")
    if title:
        ax.set_title(title, fontsize=9, pad=12 if sites else 6)
    return ax


def plot_method_ranking(ax, summary, *, chance: float = 0.5, value: str = "mean_auroc", error: str = "sem_auroc",
                        target: float | None = None, ylabel: str = "attribution method"):
    """Horizontal bars of a score per attribution method (best on top), with error bars and the chance line.

    ``summary`` is a table indexed by method (:func:`genomenb.interpret.grading.summarize_ranking`).
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
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_sequence_strip(ax, codes: np.ndarray, *, title: str = "", legend: bool = True):
    """Integer-coded sequences (rows) as a colour strip, one colour per base (N grey)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    codes = np.atleast_2d(np.asarray(codes))
    ax.imshow(codes, aspect="auto", cmap=ListedColormap(BASE_COLORS), vmin=-0.5, vmax=4.5, interpolation="nearest")
    ax.set_xlabel("position (bases)")
    ax.set_ylabel("sequence")
    if legend:
        ax.legend(handles=[Patch(color=c, label=b) for b, c in zip("ACGTN", BASE_COLORS)], fontsize=7, ncol=5,
                  loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, handlelength=1)
    if title:
        ax.set_title(title, fontsize=9, pad=18 if legend else 6)
    return ax
