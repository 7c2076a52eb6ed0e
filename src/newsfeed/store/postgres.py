"""The PostgreSQL backend: a thin connection that speaks the store's SQLite dialect.

The store's SQL is written once, for SQLite. A statement is translated the first time it
is seen (then cached): `?` and `:name` placeholders become `$n`, `INSERT OR IGNORE` becomes
`ON CONFLICT DO NOTHING`, `INSERT OR REPLACE` an upsert on the table's primary key, and
the few SQLite functions used (`instr`, `json_each`) their PostgreSQL equivalents. The
migrations' DDL is translated the same way (`BLOB` -> `bytea`, `INTEGER` -> `bigint`,
every text column `COLLATE "C"` so that text sorts by code point as in SQLite and the
outputs are byte for byte the same, triggers as PL/pgSQL functions, `WITHOUT ROWID`
dropped), so there is one list of migrations for both engines.

Connections come from a psycopg_pool pool per database URL: a WSGI process or a worker
opening a store per request reuses them. psycopg (extra `newsfeed[postgres]`) is imported
only when a store URL is configured.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from newsfeed.errors import StoreError

TEST_URL_ENV = "NEWSFEED_TEST_STORE_URL"
SCHEMES = ("postgresql", "postgres")
# Every writing transaction holds this transaction-level advisory lock, so writers take
# turns exactly as SQLite's BEGIN IMMEDIATE makes them (read-then-write code stays
# correct); the delivery claims of several send workers run beside it (concurrent=True).
WRITE_LOCK = 0x6E657773  # 'news'


@dataclass(frozen=True, slots=True)
class Location:
    url: str  # without a password
    password_env: str = ""  # the variable holding the password ('' = libpq's own: .pgpass, PGPASSWORD)

    def shown(self) -> str:
        return safe_url(self.url)

    def conninfo(self) -> str:
        if not self.password_env:
            return self.url
        password = os.environ.get(self.password_env)
        if password is None:
            raise StoreError(f"{self.shown()}: store.password_env names {self.password_env}, which is not set; export it with the database password")
        from psycopg.conninfo import make_conninfo

        return make_conninfo(self.url, password=password)


def safe_url(url: str) -> str:
    """The URL without any password in it (for messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class StorePath(type(Path())):
    """settings.store_path when [store] url names a PostgreSQL database: still the path that
    lock files and messages are named after, carrying where the store really is."""

    location: Location

    def with_location(self, location: Location) -> StorePath:
        self.location = location
        return self


def location_for(path: Path) -> Location | None:
    """Where the store of `path` is: a PostgreSQL database, or None for the SQLite file.

    With NEWSFEED_TEST_STORE_URL set (the test suite's PostgreSQL run), every SQLite store
    path becomes a database of its own on that server (see _test_database)."""
    found = getattr(path, "location", None)
    if found is not None:
        return found
    template = os.environ.get(TEST_URL_ENV)
    if not template:
        return None
    return _test_database(template, Path(path))


def test_database_name(template_url: str, path: Path) -> str:
    base = urlsplit(template_url).path.lstrip("/") or "newsfeed_test"
    digest = hashlib.sha256(str(Path(path).absolute()).encode()).hexdigest()[:16]
    return f"{base}_{digest}"


def _test_database(template_url: str, path: Path) -> Location:
    """The test run's database for a store path, behaving as the SQLite file would.

    The path holds a small marker file naming the database. No file: a new store (a test
    deleted the old one to start afresh), so any database of that name is dropped and made
    again from the template. A file naming another database: a copy of another store's file,
    so the database is cloned from that one. Made under an advisory lock, so processes of one
    test opening a new store at once make it once."""
    name = test_database_name(template_url, path)
    parts = urlsplit(template_url)
    url = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
    recorded = _marker(path)
    if recorded == name:
        return Location(url)
    import psycopg

    template = parts.path.lstrip("/") or "newsfeed_test"
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (name,))
        recorded = _marker(path)
        if recorded != name:
            source = recorded if recorded and conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (recorded,)).fetchone() else template
            close_pools()  # a database is cloned or dropped only while nobody is connected to it
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or recorded is not None:  # never over a real store file
                path.write_text(name + "\n", encoding="utf-8")
        conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (name,))
    return Location(url)


