"""On-call compensation (SPEC §7, §11) and the payroll export.

The heavy work is set-based SQL in ``analytics/sql/pay`` (shift pieces, SEV-1 handlers, counted
overnight pages, the people behind the lines, the inputs' checksums), run on a read-only
connection into TEMP tables. Python then does the money on the small per-piece results with
:class:`~decimal.Decimal` and :class:`~fractions.Fraction`: every piece's exact amount is summed
and each line is rounded half-up to cents once. Nothing that pays ever passes through a float.

The export (:func:`export_payroll`) computes with a reader that is closed before anything is
written, then holds the warehouse read-write only long enough to check finality against
``payroll_exports``, write the three files atomically and record the export.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import math
import operator
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics import __version__
from analytics.config import DEFAULT_REPORTS
from analytics.errors import AnalyticsError, UsageError

if TYPE_CHECKING:
    import duckdb

    from analytics.policy import Policy

__all__ = [
    "CSV_COLUMNS",
    "EXPLAIN_COLUMNS",
    "ExportResult",
    "Payroll",
    "PayrollLine",
    "compute_payroll",
    "export_payroll",
    "format_hours",
    "month_period",
    "previous_month",
    "render_csv",
    "render_explain",
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
_US_PER_HOUR = 3_600_000_000
_US_PER_WEEK = 168 * _US_PER_HOUR
_PAY_DIR = DEFAULT_REPORTS / "payroll"

# Explanation rows of the counted overnight pages, formatted in SQL (there can be many).
_PAGE_EXPLAIN_SQL = """
select
    name_key,
    'overnight_page' as kind,
    page_id as ref,
    coalesce(team, '') as source_team,
    strftime(sent_at, case when microsecond(sent_at) = 0 then '%Y-%m-%dT%H:%M:%SZ'
        else '%Y-%m-%dT%H:%M:%S.%fZ' end) as start_at,
    '' as end_at,
    '' as seconds,
    strftime(rate_effective_from, '%Y-%m-%d') as rate_effective_from,
    regexp_replace(comp_hours_per_overnight_page::decimal(18, 6)::varchar, '\\.?0+$', '')
        as rate,
    '' as amount_usd,
    regexp_replace(comp_hours_per_overnight_page::decimal(18, 6)::varchar, '\\.?0+$', '')
        as comp_time_hours,
    'local ' || strftime(local_at, '%Y-%m-%d %H:%M:%S') || ' ' || timezone || '; '
        || coalesce('first overnight page of incident ' || incident_id, 'no incident')
        as detail,
from pay_overnight_pages
order by name_key, sent_at, page_id
"""
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class PayrollLine:
    """One engineer's pay for one period (one row of the payroll CSV)."""

    period_start: date
    period_end: date  # the last day included (SPEC §11)
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
    explain: list[dict[str, str]]
    warnings: list[str]
    inputs_sha256: str
    policy_version: str
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
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


# --- periods ------------------------------------------------------------------------------------


def previous_month(today: date) -> tuple[date, date]:
    """The calendar month before ``today``'s: ``(first day, first day of the next month)``."""
    first_of_this = today.replace(day=1)
    first_of_previous = (first_of_this - timedelta(days=1)).replace(day=1)
    return first_of_previous, first_of_this


def month_period(text: str) -> tuple[date, date]:
    """A ``--period`` value ``YYYY-MM`` as ``(first day, first day of the next month)``.

    Raises:
        UsageError: The text is not a calendar month such as ``2026-11``.
    """
    m = _MONTH.match(text.strip()) if isinstance(text, str) else None
    if not m or not 1 <= int(m[2]) <= 12 or int(m[1]) < 1:
        raise UsageError(f"--period {text!r}: expected a calendar month YYYY-MM such as 2026-11")
    start = date(int(m[1]), int(m[2]), 1)
    end = date(start.year + 1, 1, 1) if start.month == 12 else date(start.year, start.month + 1, 1)
    return start, end


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


# --- computing ----------------------------------------------------------------------------------


