"""Subscriber selection streams (issue 15): planning an edition's deliveries and sending it
read the subscribers and the ledger rows a batch at a time, never the whole list. Real
store (SQLite, or PostgreSQL in the suite's second pass), real aiosmtpd server."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from conftest import NOW
from newsfeed import core
from newsfeed.deliver import sending
from newsfeed.deliver.smtp import SmtpSender
from newsfeed.store import subscribers as ledger
from test_send import WEEK, run_send, site, smtp  # noqa: F401 - fixtures

PEOPLE = 2_500
BATCH = 100
CHOICES = [(), ("dunia",), ("ekonomi",), ("dunia", "ekonomi"), ("nasional",)]  # 'nasional' has nothing that week


def fill(settings, count: int) -> list[str]:
    """`count` confirmed subscribers in one transaction (the CLI's add is one a transaction)."""
    people = [f"pembaca{i:05d}@contoh.co.id" for i in range(count)]
    with core.open_store(settings) as store, store.transaction() as conn:
        for number, address in enumerate(people):
            ledger.upsert(conn, address, f"Pembaca {number}", CHOICES[number % len(CHOICES)], NOW, confirmed=True)
    return people


def test_subscribers_are_read_by_key_a_batch_at_a_time(site):
    """A generator, not a list: a subscriber added behind the last address read is still
    seen; one added before it is not (it was read past already)."""
    fill(site, 250)
    with core.open_store(site) as store:
        found = ledger.subscribers_by_email(store, "confirmed", batch=BATCH)
        first = [next(found) for _ in range(BATCH + 1)]  # the second batch has been read
        ledger.add(store, "aaa@contoh.co.id", "", (), NOW, confirmed=True)
        ledger.add(store, "zzz@contoh.co.id", "", (), NOW, confirmed=True)
        rest = [s.email for s in found]
    emails = [s.email for s in first] + rest
    assert emails == sorted(emails) and len(emails) == len(set(emails)) == 251
    assert "zzz@contoh.co.id" in rest and "aaa@contoh.co.id" not in emails


def test_every_confirmed_subscriber_of_a_long_list_is_planned_and_sent_once(site, smtp, monkeypatch):
    monkeypatch.setattr(ledger, "SELECT_BATCH", BATCH)
    people = fill(site, PEOPLE)
    with core.open_store(site) as store:
        ledger.add(store, "pergi@contoh.co.id", "", (), NOW, confirmed=True)
        ledger.unsubscribe(store, "pergi@contoh.co.id", NOW)
    report, _transport = run_send(site)
    wanted = [p for number, p in enumerate(people) if CHOICES[number % len(CHOICES)] != ("nasional",)]
    assert report.planned == report.sent == len(wanted) and report.empty == PEOPLE - len(wanted)
    assert smtp.per_recipient() == Counter({address: 1 for address in wanted})
    for _r, message in smtp.messages[:: len(wanted) // 7]:  # names come from the batch lookups
        assert f"Halo, Pembaca {int(message['To'][7:12])}," in message.get_body(("plain",)).get_content()
    with core.open_store(site) as store:
        assert ledger.edition_counts(store, WEEK)["sent"] == len(wanted)
    report, _transport = run_send(site)  # a rerun plans and sends nothing
    assert report.planned == report.sent == 0 and len(smtp.messages) == len(wanted)


def test_planning_and_sending_read_only_bounded_batches(site, smtp, monkeypatch):
    """Every statement of a send that reads subscribers or deliveries is one batch (LIMIT),
    one address, a lookup of one batch's addresses, or a count; the deliveries are read
    between the sends, not all before the first. Statements seen through SQLite's trace
    callback (PostgreSQL runs the same SQL, translated)."""
    monkeypatch.setattr(ledger, "SELECT_BATCH", BATCH)
    fill(site, 1_000)
    seen: list[str] = []
    with core.open_store(site) as store, SmtpSender(site.smtp) as transport:
        if store.engine != "sqlite":
            pytest.skip("the statement trace is SQLite's (sqlite3 set_trace_callback); PostgreSQL runs the same SQL")
        store.conn.set_trace_callback(seen.append)
        report = sending.send_edition(site, store, NOW, transport, WEEK)
    assert report.sent == 800
    # statements whose rows come back to Python (an UPDATE ... WHERE email NOT IN (SELECT ...) stays in the database)
    reads = [s for s in seen if s.lstrip().startswith("SELECT") and re.search(r"\bFROM (subscribers|deliveries)\b", s)]
    assert reads
    for statement in reads:
        bounded = (
            re.search(r"\bLIMIT \d+", statement) or re.search(r"\bemail (=|IN \()", statement)
            or re.search(r"SELECT count\(\*\)", statement) or "DISTINCT edition" in statement
        )
        assert bounded, statement
    subscriber_batches = [s for s in reads if "FROM subscribers WHERE email >" in s]
    assert len(subscriber_batches) == 1_000 // BATCH + 1
    # each batch is a range of an index in its order: nothing sorted (SQLite sorted every
    # confirmed subscriber for each batch when the status was in the query)
    with core.open_store(site) as store:
        for statement in {s for s in reads if "LIMIT" in s}:
            plan = " ".join(row[3] for row in store.query("EXPLAIN QUERY PLAN " + statement))
            assert "TEMP B-TREE" not in plan and "SCAN" not in plan.replace("SCAN CONSTANT ROW", ""), (statement, plan)
    delivery_batches = [i for i, s in enumerate(seen) if "FROM deliveries WHERE edition =" in s and "LIMIT" in s]
    first_send = next(i for i, s in enumerate(seen) if "UPDATE deliveries SET status = 'sent'" in s)
    assert len(delivery_batches) >= 800 // BATCH and sum(i > first_send for i in delivery_batches) >= 800 // BATCH - 1


def test_a_failure_is_tried_once_a_run_though_failed_rows_are_read_last(site, smtp, monkeypatch):
    """A row that fails (permanently, not a bounce) while the pending ones are read comes
    back with the failed ones read after them: it is not tried a second time in that run."""
    monkeypatch.setattr(ledger, "SELECT_BATCH", 10)
    people = fill(site, 40)
    sent_to = [p for number, p in enumerate(people) if CHOICES[number % len(CHOICES)] != ("nasional",)]
    refused = sent_to[3]
    smtp.rcpt_reply[refused] = "554 5.7.1 rejected by policy"
    report, _transport = run_send(site)
    assert smtp.rcpt_attempts[refused] == 1
    assert report.failed == 1 and report.sent == len(sent_to) - 1
    report, _transport = run_send(site)  # the next run tries it again
    assert smtp.rcpt_attempts[refused] == 2 and report.failed == 1


@pytest.mark.skipif(__import__("pgstore").ON_POSTGRES, reason="a writer waiting on PostgreSQL's write lock would wait for ever, not time out")
def test_planning_holds_the_write_lock_only_for_each_batch_of_inserts(site, monkeypatch):
    # the targets are read (and personalised) outside the write lock: a sign-up made while
    # the plan reads its subscribers goes through at once, and a later batch still plans
    monkeypatch.setattr(ledger, "SELECT_BATCH", BATCH)
    people = fill(site, 3 * BATCH)
    signed_up = []

    def targets(store):
        for number, subscriber in enumerate(ledger.subscribers_by_email(store, "confirmed", batch=BATCH)):
            if number == BATCH + 5:  # the first batch is inserted, the second being read
                with core.open_store(site) as other:
                    other.conn.execute("PRAGMA busy_timeout = 200")  # a held lock fails this at once
                    ledger.add(other, "baru@contoh.co.id", "", (), NOW, confirmed=True)
                    signed_up.append(ledger.get(other, "baru@contoh.co.id").status)
            yield subscriber, ("dunia",), f"<{number}@x>"

    with core.open_store(site) as store:
        assert ledger.plan(store, WEEK, targets(store), NOW) == len(people)
    assert signed_up == ["confirmed"]
