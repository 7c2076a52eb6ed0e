"""Sending against a real aiosmtpd server on 127.0.0.1, a real SQLite file, real processes."""

from __future__ import annotations

import asyncio
import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import policy
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from conftest import NOW, body, page
from newsfeed import core
from newsfeed.deliver import sending
from newsfeed.deliver.smtp import RateLimiter, SmtpSender
from newsfeed.errors import ConfigError, DeliveryError
from newsfeed.store import subscribers as ledger

WEEK = "2024-W42"  # 14-20 October 2024, Asia/Jakarta
SECRET = "uji-rahasia-yang-cukup-panjang-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """aiosmtpd handler: records (recipient, message) and answers as told."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[tuple[str, email.message.EmailMessage]] = []
        self.permanent: set[str] = set()  # 550 at RCPT
        self.rcpt_reply: dict[str, str] = {}  # this reply at RCPT for this address
        self.temporary: Counter[str] = Counter()  # n x 451 at RCPT, then accept
        self.fail_after: int | None = None  # 451 at DATA once this many messages arrived
        self.data_reply: str | None = None  # this reply at DATA for every message
        self.mail_reply: str | None = None  # this reply at MAIL FROM
        self.close_after: int | None = None  # 421 (closing) at DATA once this many messages arrived
        self.greeting: str | None = None  # a refusal instead of the 220 greeting...
        self.greet_first = 0  # ...after this many connections (counting the controller's own check) were greeted
        self.connections = 0
        self.rcpt_attempts: Counter[str] = Counter()
        self.data_attempts = 0
        self.arrivals: list[float] = []  # time.monotonic() of each accepted message (same process)
        self.hold_after: int | None = None  # once this many arrived, hold the next DATA reply...
        self.holding = threading.Event()  # ...(set while holding)...
        self.release = threading.Event()  # ...until this is set
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.rcpt_attempts[address] += 1
            if address in self.permanent:
                return "550 5.1.1 mailbox unavailable"
            if address in self.rcpt_reply:
                return self.rcpt_reply[address]
            if self.temporary[address] > 0:
                self.temporary[address] -= 1
                return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            hold = self.hold_after is not None and len(self.messages) >= self.hold_after and not self.release.is_set()
        if hold:  # the client waits for our reply: the one window where a kill is ambiguous
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
            return "451 4.3.0 held"
        with self.lock:
            self.data_attempts += 1
            if self.data_reply:
                return self.data_reply
            if self.close_after is not None and len(self.messages) >= self.close_after:
                return "421 4.3.2 closing"
            if self.fail_after is not None and len(self.messages) >= self.fail_after:
                return "451 4.3.0 queue full"
            for rcpt in envelope.rcpt_tos:
                self.messages.append((rcpt, email.message_from_bytes(envelope.original_content, policy=policy.default)))
            self.arrivals.append(time.monotonic())
        return "250 OK"

    def per_recipient(self) -> Counter[str]:
        with self.lock:
            return Counter(r for r, _m in self.messages)

    def for_(self, address: str) -> list[email.message.EmailMessage]:
        with self.lock:
            return [m for r, m in self.messages if r == address]


class _GreetingSMTP(SMTP):
    """Answers a new connection with Recorder.greeting (a 5xx refusal) instead of 220, when set."""

    async def push(self, status: str) -> None:
        if not getattr(self, "_greeted", False) and status.startswith("220 "):
            self._greeted = True
            recorder = self.event_handler
            recorder.connections += 1
            if recorder.greeting and recorder.connections > recorder.greet_first:
                status = recorder.greeting
        await super().push(status)


class _Controller(Controller):
    def factory(self):
        return _GreetingSMTP(self.handler, **self.SMTP_kwargs)


@pytest.fixture
def smtp():
    recorder = Recorder()
    controller = _Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    recorder.port = controller.port
    yield recorder
    controller.stop()


