"""The W3C Feed Validation Service's rules, as checks over real feed bytes (test helper).

Each problem is reported under the name of the validator's message class (MediaGroupWithoutAlternatives,
MissingOutlineType, ...), so a failing test says which warning or error the W3C engine would
give. Read from the engine's own rule code (github.com/w3c/feedvalidator, src/feedvalidator:
item.py, channel.py, image.py, link.py, media.py, opml.py, validators.py, base.py) and the
JSON Feed 1.1 spec; only the rules that can apply to what newsfeed writes are encoded, and
none is relaxed. Errors and warnings alike count: the goal is 0 of both.
"""

from __future__ import annotations

import json
import re
import time
from datetime import date
from email.utils import parsedate_tz, mktime_tz

import html5lib
from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
MEDIA = "http://search.yahoo.com/mrss/"
XML_NS = "http://www.w3.org/XML/1998/namespace"
WEBFEEDS = "http://webfeeds.org/rss/1.0"

# base.py `namespaces`: any other namespace declaration draws UnknownNamespace (a warning).
# The ones a news feed may use; the engine knows many more, none of which newsfeed writes.
KNOWN_NAMESPACES = {
    ATOM, CONTENT, DC, MEDIA, XML_NS,
    "http://purl.org/dc/terms/", "http://purl.org/rss/1.0/modules/syndication/",
    "http://purl.org/rss/1.0/modules/slash/", "http://www.georss.org/georss",
    "http://www.itunes.com/dtds/podcast-1.0.dtd", "http://www.opml.org/spec2",
}

# validators.py: rfc2396_full, rfc2822_re, mime_re, httpURL, tag_re; image.py; link.py
URI_FULL = re.compile(r"[a-zA-Z][0-9a-zA-Z+\-.]*:(//)?[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,#]+$")
RFC2822 = re.compile(
    r"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d\d? (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d\d\d "
    r"\d\d:\d\d(:\d\d)? (([+-]?\d\d[03]0)|UT|GMT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|Z)$"
)
RFC3339 = re.compile(r"^\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*)?(Z|([+-]\d\d:\d\d))$")
MIME = re.compile(r'[^\s()<>,;:\\"/[\]?=]+/[^\s()<>,;:\\"/[\]?=]+(\s*;\s*[^\s()<>,;:\\"/[\]?=]+=("(\\"|[^"])*"|[^\s()<>,;:\\"/[\]?=]+))*$')
HTTP_URL = re.compile(r"(http|https)://(([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|(([A-Z0-9\-]+\.)+))([A-Z0-9][-A-Z0-9]*)(?::\d+)?(/|$)", re.I)
TAG_URI = re.compile(r"^tag:([a-z0-9\-._]+?@)?[a-z0-9.\-]+?,\d{4}(-\d{2}(-\d{2})?)?:[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,]*(#[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,]*)?$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
HTML_END_TAG = re.compile(r"</(\w+)>")
MEDIUMS = {"image", "audio", "video", "document", "executable"}
ATOM_RELS = {
    "alternate", "current", "describedby", "edit", "edit-media", "enclosure", "first", "hub", "last", "license",
    "next", "next-archive", "payment", "prev-archive", "previous", "related", "replies", "search", "self",
    "service", "up", "via",
}
# validators.py HTMLValidator: tags it knows, and those it accepts (others: SecurityRisk).
ACCEPTABLE_ELEMENTS = {
    "a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "bdi", "big", "blockquote", "br",
    "button", "canvas", "caption", "center", "cite", "code", "col", "colgroup", "command", "data", "datagrid",
    "datalist", "dd", "del", "details", "dfn", "dialog", "dir", "div", "dl", "dt", "em", "eventsource", "fieldset",
    "figcaption", "figure", "footer", "font", "form", "header", "h1", "h2", "h3", "h4", "h5", "h6", "hgroup", "hr",
    "i", "img", "input", "ins", "keygen", "kbd", "label", "legend", "li", "m", "main", "map", "mark", "menu",
    "meter", "multicol", "nav", "nextid", "ol", "output", "optgroup", "option", "p", "picture", "pre", "progress",
    "q", "rp", "rt", "ruby", "s", "samp", "section", "select", "small", "sound", "source", "spacer", "span",
    "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td", "template", "textarea", "time", "tfoot",
    "th", "thead", "tr", "track", "tt", "u", "ul", "var", "video", "noscript", "wbr",
}
# The attributes newsfeed's sanitiser can leave, all on the engine's acceptable list; any
# other (an event handler, style) is reported so a looser sanitiser shows up here.
ACCEPTABLE_ATTRIBUTES = {"href", "title", "src", "alt", "width", "height", "colspan", "rowspan", "cite", "rel"}
IMAGE_EXTENSIONS = {"jpg", "jpeg", "gif", "png"}


def parse_xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


# shared checks -------------------------------------------------------------------------


def namespace_problems(root: etree._Element) -> list[str]:
    used = set()
    for node in root.iter():
        used.update(node.nsmap.values())
    return [f"UnknownNamespace: {ns}" for ns in sorted(used - KNOWN_NAMESPACES - {None})]


def uri_problems(where: str, value: str | None, http: bool = False) -> list[str]:
    if value is None:
        return [f"MissingAttribute: {where}"]
    if value.startswith("tag:"):
        return [] if TAG_URI.match(value) else [f"InvalidTAG: {where} {value!r}"]
    if not URI_FULL.match(value):
        return [f"InvalidFullLink: {where} {value!r}"]
    if http and not HTTP_URL.match(value):
        return [f"InvalidURLAttribute: {where} {value!r}"]
    return []


def rfc822_problems(where: str, value: str | None, now: float | None = None) -> list[str]:
    if not value or not RFC2822.match(value):
        return [f"InvalidRFC2822Date: {where} {value!r}"]
    parsed = parsedate_tz(value)
    if value[3:4] == "," and date(*parsed[:3]).strftime("%a") != value[:3]:
        return [f"IncorrectDOW: {where} {value!r}"]
    if parsed[0] < 1990 or mktime_tz(parsed) > (now or time.time()) + 600:
        return [f"ImplausibleDate: {where} {value!r}"]
    return []


def rfc3339_problems(where: str, value: str | None) -> list[str]:
    if not value or not RFC3339.match(value):
        return [f"InvalidRFC3339Date: {where} {value!r}"]
    if value < "1990-01-01":
        return [f"ImplausibleDate: {where} {value!r}"]
    return []


_HTML = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)


