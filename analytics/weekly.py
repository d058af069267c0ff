"""Data and display for the weekly all-hands incident report (SPEC §8).

:func:`load_week` opens the warehouse read-only once, reads everything the report shows
into small DataFrames (aggregated in SQL or by :mod:`analytics.metrics`), and closes the
connection before any chart is drawn, so a report never holds the file while it renders.
The ``show_*`` helpers each display one section of ``notebooks/weekly_allhands.ipynb``.

Blameless by construction: every text the report shows goes through
:class:`analytics.scrub.Scrubber`, which replaces the names of people (``people``,
acknowledgers, page recipients, action item owners, rotation engineers), handles and e-mail
addresses with "someone"; the report groups by team and service only.

Honest about its data: :func:`analytics.banner.data_ends` says where the sources end (the
banner, ``show_banner``); a week the incidents data does not cover is missing, not zero, in
the headline, the sections and the trend; rotation edges inside the week are gaps.
"""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from analytics import __version__, banner, coverage, metrics, weekly_reviews
from analytics import db as warehouse
from analytics.errors import UsageError
from analytics.scrub import Scrubber
from analytics.stats import detectable_change
from analytics.weeks import WEEK_RE, last_complete_week, parse_as_of, parse_week

__all__ = [
    "WEEK_RE",
    "Scrubber",
    "WeeklyData",
    "last_complete_week",
    "load_week",
    "parse_as_of",
    "parse_week",
    "show_action_items",
    "show_banner",
    "show_compliance",
    "show_footer",
    "show_freshness",
    "show_headline",
    "show_incidents",
    "show_incidents_by_severity",
    "show_mttx",
    "show_oncall_load",
    "show_top_services",
    "show_trend",
]

SEVERITIES = (1, 2, 3)
# The sources this report reads: the banner speaks of these only.
REPORT_SOURCES = ("incidents", "pages", "action_items", "rotations")
# Below this many durations a bootstrap interval is too coarse to call a change.
MIN_N_TO_COMPARE = 3
# Below this many covered weeks before the report week, no typical range is given.
MIN_WEEKS_FOR_RANGE = 4
# Per-team charts draw at most this many teams, those with the most (ties by name); the
# table above each chart lists every team. 250 teams would be a chart ~20,000 px wide that
# takes vl-convert ~0.6 s to draw and adds ~1 MB of SVG to the page.
CHART_TEAMS = 20


# --------------------------------------------------------------------------- data

# Every spelling of every person the warehouse knows, to scrub from text shown. Pages are
# read from the base table (the view's people joins cost seconds at 10 M rows), one column
# per branch: a hash aggregate per column takes 0.04 s at 10 M rows, unnesting both 0.5 s.
_NAMES_SQL = """
select engineer as name from people
union select email from people where email is not null
union select acknowledged_by from src_incidents where acknowledged_by is not null
union select owner from src_action_items where owner is not null
union select engineer from src_rotations
union select recipient from src_pages
union select acknowledged_by from src_pages where acknowledged_by is not null
"""

_TOP_SERVICES_SQL = """
select service, severity, count(*) as incidents,
from incident_metrics
where started_at >= $start and started_at < $end
group by all
order by service, severity
"""

# MTTR samples of the trend window, for the detectable-change note.
_DURATIONS_SQL = """
select severity, ttr_s,
from incident_metrics
where started_at >= $start and started_at < $end and ttr_s is not null
"""

_LAST_INGEST_SQL = """
select
    max(run_started_at) as last_ingest_at,
    arg_max(run_id, run_started_at) as last_run_id,
from ingest_log
"""

_REJECTED_SQL = """
select file, error, run_started_at,
from ingest_log
where status = 'rejected' and run_id = $run_id
order by file
"""

_FOOTER_SQL = """
select
    (select policy_version from policy limit 1) as policy_version,
    (select value from warehouse_meta where key = 'package_version') as warehouse_package,
    (select value from warehouse_meta where key = 'schema_version') as schema_version,
"""


