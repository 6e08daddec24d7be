"""The book's prose chapters and the numbers in them: glued from the run, or labelled as typed.

Every number a notebook measures reaches the prose of ``book/*.md`` through MyST-NB's glue:
:meth:`genomenb.notebook_run.Run.write_metrics` glues each metric (and each parameter as
``param.<name>``), and a chapter quotes it with a role such as::

    {glue:text}`../notebooks/02_genome_language_models.ipynb::ecoli_gru_test_perplexity:.3f`

so ``genomenb book --profile paper`` (or another seed or backend) rebuilds the prose with that run's
numbers. A number typed by hand must say why it is not measured here, as a MyST span with one of
:data:`TYPED_CLASSES`, e.g. ``[3.679]{.paper}`` (the seed paper's number) or ``[4.6 Mb]{.fact}``.
:func:`unglued_numbers` finds the rest; the test suite fails on any.

What counts as measured-looking (:data:`NUMBER`): a decimal such as ``3.818`` or ``0.5`` and a
percentage such as ``81.1%`` or ``19 %``. Integers (layer counts, seeds, years, chapter numbers)
are not checked. Code, math, roles, link targets, directive options and HTML comments are skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TYPED_CLASSES", "NUMBER", "GlueReference", "glue_references", "unglued_numbers", "check_chapters",
           "missing_glue_keys", "fill_missing", "glued_keys"]

#: Span classes that mark a typed number and say why it is typed:
#: ``paper`` — a number reported by a seed study (labelled as the paper's in the sentence);
#: ``fact`` — a fact of the data or of the method (a genome length, a fixed threshold, a software version);
#: ``recipe`` — measured once by a run other than the one this book was built from (an exercise's recipe, an
#: archived run under ``reports/``, a benchmark result), which the sentence names.
TYPED_CLASSES = ("paper", "fact", "recipe")

#: A measured-looking number: a decimal, or a percentage (integer or decimal).
NUMBER = re.compile(r"(?<![\w.])(?:\d[\d,]*\.\d+(?:\s?%)?|\d+\s?%)(?![\w])")

_GLUE = re.compile(r"\{glue(?::text)?\}`(?:(?P<doc>[^`]*?)::)?(?P<key>[^`:]+)(?::(?P<fmt>[^`]*))?`")
_SKIP = [
    re.compile(r"^(```|~~~).*?^\1\s*$", re.S | re.M),  # fenced code
    re.compile(r"<!--.*?-->", re.S),  # HTML comments
    re.compile(r"\$\$.*?\$\$", re.S),  # display math
    re.compile(r"(?<!\\)\$[^$\n]+\$"),  # inline math
    re.compile(r"\{[\w:-]+\}`[^`]*`"),  # roles: glue, cite, ref, doc, math ...
    re.compile(r"``[^`]*``|`[^`\n]*`"),  # inline code
    re.compile(r"\[[^\]\n]*\]\{\.(?:" + "|".join(TYPED_CLASSES) + r")\}"),  # typed and labelled numbers
    re.compile(r"\]\([^)\s]*\)"),  # link targets
    re.compile(r"^\s*:[\w-]+:.*$", re.M),  # directive options (:class: tip)
    re.compile(r"\A---\n.*?\n---\n", re.S),  # front matter
]


@dataclass(frozen=True)
class GlueReference:
    """One ``{glue:text}`` role of a chapter: the notebook it pastes from, the key and the format."""

    doc: str
    key: str
    fmt: str
    line: int


def _blank(match: re.Match) -> str:
    """Replace a skipped region by spaces, keeping its newlines so line numbers stay right."""
    return re.sub(r"[^\n]", " ", match.group(0))


def glue_references(text: str) -> list[GlueReference]:
    """Every ``{glue:text}`doc::key:fmt``` role in a chapter's MyST text, in order."""
    return [GlueReference(m.group("doc") or "", m.group("key"), m.group("fmt") or "",
                          text.count("\n", 0, m.start()) + 1) for m in _GLUE.finditer(text)]


