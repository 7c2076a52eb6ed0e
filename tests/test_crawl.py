"""The crawl source against a live fixture site (tests/sitefixture.py) on 127.0.0.1: sitemaps
and listings, robots.txt, other hosts, conditional GET between runs, and the article lifecycle
(pages gone from the site leave the feeds; a failed listing withdraws nothing)."""

from __future__ import annotations

import json
import threading
import pytest

from conftest import NOW, config_text
from newsfeed import core
from newsfeed.config import load_settings
from newsfeed.store import Store
from sitefixture import SECTIONS, Site, serve

SECTION_PATHS = 'section_paths = { "/internasional/" = "dunia", "/tekno/" = "teknologi", "/bola/" = "olahraga" }'
ARTICLE_PATHS = tuple(f"/{path}/2" for path in SECTIONS)  # /<section>/<year>/...


@pytest.fixture
def site():
    live = Site(15, per_sitemap=6, per_listing=2)
    with serve(live):
        yield live


def crawl_settings(tmp_path, site: Site, keys: str = ""):
    (tmp_path / "pages").mkdir(exist_ok=True)
    source = f'[[sources]]\nname = "situs"\nkind = "crawl"\nurl = "{site.base}/"\nrate_per_second = 0\nretries = 0\n{SECTION_PATHS}\n{keys}\n'
    (tmp_path / "config.toml").write_text(config_text(source), encoding="utf-8")
    return load_settings(tmp_path / "config.toml")


def gather(settings):
    with Store(settings.store_path) as store:
        report, _ = core.gather(settings, store, NOW)
        live = {row[0]: row for row in store.query("SELECT key, section, title, url, published, related_titles FROM articles")}
        gone = {row[0] for row in store.query("SELECT key FROM withdrawn_articles")}
    return report, live, gone


def pages_fetched(requests) -> list[str]:
    return [r.path for r in requests if r.path.startswith(ARTICLE_PATHS)]


def test_a_site_is_crawled_from_the_sitemaps_its_robots_txt_names(tmp_path, site):
    settings = crawl_settings(tmp_path, site)
    report, live, _ = gather(settings)
    assert report.rejected == () and report.new == 15
    assert set(live) == {site.url(a) for a in site.articles}
    first = site.articles[0]  # /internasional/: section_paths; "Nasional" and "Ekonomi" are the sections' own names
    key, section, title, url, published, related = live[site.url(first)]
    assert (section, title, url) == ("dunia", site.headline(first), site.url(first))
    assert published == "2024-01-01T01:00:00Z"
    assert {row[1] for row in live.values()} == {"dunia", "nasional", "ekonomi", "teknologi", "olahraga"}
    assert json.loads(live[site.url(site.articles[3])][5]) == [site.headline(a) for a in site.articles[:3]]
    requests = site.requests()
    assert [r.path for r in requests[:1]] == ["/robots.txt"]
    assert {r.path for r in requests} >= {"/sitemap_index.xml", "/news-sitemap.xml", "/sitemaps/sitemap-1.xml", "/sitemaps/sitemap-3.xml"}
    assert sorted(pages_fetched(requests)) == sorted(site.path(a) for a in site.articles)  # each page once
    assert all(r.agent == "newsfeed/0.1.0 (+https://kabaruji.example)" for r in requests)


def test_pages_are_fetched_ahead_in_threads_that_end_with_the_reading(tmp_path, site):
    from newsfeed.ingest import ingest

    settings = crawl_settings(tmp_path, site, "concurrency = 3")
    seen_threads = set()
    with Store(settings.store_path) as store:
        report = ingest(settings, store, NOW, lambda *a: seen_threads.update(t.name.split("_")[0] for t in threading.enumerate()))
    assert report.new == 15 and "crawl-read" in seen_threads
    # none is left running: the enrichment after the gather forks only when no other thread runs
    assert not [t.name for t in threading.enumerate() if t.name.startswith("crawl")]


