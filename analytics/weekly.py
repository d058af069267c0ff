"""The weekly all-hands incident report's data (docs/reports.md): typed, no HTML.

:func:`load_week` opens the warehouse read-only once, reads everything the report shows
into small DataFrames (aggregated in SQL or by :mod:`analytics.metrics`; their columns are
listed on :class:`WeeklyData`), and closes the connection before any chart is drawn, so a
report never holds the file while it renders. :mod:`analytics.weekly_html` shows it, one
``show_*`` per section of ``notebooks/weekly_allhands.ipynb``, with the formats of
:mod:`analytics.render`.

Blameless by construction: every text the report shows goes through
:class:`analytics.scrub.Scrubber`, built here from one query of every spelling of every
person the warehouse knows (``people``, acknowledgers, page recipients, action item owners,
rotation engineers); it replaces them, handles and e-mail addresses with "someone"; the
report groups by team and service only.

Honest about its data: :func:`analytics.banner.data_ends` says where the sources end (the
banner); a week the incidents data does not cover is missing, not zero, in the headline,
the sections and the trend (:func:`incident_reach`); rotation edges inside the week are gaps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from analytics import __version__, banner, coverage, metrics, periods, weekly_reviews
from analytics import db as warehouse
from analytics.errors import UsageError
from analytics.scrub import Scrubber
from analytics.stats import detectable_change
from analytics.weeks import WEEK_RE, last_complete_week, parse_as_of, parse_week

if TYPE_CHECKING:
    from analytics.context import RunContext

__all__ = [
    "MIN_N_TO_COMPARE",
    "SEVERITIES",
    "WEEK_RE",
    "Scrubber",
    "WeeklyData",
    "incident_reach",
    "last_complete_week",
    "load_week",
    "parse_as_of",
    "parse_week",
    "typical_range",
]

SEVERITIES = (1, 2, 3)
# The sources this report reads: the banner speaks of these only.
REPORT_SOURCES = ("incidents", "pages", "action_items", "rotations")
# Below this many durations a bootstrap interval is too coarse to call a change.
MIN_N_TO_COMPARE = 3
# Below this many covered weeks before the report week, no typical range is given.
MIN_WEEKS_FOR_RANGE = 4


# --------------------------------------------------------------------------- data

# The report's queries are analytics/sql/queries/weekly_*.sql (each file's header says what
# it reads, its parameters and its columns), read once at import.
_NAMES_SQL = warehouse.sql_text("queries/weekly_names.sql")
_REPORT_INCIDENTS_SQL = warehouse.sql_text("queries/weekly_report_incidents.sql")
_ACTION_ITEMS_SQL = warehouse.sql_text("queries/weekly_action_items.sql")
_TOP_SERVICES_SQL = warehouse.sql_text("queries/weekly_top_services.sql")
_DURATIONS_SQL = warehouse.sql_text("queries/weekly_durations.sql")
_REJECTED_SQL = warehouse.sql_text("queries/weekly_rejected.sql")
_FOOTER_SQL = warehouse.sql_text("queries/weekly_footer.sql")

# Housekeeping, one clause: when the last ingest ran, and its id.
_LAST_INGEST_SQL = """
select
    max(run_started_at) as last_ingest_at,
    arg_max(run_id, run_started_at) as last_run_id,