def site_pages() -> dict[str, str]:
    pages = {}
    for day in (14, 15, 16):
        pages[f"dunia/2024-10-{day}-0800-dunia-{day}.txt"] = page("Dunia", f"Kabar Dunia Hari {day}", body("Korea Utara"))
        pages[f"ekonomi/2024-10-{day}-1000-ekonomi-{day}.txt"] = page("Ekonomi", f"Kabar Ekonomi Hari {day}", body("Rupiah"))
    pages["nasional/2024-10-02-0900-nasional-lama.txt"] = page("Nasional", "Kabar Nasional Lama", body("DPR"))
    return pages


@pytest.fixture
def site(make_site, smtp, monkeypatch):
    monkeypatch.setenv("NEWSFEED_SECRET", SECRET)
    # deferred addresses are tried again after 0.05 s, 0.1 s: quick enough for tests
    settings = make_site(site_pages(), extra_config=f"[smtp]\nhost = \"127.0.0.1\"\nport = {smtp.port}\nretry_delay = 0.05\nmax_wait = 5\n")
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
    return settings


def subscribe(settings, rows: list[tuple[str, tuple[str, ...]]], status: str = "confirmed") -> None:
    with core.open_store(settings) as store:
        for address, sections in rows:
            ledger.add(store, address, address.split("@")[0].title(), sections, NOW, confirmed=status == "confirmed")


def run_send(settings, now=NOW, **kwargs):
    with core.open_store(settings) as store, SmtpSender(settings.smtp, sleep=time.sleep) as transport:
        return sending.send_edition(settings, store, now, kwargs.pop("transport", transport), WEEK, **kwargs), transport


def test_every_confirmed_subscriber_gets_one_message_with_their_sections(site, smtp):
    subscribe(site, [("ani@contoh.co.id", ("dunia",)), ("budi@contoh.co.id", ("ekonomi",)), ("citra@contoh.co.id", ()),
                     ("dedi@contoh.co.id", ("teknologi",)), ("eka@contoh.co.id", ("dunia", "ekonomi"))])
    subscribe(site, [("fajar@contoh.co.id", ())], status="pending")
    report, transport = run_send(site)
    assert smtp.per_recipient() == Counter({"ani@contoh.co.id": 1, "budi@contoh.co.id": 1, "citra@contoh.co.id": 1, "eka@contoh.co.id": 1})
    assert (report.sent, report.empty) == (4, 1)  # dedi's section had nothing; fajar is pending
    assert report.renders == 3  # dunia / ekonomi / dunia+ekonomi (citra's "all" is dunia+ekonomi this week)
    assert transport.connections == 1 and smtp.sessions == 1  # one connection for every message

    def text(msg):
        return msg.get_body(("plain",)).get_content()

    ani, budi, citra = (smtp.for_(f"{n}@contoh.co.id")[0] for n in ("ani", "budi", "citra"))
    assert "Kabar Dunia Hari 14" in text(ani) and "Kabar Ekonomi" not in text(ani)
    assert "Kabar Ekonomi Hari 16" in text(budi) and "Kabar Dunia" not in text(budi)
    assert "Kabar Dunia Hari 15" in text(citra) and "Kabar Ekonomi Hari 15" in text(citra)
    assert "Kabar Nasional Lama" not in text(citra)  # another week
    ids = set()
    for _rcpt, msg in smtp.messages:
        unsub = msg["List-Unsubscribe"]
        https, mailto = [part.strip() for part in unsub.split(",")]
        assert https.startswith("<https://kabaruji.example/langganan/berhenti?token=") and https.endswith(">")
        assert mailto.startswith("<mailto:") and mailto.endswith(">")
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert msg["List-Id"].endswith("<mingguan.kabaruji.example>")
        assert msg["Date"] and msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith(">")
        assert msg.get_content_type() == "multipart/alternative"
        assert https[1:-1] in text(msg)  # the body's own unsubscribe link is the personal one
        ids.add(msg["Message-ID"])
    assert len(ids) == 4
    assert "Halo, Ani," in text(ani)
    with core.open_store(site) as store:
        assert sending.status(store, WEEK)["sent"] == 4
    again, _t = run_send(site)  # a second run sends nothing
    assert again.sent == 0 and len(smtp.messages) == 4


