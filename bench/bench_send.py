"""Benchmark: send N personalised digests to a local aiosmtpd, rate limit off.

    python bench/bench_send.py [--subscribers 10000]

Builds a synthetic site in a temporary folder (pages in five sections over one week), stores
N confirmed subscribers with varied section choices, then times `send_edition` (ledger
writes, per-subscriber substitution, one reused SMTP connection). The SMTP server runs in a
child process, so the peak memory printed (ru_maxrss) is the sender's own. Target: 10,000
messages in under 60 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

SECTIONS = [("dunia", "Dunia"), ("nasional", "Nasional"), ("ekonomi", "Ekonomi"), ("teknologi", "Teknologi"), ("olahraga", "Olahraga")]
CHOICES = [(), ("dunia",), ("ekonomi",), ("dunia", "ekonomi"), ("nasional", "olahraga"), ("teknologi",), ("dunia", "nasional", "teknologi")]


def _server(port: int, count, ready) -> None:
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server, session, envelope):
            with count.get_lock():
                count.value += len(envelope.rcpt_tos)
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _site(root: Path, port: int) -> Path:
    from conftest import body, config_text, page

    for i in range(40):
        slug, name = SECTIONS[i % len(SECTIONS)]
        day = 14 + i % 7
        target = root / "pages" / slug / f"2024-10-{day}-{8 + i % 10:02d}{i % 60:02d}-berita-{i}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page(name, f"Berita {name} nomor {i}", body(f"kebijakan {name.lower()}")), encoding="utf-8")
    config = root / "config.toml"
    config.write_text(config_text(f"[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nrate_per_second = 0\n"), encoding="utf-8")
    return config


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=10_000)
    args = parser.parse_args()
    os.environ.setdefault("NEWSFEED_SECRET", "benchmark-secret-not-for-production")

    from newsfeed import core
    from newsfeed.config import load_settings
    from newsfeed.deliver import sending
    from newsfeed.deliver.smtp import SmtpSender
    from newsfeed.store import subscribers as ledger

    port = _free_port()
    count = multiprocessing.Value("i", 0)
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=_server, args=(port, count, ready), daemon=True)
    server.start()
    ready.wait(30)
    now = datetime(2024, 12, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(_site(Path(folder), port))
        with core.open_store(settings) as store:
            core.gather(settings, store, now)
            with store.transaction() as conn:
                for i in range(args.subscribers):
                    ledger.upsert(conn, f"pembaca{i:05d}@contoh{i % 50}.co.id", f"Pembaca {i}", CHOICES[i % len(CHOICES)], now, confirmed=True)
            start = time.perf_counter()
            with SmtpSender(settings.smtp) as transport:
                report = sending.send_edition(settings, store, now, transport, "2024-W42")
            elapsed = time.perf_counter() - start
            counts = sending.status(store, "2024-W42")
    time.sleep(0.2)
    server.terminate()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"command: python bench/bench_send.py --subscribers {args.subscribers}")
    print(f"sent {report.sent} messages ({count.value} received by the server, ledger: {counts['sent']} sent) "
          f"in {elapsed:.1f} s, {report.renders} selections rendered, {transport.connections} SMTP connection(s)")
    print(f"messages/second: {report.sent / elapsed:.0f}")
    print(f"peak memory (sender process, max RSS): {peak_mb:.0f} MB")
    status = "OK" if report.sent == args.subscribers and elapsed < 60 else "TOO SLOW or INCOMPLETE"
    print(f"target 10,000 in < 60 s: {status}")


if __name__ == "__main__":
    main()
