"""Subscriber and delivery-ledger queries over the Store. sqlite3 errors become StoreError.

Addresses reach this module already validated and normalised (newsfeed.subscribers).
A subscriber's `sections` is a tuple of section slugs; the empty tuple means every section.
`topics` are the topic slugs they follow as well (stories of those topics from any section);
`paused_until` (UTC, stored form) stops digests until then.
Names are cleaned (clean_name) both when they are written and when they are read back, so
rows stored before the cleaning existed never reach a terminal, a CSV file or a greeting
with control characters in them.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from newsfeed.errors import StoreError
from newsfeed.parallel import batched
from newsfeed.store.store import Store, explain
from newsfeed.times import to_stored

STATUSES = ("pending", "confirmed", "unsubscribed", "bounced")
DELIVERY_STATUSES = ("pending", "sending", "sent", "failed", "bounced", "skipped")
MAX_ATTEMPTS = 10  # SMTP attempts for one delivery over all runs before it is left 'failed'
_COLUMNS = "id, email, name, sections, status, created, updated, confirmed, unsubscribed, note, invited, topics, paused_until, consent"
MAX_TOPICS = 50  # followed by one subscriber
FOREVER = "9999-12-31T00:00:00Z"  # paused_until for a pause without an end

# ECMA-48 sequences, removed whole so that no "[31m" is left behind: string commands (OSC,
# DCS, SOS, PM, APC) up to BEL or ST, CSI with its parameters, then other two-part escapes.
_ESCAPE_SEQUENCES = re.compile(
    r"(?:\x1b[]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
)
# What is left of C0/C1, bidirectional embeddings, overrides, isolates and marks, the BOM,
# and lone surrogates (undecodable argv bytes; SQLite cannot store them).
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


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
    invited: str | None = None  # last confirmation e-mail sent
    topics: tuple[str, ...] = ()  # topic slugs followed as well as the sections
    paused_until: str | None = None  # no digest while now < this (UTC, stored form)
    consent: str = ""  # JSON: when and how the address opted in, and the text agreed to

    def paused(self, now: datetime) -> bool:
        return self.paused_until is not None and to_stored(now) < self.paused_until


@dataclass(frozen=True, slots=True)
class Delivery:
    edition: str
    email: str  # normalised; with the edition, the key of the ledger
    sections: tuple[str, ...]
    status: str
    attempts: int
    message_id: str
    error: str = ""
    topics: tuple[str, ...] = ()
    next_attempt: str | None = None  # a deferred delivery waits until then (UTC, stored form)


@contextmanager
def guard(store: Store) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(explain(store.path, exc, "subscriber query failed")) from None


def clean_name(name: str) -> str:
    """A name safe for a terminal, a CSV cell, a mail greeting: NFC, without escape sequences
    or control, bidi and invisible format characters; line breaks, tabs and runs of spaces
    become one space. Joiners (ZWJ/ZWNJ) stay: some scripts and emoji need them."""
    if name.isascii() and name.isprintable() and name == " ".join(name.split()):
        return name
    text = _INVISIBLE.sub(lambda m: " " if m.group().isspace() else "", _ESCAPE_SEQUENCES.sub("", name))
    text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def _row(row: Sequence) -> Subscriber:
    return Subscriber(row[0], row[1], clean_name(row[2]), tuple(json.loads(row[3])), row[4], row[5], row[6], row[7], row[8],
                      row[9], row[10], tuple(json.loads(row[11])), row[12], row[13])


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


SELECT_BATCH = 1000  # rows a streaming read (subscribers, deliveries to send) fetches at a time


def subscribers_by_email(store: Store, status: str | None = None, batch: int | None = None) -> Iterator[Subscriber]:
    """Subscribers (of `status`), by address, read `batch` at a time by key (email > the
    last one read): a list of a million is never held in memory, no cursor stays open across
    the caller's writes, and it reads the same on SQLite and PostgreSQL. Rows added or
    changed behind the last address read are seen as they are when their batch is read.
    The status is checked here, not in the query: with it there SQLite reads the status
    index and sorts every subscriber of that status for each batch (1,000,000 confirmed:
    planning an edition took 542 s instead of about 10 times the 13 s of 100,000)."""
    batch = batch or SELECT_BATCH
    last = ""
    while True:
        rows = store.query(f"SELECT {_COLUMNS} FROM subscribers WHERE email > ? ORDER BY email LIMIT ?", (last, batch))
        for row in rows:
            if status is None or row[4] == status:
                yield _row(row)
        if len(rows) < batch:
            return
        last = rows[-1][1]


def people(store: Store, emails: Sequence[str]) -> dict[str, tuple[int, str]]:
    """{email: (subscriber id, clean name)} for the addresses of one batch that are subscribers."""
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(emails), 500):
        part = list(emails[start:start + 500])
        marks = ", ".join("?" * len(part))
        for ident, email, name in store.query(f"SELECT id, email, name FROM subscribers WHERE email IN ({marks})", part):
            found[email] = (ident, clean_name(name))
    return found


def counts(store: Store) -> dict[str, int]:
    found = dict(store.query("SELECT status, count(*) FROM subscribers GROUP BY status"))
    return {s: found.get(s, 0) for s in STATUSES}


def upsert(
    conn: sqlite3.Connection, email: str, name: str, sections: Sequence[str], now: datetime, confirmed: bool = False,
    reactivate: bool = False, topics: Sequence[str] = (),
) -> str:
    """Add or merge one subscriber inside a transaction. Returns what happened.

    "added", "merged" (sections and topics united, empty name filled, pending -> confirmed
    when `confirmed`), or "kept-unsubscribed" / "kept-bounced": an address that left the
    list is never put back by an import. With `reactivate` (an explicit `add`), it starts
    over as pending (or confirmed) instead.
    """
    name = clean_name(name)
    stamp = to_stored(now)
    row = conn.execute("SELECT id, name, sections, status, topics FROM subscribers WHERE email = ?", (email,)).fetchone()
    status = "confirmed" if confirmed else "pending"
    if row is None:
        conn.execute(
            "INSERT INTO subscribers (email, name, sections, status, created, updated, confirmed, topics) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (email, name, _dumps(sections), status, stamp, stamp, stamp if confirmed else None, _dumps(topics)),
        )
        return "added"
    ident, old_status = row[0], row[3]
    if old_status in ("unsubscribed", "bounced") and not reactivate:
        return f"kept-{old_status}"
    new_name, merged, new_status, new_topics = _merge(row, name, sections, confirmed, topics)
    conn.execute(
        "UPDATE subscribers SET name = ?, sections = ?, status = ?, updated = ?, topics = ?, "
        "confirmed = CASE WHEN ? = 'confirmed' THEN coalesce(confirmed, ?) ELSE NULL END, unsubscribed = NULL, "
        "invited = CASE WHEN ? THEN NULL ELSE invited END WHERE id = ?",  # a fresh start gets a fresh invitation
        (new_name, _dumps(merged), new_status, stamp, _dumps(new_topics), new_status, stamp, old_status != new_status == "pending", ident),
    )
    return "merged"


def _merge(
    row: Sequence, name: str, sections: Sequence[str], confirmed: bool, topics: Sequence[str] = ()
) -> tuple[str, tuple[str, ...], str, tuple[str, ...]]:
    """(name, sections, status, topics) after merging a new row into a stored (id, name,
    sections, status, topics)."""
    old_name, old_sections, old_status = row[1], tuple(json.loads(row[2])), row[3]
    old_topics = tuple(json.loads(row[4])) if len(row) > 4 else ()
    status = "confirmed" if confirmed else "pending"
    if old_status in ("unsubscribed", "bounced"):  # a fresh start
        return name or old_name, tuple(sections), status, tuple(topics)
    merged = () if not old_sections or not sections else tuple(set(old_sections) | set(sections))
    return name or old_name, merged, "confirmed" if old_status == "confirmed" else status, tuple(sorted(set(old_topics) | set(topics)))


def import_row(
    conn: sqlite3.Connection, email: str, name: str, sections: Sequence[str], now: datetime, confirmed: bool = False,
    left: str | None = None,
) -> str:
    """One row of an import, inside its transaction. Returns what happened:

    "added"; "updated" (merged as in upsert, and something changed); "unchanged"; "kept" (the
    address is unsubscribed or bounced here: an import never brings it back); or, when
    `left` is "unsubscribed" or "bounced" (the file says the address left its old list):
    "left" for a new address, stored with that status so that no later import can add it,
    and "active" for an address pending or confirmed here, which stays as it is: the file
    may be older than the subscription made here (a reader who left the old list and signed
    up again on this site), and an import never ends a subscription. The delivery history
    is never touched.
    """
    name = clean_name(name)
    row = conn.execute("SELECT id, name, sections, status, topics FROM subscribers WHERE email = ?", (email,)).fetchone()
    stamp = to_stored(now)
    if left is not None:
        if row is None:
            conn.execute(
                "INSERT INTO subscribers (email, name, sections, status, created, updated, unsubscribed, note) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (email, name, _dumps(sections), left, stamp, stamp, stamp, f"imported as {left}"),
            )
            return "left"
        return "kept" if row[3] in ("unsubscribed", "bounced") else "active"
    if row is None:
        return upsert(conn, email, name, sections, now, confirmed)
    if row[3] in ("unsubscribed", "bounced"):
        return "kept"
    new_name, merged, new_status, _topics = _merge(row, name, sections, confirmed)
    if (new_name, sorted(set(merged)), new_status) == (row[1], json.loads(row[2]), row[3]):
        return "unchanged"
    upsert(conn, email, name, sections, now, confirmed)
    return "updated"


def add(
    store: Store, email: str, name: str, sections: Sequence[str], now: datetime, confirmed: bool = False, topics: Sequence[str] = ()
) -> str:
    with store.transaction() as conn, guard(store):
        return upsert(conn, email, name, sections, now, confirmed, reactivate=True, topics=topics)


def _status_of(conn: sqlite3.Connection, email: str) -> str | None:
    row = conn.execute("SELECT status FROM subscribers WHERE email = ?", (email,)).fetchone()
    return row[0] if row else None


def confirm(store: Store, email: str, now: datetime) -> str | None:
    """pending -> confirmed. Returns the resulting status, or None for an unknown address.

    One conditional UPDATE (`... WHERE status = 'pending'`), so an old confirmation link
    that lands at the same moment as an unsubscribe can never bring the address back; the
    outcome comes from the affected row count. A confirmed address stays confirmed; an
    unsubscribed or bounced one is not brought back (they subscribe again for a new link).
    """
    stamp = to_stored(now)
    with store.transaction() as conn, guard(store):
        changed = conn.execute(
            "UPDATE subscribers SET status = 'confirmed', updated = ?, confirmed = coalesce(confirmed, ?) "
            "WHERE email = ? AND status = 'pending'",
            (stamp, stamp, email),
        ).rowcount
        return "confirmed" if changed else _status_of(conn, email)


def unsubscribe(store: Store, email: str, now: datetime, note: str = "") -> str | None:
    """Any other status -> unsubscribed, at once. Returns "unsubscribed", or None for an
    unknown address. One conditional UPDATE; the delivery history is kept."""
    stamp = to_stored(now)
    with store.transaction() as conn, guard(store):
        changed = conn.execute(
            "UPDATE subscribers SET status = 'unsubscribed', updated = ?, unsubscribed = ?, "
            "note = CASE WHEN ? != '' THEN ? ELSE note END WHERE email = ? AND status != 'unsubscribed'",
            (stamp, stamp, note, note, email),
        ).rowcount
        return "unsubscribed" if changed else _status_of(conn, email)


def remove(store: Store, email: str, forget: bool = False) -> bool:
    """Delete the subscriber row. False if unknown.

    The delivery ledger keeps its rows for the address (which editions it was sent): added
    again later, it is never sent an edition it already received. With `forget` (an erasure
    request), those rows go too and nothing of the address is left in the store.
    """
    with store.transaction() as conn, guard(store):
        found = conn.execute("DELETE FROM subscribers WHERE email = ?", (email,)).rowcount > 0
        if forget:
            found = conn.execute("DELETE FROM deliveries WHERE email = ?", (email,)).rowcount > 0 or found
        return found


def to_invite(store: Store, again: bool = False) -> list[Subscriber]:
    """Pending subscribers not sent a confirmation e-mail yet (with `again`: every pending one)."""
    where = "status = 'pending'" + ("" if again else " AND invited IS NULL")
    return [_row(r) for r in store.query(f"SELECT {_COLUMNS} FROM subscribers WHERE {where} ORDER BY email")]


def mark_invited(store: Store, email: str, now: datetime) -> None:
    with store.transaction() as conn, guard(store):
        conn.execute("UPDATE subscribers SET invited = ? WHERE email = ?", (to_stored(now), email))


def mark_bounced(store: Store, email: str, now: datetime, reason: str) -> None:
    """Suppress an address the server refused for good (a bounce)."""
    with store.transaction() as conn, guard(store):
        _bounce(conn, email, to_stored(now), reason)


def _bounce(conn: sqlite3.Connection, email: str, stamp: str, reason: str) -> None:
    conn.execute(
        "UPDATE subscribers SET status = 'bounced', updated = ?, unsubscribed = ?, note = ? "
        "WHERE email = ? AND status != 'unsubscribed'",
        (stamp, stamp, reason[:500], email),
    )


# the public subscription pages (newsfeed.web) ---------------------------------


def request(
    store: Store, email: str, name: str, sections: Sequence[str], topics: Sequence[str], consent: str, now: datetime
) -> str | None:
    """A sign-up from the public form, before the address proved it is theirs. Returns the
    status the address had (None: it was new), which decides the e-mail sent to it.

    - new: stored as pending with the choices and the consent record;
    - pending: the choices and consent are replaced (the confirmation link confirms them);
    - confirmed: nothing changes (anybody can type an address: only the signed
      preferences link changes a subscription);
    - unsubscribed or bounced: the choices and consent are stored but the status stays:
      only the reactivation link mailed to the address brings it back (`reactivate`).
    """
    name = clean_name(name)
    stamp = to_stored(now)
    with store.transaction() as conn, guard(store):
        before = _status_of(conn, email)
        if before is None:
            conn.execute(
                "INSERT INTO subscribers (email, name, sections, status, created, updated, topics, consent) "
                "VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)",
                (email, name, _dumps(sections), stamp, stamp, _dumps(topics), consent),
            )
        elif before != "confirmed":
            conn.execute(
                "UPDATE subscribers SET name = CASE WHEN ? != '' THEN ? ELSE name END, sections = ?, topics = ?, consent = ?, "
                "updated = ? WHERE email = ?",
                (name, name, _dumps(sections), _dumps(topics), consent, stamp, email),
            )
        return before


def reactivate(store: Store, email: str, now: datetime, issued: datetime) -> str | None:
    """pending, unsubscribed or bounced -> confirmed, through a signed link issued at
    `issued`. Returns the resulting status, or None for an unknown address.

    A link issued before the address last left never brings it back: one conditional
    UPDATE compares the two, so an old link cannot undo a later unsubscribe.
    """
    stamp = to_stored(now)
    with store.transaction() as conn, guard(store):
        changed = conn.execute(
            "UPDATE subscribers SET status = 'confirmed', updated = ?, confirmed = ?, unsubscribed = NULL, paused_until = NULL, "
            "note = '' WHERE email = ? AND status IN ('pending', 'unsubscribed', 'bounced') AND coalesce(unsubscribed, '') <= ?",
            (stamp, stamp, email, to_stored(issued)),
        ).rowcount
        return "confirmed" if changed else _status_of(conn, email)


def set_preferences(
    store: Store, email: str, name: str, sections: Sequence[str], topics: Sequence[str], paused_until: str | None, now: datetime
) -> bool:
    """A subscriber's own choices from the preferences page; False unless the address is
    pending or confirmed. The next send reads them."""
    with store.transaction() as conn, guard(store):
        return conn.execute(
            "UPDATE subscribers SET name = ?, sections = ?, topics = ?, paused_until = ?, updated = ? "
            "WHERE email = ? AND status IN ('pending', 'confirmed')",
            (clean_name(name), _dumps(sections), _dumps(topics), paused_until, to_stored(now), email),
        ).rowcount > 0


def export_data(store: Store, email: str) -> dict | None:
    """Everything the store holds about one address (a data access request, GDPR art. 15 /
    UU PDP art. 7), or None when it holds nothing."""
    found = get(store, email)
    sent = deliveries_of(store, email)
    if found is None and not sent:
        return None
    data: dict = {"email": email}
    if found is not None:
        try:
            consent = json.loads(found.consent) if found.consent else None
        except json.JSONDecodeError:
            consent = found.consent
        data |= {
            "name": found.name, "status": found.status, "sections": list(found.sections) or "all", "topics": list(found.topics),
            "paused_until": found.paused_until, "created": found.created, "updated": found.updated, "confirmed": found.confirmed,
            "unsubscribed": found.unsubscribed, "invited": found.invited, "note": found.note, "consent": consent,
        }
    data["deliveries"] = [
        {"edition": d.edition, "status": d.status, "sections": list(d.sections), "topics": list(d.topics), "attempts": d.attempts,
         "message_id": d.message_id}
        for d in sent
    ]
    return data


def deliveries_of(store: Store, email: str) -> list[Delivery]:
    rows = store.query(f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE email = ? ORDER BY edition", (email,))
    return [_delivery(r) for r in rows]


# the delivery ledger --------------------------------------------------------


def _delivery(row: Sequence) -> Delivery:
    return Delivery(row[0], row[1], tuple(json.loads(row[2])), row[3], row[4], row[5], row[6], tuple(json.loads(row[7])), row[8])


_DELIVERY_COLUMNS = "edition, email, sections, status, attempts, message_id, error, topics, next_attempt"
# An address that gets an edition now: confirmed and not paused at `:now`.
_RECEIVING = "SELECT email FROM subscribers WHERE status = 'confirmed' AND (paused_until IS NULL OR paused_until <= :now)"


def plan(store: Store, edition: str, targets: Iterable[tuple], now: datetime) -> int:
    """Insert one pending ledger row per (edition, address) not yet there, a transaction per
    SELECT_BATCH rows: the targets are read and personalised outside the write lock, which is
    held for one batch's inserts at a time (sign-ups, other workers and builds go on meanwhile;
    a million addresses took over a minute). A plan killed midway leaves the rows it inserted,
    and the next one inserts the rest.

    `targets` (any iterable: it is consumed as it comes, SELECT_BATCH rows inserted at a
    time, so a generator reading the subscribers in batches never holds the list) are (subscriber, sections with articles for them, message id[, topics with
    articles for them]). Existing rows are left as they are: a rerun never resets 'sent' or
    'sending', and an address removed and added again finds its old rows. Returns rows
    inserted. Rows still pending, failed or sending whose address is no longer a confirmed
    subscriber, or is paused, become 'skipped'.
    """
    stamp = to_stored(now)
    inserted = 0
    # The skipping below is an anti-join on the address, not `email NOT IN (_RECEIVING)`:
    # PostgreSQL cannot hash a million addresses in work_mem and ran that subquery per row.
    with guard(store):
        for part in batched(targets, SELECT_BATCH):
            values = []
            for subscriber, sections, message_id, *rest in part:
                topics = list(rest[0]) if rest else []
                values.append((edition, subscriber.email, json.dumps(list(sections)), json.dumps(topics), message_id, stamp, stamp))
            with store.transaction() as conn:
                inserted += conn.executemany(
                    "INSERT OR IGNORE INTO deliveries (edition, email, sections, topics, status, message_id, created, updated) "
                    "VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)",
                    values,
                ).rowcount  # summed over the rows on both backends: an ignored row counts 0
    with store.transaction() as conn, guard(store):
        conn.execute(
            "UPDATE deliveries SET status = 'skipped', updated = :now, error = 'no longer subscribed, or paused' "
            "WHERE edition = :edition AND status IN ('pending', 'failed', 'sending') AND NOT EXISTS (SELECT 1 FROM subscribers AS s "
            "WHERE s.email = deliveries.email AND s.status = 'confirmed' AND (s.paused_until IS NULL OR s.paused_until <= :now))",
            {"now": stamp, "edition": edition},
        )
    return inserted


def remaining(store: Store, edition: str, now: datetime | None = None) -> list[Delivery]:
    """Rows to send now, in a stable order: 'sending' left by a crash, then pending, then
    failed ones (so addresses that keep failing never hold the others back). A failed row
    waits for its next_attempt (a deferred temporary failure) when `now` is given; one that
    has failed MAX_ATTEMPTS SMTP attempts in all stays 'failed' and is not tried again."""
    bound = to_stored(now) if now is not None else "9999"
    rows = store.query(
        f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE edition = ? AND "
        "(status IN ('pending', 'sending') OR (status = 'failed' AND attempts < ? AND coalesce(next_attempt, '') <= ?)) "
        "ORDER BY CASE status WHEN 'sending' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, email",
        (edition, MAX_ATTEMPTS, bound),
    )
    return [_delivery(r) for r in rows]


_DUE = "(status IN ('pending', 'sending') OR (status = 'failed' AND attempts < ? AND coalesce(next_attempt, '') <= ?))"


def remaining_batches(store: Store, edition: str, now: datetime | None = None, batch: int | None = None) -> Iterator[list[Delivery]]:
    """The rows of `remaining`, in its order, `batch` at a time: 'sending', then 'pending',
    then failed ones due, each status read by key (email > the last one read), so the
    edition's rows are never all in memory. Each batch is read when the one before it has
    been used: a row the caller changed meanwhile is seen as it is then (a row that left
    'pending' for 'failed' in this run comes again with the failed ones: the caller knows
    which it tried)."""
    bound = to_stored(now) if now is not None else "9999"
    batch = batch or SELECT_BATCH
    for status, extra in (("sending", ""), ("pending", ""), ("failed", " AND attempts < ? AND coalesce(next_attempt, '') <= ?")):
        args = (MAX_ATTEMPTS, bound) if extra else ()
        last = ""
        while True:
            rows = store.query(
                f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE edition = ? AND status = ?{extra} AND email > ? ORDER BY email LIMIT ?",
                (edition, status, *args, last, batch),
            )
            if rows:
                yield [_delivery(r) for r in rows]
            if len(rows) < batch:
                break
            last = rows[-1][1]


def due(store: Store, edition: str, now: datetime | None = None) -> int:
    """How many rows `remaining` would return, counted in the database."""
    bound = to_stored(now) if now is not None else "9999"
    return store.query(f"SELECT count(*) FROM deliveries WHERE edition = ? AND {_DUE}", (edition, MAX_ATTEMPTS, bound))[0][0]


def unfinished(store: Store, edition: str) -> tuple[int, str | None]:
    """(rows a later run will still try, the earliest time one of them is due or None):
    pending, sending, and failed ones with attempts left. Zero: the edition is done."""
    row = store.query(
        "SELECT count(*), min(CASE WHEN status = 'failed' THEN next_attempt END) FROM deliveries WHERE edition = ? AND "
        "(status IN ('pending', 'sending') OR (status = 'failed' AND attempts < ?))",
        (edition, MAX_ATTEMPTS),
    )[0]
    return row[0], row[1]


def deliveries(store: Store, edition: str) -> list[Delivery]:
    rows = store.query(f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE edition = ? ORDER BY email", (edition,))
    return [_delivery(r) for r in rows]


@dataclass(frozen=True, slots=True)
class Claim:
    """A send worker's hold on deliveries (PostgreSQL): who, and the lease it renews."""

    worker: str
    lease: float  # seconds

    def until(self) -> int:
        return int(time.time() + self.lease) + 1


