"""Time as people write it, parsed in one place: instants, days, ISO weeks, months, quarters.

The CLI's ``--as-of``/``--from``/``--to``/``--week``, the notebooks' parameters and the Python
API (:mod:`analytics.api`) all go through these functions, so a value accepted by one is
accepted by all, with the same meaning and the same error message.

* An **instant** is a ``datetime`` (naive means UTC), a ``date`` (its 00:00 UTC) or ISO 8601
  text: ``2026-11-02``, ``2026-11-02T09:30``, ``2026-11-02T09:30:00Z``, ``...+01:00``,
  ``2026-11-02 09:30 UTC``. It comes back timezone-aware, in UTC.
* A **period** is half-open, ``[start, end)`` in UTC, and is written as
  ``2026-11-02`` (a day), ``2026-10-01..2026-10-31`` (days, both included), ``2026-W44``
  (ISO week), ``2026-10`` (month), ``2026-Q3`` (quarter), ``2026`` (year), or relative to a
  report time: ``last week``, ``last month``, ``last quarter``, ``last year`` (the last complete
  one before ``as_of``) and ``this week`` ... (the one containing ``as_of``, up to its end).

Light at import time (no pandas): the CLI checks its options with these before loading more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from analytics.errors import UsageError

__all__ = [
    "PERIOD_FORMS",
    "WEEK_RE",
    "Period",
    "PeriodError",
    "days",
    "last_complete_week",
    "month",
    "parse_as_of",
    "parse_date",
    "parse_instant",
    "parse_period",
    "parse_week",
    "quarter",
    "require_begun",
    "week",
    "year",
]


class PeriodError(UsageError, ValueError):
    """A time or period that cannot be read (exit 2 in the CLI; a ``ValueError`` in Python)."""


INSTANT_FORMS = "a datetime, a date, or ISO 8601 text such as 2026-11-02 or 2026-11-02T00:00:00Z"
PERIOD_FORMS = (
    "2026-11-02 (a day), 2026-10-01..2026-10-31 (days, both included), 2026-W44 (ISO week), "
    "2026-10 (month), 2026-Q3 (quarter), 2026 (year), 'last week|month|quarter|year', "
    "'this week|month|quarter|year', a (first day, last day) pair or a Period"
)
WEEK_RE = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")
_WEEK_LIKE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.I)
_YEAR = re.compile(r"^(\d{4})$")
_RELATIVE = re.compile(r"^(last|this|previous|current)[\s_-]+(week|month|quarter|year)$", re.I)
_UNITS = ("week", "month", "quarter", "year")


# --------------------------------------------------------------------------- instants


def parse_instant(value: datetime | date | str, *, what: str = "time") -> datetime:
    """A timezone-aware UTC ``datetime`` from a datetime, a date or ISO 8601 text.

    Args:
        value: ``datetime`` (naive means UTC; a pandas ``Timestamp`` is one), ``date``
            (00:00 UTC that day), or text: ``2026-11-02``, ``2026-11-02T09:30:00Z``,
            ``2026-11-02T10:30+01:00``, ``2026-11-02 09:30 UTC``.
        what: The name of the value in the error message (``--as-of``, ``as_of`` ...).

    Raises:
        PeriodError: naming ``what``, the value and the accepted forms.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0))
    elif isinstance(value, str):
        raw = value.strip()
        if raw[-4:].upper() == " UTC":
            raw = raw[:-4]
        if raw.endswith(("Z", "z")):
            raw = raw[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise PeriodError(
                f"{what} {value!r} is not a date or timestamp (e.g. 2026-11-02 or "
                "2026-11-02T00:00:00Z)"
            ) from None
    else:
        raise PeriodError(f"{what} {value!r} is not {INSTANT_FORMS}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_as_of(value: datetime | date | str | None = None, *, what: str = "as_of") -> datetime:
    """The report time: :func:`parse_instant` of ``value``, or now when it is None or empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return datetime.now(UTC)
    return parse_instant(value, what=what)


def parse_date(value: date | datetime | str, *, what: str = "date") -> date:
    """A calendar day from a ``date``, a ``datetime`` (its UTC day) or ``YYYY-MM-DD`` text.

    Raises:
        PeriodError: naming ``what``, the value and the accepted form.
    """
    if isinstance(value, datetime):
        return parse_instant(value, what=what).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PeriodError(f"{what} {value!r} is not a date (YYYY-MM-DD)")


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """A half-open span of UTC time ``[start, end)`` with the name people gave it.

    Unpacks as ``start, end``, so ``metrics.summary(con, *period)`` works.

    Attributes:
        start: First instant (aware UTC, included).
        end: Instant after the last (aware UTC, excluded).
        label: ``2026-W44``, ``2026-10``, ``2026-Q3``, ``2026``, ``2026-11-02`` or
            ``2026-10-01..2026-10-31``.
        kind: ``week``, ``month``, ``quarter``, ``year`` or ``days``.
    """

    start: datetime
    end: datetime
    label: str
    kind: str = "days"

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise PeriodError("period bounds must be timezone-aware datetimes (UTC)")
        if self.end <= self.start:
            raise PeriodError(
                f"empty period: end {self.end.isoformat()} is not after {self.start.isoformat()}"
            )

    def __iter__(self):
        return iter((self.start, self.end))

    def __str__(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return f"Period({self.label!r}: {self.first_day} .. {self.last_day}, UTC)"

    @property
    def first_day(self) -> date:
        """The first calendar day (UTC)."""
        return self.start.date()

    @property
    def last_day(self) -> date:
        """The last calendar day (UTC), included."""
        return (self.end - timedelta(microseconds=1)).date()

    def previous(self) -> Period:
        """The period just before: the previous week, month, quarter or year, or as many days."""
        if self.kind == "week":
            return week(self.first_day - timedelta(days=7))
        if self.kind == "month":
            return month(self.first_day - timedelta(days=1))
        if self.kind == "quarter":
            return quarter(self.first_day - timedelta(days=1))
        if self.kind == "year":
            return year(self.first_day.year - 1)
        length = self.end - self.start
        if length % timedelta(days=1) or self.start.time() != time(0):
            return Period(self.start - length, self.start, "previous " + self.label, "days")
        return days(self.first_day - length, self.first_day - timedelta(days=1))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def days(first: date | datetime | str, last: date | datetime | str) -> Period:
    """Whole days, both included: ``[first 00:00Z, last + 1 day 00:00Z)``.

    Raises:
        PeriodError: a value is not a date, or ``last`` is before ``first``.
    """
    first_day = parse_date(first, what="--from")
    last_day = parse_date(last, what="--to")
    if last_day < first_day:
        raise PeriodError(
            f"--to {last_day.isoformat()} is before --from {first_day.isoformat()}; "
            "both days are included, so --to must be on or after --from"
        )
    label = (
        first_day.isoformat()
        if first_day == last_day
        else f"{first_day.isoformat()}..{last_day.isoformat()}"
    )
    return Period(_midnight(first_day), _midnight(last_day + timedelta(days=1)), label, "days")


def week(value: str | date) -> Period:
    """An ISO week, ``2026-W47`` (Monday 00:00Z to the next Monday), or the week of a day.

    Raises:
        PeriodError: naming the value when it is not ``YYYY-Www`` or the year has no such week.
    """
    if isinstance(value, date):
        iso = value.isocalendar()
        monday = date.fromisocalendar(iso.year, iso.week, 1)
    else:
        text = value.strip() if isinstance(value, str) else value
        if not isinstance(text, str) or not WEEK_RE.match(text):
            raise PeriodError(f"week {value!r} is not an ISO week like 2026-W47 (weeks 01..53)")
        number, num = int(text[:4]), int(text[6:])
        try:
            monday = date.fromisocalendar(number, num, 1)
        except ValueError:
            raise PeriodError(f"week {value!r}: {number} has no ISO week {num}") from None
    iso = monday.isocalendar()
    start = _midnight(monday)
    return Period(start, start + timedelta(days=7), f"{iso.year}-W{iso.week:02d}", "week")


def month(value: str | date) -> Period:
    """A calendar month, ``2026-10``, or the month of a day.

    Raises:
        PeriodError: the text is not a month such as ``2026-10``.
    """
    if isinstance(value, date):
        first = value.replace(day=1)
    else:
        m = _MONTH.match(value.strip()) if isinstance(value, str) else None
        if not m or not 1 <= int(m[2]) <= 12 or int(m[1]) < 1:
            raise PeriodError(f"month {value!r} is not a calendar month YYYY-MM such as 2026-10")
        first = date(int(m[1]), int(m[2]), 1)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return Period(_midnight(first), _midnight(after), f"{first:%Y-%m}", "month")


def quarter(value: str | date) -> Period:
    """A calendar quarter, ``2026-Q3`` (July to September), or the quarter of a day.

    Raises:
        PeriodError: the text is not a quarter such as ``2026-Q3``.
    """
    if isinstance(value, date):
        number, q = value.year, (value.month - 1) // 3 + 1
    else:
        m = _QUARTER.match(value.strip()) if isinstance(value, str) else None
        if not m or int(m[1]) < 1:
            raise PeriodError(f"quarter {value!r} is not a quarter like 2026-Q3 (Q1..Q4)")
        number, q = int(m[1]), int(m[2])
    first = date(number, 3 * q - 2, 1)
    after = date(number + 1, 1, 1) if q == 4 else date(number, 3 * q + 1, 1)
    return Period(_midnight(first), _midnight(after), f"{number}-Q{q}", "quarter")


def year(value: int | str | date) -> Period:
    """A calendar year, ``2026``."""
    number = value.year if isinstance(value, date) else value
    if isinstance(number, str) and _YEAR.match(number.strip()):
        number = int(number)
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number < 9999:
        raise PeriodError(f"year {value!r} is not a year like 2026")
    return Period(
        _midnight(date(number, 1, 1)), _midnight(date(number + 1, 1, 1)), str(number), "year"
    )


_OF_DAY = {"week": week, "month": month, "quarter": quarter, "year": year}


def parse_period(
    value: Period | str | date | tuple | list,
    *,
    as_of: datetime | date | str | None = None,
    what: str = "period",
) -> Period:
    """A :class:`Period` from any of the forms people write (see :data:`PERIOD_FORMS`).

    Args:
        value: A ``Period``; a ``date`` (that day); a ``(first, last)`` pair of days, both
            included; or text: ``2026-11-02``, ``2026-10-01..2026-10-31``, ``2026-W44``,
            ``2026-10``, ``2026-Q3``, ``2026``, ``last quarter``, ``this month`` ...
        as_of: The report time the relative forms count from (default now).
        what: The name of the value in the error message.

    Raises:
        PeriodError: naming ``what``, the value and every accepted form.
    """
    if isinstance(value, Period):
        return value
    if isinstance(value, tuple | list) and len(value) == 2:
        return days(value[0], value[1])
    if isinstance(value, date):
        day = parse_date(value, what=what)
        return days(day, day)
    if not isinstance(value, str):
        raise PeriodError(f"{what} {value!r} is not one of: {PERIOD_FORMS}")
    text = value.strip()
    relative = _RELATIVE.match(text)
    if relative:
        moment = parse_as_of(as_of)
        unit = relative[2].lower()
        current = _OF_DAY[unit](moment.date())
        if relative[1].lower() in ("last", "previous"):
            return current.previous()
        return current
    if ".." in text:
        first, _, last = text.partition("..")
        return days(first, last)
    if _WEEK_LIKE.match(text):
        return week(text)
    if _QUARTER.match(text):
        return quarter(text)
    if _MONTH.match(text):
        return month(text)
    if _YEAR.match(text):
        return year(text)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"{what} {value!r} is not one of: {PERIOD_FORMS}") from None
    return days(day, day)


# --------------------------------------------------------------------------- ISO weeks


def parse_week(value: str) -> tuple[datetime, datetime]:
    """The instants ``[Monday 00:00Z, next Monday 00:00Z)`` of an ISO week like ``2026-W47``.

    Raises:
        PeriodError: naming the value when it is not ``YYYY-Www`` or the year has no such week.
    """
    if not isinstance(value, str):
        raise PeriodError(f"week {value!r} is not an ISO week like 2026-W47 (weeks 01..53)")
    return tuple(week(value))  # type: ignore[return-value]


def require_begun(period: Period, as_of: datetime) -> None:
    """Refuse a week (or any period) that had not begun at the report time ``as_of``.

    Nothing in it can have happened yet: a report of it would show zeros as if it were a quiet
    week, and no banner (the data is not missing before the report time).

    Raises:
        PeriodError: naming the period, its start and the report time.
    """
    if period.start >= as_of:
        raise PeriodError(
            f"{period.kind if period.kind != 'days' else 'period'} {period.label} starts "
            f"{period.start:%a %d %b %Y %H:%M} UTC, not before the report time "
            f"{as_of.astimezone(UTC):%a %d %b %Y %H:%M} UTC: nothing in it has happened yet; "
            "report an earlier one, or give a later --as-of (as_of in a notebook)"
        )


def last_complete_week(as_of: datetime | date | str | None = None) -> str:
    """The last ISO week that ended at or before ``as_of`` (default now), e.g. ``2026-W44``."""
    return week(parse_as_of(as_of).date() - timedelta(days=7)).label
