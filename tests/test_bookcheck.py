"""The browser check of a built book (genomenb.bookcheck), on a tiny book built once for this module.

The tiny book uses the project's own ``_config.yml`` (theme, MathJax from the build, extensions), one
MyST chapter with math, an image and an exercise with a dropdown solution, and one executed notebook
with a matplotlib figure. The browser tests skip without Debian's Chromium and ChromeDriver; .ci/run
installs them.
"""

import shutil
import subprocess
import sys

import nbformat
import pytest
from matplotlib.figure import Figure
from nbclient import NotebookClient

from genomenb import bookcheck, runner

ROOT = runner.project_root()
needs_browser = pytest.mark.skipif(
    not bookcheck.browser_available(),
    reason=f"needs {bookcheck.CHROMIUM} and {bookcheck.CHROMEDRIVER} (Debian: apt-get install chromium "
           "chromium-driver) and selenium; .ci/run installs them",
)

CHAPTER = """# A chapter

Every genome has $x^2$ words of two letters.

![A falling line](line.png)

## Exercises

:::{admonition} Exercise 1: count the words
:class: tip

How many words of two letters does a genome of four bases have?
:::

:::{admonition} Solution
:class: dropdown

Sixteen: four choices for each of the two letters.
:::
"""

TOC = """format: jb-book
root: book/intro
parts:
  - caption: Tiny
    chapters:
      - file: book/chapter
        sections:
          - file: notebooks/demo
"""


def _executed_notebook(folder):
    """A two-cell notebook whose code cell draws a matplotlib figure, executed in the project's kernel."""
    source = "%matplotlib inline\nimport matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(3, 2))\n" \
             "ax.plot([0, 1, 2], [0, 1, 4]);"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A notebook about the genome"),
                                         nbformat.v4.new_code_cell(source)])
    # the alt text of an output image comes from its cell's metadata (what the book's staging step writes)
    nb.cells[1].metadata["mystnb"] = {"image": {"alt": "A parabola through three points"}}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    assert any("image/png" in out.get("data", {}) for out in nb.cells[1].outputs), "the notebook drew no figure"
    return nb


@pytest.fixture(scope="module")
def tiny_book(tmp_path_factory):
    """The HTML folder of a tiny book built with the project's configuration."""
    src = tmp_path_factory.mktemp("tiny_book")
    (src / "book").mkdir()
    (src / "notebooks").mkdir()
    shutil.copy2(ROOT / "_config.yml", src / "_config.yml")
    shutil.copy2(ROOT / "book" / "references.bib", src / "book" / "references.bib")
    (src / "_toc.yml").write_text(TOC, encoding="utf-8")
    (src / "book" / "intro.md").write_text("# A tiny book\n\nA genome is a text of four letters.\n", encoding="utf-8")
    (src / "book" / "chapter.md").write_text(CHAPTER, encoding="utf-8")
    fig = Figure(figsize=(2, 2))
    fig.add_subplot().plot([0, 1], [1, 0])
    fig.savefig(src / "book" / "line.png")
    nbformat.write(_executed_notebook(src), src / "notebooks" / "demo.ipynb")
    proc = subprocess.run([sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(src),
                           "-W", "-n", "--keep-going"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return src / "_build" / "html"


def test_static_checks_without_a_browser(tmp_path):
    html = tmp_path / "html"
    (html / "book").mkdir(parents=True)
    (html / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=book/intro.html" />')
    (html / "book" / "intro.html").write_text('<a href="chapter.html#top">next</a> <a href="https://x.org/">x</a>')
    (html / "book" / "chapter.html").write_text(
        f'<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>'
        f'<p>{ROOT}/results/run</p><a href="../notebooks/missing.html">gone</a><a href="#s">here</a>')
    problems = bookcheck.static_problems(html, ROOT)
    assert len(problems) == 4, problems
    assert all(p.startswith("book/chapter.html: ") for p in problems), problems
    assert any("MathJax from a CDN" in p for p in problems)
    assert any(str(ROOT.resolve()) in p for p in problems)
    assert any("dropdown" in p for p in problems)
    assert any("../notebooks/missing.html" in p for p in problems)


@needs_browser
def test_tiny_book_passes_and_is_photographed(tiny_book, tmp_path):
    shots = tmp_path / "shots"
    assert bookcheck.main([str(tiny_book), "--screenshots", str(shots), "--root", str(ROOT)]) == 0
    for name in ("book_intro", "book_chapter", "notebooks_demo"):
        png = (shots / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert int.from_bytes(png[16:20], "big") == bookcheck.WIDTH


@pytest.fixture(scope="module")
def broken_book_problems(tiny_book, tmp_path_factory):
    """The check's report on a copy of the tiny book with one image deleted and one external script added."""
    html = tmp_path_factory.mktemp("broken_book") / "html"
    shutil.copytree(tiny_book, html)
    (html / "_images" / "line.png").unlink()
    page = html / "notebooks" / "demo.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</head>", '<script src="https://cdn.example.org/x.js"></script>\n</head>', 1),
                    encoding="utf-8")
    return bookcheck.check_book(html, root=ROOT)


@needs_browser
def test_a_deleted_image_fails_naming_it(broken_book_problems):
    assert any(p.startswith("book/chapter.html: image ") and "line.png did not load" in p
               for p in broken_book_problems), broken_book_problems


@needs_browser
def test_a_script_from_another_host_is_reported(broken_book_problems):
    assert "request left 127.0.0.1: https://cdn.example.org/x.js" in broken_book_problems, broken_book_problems

