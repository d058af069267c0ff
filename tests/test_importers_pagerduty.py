"""PagerDuty REST v2 importer, on fixtures kept in the repository (fixtures/importers/pagerduty)."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.errors import InputError
from analytics.ingest.pagerduty import V1_REJECTION, parse_pagerduty
from analytics.ingest.records import PAGE_COLUMNS

OURS = Path(__file__).parent / "fixtures" / "importers" / "pagerduty"
SEVERITY = {"P1": 1, "P2": 2, "P3": 3, "P4": 3, "P5": 3}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def parse(path: Path):
    return parse_pagerduty(path.read_bytes(), path.name, severity_by_priority=SEVERITY)


def ours(name: str) -> Path:
    return OURS / name


# ----------------------------------------------------------------- our combined export


@pytest.fixture(scope="module")
def combined():
    return parse(OURS / "combined_export.json")


def test_only_notify_entries_become_pages(combined) -> None:
    # 25 log entries of 18 types; exactly the five notify_log_entry rows are pages, oldest first.
    assert [p["page_id"] for p in combined.pages] == ["L03", "L05", "L08", "L31", "L40"]
    assert all(tuple(p) == PAGE_COLUMNS for p in combined.pages)


def test_page_ack_is_the_recipients_own_first_ack(combined) -> None:
    alice_first, bob, alice_second = combined.pages[:3]
    # Alice paged 14:00:05; Bob acked 14:07 but Alice's own ack is the
    # acknowledgement_log_entry at 09:22:00-05:00 = 14:22:00Z.
    assert alice_first["recipient"] == "Alice Ng"
    assert alice_first["sent_at"] == utc(2026, 11, 3, 14, 0, 5)
    assert alice_first["acknowledged_at"] == utc(2026, 11, 3, 14, 22)
    assert alice_first["acknowledged_by"] == "Alice Ng"
    # Timeout escalation L04 at 14:05:05 is the first escalate after her page.
    assert alice_first["escalated_at"] == utc(2026, 11, 3, 14, 5, 5)
    assert bob["acknowledged_at"] == utc(2026, 11, 3, 14, 7)
    assert bob["acknowledged_by"] == "Bob Ortiz"
    assert bob["escalated_at"] == utc(2026, 11, 3, 14, 40)
    assert alice_second["sent_at"] == utc(2026, 11, 3, 14, 17, 1)
    assert alice_second["acknowledged_at"] == utc(2026, 11, 3, 14, 22)
    assert alice_first["team"] == "payments"
    assert alice_first["service"] == "checkout api"
    assert alice_first["incident_id"] == "PINC001"
    assert alice_first["urgency"] == "high"


def test_unacked_page_and_team_fallbacks(combined) -> None:
    carol, dan = combined.pages[3:]
    # PINC002 has no teams: the team falls back to the service, lower-cased.
    assert carol["team"] == "search"
    assert carol["acknowledged_at"] is None
    assert carol["acknowledged_by"] is None
    assert carol["escalated_at"] is None
    assert carol["urgency"] == "low"
    # PINC404 is not in the incidents list and its entry names no team or service.
    assert dan["sent_at"] == utc(2026, 11, 5, 7, 0)  # 08:00+01:00
    assert dan["team"] == "unknown"
    assert dan["service"] is None
    assert dan["urgency"] is None


def test_incident_from_priority_and_log_entries(combined) -> None:
    inc, search = combined.incidents
    assert inc.incident_id == "PINC001"
    assert (inc.severity, inc.severity_source) == (1, "pagerduty_priority")
    assert inc.source_kind == "pagerduty"
    assert inc.started_at == inc.detected_at == utc(2026, 11, 3, 14)
    # First ack of anyone (Bob's acknowledge_log_entry), not Alice's later one.
    assert inc.acknowledged_at == utc(2026, 11, 3, 14, 7)
    assert inc.acknowledged_by == "Bob Ortiz"
    # resolved_at is null on the incident: the resolve_log_entry supplies it.
    assert inc.resolved_at == utc(2026, 11, 3, 15, 10)
    assert (inc.team, inc.service, inc.title) == ("payments", "checkout api", "Checkout errors")
    # PINC002 has priority null: its urgency "low" gives SEV-3 by the default urgency table.
    assert (search.incident_id, search.severity) == ("PINC002", 3)
    assert search.severity_source == "pagerduty_urgency"


def test_urgency_count_is_in_the_summary(combined) -> None:
    messages = [w.message for w in combined.warnings]
    assert any(m.startswith("1 incident(s) took their severity from urgency") for m in messages)


def test_unmapped_priority_falls_back_to_urgency() -> None:
    path = OURS / "combined_export.json"
    result = parse_pagerduty(
        path.read_bytes(),
        path.name,
        severity_by_priority={"P2": 2},
        severity_by_urgency={"high": 2},
    )
    # PINC001: P1 unmapped, urgency high → 2; PINC002: no priority, urgency low unmapped → none.
    assert [(i.incident_id, i.severity, i.severity_source) for i in result.incidents] == [
        ("PINC001", 2, "pagerduty_urgency")
    ]
    assert any(
        "PINC002 has no priority" in w.message and "not an incident" in w.message
        for w in result.warnings
    )


def test_log_entries_alone_give_pages_without_incident_context() -> None:
    result = parse(OURS / "log_entries_only.json")
    assert [(p["page_id"], p["recipient"], p["team"]) for p in result.pages] == [
        ("L31", "Carol Diaz", "unknown"),
        ("L40", "Dan Wu", "unknown"),
    ]
    assert result.incidents == []


def test_schedule_final_entries_with_override() -> None:
    result = parse(OURS / "schedule_with_override.json")
    rows = [(r.team, r.engineer, r.start_at, r.end_at, r.is_override) for r in result.rotations]
    # -05:00 offsets: 09:00 local = 14:00Z. Bob's entry matches overrides_subschedule.
    assert rows == [
        ("sre", "Alice Ng", utc(2026, 11, 2, 14), utc(2026, 11, 4, 14), False),
        ("sre", "Bob Ortiz", utc(2026, 11, 4, 14), utc(2026, 11, 5, 14), True),
        ("sre", "Alice Ng", utc(2026, 11, 5, 14), utc(2026, 11, 9, 14), False),
    ]


def test_oncalls_dedupe_and_skip_permanent() -> None:
    result = parse(OURS / "oncalls_mixed.json")
    assert [(r.team, r.engineer, r.start_at) for r in result.rotations] == [
        ("sre primary", "Alice Ng", utc(2026, 11, 2, 14))
    ]
    assert any("permanent on-call" in w.message for w in result.warnings)


# ----------------------------------------------------------------- as collectors store it


@pytest.fixture(scope="module")
def collector():
    return parse(OURS / "collector_incidents.json")


def test_embedded_log_entries_hand_computed(collector) -> None:
    invoices, ledger, cards = collector.incidents
    # Q1AAA: triggered 10:00:00, acknowledged 05:00:12-05:00 = 10:00:12Z, resolved_at null and
    # the resolve entry at 10:06:20 → tta = 12 s, ttr = 6 min 20 s = 380 s.
    assert invoices.incident_id == "Q1AAA"
    assert (invoices.acknowledged_at - invoices.detected_at).total_seconds() == 12
    assert (invoices.resolved_at - invoices.started_at).total_seconds() == 380
    assert invoices.acknowledged_by == "Ann Lee"
    # priority null, urgency high → the default urgency table's 3.
    assert (invoices.severity, invoices.severity_source) == (3, "pagerduty_urgency")
    assert invoices.source_updated_at == utc(2026, 11, 10, 10, 6, 20)
    assert (ledger.severity, ledger.severity_source) == (2, "pagerduty_priority")  # "SEV-2"
    assert (cards.severity, cards.severity_source) == (1, "pagerduty_priority")  # "Sev 1"
    # 23:50-08:00 is 07:50Z the next day; still open, never acknowledged.
    assert cards.started_at == utc(2026, 11, 13, 7, 50)
    assert (cards.acknowledged_at, cards.resolved_at) == (None, None)


def test_only_users_acknowledge_and_the_first_ack_survives_a_timeout(collector) -> None:
    ledger = collector.incidents[1]
    # Datadog (integration_reference) acked at 02:00:05: ignored. Bo acked 02:00:40; the ack
    # timed out at 02:30:40 (unacknowledge + escalate) and Cy re-acknowledged at 02:33:00.
    # The incident keeps the first user ack: tta = 40 s.
    assert ledger.started_at == utc(2026, 11, 11, 2)  # 03:00+01:00
    assert (ledger.acknowledged_at, ledger.acknowledged_by) == (
        utc(2026, 11, 11, 2, 0, 40),
        "Bo Chen",
    )
    messages = [w.message for w in collector.warnings]
    assert any(m.startswith("1 acknowledgement(s) by a service or integration") for m in messages)


def test_notify_recipient_from_summary_and_60_s_merge(collector) -> None:
    pages = [
        (p["page_id"], p["recipient"], p["sent_at"], p["acknowledged_at"], p["acknowledged_by"])
        for p in collector.pages
    ]
    assert pages == [
        # RA2 e-mail 10:00:01.123456; RA4 push (+30.38 s) and RA5 SMS (+60.000000 s exactly)
        # are the same person and incident within 60 s: one page, the earliest.
        ("RA2", "Ann Lee", utc(2026, 11, 10, 10, 0, 1, 123456), utc(2026, 11, 10, 10, 0, 12),
         "Ann Lee"),
        # Bo's own ack at 02:00:40, not Datadog's at 02:00:05.
        ("RB2", "Bo Chen", utc(2026, 11, 11, 2, 0, 2), utc(2026, 11, 11, 2, 0, 40), "Bo Chen"),
        # "Notified Cy Park by phone call (+1 555 0100)." → the text before the last " by ".
        ("RB7", "Cy Park", utc(2026, 11, 11, 2, 30, 41, 1), utc(2026, 11, 11, 2, 33), "Cy Park"),
    ]  # fmt: skip
    bo = collector.pages[1]
    assert bo["escalated_at"] == utc(2026, 11, 11, 2, 30, 40)
    assert bo["urgency"] == "low" and bo["team"] == "billing"
    messages = [w.message for w in collector.warnings]
    assert any(m.startswith("2 notify_log_entry(s) merged") for m in messages)
    # RC2's summary names nobody: skipped with a warning.
    assert any(
        "notify_log_entry without user" in w.message and w.line > 1 for w in collector.warnings
    )


def test_a_notify_61_s_later_is_a_second_page() -> None:
    doc = json.loads((OURS / "collector_incidents.json").read_text())
    doc[0]["log_entries"][1]["created_at"] = "2026-11-10T10:01:02.123457Z"  # RA5: +61.000001 s
    result = parse_pagerduty(json.dumps(doc), "x.json", severity_by_priority=SEVERITY)
    assert [p["page_id"] for p in result.pages if p["incident_id"] == "Q1AAA"] == ["RA2", "RA5"]


def test_recipient_from_summary_edge_cases() -> None:
    from analytics.ingest.pagerduty import recipient_from_summary

    assert recipient_from_summary("Notified Ann Lee by email.") == "Ann Lee"
    assert recipient_from_summary("Notified Anne Bybee by phone by proxy.") == "Anne Bybee by phone"
    assert recipient_from_summary("Notified Ann Lee") is None
    assert recipient_from_summary("Triggered through the API.") is None
    assert recipient_from_summary(None) is None


def test_the_latest_version_in_a_file_wins_ties_to_the_later() -> None:
    doc = json.loads((OURS / "collector_incidents.json").read_text())
    later = json.loads((OURS / "collector_later_version.json").read_text())["incidents"][0]
    # The later version first in the file: it still wins over the older one after it.
    result = parse_pagerduty(json.dumps([later, *doc]), "x.json", severity_by_priority=SEVERITY)
    cards = next(i for i in result.incidents if i.incident_id == "Q3CCC")
    assert cards.resolved_at == utc(2026, 11, 13, 8, 20)
    tie = dict(doc[2], title="Card declines (second copy)")
    result = parse_pagerduty(json.dumps([*doc, tie]), "x.json", severity_by_priority=SEVERITY)
    assert next(i for i in result.incidents if i.incident_id == "Q3CCC").title.endswith("copy)")


def test_a_bad_incident_is_rejected_alone() -> None:
    doc = json.loads((OURS / "collector_incidents.json").read_text())
    doc[1]["created_at"] = "yesterday"
    doc[2]["resolved_at"] = "2026-11-13T07:00:00Z"  # before created_at 07:50Z
    text = json.dumps(doc, indent=2)
    result = parse_pagerduty(text, "x.json", severity_by_priority=SEVERITY)
    assert [i.incident_id for i in result.incidents] == ["Q1AAA"]
    assert {p["incident_id"] for p in result.pages} == {"Q1AAA"}
    reasons = [str(e) for e in result.rejections]
    line_b = text.splitlines().index('    "id": "Q2BBB",') + 1
    assert reasons[0].startswith(f"x.json:{line_b}: incident Q2BBB: created_at 'yesterday'")
    assert "incident Q3CCC: resolved at 2026-11-13 07:00:00Z, before it was created" in reasons[1]


def test_a_bad_log_entry_rejects_its_incident() -> None:
    doc = json.loads((OURS / "collector_incidents.json").read_text())
    doc[0]["log_entries"][2]["created_at"] = "soon"
    result = parse_pagerduty(json.dumps(doc), "x.json", severity_by_priority=SEVERITY)
    assert [i.incident_id for i in result.incidents] == ["Q2BBB", "Q3CCC"]
    [rejection] = result.rejections
    assert "incident Q1AAA: log entry created_at 'soon'" in str(rejection)


def test_combined_file_with_summary_only_notifies() -> None:
    doc = json.loads((OURS / "combined_export.json").read_text())
    for entry in doc["log_entries"]:
        if entry["type"] == "notify_log_entry":
            entry["summary"] = f"Notified {entry.pop('user')['summary']} by email."
    result = parse_pagerduty(json.dumps(doc), "x.json", severity_by_priority=SEVERITY)
    assert [p["recipient"] for p in result.pages] == [
        "Alice Ng", "Bob Ortiz", "Alice Ng", "Carol Diaz", "Dan Wu"
    ]  # fmt: skip


# ----------------------------------------------------------------- malformed input


def test_malformed_json_names_the_line() -> None:
    with pytest.raises(InputError) as err:
        parse_pagerduty(b'{\n  "incidents": [\n    {,\n', "x.json", severity_by_priority=SEVERITY)
    assert err.value.line == 3
    assert "not valid JSON" in err.value.reason


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ({"alerts": []}, "expected a PagerDuty REST v2 export"),
        ({"incidents": {"id": "X"}}, "'incidents' must be a list"),
        ([1, 2], "expected a PagerDuty REST v2 export"),
    ],
)
def test_bad_shapes_are_input_errors(doc: object, needle: str) -> None:
    with pytest.raises(InputError) as err:
        parse_pagerduty(json.dumps(doc), "x.json", severity_by_priority=SEVERITY)
    assert needle in err.value.reason


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_fuzz_bytes(data: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_pagerduty(data, "fuzz.json", severity_by_priority=SEVERITY)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            [
                "incidents", "incident", "log_entries", "schedule", "oncalls", "id", "type",
                "created_at", "user", "priority", "summary", "teams", "start", "end",
                "final_schedule", "rendered_schedule_entries", "incident_number",
                "escalation_level",
                "acknowledgements", "at", "resolved_at", "incident", "agent",
            ]
        ),
        children,
        max_size=6,
    ),
    max_leaves=25,
)  # fmt: skip


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_json)
def test_fuzz_json(doc: object) -> None:
    with contextlib.suppress(InputError):
        parse_pagerduty(json.dumps(doc), "fuzz.json", severity_by_priority=SEVERITY)


# ------------------------------------------- REST v2 reference shapes, and real-account objects


def test_incidents_list_envelope() -> None:
    result = parse(ours("rest_v2_incidents_list.json"))
    [inc] = result.incidents
    assert (inc.incident_id, inc.severity, inc.team, inc.service) == (
        "Q3RESOLV", 2, "payments", "checkout api",
    )  # fmt: skip
    assert inc.started_at == utc(2026, 3, 2, 9, 12, 5)
    assert inc.resolved_at == utc(2026, 3, 2, 9, 31, 40)
    assert inc.acknowledged_at is None  # acknowledgements[] is empty once resolved
    assert result.pages == []


def test_single_incident_uses_acknowledgements() -> None:
    [inc] = parse(ours("rest_v2_incident_single.json")).incidents
    # created 22:05:00, acknowledged 22:09:30 by a user
    assert inc.acknowledged_at == utc(2026, 3, 4, 22, 9, 30)
    assert inc.acknowledged_by == "Mina Sato"
    assert inc.resolved_at is None


def test_real_bare_incident_without_priority_takes_urgency() -> None:
    result = parse(ours("port_ocean_incident_d.json"))
    [inc] = result.incidents
    # priority null, urgency high: SEV-3 from the default urgency table; still open.
    assert (inc.incident_id, inc.severity, inc.severity_source) == (
        "Q17MJPM38GKM2Q", 3, "pagerduty_urgency",
    )  # fmt: skip
    assert inc.started_at == utc(2025, 12, 3, 23, 23, 50)
    assert inc.resolved_at is None


@pytest.mark.parametrize(
    "name", ["rest_v2_incident_log_entries.json", "rest_v2_log_entries_list.json"]
)
def test_trigger_only_log_entries_make_no_pages(name: str) -> None:
    result = parse(ours(name))
    assert (result.pages, result.incidents) == ([], [])


def test_oncalls_offsets_to_utc_across_dst() -> None:
    [row] = parse(ours("rest_v2_oncalls.json")).rotations
    # 2026-03-09T09:00-05:00 -> 14:00Z; 2026-03-16T09:00-04:00 (after the US change) -> 13:00Z
    assert (row.engineer, row.team) == ("Omar Haddad", "payments primary")
    assert row.start_at == utc(2026, 3, 9, 14)
    assert row.end_at == utc(2026, 3, 16, 13)


def test_real_bare_oncall() -> None:
    [row] = parse(ours("port_ocean_oncall_d.json")).rotations
    assert (row.engineer, row.team) == ("John Doe", "port test service - weekly rotation")
    assert (row.start_at, row.end_at) == (utc(2026, 4, 20, 13), utc(2026, 4, 27, 13))


def test_schedule_uses_final_schedule_only() -> None:
    [row] = parse(ours("rest_v2_schedule_single.json")).rotations
    # final entry 2026-03-10 09:00-17:00 -04:00; the layer's 2026-03-09 entry is not used.
    assert (row.team, row.engineer) == ("payments", "Omar Haddad")
    assert (row.start_at, row.end_at) == (utc(2026, 3, 10, 13), utc(2026, 3, 10, 21))
    assert row.is_override is False


def test_v1_is_rejected() -> None:
    with pytest.raises(InputError) as err:
        parse(ours("legacy_v1_incidents_list.json"))
    assert err.value.reason == V1_REJECTION
    assert err.value.file == "legacy_v1_incidents_list.json"


def test_a_bad_entry_of_no_incident_is_rejected_alone() -> None:
    doc = json.loads((OURS / "log_entries_only.json").read_text())
    for entry in doc["log_entries"]:
        entry.pop("incident", None)
    doc["log_entries"].append({"id": "LBAD", "type": "notify_log_entry", "created_at": "later"})
    result = parse_pagerduty(json.dumps(doc), "x.json", severity_by_priority=SEVERITY)
    # The two notify entries still make pages; only LBAD is rejected, without an incident.
    assert [p["page_id"] for p in result.pages] == ["L31", "L40"]
    [rejection] = result.rejections
    assert "log entry created_at 'later'" in rejection.reason
    assert "incident" not in rejection.reason.split(":")[0]
