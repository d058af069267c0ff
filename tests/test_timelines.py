"""Timeline documents (SPEC §3.1): the playbook template and the ways people really write it.

Expected values are worked out by hand in the comments next to them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from analytics.errors import InputError
from analytics.ingest.parsing import (
    parse_bool_detail,
    parse_count,
    parse_date,
    parse_duration,
    parse_money,
    parse_percent,
    parse_timestamp,
)
from analytics.ingest.timelines import default_classify, parse_timeline

NOW = datetime(2027, 1, 1, tzinfo=UTC)
POSTMORTEMS = Path(__file__).parent / "fixtures" / "postmortems"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


TEMPLATE = """\
INCIDENT: Checkout database connection pool exhausted
SEVERITY: SEV-2
STARTED: 2026-11-03 14:05 UTC
DETECTED: 2026-11-03 14:07 UTC — alert (PagerDuty, p95 latency)
ACKNOWLEDGED: 2026-11-03 14:12 UTC — Priya Raman
MITIGATED: 2026-11-03 15:30 UTC — rolled back release 4.12
RESOLVED: 2026-11-03 16:20 UTC
DURATION: 2h 15m

IMPACT:
- Users affected: 1,200
- Revenue impact: $12,000
- Data loss: yes, 40 carts lost

ROOT CAUSE:
A connection leak in the retry path of checkout-api.
The pool (max 50) was exhausted within 10 minutes of the 4.11 deploy.

TIMELINE:
[14:05] — Error rate on checkout rises to 30%
[14:07] — Alert fired; on-call paged
[14:20] — Escalated to the database team
[14:30] — Status page updated: investigating
[15:30] — Rolled back to 4.12