def test_injected_failure_after_k_messages_then_resume_sends_rest_exactly_once(site, smtp):
    people = [(f"pembaca{i:02d}@contoh.co.id", ()) for i in range(12)]
    subscribe(site, people)

    class Crash(Exception):
        pass

    class CrashingTransport(SmtpSender):
        def send(self, sender, recipient, data):
            if self.count == 5:
                raise Crash("power cut")  # after the 'sending' commit, before any SMTP
            self.count += 1
            return super().send(sender, recipient, data)

    crashing = CrashingTransport(site.smtp)
    crashing.count = 0
    with pytest.raises(Crash), core.open_store(site) as store:
        sending.send_edition(site, store, NOW, crashing, WEEK)
    crashing.close()
    assert len(smtp.messages) == 5
    with core.open_store(site) as store:
        counts = sending.status(store, WEEK)
    assert (counts["sent"], counts["sending"], counts["pending"]) == (5, 1, 6)
    report, _t = run_send(site)
    assert report.sent == 7 and report.resent == 1
    assert smtp.per_recipient() == Counter({address: 1 for address, _s in people})


def test_server_failure_after_k_messages_leaves_rest_failed_then_rerun(site, smtp):
    people = [(f"pembaca{i:02d}@contoh.co.id", ()) for i in range(8)]
    subscribe(site, people)
    smtp.fail_after = 3
    report, _t = run_send(site)
    assert (report.sent, report.deferred, report.failed) == (3, 5, 0)  # 451: tried twice more at the end, then left
    assert smtp.data_attempts == 3 + 5 * 3
    smtp.fail_after = None
    with core.open_store(site) as store:
        assert sending.unfinished(store, WEEK)[0] == 5
        assert ledger.remaining(store, WEEK, NOW) == []  # not before their next_attempt...
    report, _t = run_send(site, now=NOW + timedelta(seconds=1))  # ...which a later run reaches
    assert report.sent == 5
    assert smtp.per_recipient() == Counter({address: 1 for address, _s in people})


def test_temporary_failure_is_retried(site, smtp):
    subscribe(site, [("ani@contoh.co.id", ()), ("budi@contoh.co.id", ())])
    smtp.temporary["ani@contoh.co.id"] = 2
    report, _t = run_send(site)
    assert report.sent == 2 and smtp.rcpt_attempts["ani@contoh.co.id"] == 3
    assert smtp.per_recipient() == Counter({"ani@contoh.co.id": 1, "budi@contoh.co.id": 1})
    with core.open_store(site) as store:
        row = next(d for d in ledger.deliveries(store, WEEK) if d.email == "ani@contoh.co.id")
    assert row.attempts == 3


def test_permanent_failure_bounces_and_later_sends_skip_it(site, smtp):
    subscribe(site, [("ani@contoh.co.id", ()), ("hilang@contoh.co.id", ())])
    smtp.permanent.add("hilang@contoh.co.id")
    report, _t = run_send(site)
    assert (report.sent, report.bounced) == (1, 1)
    assert smtp.rcpt_attempts["hilang@contoh.co.id"] == 1  # 5xx is not retried
    with core.open_store(site) as store:
        assert ledger.get(store, "hilang@contoh.co.id").status == "bounced"
        assert sending.status(store, WEEK)["bounced"] == 1
    smtp.permanent.clear()
    with core.open_store(site) as store, SmtpSender(site.smtp) as transport:
        later = sending.send_edition(site, store, NOW, transport, "2024-W41")  # nothing that week...
        assert later.sent == 0
        store.conn.execute("UPDATE articles SET published = '2024-10-08T01:00:00Z'")  # ...now there is
        later = sending.send_edition(site, store, NOW, transport, "2024-W41")
    assert later.sent == 1
    assert smtp.per_recipient()["hilang@contoh.co.id"] == 0


