"""Sitemaps (sitemaps.org 0.9): an index of sitemaps, or a set of page addresses with their
last modification; Google News sitemaps (news:publication_date) and WordPress core's
wp-sitemap.xml are the same format. Gzipped files and plain-text sitemaps (one URL a line)
are read too. Entities are never resolved and nothing is fetched while parsing."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import lxml.etree

from newsfeed.errors import SourceError
from newsfeed.sources.links import canonical
from newsfeed.text import clean_line

# The protocol's own limits: 50,000 URLs and 50 MB (52,428,800 bytes) uncompressed per file.
MAX_SITEMAP_BYTES = 52_428_800
MAX_URLS = 50_000
# WordPress core's index also lists sitemaps of categories, tags and authors: not articles.
_WP_NOT_POSTS = re.compile(r"/wp-sitemap-(taxonomies|users)-[^/]*\.xml$")
_PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True, remove_comments=True)


@dataclass(frozen=True, slots=True)
class Entry:
    url: str  # canonical
    lastmod: str  # as the sitemap writes it, "" if it gives none
    news: bool  # from a Google News sitemap (lists only the last days' articles)


@dataclass(frozen=True, slots=True)
class Sitemap:
    sitemaps: tuple[str, ...]  # an index: the sitemaps it lists (WordPress non-post ones left out)
    entries: tuple[Entry, ...]  # a urlset: its pages


def read_sitemap(raw: bytes, url: str) -> Sitemap:
    """The sitemap in `raw` (fetched from `url`); raises SourceError when it is none."""
    if raw[:2] == b"\x1f\x8b":
        raw = _gunzip(raw, url)
    head = raw.lstrip()[:1]
    if head != b"<":
        return _text_sitemap(raw, url)
    try:
        root = lxml.etree.fromstring(raw, _PARSER)
    except (lxml.etree.XMLSyntaxError, ValueError) as exc:
        raise SourceError(f"{url}: not a readable sitemap ({clean_line(str(exc))[:100]})") from None
    if root is None:
        raise SourceError(f"{url}: not a readable sitemap (no XML element)")
    kind = lxml.etree.QName(root).localname if isinstance(root.tag, str) else ""
    if kind == "sitemapindex":
        found = []
        for loc in _texts(root, "sitemap", "loc"):
            link = canonical(loc, url)
            if link and not _WP_NOT_POSTS.search(link):
                found.append(link)
        return Sitemap(tuple(dict.fromkeys(found)), ())
    if kind == "urlset":
        return Sitemap((), tuple(_entries(root, url)))
    raise SourceError(f"{url}: not a sitemap (its root is <{kind or root.tag}>, not <urlset> or <sitemapindex>); check the sitemaps key")


def _entries(root, url: str) -> list[Entry]:
    entries = []
    for node in root:
        if not isinstance(node.tag, str) or lxml.etree.QName(node).localname != "url":
            continue
        loc = lastmod = ""
        news = False
        for child in node:
            if not isinstance(child.tag, str):
                continue
            name = lxml.etree.QName(child).localname
            if name == "loc":
                loc = (child.text or "").strip()
            elif name == "lastmod":
                lastmod = clean_line(child.text or "")[:40]
            elif name == "news":
                news = True
        link = canonical(loc, url) if loc else ""
        if link:
            entries.append(Entry(link, lastmod, news))
        if len(entries) >= MAX_URLS:
            break
    return entries


def _texts(root, outer: str, inner: str) -> list[str]:
    out = []
    for node in root:
        if isinstance(node.tag, str) and lxml.etree.QName(node).localname == outer:
            for child in node:
                if isinstance(child.tag, str) and lxml.etree.QName(child).localname == inner and child.text:
                    out.append(child.text.strip())
    return out


def _text_sitemap(raw: bytes, url: str) -> Sitemap:
    text = raw.decode("utf-8", errors="replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or not all(line.startswith(("http://", "https://")) for line in lines[:20]):
        raise SourceError(f"{url}: not a sitemap (neither XML nor a list of URLs); check the sitemaps key")
    entries = [Entry(link, "", False) for link in (canonical(line) for line in lines[:MAX_URLS]) if link]
    return Sitemap((), tuple(entries))


def _gunzip(raw: bytes, url: str) -> bytes:
    """Decompressed, at most MAX_SITEMAP_BYTES (a small file may inflate to gigabytes)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, MAX_SITEMAP_BYTES + 1)
    except zlib.error as exc:
        raise SourceError(f"{url}: a damaged gzip file ({exc})") from None
    if len(out) > MAX_SITEMAP_BYTES:
        raise SourceError(f"{url}: over {MAX_SITEMAP_BYTES:,} bytes uncompressed, more than a sitemap may hold; split it")
    return out