def _marker(path: Path) -> str | None:
    try:
        with open(path, "rb") as handle:
            head = handle.read(200)
    except OSError:
        return None
    text = head.decode("ascii", "replace").strip()
    return text if re.fullmatch(r"\w+_[0-9a-f]{16}", text) else None


# translation ------------------------------------------------------------------

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|--[^\n]*|\?|:[A-Za-z_]\w*|[^'\"?:-]+|.", re.S)


@dataclass(frozen=True, slots=True)
class Translated:
    sql: str
    names: tuple[str, ...]  # named parameters in order of their $n ('' for a `?`)


def translate(sql: str, primary_keys) -> Translated:
    """One statement of the store's SQLite dialect as PostgreSQL (placeholders as $n)."""
    sql = _functions(sql)
    upsert = re.match(r"\s*INSERT\s+OR\s+(IGNORE|REPLACE)\s+INTO\s+(\w+)\s*(\(([^)]*)\))?", sql, re.I)
    suffix = ""
    if upsert:
        kind, table, columns = upsert.group(1).upper(), upsert.group(2), upsert.group(4)
        sql = sql[: upsert.start()] + sql[upsert.start():].replace(upsert.group(0), f"INSERT INTO {table} {upsert.group(3) or ''}", 1)
        if kind == "IGNORE":
            suffix = " ON CONFLICT DO NOTHING"
        else:
            keys = primary_keys(table)
            names = [c.strip() for c in (columns or "").split(",") if c.strip()]
            rest = [c for c in names if c not in keys]
            action = "DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in rest) if rest else "DO NOTHING"
            suffix = f" ON CONFLICT ({', '.join(keys)}) {action}"
    out: list[str] = []
    names: list[str] = []
    positions: dict[str, int] = {}
    for token in _TOKENS.findall(sql):
        if token == "?":
            names.append("")
            out.append(f"${len(names)}")
        elif token.startswith(":") and len(token) > 1 and token[1] != ":" and not (out and out[-1].endswith(":")):
            name = token[1:]
            if name not in positions:
                names.append(name)
                positions[name] = len(names)
            out.append(f"${positions[name]}")
        else:
            out.append(token)
    text = "".join(out).rstrip().rstrip(";")
    if suffix:
        text = _before_returning(text, suffix)
    return Translated(text, tuple(names))


def _before_returning(sql: str, suffix: str) -> str:
    match = re.search(r"\sRETURNING\s", sql, re.I)
    return sql[: match.start()] + suffix + sql[match.start():] if match else sql + suffix


def _functions(sql: str) -> str:
    if re.fullmatch(r"\s*PRAGMA user_version\s*;?\s*", sql, re.I):
        return "SELECT version AS user_version FROM newsfeed_schema"
    sql = re.sub(r"\binstr\(", "strpos(", sql)
    return re.sub(r"\bjson_each\(([\w.]+)\)\s+(?:AS\s+)?(\w+)", r"json_array_elements_text(\1::json) AS \2(value)", sql)


def translate_ddl(sql: str) -> list[str]:
    """A migration's statements for PostgreSQL."""
    from newsfeed.store.store import _statements

    out: list[str] = []
    for statement in _statements(sql):
        body = "\n".join(line for line in statement.splitlines() if not line.strip().startswith("--")).strip()
        if not body:
            continue
        trigger = re.match(r"CREATE TRIGGER (\w+) (BEFORE|AFTER) (INSERT|UPDATE|DELETE) ON (\w+) BEGIN(.*)END;?\s*$", body, re.S | re.I)
        if trigger:
            out.extend(_trigger(*trigger.groups()))
            continue
        dropped = re.match(r"DROP TRIGGER (\w+);?\s*$", body, re.I)
        if dropped:  # PostgreSQL names the trigger's table, and its function goes too
            name = dropped.group(1)
            out += [f"DROP TRIGGER {name} ON {_trigger_table(name)}", f"DROP FUNCTION {name}_fn()"]
            continue
        body = re.sub(r"\)\s*WITHOUT ROWID", ")", body, flags=re.I)
        body = re.sub(r"\bINTEGER PRIMARY KEY AUTOINCREMENT\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", body)
        body = re.sub(r"\bINTEGER\b", "BIGINT", body)
        body = re.sub(r"\bBLOB\b", "BYTEA", body)
        body = re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', body)
        out.append(body.rstrip().rstrip(";"))
    return out


def _trigger_table(name: str) -> str:
    """The table of a trigger an earlier migration created."""
    from newsfeed.store.migrations import MIGRATIONS

    for _number, sql in MIGRATIONS:
        found = re.search(rf"CREATE TRIGGER {name} (?:BEFORE|AFTER) \w+ ON (\w+)", sql, re.I)
        if found:
            return found.group(1)
    raise ValueError(f"no migration creates trigger {name}")


def _trigger(name: str, when: str, event: str, table: str, body: str) -> list[str]:
    statements = [s.strip() for s in body.split(";") if s.strip()]
    translated = []
    for statement in statements:
        text = translate(statement, lambda table: ()).sql
        translated.append(text + ";")
    result = "NULL" if when.upper() == "AFTER" else ("OLD" if event.upper() == "DELETE" else "NEW")
    function = (
        f"CREATE FUNCTION {name}_fn() RETURNS trigger LANGUAGE plpgsql AS $body$\nBEGIN\n"
        + "\n".join(translated) + f"\nRETURN {result};\nEND\n$body$"
    )
    return [function, f"CREATE TRIGGER {name} {when} {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}_fn()"]


# rows and connections ---------------------------------------------------------------


class Row(tuple):
    """A result row as sqlite3.Row: by position, by column name, keys(), dict(row)."""

    __slots__ = ()
    _index: dict[str, int] = {}

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


_row_classes: dict[tuple[str, ...], type] = {}


def _row_factory(cursor):
    description = cursor.description
    if description is None:
        return tuple
    names = tuple(d.name for d in description)
    cls = _row_classes.get(names)
    if cls is None:
        cls = _row_classes[names] = type("Row", (Row,), {"__slots__": (), "_index": {n: i for i, n in enumerate(names)}})
    return cls


class Cursor:
    """What the store's code uses of a sqlite3 cursor."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor):
        self._cursor = cursor

    def fetchone(self):
        return self._cursor.fetchone() if self._cursor.description is not None else None

    def fetchall(self):
        return self._cursor.fetchall() if self._cursor.description is not None else []

    def fetchmany(self, size: int):
        return self._cursor.fetchmany(size) if self._cursor.description is not None else []

    def __iter__(self):
        return iter(self.fetchall())

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


class Connection:
    """A pooled psycopg connection that runs the store's SQLite-dialect statements."""

    def __init__(self, pool, location: Location):
        import psycopg

        self._psycopg = psycopg
        self.pool = pool
        self.location = location
        self.raw = pool.getconn()
        self.raw.autocommit = True
        self.raw.row_factory = _row_factory
        self._cache: dict[str, Translated] = {}
        self._keys: dict[str, tuple[str, ...]] = {}

    def close(self) -> None:
        raw, self.raw = getattr(self, "raw", None), None
        if raw is not None:
            self.pool.putconn(raw)  # rolled back by the pool if a transaction was left open

    def __del__(self) -> None:  # a store never closed gives its connection back, as sqlite3 does
        try:
            self.close()
        except Exception:  # noqa: BLE001 - at interpreter exit the pool may be gone
            pass

    @property
    def in_transaction(self) -> bool:
        return self.raw is not None and self.raw.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE

    def _translated(self, sql: str) -> Translated:
        found = self._cache.get(sql)
        if found is None:
            found = self._cache[sql] = translate(sql, self.primary_key)
        return found

    def primary_key(self, table: str) -> tuple[str, ...]:
        if table not in self._keys:
            rows = self.raw.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                "WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
                (table,),
            ).fetchall()
            self._keys[table] = tuple(r[0] for r in rows)
        return self._keys[table]

    def _params(self, translated: Translated, params) -> Sequence:
        if isinstance(params, dict):
            return [params[name] for name in translated.names]
        return params

    def execute(self, sql: str, params: Sequence | dict = ()) -> Cursor:
        translated = self._translated(sql)
        cursor = self._cursor()
        try:
            cursor.execute(translated.sql, self._params(translated, params) or None)
        except self._psycopg.Error as exc:
            raise_store_error(self.location, exc, "query failed")
        return Cursor(cursor)

    def executemany(self, sql: str, seq: Iterable) -> Cursor:
        translated = self._translated(sql)
        cursor = self._cursor()
        try:
            cursor.executemany(translated.sql, [self._params(translated, p) for p in seq])
        except self._psycopg.Error as exc:
            raise_store_error(self.location, exc, "query failed")
        return Cursor(cursor)

    def execute_native(self, sql: str, params: Sequence | None = None):
        """A statement already in PostgreSQL's dialect ($n placeholders)."""
        cursor = self._cursor()
        try:
            cursor.execute(sql, params)
        except self._psycopg.Error as exc:
            raise_store_error(self.location, exc, "query failed")
        return Cursor(cursor)

    def _cursor(self):
        return self._psycopg.RawCursor(self.raw, row_factory=_row_factory)


