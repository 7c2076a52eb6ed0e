"""Read and validate config.toml into frozen Settings. No other logic lives here.

Relative paths in the file are relative to the folder holding config.toml.
Secrets never live in the file: it names the environment variables that hold them.
"""

from __future__ import annotations

import math
import re
import shlex
import tomllib
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsfeed.config_rules import (
    DNS_NAME,
    KeyIndex,
    env_name_problem,
    host_problem,
    one_line,
    output_dir_problem,
    sender_problem,
    show_key,
    store_problem,
    tag_authority_problem,
    text_problem,
    url_problem,
    zone_problem,
)
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
    # The site's own images for feed readers, absolute URLs ("" = none): a square icon (RSS
    # <image>, Atom icon, JSON Feed icon/favicon) and a wide logo (Atom logo). PNG, JPEG or GIF.
    icon: str = ""
    logo: str = ""
    accent_color: str = ""  # "rrggbb" for webfeeds:accentColor (with feeds.webfeeds)
    static_dir: Path | None = None  # the files served under base_url: lead images' byte size and pixels


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """How politely a live source (crawl, or feed/wpjson with a url) fetches."""

    user_agent: str = ""  # "" = "newsfeed/<version> (+<site.base_url>)"
    rate_per_second: float = 1.0  # request starts per second per host; 0 = no limit
    concurrency: int = 2  # requests at once per host
    timeout: float = 30.0  # seconds for one whole answer
    max_page_bytes: int = 5_000_000
    max_redirects: int = 5
    retries: int = 3  # more tries after a 429, a 5xx or a network failure


@dataclass(frozen=True, slots=True)
class CrawlSettings:
    """A live site: where its article addresses are listed, and which hosts are its own."""

    hosts: tuple[str, ...]  # article pages are fetched from these hosts only
    sitemaps: tuple[str, ...] = ()  # () with no listings: the Sitemap lines of robots.txt
    listings: tuple[str, ...] = ()  # section listing pages, followed through their next pages
    article_pattern: str = ""  # regex searched in a listed link's path: which links are articles
    max_listing_pages: int = 100  # per listing; reaching it makes the crawl partial
    complete: bool = True  # sitemaps/listings name every article: one no longer named is withdrawn


@dataclass(frozen=True, slots=True)
class SourceSettings:
    name: str
    kind: str  # "pages", "html", "feed", "wpjson", "crawl"
    path: Path | None = None
    url: str = ""
    section: str = ""  # for sources that carry no section of their own
    # html sources: the site's own section names, URL path prefixes and hosts -> section slug
    section_names: dict[str, str] = field(default_factory=dict)
    section_paths: dict[str, str] = field(default_factory=dict)
    section_hosts: dict[str, str] = field(default_factory=dict)
    body_selector: str = ""  # html sources: CSS selector of the article body, before extraction
    drop_selectors: tuple[str, ...] = ()  # html sources: CSS selectors of blocks left out
    http: HttpSettings = field(default_factory=HttpSettings)  # live sources
    crawl: CrawlSettings | None = None  # crawl sources


@dataclass(frozen=True, slots=True)
class FeedSettings:
    output_dir: Path
    base_url: str  # where output_dir is served from, no trailing slash
    max_items: int
    formats: tuple[str, ...]
    webfeeds: bool = False  # webfeeds:icon/logo for Feedly; the W3C validator warns UnknownNamespace
    websub_hubs: tuple[str, ...] = ()  # WebSub hubs pinged after each publish that changed a feed
    target: str = ""  # "" = output_dir; "s3://bucket/prefix" = an S3-compatible bucket (newsfeed.deliver.s3)
    endpoint_url: str = ""  # the bucket's service when it is not AWS (MinIO, R2)
    region: str = ""
    cdn_purge: tuple[str, ...] = ()  # a command (argv) given the changed paths, or (URL,) POSTed them


TOPIC_FEED_CONTENT = ("summary", "full")


