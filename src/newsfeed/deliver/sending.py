"""The ledger-driven weekly send: every confirmed subscriber gets the edition once.

Exactly once, across crashes and reruns
---------------------------------------
1. Plan: one committed transaction inserts a 'pending' row per (edition, address) for
   every confirmed subscriber, not paused, whose sections or topics had articles that week
   (INSERT OR IGNORE: a rerun never resets a row). The row fixes the sections, the topics
   and the Message-ID. The ledger is
   keyed by the normalised address and outlives `subscribers remove`, so an address removed
   and added again is never sent an edition it already had.
2. Per subscriber: build the message bytes, then commit 'sending' (only if the subscriber
   is still confirmed), then the SMTP transaction, then commit 'sent' ('bounced' when the
   server refuses the address itself, 'failed' otherwise: see newsfeed.deliver.smtp).
3. A rerun sends the rows still 'pending', 'failed' or 'sending'. A 'sending' row is the one
   ambiguous case (killed between the server's 250 and our commit, or before the DATA was
   accepted): it is sent again with the SAME deterministic Message-ID, derived from
   (list, edition, address), so a receiving MTA or mail client that deduplicates by
   Message-ID shows it once. SMTP has no two-phase commit, so this window (microseconds per
   message) cannot be closed from the client; we choose "never lose a message" over "never
   transmit twice", and the duplicate, if any, is the same message (only its Date differs).
4. A file lock held for the whole run stops a second `newsfeed send` from racing the first;
   the OS releases it when a process dies, even by SIGKILL. On a PostgreSQL store several
   `newsfeed send` (on one machine or many) share the edition instead: each claims rows in
   small batches (SELECT ... FOR UPDATE SKIP LOCKED: no two workers hold one row), holding
   them under a lease (smtp.lease seconds) that it renews while it works. Step 2's commits
   also require the row to be still the worker's. A killed worker's rows are claimed by
   the others when its lease ends (at once when it ran on the same machine and its process
   is gone); its 'sending' row is then sent again as in step 3, same Message-ID. A worker
   with nothing left to claim waits for the leases of the others (at most smtp.max_wait
   seconds) and takes over what a dead one leaves.
5. The run stops (DeliveryError) when the server cannot be reached, refuses the session or
   refuses several messages in a row for reasons that are not the addresses (`Refusals`):
   the rows tried are 'failed', the rest 'pending', and the same command later sends them.
6. A temporary failure (4xx: greylisting, a full queue) defers that address only: its row
   is 'failed' with a next_attempt, the run goes on with the others, and at its end tries
   the deferred ones again (smtp.retries times, after smtp.retry_delay seconds, doubling),
   waiting for them at most smtp.max_wait seconds in all; whatever is still deferred is
   tried by the next run, not before its next_attempt. 100 greylisted addresses cost one
   wait of retry_delay, not 100 waits in a row.
Rows of subscribers who unsubscribed, bounced, paused or were removed meanwhile become
'skipped'. `unfinished()` tells the CLI whether a later run has work left (its exit status).

Every message is stamped with the time it is sent (the `clock`), not the edition's date.
`--dry-run` writes the messages that would be sent as .eml files (one folder per edition,
written atomically, files of earlier dry runs that are no longer produced removed) and
touches no ledger row. `invite` e-mails the confirmation link to pending subscribers with
the same SMTP sender, rate limit, retries and bounce rules.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import secrets
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from newsfeed import editions
from newsfeed.config import Settings
from newsfeed.deliver.files import write_atomic
from newsfeed.errors import DeliveryError, RenderError
from newsfeed.render import message as messages
from newsfeed.store import Store
from newsfeed.store import subscribers as ledger
from newsfeed.subscribers import wants
from newsfeed.tokens import CONFIRM_DAYS, confirm_url, preferences_url, secret_from_env, unsubscribe_url
from newsfeed.types import Progress, no_progress


class Transport(Protocol):
    def ensure_connected(self) -> None: ...

    def send(self, sender: str, recipient: str, data: bytes): ...  # -> smtp.Outcome

    def where(self) -> str: ...


@dataclass(slots=True)
class SendReport:
    edition: str
    planned: int = 0  # ledger rows created by this run
    sent: int = 0
    bounced: int = 0
    failed: int = 0  # refused for reasons that are not the address: a later run tries again
    deferred: int = 0  # temporary failures (4xx) still to retry: the next run tries them after their next_attempt
    retried: int = 0  # deferred deliveries sent at the end of this run
    skipped: int = 0  # unsubscribed, bounced or paused since the plan
    resent: int = 0  # ambiguous 'sending' rows sent again (same Message-ID)
    renders: int = 0  # distinct section selections rendered
    empty: int = 0  # confirmed subscribers whose sections had nothing this week
    files: list[Path] = field(default_factory=list)  # --dry-run


def message_id(settings: Settings, edition: str, email: str) -> str:
    """Deterministic per (list, edition, normalised address): a resend after a crash is the
    same message, and no other address (nor the same one removed and added again under a
    new subscriber id) shares it."""
    key = hashlib.sha256(f"{settings.newsletter.list_id}\0{edition}\0{email.strip().lower()}".encode()).hexdigest()[:24]
    return f"<digest.{edition}.{key}@{_domain(settings)}>"


def _domain(settings: Settings) -> str:
    return (parseaddr(settings.digest.sender)[1].rpartition("@")[2] or "localhost").lower()


def list_id(settings: Settings) -> str:
    name = settings.site.name.replace('"', "").replace("<", "").replace(">", "")
    return f"{name} Mingguan <{settings.newsletter.list_id}>"


class Personaliser:
    """Renders each distinct selection once; per subscriber only substitutes.

    A selection is the sections and topics a subscriber gets this week; two selections that
    come out as the same groups of stories share one rendering (Edition.signature)."""

    def __init__(self, settings: Settings, edition: editions.Edition, secret: bytes):
        self.settings = settings
        self.edition = edition
        self.secret = secret
        self.available = tuple(s.slug for s in settings.sections if any(a.section == s.slug for a in edition.candidates))
        self.week_topics = {t for topics in edition.article_topics.values() for t in topics}
        self.narrowed: dict[tuple, editions.Edition | None] = {}  # (sections, topics) -> edition
        self.rendered: dict[tuple, object] = {}  # signature -> editions.RenderedDigest
        self.templates: dict[tuple, FastMessage] = {}
        self.list_id = list_id(settings)
        self.mailto = settings.newsletter.unsubscribe_mailto
        _check_placeholders(edition)

    def selection(self, subscriber_sections: Sequence[str], subscriber_topics: Sequence[str] = ()) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(sections, topics) with articles this week for a subscriber's choice: no
        sections with topics means the topics only."""
        topics = tuple(sorted(t for t in set(subscriber_topics) if t in self.week_topics))
        if not subscriber_sections and subscriber_topics:
            return (), topics
        return wants(subscriber_sections, self.available), topics

    def narrow(self, sections: tuple[str, ...], topics: tuple[str, ...] = ()) -> editions.Edition | None:
        key = (sections, topics)
        if key not in self.narrowed:
            if sections == self.available and not topics:
                self.narrowed[key] = self.edition
            elif not sections and not topics:
                self.narrowed[key] = None
            else:
                self.narrowed[key] = editions.restrict(self.edition, self.settings, sections, topics)
        return self.narrowed[key]

    def render(self, sections: tuple[str, ...], topics: tuple[str, ...] = ()):
        selected = self.narrow(sections, topics)
        if selected is None:
            return None
        found = self.rendered.get(selected.signature)
        if found is None:
            found = self.rendered[selected.signature] = editions.render_selection(self.settings, selected)
        return found

    def build(
        self, email: str, name: str, sections: tuple[str, ...], mid: str, date: datetime, topics: tuple[str, ...] = (),
        ident: int | None = None,
    ) -> bytes | None:
        """The message for one subscriber, Date `date` (the time of sending); None when the
        selection has nothing this week. `ident` (the subscriber's id) signs their
        preferences link; without it the link is the subscription page."""
        rendered = self.render(sections, topics)
        if rendered is None:
            return None
        selected = self.narrow(sections, topics)
        template = self.templates.get(selected.signature)
        if template is None:
            template = self.templates[selected.signature] = FastMessage(rendered, {"List-Id": self.list_id, "Precedence": "bulk"})
        url = unsubscribe_url(self.settings, self.secret, email)
        mailto = f"mailto:{self.mailto}?subject=berhenti%20{url.rsplit('=', 1)[1]}"
        preferences = preferences_url(self.settings, self.secret, ident, email) if ident is not None else None
        return template.personal(email, mid, url, mailto, f"Halo, {name}," if name else None, date, preferences)


