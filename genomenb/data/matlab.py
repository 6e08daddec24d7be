"""MATLAB files as DeepSEA ships them: a streaming v5 reader, 7.3 detection, and writers for both formats.

DeepSEA's ``train.mat`` is a MATLAB 7.3 file, which is HDF5 underneath (with
a 512-byte user block carrying MATLAB's text header); ``valid.mat`` and
``test.mat`` are MATLAB v5 files. This module holds the file-format layer:

* :func:`_is_hdf5` tells a 7.3 (HDF5) file from anything else;
* :func:`_mat5_directory` lists the top-level variables of a v5 file from
  their element headers alone, and :class:`_Mat5Variable` gives a byte
  source positioned at a variable's first data byte (:class:`_FileSource`
  for plain elements, :class:`_ZlibSource` for miCOMPRESSED ones, inflated
  on the fly), so a reader can walk MATLAB's column-major data slab by slab
  with bounded memory. ``scipy.io.loadmat`` would load a whole 1.8 GB
  ``testxdata`` at once. A short or corrupted element raises
  :class:`_Truncated`, which the caller turns into a
  :class:`~genomenb.data.errors.DataError` naming the file and key;
* :func:`write_mat73` and :func:`write_mat5` write files laid out like
  DeepSEA's (keys, shapes, one-hot channels A G C T) with fixed MATLAB
  headers and no timestamps, so the same input gives byte-identical files.

The DeepSEA layout itself (keys, label count, channel order) and the split
reader built on this module live in :mod:`genomenb.data.deepsea`.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genomenb.data.errors import DataError

__all__ = ["write_mat73", "write_mat5"]

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _is_hdf5(path: Path) -> bool:
    """Whether ``path`` is an HDF5 (MATLAB 7.3) file: the signature at offset 0, 512, 1024 or 2048."""
    with open(path, "rb") as fh:
        for offset in (0, 512, 1024, 2048):
            fh.seek(offset)
            if fh.read(8) == _HDF5_SIGNATURE:
                return True
    return False


# --------------------------------------------------------------------------- MATLAB v5 streaming


_MI_TYPES = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 9: "f8", 12: "i8", 13: "u8"}
_MI_MATRIX, _MI_COMPRESSED = 14, 15
_NUMERIC_CLASSES = set(range(6, 16))  # mxDOUBLE .. mxUINT64


class _Truncated(Exception):
    """Raised inside the v5 reader; turned into a DataError with the file and key."""


class _FileSource:
    """Exactly-n-bytes reads from a byte range of an open file."""

    def __init__(self, fh, start: int, end: int) -> None:
        self.fh, self.pos, self.end = fh, start, end

    def read(self, n: int) -> bytes:
        if self.pos + n > self.end:
            raise _Truncated(f"needs {n} bytes at offset {self.pos}, the element ends at {self.end}")
        self.fh.seek(self.pos)
        data = self.fh.read(n)
        if len(data) != n:
            raise _Truncated(f"the file ends at offset {self.pos + len(data)}")
        self.pos += n
        return data

    def readinto(self, buf: memoryview) -> None:
        n = len(buf)
        if self.pos + n > self.end:
            raise _Truncated(f"needs {n} bytes at offset {self.pos}, the element ends at {self.end}")
        self.fh.seek(self.pos)
        got = self.fh.readinto(buf)
        if got != n:
            raise _Truncated(f"the file ends at offset {self.pos + (got or 0)}")
        self.pos += n

    def tell(self) -> int:
        return self.pos

    def skip(self, n: int) -> None:
        if self.pos + n > self.end:
            raise _Truncated(f"cannot skip {n} bytes at offset {self.pos}, the element ends at {self.end}")
        self.pos += n


class _ZlibSource:
    """Exactly-n-bytes reads from a zlib stream (a miCOMPRESSED element), decompressed on the fly."""

    _IN_CHUNK = 1 << 20

    def __init__(self, fh, start: int, end: int) -> None:
        self.fh, self.in_pos, self.end = fh, start, end
        self.z = zlib.decompressobj()
        self.buf = bytearray()
        self.consumed = 0  # decompressed bytes handed out or skipped

    def _fill(self, need: int) -> None:
        while len(self.buf) < need:
            if self.z.unconsumed_tail:
                chunk = self.z.unconsumed_tail
            else:
                if self.in_pos >= self.end or self.z.eof:
                    raise _Truncated("the compressed variable ends early")
                self.fh.seek(self.in_pos)
                chunk = self.fh.read(min(self._IN_CHUNK, self.end - self.in_pos))
                if not chunk:
                    raise _Truncated(f"the file ends at offset {self.in_pos}")
                self.in_pos += len(chunk)
            try:
                self.buf += self.z.decompress(chunk, max(need - len(self.buf), 1 << 16))
            except zlib.error as exc:
                raise _Truncated(f"the compressed data are corrupted ({exc})") from None

    def read(self, n: int) -> bytes:
        self._fill(n)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        self.consumed += n
        return out

    def readinto(self, buf: memoryview) -> None:
        n = len(buf)
        self._fill(n)
        buf[:] = self.buf[:n]
        del self.buf[:n]
        self.consumed += n

    def tell(self) -> int:
        return self.consumed

    def skip(self, n: int) -> None:
        self.consumed += n
        while n > 0:
            step = min(n, 8 << 20)
            self._fill(step)
            del self.buf[:step]
            n -= step


def _read_tag(src, endian: str) -> tuple[int, int, bytes | None]:
    """A data-element tag: (type, nbytes, inline data for the 4-byte small format or None)."""
    raw = src.read(8)
    first, second = struct.unpack(endian + "II", raw)
    if first >> 16:  # small data element: type and size packed in the first word, data in the second
        return first & 0xFFFF, first >> 16, raw[4:4 + (first >> 16)]
    return first, second, None


def _read_subelement(src, endian: str) -> tuple[int, bytes]:
    mtype, nbytes, inline = _read_tag(src, endian)
    if inline is not None:
        return mtype, inline
    data = src.read(nbytes)
    src.skip((-nbytes) % 8)  # sub-elements are padded to 8 bytes
    return mtype, data


@dataclass
class _Mat5Variable:
    """One numeric variable of a v5 MAT file: where its data start and how they are laid out."""

    name: str
    dims: tuple[int, ...]  # MATLAB order (column-major)
    dtype: np.dtype
    compressed: bool
    element_start: int  # offset of the top-level element's tag
    element_end: int
    data_offset: int  # uncompressed: file offset of the data; compressed: offset in the decompressed stream

    def source(self, fh):
        """A byte source positioned at the first data byte."""
        if self.compressed:
            src = _ZlibSource(fh, self.element_start + 8, self.element_end)
            src.skip(self.data_offset)
            return src
        return _FileSource(fh, self.data_offset, self.element_end)


def _mat5_directory(path: Path) -> tuple[str, dict[str, _Mat5Variable | str]]:
    """Every top-level variable of a v5 file: numeric ones described, others by their class.

    Only element headers are read (a few hundred bytes per variable, decompressed
    on the fly for miCOMPRESSED elements), never the data.
    """
    size = path.stat().st_size
    out: dict[str, _Mat5Variable | str] = {}
    with open(path, "rb") as fh:
        header = fh.read(128)
        if len(header) < 128:
            raise DataError(path, "the file is shorter than a MATLAB header (128 bytes); truncated?")
        endian = {b"IM": "<", b"MI": ">"}.get(header[126:128])
        if endian is None or struct.unpack(endian + "H", header[124:126])[0] != 0x0100:
            raise DataError(path, "not a MATLAB v5 MAT-file (bad version/endian marker); expected a "
                            "MATLAB v5 or v7.3 file")
        offset = 128
        while offset < size:
            if offset + 8 > size:
                raise DataError(path, f"truncated: a data element tag is cut off at offset {offset}")
            fh.seek(offset)
            mtype, nbytes = struct.unpack(endian + "II", fh.read(8))
            end = offset + 8 + nbytes
            if end > size:
                raise DataError(path, f"truncated: a variable at offset {offset} needs {nbytes} bytes but the "
                                f"file ends {size - offset - 8} bytes later; expected a complete file")
            compressed = mtype == _MI_COMPRESSED
            next_offset = end if compressed else end + ((-nbytes) % 8)
            if mtype not in (_MI_MATRIX, _MI_COMPRESSED):
                offset = next_offset
                continue
            try:
                src = _ZlibSource(fh, offset + 8, end) if compressed else _FileSource(fh, offset + 8, end)
                if compressed and _read_tag(src, endian)[0] != _MI_MATRIX:
                    offset = next_offset
                    continue
                _, flags = _read_subelement(src, endian)
                flag_word = struct.unpack(endian + "I", flags[:4])[0]
                mx_class, is_complex = flag_word & 0xFF, bool((flag_word >> 8) & 0x08)
                _, dims_raw = _read_subelement(src, endian)
                dims = tuple(int(d) for d in np.frombuffer(dims_raw, dtype=endian + "i4"))
                _, name_raw = _read_subelement(src, endian)
                name = name_raw.rstrip(b"\0").decode("ascii", "replace")
                if mx_class not in _NUMERIC_CLASSES or is_complex:
                    out[name] = f"MATLAB class {mx_class}{' (complex)' if is_complex else ''}, not a real numeric array"
                    offset = next_offset
                    continue
                data_type, data_bytes, inline = _read_tag(src, endian)
                if data_type not in _MI_TYPES:
                    out[name] = f"stored with unsupported data type {data_type}"
                    offset = next_offset
                    continue
                dtype = np.dtype(endian + _MI_TYPES[data_type])
                expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
                if data_bytes != expected:
                    raise DataError(path, f"variable {name!r} holds {data_bytes} data bytes but its dimensions "
                                    f"{dims} need {expected}; the file is corrupted", record=name)
                data_offset = src.tell() - (4 if inline is not None else 0)
                if not compressed and data_offset + data_bytes > end:
                    raise _Truncated(f"variable {name!r} extends past its element")
                out[name] = _Mat5Variable(name, dims, dtype, compressed, offset, end, data_offset)
            except _Truncated as exc:
                raise DataError(path, f"truncated or corrupted variable at offset {offset} ({exc}); "
                                "expected a complete MATLAB file") from None
            offset = next_offset
    return endian, out


# --------------------------------------------------------------------------- writers


_MAT73_HEADER = "MATLAB 7.3 MAT-file, Platform: GLNXA64, written by genomenb. HDF5 schema 1.00 ."
_MAT5_HEADER = "MATLAB 5.0 MAT-file, Platform: posix, written by genomenb"


def _matlab_text_header(text: str) -> bytes:
    """The 128-byte MATLAB header: 116 bytes of text, 8 of subsystem offset, version 0x0200/0x0100, 'IM'."""
    return text.encode("ascii").ljust(116, b" ")[:116] + b"\0" * 8


def write_mat73(path: str | os.PathLike, split: str, codes_blocks: Iterable[np.ndarray],
                label_blocks: Iterable[np.ndarray], n: int, window: int, *, compression: str | None = "gzip",
                compression_level: int = 1, header: str = _MAT73_HEADER) -> Path:
    """Write a MATLAB 7.3 (HDF5) file laid out like DeepSEA's ``train.mat``, block by block.

    Parameters
    ----------
    path : path-like
    split : str
        Names the keys (``<split>xdata``, ``<split>data``).
    codes_blocks : iterable of numpy.ndarray
        Consecutive ``uint8`` ``(b, window)`` code blocks summing to ``n`` rows.
    label_blocks : iterable of numpy.ndarray
        Matching ``uint8`` ``(b, 919)`` label blocks.
    n, window : int
    compression : str or None
        HDF5 filter (MATLAB 7.3 files use gzip).
    header : str
        Text of the 512-byte MATLAB user block.

    Notes
    -----
    Datasets get a ``MATLAB_class = "uint8"`` attribute and no timestamps,
    so the same input gives a byte-identical file.
    """
    import h5py

    from genomenb.data.deepsea import N_LABELS, SPLIT_KEYS, codes_to_deepsea_onehot  # deepsea imports the reader

    x_key, y_key = SPLIT_KEYS[split]
    path = Path(path)
    with h5py.File(path, "w", userblock_size=512, libver="earliest") as f:
        opts = compression_level if compression == "gzip" else None
        x = f.create_dataset(x_key, shape=(window, 4, n), dtype=np.uint8, compression=compression,
                             compression_opts=opts, chunks=(min(window, 50), 4, max(1, min(n, 2048))),
                             track_times=False)
        y = f.create_dataset(y_key, shape=(N_LABELS, n), dtype=np.uint8, compression=compression,
                             compression_opts=opts, chunks=(N_LABELS, max(1, min(n, 2048))), track_times=False)
        for ds in (x, y):
            ds.attrs["MATLAB_class"] = np.bytes_("uint8")
        start = 0
        for cb, lb in zip(codes_blocks, label_blocks):
            b = cb.shape[0]
            x[:, :, start:start + b] = codes_to_deepsea_onehot(cb).transpose(2, 1, 0)
            y[:, start:start + b] = np.asarray(lb, dtype=np.uint8).T
            start += b
        if start != n:
            raise ValueError(f"blocks held {start} rows; expected {n}")
    with open(path, "r+b") as fh:  # the user block carries MATLAB's header
        fh.write(_matlab_text_header(header) + struct.pack("<H", 0x0200) + b"IM")
    return path


def write_mat5(path: str | os.PathLike, split: str, codes: np.ndarray, labels: np.ndarray, *,
               compress: bool = False, header: str = _MAT5_HEADER) -> Path:
    """Write a MATLAB v5 file laid out like DeepSEA's ``valid.mat`` / ``test.mat``.

    ``<split>xdata`` is ``uint8`` ``(n, 4, W)`` one-hot (A G C T) and
    ``<split>data`` ``uint8`` ``(n, 919)``. The header text is fixed (scipy
    would write the current time), so the same input gives identical bytes.
    """
    from scipy.io import savemat

    from genomenb.data.deepsea import SPLIT_KEYS, codes_to_deepsea_onehot  # deepsea imports the reader

    x_key, y_key = SPLIT_KEYS[split]
    path = Path(path)
    savemat(path, {x_key: codes_to_deepsea_onehot(codes), y_key: np.asarray(labels, dtype=np.uint8)},
            format="5", do_compression=compress, oned_as="column")
    with open(path, "r+b") as fh:
        fh.write(_matlab_text_header(header))
    return path
