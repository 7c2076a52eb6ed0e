"""Upstream feeds and the WordPress REST API over real HTTP (tests/sitefixture.py): conditional
GET, incremental WordPress runs (modified_after, include=, X-WP-TotalPages), categories mapped to
sections, posts gone from the API withdrawn, unchanged posts never fetched again."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import NOW, config_text
from newsfeed import core
from newsfeed.config import load_settings
from newsfeed.store import Store
from sitefixture import Site, serve

NAMES = 'section_names = { "Internasional" = "dunia", "Tekno" = "teknologi", "Bola" = "olahraga" }'


@pytest.fixture
def site():
    live = Site(24)
    with serve(live):
        yield live


def settings_for(tmp_path, kind: str, url: str, keys: str = ""):
    (tmp_path / "pages").mkdir(exist_ok=True)
    source = f'[[sources]]\nname = "hulu"\nkind = "{kind}"\nurl = "{url}"\nrate_per_second = 0\nretries = 0\n{NAMES}\n{keys}\n'
    (tmp_path / "config.toml").write_text(config_text(source), encoding="utf-8")
    return load_settings(tmp_path / "config.toml")


def gather(settings):
    with Store(settings.store_path) as store:
        report, _ = core.gather(settings, store, NOW)
        live = {row[0]: row for row in store.query("SELECT key, section, title, updated FROM articles")}
    return report, live


def queries(requests):
    return [parse_qs(urlsplit(r.path).query) for r in requests if r.path.startswith("/wp-json/")]


def test_an_unchanged_feed_costs_one_304_and_reads_nothing(tmp_path, site):
    settings = settings_for(tmp_path, "feed", f"{site.base}/feed.xml")
    report, live = gather(settings)
    assert report.new == 20 and report.rejected == ()
    assert {row[1] for row in live.values()} == {"dunia", "nasional", "ekonomi", "teknologi", "olahraga"}
    mark = site.mark()
    report, _ = gather(settings)
    assert [(r.path, r.status) for r in site.requests(mark)] == [("/feed.xml", 304)]
    assert (report.new, report.updated, report.unchanged) == (0, 0, 20)
    site.add()
    mark = site.mark()
    report, live = gather(settings)
    assert [(r.path, r.status) for r in site.requests(mark)] == [("/feed.xml", 200)]
    assert report.new == 1 and "kabarsitus-1024" in live


def test_a_304_feed_is_fetched_whole_when_the_store_needs_its_entries(tmp_path, site):
    settings = settings_for(tmp_path, "feed", f"{site.base}/feed.xml")
    gather(settings)
    with Store(settings.store_path) as store:
        # the store lost its entries but kept the feed's validators
        store.query("DELETE FROM source_state")
        store.conn.execute("DELETE FROM articles")
    mark = site.mark()
    report, live = gather(settings)
    assert [(r.path, r.status) for r in site.requests(mark)] == [("/feed.xml", 304), ("/feed.xml", 200)]
    assert report.new == 20 and len(live) == 20


def test_wordpress_first_run_reads_every_post_over_paginated_listings(tmp_path, site):
    site.articles.clear()
    for _ in range(230):
        site.add()
    settings = settings_for(tmp_path, "wpjson", site.base)
    report, live = gather(settings)
    assert report.new == 230 and report.rejected == ()
    asked = queries(site.requests())
    listing = [q for q in asked if q.get("_fields") == ["id,modified_gmt"]]
    assert sorted(q["page"][0] for q in listing) == ["1", "2", "3"]  # X-WP-TotalPages = 3
    whole = [q for q in asked if "_embed" in q]
    assert len(whole) == 3 and all("include" in q for q in whole)  # 230 ids, 100 a request
    assert {row[1] for row in live.values()} == {"dunia", "nasional", "ekonomi", "teknologi", "olahraga"}


def test_wordpress_unchanged_costs_the_id_listing_only(tmp_path, site):
    settings = settings_for(tmp_path, "wpjson", site.base)
    gather(settings)
    mark = site.mark()
    report, _ = gather(settings)
    asked = queries(site.requests(mark))
    assert asked == [{"_fields": ["id,modified_gmt"], "per_page": ["100"], "orderby": ["id"], "order": ["asc"], "page": ["1"]}]
    assert (report.new, report.updated, report.unchanged) == (0, 0, 24)


def test_wordpress_reads_edited_posts_by_modified_after_and_withdraws_deleted_ones(tmp_path, site):
    settings = settings_for(tmp_path, "wpjson", site.base)
    gather(settings)
    site.edit(22)
    site.delete(5)
    mark = site.mark()
    report, live = gather(settings)
    whole = [q for q in queries(site.requests(mark)) if "_embed" in q]
    assert [sorted(q) for q in whole] == [["_embed", "modified_after", "order", "orderby", "page", "per_page"]]
    assert (report.updated, report.withdrawn, report.new) == (1, 1, 0)
    assert "1005" not in live and live["1022"][2].endswith("(Diperbarui)")


def test_wordpress_post_in_an_unmapped_category_is_rejected_with_the_key_to_set(tmp_path, site):
    (tmp_path / "pages").mkdir(exist_ok=True)
    source = f'[[sources]]\nname = "hulu"\nkind = "wpjson"\nurl = "{site.base}"\nrate_per_second = 0\n'
    (tmp_path / "config.toml").write_text(config_text(source), encoding="utf-8")
    report, live = gather(load_settings(tmp_path / "config.toml"))
    reasons = {r.reason for r in report.rejected}
    assert any("its categories ('Bola') are not mapped; add \"Bola\" = \"<slug>\" to section_names of source 'hulu'" in r for r in reasons)
    assert {row[1] for row in live.values()} == {"nasional", "ekonomi"}  # the names the site shares with the config
    again, _ = gather(load_settings(tmp_path / "config.toml"))
    assert len(again.rejected) == len(report.rejected)  # rejected posts are fetched and reported again


def test_wordpress_that_is_not_there_fails_the_source_only(tmp_path, site):
    settings = settings_for(tmp_path, "wpjson", site.base + "/bukan-wp")
    report, live = gather(settings)
    [rejection] = report.rejected
    assert "HTTP 404" in rejection.reason and "WordPress site root" in rejection.reason and live == {}
