"""A live news site (kind = "crawl"): its article pages fetched over HTTP and read like saved
ones (sources/html.py's PageReader: metadata, body, section mapping).

Where the article addresses come from:
- `sitemaps`: sitemap indexes, sitemaps, Google News sitemaps, WordPress's wp-sitemap.xml;
- `listings`: section listing pages, followed through their next-page links (rel="next", or
  a "Berikutnya"/"Next" link) up to `max_listing_pages` each; their links that look like an
  article (a slug of three or more words, or an id beside a word), or match `article_pattern`;
- neither given: the Sitemap lines of the site's robots.txt, else <url>/sitemap.xml.
Only pages on `hosts` (default: the host of `url`) that robots.txt allows are fetched; links to
anywhere else are never followed, redirects there are refused.

What a run costs: each robots.txt, sitemap and listing page is asked for with the validators of
its last answer (ETag, Last-Modified); an unchanged one answers 304 and what it listed last time
stands for it (sources/fetchstate.py). An article page is fetched when it is new or its
sitemap <lastmod> changed, and not otherwise: an unchanged site costs one request per robots.txt,
sitemap and listing page.

A listed page that answered 404/410 is remembered with its fingerprint: while that stays the
same it is not asked for again for a while (fetchstate: a week for a page that said 410 or was
published before; for a new page that said 404, an hour, doubled while it still says so), so a
sitemap that goes on naming a deleted page costs almost nothing per run.

Withdrawal: scan() names every article the sitemaps and listings name. When the run saw the
whole site (every document read or unchanged, no listing cut at max_listing_pages, not only
news sitemaps, `complete` left true), an article no longer named is withdrawn, through the
ingest's guard. Otherwise `lists_everything` is false for that run and only a page answering
404/410 when read leaves. A robots.txt, sitemap or listing that cannot be read fails the scan:
nothing of the source is read or withdrawn that run.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from urllib.parse import urlsplit

from protego import Protego

from newsfeed.config import CrawlSettings, Settings, SourceSettings
from newsfeed.errors import SourceError, SourceGone
from newsfeed.sources.fetchstate import FetchMemory, conditional_get
from newsfeed.sources.html import PageReader
from newsfeed.sources.http import HttpClient, limits_for
from newsfeed.sources.links import canonical, host_of, looks_like_article, read_listing
from newsfeed.sources.readpages import ThreadedReads
from newsfeed.sources.sitemaps import MAX_SITEMAP_BYTES, read_sitemap
from newsfeed.store import Store
from newsfeed.types import SourceItem

MAX_DOCUMENTS = 20_000  # sitemaps per run; beyond it the crawl is partial
MAX_CRAWL_DELAY = 60.0  # seconds; a robots.txt Crawl-delay is honoured up to this
MAX_ROBOTS_BYTES = 512_000  # what RFC 9309 asks a crawler to read at least
_HTML = ("text/html", "application/xhtml+xml")
# What a static file server says of a saved page without a .html suffix: read if it is HTML.
_UNTYPED = ("", "application/octet-stream", "binary/octet-stream", "text/plain")
_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|meta|title)\b", re.IGNORECASE | re.DOTALL)


class CrawlSource:
    # Set by every scan(): false for a run that saw only part of the site.
    lists_everything = True

    def __init__(self, source: SourceSettings, settings: Settings):
        assert source.crawl is not None
        self.name = source.name
        self.settings = settings
        self.crawl = source.crawl
        self.site = _Site(source, settings)
        self.partial: list[str] = []  # why the last scan did not see the whole site
        self._ahead: ThreadedReads | None = None
        self._memory: FetchMemory | None = None  # the last scan's
        self._stored: set[str] = set()  # keys of the articles stored at the last scan

    def scan(self) -> Iterator[tuple[str, str]]:
        self.close()
        memory = self._memory = FetchMemory(self.settings.store_path, self.name).load()
        self.site.memory = memory
        walk = _Walk(self.site, self.crawl)
        try:
            found = walk.run()
        except BaseException:
            memory.commit(prune=False)  # what was read stays true; the failure is the scan's
            raise
        finally:
            self.site.memory = None
        with Store(self.settings.store_path) as store:
            known = store.fingerprints(self.name)
        self._stored = set(known)
        now = datetime.now(UTC)
        # a page still stored is never left out here: its withdrawal goes through the ingest
        listing = [(key, print_) for key, print_ in sorted(found.items()) if key in known or not memory.known_gone(key, print_, now)]
        memory.commit(prune=not walk.partial)
        self.partial = walk.partial
        self.lists_everything = not walk.partial
        todo = [(key, print_) for key, print_ in listing if known.get(key) != print_]
        workers = min(16, self.site.limits.concurrency * max(1, len(self.site.hosts)))
        self._ahead = ThreadedReads(self.site.read_page, todo, workers)
        yield from listing

    def read(self, key: str, fingerprint: str) -> SourceItem:
        try:
            if self._ahead is not None:
                return self._ahead.take(key, fingerprint)
            return self.site.read_page(key, fingerprint)
        except SourceGone as gone:
            if self._memory is not None:
                lasting = getattr(gone, "status", 404) == 410 or key in self._stored
                self._memory.gone(key, fingerprint, datetime.now(UTC), lasting)
            raise

    def close(self) -> None:
        """Stop reading ahead and close the connections (the next scan opens new ones)."""
        if self._ahead is not None:
            self._ahead.close()
            self._ahead = None
        self.site.close()

    def __del__(self) -> None:
        self.close()  # no thread outlives the source (a live thread stops the enrichment forking)


class _Site:
    """The live site as this run sees it: its hosts, robots.txt rules and one HTTP client."""

    def __init__(self, source: SourceSettings, settings: Settings):
        crawl = source.crawl
        self.home = source.url.rstrip("/")
        self.hosts = frozenset(crawl.hosts)
        self.pattern = re.compile(crawl.article_pattern) if crawl.article_pattern else None
        self.limits = limits_for(source, settings)
        self.agent = self.limits.user_agent.split("/", 1)[0].split()[0]  # robots.txt product token
        self.reader = PageReader.of(source, settings)
        self.memory: FetchMemory | None = None  # during a scan: robots.txt is remembered too
        self._client: HttpClient | None = None
        self._robots: dict[str, Protego | None] = {}
        self._fetching: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    @property
    def client(self) -> HttpClient:
        with self._lock:
            if self._client is None:
                self._client = HttpClient(self.limits)
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
            self._robots.clear()

    def read_page(self, key: str, fingerprint: str) -> SourceItem:
        if reason := self.refusal(key):
            raise SourceError(f"not fetched: {reason}")
        response = self.client.get(key, allow=self.refusal, accept="text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
        if response.gone:
            gone = SourceGone(f"{key}: HTTP {response.status}; the page is gone from the site")
            gone.status = response.status
            raise gone
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in _HTML and not (kind in _UNTYPED and _looks_like_html(response.body)):
            raise SourceError(f"{response.url}: {kind or 'no Content-Type'}, not an HTML page; leave it out of the sitemaps or listings (article_pattern)")
        return self.reader.read(response.body, key, url=response.url, headers=response.headers, fingerprint=fingerprint)

    def refusal(self, url: str) -> str:
        """Why `url` may not be fetched as a page of this site ("" when it may)."""
        if host_of(url) not in self.hosts:
            return f"{url} is not on the source's hosts ({', '.join(sorted(self.hosts))}); add its host to hosts to follow it"
        robots = self.robots(url)
        if robots is not None and not robots.can_fetch(url, self.agent):
            return f"{url} is disallowed by the site's robots.txt"
        return ""

    def robots(self, url: str) -> Protego | None:
        """The robots.txt rules of the host of `url` (None: it has none), fetched once a run."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin in self._robots:
                return self._robots[origin]
            fetching = self._fetching.setdefault(origin, threading.Lock())
        with fetching:  # one fetch per host; the other threads wait for its rules
            with self._lock:
                if origin in self._robots:
                    return self._robots[origin]
            rules = self._fetch_robots(origin)
            with self._lock:
                self._robots[origin] = rules
            return rules

    def _fetch_robots(self, origin: str) -> Protego | None:
        memory = self.memory
        address = origin + "/robots.txt"
        remembered = memory.recall(address) if memory else None
        response = self.client.get(address, validators=remembered.validators if remembered else None, max_bytes=MAX_ROBOTS_BYTES, any_status=True)
        if response.not_modified and remembered is not None:
            memory.still(address)
            text = remembered.found
        elif 200 <= response.status < 300:
            text = response.body.decode("utf-8", errors="replace")
            if memory and response.validators:
                memory.keep(address, response.validators, text)
        else:  # RFC 9309: a robots.txt that is not there (4xx) allows everything
            return None
        rules = Protego.parse(text)
        delay = rules.crawl_delay(self.agent)
        if delay:
            self.client.slow_down(origin, min(float(delay), MAX_CRAWL_DELAY))
        return rules


