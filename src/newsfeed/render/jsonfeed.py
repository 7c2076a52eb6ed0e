"""JSON Feed 1.1 (jsonfeed.org/version/1.1), written by hand: feedgen has no JSON output."""

from __future__ import annotations

import json
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from newsfeed.config import Settings
from newsfeed.errors import RenderError
from newsfeed.render.ids import feed_url, item_id
from newsfeed.render.parts import body_html, carries_body
from newsfeed.times import rfc3339
from newsfeed.types import Article, FeedSpec


def render_json(spec: FeedSpec, articles: Sequence[Article], settings: Settings) -> bytes:
    if not articles:
        raise RenderError(f"feed {spec.path or 'site'}: no articles to publish")
    zone = ZoneInfo(settings.site.timezone)
    sections = {s.slug: s.name for s in settings.sections}
    body = carries_body(spec, settings)
    feed = _feed(spec, settings, [_item(a, settings, zone, sections, body) for a in articles])
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode()


_ITEMS = "\0newsfeed-items\0"  # a string no feed field holds: json.dumps writes it "\u0000newsfeed-items\u0000"
ITEM_SEPARATOR = ",\n    "  # between two items of "items", as json.dumps(indent=2) writes them


def frame(spec: FeedSpec, settings: Settings) -> tuple[str, str]:
    """The feed as render_json writes it, cut where its items go: (before, after). Items
    joined by ITEM_SEPARATOR, each as json.dumps(indent=2) writes it two levels down."""
    data = json.dumps(_feed(spec, settings, [_ITEMS]), ensure_ascii=False, indent=2) + "\n"
    marker = json.dumps(_ITEMS)
    cut = data.index(marker)
    return data[:cut], data[cut + len(marker):]


def _feed(spec: FeedSpec, settings: Settings, items: list) -> dict:
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": spec.title,
        "home_page_url": spec.home_url,
        "feed_url": feed_url(settings, spec, "json"),
        "description": spec.description,
        "language": settings.site.language,
        "authors": [{"name": settings.site.name, "url": settings.site.base_url}],
        **({"icon": settings.site.icon, "favicon": settings.site.icon} if settings.site.icon else {}),
        **({"hubs": [{"type": "WebSub", "url": hub} for hub in settings.feeds.websub_hubs]} if settings.feeds.websub_hubs else {}),
        "items": items,
    }


def _item(article: Article, settings: Settings, zone: ZoneInfo, sections: dict[str, str], body: bool) -> dict:
    item = {
        "id": item_id(settings, article.id),
        "url": article.url,
        "title": article.title,
        # an item needs content_html or content_text: a summary-only feed's is the summary
        **({"content_html": body_html(article, settings), "summary": article.summary} if body else {"content_text": article.summary}),
        "date_published": rfc3339(article.published, zone),
        "date_modified": rfc3339(article.updated, zone),
        "authors": [{"name": article.author}],
        "tags": [sections.get(article.section, article.section), *article.topics],
        "language": settings.site.language,
    }
    if article.image:
        item["image"] = article.image
    if article.related:
        # JSON Feed has no related field; "_" extensions are the spec's way to add one.
        item["_newsfeed"] = {"related": [{"id": item_id(settings, r.id), "url": r.url, "title": r.title} for r in article.related]}
    return item
