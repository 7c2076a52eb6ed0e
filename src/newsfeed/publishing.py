"""Publish: plan every feed, render only those whose content changed, write each as it is ready.

The store records, by trigger, every feed whose items may have changed since the last
publish (table dirty_feeds); articles that came due since then mark theirs here. Only those
feeds, feeds whose files were damaged or deleted, and everything after a change of settings,
templates or newsfeed itself are rendered; the rest is not even read. Each file is written
atomically (temporary file, rename) as soon as it is rendered, so memory is bounded by the
largest feed; one sync of the output file system at the end replaces an fsync per file, and
only after it does the store record what was published. A publish killed on the way is
finished by the next: the dirty marks stay until that record.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from newsfeed import __version__
from newsfeed.config import Settings
from newsfeed.deliver import targets
from newsfeed.errors import DeliveryError
from newsfeed.render import sitemap
from newsfeed.render.ids import FILE_NAMES, feed_file
from newsfeed.store import Store, feedstate, outputs
from newsfeed.times import to_stored
from newsfeed.types import Article, FeedSpec, Progress, PublishReport, no_progress

TOPIC_FOLDER = "topik"  # also in the dirty_feeds triggers of store/migrations.py and Store.set_topics
COMPRESSED = (".xml", ".json", ".html")  # kinds of files published with a .gz copy beside them
KNOWN_ARTICLES = 20_000  # articles kept read while publishing (an article is in several feeds)
LIGHT_ARTICLES = 100_000  # the same read without bodies, for topic feeds (~2 KB each)
GZIP_LEVEL = 3  # level 6 cost 21 s of a 67 s publish of 10,000 pages; 3 halves that for .gz copies ~11% larger
ROBOTS_LINES = "robots-sitemaps.txt"


@dataclass(frozen=True, slots=True)
class FeedPlan:
    site: FeedSpec
    sections: tuple[FeedSpec, ...]
    topics: tuple[FeedSpec, ...]
    topics_by_section: dict[str, tuple[FeedSpec, ...]]
    counts: dict[str, int]  # feed path -> articles in it

    @property
    def feeds(self) -> tuple[FeedSpec, ...]:
        return (self.site, *self.sections, *self.topics)


def plan_feeds(settings: Settings, store: Store, now: datetime, tallied: bool = False) -> FeedPlan:
    """Every feed to publish: the site, each section with articles, each topic big enough.

    Only articles published by `now` count: a feed of scheduled articles only is not listed.
    `tallied`: the topics' counts as store.recount_topics left them (publish recounts those
    that changed first), else counted now over every article's topics.
    """
    from newsfeed.enrich.topics import section_topics

    base, site_name = settings.site.base_url, settings.site.name
    counts: dict[str, int] = feedstate.section_counts(store, now)
    counts[""] = sum(counts.values())
    sections = tuple(
        FeedSpec(
            "section", s.slug, s.name, f"{site_name}: {s.name}", f"Berita rubrik {s.name} dari {site_name}", s.slug, f"{base}/{s.slug}"
        )
        for s in settings.sections
        if counts.get(s.slug)
    )
    minimum = settings.topics.min_articles
    topics: list[FeedSpec] = []
    for slug, name, number in feedstate.tallied_topics(store, minimum) if tallied else feedstate.topic_counts(store, minimum, now):
        path = f"{TOPIC_FOLDER}/{slug}"
        title, description = f"{site_name}: {name}", f"Berita tentang {name} dari {site_name}"
        # the site has no topic pages: a topic feed's home is the page publish writes for it
        topics.append(FeedSpec("topic", slug, name, title, description, path, f"{settings.feeds.base_url}/{path}/"))
        counts[path] = number
    by_slug = {t.key: t for t in topics}
    topics_by_section = {  # chosen among topics with a feed, each under one section
        section: tuple(by_slug[slug] for slug in slugs)
        for section, slugs in section_topics(
            feedstate.tallied_topics_by_section(store) if tallied else feedstate.topic_counts_by_section(store, now),
            settings.topics.per_section_in_opml, eligible=by_slug,
        ).items()
    }
    site = FeedSpec("site", "", site_name, site_name, settings.site.description or site_name, "", base)
    return FeedPlan(site, sections, tuple(topics), topics_by_section, counts)


def files_of(spec: FeedSpec, settings: Settings) -> list[str]:
    """The files under feeds/ that one feed's content makes (a section or topic: its page too)."""
    files = [feed_file(spec, fmt) for fmt in settings.feeds.formats]
    return files if spec.kind == "site" else [*files, f"{spec.path}/index.html"]


