"""The marts of SPEC §5/§6/§11, row by row, with expectations worked out by hand.

Calendar used below: 2026-11-20 is a Friday, 2026-11-23 a Monday, 2026-11-26 US Thanksgiving;
Europe/Berlin changes to summer time on 2026-03-29 at 01:00 UTC and back on 2026-10-25 at
01:00 UTC. Business hours default to Mon-Fri 09:00-17:00 UTC.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from metrics_helpers import incident, one, page, set_as_of, ts, warehouse

from analytics import db
from analytics.policy import DEFAULT_POLICY

MARTS = (
    "business_windows",
    "incident_responses",
    "incident_metrics",
    "page_metrics",
    "action_item_status",
    "oncall_load",
)


def inc(incident_id: str, severity: int, started: str, **kw) -> dict:
    return {"incident_id": incident_id, "severity": severity, "started_at": started, **kw}


# --- response ------------------------------------------------------------------------------


def test_sev1_ack_at_exactly_15_minutes_is_met_one_second_later_breached():
    con = warehouse(
        incidents=[
            # detected 10:00, acknowledged 10:15:00 -> tta 900 s = target 900 s -> met
            inc(
                "on-time",
                1,
                "2026-11-20 09:50",
                detected_at="2026-11-20 10:00",
                acknowledged_at="2026-11-20 10:15",
            ),
            inc(
                "late",
                1,
                "2026-11-20 09:50",
                detected_at="2026-11-20 10:00",
                acknowledged_at=ts("2026-11-20 10:15") + timedelta(seconds=1),
            ),
        ],
        as_of="2026-12-01 00:00",
    )
    on_time = incident(con, "on-time")
    assert on_time["tta_s"] == 900.0
    assert on_time["ttd_s"] == 600.0
    assert on_time["response_target_s"] == 900.0
    assert on_time["response_elapsed_s"] == 900.0
    assert on_time["response_status"] == "met"
    assert incident(con, "late")["response_status"] == "breached"


def test_sev3_friday_afternoon_to_monday_morning_counts_business_hours():
    # Fri 16:30-17:00 = 0.5 h, weekend 0, Mon 09:00-10:00 = 1 h -> 1.5 h = 5400 s <= 4 h -> met;
    # tta_s stays wall clock: 2 days 17.5 h = 235800 s
    con = warehouse(
        incidents=[
            inc(
                "sev3",
                3,
                "2026-11-20 16:00",
                detected_at="2026-11-20 16:30",
                acknowledged_at="2026-11-23 10:00",
            ),
        ],
        as_of="2026-12-01 00:00",
    )
    row = incident(con, "sev3")
    assert row["response_elapsed_s"] == 5400.0
    assert row["response_target_s"] == 4 * 3600.0
    assert row["tta_s"] == 235800.0
    assert row["response_status"] == "met"


def test_sev3_clock_of_a_late_acknowledgement_does_not_depend_on_as_of():
    # Detected Mon 2026-01-05 10:00, acknowledged Mon 2026-04-06 10:00: exactly 13 weeks of
    # 40 business hours (Mon 10-17 = 7 h, Tue-Fri 4 x 8 = 32 h, next Mon 09-10 = 1 h) =
    # 520 h = 1,872,000 s. The business calendar used to end 60 days after the last
    # detection or as_of, so an early as_of cut the clock at early March.
    rows = [
        inc(
            "late",
            3,
            "2026-01-05 09:00",
            detected_at="2026-01-05 10:00",
            acknowledged_at="2026-04-06 10:00",
        )
    ]
    for as_of in ("2026-01-06 00:00", "2027-01-01 00:00"):
        row = incident(warehouse(incidents=rows, as_of=as_of), "late")
        assert row["response_elapsed_s"] == 1_872_000.0, as_of
        assert row["response_status"] == "breached"


def test_sev3_detected_on_a_weekend_starts_counting_on_monday():
    # Sat 12:00 -> Mon 12:00: 3 business hours (Mon 09-12) -> met;
    # Sat 12:00 -> Mon 13:30: 4.5 h -> breached
    con = warehouse(
        incidents=[
            inc(
                "a",
                3,
                "2026-11-21 11:00",
                detected_at="2026-11-21 12:00",
                acknowledged_at="2026-11-23 12:00",
            ),
            inc(
                "b",
                3,
                "2026-11-21 11:00",
                detected_at="2026-11-21 12:00",
                acknowledged_at="2026-11-23 13:30",
            ),
        ],
        as_of="2026-12-01 00:00",
    )
    assert incident(con, "a")["response_elapsed_s"] == 3 * 3600.0
    assert incident(con, "a")["response_status"] == "met"
    assert incident(con, "b")["response_elapsed_s"] == 4.5 * 3600.0
    assert incident(con, "b")["response_status"] == "breached"


def test_sev3_public_holiday_is_not_a_business_day_when_a_country_is_set():
    # Wed 2026-11-25 16:00 -> Fri 2026-11-27 11:00.
    # No country: Wed 1 h + Thu 8 h + Fri 2 h = 11 h -> breached.
    # US: Thanksgiving Thu is a holiday: Wed 1 h + Fri 2 h = 3 h -> met.
    rows = [
        inc(
            "thx",
            3,
            "2026-11-25 15:00",
            detected_at="2026-11-25 16:00",
            acknowledged_at="2026-11-27 11:00",
        ),
    ]
    plain = warehouse(incidents=rows, as_of="2026-12-01 00:00")
    assert incident(plain, "thx")["response_elapsed_s"] == 11 * 3600.0
    assert incident(plain, "thx")["response_status"] == "breached"
    us = warehouse(
        incidents=rows,
        policy=dataclasses.replace(DEFAULT_POLICY, holidays_country="US"),
        as_of="2026-12-01 00:00",
    )
    assert incident(us, "thx")["response_elapsed_s"] == 3 * 3600.0
    assert incident(us, "thx")["response_status"] == "met"
    assert one(us, "select count(*) from business_windows where business_date = '2026-11-26'") == 0


def test_business_hours_follow_the_policy_zone_across_dst():
    # Europe/Berlin 09:00-17:00 is 08:00-16:00 UTC in winter and 07:00-15:00 UTC in summer
    policy = dataclasses.replace(DEFAULT_POLICY, business_timezone="Europe/Berlin")
    con = warehouse(
        incidents=[
            # Mon 2026-11-23 07:30 UTC (08:30 local) -> 09:00 UTC: business from 08:00 UTC = 1 h
            inc(
                "winter",
                3,
                "2026-11-23 07:00",
                detected_at="2026-11-23 07:30",
                acknowledged_at="2026-11-23 09:00",
            ),
            # Mon 2026-03-30 (summer time) 06:30 UTC -> 08:00 UTC: business from 07:00 UTC = 1 h
            inc(
                "summer",
                3,
                "2026-03-30 06:00",
                detected_at="2026-03-30 06:30",
                acknowledged_at="2026-03-30 08:00",
            ),
        ],
        policy=policy,
        as_of="2026-12-01 00:00",
    )
    assert incident(con, "winter")["response_elapsed_s"] == 3600.0
    assert incident(con, "summer")["response_elapsed_s"] == 3600.0
    windows = dict(
        con.execute(
            "select business_date, window_start_at from business_windows "
            "where business_date in ('2026-03-27', '2026-03-30')"
        ).fetchall()
    )
    assert windows[date(2026, 3, 27)] == ts("2026-03-27 08:00")
    assert windows[date(2026, 3, 30)] == ts("2026-03-30 07:00")


def test_unacknowledged_is_pending_until_the_target_has_elapsed_then_breached():
    con = warehouse(
        incidents=[
            inc("sev2", 2, "2026-11-23 09:55", detected_at="2026-11-23 10:00"),
            # SEV-3 Fri 16:30: as_of Mon 11:00 -> 2.5 business h (pending), Mon 12:31 -> 4 h 1 min
            inc("sev3", 3, "2026-11-20 16:00", detected_at="2026-11-20 16:30"),
        ],
        as_of="2026-11-23 10:20",
    )
    # 20 min of 30: pending
    assert incident(con, "sev2")["response_status"] == "pending"
    assert incident(con, "sev2")["response_elapsed_s"] == 1200.0
    assert incident(con, "sev2")["tta_s"] is None
    set_as_of(con, "2026-11-23 10:30")
    # exactly 30 min: an acknowledgement now would still be met -> pending
    assert incident(con, "sev2")["response_status"] == "pending"
    set_as_of(con, "2026-11-23 10:31")
    assert incident(con, "sev2")["response_status"] == "breached"
    set_as_of(con, "2026-11-23 11:00")
    assert incident(con, "sev3")["response_elapsed_s"] == 2.5 * 3600
    assert incident(con, "sev3")["response_status"] == "pending"
    set_as_of(con, "2026-11-23 12:31")
    assert incident(con, "sev3")["response_elapsed_s"] == 4 * 3600 + 60
    assert incident(con, "sev3")["response_status"] == "breached"


# --- status cadence ------------------------------------------------------------------------


def test_status_cadence_gap_equal_to_interval_is_met():
    # points 10:00 (detected), 10:15, 10:30 (updates), 10:45 (resolved): largest gap 900 s = 15 min
    con = warehouse(
        incidents=[
            inc(
                "ok",
                1,
                "2026-11-23 09:55",
                detected_at="2026-11-23 10:00",
                acknowledged_at="2026-11-23 10:05",
                resolved_at="2026-11-23 10:45",
            ),
            inc(
                "gap",
                1,
                "2026-11-23 09:55",
                detected_at="2026-11-23 10:00",
                acknowledged_at="2026-11-23 10:05",
                resolved_at="2026-11-23 10:45",
            ),
            inc(
                "minor",
                3,
                "2026-11-23 09:55",
                detected_at="2026-11-23 10:00",
                resolved_at="2026-11-23 12:00",
            ),
        ],
        events=[
            {"incident_id": "ok", "occurred_at": "2026-11-23 10:15", "kind": "status_update"},
            {"incident_id": "ok", "occurred_at": "2026-11-23 10:30", "kind": "status_update"},
            # 10:00 -> 10:16 is 16 min > 15
            {"incident_id": "gap", "occurred_at": "2026-11-23 10:16", "kind": "status_update"},
            {"incident_id": "gap", "occurred_at": "2026-11-23 10:30", "kind": "status_update"},
            {"incident_id": "gap", "occurred_at": "2026-11-23 10:20", "kind": "note"},
        ],
        as_of="2026-12-01 00:00",
    )
    ok = incident(con, "ok")
    assert ok["status_update_interval_s"] == 900.0
    assert ok["status_update_max_gap_s"] == 900.0
    assert ok["status_update_count"] == 2
    assert ok["status_cadence_status"] == "met"
    gap = incident(con, "gap")
    assert gap["status_update_max_gap_s"] == 960.0
    assert gap["status_cadence_status"] == "breached"
    assert incident(con, "minor")["status_cadence_status"] == "n/a"
    assert incident(con, "minor")["status_update_interval_s"] is None


def test_open_incident_cadence_runs_to_as_of():
    # SEV-2 open, detected 10:00, update 10:30: as_of 10:50 -> gaps 30, 20 min: pending (open);
    # as_of 11:01 -> last gap 31 min > 30: breached
    con = warehouse(
        incidents=[
            inc(
                "open",
                2,
                "2026-11-23 09:55",
                detected_at="2026-11-23 10:00",
                acknowledged_at="2026-11-23 10:10",
            )
        ],
        events=[
            {"incident_id": "open", "occurred_at": "2026-11-23 10:30", "kind": "status_update"}
        ],
        as_of="2026-11-23 10:50",
    )
    assert incident(con, "open")["status_update_max_gap_s"] == 1800.0
    assert incident(con, "open")["status_cadence_status"] == "pending"
    set_as_of(con, "2026-11-23 11:01")
    assert incident(con, "open")["status_update_max_gap_s"] == 31 * 60.0
    assert incident(con, "open")["status_cadence_status"] == "breached"


# --- post-mortem ---------------------------------------------------------------------------


def test_postmortem_timeliness():
    resolved = "2026-11-23 10:00"
    base = {"detected_at": "2026-11-23 09:00", "resolved_at": resolved}
    con = warehouse(
        incidents=[
            # due 2026-11-25 10:00; published exactly then -> met
            inc("exact", 1, "2026-11-23 08:00", postmortem_published_at="2026-11-25 10:00", **base),
            inc(
                "late",
                2,
                "2026-11-23 08:00",
                postmortem_published_at=ts("2026-11-25 10:00") + timedelta(seconds=1),
                **base,
            ),
            inc("unpublished", 2, "2026-11-23 08:00", **base),
            inc("unresolved", 1, "2026-11-23 08:00", detected_at="2026-11-23 09:00"),
            inc("minor", 3, "2026-11-23 08:00", **base),
        ],
        as_of="2026-11-25 09:00",
    )
    assert incident(con, "exact")["postmortem_due_at"] == ts("2026-11-25 10:00")
    assert incident(con, "exact")["postmortem_status"] == "met"
    assert incident(con, "late")["postmortem_status"] == "breached"
    # 47 h after resolution: not due yet
    assert incident(con, "unpublished")["postmortem_status"] == "pending"
    assert incident(con, "unresolved")["postmortem_status"] == "pending"
    assert incident(con, "unresolved")["postmortem_due_at"] is None
    assert incident(con, "minor")["postmortem_status"] == "n/a"
    set_as_of(con, "2026-11-25 11:00")
    assert incident(con, "unpublished")["postmortem_status"] == "breached"
    assert incident(con, "unresolved")["postmortem_status"] == "pending"


# --- escalation ----------------------------------------------------------------------------


def test_escalation_statuses():
    ack = {"detected_at": "2026-11-23 09:55", "acknowledged_at": "2026-11-23 10:00"}
    con = warehouse(
        incidents=[
            # mitigated 10:20 <= 10:30: no escalation needed
            inc("quick", 1, "2026-11-23 09:50", mitigated_at="2026-11-23 10:20", **ack),
            # no MITIGATED, RESOLVED 10:25: mitigation time is RESOLVED -> n/a
            inc("resolved", 1, "2026-11-23 09:50", resolved_at="2026-11-23 10:25", **ack),
            # mitigated 11:00, timeline escalation 10:25 -> met
            inc("event", 1, "2026-11-23 09:50", mitigated_at="2026-11-23 11:00", **ack),
            # mitigated 11:00, its page escalated at exactly 10:30 -> met
            inc("paged", 2, "2026-11-23 09:50", mitigated_at="2026-11-23 11:00", **ack),
            # mitigated 11:00, escalated 10:31 (too late) -> breached
            inc("late", 2, "2026-11-23 09:50", mitigated_at="2026-11-23 11:00", **ack),
            # another incident's escalated page does not count -> breached
            inc("other", 2, "2026-11-23 09:50", mitigated_at="2026-11-23 11:00", **ack),
            # escalated before the acknowledgement still counts -> met
            inc("early", 2, "2026-11-23 09:50", mitigated_at="2026-11-23 11:00", **ack),
            # never acknowledged -> n/a
            inc(
                "noack",
                2,
                "2026-11-23 09:50",
                detected_at="2026-11-23 09:55",
                mitigated_at="2026-11-23 11:00",
            ),
            # not mitigated: pending until 10:30, then breached without an escalation
            inc("open", 2, "2026-11-23 09:50", **ack),
        ],
        events=[
            {"incident_id": "event", "occurred_at": "2026-11-23 10:25", "kind": "escalation"},
            {"incident_id": "late", "occurred_at": "2026-11-23 10:31", "kind": "escalation"},
            {"incident_id": "early", "occurred_at": "2026-11-23 09:58", "kind": "escalation"},
        ],
        pages=[
            {
                "page_id": "p1",
                "sent_at": "2026-11-23 09:56",
                "recipient": "ann",
                "incident_id": "paged",
                "escalated_at": "2026-11-23 10:30",
            },
            {
                "page_id": "p2",
                "sent_at": "2026-11-23 09:56",
                "recipient": "ann",
                "incident_id": "quick",
                "escalated_at": "2026-11-23 10:05",
            },
        ],
        as_of="2026-11-23 10:20",
    )
    assert incident(con, "open")["escalation_status"] == "pending"
    set_as_of(con, "2026-12-01 00:00")
    expected = {
        "quick": "n/a",
        "resolved": "n/a",
        "event": "met",
        "paged": "met",
        "late": "breached",
        "other": "breached",
        "early": "met",
        "noack": "n/a",
        "open": "breached",
    }
    got = dict(
        con.execute("select incident_id, escalation_status from incident_metrics").fetchall()
    )
    assert got == expected
    assert incident(con, "event")["escalation_due_at"] == ts("2026-11-23 10:30")
    assert incident(con, "paged")["first_escalation_at"] == ts("2026-11-23 10:30")


def test_missing_detection_makes_response_and_cadence_not_applicable():
    con = warehouse(
        incidents=[
            inc(
                "nodetect",
                1,
                "2026-11-23 09:50",
                acknowledged_at="2026-11-23 10:00",
                resolved_at="2026-11-23 11:00",
            )
        ],
        as_of="2026-12-01 00:00",
    )
    row = incident(con, "nodetect")
    assert row["ttd_s"] is None and row["tta_s"] is None
    assert row["ttr_s"] == 70 * 60.0
    assert row["response_status"] == "n/a"
    assert row["status_cadence_status"] == "n/a"


# --- pages ---------------------------------------------------------------------------------


def test_page_ack_exactly_five_minutes_is_met():
    con = warehouse(
        pages=[
            {
                "page_id": "exact",
                "sent_at": "2026-11-23 10:00",
                "recipient": "ann",
                "acknowledged_at": "2026-11-23 10:05",
            },
            {
                "page_id": "late",
                "sent_at": "2026-11-23 10:00",
                "recipient": "ann",
                "acknowledged_at": ts("2026-11-23 10:05") + timedelta(seconds=1),
            },
            {"page_id": "waiting", "sent_at": "2026-11-23 10:00", "recipient": "ann"},
        ],
        as_of="2026-11-23 10:04",
    )
    assert page(con, "exact")["ack_s"] == 300.0
    assert page(con, "exact")["ack_status"] == "met"
    assert page(con, "late")["ack_status"] == "breached"
    assert page(con, "waiting")["ack_status"] == "pending"
    set_as_of(con, "2026-11-23 10:06")
    assert page(con, "waiting")["ack_status"] == "breached"


def test_overnight_pages_in_berlin_across_the_dst_change_nights():
    people = [{"engineer": "Jörg", "timezone": "Europe/Berlin"}]
    pages = [
        # spring forward 2026-03-29 01:00 UTC. 04:30 UTC = 06:30 CEST -> overnight;
        # 05:30 UTC = 07:30 CEST -> not (it would be 06:30 in winter time)
        ("spring-0630", "2026-03-29 04:30", True),
        ("spring-0730", "2026-03-29 05:30", False),
        # 00:30 UTC = 01:30 CET, before the change -> overnight
        ("spring-0130", "2026-03-29 00:30", True),
        # fall back 2026-10-25 01:00 UTC. 05:30 UTC = 06:30 CET -> overnight;
        # 06:30 UTC = 07:30 CET -> not (it would be 08:30 in summer time: also not);
        # 2026-10-24 20:30 UTC = 22:30 CEST -> overnight; 19:30 UTC = 21:30 CEST -> not
        ("fall-0630", "2026-10-25 05:30", True),
        ("fall-0730", "2026-10-25 06:30", False),
        ("fall-2230", "2026-10-24 20:30", True),
        ("fall-2130", "2026-10-24 19:30", False),
    ]
    con = warehouse(
        people=people,
        pages=[{"page_id": pid, "sent_at": sent, "recipient": " jörg "} for pid, sent, _ in pages]
        + [{"page_id": "stranger", "sent_at": "2026-03-29 05:30", "recipient": "nobody"}],
        as_of="2026-12-01 00:00",
    )
    for pid, _, overnight in pages:
        row = page(con, pid)
        assert row["is_overnight"] is overnight, pid
        assert row["recipient"] == "Jörg"
        assert row["recipient_timezone"] == "Europe/Berlin"
    assert page(con, "spring-0630")["recipient_local_time"] == datetime(2026, 3, 29, 6, 30)
    assert page(con, "fall-0630")["recipient_local_time"] == datetime(2026, 10, 25, 6, 30)
    assert page(con, "spring-0630")["hour_class"] == "sleep"
    # Sunday 07:30 local: not a business day -> off hours
    assert page(con, "spring-0730")["hour_class"] == "off"
    # someone not in people.csv is taken as UTC: 05:30 UTC -> overnight
    assert page(con, "stranger")["recipient_timezone"] == "UTC"
    assert page(con, "stranger")["is_overnight"] is True
    # the macros pay uses agree
    assert one(con, "select is_overnight(timestamptz '2026-03-29 04:30:00+00', 'Europe/Berlin')")
    assert not one(
        con, "select is_overnight(timestamptz '2026-03-29 05:30:00+00', 'Europe/Berlin')"
    )
    assert one(
        con, "select is_business_local(timestamptz '2026-11-23 08:00:00+00', 'Europe/Berlin')"
    )
    assert not one(
        con, "select is_business_local(timestamptz '2026-11-23 07:59:00+00', 'Europe/Berlin')"
    )


def test_page_metrics_local_times_match_icu_for_many_zones():
    # zones with half-hour, 45-minute and half-hour-DST offsets; a page every 37 min for a year
    zones = [
        "UTC",
        "Europe/Berlin",
        "America/St_Johns",
        "Asia/Kathmandu",
        "Australia/Lord_Howe",
        "Pacific/Chatham",
        "America/New_York",
    ]
    people = [{"engineer": f"e{i}", "timezone": z} for i, z in enumerate(zones)]
    con = warehouse(people=people, as_of="2027-01-01 00:00")
    con.execute(
        "insert into src_pages (page_id, sent_at, recipient, team, source_file) "
        "select 'p' || z || '-' || k, timestamptz '2026-01-01 00:00:00+00' + to_minutes(37 * k), "
        "'e' || z, 'core', 'pages.csv' from range($zones) as a(z), range(14200) as b(k)",
        {"zones": len(zones)},
    )
    assert one(con, "select count(*) from page_metrics") == 14200 * len(zones)
    mismatches = one(
        con,
        "select count(*) from page_metrics "
        "where recipient_local_time <> timezone(recipient_timezone, sent_at)",
    )
    assert mismatches == 0


# --- action items --------------------------------------------------------------------------


def test_action_item_status():
    con = warehouse(
        incidents=[inc("i1", 2, "2026-11-01 10:00", detected_at="2026-11-01 10:05")],
        items=[
            # open, due the day before as_of's date -> overdue; owner, due, ticket -> rule 3
            {"incident_id": "i1", "item_no": 1, "due_date": date(2026, 11, 22), "ticket": "OPS-1"},
            # open, due on as_of's date -> not overdue yet; no ticket
            {"incident_id": "i1", "item_no": 2, "due_date": date(2026, 11, 23)},
            # done in the tracker (Closed), resolved 2026-11-04 10:00 -> 3 days after the start
            {
                "incident_id": "i1",
                "item_no": 3,
                "due_date": date(2026, 11, 2),
                "ticket": "OPS-3",
                "owner": "  ",
            },
        ],
        tracker=[{"ticket": "OPS-3", "status": "Closed", "resolved_at": "2026-11-04 10:00"}],
        as_of="2026-11-23 08:00",
    )
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "select item_no, is_done, is_overdue, has_owner, has_due, has_ticket, meets_rule3, "
            "days_to_close, team from action_item_status"
        ).fetchall()
    }
    assert rows[1] == (False, True, True, True, True, True, None, "core")
    assert rows[2] == (False, False, True, True, False, False, None, "core")
    assert rows[3] == (True, False, False, True, True, False, 3.0, "core")


# --- on-call load --------------------------------------------------------------------------


def test_oncall_load_clips_shifts_to_weeks_and_classifies_on_each_recipients_clock():
    con = warehouse(
        people=[{"engineer": "Ann", "timezone": "America/New_York"}],
        shifts=[
            # Sun 2026-11-22 12:00 -> Tue 2026-11-24 12:00: 12 h in W47, 36 h in W48
            {
                "team": "core",
                "engineer": "Ann",
                "start_at": "2026-11-22 12:00",
                "end_at": "2026-11-24 12:00",
            },
        ],
        pages=[
            # Mon 14:00 UTC = 09:00 New York -> business
            {"page_id": "a", "sent_at": "2026-11-23 14:00", "recipient": "ann"},
            # Mon 04:00 UTC = Sun 23:00 New York -> sleep
            {"page_id": "b", "sent_at": "2026-11-23 04:00", "recipient": "Ann"},
            # Mon 23:00 UTC = 18:00 New York -> off hours
            {"page_id": "c", "sent_at": "2026-11-23 23:00", "recipient": "Ann"},
            # unknown recipient -> UTC: Tue 10:00 UTC business
            {"page_id": "d", "sent_at": "2026-11-24 10:00", "recipient": "bob"},
            # another team, W47 Saturday -> off
            {"page_id": "e", "sent_at": "2026-11-21 10:00", "recipient": "bob", "team": "web"},
        ],
        as_of="2026-12-01 00:00",
    )
    got = {
        (r[0], str(r[1])): r[2:]
        for r in con.execute(
            "select team, week_start, iso_week, oncall_hours, pages, pages_per_oncall_hour, "
            "business_pages, off_hours_pages, sleep_pages from oncall_load"
        ).fetchall()
    }
    assert got == {
        ("core", "2026-11-16"): ("2026-W47", 12.0, 0, 0.0, 0, 0, 0),
        ("core", "2026-11-23"): ("2026-W48", 36.0, 4, 4 / 36, 2, 1, 1),
        ("web", "2026-11-16"): ("2026-W47", 0.0, 1, None, 0, 1, 0),
    }


# --- policy, shadowing, read-only ----------------------------------------------------------


def _policy_scenario() -> dict:
    """Rows where every policy number decides at least one value of the marts."""
    ack = {"detected_at": "2026-11-23 10:00", "acknowledged_at": "2026-11-23 10:00"}
    return {
        "incidents": [
            # SEV-1 ack 15 min, cadence gap 15 min: met under defaults
            inc(
                "s1",
                1,
                "2026-11-23 09:50",
                detected_at="2026-11-23 10:00",
                acknowledged_at="2026-11-23 10:15",
                mitigated_at="2026-11-23 10:20",
                resolved_at="2026-11-23 10:30",
                postmortem_published_at="2026-11-24 16:30",
            ),
            # SEV-2 ack 25 min, cadence gaps 25 min, post-mortem 30 h after resolution
            inc(
                "s2",
                2,
                "2026-11-23 09:50",
                detected_at="2026-11-23 10:00",
                acknowledged_at="2026-11-23 10:25",
                mitigated_at="2026-11-23 10:40",
                resolved_at="2026-11-23 10:50",
                postmortem_published_at="2026-11-24 16:50",
            ),
            # SEV-3 Fri 16:30 -> Mon 10:00 (crosses a weekend and 09:00 and 17:00)
            inc(
                "s3",
                3,
                "2026-11-20 16:00",
                detected_at="2026-11-20 16:30",
                acknowledged_at="2026-11-23 10:00",
            ),
            # SEV-3 across Thanksgiving
            inc(
                "s3us",
                3,
                "2026-11-25 15:00",
                detected_at="2026-11-25 16:00",
                acknowledged_at="2026-11-27 11:00",
            ),
            # acknowledged at 10:00, mitigated 10:45, no escalation
            inc("esc", 2, "2026-11-23 09:50", mitigated_at="2026-11-23 10:45", **ack),
        ],
        "events": [
            {"incident_id": "s1", "occurred_at": "2026-11-23 10:15", "kind": "status_update"},
            {"incident_id": "s2", "occurred_at": "2026-11-23 10:25", "kind": "status_update"},
        ],
        "people": [{"engineer": "Ann", "timezone": "Europe/Berlin"}],
        "pages": [
            # ack 4 min
            {
                "page_id": "ack",
                "sent_at": "2026-11-23 10:00",
                "recipient": "Ann",
                "acknowledged_at": "2026-11-23 10:04",
            },
            # 21:30 UTC = 22:30 Berlin: overnight from 22:00, not from 23:00
            {"page_id": "late", "sent_at": "2026-11-23 21:30", "recipient": "Ann"},
            # 05:30 UTC = 06:30 Berlin: overnight until 07:00, not until 06:00
            {"page_id": "early", "sent_at": "2026-11-24 05:30", "recipient": "Ann"},
            # 00:30 Berlin on the 26th: Ann's second broken night of the ISO week (the first is
            # the night of the 23rd, late and early): over a limit of 1 night a week, not of 2
            {"page_id": "night2", "sent_at": "2026-11-25 23:30", "recipient": "Ann"},
        ],
        "items": [{"incident_id": "s1", "item_no": 1, "ticket": "OPS-9"}],
        "tracker": [{"ticket": "OPS-9", "status": "Closed"}],
        # hand-overs ann -> bob and fay -> hal, both at 11-23 09:00
        "shifts": [
            {
                "team": "core",
                "engineer": "ann",
                "start_at": "2026-11-16 09:00",
                "end_at": "2026-11-23 09:00",
            },
            {
                "team": "core",
                "engineer": "bob",
                "start_at": "2026-11-23 09:00",
                "end_at": "2026-11-30 09:00",
            },
            {
                "team": "ops",
                "engineer": "fay",
                "start_at": "2026-11-16 09:00",
                "end_at": "2026-11-23 09:00",
            },
            {
                "team": "ops",
                "engineer": "hal",
                "start_at": "2026-11-23 09:00",
                "end_at": "2026-11-30 09:00",
            },
        ],
        "handoffs": [
            # 26 h before: late under the 24 h default
            {"team": "core", "from_engineer": "ann", "written_at": "2026-11-22 07:00"},
            # 5 h after: late under the 4 h default
            {"team": "ops", "from_engineer": "fay", "written_at": "2026-11-23 14:00"},
        ],
    }


def _fingerprint(con: duckdb.DuckDBPyConnection) -> tuple:
    return (
        con.execute(
            "select incident_id, response_elapsed_s, response_status, status_cadence_status, "
            "postmortem_status, escalation_status from incident_metrics order by incident_id"
        ).fetchall(),
        con.execute(
            "select page_id, ack_status, is_overnight, hour_class from page_metrics order by 1"
        ).fetchall(),
        con.execute("select item_no, is_done from action_item_status").fetchall(),
        con.execute("select count(*), min(window_start_at) from business_windows").fetchall(),
        con.execute("select team, status from handoff_compliance order by team").fetchall(),
        con.execute(
            "select engineer, team, month, window_hours, team_fair_share_hours, limit_flags "
            "from oncall_fairness order by all"
        ).fetchall(),
        con.execute("select month, expired_hours from comp_time_ledger order by 1").fetchall(),
    )


POLICY_CHANGES = {
    "response_sev1_minutes": 10,
    "response_sev2_minutes": 20,
    "response_sev3_business_hours": 1,
    "page_ack_minutes": 3,
    "escalate_after_minutes": 60,
    "status_sev1_minutes": 10,
    "status_sev2_minutes": 20,
    "postmortem_deadline_hours": 24,
    "postmortem_severities": (1,),
    "business_timezone": "America/New_York",
    "business_start": time(10),
    "business_end": time(16),
    "business_weekdays": (1, 2, 3, 4, 5, 6),
    "holidays_country": "US",
    "overnight_start": time(23),
    "overnight_end": time(6),
    "tracker_done_statuses": ("Done",),
    "handoff_before_hours": 27,
    "handoff_after_hours": 6,
    # a 1-week window holds bob's week only: another fair share
    "fairness_weeks": 1,
    # ann's week 11-16 10:00 to 11-23 10:00 Berlin touches 8 local dates with >= 4 h (16th: 14 h)
    "max_consecutive_oncall_days": 7,
    # ann's nights of the 23rd and the 25th, one ISO week
    "max_interrupted_nights_per_week": 1,
    # ann's week: 168 h - 40 business hours (Mon 16 10-17, Tue-Fri 4 x 8, Mon 23 09-10) = 128
    "max_offhours_oncall_hours_per_4_weeks": 100,
    # Ann's lot of 11-23 (the "late" page) expires at the start of 11-25: 4 h expired
    "comp_time_expires_after_days": 1,
}


# The review-check numbers (SPEC §14) change the review views: tests/test_reviews.py.
REVIEW_POLICY_COLUMNS = {
    "postmortem_min_whys",
    "blame_phrases",
    "communication_within_minutes",
    "sev1_phrases",
    "sev2_phrases",
}


def test_every_policy_field_used_by_the_marts_is_covered():
    used = set(DEFAULT_POLICY.policy_row()) - {"policy_version", "done_statuses"}
    used -= REVIEW_POLICY_COLUMNS
    assert used | {"tracker_done_statuses"} == set(POLICY_CHANGES)


@pytest.mark.parametrize("field", sorted(POLICY_CHANGES))
def test_every_policy_number_changes_the_result(field):
    con = warehouse(**_policy_scenario(), as_of="2026-12-01 00:00")
    before = _fingerprint(con)
    changed = dataclasses.replace(DEFAULT_POLICY, **{field: POLICY_CHANGES[field]})
    # a reader given --policy shadows the stored policy with TEMP tables (db._shadow)
    db._shadow(con, None, changed)
    after = _fingerprint(con)
    assert after != before
    # the stored policy is untouched: dropping the shadow (the policy tables, and the incident
    # facts computed again under that policy) gives the old answer back
    for table in ("policy", "pay_rates", "holidays"):
        con.execute(f"drop table temp.{table}")
    for table in db.FACT_TABLES:
        con.execute(f"drop table if exists temp.{table}")
    assert _fingerprint(con) == before


@pytest.mark.parametrize("field", sorted(POLICY_CHANGES))
def test_facts_stored_under_one_policy_are_recomputed_under_another(field):
    # incident_facts is stored at ingest under the stored policy; a reader given another policy
    # must get exactly the rows of a warehouse whose stored policy is that one (from scratch)
    changed = dataclasses.replace(DEFAULT_POLICY, **{field: POLICY_CHANGES[field]})
    shadowed = warehouse(**_policy_scenario(), as_of="2026-12-01 00:00")
    db._shadow(shadowed, None, changed)
    scratch = warehouse(**_policy_scenario(), as_of="2026-12-01 00:00", policy=changed)
    for view in ("incident_responses", "incident_metrics"):
        sql = f"select * from {view} order by incident_id"
        assert shadowed.execute(sql).fetchall() == scratch.execute(sql).fetchall(), view


def test_plain_read_only_connection_sees_the_same_rows_as_the_reader(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    writer = duckdb.connect(str(path))
    warehouse(**_policy_scenario(), con=writer)
    writer.close()
    now = datetime.now(UTC)
    # every status here is decided long before now, so "now" a few ms apart cannot differ
    columns = (
        "incident_id, ttd_s, tta_s, ttm_s, ttr_s, response_elapsed_s, response_status, "
        "case when is_open then null else status_update_max_gap_s end, status_cadence_status, "
        "epoch(postmortem_due_at), "
        "postmortem_status, escalation_status"
    )
    plain = duckdb.connect(str(path), read_only=True)
    try:
        # another client time zone must not change anything: the marts never use it
        plain.execute("SET TimeZone='America/Los_Angeles'")
        raw = plain.execute(f"select {columns} from incident_metrics order by 1").fetchall()
        raw_pages = plain.execute(
            "select page_id, recipient_local_time, is_overnight, hour_class, ack_status "
            "from page_metrics order by 1"
        ).fetchall()
        raw_load = plain.execute("select * from oncall_load order by 1, 2").fetchall()
    finally:
        plain.close()
    with db.reader(path, as_of=now) as con:
        ours = con.execute(f"select {columns} from incident_metrics order by 1").fetchall()
        our_pages = con.execute(
            "select page_id, recipient_local_time, is_overnight, hour_class, ack_status "
            "from page_metrics order by 1"
        ).fetchall()
        our_load = con.execute("select * from oncall_load order by 1, 2").fetchall()
    assert raw == ours
    assert raw_pages == our_pages
    assert raw_load == our_load
    assert len(raw) == 5


def test_every_column_of_every_mart_has_a_comment():
    con = warehouse()
    missing = con.execute(
        "select table_name, column_name from duckdb_columns() "
        "where table_name in $marts and (comment is null or comment = '')",
        {"marts": list(MARTS)},
    ).fetchall()
    assert missing == []
    views = dict(
        con.execute(
            "select view_name, comment from duckdb_views() where view_name in $marts",
            {"marts": list(MARTS)},
        ).fetchall()
    )
    assert all(views[m] for m in MARTS)


# --- invariants ----------------------------------------------------------------------------

_STATUSES = {"met", "breached", "pending", "n/a"}


@st.composite
def _incidents(draw):
    base = ts("2026-11-01 00:00")
    rows = []
    for n in range(draw(st.integers(1, 8))):
        offsets = sorted(draw(st.lists(st.integers(0, 5 * 86400), min_size=5, max_size=5)))
        present = draw(st.lists(st.booleans(), min_size=4, max_size=4))
        started = base + timedelta(seconds=draw(st.integers(0, 20 * 86400)))
        at = [started + timedelta(seconds=o - offsets[0]) for o in offsets]
        rows.append(
            inc(
                f"i{n}",
                draw(st.integers(1, 3)),
                at[0],
                detected_at=at[1] if present[0] else None,
                acknowledged_at=at[2] if present[0] and present[1] else None,
                mitigated_at=at[3] if present[2] else None,
                resolved_at=at[4] if present[3] else None,
                postmortem_published_at=at[4] + timedelta(hours=draw(st.integers(0, 96)))
                if present[3]
                else None,
            )
        )
    return rows


_SHARED: dict[str, duckdb.DuckDBPyConnection] = {}


def _shared_warehouse(rows: list[dict], as_of: datetime) -> duckdb.DuckDBPyConnection:
    """One warehouse reused by every example (building one per example is slow)."""
    if "con" not in _SHARED:
        _SHARED["con"] = warehouse()
    con = _SHARED["con"]
    con.execute("delete from src_incidents")
    for r in rows:
        full = {
            "title": "t",
            "team": "core",
            "service": "api",
            "detected_at": None,
            "acknowledged_at": None,
            "mitigated_at": None,
            "resolved_at": None,
            "postmortem_published_at": None,
            **r,
            "source_file": f"{r['incident_id']}.md",
            "source_kind": "timeline",
        }
        cols = list(full)
        con.execute(
            f"insert into src_incidents ({', '.join(cols)}) "
            f"values ({', '.join('$' + c for c in cols)})",
            full,
        )
    db.store_facts(con)  # as ingest does after loading rows
    set_as_of(con, as_of)
    return con


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_incidents(), as_of_days=st.integers(0, 40))
def test_invariants_of_incident_metrics(rows, as_of_days):
    con = _shared_warehouse(rows, ts("2026-11-01 00:00") + timedelta(days=as_of_days))
    got = con.execute(
        "select ttd_s, tta_s, ttm_s, ttr_s, response_elapsed_s, status_update_max_gap_s, "
        "response_status, status_cadence_status, postmortem_status, escalation_status "
        "from incident_metrics"
    ).fetchall()
    assert len(got) == len(rows)
    for r in got:
        # ordered timestamps give non-negative durations
        assert all(v is None or v >= 0 for v in r[:4])
        assert all(s in _STATUSES for s in r[6:])
    from analytics import metrics

    start, end = ts("2026-10-01 00:00"), ts("2027-01-01 00:00")
    frame = metrics.compliance(con, start, end)
    rates = frame[[c for c in frame.columns if c.endswith("_rate")]].to_numpy().ravel()
    rates = rates[rates == rates]
    assert ((rates >= 0) & (rates <= 1)).all()
    assert frame["incidents"].sum() == len(rows)


def test_an_unknown_time_zone_is_read_as_utc_instead_of_breaking_the_view():
    con = warehouse(
        people=[{"engineer": "Odd", "timezone": "Mars/Olympus"}],
        pages=[{"page_id": "p", "sent_at": "2026-11-23 23:00", "recipient": "odd"}],
        as_of="2026-12-01 00:00",
    )
    assert page(con, "p")["recipient_timezone"] == "UTC"
    assert page(con, "p")["is_overnight"] is True
