"""Weekly report: parameter and path validation, data assembly, and the HTML it renders.

The warehouse is built by hand here (a dozen rows) so the expectations can be worked out
by reading the rows: week 2026-W44 is Mon 26 Oct – Sun 1 Nov 2026.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics import db, reports, weekly
from analytics import weekly_html as weekly_view  # "weekly_html" is the rendered-report fixture
from analytics.errors import AnalyticsError, UsageError
from analytics.policy import DEFAULT_POLICY
from tests.conftest import ROOT, week_run, weekly_report

AS_OF = "2026-11-02T00:00:00Z"
WEEK = "2026-W44"
# Every name below is a person: none may appear in the weekly report.
PEOPLE = [
    ("Zebedee Quartermaine", "E1", "payments", "Europe/Lisbon"),
    ("Ottoline Brackenbury", "E2", "payments", "America/New_York"),
    ("Ignatius Fairweather", "E3", "search", "UTC"),
]
PEOPLE_NAMES = [
    "Zebedee",
    "Quartermaine",
    "Ottoline",
    "Brackenbury",
    "Ignatius",
    "Fairweather",
    "Pemberton",
]  # Pemberton: an acknowledger missing from people


def _t(day: int, hour: int = 0, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def build_warehouse(path: Path) -> Path:
    """A small warehouse: 4 incidents in W44, 2 in the weeks before, pages, rotations."""
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone='UTC'")
    db.create_schema(con)
    db.write_policy(con, DEFAULT_POLICY)
    for i, (name, emp, team, tz) in enumerate(PEOPLE, 1):
        con.execute(
            "insert into src_people (engineer, employee_id, team, timezone, email, line_no, "
            "source_file) values ($1, $2, $3, $4, null, $5, 'people.csv')",
            [name, emp, team, tz, i + 1],
        )
    incidents = [
        # id, title, sev, team, service, started, detected, acked, acked_by, mitigated,
        # resolved, postmortem
        (
            "2026-10-26-db",
            "Zebedee restarted the primary database",
            1,
            "payments",
            "ledger",
            _t(26, 10),
            _t(26, 10, 5),
            _t(26, 10, 15),
            "zebedee quartermaine",
            _t(26, 11),
            _t(26, 12),
            _t(27, 9),
        ),
        (
            "2026-10-27-api",
            "API latency after deploy by Brackenbury",
            2,
            "search",
            "search-api",
            _t(27, 14),
            _t(27, 14, 2),
            _t(27, 14, 50),
            "Ottoline Brackenbury",
            _t(27, 15),
            _t(27, 16),
            None,
        ),
        (
            "2026-10-29-cache",
            "Cache stampede",
            3,
            "search",
            "search-api",
            _t(29, 9),
            _t(29, 9, 10),
            _t(29, 9, 30),
            "Pemberton",
            _t(29, 10),
            _t(29, 11),
            None,
        ),
        (
            "2026-10-31-open",
            "Queue backlog still open",
            2,
            "payments",
            "queue",
            _t(31, 20),
            _t(31, 20, 1),
            None,
            None,
            None,
            None,
            None,
        ),
        (
            "2026-10-20-old",
            "Earlier outage",
            1,
            "payments",
            "ledger",
            _t(20, 3),
            _t(20, 3, 1),
            _t(20, 3, 10),
            "Ignatius Fairweather",
            _t(20, 4),
            _t(20, 5),
            _t(21, 5),
        ),
        (
            "2026-10-13-older",
            "Older slowness",
            2,
            "search",
            "search-api",
            _t(13, 3),
            _t(13, 3, 1),
            _t(13, 3, 10),
            "Ignatius Fairweather",
            _t(13, 4),
            _t(13, 8),
            _t(14, 5),
        ),
    ]
    for row in incidents:
        con.execute(
            "insert into src_incidents (incident_id, title, severity, team, service, started_at,"
            " detected_at, acknowledged_at, acknowledged_by, mitigated_at, resolved_at,"
            " postmortem_published_at, source_file, source_kind)"
            " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'timeline')",
            [*row, f"timelines/{row[0]}.md"],
        )
    con.execute(
        "insert into src_action_items values"
        " ('2026-10-26-db', 1, 'Add failover drill (owner Zebedee Quartermaine)',"
        "  'Zebedee Quartermaine', '2026-10-30', 'OPS-1', false, 10, 'timelines/2026-10-26-db.md'),"
        " ('2026-10-26-db', 2, 'Alert on replica lag', 'Ottoline Brackenbury', '2026-11-20',"
        "  'OPS-2', true, 11, 'timelines/2026-10-26-db.md')"
    )
    pages = [
        (
            "p1",
            _t(26, 10, 5),
            "Zebedee Quartermaine",
            "payments",
            "ledger",
            "2026-10-26-db",
            _t(26, 10, 8),
        ),
        (
            "p2",
            _t(28, 23, 30),
            "Ignatius Fairweather",
            "search",
            "search-api",
            None,
            _t(28, 23, 40),
        ),
    ]
    for p in pages:
        con.execute(
            "insert into src_pages values ($1, $2, $3, $4, $5, $6, $7, $3, null, 'high', 1,"
            " 'pages.csv')",
            list(p),
        )
    con.execute(
        "insert into oncall_shifts values"
        " ('payments', 'Zebedee Quartermaine', $1, $2, false),"
        " ('search', 'Ignatius Fairweather', $1, $3, false)",
        [_t(19), _t(2, month=11), _t(30)],
    )
    con.execute(
        "insert into rotation_findings values ('search', 'gap', $1, $2,"
        " 'nobody after Ignatius Fairweather', 'rotations.csv')",
        [_t(30), _t(2, month=11)],
    )
    run = _t(2, 1, month=11)
    con.execute(
        "insert into ingest_log (run_id, run_started_at, file, sha256, kind, rows, status, error)"
        " values ('r1', $1, '/data/raw/timelines/2026-10-26-db.md', 'x', 'timeline', 1,"
        "  'loaded', null),"
        " ('r1', $1, '/data/raw/timelines/bad.md', 'y', 'timeline', 0, 'rejected',"
        "  '/data/raw/timelines/bad.md:4: SEVERITY ''SEV-7'' is not one of SEV-1, SEV-2, SEV-3')",
        [run],
    )
    db.install_views(con)
    con.close()
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb")


# ----------------------------------------------------------------- validation before a kernel


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if anything tries to start a kernel or run papermill."""

    def boom(*args, **kwargs):
        raise AssertionError("a kernel was started before the parameters were validated")

    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", boom)
    monkeypatch.setattr(reports, "ensure_kernel", boom)


