"""What an article page says about itself: schema.org JSON-LD first, then OpenGraph/`article:`
meta tags, then microdata (itemprop), then the page itself.

extruct would read the same JSON-LD and microdata, but brings rdflib, mf2py and pyRdfa for
formats news pages do not use here; reading JSON-LD leniently (the broken JSON that CMS
templates emit: raw newlines, trailing commas, HTML comments) is what matters, and is done here.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import datetime

from newsfeed.sources.dates import lexicon, parse_moment
from newsfeed.sources.validate import FIRST_YEAR, LAST_YEAR
from newsfeed.text import clean_line

ARTICLE_TYPES = {
    "newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "askpublicnewsarticle", "blogposting", "liveblogposting",
    "socialmediaposting", "techarticle", "report", "scholarlyarticle", "medicalscholarlyarticle",
}
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_MAX_DEPTH = 12


@dataclass(frozen=True, slots=True)
class PageMeta:
    headline: str = ""  # JSON-LD headline, else og:title / twitter:title / itemprop headline
    titles: tuple[str, ...] = ()  # every title the page gives, most trusted first (for suffixes)
    site_names: tuple[str, ...] = ()  # og:site_name, publisher, WebSite name, application-name
    published: datetime | None = None
    modified: datetime | None = None
    sections: tuple[tuple[str, str], ...] = ()  # (value, where it was found)
    breadcrumbs: tuple[str, ...] = ()  # from the top down
    authors: tuple[str, ...] = ()
    image: str = ""
    keywords: tuple[str, ...] = ()
    free: bool | None = None  # isAccessibleForFree
    url: str = ""  # canonical, og:url, JSON-LD url


def read_meta(doc, zone: str) -> PageMeta:
    """The page's own metadata; nothing here raises on a malformed page."""
    objects = list(_json_ld(doc))
    canonical = _canonical(doc)
    article = _pick_article(objects, canonical)
    metas = _metas(doc)
    props = _itemprops(doc)

    def meta(*names: str) -> str:
        for name in names:
            for value in metas.get(name, ()):
                if value.strip():
                    return value.strip()
        return ""

    titles = [
        _text(article.get("headline")) or _text(article.get("name")),
        meta("og:title"),
        meta("twitter:title"),
        props.get("headline", ""),
        meta("title", "dc.title", "sailthru.title", "parsely-title"),
    ]
    title_tag = doc.find(".//title")
    if title_tag is not None:
        titles.append(clean_line(title_tag.text_content()))
    titles = [t for t in (clean_line(html.unescape(t)) for t in titles) if t]
    site_names = [meta("og:site_name"), meta("application-name"), meta("apple-mobile-web-app-title")]
    publisher = article.get("publisher")
    site_names.append(_name(publisher))
    site_names += [_text(o.get("name")) for o in objects if _types(o) & {"website", "organization", "newsmediaorganization"}]
    lex = lexicon()
    published = _first_time([article.get("datePublished"), article.get("dateCreated")], zone)
    published = published or _first_time([meta(name) for name in lex["published_meta"]] + [props.get("datePublished", "")], zone)
    modified = _first_time([article.get("dateModified")] + [meta(name) for name in lex["modified_meta"]] + [props.get("dateModified", "")], zone)
    sections: list[tuple[str, str]] = [(s, "JSON-LD articleSection") for s in _strings(article.get("articleSection"))]
    sections += [(v, "article:section meta") for v in metas.get("article:section", ())]
    sections += [(props["articleSection"], "itemprop articleSection")] if props.get("articleSection") else []
    for name in ("section", "category", "og:section", "parsely-section", "sailthru.section", "cxenseparse:recs:category"):
        sections += [(v, f"{name} meta") for v in metas.get(name, ())]
    authors = [_name(a) for a in _listed(article.get("author"))]
    authors = [a for a in authors if a and not a.startswith(("http://", "https://"))]
    if not authors:
        authors = [a for a in (meta("author", "dc.creator", "sailthru.author", "parsely-author", "byl"), props.get("author", "")) if a and "://" not in a][:1]
    keywords = [k for value in _listed(article.get("keywords")) for k in _strings(value, split=True)]
    keywords = keywords or [t for value in metas.get("article:tag", ()) for t in value.split(",")]
    return PageMeta(
        headline=titles[0] if titles else "",
        titles=tuple(dict.fromkeys(titles)),
        site_names=tuple(dict.fromkeys(clean_line(html.unescape(s)) for s in site_names if s and s.strip())),
        published=published,
        modified=modified,
        sections=tuple((clean_line(html.unescape(v)), where) for v, where in sections if v and v.strip()),
        breadcrumbs=_breadcrumbs(objects, doc),
        authors=tuple(dict.fromkeys(clean_line(html.unescape(a)) for a in authors if a)),
        image=_image(article.get("image")) or meta("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src") or props.get("image", ""),
        keywords=tuple(dict.fromkeys(k for k in (clean_line(html.unescape(k)) for k in keywords) if k)),
        free=_boolean(article.get("isAccessibleForFree")),
        url=canonical or meta("og:url") or _url(article),
    )


def _json_ld(doc):
    """Every JSON object in the page's ld+json scripts, @graph and lists flattened."""
    for script in doc.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        data = _loads(script.text or "")
        yield from _flatten(data, 0)


