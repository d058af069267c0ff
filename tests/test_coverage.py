"""data_coverage and the shortfalls of a period (SPEC §12), on tiny hand-made warehouses."""

from __future__ import annotations

import dataclasses
from datetime import date

import duckdb
from metrics_helpers import ts, warehouse

from analytics import coverage, db, rotations
from analytics.coverage import Shortfall


def _rotations(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str, str, bool]]) -> None:
    """Rotation rows in, oncall_shifts and rotation_findings derived as ingest does."""
    for n, (team, engineer, start, end, override) in enumerate(rows, start=1):
        con.execute(
            "insert into src_rotations values ($1, $2, $3, $4, $5, $6, 'rot.csv')",
            [team, engineer, ts(start), ts(end), override, n],
        )
    rotations.derive_rotations(con)


def _coverage(con) -> dict[tuple[str, str | None], coverage.Coverage]:
    return {(c.source, c.team): c for c in coverage.read_coverage(con)}


def test_event_sources_are_covered_until_the_latest_event_of_any_of_them():
    con = warehouse(
        incidents=[
            {"incident_id": "a", "severity": 2, "started_at": "2026-10-03 10:00"},
            {"incident_id": "b", "severity": 3, "started_at": "2026-10-20 08:00"},
        ],
        pages=[
            {"page_id": "p1", "sent_at": "2026-10-01 02:00", "recipient": "ann"},
            {"page_id": "p2", "sent_at": "2026-10-28 23:30", "recipient": "ann"},
        ],
        items=[{"incident_id": "a", "item_no": 1}],
    )
    got = _coverage(con)
    inc, pages, items = got["incidents", None], got["pages", None], got["action_items", None]
    assert (inc.first_at, inc.last_at, inc.rows) == (
        ts("2026-10-03 10:00"),
        ts("2026-10-20 08:00"),
        2,
    )
    assert (pages.first_at, pages.last_at, pages.rows) == (
        ts("2026-10-01 02:00"),
        ts("2026-10-28 23:30"),
        2,
    )
    # an item without a tracker row is dated by its incident's start
    assert (items.first_at, items.rows) == (ts("2026-10-03 10:00"), 1)
    # a quiet source is not a missing one: all event sources reach the latest page
    assert {c.covered_until for c in (inc, pages, items)} == {ts("2026-10-28 23:30")}


def test_action_items_are_dated_by_the_trackers_created_date():
    con = warehouse(
        incidents=[{"incident_id": "a", "severity": 2, "started_at": "2026-10-03 10:00"}],
        items=[{"incident_id": "a", "item_no": 1, "ticket": "OPS-1"}],
        tracker=[{"ticket": "OPS-1", "status": "To Do", "created_at": "2026-10-05 09:00"}],
    )
    items = _coverage(con)["action_items", None]
    assert (items.first_at, items.last_at) == (ts("2026-10-05 09:00"), ts("2026-10-05 09:00"))


def test_a_source_without_rows_is_not_provided_and_never_a_shortfall():
    con = warehouse(
        incidents=[{"incident_id": "a", "severity": 2, "started_at": "2026-10-03 10:00"}],
    )
    got = _coverage(con)
    assert got["pages", None].rows == 0 and got["pages", None].covered_until is None
    assert got["rotations", None].rows == 0  # one row says rotations were not provided
    assert coverage.not_provided(list(got.values())) == [
        "action_items",
        "comp_time",
        "handoffs",
        "pages",
        "reviews",
        "rotations",
        "status_page",
    ]
    found = coverage.shortfalls(con, ts("2026-10-01 00:00"), ts("2026-11-01 00:00"))
    assert {f.source for f in found} == {"incidents"}