def _round_half_up(value: Fraction, unit: Decimal = _CENT) -> Decimal:
    """``value`` (>= 0 or not) rounded half-up (away from zero at .5) to ``unit``."""
    scaled = value / Fraction(unit)
    sign = -1 if scaled < 0 else 1
    whole = math.floor(abs(scaled) + Fraction(1, 2))
    return (Decimal(sign * whole) * unit).quantize(unit)


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
    text = format(_round_half_up(Fraction(value)), "f")
    return text.rstrip("0").rstrip(".")


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> list[dict]:
    cur = con.execute(sql, params or {})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _build_temp_tables(con: duckdb.DuckDBPyConnection, params: dict[str, datetime]) -> None:
    from analytics.db import sql_text

    for table, file in (
        ("pay_shift_pieces", "pay/shift_pieces.sql"),
        ("pay_sev1", "pay/sev1_handlers.sql"),
        ("pay_overnight_pages", "pay/overnight_pages.sql"),
        ("pay_engineers", "pay/engineers.sql"),
    ):
        text = sql_text(file)
        # DuckDB refuses parameters a statement does not use
        used = {k: v for k, v in params.items() if f"${k}" in text}
        con.execute(f"create or replace temp table {table} as\n{text}", used)


def _drop_temp_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("pay_engineers", "pay_overnight_pages", "pay_sev1", "pay_shift_pieces"):
        con.execute(f"drop table if exists temp.{table}")


# SPEC §14: a SEV-1 bonus is paid on the declared severity; when the recorded impact shows no
# SEV-1 (severity_audit.finding = sev1_without_evidence) its explanation line says so.
_NO_SEV1_EVIDENCE = "; SEV-1 without evidence in the recorded impact (severity_audit): still paid"


