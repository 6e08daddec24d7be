"""Prose chapters quote measured numbers from the run (MyST-NB glue), never typed by hand."""

from pathlib import Path

import pytest

from genomenb import prose

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("*.md"))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_has_no_typed_measured_numbers(chapter):
    problems = [p for p in prose.check_chapters(ROOT / "book") if p.startswith(f"{chapter}.md:")]
    assert not problems, "\n".join(problems)


def test_typed_numbers_are_found_and_labelled_ones_are_not():
    text = ("The GRU reached 3.785 (81.1% of 502 tasks), the paper [3.679]{.paper}, on [4.6 Mb]{.fact};\n"
            "{glue:text}`../notebooks/02_x.ipynb::ecoli_ppl:.3f` and `lr = 0.002` and $p < 0.05$.\n")
    assert [n for _, n, _ in prose.unglued_numbers(text)] == ["3.785", "81.1%"]
    refs = prose.glue_references(text)
    assert [(r.doc, r.key, r.fmt, r.line) for r in refs] == [("../notebooks/02_x.ipynb", "ecoli_ppl", ".3f", 2)]


def test_missing_keys_are_named(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "c.md").write_text("{glue:text}`../notebooks/01_x.ipynb::there:.2f` "
                                            "{glue:text}`../notebooks/01_x.ipynb::param.seed:d` "
                                            "{glue:text}`../notebooks/01_x.ipynb::absent:.2f`\n")
    run = tmp_path / "results" / "01_x" / "smoke"
    run.mkdir(parents=True)
    (run / "metrics.json").write_text('{"there": 1.5, "parameters": {"seed": 0}}')
    assert prose.missing_glue_keys(tmp_path / "book", tmp_path / "results") == ["c.md:1: 01_x (smoke) has no 'absent'"]
    assert prose.missing_glue_keys(tmp_path / "book", tmp_path / "results", notebooks=["02_y"]) == []
    assert prose.missing_glue_keys(tmp_path / "book", tmp_path / "results", notebooks=["01_x"]) == [
        "c.md:1: 01_x (smoke) has no 'absent'"]


def test_fill_missing_swaps_only_the_keys_a_run_lacks():
    text = ("{glue:text}`../notebooks/12_x.ipynb::ecoli_ppl:.3f` and "
            "{glue:text}`../notebooks/12_x.ipynb::pfalciparum_ppl:.3f`, {glue:text}`../notebooks/13_y.ipynb::z:d`")
    out, missing = prose.fill_missing(text, {"12_x": {"ecoli_ppl"}})
    assert missing == ["12_x::pfalciparum_ppl"]
    assert out == ("{glue:text}`../notebooks/12_x.ipynb::ecoli_ppl:.3f` and n/a, "
                   "{glue:text}`../notebooks/13_y.ipynb::z:d`")
