"""Time rules: stored in UTC, shown in the site's zone, formatted without the locale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def to_stored(moment: datetime) -> str:
    """UTC text that sorts chronologically: 2024-10-14T01:30:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_stored(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def rfc822(moment: datetime, zone: ZoneInfo) -> str:
    """RSS date with English names and a numeric zone, whatever the process locale."""
    local = moment.astimezone(zone)
    offset = local.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return (
        f"{_DAYS[local.weekday()]}, {local.day:02d} {_MONTHS[local.month - 1]} {local.year} "
        f"{local:%H:%M:%S} {sign}{minutes // 60:02d}{minutes % 60:02d}"
    )


def rfc3339(moment: datetime, zone: ZoneInfo) -> str:
    """Atom/JSON Feed date in the site's zone: 2024-10-14T08:30:00+07:00."""
    return moment.astimezone(zone).isoformat(timespec="seconds")


def week_bounds(year: int, week: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 of an ISO week, in the site's zone (aware)."""
    start = datetime.fromisocalendar(year, week, 1).replace(tzinfo=zone)
    return start, (start + timedelta(days=7)).replace(tzinfo=zone)