def html_problems(where: str, value: str) -> list[str]:
    """safeHtml: html5lib in strict mode (NotHtml), the allow-lists, relative references."""
    try:
        tree = _HTML.parseFragment(value)
    except html5lib.html5parser.ParseError as exc:
        return [f"NotHtml: {where}: {exc} in {value[:80]!r}"]
    problems = []
    for node in tree.iter():
        if not isinstance(node.tag, str) or node.tag == "DOCUMENT_FRAGMENT":
            continue
        if node.tag.lower() not in ACCEPTABLE_ELEMENTS:
            problems.append(f"SecurityRisk: {where} <{node.tag}>")
        for name, attr in node.attrib.items():
            if name.lower() not in ACCEPTABLE_ATTRIBUTES:
                problems.append(f"SecurityRiskAttr: {where} <{node.tag} {name}>")
            if (node.tag, name) in (("a", "href"), ("img", "src")) and not re.match(r"\w+:", attr.strip()):
                problems.append(f"ContainsRelRef: {where} {attr!r}")
    return problems


def nonhtml_problems(where: str, value: str, rss: bool) -> list[str]:
    """nonhtml: titles and plain-text fields must not look like HTML (ContainsHTML,
    and in RSS 2.0 the RSS Profile's CharacterData for '&#x', '&#0' or '<a' outside CDATA)."""
    tags = [t for t in HTML_END_TAG.findall(value or "") if t.lower() in ACCEPTABLE_ELEMENTS | {"script", "iframe", "html", "body"}]
    if tags:
        return [f"ContainsHTML: {where} </{tags[0]}>"]
    if rss and re.search(r"&#[x0-9]|<[/a-zA-Z]", value or ""):
        return [f"CharacterData: {where} {value[:60]!r}"]
    return []


def _children(node: etree._Element, ns: str | None, name: str) -> list[etree._Element]:
    tag = f"{{{ns}}}{name}" if ns else name
    return [child for child in node if child.tag == tag]


def _once(problems: list[str], node: etree._Element, ns: str | None, name: str, where: str) -> etree._Element | None:
    found = _children(node, ns, name)
    if not found:
        problems.append(f"MissingElement: {where} <{name}>")
        return None
    if len(found) > 1:
        problems.append(f"DuplicateElement: {where} <{name}>")
    return found[0]


