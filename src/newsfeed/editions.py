"""Weekly digest editions: which articles, then render and write them.

An edition is one ISO week in the site's zone, Monday 00:00 to the next Monday 00:00
(Asia/Jakarta for the sample site), named by its ISO code "2024-W42". By default the
edition is the last complete week before `now`; a week that has not ended by `now` is
refused (RenderError), so a digest or a send never carries half a week, except when the
caller asks for a preview (`unfinished=True`): then the edition holds the week so far and
is marked `complete=False`, and `publish_edition` refuses to publish it. Nothing published
after `now` is ever selected: not as a story, not as an "Artikel Terkait" link (a page
dated in the future is scheduled, not published). Articles are grouped by section in the
configured order, newest first, with `digest.max_per_section` per section and
`digest.max_stories` overall (when the overall cap bites, sections take turns: the newest
of each section first). An edited article is one row in the store, so it appears once,
with its current text. A week with nothing in it gives None, not an empty digest.

Output paths under `feeds/` (settings.feeds.output_dir), stable:
- `edisi/<YYYY>-W<ww>/index.html`   the web copy: every story of the edition, generic
                                     unsubscribe link (the subscription page)
- `edisi/<YYYY>-W<ww>/digest.txt`   the plain-text part, as sent
- `edisi/<YYYY>-W<ww>/digest.eml`   the complete message (multipart/alternative) as sent,
                                     with the generic unsubscribe link
- `edisi/<YYYY>-W<ww>/<a>+<b>/...`  the same three files for a `--sections a,b` run
- `edisi/index.html`                the archive: every full edition published, newest first
The list of published editions lives in the store (meta "digest_editions"), since nothing
reads feeds/ back as input.

Per-subscriber sending (issue 5): `select_week()` once, then for every distinct selection
(sections and followed topics, `restrict()`) `render_selection()` (render + premailer once),
then `newsfeed.render.message.build_message()` per subscriber (string substitution only).

Topics (issue 14): a subscriber may follow topics as well as sections. Their edition opens
with a group per followed topic (that topic's stories of the week, from any section), then
the chosen sections without the stories already shown: every story once. No sections with
topics means the topics only; no sections and no topics, every section.
Library code here never prints or exits; failures are RenderError/NewsfeedError.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from newsfeed.config import Settings
from newsfeed.errors import RenderError
from newsfeed.store import Store
from newsfeed.times import FIRST_YEAR, LAST_YEAR, week_bounds
from newsfeed.types import Article, Section

EDITION_FOLDER = "edisi"
ARCHIVE_META = "digest_editions"
TOPIC_PREFIX = "topik/"  # a topic group's Section slug: "topik/<topic slug>", its feed's folder
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Edition:
    """The articles of one week for one section selection, capped and grouped."""

    code: str  # ISO week, "2024-W42"
    start: datetime  # Monday 00:00, site zone (aware)
    end: datetime  # next Monday 00:00, site zone (aware)
    sections: tuple[Section, ...]  # the selection, in configured order
    groups: tuple[tuple[Section, tuple[Article, ...]], ...]  # non-empty groups, capped
    more: tuple[tuple[Section, int], ...] = ()  # articles left out by the caps, per section
    full: bool = True  # the selection is every configured section
    candidates: tuple[Article, ...] = field(default=(), repr=False)  # the whole week, uncapped
    complete: bool = True  # the week had ended at selection time (False only for a preview)
    topics: tuple[Section, ...] = ()  # followed topics, as groups: Section("topik/<slug>", name)
    # article id -> its topic slugs, and topic slug -> name, for the whole week's candidates
    article_topics: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)
    topic_names: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def stories(self) -> tuple[Article, ...]:
        return tuple(a for _s, articles in self.groups for a in articles)

    @property
    def section_slugs(self) -> tuple[str, ...]:
        return tuple(s.slug for s in self.sections)

    @property
    def topic_slugs(self) -> tuple[str, ...]:
        return tuple(s.slug.removeprefix(TOPIC_PREFIX) for s in self.topics)

    @property
    def signature(self) -> tuple:
        """What a rendering depends on: two selections with the same groups of stories (and
        counts left out) render to the same digest, so it is rendered once."""
        return (tuple((s.slug, s.name, tuple(a.id for a in arts)) for s, arts in self.groups),
                tuple((s.slug, n) for s, n in self.more), self.full)


@dataclass(frozen=True, slots=True)
class RenderedDigest:
    """One section selection rendered and inlined; html/text still hold the tokens of
    newsfeed.render.message (UNSUBSCRIBE_URL, GREETING)."""

    code: str
    sections: tuple[str, ...]  # section slugs of the selection
    site_name: str
    subject: str
    sender: str
    date: datetime  # the edition's date: end of its week, site zone
    web_url: str  # the web copy ("Lihat di browser")
    html: str  # inlined e-mail HTML (may keep only the top stories, see `stories`)
    text: str  # plain text: every story of the edition
    stories: int  # stories in the HTML
    total: int  # stories in the edition

    @property
    def size(self) -> int:
        return len(self.html.encode("utf-8"))

    @property
    def trimmed(self) -> bool:
        return self.stories < self.total


@dataclass(frozen=True, slots=True)
class DigestReport:
    code: str
    stories: int
    in_email: int
    size: int  # bytes of the e-mail HTML
    web_url: str
    paths: tuple[str, ...]  # files under feeds/, relative
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    web_copy: Path  # the web copy on disk (for --preview)


# selection ------------------------------------------------------------------


def parse_week(text: str) -> tuple[int, int]:
    """"2024-W42" (or "2024W42") -> (2024, 42); RenderError names the expected form."""
    match = _WEEK.match(text.strip())
    if match:
        year, week = int(match.group(1)), int(match.group(2))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise RenderError(f"--week {text!r}: the year must be between {FIRST_YEAR} and {LAST_YEAR}; write it as 2024-W42")
        try:
            datetime.fromisocalendar(year, week, 1)
            return year, week
        except ValueError:
            pass
    raise RenderError(f"--week {text!r} is not an ISO week; write it as 2024-W42 (weeks 01 to 52/53)")


def week_code(year: int, week: int) -> str:
    return f"{year}-W{week:02d}"


def last_complete_week(now: datetime, zone: ZoneInfo) -> tuple[int, int]:
    """The ISO week that ended most recently at or before `now`, in the site's zone."""
    iso = (now.astimezone(zone) - timedelta(days=7)).isocalendar()
    return iso.year, iso.week