def test_an_unchanged_site_costs_one_request_per_document_and_no_page(tmp_path, site):
    settings = crawl_settings(tmp_path, site)
    gather(settings)
    mark = site.mark()
    report, live, _ = gather(settings)
    again = site.requests(mark)
    documents = ["/robots.txt", "/sitemap_index.xml", "/news-sitemap.xml", "/sitemaps/sitemap-1.xml", "/sitemaps/sitemap-2.xml", "/sitemaps/sitemap-3.xml"]
    assert sorted(r.path for r in again) == sorted(documents)
    assert {r.status for r in again} == {304}
    assert (report.new, report.updated, report.unchanged, report.withdrawn) == (0, 0, 15, 0)


def test_an_edited_article_is_fetched_again_by_its_lastmod_and_only_it(tmp_path, site):
    settings = crawl_settings(tmp_path, site)
    gather(settings)
    site.edit(7)
    mark = site.mark()
    report, live, _ = gather(settings)
    assert pages_fetched(site.requests(mark)) == [site.path(site.articles[7])]
    assert (report.updated, report.unchanged) == (1, 14)
    assert live[site.url(site.articles[7])][2].endswith("(Diperbarui)")


def test_an_article_deleted_from_the_site_leaves_the_feeds(tmp_path, site):
    settings = crawl_settings(tmp_path, site)
    gather(settings)
    gone = site.delete(4)
    report, live, withdrawn = gather(settings)
    assert report.withdrawn == 1 and report.rejected == ()
    assert site.url(gone) not in live and site.url(gone) in withdrawn
    with Store(settings.store_path) as store:
        core.publish(settings, store, NOW)
    feed = (settings.feeds.output_dir / "rss.xml").read_text(encoding="utf-8")
    assert site.headline(gone) not in feed and site.headline(site.articles[5]) in feed


def test_a_listed_page_that_answers_410_is_withdrawn(tmp_path, site):
    settings = crawl_settings(tmp_path, site)
    gather(settings)
    article = site.edit(6)  # its lastmod moves, so it is read again ...
    article.status = 410  # ... and the page says it is gone, though the sitemap still names it
    report, live, withdrawn = gather(settings)
    assert report.withdrawn == 1 and site.url(article) in withdrawn and site.url(article) not in live


def test_a_page_that_answered_410_is_not_asked_for_again_until_its_lastmod_moves(tmp_path, site):
    settings = crawl_settings(tmp_path, site)
    gather(settings)
    article = site.edit(6)
    article.status = 410  # the sitemap goes on naming it
    new = site.add()  # a page that is gone before it was ever stored is remembered too
    new.status = 404
    gather(settings)
    mark = site.mark()
    report, live, _ = gather(settings)
    assert pages_fetched(site.requests(mark)) == []  # robots.txt and the sitemaps only, all 304
    assert {r.status for r in site.requests(mark)} == {304}
    assert report.rejected == () and report.withdrawn == 0 and report.new == 0

    site.edit(6).status = 200  # back, with a new lastmod: read and published again
    mark = site.mark()
    report, live, _ = gather(settings)
    assert pages_fetched(site.requests(mark)) == [site.path(article)]
    assert site.url(article) in live


def test_a_new_page_that_said_404_is_asked_again_and_published_once_live(tmp_path, site, monkeypatch):
    # a news sitemap may name a page a moment before it is live: its 404 is rechecked soon
    # (FIRST_RECHECK, an hour; no wait here), with the same lastmod
    from datetime import timedelta

    from newsfeed.sources import fetchstate

    monkeypatch.setattr(fetchstate, "FIRST_RECHECK", timedelta(0))
    settings = crawl_settings(tmp_path, site)
    gather(settings)
    new = site.add()
    new.status = 404
    gather(settings)
    new.status = 200
    mark = site.mark()
    report, live, _ = gather(settings)
    assert pages_fetched(site.requests(mark)) == [site.path(new)]
    assert report.new == 1 and site.url(new) in live