@dataclass(frozen=True, slots=True)
class TopicSettings:
    min_articles: int = 3
    aliases: dict[str, str] = field(default_factory=dict)  # "Korut" -> "Korea Utara"
    blocked: tuple[str, ...] = ()
    always: tuple[str, ...] = ()  # topics to use wherever their name occurs
    per_section_in_opml: int = 8
    # what a topic feed's items carry: "summary" (headline, summary, link: a topic feed repeats
    # articles its section feeds carry in full) or "full" (the body too, like the section feeds)
    feed_content: str = "summary"
    # additions to the extractor's word lists (data/topics.toml says what each does)
    generic_words: tuple[str, ...] = ()  # never part of a topic's name: "Gaya", "Kiper", "BBM"
    names: tuple[str, ...] = ()  # kept whole: "Persib Bandung"
    places: tuple[str, ...] = ()  # stand alone in a name: "Cimahi"
    organisations: tuple[str, ...] = ()  # stand alone like an acronym: "Kemenhub"
    # [topics.word_lists]: additions to any other list of data/topics.toml, by its name
    word_lists: tuple[tuple[str, tuple[str, ...]], ...] = ()


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
class DkimSettings:
    """[smtp.dkim]: every message sent is DKIM-signed (newsfeed.deliver.dkim)."""

    key_file: Path  # PEM RSA private key; its public half is published at <selector>._domainkey.<domain>
    selector: str
    domain: str  # d=: digest.sender's domain (default) or a parent of it (DMARC relaxed alignment)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    security: str = "none"  # "none", "starttls", "tls"
    user: str = ""
    password_env: str = "NEWSFEED_SMTP_PASSWORD"
    rate_per_second: float = 0.0  # 0: no limit
    timeout: float = 30.0
    # a temporary failure (4xx, e.g. greylisting) defers that address, never the others: it is
    # tried again `retries` times at the end of the run, first after `retry_delay` seconds (then
    # twice as long each time), while the run waits at most `max_wait` seconds for them; the
    # rest are left to the next run (exit status 75)
    retries: int = 2
    retry_delay: float = 300.0
    max_wait: float = 600.0
    # several `newsfeed send` workers on a PostgreSQL store: how long a worker's claim on its
    # deliveries lasts without renewal, so a killed worker's are taken over after this long
    lease: float = 60.0
    dkim: DkimSettings | None = None  # None: messages go out unsigned


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
SOURCE_KINDS = ("pages", "html", "feed", "wpjson", "crawl")
FEED_FORMATS = ("rss", "atom", "json")
SMTP_SECURITY = ("none", "starttls", "tls")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")  # BCP 47: "id", "en-US"


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
    return _parse(_Reader(raw, path), raw, path)


