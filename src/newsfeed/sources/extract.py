"""The article body of a page: the site's own rules where configured, else main-content extraction.

Extraction is trafilatura's (Apache-2.0; the best open-source extractor on the public
article-extraction benchmark), in its precision mode: on the project's benchmark pages it
keeps the article text as well as the default mode and leaves out more furniture
(bench/bench_extract.py prints both). Around it, what a news page needs and a generic
extractor does not do: "Baca juga"/"Artikel Terkait" link blocks become related links
before extraction, and lines of furniture (data/html.toml) are dropped after it.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from newsfeed.errors import SourceError
from newsfeed.sanitize import sanitize_html
from newsfeed.sources.dates import lexicon
from newsfeed.text import clean_line

_CHROME = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "template", "button", "svg", "select", "input", "textarea")
_BLOCKS = frozenset(
    "p h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote pre figcaption figure table thead tbody tr td th caption div section article main header footer aside hr".split()
)
_HEADING_TAGS = ("h2", "h3", "h4", "h5", "h6", "p", "div", "span", "strong", "b", "header", "section", "em", "table", "td", "aside")
_PREFIX_TAGS = ("p", "div", "li", "span", "strong", "b", "em", "h3", "h4", "h5", "h6", "table", "td", "section", "aside")
_OUTSIDE = "ancestor::nav or ancestor::footer or ancestor::header[not(ancestor::article)]"


@dataclass(frozen=True, slots=True)
class SiteRules:
    """A site's own extraction rules, from its source's config."""

    body_selector: str = ""  # CSS: the element holding the article body
    drop_selectors: tuple[str, ...] = ()  # CSS: blocks removed before anything is read


@dataclass(frozen=True, slots=True)
class Body:
    html: str  # sanitised, absolute URLs
    text: str  # paragraphs separated by a blank line
    related_titles: tuple[str, ...]


def extract_body(doc, url: str, headline: str = "", rules: SiteRules = SiteRules()) -> Body:
    """The body of the page parsed as `doc` (left untouched); raises SourceError when it has none."""
    page, related = _prepared(doc, url, rules)
    chosen = _select(page, rules.body_selector) if rules.body_selector else []
    if chosen:
        safe, text, more = _finished(_own_html(max(chosen, key=lambda n: len(n.text_content()))), headline, url)
    else:
        safe, text, more = _finished(_extracted(page, url), headline, url)
        if not text:  # nothing, or only the headline: the page's own article element
            safe, text, more = _finished(_structural(_prepared(doc, url, rules)[0]), headline, url)  # trafilatura pruned `page`
    if not text:
        raise SourceError("no article body (no text besides the headline); set body_selector for this source if the page has one")
    related += more
    return Body(html=safe, text=text, related_titles=tuple(dict.fromkeys(t for t in related if t.casefold() != headline.casefold())))


def _finished(html: str, headline: str, url: str) -> tuple[str, str, list[str]]:
    """Sanitised body HTML, its text ("" when it holds nothing but the headline) and the related
    headlines found in it."""
    if not html:
        return "", "", []
    tree = lxml.html.fragment_fromstring(html, create_parent="div")
    related = _tidy(tree, headline, url)
    safe = sanitize_html(lxml.html.tostring(tree, encoding="unicode"), url)
    text = "\n\n".join(paragraphs(lxml.html.fragment_fromstring(safe, create_parent="div"))) if safe.strip() else ""
    if not text.strip() or text.casefold() == headline.casefold():
        return "", "", []
    return safe, text, related


def _prepared(doc, url: str, rules: SiteRules):
    """A copy of the page without the site's dropped blocks, related-link blocks and comments,
    and the related headlines."""
    page = copy.deepcopy(doc)
    for selector in rules.drop_selectors:
        for node in _select(page, selector):
            _drop(node)
    related = _take_related(page, url)
    _drop_comments(page)
    return page, related


def paragraphs(tree) -> list[str]:
    """The text of each block, in order; nested blocks are not counted twice."""
    out: list[str] = []
    buffer: list[str] = []

    def flush():
        line = clean_line("".join(buffer))
        buffer.clear()
        if line:
            out.append(line)

    def walk(node):
        block = isinstance(node.tag, str) and node.tag in _BLOCKS
        if block:
            flush()
        if node.tag == "br":
            buffer.append(" ")
        if isinstance(node.tag, str) and node.text:
            buffer.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                buffer.append(child.tail)
        if block:
            flush()

    walk(tree)
    flush()
    return out


def _select(doc, selector: str) -> list:
    from lxml.cssselect import CSSSelector

    try:
        return CSSSelector(selector)(doc)
    except Exception:  # cssselect's own error types; config.py checked the syntax already
        return []


def _drop(node) -> None:
    if node.getparent() is not None:
        node.drop_tree()


def _extracted(doc, url: str) -> str:
    import trafilatura

    try:
        result = trafilatura.extract(
            doc,  # pruned in place
            url=url or None,
            output_format="html",
            favor_precision=True,
            include_comments=False,
            include_tables=True,
            include_images=False,  # with images, trafilatura keeps their captions as text
            include_links=True,
            deduplicate=False,
            with_metadata=False,
        )
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, RecursionError, lxml.etree.LxmlError):
        return ""  # trafilatura fails on some degenerate trees; the structural reading still may not
    if not result:
        return ""
    tree = lxml.html.fromstring(result)
    body = tree.find("body") if tree.tag == "html" else tree
    body = tree if body is None else body
    box = lxml.html.Element("div")
    box.text = body.text  # text before the first element is the body's too
    box.extend(list(body))
    return lxml.html.tostring(box, encoding="unicode") if clean_line(box.text_content()) else ""


def _structural(doc) -> str:
    """The article element with the most paragraph text (not the first: the first <article> may be
    a comment or a teaser), else [itemprop=articleBody], <main> or <body>."""
    candidates = doc.xpath("//*[@itemprop='articleBody']") or doc.xpath("//article") or doc.xpath("//main") or doc.xpath("//body")
    if not candidates:
        return ""
    node = max(candidates, key=_paragraph_chars)
    return _own_html(node)


def _paragraph_chars(node) -> int:
    return sum(len(p.text_content()) for p in node.iter("p")) or len(node.text_content()) // 4


def _own_html(node) -> str:
    node = copy.deepcopy(node)
    for junk in list(node.iter(*_CHROME)):
        _drop(junk)
    for comment in node.xpath(".//comment()"):
        _drop(comment)
    return lxml.html.tostring(node, encoding="unicode")


@cache
def _patterns():
    lex = lexicon()
    boilerplate = re.compile("|".join(f"(?:{p})" for p in lex["boilerplate"]), re.IGNORECASE)
    headings = frozenset(lex["related_headings"])
    prefixes = tuple(lex["related_prefixes"])
    return boilerplate, headings, prefixes


def _key(text: str) -> str:
    return clean_line(text).casefold().strip(" :-–—»›>|•*")


_COMMENTS = re.compile(r"(?:^|[-_\s])(?:comments?|komentar|disqus|respond)(?:$|[-_\s])", re.IGNORECASE)


def _drop_comments(doc) -> None:
    """Readers' comments (a comment <article> may come before the story): elements whose class
    or id says so, unless they hold the page's <h1> (a page wrapper named "has-comments")."""
    for node in doc.xpath("//*[@class or @id]"):
        marks = f"{node.get('class') or ''} {node.get('id') or ''}"
        if _COMMENTS.search(marks) and node.tag not in ("body", "html") and not node.xpath(".//h1"):
            _drop(node)