@dataclass(frozen=True)
class WeeklyData:
    """Everything the weekly report shows, read in one short read-only session."""

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
    # open and overdue action items of SEV-1/SEV-2 incidents at as_of (any incident date)
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
# Where an incident's status updates came from (incident_metrics.status_source, SPEC §13).
_STATUS_SOURCE_LABELS = {"statuspage": "status page", "timeline": "post-mortem", "none": "none"}
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


# The action-item table's columns: header shown, and what it counts (one definition each).
ACTION_ITEM_COLUMNS = {
    "opened": (
        "opened this week",
        "items of the incidents that started this week",
    ),
    "closed": (
        "closed this week",
        "items of any incident that the tracker resolved this week (an item ticked done in "
        "its document without a tracker date cannot be dated, so it is not counted here)",
    ),
    "open_backlog": (
        "open backlog",
        "every item of the team not done at the report time, whatever its incident's date",
    ),
    "overdue_backlog": (
        "overdue backlog",
        "of the open backlog, the items due before the report date",
    ),
    "rule3": (
        "with owner, due date and ticket",
        "of the items opened this week, how many have an owner, a due date and a tracker "
        "ticket (playbook rule 3)",
    ),
}


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


def load_week(
    db: str | Path,
    week: str,
    as_of: str | datetime | None,
    weeks_of_trend: int = 12,
    *,
    wait: float = 30.0,
    policy: str | Path | None = None,
) -> WeeklyData:
    """Read the week's report data from the warehouse (read-only, one short session).

    Args:
        db: Warehouse file.
        week: ISO week, e.g. ``"2026-W44"``.
        as_of: Report time (ISO 8601 text or aware datetime; default now); statuses that
            depend on time (pending, breached, overdue) are evaluated at this instant.
        weeks_of_trend: Weeks in the trend charts, the report week included (1..104).
        wait: Seconds to retry while another process holds the warehouse.
        policy: A policy TOML file (``--policy``); default the one stored by the last ingest.

    Raises:
        UsageError: for a bad week, as_of, weeks_of_trend or policy file.
        AnalyticsError: when the warehouse is missing, busy or of another schema.
    """
    start, end = parse_week(week)
    moment = parse_as_of(as_of)
    weeks = int(weeks_of_trend)
    if not 1 <= weeks <= 104:
        raise UsageError(f"weeks_of_trend {weeks_of_trend!r} is not between 1 and 104")
    first = start - timedelta(days=7 * (weeks - 1))
    rules = None
    if policy:
        from analytics.policy import load_policy

        rules = load_policy(Path(policy))
    notes: list[str] = []
    with warehouse.reader(
        db,
        wait=wait,
        as_of=moment,
        policy=rules,
        # computed once each: the summaries and the review sections read the review views
        # six times, the two action-item summaries action_item_status twice (~1-2 s a read at
        # 100k incidents)
        materialized=(
            "incident_responses",
            "incident_metrics",
            "postmortem_reviews",
            "incident_communication",
            "action_item_status",
        ),
    ) as con:
        scrubber = Scrubber(_df(con, _NAMES_SQL)["name"].dropna().tolist())
        incidents = metrics.incidents_in(con, start, end)[_INCIDENT_COLUMNS]
        summary = metrics.summary(con, start, end, by="severity")
        previous_summary = metrics.summary(con, start - timedelta(days=7), start, intervals=False)
        trend = metrics.weekly_trend(con, end, weeks=weeks)
        compliance = _compliance_long(metrics.compliance(con, start, end))
        action_items = _action_items(metrics.action_items_summary(con, start, end, by="team"))
        by_severity = metrics.action_items_summary(con, start, end, by="severity")
        top_services = _df(con, _TOP_SERVICES_SQL, start=start, end=end)
        oncall = metrics.oncall_load(con, start, end)
        durations = _df(con, _DURATIONS_SQL, start=first, end=end)
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
        week=week,
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


# --------------------------------------------------------------------------- display


def _display(obj: Any) -> None:
    from IPython.display import display

    display(obj)


