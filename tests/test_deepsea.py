"""The DeepSEA bundle reader: both MATLAB formats, the paper's subset, the cache, bounded memory, clear errors."""

import json
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest
import scipy.io
from deepsea_files import WINDOW  # noqa: E402
from deepsea_files import random_split as _random_split
from deepsea_files import write_v5 as _write_v5

from genomenb.data import DataError, matlab
from genomenb.data import deepsea as ds


def _write_h5(path, split, codes, labels, *, userblock=0):
    x_key, y_key = ds.SPLIT_KEYS[split]
    with h5py.File(path, "w", userblock_size=userblock) as f:
        f[x_key] = ds.codes_to_deepsea_onehot(codes).transpose(2, 1, 0)  # MATLAB N x 4 x W seen by HDF5
        f[y_key] = labels.T


def _bundle(folder, sizes=(60, 20, 30)):
    folder.mkdir(exist_ok=True)
    data = {}
    for split, n, seed in zip(ds.SPLITS, sizes, (1, 2, 3)):
        codes, labels = _random_split(n, seed, n_rate=0.002)
        data[split] = (codes, labels)
        path = folder / ds.FILE_NAMES[split]
        if split == "train":
            matlab.write_mat73(path, split, [codes[:25], codes[25:]], [labels[:25], labels[25:]], n, WINDOW)
        else:
            _write_v5(path, split, codes, labels, compress=(split == "test"))
    return data


def test_deepsea_channel_order_is_agct():
    onehot = ds.codes_to_deepsea_onehot(np.array([[0, 1, 2, 3, 4]], dtype=np.uint8))[0]
    # columns are positions; rows the channels A, G, C, T
    assert onehot[:, 0].tolist() == [1, 0, 0, 0]  # A
    assert onehot[:, 1].tolist() == [0, 0, 1, 0]  # C is DeepSEA's third channel
    assert onehot[:, 2].tolist() == [0, 1, 0, 0]  # G is its second
    assert onehot[:, 3].tolist() == [0, 0, 0, 1]  # T
    assert onehot[:, 4].tolist() == [0, 0, 0, 0]  # N: all zero


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.float64])
def test_v5_rows_and_crop_match_scipy_written_file(tmp_path, compress, dtype):
    codes, labels = _random_split(40, 0, n_rate=0.01)
    path = tmp_path / "valid.mat"
    _write_v5(path, "valid", codes, labels, compress=compress, dtype=dtype)
    rows = np.array([0, 3, 17, 39])
    with ds.open_split(path, "valid") as reader:
        assert (reader.format, reader.n, reader.window, reader.n_labels) == ("mat5", 40, WINDOW, 919)
        got_codes, got_labels = reader.read(rows, crop=100)
        all_codes, _ = reader.read()
    np.testing.assert_array_equal(got_codes, codes[rows, 450:550])
    np.testing.assert_array_equal(got_labels, labels[rows])
    np.testing.assert_array_equal(all_codes, codes)


@pytest.mark.parametrize("userblock", [0, 512])
def test_hdf5_rows_and_crop(tmp_path, userblock):
    codes, labels = _random_split(50, 4, n_rate=0.01)
    path = tmp_path / "train.mat"
    _write_h5(path, "train", codes, labels, userblock=userblock)
    rows = np.arange(1, 50, 7)
    with ds.open_split(path, "train") as reader:
        assert (reader.format, reader.n, reader.window) == ("hdf5", 50, WINDOW)
        got_codes, got_labels = reader.read(rows, crop=101)
    lo = (WINDOW - 101) // 2
    np.testing.assert_array_equal(got_codes, codes[rows, lo:lo + 101])
    np.testing.assert_array_equal(got_labels, labels[rows])


def test_draw_rows_is_seeded_sorted_and_distinct():
    a = ds.draw_rows(10_000, 500, seed=7, split="train")
    assert np.array_equal(a, ds.draw_rows(10_000, 500, seed=7, split="train"))
    assert not np.array_equal(a, ds.draw_rows(10_000, 500, seed=8, split="train"))
    assert not np.array_equal(a, ds.draw_rows(10_000, 500, seed=7, split="test"))
    assert np.all(np.diff(a) > 0) and a.min() >= 0 and a.max() < 10_000
    assert np.array_equal(ds.draw_rows(20, 20, seed=1, split="valid"), np.arange(20))
    with pytest.raises(ValueError):
        ds.draw_rows(10, 11, seed=0, split="train")


