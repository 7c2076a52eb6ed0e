"""The signed links of every digest: confirm a subscription, unsubscribe (RFC 8058).

- GET  /konfirmasi?token=...  a page with a button; GET changes nothing, because mail
                              scanners fetch links (a prefetch must not subscribe anybody)
- POST /konfirmasi?token=...  confirms the pending subscription
- GET  /berhenti?token=...    a page with a button (RFC 8058: GET never unsubscribes)
- POST /berhenti?token=...    unsubscribes at once, in this request. The one-click POST of
                              RFC 8058 (body `List-Unsubscribe=One-Click`) and the page's
                              button both land here; no cookie, no login, no CSRF token:
                              the signed token is the authority.
The pages are the subscription center's (newsfeed.web.center): after unsubscribing, the
reader can subscribe again with one button (newsfeed.web.preferences), and after
confirming, reach the preferences page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote

from newsfeed.config import Settings
from newsfeed.store import Store
from newsfeed.store import subscribers as ledger
from newsfeed.tokens import CONFIRM, CONFIRM_PATH, UNSUBSCRIBE, TokenError, preferences_url, secret_from_env, verify_token
from newsfeed.web.pages import StartResponse, respond

if TYPE_CHECKING:
    from newsfeed.web.center import Center

MAX_BODY = 64 * 1024


class Links:
    def __init__(self, settings: Settings, clock: Callable[[], datetime], center: Center):
        self.settings = settings
        self.clock = clock
        self.center = center

    def __call__(self, action: str, method: str, environ: dict, start_response: StartResponse) -> list[bytes]:
        center = self.center
        query = parse_qs(environ.get("QUERY_STRING", ""))
        form: dict[str, list[str]] = {}
        if method == "POST":
            form = parse_qs(self._body(environ).decode("utf-8", "replace"))
        elif method not in ("GET", "HEAD"):
            return respond(start_response, "405 Method Not Allowed", b"method not allowed\n", "text/plain; charset=utf-8", [("Allow", "GET, HEAD, POST")])
        token = (form.get("token") or query.get("token") or [""])[0]
        purpose = CONFIRM if action == CONFIRM_PATH else UNSUBSCRIBE
        secret = secret_from_env(self.settings)
        try:
            address = verify_token(secret, token, purpose, self.clock())
        except TokenError as exc:
            expired = "expired" in str(exc)
            text = (
                "Tautan ini sudah kedaluwarsa. Silakan daftar kembali untuk menerima tautan konfirmasi baru."
                if expired
                else "Tautan ini tidak berlaku. Pastikan Anda membuka tautan lengkap dari email kami."
            )
            return center.notice(start_response, "400 Bad Request", "Tautan tidak berlaku", [text], environ)
        if method != "POST":
            if purpose == CONFIRM:
                title, question, button = "Konfirmasi langganan", f"Konfirmasi langganan ringkasan mingguan untuk {address}?", "Ya, konfirmasi"
            else:
                title, question, button = "Berhenti berlangganan", f"Berhenti mengirim ringkasan mingguan ke {address}?", "Ya, berhenti berlangganan"
            here = f"{center.base(environ)}/{action}?token={quote(token, safe='')}"
            return center.notice(start_response, "200 OK", title, [question], environ,
                                 actions=[{"method": "post", "label": button, "url": here, "fields": []}])
        with Store(self.settings.store_path) as store:
            now = self.clock()
            outcome = ledger.confirm(store, address, now) if purpose == CONFIRM else ledger.unsubscribe(store, address, now)
            subscriber = ledger.get(store, address)
        if purpose == UNSUBSCRIBE:
            if outcome is None or subscriber is None:
                return center.notice(start_response, "200 OK", "Anda telah berhenti berlangganan", [
                    f"Alamat {address} tidak ada dalam daftar kami; Anda tidak akan menerima email dari kami."], environ)
            return center.pages["preferences"].left(start_response, environ, "200 OK", subscriber, self._preferences(secret, subscriber),
                                                    just=True)
        if outcome == "confirmed":
            return center.notice(start_response, "200 OK", "Langganan dikonfirmasi", [
                f"Terima kasih! {address} akan menerima ringkasan mingguan kami."], environ, actions=[
                {"label": "Atur rubrik dan topik", "url": f"{center.base(environ)}/preferensi?token={self._preferences(secret, subscriber)}"}])
        if outcome is None:
            return center.notice(start_response, "404 Not Found", "Alamat tidak ditemukan", [
                f"{address} tidak ada dalam daftar kami. Silakan daftar kembali."], environ)
        return center.notice(start_response, "409 Conflict", "Langganan tidak aktif", [
            f"{address} sudah tidak berlangganan. Silakan daftar kembali untuk berlangganan lagi."], environ)

    def _preferences(self, secret: bytes, subscriber: ledger.Subscriber) -> str:
        return quote(preferences_url(self.settings, secret, subscriber.id, subscriber.email).split("token=", 1)[1], safe="")

    def _body(self, environ: dict) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= 0:
            return b""
        return environ["wsgi.input"].read(min(length, MAX_BODY))
