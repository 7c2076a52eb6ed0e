"""`newsfeed check`: which feed items miss what an aggregator requires, so editors can fix them.

The profiles (Google News, Flipboard, Microsoft Start, Kurio, SmartNews) are data:
src/newsfeed/data/aggregators.toml. Each problem names the article by its page key (the
path under its source folder, or its upstream key) and says what to change there.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from datetime import datetime
from importlib import resources
from pathlib import Path

from newsfeed.config import Settings
from newsfeed.errors import ConfigError
from newsfeed.store import Store
from newsfeed.types import Article

PROFILES_FILE = "data/aggregators.toml"


@dataclass(frozen=True, slots=True)
class Profile:
    key: str
    name: str
    image_required: bool
    image_min_width: int
    image_min_height: int
    title_min: int
    title_max: int
    body_min: int
    description_min: int
    description_max: int
    why: str


@dataclass(frozen=True, slots=True)
class Problem:
    source: str
    key: str  # the page key: what the editor opens
    profile: str
    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.key}: {self.profile}: {self.what}; {self.fix}"


def load_profiles(path: Path | None = None) -> tuple[Profile, ...]:
    """Every profile in the data file (the packaged one unless `path` is given)."""
    where = str(path) if path else f"newsfeed/{PROFILES_FILE}"
    try:
        text = path.read_text(encoding="utf-8") if path else resources.files("newsfeed").joinpath(PROFILES_FILE).read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{where}: cannot read the aggregator profiles ({exc}); restore the file or reinstall newsfeed") from None
    return tuple(_profile(where, key, table) for key, table in raw.items())


def _profile(where: str, key: str, table) -> Profile:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [{key}] must be a table of settings")
    values = {"key": key}
    for spec in fields(Profile)[1:]:
        value = table.get(spec.name)
        kind = {"bool": bool, "int": int, "str": str}[spec.type]
        if not isinstance(value, kind) or (kind is int and (isinstance(value, bool) or value < 0)):
            raise ConfigError(f"{where}: [{key}] {spec.name} must be {'a whole number >= 0' if kind is int else 'a ' + spec.type}, not {value!r}")
        values[spec.name] = value
    return Profile(**values)


def check_article(article: Article, profiles: tuple[Profile, ...]) -> list[Problem]:
    """What each profile finds missing in one item, in profile order."""
    problems = []
    for profile in profiles:
        for what, fix in _misses(article, profile):
            problems.append(Problem(article.source, article.key, profile.name, what, fix))
    return problems


def _misses(article: Article, p: Profile):
    info = article.image_info
    if not article.image:
        if p.image_required:
            yield "no lead image", f"give the page a lead image ({_size_hint(p)}; pages: an image: header line, HTML: og:image)"
    elif info is not None:
        if p.image_min_width and info.width is not None and info.width < p.image_min_width:
            yield f"lead image {info.width} px wide, under {p.image_min_width} px", f"use a larger image ({_size_hint(p)})"
        if p.image_min_height and info.height is not None and info.height < p.image_min_height:
            yield f"lead image {info.height} px high, under {p.image_min_height} px", f"use a larger image ({_size_hint(p)})"
    title = len(article.title)
    if title < p.title_min:
        yield f"headline of {title} characters, under {p.title_min}", f"write a headline of {p.title_min} to {p.title_max} characters"
    elif title > p.title_max:
        yield f"headline of {title} characters, over {p.title_max}", f"shorten the headline to at most {p.title_max} characters"
    body = len(article.text)
    if body <= len(article.summary) or body < p.body_min:
        yield f"body of {body} characters is not the full article", f"publish the whole text in the page body (at least {p.body_min} characters), not a teaser"
    description = len(article.summary)
    if description < p.description_min:
        yield f"description of {description} characters, under {p.description_min}", f"open the article with a first paragraph of {p.description_min} to {p.description_max} characters (it becomes the description)"
    elif description > p.description_max:
        yield f"description of {description} characters, over {p.description_max}", f"shorten the first paragraph to at most {p.description_max} characters"


def _size_hint(p: Profile) -> str:
    if p.image_min_width and p.image_min_height:
        return f"at least {p.image_min_width}x{p.image_min_height} px"
    if p.image_min_width:
        return f"at least {p.image_min_width} px wide"
    return "any size"


VALIDATOR = "Feed validator"  # feed-wide rules of the W3C engine that an item's page can break


def feeds(settings: Settings, store: Store, now: datetime) -> list[tuple[str, list[Article]]]:
    """(feed folder, its items newest first) for every feed publish would write now."""
    from newsfeed.publishing import plan_feeds

    limit = settings.feeds.max_items
    found = []
    for spec in plan_feeds(settings, store, now).feeds:
        kind = {"section": "section", "topic": "topic"}.get(spec.kind)
        found.append((spec.path, store.newest(limit, now, **({kind: spec.key} if kind else {}))))
    return found


def feed_items(settings: Settings, store: Store, now: datetime) -> list[Article]:
    """Every article in a feed publish would write now (the newest of the site, each section
    and each topic), newest first, each once."""
    seen: dict[str, Article] = {}
    for _path, articles in feeds(settings, store, now):
        for article in articles:
            seen.setdefault(article.id, article)
    return sorted(seen.values(), key=lambda a: (a.published, a.id), reverse=True)


def same_time_problems(settings: Settings, store: Store, now: datetime) -> list[Problem]:
    """Two items of one feed updated at the same second: the W3C validator warns
    (DuplicateUpdated), and readers that sort by time may order them either way."""
    problems: dict[tuple[str, str], Problem] = {}
    for path, articles in feeds(settings, store, now):
        first: dict[datetime, Article] = {}
        for article in articles:
            other = first.setdefault(article.updated, article)
            if other is not article and (article.key, other.key) not in problems:
                problems[(article.key, other.key)] = Problem(
                    article.source, article.key, VALIDATOR,
                    f"updated at the same second as {other.key} (in the feed {path or 'of the whole site'}: DuplicateUpdated)",
                    "give one of the two its own time of day (pages: a published: or updated: header line)",
                )
    return list(problems.values())


def check(settings: Settings, store: Store, now: datetime, profiles: tuple[Profile, ...], everything: bool = False,
          validator: bool = True) -> list[Problem]:
    """The problems of every item in the feeds (or, with `everything`, of every article),
    then, with `validator`, those of items that share a feed."""
    articles = store.newest(store.count(), now) if everything else feed_items(settings, store, now)
    found = [problem for article in articles for problem in check_article(article, profiles)]
    return found + (same_time_problems(settings, store, now) if validator else [])
