"""Plots of gene embeddings from hidden states (:mod:`genomenb.embed`, the seed paper's section 4).

One gene's per-base points over the mixture's density, the genes x
components occupancy heatmap with extra rows (generated, random sequences),
maps of the genes coloured by functional class (one panel per
representation), and the class-separation bars. Each function draws into the
given ``ax`` / ``axes`` (or a new figure when none is given), never calls
``plt.show()``, and returns the Figure.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from genomenb.plots.style import MARKERS, SEQUENTIAL_CMAP

__all__ = ["CLASS_COLORS", "class_color", "plot_gene_on_mixture", "plot_occupancy_heatmap", "plot_gene_maps",
           "plot_class_separation"]

#: One colour per functional class of :data:`genomenb.embed.CLASS_RULES`; "other" is grey.
CLASS_COLORS = {"ribosomal protein": "#e76f51", "tRNA synthetase": "#6a4c93", "flagellar/motility": "#2a9d8f",
                "transcriptional regulator": "#457b9d", "transporter": "#e9c46a", "other": "#c8c8c8"}
_SPARE = ("#f4a261", "#264653", "#8ab17d", "#b5838d", "#6d6875")


def class_color(name: str, order: Sequence[str] = ()) -> str:
    """The colour of a class: :data:`CLASS_COLORS`, else a spare colour by its position in ``order``."""
    if name in CLASS_COLORS:
        return CLASS_COLORS[name]
    unknown = [c for c in order if c not in CLASS_COLORS]
    return _SPARE[(unknown.index(name) if name in unknown else 0) % len(_SPARE)]


def _axes(ax, ncols: int = 1, size: tuple[float, float] = (5.0, 4.0)):
    """The given axes, or a new figure's row of ``ncols`` axes."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, axes = plt.subplots(1, ncols, figsize=(size[0] * ncols, size[1]), squeeze=False, layout="constrained")
    return axes[0, 0] if ncols == 1 else list(axes[0])


def _class_order(classes: np.ndarray) -> list[str]:
    names = list(dict.fromkeys(classes.tolist()))
    return sorted((n for n in names if n != "other"), key=str) + (["other"] if "other" in names else [])


