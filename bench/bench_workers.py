"""Benchmark: N `newsfeed send` worker processes sharing one edition on one PostgreSQL store.

    python bench/bench_workers.py [--messages 100000] [--workers 1,2,4] [--kill-workers 2]
                                  [--url postgresql://user@127.0.0.1:PORT/postgres] [--lease 10]

Without --url a throwaway server is started with .ci/postgres (and stopped at the end). The
benchmark creates its own database (newsfeed_bench_workers) in that server and drops it.

One synthetic site (bench_send's: 40 pages in five sections over one week), --messages
confirmed subscribers with varied section choices, and a local SMTP sink (aiosmtpd on
127.0.0.1, in its own process) that counts every message per recipient and keeps its
Message-ID. Then, for each worker count, the ledger is emptied (TRUNCATE deliveries) and that
many `newsfeed send --week 2024-W42` processes are started at once, unchanged: each plans the
edition (the first one inserts the rows, the others find them) and claims rows 20 at a time
(FOR UPDATE SKIP LOCKED). Printed for each: wall time from the start of the processes to the
end of the last one, messages/s over that time and over the sink's first-to-last message
(the send phase), and each worker's peak RSS (os.wait4's ru_maxrss of that process).

Kill run (--kill-workers K): K workers, one of them started as if on another machine (its
own UTS namespace, `unshare --uts`, with another host name), so the others cannot see it die
and take its rows over only when its lease (--lease seconds) ends, as they would for a lost
machine. It is SIGKILLed once the sink has a third of the messages. Exactly-once is then
counted per recipient at the sink: every subscriber received the edition, how many got it
twice and whether those copies share one Message-ID (the documented ambiguous window: a
'sending' row whose 250 the killed worker never committed is sent again, same Message-ID).

Baselines of the same run, on the same machine and sink: the sink's own ceiling (one plain
smtplib connection sending a pre-built message of the same size, no store) and the embedded
default (SQLite, the library's send_edition in one process) over --baseline-messages. The
machine has 2 cores shared by the workers, PostgreSQL and the sink (and whatever else runs:
the load average is printed before and after).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import signal
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

WEEK = "2024-W42"
NOW = datetime(2024, 12, 1, tzinfo=UTC)
DATABASE = "newsfeed_bench_workers"


# the SMTP sink ------------------------------------------------------------------------------


def _sink(port: int, control, ready) -> None:
    """aiosmtpd on 127.0.0.1: counts messages per recipient with their Message-IDs; answers
    the parent's requests on `control`."""
    from aiosmtpd.controller import Controller

    lock = threading.Lock()
    state = {"per": Counter(), "ids": {}, "first": None, "last": None, "total": 0, "bytes": 0}

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            data = envelope.original_content or b""
            start = data.find(b"\nMessage-ID: ")
            mid = data[start + 13:data.find(b"\r", start + 13)] if start >= 0 else b""
            moment = time.time()
            with lock:
                for rcpt in envelope.rcpt_tos:
                    state["per"][rcpt] += 1
                    state["ids"].setdefault(rcpt, set()).add(mid)
                    state["total"] += 1
                    state["bytes"] += len(data)
                state["first"] = state["first"] or moment
                state["last"] = moment
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port, data_size_limit=0)
    controller.start()
    ready.set()
    while True:
        command = control.recv()
        with lock:
            if command == "count":
                control.send(state["total"])
            elif command == "reset":
                state.update(per=Counter(), ids={}, first=None, last=None, total=0, bytes=0)
                control.send(True)
            elif command == "size":
                control.send(state["bytes"] // max(1, state["total"]))
            elif command == "report":
                twice = {r: sorted(state["ids"][r]) for r, n in state["per"].items() if n > 1}
                control.send((state["total"], dict(state["per"]), twice, state["first"], state["last"]))
            elif command == "stop":
                controller.stop()
                control.send(True)
                return


class SinkClient:
    def __init__(self, port: int):
        self.port = port
        self.conn, child = multiprocessing.Pipe()
        ready = multiprocessing.Event()
        self.process = multiprocessing.Process(target=_sink, args=(port, child, ready), daemon=True)
        self.process.start()
        if not ready.wait(30):
            raise SystemExit("the SMTP sink did not start")

    def ask(self, command: str):
        self.conn.send(command)
        return self.conn.recv()

    def stop(self) -> None:
        self.ask("stop")
        self.process.join(10)


# helpers -----------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def newsfeed_command() -> list[str]:
    script = Path(sys.executable).with_name("newsfeed")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from newsfeed.cli import main; main()"]


def start_postgres(folder: Path) -> str:
    # the server runs as nobody (.ci/postgres): the mkdtemp folders above it must let it in
    for parent in folder.parents:
        if parent.name.startswith("bench-"):
            parent.chmod(0o755)
    out = subprocess.run([str(HERE.parent / ".ci" / "postgres"), "start", str(folder)], capture_output=True, text=True, check=True).stdout
    url = out.split("NEWSFEED_TEST_STORE_URL=", 1)[1].split()[0]
    return url.rsplit("/", 1)[0] + "/postgres"


def database_url(server_url: str, name: str) -> str:
    return server_url.rsplit("/", 1)[0] + "/" + name


def recreate_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def tear_down(server_url: str, name: str, server_dir: Path | None, temp: Path) -> None:
    """Drop the bench's database, stop the server the bench started (server_dir; None: the
    caller's --url), remove the temporary folder. The figures are printed already: a failure
    here is reported, not raised."""
    try:
        drop_database(server_url, name)
    except Exception as exc:  # noqa: BLE001
        print(f"(could not drop {name}: {exc})")
    if server_dir is not None:
        subprocess.run([str(HERE.parent / ".ci" / "postgres"), "stop", str(server_dir)], check=False)
    shutil.rmtree(temp, ignore_errors=True)


def site_config(root: Path, port: int, store_url: str | None, lease: float) -> Path:
    """bench_send's site, its SMTP the sink; the store PostgreSQL when `store_url`."""
    from bench_send import _site

    config = _site(root, port)
    extra = f"\n[store]\nurl = \"{store_url}\"\n" if store_url else ""
    text = config.read_text(encoding="utf-8").replace("rate_per_second = 0\n", f"rate_per_second = 0\nlease = {lease}\nmax_wait = 600\n")
    config.write_text(text + extra, encoding="utf-8")
    return config


def fill(settings, count: int) -> None:
    """The site's articles and `count` confirmed subscribers (one bulk insert)."""
    from bench_send import CHOICES
    from newsfeed import core
    from newsfeed.times import to_stored

    stamp = to_stored(NOW)
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)
        with store.transaction() as conn:
            for start in range(0, count, 10_000):
                conn.executemany(
                    "INSERT INTO subscribers (email, name, sections, status, created, updated, confirmed, topics) "
                    "VALUES (?, ?, ?, 'confirmed', ?, ?, ?, '[]')",
                    [(address(i), f"Pembaca {i}", _sections(CHOICES[i % len(CHOICES)]), stamp, stamp, stamp)
                     for i in range(start, min(count, start + 10_000))],
                )
    # no pooled connection left open in this process: a forked child would share its socket
    from newsfeed.store import postgres

    postgres.close_pools()


