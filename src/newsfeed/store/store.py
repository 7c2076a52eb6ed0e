"""SQLite queries for articles. sqlite3 errors become StoreError naming the file."""

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
from newsfeed.store.migrations import MIGRATIONS
from newsfeed.times import from_stored, to_stored
from newsfeed.types import Article, Link, SourceItem

_ARTICLE_COLUMNS = (
    "id, source, key, section, title, content_html, text, summary, author, "
    "published, updated, slug, url, image, tags, related_titles"
)


def article_id(source: str, key: str) -> str:
    """The article id, derived once from the source's own key; never from title or URL."""
    return hashlib.sha256(f"{source}\0{key}".encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class SaveCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


class Store:
    """One SQLite file. Use as a context manager; writes go through `transaction()`."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"{self.path}: cannot open the store ({exc}); check the path in [store] and its permissions") from None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: a failure inside leaves the store as it was."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot start a write ({exc}); is another newsfeed running?") from None
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self.conn.execute("ROLLBACK")
            raise StoreError(f"{self.path}: write failed ({exc}); nothing was changed") from None

    def query(self, sql: str, params: Sequence | dict = ()) -> list[sqlite3.Row]:
        try:
            cursor = self.conn.execute(sql, params)
            return cursor.fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: query failed ({exc})") from None

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        latest = MIGRATIONS[-1][0]
        if version > latest:
            raise StoreError(
                f"{self.path}: store schema {version} is newer than this newsfeed knows ({latest}); upgrade newsfeed"
            )
        for number, sql in MIGRATIONS:
            if number <= version:
                continue
            with self.transaction() as conn:
                for statement in sql.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")

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

    def save(self, items: Iterable[SourceItem], now: datetime, base_url: str) -> tuple[SaveCounts, list[str]]:
        """Insert new articles, update edited ones, keep ids and publish times.

        Returns the counts and the ids of new or changed articles. One transaction.
        """
        new = updated = unchanged = 0
        changed: list[str] = []
        seen = to_stored(now)
        with self.transaction() as conn:
            for item in items:
                ident = article_id(item.source, item.key)
                existing = conn.execute("SELECT published, content_hash FROM articles WHERE id = ?", (ident,)).fetchone()
                digest = _content_hash(item)
                if existing is None:
                    published = to_stored(item.published) if item.published else seen
                    stamp = _updated(item, published, seen, default=published)
                    conn.execute(
                        f"INSERT INTO articles ({_ARTICLE_COLUMNS}, first_seen, content_hash) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (ident, *_fields(item, published, stamp, base_url), seen, digest),
                    )
                    new += 1
                    changed.append(ident)
                elif existing[1] != digest:
                    published = to_stored(item.published) if item.published else existing[0]
                    stamp = _updated(item, published, seen, default=seen)
                    conn.execute(
                        "UPDATE articles SET section=?, title=?, content_html=?, text=?, summary=?, "
                        "author=?, published=?, updated=?, slug=?, url=?, image=?, tags=?, "
                        "related_titles=?, content_hash=? WHERE id=?",
                        (*_fields(item, published, stamp, base_url)[2:], digest, ident),
                    )
                    updated += 1
                    changed.append(ident)
                else:
                    unchanged += 1
                conn.execute(
                    "INSERT OR REPLACE INTO source_state (source, key, fingerprint) VALUES (?, ?, ?)",
                    (item.source, item.key, item.fingerprint),
                )
            if changed:
                self.bump_revision(conn)
        return SaveCounts(new, updated, unchanged), changed

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
            cursor = self.conn.execute(f"{columns} ORDER BY id")
            while rows := cursor.fetchmany(2000):
                yield from ((r[0], r[1], r[2], tuple(json.loads(r[3]))) for r in rows)
            return
        for chunk in _chunks(sorted(set(ids)), 500):
            rows = self.query(f"{columns} WHERE id IN ({','.join('?' * len(chunk))}) ORDER BY id", chunk)
            yield from ((r[0], r[1], r[2], tuple(json.loads(r[3]))) for r in rows)

    def editor_titles(self) -> dict[str, list[str]]:
        """id -> headlines listed under "Artikel Terkait", for articles that have any."""
        return {ident: json.loads(titles) for ident, titles in self.query("SELECT id, related_titles FROM articles WHERE related_titles != '[]'")}

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

    def set_topics(self, conn: sqlite3.Connection, article_id: str, names: Sequence[str], slugs: Sequence[str]) -> None:
        published = conn.execute("SELECT published FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
        conn.execute("DELETE FROM article_topics WHERE article_id = ?", (article_id,))
        conn.executemany(
            "INSERT OR IGNORE INTO article_topics (article_id, topic, name, rank, published) VALUES (?, ?, ?, ?, ?)",
            [(article_id, slug, name, rank, published) for rank, (name, slug) in enumerate(zip(names, slugs))],
        )

    def set_related(self, conn: sqlite3.Connection, article_id: str, ids: Sequence[str], editor: int) -> None:
        """The article's related list: the first `editor` ids were chosen by the editor."""
        conn.execute("DELETE FROM related WHERE article_id = ?", (article_id,))
        conn.executemany(
            "INSERT INTO related (article_id, rank, related_id, editor) VALUES (?, ?, ?, ?)",
            [(article_id, rank, other, int(rank < editor)) for rank, other in enumerate(ids)],
        )

    def related_index(self) -> tuple[bytes | None, Iterator[tuple[str, bytes]]]:
        """The persisted related-articles model and its rows (None if never built)."""
        state = self.query("SELECT blob FROM related_state WHERE id = 1")

        def rows() -> Iterator[tuple[str, bytes]]:
            cursor = self.conn.execute("SELECT article_id, blob FROM related_index")
            while batch := cursor.fetchmany(5000):
                yield from (tuple(row) for row in batch)

        return (state[0][0] if state else None), rows()

    def save_related_index(self, conn: sqlite3.Connection, state: bytes, rows: Iterable[tuple[str, bytes]], replace: bool) -> None:
        if replace:
            conn.execute("DELETE FROM related_index")
        conn.execute("INSERT OR REPLACE INTO related_state (id, blob) VALUES (1, ?)", (state,))
        conn.executemany("INSERT OR REPLACE INTO related_index (article_id, blob) VALUES (?, ?)", rows)

    def bump_revision(self, conn: sqlite3.Connection) -> None:
        """Mark the store changed, so the next publish renders again."""
        current = conn.execute("SELECT value FROM meta WHERE name = 'revision'").fetchone()
        self.set_meta(conn, "revision", str(int(current[0] if current else 0) + 1))

    def section_counts(self, until: datetime) -> dict[str, int]:
        """section -> articles published by `until`."""
        rows = self.query("SELECT section, count(*) FROM articles WHERE published <= ? GROUP BY section", (to_stored(until),))
        return {section: number for section, number in rows}

    def topic_counts(self, minimum: int, until: datetime) -> list[tuple[str, str, int]]:
        """(slug, name, articles) of every topic with at least `minimum` articles published by `until`."""
        rows = self.query(
            "SELECT topic, min(name), count(*) FROM article_topics WHERE published <= ? GROUP BY topic HAVING count(*) >= ? ORDER BY topic",
            (to_stored(until), minimum),
        )
        return [tuple(row) for row in rows]

    def topic_counts_by_section(self, until: datetime) -> dict[str, dict[str, int]]:
        """section -> {topic slug: articles of that section with the topic, published by `until`}."""
        counts: dict[str, dict[str, int]] = {}
        for section, slug, number in self.query(
            "SELECT a.section, t.topic, count(*) FROM article_topics t JOIN articles a ON a.id = t.article_id "
            "WHERE t.published <= ? GROUP BY a.section, t.topic ORDER BY a.section, t.topic",
            (to_stored(until),),
        ):
            counts.setdefault(section, {})[slug] = number
        return counts

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

    def _has_table(self, name: str) -> bool:
        return bool(self.query("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)))


def _fields(item: SourceItem, published: str, updated: str, base_url: str) -> tuple:
    url = item.url or f"{base_url}/{item.section}/{item.slug}"
    return (
        item.source,
        item.key,
        item.section,
        item.title,
        item.content_html,
        item.text,
        _summary(item.text),
        item.author,
        published,
        updated,
        item.slug,
        url,
        item.image,
        json.dumps(list(item.tags), ensure_ascii=False),
        json.dumps(list(item.related_titles), ensure_ascii=False),
    )


def _updated(item: SourceItem, published: str, seen: str, default: str) -> str:
    """The updated time: the page's own (else `default`), never before publishing and never
    in the future (a mistyped header must not date a feed ahead of the clock)."""
    stamp = to_stored(item.updated) if item.updated else default
    return min(max(stamp, published), max(published, seen))


def _content_hash(item: SourceItem) -> str:
    parts = (
        item.section, item.title, item.content_html, item.author, item.slug, item.url, item.image or "",
        "\x1f".join(item.tags), "\x1f".join(item.related_titles),
        to_stored(item.published) if item.published else "", to_stored(item.updated) if item.updated else "",
    )
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()


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
    )


def _prefixed(alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in _ARTICLE_COLUMNS.split(","))


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]