def test_rotation_edges_and_interior_gaps_are_shortfalls():
    con = warehouse()
    _rotations(
        con,
        [
            # core: Oct 5 .. Oct 12, then a 30 h gap, Oct 13 06:00 .. Oct 25
            ("core", "ann", "2026-10-05 00:00", "2026-10-12 00:00", False),
            ("core", "bob", "2026-10-13 06:00", "2026-10-25 00:00", False),
            # an override past the last shift extends the span
            ("core", "cat", "2026-10-25 00:00", "2026-10-26 00:00", True),
        ],
    )
    row = _coverage(con)["rotations", "core"]
    assert (row.first_at, row.covered_until) == (ts("2026-10-05 00:00"), ts("2026-10-26 00:00"))
    found = coverage.shortfalls(con, ts("2026-10-01 00:00"), ts("2026-11-01 00:00"))
    assert found == [
        Shortfall(
            "rotations", "core", "before_first", ts("2026-10-01 00:00"), ts("2026-10-05 00:00")
        ),
        Shortfall(
            "rotations", "core", "after_last", ts("2026-10-26 00:00"), ts("2026-11-01 00:00")
        ),
        Shortfall("rotations", "core", "gap", ts("2026-10-12 00:00"), ts("2026-10-13 06:00")),
    ]
    assert found[2].hours == 30.0
    assert found[0].label == "rotations (core)"


def test_declared_team_start_and_end_narrow_what_is_expected():
    con = warehouse()
    _rotations(con, [("core", "ann", "2026-10-05 00:00", "2026-10-20 00:00", False)])
    oct_start, nov_start = ts("2026-10-01 00:00"), ts("2026-11-01 00:00")
    found = coverage.shortfalls(
        con,
        oct_start,
        nov_start,
        team_starts={"Core": date(2026, 10, 5)},
        team_ends={"core": date(2026, 10, 20)},
    )
    assert found == []
    # a team that ended before the period is not expected in it
    assert (
        coverage.shortfalls(
            con, nov_start, ts("2026-12-01 00:00"), team_ends={"core": date(2026, 10, 20)}
        )
        == []
    )
    # without a declared end it is expected, and the whole of November is uncovered
    assert coverage.shortfalls(con, nov_start, ts("2026-12-01 00:00")) == [
        Shortfall("rotations", "core", "after_last", nov_start, ts("2026-12-01 00:00"))
    ]


def test_a_team_whose_first_shift_is_after_the_period_is_not_expected():
    con = warehouse()
    _rotations(con, [("core", "ann", "2026-11-05 00:00", "2026-11-12 00:00", False)])
    assert coverage.shortfalls(con, ts("2026-10-01 00:00"), ts("2026-11-01 00:00")) == []


def test_event_sources_before_their_data_begins():
    con = warehouse(
        pages=[{"page_id": "p1", "sent_at": "2026-10-10 00:00", "recipient": "ann"}],
    )
    found = coverage.shortfalls(con, ts("2026-10-01 00:00"), ts("2026-10-08 00:00"))
    # the whole week is before the first page: one stretch, clipped to the week
    assert found == [
        Shortfall("pages", None, "before_first", ts("2026-10-01 00:00"), ts("2026-10-08 00:00")),
    ]


def test_sample_warehouse_coverage(sample_warehouse):
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        got = _coverage(con)
        # the sample's rotations run 2026-05-04 .. 2026-11-02 for its three teams, and its
        # latest event is a page on 2026-11-01 17:43:08 UTC
        assert {team for source, team in got if source == "rotations"} == {
            "payments",
            "platform",
            "search",
        }
        assert got["rotations", "search"].covered_until == ts("2026-11-02 00:00")
        assert got["pages", None].covered_until == ts("2026-11-01 17:43:08")
        assert coverage.shortfalls(con, ts("2026-10-01 00:00"), ts("2026-11-01 00:00")) == []
        november = coverage.shortfalls(con, ts("2026-11-01 00:00"), ts("2026-12-01 00:00"))
        assert {(f.source, f.team, f.start_at) for f in november} == {
            ("incidents", None, ts("2026-11-01 17:43:08")),
            ("pages", None, ts("2026-11-01 17:43:08")),
            ("action_items", None, ts("2026-11-01 17:43:08")),
            ("handoffs", None, ts("2026-11-01 17:43:08")),
            ("comp_time", None, ts("2026-11-01 17:43:08")),
            ("rotations", "payments", ts("2026-11-02 00:00")),
            ("rotations", "platform", ts("2026-11-02 00:00")),
            ("rotations", "search", ts("2026-11-02 00:00")),
        }


