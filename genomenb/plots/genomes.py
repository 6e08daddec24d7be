"""Plots of whole genomes: GC skew, k-mer spectra, reverse-complement symmetry, device timings.

The figures of the data tour (``00_data_tour``); the numbers come from
:mod:`genomenb.genome_stats` and :mod:`genomenb.system`. Every function draws
into a given ``ax``, returns it, and never calls ``plt.show()``.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from genomenb.plots.style import LINESTYLES, MARKERS

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
    for i, (label, freq) in enumerate(spectra.items()):
        ax.plot(x, freq, marker=MARKERS[i % len(MARKERS)], ms=2.5, lw=1, ls=LINESTYLES[i % len(LINESTYLES)],
                label=label)
    ax.axhline(1 / len(names), color="0.5", ls=":", lw=1, label="uniform")
    step = max(1, len(names) // 32)
    ax.set_xticks(x[::step])
    ax.set_xticklabels([names[i] for i in x[::step]], rotation=90, fontsize=7, family="monospace")
    ax.set_xlabel("k-mer (lexicographic order)")
    ax.set_ylabel("frequency (fraction of k-mers)")
    ax.legend(fontsize=8)
    return ax


def plot_rc_symmetry(ax, spectrum: np.ndarray, rc_spectrum: np.ndarray, *, label: str, r: float):
    """Each k-mer's frequency against its reverse complement's (Chargaff's second parity rule)."""
    ax.scatter(spectrum, rc_spectrum, s=8, alpha=0.7)
    lim = float(max(spectrum.max(), rc_spectrum.max())) * 1.05
    ax.plot([0, lim], [0, lim], color="0.5", lw=0.8, ls="--")
    ax.set_xlim(0, lim)
    ax.set_ylim(0, lim)
    ax.set_xlabel("frequency of the k-mer (fraction)")
    ax.set_ylabel("frequency of its reverse complement (fraction)")
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
    ax.set_xlabel("device")
    ax.set_ylabel("seconds per convolution (best of repeats)")
    ax.set_title("Same convolution, each device")
    return ax