def test_load_subset_draws_crops_and_caches(tmp_path):
    data = _bundle(tmp_path / "bundle")
    cache = tmp_path / "cache"
    sub = ds.load_subset(tmp_path / "bundle", 40, 10, 25, crop=100, seed=3, cache_dir=cache)
    assert (len(sub.train), len(sub.valid), len(sub.test)) == (40, 10, 25)
    assert sub.length == 100 and sub.window == WINDOW and sub.crop_start == 450
    for name, split in sub.splits.items():
        codes, labels = data[name]
        assert np.all(np.diff(split.rows) > 0)
        np.testing.assert_array_equal(split.codes, codes[split.rows, 450:550])
        np.testing.assert_array_equal(split.labels, labels[split.rows])
    again = ds.load_subset(tmp_path / "bundle", 40, 10, 25, crop=100, seed=3, cache_dir=cache)
    assert again.path == sub.path and again.path.is_file()
    np.testing.assert_array_equal(again.train.codes, sub.train.codes)
    other = ds.load_subset(tmp_path / "bundle", 40, 10, 25, crop=100, seed=4, cache_dir=cache)
    assert other.path != sub.path and not np.array_equal(other.train.rows, sub.train.rows)
    full = ds.load_subset(tmp_path / "bundle", 60, 20, 30, crop=None, seed=0, cache_dir=cache)
    np.testing.assert_array_equal(full.test.codes, data["test"][0])
    assert list(full.summary().index) == ["train", "valid", "test"]


def test_subset_larger_than_file_is_a_data_error(tmp_path):
    _bundle(tmp_path / "bundle")
    with pytest.raises(DataError, match="cannot draw 21"):
        ds.load_subset(tmp_path / "bundle", 10, 21, 5, cache_dir=tmp_path / "c")


# --------------------------------------------------------------------------- errors


def test_missing_files_are_named(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        ds.open_split(tmp_path / "train.mat", "train")
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "train.mat").write_bytes(b"")
    with pytest.raises(DataError, match="valid.mat, test.mat"):
        ds.bundle_files(folder)


def test_not_a_matlab_file(tmp_path):
    path = tmp_path / "valid.mat"
    path.write_text("index\tcell\n0\tK562\n")
    with pytest.raises(DataError, match="not a MATLAB file"):
        ds.open_split(path, "valid")


def test_wrong_keys_are_reported_with_what_was_found(tmp_path):
    codes, labels = _random_split(5, 0)
    path = tmp_path / "valid.mat"
    scipy.io.savemat(path, {"xdata": ds.codes_to_deepsea_onehot(codes), "validdata": labels})
    with pytest.raises(DataError, match=r"no variable 'validxdata' \(found \['validdata', 'xdata'\]\)"):
        ds.open_split(path, "valid")
    h5 = tmp_path / "train.mat"
    _write_h5(h5, "test", codes, labels)  # test keys in a train file
    with pytest.raises(DataError, match="no dataset 'trainxdata'"):
        ds.open_split(h5, "train")


@pytest.mark.parametrize("case", ["x_transposed", "labels_918", "n_mismatch"])
def test_wrong_shapes_v5(tmp_path, case):
    codes, labels = _random_split(6, 0)
    x = ds.codes_to_deepsea_onehot(codes)
    y = labels
    if case == "x_transposed":
        x = x.transpose(0, 2, 1)  # (N, 1000, 4): the layout of some re-built bundles
    elif case == "labels_918":
        y = labels[:, :918]
    else:
        y = labels[:5]
    path = tmp_path / "test.mat"
    scipy.io.savemat(path, {"testxdata": x, "testdata": y})
    with pytest.raises(DataError) as info:
        ds.open_split(path, "test")
    message = str(info.value)
    assert str(path) in message
    assert {"x_transposed": "expected (N, 4, W)", "labels_918": "expected (N, 919)",
            "n_mismatch": "expected the same N"}[case] in message


