"""Sweeps and book builds on Dask, caches under concurrency, data-parallel training on two devices."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from test_sweep import _tiny_project

from genomenb import cli, parallel, runner

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}

# A 4-point smoke sweep that trains language models in every point: chapter 01 (the README recipe's chapter 02
# gives the same comparison at twice the cost; benchmarks/bench_sweep_workers.py times that one).
LM = "01_sanity_genomes"
LM_GRID = ["--grid", "cell=gru,lstm", "--grid", "learning_rate=0.002,0.004"]
TIMING = ("seconds", "per_second")  # wall-clock metrics differ from run to run; every other metric must not


def _failing_project(root):
    """The tiny project of test_sweep plus a point that raises inside the notebook."""
    _tiny_project(root)
    path = root / "notebooks" / "00_tiny.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell('if width == 0:\n    raise ValueError("width must be positive")\n'))
    nbformat.write(nb, path)
    return root


def _values(csv: Path) -> pd.DataFrame:
    table = pd.read_csv(csv).set_index("point").sort_index()
    return table[[c for c in table.columns if not c.endswith(TIMING)]]


# --------------------------------------------------------------------------- fast: the tiny project


def test_workers_must_be_positive():
    with pytest.raises(parallel.EngineError, match="positive"):
        with parallel.dask_client(workers=0):
            pass


def test_serial_tasks_report_failures_and_keep_going():
    def fn(value):
        if value < 0:
            raise ValueError(f"negative {value}")
        return value * 2

    outcomes = parallel.run_tasks(fn, {"a": {"value": 1}, "b": {"value": -1}, "c": {"value": 3}}, progress=False)
    assert [o.result for o in outcomes] == [2, None, 6]
    assert outcomes[1].error == "ValueError: negative -1" and not outcomes[1].ok
    report = parallel.failure_report(outcomes, "points")
    assert report.startswith("1 of 3 points failed") and "b: ValueError: negative -1" in report


def test_unreachable_scheduler_fails_clearly_within_seconds(tmp_path, capsys, monkeypatch):
    root = _tiny_project(tmp_path)
    monkeypatch.chdir(root)
    start = time.perf_counter()
    code = cli.main(["sweep", "00_tiny", "--profile", "smoke", "--grid", "width=1,2", "--scheduler",
                     "tcp://127.0.0.1:9"])
    seconds = time.perf_counter() - start
    err = capsys.readouterr().err
    assert code == 2 and seconds < 20
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in err and "dask scheduler" in err


@pytest.mark.notebooks
def test_failing_point_is_named_and_the_others_finish(tmp_path, capsys, monkeypatch):
    root = _failing_project(tmp_path)
    monkeypatch.chdir(root)
    code = cli.main(["sweep", "00_tiny", "--profile", "smoke", "--grid", "width=1,0,3", "--workers", "2", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "1 of 3 grid points failed" in err
    assert "width-0: NotebookError: notebook 00_tiny (smoke) failed in cell 2" in err
    assert "ValueError: width must be positive" in err
    out = root / "results" / "00_tiny" / "smoke" / "sweep"
    table = pd.read_csv(out / "sweep.csv")
    assert list(table.point) == ["width-1", "width-3"] and list(table.score_perplexity) == [1.5, 3.5]
    # a rerun skips the finished points: it executes nothing and leaves their records alone
    record = out / "width-3" / "00_tiny" / "smoke" / "run.json"
    before = record.stat().st_mtime_ns
    assert cli.main(["sweep", "00_tiny", "--profile", "smoke", "--grid", "width=1,3", "--workers", "2"]) == 0
    assert record.stat().st_mtime_ns == before
    assert "width-3: cached" in capsys.readouterr().out


@pytest.mark.notebooks
def test_parallel_book_runs_every_notebook(tmp_path):
    root = _tiny_project(tmp_path)
    second = nbformat.read(root / "notebooks" / "00_tiny.ipynb", as_version=4)
    nbformat.write(second, root / "notebooks" / "01_tiny.ipynb")
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: notebooks/00_tiny\n"
                                   "  - file: notebooks/01_tiny\n")
    runs = runner.build_book("smoke", build_html=False, progress=False, root=root, workers=2)
    assert [r.notebook for r in runs] == ["00_tiny", "01_tiny"]  # the book's order, whatever finished first
    assert not any(r.cached for r in runs)
    assert [r.metrics["score_perplexity"] for r in runs] == [1.5, 1.0]  # the smoke profile sets 00_tiny's offset
    again = runner.build_book("smoke", build_html=False, progress=False, root=root, workers=2)
    assert all(r.cached for r in again)


# --------------------------------------------------------------------------- caches under concurrency

_RACER = textwrap.dedent("""
    import hashlib, os, sys, time
    from genomenb.data import deepsea, deepsea_sim
    from genomenb.data.deepsea_sim import generate

    cache, log, start_at = sys.argv[1], sys.argv[2], float(sys.argv[3])

    def logged(what, fn):
        def wrapper(*args, **kwargs):
            with open(log, "a") as f:
                f.write(f"{what} {os.getpid()}\\n")
            time.sleep(1.0)  # widen the window in which the other process could start the same work
            return fn(*args, **kwargs)
        return wrapper

    generate.generate_bundle = logged("bundle", generate.generate_bundle)
    deepsea._draw_subset = logged("subset", deepsea._draw_subset)
    time.sleep(max(0.0, start_at - time.time()))  # both processes ask at the same moment
    data = deepsea_sim.load_sim_subset(deepsea_sim.SimConfig(n_train=200, n_valid=50, n_test=60, seed=3),
                                       cache_dir=cache)
    digest = hashlib.sha256(data.train.codes.tobytes() + data.test.labels.tobytes()).hexdigest()
    print("DIGEST", digest, data.path.name)
