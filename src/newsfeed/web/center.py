"""The subscription center: the public pages under newsletter.endpoint_url (e.g. /langganan).

Routes, relative to that path (the signed confirm and unsubscribe links stay in
newsfeed.web.links):
- GET  /  (or /daftar)          the subscribe form; ?cari=... lists the topics matching a name
- POST /daftar                  a sign-up (newsfeed.web.subscribe)
- GET/POST /preferensi?token=   the preferences page of every digest (newsfeed.web.preferences)
- GET/POST /aktifkan?token=     the link mailed to an address that left and signed up again
- POST /berlangganan-lagi?token= undo, right after unsubscribing
- GET/POST /data                request a data export or erasure link by e-mail (newsfeed.web.data)
- GET/POST /data/kelola?token=  download or erase the address's data
Pages are Indonesian, work without JavaScript (the CSP allows none), use templates/
langganan*.html, and are never cached. Tokens travel in a query value named `token` (the
access log cuts those) or in POST bodies (never logged).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from newsfeed.config import Settings
from newsfeed.editions import archive_url
from newsfeed.render.templates import render_template
from newsfeed.store import Store
from newsfeed.tokens import secret_from_env
from newsfeed.web import limits
from newsfeed.web.forms import FormError
from newsfeed.web.pages import StartResponse, respond
from newsfeed.web.topics import Catalogue

ROUTES = ("/", "/daftar", "/preferensi", "/aktifkan", "/berlangganan-lagi", "/data", "/data/kelola")


class Center:
    def __init__(self, settings: Settings, clock: Callable[[], datetime], prefix: str):
        from newsfeed.web.data import DataPages
        from newsfeed.web.preferences import PreferencePages
        from newsfeed.web.subscribe import SubscribePage

        self.settings = settings
        self.clock = clock
        self.prefix = prefix  # the path of newsletter.endpoint_url
        self.public_host = urlsplit(settings.newsletter.endpoint_url).netloc
        self.topics = Catalogue(settings, clock)
        self.pages = {
            "subscribe": SubscribePage(self),
            "preferences": PreferencePages(self),
            "data": DataPages(self),
        }

    def __call__(self, route: str, method: str, environ: dict, start_response: StartResponse) -> list[bytes]:
        if method not in ("GET", "HEAD", "POST"):
            return respond(start_response, "405 Method Not Allowed", b"method not allowed\n", "text/plain; charset=utf-8",
                           [("Allow", "GET, HEAD, POST")])
        try:
            if route in ("/", "/daftar"):
                return self.pages["subscribe"](method, environ, start_response)
            if route in ("/preferensi", "/aktifkan", "/berlangganan-lagi"):
                return self.pages["preferences"](route, method, environ, start_response)
            return self.pages["data"](route, method, environ, start_response)
        except FormError as exc:
            headers = [("Retry-After", str(exc.seconds))] if isinstance(exc, _TooMany) else None
            return self.notice(start_response, exc.status, exc.title, [exc.text], environ, headers=headers)

    # what the pages share ------------------------------------------------------------

    def secret(self) -> bytes:
        return secret_from_env(self.settings)

    def store(self) -> Store:
        return Store(self.settings.store_path)

    def base(self, environ: dict) -> str:
        """The path of the center as the browser sees it (behind SCRIPT_NAME)."""
        return environ.get("SCRIPT_NAME", "").rstrip("/") + self.prefix

    def limit_client(self, store: Store, environ: dict, now: datetime) -> None:
        """FormError 429 once this client used up its POSTs to the forms."""
        wait = limits.take(store, self.secret(), limits.CLIENT_LIMITS, limits.client_key(environ), now)
        if wait:
            minutes = max(1, round(wait / 60))
            raise _TooMany(minutes, wait)

    def limit_mail(self, store: Store, email: str, now: datetime) -> bool:
        """True when one more mail may go to this address (and overall) now."""
        secret = self.secret()
        if limits.take(store, secret, limits.OVERALL_LIMITS, "all", now):
            raise FormError("503 Service Unavailable", "Layanan sedang sibuk", "Terlalu banyak permintaan saat ini. Silakan coba lagi nanti.")
        return not limits.take(store, secret, limits.ADDRESS_LIMITS, email, now)

    def context(self, environ: dict, title: str, **extra) -> dict:
        site = self.settings.site
        base = self.base(environ)
        return {
            "lang": site.language, "title": title, "site_name": site.name, "site_url": site.base_url,
            "subscribe_url": f"{base}/", "archive_url": archive_url(self.settings), "data_url": f"{base}/data", **extra,
        }

    def render(self, start_response: StartResponse, status: str, template: str, environ: dict, title: str,
               headers: list[tuple[str, str]] | None = None, **extra) -> list[bytes]:
        body = render_template(self.settings.templates_dir, template, **self.context(environ, title, **extra))
        return respond(start_response, status, body.encode("utf-8"), extra=headers)

    def notice(self, start_response: StartResponse, status: str, title: str, paragraphs: list[str], environ: dict,
               actions: list[dict] | None = None, headers: list[tuple[str, str]] | None = None) -> list[bytes]:
        """A page of plain-text paragraphs (escaped by the template) and buttons or links."""
        return self.render(start_response, status, "langganan-pesan.html", environ, title, headers=headers,
                           paragraphs=paragraphs, actions=actions or [])


class _TooMany(FormError):
    def __init__(self, minutes: int, seconds: int):
        super().__init__("429 Too Many Requests", "Terlalu banyak permintaan",
                         f"Anda sudah mengirim formulir ini berkali-kali. Silakan coba lagi dalam {minutes} menit.")
        self.seconds = seconds

