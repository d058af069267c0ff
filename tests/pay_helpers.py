"""Helpers for the pay tests: tiny warehouses built from hand-made rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb

from analytics import db
from analytics.policy import DEFAULT_POLICY, Policy


def ts(text: str) -> datetime:
    """``"2026-11-02 09:00"`` (UTC) or an ISO text with an offset, as an aware datetime."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def build_warehouse(
    path: Path,
    *,
    people: list[tuple] = (),
    shifts: list[tuple] = (),
    incidents: list[tuple] = (),
    pages: list[tuple] = (),
    rotations: list[tuple] = (),
    policy: Policy = DEFAULT_POLICY,
) -> Path:
    """Create a warehouse file with the rows given (all times as text, UTC unless an offset).

    Args:
        people: ``(engineer, employee_id, team, timezone)``.
        shifts: ``(team, engineer, start, end[, is_override])`` resolved on-call intervals.
        incidents: ``(incident_id, severity, team, detected, acknowledged_by)``.
        pages: ``(page_id, sent, recipient, team, incident_id)``.
        (``rotations``: see :func:`add_rows`.)
    """
    con = duckdb.connect(str(path))
    try:
        _populate(
            con,
            policy,
            people=people,
            shifts=shifts,
            incidents=incidents,
            pages=pages,
            rotations=rotations,
        )
    finally:
        con.close()
    return path


def memory_warehouse(policy: Policy = DEFAULT_POLICY, **rows: list[tuple]):
    """An in-memory warehouse connection with the rows given (for many small examples)."""
    con = duckdb.connect()
    _populate(con, policy, **rows)
    return con


def _populate(con: duckdb.DuckDBPyConnection, policy: Policy, **rows: list[tuple]) -> None:
    con.execute("SET TimeZone='UTC'")
    db.create_schema(con)
    db.write_policy(con, policy)
    add_rows(con, **rows, refresh=False)
    db.install_views(con)


def add_rows(
    con: duckdb.DuckDBPyConnection,
    *,
    people: list[tuple] = (),
    shifts: list[tuple] = (),
    incidents: list[tuple] = (),
    pages: list[tuple] = (),
    rotations: list[tuple] = (),
    refresh: bool = True,
) -> None:
    """Insert rows into an open warehouse (same shapes as :func:`build_warehouse`).

    ``rotations`` are rotation-file rows ``(team, engineer, start, end[, is_override])``:
    resolved into ``oncall_shifts`` and ``rotation_findings`` (gaps) as an ingest does, which
    replaces any ``shifts`` given. With ``refresh`` the tables an ingest stores with the views
    (incident facts, page coverage) are computed again, as an ingest does after loading.
    """
    for n, (engineer, employee_id, team, tz) in enumerate(people, start=1):
        con.execute(
            "insert into src_people (engineer, employee_id, team, timezone, email, line_no, "
            "source_file) values ($1, $2, $3, $4, null, $5, 'people.csv')",
            [engineer, employee_id, team, tz, n],
        )
    for row in shifts:
        team, engineer, start, end = row[:4]
        is_override = row[4] if len(row) > 4 else False
        con.execute(
            "insert into oncall_shifts values ($1, $2, $3, $4, $5)",
            [team, engineer, ts(start), ts(end), is_override],
        )
    for incident_id, severity, team, detected, ack in incidents:
        at = ts(detected) if detected else None
        con.execute(
            "insert into src_incidents (incident_id, severity, team, started_at, detected_at, "
            "acknowledged_by, source_file, source_kind) "
            "values ($1, $2, $3, $4, $5, $6, $7, 'timeline')",
            [incident_id, severity, team, at or ts("2026-01-01 00:00"), at, ack, incident_id],
        )
    for n, (page_id, sent, recipient, team, incident_id) in enumerate(pages, start=1):
        con.execute(
            "insert into src_pages (page_id, sent_at, recipient, team, incident_id, line_no, "
            "source_file) values ($1, $2, $3, $4, $5, $6, 'pages.csv')",
            [page_id, ts(sent), recipient, team, incident_id, n],
        )
    for n, row in enumerate(rotations, start=1):
        team, engineer, start, end = row[:4]
        is_override = row[4] if len(row) > 4 else False
        con.execute(
            "insert into src_rotations values ($1, $2, $3, $4, $5, $6, 'rotations.csv')",
            [team, engineer, ts(start), ts(end), is_override, n],
        )
    if rotations:
        from analytics.rotations import derive_rotations

        derive_rotations(con)
    if refresh:
        db.store_facts(con)


def payroll_of(path: Path, start: date, end_exclusive: date, policy: Policy | None = None):
    """The payroll of a period, computed through a reader as the CLI does."""
    from analytics.pay import compute_payroll

    with db.reader(path, wait=0, policy=policy) as con:
        return compute_payroll(con, start, end_exclusive, policy=policy)


def payroll_run(
    path: Path,
    start: date,
    end_exclusive: date,
    *,
    now: datetime | None = None,
    policy: Policy | None = None,
    wait: float = 0,
):
    """The run context of a payroll export of ``[start, end_exclusive)`` at ``now`` (default:
    the current time) under ``policy``, as the payroll command builds it."""
    from analytics import periods
    from analytics.context import RunContext

    return RunContext(
        db=Path(path),
        as_of=now or datetime.now(UTC),
        policy=policy,
        period=periods.days(start, end_exclusive - timedelta(days=1)),
        wait=wait,
    )


def line_of(payroll, engineer: str):
    """The line of one engineer (by name as shown), or ``None``."""
    found = [x for x in payroll.lines if x.engineer == engineer]
    assert len(found) <= 1
    return found[0] if found else None


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
