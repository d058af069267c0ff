"""Data and display for the weekly all-hands incident report (SPEC §8).

:func:`load_week` opens the warehouse read-only once, reads everything the report shows
into small DataFrames (aggregated in SQL or by :mod:`analytics.metrics`), and closes the
connection before any chart is drawn, so a report never holds the file while it renders.
The ``show_*`` helpers each display one section of ``notebooks/weekly_allhands.ipynb``.

Blameless by construction: every text the report shows goes through :class:`Scrubber`,
which replaces the names of people (``people``, acknowledgers, page recipients, action item
owners, rotation engineers) with "someone"; the report groups by team and service only.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from analytics import __version__, metrics
from analytics import db as warehouse
from analytics.errors import UsageError
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
PERSON = "someone"
# Below this many durations a bootstrap interval is too coarse to call a change.
MIN_N_TO_COMPARE = 3
# Per-team charts draw at most this many teams, those with the most (ties by name); the
# table above each chart lists every team. 250 teams would be a chart ~20,000 px wide that
# takes vl-convert ~0.6 s to draw and adds ~1 MB of SVG to the page.
CHART_TEAMS = 20


# --------------------------------------------------------------------------- blameless


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex alternation of ``words`` (matched with IGNORECASE) factored as a trie.

    It matches what ``"|".join(words, longest first)`` matches, longest word first: at
    every branch the longer continuation is tried before stopping. Python's re tries a flat
    alternation word by word at every position (thousands of names: ~0.1 ms per string);
    the trie tests one character per level. Keys are lower-cased, so that words differing
    only in case share one path (a character whose lower case is longer stays as it is).
    """
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            low = char.lower()
            node = node.setdefault(low if len(low) == 1 else char, {})
        node[""] = {}  # a word ends here

    def pattern(node: dict[str, dict]) -> str:
        branches = [re.escape(k) + pattern(child) for k, child in sorted(node.items()) if k]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return "(?:" + body + ")?" if "" in node else body

    return pattern(trie)


class Scrubber:
    """Replaces people's names in free text with "someone" (word boundaries, any case).

    Full names are matched, and so are the single words of multi-word names that are at
    least three letters long ("Ana Lima" also hides "Lima" on its own).
    """

    def __init__(self, names: Iterable[str]) -> None:
        words: set[str] = set()
        for raw in names:
            name = " ".join(str(raw or "").split())
            if not name:
                continue
            words.add(name)
            parts = name.split(" ")
            if len(parts) > 1:
                words.update(p for p in parts if len(p) >= 3)
            if "@" in name:
                words.add(name.split("@", 1)[0])
        self._re = (
            re.compile(r"(?<!\w)(?:" + _trie_pattern(words) + r")(?!\w)", re.IGNORECASE)
            if words
            else None
        )

    def text(self, value: Any) -> Any:
        """``value`` with names replaced when it is a string; anything else unchanged."""
        if self._re is None or not isinstance(value, str):
            return value
        return self._re.sub(PERSON, value)

    def frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """A copy of ``df`` with every text column scrubbed."""
        out = df.copy()
        for col in out.columns:
            if out[col].dtype == "str" or out[col].dtype == object:
                out[col] = out[col].map(self.text)
        return out


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

_GAPS_SQL = """
select team, start_at, end_at, date_diff('second', start_at, end_at) / 3600.0 as hours,
from rotation_findings
where kind = 'gap' and start_at < $end and end_at > $start
order by team, start_at
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
    notes: list[str] = field(default_factory=list)
    scrubber: Scrubber = field(default_factory=lambda: Scrubber(()), repr=False)


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
    """Per team: opened (this week's incidents), closed this week, overdue at as_of."""
    out = pd.DataFrame(
        {
            "team": summary["team"].fillna("(no team)"),
            "opened": summary["opened"],
            "closed": summary["closed_in_period"],
            "overdue": summary["overdue_backlog"],
            "open": summary["open"],
            "rule3_rate": summary["rule3_rate"].round(2),
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
        materialized=("incident_responses", "incident_metrics"),
    ) as con:
        scrubber = Scrubber(_df(con, _NAMES_SQL)["name"].dropna().tolist())
        incidents = metrics.incidents_in(con, start, end)[_INCIDENT_COLUMNS]
        summary = metrics.summary(con, start, end, by="severity")
        previous_summary = metrics.summary(con, start - timedelta(days=7), start, intervals=False)
        trend = metrics.weekly_trend(con, end, weeks=weeks)
        # Altair serialises datetime64 columns, not datetime.date objects
        trend["week_start"] = pd.to_datetime(trend["week_start"])
        weekly_counts = trend[["week_start", "severity", "incidents"]]
        compliance = _compliance_long(metrics.compliance(con, start, end))
        action_items = _action_items(metrics.action_items_summary(con, start, end, by="team"))
        top_services = _df(con, _TOP_SERVICES_SQL, start=start, end=end)
        oncall = metrics.oncall_load(con, start, end)
        durations = _df(con, _DURATIONS_SQL, start=first, end=end)
        last = _df(con, _LAST_INGEST_SQL)
        last_ingest_at = last["last_ingest_at"].iloc[0] if len(last) else None
        run_id = last["last_run_id"].iloc[0] if len(last) else None
        rejected = _df(con, _REJECTED_SQL, run_id=run_id)
        gaps = _df(con, _GAPS_SQL, start=start, end=end)
        footer = _df(con, _FOOTER_SQL).iloc[0].to_dict()
    if pd.isna(last_ingest_at):
        last_ingest_at = None
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
        notes=notes,
        scrubber=scrubber,
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


def _fmt_duration(seconds: Any) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)) or pd.isna(seconds):
        return "—"
    seconds = float(seconds)
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _fmt_time(value: Any) -> str:
    if value is None or pd.isna(value):
        return "—"
    return pd.Timestamp(value).tz_convert("UTC").strftime("%a %d %b %Y %H:%M UTC")


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, escape=True, border=0, na_rep="—", classes="dataframe")


