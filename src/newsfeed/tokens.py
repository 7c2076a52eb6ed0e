"""Signed tokens for confirm and unsubscribe links (HMAC-SHA256).

A token is `<address, base64url>.<expiry, unix seconds or 0>.<signature, base64url>`; the
signature covers a version tag, the purpose, the address and the expiry, so a token made
for one address or purpose does not verify for another, and any altered character breaks
it. Comparison is constant-time (hmac.compare_digest).

Expiry: confirmation links expire (7 days by default: a stale link should not subscribe
anybody); unsubscribe links never do, because RFC 8058 and readers expect the link in an
old digest to keep working.

The secret comes from the environment variable named by `newsletter.secret_env`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from datetime import datetime

from newsfeed.config import Settings
from newsfeed.errors import ConfigError, NewsfeedError

CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"
PURPOSES = (CONFIRM, UNSUBSCRIBE)
CONFIRM_DAYS = 7
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


CONFIRM_PATH = "konfirmasi"
UNSUBSCRIBE_PATH = "berhenti"


def confirm_url(settings: Settings, secret: bytes, address: str, now: datetime) -> str:
    from datetime import timedelta

    token = make_token(secret, CONFIRM, address, now + timedelta(days=CONFIRM_DAYS))
    return f"{settings.newsletter.endpoint_url}/{CONFIRM_PATH}?token={token}"


def unsubscribe_url(settings: Settings, secret: bytes, address: str) -> str:
    return f"{settings.newsletter.endpoint_url}/{UNSUBSCRIBE_PATH}?token={make_token(secret, UNSUBSCRIBE, address)}"
