"""Build benchmark: a synthetic site of N text pages, timed phase by phase.

    python bench/bench_build.py                # N = 1,000, 10,000 and 100,000
    python bench/bench_build.py --sizes 10000  # one size

Each size runs in its own process (so peak RSS is that size's). Phases:
  write     make N pages in the page format (not newsfeed's work, shown for scale)
  ingest    first gather, part one: parse and store every page
  enrich    first gather, part two: topics and the related-articles index
  publish   first publish: every feed (site, sections, topics), OPML and index
  rebuild   gather + publish again with nothing changed
  publish*  publish again from the full store after one page is edited
Targets (issue 2): first build of 10,000 pages < 4 s; unchanged rebuild < 1 s;
publishing every feed from a 100,000-article store < 5 s with peak memory < 1 GB.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

SECTIONS = ["Dunia", "Nasional", "Ekonomi", "Teknologi", "Olahraga", "Hiburan", "Otomotif", "Gaya Hidup"]
WORDS = (
    "pemerintah menyampaikan rencana kebijakan baru untuk memperkuat ekonomi nasional di tengah tekanan global "
    "para pejabat menilai langkah tersebut penting bagi masyarakat dan dunia usaha sementara pengamat meminta "
    "pengawasan yang lebih ketat terhadap pelaksanaan program di daerah serta transparansi anggaran negara-negara "
    "tetangga juga mengikuti perkembangan ini dengan cermat karena dampaknya terhadap perdagangan kawasan"
).split()
# Made-up words after the real ones, drawn with Zipf's law (the k-th word 1/k as often), so the
# topics and related-articles index get a realistic spread of rare and common terms to work on.
_SYLLABLES = "ba be bi bu da di du ga ka ke ki ku la li lu ma me mi mu na ni nu pa pi ra ri ru sa si su ta ti tu".split()
VOCABULARY = WORDS + sorted({"".join(random.Random(k).choices(_SYLLABLES, k=2 + k % 3)) for k in range(12_000)} - set(WORDS))
CUMULATIVE = list(itertools.accumulate(1 / rank for rank in range(1, len(VOCABULARY) + 1)))
NAMES = ["Korea Utara", "Rusia", "Ukraina", "Bank Indonesia", "Timnas Indonesia", "Jakarta", "Prabowo Subianto", "OJK", "KPK", "Gaza"]


def write_site(root: Path, n: int) -> Path:
    rng = random.Random(42)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    (root / "pages").mkdir(parents=True)
    for slug in {s.lower().replace(" ", "-") for s in SECTIONS}:
        (root / "pages" / slug).mkdir()
    for i in range(n):
        section = SECTIONS[i % len(SECTIONS)]
        when = start + timedelta(minutes=37 * i + rng.randrange(30))
        paragraphs = []
        for _ in range(rng.randint(4, 9)):
            words = rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=rng.randint(40, 80))
            words.insert(rng.randrange(len(words)), rng.choice(NAMES))
            paragraphs.append(" ".join(words).capitalize() + ".")
        title = f"{rng.choice(NAMES)} {' '.join(rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=6))} {i}"
        text = "\n\n".join([section, title.capitalize(), *paragraphs, "Redaksi Bench", "Bench merupakan situs media online untuk pengukuran.", "Back to top button"])
        slug = section.lower().replace(" ", "-")
        (root / "pages" / slug / f"{when:%Y-%m-%d-%H%M}-artikel-{i}.txt").write_text(text + "\n", encoding="utf-8")
    sections = "\n".join(f'[[sections]]\nslug = "{s.lower().replace(" ", "-")}"\nname = "{s}"\n' for s in SECTIONS)
    (root / "config.toml").write_text(
        '[site]\nname = "Bench"\nbase_url = "https://bench.example"\ndescription = "Bench merupakan situs media online untuk pengukuran."\n'
        'id_authority = "bench.example,2024"\n\n[[sources]]\nname = "halaman"\nkind = "pages"\npath = "pages"\n\n' + sections,
        encoding="utf-8",
    )
    return root / "config.toml"


def peak_mb() -> float:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss, it starts afresh in a
    spawned process instead of inheriting the parent's peak)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_size(n: int, keep: str | None) -> None:
    from newsfeed import core
    from newsfeed.config import load_settings
    from newsfeed.enrichment import enrich
    from newsfeed.types import no_progress

    root = Path(keep) if keep else Path(tempfile.mkdtemp(prefix=f"newsfeed-bench-{n}-"))
    now = datetime(2030, 1, 1, tzinfo=UTC)
    rows = []

    def timed(label, fn):
        t0 = time.perf_counter()
        out = fn()
        seconds = time.perf_counter() - t0
        rows.append((label, seconds, peak_mb()))
        return out

    config = timed("write", lambda: write_site(root, n))
    settings = load_settings(config)
    store = core.open_store(settings)
    report, changed = timed("ingest", lambda: core._ingest(settings, store, now, no_progress))
    timed("enrich", lambda: enrich(settings, store, changed, no_progress))
    first = timed("publish", lambda: core.publish(settings, store, now))

    def rebuild():
        core.gather(settings, store, now)
        return core.publish(settings, store, now)

    again = timed("rebuild", rebuild)
    edited = sorted((root / "pages" / "dunia").iterdir())[-1]
    edited.write_text(edited.read_text(encoding="utf-8").replace("Redaksi Bench", "Tambahan paragraf.\n\nRedaksi Bench"), encoding="utf-8")
    timed("gather 1 edit", lambda: core.gather(settings, store, now))
    after_edit = timed("publish*", lambda: core.publish(settings, store, now))
    store.close()
    print(f"\nN = {n:,} pages ({root})")
    print(f"  stored {report.new:,} new, {len(report.rejected)} rejected; first publish wrote {len(first.written)} files;"
          f" rebuild wrote {len(again.written)}; after one edit wrote {len(after_edit.written)}")
    print(f"  {'phase':<14}{'seconds':>9}{'pages/s':>11}{'peak RSS MB':>13}")
    for label, seconds, peak in rows:
        rate = f"{n / seconds:,.0f}" if label in ("ingest", "enrich", "rebuild") else ""
        print(f"  {label:<14}{seconds:>9.3f}{rate:>11}{peak:>13.0f}")
    ingest, enriched, published = rows[1][1], rows[2][1], rows[3][1]
    print(f"  first build: ingest + publish {ingest + published:.3f} s; with topics and related lists {ingest + enriched + published:.3f} s")
    publish_alone(config, n)
    if not keep:
        shutil.rmtree(root)


def publish_alone(config: Path, n: int) -> None:
    """Publish every feed from the finished store into an empty folder, in a fresh process,
    so the time and the peak RSS are those of publishing alone."""
    process = multiprocessing.get_context("spawn").Process(target=_publish_child, args=(str(config), n))
    process.start()
    process.join()


def _publish_child(config: str, n: int) -> None:
    from dataclasses import replace

    from newsfeed import core
    from newsfeed.config import load_settings

    settings = load_settings(config)
    with tempfile.TemporaryDirectory() as out:
        settings = replace(settings, feeds=replace(settings.feeds, output_dir=Path(out)))
        before = peak_mb()
        with core.open_store(settings) as store:
            t0 = time.perf_counter()
            report = core.publish(settings, store, datetime(2030, 1, 1, tzinfo=UTC))
            seconds = time.perf_counter() - t0
    print(f"  publish every feed from the {n:,}-article store, fresh process: {seconds:.3f} s, "
          f"{len(report.written)} files, peak RSS {peak_mb():.0f} MB (process start {before:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--keep", help="build in this folder and keep it (one size only)")
    args = parser.parse_args()
    print("command:", " ".join([Path(sys.executable).name, *sys.argv]))
    for n in (int(s) for s in args.sizes.split(",")):
        process = multiprocessing.get_context("spawn").Process(target=run_size, args=(n, args.keep))
        process.start()
        process.join()


if __name__ == "__main__":
    main()
