"""The signed links of every digest: confirm a subscription, unsubscribe (RFC 8058).

- GET  /konfirmasi?token=...  a page with a button; GET changes nothing, because mail
                              scanners fetch links (a prefetch must not subscribe anybody)
- POST /konfirmasi?token=...  confirms the pending subscription
- GET  /berhenti?token=...    a page with a button (RFC 8058: GET never unsubscribes)
- POST /berhenti?token=...    unsubscribes at once, in this request. The one-click POST of
                              RFC 8058 (body `List-Unsubscribe=One-Click`) and the page's
                              button both land here; no cookie, no login, no CSRF token:
                              the signed token is the authority.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qs

from newsfeed.config import Settings
from newsfeed.store import Store
from newsfeed.store import subscribers as ledger
from newsfeed.tokens import CONFIRM, CONFIRM_PATH, UNSUBSCRIBE, TokenError, secret_from_env, verify_token
from newsfeed.web.pages import StartResponse, page, respond

MAX_BODY = 64 * 1024


class Links:
    def __init__(self, settings: Settings, clock: Callable[[], datetime]):
        self.settings = settings
        self.clock = clock

    def __call__(self, action: str, method: str, environ: dict, start_response: StartResponse) -> list[bytes]:
        site = self.settings.site.name
        query = parse_qs(environ.get("QUERY_STRING", ""))
        form: dict[str, list[str]] = {}
        if method == "POST":
            form = parse_qs(self._body(environ).decode("utf-8", "replace"))
        elif method not in ("GET", "HEAD"):
            return respond(start_response, "405 Method Not Allowed", b"method not allowed\n", "text/plain; charset=utf-8", [("Allow", "GET, HEAD, POST")])
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
            return respond(start_response, "400 Bad Request", page("Tautan tidak berlaku", f"<p>{text}</p>", site))
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
            return respond(start_response, "200 OK", page(title, form_html, site))
        with Store(self.settings.store_path) as store:
            now = self.clock()
            outcome = ledger.confirm(store, address, now) if purpose == CONFIRM else ledger.unsubscribe(store, address, now)
        if purpose == UNSUBSCRIBE:
            if outcome is None:
                text = f"Alamat <b>{shown}</b> tidak ada dalam daftar kami; Anda tidak akan menerima email dari kami."
            else:
                text = f"Alamat <b>{shown}</b> sudah dihapus dari daftar ringkasan mingguan. Anda tidak akan menerima email lagi."
            return respond(start_response, "200 OK", page("Anda telah berhenti berlangganan", f"<p>{text}</p>", site))
        if outcome == "confirmed":
            return respond(start_response, "200 OK", page("Langganan dikonfirmasi", f"<p>Terima kasih! <b>{shown}</b> akan menerima ringkasan mingguan kami.</p>", site))
        if outcome is None:
            return respond(start_response, "404 Not Found", page("Alamat tidak ditemukan", f"<p><b>{shown}</b> tidak ada dalam daftar kami. Silakan daftar kembali.</p>", site))
        text = f"<b>{shown}</b> sudah tidak berlangganan. Silakan daftar kembali untuk berlangganan lagi."
        return respond(start_response, "409 Conflict", page("Langganan tidak aktif", f"<p>{text}</p>", site))

    def _body(self, environ: dict) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= 0:
            return b""
        return environ["wsgi.input"].read(min(length, MAX_BODY))