class _Walk:
    """One run through the site's sitemaps and listings: article URL -> fingerprint."""

    def __init__(self, site: _Site, crawl: CrawlSettings):
        self.site = site
        self.crawl = crawl
        self.client = site.client
        self.memory = site.memory
        self.found: dict[str, str] = {}
        self.partial: list[str] = []
        self.lock = threading.Lock()

    def run(self) -> dict[str, str]:
        crawl = self.crawl
        if not crawl.complete:
            self.partial.append("complete = false")
        sitemaps = list(crawl.sitemaps)
        if not sitemaps and not crawl.listings:
            rules = self.site.robots(self.site.home + "/")
            sitemaps = [canonical(s) for s in (rules.sitemaps if rules is not None else ()) if canonical(s)]
            sitemaps = sitemaps or [self.site.home + "/sitemap.xml"]
        self.sitemap_hosts = {host_of(s) for s in sitemaps} | self.site.hosts
        workers = min(16, self.client.limits.concurrency * max(1, len(self.sitemap_hosts)))
        with ThreadPoolExecutor(workers, thread_name_prefix="crawl-scan") as pool:
            regular = self._sitemaps(pool, sitemaps)
            if sitemaps and not regular and not crawl.listings:
                self.partial.append("only news sitemaps (they name the last days' articles)")
            for future in [pool.submit(self._listing, start) for start in crawl.listings]:
                future.result()
        return self.found

    # sitemaps ------------------------------------------------------------------------

    def _sitemaps(self, pool: ThreadPoolExecutor, roots: list[str]) -> int:
        """Reads the sitemaps under `roots`, a level at a time; returns how many regular
        (not news) urlsets named articles."""
        seen: set[str] = set()
        level = list(dict.fromkeys(roots))
        regular = 0
        while level:
            level = [u for u in level if u not in seen]
            if len(seen) + len(level) > MAX_DOCUMENTS:
                self.partial.append(f"over {MAX_DOCUMENTS} sitemaps")
                level = level[: max(0, MAX_DOCUMENTS - len(seen))]
            seen.update(level)
            results = [pool.submit(self._sitemap, url) for url in level]
            level = []
            for future in results:
                children, entries = future.result()
                level += children
                if entries and not all(news for _u, _m, news in entries):
                    regular += 1
                self._add_entries(entries)
        return regular

    def _sitemap(self, url: str) -> tuple[list[str], list[list]]:
        def parse(raw: bytes, at: str) -> dict:
            sitemap = read_sitemap(raw, at)
            return {"sitemaps": list(sitemap.sitemaps), "entries": [[e.url, e.lastmod, e.news] for e in sitemap.entries]}

        found = self._document(url, parse, self._sitemap_refusal, MAX_SITEMAP_BYTES, "a sitemap")
        return found["sitemaps"], found["entries"]

    def _sitemap_refusal(self, url: str) -> str:
        if host_of(url) not in self.sitemap_hosts:
            return f"not on the source's hosts ({', '.join(sorted(self.site.hosts))})"
        return ""

    def _add_entries(self, entries: list[list]) -> None:
        refusal = self.site.refusal
        pattern = self.site.pattern
        with self.lock:
            for url, lastmod, _news in entries:
                if pattern is not None and not looks_like_article(url, pattern):
                    continue
                if refusal(url):
                    continue
                # a page in two sitemaps (news and regular) keeps the fingerprint it has in the regular one
                if lastmod or url not in self.found:
                    self.found[url] = max(lastmod, self.found.get(url, ""))

    # listings ------------------------------------------------------------------------

    def _listing(self, start: str) -> None:
        crawl = self.crawl
        url = canonical(start)
        seen: set[str] = set()
        for number in range(1, crawl.max_listing_pages + 1):
            seen.add(url)
            found = self._document(url, _parse_listing, self.site.refusal, 0, "a listing page", optional=number > 1)
            if found is None:  # a later page answered 404: the listing ends early
                self.partial.append(f"{url} (page {number} of listing {start}) is gone")
                return
            links = [link for link in found["links"] if link not in seen and looks_like_article(link, self.site.pattern)]
            with self.lock:
                for link in links:
                    if not self.site.refusal(link):
                        self.found.setdefault(link, "")
            url = found["next"]
            if not url or url in seen or self.site.refusal(url):
                return
        self.partial.append(f"listing {start} has more than max_listing_pages = {crawl.max_listing_pages} pages")

    # one document, remembered between runs -------------------------------------------

    def _document(self, url: str, parse: Callable[[bytes, str], dict], refusal: Callable[[str], str], cap: int, what: str, optional: bool = False) -> dict | None:
        if reason := refusal(url):
            raise SourceError(f"{url}: not fetched, {reason}")
        found = conditional_get(self.client, self.memory, url, lambda response: parse(response.body, response.url), allow=refusal, max_bytes=cap)
        if found is None and not optional:
            raise SourceError(f"{url}: gone (HTTP 404/410), where {what} was expected; fix the source's sitemaps or listings")
        return found


def _looks_like_html(raw: bytes) -> bool:
    return bool(_HTML_START.match(raw[:2048]))


def _parse_listing(raw: bytes, url: str) -> dict:
    listing = read_listing(raw, url)
    return {"links": list(listing.links), "next": listing.next}
