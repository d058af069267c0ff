"""The weekly all-hands report, shown: one ``show_*`` per section of
``notebooks/weekly_allhands.ipynb`` over :class:`analytics.weekly.WeeklyData`.

The data is read by :mod:`analytics.weekly` (typed, no HTML); this module words it (the
headline sentences, the MTTx notes, the tables as shown) and draws it, with the formats and
HTML pieces of :mod:`analytics.render` (durations ``9 min``, ``10.5 h``; times
``Mon 26 Oct 2026 16:03 UTC``; tables with text left-aligned and numbers right-aligned).
The review sections are :mod:`analytics.weekly_reviews_html`.
"""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from analytics import banner, render
from analytics.weekly import (
    MIN_N_TO_COMPARE,
    SEVERITIES,
    WeeklyData,
    incident_reach,
    typical_range,
)

__all__ = [
    "ACTION_ITEM_COLUMNS",
    "CHART_TEAMS",
    "NO_DATA",
    "ONCALL_HEADERS",
    "action_items_table",
    "headline",
    "headline_strip",
    "incidents_table",
    "mttx_notes",
    "mttx_table",
    "rotation_gaps_table",
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
    "top_teams",
]

# Per-team charts draw at most this many teams, those with the most (ties by name); the
# table above each chart lists every team. 250 teams would be a chart ~20,000 px wide that
# takes vl-convert ~0.6 s to draw and adds ~1 MB of SVG to the page.
CHART_TEAMS = 20
# Where an incident's status updates came from (incident_metrics.status_source, docs/importers.md).
_STATUS_SOURCE_LABELS = {"statuspage": "status page", "timeline": "post-mortem"}
# The cadence of an incident without any status update (status_source 'none'), in words.
_WITHOUT_UPDATES = {
    "met": "met (none due)",
    "breached": "breached (no updates)",
    "pending": "pending (no updates yet)",
    "n/a": "n/a",
}

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


def _col(df: pd.DataFrame, name: str, default: Any = math.nan) -> pd.Series:
    return df[name] if name in df else pd.Series([default] * len(df), index=df.index)


NO_DATA = "No incident data for this week: see the note at the top."


def headline(data: WeeklyData) -> list[str]:
    """The report's opening sentences, computed from the data (one per line).

    Weeks the incidents data does not cover are left out of the typical range; a week the
    data does not reach at all has no counts, only a sentence saying so.
    """
    counts = data.weekly_counts
    monday = pd.Timestamp(data.start.date())
    before = counts[(counts["week_start"] < monday) & counts["covered"]]
    n_before = before["week_start"].nunique()
    reach = incident_reach(data)
    if reach == "none":
        return [NO_DATA]
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


def headline_strip(data: WeeklyData) -> list[render.Figure]:
    """The boxes at the top: ``(figure, what, detail, colour)`` for each severity's count
    against its typical range, response compliance, and the open SEV-1/2 follow-ups."""
    counts = data.weekly_counts
    monday = pd.Timestamp(data.start.date())
    before = counts[(counts["week_start"] < monday) & counts["covered"]]
    reach = incident_reach(data)
    boxes: list[render.Figure] = []
    for sev in SEVERITIES:
        colour = _severity_colour(sev)
        if reach == "none":
            boxes.append(render.Figure("—", f"SEV-{sev} this week", "no data", colour))
            continue
        usual = typical_range(before.loc[before["severity"] == sev, "incidents"])
        if usual is None:
            detail = "too few weeks to say what is typical"
        else:
            span = f"{usual[0]}" if usual[0] == usual[1] else f"{usual[0]}–{usual[1]}"
            detail = f"typical week: {span}"
        now_n = int((data.incidents["severity"] == sev).sum())
        boxes.append(render.Figure(str(now_n), f"SEV-{sev} this week", detail, colour))
    comp = data.compliance[data.compliance["check"] == "response"]
    met = int(comp.loc[comp["status"] == "met", "incidents"].sum())
    decided = met + int(comp.loc[comp["status"] == "breached", "incidents"].sum())
    boxes.append(
        render.Figure(
            render.percent(met / decided), "response targets met", f"{met} of {decided} decided"
        )
        if decided
        else render.Figure("—", "response targets met", "none decided this week")
    )
    open_n, overdue_n = data.followups
    boxes.append(render.Figure(str(open_n), "open SEV-1/2 action items", f"{overdue_n} overdue"))
    return boxes


def _severity_colour(sev: int) -> str | None:
    from analytics.charts import SEVERITY_COLORS

    return SEVERITY_COLORS.get(sev)


def show_banner(data: WeeklyData) -> None:
    """Display where the data ends, when the week reaches past (or before) any source."""
    if data.coverage:
        render.show(banner.html(data.coverage))


def show_headline(data: WeeklyData) -> None:
    """Display the week, its dates and the headline sentences."""
    last_day = (data.end - timedelta(days=1)).strftime("%a %d %b %Y")
    parts = [
        f"<p><strong>{render.escape(data.week)}</strong>: "
        f"{data.start:%a %d %b %Y} – {last_day} (UTC), as of {render.timestamp(data.as_of)}.</p>",
        render.figure_strip(headline_strip(data)),
        render.bullets(headline(data)),
    ]
    parts += [render.p(n) for n in data.notes]
    render.show("\n".join(parts))


