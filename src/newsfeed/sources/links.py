"""Links of a live site: one address per article, what looks like an article, and the links
of a section listing page (its articles and its next page). Word lists: data/crawl.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html

from newsfeed.errors import SourceError
from newsfeed.text import clean_line

_WORD = re.compile(r"[^\W_]+")
_LONG_NUMBER = re.compile(r"\d{5,}")
_FURNITURE = "ancestor::nav or ancestor::header or ancestor::footer"


@cache
def words() -> dict:
    return tomllib.loads(files("newsfeed").joinpath("data/crawl.toml").read_text(encoding="utf-8"))


def canonical(url: str, base: str = "") -> str:
    """`url` (relative to `base`) as one address per page: absolute, no fragment, lower-case
    scheme and host, no default port, no tracking parameters; "" for anything not http(s)."""
    try:
        parts = urlsplit(urljoin(base, url.strip()) if base else url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:  # a malformed port or IPv6 literal
        return ""
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        return ""
    netloc = f"[{host}]" if ":" in host else host
    if port and not (scheme == "http" and port == 80 or scheme == "https" and port == 443):
        netloc += f":{port}"
    tracking = set(words()["tracking_parameters"])
    query = parts.query
    if query and any(name.lower() in tracking for name, _ in parse_qsl(query, keep_blank_values=True)):
        query = urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k.lower() not in tracking])
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def looks_like_article(url: str, pattern: re.Pattern | None = None) -> bool:
    """Whether a link of a listing page leads to an article. With the source's
    `article_pattern`, that decides (searched in the path and query). Otherwise: a path whose
    last segment is a slug of three or more words, or that carries a long number (an article
    id) beside a word; never a tag, author, search, feed or file address."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    if pattern is not None:
        return pattern.search(target) is not None
    path = unquote(parts.path).lower()
    if path.endswith(tuple(words()["not_article_suffixes"])):
        return False
    segments = [s for s in path.split("/") if s]
    if not segments or any(s in _skipped_segments() for s in segments):
        return False
    last = segments[-1].rsplit(".", 1)[0] if segments[-1].endswith((".html", ".htm", ".php", ".aspx")) else segments[-1]
    slug_words = [w for w in _WORD.findall(last) if not w.isdigit()]
    if len(slug_words) >= 3:
        return True
    return bool(_LONG_NUMBER.search(path)) and any(_WORD.search(s) and not s.isdigit() for s in segments)


@cache
def _skipped_segments() -> frozenset[str]:
    return frozenset(words()["not_article_segments"])


@dataclass(frozen=True, slots=True)
class Listing:
    links: tuple[str, ...]  # every link outside the page's navigation, canonical, in page order
    next: str  # the next page of the listing, "" on the last


def read_listing(raw: bytes, url: str) -> Listing:
    """The links of a listing page and its next page; raises SourceError when it is not HTML."""
    if not raw.strip():
        raise SourceError(f"{url}: empty answer where a listing page was expected")
    try:
        doc = lxml.html.document_fromstring(raw)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise SourceError(f"{url}: not an HTML listing page ({clean_line(str(exc))[:100]})") from None
    base = url
    for href in doc.xpath("//base/@href")[:1]:
        base = urljoin(url, href.strip())
    links: list[str] = []
    seen: set[str] = set()
    for node in doc.xpath(f"//a[@href][not({_FURNITURE})]"):
        link = canonical(node.get("href", ""), base)
        if link and link not in seen:
            seen.add(link)
            links.append(link)
    return Listing(tuple(links), _next_page(doc, base, url))


def _next_page(doc, base: str, url: str) -> str:
    here = canonical(url)
    candidates = doc.xpath("//link[@rel][@href] | //a[@rel][@href]")
    for node in candidates:
        if "next" in node.get("rel", "").lower().split():
            found = canonical(node.get("href", ""), base)
            if found and found != here:
                return found
    texts = {t.casefold() for t in words()["next_texts"]}
    classes = words()["next_classes"]
    for node in doc.xpath("//a[@href]"):
        text = clean_line(node.text_content()).casefold()
        label = (node.get("aria-label") or node.get("title") or "").strip().casefold()
        klass = (node.get("class") or "").lower()
        if text in texts or label in texts or any(c in klass.split() for c in classes):
            found = canonical(node.get("href", ""), base)
            if found and found != here:
                return found
    return ""
