"""GFF3 annotation reader and feature-sequence cutter.

:func:`read_gff3` turns a GFF3 file (plain or gzip, detected by magic bytes)
into one :class:`pandas.DataFrame` row per feature, with 1-based inclusive
coordinates exactly as in the file. :func:`feature_sequences` cuts those
features out of FASTA records, reverse-complementing ``-`` strand features.

Sequence ids are put through :data:`SEQID_ALIASES` on both sides, because
annotation and genome often name the same molecule differently: the bundled
E. coli GFF3 (RefSeq) says ``NC_000913.3`` where the FASTA (INSDC) says
``U00096.3``.

Handling: comment and directive lines (``#...``) and blank lines are skipped;
reading stops at ``##FASTA`` or at a bare ``>`` line (an embedded FASTA
section); column 1-3 and attribute keys/values are percent-decoded (``%2C``
``%3B`` ``%3D`` ``%26``...); strand ``?`` (unknown) is read as ``.``.
Malformed lines raise :class:`~genomenb.data.errors.DataError` with the file
and line number.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import unquote

import numpy as np
import pandas as pd

from genomenb.data.errors import DataError
from genomenb.data.fasta import FastaRecord, _resolve_source, _stream_lines

__all__ = ["GFF3_COLUMNS", "SEQID_ALIASES", "canonical_seqid", "feature_sequences", "parse_attributes",
           "read_gff3"]

#: RefSeq accession -> INSDC accession used by the bundled FASTA files.
SEQID_ALIASES: dict[str, str] = {"NC_000913.3": "U00096.3"}

#: Columns of the frame returned by :func:`read_gff3`, in order.
GFF3_COLUMNS: tuple[str, ...] = (
    "seqid", "source", "type", "start", "end", "score", "strand", "phase",
    "id", "name", "gene", "locus_tag", "product", "parent", "attributes",
)

# Output column -> GFF3 attribute key (keys are case-sensitive in GFF3).
_ATTRIBUTE_COLUMNS = {"id": "ID", "name": "Name", "gene": "gene", "locus_tag": "locus_tag",
                      "product": "product", "parent": "Parent"}
_INTEGER = re.compile(r"[+-]?[0-9]+")
_STRANDS = {"+": "+", "-": "-", ".": ".", "?": "."}
_PHASES = {".": None, "0": 0, "1": 1, "2": 2}
# Complement of A C G T N in both cases; reversed afterwards for the reverse complement.
_COMPLEMENT = bytes.maketrans(b"ACGTNacgtn", b"TGCANtgcan")


def canonical_seqid(seqid: str, aliases: Mapping[str, str] | None = None) -> str:
    """Map a sequence id to the name the bundled FASTA uses.

    Parameters
    ----------
    seqid : str
        A sequence id from a GFF3 or FASTA file.
    aliases : Mapping[str, str], optional
        Alias table; :data:`SEQID_ALIASES` when omitted.

    Returns
    -------
    str
        ``aliases[seqid]`` when present, else ``seqid`` unchanged.
    """
    table = SEQID_ALIASES if aliases is None else aliases
    return table.get(seqid, seqid)


# --------------------------------------------------------------------------- one line


def _parse_coordinate(text: str, column: str, path: str, lineno: int) -> int:
    """A positive 1-based coordinate, or a DataError saying what is wrong with it."""
    if not _INTEGER.fullmatch(text):
        raise DataError(path, f"{column} {text!r} is not an integer; expected a positive whole number",
                        line=lineno)
    value = int(text)
    if value < 1:
        raise DataError(path, f"{column} {value} is not positive; expected 1-based coordinates >= 1",
                        line=lineno)
    return value


def _parse_score(text: str, path: str, lineno: int) -> float:
    """Column 6: a number or ``.``."""
    if text == ".":
        return float("nan")
    try:
        return float(text)
    except ValueError:
        raise DataError(path, f"score {text!r} is not a number; expected a number or '.'",
                        line=lineno) from None


def parse_attributes(text: str, *, path: str | None = None, line: int | None = None) -> dict[str, str]:
    """Parse a GFF3 column-9 string ``key=value;key=value`` with percent-decoding.

    Values with several comma-separated parts (``Parent=a,b``) are kept as
    one string; splitting happens before decoding so an encoded ``%3B`` or
    ``%3D`` never splits anything.

    Parameters
    ----------
    text : str
        The raw attribute column (``"."`` for none).
    path : str, optional
        File name for error messages.
    line : int, optional
        Line number for error messages.

    Returns
    -------
    dict[str, str]
        Decoded key to decoded value.

    Raises
    ------
    DataError
        When a non-empty entry has no ``=`` (e.g. GTF-style ``gene_id "x"``).
    """
    attributes: dict[str, str] = {}
    if text in ("", "."):
        return attributes
    for entry in text.split(";"):
        entry = entry.strip()
        if not entry:
            continue  # tolerate trailing or doubled ';'
        key, sep, value = entry.partition("=")
        if not sep or not key:
            raise DataError(path, f"attribute {entry!r} is not key=value; expected GFF3 attributes "
                            "'key=value;key=value' (is this a GTF file?)", line=line)
        attributes[unquote(key.strip())] = unquote(value.strip())
    return attributes


def _split_feature_line(text: str, path: str, lineno: int) -> list:
    """Validate the nine columns of one feature line and return typed columns 1-8 plus column 9."""
    fields = text.split("\t")
    if len(fields) != 9:
        raise DataError(path, f"found {len(fields)} tab-separated column(s); expected 9 (seqid, source, "
                        "type, start, end, score, strand, phase, attributes)", line=lineno)
    seqid, source, ftype, start_s, end_s, score_s, strand_s, phase_s, attributes = fields
    if not seqid or not ftype:
        raise DataError(path, "empty seqid or type column; expected names in columns 1 and 3",
                        line=lineno)
    start = _parse_coordinate(start_s, "start", path, lineno)
    end = _parse_coordinate(end_s, "end", path, lineno)
    if start > end:
        raise DataError(path, f"start {start} > end {end}; expected start <= end (1-based, inclusive)",
                        line=lineno)
    if strand_s not in _STRANDS:
        raise DataError(path, f"strand {strand_s!r}; expected '+', '-', '.' or '?'", line=lineno)
    if phase_s not in _PHASES:
        raise DataError(path, f"phase {phase_s!r}; expected 0, 1, 2 or '.'", line=lineno)
    return [unquote(seqid), unquote(source), unquote(ftype), start, end,
            _parse_score(score_s, path, lineno), _STRANDS[strand_s], _PHASES[phase_s], attributes]


# --------------------------------------------------------------------------- file


def _feature_lines(lines: Iterable[bytes], path: str) -> Iterable[tuple[int, str]]:
    """``(line number, text)`` of feature lines: comments, blanks and the FASTA section dropped."""
    for lineno, raw in enumerate(lines, 1):
        if raw[:1] == b"#":
            if raw.startswith(b"##FASTA"):
                return
            continue
        if raw[:1] == b">":
            return  # embedded FASTA without the ##FASTA directive
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DataError(path, "the line is not UTF-8 text (binary content?); expected a GFF3 "
                            "feature line", line=lineno) from None
        if text.strip():
            yield lineno, text


def _frame(rows: list[list], parsed: list[dict[str, str]], path: str) -> pd.DataFrame:
    """Build the typed feature frame from parsed rows and their attribute dicts."""
    columns = ["seqid", "source", "type", "start", "end", "score", "strand", "phase", "attributes"]
    frame = pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
    for column, key in _ATTRIBUTE_COLUMNS.items():
        frame[column] = pd.Series([attrs.get(key) for attrs in parsed], index=frame.index, dtype=object)
    frame = frame.astype({"start": "int64", "end": "int64", "score": "float64", "phase": "Int64"})
    frame = frame[list(GFF3_COLUMNS)]
    frame.attrs["path"] = path
    return frame


def read_gff3(
    source: str | os.PathLike,
    *,
    types: Sequence[str] | str | None = ("gene", "CDS"),
    seqid_aliases: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read the features of a GFF3 file into a data frame.

    Parameters
    ----------
    source : str or os.PathLike
        A dataset name of :mod:`genomenb.data.registry` (its ``gff3`` file,
        e.g. ``"ecoli_k12_annotation"``) or a path (plain or gzip).
    types : Sequence[str] or str or None, default ("gene", "CDS")
        Feature types (column 3) to keep; a single string is one type;
        ``None`` keeps every type. Columns 1-8 of lines of other types are
        still validated.
    seqid_aliases : Mapping[str, str], optional
        Seqid renaming applied to column 1; :data:`SEQID_ALIASES` when
        omitted, ``{}`` to keep the file's names.

    Returns
    -------
    pandas.DataFrame
        One row per feature, in file order, with columns :data:`GFF3_COLUMNS`:
        ``seqid`` (canonical), ``source``, ``type`` (str); ``start``, ``end``
        (int64, 1-based inclusive); ``score`` (float64, NaN for ``.``);
        ``strand`` (``'+'``, ``'-'`` or ``'.'``); ``phase`` (Int64, <NA> for
        ``.``); ``id``, ``name``, ``gene``, ``locus_tag``, ``product``,
        ``parent`` (decoded attribute values, None when absent) and
        ``attributes`` (the raw column 9). ``frame.attrs["path"]`` names the file.

    Raises
    ------
    DataError
        When the file is missing or unreadable, or a line is malformed (wrong
        column count, coordinates that are not positive integers, start > end,
        bad strand or phase, attributes that are not key=value), with the
        line number.
    """
    path = _resolve_source(source, "gff3")
    label = str(path)
    if not path.is_file():
        raise DataError(label, "file not found; expected an existing GFF3 file (plain or gzip)")
    if isinstance(types, str):
        types = [types]  # "CDS" means one type, not the letters C, D and S
    keep = None if types is None else set(types)
    aliases = SEQID_ALIASES if seqid_aliases is None else seqid_aliases
    rows: list[list] = []
    parsed: list[dict[str, str]] = []
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed by the with-block below
    except OSError as exc:
        raise DataError(label, f"could not open the file ({exc.strerror or exc})") from None
    with stream:
        for lineno, text in _feature_lines(_stream_lines(stream, label), label):
            row = _split_feature_line(text, label, lineno)
            if keep is None or row[2] in keep:
                parsed.append(parse_attributes(row[-1], path=label, line=lineno))
                row[0] = aliases.get(row[0], row[0])
                rows.append(row)
    return _frame(rows, parsed, label)


