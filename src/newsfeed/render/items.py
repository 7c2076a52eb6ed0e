"""One article's RSS item, Atom entry and JSON Feed item, rendered once and reused.

An article appears in its site, section and topic feeds (seven or more files): each format's
item is rendered here once per publish and the feeds are assembled from these pieces
(render/assemble.py). The RSS and Atom pieces are the exact bytes feedgen and lxml write for
the same entry in render/feeds.py, which stays the definition of the format: the tests render
both ways and compare byte for byte. Writing them as strings instead of building lxml trees
through feedgen is what makes it fast (feedgen spent ~0.5 ms an entry, these ~20 us).
Articles whose fields feedgen or lxml treat specially (an empty field, which feedgen leaves
out or moves; a character XML cannot hold, which lxml refuses) are taken from a one-entry
feedgen render instead (render/feeds.render_item), errors included.
"""

from __future__ import annotations

import html
import json
import re
from zoneinfo import ZoneInfo

from newsfeed.config import Settings
from newsfeed.render.ids import item_id
from newsfeed.render.parts import body_html, lead_image
from newsfeed.times import rfc3339
from newsfeed.types import Article

_RSS_DATE = "%a, %d %b %Y %H:%M:%S %z"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# What lxml refuses in text and attributes (XML 1.0 Char excludes them): feedgen raises.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def text(value: str) -> str:
    """XML character data as libxml2 writes it."""
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    return value


def attribute(value: str) -> str:
    """An attribute value as libxml2 writes it (inside double quotes)."""
    value = text(value)
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "\n" in value or "\t" in value:
        value = value.replace("\n", "&#10;").replace("\t", "&#9;")
    return value


def rss_date(moment) -> str:
    """RFC 822 with English names whatever the locale (what feedgen's formatRFC2822 writes)."""
    offset = moment.strftime("%z")
    return f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year:04d} {moment.strftime('%H:%M:%S')} {offset}"