def _col(df: pd.DataFrame, name: str, default: Any = math.nan) -> pd.Series:
    return df[name] if name in df else pd.Series([default] * len(df), index=df.index)


def headline(data: WeeklyData) -> list[str]:
    """The report's opening sentences, computed from the data (one per line)."""
    counts = data.weekly_counts
    monday = pd.Timestamp(data.start.date())
    this = counts[counts["week_start"] == monday]
    before = counts[counts["week_start"] < monday]
    n_before = before["week_start"].nunique()
    lines = []
    for sev in SEVERITIES:
        now_n = int(this.loc[this["severity"] == sev, "incidents"].sum())
        text = f"{now_n} SEV-{sev} this week"
        if n_before:
            avg = before.loc[before["severity"] == sev, "incidents"].sum() / n_before
            text += f"; average of the previous {n_before} weeks {avg:.1f}"
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
        lines.append(f"{still_open} of this week's incidents are still open.")
    return lines


def show_headline(data: WeeklyData) -> None:
    """Display the week, its dates and the headline sentences."""
    last_day = (data.end - timedelta(days=1)).strftime("%a %d %b %Y")
    parts = [
        f"<p><strong>{html.escape(data.week)}</strong>: "
        f"{data.start:%a %d %b %Y} – {last_day} (UTC), as of {_fmt_time(data.as_of)}.</p>",
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
        _html(_p("No incidents started this week."))
        return
    _html(_table(data.scrubber.frame(incidents_table(data))))


def show_incidents_by_severity(data: WeeklyData) -> None:
    """Display the weekly incident counts by severity over the trend window."""
    from analytics import charts

    _display(charts.incidents_by_severity(data.weekly_counts))


def _interval_frame(summary: pd.DataFrame, metric: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "severity": summary["severity"].astype(int),
            "median_s": _col(summary, f"{metric}_median_s"),
            "lo_s": _col(summary, f"{metric}_median_lo_s"),
            "hi_s": _col(summary, f"{metric}_median_hi_s"),
            "n": _col(summary, f"{metric}_n", 0).fillna(0).astype(int),
        }
    )


def _change_note(metric: str, sev: int, row: pd.Series, previous: pd.DataFrame) -> str | None:
    """Is last week's median inside this week's 90% interval? (SPEC §6, honest statistics)."""
    prev = previous.loc[previous["severity"] == sev, f"{metric}_median_s"]
    if prev.empty or pd.isna(prev.iloc[0]) or pd.isna(row.get(f"{metric}_median_s")):
        return None
    name, was = metric.upper(), _fmt_duration(prev.iloc[0])
    n = int(row.get(f"{metric}_n", 0) or 0)
    lo, hi = row.get(f"{metric}_median_lo_s"), row.get(f"{metric}_median_hi_s")
    if n < MIN_N_TO_COMPARE or lo is None or hi is None or pd.isna(lo) or pd.isna(hi):
        return f"SEV-{sev} median {name}: last week {was}; n={n} is too few to compare."
    if lo <= prev.iloc[0] <= hi:
        return f"SEV-{sev} median {name}: not distinguishable from last week ({was})."
    return (
        f"SEV-{sev} median {name}: changed from last week ({was}), "
        "which lies outside this week's 90% interval."
    )


