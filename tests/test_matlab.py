"""MATLAB files: the streaming v5 reader, 7.3 detection, and the DeepSEA-layout writers (byte-identical output)."""

import h5py
import numpy as np
import pytest
import scipy.io
from deepsea_files import WINDOW  # noqa: E402
from deepsea_files import random_split as _random_split
from deepsea_files import write_v5 as _write_v5

from genomenb.data import DataError, matlab
from genomenb.data import deepsea as ds


def test_writers_round_trip_with_matlab_headers(tmp_path):
    codes, labels = _random_split(30, 5)
    p73 = matlab.write_mat73(tmp_path / "train.mat", "train", [codes], [labels], 30, WINDOW)
    p5 = matlab.write_mat5(tmp_path / "test.mat", "test", codes, labels)
    assert p73.read_bytes()[:10] == b"MATLAB 7.3" and p73.read_bytes()[126:128] == b"IM"
    with h5py.File(p73, "r") as f:
        assert f["trainxdata"].shape == (WINDOW, 4, 30) and f["traindata"].shape == (919, 30)
        assert f["trainxdata"].attrs["MATLAB_class"] == b"uint8"
    loaded = scipy.io.loadmat(p5)
    assert loaded["testxdata"].shape == (30, 4, WINDOW) and loaded["testdata"].shape == (30, 919)
    for path, split in ((p73, "train"), (p5, "test")):
        with ds.open_split(path, split) as reader:
            got_codes, got_labels = reader.read()
        np.testing.assert_array_equal(got_codes, codes)
        np.testing.assert_array_equal(got_labels, labels)



@pytest.mark.parametrize("compress", [False, True])
def test_truncated_v5(tmp_path, compress):
    codes, labels = _random_split(20, 0)
    path = tmp_path / "test.mat"
    _write_v5(path, "test", codes, labels, compress=compress)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) - 3000])
    with pytest.raises(DataError, match="truncated"):
        with ds.open_split(path, "test") as reader:
            reader.read()


def test_writers_are_byte_identical_for_the_same_input(tmp_path):
    codes, labels = _random_split(12, 6, n_rate=0.01)
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        matlab.write_mat73(tmp_path / run / "train.mat", "train", [codes[:5], codes[5:]], [labels[:5], labels[5:]],
                           12, WINDOW)
        matlab.write_mat5(tmp_path / run / "valid.mat", "valid", codes, labels, compress=True)
    for name in ("train.mat", "valid.mat"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_write_mat73_checks_the_row_count(tmp_path):
    codes, labels = _random_split(4, 0)
    with pytest.raises(ValueError, match="blocks held 4 rows; expected 5"):
        matlab.write_mat73(tmp_path / "train.mat", "train", [codes], [labels], 5, WINDOW)


def test_is_hdf5_finds_the_signature_behind_a_user_block(tmp_path):
    codes, labels = _random_split(3, 0)
    p73 = matlab.write_mat73(tmp_path / "train.mat", "train", [codes], [labels], 3, WINDOW)
    p5 = matlab.write_mat5(tmp_path / "valid.mat", "valid", codes, labels)
    plain = tmp_path / "plain.h5"
    with h5py.File(plain, "w") as f:
        f["x"] = np.zeros(3)
    assert matlab._is_hdf5(p73) and matlab._is_hdf5(plain)
    assert not matlab._is_hdf5(p5)


@pytest.mark.parametrize("compress", [False, True])
def test_mat5_directory_describes_variables_and_streams_their_data(tmp_path, compress):
    values = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    path = tmp_path / "mixed.mat"
    scipy.io.savemat(path, {"values": values, "counts": np.array([[7, 8, 9]], dtype=np.uint8), "note": "text"},
                     do_compression=compress)
    endian, variables = matlab._mat5_directory(path)
    var = variables["values"]
    assert isinstance(var, matlab._Mat5Variable)
    assert (var.name, var.dims, var.dtype, var.compressed) == ("values", (2, 3, 4), np.dtype(endian + "f8"), compress)
    assert variables["counts"].dims == (1, 3) and variables["counts"].dtype == np.dtype("u1")
    assert isinstance(variables["note"], str) and "not a real numeric array" in variables["note"]
    with open(path, "rb") as fh:
        src = var.source(fh)
        raw = src.read(values.size * 8)  # MATLAB stores column-major
        with pytest.raises(matlab._Truncated):  # the data end the variable's element
            src.skip(1 << 20)
    np.testing.assert_array_equal(np.frombuffer(raw, dtype=var.dtype).reshape(values.shape, order="F"), values)


def test_not_a_v5_header_is_a_data_error(tmp_path):
    path = tmp_path / "bad.mat"
    path.write_bytes(b"MATLAB 5.0 MAT-file".ljust(128, b" "))
    with pytest.raises(DataError, match="not a MATLAB v5 MAT-file"):
        matlab._mat5_directory(path)
    path.write_bytes(b"MATLAB")
    with pytest.raises(DataError, match="shorter than a MATLAB header"):
        matlab._mat5_directory(path)