def _positive(where: str, value: str | None, limit: int = 0, error: str = "InvalidPositiveInteger") -> list[str]:
    if value is None:
        return []
    if not value.isdigit() or int(value) <= 0 or (limit and int(value) > limit):
        return [f"{error}: {where} {value!r}"]
    return []


# RSS 2.0 ------------------------------------------------------------------------------


def rss_problems(data: bytes, now: float | None = None) -> list[str]:
    root = parse_xml(data)
    problems = namespace_problems(root)
    if root.tag != "rss" or root.get("version") != "2.0":
        return problems + ["InvalidRSSVersion"]
    channel = _once(problems, root, None, "channel", "rss")
    if channel is None:
        return problems
    title = _once(problems, channel, None, "title", "channel")
    link = _once(problems, channel, None, "link", "channel")
    description = _once(problems, channel, None, "description", "channel")
    if description is not None:
        problems += nonhtml_problems("channel/description", description.text or "", rss=True)
    if title is not None:
        problems += nonhtml_problems("channel/title", title.text or "", rss=True)
    if link is not None:
        problems += uri_problems("channel/link", link.text)
    language = _children(channel, None, "language")
    if not language:
        problems.append("MissingDCLanguage: channel")
    elif not LANGUAGE.match(language[0].text or ""):
        problems.append(f"InvalidLanguage: {language[0].text!r}")
    selfs = [n for n in _children(channel, ATOM, "link") if n.get("rel") == "self"]
    if not selfs:
        problems.append("MissingAtomSelfLink: channel")
    for node in _children(channel, ATOM, "link"):
        problems += _atom_link_problems("channel/atom:link", node)
    for name in ("lastBuildDate", "pubDate"):
        for node in _children(channel, None, name):
            problems += rfc822_problems(f"channel/{name}", node.text, now)
    images = _children(channel, None, "image")
    if len(images) > 1:
        problems.append("DuplicateElement: channel <image>")
    for image in images:
        problems += _rss_image_problems(image, title, link)
    seen_item = False
    guids: set[str] = set()
    for child in channel:
        if child.tag == "item":
            seen_item = True
            problems += _rss_item_problems(child, guids, now)
        elif seen_item and isinstance(child.tag, str) and not child.tag.startswith("{"):
            problems.append(f"MisplacedItem: <{child.tag}> after an item")
    return problems


def _rss_image_problems(image: etree._Element, title: etree._Element | None, link: etree._Element | None) -> list[str]:
    problems = []
    url = _once(problems, image, None, "url", "image")
    image_title = _once(problems, image, None, "title", "image")
    image_link = _once(problems, image, None, "link", "image")
    if url is not None:
        problems += uri_problems("image/url", url.text)
        ext = (url.text or "").split(".")[-1].lower()
        if re.match(r"^\w+$", ext) and ext not in IMAGE_EXTENSIONS:
            problems.append(f"ImageUrlFormat: {url.text!r}")
    if image_title is not None and title is not None and image_title.text != title.text:
        problems.append(f"ImageTitleDoesntMatch: {image_title.text!r} != {title.text!r}")
    if image_link is not None and link is not None and image_link.text != link.text:
        problems.append(f"ImageLinkDoesntMatch: {image_link.text!r} != {link.text!r}")
    for name, limit, error in (("width", 144, "InvalidWidth"), ("height", 400, "InvalidHeight")):
        for node in _children(image, None, name):
            problems += _positive(f"image/{name}", node.text, limit, error)
    return problems


