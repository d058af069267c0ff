"""ISO weeks and report times given as text: parsing only, so the report command can check
its arguments without importing pandas (``analytics.weekly`` re-exports these).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from analytics.errors import UsageError

__all__ = [
    "WEEK_RE",
    "last_complete_week",
    "parse_as_of",
    "parse_period",
    "parse_week",
    "period_name",
    "previous_month",
]

WEEK_RE = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_DAYS_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


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


def _next_month(first: date) -> date:
    return date(first.year + 1, 1, 1) if first.month == 12 else date(first.year, first.month + 1, 1)


def parse_period(text: str) -> tuple[date, date]:
    """A pay period as ``(first day, day after the last)``: a calendar month ``2026-10`` or
    whole days ``2026-10-01..2026-10-15`` (both days included).

    Raises:
        UsageError: naming the value when it is neither, or the range is reversed.
    """
    value = text.strip() if isinstance(text, str) else ""
    month, days = _MONTH_RE.match(value), _DAYS_RE.match(value)
    try:
        if month and 1 <= int(month[2]) <= 12 and int(month[1]) >= 1:
            first = date(int(month[1]), int(month[2]), 1)
            return first, _next_month(first)
        if days:
            first, last = date.fromisoformat(days[1]), date.fromisoformat(days[2])
            if last < first:
                raise UsageError(
                    f"period {text!r}: the last day {last} is before the first {first}"
                )
            return first, last + timedelta(days=1)
    except ValueError:
        pass
    raise UsageError(
        f"period {text!r} is not a calendar month like 2026-10 "
        "or a range of days like 2026-10-01..2026-10-15"
    )


def period_name(first: date, end_exclusive: date) -> str:
    """``2026-10`` for a calendar month, else ``2026-10-01_2026-10-15`` (as payroll files)."""
    if first.day == 1 and _next_month(first) == end_exclusive:
        return f"{first:%Y-%m}"
    return f"{first.isoformat()}_{(end_exclusive - timedelta(days=1)).isoformat()}"


def previous_month(moment: datetime) -> str:
    """The calendar month before ``moment``'s (UTC), e.g. ``2026-10`` for 2026-11-02."""
    last_of_previous = moment.astimezone(UTC).date().replace(day=1) - timedelta(days=1)
    return f"{last_of_previous:%Y-%m}"
