"""An article page's section, from the site's own signals through the source's mapping.

The first signal the mapping knows decides, most specific first:
1. the URL path, by the longest prefix under `section_paths` ("/internasional/" = "dunia");
2. the host, under `section_hosts` ("bola.kompas.com" = "olahraga");
3. the section names the page gives (JSON-LD articleSection, article:section and other meta,
   then breadcrumbs from the most specific up), under `section_names` or equal to a
   configured section's name or slug;
4. the source's `section`.
Otherwise the page is rejected with the value found and the key to set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from newsfeed.config import Settings
from newsfeed.errors import SourceError
from newsfeed.sources.metadata import PageMeta
from newsfeed.text import clean_line


@dataclass(frozen=True, slots=True)
class SectionMap:
    names: dict[str, str] = field(default_factory=dict)  # casefolded site section name -> slug
    paths: tuple[tuple[str, str], ...] = ()  # (path prefix, slug), longest first
    hosts: dict[str, str] = field(default_factory=dict)  # host -> slug
    fallback: str = ""
    source: str = ""

    @classmethod
    def of(cls, names: dict[str, str], paths: dict[str, str], hosts: dict[str, str], fallback: str, source: str) -> SectionMap:
        return cls(
            names={_name_key(k): v for k, v in names.items()},
            paths=tuple(sorted(((_path_key(k), v) for k, v in paths.items()), key=lambda kv: -len(kv[0]))),
            hosts={k.strip().lower().removeprefix("www."): v for k, v in hosts.items()},
            fallback=fallback,
            source=source,
        )


def _name_key(name: str) -> str:
    return clean_line(name).casefold()


def _path_key(path: str) -> str:
    path = "/" + path.strip().lstrip("/")
    return path.lower()


def section_of(meta: PageMeta, url: str, mapping: SectionMap, settings: Settings) -> str:
    parts = urlsplit(url or "")
    path = unquote(parts.path or "/").lower()
    for prefix, slug in mapping.paths:
        if path.startswith(prefix) or path + "/" == prefix:
            return slug
    host = (parts.hostname or "").lower().removeprefix("www.")
    if host in mapping.hosts:
        return mapping.hosts[host]
    own = {s.name.casefold(): s.slug for s in settings.sections} | {s.slug: s.slug for s in settings.sections}
    names = [value for value, _where in meta.sections] + list(reversed(meta.breadcrumbs))
    for value in names:
        key = _name_key(value)
        for candidate in (key, key.replace("-", " "), key.rsplit("/", 1)[-1].strip()):
            slug = mapping.names.get(candidate) or own.get(candidate)
            if slug:
                return slug
    if mapping.fallback:
        return mapping.fallback
    raise SourceError(_unmapped(meta, path, host, mapping, settings))


def _unmapped(meta: PageMeta, path: str, host: str, mapping: SectionMap, settings: Settings) -> str:
    slugs = ", ".join(s.slug for s in settings.sections)
    source = f"source {mapping.source!r}" if mapping.source else "the source"
    first = "/" + path.strip("/").split("/", 1)[0] + "/" if path.strip("/") else "/"
    if meta.sections or meta.breadcrumbs:
        value, where = meta.sections[0] if meta.sections else (meta.breadcrumbs[-1], "breadcrumbs")
        found = f"the page's section {value!r} ({where}) is not mapped"
        fix = f'add "{value}" = "<slug>" to section_names of {source}'
    else:
        found = f"the page names none and its URL path {first!r} (host {host!r}) is not mapped"
        fix = f'add "{first}" = "<slug>" to section_paths of {source}'
    return f"no section: {found}; {fix}, or set its section = \"<slug>\" for unmapped pages (sections: {slugs})"
