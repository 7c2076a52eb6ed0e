"""Sitemaps: a Google News sitemap of the last two days and a sitemap of every article.

Rules (sitemaps.org 0.9, Google's news sitemap 0.9): at most 50,000 URLs in a file, at most
1,000 in a news sitemap, so larger sets go into numbered files behind a sitemap index;
publication dates and lastmod in W3C datetime; titles and URLs XML-escaped. A sitemap may list
URLs outside its own folder only when robots.txt on their host names it, so publish also
writes the `Sitemap:` lines (robots-sitemaps.txt) to put in the site's robots.txt.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from newsfeed.config import Settings
from newsfeed.times import from_stored, rfc3339

NEWS_WINDOW_DAYS = 2
NEWS_LIMIT = 1000
URL_LIMIT = 50_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'

def escape(text: str) -> str:
    """XML character data (xml.sax.saxutils.escape, without importing urllib.request)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# (url, title, published, updated) of one article
Entry = tuple[str, str, datetime, datetime]


def news_files(count: int) -> list[str]:
    """The news sitemap files for `count` recent articles: one urlset, or an index and parts."""
    if not count:
        return []
    parts = -(-count // NEWS_LIMIT)
    return ["sitemap-news.xml"] if parts <= 1 else ["sitemap-news.xml", *(f"sitemap-news-{i}.xml" for i in range(1, parts + 1))]


def article_files(count: int) -> list[str]:
    parts = max(1, -(-count // URL_LIMIT))
    return ["sitemap.xml", *(f"sitemap-artikel-{i}.xml" for i in range(1, parts + 1))]


def render_news(entries: Sequence[Entry], settings: Settings) -> list[tuple[str, bytes]]:
    """The news sitemap of the articles published in the last two days, newest first."""
    if not entries:  # a urlset must hold a url: no recent article, no news sitemap
        return []
    zone = ZoneInfo(settings.site.timezone)
    names = news_files(len(entries))
    chunks = [entries[i : i + NEWS_LIMIT] for i in range(0, max(len(entries), 1), NEWS_LIMIT)]
    files = [(name, _news_urlset(chunk, settings, zone)) for name, chunk in zip(names[1:] or names, chunks)]
    if len(names) > 1:
        files.insert(0, (names[0], _index([f"{settings.feeds.base_url}/{name}" for name in names[1:]])))
    return files


def render_articles(
    lastmods: Sequence[tuple[str, str]], extra_urls: Sequence[str], news: bool, settings: Settings,
    kept: Callable[[str, str], bool] = lambda name, mark: False,
) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
    """sitemap.xml (an index) and its parts: every article (url, updated as stored) with its
    lastmod, then the site's feed pages (sections, topics); and each part's mark (a digest of
    what it lists). A part for which `kept(name, mark)` is true is not rendered: an edit
    changes the part of one article, and rendering all 111,800 URLs of a 100,000-article
    site took 0.68 s of a profiled edit."""
    zone = ZoneInfo(settings.site.timezone)
    urls = [*lastmods, *((url, "") for url in extra_urls)]
    names = article_files(len(urls))
    files, marks = [], {}
    for i, name in enumerate(names[1:]):
        part = urls[i * URL_LIMIT : (i + 1) * URL_LIMIT]
        marks[name] = hashlib.sha256("\n".join([settings.site.timezone, *(f"{url}\t{updated}" for url, updated in part)]).encode()).hexdigest()
        if not kept(name, marks[name]):
            files.append((name, _urlset([(url, rfc3339(from_stored(updated), zone) if updated else "") for url, updated in part])))
    listed = [f"{settings.feeds.base_url}/{name}" for name in names[1:]] + ([f"{settings.feeds.base_url}/sitemap-news.xml"] if news else [])
    return [(names[0], _index(listed)), *files], marks


def render_robots_lines(settings: Settings) -> bytes:
    """The lines for the site's robots.txt that make crawlers read these sitemaps."""
    base = settings.feeds.base_url
    return (
        "# Tambahkan baris ini ke robots.txt situs (add this line to the site's robots.txt);\n"
        "# sitemap.xml lists the article sitemaps and, while there are articles of the last two days, the news sitemap.\n"
        f"Sitemap: {base}/sitemap.xml\n"
    ).encode("utf-8")


def _news_urlset(entries: Sequence[Entry], settings: Settings, zone: ZoneInfo) -> bytes:
    name, language = escape(settings.site.name), escape(settings.site.language)
    lines = [_HEAD, f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n']
    for url, title, published, _updated in entries:
        lines.append(
            f"  <url>\n    <loc>{escape(url)}</loc>\n    <news:news>\n      <news:publication>\n"
            f"        <news:name>{name}</news:name>\n        <news:language>{language}</news:language>\n"
            f"      </news:publication>\n      <news:publication_date>{rfc3339(published, zone)}</news:publication_date>\n"
            f"      <news:title>{escape(title)}</news:title>\n    </news:news>\n  </url>\n"
        )
    lines.append("</urlset>\n")
    return "".join(lines).encode("utf-8")


def _urlset(urls: Sequence[tuple[str, str]]) -> bytes:
    lines = [_HEAD, f'<urlset xmlns="{SITEMAP_NS}">\n']
    for url, lastmod in urls:
        modified = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        lines.append(f"  <url><loc>{escape(url)}</loc>{modified}</url>\n")
    lines.append("</urlset>\n")
    return "".join(lines).encode("utf-8")


def _index(locations: Sequence[str]) -> bytes:
    lines = [_HEAD, f'<sitemapindex xmlns="{SITEMAP_NS}">\n']
    lines += [f"  <sitemap><loc>{escape(location)}</loc></sitemap>\n" for location in locations]
    lines.append("</sitemapindex>\n")
    return "".join(lines).encode("utf-8")
