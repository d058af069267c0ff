"""Statuspage importer (SPEC §3.7): our own files in the shape of the Statuspage API v2."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.errors import InputError
from analytics.ingest.statuspage import parse_statuspage

OURS = Path(__file__).parent / "fixtures" / "importers" / "statuspage"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(scope="module")
def page():
    path = OURS / "incidents.json"
    return parse_statuspage(path.read_bytes(), path.name, team="Web")


def test_incidents_field_by_field(page) -> None:
    checkout, dashboards, logins = page.incidents  # by started_at; the maintenance is skipped
    assert checkout.incident_id == "sp-crit-1"
    assert (checkout.title, checkout.severity, checkout.severity_source) == (
        "Checkout unavailable", 1, "statuspage_impact",
    )  # fmt: skip
    # -06:00 offsets: started 04:00 = 10:00Z, first monitoring update 10:31Z, resolved 10:40Z.
    assert checkout.started_at == utc(2026, 11, 20, 10)
    assert checkout.detected_at is None  # a status page records no detection
    assert (checkout.mitigated_at, checkout.mitigation) == (utc(2026, 11, 20, 10, 31), "monitoring")
    assert checkout.resolved_at == utc(2026, 11, 20, 10, 40)
    # the first affected component; the team from the option
    assert (checkout.service, checkout.team) == ("checkout", "web")
    assert checkout.source_kind == "statuspage"
    assert checkout.source_updated_at == utc(2026, 11, 20, 10, 41)
    # impact "minor" overridden to "major" → SEV-2; started_at null → created_at; still open
    assert (dashboards.severity, dashboards.service) == (2, None)
    assert dashboards.started_at == utc(2026, 11, 20, 14, 2, 0, 123000)
    assert (dashboards.mitigated_at, dashboards.resolved_at) == (utc(2026, 11, 20, 14, 45), None)
    assert logins.severity == 3  # minor


def test_updates_are_status_update_events_at_display_at(page) -> None:
    events = [(e.occurred_at, e.kind, e.text) for e in page.events if e.incident_id == "sp-crit-1"]
    assert events == [
        (utc(2026, 11, 20, 9, 58), "status_update", "investigating: Drafted before detection."),
        (utc(2026, 11, 20, 10, 5), "status_update", "investigating: Checkout fails for all users."),
        # display_at 10:18, not created_at 10:19:10
        (utc(2026, 11, 20, 10, 18), "status_update", "identified: Bad deploy found."),
        (utc(2026, 11, 20, 10, 31), "status_update", "monitoring: Fix deployed; monitoring."),
        (utc(2026, 11, 20, 10, 40), "status_update", "resolved: Checkout works again."),
    ]


def test_maintenance_skipped_and_zero_duration_reported(page) -> None:
    assert page.maintenance == 1
    assert page.zero_duration == 1
    messages = [w.message for w in page.warnings]
    assert "1 scheduled maintenance(s) skipped: not incidents" in messages
    assert any("sp-zero-1 resolved at the instant it started" in m for m in messages)
    assert page.incidents[2].resolved_at == page.incidents[2].started_at


def test_one_incident_per_file() -> None:
    path = OURS / "archive" / "sp-arch-1.json"
    result = parse_statuspage(path.read_bytes(), path.name)
    [inc] = result.incidents
    assert (inc.incident_id, inc.severity, inc.team, inc.service) == (
        "sp-arch-1",
        2,
        None,
        "search",
    )
    assert len(result.events) == 2


def test_resolved_before_started_is_rejected_alone() -> None:
    doc = json.loads((OURS / "incidents.json").read_text())
    doc["incidents"][2]["resolved_at"] = "2026-11-20T14:00:00Z"  # before created 14:02:00.123
    text = json.dumps(doc, indent=2)
    result = parse_statuspage(text, "x.json")
    assert [i.incident_id for i in result.incidents] == ["sp-crit-1", "sp-zero-1"]
    [rejection] = result.rejections
    line = text.splitlines().index('      "id": "sp-major-1",') + 1
    assert str(rejection).startswith(
        f"x.json:{line}: incident sp-major-1: resolved at 2026-11-20 14:00:00Z"
    )
    assert all(e.incident_id != "sp-major-1" for e in result.events)


def test_latest_version_in_the_file_and_policy_impacts() -> None:
    doc = json.loads((OURS / "incidents.json").read_text())
    newer = dict(
        doc["incidents"][3], name="Checkout unavailable (final)", updated_at="2026-11-21T00:00:00Z"
    )
    doc["incidents"].insert(0, newer)
    result = parse_statuspage(
        json.dumps(doc), "x.json", severity_by_impact={"critical": 2, "major": 2}
    )
    titles = {i.incident_id: (i.title, i.severity) for i in result.incidents}
    assert titles == {
        "sp-crit-1": ("Checkout unavailable (final)", 2),
        "sp-major-1": ("Slow dashboards", 2),
    }
    assert any(
        "impact 'minor' is not in [statuspage] severity_by_impact" in w.message
        for w in result.warnings
    )
    assert sum(e.incident_id == "sp-crit-1" for e in result.events) == 5  # one version's updates


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("{", "not valid JSON"),
        ('{"page": {}}', "expected a Statuspage export"),
        ('{"incidents": [{"name": "x"}]}', "expected a Statuspage export"),
    ],
)
def test_bad_shapes(text: str, needle: str) -> None:
    with pytest.raises(InputError) as err:
        parse_statuspage(text, "x.json")
    assert needle in err.value.reason


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda c: st.lists(c, max_size=3)
    | st.dictionaries(st.sampled_from(["incidents", "incident", "page", "id", "impact",
                                       "impact_override", "incident_updates", "display_at",
                                       "created_at", "started_at", "resolved_at", "status",
                                       "body", "components", "name", "scheduled_for",
                                       "updated_at"]), c, max_size=6),
    max_leaves=25,
)  # fmt: skip


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_json)
def test_fuzz_json(doc: object) -> None:
    with contextlib.suppress(InputError):
        parse_statuspage(json.dumps(doc), "fuzz.json")
