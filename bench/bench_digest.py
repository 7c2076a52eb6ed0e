"""Digest benchmark (issue 4): render + inline cost, all section selections, e-mail size.

    python bench/bench_digest.py [--stories-per-section 6] [--recipients 2000]

Builds its own synthetic site in a temporary folder (config.toml + a real SQLite store,
5 sections x 6 stories in 2024-W42, long Indonesian headlines and summaries, lead images,
5 related links per story) and prints:
- render + inline time for the 30-story edition (target < 300 ms; median of 7 runs),
- the time to render every distinct section selection (all 31 non-empty subsets of the
  5 sections, target < 10 s),
- the inlined HTML size of the 30-story edition (target < 100,000 bytes),
- an over-budget edition (14 stories a section, caps raised to 70): how many top stories
  the e-mail keeps under the Gmail budget and what fitting them costs (a few extra renders),
- the per-recipient cost of build_message + bytes (string substitution only).

The clock is fixed (NOW, after the week): selection is bounded by it, as in `newsfeed digest`.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from newsfeed import editions
from newsfeed.config import load_settings
from newsfeed.render import message
from newsfeed.store import Store
from newsfeed.types import SourceItem

NOW = datetime(2024, 12, 1, tzinfo=UTC)
SECTIONS = [("dunia", "Dunia"), ("nasional", "Nasional"), ("ekonomi", "Ekonomi"), ("teknologi", "Teknologi"), ("olahraga", "Olahraga")]
WORDS = (
    "pemerintah menyampaikan perkembangan terbaru mengenai kebijakan ekonomi nasional yang dinilai penting "
    "bagi masyarakat luas termasuk pelaku usaha kecil dan menengah di berbagai daerah di Indonesia"
).split()


def config(root: Path, extra: str = "") -> Path:
    sections = "\n".join(f'[[sections]]\nslug = "{s}"\nname = "{n}"\n' for s, n in SECTIONS)
    text = textwrap.dedent(
        """\
        [site]
        name = "Warta Nusantara"
        base_url = "https://wartanusantara.example"
        description = "Warta Nusantara merupakan situs media online yang menyajikan berita dan informasi terbaru dari Indonesia dan dunia."
        language = "id"
        timezone = "Asia/Jakarta"
        id_authority = "wartanusantara.example,2024"

        [[sources]]
        name = "bench"
        kind = "pages"
        path = "pages"

        """
    ) + sections + "\n" + extra
    (root / "pages").mkdir()
    (root / "config.toml").write_text(text, encoding="utf-8")
    return root / "config.toml"


def sentence(seed: int, words: int) -> str:
    return " ".join(WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(words)).capitalize() + "."


def fill(store: Store, per_section: int, hours_apart: int = 5) -> None:
    zone = ZoneInfo("Asia/Jakarta")
    start = datetime(2024, 10, 14, 6, tzinfo=zone)
    items = []
    for s_index, (slug, _name) in enumerate(SECTIONS):
        for i in range(per_section):
            n = s_index * per_section + i
            paragraphs = [sentence(n + k, 45) for k in range(4)]
            items.append(
                SourceItem(
                    source="bench", key=f"{slug}/{i}.txt", section=slug,
                    title=f"{sentence(n, 12)[:-1]} di {_name} Pekan Ini ({n})",
                    content_html="".join(f"<p>{p}</p>" for p in paragraphs), text="\n\n".join(paragraphs),
                    author="Redaksi", published=(start + timedelta(hours=hours_apart * n + s_index)).astimezone(UTC),
                    slug=f"berita-{slug}-{i}", image=f"https://wartanusantara.example/gambar/{slug}-{i}.jpg" if i % 2 == 0 else None,
                )
            )
    store.save(items, NOW, "https://wartanusantara.example")
    ids = [row[0] for row in store.query("SELECT id FROM articles ORDER BY published, id")]
    with store.transaction() as conn:
        for i, ident in enumerate(ids):
            for rank in range(5):
                other = ids[(i + rank + 1) % len(ids)]
                conn.execute("INSERT INTO related (article_id, rank, related_id, editor) VALUES (?, ?, ?, 0)", (ident, rank, other))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stories-per-section", type=int, default=6)
    parser.add_argument("--recipients", type=int, default=2000)
    args = parser.parse_args()
    print("command: python bench/bench_digest.py " + " ".join(sys.argv[1:]))
    with tempfile.TemporaryDirectory(prefix="newsfeed-bench-") as tmp:
        settings = load_settings(config(Path(tmp)))
        with Store(settings.store_path) as store:
            fill(store, args.stories_per_section)
            edition = editions.select_week(settings, store, NOW, "2024-W42")
        editions.render_selection(settings, edition)  # warm-up: imports, template compile, CSS parse cache

        times = []
        for _ in range(7):
            t0 = time.perf_counter()
            rendered = editions.render_selection(settings, edition)
            times.append(time.perf_counter() - t0)
        print(f"stories in edition:                 {rendered.total} (in e-mail: {rendered.stories})")
        print(f"render + inline, one edition:       {statistics.median(times) * 1000:.0f} ms median of 7 "
              f"(min {min(times) * 1000:.0f} ms)   target < 300 ms")
        print(f"inlined HTML size:                  {rendered.size:,} bytes   target < 100,000")
        print(f"plain-text part size:               {len(rendered.text.encode()):,} bytes")

        slugs = [s for s, _n in SECTIONS]
        subsets = [c for k in range(1, len(slugs) + 1) for c in itertools.combinations(slugs, k)]
        t0 = time.perf_counter()
        sizes = []
        for subset in subsets:
            selected = editions.restrict(edition, settings, subset)
            sizes.append(editions.render_selection(settings, selected).size)
        elapsed = time.perf_counter() - t0
        print(f"all section selections:             {len(subsets)} selections in {elapsed:.2f} s "
              f"({elapsed / len(subsets) * 1000:.0f} ms each, largest {max(sizes):,} bytes)   target < 10 s")

        with tempfile.TemporaryDirectory(prefix="newsfeed-bench-big-") as big:
            extra = "[digest]\nmax_per_section = 14\nmax_stories = 70\n"
            big_settings = load_settings(config(Path(big), extra))
            with Store(big_settings.store_path) as store:
                fill(store, 14, hours_apart=2)  # all 70 inside the week
                big_edition = editions.select_week(big_settings, store, NOW, "2024-W42")
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                trimmed = editions.render_selection(big_settings, big_edition)
                times.append(time.perf_counter() - t0)
        print(f"over-budget edition:                {trimmed.stories} of {trimmed.total} stories in the e-mail, "
              f"{trimmed.size:,} bytes, fitted in {statistics.median(times) * 1000:.0f} ms median of 3")

        t0 = time.perf_counter()
        total = 0
        for i in range(args.recipients):
            address = f"pembaca{i}@contoh.example"
            msg = message.build_message(
                rendered, unsubscribe_url=f"https://wartanusantara.example/langganan/berhenti?t={i:032x}",
                greeting=f"Halo, Pembaca {i},", to=address, message_id=f"<bench.{i}@kabaruji.example>",
                headers={"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
            )
            total += len(message.message_bytes(msg))
        per = (time.perf_counter() - t0) / args.recipients
        print(f"personalise + build .eml:           {per * 1000:.2f} ms per recipient over {args.recipients} "
              f"(~{per * 10_000:.0f} s for 10,000; {total // args.recipients:,} bytes each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
