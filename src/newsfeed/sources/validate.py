"""The last check of every item before it is stored, whatever source it came from.

A value no feed could carry is either a rejection naming the field and the fix (the page is
left out, the others are published) or is made safe and reported as a notice.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

from newsfeed.config import Settings
from newsfeed.errors import SourceError
from newsfeed.text import clean_line, slugify
from newsfeed.times import FIRST_YEAR, LAST_YEAR
from newsfeed.types import SourceItem

MAX_TITLE = 300
MAX_TAG = 100
MAX_TAGS = 30
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def check_item(item: SourceItem, settings: Settings) -> tuple[SourceItem, list[str]]:
    """The item as it will be stored, and notices of what was changed on the way.

    Raises SourceError for what cannot be fixed without the editor."""
    notices: list[str] = []
    for name in ("published", "updated"):
        moment: datetime | None = getattr(item, name)
        if moment is not None and not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise SourceError(f"{name}: {moment.date().isoformat()} is not a plausible date ({FIRST_YEAR}-{LAST_YEAR}); fix the date")
    if settings.section(item.section) is None:
        names = ", ".join(s.name for s in settings.sections)
        raise SourceError(f"section {item.section!r} is not configured; use one of {names}")
    title = clean_line(_CONTROL.sub(" ", item.title))
    if not title:
        raise SourceError("no headline; give the article a headline")
    if len(title) > MAX_TITLE:
        raise SourceError(f"the headline is {len(title)} characters (at most {MAX_TITLE}); shorten it")
    tags: list[str] = []
    for raw in item.tags:
        tag = clean_line(_CONTROL.sub(" ", raw))
        if len(tag) > MAX_TAG:
            notices.append(f"tag {tag[:40]!r}... is {len(tag)} characters (at most {MAX_TAG}); left out, shorten it")
        elif tag and tag.casefold() not in (t.casefold() for t in tags):
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        notices.append(f"{len(tags)} tags; only the first {MAX_TAGS} are used")
        tags = tags[:MAX_TAGS]
    slug = slugify(item.slug, limit=120) or slugify(title, limit=120)
    if item.slug and slug != item.slug:
        notices.append(f"slug {item.slug[:60]!r} is not a plain ASCII slug; published as {slug!r}")
    if not slug:
        slug = "artikel"  # a headline with no ASCII letter at all; the store makes it unique
    return dataclasses.replace(
        item,
        title=title,
        author=clean_line(_CONTROL.sub(" ", item.author)),
        tags=tuple(tags),
        slug=slug,
        identity=clean_line(item.identity),
    ), notices