""")


def test_two_processes_racing_for_the_same_cache_build_it_once(tmp_path):
    script, log = tmp_path / "racer.py", tmp_path / "builds.log"
    script.write_text(_RACER)
    start_at = time.time() + 12  # after both have imported the package
    procs = [subprocess.Popen([sys.executable, str(script), str(tmp_path / "cache"), str(log), str(start_at)],
                              env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in procs]
    for p, (_out, err) in zip(procs, outputs):
        assert p.returncode == 0, err[-3000:]
    digests = {line for out, _ in outputs for line in out.splitlines() if line.startswith("DIGEST")}
    assert len(digests) == 1  # both got the same data
    builds = log.read_text().split()
    assert builds.count("bundle") == 1 and builds.count("subset") == 1, builds
    sim_dir = tmp_path / "cache" / "deepsea_sim"
    assert not list(sim_dir.glob(".tmp-*"))  # no half-written bundle left behind


# --------------------------------------------------------------------------- data-parallel training (JAX)

_DATA_PARALLEL = textwrap.dedent("""
    import json, sys, tempfile
    import keras, numpy as np
    from genomenb.models.charlm import CharLMConfig
    from genomenb.data.splits import split_genome
    from genomenb.training import train_supervised
    from genomenb.training.language_model import TrainConfig, train_language_model

    rng = np.random.default_rng(0)
    x, xv = rng.integers(0, 4, size=(130, 40), dtype=np.uint8), rng.integers(0, 4, size=(37, 40), dtype=np.uint8)
    y, yv = (rng.random((130, 5)) < 0.3).astype("float32"), (rng.random((37, 5)) < 0.3).astype("float32")
    genome = [("chr", rng.integers(0, 4, size=30_000, dtype=np.uint8))]
    result = {}
    for n in (1, 2):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((40, 4)), keras.layers.Conv1D(8, 7, activation="relu"),
                                  keras.layers.Dropout(0.2), keras.layers.GlobalMaxPooling1D(),
                                  keras.layers.Dense(5, activation="sigmoid")])
        cnn = train_supervised(model, x, y, xv, yv, target="multilabel", epochs=3, batch_size=16,
                               checkpoint_dir=tempfile.mkdtemp(), devices=n, verbose=0)
        lm = train_language_model(split_genome(genome, 0.2), CharLMConfig(cell="gru", num_layers=1, hidden_size=16),
                                  TrainConfig(seq_len=20, batch_size=8, epochs=2, bases_per_epoch=4000,
                                              eval_bases=1000), tempfile.mkdtemp(), devices=n, verbose=0)
        result[n] = {name: {"weights": [w.tolist() for w in r.model.get_weights()],
                            "loss": r.history["loss"].tolist(),
                            "devices": json.load(open(r.checkpoint_dir / "state.json"))["devices"]}
                     for name, r in (("cnn", cnn), ("lm", lm))}
    json.dump(result, open(sys.argv[1], "w"))
