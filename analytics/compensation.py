"""The compensation report's data: a pay period's payroll, what lies behind each line, the
pages each person received, and whether the period was exported (typed, no HTML).

:func:`load` reads everything in one short read-only session (the same
:func:`analytics.pay.compute_payroll` as ``incident-analytics payroll``, so the figures are the
payroll file's) and closes the warehouse before anything is drawn. Nothing is written or
recorded. :mod:`analytics.compensation_html` displays it in the notebook.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from analytics import db as warehouse
from analytics import metrics, pay, render
from analytics.errors import UsageError
from analytics.periods import parse_period

if TYPE_CHECKING:
    import pandas as pd

    from analytics.context import RunContext

__all__ = [
    "CompensationData",
    "ExportRecord",
    "LineExplanation",
    "explain_lines",
    "fairness_frame",
    "limit_breaches",
    "load",
    "pay_days",
    "people_frame",
    "period_name",
]

_HOUR_S = Decimal(3600)


def pay_days(period: str, as_of: datetime | str | None = None) -> tuple[date, date]:
    """A pay period as ``(first day, day after the last)``, from any period people write
    (:func:`analytics.periods.parse_period`): ``2026-10``, ``2026-10-01..2026-10-15``,
    ``last month`` (before ``as_of``) ...; pay periods run from 00:00 UTC to 00:00 UTC.

    Raises:
        UsageError: naming the value and the forms accepted.
    """
    span = parse_period(period, as_of=as_of, what="period")
    return span.first_day, span.last_day + timedelta(days=1)


def period_name(first: date, end_exclusive: date) -> str:
    """The period as payroll files name it: ``2026-10`` for a calendar month, else
    ``2026-10-01_2026-10-15`` (first and last day)."""
    last = end_exclusive - timedelta(days=1)
    same_month = (first.year, first.month) == (last.year, last.month)
    whole_month = first.day == 1 and end_exclusive.day == 1 and same_month
    return f"{first:%Y-%m}" if whole_month else f"{first.isoformat()}_{last.isoformat()}"


@dataclass(frozen=True)
class ExportRecord:
    """The latest payroll export recorded for exactly this period."""

    exported_at: datetime
    file: str
    rows: int
    total_pay_usd: Decimal
    same_figures: bool  # its CSV is byte-identical to what this report computed


@dataclass(frozen=True)
class LineExplanation:
    """One payroll line in words: a sentence per figure, and the rows behind them."""

    engineer: str
    team: str
    total_pay_usd: Decimal
    sentences: list[str]
    rows: list[dict[str, str]]  # the payroll explanation file's rows of this line


@dataclass
class CompensationData:
    """Everything the compensation report shows for one pay period."""

    period: str  # as named in file names: 2026-10 or 2026-10-01_2026-10-15
    start: date
    end_exclusive: date
    as_of: datetime
    payroll: pay.Payroll
    pages: pd.DataFrame  # pages_by_person.sql
    export: ExportRecord | None
    explanations: list[LineExplanation] = field(default_factory=list)
    # oncall_fairness for the period (metrics.oncall_fairness): one row per engineer and team
    fairness: pd.DataFrame | None = None
    # hand-overs of the period per outgoing engineer and team: met, breached, pending
    handoffs: pd.DataFrame | None = None
    # the [working_time] limits in force, for the fairness section's flags
    limits: dict[str, float] = field(default_factory=dict)
    # comp_time_ledger rows of the period's calendar months: owed, taken, expired, balance
    comp_time: pd.DataFrame | None = None

    @property
    def last_day(self) -> date:
        return self.end_exclusive - timedelta(days=1)

    @property
    def provisional(self) -> bool:
        """The period had not ended at the report time: figures can still change."""
        return datetime.combine(self.end_exclusive, time(0), tzinfo=UTC) > self.as_of


def load(run: RunContext) -> CompensationData:
    """Read a pay period's compensation data (read-only, one short session).

    Args:
        run: The warehouse, report time, policy and pay period, as
            :func:`analytics.context.from_parameters` reads the notebook's parameters. The
            period is a calendar month ``2026-10``, whole days ``2026-10-01..2026-10-15`` or any
            other period (``last month`` ...); ``run.as_of`` is the views' time, and says
            whether the period is still provisional; ``run.policy`` ``None`` is the one stored
            by the last ingest, as ``incident-analytics payroll`` uses.

    Raises:
        UsageError: no period.
        AnalyticsError: the warehouse is missing, busy or of another schema, or no pay rate is
            in force for some of the period.
    """
    if run.period is None:
        raise UsageError("the compensation report needs a period, e.g. 2026-10")
    moment = run.as_of
    start, end = run.period.start.date(), run.period.end.date()  # pay days: 00:00 UTC
    bounds = {
        "period_start": datetime.combine(start, time(0), tzinfo=UTC),
        "period_end": datetime.combine(end, time(0), tzinfo=UTC),
    }
    with run.reader() as con:
        payroll = pay.compute_payroll(con, start, end, policy=run.policy)
        pages = warehouse.query_df(con, warehouse.sql_text("queries/pages_by_person.sql"), bounds)
        fairness = metrics.oncall_fairness(con, bounds["period_start"], bounds["period_end"])
        handoffs = warehouse.query_df(
            con, warehouse.sql_text("queries/compensation_handoffs.sql"), bounds
        )
        limits = warehouse.query_df(con, _LIMITS_SQL).iloc[0].to_dict()
        comp_time = warehouse.query_df(
            con,
            warehouse.sql_text("queries/compensation_comp_time.sql"),
            {"first_month": f"{start:%Y-%m}", "last_month": f"{end - timedelta(days=1):%Y-%m}"},
        )
        # fetched as Python values, not a DataFrame: the total stays a Decimal
        cursor = con.execute(
            warehouse.sql_text("queries/payroll_export_of_period.sql"),
            {"period_start": start, "period_end": end - timedelta(days=1)},
        )
        found = cursor.fetchone()
        exported = (
            dict(zip([d[0] for d in cursor.description], found, strict=True)) if found else None
        )
    export = None
    if exported is not None:
        csv_sha = hashlib.sha256(pay.render_csv(payroll)).hexdigest()
        export = ExportRecord(
            exported_at=exported["exported_at"].astimezone(UTC),
            file=exported["out_path"] or "",
            rows=exported["row_count"] or 0,
            total_pay_usd=(exported["total_pay_usd"] or Decimal(0)).quantize(Decimal("0.01")),
            # payroll's own finality test: the same CSV bytes (an unrelated policy key or
            # package version never makes an unchanged period "different")
            same_figures=exported["csv_sha256"] == csv_sha,
        )
    return CompensationData(
        period=period_name(start, end),
        start=start,
        end_exclusive=end,
        as_of=moment,
        payroll=payroll,
        pages=pages,
        export=export,
        explanations=explain_lines(payroll),
        fairness=fairness,
        handoffs=handoffs,
        limits={k: float(v) for k, v in limits.items() if v is not None},
        comp_time=comp_time,
    )


# The [working_time] limits in force (one row of the policy: housekeeping, no query file).
_LIMITS_SQL = """
select
    fairness_weeks,
    max_consecutive_oncall_days,
    max_interrupted_nights_per_week,
    max_offhours_oncall_hours_per_4_weeks,