from ingest_log
"""


@dataclass(frozen=True)
class WeeklyData:
    """Everything the weekly report shows, read in one short read-only session.

    Durations are seconds (``*_s``), instants aware UTC, counts integers. Text columns are
    already scrubbed (no person's name). The frames, one row per:

    Attributes:
        incidents: incident started in the week: ``incident_id, title, severity, team,
            service, started_at, resolved_at, ttr_s, response_status, postmortem_status,
            status_cadence_status, status_source`` (statuses met/breached/pending/n/a;
            status_source statuspage/timeline/none, as in the incident_metrics view).
        weekly_counts: week of the trend and severity: ``week_start, severity, incidents,
            covered`` (incidents missing, not zero, where ``covered`` is false).
        summary, previous_summary: severity, this week and the one before:
            :func:`analytics.metrics.summary` (``incidents``, ``mtta_*``/``mttr_*`` median,
            p90, n, missing, interval ``*_lo_s``/``*_hi_s``; none for the week before).
        trend: week and severity: ``week_start, iso_week, severity, incidents``, MTTA/MTTR
            ``*_median_s``, ``*_median_lo_s``, ``*_median_hi_s`` (missing below
            :data:`MIN_N_TO_COMPARE` durations), ``*_n``, ``*_missing``, ``covered``.
        compliance: check and status with incidents: ``check`` (response, post-mortem,
            status cadence, escalation), ``check_order``, ``status``, ``incidents`` (> 0).
        action_items: team: ``team, opened, closed, open_backlog, overdue_backlog, rule3``
            (:data:`analytics.weekly_html.ACTION_ITEM_COLUMNS` defines each).
        top_services: service and severity: ``service, severity, incidents``.
        oncall: team: ``team, oncall_hours, pages, pages_per_oncall_hour, business_pages,
            off_hours_pages, sleep_pages`` (:func:`analytics.metrics.oncall_load`).
        rejected: file the last ingest rejected: ``file, error, run_started_at``.
        rotation_gaps: uncovered stretch of a rotation in the week: ``team, start_at,
            end_at, hours, kind`` (gap, before_first, after_last).
        detectable: per severity ``(n, chance)`` that a real 10% MTTR improvement shows.
        footer: ``policy_version, warehouse_package, schema_version, package_version,
            as_of``.
        followups: open and overdue action items of SEV-1/SEV-2 incidents at ``as_of``
            (whatever the incident's date).
    """

    week: str
    start: datetime
    end: datetime
    as_of: datetime
    weeks_of_trend: int
    incidents: pd.DataFrame
    weekly_counts: pd.DataFrame
    summary: pd.DataFrame
    previous_summary: pd.DataFrame
    trend: pd.DataFrame
    compliance: pd.DataFrame
    action_items: pd.DataFrame
    top_services: pd.DataFrame
    oncall: pd.DataFrame
    last_ingest_at: datetime | None
    rejected: pd.DataFrame
    rotation_gaps: pd.DataFrame
    detectable: dict[int, Any]
    footer: dict[str, Any]
    coverage: banner.DataEnds
    followups: tuple[int, int] = (0, 0)
    notes: list[str] = field(default_factory=list)
    scrubber: Scrubber = field(default_factory=lambda: Scrubber(()), repr=False)
    # the review and hand-off sections (analytics.weekly_reviews); None: not loaded
    reviews: weekly_reviews.ReviewWeek | None = None


def _df(con, sql: str, **params: Any) -> pd.DataFrame:
    return warehouse.query_df(con, sql, params)


_INCIDENT_COLUMNS = [
    "incident_id",
    "title",
    "severity",
    "team",
    "service",
    "started_at",
    "resolved_at",
    "ttr_s",
    "response_status",
    "postmortem_status",
    "status_cadence_status",
    "status_source",
]
_CHECKS = {
    "response": "response",
    "postmortem": "post-mortem",
    "status_cadence": "status cadence",
    "escalation": "escalation",
}


def _compliance_long(wide: pd.DataFrame) -> pd.DataFrame:
    """``metrics.compliance`` (per severity, wide) as rows of check, status, incidents."""
    rows = []
    for order, (rule, label) in enumerate(_CHECKS.items()):
        for status in ("met", "breached", "pending"):
            column = f"{rule}_{status}"
            if column in wide:
                rows.append((label, order, status, int(wide[column].sum())))
    out = pd.DataFrame(rows, columns=["check", "check_order", "status", "incidents"])
    return out[out["incidents"] > 0].reset_index(drop=True)


def _action_items(summary: pd.DataFrame) -> pd.DataFrame:
    """Per team, one definition per column (the ones :data:`ACTION_ITEM_COLUMNS` states)."""
    opened = summary["opened"].astype("int64")
    out = pd.DataFrame(
        {
            "team": summary["team"].fillna("(no team)"),
            "opened": opened,
            "closed": summary["closed_in_period"].astype("int64"),
            "open_backlog": summary["open_backlog"].astype("int64"),
            "overdue_backlog": summary["overdue_backlog"].astype("int64"),
            # rule3_rate is rule3 / opened: back to the whole count of items
            "rule3": (summary["rule3_rate"].fillna(0) * opened).round().astype("int64"),
        }
    )
    return out.reset_index(drop=True)


def _detectable(durations: pd.DataFrame, summary: pd.DataFrame) -> dict[int, Any]:
    """Per severity: the chance a real 10% MTTR improvement shows at this week's volume."""
    out: dict[int, Any] = {}
    for sev in SEVERITIES:
        values = durations.loc[durations["severity"] == sev, "ttr_s"].to_numpy(dtype=float)
        n = summary.loc[summary["severity"] == sev, "mttr_n"]
        n = int(n.iloc[0]) if len(n) else 0
        if n < 2 or len(values) < 2:
            out[sev] = (n, math.nan)
            continue
        out[sev] = (n, float(detectable_change(values, effect=0.10, n=n)))
    return out


def _declared_teams(rules: Any) -> dict[str, dict]:
    """The ``[coverage]`` team_starts/team_ends of a ``--policy`` file, as payroll reads them.

    A team whose rotation really ended (or began) is not expected outside its span, so its
    edges there are no gap. Without ``--policy`` nothing is declared, as for ``payroll``.
    """
    return {
        "team_starts": dict(getattr(rules, "coverage_team_starts", ()) or ()),
        "team_ends": dict(getattr(rules, "coverage_team_ends", ()) or ()),
    }


def _followups(by_severity: pd.DataFrame) -> tuple[int, int]:
    """Open and overdue action items of SEV-1 and SEV-2 incidents, the whole backlog."""
    serious = by_severity[by_severity["severity"].isin([1, 2])]
    return int(serious["open_backlog"].sum()), int(serious["overdue_backlog"].sum())


def _rotation_gaps(found: list[coverage.Shortfall]) -> pd.DataFrame:
    """The week's uncovered rotation stretches (edges and gaps), one row per team and stretch."""
    rows = sorted({(s.team, s.start_at, s.end_at, s.kind) for s in found})
    kept: list[tuple] = []
    for row in rows:  # an edge that is also a recorded gap is listed once
        if kept and kept[-1][:3] == row[:3]:
            continue
        kept.append(row)
    return pd.DataFrame(
        {
            "team": [r[0] for r in kept],
            "start_at": [r[1] for r in kept],
            "end_at": [r[2] for r in kept],
            "hours": [(r[2] - r[1]).total_seconds() / 3600 for r in kept],
            "kind": [r[3] for r in kept],
        }
    )


def _mark_uncovered(trend: pd.DataFrame, ends: banner.DataEnds) -> pd.DataFrame:
    """The trend with ``covered`` per week; figures of uncovered weeks are missing, not zero.

    A week is covered when the incidents data covers all of it (up to ``as_of``): a week the
    data only half reaches would count half its incidents.
    """
    out = trend.copy()
    starts = [pd.Timestamp(d).to_pydatetime().replace(tzinfo=UTC) for d in out["week_start"]]
    out["covered"] = [ends.covers("incidents", w, w + timedelta(days=7)) for w in starts]
    values = [c for c in out.select_dtypes("number").columns if c not in ("severity", "covered")]
    out[values] = out[values].astype("float64")
    out.loc[~out["covered"], values] = math.nan
    # Altair serialises datetime64 columns, not datetime.date objects
    out["week_start"] = pd.to_datetime(out["week_start"])
    return out


def load_week(run: RunContext, weeks_of_trend: int = 12) -> WeeklyData:
    """Read the week's report data from the warehouse (read-only, one short session).

    Args:
        run: The warehouse, report time, policy and ISO week (``run.period``), as
            :func:`analytics.context.from_parameters` reads the notebook's parameters;
            statuses that depend on time (pending, breached, overdue) are evaluated at
            ``run.as_of``.
        weeks_of_trend: Weeks in the trend charts, the report week included (1..104).

    Raises:
        UsageError: for a period that is not an ISO week or had not begun at ``run.as_of``,
            or a bad weeks_of_trend.
        AnalyticsError: when the warehouse is missing, busy or of another schema.
    """
    if run.period is None or run.period.kind != "week":
        raise UsageError(f"week {run.period!s} is not an ISO week like 2026-W47")
    periods.require_begun(run.period, run.as_of)
    start, end = run.period
    moment = run.as_of
    rules = run.policy
    weeks = int(weeks_of_trend)
    if not 1 <= weeks <= 104:
        raise UsageError(f"weeks_of_trend {weeks_of_trend!r} is not between 1 and 104")
    first = start - timedelta(days=7 * (weeks - 1))
    notes: list[str] = []
    if moment < end:  # "this week", or a --week that has begun but not ended
        notes.append(
            f"The week had not ended at the report time ({moment:%a %d %b %Y %H:%M} UTC): "
            "incidents still to come are not included, and every figure can still change."
        )
    with run.reader() as con:
        # the incident views for the incidents shown only, then each computed once: the
        # summaries and the review sections read the review views six times, the two
        # action-item summaries action_item_status twice
        scope = {
            "trend_start": min(first, start - timedelta(days=7)),
            "period_start": start,
            "period_end": end,
        }
        warehouse.scope_incidents(con, _REPORT_INCIDENTS_SQL, scope)
        warehouse.materialize(
            con,
            "incident_responses",
            "incident_metrics",
            "postmortem_reviews",
            "incident_communication",
        )
        # the view's columns the summaries read, as a TEMP table shadowing it for this reader
        con.execute(
            f"create or replace temp table action_item_status as\n{_ACTION_ITEMS_SQL}",
            {"period_start": start, "period_end": end},
        )
        scrubber = Scrubber(_df(con, _NAMES_SQL)["name"].dropna().tolist())
        incidents = metrics.incidents_in(con, start, end)[_INCIDENT_COLUMNS]
        summary = metrics.summary(con, start, end, by="severity")
        previous_summary = metrics.summary(con, start - timedelta(days=7), start, intervals=False)
        trend = metrics.weekly_trend(con, end, weeks=weeks)
        compliance = _compliance_long(metrics.compliance(con, start, end))
        action_items = _action_items(metrics.action_items_summary(con, start, end, by="team"))
        by_severity = metrics.action_items_summary(con, start, end, by="severity")
        top_services = _df(con, _TOP_SERVICES_SQL, period_start=start, period_end=end)
        oncall = metrics.oncall_load(con, start, end)
        durations = _df(con, _DURATIONS_SQL, trend_start=first, period_end=end)
        last = _df(con, _LAST_INGEST_SQL)
        last_ingest_at = last["last_ingest_at"].iloc[0] if len(last) else None
        run_id = last["last_run_id"].iloc[0] if len(last) else None
        rejected = _df(con, _REJECTED_SQL, run_id=run_id)
        declared = _declared_teams(rules)
        covered = coverage.read_coverage(con)  # once: the view reads every page
        data_ends = banner.data_ends(
            con, start, end, moment, sources=REPORT_SOURCES, rows=covered, **declared
        )
        trend_ends = banner.data_ends(con, first, end, moment, sources=("incidents",), rows=covered)
        gaps = _rotation_gaps(
            coverage.shortfalls(con, start, end, sources=("rotations",), rows=covered, **declared)
        )
        footer = _df(con, _FOOTER_SQL).iloc[0].to_dict()
        reviews = weekly_reviews.load_review_week(con, start, end, scrubber, covered=covered)
    if pd.isna(last_ingest_at):
        last_ingest_at = None
    trend = _mark_uncovered(trend, trend_ends)
    for metric in ("mtta", "mttr"):  # no band from fewer durations than an interval needs
        few = trend[f"{metric}_n"] < MIN_N_TO_COMPARE
        trend.loc[few, [f"{metric}_median_lo_s", f"{metric}_median_hi_s"]] = math.nan
    weekly_counts = trend[["week_start", "severity", "incidents", "covered"]]
    footer.update(package_version=__version__, as_of=moment)
    oncall = oncall[
        [
            "team",
            "oncall_hours",
            "pages",
            "pages_per_oncall_hour",
            "business_pages",
            "off_hours_pages",
            "sleep_pages",
        ]
    ]
    return WeeklyData(
        week=run.period.label,
        start=start,
        end=end,
        as_of=moment,
        weeks_of_trend=weeks,
        incidents=scrubber.frame(incidents),
        weekly_counts=weekly_counts,
        summary=summary,
        previous_summary=previous_summary,
        trend=trend,
        compliance=compliance,
        action_items=scrubber.frame(action_items),
        top_services=scrubber.frame(top_services),
        oncall=scrubber.frame(oncall),
        last_ingest_at=last_ingest_at,
        rejected=rejected,
        rotation_gaps=scrubber.frame(gaps),
        detectable=_detectable(durations, summary),
        footer=footer,
        coverage=data_ends,
        followups=_followups(by_severity),
        notes=notes,
        scrubber=scrubber,
        reviews=reviews,
    )


def incident_reach(data: WeeklyData) -> str:
    """``all``, ``part`` or ``none``: how much of the week the incidents data covers."""
    uncovered = data.coverage.uncovered("incidents")
    if not uncovered:
        return "all"
    looked = (data.coverage.until - data.coverage.start).total_seconds()
    missing = sum((b - a).total_seconds() for a, b in uncovered)
    return "none" if missing >= looked else "part"


def typical_range(counts: Iterable[float]) -> tuple[int, int] | None:
    """The typical weekly count: the 10th to the 90th percentile, rounded to whole incidents.

    Args:
        counts: The counts of the previous weeks the data covers (uncovered weeks left out).

    Returns:
        ``(low, high)``, or None with fewer than :data:`MIN_WEEKS_FOR_RANGE` weeks.
    """
    values = sorted(float(c) for c in counts if not pd.isna(c))
    if len(values) < MIN_WEEKS_FOR_RANGE:
        return None
    low, high = (pd.Series(values).quantile(q) for q in (0.1, 0.9))  # linear, as docs/metrics.md
    return math.floor(low + 0.5), math.floor(high + 0.5)
