"""Tiny in-memory warehouses for the metrics tests: rows in, views installed, as_of set."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import duckdb

from analytics import db
from analytics.countries import write_country_holidays
from analytics.policy import DEFAULT_POLICY, Policy


def ts(text: str) -> datetime:
    """``"2026-11-20 16:30"`` (UTC) -> aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


_INCIDENT_DEFAULTS: dict[str, Any] = {
    "title": "t",
    "team": "core",
    "service": "api",
    "detected_at": None,
    "detection_method": "alert",
    "acknowledged_at": None,
    "acknowledged_by": None,
    "mitigated_at": None,
    "mitigation": None,
    "resolved_at": None,
    "users_affected": None,
    "users_affected_pct": None,
    "revenue_impact_usd": None,
    "data_loss": False,
    "data_loss_detail": None,
    "root_cause": None,
    "postmortem_published_at": None,
    "stated_duration_s": None,
    "source_kind": "timeline",
}
_PAGE_DEFAULTS: dict[str, Any] = {
    "team": "core",
    "service": "api",
    "incident_id": None,
    "acknowledged_at": None,
    "acknowledged_by": None,
    "escalated_at": None,
    "urgency": "high",
    "line_no": 1,
}
_ITEM_DEFAULTS: dict[str, Any] = {
    "description": "do it",
    "owner": "ann",
    "due_date": None,
    "ticket": None,
    "done": False,
    "line_no": 1,
}


def _insert(con: duckdb.DuckDBPyConnection, table: str, row: Mapping[str, Any]) -> None:
    cols = list(row)
    con.execute(
        f"insert into {table} ({', '.join(cols)}) values ({', '.join('$' + c for c in cols)})",
        dict(row),
    )


def _time(value: Any) -> Any:
    return ts(value) if isinstance(value, str) and len(value) >= 16 and value[4] == "-" else value


def warehouse(
    *,
    incidents: Iterable[Mapping[str, Any]] = (),
    events: Iterable[Mapping[str, Any]] = (),
    pages: Iterable[Mapping[str, Any]] = (),
    people: Iterable[Mapping[str, Any]] = (),
    items: Iterable[Mapping[str, Any]] = (),
    tracker: Iterable[Mapping[str, Any]] = (),
    shifts: Iterable[Mapping[str, Any]] = (),
    handoffs: Iterable[Mapping[str, Any]] = (),
    policy: Policy = DEFAULT_POLICY,
    as_of: str | datetime | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> duckdb.DuckDBPyConnection:
    """A warehouse with these rows. Timestamps may be given as ``"YYYY-MM-DD HH:MM"`` (UTC).

    ``incidents`` need ``incident_id``, ``severity``, ``started_at``; each incident's
    source_file is ``<incident_id>.md`` and its events and items are tied to it.
    """
    con = con or duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    db.create_schema(con)
    db.write_policy(con, policy)
    for row in incidents:
        full = {**_INCIDENT_DEFAULTS, **row}
        full["source_file"] = f"{full['incident_id']}.md"
        _insert(con, "src_incidents", {k: _time(v) for k, v in full.items()})
    for n, row in enumerate(events, start=1):
        full = {"kind": "note", "text": "", "line_no": n, **row}
        full["source_file"] = f"{full['incident_id']}.md"
        _insert(con, "src_timeline_events", {k: _time(v) for k, v in full.items()})
    for row in pages:
        full = {**_PAGE_DEFAULTS, **row, "source_file": "pages.csv"}
        _insert(con, "src_pages", {k: _time(v) for k, v in full.items()})
    for n, row in enumerate(people, start=1):
        full = {"employee_id": None, "team": "core", "email": None, "country": None, **row}
        full |= {"line_no": n, "source_file": "people.csv"}
        _insert(con, "src_people", full)
    for row in items:
        full = {**_ITEM_DEFAULTS, **row}
        full["source_file"] = f"{full['incident_id']}.md"
        _insert(con, "src_action_items", full)
    for n, row in enumerate(tracker, start=1):
        full = {
            "summary": None,
            "assignee": None,
            "due_date": None,
            "created_at": None,
            "resolved_at": None,
            "incident_id": None,
            **row,
        }
        full |= {"line_no": n, "source_file": "jira.csv"}
        _insert(con, "src_tracker_items", {k: _time(v) for k, v in full.items()})
    for row in shifts:
        full = {"is_override": False, **row}
        _insert(con, "oncall_shifts", {k: _time(v) for k, v in full.items()})
    for n, row in enumerate(handoffs, start=1):
        full = {"to_engineer": None, "body_lines": 1, "line_no": 4, **row}
        full["source_file"] = f"handoffs/{n}.md"
        _insert(con, "src_handoffs", {k: _time(v) for k, v in full.items()})
    write_country_holidays(con)  # as ingest does: the holidays of people's countries
    db.install_views(con)
    if as_of is not None:
        set_as_of(con, as_of)
    return con


def set_as_of(con: duckdb.DuckDBPyConnection, as_of: str | datetime) -> None:
    """Shadow the report time, as a reader given --as-of does."""
    db._shadow(con, _time(as_of), None)


def one(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> Any:
    """The single value of a query."""
    rows = con.execute(sql, params or {}).fetchall()
    assert len(rows) == 1 and len(rows[0]) == 1, rows
    return rows[0][0]


def row(con: duckdb.DuckDBPyConnection, view: str, key: str, value: Any) -> dict[str, Any]:
    """One row of a view as a dict."""
    rel = con.execute(f"select * from {view} where {key} = $v", {"v": value})
    names = [d[0] for d in rel.description]
    rows = rel.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(names, rows[0], strict=True))


def incident(con: duckdb.DuckDBPyConnection, incident_id: str) -> dict[str, Any]:
    return row(con, "incident_metrics", "incident_id", incident_id)


def page(con: duckdb.DuckDBPyConnection, page_id: str) -> dict[str, Any]:
    return row(con, "page_metrics", "page_id", page_id)
