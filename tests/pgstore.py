"""The suite's PostgreSQL run: with NEWSFEED_TEST_STORE_URL set (.ci/run sets it), every
store a test opens (in the test or in a newsfeed process it starts) is a fresh PostgreSQL
database of its own, created from a template database that holds the migrated schema, and
dropped when the test ends (newsfeed.store.postgres.location_for)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import pytest

URL = os.environ.get("NEWSFEED_TEST_STORE_URL", "")
ON_POSTGRES = bool(URL)

sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="about the SQLite file itself (copied and restored, damaged, on a full disk, read-only)")


def _admin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))


def _template() -> str:
    return urlsplit(URL).path.lstrip("/") or "newsfeed_test"


def _test_databases(conn) -> set[str]:
    prefix = _template() + "_"
    return {r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (prefix,))}


def _drop(conn, names) -> None:
    for name in sorted(names):
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", autouse=True)
def _pg_template():
    """The template: a database with every migration applied, made once per session (first,
    before any module's fixtures open stores)."""
    if not ON_POSTGRES:
        yield
        return
    import psycopg

    from newsfeed.store import postgres
    from newsfeed.store.store import Store

    with psycopg.connect(_admin(URL), autocommit=True) as conn:
        _drop(conn, _test_databases(conn))
        conn.execute(f'DROP DATABASE IF EXISTS "{_template()}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{_template()}" TEMPLATE template0 ENCODING \'UTF8\' LC_COLLATE \'C\' LC_CTYPE \'C\'')
    template = postgres.StorePath("/template.sqlite3").with_location(postgres.Location(URL))
    Store(template).close()
    postgres.close_pools()
    yield
    postgres.close_pools()
    with psycopg.connect(_admin(URL), autocommit=True) as conn:
        _drop(conn, _test_databases(conn))


@pytest.fixture(autouse=True)
def _pg_store_per_test():
    """Drop the databases this test made (those of module fixtures stay to the end)."""
    if not ON_POSTGRES:
        yield
        return
    import psycopg

    from newsfeed.store import postgres

    with psycopg.connect(_admin(URL), autocommit=True) as conn:
        before = _test_databases(conn)
    yield
    postgres.close_pools()
    with psycopg.connect(_admin(URL), autocommit=True) as conn:
        made = _test_databases(conn) - before
        _drop(conn, made)


def forget_store(path) -> None:
    """Start a test's store afresh: delete the SQLite file. On PostgreSQL the path holds a
    marker naming its database, and a store opened where the marker is gone is a new,
    empty database (newsfeed.store.postgres._test_database)."""
    from pathlib import Path

    Path(path).unlink()


def store_copied(path) -> None:
    """The store file was copied to `path` just now (a snapshot to put back later). On
    PostgreSQL the copy's database is cloned now, as the file was copied now: the copied
    marker alone clones it when first opened, from the source as it is by then."""
    if ON_POSTGRES:
        from pathlib import Path

        from newsfeed.store import postgres

        postgres.location_for(Path(path))


def close_connections() -> None:
    """Give back this process's pooled connections to the test's databases: putting a copied
    store back drops and clones the database they are connected to."""
    if ON_POSTGRES:
        from newsfeed.store import postgres

        postgres.close_pools()
