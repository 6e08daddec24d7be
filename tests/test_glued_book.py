"""The prose follows the run: a chapter rebuilt after a seed change quotes the new run's numbers.

One real chapter (the sanity genomes, smoke profile) is built as a book of its own in a copy of the project,
once with the profile's seed and once with another; the glued numbers of ``book/sanity_genomes.html`` are read
back from the HTML and compared with each run's ``metrics.json``.
"""

import html as html_lib
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from genomenb import prose, runner

ROOT = Path(__file__).resolve().parents[1]
CHAPTER, NOTEBOOK = "sanity_genomes", "01_sanity_genomes"
PASTED = re.compile(r'<span class="pasted-text">([^<]*)</span>')


def _project(tmp_path: Path, seed: int) -> Path:
    project = tmp_path / f"seed{seed}"
    (project / "book").mkdir(parents=True)
    (project / "notebooks" / "profiles").mkdir(parents=True)
    shutil.copy2(ROOT / "_config.yml", project / "_config.yml")
    for name in ("intro.md", f"{CHAPTER}.md", "references.bib"):
        shutil.copy2(ROOT / "book" / name, project / "book" / name)
    (project / "book" / "intro.md").write_text("# A one-chapter book\n\n```{bibliography}\n```\n", encoding="utf-8")
    shutil.copy2(ROOT / "notebooks" / f"{NOTEBOOK}.ipynb", project / "notebooks" / f"{NOTEBOOK}.ipynb")
    toc = {"format": "jb-book", "root": "book/intro",
           "chapters": [{"file": f"book/{CHAPTER}", "sections": [{"file": f"notebooks/{NOTEBOOK}"}]}]}
    (project / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    profiles = yaml.safe_load((ROOT / "notebooks" / "profiles" / "smoke.yaml").read_text(encoding="utf-8"))
    (project / "notebooks" / "profiles" / "smoke.yaml").write_text(
        yaml.safe_dump({NOTEBOOK: {**profiles[NOTEBOOK], "seed": seed}}), encoding="utf-8")
    return project


def _expected(project: Path) -> list[str]:
    """The chapter's glued numbers, formatted from the run's metrics.json the way MyST-NB formats them."""
    metrics = json.loads((project / "results" / NOTEBOOK / "smoke" / "metrics.json").read_text(encoding="utf-8"))
    values = {**metrics, **{f"param.{k}": v for k, v in metrics["parameters"].items()}}
    out = []
    for ref in prose.glue_references((project / "book" / f"{CHAPTER}.md").read_text(encoding="utf-8")):
        value = values[ref.key]
        fmt = ref.fmt or "s"
        value = int(value) if fmt[-1] in "bcdoxX" else float(value) if fmt[-1] in "eEfFgGn%" else str(value)
        out.append(format(value, fmt))
    return out


def test_a_seed_change_changes_the_chapter_numbers(tmp_path):
    refs = prose.glue_references((ROOT / "book" / f"{CHAPTER}.md").read_text(encoding="utf-8"))
    if not any(not r.key.startswith("param.") for r in refs):
        pytest.fail(f"book/{CHAPTER}.md quotes no measured number through glue")
    pasted = {}
    for seed in (0, 1):
        project = _project(tmp_path, seed)
        runner.build_book("smoke", root=project, progress=False)
        page = (project / "_build" / "html" / "book" / f"{CHAPTER}.html").read_text(encoding="utf-8")
        pasted[seed] = [html_lib.unescape(t) for t in PASTED.findall(page)]
        assert pasted[seed] == _expected(project), f"seed {seed}: the page does not quote its own run"
    changed = [(r.key, a, b) for r, a, b in zip(refs, pasted[0], pasted[1])
               if a != b and not r.key.startswith("param.")]
    assert changed, "a new seed left every measured number of the chapter unchanged"
