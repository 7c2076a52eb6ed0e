"""Sitemaps as search engines read them: sitemaps.org 0.9 and Google's news sitemap rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lxml import etree

from conftest import KORUT, page
from newsfeed import core
from newsfeed.render import sitemap
from newsfeed.store import Store

NS = {"s": sitemap.SITEMAP_NS, "n": sitemap.NEWS_NS}
NOW = datetime(2024, 10, 20, 12, tzinfo=UTC)


def _site(make_site, days_ago=(0.1, 0.5, 1, 1.5, 3, 10)):
    pages = {}
    for i, days in enumerate(days_ago):
        when = (NOW - timedelta(days=days)).astimezone().strftime("%Y-%m-%dT%H:%M:%S%z")
        pages[f"dunia/k{i}.txt"] = page("Dunia", f"Korea Utara & Rusia <{i}>", KORUT[i % 4 :], header=f"published: {when}")
    return make_site(pages)


def _publish(settings, now):
    with Store(settings.store_path) as store:
        core.gather(settings, store, now)
        return core.publish(settings, store, now)


def _xml(settings, name):
    return etree.fromstring((settings.feeds.output_dir / name).read_bytes())


def test_news_sitemap_holds_the_last_two_days_with_the_required_tags(make_site):
    settings = _site(make_site)
    _publish(settings, NOW)
    news = _xml(settings, "sitemap-news.xml")
    urls = news.findall("s:url", NS)
    assert len(urls) == 4  # 0.1, 0.5, 1 and 1.5 days old; not 3 or 10
    for url in urls:
        assert url.findtext("s:loc", namespaces=NS).startswith("https://kabaruji.example/dunia/")
        assert url.findtext("n:news/n:publication/n:name", namespaces=NS) == "Kabar Uji"
        assert url.findtext("n:news/n:publication/n:language", namespaces=NS) == "id"
        datetime.fromisoformat(url.findtext("n:news/n:publication_date", namespaces=NS))  # W3C datetime
        assert url.findtext("n:news/n:title", namespaces=NS).startswith("Korea Utara & Rusia <")
    index = _xml(settings, "sitemap.xml")
    assert index.tag == f"{{{sitemap.SITEMAP_NS}}}sitemapindex"
    listed = [loc.text for loc in index.findall("s:sitemap/s:loc", NS)]
    assert listed == ["https://kabaruji.example/feeds/sitemap-artikel-1.xml", "https://kabaruji.example/feeds/sitemap-news.xml"]
    articles = _xml(settings, "sitemap-artikel-1.xml").findall("s:url", NS)
    pages = [p for p in settings.feeds.output_dir.rglob("index.html") if p.parent != settings.feeds.output_dir]
    assert len(articles) == 6 + len(pages) and pages  # every article, and every section and topic page
    assert all(u.findtext("s:lastmod", namespaces=NS) for u in articles[:6])


def test_news_sitemap_follows_the_clock_without_any_edit(make_site):
    settings = _site(make_site)
    _publish(settings, NOW)
    report = _publish(settings, NOW + timedelta(days=1))
    assert "sitemap-news.xml" in report.written
    assert len(_xml(settings, "sitemap-news.xml").findall("s:url", NS)) == 2
    report = _publish(settings, NOW + timedelta(days=5))  # nothing recent: no news sitemap, not listed
    assert not (settings.feeds.output_dir / "sitemap-news.xml").exists() and "sitemap-news.xml" in report.removed
    assert all("news" not in loc.text for loc in _xml(settings, "sitemap.xml").findall("s:sitemap/s:loc", NS))


def test_more_than_the_limit_goes_behind_an_index(make_site, monkeypatch):
    monkeypatch.setattr(sitemap, "NEWS_LIMIT", 2)
    monkeypatch.setattr(sitemap, "URL_LIMIT", 3)
    settings = _site(make_site)
    _publish(settings, NOW)
    news = _xml(settings, "sitemap-news.xml")
    assert news.tag == f"{{{sitemap.SITEMAP_NS}}}sitemapindex" and len(news.findall("s:sitemap", NS)) == 2
    assert [len(_xml(settings, f"sitemap-news-{i}.xml").findall("s:url", NS)) for i in (1, 2)] == [2, 2]
    parts = [p for p in _xml(settings, "sitemap.xml").findall("s:sitemap/s:loc", NS) if "artikel" in p.text]
    pages = [p for p in settings.feeds.output_dir.rglob("index.html") if p.parent != settings.feeds.output_dir]
    assert len(parts) == -(-(6 + len(pages)) // 3)  # 3 URLs per file


def test_robots_lines_name_the_sitemap_index(make_site):
    settings = _site(make_site)
    _publish(settings, NOW)
    lines = (settings.feeds.output_dir / "robots-sitemaps.txt").read_text().splitlines()
    assert "Sitemap: https://kabaruji.example/feeds/sitemap.xml" in lines


def test_an_edit_renders_only_the_article_sitemap_part_that_lists_it(make_site, monkeypatch):
    monkeypatch.setattr(sitemap, "URL_LIMIT", 3)
    rendered = []
    urlset = sitemap._urlset
    monkeypatch.setattr(sitemap, "_urlset", lambda urls: rendered.append(len(urls)) or urlset(urls))
    settings = _site(make_site)
    _publish(settings, NOW)
    parts = sorted(settings.feeds.output_dir.glob("sitemap-artikel-*.xml"))
    assert len(parts) >= 3 and len(rendered) == len(parts)
    before = {p.name: p.read_bytes() for p in parts}
    oldest = settings.root / "pages" / "dunia" / "k5.txt"  # the last of the newest-first list: in part 2
    oldest.write_text(oldest.read_text(encoding="utf-8").replace("Korea Utara", "Korea Utara menurut laporan", 1), encoding="utf-8")
    rendered.clear()
    _publish(settings, NOW + timedelta(hours=1))
    after = {p.name: p.read_bytes() for p in parts}
    assert len(rendered) == 1 and [n for n in after if after[n] != before[n]] == ["sitemap-artikel-2.xml"]
    assert "<lastmod>" in after["sitemap-artikel-2.xml"].decode()
    (settings.feeds.output_dir / "sitemap-artikel-1.xml").unlink()  # by hand: written again, as it was
    rendered.clear()
    oldest.write_text(oldest.read_text(encoding="utf-8") + "\nSatu paragraf lagi.\n", encoding="utf-8")
    _publish(settings, NOW + timedelta(hours=2))
    assert len(rendered) == 2 and (settings.feeds.output_dir / "sitemap-artikel-1.xml").read_bytes() == before["sitemap-artikel-1.xml"]
