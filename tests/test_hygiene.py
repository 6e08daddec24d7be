"""The book's notebooks follow the conventions of DESIGN.md."""

import json
import re

import pytest

from genomenb import runner

ROOT = runner.project_root()
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_numbered_name(nb):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", nb.name)


def test_every_notebook_is_in_the_toc():
    listed = {p.resolve() for p in runner.toc_notebooks(ROOT)}
    assert listed == {p.resolve() for p in NOTEBOOKS}


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_single_parameters_cell_first_with_literals(nb):
    data = json.loads(nb.read_text(encoding="utf-8"))
    tagged = [c for c in data["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1
    params = runner.read_parameters(nb)  # raises unless first code cell, typed literals
    assert params["output_dir"].default.startswith("results/")
    assert all(p.help for p in params.values()), "every parameter needs a '# meaning' comment"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_stored_outputs(nb):
    data = json.loads(nb.read_text(encoding="utf-8"))
    for cell in data["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


MAX_CELL_LINES = 20  # notebooks tell the story; logic longer than a short cell belongs in the package


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_code_cells_are_short(nb):
    """No code cell is longer than 20 lines; the one parameters cell (literals only) may list more."""
    data = json.loads(nb.read_text(encoding="utf-8"))
    lengths = {i: len("".join(c["source"]).splitlines()) for i, c in enumerate(data["cells"])
               if c["cell_type"] == "code" and "parameters" not in c.get("metadata", {}).get("tags", [])}
    long = {i: n for i, n in lengths.items() if n > MAX_CELL_LINES}
    assert not long, (f"{nb.name}: code cells longer than {MAX_CELL_LINES} lines (cell index: lines) {long}; "
                      "move the logic into the package")


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_path_hacks_or_star_imports(nb):
    data = json.loads(nb.read_text(encoding="utf-8"))
    src = "\n".join("".join(c["source"]) for c in data["cells"] if c["cell_type"] == "code")
    assert "sys.path" not in src and not re.search(r"import \*", src)


@pytest.mark.parametrize("profile", ["smoke", "paper"])
def test_profiles_name_real_notebooks_and_parameters(profile):
    import yaml

    entries = yaml.safe_load((ROOT / "notebooks" / "profiles" / f"{profile}.yaml").read_text()) or {}
    stems = {p.stem for p in NOTEBOOKS}
    assert set(entries) <= stems
    for stem in entries:
        runner.resolve_parameters(stem, profile, root=ROOT)  # raises on unknown names or wrong types


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_has_a_smoke_profile(nb):
    import yaml

    entries = yaml.safe_load((ROOT / "notebooks" / "profiles" / "smoke.yaml").read_text()) or {}
    assert nb.stem in entries, f"{nb.stem} needs a smoke profile entry"


@pytest.mark.parametrize("page", sorted((ROOT / "book").glob("*.md")) + [ROOT / "README.md"], ids=lambda p: p.stem)
def test_no_unfilled_placeholders_in_the_prose(page):
    """Drafts mark numbers still to be measured with words like RESULT_OF_RUN; none may reach the book."""
    text = page.read_text(encoding="utf-8")
    code_free = re.sub(r"```.*?```|`[^`]*`", "", text, flags=re.S)  # environment variables etc. live in code
    left = re.findall(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]\b|\bTODO\b|\bTBD\b|\bXXX\b", code_free)
    assert not left, f"{page.name}: unfilled placeholders {left}"


def test_readme_benchmark_table_is_the_one_the_results_give():
    """The README's numbers are regenerated from benchmarks/results/*.json, never typed by hand."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_summary", ROOT / "benchmarks" / "summary.py")
    summary = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(summary)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"<!-- benchmarks:start -->\n(.*?)\n<!-- benchmarks:end -->", readme, flags=re.S)
    assert shown, "README.md lacks the benchmarks table markers"
    assert shown.group(1) == summary.markdown(), "README benchmark table is stale: run python benchmarks/summary.py"
    assert len(summary.rows()) >= len(list((ROOT / "benchmarks" / "results").glob("*.json")))
