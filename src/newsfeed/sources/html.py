"""Saved HTML article pages in a folder (one article per .html file).

Read from the page's own metadata, as news CMSs publish it:
- section: <meta property="article:section">, else the source's `section`;
- headline: <meta property="og:title">, else the first <h1>;
- body: [itemprop=articleBody], else <article>, else <main>; scripts and chrome removed;
- published/updated: <meta property="article:published_time"/"article:modified_time">,
  else <time datetime>; byline: <meta name="author">; lead image: og:image;
  tags: <meta property="article:tag">; URL: <link rel="canonical">;
- related: the links of a block headed "Artikel Terkait" (kept as editor-chosen headlines).
"""

from __future__ import annotations


import lxml.etree
import lxml.html

from newsfeed.config import Settings
from newsfeed.errors import SourceError
from newsfeed.sources.common import FolderSource, clean_html, parse_time, section_slug, web_url
from newsfeed.sources.pages import RELATED_HEADING
from newsfeed.text import clean_line, slugify, xml_safe
from newsfeed.types import SourceItem

_BODY_XPATHS = ("//*[@itemprop='articleBody']", "//article", "//main")
_CHROME_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "template")


class HtmlSource(FolderSource):
    suffixes = (".html", ".htm")

    def parse(self, raw: bytes, key: str, fingerprint: str) -> SourceItem:
        return parse_html_page(raw, key, self.settings, self.name, self.section, fingerprint)


def parse_html_page(raw: bytes, key: str, settings: Settings, source: str, section: str = "", fingerprint: str = "") -> SourceItem:
    if not raw.strip():
        raise SourceError("empty file; save the article page or delete the file")
    if b"\x00" in raw[:4096]:
        raise SourceError("binary file, not an HTML page")
    try:
        doc = lxml.html.document_fromstring(raw)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise SourceError(f"not readable HTML ({exc})") from None
    meta = _meta(doc)
    url = _canonical(doc) or f"{settings.site.base_url}/{key.rsplit('.', 1)[0]}"
    title = clean_line(meta.get("og:title") or _first_text(doc, "//h1"))
    if not title:
        raise SourceError("no headline (no og:title meta and no <h1>); add one")
    body = _body(doc)
    if body is None:
        raise SourceError("no article body (no [itemprop=articleBody], <article> or <main>)")
    related = _related(body)
    for heading in body.xpath(".//h1"):
        heading.drop_tree()
    html, text = clean_html(xml_safe(lxml.html.tostring(body, encoding="unicode")), url)
    if not text:
        raise SourceError("the article body has no text")
    published = parse_time(meta.get("article:published_time")) or parse_time(_first_attr(doc, "//time/@datetime"))
    return SourceItem(
        source=source,
        key=key,
        section=section_slug([meta.get("article:section", "")], settings, section),
        title=title,
        content_html=html,
        text=text,
        author=clean_line(meta.get("author", "")) or settings.site.name,
        published=published,
        updated=parse_time(meta.get("article:modified_time")),
        slug=slugify(url.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0]) or slugify(title),
        url=url,
        image=web_url(meta.get("og:image"), url),
        tags=tuple(clean_line(t) for t in meta.get("article:tag", "").split(",") if t.strip()),
        related_titles=tuple(related),
        fingerprint=fingerprint,
    )


def _meta(doc) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in doc.iter("meta"):
        name = (node.get("property") or node.get("name") or "").strip().lower()
        value = node.get("content")
        if name and value is not None:
            if name == "article:tag" and name in found:
                found[name] += "," + value
            else:
                found.setdefault(name, value)
    return found


def _canonical(doc) -> str:
    href = _first_attr(doc, "//link[@rel='canonical']/@href")
    return href if href.startswith(("https://", "http://")) else ""


def _first_text(doc, xpath: str) -> str:
    nodes = doc.xpath(xpath)
    return nodes[0].text_content() if nodes else ""


def _first_attr(doc, xpath: str) -> str:
    values = doc.xpath(xpath)
    return str(values[0]) if values else ""


def _body(doc):
    for xpath in _BODY_XPATHS:
        nodes = doc.xpath(xpath)
        if nodes:
            body = nodes[0]
            for node in list(body.iter(*_CHROME_TAGS)):
                node.drop_tree()
            return body
    return None


def _related(body) -> list[str]:
    """Headlines linked under an "Artikel Terkait" heading; the block is removed from the body."""
    for heading in body.xpath(".//*[self::h2 or self::h3 or self::h4 or self::p or self::div or self::strong]"):
        if clean_line(heading.text_content()).casefold().rstrip(":") != RELATED_HEADING:
            continue
        block = heading.getnext()
        titles = [clean_line(a.text_content()) for a in block.iter("a")] if block is not None else []
        if block is not None and titles:
            block.drop_tree()
        heading.drop_tree()
        return [t for t in titles if t]
    return []
