"""HTML pages, upstream RSS/Atom feeds and a WordPress JSON API, served over a real socket."""

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import feedparser
import pytest

from conftest import NOW
from newsfeed import core
from newsfeed.store import Store

ARTICLE_HTML = """<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">
<title>Judul | Kabar Uji</title>
<meta property="og:title" content="Rupiah Menguat &amp; IHSG Naik">
<meta property="article:section" content="Ekonomi">
<meta property="article:published_time" content="2024-10-14T08:30:00+07:00">
<meta property="article:modified_time" content="2024-10-14T10:00:00+07:00">
<meta name="author" content="Ayu Lestari">
<meta property="og:image" content="/gambar/rupiah.jpg">
<meta property="article:tag" content="Rupiah"><meta property="article:tag" content="IHSG">
<link rel="canonical" href="https://kabaruji.example/ekonomi/rupiah-menguat">
<script>track()</script></head>
<body><nav>Beranda Dunia Ekonomi</nav>
<article><h1>Rupiah Menguat &amp; IHSG Naik</h1>
<p onclick="x()">Rupiah ditutup menguat <a href="/ekonomi/kurs">lihat kurs</a>.</p>
<script>alert(1)</script><iframe src="https://iklan.example"></iframe>
<p>Paragraf kedua <a href="javascript:alert(1)">klik</a>.</p>
<h3>Artikel Terkait</h3><ul><li><a href="/ekonomi/a">Bank Indonesia Tahan Suku Bunga</a></li></ul>
</article><footer>Back to top button</footer></body></html>"""

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Hulu</title><link>https://hulu.example</link><description>d</description>
<item><title>Banjir Rob di Pesisir Utara</title><link>https://hulu.example/nasional/banjir</link>
<guid isPermaLink="false">hulu-1001</guid><category>Nasional</category><category>Banjir</category>
<pubDate>Mon, 14 Oct 2024 01:00:00 GMT</pubDate>
<content:encoded><![CDATA[<p>Air laut naik <img src="/foto/rob.jpg" onerror="x()"> di pesisir.</p><script>bad()</script>]]></content:encoded>
</item>
<item><title>Tanpa Tautan</title><guid>hulu-1002</guid><description>isi</description></item>
</channel></rss>"""

POSTS = [
    {
        "id": 7,
        "date_gmt": "2024-10-15T02:00:00",
        "modified_gmt": "2024-10-15T03:00:00",
        "slug": "timnas-menang",
        "link": "https://cms.example/olahraga/timnas-menang/",
        "title": {"rendered": "Timnas Menang &#8211; Lolos ke Babak Berikut"},
        "content": {"rendered": "<p>Timnas Indonesia menang 2-0.</p><p onmouseover='x()'>Gol kedua <a href='/video'>video</a>.</p>"},
        "_embedded": {
            "author": [{"name": "Bagus Wicaksono"}],
            "wp:term": [[{"taxonomy": "category", "name": "Olahraga"}], [{"taxonomy": "post_tag", "name": "Timnas Indonesia"}]],
            "wp:featuredmedia": [{"source_url": "https://cms.example/foto/timnas.jpg"}],
        },
    },
    {"id": 8, "link": "https://cms.example/x/", "title": {"rendered": ""}, "content": {"rendered": "<p>x</p>"}},
]


@pytest.fixture
def http_site():
    """A real HTTP server on 127.0.0.1 serving a dict of path -> (type, bytes)."""
    routes: dict[str, tuple[str, bytes]] = {}
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            path = self.path.split("?")[0]
            if path == "/wp-json/wp/v2/posts":
                page = int(self.path.split("page=")[-1].split("&")[0]) if "page=" in self.path else 1
                body = json.dumps(POSTS if page == 1 else []).encode()
                kind = "application/json"
            elif path in routes:
                kind, body = routes[path]
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", routes, seen
    server.shutdown()
    server.server_close()


def _source_config(kind: str, location: str, section: str = "") -> str:
    extra = f'section = "{section}"\n' if section else ""
    return f'[[sources]]\nname = "{kind}-sumber"\nkind = "{kind}"\n{location}\n{extra}'


def _gather(settings):
    with Store(settings.store_path) as store:
        report, _ = core.gather(settings, store, NOW)
        return report, store.newest(50, NOW)


def test_html_pages_are_parsed_and_sanitised(make_site, tmp_path):
    settings = make_site({}, extra_config=_source_config("html", 'path = "html"'))
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "rupiah.html").write_text(ARTICLE_HTML, encoding="utf-8")
    (tmp_path / "html" / "kosong.html").write_text("", encoding="utf-8")
    report, articles = _gather(settings)
    assert [r.key.rsplit("/", 1)[-1] for r in report.rejected] == ["kosong.html"]
    [article] = articles
    assert article.section == "ekonomi"
    assert article.title == "Rupiah Menguat & IHSG Naik"
    assert article.author == "Ayu Lestari"
    assert article.url == "https://kabaruji.example/ekonomi/rupiah-menguat"
    assert article.image == "https://kabaruji.example/gambar/rupiah.jpg"
    assert article.tags == ("Rupiah", "IHSG")
    assert article.related_titles == ("Bank Indonesia Tahan Suku Bunga",)
    assert article.published == datetime(2024, 10, 14, 1, 30, tzinfo=UTC)
    assert article.text.split("\n\n") == ["Rupiah ditutup menguat lihat kurs.", "Paragraf kedua klik."]
    for bad in ("<script", "onclick", "javascript:", "<iframe", "Beranda", "Back to top", "Artikel Terkait", "<h1"):
        assert bad not in article.content_html
    assert 'href="https://kabaruji.example/ekonomi/kurs"' in article.content_html


def test_upstream_feed_over_http(make_site, http_site):
    base, routes, _ = http_site
    routes["/feed.xml"] = ("application/rss+xml", RSS.encode())
    settings = make_site({}, extra_config=_source_config("feed", f'url = "{base}/feed.xml"', "dunia"))
    report, articles = _gather(settings)
    assert [r.reason for r in report.rejected] == ["entry has no absolute link; the upstream feed must give one"]
    [article] = articles
    assert (article.key, article.section, article.title) == ("hulu-1001", "nasional", "Banjir Rob di Pesisir Utara")
    assert article.tags == ("Banjir",)
    assert article.published == datetime(2024, 10, 14, 1, 0, tzinfo=UTC)
    assert "<script" not in article.content_html and "onerror" not in article.content_html
    assert 'src="https://hulu.example/foto/rob.jpg"' in article.content_html
    again, _ = _gather(settings)
    assert (again.new, again.unchanged) == (0, 1)


def test_unreachable_feed_is_reported_not_fatal(make_site, http_site):
    base, _routes, _ = http_site
    settings = make_site(
        {"dunia/2024-10-01-0900-a.txt": "Dunia\n\nJudul\n\nIsi berita.\n"},
        extra_config=_source_config("feed", f'url = "{base}/hilang.xml"', "dunia"),
    )
    report, articles = _gather(settings)
    assert len(articles) == 1
    [rejection] = report.rejected
    assert "HTTP 404" in rejection.reason and "hilang.xml" in rejection.reason


def test_wordpress_json_api_over_http(make_site, http_site):
    base, _routes, seen = http_site
    settings = make_site({}, extra_config=_source_config("wpjson", f'url = "{base}"'))
    report, articles = _gather(settings)
    assert [r.reason for r in report.rejected] == ["post 8: empty title"]
    [article] = articles
    assert (article.key, article.section, article.slug) == ("7", "olahraga", "timnas-menang")
    assert article.title == "Timnas Menang – Lolos ke Babak Berikut"
    assert article.author == "Bagus Wicaksono"
    assert article.tags == ("Timnas Indonesia",)
    assert article.image == "https://cms.example/foto/timnas.jpg"
    assert article.updated == datetime(2024, 10, 15, 3, 0, tzinfo=UTC)
    assert "onmouseover" not in article.content_html
    assert 'href="https://cms.example/video"' in article.content_html
    assert any("/wp-json/wp/v2/posts" in path for path in seen)


def test_feeds_from_mixed_sources_validate(make_site, http_site, tmp_path):
    base, routes, _ = http_site
    routes["/feed.xml"] = ("application/rss+xml", RSS.encode())
    extra = _source_config("feed", f'url = "{base}/feed.xml"', "dunia") + "\n" + _source_config("wpjson", f'url = "{base}"')
    settings = make_site({}, extra_config=extra)
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        core.publish(settings, store, NOW)
    parsed = feedparser.parse((settings.feeds.output_dir / "atom.xml").read_bytes())
    assert parsed.bozo == 0 and len(parsed.entries) == 2


def test_lead_images_must_be_web_addresses(make_site, tmp_path):
    settings = make_site({}, extra_config=_source_config("html", 'path = "html"'))
    (tmp_path / "html").mkdir()
    hostile = ARTICLE_HTML.replace('content="/gambar/rupiah.jpg"', 'content="javascript:alert(1)"')
    (tmp_path / "html" / "rupiah.html").write_text(hostile, encoding="utf-8")
    _report, [article] = _gather(settings)
    assert article.image is None


def test_page_header_image_must_be_a_web_address(make_site):
    from newsfeed.errors import SourceError
    from newsfeed.sources.pages import parse_page

    settings = make_site({})
    raw = b"---\nimage: javascript:alert(1)\n---\nDunia\n\nJudul\n\nIsi berita.\n"
    with pytest.raises(SourceError, match="image: 'javascript:alert\\(1\\)' is not a web address"):
        parse_page(raw, "dunia/x.txt", settings)
