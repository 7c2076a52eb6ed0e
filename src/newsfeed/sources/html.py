"""Article pages: saved HTML files in a folder (one article per .html file), and the one function
that reads any article page, saved or fetched: bytes (+ HTTP headers, URL) -> SourceItem.

What is read, most trusted first:
- text: the byte order mark, the HTTP Content-Type charset, then <meta charset> wherever it sits;
- metadata: schema.org JSON-LD (NewsArticle and kin, also inside @graph and lists), then
  OpenGraph/`article:` meta, then microdata (itemprop), then the page (metadata.py);
- headline: the article's <h1> when it is one, else the metadata's, without the site's name
  (" - ANTARA News", " | ZDNet");
- published/updated: naive times are in the site's zone (site.timezone); else a date written
  under the headline, else htmldate's reading of the page and its URL;
- body: the source's body_selector/drop_selectors where set, else main-content extraction
  (extract.py); related-link blocks become editor-chosen related headlines;
- section: the source's mapping of the site's own signals (sectionmap.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from newsfeed.config import Settings, SourceSettings
from newsfeed.errors import SourceError
from newsfeed.sources.common import FolderSource, web_url
from newsfeed.sources.dates import find_written_date, parse_moment
from newsfeed.sources.encoding import decode
from newsfeed.sources.extract import SiteRules, extract_body
from newsfeed.sources.metadata import PageMeta, read_meta
from newsfeed.sources.sectionmap import SectionMap, section_of
from newsfeed.sources.validate import FIRST_YEAR, LAST_YEAR
from newsfeed.text import clean_line, slugify, xml_safe
from newsfeed.types import SourceItem

_WORD = re.compile(r"\w+")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
# Comments out (as trafilatura parses): a comment inside a paragraph would hide the text after it.
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False)
_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " » ", " / ", ": ")


class HtmlSource(FolderSource):
    suffixes = (".html", ".htm")
    # A saved news page is mostly scripts, styles and inline images (a "single file" save can be
    # several MB); the article text inside is what the 2 MB cap of text pages is about.
    max_bytes = 16_000_000

    def __init__(self, source: SourceSettings, settings: Settings):
        super().__init__(source, settings)
        self.reader = PageReader.of(source, settings)

    def parse(self, raw: bytes, key: str, fingerprint: str) -> SourceItem:
        return self.reader.read(raw, key, fingerprint=fingerprint)


class PageReader:
    """Reads article pages for one source, with its rules and section mapping."""

    def __init__(self, settings: Settings, source: str, rules: SiteRules, sections: SectionMap):
        self.settings = settings
        self.source = source
        self.rules = rules
        self.sections = sections

    @classmethod
    def of(cls, source: SourceSettings, settings: Settings) -> PageReader:
        rules = SiteRules(body_selector=source.body_selector, drop_selectors=source.drop_selectors)
        sections = SectionMap.of(source.section_names, source.section_paths, source.section_hosts, source.section, source.name)
        return cls(settings, source.name, rules, sections)

    def read(self, raw: bytes, key: str, *, url: str = "", headers: Mapping[str, str] | None = None, fingerprint: str = "") -> SourceItem:
        """The article of one page. `url`: where it was fetched from (after redirects); `headers`:
        the HTTP response's. Raises SourceError with a one-line reason."""
        try:
            return self._read(raw, key, url, headers or {}, fingerprint)
        except SourceError:
            raise
        except (ValueError, TypeError, AttributeError, IndexError, KeyError, RecursionError, lxml.etree.LxmlError) as exc:
            reason = clean_line(str(exc))[:120] or type(exc).__name__
            raise SourceError(f"cannot read this page ({type(exc).__name__}: {reason})") from None

    def _read(self, raw: bytes, key: str, url: str, headers: Mapping[str, str], fingerprint: str) -> SourceItem:
        if not raw.strip():
            raise SourceError("empty file; save the article page or delete the file")
        if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise SourceError("binary file, not an HTML page")
        header = {k.lower(): v for k, v in headers.items()}
        text = decode(raw, header.get("content-type"))
        if "\x00" in text[:4096]:
            raise SourceError("binary file, not an HTML page")
        text = xml_safe(_XML_DECLARATION.sub("", text.lstrip("\ufeff"), count=1))
        if not text.strip():
            raise SourceError("empty file; save the article page or delete the file")
        try:
            # as UTF-8 bytes with the parser told so: lxml then never re-reads a <meta charset>
            doc = lxml.html.document_fromstring(text.encode("utf-8", "surrogatepass"), parser=_PARSER)
        except (lxml.etree.ParserError, ValueError) as exc:
            raise SourceError(f"not readable HTML ({clean_line(str(exc))[:120]})") from None
        zone = self.settings.site.timezone
        meta = read_meta(doc, zone)
        page_url = _absolute(urljoin(url, meta.url) if url else meta.url) or _absolute(url) or f"{self.settings.site.base_url}/{key.rsplit('.', 1)[0]}"
        h1 = _main_h1(doc, meta.titles)
        title = headline(meta, h1, urlsplit(page_url).hostname or "", doc)
        if not title:
            raise SourceError("no headline (no JSON-LD headline, og:title, <h1> or <title>); add one")
        body = extract_body(doc, page_url, title, self.rules)
        published = meta.published or _plausible(_written_date(doc, h1, zone)) or _plausible(_htmldate(doc, page_url, zone))
        updated = meta.modified if meta.modified and (published is None or meta.modified >= published) else None
        return SourceItem(
            source=self.source,
            key=key,
            section=section_of(meta, page_url, self.sections, self.settings),
            title=title,
            content_html=body.html,
            text=body.text,
            author=", ".join(meta.authors)[:200] or self.settings.site.name,
            published=published,
            updated=updated,
            slug=_slug(page_url) or slugify(title),
            url=page_url,
            image=web_url(meta.image, page_url),
            tags=meta.keywords,
            related_titles=body.related_titles,
            fingerprint=fingerprint,
        )