def _parse(r: _Reader, raw: dict[str, Any], path: Path) -> Settings:
    root = path.parent
    site = SiteSettings(
        name=r.text("site.name"),
        base_url=_url(r, "site.base_url"),
        description=r.text("site.description", "", allowed="\n\t"),
        language=r.str("site.language", "id"),
        timezone=_zone(r, "site.timezone"),
        id_authority=r.check("site.id_authority", r.str("site.id_authority"), tag_authority_problem),
        chrome=tuple(r.strings("site.chrome", ["Back to top button"])),
        icon=_site_image(r, "site.icon"),
        logo=_site_image(r, "site.logo"),
        accent_color=_color(r, "site.accent_color"),
        static_dir=_folder(r, "site.static_dir", root),
    )
    if not _LANGUAGE.fullmatch(site.language):
        r.fail("site.language", f"{site.language!r} is not an ISO 639 code; use for example \"id\"")
    sections = _sections(r)
    slugs = {s.slug for s in sections}
    sources = tuple(_source(r, i, root, slugs) for i in range(len(r.list("sources", []))))
    if not sources:
        r.fail("sources", "no source is configured; add a [[sources]] table with kind and path")
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        r.fail("sources", "two sources share a name; give each [[sources]] its own name")
    output_dir = root / r.check("feeds.output_dir", r.str("feeds.output_dir", "feeds"), _path_problem)
    formats = tuple(r.strings("feeds.formats", list(FEED_FORMATS)))
    for fmt in formats:
        if fmt not in FEED_FORMATS:
            r.fail("feeds.formats", f"unknown format {fmt!r}; use some of {', '.join(FEED_FORMATS)}")
    if not formats or len(set(formats)) != len(formats):
        r.fail("feeds.formats", f"{list(formats)!r} must name each format once, at least one; e.g. {list(FEED_FORMATS)!r}")
    feeds = FeedSettings(
        output_dir=output_dir,
        base_url=_url(r, "feeds.base_url", site.base_url + "/feeds"),
        # aggregators take a feed of up to ~2 MB (Google News) and 60 new items a fetch
        max_items=r.int("feeds.max_items", 50, low=1, high=1000),
        formats=formats,
        webfeeds=r.bool("feeds.webfeeds", False),
        websub_hubs=tuple(_url(r, f"feeds.websub_hubs.{i}") for i in range(len(r.strings("feeds.websub_hubs", [])))),
        **_target(r),
    )
    aliases = r.table("topics.aliases")
    for name, value in aliases.items():
        if not isinstance(value, str) or not value.strip() or text_problem(value):
            r.fail(f"topics.aliases.{show_key((name,))}", f"must be the topic's name as a string, not {_short(value)}")
    topics = TopicSettings(
        min_articles=r.int("topics.min_articles", 3, low=1, high=100_000),
        aliases={str(k): v for k, v in aliases.items()},
        blocked=tuple(r.strings("topics.blocked", [])),
        always=tuple(r.strings("topics.always", [])),
        per_section_in_opml=r.int("topics.per_section_in_opml", 8, low=0, high=1000),
        feed_content=r.choice("topics.feed_content", TOPIC_FEED_CONTENT, "summary"),
        generic_words=tuple(r.strings("topics.generic_words", [])),
        names=tuple(r.strings("topics.names", [])),
        places=tuple(r.strings("topics.places", [])),
        organisations=tuple(r.strings("topics.organisations", [])),
        word_lists=tuple(
            (name, tuple(values))
            for name in (_topic_list_names() if r.has("topics.word_lists") else ())  # reading the lists' names costs ~10 ms
            if (values := r.strings(f"topics.word_lists.{name}", []))
        ),
    )
    digest = DigestSettings(
        max_per_section=r.int("digest.max_per_section", 10, low=1, high=200),
        max_stories=r.int("digest.max_stories", 30, low=1, high=500),
        related_per_story=r.int("digest.related_per_story", 3, low=0, high=20),
        subject=_subject(r, "digest.subject"),
        sender=_sender(r, site),
    )
    smtp = _smtp(r, root, digest.sender)
    newsletter = _newsletter(r, site)
    settings = Settings(
        path=path,
        root=root,
        site=site,
        sections=sections,
        sources=sources,
        feeds=feeds,
        store_path=_store(r, root),
        templates_dir=root / r.check("templates.dir", r.str("templates.dir", "templates"), _path_problem),
        topics=topics,
        related=RelatedSettings(
            count=r.int("related.count", 5, low=0, high=100),
            rebuild_below=r.int("related.rebuild_below", 5000, low=0, high=100_000_000),
        ),
        digest=digest,
        smtp=smtp,
        newsletter=newsletter,
    )
    r.check_unknown()
    _check_paths(r, settings)
    return settings


def _check_paths(r: _Reader, settings: Settings) -> None:
    """Publishing must never write over, and `serve` never hand out, the site's own files."""
    output = _resolved(r, "feeds.output_dir", settings.feeds.output_dir)
    store = _resolved(r, "store.path", settings.store_path)
    templates = _resolved(r, "templates.dir", settings.templates_dir)
    sources = [_resolved(r, f"sources.{i}.path", s.path) for i, s in enumerate(settings.sources) if s.path is not None]
    root = settings.root.resolve()
    if problem := output_dir_problem(output, root, store, templates, sources, r.str("feeds.output_dir", "feeds")):
        r.fail("feeds.output_dir", problem)
    if problem := store_problem(store, sources, r.str("store.path", "")):
        r.fail("store.path", problem)


