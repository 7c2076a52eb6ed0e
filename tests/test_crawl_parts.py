"""The crawl source's parts on their own: its config keys, sitemap and listing parsing, which
links are articles; hostile sitemaps and listings (Hypothesis) give a SourceError or a result,
never anything else."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given, settings, strategies as st

from conftest import config_text
from newsfeed.config import load_settings
from newsfeed.errors import ConfigError, SourceError
from newsfeed.sources.links import canonical, looks_like_article, read_listing
from newsfeed.sources.sitemaps import MAX_SITEMAP_BYTES, read_sitemap


def load(tmp_path, keys: str):
    (tmp_path / "config.toml").write_text(config_text(f'[[sources]]\nname = "situs"\nkind = "crawl"\n{keys}\n'), encoding="utf-8")
    return load_settings(tmp_path / "config.toml")


def test_crawl_keys_and_their_defaults(tmp_path):
    source = load(tmp_path, 'url = "https://www.kabarsitus.example/"').sources[-1]
    assert source.crawl.hosts == ("www.kabarsitus.example",) and source.crawl.sitemaps == () and source.crawl.complete
    assert (source.http.rate_per_second, source.http.concurrency, source.http.retries) == (1.0, 2, 3)
    keys = '''url = "https://kabarsitus.example"
hosts = ["kabarsitus.example", "bola.kabarsitus.example"]
sitemaps = ["https://kabarsitus.example/sitemap_index.xml"]
listings = ["https://kabarsitus.example/nasional/"]
article_pattern = "/read/\\\\d{4}/"
max_listing_pages = 20
complete = false
rate_per_second = 0.5
concurrency = 1
timeout = 10
max_page_bytes = 2000000
max_redirects = 3
retries = 1
user_agent = "KabarBot/2 (+https://kabaruji.example/bot)"'''
    source = load(tmp_path, keys).sources[-1]
    assert source.crawl.hosts == ("kabarsitus.example", "bola.kabarsitus.example")
    assert source.crawl.article_pattern == "/read/\\d{4}/" and source.crawl.max_listing_pages == 20 and not source.crawl.complete
    assert source.http.user_agent == "KabarBot/2 (+https://kabaruji.example/bot)" and source.http.timeout == 10.0


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("", "sources.1.url: a 'crawl' source needs url"),
        ('url = "https://a.example"\npath = "x"', "fetches its pages from url; for saved pages use kind = \"html\""),
        ('url = "https://a.example"\narticle_pattern = "(("', "article_pattern: '((' is not a regular expression"),
        ('url = "https://a.example"\nhosts = ["https://a.example"]', "hosts.0: host 'https://a.example' is not a host name"),
        ('url = "https://a.example"\nsitemaps = ["/sitemap.xml"]', "sitemaps.0: '/sitemap.xml' is not an absolute URL"),
        ('url = "https://a.example"\nconcurrency = 0', "concurrency: must be a whole number >= 1"),
        ('url = "https://a.example"\ntimeout = 0', "timeout: must be more than 0 seconds"),
        ('url = "https://a.example"\nsitemap = ["https://a.example/s.xml"]', "sitemap"),
    ],
)
def test_bad_crawl_keys_fail_in_one_line_naming_the_key(tmp_path, keys, message):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, keys)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_crawl_keys_are_unknown_on_other_kinds(tmp_path):
    (tmp_path / "config.toml").write_text(config_text('[[sources]]\nname = "h"\nkind = "html"\npath = "pages"\nsitemaps = []\n'), encoding="utf-8")
    with pytest.raises(ConfigError, match="sitemaps"):
        load_settings(tmp_path / "config.toml")


def test_sitemap_index_urlset_news_gzip_and_text():
    index = read_sitemap(
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://a.example/s1.xml</loc></sitemap><sitemap><loc> https://a.example/s2.xml.gz </loc></sitemap>"
        b"<sitemap><loc>https://a.example/wp-sitemap-users-1.xml</loc></sitemap></sitemapindex>",
        "https://a.example/index.xml",
    )
    assert index.sitemaps == ("https://a.example/s1.xml", "https://a.example/s2.xml.gz") and index.entries == ()
    urlset = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
              b"<url><loc>https://A.example/a#top</loc><lastmod>2024-10-14T08:30:00+07:00</lastmod></url>"
              b"<url><loc>https://a.example/b?utm_source=x&amp;id=2</loc><news:news><news:title>B</news:title></news:news></url>"
              b"<url><loc>javascript:alert(1)</loc></url></urlset>")
    parsed = read_sitemap(gzip.compress(urlset), "https://a.example/s2.xml.gz")
    assert [(e.url, e.lastmod, e.news) for e in parsed.entries] == [
        ("https://a.example/a", "2024-10-14T08:30:00+07:00", False),
        ("https://a.example/b?id=2", "", True),
    ]
    text = read_sitemap(b"https://a.example/x\nhttps://a.example/y\n", "https://a.example/s.txt")
    assert [e.url for e in text.entries] == ["https://a.example/x", "https://a.example/y"]
    with pytest.raises(SourceError, match="not a sitemap"):
        read_sitemap(b"<html><body>Not found</body></html>", "https://a.example/s.xml")


def test_sitemap_entities_are_never_expanded():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c SYSTEM "file:///etc/passwd">]>'
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.example/&b;&c;</loc></url></urlset>')
    entries = read_sitemap(bomb, "https://a.example/s.xml").entries
    assert all("aaaa" not in e.url and "root:" not in e.url for e in entries)


def test_a_gzip_bomb_stops_at_the_protocol_limit():
    bomb = gzip.compress(b"<" + b" " * (MAX_SITEMAP_BYTES + 10))
    with pytest.raises(SourceError, match="more than a sitemap may hold"):
        read_sitemap(bomb, "https://a.example/s.xml.gz")


def test_listing_links_leave_out_navigation_and_find_the_next_page():
    page = b"""<html><head><link rel="next" href="/nasional/?page=2"></head><body>
    <header><a href="/nasional/2024/10/14/1-berita-di-menu-atas">menu</a></header>
    <nav><a href="/ekonomi/">Ekonomi</a></nav>
    <main><a href="/nasional/2024/10/14/2-banjir-rob-di-pesisir-utara#komentar">Banjir</a>
    <a href="https://A.example:443/nasional/2024/10/14/2-banjir-rob-di-pesisir-utara">lagi</a>
    <a href="mailto:redaksi@a.example">surat</a></main><footer><a href="/tentang-kami">Tentang</a></footer></body></html>"""
    listing = read_listing(page, "https://a.example/nasional/")
    assert listing.links == ("https://a.example/nasional/2024/10/14/2-banjir-rob-di-pesisir-utara",)
    assert listing.next == "https://a.example/nasional/?page=2"
    by_text = read_listing(b'<main><a href="?page=3">Berikutnya</a></main>', "https://a.example/bola/?page=2")
    assert by_text.next == "https://a.example/bola/?page=3"
    assert read_listing(b"<main><a href='/x'>x</a></main>", "https://a.example/").next == ""


@pytest.mark.parametrize(
    ("url", "article"),
    [
        ("https://a.example/nasional/2024/10/14/1001-banjir-rob-di-pesisir", True),
        ("https://kompas.example/read/2024/10/14/08300011/judul-berita-ini", True),
        ("https://detik.example/berita/d-7589123/pemerintah", True),  # an id beside a word
        ("https://a.example/tempo-berita-politik-terbaru.html", True),
        ("https://a.example/nasional/", False),
        ("https://a.example/tentang-kami", False),
        ("https://a.example/tag/banjir-rob-di-pesisir", False),
        ("https://a.example/penulis/ayu-lestari-dan-kawan", False),
        ("https://a.example/foto/banjir-rob-di-pesisir.jpg", False),
        ("https://a.example/2024/10/14/", False),
    ],
)
def test_which_links_look_like_articles(url, article):
    assert looks_like_article(url) is article


def test_canonical_addresses():
    assert canonical("HTTP://A.Example:80/x?utm_medium=y&b=1#f") == "http://a.example/x?b=1"
    assert canonical("/y", "https://a.example/x/") == "https://a.example/y"
    assert canonical("ftp://a.example/x") == "" and canonical("http://[::1/") == ""


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000) | st.text(max_size=2000).map(str.encode))
def test_hostile_bytes_as_a_sitemap_give_a_sitemap_or_a_source_error(raw):
    try:
        sitemap = read_sitemap(raw, "https://a.example/s.xml")
    except SourceError:
        return
    assert all(e.url.startswith(("http://", "https://")) for e in sitemap.entries)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=1500))
def test_hostile_listing_pages_give_links_or_a_source_error(text):
    raw = f"<html><body><main>{text}<a href='{text[:200]}'>x</a></main></body></html>".encode("utf-8", "surrogatepass")
    try:
        listing = read_listing(raw, "https://a.example/l/")
    except SourceError:
        return
    assert all(link.startswith(("http://", "https://")) for link in listing.links)
    for link in listing.links:
        looks_like_article(link)
