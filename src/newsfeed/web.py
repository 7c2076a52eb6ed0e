"""A small WSGI application: confirm and unsubscribe endpoints, and the feeds/ folder.

Mount it in any WSGI server (`application = newsfeed.web.make_app(load_settings(...))`) or
run `newsfeed serve` on one machine. Routes (relative to where it is mounted; the path of
newsletter.endpoint_url, e.g. /langganan, is accepted as a prefix too):

- GET  /konfirmasi?token=...  a page with a button; GET changes nothing, because mail
                              scanners fetch links (a prefetch must not subscribe anybody)
- POST /konfirmasi?token=...  confirms the pending subscription
- GET  /berhenti?token=...    a page with a button (RFC 8058: GET never unsubscribes)
- POST /berhenti?token=...    unsubscribes at once, in this request. The one-click POST of
                              RFC 8058 (body `List-Unsubscribe=One-Click`) and the page's
                              button both land here; no cookie, no login, no CSRF token:
                              the signed token is the authority.
- anything else: a file under feeds.output_dir that publish or digest wrote (nothing else,
  whatever lies in the folder), read-only, with the feed content types;
  the path of feeds.base_url (e.g. /feeds) is accepted as a prefix; a folder serves its
  index.html. Paths that leave the folder are refused.
HEAD is answered everywhere with the headers a GET would get (Content-Length included)
and no body.
"""

from __future__ import annotations

import html
import mimetypes
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from newsfeed.config import Settings
from newsfeed.errors import NewsfeedError
from newsfeed.store import Store
from newsfeed.store import outputs
from newsfeed.store import subscribers as ledger
from newsfeed.tokens import CONFIRM, CONFIRM_PATH, UNSUBSCRIBE, UNSUBSCRIBE_PATH, TokenError, secret_from_env, verify_token

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
}
MAX_BODY = 64 * 1024
StartResponse = Callable[..., object]


def content_type(path: Path) -> str:
    if path.name in CONTENT_TYPES:
        return CONTENT_TYPES[path.name]
    if path.suffix in (".rss",):
        return CONTENT_TYPES["rss.xml"]
    return SUFFIX_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _page(title: str, body: str, site: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} - {html.escape(site)}</title>"
        "<style>body{font-family:Georgia,serif;max-width:36em;margin:3em auto;padding:0 1em;line-height:1.5}"
        "button{font-size:1em;padding:.5em 1.2em}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}<p><small>{html.escape(site)}</small></p></body></html>\n"
    ).encode("utf-8")


