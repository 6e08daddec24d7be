"""Streaming FASTA reader that turns any FASTA file into clean ``A C G T N`` bytes.

A FASTA file is one or more records, each a header line ``>ID description``
followed by sequence lines. The reader streams: it reads the (plain or gzip)
file in 1 MiB chunks, splits them into lines and yields one record at a time,
so memory is bounded by the largest record, never by the file.

Sequence normalisation (documented handling, not errors)
---------------------------------------------------------
* Lower case is upper-cased (soft-masking is discarded).
* IUPAC ambiguity codes ``R Y K M S W B D H V`` (any case) become ``N``.
* ``U`` (RNA uracil) becomes ``T``, so RNA FASTA reads as DNA.
* Line ends may be ``\\n``, ``\\r\\n`` or a bare ``\\r``; blank lines and
  spaces or tabs inside sequence lines are ignored.
* gzip is detected from the magic bytes ``1f 8b``, not from the file name.

Everything else is a :class:`~genomenb.data.errors.DataError` naming the file,
the 1-based line (and column) and the record: a missing or empty file, text
that is not FASTA (a first non-blank line without ``>``, e.g. FASTQ or CSV),
a header without an id, a record without sequence, a character outside the
alphabet above (gaps ``-``, stops ``*``, digits, protein letters, binary or
non-ASCII bytes), a truncated or corrupted gzip stream, and duplicate ids.

Records hold the sequence as upper-case ``bytes``; the integer and one-hot
encodings (A=0 C=1 G=2 T=3 N=4) live in :mod:`genomenb.encode`.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from genomenb.data import registry
from genomenb.data.errors import DataError

__all__ = ["FastaRecord", "read_fasta", "parse_fasta", "load_genome"]

_CHUNK_SIZE = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
# Whitespace that may sit inside or at the end of a sequence line; removed, not an error.
_SEQ_WHITESPACE = b" \t\r\n\v\f"
# Header bytes that are fine: tab, printable ASCII, and bytes >= 0x80 (validated as UTF-8).
_HEADER_OK = bytes([9, *range(32, 127), *range(128, 256)])
_ACCEPTED = "A C G T N (any case), IUPAC ambiguity codes R Y K M S W B D H V (read as N) or U (read as T)"


def _sequence_table() -> bytes:
    """256-entry ``bytes.translate`` table: accepted letters to ``ACGTN``, anything else to NUL.

    NUL marks an invalid byte, so one ``b"\\0" in seq`` test checks a whole
    record (a NUL in the input maps to NUL as well). Whitespace maps to itself:
    it is deleted before translation and only matters when locating an error.
    """
    table = bytearray(256)
    for letters, target in (("ACGT", None), ("U", "T"), ("NRYKMSWBDHV", "N")):
        for letter in letters:
            value = ord(target or letter)
            table[ord(letter)] = value
            table[ord(letter.lower())] = value
    for byte in _SEQ_WHITESPACE:
        table[byte] = byte
    return bytes(table)


_SEQ_TABLE = _sequence_table()


@dataclass(frozen=True, repr=False)
class FastaRecord:
    """One FASTA record.

    Attributes
    ----------
    id : str
        First whitespace-delimited word of the header (without ``>``).
    description : str
        Rest of the header, stripped (``""`` when absent).
    sequence : bytes
        Upper-case sequence containing only the bytes ``A C G T N``.
    """

    id: str
    description: str
    sequence: bytes

    @property
    def length(self) -> int:
        """Number of bases in :attr:`sequence`."""
        return len(self.sequence)

    def __repr__(self) -> str:
        # A genome-sized repr would flood a notebook cell; show the head only.
        head = self.sequence[:20].decode("ascii", "replace")
        more = "..." if self.length > 20 else ""
        return (f"FastaRecord(id={self.id!r}, description={self.description!r}, "
                f"length={self.length}, sequence={head}{more})")


# --------------------------------------------------------------------------- lines


def _line_batches(chunks: Iterable[bytes], counter: list[int]) -> Iterator[list[bytes]]:
    """Split a stream of byte chunks into lists of lines without their terminators.

    ``\\n``, ``\\r\\n`` and a bare ``\\r`` all end a line. The incomplete last
    line of a chunk is carried into the next one, and so is a chunk-final
    ``\\r`` whose ``\\n`` may open the next chunk (else a CRLF split across
    chunks would count as two line ends). ``counter[0]`` is kept at the number
    of lines handed out, so a read error can name the line it happened in.
    """
    pending = b""
    for chunk in chunks:
        buf = pending + chunk if pending else chunk
        end = len(buf) - 1 if buf.endswith(b"\r") else len(buf)
        cut = max(buf.rfind(b"\n", 0, end), buf.rfind(b"\r", 0, end))
        if cut < 0:
            pending = buf
            continue
        batch = buf[: cut + 1].splitlines()
        pending = buf[cut + 1:]
        counter[0] += len(batch)
        yield batch
    if pending:
        batch = pending.splitlines()
        counter[0] += len(batch)
        yield batch


def _read_chunks(stream: io.BufferedIOBase, path: str | None, counter: list[int]) -> Iterator[bytes]:
    """Read ``stream`` in chunks, turning decompression failures into :class:`DataError`.

    Every line before the failing chunk has been consumed by then, so the
    error names line ``counter[0] + 1``: the line the damage begins in.
    """
    while True:
        try:
            chunk = stream.read1(_CHUNK_SIZE)  # one raw read: a damaged gzip fails near its line
        except EOFError:
            raise DataError(path, "the gzip stream ends early (truncated file?); expected a complete "
                            "gzip file", line=counter[0] + 1) from None
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise DataError(path, f"the gzip stream is corrupted ({exc}); expected a valid gzip file",
                            line=counter[0] + 1) from None
        except OSError as exc:
            raise DataError(path, f"could not read the file ({exc})", line=counter[0] + 1) from None
        if not chunk:
            return
        yield chunk


def _stream_lines(stream: io.BufferedReader, path: str | None) -> Iterator[bytes]:
    """Lines of a buffered binary stream, decompressed when it starts with the gzip magic bytes."""
    source: io.BufferedIOBase = stream
    if stream.peek(2)[:2] == _GZIP_MAGIC:
        source = gzip.GzipFile(fileobj=stream, mode="rb")
    counter = [0]
    # Lines are split per chunk and flattened in C: no Python work per line here.
    return chain.from_iterable(_line_batches(_read_chunks(source, path, counter), counter))


# --------------------------------------------------------------------------- parsing core


def _describe_bad_byte(byte: int) -> str:
    """Say what an unaccepted byte is, with the likely reason it is there."""
    char = chr(byte)
    if byte >= 128:
        return f"non-ASCII byte 0x{byte:02X} (binary or non-text content)"
    if byte < 32 or byte == 127:
        return f"control byte 0x{byte:02X} (binary content)"
    if char in "-.":
        return f"{char!r} (alignment gap)"
    if char == "*":
        return "'*' (stop / end-of-translation mark)"
    if char.isdigit():
        return f"digit {char!r} (numbered lines, e.g. GenBank format?)"
    if char == ">":
        return "'>' inside a line (a header must start its own line)"
    if char.isalpha():
        return f"{char!r} (not a nucleotide code: a protein sequence?)"
    return repr(char)


def _bad_byte_error(path: str | None, lines: list[bytes], first_line: int, record: str) -> DataError:
    """Locate the first unaccepted byte of a record and build its error (error path only)."""
    for offset, line in enumerate(lines):
        column = line.translate(_SEQ_TABLE).find(b"\0")
        if column >= 0:
            what = _describe_bad_byte(line[column])
            return DataError(path, f"column {column + 1}: unexpected {what} in the sequence; expected "
                             f"only {_ACCEPTED}. Gaps '-', stops '*' and digits are not accepted",
                             line=first_line + offset, record=record)
    raise AssertionError("an invalid byte was detected but could not be located")  # pragma: no cover


def _parse_header(line: bytes, lineno: int, path: str | None) -> tuple[str, str]:
    """Split a ``>ID description`` line into ``(id, description)``.

    Like most readers, whitespace between ``>`` and the id is tolerated: the
    id is the first word of the header text.
    """
    body = line[1:]
    bad = body.translate(None, _HEADER_OK)
    if bad:
        raise DataError(path, f"control byte 0x{bad[0]:02X} in the header (binary content); expected "
                        "a text line '>ID description'", line=lineno)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError(path, "the header is not UTF-8 text (binary content); expected a text line "
                        "'>ID description'", line=lineno) from None
    words = text.split(None, 1)
    if not words:
        raise DataError(path, "the header has no id; expected '>ID description' with a non-empty ID",
                        line=lineno)
    return words[0], words[1].strip() if len(words) > 1 else ""


def _finish_record(path: str | None, rec_id: str, description: str, header_line: int,
                   lines: list[bytes]) -> FastaRecord:
    """Join and clean a record's sequence lines in one ``translate`` pass, then validate.

    ``lines`` is emptied once joined, so the per-line objects are freed
    before the cleaned copy is made (peak memory about twice the record).
    """
    # Joined with '\n' so the lines can be recovered to locate an error; translate deletes it.
    joined = b"\n".join(lines)
    lines.clear()
    sequence = joined.translate(_SEQ_TABLE, _SEQ_WHITESPACE)
    if b"\0" in sequence:  # NUL marks an unaccepted byte
        raise _bad_byte_error(path, joined.split(b"\n"), header_line + 1, rec_id)
    if not sequence:
        raise DataError(path, "the record has no sequence; expected at least one sequence line after "
                        "the header", line=header_line, record=rec_id)
    return FastaRecord(rec_id, description, sequence)


def _not_fasta_error(path: str | None, line: bytes, lineno: int) -> DataError:
    """Error for text before the first header, with a hint at what the file may be."""
    hint = ""
    if line.startswith(b"@"):
        hint = " (this looks like FASTQ, whose records start with '@')"
    elif b"," in line or b"\t" in line:
        hint = " (this looks like a table such as CSV/TSV)"
    elif line.startswith(_GZIP_MAGIC):
        hint = " (this looks like gzip data)"
    return DataError(path, f"expected a FASTA header line starting with '>'{hint}", line=lineno)


def _parse_lines(lines: Iterable[bytes], path: str | None) -> Iterator[FastaRecord]:
    """The one FASTA parsing core: consume lines (no terminators) and yield records."""
    seen: dict[str, int] = {}
    rec_id: str | None = None
    description = ""
    header_line = 0
    seq_lines: list[bytes] = []
    lineno = 0
    for lineno, line in enumerate(lines, 1):
        if line[:1] == b">":
            if rec_id is not None:
                yield _finish_record(path, rec_id, description, header_line, seq_lines)
            rec_id, description = _parse_header(line, lineno, path)
            if rec_id in seen:
                raise DataError(path, f"duplicate record id (first used on line {seen[rec_id]}); "
                                "expected unique ids", line=lineno, record=rec_id)
            seen[rec_id] = header_line = lineno
            seq_lines = []
        elif rec_id is not None:
            seq_lines.append(line)  # cleaned per record, in one pass
        elif line.strip():
            raise _not_fasta_error(path, line, lineno)
    if rec_id is not None:
        yield _finish_record(path, rec_id, description, header_line, seq_lines)
    elif lineno == 0:
        raise DataError(path, "the file is empty; expected FASTA records ('>ID' header lines "
                        "followed by sequence lines)")
    else:
        raise DataError(path, "no FASTA records found (only blank lines); expected '>ID' header "
                        "lines followed by sequence lines")


# --------------------------------------------------------------------------- public API


def _records_from_file(path: Path, label: str) -> Iterator[FastaRecord]:
    """Generator body of :func:`read_fasta`: the file is opened on first use and closed at the end."""
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed by the with-block below
    except OSError as exc:
        raise DataError(label, f"could not open the file ({exc.strerror or exc})") from None
    with stream:
        yield from _parse_lines(_stream_lines(stream, label), label)


def read_fasta(source: str | os.PathLike, *, name: str | None = None) -> Iterator[FastaRecord]:
    """Stream the records of a FASTA file (plain or gzip), one at a time.

    Parameters
    ----------
    source : str or os.PathLike
        Path of the file. gzip is detected from its content, not its name.
    name : str, optional
        Label used for the file in error messages (default: the path).

    Returns
    -------
    Iterator[FastaRecord]
        Records in file order. Sequences are upper case and contain only
        ``A C G T N`` (IUPAC ambiguity codes become ``N``, ``U`` becomes ``T``).

    Raises
    ------
    DataError
        At once when the file does not exist; while iterating, on malformed
        content (see the module docstring), naming the file, line and record.

    Examples
    --------
    >>> for record in read_fasta("genome.fa.gz"):  # doctest: +SKIP
    ...     print(record.id, record.length)
    """
    path = Path(source)
    label = name if name is not None else str(source)
    # Checked eagerly so a wrong path fails at the call, not at the first next().
    if not path.exists():
        raise DataError(label, "file not found; expected an existing FASTA file (plain or gzip)")
    if path.is_dir():
        raise DataError(label, "is a directory; expected a FASTA file (plain or gzip)")
    return _records_from_file(path, label)


def parse_fasta(data: bytes | str, *, name: str = "<string>") -> list[FastaRecord]:
    """Parse FASTA held in memory, with exactly the rules of :func:`read_fasta`.

    Parameters
    ----------
    data : bytes or str
        FASTA text, or gzip-compressed FASTA bytes (detected by magic bytes).
    name : str, default "<string>"
        Label for the data in error messages.

    Returns
    -------
    list[FastaRecord]
        All records, in order.

    Raises
    ------
    DataError
        On any malformed content, naming ``name``, the line and the record.
    """
    if isinstance(data, str):
        # surrogatepass keeps odd code points as bytes; they are then rejected as non-ASCII.
        data = data.encode("utf-8", "surrogatepass")
    data = bytes(data)
    if data.startswith(_GZIP_MAGIC):
        lines: Iterable[bytes] = _stream_lines(io.BufferedReader(io.BytesIO(data)), name)
    else:
        lines = data.splitlines()
    return list(_parse_lines(lines, name))


def _resolve_source(source: str | os.PathLike, role: str) -> Path:
    """Path of a registered dataset's ``role`` file when ``source`` names one, else ``source``.

    Shared with :mod:`genomenb.data.gff`.
    """
    if isinstance(source, str):
        try:
            names = {dataset.name for dataset in registry.datasets()}
        except DataError:
            names = set()  # no registry: plain paths must still work
        if source in names:
            try:
                return registry.path(source, role)
            except KeyError as exc:
                raise DataError(source, f"{exc.args[0]}; expected a dataset with a {role!r} file") from None
    return Path(source)


def load_genome(source: str | os.PathLike) -> list[FastaRecord]:
    """Load every record of a genome, by registered dataset name or by path.

    Parameters
    ----------
    source : str or os.PathLike
        A dataset name of :mod:`genomenb.data.registry` (e.g. ``"ecoli_k12"``;
        its checksum is verified) or the path of a FASTA file.

    Returns
    -------
    list[FastaRecord]
        All records, in file order.

    Raises
    ------
    DataError
        When the file is missing, fails its checksum or is malformed.

    Examples
    --------
    >>> [(r.id, r.length) for r in load_genome("ecoli_k12")]  # doctest: +SKIP
    [('U00096.3', 4641652)]
    """
    return list(read_fasta(_resolve_source(source, "fasta")))
