"""Helpers for the digest tests (no tests here): sites built through the real pipeline."""

from __future__ import annotations

from collections.abc import Callable

from conftest import BOLA as ALL_BOLA
from conftest import KORUT as ALL_KORUT
from conftest import NOW, body, page

from newsfeed import core
from newsfeed.config import Settings
from newsfeed.store import Store

SECTION_NAMES = {"dunia": "Dunia", "nasional": "Nasional", "ekonomi": "Ekonomi", "teknologi": "Teknologi", "olahraga": "Olahraga"}


def story(section: str, title: str, published: str, topic: str = "Korea Utara", image: str = "", paragraphs: list[str] | None = None) -> str:
    header = f"published: {published}"
    if image:
        header += f"\nimage: {image}"
    return page(SECTION_NAMES[section], title, paragraphs or body(topic), header=header)


def build(make_site: Callable[..., Settings], pages: dict[str, str], extra: str = "") -> tuple[Settings, Store]:
    """make_site + gather into a real SQLite store; the caller closes the store."""
    settings = make_site(pages, extra)
    store = Store(settings.store_path)
    report, _ids = core.gather(settings, store, NOW)
    assert not report.rejected, report.rejected
    return settings, store


def week_of_stories(per_section: int, week_days: tuple[int, ...] = (14, 15, 16, 17, 18, 19, 20), long: bool = False) -> dict[str, str]:
    """Pages spread over 2024-W42 (14-20 October 2024), `per_section` in each section."""
    pages = {}
    for s_index, section in enumerate(SECTION_NAMES):
        for i in range(per_section):
            day = week_days[(i + s_index) % len(week_days)]
            hour = 6 + (i % 12)
            title = f"{SECTION_NAMES[section]} {i}: Pemerintah dan DPR Membahas Rancangan Kebijakan Baru"
            if long:
                title += " tentang Ketahanan Pangan, Energi, dan Infrastruktur Daerah Tertinggal"
            pages[f"{section}/2024-10-{day:02d}-{section}-{i}.txt"] = story(
                section, title, f"2024-10-{day:02d} {hour:02d}:{i % 60:02d}", image=f"/gambar/{section}-{i}.jpg" if i % 2 == 0 else ""
            )
    return pages


KORUT = ALL_KORUT[:5]
BOLA = ALL_BOLA[:4] + ALL_BOLA[5:]
SCHEDULED_TITLE = "Korut Kirim Prajurit Tambahan Akhir Tahun"
EARLIER_TITLE = "Korut Kirim Prajurit ke Rusia Pertama Kali"  # korut_week's story of an earlier week


def korut_week(scheduled: str) -> dict[str, str]:
    """2024-W42: three Korut stories (dunia) and four football stories (olahraga); plus one
    more Korut story dated `scheduled` (after the clock: scheduled, not yet published), so
    the real related index links the week's Korut stories to it."""
    pages = {}
    for i in range(3):
        paragraphs = [KORUT[(i + k) % len(KORUT)] for k in range(3)]
        pages[f"dunia/korut-{i}.txt"] = story("dunia", f"Korut Kirim Prajurit ke Rusia Gelombang {i + 1}", f"2024-10-{14 + i} 08:00", paragraphs=paragraphs)
    for i in range(4):
        paragraphs = [BOLA[(i + k) % len(BOLA)] for k in range(3)]
        pages[f"olahraga/bola-{i}.txt"] = story("olahraga", f"Timnas Indonesia Tahan Bahrain Babak {i + 1}", f"2024-10-{15 + i} 20:00", paragraphs=paragraphs)
    pages["dunia/korut-nanti.txt"] = story("dunia", SCHEDULED_TITLE, scheduled, paragraphs=[KORUT[3], KORUT[4], KORUT[0]])
    # an earlier week's Korut story: a related link that leads out of the digest (links to the
    # week's own stories are never listed: each article appears once per digest)
    pages["dunia/korut-lama.txt"] = story("dunia", EARLIER_TITLE, "2024-10-03 08:00", paragraphs=[KORUT[1], KORUT[2], KORUT[3]])
    return pages


def link_related(store: Store, per_story: int = 3) -> None:
    """Fill the `related` table the way enrichment does: each article -> its neighbours."""
    ids = [row[0] for row in store.query("SELECT id FROM articles ORDER BY published, id")]
    with store.transaction() as conn:
        conn.execute("DELETE FROM related")
        for i, ident in enumerate(ids):
            others = [ids[(i + k) % len(ids)] for k in range(1, per_story + 2)]
            for rank, other in enumerate(others):
                conn.execute("INSERT INTO related (article_id, rank, related_id, editor) VALUES (?, ?, ?, 0)", (ident, rank, other))


def archive_pages(count: int, long: bool = False) -> dict[str, str]:
    """`count` older stories (2024-W40), for related links that lead out of the digest's week
    (`long`: headlines near the pages source's limit, as long as the long test weeks')."""
    more = (" tentang Ketahanan Pangan, Energi, dan Infrastruktur Daerah Tertinggal di Seluruh Provinsi Indonesia Bagian Timur"
            " serta Dampaknya bagi Masyarakat Pesisir dan Nelayan Kecil di Kepulauan Terluar") if long else ""
    stem = "-kabar-lama-dari-pekan-sebelumnya-tentang-ketahanan-pangan-energi-dan-infrastruktur-daerah" if long else ""
    return {
        f"nasional/arsip-{i}{stem}.txt": story("nasional", f"Arsip {i}: Kabar Lama dari Pekan Sebelumnya{more}", f"2024-10-0{1 + i % 6} {6 + i % 12:02d}:{i % 60:02d}")
        for i in range(count)
    }


def link_archive(store: Store, per_story: int, since: str = "2024-10-13T17:00:00Z") -> dict[str, list[str]]:
    """Each article published since `since` (UTC; 2024-W42 began then in Jakarta) -> first another story of its week, then
    `per_story` archive articles of its own, then one archive article every story shares.
    Returns article id -> the archive ids it links to (its own ones)."""
    week = [r[0] for r in store.query("SELECT id FROM articles WHERE published >= ? ORDER BY published, id", (since,))]
    old = [r[0] for r in store.query("SELECT id FROM articles WHERE published < ? ORDER BY published, id", (since,))]
    shared, pool = old[0], iter(old[1:])
    own: dict[str, list[str]] = {}
    with store.transaction() as conn:
        conn.execute("DELETE FROM related")
        for i, ident in enumerate(week):
            own[ident] = [next(pool) for _ in range(per_story)]
            for rank, other in enumerate([week[(i + 1) % len(week)], shared, *own[ident]]):
                conn.execute("INSERT INTO related (article_id, rank, related_id, editor) VALUES (?, ?, ?, 0)", (ident, rank, other))
    return own


__all__ = ["EARLIER_TITLE", "NOW", "SCHEDULED_TITLE", "archive_pages", "build", "korut_week", "link_archive", "link_related", "story", "week_of_stories"]
