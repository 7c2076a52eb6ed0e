"""The one place that wires the layers: gather, enrich, publish."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from newsfeed import __version__
from newsfeed.config import Settings
from newsfeed.deliver.files import intact, publish_files, remove_files, remove_stale_temporaries
from newsfeed.enrich.topics import section_topics
from newsfeed.enrichment import enrich
from newsfeed.render.feeds import render_atom, render_rss
from newsfeed.render.ids import feed_file
from newsfeed.render.index import render_index
from newsfeed.render.jsonfeed import render_json
from newsfeed.render.opml import render_opml
from newsfeed.render.templates import PACKAGED as PACKAGED_TEMPLATES
from newsfeed.ingest import ingest
from newsfeed.store import Store, lifecycle, outputs
from newsfeed.store.lifecycle import ArticleEntry
from newsfeed.times import to_stored
from newsfeed.types import Article, FeedSpec, FileStamp, GatherReport, Progress, PublishReport, no_progress

RENDERERS = {"rss": render_rss, "atom": render_atom, "json": render_json}
TOPIC_FOLDER = "topik"


def gather(
    settings: Settings, store: Store, now: datetime, progress: Progress = no_progress, allow_withdraw: bool = False
) -> tuple[GatherReport, list[str]]:
    """Read every source, store new and edited articles, withdraw those gone from their
    source, then update topics and related lists (also what a killed run left undone).

    Returns the report and the ids whose topics and lists were updated. A page that fails is
    reported and skipped; the others are still stored, in batches that each commit whole.
    """
    store.follow_base_url(settings.site.base_url)
    report = ingest(settings, store, now, progress, allow_withdraw)
    changed = store.queued()
    enrich(settings, store, progress)
    return report, changed


@dataclass(frozen=True, slots=True)
class FeedPlan:
    site: FeedSpec
    sections: tuple[FeedSpec, ...]
    topics: tuple[FeedSpec, ...]
    topics_by_section: dict[str, tuple[FeedSpec, ...]]
    counts: dict[str, int]  # feed path -> articles in it


def plan_feeds(settings: Settings, store: Store, now: datetime) -> FeedPlan:
    """Every feed to publish: the site, each section with articles, each topic big enough.

    Only articles published by `now` count: a feed of scheduled articles only is not listed.
    """
    base, site_name = settings.site.base_url, settings.site.name
    counts: dict[str, int] = store.section_counts(now)
    counts[""] = sum(counts.values())
    sections = tuple(
        FeedSpec(
            "section", s.slug, s.name, f"{site_name}: {s.name}", f"Berita rubrik {s.name} dari {site_name}", s.slug, f"{base}/{s.slug}"
        )
        for s in settings.sections
        if counts.get(s.slug)
    )
    topics: list[FeedSpec] = []
    for slug, name, number in store.topic_counts(settings.topics.min_articles, now):
        path = f"{TOPIC_FOLDER}/{slug}"
        title, description = f"{site_name}: {name}", f"Berita tentang {name} dari {site_name}"
        topics.append(FeedSpec("topic", slug, name, title, description, path, f"{base}/{path}"))
        counts[path] = number
    by_slug = {t.key: t for t in topics}
    topics_by_section = {
        section: tuple(by_slug[slug] for slug in slugs if slug in by_slug)
        for section, slugs in section_topics(store.topic_counts_by_section(now), settings.topics.per_section_in_opml).items()
    }
    site = FeedSpec("site", "", site_name, site_name, settings.site.description or site_name, "", base)
    return FeedPlan(site, sections, tuple(topics), topics_by_section, counts)


def render_all(settings: Settings, store: Store, now: datetime, plan: FeedPlan) -> Iterator[tuple[str, bytes]]:
    """(path under feeds/, bytes) for every output file, in a stable order."""
    for spec in (plan.site, *plan.sections, *plan.topics):
        articles = _feed_articles(settings, store, now, spec)
        if not articles:
            continue
        for fmt in settings.feeds.formats:
            yield feed_file(spec, fmt), RENDERERS[fmt](spec, articles, settings)
    yield "opml.xml", render_opml(plan.site, plan.sections, plan.topics_by_section, settings)
    yield "index.html", render_index(plan.site, plan.sections, plan.topics, plan.counts, settings)


def _feed_articles(settings: Settings, store: Store, now: datetime, spec: FeedSpec) -> list[Article]:
    limit = settings.feeds.max_items
    if spec.kind == "section":
        return store.newest(limit, now, section=spec.key)
    if spec.kind == "topic":
        return store.newest(limit, now, topic=spec.key)
    return store.newest(limit, now)


def publish(settings: Settings, store: Store, now: datetime, progress: Progress = no_progress) -> PublishReport:
    """Render every feed and write the files that changed, each atomically.

    When nothing that feeds are made of has changed since the last publish (store
    revision, articles now due, configuration, templates, newsfeed version) and every
    published file is still as it was written, nothing is rendered at all; a file that was
    damaged, edited or deleted by hand is written again. Files published before that are no
    longer produced (a topic that was blocked or fell below the threshold) are removed, and
    so are the temporary files of a publish that was killed.
    """
    stamp = _publish_stamp(settings, store, now)
    previous = outputs.published(store, "feed")
    root = settings.feeds.output_dir
    if store.meta("publish_stamp") == stamp and previous and all(intact(root, p, s) for p, s in previous.items()):
        return PublishReport(unchanged=tuple(previous))
    remove_stale_temporaries(root)
    plan = plan_feeds(settings, store, now)
    total = (1 + len(plan.sections) + len(plan.topics)) * len(settings.feeds.formats) + 2
    files = []
    # Collect, then write: a render failure leaves every published file as it was.
    for done, item in enumerate(render_all(settings, store, now, plan), start=1):
        files.append(item)
        progress("publish", done, total)
    outputs.announce(store, "feed", [name for name, _data in files])
    stamps: dict[str, FileStamp] = {}
    written, unchanged = publish_files(root, files, stamps)
    removed = sorted(set(previous) - set(stamps))
    remove_files(root, removed)
    with store.transaction() as conn:
        outputs.record(conn, "feed", stamps, removed)
        store.set_meta(conn, "publish_stamp", stamp)
    return PublishReport(written=tuple(written), unchanged=tuple(unchanged), removed=tuple(removed))


def _publish_stamp(settings: Settings, store: Store, now: datetime) -> str:
    due = store.query("SELECT count(*) FROM articles WHERE published <= ?", (to_stored(now),))[0][0]
    digest = hashlib.sha256()
    for part in (__version__, store.meta("revision", "0"), str(due), settings.path.read_bytes().hex()):
        digest.update(part.encode() + b"\0")
    for folder in (settings.templates_dir, PACKAGED_TEMPLATES):
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                stat = path.stat()
                digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}\0".encode())
    return digest.hexdigest()


def open_store(settings: Settings) -> Store:
    return Store(settings.store_path)


def take_down(settings: Settings, store: Store, wanted: str, now: datetime, note: str = "", progress: Progress = no_progress) -> tuple[ArticleEntry, PublishReport]:
    """An editor's takedown (legal, retraction): out of every feed at once, and it never
    comes back from its source until restored."""
    entry = lifecycle.take_down(store, wanted, now, note)
    enrich(settings, store, progress)
    return entry, publish(settings, store, now, progress)


def restore(settings: Settings, store: Store, wanted: str, now: datetime, progress: Progress = no_progress) -> tuple[ArticleEntry, PublishReport]:
    """Undo a takedown and publish the article again."""
    entry = lifecycle.restore(store, wanted)
    enrich(settings, store, progress)
    return entry, publish(settings, store, now, progress)