@pytest.mark.parametrize("week", ["2026-W60", "2026-W00", "2026W44", "../x", "2026-W4", "2025-W53"])
def test_bad_week_is_a_usage_error_naming_the_value(week, tmp_path, warehouse, no_kernel):
    with pytest.raises(UsageError, match=re.escape(repr(week))) as info:
        weekly_report(week, None, tmp_path, warehouse, 0)
    assert info.value.exit_code == 2
    assert not any(tmp_path.iterdir())


def test_week_53_of_a_long_year_is_accepted():
    start, end = weekly.parse_week("2026-W53")
    assert start == datetime(2026, 12, 28, tzinfo=UTC)
    assert end - start == timedelta(days=7)


@pytest.mark.parametrize("name", ["../x", "a/b", "Weekly", "", "x y", ".."])
def test_report_names_outside_the_pattern_are_refused(name, tmp_path, no_kernel):
    with pytest.raises(UsageError, match="name"):
        reports.output_path(tmp_path, name, "allhands.html")


def test_output_path_refuses_a_symlink_leaving_the_folder(tmp_path, no_kernel):
    outside = tmp_path / "outside"
    outside.mkdir()
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    (out_dir / "weekly").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UsageError, match="outside"):
        reports.output_path(out_dir, "weekly", "2026-W44", "allhands.html")


def test_run_report_refuses_unknown_and_mistyped_parameters(tmp_path, no_kernel):
    with pytest.raises(UsageError, match="colour"):
        reports.run_report("weekly_allhands", {"colour": "red"}, tmp_path / "x.html")
    with pytest.raises(UsageError, match="weeks_of_trend"):
        reports.run_report("weekly_allhands", {"weeks_of_trend": "12"}, tmp_path / "x.html")
    with pytest.raises(UsageError, match="nope"):
        reports.run_report("nope", {}, tmp_path / "x.html")
    with pytest.raises(UsageError, match="Weekly/"):
        reports.run_report("Weekly/", {}, tmp_path / "x.html")


@pytest.mark.parametrize(
    ("week", "as_of"),
    [
        ("2026-W45", AS_OF),  # starts at the report time
        ("2026-W50", AS_OF),  # weeks after it
    ],
)
def test_week_not_begun_at_the_report_time_is_refused(week, as_of, tmp_path, warehouse, no_kernel):
    """Such a week showed '0 SEV-1 this week ... 100% quiet' and no data banner, as if nothing
    had happened, when nothing could have yet."""
    with pytest.raises(
        UsageError, match=f"week {week} starts .* not before the report time"
    ) as info:
        weekly_report(week, as_of, tmp_path, warehouse, 0)
    assert info.value.exit_code == 2
    assert not any(tmp_path.iterdir())
    with pytest.raises(UsageError, match="nothing in it has happened yet"):
        weekly.load_week(week_run(db=warehouse, period=week, as_of=as_of, wait=0), 4)


def test_week_begun_before_the_report_time_is_reported_as_unfinished(warehouse):
    """The current week ('this week') is still a report: it has begun. Its headline says the
    week had not ended (it read like a whole week before)."""
    data = weekly.load_week(
        week_run(db=warehouse, period="2026-W44", as_of="2026-10-28T12:00:00Z"), 4
    )
    assert data.notes == [
        "The week had not ended at the report time (Wed 28 Oct 2026 12:00 UTC): incidents "
        "still to come are not included, and every figure can still change."
    ]
    whole = weekly.load_week(week_run(db=warehouse, period="2026-W44", as_of=AS_OF), 4)
    assert whole.notes == []


def test_bad_as_of_is_a_usage_error(tmp_path, warehouse, no_kernel):
    with pytest.raises(UsageError, match="yesterday"):
        weekly_report(WEEK, "yesterday", tmp_path, warehouse, 0)


def test_missing_warehouse_fails_before_a_kernel(tmp_path, no_kernel):
    with pytest.raises(Exception, match="no warehouse"):
        weekly_report(WEEK, AS_OF, tmp_path, tmp_path / "missing.duckdb", 0)


