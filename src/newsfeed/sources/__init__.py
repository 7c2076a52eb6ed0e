"""Source adapters: each lists its items with a cheap fingerprint, then reads changed ones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from newsfeed.config import Settings, SourceSettings
from newsfeed.errors import ConfigError
from newsfeed.types import SourceItem


class Source(Protocol):
    name: str
    # True: scan() lists every item the source holds, so a stored article whose key is no
    # longer listed is withdrawn. False for sources that see only their newest items (an
    # upstream feed): those withdraw an article only when read() raises SourceGone.
    lists_everything: bool

    def scan(self) -> Iterator[tuple[str, str]]:
        """(key, fingerprint) of every item, in a stable order; raises SourceError if unreadable."""

    def read(self, key: str, fingerprint: str) -> SourceItem:
        """The parsed item; raises SourceError with the reason when it is malformed, SourceGone
        when the source says it no longer exists."""


# kind -> (module, class): only the kind in use is imported (the live ones pull in httpx,
# protego and the extractor, which a folder of pages never needs)
KINDS = {
    "pages": ("newsfeed.sources.pages", "PageSource"),
    "html": ("newsfeed.sources.html", "HtmlSource"),
    "feed": ("newsfeed.sources.feed", "FeedSource"),
    "wpjson": ("newsfeed.sources.wpjson", "WordPressSource"),
    "crawl": ("newsfeed.sources.crawl", "CrawlSource"),
}


def open_source(source: SourceSettings, settings: Settings) -> Source:
    import importlib

    try:
        module, name = KINDS[source.kind]
    except KeyError:
        raise ConfigError(
            f"sources: kind {source.kind!r} of source {source.name!r} is not available yet; use one of {', '.join(KINDS)}"
        ) from None
    return getattr(importlib.import_module(module), name)(source, settings)
