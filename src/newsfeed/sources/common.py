"""Helpers shared by the HTML, feed and WordPress adapters."""

from __future__ import annotations

import hashlib
import os
from urllib.parse import urljoin
from collections.abc import Iterator
from datetime import UTC, datetime

from newsfeed.config import Settings, SourceSettings
from newsfeed.errors import SourceError
from newsfeed.sanitize import sanitize_html
from newsfeed.text import clean_line
from newsfeed.types import SourceItem

MAX_PAGE_BYTES = 2_000_000


class FolderSource:
    """A folder of files, one article each; subclasses say which files and how to parse one."""

    suffixes: tuple[str, ...] = ()
    lists_everything = True  # a file deleted from the folder withdraws its article
    max_bytes = MAX_PAGE_BYTES  # a larger file is rejected unread

    def __init__(self, source: SourceSettings, settings: Settings):
        self.name = source.name
        self.folder = source.path
        self.section = source.section
        self.settings = settings

    def scan(self) -> Iterator[tuple[str, str]]:
        """(path under the folder with '/', "mtime-size") of every file, sorted; hidden ones skipped."""
        if not self.folder.is_dir():
            raise SourceError(f"{self.folder}: no such folder (source {self.name!r}); fix its path in config.toml")
        yield from sorted(self._walk(str(self.folder) + os.sep, str(self.folder)))

    def read(self, key: str, fingerprint: str) -> SourceItem:
        try:
            with open(os.path.join(self.folder, key), "rb") as handle:
                raw = handle.read(self.max_bytes + 1)
        except OSError as exc:
            raise SourceError(f"cannot read it ({exc.strerror})") from None
        if len(raw) > self.max_bytes:
            raise SourceError(f"over {self.max_bytes // 1_000_000} MB, too large for one article (aggregators cap articles at 1 MB); split or trim it")
        return self.parse(raw, key, fingerprint)

    def parse(self, raw: bytes, key: str, fingerprint: str) -> SourceItem:
        raise NotImplementedError

    def _walk(self, prefix: str, folder: str) -> Iterator[tuple[str, str]]:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    yield from self._walk(prefix, entry.path)
                elif entry.name.endswith(self.suffixes) and entry.is_file():
                    stat = entry.stat()
                    yield entry.path[len(prefix) :].replace(os.sep, "/"), f"{stat.st_mtime_ns}-{stat.st_size}"


USER_AGENT = "newsfeed/0.1"  # no project page of its own to name (the PyPI "newsfeed" is another project)
_BLOCKS = ("p", "h2", "h3", "h4", "li", "blockquote", "pre", "figcaption", "td")


def fetch(url: str, timeout: float = 30.0) -> bytes:
    """GET a URL; every failure becomes a SourceError naming the URL."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        raise SourceError(f"{url}: HTTP {exc.code} {exc.reason}; check the source's url") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SourceError(f"{url}: cannot fetch ({reason}); check the url and the network") from None


def web_url(value: str | None, base: str) -> str | None:
    """An absolute http(s) URL for `value` (relative to `base`), or None for anything else."""
    if not value or not value.strip():
        return None
    joined = urljoin(base, value.strip())
    return joined if joined.startswith(("https://", "http://")) else None


def digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def clean_html(html: str, base_url: str) -> tuple[str, str]:
    """Sanitised HTML (absolute URLs) and its plain text, paragraphs separated by a blank line."""
    safe = sanitize_html(html, base_url)
    if not safe.strip():
        return "", ""
    import lxml.html

    tree = lxml.html.fragment_fromstring(safe, create_parent="div")
    blocks = [clean_line(node.text_content()) for node in tree.iter(*_BLOCKS)]
    text = "\n\n".join(b for b in blocks if b) or clean_line(tree.text_content())
    return safe, text


def plain(html_or_text: str) -> str:
    """Text of a title or excerpt that may carry markup or entities."""
    if "<" not in html_or_text and "&" not in html_or_text:
        return clean_line(html_or_text)
    import lxml.html

    return clean_line(lxml.html.fragment_fromstring(html_or_text, create_parent="div").text_content())


def section_slug(candidates: list[str], settings: Settings, fallback: str) -> str:
    """The first candidate naming a configured section (by name or slug), else the fallback."""
    for candidate in candidates:
        wanted = candidate.strip().casefold()
        for section in settings.sections:
            if wanted in (section.name.casefold(), section.slug):
                return section.slug
    if fallback:
        return fallback
    names = ", ".join(s.name for s in settings.sections)
    raise SourceError(f"no section among {candidates or 'the categories'}; tag it with one of {names} or set the source's section")


def parse_time(value: str | None) -> datetime | None:
    """ISO 8601 (with or without zone; naive = UTC) or None."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
