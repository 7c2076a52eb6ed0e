"""Feeds assembled from a frame and item fragments, each article rendered once a publish.

An article appears in its site, section and topic feeds, so a publish used to sanitise its
body and build its item through feedgen once per feed per format. Here each article's body is
sanitised once and its RSS item, Atom entry and JSON Feed item are rendered once (by
render/items.py, byte for byte what feedgen writes; feedgen itself for the few articles that
path does not handle); a feed is its frame with the items put in its place. The frame (channel
or feed elements, namespaces, hubs, webfeeds) is still written by feedgen, and by render_json's
own dict for JSON Feed: render/feeds.frame and render/jsonfeed.frame render it with a
placeholder item and cut it there. render_rss, render_atom and render_json stay the
definition of the output; tests/test_item_fragments.py holds this module to their bytes.

Fragments are kept for the whole publish (an article is usually in several feeds), as UTF-8
bytes, least recently used dropped beyond `budget` bytes, so memory stays bounded at any size
of archive. They are not kept between publishes: an edit re-renders a few feeds of at most
feeds.max_items items each, and the first build has nothing cached anyway.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from newsfeed.config import Settings
from newsfeed.errors import RenderError
from newsfeed.render import feeds, jsonfeed
from newsfeed.render.items import ItemRenderer
from newsfeed.render.parts import carries_body
from newsfeed.types import Article, FeedSpec

BUDGET = 192 * 1024 * 1024  # bytes of fragments kept in memory
SPECIALS_KEPT = 4096  # items.special answers kept (more than a feed's items)


class FeedAssembler:
    """The RSS, Atom and JSON Feed files of any feeds, for the settings of one publish."""

    def __init__(self, settings: Settings, budget: int = BUDGET):
        self.settings = settings
        self.items = ItemRenderer(settings)
        self.budget = budget
        self.size = 0
        self.rendered = 0  # fragments rendered (a cache miss), for tests and benchmarks
        self._bodies: OrderedDict[str, tuple[Article, str]] = OrderedDict()
        self._fragments: OrderedDict[tuple[str, bool, str], tuple[Article, bytes]] = OrderedDict()
        self._specials: OrderedDict[tuple[str, bool], tuple[Article, bool]] = OrderedDict()
        self._frames: dict[str, feeds.FrameTemplate] = {}  # a feed's frame: feedgen's, rendered once a format

    def rss(self, spec: FeedSpec, articles: Sequence[Article]) -> bytes:
        return self.render("rss", spec, articles)

    def atom(self, spec: FeedSpec, articles: Sequence[Article]) -> bytes:
        return self.render("atom", spec, articles)

    def json(self, spec: FeedSpec, articles: Sequence[Article]) -> bytes:
        return self.render("json", spec, articles)

    def render(self, fmt: str, spec: FeedSpec, articles: Sequence[Article]) -> bytes:
        if not articles:
            raise RenderError(f"feed {spec.path or 'site'}: no articles to publish")
        if fmt == "json":
            before, after = jsonfeed.frame(spec, self.settings)
            separator = jsonfeed.ITEM_SEPARATOR.encode()
        else:
            if fmt not in self._frames:
                self._frames[fmt] = feeds.FrameTemplate(self.settings, fmt)
            before, after = self._frames[fmt].fill(spec, max(a.updated for a in articles))
            separator = b""
        with_body = carries_body(spec, self.settings)
        return b"".join((before.encode(), separator.join([self.fragment(fmt, a, with_body) for a in articles]), after.encode()))

    def fragment(self, fmt: str, article: Article, with_body: bool = True) -> bytes:
        """The article's item in one format (with its body or as a summary-only feed carries
        it), as UTF-8, rendered at most once while cached."""
        key = (fmt, with_body, article.id)
        found = self._fragments.get(key)
        if found is not None and (found[0] is article or found[0] == article):
            self._fragments.move_to_end(key)
            return found[1]
        body = self.body(article) if with_body else None
        if fmt == "json":
            text = self.items.json(article, body)
        elif self._special(article, body):
            text = feeds.render_item(article, self.settings, fmt, with_body)
        else:
            text = getattr(self.items, fmt)(article, body)
        data = text.encode()
        self.rendered += 1
        self._keep(self._fragments, key, (article, data), len(data))
        return data

    def _special(self, article: Article, body: str | None) -> bool:
        """items.special, asked once for the RSS item and the Atom entry (it searches the whole
        body: 13 s of a 100,000-article publish when asked twice). The last few answers are
        kept: a feed's formats are rendered one after another."""
        key = (article.id, body is not None)
        found = self._specials.get(key)
        if found is not None and (found[0] is article or found[0] == article):
            return found[1]
        answer = self.items.special(article, body)
        self._specials[key] = (article, answer)
        if len(self._specials) > SPECIALS_KEPT:
            self._specials.popitem(last=False)
        return answer

    def body(self, article: Article) -> str:
        """The article's sanitised body (render/parts.body_html), once for every format."""
        found = self._bodies.get(article.id)
        if found is not None and (found[0] is article or found[0] == article):
            self._bodies.move_to_end(article.id)
            return found[1]
        body = self.items.body(article)
        self._keep(self._bodies, article.id, (article, body), len(body))
        return body

    def _keep(self, cache: OrderedDict, key, value, size: int) -> None:
        previous = cache.pop(key, None)
        if previous is not None:
            self.size -= len(previous[1])
        cache[key] = value
        self.size += size
        while self.size > self.budget and (self._fragments or self._bodies):
            # the oldest of either cache goes first; bodies only matter until their fragments exist
            oldest = self._bodies if self._bodies else self._fragments
            _key, (_article, dropped) = oldest.popitem(last=False)
            self.size -= len(dropped)
