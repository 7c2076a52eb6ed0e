"""The topics a reader can follow: those with feeds (at least topics.min_articles articles),
searchable by name; read from the store at most once a minute (the last publish's counts, or
counted now before any publish)."""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from newsfeed.config import Settings
from newsfeed.store import Store, feedstate

POPULAR = 24  # shown when nothing is searched
MAX_SHOWN = 60  # search results listed
MAX_NAMES = 2000  # names offered to type-ahead (datalist)
MAX_AGE = 60.0  # seconds


@dataclass(frozen=True, slots=True)
class Topic:
    slug: str
    name: str
    count: int


def folded(text: str) -> str:
    """For matching: case and accents ignored, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


class Catalogue:
    def __init__(self, settings: Settings, clock: Callable[[], datetime]):
        self.settings = settings
        self.clock = clock
        self._lock = threading.Lock()
        self._read = -MAX_AGE
        self._topics: tuple[Topic, ...] = ()

    def all(self) -> tuple[Topic, ...]:
        """Every followable topic, by name."""
        with self._lock:
            if time.monotonic() - self._read >= MAX_AGE:
                minimum = self.settings.topics.min_articles
                with Store(self.settings.store_path) as store:  # counting them all is seconds at 100,000 articles
                    published = store.meta("topics_tallied") == "1"
                    rows = feedstate.tallied_topics(store, minimum) if published else feedstate.topic_counts(store, minimum, self.clock())
                self._topics = tuple(sorted((Topic(*row) for row in rows), key=lambda t: (folded(t.name), t.slug)))
                self._read = time.monotonic()
            return self._topics

    def by_slug(self) -> dict[str, Topic]:
        return {t.slug: t for t in self.all()}

    def popular(self) -> list[Topic]:
        return sorted(sorted(self.all(), key=lambda t: -t.count)[:POPULAR], key=lambda t: folded(t.name))

    def search(self, query: str) -> list[Topic]:
        wanted = folded(query)
        if not wanted:
            return self.popular()
        starts = [t for t in self.all() if folded(t.name).startswith(wanted)]
        inside = [t for t in self.all() if wanted in folded(t.name) and t not in starts]
        return (starts + inside)[:MAX_SHOWN]

    def names(self) -> list[str]:
        return [t.name for t in sorted(self.all(), key=lambda t: -t.count)[:MAX_NAMES]]

    def resolve(self, text: str) -> tuple[list[str], list[str]]:
        """(slugs, names not found) for "Korea Utara, Timnas Indonesia" as typed."""
        by_name = {folded(t.name): t.slug for t in self.all()}
        found, unknown = [], []
        for part in text.replace(";", ",").split(","):
            if not part.strip():
                continue
            slug = by_name.get(folded(part))
            if slug is None:
                unknown.append(" ".join(part.split())[:80])
            elif slug not in found:
                found.append(slug)
        return found, unknown