@pytest.mark.parametrize(
    ("as_of", "week"),
    [
        ("2026-11-02T00:00:00Z", "2026-W44"),  # Monday 00:00: W44 has just ended
        ("2026-11-08T23:59:00Z", "2026-W44"),  # Sunday night: W45 is not complete yet
        ("2026-11-09T00:00:00Z", "2026-W45"),
        ("2027-01-04T09:00:00Z", "2026-W53"),  # 2026 has 53 ISO weeks
    ],
)
def test_default_week_is_the_last_complete_one(as_of, week):
    assert weekly.last_complete_week(weekly.parse_as_of(as_of)) == week


# ----------------------------------------------------------------- data assembly


def test_load_week_reads_the_week_and_scrubs_names(warehouse):
    data = weekly.load_week(week_run(db=warehouse, period=WEEK, as_of=AS_OF, wait=0), 12)
    # 4 incidents started in W44: one SEV-1, two SEV-2, one SEV-3
    assert sorted(data.incidents["severity"]) == [1, 2, 2, 3]
    titles = " ".join(data.incidents["title"])
    assert "someone restarted the primary database" in titles
    assert "deploy by someone" in titles
    assert len(data.weekly_counts) == 12 * 3
    # The incidents data begins Tue 13 Oct (first incident) and ends Sat 31 Oct (latest event
    # of any event source: the incident of 31 Oct 20:00), judged by whole days. Of the 12
    # trend weeks (10 Aug .. 26 Oct) only W43 (19-25 Oct) is covered whole: W42 starts Mon
    # 12 Oct, before the data; W44 reaches Sun 1 Nov, after it.
    covered = data.weekly_counts.drop_duplicates("week_start")["covered"].tolist()
    assert covered == [False] * 10 + [True, False]
    assert data.weekly_counts.loc[~data.weekly_counts["covered"], "incidents"].isna().all()
    lines = weekly_view.headline(data)
    # SEV-1: 1 this week (W44 is covered Mon..Sat); the typical range is W43 alone: 1/1 = 1.0
    assert lines[0] == (
        "1 SEV-1 this week (in the part the data covers); average of the previous week 1.0."
    )
    assert "1 of this week's incidents is still open." in lines
    # the banner: the event sources end on Sat 31 Oct; search's last shift ends Fri 30 Oct
    # 00:00; payments is on call to the end of the week (2 Nov 00:00): not in the banner
    assert data.coverage.lines == (
        "Incidents, pages and action items: the data ends on Sat 31 Oct 2026; figures after "
        "it are missing, not zero.",
        "On-call rotations (search): the data ends at Fri 30 Oct 2026 00:00 UTC; figures "
        "after it are missing, not zero.",
    )
    assert data.footer["policy_version"] == DEFAULT_POLICY.version
    assert len(data.rejected) == 1
    # search: after its last shift (30 Oct 00:00) to the week's end, 72 h, listed once
    # although rotation_findings records the same stretch as a gap
    assert data.rotation_gaps[["team", "hours", "kind"]].values.tolist() == [
        ["search", 72.0, "after_last"]
    ]


def test_typical_range_is_the_middle_80_percent_of_covered_weeks():
    # sorted 0 0 1 1 1 1 2 3 (8 weeks; NaN = an uncovered week, left out): the 10th
    # percentile sits at position 0.7 -> 0; the 90th at 6.3 -> 2 + 0.3 x (3 - 2) = 2.3 -> 2
    nan = float("nan")
    assert weekly.typical_range([1, 0, 3, 1, nan, 2, 1, 0, 1]) == (0, 2)
    # three weeks are too few to call anything typical
    assert weekly.typical_range([1, 2, 3, nan]) is None
    # 4 weeks of 5, 5, 6, 9: 10th at 0.3 -> 5.0; 90th at 2.7 -> 6 + 0.7 x 3 = 8.1 -> 8
    assert weekly.typical_range([5, 9, 6, 5]) == (5, 8)


def test_headline_strip(warehouse):
    data = weekly.load_week(week_run(db=warehouse, period=WEEK, as_of=AS_OF, wait=0), 12)
    strip = weekly_view.headline_strip(data)
    # only W43 is a covered week before W44: too few weeks for a typical range
    assert strip[0][:3] == ("1", "SEV-1 this week", "too few weeks to say what is typical")
    assert [box[0] for box in strip[:3]] == ["1", "2", "1"]
    # response: 2 met, 2 breached among the 4 decided
    assert strip[3][:3] == ("50%", "response targets met", "2 of 4 decided")
    # SEV-1 follow-ups: the 26 Oct incident's item 1 is open and overdue, item 2 is done
    assert strip[4][:3] == ("1", "open SEV-1/2 action items", "1 overdue")


def test_action_items_have_one_definition_per_column(warehouse):
    data = weekly.load_week(week_run(db=warehouse, period=WEEK, as_of=AS_OF, wait=0), 4)
    # payments' incident of 26 Oct has two items, both with owner, due date and ticket:
    # item 1 open, due 30 Oct < 2 Nov (overdue); item 2 ticked done in the document, no
    # tracker date, so not "closed this week"
    table = weekly_view.action_items_table(data)
    assert table.columns.tolist() == [
        "team",
        "opened this week",
        "closed this week",
        "open backlog",
        "overdue backlog",
        "with owner, due date and ticket",
    ]
    assert table.values.tolist() == [["payments", 2, 0, 1, 1, "2 of 2 (100%)"]]


