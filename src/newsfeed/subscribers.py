"""Subscriber addresses and names: validation, normalisation, section choice.

Validation is a careful stdlib check (no network, no DNS): the `email-validator` package is
not a dependency of the project. What is accepted: an ASCII dot-atom local part (RFC 5322
3.4.1 without quoted strings or comments) and a domain of at least two labels, given in
Unicode or ASCII; the domain is stored in its IDNA (xn--) form. The whole address is
lowercased: every large mailbox provider treats the local part case-insensitively, and
duplicates must merge. Reading and writing CSV files of subscribers is subscriber_csv's job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from newsfeed.config import Settings
from newsfeed.errors import NewsfeedError
from newsfeed.store.subscribers import clean_name

MAX_NAME = 200  # characters, after cleaning: a greeting, not a biography


class AddressError(NewsfeedError):
    """An email address or a subscriber row is not acceptable."""


_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def shown(raw: str, limit: int = 60) -> str:
    """A value quoted for an error message: escaped (repr) and cut short."""
    return repr(raw if len(raw) <= limit else raw[:limit] + "...")


def normalise_email(raw: str) -> str:
    """The stored form of an address, or AddressError saying what is wrong with it."""
    text = raw.strip().strip("<>").strip()
    if not text:
        raise AddressError("empty address")
    if any(ch.isspace() for ch in text):
        raise AddressError(f"{shown(raw)} contains spaces")
    if text.count("@") != 1:
        raise AddressError(f"{shown(raw)} must contain exactly one '@'")
    local, domain = text.split("@")
    if not local or len(local) > 64:
        raise AddressError(f"{shown(raw)}: the part before '@' must be 1 to 64 characters")
    if not local.isascii():
        raise AddressError(f"{shown(raw)}: only ASCII letters, digits and ._%+- are accepted before '@'")
    if local.startswith(".") or local.endswith(".") or ".." in local or not all(_ATOM.match(p) for p in local.split(".")):
        raise AddressError(f"{shown(raw)}: the part before '@' has characters or dots in the wrong place")
    domain = domain.rstrip(".").lower()
    try:
        ascii_domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        raise AddressError(f"{shown(raw)}: {shown(domain)} is not a valid domain name") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or len(ascii_domain) > 253:
        raise AddressError(f"{shown(raw)}: {shown(domain)} is not a valid domain name (like contoh.co.id)")
    if labels[-1].isdigit():
        raise AddressError(f"{shown(raw)}: a bare IP address or numeric domain is not accepted")
    address = f"{local.lower()}@{ascii_domain}"
    if len(address) > 254:
        raise AddressError(f"{shown(raw)} is longer than 254 characters")
    return address


def normalise_name(raw: str) -> str:
    """The stored form of a name (see clean_name), or AddressError if it is too long."""
    name = clean_name(raw)
    if len(name) > MAX_NAME:
        raise AddressError(f"the name is {len(name)} characters long; at most {MAX_NAME} are kept for the greeting")
    return name


def parse_sections(raw: str | Iterable[str], settings: Settings) -> tuple[str, ...]:
    """Section slugs from "dunia, nasional" / "Dunia;Ekonomi" / a list; () means every section.

    Display names are accepted as well as slugs; "semua"/"all"/"*" means every section.
    """
    parts = re.split(r"[;,|\s]+", raw) if isinstance(raw, str) else [p for item in raw for p in re.split(r"[;,|\s]+", item)]
    wanted = [p.strip() for p in parts if p.strip()]
    if any(p.lower() in ("semua", "all", "*") for p in wanted):
        return ()
    by_key = {s.slug: s.slug for s in settings.sections} | {s.name.lower(): s.slug for s in settings.sections}
    slugs = []
    for part in wanted:
        slug = by_key.get(part.lower())
        if slug is None:
            known = ", ".join(s.slug for s in settings.sections)
            raise AddressError(f"unknown section {shown(part)}; use some of {known}")
        if slug not in slugs:
            slugs.append(slug)
    order = [s.slug for s in settings.sections]
    return tuple(sorted(slugs, key=order.index))


def wants(subscriber_sections: Sequence[str], available: Sequence[str]) -> tuple[str, ...]:
    """The sections a subscriber gets this week: their choice among those with articles, in order."""
    if not subscriber_sections:
        return tuple(available)
    chosen = set(subscriber_sections)
    return tuple(s for s in available if s in chosen)