def address(i: int) -> str:
    return f"pembaca{i:07d}@contoh{i % 50}.co.id"


def _sections(choice) -> str:
    import json

    return json.dumps(sorted(choice))


def ledger_counts(settings) -> dict[str, int]:
    from newsfeed import core
    from newsfeed.deliver import sending

    with core.open_store(settings) as store:
        return sending.status(store, WEEK)


def truncate_ledger(settings) -> None:
    from newsfeed import core

    with core.open_store(settings) as store, store.transaction() as conn:
        conn.execute("DELETE FROM deliveries") if store.engine == "sqlite" else conn.execute_native("TRUNCATE deliveries")


def start_worker(config: Path, env: dict, log: Path, host: str | None = None) -> subprocess.Popen:
    command = [*newsfeed_command(), "send", "--config", str(config), "--week", WEEK]
    if host is not None:  # as if on another machine: the others cannot see this process die
        command = ["unshare", "--uts", "sh", "-c", f'hostname {host} && exec "$@"', "sh", *command]
    return subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def reap(procs: list[subprocess.Popen]) -> list[tuple[int, float, float]]:
    """(exit status, peak RSS in MB, time it ended) of each process, waited for with os.wait4."""
    found = {}
    waiting = {proc.pid: proc for proc in procs}
    while waiting:
        pid, status, usage = os.wait4(-1, 0)
        proc = waiting.pop(pid, None)
        if proc is None:
            continue
        proc.returncode = os.waitstatus_to_exitcode(status)
        found[pid] = (proc.returncode, usage.ru_maxrss / 1024, time.time())
    return [found[proc.pid] for proc in procs]


# the runs ----------------------------------------------------------------------------------


