"""The same pages give the same feeds, byte for byte, however the build ran.

Two builds of one set of pages, in separate processes with different string hash seeds (set
and dict orders of str differ), one of them with topics and related lists computed by forked
workers in small blocks, the other in one process: identical feeds/ trees and identical
topics and related lists. Then, on one of them, what must rewrite nothing: enrichment redone
from scratch (as after a change of newsfeed's enrichment code or settings), and a publish into
an empty feeds/ followed by a build.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import NOW, SECTIONS, config_text, page
from newsfeed import core
from newsfeed.config import load_settings
from newsfeed.store import Store, feedstate

PEOPLE = ["Budi Santoso", "Sri Mulyani", "Retno Marsudi", "Erick Thohir", "Shin Tae-yong", "Anies Baswedan", "Joko Widodo", "Prabowo Subianto"]
PLACES = ["Jakarta", "Surabaya", "Medan", "Makassar", "Bandung", "Kyiv", "Seoul", "Riyadh"]
BODIES = ["Bank Indonesia", "Komisi Pemberantasan Korupsi", "Timnas Indonesia", "Pertamina", "Badan Gizi Nasional", "PSSI", "Kementerian Luar Negeri"]
VERBS = ["meninjau", "membahas", "mengumumkan", "menolak", "mendukung", "menunda", "mempercepat"]
THINGS = ["anggaran subsidi", "program makan gratis", "jadwal kualifikasi", "harga bahan bakar", "kerja sama perdagangan", "pembangunan jalan tol"]

# One build with the real code, the clock fixed; "parallel" shares topics and related lists
# among forked workers in blocks far smaller than a real build's.
_BUILD = """
import sys
from datetime import datetime
import newsfeed.enrichment as enrichment, newsfeed.enrich.related as related
if sys.argv[2] == "parallel":
    enrichment.TOPICS_PARALLEL_FROM, enrichment.TOPICS_BATCH, related.BLOCK, related.PARALLEL_BLOCKS = 8, 200, 32, 4
    from newsfeed import parallel
    assert parallel.workers() >= 2, "no forked workers here: the parallel build would be a serial one"
from newsfeed import core
from newsfeed.config import load_settings
from newsfeed.store import Store
settings = load_settings(sys.argv[1])
now = datetime.fromisoformat(sys.argv[3])
with Store(settings.store_path) as store:
    core.gather(settings, store, now)
    core.publish(settings, store, now)
"""


def _pages(count: int) -> dict[str, str]:
    rng = random.Random(12)
    pages = {}
    for i in range(count):
        slug, name = SECTIONS[i % len(SECTIONS)]
        who, where, body, verb, thing = rng.choice(PEOPLE), rng.choice(PLACES), rng.choice(BODIES), rng.choice(VERBS), rng.choice(THINGS)
        paragraphs = [
            f"{who} {verb} {thing} bersama {body} di {where} pada pekan ini, kata pejabat setempat.",
            f"Menurut {rng.choice(PEOPLE)}, {body} akan {rng.choice(VERBS)} {rng.choice(THINGS)} sebelum akhir tahun di {rng.choice(PLACES)}.",
            f"Warga {where} menilai langkah {body} penting; pembahasan lanjutan dijadwalkan bulan depan ({i % 7}).",
        ]
        title = f"{who} {verb.capitalize()} {thing.title()} di {where}"
        day, hour = 1 + i % 28, 6 + i % 12
        header = f"published: 2024-{1 + i % 11:02d}-{day:02d} {hour:02d}:{i % 60:02d}"
        pages[f"{slug}/{i:04d}.txt"] = page(name, title, paragraphs, header=header)
    return pages


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _lists(settings) -> tuple[list, list]:
    with Store(settings.store_path) as store:
        topics = [tuple(r) for r in store.query("SELECT a.key, t.topic, t.name, t.rank FROM article_topics t JOIN articles a ON a.id = t.article_id ORDER BY 1, 4")]
        related = [tuple(r) for r in store.query("SELECT a.key, r.rank, b.key FROM related r JOIN articles a ON a.id = r.article_id JOIN articles b ON b.id = r.related_id ORDER BY 1, 2")]
    return topics, related


def _build(site: Path, mode: str, hash_seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, "-c", _BUILD, str(site / "config.toml"), mode, NOW.isoformat()], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2 if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1) < 2,
                    reason="one CPU: no forked workers to compare with one process")
def test_same_pages_give_the_same_feeds_and_a_rebuild_rewrites_nothing(tmp_path):
    pages = _pages(600)
    sites = []
    for name, mode, seed in (("a", "parallel", "1"), ("b", "serial", "2")):
        site = tmp_path / name
        (site / "pages").mkdir(parents=True)
        (site / "config.toml").write_text(config_text(), encoding="utf-8")
        for relative, text in pages.items():
            (site / "pages" / relative).parent.mkdir(parents=True, exist_ok=True)
            (site / "pages" / relative).write_text(text, encoding="utf-8")
        _build(site, mode, seed)
        sites.append(load_settings(site / "config.toml"))
    a, b = sites
    first = _tree(a.feeds.output_dir)
    assert len(list((a.feeds.output_dir / "topik").iterdir())) >= 20  # enough topics and lists to go wrong
    assert first == _tree(b.feeds.output_dir)
    topics, related = _lists(a)
    assert related and (topics, related) == _lists(b)

    with Store(a.store_path) as store:  # enrichment redone from scratch: same lists, no file written
        with store.transaction() as conn:
            store.set_meta(conn, "enriched", "an older enrichment")
        core.gather(a, store, NOW)
        assert feedstate.dirty_feeds(store)  # every feed was marked for rendering again
        report = core.publish(a, store, NOW)
    assert report.written == () and report.removed == ()
    assert _tree(a.feeds.output_dir) == first

    shutil.rmtree(a.feeds.output_dir)  # everything published afresh, then a build
    with Store(a.store_path) as store:
        assert len(core.publish(a, store, NOW).written) == len([p for p in first if not p.endswith(".gz")])
        core.gather(a, store, NOW)
        report = core.publish(a, store, NOW)
    assert report.written == () and report.removed == ()
    assert _tree(a.feeds.output_dir) == first
