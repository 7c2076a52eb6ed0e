"""Read and validate config.toml into frozen Settings. No other logic lives here.

Relative paths in the file are relative to the folder holding config.toml.
Secrets never live in the file: it names the environment variables that hold them.
"""

from __future__ import annotations

import re
import tomllib
from urllib.parse import urlsplit
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsfeed.errors import ConfigError
from newsfeed.types import Section


@dataclass(frozen=True, slots=True)
class SiteSettings:
    name: str
    base_url: str  # https://..., no trailing slash
    description: str
    language: str
    timezone: str
    id_authority: str  # "<domain>,<year>" for tag: URIs; never change it once published
    chrome: tuple[str, ...]  # page furniture lines that are never article text


@dataclass(frozen=True, slots=True)
class SourceSettings:
    name: str
    kind: str  # "pages", "html", "feed", "wpjson"
    path: Path | None = None
    url: str = ""
    section: str = ""  # for sources that carry no section of their own
    # html sources: the site's own section names, URL path prefixes and hosts -> section slug
    section_names: dict[str, str] = field(default_factory=dict)
    section_paths: dict[str, str] = field(default_factory=dict)
    section_hosts: dict[str, str] = field(default_factory=dict)
    body_selector: str = ""  # html sources: CSS selector of the article body, before extraction
    drop_selectors: tuple[str, ...] = ()  # html sources: CSS selectors of blocks left out


@dataclass(frozen=True, slots=True)
class FeedSettings:
    output_dir: Path
    base_url: str  # where output_dir is served from, no trailing slash
    max_items: int
    formats: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TopicSettings:
    min_articles: int = 3
    aliases: dict[str, str] = field(default_factory=dict)  # "Korut" -> "Korea Utara"
    blocked: tuple[str, ...] = ()
    always: tuple[str, ...] = ()  # topics to use wherever their name occurs
    per_section_in_opml: int = 8


@dataclass(frozen=True, slots=True)
class RelatedSettings:
    count: int = 5
    # Archives up to this size are recomputed from scratch on every change, so their lists
    # never depend on the order articles arrived in; larger ones are updated incrementally.
    rebuild_below: int = 5000


@dataclass(frozen=True, slots=True)
class DigestSettings:
    max_per_section: int = 10
    max_stories: int = 30
    related_per_story: int = 3
    subject: str = "{site}: Ringkasan Mingguan {week}"
    sender: str = ""  # "Nama <alamat@domain>"


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"  # "none", "starttls", "tls"
    user: str = ""
    password_env: str = "NEWSFEED_SMTP_PASSWORD"
    rate_per_second: float = 0.0  # 0: no limit
    timeout: float = 30.0


@dataclass(frozen=True, slots=True)
class NewsletterSettings:
    secret_env: str = "NEWSFEED_SECRET"
    endpoint_url: str = ""  # public base URL of the confirm/unsubscribe app
    unsubscribe_mailto: str = ""
    list_id: str = ""


@dataclass(frozen=True, slots=True)
class Settings:
    path: Path  # the config file
    root: Path  # its folder
    site: SiteSettings
    sections: tuple[Section, ...]
    sources: tuple[SourceSettings, ...]
    feeds: FeedSettings
    store_path: Path
    templates_dir: Path
    topics: TopicSettings
    related: RelatedSettings
    digest: DigestSettings
    smtp: SmtpSettings
    newsletter: NewsletterSettings

    def section(self, slug: str) -> Section | None:
        return next((s for s in self.sections if s.slug == slug), None)


DEFAULT_SUBJECT = "{site}: Ringkasan Mingguan {week}"
RESERVED_SLUGS = {"topik": "topic feeds", "edisi": "digest editions"}
SOURCE_KINDS = ("pages", "html", "feed", "wpjson")
FEED_FORMATS = ("rss", "atom", "json")
SMTP_SECURITY = ("none", "starttls", "tls")


def load_settings(path: str | Path = "config.toml") -> Settings:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (run from the site folder or pass --config PATH)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({exc}); save it as UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax there") from None
    return parse_settings(raw, path.resolve())


