"""Opsgenie alert importer: real alerts (Apache-2.0 copies) and our own envelope."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.errors import InputError
from analytics.ingest.opsgenie import parse_opsgenie
from analytics.ingest.records import PAGE_COLUMNS

OURS = Path(__file__).parent / "fixtures" / "importers" / "opsgenie"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def one(name: str) -> dict:
    result = parse_opsgenie((OURS / name).read_bytes(), name)
    [page] = result.pages
    return page


def test_alert_b_ack_is_created_plus_ack_time() -> None:
    page = one("port_ocean_alert_b.json")
    created = datetime(2023, 9, 27, 16, 3, 13, 129000, tzinfo=UTC)
    assert page["sent_at"] == created
    # report.ackTime 158449 ms is a duration since createdAt: + 158.449 s.
    assert page["acknowledged_at"] == created + timedelta(seconds=158.449)
    assert page["acknowledged_at"] == datetime(2023, 9, 27, 16, 5, 51, 578000, tzinfo=UTC)
    assert page["acknowledged_by"] == "user1@example.com"
    assert page["recipient"] == "user1@example.com"
    assert page["team"] == "unknown"  # teams: []
    assert page["urgency"] == "low"  # P3
    assert page["page_id"] == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeee0062-1695830593129"
    assert tuple(page) == PAGE_COLUMNS


def test_alert_c_system_ack_is_not_a_person() -> None:
    result = parse_opsgenie((OURS / "port_ocean_alert_c.json").read_bytes(), "c.json")
    [page] = result.pages
    assert page["acknowledged_by"] is None
    # createdAt 16:03:13.128 + 190.942 s
    assert page["acknowledged_at"] == datetime(2023, 9, 27, 16, 6, 24, 70000, tzinfo=UTC)
    assert page["recipient"] == "user1@example.com"  # the owner
    assert page["team"] == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeee0012"  # id only: kept, reported
    messages = " ".join(w.message for w in result.warnings)
    assert "'System', not a person" in messages
    assert "teams[] carry only ids" in messages


def test_alert_d_ack_time_kept_although_unacknowledged() -> None:
    # acknowledged:false but report.ackTime 2348873 ms (acked, then unacked): the first ack counts.
    page = one("port_ocean_alert_d.json")
    assert page["sent_at"] == datetime(2023, 9, 26, 17, 6, 17, 90000, tzinfo=UTC)  # ".09Z"
    assert page["acknowledged_at"] == datetime(2023, 9, 26, 17, 45, 25, 963000, tzinfo=UTC)
    assert page["acknowledged_by"] is None
    assert page["recipient"] == "unknown"  # owner "" and only a team responder


def test_alert_a_unacked_without_report() -> None:
    result = parse_opsgenie((OURS / "port_ocean_alert_a.json").read_bytes(), "a.json")
    [page] = result.pages
    assert page["acknowledged_at"] is None
    assert page["recipient"] == "unknown"
    assert any("names no person" in w.message for w in result.warnings)


def test_envelope_fraction_widths_and_fallbacks() -> None:
    result = parse_opsgenie((OURS / "alerts_envelope.json").read_bytes(), "alerts_envelope.json")
    first, second, third = result.pages
    assert first["page_id"] == "og-alert-1"
    assert first["sent_at"] == utc(2026, 11, 3, 14)
    assert first["acknowledged_at"] == datetime(2026, 11, 3, 14, 1, 1, 500000, tzinfo=UTC)
    assert (first["recipient"], first["acknowledged_by"]) == ("bob@example.com", "bob@example.com")
    assert (first["team"], first["urgency"]) == ("payments", "high")
    assert second["sent_at"] == datetime(2026, 11, 4, 2, 0, 10, 600000, tzinfo=UTC)  # ".6Z"
    assert second["recipient"] == "carol@example.com"  # the named user responder
    assert (second["team"], second["urgency"], second["acknowledged_at"]) == (
        "unknown",
        "low",
        None,
    )
    # +01:00 with six fraction digits; ackTime 0 is an ack at creation.
    assert third["sent_at"] == datetime(2026, 11, 5, 7, 0, 0, 123456, tzinfo=UTC)
    assert third["acknowledged_at"] == third["sent_at"]
    assert (third["recipient"], third["team"], third["urgency"]) == (
        "dan@example.com",
        "data platform",
        "high",
    )
    assert all(p["service"] is None and p["escalated_at"] is None for p in result.pages)


def test_single_alert_envelope_and_list() -> None:
    alert = json.loads((OURS / "port_ocean_alert_b.json").read_text())
    for doc in ({"data": alert}, [alert], {"data": [alert, alert]}):
        result = parse_opsgenie(json.dumps(doc), "x.json")
        assert [p["page_id"] for p in result.pages] == [alert["id"]]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('{"data": [\n{"id": 1,\n', "not valid JSON"),
        ('{"data": [{"id": "x"}]}', "no createdAt"),
        ('{"alertId": "x", "data": {}}', "needs an alertId and a data list"),
        ('{"data": [{"id": "x", "createdAt": "soon"}]}', "'soon' is not an ISO-8601"),
        (
            '{"id": "x", "createdAt": "2026-01-01T00:00:00Z", "report": {"ackTime": "1m"}}',
            "ackTime",
        ),
        ("[1]", "no createdAt"),
    ],
)
def test_malformed_is_input_error(text: str, needle: str) -> None:
    with pytest.raises(InputError) as err:
        parse_opsgenie(text, "x.json")
    assert needle in err.value.reason


def test_real_opsgenie_incident_loads() -> None:
    path = OURS / "port_ocean_incident_c.json"
    result = parse_opsgenie(path.read_bytes(), path.name)
    [inc] = result.incidents
    # status "open": impactEndDate is not a resolution yet. P3 → SEV-3.
    assert (inc.severity, inc.severity_source, inc.resolved_at) == (3, "opsgenie_priority", None)
    assert inc.started_at == inc.detected_at == utc(2023, 9, 26, 17, 6, 16, 824000)
    assert (inc.team, inc.service) == (None, None)  # ids only: reported, not stored
    assert any("named only by id" in w.message for w in result.warnings)


# ----------------------------------------------------------------- incidents (SPEC §13)


@pytest.fixture(scope="module")
def incidents():
    path = OURS / "incidents_envelope.json"
    return parse_opsgenie(path.read_bytes(), path.name, team="platform")


def test_incidents_field_by_field(incidents) -> None:
    payments = incidents.incidents[0]
    assert payments.incident_id == "0b7e1f2a-1111-4c3d-9e8f-000000000001"
    # The later of the two copies (updatedAt 10:00:00.123 > 09:10) wins, although listed first.
    assert (payments.title, payments.severity, payments.severity_source) == (
        "Payments API 5xx", 1, "opsgenie_priority",
    )  # fmt: skip
    # started = impactStartDate 09:00; detected = createdAt 09:05:30.5 (ttd 330.5 s);
    # resolved = impactEndDate 09:47:00.25 because status is resolved (ttr 2820.25 s).
    assert payments.started_at == utc(2026, 11, 16, 9)
    assert (payments.detected_at - payments.started_at).total_seconds() == 330.5
    assert (payments.resolved_at - payments.started_at).total_seconds() == 2820.25
    assert (payments.acknowledged_at, payments.mitigated_at) == (None, None)
    # the team responder's name, not ownerTeam's id; the service by name
    assert (payments.team, payments.service) == ("payments", "checkout")
    assert payments.source_updated_at == utc(2026, 11, 16, 10, 0, 0, 123000)


def test_open_incident_has_no_resolution_and_ids_are_not_names(incidents) -> None:
    search = incidents.incidents[1]
    # status open: impactEndDate 13:20 is not a resolution. createdAt 14:00+01:00 = 13:00Z.
    assert (search.severity, search.resolved_at) == (3, None)
    assert (search.started_at, search.detected_at) == (
        utc(2026, 11, 17, 12, 50),
        utc(2026, 11, 17, 13),
    )
    # team and service given only as ids: --team for the team, no service
    assert (search.team, search.service) == ("platform", None)
    [ids] = [w.message for w in incidents.warnings if "named only by id" in w.message]
    assert (
        "4f1d7a3e-aaaa-bbbb-cccc-000000000077" in ids
        and "5e5e5e5e-aaaa-bbbb-cccc-000000000006" in ids
    )


def test_closed_incident_without_impact_start(incidents) -> None:
    cron = incidents.incidents[2]
    # no impactStartDate: started = createdAt (microseconds kept); closed → impactEndDate.
    assert cron.started_at == utc(2026, 11, 18, 8, 0, 0, 1)
    assert cron.resolved_at == utc(2026, 11, 18, 8, 25)
    assert (cron.severity, cron.team) == (3, "batch")  # P4; ownerTeam written as a name


def test_a_bad_incident_is_rejected_alone_and_priorities_follow_the_policy() -> None:
    doc = json.loads((OURS / "incidents_envelope.json").read_text())
    doc["data"][1]["createdAt"] = "later"
    doc["data"][2]["impactEndDate"] = "2026-11-18T07:00:00Z"  # before createdAt 08:00
    result = parse_opsgenie(json.dumps(doc, indent=2), "x.json", severity_by_priority={"P1": 2})
    assert [(i.title, i.severity) for i in result.incidents] == [("Payments API 5xx", 2)]
    reasons = [e.reason for e in result.rejections]
    assert reasons[0].startswith("incident 0b7e1f2a-1111-4c3d-9e8f-000000000002: createdAt 'later'")
    assert reasons[1].startswith("incident 0b7e1f2a-1111-4c3d-9e8f-000000000003: impactEndDate")
    # P2 (the older copy) is unmapped by this policy: reported, and the P1 copy wins anyway.
    assert any("priority 'P2' is not in [opsgenie]" in w.message for w in result.warnings)


# ----------------------------------------------------------------- alert logs


def test_alert_log_with_alert_id_gives_the_first_ack() -> None:
    path = OURS / "alert_logs.json"
    result = parse_opsgenie(path.read_bytes(), path.name)
    # Acks at 09:01:30 (al) and 09:04:10.2 (bea, after an unacknowledge): the first counts.
    assert result.page_acks == [
        {
            "page_id": "d1d1d1d1-aaaa-bbbb-cccc-000000000001-1763370000000",
            "acknowledged_at": utc(2026, 11, 17, 9, 1, 30),
            "acknowledged_by": "al@example.com",
            "line_no": 30,  # the line of its unique offset
        }
    ]
    assert (result.pages, result.incidents) == ([], [])


def test_alert_log_named_by_its_file() -> None:
    path = OURS / "d1d1d1d1-aaaa-bbbb-cccc-000000000002.logs.json"
    [ack] = parse_opsgenie(path.read_bytes(), f"opsgenie/{path.name}").page_acks
    assert ack["page_id"] == "d1d1d1d1-aaaa-bbbb-cccc-000000000002"
    assert (ack["acknowledged_at"], ack["acknowledged_by"]) == (
        utc(2026, 11, 17, 9, 4, 10, 200000), "bea@example.com",
    )  # fmt: skip


def test_alert_log_without_an_ack_warns() -> None:
    doc = {
        "alertId": "a1",
        "data": [{"log": "Alert unacknowledged", "createdAt": "2026-11-17T09:03:00Z"}],
    }
    result = parse_opsgenie(json.dumps(doc), "x.json")
    assert result.page_acks == []
    assert "no acknowledge log" in result.warnings[0].message


def test_alerts_take_team_from_the_option_when_they_name_none() -> None:
    path = OURS / "alerts_without_report_ack.json"
    result = parse_opsgenie(path.read_bytes(), path.name, team="Storage")
    assert {p["team"] for p in result.pages} == {"storage"}
    assert {p["acknowledged_at"] for p in result.pages} == {None}


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            ["data", "id", "createdAt", "report", "ackTime", "acknowledgedBy", "owner", "teams",
             "name", "priority", "responders", "type", "username", "impactStartDate",
             "impactEndDate", "impactedServices", "status", "updatedAt", "alertId", "log",
             "offset", "ownerTeam", "message"]
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
        parse_opsgenie(json.dumps(doc), "fuzz.json")


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_fuzz_bytes(data: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_opsgenie(data, "fuzz.json")