def _summary_rows() -> pd.DataFrame:
    nan = float("nan")
    return pd.DataFrame(
        {
            "severity": [1, 2, 3],
            "incidents": [1, 5, 0],
            "mtta_n": [1, 5, 0],
            "mtta_missing": [0, 0, 0],
            "mtta_median_s": [540.0, 3000.0, nan],
            "mtta_median_lo_s": [540.0, 2400.0, nan],
            "mtta_median_hi_s": [540.0, 4500.0, nan],
            "mtta_p90_s": [540.0, 4320.0, nan],
            "mttr_n": [1, 5, 0],
            "mttr_missing": [0, 0, 0],
            "mttr_median_s": [37800.0, 7200.0, nan],
            "mttr_median_lo_s": [37800.0, 3000.0, nan],
            "mttr_median_hi_s": [37800.0, 10800.0, nan],
            "mttr_p90_s": [37800.0, 200000.0, nan],
        }
    )


def test_mttx_table_one_unit_per_row_and_no_interval_from_too_few():
    from types import SimpleNamespace

    table = weekly_view.mttx_table(SimpleNamespace(summary=_summary_rows())).set_index("severity")
    # SEV-1, n=1: a single value has no interval ("9 min – 9 min" would pretend one)
    assert table.loc["SEV-1", "MTTA 90% interval"] == "too few to say"
    assert table.loc["SEV-1", "MTTR median"] == "10.5 h"  # 37,800 s / 3,600
    # SEV-2 MTTA in the median's unit, minutes: 3,000 s = 50 min, 2,400 s = 40 min,
    # 4,500 s = 75 min (not "1.2 h"), p90 4,320 s = 72 min
    assert table.loc["SEV-2", ["MTTA median", "MTTA 90% interval", "MTTA p90"]].tolist() == [
        "50 min",
        "40 min – 75 min",
        "72 min",
    ]
    # SEV-2 MTTR in hours: 7,200 s = 2.0 h, 3,000 s = 0.8 h, 10,800 s = 3.0 h, and the p90
    # 200,000 s = 55.6 h (not "2.3 d")
    assert table.loc["SEV-2", ["MTTR median", "MTTR 90% interval", "MTTR p90"]].tolist() == [
        "2.0 h",
        "0.8 h – 3.0 h",
        "55.6 h",
    ]
    assert table.loc["SEV-3", "MTTA 90% interval"] == "—"


def test_weekly_data_has_the_columns_its_docstring_lists(warehouse):
    """Each frame of WeeklyData has every column its ``Attributes`` entry names (a name in
    double backticks; patterns such as ``mtta_*`` are left out)."""
    import dataclasses

    data = weekly.load_week(week_run(db=warehouse, period=WEEK, as_of=AS_OF, wait=0), 4)
    doc = weekly.WeeklyData.__doc__.split("Attributes:", 1)[1]
    entries = re.split(r"\n {8}(?=[a-z_][a-z_, ]*: )", doc)
    checked = set()
    for entry in entries:
        names, _, text = entry.partition(": ")
        for name in (n.strip() for n in names.split(",")):
            frame = getattr(data, name, None)
            if not isinstance(frame, pd.DataFrame):
                continue
            literals = re.findall(r"``([^`]+)``", text)
            columns = {
                c.strip()
                for lit in literals
                for c in lit.split(",")
                if re.fullmatch(r"\s*[a-z_]+\s*", c)
            }
            assert columns, name
            assert columns <= set(frame.columns), (name, columns - set(frame.columns))
            checked.add(name)
    frames = {
        f.name for f in dataclasses.fields(data) if isinstance(getattr(data, f.name), pd.DataFrame)
    }
    assert checked == frames  # every frame is documented


def test_incident_table_status_updates_read_plainly_without_a_source():
    from types import SimpleNamespace

    utc = "2026-10-26 10:00:00+00:00"
    incidents = pd.DataFrame(
        {
            "incident_id": ["A", "B", "C", "D", "E"],
            "title": ["t"] * 5,
            "severity": [2, 2, 1, 3, 1],
            "team": ["core"] * 5,
            "service": ["api"] * 5,
            "started_at": pd.to_datetime([utc] * 5),
            "resolved_at": pd.to_datetime([utc, utc, None, utc, utc]),
            "ttr_s": [1620.0, 7200.0, None, 600.0, 3600.0],
            "response_status": ["met"] * 5,
            "postmortem_status": ["met"] * 5,
            "status_cadence_status": ["met", "breached", "pending", "n/a", "met"],
            "status_source": ["none", "none", "none", "none", "statuspage"],
        }
    )
    table = weekly_view.incidents_table(SimpleNamespace(incidents=incidents))
    assert table["status updates"].tolist() == [
        "met (none due)",  # resolved within the update interval: no update was due
        "breached (no updates)",
        "pending (no updates yet)",  # still open
        "n/a",  # SEV-3: no cadence, so no source to name
        "met (from status page)",
    ]
    # 1,620 s = 27 min; the open incident says so instead of a duration
    assert table["time to resolve"].tolist() == ["27 min", "2.0 h", "open", "10 min", "1.0 h"]


