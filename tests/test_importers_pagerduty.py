"""PagerDuty REST v2 importer: our own fixtures always; the shared real-format ones when present."""

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
SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "pagerduty"
SEVERITY = {"P1": 1, "P2": 2, "P3": 3, "P4": 3, "P5": 3}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def parse(path: Path):
    return parse_pagerduty(path.read_bytes(), path.name, severity_by_priority=SEVERITY)


def shared(name: str) -> Path:
    if not SHARED.is_dir():
        pytest.skip("shared fixtures absent")
    return SHARED / name


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
    [inc] = combined.incidents
    assert inc.incident_id == "PINC001"
    assert inc.severity == 1
    assert inc.source_kind == "pagerduty"
    assert inc.started_at == inc.detected_at == utc(2026, 11, 3, 14)
    # First ack of anyone (Bob's acknowledge_log_entry), not Alice's later one.
    assert inc.acknowledged_at == utc(2026, 11, 3, 14, 7)
    assert inc.acknowledged_by == "Bob Ortiz"
    # resolved_at is null on the incident: the resolve_log_entry supplies it.
    assert inc.resolved_at == utc(2026, 11, 3, 15, 10)
    assert (inc.team, inc.service, inc.title) == ("payments", "checkout api", "Checkout errors")


def test_no_priority_is_reported_not_an_incident(combined) -> None:
    messages = [w.message for w in combined.warnings]
    assert any("PINC002 has no priority" in m for m in messages)


def test_unmapped_priority_is_reported() -> None:
    path = OURS / "combined_export.json"
    result = parse_pagerduty(path.read_bytes(), path.name, severity_by_priority={"P2": 2})
    assert result.incidents == []
    assert any("'P1' is not in" in w.message for w in result.warnings)


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
        ({"incidents": [{"id": "X", "type": "incident", "created_at": "yesterday"}]}, "yesterday"),
        ({"log_entries": [{"id": "L", "type": "notify_log_entry"}]}, "without created_at"),
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


# ----------------------------------------------------------------- shared real-format fixtures


def test_shared_incidents_list() -> None:
    result = parse(shared("api_schema_incidents_list.json"))
    [inc] = result.incidents
    assert (inc.incident_id, inc.severity, inc.team, inc.service) == (
        "PT4KHLK", 2, "engineering", "my mail service",
    )  # fmt: skip
    assert inc.started_at == utc(2015, 10, 6, 21, 30, 42)
    assert inc.resolved_at == utc(2015, 10, 6, 21, 38, 23)
    assert inc.acknowledged_at is None  # acknowledgements[] is empty once resolved
    assert result.pages == []


def test_shared_single_incident_uses_acknowledgements() -> None:
    [inc] = parse(shared("api_schema_incident_single.json")).incidents
    # PagerDuty's own example: the ack is a month after created_at; shape test, not arithmetic.
    assert inc.acknowledged_at == utc(2015, 11, 10, 0, 32, 52)
    assert inc.acknowledged_by == "Earline Greenholt"
    assert inc.resolved_at is None


def test_shared_bare_incident_without_priority() -> None:
    result = parse(shared("port_ocean_incident_d.json"))
    assert result.incidents == []
    assert any("Q17MJPM38GKM2Q has no priority" in w.message for w in result.warnings)


@pytest.mark.parametrize(
    "name", ["api_schema_incident_log_entries.json", "api_schema_log_entries_list.json"]
)
def test_shared_trigger_only_log_entries_make_no_pages(name: str) -> None:
    result = parse(shared(name))
    assert (result.pages, result.incidents) == ([], [])


def test_shared_oncalls_offsets_to_utc() -> None:
    [row] = parse(shared("api_schema_oncalls.json")).rotations
    # 2015-03-06T15:28:51-05:00 → 20:28:51Z
    assert (row.engineer, row.team) == ("Tim Wright", "daily engineering rotation")
    assert row.start_at == utc(2015, 3, 6, 20, 28, 51)
    assert row.end_at == utc(2015, 3, 7, 20, 28, 51)


def test_shared_bare_oncall() -> None:
    [row] = parse(shared("port_ocean_oncall_d.json")).rotations
    assert (row.engineer, row.team) == ("John Doe", "port test service - weekly rotation")
    assert (row.start_at, row.end_at) == (utc(2026, 4, 20, 13), utc(2026, 4, 27, 13))


def test_shared_schedule_uses_final_schedule_only() -> None:
    [row] = parse(shared("api_schema_schedule_single.json")).rotations
    # final entry 2015-11-10 08:00-17:00 -05:00; the layer's 2015-11-09 entry is not used.
    assert (row.team, row.engineer) == ("engineering", "Regina Phalange")
    assert (row.start_at, row.end_at) == (utc(2015, 11, 10, 13), utc(2015, 11, 10, 22))
    assert row.is_override is False


def test_shared_v1_is_rejected() -> None:
    with pytest.raises(InputError) as err:
        parse(shared("legacy_v1_mapbox_incidents_list.json"))
    assert err.value.reason == V1_REJECTION
    assert err.value.file == "legacy_v1_mapbox_incidents_list.json"