def _take_related(doc, url: str) -> list[str]:
    """Headlines linked from the page's related-article blocks; the blocks leave the tree."""
    _boilerplate, headings, prefixes = _patterns()
    found: list[str] = []
    remove: list = []
    sizes = _text_sizes(doc)
    for node in doc.iter(*_HEADING_TAGS):
        if sizes.get(node, 0) > _MAX_BLOCK_CHARS or any(node is r or r in node.iterancestors() for r in remove):
            continue
        text = clean_line(node.text_content())
        if not text or len(text) > 300:
            continue
        if _key(text) in headings and not node.xpath(_OUTSIDE):
            block = _heading_block(node)
            if block is not None:
                found += _link_titles(block, url)
                remove.append(block)
                if block is not node and block.getparent() is node.getparent() and block is node.getnext():
                    remove.append(node)
            continue
        if node.tag in _PREFIX_TAGS and _key(text).startswith(prefixes) and _mostly_links(node, text):
            found += _link_titles(node, url)
            remove.append(node)
    for node in remove:
        _drop(node)
    return found


_MAX_BLOCK_CHARS = 3000  # raw characters: a related block is short, however much whitespace it holds


def _text_sizes(doc) -> dict:
    """Characters of text under each element, in one pass (text_content() on every element of a
    page would be quadratic)."""
    sizes: dict = {}
    for node in reversed(list(doc.iter())):
        size = len(node.text or "") if isinstance(node.tag, str) else 0
        for child in node:
            size += sizes.get(child, 0) + len(child.tail or "")
        sizes[node] = size
    return sizes


