"""A WordPress site's REST API (`url` = the site root: <url>/wp-json/wp/v2/posts), or a saved
JSON array of posts (`path`). Posts are keyed by their CMS id.

A run against the live API, each step paginated (per_page=100, X-WP-TotalPages):
1. the ids of every published post with their modification time, and nothing else
   (`_fields=id,modified_gmt`: a few bytes a post), which is what scan() lists: a post gone
   from it (deleted, unpublished, made private) is withdrawn;
2. the posts that changed since the last run, whole (`_embed`: terms, author, image):
   `modified_after` the newest modification seen last run (less a day, as WordPress compares
   it in the site's own zone), then `include=` for any other post the store still needs (new
   ones beyond that, or one rejected last time);
unchanged posts are never fetched again. The id listing goes out as a conditional GET too.
Should the listing change while it is read (its X-WP-Total moving), the run withdraws nothing.

The section is the first category the source's `section_names` maps (by name or slug), or
that names a configured section, else the source's `section`; other terms become tags.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from urllib.parse import urlencode

from newsfeed.config import Settings, SourceSettings
from newsfeed.errors import SourceError, SourceGone
from newsfeed.sources.common import clean_html, digest, parse_time, plain, section_slug, web_url
from newsfeed.sources.fetchstate import FetchMemory, conditional_get
from newsfeed.sources.http import GONE, HttpClient, Response, Validators, limits_for
from newsfeed.store import Store
from newsfeed.text import slugify
from newsfeed.types import SourceItem

PAGE_SIZE = 100  # WordPress's largest per_page
MAX_PAGES = 10_000
MARGIN = timedelta(days=1)  # modified_after is compared with the site's local modification time
_WATERMARK = "#newest-modified"  # the memory row holding the newest modified_gmt of the last run


class WordPressSource:
    # The id listing names every published post: a post missing from it was deleted or
    # unpublished. Set false for a run whose listing moved while it was read.
    lists_everything = True

    def __init__(self, source: SourceSettings, settings: Settings):
        self.name = source.name
        self.source = source
        self.settings = settings
        self.posts: dict[str, dict] = {}
        self.root = source.url.rstrip("/")
        self.api = f"{self.root}/wp-json/wp/v2/posts"
        self.requests = 0  # of the last scan and the reads after it

    # the source protocol -----------------------------------------------------------

    def scan(self) -> Iterator[tuple[str, str]]:
        if self.source.path:
            yield from self._saved()
            return
        memory = FetchMemory(self.settings.store_path, self.name).load()
        with self._client() as client:
            modified, steady = self._listing(client, memory)
            self.lists_everything = steady
            listing = sorted(((key, modified[key]) for key in modified), key=lambda kv: (len(kv[0]), kv[0]))
            with Store(self.settings.store_path) as store:
                known = store.fingerprints(self.name)
            wanted = {key for key, print_ in listing if known.get(key) != print_}
            if wanted:
                self._fetch_changed(client, memory, wanted)
            newest = max(modified.values(), default="")
            if newest and steady:
                memory.keep(self.api + _WATERMARK, _NO_VALIDATORS, newest)
            else:
                memory.still(self.api + _WATERMARK)
            self.requests += client.requests
        memory.commit(prune=steady)
        yield from listing

    def read(self, key: str, fingerprint: str) -> SourceItem:
        post = self.posts.get(key)
        if post is None and not self.source.path:
            with self._client() as client:
                for found in self._embedded(client, {"include": key}):
                    self.posts[str(found.get("id"))] = found
                self.requests += client.requests
            post = self.posts.get(key)
            if post is None:
                raise SourceGone(f"post {key}: no longer published by the API")
        if post is None:
            raise SourceError(f"post {key}: not in the saved file")
        return self._item(key, post, fingerprint)

    # what is fetched ---------------------------------------------------------------

    def _listing(self, client: HttpClient, memory: FetchMemory) -> tuple[dict[str, str], bool]:
        """Every published post id -> its modified_gmt; and whether the listing held still."""
        query = {"_fields": "id,modified_gmt", "per_page": PAGE_SIZE, "orderby": "id", "order": "asc"}
        first = self._page(client, memory, query, 1)
        if first is None:
            raise SourceError(f"{self.api}: HTTP 404; is url the WordPress site root (its REST API at /wp-json/)?")
        pages = [first]
        total_pages = first["pages"]
        if total_pages:
            numbers = range(2, min(total_pages, MAX_PAGES) + 1)
            with ThreadPoolExecutor(max(1, min(4, client.limits.concurrency))) as pool:
                pages += [p for p in pool.map(lambda n: self._page(client, memory, query, n), numbers) if p is not None]
        else:  # no X-WP-TotalPages: on until a short page or WordPress's 400 past the last one
            number = 1
            while len(pages[-1]["posts"]) >= PAGE_SIZE and number < MAX_PAGES:
                number += 1
                page = self._page(client, memory, query, number)
                if page is None:
                    break
                pages.append(page)
        modified: dict[str, str] = {}
        for page in pages:
            for key, stamp in page["posts"]:
                modified.setdefault(key, stamp)
        totals = {page["total"] for page in pages if page["total"] is not None}
        steady = len(totals) <= 1 and (not totals or totals == {len(modified)}) and (not total_pages or len(pages) == min(total_pages, MAX_PAGES))
        return modified, steady

    def _page(self, client: HttpClient, memory: FetchMemory, query: dict, number: int) -> dict | None:
        url = f"{self.api}?{urlencode({**query, 'page': number})}"

        def parse(response: Response) -> dict:
            posts = _json_list(response, url)
            return {
                "posts": [[str(p["id"]), str(p.get("modified_gmt") or "")] for p in posts if isinstance(p, dict) and "id" in p],
                "pages": _header_int(response, "x-wp-totalpages"),
                "total": _header_int(response, "x-wp-total"),
            }

        absent = frozenset({400, 404, 410}) if number > 1 else GONE  # WordPress: 400 past the last page
        return conditional_get(client, memory, url, parse, absent=absent, accept="application/json")

    def _fetch_changed(self, client: HttpClient, memory: FetchMemory, wanted: set[str]) -> None:
        """The whole posts of `wanted` ids into self.posts: modified_after, then include=."""
        mark = memory.recall(self.api + _WATERMARK)
        after = _minus_margin(mark.found) if mark is not None and isinstance(mark.found, str) else ""
        if after:
            for post in self._embedded(client, {"modified_after": after}):
                key = str(post.get("id"))
                if key in wanted:
                    self.posts[key] = post
        rest = sorted((k for k in wanted if k not in self.posts), key=lambda k: (len(k), k))
        for start in range(0, len(rest), PAGE_SIZE):
            for post in self._embedded(client, {"include": ",".join(rest[start : start + PAGE_SIZE])}):
                self.posts[str(post.get("id"))] = post

    def _embedded(self, client: HttpClient, query: dict) -> Iterator[dict]:
        """Whole posts (with _embed) matching `query`, every page of them."""
        base = {**query, "_embed": 1, "per_page": PAGE_SIZE, "orderby": "id", "order": "asc"}
        number = 1
        while number <= MAX_PAGES:
            url = f"{self.api}?{urlencode({**base, 'page': number})}"
            response = client.get(url, accept="application/json", any_status=number > 1)
            if number > 1 and response.status == 400:  # WordPress: past the last page
                return
            if not 200 <= response.status < 300:
                raise response.failure()
            posts = _json_list(response, url)
            yield from (p for p in posts if isinstance(p, dict) and "id" in p)
            pages = _header_int(response, "x-wp-totalpages")
            if (pages is not None and number >= pages) or (pages is None and len(posts) < PAGE_SIZE):
                return
            number += 1

    def _client(self) -> HttpClient:
        return HttpClient(limits_for(self.source, self.settings))

    def _saved(self) -> Iterator[tuple[str, str]]:
        try:
            data = json.loads(self.source.path.read_bytes())
        except (OSError, ValueError) as exc:
            raise SourceError(f"{self.source.path}: not a readable JSON array of posts ({exc})") from None
        if not isinstance(data, list):
            raise SourceError(f"{self.source.path}: expected a JSON array of posts")
        for post in data:
            if isinstance(post, dict) and "id" in post:
                self.posts.setdefault(str(post["id"]), post)
        for key in sorted(self.posts, key=lambda k: (len(k), k)):
            post = self.posts[key]
            yield key, digest(str(post.get("modified_gmt", "")), json.dumps(post, sort_keys=True)[:10000])

    # one post ----------------------------------------------------------------------

    def _item(self, key: str, post: dict, fingerprint: str) -> SourceItem:
        link = post.get("link") or ""
        if not link.startswith(("https://", "http://")):
            raise SourceError(f"post {key}: no absolute link")
        title = plain(_rendered(post, "title"))
        if not title:
            raise SourceError(f"post {key}: empty title")
        html, text = clean_html(_rendered(post, "content"), link)
        if not text:
            raise SourceError(f"post {key}: empty content")
        terms = [t for group in post.get("_embedded", {}).get("wp:term", []) if isinstance(group, list) for t in group if isinstance(t, dict)]
        categories = [t for t in terms if t.get("taxonomy") == "category"]
        tags = tuple(plain(t.get("name", "")) for t in terms if t.get("taxonomy") == "post_tag")
        authors = post.get("_embedded", {}).get("author", [])
        media = post.get("_embedded", {}).get("wp:featuredmedia", [])
        return SourceItem(
            source=self.name,
            key=key,
            section=self._section(key, categories),
            title=title,
            content_html=html,
            text=text,
            author=plain(authors[0].get("name", "")) if authors and isinstance(authors[0], dict) else self.settings.site.name,
            published=parse_time(post.get("date_gmt")),
            updated=parse_time(post.get("modified_gmt")),
            slug=slugify(post.get("slug", "")) or slugify(title),
            url=link,
            image=web_url(media[0].get("source_url"), link) if media and isinstance(media[0], dict) else None,
            tags=tuple(t for t in tags if t),
            fingerprint=fingerprint,
        )

    def _section(self, key: str, categories: list[dict]) -> str:
        mapping = {k.strip().casefold(): v for k, v in self.source.section_names.items()}
        names = [plain(str(c.get("name", ""))) for c in categories]
        slugs = [str(c.get("slug", "")) for c in categories]
        for value in names + slugs:
            if value.strip().casefold() in mapping:
                return mapping[value.strip().casefold()]
        try:
            return section_slug(names + slugs, self.settings, self.source.section)
        except SourceError:
            shown = ", ".join(repr(n) for n in names) or "none"
            example = names[0] if names else "Kategori"
            raise SourceError(
                f"post {key}: no section: its categories ({shown}) are not mapped; add \"{example}\" = \"<slug>\" to "
                f"section_names of source {self.name!r}, or set its section = \"<slug>\" for unmapped posts"
            ) from None


_NO_VALIDATORS = Validators()


def _json_list(response: Response, url: str) -> list:
    try:
        data = json.loads(response.body)
    except ValueError:
        raise SourceError(f"{url}: the answer is not JSON; is url the WordPress site root?") from None
    if not isinstance(data, list):
        raise SourceError(f"{url}: expected a JSON array of posts")
    return data


def _header_int(response: Response, name: str) -> int | None:
    value = response.headers.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _minus_margin(stamp: str) -> str:
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", ""))
    except ValueError:
        return ""
    return (moment - MARGIN).strftime("%Y-%m-%dT%H:%M:%S")


def _rendered(post: dict, field: str) -> str:
    value = post.get(field, "")
    return value.get("rendered", "") if isinstance(value, dict) else str(value or "")