def raise_store_error(location: Location, exc: BaseException, doing: str):
    raise StoreError(explain(location, exc, doing)) from None


def explain(location: Location, exc: BaseException, doing: str) -> str:
    """One line for a failed PostgreSQL store operation: the database, the error, the fix."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    low = message.lower()
    if "password authentication failed" in low or "no password supplied" in low:
        fix = "check the user in [store] url and the password in the variable store.password_env names"
    elif "does not exist" in low and "database" in low:
        fix = "create the database (createdb) or fix the name in [store] url"
    elif "connection refused" in low or "could not connect" in low or "timeout" in low or "could not translate host" in low:
        fix = "check that PostgreSQL is running and the host and port in [store] url"
    elif "permission denied" in low:
        fix = "grant the store's user the rights on its database (it creates and changes the tables)"
    elif "no space" in low or "disk full" in low:
        fix = "the database server's disk is full; free some space and run again (nothing stored was lost)"
    else:
        fix = "check [store] url and the database server's log"
    return f"{location.shown()}: {doing} ({message}); {fix}"


_pools: dict[str, object] = {}
_pools_lock = threading.Lock()


def connect(location: Location) -> Connection:
    try:
        import psycopg
        from psycopg_pool import ConnectionPool
    except ImportError:
        raise StoreError(f"{location.shown()}: a PostgreSQL store needs psycopg and psycopg-pool; pip install 'newsfeed[postgres]'") from None
    conninfo = location.conninfo()
    with _pools_lock:
        pool = _pools.get(conninfo)
        if pool is None:
            # One direct connection first: a wrong host, user or database fails at once with
            # the server's reason (a pool would only time out).
            try:
                first = psycopg.connect(conninfo, connect_timeout=10, application_name="newsfeed")
            except psycopg.Error as exc:
                raise StoreError(explain(location, exc, "cannot open the store")) from None
            size = int(os.environ.get("NEWSFEED_STORE_POOL", "20"))
            pool = ConnectionPool(conninfo, min_size=0, max_size=max(1, size), open=True, timeout=60,
                                  max_idle=60, kwargs={"application_name": "newsfeed"})
            first.close()
            _pools[conninfo] = pool
    try:
        return Connection(pool, location)
    except Exception as exc:  # noqa: BLE001 - PoolTimeout and OperationalError carry the reason
        raise StoreError(explain(location, exc, "cannot open the store")) from None


def close_pools() -> None:
    """Close every pooled connection (tests dropping their databases; end of a process)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