from policy
"""


# --------------------------------------------------------------------------- explanations


def explain_lines(payroll: pay.Payroll) -> list[LineExplanation]:
    """Each payroll line in words, from its explanation rows (pure: no warehouse).

    The on-call time is summed per weekly rate from the shift rows (exact seconds) and the
    stipend is the line's own, rounded once; SEV-1s name their incidents and how each was
    attributed; overnight pages give the comp time credited.
    """
    rows_by_line: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in payroll.explain:
        rows_by_line[(row["engineer"], row["team"])].append(row)
    out = []
    for line in payroll.lines:
        rows = rows_by_line.get((line.engineer, line.team), [])
        sentences = []
        seconds_by_rate: dict[str, Decimal] = defaultdict(Decimal)
        for row in rows:
            if row["kind"] == "shift":
                seconds_by_rate[row["rate"]] += Decimal(row["seconds"])
        if seconds_by_rate:
            rates = sorted(seconds_by_rate.items(), key=lambda kv: Decimal(kv[0]))
            at = " and ".join(
                f"{render.hours(seconds / _HOUR_S)} at {render.money(Decimal(rate))} a week"
                for rate, seconds in rates
            )
            on_call = (
                f"On call {at}"
                if len(rates) == 1
                else f"On call {render.hours(line.oncall_hours)}: {at}"
            )
            sentences.append(f"{on_call}: stipend {render.money(line.stipend_usd)}.")
        sev1 = [r for r in rows if r["kind"] == "sev1"]
        if sev1:
            handled = "; ".join(f"{r['ref']} ({r['detail']})" for r in sev1)
            sentences.append(
                f"{render.count(len(sev1), 'SEV-1 incident')}, {handled}: "
                f"bonus {render.money(line.sev1_bonus_usd)}."
            )
        if line.overnight_pages:
            sentences.append(
                f"{render.count(line.overnight_pages, 'overnight page')} counted: "
                f"{render.hours(line.comp_time_hours)} of comp time."
            )
        if line.sev1_bonus_usd:
            sentences.append(
                f"Total pay {render.money(line.total_pay_usd)} = "
                f"stipend {render.money(line.stipend_usd)} + "
                f"SEV-1 bonus {render.money(line.sev1_bonus_usd)}."
            )
        out.append(LineExplanation(line.engineer, line.team, line.total_pay_usd, sentences, rows))
    return out


# --------------------------------------------------------------------------- frames


def people_frame(data: CompensationData) -> pd.DataFrame:
    """One row per person in the report: the payroll line's figures (0 for a person who was
    only paged) and the pages received, for charts; ordered by team then name as the lines.

    Columns: ``engineer, team, oncall_hours`` (float: for drawing only, money stays in the
    lines), ``sev1_incidents, overnight_pages, pages, business_pages, off_hours_pages,
    sleep_pages`` (int), ``order`` (0, 1, ...).
    """
    import pandas as pd

    pages = {r["name_key"]: r for r in data.pages.to_dict("records")}
    rows: list[dict[str, Any]] = []
    seen = set()
    for line in data.payroll.lines:
        key = line.engineer.strip().lower()
        seen.add(key)
        rows.append(
            {
                "engineer": line.engineer,
                "team": line.team,
                "oncall_hours": float(line.oncall_hours),
                "sev1_incidents": line.sev1_incidents,
                "overnight_pages": line.overnight_pages,
                **_page_counts(pages.get(key)),
            }
        )
    for key, page_row in pages.items():
        if key not in seen:  # paged but nothing to pay (e.g. daytime pages while off call)
            rows.append(
                {
                    "engineer": page_row["engineer"],
                    "team": page_row["team"] or "",
                    "oncall_hours": 0.0,
                    "sev1_incidents": 0,
                    "overnight_pages": 0,
                    **_page_counts(page_row),
                }
            )
    rows.sort(key=lambda r: (r["team"], r["engineer"].casefold(), r["engineer"]))
    frame = pd.DataFrame(rows, columns=_PEOPLE_COLUMNS)
    frame["order"] = range(len(frame))
    return frame


_PAGE_COUNTS = ("pages", "business_pages", "off_hours_pages", "sleep_pages")
_PEOPLE_COLUMNS = [
    "engineer",
    "team",
    "oncall_hours",
    "sev1_incidents",
    "overnight_pages",
    *_PAGE_COUNTS,
]


def _page_counts(row: dict[str, Any] | None) -> dict[str, int]:
    return {k: int(row[k]) if row is not None else 0 for k in _PAGE_COUNTS}


# --------------------------------------------------------------------------- fairness

# [working_time] key -> (the fairness column holding the person's figure, what it counts)
_LIMITS = {
    "max_consecutive_oncall_days": ("max_consecutive_oncall_days", "consecutive days on call"),
    "max_interrupted_nights_per_week": (
        "max_week_nights_interrupted",
        "interrupted nights in one week",
    ),
    "max_offhours_oncall_hours_per_4_weeks": (
        "max_offhours_oncall_hours_28_days",
        "off-hours on-call hours in 28 days",
    ),
}


def limit_breaches(row: dict[str, Any], limits: dict[str, float]) -> list[str]:
    """The ``[working_time]`` limits a fairness row exceeds, in words, with the figure and the
    limit: ``["14 consecutive days on call (limit 8)"]``; the view's ``limit_flags`` decide."""
    out = []
    flags = row.get("limit_flags")
    for key in [] if flags is None else list(flags):
        column, what = _LIMITS.get(key, (key, key.replace("_", " ")))
        value, limit = row.get(column), limits.get(key)
        figure = f"{float(value):g} " if value is not None else ""
        bound = f" (limit {limit:g})" if limit is not None else ""
        out.append(f"{figure}{what}{bound}".strip())
    return out


