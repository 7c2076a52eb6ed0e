"""Many changed files of a local folder source, read and parsed ahead by forked worker
processes while the caller stores what they return (parsing is pure Python and most of a
first build's ingest time)."""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import signal
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from newsfeed import parallel
from newsfeed.errors import SourceError
from newsfeed.sources.common import FolderSource
from newsfeed.types import SourceItem

PARALLEL_PARSE_FROM = 2000  # fewer changed files than this are read one by one, here
_PARSE_CHUNK = 256  # files per task sent to a worker (measured: 256 beats 64 and 512 on 2 CPUs)
_PARSE_WINDOW = 1024  # files handed to the pool at a time
_PARSE_AHEAD = 3  # windows handed out beyond the one being stored


@contextmanager
def reader(source: object, todo: list[tuple[str, str]]) -> Iterator[Callable[[str, str], SourceItem]]:
    """A read(key, fingerprint) for the changed entries `todo`, to be called in their order.

    It is `source.read` itself, or, for many files of a local folder on a machine with more
    than one CPU where processes can fork, one that returns the results of a worker pool
    reading them ahead, in order: the same items, the same SourceErrors (re-raised here), the
    same order. The pool is shut down when the block ends, however it ends.
    """
    workers = parallel.workers()
    if len(todo) < PARALLEL_PARSE_FROM or workers < 2 or not isinstance(source, FolderSource):
        yield source.read  # type: ignore[attr-defined]
        return
    # fork: the workers inherit the source (and the settings it holds), nothing is pickled but
    # the (key, fingerprint) pairs going out and the results coming back.
    try:
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_start_parse_worker, initargs=(source,))
    except OSError:  # no processes to spare (a process limit): read them here, one by one
        yield source.read
        return
    try:
        results = _in_order(pool, todo)
        expected = iter(todo)

        def read(key: str, fingerprint: str) -> SourceItem:
            if next(expected, None) != (key, fingerprint):
                raise RuntimeError(f"parallel read out of step at {key!r}")  # a bug in _ingest, not in the input
            ok, value = next(results)
            if not ok:
                raise SourceError(value)
            return value

        yield read
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()


def _in_order(pool: multiprocessing.pool.Pool, todo: list[tuple[str, str]]) -> Iterator[tuple[bool, SourceItem | str]]:
    """The workers' results for `todo`, in its order. Work is handed out a window at a time, at
    most _PARSE_AHEAD windows ahead of the one being stored: when storing is the slower side,
    parsed pages do not pile up in memory (a 100,000-page first build)."""
    pending: deque[Iterator[tuple[bool, SourceItem | str]]] = deque()
    for start in range(0, len(todo), _PARSE_WINDOW):
        pending.append(pool.imap(_parse_in_worker, todo[start : start + _PARSE_WINDOW], chunksize=_PARSE_CHUNK))
        if len(pending) > _PARSE_AHEAD:
            yield from pending.popleft()
    while pending:
        yield from pending.popleft()


_worker_source: FolderSource | None = None


def _start_parse_worker(source: FolderSource) -> None:
    """In each worker: keep the inherited source; Ctrl-C is the parent's to handle (it stops the pool)."""
    global _worker_source
    _worker_source = source
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _parse_in_worker(entry: tuple[str, str]) -> tuple[bool, SourceItem | str]:
    """In a worker: (True, item) or (False, the SourceError's message)."""
    assert _worker_source is not None
    try:
        return True, _worker_source.read(*entry)
    except SourceError as exc:
        return False, str(exc)
