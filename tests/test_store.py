"""The SQLite store: idempotent ingest, stable ids and publish times, migrations, atomicity."""

import os
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from conftest import NOW, body, page
from pgstore import ON_POSTGRES, sqlite_only
from newsfeed import core
from newsfeed.errors import StoreError
from newsfeed.store import Store
from newsfeed.store.migrations import MIGRATIONS


def _touch_later(path, seconds=5):
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + seconds * 10**9))


def test_gather_twice_adds_nothing(make_site):
    settings = make_site({f"dunia/2024-10-0{i}-0900-a{i}.txt": page("Dunia", f"Judul {i}", body("Rusia")) for i in range(1, 4)})
    with Store(settings.store_path) as store:
        first, changed = core.gather(settings, store, NOW)
        second, again = core.gather(settings, store, NOW + timedelta(hours=1))
        assert (first.new, first.updated, len(changed)) == (3, 0, 3)
        assert (second.new, second.updated, second.unchanged, again) == (0, 0, 3, [])
        assert store.count() == 3


def test_touched_but_identical_page_is_unchanged(make_site):
    settings = make_site({"dunia/2024-10-01-0900-a.txt": page("Dunia", "Judul", body("Rusia"))})
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        _touch_later(settings.root / "pages/dunia/2024-10-01-0900-a.txt")
        report, changed = core.gather(settings, store, NOW + timedelta(hours=1))
        assert (report.unchanged, changed) == (1, [])


def test_edit_keeps_id_and_publish_time_and_moves_updated(make_site):
    name = "dunia/2024-10-01-0900-a.txt"
    settings = make_site({name: page("Dunia", "Judul Lama", body("Rusia"))})
    path = settings.root / "pages" / name
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        [before] = store.newest(10, NOW)
        path.write_text(page("Dunia", "Judul Baru Sama Sekali", body("Ukraina", 4)), encoding="utf-8")
        later = NOW + timedelta(days=1)
        report, _ = core.gather(settings, store, later)
        [after] = store.newest(10, later)
    assert report.updated == 1
    assert after.id == before.id
    assert after.published == before.published == datetime(2024, 10, 1, 2, 0, tzinfo=UTC)
    assert after.title == "Judul Baru Sama Sekali"
    assert "Ukraina" in after.text
    assert after.updated == later > before.updated


def test_undated_page_keeps_first_seen_time(make_site):
    settings = make_site({"dunia/tanpa-tanggal.txt": page("Dunia", "Tanpa Tanggal", body("Rusia"))})
    path = settings.root / "pages/dunia/tanpa-tanggal.txt"
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        path.write_text(page("Dunia", "Tanpa Tanggal", body("Rusia", 5)), encoding="utf-8")
        core.gather(settings, store, NOW + timedelta(days=2))
        [article] = store.newest(10, NOW + timedelta(days=3))
    assert article.published == NOW


def test_id_comes_from_source_key_not_title_or_url(make_site):
    settings = make_site({"dunia/2024-10-01-0900-a.txt": page("Dunia", "Judul", body("Rusia"))})
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        [article] = store.newest(1, NOW)
    from newsfeed.store import article_id

    assert article.id == article_id("halaman", "dunia/2024-10-01-0900-a.txt")


def test_failed_batch_leaves_store_unchanged(make_site):
    settings = make_site({"dunia/2024-10-01-0900-a.txt": page("Dunia", "Judul", body("Rusia"))})
    from newsfeed.sources.pages import parse_page

    good = parse_page(page("Dunia", "Satu", body("Rusia")).encode(), "dunia/satu.txt", settings)

    def items():
        yield good
        raise RuntimeError("disk pulled out mid-batch")

    with Store(settings.store_path) as store:
        with pytest.raises(RuntimeError):
            store.save(items(), NOW, settings.site.base_url)
        assert store.count() == 0


def test_schema_is_versioned_and_reopens(tmp_path):
    path = tmp_path / "s.sqlite3"
    Store(path).close()
    with Store(path) as store:
        assert store.query("PRAGMA user_version")[0][0] == MIGRATIONS[-1][0]
        if store.engine == "postgresql":  # PRAGMA user_version's place there: a one-row table
            with store.transaction() as conn:
                conn.execute("UPDATE newsfeed_schema SET version = 999")
    if not ON_POSTGRES:
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA user_version = 999")
        conn.close()
    with pytest.raises(StoreError, match="newer than this newsfeed"):
        Store(path)