def _resolved(r: _Reader, key: str, path: Path) -> Path:
    """`path` with symlinks followed, so that two names of one folder compare equal."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # RuntimeError: a symlink loop (OSError from 3.13)
        r.fail(key, f"{str(path)!r} cannot be resolved ({exc}); fix the path or the symlink")


def known_keys(raw: dict[str, Any], path: Path) -> frozenset[str]:
    """Every dotted key parsing `raw` asks for (array tables by index): the valid keys."""
    r = _Reader(raw, path)
    _parse(r, raw, path)
    return frozenset(".".join(parts) for parts in r.asked)


def _store(r: _Reader, root: Path) -> Path:
    """The SQLite file, or (store.url) the path that names a PostgreSQL store's lock files,
    carrying the database's URL and the variable that holds its password."""
    path = root / r.check("store.path", r.str("store.path", "data/newsfeed.sqlite3"), _path_problem)
    url = r.check("store.url", r.str("store.url", ""), store_url_problem)
    password_env = r.str("store.password_env", "")
    if password_env:
        r.check("store.password_env", password_env, env_name_problem)
        if not url:
            r.fail("store.password_env", 'is set but store.url is not; name the database, e.g. url = "postgresql://newsfeed@db.example/newsfeed"')
    if not url:
        return path
    from newsfeed.store.postgres import Location, StorePath

    return StorePath(path).with_location(Location(url, password_env))


def store_url_problem(url: str) -> str:
    """What is wrong with a PostgreSQL store URL, or "" (config store.url, store migrate --to)."""
    if not url:
        return ""
    example = 'e.g. "postgresql://newsfeed@db.example:5432/newsfeed"'
    if text_problem(url) or any(c.isspace() for c in url):
        return f"{url!r} is not a URL; write the database as {example}"
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        return f"{url!r} is not a postgresql:// URL; leave store.url out for the SQLite file in store.path, or write {example}"
    try:
        parts.port
    except ValueError:
        return f"{url!r} has a bad port; write {example}"
    if parts.password is not None:
        return "holds a password; take it out and name the environment variable that holds it in store.password_env"
    if not parts.path.strip("/"):
        return f"{url!r} names no database; add it after the host, {example}"
    return ""


def _path_problem(value: str) -> str:
    if value.strip() and not text_problem(value):
        return ""
    return f"{value!r} is not a path; name a file or folder relative to config.toml"


def _subject(r: _Reader, key: str) -> str:
    subject = r.text(key, DEFAULT_SUBJECT)
    try:
        subject.format(site="", week="", code="")
    except (KeyError, IndexError, ValueError, AttributeError, TypeError) as exc:
        r.fail(key, f"{subject!r} has a bad placeholder ({type(exc).__name__}: {exc}); use only {{site}}, {{week}} and {{code}}")
    return subject


def _sender(r: _Reader, site: SiteSettings) -> str:
    if r.has("digest.sender"):
        return r.check("digest.sender", r.str("digest.sender"), sender_problem)
    # derived from site.name: a name with a comma or quotes is quoted so the address parses
    name = site.name if re.fullmatch(r"[\w .'-]*", site.name) else '"' + site.name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <redaksi@{_host(site.base_url)}>"


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
        sections.append(Section(slug=slug, name=r.text(f"sections.{i}.name")))
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
    if kind == "crawl":
        if path:
            r.fail(f"{prefix}.path", "a 'crawl' source fetches its pages from url; for saved pages use kind = \"html\"")
        if not url:
            r.fail(f"{prefix}.url", "a 'crawl' source needs url = \"https://the-site/\" (its home page)")
        r.check(f"{prefix}.url", url.rstrip("/"), url_problem)
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
        http=_http(r, prefix) if url else HttpSettings(),
        crawl=_crawl(r, prefix, url) if kind == "crawl" else None,
    )


