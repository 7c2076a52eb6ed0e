"""Time rules: stored in UTC, shown in the site's zone, formatted without the locale.

RSS dates are formatted by feedgen, which switches to the C locale while it formats them, so
day and month names are English whatever the process locale.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# The years an article, a week or a stored time may have: any real article's date. Outside
# them a date is a typo or a placeholder (0001-01-01), and would not survive time zones.
FIRST_YEAR, LAST_YEAR = 1900, 2199


def to_stored(moment: datetime) -> str:
    """UTC text that sorts chronologically: 2024-10-14T01:30:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_stored(text: str) -> datetime:
    if isinstance(text, str) and len(text) == 20 and text[4] == "-" and text[10] == "T" and text[19] == "Z":
        return datetime.fromisoformat(text)  # 50x strptime's speed; a publish reads two per article
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def rfc3339(moment: datetime, zone: ZoneInfo) -> str:
    """Atom/JSON Feed date in the site's zone: 2024-10-14T08:30:00+07:00."""
    return moment.astimezone(zone).isoformat(timespec="seconds")


def week_bounds(year: int, week: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 of an ISO week, in the site's zone (aware)."""
    start = datetime.fromisocalendar(year, week, 1).replace(tzinfo=zone)
    return start, (start + timedelta(days=7)).replace(tzinfo=zone)