def _rss_item_problems(item: etree._Element, guids: set[str], now: float | None) -> list[str]:
    problems: list[str] = []
    titles, descriptions = _children(item, None, "title"), _children(item, None, "description")
    where = f"item {titles[0].text[:40]!r}" if titles and titles[0].text else "item"
    if not titles and not descriptions:
        problems.append(f"ItemMustContainTitleOrDescription: {where}")
    for name in ("title", "link", "description", "pubDate", "guid", "author", "comments", "source"):
        if len(_children(item, None, name)) > 1:
            problems.append(f"DuplicateElement: {where} <{name}>")
    for node in titles:
        problems += nonhtml_problems(f"{where} title", node.text or "", rss=True)
        if not (node.text or "").strip():
            problems.append(f"NotBlank: {where} title")
    for node in _children(item, None, "link"):
        problems += uri_problems(f"{where} link", node.text)
    for node in descriptions:
        problems += html_problems(f"{where} description", node.text or "")
    tags = [child.tag for child in item]
    encoded = f"{{{CONTENT}}}encoded"
    if encoded in tags:
        if "description" not in tags[: tags.index(encoded)]:
            problems.append(f"NeedDescriptionBeforeContent: {where}")
        for node in _children(item, CONTENT, "encoded"):
            problems += html_problems(f"{where} content:encoded", node.text or "")
    guid = _children(item, None, "guid")
    if not guid:
        problems.append(f"MissingGuid: {where}")
    for node in guid:
        value = node.text or ""
        permalink = node.get("isPermaLink", "true")
        if permalink not in ("true", "false"):
            problems.append(f"InvalidBooleanAttribute: {where} isPermaLink")
        if permalink == "true":
            if not URI_FULL.match(value) and not re.match(r"^https?://", value):
                problems.append(f"InvalidHttpGUID: {where} {value!r}")
            if value.lower().startswith(("tag:", "urn:uuid:")):
                problems.append(f"InvalidPermalink: {where} {value!r}")
        elif len(value) < 9 and value.isdigit():
            problems.append(f"NotSufficientlyUnique: {where} {value!r}")
        if value in guids:
            problems.append(f"DuplicateValue: guid {value!r}")
        guids.add(value)
    if _children(item, None, "author") and _children(item, DC, "creator"):
        problems.append(f"DuplicateItemSemantics: {where} author and dc:creator")
    for node in _children(item, None, "pubDate"):
        problems += rfc822_problems(f"{where} pubDate", node.text, now)
    enclosures = _children(item, None, "enclosure")
    if len(enclosures) > 1:
        problems.append(f"DuplicateEnclosure: {where}")
    for node in enclosures:
        problems += _enclosure_problems(where, node)
    for group in _children(item, MEDIA, "group"):
        if len(_children(group, MEDIA, "content")) < 2:
            problems.append(f"MediaGroupWithoutAlternatives: {where}")
        for node in _children(group, MEDIA, "content"):
            problems += _media_content_problems(where, node)
    for node in _children(item, MEDIA, "content"):
        problems += _media_content_problems(where, node)
    for node in item.iter(f"{{{MEDIA}}}thumbnail"):
        problems += uri_problems(f"{where} media:thumbnail url", node.get("url"))
        for name in ("width", "height"):
            problems += _positive(f"{where} media:thumbnail {name}", node.get(name))
    return problems


def _enclosure_problems(where: str, node: etree._Element) -> list[str]:
    problems = uri_problems(f"{where} enclosure url", node.get("url"), http=True)
    length = node.get("length")
    if length is None:
        problems.append(f"MissingAttribute: {where} enclosure length")
    elif length == "-1":
        problems.append(f"UseZeroForUnknown: {where} enclosure length")
    elif not length.isdigit():
        problems.append(f"InvalidIntegerAttribute: {where} enclosure length {length!r}")
    kind = node.get("type")
    if kind is None:
        problems.append(f"MissingAttribute: {where} enclosure type")
    elif not MIME.match(kind):
        problems.append(f"InvalidMIMEAttribute: {where} enclosure type {kind!r}")
    return problems


def _media_content_problems(where: str, node: etree._Element) -> list[str]:
    problems = uri_problems(f"{where} media:content url", node.get("url"))
    if node.get("medium") is not None and node.get("medium") not in MEDIUMS:
        problems.append(f"InvalidMediaMedium: {where} {node.get('medium')!r}")
    if node.get("type") is not None and not MIME.match(node.get("type")):
        problems.append(f"InvalidMIMEAttribute: {where} media:content type")
    for name in ("fileSize", "width", "height"):
        problems += _positive(f"{where} media:content {name}", node.get(name))
    return problems