def test_coverage_without_loads_is_data_coverage_but_for_the_load_times(sample_warehouse):
    # payroll reads coverage_spans (no ingest_log join); its rows must be data_coverage's
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        full = coverage.read_coverage(con)
        spans = coverage.read_coverage(con, loads=False)
    assert any(c.last_ingested_at is not None for c in full)
    assert all(c.last_ingested_at is None for c in spans)
    assert spans == [dataclasses.replace(c, last_ingested_at=None) for c in full]


def test_comp_time_taken_is_an_event_source_dated_by_taken_on():
    con = warehouse(
        incidents=[{"incident_id": "a", "severity": 2, "started_at": "2026-10-03 10:00"}],
    )
    con.execute(
        "insert into src_comp_time values ('Ana', DATE '2026-10-02', 4, 2, 'comp_time/a.csv'), "
        "('Bo', DATE '2026-10-09', 1.5, 3, 'comp_time/a.csv')"
    )
    db.store_facts(con)  # as an ingest does after loading
    got = _coverage(con)["comp_time", None]
    # dated 00:00 UTC of taken_on
    assert (got.first_at, got.last_at, got.rows) == (
        ts("2026-10-02 00:00"),
        ts("2026-10-09 00:00"),
        2,
    )
    # a take recorded ahead (10-09, after the last incident) does not claim the incidents
    # reach 10-09: covered_until is the other event sources' (the incident of 10-03)
    assert got.covered_until == ts("2026-10-03 10:00")
    assert _coverage(con)["incidents", None].covered_until == ts("2026-10-03 10:00")


def test_status_page_incidents_are_their_own_event_source():
    con = warehouse(
        incidents=[
            {"incident_id": "doc", "severity": 2, "started_at": "2026-10-03 10:00"},
            {
                "incident_id": "sp1",
                "severity": 3,
                "started_at": "2026-10-09 12:00",
                "source_kind": "statuspage",
            },
        ],
    )
    got = _coverage(con)
    status = got["status_page", None]
    assert (status.first_at, status.last_at, status.rows) == (
        ts("2026-10-09 12:00"),
        ts("2026-10-09 12:00"),
        1,
    )
    # the status page's latest incident is the latest event of any source
    assert got["incidents", None].covered_until == ts("2026-10-09 12:00")


def test_pages_of_a_superseded_vendor_version_are_not_covered_data():
    # Two versions of PagerDuty incident P1 in two files; the later one (updated 10-02) wins,
    # so the page of the older file is no page (the `pages` view) and no coverage either:
    # pages cover 10-03 01:00 .. 10-03 01:00 with 1 row, not 10-01 01:00 with 2.
    version = {"incident_id": "P1", "severity": 2, "started_at": "2026-10-01 00:30"}
    con = warehouse(
        incidents=[
            {**version, "source_kind": "pagerduty", "source_updated_at": "2026-10-01 00:00"},
            {**version, "source_kind": "pagerduty", "source_updated_at": "2026-10-02 00:00"},
        ],
        pages=[
            {"page_id": "old", "sent_at": "2026-10-01 01:00", "recipient": "ann"},
            {"page_id": "new", "sent_at": "2026-10-03 01:00", "recipient": "ann"},
        ],
    )
    for stamp, file in (("2026-10-01 00:00", "pd-old.json"), ("2026-10-02 00:00", "pd-new.json")):
        con.execute(
            "update src_incidents set source_file = $1 where source_updated_at = $2",
            [file, ts(stamp)],
        )
    con.execute(
        "update src_pages set incident_id = 'P1', source_file = 'pd-' || page_id || '.json'"
    )
    db.store_facts(con)  # as an ingest does after loading
    assert con.execute("select page_id from pages").fetchall() == [("new",)]
    pages = _coverage(con)["pages", None]
    assert (pages.first_at, pages.last_at, pages.rows) == (
        ts("2026-10-03 01:00"),
        ts("2026-10-03 01:00"),
        1,
    )
