"""Article HTML made safe for feeds and email: an allow-list, absolute URLs, XML-legal text."""

from __future__ import annotations

from urllib.parse import urljoin

import nh3

from newsfeed.text import xml_safe

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "em", "figcaption", "figure",
    "h2", "h3", "h4", "hr", "i", "img", "li", "ol", "p", "pre", "q", "s", "small", "strong", "sub",
    "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "blockquote": {"cite"},
    "q": {"cite"},
}
_URL_ATTRIBUTES = {"href", "src", "cite"}


def sanitize_html(html: str, base_url: str) -> str:
    """Drop scripts, iframes, event handlers and javascript: URLs; make links absolute."""
    base = base_url.rstrip("/") + "/"

    def absolute(tag: str, attribute: str, value: str) -> str | None:
        if attribute in _URL_ATTRIBUTES:
            joined = urljoin(base, value.strip())
            return joined if joined.startswith(("https://", "http://", "mailto:")) else None
        return value

    return nh3.clean(
        xml_safe(html),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=absolute,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener",
        strip_comments=True,
    )
