"""The store follows its sources: deleted, renamed, returning and taken-down articles."""

from __future__ import annotations

import shutil
from datetime import timedelta

import feedparser
from click.testing import CliRunner

from conftest import BOLA, KORUT, NOW, body, page
from newsfeed import core
from newsfeed.cli import main
from newsfeed.store import Store, lifecycle
from newsfeed.store import subscribers as ledger


PLACES = ["Seoul", "Moskow", "Kyiv", "Pyongyang", "Washington", "Beijing", "Tokyo"]


def _run(settings, *args):
    return CliRunner().invoke(main, [*args, "--config", str(settings.path)], catch_exceptions=False)


def _site(make_site, count=8, extra=""):
    pages = {
        f"dunia/2024-10-{i + 1:02d}-0900-korut-{i}.txt": page(
            "Dunia", f"Korea Utara Kirim Pasukan Tahap {i}", [KORUT[i % 6], KORUT[(i + 2) % 6], f"Berita ke-{i} dari {PLACES[i % len(PLACES)]}."]
        )
        for i in range(count)
    }
    pages["olahraga/2024-10-20-0900-timnas.txt"] = page("Olahraga", "Timnas Indonesia Imbang Lawan Bahrain", BOLA)
    return make_site(pages, extra)


def _build(settings, now=NOW, allow=False):
    with Store(settings.store_path) as store:
        report, _ = core.gather(settings, store, now, allow_withdraw=allow)
        core.publish(settings, store, now)
    return report


def _guids(settings, name="rss.xml"):
    return {e.id: e.link for e in feedparser.parse((settings.feeds.output_dir / name).read_bytes()).entries}


def _all_text(settings):
    return "".join(p.read_text(encoding="utf-8") for p in sorted(settings.feeds.output_dir.rglob("*")) if p.is_file() and p.suffix != ".gz")


def test_deleted_page_leaves_every_feed_topic_and_related_list(make_site):
    settings = _site(make_site)
    _build(settings)
    with Store(settings.store_path) as store:  # the article most often linked as related
        gone_id, title, key = store.query(
            "SELECT a.id, a.title, a.key FROM related r JOIN articles a ON a.id = r.related_id GROUP BY a.id ORDER BY count(*) DESC, a.id LIMIT 1"
        )[0]
    assert title in _all_text(settings)
    (settings.root / "pages" / key).unlink()
    report = _build(settings, NOW + timedelta(hours=1))
    assert report.withdrawn == 1 and not report.rejected
    assert title not in _all_text(settings)  # no feed, topic feed, related link, OPML or index keeps it
    assert not any(gone_id in guid for guid in _guids(settings))
    with Store(settings.store_path) as store:
        assert store.query("SELECT count(*) FROM related WHERE related_id = ?", (gone_id,))[0][0] == 0
        assert store.query("SELECT count(*) FROM article_topics WHERE article_id = ?", (gone_id,))[0][0] == 0
        assert lifecycle.find(store, gone_id).state == "gone"
        assert store.queued() == []


def test_deleted_page_is_not_in_the_next_digest(make_site):
    settings = _site(make_site)
    _build(settings)
    from newsfeed import editions

    week_of = "2024-W40"
    with Store(settings.store_path) as store:
        before = {a.title for a in editions.select_week(settings, store, NOW, week_of).stories}
    assert "Korea Utara Kirim Pasukan Tahap 1" in before
    (settings.root / "pages/dunia/2024-10-02-0900-korut-1.txt").unlink()
    _build(settings, NOW + timedelta(hours=1))
    with Store(settings.store_path) as store:
        after = {a.title for a in editions.select_week(settings, store, NOW + timedelta(hours=1), week_of).stories}
    assert after == before - {"Korea Utara Kirim Pasukan Tahap 1"}


def test_renamed_page_without_pinned_id_is_one_article_not_two(make_site):
    settings = _site(make_site)
    _build(settings)
    pages = settings.root / "pages/dunia"
    (pages / "2024-10-02-0900-korut-1.txt").rename(pages / "2024-10-02-0900-korut-satu.txt")
    report = _build(settings, NOW + timedelta(hours=1))
    assert (report.new, report.withdrawn) == (1, 1)
    titles = [e.title for e in feedparser.parse((settings.feeds.output_dir / "rss.xml").read_bytes()).entries]
    assert titles.count("Korea Utara Kirim Pasukan Tahap 1") == 1