def parse_settings(raw: dict[str, Any], path: Path) -> Settings:
    r = _Reader(raw, path)
    root = path.parent
    site = SiteSettings(
        name=r.str("site.name"),
        base_url=_url(r, "site.base_url"),
        description=r.str("site.description", ""),
        language=r.str("site.language", "id"),
        timezone=_zone(r, "site.timezone"),
        id_authority=r.str("site.id_authority"),
        chrome=tuple(r.list("site.chrome", ["Back to top button"])),
    )
    if "_" in site.language or not site.language.isascii():
        r.fail("site.language", f"{site.language!r} is not an ISO 639 code; use for example \"id\"")
    sections = _sections(r)
    slugs = {s.slug for s in sections}
    sources = tuple(_source(r, i, root, slugs) for i in range(len(r.list("sources", []))))
    if not sources:
        r.fail("sources", "no source is configured; add a [[sources]] table with kind and path")
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        r.fail("sources", "two sources share a name; give each [[sources]] its own name")
    output_dir = root / r.str("feeds.output_dir", "feeds")
    formats = tuple(r.list("feeds.formats", list(FEED_FORMATS)))
    for fmt in formats:
        if fmt not in FEED_FORMATS:
            r.fail("feeds.formats", f"unknown format {fmt!r}; use some of {', '.join(FEED_FORMATS)}")
    feeds = FeedSettings(
        output_dir=output_dir,
        base_url=_url(r, "feeds.base_url", site.base_url + "/feeds"),
        max_items=r.int("feeds.max_items", 50, low=1),
        formats=formats,
    )
    topics = TopicSettings(
        min_articles=r.int("topics.min_articles", 3, low=1),
        aliases={str(k): str(v) for k, v in r.table("topics.aliases").items()},
        blocked=tuple(r.list("topics.blocked", [])),
        always=tuple(r.list("topics.always", [])),
        per_section_in_opml=r.int("topics.per_section_in_opml", 8, low=0),
    )
    digest = DigestSettings(
        max_per_section=r.int("digest.max_per_section", 10, low=1),
        max_stories=r.int("digest.max_stories", 30, low=1),
        related_per_story=r.int("digest.related_per_story", 3, low=0),
        subject=r.str("digest.subject", DEFAULT_SUBJECT),
        sender=r.str("digest.sender", f"{site.name} <redaksi@{_host(site.base_url)}>"),
    )
    smtp = _smtp(r)
    newsletter = _newsletter(r, site)
    return Settings(
        path=path,
        root=root,
        site=site,
        sections=sections,
        sources=sources,
        feeds=feeds,
        store_path=root / r.str("store.path", "data/newsfeed.sqlite3"),
        templates_dir=root / r.str("templates.dir", "templates"),
        topics=topics,
        related=RelatedSettings(count=r.int("related.count", 5, low=0), rebuild_below=r.int("related.rebuild_below", 5000, low=0)),
        digest=digest,
        smtp=smtp,
        newsletter=newsletter,
    )


def _sections(r: _Reader) -> tuple[Section, ...]:
    items = r.list("sections", [])
    if not items:
        r.fail("sections", "no section is configured; add [[sections]] tables with slug and name, in display order")
    sections = []
    for i in range(len(items)):
        slug = r.str(f"sections.{i}.slug")
        if not slug.isascii() or not slug.replace("-", "").isalnum() or slug != slug.lower():
            r.fail(f"sections.{i}.slug", f"{slug!r} must be lowercase ASCII letters, digits and '-'")
        if slug in RESERVED_SLUGS:
            r.fail(f"sections.{i}.slug", f"{slug!r} is taken by feeds/{slug}/ ({RESERVED_SLUGS[slug]}); choose another slug")
        sections.append(Section(slug=slug, name=r.str(f"sections.{i}.name")))
    if len({s.slug for s in sections}) != len(sections):
        r.fail("sections", "two sections share a slug; give each its own")
    return tuple(sections)


