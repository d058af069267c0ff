"""On-call compensation and the payroll export (docs/payroll.md).

The heavy work is set-based SQL: the period's TEMP tables of ``analytics/sql/pay`` (shift
pieces, SEV-1 handlers, counted overnight pages, the people behind the lines), built on a
read-only connection, and the ``pay_*`` queries of ``analytics/sql/queries`` that read them
(the inputs' checksums, the pages counted per rate, the pages' explanation rows, ...).
Python then does the money on the small per-piece results with :class:`~decimal.Decimal` and
:class:`~fractions.Fraction`: every piece's exact amount is summed and each line is rounded
half-up to cents once. Nothing that pays ever passes through a float.

The export (:func:`export_payroll`) first asks what the data covers of the period
(:func:`period_coverage`): a final export needs a period that is over and covered. It computes
with a reader that is closed before anything is written, then holds the warehouse read-write
only long enough to compare with every final export sharing days with it (finality by instant,
in ``payroll_exports``), swap the three files in as a set and record the export. A provisional
export writes ``<stem>.provisional.*`` files and records nothing.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import itertools
import json
import operator
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics import __version__, sqlgraph
from analytics.config import DEFAULT_REPORTS
from analytics.errors import AnalyticsError, UsageError

if TYPE_CHECKING:
    import duckdb

    from analytics.context import RunContext
    from analytics.coverage import Shortfall
    from analytics.policy import Policy

__all__ = [
    "CSV_COLUMNS",
    "EXPLAIN_COLUMNS",
    "CoverageFinding",
    "CoverageRefused",
    "ExportResult",
    "Payroll",
    "PayrollLine",
    "PeriodCoverage",
    "compute_payroll",
    "day_period",
    "export_payroll",
    "format_hours",
    "month_period",
    "period_coverage",
    "previous_month",
    "provisional_path",
    "render_csv",
    "render_explain",
    "spreadsheet_safe",
]

CSV_COLUMNS: tuple[str, ...] = (
    "period_start",
    "period_end",
    "employee_id",
    "engineer",
    "team",
    "oncall_hours",
    "stipend_usd",
    "sev1_incidents",
    "sev1_bonus_usd",
    "overnight_pages",
    "comp_time_hours",
    "total_pay_usd",
)

EXPLAIN_COLUMNS: tuple[str, ...] = (
    "engineer",
    "employee_id",
    "team",
    "kind",
    "ref",
    "source_team",
    "start_at",
    "end_at",
    "seconds",
    "rate_effective_from",
    "rate",
    "amount_usd",
    "comp_time_hours",
    "detail",
)

_CENT = Decimal("0.01")
_MICRO = Decimal("0.000001")  # a shift piece's amount in the explanation file
_US_PER_HOUR = 3_600_000_000
_US_PER_WEEK = 168 * _US_PER_HOUR
_PAY_DIR = DEFAULT_REPORTS / "payroll"

# A pay period lies in [_FIRST_DAY, _LAST_DAY]: nothing before 1970 is ever ingested
# (docs/inputs.md), and the day after a period's last day must still be a date.
_FIRST_DAY = date(1970, 1, 1)
_LAST_DAY = date(9999, 12, 31)


@dataclass(frozen=True)
class PayrollLine:
    """One engineer's pay for one period (one row of the payroll CSV)."""

    period_start: date
    period_end: date  # the last day included (docs/payroll.md)
    employee_id: str
    engineer: str
    team: str
    oncall_hours: Decimal  # rounded half-up to 0.01 h
    stipend_usd: Decimal
    sev1_incidents: int
    sev1_bonus_usd: Decimal
    overnight_pages: int
    comp_time_hours: Decimal
    total_pay_usd: Decimal