class LostClaim(Exception):
    """Another worker took this delivery over (this worker's lease ran out): leave it."""


def mark(
    store: Store, edition: str, email: str, status: str, now: datetime, error: str = "", attempts: int = 0,
    next_attempt: datetime | None = None, claim: Claim | None = None,
) -> bool:
    """Record one delivery's new status in its own committed transaction.

    'sending' also requires the address to be a confirmed subscriber still, and not paused
    (an unsubscribe or a pause that landed during the run wins): otherwise the row becomes
    'skipped' and this returns False. 'bounced' also suppresses the address. A 'failed' row
    with `next_attempt` is deferred: no run tries it before then.

    With a `claim` (send workers sharing an edition) the row must still be the worker's,
    else LostClaim; a finished row's lease ends, an unfinished one's is renewed.
    """
    stamp = to_stored(now)
    if claim is not None and status != "bounced":
        return _mark_claimed(store, edition, email, status, stamp, error, attempts, next_attempt, claim)
    mine, args = "", ()
    if claim is not None:
        mine, args = " AND claimed_by = ?", (claim.worker,)
    with store.transaction(concurrent=claim is not None) as conn, guard(store):
        if claim is not None and not conn.execute(
            "SELECT 1 FROM deliveries WHERE edition = ? AND email = ? AND claimed_by = ? FOR UPDATE", (edition, email, claim.worker)
        ).fetchone():
            raise LostClaim(email)
        if status == "sending" and not conn.execute(f"SELECT 1 FROM ({_RECEIVING}) AS r WHERE email = :email", {"now": stamp, "email": email}).fetchone():
            conn.execute(
                "UPDATE deliveries SET status = 'skipped', updated = ?, error = 'no longer subscribed, or paused', lease_until = NULL "
                f"WHERE edition = ? AND email = ?{mine}",
                (stamp, edition, email, *args),
            )
            return False
        lease = None if claim is None or status in ("sent", "bounced", "skipped") else claim.until()
        conn.execute(
            "UPDATE deliveries SET status = ?, updated = ?, error = ?, attempts = attempts + ?, next_attempt = ?, "
            f"sent = CASE WHEN ? = 'sent' THEN ? ELSE sent END, lease_until = ? WHERE edition = ? AND email = ?{mine}",
            (status, stamp, error, attempts, _not_before(next_attempt), status, stamp, lease, edition, email, *args),
        )
        if status == "bounced":
            _bounce(conn, email, stamp, error)
    return True