def _check_placeholders(edition: editions.Edition) -> None:
    """Article text rendered into a digest must not hold the placeholder tokens (they are
    random per process, so only text made in this process could): it would be replaced."""
    for article in edition.candidates:
        fields = [article.title, article.summary, article.url, article.image or ""]
        fields += [part for link in article.related for part in (link.title, link.url)]
        if any(messages.contains_token(text) for text in fields):
            raise RenderError(
                f"article {article.id} ({article.title[:60]!r}) contains a digest placeholder token; "
                "remove it from the article and run again"
            )


class FastMessage:
    """Adapter over newsfeed.render.message for 10,000 recipients.

    `build_message()` + `message_bytes()` cost ~5 ms a message, nearly all of it in the
    email package's header folding. Here the message is built ONCE per section selection
    with their API (slot values for To, Date, Message-ID and List-Unsubscribe), and each
    recipient only gets `personalize()` (their substitution), two `part_bytes()` (C-coded
    quoted-printable) and four header lines. The result parses to the same headers and parts.
    """

    _SLOTS = (b"to", b"date", b"message-id", b"list-unsubscribe")

    def __init__(self, rendered, headers: dict[str, str]):
        self.rendered = rendered
        msg = messages.build_message(
            rendered, unsubscribe_url="https://slot.invalid/", to="slot@slot.invalid", message_id="<slot@slot.invalid>",
            headers={"List-Unsubscribe": "<https://slot.invalid/>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click", **headers},
        )
        head = messages.message_bytes(msg).split(b"\r\n\r\n", 1)[0]
        self.lines: list[bytes | str] = []
        for line in re.split(rb"\r\n(?![ \t])", head):
            name = line.split(b":", 1)[0].strip().lower()
            self.lines.append(name.decode() if name in self._SLOTS else line)
        self.boundary = msg.get_boundary().encode("ascii")
        self._date: tuple[datetime | None, bytes] = (None, b"")

    def _date_line(self, date: datetime) -> bytes:
        if self._date[0] != date:  # one formatting per distinct second, not per message
            self._date = (date, b"Date: " + messages.header_date(date, self.rendered.date).encode("ascii"))
        return self._date[1]

    def personal(
        self, to: str, mid: str, url: str, mailto: str, greeting: str | None, date: datetime, preferences: str | None = None
    ) -> bytes:
        body_html, body_text = messages.personalize(self.rendered, url, greeting, preferences)
        values = {
            "to": b"To: " + to.encode("ascii"),
            "date": self._date_line(date.replace(microsecond=0)),
            "message-id": b"Message-ID: " + mid.encode("ascii"),
            "list-unsubscribe": f"List-Unsubscribe: <{url}>,\r\n <{mailto}>".encode("ascii"),
        }
        head = b"\r\n".join(values[x] if isinstance(x, str) else x for x in self.lines)
        b = b"--" + self.boundary
        return b"".join((
            head, b"\r\n\r\n", b, b"\r\n", messages.part_bytes("plain", body_text),
            b, b"\r\n", messages.part_bytes("html", body_html), b, b"--\r\n",
        ))