def _source(r: _Reader, i: int, root: Path, sections: set[str]) -> SourceSettings:
    prefix = f"sources.{i}"
    kind = r.choice(f"{prefix}.kind", SOURCE_KINDS)
    path = r.str(f"{prefix}.path", "")
    url = r.str(f"{prefix}.url", "")
    if kind in ("pages", "html") and not path:
        r.fail(f"{prefix}.path", f"a {kind!r} source needs path = \"folder of its pages\"")
    if kind in ("feed", "wpjson") and not (path or url):
        r.fail(f"{prefix}.url", f"a {kind!r} source needs url = \"...\" (or path to a saved copy)")
    section = r.str(f"{prefix}.section", "")
    if section and section not in sections:
        r.fail(f"{prefix}.section", f"{section!r} is not a configured section slug")
    mappings = {}
    for key in ("section_names", "section_paths", "section_hosts"):
        mappings[key] = {str(k): v for k, v in r.table(f"{prefix}.{key}").items()}
        for name, slug in mappings[key].items():
            if not isinstance(slug, str) or slug not in sections:
                r.fail(f"{prefix}.{key}.{name}", f"{slug!r} is not a configured section slug; use one of {', '.join(sorted(sections))}")
    selectors = [r.str(f"{prefix}.body_selector", "")] + list(r.list(f"{prefix}.drop_selectors", []))
    for i, selector in enumerate(selectors):
        key = f"{prefix}.body_selector" if i == 0 else f"{prefix}.drop_selectors.{i - 1}"
        if not isinstance(selector, str) or (i and not selector.strip()):
            r.fail(key, f"must be a CSS selector string, not {selector!r}")
        if selector.strip() and (problem := _css_problem(selector)):
            r.fail(key, f"{selector!r} is not a CSS selector ({problem}); write it as in a style sheet, e.g. \"div.article-body\"")
    return SourceSettings(
        name=r.str(f"{prefix}.name", kind),
        kind=kind,
        path=(root / path) if path else None,
        url=url,
        section=section,
        section_names=mappings["section_names"],
        section_paths=mappings["section_paths"],
        section_hosts=mappings["section_hosts"],
        body_selector=selectors[0].strip(),
        drop_selectors=tuple(s.strip() for s in selectors[1:]),
    )


def _css_problem(selector: str) -> str:
    """Why `selector` is not a CSS selector cssselect can use, or ""."""
    from cssselect import GenericTranslator, SelectorError

    try:
        GenericTranslator().css_to_xpath(selector)
    except SelectorError as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ""


def _smtp(r: _Reader) -> SmtpSettings:
    smtp = SmtpSettings(
        host=r.str("smtp.host", "127.0.0.1"),
        port=r.int("smtp.port", 25, low=1),
        security=r.choice("smtp.security", SMTP_SECURITY, "none"),
        user=r.str("smtp.user", ""),
        password_env=r.str("smtp.password_env", "NEWSFEED_SMTP_PASSWORD"),
        rate_per_second=r.float("smtp.rate_per_second", 0.0),
        timeout=r.float("smtp.timeout", 30.0),
    )
    if smtp.user and smtp.security == "none":
        r.fail(
            "smtp.user",
            'is set with smtp.security = "none", which would send the password in clear text; '
            'set smtp.security = "starttls" (port 587) or "tls" (port 465), or remove smtp.user',
        )
    return smtp


# RFC 2919 list-id: a dot-atom (RFC 5322 atext labels), at least "label.namespace".
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LIST_ID = re.compile(rf"^{_ATEXT}(?:\.{_ATEXT})+$")
# The unsubscribe mailbox goes into a mailto: URL as is: a plain address, no characters
# that URL would need escaped.
_DOMAIN = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
_MAILBOX = re.compile(rf"^[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@{_DOMAIN}$")


