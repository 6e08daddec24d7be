import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from genomenb import cli, runner


def make_notebook(path, params_src, body_src, tag=True):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = new_code_cell(params_src)
    if tag:
        cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, new_code_cell(body_src)]
    nbformat.write(nb, path)
    return path


@pytest.fixture()
def project(tmp_path):
    """A minimal project: _toc.yml, one notebook, profiles."""
    (tmp_path / "notebooks" / "profiles").mkdir(parents=True)
    (tmp_path / "book").mkdir()
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n  - file: notebooks/01_demo\n")
    (tmp_path / "notebooks" / "profiles" / "smoke.yaml").write_text("01_demo:\n  n: 2\n")
    (tmp_path / "notebooks" / "profiles" / "paper.yaml").write_text("01_demo:\n  n: 1000\n")
    make_notebook(
        tmp_path / "notebooks" / "01_demo.ipynb",
        'output_dir: str = "results/01_demo/book"  # where outputs go\n'
        "n: int = 10  # how many\n"
        "rate: float = 0.5  # a rate\n"
        "fail: bool = False  # raise on purpose\n"
        'label: str = "a # not a comment"  # the label\n',
        "from genomenb.notebook_run import start_run\n"
        "run = start_run(globals())\n"
        "if fail:\n    raise RuntimeError('failed on purpose')\n"
        "run.write_metrics({'n_squared': n * n, 'rate': rate})\n",
    )
    return tmp_path


def test_read_parameters_types_defaults_and_help(project):
    params = runner.read_parameters(project / "notebooks" / "01_demo.ipynb")
    assert list(params) == ["output_dir", "n", "rate", "fail", "label"]
    assert params["n"].type == "int" and params["n"].default == 10 and params["n"].help == "how many"
    assert params["label"].default == "a # not a comment" and params["label"].help == "the label"


def test_profiles_then_overrides_with_type_coercion(project):
    assert runner.resolve_parameters("01_demo", "smoke", root=project)["n"] == 2
    assert runner.resolve_parameters("01_demo", "paper", root=project)["n"] == 1000
    assert runner.resolve_parameters("01_demo", "book", root=project)["n"] == 10
    r = runner.resolve_parameters("01_demo", "smoke", [("n", "7"), ("rate", "1"), ("fail", "true")], root=project)
    assert r["n"] == 7 and r["rate"] == 1.0 and isinstance(r["rate"], float) and r["fail"] is True


@pytest.mark.parametrize("name,value", [("n", "1.5"), ("n", "ten"), ("fail", "maybe"), ("rate", "x")])
def test_wrong_types_are_rejected(project, name, value):
    with pytest.raises(runner.ParameterError, match=f"parameter '{name}' expects"):
        runner.resolve_parameters("01_demo", "book", {name: value}, root=project)


def test_unknown_parameter_lists_valid_ones(project):
    with pytest.raises(runner.ParameterError) as exc:
        runner.resolve_parameters("01_demo", "book", {"no_such_param": "1"}, root=project)
    msg = str(exc.value)
    assert "no_such_param" in msg and "valid parameters" in msg
    assert all(name in msg for name in ("output_dir", "n (int)", "rate (float)", "fail (bool)"))


def test_unknown_profile_and_profile_with_unknown_name(project):
    with pytest.raises(runner.ParameterError, match="unknown profile"):
        runner.resolve_parameters("01_demo", "huge", root=project)
    (project / "notebooks" / "profiles" / "smoke.yaml").write_text("01_demo:\n  typo: 2\n")
    with pytest.raises(runner.ParameterError, match="unknown parameter 'typo' in profile 'smoke'"):
        runner.resolve_parameters("01_demo", "smoke", root=project)


@pytest.mark.parametrize("src,match", [
    ("n = 3\noutput_dir: str = 'x'\n", "expected `name: type = literal`"),
    ("output_dir: str = 'x'\nn: int = len('abc')\n", "not a literal"),
    ("output_dir: str = 'x'\nn: list = 3\n", "type must be one of"),
    ("output_dir: str = 'x'\nn: int = 'three'\n", "expects int"),
    ("n: int = 3\n", "must declare `output_dir: str`"),
])
def test_malformed_parameter_cells(tmp_path, src, match):
    nb = make_notebook(tmp_path / "02_bad.ipynb", src, "pass")
    with pytest.raises(runner.ParameterError, match=match):
        runner.read_parameters(nb)


