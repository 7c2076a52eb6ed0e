"""The weekly digest as HTML e-mail (CSS inlined by premailer) and plain text.

Templates (site `templates/` first, then the packaged defaults): digest.html, digest.txt,
digest.css, digest-archive.html. Article text reaches the HTML only through Jinja's
autoescape (titles and summaries are plain text; the article body is never included), and
every URL passes `_https()`, so a hostile article cannot inject markup, handlers or
javascript: links. Dates are Indonesian via Babel ("Senin, 14 Oktober 2024"). No now():
the same edition renders to the same bytes.

The HTML still carries the tokens of newsfeed.render.message (UNSUBSCRIBE_URL,
PREFERENCES_URL, GREETING); `message.personalize()` fills them per subscriber by string
replacement.

Every article appears once per digest: a story is never also an "Artikel Terkait" link of
another story, and a related article is listed under the first story that links to it only.
The preheader names the top headlines (the subject already says the site and the week). The
web copy (`render_web_copy`) has no "Lihat di browser" link to itself, and offers the
subscription page instead of a personal unsubscribe link.
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date

from newsfeed.config import Settings
from newsfeed.editions import TOPIC_PREFIX, Edition, RenderedDigest, priority
from newsfeed.errors import RenderError
from newsfeed.render.message import GREETING, PREFERENCES_URL, UNSUBSCRIBE_URL, default_greeting
from newsfeed.render.templates import PACKAGED, render_template
from newsfeed.types import Article

# Gmail clips HTML over ~102 KB; keep room for the personalised URL and greeting.
MAX_HTML_BYTES = 100_000
PERSONALISATION_ROOM = 1_000
LEAD_IMAGE_WIDTH = 552  # 600 px frame minus 2 x 24 px padding
PREHEADER_MIN, PREHEADER_MAX = 40, 140
TEXT_WIDTH = 72
_UNSUPPORTED_IMAGES = (".svg", ".svgz", ".webp", ".avif")
# Babel's "full" pattern for id zero-pads the day ("Senin, 03 Juni 2024"); Indonesian
# print style does not. Same words, no padding.
DATE_PATTERN = "EEEE, d MMMM y"


def render_digest(settings: Settings, edition: Edition, web_url: str, archive_url: str) -> RenderedDigest:
    """Render + inline one section selection. If the HTML would exceed the Gmail budget,
    keep as many top stories as fit (sections taking turns) and link the rest to the web copy."""
    context = _context(settings, edition, web_url, archive_url)
    order = priority(edition.groups)
    keep, html = _fit(settings, edition, context, order, MAX_HTML_BYTES - PERSONALISATION_ROOM)
    text = render_template(settings.templates_dir, "digest.txt", **context, groups=_groups(settings, edition, None), omitted=0)
    return RenderedDigest(
        code=edition.code,
        sections=edition.section_slugs,
        site_name=settings.site.name,
        subject=context["subject"],
        sender=settings.digest.sender,
        date=edition.end,
        web_url=web_url,
        html=html,
        text=_tidy_text(text),
        stories=keep,
        total=len(order),
    )


def _fit(settings: Settings, edition: Edition, context: dict, order: list[str], budget: int) -> tuple[int, str]:
    """(stories kept, inlined HTML): every story when it fits in `budget` bytes (one render),
    else the largest number of top stories that fits. Size grows about linearly with the
    stories, so interpolating between the nearest sizes that fit and that do not finds it in
    two or three more renders; the bracket shrinks every time, so it always ends."""
    sizes: dict[int, tuple[int, str]] = {}

    def render(keep: int) -> int:
        html = _inline(_html(settings, edition, context, set(order[:keep])))
        sizes[keep] = (len(html.encode("utf-8")), html)
        return sizes[keep][0]

    fits, too_big = 0, len(order)  # the most stories known to fit / the fewest known not to
    if render(too_big) <= budget:
        return too_big, sizes[too_big][1]
    while too_big - fits > 1:
        big = sizes[too_big][0]
        if fits:
            small = sizes[fits][0]
            guess = fits + int((budget - small) * (too_big - fits) / (big - small)) if big > small else fits + 1
        else:
            guess = int(too_big * budget / big)
        keep = min(max(guess, fits + 1), too_big - 1)
        if render(keep) <= budget:
            fits = keep
        else:
            too_big = keep
    if not fits:
        raise RenderError(f"the digest HTML is {sizes[1][0]} bytes even with one story; shorten templates/digest.html or digest.css")
    return fits, sizes[fits][1]


def render_web_copy(settings: Settings, edition: Edition, web_url: str, archive_url: str, subscribe_url: str) -> str:
    """Every story of the edition (no size cap), generic greeting, the subscription page in
    place of personal links, and no "Lihat di browser" link (it is the browser copy)."""
    context = _context(settings, edition, web_url, archive_url, web=True)
    html = _inline(_html(settings, edition, context, None))
    return (
        html.replace(UNSUBSCRIBE_URL, subscribe_url).replace(PREFERENCES_URL, subscribe_url)
        .replace(GREETING, default_greeting(settings.site.name))
    )


def render_archive(settings: Settings, entries: Sequence[dict], archive_url: str) -> bytes:
    """feeds/edisi/index.html: every published edition, newest first."""
    editions = [
        {
            "code": e["code"],
            "url": f"{archive_url}{e['code']}/",
            "label": week_label(date.fromisoformat(e["start"]), date.fromisoformat(e["end"])),
            "stories": e["stories"],
        }
        for e in sorted(entries, key=lambda e: e["code"], reverse=True)
    ]
    page = render_template(
        settings.templates_dir,
        "digest-archive.html",
        lang=settings.site.language,
        title=f"Arsip Ringkasan Mingguan {settings.site.name}",
        site_name=settings.site.name,
        site_url=_https(settings.site.base_url) or settings.site.base_url,
        site_description=settings.site.description,
        subscribe_url=settings.newsletter.endpoint_url,
        editions=editions,
    )
    return page.encode("utf-8")


def indonesian_date(moment: datetime | date, zone: ZoneInfo | None = None) -> str:
    """"Senin, 14 Oktober 2024" in the site's zone."""
    day = moment.astimezone(zone).date() if isinstance(moment, datetime) else moment
    return format_date(day, DATE_PATTERN, locale="id")


