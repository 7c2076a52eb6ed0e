"""`newsfeed store migrate`: copy a SQLite store into an empty PostgreSQL database.

Every table, row for row, in one transaction on the target (a failure leaves it empty);
subscriber ids keep their values and the id sequence continues after the highest one ever
handed out, so no id is reused. NUL characters, which PostgreSQL text cannot hold, are left
out (only names stored before they were cleaned can have them). The feeds still to render (dirty_feeds) are the source's,
not what the target's triggers noted while the rows went in.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from newsfeed.errors import StoreError
from newsfeed.store import postgres
from newsfeed.store.store import Store

# Parents before the tables whose foreign keys point at them.
_FIRST = ("meta", "articles", "withdrawn_articles", "subscribers")
_BATCH = 1000


@dataclass(frozen=True, slots=True)
class CopyReport:
    tables: dict[str, int]  # table -> rows copied

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def copy_to_postgres(source_path: Path, location: postgres.Location) -> CopyReport:
    """Copy the SQLite store at `source_path` into the (empty) database at `location`."""
    if not Path(source_path).is_file():
        raise StoreError(f"{source_path}: no such store file; point [store] path at the SQLite store to copy")
    with Store(source_path, backend="sqlite") as source:
        target_path = postgres.StorePath(source_path).with_location(location)
        with Store(target_path) as target:
            return _copy(source, target)


def _copy(source: Store, target: Store) -> CopyReport:
    tables = [r[0] for r in source.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    tables.sort(key=lambda name: (_FIRST.index(name) if name in _FIRST else len(_FIRST), name))
    where = target.where()
    for table in tables:
        if not target._has_table(table):
            raise StoreError(f"{where}: has no table {table}; the SQLite store is newer than this newsfeed, upgrade newsfeed")
        if target.query(f"SELECT 1 FROM {table} LIMIT 1"):
            raise StoreError(f"{where}: is not empty (table {table} has rows); migrate into a new, empty database")
    copied: dict[str, int] = {}
    with target.transaction() as conn:
        for table in tables:
            columns = [r[1] for r in source.query(f"PRAGMA table_info({table})")]
            names = ", ".join(columns)
            marks = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
            insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"
            count = 0
            batch: list[tuple] = []
            for row in source.rows(f"SELECT {names} FROM {table} ORDER BY rowid" if _has_rowid(source, table) else f"SELECT {names} FROM {table}"):
                batch.append(tuple(_storable(v) for v in row))
                if len(batch) >= _BATCH:
                    _insert(conn, insert, batch)
                    count += len(batch)
                    batch = []
            if batch:
                _insert(conn, insert, batch)
                count += len(batch)
            copied[table] = count
        conn.execute_native("DELETE FROM dirty_feeds")
        dirty = [tuple(r) for r in source.query("SELECT path FROM dirty_feeds")] if "dirty_feeds" in tables else []
        if dirty:
            _insert(conn, "INSERT INTO dirty_feeds (path) VALUES ($1)", dirty)
        if "subscribers" in tables:
            seq = _sqlite_sequence(source, "subscribers")
            highest = max(seq, source.query("SELECT coalesce(max(id), 0) FROM subscribers")[0][0])
            if highest:
                conn.execute_native("SELECT setval(pg_get_serial_sequence('subscribers', 'id'), $1)", (highest,))
    return CopyReport(copied)


def _storable(value):
    """PostgreSQL text cannot hold NUL: a name stored before names were cleaned may (the
    readers drop it anyway)."""
    return value.replace("\x00", "") if isinstance(value, str) and "\x00" in value else value


def _insert(conn, sql: str, rows: list[tuple]) -> None:
    cursor = conn._cursor()
    try:
        cursor.executemany(sql, rows)
    except conn._psycopg.Error as exc:
        postgres.raise_store_error(conn.location, exc, "copy failed, the database was left empty")


def _has_rowid(source: Store, table: str) -> bool:
    try:
        source.conn.execute(f"SELECT rowid FROM {table} LIMIT 0")
    except sqlite3.Error:
        return False
    return True


def _sqlite_sequence(source: Store, table: str) -> int:
    try:
        rows = source.conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchall()
    except sqlite3.Error:
        return 0
    return int(rows[0][0]) if rows else 0