MAX_REFUSALS = 5


class Refusals:
    """Stops a run that the server, not the addresses, is failing.

    A permanent failure that is not a bounce (554 at DATA, 5.7.x, MAIL FROM refused) is
    counted; a delivered message resets the count; a bounce (one bad address) leaves it
    as it is. `limit` in a row, or an outcome with `stop`, raise DeliveryError.
    """

    def __init__(self, transport: Transport, limit: int, command: str):
        self.where = transport.where() if hasattr(transport, "where") else "the SMTP server"
        self.limit = max(1, limit)
        self.command = command
        self.streak = 0

    def check(self, outcome, sent: int) -> None:
        if outcome.status == "sent":
            self.streak = 0
        elif outcome.status == "failed" and outcome.permanent:
            self.streak += 1
        if outcome.stop:
            raise DeliveryError(
                f"stopped after {sent} messages: {outcome.detail}; nobody was marked bounced; "
                f"fix it and run `{self.command}` again to send the rest"
            )
        if self.streak >= self.limit:
            raise DeliveryError(
                f"stopped after {sent} messages: {self.where} refused {self.streak} messages in a row for different "
                f"recipients with permanent errors that are not about the addresses (last: {outcome.detail}); "
                "the server or the sending setup is at fault (blocklisted IP, policy, digest.sender), so nobody was "
                f"marked bounced; fix it and run `{self.command}` again to send the rest"
            )