class ItemRenderer:
    """The three pieces of an article, for the settings of one publish."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.zone = ZoneInfo(settings.site.timezone)
        self.sections = {s.slug: s.name for s in settings.sections}

    def special(self, article: Article, body: str | None) -> bool:
        """True when feedgen's own render is needed: an empty field (feedgen leaves it out or
        moves another in its place) or a character XML cannot hold (lxml refuses it). `body`
        None: the item of a summary-only feed."""
        fields = [article.id, article.title, article.url, article.summary, article.author, self._section(article), *article.topics]
        if body is not None:
            fields.append(body)
        for link in article.related:
            fields += (link.id, link.url, link.title)
        if article.image:
            fields.append(article.image)
        if not all(fields):
            return True
        if article.image_info is not None:
            fields.append(article.image_info.type)
        fields.append(self._scheme(article))
        return any(NOT_XML.search(value) for value in fields)

    def rss(self, article: Article, body: str | None) -> str:
        """The <item> element with the indentation and newline it has inside a channel
        (without content:encoded when `body` is None)."""
        settings = self.settings
        ident = text(item_id(settings, article.id))
        lines = [
            "    <item>",
            f"      <title>{text(article.title)}</title>",
            f"      <link>{text(article.url)}</link>",
            f"      <description>{text(html.escape(article.summary, quote=False))}</description>",
            *([f"      <content:encoded>{text(body)}</content:encoded>"] if body is not None else []),
            f'      <guid isPermaLink="false">{ident}</guid>',
            f'      <category domain="{attribute(self._scheme(article))}">{text(self._section(article))}</category>',
            *(f"      <category>{text(topic)}</category>" for topic in article.topics),
        ]
        image = lead_image(article)
        if image is not None and image.type:
            lines.append(f'      <enclosure url="{attribute(image.url)}" length="{attribute(str(image.length or 0))}" type="{attribute(image.type)}"/>')
        lines.append(f"      <pubDate>{rss_date(article.published.astimezone(self.zone))}</pubDate>")
        lines.append(f"      <dc:creator>{text(article.author)}</dc:creator>")
        if image is not None:
            content = _attributes(url=image.url, medium="image", type=image.type, fileSize=image.length, width=image.width, height=image.height)
            lines.append(f"      <media:content{content}/>")
            lines.append(f"      <media:thumbnail{_attributes(url=image.url, width=image.width, height=image.height)}/>")
        lines.append("    </item>\n")
        return "\n".join(lines)

    def atom(self, article: Article, body: str | None) -> str:
        """The <entry> element with the indentation and newline it has inside a feed (without
        content when `body` is None)."""
        settings = self.settings
        lines = [
            "  <entry>",
            f"    <id>{text(item_id(settings, article.id))}</id>",
            f"    <title>{text(article.title)}</title>",
            f"    <updated>{article.updated.astimezone(self.zone).isoformat()}</updated>",
            "    <author>",
            f"      <name>{text(article.author)}</name>",
            "    </author>",
            *([f'    <content type="html">{text(body)}</content>'] if body is not None else []),
            f'    <link href="{attribute(article.url)}"/>',
            f"    <summary>{text(article.summary)}</summary>",
            f'    <category term="{attribute(self._section(article))}" scheme="{attribute(self._scheme(article))}"/>',
            *(f'    <category term="{attribute(topic)}"/>' for topic in article.topics),
            f"    <published>{article.published.astimezone(self.zone).isoformat()}</published>",
            *(f'    <link rel="related" href="{attribute(link.url)}" title="{attribute(link.title)}"/>' for link in article.related),
        ]
        image = lead_image(article)
        if image is not None:
            lines.append(f'    <link{_attributes(rel="enclosure", href=image.url, type=image.type, length=image.length)}/>')
        lines.append("  </entry>\n")
        return "\n".join(lines)

    def json(self, article: Article, body: str | None) -> str:
        """The item object as json.dumps(indent=2) writes it two levels down (an item of "items"),
        as render/jsonfeed.py's _item makes it."""
        settings, q = self.settings, _STRING
        # the lines json.dumps(indent=2) writes for this dict two levels down, written out:
        # its generic pure-Python encoder cost ~0.7 ms an item (most of a publish's JSON Feed cost)
        lines = [
            f'      "id": {q(item_id(settings, article.id))}',
            f'      "url": {q(article.url)}',
            f'      "title": {q(article.title)}',
            *((f'      "content_html": {q(body)}', f'      "summary": {q(article.summary)}') if body is not None
              else (f'      "content_text": {q(article.summary)}',)),
            f'      "date_published": {q(rfc3339(article.published, self.zone))}',
            f'      "date_modified": {q(rfc3339(article.updated, self.zone))}',
            f'      "authors": [\n        {{\n          "name": {q(article.author)}\n        }}\n      ]',
            '      "tags": [\n' + ",\n".join(f"        {q(tag)}" for tag in (self._section(article), *article.topics)) + "\n      ]",
            f'      "language": {q(settings.site.language)}',
        ]
        if article.image:
            lines.append(f'      "image": {q(article.image)}')
        if article.related:
            links = ",\n".join(
                f'          {{\n            "id": {q(item_id(settings, r.id))},\n            "url": {q(r.url)},\n'
                f'            "title": {q(r.title)}\n          }}'
                for r in article.related
            )
            lines.append(f'      "_newsfeed": {{\n        "related": [\n{links}\n        ]\n      }}')
        return "{\n" + ",\n".join(lines) + "\n    }"

    def body(self, article: Article) -> str:
        return body_html(article, self.settings)

    def _section(self, article: Article) -> str:
        return self.sections.get(article.section, article.section)

    def _scheme(self, article: Article) -> str:
        return f"{self.settings.site.base_url}/{article.section}"


_STRING = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) quotes strings with


def _attributes(**values) -> str:
    """ name="value" pairs in order, leaving out empty ones (as render/feeds.py's _optional)."""
    return "".join(f' {name}="{attribute(str(value))}"' for name, value in values.items() if value)