def _http(r: _Reader, prefix: str) -> HttpSettings:
    """The politeness keys of a source with a url (defaults: HttpSettings)."""
    timeout = r.float(f"{prefix}.timeout", 30.0, high=600)
    if timeout == 0:
        r.fail(f"{prefix}.timeout", "must be more than 0 seconds (each request waits this long for its whole answer); 30 is usual")
    return HttpSettings(
        user_agent=r.text(f"{prefix}.user_agent", "").strip(),
        rate_per_second=r.float(f"{prefix}.rate_per_second", 1.0, high=1000),
        concurrency=r.int(f"{prefix}.concurrency", 2, low=1, high=32),
        timeout=timeout,
        max_page_bytes=r.int(f"{prefix}.max_page_bytes", 5_000_000, low=10_000, high=200_000_000),
        max_redirects=r.int(f"{prefix}.max_redirects", 5, low=0, high=20),
        retries=r.int(f"{prefix}.retries", 3, low=0, high=10),
    )


def _crawl(r: _Reader, prefix: str, url: str) -> CrawlSettings:
    home = urlsplit(url).hostname or ""
    hosts = [h.strip().lower() for h in r.strings(f"{prefix}.hosts", [home])]
    for i, host in enumerate(hosts):
        if problem := host_problem(host):
            r.fail(f"{prefix}.hosts.{i}", f"{problem}; write host names only, e.g. \"bola.{home}\"")
    addresses = {}
    for key in ("sitemaps", "listings"):
        addresses[key] = r.strings(f"{prefix}.{key}", [])
        for i, address in enumerate(addresses[key]):
            if not address.startswith(("https://", "http://")) or not urlsplit(address).hostname:
                r.fail(f"{prefix}.{key}.{i}", f"{address!r} is not an absolute URL; write it as https://host/path")
    pattern = r.str(f"{prefix}.article_pattern", "")
    if pattern:
        try:
            re.compile(pattern)
        except re.error as exc:
            r.fail(f"{prefix}.article_pattern", f"{pattern!r} is not a regular expression ({exc}); e.g. \"/read/\\\\d{{4}}/\"")
    complete = r.get(f"{prefix}.complete", True)
    if not isinstance(complete, bool):
        r.fail(f"{prefix}.complete", f"must be true or false, not {complete!r}")
    return CrawlSettings(
        hosts=tuple(dict.fromkeys(hosts)),
        sitemaps=tuple(addresses["sitemaps"]),
        listings=tuple(addresses["listings"]),
        article_pattern=pattern,
        max_listing_pages=r.int(f"{prefix}.max_listing_pages", 100, low=1, high=100_000),
        complete=complete,
    )


_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")  # S3's rules for bucket names


