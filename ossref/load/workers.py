"""How loading spends CPU: worker processes, task sizes and GC pausing.

Parsing is CPU-bound Python, so a cold run on a large wiki spreads the files
that missed the store over two worker processes. Measured on the 2-CPU
development machine with the second CPU free, a 10,000-entry cold check
(benchmarks/generate.py) went from ~11 s to ~8.5 s of wall time for ~15%
more CPU time; below :data:`PARALLEL_MIN_BYTES` the start-up cost outweighs
the gain. This module knows nothing of pages or BibTeX: :mod:`ossref.load.loader`
says what a task is.
"""

from __future__ import annotations

import gc
import os
import pickle
import threading
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")

#: Parse in worker processes only when the files to parse hold this many bytes.
PARALLEL_MIN_BYTES = 6_000_000
#: Bytes of files per task sent to a worker.
CHUNK_BYTES = 2_000_000
#: Environment variable: how many worker processes (1: parse everything in-process).
JOBS_ENV = "OSSREF_JOBS"
#: What a failing pool raises when the platform cannot run workers; the
#: caller then does the work in-process.
POOL_ERRORS = (OSError, ImportError, BrokenProcessPool, pickle.PicklingError)


def jobs() -> int:
    """Worker processes to parse with: ``OSSREF_JOBS`` if set; else 2 when
    this process may use two CPUs and the second one is idle. Workers cost
    ~15% more CPU in all (results cross a pipe), so on a machine already
    busy with other work they only slow the run down."""
    raw = os.environ.get(JOBS_ENV, "").strip()
    if raw:
        try:
            return max(1, int(raw))
        except ValueError:
            return 1
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        available = os.cpu_count() or 1
    count = min(2, available)
    if count > 1:
        try:
            busy = os.getloadavg()[0]  # counts this process too
        except (AttributeError, OSError):
            busy = 0.0
        if busy > available - 0.5:
            count = 1
    return count


def worth_workers(todo_bytes: int, tasks: int) -> int:
    """How many workers to use for ``tasks`` files of ``todo_bytes`` bytes
    in all: :func:`jobs`, or 1 when there is too little work to share."""
    count = jobs()
    if count > 1 and todo_bytes >= PARALLEL_MIN_BYTES and tasks > 1:
        return count
    return 1


def executor(count: int):
    """A process pool of ``count`` workers."""
    import concurrent.futures
    import multiprocessing

    # fork is cheap and shares the loaded modules, but is unsafe in a
    # process running other threads (ossref serve): then spawn.
    methods = multiprocessing.get_all_start_methods()
    method = "fork" if "fork" in methods and threading.active_count() == 1 else "spawn"
    return concurrent.futures.ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context(method))


def as_completed(futures: Iterable[Future[T]]) -> Iterator[Future[T]]:
    """``futures`` as each completes (what the loader takes results by, so
    that it merges them while the workers go on)."""
    import concurrent.futures

    return concurrent.futures.as_completed(futures)


def chunks(items: list[T], size_of: Callable[[T], int]) -> list[list[T]]:
    """``items`` in order, cut into tasks for a worker of about
    :data:`CHUNK_BYTES` each."""
    out: list[list[T]] = []
    size = 0
    for item in items:
        if not out or size >= CHUNK_BYTES:
            out.append([])
            size = 0
        out[-1].append(item)
        size += size_of(item)
    return out


def in_worker() -> None:
    """Called first by every worker task: a worker makes no reference cycles
    worth collecting."""
    gc.disable()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Loading makes millions of objects and no reference cycles: pause the
    cyclic GC (30% of a cold load on a large wiki), then move what was made
    into the oldest generation, so the next young collections do not scan it
    all over again. Nothing is frozen for good: it stays collectable."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()