def headline(meta: PageMeta, h1: str, host: str = "", doc=None) -> str:
    """The headline as the page shows it: its <h1> when that is the article's (it matches what
    the metadata says, or sits in the article's place), else the metadata's; without the
    site's name around it. Metadata headlines are often a social-media variant of the <h1>."""
    names = [*meta.site_names, *_host_names(host)]
    stated = [strip_site_name(t, names, [h1, *meta.titles]) for t in meta.titles]
    placed = h1 in _article_h1s(doc) if doc is not None else False
    if h1 and _squash(h1) not in {_squash(n) for n in names} and (not stated or _overlap(h1, stated) >= 0.4 or placed and len(h1.split()) >= 4):
        return strip_site_name(h1, names, stated)
    if not stated:
        return h1
    title = stated[0]
    if h1 and title.endswith(("...", "…")) and h1.startswith(title.rstrip(".… ")):
        title = h1  # JSON-LD headlines are cut at 110 characters on some CMSs
    return title


def _overlap(h1: str, titles: list[str]) -> float:
    """The largest share of the <h1>'s words that one of `titles` also has."""
    words = set(_WORD.findall(h1.casefold()))
    if not words:
        return 0.0
    return max(len(words & set(_WORD.findall(t.casefold()))) / len(words) for t in titles)


def _host_names(host: str) -> list[str]:
    """What a site's name may look like after its host: antaranews.com -> "antaranews"."""
    labels = (host or "").lower().removeprefix("www.").split(".")
    return [labels[0]] if labels and labels[0] and labels[0] not in ("m", "amp", "news") else []


