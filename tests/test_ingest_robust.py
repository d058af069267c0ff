"""Input robustness (issues 15 and 16, SPEC §12 "Never a crash on input"): defaults for blank
optional values, the sane time window, impossible rows, literal file names, special files,
per-file failures, and what the terminal shows."""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from analytics.ingest import run
from analytics.policy import DEFAULT_POLICY, load_policy
from tests.conftest import run_cli

NOW = datetime(2026, 12, 1, tzinfo=UTC)  # the ingest clock of these tests


def _ingest(paths, db: Path, **kw) -> run.IngestReport:
    policy = kw.pop("policy", DEFAULT_POLICY)
    return run.ingest([Path(p) for p in paths], db=db, policy=policy, wait=1, now=NOW, **kw)


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("SET TimeZone='UTC'")
        return con.execute(sql).fetchall()
    finally:
        con.close()


GOOD_PAGES = "page_id,sent_at,recipient,team\ng1,2026-11-03T14:05:00Z,Alice Chen,payments\n"


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    (raw / "pages").mkdir(parents=True)
    (raw / "pages" / "good.csv").write_text(GOOD_PAGES)
    return raw


# ------------------------------------------------------------------ blank optional values


def test_an_empty_timezone_is_utc_and_the_batch_loads(tmp_path, raw):
    # Was: NOT NULL constraint failed: src_people.timezone, a traceback, nothing loaded.
    (raw / "people.csv").write_text(
        "engineer,employee_id,team,timezone\nAlice Chen,E1,payments,\nBob,E2,search,   \n"
    )
    db = tmp_path / "w.duckdb"
    report = _ingest([raw], db)
    assert report.rejections == []
    assert _rows(db, "select engineer, timezone from src_people order by 1") == [
        ("Alice Chen", "UTC"),
        ("Bob", "UTC"),
    ]
    assert _rows(db, "select page_id from src_pages") == [("g1",)]


def test_people_without_a_timezone_column_are_utc(tmp_path, raw):
    (raw / "people.csv").write_text("engineer,employee_id\nAlice Chen,E1\n")
    db = tmp_path / "w.duckdb"
    assert _ingest([raw], db).rejections == []
    assert _rows(db, "select timezone from src_people") == [("UTC",)]


# ------------------------------------------------------------------ the sane window


def test_tabular_timestamps_out_of_range_reject_their_row(tmp_path, raw):
    # NOW = 2026-12-01: events up to 2028-12-01, rotations up to 2031-12-01.
    (raw / "pages" / "p.csv").write_text(
        "page_id,sent_at,recipient,team\n"
        "a,1969-12-31T23:59:59Z,A,t\n"  # line 2: one second before 1970
        "b,1970-01-01T00:00:00Z,A,t\n"  # line 3: the first instant in range
        "c,2028-12-01T00:00:00Z,A,t\n"  # line 4: exactly two years: in range
        "d,2028-12-01T00:00:01Z,A,t\n"  # line 5: out
        "e,9999-01-01T00:00:00Z,A,t\n"  # line 6: out
    )
    (raw / "rotations").mkdir()
    (raw / "rotations" / "r.csv").write_text(
        "team,engineer,start,end\n"
        "t,A,2030-01-01T00:00:00Z,2030-01-08T00:00:00Z\n"  # line 2: rotations reach 5 years
        "t,A,1900-01-01T00:00:00Z,1900-01-08T00:00:00Z\n"  # line 3: out
        "t,A,2031-12-01T00:00:00Z,2031-12-02T00:00:00Z\n"  # line 4: end past 2031-12-01: out
    )
    db = tmp_path / "w.duckdb"
    report = _ingest([raw], db)
    errors = [e.removeprefix(str(raw) + "/") for e in report.rejections]
    assert errors == [
        "pages/p.csv:2: sent_at '1969-12-31T23:59:59Z' is out of range (1970-01-01 .. 2028-12-01)",
        "pages/p.csv:5: sent_at '2028-12-01T00:00:01Z' is out of range (1970-01-01 .. 2028-12-01)",
        "pages/p.csv:6: sent_at '9999-01-01T00:00:00Z' is out of range (1970-01-01 .. 2028-12-01)",
        "rotations/r.csv:3: start '1900-01-01T00:00:00Z' is out of range "
        "(1970-01-01 .. 2031-12-01)",
        "rotations/r.csv:4: end '2031-12-02T00:00:00Z' is out of range (1970-01-01 .. 2031-12-01)",
    ]
    assert _rows(db, "select page_id from src_pages order by 1") == [("b",), ("c",), ("g1",)]
    assert _rows(db, "select line_no from src_rotations") == [(2,)]


