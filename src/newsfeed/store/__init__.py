"""The SQLite store: the one source of truth for articles (and, later, subscribers)."""

from newsfeed.store.store import Store, article_id

__all__ = ["Store", "article_id"]