def _html(text: str) -> None:
    from IPython.display import HTML

    _display(HTML(text))


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _missing(value: Any) -> bool:
    return value is None or pd.isna(value)


def _unit(seconds: float) -> str:
    """The unit a duration reads best in: min below an hour, h below two days, else d."""
    if seconds < 3600:
        return "min"
    return "h" if seconds < 48 * 3600 else "d"


_UNIT_S = {"min": 60, "h": 3600, "d": 86400}


def _fmt_duration(seconds: Any, unit: str | None = None) -> str:
    """``"9 min"``, ``"10.5 h"``, ``"2.1 d"``; ``unit`` forces one (a row in one unit)."""
    if _missing(seconds):
        return "—"
    seconds = float(seconds)
    unit = unit or _unit(seconds)
    digits = 0 if unit == "min" else 1
    return f"{seconds / _UNIT_S[unit]:.{digits}f} {unit}"


def _fmt_time(value: Any) -> str:
    if value is None or pd.isna(value):
        return "—"
    return pd.Timestamp(value).tz_convert("UTC").strftime("%a %d %b %Y %H:%M UTC")


_TABLES = itertools.count(1)


def _table(df: pd.DataFrame, numbers: Iterable[str] = ()) -> str:
    """``df`` as an HTML table: text columns left-aligned, numbers right-aligned.

    Columns of a numeric dtype are numbers; ``numbers`` names text columns that hold them
    ("9 min", "2 of 3 (67%)"). The notebook's stylesheet right-aligns every cell, so the
    table carries a rule of its own for its text columns.
    """
    right = set(numbers)
    text = [
        i
        for i, col in enumerate(df.columns, start=1)
        if col not in right and not pd.api.types.is_numeric_dtype(df[col])
    ]
    name = f"ia-table-{next(_TABLES)}"
    body = df.to_html(index=False, escape=True, border=0, na_rep="—", classes=f"dataframe {name}")
    if not text:
        return body
    cells = ", ".join(f".{name} td:nth-child({i}), .{name} th:nth-child({i})" for i in text)
    return f"<style>{cells} {{ text-align: left; }}</style>{body}"


def _col(df: pd.DataFrame, name: str, default: Any = math.nan) -> pd.Series:
    return df[name] if name in df else pd.Series([default] * len(df), index=df.index)


_NO_DATA = "No incident data for this week: see the note at the top."


def _incident_data(data: WeeklyData) -> str:
    """``all``, ``part`` or ``none``: how much of the week the incidents data covers."""
    uncovered = data.coverage.uncovered("incidents")
    if not uncovered:
        return "all"
    looked = (data.coverage.until - data.coverage.start).total_seconds()
    missing = sum((b - a).total_seconds() for a, b in uncovered)
    return "none" if missing >= looked else "part"


def headline(data: WeeklyData) -> list[str]:
    """The report's opening sentences, computed from the data (one per line).

    Weeks the incidents data does not cover are left out of the typical range; a week the
    data does not reach at all has no counts, only a sentence saying so.
    """
    counts = data.weekly_counts
    monday = pd.Timestamp(data.start.date())
    before = counts[(counts["week_start"] < monday) & counts["covered"]]
    n_before = before["week_start"].nunique()
    reach = _incident_data(data)
    if reach == "none":
        return [_NO_DATA]
    lines = []
    for sev in SEVERITIES:
        now_n = int((data.incidents["severity"] == sev).sum())
        text = f"{now_n} SEV-{sev} this week"
        if reach == "part":
            text += " (in the part the data covers)"
        if n_before:
            avg = before.loc[before["severity"] == sev, "incidents"].sum() / n_before
            weeks = "week" if n_before == 1 else f"{n_before} weeks"
            text += f"; average of the previous {weeks} {avg:.1f}"
        lines.append(text + ".")
    comp = data.compliance[data.compliance["check"] == "response"]
    met = int(comp.loc[comp["status"] == "met", "incidents"].sum())
    breached = int(comp.loc[comp["status"] == "breached", "incidents"].sum())
    pending = int(comp.loc[comp["status"] == "pending", "incidents"].sum())
    if met + breached:
        lines.append(
            f"Response targets met for {met} of {met + breached} decided incidents "
            f"({met / (met + breached):.0%}); {pending} pending."
        )
    still_open = int(data.incidents["resolved_at"].isna().sum())
    if still_open:
        verb = "is" if still_open == 1 else "are"
        lines.append(f"{still_open} of this week's incidents {verb} still open.")
    return lines


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
    low, high = (pd.Series(values).quantile(q) for q in (0.1, 0.9))  # linear, as SPEC §6
    return math.floor(low + 0.5), math.floor(high + 0.5)


