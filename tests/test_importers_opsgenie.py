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
SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "opsgenie"


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


def test_opsgenie_incident_is_rejected() -> None:
    if not SHARED.is_dir():
        pytest.skip("shared fixtures absent")
    path = SHARED / "port_ocean_incident_c.json"
    with pytest.raises(InputError, match="incident, not an alert"):
        parse_opsgenie(path.read_bytes(), path.name)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            ["data", "id", "createdAt", "report", "ackTime", "acknowledgedBy", "owner", "teams",
             "name", "priority", "responders", "type", "username"]
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
