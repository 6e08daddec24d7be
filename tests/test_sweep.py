"""Sweeps: grid parsing, one executed notebook per point, and the gathered table."""

import json
import textwrap

import nbformat
import pandas as pd
import pytest

from genomenb import cli, sweep


def test_parse_grid_and_points():
    grid = sweep.parse_grid(["cell=gru,lstm", "seq_len= 50, 100 ,1000"])
    assert grid == {"cell": ["gru", "lstm"], "seq_len": ["50", "100", "1000"]}
    points = sweep.grid_points(grid)
    assert len(points) == 6
    assert points[0] == {"cell": "gru", "seq_len": "50"} and points[-1] == {"cell": "lstm", "seq_len": "1000"}


@pytest.mark.parametrize("specs", [["cell"], ["=gru"], ["cell="], ["cell=gru", "cell=lstm"], []])
def test_parse_grid_rejects_malformed_entries(specs):
    with pytest.raises(ValueError):
        sweep.parse_grid(specs)


def test_point_ids_are_readable_and_safe():
    assert sweep.point_id({"cell": "gru", "learning_rate": 0.0008}) == "cell-gru_learning_rate-0.0008"
    assert "/" not in sweep.point_id({"path": "a/b c"})


def _tiny_project(root):
    """A project with one fast notebook whose metric depends on its parameters."""
    (root / "notebooks" / "profiles").mkdir(parents=True)
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: notebooks/00_tiny\n")
    (root / "notebooks" / "profiles" / "smoke.yaml").write_text("00_tiny:\n  offset: 0.5\n")
    params = textwrap.dedent("""\
        output_dir: str = "results/00_tiny/book"  # where outputs go
        width: int = 1  # a size
        rate: float = 1.0  # a rate
        offset: float = 0.0  # added to the metric
        seed: int = 0  # seed
    """)
    body = ("from genomenb.notebook_run import start_run\nrun = start_run(globals())\n"
            "run.write_metrics({'score_perplexity': width * rate + offset, 'width_seen': width})\n")
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_code_cell(body)],
                                  metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nbformat.write(nb, root / "notebooks" / "00_tiny.ipynb")
    return root


@pytest.mark.notebooks
def test_run_sweep_executes_every_point_and_gathers_them(tmp_path):
    root = _tiny_project(tmp_path)
    out = tmp_path / "results" / "00_tiny" / "smoke" / "sweep"
    table = sweep.run_sweep("00_tiny", "smoke", {"width": ["1", "3"], "rate": [2.0]}, root=root, progress=False)
    assert list(table.point) == ["width-1_rate-2.0", "width-3_rate-2.0"]
    assert list(table.width) == [1, 3]  # typed as the notebook ran them
    assert list(table.score_perplexity) == [2.5, 6.5]  # the profile's offset applies to every point
    assert (out / "width-3_rate-2.0" / "00_tiny" / "smoke" / "00_tiny.ipynb").is_file()
    assert (out / "sweep.png").is_file()
    pd.testing.assert_frame_equal(pd.read_csv(out / "sweep.csv"), sweep.gather_sweep(out), check_dtype=False)
    manifest = json.loads((out / "sweep.json").read_text())
    assert [p["id"] for p in manifest["points"]] == list(table.point)
    # a rerun finds every point in the cache and does not execute anything
    record = out / "width-1_rate-2.0" / "00_tiny" / "smoke" / "run.json"
    before = record.stat().st_mtime_ns
    sweep.run_sweep("00_tiny", "smoke", {"width": ["1", "3"], "rate": [2.0]}, root=root, progress=False)
    assert record.stat().st_mtime_ns == before


def test_unknown_or_mistyped_grid_names_fail_before_running(tmp_path, capsys, monkeypatch):
    root = _tiny_project(tmp_path)
    monkeypatch.chdir(root)
    assert cli.main(["sweep", "00_tiny", "--profile", "smoke", "--grid", "colour=red"]) == 2
    assert "unknown parameter 'colour'" in capsys.readouterr().err
    assert cli.main(["sweep", "00_tiny", "--grid", "width=1,wide"]) == 2
    assert "expects int" in capsys.readouterr().err
    assert cli.main(["sweep", "00_tiny", "--grid", "width"]) == 2
    assert not (root / "results").exists()


def test_gather_needs_a_sweep_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="sweep.json"):
        sweep.gather_sweep(tmp_path)
