"""The runner: tasks mapped over Dask workers, results handed back one by one to a single writer.

Local worker processes by default (``distributed.LocalCluster``, one thread each: the engine is
numpy-bound and a process per core uses every core); an existing cluster with ``--scheduler``. Where
one local worker is all there is to use (``--workers 1``, one core, or a single task), the tasks run in
this process, one after the other (``InProcess``): a cluster would cost its start-up and a worker's
imports (about five seconds a command, measured) to run them no faster.
Results come back in completion order; every task carries its own seed, fixed before submission,
so what is stored does not depend on how many workers there are or which ran what.
"""
from __future__ import annotations

import gc
import logging
import os
import re
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from jrsim.core.errors import ScenarioError

if TYPE_CHECKING:
    from distributed import Client

CONNECT_SECONDS = 10  # how long to wait for a scheduler given with --scheduler
PRELOAD = ["jrsim.experiments.batch"]  # imported by each local worker as it starts, not inside its first task
# Measured (make bench, a pair at scale 0.05): a run took 40% longer in a Dask worker than in this
# process. Dask sets MALLOC_TRIM_THRESHOLD_ in its workers, which stops glibc adapting its mmap threshold,
# so every large temporary array is mapped and unmapped afresh: unset it. Its statistical profiler samples
# the running thread every 10 ms and its memory monitor runs every 100 ms: off, and once a second (the
# runs' results are small and never spilled). With these, a worker runs a pair within 1% of this process.
WORKER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.worker.memory.spill": False,
    "distributed.worker.memory.target": False,
}


# A scheduler's address: tcp:// or tls:// (or none), a host name or IPv4 address or [IPv6], and a port.
# A scheduler file (dask's --scheduler-file) is not accepted: name the address it holds.
ADDRESS = re.compile(r"^(?:(?:tcp|tls)://)?(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])"
                     r":(?P<port>[0-9]{1,5})$")
MAX_PORT = 65535
# The scheduler serves its health routes over HTTP even with no dashboard, on port 8787 by default: where
# that port is taken (another cluster on the machine), a warning of three lines; any free port instead.
NO_DASHBOARD = {"dashboard": False, "dashboard_address": ":0"}


# The local workers a command starts where --workers is not given: one a core, or this variable's value (a
# machine shared with other work, a CI runner, a test session that runs commands side by side).
WORKERS_VARIABLE = "JRSIM_WORKERS"


def workers_from_environment() -> int | None:
    """JRSIM_WORKERS, if set: a whole number of workers, 1 or more (anything else is refused in one line)."""
    text = os.environ.get(WORKERS_VARIABLE, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ScenarioError(f"{WORKERS_VARIABLE}={text!r}: expected a whole number of workers, 1 or more")
    return int(text)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def check_scheduler(address: str | None, option: str = "--scheduler") -> None:
    """Refuse at once a scheduler that is not an address (tcp://host:port, tls://host:port or host:port)."""
    if address is None:
        return
    match = ADDRESS.match(address)
    if match is None or not 0 < int(match["port"]) <= MAX_PORT:
        raise ScenarioError(f"{option}: {address!r} is not a scheduler address: expected tcp://host:port, "
                            f"tls://host:port or host:port (a port from 1 to {MAX_PORT})")


def worker_count(requested: int | None, tasks: int | None = None) -> tuple[int, str | None]:
    """Local workers to start: ``requested`` (default: JRSIM_WORKERS, else one a core) capped at the cores
    this process may use (more processes than cores only share them, each with its own memory) and at the
    number of tasks (a worker with nothing to do costs its start-up). Returns the count and a note when capped."""
    cores = default_workers()
    n, note = requested or workers_from_environment() or cores, None
    if n > cores:
        asked = f"--workers {requested}" if requested else f"{WORKERS_VARIABLE}={n}"
        n, note = cores, f"{asked}: this machine gives the command {cores} core(s); using {cores} worker(s)"
    return max(1, min(n, tasks)) if tasks else n, note


class InProcess:
    """The runner's one-worker stand-in for a Dask client: ``map_tasks`` runs each task here, in turn."""

    def run(self, fn: Callable[[], Any]) -> dict[str, Any]:
        """``fn`` on each worker (this process), as ``distributed.Client.run`` gives it: by worker."""
        return {"in-process": fn()}


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None,
                tasks: int | None = None) -> Iterator[Client | InProcess]:
    """A Dask client: on ``scheduler`` if given, else on a local cluster of ``workers`` processes (at
    most one a core and one a task, ``tasks``), or this process where that is one."""
    if scheduler is None and worker_count(workers, tasks)[0] == 1:
        yield InProcess()
        return
    # Dask is imported only when a cluster is wanted: a command that runs no batch (jrsim run) starts
    # without it, in half the time.
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        check_scheduler(scheduler)
        try:
            client = Client(scheduler, timeout=f"{CONNECT_SECONDS}s")
        except (OSError, TimeoutError) as exc:
            raise ScenarioError(f"--scheduler {scheduler}: cannot reach a Dask scheduler there "
                                f"({type(exc).__name__})") from None
        try:
            yield client
        finally:
            client.close()
        return
    with dask.config.set(WORKER_CONFIG):
        cluster = LocalCluster(n_workers=worker_count(workers, tasks)[0], threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.CRITICAL, preload=PRELOAD,
                               scheduler_kwargs=NO_DASHBOARD)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def error_line(trace: str) -> str:
    """The error a traceback ends with, on one line: ``ValueError: the message`` (the type without its
    module; a message of several lines joined)."""
    lines = trace.rstrip("\n").splitlines()
    last_frame = max((i for i, line in enumerate(lines) if line.startswith(" ")), default=-1)
    text = " ".join(line.strip() for line in lines[last_frame + 1:]) or "an error with no message"
    kind, colon, message = text.partition(":")
    return f"{kind.rsplit('.', 1)[-1]}{colon}{message}" if " " not in kind else text