def _target(r: _Reader) -> dict[str, Any]:
    """feeds.target (a bucket or the folder), its endpoint_url and region, cdn_purge."""
    target = r.text("feeds.target", "").strip()
    if target:
        bucket, _slash, prefix = target.removeprefix("s3://").partition("/")
        if not target.startswith("s3://") or not _BUCKET.fullmatch(bucket) or ".." in bucket:
            r.fail("feeds.target", f"{target!r} is not a bucket; write \"s3://bucket/prefix\" (lowercase bucket name), or remove it to write feeds.output_dir")
        folders = prefix.strip("/").split("/") if prefix.strip("/") else []
        if any(part in ("", ".", "..") for part in folders) or "\\" in prefix:
            r.fail("feeds.target", f"{target!r}: the prefix must be folder names separated by single '/', e.g. \"s3://{bucket}/feeds\"")
    found: dict[str, Any] = {"target": target}
    for key in ("endpoint_url", "region"):
        if r.has(f"feeds.{key}") and not target:
            r.fail(f"feeds.{key}", "is only used with an s3:// feeds.target; set feeds.target or remove it")
    found["endpoint_url"] = _url(r, "feeds.endpoint_url", "") if r.has("feeds.endpoint_url") else ""
    found["region"] = r.text("feeds.region", "").strip()
    hook = r.get("feeds.cdn_purge", "")
    if isinstance(hook, str):
        if hook.startswith(("https://", "http://")):  # an API address may carry a query
            if any(c.isspace() for c in hook) or text_problem(hook) or not urlsplit(hook).hostname:
                r.fail("feeds.cdn_purge", f"{hook!r} is not a URL; write it as https://host/path (percent-encode spaces)")
            found["cdn_purge"] = (hook,)
            return found
        try:
            found["cdn_purge"] = tuple(shlex.split(r.text("feeds.cdn_purge", "")))
        except ValueError as exc:
            r.fail("feeds.cdn_purge", f"{hook!r} is not a command line ({exc}); check its quotes, or give a list of arguments")
    else:
        found["cdn_purge"] = tuple(r.strings("feeds.cdn_purge", []))
    return found


def _css_problem(selector: str) -> str:
    """Why `selector` is not a CSS selector cssselect can use, or ""."""
    from cssselect import GenericTranslator, SelectorError

    try:
        GenericTranslator().css_to_xpath(selector)
    except SelectorError as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ""


def _smtp(r: _Reader, root: Path, sender: str) -> SmtpSettings:
    smtp = SmtpSettings(
        host=r.check("smtp.host", r.str("smtp.host", "127.0.0.1"), _smtp_host_problem),
        port=r.int("smtp.port", 25, low=1, high=65535),
        security=r.choice("smtp.security", SMTP_SECURITY, "none"),
        user=r.text("smtp.user", ""),
        password_env=r.check("smtp.password_env", r.str("smtp.password_env", "NEWSFEED_SMTP_PASSWORD"), env_name_problem),
        rate_per_second=r.float("smtp.rate_per_second", 0.0, high=1000),
        timeout=r.float("smtp.timeout", 30.0, high=600),
        retries=r.int("smtp.retries", 2, low=0, high=20),
        retry_delay=r.float("smtp.retry_delay", 300.0, high=86400),
        max_wait=r.float("smtp.max_wait", 600.0, high=86400),
        lease=r.float("smtp.lease", 60.0, high=86400),
        dkim=_dkim(r, root, sender),
    )
    if smtp.lease < 1:
        r.fail("smtp.lease", "must be at least 1 second (a send worker renews its claims within it); 60 is usual")
    if smtp.timeout == 0:
        r.fail("smtp.timeout", "must be more than 0 seconds (each SMTP command waits this long); 30 is usual")
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


