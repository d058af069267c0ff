"""Display helpers for the exploration notebook (the compensation report's are in
:mod:`analytics.compensation_html`).

The exploration notebook asks a manager's questions of one period, each answered by one call
here that reads through the analyst's API (:mod:`analytics.api`) and shows the answer with
its ``n`` and intervals, and the API call that gives the same numbers as a DataFrame.

Every helper opens the warehouse read-only for one query and closes it at once
(:func:`analytics.db.reader`), so an idle JupyterLab kernel never blocks a scheduled ingest
or payroll export (docs/security.md). The worked examples are SQL with bound ``$params``; they are
printed beside their result so an analyst can copy and adapt them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from analytics import api, banner, periods, render
from analytics import db as warehouse
from analytics.errors import UsageError
from analytics.names import team_key
from analytics.periods import Period
from analytics.render import escape as esc

if TYPE_CHECKING:
    from analytics.context import RunContext

__all__ = [
    "EXAMPLES",
    "Scope",
    "overview",
    "scope",
    "show_compliance",
    "show_glance",
    "show_incidents",
    "show_mttx",
    "show_oncall_load",
    "show_overview",
    "show_sql",
    "show_table",
    "show_trend",
]

# Public tables and views (docs/warehouse.md) with one worked example each:
# (sql, params, what it shows). These stay here, not in sql/queries/: they are text shown to
# analysts (printed beside their result, to copy and adapt), not queries the package runs
# for its own figures (docs/design.md, "The SQL files").
EXAMPLES: dict[str, tuple[str, dict[str, Any], str]] = {
    "incidents": (
        "select severity, count(*) as incidents\n"
        "from incidents\nwhere started_at >= $since\ngroup by severity\norder by severity",
        {"since": "2026-01-01"},
        "Incidents per severity since a date.",
    ),
    "incident_metrics": (
        "select team, count(*) as incidents,\n"
        "    quantile_cont(ttr_s, 0.5) / 3600 as median_ttr_h,\n"
        "    count(*) filter (where response_status = 'breached') as response_breached\n"
        "from incident_metrics\nwhere severity <= $max_severity\ngroup by team\norder by team",
        {"max_severity": 2},
        "Median time to resolve and response breaches per team, SEV-1 and SEV-2.",
    ),
    "timeline_events": (
        "select kind, count(*) as events\nfrom timeline_events\n"
        "group by kind\norder by events desc",
        {},
        "Timeline entries per kind.",
    ),
    "action_items": (
        "select incident_id, item_no, ticket, due_date, done\n"
        "from action_items\nwhere not done\norder by due_date nulls last\nlimit $n",
        {"n": 10},
        "Open action items, soonest due first.",
    ),
    "action_item_status": (
        "select count(*) as items,\n"
        "    avg(is_done::int) as completion_rate,\n"
        "    count(*) filter (where is_overdue) as overdue\nfrom action_item_status",
        {},
        "Completion rate and overdue items.",
    ),
    "pages": (
        "select team, count(*) as pages,\n"
        "    count(*) filter (where incident_id is null) as without_incident\n"
        "from pages\ngroup by team\norder by pages desc",
        {},
        "Pages per team, and how many belong to no incident (noise).",
    ),
    "page_metrics": (
        "select team, avg(ack_s) / 60 as mean_ack_min,\n"
        "    count(*) filter (where is_overnight) as overnight\n"
        "from page_metrics\ngroup by team\norder by team",
        {},
        "Mean acknowledgement time and overnight pages per team.",
    ),
    "people": (
        "select team, count(*) as engineers\nfrom people\ngroup by team\norder by team",
        {},
        "Engineers per team.",
    ),
    "oncall_shifts": (
        "select team, sum(date_diff('second', start_at, end_at)) / 3600 as oncall_hours\n"
        "from oncall_shifts\nwhere start_at < $until\ngroup by team\norder by team",
        {"until": "2030-01-01"},
        "Hours on call per team.",
    ),
    "oncall_load": (
        "select team, week_start, pages, pages_per_oncall_hour, sleep_pages\n"
        "from oncall_load\norder by week_start desc, team\nlimit $n",
        {"n": 10},
        "The latest weeks' load per team.",
    ),
    "rotation_findings": (
        "select team, kind, count(*) as findings\nfrom rotation_findings\ngroup by all\n"
        "order by team, kind",
        {},
        "Rotation gaps and overlaps per team.",
    ),
    "ingest_log": (
        "select run_id, min(run_started_at) as started, count(*) as files,\n"
        "    count(*) filter (where status = 'rejected') as rejected\n"
        "from ingest_log\ngroup by run_id\norder by started desc\nlimit $n",
        {"n": 5},
        "The latest ingest runs.",
    ),
    "payroll_exports": (
        "select period_start, period_end, exported_at, row_count, total_pay_usd\n"
        "from payroll_exports\norder by period_start desc",
        {},
        "Every payroll export written.",
    ),
    "warehouse_meta": ("select * from warehouse_meta", {}, "Schema and package versions."),
}

# Catalog reads (housekeeping, allowed in Python): a public name's description and columns.
_DOC_SQL = """
select comment from duckdb_views() where schema_name = 'main' and view_name = $name
union all
select comment from duckdb_tables() where schema_name = 'main' and table_name = $name
"""

_COLUMNS_SQL = """
select column_name as column, data_type as type, comment as meaning,
from duckdb_columns()
where schema_name = 'main' and table_name = $name
order by column_index
"""


def _as_of(as_of: str | None):
    """The report time for the views; empty means now (bound explicitly, as the report does)."""
    from analytics.weekly import parse_as_of

    return parse_as_of(as_of or None)


def overview(db: str | Path | None = None, *, wait: float = 30.0) -> pd.DataFrame:
    """Every public table and view: ``table, rows, what it is``."""
    rows = []
    with warehouse.reader(db, wait=wait) as con:
        for name in EXAMPLES:
            doc = warehouse.query_df(con, _DOC_SQL, {"name": name})
            count = int(warehouse.query_df(con, f"select count(*) as n from {name}")["n"].iloc[0])
            rows.append(
                {
                    "table": name,
                    "rows": count,
                    "what it is": doc["comment"].iloc[0] if len(doc) else "",
                }
            )
    return pd.DataFrame(rows, columns=["table", "rows", "what it is"])


def show_overview(db: str | Path, *, as_of: str | None = "", wait: float = 30.0) -> None:
    """Display every public table and view with its row count and description."""
    render.show(render.table(overview(db, wait=wait)))


def show_table(
    db: str | Path,
    name: str,
    *,
    as_of: str | None = "",
    rows: int = 5,
    wait: float = 30.0,
) -> None:
    """Display one public table: its description, columns with units, sample rows, an example.

    Args:
        db: Warehouse file.
        name: One of :data:`EXAMPLES` (the public names of docs/warehouse.md).
        as_of: Report time for the views (ISO 8601; empty means now).
        rows: Sample rows to show.
        wait: Seconds to retry while another process holds the warehouse.
    """
    if name not in EXAMPLES:
        raise UsageError(f"{name!r} is not a public table; try one of {', '.join(EXAMPLES)}")
    sql, params, what = EXAMPLES[name]
    # name is from the fixed list above, so it may be spliced; values are bound
    with warehouse.reader(db, wait=wait, as_of=_as_of(as_of)) as con:
        doc = warehouse.query_df(con, _DOC_SQL, {"name": name})
        columns = warehouse.query_df(con, _COLUMNS_SQL, {"name": name})
        sample = warehouse.query_df(con, f"select * from {name} limit $n", {"n": int(rows)})
        example = warehouse.query_df(con, sql, params)
    parts = []
    if len(doc) and doc["comment"].iloc[0]:
        parts.append(f"<p>{esc(str(doc['comment'].iloc[0]))}</p>")
    parts += [
        "<details><summary>Columns</summary>" + render.table(columns) + "</details>",
        f"<p>First {int(rows)} rows:</p>" + render.table(sample),
        f"<p>Example — {esc(what)}</p>",
        f"<pre><code>{esc(sql)}</code></pre>",
    ]
    if params:
        parts.append(f"<p>parameters: <code>{esc(repr(params))}</code></p>")
    parts.append(render.table(example))
    render.show("\n".join(parts))


# --------------------------------------------------------------------------- exploration


@dataclass(frozen=True)
class Scope:
    """What the exploration notebook looks at, built once from its parameters.

    Attributes:
        db: The warehouse file (absolute).
        period: The period every section reports on.
        as_of: The report time statuses are computed at (aware UTC).
        confidence: The level of every interval (0.90 by default).
    """

    run: RunContext
    confidence: float = 0.90

    @property
    def db(self) -> Path:
        return self.run.db

    @property
    def period(self) -> Period:
        return self.run.period

    @property
    def as_of(self) -> datetime:
        return self.run.as_of

    def api(self) -> dict[str, Any]:
        """The keyword arguments that point an API call at this scope (and its policy)."""
        return {
            "db": self.db,
            "as_of": self.as_of,
            "policy": self.run.policy,
            "wait": self.run.wait,
        }

    def call(self, function: str, *args: str, **kwargs: Any) -> str:
        """The API call giving a section's numbers, as text to copy into a cell."""
        parts = [repr(self.period.label), *args]
        parts += [f"{k}={v!r}" for k, v in kwargs.items()]
        parts.append(f"as_of={_iso(self.as_of)!r}")
        if self.confidence != 0.90 and function in ("mttx", "change", "trend"):
            parts.append(f"confidence={self.confidence:g}")
        return f"analytics.{function}({', '.join(parts)})"


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def scope(run: RunContext, *, confidence: float = 0.90) -> Scope:
    """Check the notebook's context once (errors say what was expected) and show it.

    Args:
        run: The notebook's parameters read by :func:`analytics.context.from_parameters`:
            warehouse, report time, policy and period (default ``last quarter``).
        confidence: Level of the intervals.
    """
    # whole seconds: the report time is shown, and copied into the API calls shown
    moment = run.as_of.replace(microsecond=0)
    span = run.period or periods.parse_period("last quarter", as_of=moment)
    periods.require_begun(span, moment)
    api._confidence(confidence)
    run = replace(run, db=api.warehouse(run.db), as_of=moment, period=span)
    with run.reader():  # fail here, once, if it cannot be read
        pass
    path = run.db
    chosen = Scope(run, float(confidence))
    render.show(
        f"<p><b>{esc(span.label)}</b>: {span.first_day:%a %d %b %Y} – "
        f"{span.last_day:%a %d %b %Y} (UTC), statuses as of {_iso(moment)}; "
        f"intervals at {confidence:.0%}. Warehouse <code>{esc(str(path))}</code>.</p>"
    )
    # Missing is not zero: the reports' banner when the data does not cover the period, and
    # the compensation report's note when the period had not ended at the report time.
    banner.show_period(run, sources=("incidents", "pages", "action_items", "rotations"))
    if moment < span.end:
        render.show(
            f"<p><b>{esc(span.label)} had not ended at the report time</b>: incidents still "
            "to come are not included, and every figure can still change.</p>"
        )
    return chosen


