"""Frozen records passed between the layers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

# (phase, done, total): long jobs report progress through it; the CLI draws a bar.
Progress = Callable[[str, int, int], None]


def no_progress(phase: str, done: int, total: int) -> None:
    """The Progress of callers that do not show any."""


@dataclass(frozen=True, slots=True)
class Section:
    slug: str  # stable path segment: feeds/<slug>/
    name: str  # display name, as on the page ("Dunia")


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What is known of a lead image without fetching it at render time: its bytes, MIME type
    and pixels. Filled at gather time (a file under site.static_dir; a source may fill it from
    a HEAD request); None where unknown."""

    length: int | None = None
    type: str = ""  # "image/jpeg"
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class SourceItem:
    """One article as a source adapter read it, before the store gives it an id.

    `key` is the source's own identity for the article (file path relative to the
    source folder, source URL or CMS id); the store derives the article id from
    (source name, key) once and never from mutable fields.
    """

    source: str
    key: str
    section: str  # section slug
    title: str
    content_html: str  # sanitised HTML, absolute URLs
    text: str  # plain text, paragraphs separated by a blank line
    author: str
    published: datetime | None  # aware; None: the store uses the first-seen time
    updated: datetime | None = None  # aware; None: the store uses the time it saw a change
    slug: str = ""
    url: str = ""  # absolute; empty: derived from base_url, section and slug
    image: str | None = None  # absolute URL of the lead image
    tags: tuple[str, ...] = ()  # editor-given topics, win over extracted ones
    related_titles: tuple[str, ...] = ()  # headlines listed under "Artikel Terkait"
    fingerprint: str = ""  # hash of the raw input; unchanged input is not re-parsed
    identity: str = ""  # pinned by the page ("id:" header): the article id comes from it, not from `key`
    image_info: ImageInfo | None = None  # the lead image's size and type, where a source knows them


@dataclass(frozen=True, slots=True)
class Article:
    """An article as stored: the one record every renderer works from."""

    id: str  # assigned once at first sight, from (source, key); never recomputed
    source: str
    key: str
    section: str
    title: str
    content_html: str
    text: str
    summary: str  # plain text, for RSS description / JSON summary / digest
    author: str
    published: datetime  # aware UTC
    updated: datetime  # aware UTC, >= published
    slug: str
    url: str
    image: str | None = None
    tags: tuple[str, ...] = ()
    related_titles: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()  # display names, filled by enrichment
    related: tuple[Link, ...] = ()  # filled by enrichment, editor-chosen first
    image_info: ImageInfo | None = None  # the lead image's bytes, type and pixels, where known


@dataclass(frozen=True, slots=True)
class Link:
    """A pointer to another stored article (related articles)."""

    id: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Rejection:
    """A source input that could not become an article, and why."""

    source: str
    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.key}: {self.reason}"


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One published feed: what it selects and where it lives."""

    kind: str  # "site", "section" or "topic"
    key: str  # "" for the site, the section slug or the topic slug
    name: str  # the site's, the section's or the topic's display name
    title: str
    description: str
    path: str  # folder under feeds/ ("" for the site feed, "dunia", "topik/rusia")
    home_url: str  # the HTML page the feed stands for


@dataclass(frozen=True, slots=True)
class GatherReport:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: tuple[Rejection, ...] = ()
    withdrawn: int = 0  # gone from their source since the last gather
    held: int = 0  # changed in their source but taken down by an editor
    notices: tuple[Rejection, ...] = ()  # published, but changed on the way (a slug made unique)


@dataclass(frozen=True, slots=True)
class PublishReport:
    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = field(default_factory=tuple)
    pinged: int = 0  # WebSub notices the hubs accepted
    ping_failures: tuple[str, ...] = ()  # "hub: topic (error)", pinged again after the next publish


@dataclass(frozen=True, slots=True)
class FileStamp:
    """A published file as it was written: its hash, and the stat that tells it was not touched since."""

    sha256: str
    size: int
    mtime_ns: int
