"""Subscriber and delivery-ledger queries over the Store. sqlite3 errors become StoreError.

Addresses reach this module already validated and normalised (newsfeed.subscribers).
A subscriber's `sections` is a tuple of section slugs; the empty tuple means every section.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from newsfeed.errors import StoreError
from newsfeed.store.store import Store
from newsfeed.times import to_stored

STATUSES = ("pending", "confirmed", "unsubscribed", "bounced")
DELIVERY_STATUSES = ("pending", "sending", "sent", "failed", "bounced", "skipped")
_COLUMNS = "id, email, name, sections, status, created, updated, confirmed, unsubscribed, note"


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: int
    email: str
    name: str
    sections: tuple[str, ...]  # () = every section
    status: str
    created: str
    updated: str
    confirmed: str | None = None
    unsubscribed: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Delivery:
    edition: str
    subscriber: int
    email: str
    sections: tuple[str, ...]
    status: str
    attempts: int
    message_id: str
    error: str = ""


@contextmanager
def guard(store: Store) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(f"{store.path}: subscriber query failed ({exc})") from None


def _row(row: Sequence) -> Subscriber:
    return Subscriber(row[0], row[1], row[2], tuple(json.loads(row[3])), row[4], row[5], row[6], row[7], row[8], row[9])


def _dumps(sections: Sequence[str]) -> str:
    return json.dumps(sorted(set(sections)), ensure_ascii=False)


# subscribers ---------------------------------------------------------------


def get(store: Store, email: str) -> Subscriber | None:
    rows = store.query(f"SELECT {_COLUMNS} FROM subscribers WHERE email = ?", (email,))
    return _row(rows[0]) if rows else None


def get_by_id(store: Store, ident: int) -> Subscriber | None:
    rows = store.query(f"SELECT {_COLUMNS} FROM subscribers WHERE id = ?", (ident,))
    return _row(rows[0]) if rows else None


def all_subscribers(store: Store, status: str | None = None) -> list[Subscriber]:
    if status is None:
        rows = store.query(f"SELECT {_COLUMNS} FROM subscribers ORDER BY email")
    else:
        rows = store.query(f"SELECT {_COLUMNS} FROM subscribers WHERE status = ? ORDER BY email", (status,))
    return [_row(r) for r in rows]


def counts(store: Store) -> dict[str, int]:
    found = dict(store.query("SELECT status, count(*) FROM subscribers GROUP BY status"))
    return {s: found.get(s, 0) for s in STATUSES}


def upsert(
    conn: sqlite3.Connection, email: str, name: str, sections: Sequence[str], now: datetime, confirmed: bool = False,
    reactivate: bool = False,
) -> str:
    """Add or merge one subscriber inside a transaction. Returns what happened.

    "added", "merged" (sections united, empty name filled, pending -> confirmed when
    `confirmed`), or "kept-unsubscribed" / "kept-bounced": an address that left the list
    is never put back by an import. With `reactivate` (an explicit `add`), it starts over
    as pending (or confirmed) instead.
    """
    stamp = to_stored(now)
    row = conn.execute("SELECT id, name, sections, status FROM subscribers WHERE email = ?", (email,)).fetchone()
    status = "confirmed" if confirmed else "pending"
    if row is None:
        conn.execute(
            "INSERT INTO subscribers (email, name, sections, status, created, updated, confirmed) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (email, name, _dumps(sections), status, stamp, stamp, stamp if confirmed else None),
        )
        return "added"
    ident, old_name, old_sections, old_status = row[0], row[1], tuple(json.loads(row[2])), row[3]
    if old_status in ("unsubscribed", "bounced") and not reactivate:
        return f"kept-{old_status}"
    if old_status in ("unsubscribed", "bounced"):
        merged: tuple[str, ...] = tuple(sections)
        new_status = status
    else:
        merged = () if not old_sections or not sections else tuple(set(old_sections) | set(sections))
        new_status = "confirmed" if old_status == "confirmed" or confirmed else "pending"
    conn.execute(
        "UPDATE subscribers SET name = ?, sections = ?, status = ?, updated = ?, "
        "confirmed = CASE WHEN ? = 'confirmed' THEN coalesce(confirmed, ?) ELSE NULL END, unsubscribed = NULL WHERE id = ?",
        (name or old_name, _dumps(merged), new_status, stamp, new_status, stamp, ident),
    )
    return "merged"


def add(store: Store, email: str, name: str, sections: Sequence[str], now: datetime, confirmed: bool = False) -> str:
    with store.transaction() as conn, guard(store):
        return upsert(conn, email, name, sections, now, confirmed, reactivate=True)


def set_status(store: Store, email: str, status: str, now: datetime, note: str = "") -> bool:
    """Move an address to `status`; False if the address is unknown."""
    if status not in STATUSES:
        raise StoreError(f"unknown subscriber status {status!r}")
    stamp = to_stored(now)
    with store.transaction() as conn, guard(store):
        cursor = conn.execute(
            "UPDATE subscribers SET status = ?, updated = ?, "
            "confirmed = CASE WHEN ? = 'confirmed' THEN coalesce(confirmed, ?) ELSE confirmed END, "
            "unsubscribed = CASE WHEN ? IN ('unsubscribed', 'bounced') THEN ? ELSE unsubscribed END, "
            "note = CASE WHEN ? != '' THEN ? ELSE note END WHERE email = ?",
            (status, stamp, status, stamp, status, stamp, note, note, email),
        )
        return cursor.rowcount > 0


def confirm(store: Store, email: str, now: datetime) -> str | None:
    """pending -> confirmed. Returns the resulting status, or None for an unknown address.

    A confirmed address stays confirmed; an unsubscribed or bounced one is not brought back
    by an old confirmation link (they subscribe again with a new one).
    """
    current = get(store, email)
    if current is None:
        return None
    if current.status == "pending":
        set_status(store, email, "confirmed", now)
        return "confirmed"
    return current.status


def unsubscribe(store: Store, email: str, now: datetime) -> str | None:
    """Any status -> unsubscribed (bounced stays bounced). None for an unknown address."""
    current = get(store, email)
    if current is None:
        return None
    if current.status not in ("unsubscribed", "bounced"):
        set_status(store, email, "unsubscribed", now)
        return "unsubscribed"
    return current.status


def remove(store: Store, email: str) -> bool:
    """Delete the address and its delivery history. False if unknown."""
    with store.transaction() as conn, guard(store):
        return conn.execute("DELETE FROM subscribers WHERE email = ?", (email,)).rowcount > 0


# the delivery ledger --------------------------------------------------------


def _delivery(row: Sequence) -> Delivery:
    return Delivery(row[0], row[1], row[2], tuple(json.loads(row[3])), row[4], row[5], row[6], row[7])


_DELIVERY_COLUMNS = "edition, subscriber, email, sections, status, attempts, message_id, error"


def plan(store: Store, edition: str, targets: Sequence[tuple[Subscriber, Sequence[str], str]], now: datetime) -> int:
    """Insert one pending ledger row per (edition, subscriber) not yet there. One transaction.

    `targets` are (subscriber, sections with articles for them, message id). Existing rows are
    left as they are: a rerun never resets 'sent' or 'sending'. Returns rows inserted.
    Rows still pending or failed whose subscriber is no longer confirmed become 'skipped'.
    """
    stamp = to_stored(now)
    inserted = 0
    with store.transaction() as conn, guard(store):
        for subscriber, sections, message_id in targets:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO deliveries (edition, subscriber, email, sections, status, message_id, created, updated) "
                "VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)",
                (edition, subscriber.id, subscriber.email, json.dumps(list(sections)), message_id, stamp, stamp),
            )
            inserted += cursor.rowcount
        conn.execute(
            "UPDATE deliveries SET status = 'skipped', updated = ?, error = 'no longer subscribed' "
            "WHERE edition = ? AND status IN ('pending', 'failed', 'sending') AND subscriber IN "
            "(SELECT id FROM subscribers WHERE status != 'confirmed')",
            (stamp, edition),
        )
    return inserted


def remaining(store: Store, edition: str) -> list[Delivery]:
    """Rows still to send (pending, failed, and 'sending' left by a crash), in a stable order."""
    rows = store.query(
        f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE edition = ? AND status IN ('pending', 'sending', 'failed') "
        "ORDER BY subscriber",
        (edition,),
    )
    return [_delivery(r) for r in rows]


def deliveries(store: Store, edition: str) -> list[Delivery]:
    rows = store.query(f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE edition = ? ORDER BY subscriber", (edition,))
    return [_delivery(r) for r in rows]


def mark(store: Store, edition: str, subscriber: int, status: str, now: datetime, error: str = "", attempts: int = 0) -> bool:
    """Record one delivery's new status in its own committed transaction.

    'sending' also requires the subscriber to be confirmed still (an unsubscribe that landed
    during the run wins): otherwise the row becomes 'skipped' and this returns False.
    """
    stamp = to_stored(now)
    with store.transaction() as conn, guard(store):
        if status == "sending":
            alive = conn.execute("SELECT status FROM subscribers WHERE id = ?", (subscriber,)).fetchone()
            if alive is None or alive[0] != "confirmed":
                conn.execute(
                    "UPDATE deliveries SET status = 'skipped', updated = ?, error = 'no longer subscribed' "
                    "WHERE edition = ? AND subscriber = ?",
                    (stamp, edition, subscriber),
                )
                return False
        conn.execute(
            "UPDATE deliveries SET status = ?, updated = ?, error = ?, attempts = attempts + ?, "
            "sent = CASE WHEN ? = 'sent' THEN ? ELSE sent END WHERE edition = ? AND subscriber = ?",
            (status, stamp, error, attempts, status, stamp, edition, subscriber),
        )
        if status == "bounced":
            conn.execute(
                "UPDATE subscribers SET status = 'bounced', updated = ?, unsubscribed = ?, note = ? WHERE id = ?",
                (stamp, stamp, error[:500], subscriber),
            )
    return True


def edition_counts(store: Store, edition: str) -> dict[str, int]:
    found = dict(store.query("SELECT status, count(*) FROM deliveries WHERE edition = ? GROUP BY status", (edition,)))
    return {s: found.get(s, 0) for s in DELIVERY_STATUSES}


def editions(store: Store) -> list[str]:
    return [r[0] for r in store.query("SELECT DISTINCT edition FROM deliveries ORDER BY edition")]
