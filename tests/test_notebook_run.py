"""Tests for genomenb.notebook_run: flat metrics.json, parameter snapshots, fresh runs."""

import json
import math

import numpy as np
import pytest

from genomenb.notebook_run import read_metrics, start_run, validate_metrics, write_metrics


def test_metrics_must_be_flat_and_finite():
    assert validate_metrics({"a": np.float32(1.5), "b": 2, "c": "deepsea-sim", "d": True}) == {
        "a": 1.5, "b": 2, "c": "deepsea-sim", "d": True}
    with pytest.raises(ValueError, match="'x' is not finite"):
        validate_metrics({"x": math.nan})
    with pytest.raises(ValueError, match="'y' must be a number"):
        validate_metrics({"y": {"nested": 1}})
    with pytest.raises(ValueError, match="reserved"):
        validate_metrics({"parameters": 1})


def test_write_metrics_merges_and_records_parameters(tmp_path):
    write_metrics(tmp_path, {"a": 1.0}, {"seed": 3})
    write_metrics(tmp_path, {"b": 2})
    m = read_metrics(tmp_path)
    assert m["a"] == 1.0 and m["b"] == 2 and m["parameters"] == {"seed": 3}
    assert json.loads((tmp_path / "metrics.json").read_text()) == m


def test_start_run_snapshots_scalar_parameters(tmp_path):
    ns = {"output_dir": str(tmp_path / "out"), "seed": 7, "rate": 0.5, "In": [], "_hidden": 1,
          "np": np, "flag": False}
    run = start_run(ns)
    assert run.parameters == {"output_dir": str(tmp_path / "out"), "seed": 7, "rate": 0.5, "flag": False}
    assert (tmp_path / "out" / "parameters.json").is_file()
    a = np.random.rand()
    start_run(ns)
    assert np.random.rand() == a, "seed parameter must reseed NumPy"


def test_start_run_requires_output_dir():
    with pytest.raises(ValueError, match="output_dir"):
        start_run({"seed": 1})


def test_start_run_forgets_metrics_of_an_earlier_run(tmp_path):
    ns = {"output_dir": str(tmp_path)}
    start_run(ns).write_metrics({"old_key": 1.0})
    run = start_run(ns)
    run.write_metrics({"new_key": 2.0})
    m = read_metrics(tmp_path)
    assert "old_key" not in m and m["new_key"] == 2.0


def test_finite_leaves_out_nan_and_infinity_only():
    from genomenb.notebook_run import finite

    kept = finite({"a": 1.0, "b": math.nan, "c": np.float64(np.inf), "d": np.float32(np.nan), "e": "x", "f": 3,
                   "g": False})
    assert kept == {"a": 1.0, "e": "x", "f": 3, "g": False}
    assert list(kept) == ["a", "e", "f", "g"]


def test_flat_metrics_joins_nested_keys():
    import pandas as pd

    from genomenb.notebook_run import flat_metrics

    flat = flat_metrics({"bigru": {"auroc": np.float64(0.75), "epochs": {"best": np.int64(3)}},
                         "kmer": pd.Series({"auroc": 0.7}), "n_sets": 25})
    assert flat == {"bigru_auroc": 0.75, "bigru_epochs_best": 3, "kmer_auroc": 0.7, "n_sets": 25}
    assert type(flat["bigru_auroc"]) is float and type(flat["bigru_epochs_best"]) is int
    assert flat_metrics({"a": {"b": 1}}, sep=".") == {"a.b": 1}
    with pytest.raises(ValueError, match="'a_b'"):
        flat_metrics({"a": {"b": 1}, "a_b": 2})


def test_banner_says_simulated_data_loudly(capsys):
    from genomenb.notebook_run import banner

    assert banner("deepsea-sim", "made up", simulated=True) == "DeepSEA-sim, simulated"
    assert capsys.readouterr().out == "DATA SOURCE: deepsea-sim  (SIMULATED labels, not real chromatin data)\nmade up\n"
    assert banner("deepsea", simulated=False, label="DeepSEA subset") == "DeepSEA subset"
    assert capsys.readouterr().out == "DATA SOURCE: deepsea\n"
    assert banner("deepsea") == "deepsea"


def test_table_formats_and_show_table(monkeypatch):
    import IPython.display
    import pandas as pd

    from genomenb.notebook_run import show_table, table_formats

    table = pd.DataFrame({"tasks": [498, 12], "win_rate": [0.8192, np.nan], "mean_difference": [0.0912, -0.01],
                          "median_model": [0.51234, 0.4], "length_bp": [4641652, 10], "l2": [1e-6, 100.0],
                          "name": ["a", "b"]})
    formats = table_formats(table, percent=["win_rate"], signed=["mean_difference"], thousands=["length_bp"],
                            general=["l2"])
    assert formats == {"win_rate": "{:.1%}", "mean_difference": "{:+.3f}", "median_model": "{:.3f}",
                       "length_bp": "{:,}", "l2": "{:g}"}
    assert table_formats(table, 2, percent={"win_rate": 2})["win_rate"] == "{:.2%}"
    assert table_formats(table, scientific=["l2"])["l2"] == "{:.1e}"
    assert table_formats(table, 2)["median_model"] == "{:.2f}"
    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    assert show_table(table, percent=["win_rate"], signed=["mean_difference"], thousands=["length_bp"]) is None
    html = shown[0].to_html()
    for text in ("81.9%", "+0.091", "-0.010", "0.512", "4,641,652", ">498<"):
        assert text in html, text
    assert "nan" not in html


def test_a_relative_output_dir_is_taken_from_the_project_root(tmp_path, monkeypatch):
    # JupyterLab starts a notebook's kernel in notebooks/: its relative output_dir must not land there
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    (root / "_toc.yml").write_text("format: jb-book\n")
    monkeypatch.chdir(root / "notebooks")
    run = start_run({"output_dir": "results/00_data_tour/book"})
    assert run.output_dir == (root / "results" / "00_data_tour" / "book").resolve()
    assert (root / "results" / "00_data_tour" / "book" / "parameters.json").is_file()
    assert not (root / "notebooks" / "results").exists()
    assert run.parameters["output_dir"] == str(run.output_dir)