def render_all(
    settings: Settings, store: Store, now: datetime, plan: FeedPlan, wanted: Callable[[FeedSpec], bool] = lambda spec: True,
    indexes: bool = True,
) -> Iterator[tuple[str, bytes]]:
    """(path under feeds/, bytes) for the files of every wanted feed, then (if `indexes`) the
    OPML and the index page, in a stable order; one feed's articles are read at a time."""
    from newsfeed.render.index import FeedPages, render_index
    from newsfeed.render.opml import render_opml

    renderers = _renderers(settings)
    pages: FeedPages | None = None  # made at the first page: it loads the template
    known: dict[str, Article] = {}
    light: dict[str, Article] = {}  # read without their bodies, for feeds that carry none
    for spec in plan.feeds:
        if not wanted(spec):
            continue
        articles = _feed_articles(settings, store, now, spec, known, light)
        if not articles:
            continue
        for fmt in settings.feeds.formats:
            yield feed_file(spec, fmt), renderers[fmt](spec, articles)
        if spec.kind != "site":
            pages = pages or FeedPages(settings)
            yield f"{spec.path}/index.html", pages.render(spec, articles)
    if indexes:
        yield "opml.xml", render_opml(plan.site, plan.sections, plan.topics_by_section, settings)
        yield "index.html", render_index(plan.site, plan.sections, plan.topics, plan.counts, settings)


def _index_mark(plan: FeedPlan) -> str:
    """What the OPML and index.html are made of besides the settings (in the frame stamp):
    the same mark, the same two files."""
    made_of = (plan.site, plan.sections, plan.topics, plan.topics_by_section, sorted(plan.counts.items()))
    return hashlib.sha256(repr(made_of).encode()).hexdigest()


def _renderers(settings: Settings) -> dict[str, Callable[[FeedSpec, list[Article]], bytes]]:
    """Each format's renderer for one publish: feeds assembled from item fragments rendered once
    an article (render/assemble.py), byte for byte what render/feeds.py and render/jsonfeed.py
    write for the same articles."""
    from newsfeed.render.assemble import FeedAssembler

    assembler = FeedAssembler(settings)
    return {"rss": assembler.rss, "atom": assembler.atom, "json": assembler.json}


def _feed_articles(
    settings: Settings, store: Store, now: datetime, spec: FeedSpec, known: dict[str, Article], light: dict[str, Article]
) -> list[Article]:
    """The feed's articles; those read for an earlier feed of this publish are taken from
    `known` (or `light`, read without bodies, for a feed that carries none)."""
    from newsfeed.render.parts import carries_body

    limit = settings.feeds.max_items
    for kept, most in ((known, KNOWN_ARTICLES), (light, LIGHT_ARTICLES)):
        while len(kept) > most:  # oldest read first out
            del kept[next(iter(kept))]
    bodiless = None if carries_body(spec, settings) else light
    if spec.kind == "section":
        return store.newest_reusing(limit, now, known, section=spec.key, light=bodiless)
    if spec.kind == "topic":
        return store.newest_reusing(limit, now, known, topic=spec.key, light=bodiless)
    return store.newest_reusing(limit, now, known, light=bodiless)


