"""CPU-bound work over many items, spread over the CPU cores in forked worker processes.

Workers are forked, so they see the parent's data without pickling it; they must not use
anything the parent holds open (the store's SQLite connection above all) and only compute.
Forking is skipped, and the work done here, where the platform cannot fork or other threads
run (a forked copy of a multi-threaded process can deadlock).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

MAX_WORKERS = 4
_WORK: tuple[Callable[[Any], Any], Sequence[Any]] | None = None  # read by forked workers; one fork_map at a time


def workers() -> int:
    """How many worker processes to fork now; 1 means do the work in this process."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(cpus or 1, MAX_WORKERS)


def fork_map(function: Callable[[Any], Any], items: Sequence[Any], min_items: int = 1000) -> list[Any]:
    """[function(item) for item in items], in order. Lists of at least `min_items` are split
    over forked workers (results come back pickled); shorter ones run here. An exception in
    `function` propagates, and the work not yet started is dropped."""
    return fork_start(function, items, min_items).result()


class Started:
    """fork_map's work under way in forked workers (or done here): result() waits for it."""

    def __init__(self, pool: Any = None, futures: Sequence[Any] = (), done: list[Any] | None = None):
        self._pool, self._futures, self._done = pool, futures, done

    def result(self) -> list[Any]:
        global _WORK
        if self._done is not None:
            return self._done
        try:
            parts = [future.result() for future in self._futures]
        except BaseException:
            self._pool.shutdown(cancel_futures=True)
            raise
        finally:
            self._pool.shutdown()
            _WORK = None
        self._done = [result for part in parts for result in part]
        return self._done

    def cancel(self) -> None:
        """Give the work up (its caller failed): the workers stop, and another can start."""
        global _WORK
        if self._done is None:
            self._done = []
            self._pool.shutdown(wait=False, cancel_futures=True)
            _WORK = None


def fork_start(function: Callable[[Any], Any], items: Sequence[Any], min_items: int = 1000) -> Started:
    """fork_map, returning as soon as the workers have forked: this process can do other work
    (such as writing the previous results to the store: the workers never touch it) until
    result(). One at a time: a second call before result() runs its work here."""
    global _WORK
    count = workers()
    if count < 2 or len(items) < min_items or _WORK is not None:
        return Started(done=[function(item) for item in items])
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = -(-len(items) // count)
    _WORK = (function, items)
    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"))
    try:
        futures = [pool.submit(_run, start, size) for start in range(0, len(items), size)]
    except BaseException:
        pool.shutdown(cancel_futures=True)
        _WORK = None
        raise
    return Started(pool, futures)


def _run(start: int, size: int) -> list[Any]:
    assert _WORK is not None
    function, items = _WORK
    return [function(item) for item in items[start : start + size]]


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of `size` consecutive items (the last may be shorter); itertools.batched is 3.12+."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
