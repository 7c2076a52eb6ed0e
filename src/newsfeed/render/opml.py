"""OPML 2.0 index of every feed: the site, each section with its characteristic topics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.etree import ElementTree as ET

from newsfeed.config import Settings
from newsfeed.render.ids import feed_url
from newsfeed.types import FeedSpec


def render_opml(
    site_feed: FeedSpec,
    sections: Sequence[FeedSpec],
    topics_by_section: Mapping[str, Sequence[FeedSpec]],
    settings: Settings,
    fmt: str = "rss",
) -> bytes:
    """Sections are folders holding their own feed, then their related topic feeds."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = f"{settings.site.name}: semua feed"
    ET.SubElement(head, "ownerName").text = settings.site.name
    body = ET.SubElement(root, "body")
    _outline(body, site_feed, settings, fmt)
    for section in sections:
        # a folder: only `text` (the W3C validator wants a type on any outline with a title)
        group = ET.SubElement(body, "outline", text=section.name)
        _outline(group, section, settings, fmt)
        for topic in topics_by_section.get(section.key, ()):
            _outline(group, topic, settings, fmt)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def _outline(parent: ET.Element, spec: FeedSpec, settings: Settings, fmt: str) -> None:
    ET.SubElement(
        parent,
        "outline",
        type="rss",
        text=spec.title,
        title=spec.title,
        xmlUrl=feed_url(settings, spec, fmt),
        htmlUrl=spec.home_url,
    )
