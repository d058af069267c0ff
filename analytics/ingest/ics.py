"""iCalendar (``.ics``) on-call schedules → rotation rows, one per (expanded) VEVENT.

Parsing and recurrence come from ``icalendar`` and ``recurring_ical_events`` (RRULE, RDATE,
EXDATE, RECURRENCE-ID edits, VTIMEZONE, X-WR-TIMEZONE). What we add: the engineer from SUMMARY
(PagerDuty ``On Call - <name> - <schedule>``, Grafana ``<layer>: <user>``, Google ``@name``) or
ATTENDEE, the team, the override flag, UTC times, an expansion window and ``file:line`` errors.
The mapping is in ``docs/importers.md``.
"""

from __future__ import annotations

import re
import time as clock
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import icalendar
import recurring_ical_events

from analytics.errors import InputError, InputErrors
from analytics.ingest.parsing import out_of_range
from analytics.ingest.readers import decode_text
from analytics.ingest.records import InputWarning, RotationRow
from analytics.names import team_key

# Without a window, an RRULE with no UNTIL/COUNT is expanded this far past the first event.
DEFAULT_HORIZON = timedelta(days=731)
# Shifts one file may expand to. Five years of hourly shifts are 43,800; a three-line RRULE
# with FREQ=SECONDLY would otherwise be tens of millions of events held in memory.
MAX_SHIFTS = 100_000
# ... and the time one file may take to expand (a year of daily shifts takes ~0.1 s).
MAX_EXPAND_SECONDS = 10
WINDOW_EVENTS = 2_000  # a window holding fewer events doubles, more halves

_PAGERDUTY_SUMMARY = re.compile(r"^on[\s-]*call\s+-\s+(?P<name>.+?)(?:\s+-\s+.*)?$", re.IGNORECASE)
_LAYER_SUMMARY = re.compile(r"^[^:]*:\s*(?P<name>.+)$")
_OVERRIDE_SUMMARY = re.compile(r"^overrides?\s+[-–—]\s+(?P<name>.+)$", re.IGNORECASE)
_PAGERDUTY_CALNAME = re.compile(r"^on[\s-]*call\s+schedule\s+for\s+", re.IGNORECASE)
_TIME_PROPS = ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")


@dataclass
class IcsResult:
    """What one ``.ics`` file yields."""

    rotations: list[RotationRow] = field(default_factory=list)
    warnings: list[InputWarning] = field(default_factory=list)


def parse_ics(
    data: bytes | str,
    file: str,
    *,
    team: str | None,
    window: tuple[datetime, datetime] | None = None,
    now: datetime | None = None,
) -> IcsResult:
    """Expand an iCalendar schedule into rotation rows.

    Args:
        data: The file's bytes or text; LF or CRLF line endings.
        file: The file name used in errors and warnings.
        team: The team of every shift; None takes the calendar name (X-WR-CALNAME).
        window: ``[start, end)`` to expand recurring events over (aware datetimes). None: from
            the earliest DTSTART to the latest DTEND/UNTIL, at most ``DEFAULT_HORIZON`` (2 years)
            after the earliest DTSTART.
        now: The ingest's clock: a VEVENT starting or ending outside the sane window of
            rotations (1970-01-01 to five years after it) rejects the file. None: unchecked.

    Returns:
        IcsResult: rotation rows (UTC, sorted by start) and warnings.

    Raises:
        InputError: not an iCalendar file, a bad date or rule, or no team at all.
    """
    text = decode_text(data, file)
    if not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise InputError(file, 1, "expected an iCalendar file starting with BEGIN:VCALENDAR")
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # the library raises ValueError, KeyError, IndexError ...
        raise InputError(file, _line_in(text, str(exc)), f"not valid iCalendar: {exc}") from None
    if isinstance(cal, list):  # several VCALENDARs concatenated
        cal = cal[0] if cal else None
    if not isinstance(cal, icalendar.Calendar):
        raise InputError(file, 1, "expected an iCalendar file with one VCALENDAR")

    team_name = _team(team, cal, file)
    events = list(cal.walk("VEVENT"))
    lines = _vevent_lines(text)
    result = IcsResult()
    if not events:
        result.warnings.append(InputWarning(file, 1, "calendar has no VEVENT: no rotations"))
        return result
    masters, edits = _source_lines(events, lines, file, now)

    if window is None:
        window = _default_window(events, lines, file, result.warnings)
    start, end = (_aware(w, file, 1, "window") for w in window)
    for occ in _expand(cal, start, end, file, text, masters):
        uid = str(occ.get("UID", ""))
        line = masters.get(uid, 1)
        if occ.get("RECURRENCE-ID") is not None:
            recid = _utc(occ["RECURRENCE-ID"].dt, file, line, "RECURRENCE-ID")
            line = edits.get((uid, recid), line)
        row = _row(occ, team_name, file, line, result.warnings)
        if row is not None:
            result.rotations.append(row)
    result.rotations.sort(key=lambda r: (r.start_at, r.end_at, r.engineer))
    return result