def publish(settings: Settings, store: Store, now: datetime, progress: Progress = no_progress) -> PublishReport:
    """Render the feeds whose content changed and write the files that changed.

    A file damaged, edited or deleted by hand is written again. Files published before that
    are no longer produced (a topic that was blocked or fell below the threshold) are
    removed, and so are the temporary files of a publish that was killed.
    """
    target = targets.open_target(settings)  # feeds.output_dir, or a bucket
    frame = _frame_stamp(settings)
    full = store.meta("publish_frame") != frame
    if not full:
        feedstate.mark_due(store, store.meta("published_until"), now)
    dirty = feedstate.dirty_feeds(store)
    news = store.sitemap_entries(now - timedelta(days=sitemap.NEWS_WINDOW_DAYS), now)
    news_mark = hashlib.sha256(repr([(url, title) for url, title, *_ in news]).encode()).hexdigest()
    news_changed = store.meta("news_window") != news_mark  # articles leave the window as time passes
    if full or outputs.writing_was_killed(store):  # else no temporaries can be left: no walk of feeds/
        target.sweep()
    if not full and not dirty and not news_changed:
        kept = outputs.untouched(store, "feed", target)
        if kept:
            pinged, failures = _announce(settings, store, [])  # what failed last time, nothing new
            return PublishReport(unchanged=tuple(p for p in kept if not p.endswith(".gz")), pinged=pinged, ping_failures=failures)
    previous = outputs.published(store, "feed")
    # the topics whose counts can have changed since the last publish are marked (set_topics,
    # deletions, mark_due for articles that came due); the rest keep their counts, unless the
    # clock went back (then articles may have left them)
    recount_all = full or store.meta("topics_tallied") != "1" or to_stored(now) < store.meta("published_until")
    feedstate.recount_topics(store, now, None if recount_all else feedstate.topics_to_recount(store))
    plan = plan_feeds(settings, store, now, tallied=True)
    found: dict[str, bool] = {}  # path -> intact, each published file looked at once (a stat each)

    def intact(path: str) -> bool:
        if path not in found:
            found[path] = path in previous and target.intact(path, previous[path])
        return found[path]

    def wanted(spec: FeedSpec) -> bool:
        files = [c for p in files_of(spec, settings) for c in copies(p)]
        return full or spec.path in dirty or not all(intact(p) for p in files)

    chosen = [spec for spec in plan.feeds if wanted(spec)]
    singles = ["opml.xml", "index.html", ROBOTS_LINES, *sitemap.news_files(len(news)), *sitemap.article_files(plan.counts[""] + len(plan.feeds) - 1)]
    expected = {c for spec in plan.feeds for p in files_of(spec, settings) for c in copies(p)} | {c for p in singles for c in copies(p)}
    outputs.announce(store, "feed", sorted(expected - set(previous)))
    total = sum(len(files_of(spec, settings)) for spec in chosen) + 2
    chosen_paths = {spec.path for spec in chosen}
    outputs.begin_writing(store)
    staged = target.stage()
    changed: list[str] = []
    digests: dict[str, str] = {}
    try:
        index_mark = _index_mark(plan)
        indexes_kept = store.meta("index_inputs") == index_mark and all(intact(c) for p in ("opml.xml", "index.html") for c in copies(p))
        indexes = full or not indexes_kept
        files = render_all(settings, store, now, plan, lambda spec: spec.path in chosen_paths, indexes)
        article_maps = sitemap.article_files(plan.counts[""] + len(plan.feeds) - 1)
        kept = all(intact(c) for p in article_maps for c in copies(p))
        index_changes = plan.site in chosen or bool(news) != ("sitemap-news.xml" in previous) or not kept
        marked = {} if full else json.loads(store.meta("sitemap_parts", "{}"))
        part_marks: dict[str, str] = {}  # what each article sitemap part lists, for the next publish

        def part_kept(name: str, mark: str) -> bool:
            return marked.get(name) == mark and all(intact(c) for c in copies(name))

        extras = _sitemaps(settings, store, now, plan, news, index_changes, part_kept, part_marks)
        for done, (relative, data) in enumerate(itertools.chain(files, extras), start=1):
            for name, content, digest in _prepared(relative, data):
                digests[name] = digest
                if intact(name) and previous[name].sha256 == digest:  # as published, and these bytes
                    continue
                if intact(name) or target.differs(name, content, digest, None):
                    staged.add(name, content)
                    changed.append(name)
            progress("publish", done, total)
        staged.commit()
    except OSError as exc:
        staged.discard()
        raise DeliveryError(f"{target.where}: cannot write ({exc.strerror}); check feeds.output_dir, its permissions and free space") from None
    except BaseException:
        staged.discard()
        raise
    fresh = {relative: target.stamp(relative, digest) for relative, digest in digests.items()}  # the files rendered
    stamps = {p: s for p, s in previous.items() if p in expected} | fresh
    removed = sorted(set(previous) - expected)
    target.remove(removed)
    with store.transaction() as conn:
        outputs.record(conn, "feed", fresh, removed)  # the others' rows are as they were
        feedstate.clear_dirty(conn)
        store.set_meta(conn, "publish_frame", frame)
        store.set_meta(conn, "published_until", to_stored(now))
        store.set_meta(conn, "news_window", news_mark)
        store.set_meta(conn, "topics_tallied", "1")
        store.set_meta(conn, "index_inputs", index_mark)
        if part_marks:
            store.set_meta(conn, "sitemap_parts", json.dumps(part_marks, sort_keys=True))
        outputs.end_writing(store, conn)
    # the report names files; a .gz copy counts with its file
    primary = {p for p in stamps if not (p.endswith(".gz") and p[:-3] in stamps)}
    written = sorted({p if p in primary else p[:-3] for p in changed})
    purge_failure = targets.purge(settings, [*changed, *removed])  # before the hubs fetch through the CDN
    pinged, failures = _announce(settings, store, [p for p in written if p.rsplit("/", 1)[-1] in FILE_NAMES.values()])
    if purge_failure:
        raise DeliveryError(purge_failure)
    return PublishReport(
        written=tuple(written), unchanged=tuple(sorted(primary - set(written))), removed=tuple(p for p in removed if not p.endswith(".gz")),
        pinged=pinged, ping_failures=failures,
    )


