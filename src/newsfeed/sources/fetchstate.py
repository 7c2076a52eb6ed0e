"""What the live sources remember of the documents they fetch, between runs (the store's
fetched_documents table): each document's validators and what it listed. An unchanged
robots.txt, sitemap, listing page or feed then costs one request answered 304 Not Modified,
and what it listed last time stands for it.

Rows are written in one transaction at the end of a scan, apart from the articles: what a
document listed is true of the document whatever becomes of the articles it names (a run
killed before they are stored reads them at the next run, their fingerprints being unknown).
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from newsfeed.sources.http import GONE, HttpClient, Response, Validators
from newsfeed.store import Store
from newsfeed.times import from_stored, to_stored

# Bumped when what a source keeps of a document changes shape: older rows are fetched anew.
FORMAT = 1
# A listed page that answered 404/410 is not asked for again while its fingerprint (sitemap
# <lastmod>) stays the same, for a while: GONE_RECHECK for a page that says 410 or was once
# published (it was taken down); for a new page that said 404 (a news sitemap can name a page
# a moment before it is live, a CDN can cache a 404 briefly) FIRST_RECHECK, doubled each time
# it still says 404, up to GONE_RECHECK.
GONE_RECHECK = timedelta(days=7)
FIRST_RECHECK = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Remembered:
    validators: Validators
    found: Any  # what the source read from the document, as JSON values


class FetchMemory:
    """One source's remembered documents; thread-safe, the store is touched only on open and commit."""

    def __init__(self, store_path: Path, source: str):
        self.store_path = store_path
        self.source = source
        self._known: dict[str, Remembered] = {}
        self._fresh: dict[str, Remembered] = {}
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def load(self) -> FetchMemory:
        with Store(self.store_path) as store:
            rows = store.query("SELECT url, etag, last_modified, found FROM fetched_documents WHERE source = ?", (self.source,))
        for url, etag, modified, blob in rows:
            try:
                data = json.loads(zlib.decompress(blob))
            except (zlib.error, ValueError, TypeError):
                continue  # unreadable: fetched anew
            if isinstance(data, dict) and data.get("format") == FORMAT:
                self._known[url] = Remembered(Validators(etag, modified), data.get("found"))
        return self

    def recall(self, url: str) -> Remembered | None:
        with self._lock:
            return self._known.get(url)

    def keep(self, url: str, validators: Validators, found: Any) -> None:
        """A fresh answer: remembered (with its validators, if it had any) at commit."""
        with self._lock:
            self._fresh[url] = Remembered(validators, found)
            self._seen.add(url)

    def still(self, url: str) -> None:
        """A 304: what was remembered stays."""
        with self._lock:
            self._seen.add(url)

    def known_gone(self, url: str, fingerprint: str, now: datetime) -> bool:
        """Whether the page at `url` answered 404/410 at this fingerprint and is not due to be
        asked again; either way a pruning commit keeps what was remembered of it."""
        with self._lock:
            found = self._gone_record(url, fingerprint)
            if found is None:
                return False
            self._seen.add(url)
            return now - from_stored(found["since"]) < timedelta(seconds=found["recheck"])

    def gone(self, url: str, fingerprint: str, now: datetime, lasting: bool) -> None:
        """A listed page answered 404/410: remembered at once (reads come after the scan's
        commit). `lasting`: it said 410 or was published before."""
        with self._lock:
            before = self._gone_record(url, fingerprint)
        if lasting:
            wait = GONE_RECHECK
        else:
            wait = min(GONE_RECHECK, 2 * timedelta(seconds=before["recheck"])) if before else FIRST_RECHECK
        found = {"gone": fingerprint, "since": to_stored(now), "recheck": wait.total_seconds()}
        with Store(self.store_path) as store, store.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO fetched_documents (source, url, etag, last_modified, found, fetched) VALUES (?, ?, '', '', ?, ?)",
                (self.source, url, zlib.compress(json.dumps({"format": FORMAT, "found": found}).encode(), 6), found["since"]),
            )
        with self._lock:
            self._known[url] = Remembered(Validators("", ""), found)

    def _gone_record(self, url: str, fingerprint: str) -> dict | None:
        remembered = self._known.get(url)
        found = remembered.found if remembered else None
        if not (isinstance(found, dict) and found.get("gone") == fingerprint and isinstance(found.get("recheck"), (int, float))):
            return None
        try:
            from_stored(found.get("since", ""))
        except (TypeError, ValueError):
            return None
        return found

    def commit(self, prune: bool) -> None:
        """Write this run's fresh answers; with `prune`, forget documents this run never reached
        (listing pages past the end, sitemaps the index no longer names)."""
        with self._lock:
            fresh = dict(self._fresh)
            gone = [url for url in self._known if url not in self._seen] if prune else []
        if not fresh and not gone:
            return
        now = to_stored(datetime.now(UTC))
        rows = [
            (self.source, url, r.validators.etag, r.validators.last_modified, zlib.compress(json.dumps({"format": FORMAT, "found": r.found}).encode(), 6), now)
            for url, r in fresh.items()
        ]
        with Store(self.store_path) as store, store.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO fetched_documents (source, url, etag, last_modified, found, fetched) VALUES (?, ?, ?, ?, ?, ?)", rows
            )
            conn.executemany("DELETE FROM fetched_documents WHERE source = ? AND url = ?", ((self.source, url) for url in gone))
        with self._lock:
            self._known.update(fresh)
            for url in gone:
                self._known.pop(url, None)
            self._fresh.clear()


def conditional_get(
    client: HttpClient, memory: FetchMemory, url: str, parse: Callable[[Response], Any], absent: frozenset[int] = GONE, **get_options
) -> Any | None:
    """What the document at `url` says: parsed from a fresh answer (remembered, when it came
    with validators), or what was remembered when it answers 304. None when it answers one of
    the `absent` statuses (404 and 410; WordPress says 400 past its last page)."""
    remembered = memory.recall(url)
    response = client.get(url, validators=remembered.validators if remembered else None, any_status=not absent <= GONE, **get_options)
    if response.not_modified and remembered is not None:
        memory.still(url)
        return remembered.found
    if response.status in absent:
        return None
    if not 200 <= response.status < 300:
        raise response.failure()
    found = parse(response)
    if response.validators:
        memory.keep(url, response.validators, found)
    else:
        memory.still(url)
    return found