def week_label(first: date, last: date) -> str:
    """"14–20 Oktober 2024", "28 Oktober – 3 November 2024", "30 Desember 2024 – 5 Januari 2025"."""
    if first.year != last.year:
        return f"{format_date(first, 'd MMMM y', locale='id')} – {format_date(last, 'd MMMM y', locale='id')}"
    if first.month != last.month:
        return f"{format_date(first, 'd MMMM', locale='id')} – {format_date(last, 'd MMMM y', locale='id')}"
    return f"{first.day}–{format_date(last, 'd MMMM y', locale='id')}"


def subject_for(settings: Settings, edition: Edition) -> str:
    label = week_label(edition.start.date(), (edition.end - timedelta(days=1)).date())
    try:
        return settings.digest.subject.format(site=settings.site.name, week=label, code=edition.code)
    except (KeyError, IndexError, ValueError) as exc:
        raise RenderError(
            f"digest.subject {settings.digest.subject!r}: bad placeholder ({exc}); use only {{site}}, {{week}} and {{code}}"
        ) from None


# internals --------------------------------------------------------------------


def _context(settings: Settings, edition: Edition, web_url: str, archive_url: str, web: bool = False) -> dict:
    label = week_label(edition.start.date(), (edition.end - timedelta(days=1)).date())
    subject = subject_for(settings, edition)
    return {
        "lang": settings.site.language,
        "subject": subject,
        "preheader": preheader(edition, label),
        "web": web,  # the web copy: no link to itself, the subscription page instead of personal links
        "subscribe_url": settings.newsletter.endpoint_url,
        "preferences_url": PREFERENCES_URL,
        "topics": [s.name for s in edition.topics],
        "site_name": settings.site.name,
        "site_url": _https(settings.site.base_url) or settings.site.base_url,
        "site_description": settings.site.description,
        "week_label": label,
        "code": edition.code,
        "web_url": web_url,
        "archive_url": archive_url,
        "unsubscribe_url": UNSUBSCRIBE_URL,
        "greeting": GREETING,
        "total": len(edition.stories),
        "css": _css(settings.templates_dir),
        "wrap": _wrap,
    }