def _mark_claimed(
    store: Store, edition: str, email: str, status: str, stamp: str, error: str, attempts: int, next_attempt: datetime | None,
    claim: Claim,
) -> bool:
    """`mark` for a send worker (PostgreSQL), but a bounce: one UPDATE committed on its own
    (the connection is in autocommit between transactions) that checks the claim, checks
    that a row going 'sending' is still wanted, and writes; one round trip instead of five
    (BEGIN, SELECT ... FOR UPDATE, the subscriber check, UPDATE, COMMIT). The row is locked
    for the statement as the SELECT ... FOR UPDATE locked it."""
    values = {
        "status": status, "stamp": stamp, "error": error, "attempts": attempts, "next": _not_before(next_attempt),
        "lease": None if status in ("sent", "skipped") else claim.until(), "edition": edition, "email": email,
        "worker": claim.worker, "now": stamp,
    }
    if status == "sending":
        sql = (
            "UPDATE deliveries SET status = CASE WHEN r.wanted THEN 'sending' ELSE 'skipped' END, updated = :stamp, "
            "error = CASE WHEN r.wanted THEN :error ELSE 'no longer subscribed, or paused' END, "
            "attempts = attempts + CASE WHEN r.wanted THEN :attempts ELSE 0 END, "
            "next_attempt = CASE WHEN r.wanted THEN :next ELSE next_attempt END, "
            "lease_until = CASE WHEN r.wanted THEN :lease ELSE NULL END "
            f"FROM (SELECT EXISTS (SELECT 1 FROM ({_RECEIVING}) AS q WHERE email = :email) AS wanted) AS r "
            "WHERE edition = :edition AND email = :email AND claimed_by = :worker RETURNING status"
        )
    else:
        sql = (
            "UPDATE deliveries SET status = :status, updated = :stamp, error = :error, attempts = attempts + :attempts, "
            "next_attempt = :next, sent = CASE WHEN :status = 'sent' THEN :stamp ELSE sent END, lease_until = :lease "
            "WHERE edition = :edition AND email = :email AND claimed_by = :worker RETURNING status"
        )
    with guard(store):
        row = store.conn.execute(sql, values).fetchone()
    if row is None:
        raise LostClaim(email)
    return row[0] == status


