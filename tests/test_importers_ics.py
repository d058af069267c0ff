"""ICS schedule importer: our own calendars always; Grafana OnCall (AGPL) ones when present."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.errors import InputError
from analytics.ingest import ics
from analytics.ingest.ics import parse_ics

OURS = Path(__file__).parent / "fixtures" / "importers" / "ics"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rows(name: str, *, team: str | None = None, window=None, folder: Path = OURS):
    result = parse_ics((folder / name).read_bytes(), name, team=team, window=window)
    return [(r.team, r.engineer, r.start_at, r.end_at, r.is_override) for r in result.rotations]


def test_pagerduty_feed_utc_summary_and_attendee() -> None:
    assert rows("pagerduty_feed_utc.ics") == [
        # X-WR-CALNAME "On Call Schedule for SRE Primary" → team "sre primary"
        ("sre primary", "Alice Ng", utc(2026, 11, 2, 14), utc(2026, 11, 9, 14), False),
        ("sre primary", "Bob Ortiz", utc(2026, 11, 9, 14), utc(2026, 11, 16, 14), False),
        # empty SUMMARY: the ATTENDEE, mailto: stripped
        ("sre primary", "dan@example.com", utc(2026, 11, 16, 14), utc(2026, 11, 17, 14), False),
    ]


def test_team_argument_wins_over_calendar_name() -> None:
    assert {r[0] for r in rows("pagerduty_feed_utc.ics", team=" Payments ")} == {"payments"}


def test_tzid_with_vtimezone_winter_and_summer() -> None:
    assert rows("tzid_vtimezone.ics", team="Berlin Ops") == [
        # 09:00 CET (+01:00) and 09:00 CEST (+02:00)
        ("berlin ops", "Carol Diaz", utc(2026, 1, 5, 8), utc(2026, 1, 5, 16), False),
        ("berlin ops", "Carol Diaz", utc(2026, 7, 6, 7), utc(2026, 7, 6, 15), False),
    ]


def test_no_team_anywhere_is_an_error() -> None:
    with pytest.raises(InputError) as err:
        parse_ics((OURS / "tzid_vtimezone.ics").read_bytes(), "tzid_vtimezone.ics", team=None)
    assert err.value.line == 1
    assert "no team" in err.value.reason
    assert "--team NAME" in err.value.reason


def test_all_day_events_are_utc_days() -> None:
    assert rows("all_day.ics") == [
        ("search", "Erin Park", utc(2026, 11, 2), utc(2026, 11, 4), False),
        # no DTEND on a DATE: one day. The CANCELLED event is left out.
        ("search", "Frank Li", utc(2026, 11, 4), utc(2026, 11, 5), False),
    ]


def test_weekly_rrule_exdate_recurrence_id_and_override() -> None:
    result = parse_ics(
        (OURS / "weekly_rrule_exdate_edit.ics").read_bytes(), "weekly.ics", team=None
    )
    got = [(r.engineer, r.start_at, r.end_at, r.is_override) for r in result.rotations]
    assert got == [
        # 09:00 America/New_York after DST ended (EST, -05:00) = 14:00Z
        ("Alice Ng", utc(2026, 11, 2, 14), utc(2026, 11, 3, 14), False),
        # RECURRENCE-ID 2026-11-09 edited: Bob, 12:00 local
        ("Bob Ortiz", utc(2026, 11, 9, 17), utc(2026, 11, 10, 14), False),
        # 2026-11-16 removed by EXDATE
        ("Alice Ng", utc(2026, 11, 23, 14), utc(2026, 11, 24, 14), False),
        ("Carol Diaz", utc(2026, 11, 23, 20), utc(2026, 11, 23, 23), True),  # LOCATION:overrides
        ("Alice Ng", utc(2026, 11, 30, 14), utc(2026, 12, 1, 14), False),  # UNTIL is inclusive
    ]
    assert {r.team for r in result.rotations} == {"platform"}
    # line_no: the edit's own VEVENT for Bob, the series' VEVENT for the others
    assert [r.line_no for r in result.rotations] == [22, 32, 22, 41, 22]
    assert result.warnings == []


def test_explicit_window_limits_expansion() -> None:
    window = (utc(2026, 11, 20), utc(2026, 11, 25))
    got = rows("weekly_rrule_exdate_edit.ics", window=window)
    assert [(r[1], r[2]) for r in got] == [
        ("Alice Ng", utc(2026, 11, 23, 14)),
        ("Carol Diaz", utc(2026, 11, 23, 20)),
    ]


def test_a_rule_expanding_to_millions_of_shifts_is_refused_before_filling_memory(
    monkeypatch,
) -> None:
    # three lines of RRULE that would be 63 million one-second "shifts" over the default window;
    # the cap is lowered so the test stays fast (expanding an event costs ~60 us)
    monkeypatch.setattr(ics, "MAX_SHIFTS", 2_000)
    text = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "X-WR-CALNAME:platform",
            "BEGIN:VEVENT",
            "UID:flood",
            "SUMMARY:Alice Ng",
            "DTSTART:20260101T000000Z",
            "DTEND:20260101T000001Z",
            "RRULE:FREQ=SECONDLY",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )
    with pytest.raises(InputError) as err:
        parse_ics(text, "flood.ics", team=None)
    assert err.value.line == 4  # the VEVENT of the rule
    assert "more than 2,000 shifts" in str(err.value)


def test_crlf_and_folded_lines() -> None:
    assert rows("crlf_folded.ics") == [
        (
            "edge team",
            "Henrietta Featherstonehaugh-Montgomery",
            utc(2026, 12, 1),
            utc(2026, 12, 1, 12),
            False,
        ),
        ("edge team", "Ivan Petrov", utc(2026, 12, 1, 12), utc(2026, 12, 2), True),
    ]
    # the same calendar with LF endings gives the same rows
    lf = (OURS / "crlf_folded.ics").read_bytes().replace(b"\r\n", b"\n")
    assert len(parse_ics(lf, "lf.ics", team=None).rotations) == 2


@pytest.mark.parametrize(
    ("text", "needle", "line"),
    [
        ("hello", "BEGIN:VCALENDAR", 1),
        (
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:2026XX\nEND:VEVENT\nEND:VCALENDAR\n",
            "DTSTART",
            2,
        ),
        (
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nSUMMARY:a\nEND:VEVENT\nEND:VCALENDAR\n",
            "DTSTART",
            2,
        ),
    ],
)
def test_malformed_is_input_error(text: str, needle: str, line: int) -> None:
    with pytest.raises(InputError) as err:
        parse_ics(text, "bad.ics", team="t")
    assert needle in err.value.reason
    assert err.value.line == line


_lines = st.lists(
    st.sampled_from(
        [
            "BEGIN:VEVENT", "END:VEVENT", "DTSTART:20261102T140000Z", "DTEND:20261103T140000Z",
            "DTSTART;VALUE=DATE:20261102", "DTSTART;TZID=Nowhere/City:20261102T090000",
            "RRULE:FREQ=DAILY;COUNT=3", "RRULE:FREQ=WEEKLY", "RRULE:garbage",
            "EXDATE:20261103T140000Z", "RECURRENCE-ID:20261103T140000Z", "SUMMARY:a: b",
            "ATTENDEE:mailto:x@y", "UID:u1", "DTEND:20261101T000000Z", "DURATION:PT1H",
            "BEGIN:VTIMEZONE", "END:VTIMEZONE", "X-WR-CALNAME:t",
        ]
    )
    | st.text(max_size=20),
    max_size=12,
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_lines)
def test_fuzz_structured(lines: list[str]) -> None:
    text = "\n".join(["BEGIN:VCALENDAR", *lines, "END:VCALENDAR"])
    with contextlib.suppress(InputError):
        parse_ics(text, "fuzz.ics", team="t")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_bytes(data: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_ics(b"BEGIN:VCALENDAR\n" + data, "fuzz.ics", team=None)


# ------------------------------------------ Google Calendar exports (as Grafana OnCall reads them)
# Our own files in the shapes of the Grafana OnCall test calendars (AGPL, not copied): see
# fixtures/importers/ics/PROVENANCE.md.


def test_google_recurring_event_with_tzid() -> None:
    window = (utc(2021, 1, 24), utc(2021, 1, 27))
    got = rows("google_daily_tzid.ics", window=window)
    # 13:00-22:00 Asia/Yekaterinburg (+05:00) daily; "@" stripped from "@Bernard ..."
    assert got == [
        ("t", "Bernard Desruisseaux", utc(2021, 1, d, 8), utc(2021, 1, d, 17), False)
        for d in (24, 25, 26)
    ]


def test_google_unbounded_rrule_default_window_is_two_years() -> None:
    path = OURS / "google_daily_tzid.ics"
    result = parse_ics(path.read_bytes(), path.name, team=None)
    assert result.rotations[0].start_at == utc(2021, 1, 24, 8)
    assert result.rotations[-1].start_at < utc(2023, 1, 25)
    # 2021-01-24 .. 2023-01-24 inclusive: 365 + 365 + 1 days
    assert len(result.rotations) == 731
    assert any("no UNTIL or COUNT" in w.message for w in result.warnings)


def test_google_recurrence_id_edit() -> None:
    window = (utc(2021, 1, 26), utc(2021, 1, 29))
    got = rows("google_daily_edited.ics", window=window)
    assert [(r[1], r[2]) for r in got] == [
        ("Bernard Desruisseaux", utc(2021, 1, 26, 8)),
        ("Bob", utc(2021, 1, 27, 8)),  # the RECURRENCE-ID instance replaced Bernard
        ("Bernard Desruisseaux", utc(2021, 1, 28, 8)),
    ]


def test_google_all_day_events() -> None:
    window = (utc(2021, 1, 27), utc(2021, 1, 28))
    got = rows("google_all_day_mixed.ics", window=window)
    assert ("t", "Alex", utc(2021, 1, 27), utc(2021, 1, 28), False) in got
    assert ("t", "Alice", utc(2021, 1, 27), utc(2021, 1, 29), False) in got
    assert ("t", "Bob", utc(2021, 1, 27, 8), utc(2021, 1, 27, 17), False) in got


def test_google_crlf() -> None:
    path = OURS / "google_crlf_many.ics"
    assert b"\r\n" in path.read_bytes()
    result = parse_ics(path.read_bytes(), path.name, team=None)
    assert len(result.rotations) == 26
    first = result.rotations[0]
    assert (first.team, first.engineer, first.start_at, first.end_at) == (
        "test quality", "user1", utc(2022, 8, 1, 12, 30), utc(2022, 8, 1, 13, 30),
    )  # fmt: skip


def test_google_email_summary_kept_as_written() -> None:
    path = OURS / "google_email_summary.ics"
    [row] = parse_ics(path.read_bytes(), path.name, team=None).rotations
    assert (row.engineer, row.start_at) == ("Test@TEST.test", utc(2023, 2, 6, 11))
