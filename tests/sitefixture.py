"""A news site served over real HTTP on 127.0.0.1, for the crawl, feed and WordPress tests and
bench/bench_crawl.py.

`Site(n)` makes n articles (deterministic: the same n gives the same pages, byte for byte) in
five site sections, and answers what a real news site does:
- article pages with JSON-LD NewsArticle, OpenGraph meta, navigation, a share bar, a "Baca
  juga" block and a comment, at /<section>/<yyyy>/<mm>/<dd>/<id>-<slug>;
- section listing pages /<section>/ (?page=N, newest first, rel="next" pagination), whose
  furniture links to other sections, to a page robots.txt disallows (/rahasia/) and to
  another host (http://localhost:<port>/..., the same server under another name);
- robots.txt (Disallow: /rahasia/, Sitemap: lines), a sitemap index with one sitemap per
  `per_sitemap` articles (lastmod), a Google News sitemap of the newest ones, a WordPress
  wp-sitemap.xml index (with the taxonomy and user sitemaps a crawler must skip);
- an RSS feed of the newest 20, and a WordPress REST API (/wp-json/wp/v2/posts with page,
  per_page, _fields, _embed, include, modified_after, X-WP-Total/X-WP-TotalPages, 400 past
  the last page);
- ETag and Last-Modified on everything, 304 to a matching conditional GET;
- faults on demand: `site.faults[path] = kind` for "500", "404", "slow", "trickle", "huge",
  "loop", "redirect:<path>", "429:<n>" (n answers of 429 Retry-After: 1, then the page),
  "as:<type>" (the page under another Content-Type).

Articles change through `delete(i)` (404), `remove(i, status=410)`, `edit(i)` (a new
version, later dateModified and lastmod) and `add()`. Every request is logged as a
Request (method, path with query, Host header, status, User-Agent); `most_at_once` is the
largest number of "slow" requests the server was holding at the same time.

Run as a script to serve a site from its own process (the benchmark does):
    python tests/sitefixture.py --articles 10000   # prints the base URL, serves until stdin closes
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# site path -> (the site's own section name, the section slug newsfeed's config maps it to)
SECTIONS = {
    "internasional": ("Internasional", "dunia"),
    "nasional": ("Nasional", "nasional"),
    "ekonomi": ("Ekonomi", "ekonomi"),
    "tekno": ("Tekno", "teknologi"),
    "bola": ("Bola", "olahraga"),
}
START = datetime(2024, 1, 1, 1, 0, tzinfo=UTC)

_WORDS = (
    "pemerintah menteri harga pasar rupiah banjir gempa presiden pemilu sekolah rumah sakit "
    "pelabuhan petani nelayan pupuk beras listrik jalan tol kereta bandara pajak ekspor impor "
    "saham bank inflasi investasi teknologi aplikasi data siber satelit timnas liga pelatih "
    "stadion gol turnamen warga desa kota provinsi polisi hakim jaksa sidang anggaran program "
    "bantuan sosial kesehatan vaksin cuaca hujan musim tanam panen kebijakan undang parlemen"
).split()
_PLACES = ["Jakarta", "Surabaya", "Medan", "Makassar", "Bandung", "Semarang", "Denpasar", "Palembang", "Jayapura", "Kupang"]


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # with the query
    host: str  # the Host header
    status: int
    agent: str  # the User-Agent header


@dataclass
class Article:
    number: int
    section: str  # site path segment
    published: datetime
    version: int = 0
    status: int = 200  # 404 or 410 once deleted
    listed: bool = True  # in listings, sitemaps, the feed and the API

    @property
    def modified(self) -> datetime:
        return self.published + timedelta(hours=self.version)

    @property
    def id(self) -> int:
        return 1000 + self.number


class Site:
    def __init__(self, articles: int = 30, per_sitemap: int = 1000, per_listing: int = 20, seed: int = 7):
        self.seed = seed
        self.per_sitemap = per_sitemap
        self.per_listing = per_listing
        self.articles: list[Article] = []
        self.faults: dict[str, str] = {}
        self.log: list[Request] = []
        self.lock = threading.Lock()
        self.at_once = 0
        self.most_at_once = 0
        self.base = ""  # http://127.0.0.1:<port>, set when served
        self.other = ""  # the same server under another host name
        self.news_sitemap = True
        self.slow_seconds = 3.0
        for _ in range(articles):
            self.add()

    # changing the site -------------------------------------------------------------

    def add(self, section: str | None = None) -> Article:
        number = len(self.articles)
        names = list(SECTIONS)
        article = Article(number, section or names[number % len(names)], START + timedelta(hours=number))
        self.articles.append(article)
        return article

    def edit(self, number: int) -> Article:
        self.articles[number].version += 1
        return self.articles[number]

    def delete(self, number: int, status: int = 404) -> Article:
        """The page answers `status` and leaves every listing, sitemap, the feed and the API."""
        article = self.articles[number]
        article.status, article.listed = status, False
        return article

    def unlist(self, number: int) -> Article:
        """Out of the listings, sitemaps, feed and API; the page itself still answers."""
        self.articles[number].listed = False
        return self.articles[number]

    def requests(self, since: int = 0) -> list[Request]:
        with self.lock:
            return list(self.log[since:])

    def mark(self) -> int:
        with self.lock:
            return len(self.log)

    # what an article says ----------------------------------------------------------

    def words(self, article: Article, count: int, salt: str) -> list[str]:
        rng = random.Random(f"{self.seed}-{article.number}-{salt}")
        return [rng.choice(_WORDS) for _ in range(count)]

    def headline(self, article: Article) -> str:
        words = self.words(article, 6, "title")
        edited = " (Diperbarui)" if article.version else ""
        return f"{words[0].capitalize()} {' '.join(words[1:])} di {_PLACES[article.number % len(_PLACES)]} {article.id}{edited}"

    def slug(self, article: Article) -> str:
        return "-".join(self.words(article, 6, "title")) + f"-{_PLACES[article.number % len(_PLACES)].lower()}"

    def path(self, article: Article) -> str:
        day = article.published
        return f"/{article.section}/{day:%Y/%m/%d}/{article.id}-{self.slug(article)}"

    def url(self, article: Article) -> str:
        return self.base + self.path(article)

    def paragraphs(self, article: Article) -> list[str]:
        rng = random.Random(f"{self.seed}-{article.number}-body-{article.version}")
        place = _PLACES[article.number % len(_PLACES)]
        out = []
        for i in range(5):
            words = [rng.choice(_WORDS) for _ in range(rng.randint(28, 45))]
            lead = f"{place} - " if i == 0 else ""
            out.append(lead + " ".join(words).capitalize() + f", kata pejabat setempat ({i + 1}).")
        return out

    def article_html(self, article: Article) -> str:
        name, _slug = SECTIONS[article.section]
        title = self.headline(article)
        local = article.published.astimezone(_WIB)
        ld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "datePublished": article.published.isoformat(),
            "dateModified": article.modified.isoformat(),
            "articleSection": name,
            "author": {"@type": "Person", "name": f"Penulis {article.number % 7}"},
            "image": f"{self.base}/foto/{article.id}.jpg",
            "keywords": ", ".join(sorted(set(self.words(article, 3, "tags")))),
            "publisher": {"@type": "Organization", "name": "Kabar Situs"},
            "mainEntityOfPage": self.url(article),
        }
        related = [a for a in self.articles[max(0, article.number - 3) : article.number] if a.listed]
        nav = "".join(f'<li><a href="/{path}/">{escape(n)}</a></li>' for path, (n, _s) in SECTIONS.items())
        body = "\n".join(f"<p>{escape(p)}</p>" for p in self.paragraphs(article))
        also = "".join(f'<li><a href="{self.path(a)}">{escape(self.headline(a))}</a></li>' for a in related)
        return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8">
<title>{escape(title)} - Kabar Situs</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:site_name" content="Kabar Situs">
<meta property="og:title" content="{escape(title)}">
<meta property="og:type" content="article">
<meta property="og:url" content="{self.url(article)}">
<link rel="canonical" href="{self.url(article)}">
<script type="application/ld+json">{json.dumps(ld)}</script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}</script>
<link rel="stylesheet" href="/gaya.css">
</head><body>
<header class="site-header"><a href="/">Kabar Situs</a><nav><ul>{nav}</ul></nav></header>
<div class="breadcrumb"><a href="/">Beranda</a> &raquo; <a href="/{article.section}/">{escape(name)}</a></div>
<main><article class="post">
<h1 class="post-title">{escape(title)}</h1>
<p class="post-meta">{local:%d/%m/%Y %H:%M} WIB &middot; Penulis {article.number % 7}</p>
<div class="share-bar"><a href="https://www.facebook.com/sharer.php?u=x">Bagikan</a> <a href="https://wa.me/?text=x">WhatsApp</a></div>
<figure><img src="/foto/{article.id}.jpg" alt="Foto"><figcaption>Suasana di {_PLACES[article.number % len(_PLACES)]}. (Foto: Kabar Situs)</figcaption></figure>
<div class="post-content">
{body}
</div>
<div class="baca-juga"><h3>Baca juga</h3><ul>{also}</ul></div>
</article>
<section class="comments"><h3>Komentar</h3><div class="comment"><p>Semoga cepat selesai, pak.</p></div></section>
</main>
<aside><h3>Terpopuler</h3><ul>{also}</ul></aside>
<footer><p>&copy; 2024 Kabar Situs. Hak cipta dilindungi.</p><a href="{self.other}/tentang-kami-redaksi-kabar-situs">Redaksi</a></footer>
</body></html>"""

    # documents the site serves -----------------------------------------------------

    def listed(self, section: str | None = None) -> list[Article]:
        """Listed articles, newest first."""
        return [a for a in reversed(self.articles) if a.listed and (section is None or a.section == section)]

    def listing_html(self, section: str, page: int) -> str | None:
        items = self.listed(section)
        pages = max(1, -(-len(items) // self.per_listing))
        if page < 1 or page > pages:
            return None
        shown = items[(page - 1) * self.per_listing : page * self.per_listing]
        name = SECTIONS[section][0]
        teasers = "\n".join(
            f'<div class="teaser"><h2><a href="{self.path(a)}">{escape(self.headline(a))}</a></h2>'
            f'<time>{a.published:%d/%m/%Y}</time></div>'
            for a in shown
        )
        nav = "".join(f'<li><a href="/{path}/">{escape(n)}</a></li>' for path, (n, _s) in SECTIONS.items())
        nxt = f'<a rel="next" href="/{section}/?page={page + 1}">Berikutnya &raquo;</a>' if page < pages else ""
        head_next = f'<link rel="next" href="/{section}/?page={page + 1}">' if page < pages else ""
        return f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{escape(name)} - Kabar Situs</title>{head_next}</head>
<body><header><nav><ul>{nav}</ul></nav></header><main><h1>{escape(name)}</h1>
{teasers}
<div class="promo"><a href="/rahasia/2024/01/01/9999-halaman-internal-redaksi-yang-tidak-boleh-dibaca">Internal</a>
<a href="{self.other}/nasional/2024/01/01/8888-berita-dari-situs-lain-tidak-diikuti">Situs lain</a></div>
<div class="pagination">{nxt}</div></main>
<footer><a href="/tentang-kami">Tentang kami</a></footer></body></html>"""

    def robots(self) -> str:
        lines = ["User-agent: *", "Disallow: /rahasia/", "Disallow: /*?cari=", "", f"Sitemap: {self.base}/sitemap_index.xml"]
        if self.news_sitemap:
            lines.append(f"Sitemap: {self.base}/news-sitemap.xml")
        return "\n".join(lines) + "\n"

    def sitemap_chunks(self) -> list[list[Article]]:
        listed = [a for a in self.articles if a.listed]
        return [listed[i : i + self.per_sitemap] for i in range(0, len(listed), self.per_sitemap)] or [[]]

    def sitemap_index(self, prefix: str = "/sitemaps/sitemap-") -> str:
        rows = []
        for k, chunk in enumerate(self.sitemap_chunks(), start=1):
            lastmod = max((a.modified for a in chunk), default=START)
            rows.append(f"<sitemap><loc>{self.base}{prefix}{k}.xml</loc><lastmod>{_w3c(lastmod)}</lastmod></sitemap>")
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                + "\n".join(rows) + "\n</sitemapindex>\n")

    def sitemap(self, k: int) -> str | None:
        chunks = self.sitemap_chunks()
        if not 1 <= k <= len(chunks):
            return None
        rows = "\n".join(f"<url><loc>{self.url(a)}</loc><lastmod>{_w3c(a.modified)}</lastmod></url>" for a in chunks[k - 1])
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                f"{rows}\n</urlset>\n")

    def wp_sitemap_index(self) -> str:
        rows = [f"<sitemap><loc>{self.base}/wp-sitemap-posts-post-{k}.xml</loc></sitemap>" for k in range(1, len(self.sitemap_chunks()) + 1)]
        rows += [f"<sitemap><loc>{self.base}/wp-sitemap-taxonomies-category-1.xml</loc></sitemap>",
                 f"<sitemap><loc>{self.base}/wp-sitemap-users-1.xml</loc></sitemap>"]
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<?xml-stylesheet type="text/xsl" href="/wp-sitemap-index.xsl" ?>\n'
                '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(rows) + "</sitemapindex>\n")

    def wp_taxonomy_sitemap(self) -> str:
        rows = "".join(f"<url><loc>{self.base}/{path}/</loc></url>" for path in SECTIONS)
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</urlset>\n'

    def news_sitemap_xml(self) -> str:
        rows = "\n".join(
            f"<url><loc>{self.url(a)}</loc><news:news><news:publication><news:name>Kabar Situs</news:name>"
            f"<news:language>id</news:language></news:publication><news:publication_date>{_w3c(a.published)}</news:publication_date>"
            f"<news:title>{escape(self.headline(a))}</news:title></news:news></url>"
            for a in self.listed()[:50]
        )
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' + rows + "\n</urlset>\n")

    def feed_xml(self) -> str:
        items = []
        for a in self.listed()[:20]:
            name = SECTIONS[a.section][0]
            content = "".join(f"<p>{escape(p)}</p>" for p in self.paragraphs(a))
            items.append(
                f"<item><title>{escape(self.headline(a))}</title><link>{self.url(a)}</link>"
                f'<guid isPermaLink="false">kabarsitus-{a.id}</guid><category>{escape(name)}</category>'
                f"<pubDate>{format_datetime(a.published, usegmt=True)}</pubDate>"
                f"<content:encoded><![CDATA[{content}]]></content:encoded></item>"
            )
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
                f"<channel><title>Kabar Situs</title><link>{self.base}/</link><description>Berita terbaru</description>"
                + "".join(items) + "</channel></rss>\n")

    def wp_post(self, a: Article, fields: list[str] | None, embed: bool) -> dict:
        name, _slug = SECTIONS[a.section]
        post = {
            "id": a.id,
            "date_gmt": a.published.strftime("%Y-%m-%dT%H:%M:%S"),
            "modified_gmt": a.modified.strftime("%Y-%m-%dT%H:%M:%S"),
            "slug": self.slug(a),
            "link": self.url(a),
            "title": {"rendered": escape(self.headline(a))},
            "content": {"rendered": "".join(f"<p>{escape(p)}</p>" for p in self.paragraphs(a))},
            "categories": [list(SECTIONS).index(a.section) + 1],
        }
        if embed:
            post["_embedded"] = {
                "author": [{"name": f"Penulis {a.number % 7}"}],
                "wp:term": [[{"taxonomy": "category", "name": name}], [{"taxonomy": "post_tag", "name": w} for w in sorted(set(self.words(a, 2, "tags")))]],
            }
        if fields:
            post = {k: v for k, v in post.items() if k in fields}
        return post

    def wp_posts(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        one = {k: v[-1] for k, v in query.items()}
        per_page = int(one.get("per_page", "10"))
        page = int(one.get("page", "1"))
        if not 1 <= per_page <= 100:
            return 400, {}, json.dumps({"code": "rest_invalid_param"}).encode()
        posts = [a for a in self.articles if a.listed]
        if "modified_after" in one:
            after = datetime.fromisoformat(one["modified_after"])
            after = after if after.tzinfo else after.replace(tzinfo=UTC)
            posts = [a for a in posts if a.modified > after]
        if "include" in one:
            wanted = {int(x) for x in one["include"].split(",") if x}
            posts = [a for a in posts if a.id in wanted]
        posts.sort(key=lambda a: a.id, reverse=one.get("order", "desc") == "desc")
        total = len(posts)
        pages = max(1, -(-total // per_page))
        if page > pages:
            return 400, {}, json.dumps({"code": "rest_post_invalid_page_number"}).encode()
        fields = one["_fields"].split(",") if "_fields" in one else None
        shown = [self.wp_post(a, fields, "_embed" in one) for a in posts[(page - 1) * per_page : page * per_page]]
        return 200, {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}, json.dumps(shown).encode()

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, str, bytes, dict[str, str], datetime | None]:
        """(status, content type, body, extra headers, last modified) for a GET of `path`."""
        html = "text/html; charset=utf-8"
        xml = "application/xml"
        if path == "/robots.txt":
            return 200, "text/plain", self.robots().encode(), {}, None
        if path == "/sitemap_index.xml":
            return 200, xml, self.sitemap_index().encode(), {}, None
        if path.startswith("/sitemaps/sitemap-") and path.endswith((".xml", ".xml.gz")):
            number = path.removeprefix("/sitemaps/sitemap-").split(".")[0]
            text = self.sitemap(int(number)) if number.isdigit() else None
            if text is None:
                return 404, html, b"<h1>404</h1>", {}, None
            data = gzip.compress(text.encode(), mtime=0) if path.endswith(".gz") else text.encode()
            return 200, "application/gzip" if path.endswith(".gz") else xml, data, {}, None
        if path == "/news-sitemap.xml":
            return 200, xml, self.news_sitemap_xml().encode(), {}, None
        if path == "/wp-sitemap.xml":
            return 200, xml, self.wp_sitemap_index().encode(), {}, None
        if path.startswith("/wp-sitemap-posts-post-"):
            number = path.removeprefix("/wp-sitemap-posts-post-").removesuffix(".xml")
            text = self.sitemap(int(number)) if number.isdigit() else None
            return (200, xml, text.encode(), {}, None) if text else (404, html, b"<h1>404</h1>", {}, None)
        if path in ("/wp-sitemap-taxonomies-category-1.xml", "/wp-sitemap-users-1.xml"):
            return 200, xml, self.wp_taxonomy_sitemap().encode(), {}, None
        if path == "/feed.xml":
            newest = max((a.modified for a in self.listed()[:20]), default=START)
            return 200, "application/rss+xml", self.feed_xml().encode(), {}, newest
        if path == "/wp-json/wp/v2/posts":
            status, headers, data = self.wp_posts(query)
            return status, "application/json; charset=UTF-8", data, headers, None
        parts = path.strip("/").split("/")
        if len(parts) == 1 and parts[0] in SECTIONS and path.endswith("/"):
            page = query.get("page", ["1"])[-1]
            text = self.listing_html(parts[0], int(page)) if page.isdigit() else None
            if text is None:
                return 404, html, b"<h1>404</h1>", {}, None
            return 200, html, text.encode(), {}, None
        if len(parts) == 5 and parts[0] in SECTIONS:
            number = parts[4].split("-", 1)[0]
            if number.isdigit() and 0 <= int(number) - 1000 < len(self.articles):
                article = self.articles[int(number) - 1000]
                if self.path(article) == path:
                    if article.status != 200:
                        return article.status, html, b"<h1>Halaman tidak ditemukan</h1>", {}, None
                    return 200, html, self.article_html(article).encode(), {}, article.modified
        return 404, html, b"<!DOCTYPE html><h1>Halaman tidak ditemukan</h1>", {}, None


_WIB = __import__("datetime").timezone(timedelta(hours=7))


def _w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms delayed-ACK stall
    server_version = "KabarSitus/1.0"
    site: Site

    def log_message(self, *args) -> None:
        pass

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        site = self.site
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        fault = site.faults.get(path) or site.faults.get(self.path)
        if fault and fault.startswith("as:"):  # the page, under another Content-Type
            self._page(path, query, head, kind=fault[3:])
            return
        status = self._fault(fault, path) if fault else None
        if status is None:
            self._page(path, query, head)

    def _log(self, status: int) -> None:
        """Logged before the answer goes out: a client that has its answer finds it logged."""
        with self.site.lock:
            self.site.log.append(Request(self.command, self.path, self.headers.get("Host", ""), status, self.headers.get("User-Agent", "")))

    def _fault(self, fault: str, path: str) -> int | None:
        """Answer a configured fault; None when it lets the page through."""
        if fault == "500":
            return self._send(500, "text/html", b"<h1>Server error</h1>")
        if fault == "404":
            return self._send(404, "text/html", b"<h1>Not found</h1>")
        if fault == "slow":
            with self.site.lock:
                self.site.at_once += 1
                self.site.most_at_once = max(self.site.most_at_once, self.site.at_once)
            time.sleep(self.site.slow_seconds)
            with self.site.lock:
                self.site.at_once -= 1
            return None
        if fault == "trickle":  # headers at once, then a byte a second: only a whole-answer deadline ends it
            self._log(200)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(30):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass
            self.close_connection = True
            return 200
        if fault == "huge":  # no Content-Length: only counting the bytes stops it
            self._log(200)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"<p>" + b"x" * 65536 + b"</p>"
            try:
                for _ in range(400):  # 26 MB
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                pass
            self.close_connection = True
            return 200
        if fault == "loop":
            return self._send(302, "text/html", b"", {"Location": path})
        if fault.startswith("redirect:"):
            return self._send(301, "text/html", b"", {"Location": fault.split(":", 1)[1]})
        if fault.startswith("429:"):
            left = int(fault.split(":", 1)[1])
            if left <= 0:
                return None
            with self.site.lock:
                self.site.faults[path] = f"429:{left - 1}"
            return self._send(429, "text/plain", b"slow down", {"Retry-After": "1"})
        raise ValueError(f"unknown fault {fault!r}")

    def _page(self, path: str, query: dict[str, list[str]], head: bool, kind: str | None = None) -> int:
        try:
            status, own_kind, body, extra, modified = self.site.answer(path, query)
            kind = own_kind if kind is None else kind
        except (ValueError, KeyError) as exc:
            return self._send(400, "text/plain", str(exc).encode())
        if status != 200:
            return self._send(status, kind, body, extra)
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag, **extra}
        if modified is not None:
            headers["Last-Modified"] = format_datetime(modified.astimezone(UTC), usegmt=True)
        match = self.headers.get("If-None-Match")
        since = self.headers.get("If-Modified-Since")
        if match is not None:
            fresh = etag in [m.strip() for m in match.split(",")] or match.strip() == "*"
        elif since is not None and modified is not None:
            try:
                fresh = modified.replace(microsecond=0) <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                fresh = False
        else:
            fresh = False
        if fresh:
            return self._send(304, "", b"", headers)
        return self._send(200, kind, b"" if head else body, headers, length=len(body))

    def _send(self, status: int, kind: str, body: bytes, headers: dict[str, str] | None = None, length: int | None = None) -> int:
        self._log(status)
        self.send_response(status)
        if kind:
            self.send_header("Content-Type", kind)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if body:
            try:
                self.wfile.write(body)
            except OSError:
                pass
        return status


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):  # a client hanging up is no error
            super().handle_error(request, client_address)


@contextmanager
def serve(site: Site, host: str = "127.0.0.1"):
    """Serve `site` on a free port of `host`; yields its base URL."""
    handler = type("Handler", (_Handler,), {"site": site})
    server = _Server((host, 0), handler)
    port = server.server_address[1]
    site.base = f"http://{host}:{port}"
    site.other = f"http://localhost:{port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site.base
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--per-sitemap", type=int, default=1000)
    args = parser.parse_args()
    site = Site(args.articles, per_sitemap=args.per_sitemap)
    with serve(site) as base:
        print(base, flush=True)
        for line in sys.stdin:  # "count" prints the requests served so far; EOF stops
            if line.strip() == "count":
                print(len(site.requests()), flush=True)


if __name__ == "__main__":
    main()