def parse_sections(settings: Settings, text: str | Sequence[str] | None) -> tuple[Section, ...]:
    """Section slugs (a comma list or a sequence) -> Sections in configured order."""
    if text is None:
        return settings.sections
    slugs = [s.strip().lower() for s in (text.split(",") if isinstance(text, str) else text) if s.strip()]
    known = {s.slug for s in settings.sections}
    unknown = [s for s in slugs if s not in known]
    if unknown or not slugs:
        what = ", ".join(unknown) if unknown else "nothing"
        raise RenderError(f"--sections: {what} is not a configured section; use some of {', '.join(sorted(known))}")
    return tuple(s for s in settings.sections if s.slug in slugs)


def select_week(
    settings: Settings,
    store: Store,
    now: datetime,
    week: str | tuple[int, int] | None = None,
    sections: str | Sequence[str] | None = None,
    *,
    unfinished: bool = False,
) -> Edition | None:
    """The edition for a week (default: the last complete one) and a section selection.

    `now` (aware) bounds everything: a week ending after `now` is refused with a RenderError
    unless `unfinished` (a preview: the week so far, `complete=False`); stories and their
    related links are only articles published at or before `now`. None when no article of
    the selection was published that week.
    """
    zone = ZoneInfo(settings.site.timezone)
    year, number = parse_week(week) if isinstance(week, str) else (week or last_complete_week(now, zone))
    start, end = week_bounds(year, number, zone)
    code = week_code(year, number)
    complete = end <= now
    if not complete and not unfinished:
        raise RenderError(unfinished_week_message(code, end))
    chosen = parse_sections(settings, sections)
    # Related links only to articles out by the end of the week: an edition read or resent
    # later links to what its first readers could have read, not to later stories.
    articles = store.published_between(start, end, [s.slug for s in chosen], until=min(now, end))
    seen: set[str] = set()
    unique = tuple(a for a in articles if a.published <= now and not (a.id in seen or seen.add(a.id)))
    by_article, names = week_topics(store, [a.id for a in unique])
    edition = Edition(code, start, end, chosen, (), (), len(chosen) == len(settings.sections), unique, complete,
                      article_topics=by_article, topic_names=names)
    edition = _capped(edition, settings)
    return edition if edition.groups else None


