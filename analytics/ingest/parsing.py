"""Shared readers for the values people write by hand: timestamps, durations, counts, money.

Every reader takes a string and either returns the value or raises ``ValueError`` with a
message that names the value and the accepted forms, so a parser can prefix it with the
field name and ``file:line``. "Unknown"-like placeholders read as ``None``.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

TIMESTAMP_FORMS = (
    "2026-11-03 14:05 UTC, 2026-11-03 14:05[:30[.123]], 2026-11-03T14:05:00Z, "
    "2026-11-03T15:05:00+01:00"
)
DURATION_FORMS = "2h 15m, 135 minutes, 45m, 1:05 (h:mm), 1d 2h"
DATE_FORMS = "2026-11-10, 2026/11/10, Nov 10, 2026, 10 Nov 2026"

# Values that mean "not known / not applicable"; they read as None, not as errors.
UNKNOWN_WORDS = frozenset(
    {"", "-", "—", "–", "?", "??", "n/a", "na", "tbd", "tbc", "unknown", "unk", "not known"}
)

_TS_RE = re.compile(
    r"""
    (?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})
    (?:[Tt]|[ \t]+)
    (?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})
    (?::(?P<s>[0-9]{2})(?:[.,](?P<f>[0-9]+))?)?
    (?:
        [ \t]*(?P<z>[Zz])(?![A-Za-z0-9])
      | [ \t]*(?P<off>[+-][0-9]{2}(?::?[0-9]{2})?)(?![0-9:])
    )?
    """,
    re.VERBOSE | re.ASCII,
)
_ZONE_NAME_RE = re.compile(
    r"[ \t]+(?P<name>UTC|GMT|utc|gmt|[A-Z]{3,5}|[A-Za-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?)"
    r"(?![A-Za-z0-9/_])",
    re.ASCII,
)
_CLOCK_RE = re.compile(
    r"(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:[.,](?P<f>[0-9]+))?)?", re.ASCII
)
_OFFSET_ZONE_RE = re.compile(r"(?:UTC|GMT)?\s*([+-])([0-9]{1,2})(?::?([0-9]{2}))?", re.ASCII)
_ZONE_SHAPE_RE = re.compile(r"[A-Za-z]+(?:/[A-Za-z_+-]+){0,2}", re.ASCII)


@functools.lru_cache(maxsize=256)  # a document names its zone on every timestamp
def zone(name: str) -> tzinfo:
    """Return the time zone called ``name`` (``UTC``, ``CET``, ``Europe/Copenhagen``, ``+01:00``).

    Raises:
        ValueError: when the name is not a known zone or offset.
    """
    text = name.strip()
    if text.upper() in {"UTC", "Z", "GMT"}:
        return UTC
    m = _OFFSET_ZONE_RE.fullmatch(text)
    if m:
        return _offset(m.group(1), m.group(2), m.group(3) or "0", text)
    if not _ZONE_SHAPE_RE.fullmatch(text):
        raise ValueError(f"'{name}' is not a time zone")
    try:
        return ZoneInfo(text)
    except Exception as exc:  # ZoneInfoNotFoundError, IsADirectoryError, ...
        raise ValueError(f"'{name}' is not a time zone") from exc


def _offset(sign: str, hours: str, minutes: str, raw: str) -> timezone:
    h, mi = int(hours), int(minutes)
    if h > 23 or mi > 59:
        raise ValueError(f"'{raw}' is not a valid UTC offset")
    delta = timedelta(hours=h, minutes=mi)
    return timezone(-delta if sign == "-" else delta)


def _micro(frac: str | None) -> int:
    if not frac:  # no fraction of a second (most timestamps)
        return 0
    return int(frac[:6].ljust(6, "0"))


def match_timestamp(
    s: str, pos: int = 0, *, default_tz: tzinfo = UTC
) -> tuple[datetime, int] | None:
    """Read a timestamp at ``s[pos:]``; return ``(utc_datetime, end)`` or None if none starts there.

    A naive timestamp is taken in ``default_tz`` (UTC unless told otherwise).

    Raises:
        ValueError: when it has the shape of a timestamp but impossible values (month 13).
    """
    m = _TS_RE.match(s, pos)
    if not m:
        return None
    end = m.end()
    tz: tzinfo = default_tz
    raw = s[pos:end]
    y, mo, d, h, mi, sec, frac, z, off = m.groups()
    try:
        if z:
            tz = UTC
        elif off:
            tz = _offset(off[0], off[1:3], off[3:].lstrip(":") or "0", off)
        else:
            # a zone name follows after spaces or tabs (_ZONE_NAME_RE), if at all
            zm = _ZONE_NAME_RE.match(s, end) if s[end : end + 1] in (" ", "\t") else None
            if zm:
                try:
                    tz = zone(zm.group("name"))
                    end = zm.end()
                    raw = s[pos:end]
                except ValueError:
                    pass  # not a zone: the word belongs to the text that follows
        local = datetime(
            int(y), int(mo), int(d), int(h), int(mi), int(sec or 0), _micro(frac), tzinfo=tz
        )
        return local.astimezone(UTC), end
    except (ValueError, OverflowError) as exc:
        raise ValueError(
            f"'{raw.strip()}' is not a valid timestamp ({exc}); accepted: {TIMESTAMP_FORMS}"
        ) from None


def parse_timestamp(s: str, *, default_tz: tzinfo = UTC) -> datetime:
    """Parse one timestamp into a timezone-aware UTC ``datetime``.

    Accepts ``2026-11-03 14:05 UTC``, ``2026-11-03 14:05``, ``2026-11-03 14:05:30``,
    ``2026-11-03T14:05:00Z``, ``2026-11-03T15:05:00+01:00`` (or ``+0100``), fractional seconds
    of any width (kept to the microsecond) and IANA zone names (``Europe/Copenhagen``, ``CET``).
    A naive timestamp is in ``default_tz`` (UTC).

    Raises:
        ValueError: naming the value and the accepted forms.
    """
    text = unwrap(s)
    got = match_timestamp(text, default_tz=default_tz)
    if got is None or got[1] != len(text):
        raise ValueError(f"'{text}' is not a timestamp; accepted: {TIMESTAMP_FORMS}")
    return got[0]


@functools.lru_cache(maxsize=2048)  # [HH:MM] of every timeline entry: a day has 1,440
def parse_clock(s: str) -> time | None:
    """Parse ``HH:MM``, ``H:MM``, ``HH:MM:SS`` (optionally fractional); None if not a clock time.

    Raises:
        ValueError: for an impossible clock time such as ``25:00``.
    """
    m = _CLOCK_RE.fullmatch(s.strip())
    if not m:
        return None
    try:
        return time(int(m.group("h")), int(m.group("mi")), int(m.group("s") or 0), _micro(m["f"]))
    except ValueError:
        raise ValueError(f"'{s.strip()}' is not a valid time of day (00:00 to 23:59)") from None


_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for name in names
}


_ISO_DATE_RE = re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})", re.ASCII)
_MONTH_DAY_RE = re.compile(r"([A-Za-z]+)\.?\s+([0-9]{1,2})(?:st|nd|rd|th)?,?\s+([0-9]{4})")
_DAY_MONTH_RE = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+([0-9]{4})")


@functools.lru_cache(maxsize=2048)  # due dates repeat across documents
def parse_date(s: str) -> date:
    """Parse a calendar date: ``2026-11-10``, ``2026/11/10``, ``Nov 10, 2026``, ``10 Nov 2026``.

    Raises:
        ValueError: naming the value and the accepted forms.
    """
    text = unwrap(s)
    bad = ValueError(f"'{text}' is not a date; accepted: {DATE_FORMS}")
    m = _ISO_DATE_RE.fullmatch(text)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m1 = _MONTH_DAY_RE.fullmatch(text)
        m2 = _DAY_MONTH_RE.fullmatch(text)
        if m1 and m1[1].lower() in _MONTHS:
            y, mo, d = int(m1[3]), _MONTHS[m1[1].lower()], int(m1[2])
        elif m2 and m2[2].lower() in _MONTHS:
            y, mo, d = int(m2[3]), _MONTHS[m2[2].lower()], int(m2[1])
        else:
            raise bad
    try:
        return date(y, mo, d)
    except ValueError:
        raise bad from None


_DURATION_UNITS = {
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
}
_DURATION_PART = (
    r"([0-9]+(?:\.[0-9]+)?)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)"
)
_ABOUT_RE = re.compile(r"^(?:~|≈|about|approx\.?|approximately|around)\s*", re.I)
_CLOCK_DURATION_RE = re.compile(r"([0-9]+):([0-9]{2})(?::([0-9]{2}))?", re.ASCII)
_DURATION_SEP = r"(?:\s*(?:,|and)?\s*)"
_DURATION_RE = re.compile(rf"{_DURATION_PART}(?:{_DURATION_SEP}{_DURATION_PART})*", re.I | re.A)
_DURATION_PART_RE = re.compile(_DURATION_PART, re.I | re.A)


@functools.lru_cache(maxsize=1024)  # stated durations repeat across documents
def parse_duration(s: str) -> float | None:
    """Parse a stated duration into seconds; None for an unknown-like value.

    Accepts ``2h 15m``, ``2h15m``, ``2 hours 15 minutes``, ``135 minutes``, ``45m``, ``90s``,
    ``1.5h``, ``1d 2h`` and clock forms ``1:05`` (hours:minutes) and ``1:05:30``.
    A bare number is rejected: it could be minutes or hours.

    Raises:
        ValueError: naming the value and the accepted forms.
    """
    text = unwrap(s)
    if text.lower() in UNKNOWN_WORDS:
        return None
    body = _ABOUT_RE.sub("", text)
    m = _CLOCK_DURATION_RE.fullmatch(body)
    if m:
        if int(m[2]) > 59 or int(m[3] or 0) > 59:
            raise ValueError(f"'{text}' is not a duration; accepted: {DURATION_FORMS}")
        return float(int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3] or 0))
    if body and _DURATION_RE.fullmatch(body):
        parts = _DURATION_PART_RE.findall(body)
        return float(sum(Decimal(n) * _DURATION_UNITS[u.lower()] for n, u in parts))
    raise ValueError(f"'{text}' is not a duration; accepted: {DURATION_FORMS}")


_SCALE = {
    "": 1,
    "k": 1_000,
    "thousand": 1_000,
    "m": 1_000_000,
    "mm": 1_000_000,
    "million": 1_000_000,
    "b": 1_000_000_000,
    "bn": 1_000_000_000,
    "billion": 1_000_000_000,
}
_APPROX = (
    r"(?:~|≈|\+/-|about|approx\.?|approximately|around|roughly|est\.?|estimated|at least"
    r"|>|<|≥|≤|up to)?"
)
_NUMBER = r"([0-9][0-9,]*(?:\.[0-9]+)?|\.[0-9]+)"
_SCALE_RE = r"(k|thousand|mm|million|m|bn|billion|b)?"
_COUNT_RE = re.compile(
    rf"{_APPROX}\s*{_NUMBER}\s*{_SCALE_RE}(?![A-Za-z0-9%.])\s*([^0-9%].*)?", re.I | re.A | re.S
)
_PERCENT_RE = re.compile(rf"{_APPROX}\s*{_NUMBER}\s*%\s*([^0-9].*)?", re.I | re.A | re.S)
_MONEY_RE = re.compile(
    rf"{_APPROX}\s*(?:US\s*\$|\$|USD)?\s*{_NUMBER}\s*{_SCALE_RE}(?![A-Za-z0-9.])"
    r"\s*(?:USD|dollars)?(?![A-Za-z0-9])\s*([^0-9].*)?",
    re.I | re.A | re.S,
)
_OTHER_CURRENCY_RE = re.compile(r"\s*(?:€|£|EUR|GBP|DKK|SEK|NOK|JPY|¥)", re.I)
_BOOL_DETAIL_RE = re.compile(
    r"(yes|y|true|no|n|false|none)(?![A-Za-z0-9])[\s,;:.—–-]*(.*)", re.I | re.S
)


def _scaled(number: str, scale: str | None) -> Decimal:
    digits = number.replace(",", "")
    try:
        return Decimal(digits) * _SCALE[(scale or "").lower()]
    except InvalidOperation:
        raise ValueError(f"'{number}' is not a number") from None


@functools.lru_cache(maxsize=1024)  # impact values repeat across documents
def parse_count(s: str) -> int | None:
    """Parse a head count: ``1,200``, ``~3k``, ``1.2M users``, ``about 40``; None when unknown.

    Words may follow the number (``1,200 users``); a percentage is not a count (see
    ``parse_percent``).

    Raises:
        ValueError: naming the value and the accepted forms.
    """
    text = unwrap(s)
    if text.lower() in UNKNOWN_WORDS:
        return None
    m = _COUNT_RE.fullmatch(text)
    if not m:
        raise ValueError(f"'{text}' is not a count; accepted: 1,200, ~3k, 12%, unknown")
    count = int(_scaled(m[1], m[2]).to_integral_value(ROUND_HALF_UP))
    if count > MAX_COUNT:
        raise ValueError(f"'{text}' is too large a count (more than {MAX_COUNT:,})")
    return count


MAX_COUNT = 2**63 - 1  # the warehouse's BIGINT


@functools.lru_cache(maxsize=1024)  # impact values repeat across documents
def parse_percent(s: str) -> float | None:
    """Parse ``12%``, ``~12.5 %``, ``12% of users``; None when unknown.

    Raises:
        ValueError: naming the value and the accepted forms.
    """
    text = unwrap(s)
    if text.lower() in UNKNOWN_WORDS:
        return None
    m = _PERCENT_RE.fullmatch(text)
    if not m:
        raise ValueError(f"'{text}' is not a percentage; accepted: 12%, ~3.5%")
    value = float(_scaled(m[1], None))
    if value > 100:
        raise ValueError(f"'{text}' is more than 100%")
    return value


@functools.lru_cache(maxsize=1024)  # impact values repeat across documents
def parse_money(s: str) -> Decimal | None:
    """Parse a US-dollar amount to a ``Decimal`` with 2 places; None when unknown.

    Accepts ``$12,000``, ``~$3.5k``, ``12000 USD``, ``USD 1.2M``, ``$0``; ``none``/``no``/``nil``
    read as 0.00 (no revenue impact), ``unknown``/``n/a``/``TBD`` as None.

    Raises:
        ValueError: naming the value and the accepted forms (other currencies included).
    """
    text = unwrap(s)
    low = text.lower()
    if low in UNKNOWN_WORDS:
        return None
    if low in {"none", "no", "nil", "zero", "0", "no impact"}:
        return Decimal("0.00")
    m = _MONEY_RE.fullmatch(text)
    if not m or (m[3] and _OTHER_CURRENCY_RE.match(m[3])):
        raise ValueError(f"'{text}' is not a dollar amount; accepted: $12,000, ~$3.5k, unknown")
    try:
        amount = _scaled(m[1], m[2]).quantize(Decimal("0.01"), ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"'{text}' is too large an amount") from None
    if amount >= MAX_MONEY:
        raise ValueError(f"'{text}' is too large an amount (the most is $9,999,999,999,999,999.99)")
    return amount


MAX_MONEY = Decimal("1e16")  # the warehouse's DECIMAL(18, 2)


@functools.lru_cache(maxsize=1024)  # impact values repeat across documents
def parse_bool_detail(s: str) -> tuple[bool | None, str | None]:
    """Parse ``yes/no, details``: ``yes, 200 rows lost`` -> ``(True, "200 rows lost")``.

    ``none`` reads as ``(False, None)``; ``unknown`` as ``(None, None)``.

    Raises:
        ValueError: naming the value and the accepted forms.
    """
    text = unwrap(s)
    if text.lower() in UNKNOWN_WORDS:
        return None, None
    m = _BOOL_DETAIL_RE.fullmatch(text)
    if not m:
        raise ValueError(f"'{text}' is not yes/no; accepted: yes, <details> | no | none | unknown")
    detail = m[2].strip()
    if detail.startswith("(") and detail.endswith(")"):
        detail = detail[1:-1].strip()
    return m[1].lower() in {"yes", "y", "true"}, detail or None


_MARK_CHARS = frozenset("*_`")


def unwrap(s: str) -> str:
    """Trim ``s`` and remove Markdown emphasis or code marks wrapped around the whole of it."""
    text = s.strip()
    if not text or text[0] not in _MARK_CHARS or text[-1] not in _MARK_CHARS:
        return text  # nothing wrapped around it (most lines): no loop
    changed = True
    while changed:
        changed = False
        for mark in ("**", "__", "`", "*", "_"):
            if len(text) > 2 * len(mark) and text.startswith(mark) and text.endswith(mark):
                text = text[len(mark) : -len(mark)].strip()
                changed = True
    return text


# The sane window of timestamps (docs/inputs.md): earlier or later is an "out of range" rejection.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
EVENT_YEARS_AHEAD = 2
ROTATION_YEARS_AHEAD = 5


@functools.lru_cache(maxsize=8)  # called for every timestamp of a file, with one `now`
def time_window(now: datetime) -> tuple[datetime, datetime, datetime]:
    """``(earliest, latest, latest for rotations)`` instants an input may hold (docs/inputs.md):
    1970-01-01, two years after ``now``, five years after ``now`` for rotations."""
    return EARLIEST, _years_after(now, EVENT_YEARS_AHEAD), _years_after(now, ROTATION_YEARS_AHEAD)


def _years_after(now: datetime, years: int) -> datetime:
    try:
        return now.replace(year=now.year + years)
    except ValueError:  # 29 February
        return now.replace(year=now.year + years, day=28)


def out_of_range(ts: datetime, now: datetime, *, rotations: bool = False) -> str | None:
    """Why ``ts`` is outside the sane window of :func:`time_window`, or None."""
    lo, hi, hi_rotations = time_window(now)
    top = hi_rotations if rotations else hi
    if lo <= ts <= top:
        return None
    try:
        shown = ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M") + "Z"
    except (OverflowError, ValueError):
        shown = ts.isoformat()
    return f"{shown} is out of range ({lo:%Y-%m-%d} .. {top:%Y-%m-%d})"