def _atom_link_problems(where: str, node: etree._Element) -> list[str]:
    problems = []
    rel = node.get("rel", "alternate")
    if rel not in ATOM_RELS and not URI_FULL.match(rel):
        problems.append(f"UnregisteredAtomLinkRel: {where} {rel!r}")
    kind = node.get("type")
    if kind is not None:
        if not MIME.match(kind):
            problems.append(f"InvalidMIMEType: {where} {kind!r}")
        elif rel == "self" and kind.split(";")[0] not in ("application/atom+xml", "application/rss+xml", "application/rdf+xml"):
            problems.append(f"SelfNotAtom: {where} {kind!r}")
    if node.get("length") is not None and not node.get("length").isdigit():
        problems.append(f"InvalidNonNegativeInteger: {where} length")
    if node.get("title") is not None:
        problems += nonhtml_problems(f"{where} title", node.get("title"), rss=False)
    href = node.get("href")
    if href is None:
        problems.append(f"MissingHref: {where}")
    elif rel == "self" and not re.match(r"^[a-z][a-z0-9+.\-]*://[^/]", href):
        problems.append(f"RelativeSelf: {where} {href!r}")
    else:
        problems += uri_problems(f"{where} href", href)
    if (node.text or "").strip():
        problems.append(f"AtomLinkNotEmpty: {where}")
    return problems


# Atom 1.0 -----------------------------------------------------------------------------


def atom_problems(data: bytes) -> list[str]:
    root = parse_xml(data)
    problems = namespace_problems(root)
    if root.tag != f"{{{ATOM}}}feed":
        return problems + ["UndefinedElement: root is not atom:feed"]
    lang = root.get(f"{{{XML_NS}}}lang")
    if lang is not None and not LANGUAGE.match(lang):
        problems.append(f"InvalidLanguage: xml:lang {lang!r}")
    for name in ("id", "title", "updated"):
        _once(problems, root, ATOM, name, "feed")
    for name in ("icon", "logo", "generator", "subtitle", "rights"):
        if len(_children(root, ATOM, name)) > 1:
            problems.append(f"DuplicateElement: feed <{name}>")
    for name in ("icon", "logo"):
        for node in _children(root, ATOM, name):
            problems += uri_problems(f"feed/{name}", (node.text or "").strip() or None)
    for node in _children(root, ATOM, "id"):
        problems += uri_problems("feed/id", node.text)
    for node in _children(root, ATOM, "updated"):
        problems += rfc3339_problems("feed/updated", node.text)
    for node in _children(root, ATOM, "generator"):
        if node.get("uri") is not None:
            problems += uri_problems("feed/generator uri", node.get("uri"))
    links = _children(root, ATOM, "link")
    if not any(n.get("rel") == "self" for n in links):
        problems.append("MissingSelf: feed")
    problems += _duplicate_links("feed", links, alternates_only=False)
    for node in links:
        problems += _atom_link_problems("feed/link", node)
    for node in _children(root, ATOM, "title"):
        problems += _text_construct_problems("feed/title", node)
    feed_author = bool(_children(root, ATOM, "author"))
    ids: set[str] = set()
    updated: set[str] = set()
    seen_entry = False
    for child in root:
        if child.tag == f"{{{ATOM}}}entry":
            seen_entry = True
            problems += _atom_entry_problems(child, feed_author, ids, updated)
        elif seen_entry and isinstance(child.tag, str):
            problems.append(f"MisplacedMetadata: {child.tag} after an entry")
    return problems


def _text_construct_problems(where: str, node: etree._Element) -> list[str]:
    kind = node.get("type", "text")
    if kind == "html":
        return html_problems(where, node.text or "")
    if kind == "text":
        if len(node):
            return [f"UndefinedElement: child element in {where}"]
        return [p.replace("ContainsHTML", "ContainsUndeclaredHTML") for p in nonhtml_problems(where, node.text or "", rss=False)]
    if kind == "xhtml":
        return []
    return [f"InvalidTextType: {where} {kind!r}"]


def _duplicate_links(where: str, links: list[etree._Element], alternates_only: bool) -> list[str]:
    seen: set[tuple] = set()
    problems = []
    for node in links:
        rel = node.get("rel", "alternate")
        if alternates_only and rel != "alternate":
            continue
        key = (rel, node.get("type"), node.get("hreflang"))
        if key in seen:
            problems.append(f"DuplicateAtomLink: {where} rel={rel!r} type={node.get('type')!r}")
        seen.add(key)
    return problems


