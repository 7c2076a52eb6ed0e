"""What every public form shares: a bounded body, CSRF checks, form tokens, the honeypot.

CSRF protection without cookies or sessions:
- every form carries a signed, expiring form token (newsfeed.tokens.make_form_token) made
  for that form, and for the subscriber it changes; each token is accepted once (its nonce
  is recorded in the store until it expires), so a replayed form is refused;
- a POST whose Sec-Fetch-Site says it came from another site is refused; without that
  header (older browsers), one whose Origin names another host than the request's is
  (OWASP's "verify the origin with standard headers"), so a forged cross-site form fails
  even with a token. `Origin: null` alone is not refused: it is what Chromium and WebKit
  send for a same-site form under the app's `Referrer-Policy: no-referrer`.
The honeypot is a field that people never see nor reach with the keyboard: a submission
that fills it gets the usual answer, and nothing is stored or sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from newsfeed.store import Store
from newsfeed.tokens import TokenError, make_form_token, verify_form_token

MAX_BODY = 16 * 1024  # the largest form (fifty topics ticked) is a few KB
MAX_FIELDS = 200
MAX_VALUE = 2000  # characters in any one field
HONEYPOT = "situs"  # "website": what a form-filling bot fills in


class FormError(Exception):
    """A request the form cannot take: (status, title, text for the page)."""

    def __init__(self, status: str, title: str, text: str):
        super().__init__(text)
        self.status, self.title, self.text = status, title, text


@dataclass(slots=True)
class Form:
    fields: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def all(self, name: str) -> list[str]:
        return list(self.fields.get(name, ()))

    @property
    def bot(self) -> bool:
        return bool(self.get(HONEYPOT).strip())


def read_form(environ: dict, method: str) -> Form:
    """The query (GET) or the url-encoded body (POST), bounded; FormError for what no
    form of ours sends (too large, not UTF-8, too many fields, a field too long)."""
    if method == "POST":
        kind = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        if kind not in ("", "application/x-www-form-urlencoded"):
            raise FormError("415 Unsupported Media Type", "Formulir tidak dikenali", "Kirim formulir ini dari halaman kami.")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            raise FormError("413 Content Too Large", "Isian terlalu panjang", "Isian formulir terlalu panjang. Persingkat lalu kirim lagi.")
        raw = environ["wsgi.input"].read(length) if length else b""
    else:
        raw = environ.get("QUERY_STRING", "").encode("latin-1", "replace")
    try:
        text = raw.decode("ascii")  # url-encoded: anything else is not from a browser's form
        fields = parse_qs(text, keep_blank_values=True, strict_parsing=False, encoding="utf-8", errors="strict",
                          max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise FormError("400 Bad Request", "Isian tidak terbaca", "Isian formulir tidak terbaca. Muat ulang halaman lalu kirim lagi.") from None
    if any(len(v) > MAX_VALUE for values in fields.values() for v in values):
        raise FormError("413 Content Too Large", "Isian terlalu panjang", "Salah satu isian terlalu panjang. Persingkat lalu kirim lagi.")
    return Form(fields)


def check_origin(environ: dict, public_host: str = "") -> None:
    """FormError for a POST a browser says came from another site. The Origin may name the
    request's Host or `public_host` (newsletter.endpoint_url's, for a proxy that rewrites Host)."""
    fetch_site = environ.get("HTTP_SEC_FETCH_SITE", "").strip().lower()
    if fetch_site:  # the browser's own word (every current browser sends it)
        if fetch_site not in ("same-origin", "none"):
            raise _cross_site()
        return
    origin = environ.get("HTTP_ORIGIN", "").strip()
    if not origin or origin == "null":  # null: no-referrer policy (or a privacy setting)
        return
    host = (environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")).strip().lower()
    if urlsplit(origin).netloc.lower() not in {host, public_host.lower()} - {""}:
        raise _cross_site()


def _cross_site() -> FormError:
    return FormError("403 Forbidden", "Formulir ditolak", "Formulir ini hanya bisa dikirim dari halaman kami. Buka halamannya lalu kirim lagi.")


def new_token(secret: bytes, form: str, now: datetime, bound: str = "", seconds: int | None = None) -> str:
    return make_form_token(secret, form, now, bound, **({"seconds": seconds} if seconds else {}))


def use_token(store: Store, secret: bytes, token: str, form: str, now: datetime, bound: str = "", once: bool = True) -> int:
    """Accept a form token: signed for this form and binding, not expired, not used before
    (recorded now when `once`). Returns its expiry; FormError otherwise."""
    try:
        nonce, expires = verify_form_token(secret, token, form, now, bound)
    except TokenError as exc:
        expired = "expired" in str(exc)
        raise FormError(
            "400 Bad Request", "Formulir kedaluwarsa" if expired else "Formulir tidak berlaku",
            "Formulir ini sudah terlalu lama terbuka. Isi lagi formulir di bawah ini." if expired
            else "Formulir ini tidak berlaku. Isi lagi formulir di bawah ini.",
        ) from None
    if once:
        stamp = int(now.timestamp())
        with store.transaction() as conn:
            fresh = conn.execute("INSERT OR IGNORE INTO form_nonces (nonce, expires) VALUES (?, ?)", (nonce, expires)).rowcount
            conn.execute("DELETE FROM form_nonces WHERE expires < ?", (stamp,))
        if not fresh:
            raise FormError("400 Bad Request", "Formulir sudah dikirim", "Formulir ini sudah pernah dikirim. Isi lagi formulir di bawah ini bila perlu.")
    return expires