def _announce(settings: Settings, store: Store, feeds: list[str]) -> tuple[int, tuple[str, ...]]:
    """WebSub: one publish notice per changed feed to each hub, and those that failed last time."""
    pending = [tuple(pair) for pair in json.loads(store.meta("websub_pending", "[]"))]
    pairs = list(dict.fromkeys(pending + [(hub, f"{settings.feeds.base_url}/{path}") for path in feeds for hub in settings.feeds.websub_hubs]))
    if not pairs:
        return 0, ()
    from newsfeed.deliver import websub

    results = websub.ping(pairs)
    failed = [(r.hub, r.topic) for r in results if r.error]
    with store.transaction() as conn:
        store.set_meta(conn, "websub_pending", json.dumps(failed))
    by_hub: dict[str, list[websub.PingResult]] = {}
    for result in results:
        if result.error:
            by_hub.setdefault(result.hub, []).append(result)
    return len(results) - len(failed), tuple(_failure_line(hub, failures) for hub, failures in by_hub.items())


def _failure_line(hub: str, failures: list) -> str:
    """One line per hub, however many feeds it missed."""
    errors = sorted({f.error for f in failures})
    first = failures[0].topic
    more = f" and {len(failures) - 1} more" if len(failures) > 1 else ""
    return f"{hub}: {first}{more} ({'; '.join(errors)})"


def _sitemaps(
    settings: Settings, store: Store, now: datetime, plan: FeedPlan, news, articles: bool, kept: Callable[[str, str], bool], marks: dict[str, str]
) -> Iterator[tuple[str, bytes]]:
    """The news sitemap (always: it follows the clock), the article sitemaps when articles
    changed (those parts `kept` says are as published are not rendered; every part's mark
    goes into `marks`), and the robots.txt lines."""
    yield from sitemap.render_news(news, settings)
    if articles:
        pages = [f"{settings.feeds.base_url}/{spec.path}/" for spec in plan.feeds if spec.kind != "site"]
        files, part_marks = sitemap.render_articles(store.sitemap_lastmods(now), pages, bool(news), settings, kept)
        marks.update(part_marks)
        yield from files
    yield ROBOTS_LINES, sitemap.render_robots_lines(settings)


def copies(relative: str) -> tuple[str, ...]:
    """A published file and its precompressed copy (for nginx gzip_static, CDNs, serve).

    Topic feeds and pages have none: thousands of them, each fetched by few readers, and on a
    first build or a full publish their copies were half of all files written (creating a file
    costs the file system far more than its bytes); they are served as they are."""
    return (relative, relative + ".gz") if _compressed(relative) else (relative,)


def _compressed(relative: str) -> bool:
    return relative.endswith(COMPRESSED) and not relative.startswith(TOPIC_FOLDER + "/")


def _with_copies(relative: str, data: bytes) -> list[tuple[str, bytes]]:
    if not _compressed(relative):
        return [(relative, data)]
    # mtime 0 and a fixed level: the same bytes give the same copy, run after run
    return [(relative, data), (relative + ".gz", gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))]


def _prepared(relative: str, data: bytes) -> list[tuple[str, bytes, str]]:
    """(name, bytes, sha256) of a file and its compressed copy."""
    return [(name, content, hashlib.sha256(content).hexdigest()) for name, content in _with_copies(relative, data)]


def _frame_stamp(settings: Settings) -> str:
    """What every feed depends on besides the store: newsfeed and its renderers' code, the
    configuration, the templates."""
    from newsfeed import render
    from newsfeed.render.templates import PACKAGED as PACKAGED_TEMPLATES

    digest = hashlib.sha256()
    for part in (__version__, settings.path.read_bytes().hex()):
        digest.update(part.encode() + b"\0")
    here = Path(__file__).parent  # the renderers, and what chooses the files and counts the topics
    for module in [*sorted(Path(render.__file__).parent.glob("*.py")), here / "publishing.py", here / "store" / "feedstate.py"]:
        digest.update(module.read_bytes())
    for folder in (settings.templates_dir, PACKAGED_TEMPLATES):
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                stat = path.stat()
                digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}\0".encode())
    return digest.hexdigest()