def _loads(text: str):
    text = text.strip()
    for junk in ("<!--", "-->", "//<![CDATA[", "//]]>", "<![CDATA[", "]]>"):
        text = text.replace(junk, "")
    text = text.strip().rstrip(";")
    if not text:
        return None
    for attempt in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            return json.loads(attempt, strict=False)
        except (ValueError, RecursionError):
            continue
    return None


def _flatten(data, depth: int):
    if depth > _MAX_DEPTH:
        return
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item, depth + 1)
    elif isinstance(data, dict):
        if "@graph" in data:
            yield from _flatten(data["@graph"], depth + 1)
        if "@type" in data:
            yield data
            for key in ("mainEntity", "mainEntityOfPage", "hasPart"):
                if isinstance(data.get(key), (dict, list)):
                    yield from _flatten(data[key], depth + 1)


def _types(obj: dict) -> set[str]:
    kinds = obj.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return {k.rsplit("/", 1)[-1].casefold() for k in kinds if isinstance(k, str)}


def _pick_article(objects: list[dict], canonical: str) -> dict:
    """The page's own article: the article-typed object at the page's canonical URL, else the
    first with a headline and a date (a page may also list other articles as objects)."""
    articles = [o for o in objects if _types(o) & ARTICLE_TYPES]
    here = canonical.rstrip("/")
    articles.sort(key=lambda o: (not here or _url(o).rstrip("/") != here, not (o.get("headline") or o.get("name")), not o.get("datePublished")))
    if articles:
        return articles[0]
    pages = [o for o in objects if "webpage" in _types(o) and o.get("datePublished")]
    return pages[0] if pages else {}


def _metas(doc) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for node in doc.iter("meta"):
        value = node.get("content")
        if value is None:
            continue
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            name = (node.get(attribute) or "").strip().lower()
            if name:
                found.setdefault(name, []).append(value)
    return found


def _itemprops(doc) -> dict[str, str]:
    """The first value of each microdata property that articles use."""
    wanted = ("headline", "datePublished", "dateModified", "articleSection", "author", "image")
    found: dict[str, str] = {}
    for node in doc.xpath("//*[@itemprop]"):
        for name in (node.get("itemprop") or "").split():
            if name not in wanted or name in found:
                continue
            if node.tag == "meta":
                value = node.get("content") or ""
            elif node.tag == "time":
                value = node.get("datetime") or node.text_content()
            elif node.tag in ("img", "link"):
                value = node.get("src") or node.get("href") or ""
            elif name == "author":
                names = node.xpath(".//*[@itemprop='name']")
                value = (names[0].get("content") or names[0].text_content()) if names else node.text_content()
            else:
                value = node.get("content") or node.get("datetime") or node.text_content()
            if clean_line(value):
                found[name] = clean_line(value)
    return found


def _breadcrumbs(objects: list[dict], doc) -> tuple[str, ...]:
    for obj in objects:
        if "breadcrumblist" not in _types(obj):
            continue
        items = [i for i in _listed(obj.get("itemListElement")) if isinstance(i, dict)]
        items.sort(key=lambda i: i.get("position") if isinstance(i.get("position"), int) else 0)
        names = [_name(i) or _name(i.get("item")) for i in items]
        names = [clean_line(html.unescape(n)) for n in names if n]
        if names:
            return tuple(names)
    for trail in doc.xpath(
        "//*[contains(translate(@class,'BREADCRUMB','breadcrumb'),'breadcrumb') or contains(translate(@id,'BREADCRUMB','breadcrumb'),'breadcrumb')"
        " or @aria-label='breadcrumb' or @aria-label='Breadcrumb']"
    ):
        names = [clean_line(a.text_content()) for a in trail.iter("a")]
        names = [n for n in names if n and len(n) <= 60]
        if names:
            return tuple(names)
    return ()


def _canonical(doc) -> str:
    """<link rel="canonical">'s href, maybe relative (the caller resolves it against the page's URL)."""
    for link in doc.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            href = (link.get("href") or "").strip()
            if href and not href.startswith(("javascript:", "data:", "#")):
                return href
    return ""


def _url(article: dict) -> str:
    for value in (article.get("url"), article.get("mainEntityOfPage")):
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str) and value.startswith(("https://", "http://")):
            return value.strip()
    return ""


def _first_time(values: list, zone: str) -> datetime | None:
    """The first plausible time; CMS placeholders ("0001-01-01T00:00:00Z") are no date."""
    for value in values:
        for candidate in _listed(value):
            moment = parse_moment(candidate, zone)
            if moment is not None and FIRST_YEAR <= moment.year <= LAST_YEAR:
                return moment
    return None


def _listed(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value) -> str:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), "")
    return value.strip() if isinstance(value, str) else ""


def _strings(value, split: bool = False) -> list[str]:
    out = []
    for item in _listed(value):
        if isinstance(item, str):
            out += item.split(",") if split else [item]
        elif isinstance(item, dict):
            out.append(_name(item))
    return [clean_line(s) for s in out if isinstance(s, str) and s.strip()]


def _name(value) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return ", ".join(n for n in (_name(v) for v in value) if n)
    if isinstance(value, dict):
        name = value.get("name")
        return _name(name) if isinstance(name, (str, list)) else ""
    return ""


def _image(value) -> str:
    for item in _listed(value):
        if isinstance(item, str) and item.strip():
            return item.strip()
        if isinstance(item, dict):
            url = item.get("url") or item.get("contentUrl") or item.get("@id")
            if isinstance(url, str) and url.strip():
                return url.strip()
    return ""


def _boolean(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None