# --------------------------------------------------------------------------- sequences


def _sequence_map(records: Sequence[FastaRecord] | Mapping[str, bytes]) -> dict[str, bytes]:
    """Canonical seqid -> sequence bytes, from records or an id -> bytes mapping."""
    if isinstance(records, Mapping):
        return {canonical_seqid(key): bytes(value) for key, value in records.items()}
    return {canonical_seqid(record.id): record.sequence for record in records}


def feature_sequences(
    records: Sequence[FastaRecord] | Mapping[str, bytes],
    features: pd.DataFrame,
) -> list[bytes]:
    """Cut each feature's sequence out of the genome, on the feature's strand.

    Parameters
    ----------
    records : Sequence[FastaRecord] or Mapping[str, bytes]
        The genome: records (e.g. from :func:`~genomenb.data.fasta.load_genome`)
        or a mapping of sequence id to bytes. Ids are matched after
        :func:`canonical_seqid`, so RefSeq and INSDC names both work.
    features : pandas.DataFrame
        Frame with ``seqid``, ``start``, ``end`` (1-based inclusive) and
        ``strand``, such as :func:`read_gff3` returns.

    Returns
    -------
    list[bytes]
        One sequence per row, 5' to 3' on the feature's strand: ``-`` strand
        features are reverse-complemented (A<->T, C<->G, N->N); ``+``, ``.``
        and ``?`` are read as given.

    Raises
    ------
    DataError
        When a row's seqid is not among the records or its end runs past
        the end of its sequence.
    """
    missing = {"seqid", "start", "end", "strand"} - set(features.columns)
    if missing:
        raise DataError(features.attrs.get("path"), f"feature frame lacks column(s) {sorted(missing)}; "
                        "expected seqid, start, end and strand as returned by read_gff3")
    genome = _sequence_map(records)
    seqids = [canonical_seqid(str(seqid)) for seqid in features["seqid"]]
    starts = features["start"].to_numpy(dtype=np.int64)
    ends = features["end"].to_numpy(dtype=np.int64)
    _check_bounds(genome, seqids, starts, ends, features)
    out = []
    for seqid, start, end, strand in zip(seqids, starts.tolist(), ends.tolist(), features["strand"]):
        piece = genome[seqid][start - 1:end]
        out.append(piece.translate(_COMPLEMENT)[::-1] if strand == "-" else piece)
    return out