def fairness_frame(data: CompensationData) -> pd.DataFrame:
    """One row per engineer and team of the period's fairness, for the table and the chart.

    Columns: ``engineer, team, oncall_hours, window_hours, fair_share_hours, share_of_fair``
    (float; NaN when the team has no fair share), ``present_share`` (the member's weight: the
    part of the window from their first to last shift, 0..1), ``team_members`` (n),
    ``pages, nights_interrupted`` (int), ``limits`` (list of str, see
    :func:`limit_breaches`), ``order`` (0, 1, ...; team then name).
    """
    import pandas as pd

    columns = [
        "engineer",
        "team",
        "oncall_hours",
        "window_hours",
        "fair_share_hours",
        "share_of_fair",
        "present_share",
        "team_members",
        "pages",
        "nights_interrupted",
        "limits",
        "order",
    ]
    source = data.fairness
    if source is None or source.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for r in source.to_dict("records"):
        rows.append(
            {
                "engineer": r["engineer"],
                "team": r["team"],
                "oncall_hours": float(r["oncall_hours"]),
                "window_hours": float(r["window_hours"]),
                "fair_share_hours": _float(r["team_fair_share_hours"]),
                "share_of_fair": _float(r["share_of_fair"]),
                "present_share": float(r["member_weight"] or 0),
                "team_members": int(r["team_members"]),
                "pages": int(r["pages"]),
                "nights_interrupted": int(r["nights_interrupted"]),
                "limits": limit_breaches(r, data.limits),
            }
        )
    rows.sort(key=lambda r: (r["team"], r["engineer"].casefold(), r["engineer"]))
    frame = pd.DataFrame(rows, columns=columns[:-1])
    frame["order"] = range(len(frame))
    return frame


def _float(value: Any) -> float:
    return float("nan") if value is None or value != value else float(value)