ACTION ITEMS:
- [ ] Fix the connection leak (PAY-412) — Owner: Priya Raman — Due: 2026-11-10
- [x] Alert on pool saturation — Owner: Sam O'Neil — Due: 2026-11-05
- [ ] Review SEV-2 paging policy — Owner: Lee
"""


def test_root_cause_prose_that_starts_like_a_header_stays_root_cause() -> None:
    text = TEMPLATE.replace(
        "The pool (max 50) was exhausted within 10 minutes of the 4.11 deploy.\n",
        "The pool (max 50) was exhausted within 10 minutes of the 4.11 deploy.\n"
        "Detected: only by the p95 alert; the pool gauge had no alert.\n"
        "Resolved: not by the restart, by the rollback.\n",
    )
    inc = parse_timeline(text, "t.md", now=NOW).incident
    assert inc.detected_at == utc(2026, 11, 3, 14, 7)  # the header's, not the prose's
    assert inc.resolved_at == utc(2026, 11, 3, 16, 20)
    assert inc.root_cause.endswith(
        "Detected: only by the p95 alert; the pool gauge had no alert.\n"
        "Resolved: not by the restart, by the rollback."
    )
    # outside ROOT CAUSE a repeated header is still an error naming both lines
    with pytest.raises(InputError, match=r"DETECTED given twice \(lines 4 and 9\)"):
        parse_timeline(
            TEMPLATE.replace(
                "DURATION: 2h 15m\n", "DURATION: 2h 15m\nDETECTED: 2026-11-03 14:08 UTC\n"
            ),
            "t.md",
            now=NOW,
        )


def test_playbook_template_every_field() -> None:
    doc = parse_timeline(TEMPLATE, "timelines/2026/2026-11-03-checkout-db.md", now=NOW)
    inc = doc.incident
    # Line numbers: header lines 1-8, IMPACT 10-13, ROOT CAUSE 15-17, TIMELINE 19-24,
    # ACTION ITEMS 26-29.
    assert inc.incident_id == "2026-11-03-checkout-db"  # bare stem, no folders or extension
    assert inc.title == "Checkout database connection pool exhausted"
    assert inc.severity == 2
    assert inc.team is None and inc.service is None
    assert inc.started_at == utc(2026, 11, 3, 14, 5)
    assert inc.detected_at == utc(2026, 11, 3, 14, 7)
    assert inc.detection_method == "alert (PagerDuty, p95 latency)"
    assert inc.acknowledged_at == utc(2026, 11, 3, 14, 12)
    assert inc.acknowledged_by == "Priya Raman"
    assert inc.mitigated_at == utc(2026, 11, 3, 15, 30)
    assert inc.mitigation == "rolled back release 4.12"
    assert inc.resolved_at == utc(2026, 11, 3, 16, 20)
    assert inc.stated_duration_s == 8100.0  # 2h 15m = 14:05 -> 16:20: no warning
    assert inc.users_affected == 1200
    assert inc.users_affected_pct is None
    assert inc.revenue_impact_usd == Decimal("12000.00")
    assert inc.data_loss is True
    assert inc.data_loss_detail == "40 carts lost"
    assert inc.root_cause == (
        "A connection leak in the retry path of checkout-api.\n"
        "The pool (max 50) was exhausted within 10 minutes of the 4.11 deploy."
    )
    assert inc.postmortem_published_at is None
    assert inc.source_file == "timelines/2026/2026-11-03-checkout-db.md"
    assert inc.source_kind == "timeline"

    assert [(e.occurred_at, e.kind, e.text, e.line_no) for e in doc.events] == [
        (utc(2026, 11, 3, 14, 5), "note", "Error rate on checkout rises to 30%", 20),
        (utc(2026, 11, 3, 14, 7), "page", "Alert fired; on-call paged", 21),
        (utc(2026, 11, 3, 14, 20), "escalation", "Escalated to the database team", 22),
        (utc(2026, 11, 3, 14, 30), "status_update", "Status page updated: investigating", 23),
        (utc(2026, 11, 3, 15, 30), "note", "Rolled back to 4.12", 24),
    ]
    assert all(e.incident_id == "2026-11-03-checkout-db" for e in doc.events)

    items = [
        (a.item_no, a.description, a.owner, a.due_date, a.ticket, a.done, a.line_no)
        for a in doc.action_items
    ]
    assert items == [
        (1, "Fix the connection leak (PAY-412)", "Priya Raman", date(2026, 11, 10), "PAY-412",
         False, 27),
        (2, "Alert on pool saturation", "Sam O'Neil", date(2026, 11, 5), None, True, 28),
        (3, "Review SEV-2 paging policy", "Lee", None, None, False, 29),  # SEV-2 is no ticket
    ]  # fmt: skip
    assert doc.warnings == []


def test_optional_headers_id_team_service_postmortem() -> None:
    text = (
        "ID: INC-2026-0042\nTEAM:  Payments \nSERVICE: Checkout-API\n"
        "SEVERITY: SEV1\nSTARTED: 2026-11-03 14:05\nRESOLVED: 2026-11-03 15:00\n"
        "POSTMORTEM: 2026-11-05 10:00 — published in #engineering\n"
    )
    inc = parse_timeline(text, "x.md", now=NOW).incident
    assert inc.incident_id == "INC-2026-0042"
    assert inc.team == "payments"  # trimmed, lower-cased
    assert inc.service == "checkout-api"
    assert inc.severity == 1
    assert inc.postmortem_published_at == utc(2026, 11, 5, 10, 0)
    assert inc.title is None


def test_minimal_document_missing_every_optional_section() -> None:
    doc = parse_timeline("SEVERITY: SEV-3\nSTARTED: 2026-11-03 14:05\n", "min.txt", now=NOW)
    inc = doc.incident
    assert (inc.incident_id, inc.severity, inc.started_at) == ("min", 3, utc(2026, 11, 3, 14, 5))
    assert inc.resolved_at is None and inc.detected_at is None and inc.root_cause is None
    assert inc.users_affected is None and inc.revenue_impact_usd is None
    assert inc.data_loss is None and inc.stated_duration_s is None
    assert doc.events == [] and doc.action_items == [] and doc.warnings == []


@pytest.mark.parametrize(
    "spelling",
    ["SEV-1", "SEV1", "Sev 1", "sev-1", "SEV 1", "sev_1", "**SEV-1**", "SEV-1 (critical)", "1"],
)
def test_severity_spellings(spelling: str) -> None:
    doc = parse_timeline(f"SEVERITY: {spelling}\nSTARTED: 2026-11-03 14:05\n", "a.md", now=NOW)
    assert doc.incident.severity == 1


@pytest.mark.parametrize("sep", [" — ", " – ", " -- ", " - ", "—", " | ", ", "])
def test_separators_between_timestamp_and_detail(sep: str) -> None:
    text = (
        "SEVERITY: SEV-2\nSTARTED: 2026-11-03 14:05\n"
        f"DETECTED: 2026-11-03 14:07{sep}customer report\n"
        f"ACKNOWLEDGED: 2026-11-03T14:12:00Z{sep}Ana Lima\n"
        f"MITIGATED: 2026-11-03 15:30 UTC{sep}failover to replica\n"
        "TIMELINE:\n"
        f"[14:05]{sep}first\n"
        f"14:06{sep}second\n"
        "ACTION ITEMS:\n"
        f"- [ ] Do it{sep}Owner: Ana{sep}Due: 2026-11-10\n"
    )
    doc = parse_timeline(text, "a.md", now=NOW)
    inc = doc.incident
    assert (inc.detected_at, inc.detection_method) == (utc(2026, 11, 3, 14, 7), "customer report")
    assert (inc.acknowledged_at, inc.acknowledged_by) == (utc(2026, 11, 3, 14, 12), "Ana Lima")
    assert inc.mitigation == "failover to replica"
    assert [(e.occurred_at.minute, e.text) for e in doc.events] == [(5, "first"), (6, "second")]
    item = doc.action_items[0]
    assert (item.description, item.owner, item.due_date) == ("Do it", "Ana", date(2026, 11, 10))


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("severity: SEV-2", "lower"),
        ("Severity: SEV-2", "title"),
        ("**SEVERITY:** SEV-2", "bold, colon inside"),
        ("**Severity**: SEV-2", "bold, colon outside"),
        ("- **Severity**: SEV-2", "bulleted bold"),
        ("* Severity: SEV-2", "star bullet"),
        ("## SEVERITY: SEV-2", "heading with value"),
        ("__Severity__: SEV-2", "underscore bold"),
    ],
)
def test_header_key_case_and_markdown_dressing(line: str, key: str) -> None:
    doc = parse_timeline(f"{line}\nSTARTED: 2026-11-03 14:05\n", "a.md", now=NOW)
    assert doc.incident.severity == 2, key


MARKDOWN = """\
# Payments API outage