def headline_strip(data: WeeklyData) -> list[tuple[str, str, str, str | None]]:
    """The boxes at the top: ``(figure, what, detail, colour)`` for each severity's count
    against its typical range, response compliance, and the open SEV-1/2 follow-ups."""
    counts = data.weekly_counts
    monday = pd.Timestamp(data.start.date())
    before = counts[(counts["week_start"] < monday) & counts["covered"]]
    reach = _incident_data(data)
    boxes = []
    for sev in SEVERITIES:
        colour = _severity_colour(sev)
        if reach == "none":
            boxes.append(("—", f"SEV-{sev} this week", "no data", colour))
            continue
        usual = typical_range(before.loc[before["severity"] == sev, "incidents"])
        if usual is None:
            detail = "too few weeks to say what is typical"
        else:
            span = f"{usual[0]}" if usual[0] == usual[1] else f"{usual[0]}–{usual[1]}"
            detail = f"typical week: {span}"
        now_n = int((data.incidents["severity"] == sev).sum())
        boxes.append((str(now_n), f"SEV-{sev} this week", detail, colour))
    comp = data.compliance[data.compliance["check"] == "response"]
    met = int(comp.loc[comp["status"] == "met", "incidents"].sum())
    decided = met + int(comp.loc[comp["status"] == "breached", "incidents"].sum())
    boxes.append(
        (f"{met / decided:.0%}", "response targets met", f"{met} of {decided} decided", None)
        if decided
        else ("—", "response targets met", "none decided this week", None)
    )
    open_n, overdue_n = data.followups
    boxes.append((str(open_n), "open SEV-1/2 action items", f"{overdue_n} overdue", None))
    return boxes


def _severity_colour(sev: int) -> str | None:
    from analytics.charts import SEVERITY_COLORS

    return SEVERITY_COLORS.get(sev)


def _strip_html(boxes: list[tuple[str, str, str, str | None]]) -> str:
    cells = "".join(
        '<div style="border: 1px solid #d5d8dc; border-radius: 4px; padding: 6px 14px; '
        'min-width: 130px;">'
        f'<div style="font-size: 1.9em; font-weight: 600; color: {colour or "#1a1a1a"};">'
        f"{html.escape(figure)}</div><div>{html.escape(what)}</div>"
        f'<div style="color: #555; font-size: 0.9em;">{html.escape(detail)}</div></div>'
        for figure, what, detail, colour in boxes
    )
    return (
        '<div class="headline-strip" style="display: flex; flex-wrap: wrap; gap: 10px; '
        f'margin: 0.4em 0 0.8em;">{cells}</div>'
    )


def show_banner(data: WeeklyData) -> None:
    """Display where the data ends, when the week reaches past (or before) any source."""
    if data.coverage:
        _html(banner.html(data.coverage))


def show_headline(data: WeeklyData) -> None:
    """Display the week, its dates and the headline sentences."""
    last_day = (data.end - timedelta(days=1)).strftime("%a %d %b %Y")
    parts = [
        f"<p><strong>{html.escape(data.week)}</strong>: "
        f"{data.start:%a %d %b %Y} – {last_day} (UTC), as of {_fmt_time(data.as_of)}.</p>",
        _strip_html(headline_strip(data)),
        "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in headline(data)) + "</ul>",
    ]
    parts += [_p(n) for n in data.notes]
    _html("\n".join(parts))


