"""The files newsfeed wrote under feeds/, as it wrote them (table published_files)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from newsfeed.store.store import Store
from newsfeed.types import FileStamp


def published(store: Store, kind: str | None = None) -> dict[str, FileStamp]:
    """path -> stamp of the files written by publish ('feed') or digest ('edition')."""
    sql, params = "SELECT path, sha256, size, mtime_ns FROM published_files", ()
    if kind is not None:
        sql, params = sql + " WHERE kind = ?", (kind,)
    found = {path: FileStamp(sha, size, mtime) for path, sha, size, mtime in store.query(sql + " ORDER BY path", params)}
    if kind == "feed" and not found:  # a store from before this table: its list, without stamps
        found = {path: FileStamp("", -1, -1) for path in json.loads(store.meta("published", "{}")).get("files", ())}
    return found


def untouched(store: Store, kind: str, target) -> list[str]:
    """The paths of the files published as `kind` if every one is still as written, else []:
    the check of an unchanged build, without a FileStamp a file."""
    rows = store.query("SELECT path, sha256, size, mtime_ns FROM published_files WHERE kind = ? ORDER BY path", (kind,))
    return [row[0] for row in rows] if rows and target.untouched(rows) else []


def begin_writing(store: Store) -> None:
    """Note that files are being written under feeds/ (publish, digest): a run killed before
    end_writing may leave temporaries, which the next publish then sweeps."""
    with store.transaction() as conn:
        store.set_meta(conn, "writing_open", "1")


def end_writing(store: Store, conn: sqlite3.Connection) -> None:
    store.set_meta(conn, "writing_open", "0")


def writing_was_killed(store: Store) -> bool:
    return store.meta("writing_open") == "1"


def is_published(store: Store, path: str) -> bool:
    return bool(store.query("SELECT 1 FROM published_files WHERE path = ? AND sha256 != ''", (path,)))


def announce(store: Store, kind: str, paths: Iterable[str]) -> None:
    """Record files about to be written, so a publish killed halfway still knows them."""
    with store.transaction() as conn:
        conn.executemany(
            "INSERT OR IGNORE INTO published_files (path, kind, sha256, size, mtime_ns) VALUES (?, ?, '', -1, -1)",
            ((p, kind) for p in paths),
        )


def record(conn: sqlite3.Connection, kind: str, stamps: dict[str, FileStamp], removed: Iterable[str] = ()) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO published_files (path, kind, sha256, size, mtime_ns) VALUES (?, ?, ?, ?, ?)",
        ((p, kind, s.sha256, s.size, s.mtime_ns) for p, s in sorted(stamps.items())),
    )
    conn.executemany("DELETE FROM published_files WHERE path = ?", ((p,) for p in removed))
    conn.execute("DELETE FROM meta WHERE name = 'published'")
    # a counter the file server reads to know the list changed (on PostgreSQL there is no file to watch)
    row = conn.execute("SELECT value FROM meta WHERE name = 'published_files_version'").fetchone()
    version = int(row[0]) + 1 if row and str(row[0]).isdigit() else 1
    conn.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('published_files_version', ?)", (str(version),))


def version(store: Store) -> str:
    """Changes whenever the list of published files does."""
    return store.meta("published_files_version")