def run_workers(settings, config: Path, sink: SinkClient, count: int, env: dict, logs: Path, messages: int) -> dict:
    truncate_ledger(settings)
    sink.ask("reset")
    start = time.time()
    procs = [start_worker(config, env, logs / f"w{count}-{n}.log") for n in range(count)]
    results = reap(procs)
    elapsed = time.time() - start
    total, per, twice, first, last = sink.ask("report")
    counts = ledger_counts(settings)
    return {
        "workers": count, "elapsed": elapsed, "received": total, "recipients": len(per), "twice": len(twice),
        "send_phase": (last - first) if first and last else 0.0, "results": results, "ledger": counts,
        "first": (first or start) - start, "ends": [end - start for _code, _rss, end in results],
        "ok": all(code == 0 for code, _rss, _end in results) and counts["sent"] == messages and len(per) == messages and not twice,
    }


def run_kill(settings, config: Path, sink: SinkClient, count: int, env: dict, logs: Path, messages: int, lease: float) -> dict:
    from newsfeed import core

    truncate_ledger(settings)
    sink.ask("reset")
    start = time.time()
    lost_host = "lost-machine"
    procs = [start_worker(config, env, logs / f"kill-{n}.log", host=lost_host if n == 0 else None) for n in range(count)]
    while sink.ask("count") < messages // 3:
        if procs[0].poll() is not None:
            break
        time.sleep(0.05)
    procs[0].send_signal(signal.SIGKILL)
    killed_at = time.time()
    with core.open_store(settings) as store:
        held = store.query(
            "SELECT status, count(*) FROM deliveries WHERE edition = ? AND claimed_by LIKE ? AND status NOT IN ('sent', 'bounced', 'skipped') "
            "GROUP BY status",
            (WEEK, lost_host + ":%"),
        )
        sent_by_lost_before = store.query(
            "SELECT count(*) FROM deliveries WHERE edition = ? AND claimed_by LIKE ? AND status = 'sent'", (WEEK, lost_host + ":%"))[0][0]
    results = reap(procs)
    elapsed = time.time() - start
    total, per, twice, first, last = sink.ask("report")
    counts = ledger_counts(settings)
    with core.open_store(settings) as store:
        by_worker = dict(store.query("SELECT claimed_by, count(*) FROM deliveries WHERE edition = ? AND status = 'sent' GROUP BY claimed_by", (WEEK,)))
    wanted = {address(i) for i in range(messages)}
    missing = len(wanted - set(per))
    same_id = all(len(ids) == 1 for ids in twice.values())
    return {
        "workers": count, "elapsed": elapsed, "received": total, "recipients": len(per), "missing": missing, "twice": len(twice),
        "same_id": same_id, "held": dict(held), "lost_sent": sent_by_lost_before, "results": results, "ledger": counts,
        "after_kill": elapsed - (killed_at - start), "by_worker": by_worker, "lease": lease,
    }


