"""Where the data ends (analytics.banner): the reports' banner and the warning of `metrics`.

Tiny hand-made warehouses; each expectation is read off the rows. 2026-10-26 is a Monday.
"""

from __future__ import annotations

import duckdb
from conftest import run_cli
from metrics_helpers import ts, warehouse

from analytics import banner, rotations

WEEK = (ts("2026-10-26 00:00"), ts("2026-11-02 00:00"))


def _rotations(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str, str]]) -> None:
    for n, (team, engineer, start, end) in enumerate(rows, start=1):
        con.execute(
            "insert into src_rotations values ($1, $2, $3, $4, false, $5, 'rot.csv')",
            [team, engineer, ts(start), ts(end), n],
        )
    rotations.derive_rotations(con)


def _events(last_page: str, first_incident: str = "2026-10-05 10:00") -> duckdb.DuckDBPyConnection:
    return warehouse(
        incidents=[{"incident_id": "a", "severity": 2, "started_at": first_incident}],
        pages=[
            {"page_id": "p0", "sent_at": "2026-10-05 11:00", "recipient": "ann"},
            {"page_id": "p1", "sent_at": last_page, "recipient": "ann"},
        ],
    )


def test_a_week_the_data_covers_has_no_banner():
    # the latest event is Sun 1 Nov 17:43: the data covers Sunday, so the whole week
    con = _events("2026-11-01 17:43")
    ends = banner.data_ends(con, *WEEK, ts("2026-11-02 00:00"))
    assert not ends
    assert ends.lines == ()
    assert ends.warning() == ""
    assert ends.covers("incidents", *WEEK)


def test_a_week_past_the_data_says_where_it_ends():
    # the latest event is Thu 29 Oct: Fri 30 Oct 00:00 .. Mon 2 Nov is missing
    con = _events("2026-10-29 08:00")
    ends = banner.data_ends(con, *WEEK, ts("2026-12-01 00:00"))
    line = (
        "Incidents and pages: the data ends on Thu 29 Oct 2026; figures after it are "
        "missing, not zero."
    )
    assert ends.lines == (line,)
    assert ends.warning() == "warning: " + line
    assert ends.uncovered("pages") == [(ts("2026-10-30 00:00"), ts("2026-11-02 00:00"))]
    assert ends.covers("pages", ts("2026-10-26 00:00"), ts("2026-10-30 00:00"))
    assert not ends.covers("pages", ts("2026-10-26 00:00"), ts("2026-10-30 00:01"))
    # action items, hand-offs, status page, comp time and rotations have no rows: not
    # provided, never in the banner
    assert ends.not_provided == (
        "action_items",
        "comp_time",
        "handoffs",
        "rotations",
        "status_page",
    )


def test_the_report_time_limits_how_far_the_report_looks():
    # the same data, reported at Fri 30 Oct 00:00: min(week end, as_of) is covered
    con = _events("2026-10-29 08:00")
    assert not banner.data_ends(con, *WEEK, ts("2026-10-30 00:00"))
    # one minute later Friday is looked at, and the data does not reach it
    assert banner.data_ends(con, *WEEK, ts("2026-10-30 00:01"))


def test_a_week_before_the_data_says_where_it_begins():
    # the only incident is Wed 28 Oct 10:00 (pages begin 5 Oct): the incidents data begins
    # on Wednesday, so Mon and Tue are missing
    con = _events("2026-11-01 09:00", first_incident="2026-10-28 10:00")
    ends = banner.data_ends(con, *WEEK, ts("2026-11-02 00:00"))
    assert ends.lines == (
        "Incidents: the data begins on Wed 28 Oct 2026; figures before it are missing, not zero.",
    )
    assert ends.uncovered("incidents") == [(ts("2026-10-26 00:00"), ts("2026-10-28 00:00"))]


