"""Many notebook runs at once: a local Dask cluster, an existing one, or none.

``genomenb sweep --workers N`` / ``genomenb book --workers N`` hand their
notebook runs to :mod:`dask.distributed` instead of running them one after
another: :func:`dask_client` starts a local cluster of ``N`` worker processes
with one thread each (so every papermill kernel belongs to its own worker), or
connects to a running scheduler (``--scheduler tcp://host:8786``: one started
with ``dask scheduler`` / ``dask worker`` on several machines, or by
dask-jobqueue on SLURM). :func:`run_tasks` submits one task per run and
collects every outcome:

* a task that raises is reported with its exception and does not stop the
  others (a notebook error is deterministic, so it is not retried);
* a task whose worker process dies is rescheduled by Dask on another worker,
  at most ``allowed_failures`` times (the scheduler's own bookkeeping, read
  back per task as :attr:`Outcome.retried`); one that kills every worker it
  lands on fails with :class:`distributed.KilledWorker`;
* a progress bar counts finished tasks;
* no more tasks are in flight than the cluster has worker threads (counted
  again whenever a task finishes), so a worker only ever holds the task it
  runs, and a worker's death sends back exactly that one.

Without a cluster (``workers`` and ``scheduler`` both unset) the same tasks run
in this process, one after another, with the same outcomes, so the serial and
the parallel path differ only in who executes the function. The task function
must be importable by name on the workers (a function of the ``genomenb``
package): a remote cluster needs this package installed and the project folder
on a file system every worker sees.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

__all__ = ["EngineError", "Outcome", "dask_client", "run_tasks", "failure_report"]

#: Worker deaths a task may survive before Dask gives up on it (local clusters).
ALLOWED_FAILURES = 2


class EngineError(RuntimeError):
    """The Dask cluster could not be started or reached."""


@dataclass
class Outcome:
    """What became of one task."""

    name: str
    result: Any = None
    error: str | None = None
    retried: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


def _check_workers(workers: int | None) -> int | None:
    if workers is None:
        return None
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise EngineError(f"--workers must be a positive whole number, got {workers!r}")
    return workers


@contextlib.contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None, *,
                timeout: float = 10.0, allowed_failures: int = ALLOWED_FAILURES) -> Iterator[Any]:
    """A :class:`distributed.Client`, or ``None`` when neither argument is given.

    Parameters
    ----------
    workers : int, optional
        Start a local cluster of this many worker processes, one thread each
        (closed again on exit).
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``); wins over ``workers``.
    timeout : float, default 10
        Seconds to wait for the scheduler before giving up with :class:`EngineError`.
    allowed_failures : int
        Worker deaths one task may survive on a local cluster (a remote
        scheduler uses its own ``distributed.scheduler.allowed-failures``).
    """
    workers = _check_workers(workers)
    if workers is None and not scheduler:
        yield None
        return
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            raise EngineError(f"cannot reach the Dask scheduler at {scheduler!r} within {timeout:g} s ({exc}); "
                              "start one with `dask scheduler` and `dask worker ADDRESS`, or leave out "
                              "--scheduler to run on this machine") from None
        with client:
            yield client
        return
    # Kernels started by the workers inherit this environment: keep TensorFlow's start-up chatter out of them.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with dask.config.set({"distributed.scheduler.allowed-failures": int(allowed_failures)}):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=logging.CRITICAL, memory_limit=0) as cluster, Client(cluster) as client:
            yield client


def _error_text(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _suspicious(keys: list[str]) -> Callable[..., dict[str, int]]:
    def count(dask_scheduler=None) -> dict[str, int]:  # runs on the scheduler: worker deaths per task
        return {k: dask_scheduler.tasks[k].suspicious for k in keys if k in dask_scheduler.tasks}

    return count


def run_tasks(fn: Callable[..., Any], tasks: Mapping[str, Mapping[str, Any]], *, client: Any = None,
              progress: bool = True, desc: str = "runs") -> list[Outcome]:
    """Call ``fn(**kwargs)`` for every ``name: kwargs`` of ``tasks`` and collect the outcomes.

    Parameters
    ----------
    fn : callable
        A module-level function (Dask sends it to the workers by reference).
    tasks : mapping of str to mapping
        Task name (unique; shown in reports) to the keyword arguments of its call.
    client : distributed.Client, optional
        Run on this cluster; ``None``: one after another in this process.
    progress : bool
        A progress bar counting finished tasks.
    desc : str
        The progress bar's label.

    Returns
    -------
    list of Outcome
        In the order of ``tasks``, whether they succeeded or not.
    """
    from tqdm.auto import tqdm

    names = list(tasks)
    outcomes = {name: Outcome(name) for name in names}
    bar = tqdm(total=len(names), desc=desc, unit="run", disable=not progress)
    if client is None:
        for name in names:
            try:
                outcomes[name].result = fn(**tasks[name])
            except Exception as exc:  # noqa: BLE001 - reported with the others, the remaining tasks still run
                outcomes[name].error = _error_text(exc)
            bar.update()
            bar.set_postfix_str(name)
        bar.close()
        return [outcomes[n] for n in names]

    from distributed import as_completed

    pending, futures, running = list(names), {}, as_completed()

    def fill() -> None:  # as many tasks in flight as the cluster has threads: no worker holds a queue
        capacity = max(1, sum(client.nthreads().values()))
        while pending and running.count() < capacity:
            name = pending.pop(0)
            future = client.submit(fn, key=f"genomenb-{name}-{os.getpid()}-{id(tasks)}", pure=False, retries=0,
                                   **tasks[name])
            futures[future] = name
            running.add(future)

    fill()
    for future in running:
        name = futures[future]
        if future.status == "finished":
            outcomes[name].result = future.result()
        else:
            outcomes[name].error = _error_text(future.exception())
        bar.update()
        bar.set_postfix_str(name)
        fill()
    bar.close()
    deaths = client.run_on_scheduler(_suspicious([f.key for f in futures]))
    for future, name in futures.items():
        outcomes[name].retried = int(deaths.get(future.key, 0))
    return [outcomes[n] for n in names]


def failure_report(outcomes: list[Outcome], what: str) -> str:
    """One paragraph naming every failed task and its error (empty when none failed)."""
    failed = [o for o in outcomes if not o.ok]
    if not failed:
        return ""
    lines = [f"{len(failed)} of {len(outcomes)} {what} failed:"]
    lines += [f"  {o.name}: {o.error}" for o in failed]
    return "\n".join(lines)