def _expand(
    cal: icalendar.Calendar,
    start: datetime,
    end: datetime,
    file: str,
    text: str,
    masters: dict[str, int],
) -> Iterator[Any]:
    """The events overlapping ``[start, end)``, in start order, at most :data:`MAX_SHIFTS`,
    in at most :data:`MAX_EXPAND_SECONDS`.

    Drawn window by window, so a rule that would expand to millions of events is refused
    after ``MAX_SHIFTS`` of them instead of filling memory first. The library's own lazy
    iterator (``after``) halves its window whenever it finds an event, down to 15 minutes,
    and asks every series each time: a year of daily shifts took ~53 s. Here a window grows
    while it holds few events and shrinks only when it holds many.
    """
    query = recurring_ical_events.of(cal)
    deadline = clock.monotonic() + MAX_EXPAND_SECONDS
    seen: set[tuple[str, datetime, str]] = set()
    count = 0
    span = timedelta(hours=1)
    low = start
    try:
        while low < end:
            high = min(low + span, end)
            window = query.between(low, high)
            fresh = []
            for occ in window:
                line = masters.get(str(occ.get("UID", "")), 1)
                begin = _utc(occ["DTSTART"].dt, file, line, "DTSTART")
                key = (str(occ.get("UID", "")), begin, str(occ.get("RECURRENCE-ID", "")))
                if begin >= end or key in seen:
                    continue
                seen.add(key)
                fresh.append((begin, line, occ))
            fresh.sort(key=lambda item: item[0])
            for _, line, occ in fresh:
                if count == MAX_SHIFTS:
                    raise InputError(
                        file,
                        line,
                        f"expands to more than {MAX_SHIFTS:,} shifts between {start:%Y-%m-%d} "
                        f"and {end:%Y-%m-%d} (is an RRULE's FREQ finer than the rotation?); "
                        "split the calendar or give its rules an UNTIL",
                    )
                count += 1
                yield occ
            if clock.monotonic() > deadline:
                raise InputError(
                    file,
                    1,
                    f"expanding its events took more than {MAX_EXPAND_SECONDS} s (reached "
                    f"{high:%Y-%m-%d}, {count:,} shifts); split the calendar or give its "
                    "rules an UNTIL",
                )
            span = span * 2 if len(window) < WINDOW_EVENTS else max(span / 2, timedelta(minutes=1))
            low = high
    except InputError:
        raise
    except Exception as exc:
        raise InputError(file, _line_in(text, str(exc)), f"cannot expand events: {exc}") from None


def _team(team: str | None, cal: icalendar.Calendar, file: str) -> str:
    if team and team.strip():
        return team_key(team)
    name = str(cal.get("X-WR-CALNAME", "")).strip()
    name = _PAGERDUTY_CALNAME.sub("", name).strip()
    if not name:
        raise InputError(file, 1, "no team: the calendar has no X-WR-CALNAME; pass --team NAME")
    return team_key(name)


def _vevent_lines(text: str) -> list[int]:
    """1-based line of each ``BEGIN:VEVENT``, in file order (matches ``cal.walk`` order)."""
    return [
        n
        for n, raw in enumerate(text.splitlines(), start=1)
        if raw.strip().upper() == "BEGIN:VEVENT"
    ]


def _source_lines(
    events: list[Any], lines: list[int], file: str, now: datetime | None = None
) -> tuple[dict[str, int], dict[tuple[str, datetime], int]]:
    """Line of each series' master VEVENT, and of each RECURRENCE-ID edit."""
    masters: dict[str, int] = {}
    edits: dict[tuple[str, datetime], int] = {}
    problems: list[InputError] = []
    for index, event in enumerate(events):
        line = lines[index] if index < len(lines) else 1
        for prop, problem in getattr(event, "errors", []) or []:
            if prop in _TIME_PROPS:
                raise InputError(file, line, f"{prop}: {problem}")
        if event.get("DTSTART") is None:
            raise InputError(file, line, "VEVENT without DTSTART")
        begin = _utc(event["DTSTART"].dt, file, line, "DTSTART")
        finish = _utc(event["DTEND"].dt, file, line, "DTEND") if event.get("DTEND") else begin
        if now is not None:
            # Checked on the VEVENT itself: the expansion window would silently leave out
            # an event in 9999 (or 1900) instead of saying so.
            for what, ts in (("DTSTART", begin), ("DTEND", finish)):
                if why := out_of_range(ts, now, rotations=True):
                    problems.append(InputError(file, line, f"{what} {why}"))
        if finish < begin:
            problems.append(
                InputError(
                    file,
                    line,
                    f"DTEND {finish:%Y-%m-%d %H:%M}Z is before DTSTART "
                    f"{begin:%Y-%m-%d %H:%M}Z: a shift cannot end before it starts",
                )
            )
        uid = str(event.get("UID", ""))
        recid = event.get("RECURRENCE-ID")
        if recid is None:
            masters.setdefault(uid, line)
        else:
            edits[(uid, _utc(recid.dt, file, line, "RECURRENCE-ID"))] = line
    if problems:  # every such event at once, not one per round trip
        raise problems[0] if len(problems) == 1 else InputErrors(problems)
    for (uid, _), line in sorted(edits.items(), key=lambda item: item[1]):
        masters.setdefault(uid, line)  # an edit whose series is absent
    return masters, edits