def test_mttx_notes_say_each_finding_once_in_plain_words():
    from types import SimpleNamespace

    previous = pd.DataFrame(
        {"severity": [1, 2], "mtta_median_s": [300.0, 3600.0], "mttr_median_s": [900.0, 20000.0]}
    )
    data = SimpleNamespace(
        summary=_summary_rows(),
        previous_summary=previous,
        detectable={1: (1, float("nan")), 2: (5, 0.5), 3: (0, float("nan"))},
    )
    assert weekly_view.mttx_notes(data) == [
        # SEV-1: n=1, one sentence instead of three
        "SEV-1: 1 incident this week, too few to say whether response or resolution times changed.",
        # SEV-2 MTTA: the week before (3,600 s = 60 min) lies in [2,400, 4,500] s
        "SEV-2 median time to acknowledge: about the same as the week before (60 min); the "
        "difference is within normal week-to-week variation.",
        # SEV-2 MTTR: 20,000 s = 5.6 h lies outside [3,000, 10,800] s
        "SEV-2 median time to resolve: a real change from the week before (5.6 h), larger "
        "than normal week-to-week variation.",
        "SEV-2 time to resolve: at 5 incidents a week, a real 10% improvement would show in "
        "50% of weeks, so week-to-week changes here are mostly noise.",
    ]


def test_a_week_after_the_data_says_so_and_never_no_gaps(warehouse):
    # W46 (9-16 Nov) is after every source's data: the event sources end Sat 31 Oct, the
    # rotations Fri 30 Oct (search) and Mon 2 Nov (payments)
    data = weekly.load_week(
        week_run(db=warehouse, period="2026-W46", as_of="2026-11-20T00:00:00Z", wait=0), 4
    )
    assert weekly_view.headline(data) == [
        "No incident data for this week: see the note at the top."
    ]
    # three instants: events (31 Oct), search (30 Oct 00:00), payments (2 Nov 00:00)
    assert len(data.coverage.lines) == 3
    # both expected teams are uncovered the whole week (7 x 24 = 168 h): listed, not "no gaps"
    assert data.rotation_gaps[["team", "hours", "kind"]].values.tolist() == [
        ["payments", 168.0, "after_last"],
        ["search", 168.0, "after_last"],
    ]
    # shown as durations like every other: 168 h = 7 days
    assert weekly_view.rotation_gaps_table(data)["length"].tolist() == ["7.0 d", "7.0 d"]
    # all 4 trend weeks (19 Oct .. 9 Nov) are partly or wholly outside the data except W43
    assert data.weekly_counts.drop_duplicates("week_start")["covered"].tolist() == [
        True,
        False,
        False,
        False,
    ]


def test_load_week_applies_a_policy_file(warehouse, tmp_path):
    # the SEV-2 of 27 Oct was acknowledged 48 min after detection: breached at 30, met at 60
    policy = tmp_path / "policy.toml"
    policy.write_text("[response]\nsev2_minutes = 60\n", encoding="utf-8")
    default = weekly.load_week(week_run(db=warehouse, period=WEEK, as_of=AS_OF, wait=0), 4)
    relaxed = weekly.load_week(
        week_run(db=warehouse, period=WEEK, as_of=AS_OF, wait=0, policy=policy), 4
    )

    def status(data):
        rows = data.incidents.set_index("incident_id")
        return rows.loc["2026-10-27-api", "response_status"]

    assert (status(default), status(relaxed)) == ("breached", "met")


def test_bad_policy_file_fails_before_a_kernel(tmp_path, warehouse, no_kernel):
    policy = tmp_path / "policy.toml"
    policy.write_text("[response]\nsev9_minutes = 1\n", encoding="utf-8")
    with pytest.raises(UsageError, match="sev9"):
        weekly_report(WEEK, AS_OF, tmp_path / "out", warehouse, 0, policy=policy)


def test_team_charts_keep_the_teams_with_the_most_and_say_so():
    teams = pd.DataFrame(
        {
            "team": [f"t{i:02d}" for i in range(25)],
            # t00 has 0 pages, t01 1, ... t24 24, except t03 with 20
            "pages": [20 if i == 3 else i for i in range(25)],
        }
    )
    shown, subtitle = weekly_view.top_teams(teams, ["pages"], "pages", limit=20)
    # t24..t21 (4 teams), t03 and t20 at 20 (2), t19..t06 (14): t05 and below are left out;
    # the rows keep their order
    assert shown["team"].tolist() == ["t03", *[f"t{i:02d}" for i in range(6, 25)]]
    assert subtitle == "The 20 of 25 teams with the most pages; the table lists every team."
    few, none = weekly_view.top_teams(teams.head(20), ["pages"], "pages", limit=20)
    assert few.equals(teams.head(20))
    assert none is None


# ----------------------------------------------------------------- end to end (papermill)


def _run_weekly(warehouse: Path, out_dir: Path) -> Path:
    return weekly_report(WEEK, AS_OF, out_dir, warehouse, 0)


@pytest.fixture(scope="module")
def weekly_html(warehouse, tmp_path_factory) -> Path:
    return _run_weekly(warehouse, tmp_path_factory.mktemp("reports"))


