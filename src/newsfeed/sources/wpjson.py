"""A WordPress-style JSON API: GET <url>/wp-json/wp/v2/posts?_embed&per_page=100&page=N.

`url` is the site root; `path` may instead name a saved JSON array of posts. Posts are keyed
by their CMS id. The section is the first embedded category naming a configured section,
else the source's `section`; other terms become tags.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from newsfeed.config import Settings, SourceSettings
from newsfeed.errors import SourceError
from newsfeed.sources.common import clean_html, digest, fetch, parse_time, plain, section_slug, web_url
from newsfeed.text import slugify
from newsfeed.types import SourceItem

PAGE_SIZE = 100
MAX_PAGES = 1000


class WordPressSource:
    # Every post the API lists is read: a post missing from it was deleted or unpublished.
    lists_everything = True

    def __init__(self, source: SourceSettings, settings: Settings):
        self.name = source.name
        self.source = source
        self.settings = settings
        self.posts: dict[str, dict] = {}

    def scan(self) -> Iterator[tuple[str, str]]:
        for post in self._posts():
            if isinstance(post, dict) and "id" in post:
                self.posts.setdefault(str(post["id"]), post)
        for key in sorted(self.posts, key=lambda k: (len(k), k)):
            post = self.posts[key]
            yield key, digest(str(post.get("modified_gmt", "")), json.dumps(post, sort_keys=True)[:10000])

    def read(self, key: str, fingerprint: str) -> SourceItem:
        post = self.posts[key]
        link = post.get("link") or ""
        if not link.startswith(("https://", "http://")):
            raise SourceError(f"post {key}: no absolute link")
        title = plain(_rendered(post, "title"))
        if not title:
            raise SourceError(f"post {key}: empty title")
        html, text = clean_html(_rendered(post, "content"), link)
        if not text:
            raise SourceError(f"post {key}: empty content")
        terms = [t for group in post.get("_embedded", {}).get("wp:term", []) for t in group if isinstance(t, dict)]
        categories = [t.get("name", "") for t in terms if t.get("taxonomy") == "category"]
        tags = tuple(plain(t.get("name", "")) for t in terms if t.get("taxonomy") == "post_tag")
        authors = post.get("_embedded", {}).get("author", [])
        media = post.get("_embedded", {}).get("wp:featuredmedia", [])
        return SourceItem(
            source=self.name,
            key=key,
            section=section_slug(categories, self.settings, self.source.section),
            title=title,
            content_html=html,
            text=text,
            author=plain(authors[0].get("name", "")) if authors else self.settings.site.name,
            published=parse_time(post.get("date_gmt")),
            updated=parse_time(post.get("modified_gmt")),
            slug=slugify(post.get("slug", "")) or slugify(title),
            url=link,
            image=web_url(media[0].get("source_url"), link) if media and isinstance(media[0], dict) else None,
            tags=tuple(t for t in tags if t),
            fingerprint=fingerprint,
        )

    def _posts(self) -> Iterator[dict]:
        if self.source.path:
            try:
                data = json.loads(self.source.path.read_bytes())
            except (OSError, ValueError) as exc:
                raise SourceError(f"{self.source.path}: not a readable JSON array of posts ({exc})") from None
            yield from _as_list(data, str(self.source.path))
            return
        root = self.source.url.rstrip("/")
        for page in range(1, MAX_PAGES + 1):
            url = f"{root}/wp-json/wp/v2/posts?_embed=1&per_page={PAGE_SIZE}&page={page}&orderby=id&order=asc"
            try:
                data = json.loads(fetch(url))
            except ValueError:
                raise SourceError(f"{url}: the answer is not JSON; is url the WordPress site root?") from None
            except SourceError as exc:
                if page > 1 and "HTTP 400" in str(exc):  # WordPress answers 400 past the last page
                    return
                raise
            posts = _as_list(data, url)
            yield from posts
            if len(posts) < PAGE_SIZE:
                return


def _rendered(post: dict, field: str) -> str:
    value = post.get(field, "")
    return value.get("rendered", "") if isinstance(value, dict) else str(value or "")


def _as_list(data, where: str) -> list:
    if not isinstance(data, list):
        raise SourceError(f"{where}: expected a JSON array of posts")
    return data
