"""Display helpers for the exploration notebook (the compensation report's are in
:mod:`analytics.compensation_html`).

Every helper opens the warehouse read-only for one query and closes it at once
(:func:`analytics.db.reader`), so an idle JupyterLab kernel never blocks a scheduled ingest
or payroll export (SPEC §9). The worked examples are SQL with bound ``$params``; they are
printed beside their result so an analyst can copy and adapt them.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd

from analytics import db as warehouse
from analytics.errors import UsageError

__all__ = [
    "EXAMPLES",
    "show_overview",
    "show_table",
]

# Public tables and views (SPEC §5) with one worked example each: (sql, params, what it shows).
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


def _display(obj: Any) -> None:
    from IPython.display import display

    display(obj)


def _html(text: str) -> None:
    from IPython.display import HTML

    _display(HTML(text))


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, escape=True, border=0, na_rep="—")


def _as_of(as_of: str | None):
    """The report time for the views; empty means now (bound explicitly, as the report does)."""
    from analytics.weekly import parse_as_of

    return parse_as_of(as_of or None)


def show_overview(db: str | Path, *, as_of: str | None = "", wait: float = 30.0) -> None:
    """Display every public table and view with its row count and description."""
    rows = []
    with warehouse.reader(db, wait=wait, as_of=_as_of(as_of)) as con:
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
    _html(_table(pd.DataFrame(rows)))


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
        name: One of :data:`EXAMPLES` (the public names of SPEC §5).
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
        parts.append(f"<p>{html.escape(str(doc['comment'].iloc[0]))}</p>")
    parts += [
        "<details><summary>Columns</summary>" + _table(columns) + "</details>",
        f"<p>First {int(rows)} rows:</p>" + _table(sample),
        f"<p>Example — {html.escape(what)}</p>",
        f"<pre><code>{html.escape(sql)}</code></pre>",
    ]
    if params:
        parts.append(f"<p>parameters: <code>{html.escape(repr(params))}</code></p>")
    parts.append(_table(example))
    _html("\n".join(parts))
