"""The WSGI application: the digests' signed links and the published feeds.

Mount it in any WSGI server (`application = newsfeed.web.make_app(load_settings(...))`) or
run `newsfeed serve` (waitress). Routes, relative to where it is mounted:
- the path of newsletter.endpoint_url (e.g. /langganan) + /konfirmasi, /berhenti: the signed
  confirm and unsubscribe links (newsfeed.web.links);
- that path itself and /daftar, /preferensi, /aktifkan, /berlangganan-lagi, /data,
  /data/kelola under it: the subscription center (newsfeed.web.center);
- anything else: a file publish or digest wrote under feeds.output_dir (the path of
  feeds.base_url, e.g. /feeds, is accepted as a prefix), with ETag, Last-Modified, 304s,
  gzip and Cache-Control (newsfeed.web.static); a folder serves its index.html.
Every response carries the security headers below. HEAD gets a GET's headers, no body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from newsfeed.config import Settings
from newsfeed.errors import NewsfeedError
from newsfeed.tokens import CONFIRM_PATH, UNSUBSCRIBE_PATH
from newsfeed.web.center import ROUTES as CENTER_ROUTES
from newsfeed.web.center import Center
from newsfeed.web.links import Links
from newsfeed.web.pages import TEXT, StartResponse, page, respond
from newsfeed.web.static import StaticFiles, content_type

LOG = logging.getLogger("newsfeed.web")

__all__ = ["App", "content_type", "make_app"]

SECURITY_HEADERS = [
    # pages are newsfeed's own: no script at all, styles inline, images from anywhere (feeds)
    ("Content-Security-Policy", "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src * data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    ("Referrer-Policy", "no-referrer"),  # a signed link's token never leaks to another site
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
]


class App:
    def __init__(self, settings: Settings, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.settings = settings
        self.static = StaticFiles(settings)
        self.endpoint_prefix = urlsplit(settings.newsletter.endpoint_url).path.rstrip("/")
        self.feeds_prefix = urlsplit(settings.feeds.base_url).path.rstrip("/")
        self.center = Center(settings, clock, self.endpoint_prefix)
        self.links = Links(settings, clock, self.center)

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()

        def secured(status: str, headers: list[tuple[str, str]], *exc_info):
            return start_response(status, headers + SECURITY_HEADERS, *exc_info)

        body = self._handle(method, environ, secured)
        if method == "HEAD":  # the same headers as GET (Content-Length included), no body
            return [b""]
        return body

    def _handle(self, method: str, environ: dict, start_response: StartResponse) -> list[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        site = self.settings.site.name
        try:
            route = _strip(path, self.endpoint_prefix)
            if route in (f"/{CONFIRM_PATH}", f"/{UNSUBSCRIBE_PATH}"):
                return self.links(route[1:], method, environ, start_response)
            under = _under(path, self.endpoint_prefix)
            if under in CENTER_ROUTES and (under != "/" or self.endpoint_prefix):
                return self.center(under, method, environ, start_response)
            if method not in ("GET", "HEAD"):
                return respond(start_response, "405 Method Not Allowed", b"method not allowed\n", TEXT, [("Allow", "GET, HEAD")])
            found = self.static(_strip(path, self.feeds_prefix), path, method, environ, start_response)
            if found is None:
                return respond(start_response, "404 Not Found", page("Halaman tidak ditemukan", "<p>Halaman yang Anda cari tidak ada.</p>", site))
            return found
        except NewsfeedError as exc:  # the reader gets a page; the operator the reason (the path holds no token)
            LOG.error("%s %s: 503, %s", method, path, exc)
            body = page("Terjadi kesalahan", "<p>Layanan sedang bermasalah. Silakan coba lagi nanti.</p>", site)
            return respond(start_response, "503 Service Unavailable", body)


def _strip(path: str, prefix: str) -> str:
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        return path[len(prefix):] or "/"
    return path


def _under(path: str, prefix: str) -> str | None:
    """The path below `prefix` ("/" for the prefix itself), or None outside it."""
    if path == prefix or path == prefix + "/":
        return "/"
    if path.startswith(prefix + "/"):
        return path[len(prefix):]
    return None


def make_app(settings: Settings) -> App:
    return App(settings)