def test_rotation_edges_are_exact_and_grouped_by_instant():
    con = _events("2026-11-01 12:00")
    _rotations(
        con,
        [
            # core and edge both stop Fri 30 Oct 12:00; infra covers the week; late starts Tue
            ("core", "ann", "2026-10-19 00:00", "2026-10-30 12:00"),
            ("edge", "bob", "2026-10-19 00:00", "2026-10-30 12:00"),
            ("infra", "cat", "2026-10-19 00:00", "2026-11-09 00:00"),
            ("late", "dan", "2026-10-27 00:00", "2026-11-09 00:00"),
        ],
    )
    ends = banner.data_ends(con, *WEEK, ts("2026-11-02 00:00"))
    assert ends.lines == (
        "On-call rotations (late): the data begins at Tue 27 Oct 2026 00:00 UTC; figures "
        "before it are missing, not zero.",
        "On-call rotations (core, edge): the data ends at Fri 30 Oct 2026 12:00 UTC; figures "
        "after it are missing, not zero.",
    )
    # metrics reads incidents only: no warning for the rotations
    assert not banner.data_ends(con, *WEEK, ts("2026-11-02 00:00"), sources=("incidents",))


def test_a_team_declared_ended_is_not_an_edge():
    con = _events("2026-11-01 12:00")
    _rotations(con, [("core", "ann", "2026-10-19 00:00", "2026-10-30 12:00")])
    week = (*WEEK, ts("2026-11-02 00:00"))
    assert banner.data_ends(con, *week)  # core stops Fri 30 Oct 12:00: an edge
    # [coverage] team_ends core = that instant: the rotation really ended, nothing missing
    assert not banner.data_ends(con, *week, team_ends={"core": ts("2026-10-30 12:00")})


def test_an_interior_rotation_gap_is_not_a_banner():
    con = _events("2026-11-01 12:00")
    _rotations(
        con,
        [
            ("core", "ann", "2026-10-19 00:00", "2026-10-28 00:00"),
            ("core", "bob", "2026-10-28 06:00", "2026-11-09 00:00"),
        ],
    )
    # the 6 h gap is the freshness section's business; the data reaches past the week
    assert not banner.data_ends(con, *WEEK, ts("2026-11-02 00:00"))


def test_html_is_empty_without_a_banner_and_escapes_the_lines():
    covered = banner.DataEnds(*WEEK)
    assert banner.html(covered) == ""
    shown = banner.html(banner.DataEnds(*WEEK, lines=("Pages <x>: ends",)))
    assert "<li>Pages &lt;x&gt;: ends</li>" in shown
    assert "missing for this period" in shown


def test_metrics_warns_on_stderr_when_its_period_reaches_past_the_data(sample_warehouse):
    # the sample's latest event is Sun 1 Nov 17:43 UTC
    november = run_cli(
        "metrics", "--from", "2026-11-01", "--to", "2026-11-30", "--as-of",
        "2026-12-01T00:00:00Z", "--format", "csv", "--no-intervals", "--db", str(sample_warehouse),
    )  # fmt: skip
    assert november.returncode == 0
    assert november.stderr.strip() == (
        "warning: Incidents: the data ends on Sun 01 Nov 2026; figures after it are missing, "
        "not zero."
    )
    assert november.stdout.startswith("severity,incidents,")
    october = run_cli(
        "metrics", "--from", "2026-10-01", "--to", "2026-10-31", "--as-of",
        "2026-12-01T00:00:00Z", "--format", "csv", "--no-intervals", "--db", str(sample_warehouse),
    )  # fmt: skip
    assert (october.returncode, october.stderr) == (0, "")


def test_sample_demo_week_has_no_banner_and_w48_has_one(sample_warehouse):
    from analytics import db

    with db.reader(sample_warehouse, wait=0) as con:
        demo = banner.data_ends(con, *WEEK, ts("2026-11-02 00:00"))
        w48 = banner.data_ends(
            con, ts("2026-11-23 00:00"), ts("2026-11-30 00:00"), ts("2026-12-01 00:00")
        )
    assert not demo
    # every event source is covered to the latest event of any of them (Sun 1 Nov 17:43)
    assert w48.lines == (
        "Incidents, pages, action items, hand-off notes and comp time taken: the data ends on "
        "Sun 01 Nov 2026; "
        "figures after it are missing, not zero.",
        "On-call rotations (payments, platform, search): the data ends at Mon 02 Nov 2026 "
        "00:00 UTC; figures after it are missing, not zero.",
    )