def test_weekly_report_smoke(weekly_html):
    """Default tier: the weekly notebook runs in-process and gives one offline HTML file."""
    assert weekly_html.name == "allhands.html"
    assert weekly_html.parent.name == WEEK
    assert (weekly_html.parent / "allhands.ipynb").exists()
    text = weekly_html.read_text("utf-8")
    # at least 3 charts drawn as inline SVG, each with marks
    charts = re.findall(r"<svg.*?</svg>", text, flags=re.S)
    drawn = [c for c in charts if "role-mark" in c and "<path" in c]
    assert len(drawn) >= 3, f"{len(drawn)} charts with marks"
    # nothing loaded from the network
    external = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, flags=re.I)
    assert external == []
    assert "<script src" not in text
    # blameless: no person's name anywhere
    for name in PEOPLE_NAMES:
        assert name.lower() not in text.lower(), name
    # the week reaches past the data (it ends Sat 31 Oct): the banner says so
    assert "the data ends on Sat 31 Oct 2026; figures after it are missing, not zero." in text
    assert "No gaps in the on-call rotations" not in text
    # the review and hand-off sections render, saying plainly what is missing (no review
    # document in this warehouse) and what is none (no hand-over: one engineer per team)
    for section in (
        "Post-mortems to present",
        "Post-mortem review checks by team",
        "Communication by severity",
        "Possible misclassifications",
        "Hand-offs by team",
        "No review documents (reviews/**/*.md) are in the warehouse",
        "No hand-over between engineers this week.",
    ):
        assert section in text, section
    # code cells are hidden
    assert "load_week" not in text
    assert "Traceback" not in text


