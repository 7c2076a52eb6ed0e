"""The same articles as a Hugo site that builds RSS only (bench_build.py's yardstick).

Mapping, one Markdown file per article page:
- content/<section>/<slug>.md, the section folder being the page's section slug (a Hugo
  section; content/<section>/_index.md gives it the section's name as title);
- TOML front matter: title = the headline, date = the publish time (Asia/Jakarta offset),
  slug = the page's slug, tags = the article's topics as newsfeed stored them, limited to the
  topics that got a feed (feeds/topik/<slug>/), so Hugo makes one term feed per newsfeed topic
  feed (same articles, same tags); the byline is `author`;
- the body = the page's paragraphs, one Markdown paragraph each (a leading Markdown marker is
  escaped so no paragraph turns into a heading or list). The "Artikel Terkait" block, the
  description line and the page chrome are not article content and are left out.
The site is theme-less with one layout, layouts/_default/rss.xml (title, link, guid, pubDate,
description = summary, content:encoded = the full HTML, as newsfeed's RSS items carry), used
for the home page (every article), each section and each tag term; outputs are RSS only and
pages are listed but never rendered (cascade `_build.render = "link"`); the taxonomy list
pages, sitemap, robots.txt and 404 are disabled. rssLimit = 50 as newsfeed's feeds.max_items.
newsfeed additionally writes Atom and JSON Feed for each feed, OPML and index.html.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from sitegen import SECTIONS, SITE_NAME, Page

CONFIG = f"""baseURL = "https://bench.example/"
languageCode = "id"
title = "{SITE_NAME}"
timeZone = "Asia/Jakarta"
disableKinds = ["taxonomy", "sitemap", "robotsTXT", "404"]
ignoreErrors = ["error-disable-taxonomy"]
rssLimit = 50
[taxonomies]
tag = "tags"
[outputs]
home = ["RSS"]
section = ["RSS"]
term = ["RSS"]
page = []
[[cascade]]
  [cascade._build]
    render = "link"
    list = "always"
  [cascade._target]
    kind = "page"
"""

RSS_LAYOUT = """{{- printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?>" | safeHTML }}
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
<title>{{ .Site.Title }}{{ if not .IsHome }}: {{ .Title }}{{ end }}</title>
<link>{{ .Permalink }}</link>
<description>{{ .Site.Title }}</description>
<language>id</language>
{{- $pages := .RegularPages }}{{ if .IsHome }}{{ $pages = .Site.RegularPages }}{{ end }}
{{- with $pages }}<lastBuildDate>{{ (index . 0).Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</lastBuildDate>{{ end }}
<atom:link href="{{ .Permalink }}" rel="self" type="application/rss+xml"/>
{{- range first 50 $pages }}
<item>
<title>{{ .Title }}</title>
<link>{{ .Permalink }}</link>
<guid>{{ .Permalink }}</guid>
<pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate>
{{- with .Params.author }}<dc:creator>{{ . }}</dc:creator>{{ end }}
<description>{{ .Summary | plainify | htmlUnescape | html }}</description>
<content:encoded>{{ .Content | html }}</content:encoded>
</item>
{{- end }}
</channel>
</rss>
"""

_MARKER = re.compile(r"^(?:[#>*+=|~`-]|\d+[.)]\s)")


def _paragraph(text: str) -> str:
    return "\\" + text if _MARKER.match(text) else text


def content_path(root: Path, page: Page) -> Path:
    return root / "content" / page.section / f"{page.slug}.md"


def markdown(page: Page, tags: Iterable[str], paragraphs: Iterable[str] | None = None) -> str:
    front = [
        "+++",
        f"title = {json.dumps(page.title, ensure_ascii=False)}",
        f"date = {page.published.isoformat()}",
        f"slug = {json.dumps(page.slug)}",
        f"author = {json.dumps(page.author, ensure_ascii=False)}",
        f"tags = {json.dumps(list(tags), ensure_ascii=False)}",
        "+++",
    ]
    body = "\n\n".join(_paragraph(p) for p in (page.paragraphs if paragraphs is None else paragraphs))
    return "\n".join(front) + "\n" + body + "\n"


def write_site(root: Path, pages: Iterable[Page], topics: dict[str, list[str]]) -> tuple[int, int]:
    """The Hugo site under root (made afresh); `topics` maps a page's key to its tags.
    Returns (articles, distinct tags)."""
    if root.exists():
        shutil.rmtree(root)
    (root / "layouts" / "_default").mkdir(parents=True)
    (root / "config.toml").write_text(CONFIG, encoding="utf-8")
    (root / "layouts" / "_default" / "rss.xml").write_text(RSS_LAYOUT, encoding="utf-8")
    for slug, name, _weight in SECTIONS:
        (root / "content" / slug).mkdir(parents=True)
        (root / "content" / slug / "_index.md").write_text(f'+++\ntitle = "{name}"\n+++\n', encoding="utf-8")
    count, tags = 0, set()
    for page in pages:
        page_tags = topics.get(page.key, [])
        tags.update(page_tags)
        content_path(root, page).write_text(markdown(page, page_tags), encoding="utf-8")
        count += 1
    return count, len(tags)


def edit(root: Path, page: Page, tags: Iterable[str], extra: str) -> None:
    """The same correction bench_build makes to the page: one paragraph more at the end."""
    content_path(root, page).write_text(markdown(page, tags, (*page.paragraphs, extra)), encoding="utf-8")


def version(hugo: str) -> str:
    return subprocess.run([hugo, "version"], capture_output=True, text=True, check=True).stdout.strip()


def command(hugo: str, root: Path) -> list[str]:
    return [hugo, "--quiet", "--source", str(root), "--destination", str(root / "public")]


def term_feeds(root: Path) -> int:
    tags = root / "public" / "tags"
    return sum(1 for p in tags.iterdir() if (p / "index.xml").is_file()) if tags.is_dir() else 0