def _heading_block(heading):
    """The links a related heading stands over: its container when it holds little besides the
    heading and links, else the element after it."""
    own = len(clean_line(heading.text_content()))
    node = heading
    for _ in range(3):
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html", "article", "main"):
            break
        links = [a for a in parent.iter("a") if clean_line(a.text_content())]
        if links:
            rest = len(clean_line(parent.text_content())) - sum(len(clean_line(a.text_content())) for a in links) - own
            return parent if rest <= 40 + 10 * len(links) else None
        node = parent
    following = heading.getnext()
    while following is not None and not isinstance(following.tag, str):
        following = following.getnext()
    if following is not None and any(clean_line(a.text_content()) for a in following.iter("a")):
        return following
    return None


def _mostly_links(node, text: str) -> bool:
    link_text = sum(len(clean_line(a.text_content())) for a in node.iter("a"))
    return link_text > 0 and len(text) <= 400 and link_text >= 0.4 * len(text)


def _link_titles(block, url: str) -> list[str]:
    _boilerplate, headings, prefixes = _patterns()
    titles = []
    for anchor in block.iter("a"):
        title = clean_line(anchor.text_content())
        href = urljoin(url or "", (anchor.get("href") or "").strip())
        if _key(title) in headings or _key(title).startswith(prefixes):
            continue  # the block's own "Baca juga" / "Read more" link
        if len(title.split()) >= 2 and len(title) <= 300 and _same_site(href, url):
            titles.append(title)
    return titles


def _same_site(href: str, url: str) -> bool:
    host = urlsplit(href).hostname or ""
    if not href.startswith(("http://", "https://")):
        return False
    page = urlsplit(url or "").hostname or ""
    return not page or _domain(host) == _domain(page)


def _domain(host: str) -> str:
    labels = host.lower().removeprefix("www.").split(".")
    size = 3 if len(labels) >= 3 and labels[-2] in ("co", "com", "or", "ac", "go", "net", "web", "my", "org", "sch", "gov") else 2
    return ".".join(labels[-size:])


def _tidy(tree, headline: str, url: str) -> list[str]:
    """Drop the headline, furniture lines and inline related links that extraction kept."""
    boilerplate, headings, prefixes = _patterns()
    related: list[str] = []
    title = headline.casefold()
    for node in list(tree.iter("h1")):
        _drop(node)
    for node in list(tree.iter("p", "div", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "figcaption", "span", "strong", "b")):
        if node.getparent() is None or not _alive(node, tree):
            continue
        text = clean_line(node.text_content())
        key = _key(text)
        if not text:
            continue
        if key == title or boilerplate.search(text) or key in headings:
            _drop(node)
        elif key.startswith(prefixes) and _mostly_links(node, text):
            related += _link_titles(node, url)
            _drop(node)
    return related


def _alive(node, tree) -> bool:
    for ancestor in node.iterancestors():
        if ancestor is tree:
            return True
    return False
