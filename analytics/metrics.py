"""Typed functions over the marts (SPEC §6), returning pandas DataFrames.

Every function takes a reader connection whose ``as_of`` and policy are already bound (see
:func:`analytics.db.reader`): the statuses come from the views, which read ``params`` and
``policy``. Periods are half-open UTC instants ``[start, end)``; an incident belongs to the
period its ``started_at`` falls in. Values reach SQL only as bound ``$params``; the only text
spliced into SQL is a grouping column chosen from a fixed list.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from analytics import periods
from analytics.db import query_df
from analytics.stats import DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES

if TYPE_CHECKING:  # pandas and numpy are imported where used: `metrics --format csv` needs neither
    import duckdb
    import pandas as pd

__all__ = [
    "DURATION_METRICS",
    "GROUPINGS",
    "action_items_summary",
    "compare_periods",
    "compliance",
    "incidents_in",
    "iso_week_bounds",
    "oncall_fairness",
    "oncall_load",
    "period_bounds",
    "summary",
    "summary_rows",
    "weekly_trend",
]

# metric prefix -> duration column of incident_metrics
DURATION_METRICS: dict[str, str] = {
    "mtta": "tta_s",
    "mttr": "ttr_s",
    "mttd": "ttd_s",
    "mttm": "ttm_s",
}
GROUPINGS: tuple[str, ...] = ("severity", "team", "service")
SEVERITIES: tuple[int, ...] = (1, 2, 3)
STATUS_RULES: dict[str, str] = {
    "response": "response_status",
    "postmortem": "postmortem_status",
    "status_cadence": "status_cadence_status",
    "escalation": "escalation_status",
}
_ACTION_GROUPINGS = ("team", "service", "severity")


# --- periods --------------------------------------------------------------------------------


def period_bounds(
    date_from: date | datetime | str, date_to: date | datetime | str
) -> tuple[datetime, datetime]:
    """Whole days, both included: ``[date_from 00:00Z, date_to + 1 day 00:00Z)`` (SPEC §10).

    Days are ``date``, ``datetime`` (its UTC day) or ``YYYY-MM-DD`` text
    (:func:`analytics.periods.days`).

    Raises:
        ValueError: a value is not a day, or ``date_to`` is before ``date_from``.
    """
    return tuple(periods.days(date_from, date_to))  # type: ignore[return-value]


def iso_week_bounds(week: str) -> tuple[datetime, datetime]:
    """``"2026-W47"`` -> ``[Monday 00:00Z, next Monday 00:00Z)``.

    Raises:
        ValueError: Not of the form ``YYYY-Www``, or a week the year does not have.
    """
    return periods.parse_week(week)


def _check_period(start: datetime, end: datetime) -> dict[str, datetime]:
    """The bound ``$start``/``$end`` of ``[start, end)``; instants as :mod:`analytics.periods`
    reads them (a datetime, naive meaning UTC, a date or ISO text).

    Raises:
        ValueError: a bound is not an instant, or the period is empty.
    """
    first = periods.parse_instant(start, what="start")
    after = periods.parse_instant(end, what="end")
    if after <= first:
        raise periods.PeriodError(
            f"empty period: end {after.isoformat()} is not after {first.isoformat()}"
        )
    return {"start": first, "end": after}


def _check_by(by: str, allowed: Sequence[str]) -> str:
    if by not in allowed:
        raise ValueError(f"by={by!r} is not one of {', '.join(allowed)}")
    return by


def _rate(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    num = numerator.astype("float64")
    den = denominator.astype("float64")
    return (num / den).where(den > 0)


# --- MTTx -----------------------------------------------------------------------------------


def _duration_aggregates(prefix: str, column: str) -> str:
    # A zero-duration status-page incident is left out of MTTR and MTTM on purpose (SPEC §3.7):
    # counted in zero_duration, not as missing.
    skipped = " and not is_zero_duration" if prefix in ("mttr", "mttm") else ""
    return (
        f"avg({column}) as {prefix}_mean_s, "
        f"quantile_cont({column}, 0.5) as {prefix}_median_s, "
        f"quantile_cont({column}, 0.9) as {prefix}_p90_s, "
        f"count({column}) as {prefix}_n, "
        f"count(*) filter (where {column} is null{skipped}) as {prefix}_missing"
    )


def _status_counts(rule: str, column: str) -> str:
    return ", ".join(
        f"count(*) filter (where {column} = '{status}') as {rule}_{label}"
        for status, label in (
            ("met", "met"),
            ("breached", "breached"),
            ("pending", "pending"),
            ("n/a", "n_a"),
        )
    )


def _summary_columns(by: str) -> list[str]:
    head = [
        by,
        "incidents",
        "mtta_mean_s",
        "mtta_median_s",
        "mtta_p90_s",
        "mttr_mean_s",
        "mttr_median_s",
        "mttr_p90_s",
        "response_met",
        "response_breached",
        "response_pending",
        "response_compliance",
        "mtta_missing",
        "mttr_missing",
        "mtta_n",
        "mttr_n",
    ]
    for prefix in ("mtta", "mttr"):
        for stat in ("mean", "median"):
            head += [f"{prefix}_{stat}_lo_s", f"{prefix}_{stat}_hi_s"]
    for prefix in ("mttd", "mttm"):
        head += [
            f"{prefix}_mean_s",
            f"{prefix}_median_s",
            f"{prefix}_p90_s",
            f"{prefix}_n",
            f"{prefix}_missing",
        ]
        for stat in ("mean", "median"):
            head += [f"{prefix}_{stat}_lo_s", f"{prefix}_{stat}_hi_s"]
    head += ["response_n_a", "open_incidents", "zero_duration"]
    return head + list(REVIEW_RATE_COLUMNS)


# Rates after the summary's own columns: post-mortem reviews (one per incident of the policy's
# severities) and communication requirements (one per incident and requirement), SPEC §14; the
# status-page cadence (one per SEV-1/2 incident) and where each incident's status updates came
# from (statuspage, timeline or none), SPEC §13.
RULE_RATES: tuple[str, ...] = ("review", "communication", "status_cadence")
STATUS_SOURCES: tuple[str, ...] = ("statuspage", "timeline", "none")
REVIEW_RATE_COLUMNS: tuple[str, ...] = tuple(
    f"{rule}_{part}" for rule in RULE_RATES for part in ("met", "breached", "pending", "rate")
) + tuple(f"status_source_{source}" for source in STATUS_SOURCES)


def summary(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    *,
    by: str = "severity",
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
    intervals: bool = True,
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """MTTA/MTTR/MTTD/MTTM and response compliance per group of the incidents started in the period.

    Args:
        con: A reader connection (as_of and policy bound).
        start: Period start (aware, included).
        end: Period end (aware, excluded).
        by: ``severity`` (always the rows 1, 2, 3, zeros included), ``team`` or ``service``.
        seed: Seed of the bootstrap.
        resamples: Bootstrap resamples per statistic.
        intervals: Compute the bootstrap intervals (the ``*_lo_s``/``*_hi_s`` columns are
            NaN when False).
        confidence: Two-sided level of the intervals (0.90: the 5th to 95th percentiles).

    Returns:
        One row per group, sorted by group, columns in the order of SPEC §10 first:
        ``<by>, incidents, mtta_mean_s, mtta_median_s, mtta_p90_s, mttr_mean_s, mttr_median_s,
        mttr_p90_s, response_met, response_breached, response_pending, response_compliance``,
        then ``mtta_missing, mttr_missing, mtta_n, mttr_n``, the intervals, MTTD/MTTM and
        ``response_n_a, open_incidents, zero_duration`` (status-page incidents resolved at the
        instant they started: left out of MTTR and MTTM, not counted as missing).
        ``incidents`` counts every incident started in the
        period; each MTTx leaves out the incidents missing its timestamp and counts them in
        ``*_missing``. ``response_compliance`` = met / (met + breached), NaN when none decided.
    """
    params = _check_period(start, end)
    by = _check_by(by, GROUPINGS)
    with _summary_scope(con, by, params):
        frame = query_df(con, _summary_sql(by), params)
        if by == "severity":
            frame["severity"] = frame["severity"].astype("int64")
        if intervals and len(frame):
            keys = [_key(k) for k in frame[by].tolist()]
            filled = _interval_values(
                con, keys, seed=seed, resamples=resamples, confidence=confidence
            )
            for column, values in filled.items():
                frame[column] = values
    return frame.reset_index(drop=True)


def summary_rows(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    *,
    by: str = "severity",
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
    intervals: bool = True,
    confidence: float = DEFAULT_CONFIDENCE,
) -> tuple[list[str], list[list[object]]]:
    """:func:`summary` as column names and rows of plain Python values, without pandas.

    The same SQL and the same bootstrap as :func:`summary`: a missing value is ``None`` where
    the frame has NaN. What ``metrics --format csv`` writes (:func:`analytics.output.write_rows`).
    """
    params = _check_period(start, end)
    by = _check_by(by, GROUPINGS)
    with _summary_scope(con, by, params):
        result = con.execute(_summary_sql(by), params)
        columns = [d[0] for d in result.description]
        rows = [list(r) for r in result.fetchall()]
        if intervals and rows:
            filled = _interval_values(
                con, [r[0] for r in rows], seed=seed, resamples=resamples, confidence=confidence
            )
            for column, values in filled.items():
                at = columns.index(column)
                for r, value in zip(rows, values, strict=True):
                    r[at] = None if math.isnan(value) else value
    return columns, rows


@contextlib.contextmanager
def _summary_scope(con: duckdb.DuckDBPyConnection, by: str, params: dict) -> Iterator[None]:
    """The period's rows, only the columns used, evaluated once, as the TEMP table
    ``summary_scope``: the aggregates and the bootstrap both read it. incident_responses is the
    layer of incident_metrics that has the durations and the response status."""
    columns = ", ".join(DURATION_METRICS.values())
    con.execute(
        "create or replace temp table summary_scope as "
        f"select incident_id, {by} as grp, resolved_at, response_status, is_zero_duration, "
        f"{columns} from incident_responses "
        "where started_at >= $start and started_at < $end",
        params,
    )
    try:
        yield
    finally:
        con.execute("drop table if exists summary_scope")


def _key(value: object) -> object:
    """A group key as SQL gives it: a missing team or service (NaN in a frame) is None."""
    return None if isinstance(value, float) and math.isnan(value) else value


def _counted(column: str) -> bool:
    """Is a summary column a count (0 for a group without rows)?"""
    return (
        column in ("incidents", "open_incidents", "zero_duration")
        or column.endswith(("_n", "_missing", "_met", "_breached", "_pending", "_n_a"))
        or column.startswith("status_source_")
    )


def _rate_sql(met: str, breached: str) -> str:
    # met / (met + breached), NULL when nothing is decided
    return (
        f"case when {met} + {breached} > 0 "
        f"then cast({met} as double) / cast({met} + {breached} as double) end"
    )


def _summary_sql(by: str) -> str:
    """One query for the whole summary of ``summary_scope`` (``$start``/``$end`` bound):
    counts, durations and statuses per group, then the review, communication and
    status-cadence counts of :data:`REVIEW_RATE_COLUMNS`; the interval columns are NULL.

    ``review_*`` count postmortem_reviews.review_status of the period's incidents (n/a left
    out); ``communication_*`` count incident_communication rows (incident and requirement);
    ``status_cadence_*`` count incident_metrics.status_cadence_status (n/a left out) and
    ``status_source_*`` the incidents by where their status updates came from. Rates are
    met / (met + breached), NULL when nothing is decided.
    """
    aggregates = ", ".join(_duration_aggregates(p, c) for p, c in DURATION_METRICS.items())
    groups = (
        "select unnest([1, 2, 3]) as grp"
        if by == "severity"
        else "select distinct grp from summary_scope"
    )
    outputs = []
    for column in _summary_columns(by):
        if column == by:
            outputs.append(f"groups.grp as {by}")
        elif column == "response_compliance":
            outputs.append(f"{_rate_sql('a.response_met', 'a.response_breached')} as {column}")
        elif column.endswith(("_lo_s", "_hi_s")):
            outputs.append(f"cast(null as double) as {column}")
        elif column.endswith("_rate"):
            rule = column.removesuffix("_rate")
            met, breached = f"coalesce(r.{rule}_met, 0)", f"coalesce(r.{rule}_breached, 0)"
            outputs.append(f"{_rate_sql(met, breached)} as {column}")
        elif column in REVIEW_RATE_COLUMNS:
            outputs.append(f"coalesce(r.{column}, 0) as {column}")
        elif _counted(column):
            outputs.append(f"coalesce(a.{column}, 0) as {column}")
        else:
            outputs.append(f"a.{column}")
    rule_counts = []
    for rule in RULE_RATES:
        for status in ("met", "breached", "pending"):
            rule_counts.append(
                f"count(*) filter (where rule = '{rule}' and status = '{status}') "
                f"as {rule}_{status}"
            )
    for source in STATUS_SOURCES:
        rule_counts.append(
            f"count(*) filter (where rule = 'source_{source}') as status_source_{source}"
        )
    return f"""
        with groups as ({groups}),
        aggregated as (
            select
                grp,
                count(*) as incidents,
                {aggregates},
                {_status_counts("response", "response_status")},
                count(*) filter (where resolved_at is null) as open_incidents,
                count(*) filter (where is_zero_duration) as zero_duration,
            from summary_scope
            group by grp
        ),
        -- incident_metrics is read once, for the period only: the cadence status and the
        -- status source come from the same rows
        cadences as materialized (
            select {by} as grp, status_cadence_status, status_source from incident_metrics
            where started_at >= $start and started_at < $end
        ),
        statuses as (
            select s.grp, 'review' as rule, r.review_status as status,
            from summary_scope as s
            inner join postmortem_reviews as r on r.incident_id = s.incident_id
            union all
            select s.grp, 'communication' as rule, c.status,
            from summary_scope as s
            inner join incident_communication as c on c.incident_id = s.incident_id
            union all
            select grp, 'status_cadence' as rule, status_cadence_status as status,
            from cadences
            union all
            select grp, 'source_' || status_source as rule, null as status,
            from cadences
        ),
        rules as (
            select grp, {", ".join(rule_counts)},
            from statuses
            group by grp
        )
        select {", ".join(outputs)}
        from groups
        left join aggregated as a on a.grp is not distinct from groups.grp
        left join rules as r on r.grp is not distinct from groups.grp
        order by groups.grp nulls last
    """


def _interval_values(
    con: duckdb.DuckDBPyConnection,
    keys: list[object],
    *,
    seed: int,
    resamples: int,
    confidence: float,
) -> dict[str, list[float]]:
    """The bootstrap interval columns of the groups ``keys`` (in that order) of
    ``summary_scope``: ``<prefix>_{mean,median}_{lo,hi}_s`` lists, NaN for an empty group."""
    import numpy as np

    from analytics.stats import bootstrap_many

    lists = ", ".join(
        f"coalesce(list({c}) filter (where {c} is not null), [])" for c in DURATION_METRICS.values()
    )
    values = {
        grp: parts
        for grp, *parts in con.execute(
            f"select grp, {lists} from summary_scope group by grp"
        ).fetchall()
    }
    # Every group's every duration in one call: samples of one size share their draws,
    # whichever group they come from, and run on every core; an absent group is empty (NaN).
    empty = [[] for _ in DURATION_METRICS]
    samples = [
        np.asarray(sample, dtype=np.float64) for key in keys for sample in values.get(key, empty)
    ]
    results = iter(
        bootstrap_many(
            samples,
            resamples=resamples,
            confidence=confidence,
            seed=seed,
            workers=min(4, os.cpu_count() or 1),
        )
    )
    filled: dict[str, list[float]] = {}
    for _ in keys:
        for prefix in DURATION_METRICS:
            result = next(results)
            for stat in ("mean_lo", "mean_hi", "median_lo", "median_hi"):
                filled.setdefault(f"{prefix}_{stat}_s", []).append(getattr(result, stat))
    return filled


def weekly_trend(
    con: duckdb.DuckDBPyConnection,
    end: datetime,
    *,
    weeks: int = 12,
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
    by: str = "severity",
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """Per ISO week and group, the median MTTA/MTTR with bootstrap intervals and ``n``.

    Args:
        con: A reader connection.
        end: End of the trend (aware, excluded); the last week is the one containing the
            instant just before ``end`` (for a weekly report, the report week's end).
        weeks: Number of ISO weeks, the last one included.
        seed: Seed of the bootstrap.
        resamples: Bootstrap resamples.
        by: ``severity`` (rows 1, 2, 3 every week), ``team`` or ``service`` (every group that
            has an incident in the window, every week).
        confidence: Two-sided level of the intervals (default 0.90).

    Returns:
        ``weeks x groups`` rows (zero-incident weeks included) sorted by week_start then group:
        ``week_start`` (date), ``iso_week``, ``<by>``, ``incidents``, and for mtta and mttr
        ``*_median_s``, ``*_median_lo_s``, ``*_median_hi_s``, ``*_n``, ``*_missing``.
    """
    import numpy as np
    import pandas as pd

    from analytics.stats import bootstrap

    end = periods.parse_instant(end, what="end")
    if weeks < 1:
        raise ValueError(f"weeks must be >= 1, got {weeks}")
    by = _check_by(by, GROUPINGS)
    last_day = (end.astimezone(UTC) - timedelta(microseconds=1)).date()
    last_monday = last_day - timedelta(days=last_day.weekday())
    mondays = [last_monday - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
    start = datetime.combine(mondays[0], time(0), tzinfo=UTC)
    # by is one of GROUPINGS (checked above), so it may be spliced; values are bound
    raw = query_df(
        con,
        f"select iso_week_start(started_at) as week_start, {by} as grp, tta_s, ttr_s "
        "from incident_metrics where started_at >= $start and started_at < $end",
        {"start": start, "end": end},
    )
    raw["week_start"] = pd.to_datetime(raw["week_start"]).dt.date
    grouped = dict(tuple(raw.groupby(["week_start", "grp"], sort=False)))
    groups = SEVERITIES if by == "severity" else sorted(raw["grp"].dropna().unique().tolist())
    rows = []
    for monday in mondays:
        for group in groups:
            part = grouped.get((monday, group))
            row: dict[str, object] = {
                "week_start": monday,
                "iso_week": f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}",
                by: group,
                "incidents": 0 if part is None else len(part),
            }
            for prefix in ("mtta", "mttr"):
                column = DURATION_METRICS[prefix]
                values = np.array([]) if part is None else part[column].to_numpy(dtype=float)
                result = bootstrap(values, resamples=resamples, confidence=confidence, seed=seed)
                row[f"{prefix}_median_s"] = result.median
                row[f"{prefix}_median_lo_s"] = result.median_lo
                row[f"{prefix}_median_hi_s"] = result.median_hi
                row[f"{prefix}_n"] = result.n
                row[f"{prefix}_missing"] = row["incidents"] - result.n
            rows.append(row)
    columns = ["week_start", "iso_week", by, "incidents"]
    for prefix in ("mtta", "mttr"):
        columns += [f"{prefix}_median_s", f"{prefix}_median_lo_s", f"{prefix}_median_hi_s"]
        columns += [f"{prefix}_n", f"{prefix}_missing"]
    frame = pd.DataFrame(rows, columns=columns)
    counts = ["incidents", "mtta_n", "mtta_missing", "mttr_n", "mttr_missing"]
    for column in ([by] if by == "severity" else []) + counts:
        frame[column] = frame[column].astype("int64")
    return frame


# --- compliance, action items, on-call load -------------------------------------------------


# incident_metrics.status_source: where an incident's status updates came from (SPEC §13)
STATUS_SOURCES = ("statuspage", "timeline", "none")
_STATUS_SOURCE_COUNTS = (
    "count(*) filter (where status_source = 'statuspage') as status_source_statuspage, "
    "count(*) filter (where status_source = 'timeline') as status_source_timeline, "
    "count(*) filter (where status_source = 'none') as status_source_none"
)


def compliance(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> pd.DataFrame:
    """Per severity (rows 1, 2, 3), the counts and rates of each playbook rule.

    Returns:
        ``severity, incidents`` then for each rule in response, postmortem, status_cadence,
        escalation: ``<rule>_met, <rule>_breached, <rule>_pending, <rule>_n_a, <rule>_rate``
        (rate = met / (met + breached), NaN when nothing is decided); then where the status
        updates came from: ``status_source_statuspage, status_source_timeline,
        status_source_none`` (incidents, SPEC §13).
    """
    params = _check_period(start, end)
    counts = ", ".join(_status_counts(rule, column) for rule, column in STATUS_RULES.items())
    sql = f"""
        with scoped as (
            select * from incident_metrics where started_at >= $start and started_at < $end
        ),
        severities as (select unnest([1, 2, 3]) as severity),
        aggregated as (
            select severity, count(*) as incidents, {counts}, {_STATUS_SOURCE_COUNTS}
            from scoped
            group by severity
        )
        select severities.severity, aggregated.* exclude (severity)
        from severities
        left join aggregated on aggregated.severity = severities.severity
        order by severities.severity
    """
    frame = query_df(con, sql, params)
    frame = frame.fillna({c: 0 for c in frame.columns if c != "severity"})
    columns = ["severity", "incidents"]
    for rule in STATUS_RULES:
        parts = [f"{rule}_{s}" for s in ("met", "breached", "pending", "n_a")]
        frame[f"{rule}_rate"] = _rate(
            frame[f"{rule}_met"], frame[f"{rule}_met"] + frame[f"{rule}_breached"]
        )
        columns += [*parts, f"{rule}_rate"]
    columns += [f"status_source_{source}" for source in STATUS_SOURCES]
    int_columns = [c for c in columns if not c.endswith("_rate")]
    frame[int_columns] = frame[int_columns].astype("int64")
    return frame[columns]


def action_items_summary(
    con: duckdb.DuckDBPyConnection,
    start: datetime,
    end: datetime,
    *,
    by: str = "team",
) -> pd.DataFrame:
    """Action items per group (the incident's team, service or severity).

    Returns:
        One row per group, sorted: ``opened`` (items of incidents started in the period),
        ``closed`` (of those, done), ``open``, ``overdue`` (open and due before as_of's date),
        ``completion_rate`` = closed / opened, ``rule3_rate`` = items with an owner and a due
        date and a ticket / opened, the three parts ``with_owner, with_due, with_ticket``,
        ``closed_in_period`` (any incident's items the tracker resolved in the period),
        ``open_backlog`` (every item not done at as_of, whatever its incident's date) and
        ``overdue_backlog`` (of those, the overdue ones).
    """
    params = _check_period(start, end)
    by = _check_by(by, _ACTION_GROUPINGS)
    sql = f"""
        with items as (
            select * from action_item_status
        ),
        opened as (
            select
                {by} as grp,
                count(*) as opened,
                count(*) filter (where is_done) as closed,
                count(*) filter (where is_open) as open,
                count(*) filter (where is_overdue) as overdue,
                count(*) filter (where meets_rule3) as rule3,
                count(*) filter (where has_owner) as with_owner,
                count(*) filter (where has_due) as with_due,
                count(*) filter (where has_ticket) as with_ticket,
            from items
            where incident_started_at >= $start and incident_started_at < $end
            group by {by}
        ),
        closed_in_period as (
            select {by} as grp, count(*) as closed_in_period,
            from items
            where is_done and resolved_at >= $start and resolved_at < $end
            group by {by}
        ),
        backlog as (
            select
                {by} as grp,
                count(*) as open_backlog,
                count(*) filter (where is_overdue) as overdue_backlog,
            from items
            where is_open
            group by {by}
        ),
        groups as (
            select grp from opened
            union
            select grp from closed_in_period
            union
            select grp from backlog
        )
        select
            groups.grp as {by},
            opened.* exclude (grp),
            closed_in_period.closed_in_period,
            backlog.open_backlog,
            backlog.overdue_backlog,
        from groups
        left join opened on opened.grp is not distinct from groups.grp
        left join closed_in_period on closed_in_period.grp is not distinct from groups.grp
        left join backlog on backlog.grp is not distinct from groups.grp
        order by groups.grp nulls last
    """
    frame = query_df(con, sql, params)
    counts = [
        "opened",
        "closed",
        "open",
        "overdue",
        "rule3",
        "with_owner",
        "with_due",
        "with_ticket",
        "closed_in_period",
        "open_backlog",
        "overdue_backlog",
    ]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    if by == "severity":
        frame["severity"] = frame["severity"].astype("Int64")
    frame["completion_rate"] = _rate(frame["closed"], frame["opened"])
    frame["rule3_rate"] = _rate(frame["rule3"], frame["opened"])
    return frame[
        [
            by,
            "opened",
            "closed",
            "open",
            "overdue",
            "completion_rate",
            "rule3_rate",
            "with_owner",
            "with_due",
            "with_ticket",
            "closed_in_period",
            "open_backlog",
            "overdue_backlog",
        ]
    ]


def oncall_load(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> pd.DataFrame:
    """Rows of the ``oncall_load`` view for the ISO weeks overlapping ``[start, end)``.

    Returns:
        One row per team and week, sorted by team then week_start: ``team, week_start,
        iso_week, oncall_hours, pages, pages_per_oncall_hour, business_pages, off_hours_pages,
        sleep_pages`` and the view's other columns. Teams, never people (blameless).
    """
    import pandas as pd

    params = _check_period(start, end)
    # the view's own logic with the period pushed down to the pages it reads (macros.sql)
    frame = query_df(
        con,
        "select * from oncall_load_between($start::timestamptz, $end::timestamptz) "
        "order by team, week_start",
        params,
    )
    frame["week_start"] = pd.to_datetime(frame["week_start"]).dt.date
    return frame


def oncall_fairness(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> pd.DataFrame:
    """Fairness and working time per engineer and team for the period ``[start, end)``.

    The ``oncall_fairness`` view's logic (SPEC §15) for one period: a calendar month gives
    exactly the view's rows of that month; any other period (a pay period, a quarter) is
    computed as one period, its window the ``[working_time] fairness_weeks`` weeks ending at
    ``end``. It names people: for the compensation report, never the all-hands report.

    Returns:
        One row per engineer and team, sorted by team then engineer, with the view's columns
        (``oncall_hours``, ``offhours_oncall_hours``, ``weekend_oncall_hours``,
        ``holiday_oncall_hours``, ``pages``, ``nights_interrupted``,
        ``max_consecutive_oncall_days``, ``window_hours``, ``team_fair_share_hours``,
        ``share_of_fair``, ``limit_flags``, ...).
    """
    return query_df(
        con,
        "select * from oncall_fairness_between($start::timestamptz, $end::timestamptz) "
        "order by team, engineer",
        _check_period(start, end),
    )


def incidents_in(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> pd.DataFrame:
    """The ``incident_metrics`` rows of the incidents started in ``[start, end)``, by start."""
    return query_df(
        con,
        "select * from incident_metrics where started_at >= $start and started_at < $end "
        "order by started_at, incident_id",
        _check_period(start, end),
    )


# --- period over period ---------------------------------------------------------------------


def compare_periods(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    *,
    by: str | None = None,
    metrics: Sequence[str] | None = None,
) -> pd.DataFrame:
    """This period's statistics against the previous period's, flagging changes that may be noise.

    Args:
        current: A :func:`summary` frame of this period (with intervals).
        previous: A :func:`summary` frame of the previous period, same ``by``.
        by: The grouping column; default the first column of ``current``.
        metrics: Columns to compare; default every ``*_mean_s``/``*_median_s`` that has its
            ``*_lo_s``/``*_hi_s`` interval in ``current``.

    Returns:
        One row per group and metric: ``<by>, metric, current, previous, change`` (current -
        previous), ``change_pct``, ``lo, hi`` (this period's 90% interval), ``n_current,
        n_previous`` and ``not_distinguishable``: True when the previous value lies inside this
        period's interval (SPEC §6), False when outside, NA when either value or the interval is
        missing.
    """
    import pandas as pd

    by = by or str(current.columns[0])
    if metrics is None:
        metrics = [
            c
            for c in current.columns
            if c.endswith(("_mean_s", "_median_s"))
            and f"{c[:-2]}_lo_s" in current.columns
            and f"{c[:-2]}_hi_s" in current.columns
        ]
    prev = previous.set_index(by) if by in previous.columns else pd.DataFrame()
    rows = []
    # iterate keys apart from rows: iterrows would turn an int severity into a float
    for key, (_, row) in zip(current[by].tolist(), current.iterrows(), strict=True):
        prev_row = prev.loc[key] if key in prev.index else None
        for metric in metrics:
            prefix = metric.split("_", 1)[0]
            cur = _num(row.get(metric))
            before = _num(None if prev_row is None else prev_row.get(metric))
            lo = _num(row.get(f"{metric[:-2]}_lo_s"))
            hi = _num(row.get(f"{metric[:-2]}_hi_s"))
            known = not any(math.isnan(v) for v in (cur, before, lo, hi))
            rows.append(
                {
                    by: key,
                    "metric": metric,
                    "current": cur,
                    "previous": before,
                    "change": cur - before,
                    "change_pct": (cur - before) / before if before else math.nan,
                    "lo": lo,
                    "hi": hi,
                    "n_current": _num(row.get(f"{prefix}_n")),
                    "n_previous": _num(None if prev_row is None else prev_row.get(f"{prefix}_n")),
                    "not_distinguishable": (lo <= before <= hi) if known else pd.NA,
                }
            )
    frame = pd.DataFrame(
        rows,
        columns=[
            by,
            "metric",
            "current",
            "previous",
            "change",
            "change_pct",
            "lo",
            "hi",
            "n_current",
            "n_previous",
            "not_distinguishable",
        ],
    )
    frame["not_distinguishable"] = frame["not_distinguishable"].astype("boolean")
    return frame


def _num(value: object) -> float:
    import pandas as pd

    if value is None or value is pd.NA:
        return math.nan
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