**INCIDENT:** Payments API returning 503s
**SEVERITY:** Sev 1
**STARTED:** 2026-11-03T22:40:00Z
**DETECTED:** 2026-11-03T22:41:00Z – synthetic check
**ACKNOWLEDGED:** 2026-11-03T22:44:30Z – Jo Park
**RESOLVED:** 2026-11-04T00:25:00Z
**DURATION:** 1:45

## IMPACT
- **Users affected**: 12%
- **Revenue impact**: ~$3.5k
- **Data loss**: none

## Root Cause

Expired TLS certificate on the internal load balancer.

Renewal job had been failing silently since October.

## Timeline

- [22:40] – Certificate expires
- [22:41] – Synthetic check fails; Jo paged
- [23:59] – Escalated to security
- [00:10] – Certificate replaced
- [00:25] – Status Page set to resolved

### Action items
* [ ] Monitor certificate expiry — Owner: Jo Park — Due: Nov 20, 2026
* [X] Fix renewal job — Owner: Ana
"""


def test_markdown_dressed_document_with_midnight() -> None:
    doc = parse_timeline(MARKDOWN, "pay.md", now=NOW)
    inc = doc.incident
    assert inc.title == "Payments API returning 503s"  # INCIDENT wins over the # heading
    assert inc.severity == 1
    assert inc.started_at == utc(2026, 11, 3, 22, 40)
    assert (inc.detected_at, inc.detection_method) == (utc(2026, 11, 3, 22, 41), "synthetic check")
    assert (inc.acknowledged_at, inc.acknowledged_by) == (utc(2026, 11, 3, 22, 44, 30), "Jo Park")
    assert inc.resolved_at == utc(2026, 11, 4, 0, 25)
    assert inc.stated_duration_s == 6300.0  # 1:45 = 105 min = 22:40 -> 00:25
    assert (inc.users_affected, inc.users_affected_pct) == (None, 12.0)
    assert inc.revenue_impact_usd == Decimal("3500.00")
    assert (inc.data_loss, inc.data_loss_detail) == (False, None)
    assert inc.root_cause == (
        "Expired TLS certificate on the internal load balancer.\n\n"
        "Renewal job had been failing silently since October."
    )
    # 22:40, 22:41, 23:59 on the 3rd; the clock goes back at 00:10 -> the 4th.
    assert [e.occurred_at for e in doc.events] == [
        utc(2026, 11, 3, 22, 40),
        utc(2026, 11, 3, 22, 41),
        utc(2026, 11, 3, 23, 59),
        utc(2026, 11, 4, 0, 10),
        utc(2026, 11, 4, 0, 25),
    ]
    assert [e.kind for e in doc.events] == ["note", "page", "escalation", "note", "status_update"]
    assert [(a.description, a.owner, a.due_date, a.done) for a in doc.action_items] == [
        ("Monitor certificate expiry", "Jo Park", date(2026, 11, 20), False),
        ("Fix renewal job", "Ana", None, True),
    ]
    assert doc.warnings == []


def test_midnight_rolls_each_time_the_clock_goes_back() -> None:
    text = (
        "SEVERITY: SEV-2\nSTARTED: 2026-12-31 23:00\nTIMELINE:\n"
        "[23:00] — a\n[23:00] — same minute: no roll\n[01:00] — b\n[23:30] — c\n"
        "[00:15] — d\n[2027-01-05 09:00] — full timestamp resets the day\n[08:00] — e\n"
    )
    events = parse_timeline(text, "a.md", now=utc(2030, 1, 1)).events
    assert [e.occurred_at for e in events] == [
        utc(2026, 12, 31, 23, 0),
        utc(2026, 12, 31, 23, 0),
        utc(2027, 1, 1, 1, 0),  # back from 23:00 to 01:00: next day, across the year end
        utc(2027, 1, 1, 23, 30),
        utc(2027, 1, 2, 0, 15),
        utc(2027, 1, 5, 9, 0),
        utc(2027, 1, 6, 8, 0),  # back from 09:00 to 08:00 after the full timestamp
    ]


def test_hhmm_date_comes_from_started_in_utc() -> None:
    # STARTED 00:30+02:00 is 22:30 UTC on the 2nd, so [23:00] is the 2nd in UTC.
    text = "SEVERITY: SEV-2\nSTARTED: 2026-11-03T00:30:00+02:00\nTIMELINE:\n[23:00] - x\n"
    doc = parse_timeline(text, "a.md", now=NOW)
    assert doc.incident.started_at == utc(2026, 11, 2, 22, 30)
    assert doc.events[0].occurred_at == utc(2026, 11, 2, 23, 0)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("[14:05] — x", utc(2026, 11, 3, 14, 5)),
        ("[14:05:30] — x", utc(2026, 11, 3, 14, 5, 30)),
        ("[2026-11-04 09:15] — x", utc(2026, 11, 4, 9, 15)),
        ("[2026-11-03T14:05Z] x", utc(2026, 11, 3, 14, 5)),
        ("[2026-11-03T15:05:00+01:00] x", utc(2026, 11, 3, 14, 5)),
        ("14:05 - x", utc(2026, 11, 3, 14, 5)),
        ("14:05 UTC — x", utc(2026, 11, 3, 14, 5)),
        ("- 14:05 — x", utc(2026, 11, 3, 14, 5)),
        ("2026-11-03 14:05 — x", utc(2026, 11, 3, 14, 5)),
        ("| 14:05 | x |", utc(2026, 11, 3, 14, 5)),
        ("| 2026-11-03 14:05 | x |", utc(2026, 11, 3, 14, 5)),
    ],
)
def test_timeline_entry_forms(entry: str, expected: datetime) -> None:
    text = f"SEVERITY: SEV-2\nSTARTED: 2026-11-03 14:00\nTIMELINE:\n{entry}\n"
    doc = parse_timeline(text, "a.md", now=NOW)
    assert [(e.occurred_at, e.text) for e in doc.events] == [(expected, "x")]
    assert doc.warnings == []


TABLE = """\
SEVERITY: SEV-3
STARTED: 2026-11-03 09:00
## Timeline