def _dkim(r: _Reader, root: Path, sender: str) -> DkimSettings | None:
    key_file, selector, domain = (r.str(f"smtp.dkim.{k}", "") for k in ("key_file", "selector", "domain"))
    if not key_file:
        if selector or domain:
            r.fail("smtp.dkim.key_file", "missing; name the DKIM private key (PEM) file, relative to config.toml, or remove [smtp.dkim]")
        return None
    if not selector or not DNS_NAME.fullmatch(selector):
        r.fail("smtp.dkim.selector", f"{selector!r} is not a DNS selector; name the one the public key is published under "
               "(<selector>._domainkey.<domain>), e.g. \"newsfeed2026\"")
    from email.utils import parseaddr

    from_domain = parseaddr(sender)[1].rpartition("@")[2].lower()
    domain = domain.lower().removesuffix(".") or from_domain
    if not DNS_NAME.fullmatch(domain) or "." not in domain or not (from_domain == domain or from_domain.endswith("." + domain)):
        r.fail("smtp.dkim.domain", f"{domain!r} does not match {from_domain!r}, the From domain of digest.sender; DMARC passes only "
               f"when d= is that domain or a parent of it: set smtp.dkim.domain = \"{from_domain}\" or leave it out")
    path = root / r.check("smtp.dkim.key_file", key_file, _path_problem)
    from newsfeed.deliver.dkim import read_key  # dkimpy: only when signing is configured

    if problem := read_key(path)[1]:
        r.fail("smtp.dkim.key_file", problem)
    return DkimSettings(key_file=path, selector=selector, domain=domain)


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
    if r.has("newsletter.unsubscribe_mailto") and (not _MAILBOX.fullmatch(mailto) or len(mailto) > 254):
        r.fail(
            "newsletter.unsubscribe_mailto",
            f"{mailto!r} is not a plain e-mail address; write only the address, e.g. \"unsubscribe@{host}\" (no mailto:, name or brackets)",
        )
    list_id = r.str("newsletter.list_id", f"mingguan.{host}")
    if r.has("newsletter.list_id") and (not _LIST_ID.fullmatch(list_id) or len(list_id) > 255):
        r.fail(
            "newsletter.list_id",
            f"{list_id!r} is not a list id; use dotted words under a domain you own, e.g. \"mingguan.{host}\" (RFC 2919, no spaces or brackets)",
        )
    return NewsletterSettings(
        secret_env=r.check("newsletter.secret_env", r.str("newsletter.secret_env", "NEWSFEED_SECRET"), env_name_problem),
        endpoint_url=endpoint,
        unsubscribe_mailto=mailto,
        list_id=list_id,
    )


def _url(r: _Reader, key: str, default: str | None = None) -> str:
    return r.check(key, r.str(key, default).rstrip("/"), url_problem)


def _smtp_host_problem(host: str) -> str:
    problem = host_problem(host)
    return f"{problem}; write the mail server's name or address, e.g. \"smtp.example.com\"" if problem else ""


_FEED_IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif")


def _site_image(r: _Reader, key: str) -> str:
    """An absolute URL of one of the site's images (relative ones are under site.base_url)."""
    value = r.str(key, "").strip()
    if not value:
        return ""
    url = urljoin(r.str("site.base_url").rstrip("/") + "/", value)
    if not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        r.fail(key, f"{value!r} is not a web address; give a path under the site like \"/logo.png\" or an https URL")
    if not urlsplit(url).path.lower().endswith(_FEED_IMAGE_TYPES):
        r.fail(key, f"{value!r} must be a PNG, JPEG or GIF (the only kinds an RSS <image> may be); convert it and give its .png path")
    return url


def _color(r: _Reader, key: str) -> str:
    value = r.str(key, "").strip().lstrip("#")
    if value and not re.fullmatch(r"[0-9A-Fa-f]{6}", value):
        r.fail(key, f"{value!r} is not a colour; write six hex digits like \"0b5394\"")
    return value.lower()


def _folder(r: _Reader, key: str, root: Path) -> Path | None:
    value = r.str(key, "")
    if not value:
        return None
    folder = root / value
    if not folder.is_dir():
        r.fail(key, f"{folder} is not a folder; point it at the folder whose files the site serves under site.base_url, or remove it")
    return folder


def _zone(r: _Reader, key: str) -> str:
    return r.check(key, r.str(key, "Asia/Jakarta"), zone_problem)


def _host(url: str) -> str:
    """The host name of a URL, without port or user info."""
    return urlsplit(url).hostname or "localhost"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_MISSING = object()
_MISSING_VALUE = object()  # a default that tells "absent" apart from any value


def _topic_list_names() -> list[str]:
    """The word lists of the packaged data/topics.toml (each may be extended in config.toml)."""
    from importlib import resources

    data = tomllib.loads(resources.files("newsfeed").joinpath("data/topics.toml").read_text(encoding="utf-8"))
    return sorted(name for name, value in data.items() if isinstance(value, list))


