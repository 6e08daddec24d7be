"""Where generated data is cached, and a lock so concurrent runs build each item once.

Several notebooks share generated files (the DeepSEA-sim bundle, seeded
DeepSEA subsets), and ``genomenb book --workers N`` or a sweep on Dask runs
them at once. Every such item follows one pattern:

1. return it when it is complete;
2. otherwise take its lock (:func:`build_lock`: a ``<name>.lock`` file beside
   it, held through :mod:`filelock`, so it works across processes and, on a
   shared file system, across machines);
3. look again (another process may have built it while this one waited);
4. build it under a temporary name unique to the process and move it into
   place with one :func:`os.replace`, so a reader never sees half a file.

A process that dies while holding the lock releases it with its file handle;
the temporary folder it leaves behind is cleaned by the next builder.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

__all__ = ["cache_root", "build_lock"]

#: Seconds a run waits for another process to finish building an item before giving up.
LOCK_TIMEOUT = 3600.0


def cache_root() -> Path:
    """Folder for generated data and caches.

    ``$GENOMENB_CACHE_DIR`` when set; else ``results/_cache`` of the source
    checkout the package runs from; else ``~/.cache/genomenb``.
    """
    env = os.environ.get("GENOMENB_CACHE_DIR")
    if env:
        return Path(env).expanduser().resolve()
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file():
        return checkout / "results" / "_cache"
    return Path.home() / ".cache" / "genomenb"


@contextlib.contextmanager
def build_lock(target: str | os.PathLike, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the exclusive build lock of the cached item ``target`` (a file or folder).

    Raises
    ------
    TimeoutError
        When another process held the lock for ``timeout`` seconds; the
        message names the lock file, which can be deleted if no run is busy.
    """
    from filelock import FileLock, Timeout

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(target.parent / f"{target.name}.lock"))
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise TimeoutError(f"another run has been building {target} for {timeout:g} s (lock {lock.lock_file}); "
                           "delete the lock file if no run is busy with it") from None
    try:
        yield
    finally:
        lock.release()