| Time             | Event                         |
| :--------------- | ----------------------------- |
| 2026-11-03 09:00 | Disk fills on worker-3        |
| 2026-11-03 09:20 | Escalated to storage on-call  |
| 2026-11-03 09:18 | Status page updated           |
| HH:mm            | Placeholder row               |

## Action Items

- Add disk alerting
- Rotate logs hourly (done)
"""


def test_markdown_table_timeline_and_plain_bullets() -> None:
    doc = parse_timeline(TABLE, "disk.md", now=NOW)
    # Rows are kept in document order and at the times written (out of order, no roll-over).
    assert [(e.occurred_at, e.kind, e.line_no) for e in doc.events] == [
        (utc(2026, 11, 3, 9, 0), "note", 7),
        (utc(2026, 11, 3, 9, 20), "escalation", 8),
        (utc(2026, 11, 3, 9, 18), "status_update", 9),
    ]
    assert [str(w) for w in doc.warnings] == [
        "disk.md:10: TIMELINE entry '| HH:mm            | Placeholder row               |' "
        "skipped: 'HH:mm' is not a time (expected HH:MM or YYYY-MM-DD HH:MM)"
    ]
    assert [(a.description, a.done) for a in doc.action_items] == [
        ("Add disk alerting", False),
        ("Rotate logs hourly (done)", True),
    ]


def test_crlf_and_bom_bytes() -> None:
    raw = ("\ufeff" + TEMPLATE).replace("\n", "\r\n").encode("utf-8")
    doc = parse_timeline(raw, "crlf.md", now=NOW)
    plain = parse_timeline(TEMPLATE, "crlf.md", now=NOW)
    assert doc == plain
    assert doc.incident.title == "Checkout database connection pool exhausted"  # BOM gone


def test_bom_in_str_input_and_extra_blank_lines() -> None:
    text = (
        "\ufeff\n\n\nSEVERITY:   SEV-2  \n\n\n\nSTARTED:  2026-11-03 14:05  \n\n\n"
        "TIMELINE:\n\n[14:06] x\n"
    )
    doc = parse_timeline(text, "a.md", now=NOW)
    assert doc.incident.severity == 2
    assert [e.line_no for e in doc.events] == [13]  # the BOM line is line 1


def test_undecodable_bytes_name_line_and_offset() -> None:
    with pytest.raises(InputError) as err:
        parse_timeline(b"SEVERITY: SEV-2\nSTARTED: \xe9\n", "bad.md")
    assert str(err.value) == "bad.md:2: not valid UTF-8: byte 0xe9 at byte offset 25"


def test_warnings_do_not_reject() -> None:
    text = """\