def plot_gene_on_mixture(coords: np.ndarray, gene_coords: np.ndarray, mixture, *, gene: str = "gene", ax=None,
                         background: int = 20_000, grid: int = 200, seed: int = 0):
    """One gene's per-base t-SNE points, coloured 5' to 3', over the mixture's log-density.

    ``coords`` are all points' map positions (a seeded sample of
    ``background`` of them is drawn in light grey), ``gene_coords`` the
    gene's points in order (``GeneEmbedding.gene_coords(i)``), ``mixture``
    the fitted ``GaussianMixture``; its log-likelihood is shaded (filled
    contours, the lowest fifth of the map clipped) on a ``grid x grid``
    lattice, with each component's mean marked by a small cross.
    """
    ax = _axes(ax, size=(6.0, 5.0))
    coords = np.asarray(coords)
    gene_coords = np.asarray(gene_coords)
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    pad = 0.03 * (hi - lo)
    gx, gy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], grid),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], grid))
    density = mixture.score_samples(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    floor = np.percentile(density, 20)
    ax.contourf(gx, gy, np.maximum(density, floor), levels=10, cmap="Greys", alpha=0.45)
    sample = np.random.default_rng(seed).choice(len(coords), min(background, len(coords)), replace=False)
    ax.scatter(coords[sample, 0], coords[sample, 1], s=1, c="0.6", lw=0, alpha=0.3, rasterized=True)
    ax.scatter(mixture.means_[:, 0], mixture.means_[:, 1], marker="x", s=10, c="0.2", lw=0.6, zorder=2)
    points = ax.scatter(gene_coords[:, 0], gene_coords[:, 1], s=7, c=np.arange(len(gene_coords)),
                        cmap=SEQUENTIAL_CMAP, lw=0, zorder=3)
    ax.figure.colorbar(points, ax=ax, label=f"position in {gene} (bases, 5' to 3')", shrink=0.8)
    ax.set_title(f"{gene}: its {len(gene_coords)} per-base hidden states in the t-SNE map\n"
                 f"(shading: log-density of the {mixture.n_components}-component mixture; x: component means)",
                 fontsize=9)
    _tsne_axes(ax)
    return ax.figure


def _tsne_axes(ax):
    """t-SNE coordinates have no unit worth a tick: the axes are named, their ticks removed."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("t-SNE 1 (no unit)")
    ax.set_ylabel("t-SNE 2 (no unit)")


def plot_occupancy_heatmap(occupancy: np.ndarray, classes: Sequence[str] | np.ndarray, *,
                           extra: Mapping[str, np.ndarray] | None = None, ax=None):
    """Genes x mixture components heatmap of occupancy vectors, genes grouped by class, extra rows below.

    Rows are the genes sorted by class (each block named on the left), then
    each ``extra`` set (e.g. "generated", "random") under a thick line.
    Components are ordered by the class that occupies them most, then by
    weight, so each class's favourite components line up; the colour scale
    stops at the 99.5th percentile so that a few concentrated rows do not
    wash out the rest.
    """
    ax = _axes(ax, size=(10.0, 6.0))
    occ = np.asarray(occupancy, dtype=np.float32)
    labels = np.asarray(classes, dtype=object).astype(str)
    if occ.ndim != 2 or len(occ) != len(labels):
        raise ValueError(f"occupancy must be (genes, components) with one class per gene; got {occ.shape} "
                         f"and {len(labels)} classes")
    order = _class_order(labels)
    rows = np.concatenate([np.flatnonzero(labels == c) for c in order])
    class_means = np.stack([occ[labels == c].mean(axis=0) for c in order])
    favourite = class_means.argmax(axis=0)
    columns = np.lexsort((-occ.mean(axis=0), favourite))
    blocks = [(c, int((labels == c).sum())) for c in order]
    matrix = [occ[rows][:, columns]]
    for name, values in (extra or {}).items():
        values = np.asarray(values, dtype=np.float32)
        if values.ndim != 2 or values.shape[1] != occ.shape[1]:
            raise ValueError(f"extra rows {name!r} must have {occ.shape[1]} components; got shape {values.shape}")
        matrix.append(values[:, columns])
        blocks.append((name, len(values)))
    matrix = np.concatenate(matrix)
    image = ax.imshow(matrix, aspect="auto", interpolation="nearest", cmap="magma_r", vmin=0,
                      vmax=float(np.percentile(matrix, 99.5)) or None)
    ax.figure.colorbar(image, ax=ax, label="occupancy (mean responsibility)", shrink=0.8, extend="max")
    starts = np.cumsum([0] + [size for _, size in blocks])
    for i, start in enumerate(starts[1:-1], start=1):
        ax.axhline(start - 0.5, color="black" if i == len(order) else "white", lw=2.0 if i == len(order) else 0.8)
    ax.set_yticks(starts[:-1] + np.array([size for _, size in blocks]) / 2 - 0.5)
    ax.set_yticklabels([f"{name} ({size})" for name, size in blocks], fontsize=8)
    for tick, (name, _) in zip(ax.get_yticklabels(), blocks):
        tick.set_color(class_color(name, order) if name in order and name != "other" else "black")
    ax.set_xlabel("mixture component (grouped by the class occupying it most)")
    ax.set_ylabel("genes by functional class (count), then extra sequences")
    ax.set_title("occupancy vectors: genes by class, extra sequences below", fontsize=9)
    return ax.figure


def plot_gene_maps(maps: Mapping[str, np.ndarray], classes: Sequence[str] | np.ndarray, *, axes=None,
                   scores: Mapping[str, float] | None = None):
    """One panel per representation: its 2-D gene map (``embed.gene_map``) coloured by functional class.

    ``maps`` maps a representation's name to ``(genes, 2)`` coordinates;
    "other" genes are small and grey. ``scores`` (e.g. k-NN accuracy per
    representation) are written into the panel titles.
    """
    axes = _axes(axes, ncols=len(maps), size=(4.2, 4.0))
    axes = [axes] if not isinstance(axes, (list, tuple, np.ndarray)) else list(np.ravel(axes))
    if len(axes) != len(maps):
        raise ValueError(f"need one axis per representation ({len(maps)}), got {len(axes)}")
    labels = np.asarray(classes, dtype=object).astype(str)
    order = _class_order(labels)
    for ax, (name, xy) in zip(axes, maps.items()):
        xy = np.asarray(xy)
        if xy.shape != (len(labels), 2):
            raise ValueError(f"map {name!r} must be (genes, 2) = ({len(labels)}, 2), got {xy.shape}")
        for i, c in enumerate(order):
            mask = labels == c
            ax.scatter(xy[mask, 0], xy[mask, 1], s=4 if c == "other" else 12, c=class_color(c, order),
                       marker="." if c == "other" else MARKERS[i % len(MARKERS)], lw=0,
                       label=f"{c} ({int(mask.sum())})", zorder=1 if c == "other" else 2)
        score = f"\nk-NN accuracy {scores[name]:.2f}" if scores and name in scores else ""
        ax.set_title(f"{name}{score}", fontsize=9)
        _tsne_axes(ax)
    axes[-1].legend(fontsize=7, markerscale=1.5, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return axes[0].figure


def plot_class_separation(table, *, axes=None):
    """k-NN accuracy (mean +/- sd over folds, with both chance levels) and silhouette per representation.

    ``table`` is :func:`genomenb.embed.class_separation`'s output. The left
    panel marks the majority-class rate (dotted) and each representation's
    shuffled-label accuracy (grey ticks); the right shows the silhouette.
    """
    axes = _axes(axes, ncols=2, size=(4.5, 3.2))
    ax_acc, ax_sil = axes
    names = list(table["representation"])
    y = np.arange(len(names))
    colors = ["#2a9d8f" if "occupancy" in n.lower() else "#457b9d" if "hidden" in n.lower() else "#e9c46a"
              for n in names]
    ax_acc.barh(y, table["knn_accuracy_mean"], xerr=table["knn_accuracy_sd"], color=colors, capsize=3)
    ax_acc.scatter(table["shuffled_accuracy"], y, marker="|", s=200, color="0.4", zorder=3,
                   label="shuffled labels")
    ax_acc.axvline(float(table["majority_rate"].max()), color="0.3", ls=":", lw=1, label="majority class")
    for yi, v in zip(y, table["knn_accuracy_mean"]):
        ax_acc.annotate(f"{v:.2f}", (v, yi), xytext=(4, 6), textcoords="offset points", fontsize=8)
    ax_acc.set_xlim(0, 1)
    ax_acc.set_xlabel(f"k-NN accuracy ({int(table['genes'].iloc[0])} genes, {int(table['classes'].iloc[0])} classes)")
    ax_acc.legend(fontsize=7, loc="lower right")
    ax_sil.barh(y, table["silhouette"], color=colors)
    ax_sil.axvline(0, color="0.3", lw=0.8)
    ax_sil.set_xlabel("silhouette (z-scored, Euclidean)")
    ax_acc.set_ylabel("representation of a gene")
    ax_sil.set_ylabel("representation (same order)")
    ax_acc.set_title("k-NN accuracy of the functional class", fontsize=9)
    ax_sil.set_title("silhouette of the functional classes", fontsize=9)
    for ax in (ax_acc, ax_sil):
        ax.set_yticks(y)
        ax.set_yticklabels(names if ax is ax_acc else [], fontsize=8)
        ax.invert_yaxis()
    return ax_acc.figure
