"""Queries for articles, in SQLite's dialect (translated for PostgreSQL by
newsfeed.store.postgres). sqlite3 errors become StoreError naming the file."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from newsfeed.errors import StoreError
from newsfeed.store import postgres
from newsfeed.store.migrations import MIGRATIONS
from newsfeed.times import from_stored, to_stored
from newsfeed.types import Article, ImageInfo, Link, SourceItem

_ARTICLE_COLUMN_NAMES = (
    "id", "source", "key", "section", "title", "content_html", "text", "summary", "author",
    "published", "updated", "slug", "url", "image", "tags", "related_titles",
    "image_length", "image_type", "image_width", "image_height",
)
_ARTICLE_COLUMNS = ", ".join(_ARTICLE_COLUMN_NAMES)
STORED_COLUMNS = f"{_ARTICLE_COLUMNS}, first_seen, content_hash"  # every column of a stored article
# the same without the body and its text (empty): for feeds whose items carry the summary only
_LIGHT_COLUMNS = ", ".join(f"'' AS {name}" if name in ("content_html", "text") else name for name in _ARTICLE_COLUMN_NAMES)


def article_id(source: str, key: str) -> str:
    """The article id, derived once from the source's own key; never from title or URL."""
    return hashlib.sha256(f"{source}\0{key}".encode()).hexdigest()[:24]


def explain(path: Path, exc: BaseException, doing: str) -> str:
    """One line for a failed store operation: the file, what went wrong, and the fix."""
    message = str(exc)
    low = message.lower()
    folder = path.parent
    if "full" in low or getattr(exc, "errno", None) == 28:
        fix = f"the disk holding {folder} is full; free some space and run again (nothing stored was lost)"
    elif "readonly" in low or "read-only" in low or "permission" in low or getattr(exc, "errno", None) == 13:
        fix = (f"the store is not writable by this user; make {path.name}, {path.name}-wal, {path.name}-shm "
               f"and the folder {folder} writable (chmod/chown), or point [store] path elsewhere")
    elif "locked" in low or "busy" in low:
        fix = "another newsfeed process is writing the store; wait for it to finish and run again"
    elif "disk i/o" in low:
        fix = f"cannot read or write {path.name}-wal or {path.name}-shm beside it; check their permissions and the disk"
    elif "not a database" in low or "malformed" in low:
        fix = "the file is damaged or not a newsfeed store; restore it from a backup or move it away to start afresh"
    elif "unable to open" in low:
        fix = f"check that {folder} exists and is writable, and the path in [store]"
    else:
        fix = "check the path in [store], its permissions and the disk"
    return f"{path}: {doing} ({message}); {fix}"


@dataclass(frozen=True, slots=True)
class SaveCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    held: int = 0  # taken down by an editor: not brought back


@dataclass(frozen=True, slots=True)
class SaveResult:
    counts: SaveCounts
    changed: list[str]  # ids of new or edited articles
    notices: list[tuple[str, str]]  # (source key, what was changed on the way)