""")


def test_data_parallel_on_two_devices_matches_one_device(tmp_path):
    pytest.importorskip("jax")
    script, out = tmp_path / "dp.py", tmp_path / "dp.json"
    script.write_text(_DATA_PARALLEL)
    env = {**ENV, "KERAS_BACKEND": "jax", "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    proc = subprocess.run([sys.executable, str(script), str(out)], env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    for name in ("cnn", "lm"):
        one, two = result["1"][name], result["2"][name]
        assert (one["devices"], two["devices"]) == (1, 2)
        # the stated tolerance: the same steps, up to the order of floating-point sums across devices
        np.testing.assert_allclose(two["loss"], one["loss"], rtol=1e-5)
        for a, b in zip(one["weights"], two["weights"]):
            np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-4, atol=1e-5)


def test_more_than_one_device_needs_jax():
    from genomenb import backend

    if backend.backend_name() == "jax":
        pytest.skip("runs under the TensorFlow or PyTorch backend")
    assert backend.training_devices(None, 32) == 1
    with pytest.raises(ValueError, match="JAX backend"):
        backend.training_devices(2, 32)
    with pytest.raises(ValueError, match="positive int"):
        backend.training_devices(0, 32)


# --------------------------------------------------------------------------- the chapter-02 smoke sweep


@pytest.fixture(scope="module")
def serial_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial") / "sweep"
    code = cli.main(["sweep", LM, "--profile", "smoke", *LM_GRID, "--output", str(out), "--quiet"])
    assert code == 0
    return _values(out / "sweep.csv")


@pytest.mark.notebooks
def test_two_worker_sweep_gives_the_serial_values(serial_sweep, tmp_path, capsys):
    out = tmp_path / "sweep"
    assert cli.main(["sweep", LM, "--profile", "smoke", *LM_GRID, "--output", str(out), "--workers", "2"]) == 0
    assert "4 grid points gathered" in capsys.readouterr().out
    assert len(serial_sweep) == 4
    pd.testing.assert_frame_equal(_values(out / "sweep.csv"), serial_sweep, check_exact=False, rtol=1e-6)
    assert (out / "sweep.png").is_file()


def _kernels(pid: int):
    import psutil

    found = []
    for p in psutil.Process(pid).children(recursive=True):
        try:
            if any("ipykernel" in part for part in p.cmdline()):
                found.append(p)
        except psutil.Error:
            pass
    return found


@pytest.mark.notebooks
def test_a_killed_worker_is_retried_and_the_sweep_finishes(tmp_path):
    import psutil

    root = _tiny_project(tmp_path)
    path = root / "notebooks" / "00_tiny.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell("import time\ntime.sleep(8)  # long enough to be interrupted"))
    nbformat.write(nb, path)
    out = root / "results" / "00_tiny" / "smoke" / "sweep"
    proc = subprocess.Popen([sys.executable, "-m", "genomenb.cli", "sweep", "00_tiny", "--profile", "smoke",
                             "--grid", "width=1,2", "--grid", "rate=1.0,2.0", "--workers", "2"], cwd=root, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    killed = None
    deadline = time.time() + 120
    while killed is None and time.time() < deadline and proc.poll() is None:
        busy = [k for k in _kernels(proc.pid) if time.time() - k.create_time() > 4]  # a point well under way
        if busy:
            worker = busy[0].parent()
            killed = worker.pid
            os.kill(worker.pid, signal.SIGKILL)  # the worker process dies mid-notebook
            psutil.wait_procs([worker], timeout=10)
        time.sleep(0.2)
    output, _ = proc.communicate(timeout=300)
    assert killed is not None, "no point was running long enough to be interrupted"
    assert proc.returncode == 0, output[-4000:]
    assert "1 grid point(s) retried on another worker after a worker died" in output, output[-3000:]
    assert "4 grid points gathered" in output
    table = pd.read_csv(out / "sweep.csv")
    assert list(table.score_perplexity) == [1.5, 2.5, 2.5, 4.5]  # width * rate + the smoke offset, every point