def test_gone_pages_are_rechecked_after_an_hour_doubling_for_new_pages_and_a_week_for_taken_down_ones(tmp_path):
    from datetime import UTC, datetime, timedelta

    from newsfeed.sources.fetchstate import FetchMemory

    store_path = tmp_path / "s.sqlite3"
    Store(store_path).close()
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    memory = FetchMemory(store_path, "situs").load()
    memory.gone("https://x.example/baru", "2025-01-01", t0, lasting=False)
    memory.gone("https://x.example/dicabut", "2025-01-01", t0, lasting=True)
    again = FetchMemory(store_path, "situs").load()  # remembered in the store at once
    hour = timedelta(hours=1)
    assert again.known_gone("https://x.example/baru", "2025-01-01", t0 + 0.9 * hour)
    assert not again.known_gone("https://x.example/baru", "2025-01-01", t0 + 1.1 * hour)  # due: asked again
    assert not again.known_gone("https://x.example/baru", "2025-01-02", t0)  # its lastmod moved
    again.gone("https://x.example/baru", "2025-01-01", t0 + 1.1 * hour, lasting=False)  # still 404: twice as long
    assert again.known_gone("https://x.example/baru", "2025-01-01", t0 + 3 * hour)
    assert not again.known_gone("https://x.example/baru", "2025-01-01", t0 + 3.2 * hour)
    assert again.known_gone("https://x.example/dicabut", "2025-01-01", t0 + timedelta(days=6))
    assert not again.known_gone("https://x.example/dicabut", "2025-01-01", t0 + timedelta(days=7, hours=1))


def test_a_failing_sitemap_fails_the_scan_and_withdraws_nothing(tmp_path, site):
    settings = crawl_settings(tmp_path, site)
    gather(settings)
    site.delete(2)  # gone from the sitemaps: would be withdrawn ...
    site.faults["/sitemaps/sitemap-2.xml"] = "500"  # ... but part of the site cannot be read
    report, live, _ = gather(settings)
    [rejection] = report.rejected
    assert "/sitemaps/sitemap-2.xml: HTTP 500" in rejection.reason and "nothing of this source was withdrawn" in rejection.reason
    assert report.withdrawn == 0 and site.url(site.articles[2]) in live
    del site.faults["/sitemaps/sitemap-2.xml"]
    report, live, _ = gather(settings)
    assert report.withdrawn == 1 and site.url(site.articles[2]) not in live


def test_robots_txt_is_honoured_and_other_hosts_are_not_followed(tmp_path, site):
    settings = crawl_settings(tmp_path, site, f'listings = ["{site.base}/nasional/", "{site.base}/bola/"]')
    report, live, _ = gather(settings)
    requests = site.requests()
    assert not [r for r in requests if r.path.startswith("/rahasia/")]  # disallowed, though listed
    assert {r.host for r in requests} == {site.base.removeprefix("http://")}  # never localhost:<port>
    assert report.rejected == ()
    assert {row[1] for row in live.values()} == {"nasional", "olahraga"}


def test_listings_are_followed_through_their_pages_and_remembered(tmp_path, site):
    settings = crawl_settings(tmp_path, site, f'listings = ["{site.base}/nasional/", "{site.base}/ekonomi/"]')
    report, live, _ = gather(settings)
    wanted = {site.url(a) for a in site.articles if a.section in ("nasional", "ekonomi")}
    assert set(live) == wanted and len(wanted) == 6  # 3 each: two listing pages of 2, and one more
    listing_pages = ["/nasional/", "/nasional/?page=2", "/ekonomi/", "/ekonomi/?page=2"]
    assert sorted(r.path for r in site.requests() if not r.path.startswith(ARTICLE_PATHS)) == sorted(["/robots.txt", *listing_pages])
    mark = site.mark()
    report, _live, _ = gather(settings)
    again = site.requests(mark)
    assert sorted(r.path for r in again) == sorted(["/robots.txt", *listing_pages]) and {r.status for r in again} == {304}
    assert report.unchanged == 6


def test_a_listing_cut_at_max_listing_pages_withdraws_nothing(tmp_path, site):
    settings = crawl_settings(tmp_path, site, f'listings = ["{site.base}/nasional/"]')
    gather(settings)
    cut = crawl_settings(tmp_path, site, f'listings = ["{site.base}/nasional/"]\nmax_listing_pages = 1')
    newest = site.add("nasional")
    report, live, _ = gather(cut)
    assert report.withdrawn == 0 and report.new == 1 and site.url(newest) in live
    assert len(live) == 4  # the older ones, beyond page 1, stay


