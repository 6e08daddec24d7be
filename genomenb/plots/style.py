"""Colours, colour maps and labels shared by the plot modules of :mod:`genomenb.plots`.

:data:`KIND_COLORS` colours the DeepSEA feature kinds (DNase, TF, Histone)
everywhere, and :data:`KIND_MARKERS` gives each its own marker so scatters
read in greyscale too; :data:`BASE_COLORS` colours the bases of sequence
strips; :func:`mark_kind_blocks` separates and names the kind blocks of a
barcode.

Colour maps: a value shown as colour uses a perceptually uniform map whose
lightness rises monotonically (:data:`SEQUENTIAL_CMAP`, :data:`COUNT_CMAP`),
so the figure still reads when printed in greyscale; a signed quantity
centred on zero (attributions, correlations) uses :data:`SIGNED_CMAP`, also
of monotonic lightness (dark blue for the most negative, grey at zero,
yellow for the most positive), never a map whose two ends have the same
lightness (``RdBu``, ``bwr``, ``jet``). The categorical colours here differ
in lightness by at least 12 L* units.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["KIND_COLORS", "KIND_MARKERS", "BASE_COLORS", "SEQUENTIAL_CMAP", "COUNT_CMAP", "SIGNED_CMAP",
           "HATCHES", "MARKERS", "LINESTYLES", "mark_kind_blocks"]

#: One colour per DeepSEA feature kind (L* 39, 61, 73: distinct in greyscale too).
KIND_COLORS = {"DNase": "#2f5f8a", "TF": "#e76f51", "Histone": "#6fc2b4"}

#: One marker per DeepSEA feature kind, for scatters where the kinds overlap.
KIND_MARKERS = {"DNase": "o", "TF": "^", "Histone": "s"}

#: Colours of the bases in sequence strips (A, C, G, T, then N); L* 59, 29, 81, 45, 94.
BASE_COLORS = ("#2a9d8f", "#1b4965", "#e9c46a", "#c0392b", "#efefef")

#: Colour map of a value (perplexity, probability, occupancy): perceptually uniform, lightness rising.
SEQUENTIAL_CMAP = "viridis"

#: Colour map of shares in confusion matrices: one hue, white to dark blue (the numbers are also written in).
COUNT_CMAP = "Blues"

#: Colour map of a signed quantity centred on zero (``vmin=-vmax``): cividis, lightness rising from dark blue
#: (most negative) through grey (zero) to yellow (most positive), readable in greyscale.
SIGNED_CMAP = "cividis"

#: Hatches of the bars of successive groups (first plain), so grouped bars differ beyond their colour.
HATCHES = ("", "//", "..", "xx", "\\\\", "++")

#: Markers and line styles of successive lines (``MARKERS[i % len(MARKERS)]``), so overlapping lines differ
#: beyond their colour.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":")


def mark_kind_blocks(ax, kinds: Sequence[str] | np.ndarray, *, color: str, lw: float):
    """Vertical lines between runs of equal ``kinds`` (features as columns), each run named below the axis.

    ``kinds`` is a NumPy array of one kind per column, in column order; the
    names are written in black (a light kind colour would be hard to read as text).
    """
    edges = [i for i in range(1, len(kinds)) if kinds[i] != kinds[i - 1]]
    for e in edges:
        ax.axvline(e - 0.5, color=color, lw=lw)
    for s, e in zip([0, *edges], [*edges, len(kinds)]):
        ax.text((s + e) / 2, -0.02, kinds[s], transform=ax.get_xaxis_transform(), ha="center", va="top",
                fontsize=8, color="black")
    return ax