_CLAIMABLE = (
    "edition = ? AND (status IN ('pending', 'sending') OR (status = 'failed' AND attempts < ? AND coalesce(next_attempt, '') <= ?))"
)


def claim(store: Store, edition: str, claim: Claim, now: datetime, limit: int) -> list[Delivery]:
    """Up to `limit` deliveries to send now that no live worker holds, taken for `claim`
    (PostgreSQL: FOR UPDATE SKIP LOCKED, so workers claiming at once never get the same
    row), in the order of `remaining`. A row whose lease ran out (its worker was killed) is
    claimable again; a 'sending' one is then sent again with the same Message-ID."""
    found: list[Delivery] = []
    with store.transaction(concurrent=True) as conn, guard(store):
        # one status at a time, each a range of deliveries_by_status_email in address order
        for status, extra, args in (("sending", "", ()), ("pending", "", ()),
                                    ("failed", " AND attempts < ? AND coalesce(next_attempt, '') <= ?", (MAX_ATTEMPTS, to_stored(now)))):
            if len(found) >= limit:
                break
            rows = conn.execute(
                f"UPDATE deliveries SET claimed_by = ?, lease_until = ? WHERE (edition, email) IN ("
                f"SELECT edition, email FROM deliveries WHERE edition = ? AND status = ?{extra} AND (lease_until IS NULL OR lease_until <= ?) "
                f"ORDER BY email LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING {_DELIVERY_COLUMNS}",
                (claim.worker, claim.until(), edition, status, *args, int(time.time()), limit - len(found)),
            ).fetchall()
            found.extend(sorted((_delivery(r) for r in rows), key=lambda d: d.email))
    return found