# ------------------------------------------------------------------ impossible rows


def test_a_page_acknowledged_before_it_was_sent_is_rejected(tmp_path, raw):
    (raw / "pages" / "p.csv").write_text(
        "page_id,sent_at,recipient,team,acknowledged_at\n"
        "a,2026-11-03T14:05:00Z,A,t,2026-11-03T13:05:00Z\n"  # an hour before: rejected
        "b,2026-11-03T14:05:00Z,A,t,2026-11-03T14:05:00Z\n"  # at the same instant: fine
    )
    db = tmp_path / "w.duckdb"
    report = _ingest([raw], db)
    assert [e.removeprefix(str(raw) + "/") for e in report.rejections] == [
        "pages/p.csv:2: acknowledged_at 2026-11-03 13:05:00Z is before sent_at 2026-11-03 14:05:00Z"
    ]
    assert _rows(db, "select page_id from src_pages order by 1") == [("b",), ("g1",)]


def test_a_shift_longer_than_max_shift_days_is_rejected(tmp_path, raw):
    (raw / "rotations").mkdir()
    (raw / "rotations" / "r.csv").write_text(
        "team,engineer,start,end\n"
        "t,A,2026-11-01T00:00:00Z,2026-12-02T00:00:00Z\n"  # 31 days: the limit, loads
        "t,B,2026-11-01T00:00:00Z,2026-12-02T00:00:01Z\n"  # a second more: rejected
        "t,C,2026-11-01T00:00:00Z,2027-11-01T00:00:00Z\n"  # a year: rejected
    )
    db = tmp_path / "w.duckdb"
    report = _ingest([raw], db)
    assert [e.removeprefix(str(raw) + "/") for e in report.rejections] == [
        "rotations/r.csv:3: shift of 31.0 days is longer than [rotations] max_shift_days = 31 "
        "(a typo in a date?)",
        "rotations/r.csv:4: shift of 365.0 days is longer than [rotations] max_shift_days = 31 "
        "(a typo in a date?)",
    ]
    assert _rows(db, "select engineer from src_rotations") == [("A",)]


def test_max_shift_days_comes_from_the_policy(tmp_path, raw):
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text("[rotations]\nmax_shift_days = 400\n")
    policy = load_policy(policy_file)
    assert policy.rotations_max_shift_days == 400
    assert DEFAULT_POLICY.rotations_max_shift_days == 31
    (raw / "rotations").mkdir()
    (raw / "rotations" / "r.csv").write_text(
        "team,engineer,start,end\nt,C,2026-11-01T00:00:00Z,2027-11-01T00:00:00Z\n"
    )
    db = tmp_path / "w.duckdb"
    assert _ingest([raw], db, policy=policy).rejections == []


@pytest.mark.parametrize("value", ["0", "1.5", '"31"', "true", "99999"])
def test_a_bad_max_shift_days_is_a_policy_error(tmp_path, value):
    from analytics.errors import PolicyError

    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(f"[rotations]\nmax_shift_days = {value}\n")
    with pytest.raises(PolicyError, match=r"rotations.max_shift_days = .*\(line 2\)"):
        load_policy(policy_file)


# ------------------------------------------------------------------ file names and kinds


