"""The small HTML index page of feeds/, with autodiscovery links."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from newsfeed.config import Settings
from newsfeed.render.ids import MEDIA_TYPES, feed_url
from newsfeed.render.templates import render_template
from newsfeed.types import FeedSpec

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
        return {"title": spec.title, "links": links, "count": counts.get(spec.path, 0)}

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