def strip_site_name(title: str, site_names, others) -> str:
    """`title` without a leading or trailing site name: one of `site_names`, or a part that
    another title of the page (the <h1>, og:title) leaves out."""
    names = {_squash(n) for n in site_names if n}
    bare = {clean_line(o) for o in others if o}
    for separator in _SEPARATORS:
        if separator not in title:
            continue
        head, _, tail = title.rpartition(separator)
        if head and (_squash(tail) in names or head in bare or _matches_site(tail, names)):
            return strip_site_name(head.strip(), site_names, others) if head.strip() else title
        first, _, rest = title.partition(separator)
        if rest and (_squash(first) in names or rest in bare):
            return rest.strip()
    return title


def _squash(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _matches_site(part: str, names: set[str]) -> bool:
    """"ANTARA News" against "antaranews.com", "Kompas.com" against "kompas"."""
    squashed = _squash(part)
    if not squashed or len(part) > 40:
        return False
    return any(n and (squashed == n or squashed.removesuffix("com") == n or n.startswith(squashed) and len(squashed) >= 4) for n in names)


def _slug(url: str) -> str:
    """The slug the site gave the article: its URL's last segment, unless that is only an id or
    an index page ("/news/123456", "/2024/10/14/index.html")."""
    last = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    slug = slugify(last)
    return "" if not slug or slug.replace("-", "").isdigit() or slug in ("index", "default", "amp", "read", "detail") else slug


def _absolute(url: str) -> str:
    url = (url or "").strip()
    return url if url.startswith(("https://", "http://")) and urlsplit(url).hostname else ""


def _article_h1s(doc) -> list[str]:
    """The <h1>s in the article's place: inside an <article>, or marked itemprop=headline."""
    return [clean_line(n.text_content()) for n in doc.xpath("//article//h1 | //h1[@itemprop='headline'] | //*[@itemprop='headline']//h1")[:20]]


def _main_h1(doc, titles: tuple[str, ...] = ()) -> str:
    """The article's <h1>: the one most like the metadata's headline, else the first inside an
    <article> or marked itemprop=headline, else the first. A logo or section name in an <h1>
    before the story is passed over when the metadata says otherwise."""
    found: list[str] = []
    for xpath in ("//article//h1", "//*[@itemprop='headline']", "//h1"):
        for node in doc.xpath(xpath)[:20]:
            text = clean_line(node.text_content())
            if text and len(text) <= 400 and text not in found:
                found.append(text)
    if not found:
        return ""
    if titles:
        best = max(found, key=lambda text: _overlap(text, list(titles)))
        if _overlap(best, list(titles)) >= 0.4:
            return best
    return found[0]


def _written_date(doc, h1: str, zone: str) -> datetime | None:
    """A date written out near the headline ("Senin, 14 Oktober 2024 08:30 WIB"): the page's own
    byline, read before any sidebar's."""
    heads = [n for n in doc.xpath("//h1") if clean_line(n.text_content()) == h1] if h1 else []
    if not heads:
        return None
    seen = 0
    for node in heads[0].itersiblings() if heads[0].getparent() is not None else ():
        if not isinstance(node.tag, str):
            continue  # a comment or processing instruction
        text = clean_line(node.text_content())
        moment = find_written_date(text[:300], zone)
        if moment is not None:
            return moment
        seen += 1
        if seen >= 6:
            break
    parent = heads[0].getparent()
    for _ in range(2):
        if parent is None:
            break
        text = clean_line(parent.text_content())[:600]
        moment = find_written_date(text, zone)
        if moment is not None:
            return moment
        parent = parent.getparent()
    return None


def _plausible(moment: datetime | None) -> datetime | None:
    return moment if moment is not None and FIRST_YEAR <= moment.year <= LAST_YEAR else None


def _htmldate(doc, url: str, zone: str) -> datetime | None:
    """htmldate's reading of the page (meta it knows, <time>, the URL's /2024/10/14/), day only."""
    from htmldate import find_date

    try:
        found = find_date(lxml.html.tostring(doc, encoding="unicode"), url=url or None, original_date=True, extensive_search=False)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, RecursionError, lxml.etree.LxmlError):
        return None
    return parse_moment(found, zone) if found else None