def preheader(edition: Edition, label: str = "") -> str:
    """40 to 140 characters that the subject does not already say: the top headlines (sections
    taking turns, as in the e-mail), how many more, the sections they come from. Whitespace
    collapsed; cut at a word when that leaves at least 40 characters, else inside the
    overlong word. (`label`, the week, is in the subject: not repeated here.)"""
    by_id = {a.id: a for a in edition.stories}
    order = [by_id[i] for i in priority(edition.groups)]
    titles = [" ".join(a.title.split()) for a in order[:3]]
    tail = f"; dan {len(order) - len(titles)} berita lainnya" if len(order) > len(titles) else ""
    text = "; ".join(titles)
    room = PREHEADER_MAX - len(tail)
    if len(text) > room:
        cut = text[: room - 1]
        at_word = cut.rsplit(" ", 1)[0]
        text = (at_word if len(at_word) + len(tail) >= PREHEADER_MIN else cut).rstrip(" ,;:") + "…"
    text += tail
    if len(text) < PREHEADER_MIN:
        names = [s.name for s, _a in edition.groups]
        where = ", ".join(names[:-1]) + f" dan {names[-1]}" if len(names) > 1 else names[0]
        text = f"{text.rstrip(' ,;:.')}. Pilihan redaksi: {where}"
        if len(text) < PREHEADER_MIN:
            text += ", dirangkum untuk Anda"
        if len(text) > PREHEADER_MAX:
            text = text[: PREHEADER_MAX - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return text


def _groups(settings: Settings, edition: Edition, keep: set[str] | None) -> list[dict]:
    """The groups as the templates show them. Every story of the edition (shown here or left
    out of a trimmed e-mail) is never a related link too, and a related article is listed
    under the first story that links to it only."""
    zone = ZoneInfo(settings.site.timezone)
    more = {s.slug: n for s, n in edition.more}
    names = {s.slug: s.name for s in settings.sections}
    seen = {a.id for a in edition.stories} | {a.url for a in edition.stories}
    groups = []
    for section, articles in edition.groups:
        stories = [_story(settings, a, names.get(a.section, section.name), zone, seen) for a in articles if keep is None or a.id in keep]
        if not stories:
            continue
        if section.slug.startswith(TOPIC_PREFIX):  # a followed topic: its feed page
            url = _https(f"{settings.feeds.base_url}/{section.slug}/")
        else:
            url = _https(f"{settings.site.base_url}/{section.slug}")
        groups.append({"name": section.name, "stories": stories, "more": more.get(section.slug, 0) if url else 0, "url": url,
                       "topic": section.slug.startswith(TOPIC_PREFIX)})
    return groups


def _story(settings: Settings, article: Article, section: str, zone: ZoneInfo, seen: set[str]) -> dict:
    related = []
    for link in article.related:
        url = _https(link.url)
        if len(related) >= settings.digest.related_per_story or link.id == article.id or not url:
            continue
        if link.id in seen or url in seen:
            continue
        seen.update((link.id, url))
        related.append({"title": link.title, "url": url})
    return {
        "title": article.title,
        "url": _https(article.url) or _https(f"{settings.site.base_url}/{article.section}/{article.slug}"),
        "section": section,
        "date": indonesian_date(article.published, zone),
        "summary": article.summary,
        "image": _image(article.image),
        "related": related,
    }


def _html(settings: Settings, edition: Edition, context: dict, keep: set[str] | None) -> str:
    groups = _groups(settings, edition, keep)
    shown = sum(len(g["stories"]) for g in groups)
    return render_template(settings.templates_dir, "digest.html", **context, groups=groups, omitted=context["total"] - shown)


def _inline(html: str) -> str:
    import premailer  # heavy import, only when a digest is rendered

    _quiet_cssutils()
    try:
        out = premailer.Premailer(
            html,
            base_url=None,
            disable_link_rewrites=True,
            exclude_pseudoclasses=True,
            keep_style_tags=False,
            remove_classes=False,
            strip_important=False,
            disable_validation=True,
            cache_css_parsing=True,
            cssutils_logging_level=logging.CRITICAL,
            allow_network=False,
            # no obsolete width/bgcolor/align attributes: CSS only (the mso wrapper has its own)
            disable_basic_attributes=["align", "valign", "bgcolor", "width", "height"],
        ).transform(pretty_print=False)
    except Exception as exc:  # premailer raises assorted parser errors
        raise RenderError(f"CSS inlining failed ({exc.__class__.__name__}: {exc}); check templates/digest.css") from None
    if not out.lstrip().lower().startswith("<!doctype"):
        out = "<!DOCTYPE html>\n" + out
    return out if out.endswith("\n") else out + "\n"


def _quiet_cssutils() -> None:
    for name in ("cssutils", "CSSUTILS"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL)
        logger.propagate = False


@lru_cache(maxsize=8)
def _css_cached(path: Path, mtime_ns: int) -> str:
    return path.read_text(encoding="utf-8")


def _css(site_templates: Path) -> str:
    for folder in (site_templates, PACKAGED):
        path = folder / "digest.css"
        try:
            return _css_cached(path, path.stat().st_mtime_ns)
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError) as exc:
            raise RenderError(f"{path}: cannot read it ({exc}); save it as UTF-8 text") from None
    raise RenderError(f"template 'digest.css' not found in {site_templates} nor in {PACKAGED}; restore it or reinstall newsfeed")


def _https(url: str | None) -> str | None:
    """An absolute https URL for e-mail, or None. http:// is upgraded; anything else
    (javascript:, data:, relative) is dropped."""
    if not url:
        return None
    url = url.strip()
    if url.startswith("http://"):
        url = "https://" + url[len("http://") :]
    if not url.startswith("https://") or len(url) <= len("https://") or any(c in url for c in ' "<>\n\r\t'):
        return None
    return url


def _image(url: str | None) -> str | None:
    url = _https(url)
    if url and url.split("?", 1)[0].split("#", 1)[0].lower().endswith(_UNSUPPORTED_IMAGES):
        return None  # SVG fails in Gmail and Outlook, WebP in Outlook for Windows
    return url


def _wrap(text: str, first: str = "", rest: str = "") -> str:
    """~72 columns; words (and URLs) are never broken."""
    return textwrap.fill(
        " ".join(str(text).split()),
        width=TEXT_WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and len(out) >= 2 and out[-1] == "" and out[-2] == "":
            continue
        out.append(line)
    return "\n".join(out).strip("\n") + "\n"


__all__ = [
    "render_digest", "render_web_copy", "render_archive", "indonesian_date", "week_label", "subject_for", "preheader",
    "MAX_HTML_BYTES",
]