SEVERITY: SEV-2
STARTED: 2026-11-03 14:05
RESOLVED: 2026-11-03 16:20
DURATION: 2h
IMPACT:
- Users affected: lots
- Revenue impact: €500
- Data loss: maybe
TIMELINE:
[14:05] — ok
someone forgot the time here
[25:99] — impossible clock
ACTION ITEMS:
- [ ] Fix — Owner: Ana — Due: next sprint
"""
    doc = parse_timeline(text, "w.md", now=NOW)
    assert doc.incident.stated_duration_s == 7200.0
    assert doc.incident.users_affected is None and doc.incident.revenue_impact_usd is None
    assert (doc.incident.data_loss, doc.incident.data_loss_detail) == (None, "maybe")
    assert len(doc.events) == 1
    assert doc.action_items[0].due_date is None
    assert [str(w) for w in doc.warnings] == [
        # 14:05 -> 16:20 is 2h 15m; stated 2h: 15 minutes off.
        "w.md:4: DURATION '2h' (2h) differs from RESOLVED − STARTED (2h 15m) by more than 1 minute",
        "w.md:6: Users affected 'lots' is not a count; accepted: 1,200, ~3k, 12%, unknown; "
        "kept as unknown",
        "w.md:7: Revenue impact '€500' is not a dollar amount; accepted: $12,000, ~$3.5k, "
        "unknown; kept as unknown",
        "w.md:8: Data loss 'maybe' is not yes/no; accepted: yes, <details> | no | none | unknown; "
        "kept as unknown",
        "w.md:11: TIMELINE entry 'someone forgot the time here' skipped: no time; "
        "expected [HH:MM] — event",
        "w.md:12: TIMELINE entry '[25:99] — impossible clock' skipped: '25:99' is not a valid "
        "time of day (00:00 to 23:59)",
        "w.md:14: ACTION ITEMS due date 'next sprint' is not a date; accepted: 2026-11-10, "
        "2026/11/10, Nov 10, 2026, 10 Nov 2026; kept without a due date",
    ]


def test_duration_within_one_minute_is_not_warned() -> None:
    text = "SEVERITY: SEV-2\nSTARTED: 2026-11-03 14:05\nRESOLVED: 2026-11-03 16:20\n"
    for stated in ("2h 15m", "135 minutes", "2:15", "2h 16m", "2h 14m"):
        doc = parse_timeline(text + f"DURATION: {stated}\n", "a.md", now=NOW)
        assert doc.warnings == [], stated
    doc = parse_timeline(text + "DURATION: 2h 16m 1s\n", "a.md", now=NOW)
    assert len(doc.warnings) == 1  # 61 s off


def test_timestamps_later_than_now_are_warned() -> None:
    text = (
        "SEVERITY: SEV-2\nSTARTED: 2026-11-03 14:05\nRESOLVED: 2026-11-03 16:20\n"
        "TIMELINE:\n[16:00] x\n"
    )
    doc = parse_timeline(text, "f.md", now=utc(2026, 11, 3, 15, 0))
    assert [str(w) for w in doc.warnings] == [
        "f.md:3: RESOLVED 2026-11-03 16:20 UTC is later than now (2026-11-03 15:00 UTC)",
        "f.md:5: TIMELINE entry at 2026-11-03 16:00 UTC is later than now (2026-11-03 15:00 UTC)",
    ]


def test_later_steps_out_of_order_warn() -> None:
    text = (
        "SEVERITY: SEV-2\nSTARTED: 2026-11-03 14:05\nDETECTED: 2026-11-03 14:30 — alert\n"
        "ACKNOWLEDGED: 2026-11-03 14:20 — Ana\n"
    )
    doc = parse_timeline(text, "o.md", now=NOW)
    assert [str(w) for w in doc.warnings] == [
        "o.md:4: ACKNOWLEDGED 2026-11-03 14:20 UTC is before DETECTED 2026-11-03 14:30 UTC"
    ]


def test_detected_equal_to_started_is_fine_and_open_incident() -> None:
    text = (
        "SEVERITY: SEV-2\nSTARTED: 2026-11-03 14:05\nDETECTED: 2026-11-03 14:05 — alert\n"
        "RESOLVED: ongoing\nDURATION: unknown\n"
    )
    inc = parse_timeline(text, "a.md", now=NOW).incident
    assert inc.detected_at == inc.started_at
    assert inc.resolved_at is None and inc.stated_duration_s is None


def test_custom_classifier_is_used() -> None:
    text = "SEVERITY: SEV-2\nSTARTED: 2026-11-03 14:05\nTIMELINE:\n[14:05] — Status page up\n"
    doc = parse_timeline(text, "a.md", classify=lambda t: "page", now=NOW)
    assert doc.events[0].kind == "page"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Updated the STATUS PAGE", "status_update"),
        ("status page: escalated", "status_update"),  # first rule wins
        ("Escalation to DBA", "escalation"),
        ("Paged the secondary", "page"),
        ("pages sent", "note"),
        ("", "note"),
    ],
)
def test_default_classify(text: str, kind: str) -> None:
    assert default_classify(text) == kind


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("- [ ] A — Owner: Bo — Due: 2026-11-10", ("A", "Bo", date(2026, 11, 10), None, False)),
        ("- [x] A (OPS-7) -- Owner: Bo", ("A (OPS-7)", "Bo", None, "OPS-7", True)),
        ("* [X] A | Owner: Bo | Due: 10 Nov 2026", ("A", "Bo", date(2026, 11, 10), None, True)),
        ("- [ ] SEV-1 follow-up for INFRA2-99", ("SEV-1 follow-up for INFRA2-99", None, None,
                                                 "INFRA2-99", False)),
        ("- [ ] A — Due: TBD", ("A", None, None, None, False)),
        ("1. [ ] A, Owner: Bo, Due: 2026/11/10", ("A", "Bo", date(2026, 11, 10), None, False)),
        ("- [] A", ("A", None, None, None, False)),
    ],
)  # fmt: skip
def test_action_item_forms(line: str, expected: tuple) -> None:
    text = f"SEVERITY: SEV-2\nSTARTED: 2026-11-03 14:05\nACTION ITEMS:\n{line}\n"
    doc = parse_timeline(text, "a.md", now=NOW)
    (a,) = doc.action_items
    assert (a.description, a.owner, a.due_date, a.ticket, a.done) == expected
    assert (a.item_no, a.line_no) == (1, 4)


@pytest.mark.parametrize(
    ("file", "stem"),
    [("a.md", "a"), ("timelines/2026/x.y.md", "x.y"), ("C:\\data\\inc-7.txt", "inc-7"), ("n", "n")],
)
def test_incident_id_is_the_bare_stem(file: str, stem: str) -> None:
    doc = parse_timeline("SEVERITY: SEV-2\nSTARTED: 2026-11-03 14:05\n", file, now=NOW)
    assert doc.incident.incident_id == stem


def test_required_headers_missing_is_line_1_even_with_other_errors() -> None:
    with pytest.raises(InputError) as err:
        parse_timeline("TEAM: a\nSTARTED: nonsense\n", "m.md")
    # Every problem is reported, in line order (issue 16: one round trip, not one per mistake).
    assert str(err.value).splitlines() == [
        "m.md:1: SEVERITY is missing; expected a line such as 'SEVERITY: SEV-2'",
        "m.md:2: STARTED 'nonsense' is not a timestamp; accepted: 2026-11-03 14:05 UTC, "
        "2026-11-03 14:05[:30[.123]], 2026-11-03T14:05:00Z, 2026-11-03T15:05:00+01:00",
    ]


# --- shared helpers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-03 14:05 UTC", utc(2026, 11, 3, 14, 5)),
        ("2026-11-03 14:05", utc(2026, 11, 3, 14, 5)),
        ("2026-11-03 14:05:30", utc(2026, 11, 3, 14, 5, 30)),
        ("2026-11-03T14:05:00Z", utc(2026, 11, 3, 14, 5)),
        ("2026-11-03T15:05:00+01:00", utc(2026, 11, 3, 14, 5)),
        ("2026-11-03T15:05:00+0100", utc(2026, 11, 3, 14, 5)),
        ("2026-11-03T09:05:00-05:00", utc(2026, 11, 3, 14, 5)),
        ("2026-11-03 14:05:30.5", utc(2026, 11, 3, 14, 5, 30, 500000)),
        ("2026-11-03T14:05:30.123456789Z", utc(2026, 11, 3, 14, 5, 30, 123456)),
        ("2026-11-03 15:05 Europe/Copenhagen", utc(2026, 11, 3, 14, 5)),
        ("2026-07-03 16:05 CET", utc(2026, 7, 3, 14, 5)),  # CET observes summer time
        ("2026-11-03t14:05z", utc(2026, 11, 3, 14, 5)),
        ("  `2026-11-03 14:05`  ", utc(2026, 11, 3, 14, 5)),
    ],
)
def test_parse_timestamp_forms(text: str, expected: datetime) -> None:
    got = parse_timestamp(text)
    assert got == expected and got.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    ["", "2026-11-03", "14:05", "2026-11-03 14:05 PST", "03/11/2026 14:05", "2026-02-30 10:00"],
)
def test_parse_timestamp_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="accepted: 2026-11-03 14:05 UTC"):
        parse_timestamp(text)


def test_parse_timestamp_default_zone() -> None:
    cet = timezone(timedelta(hours=1))
    assert parse_timestamp("2026-11-03 15:05", default_tz=cet) == utc(2026, 11, 3, 14, 5)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2h 15m", 8100.0),
        ("2h15m", 8100.0),
        ("135 minutes", 8100.0),
        ("1:05", 3900.0),
        ("1:05:30", 3930.0),
        ("45m", 2700.0),
        ("45 min", 2700.0),
        ("2 hours, 15 minutes", 8100.0),
        ("1.5h", 5400.0),
        ("1d 2h", 93600.0),
        ("90s", 90.0),
        ("~3h", 10800.0),
        ("unknown", None),
        ("N/A", None),
    ],
)
def test_parse_duration(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["135", "two hours", "1:75", "2h 15", "h"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "count"),
    [("1,200", 1200), ("~3k", 3000), ("1.2M users", 1_200_000), ("about 40", 40),
     ("3.5K", 3500), ("unknown", None), ("0", 0)],
)  # fmt: skip
def test_parse_count(text: str, count: int | None) -> None:
    assert parse_count(text) == count


def test_parse_percent_and_users_with_both() -> None:
    assert parse_percent("12%") == 12.0
    assert parse_percent("~12.5 % of EU users") == 12.5
    text = "SEVERITY: SEV-2\nSTARTED: 2026-11-03 14:05\n- Users affected: 1,200 (12%)\n"
    inc = parse_timeline(text, "a.md", now=NOW).incident
    assert (inc.users_affected, inc.users_affected_pct) == (1200, 12.0)
    text = text.replace("1,200 (12%)", "12% (~1,200 users)")
    inc = parse_timeline(text, "a.md", now=NOW).incident
    assert (inc.users_affected, inc.users_affected_pct) == (1200, 12.0)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("$12,000", Decimal("12000.00")),
        ("~$3.5k", Decimal("3500.00")),
        ("$0", Decimal("0.00")),
        ("none", Decimal("0.00")),
        ("unknown", None),
        ("12000 USD", Decimal("12000.00")),
        ("$1.2M", Decimal("1200000.00")),
        ("$99.999", Decimal("100.00")),
        ("$4,500 in refunds", Decimal("4500.00")),
    ],
)
def test_parse_money(text: str, amount: Decimal | None) -> None:
    got = parse_money(text)
    assert got == amount
    if got is not None:
        assert got.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes, 200 rows lost", (True, "200 rows lost")),
        ("Yes — replica diverged", (True, "replica diverged")),
        ("no", (False, None)),
        ("No (replicas intact)", (False, "replicas intact")),
        ("none", (False, None)),
        ("unknown", (None, None)),
    ],
)
def test_parse_bool_detail(text: str, expected: tuple) -> None:
    assert parse_bool_detail(text) == expected


@pytest.mark.parametrize(
    ("text", "day"),
    [("2026-11-10", date(2026, 11, 10)), ("Nov 10, 2026", date(2026, 11, 10)),
     ("10 November 2026", date(2026, 11, 10)), ("2026/11/10", date(2026, 11, 10))],
)  # fmt: skip
def test_parse_date(text: str, day: date) -> None:
    assert parse_date(text) == day


# --- the DFDS post-mortems (MIT, copied with provenance) in fixtures/postmortems ----------


def _postmortems() -> list[Path]:
    return sorted(POSTMORTEMS.glob("dfds_*.md"))


def test_dfds_postmortems_as_is_are_rejected_at_line_1() -> None:
    files = _postmortems()
    assert files
    for path in files:
        with pytest.raises(InputError) as err:
            parse_timeline(path.read_bytes(), path.name)
        assert str(err.value).splitlines()[0] == (
            f"{path.name}:1: SEVERITY is missing; expected a line such as 'SEVERITY: SEV-2'"
        )


def _with_headers(path: Path, started: str) -> str:
    return f"SEVERITY: SEV-2\nSTARTED: {started}\n" + path.read_text(encoding="utf-8")


def test_dfds_cet_timeline_is_converted() -> None:
    _postmortems()
    path = POSTMORTEMS / "dfds_PM2020-004_CoreDNS_upgrade_issue.md"
    doc = parse_timeline(_with_headers(path, "2020-02-03 10:21"), path.name, now=NOW)
    assert doc.incident.incident_id == "dfds_PM2020-004_CoreDNS_upgrade_issue"
    assert doc.incident.title == "CoreDNS upgrade issue"  # from the "# " heading
    # "All times in CET." -> February is CET = UTC+1: 11:21 CET is 10:21 UTC.
    assert [e.occurred_at for e in doc.events] == [
        utc(2020, 2, 3, 10, 21),
        utc(2020, 2, 3, 10, 52),
        utc(2020, 2, 3, 12, 30),
    ]
    assert len(doc.action_items) == 2 and doc.warnings == []


def test_dfds_out_of_order_rows_are_kept_as_written() -> None:
    _postmortems()
    path = POSTMORTEMS / "dfds_PM2023-001_Total_node_failure.md"
    doc = parse_timeline(_with_headers(path, "2023-02-13 07:30"), path.name, now=NOW)
    assert len(doc.events) == 16
    by_text = {e.text: e.occurred_at for e in doc.events}
    assert by_text["Follow-up mail indicating service restored"] == utc(2023, 2, 14, 11, 8)
    assert by_text["Sev 1 ticket raised"] == utc(2023, 2, 14, 11, 7)
    assert [a.item_no for a in doc.action_items] == [1, 2, 3, 4, 5, 6]
    assert doc.action_items[-1].done  # "... (done)"


def test_dfds_placeholder_rows_are_skipped_with_warnings() -> None:
    _postmortems()
    path = POSTMORTEMS / "dfds_PM2022-006_ALB_502_errors.md"
    doc = parse_timeline(_with_headers(path, "2020-12-21 00:00"), path.name, now=NOW)
    assert [e.occurred_at for e in doc.events] == [utc(2022, 6, 7, 8, 30)]
    assert len(doc.warnings) == 9  # every "HH:mm" / "??" row
    assert all("skipped" in w.message for w in doc.warnings)
    assert "'2022-05-?? HH:mm' is not a time" in doc.warnings[3].message


def test_every_dfds_postmortem_parses_with_headers_added() -> None:
    for path in _postmortems():
        doc = parse_timeline(_with_headers(path, "2019-01-01 00:00"), path.name, now=NOW)
        assert doc.incident.severity == 2
