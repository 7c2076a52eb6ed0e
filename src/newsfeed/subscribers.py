"""Subscriber addresses: validation, normalisation, section choice and CSV import.

Validation is a careful stdlib check (no network, no DNS): the `email-validator` package is
not a dependency of the project. What is accepted: an ASCII dot-atom local part (RFC 5322
3.4.1 without quoted strings or comments) and a domain of at least two labels, given in
Unicode or ASCII; the domain is stored in its IDNA (xn--) form. The whole address is
lowercased: every large mailbox provider treats the local part case-insensitively, and
duplicates must merge.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from newsfeed.config import Settings
from newsfeed.errors import NewsfeedError
from newsfeed.store import Store
from newsfeed.store import subscribers as ledger


class AddressError(NewsfeedError):
    """An email address or a subscriber row is not acceptable."""


_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def normalise_email(raw: str) -> str:
    """The stored form of an address, or AddressError saying what is wrong with it."""
    text = raw.strip().strip("<>").strip()
    if not text:
        raise AddressError("empty address")
    if any(ch.isspace() for ch in text):
        raise AddressError(f"{raw!r} contains spaces")
    if text.count("@") != 1:
        raise AddressError(f"{raw!r} must contain exactly one '@'")
    local, domain = text.split("@")
    if not local or len(local) > 64:
        raise AddressError(f"{raw!r}: the part before '@' must be 1 to 64 characters")
    if not local.isascii():
        raise AddressError(f"{raw!r}: only ASCII letters, digits and ._%+- are accepted before '@'")
    if local.startswith(".") or local.endswith(".") or ".." in local or not all(_ATOM.match(p) for p in local.split(".")):
        raise AddressError(f"{raw!r}: the part before '@' has characters or dots in the wrong place")
    domain = domain.rstrip(".").lower()
    try:
        ascii_domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        raise AddressError(f"{raw!r}: {domain!r} is not a valid domain name") from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or len(ascii_domain) > 253:
        raise AddressError(f"{raw!r}: {domain!r} is not a valid domain name (like contoh.co.id)")
    if labels[-1].isdigit():
        raise AddressError(f"{raw!r}: a bare IP address or numeric domain is not accepted")
    address = f"{local.lower()}@{ascii_domain}"
    if len(address) > 254:
        raise AddressError(f"{raw!r} is longer than 254 characters")
    return address


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
            raise AddressError(f"unknown section {part!r}; use some of {known}")
        if slug not in slugs:
            slugs.append(slug)
    order = [s.slug for s in settings.sections]
    return tuple(sorted(slugs, key=order.index))


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(slots=True)
class ImportReport:
    added: int = 0
    merged: int = 0  # already known (in the store or earlier in the file): sections united
    kept: int = 0  # unsubscribed or bounced addresses an import does not bring back
    bad: list[BadRow] = field(default_factory=list)


_HEADER_NAMES = {"email": "email", "e-mail": "email", "surel": "email", "alamat": "email", "name": "name", "nama": "name",
                 "sections": "sections", "rubrik": "sections", "kanal": "sections", "section": "sections"}


def read_csv(data: bytes) -> list[tuple[int, list[str]]]:
    """(line number, cells) of every non-empty row. UTF-8 (with or without BOM)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise AddressError(f"line {line}: the file is not UTF-8 text; save it as CSV UTF-8 and import again") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    start = 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise AddressError(f"line {reader.line_num}: not valid CSV ({exc})") from None
    return rows


def import_csv(path: Path, settings: Settings, store: Store, now: datetime, confirmed: bool = False) -> ImportReport:
    """Import email,name,sections rows; bad rows are reported with their line and skipped.

    The good rows are stored in one transaction. A header row is recognised by its names
    (email/surel, name/nama, sections/rubrik) and may order the columns freely.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise AddressError(f"{path}: cannot read it ({exc.strerror})") from None
    return import_rows(read_csv(data), settings, store, now, confirmed)


def import_rows(rows: Sequence[tuple[int, list[str]]], settings: Settings, store: Store, now: datetime, confirmed: bool = False) -> ImportReport:
    report = ImportReport()
    columns = {"email": 0, "name": 1, "sections": 2}
    if rows and "@" not in rows[0][1][0] and rows[0][1][0].strip().lower() in _HEADER_NAMES:
        header = [_HEADER_NAMES.get(c.strip().lower(), "") for c in rows[0][1]]
        columns = {key: header.index(key) for key in ("email", "name", "sections") if key in header}
        rows = rows[1:]
    good: dict[str, tuple[str, tuple[str, ...] | None]] = {}
    for line, cells in rows:
        def cell(key: str) -> str:
            index = columns.get(key)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        try:
            email = normalise_email(cell("email"))
            sections = parse_sections(cell("sections"), settings)
        except AddressError as exc:
            report.bad.append(BadRow(line, str(exc)))
            continue
        if email in good:
            name, before = good[email]
            report.merged += 1
            united = () if not before or not sections else tuple(dict.fromkeys(before + sections))
            good[email] = (name or cell("name"), united)
        else:
            good[email] = (cell("name"), sections)
    with store.transaction() as conn, ledger.guard(store):
        for email, (name, sections) in good.items():
            outcome = ledger.upsert(conn, email, name, sections or (), now, confirmed=confirmed)
            if outcome == "added":
                report.added += 1
            elif outcome == "merged":
                report.merged += 1
            else:
                report.kept += 1
    return report


def export_rows(store: Store) -> Iterable[list[str]]:
    yield ["email", "name", "sections", "status"]
    for s in ledger.all_subscribers(store):
        yield [s.email, s.name, ";".join(s.sections), s.status]


def wants(subscriber_sections: Sequence[str], available: Sequence[str]) -> tuple[str, ...]:
    """The sections a subscriber gets this week: their choice among those with articles, in order."""
    if not subscriber_sections:
        return tuple(available)
    chosen = set(subscriber_sections)
    return tuple(s for s in available if s in chosen)
