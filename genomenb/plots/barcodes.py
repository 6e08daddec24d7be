"""Plots of prediction barcodes: truth against predictions, grouped mean predictions, barcode F1 per epoch.

Every function draws into a given ``ax``, returns it, and never calls
``plt.show()``.
"""

from __future__ import annotations

import numpy as np

from genomenb.plots.style import SEQUENTIAL_CMAP, mark_kind_blocks

__all__ = ["plot_prediction_difference", "plot_grouped_predictions", "plot_barcode_f1"]

#: Colours of the four outcomes in a difference barcode.
_OUTCOME_COLORS = ("#ffffff", "#1d3557", "#e63946", "#8ecae6")  # true negative, true positive, false positive, missed


def plot_prediction_difference(ax, truth: np.ndarray, predicted: np.ndarray, kinds=None, *, title: str = "",
                               legend: bool = True):
    """Truth against 0/1 predictions as a four-colour barcode (sequences x features).

    White: correctly absent; dark blue: correctly present; red: predicted but
    absent (false positive); light blue: present but missed (false negative).
    ``kinds`` marks the DNase / TF / Histone blocks as in :func:`genomenb.plots.tasks.plot_label_barcode`.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    y = np.asarray(truth) > 0
    p = np.asarray(predicted) > 0
    outcome = np.where(y & p, 1, np.where(~y & p, 2, np.where(y & ~p, 3, 0)))
    ax.imshow(outcome, aspect="auto", cmap=ListedColormap(_OUTCOME_COLORS), vmin=-0.5, vmax=3.5,
              interpolation="nearest")
    if kinds is not None:
        mark_kind_blocks(ax, np.asarray(kinds), color="0.5", lw=0.6)
    ax.set_xticks([])
    ax.set_xlabel(f"feature ({outcome.shape[1]} labels" + (", grouped by kind)" if kinds is not None else ")"),
                  labelpad=18 if kinds is not None else 4)
    ax.set_ylabel("sequence")
    if legend:
        names = ("absent, not predicted", "present, predicted", "predicted, absent", "present, missed")
        ax.legend(handles=[Patch(facecolor=c, edgecolor="0.6", label=n) for c, n in zip(_OUTCOME_COLORS, names)],
                  fontsize=7, ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, handlelength=1)
    if title:
        ax.set_title(title, fontsize=9, pad=18 if legend else 6)
    return ax


def plot_grouped_predictions(ax, table, *, title: str = "", label: str = "mean predicted probability",
                             fmt: str = "{:.2f}", cmap: str = SEQUENTIAL_CMAP, xlabel: str = "", ylabel: str = ""):
    """Heatmap of a small table (e.g. cell types x kinds), every cell annotated; NaN cells left blank.

    The axes are labelled ``xlabel`` and ``ylabel``, by default the names of the table's columns and index.
    """
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
    ax.set_xlabel(xlabel or str(table.columns.name or "column").replace("_", " "))
    ax.set_ylabel(ylabel or str(table.index.name or "row").replace("_", " "))
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.02, label=label)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_barcode_f1(ax, agreement, *, colors=None):
    """F1 of each batch's barcode after every epoch, one line per batch.

    ``agreement`` has columns ``batch``, ``epoch`` and ``f1`` (one row per
    batch and epoch, as :func:`genomenb.interpret.barcodes.barcode_agreement`
    scores them); ``colors`` maps batch -> colour (default: training green,
    validation orange).
    """
    colors = {"train": "#2a9d8f", "valid": "#e76f51"} if colors is None else colors
    for i, (batch, color) in enumerate(colors.items()):
        part = agreement[agreement["batch"] == batch]
        ax.plot(part["epoch"], part["f1"], marker="os^D"[i % 4], ls=("-", "--")[i % 2], color=color,
                label=f"{batch} batch")
    ax.set_xlabel("epoch")
    ax.set_ylabel("F1 of the barcode")
    ax.legend(fontsize=8)
    return ax