@sqlite_only
def test_the_slug_check_of_each_stored_page_reads_an_index_not_the_table(tmp_path):
    # store.save asks, per page, whether another article of its section holds its slug; a
    # full scan there made a first build quadratic in the archive (10,000 pages: most of the ingest)
    path = tmp_path / "s.sqlite3"
    Store(path).close()
    conn = sqlite3.connect(path)
    plan = " ".join(row[-1] for row in conn.execute(
        "EXPLAIN QUERY PLAN SELECT 1 FROM articles WHERE section = ? AND slug = ? AND id != ?", ("dunia", "x", "y")))
    conn.close()
    assert "articles_by_section_slug" in plan and "SCAN articles" not in plan, plan


@sqlite_only
def test_unreadable_store_is_a_clear_error(tmp_path):
    path = tmp_path / "rusak.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="rusak.sqlite3"):
        Store(path)


def test_published_between_bounds_related_links(make_site):
    lines = [
        "Korea Utara mengirim prajurit ke Rusia menurut intelijen Seoul.",
        "Rusia menerima amunisi dan rudal dari Korea Utara untuk perang.",
        "Ukraina memprotes kerja sama militer Korea Utara dan Rusia.",
        "Sanksi baru terhadap Korea Utara dibahas negara-negara Barat.",
        "Pyongyang membantah laporan pengiriman pasukan ke Moskow.",
    ]
    story = [[lines[(i + k) % 5] for k in range(2)] for i in range(4)]
    pages = {f"dunia/2024-10-0{i}-0900-korut-{i}.txt": page("Dunia", f"Korea Utara dan Rusia Babak {i}", story[i]) for i in range(1, 4)}
    pages["dunia/2024-12-20-0900-korut-nanti.txt"] = page("Dunia", "Korea Utara dan Rusia Nanti", story[0])
    settings = make_site(pages)
    start, end = datetime(2024, 9, 30, tzinfo=UTC), datetime(2024, 10, 7, tzinfo=UTC)
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        unbounded = {link.title for a in store.published_between(start, end) for link in a.related}
        bounded = {link.title for a in store.published_between(start, end, until=NOW) for link in a.related}
    assert "Korea Utara dan Rusia Nanti" in unbounded
    assert "Korea Utara dan Rusia Nanti" not in bounded


def test_future_updated_header_is_clamped_to_the_clock(make_site):
    header = "published: 2024-10-01 09:00\nupdated: 2031-01-01 00:00"
    settings = make_site({"dunia/a.txt": page("Dunia", "Judul", body("Rusia"), header=header)})
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        [article] = store.newest(5, NOW)
    assert article.updated == NOW


def test_setting_an_articles_topics_marks_the_feeds_of_its_old_and_new_topics(make_site):
    """What the article_topics triggers marked before migration 16 dropped them: the site feed,
    the article's section, every topic it had and every topic it gets; nothing when it has none
    before and after."""
    settings = make_site({"dunia/a.txt": page("Dunia", "Korea Utara Luncurkan Rudal", body("Korea Utara"))})
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        ident = store.query("SELECT id FROM articles")[0][0]
        with store.transaction() as conn:
            store.set_topics(conn, [(ident, ["Korea Utara", "Rusia"], ["korea-utara", "rusia"])])
            conn.execute("DELETE FROM dirty_feeds")
            store.set_topics(conn, [(ident, ["Rusia", "Ukraina"], ["rusia", "ukraina"])])
        marked = {row[0] for row in store.query("SELECT path FROM dirty_feeds")}
        assert marked == {"", "dunia", "topik/korea-utara", "topik/rusia", "topik/ukraina"}
        with store.transaction() as conn:
            store.set_topics(conn, [(ident, [], [])])
            conn.execute("DELETE FROM dirty_feeds")
            store.set_topics(conn, [(ident, [], [])])
        assert store.query("SELECT path FROM dirty_feeds") == []