def _atom_entry_problems(entry: etree._Element, feed_author: bool, ids: set[str], updated: set[str]) -> list[str]:
    problems: list[str] = []
    titles = _children(entry, ATOM, "title")
    where = f"entry {titles[0].text[:40]!r}" if titles and titles[0].text else "entry"
    for name in ("id", "title", "updated"):
        _once(problems, entry, ATOM, name, where)
    for name in ("published", "summary", "content", "rights", "source"):
        if len(_children(entry, ATOM, name)) > 1:
            problems.append(f"DuplicateElement: {where} <{name}>")
    if not feed_author and not _children(entry, ATOM, "author"):
        problems.append(f"MissingElement: {where} <author>")
    for node in _children(entry, ATOM, "author"):
        if not _children(node, ATOM, "name"):
            problems.append(f"MissingElement: {where} author <name>")
    for node in _children(entry, ATOM, "id"):
        problems += uri_problems(f"{where} id", node.text)
        if node.text in ids:
            problems.append(f"DuplicateEntries: {node.text!r}")
        ids.add(node.text)
    for name in ("updated", "published"):
        for node in _children(entry, ATOM, name):
            problems += rfc3339_problems(f"{where} {name}", node.text)
    for node in _children(entry, ATOM, "updated"):
        if node.text in updated:
            problems.append(f"DuplicateUpdated: {node.text!r}")
        updated.add(node.text)
    links = _children(entry, ATOM, "link")
    for node in links:
        problems += _atom_link_problems(f"{where} link", node)
        if node.get("rel") in ("current", "first", "last", "next", "next-archive", "prev-archive", "previous"):
            problems.append(f"FeedHistoryRelInEntry: {where}")
    problems += _duplicate_links(where, links, alternates_only=True)
    content = _children(entry, ATOM, "content")
    if not content:
        if not _children(entry, ATOM, "summary"):
            problems.append(f"MissingTextualContent: {where}")
        if not any(n.get("rel", "alternate") == "alternate" for n in links):
            problems.append(f"MissingContentOrAlternate: {where}")
    for node in titles + _children(entry, ATOM, "summary") + content:
        problems += _text_construct_problems(f"{where} {etree.QName(node).localname}", node)
    for node in _children(entry, ATOM, "category"):
        if not node.get("term"):
            problems.append(f"MissingAttribute: {where} category term")
        if node.get("scheme") is not None:
            problems += uri_problems(f"{where} category scheme", node.get("scheme"))
    return problems


# OPML 2.0 -----------------------------------------------------------------------------


def opml_problems(data: bytes, now: float | None = None) -> list[str]:
    root = parse_xml(data)
    problems = namespace_problems(root)
    if root.tag != "opml":
        return problems + ["UndefinedElement: root is not opml"]
    if root.get("version") not in ("1.0", "1.1", "2.0"):
        problems.append(f"InvalidOPMLVersion: {root.get('version')!r}")
    head = _once(problems, root, None, "head", "opml")
    body = _once(problems, root, None, "body", "opml")
    if head is not None:
        for name in ("dateCreated", "dateModified"):
            for node in _children(head, None, name):
                problems += rfc822_problems(f"head/{name}", node.text, now)
        for node in _children(head, None, "ownerId"):
            problems += uri_problems("head/ownerId", node.text, http=True)
    if body is not None:
        if not _children(body, None, "outline"):
            problems.append("MissingElement: body <outline>")
        for outline in body.iter("outline"):
            problems += _outline_problems(outline)
    return problems


def _outline_problems(node: etree._Element) -> list[str]:
    attrs = dict(node.attrib)
    where = f"outline {attrs.get('text', '')!r}"
    problems = []
    if "text" not in attrs:
        problems.append(f"MissingAttribute: {where} text")
    kind = attrs.get("type")
    if kind is not None:
        if kind.lower() == "rss":
            if "xmlUrl" not in attrs:
                problems.append(f"MissingXmlURL: {where}")
            if "title" not in attrs:
                problems.append(f"MissingTitleAttr: {where}")
        elif kind.lower() == "link" and "url" not in attrs:
            problems.append(f"MissingUrlAttr: {where}")
    elif len(attrs) > 1 and any(name in attrs for name in ("description", "htmlUrl", "language", "title", "version", "xmlUrl")):
        # a folder (pure container) carries only text; anything feed-like needs a type
        problems.append(f"MissingOutlineType: {where}")
    if attrs.get("version") is not None and attrs["version"] not in ("RSS", "RSS1", "RSS2", "scriptingNews"):
        problems.append(f"InvalidOutlineVersion: {where}")
    for name in ("htmlUrl", "url", "xmlUrl"):
        if name in attrs:
            problems += uri_problems(f"{where} {name}", attrs[name])
    for name in ("text", "title", "description"):
        if name in attrs:
            problems += html_problems(f"{where} {name}", attrs[name])
    if attrs.get("language") is not None and not LANGUAGE.match(attrs["language"]):
        problems.append(f"InvalidLanguage: {where}")
    if (node.text or "").strip():
        problems.append(f"UnexpectedText: {where}")
    return problems