def _interval(median: Any, lo: Any, hi: Any) -> str:
    if median is None or pd.isna(median):
        return "—"
    if lo is None or pd.isna(lo):
        return render.duration(median)
    return f"{render.duration(median)} ({render.duration(lo)} – {render.duration(hi)})"


def _code(text: str) -> str:
    return f'<p class="api">In Python: <code>{esc(text)}</code></p>'


def _label(by: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "(none)"
    return render.severity(value) if by == "severity" else str(value)


def _overall(frame: pd.DataFrame, column: str, level: float) -> str:
    from analytics.stats import bootstrap

    result = bootstrap(frame[column].to_numpy(dtype=float), confidence=level)
    if result.n == 0:
        return "—"
    return f"{_interval(result.median, result.median_lo, result.median_hi)}, n = {result.n}"


def show_glance(s: Scope) -> None:
    """How did the period go? Its headline numbers beside the period before."""
    before = s.period.previous()
    rows: dict[str, list[str]] = {}
    for span in (s.period, before):
        inc = api.incidents(span, **s.api())
        decided = inc["response_status"].isin(["met", "breached"]).sum()
        met = (inc["response_status"] == "met").sum()
        per_sev = " / ".join(str(int((inc["severity"] == k).sum())) for k in (1, 2, 3))
        load = api.oncall_load(span, **s.api())
        pages = int(load["pages"].sum()) if len(load) else 0
        sleep = int(load["sleep_pages"].sum()) if len(load) else 0
        items = api.action_items(span, **s.api())
        values = {
            "incidents (SEV-1 / SEV-2 / SEV-3)": f"{len(inc)} ({per_sev})",
            "median time to acknowledge": _overall(inc, "tta_s", s.confidence),
            "median time to resolve": _overall(inc, "ttr_s", s.confidence),
            "response on time": f"{render.percent(met / decided if decided else math.nan)} "
            f"({met} of {decided} decided)",
            "still open": str(int(inc["is_open"].sum())),
            "action items opened / closed": f"{int(items['opened'].sum())} / "
            f"{int(items['closed'].sum())}",
            "pages (of them in sleep hours)": f"{pages} ({sleep})",
        }
        for key, value in values.items():
            rows.setdefault(key, []).append(value)
    table = pd.DataFrame(
        [[k, *v] for k, v in rows.items()], columns=["", s.period.label, before.label]
    )
    render.show(
        render.table(table)
        + f"<p>Medians with their {s.confidence:.0%} bootstrap interval; incidents are counted "
        "in the period they started in.</p>" + _code(s.call("mttx", by="severity"))
    )


def show_mttx(s: Scope, by: str = "team") -> None:
    """Who is slow to acknowledge and to resolve? Medians with intervals and n per group."""
    import altair as alt

    from analytics import charts

    frame = api.mttx(s.period, by=by, confidence=s.confidence, **s.api())
    frame = frame[frame["incidents"] > 0]
    if frame.empty:
        render.show(f"<p>No incidents started in {esc(s.period.label)}.</p>")
        return
    table = pd.DataFrame(
        {
            by: [_label(by, v) for v in frame[by]],
            "incidents": frame["incidents"],
            "acknowledge: median (interval)": [
                _interval(*r)
                for r in zip(
                    frame["mtta_median_s"],
                    frame["mtta_median_lo_s"],
                    frame["mtta_median_hi_s"],
                    strict=True,
                )
            ],
            "p90": frame["mtta_p90_s"].map(render.duration),
            "resolve: median (interval)": [
                _interval(*r)
                for r in zip(
                    frame["mttr_median_s"],
                    frame["mttr_median_lo_s"],
                    frame["mttr_median_hi_s"],
                    strict=True,
                )
            ],
            "p90 ": frame["mttr_p90_s"].map(render.duration),
            "n (resolved)": frame["mttr_n"],
            "response on time": frame["response_compliance"].map(render.percent),
        }
    )
    render.show(render.table(table, numbers=table.columns[1:]))
    chart_data = pd.DataFrame(
        {
            "group": [_label(by, v) for v in frame[by]],
            "median_s": frame["mttr_median_s"],
            "lo_s": frame["mttr_median_lo_s"],
            "hi_s": frame["mttr_median_hi_s"],
            "n": frame["mttr_n"],
        }
    )
    chart = charts.group_intervals(
        chart_data, title=f"Time to resolve by {by}: median and {s.confidence:.0%} interval"
    )
    render.display(alt.vconcat(chart) if by == "service" else chart)
    render.show(
        "<p>Overlapping intervals mean the data cannot tell those groups apart; the p90 is "
        "the slow tail people remember.</p>" + _code(s.call("mttx", by=by, units="h"))
    )


def show_trend(s: Scope, by: str = "team", weeks: int = 12, effect: float = 0.20) -> None:
    """Is it getting better, and can we tell a change from noise?"""
    from analytics import charts

    trend = api.trend(s.period, weeks=weeks, by=by, confidence=s.confidence, **s.api())
    if trend["incidents"].sum() == 0:
        render.show("<p>No incidents in these weeks.</p>")
        return
    data = trend.rename(columns={by: "group"})
    data["group"] = [_label(by, v) for v in data["group"]]
    data["week_start"] = pd.to_datetime(data["week_start"])  # Altair takes no date objects
    render.display(
        charts.group_trend(
            data,
            title=f"Median time to resolve per week by {by}, with {s.confidence:.0%} interval",
        )
    )
    change = api.change(s.period, by=by, confidence=s.confidence, **s.api())
    detect = api.detectable(s.period, by=by, effect=effect, **s.api()).set_index(by)
    rows = []
    for row in change.to_dict("records"):
        key = row[by]
        power = detect.loc[key] if key in detect.index else None
        rows.append(
            {
                by: _label(by, key),
                s.period.label: render.duration(row["current"]),
                "interval": f"{render.duration(row['lo'])} – {render.duration(row['hi'])}",
                s.period.previous().label: render.duration(row["previous"]),
                "n": f"{_int(row['n_current'])} / {_int(row['n_previous'])}",
                "verdict": row["verdict"],
                f"a real {effect:.0%} gain shows, week to week": render.percent(
                    None if power is None else power["detect_week"]
                ),
                "period to period": render.percent(
                    None if power is None else power["detect_period"]
                ),
            }
        )
    changes = pd.DataFrame(rows)
    render.show(
        f"<p>Median time to resolve, {esc(s.period.label)} against the period before. "
        "When the earlier median lies inside this period's interval the two cannot be told "
        f"apart. The last two columns say how often a real {effect:.0%} improvement would "
        "be detected at this volume of incidents (Davidovič, <i>Incident Metrics in SRE</i>): "
        "below about 80%, most real changes of that size are invisible, and most visible "
        "week-to-week swings are noise.</p>"
        + render.table(changes, numbers=[c for c in changes.columns if c not in (by, "verdict")])
        + _code(s.call("change", by=by))
        + _code(s.call("trend", by=by, weeks=weeks))
    )


def _int(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else str(int(value))


_CHECKS = {
    "response": "acknowledged within the response target",
    "postmortem": "post-mortem published within 48 h of resolution",
    "status_cadence": "status updates at the required cadence",
    "escalation": "escalated within 30 min of acknowledgement when needed",
}


def show_compliance(s: Scope) -> None:
    """Are we following the playbook? Each check: met, breached, pending, rate, per severity."""
    frame = api.compliance(s.period, **s.api())
    rows = []
    for check, meaning in _CHECKS.items():
        met = int(frame[f"{check}_met"].sum())
        breached = int(frame[f"{check}_breached"].sum())
        row = {
            "check": check.replace("_", " "),
            "what it asks": meaning,
            "met": met,
            "breached": breached,
            "pending": int(frame[f"{check}_pending"].sum()),
            "not applicable": int(frame[f"{check}_n_a"].sum()),
            "rate": render.percent(met / (met + breached) if met + breached else math.nan),
        }
        for sev, rate in zip(frame["severity"], frame[f"{check}_rate"], strict=True):
            row[f"SEV-{sev}"] = render.percent(rate)
        rows.append(row)
    checks = pd.DataFrame(rows)
    render.show(
        render.table(
            checks, numbers=[c for c in checks.columns if c not in ("check", "what it asks")]
        )
        + "<p>rate = met / (met + breached): pending checks (still inside their deadline) and "
        "checks that do not apply are left out. The targets are the playbook's "
        "(<code>docs/policy.md</code>).</p>" + _code(s.call("compliance"))
    )


def show_incidents(
    s: Scope, *, team: str = "", severity: int = 0, service: str = "", limit: int = 15
) -> None:
    """Which incidents are behind a number? The period's incidents of one team (default: the
    one with the slowest median time to resolve), slowest first."""
    chosen = team_key(team)
    if not chosen and not service:
        by_team = api.mttx(s.period, by="team", intervals=False, **s.api())
        by_team = by_team[by_team["mttr_n"] > 0].dropna(subset=["team"])
        if by_team.empty:
            render.show(f"<p>No resolved incidents in {esc(s.period.label)}.</p>")
            return
        chosen = str(by_team.sort_values("mttr_median_s", ascending=False)["team"].iloc[0])
    frame = api.incidents(
        s.period,
        team=chosen or None,
        service=service or None,
        severity=severity or None,
        **s.api(),
    )
    what = " ".join(
        x
        for x in (
            f"team {chosen}" if chosen else "",
            f"service {team_key(service)}" if service else "",
            f"SEV-{severity}" if severity else "",
        )
        if x
    )
    if frame.empty:
        render.show(f"<p>No incidents of {esc(what)} in {esc(s.period.label)}.</p>")
        return
    frame = frame.sort_values("ttr_s", ascending=False, na_position="first")
    shown = pd.DataFrame(
        {
            "incident": frame["incident_id"],
            "started": frame["started_at"].dt.strftime("%Y-%m-%d %H:%M"),
            "severity": frame["severity"].map(render.severity),
            "service": frame["service"],
            "title": frame["title"],
            "acknowledge": frame["tta_s"].map(render.duration),
            "resolve": [
                "open" if is_open else render.duration(v)
                for v, is_open in zip(frame["ttr_s"], frame["is_open"], strict=True)
            ],
            "response": frame["response_status"],
            "post-mortem": frame["postmortem_status"],
        }
    ).head(limit)
    more = len(frame) - len(shown)
    render.show(
        f"<p>{len(frame)} incidents of {esc(what)} in {esc(s.period.label)}, "
        f"slowest to resolve first{f' (the first {limit})' if more > 0 else ''}.</p>"
        + render.table(shown, numbers=["acknowledge", "resolve"])
        + _code(
            s.call(
                "incidents",
                **{k: v for k, v in (("team", chosen), ("severity", severity)) if v},
                **({"service": service} if service else {}),
            )
        )
    )


def show_oncall_load(s: Scope) -> None:
    """How heavy is on-call? Hours on call and pages per team, and how many woke someone."""
    from analytics import charts

    load = api.oncall_load(s.period, **s.api())
    if load.empty:
        render.show("<p>No on-call shifts or pages in this period.</p>")
        return
    per_team = load.groupby("team", as_index=False)[
        ["oncall_hours", "pages", "business_pages", "off_hours_pages", "sleep_pages"]
    ].sum()
    weeks = load.groupby("team")["week_start"].nunique().reindex(per_team["team"]).to_numpy()
    table = pd.DataFrame(
        {
            "team": per_team["team"],
            "hours on call": per_team["oncall_hours"].round(0).astype("int64"),
            "pages": per_team["pages"],
            "pages a week": (per_team["pages"] / weeks).round(1),
            "in business hours": per_team["business_pages"],
            "off hours": per_team["off_hours_pages"],
            "sleep hours": per_team["sleep_pages"],
            "share in sleep hours": (per_team["sleep_pages"] / per_team["pages"]).map(
                render.percent
            ),
        }
    )
    render.show(
        render.table(table, numbers=["share in sleep hours"])
        + "<p>Weeks are the ISO weeks overlapping the period; times of day are the recipient's "
        "own (<code>docs/metrics.md</code>). Teams, never people.</p>"
    )
    render.display(
        charts.oncall_load(per_team, subtitle=f"{s.period.label}, ISO weeks overlapping")
    )
    render.show(_code(s.call("oncall_load")))


def show_sql(s: Scope, table: str = "incident_metrics") -> None:
    """How do I ask my own question? The public tables, and one worked query to adapt."""
    if table not in EXAMPLES:
        raise UsageError(f"{table!r} is not a public table; try one of {', '.join(EXAMPLES)}")
    sql, params, what = EXAMPLES[table]
    result = api.query(sql, params, **s.api())
    render.show(
        render.table(overview(s.db))
        + f"<p>Example — {esc(what)}</p>"
        + f"<pre><code>{esc(sql)}</code></pre>"
        + render.table(result)
        + "<p>Run your own with <code>analytics.query(sql, params)</code>: read-only, values "
        "bound as <code>$name</code> (never pasted into the text), the views computed at "
        "<code>as_of</code>. Every column's meaning and unit: <code>docs/warehouse.md</code>, "
        "or <code>select * from duckdb_columns()</code>. With <code>sql</code> the text "
        "above:</p>" + _code(f"analytics.query(sql, {params!r}, as_of={_iso(s.as_of)!r})")
    )
