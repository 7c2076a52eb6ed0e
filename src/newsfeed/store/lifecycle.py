"""Withdrawing articles and bringing them back.

A withdrawn article leaves `articles` for `withdrawn_articles`: every feed, topic count,
related list and later digest then goes without it (foreign keys drop its topics, its own
related list and its index row; the lists of others that pointed at it are ranked again by
the enrichment it is queued for). Editions already sent stay as they were sent.
Reasons: 'gone' (no longer in its source: it comes back, with its id and publish time, when
its page does) and 'takedown' (an editor's decision: it stays out until restored).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from newsfeed.errors import StoreError
from newsfeed.store.store import STORED_COLUMNS as _MOVED
from newsfeed.store.store import Store
from newsfeed.times import to_stored

STATES = ("live", "gone", "takedown")


@dataclass(frozen=True, slots=True)
class ArticleEntry:
    """One article as `newsfeed articles` lists it."""

    id: str
    state: str  # "live", "gone" or "takedown"
    source: str
    key: str
    section: str
    title: str
    published: str
    url: str
    withdrawn: str = ""
    note: str = ""


def withdraw(store: Store, conn: sqlite3.Connection, ids: Iterable[str], reason: str, now: datetime, note: str = "") -> list[str]:
    """Move live articles out of the feeds; returns the ids moved. Inside the caller's transaction."""
    moved = []
    for ident in ids:
        conn.execute(
            f"INSERT OR REPLACE INTO withdrawn_articles ({_MOVED}, reason, withdrawn, note) "
            f"SELECT {_MOVED}, ?, ?, ? FROM articles WHERE id = ?",
            (reason, to_stored(now), note, ident),
        )
        if conn.execute("DELETE FROM articles WHERE id = ?", (ident,)).rowcount:
            moved.append(ident)
    if moved:
        store.queue(conn, moved)
    return moved


def take_down(store: Store, ident: str, now: datetime, note: str = "") -> ArticleEntry:
    """An editor's takedown: out of every feed now and at every later gather, until restored."""
    entry = find(store, ident)
    with store.transaction() as conn:
        if entry.state == "live":
            withdraw(store, conn, [entry.id], "takedown", now, note)
        else:
            conn.execute(
                "UPDATE withdrawn_articles SET reason = 'takedown', withdrawn = ?, note = ? WHERE id = ?",
                (to_stored(now), note, entry.id),
            )
    return find(store, entry.id)


def restore(store: Store, ident: str) -> ArticleEntry:
    """Undo a takedown. The page is read again at the next gather (edits made meanwhile count);
    a page that is no longer in its source leaves again at that gather."""
    entry = find(store, ident)
    if entry.state == "live":
        raise StoreError(f"article {entry.id} ({entry.title[:60]!r}) is not taken down; nothing to restore")
    if entry.state == "gone":
        raise StoreError(f"article {entry.id} is gone from its source ({entry.source}: {entry.key}); put its page back and gather")
    with store.transaction() as conn:
        conn.execute(f"INSERT INTO articles ({_MOVED}) SELECT {_MOVED} FROM withdrawn_articles WHERE id = ?", (entry.id,))
        conn.execute("DELETE FROM withdrawn_articles WHERE id = ?", (entry.id,))
        conn.execute("UPDATE source_state SET fingerprint = '' WHERE article_id = ? OR (source = ? AND key = ?)", (entry.id, entry.source, entry.key))
        store.queue(conn, [entry.id])
    return find(store, entry.id)


def find(store: Store, wanted: str) -> ArticleEntry:
    """An article by id, id prefix (6+ characters), source key (a page's path) or URL."""
    wanted = wanted.strip()
    for where, value in (("id = ?", wanted), ("key = ?", wanted), ("url = ?", wanted.rstrip("/"))):
        found = _entries(store, where, (value,))
        if found:
            return found[0]
    if len(wanted) >= 6 and wanted.isalnum():
        found = _entries(store, "id LIKE ?", (wanted.lower() + "%",))
        if len(found) == 1:
            return found[0]
        if found:
            raise StoreError(f"{wanted!r} matches {len(found)} articles; give more characters of the id")
    raise StoreError(f"no article {wanted!r}; give its id (see `newsfeed articles list`), its page path or its URL")


def entries(store: Store, state: str | None = None, limit: int = 50) -> list[ArticleEntry]:
    """The newest articles (live, withdrawn or both), newest first."""
    return _entries(store, "1 = 1", (), state=state, limit=limit)


def _entries(store: Store, where: str, params: tuple, state: str | None = None, limit: int = 50) -> list[ArticleEntry]:
    live = (
        "SELECT id, 'live', source, key, section, title, published, url, '', '' FROM articles WHERE " + where
    )
    away = (
        "SELECT id, reason, source, key, section, title, published, url, withdrawn, note FROM withdrawn_articles WHERE " + where
    )
    if state == "live":
        sql, args = live, params
    elif state in ("gone", "takedown"):
        sql, args = f"{away} AND reason = ?", (*params, state)
    else:
        sql, args = f"{live} UNION ALL {away}", params + params
    rows = store.query(f"SELECT * FROM ({sql}) AS entries ORDER BY 7 DESC, 1 LIMIT ?", (*args, limit))
    return [ArticleEntry(*row) for row in rows]


def reset_articles(store: Store, now: datetime) -> int:
    """Prepare rebuilding the articles from the sources: every live article is set aside as
    gone and every source entry forgotten, so the next gather reads every page again; each
    page still there brings its article back with its id and publish time. Subscribers, the
    delivery ledger, sent editions and takedowns are kept. Returns the articles set aside."""
    with store.transaction() as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM articles ORDER BY id")]
        withdraw(store, conn, ids, "gone", now)
        # what fetched sources remember (validators, what each listing named) goes too, so
        # every page and entry is fetched again rather than answered by a 304
        for table in ("source_state", "enrich_queue", "related_index", "related_state", "related", "article_topics", "fetched_documents"):
            conn.execute(f"DELETE FROM {table}")
        conn.execute("DELETE FROM meta WHERE name IN ('enriched', 'publish_stamp')")
    return len(ids)
