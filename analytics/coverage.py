"""What the data covers (docs/payroll.md, "Coverage"): the one place that reads
``data_coverage`` and turns it into the shortfalls of a period.

A number computed over data that is not there is a wrong number. Payroll refuses to finalise a
period with shortfalls, and reports and ``metrics`` say where the data ends; all of them ask
:func:`shortfalls` so that they agree on what "covered" means:

* an **event source** (incidents, pages, action items) with rows is covered from its
  ``first_at`` to its ``covered_until`` (the latest event of any event source: a quiet week of
  one source is not missing data);
* a **rotation team** is *expected* in a period when it has any shift before the period's end,
  unless a declared end (``team_ends``) lies at or before the period's start or a declared start
  (``team_starts``) at or after its end. An expected team must be covered from the period start
  (or its declared start) to the period end (or its declared end): the time before its first or
  after its last shift piece is a gap too ("edges are gaps"), as are the interior gaps of
  ``rotation_findings``.

Sources without any row are *not provided*: they are listed apart, never as shortfalls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Literal

from analytics.db import sql_text
from analytics.names import team_key

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "EVENT_SOURCES",
    "Coverage",
    "Shortfall",
    "not_provided",
    "read_coverage",
    "shortfalls",
]

EVENT_SOURCES: tuple[str, ...] = (
    "incidents",
    "pages",
    "action_items",
    "handoffs",
    "status_page",
    "comp_time",
)

ShortfallKind = Literal["before_first", "after_last", "gap"]


@dataclass(frozen=True)
class Coverage:
    """One row of ``data_coverage``."""

    source: str
    team: str | None
    first_at: datetime | None
    last_at: datetime | None
    covered_until: datetime | None
    rows: int
    last_ingested_at: datetime | None

    @property
    def provided(self) -> bool:
        """Whether the source has any row at all."""
        return self.rows > 0


@dataclass(frozen=True)
class Shortfall:
    """A stretch ``[start_at, end_at)`` of a period that a source does not cover.

    Attributes:
        source: ``incidents``, ``pages``, ``action_items`` or ``rotations``.
        team: The rotation's team (``None`` for event sources).
        kind: ``before_first`` (the period starts before the source's data),
            ``after_last`` (the period reaches past it) or ``gap`` (nobody on call inside
            the team's span).
        start_at: First uncovered instant (UTC).
        end_at: End of the uncovered stretch (UTC, excluded).
    """

    source: str
    team: str | None
    kind: ShortfallKind
    start_at: datetime
    end_at: datetime

    @property
    def hours(self) -> float:
        """Length of the uncovered stretch, in hours."""
        return (self.end_at - self.start_at).total_seconds() / 3600

    @property
    def label(self) -> str:
        """``pages`` or ``rotations (payments)``."""
        return f"{self.source} ({self.team})" if self.team else self.source


def read_coverage(con: duckdb.DuckDBPyConnection, *, loads: bool = True) -> list[Coverage]:
    """Every row of the ``data_coverage`` view.

    With ``loads=False`` the rows of ``coverage_spans`` instead, ``last_ingested_at`` left
    ``None``: the same spans without the load times, most of the view's cost (every loaded
    file's time from ``ingest_log``), for a caller that never shows them (payroll).
    """
    if loads:
        sql = (
            "select source, team, first_at, last_at, covered_until, rows, last_ingested_at "
            "from data_coverage order by source, team"
        )
    else:
        sql = (
            "select source, team, first_at, last_at, covered_until, rows, "
            "null::timestamptz as last_ingested_at from coverage_spans order by source, team"
        )
    return [Coverage(*row) for row in con.execute(sql).fetchall()]


def not_provided(coverage: list[Coverage]) -> list[str]:
    """Sources with no rows at all (listed once, as "not provided", never as shortfalls)."""
    return sorted({c.source for c in coverage if not c.provided})


def _instant(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0), tzinfo=UTC)


def shortfalls(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    *,
    team_starts: Mapping[str, date | datetime] | None = None,
    team_ends: Mapping[str, date | datetime] | None = None,
    sources: tuple[str, ...] = (*EVENT_SOURCES, "rotations"),
    rows: list[Coverage] | None = None,
) -> list[Shortfall]:
    """What of ``[start, end)`` the data does not cover, source by source.

    Args:
        con: A connection to the warehouse (read-only is enough).
        start: Period start (UTC, included).
        end: Period end (UTC, excluded). Callers that report "as of" an instant pass
            ``min(period end, as_of)``.
        team_starts: Team -> the day (00:00 UTC) or instant its rotation really started
            (``[coverage] team_starts``): before it the team is not expected.
        team_ends: Team -> the day or instant its rotation really ended
            (``[coverage] team_ends``): after it the team is not expected.
        sources: Which sources to check.
        rows: The ``data_coverage`` rows when the caller has read them already
            (:func:`read_coverage`; the view reads every page, so read it once per report).

    Returns:
        The shortfalls in source, team and time order. Gaps are returned whatever their length;
        the caller decides which are long enough to matter (payroll's ``max_gap_hours``).
    """
    if end <= start:
        return []
    starts = {team_key(k): _instant(v) for k, v in (team_starts or {}).items()}
    ends = {team_key(k): _instant(v) for k, v in (team_ends or {}).items()}
    found: list[Shortfall] = []
    gaps = _rotation_gaps(con, start, end) if "rotations" in sources else {}
    for c in read_coverage(con) if rows is None else rows:
        if c.source not in sources or not c.provided:
            continue
        if c.source != "rotations":
            if c.first_at is not None and start < c.first_at:
                found.append(Shortfall(c.source, None, "before_first", start, min(end, c.first_at)))
            if c.covered_until is not None and c.covered_until < end:
                found.append(
                    Shortfall(c.source, None, "after_last", max(start, c.covered_until), end)
                )
            continue
        team = c.team or ""
        team_start, team_end = starts.get(team), ends.get(team)
        if c.first_at is None or c.first_at >= end:
            continue  # no shift before the period's end: not expected
        lo = max(start, team_start) if team_start else start
        hi = min(end, team_end) if team_end else end
        if hi <= lo:
            continue  # declared to have started after, or ended before, the period
        if lo < c.first_at:
            found.append(Shortfall("rotations", team, "before_first", lo, min(hi, c.first_at)))
        if c.covered_until is not None and c.covered_until < hi:
            found.append(Shortfall("rotations", team, "after_last", max(lo, c.covered_until), hi))
        found.extend(
            Shortfall("rotations", team, "gap", max(a, lo), min(b, hi))
            for a, b in gaps.get(team, ())
            if a < hi and b > lo
        )
    return found


def _rotation_gaps(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime
) -> dict[str, list[tuple[datetime, datetime]]]:
    """The rotation gaps that share time with ``[start, end)``, per team in time order: one
    query for every team (one per team cost ~1 ms each, a quarter second for 250 teams)."""
    rows = con.execute(
        sql_text("queries/coverage_rotation_gaps.sql"),
        {"period_start": start, "period_end": end},
    ).fetchall()
    gaps: dict[str, list[tuple[datetime, datetime]]] = {}
    for team, a, b in rows:
        gaps.setdefault(team, []).append((a, b))
    return gaps