@pytest.mark.parametrize("name", ["p[ab].csv", "p*.csv", "p?.csv"])
def test_a_file_name_is_read_literally_never_as_a_pattern(tmp_path, name):
    raw = tmp_path / "raw"
    (raw / "pages").mkdir(parents=True)
    # Files the pattern would match: DuckDB read them instead of (or besides) the named one.
    (raw / "pages" / "pa.csv").write_text(GOOD_PAGES.replace("g1", "pa"))
    (raw / "pages" / "pb.csv").write_text(GOOD_PAGES.replace("g1", "pb"))
    target = raw / "pages" / name
    target.write_text(GOOD_PAGES.replace("g1", "own"))
    db = tmp_path / "w.duckdb"
    report = _ingest([target], db)
    assert report.rejections == []
    assert _rows(db, "select page_id, source_file from src_pages") == [("own", str(target))]


def test_a_folder_name_with_brackets_is_read_literally(tmp_path):
    raw = tmp_path / "[team]" / "pages"
    raw.mkdir(parents=True)
    (raw / "p.csv").write_text(GOOD_PAGES)
    db = tmp_path / "w.duckdb"
    assert _ingest([tmp_path / "[team]"], db).rejections == []
    assert _rows(db, "select page_id from src_pages") == [("g1",)]


# ------------------------------------------------------------------ paths and special files


def test_ingest_of_a_path_that_does_not_exist_is_a_usage_error_creating_nothing(tmp_path):
    db = tmp_path / "new.duckdb"
    result = run_cli("ingest", str(tmp_path / "nope"), "--db", str(db))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"incident-analytics: {tmp_path / 'nope'}: no such file or folder")
    assert not db.exists()


def test_a_fifo_in_an_input_folder_is_skipped_with_a_warning_not_read(tmp_path, raw):
    # Reading a FIFO nobody writes to blocks forever: the ingest would hang.
    (raw / "timelines").mkdir()
    os.mkfifo(raw / "timelines" / "pipe.md")
    os.mkfifo(raw / "pages" / "pipe.csv")
    db = tmp_path / "w.duckdb"
    report = _ingest([raw, raw / "pages" / "pipe.csv"], db)
    assert report.rejections == []
    assert sorted(w.removeprefix(str(raw) + "/") for w in report.warnings) == [
        "pages/pipe.csv:1: skipped: a named pipe (FIFO); only regular files are read",
        "timelines/pipe.md:1: skipped: a named pipe (FIFO); only regular files are read",
    ]
    assert report.exit_code == 0
    assert _rows(db, "select page_id from src_pages") == [("g1",)]


# ------------------------------------------------------------------ one file's failure