@dataclass
class Payroll:
    """A period's payroll: the lines, what lies behind them, and what was noticed on the way."""

    period_start: date
    period_end_exclusive: date
    lines: list[PayrollLine]
    explain: Sequence[dict[str, str]]  # in file order; read as dicts (an _ExplainRows)
    warnings: list[str]
    inputs_sha256: str
    policy_version: str
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    pay_policy_version: str = ""  # the pay keys only: what finality compares (docs/payroll.md)
    sev1_bonuses_without_evidence: int = 0  # paid, but severity_audit finds no SEV-1 impact

    @property
    def period_end(self) -> date:
        """The last day included."""
        return self.period_end_exclusive - timedelta(days=1)

    def totals(self) -> dict[str, str | int]:
        """Sums over the lines, formatted as in the CSV."""
        return {
            "oncall_hours": format_hours(sum((x.oncall_hours for x in self.lines), Decimal(0))),
            "stipend_usd": _money(sum((x.stipend_usd for x in self.lines), Decimal(0))),
            "sev1_incidents": sum(x.sev1_incidents for x in self.lines),
            "sev1_bonus_usd": _money(sum((x.sev1_bonus_usd for x in self.lines), Decimal(0))),
            "overnight_pages": sum(x.overnight_pages for x in self.lines),
            "comp_time_hours": format_hours(
                sum((x.comp_time_hours for x in self.lines), Decimal(0))
            ),
            "total_pay_usd": _money(sum((x.total_pay_usd for x in self.lines), Decimal(0))),
        }


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_payroll` wrote."""

    csv_path: Path
    manifest_path: Path
    explain_path: Path
    payroll: Payroll
    status: str  # "written" | "unchanged"
    final: bool = True  # False: a provisional export (nothing recorded)
    warnings: tuple[str, ...] = ()  # coverage and data-quality warnings, as in the manifest


class _ExplainRows(Sequence[dict[str, str]]):
    """The explanation rows of a payroll in file order, kept as they are written: each row its
    cells in :data:`EXPLAIN_COLUMNS` order, or, for a counted page's row that needs no quoting
    and no spreadsheet-safe prefix, its CSV line as SQL formatted it
    (``sql/queries/pay_page_explain.sql``).
    Read as dicts of column to cell, made on access: writing the file needs none of them.
    """

    __slots__ = ("rows",)

    def __init__(self, rows: list[tuple[str, ...] | str]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [_explain_dict(r) for r in self.rows[index]]
        return _explain_dict(self.rows[index])

    def __iter__(self) -> Iterator[dict[str, str]]:
        return map(_explain_dict, self.rows)


def _explain_dict(row: tuple[str, ...] | str) -> dict[str, str]:
    cells = row.split(",") if isinstance(row, str) else row  # a line has no quoted comma
    return dict(zip(EXPLAIN_COLUMNS, cells, strict=True))


# --- periods ------------------------------------------------------------------------------------


def previous_month(today: date) -> tuple[date, date]:
    """The calendar month before ``today``'s: ``(first day, first day of the next month)``."""
    first_of_this = today.replace(day=1)
    first_of_previous = (first_of_this - timedelta(days=1)).replace(day=1)
    return first_of_previous, first_of_this


def month_period(text: str) -> tuple[date, date]:
    """A ``--period`` value ``YYYY-MM`` as ``(first day, first day of the next month)``.

    Read by :func:`analytics.periods.month` (one parser for every period), then held to the
    dates a payroll can cover (:func:`day_period`).

    Raises:
        UsageError: The text is not a calendar month such as ``2026-11``, or the month lies
            outside 1970-01 .. 9999-11.
    """
    from analytics import periods

    try:
        month = periods.month(text)
    except periods.PeriodError:
        raise UsageError(
            f"--period {text!r}: expected a calendar month YYYY-MM such as 2026-11"
        ) from None
    except ValueError:  # a month whose end is past year 9999
        month = None
    if month is None or not _FIRST_DAY <= month.start.date() < month.end.date() <= _LAST_DAY:
        raise UsageError(
            f"--period {text!r}: expected a month from {_FIRST_DAY:%Y-%m} to "
            f"{_LAST_DAY.year}-11 (a period must end by {_LAST_DAY.isoformat()})"
        )
    return month.start.date(), month.end.date()


def day_period(first: date, last: date) -> tuple[date, date]:
    """``--from first --to last`` (both days included) as ``(first, the day after last)``.

    Raises:
        UsageError: ``last`` is before ``first``, or a day lies outside 1970-01-01 ..
            9999-12-30 (a period's end, the day after its last, must be a date too).
    """
    from analytics import periods

    for option, day in (("--from", first), ("--to", last)):
        if not _FIRST_DAY <= day < _LAST_DAY:
            raise UsageError(
                f"{option} {day.isoformat()}: expected a day from {_FIRST_DAY.isoformat()} "
                f"to {(_LAST_DAY - timedelta(days=1)).isoformat()}"
            )
    span = periods.days(first, last)  # refuses --to before --from
    return span.start.date(), span.end.date()


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


# --- computing ----------------------------------------------------------------------------------


def _round_half_up(value: Fraction | Decimal, unit: Decimal = _CENT) -> Decimal:
    """``value`` (>= 0 or not) rounded half-up (away from zero at .5) to ``unit``, exactly.

    In integers (``value / unit = n / d``): a payroll rounds thousands of values, and Fraction
    arithmetic (or a Decimal turned into a Fraction) costs tens of microseconds each.
    """
    p, q = value.as_integer_ratio()
    a, b = unit.as_integer_ratio()
    n, d = p * b, q * a  # d > 0
    whole = (2 * abs(n) + d) // (2 * d)  # floor(|n| / d + 1/2)
    return (Decimal(whole if n >= 0 else -whole) * unit).quantize(unit)


def _decimal(value: Any) -> Decimal:
    """A DECIMAL/DOUBLE value from DuckDB as Decimal (floats through their shortest repr)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _seconds(duration_us: int) -> str:
    """Microseconds as exact decimal seconds text (``3600``, ``0.5``)."""
    text = format(Decimal(duration_us).scaleb(-6), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _ts(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def _ts_us(value: datetime | None) -> str:
    """A UTC instant, with microseconds only when it has some."""
    if value is None:
        return ""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if value.microsecond else "%Y-%m-%dT%H:%M:%SZ")


def _money(value: Decimal) -> str:
    return format(value.quantize(_CENT), "f")


def format_hours(value: Decimal) -> str:
    """Hours with up to two decimals: ``168``, ``5.5``, ``12.25`` (half-up at the cent)."""
    text = format(_round_half_up(value), "f")
    return text.rstrip("0").rstrip(".")


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> list[dict]:
    cur = con.execute(sql, params or {})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _build_temp_tables(con: duckdb.DuckDBPyConnection, params: dict[str, datetime]) -> None:
    """The period's pay_* TEMP tables: the models of kind ``temp table`` (sql/pay), in the
    order their headers' ``depends`` give."""
    sqlgraph.install(con, ("temp table",), params, under="pay/")


def _drop_temp_tables(con: duckdb.DuckDBPyConnection) -> None:
    sqlgraph.drop(con, under="pay/")


# Severity audit (docs/metrics.md): a SEV-1 bonus is paid on the declared severity; when the
# recorded impact shows no SEV-1 (severity_audit.finding = sev1_without_evidence) its explanation
# line says so.
_NO_SEV1_EVIDENCE = "; SEV-1 without evidence in the recorded impact (severity_audit): still paid"


def _sev1_without_evidence(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The period's SEV-1s (``pay_sev1``) that severity_audit finds declared without evidence.

    severity_audit judges each incident on its own row; it reads the TEMP ``incidents`` of
    the period's SEV-1s (:func:`_period_sev1_incidents`), not the view's phrase matching over
    every incident (~0.3 s CPU at 100k incidents, a few ms over a month's SEV-1s).
    """
    from analytics.db import sql_text

    sql = sql_text("queries/pay_sev1_without_evidence.sql")
    return {r[0] for r in con.execute(sql).fetchall()}


@contextlib.contextmanager
def _period_sev1_incidents(
    con: duckdb.DuckDBPyConnection, params: dict[str, datetime]
) -> Iterator[None]:
    """A TEMP ``incidents`` of the period's candidate SEV-1s shadows the view while the pay
    tables are built and the SEV-1s' evidence is checked (:func:`analytics.db.incidents_only`):
    ``pay_sev1`` and ``severity_audit`` are the only readers of ``incidents`` there, and both
    keep only SEV-1s of the period. The view picks each incident's winning version by a window
    over every incident (~0.06 s CPU at 100k); a filter on the listed ids reaches below it. A
    caller's own snapshot of the view is left alone.
    """
    from analytics.db import incidents_only, sql_text

    with incidents_only(con, sql_text("queries/pay_sev1_candidates.sql"), params):
        yield


@dataclass
class _PayInputs:
    """What one period's payroll reads from the warehouse, in the order it is paid."""

    pieces: list[dict[str, Any]]  # pay/shift_pieces.sql, by engineer and time
    sev1: list[dict[str, Any]]  # pay/sev1_handlers.sql, by detection time
    unevidenced: set[str]  # SEV-1s severity_audit finds declared without evidence
    pages: list[dict[str, Any]]  # counted overnight pages per engineer and rate
    page_explain: dict[str, list[tuple[str, ...] | str]]  # per engineer (pay_page_explain.sql)
    engineers: dict[str, dict[str, Any]]  # pay/engineers.sql by name_key
    inputs: dict[str, dict[str, Any]]  # pay/inputs_hash.sql: rows and sha256 per input
    policy_version: str  # the policy's version ("" with no policy row)
    pay_policy_version: str  # of its pay keys only (Policy.pay_version)


@dataclass
class _Tally:
    """One engineer's running totals and explanation rows while the period is paid."""

    us: int = 0  # on-call microseconds
    stipend: Fraction = Fraction(0)  # exact, rounded once per line
    sev1: int = 0
    bonus: Decimal = Decimal(0)
    pages: int = 0
    comp: Decimal = Decimal(0)
    explain: list[dict[str, str]] = field(default_factory=list)  # shifts and SEV-1s
    page_rows: list[tuple[str, ...] | str] = field(default_factory=list)  # in file order


def compute_payroll(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end_exclusive: date,
    *,
    policy: Policy | None = None,
) -> Payroll:
    """The payroll of ``[start 00:00Z, end_exclusive 00:00Z)`` (docs/payroll.md).

    Args:
        con: A reader connection (read-only is fine: only TEMP tables are created, and dropped
            again). Its ``policy``/``pay_rates`` may be TEMP-shadowed by ``--policy``.
        start: First day of the period.
        end_exclusive: The day after the last day of the period.
        policy: The policy ``con`` computes with, as the run context holds it
            (:attr:`analytics.context.RunContext.policy`): the payroll's policy versions are
            that object's. ``None``: the one ``con`` reads (stored by the last ingest, or
            TEMP-shadowed), whose versions are read from its rows.

    Returns:
        The lines (one per engineer with any non-zero figure, sorted by team then engineer),
        the explanation rows behind them, data-quality warnings, the inputs' checksum and the
        policy version.

    Raises:
        UsageError: ``end_exclusive`` is not after ``start``.
        AnalyticsError: On-call time or a SEV-1 falls where no pay rate is in force.
    """
    if end_exclusive <= start:
        raise UsageError(
            f"payroll period {start.isoformat()} .. {end_exclusive.isoformat()}: "
            "the end must be after the start"
        )
    last_day = end_exclusive - timedelta(days=1)
    read = _read_inputs(con, _instant(start), _instant(end_exclusive), policy)
    _refuse_unrated(read, f"{start.isoformat()} .. {last_day.isoformat()}")

    warnings: list[str] = []
    tally = {key: _Tally() for key in read.engineers}
    _pay_shifts(tally, read.pieces)
    without_evidence = _pay_sev1(tally, read.sev1, read.unevidenced, warnings)
    _count_pages(tally, read.pages, read.page_explain)
    lines, explain = _payroll_lines(start, last_day, read.engineers, tally, warnings)
    return Payroll(
        period_start=start,
        period_end_exclusive=end_exclusive,
        lines=lines,
        explain=explain,
        warnings=warnings,
        inputs_sha256=_inputs_sha256(read.inputs),
        policy_version=read.policy_version,
        inputs=read.inputs,
        pay_policy_version=read.pay_policy_version,
        sev1_bonuses_without_evidence=without_evidence,
    )


def _read_inputs(
    con: duckdb.DuckDBPyConnection, p0: datetime, p1: datetime, policy: Policy | None
) -> _PayInputs:
    """Everything the period ``[p0, p1)`` pays, read through the ``pay_*`` TEMP tables, and
    the versions of the policy it is paid under."""
    from analytics.db import sql_text

    params = {"period_start": p0, "period_end": p1}
    policy_version, pay_version = _policy_versions(con, policy)
    try:
        with _period_sev1_incidents(con, params):
            _build_temp_tables(con, params)
            unevidenced = _sev1_without_evidence(con)
        # pages can be many: count them per engineer and rate in SQL, format their
        # explanation rows there too, and hand Python only strings
        return _PayInputs(
            pieces=_rows(con, "select * from pay_shift_pieces order by name_key, start_at"),
            sev1=_rows(con, "select * from pay_sev1 order by detected_at, incident_id"),
            unevidenced=unevidenced,
            pages=_rows(con, sql_text("queries/pay_overnight_page_counts.sql")),
            page_explain=_page_explain(con),
            engineers={r["name_key"]: r for r in _rows(con, "select * from pay_engineers")},
            inputs={
                r["input"]: {"rows": int(r["rows"]), "sha256": r["sha256"]}
                for r in _rows(con, sql_text("queries/pay_inputs_hash.sql"), params)
            },
            policy_version=policy_version,
            pay_policy_version=pay_version,
        )
    finally:
        _drop_temp_tables(con)


def _page_explain(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, ...] | str]]:
    """The counted pages' explanation rows per engineer (name_key), each its CSV line or its
    cells (``sql/queries/pay_page_explain.sql``), in file order."""
    from analytics.db import sql_text

    by_engineer: dict[str, list[tuple[str, ...] | str]] = {}
    rows = con.execute(sql_text("queries/pay_page_explain.sql")).fetchall()
    for key, group in itertools.groupby(rows, key=operator.itemgetter(0)):
        by_engineer[key] = [line if cells is None else tuple(cells) for _, line, cells in group]
    return by_engineer


def _inputs_sha256(inputs: dict[str, dict[str, Any]]) -> str:
    """One checksum over the per-input row counts and checksums, in input order."""
    digest = hashlib.sha256()
    for name, info in inputs.items():
        digest.update(f"{name}:{info['rows']}:{info['sha256']}\n".encode())
    return digest.hexdigest()


def _refuse_unrated(read: _PayInputs, period: str) -> None:
    """Refuse a period where on-call time, a paid SEV-1 or a page has no pay rate in force."""
    unrated = [p for p in read.pieces if p["rate_effective_from"] is None]
    unrated += [
        s for s in read.sev1 if s["handler"] is not None and s["rate_effective_from"] is None
    ]
    unrated += [p for p in read.pages if p["rate_effective_from"] is None]
    if unrated:
        first = min(
            r.get("start_at") or r.get("detected_at") or r.get("first_sent_at") for r in unrated
        )
        raise AnalyticsError(
            f"payroll {period}: no pay rate in force at {_ts(first)} "
            f"({len(unrated)} shift pieces, SEV-1s or pages affected); "
            "add an earlier [[pay]] effective_from to the policy"
        )


def _pay_shifts(tally: dict[str, _Tally], pieces: list[dict[str, Any]]) -> None:
    """The stipend of each shift piece: weekly stipend x seconds / 604800, kept exact."""
    for p in pieces:
        t = tally[p["name_key"]]
        weekly = _decimal(p["weekly_stipend_usd"])
        num, den = weekly.as_integer_ratio()  # one Fraction, not three (Fraction(Decimal) is slow)
        exact = Fraction(num * p["duration_us"], den * _US_PER_WEEK)
        t.us += p["duration_us"]
        t.stipend += exact
        t.explain.append(
            {
                "kind": "shift",
                "ref": p["teams"],
                "source_team": p["teams"],
                "start_at": _ts_us(p["start_at"]),
                "end_at": _ts_us(p["end_at"]),
                "seconds": _seconds(p["duration_us"]),
                "rate_effective_from": p["rate_effective_from"].astimezone(UTC).date().isoformat(),
                "rate": _money(weekly),
                "amount_usd": format(_round_half_up(exact, _MICRO), "f"),
                "comp_time_hours": "",
                "detail": "weekly stipend x seconds / 604800",
            }
        )


def _pay_sev1(
    tally: dict[str, _Tally],
    sev1: list[dict[str, Any]],
    unevidenced: set[str],
    warnings: list[str],
) -> int:
    """The SEV-1 bonuses; a SEV-1 nobody can be paid for becomes a warning. Returns how many
    bonuses were paid on a SEV-1 that severity_audit finds declared without evidence."""
    without_evidence = 0
    for s in sev1:
        if s["detected_at"] is None:
            warnings.append(
                f"SEV-1 {s['incident_id']} has no DETECTED time: no bonus is paid for it; "
                "add DETECTED to its post-mortem"
            )
            continue
        if s["handler"] is None:
            warnings.append(
                f"SEV-1 {s['incident_id']} detected {_ts(s['detected_at'])} has no acknowledger "
                f"and nobody of team {s['team'] or '(none)'} was on call: no bonus is paid; "
                "add ACKNOWLEDGED or fix the rotation"
            )
            continue
        t = tally[s["name_key"]]
        bonus = _decimal(s["sev1_bonus_usd"])
        t.sev1 += 1
        t.bonus += bonus
        t.explain.append(
            {
                "kind": "sev1",
                "ref": s["incident_id"],
                "source_team": s["team"] or "",
                "start_at": _ts_us(s["detected_at"]),
                "end_at": "",
                "seconds": "",
                "rate_effective_from": s["rate_effective_from"].astimezone(UTC).date().isoformat(),
                "rate": _money(bonus),
                "amount_usd": _money(bonus),
                "comp_time_hours": "",
                "detail": (
                    "acknowledged"
                    if s["handled_as"] == "acknowledged"
                    else "on call at detection (no acknowledger)"
                )
                + (_NO_SEV1_EVIDENCE if s["incident_id"] in unevidenced else ""),
            }
        )
        if s["incident_id"] in unevidenced:
            without_evidence += 1
    return without_evidence


def _count_pages(
    tally: dict[str, _Tally],
    pages: list[dict[str, Any]],
    page_explain: dict[str, list[tuple[str, ...] | str]],
) -> None:
    """The counted overnight pages and their comp time; their explanation rows as SQL made them."""
    for p in pages:
        t = tally[p["name_key"]]
        t.pages += p["pages"]
        t.comp += _decimal(p["comp_hours_per_overnight_page"]) * p["pages"]
    for key, rows in page_explain.items():
        tally[key].page_rows = rows


def _payroll_lines(
    start: date,
    last_day: date,
    engineers: dict[str, dict[str, Any]],
    tally: dict[str, _Tally],
    warnings: list[str],
) -> tuple[list[PayrollLine], _ExplainRows]:
    """One line per engineer with any on-call time, SEV-1 or page (rounded once, half-up),
    sorted by team then engineer, with the explanation rows named after it in the same order;
    missing people data becomes a warning, in the same order."""
    paid: list[tuple[PayrollLine, _Tally, dict[str, Any]]] = []
    for key, e in engineers.items():
        t = tally[key]
        if t.us == 0 and t.sev1 == 0 and t.pages == 0:
            continue
        stipend = _round_half_up(t.stipend)
        bonus = t.bonus.quantize(_CENT)
        line = PayrollLine(
            period_start=start,
            period_end=last_day,
            employee_id=e["employee_id"] or "",
            engineer=e["engineer"],
            team=e["team"] or "",
            oncall_hours=_round_half_up(Fraction(t.us, _US_PER_HOUR)),
            stipend_usd=stipend,
            sev1_incidents=t.sev1,
            sev1_bonus_usd=bonus,
            overnight_pages=t.pages,
            comp_time_hours=_round_half_up(t.comp),
            total_pay_usd=stipend + bonus,
        )
        paid.append((line, t, e))
    paid.sort(key=lambda x: _sort_key(x[0].team, x[0].engineer))
    explain: list[tuple[str, ...] | str] = []
    for line, t, e in paid:  # the warnings in the lines' order, not the SQL's grouping's
        warnings.extend(_people_warnings(line, e))
        who = (line.engineer, line.employee_id, line.team)
        own = sorted(t.explain, key=_explain_key)
        explain.extend((*who, *(row[c] for c in _EXPLAIN_OWN)) for row in own)
        explain.extend(t.page_rows)
    return [line for line, _, _ in paid], _ExplainRows(explain)


def _people_warnings(line: PayrollLine, engineer: dict[str, Any]) -> list[str]:
    """What people.csv lacks for this line: the engineer, their employee id, a known time zone."""
    found = []
    if not engineer["in_people"]:
        found.append(
            f"{line.engineer} is not in people.csv: payroll line kept with an empty "
            f"employee_id, team {line.team or '(none)'} from the pay inputs, time zone UTC; "
            "add them to people.csv"
        )
    elif not line.employee_id:
        found.append(
            f"{line.engineer} has no employee_id in people.csv: payroll line kept with an "
            "empty employee_id; add it to people.csv"
        )
    if not engineer["timezone_known"]:
        found.append(
            f"{line.engineer}: time zone {engineer['timezone']!r} in people.csv is not an IANA "
            "name: overnight pages were judged in UTC"
        )
    return found


_KIND_RANK = {"shift": 0, "sev1": 1, "overnight_page": 2}


# the cells of a shift's or SEV-1's explanation row after the line's engineer, id and team
_EXPLAIN_OWN = EXPLAIN_COLUMNS[3:]


def _explain_key(row: dict[str, str]) -> tuple[int, str, str]:
    """A line's explanation rows by kind (shifts, SEV-1s, pages), start and ref; the pages'
    rows come in that order from SQL (``sql/queries/pay_page_explain.sql``)."""
    return (_KIND_RANK[row["kind"]], row["start_at"], row["ref"])


def _policy_versions(con: duckdb.DuckDBPyConnection, policy: Policy | None) -> tuple[str, str]:
    """The policy's version and its pay keys' version (what finality compares): the run's
    policy object's when it has one (``--policy``); else those of the policy ``con`` reads,
    which exists only as rows (the one stored by the last ingest): its pay keys are read back
    and hashed as :attr:`Policy.pay_version` hashes them. ``("", "")`` with no policy row."""
    from analytics.policy import PayRate, pay_policy_version

    if policy is not None:
        return policy.version, policy.pay_version
    row = con.execute(
        "select policy_version, overnight_start, overnight_end from policy limit 1"
    ).fetchone()
    if row is None:
        return "", ""
    rates = [
        PayRate(
            r["effective_from"].astimezone(UTC).date(),
            _decimal(r["weekly_stipend_usd"]),
            _decimal(r["sev1_bonus_usd"]),
            _decimal(r["comp_hours_per_overnight_page"]),
        )
        for r in _rows(con, "select * from pay_rates order by effective_from")
    ]
    return row[0], pay_policy_version(rates, row[1], row[2])


def _sort_key(team: str, engineer: str) -> tuple[str, str, str]:
    return (team, engineer.casefold(), engineer)


# --- rendering ----------------------------------------------------------------------------------

# A cell a spreadsheet would run as a formula (or DDE) starts with one of these (docs/payroll.md).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The text cells of each file; the others are numbers, dates and timestamps the program writes.
_CSV_TEXT = ("employee_id", "engineer", "team")
_EXPLAIN_TEXT = ("engineer", "employee_id", "team", "kind", "ref", "source_team", "detail")


def spreadsheet_safe(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would run it (docs/payroll.md)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _line_values(line: PayrollLine) -> dict[str, str]:
    return {
        "period_start": line.period_start.isoformat(),
        "period_end": line.period_end.isoformat(),
        "employee_id": line.employee_id,
        "engineer": line.engineer,
        "team": line.team,
        "oncall_hours": format_hours(line.oncall_hours),
        "stipend_usd": _money(line.stipend_usd),
        "sev1_incidents": str(line.sev1_incidents),
        "sev1_bonus_usd": _money(line.sev1_bonus_usd),
        "overnight_pages": str(line.overnight_pages),
        "comp_time_hours": format_hours(line.comp_time_hours),
        "total_pay_usd": _money(line.total_pay_usd),
    }


def _render(
    columns: tuple[str, ...], text_columns: tuple[str, ...], rows: list[dict[str, str]]
) -> tuple[bytes, int]:
    """CSV bytes with the text cells made spreadsheet-safe, and how many cells that changed."""
    text = frozenset(text_columns)
    escaped = 0
    table: list[list[Any]] = []
    # one pass over each row's cells in column order (a missing one empty, as DictWriter
    # wrote it), no copy of the row: the explanation file has ~70k rows at 10 M pages
    for row in rows:
        values: list[Any] = []
        for column in columns:
            if column in text:
                value = row.get(column) or ""
                if value.startswith(_FORMULA_STARTS):
                    value = "'" + value
                    escaped += 1
            else:
                value = row.get(column, "")
            values.append(value)
        table.append(values)
    buffer = io.StringIO(newline="")
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(columns)
    out.writerows(table)
    return buffer.getvalue().encode("utf-8"), escaped


_EXPLAIN_TEXT_AT = tuple(EXPLAIN_COLUMNS.index(c) for c in _EXPLAIN_TEXT)


def _render_explain(explain: Sequence[dict[str, str]]) -> tuple[bytes, int]:
    """The explanation file as :func:`_render` writes it, and how many cells were made
    spreadsheet-safe. Rows kept as cells (:class:`_ExplainRows`) are written by ``csv``; the
    lines SQL formatted (no cell to quote or make safe) are copied as they are."""
    if not isinstance(explain, _ExplainRows):
        return _render(EXPLAIN_COLUMNS, _EXPLAIN_TEXT, list(explain))
    escaped = 0
    buffer = io.StringIO(newline="")
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(EXPLAIN_COLUMNS)
    run: list[str] = []  # consecutive lines formatted in SQL
    for row in explain.rows:
        if isinstance(row, str):
            run.append(row)
            continue
        if run:
            buffer.write("\n".join(run) + "\n")
            run.clear()
        cells = list(row)
        for i in _EXPLAIN_TEXT_AT:
            value = cells[i] or ""
            if value.startswith(_FORMULA_STARTS):
                value = "'" + value
                escaped += 1
            cells[i] = value
        out.writerow(cells)
    if run:
        buffer.write("\n".join(run) + "\n")
    return buffer.getvalue().encode("utf-8"), escaped


def _render_csv(payroll: Payroll) -> tuple[bytes, int]:
    lines = sorted(payroll.lines, key=lambda x: _sort_key(x.team, x.engineer))
    return _render(CSV_COLUMNS, _CSV_TEXT, [_line_values(x) for x in lines])


def render_csv(payroll: Payroll) -> bytes:
    """The payroll CSV of docs/payroll.md: its columns in order, one row per line, sorted by team
    then engineer; money with two decimals, hours with up to two; ``\\n`` endings; UTF-8 without
    BOM; text cells that a spreadsheet would run as a formula start with ``'`` (docs/payroll.md).
    """
    return _render_csv(payroll)[0]


def render_explain(payroll: Payroll) -> bytes:
    """The explanation CSV: one row per shift piece, paid SEV-1 and counted overnight page
    (text cells spreadsheet-safe as in :func:`render_csv`)."""
    return _render_explain(payroll.explain)[0]


@dataclass(frozen=True)
class _Files:
    """The three files of one export, rendered."""

    csv_path: Path
    manifest_path: Path
    explain_path: Path
    csv_data: bytes
    explain_data: bytes
    manifest_data: bytes
    csv_sha256: str  # of csv_data, hashed once: the manifest, finality and the ledger use it

    def items(self) -> list[tuple[Path, bytes]]:
        return [
            (self.csv_path, self.csv_data),
            (self.manifest_path, self.manifest_data),
            (self.explain_path, self.explain_data),
        ]


def _render_files(payroll: Payroll, csv_path: Path, *, final: bool, warnings: list[str]) -> _Files:
    manifest_path, explain_path = _sidecars(csv_path)
    csv_data, csv_escaped = _render_csv(payroll)
    csv_sha256 = hashlib.sha256(csv_data).hexdigest()
    explain_data, explain_escaped = _render_explain(payroll.explain)
    body = {
        "period_start": payroll.period_start.isoformat(),
        "period_end": payroll.period_end.isoformat(),
        "period_end_exclusive": payroll.period_end_exclusive.isoformat(),
        "final": final,
        "csv": csv_path.name,
        "csv_sha256": csv_sha256,
        "explain": explain_path.name,
        "explain_sha256": hashlib.sha256(explain_data).hexdigest(),
        "inputs_sha256": payroll.inputs_sha256,
        "inputs": payroll.inputs,
        "policy_version": payroll.policy_version,
        "pay_policy_version": payroll.pay_policy_version,
        "package_version": __version__,
        "rows": len(payroll.lines),
        "totals": payroll.totals(),
        "spreadsheet_escaped_cells": {"csv": csv_escaped, "explain": explain_escaped},
        "warnings": warnings,
        "sev1_bonuses_without_evidence": payroll.sev1_bonuses_without_evidence,
    }
    manifest = (json.dumps(body, indent=2, sort_keys=False) + "\n").encode("utf-8")
    return _Files(
        csv_path, manifest_path, explain_path, csv_data, explain_data, manifest, csv_sha256
    )


# --- coverage -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageFinding:
    """One thing the data does not cover in a pay period (docs/payroll.md).

    ``level`` is ``"blocker"`` (the period can only be exported ``--provisional``: it has not
    ended, or has no on-call shift at all), ``"shortfall"`` (refused unless ``--provisional``
    or ``--accept-coverage``) or ``"warning"`` (an interior rotation gap no longer than
    ``[coverage] max_gap_hours``: reported, the export goes on).
    """

    level: str
    source: str  # "period", "rotations", "incidents", "pages"
    team: str | None  # rotations only
    start_at: datetime  # the instant from which the data is missing
    end_at: datetime | None  # and until which (None: not applicable)
    message: str  # one line naming the team or source and the instants


@dataclass(frozen=True)
class PeriodCoverage:
    """What a pay period's data covers: every finding, in a stable order."""

    period_start: datetime
    period_end: datetime
    findings: tuple[CoverageFinding, ...]

    def _messages(self, *levels: str) -> list[str]:
        return [f.message for f in self.findings if f.level in levels]

    @property
    def blockers(self) -> list[str]:
        """Why only a provisional export is possible (period not over; no on-call shift)."""
        return self._messages("blocker")

    @property
    def shortfalls(self) -> list[str]:
        """Blockers and shortfalls: everything that stops a final export."""
        return self._messages("blocker", "shortfall")

    @property
    def warnings(self) -> list[str]:
        """Short interior rotation gaps: reported, not refused."""
        return self._messages("warning")

    @property
    def complete(self) -> bool:
        """Whether a final export may be written without ``--accept-coverage``."""
        return not self.shortfalls


def _hours(delta: timedelta) -> str:
    return format_hours(Decimal(delta.total_seconds()) / 3600)


def period_coverage(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end_exclusive: date,
    *,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> PeriodCoverage:
    """What the warehouse covers of the pay period ``[start, end_exclusive)`` (docs/payroll.md).

    Built on :func:`analytics.coverage.shortfalls` (the one definition of uncovered stretches),
    judged as payroll must: an expected team's edges are shortfalls, its interior gaps only
    when longer than ``[coverage] max_gap_hours`` (else warnings); incidents and pages must
    reach the period end (where their data *starts* is no payroll matter: a first page may
    come any time); a source with no rows at all is a shortfall too (money depends on it).

    Args:
        con: A reader connection.
        start: First day of the period.
        end_exclusive: The day after its last day.
        now: The wall clock (default the current time): a period ending after it is not over.
        policy: Its ``[coverage]`` keys (default the built-in ones): ``team_starts`` /
            ``team_ends`` narrow a team's expected time, ``max_gap_hours`` separates
            shortfall gaps from warnings.

    Returns:
        Findings, in the order: the period itself, then rotations by team and time, then
        incidents and pages.
    """
    from analytics import coverage
    from analytics.db import sql_text
    from analytics.policy import DEFAULT_POLICY

    rules = policy or DEFAULT_POLICY
    clock = now or datetime.now(UTC)
    p0, p1 = _instant(start), _instant(end_exclusive)
    period = f"{start.isoformat()} .. {(end_exclusive - timedelta(days=1)).isoformat()}"
    found: list[CoverageFinding] = []

    if p1 > clock:
        message = f"period {period} has not ended: it ends {_ts(p1)}, after now ({_ts(clock)})"
        found.append(CoverageFinding("blocker", "period", None, clock, p1, message))
    (shifts,) = con.execute(
        sql_text("queries/pay_period_shifts.sql"), {"period_start": p0, "period_end": p1}
    ).fetchone()
    if not shifts:
        message = f"rotations: no on-call shift in {period} at all ({_ts(p0)} to {_ts(p1)})"
        found.append(CoverageFinding("blocker", "rotations", None, p0, p1, message))

    rows = coverage.read_coverage(con, loads=False)  # no load times: a payroll never shows them
    spans = {c.team: c for c in rows if c.source == "rotations" and c.provided}
    declared_starts = dict(rules.coverage_team_starts)
    declared_ends = dict(rules.coverage_team_ends)
    uncovered = coverage.shortfalls(
        con,
        p0,
        p1,
        team_starts=declared_starts,
        team_ends=declared_ends,
        sources=("rotations", "incidents", "pages"),
        rows=rows,  # the view is read once: it costs a second at 10 M pages
    )
    for s in uncovered:
        if s.source == "rotations":
            team = spans[s.team]
            found.append(
                _rotation_finding(
                    s,
                    (team.first_at, team.covered_until),
                    (
                        s.team in declared_starts and _at(declared_starts[s.team]) > p0,
                        s.team in declared_ends and _at(declared_ends[s.team]) < p1,
                    ),
                    rules.coverage_max_gap_hours,
                )
            )
    events = {c.source: c for c in rows}
    for source in ("incidents", "pages"):
        row = events.get(source)
        if row is None or not row.provided:
            message = (
                f"{source}: no data in the warehouse, so none before {_ts(p1)}; ingest the {source}"
            )
            found.append(CoverageFinding("shortfall", source, None, p1, None, message))
        for s in uncovered:
            if s.source == source and s.kind == "after_last":
                message = (
                    f"{source}: data ends {_ts(s.start_at)}, {_hours(s.end_at - s.start_at)} h "
                    f"before the period end {_ts(p1)}; ingest the later {source}"
                )
                found.append(CoverageFinding("shortfall", source, None, s.start_at, p1, message))
    return PeriodCoverage(p0, p1, tuple(found))


def _at(value: date | datetime) -> datetime:
    """A declared ``[coverage]`` day (00:00 UTC) or instant."""
    return value if isinstance(value, datetime) else _instant(value)


def _rotation_finding(
    gap: Shortfall,
    span: tuple[datetime, datetime],
    declared: tuple[bool, bool],
    max_gap_hours: float,
) -> CoverageFinding:
    """How payroll judges one uncovered stretch of an expected team (a coverage.Shortfall):
    before its first shift piece or after its last (an edge) always a shortfall; between two
    pieces only when longer than ``max_gap_hours``, else a warning."""
    g0, g1 = gap.start_at, gap.end_at
    first_at, last_at = span
    length = f"{_hours(g1 - g0)} h"
    start_name = "its declared start (team_starts)" if declared[0] else "the period start"
    end_name = "its declared end (team_ends)" if declared[1] else "the period end"
    level = "shortfall"
    if gap.kind == "after_last":
        message = (
            f"rotation data ends {_ts(last_at)}: uncovered from {_ts(g0)} to {end_name} "
            f"{_ts(g1)} ({length}); ingest the later rotation, or declare [coverage] "
            "team_ends if it stopped"
        )
    elif gap.kind == "before_first":
        message = (
            f"first shift starts {_ts(first_at)}: uncovered from {start_name} {_ts(g0)} to "
            f"{_ts(g1)} ({length}); ingest the earlier rotation, or declare [coverage] "
            "team_starts if it began then"
        )
    elif g1 - g0 > timedelta(hours=max_gap_hours):
        limit = format_hours(Decimal(str(max_gap_hours)))
        message = (
            f"nobody on call from {_ts(g0)} to {_ts(g1)} ({length}, longer than "
            f"[coverage] max_gap_hours = {limit})"
        )
    else:
        level = "warning"
        message = f"nobody on call from {_ts(g0)} to {_ts(g1)} ({length}): nobody is paid for it"
    return CoverageFinding(level, "rotations", gap.team, g0, g1, f"team {gap.team}: {message}")


class CoverageRefused(AnalyticsError):
    """A final export refused for what the data does not cover: one line per finding, then a
    summary (``lines``); the message is the summary."""

    def __init__(self, lines: list[str], summary: str) -> None:
        self.lines = [*lines, summary]
        super().__init__(summary)


# --- exporting ----------------------------------------------------------------------------------


def _default_out(start: date, end_exclusive: date) -> Path:
    if start.day == 1 and month_period(f"{start:%Y-%m}")[1] == end_exclusive:
        name = f"payroll-{start:%Y-%m}.csv"
    else:
        last = end_exclusive - timedelta(days=1)
        name = f"payroll-{start.isoformat()}_{last.isoformat()}.csv"
    path = _PAY_DIR / name
    # built from parameters: it must stay inside reports/payroll (docs/security.md)
    if path.resolve().parent != _PAY_DIR.resolve():
        raise UsageError(f"payroll output {path} would leave {_PAY_DIR}")
    return path


def _stem(csv_path: Path) -> str:
    return csv_path.name[: -len(".csv")] if csv_path.name.endswith(".csv") else csv_path.name


def _sidecars(csv_path: Path) -> tuple[Path, Path]:
    stem = _stem(csv_path)
    return (
        csv_path.with_name(stem + ".manifest.json"),
        csv_path.with_name(stem + ".explain.csv"),
    )


def provisional_path(csv_path: Path) -> Path:
    """Where the provisional export of ``csv_path`` goes: ``<stem>.provisional.csv``."""
    return csv_path.with_name(_stem(csv_path) + ".provisional.csv")


def _check_out(csv_path: Path, db: Path) -> None:
    """Refuse, before any work, an output path that cannot be a file (exit 2)."""
    try:
        _check_out_path(csv_path, db)
    except OSError as exc:  # a name too long, a loop of symlinks, ...
        raise UsageError(f"--out {csv_path}: {exc.strerror or exc}") from None


def _check_out_path(csv_path: Path, db: Path) -> None:
    if csv_path.is_dir():
        raise UsageError(f"--out {csv_path}: is a folder; name the CSV file to write")
    warehouse = db.resolve()
    for path in (csv_path, *_sidecars(csv_path)):
        if path.resolve() in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
            raise UsageError(f"--out {csv_path}: {path} is the warehouse; name another file")
        if path.exists() and not path.is_file():  # a device, a FIFO, a socket: never replaced
            raise UsageError(f"--out {csv_path}: {path} exists and is not a regular file")
    folder = csv_path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise UsageError(f"--out {csv_path}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"--out {csv_path}: cannot write in {folder} (permission denied)")


def _file_mode() -> int:
    """The mode a plain ``open()`` gives a new file: payroll files follow the umask, as
    reports do (mkstemp alone makes them 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


class _FileSet:
    """Files replaced as a set: all written to temp names beside their targets, then swapped
    in; :meth:`undo` puts every previous file back (and removes the new ones that had none),
    so on any failure none changes."""

    def __init__(self, items: list[tuple[Path, bytes]]) -> None:
        self.items = items
        self.staged: list[tuple[Path, Path]] = []  # (temp, final)
        self.swapped: list[tuple[Path, Path | None]] = []  # (final, backup of the old one)
        self.created_dirs: list[Path] = []

    def stage(self) -> None:
        mode = _file_mode()
        for path, data in self.items:
            self._mkdirs(path.parent)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            self.staged.append((Path(tmp), path))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, mode)

    def _mkdirs(self, folder: Path) -> None:
        missing = []
        while not folder.exists() and folder != folder.parent:
            missing.append(folder)
            folder = folder.parent
        for new in reversed(missing):
            try:
                new.mkdir()
            except FileExistsError:
                if new.is_dir():  # "a/.." exists once "a" does
                    continue
                raise
            self.created_dirs.append(new)

    def swap(self) -> None:
        for tmp, final in self.staged:
            backup = None
            if final.exists():
                backup = final.with_name(f".{final.name}.{secrets.token_hex(6)}.old")
                try:
                    os.link(final, backup)
                except OSError:
                    shutil.copy2(final, backup)
            try:
                os.replace(tmp, final)
            except BaseException:
                if backup is not None:
                    with contextlib.suppress(OSError):
                        backup.unlink()
                raise
            self.swapped.append((final, backup))

    def undo(self) -> None:
        for final, backup in reversed(self.swapped):
            with contextlib.suppress(OSError):
                if backup is None:
                    final.unlink()
                else:
                    os.replace(backup, final)
        self.swapped = []
        for tmp, _ in self.staged:
            with contextlib.suppress(OSError):
                tmp.unlink()
        for folder in reversed(self.created_dirs):
            with contextlib.suppress(OSError):
                folder.rmdir()

    def done(self) -> None:
        for _, backup in self.swapped:
            if backup is not None:
                with contextlib.suppress(OSError):
                    backup.unlink()


def _write_set(items: list[tuple[Path, bytes]], *, then: Any = None) -> None:
    """Replace the files of ``items`` as a set; ``then()`` (recording the export) runs after
    the swap, and its failure undoes it. An ``OSError`` becomes one line, nothing changed."""
    files = _FileSet(items)
    try:
        files.stage()
        files.swap()
        if then is not None:
            then()
    except OSError as exc:
        files.undo()
        where = exc.filename or items[0][0]
        raise AnalyticsError(
            f"cannot write the payroll files ({where}: {exc.strerror or exc}); "
            "nothing was written or recorded"
        ) from None
    except BaseException:
        files.undo()
        raise
    files.done()


def _line_snapshot(payroll: Payroll) -> dict[str, dict[str, str]]:
    return {
        x.engineer: {k: v for k, v in _line_values(x).items() if k not in ("engineer",)}
        for x in payroll.lines
    }


# the columns of a line that a re-export reports changes of (the period is the same)
_COMPARED = tuple(c for c in CSV_COLUMNS if c not in ("period_start", "period_end", "engineer"))


def _delta(old: str, new: str) -> str:
    try:
        d = Decimal(new or "0") - Decimal(old or "0")
    except ArithmeticError:
        return ""
    return f" ({'+' if d >= 0 else ''}{d})"


def _describe_changes(old: dict[str, dict[str, str]], new: dict[str, dict[str, str]]) -> list[str]:
    changes: list[str] = []
    numeric = set(_COMPARED) - {"employee_id", "team"}
    for name in sorted(set(old) | set(new), key=str.casefold):
        before, after = old.get(name), new.get(name)
        if before is None:
            changes.append(f"{name}: new line, total_pay_usd {after['total_pay_usd']}")
        elif after is None:
            changes.append(f"{name}: line removed, was total_pay_usd {before['total_pay_usd']}")
        else:
            parts = [
                f"{k} {before.get(k, '')} -> {after[k]}"
                + (_delta(before.get(k, ""), after[k]) if k in numeric else "")
                for k in _COMPARED
                if before.get(k, "") != after[k]
            ]
            if parts:
                changes.append(f"{name}: " + ", ".join(parts))
    return changes


_LEDGER_COLUMN_DOC = (
    "Version of the pay keys of the policy ([[pay]], [overnight]) the export used: what "
    "finality compares, so other policy keys never make a final period refuse."
)


def _ledger(con: duckdb.DuckDBPyConnection, start: date, last_day: date) -> list[dict[str, Any]]:
    """The final exports whose period shares a day with ``[start, last_day]``, newest first
    per period (a warehouse from before ``pay_policy_version`` reads it as NULL)."""
    from analytics.db import sql_text

    rows = _rows(
        con,
        sql_text("queries/pay_exports_sharing_days.sql"),
        {"period_start": start, "period_end": last_day},
    )
    latest: dict[tuple[date, date], dict[str, Any]] = {}
    for row in rows:
        latest.setdefault((row["period_start"], row["period_end"]), row)
    return list(latest.values())


def _add_ledger_column(con: duckdb.DuckDBPyConnection) -> None:
    """Give a warehouse written before ``pay_policy_version`` existed that column."""
    from analytics.db import quote_literal

    (present,) = con.execute(
        "select count(*) from duckdb_columns() where schema_name = 'main' "
        "and table_name = 'payroll_exports' and column_name = 'pay_policy_version'"
    ).fetchone()
    if not present:
        con.execute("alter table payroll_exports add column pay_policy_version varchar")
        con.execute(
            "comment on column payroll_exports.pay_policy_version is "
            + quote_literal(_LEDGER_COLUMN_DOC)
        )


def export_payroll(
    run: RunContext,
    *,
    out: Path | None = None,
    force: bool = False,
    provisional: bool = False,
    accept_coverage: bool = False,
) -> ExportResult:
    """Compute a period's payroll and write the CSV, its manifest and its explanation file.

    A final export needs a period that is over and whose data covers it (:func:`period_coverage`);
    it is compared with every final export sharing time with it (finality by instant) and
    recorded in ``payroll_exports``. A provisional export writes ``<stem>.provisional.*`` files
    and records nothing. The three files are replaced as a set.

    Args:
        run: The run's context (:mod:`analytics.context`): ``run.db`` the warehouse;
            ``run.period`` the pay period, whole days from 00:00 UTC (a calendar month, or
            ``--from``/``--to``); ``run.as_of`` the clock the export is judged and recorded at
            (a period ending after it is not over; ``exported_at``), and the views' time;
            ``run.policy`` the ``--policy`` in force (TEMP-shadowed in the reader; its
            versions are the payroll's and its ``[coverage]`` keys judge coverage), ``None``
            for the stored one with the built-in ``[coverage]``; ``run.wait`` the seconds to
            retry while another process holds the warehouse.
        out: CSV path as the user gave it; default ``reports/payroll/payroll-<YYYY-MM>.csv``
            for a calendar month, else ``payroll-<first>_<last>.csv``.
        force: Replace a final export (of this period, or sharing time with it) that this one
            would pay differently.
        provisional: Write a draft (``"final": false``) whatever the coverage; record nothing.
        accept_coverage: Finalise despite coverage shortfalls (kept in the manifest's warnings);
            a period not over, or with no on-call shift, still needs ``provisional``.

    Returns:
        The paths written, the payroll, whether it is final, every warning, and ``status``
        ``"unchanged"`` when the same period was exported before to a byte-identical CSV,
        else ``"written"``.

    Raises:
        CoverageRefused: The data does not cover the period (and neither ``provisional`` nor,
            for shortfalls, ``accept_coverage`` is set).
        AnalyticsError: The export would pay time a final export already paid differently,
            and ``force`` is not set (the message lists the lines); or the files cannot be
            written (nothing is then written or recorded).
        UsageError: The run has no period, or it is empty or reversed, the options contradict
            each other, or ``out`` cannot be a file.
        WarehouseBusy: Another process held the warehouse for longer than ``run.wait``.
    """
    if run.period is None:
        raise UsageError("the payroll needs a period: --period YYYY-MM or --from/--to")
    start, end_exclusive = run.period.start.date(), run.period.end.date()  # pay days: 00:00 UTC
    if end_exclusive <= start:
        raise UsageError(
            f"payroll period {start.isoformat()} .. {end_exclusive.isoformat()}: "
            "the end must be after the start"
        )
    if provisional and (force or accept_coverage):
        other = "--force" if force else "--accept-coverage"
        raise UsageError(
            f"--provisional writes a draft and never touches a final export: {other} "
            "does not apply to it"
        )
    clock = run.as_of
    last_day = end_exclusive - timedelta(days=1)
    period = f"{start.isoformat()} .. {last_day.isoformat()}"
    csv_path = Path(out) if out is not None else _default_out(start, end_exclusive)
    if provisional:
        csv_path = provisional_path(csv_path)
    _check_out(csv_path, run.db)

    with run.reader() as con:
        coverage = period_coverage(con, start, end_exclusive, now=clock, policy=run.policy)
        if not provisional:
            _refuse_uncovered(period, coverage, accept_coverage=accept_coverage)
        payroll = compute_payroll(con, start, end_exclusive, policy=run.policy)
        finals = _ledger(con, start, last_day)
        # the time this export shares with each final export of another period, computed
        # now so the writer below only compares
        overlaps = {
            (row["period_start"], row["period_end"]): _overlap_payroll(
                con, start, last_day, row, run.policy
            )
            for row in finals
            if (row["period_start"], row["period_end"]) != (start, last_day) and not provisional
        }

    warnings = [*coverage.warnings, *payroll.warnings]
    if provisional:
        warnings = [*coverage.shortfalls, *warnings]
        warnings += [
            f"overlaps the final export of {_period_text(r)} (exported {_ts(r['exported_at'])})"
            for r in finals
        ]
        files = _render_files(payroll, csv_path, final=False, warnings=warnings)
        _write_set(files.items())
        return _result(files, payroll, "written", final=False, warnings=warnings)
    if coverage.shortfalls:  # accepted
        warnings = [
            *(f"coverage accepted (--accept-coverage): {s}" for s in coverage.shortfalls),
            *warnings,
        ]
    files = _render_files(payroll, csv_path, final=True, warnings=warnings)
    status = _record_final(run, period, payroll, files, overlaps, force=force)
    return _result(files, payroll, status, final=True, warnings=warnings)


def _period_text(row: dict[str, Any]) -> str:
    return f"{row['period_start'].isoformat()} .. {row['period_end'].isoformat()}"


def _result(
    files: _Files, payroll: Payroll, status: str, *, final: bool, warnings: list[str]
) -> ExportResult:
    return ExportResult(
        files.csv_path,
        files.manifest_path,
        files.explain_path,
        payroll,
        status,
        final=final,
        warnings=tuple(warnings),
    )


def _refuse_uncovered(period: str, coverage: PeriodCoverage, *, accept_coverage: bool) -> None:
    if coverage.blockers:
        raise CoverageRefused(
            coverage.shortfalls,
            f"payroll {period} refused: only a provisional export is possible "
            f"({len(coverage.blockers)} blocker(s) above); nothing written or recorded; "
            "pass --provisional for a draft",
        )
    if coverage.shortfalls and not accept_coverage:
        raise CoverageRefused(
            coverage.shortfalls,
            f"payroll {period} refused: the data does not cover the period "
            f"({len(coverage.shortfalls)} shortfall(s) above); nothing written or recorded; "
            "ingest the missing data, pass --provisional for a draft, or --accept-coverage "
            "to finalise anyway",
        )


def _overlap_payroll(
    con: duckdb.DuckDBPyConnection,
    start: date,
    last_day: date,
    final: dict[str, Any],
    policy: Policy | None,
) -> Payroll:
    """This export's pay for the days it shares with a final export of another period."""
    first = max(start, final["period_start"])
    last = min(last_day, final["period_end"])
    return compute_payroll(con, first, last + timedelta(days=1), policy=policy)


def _overlap_refusal(period: str, final: dict[str, Any], shared: Payroll) -> str:
    shown = [
        f"{x.engineer} {format_hours(x.oncall_hours)} h {_money(x.total_pay_usd)} USD"
        for x in shared.lines[:5]
    ]
    if len(shared.lines) > 5:
        shown.append(f"and {len(shared.lines) - 5} more")
    return (
        f"payroll {period} shares {shared.period_start.isoformat()} .. "
        f"{shared.period_end.isoformat()} with the final export of {_period_text(final)} "
        f"(exported {_ts(final['exported_at'])}), which already paid that time: it would pay "
        f"it again ({', '.join(shown)}; total {shared.totals()['total_pay_usd']} USD); "
        "pass --force to export it anyway"
    )


def _record_final(
    run: RunContext,
    period: str,
    payroll: Payroll,
    files: _Files,
    overlaps: dict[tuple[date, date], Payroll],
    *,
    force: bool,
) -> str:
    """Compare with the final exports sharing time with this one, then write the files and
    record the export in one step: on any failure neither the files nor the ledger change."""
    from analytics.db import writer

    start, last_day = payroll.period_start, payroll.period_end
    snapshot = {"inputs": payroll.inputs, "lines": _line_snapshot(payroll)}
    with writer(run.db, wait=run.wait) as con:
        con.execute("begin")
        try:
            _add_ledger_column(con)
            finals = _ledger(con, start, last_day)
            same = [r for r in finals if (r["period_start"], r["period_end"]) == (start, last_day)]
            status = "written"
            refusals = []
            if same and same[0]["csv_sha256"] == files.csv_sha256:
                status = "unchanged"  # pays nothing differently, whatever else changed
            else:
                if same and not force:
                    refusals.append(_refusal(period, same[0], payroll, snapshot))
                for row in finals:
                    key = (row["period_start"], row["period_end"])
                    if key == (start, last_day):
                        continue
                    if key not in overlaps:
                        raise AnalyticsError(
                            f"payroll {period}: a final export of {_period_text(row)} was "
                            "recorded while this one was computed; run the payroll again"
                        )
                    if overlaps[key].lines and not force:
                        refusals.append(_overlap_refusal(period, row, overlaps[key]))
            if refusals:
                raise AnalyticsError("; ".join(refusals))

            def record() -> None:
                con.execute(
                    "insert into payroll_exports (period_start, period_end, exported_at, "
                    "csv_sha256, inputs_sha256, policy_version, pay_policy_version, out_path, "
                    "row_count, total_pay_usd, lines_json) values ($start, $end, $at, $csv, "
                    "$inputs, $policy, $pay_policy, $out, $rows, $total::decimal(18, 2), $lines)",
                    {
                        "start": start,
                        "end": last_day,
                        "at": run.as_of,
                        "csv": files.csv_sha256,
                        "inputs": payroll.inputs_sha256,
                        "policy": payroll.policy_version,
                        "pay_policy": payroll.pay_policy_version,
                        "out": str(files.csv_path),
                        "rows": len(payroll.lines),
                        "total": str(payroll.totals()["total_pay_usd"]),
                        "lines": json.dumps(snapshot, sort_keys=True),
                    },
                )
                con.execute("commit")

            _write_set(files.items(), then=record)
        except BaseException:
            with contextlib.suppress(Exception):
                con.execute("rollback")
            raise
    return status


def _refusal(period: str, previous: dict[str, Any], payroll: Payroll, snapshot: dict) -> str:
    try:
        before = json.loads(previous["lines_json"] or "{}")
    except ValueError:
        before = {}
    changes = _describe_changes(before.get("lines", {}), snapshot["lines"])
    old_inputs = before.get("inputs", {})
    changed_inputs = [
        name
        for name, info in payroll.inputs.items()
        if old_inputs.get(name, {}).get("sha256") != info["sha256"]
    ]
    old_pay_policy = previous.get("pay_policy_version")
    if old_pay_policy and old_pay_policy != payroll.pay_policy_version:
        changed_inputs.append(f"pay policy {old_pay_policy} -> {payroll.pay_policy_version}")
    what = "; ".join(changes) if changes else "no line changes"
    return (
        f"payroll {period} was exported at {_ts(previous['exported_at'])} and is final; its "
        f"inputs have changed ({', '.join(changed_inputs) or 'unknown'}): {len(changes)} "
        f"line(s) would change: {what}; pass --force to replace the export"
    )
