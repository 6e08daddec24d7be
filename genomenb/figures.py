"""Figures people can read: the check every saved figure passes, its alt text, and the alt text's way into the book.

:meth:`genomenb.notebook_run.Run.save_figure` calls :func:`check_figure` (a
title, and x and y labels on every axes that holds data) and
:func:`figure_alt` (alt text derived from the titles and labels), then shows
the saved PNG with that alt text in its output metadata (:func:`display_png`).
MyST-NB reads an image's alt text from the cell metadata only
(``{"mystnb": {"image": {"alt": ...}}}``), so the book's staging step moves
it there with :func:`alt_to_cell_metadata`.
"""

from __future__ import annotations

import base64
import re
from typing import Any, Mapping

__all__ = ["check_figure", "figure_alt", "display_png", "alt_to_cell_metadata", "ALT_LIMIT"]

#: Longest alt text :func:`figure_alt` writes (characters); longer ones are cut at a word and end in "…".
ALT_LIMIT = 300


def _clean(text: str) -> str:
    """One line of plain text: mathtext dollars dropped, whitespace runs collapsed."""
    return re.sub(r"\s+", " ", text.replace("$", "")).strip()


def _suptitle(fig) -> str:
    title = getattr(fig, "_suptitle", None)
    return _clean(title.get_text()) if title is not None else ""


def _title(ax) -> str:
    return " ".join(t for t in (_clean(ax.get_title(loc)) for loc in ("left", "center", "right")) if t)


def _data_axes(fig) -> list:
    """Axes that show data: visible, axis on, not a colorbar, holding at least one artist with data."""
    return [ax for ax in fig.get_axes()
            if ax.get_visible() and ax.axison and not hasattr(ax, "_colorbar") and ax.has_data()]


def _label(ax, which: str) -> str:
    """The axes' x or y label, else one of the axes sharing (or twinning) that axis, else the figure's sup-label."""
    get = "get_xlabel" if which == "x" else "get_ylabel"
    own = _clean(getattr(ax, get)())
    if own:
        return own
    shared = ax.get_shared_x_axes() if which == "x" else ax.get_shared_y_axes()
    siblings = list(shared.get_siblings(ax))
    if which == "x":  # a twinx axes shares its x axis with its twin
        siblings += list(ax._twinned_axes.get_siblings(ax))
    for other in siblings:
        text = _clean(getattr(other, get)())
        if text and other is not ax:
            return text
    figure = ax.get_figure(root=False)
    while figure is not None:
        sup = getattr(figure, "_supxlabel" if which == "x" else "_supylabel", None)
        if sup is not None and _clean(sup.get_text()):
            return _clean(sup.get_text())
        parent = getattr(figure, "_parent", None)
        figure = parent if parent is not figure else None
    return ""


def _panel_title(ax) -> str:
    """The axes' title, else its twin's, else the suptitle of the subfigure holding it."""
    for other in ax._twinned_axes.get_siblings(ax):
        if _title(other):
            return _title(other)
    return _suptitle(ax.get_figure(root=False))


def _primary(axes: list) -> list:
    """``axes`` without the second axes of a twinx pair (its y label is reported with the first)."""
    out = []
    for ax in axes:
        twins = [t for t in ax._twinned_axes.get_siblings(ax) if t is not ax and t in axes]
        if not any(t in out for t in twins):
            out.append(ax)
    return out