def baseline_sink(port: int, sink: SinkClient, messages: int, size: int) -> float:
    """The sink's ceiling: one smtplib connection, one pre-built message of `size` bytes, no store."""
    body = b"Subject: x\r\nMessage-ID: <b@x>\r\n\r\n" + (b"x" * 76 + b"\r\n") * max(1, size // 78)
    sink.ask("reset")
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for i in range(messages):
            client.sendmail("bench@contoh.co.id", [address(i)], body)
    return messages / (time.perf_counter() - start)


def baseline_sqlite(folder: Path, port: int, sink: SinkClient, messages: int, lease: float) -> tuple[float, float]:
    """The embedded default: SQLite, send_edition in this process's child (its own RSS)."""
    queue = multiprocessing.Queue()
    proc = multiprocessing.Process(target=_sqlite_child, args=(folder, port, messages, lease, queue))
    proc.start()
    rate, rss = queue.get()
    proc.join()
    return rate, rss


def _sqlite_child(folder: Path, port: int, messages: int, lease: float, queue) -> None:
    import resource

    from newsfeed.config import load_settings
    from newsfeed.deliver import sending
    from newsfeed.deliver.smtp import SmtpSender
    from newsfeed import core

    settings = load_settings(site_config(folder, port, None, lease))
    fill(settings, messages)
    with core.open_store(settings) as store, SmtpSender(settings.smtp) as transport:
        start = time.perf_counter()
        report = sending.send_edition(settings, store, NOW, transport, WEEK)
        elapsed = time.perf_counter() - start
    queue.put((report.sent / elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--kill-workers", type=int, default=2, help="workers in the kill run (0: no kill run)")
    parser.add_argument("--baseline-messages", type=int, default=0, help="default: a fifth of --messages")
    parser.add_argument("--lease", type=float, default=10.0)
    parser.add_argument("--url", default="", help="a PostgreSQL server (any database in it); default: start one")
    args = parser.parse_args()
    os.environ.pop("NEWSFEED_TEST_STORE_URL", None)
    os.environ.setdefault("NEWSFEED_SECRET", "benchmark-secret-not-for-production")
    env = {**os.environ}
    baseline_count = args.baseline_messages or max(1000, args.messages // 5)

    from newsfeed.config import load_settings

    print(f"command: python bench/bench_workers.py --messages {args.messages} --workers {args.workers} --kill-workers {args.kill_workers} "
          f"--lease {args.lease}")
    print(f"load before: {uptime()}")
    temp = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    server_dir = temp / "pg"
    server_url = args.url or start_postgres(server_dir)
    port = _free_port()
    sink = SinkClient(port)
    try:
        recreate_database(server_url, DATABASE)
        store_url = database_url(server_url, DATABASE)
        site = temp / "site"
        site.mkdir()
        config = site_config(site, port, store_url, args.lease)
        settings = load_settings(config)
        started = time.perf_counter()
        fill(settings, args.messages)
        print(f"PostgreSQL store filled: {args.messages:,} confirmed subscribers in {time.perf_counter() - started:.1f} s "
              f"({'given server' if args.url else 'throwaway server from .ci/postgres: fsync, synchronous_commit off'})")
        logs = temp / "logs"
        logs.mkdir()

        sqlite_dir = temp / "sqlite-site"
        sqlite_dir.mkdir()
        rate, rss = baseline_sqlite(sqlite_dir, port, sink, baseline_count, args.lease)
        print(f"baseline SQLite, one process (library send_edition), {baseline_count:,} messages: {rate:.0f} messages/s, peak RSS {rss:.0f} MB")
        size_probe = sink.ask("size")
        ceiling = baseline_sink(port, sink, baseline_count, size_probe)
        print(f"baseline sink ceiling, one smtplib connection, one {size_probe:,}-byte message (the digests' mean size), no store: "
              f"{ceiling:.0f} messages/s")

        rates = {}
        for count in [int(x) for x in args.workers.split(",") if x]:
            found = run_workers(settings, config, sink, count, env, logs, args.messages)
            rates[count] = found["received"] / found["elapsed"]
            rss = ", ".join(f"{r:.0f}" for _code, r, _end in found["results"])
            codes = ", ".join(str(code) for code, _r, _end in found["results"])
            phase = found["received"] / found["send_phase"] if found["send_phase"] else 0
            print(f"{count} worker(s): {found['received']:,} messages to {found['recipients']:,} recipients in {found['elapsed']:.1f} s wall: "
                  f"{rates[count]:.0f} messages/s (send phase {phase:.0f}/s over {found['send_phase']:.1f} s); "
                  f"first message at {found['first']:.1f} s, workers ended at {', '.join(f'{e:.1f}' for e in found['ends'])} s; "
                  f"peak RSS per worker MB: {rss}; exit {codes}; ledger sent {found['ledger']['sent']:,}; "
                  f"{'exactly once' if found['ok'] else 'NOT exactly once: ' + str(found['twice']) + ' twice'}; load {os.getloadavg()[0]:.1f}")
        if 1 in rates:
            print("scaling vs 1 worker: " + ", ".join(f"{k} workers x{v / rates[1]:.2f}" for k, v in rates.items()))

        if args.kill_workers:
            found = run_kill(settings, config, sink, args.kill_workers, env, logs, args.messages, args.lease)
            rss = ", ".join(f"{r:.0f}" for _code, r, _end in found["results"])
            codes = ", ".join(str(code) for code, _r, _end in found["results"])
            print(f"kill run, {found['workers']} workers, worker 0 ('another machine') SIGKILLed at a third: it had sent "
                  f"{found['lost_sent']:,} and held {found['held']} unsent; the others finished {found['after_kill']:.1f} s after "
                  f"the kill (lease {found['lease']:.0f} s); exits {codes}; peak RSS MB {rss}")
            print(f"  per recipient at the sink: {found['recipients']:,} of {args.messages:,} received ({found['missing']} missing), "
                  f"{found['twice']} received twice ({'same Message-ID' if found['same_id'] else 'DIFFERENT Message-IDs'}); "
                  f"{found['received']:,} messages in all; ledger {found['ledger']}")
            print(f"  sent per worker (ledger): {sorted(found['by_worker'].values(), reverse=True)}")
            exact = found["missing"] == 0 and found["ledger"]["sent"] == args.messages
            print(f"  exactly-once: {'OK' if exact and not found['twice'] else ('OK but ' + str(found['twice']) + ' duplicate(s) of the ambiguous window' if exact else 'FAILED')}")
    finally:
        sink.stop()
        tear_down(server_url, DATABASE, None if args.url else server_dir, temp)
    print(f"load after: {uptime()}")


if __name__ == "__main__":
    main()
