"""The small HTML index page of feeds/, and a page per section and topic feed, with
autodiscovery links: a topic feed's home link leads to its page, which the site itself does
not have."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from newsfeed.config import Settings
from newsfeed.render.ids import MEDIA_TYPES, feed_url
from newsfeed.render.templates import load_template, render_loaded, render_template
from newsfeed.types import Article, FeedSpec

_LABELS = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}


def render_index(
    site_feed: FeedSpec,
    sections: Sequence[FeedSpec],
    topics: Sequence[FeedSpec],
    counts: Mapping[str, int],
    settings: Settings,
) -> bytes:
    formats = settings.feeds.formats

    def entry(spec: FeedSpec) -> dict:
        links = [{"label": _LABELS[f], "url": feed_url(settings, spec, f)} for f in formats]
        page = page_url(settings, spec) if spec.kind != "site" else ""
        return {"title": spec.title, "links": links, "count": counts.get(spec.path, 0), "page": page}

    autodiscovery = [
        {"type": MEDIA_TYPES[f], "title": f"{spec.title} ({_LABELS[f]})", "url": feed_url(settings, spec, f)}
        for spec in (site_feed, *sections)
        for f in formats
    ]
    groups = [{"title": "Semua berita", "feeds": [entry(site_feed)]}, {"title": "Rubrik", "feeds": [entry(s) for s in sections]}]
    if topics:
        groups.append({"title": "Topik", "feeds": [entry(t) for t in topics]})
    html = render_template(
        settings.templates_dir,
        "index.html",
        site=settings.site,
        autodiscovery=autodiscovery,
        groups=groups,
        opml_url=f"{settings.feeds.base_url}/opml.xml",
    )
    return html.encode()


def page_file(spec: FeedSpec) -> str:
    """Path under feeds/ of a section's or topic's page: "dunia/index.html"."""
    return f"{spec.path}/index.html"


def page_url(settings: Settings, spec: FeedSpec) -> str:
    return f"{settings.feeds.base_url}/{spec.path}/"


@dataclass(frozen=True, slots=True)
class _FeedLink:
    label: str
    type: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class _Headline:
    title: str
    url: str
    date: str


class FeedPages:
    """The section and topic pages of one publish (a page: its feeds, with autodiscovery, and
    its newest headlines), from feed-page.html looked up once.

    The template reads its values as attributes (`item.url`): records, not dicts, which
    Jinja reaches only after a failed getattr (`item["url"]` works on both)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.zone = ZoneInfo(settings.site.timezone)
        self.template = load_template(settings.templates_dir, "feed-page.html")

    def render(self, spec: FeedSpec, articles: Sequence[Article]) -> bytes:
        settings, zone = self.settings, self.zone
        feeds = [
            _FeedLink(_LABELS[f], MEDIA_TYPES[f], f"{spec.title} ({_LABELS[f]})", feed_url(settings, spec, f)) for f in settings.feeds.formats
        ]
        headlines = [_Headline(a.title, a.url, a.published.astimezone(zone).date().isoformat()) for a in articles]
        html = render_loaded(
            self.template, site=settings.site, feed=spec, feeds=feeds, headlines=headlines, index_url=f"{settings.feeds.base_url}/"
        )
        return html.encode()