def test_pinned_id_keeps_the_guid_when_the_file_moves(make_site):
    settings = _site(make_site)
    _build(settings)
    before = _guids(settings)
    old = settings.root / "pages/dunia/2024-10-02-0900-korut-1.txt"
    moved = settings.root / "pages/dunia/arsip/korut-satu.txt"
    moved.parent.mkdir()
    # the page names its old path as its id: the guid readers already have stays
    moved.write_text("---\nid: dunia/2024-10-02-0900-korut-1.txt\npublished: 2024-10-02 09:00\nslug: korut-1\n---\n" + old.read_text(encoding="utf-8"), encoding="utf-8")
    old.unlink()
    report = _build(settings, NOW + timedelta(hours=1))
    assert (report.new, report.withdrawn, report.updated) == (0, 0, 0)  # the same article, unchanged
    assert _guids(settings) == before


def test_two_pages_pinning_one_id_are_refused_by_name(make_site):
    settings = _site(make_site)
    text = page("Dunia", "Salinan", KORUT)
    (settings.root / "pages/dunia/salinan.txt").write_text("---\nid: dunia/2024-10-02-0900-korut-1.txt\n---\n" + text, encoding="utf-8")
    report = _build(settings)
    assert len(report.rejected) == 1
    assert "salinan.txt" in report.rejected[0].key or "2024-10-02-0900-korut-1.txt" in report.rejected[0].key
    assert "give each page its own id" in report.rejected[0].reason


def test_page_that_comes_back_keeps_its_id_and_publish_time(make_site):
    settings = _site(make_site)
    undated = settings.root / "pages/dunia/tanpa-tanggal.txt"
    undated.write_text(page("Dunia", "Berita Tanpa Tanggal", KORUT), encoding="utf-8")
    _build(settings)
    before = _guids(settings)
    saved = undated.read_bytes()
    undated.unlink()
    _build(settings, NOW + timedelta(days=1))
    undated.write_bytes(saved)
    report = _build(settings, NOW + timedelta(days=2))
    assert report.new == 1
    assert _guids(settings) == before
    with Store(settings.store_path) as store:
        row = store.query("SELECT published FROM articles WHERE title = 'Berita Tanpa Tanggal'")[0]
    assert row[0] == "2024-12-01T00:00:00Z"  # first seen, not when it came back


def test_empty_listing_withdraws_nothing_without_confirmation(make_site):
    settings = _site(make_site)
    _build(settings)
    before = (settings.feeds.output_dir / "rss.xml").read_bytes()
    pages = settings.root / "pages"
    shutil.move(pages, settings.root / "elsewhere")
    pages.mkdir()  # an unmounted share: the folder is there, and empty
    result = _run(settings, "build")
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("rejected:")]
    assert len(lines) == 1 and "9 of its 9 articles" in lines[0] and "--allow-withdraw" in lines[0]
    assert (settings.feeds.output_dir / "rss.xml").read_bytes() == before
    confirmed = _run(settings, "build", "--allow-withdraw")
    assert confirmed.exit_code == 0 and "9 withdrawn" in confirmed.output
    assert not (settings.feeds.output_dir / "dunia").exists()


def test_a_few_deletions_need_no_confirmation(make_site):
    settings = _site(make_site, count=20)
    _build(settings)
    for path in sorted((settings.root / "pages/dunia").glob("*.txt"))[:6]:
        path.unlink()
    report = _build(settings, NOW + timedelta(hours=1))
    assert report.withdrawn == 6 and not report.rejected  # 6 of 21: an editor's clean-up


def test_source_removed_from_config_is_refused_until_confirmed(make_site):
    settings = _site(make_site)
    _build(settings)
    settings.path.write_text(settings.path.read_text().replace('name = "halaman"', 'name = "halaman-baru"'))
    from newsfeed.config import load_settings

    renamed = load_settings(settings.path)
    report = _build(renamed, NOW + timedelta(hours=1))
    assert any("'halaman' is no longer configured" in r.reason for r in report.rejected)
    report = _build(renamed, NOW + timedelta(hours=2), allow=True)
    assert report.withdrawn == 9


