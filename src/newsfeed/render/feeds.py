"""RSS 2.0 and Atom 1.0 via feedgen.

Rules kept here (../RULES.md and the W3C validator's rules, see tests/feedrules.py): self link
added before the alternate one (feedgen makes the last link the RSS channel link); dates from
the items, never the clock; description (plain text, HTML-escaped: RSS descriptions are HTML)
before content:encoded; the byline in dc:creator for RSS and atom:author for Atom, never both;
the lead image once per item: media:content (never a one-child media:group), media:thumbnail
and one enclosure in RSS, rel="enclosure" in Atom, and not again inside the body.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml.etree import Element, SubElement

from newsfeed.config import Settings
from newsfeed.errors import RenderError
from newsfeed.render.ids import feed_id, feed_url, item_id
from newsfeed.render.items import NOT_XML, rss_date, text
from newsfeed.render.parts import LeadImage, body_html, carries_body, lead_image
from newsfeed.types import Article, FeedSpec

ATOM = "http://www.w3.org/2005/Atom"
MEDIA = "http://search.yahoo.com/mrss/"
WEBFEEDS = "http://webfeeds.org/rss/1.0"


def render_rss(spec: FeedSpec, articles: Sequence[Article], settings: Settings) -> bytes:
    return _generator(spec, articles, settings, "rss").rss_str(pretty=True)


def render_atom(spec: FeedSpec, articles: Sequence[Article], settings: Settings) -> bytes:
    return _generator(spec, articles, settings, "atom").atom_str(pretty=True)


def _generator(spec: FeedSpec, articles: Sequence[Article], settings: Settings, fmt: str, body: bool | None = None) -> FeedGenerator:
    if not articles:
        raise RenderError(f"feed {spec.path or 'site'}: no articles to publish")
    zone = ZoneInfo(settings.site.timezone)
    fg = _channel(spec, max(a.updated for a in articles), settings, fmt)
    section_names = {s.slug: s.name for s in settings.sections}
    body = carries_body(spec, settings) if body is None else body
    # feedgen prepends entries: add oldest first so the file lists newest first.
    for article in reversed(articles):
        _entry(fg.add_entry(order="prepend"), article, settings, zone, section_names, fmt, body)
    return fg


def _channel(spec: FeedSpec, newest: datetime, settings: Settings, fmt: str, ident: str = "", self_url: str = "") -> FeedGenerator:
    """The feed without its entries; `newest`: the latest update of its articles. `ident` and
    `self_url` stand in for the spec's own (FrameTemplate's placeholders)."""
    zone = ZoneInfo(settings.site.timezone)
    site = settings.site
    fg = FeedGenerator()
    if fmt == "rss":
        fg.load_extension("dc", atom=False, rss=True)
    fg.register_extension("newsfeed", _Channel, _Item, atom=fmt == "atom", rss=fmt == "rss")
    fg.newsfeed.setup(fmt, settings)
    fg.id(ident or feed_id(settings, spec))
    fg.title(spec.title)
    fg.description(spec.description)
    fg.link(href=self_url or feed_url(settings, spec, fmt), rel="self")
    fg.link(href=spec.home_url, rel="alternate")
    fg.language(site.language)
    fg.author({"name": site.name, "uri": site.base_url})
    fg.generator("newsfeed")  # no uri: newsfeed has no project page of its own to point at
    if fmt == "rss" and (site.icon or site.logo):
        # RSS <image>: title and link must be the channel's (ImageTitleDoesntMatch / ImageLinkDoesntMatch)
        fg.image(site.icon or site.logo, title=spec.title, link=spec.home_url)
    if fmt == "atom":
        if site.icon:
            fg.icon(site.icon)
        if site.logo:
            fg.logo(site.logo)
    newest = newest.astimezone(zone)
    fg.updated(newest)
    fg.lastBuildDate(newest)
    return fg


# How each format's serialisation opens and closes one item, with its indentation.
ITEM_OPEN = {"rss": "\n    <item>\n", "atom": "\n  <entry>\n"}
ITEM_CLOSE = {"rss": "\n    </item>\n", "atom": "\n  </entry>\n"}


def frame(spec: FeedSpec, newest: datetime, settings: Settings, fmt: str, ident: str = "", self_url: str = "") -> tuple[str, str]:
    """The feed as feedgen writes it, cut where its items go: (before, after). Rendered with
    one placeholder entry, whose place in the output is where the items belong."""
    fg = _channel(spec, newest, settings, fmt, ident, self_url)
    entry = fg.add_entry()
    entry.id("urn:newsfeed:placeholder")
    entry.title("placeholder")
    entry.updated(newest)
    entry.content("placeholder", type="html")
    data = (fg.rss_str(pretty=True) if fmt == "rss" else fg.atom_str(pretty=True)).decode()
    start = data.index(ITEM_OPEN[fmt]) + 1
    end = data.index(ITEM_CLOSE[fmt], start) + len(ITEM_CLOSE[fmt])
    return data[:start], data[end:]


# Placeholders FrameTemplate renders a frame with: letters only, so lxml writes them as they are.
_MARKS = ("NFXMARKIDX", "NFXMARKTITLEX", "NFXMARKDESCRIPTIONX", "NFXMARKSELFX", "NFXMARKHOMEX")
_MARK_DATE = datetime(2099, 12, 31, 23, 58, 57, tzinfo=ZoneInfo("UTC"))
# Values whose escaping differs between XML text and attributes, or that lxml refuses: feedgen.
_NOT_PLAIN = re.compile(f'["\\n\\t\\r]|{NOT_XML.pattern}')


class FrameTemplate:
    """frame() for any feed of one format from one feedgen render: the frame of a feed differs
    from another's only in its id, title, description, self and home links and its date, so
    feedgen renders it once with placeholders there and each feed's values are put in, escaped
    as libxml2 escapes them (render/items.text). A value that is empty or holds a character
    escaped differently in attributes, or refused, gets feedgen's own render. ~1 ms a frame
    with feedgen, two frames a feed, thousands of topic feeds."""

    def __init__(self, settings: Settings, fmt: str):
        self.settings, self.fmt = settings, fmt
        self.zone = ZoneInfo(settings.site.timezone)
        ident, title, description, self_url, home = _MARKS
        marked = FeedSpec("site", "", title, title, description, "", home)
        self.before, self.after = frame(marked, _MARK_DATE, settings, fmt, ident, self_url)
        local = _MARK_DATE.astimezone(self.zone)
        self.date_mark = rss_date(local) if fmt == "rss" else local.isoformat()
        whole = self.before + self.after
        self.usable = all(mark in whole for mark in (*_MARKS[1:], self.date_mark))  # else: feedgen for every feed

    def fill(self, spec: FeedSpec, newest: datetime) -> tuple[str, str]:
        values = (feed_id(self.settings, spec), spec.title, spec.description, feed_url(self.settings, spec, self.fmt), spec.home_url)
        if not self.usable or not all(values) or any(_NOT_PLAIN.search(v) for v in values):
            return frame(spec, newest, self.settings, self.fmt)
        local = newest.astimezone(self.zone)
        date = rss_date(local) if self.fmt == "rss" else local.isoformat()
        parts = []
        for part in (self.before, self.after):
            for mark, value in zip(_MARKS, values):
                part = part.replace(mark, text(value))
            parts.append(part.replace(self.date_mark, date))
        return parts[0], parts[1]


def render_item(article: Article, settings: Settings, fmt: str, body: bool = True) -> str:
    """One article's item as feedgen writes it inside any feed (with its indentation and
    final newline): what render/items.py writes by hand for the articles it can. `body`:
    with the article's body, else as a summary-only feed carries it."""
    spec = FeedSpec("site", "", "placeholder", "placeholder", "placeholder", "", settings.site.base_url)
    fg = _generator(spec, [article], settings, fmt, body)
    data = (fg.rss_str(pretty=True) if fmt == "rss" else fg.atom_str(pretty=True)).decode()
    start = data.index(ITEM_OPEN[fmt]) + 1
    end = data.rindex(ITEM_CLOSE[fmt]) + len(ITEM_CLOSE[fmt])
    return data[start:end]