def _default_window(
    events: list[Any], lines: list[int], file: str, warnings: list[InputWarning]
) -> tuple[datetime, datetime]:
    starts: list[datetime] = []
    ends: list[datetime | None] = []  # None: the series has no end
    for index, event in enumerate(events):
        line = lines[index] if index < len(lines) else 1
        start = _utc(event["DTSTART"].dt, file, line, "DTSTART")
        starts.append(start)
        end = _utc(event["DTEND"].dt, file, line, "DTEND") if event.get("DTEND") else start
        rules = event.get("RRULE")
        for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
            until = rule.get("UNTIL")
            if until:
                end = max(end, _utc(until[0], file, line, "RRULE UNTIL") + (end - start))
            elif rule.get("COUNT"):
                end = None  # bounded by COUNT: let the expansion stop itself
            else:
                end = None
                warnings.append(
                    InputWarning(
                        file,
                        line,
                        f"RRULE of {event.get('SUMMARY', 'an event')!s} has no UNTIL or COUNT: "
                        f"expanded for {DEFAULT_HORIZON.days} days; pass a window to change it",
                    )
                )
        ends.append(end)
    first = min(starts)
    cap = first + DEFAULT_HORIZON
    last = cap if any(e is None for e in ends) else min(cap, max(e for e in ends if e))
    # The end is exclusive: one second more keeps a last event that starts at the end.
    return first, cap if last >= cap else max(last, first) + timedelta(seconds=1)


def _row(
    occ: Any, team: str, file: str, line: int, warnings: list[InputWarning]
) -> RotationRow | None:
    if str(occ.get("STATUS", "")).upper() == "CANCELLED":
        return None
    start = _utc(occ["DTSTART"].dt, file, line, "DTSTART")
    dtend = occ.get("DTEND")
    end = _utc(dtend.dt, file, line, "DTEND") if dtend is not None else start
    summary = str(occ.get("SUMMARY", "")).strip()
    engineer = _engineer(summary, occ.get("ATTENDEE"))
    if engineer is None:
        warnings.append(
            InputWarning(file, line, "VEVENT names nobody (SUMMARY, ATTENDEE): skipped")
        )
        return None
    if end <= start:
        warnings.append(
            InputWarning(
                file, line, f"shift of {engineer} at {start:%Y-%m-%d %H:%M}Z has no length: skipped"
            )
        )
        return None
    location = str(occ.get("LOCATION", "")).strip().lower()
    is_override = location == "overrides" or "override" in summary.lower()
    return RotationRow(team, engineer, start, end, is_override, line)


def _engineer(summary: str, attendee: Any) -> str | None:
    """The person on call: from SUMMARY in a known form, else the first ATTENDEE."""
    name = summary.strip()
    if name.lower().startswith("mailto:"):
        name = name[len("mailto:") :]
    else:
        for pattern in (_PAGERDUTY_SUMMARY, _OVERRIDE_SUMMARY, _LAYER_SUMMARY):
            if match := pattern.match(name):
                name = match["name"]
                break
    name = name.strip().lstrip("@").strip()
    if name:
        return name
    attendees = attendee if isinstance(attendee, list) else [attendee] if attendee else []
    for item in attendees:
        value = str(item).strip()
        if value.lower().startswith("mailto:"):
            value = value[len("mailto:") :]
        if value:
            return value
    return None


def _utc(value: Any, file: str, line: int, what: str) -> datetime:
    """A DATE is 00:00 UTC that day; a floating time is UTC; anything aware is converted."""
    if isinstance(value, datetime):
        return _aware(value, file, line, what)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=UTC)
    raise InputError(file, line, f"{what} {value!r} is not a date or date-time")


def _aware(value: Any, file: str, line: int, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise InputError(file, line, f"{what} {value!r} is not a date-time")
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InputError(file, line, f"{what} {value!r} is out of range") from None


def _line_in(text: str, message: str) -> int:
    """Best effort: the line holding a quoted fragment of the library's error message."""
    for fragment in re.findall(r"'([^']{3,})'", message):
        pos = text.find(fragment)
        if pos >= 0:
            return text.count("\n", 0, pos) + 1
    return 1