def test_news_sitemaps_alone_withdraw_nothing_that_drops_out(tmp_path, site):
    settings = crawl_settings(tmp_path, site, f'sitemaps = ["{site.base}/news-sitemap.xml"]')
    gather(settings)
    site.unlist(0)  # off the news sitemap, as every article after two days
    report, live, _ = gather(settings)
    assert report.withdrawn == 0 and site.url(site.articles[0]) in live


def test_complete_false_withdraws_only_pages_that_say_they_are_gone(tmp_path, site):
    settings = crawl_settings(tmp_path, site, "complete = false")
    gather(settings)
    site.unlist(1)
    report, live, _ = gather(settings)
    assert report.withdrawn == 0 and site.url(site.articles[1]) in live


def test_wordpress_core_sitemaps_skip_taxonomies_and_users(tmp_path, site):
    settings = crawl_settings(tmp_path, site, f'sitemaps = ["{site.base}/wp-sitemap.xml"]')
    report, live, _ = gather(settings)
    assert len(live) == 15 and report.rejected == ()
    paths = {r.path for r in site.requests()}
    assert "/wp-sitemap-posts-post-3.xml" in paths
    assert not {"/wp-sitemap-taxonomies-category-1.xml", "/wp-sitemap-users-1.xml"} & paths


def test_pages_that_fail_are_reported_and_the_rest_is_stored(tmp_path, site):
    settings = crawl_settings(tmp_path, site)
    broken, huge = site.articles[8], site.articles[9]
    site.faults[site.path(broken)] = "500"
    site.faults[site.path(huge)] = "huge"
    report, live, _ = gather(settings)
    reasons = {r.key.rsplit("/", 1)[-1]: r.reason for r in report.rejected}
    assert "HTTP 500 Internal Server Error" in reasons[site.path(broken).rsplit("/", 1)[-1]]
    assert "byte cap" in reasons[site.path(huge).rsplit("/", 1)[-1]]
    assert len(live) == 13
    site.faults.clear()
    report, live, _ = gather(settings)
    assert report.new == 2 and len(live) == 15  # rejected pages are read again at the next run


def test_pages_are_read_by_what_they_are_not_only_by_their_content_type(tmp_path, site):
    untyped, picture = site.articles[10], site.articles[11]
    site.faults[site.path(untyped)] = "as:application/octet-stream"  # a saved copy served without .html
    site.faults[site.path(picture)] = "as:image/jpeg"
    report, live, _ = gather(crawl_settings(tmp_path, site))
    assert site.url(untyped) in live and site.url(picture) not in live
    [rejection] = report.rejected
    assert rejection.reason.endswith("image/jpeg, not an HTML page; leave it out of the sitemaps or listings (article_pattern)")


def test_an_unreadable_robots_txt_fails_the_scan(tmp_path, site):
    site.faults["/robots.txt"] = "500"
    settings = crawl_settings(tmp_path, site)
    report, live, _ = gather(settings)
    [rejection] = report.rejected
    assert "robots.txt: HTTP 500" in rejection.reason and live == {}
    assert pages_fetched(site.requests()) == []


def test_no_robots_txt_allows_everything_and_sitemap_xml_is_the_start(tmp_path, site):
    site.faults["/robots.txt"] = "404"
    site.faults["/sitemap.xml"] = "redirect:/sitemap_index.xml"
    report, live, _ = gather(crawl_settings(tmp_path, site))
    assert len(live) == 15 and report.rejected == ()


def test_an_article_pattern_decides_which_links_are_articles(tmp_path, site):
    settings = crawl_settings(tmp_path, site, f'listings = ["{site.base}/bola/"]\narticle_pattern = "/100\\\\d-"')
    _report, live, _ = gather(settings)
    assert set(live) == {site.url(a) for a in site.articles if a.section == "bola" and a.id < 1010}
    assert len(live) == 2  # of the three in the section

