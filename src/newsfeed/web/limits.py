"""Rate limits of the public forms, kept in the store so they hold across WSGI processes.

A limit is (name, hits, seconds): at most `hits` in each fixed window of `seconds`. What is
limited is stored only as a keyed hash (HMAC with the site's secret), so the table never
holds a client's IP address or an e-mail address that was typed in and never subscribed.
Old windows are deleted as new ones are written.

- per client (its address as the WSGI server reports it; an IPv6 client by its /64): every
  POST to a public form counts, valid or not, so a script hammering the form is refused
  with 429 whatever it sends;
- per e-mail address: the mails one address can be sent from the forms (confirmations,
  reminders, data links); over it, the form answers as usual and sends nothing, so the
  limit neither reveals whether the address is known nor lets anybody flood a mailbox;
- overall: the mails all forms together may send, against a flood from many clients.
Behind a reverse proxy every client has the proxy's address: let the WSGI server take the
client address from the proxy's header (waitress: trusted_proxy), or limit at the proxy.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime

from newsfeed.store import Store


@dataclass(frozen=True, slots=True)
class Limit:
    name: str
    hits: int
    seconds: int


CLIENT_LIMITS = (Limit("client-10min", 10, 600), Limit("client-day", 60, 86400))
ADDRESS_LIMITS = (Limit("address-hour", 3, 3600), Limit("address-day", 6, 86400))
OVERALL_LIMITS = (Limit("all-hour", 600, 3600),)
_KEEP = 86400  # no window lasts longer


def client_key(environ: dict) -> str:
    """The client as the WSGI server saw it; IPv6 clients are grouped by their /64."""
    raw = (environ.get("REMOTE_ADDR") or "-").strip()
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:100]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _bucket(secret: bytes, limit: Limit, value: str) -> str:
    return hmac.new(secret, f"{limit.name}\0{value}".encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def take(store: Store, secret: bytes, limits: tuple[Limit, ...], value: str, now: datetime) -> int:
    """Count one hit against each limit for `value`, or none if any is already used up.

    Returns 0 when the hit was counted, else the seconds until the full limit's window
    ends (for Retry-After). One write transaction: two processes cannot both take the
    last hit."""
    stamp = int(now.timestamp())
    slots = [(limit, _bucket(secret, limit, value), stamp - stamp % limit.seconds) for limit in limits]
    with store.transaction() as conn:
        for limit, bucket, slot in slots:
            row = conn.execute("SELECT hits FROM web_limits WHERE bucket = ? AND slot = ?", (bucket, slot)).fetchone()
            if row is not None and row[0] >= limit.hits:
                return slot + limit.seconds - stamp
        for _limit, bucket, slot in slots:
            conn.execute(
                "INSERT INTO web_limits (bucket, slot, hits) VALUES (?, ?, 1) ON CONFLICT (bucket, slot) DO UPDATE SET hits = web_limits.hits + 1",
                (bucket, slot),
            )
        conn.execute("DELETE FROM web_limits WHERE slot < ?", (stamp - _KEEP,))
    return 0


def forget(store: Store, secret: bytes, value: str) -> None:
    """Delete the counters of one value (an erased address)."""
    buckets = [_bucket(secret, limit, value) for limit in ADDRESS_LIMITS]
    with store.transaction() as conn:
        conn.executemany("DELETE FROM web_limits WHERE bucket = ?", [(b,) for b in buckets])
