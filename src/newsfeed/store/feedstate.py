"""What the store knows of the published feeds: which ones an article change made dirty
(the triggers of store/migrations.py fill dirty_feeds), articles that came due, and the
articles per section and topic that plan the feeds (topic_tally: recounted only where dirty)."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from datetime import datetime

from newsfeed.parallel import batched
from newsfeed.store.store import Store
from newsfeed.times import to_stored


# every article's section, read from the index articles_by_section: joined to all topics, the
# articles rows themselves cost 9 s at 100,000 articles (a page read per topic row), this 1.3 s
_SECTIONS = "SELECT id, section FROM articles"


def dirty_feeds(store: Store) -> set[str]:
    """Paths of the feeds whose items may have changed since the last publish."""
    return {row[0] for row in store.query("SELECT path FROM dirty_feeds")}


def clear_dirty(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM dirty_feeds")
    conn.execute("DELETE FROM topic_recount")


def topics_to_recount(store: Store) -> set[str]:
    """Slugs of the topics whose counts may have changed since the last publish (migration 17)."""
    return {row[0] for row in store.query("SELECT topic FROM topic_recount")}


def mark_due(store: Store, since: str, now: datetime) -> None:
    """Feeds gaining articles that came due after `since` (scheduled ones): theirs, and
    those of articles whose related links may now show them."""
    bound = to_stored(now)
    if not store.query("SELECT 1 FROM articles WHERE published > ? AND published <= ? LIMIT 1", (since, bound)):
        return
    due = "SELECT id FROM articles WHERE published > ? AND published <= ?"
    with store.transaction() as conn:
        conn.execute("INSERT OR IGNORE INTO dirty_feeds (path) VALUES ('')")
        conn.execute(f"INSERT OR IGNORE INTO topic_recount (topic) SELECT topic FROM article_topics WHERE article_id IN ({due})", (since, bound))
        for sql in (
            f"SELECT section FROM articles WHERE id IN ({due})",
            f"SELECT 'topik/' || topic FROM article_topics WHERE article_id IN ({due})",
            f"SELECT a.section FROM related r JOIN articles a ON a.id = r.article_id WHERE r.related_id IN ({due})",
            f"SELECT 'topik/' || t.topic FROM related r JOIN article_topics t ON t.article_id = r.article_id WHERE r.related_id IN ({due})",
        ):
            conn.execute(f"INSERT OR IGNORE INTO dirty_feeds (path) {sql}", (since, bound))


def section_counts(store: Store, until: datetime) -> dict[str, int]:
    """section -> articles published by `until`."""
    rows = store.query("SELECT section, count(*) FROM articles WHERE published <= ? GROUP BY section", (to_stored(until),))
    return {section: number for section, number in rows}


def topic_counts(store: Store, minimum: int, until: datetime) -> list[tuple[str, str, int]]:
    """(slug, name, articles) of every topic with at least `minimum` articles published by `until`."""
    rows = store.query(
        "SELECT topic, min(name), count(*) FROM article_topics WHERE published <= ? GROUP BY topic HAVING count(*) >= ? ORDER BY topic",
        (to_stored(until), minimum),
    )
    return [tuple(row) for row in rows]


def recount_topics(store: Store, until: datetime, topics: Collection[str] | None = None) -> None:
    """Count again, into topic_tally, the articles published by `until` of these topic
    slugs (None: of every topic)."""
    select = "INSERT INTO topic_tally (topic, section, name, articles) SELECT topic, section, min(name), count(*) FROM article_topics WHERE published <= ?"
    bound = to_stored(until)
    if topics is not None and not topics:
        return  # nothing to recount: no write transaction
    with store.transaction() as conn:
        if topics is None:
            conn.execute("DELETE FROM topic_tally")
            conn.execute(f"{select} GROUP BY topic, section", (bound,))
            return
        for chunk in batched(sorted(set(topics)), 500):
            marks = ",".join("?" * len(chunk))
            conn.execute(f"DELETE FROM topic_tally WHERE topic IN ({marks})", chunk)
            conn.execute(f"{select} AND topic IN ({marks}) GROUP BY topic, section", [bound, *chunk])


def tallied_topics(store: Store, minimum: int) -> list[tuple[str, str, int]]:
    """topic_counts() as the last recount_topics left them."""
    rows = store.query(
        "SELECT topic, min(name), sum(articles) FROM topic_tally GROUP BY topic HAVING sum(articles) >= ? ORDER BY topic", (minimum,)
    )
    return [(slug, name, int(number)) for slug, name, number in rows]


def tallied_topics_by_section(store: Store) -> dict[str, dict[str, int]]:
    """topic_counts_by_section() as the last recount_topics left them."""
    counts: dict[str, dict[str, int]] = {}
    for section, slug, number in store.query("SELECT section, topic, articles FROM topic_tally ORDER BY section, topic"):
        counts.setdefault(section, {})[slug] = number
    return counts


def topic_counts_by_section(store: Store, until: datetime) -> dict[str, dict[str, int]]:
    """section -> {topic slug: articles of that section with the topic, published by `until`}."""
    counts: dict[str, dict[str, int]] = {}
    for section, slug, number in store.query(
        f"WITH a AS MATERIALIZED ({_SECTIONS}) SELECT a.section, t.topic, count(*) FROM article_topics t JOIN a ON a.id = t.article_id "
        "WHERE t.published <= ? GROUP BY a.section, t.topic ORDER BY a.section, t.topic",
        (to_stored(until),),
    ):
        counts.setdefault(section, {})[slug] = number
    return counts