def _entry(fe, article: Article, settings: Settings, zone: ZoneInfo, section_names: dict[str, str], fmt: str, body: bool) -> None:
    ident = item_id(settings, article.id)
    image = lead_image(article)
    fe.id(ident)
    fe.guid(ident, permalink=False)
    fe.title(article.title)
    fe.link(href=article.url, rel="alternate")
    if body:
        fe.content(body_html(article, settings), type="html")
    if fmt == "rss":
        fe.summary(html.escape(article.summary, quote=False))
        fe.dc.dc_creator(article.author)
        if image is not None:
            fe.newsfeed.image = image
            if image.type:
                fe.enclosure(image.url, str(image.length or 0), image.type)
    else:
        fe.summary(article.summary)
        fe.author({"name": article.author})
        links = [{"rel": "related", "href": link.url, "title": link.title} for link in article.related]
        if image is not None:
            links.append({"rel": "enclosure", "href": image.url, **_optional(type=image.type, length=image.length)})
        fe.newsfeed.links = links
    fe.category(term=section_names.get(article.section, article.section), scheme=f"{settings.site.base_url}/{article.section}")
    for topic in article.topics:
        fe.category(term=topic)
    fe.published(article.published.astimezone(zone))
    fe.updated(article.updated.astimezone(zone))