def mttx_table(data: WeeklyData) -> pd.DataFrame:
    """Per severity: n, missing, median with its 90% interval, and p90, for MTTA and MTTR."""
    s = data.summary
    rows = []
    for _, r in s.sort_values("severity").iterrows():
        row: dict[str, Any] = {
            "severity": f"SEV-{int(r['severity'])}",
            "incidents": int(r["incidents"]),
        }
        for metric in ("mtta", "mttr"):
            name = metric.upper()
            lo, hi = r.get(f"{metric}_median_lo_s"), r.get(f"{metric}_median_hi_s")
            interval = (
                "—" if lo is None or pd.isna(lo) else f"{_fmt_duration(lo)} – {_fmt_duration(hi)}"
            )
            row[f"{name} n"] = int(r.get(f"{metric}_n", 0) or 0)
            row[f"{name} missing"] = int(r.get(f"{metric}_missing", 0) or 0)
            row[f"{name} median"] = _fmt_duration(r.get(f"{metric}_median_s"))
            row[f"{name} 90% interval"] = interval
            row[f"{name} p90"] = _fmt_duration(r.get(f"{metric}_p90_s"))
        rows.append(row)
    return pd.DataFrame(rows)


def _detectable_text(sev: int, value: tuple[int, float]) -> str:
    n, power = value
    if math.isnan(power):
        return f"SEV-{sev} MTTR: with n={n} this week, no change can be told apart from noise."
    return (
        f"SEV-{sev} MTTR: with n={n} incidents a week, a real 10% improvement would show "
        f"in {power:.0%} of weeks"
        + (" — week-to-week changes here are mostly noise." if power < 0.8 else ".")
    )


def show_mttx(data: WeeklyData) -> None:
    """Display MTTA/MTTR per severity with n, intervals, change notes and interval charts."""
    import altair as alt

    from analytics import charts

    if data.summary.empty:
        _html(_p("No incidents this week: nothing to measure."))
        return
    notes = []
    for _, r in data.summary.iterrows():
        for metric in ("mtta", "mttr"):
            note = _change_note(metric, int(r["severity"]), r, data.previous_summary)
            if note:
                notes.append(note)
    notes += [_detectable_text(sev, v) for sev, v in sorted(data.detectable.items())]
    parts = [
        _table(mttx_table(data)),
        _p(
            "Medians with a 90% bootstrap interval; incidents missing a timestamp are left "
            "out of that metric and counted under 'missing'."
        ),
    ]
    if notes:
        parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
    _html("\n".join(parts))
    _display(
        alt.hconcat(
            charts.duration_intervals(_interval_frame(data.summary, "mtta"), metric="MTTA"),
            charts.duration_intervals(_interval_frame(data.summary, "mttr"), metric="MTTR"),
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
        _html(_p("No compliance checks apply to this week's incidents."))
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
        _table(wide)
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


def show_action_items(data: WeeklyData) -> None:
    """Display action items opened, closed and overdue per team."""
    from analytics import charts

    if data.action_items.empty:
        _html(_p("No action items opened, closed or overdue."))
        return
    _html(
        _table(data.action_items)
        + _p(
            "Opened: items of incidents that started this week. Closed: items the tracker "
            "resolved this week. Overdue and open: all of the team's items at the report time. "
            "rule3_rate: share of this week's items with an owner, a due date and a ticket."
        )
    )
    teams, subtitle = top_teams(
        data.action_items,
        ["opened", "closed", "overdue"],
        "action items opened, closed and overdue",
    )
    _display(charts.action_items_by_team(teams, subtitle=subtitle))


def show_top_services(data: WeeklyData, limit: int = 10) -> None:
    """Display the services with the most incidents this week."""
    from analytics import charts

    df = data.top_services
    if df.empty:
        _html(_p("No incidents this week."))
        return
    keep = df.groupby("service")["incidents"].sum().nlargest(limit).index
    _display(charts.top_services(df[df["service"].isin(keep)]))


def show_oncall_load(data: WeeklyData) -> None:
    """Display on-call load per team (pages per on-call hour, business/off/sleep hours)."""
    from analytics import charts

    if data.oncall.empty:
        _html(_p("No on-call load recorded for this week."))
        return
    shown = data.oncall.copy()
    shown["pages_per_oncall_hour"] = shown["pages_per_oncall_hour"].round(3)
    shown["oncall_hours"] = shown["oncall_hours"].round(1)
    _html(_table(shown))
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
    if data.rotation_gaps.empty:
        parts.append(_p("No gaps in the on-call rotations this week."))
    else:
        gaps = pd.DataFrame(
            {
                "team": data.rotation_gaps["team"],
                "from": data.rotation_gaps["start_at"].map(_fmt_time),
                "to": data.rotation_gaps["end_at"].map(_fmt_time),
                "hours": data.rotation_gaps["hours"].round(1),
            }
        )
        parts.append(_p("Gaps in the on-call rotations (nobody on call):"))
        parts.append(_table(gaps))
    _html("\n".join(parts))


def show_footer(data: WeeklyData) -> None:
    """Display the versions and report time that produced this report."""
    f = data.footer
    _html(
        "<p><small>"
        + html.escape(
            f"incident-analytics {f['package_version']} · policy {f.get('policy_version')} · "
            f"warehouse schema {f.get('schema_version')} · as of {_fmt_time(f['as_of'])} · "
            "blameless: teams and services only, people's names replaced by 'someone'."
        )
        + "</small></p>"
    )
