"""Crawl a fixture news site over loopback (tests/sitefixture.py, served from its own process)
with the rate limit off: pages per second and peak memory of the first crawl, and the requests
an unchanged re-crawl makes (one per robots.txt and sitemap is the target).

Beside the figures, from the same run: the fetch rate alone (GET of the same pages, nothing
parsed) and the parse rate alone (the same bytes read by the html source's PageReader, no
network), so the crawl rate can be told apart from its two parts.

    python bench/bench_crawl.py                 # 10,000 articles
    python bench/bench_crawl.py --articles 2000
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from newsfeed.config import load_settings  # noqa: E402
from newsfeed.ingest import ingest  # noqa: E402
from newsfeed.sources.html import PageReader  # noqa: E402
from newsfeed.sources.http import HttpClient, Limits  # noqa: E402
from newsfeed.store import Store  # noqa: E402

NOW = datetime(2025, 1, 1, tzinfo=UTC)
SAMPLE = 300  # pages fetched, and parsed, alone for the baselines


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Server:
    """The fixture site in a child process; `count()` asks it how many requests it served."""

    def __init__(self, articles: int):
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "sitefixture.py"), "--articles", str(articles)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        self.base = self.process.stdout.readline().strip()

    def count(self) -> int:
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def write_config(folder: Path, base: str, concurrency: int) -> Path:
    sections = "".join(f'[[sections]]\nslug = "{s}"\nname = "{n}"\n\n' for s, n in
                       [("dunia", "Dunia"), ("nasional", "Nasional"), ("ekonomi", "Ekonomi"), ("teknologi", "Teknologi"), ("olahraga", "Olahraga")])
    text = textwrap.dedent(f"""\
        [site]
        name = "Kabar Uji"
        base_url = "https://kabaruji.example"
        id_authority = "kabaruji.example,2024"

        [[sources]]
        name = "situs"
        kind = "crawl"
        url = "{base}/"
        rate_per_second = 0
        concurrency = {concurrency}
        section_paths = {{ "/internasional/" = "dunia", "/tekno/" = "teknologi", "/bola/" = "olahraga" }}

        """) + sections
    (folder / "config.toml").write_text(text, encoding="utf-8")
    return folder / "config.toml"


def baselines(settings, urls: list[str]) -> tuple[float, float]:
    """(pages/s fetched alone, pages/s parsed alone) over the first SAMPLE pages."""
    limits = Limits(rate_per_second=0, concurrency=1)
    with HttpClient(limits) as client:
        started = time.perf_counter()
        pages = [client.get(url) for url in urls]
        fetch_rate = len(pages) / (time.perf_counter() - started)
    reader = PageReader.of(settings.sources[0], settings)
    started = time.perf_counter()
    for url, page in zip(urls, pages):
        reader.read(page.body, url, url=url, headers=page.headers)
    parse_rate = len(pages) / (time.perf_counter() - started)
    return fetch_rate, parse_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=4, help="the source's concurrency key (requests at once)")
    args = parser.parse_args()
    server = Server(args.articles)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-crawl-") as folder:
            settings = load_settings(write_config(Path(folder), server.base, args.concurrency))
            before_mb = peak_mb()
            with Store(settings.store_path) as store:
                served = server.count()
                started, cpu = time.perf_counter(), cpu_seconds()
                report = ingest(settings, store, NOW, lambda *a: None)
                elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
                first_requests = server.count() - served
                crawl_mb = peak_mb()
                stored = store.count()
                urls = [row[0] for row in store.query("SELECT key FROM articles ORDER BY key LIMIT ?", (SAMPLE,))]
                served = server.count()
                started = time.perf_counter()
                again = ingest(settings, store, NOW, lambda *a: None)
                again_elapsed = time.perf_counter() - started
                again_requests = server.count() - served
            fetch_rate, parse_rate = baselines(settings, urls)
    finally:
        server.stop()
    documents = 1 + 1 + 1 + -(-args.articles // 1000)  # robots.txt, sitemap index, news sitemap, sitemaps of 1000
    print(f"site: {args.articles:,} articles over loopback, rate limit off, concurrency {args.concurrency}")
    print(f"first crawl: {stored:,} stored ({len(report.rejected)} rejected) in {elapsed:.1f} s = {stored / elapsed:.1f} pages/s, {first_requests:,} requests")
    print(f"  CPU time of the crawling process (not the server's): {cpu:.0f} s = {stored / cpu:.1f} pages per CPU second")
    print(f"  baseline, same run, {len(urls)} pages: fetched alone {fetch_rate:.0f} pages/s, parsed alone {parse_rate:.1f} pages/s")
    print(f"  peak memory (RSS): {crawl_mb:.0f} MB, of which {before_mb:.0f} MB before the crawl (interpreter and imports)")
    print(f"unchanged re-crawl: {again_requests} requests (target: one per robots.txt and sitemap = {documents}), "
          f"{again.unchanged:,} unchanged, {again.new + again.updated} read, {again_elapsed:.1f} s")


if __name__ == "__main__":
    main()