def week_topics(store: Store, ids: Sequence[str]) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """(article id -> topic slugs in rank order, topic slug -> name) for these articles."""
    by_article: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    ids = list(ids)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        rows = store.query(
            f"SELECT article_id, topic, name FROM article_topics WHERE article_id IN ({','.join('?' * len(chunk))}) "
            "ORDER BY article_id, rank",
            chunk,
        )
        for ident, slug, name in rows:
            by_article.setdefault(ident, []).append(slug)
            names.setdefault(slug, name)
    return {k: tuple(v) for k, v in by_article.items()}, names


def unfinished_week_message(code: str, end: datetime) -> str:
    """"week 2026-W48 has not ended yet (it ends Monday 30 November 2026 00:00 WIB); pick a past week"."""
    from babel.dates import format_datetime  # English names whatever the process locale

    ends = format_datetime(end, "EEEE d MMMM y HH:mm", tzinfo=end.tzinfo, locale="en")
    return f"week {code} has not ended yet (it ends {ends} {end.tzname()}); pick a past week"


def restrict(edition: Edition, settings: Settings, sections: str | Sequence[str], topics: Sequence[str] = ()) -> Edition | None:
    """The same week for fewer sections, and/or followed topics, without another query
    (issue 5's selections). `sections` empty with topics: the topics only."""
    chosen = parse_sections(settings, sections) if sections or not topics else ()
    followed = tuple(
        Section(f"{TOPIC_PREFIX}{slug}", edition.topic_names[slug])
        for slug in sorted(set(topics), key=lambda t: (edition.topic_names.get(t, t).lower(), t))
        if slug in edition.topic_names
    )
    slugs = {s.slug for s in chosen}
    wanted = {s.slug.removeprefix(TOPIC_PREFIX) for s in followed}
    candidates = tuple(
        a for a in edition.candidates if a.section in slugs or wanted.intersection(edition.article_topics.get(a.id, ()))
    )
    full = len(chosen) == len(settings.sections) and not followed
    narrowed = replace(edition, sections=chosen, topics=followed, full=full, candidates=candidates)
    narrowed = _capped(narrowed, settings)
    return narrowed if narrowed.groups else None


def priority(groups: Sequence[tuple[Section, Sequence[Article]]]) -> list[str]:
    """Article ids, most important first: sections take turns, newest first within each."""
    order: list[str] = []
    depth = max((len(a) for _s, a in groups), default=0)
    for rank in range(depth):
        order += [articles[rank].id for _s, articles in groups if rank < len(articles)]
    return order


def _capped(edition: Edition, settings: Settings) -> Edition:
    """Groups (followed topics first, then sections), each story in the first group it
    belongs to, capped per group and overall."""
    per_section = settings.digest.max_per_section
    order = (*edition.topics, *edition.sections)
    sections = {s.slug for s in edition.sections}
    by_group: dict[str, list[Article]] = {}
    for article in sorted(edition.candidates, key=lambda a: (a.published, a.id), reverse=True):
        own = edition.article_topics.get(article.id, ())
        home = next((t.slug for t in edition.topics if t.slug.removeprefix(TOPIC_PREFIX) in own), None)
        if home is None and article.section in sections:
            home = article.section
        if home is not None:
            by_group.setdefault(home, []).append(article)
    groups = [(s, by_group.get(s.slug, [])[:per_section]) for s in order]
    groups = [(s, a) for s, a in groups if a]
    keep = set(priority(groups)[: settings.digest.max_stories])
    capped = tuple((s, tuple(a for a in arts if a.id in keep)) for s, arts in groups)
    capped = tuple((s, a) for s, a in capped if a)
    shown = {s.slug: len(a) for s, a in capped}
    more = tuple(
        (s, len(by_group.get(s.slug, [])) - shown.get(s.slug, 0))
        for s in order
        if len(by_group.get(s.slug, [])) > shown.get(s.slug, 0)
    )
    return replace(edition, groups=capped, more=more)


# paths and urls --------------------------------------------------------------


def edition_folder(edition: Edition) -> str:
    """Folder under feeds/: edisi/2024-W42 (full) or edisi/2024-W42/dunia+nasional."""
    base = f"{EDITION_FOLDER}/{edition.code}"
    return base if edition.full else f"{base}/{'+'.join(edition.section_slugs)}"


def web_url(settings: Settings, edition: Edition) -> str:
    return f"{settings.feeds.base_url}/{edition_folder(edition)}/"


def archive_url(settings: Settings) -> str:
    return f"{settings.feeds.base_url}/{EDITION_FOLDER}/"


# orchestration ---------------------------------------------------------------