def incidents_table(data: WeeklyData) -> pd.DataFrame:
    """The week's incidents as shown: no people, durations readable, names scrubbed."""
    df = data.incidents
    return pd.DataFrame(
        {
            "incident": df["incident_id"],
            "title": df["title"],
            "severity": "SEV-" + df["severity"].astype(str),
            "team": df["team"],
            "service": df["service"],
            "started": df["started_at"].map(_fmt_time),
            "time to resolve": [
                _fmt_duration(s) if not pd.isna(r) else "open"
                for s, r in zip(df["ttr_s"], df["resolved_at"], strict=True)
            ],
            "response": df["response_status"],
            "post-mortem": df["postmortem_status"],
            "status updates": [
                f"{cadence} (from {_STATUS_SOURCE_LABELS.get(source, source)})"
                for cadence, source in zip(
                    df["status_cadence_status"], df["status_source"], strict=True
                )
            ],
        }
    )


def show_incidents(data: WeeklyData) -> None:
    """Display the table of incidents that started this week."""
    if data.incidents.empty:
        if _incident_data(data) == "none":
            _html(_p(_NO_DATA))
        else:
            _html(_p("No incidents started this week."))
        return
    _html(_table(data.scrubber.frame(incidents_table(data)), numbers=["time to resolve"]))


def show_incidents_by_severity(data: WeeklyData) -> None:
    """Display the weekly incident counts by severity over the trend window."""
    from analytics import charts

    _display(charts.incidents_by_severity(data.weekly_counts))


