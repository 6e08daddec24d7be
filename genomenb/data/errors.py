"""The one error type raised on bad data anywhere in :mod:`genomenb.data`."""

from __future__ import annotations

from os import PathLike


class DataError(ValueError):
    """A data file is missing, corrupted or malformed.

    The message always names the file, where in it the problem is (a line,
    a record or a key) when that is known, and what was expected instead.

    Parameters
    ----------
    path : str or PathLike or None
        The file that is wrong (``None`` for in-memory data).
    problem : str
        What is wrong, phrased as what was expected.
    line : int, optional
        1-based line number in the (decompressed) text, when known.
    record : str, optional
        Record, key or row name, when known.
    """

    def __init__(
        self,
        path: str | PathLike | None,
        problem: str,
        *,
        line: int | None = None,
        record: str | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.problem = problem
        self.line = line
        self.record = record
        where = [self.path or "<in-memory data>"]
        if line is not None:
            where.append(f"line {line}")
        if record is not None:
            where.append(f"record {record!r}")
        super().__init__(f"{', '.join(where)}: {problem}")