def _newsletter(r: _Reader, site: SiteSettings) -> NewsletterSettings:
    host = _host(site.base_url)
    default_endpoint = site.base_url + "/langganan"
    endpoint = _url(r, "newsletter.endpoint_url", default_endpoint)
    if r.has("newsletter.endpoint_url") and not endpoint.startswith("https://"):
        # a default derived from an http site is refused later, when links are signed
        r.fail(
            "newsletter.endpoint_url",
            f"{endpoint!r} must be https: one-click unsubscribe (RFC 8058, Gmail, Yahoo) needs an https link; "
            'set newsletter.endpoint_url = "https://..." to where the confirm/unsubscribe app is served over TLS',
        )
    mailto = r.str("newsletter.unsubscribe_mailto", f"unsubscribe@{host}")
    # Values derived from site.base_url are not checked here, so a feeds-only site on, say,
    # http://localhost:8000 still loads; signing links refuses anything but an https endpoint.
    if r.has("newsletter.unsubscribe_mailto") and (not _MAILBOX.match(mailto) or len(mailto) > 254):
        r.fail(
            "newsletter.unsubscribe_mailto",
            f"{mailto!r} is not a plain e-mail address; write only the address, e.g. \"unsubscribe@{host}\" (no mailto:, name or brackets)",
        )
    list_id = r.str("newsletter.list_id", f"mingguan.{host}")
    if r.has("newsletter.list_id") and (not _LIST_ID.match(list_id) or len(list_id) > 255):
        r.fail(
            "newsletter.list_id",
            f"{list_id!r} is not a list id; use dotted words under a domain you own, e.g. \"mingguan.{host}\" (RFC 2919, no spaces or brackets)",
        )
    return NewsletterSettings(
        secret_env=r.str("newsletter.secret_env", "NEWSFEED_SECRET"),
        endpoint_url=endpoint,
        unsubscribe_mailto=mailto,
        list_id=list_id,
    )


def _url(r: _Reader, key: str, default: str | None = None) -> str:
    value = r.str(key, default).rstrip("/")
    if not value.startswith(("https://", "http://")):
        r.fail(key, f"{value!r} is not an absolute URL; write it as https://host/path")
    return value


def _zone(r: _Reader, key: str) -> str:
    name = r.str(key, "Asia/Jakarta")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        r.fail(key, f"{name!r} is not an IANA time zone; use for example \"Asia/Jakarta\"")
    return name


def _host(url: str) -> str:
    """The host name of a URL, without port or user info."""
    return urlsplit(url).hostname or "localhost"


_MISSING = object()
_MISSING_VALUE = object()  # a default that tells "absent" apart from any value


class _Reader:
    """Typed access to dotted keys; every failure names the key and the fix."""

    def __init__(self, raw: dict[str, Any], path: Path):
        self.raw = raw
        self.path = path

    def fail(self, key: str, message: str) -> None:
        raise ConfigError(f"{self.path.name}: {key}: {message}")

    def get(self, key: str, default: Any = _MISSING) -> Any:
        node: Any = self.raw
        for part in key.split("."):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            elif default is _MISSING:
                self.fail(key, "missing; add it to config.toml")
            else:
                return default
        return node

    def has(self, key: str) -> bool:
        return self.get(key, _MISSING_VALUE) is not _MISSING_VALUE

    def str(self, key: str, default: Any = _MISSING) -> str:
        value = self.get(key, default)
        if not isinstance(value, str) or (default is _MISSING and not value.strip()):
            self.fail(key, f"must be a non-empty string, not {value!r}")
        return value

    def int(self, key: str, default: int, low: int | None = None) -> int:
        value = self.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or (low is not None and value < low):
            bound = f" >= {low}" if low is not None else ""
            self.fail(key, f"must be a whole number{bound}, not {value!r}")
        return value

    def float(self, key: str, default: float) -> float:
        value = self.get(key, default)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            self.fail(key, f"must be a number >= 0, not {value!r}")
        return float(value)

    def list(self, key: str, default: list) -> list:
        value = self.get(key, default)
        if not isinstance(value, list):
            self.fail(key, f"must be a list, not {value!r}")
        return value

    def table(self, key: str) -> dict:
        value = self.get(key, {})
        if not isinstance(value, dict):
            self.fail(key, f"must be a table of name = value, not {value!r}")
        return value

    def choice(self, key: str, options: tuple[str, ...], default: Any = _MISSING) -> str:
        value = self.get(key, default)
        if value not in options:
            self.fail(key, f"{value!r} is not one of {', '.join(options)}")
        return value