class Store:
    """One SQLite file, or a PostgreSQL database when [store] url names one (see
    newsfeed.store.postgres). Use as a context manager; writes go through `transaction()`."""

    def __init__(self, path: Path, backend: str = ""):
        self.path = Path(path) if not isinstance(path, Path) else path
        self.location = None if backend == "sqlite" else postgres.location_for(self.path)
        self.engine = "postgresql" if self.location is not None else "sqlite"
        if self.location is not None:
            self.conn = postgres.connect(self.location)
            try:
                self._migrate()
            except BaseException:
                self.conn.close()
                raise
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(explain(self.path, exc, "cannot open the store")) from None
        try:
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.Error as exc:
            self.conn.close()
            raise StoreError(explain(self.path, exc, "cannot open the store")) from None
        except StoreError:
            self.conn.close()
            raise

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def where(self) -> str:
        """The store as messages name it: the file, or the database URL (no password)."""
        return self.location.shown() if self.location is not None else str(self.path)

    @contextmanager
    def transaction(self, concurrent: bool = False) -> Iterator[sqlite3.Connection]:
        """All or nothing: a failure inside leaves the store as it was.

        sqlite3 errors inside (a full disk, a read-only file) become one StoreError naming
        the file and the fix. Writers take turns, on PostgreSQL too (a transaction-level
        advisory lock); `concurrent` transactions (row claims that lock only their rows)
        run beside them there."""
        if self.location is not None:
            yield from self._pg_transaction(concurrent)
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(explain(self.path, exc, "cannot start a write")) from None
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise StoreError(explain(self.path, exc, "write failed, nothing was changed")) from None
        except BaseException:
            self._rollback()
            raise

    def _pg_transaction(self, concurrent: bool):
        self.conn.execute_native("BEGIN")
        try:
            if not concurrent:
                self.conn.execute_native("SELECT pg_advisory_xact_lock($1)", (postgres.WRITE_LOCK,))
            yield self.conn
            self.conn.execute_native("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        except (sqlite3.Error, StoreError):
            pass  # SQLite already rolled back (a full disk does): the store is as it was

    def query(self, sql: str, params: Sequence | dict = ()) -> list[sqlite3.Row]:
        try:
            cursor = self.conn.execute(sql, params)
            return cursor.fetchall()
        except sqlite3.Error as exc:
            raise StoreError(explain(self.path, exc, "query failed")) from None

    def rows(self, sql: str, params: Sequence | dict = (), size: int = 2000) -> Iterator[sqlite3.Row]:
        """The rows of a query, fetched `size` at a time (large scans)."""
        try:
            cursor = self.conn.execute(sql, params)
            while batch := cursor.fetchmany(size):
                yield from batch
        except sqlite3.Error as exc:
            raise StoreError(explain(self.path, exc, "query failed")) from None

    def _migrate(self) -> None:
        latest = MIGRATIONS[-1][0]
        if self._version() >= latest:
            self._check_version(latest)
            return
        # Two first runs at once: the second waits for the first's write lock, then sees the
        # version it left and applies only what is still missing.
        with self.transaction() as conn:
            version = self._check_version(latest)
            for number, sql in MIGRATIONS:
                if number <= version:
                    continue
                if self.location is not None:
                    for statement in postgres.translate_ddl(sql):
                        conn.execute_native(statement)
                    conn.execute_native("UPDATE newsfeed_schema SET version = $1", (number,))
                    continue
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")

    def _version(self) -> int:
        if self.location is None:
            return self.conn.execute("PRAGMA user_version").fetchone()[0]
        # PRAGMA user_version's place: a one-row table, made by the first run (which holds
        # the write lock while it creates it, so two first runs do not both make it).
        row = self.conn.execute_native("SELECT to_regclass('newsfeed_schema') IS NOT NULL").fetchone()
        if not row[0]:
            with self.transaction() as conn:
                conn.execute_native("CREATE TABLE IF NOT EXISTS newsfeed_schema (version BIGINT NOT NULL)")
                if conn.execute_native("SELECT count(*) FROM newsfeed_schema").fetchone()[0] == 0:
                    conn.execute_native("INSERT INTO newsfeed_schema (version) VALUES (0)")
        return self.conn.execute_native("SELECT version FROM newsfeed_schema").fetchone()[0]

    def _check_version(self, latest: int) -> int:
        version = self._version()
        if version > latest:
            raise StoreError(
                f"{self.where()}: store schema {version} is newer than this newsfeed knows ({latest}); upgrade newsfeed"
            )
        return version

    # meta -----------------------------------------------------------------

    def meta(self, name: str, default: str = "") -> str:
        rows = self.query("SELECT value FROM meta WHERE name = ?", (name,))
        return rows[0][0] if rows else default

    def set_meta(self, conn: sqlite3.Connection, name: str, value: str) -> None:
        conn.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value))

    # ingest ---------------------------------------------------------------

    def fingerprints(self, source: str) -> dict[str, str]:
        rows = self.query("SELECT key, fingerprint FROM source_state WHERE source = ?", (source,))
        return dict(rows)

    def source_state(self, source: str) -> tuple[dict[str, str], dict[str, str]]:
        """The source's rows: key -> fingerprint, and key -> article id of every entry it listed last time."""
        rows = self.query("SELECT key, fingerprint, article_id FROM source_state WHERE source = ?", (source,))
        return {key: print_ for key, print_, _ in rows}, {key: ident or article_id(source, key) for key, _, ident in rows}

    def save(self, items: Iterable[SourceItem], now: datetime, base_url: str) -> SaveResult:
        """Insert new articles, update edited ones, keep ids and publish times.

        A page whose article was taken down is not brought back (counted as held); one that
        was gone and is back returns with its id and first publish time. Changed ids are
        queued for enrichment in the same transaction.
        """
        new = updated = unchanged = held = 0
        changed: list[str] = []
        notices: list[tuple[str, str]] = []
        seen = to_stored(now)
        with self.transaction() as conn:
            for item in items:
                ident = article_id(item.source, item.identity or item.key)
                conn.execute(
                    "INSERT OR REPLACE INTO source_state (source, key, fingerprint, article_id) VALUES (?, ?, ?, ?)",
                    (item.source, item.key, item.fingerprint, ident),
                )
                away = conn.execute("SELECT reason, published, first_seen, content_hash FROM withdrawn_articles WHERE id = ?", (ident,)).fetchone()
                if away is not None and away[0] == "takedown":
                    held += 1
                    continue
                digest = _content_hash(item, base_url)
                if away is not None and away[3] == digest:  # back as it left: exactly the article it was
                    conn.execute(f"INSERT INTO articles ({STORED_COLUMNS}) SELECT {STORED_COLUMNS} FROM withdrawn_articles WHERE id = ?", (ident,))
                    conn.execute("DELETE FROM withdrawn_articles WHERE id = ?", (ident,))
                    new += 1
                    changed.append(ident)
                    continue
                existing = conn.execute("SELECT published, content_hash, slug FROM articles WHERE id = ?", (ident,)).fetchone()
                if existing is not None and existing[1] == digest:
                    unchanged += 1
                    continue
                slug = _unique_slug(conn, item, ident, existing[2] if existing else None)
                if slug.endswith(ident[:8]) and not item.slug.endswith(ident[:8]):
                    notices.append((item.key, f"slug {item.slug!r} is taken in {item.section}; published as {slug!r} (set slug: to a unique one)"))
                fields = _fields(item, slug, base_url)
                if existing is None:
                    if away is not None:  # back in its source: the same article as before
                        conn.execute("DELETE FROM withdrawn_articles WHERE id = ?", (ident,))
                    first = away[2] if away is not None else seen
                    published = to_stored(item.published) if item.published else (away[1] if away is not None else seen)
                    stamp = _updated(item, published, seen, default=published)
                    conn.execute(
                        f"INSERT INTO articles ({_ARTICLE_COLUMNS}, first_seen, content_hash) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (ident, *fields[:8], published, stamp, *fields[8:], first, digest),
                    )
                    new += 1
                else:
                    published = to_stored(item.published) if item.published else existing[0]
                    stamp = _updated(item, published, seen, default=seen)
                    conn.execute(
                        "UPDATE articles SET source=?, key=?, section=?, title=?, content_html=?, text=?, summary=?, "
                        "author=?, published=?, updated=?, slug=?, url=?, image=?, tags=?, "
                        "related_titles=?, image_length=?, image_type=?, image_width=?, image_height=?, "
                        "content_hash=? WHERE id=?",
                        (*fields[:8], published, stamp, *fields[8:], digest, ident),
                    )
                    updated += 1
                changed.append(ident)
            if changed:
                self.queue(conn, changed)
        return SaveResult(SaveCounts(new, updated, unchanged, held), changed, notices)

    def forget_entries(self, conn: sqlite3.Connection, source: str, keys: Iterable[str]) -> None:
        conn.executemany("DELETE FROM source_state WHERE source = ? AND key = ?", ((source, k) for k in keys))

    def queue(self, conn: sqlite3.Connection, ids: Iterable[str]) -> None:
        """Mark articles as waiting for topics and related lists (changed or withdrawn)."""
        conn.executemany("INSERT OR IGNORE INTO enrich_queue (article_id) VALUES (?)", ((i,) for i in ids))

    def queued(self) -> list[str]:
        return [row[0] for row in self.query("SELECT article_id FROM enrich_queue ORDER BY article_id")]

    def unqueue(self, conn: sqlite3.Connection, ids: Iterable[str] | None = None) -> None:
        if ids is None:
            conn.execute("DELETE FROM enrich_queue")
        else:
            conn.executemany("DELETE FROM enrich_queue WHERE article_id = ?", ((i,) for i in ids))

    def follow_base_url(self, base_url: str) -> bool:
        """Re-derive every stored link after site.base_url changed; True if it did.

        Item links, images and links inside article bodies on the old site address move to
        the new one, so no feed keeps pointing at the old host."""
        old = self.meta("base_url")
        if old == base_url:
            return False
        with self.transaction() as conn:
            if old:
                for table in ("articles", "withdrawn_articles"):
                    for column in ("url", "image"):
                        conn.execute(
                            f"UPDATE {table} SET {column} = ? || substr({column}, ?) WHERE substr({column}, 1, ?) = ?",
                            (base_url, len(old) + 1, len(old) + 1, old + "/"),
                        )
                    conn.execute(
                        f"UPDATE {table} SET content_html = replace(content_html, ?, ?) WHERE instr(content_html, ?) > 0",
                        ('"' + old + "/", '"' + base_url + "/", '"' + old + "/"),
                    )
            self.set_meta(conn, "base_url", base_url)
        return bool(old)

    # reading --------------------------------------------------------------

    def count(self) -> int:
        return self.query("SELECT count(*) FROM articles")[0][0]

    def newest(self, limit: int, until: datetime, section: str | None = None, topic: str | None = None) -> list[Article]:
        """The newest `limit` articles published at or before `until`, newest first."""
        bound = to_stored(until)
        if topic is not None:
            sql = (
                f"SELECT {_prefixed('a')} FROM article_topics t JOIN articles a ON a.id = t.article_id "
                "WHERE t.topic = ? AND t.published <= ? ORDER BY t.published DESC, t.article_id DESC LIMIT ?"
            )
            rows = self.query(sql, (topic, bound, limit))
        elif section is not None:
            sql = (
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE section = ? AND published <= ? "
                "ORDER BY published DESC, id DESC LIMIT ?"
            )
            rows = self.query(sql, (section, bound, limit))
        else:
            sql = f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE published <= ? ORDER BY published DESC, id DESC LIMIT ?"
            rows = self.query(sql, (bound, limit))
        return self._hydrate(rows, until=bound)

    def newest_reusing(
        self, limit: int, until: datetime, known: dict[str, Article], section: str | None = None, topic: str | None = None,
        light: dict[str, Article] | None = None,
    ) -> list[Article]:
        """newest(), reading whole only the articles `known` lacks; those join it. `known`
        must hold articles read for the same `until` (one publish: an article is in its site,
        section and topic feeds, and is then read once, not once a feed). With `light`, the
        articles are for a feed without bodies: those `known` lacks are read without their
        body and text (both empty) and join `light` instead."""
        bound = to_stored(until)
        if topic is not None:
            sql = "SELECT article_id FROM article_topics WHERE topic = ? AND published <= ? ORDER BY published DESC, article_id DESC LIMIT ?"
            params: tuple = (topic, bound, limit)
        elif section is not None:
            sql = "SELECT id FROM articles WHERE section = ? AND published <= ? ORDER BY published DESC, id DESC LIMIT ?"
            params = (section, bound, limit)
        else:
            sql = "SELECT id FROM articles WHERE published <= ? ORDER BY published DESC, id DESC LIMIT ?"
            params = (bound, limit)
        ids = [row[0] for row in self.query(sql, params)]
        columns, into, also = (_ARTICLE_COLUMNS, known, {}) if light is None else (_LIGHT_COLUMNS, light, known)
        missing = [i for i in ids if i not in into and i not in also]
        for chunk in _chunks(missing, 500):
            rows = self.query(f"SELECT {columns} FROM articles WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            into.update((a.id, a) for a in self._hydrate(rows, until=bound))
        return [also[i] if i in also else into[i] for i in ids]

    def published_between(
        self, start: datetime, end: datetime, sections: Sequence[str] | None = None, until: datetime | None = None
    ) -> list[Article]:
        """Articles with start <= published < end, newest first (a digest week).

        With `until`, related links only point to articles published by then.
        """
        params: list = [to_stored(start), to_stored(end)]
        where = "published >= ? AND published < ?"
        if sections is not None:
            where += f" AND section IN ({','.join('?' * len(sections))})"
            params += list(sections)
        rows = self.query(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE {where} ORDER BY published DESC, id DESC", params)
        return self._hydrate(rows, until=to_stored(until) if until else "9999")

    def get(self, ids: Sequence[str]) -> list[Article]:
        """Articles by id, in the order given (unknown ids are skipped)."""
        rows = []
        for chunk in _chunks(list(ids), 500):
            rows += self.query(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        by_id = {a.id: a for a in self._hydrate(rows)}
        return [by_id[i] for i in ids if i in by_id]

    def iter_articles(self, batch: int = 2000) -> Iterator[Article]:
        """Every article, oldest first, in batches (enrichment over the archive)."""
        last = ("", "")
        while True:
            rows = self.query(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE (published, id) > (?, ?) ORDER BY published, id LIMIT ?",
                (*last, batch),
            )
            if not rows:
                return
            yield from self._hydrate(rows, enriched=False)
            last = (rows[-1]["published"], rows[-1]["id"])

    def ids_by_title(self, titles: Iterable[str]) -> dict[str, str]:
        """Headline -> id of the oldest article with it (resolves "Artikel Terkait")."""
        found: dict[str, str] = {}
        for chunk in _chunks(sorted(set(titles)), 500):
            rows = self.query(
                f"SELECT title, id FROM articles WHERE title IN ({','.join('?' * len(chunk))}) ORDER BY published DESC, id DESC",
                chunk,
            )
            found.update({title: ident for title, ident in rows})
        return found

    # enrichment -------------------------------------------------------------

    def texts(self, ids: Sequence[str] | None = None) -> Iterator[tuple[str, str, str, tuple[str, ...]]]:
        """(id, title, text, tags) of the given articles, or of all of them, by id."""
        columns = "SELECT id, title, text, tags FROM articles"
        if ids is None:
            yield from ((r[0], r[1], r[2], tuple(json.loads(r[3]))) for r in self.rows(f"{columns} ORDER BY id"))
            return
        for chunk in _chunks(sorted(set(ids)), 500):
            rows = self.query(f"{columns} WHERE id IN ({','.join('?' * len(chunk))}) ORDER BY id", chunk)
            yield from ((r[0], r[1], r[2], tuple(json.loads(r[3]))) for r in rows)

    def editor_titles(self, ids: Sequence[str] | None = None) -> dict[str, list[str]]:
        """id -> headlines listed under "Artikel Terkait", for articles (of `ids`) that have any."""
        if ids is None:
            return {ident: json.loads(titles) for ident, titles in self.query("SELECT id, related_titles FROM articles WHERE related_titles != '[]'")}
        found: dict[str, list[str]] = {}
        for chunk in _chunks(sorted(set(ids)), 500):
            rows = self.query(f"SELECT id, related_titles FROM articles WHERE related_titles != '[]' AND id IN ({','.join('?' * len(chunk))})", chunk)
            found.update({ident: json.loads(titles) for ident, titles in rows})
        return found

    def editor_referrers(self, ids: Sequence[str]) -> set[str]:
        """Articles whose editor-chosen links ("Artikel Terkait") name one of these articles'
        headlines or already point at one of them: an edit or withdrawal may change them."""
        found: set[str] = set()
        for chunk in _chunks(sorted(set(ids)), 500):
            marks = ",".join("?" * len(chunk))
            found.update(row[0] for row in self.query(f"SELECT article_id FROM related WHERE editor = 1 AND related_id IN ({marks})", chunk))
            found.update(row[0] for row in self.query(
                "SELECT a.id FROM articles a, json_each(a.related_titles) j WHERE a.related_titles != '[]' "
                f"AND j.value IN (SELECT title FROM articles WHERE id IN ({marks}))", chunk))
        return found

    def related_ids(self, ids: Sequence[str]) -> dict[str, list[str]]:
        """id -> its stored related list, in rank order."""
        found: dict[str, list[str]] = {}
        for chunk in _chunks(sorted(set(ids)), 500):
            for ident, other in self.query(
                f"SELECT article_id, related_id FROM related WHERE article_id IN ({','.join('?' * len(chunk))}) ORDER BY article_id, rank",
                chunk,
            ):
                found.setdefault(ident, []).append(other)
        return found

    def set_topics(self, conn: sqlite3.Connection, articles: Sequence[tuple[str, Sequence[str], Sequence[str]]]) -> None:
        """Articles' topics, (article id, names, slugs) each, and the feeds that changes: the
        site, the article's section, its topic feeds before and after (article_topics has no
        triggers of its own: migration 16), and the topics whose counts that changes
        (migration 17). A few statements for 500 articles, not six an article: the topics of a
        fresh 10,000-page store took 6.4-6.6 s with those, 5.3-5.9 s with these."""
        dirty: set[str] = set()
        recount: set[str] = set()
        for chunk in _chunks(list(articles), 500):
            ids = [ident for ident, _names, _slugs in chunk]
            marks = ",".join("?" * len(ids))
            where = {ident: (published, section) for ident, published, section in conn.execute(
                f"SELECT id, published, section FROM articles WHERE id IN ({marks})", ids)}
            before: dict[str, set[tuple]] = {}
            for ident, *row in conn.execute(f"SELECT article_id, topic, name, published, section FROM article_topics WHERE article_id IN ({marks})", ids):
                before.setdefault(ident, set()).add(tuple(row))
            conn.execute(f"DELETE FROM article_topics WHERE article_id IN ({marks})", ids)
            rows = []
            for ident, names, slugs in chunk:
                if ident not in where:  # gone since its text was read
                    continue
                published, section = where[ident]
                rows += [(ident, slug, name, rank, published, section) for rank, (name, slug) in enumerate(zip(names, slugs))]
                old = before.get(ident, set())
                if old or slugs:
                    dirty.update(("", section, *(f"topik/{topic}" for topic, *_ in old), *(f"topik/{slug}" for slug in slugs)))
                    after = {slug: (slug, name, published, section) for name, slug in reversed(list(zip(names, slugs)))}  # a slug's first name
                    recount.update(row[0] for row in old.symmetric_difference(after.values()))
            conn.executemany("INSERT OR IGNORE INTO article_topics (article_id, topic, name, rank, published, section) VALUES (?, ?, ?, ?, ?, ?)", rows)
        conn.executemany("INSERT OR IGNORE INTO dirty_feeds (path) VALUES (?)", [(path,) for path in sorted(dirty)])
        conn.executemany("INSERT OR IGNORE INTO topic_recount (topic) VALUES (?)", [(slug,) for slug in sorted(recount)])

    def set_related_lists(self, conn: sqlite3.Connection, lists: Sequence[tuple[str, Sequence[str], int]]) -> None:
        """Articles' related lists, (article id, ids, editor) each: the first `editor` ids were
        chosen by the editor. A few statements for all of them (statements per article cost a
        first build of 10,000 pages ~2 s)."""
        for chunk in _chunks([ident for ident, _ids, _editor in lists], 500):
            conn.execute(f"DELETE FROM related WHERE article_id IN ({','.join('?' * len(chunk))})", chunk)
        conn.executemany(
            "INSERT INTO related (article_id, rank, related_id, editor) VALUES (?, ?, ?, ?)",
            [(ident, rank, other, int(rank < editor)) for ident, ids, editor in lists for rank, other in enumerate(ids)],
        )

    def related_index(self) -> tuple[bytes | None, Iterator[tuple[str, bytes]]]:
        """The persisted related-articles model and its rows (None if never built)."""
        state = self.query("SELECT blob FROM related_state WHERE id = 1")

        rows = (tuple(row) for row in self.rows("SELECT article_id, blob FROM related_index ORDER BY article_id", size=5000))
        return (state[0][0] if state else None), rows

    def indexed(self, ids: Sequence[str]) -> list[str]:
        """Those of `ids` that have a related-index row, sorted."""
        found: list[str] = []
        for chunk in _chunks(list(ids), 500):
            found += [row[0] for row in self.query(f"SELECT article_id FROM related_index WHERE article_id IN ({','.join('?' * len(chunk))})", chunk)]
        return sorted(found)

    def related_rows(self, ids: Sequence[str]) -> Iterator[tuple[str, bytes]]:
        """The stored related-index rows of `ids` (those there are), in no set order."""
        for chunk in _chunks(list(ids), 500):
            yield from (tuple(row) for row in self.query(f"SELECT article_id, blob FROM related_index WHERE article_id IN ({','.join('?' * len(chunk))})", chunk))

    def save_related_index(self, conn: sqlite3.Connection, state: bytes, rows: Iterable[tuple[str, bytes]], replace: bool) -> None:
        if replace:
            conn.execute("DELETE FROM related_index")
        conn.execute("INSERT OR REPLACE INTO related_state (id, blob) VALUES (1, ?)", (state,))
        conn.executemany("INSERT OR REPLACE INTO related_index (article_id, blob) VALUES (?, ?)", rows)

    def sitemap_entries(self, since: datetime, until: datetime) -> list[tuple[str, str, datetime, datetime]]:
        """(url, title, published, updated) of articles published after `since` and by
        `until`, newest first: the news sitemap."""
        bounds = (to_stored(since), to_stored(until))
        rows = self.rows(
            "SELECT url, title, published, updated FROM articles WHERE published > ? AND published <= ? ORDER BY published DESC, id DESC",
            bounds,
        )
        return [(url, title, from_stored(published), from_stored(updated)) for url, title, published, updated in rows]

    def sitemap_lastmods(self, until: datetime) -> list[tuple[str, str]]:
        """(url, updated as stored) of every article published by `until`, newest first: the
        article sitemaps, read from one covering index (the whole rows took 0.4 s at 100,000)."""
        return [tuple(row) for row in self.rows("SELECT url, updated FROM articles WHERE published <= ? ORDER BY published DESC, id DESC", (to_stored(until),))]

    def _hydrate(self, rows: list[sqlite3.Row], enriched: bool = True, until: str = "9999") -> list[Article]:
        """Articles from rows, with topics and related links (to articles published by `until`)."""
        topics: dict[str, list[str]] = {}
        related: dict[str, list[Link]] = {}
        ids = [row[0] for row in rows]
        if enriched and ids and self._has_table("article_topics"):
            for chunk in _chunks(ids, 500):
                marks = ",".join("?" * len(chunk))
                for ident, name in self.query(
                    f"SELECT article_id, name FROM article_topics WHERE article_id IN ({marks}) ORDER BY article_id, rank", chunk
                ):
                    topics.setdefault(ident, []).append(name)
                for ident, other, title, url in self.query(
                    "SELECT r.article_id, a.id, a.title, a.url FROM related r JOIN articles a ON a.id = r.related_id "
                    f"WHERE r.article_id IN ({marks}) AND a.published <= ? ORDER BY r.article_id, r.rank",
                    [*chunk, until],
                ):
                    related.setdefault(ident, []).append(Link(other, title, url))
        return [_article(row, tuple(topics.get(row[0], ())), tuple(related.get(row[0], ()))) for row in rows]

    def tables(self) -> list[str]:
        """The store's tables, by name (not the engine's own)."""
        if self.location is not None:
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename != 'newsfeed_schema' ORDER BY 1"
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        return [row[0] for row in self.query(sql)]

    def _has_table(self, name: str) -> bool:
        if self.location is not None:
            return bool(self.query("SELECT to_regclass(?) IS NOT NULL", (name,))[0][0])
        return bool(self.query("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)))


def _fields(item: SourceItem, slug: str, base_url: str) -> tuple:
    """Column values in _ARTICLE_COLUMNS order without id, published and updated."""
    url = item.url or f"{base_url}/{item.section}/{slug}"
    return (
        item.source,
        item.identity or item.key,
        item.section,
        item.title,
        item.content_html,
        item.text,
        _summary(item.text),
        item.author,
        slug,
        url,
        item.image,
        json.dumps(list(item.tags), ensure_ascii=False),
        json.dumps(list(item.related_titles), ensure_ascii=False),
        *_image_columns(item.image_info),
    )


def _image_columns(info: ImageInfo | None) -> tuple:
    if info is None:
        return (None, "", None, None)
    return (info.length, info.type, info.width, info.height)


MAX_SLUG = 120


def _unique_slug(conn: sqlite3.Connection, item: SourceItem, ident: str, stored: str | None) -> str:
    """The item's slug, or, when another article of its section already has it (two pages,
    one link), the slug with a short part of the id: each article keeps a link of its own."""
    slug = item.slug[:MAX_SLUG].rstrip("-") or ident[:12]
    if item.url:
        return slug
    taken = conn.execute("SELECT 1 FROM articles WHERE section = ? AND slug = ? AND id != ?", (item.section, slug, ident)).fetchone()
    unique = f"{slug}-{ident[:8]}"
    return unique if taken or stored == unique else slug


def _updated(item: SourceItem, published: str, seen: str, default: str) -> str:
    """The updated time: the page's own (else `default`), never before publishing and never
    in the future (a mistyped header must not date a feed ahead of the clock)."""
    stamp = to_stored(item.updated) if item.updated else default
    return min(max(stamp, published), max(published, seen))


def _content_hash(item: SourceItem, base_url: str) -> str:
    """Of the parsed fields, with the site's address left out: moving the site is not an edit."""
    parts = (
        item.section, item.title, item.content_html, item.author, item.slug, item.url, item.image or "",
        "\x1f".join(item.tags), "\x1f".join(item.related_titles),
        to_stored(item.published) if item.published else "", to_stored(item.updated) if item.updated else "",
    )
    if item.image_info is not None:  # left out when unknown: stores from before it keep their hashes
        parts += tuple(str(value) for value in _image_columns(item.image_info))
    return hashlib.sha256("\x1e".join(parts).replace(base_url + "/", "\x00/").encode()).hexdigest()


def _summary(text: str, limit: int = 280) -> str:
    first = text.split("\n\n", 1)[0].strip()
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _article(row: sqlite3.Row, topics: tuple[str, ...], related: tuple[Link, ...]) -> Article:
    return Article(
        id=row[0],
        source=row[1],
        key=row[2],
        section=row[3],
        title=row[4],
        content_html=row[5],
        text=row[6],
        summary=row[7],
        author=row[8],
        published=from_stored(row[9]),
        updated=from_stored(row[10]),
        slug=row[11],
        url=row[12],
        image=row[13],
        tags=tuple(json.loads(row[14])),
        related_titles=tuple(json.loads(row[15])),
        topics=topics,
        related=related,
        image_info=ImageInfo(row[16], row[17], row[18], row[19]) if any(v not in (None, "") for v in row[16:20]) else None,
    )


def _prefixed(alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in _ARTICLE_COLUMNS.split(","))


def _statements(script: str) -> Iterator[str]:
    """The statements of a migration, one by one (a trigger's body holds semicolons too)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer
            buffer = ""
    if buffer.strip() and not buffer.strip().startswith("--"):
        yield buffer


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]

