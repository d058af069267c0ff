"""Jira CSV/JSON importer: the real Jira Cloud export (Apache-2.0 copy), go-jira JSON, our CSVs."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.errors import InputError
from analytics.ingest.jira import ITEM_KEYS, parse_jira_csv, parse_jira_json

OURS = Path(__file__).parent / "fixtures" / "importers" / "jira"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def csv_items(name: str, **kwargs) -> dict[str, dict]:
    result = parse_jira_csv((OURS / name).read_bytes(), name, **kwargs)
    assert result.warnings == []
    return {item["ticket"]: item for item in result.items}


def test_jira_cloud_export_fields_and_lines() -> None:
    items = csv_items("planeso_jira_cloud_export_all_fields.csv")
    assert len(items) == 22
    assert all(tuple(i) == ITEM_KEYS for i in items.values())
    tes13 = items["TES-13"]
    assert tes13["status"] == "Done"
    assert tes13["assignee"] == "Saicharan Basireddy"
    assert tes13["created_at"] == utc(2025, 8, 28, 13, 49)  # "28/Aug/25 1:49 PM", no zone → UTC
    assert tes13["resolved_at"] == utc(2025, 9, 19, 9, 3)
    assert tes13["due_date"] == date(2025, 9, 18)  # "18/Sep/25 12:00 AM"
    assert tes13["incident_id"] is None  # no incident column, no labels in this export
    assert items["TES-25"]["assignee"] is None
    assert items["TES-23"]["summary"].startswith('Need to discuss "Login" steps')
    # Records after multi-line Comment cells start on their own physical line.
    expected = {"TES-25": 2, "TES-11": 16, "TES-10": 19, "TES-8": 22, "TES-7": 25, "TES-4": 28}
    assert {k: items[k]["line_no"] for k in expected} == expected


def test_canonical_tracker_csv_with_iso_dates() -> None:
    items = csv_items("canonical_tracker.csv")
    assert items["OPS-101"] == {
        "ticket": "OPS-101",
        "summary": "Add alert on checkout 5xx",
        "status": "Done",
        "assignee": "Alice Ng",
        "due_date": date(2026, 11, 10),
        "created_at": utc(2026, 11, 3, 15),
        "resolved_at": utc(2026, 11, 8, 12, 30),  # naive ISO → UTC
        "incident_id": "2026-11-03-checkout",
        "line_no": 2,
    }
    assert items["OPS-102"]["created_at"] == utc(2026, 11, 4, 2)  # +01:00 converted
    assert items["OPS-103"]["created_at"] == utc(2026, 11, 5, 9)  # "... UTC"
    assert (items["OPS-103"]["assignee"], items["OPS-103"]["incident_id"]) == (None, None)


def test_repeated_headers_labels_and_incident_column() -> None:
    items = csv_items("jira_cloud_like.csv")
    sre7, sre8, sre9 = items["SRE-7"], items["SRE-8"], items["SRE-9"]
    assert sre7["summary"] == 'Fix the\nmulti-line "summary"'
    assert sre7["incident_id"] == "INC-2026-11-03"  # label incident:<id>
    assert sre7["due_date"] == date(2026, 11, 12)
    assert sre8["incident_id"] == "INC-42"  # second Labels column
    assert sre9["incident_id"] == "2026-11-03-db"  # Custom field (Incident) wins over labels
    # SRE-7 spans lines 2-3, a blank line 4, then SRE-8 on 5 and SRE-9 on 6.
    assert [sre7["line_no"], sre8["line_no"], sre9["line_no"]] == [2, 5, 6]


def test_date_format_option() -> None:
    text = "Issue key,Created,Due date\nX-1,03.11.2026 14:05,20.11.2026 00:00\n"
    [item] = parse_jira_csv(text, "x.csv", date_format="%d.%m.%Y %H:%M").items
    assert (item["created_at"], item["due_date"]) == (utc(2026, 11, 3, 14, 5), date(2026, 11, 20))


def test_repeated_ticket_keeps_last_and_warns() -> None:
    result = parse_jira_csv("Issue key,Status\nX-1,Open\nX-1,Done\n", "x.csv")
    assert [(i["ticket"], i["status"], i["line_no"]) for i in result.items] == [("X-1", "Done", 3)]
    assert "repeated" in result.warnings[0].message


@pytest.mark.parametrize(
    ("text", "needle", "line"),
    [
        ("", "empty file", 1),
        ("Key,Summary\nX-1,a\n", "no 'Issue key' column", 1),
        ("Issue key,Created\nX-1,2026-11-03\nX-2,tomorrow\n", "Created 'tomorrow'", 3),
        ("Issue key,Summary\nX-1,ok\nX-2," + "a" * 200_000 + "\n", "unreadable CSV", 3),
    ],
)
def test_malformed_csv(text: str, needle: str, line: int) -> None:
    with pytest.raises(InputError) as err:
        parse_jira_csv(text, "x.csv")
    assert needle in err.value.reason
    assert err.value.line == line


def test_rest_search_json() -> None:
    [item] = parse_jira_json((OURS / "go_jira_issues_in_sprint.json").read_bytes(), "g.json").items
    assert item["ticket"] == "AR-86"
    assert item["status"] == "Ready"
    assert item["assignee"] == "mister Morris"
    # "2015-12-02T07:39:15.000-0800": offset without a colon
    assert item["created_at"] == utc(2015, 12, 2, 15, 39, 15)
    assert item["resolved_at"] == utc(2015, 12, 7, 22, 19, 13)
    assert item["due_date"] is None
    assert item["summary"] is None  # this mock has no summary field


def test_rest_json_incident_from_names_and_labels() -> None:
    doc = {
        "names": {"customfield_1": "Incident"},
        "issues": [
            {"key": "A-1", "fields": {"customfield_1": {"value": "INC-9"}, "duedate": "2026-11-20",
                                      "status": {"name": "Done"}, "labels": []}},
            {"key": "A-2", "fields": {"labels": ["x", "incident:2026-11-03-db"]}},
        ],
    }  # fmt: skip
    a1, a2 = parse_jira_json(json.dumps(doc), "s.json").items
    assert (a1["incident_id"], a1["due_date"], a1["status"]) == (
        "INC-9",
        date(2026, 11, 20),
        "Done",
    )
    assert a2["incident_id"] == "2026-11-03-db"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("{", "not valid JSON"),
        ('{"issues": {}}', "expected a Jira REST search result"),
        ('{"issues": [{"key": "A-1"}]}', "without a key and fields"),
        ('{"issues": [{"key": "A-1", "fields": {"created": "now"}}]}', "'now'"),
        ('{"issues": [{"key": "A-1", "fields": {"duedate": "soon"}}]}', "'soon'"),
    ],
)
def test_malformed_json(text: str, needle: str) -> None:
    with pytest.raises(InputError) as err:
        parse_jira_json(text, "s.json")
    assert needle in err.value.reason


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(
            st.sampled_from(["Issue key", "Created", "X-1", "22/Sep/25 9:26 AM", "Labels", "INC-1",
                             "incident:a", '"', "\n", "", "Due date", "2026-13-01"])
            | st.text(max_size=8),
            max_size=5,
        ),
        max_size=5,
    )
)  # fmt: skip
def test_fuzz_csv(rows: list[list[str]]) -> None:
    text = "\n".join(",".join(row) for row in rows)
    with contextlib.suppress(InputError):
        parse_jira_csv(text, "fuzz.csv")


@settings(max_examples=200)
@given(st.binary(max_size=200))
def test_fuzz_bytes(data: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_jira_csv(data, "fuzz.csv")
    with contextlib.suppress(InputError):
        parse_jira_json(data, "fuzz.json")


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda c: st.lists(c, max_size=3)
    | st.dictionaries(st.sampled_from(["issues", "key", "fields", "names", "created", "duedate",
                                       "labels", "status", "name", "assignee", "displayName",
                                       "customfield_1", "value"]), c, max_size=5),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_json)
def test_fuzz_json(doc: object) -> None:
    with contextlib.suppress(InputError):
        parse_jira_json(json.dumps(doc), "fuzz.json")