def test_wrong_shape_hdf5(tmp_path):
    codes, labels = _random_split(6, 0)
    path = tmp_path / "train.mat"
    with h5py.File(path, "w") as f:
        f["trainxdata"] = ds.codes_to_deepsea_onehot(codes)  # (N, 4, W) not transposed
        f["traindata"] = labels.T
    with pytest.raises(DataError, match=r"'trainxdata' has shape \(6, 4, 1000\); expected \(W, 4, N\)"):
        ds.open_split(path, "train")


def test_values_that_are_not_one_hot(tmp_path):
    codes, labels = _random_split(4, 0)
    x = ds.codes_to_deepsea_onehot(codes)
    x[2, :, 10] = 1  # every base set at one position
    path = tmp_path / "valid.mat"
    scipy.io.savemat(path, {"validxdata": x, "validdata": labels})
    with ds.open_split(path, "valid") as reader, pytest.raises(DataError, match="more than one base"):
        reader.read()
    y = labels.copy()
    y[1, 3] = 2
    scipy.io.savemat(path, {"validxdata": ds.codes_to_deepsea_onehot(codes), "validdata": y})
    with ds.open_split(path, "valid") as reader, pytest.raises(DataError, match="expected 0/1 labels"):
        reader.read()


def test_truncated_hdf5(tmp_path):
    codes, labels = _random_split(200, 0)
    path = tmp_path / "train.mat"
    matlab.write_mat73(path, "train", [codes], [labels], 200, WINDOW, compression=None)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataError, match="truncated or corrupted"):
        with ds.open_split(path, "train") as reader:
            reader.read()


# --------------------------------------------------------------------------- bounded memory


def test_reading_a_2gb_train_mat_keeps_peak_rss_under_1gb(tmp_path):
    """A train.mat-format file of about 2 GB is read in a child process; its peak RSS must stay < 1 GB."""
    n = 410_000  # 410,000 x (4,000 + 919) bytes = 2.02 GB
    block = 8192
    base_codes, base_labels = _random_split(block, 11)
    base_x = ds.codes_to_deepsea_onehot(base_codes).transpose(2, 1, 0)  # (W, 4, block)
    path = tmp_path / "train.mat"
    try:
        with h5py.File(path, "w", userblock_size=512) as f:
            x = f.create_dataset("trainxdata", shape=(WINDOW, 4, n), dtype=np.uint8, chunks=(WINDOW, 4, 64))
            y = f.create_dataset("traindata", shape=(919, n), dtype=np.uint8, chunks=(919, 1024))
            for lo in range(0, n, block):  # row i holds the random row i % block
                hi = min(lo + block, n)
                x[:, :, lo:hi] = base_x[:, :, :hi - lo]
                y[:, lo:hi] = base_labels[:hi - lo].T
        assert path.stat().st_size > 2.0e9
        script = textwrap.dedent(f"""
            import json
            import numpy as np
            from genomenb.data.deepsea import draw_rows, open_split
            with open_split({str(path)!r}, "train") as reader:
                rows = draw_rows(reader.n, 80_000, 0, "train")
                codes, labels = reader.read(rows, crop=None)  # whole 1000-bp windows: every byte is read
            # VmHWM belongs to this process's own address space. ru_maxrss would not do: Linux carries
            # the parent's high-water mark across fork + exec, and pytest's own process is large.
            with open("/proc/self/status") as fh:
                peak = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM:"))
            print(json.dumps({{"peak": peak, "rows": rows[[0, 1, -1]].tolist(), "shape": list(codes.shape),
                              "first": codes[0, :50].tolist(), "last_labels": labels[-1].tolist()}}))
        """)
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"peak RSS reading {path.stat().st_size / 1e9:.2f} GB: {result['peak'] / 2**20:.0f} MiB")
        assert result["shape"] == [80_000, WINDOW]
        first, last = result["rows"][0], result["rows"][-1]
        assert result["first"] == base_codes[first % block, :50].tolist()
        assert result["last_labels"] == base_labels[last % block].tolist()
        assert result["peak"] < 1 << 30
    finally:
        path.unlink(missing_ok=True)