def incidents_table(data: WeeklyData) -> pd.DataFrame:
    """The week's incidents as shown: no people, durations readable, names scrubbed."""
    df = data.incidents
    return pd.DataFrame(
        {
            "incident": df["incident_id"],
            "title": df["title"],
            "severity": df["severity"].map(render.severity),
            "team": df["team"],
            "service": df["service"],
            "started": df["started_at"].map(render.timestamp),
            "time to resolve": [
                render.duration(s) if not pd.isna(r) else "open"
                for s, r in zip(df["ttr_s"], df["resolved_at"], strict=True)
            ],
            "response": df["response_status"],
            "post-mortem": df["postmortem_status"],
            "status updates": [
                _status_updates(cadence, source)
                for cadence, source in zip(
                    df["status_cadence_status"], df["status_source"], strict=True
                )
            ],
        }
    )


def _status_updates(cadence: str, source: str) -> str:
    """``met (from status page)``; without any update ``met (none due)`` (resolved before
    one was due), ``breached (no updates)``, ``pending (no updates yet)``, ``n/a``."""
    if source == "none":
        return _WITHOUT_UPDATES.get(cadence, cadence)
    return f"{cadence} (from {_STATUS_SOURCE_LABELS.get(source, source)})"


def show_incidents(data: WeeklyData) -> None:
    """Display the table of incidents that started this week."""
    if data.incidents.empty:
        if incident_reach(data) == "none":
            render.show(render.p(NO_DATA))
        else:
            render.show(render.p("No incidents started this week."))
        return
    render.show(
        render.table(data.scrubber.frame(incidents_table(data)), numbers=["time to resolve"])
    )


def show_incidents_by_severity(data: WeeklyData) -> None:
    """Display the weekly incident counts by severity over the trend window."""
    from analytics import charts

    charts.show(charts.incidents_by_severity(data.weekly_counts))


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
    """Is the previous week's median inside this week's 90% interval? (docs/metrics.md).

    None when either week has no median, or when this week has too few incidents to tell
    (the severity's single "too few" note says so once).
    """
    prev = previous.loc[previous["severity"] == sev, f"{metric}_median_s"]
    if (
        prev.empty
        or render.is_missing(prev.iloc[0])
        or render.is_missing(row.get(f"{metric}_median_s"))
    ):
        return None
    lo, hi = row.get(f"{metric}_median_lo_s"), row.get(f"{metric}_median_hi_s")
    n = int(row.get(f"{metric}_n", 0) or 0)
    if n < MIN_N_TO_COMPARE or render.is_missing(lo) or render.is_missing(hi):
        return None
    # the week before in this week's unit, so that the two read side by side
    unit = render.duration_unit(float(row[f"{metric}_median_s"]))
    name, was = _METRIC_NAMES[metric], render.duration(prev.iloc[0], unit)
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
            "severity": render.severity(r["severity"]),
            "incidents": int(r["incidents"]),
        }
        for metric in ("mtta", "mttr"):
            name = metric.upper()
            n = int(r.get(f"{metric}_n", 0) or 0)
            median = r.get(f"{metric}_median_s")
            unit = None if render.is_missing(median) else render.duration_unit(float(median))
            lo, hi = r.get(f"{metric}_median_lo_s"), r.get(f"{metric}_median_hi_s")
            if n == 0:
                interval = "—"
            elif n < MIN_N_TO_COMPARE or render.is_missing(lo) or render.is_missing(hi):
                interval = TOO_FEW
            else:
                interval = f"{render.duration(lo, unit)} – {render.duration(hi, unit)}"
            row[f"{name} n"] = n
            row[f"{name} missing"] = int(r.get(f"{metric}_missing", 0) or 0)
            row[f"{name} median"] = render.duration(median, unit)
            row[f"{name} 90% interval"] = interval
            row[f"{name} p90"] = render.duration(r.get(f"{metric}_p90_s"), unit)
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

    if incident_reach(data) == "none":
        render.show(render.p(NO_DATA))
        return
    if data.summary.empty:
        render.show(render.p("No incidents this week: nothing to measure."))
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
        parts += [f"<h4>{render.escape(title)}</h4>", render.table(shown, numbers=numbers)]
    parts += [
        render.p(
            "Median: half of the incidents were faster. 90% interval: where the median would "
            f"fall in 9 of 10 similar weeks (shown from {MIN_N_TO_COMPARE} incidents up). "
            "p90: 9 in 10 incidents were faster. Incidents missing a timestamp are left out of "
            "that metric and counted under 'missing'."
        ),
    ]
    if notes:
        parts.append(render.bullets(notes))
    render.show("\n".join(parts))
    charts.show(
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

    charts.show(charts.ttr_trend(data.trend))


def show_compliance(data: WeeklyData) -> None:
    """Display response, post-mortem and status-cadence compliance (met/breached/pending)."""
    from analytics import charts

    if data.compliance.empty:
        no_data = incident_reach(data) == "none"
        render.show(
            render.p(NO_DATA if no_data else "No compliance checks apply to this week's incidents.")
        )
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
        render.percent(m / d if d else None) for m, d in zip(wide["met"], decided, strict=True)
    ]
    wide.columns.name = None
    render.show(
        render.table(wide, numbers=["compliance"])
        + render.p("Compliance = met / (met + breached); pending is shown beside it, not counted.")
    )
    charts.show(charts.compliance(data.compliance))


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
    share = [render.fraction(r, o) for r, o in zip(df["rule3"], df["opened"], strict=True)]
    shown = df.drop(columns="rule3").assign(rule3=share)
    names = {key: header for key, (header, _) in ACTION_ITEM_COLUMNS.items()}
    return shown.rename(columns=names)