# JSON Feed 1.1 (jsonfeed.org/version/1.1) ------------------------------------------------

_FEED_KEYS = {"version", "title", "home_page_url", "feed_url", "description", "user_comment", "next_url", "icon",
              "favicon", "authors", "language", "expired", "hubs", "items"}
_ITEM_KEYS = {"id", "url", "external_url", "title", "content_html", "content_text", "summary", "image",
              "banner_image", "date_published", "date_modified", "authors", "tags", "language", "attachments"}
_URL_KEYS = {"home_page_url", "feed_url", "next_url", "icon", "favicon", "url", "external_url", "image", "banner_image"}


def jsonfeed_problems(data: bytes) -> list[str]:
    try:
        feed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return [f"not UTF-8 JSON: {exc}"]
    problems = []
    if feed.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append(f"version: {feed.get('version')!r}")
    if not isinstance(feed.get("title"), str) or not feed["title"]:
        problems.append("title: missing or not a string")
    problems += _json_object_problems("feed", feed, _FEED_KEYS)
    if "author" in feed:
        problems.append("feed: author is deprecated in 1.1, use authors")
    if not isinstance(feed.get("items"), list):
        return problems + ["items: missing or not an array"]
    ids = set()
    for index, item in enumerate(feed["items"]):
        where = f"items[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: not an object")
            continue
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"{where}.id: missing or not a string")
        elif item["id"] in ids:
            problems.append(f"{where}.id: repeats {item['id']!r}")
        ids.add(item.get("id"))
        if not any(isinstance(item.get(k), str) for k in ("content_html", "content_text")):
            problems.append(f"{where}: neither content_html nor content_text")
        if "author" in item:
            problems.append(f"{where}: author is deprecated in 1.1, use authors")
        problems += _json_object_problems(where, item, _ITEM_KEYS)
        for key in ("date_published", "date_modified"):
            if key in item:
                problems += rfc3339_problems(f"{where}.{key}", item[key] if isinstance(item[key], str) else None)
        if "content_html" in item:
            problems += html_problems(f"{where}.content_html", item["content_html"])
        if "tags" in item and not (isinstance(item["tags"], list) and all(isinstance(t, str) for t in item["tags"])):
            problems.append(f"{where}.tags: not an array of strings")
        for number, attachment in enumerate(item.get("attachments", [])):
            if not isinstance(attachment.get("url"), str) or not isinstance(attachment.get("mime_type"), str):
                problems.append(f"{where}.attachments[{number}]: url and mime_type are required")
    return problems


def _json_object_problems(where: str, obj: dict, known: set[str]) -> list[str]:
    problems = [f"{where}.{key}: unknown key (extensions start with '_')" for key in obj if key not in known and not key.startswith("_")]
    for key in sorted(_URL_KEYS & set(obj)):
        if not isinstance(obj[key], str) or not re.match(r"^https?://", obj[key]):
            problems.append(f"{where}.{key}: not an absolute URL {obj[key]!r}")
    for key in ("title", "description", "summary", "content_html", "content_text", "language", "user_comment"):
        if key in obj and not isinstance(obj[key], str):
            problems.append(f"{where}.{key}: not a string")
    if "expired" in obj and not isinstance(obj["expired"], bool):
        problems.append(f"{where}.expired: not a boolean")
    if "authors" in obj:
        authors = obj["authors"]
        if not isinstance(authors, list) or not all(isinstance(a, dict) and any(k in a for k in ("name", "url", "avatar")) for a in authors):
            problems.append(f"{where}.authors: each author needs a name, url or avatar")
    for hub in obj.get("hubs", []):
        if not isinstance(hub, dict) or not isinstance(hub.get("type"), str) or not isinstance(hub.get("url"), str):
            problems.append(f"{where}.hubs: each hub needs type and url")
    return problems


def problems_for(name: str, data: bytes, now: float | None = None) -> list[str]:
    """The problems of one published file, by its name."""
    if name.endswith("rss.xml"):
        return rss_problems(data, now)
    if name.endswith("atom.xml"):
        return atom_problems(data)
    if name.endswith("opml.xml"):
        return opml_problems(data, now)
    if name.endswith(".json"):
        return jsonfeed_problems(data)
    raise ValueError(name)