def check_figure(fig, name: str = "figure") -> None:
    """Raise ``ValueError`` unless ``fig`` has a title and every data axes has x and y labels.

    A title is the figure's suptitle, or a title on every axes that holds data
    (a twin axes borrows its twin's, an axes in a subfigure its subfigure's
    suptitle). Colorbars, axes turned off and axes without data are exempt;
    an x label may come from an axes sharing the x axis (``sharex``, ``twinx``)
    or from ``fig.supxlabel``, and the same for y.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    name : str
        The figure's name, for the error message.

    Raises
    ------
    ValueError
        Naming the figure, the panel and what it lacks.
    """
    axes = _data_axes(fig)
    if not axes:
        raise ValueError(f"figure {name!r} shows no data")
    problems = []
    if not _suptitle(fig):
        untitled = [i for i, ax in enumerate(axes, 1) if not _panel_title(ax)]
        if untitled:
            problems.append(f"a title (no suptitle, and panel(s) {untitled} have no title)")
    for i, ax in enumerate(axes, 1):
        missing = [f"{which} label" for which in ("x", "y") if not _label(ax, which)]
        if missing:
            title = _panel_title(ax) or _suptitle(fig)
            problems.append(f"panel {i} ({title!r}): no {' and no '.join(missing)}")
    if problems:
        raise ValueError(f"figure {name!r} is missing " + "; ".join(problems)
                         + " (set ax.set_title / fig.suptitle, ax.set_xlabel and ax.set_ylabel, with units)")


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:—-")
    return cut + "…"


def figure_alt(fig, *, limit: int = ALT_LIMIT) -> str:
    """Alt text of ``fig`` from its suptitle and each panel's title and axis labels.

    ``"Perplexity by training step. Panel 1: E. coli — x: training step (bases),
    y: perplexity"``; a single panel is described without its number, a
    panel's axis labels are left out when they repeat the previous panel's,
    and a text over ``limit`` characters is cut at a word and ends in "…".
    """
    sup = _suptitle(fig)
    axes = _data_axes(fig)
    primary = _primary(axes)
    panels, previous = [], None
    for i, ax in enumerate(primary, 1):
        x, y = _label(ax, "x"), _label(ax, "y")
        twin_y = [_label(t, "y") for t in ax._twinned_axes.get_siblings(ax) if t is not ax and t in axes]
        labels = ", ".join(part for part in (f"x: {x}" if x else "", f"y: {y}" if y else "",
                                             *(f"right y: {t}" for t in twin_y if t)) if part)
        title = _title(ax) or (_panel_title(ax) if _panel_title(ax) != sup else "")
        shown = labels if labels != previous else ""
        previous = labels
        body = " — ".join(part for part in (title, shown) if part)
        if len(primary) == 1:
            panels.append(body)
        elif body:
            panels.append(f"Panel {i}: {body}")
    head = sup.rstrip(".") + "." if sup else ""
    text = " ".join(part for part in (head, "; ".join(panels)) if part) or "Figure"
    return _shorten(text, limit)


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (papermill, JupyterLab), False in a plain Python process."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with every notebook environment
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def display_png(png: bytes, alt: str) -> bool:
    """Show PNG bytes as a cell output whose metadata carries ``alt`` (``{"image/png": {"alt": alt}}``).

    Only inside a Jupyter kernel; returns whether anything was shown.
    """
    if not _in_kernel():
        return False
    from IPython.display import display

    display({"image/png": base64.b64encode(png).decode("ascii"), "text/plain": f"<Figure: {alt}>"}, raw=True,
            metadata={"image/png": {"alt": alt}})
    return True


def _output_alts(cell: Mapping[str, Any]) -> list[str]:
    alts = []
    for output in cell.get("outputs", []):
        for meta in (output.get("metadata") or {}).values():
            alt = meta.get("alt") if isinstance(meta, Mapping) else None
            if isinstance(alt, str) and alt and alt not in alts:
                alts.append(alt)
    return alts


def alt_to_cell_metadata(notebook: dict) -> int:
    """Copy each code cell's image alt texts from its outputs' metadata to ``metadata.mystnb.image.alt``.

    MyST-NB takes an image's alt text from the cell's metadata, not from the
    output's; several images in one cell share the alt texts joined by
    ``"; "``. A cell that already names its alt text keeps it. Changes
    ``notebook`` (a notebook's JSON as a dict) in place.

    Returns
    -------
    int
        How many cells got an alt text.
    """
    changed = 0
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        alts = _output_alts(cell)
        if not alts:
            continue
        image = cell.setdefault("metadata", {}).setdefault("mystnb", {}).setdefault("image", {})
        if not image.get("alt"):
            image["alt"] = "; ".join(alts)
            changed += 1
    return changed
