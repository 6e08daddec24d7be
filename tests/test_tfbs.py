import h5py
import numpy as np
import pytest

from genomenb.data import DataError, tfbs
from genomenb.data.tfbs import crop_center, list_sets, load_tfbs, split_indices


def test_bundled_sets_load_with_consistent_shapes():
    names = list_sets()
    assert len(names) == 25
    sets = load_tfbs(["gakco_CTCF", "deepbind_CTCF_K562_CTCF_Broad", "encode1kb_SydhGm12878Jund"])
    ctcf = sets["gakco_CTCF"]
    assert ctcf.codes.shape == (3000, 100) and ctcf.labels.mean() == pytest.approx(0.5, abs=0.01)
    assert ctcf.has_train_split and ctcf.family == "gakco" and ctcf.target == "CTCF"
    db = sets["deepbind_CTCF_K562_CTCF_Broad"]
    assert not db.has_train_split and db.negatives_shuffled_fraction == 1.0
    assert sets["encode1kb_SydhGm12878Jund"].target == "JUND"
    for s in sets.values():
        valid = np.arange(s.codes.shape[1])[None, :] < s.lengths[:, None]
        assert (s.codes[valid] <= 4).all() and (s.codes[~valid] == 255).all()


def test_crop_center_cuts_and_pads_with_n():
    codes = np.array([[0, 1, 2, 3, 0, 1, 255, 255], [3, 3, 255, 255, 255, 255, 255, 255]], dtype=np.uint8)
    lengths = np.array([6, 2])
    out = crop_center(codes, lengths, 4)
    assert out.tolist() == [[1, 2, 3, 0], [4, 3, 3, 4]]
    assert crop_center(codes, lengths, 8)[0].tolist() == [4, 0, 1, 2, 3, 0, 1, 4]


def test_split_keeps_published_test_and_is_stratified_and_disjoint():
    sets = load_tfbs(["gakco_CTCF", "deepbind_CTCF_K562_CTCF_Broad"])
    for s in sets.values():
        idx = split_indices(s, seed=1)
        assert sum(len(v) for v in idx.values()) == len(s.labels)
        assert not set(idx["train"]) & set(idx["valid"]) and not set(idx["train"]) & set(idx["test"])
        for part in idx.values():
            assert abs(s.labels[part].mean() - 0.5) < 0.05
        assert (split_indices(s, seed=1)["valid"] == idx["valid"]).all()
    ctcf = sets["gakco_CTCF"]
    assert (ctcf.original_split[split_indices(ctcf)["test"]] == "test").all()


def test_malformed_file_raises_data_error(tmp_path):
    bad = tmp_path / "bad.h5"
    with h5py.File(bad, "w") as fh:
        g = fh.create_group("x")
        g["seq"] = np.zeros((3, 5), np.uint8)
        g["length"] = np.full(2, 5, np.int16)  # wrong number of rows
        g["label"] = np.zeros(3, np.uint8)
        g["split"] = np.array([b"train"] * 3)
    with pytest.raises(DataError, match="'length' to have 3 rows"):
        load_tfbs(path=bad)
    with pytest.raises(DataError, match="no set named 'y'"):
        load_tfbs(["y"], path=bad)
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(DataError, match="HDF5"):
        load_tfbs(path=tmp_path / "text.h5")


L = 24


def test_stack_masked_tasks_gives_one_label_per_sequence_and_caps_by_split():
    rng = np.random.default_rng(0)

    def part(n, p):
        return rng.integers(0, 4, (n, L)).astype(np.uint8), (rng.random(n) < p).astype(np.uint8)

    parts = {"a": {"train": part(100, 0.5), "test": part(30, 0.5)},
             "b": {"train": part(40, 0.25), "test": part(20, 0.5)}}
    stacked = tfbs.stack_masked_tasks(parts, max_per_task={"train": 60}, seed=1)
    sizes = stacked.sizes()
    assert sizes.loc["a", "train_sequences"] == 60 and sizes.loc["b", "train_sequences"] == 40
    assert sizes.loc["a", "test_sequences"] == 30  # the test split is never capped
    y, task = stacked.labels["train"], stacked.task["train"]
    assert y.shape == (100, 2) and ((y >= 0).sum(axis=1) == 1).all()
    assert (y[np.arange(100), task] >= 0).all()
    # the kept rows are rows of the original set, with their own labels
    xa, ya = parts["a"]["train"]
    kept = stacked.codes["train"][task == 0]
    index = [int(np.flatnonzero((xa == row).all(axis=1))[0]) for row in kept]
    np.testing.assert_array_equal(ya[index], y[task == 0, 0])
    assert abs(y[task == 0, 0].mean() - ya.mean()) < 0.05  # stratified
    with pytest.raises(ValueError, match="one length"):
        tfbs.stack_masked_tasks({"a": {"train": part(5, 0.5)},
                                  "b": {"train": (np.zeros((3, L + 1), np.uint8), np.zeros(3, np.uint8))}})


def _toy_set(seqs, labels, shuffled=0.0):
    n, width = len(seqs), max(len(s) for s in seqs)
    codes = np.full((n, width), 255, dtype=np.uint8)
    for i, s in enumerate(seqs):
        codes[i, :len(s)] = s
    return tfbs.TFBSSet(name="gakco_TOY", codes=codes, lengths=np.array([len(s) for s in seqs]),
                        labels=np.array(labels, dtype=np.uint8), original_split=np.array(["train"] * n),
                        negatives_shuffled_fraction=shuffled, source={})


def test_copied_negatives_and_the_kind_of_negatives():
    # negatives 2 and 3 copy positive 0 (whole sequence); negative 4 is a prefix of it, not a copy
    ds = _toy_set([[0, 1, 2], [3, 3, 3, 3], [0, 1, 2], [0, 1, 2], [0, 1]], [1, 1, 0, 0, 0])
    assert tfbs.copied_negatives_fraction(ds) == pytest.approx(2 / 3)
    row = tfbs.describe_set(ds)
    assert row["negatives"] == "copies of positives" and row["collection"] == "gakco" and row["sequences"] == 5
    assert row["factor or cell"] == "TOY" and row["median length"] == 3 and row["published split"]
    genomic = _toy_set([[0, 1, 2], [3, 2, 1]], [1, 0])
    assert tfbs.copied_negatives_fraction(genomic) == 0.0
    assert tfbs.describe_set(genomic)["negatives"] == "genomic"
    assert tfbs.describe_set(_toy_set([[0, 1, 2], [2, 1, 0]], [1, 0], shuffled=1.0))["negatives"] == "shuffled"