def test_rate_limit_holds(site, smtp, make_site):
    """End to end with the wall clock, bounds that a loaded CI machine cannot break.

    Only lower bounds are properties of the limiter (a slow machine makes a run slower,
    never faster); the upper bound only catches a hang. The exact spacing is checked with an
    injected clock in test_rate_limiter_spacing.
    """
    subscribe(site, [(f"pembaca{i}@contoh.co.id", ()) for i in range(6)])
    limited = make_site(site_pages(), extra_config=f"[smtp]\nport = {smtp.port}\nrate_per_second = 10\n")
    start = time.monotonic()
    report, _t = run_send(limited)
    elapsed = time.monotonic() - start
    assert report.sent == 6
    assert elapsed >= 0.5 - 0.01  # 6 slots at 10/s: 5 gaps of 0.1 s
    assert elapsed < 300  # a hang, not slowness
    # At the server: message k+2 arrives after the sender's slot k+2, which is 0.1 s after
    # slot k+1, which comes after message k was accepted. So no three arrive within 0.1 s.
    arrivals = smtp.arrivals
    assert len(arrivals) == 6
    assert all(arrivals[j + 2] - arrivals[j] >= 0.1 - 0.005 for j in range(len(arrivals) - 2))
    assert arrivals[-1] - arrivals[0] >= 0.4 - 0.005


def test_rate_limiter_spacing():
    now = [0.0]
    slept = []
    limiter = RateLimiter(4, clock=lambda: now[0], sleep=lambda s: (slept.append(s), now.__setitem__(0, now[0] + s)))
    for _ in range(5):
        limiter.wait()
    assert now[0] == pytest.approx(1.0)  # 5 slots at 4/s span 1 s


def test_unsubscribed_meanwhile_is_skipped(site, smtp):
    subscribe(site, [("ani@contoh.co.id", ()), ("budi@contoh.co.id", ())])
    with core.open_store(site) as store:
        ledger.unsubscribe(store, "budi@contoh.co.id", NOW)
    report, _t = run_send(site)
    assert report.sent == 1 and smtp.per_recipient() == Counter({"ani@contoh.co.id": 1})


def test_dry_run_writes_eml_files_and_sends_nothing(site, smtp, tmp_path):
    subscribe(site, [("ani@contoh.co.id", ("dunia",)), ("budi@contoh.co.id", ())])
    with core.open_store(site) as store:
        report = sending.dry_run(site, store, NOW, tmp_path / "outbox", WEEK)
        assert sending.status(store, WEEK)["pending"] == 0  # no ledger rows
    assert len(report.files) == 2 and not smtp.messages
    msg = email.message_from_bytes(report.files[0].read_bytes(), policy=policy.default)
    assert msg["To"] and msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_missing_secret_is_a_clear_error(site, smtp, monkeypatch):
    subscribe(site, [("ani@contoh.co.id", ())])
    monkeypatch.delenv("NEWSFEED_SECRET")
    with pytest.raises(ConfigError, match="NEWSFEED_SECRET"):
        run_send(site)
    assert not smtp.messages


# the real thing: a process killed with SIGKILL mid-send, then the same command again ----------