def unglued_numbers(text: str) -> list[tuple[int, str, str]]:
    """The measured-looking numbers typed into a chapter: ``(line number, number, the line)``.

    Numbers inside glue roles, code, math, link targets, directive options and
    spans of :data:`TYPED_CLASSES` are not reported.
    """
    stripped = text
    for pattern in _SKIP:
        stripped = pattern.sub(_blank, stripped)
    lines = text.splitlines()
    out = []
    for m in NUMBER.finditer(stripped):
        line = stripped.count("\n", 0, m.start()) + 1
        out.append((line, m.group(0), lines[line - 1].strip()))
    return out


def check_chapters(book_dir: str | Path) -> list[str]:
    """Problems in ``book_dir/*.md``: typed measured-looking numbers, and glue roles naming a missing notebook.

    Returns one line per problem, ``<file>:<line>: <what>``; empty when every chapter is clean.
    """
    book_dir = Path(book_dir)
    problems = []
    for md in sorted(book_dir.glob("*.md")):
        text = md.read_text(encoding="utf-8")
        for line, number, context in unglued_numbers(text):
            problems.append(f"{md.name}:{line}: typed number {number!r} is neither glued nor labelled "
                            f"[...]{{.paper|.fact|.recipe}}: {context[:120]}")
        for ref in glue_references(text):
            if not ref.doc:
                problems.append(f"{md.name}:{ref.line}: glue role without a notebook path ({ref.key})")
            elif not (book_dir / ref.doc).is_file():
                problems.append(f"{md.name}:{ref.line}: glue role names {ref.doc}, which does not exist")
    return problems


def _run_keys(metrics_file: Path) -> set[str] | None:
    """The keys a run glued: its metrics and ``param.<name>`` of its parameters (None when it has no metrics.json)."""
    if not metrics_file.is_file():
        return None
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    return set(metrics) | {f"param.{k}" for k in metrics.get("parameters", {})}


def missing_glue_keys(book_dir: str | Path, results_dir: str | Path, profile: str = "smoke",
                      notebooks: Iterable[str] | None = None) -> list[str]:
    """Glue roles whose key a finished run did not write: ``<file>:<line>: <notebook> has no <key>``.

    Reads ``<results_dir>/<notebook>/<profile>/metrics.json`` (metrics, and
    ``param.<name>`` for its parameters); chapters whose notebook has no such
    run are not checked, nor (when ``notebooks`` names some) quotes of other
    notebooks. The book build fails on a missing key too (Sphinx warnings are
    errors); this check names them all at once, without a build.
    """
    book_dir, results_dir = Path(book_dir), Path(results_dir)
    only = None if notebooks is None else set(notebooks)
    keys_of: dict[str, set[str] | None] = {}  # each run's keys, read once (None: no such run)
    problems = []
    for md in sorted(book_dir.glob("*.md")):
        for ref in glue_references(md.read_text(encoding="utf-8")):
            notebook = Path(ref.doc).stem
            if only is not None and notebook not in only:
                continue
            if notebook not in keys_of:
                keys_of[notebook] = _run_keys(results_dir / notebook / profile / "metrics.json")
            keys = keys_of[notebook]
            if keys is not None and ref.key not in keys:
                problems.append(f"{md.name}:{ref.line}: {notebook} ({profile}) has no {ref.key!r}")
    return problems


def fill_missing(text: str, keys: dict[str, set[str]], *, placeholder: str = "n/a") -> tuple[str, list[str]]:
    """Replace the glue roles whose key a run did not write by ``placeholder``: ``(new text, missing refs)``.

    ``keys`` maps a notebook stem to the keys its run glued (metrics and
    ``param.<name>``); roles of notebooks not in ``keys`` are left alone.
    A smoke build uses this for numbers its small profile does not measure
    (a second genome, a rare class); the book and paper builds fail instead
    (:func:`genomenb.runner.build_book`).
    """
    missing = []

    def swap(m: re.Match) -> str:
        stem = Path(m.group("doc") or "").stem
        if stem in keys and m.group("key") not in keys[stem]:
            missing.append(f"{stem}::{m.group('key')}")
            return placeholder
        return m.group(0)

    return _GLUE.sub(swap, text), missing


def glued_keys(notebook: dict) -> set[str]:
    """The keys an executed notebook (nbformat JSON as a dict) glued with MyST-NB."""
    return {out["metadata"]["scrapbook"]["name"] for cell in notebook.get("cells", ())
            for out in cell.get("outputs", ()) if "scrapbook" in out.get("metadata", {})}