def test_an_unexpected_error_in_one_file_rejects_that_file_alone(tmp_path, raw, monkeypatch):
    from analytics.ingest import pagerduty

    def broken(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(pagerduty, "parse_pagerduty", broken)
    (raw / "pagerduty").mkdir()
    (raw / "pagerduty" / "export.json").write_text('{"incidents": []}')
    db = tmp_path / "w.duckdb"
    report = _ingest([raw], db)
    assert [e.removeprefix(str(raw) + "/") for e in report.rejections] == [
        "pagerduty/export.json:1: internal error (KeyError); details in ingest_log.error"
    ]
    assert _rows(db, "select page_id from src_pages") == [("g1",)]
    [(error,)] = _rows(db, "select error from ingest_log where file like '%export.json'")
    assert "internal error (KeyError)" in error and "surprise" in error and "Traceback" in error


def test_an_unexpected_error_parsing_a_document_rejects_it_alone(tmp_path, raw, monkeypatch):
    from analytics.ingest import timelines

    def broken(*args, **kwargs):
        raise RecursionError("deep")

    monkeypatch.setattr(timelines, "parse_decoded", broken)  # what the format calls
    (raw / "timelines").mkdir()
    (raw / "timelines" / "a.md").write_text("SEVERITY: SEV-1\nSTARTED: 2026-11-03 14:00\n")
    db = tmp_path / "w.duckdb"
    report = _ingest([raw], db)
    assert [e.removeprefix(str(raw) + "/") for e in report.rejections] == [
        "timelines/a.md:1: internal error (RecursionError); details in ingest_log.error"
    ]
    assert _rows(db, "select page_id from src_pages") == [("g1",)]


def test_a_row_the_warehouse_cannot_hold_rejects_its_file_not_the_batch(tmp_path, raw, monkeypatch):
    # Rows parsed in Python are converted to the warehouse's types before the transaction: a
    # NULL where none is allowed, or a number too large for its column, rejects that file.
    from analytics.ingest import ics
    from analytics.ingest.records import RotationRow

    real = ics.parse_ics

    def hostile(data, file, **kw):
        result = real(data, file, **kw)
        row = result.rotations[0]
        result.rotations[0] = RotationRow(row.team, None, row.start_at, row.end_at, False, 2**40)
        return result

    monkeypatch.setattr(ics, "parse_ics", hostile)
    (raw / "rotations").mkdir()
    (raw / "rotations" / "oncall.ics").write_text(
        "BEGIN:VCALENDAR\nX-WR-CALNAME:payments\nBEGIN:VEVENT\nUID:1\nSUMMARY:Alice\n"
        "DTSTART:20261102T000000Z\nDTEND:20261103T000000Z\nEND:VEVENT\nEND:VCALENDAR\n"
    )
    db = tmp_path / "w.duckdb"
    report = _ingest([raw], db)
    [error] = report.rejections
    assert error.startswith(f"{raw}/rotations/oncall.ics:1: a value cannot be stored in rotations")
    assert _rows(db, "select count(*) from src_rotations") == [(0,)]
    assert _rows(db, "select page_id from src_pages") == [("g1",)]


def test_figures_too_large_for_the_warehouse_are_warnings_kept_unknown(tmp_path, raw):
    (raw / "timelines").mkdir()
    (raw / "timelines" / "big.md").write_text(
        "SEVERITY: SEV-2\nSTARTED: 2026-11-03 14:00 UTC\n\nIMPACT:\n"
        "- Users affected: 99999999999999999999\n- Revenue impact: $99999999999999999\n"
    )
    db = tmp_path / "w.duckdb"
    report = _ingest([raw], db)
    assert report.rejections == []
    assert len(report.warnings) == 2 and all("too large" in w for w in report.warnings)
    assert _rows(db, "select users_affected, revenue_impact_usd from src_incidents") == [
        (None, None)
    ]


# ------------------------------------------------------------------ the terminal


def test_a_long_rejection_list_is_capped_on_the_terminal(tmp_path, raw):
    from analytics.ingest.summary import MAX_PRINTED

    bad = "".join(f"b{i},not a time,A,t\n" for i in range(MAX_PRINTED + 860))
    (raw / "pages" / "bad.csv").write_text("page_id,sent_at,recipient,team\n" + bad)
    db = tmp_path / "w.duckdb"
    result = run_cli("ingest", str(raw), "--db", str(db), "--quiet")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == MAX_PRINTED + 1
    assert lines[-1] == "… and 860 more rejections; all are in ingest_log"
    [(error,)] = _rows(db, "select error from ingest_log where file like '%bad.csv'")
    assert len(error.splitlines()) == MAX_PRINTED + 860


# ------------------------------------------------------------------ documents


def test_a_document_reports_all_its_problems_in_one_pass():
    from analytics.errors import InputError
    from analytics.ingest.timelines import parse_timeline

    text = (
        "INCIDENT: four mistakes\n"  # 1
        "SEVERITY: SEV-7\n"  # 2: not 1..3
        "STARTED: 2026-11-03 14:00 UTC\n"  # 3
        "DETECTED: 2026-11-03 13:00 UTC — alert\n"  # 4: before STARTED
        "RESOLVED: yesterday\n"  # 5: not a timestamp
        "TEAM: a\n"  # 6
        "TEAM: b\n"  # 7: given twice
    )
    with pytest.raises(InputError) as err:
        parse_timeline(text, "x.md", now=NOW)
    assert [line.split(": ", 1)[0] + ": " + line.split(": ", 2)[1] for line in
            str(err.value).splitlines()] == [
        "x.md:2: SEVERITY 'SEV-7' is not one of SEV-1, SEV-2, SEV-3",
        "x.md:4: DETECTED '2026-11-03 13:00 UTC' is before STARTED '2026-11-03 14:00 UTC'",
        "x.md:5: RESOLVED 'yesterday' is not a timestamp; accepted",
        "x.md:7: TEAM given twice (lines 6 and 7)",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("started", "extra", "expected"),
    [
        (
            "1900-01-01 00:00 UTC",
            "",
            "d.md:2: STARTED '1900-01-01 00:00 UTC': 1900-01-01 00:00Z is out of range "
            "(1970-01-01 .. 2028-12-01)",
        ),
        (
            "2026-11-03 14:00 UTC",
            "RESOLVED: 9999-12-31 23:59 UTC\n",
            "d.md:3: RESOLVED '9999-12-31 23:59 UTC': 9999-12-31 23:59Z is out of range "
            "(1970-01-01 .. 2028-12-01)",
        ),
        (
            "2026-11-03 14:00 UTC",
            "TIMELINE:\n[9999-01-01 10:00] — from the far future\n",
            "d.md:4: TIMELINE entry '[9999-01-01 10:00] — from the far future': "
            "9999-01-01 10:00Z is out of range (1970-01-01 .. 2028-12-01)",
        ),
    ],
)
def test_a_document_timestamp_out_of_range_rejects_the_document(started, extra, expected):
    from analytics.errors import InputError
    from analytics.ingest.timelines import parse_timeline

    with pytest.raises(InputError) as err:
        parse_timeline(f"SEVERITY: SEV-2\nSTARTED: {started}\n{extra}", "d.md", now=NOW)
    assert str(err.value) == expected


def test_every_problem_of_a_rejected_document_is_printed(tmp_path, raw):
    (raw / "timelines").mkdir()
    (raw / "timelines" / "two.md").write_text("TEAM: a\nRESOLVED: soon\n")
    db = tmp_path / "w.duckdb"
    report = _ingest([raw], db)
    assert [e.removeprefix(str(raw) + "/").split(";")[0] for e in report.rejections] == [
        "timelines/two.md:1: SEVERITY is missing",
        "timelines/two.md:1: STARTED is missing",
        "timelines/two.md:2: RESOLVED 'soon' is not a timestamp",
    ]
    [(status, rejected)] = _rows(
        db, "select status, rejected from ingest_log where file like '%two.md'"
    )
    assert (status, rejected) == ("rejected", 1)


# ------------------------------------------------------------------ calendars


def _calendar(*events: str) -> str:
    return "BEGIN:VCALENDAR\nX-WR-CALNAME:payments\n" + "".join(events) + "END:VCALENDAR\n"


def _event(uid: str, start: str, end: str, who: str = "Alice", extra: str = "") -> str:
    return (
        f"BEGIN:VEVENT\nUID:{uid}\nSUMMARY:{who}\nDTSTART:{start}\nDTEND:{end}\n{extra}END:VEVENT\n"
    )


def test_a_year_of_daily_shifts_expands_in_a_few_windows(monkeypatch):
    # The library's lazy iterator halved its window at every event (down to 15 minutes) and
    # asked all 365 series each time: ~53 s. Windows now grow while they hold few events:
    # from 1 h doubling, 2^14 h > 731 days, so at most ~15 queries, not thousands.
    import recurring_ical_events

    from analytics.ingest.ics import parse_ics

    calls = []
    real = recurring_ical_events.CalendarQuery.between

    def counted(self, *args):
        calls.append(args)
        return real(self, *args)

    monkeypatch.setattr(recurring_ical_events.CalendarQuery, "between", counted)
    days = [datetime(2026, 1, 1, tzinfo=UTC) + i * (datetime(2026, 1, 2) - datetime(2026, 1, 1))
            for i in range(366)]  # fmt: skip
    text = _calendar(
        *(_event(f"u{i}", f"{a:%Y%m%dT%H%M%SZ}", f"{b:%Y%m%dT%H%M%SZ}")
          for i, (a, b) in enumerate(itertools.pairwise(days)))
    )  # fmt: skip
    rows = parse_ics(text, "daily.ics", team=None).rotations
    assert len(rows) == 365
    assert rows[0].start_at == days[0] and rows[-1].end_at == days[-1]
    assert len(calls) <= 16


def test_ics_expansion_is_bounded_in_time(monkeypatch):
    from analytics.errors import InputError
    from analytics.ingest import ics

    monkeypatch.setattr(ics, "MAX_EXPAND_SECONDS", 0)
    text = _calendar(
        _event("h", "20260101T000000Z", "20260101T010000Z", extra="RRULE:FREQ=HOURLY\n")
    )
    with pytest.raises(InputError, match=r"^hourly.ics:1: expanding its events took more than 0 s"):
        ics.parse_ics(text, "hourly.ics", team=None)


def test_ics_shifts_ending_before_they_start_are_all_rejected():
    # Were dropped without a word (a shift of the rotation silently missing).
    from analytics.errors import InputError
    from analytics.ingest.ics import parse_ics

    text = _calendar(
        _event("a", "20261102T000000Z", "20261101T000000Z"),  # lines 3-8
        _event("b", "20261103T000000Z", "20261104T000000Z"),  # lines 9-14: fine
        _event("c", "20261105T000000Z", "20261104T230000Z"),  # lines 15-20
    )
    with pytest.raises(InputError) as err:
        parse_ics(text, "back.ics", team=None)
    assert str(err.value).splitlines() == [
        "back.ics:3: DTEND 2026-11-01 00:00Z is before DTSTART 2026-11-02 00:00Z: a shift "
        "cannot end before it starts",
        "back.ics:15: DTEND 2026-11-04 23:00Z is before DTSTART 2026-11-05 00:00Z: a shift "
        "cannot end before it starts",
    ]


def test_ics_shifts_too_long_or_out_of_range_reject_the_calendar(tmp_path, raw):
    # An event in 9999 lay beyond the expansion window and vanished without a word.
    (raw / "rotations").mkdir()
    (raw / "rotations" / "long.ics").write_text(
        _calendar(_event("a", "20261101T000000Z", "20270101T000000Z"))  # 61 days
    )
    (raw / "rotations" / "old.ics").write_text(
        _calendar(_event("a", "19000101T000000Z", "19000102T000000Z"))
    )
    db = tmp_path / "w.duckdb"
    report = _ingest([raw], db)
    assert [e.removeprefix(str(raw) + "/") for e in report.rejections] == [
        "rotations/long.ics:3: shift of Alice of 61.0 days is longer than [rotations] "
        "max_shift_days = 31 (a typo in a date?)",
        "rotations/old.ics:3: DTSTART 1900-01-01 00:00Z is out of range (1970-01-01 .. 2031-12-01)",
        "rotations/old.ics:3: DTEND 1900-01-02 00:00Z is out of range (1970-01-01 .. 2031-12-01)",
    ]
    assert _rows(db, "select count(*) from src_rotations") == [(0,)]
    assert _rows(db, "select page_id from src_pages") == [("g1",)]


def test_vendor_records_out_of_range_reject_their_file(tmp_path, raw):
    import json

    (raw / "opsgenie").mkdir()
    alert = {"id": "a1", "tinyId": "1", "message": "m", "createdAt": "9999-01-01T00:00:00Z",
             "report": {"ackTime": 60000, "acknowledgedBy": "alice"}, "responders": [],
             "teams": [], "owner": "alice"}  # fmt: skip
    (raw / "opsgenie" / "alerts.json").write_text(json.dumps({"data": [alert]}))
    db = tmp_path / "w.duckdb"
    report = _ingest([raw], db)
    assert report.rejections  # sent_at, and the acknowledgement a minute later
    assert all(e.startswith(f"{raw}/opsgenie/alerts.json:1: page ") for e in report.rejections)
    assert (
        "sent_at 9999-01-01 00:00Z is out of range (1970-01-01 .. 2028-12-01)"
        in (report.rejections[0])
    )
    assert _rows(db, "select page_id from src_pages") == [("g1",)]


# ------------------------------------------------------------------ people


def test_people_files_that_disagree_about_a_person_warn_naming_both(tmp_path):
    raw = tmp_path / "raw"
    (raw / "a").mkdir(parents=True)
    (raw / "b").mkdir()
    (raw / "a" / "people.csv").write_text(
        "engineer,employee_id,team,timezone\nAlice Chen,E1,payments,Europe/Berlin\nBob,E2,search,\n"
    )
    (raw / "b" / "people.csv").write_text(  # Bob: empty timezone = UTC, the same facts
        "engineer,employee_id,team,timezone\nBob,E2,Search,UTC\nalice chen,E9,payments,UTC\n"
    )
    db = tmp_path / "w.duckdb"
    report = _ingest([raw], db)
    assert report.rejections == [] and report.exit_code == 0
    assert [w.replace(str(raw) + "/", "") for w in report.warnings] == [
        "b/people.csv:3: alice chen: employee_id 'E9' here, 'E1' there, timezone 'UTC' here, "
        "'Europe/Berlin' there (a/people.csv:2); the people files disagree and a/people.csv "
        "wins (first in path order)"
    ]
    # The first file in path order is the one the people view shows.
    assert _rows(db, "select employee_id, timezone from people where name_key = 'alice chen'") == [
        ("E1", "Europe/Berlin")
    ]


def test_a_jira_row_out_of_range_is_rejected_alone(tmp_path, raw):
    (raw / "action_items").mkdir()
    (raw / "action_items" / "jira.csv").write_text(
        "Issue key,Summary,Status,Assignee,Due date,Created,Resolved\n"
        "OPS-1,Fix,Done,Alice,2026-11-20,2026-11-04T10:00:00Z,2026-11-10T12:00:00Z\n"  # line 2
        "OPS-2,Fix,Done,Alice,2026-11-20,9999-11-04T10:00:00Z,\n"  # line 3: out of range
    )
    db = tmp_path / "w.duckdb"
    report = _ingest([raw], db)
    assert [e.removeprefix(str(raw) + "/") for e in report.rejections] == [
        "action_items/jira.csv:3: OPS-2: created_at 9999-11-04 10:00Z is out of range "
        "(1970-01-01 .. 2028-12-01)"
    ]
    assert _rows(db, "select ticket from src_tracker_items") == [("OPS-1",)]


def test_the_summary_counts_no_rows_of_a_file_rejected_after_staging(tmp_path, raw):
    # A document rejected at load (its incident_id is another file's) after its rows were
    # staged: the summary printed "rows loaded: 0 incidents".
    (raw / "timelines").mkdir()
    doc = "ID: X\nSEVERITY: SEV-2\nSTARTED: 2026-11-03 14:00\n"
    (raw / "timelines" / "a.md").write_text(doc)
    (raw / "timelines" / "b.md").write_text(doc)
    db = tmp_path / "w.duckdb"
    assert run_cli("ingest", str(raw / "timelines" / "a.md"), "--db", str(db)).returncode == 0
    again = run_cli("ingest", str(raw / "timelines" / "b.md"), "--db", str(db))
    assert again.returncode == 1 and "also in" in again.stderr
    assert "rows loaded" not in again.stdout, again.stdout


def test_a_document_with_a_nul_byte_is_rejected_at_its_line():
    # Was loaded with the NUL line silently ignored (here: the ID, so the id became the stem).
    from analytics.errors import InputError
    from analytics.ingest.timelines import parse_timeline

    with pytest.raises(InputError) as err:
        parse_timeline(b"SEVERITY: SEV-2\n\x00ID: X\nSTARTED: 2026-11-03 14:00\n", "n.md", now=NOW)
    assert str(err.value) == "n.md:2: NUL byte: not text; expected the incident template"