def test_process_killed_midway_then_rerun_delivers_each_exactly_once(site, smtp, make_site):
    people = [f"pembaca{i:02d}@contoh.co.id" for i in range(40)]
    settings = make_site(site_pages(), extra_config=f"[smtp]\nport = {smtp.port}\n")
    subscribe(settings, [(p, ()) for p in people])
    env = {**os.environ, "NEWSFEED_SECRET": SECRET}
    command = [sys.executable, "-c", "from newsfeed.cli import main; main()", "send", "--config", str(settings.path), "--week", WEEK, "-q"]
    # The server holds its reply to the 11th DATA, so the kill lands mid-send, deterministically
    # (no race with a fast machine), with that row committed as 'sending' and no 250 given.
    smtp.hold_after = 10
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert smtp.holding.wait(120), "the send never reached the 11th message"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        smtp.release.set()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    assert len(smtp.messages) == 10
    with core.open_store(settings) as store:
        counts = sending.status(store, WEEK)
    assert (counts["sent"], counts["sending"], counts["pending"]) == (10, 1, 29)
    done = subprocess.run(command[:-1], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1 resent after an interruption" in done.stdout  # the held one, same Message-ID
    counts = smtp.per_recipient()
    assert counts == Counter({address: 1 for address in people})  # each exactly once
    for address in people:
        assert len({m["Message-ID"] for m in smtp.for_(address)}) == 1
    # A kill in the microseconds between the server's 250 and the 'sent' commit (not
    # reproducible on purpose) would resend that one message with the same Message-ID.
    status = subprocess.run([*command[:-3], "--status", "--week", WEEK], env=env, capture_output=True, text=True)
    assert "sent: 40" in status.stdout


def test_fast_personalisation_matches_the_digest_message_api(site):
    from newsfeed import editions
    from newsfeed.render import message as messages

    with core.open_store(site) as store:
        edition = editions.select_week(site, store, NOW, WEEK)
    rendered = editions.render_selection(site, edition)
    url = "https://kabaruji.example/langganan/berhenti?token=abc.0.def"
    mailto = "mailto:unsubscribe@kabaruji.example?subject=berhenti%20abc.0.def"
    extra = {"List-Id": "Kabar Uji Mingguan <mingguan.kabaruji.example>", "Precedence": "bulk"}
    when = datetime(2024, 10, 23, 2, 30, 15, 123456, tzinfo=UTC)
    fast = sending.FastMessage(rendered, extra).personal("ani@contoh.co.id", "<m1@kabaruji.example>", url, mailto, "Halo, Áni,", when)
    slow = messages.message_bytes(messages.build_message(
        rendered, unsubscribe_url=url, greeting="Halo, Áni,", to="ani@contoh.co.id", message_id="<m1@kabaruji.example>",
        date=when.replace(microsecond=0), headers={"List-Unsubscribe": f"<{url}>, <{mailto}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click", **extra},
    ))
    a, b = (email.message_from_bytes(x, policy=policy.default) for x in (fast, slow))
    def heads(m):  # the MIME boundary is derived from the content: it may differ
        return [(k, str(v).strip()) for k, v in m.items() if k != "Content-Type"]

    assert heads(a) == heads(b) and a.get_content_type() == b.get_content_type() == "multipart/alternative"
    for kind in ("plain", "html"):
        assert a.get_body((kind,)).get_content().rstrip() == b.get_body((kind,)).get_content().rstrip()
    assert max(len(line) for line in fast.split(b"\r\n")) <= 998


# what a 5xx means: a bounce only for a bad recipient address --------------------------------


def statuses(settings) -> Counter[str]:
    with core.open_store(settings) as store:
        return Counter(s.status for s in ledger.all_subscribers(store))


def test_554_at_data_for_everybody_bounces_nobody_and_stops_the_run(site, smtp):
    people = [(f"pembaca{i:02d}@contoh.co.id", ()) for i in range(8)]
    subscribe(site, people)
    smtp.data_reply = "554 5.7.1 Service unavailable; sending IP listed by a blocklist"
    with pytest.raises(DeliveryError, match=r"refused 5 messages in a row.*554 5\.7\.1.*nobody was marked bounced"):
        run_send(site)
    assert statuses(site) == Counter({"confirmed": 8})  # nobody suppressed
    assert smtp.data_attempts == 5  # a permanent reply is not retried within the run; stopped after 5
    with core.open_store(site) as store:
        counts = sending.status(store, WEEK)
    assert (counts["failed"], counts["pending"], counts["bounced"]) == (5, 3, 0)
    smtp.data_reply = None  # the operator got the IP delisted
    report, _t = run_send(site)
    assert report.sent == 8 and report.bounced == 0
    assert smtp.per_recipient() == Counter({address: 1 for address, _s in people})


def test_550_5_1_1_at_rcpt_bounces_only_that_address(site, smtp):
    people = [(f"pembaca{i:02d}@contoh.co.id", ()) for i in range(4)]
    subscribe(site, people)
    smtp.rcpt_reply["pembaca02@contoh.co.id"] = "550 5.1.1 <pembaca02@contoh.co.id>: Recipient address rejected: User unknown"
    report, _t = run_send(site)
    assert (report.sent, report.bounced, report.failed) == (3, 1, 0)
    assert statuses(site) == Counter({"confirmed": 3, "bounced": 1})
    with core.open_store(site) as store:
        assert ledger.get(store, "pembaca02@contoh.co.id").status == "bounced"


@pytest.mark.parametrize(
    "reply,bounced",
    [
        ("550 5.1.1 user unknown", True),
        ("552 5.2.2 mailbox full", True),
        ("550 no such user here", True),  # no enhanced code: 550/551/553 are about the address
        ("553 mailbox name not allowed", True),
        ("550 5.7.1 Client host rejected: sending IP listed", False),  # policy, not the address
        ("554 5.7.1 relay access denied", False),
        ("554 transaction failed", False),
        ("552 message too big", False),
        ("550 5.3.4 message too big for system", False),
    ],
)
def test_only_address_replies_at_rcpt_are_bounces(site, smtp, reply, bounced):
    subscribe(site, [("ani@contoh.co.id", ()), ("budi@contoh.co.id", ())])
    smtp.rcpt_reply["budi@contoh.co.id"] = reply
    report, _t = run_send(site)
    assert (report.sent, report.bounced, report.failed) == (1, 1, 0) if bounced else (1, 0, 1)
    assert smtp.rcpt_attempts["budi@contoh.co.id"] == 1  # never retried in the run
    assert statuses(site)["bounced"] == (1 if bounced else 0)


def test_5xx_at_mail_from_is_a_failure_not_a_bounce(site, smtp):
    subscribe(site, [(f"pembaca{i:02d}@contoh.co.id", ()) for i in range(6)])
    smtp.mail_reply = "550 5.7.1 sender address rejected"
    with pytest.raises(DeliveryError, match="MAIL FROM"):
        run_send(site)
    assert statuses(site) == Counter({"confirmed": 6})


def test_5xx_greeting_on_reconnect_is_not_a_bounce(site, smtp):
    people = [(f"pembaca{i:02d}@contoh.co.id", ()) for i in range(5)]
    subscribe(site, people)
    smtp.close_after = 1  # the second DATA gets "421 closing": the sender reconnects...
    smtp.greeting = "554 5.7.1 Service unavailable; client host blocked"  # ...and is refused at the greeting
    smtp.greet_first = smtp.connections + 1  # (the controller itself connected once at start)
    with pytest.raises(DeliveryError, match="refused the connection.*554 5.7.1.*nobody was marked bounced"):
        run_send(site)
    assert statuses(site) == Counter({"confirmed": 5})
    with core.open_store(site) as store:
        counts = sending.status(store, WEEK)
    # the 421 one was deferred; the next could not connect: failed, and the run stopped
    assert (counts["sent"], counts["failed"], counts["pending"], counts["bounced"]) == (1, 2, 2, 0)
    smtp.close_after = smtp.greeting = None
    report, _t = run_send(site, now=NOW + timedelta(seconds=1))
    assert report.sent == 4 and smtp.per_recipient() == Counter({address: 1 for address, _s in people})


def test_5xx_greeting_at_start_is_a_clear_error_without_retries(site, smtp):
    subscribe(site, [("ani@contoh.co.id", ())])
    smtp.greeting = "554 5.7.1 no service for you"
    slept = []
    with core.open_store(site) as store, SmtpSender(site.smtp, sleep=slept.append) as transport:
        with pytest.raises(DeliveryError, match="refused the connection.*554"):
            sending.send_edition(site, store, NOW, transport, WEEK)
    assert not slept and statuses(site) == Counter({"confirmed": 1})


# Date: the time of sending, not the edition's end ---------------------------------------------


def test_sent_and_dry_run_messages_are_dated_when_sent_published_eml_keeps_the_edition_date(site, smtp, tmp_path):
    from newsfeed import editions
    from newsfeed.render import message as messages

    subscribe(site, [("ani@contoh.co.id", ())])
    later = datetime(2024, 10, 25, 3, 4, 5, tzinfo=UTC)  # a retry days after the edition's end
    ticks = iter(later + timedelta(seconds=i) for i in range(100))
    with core.open_store(site) as store:
        report = sending.dry_run(site, store, NOW, tmp_path / "outbox", WEEK, clock=lambda: later)
        dry = email.message_from_bytes(report.files[0].read_bytes(), policy=policy.default)
        edition = editions.select_week(site, store, NOW, WEEK)
    assert parsedate_to_datetime(dry["Date"]) == later
    report, _t = run_send(site, clock=lambda: next(ticks))
    sent = smtp.for_("ani@contoh.co.id")[0]
    stamp = parsedate_to_datetime(sent["Date"])
    assert later <= stamp <= later + timedelta(seconds=10)
    assert sent["Date"].endswith("+0700")  # shown in the site's zone
    published = email.message_from_bytes(messages.edition_eml(editions.render_selection(site, edition), "https://kabaruji.example/langganan"), policy=policy.default)
    assert parsedate_to_datetime(published["Date"]) == edition.end  # the web .eml stays deterministic


# dry run: atomic files per edition, no stale ones -----------------------------------------------


def test_dry_run_replaces_files_of_earlier_runs(site, smtp, tmp_path):
    outbox = tmp_path / "outbox"
    subscribe(site, [("ani@contoh.co.id", ("dunia",)), ("budi@contoh.co.id", ()), ("citra@contoh.co.id", ())])
    with core.open_store(site) as store:
        first = sending.dry_run(site, store, NOW, outbox, WEEK)
        assert sorted(p.name for p in first.files) == ["ani@contoh.co.id.eml", "budi@contoh.co.id.eml", "citra@contoh.co.id.eml"]
        ledger.unsubscribe(store, "budi@contoh.co.id", NOW)
        (outbox / WEEK / "catatan.txt").write_text("bukan eml", encoding="utf-8")  # not ours: left alone
        (outbox / "2024-W41").mkdir()
        (outbox / "2024-W41" / "lama@contoh.co.id.eml").write_bytes(b"another edition")
        second = sending.dry_run(site, store, NOW, outbox, WEEK)
    names = sorted(p.name for p in (outbox / WEEK).iterdir())
    assert names == ["ani@contoh.co.id.eml", "catatan.txt", "citra@contoh.co.id.eml"]  # budi's stale file is gone, no temp files
    assert sorted(second.files) == sorted(outbox / WEEK / n for n in ("ani@contoh.co.id.eml", "citra@contoh.co.id.eml"))
    assert (outbox / "2024-W41" / "lama@contoh.co.id.eml").exists()  # other editions untouched
    assert not smtp.messages


def test_dry_run_files_are_whole_and_private(site, smtp, tmp_path):
    subscribe(site, [("ani@contoh.co.id", ())])
    with core.open_store(site) as store:
        report = sending.dry_run(site, store, NOW, tmp_path / "outbox", WEEK)
    [path] = report.files
    assert path.stat().st_mode & 0o777 == 0o600  # it holds a live unsubscribe link
    assert not list((tmp_path / "outbox").rglob("*.tmp"))
    assert email.message_from_bytes(path.read_bytes(), policy=policy.default)["To"]


# placeholder tokens: article text that looks like one survives -----------------------------------


def test_article_text_that_looks_like_a_placeholder_survives(make_site, smtp, monkeypatch):
    from newsfeed import editions

    monkeypatch.setenv("NEWSFEED_SECRET", SECRET)
    pages = site_pages()
    pages["dunia/2024-10-17-0900-placeholder.txt"] = page("Dunia", "Ketik %%UNSUBSCRIBE_URL%% dan %%GREETING%% di sini", body("Korea Utara"))
    settings = make_site(pages, extra_config=f"[smtp]\nport = {smtp.port}\n")
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
        edition = editions.select_week(settings, store, NOW, WEEK)
        digest = editions.publish_edition(settings, store, edition)
    subscribe(settings, [("ani@contoh.co.id", ())])
    run_send(settings)
    msg = smtp.for_("ani@contoh.co.id")[0]
    title = "Ketik %%UNSUBSCRIBE_URL%% dan %%GREETING%% di sini"
    text = msg.get_body(("plain",)).get_content()
    page_html = msg.get_body(("html",)).get_content()
    assert title in text and title in page_html
    link = msg["List-Unsubscribe"].split(",")[0].strip()[1:-1]
    assert text.count(link) == 1 and "Halo, Ani," in text  # the real placeholders were still replaced, once
    web = (settings.feeds.output_dir / digest.paths[0]).read_text(encoding="utf-8")
    assert title in web  # the published web copy too


def test_article_holding_the_live_token_is_refused_not_mangled(site, smtp):
    from newsfeed.errors import RenderError
    from newsfeed.render import message as messages

    subscribe(site, [("ani@contoh.co.id", ())])
    with core.open_store(site) as store:
        store.conn.execute("UPDATE articles SET title = ? WHERE id = (SELECT min(id) FROM articles)", (f"x {messages.UNSUBSCRIBE_URL} y",))
    with pytest.raises(RenderError, match="placeholder"):
        run_send(site)
    assert not smtp.messages


def test_placeholder_tokens_differ_between_processes():
    from newsfeed.render import message as messages

    code = "from newsfeed.render import message as m; print(m.UNSUBSCRIBE_URL, m.GREETING)"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert len(other) == 2 and other != [messages.UNSUBSCRIBE_URL, messages.GREETING]
    assert all(len(a) == len(b) for a, b in zip(other, (messages.UNSUBSCRIBE_URL, messages.GREETING)))


def test_removed_then_added_again_is_not_sent_the_same_edition_twice(site, smtp):
    subscribe(site, [("ani@contoh.co.id", ()), ("budi@contoh.co.id", ())])
    run_send(site)
    with core.open_store(site) as store:
        before = {d.email: d for d in ledger.deliveries(store, WEEK)}
        ledger.remove(store, "ani@contoh.co.id")
        assert {d.email for d in ledger.deliveries(store, WEEK)} == {"ani@contoh.co.id", "budi@contoh.co.id"}  # history kept
        ledger.add(store, "ani@contoh.co.id", "Ani", (), NOW, confirmed=True)
        ledger.add(store, "citra@contoh.co.id", "Citra", (), NOW, confirmed=True)  # a new id; never a reused one
    report, _t = run_send(site)
    assert report.sent == 1 and smtp.per_recipient() == Counter({"ani@contoh.co.id": 1, "budi@contoh.co.id": 1, "citra@contoh.co.id": 1})
    with core.open_store(site) as store:
        after = {d.email: d for d in ledger.deliveries(store, WEEK)}
    assert after["ani@contoh.co.id"] == before["ani@contoh.co.id"]
    # Message-IDs come from (list, edition, address): stable for an address, distinct across addresses
    assert after["ani@contoh.co.id"].message_id == sending.message_id(site, WEEK, "ani@contoh.co.id")
    assert len({d.message_id for d in after.values()}) == 3