def _check_bounds(genome: dict[str, bytes], seqids: list[str], starts: np.ndarray, ends: np.ndarray,
                  features: pd.DataFrame) -> None:
    """Raise on the first row whose seqid is unknown or whose coordinates leave its sequence."""
    path = features.attrs.get("path")
    unknown = sorted(set(seqids) - genome.keys())
    if unknown:
        row = seqids.index(unknown[0])
        raise DataError(path, f"seqid {unknown[0]!r} is not among the sequences ({', '.join(genome)}); "
                        "expected every feature's seqid to name a record (see SEQID_ALIASES)",
                        record=_row_name(features, row))
    lengths = np.array([len(genome[seqid]) for seqid in seqids], dtype=np.int64)
    bad = np.flatnonzero((starts < 1) | (starts > ends) | (ends > lengths))
    if bad.size:
        row = int(bad[0])
        raise DataError(path, f"feature {starts[row]}..{ends[row]} does not fit in {seqids[row]!r} "
                        f"({lengths[row]} bp); expected 1 <= start <= end <= sequence length",
                        record=_row_name(features, row))


def _row_name(features: pd.DataFrame, row: int) -> str:
    """A feature's id when it has one, else its row label, for error messages."""
    if "id" in features.columns:
        value = features["id"].iloc[row]
        if isinstance(value, str):
            return value
    return f"row {features.index[row]}"
