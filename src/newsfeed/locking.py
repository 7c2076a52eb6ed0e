"""One writer per site: gather, publish and digest runs on one store take turns.

The lock is an flock on a file beside the store, so it is released however its holder ends
(exit, Ctrl-C, SIGKILL): a killed run never leaves a stale lock behind. With a PostgreSQL
store (runs on several machines) it is an advisory lock on the database instead, which the
server releases when the holder's connection ends.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from newsfeed.errors import StoreError


def lock_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".lock")


@contextmanager
def site_lock(store_path: Path, on_wait: Callable[[str], None] = lambda message: None, backend: str = "") -> Iterator[None]:
    """Hold the site's write lock; if another run holds it, call on_wait once, then wait.
    backend="sqlite": the file lock whatever the store (store migrate reads the file)."""
    from newsfeed.store import postgres

    location = None if backend == "sqlite" else postgres.location_for(store_path)
    if location is not None:
        with postgres.session_lock(location, postgres.SITE_LOCK, on_wait):
            yield
        return
    path = lock_path(store_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the lock file ({exc.strerror}); make {path.parent} writable") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            on_wait(f"another newsfeed run (pid {holder}) is working on this site; waiting for it to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:  # the pid is only for the message above: a full disk must not stop the run here
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
        except OSError as exc:
            raise StoreError(f"{path}: cannot write the lock file ({exc.strerror}); free some space on the disk holding {path.parent}") from None
        try:
            yield
        finally:
            try:
                handle.seek(0)
                handle.truncate()
            except OSError:
                pass
            fcntl.flock(handle, fcntl.LOCK_UN)