# A full collection costs about 0.1 s in a large process (a test session, measured): after each of many
# tiny tasks (a sensitivity analysis of a known function) it would cost more than they do. One second of
# tasks since the last collection is at least ten times its cost; a real run takes longer than that.
COLLECT_AFTER_SECONDS = 1.0
# When this process last collected (time.monotonic; None: it has not yet frozen what it holds). A flag of
# its own: gc.get_freeze_count counts the frozen objects one by one (25 ms a call in a test session).
_last_collection: list[float | None] = [None]


def _run_then_collect(fn: Callable[[Any], Any], task: Any) -> Any:
    """On a worker: one task, then the cycle collector. A run's simulation is a web of objects that refer
    to each other (its modules to it and back), so only the collector frees its arrays, and in a worker it
    ran too seldom. Measured with one worker, five pairs at scale 0.1: the worker peaked at 669 MB without
    this (dead simulations held) and 318 MB with it (a pair alone in one process: 302 MB); in make bench,
    six pairs at scale 0.25 peaked at 1,582 MB without it. It collects once COLLECT_AFTER_SECONDS of tasks
    have passed since the last collection (after every real run).
    Before its first task a worker freezes what it holds (its imports, Dask's own state: long-lived, never
    garbage), so each collection looks only at what tasks made since: a collection then costs what the
    task left, not a pass over the whole heap each time."""
    if _last_collection[0] is None:
        gc.collect()
        gc.freeze()
        _last_collection[0] = time.monotonic()
    try:
        return fn(task)
    finally:
        if time.monotonic() - _last_collection[0] >= COLLECT_AFTER_SECONDS:
            gc.collect()
            _last_collection[0] = time.monotonic()


def _in_process(fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[Any, Any, str | None]]:
    """Each task run here, in turn: (task, result, None), or (task, None, its traceback) if it raised."""
    for task in tasks:
        try:
            yield task, _run_then_collect(fn, task), None
        except Exception:  # a run's error is reported with its task, as a worker's is
            yield task, None, traceback.format_exc()


def _on_workers(client: Client, fn: Callable[[Any], Any], tasks: Sequence[Any],
                submitted: dict) -> Iterator[tuple[Any, Any, str | None]]:
    """Every task submitted to the cluster; each (task, result, traceback or None) as it finishes."""
    from distributed import as_completed  # with the client's own Dask (see dask_client)

    submitted.update({client.submit(_run_then_collect, fn, task, pure=False): task for task in tasks})
    for future in as_completed(list(submitted)):
        task = submitted.pop(future)
        if future.status == "error":
            exc, tb = future.exception(), future.traceback()
            yield task, None, "".join(traceback.format_exception(type(exc), exc, tb))
        else:
            yield task, future.result(), None


def map_tasks(client: Client | InProcess, fn: Callable[[Any], Any], tasks: Sequence[Any],
              on_result: Callable[[Any, Any], None], on_error: Callable[[Any, str], None],
              label: str = "runs", show: bool = True, stop_after: int | None = None) -> int:
    """Run ``fn`` on every task; hand each result (or each error, with its traceback) back as it
    finishes. ``stop_after`` stops after that many results (as an interruption would). Returns the
    number of results handed back."""
    submitted: dict = {}  # on a cluster: the futures not yet handed back, cancelled if this stops early
    finished = _in_process(fn, tasks) if isinstance(client, InProcess) else _on_workers(client, fn, tasks, submitted)
    handed = 0
    columns = (TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("left"), TimeRemainingColumn())
    try:
        with Progress(*columns, disable=not show, transient=False) as progress:
            bar = progress.add_task(label, total=len(tasks))
            for task, result, trace in finished:
                if trace is None:
                    on_result(task, result)
                else:
                    on_error(task, trace)
                handed += 1
                progress.advance(bar)
                if stop_after is not None and handed >= stop_after:
                    raise KeyboardInterrupt
    finally:
        if submitted:
            client.cancel(list(submitted))
    return handed
