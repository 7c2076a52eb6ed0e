"""RSS 2.0 and Atom 1.0 via feedgen.

Rules kept here (../RULES.md): self link added before the alternate one (feedgen makes the
last link the RSS channel link); dates from the items, never the clock; description before
content:encoded; the byline in dc:creator for RSS and atom:author for Atom, never both.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from feedgen.ext.base import BaseEntryExtension
from feedgen.feed import FeedGenerator
from lxml.etree import SubElement

from newsfeed.config import Settings
from newsfeed.errors import RenderError
from newsfeed.render.ids import feed_id, feed_url, item_id
from newsfeed.sanitize import sanitize_html
from newsfeed.types import Article, FeedSpec


def render_rss(spec: FeedSpec, articles: Sequence[Article], settings: Settings) -> bytes:
    return _generator(spec, articles, settings, "rss").rss_str(pretty=True)


def render_atom(spec: FeedSpec, articles: Sequence[Article], settings: Settings) -> bytes:
    return _generator(spec, articles, settings, "atom").atom_str(pretty=True)


def _generator(spec: FeedSpec, articles: Sequence[Article], settings: Settings, fmt: str) -> FeedGenerator:
    if not articles:
        raise RenderError(f"feed {spec.path or 'site'}: no articles to publish")
    zone = ZoneInfo(settings.site.timezone)
    site = settings.site
    fg = FeedGenerator()
    if fmt == "rss":
        fg.load_extension("dc", atom=False, rss=True)
        fg.load_extension("media", atom=False, rss=True)
    fg.id(feed_id(settings, spec))
    fg.title(spec.title)
    fg.description(spec.description)
    fg.link(href=feed_url(settings, spec, fmt), rel="self")
    fg.link(href=spec.home_url, rel="alternate")
    fg.language(site.language)
    fg.author({"name": site.name, "uri": site.base_url})
    fg.generator("newsfeed", uri="https://pypi.org/project/newsfeed/")
    newest = max(a.updated for a in articles).astimezone(zone)
    fg.updated(newest)
    fg.lastBuildDate(newest)
    section_names = {s.slug: s.name for s in settings.sections}
    # feedgen prepends entries: add oldest first so the file lists newest first.
    for article in reversed(articles):
        _entry(fg.add_entry(order="prepend"), article, settings, zone, section_names, fmt)
    return fg


def _entry(fe, article: Article, settings: Settings, zone: ZoneInfo, section_names: dict[str, str], fmt: str) -> None:
    ident = item_id(settings, article.id)
    fe.id(ident)
    fe.guid(ident, permalink=False)
    fe.title(article.title)
    fe.link(href=article.url, rel="alternate")
    if fmt == "atom" and article.related:
        fe.register_extension("related", _RelatedLinks, atom=True, rss=False)
        fe.related.links = [(link.url, link.title) for link in article.related]
    fe.summary(article.summary)
    fe.content(sanitize_html(_with_image(article), settings.site.base_url), type="html")
    if fmt == "rss":
        fe.dc.dc_creator(article.author)
        if article.image:
            fe.media.content({"url": article.image, "medium": "image"})
    else:
        fe.author({"name": article.author})
    fe.category(term=section_names.get(article.section, article.section), scheme=f"{settings.site.base_url}/{article.section}")
    for topic in article.topics:
        fe.category(term=topic)
    fe.published(article.published.astimezone(zone))
    fe.updated(article.updated.astimezone(zone))


class _RelatedLinks(BaseEntryExtension):
    """Atom <link rel="related">: feedgen 1.0 drops rel and title from entry links."""

    def __init__(self) -> None:
        self.links: list[tuple[str, str]] = []

    def extend_atom(self, entry):
        for href, title in self.links:
            SubElement(entry, "link", href=href, rel="related", title=title)
        return entry


def _with_image(article: Article) -> str:
    if not article.image:
        return article.content_html
    alt = article.title.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return f'<figure><img src="{article.image}" alt="{alt}"></figure>{article.content_html}'
