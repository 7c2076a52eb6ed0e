"""Publication times as article pages write them, made aware in the site's zone when naive."""

from __future__ import annotations

import email.utils
import re
import tomllib
from datetime import datetime, timedelta, timezone
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo


@cache
def lexicon() -> dict:
    """The html source's word lists (src/newsfeed/data/html.toml)."""
    return tomllib.loads(resources.files("newsfeed").joinpath("data/html.toml").read_text(encoding="utf-8"))


_SLASHED = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})(.*)$")
_COMPACT_ZONE = re.compile(r"([+-]\d{2})(\d{2})$")
_WORDS = re.compile(
    r"(?P<day>\d{1,2})\.?\s*(?:-|\s)\s*(?P<month>[A-Za-z]{3,9})\.?,?\s*(?:-|\s)\s*(?P<year>(?:19|20|21)\d{2})"
    r"(?:\s*(?:,|\||-|pukul|jam|at|–)?\s*(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
    r"\s*(?P<zone>WIB|WITA|WIT|UTC|GMT)?(?P<offset>\s*[+-]\d{1,2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
_MONTH_FIRST = re.compile(
    r"(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20|21)\d{2})"
    r"(?:\s*(?:,|\||-|at|–)?\s*(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
    r"\s*(?P<zone>WIB|WITA|WIT|UTC|GMT)?",
    re.IGNORECASE,
)

# Day first, as Indonesian pages write it, and only with an Indonesian zone (11/06/2024, 21:40 WIB):
# without one, 06/11 could be a month first.
_NUMERIC = re.compile(
    r"(?P<day>\d{1,2})[/-](?P<month>\d{1,2})[/-](?P<year>(?:19|20|21)\d{2})\s*(?:,|\||-|pukul|jam)?\s*"
    r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<ampm>)(?P<zone>WIB|WITA|WIT)\b",
    re.IGNORECASE,
)


def parse_moment(value: object, zone: str) -> datetime | None:
    """A machine-written time (ISO 8601, 2024/10/14 08:30, RFC 2822, "14 Oktober 2024 08:30 WIB")
    as an aware datetime; a naive one is in `zone` (the site's). None when it is not a time."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 200:
        return None
    moment = _iso(text)
    if moment is None:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            moment = None
        if moment is not None and moment.tzinfo is None:
            moment = None  # RFC 2822 without a zone is too loose to trust
    if moment is None:
        moment = find_written_date(text, zone, anchored=True)
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))


def _iso(text: str) -> datetime | None:
    slashed = _SLASHED.match(text)
    if slashed:
        year, month, day, rest = slashed.groups()
        text = f"{year}-{int(month):02d}-{int(day):02d}{rest}"
    text = text.replace("Z", "+00:00").replace("z", "+00:00")
    if " " in text and "T" not in text and len(text) > 10:
        date, _, rest = text.partition(" ")
        text = date + "T" + rest.strip().replace(" ", "")
    text = _COMPACT_ZONE.sub(r"\1:\2", text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        try:  # a date and a time we cannot read: the day is still right
            return datetime.fromisoformat(text[:10])
        except ValueError:
            return None
    return None


def find_written_date(text: str, zone: str, anchored: bool = False) -> datetime | None:
    """The first date written out in words in `text` ("Senin, 14 Oktober 2024 | 08:30 WIB",
    "Oct. 14, 2024 8:30 AM"), aware; None when there is none. `anchored`: the text is only the date."""
    months = lexicon()["months"]
    for pattern in (_WORDS, _MONTH_FIRST):
        for match in pattern.finditer(text):
            month = months.get(match["month"].lower().rstrip("."))
            if month is None:
                continue
            moment = _build(match, month, zone)
            if moment is not None:
                return moment
            if anchored:
                return None
    for match in _NUMERIC.finditer(text):
        moment = _build(match, int(match["month"]), zone)
        if moment is not None:
            return moment
    return None


def _build(match: re.Match, month: int, zone: str) -> datetime | None:
    hour = int(match["hour"] or 0)
    if match["ampm"]:
        pm = match["ampm"].lower().startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    if not 1 <= month <= 12:
        return None
    try:
        moment = datetime(int(match["year"]), month, int(match["day"]), hour, int(match["minute"] or 0), int(match["second"] or 0))
    except ValueError:
        return None
    name = (match["zone"] or "").lower()
    offset = match.groupdict().get("offset")
    if name in lexicon()["zones"]:
        return moment.replace(tzinfo=timezone(timedelta(hours=lexicon()["zones"][name])))
    if offset and offset.strip():
        sign = -1 if offset.strip()[0] == "-" else 1
        digits = offset.strip()[1:].replace(":", "")
        hours, minutes = int(digits[:2] if len(digits) > 2 else digits), int(digits[2:] or 0) if len(digits) > 2 else 0
        if hours <= 14:
            return moment.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))
    return moment.replace(tzinfo=ZoneInfo(zone))