def _interval_frame(summary: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per severity: median, and its interval only where n allows one (else missing)."""
    n = _col(summary, f"{metric}_n", 0).fillna(0).astype(int)
    enough = n >= MIN_N_TO_COMPARE
    return pd.DataFrame(
        {
            "severity": summary["severity"].astype(int),
            "median_s": _col(summary, f"{metric}_median_s"),
            "lo_s": _col(summary, f"{metric}_median_lo_s").where(enough),
            "hi_s": _col(summary, f"{metric}_median_hi_s").where(enough),
            "n": n,
        }
    )


_METRIC_NAMES = {"mtta": "time to acknowledge", "mttr": "time to resolve"}
TOO_FEW = "too few to say"


def _change_note(metric: str, sev: int, row: pd.Series, previous: pd.DataFrame) -> str | None:
    """Is the previous week's median inside this week's 90% interval? (SPEC §6).

    None when either week has no median, or when this week has too few incidents to tell
    (the severity's single "too few" note says so once).
    """
    prev = previous.loc[previous["severity"] == sev, f"{metric}_median_s"]
    if prev.empty or _missing(prev.iloc[0]) or _missing(row.get(f"{metric}_median_s")):
        return None
    lo, hi = row.get(f"{metric}_median_lo_s"), row.get(f"{metric}_median_hi_s")
    n = int(row.get(f"{metric}_n", 0) or 0)
    if n < MIN_N_TO_COMPARE or _missing(lo) or _missing(hi):
        return None
    # the week before in this week's unit, so that the two read side by side
    unit = _unit(float(row[f"{metric}_median_s"]))
    name, was = _METRIC_NAMES[metric], _fmt_duration(prev.iloc[0], unit)
    if lo <= prev.iloc[0] <= hi:
        return (
            f"SEV-{sev} median {name}: about the same as the week before ({was}); "
            "the difference is within normal week-to-week variation."
        )
    return (
        f"SEV-{sev} median {name}: a real change from the week before ({was}), "
        "larger than normal week-to-week variation."
    )


_MTTX_NUMBERS = [
    f"{m} {part}" for m in ("MTTA", "MTTR") for part in ("median", "90% interval", "p90")
]


def mttx_table(data: WeeklyData) -> pd.DataFrame:
    """Per severity: n, missing, median with its 90% interval, and p90, for MTTA and MTTR.

    Each metric of a row is in one unit (the median's); the interval says "too few to say"
    below :data:`MIN_N_TO_COMPARE` durations.
    """
    s = data.summary
    rows = []
    for _, r in s.sort_values("severity").iterrows():
        row: dict[str, Any] = {
            "severity": f"SEV-{int(r['severity'])}",
            "incidents": int(r["incidents"]),
        }
        for metric in ("mtta", "mttr"):
            name = metric.upper()
            n = int(r.get(f"{metric}_n", 0) or 0)
            median = r.get(f"{metric}_median_s")
            unit = None if _missing(median) else _unit(float(median))
            lo, hi = r.get(f"{metric}_median_lo_s"), r.get(f"{metric}_median_hi_s")
            if n == 0:
                interval = "—"
            elif n < MIN_N_TO_COMPARE or _missing(lo) or _missing(hi):
                interval = TOO_FEW
            else:
                interval = f"{_fmt_duration(lo, unit)} – {_fmt_duration(hi, unit)}"
            row[f"{name} n"] = n
            row[f"{name} missing"] = int(r.get(f"{metric}_missing", 0) or 0)
            row[f"{name} median"] = _fmt_duration(median, unit)
            row[f"{name} 90% interval"] = interval
            row[f"{name} p90"] = _fmt_duration(r.get(f"{metric}_p90_s"), unit)
        rows.append(row)
    return pd.DataFrame(rows)


def _detectable_text(sev: int, value: tuple[int, float]) -> str | None:
    n, power = value
    if n < MIN_N_TO_COMPARE or math.isnan(power):
        return None  # the severity's "too few" note says it
    return (
        f"SEV-{sev} time to resolve: at {n} incidents a week, a real 10% improvement would "
        f"show in {power:.0%} of weeks"
        + (", so week-to-week changes here are mostly noise." if power < 0.8 else ".")
    )


def mttx_notes(data: WeeklyData) -> list[str]:
    """One plain sentence per finding: too few to say, a change or not, and how much shows."""
    notes = []
    for _, r in data.summary.sort_values("severity").iterrows():
        sev, incidents = int(r["severity"]), int(r["incidents"])
        if incidents == 0:
            continue
        n = int(r.get("mttr_n", 0) or 0)
        if min(n, int(r.get("mtta_n", 0) or 0)) < MIN_N_TO_COMPARE:
            count = "1 incident" if incidents == 1 else f"{incidents} incidents"
            notes.append(
                f"SEV-{sev}: {count} this week, too few to say whether response or "
                "resolution times changed."
            )
        for metric in ("mtta", "mttr"):
            note = _change_note(metric, sev, r, data.previous_summary)
            if note:
                notes.append(note)
        detectable = _detectable_text(sev, data.detectable.get(sev, (0, math.nan)))
        if detectable:
            notes.append(detectable)
    return notes


def show_mttx(data: WeeklyData) -> None:
    """Display MTTA/MTTR per severity with n, intervals, change notes and interval charts."""
    import altair as alt

    from analytics import charts

    if _incident_data(data) == "none":
        _html(_p(_NO_DATA))
        return
    if data.summary.empty:
        _html(_p("No incidents this week: nothing to measure."))
        return
    notes = mttx_notes(data)
    table = mttx_table(data)
    parts = []
    for name, title in (("MTTA", "Time to acknowledge (MTTA)"), ("MTTR", "Time to resolve (MTTR)")):
        # one table per metric: seven columns read in a room and fit a printed page
        mine = [c for c in table.columns if c.startswith(name + " ")]
        shown = table[["severity", "incidents", *mine]].rename(
            columns={c: c.removeprefix(name + " ") for c in mine}
        )
        numbers = [c.removeprefix(name + " ") for c in _MTTX_NUMBERS if c.startswith(name)]
        parts += [f"<h4>{html.escape(title)}</h4>", _table(shown, numbers=numbers)]
    parts += [
        _p(
            "Median: half of the incidents were faster. 90% interval: where the median would "
            f"fall in 9 of 10 similar weeks (shown from {MIN_N_TO_COMPARE} incidents up). "
            "p90: 9 in 10 incidents were faster. Incidents missing a timestamp are left out of "
            "that metric and counted under 'missing'."
        ),
    ]
    if notes:
        parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
    _html("\n".join(parts))
    _display(
        alt.hconcat(
            charts.duration_intervals(
                _interval_frame(data.summary, "mtta"), metric="MTTA", unit="minutes"
            ),
            charts.duration_intervals(
                _interval_frame(data.summary, "mttr"), metric="MTTR", unit="hours"
            ),
        )
    )


def show_trend(data: WeeklyData) -> None:
    """Display the weekly median TTR trend per severity with its interval band."""
    from analytics import charts

    _display(charts.ttr_trend(data.trend))


def show_compliance(data: WeeklyData) -> None:
    """Display response, post-mortem and status-cadence compliance (met/breached/pending)."""
    from analytics import charts

    if data.compliance.empty:
        no_data = _incident_data(data) == "none"
        _html(_p(_NO_DATA if no_data else "No compliance checks apply to this week's incidents."))
        return
    wide = (
        data.compliance.pivot_table(
            index=["check_order", "check"],
            columns="status",
            values="incidents",
            aggfunc="sum",
            fill_value=0,
        )
        .reindex(columns=["met", "breached", "pending"], fill_value=0)
        .reset_index()
        .drop(columns="check_order")
    )
    decided = wide["met"] + wide["breached"]
    wide["compliance"] = [
        f"{m / d:.0%}" if d else "—" for m, d in zip(wide["met"], decided, strict=True)
    ]
    wide.columns.name = None
    _html(
        _table(wide, numbers=["compliance"])
        + _p("Compliance = met / (met + breached); pending is shown beside it, not counted.")
    )
    _display(charts.compliance(data.compliance))


def top_teams(
    df: pd.DataFrame, by: list[str], what: str, limit: int = CHART_TEAMS
) -> tuple[pd.DataFrame, str | None]:
    """The ``limit`` rows of a per-team frame with the largest sum of ``by`` (ties by team).

    Returns:
        ``(rows, subtitle)``: all rows and ``None`` when there are at most ``limit`` teams;
        otherwise the top rows in their original order and a line saying which they are.
    """
    if len(df) <= limit:
        return df, None
    ranked = df.assign(_total=df[by].sum(axis=1)).sort_values(
        ["_total", "team"], ascending=[False, True], kind="stable"
    )
    shown = df.loc[ranked.index[:limit]].sort_index()
    return shown, (
        f"The {limit} of {len(df)} teams with the most {what}; the table lists every team."
    )


def action_items_table(data: WeeklyData) -> pd.DataFrame:
    """The action-item table as shown: human headers, the rule-3 share as "2 of 3 (67%)"."""
    df = data.action_items
    share = [
        f"{r} of {o} ({r / o:.0%})" if o else "—"
        for r, o in zip(df["rule3"], df["opened"], strict=True)
    ]
    shown = df.drop(columns="rule3").assign(rule3=share)
    names = {key: header for key, (header, _) in ACTION_ITEM_COLUMNS.items()}
    return shown.rename(columns=names)


def show_action_items(data: WeeklyData) -> None:
    """Display action items per team: this week's flow and the backlog at the report time."""
    from analytics import charts

    if data.action_items.empty:
        _html(_p("No action items opened or closed this week, and none open."))
        return
    definitions = "".join(
        f"<li><strong>{html.escape(header)}</strong>: {html.escape(meaning)}.</li>"
        for header, meaning in ACTION_ITEM_COLUMNS.values()
    )
    share = ACTION_ITEM_COLUMNS["rule3"][0]
    _html(_table(action_items_table(data), numbers=[share]) + f"<ul>{definitions}</ul>")
    counts = ["opened", "closed", "open_backlog", "overdue_backlog"]
    teams, subtitle = top_teams(data.action_items, counts, "action items")
    _display(charts.action_items_by_team(teams, subtitle=subtitle))


def show_top_services(data: WeeklyData, limit: int = 10) -> None:
    """Display the services with the most incidents this week."""
    from analytics import charts

    df = data.top_services
    if df.empty:
        no_data = _incident_data(data) == "none"
        _html(_p(_NO_DATA if no_data else "No incidents this week."))
        return
    keep = df.groupby("service")["incidents"].sum().nlargest(limit).index
    _display(charts.top_services(df[df["service"].isin(keep)]))


ONCALL_HEADERS = {
    "oncall_hours": "hours on call",
    "pages_per_oncall_hour": "pages per on-call hour",
    "business_pages": "business hours",
    "off_hours_pages": "off hours",
    "sleep_pages": "sleep hours",
}


def show_oncall_load(data: WeeklyData) -> None:
    """Display on-call load per team (pages per on-call hour, business/off/sleep hours)."""
    from analytics import charts

    if data.oncall.empty:
        _html(_p("No on-call load recorded for this week."))
        return
    shown = data.oncall.copy()
    shown["pages_per_oncall_hour"] = shown["pages_per_oncall_hour"].round(3)
    shown["oncall_hours"] = shown["oncall_hours"].round(1)
    _html(
        _table(shown.rename(columns=ONCALL_HEADERS))
        + _p(
            "Pages by the time of day on the recipient's own clock: business hours, sleep "
            "hours (22:00–07:00) and off hours (neither); the three add up to the pages."
        )
    )
    teams, subtitle = top_teams(data.oncall, ["pages"], "pages")
    _display(charts.oncall_load(teams, subtitle=subtitle))


def show_freshness(data: WeeklyData) -> None:
    """Display when data was last ingested, files rejected then, and rotation gaps."""
    parts = [_p(f"Last ingest: {_fmt_time(data.last_ingest_at)}.")]
    if data.last_ingest_at is not None and data.last_ingest_at < data.end:
        parts.append(_p("Warning: the last ingest started before this week ended."))
    if data.rejected.empty:
        parts.append(_p("No files were rejected by the last ingest."))
    else:
        rejected = pd.DataFrame(
            {
                "file": data.rejected["file"].map(lambda f: Path(str(f)).name),
                "reason": data.rejected["error"].map(
                    lambda e: str(e).rsplit("/", 1)[-1] if isinstance(e, str) else e
                ),
            }
        )
        parts.append(_p(f"{len(rejected)} file(s) rejected by the last ingest:"))
        parts.append(_table(data.scrubber.frame(rejected)))
    if "rotations" in data.coverage.not_provided:
        parts.append(_p("No on-call rotations were provided: nothing can be said about gaps."))
    elif data.rotation_gaps.empty:
        parts.append(_p("No gaps in the on-call rotations this week."))
    else:
        gaps = pd.DataFrame(
            {
                "team": data.rotation_gaps["team"],
                "from": data.rotation_gaps["start_at"].map(_fmt_time),
                "to": data.rotation_gaps["end_at"].map(_fmt_time),
                "hours": data.rotation_gaps["hours"].round(1),
                "why": data.rotation_gaps["kind"].map(_GAP_KINDS),
            }
        )
        parts.append(
            _p(
                "Stretches of the week without anyone on call (gaps in a rotation, and the "
                "time before a team's first or after its last shift in the data):"
            )
        )
        parts.append(_table(gaps))
    _html("\n".join(parts))


_GAP_KINDS = {
    "gap": "gap in the rotation",
    "before_first": "before the team's first shift",
    "after_last": "after the team's last shift",
}


def _not_provided(data: WeeklyData) -> str:
    missing = [m.replace("_", " ") for m in data.coverage.not_provided]
    return f" Not provided: {', '.join(missing)}." if missing else ""


def show_footer(data: WeeklyData) -> None:
    """Display the versions and report time that produced this report."""
    f = data.footer
    _html(
        "<p><small>"
        + html.escape(
            f"incident-analytics {f['package_version']} · policy {f.get('policy_version')} · "
            f"warehouse schema {f.get('schema_version')} · as of {_fmt_time(f['as_of'])} · "
            "blameless: teams and services only, people's names replaced by 'someone'."
            + _not_provided(data)
        )
        + "</small></p>"
    )
