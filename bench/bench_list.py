"""Benchmark: a list of a million addresses. Planning an edition's deliveries and sending it
stream the list: peak memory does not grow with it.

    python bench/bench_list.py [--sizes 100000,1000000] [--send 5000] [--backends sqlite,postgresql]
                               [--url postgresql://user@127.0.0.1:PORT/postgres] [--import-sizes 20000,100000]

For each backend and list size: bench_send's site (40 pages, five sections, one week), the
list stored as confirmed subscribers with varied section choices (one bulk insert, not
timed against a target), then, each in its own child process so each peak RSS is that
step's alone (ru_maxrss of the child; "floor" is the child's RSS with the store open and
the edition loaded, before the step):
  plan         newsfeed.deliver.sending's plan step: ledger.plan(targets(...)) creates a
               pending delivery for every subscriber with something to read (the whole list)
  send sample  send_edition against a local aiosmtpd sink, stopped after --send messages (a
               transport that ends the run there, as a server refusing more would): it reads
               its rows and names a batch at a time from the whole edition
  hold list    baseline: what holding the list costs (list(all_subscribers(store, "confirmed")),
               the selection before it streamed)
The figures to compare are each step's peak minus its floor at 100,000 and at 1,000,000.
CSV import (`newsfeed subscribers import`, a whole process, wait4's peak RSS) is measured at
--import-sizes separately: it reads the whole file and checks duplicates in memory.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

import bench_workers as bw  # noqa: E402

DATABASE = "newsfeed_bench_list"


def rss_now() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _step(config: Path, step: str, send: int, queue) -> None:
    from newsfeed import core
    from newsfeed.config import load_settings
    from newsfeed.deliver import sending
    from newsfeed.deliver.smtp import SmtpSender
    from newsfeed.errors import DeliveryError
    from newsfeed.store import subscribers as ledger

    settings = load_settings(config)
    with core.open_store(settings) as store:
        code, edition = sending.select(settings, store, bw.NOW, bw.WEEK)
        personaliser = sending.Personaliser(settings, edition, b"benchmark-secret-not-for-production")
        floor = rss_now()
        start = time.perf_counter()
        done = 0
        if step == "plan":
            report = sending.SendReport(code)
            done = ledger.plan(store, code, sending.targets(settings, store, personaliser, code, report, bw.NOW), bw.NOW)
        elif step == "hold":
            done = len(list(ledger.all_subscribers(store, "confirmed")))
        elif step == "send":
            class Stopping:
                """The real SMTP sender; ends the run after `send` messages."""

                def __init__(self, inner):
                    self.inner, self.count = inner, 0

                def ensure_connected(self):
                    self.inner.ensure_connected()

                def where(self):
                    return self.inner.where()

                def send(self, sender, recipient, data):
                    if self.count >= send:
                        raise DeliveryError("sample done")
                    self.count += 1
                    return self.inner.send(sender, recipient, data)

            with SmtpSender(settings.smtp) as inner:
                transport = Stopping(inner)
                try:
                    sending.send_edition(settings, store, bw.NOW, transport, bw.WEEK)
                except DeliveryError:
                    pass
            done = transport.count
        elapsed = time.perf_counter() - start
    queue.put((floor, peak(), done, elapsed))


def step(config: Path, name: str, send: int = 0) -> tuple[float, float, int, float]:
    queue = multiprocessing.Queue()
    proc = multiprocessing.Process(target=_step, args=(config, name, send, queue))
    proc.start()
    found = queue.get()
    proc.join()
    return found


def import_run(folder: Path, port: int, size: int) -> tuple[float, float, str]:
    """`newsfeed subscribers import` of a `size`-row CSV into a fresh SQLite site: (seconds, peak RSS MB, last line)."""
    from bench_send import CHOICES

    site = folder / f"import-{size}"
    site.mkdir()
    config = bw.site_config(site, port, None, 10.0)
    csv = site / "list.csv"
    with csv.open("w", encoding="utf-8") as out:
        out.write("email,name,sections\n")
        for i in range(size):
            out.write(f"{bw.address(i)},Pembaca {i},{' '.join(CHOICES[i % len(CHOICES)])}\n")
    start = time.perf_counter()
    proc = subprocess.Popen([*bw.newsfeed_command(), "subscribers", "import", str(csv), "--config", str(config), "--confirmed"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()
    _pid, _status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, (out.strip().splitlines() or [""])[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--send", type=int, default=5000, help="messages of the send sample")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--url", default="", help="a PostgreSQL server; default: start one with .ci/postgres")
    parser.add_argument("--import-sizes", default="20000,100000", help="CSV import sizes ('' to skip)")
    args = parser.parse_args()
    os.environ.pop("NEWSFEED_TEST_STORE_URL", None)
    os.environ.setdefault("NEWSFEED_SECRET", "benchmark-secret-not-for-production")
    sizes = [int(x) for x in args.sizes.split(",") if x]
    backends = [x for x in args.backends.split(",") if x]
    print(f"command: python bench/bench_list.py --sizes {args.sizes} --send {args.send} --backends {args.backends} "
          f"--import-sizes {args.import_sizes!r}")
    print(f"load before: {bw.uptime()}")
    temp = Path(tempfile.mkdtemp(prefix="bench-list-"))
    server_url = ""
    if "postgresql" in backends:
        server_url = args.url or bw.start_postgres(temp / "pg")
    port = bw._free_port()
    sink = bw.SinkClient(port)
    from newsfeed.config import load_settings

    try:
        for backend in backends:
            for size in sizes:
                site = temp / f"{backend}-{size}"
                site.mkdir()
                url = None
                if backend == "postgresql":
                    bw.recreate_database(server_url, DATABASE)
                    url = bw.database_url(server_url, DATABASE)
                config = bw.site_config(site, port, url, 10.0)
                started = time.perf_counter()
                bw.fill(load_settings(config), size)
                filled = time.perf_counter() - started
                floor, top, planned, seconds = step(config, "plan")
                line = (f"{backend:10} {size:>9,} subscribers (stored in {filled:.0f} s): plan {planned:,} deliveries in {seconds:.1f} s, "
                        f"peak RSS {top:.0f} MB (floor {floor:.0f}, +{top - floor:.0f})")
                sink.ask("reset")
                floor, top, sent, seconds = step(config, "send", args.send)
                line += f"; send sample {sent:,} in {seconds:.1f} s ({sent / seconds:.0f}/s), peak RSS {top:.0f} MB (floor {floor:.0f}, +{top - floor:.0f})"
                floor, top, held, seconds = step(config, "hold")
                line += f"; baseline holding the list ({held:,}): peak RSS {top:.0f} MB (+{top - floor:.0f}); load {os.getloadavg()[0]:.1f}"
                print(line, flush=True)
                shutil.rmtree(site, ignore_errors=True)
        for size in [int(x) for x in args.import_sizes.split(",") if x]:
            seconds, top, last = import_run(temp, port, size)
            print(f"CSV import (newsfeed subscribers import, SQLite) {size:,} rows: {seconds:.1f} s, peak RSS {top:.0f} MB ({last})", flush=True)
    finally:
        sink.stop()
        if server_url:
            bw.tear_down(server_url, DATABASE, None if args.url else temp / "pg", temp)
        shutil.rmtree(temp, ignore_errors=True)
    print(f"load after: {bw.uptime()}")


if __name__ == "__main__":
    main()
