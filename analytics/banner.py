"""Where the data ends: the banner that opens the reports and the warning of ``metrics``.

SPEC §12 "Reports say when data ends": when ``min(period end, as_of)`` is after a source's
``covered_until``, or the period starts before its ``first_at``, the weekly report and the
compensation report open with a banner, and ``metrics`` prints the same sentences as one line
on stderr. :func:`data_ends` is the one function that decides and words it; the uncovered
stretches themselves come from :func:`analytics.coverage.shortfalls`.

Event sources (incidents, pages, action items) are dated by their events, so their
``covered_until`` is the instant of the latest event. A report judges them by **whole UTC
days**: data whose last event is on Sun 1 Nov covers Sun 1 Nov, and data whose first event is
on Mon 4 May covers Mon 4 May; otherwise every week would be "incomplete" after its last page.
Rotations are exact (a shift ends at an instant).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from analytics import coverage

if TYPE_CHECKING:
    import duckdb

__all__ = ["DataEnds", "data_ends", "format_day", "html", "show_period"]

ALL_SOURCES: tuple[str, ...] = (*coverage.EVENT_SOURCES, "rotations")
_LABELS = {
    "incidents": "incidents",
    "pages": "pages",
    "action_items": "action items",
    "handoffs": "hand-off notes",
    "comp_time": "comp time taken",
    "status_page": "status-page history",
    "rotations": "on-call rotations",
}


@dataclass(frozen=True)
class DataEnds:
    """What a report over ``[start, until)`` must say about the data it reads.

    Attributes:
        start: Period start (UTC).
        until: ``min(period end, as_of)`` (UTC): how far the report looks.
        lines: The banner, one sentence per source group; empty when the data covers the period.
        not_provided: Sources without any row (for the footer, never the banner).
        shortfalls: The edges behind ``lines`` (interior rotation gaps are not among them).
    """

    start: datetime
    until: datetime
    lines: tuple[str, ...] = ()
    not_provided: tuple[str, ...] = ()
    shortfalls: tuple[coverage.Shortfall, ...] = field(default=(), repr=False)

    def __bool__(self) -> bool:
        return bool(self.lines)

    def warning(self) -> str:
        """The banner as one line (``metrics`` prints it on stderr); empty when none."""
        return ("warning: " + " ".join(self.lines)) if self.lines else ""

    def uncovered(self, source: str) -> list[tuple[datetime, datetime]]:
        """The stretches of ``[start, until)`` that ``source`` (any team) does not cover."""
        return [(s.start_at, s.end_at) for s in self.shortfalls if s.source == source]

    def covers(self, source: str, start: datetime, end: datetime) -> bool:
        """Whether ``source`` covers all of ``[start, end)`` (within ``[self.start, until)``)."""
        return not any(a < end and b > start for a, b in self.uncovered(source))


def format_day(value: datetime | date) -> str:
    """``Sun 01 Nov 2026``."""
    return value.strftime("%a %d %b %Y")


def _day_start(value: datetime) -> datetime:
    moment = value.astimezone(UTC)
    return datetime.combine(moment.date(), time(0), tzinfo=UTC)


def _rounded(
    shortfall: coverage.Shortfall, row: coverage.Coverage, start: datetime, until: datetime
) -> coverage.Shortfall | None:
    """An edge shortfall as a report counts it (event sources by whole UTC days), or None."""
    if shortfall.kind == "gap":
        return None
    if shortfall.source == "rotations":
        return shortfall
    if shortfall.kind == "after_last" and row.covered_until is not None:
        begin = max(start, _day_start(row.covered_until) + timedelta(days=1))
        return replace(shortfall, start_at=begin) if begin < until else None
    if shortfall.kind == "before_first" and row.first_at is not None:
        stop = min(until, _day_start(row.first_at))
        return replace(shortfall, end_at=stop) if stop > start else None
    return shortfall


def _sentence(kind: str, labels: list[str], moment: datetime, exact: bool) -> str:
    names = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    names = names[0].upper() + names[1:]
    when = f"at {format_day(moment)} {moment:%H:%M} UTC" if exact else f"on {format_day(moment)}"
    if kind == "after_last":
        return f"{names}: the data ends {when}; figures after it are missing, not zero."
    return f"{names}: the data begins {when}; figures before it are missing, not zero."


def data_ends(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    as_of: datetime | None = None,
    *,
    sources: tuple[str, ...] = ALL_SOURCES,
    team_starts: Mapping[str, date | datetime] | None = None,
    team_ends: Mapping[str, date | datetime] | None = None,
    rows: list[coverage.Coverage] | None = None,
) -> DataEnds:
    """The banner of a report over ``[start, end)`` made at ``as_of`` (default: no limit).

    Args:
        con: A connection to the warehouse (read-only is enough).
        start: Period start (UTC, included).
        end: Period end (UTC, excluded).
        as_of: Report time; the report looks up to ``min(end, as_of)``.
        sources: Which sources the report reads (``metrics`` reads incidents only).
        team_starts: Passed to :func:`analytics.coverage.shortfalls`.
        team_ends: Passed to :func:`analytics.coverage.shortfalls`.
        rows: The ``data_coverage`` rows if already read (:func:`analytics.coverage.read_coverage`).

    Returns:
        The banner lines (one per group of sources whose data ends, or begins, at the same
        instant), the sources not provided at all, and the edges behind the lines.
    """
    until = min(end, as_of) if as_of is not None else end
    rows = coverage.read_coverage(con) if rows is None else rows
    by_key = {(r.source, r.team): r for r in rows}
    missing = tuple(s for s in coverage.not_provided(rows) if s in sources)
    order = {name: i for i, name in enumerate(ALL_SOURCES)}
    found = []
    for s in coverage.shortfalls(
        con,
        start,
        until,
        sources=sources,
        team_starts=team_starts,
        team_ends=team_ends,
        rows=rows,
    ):
        edge = _rounded(s, by_key[(s.source, s.team)], start, until)
        if edge is not None:
            found.append(edge)
    found.sort(key=lambda s: (order.get(s.source, len(order)), s.team or "", s.start_at))
    groups: dict[tuple[str, datetime, bool], list[str]] = {}
    teams: dict[tuple[str, datetime, bool], list[str]] = {}
    for s in found:
        row = by_key[(s.source, s.team)]
        exact = s.source == "rotations"
        moment = row.covered_until if s.kind == "after_last" else row.first_at
        moment = (moment or s.start_at).astimezone(UTC)
        if not exact:
            moment = _day_start(moment)  # worded as a day: one group per day
        key = (s.kind, moment, exact)
        if exact:
            teams.setdefault(key, []).append(s.team or "")
        else:
            groups.setdefault(key, []).append(_LABELS.get(s.source, s.source))
    for key, names in teams.items():
        groups.setdefault(key, []).append(f"{_LABELS['rotations']} ({', '.join(names)})")
    lines = tuple(
        _sentence(kind, labels, moment, exact)
        for (kind, moment, exact), labels in sorted(
            groups.items(), key=lambda kv: (kv[0][0] != "before_first", kv[0][2], kv[0][1])
        )
    )
    return DataEnds(start, until, lines, missing, tuple(found))


def html(ends: DataEnds) -> str:
    """The banner as an HTML block (empty text when the data covers the period)."""
    from analytics import render

    return render.banner(ends.lines) if ends else ""


def show_period(
    db: str | Path,
    period: str,
    *,
    as_of: str | datetime | None = None,
    wait: float = 30.0,
    sources: tuple[str, ...] = ("incidents", "pages", "rotations"),
) -> None:
    """Display the banner of a pay period (the compensation report), if it has one.

    Returns nothing, so that a notebook cell calling it shows only the banner.

    Args:
        db: Warehouse file.
        period: A month ``2026-10``, days ``2026-10-01..2026-10-15`` or any form of
            :func:`analytics.periods.parse_period`.
        as_of: Report time (default now).
        wait: Seconds to retry while another process holds the warehouse.
        sources: The sources the report reads (pay: incidents, pages, rotations).
    """
    from analytics import db as warehouse
    from analytics import render
    from analytics.periods import parse_as_of, parse_period

    moment = parse_as_of(as_of or None)
    start, end = parse_period(period, as_of=moment)
    with warehouse.reader(db, wait=wait) as con:
        ends = data_ends(con, start, end, moment, sources=sources)
    if ends:
        render.show(html(ends))