class _Reader:
    """Typed access to dotted keys; every failure names the key and the fix.

    It records every key asked for, present or not, so that after parsing any key of the
    file that nothing asked for is reported as unknown: a key added to the code through
    the reader is known at once, with no schema to keep. A table read whole with table()
    (free-form mappings such as topics.aliases) is not looked into.
    """

    def __init__(self, raw: dict[str, Any], path: Path):
        self.raw = raw
        self.path = path
        self.asked: set[tuple[str, ...]] = set()
        self.wholesale: set[tuple[str, ...]] = set()

    def fail(self, key: str, message: str) -> None:
        raise ConfigError(one_line(f"{self.path.name}: {key}: {message}{self._typo_hint(key)}"))

    def check_unknown(self) -> None:
        """Refuse the first key or table of the file that parsing never asked for."""
        index = KeyIndex(self.asked, self.wholesale)
        if found := index.first_unknown(self.raw):
            raise ConfigError(one_line(f"{self.path.name}: {index.describe(*found)}"))

    def _typo_hint(self, key: str) -> str:
        """For a key that is absent: ' (feeds.max_itmes is there: a typo ...?)', else ''."""
        node: Any = self.raw
        parts = tuple(key.split("."))
        for depth, part in enumerate(parts):
            if isinstance(node, dict) and part not in node:
                return KeyIndex(self.asked, self.wholesale).near_miss(node, part, parts[:depth])
            if isinstance(node, dict):
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return ""
        return ""

    def get(self, key: str, default: Any = _MISSING) -> Any:
        parts = key.split(".")
        self.asked.add(tuple(parts))
        node: Any = self.raw
        for depth, part in enumerate(parts):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            elif not isinstance(node, dict) and not (isinstance(node, list) and part.isdigit()):
                # feeds = "x" where [feeds] is meant: not silently all defaults
                self.fail(".".join(parts[:depth]), f"must be a table of keys, not {_short(node)}")
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

    def int(self, key: str, default: int, low: int | None = None, high: int | None = None) -> int:
        value = self.get(key, default)
        if not _is_int(value) or (low is not None and value < low):
            self.fail(key, f"must be a whole number{f' >= {low}' if low is not None else ''}, not {_short(value)}")
        if high is not None and value > high:
            self.fail(key, f"must be a whole number <= {high}, not {_short(value)}; {default} is usual")
        return value

    def bool(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, f"must be true or false, not {value!r}")
        return value

    def float(self, key: str, default: float, high: float = math.inf) -> float:
        value = self.get(key, default)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= high:  # nan too
            self.fail(key, f"must be a number from 0 to {high:g}, not {_short(value)}")
        return float(value)

    def text(self, key: str, default: Any = _MISSING, allowed: str = "") -> str:
        """A string without control characters (they break XML feeds and mail headers)."""
        return self.check(key, self.str(key, default), lambda value: text_problem(value, allowed))

    def strings(self, key: str, default: list) -> list[str]:
        values = self.list(key, default)
        for i, value in enumerate(values):
            if not isinstance(value, str) or not value.strip() or text_problem(value):
                self.fail(f"{key}.{i}", f"must be a non-empty string without control characters, not {_short(value)}")
        return values

    def check(self, key: str, value: str, problem: Callable[[str], str]) -> str:
        """`value`, or a failure naming `key` if problem(value) says what is wrong with it."""
        if found := problem(value):
            self.fail(key, found)
        return value

    def list(self, key: str, default: list) -> list:
        value = self.get(key, default)
        if not isinstance(value, list):
            self.fail(key, f"must be a list, not {value!r}")
        return value

    def table(self, key: str) -> dict:
        """A free-form table (names chosen by the user): its keys are never unknown."""
        self.wholesale.add(tuple(key.split(".")))
        value = self.get(key, {})
        if not isinstance(value, dict):
            self.fail(key, f"must be a table of name = value, not {value!r}")
        return value

    def choice(self, key: str, options: tuple[str, ...], default: Any = _MISSING) -> str:
        value = self.get(key, default)
        if value not in options:
            self.fail(key, f"{value!r} is not one of {', '.join(options)}")
        return value