def test_every_chart_drawn_in_the_background_is_in_its_place(weekly_html):
    """The report kernel draws its charts in a helper process (charts.show): no placeholder
    is left in the executed notebook, and each chart cell holds one SVG."""
    import nbformat

    nb = nbformat.read(weekly_html.with_suffix(".ipynb"), as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    charts = [o for o in outputs if "image/svg+xml" in o.get("data", {})]
    assert len(charts) == 8
    assert all(o.data["text/plain"].startswith("alt.") for o in charts)
    placeholders = [o for o in outputs if set(o.get("data", {})) == {"text/plain"}]
    assert placeholders == []
    assert nb.cells[-1].source == "charts.finish()" and nb.cells[-1].outputs == []


def test_html_is_what_nbconvert_gives_without_its_soup_pass(weekly_html):
    """to_html skips HTMLExporter's BeautifulSoup pass (parse and print the whole page) and
    does its work on the text: the page parses to the very tree nbconvert's own gives."""
    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    nb = nbformat.read(weekly_html.with_suffix(".ipynb"), as_version=4)
    # an image without alt text, and an output that is not HTML, to cover every rewrite
    png = (
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwAB"
        "BAEAwS2OUAAAAABJRU5ErkJggg=="
    )
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "x",
            outputs=[
                nbformat.v4.new_output("display_data", data={"image/png": png}),
                nbformat.v4.new_output("stream", text="plain words\n"),
            ],
        )
    )
    ours = reports.to_html(nb, title="t")
    assert "remove-cell" in nb.cells[-2].metadata.tags  # charts.finish(), shown by neither
    theirs, _ = HTMLExporter(
        config=Config({"TagRemovePreprocessor": {"remove_cell_tags": {"remove-cell"}}}),
        template_name="offline",
        extra_template_basedirs=[str(reports.TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    ).from_notebook_node(nb, resources={"metadata": {"name": "t"}})
    assert 'alt="No description has been provided for this image"' in theirs
    assert ours.count('tabindex="0"') == theirs.count('tabindex="0"') > 10
    assert str(BeautifulSoup(ours, features="html.parser")) == theirs
    assert "remove-cell" not in ours


@pytest.mark.slow
def test_weekly_report_rerun_replaces_files_atomically(warehouse, tmp_path):
    first = _run_weekly(warehouse, tmp_path)
    second = _run_weekly(warehouse, tmp_path)
    assert first == second
    assert sorted(p.name for p in first.parent.iterdir()) == ["allhands.html", "allhands.ipynb"]


@pytest.mark.slow
def test_weekly_report_on_an_empty_week(warehouse, tmp_path):
    html = weekly_report("2026-W30", AS_OF, tmp_path, warehouse, 0).read_text("utf-8")
    # W30 (20-26 Jul) is before the data begins (Tue 13 Oct): no data, not "no incidents"
    assert "No incident data for this week: see the note at the top." in html
    assert "No incidents started this week." not in html
    assert "Incidents, pages and action items: the data begins on Tue 13 Oct 2026" not in html
    assert "Incidents: the data begins on Tue 13 Oct 2026" in html


def _chromium() -> str | None:
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )


# Column names that must never reach a reader (issue 14.1): headers are phrases.
RAW_HEADERS = (
    "rule3_rate",
    "oncall_hours",
    "pages_per_oncall_hour",
    "business_pages",
    "off_hours_pages",
    "sleep_pages",
    "open_backlog",
    "overdue_backlog",
    # the review sections (issues 18.5, 19.1)
    "review_status",
    "without_document",
    "too_few_whys",
    "items_without_owner_or_due",
    "blame_mentions",
    "declared_severity",
    "evidence_severity",
    "under_declared",
    "no_impact_recorded",
    "vp_engineering",
    "oncall_sre",
)
# "9 min – 9 min": an interval made of one value
DEGENERATE = re.compile(r"(\d+(?:\.\d+)? (?:min|h|d)) – \1(?!\d)")


def _visible_text(dom: str) -> str:
    """The words a reader sees: HTML text outside charts, and the <text> of the charts."""
    chart_words = re.findall(r"<text[^>]*>(.*?)</text>", dom, flags=re.S)
    page = re.sub(r"<(style|svg)\b.*?</\1>", " ", dom, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page) + " " + " ".join(chart_words)


def test_the_reader_sees_no_raw_headers_and_no_degenerate_intervals(weekly_html):
    text = _visible_text(weekly_html.read_text("utf-8"))
    assert "Time to acknowledge" in text  # the check reads the report at all
    assert [h for h in RAW_HEADERS if h in text] == []
    assert DEGENERATE.findall(text) == []
    assert DEGENERATE.findall("9 min – 9 min; 10.5 h – 10.5 h; 1 h – 12 h") == ["9 min", "10.5 h"]


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (apt-get install chromium)")
def test_weekly_report_fits_1280_px_in_headless_chromium(weekly_html, tmp_path):
    # A copy of the report with one measuring script (the report itself has none): the page
    # writes its own width into the DOM that Chromium dumps.
    probe = tmp_path / "probe.html"
    probe.write_text(
        weekly_html.read_text("utf-8").replace(
            "</body>",
            "<script>document.body.setAttribute('data-overflow', "
            "document.documentElement.scrollWidth - document.documentElement.clientWidth)"
            "</script></body>",
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=8000",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
            "--window-size=1280,1600",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    overflow = re.search(r'data-overflow="(-?\d+)"', result.stdout)
    assert overflow is not None, result.stdout[:500]
    assert int(overflow.group(1)) <= 0, "the page scrolls sideways at 1280 px"


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (apt-get install chromium)")
def test_weekly_report_draws_offline_in_headless_chromium(weekly_html, tmp_path):
    result = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=8000",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
            "--dump-dom",
            weekly_html.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dom = result.stdout
    charts = re.findall(r"<svg.*?</svg>", dom, flags=re.S)
    assert len([c for c in charts if "role-mark" in c and "<path" in c]) >= 3
    assert "Error loading script" not in dom


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (apt-get install chromium)")
def test_sample_demo_week_screenshot(sample_warehouse, tmp_path):
    """The sample's demo week (2026-W44) as a reader first sees it, 1280 px wide, no network:
    no banner (the data covers the week), the headline strip, charts drawn. The picture goes
    to $SCREENSHOT_DIR/weekly-report.png when that is set (README: SCREENSHOT_DIR=docs)."""
    import os

    from conftest import ROOT

    html = weekly_report(WEEK, AS_OF, tmp_path / "out", sample_warehouse, 0)
    text = html.read_text("utf-8")
    assert "Some data is missing" not in text
    assert "headline-strip" in text
    # the review and hand-off sections render on the sample, and stay blameless: no name of
    # anyone in the sample's people.csv (first or last name) appears anywhere in the report
    visible = re.sub(r"\s+", " ", _visible_text(text))
    for section in (
        "Post-mortems to present",
        "Post-mortem review checks by team",
        "Communication by severity",
        "Possible misclassifications",
        "Hand-offs by team",
    ):
        assert section in visible, section
    import csv

    with (ROOT / "data" / "sample" / "people.csv").open(encoding="utf-8") as f:
        names = {part for row in csv.DictReader(f) for part in row["engineer"].split()}
    assert names
    assert [n for n in sorted(names) if re.search(rf"\b{re.escape(n)}\b", text, re.I)] == []
    shot = tmp_path / "weekly-report.png"
    subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=8000",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
            "--hide-scrollbars",
            "--window-size=1280,1100",
            f"--screenshot={shot}",
            html.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if target := os.environ.get("SCREENSHOT_DIR"):
        folder = Path(target) if Path(target).is_absolute() else ROOT / target
        shutil.copyfile(shot, folder / "weekly-report.png")


def test_notebook_errors_keep_the_analytics_exit_status(tmp_path):
    from papermill.exceptions import PapermillExecutionError

    from analytics.errors import WarehouseBusy

    busy = PapermillExecutionError(3, 1, "x", "WarehouseBusy", "held by PID 7", [])
    err = reports._notebook_error(busy, tmp_path / "a.failed.ipynb")
    assert isinstance(err, WarehouseBusy)
    assert err.exit_code == 3
    assert "PID 7" in str(err)
    other = reports._notebook_error(
        PapermillExecutionError(3, 1, "x", "KeyError", "'x'", []), tmp_path / "a.failed.ipynb"
    )
    assert type(other).__name__ == "AnalyticsError"
    assert "a.failed.ipynb" in str(other)


@pytest.mark.slow
def test_a_failing_cell_keeps_the_failed_notebook_and_writes_no_html(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[
            new_code_cell('x: str = "a"  # a value', metadata={"tags": ["parameters"]}),
            new_code_cell("raise ValueError(x)"),
        ]
    )
    source = tmp_path / "broken.ipynb"
    nbformat.write(nb, source)
    out = tmp_path / "out" / "broken.html"
    with pytest.raises(Exception, match="ValueError: zz"):
        reports.run_report(str(source), {"x": "zz"}, out)
    assert not out.exists()
    assert (tmp_path / "out" / "broken.failed.ipynb").exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["broken.failed.ipynb"]


def test_the_kernel_preloads_the_notebooks_imports():
    startup = reports._kernel_startup(reports.find_notebook("weekly_allhands"))
    statements = startup.split("; ")
    assert statements[:3] == [
        "import sys",
        "sys.modules.setdefault('rfc3987_syntax', None)",
        "__import__('atexit').register(__import__('os')._exit, 0)",
    ]
    assert statements[3:] == [
        "from analytics import charts, context, weekly, weekly_html, weekly_reviews_html"
    ]


@pytest.mark.parametrize("cell", ["y = x", "raise ValueError(x)"])
def test_the_kernel_is_stopped_after_a_report_that_succeeds_or_fails(cell, tmp_path, monkeypatch):
    # run_report starts the kernel itself (before papermill is imported) and so must stop it
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    started = []
    start = reports._start_kernel
    monkeypatch.setattr(
        reports, "_start_kernel", lambda *a: started.append(start(*a)) or started[-1]
    )
    nb = new_notebook(
        cells=[
            new_code_cell('x: str = "a"  # a value', metadata={"tags": ["parameters"]}),
            new_code_cell("import json\n" + cell),
        ]
    )
    source = tmp_path / "nb.ipynb"
    nbformat.write(nb, source)
    with contextlib.suppress(AnalyticsError):
        reports.run_report(str(source), {"x": "zz"}, tmp_path / "out" / "nb.html")
    (km,) = started
    assert not km.has_kernel
    assert not Path(km.connection_file).exists()


def _processes_marked(marker: str) -> list[int]:
    """PIDs of live processes (zombies aside) whose environment holds ``marker``."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if marker.encode() in environ.split(b"\0") and state != "Z":
            pids.append(int(proc.name))
    return pids


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_a_cell_failing_while_charts_are_drawn_leaves_no_process_and_no_traceback(
    warehouse, tmp_path
):
    # The weekly report's kernel starts the chart helper (charts.setup) and hands it two
    # charts; then a cell fails, so charts.finish() never runs. The command must end with one
    # line naming the error, leave no process of its own behind (kernel, helper) and not hang.
    import sys
    import uuid

    hook = tmp_path / "hook"
    hook.mkdir()
    # in the report kernel only: the trend's cell fails (after the severity and MTTx charts)
    (hook / "sitecustomize.py").write_text(
        "import sys\n"
        "if any('ipykernel' in a for a in sys.orig_argv):\n"
        "    from analytics import weekly_html\n"
        "    def _fail(data):\n"
        "        raise RuntimeError('the trend cell failed')\n"
        "    weekly_html.show_trend = _fail\n"
    )
    marker = f"IA_TEST_PROCESS={uuid.uuid4().hex}"
    env = {
        **os.environ,
        marker.split("=")[0]: marker.split("=")[1],
        "PYTHONPATH": os.pathsep.join([str(hook), str(ROOT)]),
    }
    out = tmp_path / "out"
    command = [sys.executable, "-m", "analytics", "report", "weekly", "--week", WEEK]
    command += ["--as-of", AS_OF, "--db", str(warehouse), "--out", str(out)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(
        "incident-analytics: report notebook failed: RuntimeError: the trend cell failed"
    )
    failed = out / "weekly" / WEEK / "allhands.failed.ipynb"
    assert f"(executed notebook: {failed})" in line
    assert failed.exists() and not failed.with_name("allhands.html").exists()
    assert _processes_marked(marker) == []


def test_the_report_kernels_exit_keeps_every_output_of_the_last_cells(tmp_path):
    # The report kernel ends with os._exit (no teardown): whatever its last cells printed,
    # showed or returned (output buffered on stdout without a newline, stderr, a display, a
    # large output, the cell's value) must be in the notebook and the page all the same.
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    big = "y" * 300_000
    nb = new_notebook(
        cells=[
            new_code_cell('x: str = "a"  # a value', metadata={"tags": ["parameters"]}),
            new_code_cell("print('first cell')"),
            new_code_cell(
                "import sys\n"
                "from IPython.display import HTML, display\n"
                "display(HTML('<b>shown last</b>'))\n"
                f"print('y' * {len(big)})\n"
                "sys.stderr.write('said on stderr')\n"
                "sys.stdout.write('written without a newline, ' + x)\n"
                "6 * 7"
            ),
        ]
    )
    source = tmp_path / "last.ipynb"
    nbformat.write(nb, source)
    html = reports.run_report(str(source), {"x": "zz"}, tmp_path / "out" / "last.html")
    executed = nbformat.read(html.with_suffix(".ipynb"), as_version=4)
    outputs = executed.cells[-1].outputs
    stdout = "".join(o.text for o in outputs if o.get("name") == "stdout")
    assert stdout == big + "\nwritten without a newline, zz"
    assert "".join(o.text for o in outputs if o.get("name") == "stderr") == "said on stderr"
    shown = [o.data for o in outputs if o.output_type == "display_data"]
    assert shown == [
        {"text/html": "<b>shown last</b>", "text/plain": "<IPython.core.display.HTML object>"}
    ]
    assert [o.data["text/plain"] for o in outputs if o.output_type == "execute_result"] == ["42"]
    text = html.read_text("utf-8")
    for expected in ("first cell", big, "written without a newline, zz", "said on stderr"):
        assert expected in text
    assert "<b>shown last</b>" in text and ">42<" in text
