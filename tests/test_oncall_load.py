"""oncall_load_between (macros.sql): the oncall_load view's rows for a few weeks, read fast.

Calendar: 2026-11-16, 2026-11-23 and 2026-11-30 are Mondays (ISO weeks 47, 48, 49).
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from metrics_helpers import ts, warehouse

# Two teams over three weeks: a shift crossing two week boundaries, pages in each week.
SHIFTS = [
    # Sun 22 Nov 12:00 -> Tue 1 Dec 12:00: 12 h in W47, 168 h in W48, 36 h in W49
    {
        "team": "core",
        "engineer": "Ann",
        "start_at": "2026-11-22 12:00",
        "end_at": "2026-12-01 12:00",
    },
    # inside W47 only
    {"team": "web", "engineer": "Bo", "start_at": "2026-11-17 08:00", "end_at": "2026-11-17 20:00"},
]
PAGES = [
    {"page_id": "a", "sent_at": "2026-11-16 00:00", "recipient": "Ann"},  # first instant of W47
    {"page_id": "b", "sent_at": "2026-11-22 23:59", "recipient": "Ann"},  # W47
    {"page_id": "c", "sent_at": "2026-11-23 00:00", "recipient": "Ann"},  # first instant of W48
    {"page_id": "d", "sent_at": "2026-11-25 14:00", "recipient": "Bo", "team": "web"},  # W48
    {"page_id": "e", "sent_at": "2026-11-30 09:00", "recipient": "Ann"},  # W49
]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return warehouse(
        people=[{"engineer": "Ann", "timezone": "Europe/Berlin"}],
        shifts=SHIFTS,
        pages=PAGES,
        as_of="2026-12-15 00:00",
    )


def _between(con, start: str | None, end: str | None) -> list[tuple]:
    return con.execute(
        "select * from oncall_load_between($start::timestamptz, $end::timestamptz) "
        "order by team, week_start",
        {"start": None if start is None else ts(start), "end": None if end is None else ts(end)},
    ).fetchall()


def _view(con, first_monday: str, last_monday: str) -> list[tuple]:
    return con.execute(
        "select * from oncall_load where week_start between $first and $last "
        "order by team, week_start",
        {"first": date.fromisoformat(first_monday), "last": date.fromisoformat(last_monday)},
    ).fetchall()


@pytest.mark.parametrize(
    ("start", "end", "first_monday", "last_monday"),
    [
        # exactly W48
        ("2026-11-23 00:00", "2026-11-30 00:00", "2026-11-23", "2026-11-23"),
        # a period inside W48 still gives the whole week W48
        ("2026-11-24 10:00", "2026-11-24 11:00", "2026-11-23", "2026-11-23"),
        # Sunday of W47 to one microsecond into W49: W47, W48 and W49
        ("2026-11-22 00:00", "2026-11-30 00:00:00.000001", "2026-11-16", "2026-11-30"),
        # a week without pages or shifts
        ("2026-12-07 00:00", "2026-12-14 00:00", "2026-12-07", "2026-12-07"),
    ],
)
def test_rows_are_the_views_rows_of_the_weeks_overlapping_the_period(
    con, start, end, first_monday, last_monday
):
    assert _between(con, start, end) == _view(con, first_monday, last_monday)


def test_null_bounds_give_every_row_of_the_view(con):
    everything = con.execute("select * from oncall_load order by team, week_start").fetchall()
    assert _between(con, None, None) == everything
    # core W47, W48, W49 and web W47, W48
    assert len(everything) == 5


def test_hours_and_pages_of_one_week(con):
    got = {
        r[0]: (r[3], r[4])
        for r in _between(con, "2026-11-23 00:00", "2026-11-30 00:00")  # team, ..., hours, pages
    }
    # core: on call all of W48 (168 h), pages c; web: no shift in W48, page d
    assert got == {"core": (168.0, 1), "web": (0.0, 1)}