def _optional(**values) -> dict[str, str]:
    return {name: str(value) for name, value in values.items() if value}


class _Channel(BaseExtension):
    """The namespaces newsfeed's own elements need, and the webfeeds channel elements."""

    def setup(self, fmt: str, settings: Settings) -> None:
        self.fmt = fmt
        self.site = settings.site
        self.hubs = settings.feeds.websub_hubs
        self.webfeeds = settings.feeds.webfeeds and bool(settings.site.icon or settings.site.logo or settings.site.accent_color)

    def extend_ns(self):
        namespaces = {"media": MEDIA} if self.fmt == "rss" else {}
        if self.webfeeds:
            namespaces["webfeeds"] = WEBFEEDS
        return namespaces

    def _webfeeds(self, parent) -> None:
        if not self.webfeeds:
            return
        for name, value in (("icon", self.site.icon), ("logo", self.site.logo), ("accentColor", self.site.accent_color)):
            if value:
                SubElement(parent, f"{{{WEBFEEDS}}}{name}").text = value

    def _hubs(self, parent, after) -> None:
        """WebSub discovery: rel="hub" links beside the rel="self" one (W3C WebSub 4)."""
        position = list(parent).index(after) + 1 if after is not None else len(parent)
        for offset, hub in enumerate(self.hubs):
            link = Element(f"{{{ATOM}}}link" if self.fmt == "rss" else "link", href=hub, rel="hub")
            parent.insert(position + offset, link)

    def extend_rss(self, feed):
        channel = feed.find("channel")
        self._hubs(channel, channel.find(f"{{{ATOM}}}link"))
        self._webfeeds(channel)
        return feed

    def extend_atom(self, feed):
        self._hubs(feed, next((link for link in feed.findall("link") if link.get("rel") == "self"), None))
        self._webfeeds(feed)
        return feed


class _Item(BaseEntryExtension):
    """RSS: the lead image as one media:content and a media:thumbnail (feedgen's media
    extension wraps a lone media:content in a media:group, which must hold alternatives).
    Atom: links with rel and title (feedgen 1.0 drops both from entry links)."""

    def __init__(self) -> None:
        self.image: LeadImage | None = None
        self.links: list[dict[str, str]] = []

    def extend_rss(self, entry):
        image = self.image
        if image is not None:
            SubElement(entry, f"{{{MEDIA}}}content", url=image.url, medium="image",
                       **_optional(type=image.type, fileSize=image.length, width=image.width, height=image.height))
            SubElement(entry, f"{{{MEDIA}}}thumbnail", url=image.url, **_optional(width=image.width, height=image.height))
        return entry

    def extend_atom(self, entry):
        for attributes in self.links:
            SubElement(entry, "link", **attributes)
        return entry