def renew(store: Store, edition: str, claim: Claim) -> None:
    """Extend the lease of every delivery the worker still holds."""
    with store.transaction(concurrent=True) as conn, guard(store):
        conn.execute(
            "UPDATE deliveries SET lease_until = ? WHERE edition = ? AND claimed_by = ? AND lease_until IS NOT NULL",
            (claim.until(), edition, claim.worker),
        )


def release(store: Store, edition: str, claim: Claim) -> None:
    """The worker is done: what it still holds (deferred, failed) is free for others."""
    with store.transaction(concurrent=True) as conn, guard(store):
        conn.execute(
            "UPDATE deliveries SET lease_until = NULL WHERE edition = ? AND claimed_by = ? AND lease_until IS NOT NULL",
            (edition, claim.worker),
        )


def reap(store: Store, edition: str, dead) -> None:
    """End the leases of workers that `dead(worker)` says are gone (a process of this
    machine that no longer runs): their rows are free at once, not when the lease ends."""
    holders = [r[0] for r in store.query(
        "SELECT DISTINCT claimed_by FROM deliveries WHERE edition = ? AND lease_until IS NOT NULL", (edition,))]
    gone = [w for w in holders if dead(w)]
    if gone:
        with store.transaction(concurrent=True) as conn, guard(store):
            conn.executemany(
                "UPDATE deliveries SET lease_until = NULL WHERE edition = ? AND claimed_by = ? AND lease_until IS NOT NULL",
                [(edition, w) for w in gone],
            )


def held_elsewhere(store: Store, edition: str, claim: Claim, now: datetime) -> int | None:
    """When the first lease of another worker on a delivery to send now ends (unix
    seconds), or None when no other worker holds one."""
    row = store.query(
        f"SELECT min(lease_until) FROM deliveries WHERE {_CLAIMABLE} AND lease_until IS NOT NULL AND claimed_by != ?",
        (edition, MAX_ATTEMPTS, to_stored(now), claim.worker),
    )
    return row[0][0]


def _not_before(moment: datetime | None) -> str | None:
    """A stored time no earlier than `moment` (stored times have whole seconds)."""
    if moment is None:
        return None
    return to_stored(moment + timedelta(microseconds=1_000_000 - moment.microsecond) if moment.microsecond else moment)


def edition_counts(store: Store, edition: str) -> dict[str, int]:
    found = dict(store.query("SELECT status, count(*) FROM deliveries WHERE edition = ? GROUP BY status", (edition,)))
    return {s: found.get(s, 0) for s in DELIVERY_STATUSES}


def editions(store: Store) -> list[str]:
    return [r[0] for r in store.query("SELECT DISTINCT edition FROM deliveries ORDER BY edition")]