def show_action_items(data: WeeklyData) -> None:
    """Display action items per team: this week's flow and the backlog at the report time."""
    from analytics import charts

    if data.action_items.empty:
        render.show(render.p("No action items opened or closed this week, and none open."))
        return
    definitions = "".join(
        f"<li><strong>{render.escape(header)}</strong>: {render.escape(meaning)}.</li>"
        for header, meaning in ACTION_ITEM_COLUMNS.values()
    )
    share = ACTION_ITEM_COLUMNS["rule3"][0]
    render.show(render.table(action_items_table(data), numbers=[share]) + f"<ul>{definitions}</ul>")
    counts = ["opened", "closed", "open_backlog", "overdue_backlog"]
    teams, subtitle = top_teams(data.action_items, counts, "action items")
    charts.show(charts.action_items_by_team(teams, subtitle=subtitle))


def show_top_services(data: WeeklyData, limit: int = 10) -> None:
    """Display the services with the most incidents this week."""
    from analytics import charts

    df = data.top_services
    if df.empty:
        no_data = incident_reach(data) == "none"
        render.show(render.p(NO_DATA if no_data else "No incidents this week."))
        return
    keep = df.groupby("service")["incidents"].sum().nlargest(limit).index
    charts.show(charts.top_services(df[df["service"].isin(keep)]))


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
        render.show(render.p("No on-call load recorded for this week."))
        return
    shown = data.oncall.copy()
    shown["pages_per_oncall_hour"] = shown["pages_per_oncall_hour"].round(3)
    shown["oncall_hours"] = shown["oncall_hours"].round(1)
    render.show(
        render.table(shown.rename(columns=ONCALL_HEADERS))
        + render.p(
            "Pages by the time of day on the recipient's own clock: business hours, sleep "
            "hours (22:00–07:00) and off hours (neither); the three add up to the pages."
        )
    )
    teams, subtitle = top_teams(data.oncall, ["pages"], "pages")
    charts.show(charts.oncall_load(teams, subtitle=subtitle))


def rotation_gaps_table(data: WeeklyData) -> pd.DataFrame:
    """The week's uncovered rotation stretches as shown: team, from, to, length, why."""
    df = data.rotation_gaps
    return pd.DataFrame(
        {
            "team": df["team"],
            "from": df["start_at"].map(render.timestamp),
            "to": df["end_at"].map(render.timestamp),
            "length": (df["hours"] * 3600).map(render.duration),
            "why": df["kind"].map(_GAP_KINDS),
        }
    )


def show_freshness(data: WeeklyData) -> None:
    """Display when data was last ingested, files rejected then, and rotation gaps."""
    parts = [render.p(f"Last ingest: {render.timestamp(data.last_ingest_at)}.")]
    if data.last_ingest_at is not None and data.last_ingest_at < data.end:
        parts.append(render.p("Warning: the last ingest started before this week ended."))
    if data.rejected.empty:
        parts.append(render.p("No files were rejected by the last ingest."))
    else:
        rejected = pd.DataFrame(
            {
                "file": data.rejected["file"].map(lambda f: Path(str(f)).name),
                "reason": data.rejected["error"].map(
                    lambda e: str(e).rsplit("/", 1)[-1] if isinstance(e, str) else e
                ),
            }
        )
        parts.append(render.p(f"{len(rejected)} file(s) rejected by the last ingest:"))
        parts.append(render.table(data.scrubber.frame(rejected)))
    if "rotations" in data.coverage.not_provided:
        parts.append(
            render.p("No on-call rotations were provided: nothing can be said about gaps.")
        )
    elif data.rotation_gaps.empty:
        parts.append(render.p("No gaps in the on-call rotations this week."))
    else:
        gaps = rotation_gaps_table(data)
        parts.append(
            render.p(
                "Stretches of the week without anyone on call (gaps in a rotation, and the "
                "time before a team's first or after its last shift in the data):"
            )
        )
        parts.append(render.table(gaps, numbers=["length"]))
    render.show("\n".join(parts))


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
    render.show(
        "<p><small>"
        + render.escape(
            f"incident-analytics {f['package_version']} · policy {f.get('policy_version')} · "
            f"warehouse schema {f.get('schema_version')} · as of {render.timestamp(f['as_of'])} · "
            "blameless: teams and services only, people's names replaced by 'someone'."
            + _not_provided(data)
        )
        + "</small></p>"
    )
