"""An upstream RSS or Atom feed (a URL, or a saved file via `path`), read with feedparser.

Each entry is keyed by its guid/id (else its link), the upstream's own identity. The
section is the first entry category the source's `section_names` maps or that names a
configured section, else the source's `section`. Content is sanitised and made absolute
against the entry's link.

A fetched feed is asked for with the validators of its last answer (conditional GET): an
unchanged feed answers 304 and costs nothing more, its entries as they were last time
standing for it. Should one of them still need reading (rejected last time, a rebuilt store),
the feed is fetched once more in full.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, datetime

import feedparser

from newsfeed.config import Settings, SourceSettings
from newsfeed.errors import SourceError
from newsfeed.sources.common import clean_html, digest, plain, section_slug, web_url
from newsfeed.sources.fetchstate import FetchMemory, conditional_get
from newsfeed.sources.http import HttpClient, limits_for
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
        if self.source.path:
            self._parse(self._load())
            yield from self._listed()
            return
        memory = FetchMemory(self.settings.store_path, self.name).load()
        with self._client() as client:
            listed = conditional_get(client, memory, self.source.url, self._fresh, accept=_ACCEPT)
        if listed is None:
            raise SourceError(f"{self.source.url}: HTTP 404/410, the feed is not there; check the source's url")
        memory.commit(prune=True)
        yield from (tuple(pair) for pair in listed)

    def read(self, key: str, fingerprint: str) -> SourceItem:
        if key not in self.entries and self.source.url:
            with self._client() as client:  # unchanged upstream (304), yet this entry is to be read
                response = client.get(self.source.url, accept=_ACCEPT)
            if not 200 <= response.status < 300:
                raise response.failure()
            self._parse(response.body)
        entry = self.entries.get(key)
        if entry is None:
            raise SourceError("entry left the upstream feed while it was read; it is read at the next run if it is back")
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
        section = section_slug(_mapped(categories, self.source.section_names), self.settings, self.source.section)
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
        try:
            return self.source.path.read_bytes()
        except OSError as exc:
            raise SourceError(f"{self.source.path}: cannot read ({exc.strerror}); fix the source's path") from None

    def _client(self) -> HttpClient:
        return HttpClient(limits_for(self.source, self.settings))

    def _fresh(self, response) -> list[list[str]]:
        """The (key, fingerprint) pairs of a fresh answer, as remembered for a 304."""
        self._parse(response.body)
        return [list(pair) for pair in self._listed()]

    def _parse(self, raw: bytes) -> None:
        parsed = feedparser.parse(raw, sanitize_html=False, resolve_relative_uris=False)
        if parsed.bozo and not parsed.entries:
            raise SourceError(f"{self.location}: not a readable RSS/Atom feed ({parsed.get('bozo_exception')})")
        for entry in parsed.entries:
            key = entry.get("id") or entry.get("link")
            if key and key not in self.entries:
                self.entries[key] = entry

    def _listed(self) -> list[tuple[str, str]]:
        return [
            (key, digest(str(dict.get(entry, "updated", "")), entry.get("title", ""), _content(entry)))
            for key, entry in sorted(self.entries.items())
        ]


_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"


def _mapped(names: list[str], mapping: dict[str, str]) -> list[str]:
    """`names` with the site's own names (section_names, any case) put as section slugs, first."""
    folded = {k.strip().casefold(): v for k, v in mapping.items()}
    return [folded[n.strip().casefold()] for n in names if n.strip().casefold() in folded] + names


def _content(entry) -> str:
    if entry.get("content"):
        return entry["content"][0].get("value", "")
    return entry.get("summary", "")


def _time(parsed) -> datetime | None:
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None
