"""Every chapter ends with exercises for a class: hidden solutions, and recipes that really run.

Each exercise of ``book/*.md`` is a ``tip`` admonition with one ``bash`` recipe (``genomenb run`` or
``genomenb sweep`` of one of the chapter's notebooks, into ``results/exercises/``), followed by a
``dropdown`` admonition (hidden until clicked in the HTML) holding its solution. The recipes are parsed by
the command line's own parser and every parameter name and value is checked against the notebook's
parameters cell, so an exercise cannot ask for a parameter that does not exist.
"""

import re
import shlex
from pathlib import Path

import pytest
import yaml

from genomenb import cli, runner, sweep

ROOT = Path(__file__).resolve().parents[1]
EXERCISE = re.compile(r"^:::\{admonition\} Exercise (\d+): (.+)$")
SOLUTION = re.compile(r"^:::\{admonition\} Solution$")
BLOCK = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)


def _chapters() -> dict[str, list[str]]:
    """Prose chapter -> the notebooks it introduces (from _toc.yml)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    out = {}
    for part in toc["parts"]:
        for chapter in part["chapters"]:
            out[chapter["file"]] = [Path(s["file"]).name for s in chapter.get("sections", [])]
    return out


CHAPTERS = _chapters()


def _admonitions(text: str) -> list[tuple[str, str, str]]:
    """``(kind, title, body)`` of every top-level ``:::{admonition}`` block after ``## Exercises``."""
    section = text.split("\n## Exercises\n", 1)
    assert len(section) == 2, "no '## Exercises' section"
    lines, blocks, i = section[1].splitlines(), [], 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(":::{admonition}"):
            j = i + 1
            while j < len(lines) and lines[j].strip() != ":::":
                j += 1
            assert j < len(lines), f"unclosed admonition {line!r}"
            kind = "exercise" if EXERCISE.match(line) else "solution" if SOLUTION.match(line) else "other"
            blocks.append((kind, line, "\n".join(lines[i + 1:j]) + "\n"))
            i = j
        i += 1
    return blocks


def _check_recipe(command: str, notebooks: list[str], where: str) -> None:
    argv = shlex.split(command)
    assert argv[0] == "genomenb" and argv[1] in ("run", "sweep"), f"{where}: recipe must be genomenb run/sweep"
    args = cli._parser().parse_args(argv[1:])
    assert args.notebook in notebooks, f"{where}: {args.notebook} is not one of this chapter's notebooks {notebooks}"
    if args.command == "sweep":
        assert args.output and args.output.startswith("results/exercises/"), f"{where}: --output results/exercises/..."
        points = sweep.grid_points(sweep.parse_grid(args.grid))
        assert 2 <= len(points) <= 4, f"{where}: {len(points)} grid points; keep a class exercise to 2-4"
    else:
        assert args.output_root and args.output_root.startswith("results/exercises/"), \
            f"{where}: --output-root results/exercises/..."
        points = [{}]
    for point in points:  # unknown names and values of the wrong type raise ParameterError
        runner.resolve_parameters(args.notebook, args.profile, {**dict(args.parameter), **point}, root=ROOT)


@pytest.mark.parametrize("chapter", [c for c, nbs in CHAPTERS.items() if nbs])
def test_chapter_has_exercises_with_hidden_solutions_and_valid_recipes(chapter):
    text = (ROOT / f"{chapter}.md").read_text(encoding="utf-8")
    blocks = _admonitions(text)
    kinds = [k for k, _, _ in blocks]
    assert "other" not in kinds, f"{chapter}: only exercises and solutions in the Exercises section"
    assert 2 <= kinds.count("exercise") <= 4, f"{chapter}: {kinds.count('exercise')} exercises; expected 2 to 4"
    assert kinds == ["exercise", "solution"] * kinds.count("exercise"), f"{chapter}: each exercise, then its solution"
    numbers = [int(EXERCISE.match(head).group(1)) for k, head, _ in blocks if k == "exercise"]
    assert numbers == list(range(1, len(numbers) + 1)), f"{chapter}: exercises numbered {numbers}"
    for kind, head, body in blocks:
        first = body.lstrip("\n").splitlines()[0]
        if kind == "solution":
            assert first == ":class: dropdown", f"{chapter}: {head} must be hidden (:class: dropdown)"
            assert len(body.split()) >= 20, f"{chapter}: {head} is too short to explain anything"
            continue
        assert first == ":class: tip", f"{chapter}: {head} needs :class: tip"
        recipes = BLOCK.findall(body)
        assert len(recipes) == 1, f"{chapter}: {head} needs exactly one bash recipe, found {len(recipes)}"
        lines = [line for line in recipes[0].splitlines() if line.strip()]
        assert len(lines) == 1, f"{chapter}: {head}: one command on one line"
        _check_recipe(lines[0], CHAPTERS[chapter], f"{chapter}: {head}")


def test_a_wrong_parameter_in_a_recipe_is_caught():
    good = "genomenb sweep 01_sanity_genomes --profile smoke --grid epochs=1,2 --output results/exercises/x-1"
    _check_recipe(good, ["01_sanity_genomes"], "example")
    with pytest.raises(runner.ParameterError, match="unknown parameter 'epoch'"):
        _check_recipe(good.replace("epochs=", "epoch="), ["01_sanity_genomes"], "example")
    with pytest.raises(runner.ParameterError, match="expects int"):
        _check_recipe(good.replace("epochs=1,2", "epochs=one,two"), ["01_sanity_genomes"], "example")
