"""What every feed format renders the same way for an item: its body HTML and its lead image.

Each is a function of the article and the settings only, so an item renders the same in
every feed it appears in.
"""

from __future__ import annotations

from dataclasses import dataclass

import lxml.html

from newsfeed.config import Settings
from newsfeed.images import guess_type
from newsfeed.sanitize import sanitize_html
from newsfeed.types import Article, FeedSpec


@dataclass(frozen=True, slots=True)
class LeadImage:
    url: str
    type: str  # MIME type; "" when neither stored nor named by the URL's extension
    length: int | None  # bytes
    width: int | None
    height: int | None


def lead_image(article: Article) -> LeadImage | None:
    if not article.image:
        return None
    info = article.image_info
    kind = (info.type if info else "") or guess_type(article.image)
    if info is None:
        return LeadImage(article.image, kind, None, None, None)
    return LeadImage(article.image, kind, info.length, info.width, info.height)


def carries_body(spec: FeedSpec, settings: Settings) -> bool:
    """Whether the feed's items carry the article's body, or its summary only (a topic feed,
    unless topics.feed_content = "full": its articles are in their section feed in full)."""
    return spec.kind != "topic" or settings.topics.feed_content == "full"


def body_html(article: Article, settings: Settings) -> str:
    """The article's sanitised HTML without its lead image: feeds carry that image once, as
    media:content / enclosure / JSON `image`, and a second copy inline shows it twice."""
    html = sanitize_html(article.content_html, settings.site.base_url)
    if not article.image or article.image not in html.replace("&amp;", "&"):
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    found = False
    for img in root.iter("img"):
        if img.get("src") == article.image:
            _drop(img.getparent() if _only_image_of_figure(img) else img)
            found = True
            break
    if not found:
        return html
    return (root.text or "") + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)


def _only_image_of_figure(img) -> bool:
    parent = img.getparent()
    return parent is not None and parent.tag == "figure" and len(parent.findall(".//img")) == 1


def _drop(node) -> None:
    """Remove an element but keep the text that follows it."""
    parent = node.getparent()
    if node.tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)