def select(settings: Settings, store: Store, now: datetime, week: str | None) -> tuple[str, editions.Edition | None]:
    """(edition code, the full edition or None when the week had no article)."""
    edition = editions.select_week(settings, store, now, week)
    if edition is not None:
        return edition.code, edition
    year, number = editions.parse_week(week) if week else editions.last_complete_week(now, ZoneInfo(settings.site.timezone))
    return editions.week_code(year, number), None


def targets(settings: Settings, store: Store, personaliser: Personaliser, code: str, report: SendReport, now: datetime):
    """(subscriber, sections, message id, topics) for every confirmed subscriber, not paused,
    with something to read, by address: a generator over the subscribers read in batches
    (ledger.subscribers_by_email), so the list is never held in memory."""
    for subscriber in ledger.subscribers_by_email(store, "confirmed"):
        if subscriber.paused(now):
            continue
        sections, topics = personaliser.selection(subscriber.sections, subscriber.topics)
        if not sections and not topics:
            report.empty += 1
            continue
        yield subscriber, sections, message_id(settings, code, subscriber.email), topics


@contextmanager
def send_lock(settings: Settings, code: str, store: Store | None = None) -> Iterator[None]:
    """One sender (`newsfeed send`, `subscribers invite`) per store at a time; released by
    the OS if the process dies. On PostgreSQL, send workers share an edition by claims
    instead, and `subscribers invite` takes an advisory lock."""
    if store is not None and store.location is not None:
        if code != "invite":
            yield
            return
        from newsfeed.errors import StoreError
        from newsfeed.store import postgres

        try:
            lock = postgres.session_lock(store.location, postgres.INVITE_LOCK)
            lock.__enter__()
        except StoreError:
            raise DeliveryError(f"another `newsfeed subscribers invite` is running on {store.where()}; wait for it") from None
        try:
            yield
        finally:
            lock.__exit__(None, None, None)
        return
    path = settings.store_path.with_name(settings.store_path.name + ".send.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    try:
        try:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # not POSIX: no lock, one sender is the operator's job
            pass
        except OSError:
            raise DeliveryError(
                f"another `newsfeed send` or `newsfeed subscribers invite` is running on {settings.store_path} (lock {path}); wait for it"
            ) from None
        yield
    finally:
        handle.close()


def _start(
    settings: Settings, store: Store, now: datetime, week: str | None, clock: Callable[[], datetime] | None
) -> tuple[SendReport, Personaliser | None, Callable[[], datetime]]:
    """What a send and a dry run share: the secret, the edition, the personaliser, the clock.
    No personaliser when the week has nothing to send."""
    secret = secret_from_env(settings)
    code, edition = select(settings, store, now, week)
    tick = clock or (lambda: now)
    return SendReport(code), (Personaliser(settings, edition, secret) if edition is not None else None), tick


def send_edition(
    settings: Settings,
    store: Store,
    now: datetime,
    transport: Transport,
    week: str | None = None,
    progress: Progress = no_progress,
    clock: Callable[[], datetime] | None = None,
    max_refusals: int = MAX_REFUSALS,
    sleep: Callable[[float], None] = time.sleep,
) -> SendReport:
    """Send the week's edition to every confirmed subscriber who has not had it yet.

    Stops with DeliveryError when the server cannot take mail (unreachable, refuses the
    session) or refuses `max_refusals` messages in a row for different recipients with a
    permanent reply that is not a bounce: rows already tried are 'failed', the rest stay
    'pending', nobody is marked bounced, and the same command sends them later. Temporary
    failures are deferred (see the module docstring); `sleep` waits for them.
    """
    report, personaliser, tick = _start(settings, store, now, week, clock)
    if personaliser is None:
        return report
    code, policy = report.edition, settings.smtp
    with send_lock(settings, code, store):
        report.planned = ledger.plan(store, code, targets(settings, store, personaliser, code, report, now), now)
        claim = worker_claim(settings) if store.engine == "postgresql" else None
        # Rows and the names they greet are read a batch at a time (never the whole list).
        # Rows that end 'failed' in this run are remembered so that the failed ones read
        # after them (remaining_batches' last part) do not try them twice in one run.
        failed_here: set[str] = set()
        if claim is None:
            total = ledger.due(store, code, now)
            rows = _unseen(_with_people(store, ledger.remaining_batches(store, code, now)), failed_here)
        else:
            total = ledger.unfinished(store, code)[0]
            rows = claimed(store, code, claim, tick, policy, sleep)
        if not total:
            return report
        transport.ensure_connected()
        refusals = Refusals(transport, max_refusals, f"newsfeed send --week {code}")

        def attempt(item: tuple[ledger.Delivery, tuple[int, str] | None], tries: int) -> float | None:
            try:
                return attempt_one(item, tries)
            except ledger.LostClaim:  # another worker took it over: it is theirs now
                return None

        def attempt_one(item: tuple[ledger.Delivery, tuple[int, str] | None], tries: int) -> float | None:
            row, person = item
            ident, name = person if person else (None, "")
            data = personaliser.build(row.email, name, row.sections, row.message_id, tick(), row.topics, ident)
            if data is None:  # the selection lost its articles since the plan
                ledger.mark(store, code, row.email, "skipped", tick(), error="nothing to send", claim=claim)
                report.skipped += 1
                return None
            if not ledger.mark(store, code, row.email, "sending", tick(), claim=claim):
                report.skipped += 1
                return None
            if row.status == "sending" and not tries:
                report.resent += 1
            outcome = transport.send(settings.digest.sender, row.email, data)
            wait = None
            if outcome.temporary:
                wait = policy.retry_delay * 2 ** tries
                ledger.mark(store, code, row.email, "failed", tick(), error=outcome.detail, attempts=outcome.attempts,
                            next_attempt=tick() + timedelta(seconds=wait), claim=claim)
                failed_here.add(row.email)
            else:
                ledger.mark(store, code, row.email, outcome.status, tick(), error=outcome.detail, attempts=outcome.attempts, claim=claim)
                setattr(report, outcome.status, getattr(report, outcome.status) + 1)
                if outcome.status == "failed":
                    failed_here.add(row.email)  # as the deferred ones: no more than `deferring` tries in this run
                report.retried += bool(tries and outcome.status == "sent")
            refusals.check(outcome, report.sent)
            return wait

        try:
            report.deferred = deferring(rows, attempt, policy, sleep, lambda done: progress("send", min(done, total), total))
        finally:
            if claim is not None:
                ledger.release(store, code, claim)
    report.renders = len(personaliser.rendered)
    return report


def _with_people(store: Store, batches: Iterator[list[ledger.Delivery]]) -> Iterator[tuple[ledger.Delivery, tuple[int, str] | None]]:
    """Each delivery with its subscriber's (id, name), looked up a batch at a time."""
    for batch in batches:
        found = ledger.people(store, [row.email for row in batch])
        for row in batch:
            yield row, found.get(row.email)


def _unseen(items: Iterator[tuple[ledger.Delivery, object]], failed_here: set[str]) -> Iterator[tuple[ledger.Delivery, object]]:
    for item in items:
        if not (item[0].status == "failed" and item[0].email in failed_here):
            yield item


CLAIM_BATCH = 20  # deliveries a send worker claims at a time (PostgreSQL)
CLAIM_POLL = 1.0  # seconds a worker with nothing to claim waits before it looks again


def worker_claim(settings: Settings) -> ledger.Claim:
    """This process as a send worker: host, pid and a random part (a pid is reused)."""
    return ledger.Claim(f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}", settings.smtp.lease)


def claimed(store: Store, code: str, claim: ledger.Claim, tick: Callable[[], datetime], policy, sleep: Callable[[float], None]):
    """The deliveries this worker sends, claimed CLAIM_BATCH at a time while any are left;
    its leases renewed as it goes. With nothing free but rows other workers hold, wait for
    their leases (taking over a dead worker's), at most policy.max_wait seconds in all."""
    waited = 0.0
    renewed = time.monotonic()
    while True:
        ledger.reap(store, code, _dead_here)
        batch = ledger.claim(store, code, claim, tick(), CLAIM_BATCH)
        if not batch:
            ends = ledger.held_elsewhere(store, code, claim, tick())
            if ends is None:
                return
            # looked at again at least every CLAIM_POLL seconds: the others' rows are usually
            # finished (their leases ended) long before the leases would run out
            pause = min(max(0.2, ends - time.time() + 0.2), claim.lease, CLAIM_POLL)
            if waited + pause > policy.max_wait:
                return
            sleep(pause)
            waited += pause
            continue
        found = ledger.people(store, [row.email for row in batch])
        for row in batch:
            if time.monotonic() - renewed > claim.lease / 3:
                ledger.renew(store, code, claim)
                renewed = time.monotonic()
            yield row, found.get(row.email)


def _dead_here(worker: str) -> bool:
    """Whether a worker id names a process of this machine that is gone."""
    host, _, rest = worker.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def deferring(items: Sequence, attempt: Callable[[object, int], float | None], policy, sleep: Callable[[float], None],
              done: Callable[[int], None] = lambda n: None) -> int:
    """Try every item once, in order; `attempt(item, tries)` returns the seconds to wait
    before trying it again after a temporary failure (None: finished with it). At the end,
    deferred items are tried again when their time comes, at most `policy.retries` more
    times each, while the waiting stays within `policy.max_wait` seconds. Returns how many
    are still deferred (left to the next run)."""
    deferred: list[tuple[float, int, int, object]] = []  # (due, order, tries so far, item)
    for number, item in enumerate(items, start=1):
        wait = attempt(item, 0)
        if wait is not None:
            if policy.retries:
                deferred.append((time.monotonic() + wait, number, 1, item))
            else:
                deferred.append((float("inf"), number, 1, item))
        done(number)
    waited = 0.0
    while deferred:
        deferred.sort(key=lambda entry: entry[:2])
        due, number, tries, item = deferred[0]
        pause = max(0.0, due - time.monotonic())
        if waited + pause > policy.max_wait:
            break  # left to the next run, after their next_attempt
        deferred.pop(0)
        if pause:
            sleep(pause)
            waited += pause
        wait = attempt(item, tries)
        if wait is not None:
            deferred.append((time.monotonic() + wait if tries < policy.retries else float("inf"), number, tries + 1, item))
    return len(deferred)


def unfinished(store: Store, code: str) -> tuple[int, str | None]:
    """(deliveries of the edition a later run will still try, when the first of them is due)."""
    return ledger.unfinished(store, code)


def dry_run(
    settings: Settings, store: Store, now: datetime, out_dir: Path, week: str | None = None, progress: Progress = no_progress,
    clock: Callable[[], datetime] | None = None,
) -> SendReport:
    """Write the messages a send would deliver now as .eml files; no ledger row changes.

    One file per recipient in `out_dir/<edition>/`, named by the address, written atomically;
    .eml files left there by an earlier dry run that this one no longer produces are removed.
    Each message is dated `clock()` (default `now`), as a send at that time would be.
    """
    report, personaliser, tick = _start(settings, store, now, week, clock)
    if personaliser is None:
        return report
    code = report.edition
    done_emails = {d.email for d in ledger.deliveries(store, code) if d.status in ("sent", "bounced", "skipped")}
    todo = [t for t in targets(settings, store, personaliser, code, report, now) if t[0].email not in done_emails]
    folder = out_dir / code
    try:
        for done, (subscriber, sections, mid, topics) in enumerate(todo, start=1):
            data = personaliser.build(subscriber.email, subscriber.name, sections, mid, tick(), topics, subscriber.id)
            if data is None:
                continue
            path = folder / _file_name(subscriber.email)
            write_atomic(path, data, mode=0o600)  # it holds a live unsubscribe link
            report.files.append(path)
            progress("dry run", done, len(todo))
        if folder.is_dir():
            keep = set(report.files)
            for stale in folder.glob("*.eml"):
                if stale not in keep:
                    stale.unlink()
    except OSError as exc:
        raise DeliveryError(f"{folder}: cannot write the .eml files ({exc.strerror or exc}); pass another --out folder") from None
    report.renders = len(personaliser.rendered)
    return report


def _file_name(email: str) -> str:
    """A file name per address; addresses that would share a sanitised name get a hash suffix."""
    safe = re.sub(r"[^A-Za-z0-9@._+-]", "_", email)
    if safe != email:
        safe += "-" + hashlib.sha256(email.encode("utf-8")).hexdigest()[:8]
    return f"{safe}.eml"


def status(store: Store, code: str) -> dict[str, int]:
    return ledger.edition_counts(store, code)


def latest_edition(store: Store) -> str | None:
    found = ledger.editions(store)
    return found[-1] if found else None



# confirmation e-mails (double opt-in) ----------------------------------------------------


@dataclass(slots=True)
class InviteReport:
    invited: int = 0
    bounced: int = 0
    failed: int = 0  # temporary or server-side failures: `invite` again later


def invitation(settings: Settings, secret: bytes, subscriber: ledger.Subscriber, now: datetime) -> bytes:
    """The confirmation e-mail for one pending subscriber: text + minimal HTML, Indonesian,
    with the signed confirm link (valid CONFIRM_DAYS days), List-Id, Date and Message-ID."""
    site = settings.site.name
    url = confirm_url(settings, secret, subscriber.email, now)
    subject = f"Konfirmasi langganan ringkasan mingguan {site}"
    greeting = f"Halo, {subscriber.name}," if subscriber.name else "Halo,"
    text = (
        f"{greeting}\n\n"
        f"Terima kasih telah mendaftar untuk menerima ringkasan mingguan {site}\n"
        f"di alamat {subscriber.email}. Untuk mulai menerimanya, konfirmasikan\n"
        "langganan Anda melalui tautan berikut:\n\n"
        f"{url}\n\n"
        f"Tautan ini berlaku selama {CONFIRM_DAYS} hari. Jika Anda tidak merasa mendaftar,\n"
        "abaikan saja surel ini: Anda tidak akan menerima apa pun dari kami.\n\n"
        f"--\n{site}\n{settings.site.base_url}\n"
    )
    e = html.escape
    body = (
        f'<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8"><title>{e(subject)}</title></head>\n'
        '<body style="font-family:Georgia,serif;font-size:16px;line-height:1.5;color:#222">\n'
        f"<p>{e(greeting)}</p>\n"
        f"<p>Terima kasih telah mendaftar untuk menerima ringkasan mingguan {e(site)} di alamat <b>{e(subscriber.email)}</b>. "
        "Untuk mulai menerimanya, konfirmasikan langganan Anda:</p>\n"
        f'<p><a href="{e(url)}" style="color:#b00020;font-weight:bold">Ya, konfirmasi langganan saya</a></p>\n'
        f'<p style="font-size:14px;color:#555">Tautan ini berlaku selama {CONFIRM_DAYS} hari. Jika Anda tidak merasa mendaftar, '
        "abaikan saja surel ini: Anda tidak akan menerima apa pun dari kami.</p>\n"
        f'<p style="font-size:14px;color:#555">{e(site)}</p>\n</body></html>\n'
    )
    key = hashlib.sha256(f"{settings.newsletter.list_id}\0{subscriber.email}\0{now.isoformat()}".encode()).hexdigest()[:24]
    msg = messages.compose(
        subject=subject, sender=settings.digest.sender, to=subscriber.email,
        date=messages.header_date(now.astimezone(ZoneInfo(settings.site.timezone))), message_id=f"<konfirmasi.{key}@{_domain(settings)}>",
        headers={"List-Id": list_id(settings), "Auto-Submitted": "auto-generated"}, text=text, html=body,
    )
    return messages.message_bytes(msg)


def invite(
    settings: Settings,
    store: Store,
    transport: Transport,
    now: datetime,
    again: bool = False,
    only: Sequence[str] = (),
    progress: Progress = no_progress,
    clock: Callable[[], datetime] | None = None,
    max_refusals: int = MAX_REFUSALS,
    sleep: Callable[[float], None] = time.sleep,
) -> InviteReport:
    """E-mail the confirmation link to every pending subscriber not invited yet (`again`:
    every pending one; `only`: just these addresses). Each one is recorded as invited once
    the server accepted it; a bounce suppresses the address as in a send."""
    secret = secret_from_env(settings)
    tick = clock or (lambda: now)
    report = InviteReport()
    wanted = set(only)
    people = [s for s in ledger.to_invite(store, again=again or bool(wanted)) if not wanted or s.email in wanted]
    if not people:
        return report
    with send_lock(settings, "invite", store):
        transport.ensure_connected()
        refusals = Refusals(transport, max_refusals, "newsfeed subscribers invite")

        def attempt(subscriber: ledger.Subscriber, tries: int) -> float | None:
            moment = tick()
            outcome = transport.send(settings.digest.sender, subscriber.email, invitation(settings, secret, subscriber, moment))
            wait = None
            if outcome.status == "sent":
                ledger.mark_invited(store, subscriber.email, moment)
                report.invited += 1
            elif outcome.status == "bounced":
                ledger.mark_bounced(store, subscriber.email, tick(), outcome.detail)
                report.bounced += 1
            elif outcome.temporary:
                wait = settings.smtp.retry_delay * 2 ** tries
            else:
                report.failed += 1
            refusals.check(outcome, report.invited)
            return wait

        report.failed += deferring(people, attempt, settings.smtp, sleep, lambda done: progress("invite", done, len(people)))
    return report