# locks held across machines --------------------------------------------------------

SITE_LOCK = 0x73697465  # 'site': gather, publish, digest take turns (newsfeed.locking)
INVITE_LOCK = 0x696E7669  # 'invi': one `subscribers invite` at a time


@contextmanager
def session_lock(location: Location, key: int, on_busy: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold a session-level advisory lock on the store's database for the block.

    It lives on a connection of its own: the server releases it when that connection ends,
    however the holder ends (exit, SIGKILL, a machine lost: when its TCP connection goes).
    If another holds it, call on_busy(message) once and wait; with on_busy None, raise
    StoreError at once instead."""
    import psycopg

    try:
        conn = psycopg.connect(location.conninfo(), autocommit=True, connect_timeout=10, application_name="newsfeed lock")
    except psycopg.Error as exc:
        raise StoreError(explain(location, exc, "cannot take the site lock")) from None
    try:
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
            holder = conn.execute(
                "SELECT coalesce(host(a.client_addr), 'local') || ', server pid ' || l.pid FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.objid = %s AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1",
                (key & 0xFFFFFFFF,),
            ).fetchone()
            where = holder[0] if holder else "?"
            message = f"another newsfeed run ({where}) is working on this site; waiting for it to finish"
            if on_busy is None:
                raise StoreError(message.replace("; waiting for it to finish", ""))
            on_busy(message)
            conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        yield
    except psycopg.Error as exc:
        raise StoreError(explain(location, exc, "lost the site lock")) from None
    finally:
        conn.close()
