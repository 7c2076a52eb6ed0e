"""Signed tokens for the subscription links and forms (HMAC-SHA256).

A token is `<address, base64url>.<expiry, unix seconds or 0>.<signature, base64url>`; the
signature covers a version tag, the purpose, the address and the expiry, so a token made
for one address or purpose does not verify for another, and any altered character breaks
it. Comparison is constant-time (hmac.compare_digest).

Expiry: confirmation links expire (7 days by default: a stale link should not subscribe
anybody); unsubscribe links never do, because RFC 8058 and readers expect the link in an
old digest to keep working. Purposes:
- confirm (7 days): confirms a pending sign-up;
- unsubscribe (never expires): the one-click link of every digest;
- preferences (never expires): the preferences page linked from every digest; it names the
  subscriber's id as well as the address ("<id>:<address>"), so it dies with the
  subscription it was made for (an erased address that signs up again gets a new id);
- resubscribe (7 days): mailed to an address that left and signed up again; it only works
  if the address left before the link was made (the issue time is expiry minus 7 days);
- data (1 day): mailed on a data export or erasure request.
Form tokens (CSRF) are another shape: `<nonce>.<expiry>.<signature>`, signed over the form's
name, what it is bound to (an address, or nothing) and a random nonce; the web app records
used nonces, so each form is accepted once, and they expire within hours.

The secret comes from the environment variable named by `newsletter.secret_env`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets as _random
from datetime import datetime, timedelta

from newsfeed.config import Settings
from newsfeed.errors import ConfigError, NewsfeedError

CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"
PREFERENCES = "preferences"
RESUBSCRIBE = "resubscribe"
DATA = "data"
PURPOSES = (CONFIRM, UNSUBSCRIBE, PREFERENCES, RESUBSCRIBE, DATA)
CONFIRM_DAYS = 7
RESUBSCRIBE_DAYS = 7
DATA_HOURS = 24
FORM_SECONDS = 2 * 3600  # a form may be filled in slowly, not kept for days
MIN_SECRET = 16
_VERSION = b"newsfeed-token-v1"


class TokenError(NewsfeedError):
    """A link token is malformed, forged, altered, expired or for something else."""


def secret_from_env(settings: Settings) -> bytes:
    """The signing secret for subscription links, or a ConfigError naming what to set.

    Links are only signed for an https endpoint: one-click unsubscribe (RFC 8058) needs one.
    """
    if not settings.newsletter.endpoint_url.startswith("https://"):
        raise ConfigError(
            f"newsletter.endpoint_url {settings.newsletter.endpoint_url!r} (from site.base_url) must be https for "
            'subscription links; set newsletter.endpoint_url = "https://..." where the confirm/unsubscribe app is served'
        )
    name = settings.newsletter.secret_env
    value = os.environ.get(name, "")
    if not value:
        raise ConfigError(
            f"environment variable {name} is not set; set it to a long random string, e.g. "
            f"export {name}=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    if len(value) < MIN_SECRET:
        raise ConfigError(f"environment variable {name} is shorter than {MIN_SECRET} characters; use a long random string")
    return value.encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: bytes, purpose: str, address: str, expires: int) -> bytes:
    message = b"\0".join((_VERSION, purpose.encode(), address.encode("utf-8"), str(expires).encode()))
    return hmac.new(secret, message, hashlib.sha256).digest()


def make_token(secret: bytes, purpose: str, address: str, expires: datetime | None = None) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    stamp = int(expires.timestamp()) if expires is not None else 0
    return f"{_b64(address.encode('utf-8'))}.{stamp}.{_b64(_signature(secret, purpose, address, stamp))}"


def verify_token(secret: bytes, token: str, purpose: str, now: datetime) -> str:
    """The address the token was made for, or TokenError."""
    parts = token.strip().split(".")
    if len(parts) != 3 or not parts[1].isdigit() or len(token) > 2000:
        raise TokenError("malformed link token")
    try:
        address = _unb64(parts[0]).decode("utf-8")
        given = _unb64(parts[2])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise TokenError("malformed link token") from None
    if _b64(address.encode("utf-8")) != parts[0] or _b64(given) != parts[2] or str(int(parts[1])) != parts[1]:
        raise TokenError("malformed link token")  # non-canonical: the same bytes spelled another way
    stamp = int(parts[1])
    if not hmac.compare_digest(given, _signature(secret, purpose, address, stamp)):
        raise TokenError("invalid link token")
    if stamp and now.timestamp() > stamp:
        raise TokenError("expired link token")
    return address


def token_expiry(token: str) -> int:
    """The expiry (unix seconds, 0 = never) written in a token that verified."""
    return int(token.strip().split(".")[1])


# form tokens (CSRF) -----------------------------------------------------------------------


def _form_signature(secret: bytes, form: str, bound: str, nonce: str, expires: int) -> bytes:
    message = b"\0".join((_VERSION, b"form", form.encode(), bound.encode("utf-8"), nonce.encode(), str(expires).encode()))
    return hmac.new(secret, message, hashlib.sha256).digest()


def make_form_token(secret: bytes, form: str, now: datetime, bound: str = "", seconds: int = FORM_SECONDS) -> str:
    """A token for one rendering of a form: `form` names it, `bound` ties it to an address."""
    nonce = _random.token_urlsafe(16)
    expires = int(now.timestamp()) + seconds
    return f"{nonce}.{expires}.{_b64(_form_signature(secret, form, bound, nonce, expires))}"


def verify_form_token(secret: bytes, token: str, form: str, now: datetime, bound: str = "") -> tuple[str, int]:
    """(nonce, expiry) of a form token made for this form and binding, or TokenError. The
    caller checks the nonce was not used before."""
    parts = token.strip().split(".")
    if len(token) > 200 or len(parts) != 3 or not parts[1].isdigit() or str(int(parts[1])) != parts[1]:
        raise TokenError("malformed form token")
    nonce, stamp = parts[0], int(parts[1])
    try:
        given = _unb64(parts[2])
    except (binascii.Error, ValueError):
        raise TokenError("malformed form token") from None
    if not nonce or not nonce.replace("-", "").replace("_", "").isalnum() or not nonce.isascii() or _b64(given) != parts[2]:
        raise TokenError("malformed form token")
    if not hmac.compare_digest(given, _form_signature(secret, form, bound, nonce, stamp)):
        raise TokenError("invalid form token")
    if now.timestamp() > stamp:
        raise TokenError("expired form token")
    return nonce, stamp


# links ------------------------------------------------------------------------------------

CONFIRM_PATH = "konfirmasi"
UNSUBSCRIBE_PATH = "berhenti"
PREFERENCES_PATH = "preferensi"
RESUBSCRIBE_PATH = "aktifkan"
DATA_PATH = "data"


def confirm_url(settings: Settings, secret: bytes, address: str, now: datetime) -> str:
    token = make_token(secret, CONFIRM, address, now + timedelta(days=CONFIRM_DAYS))
    return f"{settings.newsletter.endpoint_url}/{CONFIRM_PATH}?token={token}"


def preferences_subject(ident: int, address: str) -> str:
    return f"{ident}:{address}"


def parse_preferences_subject(subject: str) -> tuple[int, str]:
    ident, _sep, address = subject.partition(":")
    if not ident.isdigit() or not address:
        raise TokenError("malformed link token")
    return int(ident), address


def preferences_url(settings: Settings, secret: bytes, ident: int, address: str) -> str:
    token = make_token(secret, PREFERENCES, preferences_subject(ident, address))
    return f"{settings.newsletter.endpoint_url}/{PREFERENCES_PATH}?token={token}"


def resubscribe_url(settings: Settings, secret: bytes, address: str, now: datetime) -> str:
    token = make_token(secret, RESUBSCRIBE, address, now + timedelta(days=RESUBSCRIBE_DAYS))
    return f"{settings.newsletter.endpoint_url}/{RESUBSCRIBE_PATH}?token={token}"


def data_url(settings: Settings, secret: bytes, address: str, now: datetime) -> str:
    token = make_token(secret, DATA, address, now + timedelta(hours=DATA_HOURS))
    return f"{settings.newsletter.endpoint_url}/{DATA_PATH}/kelola?token={token}"


def unsubscribe_url(settings: Settings, secret: bytes, address: str) -> str:
    return f"{settings.newsletter.endpoint_url}/{UNSUBSCRIBE_PATH}?token={make_token(secret, UNSUBSCRIBE, address)}"
