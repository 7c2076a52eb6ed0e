"""The published files: only those publish and digest wrote, with HTTP caching done right.

Feed readers and aggregators poll: every file carries a strong ETag (its content hash, as
recorded at publish) and Last-Modified, and a conditional request that matches gets 304
with no body. A client that accepts gzip gets the precompressed copy publish wrote beside
the file (Content-Encoding, its own ETag, Vary: Accept-Encoding). Cache-Control depends on
the kind of file. Feeds name their WebSub hubs and themselves in Link headers.

WhiteNoise does most of this for a folder; it is not used because it serves whatever lies
in the folder (a stray copy of the store, a config) and learns of new files only by
rescanning, while here the list of what may be served and each file's hash are already in
the store, kept by publish.
"""

from __future__ import annotations

import mimetypes
import os
import time
from datetime import datetime
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote

from newsfeed.config import Settings
from newsfeed.store import Store, outputs, postgres
from newsfeed.types import FileStamp
from newsfeed.web.pages import StartResponse, respond

CONTENT_TYPES = {
    "rss.xml": "application/rss+xml; charset=utf-8",
    "atom.xml": "application/atom+xml; charset=utf-8",
    "feed.json": "application/feed+json; charset=utf-8",
    "opml.xml": "text/x-opml; charset=utf-8",
}
SUFFIX_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".eml": "message/rfc822",
    ".css": "text/css; charset=utf-8",
    ".gz": "application/gzip",
}
# Seconds a cache may reuse a file without asking: feeds and pages change within minutes,
# a past digest edition hardly ever, a stylesheet or image rarely.
MAX_AGE = {".xml": 300, ".json": 300, ".html": 300, ".txt": 300, ".eml": 3600}
MAX_AGE_OTHER = 86400
FEED_NAMES = ("rss.xml", "atom.xml", "feed.json")
RECHECK = 1.0  # seconds between two looks at a PostgreSQL store's list of published files


def content_type(path: Path) -> str:
    if path.name in CONTENT_TYPES:
        return CONTENT_TYPES[path.name]
    return SUFFIX_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class StaticFiles:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = settings.feeds.output_dir.resolve()
        self.store_path = settings.store_path
        self._seen: tuple | str = ()
        self._files: dict[str, FileStamp] = {}
        self._postgres = postgres.location_for(settings.store_path) is not None
        self._checked = -RECHECK

    def published(self) -> dict[str, FileStamp]:
        """path -> stamp of every published file, read again whenever the list changed: on
        SQLite when the store's files changed (a stat per request, no query), on PostgreSQL
        when the list's version counter moved (asked at most once a RECHECK)."""
        if self._postgres:
            now = time.monotonic()
            if now - self._checked < RECHECK:
                return self._files
            self._checked = now
            with Store(self.store_path) as store:
                seen = outputs.version(store)
                if seen != self._seen or not self._files:
                    self._files = outputs.published(store)
                    self._seen = seen
            return self._files
        marks = []
        for suffix in ("", "-wal"):
            try:
                info = os.stat(f"{self.store_path}{suffix}")
                marks.append((info.st_mtime_ns, info.st_size))
            except OSError:
                marks.append(None)
        if tuple(marks) != self._seen:
            with Store(self.store_path) as store:
                self._files = outputs.published(store)
            self._seen = tuple(marks)
        return self._files

    def __call__(self, relative: str, path: str, method: str, environ: dict, start_response: StartResponse) -> list[bytes] | None:
        """The response for a file, or None when nothing published is there (a 404)."""
        parts = [p for p in unquote(relative).split("/") if p]
        if any(p in ("..", ".") or "\\" in p or "\0" in p or p.startswith(".") for p in parts):
            return None
        files = self.published()
        name = "/".join(parts)
        if not name or name.endswith("/") or f"{name}/index.html" in files:
            if name and not path.endswith("/"):
                return respond(start_response, "301 Moved Permanently", b"", "text/plain; charset=utf-8", [("Location", path + "/")])
            name = f"{name}/index.html" if name else "index.html"
        if name not in files:
            return None
        chosen, encoding = name, None
        if name + ".gz" in files and _accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")):
            chosen, encoding = name + ".gz", "gzip"
        target = self.root / chosen
        try:
            info = target.stat()
        except OSError:
            return None
        stamp = files[chosen]
        intact = stamp.sha256 and info.st_size == stamp.size and info.st_mtime_ns == stamp.mtime_ns
        etag = f'"{stamp.sha256[:40]}"' if intact else f'W/"{info.st_size:x}-{info.st_mtime_ns:x}"'
        headers = [("ETag", etag), ("Last-Modified", formatdate(info.st_mtime, usegmt=True))]
        if name + ".gz" in files:
            headers.append(("Vary", "Accept-Encoding"))
        if encoding:
            headers.append(("Content-Encoding", encoding))
        headers += self._links(name)
        cache = f"public, max-age={MAX_AGE.get(Path(name).suffix, MAX_AGE_OTHER)}"
        if _not_modified(environ, etag, info.st_mtime):
            start_response("304 Not Modified", [*headers, ("Cache-Control", cache)])
            return []
        if method == "HEAD":
            return respond(start_response, "200 OK", b"", content_type(Path(name)), headers, length=info.st_size, cache=cache)
        data = target.read_bytes()
        return respond(start_response, "200 OK", data, content_type(Path(name)), headers, cache=cache)

    def _links(self, name: str) -> list[tuple[str, str]]:
        """WebSub discovery (W3C WebSub 4): the hubs and the topic URL, for feeds."""
        if Path(name).name not in FEED_NAMES:
            return []
        hubs = getattr(self.settings.feeds, "websub_hubs", ())
        if not hubs:
            return []
        links = [f'<{hub}>; rel="hub"' for hub in hubs] + [f'<{self.settings.feeds.base_url}/{name}>; rel="self"']
        return [("Link", ", ".join(links))]


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        coding, _sep, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip", "*"):
            quality = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
            try:
                return float(quality) > 0
            except ValueError:
                return False
    return False


def _not_modified(environ: dict, etag: str, mtime: float) -> bool:
    """RFC 9110 13.1: If-None-Match (weak comparison) wins over If-Modified-Since."""
    match = environ.get("HTTP_IF_NONE_MATCH")
    if match is not None:
        wanted = {tag.strip().removeprefix("W/") for tag in match.split(",")}
        return "*" in wanted or etag.removeprefix("W/") in wanted
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if not since:
        return False
    try:
        moment: datetime = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    return moment.tzinfo is not None and int(mtime) <= moment.timestamp()