def _sev1_without_evidence(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The period's SEV-1s (``pay_sev1``) that severity_audit finds declared without evidence."""
    rows = con.execute(
        "select incident_id from severity_audit where finding = 'sev1_without_evidence' "
        "and incident_id in (select incident_id from pay_sev1)"
    ).fetchall()
    return {r[0] for r in rows}


def compute_payroll(con: duckdb.DuckDBPyConnection, start: date, end_exclusive: date) -> Payroll:
    """The payroll of ``[start 00:00Z, end_exclusive 00:00Z)`` (SPEC §7).

    Args:
        con: A reader connection (read-only is fine: only TEMP tables are created, and dropped
            again). Its ``policy``/``pay_rates`` may be TEMP-shadowed by ``--policy``.
        start: First day of the period.
        end_exclusive: The day after the last day of the period.

    Returns:
        The lines (one per engineer with any non-zero figure, sorted by team then engineer),
        the explanation rows behind them, data-quality warnings, the inputs' checksum and the
        policy version.

    Raises:
        UsageError: ``end_exclusive`` is not after ``start``.
        AnalyticsError: On-call time or a SEV-1 falls where no pay rate is in force.
    """
    from analytics.db import sql_text

    if end_exclusive <= start:
        raise UsageError(
            f"payroll period {start.isoformat()} .. {end_exclusive.isoformat()}: "
            "the end must be after the start"
        )
    params = {"period_start": _instant(start), "period_end": _instant(end_exclusive)}
    _build_temp_tables(con, params)
    try:
        pieces = _rows(con, "select * from pay_shift_pieces order by name_key, start_at")
        sev1 = _rows(con, "select * from pay_sev1 order by detected_at, incident_id")
        unevidenced = _sev1_without_evidence(con)
        # pages can be many: count them per engineer and rate in SQL, format their
        # explanation rows there too, and hand Python only strings
        pages = _rows(
            con,
            "select name_key, rate_effective_from, comp_hours_per_overnight_page, "
            "count(*) as pages, min(sent_at) as first_sent_at from pay_overnight_pages "
            "group by all order by name_key, rate_effective_from",
        )
        page_explain = con.sql(_PAGE_EXPLAIN_SQL).to_arrow_table().to_pylist()
        engineers = {r["name_key"]: r for r in _rows(con, "select * from pay_engineers")}
        inputs = {
            r["input"]: {"rows": int(r["rows"]), "sha256": r["sha256"]}
            for r in _rows(con, sql_text("pay/inputs_hash.sql"), params)
        }
        version_row = con.execute("select policy_version from policy limit 1").fetchone()
    finally:
        _drop_temp_tables(con)

    policy_version = version_row[0] if version_row else ""
    digest = hashlib.sha256()
    for name, info in inputs.items():
        digest.update(f"{name}:{info['rows']}:{info['sha256']}\n".encode())
    inputs_sha256 = digest.hexdigest()

    last_day = end_exclusive - timedelta(days=1)
    period = f"{start.isoformat()} .. {last_day.isoformat()}"
    warnings: list[str] = []
    unrated = [p for p in pieces if p["rate_effective_from"] is None]
    unrated += [s for s in sev1 if s["handler"] is not None and s["rate_effective_from"] is None]
    unrated += [p for p in pages if p["rate_effective_from"] is None]
    if unrated:
        first = min(
            r.get("start_at") or r.get("detected_at") or r.get("first_sent_at") for r in unrated
        )
        raise AnalyticsError(
            f"payroll {period}: no pay rate in force at {_ts(first)} "
            f"({len(unrated)} shift pieces, SEV-1s or pages affected); "
            "add an earlier [[pay]] effective_from to the policy"
        )

    acc: dict[str, dict[str, Any]] = {
        key: {
            "us": 0,
            "stipend": Fraction(0),
            "sev1": 0,
            "bonus": Decimal(0),
            "pages": 0,
            "comp": Decimal(0),
            "explain": [],
        }
        for key in engineers
    }

    for p in pieces:
        a = acc[p["name_key"]]
        weekly = _decimal(p["weekly_stipend_usd"])
        exact = Fraction(weekly) * p["duration_us"] / _US_PER_WEEK
        a["us"] += p["duration_us"]
        a["stipend"] += exact
        a["explain"].append(
            {
                "kind": "shift",
                "ref": p["teams"],
                "source_team": p["teams"],
                "start_at": _ts_us(p["start_at"]),
                "end_at": _ts_us(p["end_at"]),
                "seconds": _seconds(p["duration_us"]),
                "rate_effective_from": p["rate_effective_from"].astimezone(UTC).date().isoformat(),
                "rate": _money(weekly),
                "amount_usd": format(_round_half_up(exact, Decimal("0.000001")), "f"),
                "comp_time_hours": "",
                "detail": "weekly stipend x seconds / 604800",
            }
        )

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
        a = acc[s["name_key"]]
        bonus = _decimal(s["sev1_bonus_usd"])
        a["sev1"] += 1
        a["bonus"] += bonus
        a["explain"].append(
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

    for p in pages:
        a = acc[p["name_key"]]
        a["pages"] += p["pages"]
        a["comp"] += _decimal(p["comp_hours_per_overnight_page"]) * p["pages"]
    for row in page_explain:
        acc[row.pop("name_key")]["explain"].append(row)

    lines: list[PayrollLine] = []
    explain: list[dict[str, str]] = []
    for key, e in engineers.items():
        a = acc[key]
        if a["us"] == 0 and a["sev1"] == 0 and a["pages"] == 0:
            continue
        stipend = _round_half_up(a["stipend"])
        bonus = a["bonus"].quantize(_CENT)
        line = PayrollLine(
            period_start=start,
            period_end=last_day,
            employee_id=e["employee_id"] or "",
            engineer=e["engineer"],
            team=e["team"] or "",
            oncall_hours=_round_half_up(Fraction(a["us"], _US_PER_HOUR)),
            stipend_usd=stipend,
            sev1_incidents=a["sev1"],
            sev1_bonus_usd=bonus,
            overnight_pages=a["pages"],
            comp_time_hours=_round_half_up(Fraction(a["comp"])),
            total_pay_usd=stipend + bonus,
        )
        lines.append(line)
        if not e["in_people"]:
            warnings.append(
                f"{line.engineer} is not in people.csv: payroll line kept with an empty "
                f"employee_id, team {line.team or '(none)'} from the pay inputs, time zone UTC; "
                "add them to people.csv"
            )
        elif not line.employee_id:
            warnings.append(
                f"{line.engineer} has no employee_id in people.csv: payroll line kept with an "
                "empty employee_id; add it to people.csv"
            )
        if not e["timezone_known"]:
            warnings.append(
                f"{line.engineer}: time zone {e['timezone']!r} in people.csv is not an IANA "
                "name: overnight pages were judged in UTC"
            )
        for row in a["explain"]:
            explain.append(
                {
                    "engineer": line.engineer,
                    "employee_id": line.employee_id,
                    "team": line.team,
                    **row,
                }
            )

    order = {id(x): _sort_key(x.team, x.engineer) for x in lines}
    lines.sort(key=lambda x: order[id(x)])
    rank = {(x.engineer, x.team): n for n, x in enumerate(lines)}
    kind_rank = {"shift": 0, "sev1": 1, "overnight_page": 2}
    explain.sort(
        key=lambda r: (
            rank[(r["engineer"], r["team"])],
            kind_rank[r["kind"]],
            r["start_at"],
            r["ref"],
        )
    )
    return Payroll(
        period_start=start,
        period_end_exclusive=end_exclusive,
        lines=lines,
        explain=explain,
        warnings=warnings,
        inputs_sha256=inputs_sha256,
        policy_version=policy_version,
        inputs=inputs,
        sev1_bonuses_without_evidence=without_evidence,
    )


def _sort_key(team: str, engineer: str) -> tuple[str, str, str]:
    return (team, engineer.casefold(), engineer)


# --- rendering ----------------------------------------------------------------------------------


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


def _csv_bytes(columns: tuple[str, ...], rows: list[dict[str, str]]) -> bytes:
    # csv.writer over the columns picked out of each row: DictWriter compares every row's keys
    # with the columns, which cost more than the writing (67k explanation rows: ~4x)
    buffer = io.StringIO(newline="")
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(columns)
    pick = operator.itemgetter(*columns)  # a tuple per row: the columns are never one
    out.writerows(pick(row) for row in rows)
    return buffer.getvalue().encode("utf-8")


def render_csv(payroll: Payroll) -> bytes:
    """The payroll CSV of SPEC §7: its columns in order, one row per line, sorted by team then
    engineer; money with two decimals, hours with up to two; ``\\n`` endings; UTF-8 without BOM.
    """
    lines = sorted(payroll.lines, key=lambda x: _sort_key(x.team, x.engineer))
    return _csv_bytes(CSV_COLUMNS, [_line_values(x) for x in lines])


def render_explain(payroll: Payroll) -> bytes:
    """The explanation CSV: one row per shift piece, paid SEV-1 and counted overnight page."""
    return _csv_bytes(EXPLAIN_COLUMNS, payroll.explain)


def _manifest(
    payroll: Payroll, csv_path: Path, csv_data: bytes, explain_path: Path, explain_data: bytes
) -> bytes:
    body = {
        "period_start": payroll.period_start.isoformat(),
        "period_end": payroll.period_end.isoformat(),
        "period_end_exclusive": payroll.period_end_exclusive.isoformat(),
        "csv": csv_path.name,
        "csv_sha256": hashlib.sha256(csv_data).hexdigest(),
        "explain": explain_path.name,
        "explain_sha256": hashlib.sha256(explain_data).hexdigest(),
        "inputs_sha256": payroll.inputs_sha256,
        "inputs": payroll.inputs,
        "policy_version": payroll.policy_version,
        "package_version": __version__,
        "rows": len(payroll.lines),
        "totals": payroll.totals(),
        "warnings": payroll.warnings,
        "sev1_bonuses_without_evidence": payroll.sev1_bonuses_without_evidence,
    }
    return (json.dumps(body, indent=2, sort_keys=False) + "\n").encode("utf-8")


# --- exporting ----------------------------------------------------------------------------------


def _default_out(start: date, end_exclusive: date) -> Path:
    if start.day == 1 and month_period(f"{start:%Y-%m}")[1] == end_exclusive:
        name = f"payroll-{start:%Y-%m}.csv"
    else:
        last = end_exclusive - timedelta(days=1)
        name = f"payroll-{start.isoformat()}_{last.isoformat()}.csv"
    path = _PAY_DIR / name
    # built from parameters: it must stay inside reports/payroll (SPEC §9)
    if path.resolve().parent != _PAY_DIR.resolve():
        raise UsageError(f"payroll output {path} would leave {_PAY_DIR}")
    return path


def _sidecars(csv_path: Path) -> tuple[Path, Path]:
    stem = csv_path.name[: -len(".csv")] if csv_path.name.endswith(".csv") else csv_path.name
    return (
        csv_path.with_name(stem + ".manifest.json"),
        csv_path.with_name(stem + ".explain.csv"),
    )


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temp file beside ``path`` and ``os.replace`` it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


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


def export_payroll(
    db: str | Path | None,
    start: date,
    end_exclusive: date,
    *,
    out: Path | None,
    force: bool,
    wait: float,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> ExportResult:
    """Compute a period's payroll and write the CSV, its manifest and its explanation file.

    Args:
        db: Warehouse path (default ``$INCIDENT_ANALYTICS_DB`` or ``data/warehouse.duckdb``).
        start: First day of the period.
        end_exclusive: The day after its last day.
        out: CSV path as the user gave it; default ``reports/payroll/payroll-<YYYY-MM>.csv``
            for a calendar month, else ``payroll-<first>_<last>.csv``.
        force: Export a period not yet over, or replace an export whose inputs changed.
        wait: Seconds to retry while another process holds the warehouse.
        now: The wall clock (tests); default the current time.
        policy: The ``--policy`` in force (TEMP-shadowed in the reader); default the stored one.

    Returns:
        The paths written, the payroll, and ``status`` ``"unchanged"`` when the same period was
        exported before from the same inputs (the CSV is then byte-identical), else ``"written"``.

    Raises:
        AnalyticsError: The period has not ended yet, or was exported before from other inputs
            (the message lists the lines that would change), and ``force`` is not set.
        UsageError: The period is empty or reversed.
        WarehouseBusy: Another process held the warehouse for longer than ``wait``.
    """
    from analytics.db import reader, writer

    if end_exclusive <= start:
        raise UsageError(
            f"payroll period {start.isoformat()} .. {end_exclusive.isoformat()}: "
            "the end must be after the start"
        )
    last_day = end_exclusive - timedelta(days=1)
    period = f"{start.isoformat()} .. {last_day.isoformat()}"
    clock = now or datetime.now(UTC)
    if clock.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if _instant(end_exclusive) > clock and not force:
        raise AnalyticsError(
            f"payroll {period} has not ended yet (it ends {_ts(_instant(end_exclusive))}); "
            "export it after that, or pass --force for a provisional export"
        )
    csv_path = Path(out) if out is not None else _default_out(start, end_exclusive)
    manifest_path, explain_path = _sidecars(csv_path)

    with reader(db, wait=wait, policy=policy) as con:
        payroll = compute_payroll(con, start, end_exclusive)

    csv_data = render_csv(payroll)
    explain_data = render_explain(payroll)
    csv_sha = hashlib.sha256(csv_data).hexdigest()
    snapshot = {"inputs": payroll.inputs, "lines": _line_snapshot(payroll)}

    with writer(db, wait=wait) as con:
        con.execute("begin")
        try:
            previous = con.execute(
                "select exported_at, csv_sha256, inputs_sha256, policy_version, lines_json "
                "from payroll_exports where period_start = $start and period_end = $end "
                "order by exported_at desc, rowid desc limit 1",
                {"start": start, "end": last_day},
            ).fetchone()
            status = "written"
            if previous is not None:
                same = (previous[1], previous[2], previous[3]) == (
                    csv_sha,
                    payroll.inputs_sha256,
                    payroll.policy_version,
                )
                if same:
                    status = "unchanged"
                elif not force:
                    raise AnalyticsError(_refusal(period, previous, payroll, snapshot))
            csv_path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(explain_path, explain_data)
            _write_atomic(
                manifest_path,
                _manifest(payroll, csv_path, csv_data, explain_path, explain_data),
            )
            _write_atomic(csv_path, csv_data)
            con.execute(
                "insert into payroll_exports (period_start, period_end, exported_at, csv_sha256, "
                "inputs_sha256, policy_version, out_path, row_count, total_pay_usd, lines_json) "
                "values ($start, $end, $at, $csv, $inputs, $policy, $out, $rows, "
                "$total::decimal(18, 2), $lines)",
                {
                    "start": start,
                    "end": last_day,
                    "at": clock,
                    "csv": csv_sha,
                    "inputs": payroll.inputs_sha256,
                    "policy": payroll.policy_version,
                    "out": str(csv_path),
                    "rows": len(payroll.lines),
                    "total": str(payroll.totals()["total_pay_usd"]),
                    "lines": json.dumps(snapshot, sort_keys=True),
                },
            )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return ExportResult(csv_path, manifest_path, explain_path, payroll, status)


def _refusal(period: str, previous: tuple, payroll: Payroll, snapshot: dict) -> str:
    try:
        before = json.loads(previous[4] or "{}")
    except ValueError:
        before = {}
    changes = _describe_changes(before.get("lines", {}), snapshot["lines"])
    old_inputs = before.get("inputs", {})
    changed_inputs = [
        name
        for name, info in payroll.inputs.items()
        if old_inputs.get(name, {}).get("sha256") != info["sha256"]
    ]
    if previous[3] != payroll.policy_version:
        changed_inputs.append(f"policy {previous[3]} -> {payroll.policy_version}")
    what = "; ".join(changes) if changes else "no line changes"
    return (
        f"payroll {period} was exported at {_ts(previous[0])} and is final; its inputs have "
        f"changed ({', '.join(changed_inputs) or 'unknown'}): {len(changes)} line(s) would "
        f"change: {what}; pass --force to replace the export"
    )
