"""Feed and item identifiers (RFC 4151 tag URIs) and where each feed is served."""

from __future__ import annotations

from newsfeed.config import Settings
from newsfeed.types import FeedSpec

FILE_NAMES = {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}
MEDIA_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"}


def item_id(settings: Settings, article_id: str) -> str:
    """Never changes: built from the stored id and the configured authority only."""
    return f"tag:{settings.site.id_authority}:artikel/{article_id}"


def feed_id(settings: Settings, spec: FeedSpec) -> str:
    return f"tag:{settings.site.id_authority}:feed/{spec.path or 'semua'}"


def feed_file(spec: FeedSpec, fmt: str) -> str:
    """Path under feeds/: "rss.xml", "dunia/atom.xml", "topik/rusia/feed.json"."""
    return f"{spec.path}/{FILE_NAMES[fmt]}" if spec.path else FILE_NAMES[fmt]


def feed_url(settings: Settings, spec: FeedSpec, fmt: str) -> str:
    return f"{settings.feeds.base_url}/{feed_file(spec, fmt)}"