def test_takedown_stays_down_through_edits_until_restored(make_site):
    settings = _site(make_site)
    _build(settings)
    title = "Korea Utara Kirim Pasukan Tahap 2"
    result = _run(settings, "articles", "takedown", "dunia/2024-10-03-0900-korut-2.txt", "--note", "permintaan hukum")
    assert result.exit_code == 0 and "taken down:" in result.output
    assert title not in _all_text(settings)
    path = settings.root / "pages/dunia/2024-10-03-0900-korut-2.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("Berita ke-2 dari", "Berita ke-2, diperbarui, dari"), encoding="utf-8")
    report = _build(settings, NOW + timedelta(hours=1))
    assert report.held == 1 and title not in _all_text(settings)
    shown = _run(settings, "articles", "show", "dunia/2024-10-03-0900-korut-2.txt")
    assert "state:     takedown" in shown.output and "permintaan hukum" in shown.output
    listed = _run(settings, "articles", "list", "--state", "takedown")
    assert title in listed.output and listed.output.count("\n") >= 1
    restored = _run(settings, "articles", "restore", "dunia/2024-10-03-0900-korut-2.txt")
    assert restored.exit_code == 0 and title in _all_text(settings)
    _build(settings, NOW + timedelta(hours=2))  # the edit made while it was down is read now
    assert "Berita ke-2, diperbarui, dari" in (settings.feeds.output_dir / "rss.xml").read_text(encoding="utf-8")


def test_unknown_article_is_one_line(make_site):
    settings = _site(make_site)
    _build(settings)
    result = CliRunner().invoke(main, ["articles", "takedown", "tidak-ada", "--config", str(settings.path)])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "no article 'tidak-ada'" in result.output


def test_store_rebuild_keeps_subscribers_ledger_guids_and_feeds(make_site):
    settings = _site(make_site)
    _build(settings)
    with Store(settings.store_path) as store:
        ledger.add(store, "pembaca@example.com", "Pembaca", ["dunia"], NOW, confirmed=True)
        ledger.plan(store, "2024-W40", [(ledger.get(store, "pembaca@example.com"), ["dunia"], "<m@x>")], NOW)
    feeds_before = {p: p.read_bytes() for p in settings.feeds.output_dir.rglob("*") if p.is_file()}
    result = _run(settings, "store", "rebuild")
    assert result.exit_code == 0, result.output
    assert {p: p.read_bytes() for p in settings.feeds.output_dir.rglob("*") if p.is_file()} == feeds_before
    with Store(settings.store_path) as store:
        assert ledger.get(store, "pembaca@example.com").status == "confirmed"
        assert len(ledger.deliveries(store, "2024-W40")) == 1
        assert store.count() == 9


def test_changed_base_url_moves_every_link(make_site):
    settings = _site(make_site)
    _build(settings)
    settings.path.write_text(settings.path.read_text().replace("https://kabaruji.example", "https://baru.example"))
    from newsfeed.config import load_settings

    moved = load_settings(settings.path)
    _build(moved, NOW + timedelta(hours=1))
    text = _all_text(moved)
    assert "kabaruji.example/" not in text.replace("tag:kabaruji.example", "")  # ids stay, links move
    assert "https://baru.example/dunia/" in text
    with Store(moved.store_path) as store:
        assert store.query("SELECT count(*) FROM articles WHERE url LIKE 'https://kabaruji.example/%'")[0][0] == 0


def test_same_slug_twice_in_a_section_gets_two_links(make_site):
    settings = make_site({
        "dunia/2024-10-01-0900-sama.txt": page("Dunia", "Judul Pertama", KORUT),
        "dunia/lain/2024-10-02-0900-sama.txt": page("Dunia", "Judul Kedua", BOLA),
    })
    report = _build(settings)
    links = list(_guids(settings).values())
    assert len(set(links)) == 2
    assert len(report.notices) == 1 and "set slug:" in report.notices[0].reason

