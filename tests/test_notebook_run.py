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
