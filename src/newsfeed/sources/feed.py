"""An upstream RSS or Atom feed (a URL, or a saved file via `path`), read with feedparser.

Each entry is keyed by its guid/id (else its link), the upstream's own identity. The
section is the first entry category naming a configured section, else the source's
`section`. Content is sanitised and made absolute against the entry's link.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, datetime

import feedparser

from newsfeed.config import Settings, SourceSettings
from newsfeed.errors import SourceError
from newsfeed.sources.common import clean_html, digest, fetch, plain, section_slug, web_url
from newsfeed.text import slugify
from newsfeed.types import SourceItem


class FeedSource:
    # A feed shows only its newest entries: one that dropped off is not gone upstream.
    lists_everything = False

    def __init__(self, source: SourceSettings, settings: Settings):
        self.name = source.name
        self.location = str(source.path) if source.path else source.url
        self.source = source
        self.settings = settings
        self.entries: dict[str, dict] = {}

    def scan(self) -> Iterator[tuple[str, str]]:
        raw = self._load()
        parsed = feedparser.parse(raw, sanitize_html=False, resolve_relative_uris=False)
        if parsed.bozo and not parsed.entries:
            raise SourceError(f"{self.location}: not a readable RSS/Atom feed ({parsed.get('bozo_exception')})")
        for entry in parsed.entries:
            key = entry.get("id") or entry.get("link")
            if key and key not in self.entries:
                self.entries[key] = entry
        for key in sorted(self.entries):
            entry = self.entries[key]
            yield key, digest(str(dict.get(entry, "updated", "")), entry.get("title", ""), _content(entry))

    def read(self, key: str, fingerprint: str) -> SourceItem:
        entry = self.entries[key]
        link = entry.get("link", "")
        if not link.startswith(("https://", "http://")):
            raise SourceError("entry has no absolute link; the upstream feed must give one")
        title = plain(entry.get("title", ""))
        if not title:
            raise SourceError("entry has no title")
        html, text = clean_html(_content(entry), link)
        if not text:
            raise SourceError("entry has neither content nor summary")
        categories = [t.get("term", "") for t in entry.get("tags", [])]
        section = section_slug(categories, self.settings, self.source.section)
        names = {s.name.casefold() for s in self.settings.sections} | {s.slug for s in self.settings.sections}
        image = next((web_url(m.get("url"), link) for m in entry.get("media_content", []) if web_url(m.get("url"), link)), None)
        return SourceItem(
            source=self.name,
            key=key,
            section=section,
            title=title,
            content_html=html,
            text=text,
            author=plain(entry.get("author", "")) or self.settings.site.name,
            # dict.get: feedparser's own get() maps a missing `updated` to `published`.
            published=_time(dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")),
            updated=_time(dict.get(entry, "updated_parsed")),
            slug=slugify(link.rstrip("/").rsplit("/", 1)[-1]) or slugify(title),
            url=link,
            image=image,
            tags=tuple(c for c in categories if c and c.casefold() not in names),
            fingerprint=fingerprint,
        )

    def _load(self) -> bytes:
        if self.source.path:
            try:
                return self.source.path.read_bytes()
            except OSError as exc:
                raise SourceError(f"{self.source.path}: cannot read ({exc.strerror}); fix the source's path") from None
        return fetch(self.source.url)


def _content(entry) -> str:
    if entry.get("content"):
        return entry["content"][0].get("value", "")
    return entry.get("summary", "")


def _time(parsed) -> datetime | None:
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None
