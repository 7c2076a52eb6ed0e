"""The polite HTTP client of the live sources (crawl, feed, wpjson).

- It names itself: the User-Agent says newsfeed and the site it works for, so a webmaster can
  tell who is asking and whom to write to.
- Per host, at most `concurrency` requests at once and `rate_per_second` request starts a
  second (robots.txt Crawl-delay slows a host further; a 429's Retry-After holds the whole
  host back, not just the one request).
- Every request has a deadline for the whole answer (`timeout`: it also ends a server that
  trickles a byte a second), a size cap counted on the decoded bytes (a gzip bomb stops
  there too) and at most `max_redirects` redirects, each hop checked by the caller's
  `allow(url)` (configured hosts, robots.txt).
- 429, 5xx and network failures are tried again up to `retries` times, waiting what
  Retry-After asks or else an exponential backoff; a Retry-After beyond MAX_RETRY_AFTER
  seconds is a failure (the site asks to come back later).
- Conditional GET: stored validators go out as If-None-Match / If-Modified-Since; a 304 comes
  back as a Response whose `not_modified` is true.

httpx (BSD-3) does the HTTP: connection pooling with keep-alive shared by threads, gzip and
deflate decoding, streaming with timeouts; the standard library's urllib has no pooling,
streams no decoded bytes and follows redirects without letting each hop be checked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit

import httpx

from newsfeed import __version__
from newsfeed.config import Settings, SourceSettings
from newsfeed.errors import SourceError

MAX_RETRY_AFTER = 120.0  # seconds; a site asking for a longer pause is read at a later run
MAX_BACKOFF = 30.0
RETRIED = frozenset({429, 500, 502, 503, 504})
GONE = frozenset({404, 410})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class Limits:
    """How politely to fetch (the source's config keys of the same names)."""

    user_agent: str = f"newsfeed/{__version__}"
    rate_per_second: float = 1.0  # request starts per second per host; 0 = no limit
    concurrency: int = 2  # requests at once per host
    timeout: float = 30.0  # seconds for one whole answer
    max_bytes: int = 5_000_000  # of one decoded answer
    max_redirects: int = 5
    retries: int = 3
    backoff: float = 1.0  # seconds before the first retry, doubled for each next one


@dataclass(frozen=True, slots=True)
class Validators:
    """What a server said to recognise its answer again (RFC 9110 ETag and Last-Modified)."""

    etag: str = ""
    last_modified: str = ""

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


@dataclass(frozen=True, slots=True)
class Response:
    url: str  # where the answer came from, after redirects
    status: int  # 2xx, 304, 404 or 410; other answers raise SourceError
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case
    body: bytes = b""

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def gone(self) -> bool:
        return self.status in GONE

    @property
    def validators(self) -> Validators:
        return Validators(self.headers.get("etag", ""), self.headers.get("last-modified", ""))

    def failure(self) -> SourceError:
        """The error for an answer the caller cannot use (a 404 where a document must be)."""
        return SourceError(f"{self.url}: HTTP {self.status} {_reason(self.status)}; check the source's url")


def limits_for(source: SourceSettings, settings: Settings) -> Limits:
    """A source's politeness keys, its User-Agent naming the site it works for."""
    http = source.http
    return Limits(
        user_agent=http.user_agent or f"newsfeed/{__version__} (+{settings.site.base_url})",
        rate_per_second=http.rate_per_second,
        concurrency=http.concurrency,
        timeout=http.timeout,
        max_bytes=http.max_page_bytes,
        max_redirects=http.max_redirects,
        retries=http.retries,
    )


Allow = Callable[[str], str]  # url -> "" when it may be fetched, else why not


def _anywhere(url: str) -> str:
    return ""


class _Host:
    """One host's share of the politeness: concurrent slots and the next allowed start."""

    def __init__(self, interval: float, concurrency: int):
        self.slots = threading.BoundedSemaphore(max(1, concurrency))
        self.lock = threading.Lock()
        self.interval = interval
        self.next_start = 0.0

    @contextmanager
    def turn(self):
        with self.slots:
            with self.lock:
                now = time.monotonic()
                start = max(now, self.next_start)
                self.next_start = start + self.interval
            if start > now:
                time.sleep(start - now)
            yield

    def hold(self, seconds: float) -> None:
        """No request to this host starts for `seconds` (a 429 or 503 with Retry-After)."""
        with self.lock:
            self.next_start = max(self.next_start, time.monotonic() + seconds)


class HttpClient:
    """One per source run; thread-safe. Use as a context manager (closes the connections)."""

    def __init__(self, limits: Limits = Limits()):
        self.limits = limits
        self._client = httpx.Client(
            headers={"User-Agent": limits.user_agent, "Accept-Language": "id, en;q=0.5"},
            timeout=httpx.Timeout(limits.timeout),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=max(10, 4 * limits.concurrency), max_keepalive_connections=max(10, 2 * limits.concurrency)),
        )
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()
        self.requests = 0  # sent, retries and redirects included
        self.bytes = 0

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def slow_down(self, url: str, delay: float) -> None:
        """Space requests to the host of `url` at least `delay` seconds (robots.txt Crawl-delay)."""
        host = self._host(url)
        with host.lock:
            host.interval = max(host.interval, delay)

    def get(
        self, url: str, validators: Validators | None = None, allow: Allow = _anywhere, accept: str = "*/*", max_bytes: int = 0, any_status: bool = False
    ) -> Response:
        """GET `url`, following allowed redirects. Returns 2xx, 304, 404 and 410 answers (with
        `any_status`, every final answer but a 429/5xx still failing after the retries);
        raises SourceError (naming the URL and what to do) for anything else. `max_bytes`:
        this answer's cap, when not the source's own (a sitemap may hold 50 MB)."""
        headers = {"Accept": accept}
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        current = url
        for _hop in range(self.limits.max_redirects + 1):
            status, answer_headers, body = self._with_retries(current, headers, max_bytes or self.limits.max_bytes)
            if status not in _REDIRECTS:
                if status == 304 and not validators:
                    raise SourceError(f"{current}: HTTP 304 to a request that asked for no validators; the server is misconfigured")
                if 200 <= status < 300 or status == 304 or status in GONE or any_status:
                    return Response(current, status, answer_headers, body)
                raise SourceError(f"{current}: HTTP {status} {_reason(status)}{_advice(status)}")
            target = answer_headers.get("location", "").strip()
            if not target:
                raise SourceError(f"{current}: HTTP {status} redirect without a Location; the server is misconfigured")
            following = urljoin(current, target)
            if urlsplit(following).scheme not in ("http", "https"):
                raise SourceError(f"{current}: redirects to {following!r}, not a web address")
            if reason := allow(following):
                raise SourceError(f"{url}: redirects to {following}, {reason}")
            current = following
        raise SourceError(f"{url}: more than {self.limits.max_redirects} redirects (a loop?); give the final address, or raise max_redirects")

    # one hop, tried again on 429/5xx/network failures -------------------------------

    def _with_retries(self, url: str, headers: dict[str, str], cap: int) -> tuple[int, dict[str, str], bytes]:
        host = self._host(url)
        attempts = self.limits.retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                with host.turn():
                    status, answer_headers, body = self._once(url, headers, cap)
            except httpx.TimeoutException:
                if last:
                    raise SourceError(f"{url}: no whole answer within {self.limits.timeout:g} s, {attempts} tries; the site is slow or down (raise timeout?)") from None
                self._pause(host, attempt, None)
                continue
            except (httpx.TransportError, OSError) as exc:
                if last:
                    raise SourceError(f"{url}: cannot fetch ({_network_reason(exc)}), {attempts} tries; check the url and the network") from None
                self._pause(host, attempt, None)
                continue
            if status not in RETRIED:
                return status, answer_headers, body
            wait = _retry_after(answer_headers.get("retry-after", ""))
            if wait is not None and wait > MAX_RETRY_AFTER:
                raise SourceError(f"{url}: HTTP {status} {_reason(status)}, asks to wait {wait:.0f} s (Retry-After); it is read again at the next run")
            if last:
                raise SourceError(f"{url}: HTTP {status} {_reason(status)}, {attempts} tries{_advice(status)}")
            self._pause(host, attempt, wait)
        raise AssertionError("unreachable")

    def _pause(self, host: _Host, attempt: int, wait: float | None) -> None:
        seconds = wait if wait is not None else min(MAX_BACKOFF, self.limits.backoff * 2**attempt)
        host.hold(seconds)  # every thread waits for this host, not only this one

    def _once(self, url: str, headers: dict[str, str], cap: int) -> tuple[int, dict[str, str], bytes]:
        deadline = time.monotonic() + self.limits.timeout
        with self._lock:
            self.requests += 1
        with self._client.stream("GET", url, headers=headers) as response:
            answer_headers = {k.lower(): v for k, v in response.headers.items()}
            status = response.status_code
            if status in _REDIRECTS or status == 304 or status in RETRIED or status >= 400 and status not in GONE:
                return status, answer_headers, b""
            declared = answer_headers.get("content-length", "")
            if declared.isdigit() and "content-encoding" not in answer_headers and int(declared) > cap:
                raise SourceError(f"{url}: {int(declared):,} bytes, over the {cap:,} byte cap (max_page_bytes)")
            chunks = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > cap:
                    raise SourceError(f"{url}: over the {cap:,} byte cap (max_page_bytes); not a page to read")
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("whole-answer deadline")
                chunks.append(chunk)
        with self._lock:
            self.bytes += size
        return status, answer_headers, b"".join(chunks)

    def _host(self, url: str) -> _Host:
        parts = urlsplit(url)
        name = f"{parts.scheme}://{parts.netloc.lower()}"
        with self._lock:
            host = self._hosts.get(name)
            if host is None:
                rate = self.limits.rate_per_second
                host = self._hosts[name] = _Host(1.0 / rate if rate > 0 else 0.0, self.limits.concurrency)
            return host


def _retry_after(value: str) -> float | None:
    """Seconds asked for by a Retry-After header (a number or an HTTP date), None if absent."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _advice(status: int) -> str:
    if status in (401, 403):
        return "; the site refuses newsfeed (ask its webmaster, or check the url)"
    if status == 429:
        return "; the site asks for fewer requests: lower rate_per_second or concurrency"
    if status >= 500:
        return "; the site is failing, it is read again at the next run"
    return "; check the source's url"


def _network_reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text[:160] if text else type(exc).__name__
