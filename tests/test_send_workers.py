"""Several `newsfeed send` workers sharing one edition on a PostgreSQL store (real processes,
real aiosmtpd servers on 127.0.0.1, a real PostgreSQL database). Run by the suite's
PostgreSQL pass (NEWSFEED_TEST_STORE_URL); SQLite keeps one sender behind a file lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from conftest import NOW
from newsfeed import core
from newsfeed.config import load_settings
from newsfeed.deliver import sending
from newsfeed.store import subscribers as ledger
from pgstore import ON_POSTGRES
from test_send import SECRET, WEEK, Recorder, _Controller, free_port, site_pages, subscribe

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="send workers share an edition on PostgreSQL only (NEWSFEED_TEST_STORE_URL)")


@pytest.fixture
def servers():
    """One SMTP server per worker, so a test knows which worker a held message belongs to."""
    found = []
    for _ in range(3):
        recorder = Recorder()
        controller = _Controller(recorder, hostname="127.0.0.1", port=free_port())
        controller.start()
        recorder.port = controller.port
        found.append((recorder, controller))
    yield [r for r, _c in found]
    for recorder, controller in found:
        recorder.release.set()
        controller.stop()


def worker_configs(settings, servers, lease: float = 2.0):
    """A config per worker: the same site and store, its own SMTP server."""
    base = settings.path.read_text(encoding="utf-8")
    paths = []
    for number, recorder in enumerate(servers):
        path = settings.root / f"worker{number}.toml"
        path.write_text(base + f"\n[smtp]\nhost = \"127.0.0.1\"\nport = {recorder.port}\nlease = {lease}\nmax_wait = 60\n", encoding="utf-8")
        paths.append(path)
    return paths


def command(path):
    return [sys.executable, "-c", "from newsfeed.cli import main; main()", "send", "--config", str(path), "--week", WEEK]


def received(servers) -> Counter[str]:
    total: Counter[str] = Counter()
    for recorder in servers:
        total.update(recorder.per_recipient())
    return total


def message_ids(servers, address: str) -> set[str]:
    return {m["Message-ID"] for recorder in servers for m in recorder.for_(address)}


def test_three_workers_one_killed_mid_send_each_address_gets_the_edition_once(make_site, servers):
    people = [f"pembaca{i:03d}@contoh.co.id" for i in range(90)]
    settings = make_site(site_pages())
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
    subscribe(settings, [(p, ()) for p in people])
    configs = worker_configs(settings, servers)
    env = {**os.environ, "NEWSFEED_SECRET": SECRET}
    # Worker 0's server holds its reply to worker 0's 4th DATA: the kill lands mid-send, with
    # that row committed 'sending' and no 250 given, and the rest of its claimed batch unsent.
    servers[0].hold_after = 3
    procs = [subprocess.Popen(command(path), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for path in configs]
    try:
        assert servers[0].holding.wait(120), "worker 0 never reached its 4th message"
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait(timeout=60)
    finally:
        servers[0].release.set()
    assert procs[0].returncode == -signal.SIGKILL
    outputs = [p.communicate(timeout=180) for p in procs[1:]]
    for proc, (out, err) in zip(procs[1:], outputs):
        assert proc.returncode == 0, err
    assert received(servers) == Counter({address: 1 for address in people})  # each exactly once
    for address in people:
        assert len(message_ids(servers, address)) == 1
    assert len(servers[0].messages) == 3  # worker 0 sent three before it was killed...
    assert sum(len(s.messages) for s in servers[1:]) == len(people) - 3  # ...and the others sent the rest (how
    # they shared it depends on when each started: not asserted)
    # the held row was 'sending' when worker 0 died: one survivor sent it again (same Message-ID)
    assert sum("1 resent after an interruption" in out for out, _err in outputs) == 1
    with core.open_store(settings) as store:
        counts = sending.status(store, WEEK)
        holders = {d[0] for d in store.query("SELECT DISTINCT claimed_by FROM deliveries WHERE edition = ?", (WEEK,))}
    assert counts["sent"] == len(people) and counts["sending"] == counts["pending"] == 0
    assert len(holders) == 3  # every worker sent some, the killed one too


def test_a_lost_machines_claims_are_taken_over_when_its_lease_ends(make_site, servers):
    """Rows claimed by a worker on another machine (which the others cannot see die) wait for
    its lease, then a worker here sends them; nothing is sent while the lease holds."""
    people = [f"pembaca{i:02d}@contoh.co.id" for i in range(6)]
    settings = make_site(site_pages())
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
    subscribe(settings, [(p, ()) for p in people])
    path = worker_configs(settings, servers[:1])[0]
    worker = load_settings(path)
    with core.open_store(worker) as store:
        edition = sending.select(worker, store, NOW, WEEK)[1]
        personaliser = sending.Personaliser(worker, edition, SECRET.encode())
        report = sending.SendReport(WEEK)
        ledger.plan(store, WEEK, sending.targets(worker, store, personaliser, WEEK, report, NOW), NOW)
        # a worker on another machine claimed the first three, then its machine was lost
        elsewhere = ledger.Claim("elsewhere.example:4242:feedbeef", 3.0)
        taken = ledger.claim(store, WEEK, elsewhere, NOW, 3)
        ledger.mark(store, WEEK, taken[0].email, "sending", NOW, claim=elsewhere)
    assert [d.email for d in taken] == people[:3]
    started = time.monotonic()
    done = subprocess.run(command(path), env={**os.environ, "NEWSFEED_SECRET": SECRET}, capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert received(servers[:1]) == Counter({address: 1 for address in people})
    arrivals = [m["To"] for m in (msg for _r, msg in servers[0].messages)]
    assert set(arrivals[:3]) == set(people[3:])  # the free rows first, while the lease held
    assert elapsed >= 2.0  # waited for the lease (3 s from the claim) before taking the rest
    assert "1 resent after an interruption" in done.stdout  # the row it left 'sending'


def test_a_worker_whose_lease_was_taken_over_leaves_the_row(make_site):
    """Exactly once in the ledger: a worker that lost its claim cannot mark the row."""
    settings = make_site(site_pages())
    subscribe(settings, [("ani@contoh.co.id", ())])
    with core.open_store(settings) as store:
        ledger.plan(store, WEEK, [(ledger.get(store, "ani@contoh.co.id"), ("dunia",), "<m@x>")], NOW)
        slow = ledger.Claim("here:1:aaaa", 1.0)
        assert [d.email for d in ledger.claim(store, WEEK, slow, NOW, 10)] == ["ani@contoh.co.id"]
        other = ledger.Claim("here:2:bbbb", 60.0)
        assert ledger.claim(store, WEEK, other, NOW, 10) == []  # held by `slow`
        time.sleep(2.1)
        assert [d.email for d in ledger.claim(store, WEEK, other, NOW, 10)] == ["ani@contoh.co.id"]
        with pytest.raises(ledger.LostClaim):
            ledger.mark(store, WEEK, "ani@contoh.co.id", "sending", NOW, claim=slow)
        assert ledger.mark(store, WEEK, "ani@contoh.co.id", "sending", NOW, claim=other)
        assert ledger.deliveries(store, WEEK)[0].status == "sending"
