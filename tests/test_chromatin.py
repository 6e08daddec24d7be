"""The chromatin chapters' loader: the real DeepSEA bundle when a folder is given, else DeepSEA-sim."""

import numpy as np

from genomenb.data import deepsea as ds
from genomenb.data import deepsea_sim as sim
from genomenb.data import matlab
from genomenb.data.chromatin import load_chromatin_data

WINDOW = 1000


def _bundle(folder, sizes=(30, 10, 12)):
    folder.mkdir()
    rng = np.random.default_rng(0)
    for split, n in zip(ds.SPLITS, sizes):
        codes = rng.integers(0, 4, size=(n, WINDOW), dtype=np.uint8)
        labels = (rng.random((n, ds.N_LABELS)) < 0.05).astype(np.uint8)
        if split == "train":
            matlab.write_mat73(folder / ds.FILE_NAMES[split], split, [codes], [labels], n, WINDOW)
        else:
            matlab.write_mat5(folder / ds.FILE_NAMES[split], split, codes, labels)


def test_a_folder_gives_the_real_bundle(tmp_path):
    _bundle(tmp_path / "bundle")
    data = load_chromatin_data(tmp_path / "bundle", 20, 5, 6, crop=100, seed=2, cache_dir=tmp_path / "cache")
    assert data.source == "deepsea" and "real data" in data.description
    assert (len(data.train), len(data.valid), len(data.test), data.length) == (20, 5, 6, 100)
    same = ds.load_subset(tmp_path / "bundle", 20, 5, 6, crop=100, seed=2, cache_dir=tmp_path / "cache")
    assert same.path == data.path
    np.testing.assert_array_equal(same.test.codes, data.test.codes)


def test_no_folder_gives_deepsea_sim(tmp_path):
    data = load_chromatin_data("", 200, 50, 60, crop=100, seed=1, cache_dir=tmp_path)
    assert data.source == sim.SIM_SOURCE and "SIMULATED" in data.description
    assert (len(data.train), len(data.valid), len(data.test), data.length) == (200, 50, 60, 100)
    config = sim.SimConfig(n_train=200, n_valid=50, n_test=60, seed=1)
    assert data.bundle_dir == sim.ensure_bundle(config, tmp_path).resolve()
    same = sim.load_sim_subset(config, crop=100, cache_dir=tmp_path)
    assert same.path == data.path
    np.testing.assert_array_equal(same.train.codes, data.train.codes)
    np.testing.assert_array_equal(same.test.labels, data.test.labels)


def test_subset_metrics_names_the_source_and_sizes(tmp_path):
    from genomenb.data.chromatin import subset_metrics

    _bundle(tmp_path / "bundle")
    data = load_chromatin_data(tmp_path / "bundle", 20, 5, 6, crop=100, seed=2, cache_dir=tmp_path / "cache")
    assert subset_metrics(data) == {"data_source": "deepsea", "n_train": 20, "n_valid": 5, "n_test": 6,
                                    "sequence_length": 100}