class App:
    def __init__(self, settings: Settings, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.settings = settings
        self.clock = clock
        self.feeds = settings.feeds.output_dir.resolve()
        self.endpoint_prefix = urlsplit(settings.newsletter.endpoint_url).path.rstrip("/")
        self.feeds_prefix = urlsplit(settings.feeds.base_url).path.rstrip("/")

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        body = self._handle(method, environ, start_response)
        if method == "HEAD":  # the same headers as GET (Content-Length included), no body
            return [b""]
        return body

    def _handle(self, method: str, environ: dict, start_response: StartResponse) -> list[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        try:
            route = self._strip(path, self.endpoint_prefix)
            if route in (f"/{CONFIRM_PATH}", f"/{UNSUBSCRIBE_PATH}"):
                return self._subscription(route[1:], method, environ, start_response)
            if method not in ("GET", "HEAD"):
                return self._respond(start_response, "405 Method Not Allowed", b"method not allowed\n", "text/plain; charset=utf-8", [("Allow", "GET, HEAD")])
            return self._static(path, method, start_response)
        except NewsfeedError as exc:
            body = _page("Terjadi kesalahan", f"<p>Layanan sedang bermasalah. Silakan coba lagi nanti.</p><!-- {html.escape(type(exc).__name__)} -->", self.settings.site.name)
            return self._respond(start_response, "503 Service Unavailable", body)

    # subscription endpoints --------------------------------------------------

    def _subscription(self, action: str, method: str, environ: dict, start_response: StartResponse) -> list[bytes]:
        site = self.settings.site.name
        query = parse_qs(environ.get("QUERY_STRING", ""))
        form: dict[str, list[str]] = {}
        if method == "POST":
            form = parse_qs(self._body(environ).decode("utf-8", "replace"))
        elif method not in ("GET", "HEAD"):
            return self._respond(start_response, "405 Method Not Allowed", b"method not allowed\n", "text/plain; charset=utf-8", [("Allow", "GET, HEAD, POST")])
        token = (form.get("token") or query.get("token") or [""])[0]
        purpose = CONFIRM if action == CONFIRM_PATH else UNSUBSCRIBE
        try:
            address = verify_token(secret_from_env(self.settings), token, purpose, self.clock())
        except TokenError as exc:
            expired = "expired" in str(exc)
            text = (
                "Tautan ini sudah kedaluwarsa. Silakan daftar kembali untuk menerima tautan konfirmasi baru."
                if expired
                else "Tautan ini tidak berlaku. Pastikan Anda membuka tautan lengkap dari email kami."
            )
            return self._respond(start_response, "400 Bad Request", _page("Tautan tidak berlaku", f"<p>{text}</p>", site))
        shown = html.escape(address)
        if method != "POST":
            if purpose == CONFIRM:
                title, question, button = "Konfirmasi langganan", f"Konfirmasi langganan ringkasan mingguan untuk <b>{shown}</b>?", "Ya, konfirmasi"
            else:
                title, question, button = "Berhenti berlangganan", f"Berhenti mengirim ringkasan mingguan ke <b>{shown}</b>?", "Ya, berhenti berlangganan"
            form_html = (
                f'<p>{question}</p><form method="post" action="{html.escape(action)}?token={html.escape(token)}">'
                f'<button type="submit">{button}</button></form>'
            )
            return self._respond(start_response, "200 OK", _page(title, form_html, site))
        with Store(self.settings.store_path) as store:
            now = self.clock()
            outcome = ledger.confirm(store, address, now) if purpose == CONFIRM else ledger.unsubscribe(store, address, now)
        if purpose == UNSUBSCRIBE:
            if outcome is None:
                text = f"Alamat <b>{shown}</b> tidak ada dalam daftar kami; Anda tidak akan menerima email dari kami."
            else:
                text = f"Alamat <b>{shown}</b> sudah dihapus dari daftar ringkasan mingguan. Anda tidak akan menerima email lagi."
            return self._respond(start_response, "200 OK", _page("Anda telah berhenti berlangganan", f"<p>{text}</p>", site))
        if outcome == "confirmed":
            return self._respond(start_response, "200 OK", _page("Langganan dikonfirmasi", f"<p>Terima kasih! <b>{shown}</b> akan menerima ringkasan mingguan kami.</p>", site))
        if outcome is None:
            return self._respond(start_response, "404 Not Found", _page("Alamat tidak ditemukan", f"<p><b>{shown}</b> tidak ada dalam daftar kami. Silakan daftar kembali.</p>", site))
        text = f"<b>{shown}</b> sudah tidak berlangganan. Silakan daftar kembali untuk berlangganan lagi."
        return self._respond(start_response, "409 Conflict", _page("Langganan tidak aktif", f"<p>{text}</p>", site))

    def _body(self, environ: dict) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= 0:
            return b""
        return environ["wsgi.input"].read(min(length, MAX_BODY))

    # static files -------------------------------------------------------------

    def _static(self, path: str, method: str, start_response: StartResponse) -> list[bytes]:
        relative = self._strip(path, self.feeds_prefix)
        parts = [p for p in relative.split("/") if p]
        if any(p in ("..", ".") or "\\" in p or "\0" in p or p.startswith(".") for p in parts):
            return self._not_found(start_response)
        target = self.feeds.joinpath(*parts)
        try:
            resolved = target.resolve()
            resolved.relative_to(self.feeds)
        except (ValueError, OSError):
            return self._not_found(start_response)
        if resolved.is_dir():
            if not path.endswith("/"):
                return self._respond(start_response, "301 Moved Permanently", b"", "text/plain; charset=utf-8", [("Location", path + "/")])
            resolved = resolved / "index.html"
        if not resolved.is_file() or not self._published(resolved.relative_to(self.feeds).as_posix()):
            return self._not_found(start_response)
        info = resolved.stat()
        data = b"" if method == "HEAD" else resolved.read_bytes()
        from email.utils import formatdate

        extra = [("Last-Modified", formatdate(info.st_mtime, usegmt=True)), ("X-Content-Type-Options", "nosniff")]
        return self._respond(start_response, "200 OK", data, content_type(resolved), extra, length=info.st_size if method == "HEAD" else len(data))

    def _published(self, relative: str) -> bool:
        """Only what publish or digest wrote is served: never a store, a config or a stray file."""
        with Store(self.settings.store_path) as store:
            return outputs.is_published(store, relative)

    def _not_found(self, start_response: StartResponse) -> list[bytes]:
        return self._respond(start_response, "404 Not Found", _page("Halaman tidak ditemukan", "<p>Halaman yang Anda cari tidak ada.</p>", self.settings.site.name))

    @staticmethod
    def _strip(path: str, prefix: str) -> str:
        if prefix and (path == prefix or path.startswith(prefix + "/")):
            return path[len(prefix):] or "/"
        return path

    @staticmethod
    def _respond(
        start_response: StartResponse, status: str, body: bytes, ctype: str = "text/html; charset=utf-8",
        extra: list[tuple[str, str]] | None = None, length: int | None = None,
    ) -> list[bytes]:
        headers = [("Content-Type", ctype), ("Content-Length", str(len(body) if length is None else length)), ("Cache-Control", "no-cache" if extra else "no-store")]
        start_response(status, headers + (extra or []))
        return [body]


def make_app(settings: Settings) -> App:
    return App(settings)