def test_parameters_cell_must_be_tagged(tmp_path):
    nb = make_notebook(tmp_path / "03_untagged.ipynb", "output_dir: str = 'x'\n", "pass", tag=False)
    with pytest.raises(runner.ParameterError, match="tagged 'parameters'"):
        runner.read_parameters(nb)


def test_cache_key_tracks_parameters_and_package(project, monkeypatch):
    nb = project / "notebooks" / "01_demo.ipynb"
    base = runner.cache_key(nb, {"n": 1, "output_dir": "a"})
    assert runner.cache_key(nb, {"n": 1, "output_dir": "b"}) == base  # where results go is not an input
    assert runner.cache_key(nb, {"n": 2, "output_dir": "a"}) != base
    monkeypatch.setattr(runner, "_package_digest", lambda: "changed")
    assert runner.cache_key(nb, {"n": 1, "output_dir": "a"}) != base
    monkeypatch.undo()
    monkeypatch.setattr(runner.registry, "registry_digest", lambda: "other data")
    assert runner.cache_key(nb, {"n": 1, "output_dir": "a"}) != base


def test_run_writes_metrics_and_second_run_is_cached(project, tmp_path):
    out = tmp_path / "out"
    first = runner.run_notebook("01_demo", "smoke", output_root=out, use_cache=True, progress=False, root=project)
    assert not first.cached
    metrics = json.loads((out / "01_demo" / "smoke" / "metrics.json").read_text())
    assert metrics["n_squared"] == 4 and metrics["parameters"]["n"] == 2
    second = runner.run_notebook("01_demo", "smoke", output_root=out, use_cache=True, progress=False, root=project)
    assert second.cached and second.metrics["n_squared"] == 4
    # a changed notebook re-executes
    nb = project / "notebooks" / "01_demo.ipynb"
    nb.write_text(nb.read_text().replace("n * n", "n * n + 1"))
    third = runner.run_notebook("01_demo", "smoke", output_root=out, use_cache=True, progress=False, root=project)
    assert not third.cached and third.metrics["n_squared"] == 5


def test_failure_names_notebook_and_cell(project, tmp_path):
    expected = r"01_demo \(book\) failed in cell \d+.*RuntimeError: failed on purpose"
    with pytest.raises(runner.NotebookError, match=expected):
        runner.run_notebook("01_demo", "book", {"fail": "true"}, output_root=tmp_path, progress=False, root=project)


def test_toc_notebooks_in_order(project):
    assert [p.stem for p in runner.toc_notebooks(project)] == ["01_demo"]
    with pytest.raises(FileNotFoundError, match="01_demo"):
        runner.notebook_path("99_missing", project)


def test_cli_rejects_unknown_parameter(capsys):
    rc = cli.main(["run", "00_data_tour", "-p", "no_such_param", "1"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "unknown parameter 'no_such_param'" in err and "valid parameters" in err and "conv_batch (int)" in err


def test_cli_params_lists_profiles(capsys):
    assert cli.main(["params", "00_data_tour"]) == 0
    out = capsys.readouterr().out
    assert "conv_batch" in out and "smoke" in out
    lines = out.splitlines()
    col = lines[0].index("type")  # columns stay aligned whatever the longest parameter name
    assert all(line[col - 2:col] == "  " and line[col] != " " for line in lines), out


def test_keep_report_copies_the_evidence(project, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(FileNotFoundError, match="no finished 'paper' run"):
        runner.keep_report("01_demo", "paper", output_root=out, root=project)
    runner.run_notebook("01_demo", "paper", output_root=out, progress=False, root=project)
    kept = runner.keep_report("01_demo", "paper", output_root=out, root=project)
    assert kept == project / "reports" / "01_demo" / "paper"
    assert {p.name for p in kept.iterdir()} >= {"01_demo.ipynb", "metrics.json", "run.json", "parameters.json"}
    assert json.loads((kept / "run.json").read_text())["parameters"]["n"] == 1000


def test_published_notebooks_show_paths_relative_to_the_project(tmp_path):
    executed = json.dumps({"cells": [{"cell_type": "code", "metadata": {"tags": ["injected-parameters"]},
                                      "source": [f'output_dir = "{tmp_path}/results/04_x/book"\n']},
                                     {"cell_type": "code", "outputs": [{"text": f"checkpoint {tmp_path}/results/a"}]}]})
    published = runner.publishable(executed, tmp_path)
    assert str(tmp_path) not in published
    assert 'output_dir = \\"results/04_x/book\\"' in published and "checkpoint results/a" in published
    assert json.loads(published)["cells"][1]["outputs"][0]["text"] == "checkpoint results/a"