def render_selection(settings: Settings, edition: Edition, link: str | None = None) -> RenderedDigest:
    """Render + inline one section selection, once (the expensive step, ~100 ms).

    `link` is the web copy for "Lihat di browser" and for stories the e-mail had to leave
    out; default: the full edition's web copy (always published by `publish_edition`).
    """
    from newsfeed.render.digest import render_digest  # editions <- render.digest imports the records

    full_link = f"{settings.feeds.base_url}/{EDITION_FOLDER}/{edition.code}/"
    return render_digest(settings, edition, link or full_link, archive_url(settings))


def render_edition_files(settings: Settings, edition: Edition) -> tuple[RenderedDigest, list[tuple[str, bytes]]]:
    """(rendered, [(path under feeds/, bytes)]) for one edition: web copy, text, .eml."""
    from newsfeed.render.digest import render_web_copy
    from newsfeed.render.message import edition_eml, personalize

    url = web_url(settings, edition)
    rendered = render_selection(settings, edition, url)
    subscribe = settings.newsletter.endpoint_url
    page = render_web_copy(settings, edition, url, archive_url(settings), subscribe)  # every story, no link to itself
    _html, text = personalize(rendered, subscribe)
    folder = edition_folder(edition)
    files = [
        (f"{folder}/index.html", page.encode("utf-8")),
        (f"{folder}/digest.txt", text.encode("utf-8")),
        (f"{folder}/digest.eml", edition_eml(rendered, subscribe)),
    ]
    return rendered, files


def publish_edition(settings: Settings, store: Store, edition: Edition) -> DigestReport:
    """Write the edition's files (atomically, only if changed) and, for a full edition,
    then record it in the store and rewrite the archive page.

    Order matters: the edition is listed (store, then archive page) only after all its files
    were written, so a failed write never leaves the archive pointing at missing files; a
    rerun writes what is missing and lists it. An unfinished week (a preview) is refused.
    """
    from newsfeed.deliver import targets
    from newsfeed.errors import DeliveryError
    from newsfeed.render.digest import render_archive
    from newsfeed.store import outputs

    if not edition.complete:
        raise RenderError(f"{unfinished_week_message(edition.code, edition.end)} (an unfinished week can only be previewed)")
    rendered, files = render_edition_files(settings, edition)
    stamps: dict = {}
    target = targets.open_target(settings)  # feeds.output_dir, or a bucket
    outputs.begin_writing(store)
    written, unchanged = targets.write_files(target, files, stamps)
    paths = [p for p, _d in files]
    if edition.full:
        entries = _record(store, edition, rendered)
        archive = [(f"{EDITION_FOLDER}/index.html", render_archive(settings, entries, archive_url(settings)))]
        more_written, more_unchanged = targets.write_files(target, archive, stamps)
        written, unchanged, paths = written + more_written, unchanged + more_unchanged, paths + [p for p, _d in archive]
    with store.transaction() as conn:
        outputs.record(conn, "edition", stamps)
        outputs.end_writing(store, conn)
    if purge_failure := targets.purge(settings, written):
        raise DeliveryError(purge_failure)
    return DigestReport(
        code=edition.code,
        stories=rendered.total,
        in_email=rendered.stories,
        size=rendered.size,
        web_url=rendered.web_url,
        paths=tuple(paths),
        written=tuple(written),
        unchanged=tuple(unchanged),
        web_copy=settings.feeds.output_dir / files[0][0],
    )


def published_editions(store: Store) -> list[dict]:
    """Archive entries (code, subject, stories, start, end), newest first."""
    try:
        entries = json.loads(store.meta(ARCHIVE_META, "[]"))
    except json.JSONDecodeError:
        raise RenderError(f"{store.path}: meta {ARCHIVE_META!r} is not JSON; run newsfeed digest for each week again") from None
    return sorted(entries, key=lambda e: e["code"], reverse=True)


def _record(store: Store, edition: Edition, rendered: RenderedDigest) -> list[dict]:
    entry = {
        "code": edition.code,
        "subject": rendered.subject,
        "stories": rendered.total,
        "start": edition.start.date().isoformat(),
        "end": (edition.end - timedelta(days=1)).date().isoformat(),
    }
    entries = {e["code"]: e for e in published_editions(store)}
    if entries.get(edition.code) != entry:
        entries[edition.code] = entry
        with store.transaction() as conn:
            store.set_meta(conn, ARCHIVE_META, json.dumps(sorted(entries.values(), key=lambda e: e["code"]), ensure_ascii=False))
    return sorted(entries.values(), key=lambda e: e["code"], reverse=True)
