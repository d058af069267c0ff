"""ISO weeks and report times given as text: parsing only, so the report command can check
its arguments without importing pandas (``analytics.weekly`` re-exports these).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from analytics.errors import UsageError

__all__ = ["WEEK_RE", "last_complete_week", "parse_as_of", "parse_week"]

WEEK_RE = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")


def parse_week(week: str) -> tuple[datetime, datetime]:
    """The instants ``[Monday 00:00Z, next Monday 00:00Z)`` of an ISO week like ``2026-W47``.

    Raises:
        UsageError: naming the value when it is not ``YYYY-Www`` or the year has no such week.
    """
    if not isinstance(week, str) or not WEEK_RE.match(week):
        raise UsageError(f"week {week!r} is not an ISO week like 2026-W47 (weeks 01..53)")
    year, num = int(week[:4]), int(week[6:])
    try:
        monday = date.fromisocalendar(year, num, 1)
    except ValueError as exc:
        raise UsageError(f"week {week!r}: {year} has no ISO week {num}") from exc
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return start, start + timedelta(days=7)


def parse_as_of(as_of: str | datetime | None) -> datetime:
    """A timezone-aware UTC instant from ISO 8601 text (naive means UTC); ``None`` is now."""
    if as_of is None or as_of == "":
        return datetime.now(UTC)
    if isinstance(as_of, str):
        try:
            as_of = datetime.fromisoformat(as_of.strip())
        except ValueError as exc:
            raise UsageError(
                f"as_of {as_of!r} is not an ISO 8601 time like 2026-11-02T00:00:00Z"
            ) from exc
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    return as_of.astimezone(UTC)


def last_complete_week(as_of: datetime | None = None) -> str:
    """The last ISO week that ended at or before ``as_of`` (default now), e.g. ``2026-W44``."""
    moment = parse_as_of(as_of)
    previous = moment.date() - timedelta(days=7)
    year, num, _ = previous.isocalendar()
    return f"{year}-W{num:02d}"
