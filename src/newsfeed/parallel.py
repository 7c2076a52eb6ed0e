"""CPU-bound work over many items, spread over the CPU cores in forked worker processes."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

MAX_WORKERS = 4
_WORK: tuple[Callable[[Any], Any], Sequence[Any]] | None = None  # read by forked workers: nothing is pickled


def fork_map(function: Callable[[Any], Any], items: Sequence[Any], min_items: int = 1000) -> list[Any]:
    """[function(item) for item in items], in order. Lists of at least `min_items` are split
    over the cores where the platform can fork (results come back pickled); shorter ones,
    or a single core, run here. An exception in `function` propagates."""
    global _WORK
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if workers < 2 or len(items) < min_items or "fork" not in multiprocessing.get_all_start_methods():
        return [function(item) for item in items]
    size = -(-len(items) // workers)
    _WORK = (function, items)
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            parts = list(pool.map(_run, range(0, len(items), size), [size] * workers))
    finally:
        _WORK = None
    return [result for part in parts for result in part]


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
