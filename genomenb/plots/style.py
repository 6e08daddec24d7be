"""Colours and labels shared by the plot modules of :mod:`genomenb.plots`.

:data:`KIND_COLORS` colours the DeepSEA feature kinds (DNase, TF, Histone)
everywhere; :data:`BASE_COLORS` colours the bases of sequence strips;
:func:`mark_kind_blocks` separates and names the kind blocks of a barcode.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["KIND_COLORS", "BASE_COLORS", "mark_kind_blocks"]

#: One colour per DeepSEA feature kind.
KIND_COLORS = {"DNase": "#457b9d", "TF": "#e76f51", "Histone": "#2a9d8f"}

#: Colours of the bases in sequence strips (A, C, G, T, then N).
BASE_COLORS = ("#2a9d8f", "#457b9d", "#e9c46a", "#e76f51", "#d9d9d9")


def mark_kind_blocks(ax, kinds: Sequence[str] | np.ndarray, *, color: str, lw: float):
    """Vertical lines between runs of equal ``kinds`` (features as columns), each run named below the axis.

    ``kinds`` is a NumPy array of one kind per column, in column order; the
    names are coloured by :data:`KIND_COLORS` (black for other kinds).
    """
    edges = [i for i in range(1, len(kinds)) if kinds[i] != kinds[i - 1]]
    for e in edges:
        ax.axvline(e - 0.5, color=color, lw=lw)
    for s, e in zip([0, *edges], [*edges, len(kinds)]):
        ax.text((s + e) / 2, -0.02, kinds[s], transform=ax.get_xaxis_transform(), ha="center", va="top",
                fontsize=8, color=KIND_COLORS.get(kinds[s], "black"))
    return ax
